"""Course 2's batch-norm network again, written for speed: same formulas, no temporaries.

:mod:`scratch.batch_norm` is the reference (one function per formula, a new array per
step, caches of tuples), with the engine's step around it
(``dl_parity.models.course2.NumpyCourse2._batch_norm_step``, then
:class:`dl_parity.models.optim.CourseUpdate`). This module computes the same step:

    for l < L:  Z[l] = W[l] A[l-1]                      (no bias: beta[l] replaces it)
                mu = (1/m) Z[l] 1;  sigma^2 = (1/m) (Z[l] - mu)^2 1    (biased, over the batch)
                Z_norm[l] = (Z[l] - mu) / sqrt(sigma^2 + epsilon)
                Z_tilde[l] = gamma[l] Z_norm[l] + beta[l]
                A[l] = relu(Z_tilde[l]) * D[l] / keep_prob          (inverted dropout, the
                                                                     step's shared masks)
    layer L:    A[L] = softmax (or sigmoid) of W[L] A[L-1] + b[L]
    cost:       J = -(1/m) sum Y log A[L]   (sigmoid: the binary cross-entropy), logs
                clamped at -100 (scratch.cost), no L2 term (batch norm here has none)
    backward:   dZ[L] = (1/m)(A[L] - Y);  dW[l] = dZ[l] A[l-1]^T;  db[L] = dZ[L] 1
                dZ_tilde[l] = (W[l+1]^T dZ[l+1]) * 1(Z_tilde[l] > 0) * D[l] / keep_prob
                dbeta[l] = dZ_tilde[l] 1;  dgamma[l] = (dZ_tilde[l] * Z_norm[l]) 1
                dZ[l] = (1/m) gamma[l] / sqrt(sigma^2 + epsilon)
                        (m dZ_tilde[l] - dbeta[l] - Z_norm[l] dgamma[l])     (the compact form)
    running statistics (PyTorch's BatchNorm1d, momentum 1 - stats_beta, as the engine):
                running_mean = b running_mean + (1 - b) mu
                running_var  = b running_var + (1 - b) m/(m-1) sigma^2      (unbiased)
    update:     Adam as scratch.optimization.update_parameters_with_adam, t counting the
                steps from 1 (or momentum, or gradient descent), on W[l], gamma[l], beta[l],
                b[L] (the running statistics are not trained)

with the costs of the reference form taken out, as in :mod:`scratch.fast_nn`:

- every array of one step is allocated once, for a batch size m, and reused: each GEMM
  writes into its buffer (``out=``), the element-wise work is done in place, and a
  steady-state step allocates nothing the size of a batch;
- the trained arrays live in ONE flat vector (W1, gamma1, beta1, W2, ..., WL, bL, each a
  view of it), their gradients in another of the same layout, Adam's v and s in two
  more: the update is a dozen whole-vector operations instead of a dozen per array;
- the ReLU and the dropout are one mask per hidden layer, K[l] = 1(Z_tilde > 0) D / keep_prob,
  made in the forward pass: A[l] = Z_tilde[l] * K[l] and dZ_tilde[l] = dA[l] * K[l];
- the sums over the batch (mu, sigma^2, dbeta, dgamma, db) are matrix-vector products
  with a column of ones (a GEMV, about 10x np.sum's speed along rows);
- dZ[l] overwrites A[l] in the backward pass (A[l] is not needed once dW[l+1] is made);
  dA[0] = W[1]^T dZ[1] is never formed;
- the dtype is kept (Python scalars are "weak" under NumPy 2's rules: a float32 model
  stays float32); inputs are checked once per call by shape and dtype.

The dropout masks are the step's shared randomness, given by the caller exactly as the
course form takes them (``masks={"D1": (n[1], m), ...}``, bool or 0/1; the engine's
``Course2Net.extra``), so both forms compute the same numbers.

Example::

    >>> net = BatchNormNet(initialize_parameters_bn([784, 256, 128, 10]), "softmax",
    ...                    keep_prob=0.8, optimizer="adam")
    >>> cost = net.step(X, Y, masks, learning_rate=0.003)   # forward, cost, backward, update
"""
from __future__ import annotations

import numpy as np

from ._blas import ThreadPolicy
from ._validate import checked
from ._validate_fast_bn import (  # noqa: F401  (OUTPUTS, OPTIMIZERS: re-exported)
    OPTIMIZERS,
    OUTPUTS,
    check_forward,
    check_init,
    check_labels,
    check_learning_rate,
    check_thread_policy,
)
from .fast_nn import _cross_entropy


