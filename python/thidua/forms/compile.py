"""The plan's rules compiled to spreadsheet formulas, so an issued form checks and scores itself
in any spreadsheet (Excel 2010+, WPS, LibreOffice) with no Python.

One compiler, from the plan's data: every rule kind of the Python engine that a formula can
decide (check.engine, score.engine, check.awards) is emitted here, once, as formulas over the
form's own cells; its words come from the catalogue (the same templates the engine fills) and
its constants from the plan. The Python engine stays the authority: it also reads Vietnamese
text numbers, verifies identity and authenticity, compares with the previous period and the
registration records of other files. Where the two could disagree — text typed where a number,
a date or Có/Không belongs — the form does not guess: it flags the cell "bấm Kiểm tra" (rule
`needs_button`). The LibreOffice differential test (tests/test_selfcheck.py) holds every
formula here equal to the engine on the demo's forms and on randomized fills at every threshold.

Output: plain data (`Compiled`) of formula texts; forms.selfcheck lays it out in the workbook.
Formulas use the placeholders of `Cells` for the form's cells, resolved when written.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from .. import contract as C
from ..catalogue import Severity, rule as rule_of
from ..check.findings import sort_key
from ..plan.expr import parse_formula
from ..plan.model import Plan, Title
from ..read.workbook import column_letter
from ..plan.schema import DISCIPLINE_LEVELS
from ..plan.semantics import MET, MET_STRETCH, NO, NOT_MET, YES, describe_target
from ..score.engine import NO_RATING, eligibility
from ..values import format_number_vi, format_percent_vi
from . import formula as F
from .layout import FormLayout

# Rules the form decides live. The differential test compares exactly these with the engine; the
# others (previous period, registration changes, reading and identity) need the Kiểm tra button.
LIVE_RULES = ("required", "out_of_range", "date_outside_period", "consistency", "target_not_met",
              "target_below_stretch", "score_out_of_range", "upper_score_by_unit", "self_score_blank",
              "no_explanation", "report_info_blank", "report_date_implausible", "report_late",
              "initiatives_unlisted", "member_duplicate", "title_unknown", "title_ineligible", "title_over_cap",
              "collective_ineligible", "pledge_below_plan", "pledge_not_met")
NEEDS_BUTTON = "needs_button"
EXTRA_MEMBER_ROWS = 0       # the live check covers the issued member rows (rows typed under the list: the button)
INITIATIVE_SPAN = 500       # rows of the initiative list the count covers (the table grows as people type)


# --- the form's cells -----------------------------------------------------------------------------
_PLACE = re.compile(r"⟦([^⟧]+)⟧")


def cell_ref(sheet: str, row: int, col: int, relative: bool = False) -> str:
    """A placeholder for one cell (0-based row and column). `relative`: written with a relative row
    ($F5), the same cell, so that formulas one row apart read alike (shared formulas)."""
    return f"⟦{sheet}|{row}{'~' if relative else ''}|{col}⟧"


def a1(row: int, col: int, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    return f"{d}{column_letter(col)}{d}{row + 1}"


def _a1_of(row: str, col: str) -> str:
    """A placeholder's row and column as an address: absolute, or with a relative row ("~")."""
    if row.endswith("~"):
        return f"${column_letter(int(col))}{int(row[:-1]) + 1}"
    return a1(int(row), int(col), True)


