"""Course 4 ("Convolutional Neural Networks"), week 1: convolution and pooling step by step,
the fast path, and the MNIST CNN."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown in this order, after course 1's)
WEEKS: dict[str, str] = {"c4w1": "Course 4, week 1: convolutions and pooling"}

T_CONV = "parity_tests/test_conv.py"
T_FAST = "parity_tests/test_fast_conv.py"

_LAYOUT = ("The course is channels last, A (m, n_H, n_W, n_C) and W (f, f, n_C_prev, n_C); "
           "PyTorch channels first, (m, n_C, n_H, n_W) and Conv2d.weight (n_C, n_C_prev, f, f). "
           "The tests map them with torch_ref.cnn's nhwc_to_nchw / course_filter_to_torch "
           "(pure permutations, exact).")

ENTRIES: tuple[Formula, ...] = (
    Formula(
        "c4.zero_pad", "c4w1", "Convolution", "Zero padding",
        "X_pad[i, p + h, p + w, c] = X[i, h, w, c];  0 on the p-pixel border\n"
        "n_H → n_H + 2p,  n_W → n_W + 2p",
        r"X_{pad}[i, p + h, p + w, c] = X[i, h, w, c], \quad n_H \to n_H + 2p",
        ("scratch.conv.zero_pad",),
        ("torch_ref.cnn.nhwc_to_nchw",),
        (f"{T_CONV}::test_zero_pad_parity",),
        torch_ops=("torch.nn.functional.pad",),
        note="Only height and width are padded, never the examples or channels. " + _LAYOUT,
        marks=("X_pad = np.pad(X, ((0, 0), (pad, pad), (pad, pad), (0, 0))",)),
    Formula(
        "c4.conv_forward", "c4w1", "Convolution", "Convolution forward (cross-correlation)",
        "Z[i, h, w, c] = Σ_{p,q,k} a_pad[i, s h + p, s w + q, k] W[p, q, k, c] + b[c]\n"
        "n_H = ⌊(n_H_prev + 2 pad − f) / s⌋ + 1",
        r"Z_{ihwc} = \sum_{p,q,k} a^{pad}_{i,\,sh+p,\,sw+q,\,k} W_{pqkc} + b_c, \qquad "
        r"n_H = \left\lfloor \frac{n_{H,prev} + 2p - f}{s} \right\rfloor + 1",
        ("scratch.conv.conv_single_step", "scratch.conv.conv_forward"),
        ("torch_ref.cnn.conv2d_from_course", "torch_ref.cnn.course_filter_to_torch",
         "torch_ref.cnn.course_bias_to_torch"),
        (f"{T_CONV}::test_conv_forward_parity", f"{T_CONV}::test_conv_single_step_parity",
         f"{T_CONV}::test_course_unit_values"),
        torch_ops=("torch.nn.Conv2d",),
        note="Both are cross-correlations: neither flips the filter (the 'convolution' of "
             "signal processing would). nn.Conv2d's padding= is zero_pad. " + _LAYOUT,
        marks=("Z = np.sum(s)",
               "Z[i, h, w, c] = conv_single_step(a_slice_prev, weights, biases)")),
    Formula(
        "c4.conv_backward", "c4w1", "Convolution", "Convolution backward",
        "dA_pad[i, s h + p, s w + q, :] += W[p, q, :, c] dZ[i, h, w, c]\n"
        "dW[:, :, :, c] += a_slice dZ[i, h, w, c]\n"
        "db[c] = Σ_{i,h,w} dZ[i, h, w, c]",
        r"dA^{pad}_{i,\,sh+p,\,sw+q,\,:} \mathrel{+}= W_{pq:c}\, dZ_{ihwc}, \quad "
        r"dW_{::: c} \mathrel{+}= a_{slice}\, dZ_{ihwc}, \quad db_c = \sum_{i,h,w} dZ_{ihwc}",
        ("scratch.conv.conv_backward",),
        ("torch_ref.cnn.conv2d_from_course", "torch_ref.cnn.torch_filter_to_course",
         "torch_ref.cnn.torch_bias_to_course"),
        (f"{T_CONV}::test_conv_backward_parity", f"{T_CONV}::test_conv_backward_finite_differences",
         f"{T_CONV}::test_course_unit_values"),
        torch_ops=("torch.Tensor.backward",),
        note="No 1/m here: dZ is the upstream gradient, a mean cost has put 1/m in it (the "
             "tests feed the same dZ to Z.backward(dZ)). The padding is cut off with "
             "[pad : pad + n_H_prev], which works for pad = 0 (the notebook's [pad:-pad] "
             "gives an empty array there). Finite differences are the third witness.",
        marks=("da_prev_pad[vert_start:vert_end, horiz_start:horiz_end, :] += W[:, :, :, c] * dZ[i, h, w, c]",
               "dW[:, :, :, c] += a_slice * dZ[i, h, w, c]",
               "db[:, :, :, c] += dZ[i, h, w, c]")),
    Formula(
        "c4.pool_forward", "c4w1", "Pooling", "Max and average pooling forward",
        "A[i, h, w, c] = max_{p,q < f} A_prev[i, s h + p, s w + q, c]\n"
        "A[i, h, w, c] = (1/f²) Σ_{p,q < f} A_prev[i, s h + p, s w + q, c]\n"
        "n_H = ⌊(n_H_prev − f) / s⌋ + 1",
        r"A_{ihwc} = \max_{p,q} A^{prev}_{i,\,sh+p,\,sw+q,\,c} \ \text{or}\ "
        r"\frac{1}{f^2}\sum_{p,q} A^{prev}_{i,\,sh+p,\,sw+q,\,c}",
        ("scratch.conv.pool_forward",),
        ("torch_ref.cnn.nhwc_to_nchw",),
        (f"{T_CONV}::test_pool_forward_parity", f"{T_CONV}::test_course_unit_values"),
        torch_ops=("torch.nn.MaxPool2d", "torch.nn.AvgPool2d"),
        note="No padding, output size rounded down (PyTorch's ceil_mode=False). Each channel "
             "is pooled on its own. " + _LAYOUT,
        marks=("A[i, h, w, c] = np.max(a_prev_slice)", "A[i, h, w, c] = np.mean(a_prev_slice)")),
    Formula(
        "c4.pool_backward_max", "c4w1", "Pooling", "Max pooling backward (the mask)",
        "mask = (a_slice == max(a_slice))\n"
        "dA_prev[i, window, c] += mask · dA[i, h, w, c]",
        r"\text{mask} = \big(a_{slice} = \max a_{slice}\big), \quad "
        r"dA^{prev}_{i,\,win,\,c} \mathrel{+}= \text{mask} \cdot dA_{ihwc}",
        ("scratch.conv.create_mask_from_window", "scratch.conv.pool_backward"),
        ("torch_ref.cnn.nchw_to_nhwc",),
        (f"{T_CONV}::test_max_pool_backward_parity", f"{T_CONV}::test_max_pool_ties_course_vs_torch",
         f"{T_CONV}::test_course_unit_values"),
        torch_ops=("torch.nn.MaxPool2d",),
        note="Ties differ on purpose. The course's mask x == max(x) is True at EVERY tied "
             "maximum, so a window with k equal maxima passes k·dA back; nn.MaxPool2d records "
             "one index per window (the first maximum in row-major order) and passes dA to it "
             "alone, a true subgradient. With distinct values the two agree exactly, so the "
             "parity tests draw tie-free data (a permutation of distinct values), and "
             "test_max_pool_ties_course_vs_torch shows the difference on a tied window. Ties "
             "are real on MNIST (a zero background gives equal Z over whole windows): the "
             "NumPy CNN (scratch.fast_conv.CNN) uses PyTorch's rule by default "
             "(max_pool_ties='first'); pool_backward_fast(..., ties='all') is the course's.",
        marks=("mask = (x == np.max(x))",
               "dA_prev[i, vert_start:vert_end, horiz_start:horiz_end, c] += np.multiply(mask, dA[i, h, w, c])")),
    Formula(
        "c4.pool_backward_average", "c4w1", "Pooling", "Average pooling backward",
        "dA_prev[i, window, c] += dA[i, h, w, c] / (f f)",
        r"dA^{prev}_{i,\,win,\,c} \mathrel{+}= \frac{dA_{ihwc}}{f^2}",
        ("scratch.conv.distribute_value", "scratch.conv.pool_backward"),
        ("torch_ref.cnn.nchw_to_nhwc",),
        (f"{T_CONV}::test_average_pool_backward_parity", f"{T_CONV}::test_course_unit_values"),
        torch_ops=("torch.nn.AvgPool2d",),
        note="Every entry of a window had the same weight 1/(f f) in the mean, so each gets "
             "dA / (f f); overlapping windows (stride < f) add up.",
        marks=("average = dz / (n_H * n_W)",
               "+= distribute_value(da, shape)")),
    Formula(
        "c4.fast_conv", "c4w1", "Fast path", "Convolution as one matrix product (im2col)",
        "cols[(i, h, w), (p, q, k)] = a_pad[i, s h + p, s w + q, k]\n"
        "Z = cols W_col + b,  W_col = W.reshape(f f n_C_prev, n_C)\n"
        "dW = colsᵀ dZ;  db = Σ_rows dZ;  dA_pad = col2im(dZ W_colᵀ)",
        r"Z = \mathrm{cols}\, W_{col} + b, \quad dW = \mathrm{cols}^{T} dZ, \quad "
        r"dA^{pad} = \mathrm{col2im}(dZ\, W_{col}^{T})",
        ("scratch.fast_conv.conv_forward_fast", "scratch.fast_conv.conv_backward_fast"),
        ("torch_ref.cnn.conv2d_from_course",),
        (f"{T_FAST}::test_fast_conv_matches_loop_form", f"{T_FAST}::test_fast_conv_matches_torch"),
        torch_ops=("torch.nn.Conv2d",),
        note="The same sums as the loops in another order (one GEMM instead of one dot "
             "product per output value), so they agree to rounding. cols is built with f f "
             "strided copies; col2im(dZ W_colᵀ) is f f products dZ W[p, q]ᵀ, each added into "
             "a strided view, one per filter offset (p, q).",
        marks=("Z = np.dot(cols, W.reshape(f * f * n_C_prev, n_C))",
               "dW = np.dot(cols.T, dZ_rows).reshape(W.shape)",
               "dcols_pq = np.dot(dZ_rows, W[p, q].T)")),
    Formula(
        "c4.fast_pool", "c4w1", "Fast path", "Pooling by window offsets",
        "A = max_{p,q} A_prev[:, s h + p, s w + q, :]  (f f array operations)\n"
        "dA_prev[:, s h + p, s w + q, :] += mask_pq dA  (ties: 'all' or 'first')",
        r"A = \max_{p,q} A^{prev}_{:,\,sh+p,\,sw+q,\,:}, \quad "
        r"dA^{prev}_{:,\,sh+p,\,sw+q,\,:} \mathrel{+}= \text{mask}_{pq}\, dA",
        ("scratch.fast_conv.pool_forward_fast", "scratch.fast_conv.pool_backward_fast"),
        ("torch_ref.cnn.nchw_to_nhwc",),
        (f"{T_FAST}::test_fast_pool_matches_loop_form", f"{T_FAST}::test_fast_pool_matches_torch"),
        torch_ops=("torch.nn.MaxPool2d", "torch.nn.AvgPool2d"),
        note="ties='all' equals the course's loops even on tied windows; ties='first' "
             "equals nn.MaxPool2d's gradient even on tied windows (the first maximum in "
             "row-major order gets dA).",
        marks=("mask = _window(A_prev, p, q, f, stride, n_H, n_W) == A",
               "mask &= ~taken")),
    Formula(
        "c4.cnn", "c4w1", "The MNIST CNN", "CONV-RELU-POOL ×2, FLATTEN, FC softmax",
        "Z1 = W1 ⋆ X + b1;  A1 = ReLU(Z1);  P1 = maxpool(A1)\n"
        "Z2 = W2 ⋆ P1 + b2;  A2 = ReLU(Z2);  P2 = maxpool(A2)\n"
        "Z3 = W3 flatten(P2) + b3;  A3 = softmax(Z3)\n"
        "J = −(1/m) Σᵢ Σₖ Yₖᵢ log A3ₖᵢ;  dZ3 = (1/m)(A3 − Y)",
        r"Z^{[3]} = W^{[3]} \mathrm{flat}(P^{[2]}) + b^{[3]}, \quad "
        r"J = -\frac{1}{m}\sum_i \sum_k Y_{ki} \log A^{[3]}_{ki}",
        ("scratch.fast_conv.CNN", "scratch.fast_conv.initialize_parameters_cnn",
         "scratch.fast_conv.columns_to_images"),
        ("torch_ref.cnn.CNN", "torch_ref.cnn.course_fc_to_torch", "torch_ref.cnn.columns_to_nchw"),
        (f"{T_FAST}::test_cnn_matches_torch_autograd",
         f"{T_FAST}::test_cnn_max_pool_ties_on_mnist_like_data",
         f"{T_FAST}::test_cnn_flatten_order_and_round_trip"),
        torch_ops=("torch.nn.CrossEntropyLoss", "torch.nn.Flatten", "torch.optim.SGD"),
        note="Flatten order: the course's (and the dict's W3) is channels last, column "
             "(h n_W + w) n_C + c; nn.Flatten of NCHW gives (c n_H + h) n_W + w: "
             "course_fc_to_torch permutes W3's columns once. Inside, the NumPy CNN keeps its "
             "activations as (n_C, n_H, n_W, m) (the course's columns, examples last), so its "
             "P2 flattens in (c, h, w) order too and it permutes W3's columns the same way each "
             "step; each conv is im2col + GEMM in cache-sized blocks, ReLU runs after the max "
             "pool (the same numbers, 4x fewer), and a batch is split in shards run side by "
             "side (worker processes). "
             "PyTorch's loss is nn.CrossEntropyLoss on the logits Z3 with class indices (a "
             "log-sum-exp); NumPy takes log of the softmax, clamped at −100. Max-pool ties "
             "use PyTorch's rule here (see c4.pool_backward_max).",
        marks=("Z3 = blas.matmul(self._W3, s.P2.reshape(-1, s.m), out=A3)",
               "blas.matmul(dZ3, F.T, out=s.dW3)",
               "s.pool2.backward(s.dP2, s.P2, dZ2, s.dP2_scratch)")),
)

#: scratch modules whose public functions must all appear in the catalog
MODULES: tuple[str, ...] = ("scratch.conv", "scratch.fast_conv")
