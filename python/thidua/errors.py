"""Errors a user can act on. Each carries a Vietnamese message and a stable code.

Hosts (CLI, Excel macros) print `message` and never a traceback; code paths that meet bad
input raise one of these instead of letting a library exception escape.
"""
from __future__ import annotations

from dataclasses import dataclass


class ThiduaError(Exception):
    code = "error"

    def __init__(self, message: str, *, code: str | None = None):
        super().__init__(message)
        self.message = message
        if code:
            self.code = code

    def __str__(self) -> str:
        return self.message

    def __reduce__(self):                # keyword arguments survive pickling (worker processes)
        return (_rebuild, (type(self), self.message, dict(self.__dict__)))


def _rebuild(cls, message: str, state: dict):
    exc = cls.__new__(cls)
    Exception.__init__(exc, message)
    exc.__dict__.update(state)
    return exc


class FileProblem(ThiduaError):
    """A whole file cannot be used. Codes: not_found, lock_file, locked, encrypted, old_format,
    corrupt, not_a_form, wrong_version."""

    code = "unreadable"

    def __init__(self, message: str, *, code: str, path: str | None = None):
        super().__init__(message, code=code)
        self.path = path


@dataclass(frozen=True)
class DefinitionProblem:
    """One mistake in the plan workbook, located like pyxform does: sheet, row, column."""

    sheet: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = f"Trang '{self.sheet}'"
        if self.row is not None:
            where += f", dòng {self.row}"
        if self.column:
            where += f", cột '{self.column}'"
        return f"{where}: {self.message}"


class PlanDefinitionError(ThiduaError):
    code = "plan_definition"

    def __init__(self, problems: list[DefinitionProblem], path: str | None = None):
        self.problems = list(problems)
        head = f"Kế hoạch thi đua có {len(self.problems)} lỗi cần sửa"
        if path:
            head += f" ({path})"
        super().__init__(head + ":\n" + "\n".join(f"  - {p}" for p in self.problems))
