"""Course 4 ("Convolutional Neural Networks"), week 2: the Keras layers of its assignments by hand
(Conv2D, BatchNormalization over channels), the ResNet identity and convolutional blocks, and
MobileNet's depthwise separable convolution."""
from __future__ import annotations

from .base import Formula

#: week key -> heading (shown after course 4 week 1's)
WEEKS: dict[str, str] = {"c4w2": "Course 4, week 2: ResNets and MobileNet"}

T_LAYERS = "parity_tests/test_conv_layers.py"
T_RESNET = "parity_tests/test_resnet.py"

_LAYOUT = ("Channels last on the NumPy side (Keras's kernels: Conv2D (f, f, n_C_prev, n_C)), "
           "channels first in PyTorch (Conv2d.weight (n_C, n_C_prev, f, f)); torch_ref.cnn and "
           "torch_ref.conv_layers convert each tensor once (permutations and reshapes, exact).")

ENTRIES: tuple[Formula, ...] = (
    Formula(
        "c4.conv2d", "c4w2", "Keras layers by hand", "Conv2D, one product per filter tap",
        "A_tap = A_pad[:, p : p + s(n_H − 1) + 1 : s, q : q + s(n_W − 1) + 1 : s, :]\n"
        "Z = b + Σ_{p,q} A_tap W[p, q]   (W[p, q]: n_C_prev × n_C)\n"
        "dW[p, q] = Σ_{i,h,w} A_tapᵀ dZ;  db = Σ_{i,h,w} dZ;  dA_pad[tap] += dZ W[p, q]ᵀ\n"
        "padding: valid | same (stride 1: (f − 1)//2 before, the rest after) | p",
        r"Z = b + \sum_{p,q} A^{pad}_{:,\,p + s h,\,q + s w,\,:}\, W_{pq}, \qquad "
        r"dW_{pq} = \sum_{i,h,w} (A^{pad}_{tap})^\top dZ, \quad "
        r"dA^{pad}_{tap} \mathrel{+}= dZ\, W_{pq}^\top",
        ("scratch.conv_layers.conv2d_forward", "scratch.conv_layers.conv2d_backward"),
        ("torch_ref.conv_layers.conv2d", "torch_ref.cnn.course_filter_to_torch",
         "torch_ref.cnn.nhwc_to_nchw"),
        (f"{T_LAYERS}::test_conv2d_parity", f"{T_LAYERS}::test_conv2d_is_week_1s_convolution",
         f"{T_LAYERS}::test_layer_gradients_by_finite_differences"),
        torch_ops=("torch.nn.Conv2d",),
        note="The same cross-correlation as week 1's conv_forward (a test ties the two), written "
             "with f f matrix products over every pixel at once instead of one value at a time. "
             "'same' pads (f − 1)//2 rows before and the rest after, as Keras and PyTorch's "
             "padding='same' (stride 1 only, as PyTorch). " + _LAYOUT,
        marks=("Z += A_pad[tap] @ W[p, q]",
               "dW[p, q] = np.tensordot(A_pad[tap], dZ, axes=([0, 1, 2], [0, 1, 2]))",
               "dA_pad[tap] += dZ @ W[p, q].T")),
    Formula(
        "c4.batch_normalization", "c4w2", "Keras layers by hand",
        "Batch normalization over channels (BatchNormalization(axis=3))",
        "μ_c, σ²_c: mean and biased variance of channel c over its N = m n_H n_W values\n"
        "Z̃ = γ (Z − μ) / √(σ² + ε) + β   (training);  running statistics instead at inference\n"
        "dZ = γ / (N √(σ² + ε)) (N dZ̃ − Σ dZ̃ − Z_norm Σ dZ̃ Z_norm)   (training)\n"
        "running = β_avg running + (1 − β_avg) batch statistic   (Keras momentum 0.99)",
        r"\tilde Z = \gamma \frac{Z - \mu_c}{\sqrt{\sigma_c^2 + \epsilon}} + \beta, \qquad "
        r"dZ = \frac{\gamma}{N\sqrt{\sigma_c^2 + \epsilon}}\Big(N\,d\tilde Z - \sum d\tilde Z "
        r"- Z_{norm} \sum d\tilde Z\, Z_{norm}\Big)",
        ("scratch.conv_layers.batch_normalization_forward",
         "scratch.conv_layers.batch_normalization_forward_test",
         "scratch.conv_layers.batch_normalization_backward",
         "scratch.conv_layers.update_running_stats"),
        ("torch_ref.conv_layers.batch_norm2d",),
        (f"{T_LAYERS}::test_batch_normalization_parity",
         f"{T_LAYERS}::test_batch_normalization_is_course_2s_per_channel",
         f"{T_LAYERS}::test_batch_normalization_by_finite_differences"),
        torch_ops=("torch.nn.BatchNorm2d",),
        note="Course 2's batch norm (scratch.batch_norm) with every pixel of every example a "
             "sample of its channel: Z reshaped to (n_C, m n_H n_W). nn.BatchNorm2d(eps=ε, "
             "momentum=1 − β_avg) keeps the unbiased N/(N − 1) σ² in running_var (scratch's "
             "unbiased=True); Keras's defaults ε = 0.001 and momentum 0.99 are used on both "
             "sides (PyTorch's own are 1e-5 and 0.1). In inference mode the backward is that of "
             "an affine map.",
        marks=("Z_tilde, bn_cache = batch_norm.batchnorm_forward(_columns(Z), gamma.reshape(n_C, 1),",
               "Z_norm = (Z - running_mean) / std",
               "dZ = dZ_tilde * gamma / std")),
    Formula(
        "c4.identity_block", "c4w2", "Residual networks", "The identity block",
        "Z1 = BN(Conv_1×1(X));  A1 = ReLU(Z1)\n"
        "Z2 = BN(Conv_f×f,same(A1));  A2 = ReLU(Z2)\n"
        "Z3 = BN(Conv_1×1(A2));  A = ReLU(Z3 + X)\n"
        "backward: dZ = dA ∗ 1(Z3 + X > 0);  dX = (main path's backward of dZ) + dZ",
        r"A = \mathrm{ReLU}\big(\mathrm{BN}_3(W_3 \star \mathrm{ReLU}(\mathrm{BN}_2(W_2 \star "
        r"\mathrm{ReLU}(\mathrm{BN}_1(W_1 \star X))))) + X\big)",
        ("scratch.resnet.identity_block_forward", "scratch.resnet.identity_block_backward",
         "scratch.resnet.update_block_running_stats"),
        ("torch_ref.resnet.IdentityBlock", "torch_ref.resnet.IdentityBlock.forward"),
        (f"{T_RESNET}::test_block_parity", f"{T_RESNET}::test_block_gradients_by_finite_differences",
         f"{T_RESNET}::test_running_statistics_over_batches_then_inference",
         f"{T_RESNET}::test_course_dict_round_trip"),
        torch_ops=("torch.nn.Conv2d", "torch.nn.BatchNorm2d", "torch.nn.ReLU"),
        note="Keras's identity_block(X, f, filters, training=True): training=True uses the "
             "batch's statistics (PyTorch's train()), False the running ones (eval()). The "
             "shortcut is X itself, so F3 must equal X's channels. The convolutions keep their "
             "bias as the course's Conv2D layers do; in training mode batch norm cancels it and "
             "its gradient is 0 up to rounding (a test shows it).",
        marks=("Z = Z3 + X_shortcut", "A = np.maximum(0, Z)", "dX_shortcut = dZ",
               "dX = _conv_bn_backward(dZ1, cache[\"1\"], \"1\", grads) + dX_shortcut")),
    Formula(
        "c4.convolutional_block", "c4w2", "Residual networks", "The convolutional block",
        "main path as the identity block, its first 1×1 convolution with stride s\n"
        "shortcut = BN(Conv_1×1,stride s(X));  A = ReLU(Z3 + shortcut)\n"
        "backward: dZ = dA ∗ 1(Z > 0);  dX = main path's backward(dZ) + shortcut's backward(dZ)",
        r"A = \mathrm{ReLU}\big(\mathrm{BN}_3(\dots \mathrm{BN}_1(W_1 \star_s X)) + "
        r"\mathrm{BN}_s(W_s \star_s X)\big)",
        ("scratch.resnet.convolutional_block_forward", "scratch.resnet.convolutional_block_backward"),
        ("torch_ref.resnet.ConvolutionalBlock", "torch_ref.resnet.ConvolutionalBlock.forward"),
        (f"{T_RESNET}::test_block_parity", f"{T_RESNET}::test_block_gradients_by_finite_differences",
         f"{T_RESNET}::test_conv_bias_has_no_effect_in_training_mode"),
        torch_ops=("torch.nn.Conv2d", "torch.nn.BatchNorm2d"),
        note="Keras's convolutional_block(X, f, filters, s=2, training=True): the shortcut's "
             "1×1 stride-s convolution and batch norm give it the main path's size and "
             "channels. Its parameters are the identity block's plus W_shortcut, b_shortcut, "
             "gamma_shortcut, beta_shortcut and the shortcut's running statistics.",
        marks=("Z_shortcut, cache_shortcut = _conv_bn(X_shortcut, parameters, \"_shortcut\", s, "
               "\"valid\",",
               "dX_shortcut = _conv_bn_backward(dZ, cache[\"_shortcut\"], \"_shortcut\", grads)")),
    Formula(
        "c4.depthwise_separable", "c4w2", "MobileNet", "Depthwise separable convolution",
        "depthwise: Z_dw[..., c d + j] = Σ_{p,q} A_tap[..., c] W_dw[p, q, c, j]   (no sum over c)\n"
        "pointwise: Z = Z_dw W_pw[0, 0] + b   (a 1×1 convolution)\n"
        "cost per output pixel: f² n_C_prev d + n_C_prev d n_C   (Conv2D: f² n_C_prev n_C)",
        r"Z^{dw}_{c d + j} = \sum_{p,q} A_{tap,\,c}\, W^{dw}_{pqcj}, \qquad "
        r"Z = Z^{dw} W^{pw} + b",
        ("scratch.mobilenet.depthwise_conv2d_forward", "scratch.mobilenet.depthwise_conv2d_backward",
         "scratch.mobilenet.separable_conv2d_forward", "scratch.mobilenet.separable_conv2d_backward"),
        ("torch_ref.conv_layers.depthwise_conv2d", "torch_ref.conv_layers.separable_conv2d",
         "torch_ref.conv_layers.depthwise_filter_to_torch"),
        (f"{T_LAYERS}::test_depthwise_conv2d_parity", f"{T_LAYERS}::test_separable_conv2d_parity",
         f"{T_LAYERS}::test_separable_is_depthwise_then_pointwise_and_cheaper",
         f"{T_LAYERS}::test_layer_gradients_by_finite_differences"),
        torch_ops=("torch.nn.Conv2d",),
        note="Keras's DepthwiseConv2D (kernel (f, f, n_C_prev, d)) is nn.Conv2d(n_C_prev, "
             "n_C_prev d, f, groups=n_C_prev): output channel c d + j is filter j of input "
             "channel c in both. SeparableConv2D = depthwise without bias, then a 1×1 Conv2D "
             "with bias. MobileNetV2's bottleneck (expansion, ReLU6, projection, residual) is "
             "built from these and is not written out here.",
        marks=("Z += A_pad[tap][..., None] * W[p, q]",
               "dW[p, q] = np.sum(A_pad[tap][..., None] * dZ_channels, axis=(0, 1, 2))",
               "dA_pad[tap] += np.sum(dZ_channels * W[p, q], axis=-1)")),
)

#: scratch modules whose public functions must all be listed (conv_layers' transposed
#: convolution and max pool are listed in course4_seg)
MODULES: tuple[str, ...] = ("scratch.conv_layers", "scratch.resnet", "scratch.mobilenet")
