"""Course 4, week 3 (YOLO): scratch.detection against torchvision.ops and torch ops.

Same boxes in, the same IoU (``torchvision.ops.box_iou``), the same filtered scores, boxes and
classes (torch's ``max(dim=-1)`` and a boolean mask), the same kept boxes in the same order
(``torchvision.ops.nms`` and ``batched_nms``), on each device, float64 and float32.

Where the conventions differ, a test shows the difference instead of hiding it:
- at IoU exactly equal to the threshold, scratch (as TensorFlow's kernel, which the course
  calls) suppresses, torchvision keeps; torchvision at the next float below the threshold
  does what scratch does;
- for equal scores scratch takes the lower index first (TensorFlow's tie rule); torchvision's
  order among ties is unspecified, so the parity tests draw tie-free scores;
- the IoU of two zero-area boxes: scratch 0 (TensorFlow's kernel), torchvision nan.

Tolerance of the IoU (see ``_tolerances``): the coordinates are exact inputs, so each
subtraction (a width, an intersection side) is one correctly rounded operation, exact to u
relative; inter = w h, the areas, union = a1 + a2 - inter >= (a1 + a2) / 2 (no harmful
cancellation), and the division: fewer than 16 roundings on each side, n = 16. The filter
multiplies once and selects: its scores are the same IEEE product on both sides, so the kept
sets must be identical, and the scores are compared at n = 1.
"""
from __future__ import annotations

import re

import numpy as np
import pytest
import torch
import torchvision
from hypothesis import assume, given
from hypothesis import strategies as st

from parity_tests._arrays import assert_allclose, assert_array_equal
from parity_tests._tolerances import tolerance
from scratch import detection
from torch_ref import detection as torch_detection

DTYPES = {np.float64: torch.float64, np.float32: torch.float32}
IOU_STEPS = 16     # rounding steps of one IoU, counted in the module docstring


def raises(*words):
    """pytest.raises(ValueError) whose message contains every word (literally)."""
    return pytest.raises(ValueError, match="(?s)" + "".join(f"(?=.*{re.escape(w)})" for w in words))


def random_boxes(rng, n, *, grid=False, dtype=np.float64):
    """(n, 4) corner boxes (x1, y1, x2, y2). grid: integer corners in [0, 6] (many disjoint,
    touching, nested and identical boxes); else x1, y1 in [0, 4], width and height in
    [0.25, 4] (a fixed minimum size, so every box has an area)."""
    if grid:
        lo = rng.integers(0, 5, (n, 2))
        size = rng.integers(1, 3, (n, 2))
    else:
        lo = rng.uniform(0, 4, (n, 2))
        size = rng.uniform(0.25, 4, (n, 2))
    return np.concatenate([lo, lo + size], axis=1).astype(dtype)


# ============================================================================ IoU
def test_iou_course_cases(parity):
    """The course's four cases, checked by hand: (2, 1, 4, 3) and (1, 2, 3, 4) overlap on the
    unit square [2, 3] x [2, 3], union 4 + 4 - 1 = 7, so IoU = 1/7; disjoint boxes, boxes
    touching at a corner only, and at an edge only, have IoU 0."""
    cases = [((2, 1, 4, 3), (1, 2, 3, 4), 1 / 7),
             ((1, 2, 3, 4), (5, 6, 7, 8), 0.0),
             ((1, 1, 2, 2), (2, 2, 3, 3), 0.0),
             ((1, 1, 3, 3), (2, 3, 3, 4), 0.0)]
    for box1, box2, expected in cases:
        value = detection.iou(box1, box2)
        assert isinstance(value, float)
        assert value == expected
        torch_value = torch_detection.iou(torch.tensor(box1, dtype=torch.float64),
                                          torch.tensor(box2, dtype=torch.float64))
        parity.close(f"iou{box1, box2}", np.float64(torch_value), np.float64(value),
                     **tolerance(np.float64, IOU_STEPS), formula="c4.iou")


