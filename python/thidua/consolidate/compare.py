"""Comparison over time: the consolidation being written beside earlier consolidation workbooks
(the last period's, the last year's…) for every unit, cluster and the whole scope: value then,
value now, change and direction (↑/↓/=); the trend by period and year; the totals a "tổng kết giai
đoạn" needs (initiatives; award proposals by form and level).

How an earlier workbook is read (the output says it for each one):
- one of this plan (same plan id), or of a plan given for its year (`plans`): recomputed by
  `core.consolidate` from its raw tables (tblUnitInputs, tblMemberInputs), with that plan, the
  period and the scope its tblConsolidationMeta names: the figures it showed, the marks and the
  review its own level entered included;
- one of another plan (another year) with no plan at hand: its figures as it printed them, from its
  declared tables by header name (tblCompleteness, tblClusterRatings, tblRatingDistribution,
  tblIndustryTargets, tblClusterTargets, tblCum_<cụm>, tblAwardCounts; the initiative count from
  tblUnitInputs).
A file that is not a consolidation workbook, or cannot be read, is listed with the reason in
Vietnamese and the run goes on.

Plain data in and out (`Comparison`); the sheets are compare_sheets.py. The period × unit and
period × figure panels are pandas frames (`unit_panel`, `group_panel`).
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import FileProblem, ThiduaError
from ..plan.model import Period, Plan
from ..plan.schema import AWARD_LEVELS, TARGET_OF, label_of
from ..values import cell_text, fold, format_number_vi, format_percent_vi, parse_number
from . import contract as K
from .industry import SHARE_MEASURES, cluster_targets
from .records import INCLUDED

if TYPE_CHECKING:      # pandas is imported where a comparison uses it: not at start-up (0.25 s)
    import pandas as pd

REPORTED, MISSING = "reported", "missing"
WHOLE = "*"                                  # the group of a snapshot's whole scope
RECOMPUTED, DECLARED, CURRENT = "recomputed", "declared", "current"
HOW_LABELS = {RECOMPUTED: "Tính lại từ số liệu gốc", DECLARED: "Đọc từ các bảng của tệp",
              CURRENT: "Bảng tổng hợp đang lập"}
NOT_USED = "Không dùng"
UP, DOWN, SAME = "↑", "↓", "="
# the declared tables a workbook of another plan is read from
COMPLETENESS, CLUSTER_RATINGS, DISTRIBUTION = "tblCompleteness", "tblClusterRatings", "tblRatingDistribution"
INDUSTRY_TARGETS, CLUSTER_TARGETS, AWARD_COUNTS = "tblIndustryTargets", "tblClusterTargets", "tblAwardCounts"
CLUSTER_TABLE_PREFIX = "tblCum_"
NOT_RATED_TEXT, NOT_REPORTED_TEXT = "Chưa xếp loại", "Chưa nộp"
READING_RULE = ("Bảng tổng hợp cùng kế hoạch (hoặc có kế hoạch của năm đó) được tính lại từ số liệu gốc của chính tệp "
                "(trang Dữ liệu gốc) theo kế hoạch, đợt và phạm vi ghi trong tệp; bảng của kế hoạch khác (năm khác) "
                "được đọc từ các bảng đã in trong tệp, theo tên cột.")


# --- what one consolidation says -----------------------------------------------------------------
@dataclass
class UnitFig:
    code: str
    name: str
    cluster: str
    status: str                      # reported | missing
    total: float | None = None
    rating: str | None = None        # None: not rated (or not reported)

    @property
    def rating_text(self) -> str:
        if self.status == MISSING:
            return NOT_REPORTED_TEXT
        return self.rating or NOT_RATED_TEXT


@dataclass
class GroupFig:
    """A cluster's or the whole scope's figures."""
    key: str                         # cluster code, or WHOLE
    name: str
    expected: int | None = None
    received: int | None = None
    on_time: int | None = None
    ratings: dict[str, int] = field(default_factory=dict)
    not_rated: int | None = None
    mean_total: float | None = None
    targets: dict[str, float | None] = field(default_factory=dict)

    @property
    def reporting_rate(self) -> float | None:
        return self.received / self.expected if self.expected and self.received is not None else None

    @property
    def on_time_rate(self) -> float | None:
        return self.on_time / self.expected if self.expected and self.on_time is not None else None

    def value(self, key: str):
        if key.startswith("rating:"):
            return self.ratings.get(key[7:])
        if key.startswith("target:"):
            return self.targets.get(key[7:])
        return getattr(self, key)


@dataclass(frozen=True)
class AwardFig:
    name: str                        # the title or form of award, as the plan names it
    target_of: str                   # Tập thể / Cá nhân
    level: str                       # Cơ sở / Ngành / Tỉnh / Toàn quốc
    proposed: int


@dataclass
class Snapshot:
    key: str
    short: str                       # "Đợt 1/2026": column headers, chart categories
    label: str                       # "Đợt 1 (6 tháng đầu năm) năm 2026"
    year: int | None
    period_code: str
    period_name: str
    plan_id: str
    created_at: datetime | None
    industry: bool
    clusters: tuple[str, ...]
    how: str                         # RECOMPUTED | DECLARED | CURRENT
    final: bool = False              # closes the year (or is the year)
    peak: bool = False
    is_year: bool = False
    source: str = ""                 # the file (empty for the consolidation being written)
    note: str = ""                   # how it was read, in words
    role: str = ""                   # hiện nay / đợt trước / năm trước / năm 2024 …
    units: dict[str, UnitFig] = field(default_factory=dict)
    groups: dict[str, GroupFig] = field(default_factory=dict)
    ratings: tuple[str, ...] = ()    # rating codes, best first
    initiatives: float | None = None
    initiative_rule: str = "latest"  # how periods make the year: latest | sum | max
    awards: list[AwardFig] = field(default_factory=list)
    order: tuple = ()

    @property
    def scope_text(self) -> str:
        return "toàn ngành" if self.industry else "cụm " + ", ".join(self.clusters)

    @property
    def result_text(self) -> str:
        if self.is_year:
            return "cả năm"
        if self.peak:
            return "đợt cao điểm"
        return "cuối năm" if self.final else "dự kiến"


@dataclass(frozen=True)
class Unusable:
    path: str
    name: str
    reason: str


@dataclass(frozen=True)
class Figure:
    key: str
    label: str
    unit_label: str
    kind: str                        # int | pct | num


@dataclass
class UnitRow:
    code: str
    name: str
    cluster: str
    now: UnitFig | None
    then: list                       # UnitFig | None per earlier snapshot
    ranks: dict

    @property
    def total(self):
        return self.now.total if self.now else None

    @property
    def rating_text(self) -> str:
        return self.now.rating_text if self.now else "Không thuộc diện"

    def total_then(self, k: int):
        return self.then[k].total if self.then[k] else None

    def rating_then(self, k: int) -> str:
        return self.then[k].rating_text if self.then[k] else ""

    def change(self, k: int):
        a, b = self.total, self.total_then(k)
        return None if a is None or b is None else round(a - b, 9)

    def direction(self, k: int) -> str:
        return direction(self.total, self.total_then(k))

    def rating_direction(self, k: int) -> str:
        a = self.now.rating if self.now else None
        b = self.then[k].rating if self.then[k] else None
        if a not in self.ranks or b not in self.ranks:
            return ""
        return direction(-self.ranks[a], -self.ranks[b])     # a better rating has a smaller rank


@dataclass
class GroupRow:
    scope: str                       # "Ngành" / cluster code
    figure: Figure
    now: object
    then: list

    @property
    def label(self) -> str:
        return self.figure.label

    @property
    def unit_label(self) -> str:
        return self.figure.unit_label

    @property
    def kind(self) -> str:
        return self.figure.kind

    def change(self, k: int):
        a, b = self.now, self.then[k]
        return None if a is None or b is None else a - b

    def direction(self, k: int) -> str:
        return direction(self.now, self.then[k])


def direction(now, then) -> str:
    """↑ / ↓ / = by the sign of now − then (as the sheet's formula computes it); "" when one is missing."""
    if now is None or then is None:
        return ""
    d = now - then
    return UP if d > 0 else DOWN if d < 0 else SAME


# --- the comparison --------------------------------------------------------------------------------
@dataclass
class Comparison:
    plan: Plan                       # the plan of the consolidation being written
    now: Snapshot
    earlier: list[Snapshot]          # most recent first
    unusable: list[Unusable]
    seconds: float = 0.0

    @property
    def snapshots(self) -> list[Snapshot]:
        """Oldest first, the consolidation being written last."""
        return [*reversed(self.earlier), self.now]

    @property
    def scope_label(self) -> str:
        return "Ngành" if self.now.industry else "Phạm vi"

    # --- panels (pandas) -----------------------------------------------------------------------
    def unit_panel(self) -> pd.DataFrame:
        """Long panel: one row per snapshot × unit (total, rating, status)."""
        import pandas as pd
        rows = [{"snapshot": s.key, "unit": u.code, "cluster": u.cluster, "total": u.total, "rating": u.rating,
                 "status": u.status} for s in self.snapshots for u in s.units.values()]
        return pd.DataFrame(rows, columns=["snapshot", "unit", "cluster", "total", "rating", "status"])

    def group_panel(self) -> pd.DataFrame:
        """Long panel: one row per snapshot × group (the whole scope as the current scope covers it) × figure."""
        import pandas as pd
        rows = []
        for s in self.snapshots:
            for key in self.group_keys:
                g = self.group_of(s, key)
                if g is None:
                    continue
                for f in self.figures_for(key):
                    v = g.value(f.key)
                    rows.append({"snapshot": s.key, "group": key, "figure": f.key,
                                 "value": float(v) if isinstance(v, (int, float)) else None})
        return pd.DataFrame(rows, columns=["snapshot", "group", "figure", "value"])

    # --- groups ----------------------------------------------------------------------------------
    @property
    def group_keys(self) -> list[str]:
        """The whole scope (unless it is one cluster), then each cluster of the current scope."""
        keys = list(self.now.clusters)
        return keys if (not self.now.industry and len(keys) == 1) else [WHOLE, *keys]

    def group_of(self, s: Snapshot, key: str) -> GroupFig | None:
        """A snapshot's figures for a group of the current scope: the cluster's; for the whole scope,
        the snapshot's own whole when it covers the same scope, else the sum over the current scope's
        clusters when it has them all (counts only), else None."""
        if key != WHOLE:
            return s.groups.get(key)
        now = self.now
        if (s.industry and now.industry) or set(s.clusters) == set(now.clusters):
            return s.groups.get(WHOLE)
        parts = [s.groups.get(c) for c in now.clusters]
        if not parts or any(p is None for p in parts):
            return None
        return _sum_groups(WHOLE, "", parts, [u for u in s.units.values() if u.cluster in now.clusters])

    def figures_for(self, key: str) -> list[Figure]:
        plan = self.plan
        out = [Figure("expected", "Số CĐCS phải báo cáo", "CĐCS", "int"),
               Figure("received", "Số CĐCS đã nộp", "CĐCS", "int"),
               Figure("on_time", "Số CĐCS nộp đúng hạn", "CĐCS", "int"),
               Figure("reporting_rate", "Tỷ lệ báo cáo", "%", "pct"),
               Figure("on_time_rate", "Tỷ lệ nộp đúng hạn", "%", "pct")]
        out += [Figure(f"rating:{r.code}", f"Số CĐCS xếp loại {r.code}", "CĐCS", "int")
                for r in plan.ratings_best_first()]
        out += [Figure("not_rated", "Số CĐCS chưa xếp loại", "CĐCS", "int"),
                Figure("mean_total", "Tổng điểm bình quân của CĐCS đã nộp", "điểm", "num")]
        for t in (self.scope_targets() if key == WHOLE else cluster_targets(plan)):
            share = t.measure in SHARE_MEASURES
            out.append(Figure(f"target:{t.code}", f"Chỉ tiêu: {t.short_name}", "%" if share else (t.unit_label or ""),
                              "pct" if share else "num"))
        return out

    def scope_targets(self) -> list:
        return [t for t in self.plan.industry_targets() if t.measure != "manual"]

    def key_targets(self) -> list:
        """The targets of the trend chart: yearly shares (one 0–100% axis)."""
        return [t for t in self.plan.industry_targets() if t.measure in SHARE_MEASURES and t.yearly]

    def group_rows(self) -> list[GroupRow]:
        import pandas as pd
        panel = self.group_panel()
        wide = panel.pivot_table(index=["group", "figure"], columns="snapshot", values="value", aggfunc="first") \
            if not panel.empty else pd.DataFrame()
        rows = []
        for key in self.group_keys:
            scope = self.scope_label if key == WHOLE else key
            for f in self.figures_for(key):
                def at(s, key=key, f=f):
                    try:
                        v = wide.at[(key, f.key), s.key]
                    except KeyError:
                        return None
                    return None if pd.isna(v) else (int(v) if f.kind == "int" else float(v))
                rows.append(GroupRow(scope, f, at(self.now), [at(s) for s in self.earlier]))
        return rows

    # --- units -----------------------------------------------------------------------------------
    def unit_rows(self) -> list[UnitRow]:
        """Every unit of the current scope (plan order), then units only earlier snapshots had there."""
        ranks = {r.code: r.rank for r in self.plan.ratings}
        order = dict.fromkeys(self.now.units)
        wanted = set(self.now.clusters)
        for s in self.earlier:
            order.update((c, None) for c, u in s.units.items() if u.cluster in wanted)
        panel = self.unit_panel()
        by_snapshot = {s.key: s.units for s in self.snapshots}
        rows = []
        known = set(panel["unit"]) if not panel.empty else set()
        for code in order:
            if code not in known:
                continue
            now = by_snapshot[self.now.key].get(code)
            then = [by_snapshot[s.key].get(code) for s in self.earlier]
            ref = now or next(u for u in then if u)
            rows.append(UnitRow(code, ref.name, ref.cluster, now, then, ranks))
        return rows

    # --- the phase -------------------------------------------------------------------------------
    def phase_years(self) -> list["PhaseYear"]:
        return phase_years(self.snapshots)

    # --- words -----------------------------------------------------------------------------------
    def summary_lines(self) -> list[str]:
        out = []
        if self.earlier:
            parts = [f"{s.short} ({HOW_LABELS[s.how].lower()}: {Path(s.source).name})" for s in self.earlier]
            out.append(f"So sánh {self.now.short} với {len(self.earlier)} bảng tổng hợp trước: "
                       + "; ".join(parts) + ".")
            whole = self.group_of(self.now, WHOLE) if WHOLE in self.group_keys else None
            if whole is not None and whole.reporting_rate is not None:
                bits = []
                for s in self.earlier:
                    g = self.group_of(s, WHOLE)
                    r = g.reporting_rate if g else None
                    if r is not None:
                        bits.append(f"{s.short}: {format_percent_vi(r, 1)} {direction(whole.reporting_rate, r)}")
                if bits:
                    out.append(f"Tỷ lệ báo cáo {self.now.short}: {format_percent_vi(whole.reporting_rate, 1)} ("
                               + "; ".join(bits) + ").")
        else:
            out.append("Không có bảng tổng hợp nào dùng được để so sánh.")
        for u in self.unusable:
            out.append(f"Không dùng để so sánh: {u.name} — {u.reason}")
        return out

    def figures(self) -> dict:
        """Plain data (the CLI's --json; tests)."""
        return {
            "now": self.now.short,
            "earlier": [{"short": s.short, "file": s.source, "how": s.how, "role": s.role, "plan_id": s.plan_id,
                         "period_code": s.period_code, "year": s.year} for s in self.earlier],
            "unusable": [{"file": u.path, "reason": u.reason} for u in self.unusable],
            "groups": [(r.scope, r.figure.key, r.now, r.then) for r in self.group_rows()],
            "units": {r.code: (r.total, r.rating_text, [(r.total_then(k), r.rating_then(k), r.change(k), r.direction(k))
                                                         for k in range(len(self.earlier))])
                      for r in self.unit_rows()},
            "phase": [(y.year, [s.short for s in y.used], y.initiatives, y.collective, y.individual)
                      for y in self.phase_years()],
        }


def _sum_groups(key: str, name: str, parts: list[GroupFig], units: list[UnitFig]) -> GroupFig:
    def total(attr):
        vals = [getattr(p, attr) for p in parts]
        return None if any(v is None for v in vals) else sum(vals)
    ratings: dict[str, int] = {}
    for p in parts:
        for code, n in p.ratings.items():
            ratings[code] = ratings.get(code, 0) + n
    targets = dict(parts[0].targets) if len(parts) == 1 else {}
    return GroupFig(key, name, total("expected"), total("received"), total("on_time"), ratings, total("not_rated"),
                    _mean([u.total for u in units if u.status == REPORTED]), targets)


def _mean(values) -> float | None:
    vals = [float(v) for v in values if isinstance(v, (int, float)) and not isinstance(v, bool)]
    return round(sum(vals) / len(vals), 2) if vals else None


# --- building the comparison ----------------------------------------------------------------------
def compare(c, paths, *, plans=(), workers: int | None = None) -> Comparison:
    """The consolidation `c` beside the earlier consolidation workbooks `paths`. `plans`: plans of
    other years (a workbook of one of them is recomputed with it, like one of c's plan)."""
    t0 = time.perf_counter()
    plan = c.plan
    by_id = {p.info.plan_id: p for p in plans}
    by_id[plan.info.plan_id] = plan
    now = snapshot_of(c)
    earlier: list[Snapshot] = []
    unusable: list[Unusable] = []
    seen: set = set()
    for raw in paths:
        path = Path(raw)
        try:
            ident = path.resolve()
        except OSError:
            ident = path
        if ident in seen:
            unusable.append(Unusable(str(path), path.name,
                                     "Tệp này đã có trong danh sách so sánh; không đọc lần thứ hai."))
            continue
        seen.add(ident)
        try:
            earlier.append(read_snapshot(path, plan, by_id, workers))
        except NotComparable as exc:
            unusable.append(Unusable(str(path), path.name, exc.reason))
    earlier.sort(key=lambda s: s.order, reverse=True)
    _name(now, earlier, plan)
    return Comparison(plan, now, earlier, unusable, time.perf_counter() - t0)


class NotComparable(Exception):
    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _period(plan: Plan, code: str) -> Period | None:
    try:
        return plan.period(code)
    except (KeyError, AttributeError):
        return None


def _is_year(period) -> bool:
    return bool(getattr(period, "is_year", False))


def _final(period) -> bool:
    return _is_year(period) or bool(getattr(period, "closes_year", False))


def _order(year, period: Period | None, created: datetime | None) -> tuple:
    end = (period.end.month, period.end.day) if period is not None else \
        ((created.month, created.day) if created else (12, 31))
    return (year or 0, end, 1 if _is_year(period) else 0, created or datetime.min)


def _created(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%d %H:%M:%S")
    except (TypeError, ValueError):
        return None


def _initiative_field(plan: Plan):
    from ..contract import INITIATIVE_TABLE, LIST_COUNT_FIELDS
    return plan.field_by_code.get(LIST_COUNT_FIELDS.get(INITIATIVE_TABLE, ""))


def _rule(f) -> str:
    """How a field's periods make the year (the plan's rule when it has one; year-to-date → latest)."""
    if f is None:
        return "latest"
    rule = getattr(f, "year_rule", None)
    if rule:
        return rule
    return "latest" if f.cumulative else "sum"


def snapshot_of(c, *, meta: dict | None = None, source: str = "", how: str = CURRENT, note: str = "") -> Snapshot:
    """A consolidation's figures (the one being written, or an earlier workbook recomputed)."""
    from .awards import counts_by_title
    plan, period = c.plan, c.period
    units: dict[str, UnitFig] = {}
    for u in c.expected:
        r = c.results.get(u.code)
        units[u.code] = UnitFig(u.code, u.name, u.cluster, REPORTED if r else MISSING,
                                r.ev.total if r else None, r.rating if r else None)
    dist = {d.label: d for d in c.by_cluster}
    attain = {a.cluster: a for a in c.attainment}
    groups: dict[str, GroupFig] = {}
    for k in c.completeness:
        d, a = dist.get(k.code), attain.get(k.code)
        mine = [x.total for x in units.values() if x.cluster == k.code and x.status == REPORTED]
        groups[k.code] = GroupFig(k.code, k.name, k.n_expected, k.n_received, k.n_on_time,
                                  dict(d.counts) if d else {}, d.not_rated if d else None,
                                  _mean(mine),
                                  {t.target.code: t.actual for t in a.results} if a else {})
    whole = c.by_kind[-1] if c.by_kind else None
    groups[WHOLE] = GroupFig(WHOLE, "toàn ngành" if c.scope.industry else c.scope.label, c.n_expected, c.n_received,
                             c.n_on_time, dict(whole.counts) if whole else {}, whole.not_rated if whole else None,
                             _mean([x.total for x in units.values() if x.status == REPORTED]),
                             {t.target.code: t.actual for t in c.targets})
    f = _initiative_field(plan)
    initiatives = None
    if f is not None:
        vals = [r.ev.values.get(f.code) for r in c.results.values()]
        initiatives = sum(v for v in vals if isinstance(v, (int, float)) and not isinstance(v, bool))
    awards = [AwardFig(t.title_name, label_of(TARGET_OF, t.target_of), label_of(AWARD_LEVELS, t.level), t.proposed)
              for t in counts_by_title(plan, c.proposals)]
    created = _created((meta or {}).get("created_at", "")) if meta else c.created_at
    return Snapshot(
        key=source or "(nay)", short="", label="", year=plan.info.year, period_code=period.code,
        period_name=period.name, plan_id=plan.info.plan_id, created_at=created, industry=c.scope.industry,
        clusters=tuple(c.clusters), how=how, final=_final(period), peak=bool(period.peak), is_year=_is_year(period),
        source=source, note=note, units=units, groups=groups,
        ratings=tuple(r.code for r in plan.ratings_best_first()), initiatives=initiatives,
        initiative_rule=_rule(f), awards=awards, order=_order(plan.info.year, period, created))


def read_snapshot(path: Path, plan: Plan, plans: dict[str, Plan], workers: int | None = None) -> Snapshot:
    """One earlier workbook, recognised by its tblConsolidationMeta; recomputed with its plan when
    at hand, else read from its declared tables. Raises NotComparable with the reason."""
    from ..read.workbook import open_workbook, read_bytes
    try:
        data = read_bytes(path)
        wb = open_workbook(path, data, only=(K.META_TABLE,))
    except FileProblem as exc:
        raise NotComparable(exc.message) from None
    t = wb.table(K.META_TABLE)
    if t is None:
        raise NotComparable(f"'{path.name}' không phải bảng tổng hợp của thidua (không có bảng {K.META_TABLE}); "
                            "chỉ so sánh với bảng tổng hợp do lệnh tổng hợp lập.")
    meta = read_meta(t)
    if meta.get("format") != K.FORMAT:
        raise NotComparable(f"'{path.name}' có bảng {K.META_TABLE} nhưng không phải bảng tổng hợp của thidua; không so "
                            "sánh.")
    if meta.get("format_version") not in K.SUPPORTED_FORMAT_VERSIONS:
        raise NotComparable(f"'{path.name}' là bảng tổng hợp phiên bản '{meta.get('format_version') or 'không rõ'}' mà "
                            "chương trình này không đọc được; hãy lập lại bảng bằng phiên bản thidua hiện hành.")
    code = meta.get("period_code", "")
    own = plans.get(meta.get("plan_id", ""))
    period = _period(own, code) if own is not None else None
    why = ""
    if own is not None and period is None:
        why = f"đợt '{code}' không có trong kế hoạch {own.info.plan_id}"
    elif own is not None:
        try:
            return _recomputed(path, own, period, meta, workers)
        except NotComparable as exc:
            why = exc.reason
    return _declared(path, data, meta, plan, why)


def read_meta(t) -> dict[str, str]:
    k, v = t.column(K.KEY), t.column(K.VALUE)
    if k is None or v is None:
        return {}
    return {str(r[k]).strip(): cell_text(r[v]) for r in t.rows if r[k] not in (None, "")}


def _recomputed(path: Path, plan: Plan, period: Period, meta: dict, workers) -> Snapshot:
    from .core import consolidate
    clusters = None if meta.get("scope") == "industry" else meta.get("clusters", "").split() or None
    try:
        r = consolidate([path], plan, period.code, clusters, workers=workers)
    except ThiduaError as exc:
        raise NotComparable(f"không tính lại được ({exc.message.rstrip('.')})") from None
    entry = next((e for e in r.entries if e.kind == "consolidation" and not e.via), None)
    if entry is None or entry.status != INCLUDED:
        reason = entry.reason.rstrip(".") if entry is not None and entry.reason else "không đọc được số liệu gốc"
        raise NotComparable(f"không tính lại được ({reason})")
    changed = meta.get("plan_fingerprint") not in ("", None, plan.fingerprint)
    note = (f"Tính lại từ số liệu gốc của tệp (trang Dữ liệu gốc) theo kế hoạch {plan.info.plan_id}, {period.name}, "
            f"{'toàn ngành' if r.scope.industry else 'cụm ' + ', '.join(r.clusters)}"
            + ("; tệp lập theo phiên bản khác của kế hoạch, đã tính theo phiên bản hiện hành" if changed else "")
            + ".")
    return snapshot_of(r, meta=meta, source=str(path), how=RECOMPUTED, note=note)


# --- declared tables (a workbook of another plan) --------------------------------------------------
def _table_suffix(code: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", code)           # as workbook.cluster_spec names the table


def _num(v) -> float | None:
    if isinstance(v, bool) or v is None or v == "":
        return None
    if isinstance(v, (int, float)):
        return float(v)
    p = parse_number(v)
    return float(p.value) if p.ok and isinstance(p.value, (int, float)) else None


def _int(v) -> int | None:
    x = _num(v)
    return int(round(x)) if x is not None else None


def _rows(t) -> list[dict]:
    """A table's rows by folded header."""
    return [dict(zip(t.headers, r)) for r in t.rows] if t is not None else []


def _get(row: dict, header: str):
    return row.get(fold(header))


def _year_of(meta: dict, created: datetime | None) -> tuple[int | None, str]:
    m = re.search(r"(?<!\d)(19|20)\d\d(?!\d)", meta.get("plan_id", ""))
    if m:
        return int(m.group(0)), ""
    if created is not None:
        return created.year, " (năm lấy theo ngày lập bảng)"
    return None, ""


def _declared(path: Path, data: bytes, meta: dict, plan: Plan, why: str) -> Snapshot:
    """Figures as the workbook printed them, from its declared tables by header name."""
    import pandas as pd
    from ..read.workbook import open_workbook
    clusters = tuple(meta.get("clusters", "").split())
    names = {f"{CLUSTER_TABLE_PREFIX}{_table_suffix(c)}": c for c in clusters}
    wanted = (K.META_TABLE, COMPLETENESS, CLUSTER_RATINGS, DISTRIBUTION, INDUSTRY_TARGETS, CLUSTER_TARGETS,
              AWARD_COUNTS, K.INPUTS_TABLE, *names)
    try:
        wb = open_workbook(path, data, only=wanted)
    except FileProblem as exc:
        raise NotComparable(exc.message) from None
    if wb.table(COMPLETENESS) is None:
        raise NotComparable(f"'{path.name}' thiếu bảng {COMPLETENESS} (trang Tiến độ nộp; có thể đã bị xóa hoặc "
                            "đổi tên)"
                            + (f"; {why}" if why else "") + "; không so sánh được.")
    created = _created(meta.get("created_at", ""))
    year, year_note = _year_of(meta, created)
    code = meta.get("period_code", "")
    like = _period(plan, code)                             # the same period of this year's plan, if any
    # units, from each cluster's ranking table
    units: dict[str, UnitFig] = {}
    for name, cl in names.items():
        for row in _rows(wb.table(name)):
            ucode = cell_text(_get(row, "Mã đơn vị"))
            if not ucode:
                continue
            missing_unit = fold(cell_text(_get(row, "Tình trạng"))) == fold(NOT_REPORTED_TEXT)
            rating = cell_text(_get(row, "Xếp loại"))
            rated = not (missing_unit or not rating or fold(rating) == fold(NOT_RATED_TEXT))
            units[ucode] = UnitFig(ucode, cell_text(_get(row, "Tên đơn vị")), cl, MISSING if missing_unit else REPORTED,
                                   None if missing_unit else _num(_get(row, "Tổng điểm")),
                                   rating if rated else None)
    frame = pd.DataFrame([{"cluster": u.cluster, "total": u.total} for u in units.values() if u.status == REPORTED],
                         columns=["cluster", "total"])
    means = frame.groupby("cluster")["total"].mean().round(2).to_dict() if not frame.empty else {}
    # clusters: completeness, ratings, targets
    ratings_t = wb.table(CLUSTER_RATINGS)
    codes = _rating_codes(ratings_t) or _rating_codes(wb.table(DISTRIBUTION))
    by_cluster = {cell_text(_get(r, "Cụm")): r for r in _rows(ratings_t)}
    shorts = {fold(t.short_name): t.code for t in cluster_targets(plan)}
    targets_t = wb.table(CLUSTER_TARGETS)
    by_cluster_t = {cell_text(_get(r, "Cụm")): r for r in _rows(targets_t)}
    groups: dict[str, GroupFig] = {}
    for row in _rows(wb.table(COMPLETENESS)):
        cl = cell_text(_get(row, "Cụm"))
        if not cl:
            continue
        rr, tr = by_cluster.get(cl, {}), by_cluster_t.get(cl, {})
        groups[cl] = GroupFig(cl, cell_text(_get(row, "Tên cụm")), _int(_get(row, "Phải báo cáo")),
                              _int(_get(row, "Đã nộp")), _int(_get(row, "Đúng hạn")),
                              {c: _int(rr.get(fold(c))) or 0 for c in codes} if rr else {},
                              _int(_get(rr, NOT_RATED_TEXT)) if rr else None,
                              _float(means.get(cl)),
                              {shorts[h]: _num(v) for h, v in tr.items() if h in shorts})
    total = next((r for r in _rows(wb.table(DISTRIBUTION))
                  if fold(cell_text(_get(r, "Loại hình"))) == fold("Tổng cộng")), {})
    parts = list(groups.values())
    whole = _sum_groups(WHOLE, "toàn ngành" if meta.get("scope") == "industry" else "cụm " + ", ".join(clusters),
                        parts, list(units.values())) if parts else GroupFig(WHOLE, "")
    whole.ratings = {c: _int(total.get(fold(c))) or 0 for c in codes} if total else whole.ratings
    whole.not_rated = _int(_get(total, NOT_RATED_TEXT)) if total else whole.not_rated
    whole.targets = {cell_text(_get(r, "Mã chỉ tiêu")): _num(_get(r, "Thực hiện"))
                     for r in _rows(wb.table(INDUSTRY_TARGETS)) if cell_text(_get(r, "Mã chỉ tiêu"))}
    groups[WHOLE] = whole
    # initiatives: the raw entries of the units counted, as the plan of this year names the field
    f = _initiative_field(plan)
    initiatives = None
    inputs = wb.table(K.INPUTS_TABLE)
    if f is not None and inputs is not None and inputs.column(K.VALUE_COL + f.code) is not None:
        counted = {c for c, u in units.items() if u.status == REPORTED}
        seen, total_n = set(), 0.0
        for row in _rows(inputs):
            ucode = cell_text(_get(row, "Mã đơn vị"))
            if ucode in seen or ucode not in counted or cell_text(_get(row, "Trạng thái")) not in ("", INCLUDED):
                continue
            seen.add(ucode)
            total_n += _num(_get(row, K.VALUE_COL + f.code)) or 0
        initiatives = total_n
    awards = []
    for row in _rows(wb.table(AWARD_COUNTS)):
        n = _int(_get(row, "Đề nghị"))
        name = cell_text(_get(row, "Danh hiệu"))
        if name and n is not None:
            awards.append(AwardFig(name, cell_text(_get(row, "Đối tượng")), cell_text(_get(row, "Cấp khen")), n))
    plan_text = meta.get("plan_id", "") or "không rõ"
    note = (f"Đọc từ các bảng đã in trong tệp (Tiến độ nộp, Xếp loại, Chỉ tiêu, Cụm…) theo tên cột: tệp thuộc kế "
            f"hoạch {plan_text}, không có kế hoạch đó để tính lại" + (f" ({why})" if why else "") + year_note + ".")
    return Snapshot(
        key=str(path), short="", label="", year=year, period_code=code,
        period_name=(like.name if like is not None else code), plan_id=meta.get("plan_id", ""), created_at=created,
        industry=meta.get("scope") == "industry", clusters=clusters, how=DECLARED,
        final=_final(like) if like is not None else False, peak=bool(like.peak) if like is not None else False,
        is_year=_is_year(like), source=str(path), note=note, units=units, groups=groups, ratings=codes,
        initiatives=initiatives, initiative_rule=_rule(f), awards=awards, order=_order(year, like, created))


def _float(v) -> float | None:
    import pandas as pd
    return None if v is None or pd.isna(v) else float(v)


def _rating_codes(t) -> tuple[str, ...]:
    """Rating codes of a distribution table: the columns between the label(s) and "Chưa xếp loại"."""
    if t is None:
        return ()
    heads = list(t.headers)
    try:
        end = heads.index(fold(NOT_RATED_TEXT))
    except ValueError:
        return ()
    start = 2 if len(heads) > 1 and heads[1] == fold("Tên cụm") else 1
    return tuple(heads[start:end])


# --- names, roles, order ------------------------------------------------------------------------
def _period_short(name: str) -> str:
    text = name.split("(")[0].strip() or name
    if len(text) > 16:
        text = text[:15].rstrip() + "…"
    return re.sub(r"[\[\]{}]", "", text)


def _name(now: Snapshot, earlier: list[Snapshot], plan: Plan) -> None:
    used: set[str] = set()
    for s in [now, *earlier]:
        base = "Cả năm" if s.is_year else _period_short(s.period_name or s.period_code)
        short = f"{base}/{s.year}" if s.year else base
        if s is not now and not s.industry and (now.industry or set(s.clusters) != set(now.clusters)):
            short += " " + "+".join(s.clusters)                # a workbook of other clusters says which
        out, i = short, 2
        while out in used:
            out, i = f"{short} ({i})", i + 1
        used.add(out)
        s.short = out
        s.label = f"{s.period_name} năm {s.year}" if s.year else s.period_name
        if s is now:
            s.role = "hiện nay"
        elif s.plan_id == now.plan_id:
            s.role = "cùng năm" if s.order >= now.order else "đợt trước"
        elif s.year and now.year and s.year == now.year - 1:
            s.role = "năm trước"
        else:
            s.role = f"năm {s.year}" if s.year else "năm khác"


# --- the phase's totals ---------------------------------------------------------------------------
@dataclass
class PhaseYear:
    year: int
    used: list                       # the snapshots whose figures count for the year
    awards_from: Snapshot | None
    final: bool
    initiatives: float | None
    rule_text: str
    awards: list[AwardFig]

    @property
    def collective(self) -> int:
        return sum(a.proposed for a in self.awards if fold(a.target_of) == fold("Tập thể"))

    @property
    def individual(self) -> int:
        return sum(a.proposed for a in self.awards if fold(a.target_of) == fold("Cá nhân"))

    @property
    def expected(self):
        g = self.awards_from.groups.get(WHOLE) if self.awards_from else None
        return g.expected if g else None

    @property
    def received(self):
        g = self.awards_from.groups.get(WHOLE) if self.awards_from else None
        return g.received if g else None

    @property
    def used_text(self) -> str:
        return ", ".join(s.short for s in self.used)

    @property
    def result_text(self) -> str:
        return "kết quả cuối năm" if self.final else "dự kiến (chưa có kết quả cuối năm)"


def phase_years(snapshots: list[Snapshot]) -> list[PhaseYear]:
    """Per year: the year's result (a whole-year consolidation, else the period that closes the year,
    else the latest regular period: provisional); initiatives by the field's rule (year-to-date: the
    latest; per period: the sum over the regular periods). Peak campaigns stand apart."""
    out = []
    years = sorted({s.year for s in snapshots if s.year})
    for y in years:
        mine = sorted([s for s in snapshots if s.year == y and not s.peak], key=lambda s: s.order)
        if not mine:
            continue
        whole = [s for s in mine if s.is_year]
        last = whole[-1] if whole else mine[-1]
        regular = [s for s in mine if not s.is_year]
        rule = last.initiative_rule
        if whole or rule not in ("sum",):
            used = [last]
            vals = [last.initiatives]
            if rule == "max" and not whole:
                used, vals = regular, [max((s.initiatives for s in regular if s.initiatives is not None), default=None)]
            text = ("lấy số của cả năm" if whole else
                    "số lũy kế từ đầu năm: lấy kỳ sau cùng" if rule != "max" else "lấy số lớn nhất của các kỳ")
        else:
            used = regular
            vals = [s.initiatives for s in regular]
            text = "cộng số của các kỳ"
        known = [v for v in vals if v is not None]
        out.append(PhaseYear(y, used, last, _final_snapshot(last), sum(known) if known else None, text,
                             list(last.awards)))
    return out


def _final_snapshot(s: Snapshot) -> bool:
    return s.is_year or s.final


def award_forms(years: list[PhaseYear]) -> list[tuple[str, str, str]]:
    """(form, target, level) of every award proposed in any year, in first-seen order."""
    seen: dict[tuple, None] = {}
    for y in years:
        for a in y.awards:
            seen.setdefault((a.name, a.target_of, a.level), None)
    return list(seen)


def phase_text(years: list[PhaseYear]) -> str:
    """"Giai đoạn 2025–2026: 1.234 sáng kiến; đề nghị khen thưởng: Cấp Tỉnh: 03 tập thể; …"."""
    from .awards import tally_text
    if not years:
        return ""
    span = f"{years[0].year}–{years[-1].year}" if len(years) > 1 else str(years[0].year)
    init = [y.initiatives for y in years if y.initiatives is not None]
    levels: dict[str, list[int]] = {}
    for y in years:
        for a in y.awards:
            c = levels.setdefault(a.level, [0, 0])
            c[0 if fold(a.target_of) == fold("Tập thể") else 1] += a.proposed
    order = [label_of(AWARD_LEVELS, code) for code in reversed(list(AWARD_LEVELS.values()))]
    rows = [(lv, *levels[lv]) for lv in order if lv in levels and any(levels[lv])]
    rows += [(lv, *n) for lv, n in levels.items() if lv not in order and any(n)]
    provisional = [str(y.year) for y in years if not y.final]
    return (f"Giai đoạn {span}: " + (f"{format_number_vi(sum(init))} sáng kiến được công nhận" if init else
                                     "chưa có số sáng kiến")
            + "; đề nghị khen thưởng: " + (tally_text(rows) or "chưa có")
            + (f" (năm {', '.join(provisional)}: dự kiến, chưa có kết quả cuối năm)" if provisional else "") + ".")


# --- the run: consolidate, compare, write -----------------------------------------------------------
def run(inputs, plan: Plan, period_code: str, out, clusters=None, *, compare_with=(), plans=(),
        workers: int | None = None, **kw):
    """core.run with the comparison: the consolidation (`kw`: as core.consolidate takes them), then
    `compare_with` (earlier workbooks) beside it, then the workbook with the comparison sheets."""
    from .core import _collector_paused, consolidate
    from .workbook import write_consolidation
    with _collector_paused():
        result = consolidate(inputs, plan, period_code, clusters, out=out, workers=workers, **kw)
        attach(result, compare_with, plans=plans, workers=workers)
        t = time.perf_counter()
        write_consolidation(result, out)
        result.seconds["write"] = time.perf_counter() - t
    return result


def attach(c, paths, *, plans=(), workers: int | None = None) -> Comparison:
    """Compare `c` with the workbooks `paths`; the workbook written from `c` then has the comparison sheets."""
    c.comparison = compare(c, paths, plans=plans, workers=workers)
    c.seconds["compare"] = c.comparison.seconds
    return c.comparison


__all__ = ["Comparison", "Snapshot", "UnitFig", "GroupFig", "Unusable", "compare", "attach", "snapshot_of",
           "read_snapshot", "run", "phase_years", "phase_text", "direction"]
