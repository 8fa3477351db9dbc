"""Input checks of :mod:`scratch.detection` (course 4, week 3: YOLO's IoU, score filter and
non-max suppression).

One check per public function, ``check_<function>``, for the ``@checked`` decorator of
:mod:`scratch._validate`: each raises ValueError saying what was expected and what was
given, and returns the arguments to use (boxes and scores as float arrays).
"""
from __future__ import annotations

import numpy as np

from ._validate import _describe


def _as_float(name, a):
    arr = np.asarray(a)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.floating)
                                     or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name}: expected a numeric array, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or inf in {_describe(arr)}")
    return arr


def _check_boxes(name, boxes, *, rank=None, strict_corners=True):
    """Corner boxes (..., 4), finite; with strict_corners, x2 >= x1 and y2 >= y1
    (column 2 >= column 0, column 3 >= column 1)."""
    boxes = _as_float(name, boxes)
    if boxes.ndim == 0 or boxes.shape[-1] != 4 or (rank is not None and boxes.ndim != rank):
        want = "4 corner coordinates" if rank in (None, 1) else "an array (N, 4) of corner boxes"
        raise ValueError(f"{name}: expected {want} (x1, y1, x2, y2), got {_describe(boxes)}")
    if strict_corners:
        bad = (boxes[..., 2] < boxes[..., 0]) | (boxes[..., 3] < boxes[..., 1])
        if bad.any():
            first = boxes.reshape(-1, 4)[np.flatnonzero(bad.reshape(-1))[0]].tolist()
            raise ValueError(f"{name}: expected corners with x2 >= x1 and y2 >= y1, got "
                             f"{int(bad.sum())} box(es) with a reversed corner, the first "
                             f"{first}")
    return boxes


def _check_threshold(name, value):
    if not isinstance(value, (int, float, np.integer, np.floating)) or isinstance(value, bool) \
            or not 0.0 <= float(value) <= 1.0:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value!r}")
    return float(value)


def _check_max_boxes(max_boxes):
    if not isinstance(max_boxes, (int, np.integer)) or isinstance(max_boxes, bool) or max_boxes < 0:
        raise ValueError(f"max_boxes: expected an integer >= 0, got {max_boxes!r}")
    return int(max_boxes)


def _check_iou_pair(box1, box2):
    return _check_boxes("box1", box1, rank=1), _check_boxes("box2", box2, rank=1)


def _check_filter(boxes, box_confidence, box_class_probs, threshold):
    boxes = _as_float("boxes", boxes)
    box_confidence = _as_float("box_confidence", box_confidence)
    box_class_probs = _as_float("box_class_probs", box_class_probs)
    if boxes.ndim < 1 or boxes.shape[-1] != 4:
        raise ValueError(f"boxes: expected shape (..., 4), e.g. (19, 19, 5, 4), got "
                         f"{_describe(boxes)}")
    if box_confidence.shape != boxes.shape[:-1] + (1,):
        raise ValueError(f"box_confidence: expected shape {boxes.shape[:-1] + (1,)} (the grid "
                         f"of boxes {boxes.shape} with a last dimension 1), got "
                         f"{_describe(box_confidence)}")
    if box_class_probs.shape[:-1] != boxes.shape[:-1] or box_class_probs.shape[-1] < 1:
        raise ValueError(f"box_class_probs: expected shape {boxes.shape[:-1] + ('C',)} (the grid "
                         f"of boxes {boxes.shape}, C >= 1 classes), got "
                         f"{_describe(box_class_probs)}")
    return boxes, box_confidence, box_class_probs, _check_threshold("threshold", threshold)


def _check_nms(scores, boxes, classes, max_boxes, iou_threshold, strict_corners):
    scores = _as_float("scores", scores)
    if scores.ndim != 1:
        raise ValueError(f"scores: expected shape (N,), got {_describe(scores)}")
    boxes = _check_boxes("boxes", boxes, rank=2, strict_corners=strict_corners)
    classes = np.asarray(classes)
    if boxes.shape[0] != scores.shape[0] or classes.shape != scores.shape:
        raise ValueError(f"scores (N,), boxes (N, 4) and classes (N,) must hold the same N boxes, "
                         f"got scores {scores.shape}, boxes {boxes.shape}, classes {classes.shape}")
    return (scores, boxes, classes, _check_max_boxes(max_boxes),
            _check_threshold("iou_threshold", iou_threshold))


# ----------------------------------------------------------------------------- one check per function
def check_iou(box1, box2):
    return _check_iou_pair(box1, box2)


def check_box_iou_matrix(boxes1, boxes2):
    return _check_boxes("boxes1", boxes1, rank=2), _check_boxes("boxes2", boxes2, rank=2)


def check_yolo_filter_boxes(boxes, box_confidence, box_class_probs, threshold):
    return _check_filter(boxes, box_confidence, box_class_probs, threshold)


def check_non_max_suppression(boxes, scores, max_output_size, iou_threshold, *,
                              strict_corners):
    scores, boxes, _, max_output_size, iou_threshold = _check_nms(
        scores, boxes, np.zeros(np.shape(scores)), max_output_size, iou_threshold, strict_corners)
    return boxes, scores, max_output_size, iou_threshold


def check_yolo_non_max_suppression(scores, boxes, classes, max_boxes, iou_threshold, *,
                                   strict_corners):
    """Both the cross-class and the per-class suppression."""
    return _check_nms(scores, boxes, classes, max_boxes, iou_threshold, strict_corners)
