"""Which BLAS thread limit applies to which product of the fast path.

:class:`scratch._blas.ThreadPolicy` gives each product of :class:`scratch.fast_nn.MLP`
the threads its size pays for (cost model W / (n r) + n c, ``grain`` = 2 r c), capped
at the BLAS limit in effect. This machine has 2 cores, so a 16-thread machine is faked:
``max_threads=16`` and a fake pool (:class:`FakePool`) that records every change, and a
trace that checks, as each product runs, that the pool is at the planned count. The
real pool (NumPy's OpenBLAS through threadpoolctl) is checked on the 2 threads there are.
"""
from __future__ import annotations

import threading

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from threadpoolctl import threadpool_limits

from scratch._blas import (DEFAULT_GRAIN, FLOOR, GRAIN_ENV, ThreadPolicy, default_backend,
                          threads_for)
from scratch.fast_nn import MLP

MNIST = [784, 128, 64, 10]


class FakePool:
    """A BLAS pool that is only a number: ``limit``, and the list of changes made."""

    def __init__(self, limit):
        self.limit = limit
        self.sets = []
        self.held = 0

    def get(self):
        return self.limit

    def set(self, n):
        self.limit = n
        self.sets.append(n)

    def acquire(self):
        self.held += 1

    def release(self):
        self.held -= 1


class Witness(list):
    """A policy's trace that checks, as each product is about to run, that the pool
    (fake or real) is at the count the policy chose for it."""

    def __init__(self, pool):
        super().__init__()
        self.pool = pool

    def append(self, item):
        shape, n = item
        if np.prod(shape) >= FLOOR:       # under FLOOR the pool is left alone (no BLAS threads it)
            assert self.pool.get() == n, f"product {shape}: pool at {self.pool.get()}, planned {n}"
        super().append(item)


def mlp(dims, m, output="softmax", dtype=np.float32, policy=None, seed=0):
    """A model with the course's initialisation scale, and a batch (X, Y)."""
    rng = np.random.default_rng(seed)
    parameters = {}
    for l in range(1, len(dims)):
        parameters[f"W{l}"] = (rng.standard_normal((dims[l], dims[l - 1]))
                               / np.sqrt(dims[l - 1])).astype(dtype)
        parameters[f"b{l}"] = np.zeros((dims[l], 1), dtype)
    X = rng.random((dims[0], m), dtype=dtype)
    Y = np.zeros((dims[-1], m), dtype)
    Y[rng.integers(0, dims[-1], m), np.arange(m)] = 1
    if output == "sigmoid":
        Y = (rng.random((dims[-1], m)) < 0.5).astype(dtype)
    return MLP(parameters, "relu", output, thread_policy=policy), X, Y


# ----------------------------------------------------------------------------- the rule
@given(mnk=st.integers(1, 10 ** 10), grain=st.integers(1, 10 ** 7), cap=st.integers(1, 64))
def test_threads_for_is_the_cost_models_best_count(mnk, grain, cap):
    """n = threads_for(W, grain, cap) minimises W / n + n grain / 2 (the time model with
    r = 1, c = grain / 2) over 1..cap; ties may go either way."""
    n = threads_for(mnk, grain, cap)
    assert 1 <= n <= cap

    def time(k):
        return mnk / k + k * grain / 2
    assert time(n) <= min(time(k) for k in range(1, cap + 1)) * (1 + 1e-12)
    assert threads_for(mnk + grain, grain, cap) >= n          # more work, never fewer threads


@pytest.mark.parametrize("mnk, expected", [
    (1, 1), (DEFAULT_GRAIN, 1), (DEFAULT_GRAIN + 1, 2), (3 * DEFAULT_GRAIN, 2),
    (3 * DEFAULT_GRAIN + 1, 3), (6 * DEFAULT_GRAIN + 1, 4), (10 ** 12, 16)])
