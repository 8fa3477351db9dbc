"""Input checks of :mod:`scratch.style_transfer` (course 4, week 4: neural style transfer).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given, and returns the arguments to use (activations as float arrays (1, n_H, n_W, n_C);
the style layers' lists without the course's trailing content layer, their weights as
floats).
"""
from __future__ import annotations

import numpy as np

from ._validate import _describe


def _check_activation(name, a):
    arr = np.asarray(a)
    if not (np.issubdtype(arr.dtype, np.floating) or np.issubdtype(arr.dtype, np.integer)) \
            or arr.dtype == np.bool_:
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if arr.ndim != 4 or arr.shape[0] != 1 or 0 in arr.shape:
        raise ValueError(f"{name}: expected the activations of one image, shape "
                         f"(1, n_H, n_W, n_C) with n_H, n_W, n_C >= 1, got {_describe(arr)}")
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or inf in {_describe(arr)}")
    return arr


def _check_pair(name_1, a_1, name_2, a_2):
    a_1, a_2 = _check_activation(name_1, a_1), _check_activation(name_2, a_2)
    if a_1.shape != a_2.shape:
        raise ValueError(f"{name_1} and {name_2} must have the same shape (1, n_H, n_W, n_C), "
                         f"got {name_1} {a_1.shape} and {name_2} {a_2.shape}")
    return a_1, a_2


def _check_layers(style_image_output, generated_image_output, STYLE_LAYERS):
    layers = list(STYLE_LAYERS)
    if not all(isinstance(p, (tuple, list)) and len(p) == 2 and isinstance(p[0], str)
               and isinstance(p[1], (int, float, np.integer, np.floating))
               and not isinstance(p[1], bool) for p in layers) or not layers:
        raise ValueError(f"STYLE_LAYERS: expected a non-empty list of (layer_name, weight) "
                         f"pairs, e.g. [('block1_conv1', 0.2), ...], got {STYLE_LAYERS!r}")
    style, generated = list(style_image_output), list(generated_image_output)
    if len(style) == len(generated) == len(layers) + 1:
        # the course's model outputs: the style layers, then the content layer, which the
        # course's compute_style_cost drops (a_S = style_image_output[:-1])
        style, generated = style[:-1], generated[:-1]
    if not len(style) == len(generated) == len(layers):
        raise ValueError(f"expected one style and one generated activation per entry of "
                         f"STYLE_LAYERS ({len(layers)}), or the course's model outputs (those "
                         f"and the content layer last, {len(layers) + 1}), got {len(style)} "
                         f"style and {len(generated)} generated activations")
    pairs = [_check_pair(f"style_image_output[{i}]", a_S, f"generated_image_output[{i}]", a_G)
             for i, (a_S, a_G) in enumerate(zip(style, generated))]
    return pairs, [float(weight) for _, weight in layers]


def _check_gram(A):
    A = np.asarray(A)
    if A.ndim != 2 or not np.issubdtype(A.dtype, np.number) or A.dtype == np.bool_:
        raise ValueError(f"A: expected a 2-D numeric array (n_C, n_H * n_W), got {_describe(A)}")
    return A


def _check_costs(J_content, J_style, alpha, beta):
    for name, value in (("J_content", J_content), ("J_style", J_style), ("alpha", alpha),
                        ("beta", beta)):
        if np.ndim(value) != 0 or not np.issubdtype(np.asarray(value).dtype, np.number) \
                or not np.isfinite(value):
            raise ValueError(f"{name}: expected a finite number, got {value!r}")


# ----------------------------------------------------------------------------- one check per function
def check_content_cost(a_C, a_G):
    """compute_content_cost and its backward."""
    return _check_pair("a_C", a_C, "a_G", a_G)


def check_gram_matrix(A):
    return (_check_gram(A),)


def check_layer_style_cost(a_S, a_G):
    """compute_layer_style_cost and its backward."""
    return _check_pair("a_S", a_S, "a_G", a_G)


def check_style_cost(style_image_output, generated_image_output, STYLE_LAYERS):
    """compute_style_cost and its backward: one (a_S, a_G) pair per style layer."""
    pairs, weights = _check_layers(style_image_output, generated_image_output, STYLE_LAYERS)
    return ([a_S for a_S, _ in pairs], [a_G for _, a_G in pairs],
            [(name, weight) for (name, _), weight in zip(STYLE_LAYERS, weights)])


def check_total_cost(J_content, J_style, alpha, beta):
    _check_costs(J_content, J_style, alpha, beta)


def check_total_cost_backward(a_C, a_G, style_image_output, generated_image_output, STYLE_LAYERS,
                              alpha, beta):
    _check_costs(0.0, 0.0, alpha, beta)
    return (*check_content_cost(a_C, a_G),
            *check_style_cost(style_image_output, generated_image_output, STYLE_LAYERS),
            alpha, beta)
