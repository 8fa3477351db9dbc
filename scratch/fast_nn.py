"""The week-4 network again, written for speed: same formulas, no temporaries.

:mod:`scratch.deep_nn` is the reference: one function per formula, a new array per
step, a cache of tuples. This module computes exactly the same thing (the parity
suite checks it against both that code and PyTorch's autograd) with the costs a
profiler finds in the reference form taken out:

- every array of one step is allocated once, for a batch size m, and reused: each
  GEMM writes into its buffer (``np.dot(..., out=)``), each activation is applied
  in place, and a steady-state training step allocates nothing the size of a batch;
- the dtype is kept: a float32 model stays float32 end to end (Python scalars such as
  1/m and alpha are "weak" under NumPy 2's promotion rules, so they never upcast);
- the forward pass caches A[l] only. The backward pass reads what it needs from A[l]
  (ReLU: g'(Z) = 1 where A > 0; tanh: g'(Z) = 1 - A^2; sigmoid: A (1 - A)) instead of
  recomputing g(Z) as :func:`scratch.activations.relu_backward` and friends do;
- dZ[l] overwrites A[l] in the backward pass (A[l] is not needed once dW[l+1] is
  made), so the only extra buffer is one dA of the widest hidden layer;
- dZ[L] = (1/m) (A[L] - Y) carries the 1/m, so dW[l] = dZ[l] A[l-1]^T and
  db[l] = sum(dZ[l], axis=1) need no further scaling (a mean-reduced loss in
  PyTorch does the same); dA[0] = W[1]^T dZ[1] is never formed (nothing uses it);
- inputs are checked once per call by shape and dtype, not element by element;
- each BLAS product runs on the number of threads its size pays for
  (:class:`scratch._blas.ThreadPolicy`: 1 thread for a small product, about
  sqrt(2 m n k / grain) for a large one, at most the BLAS limit in effect), instead of
  the whole pool for all; :meth:`MLP.thread_plan` lists which product gets how many.

Shapes (the course's): X = A[0] (n[0], m); W[l] (n[l], n[l-1]); b[l] (n[l], 1);
A[l], dZ[l] (n[l], m); Y (n[L], m): 0/1 labels for a sigmoid output, one-hot columns
for a softmax output.

Example::

    >>> net = MLP(initialize_parameters_scaled([12288, 20, 7, 5, 1]))
    >>> cost = net.step(X, Y, learning_rate=0.0075)    # forward, cost, backward, update
"""
from __future__ import annotations

import numpy as np

from ._blas import ThreadPolicy
from ._validate import checked
from ._validate_fast_nn import (  # noqa: F401  (HIDDEN, OUTPUTS: re-exported)
    HIDDEN,
    OUTPUTS,
    check_forward,
    check_init,
    check_labels,
    check_thread_policy,
)
from .cost import LOG_CLAMP


def _sigmoid_(Z):
    """A = 1 / (1 + e^{-Z}), in place.  e^{-Z} may overflow to inf for very negative Z;
    1 / (1 + inf) = 0 is then the right answer, so the overflow is not an error."""
    np.negative(Z, out=Z)
    with np.errstate(over="ignore"):
        np.exp(Z, out=Z)
    Z += 1
    np.reciprocal(Z, out=Z)


