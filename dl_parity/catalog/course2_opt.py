"""Course 2, weeks 2 and 3: optimization algorithms and batch normalization."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown in this order, after course 1's)
WEEKS: dict[str, str] = {
    "c2w2": "Course 2, week 2: optimization algorithms",
    "c2w3": "Course 2, week 3: batch normalization",
}

T_OPT = "parity_tests/test_optimization.py"
T_RES = "parity_tests/test_course2_week2_results.py"
T_BN = "parity_tests/test_batch_norm.py"

ENTRIES: tuple[Formula, ...] = (
    # ------------------------------------------------------------------ week 2
    Formula(
        "c2w2.gd", "c2w2", "Optimization", "(Mini-batch) gradient descent",
        "W⁽ˡ⁾ := W⁽ˡ⁾ − α dW⁽ˡ⁾\nb⁽ˡ⁾ := b⁽ˡ⁾ − α db⁽ˡ⁾",
        r"W^{[l]} := W^{[l]} - \alpha\, dW^{[l]}, \qquad b^{[l]} := b^{[l]} - \alpha\, db^{[l]}",
        ("scratch.optimization.update_parameters_with_gd",),
        ("torch_ref.optim.make_optimizer",),
        (f"{T_OPT}::test_gd_update_parity",),
        torch_ops=("torch.optim.SGD",),
        marks=('new["W" + str(l)] = parameters["W" + str(l)] - learning_rate * grads["dW" + str(l)]',)),
    Formula(
        "c2w2.mini_batches", "c2w2", "Optimization", "Mini-batches",
        "shuffle the columns of (X, Y) with one permutation (np.random.seed(seed))\n"
        "⌊m / size⌋ complete batches, then the m mod size left",
        r"X^{\{t\}} = X_{:,\ \pi[(t-1)s\,:\,ts]}, \quad t = 1..\lfloor m/s \rfloor, \text{ then the rest}",
        ("scratch.optimization.random_mini_batches",),
        ("torch_ref.optim.mini_batch_loader",),
        (f"{T_OPT}::test_mini_batches_parity", f"{T_OPT}::test_random_mini_batches_course_rules"),
        torch_ops=("torch.utils.data.DataLoader", "torch.utils.data.TensorDataset"),
        note="A DataLoader whose sampler is the course's permutation gives the same batches, the "
             "last one partial. In the trajectory tests the engine cuts the batches once with the "
             "course's function and hands each side its copy.",
        marks=("permutation = list(np.random.permutation(m))",
               "num_complete_minibatches = math.floor(m / mini_batch_size)")),
    Formula(
        "c2w2.momentum", "c2w2", "Optimization", "Gradient descent with momentum",
        "v_dW = β v_dW + (1 − β) dW   (v = 0 at the start)\nW := W − α v_dW",
        r"v_{dW} = \beta\, v_{dW} + (1 - \beta)\, dW, \qquad W := W - \alpha\, v_{dW}",
        ("scratch.optimization.initialize_velocity",
         "scratch.optimization.update_parameters_with_momentum"),
        ("torch_ref.optim.make_optimizer", "torch_ref.optim.zero_momentum_buffers_",
         "torch_ref.optim.load_velocity_", "torch_ref.optim.course_velocity",
         "torch_ref.optim.momentum_as_scaled_lr"),
        (f"{T_OPT}::test_momentum_update_parity",
         f"{T_OPT}::test_momentum_first_step_needs_the_zero_buffer",
         f"{T_OPT}::test_momentum_scaled_lr_is_the_same_trajectory"),
        torch_ops=("torch.optim.SGD",),
        note="torch.optim.SGD(momentum=β, dampening=β) computes buf = β buf + (1 − β) g, except at "
             "its first step, where it sets buf = g (no dampening) while the course's v₁ = (1 − β) g. "
             "torch_ref.optim.make_optimizer sets every momentum_buffer to zero before the first "
             "step (the course's v = 0), after which buf = v at every step. SGD(lr = (1 − β) α, "
             "momentum = β) is another exact route (its buffer is v / (1 − β)).",
        marks=('v["dW" + str(l)] = beta * v["dW" + str(l)] + (1 - beta) * grads["dW" + str(l)]',
               'parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * v["dW" + str(l)]')),
    Formula(
        "c2w2.adam", "c2w2", "Optimization", "Adam",
        "v_dW = β₁ v_dW + (1 − β₁) dW;  s_dW = β₂ s_dW + (1 − β₂) dW²\n"
        "v̂ = v_dW / (1 − β₁ᵗ);  ŝ = s_dW / (1 − β₂ᵗ)\n"
        "W := W − α v̂ / (√ŝ + ε)",
        r"v = \beta_1 v + (1 - \beta_1) dW,\ s = \beta_2 s + (1 - \beta_2) dW^2,\ "
        r"W := W - \alpha \frac{v / (1 - \beta_1^t)}{\sqrt{s / (1 - \beta_2^t)} + \varepsilon}",
        ("scratch.optimization.initialize_adam", "scratch.optimization.update_parameters_with_adam"),
        ("torch_ref.optim.make_optimizer", "torch_ref.optim.load_adam_state_",
         "torch_ref.optim.course_adam_state"),
        (f"{T_OPT}::test_adam_update_parity",),
        torch_ops=("torch.optim.Adam",),
        note="torch.optim.Adam(lr=α, betas=(β₁, β₂), eps=ε) is the same formula: ε outside the "
             "square root, after the bias correction, t counted from 1. It computes "
             "[α / (1 − β₁ᵗ)] m / (√s / √(1 − β₂ᵗ) + ε), which only rounds differently. Its "
             "state exp_avg, exp_avg_sq, step is the course's v, s, t.",
        marks=("v[d] = beta1 * v[d] + (1 - beta1) * grads[d]",
               "s[d] = beta2 * s[d] + (1 - beta2) * np.power(grads[d], 2)",
               "- learning_rate * v_corrected[d] / (np.sqrt(s_corrected[d]) + epsilon)")),
    Formula(
        "c2w2.lr_decay", "c2w2", "Optimization", "Learning-rate decay",
        "α = α₀ / (1 + decay_rate · epoch_num)   (update_lr)\n"
        "α = α₀ / (1 + decay_rate · ⌊epoch_num / time_interval⌋)   (schedule_lr_decay)",
        r"\alpha = \frac{\alpha_0}{1 + \text{decay\_rate} \cdot \text{epoch}}, \qquad "
        r"\alpha = \frac{\alpha_0}{1 + \text{decay\_rate} \cdot \lfloor \text{epoch} / 1000 \rfloor}",
        ("scratch.optimization.update_lr", "scratch.optimization.schedule_lr_decay"),
        ("torch_ref.optim.make_scheduler", "torch_ref.optim.course_lr_lambda"),
        (f"{T_OPT}::test_lr_schedule_parity", f"{T_OPT}::test_lr_decay_course_values",
         "parity_tests/test_course2_engine.py::test_decay_rate_per_epoch"),
        torch_ops=("torch.optim.lr_scheduler.LambdaLR",),
        note="The course sets α = decay(α₀, i) AFTER epoch i, so epoch k trains with "
             "decay(α₀, k − 1) (epochs 0 and 1 both with α₀). LambdaLR stepped after each epoch "
             "gives epoch k α₀ · λ(k), so λ(k) = factor(max(k − 1, 0)).",
        marks=("learning_rate = learning_rate0 / (1 + decay_rate * epoch_num)",
               "learning_rate = learning_rate0 / (1 + decay_rate * np.floor(epoch_num / time_interval))")),
    Formula(
        "c2w2.network", "c2w2", "Optimization", "The week's network (the sum cost, 1/m in dz⁽ᴸ⁾)",
        "z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾;  a = ReLU (l < L), σ (l = L)\n"
        "cost_total = Σᵢ L(a⁽ᴸ⁾⁽ⁱ⁾, y⁽ⁱ⁾)   (a sum; the model reports cost_total / m)\n"
        "dz⁽ᴸ⁾ = (1/m)(a⁽ᴸ⁾ − Y);  dW⁽ˡ⁾ = dz⁽ˡ⁾a⁽ˡ⁻¹⁾ᵀ;  db⁽ˡ⁾ = Σ dz⁽ˡ⁾",
        r"\text{cost\_total} = \sum_i \mathcal{L}(a^{[L](i)}, y^{(i)}), \qquad "
        r"dz^{[L]} = \tfrac{1}{m}(a^{[L]} - Y),\ dW^{[l]} = dz^{[l]} a^{[l-1]T}",
        ("scratch.optimization.initialize_parameters", "scratch.optimization.forward_propagation",
         "scratch.optimization.compute_cost", "scratch.optimization.backward_propagation",
         "scratch.optimization.predict"),
        ("torch_ref.models.DeepNet",),
        (f"{T_OPT}::test_week_network_parity",),
        torch_ops=("torch.nn.BCELoss", "torch.Tensor.backward"),
        note="compute_cost is nn.BCELoss(reduction='sum'); the gradients are those of the MEAN "
             "loss (autograd of nn.BCELoss()), because the course puts 1/m into dz⁽ᴸ⁾.",
        marks=("cost_total = np.sum(logprobs)", "dz = 1. / m * (a(L) - Y)",
               'gradients["dW" + str(l)] = np.dot(dz, a(l - 1).T)')),
    Formula(
        "c2w2.trajectory", "c2w2", "Optimization", "Training with gd, momentum or Adam",
        "each epoch: seed += 1; for each mini-batch: forward, cost, backward, update (Adam: t += 1)\n"
        "after the epoch: α = decay(α₀, epoch, decay_rate)",
        r"\text{epoch } i:\ \text{seed} = 11 + i,\ \text{one update per mini-batch, then } "
        r"\alpha = \text{decay}(\alpha_0, i)",
        ("scratch.optimization.model",),
        ("torch_ref.optim.make_optimizer", "torch_ref.optim.make_scheduler",
         "torch_ref.optim.course_named_parameters"),
        (f"{T_OPT}::test_optimizer_trajectory_parity", f"{T_RES}::test_published_optimizer_run",
         "parity_tests/test_course2_engine.py::test_optimizer_run", "parity_tests/test_course2_engine.py::test_softmax_net_lockstep"),
        torch_ops=("torch.optim.SGD", "torch.optim.Adam", "torch.optim.lr_scheduler.LambdaLR"),
        note="The trajectory test runs both sides through the engine on the course's batches, "
             "the optimizer state carried on each side; the course-result test reproduces the "
             "seven published runs (costs to six decimals, accuracies exactly) with the course's "
             "own model.",
        marks=("seed = seed + 1", "t = t + 1  # Adam counter",
               "learning_rate = decay(learning_rate0, i, decay_rate)")),
    # ------------------------------------------------------------------ week 3
    Formula(
        "c2w3.bn_forward", "c2w3", "Batch normalization", "Batch norm, training mode",
        "μ = (1/m) Σᵢ z⁽ⁱ⁾;  σ² = (1/m) Σᵢ (z⁽ⁱ⁾ − μ)²\n"
        "z_norm = (z − μ) / √(σ² + ε)\nz̃ = γ z_norm + β",
        r"\mu = \frac{1}{m}\sum_i z^{(i)},\ \sigma^2 = \frac{1}{m}\sum_i (z^{(i)} - \mu)^2,\ "
        r"z_{norm} = \frac{z - \mu}{\sqrt{\sigma^2 + \varepsilon}},\ \tilde z = \gamma z_{norm} + \beta",
        ("scratch.batch_norm.batchnorm_forward",),
        ("torch_ref.batch_norm.BatchNormNet",),
        (f"{T_BN}::test_batchnorm_forward_backward_parity",),
        torch_ops=("torch.nn.BatchNorm1d",),
        note="nn.BatchNorm1d normalises with the same biased variance (1/m). A batch of one is "
             "refused on both sides in training mode.",
        marks=("mu = 1 / m * np.sum(Z, axis=1, keepdims=True)",
               "sigma2 = 1 / m * np.sum(sq, axis=1, keepdims=True)",
               "Z_tilde = gamma * Z_norm + beta")),
    Formula(
        "c2w3.bn_backward", "c2w3", "Batch normalization", "Batch norm, backward",
        "dβ = Σᵢ dz̃⁽ⁱ⁾;  dγ = Σᵢ dz̃⁽ⁱ⁾ z_norm⁽ⁱ⁾\n"
        "dz = γ / (m √(σ² + ε)) · (m dz̃ − dβ − z_norm dγ)",
        r"d\beta = \sum_i d\tilde z^{(i)},\ d\gamma = \sum_i d\tilde z^{(i)} z_{norm}^{(i)},\ "
        r"dz = \frac{\gamma}{m\sqrt{\sigma^2 + \varepsilon}}\big(m\, d\tilde z - d\beta - z_{norm}\, d\gamma\big)",
        ("scratch.batch_norm.batchnorm_backward", "scratch.batch_norm.batchnorm_backward_compact"),
        ("torch_ref.batch_norm.BatchNormNet",),
        (f"{T_BN}::test_batchnorm_forward_backward_parity",
         f"{T_BN}::test_batchnorm_backward_finite_differences"),
        torch_ops=("torch.nn.BatchNorm1d", "torch.Tensor.backward"),
        note="The step-by-step backward walks the eight forward lines back, one comment each; the "
             "compact form folds them; both are checked against autograd and finite differences.",
        marks=("dmu = -np.sum(dZmu1 + dZmu2, axis=1, keepdims=True)",
               "dZ = gamma * ivar / m * (m * dZ_tilde - dbeta - Z_norm * dgamma)")),
    Formula(
        "c2w3.bn_running", "c2w3", "Batch normalization", "Running statistics and test mode",
        "running_mean = β · running_mean + (1 − β) μ\n"
        "running_var = β · running_var + (1 − β) σ²   (PyTorch: m/(m−1) σ²)\n"
        "test: z̃ = γ (z − running_mean) / √(running_var + ε) + β",
        r"\bar\mu = \beta \bar\mu + (1 - \beta)\mu,\ \bar\sigma^2 = \beta \bar\sigma^2 + (1 - \beta)\sigma^2,\ "
        r"\tilde z_{test} = \gamma \frac{z - \bar\mu}{\sqrt{\bar\sigma^2 + \varepsilon}} + \beta",
        ("scratch.batch_norm.update_running_stats", "scratch.batch_norm.batchnorm_forward_test"),
        ("torch_ref.batch_norm.BatchNormNet",),
        (f"{T_BN}::test_batchnorm_forward_backward_parity",
         f"{T_BN}::test_running_statistics_and_test_mode_parity"),
        torch_ops=("torch.nn.BatchNorm1d",),
        note="nn.BatchNorm1d's momentum is 1 − β (its 0.1 = the course's β = 0.9), and it stores "
             "the UNBIASED variance m/(m−1) σ² in running_var while normalising with the biased "
             "one. scratch keeps the course's biased average by default and PyTorch's with "
             "unbiased=True; the test compares the latter directly and the former through the "
             "factor m/(m−1). Both start from running_mean = 0, running_var = 1.",
        marks=("batch_var = m / (m - 1) * sigma2 if unbiased else sigma2",
               "running_var = beta * running_var + (1 - beta) * batch_var",
               "Z_norm = (Z - running_mean) / np.sqrt(running_var + epsilon)")),
    Formula(
        "c2w3.bn_network", "c2w3", "Batch normalization", "A network with batch norm",
        "Z⁽ˡ⁾ = W⁽ˡ⁾A⁽ˡ⁻¹⁾ (no b);  Z̃⁽ˡ⁾ = BN(Z⁽ˡ⁾);  A⁽ˡ⁾ = ReLU(Z̃⁽ˡ⁾)   (l < L)\n"
        "Z⁽ᴸ⁾ = W⁽ᴸ⁾A⁽ᴸ⁻¹⁾ + b⁽ᴸ⁾;  A⁽ᴸ⁾ = σ or softmax\n"
        "dZ⁽ᴸ⁾ = (1/m)(A⁽ᴸ⁾ − Y);  dW⁽ˡ⁾ = dZ⁽ˡ⁾A⁽ˡ⁻¹⁾ᵀ;  dZ⁽ˡ⁾ from BN's backward",
        r"Z^{[l]} = W^{[l]} A^{[l-1]},\ \tilde Z^{[l]} = \mathrm{BN}_{\gamma^{[l]}, \beta^{[l]}}(Z^{[l]}),\ "
        r"A^{[l]} = \mathrm{ReLU}(\tilde Z^{[l]})",
        ("scratch.batch_norm.initialize_parameters_bn", "scratch.batch_norm.L_model_forward_bn",
         "scratch.batch_norm.compute_cost_bn", "scratch.batch_norm.L_model_backward_bn",
         "scratch.batch_norm.update_running_stats_bn", "scratch.batch_norm.update_parameters_bn"),
        ("torch_ref.batch_norm.BatchNormNet", "torch_ref.batch_norm.BatchNormNet.load_course_parameters",
         "torch_ref.batch_norm.BatchNormNet.course_parameters", "torch_ref.batch_norm.train_step_bn"),
        (f"{T_BN}::test_bn_network_parity", f"{T_BN}::test_bn_network_trajectory_parity",
         "parity_tests/test_course2_engine.py::test_batch_norm_net_lockstep"),
        torch_ops=("torch.nn.BatchNorm1d", "torch.nn.Linear", "torch.nn.BCELoss",
                   "torch.nn.CrossEntropyLoss"),
        note="b⁽ˡ⁾ is dropped before each BN (β⁽ˡ⁾ replaces it): nn.Linear(bias=False). The dict "
             "holds W, gamma, beta, running_mean, running_var per BN layer and W, b for the last; "
             "the torch side's running_var is PyTorch's unbiased one, so the NumPy side runs with "
             "unbiased=True to match it.",
        marks=("Z = np.dot(W, A)", "A = np.maximum(0, Z_tilde)",
               'grads[f"dW{l}"] = np.dot(dZ, A_prev.T)')),
)

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ("scratch.optimization", "scratch.batch_norm")
