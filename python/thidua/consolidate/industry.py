"""Industry-level targets (tblTargets, Cấp = Ngành), each by its `measure`, for the units its
`applies_to` covers; rating distributions; target attainment by cluster.

Who counts (stated in the output):
- share_met: CĐCS meeting the unit-level target `ref` / CĐCS of that kind expected to report
  (a unit that has not reported, or left the cell blank, has not met it);
- share_rating_at_least: CĐCS rated `ref` or better / CĐCS of that kind expected to report and
  eligible for a rating (plan's minimum months of operation);
- count_rating: CĐCS rated exactly `ref` (after share caps);
- sum: total of field `ref` over the CĐCS of that kind that reported;
- count_new_units: CĐCS of that kind in the plan's unit list whose "hoạt động từ" falls between
  1 January of the plan year and the end of the period;
- manual: judged by people ("đánh giá thủ công");
Targets whose scope is a multi-year stage ("Giai đoạn 2021–2030") show this year's figure as a
contribution ("lũy kế giai đoạn") and are not judged on one year; consolidate.programme adds the
earlier years and judges the pace over the stage.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..plan.model import KIND_LABELS, Period, Plan, Target, Unit, applies
from ..plan.schema import MEASURES, label_of
from ..plan.semantics import MET_VERDICTS, describe_target, target_verdict
from ..score.engine import eligibility
from ..values import format_number_vi, format_percent_vi
from .records import UnitResult

MANUAL = "Đánh giá thủ công"
STAGE = "Lũy kế giai đoạn"
NO_UNITS = "Không có CĐCS thuộc diện"
SHARE_MEASURES = ("share_met", "share_rating_at_least")
CLUSTER_MEASURES = ("share_met", "share_rating_at_least", "count_rating")
APPLIES_LABELS = {"all": "Tất cả", **KIND_LABELS}
DENOMINATOR_RULE = ("Chỉ tiêu tỷ lệ tính trên số CĐCS thuộc diện phải báo cáo (CĐCS chưa nộp hoặc để trống số liệu "
                    "tính là chưa đạt); tỷ lệ xếp loại tính trên số CĐCS phải báo cáo và đủ điều kiện xếp loại; "
                    "chỉ tiêu tổng cộng tính trên các CĐCS đã nộp; chỉ tiêu giai đoạn nhiều năm ghi số của năm nay "
                    "(lũy kế giai đoạn), không đánh giá theo năm; tiến độ cả giai đoạn, cộng các năm trước, ở trang "
                    "'Tiến độ giai đoạn'.")


@dataclass
class TargetResult:
    target: Target
    numerator: float | None = None
    denominator: int | None = None
    actual: float | None = None      # share (fraction), count or sum
    verdict: str = ""
    text: str = ""                   # the whole line, Vietnamese number style
    note: str = ""
    units: list[str] = field(default_factory=list)   # count_new_units: which units

    @property
    def measure_label(self) -> str:
        m = self.target.measure
        return label_of(MEASURES, m) if m in MEASURES.values() else (m or "")

    @property
    def target_text(self) -> str:
        t = self.target
        if t.measure == "manual" or t.value is None:
            return t.label if t.comparator == "yes" else ""
        return describe_target(t.comparator, t.value, t.stretch, t.unit_label)

    @property
    def is_share(self) -> bool:
        return self.target.measure in SHARE_MEASURES

    @property
    def met(self) -> bool:
        return self.verdict in MET_VERDICTS


def _num(v) -> float | None:
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _count(x, unit_label: str | None) -> str:
    text = format_number_vi(x, 0 if float(x).is_integer() else 2)
    return f"{text} {unit_label}" if unit_label and unit_label != "%" else text


def evaluate_target(plan: Plan, period: Period, t: Target, expected: list[Unit],
                    results: dict[str, UnitResult]) -> TargetResult:
    """One industry target over the expected units given (the whole scope, or one cluster)."""
    out = TargetResult(t)
    if t.measure == "manual":
        out.verdict = MANUAL
        out.text = f"{t.label} — {MANUAL.lower()}."
        return out
    pop = [u for u in expected if applies(t.applies_to, u.kind)]
    reported = [u for u in pop if u.code in results]
    missing = len(pop) - len(reported)
    kind_text = "" if t.applies_to == "all" else f" {KIND_LABELS[t.applies_to].lower()}"
    if t.measure == "share_met":
        ref = plan.target_by_code[t.ref]
        met = [u for u in reported if results[u.code].ev.verdicts.get(ref.code) in MET_VERDICTS]
        out.numerator, out.denominator = len(met), len(pop)
        if missing:
            out.note = f"{missing} CĐCS chưa nộp tính là chưa đạt"
    elif t.measure == "share_rating_at_least":
        best = plan.rating_by_code[t.ref]
        ranks = {r.code: r.rank for r in plan.ratings}
        pop = [u for u in pop if eligibility(plan, u)[0]]
        reported = [u for u in pop if u.code in results]
        missing = len(pop) - len(reported)
        good = [u for u in reported if results[u.code].rating and ranks[results[u.code].rating] <= best.rank]
        out.numerator, out.denominator = len(good), len(pop)
        if missing:
            out.note = f"{missing} CĐCS chưa nộp tính là chưa đạt"
    elif t.measure == "count_rating":
        out.numerator = len([u for u in reported if results[u.code].rating == t.ref])
        out.denominator = len(pop)
        out.actual = out.numerator
        if missing:
            out.note = f"chưa tính {missing} CĐCS chưa nộp"
    elif t.measure == "sum":
        vals = [_num(results[u.code].ev.values.get(t.ref)) for u in reported]
        present = [v for v in vals if v is not None]
        out.actual = out.numerator = round(sum(present), 9) if present else 0
        out.denominator = len(pop)
        notes = []
        if missing:
            notes.append(f"{missing} CĐCS chưa nộp")
        if len(present) < len(reported):
            notes.append(f"{len(reported) - len(present)} CĐCS không có số liệu hợp lệ")
        out.note = "; ".join(notes)
    elif t.measure == "count_new_units":
        start = date(plan.info.year, 1, 1)
        new = [u for u in pop if u.active_since is not None and start <= u.active_since <= period.end]
        out.units = [u.code for u in new]
        out.actual = out.numerator = len(new)
        out.note = "theo danh sách đơn vị của kế hoạch" + (f": {', '.join(out.units)}" if new else "")
    else:
        out.verdict = MANUAL
        out.text = f"{t.label} — cách tổng hợp '{t.measure}' chưa được hỗ trợ, {MANUAL.lower()}."
        return out

    if t.measure in SHARE_MEASURES:
        out.actual = out.numerator / out.denominator if out.denominator else None
    elif t.measure != "count_new_units" and not pop:
        out.actual = None                # nobody of that kind here: nothing to judge
    if out.actual is None:
        figure = f"không có CĐCS{kind_text} thuộc diện"
    elif t.measure in SHARE_MEASURES:
        counted = "thuộc diện xếp loại" if t.measure == "share_rating_at_least" else "phải báo cáo"
        figure = (f"{format_number_vi(out.numerator)}/{format_number_vi(out.denominator)} CĐCS{kind_text} {counted} = "
                  f"{format_percent_vi(out.actual, 1)}")
    else:
        figure = _count(out.actual, t.unit_label)

    if not t.yearly and out.actual is not None:
        out.verdict = STAGE
        upto = f"năm {plan.info.year} đến hết {period.name}"
        out.text = (f"{t.label}: {upto}: {figure} — chỉ tiêu {out.target_text} ({t.scope.lower()}) — "
                    f"lũy kế giai đoạn, không đánh giá theo năm")
        if t.phase and t.measure in ("sum", "count_new_units"):      # consolidate.programme follows it
            out.text += "; tiến độ cả giai đoạn ở trang 'Tiến độ giai đoạn'"
    elif out.actual is None:
        out.verdict = NO_UNITS
        out.text = f"{t.label}: {figure}."
    else:
        out.verdict = target_verdict(t.comparator, out.actual, t.value, t.stretch) or ""
        out.text = f"{t.label}: {figure} — chỉ tiêu {out.target_text} — {out.verdict.lower()}"
    if out.note and out.verdict != NO_UNITS:
        out.text += f" ({out.note})"
    if not out.text.endswith("."):
        out.text += "."
    return out


def industry_targets(plan: Plan, period: Period, expected: list[Unit],
                     results: dict[str, UnitResult]) -> list[TargetResult]:
    return [evaluate_target(plan, period, t, expected, results) for t in plan.industry_targets()]


# --- rating distribution ------------------------------------------------------------------------
NOT_RATED, NOT_REPORTED = "Chưa xếp loại", "Chưa nộp"


@dataclass
class Distribution:
    label: str                       # a kind, a cluster, or the whole scope
    counts: dict[str, int]           # rating code -> units (after caps)
    not_rated: int
    not_reported: int
    expected: int

    @property
    def rated(self) -> int:
        return sum(self.counts.values())


def distribution(plan: Plan, label: str, units: list[Unit], results: dict[str, UnitResult]) -> Distribution:
    counts = {r.code: 0 for r in plan.ratings_best_first()}
    not_rated = not_reported = 0
    for u in units:
        r = results.get(u.code)
        if r is None:
            not_reported += 1
        elif r.rating is None:
            not_rated += 1
        else:
            counts[r.rating] = counts.get(r.rating, 0) + 1
    return Distribution(label, counts, not_rated, not_reported, len(units))


def by_kind(plan: Plan, expected: list[Unit], results: dict[str, UnitResult]) -> list[Distribution]:
    kinds = [k for k in KIND_LABELS if any(u.kind == k for u in expected)]
    rows = [distribution(plan, KIND_LABELS[k], [u for u in expected if u.kind == k], results) for k in kinds]
    rows.append(distribution(plan, "Tổng cộng", expected, results))
    return rows


@dataclass
class ClusterAttainment:
    cluster: str
    name: str
    results: list[TargetResult]      # the cluster's own figure for each target that applies there

    @property
    def applicable(self) -> int:
        return len([r for r in self.results if r.verdict not in (NO_UNITS, "")])

    @property
    def met(self) -> int:
        return len([r for r in self.results if r.met])

    @property
    def rate(self) -> float | None:
        return self.met / self.applicable if self.applicable else None


def cluster_targets(plan: Plan) -> list[Target]:
    """Yearly industry targets that make sense inside one cluster (shares and rating counts)."""
    return [t for t in plan.industry_targets() if t.measure in CLUSTER_MEASURES and t.yearly]


def attainment_by_cluster(plan: Plan, period: Period, expected: list[Unit], results: dict[str, UnitResult],
                          clusters: list[str]) -> list[ClusterAttainment]:
    out = []
    targets = cluster_targets(plan)
    for code in clusters:
        units = [u for u in expected if u.cluster == code]
        cl = plan.cluster_by_code.get(code)
        rs = [evaluate_target(plan, period, t, units, results) for t in targets]
        out.append(ClusterAttainment(code, cl.name if cl else code, rs))
    return out
