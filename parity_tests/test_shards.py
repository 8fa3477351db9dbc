"""The worker processes that run a batch's shards (``scratch._shards``): a worker's error
reaches the caller with its traceback, a worker ends with its owner, and the choice of
threads or processes is checked where it is made."""
from __future__ import annotations

import gc
import os
import time

import numpy as np
import pytest

import scratch._shards as shards
from scratch._blas import ThreadPolicy
from scratch._shards import (MODE_ENV, ShardError, ShardProcess, gather, live_workers,
                             shard_workers)
from scratch.fast_conv import CNN, initialize_parameters_cnn


def _gone(proc, timeout=5.0):
    end = time.monotonic() + timeout
    while proc.poll() is None and time.monotonic() < end:
        time.sleep(0.01)
    return proc.poll() is not None


def test_a_worker_answers_calls_and_reports_its_errors():
    worker = ShardProcess("collections:Counter", "abca")
    worker.start("most_common", 1)
    assert worker.result() == [("a", 2)]
    worker.start("no_such_method")
    with pytest.raises(ShardError, match=r"(?s)failed:.*AttributeError.*no_such_method"):
        worker.result()
    worker.start("total")                               # still serving after an error
    assert worker.result() == 4
    with pytest.raises(ShardError, match=r"no call to wait for: call start\(\) before result"):
        worker.result()                                 # not a wait for ever
    with pytest.raises(ShardError, match="still busy"):
        worker.start("total")
        worker.start("total")
    worker.result()
    worker.close()
    assert _gone(worker._proc)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="needs Linux's /proc")
def test_a_worker_reports_what_its_replica_took():
    """memory(): what the replica's calls took counts from the worker's RSS once the
    replica was built; a call that makes 8 MB (np.ones writes every page) shows at least
    that much, the built replica itself nothing; live_workers() lists the open workers
    (the bench adds their memory)."""
    big = ShardProcess("numpy:ones", 1_000_000)           # an 8 MB replica
    small = ShardProcess("numpy:ones", 10)
    assert {big, small} <= set(live_workers())
    (base_b, peak_b), (base_s, peak_s) = big.memory(), small.memory()
    assert base_b > base_s > 0 and 0 <= peak_b - base_b < 8_000_000
    small.start("repeat", 1_000_000)                      # 8 MB made by a call
    small.result()
    base, peak = small.memory()
    assert base == base_s and peak - base >= 8_000_000
    big.close()
    assert big not in live_workers() and small in live_workers()
    small.close()


def _arrays():
    rng = np.random.default_rng(0)
    big = rng.standard_normal((300, 200))                         # 480 KB
    return [rng.standard_normal((3, 4)).astype(np.float32), big, big[::2, ::3],
            np.arange(7) > 3, np.empty((0, 5))]


@pytest.mark.parametrize("arena", ["shared", "too small", "no eventfd"])
def test_arrays_travel_both_ways_whole_and_independent(monkeypatch, arena):
    """Arrays go out through the shared segment and come back from it (a strided one as
    pickle sends it, a contiguous copy): equal, with their dtype and shape; writable; copies that the next call does not overwrite.
    Where an array does not fit (a 64 KB segment) it travels in the pickle on the socket;
    without an eventfd (not Linux) the sides sleep on the socket. After a pause longer than
    the spin, with 480 KB on the socket, a call still answers at once (the bell rung
    before the send: rung after it, the sender's blocked write and the sleeping reader
    waited for each other until the 1 s timeout)."""
    if arena == "too small":
        monkeypatch.setattr(shards, "ARENA_BYTES", 1 << 16)
    if arena == "no eventfd":
        monkeypatch.setattr(shards, "_bell", lambda: None)
    worker = ShardProcess("builtins:list", [])
    sent = _arrays()
    for a in sent:
        worker.start("append", a)
        assert worker.result() is None
    worker.start("copy")
    back = worker.result()
    worker.start("copy")
    again = worker.result()
    for a, b in zip(sent, back):
        assert b.dtype == a.dtype and b.shape == a.shape and np.array_equal(a, b)
        assert b.flags.writeable
    back[1][...] = 0                                             # not the segment's bytes
    assert np.array_equal(again[1], sent[1])
    time.sleep(10 * shards.SPIN_S)                               # both sides asleep
    t0 = time.perf_counter()
    worker.start("append", sent[1])
    worker.result()
    worker.start("__len__")
    assert worker.result() == len(sent) + 1
    assert time.perf_counter() - t0 < 0.5
    worker.close()
    assert _gone(worker._proc)


def test_gather_collects_every_answer_before_raising():
    workers = [ShardProcess("collections:Counter", "ab") for _ in range(2)]
    workers[0].start("no_such_method")
    workers[1].start("total")
    with pytest.raises(ShardError, match="no_such_method"):
        with gather(workers):
            pass
    for w in workers:                                   # nothing left unread: both serve again
        w.start("total")
    with gather(workers) as results:
        pass
    assert results == [2, 2]


def test_a_dead_worker_is_a_clear_error():
    worker = ShardProcess("collections:Counter", "")
    worker._proc.kill()
    worker._proc.wait()
    with pytest.raises(ShardError, match=r"stopped answering \(exit code -9\)"):
        worker.start("total")
        worker.result()


def test_the_cnn_s_worker_ends_with_the_model():
    rng = np.random.default_rng(0)
    X = rng.random((784, 32))
    Y = np.eye(10)[:, rng.integers(0, 10, 32)]
    net = CNN(initialize_parameters_cnn(),
              thread_policy=ThreadPolicy(max_threads=2, shard_workers="processes"))
    net.step(X, Y, 0.1)
    (worker,) = net._workers
    proc = worker._proc
    assert proc.poll() is None
    del net, worker
    gc.collect()
    assert _gone(proc)


def test_the_shard_workers_choice_is_checked(monkeypatch):
    assert shard_workers("threads") == "threads"
    with pytest.raises(ValueError, match=r"shard_workers: expected one of processes, threads, "
                                         r"got 'fork'"):
        ThreadPolicy(shard_workers="fork")
    monkeypatch.setenv(MODE_ENV, "thread")
    with pytest.raises(ValueError, match=rf"{MODE_ENV}: expected one of processes, threads, "
                                         r"got 'thread'"):
        ThreadPolicy()
    monkeypatch.setenv(MODE_ENV, "threads")
    assert ThreadPolicy().shard_workers == "threads"
