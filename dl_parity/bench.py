"""Training-step benchmarks of every model: the workloads are the recipes' ``bench`` rows
(:mod:`dl_parity.recipes`), each timing its model's NumPy fast path (``model.fast_path``:
:class:`scratch.fast_nn.MLP`, :class:`scratch.fast_conv.CNN`,
:class:`scratch.fast_bn.BatchNormNet`; the course form, the
engine's NumPy side, for a model without one) beside its torch side (e.g.
:class:`torch_ref.models.DeepNet` + autograd + ``torch.optim.SGD``), both built by the model.

What is timed: one training step = forward + cost + backward + update, on one batch
that stays in memory (synthetic data of the workload's shapes). Each implementation
runs ``steps`` steps per run after a warm-up; runs of the implementations are
interleaved (ABAB..., the order rotating), and the figure quoted is the median over
runs of the time per step, so noise from other processes hits every side alike.

Figures per (workload, implementation, device, dtype):
- step time (median), samples/s = m / step, MNIST epoch = 60000 / samples/s;
- GFLOP/s from the analytic count: per layer 2 m n[l] n[l-1] forward and twice that
  backward (the count includes dA[0] = W[1]^T dZ[1], which neither side computes);
  the CNN's: its three im2col GEMMs, 2 m (n_H n_W)(f f c_prev) c per conv and
  2 m n_flat n_y for the FC layer, forward, weight gradient and input gradient
  (:meth:`ConvWorkload.flops`: 304.1 MFLOP a step at m = 64, 284.0 without conv 1's dA[0]);
- that as a fraction of the peak GEMM rate measured in the same run (a large
  square matmul of the same dtype on the same threads; the best of NumPy and torch);
- peak memory: NumPy, the growth of the resident set (VmHWM) of a fresh process
  that builds the batch and the model and trains; CUDA, torch.cuda.max_memory_allocated
  above what was allocated before; beside it the theoretical minimum
  (:func:`scratch.fast_nn.theoretical_memory`; the CNN's
  :meth:`scratch.fast_conv.CNN.theoretical_memory`, which leaves out the im2col matrices).

Thread counts: ``run(threads=[1, 2, 16])`` makes one full pass per count, with
``torch.set_num_threads(n)`` and NumPy's BLAS limited to n (threadpoolctl); within that
limit the fast path gives each product the threads its size pays for
(:class:`scratch._blas.ThreadPolicy`; ``DL_PARITY_BLAS_GRAIN`` overrides its grain).
Each row and ratio carries its count; the peak GEMM is probed per count.

torch is imported only inside the functions that need it, so the memory probe's
process holds NumPy alone.
"""
from __future__ import annotations

import dataclasses
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import numpy as np

MNIST_EPOCH = 60000
DTYPES = ("float32", "float64")


@dataclasses.dataclass(frozen=True)
class Workload:
    """One bench row: a training step of a recipe's model (:mod:`dl_parity.recipes`, its
    ``bench`` rows) on a synthetic batch of ``m`` examples; ``optim``: the recipe's
    optimizer (name, betas, ...) besides the learning rate."""
    name: str
    model: object
    m: int
    learning_rate: float
    about: str
    optim_fields: tuple = ()

    @property
    def kind(self) -> str:
        return self.model.name

    @property
    def output(self) -> str:
        return getattr(self.model, "output_activation", "softmax")

    @property
    def layer_dims(self):
        return getattr(self.model, "layer_dims", None)

    def optim(self):
        from dl_parity.models.optim import Optim

        return Optim(self.learning_rate, **dict(self.optim_fields))

    def flops(self) -> int | None:
        """The model's analytic GEMM count of one step (:meth:`Model.flops`), or None."""
        return self.model.flops(self.m)

    def flops_needed(self) -> int | None:
        """:meth:`flops` less the products nothing uses (dA[0])."""
        return self.model.flops(self.m, needed=True)

    def describe(self) -> str:
        return self.model.describe()


def workloads() -> dict[str, Workload]:
    """Every recipe's bench rows (so every model has one), by name."""
    from dl_parity.models.optim import OPTIMIZER_FIELDS
    from dl_parity.recipes import RECIPES

    out = {}
    for r in RECIPES:
        for b in r.bench:
            fields = tuple((k, v) for k, v in r.optim.items() if k in OPTIMIZER_FIELDS)
            lr = b.learning_rate if b.learning_rate is not None else r.optim["learning_rate"]
            out[b.name] = Workload(b.name, r.build(**b.config), b.m, lr, b.about, fields)
    return out


WORKLOADS = workloads()


