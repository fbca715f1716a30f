"""Contain what still goes wrong while reading: one file's failure costs that file, never the run.

read.preflight keeps hostile files away from the parser, but a parser is native code: a panic
in Rust is a BaseException that escapes `except Exception`, an allocation it cannot make
aborts the whole process. So files are read in worker processes, each under an address-space
limit (Linux) and a time limit per file; a worker that dies or hangs is replaced, the file it
was on gets a Failure, and every other file is still read.

`run_contained(func, items, ...)` is the pool: results in the order of `items`, a Failure turned
into a result by `on_failure`. Items and results cross the pipe pickled: keep both small.
"""
from __future__ import annotations

import os
import time
import traceback
from collections import deque
from dataclasses import dataclass
from typing import Callable, Sequence

# One file takes milliseconds (a few seconds for a many-thousand-row member list on an old PC):
# a minute means the parser is stuck.
FILE_TIMEOUT_SECONDS = 60.0
# Address space a worker may add to what it had at start (the parser's and our copies of one
# file, bounded by read.preflight's limits, need ~300 MB at worst).
WORKER_MEMORY_BYTES = 1024 * 1024 * 1024
CHUNK = 16                       # items sent to a worker at once (fewer pipe round trips)


@dataclass(frozen=True)
class Failure:
    """Why an item has no result. kind: crashed | timeout | memory | error | no_result."""
    kind: str
    detail: str                  # technical, for the log: signal, exception and traceback


def run_contained(func: Callable, items: Sequence, *, workers: int, on_failure: Callable,
                  timeout: float | None = None, memory: int | None = WORKER_MEMORY_BYTES,
                  initializer: Callable | None = None, initargs: tuple = (),
                  progress: Callable[[int, int], None] | None = None) -> list:
    """[func(item) or on_failure(item, Failure)] for each item, in order.

    `workers` processes (0: in this process, without protection against a crash or a hang;
    also the fallback when processes cannot be started here). `timeout`: seconds per item
    (default FILE_TIMEOUT_SECONDS, read at call time). `progress(done, total)` is called in
    this process each time an item is finished."""
    timeout = FILE_TIMEOUT_SECONDS if timeout is None else timeout
    items = list(items)
    if not items:
        return []
    if workers > 0:
        try:
            return _Pool(func, items, min(workers, len(items)), on_failure, timeout, memory,
                         initializer, initargs, progress).run()
        except _NoProcesses:
            pass
    if initializer is not None:
        initializer(*initargs)
    out = []
    for item in items:
        out.append(_call(func, item, on_failure))
        if progress is not None:
            progress(len(out), len(items))
    return out


def _call(func, item, on_failure):
    try:
        return func(item)
    except (KeyboardInterrupt, SystemExit, GeneratorExit):
        raise
    except MemoryError:
        return on_failure(item, Failure("memory", "MemoryError"))
    except BaseException as exc:  # noqa: BLE001 - includes the parser's PanicException
        return on_failure(item, Failure("error", _describe(exc)))


def _describe(exc: BaseException) -> str:
    return "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))[-4000:]


class _NoProcesses(Exception):
    """Worker processes cannot run here (no fork/spawn, a sandbox, a worker dying at start)."""


# --- the worker ---------------------------------------------------------------------------------
def _limit_memory(extra: int | None) -> None:
    if not extra:
        return
    try:
        import resource
        with open("/proc/self/statm") as fh:                 # what this process maps already
            now = int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
        limit = now + extra
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, OSError, ValueError, AttributeError):
        pass                                                  # Windows, macOS: not enforced


def _worker(conn, func, initializer, initargs, memory) -> None:
    import signal
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)          # Ctrl+C is the parent's to handle
    except (ValueError, OSError, AttributeError):
        pass
    _limit_memory(memory)
    if initializer is not None:
        initializer(*initargs)
    conn.send(("ready",))
    while True:
        try:
            batch = conn.recv()
        except EOFError:
            return
        if batch is None:
            return
        for index, item in batch:
            try:
                message = ("ok", index, func(item))
            except MemoryError:
                message = ("fail", index, "memory", "MemoryError")
            except BaseException as exc:  # noqa: BLE001 - PanicException derives from BaseException
                message = ("fail", index, "error", _describe(exc))
            try:
                conn.send(message)
            except MemoryError:
                conn.send(("fail", index, "memory", "MemoryError while sending the result"))
            except Exception as exc:  # noqa: BLE001 - a result that cannot be pickled
                conn.send(("fail", index, "no_result", _describe(exc)))


# --- the pool -----------------------------------------------------------------------------------
class _Slot:
    def __init__(self, process, conn):
        self.process, self.conn = process, conn
        self.inflight: deque = deque()          # (index, item) sent, not yet answered, in order
        self.since = time.monotonic()           # when the item at the head started
        self.ready = False


