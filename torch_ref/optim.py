r"""Course 2, week 2's optimizers as ``torch.optim`` writes them, and the exact mapping.

A PyTorch user never writes the update rules: they pick an optimizer and a scheduler.
This module says, once, which ``torch.optim`` settings compute the course's formulas, and
why they are exactly equal (the parity suite then measures that they are, to rounding).

**Gradient descent.** ``torch.optim.SGD(params, lr=alpha)``: p := p - alpha p.grad.

**Momentum.** The course: v_0 = 0, v_t = beta v_{t-1} + (1 - beta) g_t, W := W - alpha v_t.
``torch.optim.SGD(params, lr=alpha, momentum=mu, dampening=tau)`` keeps a buffer per
parameter (``optimizer.state[p]["momentum_buffer"]``) and, in ``torch/optim/sgd.py``
(``_single_tensor_sgd`` and the foreach path alike)::

    if buf is None:  buf = grad.clone()                        # the FIRST step: no dampening
    else:            buf.mul_(mu).add_(grad, alpha=1 - tau)    # buf = mu buf + (1 - tau) g
    param.add_(buf, alpha=-lr)

With mu = tau = beta the later steps are the course's formula, but the first is not:
buf_1 = g_1 where the course has v_1 = (1 - beta) g_1 (ten times smaller for beta = 0.9;
the difference beta^t g_1 then decays but never vanishes). The mapping used here,
:func:`zero_momentum_buffers_`, puts the course's v_0 = 0 into the optimizer's state
before the first step, so ``buf is None`` never happens. Proof, by induction on t:
buf_0 = 0 = v_0; if buf_{t-1} = v_{t-1} then buf_t = beta v_{t-1} + (1 - beta) g_t = v_t,
and p_t = p_{t-1} - alpha buf_t = p_{t-1} - alpha v_t. So the buffer IS the course's v
(exchanged by :func:`load_velocity_` / :func:`course_velocity`) and the same rounding
order is used (beta buf first, then + (1 - beta) g).
Another exact route, with no state touched: ``SGD(lr=(1 - beta) alpha, momentum=beta)``
(dampening 0): its buffer b_t = beta b_{t-1} + g_t, b_1 = g_1, is v_t / (1 - beta) by the
same induction, and (1 - beta) alpha b_t = alpha v_t. Its buffer is not v and its rounding
differs slightly (:func:`momentum_as_scaled_lr` builds it; the suite checks it too).

**Adam.** The course: v = beta1 v + (1 - beta1) g; s = beta2 s + (1 - beta2) g^2;
v_hat = v / (1 - beta1^t); s_hat = s / (1 - beta2^t); W := W - alpha v_hat / (sqrt(s_hat) + eps).
``torch.optim.Adam(params, lr=alpha, betas=(beta1, beta2), eps=eps)`` (``torch/optim/adam.py``,
``_single_tensor_adam``)::

    step += 1
    exp_avg.lerp_(grad, 1 - beta1)                        # = beta1 m + (1 - beta1) g
    exp_avg_sq.mul_(beta2).addcmul_(grad, grad, value=1 - beta2)
    step_size = lr / (1 - beta1 ** step)
    denom = (exp_avg_sq.sqrt() / sqrt(1 - beta2 ** step)).add_(eps)
    param.addcdiv_(exp_avg, denom, value=-step_size)

i.e. p -= [alpha / (1 - beta1^t)] m / (sqrt(s) / sqrt(1 - beta2^t) + eps)
        = alpha v_hat / (sqrt(s_hat) + eps),   since sqrt(s) / sqrt(c) = sqrt(s / c).
Same formula: eps is added OUTSIDE the square root, after the bias correction, in both;
both count t from 1 (the course's t += 1 before the update is torch's step += 1), and both
start from m = s = 0. Only the rounding order differs (lerp, sqrt then divide, the step size
folded into one scalar). State: ``exp_avg`` = v, ``exp_avg_sq`` = s, ``step`` = t
(:func:`load_adam_state_` / :func:`course_adam_state`).

**Learning-rate decay.** ``torch.optim.lr_scheduler.LambdaLR(optimizer, lr_lambda)`` sets
lr = lr0 * lr_lambda(k) after its k-th ``scheduler.step()``. Stepped once per epoch, AFTER
the epoch's updates (PyTorch's rule: ``optimizer.step()`` in the epoch, then
``scheduler.step()``), epoch k (0-based) trains with lr0 * lr_lambda(k). The course
computes, after epoch i, learning_rate = decay(lr0, i, decay_rate), which epoch i + 1 uses:
epoch k trains with decay(lr0, k - 1) for k >= 1, and lr0 for k = 0 (so epochs 0 and 1 both
use lr0: a one-epoch lag, the course's). Hence lr_lambda(k) = factor(max(k - 1, 0)) with
factor(e) = 1 / (1 + decay_rate e) (``update_lr``) or 1 / (1 + decay_rate floor(e / 1000))
(``schedule_lr_decay``) — :func:`course_lr_lambda`. A PyTorch user writing
``lambda e: 1 / (1 + decay_rate * e)`` would decay one epoch earlier than the course.
torch computes lr0 * (1 / (1 + ...)) where the course divides, lr0 / (1 + ...): the same
number to within an ulp.

Layout: ``nn.Linear.weight`` is the course's W[l] as it is; ``.bias`` (n[l],) is the
course's b[l] (n[l], 1) flattened; the optimizer state follows the parameter's layout.
The course's keys <-> the module's tensors: :func:`course_named_parameters`.
"""
from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch
from torch import nn

