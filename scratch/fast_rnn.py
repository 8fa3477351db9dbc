"""Course 5, week 1 again, written for speed: the basic RNN and the LSTM trained on
batches of sequences (softmax output, cross-entropy), and the dinosaur model's step.

:mod:`scratch.rnn` and :mod:`scratch.char_rnn` are the reference: one cell function per
time step, a tuple cached per step, the weight gradients added up step by step. This
module computes the same numbers (the parity suite ties it to both and to PyTorch) with
what a profiler finds in those forms taken out:

- one contiguous block per time step, the course's columns inside it: H (T_x + 1,
  n_a + 1 + n_x, m) holds [a<t-1>; 1; x<t>] of step t in block t, and step t writes a<t>
  into block t + 1. A step is then ONE product W [a<t-1>; 1; x<t>] with W = [Waa | ba | Wax]
  (the course's Wax x + Waa a + ba, the bias as a row of ones) and one tanh, in place. The
  LSTM's four gates are one product too: W = [W_gate | b_gate] stacked over the gates
  o, f, i, c~, and each gate is a contiguous (n_a, m) block of the step's output. (In the
  course's (n, m, T_x) a step's slice is n strided runs of m numbers; element-wise
  operations on it were 2x slower here than on a contiguous block);
- the output layer for all steps in one call (a stacked product over the T_x blocks), one
  softmax; backward: dZ_y = (Ŷ - Y) / (m T_x) for all steps, [dWya | dby] and dA_y the same;
- backward through time keeps dz<t> of every step and forms the weight gradients once, at
  the end: [dWaa | dba | dWax] = dZ H^T, one product over all T_x m columns (dZ and H
  copied once into (n, T_x m) for it), instead of three outer products and a sum per step
  (the LSTM: one product per chunk of :data:`FACTOR_STEPS` steps, as each chunk is done,
  its dZ and H copied while they are in the cache, the chunks' products added);
- g'(z) from the stored activations, for all steps in one array operation: tanh' = 1 - a^2;
  for the LSTM, each gate's derivative already multiplied by what multiplies it in the
  chain rule (for :data:`FACTOR_STEPS` steps at a time, just before backward through
  time reaches them, while they are in the cache), so a step of backward is seven array
  operations and one product;
- the LSTM's sigmoid gates as sigma(z) = (1 + tanh(z / 2)) / 2 (the same function): their
  rows of W are halved (exact in binary) so that one tanh serves all four gates;
- buffers allocated once per (m, T_x); every product on the threads its size pays for
  (:class:`scratch._blas.ThreadPolicy`).

Layouts at the interface are the course's: x (n_x, m, T_x), Y one-hot (n_y, m, T_x),
a0 (n_a, m); parameters the course's dicts (:data:`scratch.rnn.RNN_KEYS`, ``LSTM_KEYS``;
the dinosaur model's {"Wax", "Waa", "Wya", "b", "by"}).

Cost (batches): J = -(1/(m T_x)) sum_t sum_i sum_k Y log ŷ<t>, each log clamped at -100
(as :mod:`scratch.cost`); the dinosaur model's is the course's sum over t, no 1/T_x.
"""
from __future__ import annotations

import numpy as np

from ._blas import ThreadPolicy, one_blas_thread, run_parallel, shard_bounds
from ._shards import ShardProcess, gather
from ._validate_char_rnn import _check_hidden, _check_number, _check_sequences
from ._validate_char_rnn import _check_parameters as _check_char_parameters
from ._validate_rnn import _check_parameters as _check_rnn_parameters
from .cost import LOG_CLAMP
from .rnn import LSTM_KEYS, RNN_KEYS

#: the LSTM's backward forms its gate factors (:meth:`LSTM._factors`) for this many time
#: steps at a time, just before backward through time reaches them, and the chunk's share
#: of the weight gradient as soon as it is through: their arrays are then in the cache
#: (m = 64, n_a = 128, float32, the bench's step: the factors 1.37 ms for all 32 steps at
#: once, 0.95 ms in chunks of 8; the weight gradient with its copies 3.66 -> 3.14 ms), and
#: those buffers are 8 steps long instead of T_x
FACTOR_STEPS = 8

#: the LSTM's gates in the order of the rows of its stacked W: the sigmoid gates first
LSTM_GATE_ORDER = ("o", "f", "i", "c")
_LSTM_COURSE = {"o": ("Wo", "bo"), "f": ("Wf", "bf"), "i": ("Wi", "bi"), "c": ("Wc", "bc")}


def _dtype(dtype, W):
    dtype = np.dtype(dtype if dtype is not None else np.asarray(W).dtype)
    if dtype not in (np.float32, np.float64):
        raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
    return dtype


def _policy(thread_policy):
    if thread_policy is not None and not isinstance(thread_policy, ThreadPolicy):
        raise ValueError(f"thread_policy: expected a scratch._blas.ThreadPolicy or None, "
                         f"got {type(thread_policy).__name__}")
    return (thread_policy if thread_policy is not None else ThreadPolicy()).session()


