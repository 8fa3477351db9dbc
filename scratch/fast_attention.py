"""Course 5, week 4 again, written for speed: one transformer encoder layer trained on a
regression target.

:mod:`scratch.attention` is the reference (``encoder_layer_forward`` and
``encoder_layer_backward``: multi-head attention, the two layer norms, the feed-forward
network, each a function with its cache). This module computes the same numbers (the
parity suite ties it to that form and to ``nn.TransformerEncoderLayer``) with its costs
taken out:

- the m n positions as the rows of one matrix, so each projection is ONE product over
  all of them: [Q | K | V] = x [Wq | Wk | Wv] + [bq | bk | bv] (one product for the three),
  and every weight gradient is one product too (dW = x^T dZ over the m n rows);
- the heads are strided views of [Q | K | V] and of the concatenation, never copies: the
  batched products Q K^T and A V read and write them in place;
- 1 / sqrt(depth) folded into Wq and bq (Q' = Q / sqrt(depth), so S = Q' K^T); its
  gradients are scaled back once at the end;
- softmax, layer norm and ReLU in place, in buffers allocated once per (m, n);
- every product on the threads its size pays for (:class:`scratch._blas.ThreadPolicy`).

The layer (post-norm, dropout 0, as the course's ``EncoderLayer``):

    x1 = LN1(x + MHA(x, x, x, mask));   out = LN2(x1 + FFN(x1))

and the cost of the training step J = mean((out - target)^2) (``nn.MSELoss``).
"""
from __future__ import annotations

import math

import numpy as np

from ._blas import ThreadPolicy, one_blas_thread, run_parallel, shard_bounds
from ._shards import ShardProcess, gather
from ._validate_attention import _check_encoder_layer
from .attention import COURSE_LAYER_NORM_EPS, ENCODER_LAYER_KEYS, MASK_VALUE


class _Buffers:
    """What one step on m sequences of n positions needs, allocated once; row r = i n + t
    is position t of example i."""

    def __init__(self, m, n, d, h, dff, dtype):
        N = m * n
        self.m, self.n = m, n
        self.QKV = np.empty((N, 3 * d), dtype)          # [Q' | K | V], then [dQ' | dK | dV]
        self.S = np.empty((m, h, n, n), dtype)          # scores, then A, then dS
        self.dA = np.empty((m, h, n, n), dtype)
        self.concat = np.empty((N, d), dtype)           # concat(heads), then d concat
        self.s1 = np.empty((N, d), dtype)               # x + MHA(x), then x_hat1
        self.x1 = np.empty((N, d), dtype)
        self.Z1 = np.empty((N, dff), dtype)             # x1 W1 + b1, ReLU in place, then dZ1
        self.dA1 = np.empty((N, dff), dtype)
        self.s2 = np.empty((N, d), dtype)               # x1 + FFN(x1), then x_hat2
        self.out = np.empty((N, d), dtype)
        self.inv1 = np.empty((N, 1), dtype)             # 1 / sqrt(var + eps) of each LN
        self.inv2 = np.empty((N, 1), dtype)
        self.col = np.empty((N, 1), dtype)              # per-row sums
        self.rows = np.empty((m, h, n, 1), dtype)       # softmax: row max and sum
        self.d = np.empty((N, d), dtype)                # the running upstream gradient
        self.e = np.empty((N, d), dtype)                # a second (N, d) scratch


