"""Rounding bounds of the convolution layers' parity tests, measured on the data.

Each value a convolution layer computes is a sum of K products, and Higham's bound gives
|fl(s) - s| <= gamma_K sum|terms|. Every layer here is linear in its input and in its weights
(bilinear), so sum|terms| of EVERY output and gradient entry is the same layer run on absolute
values: |A|, |W|, |b| in, |dZ| as the upstream gradient. :func:`abs_scales` does that with the
PyTorch twin module in float64 on the CPU (a route independent of scratch), and the count charged
to a value is K * ceil(max sum|terms|), at least K: then 2 gamma_n bounds the two routes'
difference both absolutely and relative to the values of order 1 (see ``_tolerances``). Layers
in sequence add their counts (the later layer's weights are inside the composed absolute map).
"""
from __future__ import annotations

import copy
import math

import torch

from torch_ref.cnn import nhwc_to_nchw


def abs_scales(module, inputs, upstream):
    """Run a copy of ``module`` (weights replaced by their absolute values, float64, CPU) on
    |inputs| (NHWC arrays, converted here) with |upstream| (NHWC) as the output's gradient.

    Returns {"out": max sum|terms| of the output, "d<i>": of the gradient of input i,
    "<name>": of each parameter's gradient}.
    """
    abs_module = copy.deepcopy(module).to(device="cpu", dtype=torch.float64)
    with torch.no_grad():
        for p in abs_module.parameters():
            p.abs_()
    xs = [nhwc_to_nchw(abs(torch.as_tensor(x, dtype=torch.float64))).requires_grad_(True)
          for x in inputs]
    out = abs_module(*xs)
    out.backward(nhwc_to_nchw(abs(torch.as_tensor(upstream, dtype=torch.float64))))
    scales = {"out": float(out.detach().max())}
    scales.update({f"d{i}": float(x.grad.max()) for i, x in enumerate(xs)})
    scales.update({name: float(p.grad.abs().max()) for name, p in abs_module.named_parameters()})
    return scales


def count(K, scale):
    """Rounding steps charged to a K-term sum whose terms' absolute values add up to scale."""
    return K * max(1, math.ceil(scale))
