"""Input checks of :mod:`scratch.batch_norm` (course 2, week 3: batch normalization).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given, and returns the arguments to use (Z, X as float arrays).
"""
from __future__ import annotations

import numpy as np

from ._validate import _describe, as_matrix, check_same_shape, check_X
from ._validate_multiclass import check_one_hot_columns

OUTPUTS = ("sigmoid", "softmax")


def _check_bn(Z, gamma, beta, epsilon, training=True, running=None):
    Z = as_matrix("Z", Z)
    if not np.issubdtype(Z.dtype, np.floating):
        Z = Z.astype(np.float64)
    n, m = Z.shape
    for name, a in (("gamma", gamma), ("beta", beta)):
        if np.shape(a) != (n, 1):
            raise ValueError(f"{name}: expected shape ({n}, 1) to match Z {Z.shape} "
                             f"(one per unit), got {_describe(a)}")
    if not (isinstance(epsilon, (float, int, np.floating)) and epsilon > 0):
        raise ValueError(f"epsilon: expected a number > 0, got {epsilon!r}")
    if training and m < 2:
        raise ValueError(f"batch norm in training mode needs a batch of at least 2 examples: "
                         f"the variance of one example is 0, so z_norm would be 0/sqrt(epsilon); "
                         f"got Z {Z.shape} (m = {m}). Use test mode (running statistics) for "
                         f"one example")
    if running is not None:
        _check_running(*running, n)
    return Z


def _check_running(running_mean, running_var, n):
    for name, a in (("running_mean", running_mean), ("running_var", running_var)):
        if np.shape(a) != (n, 1):
            raise ValueError(f"{name}: expected shape ({n}, 1), got {_describe(a)}")
    if np.any(np.asarray(running_var) < 0):
        raise ValueError("running_var: expected values >= 0 (a variance), got a negative one")


def _check_running_update(running_mean, running_var, cache, beta):
    _check_beta(beta)
    if not isinstance(cache, tuple) or len(cache) != 8:
        raise ValueError(f"cache: expected the 8-tuple from batchnorm_forward, got "
                         f"{type(cache).__name__}")
    _check_running(running_mean, running_var, cache[0].shape[0])


def _check_beta(beta):
    if not (isinstance(beta, (float, int, np.floating)) and 0 <= beta < 1):
        raise ValueError(f"beta: expected the averaging weight in [0, 1), got {beta!r}")


def _check_backward(dZ_tilde, cache):
    if not isinstance(cache, tuple) or len(cache) != 8:
        raise ValueError(f"cache: expected the 8-tuple from batchnorm_forward, got "
                         f"{type(cache).__name__}")
    check_same_shape("dZ_tilde", dZ_tilde, "Z_norm (cache)", cache[0])
    return np.asarray(dZ_tilde)


def _check_net(parameters):
    """L from the dict {"W1", "gamma1", "beta1", "running_mean1", "running_var1", ..., "WL", "bL"}."""
    if not isinstance(parameters, dict):
        raise ValueError(f"parameters: expected a dict, got {type(parameters).__name__}")
    L = max((int(k[1:]) for k in parameters if k[:1] == "W" and k[1:].isdigit()), default=0)
    if L < 1:
        raise ValueError(f"parameters: expected keys W1, gamma1, beta1, ..., WL, bL; got "
                         f"{sorted(parameters)}")
    n_prev = None
    for l in range(1, L + 1):
        keys = ["W", "b"] if l == L else ["W", "gamma", "beta", "running_mean", "running_var"]
        for k in keys:
            if f"{k}{l}" not in parameters:
                raise ValueError(f"parameters: missing key '{k}{l}' (layer {l} of {L}); got "
                                 f"{sorted(parameters)}")
        W = np.asarray(parameters[f"W{l}"])
        if W.ndim != 2 or (n_prev is not None and W.shape[1] != n_prev):
            raise ValueError(f"parameters: W{l} must be 2-D with {n_prev} columns, got "
                             f"{_describe(W)}")
        for k in keys[1:]:
            if np.shape(parameters[f"{k}{l}"]) != (W.shape[0], 1):
                raise ValueError(f"parameters: {k}{l} must have shape ({W.shape[0]}, 1) to "
                                 f"match W{l} {W.shape}, got {_describe(parameters[f'{k}{l}'])}")
        n_prev = W.shape[0]
    return L


def _check_output(output):
    if output not in OUTPUTS:
        raise ValueError(f"output: expected 'sigmoid' or 'softmax', got {output!r}")


def _check_forward_dropout_bn(X, parameters, training, output, keep_prob, masks):
    L, X = _check_forward_bn(X, parameters, training, output)
    return L, X, _check_dropout_bn(parameters, L, X, training, keep_prob, masks)


