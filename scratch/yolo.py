"""Course 4, week 3, "Car detection with YOLO": the course's evaluation pipeline from the model's
outputs to the final boxes, on top of :mod:`scratch.detection`'s score filter and non-max
suppression (the course's signatures; its TensorFlow code in NumPy).

    yolo_boxes_to_corners(box_xy, box_wh):  centre and size -> corners, in the order
        (y1, x1, y2, x2) that tf.image.non_max_suppression takes:
        (x1, y1) = (x, y) - (w, h) / 2;  (x2, y2) = (x, y) + (w, h) / 2
    scale_boxes(boxes, image_shape):  boxes in [0, 1] (fractions of the image) -> pixels:
        boxes * [height, width, height, width]
    yolo_eval(yolo_outputs, image_shape=(720, 1280), max_boxes=10, score_threshold=.6,
              iou_threshold=.5):
        box_xy, box_wh, box_confidence, box_class_probs = yolo_outputs
        boxes = yolo_boxes_to_corners(box_xy, box_wh)
        scores, boxes, classes = yolo_filter_boxes(boxes, box_confidence, box_class_probs,
                                                   score_threshold)
        boxes = scale_boxes(boxes, image_shape)
        scores, boxes, classes = yolo_non_max_suppression(scores, boxes, classes, max_boxes,
                                                          iou_threshold)

Shapes: box_xy, box_wh (..., 2), e.g. (19, 19, 5, 2); box_confidence (..., 1);
box_class_probs (..., C). The pipeline is inference only: nothing is trained through it in the
course, so there is no backward pass here.

As the course (tf.image.non_max_suppression), the NMS runs over all the boxes whatever their
class; ``per_class=True`` (an argument the course does not have) runs it within each class instead,
as ``torchvision.ops.batched_nms`` does.
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_yolo import check_boxes_to_corners, check_scale_boxes, check_yolo_eval
from .detection import yolo_filter_boxes, yolo_non_max_suppression, \
    yolo_non_max_suppression_per_class


@checked(check_boxes_to_corners)
def yolo_boxes_to_corners(box_xy, box_wh):
    """Boxes given by their centre (x, y) and size (w, h) -> corners (y1, x1, y2, x2).

    Args:
        box_xy: (..., 2), the centres (x, y).  box_wh: (..., 2), the widths and heights.
    Returns:
        boxes (..., 4): (y_min, x_min, y_max, x_max).
    """
    box_mins = box_xy - (box_wh / 2.)
    box_maxes = box_xy + (box_wh / 2.)
    return np.concatenate([
        box_mins[..., 1:2],   # y_min
        box_mins[..., 0:1],   # x_min
        box_maxes[..., 1:2],  # y_max
        box_maxes[..., 0:1],  # x_max
    ], axis=-1)


@checked(check_scale_boxes)
def scale_boxes(boxes, image_shape):
    """Scale corner boxes (y1, x1, y2, x2), fractions of the image, to pixels.

    Args:
        boxes: (..., 4).  image_shape: (height, width).
    Returns:
        boxes * [height, width, height, width], (..., 4).
    """
    height = float(image_shape[0])
    width = float(image_shape[1])
    image_dims = np.array([height, width, height, width], dtype=boxes.dtype).reshape(1, 4)
    boxes = boxes * image_dims
    return boxes


@checked(check_yolo_eval)
def yolo_eval(yolo_outputs, image_shape=(720, 1280), max_boxes=10, score_threshold=.6,
              iou_threshold=.5, per_class=False):
    """The course's pipeline: corners, score filter, scale to the image, non-max suppression.

    Args:
        yolo_outputs: (box_xy (..., 2), box_wh (..., 2), box_confidence (..., 1),
            box_class_probs (..., C)), the model's outputs (yolo_head's) for one image.
        image_shape: (height, width) of the original image, in pixels.
        max_boxes: at most this many boxes.  score_threshold: keep a box whose best class
            score is >= it.  iou_threshold: suppress a box at IoU >= it with a kept one.
        per_class: not the course's; True: NMS within each class (torchvision's batched_nms).
    Returns:
        (scores (K,), boxes (K, 4) in pixels (y1, x1, y2, x2), classes (K,) int64), K <=
        max_boxes, by decreasing score.
    """
    box_xy, box_wh, box_confidence, box_class_probs = yolo_outputs
    boxes = yolo_boxes_to_corners.unchecked(box_xy, box_wh)
    scores, boxes, classes = yolo_filter_boxes(boxes, box_confidence, box_class_probs,
                                               score_threshold)
    boxes = scale_boxes.unchecked(boxes, image_shape)
    suppression = yolo_non_max_suppression_per_class if per_class else yolo_non_max_suppression
    scores, boxes, classes = suppression(scores, boxes, classes, max_boxes, iou_threshold)
    return scores, boxes, classes
