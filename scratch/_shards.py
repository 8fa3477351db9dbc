"""The shards of a batch in worker processes, where threads cannot run them side by side.

A fast path that splits its batch into k shards (:func:`scratch._blas.shard_bounds`) runs
shard 0 in the calling thread and shards 1 .. k-1 elsewhere, then adds the shards'
gradient sums. "Elsewhere" was first a Python thread per shard. Measured on this
project's 2-core machine (Python 3.11, OpenBLAS 0.3.31), two threads each running an
independent CNN step at m = 32 took 6.56 ms together against 3.15 ms for one alone, with
9.6 ms of CPU time: no gain at all. Big GEMMs do run side by side in two threads (two
5-GEMM loops: 8.5 ms together, 8.9 ms alone), but a step is some 500 NumPy calls of a few
to a few hundred microseconds, and each call gives the GIL back and takes it again: the
two threads hand it to each other hundreds of times a step, each hand-over a wake-up of a
sleeping thread. Two processes have no GIL to share: the same two steps took 3.36 ms
(a worker process per shard, the step's data sent over a socket).

:class:`ShardProcess` is that worker: a fresh interpreter (``python -m scratch._shards``,
with OpenBLAS, OpenMP and MKL on one thread each) that builds a replica of the model from
a picklable state and then answers calls of the replica's methods, one at a time:

    worker = ShardProcess("scratch.fast_conv:_replica", state)
    worker.start("_worker_forward", parameters, X_shard)     # returns at once
    ...                                                     # shard 0 here meanwhile
    A3_shard = worker.result()                              # waits; raises the worker's error

Arguments and results travel pickled over a socket pair (a CNN shard of 32 MNIST images:
about 100 KB in, 46 KB of gradients out, against 3 ms of work); the worker keeps its own
buffers between calls. The worker is a new interpreter started with ``subprocess``, not
``multiprocessing``: nothing of the caller is imported or re-run in it (a script without an
``if __name__ == "__main__"`` guard is safe), and a process started by torch or CUDA is
never forked. It ends when its socket closes: :meth:`ShardProcess.close`, the owner
garbage-collected, the interpreter's exit, or the parent killed.

Which to use: :func:`shard_workers` reads ``DL_PARITY_SHARDS`` ("processes" or
"threads"); the default is "processes" where ``subprocess`` can pass a socket to the child
(POSIX), else "threads".
"""
from __future__ import annotations

import importlib
import os
import pickle
import select
import socket
import subprocess
import sys
import time
import traceback
import weakref

MODE_ENV = "DL_PARITY_SHARDS"
MODES = ("processes", "threads")


def shard_workers(mode=None):
    """"processes" or "threads": ``mode`` if given, else the environment variable
    ``DL_PARITY_SHARDS``, else "processes" on POSIX and "threads" elsewhere."""
    if mode is None:
        mode = os.environ.get(MODE_ENV) or ("processes" if os.name == "posix" else "threads")
        where = MODE_ENV
    else:
        where = "shard_workers"
    if mode not in MODES:
        raise ValueError(f"{where}: expected one of {', '.join(MODES)}, got {mode!r}")
    if mode == "processes" and os.name != "posix":
        raise ValueError(f"{where}: 'processes' needs POSIX (a socket passed to the worker); "
                         f"use 'threads' on {os.name}")
    return mode


#: how long a wait for the other side polls before it sleeps (seconds): waking a sleeping
#: process costs a scheduler round trip (on this project's VM, the idle vCPU too), and the
#: answers of a step come within a few milliseconds
SPIN_S = 0.002


def _wait_readable(sock, spin_s=SPIN_S):
    """Poll ``sock`` for up to ``spin_s`` (returns as soon as it has data); the caller's
    blocking read then sleeps only when nothing came."""
    end = time.perf_counter() + spin_s
    while not select.select([sock], [], [], 0)[0]:
        if time.perf_counter() > end:
            return


