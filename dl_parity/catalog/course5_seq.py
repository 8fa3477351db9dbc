"""Course 5 ("Sequence Models"), week 1: the character-level language model ("Dinosaurus
Island"). Attention entries join ``ENTRIES`` later (``CHAR_RNN_ENTRIES`` stays as it is)."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown in this order, after course 1's)
WEEKS: dict[str, str] = {
    "c5w1c": "Course 5, week 1: character-level language model",
}

T_CR = "parity_tests/test_char_rnn.py"
T_CC = "parity_tests/test_char_rnn_course.py"
_SEC = "Character-level language model"

CHAR_RNN_ENTRIES: tuple[Formula, ...] = (
    Formula(
        "c5.char_rnn_params", "c5w1c", _SEC, "Parameters, initialisation and PyTorch's names",
        "Wₐₓ = randn(nₐ, nₓ) · 0.01, Wₐₐ = randn(nₐ, nₐ) · 0.01, W_ya = randn(n_y, nₐ) · 0.01 (seed 1)\n"
        "b = 0, b_y = 0\n"
        "Wₐₓ = weight_ih, Wₐₐ = weight_hh, b = bias_ih + bias_hh (bias_hh ≡ 0)\n"
        "W_ya = Linear.weight, b_y = Linear.bias",
        r"W_{ax}, W_{aa}, W_{ya} \sim 0.01\,\mathcal{N}(0, 1),\ b = 0,\ b_y = 0; \qquad "
        r"W_{ax} = W_{ih},\ W_{aa} = W_{hh},\ b = b_{ih} + b_{hh}\ (b_{hh} \equiv 0)",
        ("scratch.char_rnn.initialize_parameters",),
        ("torch_ref.char_rnn.CharRNN", "torch_ref.char_rnn.CharRNN.load_course_parameters",
         "torch_ref.char_rnn.CharRNN.course_parameters",
         "torch_ref.char_rnn.CharRNN.from_course_parameters",
         "torch_ref.char_rnn.hidden_from_course", "torch_ref.char_rnn.hidden_to_course"),
        (f"{T_CR}::test_parameter_round_trip",),
        torch_ops=("torch.nn.RNN", "torch.nn.Linear"),
        note="nn.RNN has two hidden biases (cuDNN's convention), the course one. Both would "
             "get the same gradient dL/db, so training both moves their sum at twice the "
             "learning rate: bias_ih holds b, bias_hh is fixed at 0 (requires_grad False). "
             "The hidden state a (nₐ, 1) is PyTorch's h (1, 1, nₐ).",
        marks=("Wax = np.random.randn(n_a, n_x) * 0.01",)),
    Formula(
        "c5.char_rnn_step", "c5w1c", _SEC, "One time step of the RNN",
        "a⟨t⟩ = tanh(Wₐₓ x⟨t⟩ + Wₐₐ a⟨t−1⟩ + b)\n"
        "ŷ⟨t⟩ = softmax(W_ya a⟨t⟩ + b_y)",
        r"a^{\langle t\rangle} = \tanh(W_{ax} x^{\langle t\rangle} + W_{aa} a^{\langle t-1\rangle} + b), "
        r"\qquad \hat{y}^{\langle t\rangle} = \mathrm{softmax}(W_{ya} a^{\langle t\rangle} + b_y)",
        ("scratch.char_rnn.rnn_step_forward", "scratch.char_rnn.softmax"),
        ("torch_ref.char_rnn.CharRNN.forward", "torch_ref.char_rnn.next_char_probabilities",
         "torch_ref.char_rnn.one_hot_inputs"),
        (f"{T_CR}::test_step_forward_parity", f"{T_CR}::test_optimize_parity"),
        torch_ops=("torch.nn.RNN", "torch.nn.Linear", "torch.softmax"),
        note="x⟨t⟩ is one-hot (a zero vector for the course's None); PyTorch adds "
             "(x W_ihᵀ + b_ih) + (a W_hhᵀ + 0) where NumPy adds (Wₐₓx + Wₐₐa) + b: the "
             "same sum in another order.",
        marks=("a_next = np.tanh(np.dot(Wax, x) + np.dot(Waa, a_prev) + b)",
               "p_t = softmax(np.dot(Wya, a_next) + by)")),
    Formula(
        "c5.char_rnn_loss", "c5w1c", _SEC, "Loss of one name, summed over time",
        "x⟨1⟩ = 0;  x⟨t+1⟩ = onehot(y⟨t⟩)\n"
        "L = −Σₜ log ŷ⟨t⟩[y⟨t⟩]   (a sum over the T steps, no 1/T)",
        r"\mathcal{L} = -\sum_{t=1}^{T} \log \hat{y}^{\langle t\rangle}_{y^{\langle t\rangle}}",
        ("scratch.char_rnn.rnn_forward",),
        ("torch_ref.char_rnn.sequence_loss",),
        (f"{T_CR}::test_optimize_parity", f"{T_CC}::test_optimize_course_values"),
        torch_ops=("torch.nn.CrossEntropyLoss",),
        note="nn.CrossEntropyLoss(reduction=\"sum\") on the logits z⟨t⟩: log softmax as "
             "z − logsumexp(z), where the course takes the log of the softmax.",
        marks=("loss -= np.log(y_hat[t][Y[t], 0])", "x[t][X[t]] = 1")),
    Formula(
        "c5.char_rnn_backward", "c5w1c", _SEC, "Backpropagation through time",
        "dy = ŷ⟨t⟩ − onehot(y⟨t⟩)\n"
        "dW_ya += dy a⟨t⟩ᵀ;  db_y += dy;  da = W_yaᵀ dy + da_next\n"
        "da_raw = (1 − a⟨t⟩²) ∗ da;  db += da_raw\n"
        "dWₐₓ += da_raw x⟨t⟩ᵀ;  dWₐₐ += da_raw a⟨t−1⟩ᵀ;  da_next = Wₐₐᵀ da_raw",
        r"d a_{raw} = (1 - a^{\langle t\rangle 2}) * (W_{ya}^{T} dy + da_{next}), \quad "
        r"dW_{aa} \mathrel{+}= da_{raw}\, a^{\langle t-1\rangle T}, \quad da_{next} = W_{aa}^{T} da_{raw}",
        ("scratch.char_rnn.rnn_step_backward", "scratch.char_rnn.rnn_backward"),
        ("torch_ref.char_rnn.sequence_loss",),
        (f"{T_CR}::test_optimize_parity", f"{T_CR}::test_gradient_check"),
        torch_ops=("torch.Tensor.backward",),
        note="Autograd of the summed loss through nn.RNN; the course's da_next after the "
             "first step is dL/da⟨0⟩, compared with a_prev.grad. The gradient stops at a_prev: "
             "the state carried over from the previous name is a constant.",
        marks=("daraw = (1 - a * a) * da", "dy[Y[t]] -= 1",
               "gradients['da_next'] = np.dot(parameters['Waa'].T, daraw)")),
    Formula(
        "c5.clip", "c5w1c", _SEC, "Gradient clipping, element-wise",
        "dW := min(max(dW, −N), N)   for dWₐₐ, dWₐₓ, dW_ya, db, db_y  (N = 5)",
        r"dW := \min(\max(dW, -N), N)",
        ("scratch.char_rnn.clip",),
        ("torch_ref.char_rnn.train_step",),
        (f"{T_CR}::test_clip_parity", f"{T_CR}::test_optimize_parity",
         f"{T_CC}::test_clip_course_values"),
        torch_ops=("torch.nn.utils.clip_grad_value_",),
        note="clip returns a new dict and leaves its input alone; clip_grad_value_ clips "
             "the .grad tensors in place. Min and max round nothing: the two are equal.",
        marks=("np.clip(gradient, -maxValue, maxValue, out=gradient)",)),
    Formula(
        "c5.char_rnn_update", "c5w1c", _SEC, "One optimisation step (stochastic gradient descent)",
        "forward → backward → clip at 5 → W := W − α clip(dW)\n"
        "returns L, the clipped gradients and a⟨T⟩ (the next name's a_prev)",
        r"W := W - \alpha\, \mathrm{clip}(dW, 5)",
        ("scratch.char_rnn.optimize", "scratch.char_rnn.update_parameters"),
        ("torch_ref.char_rnn.train_step", "torch_ref.char_rnn.sgd",
         "torch_ref.char_rnn.CharRNN.course_gradients"),
        (f"{T_CR}::test_optimize_parity", f"{T_CR}::test_optimize_parity_course_case",
         f"{T_CR}::test_consecutive_steps_parity"),
        torch_ops=("torch.optim.SGD",),
        note="optimize updates the dict in place (W += −α dW) and returns the clipped "
             "gradients; train_step does zero_grad, backward, clip_grad_value_, SGD.step.",
        marks=("parameters['Wax'] += -learning_rate * gradients['dWax']",
               "gradients = clip.unchecked(gradients, 5)")),
    Formula(
        "c5.sample", "c5w1c", _SEC, "Sampling a name",
        "x⟨1⟩ = 0, a⟨0⟩ = 0;  a⟨t⟩, ŷ⟨t⟩ from one step\n"
        "seed(counter + seed);  idx ~ ŷ⟨t⟩;  x⟨t+1⟩ = onehot(idx)\n"
        "stop at \"\\n\" or after 50 characters",
        r"i^{\langle t\rangle} \sim \hat{y}^{\langle t\rangle}, \qquad x^{\langle t+1\rangle} = "
        r"\mathrm{onehot}(i^{\langle t\rangle})",
        ("scratch.char_rnn.sample", "scratch.char_rnn.get_sample", "scratch.char_rnn.print_sample"),
        ("torch_ref.char_rnn.next_char_probabilities",),
        (f"{T_CR}::test_sample_parity", f"{T_CC}::test_sample_course_values"),
        torch_ops=("torch.softmax",),
        note="The draw is NumPy's on both sides (np.random.seed(counter + seed), then "
             "np.random.choice; seed and counter both advance, so the seed moves by 2 a "
             "character): torch_ref only gives the probabilities.",
        marks=("np.random.seed(counter + seed)",
               "idx = np.random.choice(range(vocab_size), p=y.ravel())")),
    Formula(
        "c5.char_rnn_model", "c5w1c", _SEC, "Training on the names, smoothed loss",
        "X = [None] + indices(name);  Y = X[1:] + [\"\\n\"]\n"
        "name j = examples[j mod len(examples)] (shuffled once, seed 0); a_prev carried over\n"
        "loss := 0.999 loss + 0.001 L,  from −log(1/27) · 7",
        r"\mathcal{L}_{smooth} := 0.999\,\mathcal{L}_{smooth} + 0.001\,\mathcal{L}",
        ("scratch.char_rnn.model", "scratch.char_rnn.smooth", "scratch.char_rnn.get_initial_loss",
         "scratch.char_rnn.load_dinos", "scratch.char_rnn.build_example"),
        ("torch_ref.char_rnn.train_step",),
        (f"{T_CR}::test_consecutive_steps_parity", f"{T_CC}::test_dinosaurus_island_trace",
         "parity_tests/test_char_rnn_engine.py::test_lockstep_parity",
         "parity_tests/test_char_rnn_engine.py::test_engine_numpy_side_reproduces_the_published_trace",
         "parity_tests/test_char_rnn_sonnets.py::test_lockstep_on_the_sonnets"),
        torch_ops=("torch.optim.SGD",),
        note="The course's model loops itself; the torch twin is a single step, run over "
             "the same names by the engine. The printed loss (every 1000 iterations) "
             "matches the published trace to six decimals through iteration 13000.",
        marks=("return loss * 0.999 + cur_loss * 0.001", "idx = j % len(examples)",
               "Y = X[1:] + [char_to_ix[\"\\n\"]]")),
)

ENTRIES: tuple[Formula, ...] = CHAR_RNN_ENTRIES

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ("scratch.char_rnn",)
