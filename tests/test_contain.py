"""read.contain: one item's failure costs that item, never the run.

Real worker processes and real failures (aborts, segfaults, kills, hangs, running out of the
address-space limit, a panicking and an aborting parser), no mock of the pool. Every function a
worker runs is defined at module level here (fork on Linux copies it into the worker).
"""
from __future__ import annotations

import ctypes
import faulthandler
import multiprocessing
import os
import posixpath
import re
import resource
import shutil
import signal
import sys
import time
import zipfile
from pathlib import Path

import pytest

from thidua.read.contain import Failure, run_contained

MB = 1024 * 1024
LIMIT = 200 * MB                 # address space a worker may add in these tests
BAD = 7                          # the misbehaving item among the good ones
REPO = Path(__file__).resolve().parent.parent
BUILT_FORM = REPO / "build" / "excel" / "BieuMau_mau.xlsm"


# --- what the workers run ---------------------------------------------------------------------
class ContainTestBaseException(BaseException):
    """Like pyo3's PanicException: not an Exception, so `except Exception` lets it through."""


def _quiet_crash() -> None:
    """In a worker, about to crash on purpose: no faulthandler dump (inherited from pytest)
    cluttering the test output. The signal still kills the worker as before."""
    if multiprocessing.parent_process() is not None:
        faulthandler.disable()


def _abort():
    _quiet_crash()
    os.abort()


def _segfault():
    _quiet_crash()
    ctypes.string_at(0)


def _recurse(n: int) -> int:
    return _recurse(n + 1) + 1


def _hang():
    time.sleep(60)


def _numpy_too_big():
    import numpy
    return numpy.empty(600 * MB, dtype=numpy.uint8)


def _raise_value_error():
    raise ValueError("bad item")


def _raise_base():
    raise ContainTestBaseException("not an Exception")


def _raise_keyboard_interrupt():
    raise KeyboardInterrupt


ACTIONS = {
    "abort": _abort,
    "segfault": _segfault,
    "exit3": lambda: os._exit(3),
    "sigkill": lambda: os.kill(os.getpid(), signal.SIGKILL),
    "hang": _hang,
    "bytearray": lambda: bytearray(600 * MB),
    "numpy": _numpy_too_big,
    "value_error": _raise_value_error,
    "base_exception": _raise_base,
    "system_exit": lambda: sys.exit(5),
    "keyboard_interrupt": _raise_keyboard_interrupt,
    "recursion": lambda: _recurse(0),
    "lambda": lambda: (lambda: None),                    # returned: cannot be pickled
    "generator": lambda: (i for i in range(3)),          # returned: cannot be pickled
}


def act(item):
    """item: (n, action or None). A good item's result is n * n."""
    n, action = item
    if action is not None:
        returned = ACTIONS[action]()
        if action in ("lambda", "generator"):
            return returned
    return n * n


class OnlyByKeyword(Exception):
    """Pickles in the worker, cannot be rebuilt in the parent (its argument is keyword-only, which
    pickling drops): the kind of result a careless exception class produces."""

    def __init__(self, message, *, code):
        super().__init__(message)
        self.code = code


def returns_problem(n):
    """A result that pickles in the worker but cannot be rebuilt in the parent."""
    return OnlyByKeyword("not readable", code="corrupt") if n == BAD else n * n


def square(n: int) -> int:
    return n * n


def pid_of(n: int) -> tuple[int, int]:
    return n, os.getpid()


def slow(n: int) -> int:
    time.sleep(0.5)
    return n


TAG = None                       # set by the initializer, in the worker only


def set_tag(tag: str) -> None:
    global TAG
    TAG = tag


def tagged(item):
    n, action = item
    if action is not None:
        ACTIONS[action]()
    return n, TAG, os.getpid()


def die_in_child(parent_pid: int) -> None:
    """An initializer that kills every worker at start-up (but never the test process)."""
    if os.getpid() != parent_pid:
        os._exit(1)


def die_first(folder: str, deaths: int, parent_pid: int) -> None:
    """The first `deaths` workers to start die at start-up; the later ones live."""
    if os.getpid() == parent_pid:
        return
    for k in range(100):
        try:
            os.close(os.open(os.path.join(folder, f"start{k}"), os.O_CREAT | os.O_EXCL | os.O_WRONLY))
        except FileExistsError:
            continue
        if k < deaths:
            os._exit(1)
        return


def read_members(path: str) -> int:
    """Calamine itself, not thidua's reader (whose preflight refuses these files first)."""
    import python_calamine
    _quiet_crash()
    book = python_calamine.CalamineWorkbook.from_path(path, load_tables=True)
    return len(book.get_table_by_name("tblMembers").to_python())


# --- helpers ------------------------------------------------------------------------------------
def failed(item, failure: Failure):
    return ("failed", item, failure)