def quote_sheet(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


_RANGE = re.compile(r"⟦([^⟧|]+)\|(\d+~?)\|(\d+)⟧:⟦\1\|(\d+~?)\|(\d+)⟧")


def resolve(text: str, here: str | None = None) -> str:
    """Placeholders to absolute references, qualified unless on the sheet `here`."""
    def qualify(sheet: str, ref: str) -> str:
        return ref if sheet == here else f"{quote_sheet(sheet)}!{ref}"

    def sub_range(m):
        ref = f"{_a1_of(m.group(2), m.group(3))}:{_a1_of(m.group(4), m.group(5))}"
        return qualify(m.group(1), ref)

    def sub(m):
        sheet, row, col = m.group(1).rsplit("|", 2)
        return qualify(sheet, _a1_of(row, col))
    return _PLACE.sub(sub, _RANGE.sub(sub_range, text))


def span(sheet: str, row0: int, row1: int, col: int) -> str:
    """A column range (rows row0..row1, 0-based, inclusive) on one sheet."""
    return f"{cell_ref(sheet, row0, col)}:{cell_ref(sheet, row1, col)}"


@dataclass(frozen=True)
class Geometry:
    """Where the form writer put every cell the rules read (forms.write, forms.registration)."""
    sheets: dict
    indicator_row: dict        # field code -> 0-based row
    score_row: dict            # criterion code -> row
    info_row: dict             # unit-info code -> row
    registration_row: dict     # collective title code -> row
    pledge_row: dict           # target code -> row
    member_first: int
    member_rows: int           # rows of the issued member table
    initiative_first: int

    def entry(self, code: str) -> str:
        return cell_ref(self.sheets["ind"], self.indicator_row[code], _ICOL[C.ENTRY])

    def verdict(self, code: str) -> str:
        return cell_ref(self.sheets["ind"], self.indicator_row[code], _ICOL[C.VERDICT])

    def score(self, code: str, column: str) -> str:
        return cell_ref(self.sheets["score"], self.score_row[code], _SCOL[column])

    def info(self, code: str) -> str:
        return cell_ref(self.sheets["info"], self.info_row[code], 2)

    def member(self, i: int, column: str) -> str:
        return cell_ref(self.sheets["member"], self.member_first + i, _MCOL[column], relative=True)

    def members(self, column: str, upto: int | None = None) -> str:
        last = self.member_first + (self.member_span - 1 if upto is None else upto)
        return span(self.sheets["member"], self.member_first, last, _MCOL[column])

    @property
    def member_span(self) -> int:
        return self.member_rows + EXTRA_MEMBER_ROWS


_ICOL = {h: i for i, h in enumerate(C.INDICATOR_COLUMNS)}
_SCOL = {h: i for i, h in enumerate(C.SCORE_COLUMNS)}
_MCOL = {h: i for i, h in enumerate(C.MEMBER_COLUMNS)}


def geometry(plan: Plan, layout: FormLayout, start=None) -> Geometry:
    from . import registration as R
    from .write import FIRST
    titles = [t for t in plan.titles if t.target_of == "collective"]
    top = R.pledge_header_row(len(titles))
    members = list(start.members) if start is not None else []
    return Geometry(
        sheets={"ind": C.SHEETS[C.INDICATOR_TABLE], "score": C.SHEETS[C.SCORE_TABLE],
                "info": C.SHEETS[C.UNIT_TABLE], "member": C.SHEETS[C.MEMBER_TABLE],
                "reg": C.SHEETS[C.REGISTRATION_TABLE], "init": C.SHEETS[C.INITIATIVE_TABLE]},
        indicator_row={r.field.code: FIRST + i for i, r in enumerate(layout.indicators)},
        score_row={r.criterion.code: FIRST + i for i, r in enumerate(layout.scores)},
        info_row={code: FIRST + i for i, (code, *_rest) in enumerate(C.UNIT_ROWS)},
        registration_row={t.code: R.HEADER_ROW + 1 + i for i, t in enumerate(titles)},
        pledge_row={t.code: top + 1 + i for i, t in enumerate(plan.unit_targets_for(layout.kind))},
        member_first=R.HEADER_ROW + 1, member_rows=R.member_rows(len(members)),
        initiative_first=FIRST)


# --- what the compiler emits ----------------------------------------------------------------------
@dataclass
class Candidate:
    """One problem the form may have: a rule at a cell, when `flag` holds; its message a formula.
    `a`, `b`: values the message shows (computed once in their own cells: ⟪A⟫, ⟪B⟫)."""
    rule: str
    severity: Severity
    sheet: str
    cell: str
    flag: str
    message: str
    name: str = ""
    a: str | None = None
    b: str | None = None
    dynamic: dict | None = None     # formulas for "rule", "severity", "name" when they depend on the row


    @property
    def label(self) -> str:
        return self.name or rule_of(self.rule).name


@dataclass
class Compiled:
    kind: str
    candidates: list[Candidate] = field(default_factory=list)
    criteria: list[tuple] = field(default_factory=list)      # (criterion, points formula, basis formula)
    groups: list[tuple] = field(default_factory=list)        # (group, score formula, floor-met formula)
    summary: dict = field(default_factory=dict)              # key -> formula (calc cells: ⟪name⟫)
    member_columns: list[tuple] = field(default_factory=list)  # (name, header, formula with {r} {i} {p})
    collective: list[tuple] = field(default_factory=list)    # (title, ticked formula, reasons formula)
    member_rules: dict = field(default_factory=dict)         # rule -> (flag, message), per member row
    member_typed: list = field(default_factory=list)         # (member column, type) cells read as typed
    conditions: tuple = ()                                   # the plan's title conditions
    geometry: Geometry | None = None                         # where the form's cells are


def sorted_candidates(cands: list[Candidate]) -> list[Candidate]:
    from ..check.findings import Finding
    return sorted(cands, key=lambda c: sort_key(Finding(c.rule, c.severity, "", c.sheet, c.cell)))


class _Dyn(str):
    """A message parameter that is a formula, not text."""


def dyn(expr: str) -> _Dyn:
    return _Dyn(expr)


Msg = tuple          # a message: ((is_formula, text), ...) — constant words and formulas in turn


def message(code: str, variant: str = "", /, **params) -> Msg:
    """The catalogue's template with _Dyn parameters left as formulas: the fixed words stay text
    (a form keeps them as plain cell text, not inside formulas), the rest are formulas."""
    marks, exprs = {}, []
    for k, v in params.items():
        if isinstance(v, _Dyn):
            marks[k] = f"\x00{len(exprs)}\x00"
            exprs.append(str(v))
    text = rule_of(code).message(variant, **{**params, **marks})
    parts = text.split("\x00")
    return tuple((bool(i % 2), exprs[int(p)] if i % 2 else p) for i, p in enumerate(parts) if i % 2 or p)


def msg_formula(msg: Msg) -> str:
    """A message as one formula (rare: where it is a part of another formula)."""
    return "&".join(f"({t})" if dyn_ else F.lit(t) for dyn_, t in msg) or '""'


def number_text(expr: str, decimals: int = 2, percent: bool = False) -> str:
    """format_number_vi / format_percent_vi of a value, as a token the writer turns into a cell
    (each value is formatted once however many messages show it)."""
    return f"⟪num:{int(percent)}:{decimals}:{expr}⟫"


def show(ref: str, fld=None) -> str:
    """check.engine.show as a formula for a number cell (percent for rates)."""
    return number_text(ref, 2, fld is not None and (fld.unit_label == "%" or fld.type == "percent"))


def show_any(ref: str, fld) -> str:
    """show() of whatever the cell holds: Có/Không, a date, a number, text."""
    if fld.type == "yes_no":
        return f'IF({F.yes(ref)},"{YES}",IF({F.no(ref)},"{NO}",{ref}&""))'
    if fld.type == "date":
        return f'IF(ISNUMBER({ref}),{F.vi_date(ref)},{ref}&"")'
    return f'IF(ISNUMBER({ref}),{show(ref, fld)},{ref}&"")'


def _pts(x: float) -> str:
    return format_number_vi(x, 2)


# --- the compiler ------------------------------------------------------------------------------------
def compile_form(plan: Plan, layout: FormLayout, period, start=None, unit=None) -> Compiled:
    """Every live rule, score and verdict of one form. `plan` is the period's plan
    (plan.for_period); `start` the registration record the form carries (None: none)."""
    g = geometry(plan, layout, start)
    out = Compiled(layout.kind, conditions=plan.conditions, geometry=g)
    _indicators(out, plan, layout, period, g)
    _scores(out, plan, layout, g, unit)
    _report_info(out, plan, period, g)
    _initiatives(out, plan, layout, g)
    _members(out, plan, layout, g, start)
    _pledges(out, plan, layout, g)
    if out.member_rules:
        add_member_candidates(out, g)
    out.candidates = sorted_candidates(out.candidates)
    return out


def _at(sheet: str, cell: str, label: str) -> str:
    return f"Trang '{sheet}', ô {cell} ({label})"


def _addr(ref: str) -> str:
    """'F5' of a placeholder."""
    sheet, row, col = _PLACE.fullmatch(ref).group(1).rsplit("|", 2)
    return a1(int(row.rstrip("~")), int(col))


def _sheet(ref: str) -> str:
    return _PLACE.fullmatch(ref).group(1).rsplit("|", 2)[0]


def _needs_button(out: Compiled, ref: str, label: str, what: str, bad: str) -> None:
    sheet, cell = _sheet(ref), _addr(ref)
    # the cell's own words apart from the rule's long advice, which the form then stores once
    head, tail = message(NEEDS_BUTTON, at="\x01", what=what)[0][1].split("\x01")
    out.candidates.append(Candidate(NEEDS_BUTTON, rule_of(NEEDS_BUTTON).severity, sheet, cell, bad,
                                    ((False, head + _at(sheet, cell, label)), (False, tail))))


def _typed_bad(ref: str, typ: str) -> str | None:
    """The cell holds what the formulas cannot read as its type (the engine may: '1.234', '95%')."""
    if typ in ("number", "percent", "date"):
        return F.is_text(ref)
    if typ == "integer":
        # IF, not AND: AND evaluates every argument, and arithmetic on text is an error
        return f"IF(ISNUMBER({ref}),ABS({ref}-ROUND({ref},0))>{F.EPS},{F.is_text(ref)})"
    if typ == "yes_no":
        return f"AND({F.filled(ref)},NOT({F.yes(ref)}),NOT({F.no(ref)}))"
    return None


_WHAT = {"number": "một số", "integer": "một số nguyên", "percent": "một tỷ lệ", "date": "một ngày",
         "yes_no": "Có hoặc Không"}


def _indicators(out: Compiled, plan: Plan, layout: FormLayout, period, g: Geometry) -> None:
    sheet = g.sheets["ind"]
    fields = {r.field.code: r for r in layout.indicators}
    for row in layout.indicators:
        f = row.field
        ref = g.entry(f.code)
        cell, at = _addr(ref), _at(sheet, _addr(ref), f.label)
        if f.is_derived:
            continue
        bad = _typed_bad(ref, f.type)
        if bad:
            _needs_button(out, ref, f.label, _WHAT[f.type], bad)
        if f.required:
            how = "chọn Có hoặc Không" if f.type == "yes_no" else "nhập số liệu (ghi 0 nếu không có)" \
                if f.type in ("number", "integer", "percent") else "nhập nội dung"
            out.candidates.append(Candidate("required", rule_of("required").severity, sheet, cell, F.blank(ref),
                                            message("required", at=at, how=how)))
        if f.type in ("number", "integer", "percent"):
            lo = 0 if f.min is None else f.min
            pct = f.unit_label == "%" or f.type == "percent"
            fv = lambda v: format_percent_vi(v, 2) if pct else format_number_vi(v, 2)  # noqa: E731 engine.show
            out.candidates.append(Candidate(
                "out_of_range", rule_of("out_of_range").severity, sheet, cell,
                f"AND(ISNUMBER({ref}),{ref}<{F.num(lo)}-{F.EPS})",
                message("out_of_range", "low", at=at, value=dyn(show(ref, f)), limit=fv(lo))))
            if f.max is not None:
                out.candidates.append(Candidate(
                    "out_of_range", rule_of("out_of_range").severity, sheet, cell,
                    f"AND(ISNUMBER({ref}),{ref}>{F.num(f.max)}+{F.EPS})",
                    message("out_of_range", "high", at=at, value=dyn(show(ref, f)), limit=fv(f.max))))
        if f.type == "date":
            begin = date(period.start.year, 1, 1) if f.cumulative else period.start
            out.candidates.append(Candidate(
                "date_outside_period", rule_of("date_outside_period").severity, sheet, cell,
                f"AND(ISNUMBER({ref}),OR(INT({ref})<{F.serial(begin)},INT({ref})>{F.serial(period.end)}))",
                message("date_outside_period", at=at, value=dyn(F.vi_date(ref)), start=f"{begin:%d/%m/%Y}",
                        end=f"{period.end:%d/%m/%Y}")))
    for check in plan.checks_for(layout.kind):
        _consistency(out, plan, check, fields, g)
    for row in layout.indicators:
        t = row.target
        if t is None:
            continue
        f, ref, verdict = row.field, g.entry(row.field.code), g.verdict(row.field.code)
        cell, at = _addr(ref), _at(sheet, _addr(ref), f.label)
        wanted = describe_target(t.comparator, t.value, t.stretch, t.unit_label)
        value = show_any(ref, f)
        out.candidates.append(Candidate("target_not_met", rule_of("target_not_met").severity, sheet, cell,
                                        f'{verdict}="{NOT_MET}"',
                                        message("target_not_met", at=at, label=t.label, wanted=wanted,
                                                value=dyn(value))))
        if t.comparator == "range":
            stretch = format_percent_vi(t.stretch, 2) if f.unit_label == "%" or f.type == "percent" \
                else format_number_vi(t.stretch, 2)
            out.candidates.append(Candidate("target_below_stretch", rule_of("target_below_stretch").severity,
                                            sheet, cell, f'{verdict}="{MET}"',
                                            message("target_below_stretch", at=at, label=t.label, wanted=wanted,
                                                    stretch=stretch)))


def _consistency(out: Compiled, plan: Plan, check, fields: dict, g: Geometry) -> None:
    """tblChecks: left <op> right, both sides numbers (a blank or text side is another rule's)."""
    left, right = parse_formula(check.left), parse_formula(check.right)
    if any(r not in fields for r in (*left.refs, *right.refs)):
        return                              # a field of the other kind: the engine skips it too
    cell_of = g.entry
    a, b = left.to_excel(cell_of)[1:], right.to_excel(cell_of)[1:]
    test = {"<=": "⟪A⟫<=⟪B⟫+{e}", ">=": "⟪A⟫>=⟪B⟫-{e}", "=": "ABS(⟪A⟫-⟪B⟫)<={e}",
            "<": "⟪A⟫<⟪B⟫-{e}", ">": "⟪A⟫>⟪B⟫+{e}"}[check.comparator].format(e=F.EPS)
    sign, broken = {"<=": ("≤", "lớn hơn"), ">=": ("≥", "nhỏ hơn"), "=": ("=", "khác"), "<": ("<", "không nhỏ hơn"),
                    ">": (">", "không lớn hơn")}[check.comparator]
    anchor = next((r for r in left.refs), None)
    fld = plan.field_by_code.get(left.refs[0]) if left.refs else None
    if anchor is None:
        return
    ref = g.entry(anchor)
    sheet, cell = _sheet(ref), _addr(ref)
    if len(right.refs) == 1 and right.text.strip() == right.refs[0]:
        rf = plan.field_by_code.get(right.refs[0])
        right_label = f"'{rf.label}'" if rf else right.text
    else:
        right_label = right.text
    how = f" {check.help}" if check.help else ""
    where = _at(sheet, cell, fields[anchor].field.label)
    out.candidates.append(Candidate(
        check.code, Severity(check.severity), sheet, cell,
        f'AND(ISNUMBER(⟪A⟫),ISNUMBER(⟪B⟫),NOT({test}))',
        message("consistency", where=where, left=dyn(show(_bare(left, g) or a, fld)), broken=broken,
                right_label=right_label, right=dyn(show(_bare(right, g) or b, fld)), label=check.label, how=how),
        name=f"Kiểm tra chéo: {check.label}", a=a, b=b))


def _bare(formula, g: Geometry) -> str | None:
    """The field's cell when a side of a check is one field (its value is shown from there)."""
    return g.entry(formula.refs[0]) if len(formula.refs) == 1 and formula.text.strip() == formula.refs[0] else None


def _scores(out: Compiled, plan: Plan, layout: FormLayout, g: Geometry, unit) -> None:
    sheet = g.sheets["score"]
    rows = []
    for row in layout.scores:
        c = row.criterion
        own, upper, note = (g.score(c.code, C.SELF_SCORE), g.score(c.code, C.UPPER_SCORE),
                            g.score(c.code, C.EXPLANATION))
        bad = _typed_bad(own, "number")
        _needs_button(out, own, f"{c.code} — {C.SELF_SCORE}", "một số điểm", bad)
        out.candidates.append(Candidate(
            "score_out_of_range", rule_of("score_out_of_range").severity, sheet, _addr(own),
            f"AND(ISNUMBER({own}),OR({own}>{F.num(c.points)}+{F.EPS},{own}<-{F.EPS}))",
            message("score_out_of_range", sheet=sheet, cell=_addr(own), code=c.code, who="tự chấm",
                    value=dyn(number_text(own)), points=_pts(c.points))))
        out.candidates.append(Candidate(
            "upper_score_by_unit", rule_of("upper_score_by_unit").severity, sheet, _addr(upper), F.filled(upper),
            message("upper_score_by_unit", sheet=sheet, cell=_addr(upper), code=c.code,
                    value=dyn(f"""IF(ISNUMBER({upper}),{number_text(upper)},"'"&{upper}&"'")"""))))
        if c.method == "self":
            out.candidates.append(Candidate("self_score_blank", rule_of("self_score_blank").severity, sheet,
                                            _addr(own), F.blank(own),
                                            message("self_score_blank", sheet=sheet, cell=_addr(own), code=c.code)))
        out.candidates.append(Candidate(
            "no_explanation", rule_of("no_explanation").severity, sheet, _addr(note),
            f"AND(ISNUMBER({own}),{own}>0,{F.blank(note)})",
            message("no_explanation", sheet=sheet, cell=_addr(note), code=c.code, value=dyn(number_text(own)))))
        points, basis = _criterion(plan, c, g, own)
        rows.append((c, points, basis))
    out.criteria = rows
    # groups, total, rating: calc cells named ⟪crit:CODE⟫, ⟪group:CODE⟫, ⟪total⟫ (forms.selfcheck)
    for grp in plan.groups_for(layout.kind):
        members = [f"⟪crit:{c.code}⟫" for c, _, _ in rows if c.group == grp.code]
        score = f"ROUND({'+'.join(members) or '0'},2)"
        floor_ok = "TRUE" if grp.floor is None else \
            f"⟪group:{grp.code}⟫>={F.num(grp.floor * grp.max_points)}-{F.EPS}"
        out.groups.append((grp, score, floor_ok))
    out.summary["total"] = f"ROUND({'+'.join(f'⟪group:{grp.code}⟫' for grp, _, _ in out.groups) or '0'},2)"
    out.summary["max_total"] = F.num(sum(grp.max_points for grp, _, _ in out.groups))
    code, name, reason = _rating(plan, out.groups, unit, out.summary)
    out.summary.update(rating=code, rating_name=name, reason=reason)


def _criterion(plan: Plan, c, g: Geometry, own: str) -> tuple[str, str]:
    """score.engine.criterion_points and the self-score rule of score_values, as formulas."""
    if c.method == "self":
        p = F.num(c.points)
        points = f"IF(ISNUMBER({own}),MAX(0,MIN({p},{own})),0)"
        basis = (f'IF(ISNUMBER({own}),IF({own}>{p},"tự chấm "&{number_text(own)}&{F.lit(" vượt điểm chuẩn, tính " + _pts(c.points))},'
                 f'"tự chấm"),"chưa tự chấm: 0 điểm")')
        return points, basis
    t = plan.target_by_code.get(c.target or "")
    if t is None or t.field not in plan.field_by_code:
        return "0", F.lit(f"tiêu chí {c.code} không gắn với chỉ tiêu nào của kế hoạch: 0 điểm")
    ref, verdict = g.entry(t.field), g.verdict(t.field)
    none = _unread(plan, t.field, g, F.lit(f"chưa có số liệu cho {t.field}"))
    if c.method == "all_or_nothing":
        met = f'OR({verdict}="{MET}",{verdict}="{MET_STRETCH}")'
        points = f"IF({met},{F.num(c.points)},0)"
        basis = (f'IF({met},{F.lit(f"đạt chỉ tiêu {t.code}: {_pts(c.points)} điểm")},'
                 f'IF({F.blank(ref)},{none},{F.lit(f"chưa đạt chỉ tiêu {t.code}")}))')
        return points, basis
    if not t.value or t.value <= 0:
        return "0", F.lit(f"chỉ tiêu {t.code} không có giá trị lớn hơn 0 nên không chấm theo tỷ lệ được: 0 điểm")
    ratio = f"MAX(0,MIN(1,{ref}/{F.num(t.value)}))"
    points = f"IF(ISNUMBER({ref}),ROUND({F.num(c.points)}*{ratio},2),0)"
    basis = (f'IF(ISNUMBER({ref}),"đạt "&{number_text(f"{ref}/{F.num(t.value)}", 1, True)}'
             f'&{F.lit(f" chỉ tiêu {t.code} → ")}&{number_text(f"{F.num(c.points)}*{ratio}")}'
             f'&{F.lit(f"/{_pts(c.points)} điểm")},{none})')
    return points, basis


def _unread(plan: Plan, code: str, g: Geometry, otherwise: str) -> str:
    """"bấm Kiểm tra" when the figures a criterion rests on hold text the formulas cannot read."""
    f = plan.field_by_code[code]
    inputs = parse_formula(f.formula).refs if f.is_derived else (code,)
    bad = [_typed_bad(g.entry(x), plan.field_by_code[x].type) for x in inputs
           if x in g.indicator_row and x in plan.field_by_code]
    bad = [b for b in bad if b]
    if not bad:
        return otherwise
    return f'IF({F.any_of(*bad)},{F.lit("số liệu có chữ nên chưa tính được: bấm Kiểm tra")},{otherwise})'


def _rating(plan: Plan, groups, unit, summary: dict) -> tuple[str, str, str]:
    """score.engine.rate (and eligibility) as formulas over ⟪total⟫ and the groups' cells; the
    total and group scores are formatted once, in their own cells (Excel caps a formula at 8,192
    characters)."""
    total = "⟪total⟫"
    summary["total_text"] = number_text(total)
    eligible, why_not = eligibility(plan, unit)
    if not eligible:
        return '""', F.lit("Chưa xếp loại"), F.lit(why_not)
    if not plan.ratings:
        return '""', F.lit(NO_RATING), (f'"đạt "&⟪total_text⟫&{F.lit(" điểm; đợt cao điểm chấm điểm để khen thưởng theo đợt, không xếp loại năm")}')
    floors = [(grp, f"⟪floor:{grp.code}⟫") for grp, _, _ in groups if grp.floor is not None]
    any_below = F.any_of(*(f"NOT({ok})" for _, ok in floors)) if floors else "FALSE"
    for grp, _ok in floors:
        summary[f"group_text:{grp.code}"] = number_text(f"⟪group:{grp.code}⟫")
    summary["below_text"] = ("MID(" + "&".join(
        f'IF(NOT({ok}),{F.lit(f", nhóm {grp.code} đạt ")}&⟪group_text:{grp.code}⟫'
        f'&{F.lit(f"/{_pts(grp.max_points)} điểm, dưới mức sàn {format_percent_vi(grp.floor, 0)}")},"")'
        for grp, ok in floors) + ",3,32767)") if floors else '""'
    best = plan.ratings_best_first()
    reached = {r.code: f"{total}>={F.num(r.min_score)}-{F.EPS}" for r in best}
    code_f, name_f, reason_f = f'"{best[-1].code}"', F.lit(best[-1].name), \
        f'"đạt "&⟪total_text⟫&{F.lit(" điểm nên xếp " + best[-1].code)}'
    # from the worst up, so the first rating that holds is the outermost test
    for i in range(len(best) - 1, -1, -1):
        r = best[i]
        holds = F.all_of(reached[r.code], f"NOT({any_below})") if r.needs_floor else reached[r.code]
        reason = f'"đạt "&⟪total_text⟫&{F.lit(f" điểm (ngưỡng {r.code} từ {_pts(r.min_score)} điểm) nên xếp {r.code}")}'
        for j in range(i - 1, -1, -1):      # the best rating reached but blocked by a floor
            b = best[j]
            blocked = (f'"đủ "&⟪total_text⟫&{F.lit(f" điểm (ngưỡng {b.code} từ {_pts(b.min_score)}) nhưng ")}'
                       f'&⟪below_text⟫&{F.lit(f" nên xếp {r.code}")}')
            reason = f"IF({reached[b.code]},{blocked},{reason})"
        code_f = f'IF({holds},"{r.code}",{code_f})'
        name_f = f"IF({holds},{F.lit(r.name)},{name_f})"
        reason_f = f"IF({holds},{reason},{reason_f})"
    return code_f, name_f, reason_f


def _report_info(out: Compiled, plan: Plan, period, g: Geometry) -> None:
    sheet = g.sheets["info"]
    labels = {code: label for code, label, *_ in C.UNIT_ROWS}
    for code in C.UNIT_REQUIRED_CODES:
        ref = g.info(code)
        out.candidates.append(Candidate("report_info_blank", rule_of("report_info_blank").severity, sheet,
                                        _addr(ref), F.blank(ref),
                                        message("report_info_blank", at=_at(sheet, _addr(ref), labels[code]),
                                                what=labels[code].lower())))
    day = g.info("ngay_bao_cao")
    at = _at(sheet, _addr(day), labels["ngay_bao_cao"])
    _needs_button(out, day, labels["ngay_bao_cao"], "một ngày", F.is_text(day))
    year0 = date(plan.info.year, 1, 1)
    shown = F.vi_date(day)
    p = plan.period_by_code.get(period.code)
    before_year = f"INT({day})<{F.serial(year0)}"
    why_year = f'"ngày báo cáo "&{shown}&{F.lit(f" trước năm {plan.info.year} của kế hoạch")}'
    if p is not None:
        early = f"INT({day})<{F.serial(p.end)}"
        why_early = (f'"ngày báo cáo "&{shown}&{F.lit(f" trước khi {p.name} kết thúc ({p.end:%d/%m/%Y}), nên chưa thể là ngày báo cáo của đợt này")}')
        implausible = f"AND(ISNUMBER({day}),OR({before_year},{early}))"
        why = f"IF({before_year},{why_year},{why_early})"
    else:
        implausible, why = f"AND(ISNUMBER({day}),{before_year})", why_year
    out.candidates.append(Candidate("report_date_implausible", rule_of("report_date_implausible").severity, sheet,
                                    _addr(day), implausible,
                                    message("report_date_implausible", at=at, why=dyn(why), year=plan.info.year)))
    if p is not None:
        out.candidates.append(Candidate("report_late", rule_of("report_late").severity, sheet, _addr(day),
                                        f"AND(ISNUMBER({day}),NOT({implausible}),INT({day})>{F.serial(p.deadline)})",
                                        message("report_late", at=at, value=dyn(shown),
                                                deadline=f"{p.deadline:%d/%m/%Y}")))


def _initiatives(out: Compiled, plan: Plan, layout: FormLayout, g: Geometry) -> None:
    code = C.LIST_COUNT_FIELDS[C.INITIATIVE_TABLE]
    row = next((r for r in layout.indicators if r.field.code == code), None)
    if row is None:
        return
    ref, sheet = g.entry(code), g.sheets["ind"]
    lst = g.sheets["init"]
    first, last = g.initiative_first, g.initiative_first + INITIATIVE_SPAN - 1
    joined = "&".join(span(lst, first, last, j) for j in range(len(C.INITIATIVE_COLUMNS)))
    listed = f'SUMPRODUCT(--(TRIM({joined})<>""))'
    out.candidates.append(Candidate(
        "initiatives_unlisted", rule_of("initiatives_unlisted").severity, sheet, _addr(ref),
        f"AND(ISNUMBER({ref}),ABS({ref}-ROUND({ref},0))<={F.EPS},⟪B⟫<{ref})",
        message("initiatives_unlisted", at=_at(sheet, _addr(ref), row.field.label), count=dyn(f"{ref}&\"\""),
                listed=dyn("⟪B⟫&\"\""), list_sheet=lst), b=listed))


def _pledges(out: Compiled, plan: Plan, layout: FormLayout, g: Geometry) -> None:
    from ..plan.semantics import describe_target as describe
    sheet = g.sheets["reg"]
    col = C.PLEDGE_COLUMNS.index(C.PLEDGE_VALUE)
    rows = {r.field.code: r for r in layout.indicators}
    for t in plan.unit_targets_for(layout.kind):
        if t.code not in g.pledge_row:
            continue
        ref = cell_ref(sheet, g.pledge_row[t.code], col)
        where = f"Trang '{sheet}', ô {_addr(ref)} (giao ước {t.code})"
        f = plan.field_by_code.get(t.field)
        if t.comparator == "yes":
            _needs_button(out, ref, f"giao ước {t.code}", "Có hoặc Không", _typed_bad(ref, "yes_no"))
            out.candidates.append(Candidate("pledge_below_plan", rule_of("pledge_below_plan").severity, sheet,
                                            _addr(ref), f"AND({F.filled(ref)},{F.no(ref)})",
                                            message("pledge_below_plan", "yes", where=where)))
            continue
        _needs_button(out, ref, f"giao ước {t.code}", "một số", F.is_text(ref))
        below = f"{ref}>{F.num(t.value)}+{F.EPS}" if t.comparator == "<=" else f"{ref}<{F.num(t.value)}-{F.EPS}"
        target_text = describe(t.comparator, t.value, t.stretch, t.unit_label)
        out.candidates.append(Candidate("pledge_below_plan", rule_of("pledge_below_plan").severity, sheet,
                                        _addr(ref), f"AND(ISNUMBER({ref}),{below})",
                                        message("pledge_below_plan", "number", where=where,
                                                value=dyn(show(ref, f)), target=target_text)))
        row = rows.get(t.field)
        if row is None or f is None:
            continue
        own, verdict = g.entry(t.field), g.verdict(t.field)
        met = f'OR({verdict}="{MET}",{verdict}="{MET_STRETCH}")'
        short = f"{own}>{ref}+{F.EPS}" if t.comparator == "<=" else f"{own}<{ref}-{F.EPS}"
        out.candidates.append(Candidate(
            "pledge_not_met", rule_of("pledge_not_met").severity, g.sheets["ind"], _addr(own),
            f"AND(ISNUMBER({ref}),NOT({below}),{met},ISNUMBER({own}),{short})",
            message("pledge_not_met", at=_at(g.sheets["ind"], _addr(own), f.label), pledge=dyn(show(ref, f)),
                    value=dyn(show(own, f)))))


# --- members and titles (check.awards) ---------------------------------------------------------------
def _implies(plan: Plan, registered: str, title: str, depth: int = 0) -> bool:
    from ..check.awards import _implies as implies
    return implies(plan, registered, title, depth)


def _code_of(plan: Plan, text: str) -> str:
    """check.awards.title_code as a formula: a title's code from its code or name (the plan's
    titles in constant cells ⟪titles:code⟫, ⟪titles:name⟫), else the text. MATCH's wildcards are
    escaped: '*' typed in a title matches nothing."""
    t_ = f'TRIM({text}&"")'
    esc = f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({t_},"~","~~"),"*","~*"),"?","~?")'
    return (f"IFERROR(INDEX(⟪titles:code⟫,MATCH({esc},⟪titles:code⟫,0)),"
            f"IFERROR(INDEX(⟪titles:code⟫,MATCH({esc},⟪titles:name⟫,0)),{t_}))")


