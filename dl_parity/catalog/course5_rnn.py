"""Course 5, week 1: recurrent neural networks step by step (RNN, LSTM, GRU in two forms)."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown in this order, after course 1's)
WEEKS: dict[str, str] = {"c5w1": "Course 5, week 1: recurrent neural networks"}

T_RNN = "parity_tests/test_rnn.py"
T_GRU = "parity_tests/test_gru.py"
S = "scratch.rnn."
R = "torch_ref.rnn."

_LAYOUT = ("Layouts: the course's x (n_x, m, T_x) and states (n_a, m) are torch's (T_x, m, n_x) "
           "and (m, n_a): torch_ref.rnn.sequence_to_torch / state_to_torch (transposes, exact). ")
_BIAS = ("PyTorch has two biases per gate (bias_ih, bias_hh), the course one: the course's b goes "
         "to bias_ih, bias_hh is held at 0 and frozen (requires_grad False). ")
_VJP = ("The upstream da (n_a, m, T_x) is the gradient of every hidden state from outside the "
        "recurrence (output layer excluded, no 1/m); the test gets autograd's vector-Jacobian "
        "product from loss = sum(a_torch * da). ")
_LSTM_MAP = ("Weights: nn.LSTM stacks the gates i, f, g, o in weight_ih (4 n_a, n_x) and weight_hh "
             "(4 n_a, n_a); the course's W_gate (n_a, n_a + n_x) acts on [a_prev; x], hidden "
             "state first: W_gate[:, :n_a] is the gate's block of weight_hh, W_gate[:, n_a:] of "
             "weight_ih (torch_ref.rnn.course_to_torch_weights; the same map takes autograd's "
             "weight gradients to dW_gate). ")
_GRU_FORMS = ("Two GRUs. The lectures': c~ = tanh(Wc [Γr * c_prev; x] + bc), the relevance gate "
              "on the hidden state before the product. PyTorch's nn.GRU: n = tanh(W_in x + b_in + "
              "r * (W_hn h + b_hn)), the gate on the product; with Wc = [Wch | Wcx] that is "
              "tanh(Wcx x + bc + Γr * (Wch c_prev)) (b_hn = 0). Wch (Γr * c) ≠ Γr * (Wch c): "
              "different functions of the same weights (test_gru_forms_differ measures a gap of "
              "0.165 on c<t>; they coincide when Γr = 1). nn.GRU also writes h' = (1 − z) n + z h, "
              "so its z is 1 − Γu: the mapping stores −Wu, −bu in the z block (rows n_a..2 n_a, "
              "gate order r, z, n), and the test checks z = 1 − Γu directly. ")

ENTRIES: tuple[Formula, ...] = (
    # ------------------------------------------------------------------ basic RNN
    Formula(
        "c5.rnn_cell", "c5w1", "Basic RNN", "RNN cell, forward",
        "a⟨t⟩ = tanh(Wₐₓ x⟨t⟩ + Wₐₐ a⟨t−1⟩ + bₐ)\nŷ⟨t⟩ = softmax(W_ya a⟨t⟩ + b_y)",
        r"a^{\langle t \rangle} = \tanh(W_{ax} x^{\langle t \rangle} + W_{aa} a^{\langle t-1 \rangle} + b_a), \qquad \hat y^{\langle t \rangle} = \mathrm{softmax}(W_{ya} a^{\langle t \rangle} + b_y)",
        (S + "rnn_cell_forward",),
        (R + "CourseRNNCell", R + "CourseRNNCell.forward"),
        (f"{T_RNN}::test_rnn_cell_parity", f"{T_RNN}::test_course_unit_values_rnn"),
        torch_ops=("torch.nn.RNNCell", "torch.nn.Linear", "torch.nn.Softmax"),
        note=(_LAYOUT + "Weights: weight_ih = Wax, weight_hh = Waa, bias_ih = ba; " + _BIAS
              + "Softmax over the classes: axis 0 in the course, the last dim in torch. The "
              "course's unit values (np.random.seed(1)) are checked too."),
        marks=("a_next = np.tanh(np.dot(Wax, xt) + np.dot(Waa, a_prev) + ba)",
               "yt_pred = _softmax(np.dot(Wya, a_next) + by)")),
    Formula(
        "c5.rnn_forward", "c5w1", "Basic RNN", "RNN through time, forward",
        "a⟨0⟩ = a0;  for t = 1..Tₓ: a⟨t⟩, ŷ⟨t⟩ = rnn_cell_forward(x⟨t⟩, a⟨t−1⟩)",
        r"a^{\langle t \rangle} = \tanh(W_{ax} x^{\langle t \rangle} + W_{aa} a^{\langle t-1 \rangle} + b_a), \quad t = 1, \dots, T_x",
        (S + "rnn_forward",),
        (R + "CourseRNN", R + "CourseRNN.forward", R + "sequence_to_torch", R + "sequence_to_course",
         R + "state_to_torch", R + "state_to_course"),
        (f"{T_RNN}::test_rnn_through_time_parity", f"{T_RNN}::test_course_unit_values_rnn"),
        torch_ops=("torch.nn.RNN",),
        note=_LAYOUT + "nn.RNN (cuDNN on CUDA) returns every a⟨t⟩ as its output; h0 = a0 unsqueezed "
             "to (1, m, n_a).",
        marks=("a_next, yt_pred, cache = rnn_cell_forward.unchecked(x[:, :, t], a_next, parameters)",)),
    Formula(
        "c5.rnn_cell_backward", "c5w1", "Basic RNN", "RNN cell, backward",
        "dtanh = (1 − a⟨t⟩²) ∗ da⟨t⟩\ndxₜ = Wₐₓᵀ dtanh;  dWₐₓ = dtanh xₜᵀ\n"
        "da⟨t−1⟩ = Wₐₐᵀ dtanh;  dWₐₐ = dtanh a⟨t−1⟩ᵀ\ndbₐ = Σᵢ dtanh",
        r"d\tanh = (1 - a^{\langle t \rangle 2}) * da, \quad dx_t = W_{ax}^T d\tanh, \quad dW_{ax} = d\tanh\, x_t^T, \quad da_{prev} = W_{aa}^T d\tanh, \quad dW_{aa} = d\tanh\, a_{prev}^T, \quad db_a = \textstyle\sum_i d\tanh",
        (S + "rnn_cell_backward",),
        (R + "CourseRNNCell",),
        (f"{T_RNN}::test_rnn_cell_parity", f"{T_RNN}::test_course_unit_values_rnn"),
        torch_ops=("torch.Tensor.backward",),
        note=_VJP + "No 1/m: dW and db are sums over the m examples.",
        marks=("dtanh = (1 - a_next ** 2) * da_next", "da_prev = np.dot(Waa.T, dtanh)",
               "dba = np.sum(dtanh, axis=1, keepdims=True)")),
    Formula(
        "c5.rnn_backward", "c5w1", "Basic RNN", "Backpropagation through time (RNN)",
        "for t = Tₓ..1: g = rnn_cell_backward(da⟨t⟩ + da_prev, cache⟨t⟩)\n"
        "dx⟨t⟩ = g.dxₜ;  dW += g.dW;  db += g.db;  da0 = da_prev⟨1⟩",
        r"\frac{\partial J}{\partial a^{\langle t-1 \rangle}} \mathrel{+}= W_{aa}^T \big((1 - a^{\langle t \rangle 2}) * \tfrac{\partial J}{\partial a^{\langle t \rangle}}\big), \quad dW = \textstyle\sum_t dW^{\langle t \rangle}",
        (S + "rnn_backward",),
        (R + "CourseRNN", R + "torch_to_course_weights"),
        (f"{T_RNN}::test_rnn_through_time_parity", f"{T_RNN}::test_rnn_backward_gradcheck",
         f"{T_RNN}::test_course_unit_values_rnn"),
        torch_ops=("torch.nn.RNN", "torch.Tensor.backward"),
        note=_VJP + "Also checked against centred finite differences (eps 1e-7) of rnn_forward.",
        marks=("gradients = rnn_cell_backward.unchecked(da[:, :, t] + da_prevt, caches[t])",
               "dWax += gradients[\"dWax\"]")),
    # ------------------------------------------------------------------ LSTM
    Formula(
        "c5.lstm_cell", "c5w1", "LSTM", "LSTM cell, forward",
        "Γf = σ(W_f [a⟨t−1⟩; x⟨t⟩] + b_f);  Γi = σ(W_i [a⟨t−1⟩; x⟨t⟩] + b_i)\n"
        "c̃⟨t⟩ = tanh(W_c [a⟨t−1⟩; x⟨t⟩] + b_c)\nc⟨t⟩ = Γf ∗ c⟨t−1⟩ + Γi ∗ c̃⟨t⟩\n"
        "Γo = σ(W_o [a⟨t−1⟩; x⟨t⟩] + b_o);  a⟨t⟩ = Γo ∗ tanh(c⟨t⟩)\nŷ⟨t⟩ = softmax(W_y a⟨t⟩ + b_y)",
        r"\Gamma_f = \sigma(W_f[a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_f), \; \Gamma_i = \sigma(\dots), \; \tilde c^{\langle t \rangle} = \tanh(W_c[a^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_c), \; c^{\langle t \rangle} = \Gamma_f * c^{\langle t-1 \rangle} + \Gamma_i * \tilde c^{\langle t \rangle}, \; a^{\langle t \rangle} = \Gamma_o * \tanh(c^{\langle t \rangle})",
        (S + "lstm_cell_forward",),
        (R + "CourseLSTMCell", R + "CourseLSTMCell.forward", R + "course_to_torch_weights",
         R + "LSTM_GATES"),
        (f"{T_RNN}::test_lstm_cell_parity", f"{T_RNN}::test_course_unit_values_lstm"),
        torch_ops=("torch.nn.LSTMCell", "torch.nn.Linear", "torch.nn.Softmax"),
        note=_LAYOUT + _LSTM_MAP + _BIAS + "The test also rebuilds the cached gates ft, it, cct, ot "
             "from nn.LSTMCell's own stacked blocks.",
        marks=("concat = np.concatenate((a_prev, xt), axis=0)",
               "c_next = ft * c_prev + it * cct", "a_next = ot * np.tanh(c_next)")),
    Formula(
        "c5.lstm_forward", "c5w1", "LSTM", "LSTM through time, forward",
        "a⟨0⟩ = a0, c⟨0⟩ = 0;  for t = 1..Tₓ: a⟨t⟩, c⟨t⟩, ŷ⟨t⟩ = lstm_cell_forward(x⟨t⟩, a⟨t−1⟩, c⟨t−1⟩)",
        r"(a^{\langle t \rangle}, c^{\langle t \rangle}) = \mathrm{LSTM}(x^{\langle t \rangle}, a^{\langle t-1 \rangle}, c^{\langle t-1 \rangle}), \quad c^{\langle 0 \rangle} = 0",
        (S + "lstm_forward",),
        (R + "CourseLSTM", R + "CourseLSTM.forward"),
        (f"{T_RNN}::test_lstm_through_time_parity", f"{T_RNN}::test_course_unit_values_lstm"),
        torch_ops=("torch.nn.LSTM", "torch.nn.LSTMCell"),
        note=_LAYOUT + "nn.LSTM returns every a⟨t⟩ but only the last c: the test compares that one "
             "and gets every c⟨t⟩ from nn.LSTMCell stepped through time with the same weights. "
             "Returns (a, y, c, caches) in the course's order.",
        marks=("a_next, c_next, yt, cache = lstm_cell_forward.unchecked(x[:, :, t], a_next, c_next, parameters)",)),
    Formula(
        "c5.lstm_cell_backward", "c5w1", "LSTM", "LSTM cell, backward",
        "dc = dc⟨t⟩ + da⟨t⟩ ∗ Γo ∗ (1 − tanh²(c⟨t⟩))\n"
        "dΓo = da⟨t⟩ ∗ tanh(c⟨t⟩) ∗ Γo(1 − Γo);  dc̃ = dc ∗ Γi ∗ (1 − c̃²)\n"
        "dΓi = dc ∗ c̃ ∗ Γi(1 − Γi);  dΓf = dc ∗ c⟨t−1⟩ ∗ Γf(1 − Γf)\n"
        "dW_g = dΓg [a⟨t−1⟩; x⟨t⟩]ᵀ;  db_g = Σᵢ dΓg\n"
        "[da⟨t−1⟩; dxₜ] = Σ_g W_gᵀ dΓg;  dc⟨t−1⟩ = dc ∗ Γf",
        r"dc = dc_{next} + da_{next} * \Gamma_o * (1 - \tanh^2 c_{next}), \quad d\Gamma_f = dc * c_{prev} * \Gamma_f (1 - \Gamma_f), \quad dW_f = d\Gamma_f [a_{prev}, x_t]^T, \quad dc_{prev} = dc * \Gamma_f",
        (S + "lstm_cell_backward",),
        (R + "CourseLSTMCell", R + "torch_to_course_weights"),
        (f"{T_RNN}::test_lstm_cell_parity", f"{T_RNN}::test_course_unit_values_lstm"),
        torch_ops=("torch.Tensor.backward",),
        note=("The course writes dc expanded inside each gate's line; scratch names it once. "
              "Upstream: loss = sum(a_next * da_next) + sum(c_next * dc_next). " + _LSTM_MAP),
        marks=("dc = dc_next + da_next * ot * (1 - np.tanh(c_next) ** 2)",
               "dft = dc * c_prev * ft * (1 - ft)", "dc_prev = dc * ft")),
    Formula(
        "c5.lstm_backward", "c5w1", "LSTM", "Backpropagation through time (LSTM)",
        "for t = Tₓ..1: g = lstm_cell_backward(da⟨t⟩ + da_prev, dc_prev, cache⟨t⟩)\n"
        "dx⟨t⟩ = g.dxₜ;  dW_g += g.dW_g;  db_g += g.db_g;  da0 = da_prev⟨1⟩",
        r"dW_g = \textstyle\sum_{t} d\Gamma_g^{\langle t \rangle} [a^{\langle t-1 \rangle}, x^{\langle t \rangle}]^T",
        (S + "lstm_backward",),
        (R + "CourseLSTM", R + "torch_to_course_weights"),
        (f"{T_RNN}::test_lstm_through_time_parity", f"{T_RNN}::test_lstm_backward_gradcheck"),
        torch_ops=("torch.nn.LSTM", "torch.Tensor.backward"),
        note=_VJP + "c⟨0⟩ = 0 is a constant (no dc0). Also checked against centred finite "
             "differences. The notebook's printed lstm_backward values come from a da of 4 steps "
             "against 7-step caches and are not reproduced (not checked).",
        marks=("gradients = lstm_cell_backward.unchecked(da[:, :, t] + da_prevt, dc_prevt, caches[t])",)),
    Formula(
        "c5.rnn_training", "c5w1", "Basic RNN", "Training a many-to-many RNN (SGD, 20 steps)",
        "J = −(1/(m Tₓ)) Σₜ Σᵢ Σₖ Y log ŷ⟨t⟩\ndz⟨t⟩ = (ŷ⟨t⟩ − Y⟨t⟩) / (m Tₓ);  da⟨t⟩ = W_yaᵀ dz⟨t⟩ → rnn_backward\n"
        "W := W − α dW",
        r"J = -\frac{1}{m T_x} \sum_t \sum_i \sum_k Y \log \hat y^{\langle t \rangle}, \qquad W := W - \alpha\, dW",
        (S + "rnn_forward", S + "rnn_backward"),
        (R + "sequence_train_step", R + "CourseRNN.logits"),
        ("parity_tests/test_rnn_training.py::test_rnn_training_trajectory",),
        torch_ops=("torch.nn.functional.cross_entropy", "torch.optim.SGD"),
        note=("Through the engine (dl_parity.engine.run, FullBatch): the same dict, the same "
              "20 steps, costs and parameters compared at the end. The torch side's optimizer "
              "holds model.parameters(): the frozen bias_hh gets no gradient, so the course's "
              "single bias is the only one that moves."),
        marks=("a_next, yt_pred, cache = rnn_cell_forward.unchecked(x[:, :, t], a_next, parameters)",
               "gradients = rnn_cell_backward.unchecked(da[:, :, t] + da_prevt, caches[t])")),
    # ------------------------------------------------------------------ GRU
    Formula(
        "c5.gru_lectures", "c5w1", "GRU", "GRU cell, the lectures' form (forward and backward)",
        "Γr = σ(W_r [c⟨t−1⟩; x⟨t⟩] + b_r);  Γu = σ(W_u [c⟨t−1⟩; x⟨t⟩] + b_u)\n"
        "c̃⟨t⟩ = tanh(W_c [Γr ∗ c⟨t−1⟩; x⟨t⟩] + b_c)\nc⟨t⟩ = Γu ∗ c̃⟨t⟩ + (1 − Γu) ∗ c⟨t−1⟩;  a⟨t⟩ = c⟨t⟩",
        r"\Gamma_r = \sigma(W_r[c^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_r), \; \Gamma_u = \sigma(W_u[c^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_u), \; \tilde c^{\langle t \rangle} = \tanh(W_c[\Gamma_r * c^{\langle t-1 \rangle}, x^{\langle t \rangle}] + b_c), \; c^{\langle t \rangle} = \Gamma_u * \tilde c^{\langle t \rangle} + (1 - \Gamma_u) * c^{\langle t-1 \rangle}",
        (S + "gru_cell_forward", S + "gru_cell_backward"),
        (R + "LecturesGRUCell", R + "LecturesGRUCell.forward"),
        (f"{T_GRU}::test_gru_lectures_cell_parity",),
        torch_ops=("torch.nn.Linear", "torch.sigmoid", "torch.tanh", "torch.cat"),
        note=(_GRU_FORMS + "torch.nn has no cell for the lectures' form: its autograd twin is "
              "LecturesGRUCell, three nn.Linear(n_a + n_x, n_a) on the concatenation [c_prev, x], "
              "whose weights are the course's Wr, Wu, Wc unchanged."),
        marks=("cct = np.tanh(np.dot(Wc, np.concatenate((rt * c_prev, xt), axis=0)) + bc)",
               "c_next = ut * cct + (1 - ut) * c_prev",
               "drt = drc * c_prev * rt * (1 - rt)")),
    Formula(
        "c5.gru_lectures_through_time", "c5w1", "GRU", "GRU through time, the lectures' form",
        "c⟨0⟩ = c0;  for t = 1..Tₓ: c⟨t⟩ = gru_cell_forward(x⟨t⟩, c⟨t−1⟩)\n"
        "backward: for t = Tₓ..1: g = gru_cell_backward(dc⟨t⟩ + dc_prev, cache⟨t⟩); dW += g.dW",
        r"c^{\langle t \rangle} = \mathrm{GRU}(x^{\langle t \rangle}, c^{\langle t-1 \rangle}), \quad dW = \textstyle\sum_t dW^{\langle t \rangle}",
        (S + "gru_forward", S + "gru_backward"),
        (R + "LecturesGRU", R + "LecturesGRU.forward"),
        (f"{T_GRU}::test_gru_lectures_through_time_parity", f"{T_GRU}::test_gru_lectures_gradcheck"),
        torch_ops=("torch.Tensor.backward", "torch.stack"),
        note=_VJP + "Also checked against centred finite differences of gru_forward.",
        marks=("gradients = cell_backward(dc[:, :, t] + dc_prevt, caches[t])",)),
    Formula(
        "c5.gru_torch_form", "c5w1", "GRU", "GRU cell, PyTorch's form (forward and backward)",
        "Γr = σ(W_r [c⟨t−1⟩; x⟨t⟩] + b_r);  Γu = σ(W_u [c⟨t−1⟩; x⟨t⟩] + b_u)\n"
        "c̃⟨t⟩ = tanh(W_cx x⟨t⟩ + b_c + Γr ∗ (W_ch c⟨t−1⟩))\nc⟨t⟩ = Γu ∗ c̃⟨t⟩ + (1 − Γu) ∗ c⟨t−1⟩\n"
        "(nn.GRU: r = Γr, n = c̃, z = 1 − Γu, h′ = (1 − z) n + z h)",
        r"\tilde c^{\langle t \rangle} = \tanh(W_{cx} x^{\langle t \rangle} + b_c + \Gamma_r * (W_{ch} c^{\langle t-1 \rangle})), \quad z = 1 - \Gamma_u, \quad h' = (1 - z) * n + z * h",
        (S + "gru_cell_forward_torch_form", S + "gru_cell_backward_torch_form"),
        (R + "CourseGRUCell", R + "CourseGRUCell.forward", R + "GRU_GATES"),
        (f"{T_GRU}::test_gru_torch_form_cell_parity",),
        torch_ops=("torch.nn.GRUCell",),
        note=_GRU_FORMS + _BIAS,
        marks=("cct = np.tanh(np.dot(Wc[:, n_a:], xt) + bc + rt * hc)",
               "drt = dcct * hc * rt * (1 - rt)")),
    Formula(
        "c5.gru_torch_form_through_time", "c5w1", "GRU", "GRU through time, PyTorch's form",
        "c⟨t⟩ = gru_cell_forward_torch_form(x⟨t⟩, c⟨t−1⟩), t = 1..Tₓ; backward as the lectures' form",
        r"h_t = \mathrm{nn.GRU}(x_t, h_{t-1}), \quad h_0 = c^{\langle 0 \rangle}",
        (S + "gru_forward_torch_form", S + "gru_backward_torch_form"),
        (R + "CourseGRU", R + "CourseGRU.forward"),
        (f"{T_GRU}::test_gru_torch_form_through_time_parity", f"{T_GRU}::test_gru_torch_form_gradcheck"),
        torch_ops=("torch.nn.GRU", "torch.Tensor.backward"),
        note=_VJP + _LAYOUT + "Also checked against centred finite differences.",
        marks=("c_next, yt, cache = cell_forward(x[:, :, t], c_next, parameters)",)),
    Formula(
        "c5.gru_forms", "c5w1", "GRU", "The two GRUs are different functions",
        "W_ch (Γr ∗ c⟨t−1⟩)  ≠  Γr ∗ (W_ch c⟨t−1⟩)   (equal when Γr = 1)",
        r"W_{ch} (\Gamma_r * c^{\langle t-1 \rangle}) \neq \Gamma_r * (W_{ch} c^{\langle t-1 \rangle})",
        (S + "gru_forward", S + "gru_forward_torch_form"),
        (R + "CourseGRU", R + "course_to_torch_weights"),
        (f"{T_GRU}::test_gru_forms_differ",),
        torch_ops=("torch.nn.GRU",),
        note=_GRU_FORMS,
        marks=("hc = np.dot(Wc[:, :n_a], c_prev)",)),
)

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ("scratch.rnn",)