# ============================================================================= sequence and
# attention workloads (issue 18): each describes itself, with its own batch, its NumPy step
# (the fast path), its torch step, its course-form step, its memory floor and its flop
# count; the generic functions below hand these workloads to their own methods.
@dataclasses.dataclass(frozen=True)
class RecurrentWorkload:
    """A recurrent model trained on sequences of characters (one-hot, vocabulary n_x = 27,
    the dinosaur file's), a softmax over the next character at every step.

    cell "char-rnn": the course's dinosaur step on one name of T_x characters (m = 1):
    NumPy ``scratch.fast_rnn.CharRNN.optimize`` (course form ``scratch.char_rnn.optimize``)
    beside ``torch_ref.char_rnn.train_step`` (nn.RNN + nn.Linear, summed cross-entropy,
    clip_grad_value_ at 5, SGD), a_prev carried from step to step.
    cell "rnn" / "lstm": a batch of m sequences, J = -(1/(m T_x)) sum Y log ŷ, SGD:
    NumPy ``scratch.fast_rnn.RNN`` / ``LSTM`` (course form: ``scratch.rnn``'s forward and
    backward through time with the output layer) beside ``torch_ref.rnn.CourseRNN`` /
    ``CourseLSTM`` + ``sequence_train_step`` (F.cross_entropy on the logits, SGD)."""
    name: str
    cell: str
    m: int
    T_x: int
    n_a: int
    learning_rate: float
    about: str
    n_x: int = 27

    kind = "recurrent"
    output = "softmax"
    layer_dims = None
    torch_output = "F.cross_entropy on the logits (char-rnn: summed, clipped at 5)"

    @property
    def gates(self) -> int:
        return 4 if self.cell == "lstm" else 1

    def flops(self) -> int:
        """GEMM FLOPs of a step: per time step, the gates' product over [a; 1; x] forward and
        for dW (2 m G n_a (n_a + 1 + n_x) each), da_prev = W_h^T dz (2 m G n_a n_a), and the
        output layer forward, for dWy and for dA (2 m n_y (n_a + 1) each; n_y = n_x)."""
        G, n_a, n_x, m = self.gates, self.n_a, self.n_x, self.m
        per_step = (2 * 2 * m * G * n_a * (n_a + 1 + n_x) + 2 * m * G * n_a * n_a
                    + 3 * 2 * m * n_x * (n_a + 1))
        return self.T_x * per_step

    def flops_needed(self) -> int:
        """:meth:`flops` (no product is left out: dx is not formed by either side's count)."""
        return self.flops()

    def describe(self) -> str:
        return (f"{self.cell} n_x = n_y = {self.n_x}, n_a = {self.n_a}, m = {self.m}, "
                f"T_x = {self.T_x}")

    def sides(self) -> str:
        if self.cell == "char-rnn":
            return ("NumPy scratch.fast_rnn.CharRNN.optimize vs torch_ref.char_rnn.train_step "
                    "(nn.RNN + nn.Linear, summed cross-entropy, clip_grad_value_ 5, SGD)")
        name = "RNN" if self.cell == "rnn" else "LSTM"
        return (f"NumPy scratch.fast_rnn.{name}.step vs torch_ref.rnn.Course{name} + "
                f"sequence_train_step (F.cross_entropy, mean over m T_x, SGD)")

    def batch(self, dtype, seed=0):
        """x one-hot (n_x, m, T_x) and Y one-hot (n_y, m, T_x) (Y<t> = x<t+1>); for
        "char-rnn" the index lists X = [None, c_1, ..., c_{T-1}], Y = [c_1, ..., c_{T-1}, 0]."""
        rng = np.random.default_rng(seed)
        idx = rng.integers(1, self.n_x, size=(self.m, self.T_x + 1))
        if self.cell == "char-rnn":
            name = [int(i) for i in idx[0, :self.T_x - 1]]
            return [None] + name, name + [0]
        eye = np.eye(self.n_x, dtype=dtype)
        return eye[:, idx[:, :-1]], eye[:, idx[:, 1:]]

    def initial_parameters(self, dtype, seed=1):
        """The course's initialisations: char-rnn ``scratch.char_rnn.initialize_parameters``
        (its own np.random.seed(1), randn * 0.01); rnn and lstm W = randn / sqrt(fan-in),
        b = 0 (a generator seeded with ``seed``)."""
        if self.cell == "char-rnn":
            from scratch.char_rnn import initialize_parameters
            p = initialize_parameters(self.n_a, self.n_x, self.n_x)
            return {k: v.astype(dtype) for k, v in p.items()}
        rng = np.random.default_rng(seed)
        n_a, n_x, n_y = self.n_a, self.n_x, self.n_x
        if self.cell == "rnn":
            p = {"Wax": rng.standard_normal((n_a, n_x)) / np.sqrt(n_x),
                 "Waa": rng.standard_normal((n_a, n_a)) / np.sqrt(n_a), "ba": np.zeros((n_a, 1)),
                 "Wya": rng.standard_normal((n_y, n_a)) / np.sqrt(n_a), "by": np.zeros((n_y, 1))}
        else:
            p = {}
            for g in "fico":
                p["W" + g] = rng.standard_normal((n_a, n_a + n_x)) / np.sqrt(n_a + n_x)
                p["b" + g] = np.zeros((n_a, 1))
            p["Wy"] = rng.standard_normal((n_y, n_a)) / np.sqrt(n_a)
            p["by"] = np.zeros((n_y, 1))
        return {k: v.astype(dtype) for k, v in p.items()}

    def numpy_model(self, dtype):
        from scratch import fast_rnn
        p = self.initial_parameters(dtype)
        if self.cell == "char-rnn":
            return fast_rnn.CharRNN(p)
        return (fast_rnn.RNN if self.cell == "rnn" else fast_rnn.LSTM)(p)

    def numpy_step(self, dtype):
        """One step of the NumPy fast path (the dinosaur model carries a_prev)."""
        x, Y = self.batch(dtype)
        net = self.numpy_model(dtype)
        if self.cell == "char-rnn":
            state = [np.zeros((self.n_a, 1), dtype)]

            def step():
                loss, _, state[0] = net.optimize(x, Y, state[0], self.learning_rate)
                return loss
            return step
        return lambda: net.step(x, Y, self.learning_rate)

    def course_step(self, dtype):
        """One step of the course's form: char_rnn.optimize, or scratch.rnn's forward and
        backward through time with the output layer and SGD written out."""
        x, Y = self.batch(dtype)
        p = self.initial_parameters(dtype)
        if self.cell == "char-rnn":
            from scratch.char_rnn import optimize
            state = [np.zeros((self.n_a, 1), dtype)]

            def step():
                loss, _, state[0] = optimize(x, Y, state[0], p, self.learning_rate)
                return loss
            return step
        from scratch import rnn
        a0 = np.zeros((self.n_a, self.m), dtype)
        out = "Wya" if self.cell == "rnn" else "Wy"
        forward = rnn.rnn_forward if self.cell == "rnn" else rnn.lstm_forward
        backward = rnn.rnn_backward if self.cell == "rnn" else rnn.lstm_backward

        def step():
            a, y_hat, *_, caches = forward(x, a0, p)
            cost = -np.sum(Y * np.log(y_hat)) / (self.m * self.T_x)
            dz = (y_hat - Y) / (self.m * self.T_x)
            grads = backward(np.einsum("ya,ymt->amt", p[out], dz), caches)
            grads["d" + out] = np.einsum("ymt,amt->ya", dz, a)
            grads["dby"] = dz.sum(axis=(1, 2)).reshape(-1, 1)
            for key in p:
                p[key] = p[key] - self.learning_rate * grads["d" + key]
            return cost
        return step

    def torch_step(self, dtype, device="cpu"):
        """One step of the torch side (data already in torch's layout on ``device``)."""
        import torch

        p = self.initial_parameters(dtype)
        x, Y = self.batch(dtype)
        tdtype = getattr(torch, np.dtype(dtype).name)
        if self.cell == "char-rnn":
            from torch_ref import char_rnn as tr
            net = tr.CharRNN.from_course_parameters(p, device=device, dtype=tdtype)
            optimizer = tr.sgd(net, self.learning_rate)
            state = [tr.hidden_from_course(np.zeros((self.n_a, 1)), device=device, dtype=tdtype)]

            def step():
                loss, state[0] = tr.train_step(net, optimizer, x, Y, state[0])
                return loss.item()
        else:
            from torch_ref.rnn import CourseLSTM, CourseRNN, sequence_to_torch, sequence_train_step
            net = (CourseRNN if self.cell == "rnn" else CourseLSTM)(
                self.n_x, self.n_a, self.n_x, device=device, dtype=tdtype)
            net.load_course_parameters(p)
            optimizer = torch.optim.SGD(net.parameters(), lr=self.learning_rate)
            x_t = sequence_to_torch(x, device)
            labels = sequence_to_torch(Y, device).argmax(-1)

            def step():
                return sequence_train_step(net, optimizer, x_t, labels).item()
        step.softmax = True
        return step

    def minimum_memory(self, dtype) -> int:
        """Parameters + gradients + what backward through time reads: x, a<0..T>, ŷ and Y of
        every step (the LSTM also c<t> and its four gates), for the batch."""
        G, n_a, n_x, m, T = self.gates, self.n_a, self.n_x, self.m, self.T_x
        params = G * n_a * (n_a + 1 + n_x) + n_x * (n_a + 1)
        per_step = n_x + n_a + 2 * n_x + (5 * n_a if self.cell == "lstm" else 0)
        return np.dtype(dtype).itemsize * (2 * params + m * T * per_step + m * n_a)

    def memory_step(self, dtype):
        """For the memory probe: build the batch and the model, return the step."""
        return self.numpy_step(dtype)

    def tiny(self):
        return dataclasses.replace(self, m=1, T_x=2, n_a=4)