def items_with(bad: dict[int, str], n: int = 20) -> list:
    return [(i, bad.get(i)) for i in range(n)]


def assert_outcome(items, results, bad: dict[int, tuple[str, str]]) -> None:
    """bad: {n: (kind, text in the detail)}; every other item has its good result."""
    assert len(results) == len(items)
    for item, result in zip(items, results):
        n = item[0] if isinstance(item, tuple) else item
        if n in bad:
            kind, text = bad[n]
            assert isinstance(result, tuple) and result[0] == "failed", (item, result)
            assert result[1] == item
            failure = result[2]
            assert isinstance(failure, Failure)
            assert failure.kind == kind, (item, failure)
            assert text in failure.detail, (item, failure)
        else:
            assert result == n * n, (item, result)


def _children() -> set[int]:
    """Processes (zombies too) whose parent is this test process."""
    me, found = os.getpid(), set()
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == me:
            found.add(int(entry))
    return found


class Stuck(Exception):
    pass


def _stuck(signum, frame):
    raise Stuck("run_contained did not finish within 30 s")


@pytest.fixture(autouse=True)
def no_worker_left_behind(monkeypatch):
    monkeypatch.setenv("RUST_BACKTRACE", "0")       # the panics below need not print a backtrace
    before, before_mp = _children(), set(multiprocessing.active_children())
    previous = signal.signal(signal.SIGALRM, _stuck)
    signal.alarm(30)                                 # a pool that never finishes fails, not hangs
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert set(multiprocessing.active_children()) - before_mp == set()
    assert _children() - before == set()


@pytest.fixture(scope="module", autouse=True)
def parent_at_start():
    """This process as it was before any pool ran: its children, address-space limit, SIGINT."""
    return _children(), resource.getrlimit(resource.RLIMIT_AS), signal.getsignal(signal.SIGINT)


# --- the plain pool -----------------------------------------------------------------------------
def test_results_in_order_from_two_workers():
    items = list(range(50))
    results = run_contained(pid_of, items, workers=2, on_failure=failed, memory=LIMIT)
    assert [n for n, _ in results] == items
    pids = {pid for _, pid in results}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    assert run_contained(square, items, workers=2, on_failure=failed) == [n * n for n in items]


def test_one_worker_and_more_workers_than_items():
    items = list(range(50))
    results = run_contained(pid_of, items, workers=1, on_failure=failed)
    assert [n for n, _ in results] == items
    assert len({pid for _, pid in results}) == 1 and results[0][1] != os.getpid()
    results = run_contained(pid_of, [3, 1, 2], workers=8, on_failure=failed)
    assert [n for n, _ in results] == [3, 1, 2]
    assert os.getpid() not in {pid for _, pid in results}


def test_no_items():
    assert run_contained(square, [], workers=2, on_failure=failed) == []
    assert run_contained(square, (), workers=0, on_failure=failed) == []


def test_in_process():
    items = list(range(20))
    results = run_contained(pid_of, items, workers=0, on_failure=failed)
    assert results == [(n, os.getpid()) for n in items]


# --- one bad item among good ones ---------------------------------------------------------------
FAILURES = {
    "abort": ("crashed", "SIGABRT"),
    "segfault": ("crashed", "SIGSEGV"),
    "exit3": ("crashed", "status 3"),
    "sigkill": ("crashed", "SIGKILL"),
    "hang": ("timeout", "no answer"),
    "bytearray": ("memory", "MemoryError"),
    "numpy": ("memory", "MemoryError"),      # numpy's _ArrayMemoryError is a MemoryError
    "value_error": ("error", "ValueError: bad item"),
    "base_exception": ("error", "ContainTestBaseException: not an Exception"),
    "system_exit": ("error", "SystemExit: 5"),
    "keyboard_interrupt": ("error", "KeyboardInterrupt"),
    "recursion": ("error", "RecursionError"),
    "lambda": ("no_result", "pickle"),
    "generator": ("no_result", "cannot pickle 'generator' object"),
}


@pytest.mark.parametrize("action", list(FAILURES))
def test_one_bad_item(action):
    items = items_with({BAD: action})
    # a short limit only where the item hangs: a busy machine has been seen to take over 1.5 s for
    # another bad item (a worker started under load), which then read as a time-out
    timeout = 1.5 if FAILURES[action][0] == "timeout" else 10
    results = run_contained(act, items, workers=2, on_failure=failed, timeout=timeout, memory=LIMIT)
    assert_outcome(items, results, {BAD: FAILURES[action]})


def test_a_result_the_parent_cannot_unpickle_costs_its_item_only():
    items = list(range(20))
    results = run_contained(returns_problem, items, workers=2, on_failure=failed, memory=LIMIT)
    assert_outcome(items, results, {BAD: ("no_result", "TypeError")})


