"""Worker processes with a hard time budget, for CPU-heavy work on what anybody may send.

A thread cannot be stopped, and a CPU-bound thread holds the GIL that every other request needs; a process
can be killed. `WorkerPool.run(fn, *args, timeout=...)` sends the call to an idle worker process (a few are
kept warm, started through the forkserver with the modules they need already imported), waits at most
`timeout` seconds, and kills the worker when the time is up: the work stops at once, and the next call gets
a fresh worker. A worker's address space is capped (what it holds after its imports, plus `memory`), so a
runaway document fails instead of swapping. Workers run at a lower CPU priority (`nice`, 10 by default): on
a busy machine the server's own requests come first, so what a visitor sends to a worker slows the other
visitors little even while every worker is busy (the load test's attacker, `bench/load/attacker.py`).

`fn` and its arguments travel by pickle: `fn` must be a module-level function.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import multiprocessing.connection
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

from skillatlas.errors import Busy, SkillAtlasError


class WorkerTimeout(Exception):
    """The call did not finish within its time; the worker was killed."""


class WorkerError(Exception):
    """The call raised an error that is not a domain error (its type name in `kind`), or the worker died."""

    def __init__(self, message: str, kind: str = "") -> None:
        super().__init__(message)
        self.kind = kind


def _cap_memory(extra: int) -> None:
    """Caps the address space at what the worker holds now (the preloaded modules) plus `extra` bytes."""
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as status:
            held = next(int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:"))
        resource.setrlimit(resource.RLIMIT_AS, (held + extra, resource.RLIM_INFINITY))
    except (ImportError, OSError, ValueError, StopIteration):  # pragma: no cover - not Linux
        pass


def _serve(conn: multiprocessing.connection.Connection, memory: int | None, nice: int = 0) -> None:
    """A worker's loop: one call at a time, the result (or what went wrong) sent back."""
    if memory:
        _cap_memory(memory)
    if nice:
        with contextlib.suppress(OSError):  # not allowed here: the worker runs at the server's priority
            os.nice(nice)
    while True:
        try:
            fn, args = conn.recv()
        except (EOFError, OSError):
            return
        reply: tuple[Any, ...]
        try:
            reply = ("ok", fn(*args))
        except SkillAtlasError as exc:
            reply = ("domain", type(exc), exc.message, exc.field)
        except MemoryError:
            reply = ("error", "MemoryError", "the work needed more memory than a worker may use")
        except Exception as exc:  # everything goes back to the caller, in words
            reply = ("error", type(exc).__name__, str(exc) or type(exc).__name__)
        try:
            conn.send(reply)
        except Exception as exc:  # an unpicklable result or error
            conn.send(("error", type(exc).__name__, f"the result could not be sent back: {exc}"))


class _Worker:
    def __init__(self, context: Any, memory: int | None, nice: int = 0) -> None:
        self.conn, child = context.Pipe()
        self.process = context.Process(
            target=_serve, args=(child, memory, nice), daemon=True, name="skillatlas-worker"
        )
        self.process.start()
        child.close()

    def alive(self) -> bool:
        return bool(self.process.is_alive())

    def kill(self) -> None:
        try:
            self.process.kill()
            self.process.join(timeout=5)
        finally:
            self.conn.close()


class WorkerPool:
    """At most `size` worker processes, each running one call at a time; see the module's text."""

    def __init__(
        self, size: int, *, memory: int | None = None, preload: Sequence[str] = (), nice: int = 10
    ) -> None:
        self.size = max(1, size)
        self.memory = memory
        self.nice = nice
        self.preload = list(preload)
        self._lock = threading.Lock()
        self._reset()

    def _reset(self) -> None:
        self._pid = os.getpid()
        self._idle: list[_Worker] = []
        self._slots = threading.BoundedSemaphore(self.size)
        self._context: Any = None

    def _ctx(self) -> Any:
        if self._context is None:
            methods = multiprocessing.get_all_start_methods()
            self._context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
            if self.preload and "forkserver" in methods:
                # Only takes effect when this process starts its forkserver (the first pool to ask does).
                # "__main__" first, as multiprocessing's default has it: the forkserver imports the main
                # module once, so that each worker need not import it again (it may be the whole CLI).
                self._context.set_forkserver_preload(["__main__", *self.preload])
        return self._context

    def _take(self) -> _Worker:
        with self._lock:
            if os.getpid() != self._pid:  # forked: the parent's workers are not ours
                self._reset()
            while self._idle:
                worker = self._idle.pop()
                if worker.alive():
                    return worker
                worker.kill()
            return _Worker(self._ctx(), self.memory, self.nice)

    def run(self, fn: Callable[..., Any], *args: Any, timeout: float) -> Any:
        """fn(*args) in a worker: its result, its domain error re-raised, WorkerTimeout after `timeout`
        seconds (the worker killed), WorkerError for anything else, Busy when no worker frees up in time."""
        started = time.monotonic()
        if os.getpid() != self._pid:
            with self._lock:
                if os.getpid() != self._pid:
                    self._reset()
        slots = self._slots
        if not slots.acquire(timeout=max(timeout, 0.0)):
            raise Busy("every verification worker is busy; try again in a moment")
        try:
            worker = self._take()
            remaining = timeout - (time.monotonic() - started)
            try:
                worker.conn.send((fn, args))
                if remaining <= 0 or not worker.conn.poll(remaining):
                    worker.kill()
                    raise WorkerTimeout(f"not finished within {timeout:g} seconds")
                reply = worker.conn.recv()
            except (EOFError, OSError, BrokenPipeError) as exc:
                worker.kill()
                raise WorkerError(f"the worker stopped ({exc.__class__.__name__})", "WorkerDied") from None
            with self._lock:
                if self._slots is slots:
                    self._idle.append(worker)
                else:  # pragma: no cover - forked meanwhile
                    worker.kill()
        finally:
            slots.release()
        status = reply[0]
        if status == "ok":
            return reply[1]
        if status == "domain":
            _, cls, message, field = reply
            raise cls(message, field=field)
        raise WorkerError(reply[2], reply[1])

    def close(self) -> None:
        """Stops the idle workers (a busy one stops when its call ends or is killed)."""
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()