@dataclasses.dataclass(frozen=True)
class EncoderWorkload:
    """One transformer encoder layer (the course's C5W4 ``EncoderLayer``: post-norm, ReLU,
    dropout 0, layer-norm epsilon 1e-6) trained on a regression target, J = mean((out -
    target)^2) (``nn.MSELoss``), SGD: NumPy ``scratch.fast_attention.EncoderLayer`` (course
    form: ``scratch.attention.encoder_layer_forward`` / ``_backward``) beside
    ``torch_ref.attention.EncoderLayer`` (``nn.TransformerEncoderLayer``)."""
    name: str
    m: int
    n: int
    d_model: int
    num_heads: int
    dff: int
    learning_rate: float
    about: str

    kind = "encoder"
    output = "mse"
    layer_dims = None
    torch_output = "nn.MSELoss"

    def flops(self) -> int:
        """GEMM FLOPs: per token, forward the Q, K, V and output projections (4 d^2), the
        FFN (2 d dff), the scores Q K^T and the weighted sum A V (2 n d over the heads);
        backward twice that (weights and inputs); times 2 m n."""
        d, n = self.d_model, self.n
        per_token = 4 * d * d + 2 * d * self.dff + 2 * n * d
        return 3 * 2 * self.m * n * per_token

    def flops_needed(self) -> int:
        """:meth:`flops` less the layer input's gradient dx through the Q, K, V projections
        (2 m n 3 d^2), which nothing uses."""
        return self.flops() - 2 * self.m * self.n * 3 * self.d_model ** 2

    def describe(self) -> str:
        return (f"encoder layer d_model {self.d_model}, {self.num_heads} heads, dff {self.dff}, "
                f"m = {self.m}, n = {self.n}")

    def sides(self) -> str:
        return ("NumPy scratch.fast_attention.EncoderLayer.step vs torch_ref.attention."
                "EncoderLayer (nn.TransformerEncoderLayer, post-norm, dropout 0) + nn.MSELoss + SGD")

    def batch(self, dtype, seed=0):
        rng = np.random.default_rng(seed)
        shape = (self.m, self.n, self.d_model)
        return rng.standard_normal(shape).astype(dtype), rng.standard_normal(shape).astype(dtype)

    def initial_parameters(self, dtype, seed=1):
        """W ~ randn / sqrt(fan-in), b = 0, gamma = 1, beta = 0 (seed 1)."""
        rng = np.random.default_rng(seed)
        d, dff = self.d_model, self.dff
        p = {k: rng.standard_normal((d, d)) / np.sqrt(d) for k in ("Wq", "Wk", "Wv", "Wo")}
        p.update({k: np.zeros(d) for k in ("bq", "bk", "bv", "bo", "b2", "beta1", "beta2")})
        p.update(W1=rng.standard_normal((d, dff)) / np.sqrt(d), b1=np.zeros(dff),
                 W2=rng.standard_normal((dff, d)) / np.sqrt(dff), gamma1=np.ones(d),
                 gamma2=np.ones(d))
        return {k: v.astype(dtype) for k, v in p.items()}

    def numpy_model(self, dtype):
        from scratch.fast_attention import EncoderLayer
        return EncoderLayer(self.initial_parameters(dtype), self.num_heads)

    def numpy_step(self, dtype):
        x, target = self.batch(dtype)
        net = self.numpy_model(dtype)
        return lambda: net.step(x, target, self.learning_rate)

    def course_step(self, dtype):
        from scratch.attention import encoder_layer_backward, encoder_layer_forward
        x, target = self.batch(dtype)
        p = self.initial_parameters(dtype)

        def step():
            out, cache = encoder_layer_forward(x, p, self.num_heads)
            cost = np.mean((out - target) ** 2)
            _, grads = encoder_layer_backward((out - target) * (2 / out.size), cache)
            for key in p:
                p[key] = p[key] - self.learning_rate * grads["d" + key]
            return cost
        return step

    def torch_step(self, dtype, device="cpu"):
        import torch

        from torch_ref.attention import EncoderLayer
        x, target = self.batch(dtype)
        layer = EncoderLayer(self.d_model, self.num_heads, self.dff, device=device,
                             dtype=getattr(torch, np.dtype(dtype).name))
        layer.load_course_parameters(self.initial_parameters(dtype))
        optimizer = torch.optim.SGD(layer.parameters(), lr=self.learning_rate)
        x_t, target_t = torch.from_numpy(x).to(device), torch.from_numpy(target).to(device)
        loss = torch.nn.MSELoss()

        def step():
            optimizer.zero_grad(set_to_none=True)
            cost = loss(layer(x_t), target_t)
            cost.backward()
            optimizer.step()
            return cost.item()
        step.softmax = False
        return step

    def minimum_memory(self, dtype) -> int:
        """Parameters + gradients + what backward reads per token: x, Q, K, V, the
        attention output, x1, the FFN's hidden ReLU (dff), the output and the target,
        plus the attention weights (h n per token)."""
        d, dff = self.d_model, self.dff
        params = 4 * d * d + 4 * d + 2 * d * dff + dff + d + 4 * d
        per_token = 8 * d + dff + self.num_heads * self.n
        return np.dtype(dtype).itemsize * (2 * params + self.m * self.n * per_token)

    def memory_step(self, dtype):
        return self.numpy_step(dtype)

    def tiny(self):
        return dataclasses.replace(self, m=1, n=2)