OPTIMIZERS = ("gd", "momentum", "adam")
DECAYS = (None, "update_lr", "schedule_lr_decay")


# ----------------------------------------------------------------------------- course keys
def course_named_parameters(model: nn.Module) -> dict[str, nn.Parameter]:
    """{"W1": weight of layer 1, "b1": its bias, ...}: the course's names of the tensors.

    A model may define its own ``course_named_parameters()`` (the batch-norm net does:
    W[l], gamma[l], beta[l], b[L]); otherwise its ``linears`` are read (``DeepNet``).
    """
    if hasattr(model, "course_named_parameters"):
        return model.course_named_parameters()
    named = {}
    for l, linear in enumerate(model.linears, start=1):
        named[f"W{l}"] = linear.weight
        named[f"b{l}"] = linear.bias
    return named


def _to_torch(array, like: torch.Tensor) -> torch.Tensor:
    """The course's (n, 1) column (or W as it is) -> a tensor shaped like ``like``."""
    a = torch.as_tensor(np.asarray(array), dtype=like.dtype, device=like.device)
    if a.numel() != like.numel() or (a.ndim == like.ndim and a.shape != like.shape):
        raise ValueError(f"expected an array of {tuple(like.shape)} values (the parameter's "
                         f"shape, or the course's column), got shape {tuple(a.shape)}")
    return a.reshape(like.shape).clone()


def _to_course(key: str, tensor: torch.Tensor) -> np.ndarray:
    """A tensor in torch's layout -> the course's: vectors become (n, 1) columns."""
    a = tensor.detach().cpu().numpy().copy()
    return a.reshape(-1, 1) if a.ndim == 1 else a


# ----------------------------------------------------------------------------- optimizers
def _check(learning_rate, beta, beta1, beta2, epsilon):
    for name, value, low_open, high in (("learning_rate", learning_rate, True, None),
                                        ("beta", beta, False, 1), ("beta1", beta1, False, 1),
                                        ("beta2", beta2, False, 1), ("epsilon", epsilon, True, None)):
        ok = isinstance(value, (int, float)) and math.isfinite(value) \
            and (value > 0 if low_open else value >= 0) and (high is None or value < high)
        if not ok:
            rng = f"{'(' if low_open else '['}0, {high if high else 'inf'})"
            raise ValueError(f"{name}: expected a number in {rng}, got {value!r}")