def test_memory_limit_is_above_the_workers_start():
    # 50 MB fits in the 200 MB the worker may add; the same 600 MB that fails above is fine
    # without a limit (the machine has the memory: it is the limit that refuses it).
    def run(memory):
        return run_contained(act, items_with({BAD: "bytearray"}, 10), workers=1, on_failure=failed,
                             memory=memory)
    assert run(None)[BAD] == BAD * BAD
    assert run(LIMIT)[BAD][2].kind == "memory"
    small = run_contained(len, [b"x" * 10, "abc"], workers=1, on_failure=failed, memory=LIMIT)
    assert small == [10, 3]


def test_items_queued_behind_a_crash_are_sent_again():
    # One worker: everything after the crashed item was already sent to the worker that died.
    items = items_with({3: "abort", 4: "segfault", 11: "sigkill"}, 40)
    results = run_contained(act, items, workers=1, on_failure=failed, memory=LIMIT)
    assert_outcome(items, results, {3: ("crashed", "SIGABRT"), 4: ("crashed", "SIGSEGV"),
                                    11: ("crashed", "SIGKILL")})


def test_several_bad_items_in_one_run():
    bad = {2: "abort", 9: "segfault", 17: "sigkill", 18: "value_error", 25: "exit3",
           31: "generator", 36: "bytearray", 39: "base_exception"}
    items = items_with(bad, 40)
    results = run_contained(act, items, workers=2, on_failure=failed, memory=LIMIT)
    assert_outcome(items, results, {n: FAILURES[a] for n, a in bad.items()})


def test_a_hang_costs_its_item_and_about_the_timeout():
    items = items_with({BAD: "hang", 15: "hang"})
    start = time.monotonic()
    results = run_contained(act, items, workers=2, on_failure=failed, timeout=1.5, memory=LIMIT)
    elapsed = time.monotonic() - start
    assert_outcome(items, results, {BAD: ("timeout", "no answer"), 15: ("timeout", "no answer")})
    assert 1.4 < elapsed < 10, elapsed


def test_the_timeout_is_per_item_not_per_batch():
    # Four items of 0.5 s on one worker: 2 s in all, each well within its 1.5 s.
    start = time.monotonic()
    assert run_contained(slow, [1, 2, 3, 4], workers=1, on_failure=failed, timeout=1.5) == [1, 2, 3, 4]
    assert time.monotonic() - start > 1.9


# --- the parser itself: a Rust panic, an allocation abort ---------------------------------------
def _table_parts(zf: zipfile.ZipFile, table_name: str) -> tuple[str, str]:
    """(table part, sheet part) of the named table."""
    table = next(n for n in zf.namelist() if n.startswith("xl/tables/") and n.endswith(".xml")
                 and re.search(rb'<table\b[^>]*\bname="%s"' % table_name.encode(), zf.read(n)))
    target = ("../tables/" + posixpath.basename(table)).encode()
    rels = next(n for n in zf.namelist() if n.startswith("xl/worksheets/_rels/") and target in zf.read(n))
    return table, "xl/worksheets/" + posixpath.basename(rels)[: -len(".rels")]


def _rewrite(src: Path, dst: Path, part: str, edit) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            zout.writestr(info, edit(data) if info.filename == part else data)
    return dst


def _add_last_cell(ref: str):
    def edit(xml: bytes) -> bytes:
        assert xml.count(b"</sheetData>") == 1
        row = ref.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return xml.replace(b"</sheetData>", f'<row r="{row}"><c r="{ref}"><v>1</v></c></row></sheetData>'.encode())
    return edit