WORKLOADS.update({
    "char-rnn": RecurrentWorkload("char-rnn", "char-rnn", 1, 12, 50, 0.01,
                                  "course 5 dinosaur step: one name of 12 characters, n_a 50"),
    "char-rnn-64": RecurrentWorkload("char-rnn-64", "rnn", 64, 32, 128, 0.1,
                                     "character RNN, batch of 64 sequences of 32, n_a 128"),
    "char-lstm-64": RecurrentWorkload("char-lstm-64", "lstm", 64, 32, 128, 0.1,
                                      "character LSTM, batch of 64 sequences of 32, n_a 128"),
    "encoder-32": EncoderWorkload("encoder-32", 32, 64, 128, 8, 512, 0.01,
                                  "transformer encoder layer, batch 32 x 64 tokens, d_model 128"),
})
#: workloads that describe their own steps (see RecurrentWorkload, EncoderWorkload)
SELF_DESCRIBED = ("recurrent", "encoder")


# ----------------------------------------------------------------------------- data and models
def synthetic_batch(w: Workload, dtype, seed=0) -> tuple:
    """The model's synthetic batch of w.m examples in the course's layout
    (``model.bench_batch``: for the classifiers X uniform in [0, 1) and 0/1 or one-hot
    labels, drawn straight in ``dtype``)."""
    return w.model.bench_batch(w.m, dtype, seed)


def initial_parameters(w: Workload, dtype):
    """The model's course initialisation (seed 1), in ``dtype``."""
    return {k: np.asarray(v).astype(dtype) for k, v in w.model.initial_parameters(1).items()}


def numpy_net(w: Workload, dtype):
    """The NumPy fast path of a workload's model (``model.fast_path``: scratch.fast_nn.MLP,
    scratch.fast_conv.CNN, scratch.fast_bn.BatchNormNet), or None when it has none. A
    fast path that takes an ``optim`` (the batch-norm net's Adam) gets the workload's."""
    import inspect

    if "optim" in inspect.signature(w.model.fast_path).parameters:
        return w.model.fast_path(initial_parameters(w, dtype), dtype, optim=w.optim())
    return w.model.fast_path(initial_parameters(w, dtype), dtype)


def numpy_step(w: Workload, dtype):
    """A closure running one step (forward, cost, backward, update) of the fast path, or of
    the engine's NumPy side (the course form) for a model without one."""
    if w.kind in SELF_DESCRIBED:
        return w.numpy_step(dtype)
    batch = synthetic_batch(w, dtype)
    net = numpy_net(w, dtype)
    if net is None:
        return course_step(w, dtype)
    if getattr(net, "takes_masks", False):     # the course form's dropout masks, drawn once
        batch = (*batch, _extra(w))
    return lambda: net.step(*batch, w.learning_rate)


def engine_side(w: Workload, impl: str, dtype, device="cpu"):
    """The side the engine trains the workload's model with (:mod:`dl_parity.models`),
    loaded with the workload's initial dict: the bench times the very step training runs."""
    return w.model.side(impl, initial_parameters(w, dtype), dtype, device, w.optim())


