"""Check one form against its plan: every rule runs, every failure is collected.

The rules are data (the plan's fields, targets, consistency checks and score sheet); this
module is the small library of rule kinds that interprets them. Nothing here knows whether
the form came from a file or from a live Excel book.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from .. import contract as C
from ..forms.layout import NOTHING, Derived, expected_formula_values, layout_for
from ..plan.calendar import report_date_problem
from ..plan.expr import parse_formula
from ..plan.model import Check, Field, Plan
from ..plan.semantics import MET, NOT_MET, describe_target
from ..read.form import Entry, FormData
from ..values import format_number_vi, format_percent_vi
from ..catalogue import Severity
from .findings import Finding, finding, sort_key

_EPS = 1e-9
_COMPARE = {
    "<=": (lambda a, b: a <= b + _EPS, "≤", "lớn hơn"),
    ">=": (lambda a, b: a >= b - _EPS, "≥", "nhỏ hơn"),
    "=": (lambda a, b: abs(a - b) <= _EPS, "=", "khác"),
    "<": (lambda a, b: a < b - _EPS, "<", "không nhỏ hơn"),
    ">": (lambda a, b: a > b + _EPS, ">", "không lớn hơn"),
}


@dataclass
class Context:
    form: FormData
    plan: Plan
    kind: str
    values: dict[str, object]          # typed entered values plus recomputed derived values
    derived: dict[str, Derived]        # formula cells' value and verdict, recomputed from the entries
    previous: dict[str, object] | None  # the same unit's figures of the previous period (year-to-date)


def check_form(form: FormData, plan: Plan, previous: FormData | dict | None = None) -> list[Finding]:
    """All findings for one read form, sorted by severity then position."""
    plan = plan.for_period(form.period_code)
    kind = plan.kind_of(form.unit_code, form.unit_kind)
    entered = form.entered()
    derived = expected_formula_values(layout_for(plan, kind), entered)
    values = {**entered, **{code: v.value for code, v in derived.items()}}
    prev = previous.entered() if isinstance(previous, FormData) else previous
    ctx = Context(form, plan, kind, values, derived, prev)
    findings: list[Finding] = []
    for rule in RULES:
        findings.extend(rule(ctx))
    return sorted(findings, key=sort_key)


# --- helpers ----------------------------------------------------------------------------------
def _at(e: Entry) -> str:
    return f"Trang '{e.sheet}', ô {e.cell} ({e.label})"


def show(value, f: Field | None = None) -> str:
    """A value as a person reads it in a message."""
    if value is None or value == "":
        return "(trống)"
    if isinstance(value, bool):
        return "Có" if value else "Không"
    if isinstance(value, date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, (int, float)):
        if f is not None and (f.unit_label == "%" or f.type == "percent"):
            return format_percent_vi(value, 2)
        return format_number_vi(value, 2)
    return str(value)


# --- rule kinds -------------------------------------------------------------------------------
def rule_read_problems(ctx: Context):
    """What the reader already found: unparseable cells, changed identity or targets..."""
    for p in ctx.form.problems:
        yield Finding(p.code, p.severity, p.message, p.sheet, p.cell, p.field, p.value)


def rule_interpreted(ctx: Context):
    """A value read with an interpretation ("12 người" -> 12): said, so the person can confirm."""
    for e in (*ctx.form.values.values(), *ctx.form.info.values()):
        if e.parsed.ok and e.parsed.note and not e.derived:
            yield finding("interpreted", sheet=e.sheet, cell=e.cell, field=e.code, raw=e.raw, expected=e.value,
                          at=_at(e), note=e.parsed.note)


def rule_required(ctx: Context):
    for f in ctx.plan.fields_for(ctx.kind):
        e = ctx.form.values.get(f.code)
        if f.is_derived or not f.required:
            continue
        if e is None:
            yield finding("missing_row", "field", field=f.code, label=f.label, code=f.code)
        elif e.parsed.blank:
            how = "chọn Có hoặc Không" if f.type == "yes_no" else "nhập số liệu (ghi 0 nếu không có)" \
                if f.type in ("number", "integer", "percent") else "nhập nội dung"
            yield finding("required", sheet=e.sheet, cell=e.cell, field=f.code, expected="bắt buộc", at=_at(e), how=how)


def rule_range(ctx: Context):
    for f in ctx.plan.fields_for(ctx.kind):
        e = ctx.form.values.get(f.code)
        if e is None or f.is_derived or not e.parsed.ok or not isinstance(e.value, (int, float)) \
                or isinstance(e.value, bool):
            continue
        lo = 0 if f.min is None and f.type in ("number", "integer", "percent") else f.min
        if lo is not None and e.value < lo - _EPS:
            yield finding("out_of_range", "low", sheet=e.sheet, cell=e.cell, field=f.code, raw=e.value,
                          expected=f"≥ {show(lo, f)}", at=_at(e), value=show(e.value, f), limit=show(lo, f))
        if f.max is not None and e.value > f.max + _EPS:
            yield finding("out_of_range", "high", sheet=e.sheet, cell=e.cell, field=f.code, raw=e.value,
                          expected=f"≤ {show(f.max, f)}", at=_at(e), value=show(e.value, f), limit=show(f.max, f))


def date_window(ctx: Context, f: Field) -> tuple[date, date]:
    """Dates of a period's report: inside the period, or year-to-date for cumulative fields."""
    period = ctx.plan.period(ctx.form.period_code) if ctx.form.period_code in ctx.plan.period_by_code else None
    if period is None:
        return date(ctx.plan.info.year, 1, 1), date(ctx.plan.info.year, 12, 31)
    start = date(period.start.year, 1, 1) if f.cumulative else period.start
    return start, period.end


