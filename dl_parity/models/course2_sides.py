"""The two sides of :class:`dl_parity.models.course2.Course2Net` (see that module's table)."""
from __future__ import annotations

import numpy as np
import torch

from .optim import Optim


class NumpyCourse2:
    """scratch's side: the course's functions for this configuration, then the course's update."""

    name = "numpy"

    def __init__(self, model, parameters, dtype, optim: Optim):
        self.model, self.optim, self.epoch = model, optim, 0
        self.parameters = {k: np.array(v, dtype=dtype) for k, v in parameters.items()}
        self.update = optim.numpy_update(self.parameters)
        self.course_costs: dict[int, float] = {}    # step -> the course's cost where infinite
        self.steps = 0

    def prepare(self, X, Y, extra=None):
        return np.ascontiguousarray(X), np.ascontiguousarray(Y), extra or {}

    def step(self, batch) -> float:
        """forward, cost, backward (the course's functions), update; returns the cost."""
        X, Y, masks = batch
        with np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore"):
            cost, grads = self._cost_and_grads(X, Y, masks)
            cost = self._finite(float(cost), X, Y)
            self.parameters = self.update.update(self.parameters, grads,
                                                 self.optim.rate(self.epoch))
        self.steps += 1
        return cost

    def _finite(self, cost: float, X, Y) -> float:
        """The week-1 nansum cost is +inf where a sigmoid saturates on a wrong label (the
        x 10 initialisation's first iterations) while every parameter is finite; the engine
        stops on any infinite cost. Such a step records the course's inf in
        ``course_costs`` and hands the engine the clamped cost instead (each log at
        -100, scratch.optimization.compute_cost / m: what nn.BCELoss reports)."""
        if cost != np.inf or self.model.cost != "nansum":
            return cost
        from scratch import initialization as ini, optimization as opt

        self.course_costs[self.steps] = cost
        return opt.compute_cost(ini.forward_propagation(X, self.parameters)[0], Y) / X.shape[1]

    def _cost_and_grads(self, X, Y, masks):
        from scratch import initialization as ini
        from scratch import multiclass, optimization as opt, regularization as reg

        p, net = self.parameters, self.model
        if net.batch_norm:
            return self._batch_norm_step(X, Y, masks)
        if net.keep_prob < 1:
            A3, cache = reg.forward_propagation_with_dropout(X, p, net.keep_prob, masks=masks)
            return (reg.compute_cost(A3, Y),
                    reg.backward_propagation_with_dropout(X, Y, cache, net.keep_prob))
        if net.lambd:
            A3, cache = reg.forward_propagation(X, p)
            return (reg.compute_cost_with_regularization(A3, Y, p, net.lambd),
                    reg.backward_propagation_with_regularization(X, Y, cache, net.lambd))
        if net.output_activation == "softmax":
            AL, caches = multiclass.L_model_forward_multiclass(X, p, "relu")
            return (multiclass.compute_cost_multiclass(AL, Y),
                    multiclass.L_model_backward_multiclass(AL, Y, caches, "relu"))
        if net.cost == "nansum":
            a3, cache = ini.forward_propagation(X, p)
            return ini.compute_loss(a3, Y), ini.backward_propagation(X, Y, cache)
        a, cache = opt.forward_propagation(X, p)
        return opt.compute_cost(a, Y) / X.shape[1], opt.backward_propagation(X, Y, cache)

    def _batch_norm_step(self, X, Y, masks):
        from scratch import batch_norm as bn

        net = self.model
        AL, caches = bn.L_model_forward_bn(X, self.parameters, True, net.output_activation,
                                           keep_prob=net.keep_prob, masks=masks)
        cost = bn.compute_cost_bn(AL, Y, net.output_activation)
        grads = bn.L_model_backward_bn(AL, Y, caches)
        # BatchNorm1d's running statistics: beta 0.9 (momentum 0.1), the unbiased variance
        self.parameters = bn.update_running_stats_bn(self.parameters, caches, beta=0.9,
                                                     unbiased=True)
        return cost, grads

    def end_epoch(self, epoch: int) -> None:
        self.epoch = epoch + 1

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.parameters

    def output(self, X) -> np.ndarray:
        """A[L] (n[L], m) without dropout (batch norm: test mode, the running statistics)."""
        from scratch import batch_norm as bn, initialization as ini, multiclass
        from scratch import optimization as opt

        p, net = self.parameters, self.model
        if net.batch_norm:
            return bn.L_model_forward_bn(X, p, False, net.output_activation)[0]
        if net.output_activation == "softmax":
            return multiclass.L_model_forward_multiclass(X, p, "relu")[0]
        if net.cost == "nansum" or net.lambd or net.keep_prob < 1:   # the week-1 predict
            return ini.forward_propagation(X, p)[0]
        return opt.forward_propagation(X, p)[0]                      # the week-2 predict

    def predict(self, X) -> np.ndarray:
        """Labels (m,): 1 where A[L] > 0.5 (sigmoid), argmax_k A[L]_k (softmax)."""
        out = [self.output(np.ascontiguousarray(X[:, i:i + 10000]))
               for i in range(0, X.shape[1], 10000)]
        A = np.concatenate(out, axis=1)
        if self.model.output_activation == "sigmoid":
            return (A > 0.5).reshape(-1).astype(np.int64)
        return np.argmax(A, axis=0).astype(np.int64)