def course_step(w: Workload, dtype):
    """One step of the course form, as the engine's NumPy side takes it (for the MLPs
    scratch.deep_nn / scratch.multiclass's forward, cost, backward and update)."""
    if w.kind in SELF_DESCRIBED:
        return w.course_step(dtype)
    side = engine_side(w, "numpy", dtype)
    batch = side.prepare(*synthetic_batch(w, dtype), _extra(w))
    return lambda: side.step(batch)


def _extra(w: Workload) -> dict:
    """The shared randomness of the step (dropout masks), drawn once."""
    extra = getattr(w.model, "extra", None)
    return {} if extra is None else extra(0, *synthetic_batch(w, "float64"))


def torch_softmax_available() -> bool:
    import inspect

    from torch_ref.models import DeepNet
    return "output" in inspect.signature(DeepNet.__init__).parameters


def torch_step(w: Workload, dtype, device="cpu"):
    """One step of the engine's torch side (e.g. torch_ref.train.train_step: zero_grad; the
    criterion on the logits or the sigmoid's output; backward; SGD step), the batch already
    in torch's layout on ``device``. The step returns the cost as a float, as in training
    (on CUDA that waits for the step to finish)."""
    if w.kind in SELF_DESCRIBED:
        return w.torch_step(dtype, device)
    side = engine_side(w, "torch", dtype, device)
    batch = side.prepare(*synthetic_batch(w, dtype), _extra(w))

    def step():
        return side.step(batch)
    step.softmax = w.output == "softmax"
    return step


def course_form_row(w: Workload) -> bool:
    """Whether the bench also times the course form ("numpy-course") beside the fast path:
    the model says so (``bench_course_form``: the MLPs; the CNN's NumPy side is its fast
    path and its course loops take minutes a step)."""
    return w.kind in SELF_DESCRIBED or w.model.bench_course_form


def minimum_memory(w, dtype) -> int | None:
    """The theoretical minimum of one training step's memory (bytes), or None: the model's
    ``minimum_memory`` (:func:`scratch.fast_nn.theoretical_memory`,
    :meth:`scratch.fast_conv.CNN.theoretical_memory`)."""
    if w.kind in SELF_DESCRIBED:
        return w.minimum_memory(dtype)
    return w.model.minimum_memory(w.m, dtype)


# ----------------------------------------------------------------------------- timing
def _calibrate(fn, sync, target_s):
    """Warm up, then the number of steps a run needs to last about target_s."""
    for _ in range(3):
        fn()
    sync()
    n, t = 1, 0.0
    while True:
        t0 = time.perf_counter()
        for _ in range(n):
            fn()
        sync()
        t = time.perf_counter() - t0
        if t >= target_s / 4 or n >= 100000:
            break
        n *= 4
    return max(1, int(n * target_s / max(t, 1e-9)))


#: a pause before each timed run: the other library's idle threads spin for a while after
#: its run (OpenMP's and OpenBLAS's wait policies), and were charged to whoever ran next
SETTLE_S = 0.05

#: untimed steps after the pause, before each timed run: the first step after it wakes
#: the side's sleeping threads or shard workers and finds cold caches. Measured on this
#: project's 2-CPU machine (m = 64, float32, medians of 15 pauses of 50 ms): the LSTM's
#: first step 9.9 ms against 7.2-7.6 after it (torch, 2 threads) and 14.7 against 12.6
#: (NumPy, 1 thread); the CNN's 8.4 against 5.9-6.6 (torch) and 6.6 against 4.7-4.8
#: (NumPy), 2 threads. A waking process seems to wait for the idle CPU's next 4 ms tick
#: here (a worker woken after 0.2 s answered an empty call in 3.7-3.9 ms, at once 0.02
#: ms). Runs of 2 to 6 steps (--quick) carried that unevenly into the ratios.
WARMUP_STEPS = 1


def time_interleaved(steps: dict, repeats: int, target_s: float, syncs: dict | None = None):
    """{name: step closure} -> {name: [seconds per step of each run]}, runs interleaved;
    before each run a pause of SETTLE_S and WARMUP_STEPS untimed steps."""
    syncs = syncs or {}
    noop = lambda: None  # noqa: E731
    counts = {k: _calibrate(f, syncs.get(k, noop), target_s) for k, f in steps.items()}
    times = {k: [] for k in steps}
    names = list(steps)
    for r in range(repeats):
        order = names[r % len(names):] + names[:r % len(names)]
        for k in order:
            f, n, sync = steps[k], counts[k], syncs.get(k, noop)
            sync()
            time.sleep(SETTLE_S)
            for _ in range(WARMUP_STEPS):
                f()
            sync()
            t0 = time.perf_counter()
            for _ in range(n):
                f()
            sync()
            times[k].append((time.perf_counter() - t0) / n)
    return times, counts


def peak_gemm(dtype, n, repeats=5):
    """Best GFLOP/s of an n x n x n matmul (2 n^3 FLOPs) in NumPy and in torch (CPU)."""
    import torch
    a = np.random.default_rng(0).random((n, n), dtype=np.dtype(dtype).type)
    b, c = a.copy(), np.empty_like(a)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    tc = torch.empty_like(ta)
    out = {}
    for lib, f in (("numpy", lambda: np.dot(a, b, out=c)),
                   ("torch", lambda: torch.mm(ta, tb, out=tc))):
        f()
        best = min(_timed(f) for _ in range(repeats))
        out[lib] = 2 * n ** 3 / best / 1e9
    return out


