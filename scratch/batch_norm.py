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

from ._validate import checked
from ._validate_batch_norm import (  # noqa: F401  (OUTPUTS: re-exported)
    OUTPUTS,
    check_batchnorm_backward,
    check_batchnorm_forward,
    check_batchnorm_forward_test,
    check_compute_cost_bn,
    check_initialize_parameters_bn,
    check_L_model_backward_bn,
    check_L_model_forward_bn,
    check_update_parameters_bn,
    check_update_running_stats,
    check_update_running_stats_bn,
)
from .activations import sigmoid_value
from .cost import cross_entropy
from .multiclass import compute_cost_multiclass, softmax


# ----------------------------------------------------------------------------- one layer
@checked(check_batchnorm_forward)
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


@checked(check_batchnorm_backward)
def batchnorm_backward(dZ_tilde, cache):
    """Backward pass of :func:`batchnorm_forward`, step by step (each step reverses one
    forward line, last first, as CS231n's ``batchnorm_backward``).

    Args:
        dZ_tilde: dJ/dZ_tilde, (n, m).  cache: from :func:`batchnorm_forward`.
    Returns:
        (dZ (n, m), dgamma (n, 1), dbeta (n, 1)).
    """
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


@checked(check_batchnorm_backward)
def batchnorm_backward_compact(dZ_tilde, cache):
    """The same gradients as :func:`batchnorm_backward`, simplified on paper:

    dbeta = sum_i dz_tilde(i);  dgamma = sum_i dz_tilde(i) z_norm(i)
    dz = (gamma / (m sqrt(sigma^2 + epsilon))) (m dz_tilde - dbeta - z_norm dgamma)

    (the mean's and the variance's paths fold into the two sums). Same args and returns.
    """
    Z_norm, gamma, Zmu, ivar, sqrtvar, mu, sigma2, epsilon = cache
    m = Z_norm.shape[1]
    dbeta = np.sum(dZ_tilde, axis=1, keepdims=True)
    dgamma = np.sum(dZ_tilde * Z_norm, axis=1, keepdims=True)
    dZ = gamma * ivar / m * (m * dZ_tilde - dbeta - Z_norm * dgamma)
    return dZ, dgamma, dbeta


@checked(check_update_running_stats)
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
    Z_norm, gamma, Zmu, ivar, sqrtvar, mu, sigma2, epsilon = cache
    m = Z_norm.shape[1]
    batch_var = m / (m - 1) * sigma2 if unbiased else sigma2
    running_mean = beta * running_mean + (1 - beta) * mu
    running_var = beta * running_var + (1 - beta) * batch_var
    return running_mean, running_var


@checked(check_batchnorm_forward_test)
def batchnorm_forward_test(Z, gamma, beta, running_mean, running_var, epsilon=1e-5):
    """Batch norm in test mode: the running statistics instead of the batch's.

    z_tilde = gamma (z - running_mean) / sqrt(running_var + epsilon) + beta

    Any m >= 1 (one example is fine: nothing is estimated from the batch).
    Args: Z (n, m); gamma, beta, running_mean, running_var (n, 1); epsilon > 0.
    Returns: Z_tilde (n, m).
    """
    Z_norm = (Z - running_mean) / np.sqrt(running_var + epsilon)
    return gamma * Z_norm + beta


# ----------------------------------------------------------------------------- the network
@checked(check_initialize_parameters_bn)
def initialize_parameters_bn(layer_dims, seed=3):
    """``np.random.seed(seed)``; W[l] = randn(n[l], n[l-1]) * sqrt(2 / n[l-1]) for l = 1..L
    (He, drawn in that order); gamma[l] = 1, beta[l] = 0, running_mean[l] = 0,
    running_var[l] = 1 for the BN layers l < L; b[L] = 0.

    Returns the network's dict (see the module doc).
    """
    dims = layer_dims
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


@checked(check_L_model_forward_bn)
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
    L = len([k for k in parameters if k.startswith("W")])  # W1, ..., WL
    dropout = None if keep_prob == 1 or not training else (
        keep_prob, [np.asarray(masks[f"D{l}"], dtype=bool) for l in range(1, L)])
    caches = []
    A = X
    for l in range(1, L):
        W = parameters[f"W{l}"]
        gamma, beta = parameters[f"gamma{l}"], parameters[f"beta{l}"]
        Z = np.dot(W, A)
        if training:
            Z_tilde, bn_cache = batchnorm_forward.unchecked(Z, gamma, beta, epsilon)
        else:
            Z_tilde, bn_cache = batchnorm_forward_test.unchecked(
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


@checked(check_compute_cost_bn)
def compute_cost_bn(AL, Y, output="sigmoid"):
    """J = -(1/m) sum(Y log AL + (1 - Y) log(1 - AL)) (sigmoid) or -(1/m) sum(Y log AL)
    (softmax, Y one-hot (C, m)); logs clamped at -100. Returns a 0-d ndarray."""
    if output == "softmax":
        return compute_cost_multiclass.unchecked(AL, Y)
    return cross_entropy(AL, Y)


@checked(check_L_model_backward_bn)
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
        dZ, grads[f"dgamma{l}"], grads[f"dbeta{l}"] = batchnorm_backward_compact.unchecked(
            dZ_tilde, bn_cache)
        grads[f"dW{l}"] = np.dot(dZ, A_prev.T)
        grads[f"dA{l - 1}"] = np.dot(W.T, dZ)
    return grads


@checked(check_update_running_stats_bn)
def update_running_stats_bn(parameters, caches, beta=0.9, unbiased=False):
    """:func:`update_running_stats` for every BN layer, from a training forward's caches.

    Returns a new dict (the other entries shared, unchanged).
    """
    L = len(caches)
    new = dict(parameters)
    for l in range(1, L):
        new[f"running_mean{l}"], new[f"running_var{l}"] = update_running_stats.unchecked(
            parameters[f"running_mean{l}"], parameters[f"running_var{l}"], caches[l - 1][2],
            beta, unbiased)
    return new


@checked(check_update_parameters_bn)
def update_parameters_bn(parameters, grads, learning_rate):
    """Gradient descent on every trained entry: p := p - alpha dp for p in W[l], gamma[l],
    beta[l] (l < L), W[L], b[L]. The running statistics have no gradient and are copied.

    Returns a new dict.
    """
    L = len([k for k in parameters if k.startswith("W")])  # W1, ..., WL
    trained = [f"W{l}" for l in range(1, L + 1)] + [f"{k}{l}" for l in range(1, L)
                                                    for k in ("gamma", "beta")] + [f"b{L}"]
    new = dict(parameters)
    for key in trained:
        new[key] = parameters[key] - learning_rate * grads["d" + key]
    return new