def rule_dates_in_period(ctx: Context):
    for f in ctx.plan.fields_for(ctx.kind):
        e = ctx.form.values.get(f.code)
        if f.type != "date" or e is None or not e.parsed.ok:
            continue
        start, end = date_window(ctx, f)
        if not start <= e.value <= end:
            yield finding("date_outside_period", sheet=e.sheet, cell=e.cell, field=f.code, raw=e.value,
                          expected=f"{start:%d/%m/%Y} – {end:%d/%m/%Y}", at=_at(e), value=show(e.value),
                          start=f"{start:%d/%m/%Y}", end=f"{end:%d/%m/%Y}")


def rule_consistency(ctx: Context):
    """The plan's consistency checks (tblChecks): left <op> right over the same form's values."""
    for check in ctx.plan.checks_for(ctx.kind):
        yield from _one_check(ctx, check)


def _one_check(ctx: Context, check: Check):
    left, right = parse_formula(check.left), parse_formula(check.right)
    a, b = left.evaluate(ctx.values), right.evaluate(ctx.values)
    if a is None or b is None:
        return                      # a blank or unreadable operand is reported by its own rule
    test, sign, broken = _COMPARE[check.comparator]
    if test(a, b):
        return
    anchor = next((ctx.form.values[r] for r in left.refs if r in ctx.form.values), None)
    fld = ctx.plan.field_by_code.get(left.refs[0]) if left.refs else None
    right_label = _side_label(ctx, right)
    where = _at(anchor) if anchor is not None else "Trang số liệu"
    how = f" {check.help}" if check.help else ""
    yield finding(check.code, sheet=anchor.sheet if anchor else None, cell=anchor.cell if anchor else None,
                  field=left.refs[0] if left.refs else None, raw=a, expected=f"{sign} {show(b, fld)}",
                  severity=Severity(check.severity), name=f"Kiểm tra chéo: {check.label}",
                  where=where, left=show(a, fld), broken=broken, right_label=right_label, right=show(b, fld),
                  label=check.label, how=how)


def _side_label(ctx: Context, formula) -> str:
    if len(formula.refs) == 1 and formula.text.strip() == formula.refs[0]:
        f = ctx.plan.field_by_code.get(formula.refs[0])
        return f"'{f.label}'" if f else formula.text
    return formula.text