@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(1, 12), m=st.integers(1, 12),
       grid=st.booleans(), dtype=st.sampled_from(list(DTYPES)))
def test_iou_parity(device, parity, seed, n, m, grid, dtype):
    rng = np.random.default_rng(seed)
    boxes1 = random_boxes(rng, n, grid=grid, dtype=dtype)
    boxes2 = random_boxes(rng, m, grid=grid, dtype=dtype)
    matrix = detection.box_iou_matrix(boxes1, boxes2)
    assert matrix.shape == (n, m) and matrix.dtype == dtype
    assert ((matrix >= 0) & (matrix <= 1)).all()

    torch_matrix = torchvision.ops.box_iou(torch.as_tensor(boxes1, device=device),
                                           torch.as_tensor(boxes2, device=device))
    parity.close("box_iou_matrix", torch_matrix, matrix, **tolerance(dtype, IOU_STEPS),
                 formula="c4.iou")
    # the scalar form is the same formula on one pair
    one = detection.iou(boxes1[0], boxes2[0])
    torch_one = torch_detection.iou(torch.as_tensor(boxes1[0], device=device),
                                    torch.as_tensor(boxes2[0], device=device))
    parity.close("iou(box1, box2)", np.float64(torch_one), np.float64(one),
                 **tolerance(dtype, IOU_STEPS), formula="c4.iou")
    # symmetric, and 1 on identical boxes
    assert_array_equal(detection.box_iou_matrix(boxes2, boxes1), matrix.T)
    diagonal = np.diag(detection.box_iou_matrix(boxes1, boxes1))
    assert_allclose(diagonal, np.ones(len(boxes1)), **tolerance(dtype, IOU_STEPS))


def test_iou_degenerate_boxes(device):
    """Zero-area boxes: scratch gives 0 (TensorFlow's NMS kernel: IoU 0 when a box has no
    area); torchvision divides 0 by 0 for two of them. A zero-area box against a real box is
    0 on both sides."""
    point = np.array([[1.0, 1.0, 1.0, 1.0]])
    line = np.array([[0.0, 1.0, 2.0, 1.0]])
    square = np.array([[0.0, 0.0, 2.0, 2.0]])
    assert detection.box_iou_matrix(point, point)[0, 0] == 0.0
    assert detection.iou(line[0], line[0]) == 0.0
    assert detection.box_iou_matrix(point, square)[0, 0] == 0.0
    torch_iou = torchvision.ops.box_iou(torch.as_tensor(point, device=device),
                                        torch.as_tensor(point, device=device))
    assert torch.isnan(torch_iou).all()
    torch_iou = torchvision.ops.box_iou(torch.as_tensor(point, device=device),
                                        torch.as_tensor(square, device=device))
    assert torch_iou.item() == 0.0


# ============================================================================ filtering
@given(seed=st.integers(0, 2 ** 32 - 1),
       grid=st.lists(st.integers(1, 5), min_size=1, max_size=3), C=st.integers(1, 6),
       threshold=st.sampled_from([0.0, 0.1, 0.3, 0.6, 1.0]),
       ties=st.booleans(), dtype=st.sampled_from(list(DTYPES)))
