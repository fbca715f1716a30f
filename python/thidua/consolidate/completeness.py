"""Reporting completeness, as DHIS2 reports it: expected units from the plan, received, on time.

reporting rate = units that reported / units expected to report
on-time rate   = units that reported by the plan's deadline / units expected to report
A report is on time when its "ngày báo cáo" is not after the period's deadline; a report with no
readable report date is judged by its file's modification time, and says so.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from ..plan.model import Period, Plan, Unit
from .records import UnitResult

LATENESS_RULE = ("Nộp đúng hạn: ngày báo cáo ghi trên biểu mẫu không sau hạn nộp của đợt; biểu mẫu không ghi "
                 "ngày báo cáo hợp lệ, hoặc ghi ngày không thể đúng (trước năm kế hoạch, sau hôm nay, trước khi đợt "
                 "kết thúc), thì xét theo thời gian sửa tệp. Tỷ lệ báo cáo = số CĐCS đã nộp / số CĐCS "
                 "phải báo cáo; tỷ lệ đúng hạn = số CĐCS nộp đúng hạn / số CĐCS phải báo cáo.")


def timing(result: UnitResult, period: Period) -> None:
    """Set result.on_time / timing_basis / timing_date."""
    day = result.ev.report_date
    basis = "ngày báo cáo"
    if day is None or result.ev.report_date_problem:
        basis = (f"thời gian sửa tệp ({result.ev.report_date_problem})" if day is not None else
                 "thời gian sửa tệp (biểu mẫu không có ngày báo cáo hợp lệ)")
        try:
            day = datetime.strptime(result.record.mtime[:10], "%Y-%m-%d").date()
        except ValueError:
            day = None
            basis = "không xác định (không có ngày báo cáo, không rõ thời gian sửa tệp)"
    result.timing_date, result.timing_basis = day, basis
    result.on_time = day is not None and day <= period.deadline


@dataclass
class ClusterCompleteness:
    code: str
    name: str
    expected: list[Unit]
    received: list[UnitResult]
    late: list[UnitResult] = field(default_factory=list)
    missing: list[Unit] = field(default_factory=list)

    @property
    def n_expected(self) -> int:
        return len(self.expected)

    @property
    def n_received(self) -> int:
        return len(self.received)

    @property
    def n_on_time(self) -> int:
        return self.n_received - len(self.late)

    @property
    def reporting_rate(self) -> float | None:
        return self.n_received / self.n_expected if self.expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.n_on_time / self.n_expected if self.expected else None


def completeness(plan: Plan, period: Period, expected: list[Unit], results: dict[str, UnitResult],
                 clusters: list[str]) -> list[ClusterCompleteness]:
    """One row per cluster in scope, in the plan's cluster order."""
    out = []
    for code in clusters:
        cl = plan.cluster_by_code.get(code)
        units = [u for u in expected if u.cluster == code]
        got = [results[u.code] for u in units if u.code in results]
        out.append(ClusterCompleteness(code, cl.name if cl else code, units, got,
                                       late=[r for r in got if not r.on_time],
                                       missing=[u for u in units if u.code not in results]))
    return out


def days_late(result: UnitResult, period: Period) -> int | None:
    d: date | None = result.timing_date
    return (d - period.deadline).days if d is not None else None
