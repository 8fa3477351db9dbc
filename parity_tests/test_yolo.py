"""Course 4, week 3, car detection: the course's evaluation pipeline (scratch.yolo:
``yolo_boxes_to_corners``, ``scale_boxes``, ``yolo_eval`` on scratch.detection's filter and NMS)
against torch_ref.yolo (``torchvision.ops.box_convert``, ``nms``, ``batched_nms``), on each
device, in float64 and float32; values by hand; the course's own random test draws, whose
negative widths torchvision cannot take; bad input.

Tolerances: corners are one addition and one halving (exact) of O(1) values: 2 rounding steps;
scaling one product: 3 steps. The NMS selects boxes, so scores and classes come out exactly
equal; the boxes carry the corners' rounding. The parity draws keep every box's width and
height positive (a real YOLO head outputs exp(t) times an anchor) and the thresholds away from
ties: torchvision suppresses at IoU > threshold, the course (TensorFlow) at >=, which
test_detection.py shows at exactly 0.5.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from parity_tests._tolerances import tolerance
from scratch import detection, yolo
from torch_ref import yolo as tyolo

DTYPES = {np.float64: torch.float64, np.float32: torch.float32}


def raises(*words):
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


def yolo_outputs(rng, grid, n_classes, dtype, *, positive_sizes=True, concentration=0.2):
    """(box_xy, box_wh, box_confidence, box_class_probs) as a YOLO head gives them: centres in
    [0, 1], sizes in (0.02, 0.4], p_c in [0, 1], class probabilities summing to 1 (Dirichlet:
    the smaller the concentration, the more peaked on one class)."""
    box_xy = rng.uniform(0, 1, grid + (2,))
    box_wh = rng.uniform(0.02, 0.4, grid + (2,)) if positive_sizes else \
        rng.normal(1, 4, grid + (2,))
    box_confidence = rng.uniform(0, 1, grid + (1,))
    box_class_probs = rng.dirichlet(np.full(n_classes, concentration), grid)
    return tuple(a.astype(dtype) for a in (box_xy, box_wh, box_confidence, box_class_probs))


def _t(arrays, device):
    return tuple(torch.as_tensor(a, device=device) for a in arrays)


# ============================================================================ by hand
def test_corners_and_scaling_by_hand():
    """A box centred at (x, y) = (0.5, 0.25) of size (w, h) = (0.2, 0.4) on a 720 x 1280 image:
    corners (y1, x1, y2, x2) = (0.05, 0.4, 0.45, 0.6), in pixels (36, 512, 324, 768)."""
    corners = yolo.yolo_boxes_to_corners(np.array([[0.5, 0.25]]), np.array([[0.2, 0.4]]))
    np.testing.assert_allclose(corners, [[0.05, 0.4, 0.45, 0.6]], rtol=1e-15, atol=1e-16)
    np.testing.assert_allclose(yolo.scale_boxes(corners, (720, 1280)), [[36, 512, 324, 768]],
                               rtol=1e-15)


def test_yolo_eval_is_the_course_pipeline():
    """yolo_eval = corners -> yolo_filter_boxes -> scale_boxes -> yolo_non_max_suppression,
    with the course's defaults (image (720, 1280), 10 boxes, thresholds .6 and .5)."""
    rng = np.random.default_rng(0)
    outputs = yolo_outputs(rng, (19, 19, 5), 80, np.float64, concentration=0.01)
    scores, boxes, classes = yolo.yolo_eval(outputs)
    s, b, c = detection.yolo_filter_boxes(yolo.yolo_boxes_to_corners(*outputs[:2]), outputs[2],
                                          outputs[3], .6)
    expected = detection.yolo_non_max_suppression(s, yolo.scale_boxes(b, (720, 1280)), c, 10, .5)
    for got, want in zip((scores, boxes, classes), expected):
        np.testing.assert_array_equal(got, want)
    assert scores.shape == (10,) and boxes.shape == (10, 4) and classes.dtype == np.int64
    assert np.all(np.diff(scores) <= 0)


def test_course_random_outputs_with_negative_sizes():
    """The course's unit test draws its outputs from normal distributions (sizes mean 1, std
    4): many boxes have a negative width or height. scratch, as TensorFlow's NMS, takes their
    corners in either order; torchvision's nms computes a negative area for them, so only the
    scratch side runs here, and its result is the NMS of the corner-sorted boxes."""
    rng = np.random.default_rng(1)
    outputs = yolo_outputs(rng, (19, 19, 5), 80, np.float64, positive_sizes=False)
    box_xy, box_wh = outputs[:2]
    outputs = (rng.normal(1, 4, box_xy.shape), box_wh, rng.normal(1, 4, outputs[2].shape),
               rng.normal(1, 4, outputs[3].shape))
    scores, boxes, classes = yolo.yolo_eval(outputs)
    assert (boxes[:, 2] < boxes[:, 0]).any() or (boxes[:, 3] < boxes[:, 1]).any()
    assert len(scores) == 10
    sorted_boxes = np.concatenate([np.minimum(boxes[:, :2], boxes[:, 2:]),
                                   np.maximum(boxes[:, :2], boxes[:, 2:])], axis=1)
    iou = detection.box_iou_matrix(sorted_boxes, sorted_boxes)
    assert (iou[np.triu_indices(10, 1)] < .5).all()      # no kept pair overlaps at >= .5