def make_optimizer(model: nn.Module, optimizer: str = "gd", learning_rate: float = 0.0007,
                   beta: float = 0.9, beta1: float = 0.9, beta2: float = 0.999,
                   epsilon: float = 1e-8) -> torch.optim.Optimizer:
    """The torch.optim optimizer that computes the course's update (see the module doc).

    - "gd":       ``SGD(lr=learning_rate)``
    - "momentum": ``SGD(lr=learning_rate, momentum=beta, dampening=beta)`` with its momentum
                  buffers set to zero (the course's v = 0), :func:`zero_momentum_buffers_`
    - "adam":     ``Adam(lr=learning_rate, betas=(beta1, beta2), eps=epsilon)``

    Args: the course's names and defaults (``model(...)`` of week 2).
    Returns: the optimizer over ``model.parameters()``.
    """
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"optimizer: expected one of {OPTIMIZERS}, got {optimizer!r}")
    _check(learning_rate, beta, beta1, beta2, epsilon)
    params = list(model.parameters())
    if optimizer == "gd":
        return torch.optim.SGD(params, lr=learning_rate)
    if optimizer == "momentum":
        opt = torch.optim.SGD(params, lr=learning_rate, momentum=beta, dampening=beta)
        return zero_momentum_buffers_(opt)
    return torch.optim.Adam(params, lr=learning_rate, betas=(beta1, beta2), eps=epsilon)


def zero_momentum_buffers_(optimizer: torch.optim.SGD) -> torch.optim.SGD:
    """state[p]["momentum_buffer"] = 0 for every parameter: the course's v_0 = 0.

    Without it SGD's first step sets buf = grad (skipping the dampening), where the
    course has v_1 = (1 - beta) grad. With momentum = 0 (beta = 0) SGD keeps no buffer
    and is plain gradient descent, as is the course's rule; nothing is set. Returns the
    optimizer.
    """
    for group in optimizer.param_groups:
        if group["momentum"] == 0:
            continue
        for p in group["params"]:
            optimizer.state[p]["momentum_buffer"] = torch.zeros_like(p, memory_format=torch.preserve_format)
    return optimizer


def momentum_as_scaled_lr(model: nn.Module, learning_rate: float, beta: float) -> torch.optim.SGD:
    """The other exact route to the course's momentum: ``SGD(lr=(1 - beta) alpha,
    momentum=beta)``, dampening 0 and no state set (buffer = v / (1 - beta))."""
    _check(learning_rate, beta, 0.9, 0.999, 1e-8)
    return torch.optim.SGD(model.parameters(), lr=(1 - beta) * learning_rate, momentum=beta)


# ----------------------------------------------------------------------------- optimizer state
def load_velocity_(optimizer: torch.optim.SGD, model: nn.Module, v: Mapping[str, np.ndarray]):
    """Put the course's velocity {"dW1", "db1", ...} into the momentum buffers."""
    named = course_named_parameters(model)
    values = {key: _to_torch(v[f"d{key}"], p) for key, p in named.items() if _has(v, key)}
    _all_or_error("v", values, named)
    for key, p in named.items():
        optimizer.state[p]["momentum_buffer"] = values[key]
    return optimizer


def course_velocity(optimizer: torch.optim.SGD, model: nn.Module) -> dict[str, np.ndarray]:
    """The momentum buffers as the course's v {"dW1", "db1", ...} ((n, 1) for biases)."""
    return {f"d{key}": _to_course(key, optimizer.state[p]["momentum_buffer"])
            for key, p in course_named_parameters(model).items()}


def load_adam_state_(optimizer: torch.optim.Adam, model: nn.Module, v, s, t: int):
    """Put the course's (v, s) and step count t (the steps already taken) into Adam's state:
    exp_avg = v, exp_avg_sq = s, step = t. The next ``step()`` is the course's step t + 1."""
    if not isinstance(t, int) or t < 0:
        raise ValueError(f"t: expected the number of steps taken, an integer >= 0, got {t!r}")
    named = course_named_parameters(model)
    m = {key: _to_torch(v[f"d{key}"], p) for key, p in named.items() if _has(v, key)}
    q = {key: _to_torch(s[f"d{key}"], p) for key, p in named.items() if _has(s, key)}
    _all_or_error("v", m, named)
    _all_or_error("s", q, named)
    for key, p in named.items():
        optimizer.state[p] = {"step": torch.tensor(float(t)), "exp_avg": m[key],
                              "exp_avg_sq": q[key]}
    return optimizer


