"""The year made of its periods ("cả năm"): every regular period's accepted report of a unit,
combined field by field by the plan's rule (fields' "Cả năm" column: latest, sum, any, all,
max), then scored, rated, capped, ranked and proposed like any consolidation. Peak campaigns
stand apart. Only this result is final; a period's own consolidation is provisional.

The combined record keeps, per field, which periods it came from; a unit that did not report in
a period is visible as such (`Coverage`). The inputs stay lossless: the year's workbook carries
every period's raw record, so a roll-up recombines them the same way.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace

from ..plan.model import Plan
from ..values import parse_value
from .records import UnitRecord

RULE_LABELS = {"latest": "lấy đợt cuối có số liệu", "sum": "cộng các đợt", "any": "Có nếu có ở một đợt",
               "all": "Có nếu có ở mọi đợt", "max": "lớn nhất các đợt"}


@dataclass
class Coverage:
    """Which regular periods a unit reported in, and what the year's figures rest on."""
    unit: str
    reported: dict[str, UnitRecord] = field(default_factory=dict)    # period code -> accepted report
    missing: list[str] = field(default_factory=list)                 # period codes without a report
    sources: dict[str, str] = field(default_factory=dict)            # field code -> periods used ("dot-1+dot-2")

    @property
    def complete(self) -> bool:
        return not self.missing


def accepts(plan: Plan, period_code: str) -> bool:
    """Whether a report of this period goes into the year."""
    return any(p.code == period_code for p in plan.regular_periods)


def combine(plan: Plan, unit: str, by_period: dict[str, UnitRecord]) -> tuple[UnitRecord, Coverage]:
    """One unit's year from its period reports (at least one)."""
    periods = [p.code for p in plan.regular_periods if p.code in by_period]
    cov = Coverage(unit, {p: by_period[p] for p in periods},
                   [p.code for p in plan.regular_periods if p.code not in by_period])
    latest = by_period[periods[-1]]
    values: dict[str, object] = {}
    for f in plan.fields:
        if f.is_derived:
            continue
        present = []
        for p in periods:
            raw = by_period[p].values.get(f.code)
            parsed = parse_value(raw, f.type) if raw is not None else None
            if parsed is not None and parsed.ok and parsed.value is not None:
                present.append((p, raw, parsed.value))
        if not present:
            continue
        rule = f.year_rule
        if rule == "sum":
            value, used = sum(v for _, _, v in present), [p for p, _, _ in present]
        elif rule == "max":
            p, raw, value = max(present, key=lambda x: x[2])
            used = [p]
        elif rule == "any":
            value, used = any(v is True for _, _, v in present), [p for p, _, _ in present]
        elif rule == "all":
            # every period of the year says yes: a period not reported cannot
            value = all(v is True for _, _, v in present) and len(present) == len(plan.regular_periods)
            used = [p for p, _, _ in present]
        else:                                    # latest: the last period that gave a value
            p, raw, value = present[-1]
            used = [p]
            value = raw                          # as typed: parsed again like any raw input
        values[f.code] = value
        cov.sources[f.code] = "+".join(used)
    flags = tuple(dict.fromkeys(x for p in periods for x in by_period[p].flags))
    year = replace(latest, period=plan.year_period.code, values=values, flags=flags,
                   file="; ".join(by_period[p].file for p in periods),
                   via="; ".join(dict.fromkeys(by_period[p].via for p in periods if by_period[p].via)),
                   errors=sum(by_period[p].errors for p in periods),
                   warnings=sum(by_period[p].warnings for p in periods),
                   findings=tuple(x for p in periods for x in by_period[p].findings))
    return year, cov


def basis_text(plan: Plan, cov: Coverage) -> str:
    """What a unit's year rests on, for people: the periods reported, the ones missing."""
    names = {p.code: p.name for p in plan.regular_periods}
    done = ", ".join(names[p] for p in cov.reported)
    text = f"Theo báo cáo {done}"
    if cov.missing:
        text += "; chưa nộp " + ", ".join(names[p] for p in cov.missing) + " (số cả năm chỉ gồm các đợt đã nộp)"
    return text + "."