class MLP:
    """[LINEAR -> g] x (L-1) -> LINEAR -> sigmoid (or softmax), trained in place.

    Args:
        parameters: the course's {"W1", "b1", ..., "WL", "bL"} (copied, not modified).
        hidden_activation: "relu" (default), "tanh" or "sigmoid".
        output: "sigmoid" (cost: binary cross-entropy) or "softmax" (categorical
            cross-entropy, Y one-hot), as in :mod:`scratch.deep_nn` and
            :mod:`scratch.multiclass`.
        dtype: float32 or float64; default: the dtype of W1.
        thread_policy: a :class:`scratch._blas.ThreadPolicy` (threads per BLAS product);
            default ``ThreadPolicy()``: the measured grain, capped at the BLAS limit in
            effect at each call.

    Buffers for a batch of m examples (made on the first call with that m):
        A[l] (n[l], m) for l = 1..L, reused as dZ[l] in the backward pass;
        one dA buffer (max n[l] over hidden layers, m); for the cost one (n[L], m) log
        buffer; a column of m ones (db = dZ 1) and for the softmax two (1, m) rows.
    """

    @checked(check_init)
    def __init__(self, parameters, hidden_activation="relu", output="sigmoid", dtype=None,
                 thread_policy=None):
        L = len(parameters) // 2
        self.W, self.b = [None], [None]          # index l = 1..L, as in the notes
        for l in range(1, L + 1):
            self.W.append(np.array(parameters[f"W{l}"], dtype=dtype, order="C"))
            self.b.append(np.array(parameters[f"b{l}"], dtype=dtype, order="C"))
        self.L = L
        self.layer_dims = [self.W[1].shape[1]] + [self.W[l].shape[0] for l in range(1, L + 1)]
        self.dtype = dtype
        self.hidden_activation = hidden_activation
        self.output = output
        self.dW = [None] + [np.zeros_like(W) for W in self.W[1:]]
        self.db = [None] + [np.zeros_like(b) for b in self.b[1:]]
        self.m = None
        self.thread_policy = thread_policy                  # a BLAS session, re-entered per pass

    @property
    def thread_policy(self):
        """The :class:`scratch._blas.ThreadPolicy` of this model's BLAS products."""
        return self._blas.policy

    @thread_policy.setter
    @checked(check_thread_policy)
    def thread_policy(self, policy):
        self._blas = (policy if policy is not None else ThreadPolicy()).session()

    def __repr__(self):
        return (f"MLP(layer_dims={self.layer_dims}, hidden_activation={self.hidden_activation!r}, "
                f"output={self.output!r}, dtype={self.dtype})")

    # ------------------------------------------------------------------ buffers
    def _buffers(self, m):
        if self.m == m:
            return
        self.m = None                            # free the old batch size's buffers first
        dims, L = self.layer_dims, self.L
        self.A = [None] + [np.empty((dims[l], m), self.dtype) for l in range(1, L + 1)]
        widest = max(dims[1:L], default=1)
        self._dA = np.empty(widest * m, self.dtype)          # dA[l-1] = W[l]^T dZ[l], l >= 2
        self._row = np.empty((2, 1, m), self.dtype)          # softmax: column max, column sum
        self._log = np.empty((dims[L], m), self.dtype)       # the cost's log A[L], log(1 - A[L])
        self._ones = np.ones((m, 1), self.dtype)             # db = dZ 1: a GEMV, ~10x np.sum's speed
        self.m = m

    # ------------------------------------------------------------------ forward
    @checked(check_forward)
    def forward(self, X):
        """A[l] = g(W[l] A[l-1] + b[l]) for l = 1..L, with A[0] = X (n[0], m).

        Returns A[L] (n[L], m): a view of the model's buffer, overwritten by the next
        call (copy it to keep it). A[1..L] stay in ``self.A`` for :meth:`backward`.
        """
        self._buffers(X.shape[1])
        self._X = A_prev = X                                 # A[0], for dW[1]
        with self._blas as blas:
            for l in range(1, self.L + 1):
                Z = blas.dot(self.W[l], A_prev, out=self.A[l])   # Z[l] = W[l] A[l-1]
                Z += self.b[l]                                   #        + b[l]
                if l < self.L:
                    self._hidden_(Z)                             # A[l] = g(Z[l]), in place
                elif self.output == "sigmoid":
                    _sigmoid_(Z)
                else:
                    self._softmax_(Z)
                A_prev = Z
        return self.A[self.L]

    def _hidden_(self, Z):
        if self.hidden_activation == "relu":
            np.maximum(Z, 0, out=Z)
        elif self.hidden_activation == "tanh":
            np.tanh(Z, out=Z)
        else:
            _sigmoid_(Z)

    def _softmax_(self, Z):
        """A = e^{Z - max Z} / sum e^{Z - max Z}, column by column, in place."""
        t_max, s = self._row
        np.max(Z, axis=0, keepdims=True, out=t_max)
        Z -= t_max
        np.exp(Z, out=Z)
        np.sum(Z, axis=0, keepdims=True, out=s)
        Z /= s

    # ------------------------------------------------------------------ cost
    @checked(check_labels)
    def cost(self, Y):
        """J of the last forward pass, a Python float; each log clamped at -100 as in
        :mod:`scratch.cost` (so a saturated A[L] gives a finite J, like ``nn.BCELoss``).

        sigmoid: J = -(1/m) sum(Y log A[L] + (1 - Y) log(1 - A[L]))
                   = -(1/m) (Y . log A[L] + sum log(1 - A[L]) - Y . log(1 - A[L]))
        softmax: J = -(1/m) sum_i sum_k Y_ki log A[L]_ki
        """
        return _cross_entropy(self, Y)

    # ------------------------------------------------------------------ backward
    @checked(check_labels)
    def backward(self, Y):
        """Gradients of the last forward pass into ``self.dW[l]``, ``self.db[l]``.

        dZ[L] = (1/m) (A[L] - Y)            (sigmoid + BCE, or softmax + CE)
        for l = L..1:
            dW[l] = dZ[l] A[l-1]^T;  db[l] = sum(dZ[l], axis=1, keepdims=True)
            dA[l-1] = W[l]^T dZ[l];  dZ[l-1] = dA[l-1] * g'(Z[l-1])   (l >= 2)

        Overwrites A[l] with dZ[l]: call :meth:`forward` again before the next backward.
        """
        L, m = self.L, self.m
        dZ = self.A[L]
        np.subtract(dZ, Y, out=dZ)                           # dZ[L] = A[L] - Y
        dZ *= 1 / m                                          #   with the cost's 1/m
        with self._blas as blas:
            for l in range(L, 0, -1):
                A_prev = self.A[l - 1] if l > 1 else self._X
                blas.dot(dZ, A_prev.T, out=self.dW[l])       # dW[l] = dZ[l] A[l-1]^T
                blas.dot(dZ, self._ones, out=self.db[l])     # db[l] = sum(dZ[l], axis=1)
                if l > 1:
                    dA = self._dA[:A_prev.size].reshape(A_prev.shape)
                    blas.dot(self.W[l].T, dZ, out=dA)        # dA[l-1] = W[l]^T dZ[l]
                    self._times_g_prime_(A_prev, dA)         # dZ[l-1], written over A[l-1]
                    dZ = A_prev
        return self.dW, self.db

    def _times_g_prime_(self, A, dA):
        """A := dA * g'(Z), with g'(Z) read off A = g(Z)."""
        if self.hidden_activation == "relu":
            np.sign(A, out=A)                                # g'(Z) = 1 where A > 0, else 0
        elif self.hidden_activation == "tanh":
            np.multiply(A, A, out=A)
            np.subtract(1, A, out=A)                         # g'(Z) = 1 - A^2
        else:
            np.multiply(dA, A, out=dA)
            np.subtract(1, A, out=A)                         # g'(Z) = A (1 - A)
        np.multiply(A, dA, out=A)

    # ------------------------------------------------------------------ update
    def update(self, learning_rate):
        """W[l] := W[l] - alpha dW[l];  b[l] := b[l] - alpha db[l], in place.

        (dW[l] and db[l] are scaled by alpha in place on the way: read the
        gradients before calling this.)"""
        for l in range(1, self.L + 1):
            self.dW[l] *= learning_rate
            self.W[l] -= self.dW[l]
            self.db[l] *= learning_rate
            self.b[l] -= self.db[l]

    def step(self, X, Y, learning_rate):
        """One gradient-descent step: forward, cost, backward, update. Returns the cost
        before the update (a Python float)."""
        with self._blas:                                    # one BLAS session for the 3 passes
            self.forward(X)
            cost = self.cost(Y)
            self.backward(Y)
        self.update(learning_rate)
        return cost

    # ------------------------------------------------------------------ threads
    def thread_plan(self, m, cap=None):
        """The BLAS products of one :meth:`step` on m examples, in the order they run,
        with the threads each gets: a list of (name, (M, K, N), threads), an (M, K) @ (K, N)
        product (N = 1: a matrix-vector product; M = N = 1: a dot product).

        cap: the most threads (default: the policy's ``max_threads``, else the BLAS limit
        in effect now, which is what :meth:`step` would use if called now).
        """
        n, L = self.layer_dims, self.L
        products = [(f"Z[{l}] = W[{l}] A[{l - 1}]", (n[l], n[l - 1], m)) for l in range(1, L + 1)]
        products.append((f"Y . log A[{L}]", (1, n[L] * m, 1)))
        if self.output == "sigmoid":
            products.append((f"Y . log(1 - A[{L}])", (1, n[L] * m, 1)))
        for l in range(L, 0, -1):
            products.append((f"dW[{l}] = dZ[{l}] A[{l - 1}]^T", (n[l], m, n[l - 1])))
            products.append((f"db[{l}] = dZ[{l}] 1", (n[l], m, 1)))
            if l > 1:
                products.append((f"dA[{l - 1}] = W[{l}]^T dZ[{l}]", (n[l - 1], n[l], m)))
        policy = self.thread_policy
        cap = policy.cap() if cap is None else cap
        return [(name, shape, policy.threads(shape, cap)) for name, shape in products]

    # ------------------------------------------------------------------ the course's dicts
    def course_parameters(self):
        """{"W1", "b1", ..., "WL", "bL"}: copies in the course's shapes."""
        out = {}
        for l in range(1, self.L + 1):
            out[f"W{l}"], out[f"b{l}"] = self.W[l].copy(), self.b[l].copy()
        return out

    def gradients(self):
        """{"dW1", "db1", ..., "dWL", "dbL"} of the last :meth:`backward`: copies."""
        out = {}
        for l in range(1, self.L + 1):
            out[f"dW{l}"], out[f"db{l}"] = self.dW[l].copy(), self.db[l].copy()
        return out