# ============================================================================ parity
@pytest.mark.parametrize("dtype", list(DTYPES))
@given(data=st.data())
def test_boxes_to_corners_and_scale_parity(device, parity, dtype, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    grid = tuple(data.draw(st.lists(st.integers(1, 5), min_size=1, max_size=3), label="grid"))
    box_xy, box_wh = yolo_outputs(rng, grid, 3, dtype)[:2]
    image_shape = (data.draw(st.integers(1, 2000)), data.draw(st.integers(1, 2000)))
    corners = yolo.yolo_boxes_to_corners(box_xy, box_wh)
    corners_t = tyolo.yolo_boxes_to_corners(*_t((box_xy, box_wh), device))
    assert corners.dtype == dtype and corners.shape == grid + (4,)
    parity.close("(y1, x1, y2, x2) = (x, y) -+ (w, h) / 2", corners_t, corners,
                 **tolerance(dtype, 2), formula="c4.yolo_eval")
    scaled = yolo.scale_boxes(corners, image_shape)
    parity.close("boxes * (h, w, h, w)", tyolo.scale_boxes(corners_t, image_shape), scaled,
                 **tolerance(dtype, 3), formula="c4.yolo_eval")


@pytest.mark.parametrize("per_class", [False, True], ids=["nms", "batched_nms"])
@pytest.mark.parametrize("dtype", list(DTYPES))
@given(data=st.data())
def test_yolo_eval_parity(device, parity, dtype, per_class, data):
    rng = np.random.default_rng(data.draw(st.integers(0, 2 ** 32 - 1), label="seed"))
    grid = (data.draw(st.integers(2, 8)), data.draw(st.integers(2, 8)), data.draw(st.integers(1, 5)))
    n_classes = data.draw(st.integers(1, 6), label="classes")
    max_boxes = data.draw(st.integers(0, 12), label="max_boxes")
    score_threshold = data.draw(st.sampled_from([0.1, 0.3, 0.6]), label="score_threshold")
    iou_threshold = data.draw(st.sampled_from([0.3, 0.5, 0.7]), label="iou_threshold")
    outputs = yolo_outputs(rng, grid, n_classes, dtype)
    image_shape = (720, 1280)
    args = (image_shape, max_boxes, score_threshold, iou_threshold, per_class)
    scores, boxes, classes = yolo.yolo_eval(outputs, *args)
    scores_t, boxes_t, classes_t = tyolo.yolo_eval(_t(outputs, device), *args)
    # the draws are continuous: a tie in score, or an IoU exactly at the threshold, has
    # probability 0, so both NMS keep the same boxes in the same order
    assert len(scores) == len(scores_t) <= max_boxes
    parity.close("yolo_eval scores", scores_t, scores, rtol=0, atol=0, formula="c4.yolo_eval")
    parity.close("yolo_eval classes", classes_t, classes, rtol=0, atol=0, formula="c4.yolo_eval")
    parity.close("yolo_eval boxes (pixels)", boxes_t, boxes, **tolerance(dtype, 3),
                 formula="c4.yolo_eval")


def test_parity_draws_keep_boxes():
    """The parity draws are not vacuous: with the draws' distribution, the pipeline keeps boxes
    (and the NMS has boxes to suppress) at every threshold the parity test uses."""
    rng = np.random.default_rng(2)
    for score_threshold in (0.1, 0.3, 0.6):
        kept, suppressed = [], []
        for _ in range(20):
            outputs = yolo_outputs(rng, (5, 5, 3), 4, np.float64)
            s, _, _ = yolo.yolo_eval(outputs, max_boxes=100, score_threshold=score_threshold)
            before = detection.yolo_filter_boxes(yolo.yolo_boxes_to_corners(*outputs[:2]),
                                                 outputs[2], outputs[3], score_threshold)[0]
            kept.append(len(s))
            suppressed.append(len(before) - len(s))
        assert min(kept) > 0 and max(suppressed) > 0, (score_threshold, kept, suppressed)


# ============================================================================ bad input
def test_bad_input():
    rng = np.random.default_rng(0)
    outputs = yolo_outputs(rng, (3, 3, 2), 4, np.float64)
    with raises("box_xy and box_wh", "same shape", "(3, 2)", "(4, 2)"):
        yolo.yolo_boxes_to_corners(np.ones((3, 2)), np.ones((4, 2)))
    with raises("box_wh", "(..., 2)", "(3, 3)"):
        yolo.yolo_boxes_to_corners(np.ones((3, 2)), np.ones((3, 3)))
    with raises("boxes", "(..., 4)", "(5, 3)"):
        yolo.scale_boxes(np.ones((5, 3)), (720, 1280))
    with raises("image_shape", "(height, width)", "(720,)"):
        yolo.scale_boxes(np.ones((5, 4)), (720,))
    with raises("image_shape", "> 0", "-1"):
        yolo.scale_boxes(np.ones((5, 4)), (720, -1))
    with raises("yolo_outputs", "4 arrays", "length 3"):
        yolo.yolo_eval(outputs[:3])
    with raises("box_class_probs", "grid", "(3, 3, 2)", "(3, 3, 1, 4)"):
        yolo.yolo_eval(outputs[:3] + (np.ones((3, 3, 1, 4)),))
    with raises("box_confidence", "(..., 1)", "(3, 3, 2, 2)"):
        yolo.yolo_eval((outputs[0], outputs[1], np.ones((3, 3, 2, 2)), outputs[3]))
    with raises("score_threshold", "[0, 1]", "1.5"):
        yolo.yolo_eval(outputs, score_threshold=1.5)
    with raises("max_boxes", "integer >= 0", "-1"):
        yolo.yolo_eval(outputs, max_boxes=-1)
    with raises("box_xy", "finite", "NaN"):
        yolo.yolo_eval((np.full((3, 3, 2, 2), np.nan),) + outputs[1:])