def _members(out: Compiled, plan: Plan, layout: FormLayout, g: Geometry, start) -> None:
    """Member rows judged in calc columns ({r}: the calc row; member cells by index {i})."""
    individual = [t for t in plan.titles if t.target_of == "individual"]
    collective = [t for t in plan.titles if t.target_of == "collective"]
    if not individual and not collective:
        return
    sheet = g.sheets["member"]
    cols: list[tuple] = out.member_columns
    M = lambda h: f"⟦M|{h}⟧"             # noqa: E731  this row's member cell (resolved per row)
    ABOVE = lambda name: f"⟪col:{name}:above⟫"   # noqa: E731  the column from the first row to the row above
    ALL = lambda name: f"⟪col:{name}:all⟫"       # noqa: E731
    ME = lambda name: f"⟪col:{name}⟫"           # noqa: E731  this row's calc cell
    UPTO = lambda name: f"⟪col:{name}:upto⟫"     # noqa: E731  first row to this row

    def add(name, formula):
        cols.append((name, formula))

    for h in C.MEMBER_COLUMNS:               # the member's cells, copied beside (short references below):
        if h in C.MEMBER_TYPES:              # numbers and Có/Không as they are, text trimmed
            add(f"in:{h}", f'IF(ISBLANK(⟦R|{h}⟧),"",⟦R|{h}⟧)')
        else:
            add(f"in:{h}", f'TRIM(⟦R|{h}⟧&"")')
    texts = "&".join(f'TRIM({M(h)}&"")' if h in C.MEMBER_TYPES else M(h) for h in C.MEMBER_COLUMNS)
    add("nonblank", f'IF({texts}<>"",1,0)')
    add("pos", f"SUM({UPTO('nonblank')})")
    add("exists", f"IF(OR({F.filled(M(C.M_NAME))},{F.filled(M(C.M_TITLE))}),1,0)")
    add("key", f'IF({ME("exists")}=1,{M(C.M_NAME)}&"|"&{M(C.M_DEPT)},"")')
    add("dup_above", f'IF({ME("exists")}=1,SUMPRODUCT(--({ABOVE("key")}={ME("key")})),0)')
    add("unique", f'IF(AND({ME("exists")}=1,{ME("dup_above")}=0),1,0)')
    add("first", f'IF({ME("dup_above")}>0,SUMPRODUCT(--({ABOVE("key")}={ME("key")}),{ABOVE("unique")},{ABOVE("pos")}),"")')
    add("code", f'IF({F.filled(M(C.M_TITLE))},{_code_of(plan, M(C.M_TITLE))},"")')
    add("known", "IF(OR(" + ",".join(f'{ME("code")}="{t.code}"' for t in individual) + "),1,0)"
        if individual else "0")
    days, mat = M(C.M_DAYS), M(C.M_MATERNITY)
    add("counted", f"MAX(0,N({days})-N({mat}))")
    levels = "{" + ",".join(F.lit(x) for x in DISCIPLINE_LEVELS) + "}"
    disc = M(C.M_DISCIPLINE)
    add("rank", f'IF({F.blank(disc)},0,IFERROR(MATCH(TRIM({disc}&""),{levels},0)-1,1))')
    record = start is not None
    if record:
        _start_columns(out, plan, g, add, M, ME)
    for t in individual:
        add(f"why:{t.code}", _individual_reasons(plan, t, ME, M, record))
    # the member's own title: eligible, capped
    own_ok = "IF(" + ",IF(".join(f'{ME("code")}="{t.code}",IF({ME(f"why:{t.code}")}="",1,0)' for t in individual) \
        + ",0" + ")" * len(individual) if individual else "0"
    add("judged", f'IF(AND({ME("unique")}=1,{ME("code")}<>""),1,0)')
    add("eligible", f"IF({ME('judged')}=1,{own_ok},0)")
    for t in individual:
        if t.cap is None:
            continue
        if t.cap_base:
            base = f'SUMPRODUCT({ALL("judged")},--({ALL(f"why:{t.cap_base}")}=""))'
        else:
            base = f'SUM({ALL("judged")})'
        out.summary[f"cap_base:{t.code}"] = base
        out.summary[f"cap_limit:{t.code}"] = f"INT({F.num(t.cap)}*⟪cap_base:{t.code}⟫+{F.EPS})"
        add(f"run:{t.code}", f'SUMPRODUCT({UPTO("eligible")},--({UPTO("code")}="{t.code}"))')
    capped = [f'AND({ME("code")}="{t.code}",{ME("eligible")}=1,{ME(f"run:{t.code}")}>⟪cap_limit:{t.code}⟫)'
              for t in individual if t.cap is not None]
    add("capped", f"IF({F.any_of(*capped)},1,0)" if capped else "0")
    # findings of the row
    where = f'"Trang \'{sheet}\', ô "&⟪addr⟫&" ("&{M(C.M_NAME)}&")"'
    own_reasons = "IF(" + ",IF(".join(f'{ME("code")}="{t.code}",{ME(f"why:{t.code}")}' for t in individual) \
        + ',""' + ")" * len(individual) if individual else '""'
    add("reasons", own_reasons)
    own_name = "IF(" + ",IF(".join(f'{ME("code")}="{t.code}",{F.lit(t.name)}' for t in individual) \
        + ',""' + ")" * len(individual) if individual else '""'
    cap_note = '""'
    for t in individual:
        if t.cap is None:
            continue
        base_text = (f'⟪cap_base:{t.code}⟫&{F.lit(" người đủ điều kiện " + plan.title_by_code[t.cap_base].name)}'
                     if t.cap_base else f'⟪cap_base:{t.code}⟫&" người đăng ký"')
        note = (f'{F.lit(f"đủ điều kiện nhưng vượt tỷ lệ {t.cap:.0%} của ")}&{base_text}&" (tối đa "&⟪cap_limit:{t.code}⟫'
                f'&"); xét theo thứ tự danh sách"')
        cap_note = f'IF({ME("code")}="{t.code}",{note},{cap_note})'
    add("status", f'IF({ME("exists")}=0,"",IF({ME("unique")}=0,"Trùng dòng "&{ME("first")},'
                  f'IF({ME("code")}="","Không đăng ký",IF({ME("known")}=0,"Không có trong kế hoạch",'
                  f'IF({ME("reasons")}<>"","Chưa đủ điều kiện",IF({ME("capped")}=1,"Vượt tỷ lệ","Đủ điều kiện"))))))')
    add("status_reason", f'IF({ME("status")}="Chưa đủ điều kiện",{ME("reasons")},'
                         f'IF({ME("status")}="Vượt tỷ lệ",{cap_note},""))')
    # candidates per member row are made by forms.selfcheck from these columns (one per row)
    out.member_rules = {
        "member_duplicate": (f'AND({ME("exists")}=1,{ME("unique")}=0)',
                             message("member_duplicate", sheet=sheet, cell=dyn("⟪addr⟫"),
                                     person=dyn(M(C.M_NAME)), department=dyn(M(C.M_DEPT)),
                                     row=dyn(f'{ME("pos")}&""'), first=dyn(f'{ME("first")}&""'))),
        "title_unknown": (f'AND({ME("judged")}=1,{ME("known")}=0)',
                          message("title_unknown", where=dyn(where), title=dyn(ME("code")))),
        "title_ineligible": (f'AND({ME("judged")}=1,{ME("known")}=1,{ME("reasons")}<>"")',
                             message("title_ineligible", where=dyn(where), title=dyn(own_name),
                                     reasons=dyn(ME("reasons")))),
        "title_over_cap": (f'AND({ME("judged")}=1,{ME("capped")}=1)',
                           message("title_over_cap", where=dyn(where), title=dyn(own_name), note=dyn(cap_note))),
    }
    out.member_typed = [(h, t) for h, t in C.MEMBER_TYPES.items() if h != "STT"]
    _collective(out, plan, g, collective, record)


