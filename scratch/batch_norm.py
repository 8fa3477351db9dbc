"""Course 2, week 3: batch normalization (lectures only; the course grades no NumPy code).

Layout, the course's: Z (n[l], m), one column per example; gamma, beta (n[l], 1).

Training mode, over the m examples of the mini-batch (row by row):
    mu      = (1/m) sum_i z(i)
    sigma^2 = (1/m) sum_i (z(i) - mu)^2                  (the BIASED variance, 1/m)
    z_norm  = (z - mu) / sqrt(sigma^2 + epsilon)
    z_tilde = gamma z_norm + beta
Backward (for an upstream gradient dz_tilde = dJ/dz_tilde):
    dbeta  = sum_i dz_tilde(i);   dgamma = sum_i dz_tilde(i) z_norm(i)
    dz     = (gamma / (m sqrt(sigma^2 + epsilon))) (m dz_tilde - dbeta - z_norm dgamma)
Test mode: mu and sigma^2 are replaced by exponentially weighted averages over the
training mini-batches (week 2's EWA, with the course's beta):
    running_mean = beta running_mean + (1 - beta) mu
    running_var  = beta running_var  + (1 - beta) sigma^2
    z_tilde      = gamma (z - running_mean) / sqrt(running_var + epsilon) + beta

Two conventions differ in PyTorch's ``nn.BatchNorm1d`` (both mapped, never hidden):
- its ``momentum`` is the weight of the NEW batch statistic: momentum = 1 - beta
  (PyTorch's default 0.1 is the course's beta = 0.9);
- it normalises with the biased variance (as here) but stores the UNBIASED one,
  m/(m-1) sigma^2, in ``running_var``. :func:`update_running_stats` keeps the course's
  biased variance by default and PyTorch's with ``unbiased=True``.
Both sides start from running_mean = 0 and running_var = 1 (PyTorch's initial values;
the lectures leave the start open).

The network (LINEAR without bias -> BN -> RELU) x (L-1) -> LINEAR -> SIGMOID (or softmax):
b[l] is dropped in the BN layers (beta[l] replaces it: a bias would be subtracted right
back by the mean). Its parameter dict:
    {"W1": (n[1], n[0]), "gamma1": (n[1], 1), "beta1": (n[1], 1),
     "running_mean1": (n[1], 1), "running_var1": (n[1], 1), ..., "WL", "bL"}
The running statistics are not trained (no gradient): they travel in the same dict so that
one dict is the whole model. Gradients here are the TRUE derivatives of the mean cost,
as this course's week-2 code writes them: dZ[L] = (1/m)(A[L] - Y), dW[l] = dZ[l] A[l-1]^T
(no further 1/m), which is what autograd of a mean-reduced loss gives.
"""
from __future__ import annotations

import numpy as np

from ._validate import _describe, as_matrix, check_same_shape, check_X
from .activations import sigmoid_value
from .cost import cross_entropy
from ._validate_multiclass import check_one_hot_columns
from .multiclass import compute_cost_multiclass, softmax

OUTPUTS = ("sigmoid", "softmax")


# ----------------------------------------------------------------------------- checks
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


# ----------------------------------------------------------------------------- one layer
def batchnorm_forward(Z, gamma, beta, epsilon=1e-5):
    """Batch norm in training mode, with the mini-batch's own mean and (biased) variance.

    mu = (1/m) sum_i z(i);  sigma^2 = (1/m) sum_i (z(i) - mu)^2;
    z_norm = (z - mu) / sqrt(sigma^2 + epsilon);  z_tilde = gamma z_norm + beta.

    Args:
        Z: (n, m), m >= 2.  gamma, beta: (n, 1).  epsilon: > 0 (PyTorch's default 1e-5).
    Returns:
        (Z_tilde (n, m), cache); cache = (Z_norm, gamma, Zmu, ivar, sqrtvar, mu, sigma2,
        epsilon): every intermediate the step-by-step backward reverses, and mu, sigma2
        (n, 1) for the running statistics.
    """
    Z = _check_bn(Z, gamma, beta, epsilon)
    return _batchnorm_forward(Z, gamma, beta, epsilon)


