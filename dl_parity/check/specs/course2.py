"""Course 2 (weeks 1 and 2): initialisations, L2 and dropout, gradient descent, momentum, Adam,
mini-batches and learning-rate decay."""
from __future__ import annotations

import numpy as np

from .base import (ELEMENTWISE_OPS, Case, Spec, copy_tree, labels, np64, numerical_gradient,
                   parameters, rng_for, steps_of_layers, t64)

#: the week-1 network LINEAR-RELU-LINEAR-RELU-LINEAR-SIGMOID: [n_x, n1, n2, 1] and m
THREE_LAYERS = [([2, 3, 2, 1], 1), ([3, 5, 4, 1], 6), ([2, 4, 4, 1], 3), ([4, 2, 3, 1], 5)]


def _init_cases():
    return [Case(f"layers_dims = {d}", (d,), ELEMENTWISE_OPS)
            for d in ([2, 10, 5, 1], [3, 2, 1], [1, 4, 4, 1])]


INITIALIZATION = [
    Spec("initialize_parameters_zeros", "initialization",
         "scratch.initialization.initialize_parameters_zeros", "c2.init_zeros",
         ("layers_dims",), _init_cases),
    Spec("initialize_parameters_random", "initialization",
         "scratch.initialization.initialize_parameters_random", "c2.init_random",
         ("layers_dims",), _init_cases),
    Spec("initialize_parameters_he", "initialization",
         "scratch.initialization.initialize_parameters_he", "c2.init_he", ("layers_dims",),
         _init_cases),
]


# ============================================================================ regularization
def _net_cases(seed):
    cases = []
    for i, (dims, m) in enumerate(THREE_LAYERS):
        rng = rng_for(seed, i)
        p = parameters(rng, dims)
        X = rng.uniform(-1, 1, (dims[0], m))
        Y = labels(rng, (1, m))
        cases.append((f"layers_dims = {dims}, m = {m}", X, p, Y, steps_of_layers(dims, m), m))
    return cases


def _forward(X, p):
    from scratch import regularization

    return regularization.forward_propagation(X, p)


def _cost_reg_cases():
    return [Case(label + f", lambd = {lambd}", (_forward(X, p)[0], Y, p, lambd), steps, m)
            for (label, X, p, Y, steps, m), lambd in zip(_net_cases(61), (0.7, 0.1, 0.0, 1.3))]


def _net(p):
    from torch_ref import DeepNet

    return DeepNet.from_course_parameters(p)


def _cost_reg_torch(args):
    import torch
    from torch_ref.regularization import l2_cost

    A3, Y, p, lambd = args
    m = Y.shape[1]
    return {(): np64(torch.nn.BCELoss()(t64(A3.T), t64(Y.T)) + l2_cost(_net(p), lambd, m))}


def _backward_reg_cases():
    cases = []
    for (label, X, p, Y, steps, m), lambd in zip(_net_cases(62), (0.7, 0.1, 0.0, 1.3)):
        _, cache = _forward(X, p)
        cases.append(Case(label + f", lambd = {lambd}", (X, Y, cache, lambd), steps, m))
    return cases


def _params_of_cache(cache):
    (_, _, W1, b1, _, _, W2, b2, _, _, W3, b3) = cache
    return {"W1": W1, "b1": b1, "W2": W2, "b2": b2, "W3": W3, "b3": b3}


def _backward_reg_torch(args):
    from torch_ref.regularization import cost_with_regularization

    X, Y, cache, lambd = args
    net = _net(_params_of_cache(cache))
    cost_with_regularization(net, t64(X.T), t64(Y.T), lambd).backward()
    out = {}
    for l, lin in enumerate(net.linears, start=1):
        out[(f"dW{l}",)] = np64(lin.weight.grad)
        out[(f"db{l}",)] = np64(lin.bias.grad.reshape(-1, 1))
    return out


def _backward_reg_fd(args):
    from scratch import regularization

    X, Y, cache, lambd = args
    p = copy_tree(_params_of_cache(cache))

    def J():
        return regularization.compute_cost_with_regularization(_forward(X, p)[0], Y, p, lambd)
    return {(f"d{k}",): numerical_gradient(J, v) for k, v in p.items()}


def _dropout_forward_cases():
    return [Case(label + f", keep_prob = {kp}", (X, p, kp), steps, m)
            for (label, X, p, Y, steps, m), kp in zip(_net_cases(63), (0.5, 0.86, 1.0, 0.7))]


def _dropout_backward_cases():
    from scratch import regularization

    cases = []
    for (label, X, p, Y, steps, m), kp in zip(_net_cases(64), (0.5, 0.86, 1.0, 0.7)):
        _, cache = regularization.forward_propagation_with_dropout(X, p, kp)
        cases.append(Case(label + f", keep_prob = {kp}", (X, Y, cache, kp), steps, m))
    return cases


