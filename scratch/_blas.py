"""How many BLAS threads each matrix product of the fast path gets.

NumPy hands every ``np.dot`` to its BLAS (OpenBLAS in the wheels) with the whole
thread pool; a product too small to share only pays for waking and joining the
threads. OpenBLAS's own rule (one thread per 2^18 multiply-adds, up to the pool)
is fine on 2 cores but was measured at 7.6x PyTorch's step time on 16 threads
(mnist-64, float32: see ``GPU_NOTES``). :class:`ThreadPolicy` picks a count per
product instead, from a cost model:

    time(n threads) = W / (n r) + n c        (W multiply-adds, r per thread per second,
                                              c the cost of waking and joining one thread)

n + 1 threads beat n when W / (r c) > n (n + 1). With ``grain`` = 2 r c, the size at
which two threads start to beat one, the policy takes the largest n (>= 1, <= the cap)
with n (n - 1) < 2 W / grain: 1 thread up to ``grain``, 2 up to 3 grain, 3 up to 6 grain,
..., n threads up to n (n + 1) / 2 grain. The count grows like sqrt(W), not like W:
a product must grow with n^2 to keep the join cost a fixed share as n grows.

Where ``grain`` comes from (``DEFAULT_GRAIN`` = 2^17 = 131,072 multiply-adds): on this
project's 2-core machine (OpenBLAS 0.3.31, Haswell kernels), the products of the
MNIST MLP timed on 1 and 2 threads give c of 1.1 us (float32) and 2.0 us (float64)
and r of 59 and 26 G multiply-adds/s, so 2 r c = 134,000 and 106,000; 2^17 is between.
OpenBLAS by itself keeps products under 2^19 multiply-adds on one thread, so on 2
cores the policy changes nothing the machine can measure; on 16 threads it gives
mnist-64's 128 x 784 x 64 products 10 threads instead of 16. Override it with the
environment variable ``DL_PARITY_BLAS_GRAIN`` (read when a policy is made) or
``ThreadPolicy(grain=...)``.

The cap: ``max_threads`` if given, else the BLAS limit in effect when a pass starts
(``OPENBLAS_NUM_THREADS``, ``threadpoolctl.threadpool_limits``, ...), so a caller's
limit is respected and restored after every pass.

Switching costs about 0.6 us (threadpoolctl's ``set_num_threads`` on OpenBLAS's pool;
0.13 us of it is OpenBLAS's own call) against 0.4 us for the smallest product and 10 us
for the smallest product that OpenBLAS threads. So a :class:`Session` switches per
product, only when the count changes, and leaves the pool alone for a product under
``FLOOR`` = 2^13 multiply-adds, which no BLAS threads (OpenBLAS's lowest threshold is
its GEMV's 9,216; its GEMM's is 2^18): such a product is planned at 1 thread and runs
on 1 whatever the pool. At the end the caller's limit is put back. Measured here, a
step of the planar 2-4-1 model (9 products, 25 us) costs 2 to 3 us more than with no
policy, on 1 thread as on 2.
"""
from __future__ import annotations

import os

import numpy as np

GRAIN_ENV = "DL_PARITY_BLAS_GRAIN"
DEFAULT_GRAIN = 2 ** 17
FLOOR = 2 ** 13


def threads_for(mnk, grain, cap):
    """The largest n in [1, cap] with n (n - 1) < 2 mnk / grain (see the module's model)."""
    x = 2 * mnk / grain
    n = 1
    while n < cap and (n + 1) * n < x:
        n += 1
    return n


def _positive_int(name, value):
    try:
        number = int(value)
    except (TypeError, ValueError):
        number = 0
    if isinstance(value, bool) or number < 1 or (not isinstance(value, str) and number != value):
        raise ValueError(f"{name}: expected a positive integer, got {value!r}")
    return number


class Backend:
    """NumPy's BLAS thread pool, through threadpoolctl (made once: it scans the
    loaded libraries). Controls only the BLAS that NumPy itself loaded when one can
    tell (a path inside NumPy's wheel), else every BLAS threadpoolctl finds."""

    def __init__(self):
        from threadpoolctl import ThreadpoolController
        libs = ThreadpoolController().select(user_api="blas").lib_controllers
        here = os.path.dirname(os.path.dirname(np.__file__))
        own = [lc for lc in libs
               if os.path.abspath(lc.filepath or "").startswith(os.path.join(here, "numpy"))]
        self.libs = own or libs
        try:
            import threadpoolctl
            self._ownership = threadpoolctl.CONTROLLING_THREAD_OWNERSHIP
        except AttributeError:       # threadpoolctl < 3.6: no controlling thread
            self._ownership = None

    def get(self):
        """The pool's current limit (the first library's), or None without a BLAS."""
        for lc in self.libs:
            n = lc.get_num_threads()
            if n is not None:
                return n
        return None

    def set(self, n):
        for lc in self.libs:
            lc.set_num_threads(n)

    def acquire(self):
        """Before the first change of a pass: hold OpenBLAS's controlling thread the way
        ``threadpoolctl.threadpool_limits`` does, so it is let go after :meth:`release`."""
        if self._ownership is not None:
            self._ownership.increment()

    def release(self):
        if self._ownership is not None:
            self._ownership.decrement()


