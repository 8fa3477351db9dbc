"""A training step captured in a CUDA graph: the same kernels as the eager step, replayed
without the launch overhead that bounds small steps (about 1 ms a step on an H200 for the
MNIST MLP at batch 64, whatever the batch: see the README's GPU section).

    step = GraphedStep(model, optimizer, criterion)
    cost = step(X, y)          # X, y on the GPU; returns the cost before the update (0-d)

This is PyTorch's "whole network capture" (``torch.cuda.graphs``, the CUDA semantics
notes): the first ``warmup`` steps run eagerly on a side stream (they are real steps of
the training), then one step is captured into a graph whose input buffers are static
(``static_X``, ``static_y``): each later step copies its batch into them and replays the
graph. What the graph cannot follow is handled here, not by the caller:

- a batch of another shape (the last, partial mini-batch of an epoch) runs eagerly;
- a new learning rate (``LambdaLR`` after an epoch): SGD bakes the rate into the captured
  kernels as a number, so the step is captured again (no kernel runs during a capture, so
  nothing is updated twice);
- optimizers: plain ``torch.optim.SGD`` (no momentum, no weight decay: the course-1 and CNN
  trainings), the one measured on a GPU so far. Anything else raises ValueError before any
  step (momentum buffers and Adam's ``capturable=True`` state are capturable in principle,
  but not yet run here).

The graph replays exactly the kernels of the captured eager step, so parameters after N
steps equal eager's N steps (``parity_tests/test_cuda_graphs.py`` compares them).
"""
from __future__ import annotations

import torch
from torch import nn

from .train import check_batch, loss_input


class GraphedStep:
    """``train_step`` (zero_grad, forward, loss, backward, optimizer.step) as a CUDA graph."""

    def __init__(self, model: nn.Module, optimizer: torch.optim.Optimizer,
                 criterion: nn.Module, warmup: int = 3):
        plain = type(optimizer) is torch.optim.SGD and all(
            not g["momentum"] and not g["weight_decay"] for g in optimizer.param_groups)
        if not plain:
            raise ValueError(f"CUDA graphs: expected plain torch.optim.SGD (no momentum, no "
                             f"weight decay), got {type(optimizer).__name__} with "
                             f"{optimizer.defaults}")
        if not torch.cuda.is_available():
            raise ValueError("CUDA graphs need a CUDA device; torch.cuda.is_available() is False")
        if warmup < 1:
            raise ValueError(f"warmup: expected at least 1 eager step before the capture, "
                             f"got {warmup}")
        self.model, self.optimizer, self.criterion = model, optimizer, criterion
        self.warmup = warmup
        self.eager_steps = 0          # every eager step: warm-up and odd-shaped batches
        self.replays = 0
        self.captures = 0
        self.graph = None
        self._key = None              # (X shape, y shape, dtypes, learning rates) captured
        self.static_X = self.static_y = self.static_cost = None

    # ------------------------------------------------------------------ the step
    def _eager(self, X, y) -> torch.Tensor:
        self.optimizer.zero_grad(set_to_none=True)
        cost = self.criterion(loss_input(self.model, X, self.criterion), y)
        cost.backward()
        self.optimizer.step()
        self.eager_steps += 1
        return cost.detach()

    def _lrs(self) -> tuple:
        return tuple(float(g["lr"]) for g in self.optimizer.param_groups)

    def _capture(self, X, y) -> None:
        self.graph = None                                   # free the old graph's pool first
        self.static_X, self.static_y = X.clone(), y.clone()
        self.optimizer.zero_grad(set_to_none=True)          # grads allocated in the graph's pool
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            cost = self.criterion(loss_input(self.model, self.static_X, self.criterion),
                                  self.static_y)
            cost.backward()
            self.optimizer.step()
        self.graph, self.static_cost = graph, cost.detach()
        self.captures += 1

    def __call__(self, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        check_batch(X, y)
        key = (tuple(X.shape), tuple(y.shape), X.dtype, y.dtype, self._lrs())
        if self.graph is None and self.eager_steps < self.warmup:
            # warm-up on a side stream (cuBLAS/cuDNN handles, autograd's buffers), as the
            # PyTorch notes do before a capture; these are real steps of the training
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                cost = self._eager(X, y)
            torch.cuda.current_stream().wait_stream(side)
            return cost
        if self.graph is not None and key[:4] != self._key[:4]:
            return self._eager(X, y)                        # a partial batch: not captured
        if self.graph is None or key != self._key:
            self._capture(X, y)                             # records; computes nothing
            self._key = key
        self.static_X.copy_(X)
        self.static_y.copy_(y)
        self.graph.replay()
        self.replays += 1
        return self.static_cost.clone()