class _Buffers:
    """What one step on m sequences of T_x steps needs, allocated once: time-major
    blocks (T_x [+ 1], n, m), each step's (n, m) contiguous."""

    def __init__(self, n_x, n_a, n_y, gates, m, T_x, dtype):
        self.m, self.T_x = m, T_x
        K = n_a + 1 + n_x
        self.H = np.zeros((T_x + 1, K, m), dtype)                # [a<t-1>; 1; x<t>] in block t
        self.H[:, n_a] = 1
        self.Z = np.empty((T_x, gates * n_a, m), dtype)          # pre-activations, then dZ
        self.Y_hat = np.empty((T_x, n_y, m), dtype)              # ŷ, then dZ_y
        self.Y = np.empty((T_x, n_y, m), dtype)                  # the labels, time-major
        self.log = np.empty((T_x, n_y, m), dtype)
        self.row = np.empty((2, T_x, 1, m), dtype)               # softmax: column max and sum
        self.dA = np.empty((T_x, n_a, m), dtype)                 # Wya^T dZ_y, then dA<t>
        self.da = np.empty((n_a, m), dtype)                      # what step t sends to t - 1
        self.dWy_t = np.empty((T_x, n_y, n_a + 1), dtype)        # [dWya | dby] of each step
        k = T_x if gates == 1 else min(T_x, FACTOR_STEPS)          # the LSTM's chunk of steps
        self.dZ_cols = np.empty((gates * n_a, k, m), dtype)      # dZ and H as (n, k m)
        self.H_cols = np.empty((K, k, m), dtype)
        if gates == 4:
            self.C = np.zeros((T_x + 1, n_a, m), dtype)          # c<t> in block t + 1
            self.tanh_c = np.empty((T_x, n_a, m), dtype)
            self.dW_part = np.empty((gates * n_a, K), dtype)     # a chunk's share of dW
            self.Qc = np.empty((k, n_a, m), dtype)               # Γo (1 - tanh^2 c)
            self.gate_f = np.empty((k, n_a, m), dtype)           # Γf, for dc_prev
            self.spare = np.empty((k, n_a, m), dtype)
            self.spare2 = np.empty((k, n_a, m), dtype)
            self.dc = np.empty((n_a, m), dtype)
            self.tmp = np.empty((n_a, m), dtype)


