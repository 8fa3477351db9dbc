"""Course 4, week 1: convolution and pooling step by step (channels last)."""
from __future__ import annotations

import numpy as np

from .base import ELEMENTWISE_OPS, Case, Spec, copy_tree, np64, numerical_gradient, rng_for, t64

#: (m, n_H_prev, n_W_prev, n_C_prev, f, n_C, stride, pad): m = 1, non-square images, stride 2,
#: pad 0 (the notebook's [pad:-pad] hint fails there) and pad 2
CONV_SHAPES = [(1, 5, 5, 1, 3, 1, 1, 0), (2, 5, 7, 3, 3, 2, 2, 1), (2, 4, 4, 2, 2, 3, 1, 2),
               (3, 6, 5, 2, 3, 4, 2, 0)]
#: (m, n_H_prev, n_W_prev, n_C, f, stride, mode)
POOL_SHAPES = [(1, 4, 4, 1, 2, 2, "max"), (2, 5, 7, 3, 3, 1, "max"), (2, 6, 5, 2, 2, 2, "average"),
               (3, 5, 5, 2, 3, 2, "average"), (2, 6, 6, 3, 3, 3, "max")]


def _conv_label(m, nh, nw, nc, f, nC, s, p):
    return f"A_prev ({m}, {nh}, {nw}, {nc}), W ({f}, {f}, {nc}, {nC}), stride {s}, pad {p}"


def _conv_steps(f, nc):
    return f * f * nc + ELEMENTWISE_OPS


def _conv_draw(i):
    m, nh, nw, nc, f, nC, s, p = CONV_SHAPES[i]
    rng = rng_for(81, i)
    A = rng.standard_normal((m, nh, nw, nc))
    W = rng.standard_normal((f, f, nc, nC)) / np.sqrt(f * f * nc)
    b = 0.5 * rng.standard_normal((1, 1, 1, nC))
    return A, W, b, {"stride": s, "pad": p}


def _conv_forward_cases():
    return [Case(_conv_label(*shape), _conv_draw(i), _conv_steps(shape[4], shape[3]), shape[0])
            for i, shape in enumerate(CONV_SHAPES)]


def _conv(W, b, hparameters):
    import torch
    from torch_ref.cnn import conv2d_from_course

    return conv2d_from_course(W, b, hparameters, dtype=torch.float64)


def _conv_forward_torch(args):
    import torch
    from torch_ref.cnn import nchw_to_nhwc, nhwc_to_nchw

    A, W, b, hp = args
    with torch.no_grad():
        return {(0,): np64(nchw_to_nhwc(_conv(W, b, hp)(nhwc_to_nchw(t64(A)))))}


def _conv_backward_cases():
    from scratch import conv

    cases = []
    for c in _conv_forward_cases():
        Z, cache = conv.conv_forward(*c.args)
        dZ = rng_for(82, *Z.shape).standard_normal(Z.shape)
        cases.append(Case(c.label, (dZ, cache), c.steps + Z.shape[1] * Z.shape[2] * Z.shape[0]
                          * Z.shape[3], c.m))
    return cases


def _conv_backward_torch(args):
    from torch_ref.cnn import nchw_to_nhwc, nhwc_to_nchw, torch_bias_to_course, \
        torch_filter_to_course

    dZ, (A, W, b, hp) = args
    layer = _conv(W, b, hp)
    A_t = nhwc_to_nchw(t64(A)).requires_grad_(True)
    layer(A_t).backward(nhwc_to_nchw(t64(dZ)))
    return {(0,): np64(nchw_to_nhwc(A_t.grad)), (1,): np64(torch_filter_to_course(layer.weight.grad)),
            (2,): np64(torch_bias_to_course(layer.bias.grad))}


def _conv_backward_fd(args):
    from scratch import conv

    dZ, (A, W, b, hp) = copy_tree(args)

    def J():
        return np.sum(dZ * conv.conv_forward(A, W, b, hp)[0])
    return {(0,): numerical_gradient(J, A), (1,): numerical_gradient(J, W),
            (2,): numerical_gradient(J, b)}