def rule_targets(ctx: Context):
    """Per-unit targets for the unit's kind: not met is a warning, met below stretch is info."""
    for t in ctx.plan.unit_targets_for(ctx.kind):
        e = ctx.form.values.get(t.field)
        if e is None:
            continue
        f = ctx.plan.field_by_code[t.field]
        verdict = ctx.derived.get(t.field, NOTHING).verdict
        wanted = describe_target(t.comparator, t.value, t.stretch, t.unit_label)
        value = ctx.values.get(t.field)
        if verdict == NOT_MET:
            yield finding("target_not_met", sheet=e.sheet, cell=e.cell, field=t.field, raw=value, expected=wanted,
                          at=_at(e), label=t.label, wanted=wanted, value=show(value, f))
        elif verdict == MET and t.comparator == "range":
            yield finding("target_below_stretch", sheet=e.sheet, cell=e.cell, field=t.field, raw=value,
                          expected=wanted, at=_at(e), label=t.label, wanted=wanted, stretch=show(t.stretch, f))


def rule_cumulative(ctx: Context):
    """Year-to-date figures may not fall below the previous period's (plan: Lũy kế = Có)."""
    if not ctx.previous:
        return
    for f in ctx.plan.fields_for(ctx.kind):
        if not f.cumulative or f.is_derived or f.type not in ("number", "integer"):
            continue
        e, before = ctx.form.values.get(f.code), ctx.previous.get(f.code)
        if e is None or not e.parsed.ok or not isinstance(before, (int, float)) or isinstance(before, bool):
            continue
        if e.value < before - _EPS:
            yield finding("cumulative_decrease", sheet=e.sheet, cell=e.cell, field=f.code, raw=e.value,
                          expected=f"≥ {show(before, f)}", at=_at(e), value=show(e.value, f), before=show(before, f))


def rule_scores(ctx: Context):
    """Self-scores within 0..points, each with an explanation; the upper level's column is not the
    unit's to fill: anything found there is an error at its cell (and is never used)."""
    for crit in ctx.plan.criteria_for(ctx.kind):
        s = ctx.form.scores.get(crit.code)
        if s is None:
            yield finding("missing_row", "criterion", field=crit.code, code=crit.code, label=crit.label)
            continue
        e = s.self_score
        if e.parsed.ok and (e.value > crit.points + _EPS or e.value < -_EPS):
            yield finding("score_out_of_range", sheet=e.sheet, cell=e.cell, field=crit.code, raw=e.value,
                          expected=f"0 – {show(crit.points)}", code=crit.code, who="tự chấm", value=show(e.value),
                          points=show(crit.points))
        upper = s.upper_score
        if not upper.parsed.blank:
            shown = show(upper.value) if upper.parsed.ok else f"'{upper.raw}'"
            yield finding("upper_score_by_unit", sheet=upper.sheet, cell=upper.cell, field=crit.code, raw=upper.raw,
                          expected="(trống)", code=crit.code, value=shown)
        self_score, note = s.self_score, s.explanation
        if crit.method == "self" and self_score.parsed.blank:
            yield finding("self_score_blank", sheet=self_score.sheet, cell=self_score.cell, field=crit.code,
                          expected=f"0 – {show(crit.points)}", code=crit.code)
        if self_score.parsed.ok and self_score.value > 0 and note.parsed.blank:
            yield finding("no_explanation", sheet=note.sheet, cell=note.cell, field=crit.code, expected="diễn giải",
                          code=crit.code, value=show(self_score.value))


