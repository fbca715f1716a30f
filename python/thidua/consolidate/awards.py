"""Award proposals across units: who is eligible for what, who is not and why, caps applied,
counts by title and level, and the tallies in the form the reports upward use
("Bằng khen ...: 07 tập thể, 09 cá nhân").

Plain data in (per unit: members, collective registrations, rating), plain rows out; the
eligibility rules are check.awards (one engine for the form's checks and for these lists).
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..check.awards import Member, judge_unit
from ..plan.model import Plan
from ..plan.schema import AWARD_LEVELS, label_of


@dataclass(frozen=True)
class UnitEntry:
    """What the proposals need of one unit's (accepted) form."""
    unit: str
    members: tuple[Member, ...]
    collective: tuple[str, ...]     # collective title codes registered
    rating: str | None
    start: object = None            # registrations.record.Start: the registration at the start of the year
    total: float | None = None      # the unit's points (conditions on a score: a campaign's award)


@dataclass(frozen=True)
class Proposal:
    cluster: str
    unit: str
    unit_name: str
    row: int | None                 # the member's row in the unit's list (None: collective)
    person: str                     # "" for a collective title
    department: str
    title: str
    title_name: str
    target_of: str                  # individual | collective
    level: str                      # unit | industry | province | national
    eligible: bool
    proposed: bool
    reason: str                     # Vietnamese: why not, or the cap, or "đủ điều kiện"
    start: str = ""                 # what the registration at the start of the year says ("" not known)
    removed: bool = False           # registered at the start, no longer in the submission (not a proposal)


def proposals(plan: Plan, entries) -> list[Proposal]:
    """Every registration of every unit, judged, in cluster / unit / list order."""
    out: list[Proposal] = []
    for e in sorted(entries, key=lambda e: (_cluster(plan, e.unit), e.unit)):
        unit = plan.unit_by_code.get(e.unit)
        name = unit.name if unit else e.unit
        cluster = _cluster(plan, e.unit)
        start = getattr(e, "start", None)
        judged = judge_unit(plan, e.unit, list(e.members), list(e.collective), e.rating, start=start,
                            total=e.total)
        for m, v in judged.members:
            t = plan.title_by_code.get(v.title)
            out.append(Proposal(cluster, e.unit, name, m.row, m.name, m.department, v.title,
                                t.name if t else v.title, "individual", t.level if t else "",
                                v.eligible, v.proposed, v.reason_text(), m.start_text))
        for code, v in zip(e.collective, judged.collective):
            t = plan.title_by_code.get(code)
            out.append(Proposal(cluster, e.unit, name, None, "", "", code, t.name if t else code, "collective",
                                t.level if t else "", v.eligible, v.proposed, v.reason_text(),
                                judged.collective_text.get(code, "")))
        for repeat, first in judged.duplicates:
            out.append(Proposal(cluster, e.unit, name, repeat.row, repeat.name, repeat.department,
                                repeat.title or "", "", "individual", "", False, False,
                                f"trùng với dòng {first.row}: không xét lần thứ hai"))
        for ch in judged.changes:
            if ch.kind != "removed":
                continue
            t = plan.title_by_code.get(ch.title)
            when = "sau hạn" if ch.after_deadline else "trong hạn"
            out.append(Proposal(cluster, e.unit, name, None, ch.person, ch.department, ch.title,
                                t.name if t else ch.title, t.target_of if t else "", t.level if t else "",
                                False, False, f"đã đăng ký từ đầu năm nhưng không còn trong bản báo cáo ({ch.when}): "
                                              "đơn vị đã bỏ đăng ký, không xét",
                                f"Bỏ {when} ({ch.when})", removed=True))
    return out


def _cluster(plan: Plan, unit: str) -> str:
    u = plan.unit_by_code.get(unit)
    return u.cluster if u else ""


@dataclass(frozen=True)
class TitleCount:
    title: str
    title_name: str
    target_of: str
    level: str
    registered: int
    eligible: int
    over_cap: int
    proposed: int


def counts_by_title(plan: Plan, props: list[Proposal]) -> list[TitleCount]:
    rows = []
    for t in plan.titles:
        mine = [p for p in props if p.title == t.code and p.title_name and not p.removed]
        rows.append(TitleCount(t.code, t.name, t.target_of, t.level, len(mine), sum(p.eligible for p in mine),
                               sum(p.eligible and not p.proposed for p in mine), sum(p.proposed for p in mine)))
    return rows


def tally_by_level(props: list[Proposal]) -> list[tuple[str, int, int]]:
    """[(level label, collectives, individuals)] of proposals, highest level first, the way the
    seeds report awards ("12 tập thể và 61 cá nhân")."""
    c = Counter((p.level, p.target_of) for p in props if p.proposed)
    out = []
    for code in reversed(list(AWARD_LEVELS.values())):
        if c[(code, "collective")] or c[(code, "individual")]:
            out.append((label_of(AWARD_LEVELS, code), c[(code, "collective")], c[(code, "individual")]))
    return out


def tally_text(rows) -> str:
    """"Cấp Tỉnh: 03 tập thể; Cấp Cơ sở: 12 tập thể, 61 cá nhân"."""
    parts = []
    for level, collectives, individuals in rows:
        bits = [f"{n:02d} {what}" for n, what in ((collectives, "tập thể"), (individuals, "cá nhân")) if n]
        parts.append(f"Cấp {level}: {', '.join(bits)}")
    return "; ".join(parts)
