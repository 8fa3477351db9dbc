"""Skip-gram with negative sampling (course 5, week 2), written for speed: the step of
:mod:`scratch.word2vec` (the reference) on a batch of m pairs with k negatives each.

The same formulas (read them there):

    z_ij = theta_{t_ij} . e_{c_i};   J = (1/m) sum_ij [log(1 + e^{z_ij}) - y_ij z_ij]
    dz_ij = (sigma(z_ij) - y_ij) / m;   d theta_{t_ij} = dz_ij e_{c_i};
    d e_{c_i} = sum_j dz_ij theta_{t_ij};   E[w] -= alpha sum (d e_c of the pairs with c = w),
    Theta[w] -= alpha sum (d theta_t of the targets t = w)

in another order of memory:

- the m rows of E and the m (1 + k) rows of Theta are gathered once into buffers made for
  the batch's shape (``np.take(..., out=)``), z is one batched product on them, sigma(z)
  and the cost in place (``log(1 + e^z)`` as ``np.logaddexp(0, z)``: no overflow);
- the rows' gradients are summed per word WITHOUT ``np.add.at`` and without the two dense
  V x n gradient matrices: the indices are sorted once (``np.argsort(kind="stable")``, on
  uint16 keys when V <= 65536: a radix sort), and each word's rows are added in the order
  the batch holds them: rank by rank for the words met a few times (one vectorised add per
  rank over every such word at once), one running sum (``np.add.accumulate``, whose last row
  adds the rows one after the other) per word met more than :data:`FEW` times;
- only the touched rows are updated: ``E[u] -= alpha sums``.

Adding each word's rows in the batch's order, starting from its first row, is what
``np.add.at`` does on the course's zero matrices (0 + a = a), so a step is bit for bit the
course form's (parity_tests/test_fast_word2vec.py checks it). ``np.add.reduceat`` on the
sorted rows, the obvious tool, was measured slower here (about 1 ms for the 2816 rows of a
batch of 256 pairs x 11 targets, one inner-loop call per row) and adds long runs pairwise
on NumPy 2.x: close, but not the course's sums.

Inputs are checked once per call by shape and dtype, the indices by their extremes
(:mod:`scratch._validate_fast_word2vec`).
"""
from __future__ import annotations

import numpy as np

from ._validate import checked
from ._validate_fast_word2vec import check_batch, check_init, check_learning_rate, check_step

#: a word met more than FEW times in a batch's column of indices is summed by its own
#: running sum (np.add.accumulate); the others rank by rank
FEW = 8


