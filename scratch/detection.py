"""Course 4, week 3: car detection with YOLO -- the formulas its TensorFlow assignment computes.

Boxes are given by two corners. ``iou`` takes (x1, y1, x2, y2), upper-left then lower-right,
as the course's ``iou`` does. The course's pipeline (``yolo_boxes_to_corners``) hands the
non-max suppression (y1, x1, y2, x2), the order ``tf.image.non_max_suppression`` expects:
swapping x and y in every box changes no area and no intersection, so the IoU and the NMS
here take either order.

Intersection over union, for box (x1, y1, x2, y2) and box' (x1', y1', x2', y2'):

    xi1 = max(x1, x1'),  yi1 = max(y1, y1'),  xi2 = min(x2, x2'),  yi2 = min(y2, y2')
    inter_area = max(xi2 - xi1, 0) * max(yi2 - yi1, 0)     (0 for disjoint or touching boxes)
    union_area = (x2 - x1)(y2 - y1) + (x2' - x1')(y2' - y1') - inter_area
    IoU = inter_area / union_area                          (0 where union_area = 0)

The last case (two zero-area boxes: the course's formula would divide 0 by 0) follows
TensorFlow's NMS kernel, which returns IoU 0 when a box has no area.

Score filtering, per anchor box of the grid:

    box_scores = box_confidence * box_class_probs          (p_c times c_i, broadcast)
    box_classes = argmax_i box_scores,   box_class_scores = max_i box_scores
    keep the boxes where box_class_scores >= threshold

Greedy non-max suppression: take the boxes by decreasing score; select a box unless its IoU
with a box already selected is >= iou_threshold; stop after max_boxes.

Conventions (each is tested against torchvision in parity_tests/test_detection.py):
- suppression at IoU >= iou_threshold, as TensorFlow's CPU kernel
  (``similarity >= similarity_threshold``); ``torchvision.ops.nms`` suppresses at
  IoU > iou_threshold, so a box at exactly the threshold survives there;
- equal scores: the lower index first, as TensorFlow's kernel (its priority queue breaks ties
  by box index); ``torchvision.ops.nms`` sorts with an unstable sort, so its order among
  equal scores is unspecified;
- like the course's call to ``tf.image.non_max_suppression``, ``yolo_non_max_suppression``
  suppresses across classes (a car may suppress a truck);
  ``yolo_non_max_suppression_per_class`` runs it within each class, as
  ``torchvision.ops.batched_nms``;
- like ``tf.image.non_max_suppression`` ("any diagonal pair of box corners"), the NMS accepts
  boxes whose corners come in either order, by taking min and max per box; pass
  ``strict_corners=True`` to refuse them. The course's own unit tests draw their boxes from a
  normal distribution, so their corners are often reversed. ``iou`` and ``box_iou_matrix``
  always refuse them, as ``torchvision.ops.box_iou`` requires x1 <= x2 and y1 <= y2.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_detection import (
    check_box_iou_matrix,
    check_iou,
    check_non_max_suppression,
    check_yolo_filter_boxes,
    check_yolo_non_max_suppression,
)


# ----------------------------------------------------------------------------- IoU
@checked(check_iou)
def iou(box1, box2):
    """Intersection over union of two corner boxes (the course's ``iou``).

    IoU = inter_area / union_area, with inter_area = max(xi2 - xi1, 0) * max(yi2 - yi1, 0)
    (see the module docstring); 0 for disjoint boxes and for boxes that touch at an edge or
    a corner; 0 when both boxes have zero area.

    Args:
        box1, box2: (x1, y1, x2, y2), 4 numbers each (list, tuple or array (4,)), upper-left
            then lower-right corner: x2 >= x1 and y2 >= y1.
    Returns:
        iou: a Python float in [0, 1].
    """
    return float(box_iou_matrix.unchecked(box1[None, :], box2[None, :])[0, 0])


@checked(check_box_iou_matrix)
def box_iou_matrix(boxes1, boxes2):
    """Pairwise IoU: iou[i, j] = IoU(boxes1[i], boxes2[j]), the course's formula vectorised.

    Args:
        boxes1: (N, 4) corner boxes (x1, y1, x2, y2).  boxes2: (M, 4).
    Returns:
        iou: (N, M), the dtype of the boxes (float64 for integer boxes).
    """
    b1, b2 = boxes1[:, None, :], boxes2[None, :, :]          # (N, 1, 4) against (1, M, 4)
    xi1 = np.maximum(b1[..., 0], b2[..., 0])
    yi1 = np.maximum(b1[..., 1], b2[..., 1])
    xi2 = np.minimum(b1[..., 2], b2[..., 2])
    yi2 = np.minimum(b1[..., 3], b2[..., 3])
    inter_area = np.maximum(xi2 - xi1, 0) * np.maximum(yi2 - yi1, 0)
    box1_area = (b1[..., 2] - b1[..., 0]) * (b1[..., 3] - b1[..., 1])
    box2_area = (b2[..., 2] - b2[..., 0]) * (b2[..., 3] - b2[..., 1])
    union_area = box1_area + box2_area - inter_area
    # IoU 0 where the union is empty (two zero-area boxes), as TensorFlow's NMS kernel
    return np.divide(inter_area, union_area, out=np.zeros_like(inter_area),
                     where=union_area > 0)


# ----------------------------------------------------------------------------- filtering
@checked(check_yolo_filter_boxes)
def yolo_filter_boxes(boxes, box_confidence, box_class_probs, threshold=.6):
    """Keep the anchor boxes whose best class score reaches the threshold (the course's).

    box_scores = box_confidence * box_class_probs;  box_classes = argmax(box_scores, -1);
    box_class_scores = max(box_scores, -1);  filtering_mask = box_class_scores >= threshold.

    Args:
        boxes: (..., 4), e.g. (19, 19, 5, 4): the grid of anchor boxes. Their coordinates are
            only carried along (no corner check: the course's unit test draws them at random).
        box_confidence: (..., 1), p_c of each box, e.g. (19, 19, 5, 1).
        box_class_probs: (..., C), c_1..c_C of each box, e.g. (19, 19, 5, 80).
        threshold: in [0, 1].
    Returns:
        (scores, boxes, classes): scores (N,), boxes (N, 4), classes (N,) int64, the N kept
        boxes in row-major order of the grid (as ``tf.boolean_mask``). An argmax tie picks
        the lowest class index (NumPy's, TensorFlow's and torch's argmax agree).
    """
    box_scores = box_confidence * box_class_probs
    box_classes = np.argmax(box_scores, axis=-1)
    box_class_scores = np.max(box_scores, axis=-1)
    filtering_mask = box_class_scores >= threshold
    scores = box_class_scores[filtering_mask]
    boxes = boxes[filtering_mask]
    classes = box_classes[filtering_mask].astype(np.int64)
    return scores, boxes, classes


# ----------------------------------------------------------------------------- NMS
@checked(check_non_max_suppression)
def non_max_suppression(boxes, scores, max_output_size, iou_threshold=0.5, *,
                        strict_corners=False):
    """The indices greedy NMS selects, as ``tf.image.non_max_suppression`` (CPU kernel).

    Boxes by decreasing score (equal scores: lower index first); a box is selected unless
    its IoU with an already selected box is >= iou_threshold; at most max_output_size.

    Args:
        boxes: (N, 4) corner boxes, (y1, x1, y2, x2) as TensorFlow or (x1, y1, x2, y2): the
            IoU is the same. Corners in either order unless strict_corners.
        scores: (N,).  max_output_size: int >= 0.  iou_threshold: in [0, 1].
    Returns:
        nms_indices: (K,) int64, K <= max_output_size, in the order selected (decreasing score).
    """
    corners = np.concatenate([np.minimum(boxes[:, :2], boxes[:, 2:]),
                              np.maximum(boxes[:, :2], boxes[:, 2:])], axis=1)
    order = np.argsort(-scores, kind="stable")      # decreasing score, ties: lower index first
    selected = []
    suppressed = np.zeros(len(scores), dtype=bool)
    for i in order:
        if len(selected) == max_output_size:
            break
        if suppressed[i]:
            continue
        selected.append(i)
        suppressed |= box_iou_matrix.unchecked(corners[i:i + 1], corners)[0] >= iou_threshold
    return np.array(selected, dtype=np.int64)


@checked(check_yolo_non_max_suppression)
def yolo_non_max_suppression(scores, boxes, classes, max_boxes=10, iou_threshold=0.5, *,
                             strict_corners=False):
    """Greedy NMS over all the boxes, whatever their class (the course's, which calls
    ``tf.image.non_max_suppression``), then gather scores, boxes and classes.

    Args:
        scores: (N,), boxes: (N, 4), classes: (N,), e.g. the outputs of yolo_filter_boxes.
        max_boxes: at most this many boxes are kept.  iou_threshold: in [0, 1]; a box is
            suppressed at IoU >= iou_threshold with a box kept before it.
        strict_corners: refuse boxes with a reversed corner (x2 < x1 or y2 < y1).
    Returns:
        (scores, boxes, classes): (K,), (K, 4), (K,), K <= max_boxes, by decreasing score.
    """
    nms_indices = non_max_suppression.unchecked(boxes, scores, max_boxes, iou_threshold)
    return scores[nms_indices], boxes[nms_indices], classes[nms_indices]


@checked(check_yolo_non_max_suppression)
def yolo_non_max_suppression_per_class(scores, boxes, classes, max_boxes=10, iou_threshold=0.5,
                                       *, strict_corners=False):
    """Greedy NMS within each class (a box only suppresses boxes of its own class), then the
    max_boxes best of all the classes' survivors: what ``torchvision.ops.batched_nms`` does.

    Same arguments and returns as :func:`yolo_non_max_suppression`; ties between equal
    scores of different classes: lower index first.
    """
    keep = []
    for c in np.unique(classes):
        in_class = np.flatnonzero(classes == c)
        keep.extend(in_class[non_max_suppression.unchecked(boxes[in_class], scores[in_class],
                                                           max_boxes, iou_threshold)])
    keep = np.sort(np.array(keep, dtype=np.int64))
    nms_indices = keep[np.argsort(-scores[keep], kind="stable")][:max_boxes]
    return scores[nms_indices], boxes[nms_indices], classes[nms_indices]