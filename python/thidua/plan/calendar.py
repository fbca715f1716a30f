"""When a report date can be true: within the plan's year window, not in the future, and — for a
period report — not before the period it reports on has ended.

A date outside that window is almost always a typo (2062 for 2026, last year's form re-used);
it is reported where it was typed, and the consolidation never lets it alone decide whether a
report was on time or which of two copies wins.
"""
from __future__ import annotations

from datetime import date, timedelta

from .model import Period, Plan

# Clocks and time zones differ, and a report is sometimes dated the day it will be sent: a few
# days ahead of the machine's today are still plausible.
FUTURE_MARGIN_DAYS = 3


def report_date_problem(day: date | None, plan: Plan, period: Period | None, today: date | None = None) -> str | None:
    """None when `day` is a plausible report date; otherwise why not, in Vietnamese."""
    if day is None:
        return None
    today = today or date.today()
    if day < date(plan.info.year, 1, 1):
        return f"ngày báo cáo {day:%d/%m/%Y} trước năm {plan.info.year} của kế hoạch"
    if day > today + timedelta(days=FUTURE_MARGIN_DAYS):
        return f"ngày báo cáo {day:%d/%m/%Y} sau ngày hôm nay ({today:%d/%m/%Y})"
    if period is not None and day < period.end:
        return (f"ngày báo cáo {day:%d/%m/%Y} trước khi {period.name} kết thúc ({period.end:%d/%m/%Y}), "
                "nên chưa thể là ngày báo cáo của đợt này")
    return None