def test_filter_boxes_parity(device, parity, seed, grid, C, threshold, ties, dtype):
    """Any leading grid shape; ties: class probabilities on a 0.1 grid, so that tied maxima
    (argmax picks the first) and scores exactly at the threshold occur."""
    rng = np.random.default_rng(seed)
    grid = tuple(grid)
    boxes = rng.standard_normal(grid + (4,)).astype(dtype)
    if ties:
        box_confidence = np.ones(grid + (1,), dtype=dtype)
        box_class_probs = (rng.integers(0, 11, grid + (C,)) / 10).astype(dtype)
    else:
        box_confidence = rng.uniform(0, 1, grid + (1,)).astype(dtype)
        box_class_probs = rng.uniform(0, 1, grid + (C,)).astype(dtype)

    scores, kept_boxes, classes = detection.yolo_filter_boxes(boxes, box_confidence,
                                                              box_class_probs, threshold)
    t = {name: torch.as_tensor(a, device=device) for name, a in
         (("boxes", boxes), ("conf", box_confidence), ("probs", box_class_probs))}
    t_scores, t_boxes, t_classes = torch_detection.yolo_filter_boxes(t["boxes"], t["conf"],
                                                                     t["probs"], threshold)
    # the same boxes kept, in the same order, with the same classes (ties: the first class)
    assert classes.dtype == np.int64 and scores.dtype == dtype
    assert_array_equal(t_classes.cpu().numpy(), classes)
    parity.close("filtered boxes", t_boxes, kept_boxes, rtol=0, atol=0,
                 formula="c4.yolo_filter_boxes")
    # one product p_c * c_i on each side
    parity.close("filtered scores", t_scores, scores, **tolerance(dtype, 1),
                 formula="c4.yolo_filter_boxes")
    assert (scores >= threshold).all()


def test_filter_boxes_course_shapes():
    """The course's shapes: (19, 19, 5, 4), (19, 19, 5, 1), (19, 19, 5, 80); a hand-made grid
    where exactly two boxes pass, with known scores and classes."""
    boxes = np.arange(19 * 19 * 5 * 4, dtype=np.float64).reshape(19, 19, 5, 4)
    box_confidence = np.full((19, 19, 5, 1), 0.5)
    box_class_probs = np.full((19, 19, 5, 80), 1 / 80)
    box_confidence[3, 4, 2, 0], box_class_probs[3, 4, 2, 7] = 0.9, 0.8          # 0.72, class 7
    box_confidence[0, 1, 0, 0], box_class_probs[0, 1, 0, 79] = 1.0, 0.6         # 0.6 (>=), class 79
    scores, kept, classes = detection.yolo_filter_boxes(boxes, box_confidence, box_class_probs)
    assert_allclose(scores, [0.6, 0.9 * 0.8], rtol=1e-15)            # row-major order
    assert_array_equal(classes, [79, 7])
    assert_array_equal(kept, [boxes[0, 1, 0], boxes[3, 4, 2]])


# ============================================================================ NMS
def _clustered(rng, n, dtype):
    """n boxes around 3 centres (so that many overlap), (x1, y1, x2, y2), each with an area."""
    centres = rng.uniform(0, 6, (3, 2))[rng.integers(0, 3, n)]
    centre = centres + rng.normal(0, 0.5, (n, 2))
    half = rng.uniform(0.3, 1.5, (n, 2))
    return np.concatenate([centre - half, centre + half], axis=1).astype(dtype)


def _far_from_threshold(boxes, iou_threshold):
    """No pair's IoU within a relative 1e-4 of the threshold, where float32 rounding on the
    two sides could fall on different sides of it."""
    matrix = detection.box_iou_matrix(boxes.astype(np.float64), boxes.astype(np.float64))
    return not np.any(np.abs(matrix - iou_threshold) <= 1e-4 * iou_threshold)


@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(1, 40), max_boxes=st.integers(0, 12),
       iou_threshold=st.sampled_from([0.1, 0.3, 0.5, 0.7, 0.9]),
       dtype=st.sampled_from(list(DTYPES)))
