"""Course 2, week 1: initialization, regularization (L2, dropout), gradient checking."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown in this order, after course 1's)
WEEKS: dict[str, str] = {
    "c2w1": "Course 2, week 1: initialization, regularization, gradient checking",
}

T_INIT = "parity_tests/test_initialization.py"
T_REG = "parity_tests/test_regularization.py"
T_GC = "parity_tests/test_gradient_checking.py"
T_RES = "parity_tests/test_course2_week1_results.py"
W = "c2w1"

ENTRIES: tuple[Formula, ...] = (
    # ------------------------------------------------------------------ initialization
    Formula(
        "c2.init_zeros", W, "Initialization", "Zero initialization (symmetry)",
        "W⁽ˡ⁾ = 0,  b⁽ˡ⁾ = 0",
        r"W^{[l]} = 0, \qquad b^{[l]} = 0",
        ("scratch.initialization.initialize_parameters_zeros",),
        ("torch_ref.regularization.initialize_",),
        (f"{T_INIT}::test_torch_init_zeros", f"{T_INIT}::test_course_unit_values"),
        torch_ops=("torch.nn.init.zeros_",),
        marks=("np.zeros((layers_dims[l], layers_dims[l - 1]))",),
        note="Every unit of a layer computes the same function and gets the same gradient: "
             "the network never breaks symmetry (cost stays log 2, accuracy 0.5)."),
    Formula(
        "c2.init_random", W, "Initialization", "Large random initialization (× 10)",
        "W⁽ˡ⁾ = randn(n⁽ˡ⁾, n⁽ˡ⁻¹⁾) · 10,  b⁽ˡ⁾ = 0",
        r"W^{[l]} \sim 10\,\mathcal{N}(0, 1), \qquad b^{[l]} = 0",
        ("scratch.initialization.initialize_parameters_random",),
        ("torch_ref.regularization.initialize_",),
        (f"{T_INIT}::test_torch_init_statistics", f"{T_INIT}::test_seeded_rule_is_exact"),
        torch_ops=("torch.nn.init.normal_",),
        marks=("np.random.randn(layers_dims[l], layers_dims[l - 1]) * 10",),
        note="NumPy reproduces the course's seeded draws (np.random.seed(3)) exactly; "
             "nn.init.normal_(std=10) draws from torch's generator, so it is tested in "
             "distribution (mean and std within five standard errors) and the course's "
             "runs load the NumPy dict instead."),
    Formula(
        "c2.init_he", W, "Initialization", "He initialization",
        "W⁽ˡ⁾ = randn(n⁽ˡ⁾, n⁽ˡ⁻¹⁾) · √(2 / n⁽ˡ⁻¹⁾),  b⁽ˡ⁾ = 0",
        r"W^{[l]} \sim \mathcal{N}\!\left(0, \tfrac{2}{n^{[l-1]}}\right), \qquad b^{[l]} = 0",
        ("scratch.initialization.initialize_parameters_he",),
        ("torch_ref.regularization.initialize_",),
        (f"{T_INIT}::test_torch_init_statistics", f"{T_INIT}::test_seeded_rule_is_exact"),
        torch_ops=("torch.nn.init.kaiming_normal_",),
        marks=("* np.sqrt(2. / layers_dims[l - 1])",),
        note="kaiming_normal_(mode='fan_in', nonlinearity='relu'): std = √2 / √fan_in with "
             "fan_in = in_features = n⁽ˡ⁻¹⁾. Same distribution, different generator."),
    Formula(
        "c2.three_layer_forward", W, "Initialization", "The three-layer network",
        "Z⁽ˡ⁾ = W⁽ˡ⁾A⁽ˡ⁻¹⁾ + b⁽ˡ⁾,  A⁽ˡ⁾ = ReLU(Z⁽ˡ⁾) (l = 1, 2)\nA⁽³⁾ = σ(W⁽³⁾A⁽²⁾ + b⁽³⁾)\n"
        "prediction = 1[A⁽³⁾ > 0.5]",
        r"Z^{[l]} = W^{[l]} A^{[l-1]} + b^{[l]},\ A^{[l]} = \mathrm{ReLU}(Z^{[l]});\quad A^{[3]} = \sigma(Z^{[3]})",
        ("scratch.initialization.forward_propagation", "scratch.initialization.predict",
         "scratch.initialization.predict_dec"),
        ("torch_ref.models.DeepNet.forward",),
        (f"{T_INIT}::test_forward_and_cost_parity",),
        torch_ops=("torch.nn.Linear", "torch.nn.ReLU", "torch.nn.Sigmoid"),
        marks=("z3 = np.dot(W3, a2) + b3", "a3 = _sigmoid(z3)"),
        note="The cache is the course's flat tuple (z1, a1, W1, b1, ..., W3, b3); torch keeps "
             "Z[l], A[l] in a dict, examples in rows (transposed on comparison)."),
    Formula(
        "c2.nansum_cost", W, "Initialization", "The course's cost with nansum",
        "J = (1/m) nansum(−Y log A⁽³⁾ − (1 − Y) log(1 − A⁽³⁾))",
        r"J = \frac{1}{m}\,\mathrm{nansum}\big(-Y \log A^{[3]} - (1 - Y)\log(1 - A^{[3]})\big)",
        ("scratch.initialization.compute_loss",),
        ("torch_ref.regularization.cost_with_regularization",),
        (f"{T_INIT}::test_forward_and_cost_parity", f"{T_INIT}::test_compute_loss_course_quirks"),
        torch_ops=("torch.nn.BCELoss",),
        marks=("loss = 1. / m * np.nansum(logprobs)",),
        note="No clamp: a saturated wrong prediction costs inf (the × 10 run's first cost), "
             "0·log 0 = nan is dropped by nansum. nn.BCELoss clamps each log at −100 instead; "
             "the two agree wherever A⁽³⁾ is not saturated, which is where the test compares."),
    Formula(
        "c2.backward_dz3", W, "Initialization", "Backward pass with the 1/m in dz3",
        "dz⁽³⁾ = (1/m)(A⁽³⁾ − Y)\ndW⁽ˡ⁾ = dz⁽ˡ⁾A⁽ˡ⁻¹⁾ᵀ,  db⁽ˡ⁾ = Σ dz⁽ˡ⁾\n"
        "dz⁽ˡ⁾ = W⁽ˡ⁺¹⁾ᵀdz⁽ˡ⁺¹⁾ ⊙ 1[A⁽ˡ⁾ > 0]\nW⁽ˡ⁾ := W⁽ˡ⁾ − α dW⁽ˡ⁾",
        r"dz^{[3]} = \tfrac{1}{m}(A^{[3]} - Y),\ dW^{[l]} = dz^{[l]} A^{[l-1]T},\ db^{[l]} = \textstyle\sum dz^{[l]}",
        ("scratch.initialization.backward_propagation", "scratch.initialization.update_parameters"),
        ("torch_ref.regularization.train_step", "torch_ref.regularization.make_optimizer"),
        (f"{T_INIT}::test_backward_parity", f"{T_INIT}::test_saturated_backward_needs_logits"),
        torch_ops=("torch.nn.BCEWithLogitsLoss", "torch.optim.SGD"),
        marks=("dz3 = 1. / m * (a3 - Y)", "dW3 = np.dot(dz3, a2.T)"),
        note="The course's dz[l] already hold the 1/m, so they equal autograd's Z[l].grad of "
             "the mean cost. torch uses nn.BCEWithLogitsLoss on Z3: its gradient is σ(Z3) − Y "
             "for every Z3, like the course's; nn.BCELoss on the probabilities gives 0 where σ "
             "saturates to 0.0 or 1.0 (the × 10 initialization), which the test shows."),
    Formula(
        "c2.init_model", W, "Initialization", "The initialization model (circles)",
        "[2, 10, 5, 1], α = 0.01, 15000 full-batch iterations",
        r"[2, 10, 5, 1],\ \alpha = 0.01",
        ("scratch.initialization.model",),
        ("torch_ref.regularization.train_step",),
        (f"{T_INIT}::test_model_first_step_parity", f"{T_RES}::test_course_initialization",
         "parity_tests/test_course2_engine.py::test_initialization_he", "parity_tests/test_course2_engine.py::test_initialization_zeros",
         "parity_tests/test_course2_engine.py::test_initialization_random_x10"),
        torch_ops=("torch.optim.SGD",),
        marks=("parameters = update_parameters(parameters, grads, learning_rate)",),
        note="The torch side starts from the NumPy dict; its whole trajectory runs through "
             "the engine."),
    # ------------------------------------------------------------------ L2
    Formula(
        "c2.reg_init", W, "Regularization", "The regularization model's initialization",
        "W⁽ˡ⁾ = randn(n⁽ˡ⁾, n⁽ˡ⁻¹⁾) / √n⁽ˡ⁻¹⁾,  b⁽ˡ⁾ = 0",
        r"W^{[l]} \sim \mathcal{N}\!\left(0, \tfrac{1}{n^{[l-1]}}\right)",
        ("scratch.regularization.initialize_parameters",),
        ("torch_ref.regularization.initialize_",),
        (f"{T_INIT}::test_torch_init_statistics", f"{T_REG}::test_initialize_parameters_rule"),
        torch_ops=("torch.nn.init.kaiming_normal_",),
        marks=("/ np.sqrt(layer_dims[l - 1])",),
        note="kaiming_normal_(mode='fan_in', nonlinearity='linear'): gain 1."),
    Formula(
        "c2.l2_cost", W, "Regularization", "L2-regularized cost",
        "J_reg = J + (λ / 2m) Σₗ ‖W⁽ˡ⁾‖²_F  (biases excluded)",
        r"J_{reg} = J + \frac{\lambda}{2m} \sum_{l} \big\|W^{[l]}\big\|_F^2",
        ("scratch.regularization.compute_cost_with_regularization",),
        ("torch_ref.regularization.l2_cost", "torch_ref.regularization.cost_with_regularization"),
        (f"{T_REG}::test_l2_cost_parity", f"{T_REG}::test_l2_cost_course_value"),
        torch_ops=("torch.nn.BCELoss", "torch.Tensor.pow"),
        marks=("L2_regularization_cost = (1. / m * lambd / 2)",),
        note="PyTorch users write the penalty into the loss (lambd / (2m) Σ W.pow(2).sum()) "
             "or leave it to the optimizer's weight_decay; l2_cost states it for reporting."),
    Formula(
        "c2.l2_backward", W, "Regularization", "L2 gradient = weight decay",
        "dW⁽ˡ⁾ = (1/m) dZ⁽ˡ⁾A⁽ˡ⁻¹⁾ᵀ + (λ/m) W⁽ˡ⁾\n"
        "W := W − α(dW + (λ/m)W)  =  SGD(weight_decay = λ/m)",
        r"dW^{[l]} = \tfrac{1}{m} dZ^{[l]} A^{[l-1]T} + \tfrac{\lambda}{m} W^{[l]}",
        ("scratch.regularization.backward_propagation_with_regularization",),
        ("torch_ref.regularization.l2_param_groups", "torch_ref.regularization.make_optimizer"),
        (f"{T_REG}::test_l2_backward_parity", f"{T_REG}::test_l2_weight_decay_step_parity",
         f"{T_REG}::test_regularized_gradients_finite_differences"),
        torch_ops=("torch.optim.SGD",),
        marks=("dW3 = 1. / m * np.dot(dZ3, A2.T) + (lambd / m) * W3",),
        note="SGD adds weight_decay · p to the gradient: with λ/m on the weights' parameter "
             "group (0 on the biases') one step gives the course's update. Checked three ways: "
             "autograd of the penalised cost, one weight-decay step, finite differences."),
    # ------------------------------------------------------------------ dropout
    Formula(
        "c2.dropout_forward", W, "Regularization", "Inverted dropout, forward",
        "D⁽ˡ⁾ = 1[rand(n⁽ˡ⁾, m) < keep_prob]\nA⁽ˡ⁾ := A⁽ˡ⁾ ⊙ D⁽ˡ⁾ / keep_prob  (l = 1, 2)",
        r"D^{[l]} = \mathbb{1}[U < p_{keep}],\quad A^{[l]} := A^{[l]} \odot D^{[l]} / p_{keep}",
        ("scratch.regularization.forward_propagation_with_dropout",),
        ("torch_ref.regularization.MaskedDropout", "torch_ref.regularization.DropoutNet.forward",
         "torch_ref.regularization.DropoutNet.set_course_masks",
         "torch_ref.regularization.DropoutNet.course_masks"),
        (f"{T_REG}::test_dropout_numpy_masks_to_torch", f"{T_REG}::test_dropout_torch_masks_to_numpy",
         f"{T_REG}::test_masked_dropout_draws_as_nn_dropout"),
        torch_ops=("torch.nn.Dropout", "torch.nn.functional.dropout"),
        marks=("D1 = np.random.rand(A1.shape[0], A1.shape[1])", "A1 = A1 / keep_prob"),
        note="nn.Dropout(p) with p = 1 − keep_prob is the same inverted dropout but hides its "
             "mask. MaskedDropout (a subclass) uses a given mask or draws exactly as nn.Dropout "
             "and exposes it, so the same masks run both ways. The course seeds np.random(1) "
             "inside the forward: every iteration draws the same masks."),
    Formula(
        "c2.dropout_backward", W, "Regularization", "Inverted dropout, backward",
        "dA⁽ˡ⁾ := dA⁽ˡ⁾ ⊙ D⁽ˡ⁾ / keep_prob",
        r"dA^{[l]} := dA^{[l]} \odot D^{[l]} / p_{keep}",
        ("scratch.regularization.backward_propagation_with_dropout",),
        ("torch_ref.regularization.DropoutNet",),
        (f"{T_REG}::test_dropout_numpy_masks_to_torch", f"{T_REG}::test_dropout_torch_masks_to_numpy",
         f"{T_REG}::test_regularized_gradients_finite_differences"),
        torch_ops=("torch.nn.Dropout",),
        marks=("dA2 = dA2 * D2", "dA2 = dA2 / keep_prob"),
        note="The course's dZ[l] carry no 1/m (dZ3 = A3 − Y): they equal m · Z[l].grad."),
    Formula(
        "c2.reg_model", W, "Regularization", "The regularization model (football)",
        "[2, 20, 3, 1], α = 0.3, 30000 iterations; λ = 0.7 or keep_prob = 0.86",
        r"[2, 20, 3, 1],\ \alpha = 0.3",
        ("scratch.regularization.model",),
        ("torch_ref.regularization.train_step", "torch_ref.regularization.DropoutNet"),
        (f"{T_REG}::test_model_first_step_parity", f"{T_RES}::test_course_regularization",
         "parity_tests/test_course2_engine.py::test_regularization"),
        torch_ops=("torch.optim.SGD",),
        marks=("grads = backward_propagation_with_regularization(X, Y, cache, lambd)",),
        note="One iteration of the course's model equals one torch train_step from the same "
             "dict (the course's masks given to DropoutNet); the full runs go through the "
             "engine."),
    # ------------------------------------------------------------------ gradient checking
    Formula(
        "c2.grad_check_1d", W, "Gradient checking", "Gradient check in one dimension",
        "J(θ) = θx,  dJ/dθ = x\ngradapprox = (J(θ + ε) − J(θ − ε)) / 2ε\n"
        "difference = ‖grad − gradapprox‖ / (‖grad‖ + ‖gradapprox‖)",
        r"\frac{J(\theta + \varepsilon) - J(\theta - \varepsilon)}{2\varepsilon}, \quad "
        r"\frac{\|g - g_{approx}\|_2}{\|g\|_2 + \|g_{approx}\|_2}",
        ("scratch.gradient_checking.forward_propagation",
         "scratch.gradient_checking.backward_propagation",
         "scratch.gradient_checking.gradient_check"),
        ("torch_ref.gradient_checking.gradcheck_1d", "torch_ref.gradient_checking.gradient_1d",
         "torch_ref.gradient_checking.forward_1d"),
        (f"{T_GC}::test_gradient_check_1d_beside_gradcheck", f"{T_GC}::test_course_one_dimension"),
        torch_ops=("torch.autograd.gradcheck",),
        marks=("gradapprox = (J_plus - J_minus) / (2 * epsilon)",
               "difference = numerator / denominator"),
        note="torch.autograd.gradcheck does the same with its own tolerances (atol + rtol "
             "per entry) instead of one relative norm."),
    Formula(
        "c2.grad_check_n", W, "Gradient checking", "Gradient check of the network",
        "gradapprox_i = (J(θ + εeᵢ) − J(θ − εeᵢ)) / 2ε  for each entry i of θ\n"
        "difference = ‖grad − gradapprox‖₂ / (‖grad‖₂ + ‖gradapprox‖₂) < 2·10⁻⁷",
        r"g^{approx}_i = \frac{J(\theta + \varepsilon e_i) - J(\theta - \varepsilon e_i)}{2\varepsilon}",
        ("scratch.gradient_checking.gradient_check_n",
         "scratch.gradient_checking.forward_propagation_n",
         "scratch.gradient_checking.backward_propagation_n"),
        ("torch_ref.regularization.cost_of_theta",),
        (f"{T_GC}::test_gradient_check_n_beside_autograd_gradcheck",
         f"{T_GC}::test_course_gradient_check_n"),
        torch_ops=("torch.autograd.gradcheck", "torch.func.functional_call"),
        marks=("theta_plus[i][0] = theta_plus[i][0] + epsilon",
               "gradapprox[i] = (J_plus[i] - J_minus[i]) / (2 * epsilon)"),
        note="The same function J(θ) on both sides: autograd's gradient equals the corrected "
             "backward_propagation_n, gradcheck passes, and gradient_check_n accepts autograd's "
             "gradient; the course's two planted bugs give 0.285 (reproduced in the test)."),
    Formula(
        "c2.theta_vector", W, "Gradient checking", "Parameters as one vector θ",
        "θ = [vec(W⁽¹⁾); b⁽¹⁾; vec(W⁽²⁾); b⁽²⁾; …]  (row-major)",
        r"\theta = \big[\mathrm{vec}(W^{[1]});\, b^{[1]};\, \mathrm{vec}(W^{[2]});\, \dots\big]",
        ("scratch.gradient_checking.dictionary_to_vector",
         "scratch.gradient_checking.vector_to_dictionary",
         "scratch.gradient_checking.gradients_to_vector"),
        ("torch_ref.regularization.cost_of_theta",),
        (f"{T_GC}::test_gradient_check_n_beside_autograd_gradcheck",
         f"{T_GC}::test_vector_round_trip_general"),
        torch_ops=("torch.nn.utils.parameters_to_vector",),
        marks=("new_vector = np.reshape(parameters[key], (-1, 1))",),
        note="parameters_to_vector(DeepNet.parameters()) is the course's order exactly (weight "
             "(n[l], n[l-1]) row-major, then bias). vector_to_dictionary keeps the course's "
             "hard-coded [4, 5, 3, 1] shapes by default and takes layers_dims for any net."),
)

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ("scratch.initialization", "scratch.regularization",
                            "scratch.gradient_checking")