class SkipGram:
    """E (V, n) the word vectors and Theta (V, n) the targets', trained in place by SGD.

    Args:
        parameters: the course's {"E", "Theta"} (copied, not modified).
        dtype: float32 or float64; default: E's.

    Buffers for a batch of m pairs x (1 + k) targets (made on the first call with that
    shape): e_c (m, n), theta_t (m, 1 + k, n), z and sigma(z) (m, 1 + k), d e_c (m, n),
    d theta_t (m, 1 + k, n).
    """

    @checked(check_init)
    def __init__(self, parameters, dtype=None):
        self.E = np.array(parameters["E"], dtype=dtype, order="C")
        self.Theta = np.array(parameters["Theta"], dtype=dtype, order="C")
        self.V, self.n = self.E.shape
        self.dtype = dtype
        self.shape = None
        self.sums = None

    def __repr__(self):
        return f"SkipGram(V={self.V}, n={self.n}, dtype={self.dtype})"

    def _buffers(self, m, k1):
        if self.shape == (m, k1):
            return
        n, dtype = self.n, self.dtype
        self.e_c = np.empty((m, n), dtype)
        self.theta_t = np.empty((m, k1, n), dtype)
        self.z = np.empty((m, k1), dtype)
        self.a = np.empty((m, k1), dtype)                # log(1 + e^z), then sigma(z) - y
        self.d_e_c = np.empty((m, n), dtype)
        self.d_theta_t = np.empty((m, k1, n), dtype)
        self.shape = (m, k1)

    # ------------------------------------------------------------------ forward
    @checked(check_batch)
    def forward(self, c, t):
        """z = theta_t . e_c and the cost J (a float); keeps the batch for :meth:`backward`."""
        m, k1 = t.shape
        self._buffers(m, k1)
        self.c, self.t, self.sums = c, t.reshape(-1), None
        e_c, theta_t, z, a = self.e_c, self.theta_t, self.z, self.a
        # mode="clip": the checks have kept every index in [0, V) (mode="raise" with out=
        # gathers through a buffer, measured 2 to 3x slower)
        np.take(self.E, c, axis=0, out=e_c, mode="clip")
        np.take(self.Theta, self.t, axis=0, out=theta_t.reshape(m * k1, self.n), mode="clip")
        np.matmul(theta_t, e_c[:, :, np.newaxis], out=z[:, :, np.newaxis])
        # log(1 + e^z) - y z: y = 1 in column 0 only (minus 0 z elsewhere changes nothing)
        np.logaddexp(0, z, out=a)
        a[:, 0] -= z[:, 0]
        return float(np.sum(a) / m)

    # ------------------------------------------------------------------ backward
    def backward(self):
        """dz = (sigma(z) - y) / m, the rows d e_c and d theta_t, and their sums per word
        (kept for :meth:`update`; :meth:`gradients` shows them as the course's dE, dTheta)."""
        m = self.c.shape[0]
        dz = self.a
        # sigma(z) = exp(-log(1 + e^-z)): no overflow for large |z|
        np.negative(self.z, out=dz)
        np.logaddexp(0, dz, out=dz)
        np.negative(dz, out=dz)
        np.exp(dz, out=dz)
        dz[:, 0] -= 1
        dz /= m
        np.multiply(dz[:, :, np.newaxis], self.e_c[:, np.newaxis, :], out=self.d_theta_t)
        np.matmul(dz[:, np.newaxis, :], self.theta_t, out=self.d_e_c[:, np.newaxis, :])
        self.sums = (self._row_sums(self.c, self.d_e_c),
                     self._row_sums(self.t, self.d_theta_t.reshape(-1, self.n)))

    def _row_sums(self, idx, rows):
        """(u, sums): the distinct indices of ``idx`` (N,) and, for each, the sum of its rows
        of ``rows`` (N, n) added in the order they come (bit for bit np.add.at's into zeros)."""
        keys = idx.astype(np.uint16) if self.V <= 65536 else idx
        order = np.argsort(keys, kind="stable")          # stable: equal words keep batch order
        s = idx[order]
        first = np.empty(s.shape[0], dtype=bool)
        first[0] = True
        np.not_equal(s[1:], s[:-1], out=first[1:])
        starts = np.flatnonzero(first)
        counts = np.diff(starts, append=s.shape[0])
        # the words by decreasing count (ties in index order): those met more than r times
        # are a prefix, so each rank's add is one slice
        by_count = np.argsort(-counts, kind="stable")
        counts, starts = counts[by_count], starts[by_count]
        u = s[starts]
        sums = rows[order[starts]]                        # each word's first row
        heavy = int(np.searchsorted(-counts, -FEW, side="left"))   # counts > FEW
        for i in range(heavy):
            a = starts[i]
            # a running sum is sequential by definition (np.add.reduce sums pairwise when the
            # rows are single numbers, n = 1)
            sums[i] = np.add.accumulate(rows[order[a:a + counts[i]]], axis=0)[-1]
        r = 1
        while True:
            n_r = int(np.searchsorted(-counts, -r, side="left"))     # words with count > r
            if n_r <= heavy:
                break
            sums[heavy:n_r] += rows[order[starts[heavy:n_r] + r]]
            r += 1
        return u, sums

    # ------------------------------------------------------------------ update
    @checked(check_learning_rate)
    def update(self, learning_rate):
        """E[u] := E[u] - alpha dE[u] and Theta likewise, for the touched rows u only (the
        sums are scaled by alpha in place: read :meth:`gradients` before)."""
        for matrix, (u, sums) in zip((self.E, self.Theta), self.sums):
            sums *= learning_rate
            matrix[u] -= sums

    @checked(check_step)
    def step(self, c, t, learning_rate):
        """One SGD step: forward, cost, backward, update. Returns the cost before the
        update (a Python float)."""
        cost = self.forward.unchecked(self, c, t)
        self.backward()
        self.update.unchecked(self, learning_rate)
        return cost

    # ------------------------------------------------------------------ the course's dicts
    def course_parameters(self):
        """{"E", "Theta"}: copies."""
        return {"E": self.E.copy(), "Theta": self.Theta.copy()}

    def gradients(self):
        """{"dE", "dTheta"} (V, n) of the last :meth:`backward`, dense as the course's."""
        out = {}
        for key, (u, sums) in zip(("dE", "dTheta"), self.sums):
            out[key] = np.zeros((self.V, self.n), self.dtype)
            out[key][u] = sums
        return out