def _individual_reasons(plan: Plan, title: Title, ME, M, record: bool, depth: int = 0) -> str:
    """check.awards.individual(...).reasons joined with '; ', as a formula ("" when eligible)."""
    parts = []
    for c in plan.conditions_of(title.code):
        if c.kind == "requires_title":
            sub = ME(f"why:{c.param}")
            name = plan.title_by_code[c.param].name
            parts.append((f'{sub}<>""', f'{F.lit(f"chưa đủ điều kiện {name} (")}&{sub}&")"'))
        elif c.kind == "needs_initiative":
            parts.append((f"NOT({F.yes(M(C.M_HAS_INIT))})", '"chưa có sáng kiến, đề tài được công nhận"'))
        elif c.kind == "max_days_off":
            counted = ME("counted")
            mat = M(C.M_MATERNITY)
            text = (f'"nghỉ "&{counted}&" ngày làm việc"&IF(N({mat})<>0," (đã trừ "&N({mat})&" ngày nghỉ thai sản)","")'
                    f'&{F.lit(f", từ {c.value:g} ngày trở lên")}')
            parts.append((f"{counted}>={F.num(c.value)}", text))
        elif c.kind == "min_months":
            months = M(C.M_MONTHS)
            parts.append((f"OR(NOT(ISNUMBER({months})),{months}<{F.num(c.value)})",
                          f'IF(NOT(ISNUMBER({months})),"chưa ghi số tháng công tác",'
                          f'"mới công tác "&{months}&{F.lit(f" tháng, dưới {c.value:g} tháng")})'))
        elif c.kind == "no_discipline_from":
            from ..check.awards import discipline_rank
            limit = discipline_rank(c.param)
            parts.append((f'{ME("rank")}>={limit}', f'"bị kỷ luật "&LOWER({M(C.M_DISCIPLINE)})'))
        elif c.kind == "registered_at_start":
            if record:
                parts.append((f'{ME(f"start:{title.code}")}=0',
                              f'{F.lit(f"chưa đăng ký {title.name} từ đầu năm: ")}&{ME(f"startwhy:{title.code}")}'))
        else:
            raise ValueError(c.kind)
    if not parts:
        return '""'
    return "MID(" + "&".join(f'IF({cond},"; "&{text},"")' for cond, text in parts) + ",3,32767)"