REGULARIZATION = [
    Spec("compute_cost_with_regularization", "regularization",
         "scratch.regularization.compute_cost_with_regularization", "c2.l2_cost",
         ("A3", "Y", "parameters", "lambd"), _cost_reg_cases, torch=_cost_reg_torch),
    Spec("backward_propagation_with_regularization", "regularization",
         "scratch.regularization.backward_propagation_with_regularization", "c2.l2_backward",
         ("X", "Y", "cache", "lambd"), _backward_reg_cases, torch=_backward_reg_torch,
         fd=_backward_reg_fd),
    Spec("forward_propagation_with_dropout", "regularization",
         "scratch.regularization.forward_propagation_with_dropout", "c2.dropout_forward",
         ("X", "parameters", "keep_prob"), _dropout_forward_cases, outputs=("A3", "cache"),
         notes=("the course's function seeds np.random.seed(1) itself: both draw the same masks",)),
    Spec("backward_propagation_with_dropout", "regularization",
         "scratch.regularization.backward_propagation_with_dropout", "c2.dropout_backward",
         ("X", "Y", "cache", "keep_prob"), _dropout_backward_cases),
]


# ============================================================================ optimization
#: per-layer shapes, as the course's own tests use them (layers need not chain)
OPT_SHAPES = [[3, 2, 1], [2, 5, 3, 1], [1, 1], [4, 4, 4]]


def _state(rng, p, scale=0.1, positive=False):
    out = {}
    for k, v in p.items():
        a = scale * rng.standard_normal(v.shape)
        out[f"d{k}"] = np.abs(a) if positive else a
    return out


def _opt_draw(seed, i, dims):
    rng = rng_for(seed, i)
    p = parameters(rng, dims)
    grads = _state(rng, p, 1.0)
    return rng, p, grads


def _gd_cases():
    cases = []
    for i, dims in enumerate(OPT_SHAPES):
        _, p, grads = _opt_draw(71, i, dims)
        lr = (0.01, 0.1, 1.0, 0.0075)[i]
        cases.append(Case(f"layer_dims = {dims}, learning_rate = {lr}", (p, grads, lr),
                          ELEMENTWISE_OPS))
    return cases


def _torch_net(p):
    from torch_ref import DeepNet

    return DeepNet.from_course_parameters(p)


def _set_grads(net, grads):
    for l, lin in enumerate(net.linears, start=1):
        lin.weight.grad = t64(grads[f"dW{l}"])
        lin.bias.grad = t64(grads[f"db{l}"].reshape(-1))


def _gd_torch(args):
    import torch

    p, grads, lr = args
    net = _torch_net(p)
    _set_grads(net, grads)
    torch.optim.SGD(net.parameters(), lr=lr).step()
    return {(k,): v for k, v in net.course_parameters().items()}


def _momentum_cases():
    cases = []
    for i, dims in enumerate(OPT_SHAPES):
        rng, p, grads = _opt_draw(72, i, dims)
        v = _state(rng, p)
        beta, lr = (0.9, 0.0, 0.5, 0.99)[i], (0.01, 0.1, 0.05, 0.3)[i]
        cases.append(Case(f"layer_dims = {dims}, beta = {beta}, learning_rate = {lr}",
                          (p, grads, v, beta, lr), 2 * ELEMENTWISE_OPS))
    return cases


def _momentum_torch(args):
    from torch_ref.optim import course_velocity, load_velocity_, make_optimizer

    p, grads, v, beta, lr = args
    net = _torch_net(p)
    opt = make_optimizer(net, "momentum", lr, beta=beta)
    if beta:
        load_velocity_(opt, net, v)
    _set_grads(net, grads)
    opt.step()
    out = {(0, k): val for k, val in net.course_parameters().items()}
    if beta:
        out.update({(1, k): val for k, val in course_velocity(opt, net).items()})
    return out


def _adam_cases():
    cases = []
    for i, dims in enumerate(OPT_SHAPES):
        rng, p, grads = _opt_draw(73, i, dims)
        v, s = _state(rng, p), _state(rng, p, positive=True)
        t = (1, 2, 10, 3)[i]
        lr, beta1, beta2, eps = [(0.01, 0.9, 0.999, 1e-8), (0.02, 0.8, 0.99, 1e-8),
                                 (0.1, 0.9, 0.999, 1e-2), (0.005, 0.5, 0.9, 1e-6)][i]
        cases.append(Case(f"layer_dims = {dims}, t = {t}, learning_rate = {lr}, beta1 = {beta1}, "
                          f"beta2 = {beta2}, epsilon = {eps}",
                          (p, grads, v, s, t, lr, beta1, beta2, eps), 4 * ELEMENTWISE_OPS))
    return cases