def course_adam_state(optimizer: torch.optim.Adam, model: nn.Module):
    """(v, s, t) in the course's form from Adam's exp_avg, exp_avg_sq and step."""
    named = course_named_parameters(model)
    v = {f"d{k}": _to_course(k, optimizer.state[p]["exp_avg"]) for k, p in named.items()}
    s = {f"d{k}": _to_course(k, optimizer.state[p]["exp_avg_sq"]) for k, p in named.items()}
    t = int(optimizer.state[next(iter(named.values()))]["step"])
    return v, s, t


def _has(state, key) -> bool:
    return isinstance(state, Mapping) and f"d{key}" in state


def _all_or_error(name, values, named):
    missing = [f"d{k}" for k in named if k not in values]
    if missing:
        raise ValueError(f"{name}: missing {missing}; expected one entry per parameter "
                         f"({', '.join('d' + k for k in named)})")


# ----------------------------------------------------------------------------- schedules
def course_lr_lambda(decay: str | None = None, decay_rate: float = 1,
                     time_interval: int = 1000):
    """lr_lambda(k) for a ``LambdaLR`` stepped after every epoch: epoch k's factor.

    factor(e) = 1 / (1 + decay_rate e)                       ("update_lr")
    factor(e) = 1 / (1 + decay_rate floor(e / time_interval)) ("schedule_lr_decay")
    lr_lambda(k) = factor(max(k - 1, 0))   (the course's one-epoch lag; see the module doc)
    """
    if decay not in DECAYS:
        raise ValueError(f"decay: expected one of {DECAYS}, got {decay!r}")
    if not (isinstance(decay_rate, (int, float)) and decay_rate >= 0):
        raise ValueError(f"decay_rate: expected a number >= 0, got {decay_rate!r}")
    if not (isinstance(time_interval, int) and time_interval >= 1):
        raise ValueError(f"time_interval: expected a positive integer, got {time_interval!r}")
    if decay is None:
        return lambda k: 1.0
    if decay == "update_lr":
        def factor(e):
            return 1 / (1 + decay_rate * e)
    else:
        def factor(e):
            return 1 / (1 + decay_rate * math.floor(e / time_interval))
    return lambda k: factor(max(k - 1, 0))


def make_scheduler(optimizer: torch.optim.Optimizer, decay: str | None = None,
                   decay_rate: float = 1, time_interval: int = 1000):
    """``LambdaLR(optimizer, course_lr_lambda(...))``; call ``scheduler.step()`` once after
    each epoch (after that epoch's ``optimizer.step()``s)."""
    return torch.optim.lr_scheduler.LambdaLR(optimizer,
                                             course_lr_lambda(decay, decay_rate, time_interval))


# ----------------------------------------------------------------------------- mini-batches
def mini_batch_loader(X: torch.Tensor, Y: torch.Tensor, mini_batch_size: int,
                      permutation) -> torch.utils.data.DataLoader:
    """The course's mini-batches as a ``DataLoader``: the examples in the order of
    ``permutation`` (the course's ``list(np.random.permutation(m))``, drawn by the caller),
    cut into batches of ``mini_batch_size``, the last one partial (``drop_last=False``).

    Shape: X (m, n_x) and Y (m, n_y) in torch's layout; each batch (size, n_x), (size, n_y).
    """
    if not (isinstance(mini_batch_size, int) and mini_batch_size >= 1):
        raise ValueError(f"mini_batch_size: expected a positive integer, got {mini_batch_size!r}")
    permutation = [int(i) for i in permutation]
    if sorted(permutation) != list(range(X.shape[0])):
        raise ValueError(f"permutation: expected an ordering of 0..{X.shape[0] - 1}, got "
                         f"{len(permutation)} indices")
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(X, Y),
                                       batch_size=mini_batch_size, sampler=permutation)