@pytest.fixture(scope="module")
def parser_files(request, tmp_path_factory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("contain")
    src = BUILT_FORM if BUILT_FORM.exists() else request.getfixturevalue("issued")[0]
    good = Path(shutil.copy(src, folder / f"good{src.suffix}"))
    with zipfile.ZipFile(good) as zf:
        table, sheet = _table_parts(zf, "tblMembers")
    backwards = _rewrite(good, folder / f"backwards{src.suffix}", table, lambda x: re.sub(
        rb'(<table\b[^>]*?\bref=")[^"]*(")', rb"\1J24:A4\2", x, count=1))
    # 17 billion cells: calamine's dense range cannot be allocated on any machine
    xfd = _rewrite(good, folder / f"xfd{src.suffix}", sheet, _add_last_cell("XFD1048576"))
    # 10 million cells (~340 MB): calamine allocates it, unless the worker's limit refuses it
    column_j = _rewrite(good, folder / f"column_j{src.suffix}", sheet, _add_last_cell("J1048576"))
    return {"good": str(good), "backwards": str(backwards), "xfd": str(xfd), "column_j": str(column_j)}


def test_parser_panic_and_abort_cost_only_their_file(parser_files):
    f = parser_files
    rows = read_members(f["good"])
    assert rows > 0
    items = [f["good"], f["backwards"], f["good"], f["xfd"], f["good"], f["column_j"]] + [f["good"]] * 6
    results = run_contained(read_members, items, workers=2, on_failure=failed, memory=LIMIT, timeout=20)
    by_position = {1: ("error", "PanicException"), 3: ("crashed", "SIGABRT"), 5: ("crashed", "SIGABRT")}
    for i, (item, result) in enumerate(zip(items, results)):
        if i in by_position:
            kind, text = by_position[i]
            assert result[0] == "failed" and result[1] == item, (i, result)
            assert result[2].kind == kind and text in result[2].detail, (i, result)
        else:
            assert result == rows, (i, result)
    # the panic is a BaseException, not an Exception: `except Exception` would not have caught it
    assert "invalid range bounds" in results[1][2].detail


def test_without_the_limit_the_parser_allocates(parser_files):
    # the contrast to the SIGABRT above: column_j's ~340 MB is refused by the limit only
    f = parser_files
    results = run_contained(read_members, [f["column_j"], f["good"]], workers=1, on_failure=failed,
                            memory=None, timeout=20)
    assert results[0] == results[1] == read_members(f["good"])


# --- initializer, in-process fallback -----------------------------------------------------------
def test_initializer_reaches_every_worker_also_the_replacements():
    items = items_with({4: "abort", 12: "sigkill"}, 30)
    results = run_contained(tagged, items, workers=2, on_failure=failed, memory=LIMIT,
                            initializer=set_tag, initargs=("worker-tag",))
    for item, result in zip(items, results):
        if item[0] in (4, 12):
            assert result[0] == "failed" and result[2].kind == "crashed"
        else:
            n, tag, pid = result
            assert n == item[0] and tag == "worker-tag" and pid != os.getpid()
    assert TAG is None                                   # ran in the workers, not here


def test_in_process_catches_exceptions_but_not_exit():
    # workers=0 runs func in this process: it turns exceptions (any BaseException but
    # KeyboardInterrupt/SystemExit) into failures, but it cannot contain a crash or a hang:
    # an os.abort() here would kill the test run, so none is tried.
    items = items_with({3: "value_error", 5: "base_exception", 8: "recursion"}, 12)
    results = run_contained(act, items, workers=0, on_failure=failed)
    assert_outcome(items, results, {3: FAILURES["value_error"], 5: FAILURES["base_exception"],
                                    8: FAILURES["recursion"]})
    assert run_contained(act, [(1, "lambda")], workers=0, on_failure=failed)[0]() is None
    with pytest.raises(SystemExit):
        run_contained(act, items_with({2: "system_exit"}, 4), workers=0, on_failure=failed)
    with pytest.raises(KeyboardInterrupt):
        run_contained(act, items_with({2: "keyboard_interrupt"}, 4), workers=0, on_failure=failed)


def test_in_process_memory_error_and_initializer():
    def too_big(n):
        if n == 2:
            raise MemoryError
        return n * n
    try:
        results = run_contained(too_big, range(4), workers=0, on_failure=failed,
                                initializer=set_tag, initargs=("here",))
        assert TAG == "here"
    finally:
        set_tag(None)
    assert_outcome(list(range(4)), results, {2: ("memory", "MemoryError")})


def test_workers_dying_at_start_fall_back_to_in_process():
    start = time.monotonic()
    results = run_contained(pid_of, list(range(10)), workers=2, on_failure=failed,
                            initializer=die_in_child, initargs=(os.getpid(),))
    assert results == [(n, os.getpid()) for n in range(10)]
    assert time.monotonic() - start < 10


def test_two_deaths_at_start_are_survived(tmp_path):
    results = run_contained(pid_of, list(range(10)), workers=1, on_failure=failed,
                            initializer=die_first, initargs=(str(tmp_path), 2, os.getpid()))
    assert [n for n, _ in results] == list(range(10))
    assert {pid for _, pid in results} != {os.getpid()} and len({pid for _, pid in results}) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["start0", "start1", "start2"]


# --- after all of the above ---------------------------------------------------------------------
def test_the_test_process_is_unharmed(parent_at_start):
    # runs last: after every crash, kill, hang and abort above, this process still works, its
    # own limits and Ctrl+C handling are untouched (they were set in the workers only), and no
    # worker process (nor a zombie) is left behind
    children, limit, sigint = parent_at_start
    assert run_contained(square, range(5), workers=2, on_failure=failed) == [0, 1, 4, 9, 16]
    assert sum(range(1000)) == 499500
    assert resource.getrlimit(resource.RLIMIT_AS) == limit
    assert signal.getsignal(signal.SIGINT) == sigint
    assert multiprocessing.active_children() == []
    assert _children() <= children
