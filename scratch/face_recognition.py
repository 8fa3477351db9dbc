"""Course 4, week 4: face recognition -- the triplet loss its TensorFlow assignment computes,
and its gradient, derived by hand.

For m triplets of encodings f(A), f(P), f(N) (anchor, positive: same person, negative:
another person), each a vector of 128 numbers:

    pos_dist_i = ||f(A_i) - f(P_i)||^2 = sum_k (a_ik - p_ik)^2      (the SQUARED distance)
    neg_dist_i = ||f(A_i) - f(N_i)||^2
    basic_loss_i = pos_dist_i - neg_dist_i + alpha
    J = sum_i max(basic_loss_i, 0)                                   (a sum over the batch)

Gradient (a triplet with basic_loss_i < 0 contributes nothing):
    dJ/da_i = 2 (a_i - p_i) - 2 (a_i - n_i) = 2 (n_i - p_i)
    dJ/dp_i = -2 (a_i - p_i) = 2 (p_i - a_i)
    dJ/dn_i =  2 (a_i - n_i)
each times the mask [basic_loss_i >= 0]. At basic_loss_i = 0 the max has a corner; the mask
takes the branch basic_loss_i (gradient 1), as TensorFlow's gradient of tf.maximum does
(grad * (x >= y)). PyTorch's clamp(min=0) and relu take the other branch there (gradient 0)
and torch.maximum splits it (1/2 each): parity_tests/test_face_recognition.py shows the three.

How it differs from ``torch.nn.TripletMarginLoss`` (tested in
parity_tests/test_face_recognition.py): that loss uses the distance itself, not its square
(||a - p + eps||_p, with eps = 1e-6 added to the difference), and averages over the batch.
No setting of it gives the course's loss; ``nn.TripletMarginWithDistanceLoss`` with the
squared Euclidean distance and reduction="sum" does.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_face_recognition import check_triplet_loss


@checked(check_triplet_loss)
def triplet_loss(y_true, y_pred, alpha=0.2):
    """J = sum_i max(||a_i - p_i||^2 - ||a_i - n_i||^2 + alpha, 0) (the course's).

    Args:
        y_true: unused (Keras' loss signature; the course passes None).
        y_pred: (anchor, positive, negative), each (m, 128) (any (m, n); or (n,) for one
            triplet).
        alpha: the margin (any number; the course's unit tests use 0 and negative ones too).
    Returns:
        loss: a 0-d NumPy float of the encodings' dtype.
    """
    anchor, positive, negative = y_pred
    pos_dist = np.sum(np.square(anchor - positive), axis=-1)
    neg_dist = np.sum(np.square(anchor - negative), axis=-1)
    basic_loss = pos_dist - neg_dist + alpha
    loss = np.sum(np.maximum(basic_loss, 0.0))
    return loss


@checked(check_triplet_loss)
def triplet_loss_backward(y_true, y_pred, alpha=0.2):
    """dJ/d(anchor, positive, negative) of :func:`triplet_loss`.

    dJ/da = 2 (n - p), dJ/dp = 2 (p - a), dJ/dn = 2 (a - n), row i times [basic_loss_i >= 0].

    Args as :func:`triplet_loss`.
    Returns:
        (d_anchor, d_positive, d_negative), each shaped like the encodings.
    """
    anchor, positive, negative = y_pred
    pos_dist = np.sum(np.square(anchor - positive), axis=-1)
    neg_dist = np.sum(np.square(anchor - negative), axis=-1)
    basic_loss = pos_dist - neg_dist + alpha
    # dmax(x, 0)/dx: 1 where x >= 0 (1 at x = 0, as tf.maximum), else 0
    active = (basic_loss >= 0)[..., None].astype(anchor.dtype)
    d_anchor = active * 2 * (negative - positive)
    d_positive = active * 2 * (positive - anchor)
    d_negative = active * 2 * (anchor - negative)
    return d_anchor, d_positive, d_negative