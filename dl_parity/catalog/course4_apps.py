"""Course 4 ("Convolutional Neural Networks"), weeks 3 and 4: the formulas its TensorFlow
applications compute -- YOLO's IoU, score filtering and non-max suppression; neural style
transfer's costs; face recognition's triplet loss."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown in this order, after course 1's)
WEEKS: dict[str, str] = {
    "c4w3": "Course 4, week 3: object detection",
    "c4w4": "Course 4, week 4: face recognition and neural style transfer",
}

T_DET = "parity_tests/test_detection.py"
T_NST = "parity_tests/test_style_transfer.py"
T_FACE = "parity_tests/test_face_recognition.py"
T_YOLO = "parity_tests/test_yolo.py"

_NHWC = ("The course's activations are channels last, (1, n_H, n_W, n_C); PyTorch's feature "
         "maps (1, n_C, n_H, n_W), mapped by torch_ref.cnn.nhwc_to_nchw (a "
         "permutation, exact). Autograd differentiates with respect to the NHWC leaf, so its "
         "gradient is compared in the course's layout.")

ENTRIES: tuple[Formula, ...] = (
    # ------------------------------------------------------------------ week 3: YOLO
    Formula(
        "c4.iou", "c4w3", "Object detection (YOLO)", "Intersection over union",
        "inter = max(min(x₂, x₂′) − max(x₁, x₁′), 0) · max(min(y₂, y₂′) − max(y₁, y₁′), 0)\n"
        "union = (x₂ − x₁)(y₂ − y₁) + (x₂′ − x₁′)(y₂′ − y₁′) − inter\n"
        "IoU = inter / union",
        r"\mathrm{IoU} = \frac{|B \cap B'|}{|B| + |B'| - |B \cap B'|}, \quad "
        r"|B \cap B'| = \max(x_2^{\wedge} - x_1^{\vee}, 0)\,\max(y_2^{\wedge} - y_1^{\vee}, 0)",
        ("scratch.detection.iou", "scratch.detection.box_iou_matrix"),
        ("torch_ref.detection.iou",),
        (f"{T_DET}::test_iou_course_cases", f"{T_DET}::test_iou_parity",
         f"{T_DET}::test_iou_degenerate_boxes"),
        torch_ops=("torchvision.ops.box_iou",),
        note="Corner boxes (x1, y1, x2, y2) on both sides; the intersection's sides are clipped "
             "at 0, so disjoint boxes and boxes touching at an edge or a corner have IoU 0. "
             "Two zero-area boxes: scratch returns 0 (TensorFlow's NMS kernel), "
             "torchvision.ops.box_iou nan (0/0); the test shows both.",
        marks=("inter_area = np.maximum(xi2 - xi1, 0) * np.maximum(yi2 - yi1, 0)",
               "union_area = box1_area + box2_area - inter_area")),
    Formula(
        "c4.yolo_filter_boxes", "c4w3", "Object detection (YOLO)", "Filtering boxes by class score",
        "box_scores = p_c · c   (per anchor box, for each class)\n"
        "class = argmaxᵢ box_scoresᵢ,  score = maxᵢ box_scoresᵢ\n"
        "keep where score ≥ threshold",
        r"s_i = p_c\, c_i, \quad \hat{c} = \arg\max_i s_i, \quad \text{keep if } \max_i s_i \ge t",
        ("scratch.detection.yolo_filter_boxes",),
        ("torch_ref.detection.yolo_filter_boxes",),
        (f"{T_DET}::test_filter_boxes_parity", f"{T_DET}::test_filter_boxes_course_shapes"),
        torch_ops=("torch.max",),
        note="Any leading grid shape, e.g. (19, 19, 5): the kept boxes come out in the grid's "
             "row-major order on both sides (tf.boolean_mask's order). A tied maximum picks the "
             "first class on both sides (np.argmax, torch.max(dim=-1), tf.argmax).",
        marks=("box_scores = box_confidence * box_class_probs",
               "filtering_mask = box_class_scores >= threshold")),
    Formula(
        "c4.yolo_non_max_suppression", "c4w3", "Object detection (YOLO)",
        "Greedy non-max suppression",
        "by decreasing score: select a box unless IoU(box, a selected box) ≥ iou_threshold\n"
        "stop after max_boxes",
        r"\text{select } b \text{ (by decreasing score) unless } \exists s \in S: "
        r"\mathrm{IoU}(b, s) \ge \tau; \quad |S| \le \text{max\_boxes}",
        ("scratch.detection.non_max_suppression", "scratch.detection.yolo_non_max_suppression",
         "scratch.detection.yolo_non_max_suppression_per_class"),
        ("torch_ref.detection.yolo_non_max_suppression",
         "torch_ref.detection.yolo_non_max_suppression_per_class",
         "torch_ref.detection.course_boxes_to_torchvision"),
        (f"{T_DET}::test_nms_parity", f"{T_DET}::test_nms_per_class_parity",
         f"{T_DET}::test_nms_iou_exactly_at_threshold", f"{T_DET}::test_nms_equal_scores",
         f"{T_DET}::test_nms_reversed_corners_and_axis_order"),
        torch_ops=("torchvision.ops.nms", "torchvision.ops.batched_nms"),
        note="As the course (tf.image.non_max_suppression), NMS runs over all boxes whatever "
             "their class; the per-class variant matches torchvision.ops.batched_nms. scratch "
             "follows TensorFlow's CPU kernel: suppress at IoU >= threshold, equal scores in "
             "index order, corners in either order. torchvision.ops.nms suppresses at "
             "IoU > threshold and leaves the order of ties unspecified: the parity tests draw "
             "tie-free scores and IoUs away from the threshold, and a test shows the IoU = 0.5 "
             "case (torchvision at the next float32 below 0.5 does what scratch does at 0.5). The "
             "course's boxes are (y1, x1, y2, x2); torch_ref swaps them for torchvision "
             "(the IoU is unchanged).",
        marks=('order = np.argsort(-scores, kind="stable")',
               "suppressed |= box_iou_matrix.unchecked(corners[i:i + 1], corners)[0] >= iou_threshold")),
    Formula(
        "c4.yolo_eval", "c4w3", "Object detection (YOLO)",
        "From YOLO's outputs to boxes: corners, scaling, yolo_eval",
        "(y₁, x₁, y₂, x₂) = (y − h/2, x − w/2, y + h/2, x + w/2)\n"
        "boxes := boxes · (height, width, height, width)\n"
        "yolo_eval: corners → filter (score ≥ threshold) → scale → non-max suppression",
        r"(y_1, x_1, y_2, x_2) = \big(b_y - \tfrac{b_h}{2},\ b_x - \tfrac{b_w}{2},\ "
        r"b_y + \tfrac{b_h}{2},\ b_x + \tfrac{b_w}{2}\big), \quad "
        r"\text{boxes} \cdot (H, W, H, W)",
        ("scratch.yolo.yolo_boxes_to_corners", "scratch.yolo.scale_boxes", "scratch.yolo.yolo_eval"),
        ("torch_ref.yolo.yolo_boxes_to_corners", "torch_ref.yolo.scale_boxes",
         "torch_ref.yolo.yolo_eval"),
        (f"{T_YOLO}::test_boxes_to_corners_and_scale_parity", f"{T_YOLO}::test_yolo_eval_parity",
         f"{T_YOLO}::test_corners_and_scaling_by_hand", f"{T_YOLO}::test_yolo_eval_is_the_course_pipeline",
         f"{T_YOLO}::test_course_random_outputs_with_negative_sizes"),
        torch_ops=("torchvision.ops.box_convert", "torchvision.ops.nms",
                   "torchvision.ops.batched_nms"),
        note="The course's signatures: yolo_eval(yolo_outputs, image_shape=(720, 1280), "
             "max_boxes=10, score_threshold=.6, iou_threshold=.5) with yolo_outputs = (box_xy, "
             "box_wh, box_confidence, box_class_probs). Its NMS ignores the classes "
             "(torchvision.ops.nms); per_class=True (not the course's) runs it per class "
             "(batched_nms). box_convert's 'cxcywh' → 'xyxy' gives (x1, y1, x2, y2): torch_ref "
             "reorders to the course's (y1, x1, y2, x2). Inference only: no backward pass.",
        marks=("box_mins = box_xy - (box_wh / 2.)", "box_maxes = box_xy + (box_wh / 2.)",
               "boxes = boxes * image_dims",
               "scores, boxes, classes = suppression(scores, boxes, classes, max_boxes, "
               "iou_threshold)")),
    # ------------------------------------------------------------------ week 4: style transfer
    Formula(
        "c4.content_cost", "c4w4", "Neural style transfer", "Content cost and its gradient",
        "J_content(C, G) = 1/(4 n_H n_W n_C) Σ (a⁽ᶜ⁾ − a⁽ᴳ⁾)²\n"
        "∂J_content/∂a⁽ᴳ⁾ = (a⁽ᴳ⁾ − a⁽ᶜ⁾) / (2 n_H n_W n_C)",
        r"J_{content} = \frac{1}{4 n_H n_W n_C} \sum (a^{(C)} - a^{(G)})^2, \qquad "
        r"\frac{\partial J_{content}}{\partial a^{(G)}} = \frac{a^{(G)} - a^{(C)}}{2 n_H n_W n_C}",
        ("scratch.style_transfer.compute_content_cost",
         "scratch.style_transfer.compute_content_cost_backward"),
        ("torch_ref.style_transfer.ContentLoss", "torch_ref.cnn.nhwc_to_nchw"),
        (f"{T_NST}::test_content_cost_parity",
         f"{T_NST}::test_style_transfer_gradients_by_finite_differences"),
        torch_ops=("torch.nn.functional.mse_loss",),
        note="torch_ref writes it as F.mse_loss(a_G, a_C) / 4: the mean over the n_H n_W n_C "
             "entries is the course's 1/(n_H n_W n_C). " + _NHWC,
        marks=("J_content = np.sum(np.square(a_C_unrolled - a_G_unrolled)) / (4.0 * n_H * n_W * n_C)",
               "da_G = (a_G - a_C) / (2.0 * n_H * n_W * n_C)")),
    Formula(
        "c4.gram_matrix", "c4w4", "Neural style transfer", "Gram matrix (style matrix)",
        "A = a reshaped to (n_H n_W, n_C), transposed: (n_C, n_H n_W)\n"
        "G = A Aᵀ,  G_ij = Σ_k A_ik A_jk",
        r"G = A A^T, \qquad G_{ij} = \sum_k A_{ik} A_{jk}",
        ("scratch.style_transfer.gram_matrix",),
        ("torch_ref.style_transfer.gram_matrix",),
        (f"{T_NST}::test_gram_matrix_parity", f"{T_NST}::test_gram_matrix_by_hand"),
        torch_ops=("torch.Tensor.reshape",),
        note="The course unrolls (1, n_H, n_W, n_C) by reshaping to (n_H n_W, n_C) and "
             "transposing, so row c is channel c; in PyTorch's NCHW a plain reshape to "
             "(n_C, n_H n_W) gives the same matrix. Reshaping the NHWC array straight to "
             "(n_C, n_H n_W) mixes channels (a test shows it).",
        marks=("GA = np.dot(A, A.T)",)),
    Formula(
        "c4.layer_style_cost", "c4w4", "Neural style transfer",
        "Style cost of one layer and its gradient",
        "J_style⁽ˡ⁾ = 1/(4 n_C² (n_H n_W)²) Σ_ij (G⁽ˢ⁾_ij − G⁽ᴳ⁾_ij)²\n"
        "∂J/∂G⁽ᴳ⁾ = (G⁽ᴳ⁾ − G⁽ˢ⁾) / (2 n_C² (n_H n_W)²)\n"
        "∂J/∂A = (∂J/∂G + ∂J/∂Gᵀ) A = (G⁽ᴳ⁾ − G⁽ˢ⁾) A / (n_C² (n_H n_W)²)",
        r"J^{[l]}_{style} = \frac{1}{4 n_C^2 (n_H n_W)^2} \sum_{ij} (G^{(S)}_{ij} - G^{(G)}_{ij})^2, "
        r"\qquad \frac{\partial J^{[l]}_{style}}{\partial A^{(G)}} = "
        r"\frac{(G^{(G)} - G^{(S)}) A^{(G)}}{n_C^2 (n_H n_W)^2}",
        ("scratch.style_transfer.compute_layer_style_cost",
         "scratch.style_transfer.compute_layer_style_cost_backward"),
        ("torch_ref.style_transfer.StyleLoss",),
        (f"{T_NST}::test_layer_style_cost_parity",
         f"{T_NST}::test_style_transfer_gradients_by_finite_differences"),
        torch_ops=("torch.nn.functional.mse_loss",),
        note="The factor 2 in ∂J/∂A comes from A entering G = A Aᵀ twice; the gradient is "
             "rolled back through the unrolling (transpose, reshape). torch_ref writes the cost "
             "as F.mse_loss(G_G, G_S) / (4 (n_H n_W)²) (the mean over n_C² entries). " + _NHWC,
        marks=("J_style_layer = np.sum(np.square(GS - GG)) / (4.0 * n_C ** 2 * (n_H * n_W) ** 2)",
               "dGG = (GG - GS) / (2.0 * n_C ** 2 * (n_H * n_W) ** 2)",
               "return np.dot(dGA + dGA.T, A)")),
    Formula(
        "c4.style_cost", "c4w4", "Neural style transfer", "Style cost over several layers",
        "J_style(S, G) = Σ_l λ⁽ˡ⁾ J_style⁽ˡ⁾(S, G)\n"
        "∂J_style/∂a⁽ᴳ⁾⁽ˡ⁾ = λ⁽ˡ⁾ ∂J_style⁽ˡ⁾/∂a⁽ᴳ⁾⁽ˡ⁾",
        r"J_{style}(S, G) = \sum_l \lambda^{[l]} J^{[l]}_{style}(S, G)",
        ("scratch.style_transfer.compute_style_cost",
         "scratch.style_transfer.compute_style_cost_backward"),
        ("torch_ref.style_transfer.style_cost",),
        (f"{T_NST}::test_style_cost_parity",),
        note="The course's function reads the style layers' activations from a VGG model; "
             "scratch takes the lists of activations (one per STYLE_LAYERS entry, in order) "
             "and the (name, λ) pairs, as STYLE_LAYERS = [('block1_conv1', 0.2), ...].",
        marks=("J_style += weight[1] * J_style_layer",)),
    Formula(
        "c4.total_cost", "c4w4", "Neural style transfer", "Total cost",
        "J(G) = α J_content(C, G) + β J_style(S, G)   (α = 10, β = 40)",
        r"J(G) = \alpha J_{content}(C, G) + \beta J_{style}(S, G)",
        ("scratch.style_transfer.total_cost", "scratch.style_transfer.total_cost_backward"),
        ("torch_ref.style_transfer.total_cost",),
        (f"{T_NST}::test_total_cost_parity", f"{T_NST}::test_total_cost_course_value"),
        note="total_cost_backward returns α ∂J_content/∂a⁽ᴳ⁾ at the content layer and "
             "β ∂J_style/∂a⁽ᴳ⁾⁽ˡ⁾ at each style layer; a layer that is both gets the sum "
             "(autograd adds them; a test has the content layer among the style layers).",
        marks=("J = alpha * J_content + beta * J_style",)),
    # ------------------------------------------------------------------ week 4: face recognition
    Formula(
        "c4.triplet_loss", "c4w4", "Face recognition", "Triplet loss and its gradient",
        "J = Σᵢ max(‖f(Aᵢ) − f(Pᵢ)‖² − ‖f(Aᵢ) − f(Nᵢ)‖² + α, 0)\n"
        "∂J/∂a = 2 (n − p),  ∂J/∂p = 2 (p − a),  ∂J/∂n = 2 (a − n)   (where the max is active)",
        r"J = \sum_i \max\left(\lVert f(A_i) - f(P_i) \rVert^2 - \lVert f(A_i) - f(N_i) \rVert^2 "
        r"+ \alpha,\ 0\right)",
        ("scratch.face_recognition.triplet_loss",
         "scratch.face_recognition.triplet_loss_backward"),
        ("torch_ref.face_recognition.triplet_loss",
         "torch_ref.face_recognition.course_triplet_criterion",
         "torch_ref.face_recognition.squared_euclidean"),
        (f"{T_FACE}::test_triplet_loss_parity", f"{T_FACE}::test_triplet_loss_by_hand",
         f"{T_FACE}::test_triplet_gradient_at_the_kink",
         f"{T_FACE}::test_triplet_margin_loss_is_another_loss",
         f"{T_FACE}::test_triplet_gradient_by_finite_differences"),
        torch_ops=("torch.nn.TripletMarginWithDistanceLoss", "torch.nn.TripletMarginLoss",
                   "torch.clamp"),
        note="The course squares the distances and sums over the batch; "
             "nn.TripletMarginWithDistanceLoss(squared distance, reduction='sum') is the same "
             "loss. nn.TripletMarginLoss is another one (the p-norm distance itself, eps added "
             "to the difference, a mean): the square changes which triplets count, so no "
             "setting of it agrees in general (a test shows the numbers). At basic_loss = 0 "
             "scratch follows tf.maximum's gradient (1); torch.clamp's is 0 (a test shows both).",
        marks=("pos_dist = np.sum(np.square(anchor - positive), axis=-1)",
               "basic_loss = pos_dist - neg_dist + alpha",
               "d_anchor = active * 2 * (negative - positive)")),
)

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ("scratch.detection", "scratch.style_transfer",
                            "scratch.face_recognition")
