"""Course 1 (weeks 2-4): what ``dl-parity check`` runs on a learner's logistic regression,
one-hidden-layer network and deep network step by step."""
from __future__ import annotations

import numpy as np

from .base import (ELEMENTWISE_OPS, Case, Spec, copy_tree, labels, np64, numerical_gradient,
                   parameters, rng_for, steps_of_layers, t64)

# ----------------------------------------------------------------------------- shapes
#: (n[l-1], n[l], m): m = 1, non-square layers, a square one (W and W^T both fit), one unit
LAYER_SHAPES = [(3, 2, 1), (4, 3, 5), (3, 3, 4), (1, 1, 1), (5, 2, 7)]
#: layer_dims and m of the L-layer cases: L = 1..3, m = 1 included, square and non-square
DEEP_SHAPES = [([3, 1], 1), ([4, 3, 1], 5), ([5, 4, 3, 1], 1), ([3, 3, 3, 1], 6),
               ([6, 2, 5, 1], 4)]


def _layer_label(n_prev, n, m):
    return f"n[l-1] = {n_prev}, n[l] = {n}, m = {m}"


def _deep_label(dims, m):
    return f"layer_dims = {dims}, m = {m}"


def _linear(W, b):
    """nn.Linear holding W, b (torch_ref.DeepNet's one layer), float64."""
    from torch_ref import DeepNet

    return DeepNet.from_course_parameters({"W1": W, "b1": b}).linears[0]


# ============================================================================ week 2
def _lr_cases():
    cases = []
    for i, (n_x, m) in enumerate([(2, 1), (3, 5), (4, 3), (1, 6)]):
        rng = rng_for(2, i)
        w = rng.standard_normal((n_x, 1)) / np.sqrt(n_x)
        b = float(0.5 * rng.standard_normal())
        X = rng.uniform(-1, 1, (n_x, m))
        Y = labels(rng, (1, m))
        cases.append(Case(f"n_x = {n_x}, m = {m}", (w, b, X, Y), n_x + 1 + m + 3 * ELEMENTWISE_OPS,
                          m))
    return cases


def _logistic(w, b):
    from torch_ref.models import LogisticRegression

    net = LogisticRegression(np.shape(w)[0], dtype=__import__("torch").float64)
    return net.load_course_parameters({"w": w, "b": b})


def _propagate_torch(args):
    import torch

    w, b, X, Y = args
    net = _logistic(w, b)
    cost = torch.nn.BCELoss()(net(t64(X.T)), t64(Y.T))
    cost.backward()
    return {("grads", "dw"): np64(net.linears[0].weight.grad.T),
            ("grads", "db"): np64(net.linears[0].bias.grad[0]), ("cost",): np64(cost)}


def _propagate_fd(args):
    from scratch import logistic_regression as lr

    w, b, X, Y = copy_tree(args)
    b_arr = np.array([b])
    dw = numerical_gradient(lambda: lr.propagate(w, b_arr[0], X, Y)[1], w)
    db = numerical_gradient(lambda: lr.propagate(w, b_arr[0], X, Y)[1], b_arr)
    return {("grads", "dw"): dw, ("grads", "db"): db[0]}


def _optimize_cases():
    return [Case(c.label + ", 101 iterations, learning_rate 0.009",
                 c.args + (101, 0.009, False), 101 * c.steps, c.m) for c in _lr_cases()[:3]]


def _optimize_torch(args):
    import torch

    w, b, X, Y, num_iterations, learning_rate, _ = args
    net = _logistic(w, b)
    sgd = torch.optim.SGD(net.parameters(), lr=learning_rate)
    X_t, Y_t = t64(X.T), t64(Y.T)
    for _ in range(num_iterations):
        sgd.zero_grad()
        torch.nn.BCELoss()(net(X_t), Y_t).backward()
        sgd.step()
    p = net.course_parameters()
    return {("params", "w"): p["w"], ("params", "b"): p["b"]}


def _predict_lr_cases():
    return [Case(c.label, c.args[:3], c.steps, c.m) for c in _lr_cases()]


