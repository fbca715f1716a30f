"""Read many files, each in a contained worker (read.contain), the same way for every command.

Links and special files are never opened; a worker that crashes, hangs or runs out of memory on
a file turns into a FileProblem for that file only, with the details in the crash log.
"""
from __future__ import annotations

import os
from pathlib import Path
from typing import Callable

from ..errors import FileProblem
from .contain import Failure, run_contained
from .files import FILE, Found, skipped_reason


def default_workers(n_files: int) -> int:
    """Two worker processes on this kind of machine (and never more than files)."""
    return max(1, min(2, os.cpu_count() or 1, n_files))


def failure_problem(path: Path, failure: Failure) -> FileProblem:
    """A worker's failure on one file, said for the user; the technical detail goes to the log."""
    from ..crashlog import record
    name = Path(path).name
    log = record(f"{path}: {failure.kind}\n{failure.detail}")
    where = f" Chi tiết kỹ thuật ghi ở {log}." if log else ""
    if failure.kind == "timeout":
        from . import contain
        return FileProblem(f"'{name}' đọc quá {contain.FILE_TIMEOUT_SECONDS:.0f} giây chưa xong nên đã dừng (tệp có cấu trúc "
                           "bất thường). Hãy mở tệp trong Excel, lưu lại rồi gửi lại." + where,
                           code="reader_timeout", path=str(path))
    if failure.kind == "memory":
        return FileProblem(f"'{name}' cần quá nhiều bộ nhớ để đọc nên đã dừng. Hãy xóa phần thừa (ảnh, trang, dòng "
                           "trống đã định dạng) rồi lưu và gửi lại." + where, code="over_limit", path=str(path))
    if failure.kind == "crashed":
        return FileProblem(f"'{name}' làm bộ đọc tệp dừng đột ngột (tệp có cấu trúc bất thường) nên không đọc được; "
                           "các tệp khác vẫn được đọc. Hãy mở tệp trong Excel, lưu lại rồi gửi lại." + where,
                           code="reader_crashed", path=str(path))
    return FileProblem(f"Chương trình gặp sự cố khi đọc '{name}'.{where or ' '} Hãy gửi tệp này cho bộ phận hỗ trợ.",
                       code="internal_error", path=str(path))


def run_files(func: Callable, found: list[Found], *, failed: Callable[[Path, FileProblem], object],
              workers: int | None = None, initializer: Callable | None = None, initargs: tuple = (),
              progress: Callable[[int, int], None] | None = None) -> list:
    """[func(str(path)) or failed(path, problem)] for each found entry, in order. `progress(done,
    total)` counts entries (links and special files are done at once)."""
    out: list = [None] * len(found)
    todo = []
    for i, f in enumerate(found):
        if f.kind == FILE:
            todo.append(i)
        else:
            out[i] = failed(f.path, FileProblem(skipped_reason(f), code="not_regular_file", path=str(f.path)))
    n = default_workers(len(todo)) if workers is None else workers
    skipped, total = len(found) - len(todo), len(found)
    if progress is not None and skipped:
        progress(skipped, total)
    results = run_contained(func, [str(found[i].path) for i in todo], workers=n,
                            on_failure=lambda item, failure: failed(Path(item), failure_problem(Path(item), failure)),
                            initializer=initializer, initargs=initargs,
                            progress=None if progress is None else lambda done, _: progress(skipped + done, total))
    for i, r in zip(todo, results):
        out[i] = r
    return out


# --- `thidua read` --------------------------------------------------------------------------------
_PLAN = None


def _set_plan(plan) -> None:
    global _PLAN
    _PLAN = plan


def summary(path: str) -> dict:
    """One file as `thidua read` prints it (plain data: it crosses a pipe)."""
    from .form import read_form
    try:
        form = read_form(path, _PLAN)
    except FileProblem as exc:
        return problem_summary(Path(path), exc)
    return {"file": path, "status": "ok", "unit": form.unit_code, "period": form.period_code,
            "values": {c: _jsonable(e.value) for c, e in form.values.items()},
            "problems": [p.message for p in form.problems]}


def problem_summary(path: Path, exc: FileProblem) -> dict:
    return {"file": str(path), "status": exc.code, "message": exc.message, "problems": []}


def read_summaries(found: list[Found], plan=None, progress=None) -> list[dict]:
    return run_files(summary, found, failed=problem_summary, initializer=_set_plan, initargs=(plan,),
                     progress=progress)


def _jsonable(v):
    return v.isoformat() if hasattr(v, "isoformat") else v