def _batchnorm_forward(Z, gamma, beta, epsilon):
    m = Z.shape[1]
    mu = 1 / m * np.sum(Z, axis=1, keepdims=True)             # step 1: mean
    Zmu = Z - mu                                               # step 2: centre
    sq = Zmu ** 2                                              # step 3: square
    sigma2 = 1 / m * np.sum(sq, axis=1, keepdims=True)         # step 4: biased variance
    sqrtvar = np.sqrt(sigma2 + epsilon)                        # step 5: standard deviation
    ivar = 1 / sqrtvar                                         # step 6: its inverse
    Z_norm = Zmu * ivar                                        # step 7: normalise
    Z_tilde = gamma * Z_norm + beta                            # step 8: scale and shift
    cache = (Z_norm, gamma, Zmu, ivar, sqrtvar, mu, sigma2, epsilon)
    return Z_tilde, cache


def _check_backward(dZ_tilde, cache):
    if not isinstance(cache, tuple) or len(cache) != 8:
        raise ValueError(f"cache: expected the 8-tuple from batchnorm_forward, got "
                         f"{type(cache).__name__}")
    check_same_shape("dZ_tilde", dZ_tilde, "Z_norm (cache)", cache[0])
    return np.asarray(dZ_tilde)


def batchnorm_backward(dZ_tilde, cache):
    """Backward pass of :func:`batchnorm_forward`, step by step (each step reverses one
    forward line, last first, as CS231n's ``batchnorm_backward``).

    Args:
        dZ_tilde: dJ/dZ_tilde, (n, m).  cache: from :func:`batchnorm_forward`.
    Returns:
        (dZ (n, m), dgamma (n, 1), dbeta (n, 1)).
    """
    dZ_tilde = _check_backward(dZ_tilde, cache)
    Z_norm, gamma, Zmu, ivar, sqrtvar, mu, sigma2, epsilon = cache
    m = Z_norm.shape[1]

    # step 8: Z_tilde = gamma * Z_norm + beta
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ_norm = dZ_tilde * gamma
    # step 7: Z_norm = Zmu * ivar
    divar = np.sum(dZ_norm * Zmu, axis=1, keepdims=True)
    dZmu1 = dZ_norm * ivar
    # step 6: ivar = 1 / sqrtvar
    dsqrtvar = -1 / sqrtvar ** 2 * divar
    # step 5: sqrtvar = np.sqrt(sigma2 + epsilon)
    dsigma2 = 0.5 / np.sqrt(sigma2 + epsilon) * dsqrtvar
    # step 4: sigma2 = 1 / m * np.sum(sq, axis=1, keepdims=True)
    dsq = 1 / m * np.ones_like(Zmu) * dsigma2
    # step 3: sq = Zmu ** 2
    dZmu2 = 2 * Zmu * dsq
    # step 2: Zmu = Z - mu   (Zmu depends on Z directly and through mu)
    dZ1 = dZmu1 + dZmu2
    dmu = -np.sum(dZmu1 + dZmu2, axis=1, keepdims=True)
    # step 1: mu = 1 / m * np.sum(Z, axis=1, keepdims=True)
    dZ2 = 1 / m * np.ones_like(Zmu) * dmu
    dZ = dZ1 + dZ2
    return dZ, dgamma, dbeta


def batchnorm_backward_compact(dZ_tilde, cache):
    """The same gradients as :func:`batchnorm_backward`, simplified on paper:

    dbeta = sum_i dz_tilde(i);  dgamma = sum_i dz_tilde(i) z_norm(i)
    dz = (gamma / (m sqrt(sigma^2 + epsilon))) (m dz_tilde - dbeta - z_norm dgamma)

    (the mean's and the variance's paths fold into the two sums). Same args and returns.
    """
    dZ_tilde = _check_backward(dZ_tilde, cache)
    return _batchnorm_backward_compact(dZ_tilde, cache)