def _predict_lr_torch(args):
    import torch

    w, b, X = args
    with torch.no_grad():
        return {(): np64((_logistic(w, b)(t64(X.T)) > 0.5).double().T)}


def _sigmoid_cases():
    rng = rng_for(21)
    return [Case("a scalar", (0.5,), ELEMENTWISE_OPS), Case("a (1, 1) array",
            (np.array([[-1.5]]),), ELEMENTWISE_OPS),
            Case("a (3, 4) array", (rng.uniform(-6, 6, (3, 4)),), ELEMENTWISE_OPS),
            Case("a rank-1 array of 5", (np.array([0.0, 2.0, -2.0, 10.0, -10.0]),),
                 ELEMENTWISE_OPS)]


def _sigmoid_lr_torch(args):
    import torch

    return {(): np64(torch.sigmoid(t64(args[0])))}


def _zeros_cases():
    return [Case(f"dim = {d}", (d,), 1) for d in (1, 2, 5)]


WEEK2 = [
    Spec("sigmoid", "logistic_regression", "scratch.logistic_regression.sigmoid", "act.sigmoid",
         ("z",), _sigmoid_cases, torch=_sigmoid_lr_torch),
    Spec("initialize_with_zeros", "logistic_regression",
         "scratch.logistic_regression.initialize_with_zeros", "w2.training", ("dim",),
         _zeros_cases, outputs=("w", "b")),
    Spec("propagate", "logistic_regression", "scratch.logistic_regression.propagate",
         "w2.gradients", ("w", "b", "X", "Y"), _lr_cases, outputs=("grads", "cost"),
         torch=_propagate_torch, fd=_propagate_fd),
    Spec("optimize", "logistic_regression", "scratch.logistic_regression.optimize",
         "w2.training", ("w", "b", "X", "Y", "num_iterations", "learning_rate", "print_cost"),
         _optimize_cases, outputs=("params", "grads", "costs"), torch=_optimize_torch,
         required=4),
    Spec("predict", "logistic_regression", "scratch.logistic_regression.predict", "w2.training",
         ("w", "b", "X"), _predict_lr_cases, torch=_predict_lr_torch),
]


# ============================================================================ week 3
def _shallow_cases():
    cases = []
    for i, (n_x, n_h, n_y, m) in enumerate([(2, 4, 1, 1), (3, 4, 1, 5), (2, 3, 2, 4),
                                            (5, 2, 1, 3)]):
        rng = rng_for(3, i)
        p = parameters(rng, [n_x, n_h, n_y])
        X = rng.uniform(-1, 1, (n_x, m))
        Y = labels(rng, (n_y, m))
        cases.append(Case(f"n_x = {n_x}, n_h = {n_h}, n_y = {n_y}, m = {m}", (X, p, Y),
                          steps_of_layers([n_x, n_h, n_y], m), m))
    return cases


def _planar_net(p):
    from torch_ref import DeepNet

    return DeepNet.from_course_parameters(p, "tanh")


def _forward_shallow_cases():
    return [Case(c.label, c.args[:2], c.steps, c.m) for c in _shallow_cases()]


def _forward_shallow_torch(args):
    import torch

    X, p = args
    with torch.no_grad():
        A2, inter = _planar_net(p)(t64(X.T), return_intermediates=True)
    out = {(0,): np64(A2.T)}
    out.update({(1, k): np64(inter[k].T) for k in ("Z1", "A1", "Z2", "A2")})
    return out


def _cost_cases(sizes, seed):
    cases = []
    for i, (n_y, m) in enumerate(sizes):
        rng = rng_for(seed, i)
        A = rng.uniform(0.05, 0.95, (n_y, m))
        Y = labels(rng, (n_y, m))
        cases.append(Case(f"m = {m}", (A, Y), m + 3 * ELEMENTWISE_OPS, m))
    return cases


def _cost_torch(args):
    import torch

    A, Y = args
    return {(): np64(torch.nn.BCELoss()(t64(A.T), t64(Y.T)))}


def _backward_shallow_cases():
    from scratch import shallow_nn

    cases = []
    for c in _shallow_cases():
        X, p, Y = c.args
        _, cache = shallow_nn.forward_propagation(X, p)
        cases.append(Case(c.label, (p, cache, X, Y), c.steps, c.m))
    return cases