class _Sequence:
    """What the basic RNN and the LSTM share: the shards of a batch with their buffers, the
    output layer with its softmax and cost, the output layer's backward, the weight
    gradient, the update.

    With k threads allowed (:func:`scratch._blas.shard_bounds`) the m sequences are split
    into k shards that run the whole step at once, each with its own buffers; their
    gradient sums are added at the end (the sequences of a batch are independent until
    then). One shard is the plain, single-threaded step. :meth:`step` runs shards 1 .. k-1
    in worker processes (:mod:`scratch._shards`; ``shard_workers="threads"`` in the thread
    policy: in threads, as :meth:`forward` and :meth:`backward` always do)."""

    gates = 1

    def __init__(self, W, Wy_b, n_x, dtype, thread_policy, loss, clip):
        self.W = W                                   # (gates n_a, n_a + 1 + n_x)
        self.Wy_b = Wy_b                             # [Wya | by] (n_y, n_a + 1)
        self.n_a = W.shape[0] // self.gates
        self.n_x, self.n_y = n_x, Wy_b.shape[0]
        self.dtype = dtype
        self.loss, self.clip = loss, clip
        self.dW = np.empty_like(W)
        self.dWy_b = np.empty_like(Wy_b)
        self._blas = _policy(thread_policy)
        self._processes = self._blas.policy.shard_workers == "processes"
        self._workers = []
        self._shards = None
        self._all = {}

    def _buffers(self, m, T_x, shards=1, here=None):
        """[(i0, i1, buffers)] of (m, T_x) cut into ``shards``, kept for the 64 shapes seen
        last (the dinosaur names differ in length); with ``here`` = 1, only shard 0 has
        buffers (the others run in worker processes): [(i0, i1, buffers), (i1, i2, None), ...]."""
        key = (m, T_x, shards, here)
        out = self._all.pop(key, None)
        if out is None:
            if len(self._all) >= 64:
                self._all.pop(next(iter(self._all)))
            bounds = shard_bounds(m, shards, 1)
            n = len(bounds) if here is None else here
            out = [(i0, i1, _Buffers(self.n_x, self.n_a, self.n_y, self.gates, i1 - i0, T_x,
                                     self.dtype)) for i0, i1 in bounds[:n]]
            for _, _, b in out:
                b.dW, b.dWy_b = np.empty_like(self.W), np.empty_like(self.Wy_b)
                b.blas = self._blas if len(bounds) == 1 else _policy(ThreadPolicy(max_threads=1))
            out += [(i0, i1, None) for i0, i1 in bounds[n:]]
        self._all[key] = out                         # most recent last
        self._shards = out
        return out

    def _worker_processes(self, k):
        """The worker processes of shards 1 .. k-1 (started on first use, kept), or []."""
        if k == 1 or not self._processes:
            return []
        while len(self._workers) < k - 1:
            state = (type(self).__name__, self.course_parameters(), self.dtype.name, self.loss,
                     self.clip)
            self._workers.append(ShardProcess("scratch.fast_rnn:_replica", state))
        return self._workers[:k - 1]

    def _kept(self):
        """The shards of the last forward pass, with their buffers."""
        if self._shards is None:
            raise ValueError("no forward pass kept: call forward(x) first (step() keeps none "
                             "when its shards run in worker processes)")
        return self._shards

    def _check_x(self, x):
        if not isinstance(x, np.ndarray) or x.dtype != self.dtype or x.ndim != 3 \
                or x.shape[0] != self.n_x or 0 in x.shape:
            got = (f"shape {x.shape}, dtype {x.dtype}" if isinstance(x, np.ndarray)
                   else type(x).__name__)
            raise ValueError(f"x: expected a {self.dtype} array (n_x, m, T_x) with n_x = "
                             f"{self.n_x} and m, T_x >= 1, got {got}")

    def _start(self, x, a0):
        """The shards for x (n_x, m, T_x), with a0 checked."""
        self._check_x(x)
        _, m, T_x = x.shape
        if a0 is not None and np.shape(a0) != (self.n_a, m):
            raise ValueError(f"a0: expected shape ({self.n_a}, {m}) (n_a, m), got {np.shape(a0)}")
        return self._buffers(m, T_x, len(self._blas.policy.shards(m)))

    def _load(self, b, x, a0):
        """x (n_x, m, T_x) copied into the shard's H in time-major, a<0> into block 0."""
        n_a = self.n_a
        np.copyto(b.H[:b.T_x, n_a + 1:], x.transpose(2, 0, 1))
        if a0 is None:
            b.H[0, :n_a] = 0
        else:
            np.copyto(b.H[0, :n_a], a0)

    def _output(self, blas, b):
        """Ŷ<t> = softmax([Wya | by] [a<t>; 1]) for every step in one call."""
        Z = np.matmul(self.Wy_b, b.H[1:, :self.n_a + 1], out=b.Y_hat)
        t_max, total = b.row
        np.max(Z, axis=1, keepdims=True, out=t_max)
        Z -= t_max
        np.exp(Z, out=Z)
        np.sum(Z, axis=1, keepdims=True, out=total)
        Z /= total

    def _y_hat(self):
        shards = self._shards
        if len(shards) == 1:
            return shards[0][2].Y_hat.transpose(1, 2, 0)
        return np.concatenate([b.Y_hat.transpose(1, 2, 0) for _, _, b in shards], axis=1)

    def cost(self, Y):
        """J = -(1/(m T_x)) sum Y log ŷ (batches), or -sum Y log ŷ (the dinosaur model)."""
        shards = self._check_Y(Y)
        total = sum(self._log_likelihood(b, Y[:, i0:i1]) for i0, i1, b in shards)
        return self._scale_cost(total, shards)

    def _scale_cost(self, total, shards):
        m, T_x = shards[-1][1], shards[0][2].T_x
        return float(-total / (m * T_x) if self.loss == "mean" else -total)

    def _log_likelihood(self, b, Y=None):
        """sum Y log ŷ over the shard (each log clamped at -100); Y copied in first if given."""
        if Y is not None:
            np.copyto(b.Y, Y.transpose(2, 0, 1))
        with np.errstate(divide="ignore"):
            np.log(b.Y_hat, out=b.log)
        np.maximum(b.log, LOG_CLAMP, out=b.log)
        return np.vdot(b.Y, b.log)

    def _check_Y(self, Y):
        shards = self._shards
        if shards is None:
            raise ValueError("Y: no forward pass yet; call forward(x) first")
        m, T_x = shards[-1][1], shards[0][2].T_x
        if not isinstance(Y, np.ndarray) or Y.shape != (self.n_y, m, T_x):
            raise ValueError(f"Y: expected one-hot labels (n_y, m, T_x) = ({self.n_y}, {m}, "
                             f"{T_x}), got {getattr(Y, 'shape', type(Y).__name__)}")
        return shards

    def _output_backward(self, blas, b, m):
        """dZ_y = (Ŷ - Y) / (m T_x) (or Ŷ - Y), [dWya | dby] = sum_t dz_y<t> [a<t>; 1]^T,
        and dA<t> = Wya^T dz_y<t>, the output layer's share of every dA<t>; m: the batch's."""
        dZ_y = b.Y_hat
        dZ_y -= b.Y
        if self.loss == "mean":
            dZ_y *= 1 / (m * b.T_x)
        n_a = self.n_a
        np.matmul(dZ_y, b.H[1:, :n_a + 1].transpose(0, 2, 1), out=b.dWy_t)
        np.sum(b.dWy_t, axis=0, out=b.dWy_b)
        np.matmul(self.Wy_b[:, :n_a].T, dZ_y, out=b.dA)

    def _weight_gradient(self, blas, b, t0=0, t1=None, out=None):
        """[dW_h | db | dW_x] = sum_t dz<t> [a<t-1>; 1; x<t>]^T over steps t0 .. t1 - 1 (all
        by default), as one product over their (t1 - t0) m columns, into ``out`` (b.dW)."""
        rows, K = self.W.shape
        t1 = b.T_x if t1 is None else t1
        dZ, H = b.dZ_cols[:, :t1 - t0], b.H_cols[:, :t1 - t0]
        np.copyto(dZ, b.Z[t0:t1].transpose(1, 0, 2))
        np.copyto(H, b.H[t0:t1].transpose(1, 0, 2))
        blas.matmul(dZ.reshape(rows, -1), H.reshape(K, -1).T, out=b.dW if out is None else out)

    def _gather_gradients(self, shards, sums=()):
        """dW and [dWya | dby]: the shards' sums added (``sums``: (dW, dWy_b) of shards
        run elsewhere, in order); clipped when asked."""
        np.copyto(self.dW, shards[0][2].dW)
        np.copyto(self.dWy_b, shards[0][2].dWy_b)
        for dW, dWy_b in [(b.dW, b.dWy_b) for _, _, b in shards[1:] if b is not None] + list(sums):
            self.dW += dW
            self.dWy_b += dWy_b
        if self.clip is not None:
            np.clip(self.dW, -self.clip, self.clip, out=self.dW)
            np.clip(self.dWy_b, -self.clip, self.clip, out=self.dWy_b)

    def update(self, learning_rate):
        """W := W - alpha dW for every parameter, in place (the gradients are scaled by
        alpha on the way: read them first)."""
        self.dW *= learning_rate
        self.W -= self.dW
        self.dWy_b *= learning_rate
        self.Wy_b -= self.dWy_b

    def forward(self, x, a0=None):
        """ŷ (n_y, m, T_x) from x (n_x, m, T_x) and a0 (n_a, m) (default zeros): a view of
        the model's buffer (one shard) or a copy (several), overwritten by the next call;
        what backward needs stays."""
        shards = self._start(x, a0)

        def run(i0, i1, b):
            self._load(b, x[:, i0:i1], None if a0 is None else a0[:, i0:i1])
            with b.blas as blas:
                self._forward(blas, b)
                self._output(blas, b)
        run_parallel([lambda s=s: run(*s) for s in shards])
        return self._y_hat()

    def backward(self, Y):
        """The gradients of the last forward pass (read them with :meth:`gradients`);
        overwrites ŷ and what the forward pass kept."""
        shards = self._check_Y(Y)
        m = shards[-1][1]

        def run(i0, i1, b):
            np.copyto(b.Y, Y[:, i0:i1].transpose(2, 0, 1))
            with b.blas as blas:
                self._backward(blas, b, m)
        run_parallel([lambda s=s: run(*s) for s in shards])
        self._gather_gradients(shards)

    def step(self, x, Y, learning_rate, a0=None):
        """One gradient-descent step: forward, cost, backward, update. Returns the cost
        before the update (a Python float)."""
        self._check_x(x)
        k = len(self._blas.policy.shards(x.shape[1]))
        workers = self._worker_processes(k)
        if workers:
            return self._step_in_processes(x, Y, learning_rate, a0, k, workers)
        shards = self._start(x, a0)
        self._check_Y(Y)
        m = shards[-1][1]

        def run(i0, i1, b):
            self._load(b, x[:, i0:i1], None if a0 is None else a0[:, i0:i1])
            with b.blas as blas:
                self._forward(blas, b)
                self._output(blas, b)
                total = self._log_likelihood(b, Y[:, i0:i1])
                self._backward(blas, b, m)
            return total
        total = sum(run_parallel([lambda s=s: run(*s) for s in shards]))
        self._gather_gradients(shards)
        self.update(learning_rate)
        return self._scale_cost(total, shards)

    def _run_shard(self, b, x, Y, a0, m):
        """Forward, log-likelihood and backward of one shard (x, Y, a0 its columns; m the
        batch's): the shard's sum of Y log ŷ, its gradient sums in b.dW, b.dWy_b."""
        self._load(b, x, a0)
        with b.blas as blas:
            self._forward(blas, b)
            self._output(blas, b)
            total = self._log_likelihood(b, Y)
            self._backward(blas, b, m)
        return total

    def _step_in_processes(self, x, Y, learning_rate, a0, k, workers):
        """:meth:`step` with shard 0 here and shards 1 .. k-1 in ``workers``."""
        _, m, T_x = x.shape
        if a0 is not None and np.shape(a0) != (self.n_a, m):
            raise ValueError(f"a0: expected shape ({self.n_a}, {m}) (n_a, m), got {np.shape(a0)}")
        shards = self._buffers(m, T_x, k, here=1)
        self._check_Y(Y)
        flat = np.concatenate([self.W.ravel(), self.Wy_b.ravel()])
        part = lambda v, i0, i1: None if v is None else np.ascontiguousarray(v[:, i0:i1])  # noqa: E731
        for (i0, i1, _), w in zip(shards[1:], workers):
            w.start("_worker_step", flat, part(x, i0, i1), part(Y, i0, i1), part(a0, i0, i1), m)
        i0, i1, b = shards[0]
        with gather(workers) as results, one_blas_thread():
            total = self._run_shard(b, x[:, i0:i1], Y[:, i0:i1], part(a0, i0, i1), m)
        self._shards = None                      # the other shards' buffers are not here
        cut = self.W.size
        sums = [(dW_dWy[:cut].reshape(self.W.shape), dW_dWy[cut:].reshape(self.Wy_b.shape))
                for _, dW_dWy in results]
        total = sum([total] + [t for t, _ in results])
        self._gather_gradients(shards, sums)
        self.update(learning_rate)
        return self._scale_cost(total, shards)

    def _worker_step(self, flat, x, Y, a0, m):
        """In a shard's worker process: its step with the caller's current W and [Wya | by]
        (``flat``, raveled and joined) on its sequences; returns (its sum of Y log ŷ, its
        gradient sums dW and [dWya | dby] raveled and joined)."""
        self.W.reshape(-1)[...] = flat[:self.W.size]
        self.Wy_b.reshape(-1)[...] = flat[self.W.size:]
        (_, _, b), = self._buffers(x.shape[1], x.shape[2])
        total = self._run_shard(b, x, Y, a0, m)
        return total, np.concatenate([b.dW.ravel(), b.dWy_b.ravel()])


