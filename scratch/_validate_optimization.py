"""Input checks of :mod:`scratch.optimization` (course 2, week 2: optimization methods).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given, before anything is computed (a bad input updates nothing). The updates and
initialisers are checked layer by layer, as the course's functions work: W[l], b[l] and
the matching dW[l], db[l] (and v, s) of the same shapes, with no requirement that the
layers chain (the course's own test cases pass W1 (2, 3) beside W2 (3, 3)).
"""
from __future__ import annotations

import math

import numpy as np

from ._validate import (_describe, as_matrix, check_layers, check_parameters, check_same_shape,
                        check_X, check_XY)


def _check_rate(name, value, *, low=0.0, low_open=True, high=None):
    """A real number in (low, high) / [low, high): the hyperparameters' ranges."""
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok:
        ok = math.isfinite(float(value)) and (value > low if low_open else value >= low)
        ok = ok and (high is None or value < high)
    if not ok:
        lo = f"({low:g}" if low_open else f"[{low:g}"
        hi = f"{high})" if high is not None else "inf)"
        raise ValueError(f"{name}: expected a number in {lo}, {hi}, got {value!r}")


def _check_state(name, state, parameters, L):
    """``state`` (grads, v or s): exactly the keys dW1, db1, ..., dWL, dbL, shaped like W, b."""
    if not isinstance(state, dict):
        raise ValueError(f"{name}: expected a dict with keys dW1, db1, ..., got "
                         f"{type(state).__name__}")
    for l in range(1, L + 1):
        for p in ("W", "b"):
            key = f"d{p}{l}"
            if key not in state:
                raise ValueError(f"{name}: missing key {key!r}; expected dW1, db1, ..., dW{L}, "
                                 f"db{L} to match the parameters, got {sorted(state)}")
            shape = np.shape(parameters[f"{p}{l}"])
            if np.shape(state[key]) != shape:
                raise ValueError(f"{name}: {key} must have the shape of {p}{l} {shape}, got "
                                 f"{_describe(state[key])}")


def _check_update(parameters, grads, learning_rate, v=None, s=None, t=None, **betas):
    """Every input of an update, before anything is computed: the dicts' keys and shapes,
    alpha > 0, each beta in [0, 1), epsilon > 0, Adam's t >= 1. Returns L.

    Layer by layer, as the course's updates work: the layers need not chain (its own test
    case has W1 (2, 3) beside W2 (3, 3))."""
    L = check_layers(parameters)
    _check_state("grads", grads, parameters, L)
    for name, state in (("v", v), ("s", s)):
        if state is not None:
            _check_state(name, state, parameters, L)
    _check_rate("learning_rate", learning_rate)
    for name, value in betas.items():
        if name == "epsilon":
            _check_rate(name, value)
        else:
            _check_rate(name, value, low_open=False, high=1)
    if t is not None:
        _check_t(t)
    return L


def _check_batches(X, Y, mini_batch_size):
    X, Y = check_XY(X, Y, n_y=None)
    if not isinstance(mini_batch_size, (int, np.integer)) or isinstance(mini_batch_size, bool) \
            or mini_batch_size < 1:
        raise ValueError(f"mini_batch_size: expected a positive integer, got {mini_batch_size!r}")
    return X, Y


def _check_t(t):
    if not isinstance(t, (int, np.integer)) or isinstance(t, bool) or t < 1:
        raise ValueError(f"t: expected Adam's step count, an integer >= 1, got {t!r}")


def _check_epoch(epoch_num, decay_rate, learning_rate0, time_interval=1):
    if not isinstance(time_interval, (int, np.integer)) or isinstance(time_interval, bool) \
            or time_interval < 1:
        raise ValueError(f"time_interval: expected a positive integer, got {time_interval!r}")
    _check_rate("learning_rate0", learning_rate0)
    _check_rate("decay_rate", decay_rate, low_open=False)
    if not isinstance(epoch_num, (int, np.integer)) or isinstance(epoch_num, bool) \
            or epoch_num < 0:
        raise ValueError(f"epoch_num: expected an integer >= 0, got {epoch_num!r}")