def test_threads_for_boundaries(mnk, expected):
    """1 thread up to grain, 2 up to 3 grain, 3 up to 6 grain, n up to n (n + 1) / 2 grain."""
    assert threads_for(mnk, DEFAULT_GRAIN, 16) == expected


# ----------------------------------------------------------------------------- the plan
# mnist-64 (784-128-64-10, softmax, m = 64) on a faked 16-thread cap, grain 2^17:
# x = 2 m n k / grain; n = the largest count with n (n - 1) < x.
MNIST_64_PLAN_16 = [
    ("Z[1] = W[1] A[0]", (128, 784, 64), 10),         # 6,422,528: x = 98
    ("Z[2] = W[2] A[1]", (64, 128, 64), 3),           # 524,288: x = 8
    ("Z[3] = W[3] A[2]", (10, 64, 64), 1),            # 40,960: x = 0.625
    ("Y . log A[3]", (1, 640, 1), 1),
    ("dW[3] = dZ[3] A[2]^T", (10, 64, 64), 1),
    ("db[3] = dZ[3] 1", (10, 64, 1), 1),
    ("dA[2] = W[3]^T dZ[3]", (64, 10, 64), 1),
    ("dW[2] = dZ[2] A[1]^T", (64, 64, 128), 3),
    ("db[2] = dZ[2] 1", (64, 64, 1), 1),
    ("dA[1] = W[2]^T dZ[2]", (128, 64, 64), 3),
    ("dW[1] = dZ[1] A[0]^T", (128, 64, 784), 10),
    ("db[1] = dZ[1] 1", (128, 64, 1), 1),
]


def test_thread_plan_mnist_64_on_16_threads():
    net, _, _ = mlp(MNIST, 1, policy=ThreadPolicy(grain=2 ** 17, max_threads=16,
                                                 backend=FakePool(16)))
    assert net.thread_plan(64) == MNIST_64_PLAN_16


def test_thread_plan_mnist_4096_on_16_threads():
    """The big batch: the large products take all 16 threads; the output layer's
    2.6 M multiply-adds 6; the bias gradients (GEMVs) 1 to 3."""
    net, _, _ = mlp(MNIST, 1, policy=ThreadPolicy(grain=2 ** 17, max_threads=16,
                                                 backend=FakePool(16)))
    threads = {name: n for name, _, n in net.thread_plan(4096)}
    assert threads == {"Z[1] = W[1] A[0]": 16, "Z[2] = W[2] A[1]": 16, "Z[3] = W[3] A[2]": 6,
                       "Y . log A[3]": 1, "dW[3] = dZ[3] A[2]^T": 6, "db[3] = dZ[3] 1": 1,
                       "dA[2] = W[3]^T dZ[3]": 6, "dW[2] = dZ[2] A[1]^T": 16,
                       "db[2] = dZ[2] 1": 2, "dA[1] = W[2]^T dZ[2]": 16,
                       "dW[1] = dZ[1] A[0]^T": 16, "db[1] = dZ[1] 1": 3}


def test_thread_plan_follows_the_cap_and_the_grain():
    net, _, _ = mlp(MNIST, 1, policy=ThreadPolicy(backend=FakePool(16)))
    assert [n for _, _, n in net.thread_plan(64, cap=1)] == [1] * 12
    assert [n for _, _, n in net.thread_plan(64, cap=2)] == \
        [min(n, 2) for _, _, n in MNIST_64_PLAN_16]
    assert net.thread_plan(64, cap=16) == MNIST_64_PLAN_16     # the pool's 16 is the cap
    big = MLP(net.course_parameters(), "relu", "softmax",
              thread_policy=ThreadPolicy(grain=10 ** 12, max_threads=16, backend=FakePool(16)))
    assert {n for _, _, n in big.thread_plan(4096)} == {1}     # every product under the grain