def test_nms_parity(device, parity, seed, n, max_boxes, iou_threshold, dtype):
    """Tie-free scores: the same kept indices in the same order as torchvision.ops.nms (cut at
    max_boxes), and the same gathered scores, boxes, classes. The boxes go in as the course
    passes them to NMS, (y1, x1, y2, x2); torch_ref swaps them for torchvision."""
    rng = np.random.default_rng(seed)
    boxes_xyxy = _clustered(rng, n, dtype)
    assume(_far_from_threshold(boxes_xyxy, iou_threshold))
    scores = (rng.permutation(n) / n + 0.01).astype(dtype)            # distinct scores
    classes = rng.integers(0, 3, n)

    indices = detection.non_max_suppression(boxes_xyxy, scores, max_boxes, iou_threshold)
    t_keep = torchvision.ops.nms(torch.as_tensor(boxes_xyxy, device=device),
                                 torch.as_tensor(scores, device=device), iou_threshold)
    assert_array_equal(t_keep[:max_boxes].cpu().numpy(), indices)

    boxes_yxyx = boxes_xyxy[:, [1, 0, 3, 2]]
    kept_scores, kept_boxes, kept_classes = detection.yolo_non_max_suppression(
        scores, boxes_yxyx, classes, max_boxes, iou_threshold)
    t_scores, t_boxes, t_classes = torch_detection.yolo_non_max_suppression(
        torch.as_tensor(scores, device=device), torch.as_tensor(boxes_yxyx, device=device),
        torch.as_tensor(classes, device=device), max_boxes, iou_threshold)
    assert_array_equal(t_classes.cpu().numpy(), kept_classes)
    # gathered, not computed: exactly equal
    parity.close("NMS scores", t_scores, kept_scores, rtol=0, atol=0,
                 formula="c4.yolo_non_max_suppression")
    parity.close("NMS boxes", t_boxes, kept_boxes, rtol=0, atol=0,
                 formula="c4.yolo_non_max_suppression")
    # greedy NMS's defining property: no two kept boxes overlap at IoU >= the threshold
    matrix = detection.box_iou_matrix(kept_boxes, kept_boxes)
    assert not (matrix[~np.eye(len(kept_boxes), dtype=bool)] >= iou_threshold).any()
    assert len(kept_scores) <= max_boxes and (np.diff(kept_scores) < 0).all()


@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(1, 40), max_boxes=st.integers(0, 12),
       iou_threshold=st.sampled_from([0.1, 0.5, 0.9]), dtype=st.sampled_from(list(DTYPES)))
def test_nms_per_class_parity(device, parity, seed, n, max_boxes, iou_threshold, dtype):
    """NMS within each class against torchvision.ops.batched_nms (tie-free scores)."""
    rng = np.random.default_rng(seed)
    boxes_xyxy = _clustered(rng, n, dtype)
    assume(_far_from_threshold(boxes_xyxy, iou_threshold))
    scores = (rng.permutation(n) / n + 0.01).astype(dtype)
    classes = rng.integers(0, 3, n)
    boxes_yxyx = boxes_xyxy[:, [1, 0, 3, 2]]
    kept_scores, kept_boxes, kept_classes = detection.yolo_non_max_suppression_per_class(
        scores, boxes_yxyx, classes, max_boxes, iou_threshold)
    t_scores, t_boxes, t_classes = torch_detection.yolo_non_max_suppression_per_class(
        torch.as_tensor(scores, device=device), torch.as_tensor(boxes_yxyx, device=device),
        torch.as_tensor(classes, device=device), max_boxes, iou_threshold)
    assert_array_equal(t_classes.cpu().numpy(), kept_classes)
    parity.close("per-class NMS scores", t_scores, kept_scores, rtol=0, atol=0,
                 formula="c4.yolo_non_max_suppression")
    parity.close("per-class NMS boxes", t_boxes, kept_boxes, rtol=0, atol=0,
                 formula="c4.yolo_non_max_suppression")
    # at least as many boxes survive as with NMS across the classes
    across = detection.yolo_non_max_suppression(scores, boxes_yxyx, classes, max_boxes,
                                                iou_threshold)[0]
    assert len(kept_scores) >= len(across)