# ----------------------------------------------------------------------------- one check per function
def check_update_parameters_with_gd(parameters, grads, learning_rate):
    _check_update(parameters, grads, learning_rate)


def check_random_mini_batches(X, Y, mini_batch_size, seed):
    X, Y = _check_batches(X, Y, mini_batch_size)
    return X, Y, mini_batch_size, seed


def check_initialize_velocity(parameters):
    check_layers(parameters)


def check_update_parameters_with_momentum(parameters, grads, v, beta, learning_rate):
    _check_update(parameters, grads, learning_rate, v=v, beta=beta)


def check_initialize_adam(parameters):
    check_layers(parameters)


def check_update_parameters_with_adam(parameters, grads, v, s, t, learning_rate, beta1, beta2,
                                      epsilon):
    _check_update(parameters, grads, learning_rate, v=v, s=s, t=t, beta1=beta1, beta2=beta2,
                  epsilon=epsilon)


def check_update_lr(learning_rate0, epoch_num, decay_rate):
    _check_epoch(epoch_num, decay_rate, learning_rate0)


def check_schedule_lr_decay(learning_rate0, epoch_num, decay_rate, time_interval):
    _check_epoch(epoch_num, decay_rate, learning_rate0, time_interval)


def check_initialize_parameters(layer_dims):
    dims = list(layer_dims)
    if len(dims) < 2 or not all(isinstance(n, (int, np.integer)) and not isinstance(n, bool)
                                and n >= 1 for n in dims):
        raise ValueError(f"layer_dims: expected at least two positive integers "
                         f"[n_x, ..., n_y], got {layer_dims!r}")


def check_forward_propagation(X, parameters):
    check_parameters(parameters)
    return check_X(X, parameters["W1"].shape[1]), parameters


def check_compute_cost(a3, Y):
    a3, Y = as_matrix("a3", a3), as_matrix("Y", Y)
    check_same_shape("a3", a3, "Y", Y)
    return a3, Y


def check_backward_propagation(X, Y, cache):
    if not isinstance(cache, tuple) or len(cache) % 4 or not cache:
        raise ValueError(f"cache: expected the tuple (z1, a1, W1, b1, ...) from "
                         f"forward_propagation, got {type(cache).__name__}")
    X, Y = check_XY(X, Y, n_x=cache[2].shape[1], n_y=None)
    if Y.shape != cache[-3].shape:
        raise ValueError(f"Y: expected the shape of a[L] {cache[-3].shape}, got {Y.shape}")
    return X, Y, cache


def check_model(X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2,
                epsilon, num_epochs, print_cost, decay, decay_rate):
    if optimizer not in ("gd", "momentum", "adam"):
        raise ValueError(f"optimizer: expected 'gd', 'momentum' or 'adam', got {optimizer!r}")
    X, Y = check_XY(X, Y, n_x=list(layers_dims)[0])
    rates = dict(learning_rate=(learning_rate, None), beta=(beta, 1), beta1=(beta1, 1),
                 beta2=(beta2, 1), epsilon=(epsilon, None), decay_rate=(decay_rate, None))
    for name, (value, high) in rates.items():
        _check_rate(name, value, low_open=name not in ("beta", "beta1", "beta2", "decay_rate"),
                    high=high)
    if not isinstance(num_epochs, (int, np.integer)) or num_epochs < 1:
        raise ValueError(f"num_epochs: expected a positive integer, got {num_epochs!r}")
    if not isinstance(mini_batch_size, (int, np.integer)) or mini_batch_size < 1:
        raise ValueError(f"mini_batch_size: expected a positive integer, got {mini_batch_size!r}")
    if decay is not None and not callable(decay):
        raise ValueError(f"decay: expected None, update_lr or schedule_lr_decay (a callable "
                         f"decay(learning_rate0, epoch_num, decay_rate)), got {decay!r}")
    return (X, Y, layers_dims, optimizer, learning_rate, mini_batch_size, beta, beta1, beta2,
            epsilon, num_epochs, print_cost, decay, decay_rate)
