"""Course 4 ("Convolutional Neural Networks"), week 3: the U-Net blocks of the image
segmentation assignment (transposed convolution, max pooling, the skip concatenation). The
car detection assignment's evaluation pipeline (scratch.yolo) is course4_apps' c4.yolo_eval,
beside the filter and the NMS it builds on."""
from __future__ import annotations

from .base import Formula

#: week key -> heading ("c4w3", object detection, is course4_apps')
WEEKS: dict[str, str] = {"c4w3b": "Course 4, week 3: image segmentation with U-Net"}

T_LAYERS = "parity_tests/test_conv_layers.py"
T_UNET = "parity_tests/test_unet.py"

ENTRIES: tuple[Formula, ...] = (
    Formula(
        "c4.conv2d_transpose", "c4w3b", "U-Net", "Transposed convolution",
        "Z_full[:, s h + p, s w + q, :] += A_prev[:, h, w, :] W[p, q]ᵀ   ((n − 1) s + f rows)\n"
        "Z = crop(Z_full) + b   (PyTorch: pad before, pad − output_padding after;\n"
        "    Keras 'same': max(f − s, 0)//2 before, the rest after → n s rows)\n"
        "dA_prev = Σ_{p,q} dZ_full[tap] W[p, q];  dW[p, q] = Σ dZ_full[tap]ᵀ A_prev;  db = Σ dZ",
        r"Z^{full}_{:,\,sh+p,\,sw+q,\,:} \mathrel{+}= A_{:,h,w,:} W_{pq}^\top, \qquad "
        r"dA = \sum_{p,q} dZ^{full}_{tap} W_{pq}",
        ("scratch.conv_layers.conv2d_transpose_forward",
         "scratch.conv_layers.conv2d_transpose_backward"),
        ("torch_ref.conv_layers.conv_transpose2d", "torch_ref.conv_layers.KerasConvTranspose2d",
         "torch_ref.conv_layers.transpose_filter_to_torch"),
        (f"{T_LAYERS}::test_conv2d_transpose_parity",
         f"{T_LAYERS}::test_conv2d_transpose_is_conv2d_backward",
         f"{T_LAYERS}::test_keras_same_is_torch_padding_0_cropped_not_padding_1",
         f"{T_LAYERS}::test_layer_gradients_by_finite_differences"),
        torch_ops=("torch.nn.ConvTranspose2d",),
        note="The transpose of Conv2D's map (its backward pass with respect to the input; no "
             "kernel flip). Keras's kernel is (f, f, n_C, n_C_prev), output channels first; "
             "ConvTranspose2d.weight is (n_C_prev, n_C, f, f). output_padding < stride picks "
             "among the input sizes a strided convolution maps to one size. Keras's 'same' "
             "with f = 3, s = 2 crops the END row (TensorFlow's strided 'same' pads the end): "
             "PyTorch's padding=0 with the last row and column dropped, not padding=1, "
             "output_padding=1, which is the same size shifted by one pixel (a test shows it).",
        marks=("Z_full[tap] += A_prev @ W[p, q].T",
               "Z = Z_full[:, before:before + n_H, before:before + n_W, :] + b",
               "dA_prev += dZ_full[tap] @ W[p, q]",
               "dW[p, q] = np.tensordot(dZ_full[tap], A_prev, axes=([0, 1, 2], [0, 1, 2]))")),
    Formula(
        "c4.unet_conv_block", "c4w3b", "U-Net", "Conv block (contracting path) and max pooling",
        "A1 = ReLU(Conv_3×3,same(inputs));  A2 = ReLU(Conv_3×3,same(A1))\n"
        "A2 = A2 ∗ D / (1 − dropout_prob)   (dropout_prob > 0)\n"
        "skip_connection = A2;  next_layer = MaxPool_2×2(A2)\n"
        "backward: dA2 = maxpool backward(d next_layer) + d skip_connection",
        r"A_2 = \mathrm{ReLU}(W_2 \star \mathrm{ReLU}(W_1 \star X)), \quad "
        r"\text{next} = \mathrm{maxpool}(A_2), \quad dA_2 = \mathrm{maxpool}^\top(d\,\text{next}) "
        r"+ d\,\text{skip}",
        ("scratch.unet.conv_block_forward", "scratch.unet.conv_block_backward",
         "scratch.conv_layers.max_pooling2d_forward", "scratch.conv_layers.max_pooling2d_backward"),
        ("torch_ref.unet.ConvBlock", "torch_ref.unet.ConvBlock.forward",
         "torch_ref.regularization.MaskedDropout"),
        (f"{T_UNET}::test_conv_block_parity", f"{T_UNET}::test_max_pooling2d_parity",
         f"{T_UNET}::test_max_pooling_ties", f"{T_UNET}::test_blocks_by_finite_differences"),
        torch_ops=("torch.nn.Conv2d", "torch.nn.MaxPool2d"),
        note="Keras's conv_block(inputs, n_filters=32, dropout_prob=0, max_pooling=True); "
             "n_filters is read off W1. The dropout keep-mask is drawn by the caller (or with "
             "np.random) and given to both sides. The max pool's gradient goes to a window's "
             "FIRST maximum, as PyTorch's (TensorFlow's goes to a single one too), not to every "
             "tied one as week 1's pool_backward: dead ReLUs make tied windows (a pixel with all-zero inputs is its "
             "bias alone).",
        marks=("A2 = A2 * D / (1 - dropout_prob)",
               "next_layer, pool_cache = max_pooling2d_forward.unchecked(A2, 2)",
               "dA2 = dA2 + d_skip_connection",
               "first_max = np.argmax(windows, axis=-1)")),
    Formula(
        "c4.unet_upsampling_block", "c4w3b", "U-Net",
        "Up-sampling block (expanding path) with the skip connection",
        "up = Conv2DTranspose_3×3,stride 2,same(expansive_input)   (n_H, n_W doubled)\n"
        "merge = concat([up, contractive_input], channels)\n"
        "conv = ReLU(Conv_3×3,same(ReLU(Conv_3×3,same(merge))))\n"
        "backward: d up = d merge[..., :n_filters];  d contractive_input = d merge[..., n_filters:]",
        r"\text{conv} = \mathrm{ReLU}\big(W_2 \star \mathrm{ReLU}(W_1 \star [W_{up} \star^\top "
        r"E;\ C])\big)",
        ("scratch.unet.upsampling_block_forward", "scratch.unet.upsampling_block_backward"),
        ("torch_ref.unet.UpsamplingBlock", "torch_ref.unet.UpsamplingBlock.forward"),
        (f"{T_UNET}::test_upsampling_block_parity", f"{T_UNET}::test_small_unet_through_both_sides",
         f"{T_UNET}::test_blocks_by_finite_differences"),
        torch_ops=("torch.nn.ConvTranspose2d", "torch.cat"),
        note="Keras's upsampling_block(expansive_input, contractive_input, n_filters=32): the "
             "contractive input is the conv block's skip connection at the same level, so its "
             "gradient is added to that block's (a small U-Net test wires both paths).",
        marks=("merge = np.concatenate([up, contractive_input], axis=3)",
               "dup, dcontractive_input = dmerge[..., :n_filters], dmerge[..., n_filters:]")),
)

#: scratch modules whose public functions must all be listed above
MODULES: tuple[str, ...] = ("scratch.yolo", "scratch.unet")