def _backward_shallow_torch(args):
    import torch

    p, _, X, Y = args
    net = _planar_net(p)
    torch.nn.BCELoss(reduction="sum")(net(t64(X.T)), t64(Y.T)).div(X.shape[1]).backward()
    return {(f"d{k}{l}",): np64(g.grad if k == "W" else g.grad.reshape(-1, 1))
            for l, lin in enumerate(net.linears, start=1)
            for k, g in (("W", lin.weight), ("b", lin.bias))}


def _backward_shallow_fd(args):
    from scratch import shallow_nn

    p, _, X, Y = copy_tree(args)

    def J():
        A2, _ = shallow_nn.forward_propagation(X, p)
        return shallow_nn.compute_cost(A2, Y)      # -(1/m) sum over every entry of (n_y, m)
    return {(f"d{k}",): numerical_gradient(J, p[k]) for k in ("W1", "b1", "W2", "b2")}


def _update_cases(shape_list, seed, with_lr=True):
    cases = []
    for i, dims in enumerate(shape_list):
        rng = rng_for(seed, i)
        p = parameters(rng, dims)
        grads = {f"d{k}": rng.standard_normal(v.shape) for k, v in p.items()}
        args = (p, grads, 0.1 * (i + 1)) if with_lr else (p, grads)
        cases.append(Case(f"layer_dims = {dims}, learning_rate = {0.1 * (i + 1):.1f}", args,
                          ELEMENTWISE_OPS))
    return cases


def _sgd_torch(args):
    import torch
    from torch_ref import DeepNet

    p, grads, learning_rate = args[0], args[1], args[2]
    net = DeepNet.from_course_parameters(p)
    for l, lin in enumerate(net.linears, start=1):
        lin.weight.grad = t64(grads[f"dW{l}"])
        lin.bias.grad = t64(grads[f"db{l}"].reshape(-1))
    torch.optim.SGD(net.parameters(), lr=learning_rate).step()
    return {(k,): v for k, v in net.course_parameters().items()}


def _shallow_update_cases():
    return _update_cases([[2, 4, 1], [3, 2, 2], [1, 3, 1]], 31)


def _layer_sizes_cases():
    rng = rng_for(32)
    return [Case(f"X {nx, m}, Y {ny, m}", (rng.standard_normal((nx, m)),
                 labels(rng, (ny, m))), 1) for nx, ny, m in ((5, 2, 3), (2, 1, 1), (7, 3, 4))]


def _init_shallow_cases():
    return [Case(f"n_x = {a}, n_h = {b}, n_y = {c}", (a, b, c), 1)
            for a, b, c in ((2, 4, 1), (3, 2, 2), (1, 1, 1))]


WEEK3 = [
    Spec("layer_sizes", "shallow_nn", "scratch.shallow_nn.layer_sizes", "w3.forward", ("X", "Y"),
         _layer_sizes_cases),
    Spec("initialize_parameters", "shallow_nn", "scratch.shallow_nn.initialize_parameters",
         "w3.training", ("n_x", "n_h", "n_y"), _init_shallow_cases,
         notes=("the global random generator is seeded the same way before each call",)),
    Spec("forward_propagation", "shallow_nn", "scratch.shallow_nn.forward_propagation",
         "w3.forward", ("X", "parameters"), _forward_shallow_cases, outputs=("A2", "cache"),
         torch=_forward_shallow_torch),
    Spec("compute_cost", "shallow_nn", "scratch.shallow_nn.compute_cost", "w3.cost",
         ("A2", "Y"), lambda: _cost_cases([(1, 1), (1, 5), (1, 8)], 33), torch=_cost_torch),
    Spec("backward_propagation", "shallow_nn", "scratch.shallow_nn.backward_propagation",
         "w3.backward", ("parameters", "cache", "X", "Y"), _backward_shallow_cases,
         torch=_backward_shallow_torch, fd=_backward_shallow_fd),
    Spec("update_parameters", "shallow_nn", "scratch.shallow_nn.update_parameters",
         "w3.training", ("parameters", "grads", "learning_rate"), _shallow_update_cases,
         torch=_sgd_torch),
]


