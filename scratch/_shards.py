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

Arguments and results travel pickled (a CNN shard of 32 MNIST images: about 100 KB in, 46 KB
of gradients out, against 3 ms of work); the worker keeps its own buffers between calls. The
arrays in them (pickle protocol 5's out-of-band buffers) do not go through the socket: the
sender copies them into a memory segment both processes map (:class:`_Arena`, one half for
each direction), and the socket carries the small rest and where each array lies; the
receiver copies them out. (The LSTM's step at 2 threads, m = 64, float32, sends 550 KB of
parameters and data and gets 330 KB of gradients: pickled into the socket they cost the
caller 0.5 ms a step, and the worker started 0.35 ms late, beside a 7 ms shard.) A side that
waits longer than SPIN_S sleeps on an eventfd the other side rings before it sends
(:func:`_bell`), not on the socket: see there why.

The worker is a new interpreter started with ``subprocess``, not
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
import mmap
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
    """Poll ``sock`` for up to ``spin_s``: True as soon as it has data, False when nothing
    came."""
    end = time.perf_counter() + spin_s
    while not select.select([sock], [], [], 0)[0]:
        if time.perf_counter() > end:
            return False
    return True


def _bell():
    """An eventfd (Linux; None elsewhere) that one side rings just before it sends, and the
    other sleeps on when a message is slow to come (:func:`_await`), never on the socket.

    Why: a process asleep on a Unix socket is woken by the writer as a "sync" wake-up (the
    kernel takes it that the writer will sleep at once), which puts it on the writer's CPU;
    but the caller then runs its own shard, and the two shared one CPU until the load
    balancer moved one. Measured on this project's 2-CPU machine, the LSTM's 2-shard step
    (m = 64, float32) after a 150 ms pause took 14-19 ms for three steps, then 8.4 ms; with
    the worker pinned to the other CPU, 11 ms and then 8.8 ms. An eventfd's wake-up is not
    a sync one: the sleeper wakes on its own CPU when that one is idle."""
    if not hasattr(os, "eventfd"):
        return None
    return os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)


def _ring(bell):
    if bell is not None:
        os.eventfd_write(bell, 1)


def _await(sock, bell):
    """Wait until ``sock`` has data: poll it for SPIN_S, then sleep on ``bell`` (the other
    side rings it before it sends), looking at the socket once a second (a socket closed
    by the other side reads as readable); then clear the bell. Without a bell, the read
    that follows sleeps on the socket itself."""
    if not _wait_readable(sock) and bell is not None:
        while not select.select([bell], [], [], 1.0)[0]:
            if select.select([sock], [], [], 0)[0]:
                break
    if bell is not None:
        try:
            os.eventfd_read(bell)                  # this message's ring (rung before it)
        except BlockingIOError:
            pass


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


#: the size of the segment a worker and its caller share for the arrays of a call and of
#: its answer, half for each direction (virtual: only the pages a call writes take memory).
#: An array that does not fit in what is left of its half travels through the socket.
ARENA_BYTES = 1 << 26


def _arena_fd(size):
    """A file descriptor of ``size`` bytes of anonymous memory (a memfd on Linux, else an
    unlinked temporary file), for both processes to map."""
    if hasattr(os, "memfd_create"):
        fd = os.memfd_create("dl-parity-shard", 0)
    else:                                          # other POSIX systems
        import tempfile
        with tempfile.TemporaryFile() as fh:
            fd = os.dup(fh.fileno())
    os.ftruncate(fd, size)
    return fd