def _timed(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


# ----------------------------------------------------------------------------- memory (NumPy)
def _status_kib(field):
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise OSError(f"{field} not in /proc/self/status")


def memory_probe(name: str, dtype: str, threads: int, steps: int) -> dict:
    """Run in a fresh process: the RSS growth (bytes) of building one batch and the
    model and training ``steps`` steps, with NumPy's BLAS already started (a small
    GEMM first), the peak read from VmHWM after resetting it (Linux clear_refs); plus each
    shard worker's growth (:meth:`scratch._shards.ShardProcess.memory`) when the fast path
    runs shards in worker processes."""
    from threadpoolctl import threadpool_limits

    from scratch._shards import live_workers

    w = WORKLOADS[name]
    with threadpool_limits(limits=threads, user_api="blas"):
        # warm-up on the workload's own model at m = 2 (batch norm's training mode needs two
        # examples): loads numpy.random, scratch and the ufunc and BLAS code this path
        # touches (several MB of code pages that are not training memory); then a GEMM
        # starts the BLAS threads
        one = w.tiny() if w.kind in SELF_DESCRIBED else dataclasses.replace(w, m=2)
        numpy_step(one, dtype)()
        a = np.ones((256, 256), dtype)
        np.dot(a, a)
        del a, one
        try:
            with open("/proc/self/clear_refs", "w") as fh:
                fh.write("5")                    # reset VmHWM to the current RSS
            how = "VmHWM after clear_refs"
        except OSError:
            how = "VmHWM (not reset: clear_refs refused)"
        base = _status_kib("VmRSS")
        step = numpy_step(w, dtype)
        for _ in range(steps):
            step()
        peak = _status_kib("VmHWM")
        growth = (peak - base) * 1024
        # a fast path's shards 1 .. k-1 run in worker processes (scratch._shards): what
        # their replicas and steps took is training memory too
        workers = live_workers()
        for worker in workers:
            w_base, w_peak = worker.memory()
            if w_base is None:
                return {"growth_bytes": None,
                        "how": "not measured: a shard worker's memory could not be read"}
            growth += w_peak - w_base
        if workers:
            how += f", plus {len(workers)} shard worker process(es)' growth"
    return {"growth_bytes": growth, "how": how}


def numpy_memory(name, dtype, threads, steps=5):
    code = ("import json, sys; from dl_parity.bench import memory_probe; "
            "print(json.dumps(memory_probe(*json.loads(sys.argv[1]))))")
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), OPENBLAS_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, "-c", code, json.dumps([name, dtype, threads, steps])],
                          capture_output=True, text=True, env=env, timeout=300)
    if proc.returncode != 0:
        return {"growth_bytes": None, "how": f"probe failed: {proc.stderr.strip()[-200:]}"}
    return json.loads(proc.stdout)


# ----------------------------------------------------------------------------- the run
def environment(threads: int) -> dict:
    import torch
    from threadpoolctl import threadpool_info
    cfg = torch.__config__.show()
    blas = [line.strip() for line in cfg.splitlines()
            if "BLAS_INFO" in line or "Math Kernel" in line or "MKL-DNN" in line]
    found = re.search(r"BLAS_INFO=([^,\s]+)", cfg)
    blas_info = found.group(1) if found else "unknown (torch.__config__.show() has no BLAS_INFO)"
    return {
        "threads": threads,
        "numpy": np.__version__, "torch": torch.__version__,
        "python": platform.python_version(), "machine": platform.machine(),
        "processor": _cpu_name(), "cpu_count": os.cpu_count(),
        "numpy_blas": [{k: d.get(k) for k in ("internal_api", "version", "architecture",
                                              "num_threads", "threading_layer", "filepath")}
                       for d in threadpool_info() if d.get("user_api") == "blas"],
        "torch_blas": blas_info,
        "torch_blas_lines": [ln for ln in blas if "BUILD_TYPE" not in ln][:2],
        "torch_threads": torch.get_num_threads(),
        "cuda": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        "data": "synthetic: random data of each workload's real shapes",
    }


def _cpu_name():
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def thread_counts(threads) -> list:
    """None -> [all logical CPUs]; an int n -> [n]; a list -> itself (positive ints)."""
    if threads is None:
        return [os.cpu_count() or 1]
    counts = [threads] if isinstance(threads, int) else list(threads)
    if not counts or any(not isinstance(n, int) or isinstance(n, bool) or n < 1 for n in counts):
        raise ValueError(f"threads: expected a positive integer or a list of them, got {threads!r}")
    return counts


def run(workloads=None, quick=False, threads=None, log=print, with_course=True) -> dict:
    """Run the benchmark; returns the report dict (see :func:`to_markdown`).

    threads: an int, a list of ints (each count is one full pass over the workloads,
    with torch.set_num_threads(n) and NumPy's BLAS limited to n; NumPy and torch runs
    interleaved within it), or None (all logical CPUs)."""
    import torch
    from threadpoolctl import threadpool_limits

    names = list(workloads or WORKLOADS)
    counts = thread_counts(threads)
    repeats, target_s = (5, 0.03) if quick else (15, 0.15)
    gemm_n = 1024 if quick else 2048
    report = {"meta": None, "peak_gemm": {}, "peak_gemm_by_threads": {}, "results": [],
              "ratios": [], "cuda": None}
    torch_threads = torch.get_num_threads()
    try:
        for i, n in enumerate(counts):
            torch.set_num_threads(n)
            with threadpool_limits(limits=n, user_api="blas"):
                if report["meta"] is None:
                    report["meta"] = environment(counts[0] if len(counts) == 1 else counts)
                    report["meta"].update(quick=quick, repeats=repeats, gemm_n=gemm_n,
                                          thread_counts=counts,
                                          torch_softmax=torch_softmax_available())
                peak = report["peak_gemm_by_threads"].setdefault(str(n), {})
                # --quick: the memory probe (a fresh process per row) at the first count only
                _run_cpu(report, names, n, peak, quick, repeats, target_s, gemm_n,
                         with_course, probe_memory=not quick or i == 0, log=log)
    finally:
        torch.set_num_threads(torch_threads)
    # the machine's peak: the best probe at any thread count
    report["peak_gemm"] = {d: max((p[d] for p in report["peak_gemm_by_threads"].values()),
                                  key=lambda g: g["machine"]) for d in DTYPES}
    if torch.cuda.is_available():
        report["cuda"] = run_cuda(names, repeats, target_s, log)
        report["results"].extend(report["cuda"].pop("rows"))
    return report


