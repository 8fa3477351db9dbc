"""Course 1, week 4 with classic mistakes planted on purpose (a learner's module for
`dl-parity check`): each function below but `linear_forward`, `relu` and `sigmoid` has one,
named in its comment. parity_tests/test_check.py expects `dl-parity check` to name each."""
import numpy as np


def sigmoid(Z):
    return 1 / (1 + np.exp(-Z)), Z


def relu(Z):
    return np.maximum(0, Z), Z


def relu_backward(dA, cache):
    Z = cache
    dZ = np.array(dA, copy=True)
    dZ[dA <= 0] = 0                        # mistake: the mask is read off dA, not Z
    return dZ


def sigmoid_backward(dA, cache):
    s = 1 / (1 + np.exp(-cache))
    return dA * s * (1 - s)


def linear_forward(A, W, b):
    return np.dot(W, A) + b, (A, W, b)


def linear_backward(dZ, cache):
    A_prev, W, b = cache
    dW = np.dot(dZ, A_prev.T)              # mistake: the 1/m is missing
    db = np.sum(dZ, axis=1, keepdims=True)
    dA_prev = np.dot(W.T, dZ)
    return dA_prev, dW, db


def linear_activation_backward(dA, cache, activation):
    linear_cache, activation_cache = cache
    dZ = dA                                # mistake: no activation derivative
    A_prev, W, b = linear_cache
    m = A_prev.shape[1]
    return np.dot(W.T, dZ), np.dot(dZ, A_prev.T) / m, np.sum(dZ, axis=1, keepdims=True) / m


def L_model_backward(AL, Y, caches):
    grads = {}
    L = len(caches)
    Y = Y.reshape(AL.shape)
    dAL = - (np.divide(Y, AL) - np.divide(1 - Y, 1 - AL))
    dZ = sigmoid_backward(dAL, caches[L - 1][1])
    A_prev, W, b = caches[L - 1][0]
    m = A_prev.shape[1]
    grads["dA" + str(L - 1)] = np.dot(W.T, dZ)
    grads["dW" + str(L)] = np.dot(dZ, A_prev.T) / m
    grads["db" + str(L)] = np.sum(dZ, axis=1, keepdims=True) / m
    for l in reversed(range(1, L - 1)):     # mistake: stops before layer 1 (range(L - 1))
        (A_prev, W, b), Z = caches[l]
        dZ = np.array(grads["dA" + str(l + 1)], copy=True)
        dZ[Z <= 0] = 0
        m = A_prev.shape[1]
        grads["dA" + str(l)] = np.dot(W.T, dZ)
        grads["dW" + str(l + 1)] = np.dot(dZ, A_prev.T) / m
        grads["db" + str(l + 1)] = np.sum(dZ, axis=1, keepdims=True) / m
    return grads


def update_parameters(params, grads, learning_rate):
    L = len(params) // 2
    for l in range(L):                      # mistake: climbs the gradient, and in place
        params["W" + str(l + 1)] += learning_rate * grads["dW" + str(l + 1)]
        params["b" + str(l + 1)] += learning_rate * grads["db" + str(l + 1)]
    return params


def compute_cost(AL, Y):
    m = Y.shape[1]
    return np.squeeze(-np.sum(Y * np.log(AL) + (1 - Y) * np.log(1 - AL)))   # mistake: no 1/m


def L_model_forward(X, parameters):
    caches = []
    A = X
    L = len(parameters) // 2
    for l in range(1, L):
        Z = np.dot(parameters["W" + str(l)], A) + parameters["b" + str(l)]
        caches.append(((A, parameters["W" + str(l)], parameters["b" + str(l)]), Z))
        A = np.maximum(0, Z)
    Z = np.dot(parameters["W" + str(L)], A) + parameters["b" + str(L)]
    AL = 1 / (1 + np.exp(-Z))
    return AL, caches                       # mistake: the output layer's cache is missing