def test_nms_iou_exactly_at_threshold(device):
    """(0, 0, 2, 1) and (0, 0, 1, 1): inter 1, union 2, IoU exactly 0.5 (no rounding).
    scratch, as TensorFlow's kernel (``similarity >= similarity_threshold``), suppresses the
    second box at iou_threshold 0.5; torchvision.ops.nms suppresses only at IoU > 0.5 and keeps
    both. torchvision at the next float32 below 0.5 does what scratch does at 0.5: its CUDA
    kernel takes the threshold as a C++ float (``devIoU(..., const float threshold)``), so the
    next float64 below 0.5 rounds back to 0.5 there and both boxes survive (seen on an H200,
    torchvision 0.26); the next float32 below is below on both devices."""
    boxes = np.array([[0.0, 0.0, 2.0, 1.0], [0.0, 0.0, 1.0, 1.0]])
    scores = np.array([0.9, 0.8])
    assert detection.iou(boxes[0], boxes[1]) == 0.5
    assert_array_equal(detection.non_max_suppression(boxes, scores, 10, 0.5), [0])
    tb, ts = torch.as_tensor(boxes, device=device), torch.as_tensor(scores, device=device)
    assert_array_equal(torchvision.ops.nms(tb, ts, 0.5).cpu().numpy(), [0, 1])
    below = float(np.nextafter(np.float32(0.5), np.float32(0.0)))    # 0.49999997
    assert_array_equal(torchvision.ops.nms(tb, ts, below).cpu().numpy(), [0])
    # iou_threshold 0: IoU 0 >= 0, so scratch (as TensorFlow) keeps one box even of disjoint
    # ones; torchvision keeps every box that does not overlap
    disjoint = np.array([[0.0, 0.0, 1.0, 1.0], [5.0, 5.0, 6.0, 6.0]])
    assert_array_equal(detection.non_max_suppression(disjoint, scores, 10, 0.0), [0])
    kept = torchvision.ops.nms(torch.as_tensor(disjoint, device=device), ts, 0.0)
    assert_array_equal(kept.cpu().numpy(), [0, 1])


def test_nms_equal_scores(device):
    """Equal scores: scratch takes the lower index first (TensorFlow's priority queue breaks
    ties by box index). Two identical boxes with the same score: scratch keeps index 0;
    torchvision keeps one of the two (which one is unspecified). Disjoint boxes with equal
    scores all survive on both sides, in index order on scratch's."""
    same = np.array([[0.0, 0.0, 1.0, 1.0]] * 2 + [[3.0, 3.0, 4.0, 4.0]])
    scores = np.array([0.5, 0.5, 0.5])
    assert_array_equal(detection.non_max_suppression(same, scores, 10, 0.5), [0, 2])
    kept = torchvision.ops.nms(torch.as_tensor(same, device=device),
                               torch.as_tensor(scores, device=device), 0.5).cpu().numpy()
    assert len(kept) == 2 and 2 in kept and len({0, 1} & set(kept.tolist())) == 1
    # per class too: equal scores of different classes come out in index order
    disjoint = np.array([[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0], [4.0, 4.0, 5.0, 5.0]])
    kept_scores, kept_boxes, kept_classes = detection.yolo_non_max_suppression_per_class(
        scores, disjoint, np.array([2, 0, 1]))
    assert_array_equal(kept_classes, [2, 0, 1])
    assert_array_equal(kept_boxes, disjoint)


@given(seed=st.integers(0, 2 ** 32 - 1), n=st.integers(1, 30))
def test_nms_reversed_corners_and_axis_order(seed, n):
    """As tf.image.non_max_suppression, corners may come in either order (the course's unit
    test draws its boxes from a normal distribution); and swapping x and y in every box
    changes no IoU: the same indices either way. strict_corners=True refuses reversed ones."""
    rng = np.random.default_rng(seed)
    boxes = _clustered(rng, n, np.float64)
    scores = rng.permutation(n) / n
    expected = detection.non_max_suppression(boxes, scores, 10, 0.5)
    flip = rng.uniform(size=n) < 0.5
    reversed_boxes = boxes.copy()
    reversed_boxes[flip] = boxes[flip][:, [2, 3, 0, 1]]
    assert_array_equal(detection.non_max_suppression(reversed_boxes, scores, 10, 0.5),
                       expected)
    assert_array_equal(detection.non_max_suppression(boxes[:, [1, 0, 3, 2]], scores,
                                                     10, 0.5), expected)
    if flip.any():
        with raises("x2 >= x1", "reversed"):
            detection.yolo_non_max_suppression(scores, reversed_boxes, np.zeros(n), 10, 0.5,
                                               strict_corners=True)


