"""The year's rules as plain data: what the plan workbook says, typed.

Nothing here knows about Excel. Every later stage (forms, checks, scoring, consolidation)
takes its targets, points and thresholds from a `Plan`, never from constants.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property

KIND_LABELS = {"public": "Công lập", "non_public": "Ngoài công lập"}
# "2021–2030", "2021-2030", "2021 — 2030", "2021 đến 2030": a stage's first and last year
_PHASE = re.compile(r"((?:19|20|21)\d\d)\s*(?:[-‐‑‒–—−]|đến)\s*((?:19|20|21)\d\d)")
YEAR_CODE = "ca-nam"        # the year-end consolidation over every regular period (consolidate.year)


def applies(applies_to: str, kind: str) -> bool:
    return applies_to == "all" or applies_to == kind


@dataclass(frozen=True)
class PlanInfo:
    plan_id: str
    version: int
    year: int
    issuer: str
    title: str
    issued_on: date | None = None
    min_months_active: int = 0
    min_months_after_merger: int = 0
    resubmit_days: int | None = None      # days a unit has to resubmit after a notice (None: the upper level says)
    registration_deadline: date | None = None   # the registration workbooks are due (han_dang_ky; registrations/)


@dataclass(frozen=True)
class Cluster:
    code: str
    name: str
    leader: str | None = None


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    cluster: str
    kind: str                   # public | non_public
    active_since: date | None = None
    merged: bool = False
    active: bool = True
    workers: int | None = None
    email: str | None = None

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]


@dataclass(frozen=True)
class Period:
    code: str
    name: str
    start: date
    end: date
    deadline: date
    peak: bool = False

    @property
    def is_year(self) -> bool:
        """The whole year made of its periods: the only final result."""
        return self.code == YEAR_CODE

    @property
    def closes_year(self) -> bool:
        """The year's last regular period: its results are final; any other period's are provisional."""
        return not self.peak and self.end.month == 12 and self.end.day == 31


@dataclass(frozen=True)
class Field:
    code: str
    section: str
    label: str
    unit_label: str | None
    type: str                   # number | integer | percent | yes_no | date | text | formula
    applies_to: str
    required: bool
    min: float | None = None
    max: float | None = None
    formula: str | None = None
    cumulative: bool = False
    help: str | None = None
    combine: str | None = None  # how periods make the year: latest | sum | any | all | max (None: default)
    period: str | None = None   # a peak campaign's code: the field belongs to that campaign only

    @property
    def is_derived(self) -> bool:
        return self.type == "formula"

    @property
    def year_rule(self) -> str:
        """The combine rule that applies: the plan's, else yes/no "any", else the latest period's."""
        if self.combine:
            return self.combine
        return "any" if self.type == "yes_no" else "latest"


@dataclass(frozen=True)
class Target:
    code: str
    level: str                  # unit | industry
    applies_to: str
    label: str
    comparator: str             # >= | <= | = | yes | range
    value: float | None = None  # for range: the minimum
    stretch: float | None = None
    unit_label: str | None = None
    field: str | None = None    # unit level: the field compared
    measure: str | None = None  # industry level: how it is aggregated
    ref: str | None = None
    scope: str | None = None    # "Năm" or a multi-year stage such as "Giai đoạn 2021–2030"
    source: str | None = None
    short: str | None = None    # a short name for column headers ("Hội nghị CBCCVC")
    period: str | None = None   # a peak campaign's code: the target belongs to that campaign only

    @property
    def short_name(self) -> str:
        """The short name, else the label cut at a word boundary (column headers)."""
        if self.short:
            return self.short
        words, out = self.label.split(), ""
        for w in words:
            if len(out) + len(w) + 1 > 32:
                return out + "…"
            out = f"{out} {w}".strip()
        return out

    @property
    def yearly(self) -> bool:
        from ..values import fold_key
        return not self.scope or fold_key(self.scope) == "năm"

    @property
    def phase(self) -> tuple[int, int] | None:
        """A stage target's first and last year ("Giai đoạn 2021–2030" -> (2021, 2030)); None when
        the target is yearly or its scope names no two years."""
        if self.yearly:
            return None
        m = _PHASE.search(self.scope)
        return (int(m.group(1)), int(m.group(2))) if m else None


@dataclass(frozen=True)
class CriteriaGroup:
    code: str
    name: str
    applies_to: str
    max_points: float
    floor: float | None = None  # fraction of max_points
    period: str | None = None   # a peak campaign's code: its own score sheet (criteria follow the group)


@dataclass(frozen=True)
class Criterion:
    code: str
    group: str
    label: str
    points: float
    method: str                 # self | all_or_nothing | proportional
    target: str | None = None
    help: str | None = None


@dataclass(frozen=True)
class Rating:
    code: str
    name: str
    rank: int                   # 1 is best
    min_score: float
    needs_floor: bool = False
    cap: float | None = None
    note: str | None = None


@dataclass(frozen=True)
class Check:
    """A consistency rule between fields (like DHIS2's validation rules): left <op> right."""
    code: str
    label: str
    left: str                   # expression over field codes (plan.expr)
    comparator: str             # <= | >= | = | < | >
    right: str
    severity: str               # lỗi | cảnh báo | thông tin
    applies_to: str
    help: str | None = None


@dataclass(frozen=True)
class Title:
    """An emulation title a unit or a member registers for (đăng ký danh hiệu)."""
    code: str
    name: str
    target_of: str              # individual | collective
    level: str                  # unit | industry | province | national (who confers it)
    source: str
    cap: float | None = None    # share cap on proposals
    cap_base: str | None = None  # title whose count the cap is a share of; None: registered members
    period: str | None = None   # a peak campaign's code: an award of that campaign (theo đợt, chuyên đề)


@dataclass(frozen=True)
class TitleCondition:
    code: str
    title: str
    kind: str                   # see schema.CONDITION_KINDS
    label: str
    source: str
    param: str | None = None
    value: float | None = None


@dataclass(frozen=True)
class EarlierResult:
    """A stage target's result in one earlier year, as the plan states it (years before the tool)."""
    target: str
    year: int
    scope: str                  # schema.INDUSTRY_SCOPE ("Ngành") or a cluster code
    value: float
    source: str


@dataclass(frozen=True)
class DocumentDetails:
    """How one kind of official document is headed and signed (plan table Văn bản; thidua.documents)."""
    kind: str                   # bao_cao | to_trinh | quyet_dinh | bien_ban | thong_bao (schema.DOCUMENT_KINDS)
    issuer: str
    symbol: str                 # ký hiệu: "BC-CĐNYT"
    place: str
    signer_title: str
    upper: str | None = None
    number: str | None = None   # blank: "…" for the clerk
    addressee: str | None = None
    basis: str | None = None    # "Căn cứ" documents, separated by ";"
    authority: str | None = None
    signer: str | None = None
    recipients: str | None = None   # separated by ";"

    @property
    def recipient_list(self) -> list[str]:
        return [x.strip() for x in (self.recipients or "").split(";") if x.strip()]

    @property
    def basis_list(self) -> list[str]:
        return [x.strip() for x in (self.basis or "").split(";") if x.strip()]


@dataclass(frozen=True)
class Plan:
    info: PlanInfo
    clusters: tuple[Cluster, ...]
    units: tuple[Unit, ...]
    periods: tuple[Period, ...]
    fields: tuple[Field, ...]
    targets: tuple[Target, ...]
    groups: tuple[CriteriaGroup, ...]
    criteria: tuple[Criterion, ...]
    ratings: tuple[Rating, ...]
    checks: tuple[Check, ...] = ()
    titles: tuple[Title, ...] = ()
    conditions: tuple[TitleCondition, ...] = ()
    earlier: tuple[EarlierResult, ...] = ()   # earlier years of the stage targets (tblEarlierResults)
    # Peak campaigns' own fields, targets, groups, criteria, titles, conditions and checks, as
    # (campaign period code, item) pairs: kept out of the year's tuples above; plan.for_period(code)
    # is the plan of one campaign.
    campaigns: tuple = ()
    documents: tuple[DocumentDetails, ...] = ()   # the official documents' details (tblDocuments)
    source: str | None = field(default=None, compare=False)

    # --- look-ups -------------------------------------------------------------------------
    @cached_property
    def unit_by_code(self) -> dict[str, Unit]:
        return {u.code: u for u in self.units}

    @cached_property
    def cluster_by_code(self) -> dict[str, Cluster]:
        return {c.code: c for c in self.clusters}

    @cached_property
    def period_by_code(self) -> dict[str, Period]:
        return {p.code: p for p in self.periods}

    @cached_property
    def field_by_code(self) -> dict[str, Field]:
        return {f.code: f for f in self.fields}

    @cached_property
    def target_by_code(self) -> dict[str, Target]:
        return {t.code: t for t in self.targets}

    @cached_property
    def group_by_code(self) -> dict[str, CriteriaGroup]:
        return {g.code: g for g in self.groups}

    def document(self, kind: str) -> DocumentDetails | None:
        """The plan's row of Văn bản for one kind of document (None: the plan has none)."""
        return next((d for d in self.documents if d.kind == kind), None)

    def unit(self, code: str) -> Unit:
        return self.unit_by_code[code]

    def kind_of(self, unit_code: str, recorded: str = "") -> str:
        """The unit's kind by the plan; for a unit the plan does not list, what the form recorded."""
        unit = self.unit_by_code.get(unit_code)
        return unit.kind if unit is not None else (recorded or "public")

    def for_period(self, code: str | None) -> "Plan":
        """The plan a period's forms and results follow: a peak campaign's own fields, targets, score
        sheet and awards, without the year's ratings; for any other period, this plan."""
        p = self.period_by_code.get(code or "")
        if p is None or not p.peak or not self.campaigns:
            return self
        cache = self._campaign_plans
        if code not in cache:
            from dataclasses import replace
            # a standalone plan: its items are its own (no "Đợt" left), so a form embeds it as it is
            mine = [replace(x, period=None) if hasattr(x, "period") else x for c, x in self.campaigns if c == code]
            kind = lambda cls: tuple(x for x in mine if isinstance(x, cls))  # noqa: E731
            cache[code] = replace(self, fields=kind(Field), targets=kind(Target), groups=kind(CriteriaGroup),
                                  criteria=kind(Criterion), ratings=(), checks=kind(Check), titles=kind(Title),
                                  conditions=kind(TitleCondition), earlier=(), campaigns=(),
                                  documents=self.documents)
        return cache[code]

    @cached_property
    def _campaign_plans(self) -> dict:
        return {}

    def period(self, code: str) -> Period:
        if code == YEAR_CODE:
            return self.year_period
        return self.period_by_code[code]

    @cached_property
    def regular_periods(self) -> tuple[Period, ...]:
        """The periods that make the year (peak campaigns stand apart), in date order."""
        return tuple(sorted((p for p in self.periods if not p.peak), key=lambda p: (p.start, p.end)))

    @cached_property
    def year_period(self) -> Period:
        """The year as one period: 1 January to 31 December, due with its last regular period."""
        last = max((p.deadline for p in self.regular_periods), default=date(self.info.year + 1, 1, 31))
        return Period(YEAR_CODE, f"Cả năm {self.info.year}", date(self.info.year, 1, 1),
                      date(self.info.year, 12, 31), last)

    def fields_for(self, kind: str) -> list[Field]:
        return [f for f in self.fields if applies(f.applies_to, kind)]

    def unit_targets_for(self, kind: str) -> list[Target]:
        return [t for t in self.targets if t.level == "unit" and applies(t.applies_to, kind)]

    def unit_target_for_field(self, kind: str, field_code: str) -> Target | None:
        for t in self.unit_targets_for(kind):
            if t.field == field_code:
                return t
        return None

    def industry_targets(self) -> list[Target]:
        return [t for t in self.targets if t.level == "industry"]

    def groups_for(self, kind: str) -> list[CriteriaGroup]:
        return [g for g in self.groups if applies(g.applies_to, kind)]

    def criteria_for(self, kind: str) -> list[Criterion]:
        codes = {g.code for g in self.groups_for(kind)}
        return [c for c in self.criteria if c.group in codes]

    @cached_property
    def title_by_code(self) -> dict[str, Title]:
        return {t.code: t for t in self.titles}

    @cached_property
    def _conditions_by_title(self) -> dict[str, list[TitleCondition]]:
        out: dict[str, list[TitleCondition]] = {}
        for c in self.conditions:
            out.setdefault(c.title, []).append(c)
        return out

    def conditions_of(self, title: str) -> list[TitleCondition]:
        return self._conditions_by_title.get(title, [])

    def checks_for(self, kind: str) -> list[Check]:
        return [c for c in self.checks if applies(c.applies_to, kind)]

    @cached_property
    def criterion_by_code(self) -> dict[str, Criterion]:
        return {c.code: c for c in self.criteria}

    @cached_property
    def rating_by_code(self) -> dict[str, Rating]:
        return {r.code: r for r in self.ratings}

    def ratings_best_first(self) -> list[Rating]:
        return sorted(self.ratings, key=lambda r: r.rank)

    def active_units(self, period: Period | None = None) -> list[Unit]:
        """Units expected to report: active, and founded before the period ends."""
        return [
            u for u in self.units
            if u.active and (period is None or u.active_since is None or u.active_since <= period.end)
        ]

    # --- identity -------------------------------------------------------------------------
    @cached_property
    def fingerprint(self) -> str:
        """A digest of the plan's content (not its formatting): forms record it. Earlier years'
        results are not the year's rules: adding them after forms were issued changes nothing; nor
        are a peak campaign's own rules (its forms carry its own plan, plan.for_period), nor the
        official documents' headers and signers."""
        payload = {k: v for k, v in asdict(self).items() if k not in ("source", "earlier", "campaigns", "documents")}
        text = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]