class RNN(_Sequence):
    """The course's basic RNN with a softmax output at every step, trained on batches.

        a<t> = tanh(Wax x<t> + Waa a<t-1> + ba)       = tanh(W [a<t-1>; 1; x<t>]),  W = [Waa | ba | Wax]
        ŷ<t> = softmax(Wya a<t> + by)
        J = -(1/(m T_x)) sum_t sum_i sum_k Y log ŷ<t>

    Backward (the course's rnn_cell_backward, all steps' weight terms in one product):

        dz_y<t> = (ŷ<t> - Y<t>) / (m T_x);   [dWya | dby] = sum_t dz_y<t> [a<t>; 1]^T
        for t = T_x..1:  dz<t> = (Wya^T dz_y<t> + Waa^T dz<t+1>) * (1 - a<t>^2)
        [dWaa | dba | dWax] = sum_t dz<t> [a<t-1>; 1; x<t>]^T

    Args:
        parameters: the course's {"Wax", "Waa", "ba", "Wya", "by"} (copied, not modified).
        dtype: float32 or float64 (default Wax's).  thread_policy: see :mod:`scratch._blas`.
        loss: "mean" (the 1/(m T_x) above) or "sum" (no 1/(m T_x)).
        clip: None, or N: every gradient entry clipped into [-N, N] before the update.

    Example::

        >>> net = RNN(parameters)
        >>> cost = net.step(x, Y, learning_rate=0.5)        # x (n_x, m, T_x), Y one-hot
    """

    def __init__(self, parameters, dtype=None, thread_policy=None, *, loss="mean", clip=None):
        _check_rnn_parameters(parameters, "rnn")
        _check_options(loss, clip)
        dtype = _dtype(dtype, parameters["Wax"])
        p = {k: np.asarray(parameters[k], dtype=dtype) for k in RNN_KEYS}
        W = np.concatenate([p["Waa"], p["ba"], p["Wax"]], axis=1)
        Wy_b = np.concatenate([p["Wya"], p["by"]], axis=1)
        super().__init__(W, Wy_b, p["Wax"].shape[1], dtype, thread_policy, loss, clip)

    def __repr__(self):
        return f"RNN(n_x={self.n_x}, n_a={self.n_a}, n_y={self.n_y}, dtype={self.dtype})"

    def _forward(self, blas, b):
        H, W, n_a = b.H, self.W, self.n_a
        for t in range(b.T_x):
            a = blas.matmul(W, H[t], out=H[t + 1, :n_a])          # Waa a<t-1> + ba + Wax x<t>
            np.tanh(a, out=a)                                       # a<t>

    def hidden_states(self):
        """a<1..T_x> of the last forward pass, (n_a, m, T_x) (a copy)."""
        return np.concatenate([b.H[1:, :self.n_a].transpose(1, 2, 0) for _, _, b in self._kept()],
                              axis=1)

    def _backward(self, blas, b, m):
        n_a, dz, dA = self.n_a, b.Z, b.dA
        self._output_backward(blas, b, m)
        A = b.H[1:, :n_a]
        np.multiply(A, A, out=dz)
        np.subtract(1, dz, out=dz)                            # tanh'(z<t>) = 1 - a<t>^2, every t
        Waa_T = self.W[:, :n_a].T
        for t in reversed(range(b.T_x)):
            if t < b.T_x - 1:
                dA[t] += b.da                                 # dA<t> + Waa^T dz<t+1>
            dz[t] *= dA[t]                                    # dz<t>
            if t:
                blas.matmul(Waa_T, dz[t], out=b.da)
        self._weight_gradient(blas, b)

    def gradients(self):
        """{"dWax", "dWaa", "dba", "dWya", "dby"} of the last backward (copies; clipped if
        the model clips)."""
        n_a, dW = self.n_a, self.dW
        return {"dWax": dW[:, n_a + 1:].copy(), "dWaa": dW[:, :n_a].copy(),
                "dba": dW[:, n_a:n_a + 1].copy(), "dWya": self.dWy_b[:, :n_a].copy(),
                "dby": self.dWy_b[:, n_a:].copy()}

    def course_parameters(self):
        """{"Wax", "Waa", "ba", "Wya", "by"}: copies in the course's shapes."""
        n_a, W = self.n_a, self.W
        return {"Wax": W[:, n_a + 1:].copy(), "Waa": W[:, :n_a].copy(),
                "ba": W[:, n_a:n_a + 1].copy(), "Wya": self.Wy_b[:, :n_a].copy(),
                "by": self.Wy_b[:, n_a:].copy()}


