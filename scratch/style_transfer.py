"""Course 4, week 4: neural style transfer -- the costs its TensorFlow assignment computes and
their gradients with respect to the generated image's activations, derived by hand.

An activation is one hidden layer's output for one image, (1, n_H, n_W, n_C), channels last
(TensorFlow's layout, the course's). C is the content image, S the style image, G the
generated image; a_C, a_S, a_G their activations at a layer.

Content cost (one layer):
    J_content(C, G) = 1 / (4 n_H n_W n_C) * sum_all (a_C - a_G)^2
Unrolling (the course's): a (1, n_H, n_W, n_C) -> reshape to (n_H n_W, n_C) -> transpose
    -> A (n_C, n_H n_W): row c holds channel c at the positions h n_W + w. (Reshaping straight
    to (n_C, n_H n_W) would mix channels; the course warns of it.)
Gram matrix:  G_A = A A^T, (n_C, n_C): G_ij = sum_k A_ik A_jk, how much channels i and j
    fire together.
Style cost (one layer l):
    J_style^[l](S, G) = 1 / (4 n_C^2 (n_H n_W)^2) * sum_ij (G_S,ij - G_G,ij)^2
Style cost (several layers): J_style(S, G) = sum_l lambda^[l] J_style^[l](S, G)
Total cost: J(G) = alpha J_content(C, G) + beta J_style(S, G)

Gradients with respect to a_G (a_C and a_S are constants), derived by hand:
    Content: d/da_G (a_C - a_G)^2 = -2 (a_C - a_G), so
        dJ_content/da_G = (a_G - a_C) / (2 n_H n_W n_C)
    Style, with P = n_H n_W and A = A_G (n_C, P) the unrolled a_G:
        dJ/dG_G = -2 (G_S - G_G) / (4 n_C^2 P^2) = (G_G - G_S) / (2 n_C^2 P^2)
        G_G = A A^T gives dG_ij = dA_ik A_jk + A_ik dA_jk: A appears twice, so
        dJ/dA = (dJ/dG_G + dJ/dG_G^T) A = 2 dJ/dG_G A      (dJ/dG_G is symmetric)
        dJ_style^[l]/dA = (G_G - G_S) A / (n_C^2 P^2)
        then undo the unrolling: transpose to (P, n_C), reshape to (1, n_H, n_W, n_C).
    Several layers: dJ_style/da_G^[l] = lambda^[l] dJ_style^[l]/da_G^[l]
    Total: dJ/da_G = alpha dJ_content/da_G at the content layer and beta dJ_style/da_G^[l] at
        each style layer (a layer that is both gets the sum of its two terms).

Nothing is cached: each backward function recomputes the few products it needs from a_C,
a_S, a_G.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_style_transfer import (
    check_content_cost,
    check_gram_matrix,
    check_layer_style_cost,
    check_style_cost,
    check_total_cost,
    check_total_cost_backward,
)


# ----------------------------------------------------------------------------- unrolling
def _unroll(a):
    """(1, n_H, n_W, n_C) -> (n_C, n_H n_W): reshape to (n_H n_W, n_C), then transpose."""
    n_C = a.shape[-1]
    return np.transpose(np.reshape(a, (-1, n_C)))


def _roll(dA, shape):
    """The inverse of _unroll, for a gradient: (n_C, n_H n_W) -> (1, n_H, n_W, n_C)."""
    return np.reshape(np.transpose(dA), shape)


# ----------------------------------------------------------------------------- content cost
@checked(check_content_cost)
def compute_content_cost(a_C, a_G):
    """J_content = 1 / (4 n_H n_W n_C) * sum (a_C - a_G)^2 (the course's).

    The course receives the layers' outputs and takes the content layer's; here a_C and a_G
    are that layer's activations themselves.

    Args:
        a_C: (1, n_H, n_W, n_C), the content image's activations.  a_G: same, generated image's.
    Returns:
        J_content: a 0-d NumPy float of the activations' dtype.
    """
    m, n_H, n_W, n_C = a_G.shape
    a_C_unrolled = np.reshape(a_C, (m, n_H * n_W, n_C))
    a_G_unrolled = np.reshape(a_G, (m, n_H * n_W, n_C))
    J_content = np.sum(np.square(a_C_unrolled - a_G_unrolled)) / (4.0 * n_H * n_W * n_C)
    return J_content


@checked(check_content_cost)
def compute_content_cost_backward(a_C, a_G):
    """dJ_content/da_G = (a_G - a_C) / (2 n_H n_W n_C).

    Args and shapes as :func:`compute_content_cost`.
    Returns:
        da_G: (1, n_H, n_W, n_C).
    """
    _, n_H, n_W, n_C = a_G.shape
    da_G = (a_G - a_C) / (2.0 * n_H * n_W * n_C)
    return da_G


# ----------------------------------------------------------------------------- style cost
@checked(check_gram_matrix)
def gram_matrix(A):
    """G_A = A A^T.

    Args:
        A: (n_C, n_H * n_W), an unrolled activation (row c = channel c).
    Returns:
        GA: (n_C, n_C), symmetric.
    """
    GA = np.dot(A, A.T)
    return GA


def _gram_matrix_backward(dGA, A):
    """dJ/dA = (dJ/dG + dJ/dG^T) A for G = A A^T (A enters both factors)."""
    return np.dot(dGA + dGA.T, A)


@checked(check_layer_style_cost)
def compute_layer_style_cost(a_S, a_G):
    """J_style^[l] = 1 / (4 n_C^2 (n_H n_W)^2) * sum_ij (G_S - G_G)_ij^2 (the course's).

    Unrolled as the course: each activation reshaped to (n_H n_W, n_C), then transposed to
    (n_C, n_H n_W), so that row c of the unrolled matrix is channel c.

    Args:
        a_S: (1, n_H, n_W, n_C), the style image's activations.  a_G: same, generated image's.
    Returns:
        J_style_layer: a 0-d NumPy float of the activations' dtype.
    """
    m, n_H, n_W, n_C = a_G.shape
    a_S = np.transpose(np.reshape(a_S, (-1, n_C)))
    a_G = np.transpose(np.reshape(a_G, (-1, n_C)))
    GS = np.dot(a_S, a_S.T)
    GG = np.dot(a_G, a_G.T)
    J_style_layer = np.sum(np.square(GS - GG)) / (4.0 * n_C ** 2 * (n_H * n_W) ** 2)
    return J_style_layer


@checked(check_layer_style_cost)
def compute_layer_style_cost_backward(a_S, a_G):
    """dJ_style^[l]/da_G: (G_G - G_S) A_G / (n_C^2 (n_H n_W)^2), rolled back to a_G's shape.

    Walks back through :func:`compute_layer_style_cost`: the squared difference gives
    dJ/dG_G = (G_G - G_S) / (2 n_C^2 P^2); G_G = A_G A_G^T gives dJ/dA_G = 2 dJ/dG_G A_G;
    the unrolling (reshape, transpose) is undone (transpose, reshape).

    Args and shapes as :func:`compute_layer_style_cost`.
    Returns:
        da_G: (1, n_H, n_W, n_C).
    """
    _, n_H, n_W, n_C = a_G.shape
    A_S, A_G = _unroll(a_S), _unroll(a_G)
    GS, GG = np.dot(A_S, A_S.T), np.dot(A_G, A_G.T)
    dGG = (GG - GS) / (2.0 * n_C ** 2 * (n_H * n_W) ** 2)
    dA_G = _gram_matrix_backward(dGG, A_G)
    return _roll(dA_G, a_G.shape)


@checked(check_style_cost)
def compute_style_cost(style_image_output, generated_image_output, STYLE_LAYERS):
    """J_style = sum_l lambda^[l] J_style^[l](a_S^[l], a_G^[l]).

    Adapted to NumPy: the course's function reads the activations of the style layers from a
    model's outputs; this one takes them, one (1, n_H, n_W, n_C) array per entry of
    STYLE_LAYERS, in that order. The course's model outputs end with the content layer, which
    its function drops (``a_S = style_image_output[:-1]``): given one activation more than
    STYLE_LAYERS has entries, the last is dropped here too.

    Args:
        style_image_output: list of a_S^[l] (and, optionally, the content layer's last).
        generated_image_output: list of a_G^[l] (likewise).
        STYLE_LAYERS: [(layer_name, lambda^[l]), ...], e.g. five layers weighted 0.2 each.
    Returns:
        J_style: a float.
    """
    J_style = 0
    a_S = style_image_output
    a_G = generated_image_output
    for i, weight in zip(range(len(a_S)), STYLE_LAYERS):
        J_style_layer = compute_layer_style_cost.unchecked(a_S[i], a_G[i])
        J_style += weight[1] * J_style_layer
    return J_style


@checked(check_style_cost)
def compute_style_cost_backward(style_image_output, generated_image_output, STYLE_LAYERS):
    """dJ_style/da_G^[l] = lambda^[l] dJ_style^[l]/da_G^[l], one per style layer.

    Args as :func:`compute_style_cost`.
    Returns:
        list of da_G^[l], each shaped like a_G^[l].
    """
    return [weight * compute_layer_style_cost_backward.unchecked(a_S, a_G)
            for a_S, a_G, (_, weight) in zip(style_image_output, generated_image_output,
                                             STYLE_LAYERS)]


# ----------------------------------------------------------------------------- total cost
@checked(check_total_cost)
def total_cost(J_content, J_style, alpha=10, beta=40):
    """J = alpha J_content + beta J_style (the course's).

    Args:
        J_content, J_style: the two costs (numbers).  alpha, beta: their weights.
    Returns:
        J: a number.
    """
    J = alpha * J_content + beta * J_style
    return J


@checked(check_total_cost_backward)
def total_cost_backward(a_C, a_G, style_image_output, generated_image_output, STYLE_LAYERS,
                        alpha=10, beta=40):
    """dJ/da_G for J = alpha J_content + beta J_style.

    Args:
        a_C, a_G: the content layer's activations (1, n_H, n_W, n_C).
        style_image_output, generated_image_output, STYLE_LAYERS: as :func:`compute_style_cost`.
        alpha, beta: as :func:`total_cost`.
    Returns:
        (da_G_content, da_G_style): alpha dJ_content/da_G, shaped like a_G, and the list of
        beta dJ_style/da_G^[l], one per style layer. If the content layer is also a style
        layer, its gradient is the sum of its two terms.
    """
    da_G_content = alpha * compute_content_cost_backward.unchecked(a_C, a_G)
    da_G_style = [beta * da for da in
                  compute_style_cost_backward.unchecked(style_image_output,
                                                        generated_image_output, STYLE_LAYERS)]
    return da_G_content, da_G_style
