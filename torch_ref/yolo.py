"""Course 4, week 3: the course's YOLO evaluation pipeline with ``torchvision.ops``.

- ``yolo_boxes_to_corners``: ``torchvision.ops.box_convert(..., "cxcywh", "xyxy")`` on
  (x, y, w, h), then the course's (y1, x1, y2, x2) order (the one place this module reorders);
- ``scale_boxes``: a product with (height, width, height, width);
- ``yolo_eval``: corners, :func:`torch_ref.detection.yolo_filter_boxes`, scale, then
  ``torchvision.ops.nms`` over all boxes (the course's class-agnostic NMS) or
  ``torchvision.ops.batched_nms`` within each class (``per_class=True``).

``nms`` and ``batched_nms`` need x1 <= x2 and y1 <= y2: a box with a negative width (the
course's unit test draws its outputs from a normal distribution) has a negative area there,
where TensorFlow's NMS (and scratch) takes the corners in either order. They suppress at
IoU > iou_threshold where TensorFlow suppresses at >=.
"""
from __future__ import annotations

import torch
from torchvision.ops import box_convert

from .detection import yolo_filter_boxes, yolo_non_max_suppression, \
    yolo_non_max_suppression_per_class


def yolo_boxes_to_corners(box_xy: torch.Tensor, box_wh: torch.Tensor) -> torch.Tensor:
    """Centres (x, y) and sizes (w, h) -> corners (y1, x1, y2, x2).

    Shape: box_xy, box_wh (..., 2) -> (..., 4).
    """
    x1y1x2y2 = box_convert(torch.cat([box_xy, box_wh], dim=-1), in_fmt="cxcywh", out_fmt="xyxy")
    return x1y1x2y2[..., [1, 0, 3, 2]]


def scale_boxes(boxes: torch.Tensor, image_shape) -> torch.Tensor:
    """Corner boxes (y1, x1, y2, x2) in fractions of the image -> pixels. Shape: (..., 4)."""
    height, width = (float(v) for v in image_shape)
    return boxes * boxes.new_tensor([height, width, height, width])


def yolo_eval(yolo_outputs, image_shape=(720, 1280), max_boxes: int = 10,
              score_threshold: float = .6, iou_threshold: float = .5, per_class: bool = False):
    """The course's pipeline. ``yolo_outputs`` = (box_xy, box_wh, box_confidence,
    box_class_probs); returns (scores (K,), boxes (K, 4) in pixels (y1, x1, y2, x2),
    classes (K,)), by decreasing score."""
    box_xy, box_wh, box_confidence, box_class_probs = yolo_outputs
    boxes = yolo_boxes_to_corners(box_xy, box_wh)
    scores, boxes, classes = yolo_filter_boxes(boxes, box_confidence, box_class_probs,
                                               score_threshold)
    boxes = scale_boxes(boxes, image_shape)
    suppression = yolo_non_max_suppression_per_class if per_class else yolo_non_max_suppression
    return suppression(scores, boxes, classes, max_boxes, iou_threshold)