def _check_options(loss, clip):
    if loss not in ("mean", "sum"):
        raise ValueError(f"loss: expected 'mean' or 'sum', got {loss!r}")
    if clip is not None and (isinstance(clip, bool) or not isinstance(clip, (int, float))
                             or not clip > 0):
        raise ValueError(f"clip: expected None or a positive number, got {clip!r}")


class LSTM(_Sequence):
    """The course's LSTM with a softmax output at every step, trained on batches.

    With the course's concat = [a<t-1>; x<t>] and the gates stacked o, f, i, c~:

        [Γo; Γf; Γi] = sigma(W_ofi [a<t-1>; 1; x<t>]),   c~<t> = tanh(W_c [a<t-1>; 1; x<t>])
        c<t> = Γf * c<t-1> + Γi * c~<t>;    a<t> = Γo * tanh(c<t>)
        ŷ<t> = softmax(Wy a<t> + by);       J = -(1/(m T_x)) sum Y log ŷ

    Backward (the course's lstm_cell_backward, each gate's derivative multiplied in
    advance, for all steps at once, by what multiplies it):

        dΓo = da * tanh(c) Γo (1 - Γo)              dc = dc_next + da * Γo (1 - tanh^2 c)
        dΓf = dc * c<t-1> Γf (1 - Γf)               dΓi = dc * c~ Γi (1 - Γi)
        dc~ = dc * Γi (1 - c~^2)                    da_prev = W_h^T dΓ;   dc_prev = dc * Γf
        [dW_h | db | dW_x] = sum_t dΓ<t> [a<t-1>; 1; x<t>]^T     (da = Wy^T dz_y<t> + da_prev)

    Args:
        parameters: the course's {"Wf", "bf", "Wi", "bi", "Wc", "bc", "Wo", "bo", "Wy", "by"}
            (copied).  dtype, thread_policy, loss, clip: as :class:`RNN`.
    """

    gates = 4

    def __init__(self, parameters, dtype=None, thread_policy=None, *, loss="mean", clip=None):
        _check_rnn_parameters(parameters, "lstm")
        _check_options(loss, clip)
        dtype = _dtype(dtype, parameters["Wf"])
        p = {k: np.asarray(parameters[k], dtype=dtype) for k in LSTM_KEYS}
        n_a = p["Wf"].shape[0]
        W = np.concatenate([np.concatenate([p[Wg][:, :n_a], p[bg], p[Wg][:, n_a:]], axis=1)
                            for Wg, bg in (_LSTM_COURSE[g] for g in LSTM_GATE_ORDER)])
        Wy_b = np.concatenate([p["Wy"], p["by"]], axis=1)
        super().__init__(W, Wy_b, p["Wf"].shape[1] - n_a, dtype, thread_policy, loss, clip)
        # sigma(z) = (1 + tanh(z / 2)) / 2: the sigmoid gates' rows are used halved
        self._half = np.ones((4 * n_a, 1), dtype)
        self._half[:3 * n_a] = 0.5
        self._W_half = np.empty_like(W)

    def __repr__(self):
        return f"LSTM(n_x={self.n_x}, n_a={self.n_a}, n_y={self.n_y}, dtype={self.dtype})"

    def _forward(self, blas, b):
        """c<0> = 0; a<t>, c<t> for t = 1..T_x."""
        H, C, G, n_a = b.H, b.C, b.Z, self.n_a
        np.multiply(self.W, self._half, out=self._W_half)
        s = 3 * n_a                                           # rows of the sigmoid gates
        for t in range(b.T_x):
            g = blas.matmul(self._W_half, H[t], out=G[t])
            np.tanh(g, out=g)                                 # tanh(z / 2) and c~<t> = tanh(z)
            sig = g[:s]
            sig *= 0.5
            sig += 0.5                                        # Γo, Γf, Γi = (1 + tanh(z / 2)) / 2
            o, f, i, cc = g[:n_a], g[n_a:2 * n_a], g[2 * n_a:s], g[s:]
            c = np.multiply(f, C[t], out=C[t + 1])            # c<t> = Γf c<t-1>
            np.multiply(i, cc, out=b.tmp)
            c += b.tmp                                        #        + Γi c~<t>
            np.tanh(c, out=b.tanh_c[t])
            np.multiply(o, b.tanh_c[t], out=H[t + 1, :n_a])   # a<t> = Γo tanh(c<t>)

    def hidden_states(self):
        """(a, c) of the last forward pass, each (n_a, m, T_x) (copies)."""
        shards = self._kept()
        return (np.concatenate([b.H[1:, :self.n_a].transpose(1, 2, 0) for _, _, b in shards], 1),
                np.concatenate([b.C[1:].transpose(1, 2, 0) for _, _, b in shards], 1))

    def _backward(self, blas, b, m):
        n_a, G, dA, da, dc, T = self.n_a, b.Z, b.dA, b.da, b.dc, b.T_x
        self._output_backward(blas, b, m)
        W_h_T = self.W[:, :n_a].T
        dc[...] = 0
        k = len(b.Qc)
        for t1 in range(T, 0, -k):                            # steps t0 .. t1 - 1, last first
            t0 = max(0, t1 - k)
            self._factors(b, t0, t1)
            for t in reversed(range(t0, t1)):
                if t < T - 1:
                    dA[t] += da                               # da = Wy^T dz_y<t> + W_h^T dΓ<t+1>
                np.multiply(dA[t], b.Qc[t - t0], out=b.tmp)
                dc += b.tmp                                   # dc = dc_next + da Γo (1 - tanh^2 c)
                g = G[t]
                g[:n_a] *= dA[t]                              # dΓo
                g[n_a:].reshape(3, n_a, -1)[...] *= dc        # dΓf, dΓi, dc~
                if t:
                    blas.matmul(W_h_T, g, out=da)             # da_prev = W_h^T dΓ
                    dc *= b.gate_f[t - t0]                    # dc_prev = dc Γf
            if t1 == T:                                       # the chunk's share of dW
                self._weight_gradient(blas, b, t0, t1)
            else:
                self._weight_gradient(blas, b, t0, t1, out=b.dW_part)
                b.dW += b.dW_part

    def _factors(self, b, t0, t1):
        """G := each gate's derivative times its partner in the chain rule, steps t0 .. t1 - 1:
        o: tanh(c) Γo (1 - Γo);  f: c<t-1> Γf (1 - Γf);  i: c~ Γi (1 - Γi);  c~: Γi (1 - c~^2);
        and Qc = Γo (1 - tanh^2 c), gate_f = Γf (what dc_prev needs; both in the chunk's
        buffers, index t - t0). Products shared: with v = Γo tanh(c), Qc = Γo - v tanh(c)
        and o's factor is v (1 - Γo); with y = Γi c~, c~'s factor is Γi - y c~ and i's is
        y (1 - Γi)."""
        n_a, G, n = self.n_a, b.Z[t0:t1], t1 - t0
        o, f, i, cc = G[:, :n_a], G[:, n_a:2 * n_a], G[:, 2 * n_a:3 * n_a], G[:, 3 * n_a:]
        tc, Qc, u, v = b.tanh_c[t0:t1], b.Qc[:n], b.spare[:n], b.spare2[:n]
        np.multiply(o, tc, out=v)                             # v = Γo tanh(c)
        np.multiply(v, tc, out=Qc)
        np.subtract(o, Qc, out=Qc)                            # Qc = Γo (1 - tanh^2 c)
        np.subtract(1, o, out=u)
        np.multiply(v, u, out=o)                              # o: tanh(c) Γo (1 - Γo)
        np.copyto(b.gate_f[:n], f)
        np.subtract(1, f, out=u)
        u *= b.C[t0:t1]
        f *= u                                                # f: c<t-1> Γf (1 - Γf)
        np.multiply(i, cc, out=v)                             # y = Γi c~
        np.multiply(v, cc, out=u)
        np.subtract(i, u, out=cc)                             # c~: Γi - Γi c~^2
        np.subtract(1, i, out=u)
        np.multiply(v, u, out=i)                              # i: c~ Γi (1 - Γi)

    def gradients(self):
        """{"dWf", "dbf", "dWi", "dbi", "dWc", "dbc", "dWo", "dbo", "dWy", "dby"} of the last
        backward (copies)."""
        out = {}
        for k, g in enumerate(LSTM_GATE_ORDER):
            Wg, bg = _LSTM_COURSE[g]
            out["d" + Wg], out["d" + bg] = self._course_gate(self.dW, k)
        out["dWy"], out["dby"] = self.dWy_b[:, :self.n_a].copy(), self.dWy_b[:, self.n_a:].copy()
        return out

    def course_parameters(self):
        """The course's dict: copies in the course's shapes."""
        out = {}
        for k, g in enumerate(LSTM_GATE_ORDER):
            Wg, bg = _LSTM_COURSE[g]
            out[Wg], out[bg] = self._course_gate(self.W, k)
        out["Wy"], out["by"] = self.Wy_b[:, :self.n_a].copy(), self.Wy_b[:, self.n_a:].copy()
        return out

    def _course_gate(self, W, k):
        """Gate k's (W_gate (n_a, n_a + n_x), b_gate (n_a, 1)) from a stacked [W_h | b | W_x]."""
        n_a = self.n_a
        rows = W[k * n_a:(k + 1) * n_a]
        return (np.concatenate([rows[:, :n_a], rows[:, n_a + 1:]], axis=1),
                rows[:, n_a:n_a + 1].copy())