def test_thread_plan_sigmoid_output_has_two_cost_products():
    net, _, _ = mlp([12288, 20, 7, 5, 1], 1, output="sigmoid",
                    policy=ThreadPolicy(max_threads=16, backend=FakePool(16)))
    plan = net.thread_plan(209)
    assert [name for name, _, _ in plan[4:6]] == ["Y . log A[4]", "Y . log(1 - A[4])"]
    assert plan[0] == ("Z[1] = W[1] A[0]", (20, 12288, 209), 16)    # 51 M: x = 784
    assert all(n == 1 for name, _, n in plan[1:] if not name.startswith("dW[1]"))


# ----------------------------------------------------------------------------- the limit as applied
@pytest.mark.parametrize("output, dims, m", [("softmax", MNIST, 64), ("softmax", MNIST, 4096),
                                             ("sigmoid", [12288, 20, 7, 5, 1], 209)])
def test_each_product_runs_on_its_planned_threads(output, dims, m):
    """A training step on a fake 16-thread pool: every product (in order) runs with the
    pool at the plan's count; the pool is changed only when the count changes and put
    back to 16 at the end; the controlling thread is taken and let go once."""
    pool = FakePool(16)
    trace = Witness(pool)
    net, X, Y = mlp(dims, m, output, policy=ThreadPolicy(backend=pool, trace=trace))
    plan = net.thread_plan(m)
    net.step(X, Y, 0.1)
    assert trace == [(shape, n) for _, shape, n in plan]
    changes, current = [], 16
    for _, shape, n in plan:
        if n != current and np.prod(shape) >= FLOOR:
            changes.append(n)
            current = n
    if current != 16:
        changes.append(16)
    assert pool.sets == changes and pool.limit == 16 and pool.held == 0


def test_forward_cost_backward_each_restore_the_pool():
    pool = FakePool(16)
    trace = Witness(pool)
    net, X, Y = mlp(MNIST, 64, policy=ThreadPolicy(backend=pool, trace=trace))
    plan = net.thread_plan(64)
    net.forward(X)
    assert pool.limit == 16 and trace == [(s, n) for _, s, n in plan[:3]]
    net.cost(Y)
    net.backward(Y)
    assert pool.limit == 16 and pool.held == 0 and trace == [(s, n) for _, s, n in plan]


def test_max_threads_caps_below_the_pool():
    """A user's max_threads (4) is the cap even where the pool has 16."""
    pool = FakePool(16)
    trace = Witness(pool)
    net, X, Y = mlp(MNIST, 64, policy=ThreadPolicy(max_threads=4, backend=pool, trace=trace))
    plan = net.thread_plan(64)
    assert [n for _, _, n in plan] == [min(n, 4) for _, _, n in MNIST_64_PLAN_16]
    net.step(X, Y, 0.1)
    assert trace == [(s, n) for _, s, n in plan] and max(pool.sets) == 16 and pool.limit == 16


def test_products_under_the_floor_leave_the_pool_alone():
    """The planar 2-4-1 model: every product is under 2^13 multiply-adds, planned at 1
    thread, and the 16-thread pool is never touched (no BLAS threads such a product)."""
    pool = FakePool(16)
    net, X, Y = mlp([2, 4, 1], 400, "sigmoid",
                    policy=ThreadPolicy(grain=1, backend=pool, trace=Witness(pool)))
    assert {n for _, _, n in net.thread_plan(400)} == {1}
    net.step(X, Y, 1.2)
    assert pool.sets == [] and pool.held == 0 and len(net.thread_policy.trace) == 9


def test_a_pool_of_one_is_never_touched():
    """On one thread (the caller's limit) every product gets 1: nothing is set."""
    pool = FakePool(1)
    net, X, Y = mlp(MNIST, 512, policy=ThreadPolicy(backend=pool, trace=Witness(pool)))
    net.step(X, Y, 0.1)
    assert pool.sets == [] and pool.held == 0
    assert {n for _, _, n in net.thread_plan(512)} == {1}