class _Arena:
    """The shared segment seen from one side: arrays sent go into ``outgoing`` half, arrays
    received are copied out of the other half.

    send(obj, stream): pickles ``obj`` (protocol 5) with its contiguous buffers (NumPy
    arrays) copied into this side's half, then writes (the pickle, [(offset, size), ...])
    to ``stream``; receive(stream): reads that and rebuilds ``obj`` with each buffer copied
    out into its own bytearray (so what it returns outlives the next call)."""

    def __init__(self, fd, size, outgoing):
        self.map = mmap.mmap(fd, size)
        self.view = memoryview(self.map)
        half = size // 2
        self.out0, self.out1 = (0, half) if outgoing == 0 else (half, size)
        self.in0, self.in1 = (half, size) if outgoing == 0 else (0, half)

    def send(self, obj, stream):
        spans, at = [], [self.out0]

        def out_of_band(buffer):
            raw = buffer.raw()
            n = raw.nbytes
            if at[0] + n > self.out1:
                return True                        # in the pickle itself
            self.view[at[0]:at[0] + n] = raw
            spans.append((at[0], n))
            at[0] += n
            return False
        data = pickle.dumps(obj, protocol=5, buffer_callback=out_of_band)
        pickle.dump((data, spans), stream, protocol=5)
        stream.flush()

    def receive(self, stream):
        data, spans = pickle.load(stream)
        for offset, n in spans:
            if not self.in0 <= offset <= offset + n <= self.in1:
                raise pickle.UnpicklingError(f"a buffer at {offset} + {n} is outside "
                                             f"[{self.in0}, {self.in1})")
        return pickle.loads(data, buffers=[bytearray(self.view[o:o + n]) for o, n in spans])

    def close(self):
        try:
            self.view.release()
            self.map.close()
        except BufferError:                        # a view still out: the mapping goes with it
            pass


def _one_thread_env():
    env = dict(os.environ)
    for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = "1"
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))   # where scratch/ is
    env["PYTHONPATH"] = os.pathsep.join([root] + [p for p in [env.get("PYTHONPATH")] if p])
    return env


def _stop(stream, sock, proc, arena, bells):
    """Close the socket (the worker's read ends, so does the worker) and reap the process.
    (The socket's file descriptor stays open while its stream is: both are closed.)"""
    try:
        try:
            stream.close()
        except OSError:                            # unsent bytes to a worker already gone
            pass
        sock.close()
        arena.close()
        for bell in bells:
            _ring(bell)                            # a worker asleep on it wakes, finds EOF
            os.close(bell)
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
        fd = _arena_fd(ARENA_BYTES)
        bells = [b for b in (_bell(), _bell()) if b is not None]   # the worker's, the caller's
        try:
            self._arena = _Arena(fd, ARENA_BYTES, outgoing=0)
            fds = (child.fileno(), fd, *bells)
            self._proc = subprocess.Popen(
                [sys.executable, "-m", "scratch._shards", str(ARENA_BYTES), *map(str, fds)],
                pass_fds=fds, env=_one_thread_env(), stdin=subprocess.DEVNULL)
        except BaseException:
            parent.close()
            for bell in bells:
                os.close(bell)
            raise
        finally:
            child.close()
            os.close(fd)                           # the mappings keep the memory
        self._sock = parent
        self._bells = tuple(bells) or (None, None)
        self._file = parent.makefile("rwb")
        self._waiting = False
        self._finalize = weakref.finalize(self, _stop, self._file, parent, self._proc,
                                          self._arena, bells)
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
            _ring(self._bells[0])
            self._arena.send((method, args), self._file)
        except (BrokenPipeError, ConnectionError, OSError) as exc:
            raise self._exited() from exc
        self._waiting = True

    def result(self):
        """The result of the call :meth:`start` sent (waits for it); a worker's exception is
        raised here as :class:`ShardError` with the worker's traceback; with no call sent,
        a :class:`ShardError` at once (there is nothing to wait for)."""
        if not self._waiting:
            raise ShardError("no call to wait for: call start() before result()")
        self._waiting = False
        try:
            _await(self._sock, self._bells[1])
            status, value = self._arena.receive(self._file)
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


def _serve(arena_bytes, fd, arena_fd, my_bell=None, their_bell=None):
    """The worker's loop: build the replica, then answer calls until the socket closes
    (``my_bell``, ``their_bell``: the eventfds it sleeps on and rings, or None)."""
    sock = socket.socket(fileno=fd)
    stream = sock.makefile("rwb")
    arena = _Arena(arena_fd, arena_bytes, outgoing=1)
    os.close(arena_fd)
    replica, base = None, None
    while True:
        try:
            _await(sock, my_bell)
            method, args = arena.receive(stream)
        except (EOFError, ConnectionError, OSError, pickle.UnpicklingError):
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
            _ring(their_bell)
            arena.send(reply, stream)
        except (BrokenPipeError, ConnectionError, OSError):
            return


if __name__ == "__main__":
    import signal

    # Ctrl-C reaches the whole process group: the caller stops and closes the socket, which
    # ends this loop; the worker itself has nothing to say about it
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _serve(*map(int, sys.argv[1:]))
