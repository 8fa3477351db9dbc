"""Course 1, week 2, the first programming assignment: "Python basics with NumPy"."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown after course 1's weeks)
WEEKS: dict[str, str] = {"w2b": "Week 2: Python basics with NumPy (the first assignment)"}

T = "parity_tests/test_numpy_basics.py"

ENTRIES: tuple[Formula, ...] = (
    Formula(
        "basics.sigmoid", "w2b", "Python basics with NumPy", "Sigmoid, math and NumPy, and its derivative",
        "s = 1 / (1 + e⁻ˣ)   (basic_sigmoid: one number, math.exp; sigmoid: element-wise, np.exp)\n"
        "σ′(x) = s (1 − s)",
        r"s = \frac{1}{1 + e^{-x}}, \qquad \sigma'(x) = s\,(1 - s)",
        ("scratch.numpy_basics.basic_sigmoid", "scratch.numpy_basics.sigmoid",
         "scratch.numpy_basics.sigmoid_derivative"),
        ("torch_ref.numpy_basics.basic_sigmoid", "torch_ref.numpy_basics.sigmoid",
         "torch_ref.numpy_basics.sigmoid_derivative"),
        (f"{T}::test_sigmoid_parity", f"{T}::test_notebook_cases_by_hand",
         f"{T}::test_backward_passes_by_finite_differences"),
        torch_ops=("torch.sigmoid", "torch.autograd.grad"),
        note="basic_sigmoid takes one Python number (math.exp takes no array: the notebook's "
             "point) and returns a Python float; sigmoid works on any array. The torch twin of "
             "the derivative is autograd of torch.sigmoid.",
        marks=("s = 1 / (1 + math.exp(-x))", "s = 1 / (1 + np.exp(-x))", "ds = s * (1 - s)")),
    Formula(
        "basics.image2vector", "w2b", "Python basics with NumPy", "Unrolling an image into a vector",
        "(length, height, depth) → (length · height · depth, 1)\n"
        "v[(i · height + j) · depth + k] = image[i, j, k]",
        r"v_{(i h + j) d + k} = \mathrm{image}_{ijk}, \quad v \in \mathbb{R}^{l h d \times 1}",
        ("scratch.numpy_basics.image2vector",),
        ("torch_ref.numpy_basics.image2vector",),
        (f"{T}::test_image2vector_parity", f"{T}::test_notebook_cases_by_hand"),
        torch_ops=("torch.Tensor.reshape",),
        note="Both libraries reshape in row-major (C) order, so the same entry lands at the same "
             "place; a reshape moves no value, so the comparison is exact.",
        marks=("v = image.reshape(image.shape[0] * image.shape[1] * image.shape[2], 1)",)),
    Formula(
        "basics.normalize_rows", "w2b", "Python basics with NumPy", "Normalising rows",
        "y = x / ‖x‖,  ‖x‖ = √(Σⱼ xⱼ²)   (each row)\n"
        "dx = (dy − y Σⱼ dyⱼ yⱼ) / ‖x‖",
        r"y = \frac{x}{\lVert x \rVert_2}, \qquad dx = \frac{dy - y\,(y^\top dy)}{\lVert x \rVert_2}",
        ("scratch.numpy_basics.normalize_rows", "scratch.numpy_basics.normalize_rows_backward"),
        ("torch_ref.numpy_basics.normalize_rows",),
        (f"{T}::test_normalize_rows_parity", f"{T}::test_notebook_cases_by_hand",
         f"{T}::test_backward_passes_by_finite_differences"),
        torch_ops=("torch.nn.functional.normalize", "torch.Tensor.backward"),
        note="F.normalize divides by max(‖x‖, 1e-12), so a row of zeros becomes zeros; the "
             "notebook divides 0 by 0 (nan) and scratch refuses such a row.",
        marks=("x_norm = np.linalg.norm(x, ord=2, axis=1, keepdims=True)",
               "dx = (dy - y * np.sum(dy * y, axis=1, keepdims=True)) / r")),
    Formula(
        "basics.softmax", "w2b", "Python basics with NumPy", "Softmax, row by row",
        "s[i, j] = e^(x[i, j]) / Σₖ e^(x[i, k])   (each ROW sums to 1)\n"
        "dx = s ∗ (ds − Σⱼ dsⱼ sⱼ)",
        r"s_{ij} = \frac{e^{x_{ij}}}{\sum_k e^{x_{ik}}}, \qquad "
        r"dx = s \odot \big(ds - \textstyle\sum_j ds_j s_j\big)",
        ("scratch.numpy_basics.softmax", "scratch.numpy_basics.softmax_backward"),
        ("torch_ref.numpy_basics.softmax",),
        (f"{T}::test_softmax_parity", f"{T}::test_notebook_cases_by_hand",
         f"{T}::test_softmax_is_row_wise_not_column_wise",
         f"{T}::test_backward_passes_by_finite_differences"),
        torch_ops=("torch.softmax",),
        note="Row-wise (dim=1), the notebook's axis, unlike week 4's and MNIST's column-wise "
             "softmax. Both sides subtract the row's maximum first (the notebook's plain "
             "np.exp(x) overflows above ~709).",
        marks=("x_exp = np.exp(x - np.max(x, axis=1, keepdims=True))", "s = x_exp / x_sum",
               "dx = s * (ds - np.sum(ds * s, axis=1, keepdims=True))")),
    Formula(
        "basics.L1", "w2b", "Python basics with NumPy", "L1 loss",
        "L₁(ŷ, y) = Σᵢ |y⁽ⁱ⁾ − ŷ⁽ⁱ⁾|\n"
        "∂L₁/∂ŷ = sign(ŷ − y)   (0 where ŷ = y)",
        r"L_1(\hat y, y) = \sum_i |y^{(i)} - \hat y^{(i)}|, \qquad "
        r"\frac{\partial L_1}{\partial \hat y} = \operatorname{sign}(\hat y - y)",
        ("scratch.numpy_basics.L1", "scratch.numpy_basics.L1_backward"),
        ("torch_ref.numpy_basics.L1",),
        (f"{T}::test_L1_L2_parity", f"{T}::test_L1_gradient_where_yhat_equals_y",
         f"{T}::test_notebook_cases_by_hand"),
        torch_ops=("torch.nn.L1Loss",),
        note="A sum, not a mean: nn.L1Loss(reduction=\"sum\") (its default reduction is the "
             "mean).",
        marks=("loss = np.sum(np.abs(y - yhat))", "dyhat = np.sign(yhat - y)")),
    Formula(
        "basics.L2", "w2b", "Python basics with NumPy", "L2 loss",
        "L₂(ŷ, y) = Σᵢ (y⁽ⁱ⁾ − ŷ⁽ⁱ⁾)²   (no 1/m, no 1/2)\n"
        "∂L₂/∂ŷ = 2 (ŷ − y)",
        r"L_2(\hat y, y) = \sum_i (y^{(i)} - \hat y^{(i)})^2, \qquad "
        r"\frac{\partial L_2}{\partial \hat y} = 2(\hat y - y)",
        ("scratch.numpy_basics.L2", "scratch.numpy_basics.L2_backward"),
        ("torch_ref.numpy_basics.L2",),
        (f"{T}::test_L1_L2_parity", f"{T}::test_notebook_cases_by_hand",
         f"{T}::test_backward_passes_by_finite_differences"),
        torch_ops=("torch.nn.MSELoss",),
        note="nn.MSELoss(reduction=\"sum\") is this loss; its default (the mean) divides by the "
             "number of entries.",
        marks=("loss = np.sum((y - yhat) ** 2)", "dyhat = 2 * (yhat - y)")),
)

#: scratch modules whose public functions must all be listed above
MODULES: tuple[str, ...] = ("scratch.numpy_basics",)