class TorchCourse2:
    """torch_ref's side: the nn.Module loaded with the same dict, autograd and torch.optim."""

    name = "torch"

    def __init__(self, model, parameters, dtype, device, optim: Optim):
        self.model, self.optim = model, optim
        self.device = torch.device(device)
        self.dtype = getattr(torch, np.dtype(dtype).name)
        self.net = self._build().load_course_parameters(parameters)
        self.optimizer = self.scheduler = None     # built at the first batch (L2 needs m)

    def _build(self):
        from torch_ref.batch_norm import BatchNormNet
        from torch_ref.models import DeepNet
        from torch_ref.regularization import DropoutNet

        net, kw = self.model, dict(device=self.device, dtype=self.dtype)
        if net.batch_norm:
            return BatchNormNet(net.layer_dims, net.output_activation, keep_prob=net.keep_prob,
                                **kw)
        if net.keep_prob < 1:
            return DropoutNet(net.layer_dims, "relu", keep_prob=net.keep_prob, **kw)
        return DeepNet(net.layer_dims, "relu", output=net.output_activation, **kw)

    def _make_optimizer(self, m: int) -> None:
        from torch_ref.regularization import l2_param_groups

        params = l2_param_groups(self.net, self.model.lambd, m) if self.model.lambd \
            else self.net.parameters()
        self.optimizer, self.scheduler = self.optim.torch_optimizer(params)

    def _X(self, X) -> torch.Tensor:
        return torch.from_numpy(np.ascontiguousarray(X.T)).to(self.device, self.dtype)

    def prepare(self, X, Y, extra=None):
        """(m, n_x) X, the loss's target (Y.T, or class indices for softmax), the masks."""
        if self.optimizer is None:
            self._make_optimizer(X.shape[-1])
        if self.model.output_activation == "sigmoid":
            target = torch.from_numpy(np.ascontiguousarray(Y.T)).to(self.device, self.dtype)
        else:
            target = torch.from_numpy(np.argmax(Y, axis=0)).to(self.device)
        return self._X(X), target, extra or None

    def step(self, batch) -> float:
        from torch_ref import regularization as reg
        from torch_ref.batch_norm import train_step_bn
        from torch_ref.train import criterion_for, train_step

        X, target, masks = batch
        net = self.model
        if net.keep_prob < 1:
            self.net.set_course_masks(masks)
        if net.batch_norm:
            return train_step_bn(self.net, self.optimizer, X, target).item()
        if net.output_activation == "softmax":
            return train_step(self.net, self.optimizer, X, target,
                              criterion_for("softmax")).item()
        return reg.train_step(self.net, self.optimizer, X, target, net.lambd).item()

    def end_epoch(self, epoch: int) -> None:
        self.scheduler.step()

    def course_parameters(self) -> dict[str, np.ndarray]:
        return self.net.course_parameters()

    @torch.no_grad()
    def output(self, X) -> np.ndarray:
        self.net.eval()
        try:
            return self.net(self._X(X)).cpu().numpy().T
        finally:
            self.net.train()

    def predict(self, X) -> np.ndarray:
        out = [self.output(X[:, i:i + 10000]) for i in range(0, X.shape[1], 10000)]
        A = np.concatenate(out, axis=1)
        if self.model.output_activation == "sigmoid":
            return (A > 0.5).reshape(-1).astype(np.int64)
        return np.argmax(A, axis=0).astype(np.int64)
