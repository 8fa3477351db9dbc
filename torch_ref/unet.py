r"""Course 4, week 3: U-Net's conv block and up-sampling block as ``nn.Module``\ s, the course's
Keras blocks layer for layer.

- :class:`ConvBlock`: ``nn.Conv2d(3, padding="same")`` + ``nn.ReLU`` twice, dropout
  (:class:`torch_ref.regularization.MaskedDropout`, an ``nn.Dropout`` whose keep-mask can be
  given), ``nn.MaxPool2d(2)``; ``forward`` returns (next_layer, skip_connection).
- :class:`UpsamplingBlock`: Keras's ``Conv2DTranspose(n_filters, 3, strides=2, padding="same")``
  (:class:`torch_ref.conv_layers.KerasConvTranspose2d`: ``nn.ConvTranspose2d(3, stride=2)`` with
  its last row and column dropped; PyTorch's usual ``padding=1, output_padding=1`` gives the
  same size one pixel shifted), ``torch.cat`` of the skip connection along the channels, two
  conv + ReLU.

The course's dict (:meth:`load_course_parameters`, :meth:`course_parameters`,
:meth:`course_gradients`): W1 (3, 3, n_C_in, n_filters) -> conv1.weight, b1 -> conv1.bias,
W2, b2 -> conv2; W_up (3, 3, n_filters, n_C_exp) -> up.conv.weight (n_C_exp, n_filters, 3, 3),
b_up -> up.conv.bias.
"""
from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

from .cnn import course_bias_to_torch, course_filter_to_torch, torch_bias_to_course, \
    torch_filter_to_course
from .conv_layers import KerasConvTranspose2d, torch_transpose_filter_to_course, \
    transpose_filter_to_torch
from .regularization import MaskedDropout

#: course key -> (attribute path, to torch, to the course)
_CONV = (course_filter_to_torch, torch_filter_to_course)
_BIAS = (course_bias_to_torch, torch_bias_to_course)
_UP = (transpose_filter_to_torch, torch_transpose_filter_to_course)


class _CourseDict(nn.Module):
    #: course key -> (module attribute, tensor name, (to torch, to the course))
    course_keys: dict = {}

    def _tensors(self):
        return {key: getattr(getattr(self, module), name)
                for key, (module, name, _) in self.course_keys.items()}

    @torch.no_grad()
    def load_course_parameters(self, parameters: Mapping[str, np.ndarray]):
        """Copy the course's dict in, exactly; every key and shape is checked first."""
        values = {}
        for key, t in self._tensors().items():
            if key not in parameters:
                raise ValueError(f"parameters: missing {key!r}; expected {sorted(self.course_keys)}")
            value = self.course_keys[key][2][0](torch.as_tensor(np.asarray(parameters[key])))
            if value.shape != t.shape:
                raise ValueError(f"parameters: {key} does not fit this block: it maps to "
                                 f"{tuple(value.shape)}, the layer's is {tuple(t.shape)}")
            values[key] = value
        for key, t in self._tensors().items():
            t.copy_(values[key])
        return self

    def _as_course(self, read):
        return {key: self.course_keys[key][2][1](read(t).detach()).cpu().numpy().copy()
                for key, t in self._tensors().items()}

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self._as_course(lambda t: t)

    def course_gradients(self) -> dict[str, np.ndarray]:
        """``.grad`` of every parameter, keys d + the course's name (dW1, db1, ...)."""
        return {f"d{k}": v for k, v in self._as_course(lambda t: t.grad).items()}


class ConvBlock(_CourseDict):
    r"""Conv(3x3, same) -> ReLU -> Conv(3x3, same) -> ReLU [-> Dropout] [-> MaxPool 2x2].

    Args:
        n_C_prev: input channels.  n_filters: both convolutions' outputs.
        dropout_prob: Dropout's p (0: no dropout module).  max_pooling: pool or not.

    Shape:
        - Input: (m, n_C_prev, n_H, n_W).
        - Output: (next_layer (m, n_filters, n_H // 2, n_W // 2) or the skip connection's
          shape without pooling, skip_connection (m, n_filters, n_H, n_W)).
    """

    course_keys = {"W1": ("conv1", "weight", _CONV), "b1": ("conv1", "bias", _BIAS),
                   "W2": ("conv2", "weight", _CONV), "b2": ("conv2", "bias", _BIAS)}

    def __init__(self, n_C_prev: int, n_filters: int = 32, dropout_prob: float = 0,
                 max_pooling: bool = True, device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.conv1 = nn.Conv2d(n_C_prev, n_filters, 3, padding="same", **kw)
        self.conv2 = nn.Conv2d(n_filters, n_filters, 3, padding="same", **kw)
        self.relu = nn.ReLU()
        self.dropout = MaskedDropout(dropout_prob) if dropout_prob > 0 else None
        self.pool = nn.MaxPool2d(2) if max_pooling else None

    def forward(self, inputs: torch.Tensor):
        conv = self.relu(self.conv1(inputs))
        conv = self.relu(self.conv2(conv))
        if self.dropout is not None:
            conv = self.dropout(conv)
        skip_connection = conv
        next_layer = self.pool(conv) if self.pool is not None else conv
        return next_layer, skip_connection


class UpsamplingBlock(_CourseDict):
    r"""ConvTranspose(3x3, stride 2, Keras "same") -> cat(skip) -> (Conv(3x3, same) -> ReLU) x 2.

    Args:
        n_C_expansive: channels of the input from below.  n_C_contractive: channels of the skip
            connection.  n_filters: the transposed and both convolutions' outputs.

    Shape:
        - expansive_input: (m, n_C_expansive, n_H, n_W); contractive_input:
          (m, n_C_contractive, 2 n_H, 2 n_W).
        - Output: (m, n_filters, 2 n_H, 2 n_W).
    """

    course_keys = {"W_up": ("up_conv", "weight", _UP), "b_up": ("up_conv", "bias", _BIAS),
                   **ConvBlock.course_keys}

    def __init__(self, n_C_expansive: int, n_C_contractive: int, n_filters: int = 32,
                 device=None, dtype=None):
        super().__init__()
        kw = {"device": device, "dtype": dtype}
        self.up = KerasConvTranspose2d(n_C_expansive, n_filters, 3, 2, "same", **kw)
        self.conv1 = nn.Conv2d(n_filters + n_C_contractive, n_filters, 3, padding="same", **kw)
        self.conv2 = nn.Conv2d(n_filters, n_filters, 3, padding="same", **kw)
        self.relu = nn.ReLU()

    @property
    def up_conv(self) -> nn.ConvTranspose2d:
        return self.up.conv

    def forward(self, expansive_input: torch.Tensor, contractive_input: torch.Tensor):
        up = self.up(expansive_input)
        merge = torch.cat([up, contractive_input], dim=1)
        conv = self.relu(self.conv1(merge))
        return self.relu(self.conv2(conv))