class CharRNN:
    """The dinosaur model's training step, :func:`scratch.char_rnn.optimize`, written for
    speed: the same forward through one name, loss L = -sum_t log ŷ<t>[Y[t]] (a sum, no
    1/T), backward through time, every gradient clipped into [-5, 5], W := W - alpha dW,
    with :class:`RNN`'s machinery (one product and one tanh per step forward, the weight
    gradients as one product at the end). The one-hot inputs and targets are written
    straight into the buffers from the index lists (X[t] = None: a zero input).

    Args:
        parameters: the course's {"Wax", "Waa", "Wya", "b", "by"} (copied, not modified).
        dtype, thread_policy: as :class:`RNN`.

    Example::

        >>> net = CharRNN(initialize_parameters(50, 27, 27))
        >>> loss, gradients, a_prev = net.optimize(X, Y, a_prev, learning_rate=0.01)
    """

    def __init__(self, parameters, dtype=None, thread_policy=None, max_value=5.0):
        _check_char_parameters(parameters)
        p = {"Wax": parameters["Wax"], "Waa": parameters["Waa"], "ba": parameters["b"],
             "Wya": parameters["Wya"], "by": parameters["by"]}
        self.net = RNN(p, dtype, thread_policy, loss="sum", clip=max_value)
        self.dtype, self.n_a, self.n_x = self.net.dtype, self.net.n_a, self.net.n_x

    def __repr__(self):
        return f"CharRNN(n_x={self.n_x}, n_a={self.n_a}, dtype={self.dtype})"

    def optimize(self, X, Y, a_prev, learning_rate=0.01):
        """One SGD step on one name, as the course's ``optimize(X, Y, a_prev, parameters,
        learning_rate)`` (this model holds the parameters).

        Args:
            X: list of T indices, X[t] = None for a zero input.  Y: list of T target indices.
            a_prev: the hidden state carried in, (n_a, 1).  learning_rate: alpha.
        Returns:
            (loss, gradients, a_last): the summed loss before the update (a Python float),
            the CLIPPED gradients {"dWaa", "dWax", "dWya", "db", "dby"}, and a<T> (n_a, 1).
        """
        net, n_a, T = self.net, self.n_a, len(X)
        _check_sequences(X, Y, self.n_x, net.n_y)
        _check_hidden("a_prev", a_prev, n_a)
        _check_number("learning_rate", learning_rate, positive=False)
        b = net._buffers(1, T)[0][2]
        x = b.H[:T, n_a + 1:, 0]
        x[...] = 0
        steps = [t for t, i in enumerate(X) if i is not None]
        x[steps, [X[t] for t in steps]] = 1                   # x<t> = onehot(X[t])
        b.Y[...] = 0
        b.Y[range(T), list(Y), 0] = 1
        np.copyto(b.H[0, :n_a], a_prev)
        with net._blas as blas:
            net._forward(blas, b)
            net._output(blas, b)
            loss = -float(net._log_likelihood(b))
            net._backward(blas, b, 1)
        net._gather_gradients(net._shards)
        gradients = self.gradients()
        a_last = b.H[T, :n_a].copy()
        net.update(learning_rate)
        return loss, gradients, a_last

    def gradients(self):
        """{"dWaa", "dWax", "dWya", "db", "dby"} of the last step (clipped copies)."""
        g = self.net.gradients()
        return {"dWaa": g["dWaa"], "dWax": g["dWax"], "dWya": g["dWya"], "db": g["dba"],
                "dby": g["dby"]}

    def course_parameters(self):
        """{"Wax", "Waa", "Wya", "b", "by"}: copies in the course's shapes."""
        p = self.net.course_parameters()
        return {"Wax": p["Wax"], "Waa": p["Waa"], "Wya": p["Wya"], "b": p["ba"], "by": p["by"]}


def _replica(state):
    """The model a shard's worker process runs (:class:`scratch._shards.ShardProcess`):
    the caller's RNN or LSTM, its shard on one thread."""
    name, parameters, dtype, loss, clip = state
    return {"RNN": RNN, "LSTM": LSTM}[name](
        parameters, dtype, ThreadPolicy(max_threads=1, shard_workers="threads"), loss=loss,
        clip=clip)