def _adam_torch(args):
    from torch_ref.optim import course_adam_state, load_adam_state_, make_optimizer

    p, grads, v, s, t, lr, beta1, beta2, eps = args
    net = _torch_net(p)
    opt = make_optimizer(net, "adam", lr, beta1=beta1, beta2=beta2, epsilon=eps)
    load_adam_state_(opt, net, v, s, t - 1)
    _set_grads(net, grads)
    opt.step()
    v2, s2, _ = course_adam_state(opt, net)
    out = {(0, k): val for k, val in net.course_parameters().items()}
    out.update({(1, k): val for k, val in v2.items()})
    out.update({(2, k): val for k, val in s2.items()})
    return out


def _state_init_cases():
    return [Case(f"layer_dims = {dims}", (parameters(rng_for(74, i), dims),), 1)
            for i, dims in enumerate(OPT_SHAPES)]


def _mini_batch_cases():
    cases = []
    for i, (n_x, m, size, seed) in enumerate([(2, 148, 64, 0), (3, 10, 4, 7), (1, 1, 64, 3),
                                              (2, 12, 4, 10)]):
        rng = rng_for(75, i)
        X = rng.standard_normal((n_x, m))
        Y = labels(rng, (1, m))
        cases.append(Case(f"n_x = {n_x}, m = {m}, mini_batch_size = {size}, seed = {seed}",
                          (X, Y, size, seed), 1, m))
    return cases


def _lr_cases(with_interval):
    values = [(0.5, 0, 1.0), (0.5, 2, 1.0), (0.1, 5000, 0.3), (0.01, 1500, 1.0)]
    cases = []
    for lr0, epoch, rate in values:
        args = (lr0, epoch, rate) + ((1000,) if with_interval else ())
        cases.append(Case(f"learning_rate0 = {lr0}, epoch_num = {epoch}, decay_rate = {rate}",
                          args, ELEMENTWISE_OPS))
    return cases


def _lr_lambda_torch(decay):
    def witness(args):
        from torch_ref.optim import course_lr_lambda

        lr0, epoch, rate = args[:3]
        factor = course_lr_lambda(decay, rate, *args[3:])(epoch + 1)
        return {(): lr0 * factor}
    return witness


def _schedule_published(fn):
    return [("schedule_lr_decay(0.5, 100, 0.3) (the course's unit test)",
             fn(0.5, 100, 0.3), 0.5, 1e-12)]


#: the course's week-2 updates assign into the dicts they are given (parameters, v, s) and return
#: them; scratch returns new dicts. Both are the course's behaviour for a caller that uses the
#: returned values, so neither is flagged.
OPTIMIZATION = [
    Spec("update_parameters_with_gd", "optimization",
         "scratch.optimization.update_parameters_with_gd", "c2w2.gd",
         ("parameters", "grads", "learning_rate"), _gd_cases, torch=_gd_torch,
         modifies_inputs=True),
    Spec("random_mini_batches", "optimization", "scratch.optimization.random_mini_batches",
         "c2w2.mini_batches", ("X", "Y", "mini_batch_size", "seed"), _mini_batch_cases),
    Spec("initialize_velocity", "optimization", "scratch.optimization.initialize_velocity",
         "c2w2.momentum", ("parameters",), _state_init_cases),
    Spec("update_parameters_with_momentum", "optimization",
         "scratch.optimization.update_parameters_with_momentum", "c2w2.momentum",
         ("parameters", "grads", "v", "beta", "learning_rate"), _momentum_cases,
         outputs=("parameters", "v"), torch=_momentum_torch, modifies_inputs=True),
    Spec("initialize_adam", "optimization", "scratch.optimization.initialize_adam",
         "c2w2.adam", ("parameters",), _state_init_cases, outputs=("v", "s")),
    Spec("update_parameters_with_adam", "optimization",
         "scratch.optimization.update_parameters_with_adam", "c2w2.adam",
         ("parameters", "grads", "v", "s", "t", "learning_rate", "beta1", "beta2", "epsilon"),
         _adam_cases, outputs=("parameters", "v", "s", "v_corrected", "s_corrected"),
         torch=_adam_torch, required=5, modifies_inputs=True),
    Spec("update_lr", "optimization", "scratch.optimization.update_lr", "c2w2.lr_decay",
         ("learning_rate0", "epoch_num", "decay_rate"), lambda: _lr_cases(False),
         torch=_lr_lambda_torch("update_lr")),
    Spec("schedule_lr_decay", "optimization", "scratch.optimization.schedule_lr_decay",
         "c2w2.lr_decay", ("learning_rate0", "epoch_num", "decay_rate", "time_interval"),
         lambda: _lr_cases(True), torch=_lr_lambda_torch("schedule_lr_decay"),
         published=_schedule_published, required=3),
]

SPECS = INITIALIZATION + REGULARIZATION + OPTIMIZATION
