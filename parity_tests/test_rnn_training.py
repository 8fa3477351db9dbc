"""A short training trajectory of the course's many-to-many RNN, through the engine.

Both sides start from the same dict and take 20 full-batch SGD steps on random sequences with
one-hot targets (dl_parity.engine.run, FullBatch):

- NumPy: scratch.rnn.rnn_forward / rnn_backward; the cost J = -(1/(m T_x)) sum Y log y_pred
  and its softmax output layer: dz<t> = (y_pred<t> - Y<t>) / (m T_x), dWya = sum_t dz a^T,
  dby = sum dz, and the upstream da<t> = Wya^T dz<t> that rnn_backward takes;
- torch: torch_ref.rnn.sequence_train_step (nn.RNN, nn.CrossEntropyLoss on the logits,
  torch.optim.SGD on model.parameters(): bias_hh is frozen at 0).

Data in the engine: x (n_x, m, T_x) and Y (n_y, m, T_x) in the course's layout (the engine
reads their last axes, T_x, as "m": harmless for a full batch). Tolerance: one step's
rounding (``steps_through_time``) times the number of steps, each step carrying the previous
errors forward.
"""
from __future__ import annotations

import numpy as np
import pytest
import torch

from dl_parity.engine import FullBatch, run
from parity_tests._tolerances import tolerance
from parity_tests.test_rnn import random_parameters, steps_through_time
from scratch import rnn
from torch_ref.rnn import CourseRNN, sequence_to_torch, sequence_train_step

STEPS = 20
LEARNING_RATE = 0.5


class NumpySide:
    name = "numpy"

    def __init__(self, parameters, n_a):
        self.parameters = {k: v.copy() for k, v in parameters.items()}
        self.n_a = n_a

    def prepare(self, X, Y, extra):
        return X, Y

    def step(self, batch):
        x, Y = batch
        n_x, m, T_x = x.shape
        p = self.parameters
        a, y_pred, caches = rnn.rnn_forward(x, np.zeros((self.n_a, m)), p)
        cost = -np.sum(Y * np.log(y_pred)) / (m * T_x)
        dz = (y_pred - Y) / (m * T_x)                      # softmax + cross-entropy, each step
        dWya = np.einsum("ymt,amt->ya", dz, a)
        dby = np.sum(dz, axis=(1, 2)).reshape(-1, 1)
        da = np.einsum("ya,ymt->amt", p["Wya"], dz)        # the output layer's share of da<t>
        gradients = rnn.rnn_backward(da, caches)
        gradients.update({"dWya": dWya, "dby": dby})
        for key in ("Wax", "Waa", "ba", "Wya", "by"):
            p[key] = p[key] - LEARNING_RATE * gradients["d" + key]
        return float(cost)

    def end_epoch(self, epoch):
        pass

    def course_parameters(self):
        return {k: v.copy() for k, v in self.parameters.items()}


class TorchSide:
    name = "torch"

    def __init__(self, parameters, n_x, n_a, n_y, device):
        self.device = device
        self.model = CourseRNN(n_x, n_a, n_y, device=device, dtype=torch.float64)
        self.model.load_course_parameters(parameters)
        self.optimizer = torch.optim.SGD(self.model.parameters(), lr=LEARNING_RATE)

    def prepare(self, X, Y, extra):
        return sequence_to_torch(X, self.device), sequence_to_torch(Y, self.device).argmax(-1)

    def step(self, batch):
        return sequence_train_step(self.model, self.optimizer, *batch).item()

    def end_epoch(self, epoch):
        pass

    def course_parameters(self):
        return self.model.course_parameters()


def test_rnn_training_trajectory(device, parity):
    rng = np.random.default_rng(7)
    n_x, n_a, n_y, m, T_x = 3, 5, 4, 8, 6
    parameters = random_parameters(rng, "rnn", n_x, n_a, n_y)
    x = rng.standard_normal((n_x, m, T_x))
    Y = np.eye(n_y)[:, rng.integers(0, n_y, size=(m, T_x))]        # one-hot (n_y, m, T_x)
    history = run([NumpySide(parameters, n_a), TorchSide(parameters, n_x, n_a, n_y, device)],
                  FullBatch(x, Y, iterations=STEPS))
    costs = {k: np.array(v) for k, v in history.costs.items()}
    assert costs["numpy"][-1] < 0.9 * costs["numpy"][0], "the cost should go down"
    # every step adds one forward/backward pass of rounding to the parameters
    tol = tolerance(np.float64, STEPS * steps_through_time(n_x, n_a, n_y, m, T_x, "rnn"))
    parity.close("cost, every step", costs["torch"], costs["numpy"], **tol,
                 formula="c5.rnn_training")
    for key, value in history.parameters["numpy"].items():
        parity.close(f"{key} after {STEPS} steps", history.parameters["torch"][key], value,
                     **tol, formula="c5.rnn_training")
