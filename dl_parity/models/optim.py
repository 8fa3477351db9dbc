"""Optimizer settings shared by every model: one description, two implementations.

The NumPy side applies the course's update rule (:class:`CourseUpdate`: scratch's
``update_parameters_with_gd`` / ``_momentum`` / ``_adam`` with their state v, s, t), the
torch side builds the ``torch.optim`` optimizer and ``lr_scheduler`` that compute the same
thing (``torch_ref.optim.make_optimizer`` / ``make_scheduler``).

Learning rate of epoch e (0-based):

- no decay: ``learning_rate * schedule(e)`` (``schedule``: constant, or :func:`step_drop`);
- ``decay="update_lr"`` / ``"schedule_lr_decay"``: the course-2 model's rule, with its
  one-epoch lag: epoch 0 trains at alpha0, epoch e >= 1 at
  ``decay(alpha0, e - 1, decay_rate)`` (scratch.optimization's functions, called as the
  course's ``model`` calls them after each epoch).
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np

from dl_parity.flags import check_declared, option

OPTIMIZERS = ("gd", "momentum", "adam")
DECAYS = (None, "update_lr", "schedule_lr_decay")
#: the fields of :class:`Optim` beyond the learning rate (the optimizer and its decay)
OPTIMIZER_FIELDS = ("name", "beta", "beta1", "beta2", "epsilon", "decay", "decay_rate",
                    "time_interval")


def constant(epoch: int) -> float:
    return 1.0


def step_drop(drop_epoch: int | None, factor: float = 0.1) -> Callable[[int], float]:
    """x ``factor`` from epoch ``drop_epoch`` on (1-based, as the CLI's --lr-drop-epoch)."""
    if not drop_epoch:
        return constant

    def schedule(epoch: int) -> float:
        return factor if epoch + 1 >= drop_epoch else 1.0
    schedule.__doc__ = f"x {factor:g} from epoch {drop_epoch} on"
    schedule.drop_epoch = drop_epoch
    return schedule


@dataclass(frozen=True)
class Optim:
    """The optimizer of a run: "gd" (plain gradient descent, the default), "momentum"
    (``beta``) or "adam" (``beta1``, ``beta2``, ``epsilon``), at ``learning_rate`` times
    ``schedule(epoch)``, or decayed after each epoch by the course's ``decay``.

    Each field's flag, help and range are declared here once (:mod:`dl_parity.flags`):
    the command line is built from them and ``__post_init__`` checks them."""
    learning_rate: float = option(
        1.0, "learning rate alpha", name="--lr", metavar="ALPHA", low=0, low_open=True,
        expect="a positive number")
    schedule: Callable[[int], float] = constant
    name: str = option(
        "gd", "gd (default), momentum or adam: the course's update on the NumPy side, "
        "torch.optim on the torch side", kind="str", name="--optimizer", choices=OPTIMIZERS,
        label="optimizer")
    beta: float = option(0.9, "momentum's beta in [0, 1) (default 0.9)", low=0, high=1,
                         only_with=("name", ("momentum",)))
    beta1: float = option(0.9, "Adam's beta1 in [0, 1) (default 0.9)", low=0, high=1,
                          only_with=("name", ("adam",)))
    beta2: float = option(0.999, "Adam's beta2 in [0, 1) (default 0.999)", low=0, high=1,
                          only_with=("name", ("adam",)))
    epsilon: float = option(1e-8, "Adam's epsilon > 0 (default 1e-8)", low=0, low_open=True,
                            only_with=("name", ("adam",)))
    decay: str | None = option(
        None, "the course's learning-rate decay after each epoch (one-epoch lag)", kind="str",
        choices=DECAYS, expect="None, 'update_lr' or 'schedule_lr_decay'")
    decay_rate: float = option(1.0, "decay_rate >= 0 (default 1)", metavar="R", low=0,
                               only_with=("decay", ("update_lr", "schedule_lr_decay")))
    time_interval: int = option(
        1000, "schedule_lr_decay: epochs between drops (default 1000)", kind="int",
        metavar="E", low=1, expect="a positive integer",
        only_with=("decay", ("schedule_lr_decay",)))

    def __post_init__(self):
        check_declared(self)
        if self.decay is not None and self.schedule is not constant:
            raise ValueError("decay: a run has one learning-rate schedule; got both a decay "
                             f"({self.decay!r}) and a step schedule ({self.schedule.__doc__})")

    @property
    def is_plain_sgd(self) -> bool:
        """Plain gradient descent with no course decay: what course 1's models always used."""
        return self.name == "gd" and self.decay is None

    def rate(self, epoch: int) -> float:
        """alpha of epoch ``epoch`` (0-based); see the module doc."""
        if self.decay is None:
            return self.learning_rate * self.schedule(epoch)
        if epoch == 0:
            return self.learning_rate
        from scratch.optimization import schedule_lr_decay, update_lr

        if self.decay == "update_lr":
            return update_lr(self.learning_rate, epoch - 1, self.decay_rate)
        return schedule_lr_decay(self.learning_rate, epoch - 1, self.decay_rate,
                                 self.time_interval)

    def describe(self) -> str:
        """One line: the optimizer and its hyperparameters (for the plan's print-out)."""
        text = {"gd": "gradient descent",
                "momentum": f"momentum (beta {self.beta:g})",
                "adam": f"Adam (beta1 {self.beta1:g}, beta2 {self.beta2:g}, "
                        f"epsilon {self.epsilon:g})"}[self.name]
        if self.decay is not None:
            text += f", {self.decay} (decay_rate {self.decay_rate:g}" + (
                f", time_interval {self.time_interval})" if self.decay == "schedule_lr_decay"
                else ")")
        return text

    def torch_optimizer(self, params) -> tuple["torch.optim.Optimizer", object]:
        """The optimizer and a ``LambdaLR`` stepped after every epoch.

        Plain gd with no decay: ``torch.optim.SGD(lr)`` and ``LambdaLR(schedule)`` (course 1's).
        Otherwise ``torch_ref.optim.make_optimizer`` (SGD, SGD with zeroed momentum buffers,
        Adam) and ``make_scheduler`` (the course's decay with its one-epoch lag). ``params``:
        tensors or parameter groups (the L2 groups of torch_ref.regularization)."""
        import torch

        if self.is_plain_sgd:
            optimizer = torch.optim.SGD(params, lr=self.learning_rate)
            return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, self.schedule)
        from torch_ref.optim import make_optimizer, make_scheduler

        holder = SimpleNamespace(parameters=lambda: list(params))   # make_optimizer reads
        optimizer = make_optimizer(holder, self.name, float(self.learning_rate),  # .parameters()
                                   beta=float(self.beta), beta1=float(self.beta1),
                                   beta2=float(self.beta2), epsilon=float(self.epsilon))
        if self.decay is None:          # a step schedule (or none), as for plain gd
            return optimizer, torch.optim.lr_scheduler.LambdaLR(optimizer, self.schedule)
        return optimizer, make_scheduler(optimizer, self.decay, self.decay_rate,
                                         self.time_interval)

    def numpy_update(self, parameters: dict) -> "CourseUpdate":
        """The NumPy side's update with its state, for these parameters."""
        return CourseUpdate(self, parameters)


