"""Course 5, week 3, assignment 1: neural machine translation with attention, the attention
step ``one_step_attention`` forward and backward by hand.

Shapes (batch first, as the course's Keras model): a (m, T_x, 2 n_a) the hidden states of the
pre-attention Bi-LSTM; s_prev (m, n_s) the post-attention LSTM's previous state.

The course builds it from shared Keras layers (RepeatVector, Concatenate, Dense(10, tanh),
Dense(1, relu), a softmax over axis 1, Dot(axes=1)):

    s_prev repeated T_x times         (m, T_x, n_s)
    concat = [a ; s_prev]             (m, T_x, 2 n_a + n_s)
    e = tanh(concat W1 + b1)          (m, T_x, n_e)       densor1, n_e = 10 in the course
    energies = relu(e W2 + b2)        (m, T_x, 1)         densor2
    alphas = softmax over t' of energies   (m, T_x, 1)    sum over the T_x steps is 1
    context = sum_t' alphas<t'> a<t'>  (m, 1, 2 n_a)      Dot(axes=1)

Parameters (Keras kernels: x W): W1 (2 n_a + n_s, n_e), b1 (n_e,), W2 (n_e, 1), b2 (1,).
The course keeps them in its global densor1 and densor2 (shared by every output step); here
they are the function's third argument, ``parameters``, the one change to its signature.

Backward, given d_context = dL/d(context) (m, 1, 2 n_a) (no 1/m: a plain vector-Jacobian
product; the weights' gradients sum over the examples and the T_x steps):

    da = alphas d_context                     (context = alphas^T a, the direct path)
    d_alphas = a d_context^T                  (m, T_x, 1)
    d_energies = alphas (d_alphas - sum_t' alphas d_alphas)       (softmax over T_x)
    dz2 = d_energies 1[z2 > 0];  dW2 = sum e^T dz2;  db2 = sum dz2;  de = dz2 W2^T
    dz1 = de (1 - e^2);  dW1 = sum concat^T dz1;  db1 = sum dz1;  d_concat = dz1 W1^T
    da += d_concat[..., :2 n_a];   ds_prev = sum over t' of d_concat[..., 2 n_a:]  (the repeat)

ReLU'(0) = 0 (PyTorch's convention). When every energy of an example is 0 (all z2 <= 0),
its alphas are uniform, 1 / T_x.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_c5 import check_one_step_attention, check_one_step_attention_backward

#: the course's densor1 width, Dense(10, activation="tanh")
N_E = 10
KEYS = ("W1", "b1", "W2", "b2")


def softmax(x, axis=1):
    """softmax along ``axis`` (the course's custom softmax(x, axis=1): over the T_x steps),
    shifted by the max along it."""
    e = np.exp(x - np.max(x, axis=axis, keepdims=True))
    return e / np.sum(e, axis=axis, keepdims=True)


@checked(check_one_step_attention)
def one_step_attention(a, s_prev, parameters):
    """One step of attention: the context vector, the alphas-weighted sum of the a<t'>.

    Args:
        a: (m, T_x, 2 n_a).  s_prev: (m, n_s).
        parameters: {"W1": (2 n_a + n_s, n_e), "b1": (n_e,), "W2": (n_e, 1), "b2": (1,)}.
    Returns:
        (context, cache): context (m, 1, 2 n_a); cache = (a, concat, e, z2, alphas,
        parameters); the attention weights are cache[4] (m, T_x, 1).
    """
    T_x = a.shape[1]
    # repeator: s_prev to (m, T_x, n_s), one copy per step of a
    s_prev = np.repeat(s_prev[:, np.newaxis, :], T_x, axis=1)
    # concatenator: a and s_prev on the last axis
    concat = np.concatenate([a, s_prev], axis=-1)
    # densor1: the "intermediate energies" e
    e = np.tanh(np.matmul(concat, parameters["W1"]) + parameters["b1"])
    # densor2: the energies
    z2 = np.matmul(e, parameters["W2"]) + parameters["b2"]
    energies = np.maximum(0, z2)
    # activator: the attention weights, a softmax over the T_x steps
    alphas = softmax(energies, axis=1)
    # dotor: the context, sum over t' of alphas<t'> a<t'>
    context = np.matmul(np.swapaxes(alphas, 1, 2), a)
    return context, (a, concat, e, z2, alphas, parameters)


@checked(check_one_step_attention_backward)
def one_step_attention_backward(d_context, cache):
    """Backward through :func:`one_step_attention`, last line first (see the module doc).

    Args:
        d_context: dL/d(context), (m, 1, 2 n_a).
        cache: from :func:`one_step_attention`.
    Returns:
        (da, ds_prev, grads): da (m, T_x, 2 n_a), ds_prev (m, n_s), grads {"dW1", "db1",
        "dW2", "db2"} shaped like the parameters.
    """
    a, concat, e, z2, alphas, parameters = cache
    two_n_a = a.shape[-1]
    # context = alphas^T a
    da = np.matmul(alphas, d_context)
    d_alphas = np.matmul(a, np.swapaxes(d_context, 1, 2))
    # alphas = softmax over the T_x steps (axis 1)
    d_energies = alphas * (d_alphas - np.sum(alphas * d_alphas, axis=1, keepdims=True))
    # energies = relu(z2), z2 = e W2 + b2
    dz2 = d_energies * (z2 > 0)
    dW2 = np.matmul(e.reshape(-1, e.shape[-1]).T, dz2.reshape(-1, 1))
    db2 = np.sum(dz2, axis=(0, 1))
    de = np.matmul(dz2, parameters["W2"].T)
    # e = tanh(z1), z1 = concat W1 + b1
    dz1 = de * (1 - e ** 2)
    dW1 = np.matmul(concat.reshape(-1, concat.shape[-1]).T, dz1.reshape(-1, dz1.shape[-1]))
    db1 = np.sum(dz1, axis=(0, 1))
    d_concat = np.matmul(dz1, parameters["W1"].T)
    # concat = [a ; repeated s_prev]: a's part adds to da, s_prev's copies add up
    da = da + d_concat[..., :two_n_a]
    ds_prev = np.sum(d_concat[..., two_n_a:], axis=1)
    return da, ds_prev, {"dW1": dW1, "db1": db1, "dW2": dW2, "db2": db2}