_BACKEND = None


def default_backend():
    global _BACKEND
    if _BACKEND is None:
        _BACKEND = Backend()
    return _BACKEND


class ThreadPolicy:
    """Threads per BLAS product: ``threads_for(m n k, grain, cap)``.

    Args:
        grain: multiply-adds at which 2 threads start to beat 1 (default: the
            environment variable ``DL_PARITY_BLAS_GRAIN``, else ``DEFAULT_GRAIN``).
        max_threads: the cap; default None: the BLAS limit in effect when a pass starts.
        backend: what reads and sets the pool's limit (``get()``, ``set(n)``,
            ``acquire()``, ``release()``); default: NumPy's BLAS through threadpoolctl.
            Tests pass a fake one to check the plan on a 16-thread cap without 16 cores.
        trace: a list, or None: when a list, every product of a session appends
            ``(shape, threads)``, shape = (M, K, N) of an (M, K) @ (K, N) product.
        min_shard: the fewest examples a thread gets when a model splits its batch across
            threads (:meth:`shards`; default :data:`MIN_SHARD`).
        shard_workers: who runs shards 1 .. k-1 of a split batch: "processes" (one worker
            process each, :class:`scratch._shards.ShardProcess`) or "threads"; default
            :func:`scratch._shards.shard_workers` (``DL_PARITY_SHARDS``, else "processes"
            on POSIX). Models without a process path use threads either way.
    """

    def __init__(self, grain=None, max_threads=None, backend=None, trace=None, min_shard=None,
                 shard_workers=None):
        if grain is None:
            env = os.environ.get(GRAIN_ENV)
            grain = DEFAULT_GRAIN if env in (None, "") else _positive_int(GRAIN_ENV, env)
        self.grain = _positive_int("grain", grain)
        self.max_threads = None if max_threads is None else _positive_int("max_threads",
                                                                           max_threads)
        self._backend = backend
        self.trace = trace
        self.min_shard = MIN_SHARD if min_shard is None else _positive_int("min_shard", min_shard)
        from ._shards import shard_workers as _workers
        self.shard_workers = _workers(shard_workers)
        self._memos = {}

    def __repr__(self):
        return (f"ThreadPolicy(grain={self.grain}, max_threads={self.max_threads}, "
                f"shard_workers={self.shard_workers!r})")

    @property
    def backend(self):
        if self._backend is None:
            self._backend = default_backend()
        return self._backend

    def cap(self):
        """max_threads, else the BLAS pool's current limit (1 without a BLAS)."""
        if self.max_threads is not None:
            return self.max_threads
        return self.backend.get() or 1

    def threads(self, shape, cap=None):
        """Threads for an (M, K) @ (K, N) product, shape = (M, K, N) (memoised)."""
        if cap is None:
            cap = self.cap()
        memo = self.memo(cap)
        n = memo.get(shape)
        if n is None:
            M, K, N = shape
            n = memo[shape] = 1 if M * K * N < FLOOR else threads_for(M * K * N, self.grain, cap)
        return n

    def memo(self, cap):
        """{shape: threads} worked out so far on this cap."""
        memo = self._memos.get(cap)
        if memo is None:
            memo = self._memos[cap] = {}
        return memo

    def session(self):
        return Session(self)

    def shards(self, m):
        """The batch of m examples split across the threads allowed now:
        ``shard_bounds(m, self.cap(), self.min_shard)``."""
        return shard_bounds(m, self.cap(), self.min_shard)