def _batchnorm_backward_compact(dZ_tilde, cache):
    Z_norm, gamma, Zmu, ivar, sqrtvar, mu, sigma2, epsilon = cache
    m = Z_norm.shape[1]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ = gamma * ivar / m * (m * dZ_tilde - dbeta - Z_norm * dgamma)
    return dZ, dgamma, dbeta


def update_running_stats(running_mean, running_var, cache, beta=0.9, unbiased=False):
    """The exponentially weighted averages used at test time (week 2's EWA, weight beta).

    running_mean = beta running_mean + (1 - beta) mu
    running_var  = beta running_var  + (1 - beta) sigma^2          (unbiased=False: the course)
    running_var  = beta running_var  + (1 - beta) m/(m-1) sigma^2  (unbiased=True: PyTorch's)

    ``nn.BatchNorm1d(momentum=1 - beta)`` computes the ``unbiased=True`` form.

    Args:
        running_mean, running_var: (n, 1) (start: zeros and ones).
        cache: from :func:`batchnorm_forward` (its mu, sigma2 and m).
        beta: in [0, 1).  unbiased: which variance to average (see above).
    Returns:
        (running_mean, running_var), new arrays (n, 1).
    """
    _check_running_update(running_mean, running_var, cache, beta)
    return _update_running_stats(running_mean, running_var, cache, beta, unbiased)


def _update_running_stats(running_mean, running_var, cache, beta, unbiased):
    Z_norm, gamma, Zmu, ivar, sqrtvar, mu, sigma2, epsilon = cache
    m = Z_norm.shape[1]
    batch_var = m / (m - 1) * sigma2 if unbiased else sigma2
    running_mean = beta * running_mean + (1 - beta) * mu
    running_var = beta * running_var + (1 - beta) * batch_var
    return running_mean, running_var


def batchnorm_forward_test(Z, gamma, beta, running_mean, running_var, epsilon=1e-5):
    """Batch norm in test mode: the running statistics instead of the batch's.

    z_tilde = gamma (z - running_mean) / sqrt(running_var + epsilon) + beta

    Any m >= 1 (one example is fine: nothing is estimated from the batch).
    Args: Z (n, m); gamma, beta, running_mean, running_var (n, 1); epsilon > 0.
    Returns: Z_tilde (n, m).
    """
    Z = _check_bn(Z, gamma, beta, epsilon, training=False, running=(running_mean, running_var))
    return _batchnorm_forward_test(Z, gamma, beta, running_mean, running_var, epsilon)


def _batchnorm_forward_test(Z, gamma, beta, running_mean, running_var, epsilon):
    Z_norm = (Z - running_mean) / np.sqrt(running_var + epsilon)
    return gamma * Z_norm + beta


# ----------------------------------------------------------------------------- the network
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


def initialize_parameters_bn(layer_dims, seed=3):
    """``np.random.seed(seed)``; W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]) for l = 1..L
    (He, drawn in that order); gamma[l] = 1, beta[l] = 0, running_mean[l] = 0,
    running_var[l] = 1 for the BN layers l < L; b[L] = 0.

    Returns the network's dict (see the module doc).
    """
    dims = list(layer_dims)
    if len(dims) < 2 or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                and n >= 1 for n in dims):
        raise ValueError(f"layer_dims: expected at least two positive integers, got "
                         f"{layer_dims!r}")
    np.random.seed(seed)
    L = len(dims) - 1
    parameters = {}
    for l in range(1, L + 1):
        parameters[f"W{l}"] = np.random.randn(dims[l], dims[l - 1]) * np.sqrt(2 / dims[l - 1])
        if l < L:
            parameters[f"gamma{l}"] = np.ones((dims[l], 1))
            parameters[f"beta{l}"] = np.zeros((dims[l], 1))
            parameters[f"running_mean{l}"] = np.zeros((dims[l], 1))
            parameters[f"running_var{l}"] = np.ones((dims[l], 1))
        else:
            parameters[f"b{l}"] = np.zeros((dims[l], 1))
    return parameters