def _conv_forward_published(fn):
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 7, 4)
    W = np.random.randn(3, 3, 4, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache = fn(A_prev, W, b, {"pad": 1, "stride": 2})
    return [("mean of Z", np.mean(Z), 0.5511276474566768, 1e-13),
            ("Z[0, 2, 1]", Z[0, 2, 1], [-2.17796037, 8.07171329, -0.5772704, 3.36286738,
                                        4.48113645, -2.89198428, 10.99288867, 3.03171932], 1e-8),
            ("cache[0][1][2][3]", cache[0][1][2][3],
             [-1.1191154, 1.9560789, -0.3264995, -1.34267579], 1e-8)]


def _conv_backward_published(fn):
    from scratch import conv

    np.random.seed(1)
    A_prev = np.random.randn(10, 4, 4, 3)
    W = np.random.randn(2, 2, 3, 8)
    b = np.random.randn(1, 1, 1, 8)
    Z, cache = conv.conv_forward(A_prev, W, b, {"pad": 2, "stride": 2})
    dA, dW, db = fn(Z, cache)
    return [("[mean(dA), mean(dW), mean(db)]", [np.mean(dA), np.mean(dW), np.mean(db)],
             [1.4524377775388075, 1.7269914583139097, 7.839232564616838], 1e-10)]


def _zero_pad_cases():
    rng = rng_for(83)
    return [Case(f"X {shape}, pad {pad}", (rng.standard_normal(shape), pad), 1)
            for shape, pad in (((4, 3, 3, 2), 3), ((1, 2, 5, 1), 1), ((2, 3, 3, 3), 0))]


def _zero_pad_published(fn):
    np.random.seed(1)
    x_pad = fn(np.random.randn(4, 3, 3, 2), 3)
    return [("x_pad.shape", np.shape(x_pad), (4, 9, 9, 2), 0),
            ("x_pad[1, 1]", np.asarray(x_pad)[1, 1], np.zeros((9, 2)), 0)]


def _single_step_cases():
    cases = []
    for i, (f, nc) in enumerate([(3, 1), (4, 3), (2, 5)]):
        rng = rng_for(84, i)
        cases.append(Case(f"a_slice_prev ({f}, {f}, {nc})", (rng.standard_normal((f, f, nc)),
                          rng.standard_normal((f, f, nc)), rng.standard_normal((1, 1, 1))),
                          _conv_steps(f, nc)))
    return cases


def _single_step_torch(args):
    import torch

    a, W, b = args
    return {(): np64(torch.sum(t64(a) * t64(W)) + t64(b).reshape(()))}


def _single_step_published(fn):
    np.random.seed(1)
    a, W, b = np.random.randn(4, 4, 3), np.random.randn(4, 4, 3), np.random.randn(1, 1, 1)
    return [("Z", fn(a, W, b), -6.999089450680221, 1e-12)]


def _pool_label(m, nh, nw, nc, f, s, mode):
    return f"A_prev ({m}, {nh}, {nw}, {nc}), f {f}, stride {s}, {mode}"


def _pool_forward_cases():
    cases = []
    for i, (m, nh, nw, nc, f, s, mode) in enumerate(POOL_SHAPES):
        A = rng_for(85, i).standard_normal((m, nh, nw, nc))
        cases.append(Case(_pool_label(m, nh, nw, nc, f, s, mode), (A, {"f": f, "stride": s}, mode),
                          f * f + ELEMENTWISE_OPS, m))
    return cases


def _pool(hp, mode):
    import torch

    cls = torch.nn.MaxPool2d if mode == "max" else torch.nn.AvgPool2d
    return cls(hp["f"], stride=hp["stride"])


def _pool_forward_torch(args):
    import torch
    from torch_ref.cnn import nchw_to_nhwc, nhwc_to_nchw

    A, hp, mode = args
    with torch.no_grad():
        return {(0,): np64(nchw_to_nhwc(_pool(hp, mode)(nhwc_to_nchw(t64(A)))))}


def _pool_backward_cases():
    from scratch import conv

    cases = []
    for c in _pool_forward_cases():
        A, hp, mode = c.args
        P, cache = conv.pool_forward(A, hp, mode)
        dA = rng_for(86, *P.shape).standard_normal(P.shape)
        cases.append(Case(c.label, (dA, cache, mode), c.steps + P.size, c.m))
    return cases


def _pool_backward_torch(args):
    from torch_ref.cnn import nchw_to_nhwc, nhwc_to_nchw

    dA, (A, hp), mode = args
    A_t = nhwc_to_nchw(t64(A)).requires_grad_(True)
    _pool(hp, mode)(A_t).backward(nhwc_to_nchw(t64(dA)))     # random data: no tied maxima
    return {(): np64(nchw_to_nhwc(A_t.grad))}


def _pool_forward_published(fn):
    np.random.seed(1)
    A_prev = np.random.randn(2, 5, 5, 3)
    A_max, _ = fn(A_prev, {"stride": 1, "f": 3}, "max")
    A_avg, _ = fn(A_prev, {"stride": 1, "f": 3}, "average")
    return [("max A[1, 1]", np.asarray(A_max)[1, 1],
             [[1.96710175, 0.84616065, 1.27375593], [1.96710175, 0.84616065, 1.23616403],
              [1.62765075, 1.12141771, 1.2245077]], 1e-8),
            ("average A[1, 1]", np.asarray(A_avg)[1, 1],
             [[0.44497696, -0.00261695, -0.31040307], [0.50811474, -0.23493734, -0.23961183],
              [0.11872677, 0.17255229, -0.22112197]], 1e-8)]


def _pool_backward_published(fn):
    from scratch import conv

    np.random.seed(1)
    A_prev = np.random.randn(5, 5, 3, 2)
    _, cache = conv.pool_forward(A_prev, {"stride": 1, "f": 2})
    dA = np.random.randn(5, 4, 2, 2)
    return [("max dA_prev[1, 1]", np.asarray(fn(dA, cache, "max"))[1, 1],
             [[0, 0], [5.05844394, -1.68282702], [0, 0]], 1e-8),
            ("average dA_prev[1, 1]", np.asarray(fn(dA, cache, "average"))[1, 1],
             [[0.08485462, 0.2787552], [1.26461098, -0.25749373], [1.17975636, -0.53624893]],
             1e-8)]


def _mask_cases():
    rng = rng_for(87)
    tie = np.array([[1.0, 3.0], [3.0, 0.5]])
    return [Case("x (2, 3)", (rng.standard_normal((2, 3)),), 1),
            Case("x (3, 3)", (rng.standard_normal((3, 3)),), 1),
            Case("x with two tied maxima", (tie,), 1)]


def _mask_published(fn):
    np.random.seed(1)
    return [("mask", np.asarray(fn(np.random.randn(2, 3))),
             [[True, False, False], [False, False, False]], 0)]


def _distribute_cases():
    return [Case(f"dz = {dz}, shape = {shape}", (dz, shape), ELEMENTWISE_OPS)
            for dz, shape in ((2.0, (2, 2)), (-1.5, (3, 3)), (0.7, (2, 3)))]


SPECS = [
    Spec("zero_pad", "conv", "scratch.conv.zero_pad", "c4.zero_pad", ("X", "pad"),
         _zero_pad_cases, published=_zero_pad_published),
    Spec("conv_single_step", "conv", "scratch.conv.conv_single_step", "c4.conv_forward",
         ("a_slice_prev", "W", "b"), _single_step_cases, torch=_single_step_torch,
         published=_single_step_published),
    Spec("conv_forward", "conv", "scratch.conv.conv_forward", "c4.conv_forward",
         ("A_prev", "W", "b", "hparameters"), _conv_forward_cases, outputs=("Z", "cache"),
         torch=_conv_forward_torch, published=_conv_forward_published),
    Spec("pool_forward", "conv", "scratch.conv.pool_forward", "c4.pool_forward",
         ("A_prev", "hparameters", "mode"), _pool_forward_cases, outputs=("A", "cache"),
         torch=_pool_forward_torch, published=_pool_forward_published, required=2),
    Spec("conv_backward", "conv", "scratch.conv.conv_backward", "c4.conv_backward",
         ("dZ", "cache"), _conv_backward_cases, outputs=("dA_prev", "dW", "db"),
         torch=_conv_backward_torch, fd=_conv_backward_fd, published=_conv_backward_published),
    Spec("create_mask_from_window", "conv", "scratch.conv.create_mask_from_window",
         "c4.pool_backward_max", ("x",), _mask_cases, published=_mask_published),
    Spec("distribute_value", "conv", "scratch.conv.distribute_value",
         "c4.pool_backward_average", ("dz", "shape"), _distribute_cases),
    Spec("pool_backward", "conv", "scratch.conv.pool_backward", "c4.pool_backward_max",
         ("dA", "cache", "mode"), _pool_backward_cases, torch=_pool_backward_torch,
         published=_pool_backward_published, required=2),
]