def test_the_real_pool_follows_the_plan_and_is_restored():
    """NumPy's own BLAS, on the 2 threads this machine has: Z[1] of mnist-64 (6.4 M
    multiply-adds) runs on 2 threads, Z[3] (41 K) on 1; the caller's limit comes back."""
    pool = default_backend()
    trace = Witness(pool)
    with threadpool_limits(limits=2, user_api="blas"):
        net, X, Y = mlp(MNIST, 64, policy=ThreadPolicy(trace=trace))
        plan = net.thread_plan(64)
        assert [n for _, _, n in plan[:3]] == [2, 2, 1]
        net.step(X, Y, 0.1)
        assert trace == [(s, n) for _, s, n in plan]
        assert pool.get() == 2
    with threadpool_limits(limits=1, user_api="blas"):
        assert {n for _, _, n in net.thread_plan(64)} == {1}
        trace.clear()
        net.step(X, Y, 0.1)
        assert {n for _, n in trace} == {1} and pool.get() == 1


def test_a_step_in_another_thread_lets_go_of_the_pool():
    """threadpoolctl lets one Python thread control OpenBLAS's pool at a time; a step
    run in a worker thread (which changes the pool: cap 2, products on 1 and 2) must not
    keep that control after it returns, or the main thread's later limits would be
    silently ignored while the worker lives."""
    pool = default_backend()
    done, stop = threading.Event(), threading.Event()

    def worker():
        net, X, Y = mlp(MNIST, 64, policy=ThreadPolicy(max_threads=2))
        net.step(X, Y, 0.1)
        done.set()
        stop.wait(30)

    t = threading.Thread(target=worker)
    t.start()
    try:
        assert done.wait(30)
        other = 1 if pool.get() != 1 else 2
        with threadpool_limits(limits=other, user_api="blas"):
            assert pool.get() == other
    finally:
        stop.set()
        t.join()


def test_results_do_not_depend_on_the_policy_at_a_fixed_count():
    """On one thread the policy changes nothing but bookkeeping: 3 steps with it and
    without any pool control (a policy whose pool reports no BLAS) are bit-identical."""
    class NoPool(FakePool):
        def get(self):
            return None

    with threadpool_limits(limits=1, user_api="blas"):
        a, X, Y = mlp(MNIST, 64)
        b, _, _ = mlp(MNIST, 64, policy=ThreadPolicy(backend=NoPool(None)))
        costs_a = [a.step(X, Y, 0.1) for _ in range(3)]
        costs_b = [b.step(X, Y, 0.1) for _ in range(3)]
    assert costs_a == costs_b
    for key, value in a.course_parameters().items():
        assert np.array_equal(value, b.course_parameters()[key]), key


# ----------------------------------------------------------------------------- settings and bad input
def test_grain_from_the_environment(monkeypatch):
    monkeypatch.setenv(GRAIN_ENV, "1000")
    assert ThreadPolicy().grain == 1000
    monkeypatch.delenv(GRAIN_ENV)
    assert ThreadPolicy().grain == DEFAULT_GRAIN == 2 ** 17


@pytest.mark.parametrize("kwargs, message", [
    ({"grain": 0}, "grain: expected a positive integer, got 0"),
    ({"grain": "many"}, "grain: expected a positive integer, got 'many'"),
    ({"grain": 2.5}, "grain: expected a positive integer, got 2.5"),
    ({"max_threads": 0}, "max_threads: expected a positive integer, got 0"),
    ({"max_threads": True}, "max_threads: expected a positive integer, got True"),
])
def test_bad_policy_settings(kwargs, message):
    with pytest.raises(ValueError, match=message):
        ThreadPolicy(**kwargs)


def test_bad_grain_in_the_environment(monkeypatch):
    monkeypatch.setenv(GRAIN_ENV, "lots")
    with pytest.raises(ValueError, match=f"{GRAIN_ENV}: expected a positive integer, got 'lots'"):
        ThreadPolicy()


def test_bad_thread_policy_argument():
    with pytest.raises(ValueError, match="thread_policy: expected a scratch._blas.ThreadPolicy "
                                         "or None, got str"):
        mlp(MNIST, 1, policy="fast")
