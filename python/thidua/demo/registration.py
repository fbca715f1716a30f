"""Play the start of the year on the sample province: the industry issues the registration
workbooks, the units fill and return them (most on time, some late, some never, one returned
blank, one sending a corrected copy), and the returns are consolidated into the registered lists
beside the plan (`<plan>_dang_ky.xlsx`), which the period forms and consolidations then use.

Not wired into `make demo` yet: the whole-year demo calls `play_registrations` before issuing
Đợt 1 (forms.write.issue_registered(..., registrations=registrations.load.load_registrations(path,
plan))) and passes the same to consolidate.core.run(..., registrations=...).
"""
from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from .. import contract as C
from ..plan.model import Plan
from .edits import list_row_cells, table_cell
from .fill import FIRST_NAMES, POSITIONS, registrations

LATE_SHARE, MISSING_SHARE = 0.08, 0.06


@dataclass
class YearStart:
    issued: list[Path]
    returned: Path
    workbook: Path                                     # the consolidated registrations
    planted: dict = field(default_factory=dict)        # unit code -> on_time | late | twice | blank | missing
    members: dict = field(default_factory=dict)        # unit code -> member rows typed (by header)
    collective: dict = field(default_factory=dict)     # unit code -> collective titles ticked


def play_registrations(plan: Plan, plan_path: str | Path, out: str | Path, rng: random.Random,
                       workers: int | None = None) -> YearStart:
    """Issue (register beside the plan), fill, return, consolidate; the consolidated workbook is
    written beside the plan. Deterministic for a seeded `rng`."""
    from ..registrations.book import deadline_of, issue_registered_books
    from ..registrations.collect import consolidate_books
    from ..registrations.load import registrations_path
    from ..registrations.workbook import write_registrations
    from .. import register as R
    out = Path(out)
    deadline = deadline_of(plan)
    issued = issue_registered_books(plan, plan_path, out / "ban_dang_ky").forms
    returned = out / "nop_ve_dang_ky"
    shutil.rmtree(returned, ignore_errors=True)
    returned.mkdir(parents=True)
    played = YearStart(issued, returned, registrations_path(plan_path))
    for path in issued:
        unit = plan.unit(path.name.split("_")[1])
        roll = rng.random()
        if roll < MISSING_SHARE:
            played.planted[unit.code] = "missing"
            continue
        if roll < MISSING_SHARE + 0.01:
            shutil.copy(path, returned / path.name)
            played.planted[unit.code] = "blank"
            continue
        late = roll < MISSING_SHARE + 0.01 + LATE_SHARE
        on = deadline + timedelta(days=rng.randint(3, 20)) if late else deadline - timedelta(days=rng.randint(0, 20))
        members, collective = registrations(rng, plan, unit)
        members = [{h: m[h] for h in (C.M_NAME, C.M_DEPT, C.M_TITLE)} for m in members]
        ticked = [code for code, yes in collective.items() if yes]
        _fill(path, returned / path.name, on, members, ticked, rng)
        played.planted[unit.code] = "late" if late else "on_time"
        if not late and rng.random() < 0.03:         # a corrected copy after the deadline: one more person
            extra = members + [{C.M_NAME: rng.choice(FIRST_NAMES) + " (bổ sung)", C.M_DEPT: "Khoa Nội",
                                C.M_TITLE: members[0][C.M_TITLE] if members else "Lao động tiên tiến"}]
            _fill(path, returned / path.name.replace(".xlsx", "_bo_sung.xlsx"), deadline + timedelta(days=5),
                  extra, ticked, rng)
            played.planted[unit.code] = "twice"
            members = extra
        played.members[unit.code], played.collective[unit.code] = members, ticked
    result = consolidate_books([returned], plan, register=R.load(R.register_path(plan_path), plan), workers=workers)
    write_registrations(result, played.workbook)
    return played


def _fill(src: Path, dst: Path, on: date, members: list[dict], collective: list[str], rng: random.Random) -> None:
    wb = load_workbook(src)
    for code, value in {"nguoi_bao_cao": rng.choice(FIRST_NAMES), "chuc_vu": rng.choice(POSITIONS),
                        "dien_thoai": f"09{rng.randint(10_000_000, 99_999_999)}",
                        "ngay_bao_cao": datetime(on.year, on.month, on.day)}.items():
        table_cell(wb, C.UNIT_TABLE, code, C.VALUE).value = value
    for code in collective:
        table_cell(wb, C.REGISTRATION_TABLE, code, C.REGISTERED).value = "Có"
    for i, m in enumerate(members):
        row = list_row_cells(wb, C.MEMBER_TABLE, i)
        row["STT"].value = i + 1
        for h, v in m.items():
            row[h].value = v
    wb.save(dst)
    stamp = datetime(on.year, on.month, on.day, 16, 30).timestamp()
    os.utime(dst, (stamp, stamp))
