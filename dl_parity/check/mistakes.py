"""The classic mistakes: what learners get wrong in the course's functions, each as a way to
compute the reference's output WITH that mistake.

Each :class:`Mistake` names the function it breaks (a scratch function), the formula of the
catalog it breaks (``dl-parity show <formula>``), its family (a factor of m, a transposed
matrix, ...), what the mistaken code computes, and how to apply it to the reference:
``mistake.apply()`` returns the reference function with the mistake in it, built by wrapping
the reference (changing what goes in, or what comes out) or from the module's own public
building blocks. Nothing here reads a learner's source or patches scratch's internals, so the
catalog keeps working when scratch's bodies are refactored.

Two users:

- ``dl-parity check`` computes, for a learner's function that disagrees with the reference,
  each of its mistakes' outputs on the same inputs; a mistake whose outputs the learner's
  reproduce (and which raises where the learner's raises) is the diagnosis.
- ``dl-parity mutants`` puts each mistake into a copy of scratch (the mistaken function in
  place of the reference) and runs the parity tests: every one must be caught.

``mistakes_for(formula_id)`` gives the mistakes of one catalog formula (the study page shows
them beside it); ``mistakes_of(function)`` those of one scratch function.
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Callable

import numpy as np

# ----------------------------------------------------------------------------- families
FACTOR_M = "a factor of m or 1/m"
TRANSPOSE = "a transposed matrix"
SIGN = "a flipped sign"
DERIVATIVE = "a missing or wrong activation derivative"
AXIS = "a sum over the wrong axis or without keepdims"
LOOP = "an off-by-one loop"
BETAS = "beta1 and beta2 swapped"
ADAM = "a missing bias correction or epsilon"
INDEX = "a stride or padding index error"
GATE = "a gate in the wrong place"
OTHER = "a missing or misplaced term"

KINDS = (FACTOR_M, TRANSPOSE, SIGN, DERIVATIVE, AXIS, LOOP, BETAS, ADAM, INDEX, GATE, OTHER)


@dataclass(frozen=True)
class Mistake:
    key: str          # "<function>.<mistake>", stable: "linear_backward.no_1_over_m"
    function: str     # the scratch function it breaks: "scratch.deep_nn.linear_backward"
    formula: str      # the catalog id of the formula it breaks: "w4.linear_backward"
    kind: str         # its family (KINDS)
    title: str        # what went wrong, in words: "the 1/m is missing"
    wrote: str        # what the mistaken code computes: "dW = dZ A_prev^T;  db = sum(dZ)"
    make: Callable    # make(reference, module) -> the reference with the mistake in it

    @property
    def module(self) -> str:
        return self.function.rsplit(".", 1)[0]

    @property
    def name(self) -> str:
        return self.function.rsplit(".", 1)[1]

    def apply(self, reference: Callable | None = None) -> Callable:
        """The reference function (scratch's, unless given) with this mistake applied."""
        module = importlib.import_module(self.module)
        if reference is None:
            reference = getattr(module, self.name)
        wrong = self.make(reference, module)
        wrong.__name__ = wrong.__qualname__ = self.name
        wrong.__doc__ = f"{self.name} with a classic mistake: {self.title} ({self.wrote})"
        wrong.mistake = self
        return wrong


MISTAKES: list[Mistake] = []


def mistake(function: str, formula: str, kind: str, title: str, wrote: str):
    """Register ``make(reference, module)`` as a mistake of ``function``."""
    def register(make):
        key = f"{function.rsplit('.', 1)[1]}.{make.__name__}"
        if any(m.key == key for m in MISTAKES):
            raise ValueError(f"two mistakes with the key {key!r}")
        MISTAKES.append(Mistake(key, function, formula, kind, title, wrote, make))
        return make
    return register


def mistakes_for(formula_id: str) -> list[Mistake]:
    """The catalogued mistakes that break the catalog formula ``formula_id``."""
    return [m for m in MISTAKES if m.formula == formula_id]


def mistakes_of(function: str) -> list[Mistake]:
    """The catalogued mistakes of one scratch function (a dotted path)."""
    return [m for m in MISTAKES if m.function == function]


def by_key() -> dict[str, Mistake]:
    return {m.key: m for m in MISTAKES}


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _softmax(z, axis):
    e = np.exp(z - np.max(z, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


def _layers(parameters) -> int:
    return len([k for k in parameters if k.startswith("W")])


# ============================================================================ course 1
@mistake("scratch.activations.sigmoid_backward", "act.sigmoid", DERIVATIVE,
         "multiplies by sigma(Z) instead of its derivative", "dZ = dA * sigma(Z)")
def sigma_not_derivative(ref, mod):
    def f(dA, cache):
        ref(dA, cache)                    # the reference's checks
        return dA * _sigmoid(np.asarray(cache))
    return f


@mistake("scratch.activations.relu_backward", "act.relu", DERIVATIVE,
         "reads the ReLU mask off dA instead of Z", "dZ = dA; dZ[dA <= 0] = 0")
def mask_from_dA(ref, mod):
    def f(dA, cache):
        ref(dA, cache)
        return ref(dA, np.asarray(dA))
    return f


@mistake("scratch.logistic_regression.propagate", "w2.gradients", FACTOR_M,
         "the 1/m is missing from the gradients", "dw = X dZ^T;  db = sum(dZ)")
def propagate_no_1_over_m(ref, mod):
    def f(w, b, X, Y):
        grads, cost = ref(w, b, X, Y)
        m = np.shape(X)[1]
        return {"dw": grads["dw"] * m, "db": grads["db"] * m}, cost
    return f


@mistake("scratch.logistic_regression.propagate", "w2.cost", SIGN,
         "the cost's minus sign is missing", "cost = (1/m) sum(Y log A + (1 - Y) log(1 - A))")
def propagate_cost_sign(ref, mod):
    def f(w, b, X, Y):
        grads, cost = ref(w, b, X, Y)
        return grads, -cost
    return f


@mistake("scratch.logistic_regression.optimize", "w2.training", SIGN,
         "the update climbs the gradient", "w := w + alpha dw;  b := b + alpha db")
def optimize_ascent(ref, mod):
    def f(w, b, X, Y, num_iterations=100, learning_rate=0.009, print_cost=False):
        return ref(w, b, X, Y, num_iterations, -learning_rate, print_cost)
    return f


@mistake("scratch.shallow_nn.compute_cost", "w3.cost", OTHER,
         "the (1 - Y) log(1 - A2) term is missing", "J = -(1/m) sum(Y log A2)")
def cost_half_log_likelihood(ref, mod):
    def f(A2, Y):
        ref(A2, Y)
        A2, Y = np.asarray(A2), np.asarray(Y)
        return float(-np.sum(Y * np.log(A2)) / A2.shape[1])
    return f


@mistake("scratch.shallow_nn.backward_propagation", "w3.backward", DERIVATIVE,
         "tanh'(Z1) written 1 - A1 instead of 1 - A1^2", "dZ1 = W2^T dZ2 * (1 - A1)")
def tanh_derivative_not_squared(ref, mod):
    def f(parameters, cache, X, Y):
        grads = dict(ref(parameters, cache, X, Y))
        X, Y = np.asarray(X), np.asarray(Y)
        m = X.shape[1]
        dZ2 = cache["A2"] - Y
        dZ1 = np.dot(parameters["W2"].T, dZ2) * (1 - cache["A1"])
        grads["dW1"] = np.dot(dZ1, X.T) / m
        grads["db1"] = np.sum(dZ1, axis=1, keepdims=True) / m
        return grads
    return f


@mistake("scratch.shallow_nn.backward_propagation", "w3.backward", FACTOR_M,
         "the 1/m is missing", "dW = dZ A^T;  db = sum(dZ)")
def shallow_no_1_over_m(ref, mod):
    def f(parameters, cache, X, Y):
        grads = ref(parameters, cache, X, Y)
        m = np.shape(X)[1]
        return {k: v * m for k, v in grads.items()}
    return f


@mistake("scratch.deep_nn.linear_forward", "w4.linear_forward", OTHER,
         "the bias is not added", "Z = W A")
def forgot_bias(ref, mod):
    def f(A, W, b):
        ref(A, W, b)
        Z, _ = ref(A, W, np.zeros_like(np.asarray(b)))
        return Z, (A, W, b)
    return f


@mistake("scratch.deep_nn.linear_backward", "w4.linear_backward", FACTOR_M,
         "the 1/m is missing", "dW = dZ A_prev^T;  db = sum(dZ, axis=1)")
def no_1_over_m(ref, mod):
    def f(dZ, cache):
        dA_prev, dW, db = ref(dZ, cache)
        m = np.shape(cache[0])[1]
        return dA_prev, dW * m, db * m
    return f


@mistake("scratch.deep_nn.linear_backward", "w4.linear_backward", FACTOR_M,
         "divides by m twice (a mean, then 1/m again)", "dW = (1/m^2) dZ A_prev^T")
def twice_1_over_m(ref, mod):
    def f(dZ, cache):
        dA_prev, dW, db = ref(dZ, cache)
        m = np.shape(cache[0])[1]
        return dA_prev, dW / m, db / m
    return f


@mistake("scratch.deep_nn.linear_backward", "w4.linear_backward", TRANSPOSE,
         "W is not transposed in dA_prev", "dA_prev = W dZ")
def W_not_transposed(ref, mod):
    def f(dZ, cache):
        A_prev, W, b = cache
        _, dW, db = ref(dZ, cache)
        dA_prev, _, _ = ref(dZ, (A_prev, np.asarray(W).T, b))
        return dA_prev, dW, db
    return f


@mistake("scratch.deep_nn.linear_backward", "w4.linear_backward", TRANSPOSE,
         "dW comes out transposed", "dW = (1/m) A_prev dZ^T")
def dW_transposed(ref, mod):
    def f(dZ, cache):
        dA_prev, dW, db = ref(dZ, cache)
        return dA_prev, dW.T, db
    return f


@mistake("scratch.deep_nn.linear_backward", "w4.linear_backward", AXIS,
         "db sums over the examples' axis 0 instead of axis 1",
         "db = (1/m) sum(dZ, axis=0, keepdims=True)")
def db_wrong_axis(ref, mod):
    def f(dZ, cache):
        dA_prev, dW, _ = ref(dZ, cache)
        m = np.shape(cache[0])[1]
        return dA_prev, dW, np.sum(dZ, axis=0, keepdims=True) / m
    return f


@mistake("scratch.deep_nn.linear_backward", "w4.linear_backward", AXIS,
         "db loses its column shape (keepdims forgotten)", "db = (1/m) sum(dZ, axis=1)")
def db_no_keepdims(ref, mod):
    def f(dZ, cache):
        dA_prev, dW, db = ref(dZ, cache)
        return dA_prev, dW, db.reshape(-1)
    return f


@mistake("scratch.deep_nn.linear_activation_backward", "w4.activation_backward", DERIVATIVE,
         "the activation's derivative is missing", "dZ = dA")
def no_activation_derivative(ref, mod):
    def f(dA, cache, activation):
        ref(dA, cache, activation)
        return mod.linear_backward(dA, cache[0])
    return f


@mistake("scratch.deep_nn.linear_activation_backward", "w4.activation_backward", DERIVATIVE,
         "uses the other activation's derivative (ReLU' for sigmoid and sigmoid' for ReLU)",
         "dZ = sigmoid_backward(dA, Z) in a ReLU layer (and the reverse)")
def swapped_derivatives(ref, mod):
    other = {"relu": "sigmoid", "sigmoid": "relu", "tanh": "sigmoid", "leaky_relu": "sigmoid"}

    def f(dA, cache, activation):
        ref(dA, cache, activation)
        linear_cache, Z = cache
        if isinstance(Z, tuple):                  # leaky ReLU caches (Z, slope)
            Z = Z[0]
        return ref(dA, (linear_cache, Z), other.get(activation, activation))
    return f


@mistake("scratch.deep_nn.L_model_forward", "w4.L_model_forward", LOOP,
         "the output layer's cache is not appended", "caches = the L-1 hidden layers' only")
def output_cache_missing(ref, mod):
    def f(X, parameters, hidden_activation="relu"):
        AL, caches = ref(X, parameters, hidden_activation)
        return AL, caches[:-1]
    return f


@mistake("scratch.deep_nn.L_model_forward", "w4.L_model_forward", OTHER,
         "the hidden layers use sigmoid instead of ReLU", "A[l] = sigma(Z[l]) for l < L")
def hidden_sigmoid(ref, mod):
    def f(X, parameters, hidden_activation="relu"):
        ref(X, parameters, hidden_activation)
        return ref(X, parameters, "sigmoid" if hidden_activation != "sigmoid" else "relu")
    return f


@mistake("scratch.deep_nn.compute_cost", "w4.cost", FACTOR_M,
         "the 1/m is missing (a sum, not a mean)", "J = -sum(Y log AL + (1 - Y) log(1 - AL))")
def cost_no_1_over_m(ref, mod):
    def f(AL, Y):
        return ref(AL, Y) * np.shape(AL)[1]
    return f


@mistake("scratch.deep_nn.compute_cost", "w4.cost", SIGN,
         "the minus sign is missing", "J = (1/m) sum(Y log AL + (1 - Y) log(1 - AL))")
def cost_sign(ref, mod):
    def f(AL, Y):
        return -ref(AL, Y)
    return f


@mistake("scratch.deep_nn.L_model_backward", "w4.L_model_backward", SIGN,
         "dAL has the wrong sign", "dAL = Y / AL - (1 - Y) / (1 - AL)")
def dAL_sign(ref, mod):
    def f(AL, Y, caches, hidden_activation="relu"):
        grads = ref(AL, Y, caches, hidden_activation)
        return {k: -v for k, v in grads.items()}
    return f


@mistake("scratch.deep_nn.L_model_backward", "w4.L_model_backward", LOOP,
         "the layer loop stops one layer early (layer 1 is never reached)",
         "for l in reversed(range(1, L - 1)): ...  (no dA0, dW1, db1)")
def loop_misses_layer_1(ref, mod):
    def f(AL, Y, caches, hidden_activation="relu"):
        grads = ref(AL, Y, caches, hidden_activation)
        if len(caches) == 1:          # no hidden layer: the loop has nothing to miss
            return grads
        return {k: v for k, v in grads.items() if k not in ("dA0", "dW1", "db1")}
    return f


@mistake("scratch.deep_nn.L_model_backward", "w4.L_model_backward", DERIVATIVE,
         "the hidden layers' activation derivative is missing",
         "dZ[l] = dA[l] for l < L (linear_backward without relu_backward)")
def hidden_derivative_missing(ref, mod):
    def f(AL, Y, caches, hidden_activation="relu"):
        ref(AL, Y, caches, hidden_activation)
        AL, Y = np.asarray(AL), np.asarray(Y).reshape(np.shape(AL))
        L = len(caches)
        grads = {}
        dAL = -(Y / AL - (1 - Y) / (1 - AL))
        grads[f"dA{L - 1}"], grads[f"dW{L}"], grads[f"db{L}"] = \
            mod.linear_activation_backward(dAL, caches[L - 1], "sigmoid")
        for l in reversed(range(1, L)):
            grads[f"dA{l - 1}"], grads[f"dW{l}"], grads[f"db{l}"] = \
                mod.linear_backward(grads[f"dA{l}"], caches[l - 1][0])
        return grads
    return f


@mistake("scratch.deep_nn.update_parameters", "w4.update", SIGN,
         "the update climbs the gradient", "W[l] := W[l] + alpha dW[l]")
def update_ascent(ref, mod):
    def f(params, grads, learning_rate):
        return ref(params, {k: -v for k, v in grads.items()}, learning_rate)
    return f


@mistake("scratch.deep_nn.update_parameters", "w4.update", LOOP,
         "the biases are not updated", "b[l] := b[l]")
def biases_not_updated(ref, mod):
    def f(params, grads, learning_rate):
        new = dict(ref(params, grads, learning_rate))
        for k in new:
            if k.startswith("b"):
                new[k] = np.array(params[k], copy=True)
        return new
    return f


# ============================================================================ course 2
@mistake("scratch.initialization.initialize_parameters_he", "c2.init_he", FACTOR_M,
         "scales by sqrt(1 / n[l-1]) (Xavier) instead of He's sqrt(2 / n[l-1])",
         "W[l] = randn(n[l], n[l-1]) * sqrt(1 / n[l-1])")
def xavier_not_he(ref, mod):
    def f(layers_dims):
        return {k: v / np.sqrt(2) if k.startswith("W") else v
                for k, v in ref(layers_dims).items()}
    return f


@mistake("scratch.regularization.compute_cost_with_regularization", "c2.l2_cost", FACTOR_M,
         "the L2 term is lambd / m instead of lambd / (2 m)",
         "J + (lambd / m) (sum W1^2 + sum W2^2 + sum W3^2)")
def l2_cost_not_halved(ref, mod):
    def f(A3, Y, parameters, lambd):
        return ref(A3, Y, parameters, 2 * lambd)
    return f


@mistake("scratch.regularization.backward_propagation_with_regularization", "c2.l2_backward",
         FACTOR_M, "the L2 gradient is (lambd / 2m) W instead of (lambd / m) W",
         "dW[l] = (1/m) dZ[l] A[l-1]^T + (lambd / (2 m)) W[l]")
def l2_gradient_halved(ref, mod):
    def f(X, Y, cache, lambd):
        return ref(X, Y, cache, lambd / 2)
    return f


@mistake("scratch.regularization.forward_propagation_with_dropout", "c2.dropout_forward", OTHER,
         "dropout is not inverted: the kept activations are not divided by keep_prob",
         "A1 = A1 * D1  (no / keep_prob)")
def dropout_not_inverted(ref, mod):
    def f(X, parameters, keep_prob=0.5, *, masks=None):
        _, cache = ref(X, parameters, keep_prob, masks=masks)
        return ref(X, parameters, 1.0, masks={"D1": cache[1], "D2": cache[6]})
    return f


@mistake("scratch.regularization.backward_propagation_with_dropout", "c2.dropout_backward", OTHER,
         "the backward pass does not divide by keep_prob", "dA1 = dA1 * D1  (no / keep_prob)")
def dropout_backward_not_scaled(ref, mod):
    def f(X, Y, cache, keep_prob):
        ref(X, Y, cache, keep_prob)
        return ref(X, Y, cache, 1.0)
    return f


@mistake("scratch.optimization.update_parameters_with_gd", "c2w2.gd", SIGN,
         "the update climbs the gradient", "W[l] := W[l] + alpha dW[l]")
def gd_ascent(ref, mod):
    def f(parameters, grads, learning_rate):
        return ref(parameters, {k: -v for k, v in grads.items()}, learning_rate)
    return f


@mistake("scratch.optimization.random_mini_batches", "c2w2.mini_batches", LOOP,
         "the last, smaller mini-batch is dropped", "only the floor(m / size) complete batches")
def last_batch_dropped(ref, mod):
    def f(X, Y, mini_batch_size=64, seed=0):
        batches = ref(X, Y, mini_batch_size, seed)
        return batches[:-1] if np.shape(X)[1] % mini_batch_size else batches
    return f


@mistake("scratch.optimization.update_parameters_with_momentum", "c2w2.momentum", OTHER,
         "the (1 - beta) factor is missing", "v = beta v + dW")
def momentum_no_1_minus_beta(ref, mod):
    def f(parameters, grads, v, beta, learning_rate):
        return ref(parameters, {k: g / (1 - beta) for k, g in grads.items()}, v, beta,
                   learning_rate)
    return f


@mistake("scratch.optimization.update_parameters_with_adam", "c2w2.adam", BETAS,
         "beta1 and beta2 are swapped", "v = beta2 v + (1 - beta2) dW;  s = beta1 s + ...")
def betas_swapped(ref, mod):
    def f(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
          epsilon=1e-8):
        return ref(parameters, grads, v, s, t, learning_rate, beta2, beta1, epsilon)
    return f


@mistake("scratch.optimization.update_parameters_with_adam", "c2w2.adam", ADAM,
         "the bias correction is missing", "v_corrected = v;  s_corrected = s")
def no_bias_correction(ref, mod):
    def f(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
          epsilon=1e-8):
        # beta^t underflows to exactly 0 at t = 10^6: the correction divides by exactly 1
        return ref(parameters, grads, v, s, 10 ** 6, learning_rate, beta1, beta2, epsilon)
    return f


def _adam_update(ref, denominator):
    def f(parameters, grads, v, s, t, learning_rate=0.01, beta1=0.9, beta2=0.999,
          epsilon=1e-8):
        new, v2, s2, v_c, s_c = ref(parameters, grads, v, s, t, learning_rate, beta1, beta2,
                                    epsilon)
        new = dict(new)
        for key in new:
            d = "d" + key
            new[key] = parameters[key] - learning_rate * v_c[d] / denominator(s_c[d], epsilon)
        return new, v2, s2, v_c, s_c
    return f


@mistake("scratch.optimization.update_parameters_with_adam", "c2w2.adam", ADAM,
         "epsilon is missing", "W := W - alpha v_corrected / sqrt(s_corrected)")
def no_epsilon(ref, mod):
    return _adam_update(ref, lambda s_c, eps: np.sqrt(s_c))


@mistake("scratch.optimization.update_parameters_with_adam", "c2w2.adam", ADAM,
         "epsilon is inside the square root", "W := W - alpha v_corrected / sqrt(s_corrected + epsilon)")
def epsilon_inside_sqrt(ref, mod):
    return _adam_update(ref, lambda s_c, eps: np.sqrt(s_c + eps))


@mistake("scratch.optimization.schedule_lr_decay", "c2w2.lr_decay", OTHER,
         "the floor is missing: the rate decays every epoch, not every time_interval",
         "alpha0 / (1 + decay_rate * epoch_num / time_interval)")
def no_floor(ref, mod):
    def f(learning_rate0, epoch_num, decay_rate, time_interval=1000):
        ref(learning_rate0, epoch_num, decay_rate, time_interval)
        return ref(learning_rate0, epoch_num, decay_rate / time_interval, 1)
    return f


# ============================================================================ course 4
@mistake("scratch.conv.zero_pad", "c4.zero_pad", INDEX,
         "pads every axis (the examples and the channels too)", "np.pad(X, pad)")
def pads_every_axis(ref, mod):
    def f(X, pad):
        ref(X, pad)
        return np.pad(np.asarray(X), pad, mode="constant", constant_values=0)
    return f


@mistake("scratch.conv.conv_forward", "c4.conv_forward", INDEX,
         "the window's corner ignores the stride", "vert_start = h;  horiz_start = w")
def stride_ignored(ref, mod):
    def f(A_prev, W, b, hparameters):
        Z, cache = ref(A_prev, W, b, hparameters)
        Z1, _ = ref(A_prev, W, b, dict(hparameters, stride=1))
        return Z1[:, :Z.shape[1], :Z.shape[2], :], cache
    return f


@mistake("scratch.conv.conv_forward", "c4.conv_forward", TRANSPOSE,
         "the filter is flipped (a convolution, where the course cross-correlates)",
         "Z = sum(a_slice * W[::-1, ::-1]) + b")
def filter_flipped(ref, mod):
    def f(A_prev, W, b, hparameters):
        _, cache = ref(A_prev, W, b, hparameters)
        Z, _ = ref(A_prev, np.asarray(W)[::-1, ::-1], b, hparameters)
        return Z, cache
    return f


@mistake("scratch.conv.conv_backward", "c4.conv_backward", INDEX,
         "the padding is not cut off dA_prev", "dA_prev[i] = da_prev_pad")
def padding_not_removed(ref, mod):
    def f(dZ, cache):
        A_prev, W, b, hparameters = cache
        _, dW, db = ref(dZ, cache)
        padded = mod.zero_pad(A_prev, hparameters["pad"])
        dA_pad, _, _ = ref(dZ, (padded, W, b, dict(hparameters, pad=0)))
        return dA_pad, dW, db
    return f


@mistake("scratch.conv.pool_backward", "c4.pool_backward_max", OTHER,
         "max pooling's mask is missing: the whole window gets the gradient",
         "dA_prev[window] += dA[i, h, w, c]")
def max_pool_no_mask(ref, mod):
    def f(dA, cache, mode="max"):
        if mode != "max":
            return ref(dA, cache, mode)
        f_ = cache[1]["f"]
        return ref(dA, cache, "average") * (f_ * f_)
    return f


@mistake("scratch.conv.pool_backward", "c4.pool_backward_average", FACTOR_M,
         "average pooling's gradient is not divided by f * f",
         "dA_prev[window] += dA[i, h, w, c]  (no / (f f))")
def average_pool_not_divided(ref, mod):
    def f(dA, cache, mode="max"):
        if mode != "average":
            return ref(dA, cache, mode)
        f_ = cache[1]["f"]
        return ref(dA, cache, mode) * (f_ * f_)
    return f


# ============================================================================ course 5
@mistake("scratch.rnn.rnn_cell_forward", "c5.rnn_cell", AXIS,
         "the softmax runs over the examples (axis 1) instead of the classes (axis 0)",
         "yt_pred = softmax(Wya a_next + by, axis=1)")
def softmax_wrong_axis(ref, mod):
    def f(xt, a_prev, parameters):
        a_next, _, cache = ref(xt, a_prev, parameters)
        z = np.dot(parameters["Wya"], a_next) + parameters["by"]
        return a_next, _softmax(z, axis=1), cache
    return f


@mistake("scratch.rnn.rnn_cell_backward", "c5.rnn_cell_backward", DERIVATIVE,
         "tanh' is taken at a_prev instead of a_next", "dtanh = (1 - a_prev^2) * da_next")
def tanh_derivative_at_a_prev(ref, mod):
    def f(da_next, cache):
        ref(da_next, cache)
        a_next, a_prev, xt, parameters = cache
        return ref(da_next, (a_prev, a_prev, xt, parameters))
    return f


@mistake("scratch.rnn.rnn_backward", "c5.rnn_backward", OTHER,
         "the gradient through time is dropped (da_prev is not added to da<t>)",
         "g = rnn_cell_backward(da<t>, cache<t>)")
def no_gradient_through_time(ref, mod):
    def f(da, caches):
        out = ref(da, caches)
        da = np.asarray(da)
        total = {k: np.zeros_like(out[k]) for k in ("dWax", "dWaa", "dba")}
        dx = np.zeros_like(out["dx"])
        da_prev = None
        for t in reversed(range(da.shape[2])):
            g = mod.rnn_cell_backward(da[:, :, t], caches[0][t])
            dx[:, :, t] = g["dxt"]
            da_prev = g["da_prev"]
            for k in total:
                total[k] += g[k]
        return {"dx": dx, "da0": da_prev, **total}
    return f


@mistake("scratch.rnn.lstm_cell_forward", "c5.lstm_cell", GATE,
         "the forget and update gates are swapped", "c_next = it * c_prev + ft * cct")
def forget_update_swapped(ref, mod):
    def f(xt, a_prev, c_prev, parameters):
        ref(xt, a_prev, c_prev, parameters)
        swapped = dict(parameters, Wf=parameters["Wi"], bf=parameters["bi"],
                       Wi=parameters["Wf"], bi=parameters["bf"])
        a_next, c_next, yt, cache = ref(xt, a_prev, c_prev, swapped)
        (a, c, ap, cp, it, ft, cct, ot, x, _) = cache     # ref's ft is sigma(Wi ...): it
        return a_next, c_next, yt, (a, c, ap, cp, ft, it, cct, ot, x, parameters)
    return f


@mistake("scratch.rnn.lstm_cell_backward", "c5.lstm_cell_backward", GATE,
         "dc_prev goes through the update gate instead of the forget gate",
         "dc_prev = dc * it")
def dc_prev_wrong_gate(ref, mod):
    def f(da_next, dc_next, cache):
        g = dict(ref(da_next, dc_next, cache))
        ft, it = cache[4], cache[5]
        g["dc_prev"] = g["dc_prev"] / ft * it
        return g
    return f


@mistake("scratch.char_rnn.clip", "c5.clip", OTHER,
         "np.clip without out=: nothing is clipped", "np.clip(gradient, -maxValue, maxValue)")
def clip_without_out(ref, mod):
    def f(gradients, maxValue):
        ref(gradients, maxValue)
        return {k: np.array(gradients[k], copy=True) for k in ("dWaa", "dWax", "dWya", "db", "dby")}
    return f


@mistake("scratch.attention.get_angles", "c5.positional_encoding", OTHER,
         "the exponent uses k instead of 2 (k // 2)", "angle = pos / 10000^(2 k / d)")
def angles_without_floor(ref, mod):
    def f(pos, k, d):
        ref(pos, k, d)
        return ref(pos, 2 * np.asarray(k), d)
    return f


@mistake("scratch.attention.create_padding_mask", "c5.masks", SIGN,
         "the padding mask is inverted (1 at the padding)", "mask = (seq == 0)")
def padding_mask_inverted(ref, mod):
    def f(decoder_token_ids, dtype=np.float32):
        return 1 - ref(decoder_token_ids, dtype)
    return f


@mistake("scratch.attention.create_look_ahead_mask", "c5.masks", TRANSPOSE,
         "the look-ahead mask is the upper triangle (attends to the future)",
         "mask[i, j] = 1 if j >= i")
def look_ahead_transposed(ref, mod):
    def f(sequence_length, dtype=np.float32):
        return np.swapaxes(ref(sequence_length, dtype), -1, -2)
    return f


@mistake("scratch.attention.scaled_dot_product_attention", "c5.attention", FACTOR_M,
         "the scores are divided by d_k instead of sqrt(d_k)", "softmax(Q K^T / d_k + ...)")
def scaled_by_dk(ref, mod):
    def f(q, k, v, mask):
        ref(q, k, v, mask)
        dk = np.shape(k)[-1]
        return ref(np.asarray(q) / np.sqrt(dk), k, v, mask)
    return f


@mistake("scratch.attention.scaled_dot_product_attention", "c5.attention", SIGN,
         "the mask is applied the wrong way round (masks what should be attended)",
         "softmax(Q K^T / sqrt(d_k) + mask * -1e9)")
def mask_inverted(ref, mod):
    def f(q, k, v, mask):
        if mask is None:
            return ref(q, k, v, mask)
        return ref(q, k, v, 1 - np.asarray(mask))
    return f