# ============================================================================ week 4
def _activation_cases(seed):
    cases = []
    for i, shape in enumerate([(1, 1), (3, 4), (2, 7)]):
        rng = rng_for(seed, i)
        cases.append(Case(f"Z {shape}", (rng.uniform(-4, 4, shape),), ELEMENTWISE_OPS))
    return cases


def _activation_torch(name):
    def witness(args):
        import torch

        Z = t64(args[0])
        A = torch.sigmoid(Z) if name == "sigmoid" else torch.relu(Z)
        return {(0,): np64(A), (1,): args[0]}
    return witness


def _activation_backward_cases(seed):
    cases = []
    for i, shape in enumerate([(1, 1), (3, 4), (2, 7)]):
        rng = rng_for(seed, i)
        cases.append(Case(f"dA, Z {shape}", (rng.standard_normal(shape),
                                             rng.uniform(-4, 4, shape)), ELEMENTWISE_OPS))
    return cases


def _activation_backward_torch(name):
    def witness(args):
        import torch

        dA, Z = args
        Z_t = t64(Z, requires_grad=True)
        (torch.sigmoid(Z_t) if name == "sigmoid" else torch.relu(Z_t)).backward(t64(dA))
        return {(): np64(Z_t.grad)}
    return witness


def _linear_forward_cases():
    cases = []
    for i, (n_prev, n, m) in enumerate(LAYER_SHAPES):
        rng = rng_for(41, i)
        p = parameters(rng, [n_prev, n])
        A = rng.uniform(-1, 1, (n_prev, m))
        cases.append(Case(_layer_label(n_prev, n, m), (A, p["W1"], p["b1"]),
                          steps_of_layers([n_prev, n], m), m))
    return cases


def _linear_forward_torch(args):
    import torch

    A, W, b = args
    with torch.no_grad():
        return {(0,): np64(_linear(W, b)(t64(A.T)).T)}


def _linear_activation_forward_cases():
    return [Case(c.label + f", {act}", c.args + (act,), c.steps, c.m)
            for c, act in zip(_linear_forward_cases() * 2, ["relu"] * 5 + ["sigmoid"] * 5)]


def _linear_activation_forward_torch(args):
    import torch

    A, W, b, activation = args
    with torch.no_grad():
        Z = _linear(W, b)(t64(A.T))
        g = torch.relu if activation == "relu" else torch.sigmoid
        return {(0,): np64(g(Z).T), (1, 1): np64(Z.T)}


def _linear_backward_cases():
    cases = []
    for c in _linear_forward_cases():
        A, W, b = c.args
        dZ = rng_for(42, *A.shape, *W.shape).standard_normal((W.shape[0], A.shape[1]))
        cases.append(Case(c.label, (dZ, (A, W, b)), c.steps, c.m))
    return cases


def _linear_backward_torch(args):
    dZ, (A, W, b) = args
    m = A.shape[1]
    linear, A_t = _linear(W, b), t64(A.T, requires_grad=True)
    linear(A_t).backward(t64(dZ.T) / m)          # dJ/dZ of a mean cost: the course's dZ / m
    return {(0,): m * np64(A_t.grad.T), (1,): np64(linear.weight.grad),
            (2,): np64(linear.bias.grad.reshape(-1, 1))}


def _linear_backward_fd(args):
    dZ, (A, W, b) = copy_tree(args)
    m = A.shape[1]

    def J():     # (1/m) sum(dZ * Z): its gradients are dW, db, and dA_prev / m
        return np.sum(dZ * (np.dot(W, A) + b)) / m
    return {(0,): m * numerical_gradient(J, A), (1,): numerical_gradient(J, W),
            (2,): numerical_gradient(J, b)}


def _linear_activation_backward_cases():
    from scratch import deep_nn

    cases = []
    for c in _linear_activation_forward_cases():
        A, W, b, activation = c.args
        _, cache = deep_nn.linear_activation_forward(A, W, b, activation)
        dA = rng_for(43, *A.shape, *W.shape).standard_normal((W.shape[0], A.shape[1]))
        cases.append(Case(c.label, (dA, cache, activation), c.steps, c.m))
    return cases