def record_capacity(rows: int) -> int:
    """Rows the record's member block holds (forms whose records fit the same size share formulas)."""
    n = 32
    while n < rows:
        n *= 2
    return n


@dataclass(frozen=True)
class RecordData:
    """The registration at the start of the year a form carries (registrations.record), as the
    constant cells its formulas read: written per form on the hidden record sheet."""
    scalars: tuple          # (key, value): deadline, deadline_text, registered, default, no_book
    collective: tuple       # (title code, on time 0/1, in the record 0/1, note if late)
    members: tuple          # (name, department, title, on time, late date serial or 0, registered, single dept)


RECORD_KEYS = ("deadline", "deadline_text", "registered", "default", "no_book")
RECORD_MEMBER_KEYS = ("name", "dept", "title", "ontime", "late", "reg", "single")


def record_data(plan: Plan, start) -> RecordData:
    from ..check.awards import _fold
    from ..registrations.record import day
    deadline = day(start.deadline)
    no_book = f"đơn vị không nộp bản đăng ký thi đua đầu năm (hạn {deadline})"
    scalars = (("deadline", int(F.serial(start.deadline))), ("deadline_text", deadline),
               ("registered", 1 if start.registered else 0),
               ("default", "không có trong bản đăng ký thi đua đầu năm" if start.registered else no_book),
               ("no_book", no_book))
    then = {c: (on, ok) for c, on, ok in start.collective}
    coll = []
    for t in plan.titles:
        if t.target_of != "collective":
            continue
        ontime = any(ok and _implies(plan, c, t.code) for c, (on, ok) in then.items())
        note = f"đăng ký {day(then[t.code][0])}, sau hạn {deadline}" if t.code in then else ""
        coll.append((t.code, 1 if ontime else 0, 1 if t.code in then else 0, note))
    depts: dict[str, set] = {}
    for name, dept, *_ in start.members:
        depts.setdefault(_fold(name), set()).add(_fold(dept))
    rows = []
    for name, dept, title, on, ok in start.members:
        single = 1 if len(depts[_fold(name)]) == 1 else 0
        name, dept = " ".join(name.split()), " ".join(dept.split())      # as TRIM leaves a typed name
        rows.append((name, dept, title, 1 if ok else 0, 0 if ok or on is None else int(F.serial(on)), 1, single))
        if ok:
            for t in plan.titles:
                if t.code != title and _implies(plan, title, t.code):
                    rows.append((name, dept, t.code, 1, 0, 0, single))
    return RecordData(scalars, tuple(coll), tuple(rows))