def _run_cpu(report, names, threads, peak, quick, repeats, target_s, gemm_n, with_course,
             probe_memory, log):
    """Every workload and dtype on ``threads`` threads: rows and ratios into ``report``."""
    first_row = len(report["results"])
    measure_peak_gemm(peak, gemm_n, log, threads)
    for name in names:
        w = WORKLOADS[name]
        for dtype in DTYPES:
            steps = {"numpy": numpy_step(w, dtype), "torch": torch_step(w, dtype)}
            if with_course and not quick and course_form_row(w):
                steps["numpy-course"] = course_step(w, dtype)
            times, counts = time_interleaved(steps, repeats, target_s)
            # --quick probes the workloads with a memory target (MLP, CNN) only
            probe = probe_memory and not (quick and w.kind in SELF_DESCRIBED)
            mem = (numpy_memory(name, dtype, threads, steps=3 if quick else 10)
                   if probe else {"growth_bytes": None, "how": "not probed (--quick)"})
            minimum = minimum_memory(w, dtype)
            for impl, ts in times.items():
                row = _row(w, impl, "cpu", dtype, ts, counts[impl])
                row["threads"] = threads
                if impl == "numpy":
                    row.update(memory_bytes=mem["growth_bytes"], memory_how=mem["how"],
                               memory_min_bytes=minimum)
                if impl == "torch":
                    row["torch_output"] = (getattr(w, "torch_output", None)
                                           or ("softmax + CrossEntropyLoss"
                                               if steps["torch"].softmax
                                               else "sigmoid + BCELoss"))
                report["results"].append(row)
            ratio = statistics.median(times["numpy"]) / statistics.median(times["torch"])
            report["ratios"].append({"workload": name, "dtype": dtype, "threads": threads,
                                     "numpy_over_torch": ratio})
            log(f"{name:>10} {dtype}, {threads} threads: numpy/torch step time = {ratio:.2f}")
        if not quick:   # re-probe between workloads: the best of all probes is the peak
            measure_peak_gemm(peak, gemm_n, log, threads)
    measure_peak_gemm(peak, gemm_n, log, threads)  # again at the end: the best of both probes
    for row in report["results"][first_row:]:
        top = peak[row["dtype"]]["machine"]
        row["peak_fraction"] = _ratio(row["gflops"], top)
        row["peak_fraction_needed"] = _ratio(row["gflops_needed"], top)


def _ratio(x, y):
    return None if x is None or not y else x / y


def measure_peak_gemm(peak, n, log, threads):
    """Peak GEMM GFLOP/s per dtype into ``peak`` (one thread count's), the best seen so
    far (a busy machine only slows it)."""
    for dtype in DTYPES:
        g = peak_gemm(dtype, n)
        old = peak.get(dtype, {})
        g = {lib: max(rate, old.get(lib, 0.0)) for lib, rate in g.items()}
        peak[dtype] = {**g, "machine": max(g.values())}
        log(f"peak GEMM {dtype} ({n}^3, {threads} threads, best so far): numpy "
            f"{g['numpy']:.1f} GFLOP/s, torch {g['torch']:.1f} GFLOP/s")


def _row(w, impl, device, dtype, ts, steps_per_run, peak=None):
    step = statistics.median(ts)
    flops, needed = w.flops(), w.flops_needed()
    gflops = None if flops is None else flops / step / 1e9
    gflops_needed = None if needed is None else needed / step / 1e9
    return {"workload": w.name, "implementation": impl, "device": device, "dtype": dtype,
            "layer_dims": None if w.layer_dims is None else list(w.layer_dims),
            "model": w.describe() if w.layer_dims is None else None, "kind": w.kind,
            "m": w.m, "step_s": step, "step_s_runs": ts, "steps_per_run": steps_per_run,
            "samples_per_s": w.m / step,
            "epoch_s": MNIST_EPOCH * step / w.m if w.name.startswith("mnist") else None,
            "flops_per_step": flops, "gflops": gflops,
            "peak_fraction": _ratio(gflops, peak),
            "flops_needed_per_step": needed, "gflops_needed": gflops_needed,
            "peak_fraction_needed": _ratio(gflops_needed, peak),
            "memory_bytes": None, "memory_min_bytes": None}