def test_nms_max_boxes_and_empty():
    boxes = np.array([[0.0, 0.0, 1.0, 1.0], [2.0, 2.0, 3.0, 3.0], [4.0, 4.0, 5.0, 5.0]])
    scores = np.array([0.1, 0.3, 0.2])
    classes = np.array([0, 1, 2])
    s, b, c = detection.yolo_non_max_suppression(scores, boxes, classes, max_boxes=2)
    assert_array_equal(c, [1, 2])
    s, b, c = detection.yolo_non_max_suppression(scores, boxes, classes, max_boxes=0)
    assert s.shape == (0,) and b.shape == (0, 4) and c.shape == (0,)
    s, b, c = detection.yolo_non_max_suppression(np.zeros(0), np.zeros((0, 4)), np.zeros(0))
    assert s.shape == (0,) and b.shape == (0, 4)


# ============================================================================ bad input
def test_detection_bad_input():
    with raises("box1", "x2 >= x1", "reversed"):
        detection.iou((3, 0, 1, 1), (0, 0, 1, 1))
    with raises("box2", "x2 >= x1", "[0.0, 2.0, 1.0, 1.0]"):
        detection.iou((0, 0, 1, 1), (0, 2, 1, 1))                 # y2 < y1
    with raises("box1", "4 corner coordinates", "(3,)"):
        detection.iou((0, 0, 1), (0, 0, 1, 1))
    with raises("boxes1", "(N, 4)", "(2, 5)"):
        detection.box_iou_matrix(np.zeros((2, 5)), np.zeros((1, 4)))
    with raises("boxes2", "x2 >= x1"):
        detection.box_iou_matrix(np.zeros((1, 4)), np.array([[1.0, 0.0, 0.0, 1.0]]))
    with raises("finite", "NaN"):
        detection.box_iou_matrix(np.array([[0.0, 0.0, np.nan, 1.0]]), np.zeros((1, 4)))

    grid_boxes, conf, probs = np.zeros((2, 2, 4)), np.ones((2, 2, 1)), np.ones((2, 2, 3)) / 3
    for bad in (-0.1, 1.5, "0.6", None):
        with raises("threshold", "[0, 1]", repr(bad)):
            detection.yolo_filter_boxes(grid_boxes, conf, probs, bad)
    with raises("boxes", "(..., 4)", "(2, 2, 3)"):
        detection.yolo_filter_boxes(np.zeros((2, 2, 3)), conf, probs)
    with raises("box_confidence", "(2, 2, 1)", "(2, 2, 2)"):
        detection.yolo_filter_boxes(grid_boxes, np.ones((2, 2, 2)), probs)
    with raises("box_class_probs", "(3, 3, 3)"):
        detection.yolo_filter_boxes(grid_boxes, conf, np.ones((3, 3, 3)))

    scores, boxes, classes = np.ones(2), np.array([[0.0, 0, 1, 1], [0, 0, 2, 2]]), np.zeros(2)
    for bad in (-0.5, 1.01):
        with raises("iou_threshold", "[0, 1]", repr(bad)):
            detection.yolo_non_max_suppression(scores, boxes, classes, iou_threshold=bad)
    with raises("boxes", "(N, 4)", "(2, 3)"):
        detection.yolo_non_max_suppression(scores, boxes[:, :3], classes)
    with raises("same N", "(3,)"):
        detection.yolo_non_max_suppression(np.ones(3), boxes, classes)
    with raises("max_boxes", ">= 0", "-1"):
        detection.yolo_non_max_suppression(scores, boxes, classes, max_boxes=-1)
    with raises("scores", "(N,)", "(2, 1)"):
        detection.non_max_suppression(boxes, np.ones((2, 1)), 10)