def _in_time(g: Geometry) -> str:
    """The submission is dated by its report date, by the deadline (a change then counts as
    registered). A blank report date counts as after it (the engine then asks the file's time)."""
    day = g.info("ngay_bao_cao")
    return f"AND(ISNUMBER({day}),INT({day})<=⟪rec:deadline⟫)"


def _when_text(g: Geometry) -> str:
    day = g.info("ngay_bao_cao")
    return f'IF(ISNUMBER({day}),"ngày báo cáo "&{F.vi_date(day)},"chưa ghi ngày báo cáo")'


def _added_text(g: Geometry) -> str:
    return (f'IF(⟪rec:registered⟫=1,{F.lit("thêm vào bản báo cáo (")}&{_when_text(g)}'
            f'&"), sau hạn đăng ký "&⟪rec:deadline_text⟫,⟪rec:no_book⟫)')


def _start_columns(out: Compiled, plan: Plan, g: Geometry, add, M, ME) -> None:
    """The member rows against the record's rows (⟪start:…⟫, constants on the record sheet): on time,
    registered late (its date), added since, as check.awards._against_start decides."""
    S = lambda k: f"⟪start:{k}⟫"     # noqa: E731  a column of the record's rows (names trimmed as written)
    name_eq = f'({S("name")}={M(C.M_NAME)})'
    dept_eq = f'({S("dept")}={M(C.M_DEPT)})'
    # who this member is in the record: 1 the same name and department, 2 the same name listed with one
    # department only (written differently here), 0 not in it
    add("rec_mode", f'IF(SUMPRODUCT({name_eq}*{dept_eq})>0,1,IF(SUMPRODUCT({name_eq}*{S("single")})>0,2,0))')

    def sel(*conds):
        return f'SUMPRODUCT({name_eq}*(({ME("rec_mode")}=1)*{dept_eq}+({ME("rec_mode")}=2)*{S("single")})*{"*".join(conds)})'

    add("own_in_record", sel(f'({S("title")}={ME("code")})', S("reg")))
    in_time = _in_time(g)
    for t in plan.titles:
        if t.target_of != "individual":
            continue
        implied_by_own = F.any_of(*(f'{ME("code")}="{x.code}"' for x in plan.titles if _implies(plan, x.code, t.code)))
        title_is = f'({S("title")}="{t.code}")'
        add(f"start:{t.code}",
            f'IF(OR({sel(title_is, S("ontime"))}>0,'
            f'AND({in_time},{implied_by_own},{ME("own_in_record")}=0)),1,0)')
        late = sel(title_is, S("reg"), S("late"))
        added_here = f'AND({ME("code")}="{t.code}",{ME("own_in_record")}=0,NOT({in_time}))'
        add(f"startwhy:{t.code}",
            f'IF({late}>0,"đăng ký "&{F.vi_date(late)}&", sau hạn "&⟪rec:deadline_text⟫,'
            f'IF({added_here},{_added_text(g)},⟪rec:default⟫))')


