"""Course 5 with classic mistakes planted on purpose (a learner's module for
`dl-parity check`); parity_tests/test_check.py expects each to be named."""
import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def softmax(x):
    e_x = np.exp(x - np.max(x))
    return e_x / e_x.sum(axis=0)


def lstm_cell_forward(xt, a_prev, c_prev, parameters):
    concat = np.concatenate((a_prev, xt), axis=0)
    ft = sigmoid(np.dot(parameters["Wf"], concat) + parameters["bf"])
    it = sigmoid(np.dot(parameters["Wi"], concat) + parameters["bi"])
    cct = np.tanh(np.dot(parameters["Wc"], concat) + parameters["bc"])
    c_next = it * c_prev + ft * cct                     # mistake: the two gates swapped
    ot = sigmoid(np.dot(parameters["Wo"], concat) + parameters["bo"])
    a_next = ot * np.tanh(c_next)
    yt_pred = softmax(np.dot(parameters["Wy"], a_next) + parameters["by"])
    cache = (a_next, c_next, a_prev, c_prev, ft, it, cct, ot, xt, parameters)
    return a_next, c_next, yt_pred, cache


def rnn_cell_backward(da_next, cache):
    (a_next, a_prev, xt, parameters) = cache
    dtanh = (1 - a_prev ** 2) * da_next                 # mistake: tanh' at a_prev
    return {"dxt": np.dot(parameters["Wax"].T, dtanh), "da_prev": np.dot(parameters["Waa"].T, dtanh),
            "dWax": np.dot(dtanh, xt.T), "dWaa": np.dot(dtanh, a_prev.T),
            "dba": np.sum(dtanh, axis=1, keepdims=True)}


def scaled_dot_product_attention(q, k, v, mask):
    logits = np.matmul(q, np.swapaxes(k, -1, -2)) / k.shape[-1]     # mistake: d_k, not sqrt(d_k)
    if mask is not None:
        logits += (1. - mask) * -1e9
    e = np.exp(logits - np.max(logits, axis=-1, keepdims=True))
    weights = e / np.sum(e, axis=-1, keepdims=True)
    return np.matmul(weights, v), weights


def create_look_ahead_mask(sequence_length):
    return np.triu(np.ones((1, sequence_length, sequence_length)))  # mistake: the upper triangle


def clip(gradients, maxValue):
    for gradient in gradients.values():
        np.clip(gradient, -maxValue, maxValue, out=gradient)      # mistake: clips in place
    return gradients