class EncoderLayer:
    """One post-norm transformer encoder layer, :func:`scratch.attention.encoder_layer_forward`
    written for speed, trained with J = mean((out - target)^2) and gradient descent.

    Args:
        parameters: the course's dict (``scratch.attention.ENCODER_LAYER_KEYS``: Wq, bq, Wk,
            bk, Wv, bv, Wo, bo (d_model, d_model) and (d_model,); W1 (d_model, dff), b1,
            W2 (dff, d_model), b2; gamma1, beta1, gamma2, beta2 (d_model,)); copied.
        num_heads: h, dividing d_model.  eps: the layer norms' (1e-6, the course's).
        dtype: float32 or float64 (default Wq's).  thread_policy: see :mod:`scratch._blas`.

    Example::

        >>> layer = EncoderLayer(parameters, num_heads=8)
        >>> cost = layer.step(x, target, learning_rate=0.01)    # x, target (m, n, d_model)
    """

    def __init__(self, parameters, num_heads, eps=COURSE_LAYER_NORM_EPS, dtype=None,
                 thread_policy=None):
        d = np.shape(parameters.get("Wq", np.empty((1, 1)))) if isinstance(parameters, dict) \
            else None
        d_model = d[0] if d and len(d) == 2 else 1
        _, _, num_heads = _check_encoder_layer(np.zeros((1, 1, d_model)), parameters,
                                               num_heads, None, eps)
        dtype = np.dtype(dtype if dtype is not None else np.asarray(parameters["Wq"]).dtype)
        if dtype not in (np.float32, np.float64):
            raise ValueError(f"dtype: expected float32 or float64, got {dtype}")
        if thread_policy is not None and not isinstance(thread_policy, ThreadPolicy):
            raise ValueError(f"thread_policy: expected a scratch._blas.ThreadPolicy or None, "
                             f"got {type(thread_policy).__name__}")
        self.p = {k: np.array(parameters[k], dtype=dtype) for k in ENCODER_LAYER_KEYS}
        self.d_model, self.num_heads, self.eps, self.dtype = d_model, num_heads, eps, dtype
        self.depth = d_model // num_heads
        self.dff = self.p["W1"].shape[1]
        self.grads = {}
        self._blas = (thread_policy if thread_policy is not None else ThreadPolicy()).session()
        self._processes = self._blas.policy.shard_workers == "processes"
        self._workers = []
        self._all, self._key, self._mask = None, None, None

    def __repr__(self):
        return (f"EncoderLayer(d_model={self.d_model}, num_heads={self.num_heads}, "
                f"dff={self.dff}, dtype={self.dtype})")

    def _heads(self, A, b):
        """An (m n, d_model) block of a shard as (m, h, n, depth) views (head j: columns
        j depth .. (j + 1) depth - 1)."""
        return A.reshape(b.m, b.n, self.num_heads, self.depth).transpose(0, 2, 1, 3)

    def _shards(self, m, n, here=None):
        """[(i0, i1, buffers)]: the m sequences cut into one shard per thread allowed
        (:func:`scratch._blas.shard_bounds`), each with its buffers and its session; with
        ``here`` = 1 only shard 0 has buffers (the others run in worker processes)."""
        k = len(self._blas.policy.shards(m))
        key = (m, n, k, here)
        if self._key != key:
            self._all = None
            bounds = shard_bounds(m, k, 1)
            n_here = len(bounds) if here is None else here
            self._all = [(i0, i1, _Buffers(i1 - i0, n, self.d_model, self.num_heads, self.dff,
                                           self.dtype)) for i0, i1 in bounds[:n_here]]
            for _, _, buf in self._all:
                buf.blas = self._blas if k == 1 else ThreadPolicy(max_threads=1).session()
            self._all += [(i0, i1, None) for i0, i1 in bounds[n_here:]]
            self._key = key
        return self._all

    def _worker_processes(self, k):
        """The worker processes of shards 1 .. k-1 (started on first use, kept), or []."""
        if k == 1 or not self._processes:
            return []
        while len(self._workers) < k - 1:
            state = (self.course_parameters(), self.num_heads, self.eps, self.dtype.name)
            self._workers.append(ShardProcess("scratch.fast_attention:_replica", state))
        return self._workers[:k - 1]

    # ------------------------------------------------------------------ forward
    def forward(self, x, mask=None):
        """out (m, n, d_model) (a copy); what backward needs stays.

        mask: None or the course's 1 = attend / 0 = masked, broadcastable to (m, n, n)."""
        shards = self._start(x, mask)
        run_parallel([lambda s=s: self._forward(s[2], x[s[0]:s[1]], self._mask_of(*s[:2]))
                      for s in shards])
        return np.concatenate([buf.out.reshape(buf.m, buf.n, -1) for _, _, buf in shards])

    def _start(self, x, mask, here=None):
        x, mask, _ = _check_encoder_layer(x, self.p, self.num_heads, mask, self.eps)
        if x.dtype != self.dtype:
            raise ValueError(f"x: expected a {self.dtype} array, got {x.dtype}")
        m, n, _ = x.shape
        self._mask = None if mask is None else np.broadcast_to(mask, (m, n, n))
        p, scale = self.p, 1 / math.sqrt(self.depth)
        self._W_qkv = np.concatenate([p["Wq"] * scale, p["Wk"], p["Wv"]], axis=1)
        self._b_qkv = np.concatenate([p["bq"] * scale, p["bk"], p["bv"]])
        return self._shards(m, n, here)

    def _mask_of(self, i0, i1):
        return None if self._mask is None else self._mask[i0:i1]

    def _forward(self, b, x, mask):
        """The forward pass of one shard x (m_s, n, d_model) into its buffers."""
        p, d = self.p, self.d_model
        X = b.x = x.reshape(-1, d)
        with b.blas as blas:
            QKV = blas.dot(X, self._W_qkv, out=b.QKV)                # [Q' | K | V] = x W + b
            QKV += self._b_qkv
            Q, K, V = (self._heads(QKV[:, j * d:(j + 1) * d], b) for j in range(3))
            S = np.matmul(Q, K.transpose(0, 1, 3, 2), out=b.S)        # S = Q K^T / sqrt(depth)
            if mask is not None:
                S += (1 - mask[:, np.newaxis]) * MASK_VALUE
            _softmax_(S, b.rows)                                      # A = softmax(S)
            np.matmul(S, V, out=self._heads(b.concat, b))             # head_j = A_j V_j
            attn = blas.dot(b.concat, p["Wo"], out=b.s1)              # MHA = concat Wo + bo
            attn += p["bo"]
            attn += X                                                 # x + MHA(x)
            _layer_norm_(attn, p["gamma1"], p["beta1"], self.eps, b.inv1, b.col, out=b.x1)
            Z1 = blas.dot(b.x1, p["W1"], out=b.Z1)                    # FFN(x1)
            Z1 += p["b1"]
            np.maximum(Z1, 0, out=Z1)
            f = blas.dot(Z1, p["W2"], out=b.s2)
            f += p["b2"]
            f += b.x1                                                 # x1 + FFN(x1)
            _layer_norm_(f, p["gamma2"], p["beta2"], self.eps, b.inv2, b.col, out=b.out)

    def cost(self, target):
        """J = mean((out - target)^2) of the last forward pass, a Python float."""
        shards = self._check_target(target)
        total = sum(self._squares(buf, target[i0:i1]) for i0, i1, buf in shards)
        return float(total / target.size)

    def _squares(self, b, target):
        np.subtract(b.out, target.reshape(b.out.shape), out=b.d)
        return np.vdot(b.d, b.d)

    def _check_target(self, target):
        shards = self._all if self._key is not None else None
        if shards is None:
            raise ValueError("target: no forward pass yet; call forward(x) first")
        if any(buf is None for _, _, buf in shards):
            raise ValueError("target: no forward pass kept (step() ran its shards in worker "
                             "processes); call forward(x) first")
        shape = (self._key[0], self._key[1], self.d_model)
        if not isinstance(target, np.ndarray) or target.shape != shape:
            raise ValueError(f"target: expected an array of shape {shape} (m, n, d_model), got "
                             f"{getattr(target, 'shape', type(target).__name__)}")
        return shards

    # ------------------------------------------------------------------ backward
    def backward(self, target):
        """The gradients of J = mean((out - target)^2) (into :meth:`gradients`), last line
        of the forward pass first (as :func:`scratch.attention.encoder_layer_backward`):

            d out = 2 (out - target) / (m n d_model)
            d(x1 + FFN(x1)), dgamma2, dbeta2 = LN2 backward;   dW2 = A1^T d;  db2 = sum d
            dZ1 = d W2^T * 1[Z1 > 0];  dW1 = x1^T dZ1;  db1 = sum dZ1;  dx1 = d + dZ1 W1^T
            d(x + MHA(x)), dgamma1, dbeta1 = LN1 backward(dx1)
            dWo = concat^T d;  dbo = sum d;  d concat = d Wo^T
            per head: dV = A^T dO;  dA = dO V^T;  dS = A (dA - sum(dA A));  dQ' = dS K;  dK = dS^T Q'
            [dWq' | dWk | dWv] = x^T [dQ' | dK | dV];  dWq = dWq' / sqrt(depth)

        (dx, the layer input's gradient, is not formed: nothing uses it.) With several
        shards, each forms the sums over its sequences and the sums are added."""
        shards = self._check_target(target)
        size = target.size
        run_parallel([lambda s=s: self._backward(s[2], target[s[0]:s[1]], size) for s in shards])
        self._gather(shards)
        return self.grads

    def _backward(self, b, target, size):
        """One shard's sums of every gradient, into b.g; size: the whole batch's m n d_model."""
        p, d, g = self.p, self.d_model, {}
        dout = b.d
        np.subtract(b.out, target.reshape(b.out.shape), out=dout)
        dout *= 2 / size                                              # d out
        with b.blas as blas:
            # out = LN2(s2): s2 holds x_hat2 now
            g["dbeta2"], g["dgamma2"] = _layer_norm_backward_(dout, b.s2, p["gamma2"], b.inv2,
                                                              b.col, b.e)
            ds2 = dout                                                # d(x1 + FFN(x1))
            g["dW2"] = blas.dot(b.Z1.T, ds2, out=np.empty_like(p["W2"]))   # Z1 holds A1
            g["db2"] = ds2.sum(axis=0)
            dZ1 = b.Z1
            np.greater(dZ1, 0, out=dZ1)                               # 1[Z1 > 0] (ReLU')
            dZ1 *= blas.dot(ds2, p["W2"].T, out=b.dA1)                # dZ1 = d W2^T * ReLU'
            g["dW1"] = blas.dot(b.x1.T, dZ1, out=np.empty_like(p["W1"]))
            g["db1"] = dZ1.sum(axis=0)
            dx1 = blas.dot(dZ1, p["W1"].T, out=b.e)
            dx1 += ds2                                                # x1 feeds the skip and FFN
            # x1 = LN1(s1): s1 holds x_hat1 now
            g["dbeta1"], g["dgamma1"] = _layer_norm_backward_(dx1, b.s1, p["gamma1"], b.inv1,
                                                              b.col, b.d)
            ds1 = dx1                                                 # d(x + MHA(x))
            g["dWo"] = blas.dot(b.concat.T, ds1, out=np.empty_like(p["Wo"]))
            g["dbo"] = ds1.sum(axis=0)
            dO = self._heads(blas.dot(ds1, p["Wo"].T, out=b.d), b)    # d concat, split in heads
            QKV, A = b.QKV, b.S
            Q, K, V = (self._heads(QKV[:, j * d:(j + 1) * d], b) for j in range(3))
            dS = np.matmul(dO, V.transpose(0, 1, 3, 2), out=b.dA)    # dA = dO V^T
            np.matmul(A.transpose(0, 1, 3, 2), dO, out=V)             # dV = A^T dO (over V)
            dS *= A
            np.sum(dS, axis=-1, keepdims=True, out=b.rows)            # sum(dA A)
            A *= b.rows
            dS -= A                                                   # dS = A (dA - sum(dA A))
            dK = np.matmul(dS.transpose(0, 1, 3, 2), Q, out=self._heads(b.e, b))  # dK = dS^T Q'
            np.matmul(dS, K, out=Q)                                   # dQ' = dS K (over Q')
            np.copyto(K, dK)                                          # QKV = [dQ' | dK | dV]
            g["dW_qkv"] = blas.dot(b.x.T, QKV, out=np.empty_like(self._W_qkv))
            g["db_qkv"] = QKV.sum(axis=0)
        b.g = g

    def _gather(self, shards, sums=()):
        """self.grads: the shards' sums added (``sums``: the gradient dicts of shards run
        elsewhere, in order), the stacked [Q | K | V] split, dWq scaled back."""
        g = dict(shards[0][2].g)
        for shard in [buf.g for _, _, buf in shards[1:] if buf is not None] + list(sums):
            for key, value in shard.items():
                g[key] = g[key] + value
        d, scale = self.d_model, 1 / math.sqrt(self.depth)
        dW_qkv, db_qkv = g.pop("dW_qkv"), g.pop("db_qkv")
        for j, key in enumerate("qkv"):
            g[f"dW{key}"] = dW_qkv[:, j * d:(j + 1) * d] * (scale if key == "q" else 1)
            g[f"db{key}"] = db_qkv[j * d:(j + 1) * d] * (scale if key == "q" else 1)
        self.grads = g

    # ------------------------------------------------------------------ update
    def update(self, learning_rate):
        """W := W - alpha dW for every parameter, in place."""
        for key, value in self.p.items():
            value -= learning_rate * self.grads["d" + key]

    def step(self, x, target, learning_rate, mask=None):
        """One gradient-descent step: forward, cost, backward, update. Returns the cost
        before the update (a Python float). Shards 1 .. k-1 run in worker processes
        (:mod:`scratch._shards`) unless the thread policy says threads; after a step in
        processes, :meth:`cost` and :meth:`backward` need a new :meth:`forward`."""
        m = x.shape[0] if isinstance(x, np.ndarray) and x.ndim == 3 and x.shape[0] else 1
        workers = self._worker_processes(len(self._blas.policy.shards(m)))
        shards = self._start(x, mask, here=1 if workers else None)
        if not isinstance(target, np.ndarray) or target.shape != x.shape:
            raise ValueError(f"target: expected an array of shape {x.shape} (m, n, d_model), "
                             f"got {getattr(target, 'shape', type(target).__name__)}")
        size = target.size

        def run(i0, i1, b):
            self._forward(b, x[i0:i1], self._mask_of(i0, i1))
            total = self._squares(b, target[i0:i1])
            self._backward(b, target[i0:i1], size)
            return total
        if not workers:
            total = sum(run_parallel([lambda s=s: run(*s) for s in shards]))
            sums = ()
        else:
            part = lambda v, i0, i1: None if v is None else np.ascontiguousarray(v[i0:i1])  # noqa: E731
            for (i0, i1, _), w in zip(shards[1:], workers):
                w.start("_worker_step", self.p, part(x, i0, i1), part(target, i0, i1),
                        part(self._mask, i0, i1), size)
            with gather(workers) as results, one_blas_thread():
                total = run(*shards[0])
            total = sum([total] + [t for t, _ in results])
            sums = [g for _, g in results]
        self._gather(shards, sums)
        self.update(learning_rate)
        return float(total / size)

    def _worker_step(self, parameters, x, target, mask, size):
        """In a shard's worker process: its forward, squares and backward with the caller's
        current parameters on its sequences (size: the batch's m n d_model); returns (its
        sum of squares, its gradient sums)."""
        for key, value in self.p.items():
            np.copyto(value, parameters[key])
        ((_, _, b),) = self._start(x, mask)
        self._forward(b, x, mask)
        total = self._squares(b, target)
        self._backward(b, target, size)
        return total, b.g

    def course_parameters(self):
        """The course's dict: copies."""
        return {k: v.copy() for k, v in self.p.items()}

    def gradients(self):
        """{"d" + key} of the last backward: copies, shaped like the parameters."""
        return {k: np.array(v) for k, v in self.grads.items()}