def rule_report_info(ctx: Context):
    """Who reported and when: blanks are warnings, a date after the deadline is information."""
    info = ctx.form.info
    for code in C.UNIT_REQUIRED_CODES:
        e = info.get(code)
        if e is not None and e.parsed.blank:
            yield finding("report_info_blank", sheet=e.sheet, cell=e.cell, field=code, expected="bắt buộc",
                          at=_at(e), what=e.label.lower())
    day = info.get("ngay_bao_cao")
    period = ctx.plan.period_by_code.get(ctx.form.period_code)
    why = report_date_problem(day.value, ctx.plan, period) if day is not None and day.parsed.ok else None
    if why:
        yield finding("report_date_implausible", sheet=day.sheet, cell=day.cell, field="ngay_bao_cao", raw=day.value,
                      expected="ngày hợp lý", at=_at(day), why=why, year=ctx.plan.info.year)
    elif day is not None and day.parsed.ok and period is not None and day.value > period.deadline:
        yield finding("report_late", sheet=day.sheet, cell=day.cell, field="ngay_bao_cao", raw=day.value,
                      expected=f"≤ {period.deadline:%d/%m/%Y}", at=_at(day), value=show(day.value),
                      deadline=f"{period.deadline:%d/%m/%Y}")


def rule_initiative_list(ctx: Context):
    """The initiative count should be backed by as many rows in the initiative list."""
    e = ctx.form.values.get(C.LIST_COUNT_FIELDS[C.INITIATIVE_TABLE])
    lst = ctx.form.lists.get(C.INITIATIVE_TABLE)
    if e is None or lst is None or not e.parsed.ok or not isinstance(e.value, int):
        return
    listed = len(lst.rows)
    if listed < e.value:
        yield finding("initiatives_unlisted", sheet=e.sheet, cell=e.cell, field=e.code, raw=listed, expected=e.value,
                      at=_at(e), count=e.value, listed=listed, list_sheet=lst.sheet)


def rule_registrations(ctx: Context):
    """Title registrations against the plan's conditions; duplicates of the same person."""
    from ..score.engine import score_form
    from .awards import judge_form
    scored = score_form(ctx.form, ctx.plan)
    result, regs = judge_form(ctx.form, ctx.plan, scored.rating, scored.total)
    yield from _registration_changes(ctx, result)
    if not result.members and not regs and not result.duplicates:
        return
    for repeat, first in result.duplicates:
        yield finding("member_duplicate", sheet=repeat.sheet, cell=repeat.cell, field="thanh_vien", raw=repeat.name,
                      expected="không trùng", person=repeat.name, department=repeat.department, row=repeat.row,
                      first=first.row)
    for m, v in result.members:
        title = ctx.plan.title_by_code.get(v.title)
        where = f"Trang '{m.sheet}', ô {m.cell} ({m.name})"
        if title is None or title.target_of != "individual":
            yield finding("title_unknown", sheet=m.sheet, cell=m.cell, field="danh_hieu", raw=v.title,
                          expected="danh hiệu cá nhân", where=where, title=v.title)
        elif not v.eligible:
            yield finding("title_ineligible", sheet=m.sheet, cell=m.cell, field="danh_hieu", raw=v.title,
                          expected="đủ điều kiện", where=where, title=title.name, reasons=v.reason_text())
        elif v.capped:
            yield finding("title_over_cap", sheet=m.sheet, cell=m.cell, field="danh_hieu", raw=v.title, where=where,
                          title=title.name, note=v.cap_note)
    for (code, sheet, cell), v in zip(regs, result.collective):
        title = ctx.plan.title_by_code.get(code)
        if not v.eligible:
            yield finding("collective_ineligible", sheet=sheet, cell=cell, field="danh_hieu_tap_the", raw=code,
                          expected="đủ điều kiện", title=title.name if title else code, reasons=v.reason_text())