def _linear_activation_backward_torch(args):
    import torch

    dA, ((A, W, b), _), activation = args
    m = A.shape[1]
    linear, A_t = _linear(W, b), t64(A.T, requires_grad=True)
    g = torch.relu if activation == "relu" else torch.sigmoid
    g(linear(A_t)).backward(t64(dA.T) / m)
    return {(0,): m * np64(A_t.grad.T), (1,): np64(linear.weight.grad),
            (2,): np64(linear.bias.grad.reshape(-1, 1))}


def _linear_activation_backward_fd(args):
    dA, ((A, W, b), _), activation = copy_tree(args)
    m = A.shape[1]
    g = (lambda z: np.maximum(z, 0)) if activation == "relu" else (lambda z: 1 / (1 + np.exp(-z)))

    def J():
        return np.sum(dA * g(np.dot(W, A) + b)) / m
    return {(0,): m * numerical_gradient(J, A), (1,): numerical_gradient(J, W),
            (2,): numerical_gradient(J, b)}


def _deep_cases():
    cases = []
    for i, (dims, m) in enumerate(DEEP_SHAPES):
        rng = rng_for(44, i)
        p = parameters(rng, dims)
        X = rng.uniform(-1, 1, (dims[0], m))
        Y = labels(rng, (1, m))
        cases.append(Case(_deep_label(dims, m), (X, p, Y), steps_of_layers(dims, m), m))
    return cases


def _deep_net(p):
    from torch_ref import DeepNet

    return DeepNet.from_course_parameters(p)


def _L_model_forward_cases():
    return [Case(c.label, c.args[:2], c.steps, c.m) for c in _deep_cases()]


def _L_model_forward_torch(args):
    import torch

    X, p = args
    with torch.no_grad():
        AL, inter = _deep_net(p)(t64(X.T), return_intermediates=True)
    L = len(p) // 2
    out = {(0,): np64(AL.T)}
    for l in range(1, L + 1):
        out[(1, l - 1, 1)] = np64(inter[f"Z{l}"].T)           # the cached Z[l]
    return out


def _L_model_backward_cases():
    from scratch import deep_nn

    cases = []
    for c in _deep_cases():
        X, p, Y = c.args
        AL, caches = deep_nn.L_model_forward(X, p)
        cases.append(Case(c.label, (AL, Y, caches), c.steps, c.m))
    return cases


def _params_from_caches(caches):
    return {k: v for l, ((_, W, b), _) in enumerate(caches, start=1)
            for k, v in ((f"W{l}", W), (f"b{l}", b))}


def _L_model_backward_torch(args):
    import torch

    AL, Y, caches = args
    X = caches[0][0][0]
    m = X.shape[1]
    net = _deep_net(_params_from_caches(caches))
    X_t = t64(X.T, requires_grad=True)
    AL_t, inter = net(X_t, return_intermediates=True)
    A = {0: X_t}
    for l in range(1, net.L):
        A[l] = inter[f"A{l}"]
        A[l].retain_grad()
    torch.nn.BCELoss()(AL_t, t64(Y.T)).backward()
    out = {}
    for l, lin in enumerate(net.linears, start=1):
        out[(f"dW{l}",)] = np64(lin.weight.grad)
        out[(f"db{l}",)] = np64(lin.bias.grad.reshape(-1, 1))
        out[(f"dA{l - 1}",)] = m * np64(A[l - 1].grad.T)
    return out


def _L_model_backward_fd(args):
    from scratch import deep_nn

    AL, Y, caches = args
    X = caches[0][0][0].copy()
    p = copy_tree(_params_from_caches(caches))

    def J():
        return deep_nn.compute_cost(deep_nn.L_model_forward(X, p)[0], Y)
    out = {(f"d{k}",): numerical_gradient(J, v) for k, v in p.items()}
    out[("dA0",)] = X.shape[1] * numerical_gradient(J, X)
    return out