def L_model_forward_bn(X, parameters, training=True, output="sigmoid", epsilon=1e-5, *,
                       keep_prob=1.0, masks=None):
    """(LINEAR (no bias) -> BN -> RELU [-> DROPOUT]) x (L-1) -> LINEAR -> SIGMOID (or softmax).

    For l < L:  Z[l] = W[l] A[l-1];  Z_tilde[l] = BN(Z[l]) (batch statistics when
                training, the running ones otherwise);  A[l] = relu(Z_tilde[l])
                with dropout (training, keep_prob < 1): A[l] = A[l] * D[l] / keep_prob,
                D[l] = masks["D{l}"] (n[l], m), the week-1 inverted dropout
    Layer L:    Z[L] = W[L] A[L-1] + b[L];  A[L] = sigmoid(Z[L]) (or softmax, by column)

    Args:
        X: (n_x, m) (m >= 2 when training).  parameters: the network's dict.
        training: True for the batch's statistics, False for test mode.
        output: "sigmoid" or "softmax".  epsilon: BN's epsilon.
        keep_prob, masks: keyword-only, dropout after each hidden ReLU in training mode:
            keep_prob in (0, 1] and masks {"D1": (n[1], m), ..., "D{L-1}"} (bool or 0/1,
            drawn by the caller); keep_prob 1 (the default): no dropout, masks unused.
    Returns:
        (AL (n[L], m), caches): caches[l-1] = (A_prev, W, bn_cache, Z_tilde) for l < L
        (bn_cache None in test mode; with dropout, (A_prev, W, bn_cache, Z_tilde, D[l],
        keep_prob)) and (A_prev, W, b, Z[L]) for layer L.
    """
    L, X, dropout = _check_forward_dropout_bn(X, parameters, training, output, keep_prob, masks)
    return _L_model_forward_bn(X, parameters, L, training, output, epsilon, dropout)


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


def _L_model_forward_bn(X, parameters, L, training, output, epsilon, dropout=None):
    caches = []
    A = X
    for l in range(1, L):
        W = parameters[f"W{l}"]
        gamma, beta = parameters[f"gamma{l}"], parameters[f"beta{l}"]
        Z = np.dot(W, A)
        if training:
            Z_tilde, bn_cache = _batchnorm_forward(Z, gamma, beta, epsilon)
        else:
            Z_tilde, bn_cache = _batchnorm_forward_test(
                Z, gamma, beta, parameters[f"running_mean{l}"], parameters[f"running_var{l}"],
                epsilon), None
        A_prev = A
        A = np.maximum(0, Z_tilde)
        if dropout is None:
            caches.append((A_prev, W, bn_cache, Z_tilde))
            continue
        keep_prob, D = dropout[0], dropout[1][l - 1]
        A = A * D
        A = A / keep_prob
        caches.append((A_prev, W, bn_cache, Z_tilde, D, keep_prob))
    W, b = parameters[f"W{L}"], parameters[f"b{L}"]
    ZL = np.dot(W, A) + b
    AL = softmax.unchecked(ZL)[0] if output == "softmax" else sigmoid_value(ZL)
    caches.append((A, W, b, ZL))
    return AL, caches


def compute_cost_bn(AL, Y, output="sigmoid"):
    """J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)) (sigmoid) or -(1/m) sum(Y log AL)
    (softmax, Y one-hot (C, m)); logs clamped at -100. Returns a 0-d ndarray."""
    AL, Y = _check_cost_bn(AL, Y, output)
    if output == "softmax":
        return compute_cost_multiclass.unchecked(AL, Y)
    return cross_entropy(AL, Y)


def _check_cost_bn(AL, Y, output):
    _check_output(output)
    AL, Y = as_matrix("AL", AL), as_matrix("Y", Y)
    check_same_shape("AL", AL, "Y", Y)
    if output == "softmax":
        check_one_hot_columns(Y, AL.shape[0])
    return AL, Y