def _collective(out: Compiled, plan: Plan, g: Geometry, titles, record: bool) -> None:
    from ..check.awards import discipline_rank
    ALL = lambda name: f"⟪col:{name}:all⟫"     # noqa: E731
    sheet = g.sheets["reg"]
    unique = ALL("unique")
    listed = f"SUM({unique})"
    for t in titles:
        if t.code not in g.registration_row:
            continue
        ticked_ref = cell_ref(sheet, g.registration_row[t.code], C.REGISTRATION_COLUMNS.index(C.REGISTERED))
        parts = []
        for c in plan.conditions_of(t.code):
            if c.kind in ("member_share_over", "member_share_at_least"):
                achieved = f'SUMPRODUCT({unique},--({ALL(f"why:{c.param}")}=""))'
                share = f"IF({listed}>0,{achieved}/{listed},0)"
                ok = f"{share}>{F.num(c.value)}+1E-12" if c.kind == "member_share_over" else f"{share}>={F.num(c.value)}-1E-12"
                word = "trên" if c.kind == "member_share_over" else "từ"
                text = (f'{achieved}&"/"&{listed}&{F.lit(" thành viên đủ điều kiện " + plan.title_by_code[c.param].name + " (")}'
                        f'&{F.half_even_percent(share)}&{F.lit(f"), cần {word} {c.value:.0%}")}')
                parts.append((f"NOT({ok})", text))
            elif c.kind == "has_member_title":
                has = f'SUMPRODUCT({ALL("eligible")},--({ALL("capped")}=0),--({ALL("code")}="{c.param}"))'
                parts.append((f"{has}=0", F.lit(f"không có thành viên đủ điều kiện {plan.title_by_code[c.param].name}")))
            elif c.kind == "members_no_discipline_from":
                limit = discipline_rank(c.param)
                name = f"bad:{limit}"
                if name not in out.summary:
                    out.summary[name] = limit
                bad = f"⟪badnames:{limit}⟫"
                parts.append((f'{bad}<>""', f'{F.lit(f"có thành viên bị kỷ luật từ {c.param.lower()} trở lên: ")}&{bad}'))
            elif c.kind == "min_rating":
                wanted = plan.rating_by_code[c.param]
                rank = "IF(" + ",IF(".join(f'⟪rating⟫="{r.code}",{r.rank}' for r in plan.ratings) + ",99" + \
                    ")" * len(plan.ratings) if plan.ratings else "99"
                parts.append((f"AND(⟪needs⟫=0,{rank}>{wanted.rank})",       # text in a figure: no verdict
                              f'"CĐCS xếp loại "&IF(⟪rating⟫="","chưa xếp loại",⟪rating⟫)&{F.lit(f", cần {wanted.code}")}'))
            elif c.kind == "min_score":
                parts.append((f"AND(⟪needs⟫=0,⟪total⟫<{F.num(c.value or 0)}-{F.EPS})",
                              f'"đạt "&⟪total_text⟫&{F.lit(f" điểm, cần từ {format_number_vi(c.value or 0, 2)} điểm")}'))
            elif c.kind == "registered_at_start":
                if record:
                    parts.append(_collective_start(g, t))
            else:
                raise ValueError(c.kind)
        out.summary[f"coll:{t.code}"] = ("MID(" + "&".join(f'IF({cond},"; "&{text},"")' for cond, text in parts)
                                         + ",3,32767)") if parts else '""'
        reasons = f"⟪coll:{t.code}⟫"             # computed once, in its own cell
        ticked = F.yes(ticked_ref)
        out.collective.append((t, ticked, reasons, ticked_ref))
        out.candidates.append(Candidate(
            "collective_ineligible", rule_of("collective_ineligible").severity, sheet, _addr(ticked_ref),
            f'AND({ticked},{reasons}<>"")',
            message("collective_ineligible", sheet=sheet, cell=_addr(ticked_ref), title=t.name, reasons=dyn(reasons))))