def _compute_cost_deep_cases():
    return _cost_cases([(1, 1), (1, 4), (1, 9)], 45)


def _deep_update_cases():
    return _update_cases([[3, 2, 1], [4, 4, 3, 1], [2, 1]], 46)


def _init_deep_cases():
    return [Case(f"layer_dims = {d}", (d,), 1) for d in ([5, 4, 3], [3, 1], [2, 3, 3, 1])]


def _init_two_cases():
    return [Case(f"n_x = {a}, n_h = {b}, n_y = {c}", (a, b, c), 1)
            for a, b, c in ((3, 2, 1), (2, 2, 2), (5, 1, 1))]


WEEK4 = [
    Spec("sigmoid", "deep_nn", "scratch.activations.sigmoid", "act.sigmoid", ("Z",),
         lambda: _activation_cases(47), outputs=("A", "cache"), torch=_activation_torch("sigmoid")),
    Spec("relu", "deep_nn", "scratch.activations.relu", "act.relu", ("Z",),
         lambda: _activation_cases(48), outputs=("A", "cache"), torch=_activation_torch("relu")),
    Spec("sigmoid_backward", "deep_nn", "scratch.activations.sigmoid_backward", "act.sigmoid",
         ("dA", "cache"), lambda: _activation_backward_cases(49),
         torch=_activation_backward_torch("sigmoid")),
    Spec("relu_backward", "deep_nn", "scratch.activations.relu_backward", "act.relu",
         ("dA", "cache"), lambda: _activation_backward_cases(50),
         torch=_activation_backward_torch("relu")),
    Spec("initialize_parameters", "deep_nn", "scratch.deep_nn.initialize_parameters",
         "w4.training", ("n_x", "n_h", "n_y"), _init_two_cases),
    Spec("initialize_parameters_deep", "deep_nn", "scratch.deep_nn.initialize_parameters_deep",
         "w4.training", ("layer_dims",), _init_deep_cases),
    Spec("linear_forward", "deep_nn", "scratch.deep_nn.linear_forward", "w4.linear_forward",
         ("A", "W", "b"), _linear_forward_cases, outputs=("Z", "cache"),
         torch=_linear_forward_torch),
    Spec("linear_activation_forward", "deep_nn", "scratch.deep_nn.linear_activation_forward",
         "w4.activation_forward", ("A_prev", "W", "b", "activation"),
         _linear_activation_forward_cases, outputs=("A", "cache"),
         torch=_linear_activation_forward_torch),
    Spec("L_model_forward", "deep_nn", "scratch.deep_nn.L_model_forward", "w4.L_model_forward",
         ("X", "parameters"), _L_model_forward_cases, outputs=("AL", "caches"),
         torch=_L_model_forward_torch),
    Spec("compute_cost", "deep_nn", "scratch.deep_nn.compute_cost", "w4.cost", ("AL", "Y"),
         _compute_cost_deep_cases, torch=_cost_torch),
    Spec("linear_backward", "deep_nn", "scratch.deep_nn.linear_backward", "w4.linear_backward",
         ("dZ", "cache"), _linear_backward_cases, outputs=("dA_prev", "dW", "db"),
         torch=_linear_backward_torch, fd=_linear_backward_fd),
    Spec("linear_activation_backward", "deep_nn", "scratch.deep_nn.linear_activation_backward",
         "w4.activation_backward", ("dA", "cache", "activation"),
         _linear_activation_backward_cases, outputs=("dA_prev", "dW", "db"),
         torch=_linear_activation_backward_torch, fd=_linear_activation_backward_fd),
    Spec("L_model_backward", "deep_nn", "scratch.deep_nn.L_model_backward",
         "w4.L_model_backward", ("AL", "Y", "caches"), _L_model_backward_cases,
         torch=_L_model_backward_torch, fd=_L_model_backward_fd),
    Spec("update_parameters", "deep_nn", "scratch.deep_nn.update_parameters", "w4.update",
         ("params", "grads", "learning_rate"), _deep_update_cases, torch=_sgd_torch),
]

SPECS = WEEK2 + WEEK3 + WEEK4