def _status_kib(field):
    """A field of this process's /proc/self/status in KiB, or None where there is none."""
    try:
        with open("/proc/self/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return None


#: the workers alive in this process (:func:`live_workers`)
_LIVE = weakref.WeakSet()


def live_workers():
    """The shard workers this process has started and not closed (the bench adds their
    memory to the caller's)."""
    return [w for w in list(_LIVE) if w.alive()]


class ShardError(RuntimeError):
    """A worker process failed: its exception (type, message, traceback) or its exit."""


def _one_thread_env():
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # where scratch/ is
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _stop(stream, sock, proc):
    """Close the socket (the worker's read ends, so does the worker) and reap the process.
    (The socket's file descriptor stays open while its stream is: both are closed.)"""
    try:
        try:
            stream.close()
        except OSError:                            # unsent bytes to a worker already gone
            pass
        sock.close()
    finally:
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class ShardProcess:
    """A worker process holding a replica of a model: ``factory(state)`` built there, then
    calls of its methods (:meth:`start`, then :meth:`result`), one at a time.

    Args:
        factory: "module:function", importable in a fresh interpreter that has the
            directory above ``scratch/`` on its path.
        state: a picklable argument for ``factory``.
    """

    def __init__(self, factory, state):
        parent, child = socket.socketpair()
        try:
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "scratch._shards", str(child.fileno())],
                pass_fds=(child.fileno(),), env=_one_thread_env(), stdin=subprocess.DEVNULL)
        except BaseException:
            parent.close()
            raise
        finally:
            child.close()
        self._sock = parent
        self._file = parent.makefile("rwb")
        self._waiting = False
        self._finalize = weakref.finalize(self, _stop, self._file, parent, self._proc)
        self.start("__build__", factory, state)
        self.result()
        _LIVE.add(self)

    @property
    def pid(self):
        return self._proc.pid

    def alive(self):
        return self._proc.poll() is None

    def start(self, method, *args):
        """Send the call ``replica.method(*args)``; returns at once."""
        if self._waiting:
            raise ShardError("the worker is still busy: call result() before the next start()")
        try:
            pickle.dump((method, args), self._file, protocol=pickle.HIGHEST_PROTOCOL)
            self._file.flush()
        except (BrokenPipeError, ConnectionError, OSError) as exc:
            raise self._exited() from exc
        self._waiting = True

    def result(self):
        """The result of the call :meth:`start` sent (waits for it); a worker's exception is
        raised here as :class:`ShardError` with the worker's traceback."""
        self._waiting = False
        try:
            _wait_readable(self._sock)
            status, value = pickle.load(self._file)
        except (EOFError, ConnectionError, OSError, pickle.UnpicklingError) as exc:
            raise self._exited() from exc
        if status == "error":
            raise ShardError(f"a shard's worker process (pid {self.pid}) failed:\n{value}")
        return value

    def _exited(self):
        try:
            code = self._proc.wait(timeout=1)
        except subprocess.TimeoutExpired:
            code = None
        return ShardError(f"a shard's worker process (pid {self.pid}) stopped answering "
                          f"(exit code {code})")

    def memory(self):
        """(base, peak) of the worker's resident memory in bytes: its RSS once the replica
        was built, and its high-water mark (Linux's /proc; (None, None) where there is
        none). peak - base is what the replica's calls took (a factory that runs a tiny
        call first keeps the code it loads, and BLAS's work buffers, out of it, as the
        bench's probe does in the caller)."""
        self.start("__memory__")
        return self.result()

    def close(self):
        """End the worker (idempotent)."""
        self._finalize()


class gather:
    """``with gather(workers) as results:`` the body (the caller's own shard) runs while the
    workers run theirs; on leaving, every worker's :meth:`ShardProcess.result` is collected
    into ``results``, in order, even when the body raised (so that no worker is left with
    an unread answer); then the body's error, else the first worker's, is raised."""

    def __init__(self, workers):
        self.workers = workers
        self.results = []

    def __enter__(self):
        return self.results

    def __exit__(self, exc_type, exc, tb):
        error = None
        for worker in self.workers:
            try:
                self.results.append(worker.result())
            except BaseException as e:             # collect the others first
                error = error or e
        if exc_type is None and error is not None:
            raise error
        return False


def _serve(fd):
    """The worker's loop: build the replica, then answer calls until the socket closes."""
    sock = socket.socket(fileno=fd)
    stream = sock.makefile("rwb")
    replica, base = None, None
    while True:
        try:
            _wait_readable(sock)
            method, args = pickle.load(stream)
        except (EOFError, ConnectionError, OSError):
            return
        try:
            if method == "__build__":
                factory, state = args
                module, name = factory.split(":")
                replica = getattr(importlib.import_module(module), name)(state)
                base = _status_kib("VmRSS")
                reply = ("ok", None)
            elif method == "__memory__":
                peak = _status_kib("VmHWM")
                reply = ("ok", (None, None) if base is None or peak is None
                         else (base * 1024, peak * 1024))
            else:
                reply = ("ok", getattr(replica, method)(*args))
        except Exception:                          # sent back, raised by the caller's result()
            reply = ("error", traceback.format_exc())
        try:
            pickle.dump(reply, stream, protocol=pickle.HIGHEST_PROTOCOL)
            stream.flush()
        except (BrokenPipeError, ConnectionError, OSError):
            return


if __name__ == "__main__":
    import signal

    # Ctrl-C reaches the whole process group: the caller stops and closes the socket, which
    # ends this loop; the worker itself has nothing to say about it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _serve(int(sys.argv[1]))
