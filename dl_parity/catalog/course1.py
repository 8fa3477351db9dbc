"""Course 1 ("Neural Networks and Deep Learning") and the multiclass/mini-batch formulas MNIST needs."""
from __future__ import annotations

from dataclasses import replace

from .base import Formula

WEEKS = {
    "1": "Week 1-3: activation functions",
    "2": "Week 2: logistic regression as a neural network",
    "3": "Week 3: shallow neural network",
    "4": "Week 4: deep neural network",
    "c2": "Beyond course 1: multiclass and mini-batches (course 2)",
}

T_ACT = "parity_tests/test_activations.py"
T_COST = "parity_tests/test_cost.py"
T_LR = "parity_tests/test_logistic_regression.py"
T_SH = "parity_tests/test_shallow_nn.py"
T_DN = "parity_tests/test_deep_nn.py"
T_GC = "parity_tests/test_gradcheck.py"
T_CR = "parity_tests/test_course_results.py"
T_MC = "parity_tests/test_multiclass.py"

_ENTRIES: tuple[Formula, ...] = (
    # ------------------------------------------------------------------ activations
    Formula(
        "act.sigmoid", "1", "Activation functions", "Sigmoid and its derivative",
        "σ(z) = 1 / (1 + e⁻ᶻ)\nσ′(z) = σ(z) (1 − σ(z))",
        r"\sigma(z) = \frac{1}{1 + e^{-z}}, \qquad \sigma'(z) = \sigma(z)\,(1 - \sigma(z))",
        ("scratch.activations.sigmoid", "scratch.activations.sigmoid_backward",
         "scratch.activations.sigmoid_value", "scratch.logistic_regression.sigmoid"),
        ("torch_ref.models.ACTIVATIONS",),
        (f"{T_ACT}::test_sigmoid_parity",),
        torch_ops=("torch.nn.Sigmoid",),
        note="Stable for |z| up to 1e3: e^{-|z|} is never large."),
    Formula(
        "act.tanh", "1", "Activation functions", "tanh and its derivative",
        "tanh(z) = (eᶻ − e⁻ᶻ) / (eᶻ + e⁻ᶻ)\ntanh′(z) = 1 − tanh(z)²",
        r"\tanh(z) = \frac{e^{z} - e^{-z}}{e^{z} + e^{-z}}, \qquad \tanh'(z) = 1 - \tanh^2(z)",
        ("scratch.activations.tanh", "scratch.activations.tanh_backward"),
        ("torch_ref.models.ACTIVATIONS",),
        (f"{T_ACT}::test_tanh_parity",),
        torch_ops=("torch.nn.Tanh",)),
    Formula(
        "act.relu", "1", "Activation functions", "ReLU and its derivative",
        "ReLU(z) = max(0, z)\nReLU′(z) = 1 if z > 0, 0 if z ≤ 0 (0 at z = 0)",
        r"\mathrm{ReLU}(z) = \max(0, z), \qquad \mathrm{ReLU}'(z) = \begin{cases} 1 & z > 0 \\ 0 & z \le 0 \end{cases}",
        ("scratch.activations.relu", "scratch.activations.relu_backward"),
        ("torch_ref.models.ACTIVATIONS",),
        (f"{T_ACT}::test_relu_parity",),
        torch_ops=("torch.nn.ReLU",),
        note="At z = 0 both sides use 0, PyTorch's convention for relu's gradient."),
    Formula(
        "act.leaky_relu", "1", "Activation functions", "Leaky ReLU and its derivative",
        "g(z) = max(0.01 z, z)\ng′(z) = 1 if z > 0, 0.01 if z ≤ 0 (0.01 at z = 0)",
        r"g(z) = \max(0.01\,z,\ z), \qquad g'(z) = \begin{cases} 1 & z > 0 \\ 0.01 & z \le 0 \end{cases}",
        ("scratch.activations.leaky_relu", "scratch.activations.leaky_relu_backward",
         "scratch.activations.get_activation"),
        ("torch_ref.models.ACTIVATIONS",),
        (f"{T_ACT}::test_leaky_relu_parity",),
        torch_ops=("torch.nn.LeakyReLU",),
        note="Slope parameter, default 0.01; at z = 0 the slope, as PyTorch."),
    # ------------------------------------------------------------------ week 2
    Formula(
        "w2.forward", "2", "Logistic regression", "Forward pass",
        "Z = wᵀX + b\nA = σ(Z) = ŷ",
        r"Z = w^{T} X + b, \qquad A = \sigma(Z) = \hat{y}",
        ("scratch.logistic_regression.propagate",),
        ("torch_ref.models.LogisticRegression", "torch_ref.models.DeepNet.forward"),
        (f"{T_LR}::test_propagate_parity",),
        torch_ops=("torch.nn.Linear",)),
    Formula(
        "w2.cost", "2", "Logistic regression", "Loss and cost (cross-entropy)",
        "L(ŷ, y) = −(y log ŷ + (1 − y) log(1 − ŷ))\nJ(w, b) = (1/m) Σᵢ L(ŷ⁽ⁱ⁾, y⁽ⁱ⁾)",
        r"\mathcal{L}(\hat{y}, y) = -\big(y \log \hat{y} + (1 - y) \log(1 - \hat{y})\big), \qquad J = \frac{1}{m} \sum_{i=1}^{m} \mathcal{L}(\hat{y}^{(i)}, y^{(i)})",
        ("scratch.cost.cross_entropy", "scratch.cost.clamped_log"),
        ("torch_ref.train.train_step",),
        (f"{T_COST}::test_cost_parity", f"{T_COST}::test_cost_saturated_parity"),
        torch_ops=("torch.nn.BCELoss",),
        note="Both sides clamp each log at −100, so a saturated ŷ gives a finite cost."),
    Formula(
        "w2.gradients", "2", "Logistic regression", "Gradients, vectorised",
        "dZ = A − Y\ndw = (1/m) X dZᵀ\ndb = (1/m) Σᵢ dZ⁽ⁱ⁾",
        r"dZ = A - Y, \qquad dw = \frac{1}{m} X\, dZ^{T}, \qquad db = \frac{1}{m} \sum_{i=1}^{m} dZ^{(i)}",
        ("scratch.logistic_regression.propagate",),
        ("torch_ref.train.train_step",),
        (f"{T_LR}::test_propagate_parity", f"{T_GC}::test_gradcheck_logistic_regression"),
        torch_ops=("torch.Tensor.backward",)),
    Formula(
        "w2.loops", "2", "Logistic regression", "Gradients with explicit loops",
        "for i = 1..m: z = wᵀx⁽ⁱ⁾ + b; a = σ(z); J += L(a, y⁽ⁱ⁾); dz = a − y⁽ⁱ⁾;\n"
        "    for j = 1..nₓ: dwⱼ += xⱼ⁽ⁱ⁾ dz;  db += dz\nJ /= m; dw /= m; db /= m",
        r"dw_j = \frac{1}{m} \sum_{i=1}^{m} x_j^{(i)} \big(a^{(i)} - y^{(i)}\big), \qquad db = \frac{1}{m} \sum_{i=1}^{m} \big(a^{(i)} - y^{(i)}\big)",
        ("scratch.logistic_regression.propagate_loops",),
        ("torch_ref.train.train_step",),
        (f"{T_LR}::test_propagate_loops_parity",),
        torch_ops=("torch.Tensor.backward",)),
    Formula(
        "w2.training", "2", "Logistic regression", "Gradient descent and prediction",
        "w := w − α dw;  b := b − α db   (from w = 0, b = 0)\nŷ > 0.5 ⇒ predict 1",
        r"w := w - \alpha\, dw, \qquad b := b - \alpha\, db",
        ("scratch.logistic_regression.initialize_with_zeros", "scratch.logistic_regression.optimize",
         "scratch.logistic_regression.predict", "scratch.logistic_regression.model"),
        ("torch_ref.train.train_step",),
        (f"{T_LR}::test_training_parity", f"{T_CR}::test_course_logistic_regression"),
        torch_ops=("torch.optim.SGD",)),
    # ------------------------------------------------------------------ week 3
    Formula(
        "w3.forward", "3", "Shallow network", "Forward pass, one hidden layer",
        "Z⁽¹⁾ = W⁽¹⁾X + b⁽¹⁾;  A⁽¹⁾ = tanh(Z⁽¹⁾)\nZ⁽²⁾ = W⁽²⁾A⁽¹⁾ + b⁽²⁾;  A⁽²⁾ = σ(Z⁽²⁾)",
        r"Z^{[1]} = W^{[1]} X + b^{[1]},\ A^{[1]} = \tanh(Z^{[1]}),\ Z^{[2]} = W^{[2]} A^{[1]} + b^{[2]},\ A^{[2]} = \sigma(Z^{[2]})",
        ("scratch.shallow_nn.forward_propagation", "scratch.shallow_nn.layer_sizes"),
        ("torch_ref.models.PlanarNet", "torch_ref.models.DeepNet.forward"),
        (f"{T_SH}::test_forward_propagation_parity",),
        torch_ops=("torch.nn.Linear", "torch.nn.Tanh")),
    Formula(
        "w3.cost", "3", "Shallow network", "Cost",
        "J = −(1/m) Σᵢ (y⁽ⁱ⁾ log a⁽²⁾⁽ⁱ⁾ + (1 − y⁽ⁱ⁾) log(1 − a⁽²⁾⁽ⁱ⁾))",
        r"J = -\frac{1}{m} \sum_{i=1}^{m} \Big(y^{(i)} \log a^{[2](i)} + (1 - y^{(i)}) \log\big(1 - a^{[2](i)}\big)\Big)",
        ("scratch.shallow_nn.compute_cost",),
        ("torch_ref.train.train_step",),
        (f"{T_SH}::test_compute_cost_parity",),
        torch_ops=("torch.nn.BCELoss",)),
    Formula(
        "w3.backward", "3", "Shallow network", "Backward pass",
        "dZ⁽²⁾ = A⁽²⁾ − Y;  dW⁽²⁾ = (1/m) dZ⁽²⁾A⁽¹⁾ᵀ;  db⁽²⁾ = (1/m) Σ dZ⁽²⁾\n"
        "dZ⁽¹⁾ = W⁽²⁾ᵀdZ⁽²⁾ ∗ (1 − A⁽¹⁾²);  dW⁽¹⁾ = (1/m) dZ⁽¹⁾Xᵀ;  db⁽¹⁾ = (1/m) Σ dZ⁽¹⁾",
        r"dZ^{[2]} = A^{[2]} - Y,\ dW^{[2]} = \tfrac{1}{m} dZ^{[2]} A^{[1]T},\ dZ^{[1]} = W^{[2]T} dZ^{[2]} * (1 - A^{[1]2}),\ dW^{[1]} = \tfrac{1}{m} dZ^{[1]} X^{T}",
        ("scratch.shallow_nn.backward_propagation",),
        ("torch_ref.train.train_step",),
        (f"{T_SH}::test_backward_propagation_parity", f"{T_GC}::test_gradcheck_shallow_nn"),
        torch_ops=("torch.Tensor.backward",)),
    Formula(
        "w3.training", "3", "Shallow network", "Initialisation, gradient descent, prediction",
        "W⁽ˡ⁾ = randn · 0.01, b⁽ˡ⁾ = 0\nW := W − α dW;  b := b − α db\nŷ > 0.5 ⇒ predict 1",
        r"W^{[l]} \sim 0.01\,\mathcal{N}(0, 1),\ b^{[l]} = 0; \qquad W := W - \alpha\, dW,\ b := b - \alpha\, db",
        ("scratch.shallow_nn.initialize_parameters", "scratch.shallow_nn.update_parameters",
         "scratch.shallow_nn.gradient_descent", "scratch.shallow_nn.nn_model",
         "scratch.shallow_nn.predict"),
        ("torch_ref.train.train_step",),
        (f"{T_SH}::test_training_parity", f"{T_CR}::test_course_planar"),
        torch_ops=("torch.optim.SGD",)),
    # ------------------------------------------------------------------ week 4
    Formula(
        "w4.linear_forward", "4", "Deep network", "Linear forward",
        "Z⁽ˡ⁾ = W⁽ˡ⁾A⁽ˡ⁻¹⁾ + b⁽ˡ⁾",
        r"Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]}",
        ("scratch.deep_nn.linear_forward",),
        ("torch_ref.models.DeepNet.forward",),
        (f"{T_DN}::test_linear_forward_parity",),
        torch_ops=("torch.nn.Linear",)),
    Formula(
        "w4.activation_forward", "4", "Deep network", "Linear → activation forward",
        "A⁽ˡ⁾ = g⁽ˡ⁾(W⁽ˡ⁾A⁽ˡ⁻¹⁾ + b⁽ˡ⁾)",
        r"A^{[l]} = g^{[l]}\big(W^{[l]} A^{[l-1]} + b^{[l]}\big)",
        ("scratch.deep_nn.linear_activation_forward",),
        ("torch_ref.models.DeepNet.forward",),
        (f"{T_DN}::test_linear_activation_parity",)),
    Formula(
        "w4.L_model_forward", "4", "Deep network", "L-layer forward",
        "A⁽⁰⁾ = X;  A⁽ˡ⁾ = g(W⁽ˡ⁾A⁽ˡ⁻¹⁾ + b⁽ˡ⁾), l = 1..L−1 (ReLU);  A⁽ᴸ⁾ = σ(W⁽ᴸ⁾A⁽ᴸ⁻¹⁾ + b⁽ᴸ⁾)",
        r"A^{[0]} = X,\quad A^{[l]} = g\big(W^{[l]} A^{[l-1]} + b^{[l]}\big),\quad A^{[L]} = \sigma\big(W^{[L]} A^{[L-1]} + b^{[L]}\big)",
        ("scratch.deep_nn.L_model_forward",),
        ("torch_ref.models.DeepNet", "torch_ref.models.DeepNet.forward"),
        (f"{T_DN}::test_L_model_forward_parity",)),
    Formula(
        "w4.cost", "4", "Deep network", "Cost",
        "J = −(1/m) Σᵢ (y⁽ⁱ⁾ log a⁽ᴸ⁾⁽ⁱ⁾ + (1 − y⁽ⁱ⁾) log(1 − a⁽ᴸ⁾⁽ⁱ⁾))",
        r"J = -\frac{1}{m} \sum_{i=1}^{m} \Big(y^{(i)} \log a^{[L](i)} + (1 - y^{(i)}) \log\big(1 - a^{[L](i)}\big)\Big)",
        ("scratch.deep_nn.compute_cost",),
        ("torch_ref.train.train_step",),
        (f"{T_DN}::test_compute_cost_parity",),
        torch_ops=("torch.nn.BCELoss",)),
    Formula(
        "w4.linear_backward", "4", "Deep network", "Linear backward",
        "dW⁽ˡ⁾ = (1/m) dZ⁽ˡ⁾A⁽ˡ⁻¹⁾ᵀ\ndb⁽ˡ⁾ = (1/m) Σᵢ dZ⁽ˡ⁾⁽ⁱ⁾\ndA⁽ˡ⁻¹⁾ = W⁽ˡ⁾ᵀdZ⁽ˡ⁾",
        r"dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]T}, \quad db^{[l]} = \frac{1}{m} \sum_{i=1}^{m} dZ^{[l](i)}, \quad dA^{[l-1]} = W^{[l]T} dZ^{[l]}",
        ("scratch.deep_nn.linear_backward",),
        ("torch_ref.train.train_step",),
        (f"{T_DN}::test_linear_backward_parity",),
        torch_ops=("torch.Tensor.backward",)),
    Formula(
        "w4.activation_backward", "4", "Deep network", "Activation backward",
        "dZ⁽ˡ⁾ = dA⁽ˡ⁾ ∗ g⁽ˡ⁾′(Z⁽ˡ⁾)",
        r"dZ^{[l]} = dA^{[l]} * g^{[l]\prime}\big(Z^{[l]}\big)",
        ("scratch.deep_nn.linear_activation_backward",),
        ("torch_ref.train.train_step",),
        (f"{T_DN}::test_linear_activation_parity",),
        torch_ops=("torch.Tensor.backward",)),
    Formula(
        "w4.L_model_backward", "4", "Deep network", "L-layer backward",
        "dA⁽ᴸ⁾ = −(Y / A⁽ᴸ⁾ − (1 − Y) / (1 − A⁽ᴸ⁾))   (so dZ⁽ᴸ⁾ = A⁽ᴸ⁾ − Y)\n"
        "for l = L..1: dZ⁽ˡ⁾ = dA⁽ˡ⁾ ∗ g′(Z⁽ˡ⁾); dW⁽ˡ⁾, db⁽ˡ⁾, dA⁽ˡ⁻¹⁾ as in linear backward",
        r"dA^{[L]} = -\Big(\frac{Y}{A^{[L]}} - \frac{1 - Y}{1 - A^{[L]}}\Big), \qquad dZ^{[L]} = A^{[L]} - Y",
        ("scratch.deep_nn.L_model_backward",),
        ("torch_ref.train.train_step",),
        (f"{T_DN}::test_L_model_backward_parity", f"{T_GC}::test_gradcheck_deep_nn"),
        torch_ops=("torch.Tensor.backward",),
        note="Course dA⁽ˡ⁾ has no 1/m; autograd's ∂J/∂A⁽ˡ⁾ of the mean cost is dA⁽ˡ⁾ / m."),
    Formula(
        "w4.update", "4", "Deep network", "Parameter update",
        "W⁽ˡ⁾ := W⁽ˡ⁾ − α dW⁽ˡ⁾;  b⁽ˡ⁾ := b⁽ˡ⁾ − α db⁽ˡ⁾",
        r"W^{[l]} := W^{[l]} - \alpha\, dW^{[l]}, \qquad b^{[l]} := b^{[l]} - \alpha\, db^{[l]}",
        ("scratch.deep_nn.update_parameters",),
        ("torch_ref.train.train_step",),
        (f"{T_DN}::test_update_parameters_parity",),
        torch_ops=("torch.optim.SGD",)),
    Formula(
        "w4.training", "4", "Deep network", "Initialisation and the application models",
        "W⁽ˡ⁾ = randn · 0.01 (step by step) or randn / √n⁽ˡ⁻¹⁾ (application), b⁽ˡ⁾ = 0\n"
        "repeat: forward, cost, backward, update;  ŷ > 0.5 ⇒ predict 1",
        r"W^{[l]} \sim \mathcal{N}(0, 1) \cdot 0.01 \ \text{or}\ \mathcal{N}(0, 1) / \sqrt{n^{[l-1]}}, \qquad b^{[l]} = 0",
        ("scratch.deep_nn.initialize_parameters", "scratch.deep_nn.initialize_parameters_deep",
         "scratch.deep_nn.initialize_parameters_scaled", "scratch.deep_nn.gradient_descent",
         "scratch.deep_nn.two_layer_model", "scratch.deep_nn.L_layer_model",
         "scratch.deep_nn.predict", "scratch.deep_nn.predict_labels"),
        ("torch_ref.train.train_step",),
        (f"{T_DN}::test_training_parity", f"{T_CR}::test_course_two_layer",
         f"{T_CR}::test_course_L_layer"),
        torch_ops=("torch.optim.SGD",)),
    # ------------------------------------------------------------------ course 2: multiclass, MNIST
    Formula(
        "fast.mlp", "4", "Deep network, written for speed",
        "The L-layer network with buffers reused (the fast path)",
        "dZ⁽ᴸ⁾ = (1/m)(A⁽ᴸ⁾ − Y)   (1/m carried once, as a mean-reduced torch loss does)\n"
        "dW⁽ˡ⁾ = dZ⁽ˡ⁾A⁽ˡ⁻¹⁾ᵀ;  db⁽ˡ⁾ = dZ⁽ˡ⁾·1;  dZ⁽ˡ⁻¹⁾ = W⁽ˡ⁾ᵀdZ⁽ˡ⁾ ∗ g′ read off A⁽ˡ⁻¹⁾\n"
        "every product written into a preallocated buffer (np.dot(..., out=)), in place",
        r"dZ^{[L]} = \tfrac{1}{m}\big(A^{[L]} - Y\big), \quad dW^{[l]} = dZ^{[l]} A^{[l-1]T}, \quad db^{[l]} = dZ^{[l]} \mathbf{1}, \quad dZ^{[l-1]} = W^{[l]T} dZ^{[l]} * g'\big(A^{[l-1]}\big)",
        ("scratch.fast_nn.MLP.forward", "scratch.fast_nn.MLP.cost", "scratch.fast_nn.MLP.backward",
         "scratch.fast_nn.MLP.update", "scratch.fast_nn.MLP.step"),
        ("torch_ref.models.DeepNet.forward", "torch_ref.train.train_step"),
        ("parity_tests/test_fast_nn.py::test_fast_path_matches_course_form",
         "parity_tests/test_fast_nn.py::test_fast_path_matches_torch_autograd",
         "parity_tests/test_fast_nn.py::test_fast_training_matches_course_gradient_descent"),
        torch_ops=("torch.Tensor.backward", "torch.optim.SGD"),
        note="Same formulas as w4.* and c2.*; checked against the course form and autograd. "
             "dl-parity bench times it."),
    Formula(
        "c2.softmax", "c2", "Multiclass output", "Softmax and its backward pass",
        "t = e^(Z⁽ᴸ⁾ − maxₖ Z⁽ᴸ⁾ₖ);  A⁽ᴸ⁾ = t / Σₖ tₖ   (column by column)\n"
        "∂Aₖ/∂Zⱼ = Aₖ (δₖⱼ − Aⱼ)  ⇒  dZ = A ∗ (dA − Σₖ Aₖ dAₖ)",
        r"A^{[L]}_k = \frac{e^{Z^{[L]}_k - \max_j Z^{[L]}_j}}{\sum_{i} e^{Z^{[L]}_i - \max_j Z^{[L]}_j}}, \qquad dZ = A * \Big(dA - \sum_k A_k\, dA_k\Big)",
        ("scratch.multiclass.softmax", "scratch.multiclass.softmax_backward"),
        ("torch_ref.models.OUTPUTS", "torch_ref.models.DeepNet.forward"),
        (f"{T_MC}::test_softmax_parity", f"{T_MC}::test_softmax_huge_logits"),
        torch_ops=("torch.nn.Softmax", "torch.softmax"),
        note="Subtracting the column maximum keeps every exponent ≤ 0: logits of 1e3 do not overflow."),
    Formula(
        "c2.cross_entropy", "c2", "Multiclass output", "One-hot labels and categorical cross-entropy",
        "Yₖᵢ = 1 if y⁽ⁱ⁾ = k else 0   (Y is C × m)\nJ = −(1/m) Σᵢ Σₖ Yₖᵢ log A⁽ᴸ⁾ₖᵢ",
        r"Y_{ki} = [\,y^{(i)} = k\,], \qquad J = -\frac{1}{m} \sum_{i=1}^{m} \sum_{k=1}^{C} Y_{ki} \log A^{[L]}_{ki}",
        ("scratch.multiclass.one_hot", "scratch.multiclass.compute_cost_multiclass"),
        ("torch_ref.train.criterion_for", "torch_ref.models.DeepNet.logits"),
        (f"{T_MC}::test_multiclass_cost_parity", f"{T_MC}::test_multiclass_cost_saturated",
         f"{T_MC}::test_one_hot_parity"),
        torch_ops=("torch.nn.CrossEntropyLoss", "torch.nn.functional.one_hot"),
        note="torch takes the logits (log-sum-exp); scratch clamps log 0 at −100, so they differ "
             "only when the labelled class's probability is below e⁻¹⁰⁰."),
    Formula(
        "c2.forward", "c2", "Multiclass output", "L-layer forward with a softmax output, prediction",
        "A⁽⁰⁾ = X;  A⁽ˡ⁾ = g(W⁽ˡ⁾A⁽ˡ⁻¹⁾ + b⁽ˡ⁾), l = 1..L−1;  A⁽ᴸ⁾ = softmax(W⁽ᴸ⁾A⁽ᴸ⁻¹⁾ + b⁽ᴸ⁾)\n"
        "ŷ⁽ⁱ⁾ = argmaxₖ A⁽ᴸ⁾ₖᵢ",
        r"A^{[L]} = \mathrm{softmax}\big(W^{[L]} A^{[L-1]} + b^{[L]}\big), \qquad \hat{y}^{(i)} = \arg\max_k A^{[L]}_{ki}",
        ("scratch.multiclass.L_model_forward_multiclass", "scratch.multiclass.predict_multiclass"),
        ("torch_ref.models.DeepNet", "torch_ref.models.DeepNet.forward"),
        (f"{T_MC}::test_multiclass_backward_parity",),
        torch_ops=("torch.nn.Linear", "torch.nn.Softmax")),
    Formula(
        "c2.backward", "c2", "Multiclass output", "Backward pass with softmax and cross-entropy",
        "dZ⁽ᴸ⁾ = A⁽ᴸ⁾ − Y   (Y one-hot)\n"
        "for l = L..1: dW⁽ˡ⁾ = (1/m) dZ⁽ˡ⁾A⁽ˡ⁻¹⁾ᵀ;  db⁽ˡ⁾ = (1/m) Σᵢ dZ⁽ˡ⁾⁽ⁱ⁾;  dA⁽ˡ⁻¹⁾ = W⁽ˡ⁾ᵀdZ⁽ˡ⁾;  "
        "dZ⁽ˡ⁻¹⁾ = dA⁽ˡ⁻¹⁾ ∗ g′(Z⁽ˡ⁻¹⁾)",
        r"dZ^{[L]} = A^{[L]} - Y, \quad dW^{[l]} = \frac{1}{m} dZ^{[l]} A^{[l-1]T}, \quad db^{[l]} = \frac{1}{m} \sum_{i} dZ^{[l](i)}, \quad dZ^{[l-1]} = W^{[l]T} dZ^{[l]} * g'\big(Z^{[l-1]}\big)",
        ("scratch.multiclass.L_model_backward_multiclass",),
        ("torch_ref.train.train_step",),
        (f"{T_MC}::test_multiclass_backward_parity", f"{T_MC}::test_gradcheck_multiclass"),
        torch_ops=("torch.Tensor.backward", "torch.nn.CrossEntropyLoss"),
        note="Autograd's ∂J/∂Z⁽ᴸ⁾ of the mean loss is (A⁽ᴸ⁾ − Y) / m."),
    Formula(
        "c2.he_init", "c2", "Multiclass output", "He initialisation",
        "W⁽ˡ⁾ = randn(n⁽ˡ⁾, n⁽ˡ⁻¹⁾) · √(2 / n⁽ˡ⁻¹⁾);  b⁽ˡ⁾ = 0",
        r"W^{[l]} \sim \mathcal{N}\big(0, 2 / n^{[l-1]}\big), \qquad b^{[l]} = 0",
        ("scratch.multiclass.initialize_parameters_he",),
        ("torch_ref.train.he_init_",),
        (f"{T_MC}::test_he_initialisation",),
        torch_ops=("torch.nn.init.kaiming_normal_",),
        note="The same distribution (mode fan_in, relu gain √2), from different generators: "
             "compared statistically, and scratch exactly against the formula."),
    Formula(
        "c2.mini_batches", "c2", "Mini-batch gradient descent", "Random mini-batches",
        "shuffle the columns of (X, Y) with one permutation;\n"
        "⌊m / s⌋ batches of s columns, then one of m mod s (if nonzero)",
        r"X = \big[X^{\{1\}}, X^{\{2\}}, \dots, X^{\{\lceil m/s \rceil\}}\big], \quad |X^{\{t\}}| = s \ \text{except the last}, \ m \bmod s",
        ("scratch.multiclass.random_mini_batches",),
        ("torch_ref.train.train_step",),
        (f"{T_MC}::test_random_mini_batches",),
        torch_ops=("torch.utils.data.DataLoader",),
        note="Parity runs feed torch the very batches random_mini_batches cut; standalone torch "
             "uses a DataLoader."),
    Formula(
        "c2.training", "c2", "Mini-batch gradient descent", "One epoch of mini-batch gradient descent",
        "for t = 1..T: forward on X⁽ᵗ⁾; J⁽ᵗ⁾ on that batch; backward;\n"
        "    W⁽ˡ⁾ := W⁽ˡ⁾ − α dW⁽ˡ⁾;  b⁽ˡ⁾ := b⁽ˡ⁾ − α db⁽ˡ⁾",
        r"\text{for each } t:\ W^{[l]} := W^{[l]} - \alpha\, dW^{[l]\{t\}}, \quad b^{[l]} := b^{[l]} - \alpha\, db^{[l]\{t\}}",
        ("scratch.multiclass.train_epoch",),
        ("torch_ref.train.train_step", "torch_ref.train.criterion_for"),
        (f"{T_MC}::test_minibatch_training_parity",),
        torch_ops=("torch.optim.SGD", "torch.nn.CrossEntropyLoss", "torch.nn.BCELoss")),
)