class CourseUpdate:
    """scratch.optimization's update with its state: v (momentum, Adam), s and t (Adam).

    ``update(parameters, grads, learning_rate)`` returns the new parameters. For a course
    dict {W1, b1, ..., WL, bL} it is exactly the course's call (Adam: t += 1 before it).
    For any other dict of trained arrays (the batch-norm net's W, gamma, beta, b), each
    array p is updated as the one-layer course dict {"W1": p, "b1": 0}: the same
    element-wise formula, every entry its own v and s (the zero b1 stays zero).
    """

    def __init__(self, optim: Optim, parameters: dict):
        from scratch import optimization as opt

        self.optim, self.t, self.v, self.s = optim, 0, None, None
        self.layered = _is_course_dict(parameters)
        if optim.name == "gd":
            return
        units = {None: parameters} if self.layered else \
            {key: _unit(p) for key, p in parameters.items()}
        if optim.name == "momentum":
            self.v = {key: opt.initialize_velocity(u) for key, u in units.items()}
        else:
            pairs = {key: opt.initialize_adam(u) for key, u in units.items()}
            self.v = {key: v for key, (v, _) in pairs.items()}
            self.s = {key: s for key, (_, s) in pairs.items()}

    def update(self, parameters: dict, grads: dict, learning_rate: float) -> dict:
        if self.optim.name == "adam":
            self.t = self.t + 1  # Adam counter (the course's, before the update)
        if self.layered:
            return self._update(None, parameters, grads, learning_rate)
        new = dict(parameters)
        for key in parameters:
            if "d" + key in grads:      # the trained entries (not the running statistics)
                g = _unit(grads["d" + key])
                new[key] = self._update(key, _unit(parameters[key]),
                                        {"dW1": g["W1"], "db1": g["b1"]}, learning_rate)["W1"]
        return new

    def _update(self, i, p, g, lr):
        from scratch import optimization as opt

        o = self.optim
        if o.name == "gd":
            return opt.update_parameters_with_gd(p, g, lr)
        if o.name == "momentum":
            p, self.v[i] = opt.update_parameters_with_momentum(p, g, self.v[i], o.beta, lr)
            return p
        p, self.v[i], self.s[i], _, _ = opt.update_parameters_with_adam(
            p, g, self.v[i], self.s[i], self.t, lr, o.beta1, o.beta2, o.epsilon)
        return p


def _is_course_dict(parameters: dict) -> bool:
    L = len(parameters) // 2
    return len(parameters) % 2 == 0 and all(f"W{l}" in parameters and f"b{l}" in parameters
                                            for l in range(1, L + 1))


def _unit(a) -> dict:
    """One array as the one-layer course dict {"W1": a, "b1": zeros (n, 1)}."""
    return {"W1": a, "b1": np.zeros((a.shape[0], 1), dtype=a.dtype)}
