"""Course 2, week 2 with classic mistakes planted on purpose (a learner's module for
`dl-parity check`); parity_tests/test_check.py expects each to be named."""
import numpy as np


def update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    L = len(parameters) // 2
    for l in range(1, L + 1):
        v["dW" + str(l)] = beta * v["dW" + str(l)] + grads['dW' + str(l)]   # mistake: no (1 - beta)
        v["db" + str(l)] = beta * v["db" + str(l)] + grads['db' + str(l)]
        parameters["W" + str(l)] = parameters["W" + str(l)] - learning_rate * v["dW" + str(l)]
        parameters["b" + str(l)] = parameters["b" + str(l)] - learning_rate * v["db" + str(l)]
    return parameters, v


def update_parameters_with_adam(parameters, grads, v, s, t, learning_rate=0.01,
                                beta1=0.9, beta2=0.999, epsilon=1e-8):
    L = len(parameters) // 2
    v_corrected, s_corrected = {}, {}
    for l in range(1, L + 1):
        for p in ("W", "b"):
            d = "d" + p + str(l)
            v[d] = beta2 * v[d] + (1 - beta2) * grads[d]             # mistake: beta1 <-> beta2
            v_corrected[d] = v[d] / (1 - np.power(beta2, t))
            s[d] = beta1 * s[d] + (1 - beta1) * np.power(grads[d], 2)
            s_corrected[d] = s[d] / (1 - np.power(beta1, t))
            parameters[p + str(l)] = parameters[p + str(l)] \
                - learning_rate * v_corrected[d] / (np.sqrt(s_corrected[d]) + epsilon)
    return parameters, v, s, v_corrected, s_corrected


def schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval=1000):
    return learning_rate0 / (1 + decay_rate * epoch_num / time_interval)   # mistake: no floor


def random_mini_batches(X, Y, mini_batch_size=64, seed=0):
    np.random.seed(seed)
    m = X.shape[1]
    permutation = list(np.random.permutation(m))
    shuffled_X = X[:, permutation]
    shuffled_Y = Y[:, permutation].reshape((1, m))
    mini_batches = []
    for k in range(m // mini_batch_size):                          # mistake: the last batch is lost
        mini_batches.append((shuffled_X[:, k * mini_batch_size:(k + 1) * mini_batch_size],
                             shuffled_Y[:, k * mini_batch_size:(k + 1) * mini_batch_size]))
    return mini_batches


def initialize_adam(parameters):
    L = len(parameters) // 2
    v, s = {}, {}
    for l in range(1, L + 1):
        v["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
        v["db" + str(l)] = np.zeros(parameters["b" + str(l)].shape)
        s["dW" + str(l)] = np.zeros(parameters["W" + str(l)].shape)
    return v, s                                                    # mistake: s has no db entries