class BatchNormNet:
    """(LINEAR (no bias) -> BN -> RELU -> DROPOUT) x (L-1) -> LINEAR -> softmax (or sigmoid),
    trained in place.

    Args:
        parameters: the course's batch-norm dict (scratch.batch_norm's: W[l], gamma[l],
            beta[l], running_mean[l], running_var[l] for l < L, W[L], b[L]); copied.
        output: "softmax" (Y one-hot) or "sigmoid" (Y 0/1).
        keep_prob: inverted dropout after each hidden ReLU, in (0, 1] (1: none).
        dtype: float32 or float64; default: the dtype of W1.
        optimizer: "gd", "momentum" (``learning_beta``) or "adam" (``beta1``, ``beta2``,
            ``adam_epsilon``), the formulas of :mod:`scratch.optimization`.
        epsilon: batch norm's epsilon (1e-5, PyTorch's and the course's default).
        stats_beta: the running statistics' averaging weight (0.9: BatchNorm1d's momentum 0.1).
        thread_policy: a :class:`scratch._blas.ThreadPolicy` (threads per BLAS product).

    Buffers for a batch of m examples (made on the first call with that m): per hidden
    layer Z_norm[l], A[l] (reused as dZ[l]) and the mask K[l] (n[l], m); A[L] (n[L], m);
    one dA and one scratch buffer of the widest hidden layer; the cost's log buffer; a
    column of m ones and the softmax's two (1, m) rows.
    """

    #: the bench hands :meth:`step` the step's dropout masks (the engine's ``extra``)
    takes_masks = True

    @checked(check_init)
    def __init__(self, parameters, output="softmax", keep_prob=1.0, dtype=None, optimizer="gd",
                 learning_beta=0.9, beta1=0.9, beta2=0.999, adam_epsilon=1e-8, epsilon=1e-5,
                 stats_beta=0.9, thread_policy=None):
        L = sum(1 for k in parameters if k[:1] == "W" and k[1:].isdigit())
        self.L, self.output, self.keep_prob, self.dtype = L, output, keep_prob, dtype
        self.optimizer, self.learning_beta = optimizer, learning_beta
        self.beta1, self.beta2, self.adam_epsilon = beta1, beta2, adam_epsilon
        self.epsilon, self.stats_beta = epsilon, stats_beta
        self.layer_dims = [np.shape(parameters["W1"])[1]] + [
            np.shape(parameters[f"W{l}"])[0] for l in range(1, L + 1)]
        # the trained arrays, in this order, as views of one flat vector
        self.keys = []
        for l in range(1, L + 1):
            self.keys += [f"W{l}"] + ([f"gamma{l}", f"beta{l}"] if l < L else [f"b{L}"])
        shapes = [np.shape(parameters[k]) for k in self.keys]
        sizes = [int(np.prod(s)) for s in shapes]
        self.theta = np.empty(sum(sizes), dtype)
        self.grad = np.zeros_like(self.theta)
        self.p, self.dp = {}, {}
        start = 0
        for key, shape, size in zip(self.keys, shapes, sizes):
            self.p[key] = self.theta[start:start + size].reshape(shape)
            self.p[key][...] = parameters[key]
            self.dp[key] = self.grad[start:start + size].reshape(shape)
            start += size
        self.W = [None] + [self.p[f"W{l}"] for l in range(1, L + 1)]
        self.gamma = [None] + [self.p[f"gamma{l}"] for l in range(1, L)]
        self.beta = [None] + [self.p[f"beta{l}"] for l in range(1, L)]
        self.b = self.p[f"b{L}"]
        self.running_mean = [None] + [np.array(parameters[f"running_mean{l}"], dtype)
                                      for l in range(1, L)]
        self.running_var = [None] + [np.array(parameters[f"running_var{l}"], dtype)
                                     for l in range(1, L)]
        # per hidden layer, (n[l], 1): the batch's mu, sigma^2 and 1 / sqrt(sigma^2 + epsilon)
        self.mu = [None] + [np.empty((n, 1), dtype) for n in self.layer_dims[1:L]]
        self.sigma2 = [None] + [np.empty((n, 1), dtype) for n in self.layer_dims[1:L]]
        self.ivar = [None] + [np.empty((n, 1), dtype) for n in self.layer_dims[1:L]]
        # the optimizer's state (flat, as theta) and its scratch vector
        self.t = 0
        self.v = np.zeros_like(self.theta) if optimizer != "gd" else None
        self.s = np.zeros_like(self.theta) if optimizer == "adam" else None
        self._tmp = np.empty_like(self.theta) if optimizer == "adam" else None
        self.m = None
        self.thread_policy = thread_policy

    @property
    def thread_policy(self):
        """The :class:`scratch._blas.ThreadPolicy` of this model's BLAS products."""
        return self._blas.policy

    @thread_policy.setter
    @checked(check_thread_policy)
    def thread_policy(self, policy):
        self._blas = (policy if policy is not None else ThreadPolicy()).session()

    def __repr__(self):
        return (f"BatchNormNet(layer_dims={self.layer_dims}, output={self.output!r}, "
                f"keep_prob={self.keep_prob:g}, optimizer={self.optimizer!r}, "
                f"dtype={self.dtype})")

    # ------------------------------------------------------------------ buffers
    def _buffers(self, m):
        if self.m == m:
            return
        self.m = None                            # free the old batch size's buffers first
        dims, L, dt = self.layer_dims, self.L, self.dtype
        self.Zn = [None] + [np.empty((dims[l], m), dt) for l in range(1, L)]
        self.A = [None] + [np.empty((dims[l], m), dt) for l in range(1, L + 1)]
        self.K = [None] + [np.empty((dims[l], m), dt) for l in range(1, L)]
        widest = max(dims[1:L])
        self._dA = np.empty(widest * m, dt)                  # dA[l] = W[l+1]^T dZ[l+1]
        self._scratch = np.empty(widest * m, dt)             # (Z - mu)^2, dZ_tilde * Z_norm
        self._row = np.empty((2, 1, m), dt)                  # softmax: column max, column sum
        self._log = np.empty((dims[L], m), dt)               # the cost's logs
        self._ones = np.ones((m, 1), dt)                     # sums over the batch: a GEMV
        self.m = m

    # ------------------------------------------------------------------ forward
    @checked(check_forward)
    def forward(self, X, masks=None):
        """A[L] (n[L], m) of a training pass (the batch's statistics, the masks' dropout);
        also updates the running statistics, once per pass, as BatchNorm1d does.

        Returns a view of the model's buffer, overwritten by the next call (copy it to
        keep it). Z_norm[l], A[l], K[l] stay for :meth:`backward`.
        """
        m = X.shape[1]
        self._buffers(m)
        self._X = A_prev = X
        b, kp = self.stats_beta, self.keep_prob
        with self._blas as blas:
            for l in range(1, self.L):
                Z, A, K = self.Zn[l], self.A[l], self.K[l]
                mu, sigma2, ivar = self.mu[l], self.sigma2[l], self.ivar[l]
                blas.dot(self.W[l], A_prev, out=Z)               # Z[l] = W[l] A[l-1]
                blas.dot(Z, self._ones, out=mu)
                mu *= 1 / m                                      # mu = (1/m) sum_i z(i)
                Z -= mu                                          # Z - mu
                sq = self._scratch[:Z.size].reshape(Z.shape)
                np.multiply(Z, Z, out=sq)
                blas.dot(sq, self._ones, out=sigma2)
                sigma2 *= 1 / m                                  # sigma^2, biased
                np.add(sigma2, self.epsilon, out=ivar)
                np.sqrt(ivar, out=ivar)
                np.reciprocal(ivar, out=ivar)                    # 1 / sqrt(sigma^2 + eps)
                Z *= ivar                                        # Z_norm
                np.multiply(Z, self.gamma[l], out=A)
                A += self.beta[l]                                # Z_tilde = gamma Z_norm + beta
                np.greater(A, 0, out=K)                          # relu's 1(Z_tilde > 0)
                if kp < 1:
                    D = masks[f"D{l}"]
                    K *= D                                       # * D[l]
                    K *= 1 / kp                                  # / keep_prob
                A *= K                                           # A[l] = relu(Z_tilde) D / kp
                # BatchNorm1d's running statistics (the engine's: unbiased variance)
                self.running_mean[l] *= b
                self.running_mean[l] += (1 - b) * mu
                self.running_var[l] *= b
                self.running_var[l] += (1 - b) * (m / (m - 1) * sigma2)
                A_prev = A
            Z = blas.dot(self.W[self.L], A_prev, out=self.A[self.L])
            Z += self.b                                          # Z[L] = W[L] A[L-1] + b[L]
            if self.output == "softmax":
                self._softmax_(Z)
            else:
                self._sigmoid_(Z)
        return self.A[self.L]

    def _softmax_(self, Z):
        """A = e^{Z - max Z} / sum e^{Z - max Z}, column by column, in place."""
        t_max, s = self._row
        np.max(Z, axis=0, keepdims=True, out=t_max)
        Z -= t_max
        np.exp(Z, out=Z)
        np.sum(Z, axis=0, keepdims=True, out=s)
        Z /= s

    @staticmethod
    def _sigmoid_(Z):
        """A = 1 / (1 + e^{-Z}), in place (e^{-Z} = inf gives the right 0)."""
        np.negative(Z, out=Z)
        with np.errstate(over="ignore"):
            np.exp(Z, out=Z)
        Z += 1
        np.reciprocal(Z, out=Z)

    # ------------------------------------------------------------------ cost
    @checked(check_labels)
    def cost(self, Y):
        """J of the last forward pass, a Python float, each log clamped at -100:
        softmax: -(1/m) sum Y log A[L];  sigmoid: -(1/m) sum(Y log A + (1 - Y) log(1 - A))."""
        return _cross_entropy(self, Y)

    # ------------------------------------------------------------------ backward
    @checked(check_labels)
    def backward(self, Y):
        """Gradients of the last forward pass into ``self.dp`` (views of ``self.grad``):
        dW[l], dgamma[l], dbeta[l], db[L] (see the module doc for the formulas).

        Overwrites A[l] with dZ[l] and Z_norm[l]: call :meth:`forward` again before the
        next backward.
        """
        L, m = self.L, self.m
        dp = self.dp
        dZ = self.A[L]
        np.subtract(dZ, Y, out=dZ)                           # dZ[L] = A[L] - Y
        dZ *= 1 / m                                          #   with the cost's 1/m
        with self._blas as blas:
            blas.dot(dZ, self.A[L - 1].T, out=dp[f"W{L}"])   # dW[L] = dZ[L] A[L-1]^T
            blas.dot(dZ, self._ones, out=dp[f"b{L}"])        # db[L] = dZ[L] 1
            for l in range(L - 1, 0, -1):
                Zn, K = self.Zn[l], self.K[l]
                dA = self._dA[:Zn.size].reshape(Zn.shape)
                blas.dot(self.W[l + 1].T, dZ, out=dA)        # dA[l] = W[l+1]^T dZ[l+1]
                dA *= K                                      # dZ_tilde: relu', dropout
                dbeta, dgamma = dp[f"beta{l}"], dp[f"gamma{l}"]
                blas.dot(dA, self._ones, out=dbeta)          # dbeta = sum_i dZ_tilde
                prod = self._scratch[:Zn.size].reshape(Zn.shape)
                np.multiply(dA, Zn, out=prod)
                blas.dot(prod, self._ones, out=dgamma)       # dgamma = sum_i dZ_tilde Z_norm
                dZ = self.A[l]                               # dZ[l], over A[l]
                np.multiply(dA, m, out=dZ)                   # m dZ_tilde
                dZ -= dbeta                                  #   - dbeta
                np.multiply(Zn, dgamma, out=Zn)
                dZ -= Zn                                     #   - Z_norm dgamma
                scale = self.ivar[l] * self.gamma[l]
                scale *= 1 / m
                dZ *= scale                                  # * gamma / (m sqrt(sigma^2 + eps))
                A_prev = self.A[l - 1] if l > 1 else self._X
                blas.dot(dZ, A_prev.T, out=dp[f"W{l}"])      # dW[l] = dZ[l] A[l-1]^T
        return self.dp

    # ------------------------------------------------------------------ update
    @checked(check_learning_rate)
    def update(self, learning_rate):
        """One update of every trained array at once, on the flat vectors (the gradients
        are used as scratch space: read them before calling this).

        gd:        theta := theta - alpha g
        momentum:  v = beta v + (1 - beta) g;  theta := theta - alpha v
        adam:      t += 1;  v = beta1 v + (1 - beta1) g;  s = beta2 s + (1 - beta2) g^2
                   theta := theta - alpha (v / (1 - beta1^t)) / (sqrt(s / (1 - beta2^t)) + eps)
        """
        g, theta = self.grad, self.theta
        if self.optimizer == "gd":
            g *= learning_rate
            theta -= g
            return
        v = self.v
        if self.optimizer == "momentum":
            beta = self.learning_beta
            v *= beta
            g *= 1 - beta
            v += g                                           # v = beta v + (1 - beta) g
            np.multiply(v, learning_rate, out=g)
            theta -= g
            return
        self.t += 1
        t, b1, b2, s, tmp = self.t, self.beta1, self.beta2, self.s, self._tmp
        v *= b1
        np.multiply(g, 1 - b1, out=tmp)
        v += tmp                                             # v = beta1 v + (1 - beta1) g
        np.multiply(g, g, out=tmp)
        tmp *= 1 - b2
        s *= b2
        s += tmp                                             # s = beta2 s + (1 - beta2) g^2
        np.divide(s, 1 - b2 ** t, out=tmp)                   # s_corrected
        np.sqrt(tmp, out=tmp)
        tmp += self.adam_epsilon                             # sqrt(s_corrected) + eps
        np.divide(v, 1 - b1 ** t, out=g)                     # v_corrected
        g *= learning_rate
        g /= tmp
        theta -= g

    def step(self, X, Y, masks, learning_rate):
        """One training step: forward (and the running statistics), cost, backward,
        update. ``masks``: the step's dropout masks {"D1", ...} (None or {} when
        keep_prob is 1). Returns the cost before the update (a Python float)."""
        with self._blas:                                    # one BLAS session for the 3 passes
            self.forward(X, masks)
            cost = self.cost(Y)
            self.backward(Y)
        self.update(learning_rate)
        return cost

    # ------------------------------------------------------------------ threads
    def thread_plan(self, m, cap=None):
        """The BLAS products of one :meth:`step` on m examples, in the order they run, with
        the threads each gets: a list of (name, (M, K, N), threads)."""
        n, L = self.layer_dims, self.L
        products = []
        for l in range(1, L + 1):
            products.append((f"Z[{l}] = W[{l}] A[{l - 1}]", (n[l], n[l - 1], m)))
            if l < L:
                products += [(f"mu[{l}] = Z[{l}] 1", (n[l], m, 1)),
                             (f"sigma2[{l}] = (Z - mu)^2 1", (n[l], m, 1))]
        products.append((f"Y . log A[{L}]", (1, n[L] * m, 1)))
        if self.output == "sigmoid":
            products.append((f"Y . log(1 - A[{L}])", (1, n[L] * m, 1)))
        products += [(f"dW[{L}] = dZ[{L}] A[{L - 1}]^T", (n[L], m, n[L - 1])),
                     (f"db[{L}] = dZ[{L}] 1", (n[L], m, 1))]
        for l in range(L - 1, 0, -1):
            products += [(f"dA[{l}] = W[{l + 1}]^T dZ[{l + 1}]", (n[l], n[l + 1], m)),
                         (f"dbeta[{l}] = dZ_tilde 1", (n[l], m, 1)),
                         (f"dgamma[{l}] = (dZ_tilde Z_norm) 1", (n[l], m, 1)),
                         (f"dW[{l}] = dZ[{l}] A[{l - 1}]^T", (n[l], m, n[l - 1]))]
        policy = self.thread_policy
        cap = policy.cap() if cap is None else cap
        return [(name, shape, policy.threads(shape, cap)) for name, shape in products]

    # ------------------------------------------------------------------ the course's dicts
    def course_parameters(self):
        """The course's batch-norm dict (running statistics included): copies."""
        out = {}
        for l in range(1, self.L + 1):
            out[f"W{l}"] = self.W[l].copy()
            if l < self.L:
                out[f"gamma{l}"], out[f"beta{l}"] = self.gamma[l].copy(), self.beta[l].copy()
                out[f"running_mean{l}"] = self.running_mean[l].copy()
                out[f"running_var{l}"] = self.running_var[l].copy()
        out[f"b{self.L}"] = self.b.copy()
        return out

    def gradients(self):
        """{"dW1", "dgamma1", "dbeta1", ..., "dWL", "dbL"} of the last :meth:`backward`:
        copies (call it before :meth:`update`, which uses the gradients as scratch)."""
        return {"d" + key: self.dp[key].copy() for key in self.keys}

    def theoretical_memory(self, m):
        """Bytes one training step cannot do without: parameters + gradients (+ the
        optimizer's state) + X, Z_norm[l] and A[l] of every layer, + Y."""
        dims = self.layer_dims
        state = {"gd": 0, "momentum": 1, "adam": 2}[self.optimizer]
        acts = m * (dims[0] + 2 * sum(dims[1:self.L]) + 2 * dims[self.L])
        return np.dtype(self.dtype).itemsize * ((2 + state) * self.theta.size + acts)