def run_cuda(names, repeats, target_s, log) -> dict:
    """torch on the GPU, data resident there: step time per workload and dtype, peak
    memory, and the launch floor (one tiny kernel launched and synchronised in a loop)."""
    import torch
    torch.backends.cuda.matmul.allow_tf32 = False
    dev = torch.device("cuda")
    sync = torch.cuda.synchronize
    x = torch.zeros(1, device=dev)
    for _ in range(100):
        x.add_(1)
    sync()
    n = 2000
    t0 = time.perf_counter()
    for _ in range(n):
        x.add_(1)
    sync()
    launch_s = (time.perf_counter() - t0) / n
    peak = {}
    for dtype in DTYPES:
        a = torch.rand(4096, 4096, device=dev, dtype=getattr(torch, dtype))
        torch.mm(a, a)
        sync()
        best = min(_timed(lambda a=a: (torch.mm(a, a), sync())) for _ in range(3))
        peak[dtype] = 2 * 4096 ** 3 / best / 1e9
        del a
    log(f"cuda: launch floor {launch_s * 1e6:.1f} us per kernel; peak GEMM "
        + ", ".join(f"{d} {g:.0f} GFLOP/s" for d, g in peak.items()))
    rows = []
    for name in names:
        w = WORKLOADS[name]
        for dtype in DTYPES:
            torch.cuda.empty_cache()
            base = torch.cuda.memory_allocated()
            torch.cuda.reset_peak_memory_stats()
            step = torch_step(w, dtype, device=dev)
            times, counts = time_interleaved({"torch": step}, repeats, target_s,
                                             {"torch": sync})
            row = _row(w, "torch", "cuda", dtype, times["torch"], counts["torch"], peak[dtype])
            row.update(memory_bytes=torch.cuda.max_memory_allocated() - base,
                       memory_how="torch.cuda.max_memory_allocated",
                       memory_min_bytes=minimum_memory(w, dtype),
                       launch_floor_s=launch_s,
                       launches_equivalent=row["step_s"] / launch_s)
            rows.append(row)
            del step
    return {"device": torch.cuda.get_device_name(0), "launch_floor_s": launch_s,
            "peak_gemm": peak, "rows": rows}


# ----------------------------------------------------------------------------- output


def _self_described_note(w) -> str:
    return (f"{w.name}: {w.describe()}; {w.sides()}. GFLOP/s from the analytic GEMM "
            f"count: {w.flops() / 1e6:.1f} MFLOP a step ({w.flops_needed() / 1e6:.1f} needed). "
            f"Min mem: parameters + gradients + what backward reads (--quick does not probe "
            f"these rows' memory).")


def _fmt(x, spec, scale=1.0):
    return "-" if x is None else format(x * scale, spec)


def to_markdown(report: dict) -> str:
    meta = report["meta"]
    counts = meta.get("thread_counts", [meta["threads"]])
    lines = [
        f"threads: {', '.join(map(str, counts))} (NumPy BLAS via threadpoolctl, each product on "
        f"the threads its size pays for up to that; torch.set_num_threads; torch reports "
        f"{meta['torch_threads']} at the first)",
        "NumPy BLAS: " + "; ".join(f"{b['internal_api']} {b['version']} ({b['architecture']}, "
                                   f"{b['num_threads']} threads)" for b in meta["numpy_blas"]),
        f"torch BLAS: {meta['torch_blas']} ({'; '.join(meta['torch_blas_lines'])})",
        f"CPU: {meta['processor']}, {meta['cpu_count']} logical CPUs; numpy {meta['numpy']}, "
        f"torch {meta['torch']}",
        f"data: {meta['data']}; median of {meta['repeats']} interleaved runs per row"
        + (" (--quick)" if meta["quick"] else ""),
    ]
    by_threads = report.get("peak_gemm_by_threads") or {str(counts[0]): report["peak_gemm"]}
    for n, peak in by_threads.items():
        lines.append(f"peak GEMM ({meta['gemm_n']}^3, {n} threads): " + ", ".join(
            f"{d} numpy {g['numpy']:.1f} / torch {g['torch']:.1f} GFLOP/s"
            for d, g in peak.items()))
    lines += [
        "",
        "| workload | impl | device | threads | dtype | step (ms) | samples/s | MNIST epoch (s) "
        "| GFLOP/s | % peak | % peak, needed | peak mem (MB) | min mem (MB) |",
        "| --- | --- | --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in report["results"]:
        lines.append(
            f"| {r['workload']} | {r['implementation']} | {r['device']} "
            f"| {r.get('threads', '-')} | {r['dtype']} "
            f"| {r['step_s'] * 1e3:.3f} | {r['samples_per_s']:,.0f} | {_fmt(r['epoch_s'], '.2f')} "
            f"| {_fmt(r['gflops'], '.2f')} | {_fmt(r['peak_fraction'], '.1f', 100)} "
            f"| {_fmt(r['peak_fraction_needed'], '.1f', 100)} "
            f"| {_fmt(r['memory_bytes'], '.2f', 1e-6)} | {_fmt(r['memory_min_bytes'], '.2f', 1e-6)} |")
    for n in counts:
        lines += ["", f"| workload | dtype | NumPy / PyTorch CPU step time, {n} "
                      f"thread{'s' if n != 1 else ''} |",
                  "| --- | --- | ---: |"]
        for q in report["ratios"]:
            if q.get("threads", n) == n:
                lines.append(f"| {q['workload']} | {q['dtype']} | {q['numpy_over_torch']:.2f} |")
    lines += ["", "GFLOP/s (MLP workloads): analytic 6 m sum n[l] n[l-1] per step (includes dA[0], which neither "
              "side computes); % peak: of the best large GEMM above on the row's threads (the best of all probes); "
              "% peak, needed: the same without dA[0]'s 2 m n[1] n[0]. Peak memory: NumPy, RSS "
              "growth of a fresh process (batch + model + training); min = parameters + "
              "gradients + A[0..L] + Y of one batch."]
    for name in sorted({r["workload"] for r in report["results"]}):
        w = WORKLOADS.get(name)
        if w is None:
            continue
        note = (_self_described_note(w) if w.kind in SELF_DESCRIBED
                else w.model.bench_note(w.name, w.m))
        if note:
            lines.append(note)
    if not meta.get("torch_softmax", True):
        lines.append("note: torch_ref.DeepNet has no softmax output here; the MNIST torch rows "
                     "use sigmoid + BCELoss.")
    if report.get("cuda"):
        c = report["cuda"]
        lines.append(f"cuda: {c['device']}; launch floor {c['launch_floor_s'] * 1e6:.1f} us "
                     f"per kernel; peak GEMM " + ", ".join(f"{d} {g:.0f} GFLOP/s"
                                                          for d, g in c["peak_gemm"].items()))
    return "\n".join(lines)