class _Pool:
    def __init__(self, func, items, workers, on_failure, timeout, memory, initializer, initargs, progress=None):
        import multiprocessing
        methods = multiprocessing.get_all_start_methods()
        self.ctx = multiprocessing.get_context("fork" if "fork" in methods else None)
        self.func, self.items, self.n = func, items, workers
        self.on_failure, self.timeout, self.memory = on_failure, timeout, memory
        self.initializer, self.initargs = initializer, initargs
        self.pending: deque = deque(enumerate(items))
        self.results: list = [None] * len(items)
        self.done = [False] * len(items)
        self.left = len(items)
        self.slots: list[_Slot] = []
        self.deaths_at_start = 0
        self.progress = progress

    def run(self) -> list:
        try:
            for _ in range(self.n):
                self.slots.append(self._start())
            while self.left:
                self._feed()
                self._wait()
        finally:
            self._stop_all()
        return self.results

    def _start(self) -> _Slot:
        try:
            parent, child = self.ctx.Pipe()
            p = self.ctx.Process(target=_worker, args=(child, self.func, self.initializer, self.initargs,
                                                       self.memory), daemon=True)
            p.start()
            child.close()
        except (OSError, RuntimeError, ImportError, ValueError) as exc:
            raise _NoProcesses(str(exc)) from None
        return _Slot(p, parent)

    def _feed(self) -> None:
        for slot in self.slots:
            if slot.ready and len(slot.inflight) < CHUNK // 2 and self.pending:
                batch = [self.pending.popleft() for _ in range(min(CHUNK, len(self.pending)))]
                if not slot.inflight:
                    slot.since = time.monotonic()
                slot.inflight.extend(batch)
                try:
                    slot.conn.send(batch)
                except (OSError, EOFError, BrokenPipeError):
                    pass                         # it died: the sentinel tells, the batch is requeued

    def _wait(self) -> None:
        from multiprocessing.connection import wait
        now = time.monotonic()
        busy = [s.since + self.timeout - now for s in self.slots if s.inflight]
        wait_for = max(0.0, min(busy)) if busy else None
        handles = [s.conn for s in self.slots] + [s.process.sentinel for s in self.slots]
        ready = set(wait(handles, timeout=wait_for if wait_for is not None else 1.0))
        for i, slot in enumerate(list(self.slots)):
            alive = True
            if slot.conn in ready:
                alive = self._drain(slot)
            if alive and slot.process.sentinel in ready and not slot.process.is_alive():
                self._drain(slot)
                alive = False
            if not alive:
                self._replace(i, slot, self._died(slot))
            elif slot.inflight and time.monotonic() - slot.since > self.timeout:
                self._replace(i, slot, Failure("timeout", f"no answer after {self.timeout:.0f} s"))

    def _drain(self, slot: _Slot) -> bool:
        """Take every message waiting; False when the worker's end is gone."""
        try:
            while slot.conn.poll():
                try:
                    message = slot.conn.recv()
                except (EOFError, OSError):
                    raise
                except Exception as exc:  # noqa: BLE001 - pickled there, cannot be rebuilt here
                    if not slot.inflight:     # answers come in order: it is the head's
                        raise
                    message = ("fail", slot.inflight[0][0], "no_result", _describe(exc))
                if message[0] == "ready":
                    slot.ready = True
                    continue
                index = message[1]
                if slot.inflight and slot.inflight[0][0] == index:
                    slot.inflight.popleft()
                if message[0] == "ok":
                    self._finish(index, message[2])
                else:
                    self._finish(index, self._failed(index, Failure(message[2], message[3])))
                slot.since = time.monotonic()
        except (EOFError, OSError):
            return False
        return True

    def _died(self, slot: _Slot) -> Failure:
        slot.process.join(1.0)
        code = slot.process.exitcode
        if code is not None and code < 0:
            import signal
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            return Failure("crashed", f"worker killed by signal {name}")
        return Failure("crashed", f"worker exited with status {code}")

    def _replace(self, i: int, slot: _Slot, failure: Failure) -> None:
        """The item at the head of the worker's queue gets the failure; the rest go back."""
        if slot.process.is_alive():
            slot.process.kill()
            slot.process.join(5.0)
        slot.conn.close()
        if not slot.ready:
            self.deaths_at_start += 1
            if self.deaths_at_start >= 3:
                raise _NoProcesses(failure.detail)
        if slot.inflight:
            index, item = slot.inflight.popleft()
            self._finish(index, self._failed(index, failure))
            self.pending.extendleft(reversed(slot.inflight))
        self.slots[i] = self._start()

    def _failed(self, index: int, failure: Failure):
        return self.on_failure(self.items[index], failure)

    def _finish(self, index: int, result) -> None:
        if not self.done[index]:
            self.done[index] = True
            self.results[index] = result
            self.left -= 1
            if self.progress is not None:
                self.progress(len(self.items) - self.left, len(self.items))

    def _stop_all(self) -> None:
        for slot in self.slots:
            try:
                slot.conn.send(None)
            except (OSError, EOFError, BrokenPipeError):
                pass
        deadline = time.monotonic() + 2.0
        for slot in self.slots:
            slot.process.join(max(0.0, deadline - time.monotonic()))
            if slot.process.is_alive():
                slot.process.kill()
                slot.process.join(1.0)
            slot.conn.close()
