"""`make demo`: last year's result, made the way it was made then — last year's plan (the same
sample rules, its own plan number and dates), the year-closing period's forms filled by the
sample province, consolidated — so this year can be compared with it and the phase's progress
counted from it."""
from __future__ import annotations

import random
import shutil
from dataclasses import replace
from pathlib import Path

from ..consolidate.core import consolidate
from ..consolidate.workbook import write_consolidation
from ..forms.write import issue_forms
from ..plan.model import Plan
from .fill import play_province


def last_year_plan(plan: Plan) -> Plan:
    """This year's plan moved one year back: its own number, year and period dates."""
    year = plan.info.year - 1
    info = replace(plan.info, plan_id=plan.info.plan_id.replace(str(plan.info.year), str(year)), year=year,
                   title=plan.info.title.replace(str(plan.info.year), str(year)))
    back = lambda d: d.replace(year=d.year - 1) if d else d  # noqa: E731
    periods = tuple(replace(p, start=back(p.start), end=back(p.end), deadline=back(p.deadline)) for p in plan.periods)
    units = tuple(u for u in plan.units if u.active_since is None or u.active_since.year <= year)
    return replace(plan, info=info, periods=periods, units=units)


def play_last_year(plan: Plan, out: Path, rng: random.Random) -> Path:
    """Last year's industry workbook (its closing period), made from scratch under `out`."""
    old = last_year_plan(plan)
    period = old.regular_periods[-1]
    root = out / f"nam_{old.info.year}"
    if root.exists():
        shutil.rmtree(root)
    issued = issue_forms(old, period.code, root / "bieu_mau")
    play_province(old, period, issued, root / "nop_ve", rng)
    path = root / f"tong_hop_nganh_{period.code}_{old.info.year}.xlsx"
    write_consolidation(consolidate([root / "nop_ve"], old, period.code), path)
    print(f"• Năm trước ({old.info.year}, kế hoạch {old.info.plan_id}): {len(issued)} biểu mẫu {period.name} được "
          f"điền và tổng hợp → {path} (để so sánh và tính tiến độ giai đoạn)")
    return path