class Session:
    """A pass (forward, cost, backward, or a whole step): each product at its policy's
    count, the pool's limit as found put back at the end. Re-entrant: an inner ``with``
    of the same session (forward inside step) joins the outer one. One per model, used
    by one Python thread at a time (OpenBLAS's pool is process-wide; threadpoolctl lets
    only one thread at a time change it, and a change from another is a silent no-op).

        with policy.session() as blas:
            blas.dot(W, A, out=Z)             # np.dot(W, A, out=Z) on threads_for(W, A)
    """

    __slots__ = ("policy", "backend", "cap", "entry", "current", "held", "trace", "active",
                 "depth", "_memo")

    def __init__(self, policy):
        self.policy = policy
        self.depth = 0

    def __enter__(self):
        self.depth += 1
        if self.depth == 1:
            self.backend = self.policy.backend
            self.entry = self.current = self.backend.get()
            self.cap = self.policy.max_threads or self.entry or 1
            self.held = False
            self.trace = self.policy.trace
            # nothing to choose on one thread (or without a BLAS): products go straight through
            self.active = (self.cap > 1 and self.entry is not None) or self.trace is not None
            self._memo = self.policy.memo(self.cap)
        return self

    def __exit__(self, *exc):
        self.depth -= 1
        if self.depth == 0:
            if self.current != self.entry:
                self.backend.set(self.entry)
            if self.held:
                self.backend.release()
        return False

    def _use(self, shape):
        n = self._memo.get(shape)
        if n is None:
            n = self.policy.threads(shape, self.cap)
        # under FLOOR (planned at 1) the pool is left as it is: no BLAS threads such a product
        if n != self.current and self.entry is not None \
                and shape[0] * shape[1] * shape[2] >= FLOOR:
            if not self.held:
                self.backend.acquire()
                self.held = True
            self.backend.set(n)
            self.current = n
        if self.trace is not None:
            self.trace.append((shape, n))

    def dot(self, a, b, out):
        """np.dot(a, b, out=out) for 2-D a (M, K) and b (K, N), on the product's threads."""
        if self.active:
            M, K = a.shape
            N = b.shape[1]
            if M * K * N >= FLOOR or self.trace is not None:
                self._use((M, K, N))
        return np.dot(a, b, out=out)

    def matmul(self, a, b, out):
        """np.matmul(a, b, out=out) for 2-D a (M, K) and b (K, N), on the product's threads.
        Unlike :meth:`dot`, ``out`` may be a strided view (e.g. a block of columns of a
        bigger matrix): matmul hands it to BLAS as it is."""
        if self.active:
            M, K = a.shape
            N = b.shape[1]
            if M * K * N >= FLOOR or self.trace is not None:
                self._use((M, K, N))
        return np.matmul(a, b, out=out)

    def vdot(self, a, b):
        """np.vdot(a, b), a 1 x size x 1 product, on its threads."""
        if self.active and (a.size >= FLOOR or self.trace is not None):
            self._use((1, a.size, 1))
        return np.vdot(a, b)


# ----------------------------------------------------------------------------- the batch across threads
#: the fewest examples a thread is given when a batch is split across threads (a GEMM on
#: fewer columns than this is mostly call overhead)
MIN_SHARD = 16


def shard_bounds(m, threads, min_examples=MIN_SHARD):
    """The m examples of a batch as k contiguous shards [(i0, i1), ...], one per thread:
    k = min(threads, m // min_examples), at least 1, sizes differing by at most one.

    Why split the batch rather than each product: the element-wise work of a step (im2col
    copies, pooling, activations, softmax) runs on one core in NumPy whatever the BLAS
    pool, and most products of a small batch are too small to share well. The examples of
    a batch are independent until their gradients are added up, so k threads can each run
    the whole step on their shard (NumPy releases the GIL inside its loops and BLAS calls)
    and the k gradients are summed at the end."""
    k = max(1, min(int(threads), m // max(1, min_examples)))
    edges = [m * j // k for j in range(k + 1)]
    return [(edges[j], edges[j + 1]) for j in range(k)]


_POOL = {}


class one_blas_thread:
    """``with one_blas_thread():`` the BLAS pool limited to one thread, the caller's limit
    put back at the end (what :func:`run_parallel` does around its tasks; a process-shard
    step does it around its own shard, so that its products do not take the core a worker
    process is running on)."""

    def __enter__(self):
        self.backend = default_backend()
        self.entry = self.backend.get()
        if self.entry not in (None, 1):
            self.backend.acquire()
            self.backend.set(1)
        return self

    def __exit__(self, *exc):
        if self.entry not in (None, 1):
            self.backend.set(self.entry)
            self.backend.release()
        return False


def run_parallel(tasks):
    """Run the callables ``tasks`` at once, the first in the calling thread and the others
    on a pool of worker threads kept for the process; returns their results in order (the
    first error is raised once all have finished).

    The BLAS pool is limited to one thread for the duration (each task's products run in
    its own thread: OpenBLAS then never shares its pool between two callers), and the
    caller's limit is put back at the end."""
    if len(tasks) == 1:
        return [tasks[0]()]
    from concurrent.futures import ThreadPoolExecutor
    workers = len(tasks) - 1
    pool = _POOL.get(workers)
    if pool is None:
        pool = _POOL[workers] = ThreadPoolExecutor(workers, thread_name_prefix="scratch-shard")
    with one_blas_thread():
        futures = [pool.submit(task) for task in tasks[1:]]
        results, error = [], None
        try:
            results.append(tasks[0]())
        except BaseException as exc:       # wait for the others before raising
            error = exc
        for future in futures:
            try:
                results.append(future.result())
            except BaseException as exc:
                error = error or exc
        if error is not None:
            raise error
        return results
