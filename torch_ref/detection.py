"""Course 4, week 3 (car detection with YOLO) with ``torchvision.ops``.

- IoU: ``torchvision.ops.box_iou`` (pairwise, corner boxes (x1, y1, x2, y2), x1 <= x2, y1 <= y2).
- Score filtering: the course's formula in torch ops (``box_scores.max(dim=-1)`` gives the
  best score and its class; a boolean mask keeps the boxes at or above the threshold).
- Non-max suppression: ``torchvision.ops.nms`` over all boxes (the course's call to
  ``tf.image.non_max_suppression`` ignores the classes too), and ``torchvision.ops.batched_nms``
  within each class.

Layout: the course's pipeline gives the NMS boxes as (y1, x1, y2, x2), the order TensorFlow
wants; torchvision wants (x1, y1, x2, y2). :func:`course_boxes_to_torchvision` swaps them (the
one place this module converts). The IoU does not change under the swap, but the boxes a
reader draws do.

Conventions that differ from TensorFlow's kernel (and so from the course; the parity tests show
each): ``nms`` suppresses a box whose IoU with a kept box is > iou_threshold (TensorFlow: >=);
its order among equal scores is unspecified (TensorFlow: lower index first); ``box_iou`` of two
zero-area boxes is 0/0 = nan (TensorFlow's kernel: 0).
"""
from __future__ import annotations

import torch
from torchvision.ops import batched_nms, box_iou, nms


def course_boxes_to_torchvision(boxes: torch.Tensor) -> torch.Tensor:
    """(..., 4) boxes (y1, x1, y2, x2), the course's NMS order -> (x1, y1, x2, y2),
    torchvision's."""
    return boxes[..., [1, 0, 3, 2]]


def iou(box1: torch.Tensor, box2: torch.Tensor) -> float:
    """IoU of two boxes (4,) in (x1, y1, x2, y2): ``box_iou`` on a batch of one each.

    Shape:
        - box1, box2: (4,).
        - Output: a Python float.
    """
    return box_iou(box1[None, :], box2[None, :])[0, 0].item()


def yolo_filter_boxes(boxes: torch.Tensor, box_confidence: torch.Tensor,
                      box_class_probs: torch.Tensor, threshold: float = .6):
    """box_scores = p_c * c; keep the boxes whose best class score is >= threshold.

    Shape:
        - boxes: (..., 4), box_confidence: (..., 1), box_class_probs: (..., C),
          e.g. (19, 19, 5, 4), (19, 19, 5, 1), (19, 19, 5, 80).
        - Output: (scores (N,), boxes (N, 4), classes (N,) int64), the kept boxes in the
          grid's row-major order. ``max(dim=-1)`` returns the first index of a tied maximum.
    """
    box_scores = box_confidence * box_class_probs
    box_class_scores, box_classes = box_scores.max(dim=-1)
    filtering_mask = box_class_scores >= threshold
    return box_class_scores[filtering_mask], boxes[filtering_mask], box_classes[filtering_mask]


def yolo_non_max_suppression(scores: torch.Tensor, boxes: torch.Tensor, classes: torch.Tensor,
                             max_boxes: int = 10, iou_threshold: float = 0.5):
    """``torchvision.ops.nms`` over all the boxes, the max_boxes best survivors.

    Shape:
        - scores: (N,), boxes: (N, 4) in the course's (y1, x1, y2, x2), classes: (N,).
        - Output: (scores (K,), boxes (K, 4), classes (K,)), K <= max_boxes, by decreasing score.
    """
    keep = nms(course_boxes_to_torchvision(boxes), scores, iou_threshold)[:max_boxes]
    return scores[keep], boxes[keep], classes[keep]


def yolo_non_max_suppression_per_class(scores: torch.Tensor, boxes: torch.Tensor,
                                       classes: torch.Tensor, max_boxes: int = 10,
                                       iou_threshold: float = 0.5):
    """``torchvision.ops.batched_nms``: NMS within each class, the max_boxes best survivors.

    Shape: as :func:`yolo_non_max_suppression`.
    """
    keep = batched_nms(course_boxes_to_torchvision(boxes), scores, classes, iou_threshold)
    keep = keep[:max_boxes]
    return scores[keep], boxes[keep], classes[keep]
