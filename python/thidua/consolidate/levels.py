"""What the upper levels' record does to one consolidation: which record counts (own level as
entered, a lower level only as sealed), the marks applied to the units' points, the review
states, the clusters the industry returned, the award proposals held back.
"""
from __future__ import annotations

from dataclasses import replace

from .review import (CLUSTER, INDUSTRY, LEVEL_LABELS, NEEDS_MORE, Override, Review, clamp)


def own_level(scope) -> str:
    return INDUSTRY if scope.industry else CLUSTER


def gather(outcomes, scope, earlier=None) -> Review:
    """The record of every consolidation workbook among the inputs (and the run's own earlier
    output): this run's level as entered in its own earlier workbook(s), a lower level's only as
    it was sealed."""
    review = Review()
    mine = own_level(scope)
    for o in [*outcomes, *([earlier] if earlier is not None else [])]:
        rec = o.record
        if not rec or (o is not earlier and o.entry.status != "included"):
            continue
        if o.meta.get("period_code") != scope.period.code:    # a period's record is not the year's
            continue
        level, clusters = rec["level"], tuple(rec["clusters"])
        own = level == mine and (level == INDUSTRY or set(clusters) == set(scope.clusters))
        if own:
            review.level(level).update(rec["entered"])
        elif level == CLUSTER:                          # a cluster's record, read by the industry or a peer
            review.cluster.update(rec["sealed"])
        # an industry workbook's record is never taken by a cluster: the industry decides at its level
    wanted = set(scope.clusters)
    for level in (CLUSTER, INDUSTRY):
        r = review.level(level)
        r.marks = {k: m for k, m in r.marks.items() if scope.plan.unit_by_code[k[0]].cluster in wanted}
        r.units = {k: u for k, u in r.units.items() if scope.plan.unit_by_code[k].cluster in wanted}
        r.meetings = {k: m for k, m in r.meetings.items() if k in wanted}
    return review


def apply_marks(results: dict, review: Review, plan, period, today) -> list[Override]:
    """Re-evaluate every unit an upper level scored; list each mark with what it replaced."""
    from .collect import evaluate
    overrides: list[Override] = []
    for code, r in results.items():
        marks = review.upper_scores(code)
        if not marks:
            continue
        before = {c[0]: c[4] for c in r.ev.criteria}
        self_of = {c[0]: c[2] for c in r.ev.criteria}
        crits = {c.code: c for c in plan.criteria_for(r.ev.kind)}
        r.ev = evaluate(r.record, plan, period, today, upper={c: m.score for c, (_, m) in marks.items() if c in crits})
        unit = plan.unit_by_code[code]
        for level in (CLUSTER, INDUSTRY):
            for (u, crit_code), m in review.level(level).marks.items():
                if u != code or m.score is None or crit_code not in crits:
                    continue
                crit = crits[crit_code]
                was = before.get(crit_code, 0.0)
                if level == INDUSTRY:
                    lower = review.cluster.marks.get((code, crit_code))
                    if lower is not None and lower.score is not None:
                        was = clamp(lower.score, crit.points)
                who = review.unit_review(code, level).who
                overrides.append(Override(code, unit.name, unit.cluster, crit_code, crit.label, crit.points,
                                          self_of.get(crit_code), was, clamp(m.score, crit.points), m.note, level, who))
    order = {u.code: i for i, u in enumerate(plan.units)}
    crit_order = {c.code: i for i, c in enumerate(plan.criteria)}
    overrides.sort(key=lambda o: (order.get(o.unit, 0), crit_order.get(o.criterion, 0), o.level != CLUSTER))
    return overrides


def set_states(results: dict, review: Review) -> None:
    for code, r in results.items():
        r.state, r.state_level = review.state(code)


def returned_text(r) -> str:
    who = LEVEL_LABELS.get(r.state_level, "").lower()
    return f"{who} yêu cầu bổ sung" if who else "cần bổ sung"


def hold_back(proposals: list, results: dict, review: Review) -> list:
    """Proposals of units sent back, or of clusters the industry returned, are not proposed yet."""
    out = []
    for p in proposals:
        r = results.get(p.unit)
        why = ""
        if r is not None and r.state == NEEDS_MORE:
            why = f"chưa đề nghị: đơn vị đang được {returned_text(r)}"
        elif review.approval(p.cluster).approval == NEEDS_MORE:
            why = "chưa đề nghị: cấp ngành trả lại kết quả của cụm"
        if why and p.proposed:
            p = replace(p, proposed=False, reason=f"{why} ({p.reason})" if p.reason else why)
        out.append(p)
    return out
