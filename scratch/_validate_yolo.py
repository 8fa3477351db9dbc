"""Input checks of :mod:`scratch.yolo` (each public function names ONE of these with
``@checked``); each raises ``ValueError`` saying what was expected and what was given, before
anything is computed, and returns the arguments as float arrays of one type."""
from __future__ import annotations

import numbers

import numpy as np

from ._validate import _describe


def _boxes_array(name, a, last, layout):
    arr = np.asarray(a)
    if arr.dtype == np.bool_ or not (np.issubdtype(arr.dtype, np.floating)
                                     or np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name}: expected a numeric array {layout}, got {_describe(arr)}")
    if arr.ndim < 1 or (last is not None and arr.shape[-1] != last):
        raise ValueError(f"{name}: expected shape {layout}, got {_describe(arr)}")
    if np.issubdtype(arr.dtype, np.floating) and not np.isfinite(arr).all():
        raise ValueError(f"{name}: expected finite values, got NaN or inf in {_describe(arr)}")
    return arr


def _float(*arrays):
    floats = [a.dtype for a in arrays if np.issubdtype(a.dtype, np.floating)]
    dtype = np.result_type(*floats) if floats else np.dtype(np.float64)
    return tuple(a.astype(dtype, copy=False) for a in arrays)


def check_boxes_to_corners(box_xy, box_wh):
    """box_xy and box_wh: (..., 2), the same shape."""
    box_xy = _boxes_array("box_xy", box_xy, 2, "(..., 2), the centres (x, y)")
    box_wh = _boxes_array("box_wh", box_wh, 2, "(..., 2), the sizes (w, h)")
    if box_xy.shape != box_wh.shape:
        raise ValueError(f"box_xy and box_wh must have the same shape (one centre and one size "
                         f"per box), got {box_xy.shape} and {box_wh.shape}")
    return _float(box_xy, box_wh)


def _image_shape(image_shape):
    values = np.asarray(image_shape, dtype=object).ravel() if np.ndim(image_shape) else []
    if len(values) != 2 or not all(isinstance(v, (numbers.Real, np.floating, np.integer))
                                   and not isinstance(v, bool) and float(v) > 0
                                   and np.isfinite(float(v)) for v in values):
        raise ValueError(f"image_shape: expected (height, width), two numbers > 0, got "
                         f"{image_shape!r}")
    return tuple(float(v) for v in values)


def check_scale_boxes(boxes, image_shape):
    """boxes (..., 4); image_shape (height, width) > 0."""
    boxes = _boxes_array("boxes", boxes, 4, "(..., 4), corners (y1, x1, y2, x2)")
    return _float(boxes)[0], _image_shape(image_shape)


def _threshold(name, value):
    if isinstance(value, bool) or not isinstance(value, (numbers.Real, np.floating)) \
            or not 0 <= float(value) <= 1:
        raise ValueError(f"{name}: expected a number in [0, 1], got {value!r}")


def check_yolo_eval(yolo_outputs, image_shape=(720, 1280), max_boxes=10, score_threshold=.6,
                    iou_threshold=.5, per_class=False):
    """yolo_outputs = (box_xy (..., 2), box_wh (..., 2), box_confidence (..., 1),
    box_class_probs (..., C)) over the same grid; the thresholds in [0, 1]; max_boxes >= 0."""
    if not isinstance(yolo_outputs, (tuple, list)) or len(yolo_outputs) != 4:
        length = f" of length {len(yolo_outputs)}" if isinstance(yolo_outputs, (tuple, list)) else ""
        raise ValueError(f"yolo_outputs: expected the 4 arrays (box_xy, box_wh, box_confidence, "
                         f"box_class_probs), got {type(yolo_outputs).__name__}{length}")
    box_xy, box_wh = check_boxes_to_corners(*yolo_outputs[:2])
    box_confidence = _boxes_array("box_confidence", yolo_outputs[2], 1, "(..., 1)")
    box_class_probs = _boxes_array("box_class_probs", yolo_outputs[3], None, "(..., C)")
    grid = box_xy.shape[:-1]
    for name, a in (("box_confidence", box_confidence), ("box_class_probs", box_class_probs)):
        if a.shape[:-1] != grid:
            raise ValueError(f"{name}: expected the grid of box_xy {grid} + (last axis,), got "
                             f"{a.shape}")
    image_shape = _image_shape(image_shape)
    if isinstance(max_boxes, bool) or not isinstance(max_boxes, (int, np.integer)) or max_boxes < 0:
        raise ValueError(f"max_boxes: expected an integer >= 0, got {max_boxes!r}")
    _threshold("score_threshold", score_threshold)
    _threshold("iou_threshold", iou_threshold)
    if not isinstance(per_class, (bool, np.bool_)):
        raise ValueError(f"per_class: expected True or False, got {per_class!r}")
    outputs = _float(box_xy, box_wh, box_confidence, box_class_probs)
    return outputs, image_shape, max_boxes, score_threshold, iou_threshold, per_class