def _check_dropout_bn(parameters, L, X, training, keep_prob, masks):
    """None (no dropout), or (keep_prob, [D1, ..., D{L-1}]) as booleans, checked."""
    if isinstance(keep_prob, bool) or not isinstance(keep_prob, (int, float, np.floating)) \
            or not 0 < keep_prob <= 1:
        raise ValueError(f"keep_prob: expected a probability in (0, 1], got {keep_prob!r}")
    if keep_prob == 1 or not training:
        return None
    if not isinstance(masks, dict):
        raise ValueError(f"masks: expected {{'D1': (n[1], m), ...}} with keep_prob "
                         f"{keep_prob} < 1, got {type(masks).__name__}")
    Ds = []
    for l in range(1, L):
        want = (np.shape(parameters[f"W{l}"])[0], X.shape[1])
        if np.shape(masks.get(f"D{l}")) != want:
            raise ValueError(f"masks: expected D{l} of shape {want}, got "
                             f"{'none' if f'D{l}' not in masks else np.shape(masks[f'D{l}'])}")
        Ds.append(np.asarray(masks[f"D{l}"], dtype=bool))
    return keep_prob, Ds


def _check_forward_bn(X, parameters, training, output):
    _check_output(output)
    L = _check_net(parameters)
    X = check_X(X, np.shape(parameters["W1"])[1])
    if training and X.shape[1] < 2:
        raise ValueError(f"batch norm in training mode needs a batch of at least 2 examples "
                         f"(the variance of one example is 0), got X {X.shape}; use "
                         f"training=False for one example")
    return L, X


def _check_cost_bn(AL, Y, output):
    _check_output(output)
    AL, Y = as_matrix("AL", AL), as_matrix("Y", Y)
    check_same_shape("AL", AL, "Y", Y)
    if output == "softmax":
        check_one_hot_columns(Y, AL.shape[0])
    return AL, Y


def _check_backward_bn(AL, Y, caches):
    AL, Y = as_matrix("AL", AL), as_matrix("Y", Y)
    check_same_shape("AL", AL, "Y", Y)
    if not isinstance(caches, list) or not caches:
        raise ValueError(f"caches: expected the list from L_model_forward_bn, got "
                         f"{type(caches).__name__}")
    if any(c[2] is None for c in caches[:-1]):
        raise ValueError("caches: these come from test mode (training=False), which has no "
                         "backward pass; run L_model_forward_bn with training=True")
    return AL, Y


def _check_running_update_bn(parameters, caches, beta):
    _check_beta(beta)
    L = _check_net(parameters)
    if not isinstance(caches, list) or len(caches) != L or any(c[2] is None for c in caches[:-1]):
        raise ValueError("caches: expected the list of a training-mode L_model_forward_bn on "
                         "these parameters")
    return L


def _check_update_bn(parameters, grads, learning_rate):
    """The trained keys W[l], gamma[l], beta[l], W[L], b[L], once grads and alpha are checked."""
    L = _check_net(parameters)
    if not (isinstance(learning_rate, (float, int, np.floating)) and learning_rate > 0):
        raise ValueError(f"learning_rate: expected a number > 0, got {learning_rate!r}")
    trained = [f"W{l}" for l in range(1, L + 1)] + [f"{k}{l}" for l in range(1, L)
                                                    for k in ("gamma", "beta")] + [f"b{L}"]
    if not isinstance(grads, dict):
        raise ValueError(f"grads: expected a dict, got {type(grads).__name__}")
    for key in trained:
        if np.shape(grads.get("d" + key)) != np.shape(parameters[key]):
            raise ValueError(f"grads: expected d{key} of shape {np.shape(parameters[key])}, got "
                             f"{'none' if 'd' + key not in grads else _describe(grads['d' + key])}")
    return trained


# ----------------------------------------------------------------------------- one check per function
def check_batchnorm_forward(Z, gamma, beta, epsilon):
    return _check_bn(Z, gamma, beta, epsilon), gamma, beta, epsilon


def check_batchnorm_backward(dZ_tilde, cache):
    """Either backward form: the forward's 8-tuple cache, dZ_tilde shaped like Z_norm."""
    return _check_backward(dZ_tilde, cache), cache


def check_update_running_stats(running_mean, running_var, cache, beta, unbiased):
    _check_running_update(running_mean, running_var, cache, beta)


def check_batchnorm_forward_test(Z, gamma, beta, running_mean, running_var, epsilon):
    Z = _check_bn(Z, gamma, beta, epsilon, training=False, running=(running_mean, running_var))
    return Z, gamma, beta, running_mean, running_var, epsilon


def check_initialize_parameters_bn(layer_dims, seed):
    dims = list(layer_dims)
    if len(dims) < 2 or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                and n >= 1 for n in dims):
        raise ValueError(f"layer_dims: expected at least two positive integers, got "
                         f"{layer_dims!r}")
    return dims, seed


def check_L_model_forward_bn(X, parameters, training, output, epsilon, *, keep_prob, masks):
    L, X, _ = _check_forward_dropout_bn(X, parameters, training, output, keep_prob, masks)
    return X, parameters, training, output, epsilon


def check_compute_cost_bn(AL, Y, output):
    return (*_check_cost_bn(AL, Y, output), output)


def check_L_model_backward_bn(AL, Y, caches):
    return (*_check_backward_bn(AL, Y, caches), caches)


def check_update_running_stats_bn(parameters, caches, beta, unbiased):
    _check_running_update_bn(parameters, caches, beta)


def check_update_parameters_bn(parameters, grads, learning_rate):
    _check_update_bn(parameters, grads, learning_rate)
