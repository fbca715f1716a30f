"""Score a unit by the plan's score sheet and rate it by the plan's thresholds and floors.

Points computed from data use the values recomputed from the raw entries (never the form's
own formula cells); an upper-level score (from the upper level's record, never from the unit's
form) overrides; the rating says why.
Share caps on ratings apply across units, at consolidation, not here.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..forms.layout import NOTHING, expected_formula_values, layout_for
from ..plan.model import Criterion, Plan, Unit
from ..plan.semantics import MET_VERDICTS, target_verdict
from ..values import format_number_vi, format_percent_vi, round_half_up

_EPS = 1e-9
NO_RATING = "Không xếp loại"        # a plan without ratings: a peak campaign scores, it does not rate


def pts(x) -> str:
    return format_number_vi(x, 2)


@dataclass(frozen=True)
class CriterionScore:
    code: str
    group: str
    label: str
    points: float               # điểm chuẩn (the maximum)
    method: str                 # self | all_or_nothing | proportional
    computed: float | None      # from data (None for self-scored criteria)
    self_score: float | None
    upper_score: float | None
    final: float
    basis: str                  # Vietnamese: how `final` was reached


@dataclass(frozen=True)
class GroupScore:
    code: str
    name: str
    max_points: float
    score: float
    floor: float | None         # fraction of max_points

    @property
    def meets_floor(self) -> bool:
        return self.floor is None or self.score >= self.floor * self.max_points - _EPS

    @property
    def share(self) -> float:
        return self.score / self.max_points if self.max_points else 0.0


@dataclass(frozen=True)
class ScoreResult:
    unit_code: str
    kind: str
    criteria: tuple[CriterionScore, ...]
    groups: tuple[GroupScore, ...]
    total: float
    max_total: float
    rating: str | None          # None: not rated (not eligible)
    rating_name: str
    reason: str
    eligible: bool = True
    self_total: float | None = None
    notes: tuple[str, ...] = field(default_factory=tuple)


def _num(x) -> float | None:
    return float(x) if isinstance(x, (int, float)) and not isinstance(x, bool) else None


def criterion_points(plan: Plan, crit: Criterion, derived: dict) -> tuple[float | None, str]:
    """Points a criterion earns from data, and why. (None, ...) for self-scored criteria."""
    if crit.method == "self":
        return None, "tự chấm"
    t = plan.target_by_code.get(crit.target or "")
    if t is None:                       # a validated plan never gets here; still never raise
        return 0.0, f"tiêu chí {crit.code} không gắn với chỉ tiêu nào của kế hoạch: 0 điểm"
    info = derived.get(t.field, NOTHING)
    value, verdict = info.value, info.verdict
    if verdict is None and value is not None:
        verdict = target_verdict(t.comparator, value, t.value, t.stretch)
    if crit.method == "all_or_nothing":
        if verdict in MET_VERDICTS:
            return crit.points, f"đạt chỉ tiêu {t.code}: {pts(crit.points)} điểm"
        return 0.0, f"chưa đạt chỉ tiêu {t.code}" if value is not None else f"chưa có số liệu cho {t.field}"
    # proportional: points × achievement (value / minimum), capped at the standard points
    v, minimum = _num(value), _num(t.value)
    if v is None:
        return 0.0, f"chưa có số liệu cho {t.field}"
    if minimum is None or minimum <= 0:  # refused by plan validation; never divide by it anyway
        return 0.0, f"chỉ tiêu {t.code} không có giá trị lớn hơn 0 nên không chấm theo tỷ lệ được: 0 điểm"
    ratio = max(0.0, min(1.0, v / minimum))
    shown = format_percent_vi(v / minimum, 1)
    return round_half_up(crit.points * ratio, 2), f"đạt {shown} chỉ tiêu {t.code} → {pts(crit.points * ratio)}/{pts(crit.points)} điểm"


def score_values(plan: Plan, kind: str, entered: dict[str, object], self_scores: dict[str, object],
                 upper_scores: dict[str, object], unit: Unit | None = None, unit_code: str = "",
                 derived: dict | None = None) -> ScoreResult:
    """The core: plain values in, a ScoreResult out (used by files, live books and UDFs).
    `derived`: expected_formula_values of these entries, when the caller has them already."""
    if derived is None:
        derived = expected_formula_values(layout_for(plan, kind), entered)
    scores: list[CriterionScore] = []
    for crit in plan.criteria_for(kind):
        computed, basis = criterion_points(plan, crit, derived)
        own, upper = _num(self_scores.get(crit.code)), _num(upper_scores.get(crit.code))
        if upper is not None:
            final = max(0.0, min(crit.points, upper))
            basis = f"theo điểm cấp trên chấm ({pts(final)})"
        elif computed is not None:
            final = computed
        else:
            final = max(0.0, min(crit.points, own or 0.0))
            basis = "tự chấm" if own is not None else "chưa tự chấm: 0 điểm"
            if own is not None and own > crit.points:
                basis = f"tự chấm {pts(own)} vượt điểm chuẩn, tính {pts(crit.points)}"
        scores.append(CriterionScore(crit.code, crit.group, crit.label, crit.points, crit.method, computed,
                                     own, upper, final, basis))
    groups = []
    for g in plan.groups_for(kind):
        total = round_half_up(sum(s.final for s in scores if s.group == g.code), 2)
        groups.append(GroupScore(g.code, g.name, g.max_points, total, g.floor))
    total = round_half_up(sum(g.score for g in groups), 2)
    max_total = sum(g.max_points for g in groups)
    self_total = round_half_up(sum(s.self_score or 0 for s in scores), 2) if any(s.self_score is not None for s in scores) else None
    eligible, why_not = eligibility(plan, unit)
    if not eligible:
        return ScoreResult(unit_code or (unit.code if unit else ""), kind, tuple(scores), tuple(groups), total,
                           max_total, None, "Chưa xếp loại", why_not, False, self_total)
    code, name, reason = rate(plan, total, groups)
    return ScoreResult(unit_code or (unit.code if unit else ""), kind, tuple(scores), tuple(groups), total,
                       max_total, code, name, reason, True, self_total)


def rate(plan: Plan, total: float, groups) -> tuple[str, str, str]:
    """The best rating whose threshold and floor rule the unit meets, with the reason spelled out.
    A plan without ratings (a peak campaign's) scores without rating."""
    if not plan.ratings:
        return None, NO_RATING, (f"đạt {pts(total)} điểm; đợt cao điểm chấm điểm để khen thưởng theo đợt, "
                                        "không xếp loại năm")
    below = [g for g in groups if not g.meets_floor]
    blocked = []
    for r in plan.ratings_best_first():
        if total < r.min_score - _EPS:
            continue
        if r.needs_floor and below:
            blocked.append(r)
            continue
        if blocked:
            b = blocked[0]
            groups_text = ", ".join(f"nhóm {g.code} đạt {pts(g.score)}/{pts(g.max_points)} điểm, dưới mức sàn "
                                    f"{format_percent_vi(g.floor, 0)}" for g in below)
            reason = (f"đủ {pts(total)} điểm (ngưỡng {b.code} từ {pts(b.min_score)}) nhưng {groups_text} "
                      f"nên xếp {r.code}")
        else:
            reason = f"đạt {pts(total)} điểm (ngưỡng {r.code} từ {pts(r.min_score)} điểm) nên xếp {r.code}"
        return r.code, r.name, reason
    worst = plan.ratings_best_first()[-1]
    return worst.code, worst.name, f"đạt {pts(total)} điểm nên xếp {worst.code}"


def eligibility(plan: Plan, unit: Unit | None) -> tuple[bool, str]:
    """A unit is rated only after the plan's minimum months of operation, counted to year end."""
    if unit is None or unit.active_since is None:
        return True, ""
    need = plan.info.min_months_after_merger if unit.merged else plan.info.min_months_active
    if not need:
        return True, ""
    start = unit.active_since
    years, month0 = divmod(start.month - 1 + need, 12)
    reached = (start.year + years, month0 + 1, min(start.day, 28))   # the day `need` months are done
    if reached <= (plan.info.year + 1, 1, 1):           # as tuples: no date past year 9999 to overflow
        return True, ""
    after = " sau sáp nhập" if unit.merged else ""
    return False, (f"hoạt động từ {start:%d/%m/%Y}, đến 31/12/{plan.info.year} chưa đủ {need} tháng{after} "
                   "nên chưa xếp loại")


def score_form(form, plan: Plan) -> ScoreResult:
    """Score a read form (FormData): entries recomputed with the plan, self-scores from the score
    table. The form's "Cấp trên chấm" column is never used: a unit does not score for the upper
    level (check.engine flags a value found there); upper scores come from the upper level's own
    record, through score_values."""
    plan = plan.for_period(form.period_code)
    unit = plan.unit_by_code.get(form.unit_code)
    kind = plan.kind_of(form.unit_code, form.unit_kind)
    self_scores = {c: s.self_score.value for c, s in form.scores.items() if s.self_score.parsed.ok}
    return score_values(plan, kind, form.entered(), self_scores, {}, unit, form.unit_code)