def _registration_changes(ctx: Context, result):
    """Titles added or dropped since the registration at the start of the year, when made after its
    deadline (the form carries that registration when it was issued with it: registrations.record)."""
    from .. import contract as C
    from ..registrations.record import day, record_from_meta
    record = record_from_meta(ctx.form.meta) if result.changes else None
    if record is None:
        return
    plan, deadline = ctx.plan, day(record.deadline)
    conditions = {c.title: c.code for c in plan.conditions if c.kind == "registered_at_start"}

    def name(code):
        t = plan.title_by_code.get(code)
        return t.name if t else code

    for ch in result.changes:
        if not ch.after_deadline:
            continue
        if ch.kind == "added":
            where = (f"Trang '{ch.sheet}', ô {ch.cell}" if ch.sheet and ch.cell else "Biểu mẫu") + \
                    (f" ({ch.person})" if ch.person else "")
            cond = conditions.get(ch.title)
            consequence = (f"; theo điều kiện {cond} của kế hoạch, danh hiệu không đăng ký từ đầu năm không được "
                           "xét" if cond else "")
            yield finding("registration_added", "" if record.registered else "no_book", sheet=ch.sheet,
                          cell=ch.cell, field="danh_hieu", raw=ch.title, expected="đăng ký từ đầu năm", where=where,
                          title=name(ch.title), when=ch.when, deadline=deadline, consequence=consequence)
        else:
            lst = ctx.form.lists.get(C.MEMBER_TABLE if ch.person else C.REGISTRATION_TABLE)
            sheet = lst.sheet if lst is not None else None
            who = f"{ch.person} ({ch.department or 'không ghi khoa/phòng'}) — " if ch.person else "danh hiệu tập thể "
            what = ("dòng của người này với danh hiệu đã đăng ký" if ch.person
                    else "'Có' ở cột 'Đăng ký' của danh hiệu này")
            yield finding("registration_removed", sheet=sheet, cell=None, field="danh_hieu", raw=ch.title,
                          expected="giữ đăng ký", where=f"Trang '{sheet}'" if sheet else "Biểu mẫu", who=who,
                          title=name(ch.title), when=ch.when, deadline=deadline, what=what)


def rule_pledges(ctx: Context):
    """The pledge: not below the plan's target; the unit's figures measured against it too."""
    from .. import contract as C
    from ..plan.semantics import MET_VERDICTS, target_verdict
    from ..values import parse_number, parse_yes_no
    lst = ctx.form.lists.get(C.PLEDGE_TABLE)
    if lst is None:
        return
    for i, r in enumerate(lst.rows):
        t = ctx.plan.target_by_code.get(str(r.get(C.CODE) or ""))
        raw = r.get(C.PLEDGE_VALUE)
        if t is None or t.level != "unit" or raw is None:
            continue
        cell = lst.address(i, C.PLEDGE_VALUE)
        where = f"Trang '{lst.sheet}', ô {cell} (giao ước {t.code})"
        f = ctx.plan.field_by_code.get(t.field)
        if t.comparator == "yes":
            p = parse_yes_no(raw)
            if not p.ok or p.value is False:
                yield finding("pledge_below_plan", "yes", sheet=lst.sheet, cell=cell, field=t.field, raw=raw,
                              expected="Có", where=where)
            continue
        p = parse_number(raw, percent=(t.unit_label == "%"))
        if not p.ok:
            yield finding("pledge_unreadable", sheet=lst.sheet, cell=cell, field=t.field, raw=raw, expected="một số",
                          where=where, note=p.note)
            continue
        below = p.value > t.value + _EPS if t.comparator == "<=" else p.value < t.value - _EPS
        if below:
            yield finding("pledge_below_plan", "number", sheet=lst.sheet, cell=cell, field=t.field, raw=p.value,
                          expected=f"≥ {show(t.value, f)}", where=where, value=show(p.value, f),
                          target=describe_target(t.comparator, t.value, t.stretch, t.unit_label))
            continue
        own = ctx.values.get(t.field)
        comparator = "<=" if t.comparator == "<=" else ">="
        e = ctx.form.values.get(t.field)
        if e is not None and ctx.derived.get(t.field, NOTHING).verdict in MET_VERDICTS \
                and target_verdict(comparator, own, p.value, None) == NOT_MET:
            yield finding("pledge_not_met", sheet=e.sheet, cell=e.cell, field=t.field, raw=own,
                          expected=show(p.value, f), at=_at(e), pledge=show(p.value, f), value=show(own, f))


RULES = (rule_read_problems, rule_interpreted, rule_required, rule_range, rule_dates_in_period,
         rule_consistency, rule_targets, rule_cumulative, rule_scores, rule_report_info,
         rule_initiative_list, rule_registrations, rule_pledges)