def _softmax_(S, rows):
    """softmax over the last axis, in place, shifted by each row's max."""
    np.max(S, axis=-1, keepdims=True, out=rows)
    S -= rows
    np.exp(S, out=S)
    np.sum(S, axis=-1, keepdims=True, out=rows)
    S /= rows


def _layer_norm_(s, gamma, beta, eps, inv, col, out):
    """out = gamma x_hat + beta, x_hat = (s - mu) / sqrt(var + eps) over each row; s is
    overwritten with x_hat (what backward reads) and inv with 1 / sqrt(var + eps)."""
    d = s.shape[1]
    np.sum(s, axis=1, keepdims=True, out=col)
    col *= 1 / d                                       # mu
    s -= col                                           # s - mu
    np.multiply(s, s, out=out)
    np.sum(out, axis=1, keepdims=True, out=inv)
    inv *= 1 / d                                       # var (biased)
    inv += eps
    np.sqrt(inv, out=inv)
    np.reciprocal(inv, out=inv)                        # 1 / sqrt(var + eps)
    s *= inv                                           # x_hat
    np.multiply(s, gamma, out=out)
    out += beta


def _layer_norm_backward_(d_out, x_hat, gamma, inv, col, scratch):
    """d_out := dx of LN (in place); returns (dbeta, dgamma). With dx_hat = d_out gamma:
    dx = inv / d (d dx_hat - sum(dx_hat) - x_hat sum(dx_hat x_hat)), sums over each row."""
    d = x_hat.shape[1]
    dbeta = d_out.sum(axis=0)
    np.multiply(d_out, x_hat, out=scratch)
    dgamma = scratch.sum(axis=0)
    d_out *= gamma                                     # dx_hat
    np.multiply(d_out, x_hat, out=scratch)
    np.sum(scratch, axis=1, keepdims=True, out=col)    # sum(dx_hat x_hat)
    np.multiply(x_hat, col, out=scratch)
    np.sum(d_out, axis=1, keepdims=True, out=col)      # sum(dx_hat)
    d_out -= col * (1 / d)
    scratch *= 1 / d
    d_out -= scratch
    d_out *= inv                                       # dx
    return dbeta, dgamma


def _replica(state):
    """The layer a shard's worker process runs (:class:`scratch._shards.ShardProcess`): the
    caller's, its shard on one thread."""
    parameters, num_heads, eps, dtype = state
    return EncoderLayer(parameters, num_heads, eps, dtype,
                        ThreadPolicy(max_threads=1, shard_workers="threads"))