def L_model_backward_bn(AL, Y, caches):
    """Backward pass of :func:`L_model_forward_bn` (training mode), true derivatives of J.

    dZ[L] = (1/m)(A[L] - Y)   (sigmoid with cross-entropy, or softmax with one-hot Y)
    dW[L] = dZ[L] A[L-1]^T;  db[L] = sum(dZ[L], axis=1);  dA[L-1] = W[L]^T dZ[L]
    for l = L-1..1:
        (dropout: dA[l] = dA[l] * D[l] / keep_prob, the forward's mask)
        dZ_tilde[l] = dA[l] * 1(Z_tilde[l] > 0)
        dZ[l], dgamma[l], dbeta[l] = batchnorm_backward(dZ_tilde[l], bn_cache[l])
        dW[l] = dZ[l] A[l-1]^T;  dA[l-1] = W[l]^T dZ[l]

    Args:
        AL, Y: (n[L], m).  caches: from :func:`L_model_forward_bn` with training=True.
    Returns:
        grads {"dW1", "dgamma1", "dbeta1", "dA0", ..., "dWL", "dbL"}.
    """
    AL, Y = _check_backward_bn(AL, Y, caches)
    return _L_model_backward_bn(AL, Y, caches)


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


def _L_model_backward_bn(AL, Y, caches):
    grads = {}
    L = len(caches)
    m = AL.shape[1]
    A_prev, W, b, ZL = caches[L - 1]
    dZ = 1 / m * (AL - Y)
    grads[f"dW{L}"] = np.dot(dZ, A_prev.T)
    grads[f"db{L}"] = np.sum(dZ, axis=1, keepdims=True)
    grads[f"dA{L - 1}"] = np.dot(W.T, dZ)
    for l in reversed(range(1, L)):
        A_prev, W, bn_cache, Z_tilde = caches[l - 1][:4]
        dA = grads[f"dA{l}"]
        if len(caches[l - 1]) > 4:                # dropout: the forward's mask and scale
            D, keep_prob = caches[l - 1][4:]
            dA = dA * D
            dA = dA / keep_prob
        dZ_tilde = dA * (Z_tilde > 0)
        dZ, grads[f"dgamma{l}"], grads[f"dbeta{l}"] = _batchnorm_backward_compact(dZ_tilde,
                                                                                  bn_cache)
        grads[f"dW{l}"] = np.dot(dZ, A_prev.T)
        grads[f"dA{l - 1}"] = np.dot(W.T, dZ)
    return grads


def update_running_stats_bn(parameters, caches, beta=0.9, unbiased=False):
    """:func:`update_running_stats` for every BN layer, from a training forward's caches.

    Returns a new dict (the other entries shared, unchanged).
    """
    L = _check_running_update_bn(parameters, caches, beta)
    new = dict(parameters)
    for l in range(1, L):
        new[f"running_mean{l}"], new[f"running_var{l}"] = _update_running_stats(
            parameters[f"running_mean{l}"], parameters[f"running_var{l}"], caches[l - 1][2],
            beta, unbiased)
    return new


def _check_running_update_bn(parameters, caches, beta):
    _check_beta(beta)
    L = _check_net(parameters)
    if not isinstance(caches, list) or len(caches) != L or any(c[2] is None for c in caches[:-1]):
        raise ValueError("caches: expected the list of a training-mode L_model_forward_bn on "
                         "these parameters")
    return L


def update_parameters_bn(parameters, grads, learning_rate):
    """Gradient descent on every trained entry: p := p - alpha dp for p in W[l], gamma[l],
    beta[l] (l < L), W[L], b[L]. The running statistics have no gradient and are copied.

    Returns a new dict.
    """
    trained = _check_update_bn(parameters, grads, learning_rate)
    new = dict(parameters)
    for key in trained:
        new[key] = parameters[key] - learning_rate * grads["d" + key]
    return new


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
