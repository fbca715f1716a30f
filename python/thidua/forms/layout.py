"""What one unit's form contains, derived from the plan: rows, targets, formulas.

The writer lays these rows out; `expected_formula_values` computes, in Python, what the form's
native formulas must show for given cell contents (LibreOffice tests compare the two).
"""
from __future__ import annotations

from dataclasses import dataclass

from ..plan.expr import Formula, parse_formula
from ..plan.model import Criterion, Field, Plan, Target, Unit
from ..plan.semantics import describe_target, target_verdict
from .. import contract


@dataclass(frozen=True)
class IndicatorRow:
    field: Field
    target: Target | None
    formula: Formula | None

    @property
    def target_text(self) -> str:
        t = self.target
        return describe_target(t.comparator, t.value, t.stretch, t.unit_label) if t else ""

    def shown(self) -> tuple:
        """The target as shown in the form (what the targets digest covers)."""
        t = self.target
        if t is None:
            return (self.field.code, "", "", None, None, "")
        return (self.field.code, t.code, t.comparator, t.value, t.stretch, self.target_text)


@dataclass(frozen=True)
class ScoreRow:
    criterion: Criterion
    group_name: str


@dataclass(frozen=True)
class FormLayout:
    kind: str
    indicators: tuple[IndicatorRow, ...]
    scores: tuple[ScoreRow, ...]

    def digest(self, unit: Unit, plan: Plan) -> str:
        return contract.targets_digest(unit.code, plan.fingerprint, [r.shown() for r in self.indicators])


_CACHE: dict[tuple[int, str], tuple[Plan, "FormLayout"]] = {}


def layout_for(plan: Plan, kind: str) -> FormLayout:
    """Cached per plan object (by identity: hashing a whole plan per form would cost more)."""
    hit = _CACHE.get((id(plan), kind))
    if hit is not None and hit[0] is plan:
        return hit[1]
    layout = _build_layout(plan, kind)
    if len(_CACHE) > 32:
        _CACHE.clear()
    _CACHE[(id(plan), kind)] = (plan, layout)
    return layout


def _build_layout(plan: Plan, kind: str) -> FormLayout:
    rows = []
    for f in plan.fields_for(kind):
        formula = parse_formula(f.formula) if f.is_derived else None
        rows.append(IndicatorRow(f, plan.unit_target_for_field(kind, f.code), formula))
    groups = {g.code: g.name for g in plan.groups_for(kind)}
    scores = tuple(ScoreRow(c, groups[c.group]) for c in plan.criteria_for(kind))
    return FormLayout(kind, tuple(rows), scores)


@dataclass(frozen=True)
class Derived:
    """What a form's formula cells show for one field: its value (derived fields) and its verdict
    against the unit's target (rows with a target)."""
    value: object
    verdict: str | None


NOTHING = Derived(None, None)


def expected_formula_values(layout: FormLayout, cells: dict[str, object]) -> dict[str, Derived]:
    """What the form's formulas show, given the raw contents of the entry cells.

    Mirrors Excel: derived fields compute only over real numbers (text and blanks give blank);
    the verdict compares the cell content (a derived value for derived fields) to the target.
    Covers derived fields and rows with targets (others: NOTHING).
    """
    values = dict(cells)
    out: dict[str, Derived] = {}
    for row in layout.indicators:
        if row.formula is not None:
            values[row.field.code] = row.formula.evaluate(values)
    for row in layout.indicators:
        code = row.field.code
        if row.formula is None and row.target is None:
            continue
        v = values.get(code)
        verdict = None
        if row.target is not None:
            t = row.target
            verdict = target_verdict(t.comparator, v, t.value, t.stretch)
        out[code] = Derived(v, verdict)
    return out