def _collective_start(g: Geometry, t: Title) -> tuple[str, str]:
    """A ticked collective title against the record: registered by the deadline (or a title that
    implies it), or added now while the submission is still within the deadline."""
    ontime, inrec, note = f"⟪rec:c_ontime:{t.code}⟫", f"⟪rec:c_inrec:{t.code}⟫", f"⟪rec:c_note:{t.code}⟫"
    cond = f"AND({ontime}=0,OR({inrec}=1,NOT({_in_time(g)})))"
    why = f"IF({inrec}=1,{note},{_added_text(g)})"
    return cond, f'{F.lit(f"chưa đăng ký {t.name} từ đầu năm: ")}&{why}'


# --- one member row ----------------------------------------------------------------------------------
_ROW_TOKEN = re.compile(r"⟪col:([^⟫:@]+(?::[^⟫:@]+)?)(:above|:upto|:all)?⟫")
_MEMBER_CELL = re.compile(r"⟦M\|([^⟧]+)⟧")
_MEMBER_SOURCE = re.compile(r"⟦R\|([^⟧]+)⟧")


def at_row(template: str, i: int, g: Geometry) -> str:
    """A member-row template for row i: this row's calc cells (⟪col:x@i⟫), its ranges, its member
    cells and the address of its title cell."""
    def row_token(m):
        return f"⟪col:{m.group(1)}{m.group(2) or ''}@{i}⟫"
    text = _ROW_TOKEN.sub(row_token, template)
    text = _MEMBER_SOURCE.sub(lambda m: g.member(i, m.group(1)), text)
    text = _MEMBER_CELL.sub(lambda m: f"⟪col:in:{m.group(1)}@{i}⟫", text)
    title = g.member(i, C.M_TITLE)
    return text.replace("⟪addr⟫", f'ADDRESS(ROW({title}),COLUMN({title}),4)')


def add_member_candidates(out: Compiled, g: Geometry) -> None:
    """The member rules, for every row the form judges; and one problem for all member cells that
    hold text where a number or Có/Không belongs (each such cell is coloured by its own
    conditional format: member_typed_format)."""
    sheet = g.sheets["member"]
    bad = "+".join(f"SUMPRODUCT(--({member_typed_format(g.members(h), typ)}))" for h, typ in out.member_typed)
    if bad:
        first = g.member(0, out.member_typed[0][0])
        out.candidates.append(Candidate(
            NEEDS_BUTTON, rule_of(NEEDS_BUTTON).severity, sheet, _addr(first), f"({bad})>0",
            message(NEEDS_BUTTON, at=dyn(f'"Trang \'{sheet}\', "&({bad})&" ô ở các cột số ngày nghỉ, số tháng, sáng kiến"'),
                    what="một số nguyên hoặc Có/Không")))
    # a judged row has at most one of these findings (a repeated row is not judged; an unknown title
    # is not judged further; an ineligible title is not capped): one problem row per member row
    rules = list(out.member_rules.items())
    for i in range(g.member_span):
        title = g.member(i, C.M_TITLE)
        flags = [at_row(flag, i, g) for _, (flag, _m) in rules]

        def pick(values):
            text = values[-1]
            for f, v in zip(reversed(flags[:-1]), reversed(values[:-1])):
                text = f"IF({f},{v},{text})"
            return text

        msgs = [msg_formula(tuple((d, at_row(t, i, g) if d else t) for d, t in m)) for _, (_f, m) in rules]
        codes = [code for code, _ in rules]
        out.candidates.append(Candidate(
            "member", Severity.WARNING, sheet, _addr(title), F.any_of(*flags), ((True, pick(msgs)),),
            dynamic={"rule": pick([f'"{c}"' for c in codes]),
                     "severity": pick([f'"{rule_of(c).severity}"' for c in codes]),
                     "name": pick([F.lit(rule_of(c).name) for c in codes])}))



def member_typed_format(ref: str, typ: str) -> str:
    """1 where a member cell (or each cell of a range) holds what the formulas cannot read as its
    type: text in a number column, anything but Có/Không in a yes/no column."""
    if typ == "yes_no":
        return f'(TRIM({ref}&"")<>"")*(TRIM({ref}&"")<>"Có")*(TRIM({ref}&"")<>"Không")'
    return f'ISTEXT({ref})*(TRIM({ref}&"")<>"")'