#: the lines of NumPy code that compute each formula (shown by `dl-parity show` and the study
#: page; parity_tests/test_show.py checks that the displayed code contains each)
_MARKS = {
    "act.sigmoid": ("np.where(Z >= 0, 1 / (1 + e), e / (1 + e))", "return dA * s * (1 - s)"),
    "act.tanh": ("return np.tanh(Z), Z", "return dA * (1 - A ** 2)"),
    "act.relu": ("return np.maximum(Z, 0), Z", "dZ[Z <= 0] = 0"),
    "act.leaky_relu": ("A = np.where(Z > 0, Z, Z * Z.dtype.type(negative_slope))",
                       "return np.where(Z > 0, dA, dA * dA.dtype.type(negative_slope))"),
    "w2.forward": ("A = sigmoid_value(np.dot(w.T, X) + b)",),
    "w2.cost": ("logprobs = Y * clamped_log(A) + (1 - Y) * clamped_log(1 - A)",
                "return np.asarray(-np.sum(logprobs) / m)"),
    "w2.gradients": ("dZ = A - Y", "dw = (1 / m) * np.dot(X, dZ.T)", "db = (1 / m) * np.sum(dZ)"),
    "w2.loops": ("dw[j, 0] += X[j, i] * dz", "dz = a - y"),
    "w2.training": ('w = w - learning_rate * grads["dw"]', 'b = b - learning_rate * grads["db"]'),
    "w3.forward": ("Z1 = np.dot(W1, X) + b1", "A1 = np.tanh(Z1)", "A2 = sigmoid_value(Z2)"),
    "w3.cost": ("return float(cross_entropy(A2, Y))",),
    "w3.backward": ("dZ2 = A2 - Y", "dW2 = (1 / m) * np.dot(dZ2, A1.T)",
                    "dZ1 = np.dot(W2.T, dZ2) * (1 - A1 ** 2)"),
    "w3.training": ("W1 = np.random.randn(n_h, n_x) * 0.01", 'learning_rate * grads["d" + k]'),
    "w4.linear_forward": ("Z = np.dot(W, A) + b",),
    "w4.activation_forward": ("A, activation_cache = forward(Z)",),
    "w4.L_model_forward": ('Z, linear_cache = linear_forward.unchecked(A_prev, parameters[f"W{l}"], '
                           'parameters[f"b{l}"])', "AL, activation_cache = sigmoid(Z)"),
    "w4.cost": ("return cross_entropy(AL, Y)",),
    "w4.linear_backward": ("dW = (1 / m) * np.dot(dZ, A_prev.T)",
                           "db = (1 / m) * np.sum(dZ, axis=1, keepdims=True)",
                           "dA_prev = np.dot(W.T, dZ)"),
    "w4.activation_backward": ("dZ = backward(dA, activation_cache)",),
    "w4.L_model_backward": ("dAL = -(Y / AL - (1 - Y) / (1 - AL))",
                            'dZ = backward(grads[f"dA{l}"], activation_cache)'),
    "w4.update": ('new[f"W{l}"] = params[f"W{l}"] - learning_rate * grads[f"dW{l}"]',),
    "w4.training": ("W1 = np.random.randn(n_h, n_x) * 0.01",
                    'parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) / '
                    "np.sqrt(dims[l - 1])"),
    "fast.mlp": ("Z += self.b[l]",),
    "c2.softmax": ("t = np.exp(Z - np.max(Z, axis=0, keepdims=True))",
                   "return A * (dA - np.sum(A * dA, axis=0, keepdims=True))"),
    "c2.cross_entropy": ("Y[y, np.arange(y.size)] = 1",
                         "-np.sum(Y * clamped_log(AL), keepdims=True) / m"),
    "c2.forward": ("AL, activation_cache = softmax.unchecked(Z)",),
    "c2.backward": ("dZL = AL - Y",),
    "c2.he_init": ('parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) * '
                   "np.sqrt(2 / dims[l - 1])",),
    "c2.mini_batches": ("permutation = list(np.random.permutation(m))",
                        "shuffled_X = X[:, permutation]"),
    "c2.training": ("parameters = update_parameters.unchecked(parameters, grads, learning_rate)",),
}

ENTRIES: tuple[Formula, ...] = tuple(replace(f, marks=_MARKS[f.id]) for f in _ENTRIES)

#: scratch modules whose public functions must all appear in the catalog
MODULES = ("scratch.activations", "scratch.cost", "scratch.logistic_regression",
           "scratch.shallow_nn", "scratch.deep_nn", "scratch.multiclass")