def _cross_entropy(net, Y):
    """J of ``net``'s last forward pass (its A[L], m, output, a log buffer and a BLAS
    session), each log clamped at -100: softmax -(1/m) sum Y log A[L]; sigmoid
    -(1/m) (Y . log A[L] + sum log(1 - A[L]) - Y . log(1 - A[L])). Shared by the fast
    paths of the MLP and of the batch-norm network."""
    A, m, log_ = net.A[net.L], net.m, net._log
    with np.errstate(divide="ignore"):
        np.log(A, out=log_)
    np.maximum(log_, LOG_CLAMP, out=log_)
    with net._blas as blas:
        J = blas.vdot(Y, log_)                           # Y . log A
        if net.output == "sigmoid":
            np.subtract(1, A, out=log_)
            with np.errstate(divide="ignore"):
                np.log(log_, out=log_)
            np.maximum(log_, LOG_CLAMP, out=log_)
            J += np.sum(log_) - blas.vdot(Y, log_)       # (1 - Y) . log(1 - A)
    return float(-J / m)


def theoretical_memory(layer_dims, m, dtype):
    """Bytes that one training step cannot do without: parameters + gradients +
    the cached activations A[0] = X, A[1], ..., A[L] of one batch, + the labels Y.

    sum over l of 2 (n[l] n[l-1] + n[l])  +  m sum_{l=0..L} n[l]  +  m n[L], times the itemsize.
    """
    dims = list(layer_dims)
    params = sum(n * n_prev + n for n_prev, n in zip(dims[:-1], dims[1:]))
    return np.dtype(dtype).itemsize * (2 * params + m * sum(dims) + m * dims[-1])
