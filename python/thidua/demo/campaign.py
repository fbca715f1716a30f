"""A peak campaign played on the sample province: each unit fills its campaign form (the
campaign's own fields, score sheet and award), by the types the plan gives, as people would."""
from __future__ import annotations

import os
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from .. import contract as C
from ..plan.model import Period, Plan
from .edits import keeps_macros, table_cell
from .fill import FIRST_NAMES, POSITIONS


def _value(f, rng: random.Random):
    if f.type == "yes_no":
        return "Có" if rng.random() < 0.85 else "Không"
    if f.type in ("integer", "number"):
        small = (f.unit_label or "") in ("cuộc", "lần", "sáng kiến")
        return rng.randint(0, 5) if small else rng.randint(20, 400)
    if f.type == "percent":
        return round(rng.uniform(0.5, 1.0), 2)
    return None


def play_campaign(plan: Plan, period: Period, issued: list[Path], returned: Path, rng: random.Random,
                  missing_share: float = 0.05) -> list[Path]:
    """Fill the campaign's issued forms into `returned`; a few units do not report."""
    campaign = plan.for_period(period.code)
    if returned.exists():
        shutil.rmtree(returned)
    out = []
    for src in issued:
        if rng.random() < missing_share:
            continue
        unit = plan.unit(src.name.split("_")[1])
        wb = load_workbook(src, keep_vba=keeps_macros(src))
        for f in campaign.fields_for(unit.kind):
            if f.is_derived:
                continue
            v = _value(f, rng)
            if v is not None:
                table_cell(wb, C.INDICATOR_TABLE, f.code, C.ENTRY).value = v
        day = period.deadline - timedelta(days=rng.randint(0, 8))
        for code, v in (("nguoi_bao_cao", rng.choice(FIRST_NAMES)), ("chuc_vu", rng.choice(POSITIONS)),
                        ("ngay_bao_cao", datetime(day.year, day.month, day.day))):
            table_cell(wb, C.UNIT_TABLE, code, C.VALUE).value = v
        for crit in campaign.criteria_for(unit.kind):
            pts = table_cell(wb, C.SCORE_TABLE, crit.code, C.POINTS).value
            table_cell(wb, C.SCORE_TABLE, crit.code, C.SELF_SCORE).value = round(pts * rng.uniform(0.6, 1.0))
            table_cell(wb, C.SCORE_TABLE, crit.code, C.EXPLANATION).value = "Có minh chứng kèm theo báo cáo."
        for t in campaign.titles:
            if t.target_of == "collective":
                table_cell(wb, C.REGISTRATION_TABLE, t.code, C.REGISTERED).value = \
                    "Có" if rng.random() < 0.7 else "Không"
        dst = returned / src.name
        dst.parent.mkdir(parents=True, exist_ok=True)
        wb.save(dst)
        stamp = datetime(day.year, day.month, day.day, 16, 0).timestamp()
        os.utime(dst, (stamp, stamp))
        out.append(dst)
    return out


def play_peak(plan: Plan, plan_path: Path, out: Path, rng: random.Random) -> dict:
    """`make demo`: each peak campaign issued (with the register), played and consolidated apart."""
    from ..consolidate.core import run
    from ..forms.write import issue_registered
    from .. import register as R
    from ..values import format_number_vi
    done = {}
    for period in (p for p in plan.periods if p.peak):
        issued_dir = out / f"bieu_mau_{period.code}"
        if issued_dir.exists():
            shutil.rmtree(issued_dir)
        issued = issue_registered(plan, plan_path, period.code, issued_dir).forms
        returned = play_campaign(plan, period, issued, out / f"nop_ve_{period.code}", rng)
        path = out / f"tong_hop_nganh_{period.code}.xlsx"
        path.unlink(missing_ok=True)
        c = run([out / f"nop_ve_{period.code}"], plan, period.code, path,
                register=R.load_all(R.find(plan_path), plan))
        proposed = [p for p in c.proposals if p.proposed]
        award = ", ".join(dict.fromkeys(p.title_name for p in c.proposals)) or "không có"
        print(f"• {period.name} ({period.start:%d/%m} – {period.end:%d/%m/%Y}): {len(issued)} biểu mẫu riêng của đợt "
              f"({len(c.plan.fields)} trường, {len(c.plan.criteria)} tiêu chí); {len(returned)} đơn vị nộp; "
              f"khen thưởng theo đợt ({award}): đề nghị {format_number_vi(len(proposed))} tập thể; không xếp loại "
              f"năm, không cộng vào kết quả cả năm → {path}")
        done[period.code] = c
    return done
