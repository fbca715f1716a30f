"""Read a filled form back into typed data, through its Excel Tables only.

Nothing here depends on sheet names or cell positions: tables are found by name, rows by the
code column, columns by header. Values in Vietnamese styles are parsed; what cannot be parsed
is kept as found and reported with its sheet and cell, never guessed.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from .. import catalogue as CAT
from .. import contract as C
from ..errors import FileProblem
from ..values import Parsed, cell_text, fold, parse_value
from .workbook import Table, Workbook, cell_address, open_workbook

SEVERITY_ERROR, SEVERITY_WARNING, SEVERITY_INFO = CAT.Severity.ERROR, CAT.Severity.WARNING, CAT.Severity.INFO
# Lists a unit extends itself: rows typed right under them are read too (see list_rows).
EXTENDED_LISTS = (C.INITIATIVE_TABLE, C.MEMBER_TABLE)
BLANK_FORM = "blank_form"


@dataclass(frozen=True)
class Entry:
    """One cell a person filled (or a formula cell), with where it is."""
    code: str
    label: str
    type: str
    parsed: Parsed
    sheet: str
    cell: str
    derived: bool = False

    @property
    def value(self):
        return self.parsed.value

    @property
    def raw(self):
        return self.parsed.raw


@dataclass(frozen=True)
class ShownTarget:
    """A target as the form shows it (compared with the plan at consolidation)."""
    field: str
    target_code: str
    comparator: str
    minimum: float | None
    stretch: float | None
    text: str
    sheet: str
    cell: str


@dataclass(frozen=True)
class ScoreEntry:
    code: str
    group: str
    label: str
    points: float | None
    method: str
    self_score: Entry
    upper_score: Entry
    explanation: Entry


@dataclass(frozen=True)
class ReadProblem:
    code: str
    severity: str
    sheet: str | None
    cell: str | None
    field: str | None
    value: object
    message: str


@dataclass
class ListTable:
    """A list the unit extends itself (initiatives, later members): rows of parsed values."""
    name: str
    sheet: str
    headers: list[str]
    rows: list[dict[str, object]]
    cells: list[str]              # address of each row's first cell
    sheet_rows: list[int] = field(default_factory=list)   # 0-based sheet row of each kept row
    first_col: int = 0

    def address(self, i: int, header: str) -> str:
        """Cell of row i (as kept) in column `header`."""
        return cell_address(self.sheet_rows[i], self.first_col + self.headers.index(header))


@dataclass
class FormData:
    path: Path
    engine: str
    meta: dict[str, str]
    info: dict[str, Entry]
    values: dict[str, Entry]
    targets: dict[str, ShownTarget]
    scores: dict[str, ScoreEntry]
    lists: dict[str, ListTable]
    problems: list[ReadProblem] = field(default_factory=list)
    sheet_names: list[str] = field(default_factory=list)

    @property
    def template_version(self) -> str:
        return self.meta.get("template_version", "")

    @property
    def unit_code(self) -> str:
        return self.meta.get("unit_code", "")

    @property
    def unit_kind(self) -> str:
        return self.meta.get("unit_kind", "")

    @property
    def period_code(self) -> str:
        return self.meta.get("period_code", "")

    @property
    def plan_id(self) -> str:
        return self.meta.get("plan_id", "")

    @property
    def plan_version(self) -> str:
        return self.meta.get("plan_version", "")

    @property
    def plan_fingerprint(self) -> str:
        return self.meta.get("plan_fingerprint", "")

    @property
    def token(self) -> str:
        """The random token the form was issued with ("" when issued without a register)."""
        return self.meta.get("form_token", "")

    @property
    def report_date(self) -> date | None:
        e = self.info.get("ngay_bao_cao")
        return e.value if e is not None and e.parsed.ok else None

    def value(self, code: str):
        e = self.values.get(code)
        return None if e is None else e.value

    def entered(self) -> dict[str, object]:
        """Parsed values of the cells a person fills (derived cells excluded)."""
        return {c: e.value for c, e in self.values.items() if not e.derived}


def _text(v) -> str:
    return cell_text(v, folded=True)


def _filled(v) -> bool:
    return v is not None and not (isinstance(v, str) and not fold(v))


def list_rows(t: Table) -> list[tuple[int, list, bool]]:
    """(index, row, below) for the rows of a list a unit extends: the table's rows, then the rows
    typed right under it (LibreOffice and WPS do not grow a table when one types below it). Index
    continues past the table, so Table.address(index, j) is the cell either way."""
    return ([(i, r, False) for i, r in enumerate(t.rows)]
            + [(len(t.rows) + k, r, True) for k, r in enumerate(t.below)])


def unit_entered_nothing(wb: Workbook) -> bool:
    """No cell a unit fills holds anything, in the tables read: the issued form came back as issued.
    (Reporter rows of the unit info, indicator entries, self-scores and explanations, registrations,
    pledges, and the lists with the rows typed under them. The upper level's column does not count:
    a unit does not fill it, and what is found there is never used.)"""
    def any_in(name: str, columns: tuple[str, ...] | None = None, when=None) -> bool:
        t = wb.table(name)
        if t is None:
            return False
        cols = [t.column(h) for h in columns] if columns else list(range(len(t.headers)))
        cols = [c for c in cols if c is not None]
        for _, row, _below in list_rows(t):
            if when is not None and not when(t, row):
                continue
            if any(_filled(row[c]) for c in cols if c < len(row)):
                return True
        return False

    def reporter(t, row):
        c = t.column(C.CODE)
        return c is not None and _text(row[c]) in C.UNIT_INPUT_CODES

    def entry(t, row):
        c = t.column(C.FIELD_TYPE)
        return c is None or _text(row[c]) != "formula"

    # a form issued pre-filled with the unit's registrations (registrations.record): those lists came
    # filled; the rest decides
    prefilled = _prefilled(wb)
    return not (any_in(C.UNIT_TABLE, (C.VALUE,), reporter) or any_in(C.INDICATOR_TABLE, (C.ENTRY,), entry)
                or any_in(C.SCORE_TABLE, (C.SELF_SCORE, C.EXPLANATION))
                or (not prefilled and (any_in(C.REGISTRATION_TABLE, (C.REGISTERED,))
                                       or any_in(C.PLEDGE_TABLE, (C.PLEDGE_VALUE,)) or any_in(C.MEMBER_TABLE)))
                or any_in(C.INITIATIVE_TABLE))


def _prefilled(wb: Workbook) -> bool:
    from ..registrations.record import carries_record
    t = wb.table(C.META_TABLE)
    k = t.column(C.KEY) if t is not None else None
    return k is not None and carries_record(_text(row[k]) for row in t.rows)


def blank_form_message(file_name: str, unit_code: str) -> str:
    return (f"Biểu mẫu '{file_name}' của đơn vị {unit_code or '(không rõ)'} gửi về chưa điền gì: mọi ô cần nhập "
            "(người báo cáo, số liệu, tự chấm điểm, đăng ký, danh sách) đều trống, nên không tính là đã nộp báo "
            "cáo. Hãy điền số liệu vào biểu mẫu rồi lưu và gửi lại.")


def _number_or_none(v):
    return v if isinstance(v, (int, float)) and not isinstance(v, bool) else None


def _require(wb: Workbook, name: str, headers: tuple[str, ...], path: Path) -> Table:
    t = wb.table(name)
    if t is None:
        raise FileProblem(
            f"'{path.name}' là biểu mẫu thi đua nhưng thiếu bảng số liệu của trang '{C.SHEETS.get(name, name)}' (có "
            "thể trang hoặc bảng đã bị xóa). Hãy nhập lại số liệu vào biểu mẫu gốc được cấp.",
            code="incomplete_form", path=str(path))
    missing = [h for h in headers if t.column(h) is None]
    if missing:
        raise FileProblem(
            f"'{path.name}': bảng ở trang '{t.sheet}' thiếu cột {', '.join(repr(m) for m in missing)}. "
            "Đừng đổi tên hoặc xóa tiêu đề cột; hãy dùng lại biểu mẫu gốc.", code="incomplete_form", path=str(path))
    return t


def read_meta(wb: Workbook, path: Path) -> dict[str, str]:
    """The form's identity; raises FileProblem for a non-form or an unsupported version."""
    t = wb.table(C.META_TABLE)
    if t is None or t.column(C.KEY) is None or t.column(C.VALUE) is None:
        if wb.table("tblPlanInfo") is not None:
            msg = (f"'{path.name}' là tệp kế hoạch thi đua, không phải biểu mẫu của CĐCS. "
                   "Hãy chọn tệp biểu mẫu đã được phát cho đơn vị.")
        else:
            msg = (f"'{path.name}' không phải biểu mẫu thi đua (không có phần nhận dạng mà biểu mẫu được phát "
                   "mang theo). Hãy nhập số liệu vào đúng biểu mẫu đã được cấp rồi gửi lại.")
        raise FileProblem(msg, code="not_a_form", path=str(path))
    k, v = t.column(C.KEY), t.column(C.VALUE)
    # Values as stored: the plan's JSON is split across cells and a chunk may start or end
    # with a space, so only keys are trimmed.
    meta = {_text(row[k]): ("" if row[v] is None else str(row[v]) if _text(row[k]).startswith("plan_json_")
                            else _text(row[v])) for row in t.rows if _text(row[k])}
    version = meta.get("template_version", "")
    if version not in C.SUPPORTED_VERSIONS:
        supported = ", ".join(sorted(C.SUPPORTED_VERSIONS))
        raise FileProblem(
            f"'{path.name}' là biểu mẫu phiên bản '{version or 'không rõ'}', chương trình này đọc phiên bản "
            f"{supported}. Hãy nhập số liệu vào biểu mẫu mới được cấp (hoặc cập nhật chương trình thidua).",
            code="wrong_version", path=str(path))
    return meta


def read_form(path: str | Path, plan=None, data: bytes | None = None) -> FormData:
    """Read one filled form. `plan`, when given, decides field types (the plan wins over the form)."""
    path = Path(path)
    return form_from_workbook(open_workbook(path, data, below=EXTENDED_LISTS), plan)


LIST_TABLES = ((C.INITIATIVE_TABLE, C.INITIATIVE_TYPES), (C.REGISTRATION_TABLE, C.REGISTRATION_TYPES),
               (C.PLEDGE_TABLE, C.PLEDGE_TYPES), (C.MEMBER_TABLE, C.MEMBER_TYPES))


def form_from_workbook(wb: Workbook, plan=None, lists: bool = True) -> FormData:
    """The same reading over any source of tables: a file, or a live Excel book (excel.live).
    `lists=False` skips typing the list tables (consolidation takes their raw rows itself)."""
    path = wb.path
    meta = read_meta(wb, path)
    if meta.get("form_kind") == "dang_ky":   # registrations.book: read by registrations.collect
        raise FileProblem(
            f"'{path.name}' là bản đăng ký thi đua đầu năm của đơn vị {meta.get('unit_code') or '(không rõ)'}, không "
            "phải biểu mẫu báo cáo đợt. Bản đăng ký được tổng hợp bằng lệnh 'thidua register consolidate'; số liệu "
            "báo cáo đợt hãy nhập vào biểu mẫu của đợt.", code="registration_book", path=str(path))
    if plan is not None:                  # a peak campaign's form follows that campaign's plan
        plan = plan.for_period(meta.get("period_code"))
    problems: list[ReadProblem] = []
    info = _read_info(_require(wb, C.UNIT_TABLE, C.UNIT_COLUMNS, path), problems)
    ind = _require(wb, C.INDICATOR_TABLE, C.INDICATOR_COLUMNS, path)
    values, targets, shown = _read_indicators(ind, plan, problems)
    scores = _read_scores(wb.table(C.SCORE_TABLE), problems)
    found = {}
    for name, types in (LIST_TABLES if lists else ()):
        t = wb.table(name)
        if t is not None:
            found[name] = _read_list(t, types, problems)

    form = FormData(path, wb.engine, meta, info, values, targets, scores, found, problems, wb.sheet_names)
    _check_identity(form, shown, plan, ind)
    return form


def form_with_rules(wb: Workbook, plan=None):
    """(form, plan): read with the plan given, else with the rules the form carries (checked
    against their digest; a ThiduaError says so when they are missing or were edited)."""
    form = form_from_workbook(wb, plan)
    if plan is None:
        from ..plan.embed import plan_from_form_meta
        plan = plan_from_form_meta(form.meta)
        form = form_from_workbook(wb, plan)      # the plan decides field types
    return form, plan


def _problem(problems, rule_code: str, sheet, cell, fld, value, variant: str = "", /, **params) -> None:
    """A problem of a catalogue rule, its message from the rule's template."""
    r = CAT.rule(rule_code)
    problems.append(ReadProblem(rule_code, r.severity, sheet, cell, fld, value,
                                r.message(variant, sheet=sheet, cell=cell, **params)))


def _unparseable(problems, e: Entry) -> None:
    _problem(problems, "unparseable", e.sheet, e.cell, e.code, e.raw, label=e.label, note=e.parsed.note)


def _read_info(t: Table, problems) -> dict[str, Entry]:
    types = {code: typ for code, _, _, typ in C.UNIT_ROWS}
    ci, cl, cv = t.column(C.CODE), t.column(C.LABEL), t.column(C.VALUE)
    out = {}
    for i, row in enumerate(t.rows):
        code = _text(row[ci])
        if not code:
            continue
        typ = types.get(code, "text")
        e = Entry(code, _text(row[cl]) or code, typ, parse_value(row[cv], typ), t.sheet, t.address(i, cv))
        if e.parsed.invalid:
            _unparseable(problems, e)
        out[code] = e
    return out


def _read_indicators(t: Table, plan, problems):
    col = {h: t.column(h) for h in C.INDICATOR_COLUMNS}
    kind_fields = plan.field_by_code if plan is not None else None
    values: dict[str, Entry] = {}
    targets: dict[str, ShownTarget] = {}
    shown: list[tuple] = []
    for i, row in enumerate(t.rows):
        code = _text(row[col[C.CODE]])
        entry_raw = row[col[C.ENTRY]]
        if not code:
            if _text(entry_raw):
                _problem(problems, "row_without_code", t.sheet, t.address(i, col[C.ENTRY]), None, entry_raw)
            continue
        form_type = _text(row[col[C.FIELD_TYPE]]) or "text"
        typ = form_type
        if kind_fields is not None:
            f = kind_fields.get(code)
            if f is None:
                _problem(problems, "unknown_code", t.sheet, t.address(i, col[C.CODE]), code, code, code=code)
            else:
                typ = f.type
        derived = typ == "formula"
        label = _text(row[col[C.LABEL]]) or code
        e = Entry(code, label, "number" if derived else typ,
                  parse_value(entry_raw, "number" if derived else typ), t.sheet,
                  t.address(i, col[C.ENTRY]), derived)
        if e.parsed.invalid and not derived:
            _unparseable(problems, e)
        if code in values:
            _problem(problems, "duplicate_code", t.sheet, e.cell, code, code, code=code)
            continue
        values[code] = e
        comparator = _text(row[col[C.COMPARATOR]])
        minimum = _number_or_none(row[col[C.TARGET_MIN]])
        stretch = _number_or_none(row[col[C.TARGET_STRETCH]])
        target_code = _text(row[col[C.TARGET_CODE]])
        text = _text(row[col[C.TARGET_TEXT]])
        shown.append((code, target_code, comparator, minimum, stretch, text, i))
        if target_code:
            targets[code] = ShownTarget(code, target_code, comparator, minimum, stretch, text, t.sheet,
                                        t.address(i, col[C.TARGET_TEXT]))
    return values, targets, shown


def _read_scores(t: Table | None, problems) -> dict[str, ScoreEntry]:
    if t is None or any(t.column(h) is None for h in C.SCORE_COLUMNS):
        return {}
    col = {h: t.column(h) for h in C.SCORE_COLUMNS}
    out = {}
    for i, row in enumerate(t.rows):
        code = _text(row[col[C.CODE]])
        if not code:
            continue
        label = _text(row[col[C.LABEL]]) or code

        def entry(h: str, typ: str) -> Entry:
            e = Entry(code, f"{label} — {h}", typ, parse_value(row[col[h]], typ), t.sheet, t.address(i, col[h]))
            if e.parsed.invalid and h != C.UPPER_SCORE:   # the upper level's column: any value is a finding
                _unparseable(problems, e)                   # of its own (check.engine), never used
            return e

        out[code] = ScoreEntry(code, _text(row[col[C.GROUP]]), label, _number_or_none(row[col[C.POINTS]]),
                               _text(row[col[C.METHOD]]), entry(C.SELF_SCORE, "number"),
                               entry(C.UPPER_SCORE, "number"), entry(C.EXPLANATION, "text"))
    return out


def _read_list(t: Table, types: dict[str, str], problems) -> ListTable:
    rows, cells, sheet_rows = [], [], []
    for i, row, below in list_rows(t):
        if all(not _text(v) for v in row):
            continue
        if below:
            first = next(j for j, v in enumerate(row) if _text(v))
            where = f"{t.address(i, 0)}:{t.address(i, len(t.headers) - 1)}"
            _problem(problems, "row_below_table", t.sheet, t.address(i, first), None, row[first],
                     row=t.first_row + i + 1, where=where)
        record = {}
        for j, h in enumerate(t.headers):
            typ = types.get(h, "text")
            parsed = parse_value(row[j], typ)
            if parsed.invalid:
                _unparseable(problems, Entry(h, h, typ, parsed, t.sheet, t.address(i, j)))
            record[h] = parsed.value if parsed.ok else (None if parsed.blank else parsed.raw)
        rows.append(record)
        cells.append(t.address(i, 0))
        sheet_rows.append(t.first_row + i)
    return ListTable(t.name, t.sheet, list(t.headers), rows, cells, sheet_rows, t.first_col)


def _check_identity(form: FormData, shown: list[tuple], plan, ind: Table) -> None:
    """Identity shown vs recorded vs the plan; targets shown vs the digest recorded at issue time."""
    p = form.problems
    _identity_problem(form, plan)
    recorded = form.meta.get("targets_digest", "")
    actual = C.targets_digest(form.unit_code, form.plan_fingerprint, [r[:6] for r in shown])
    if recorded != actual:
        p.extend(_changed_targets(form, shown, plan, ind))
    if plan is not None:
        if form.plan_id != plan.info.plan_id:
            _problem(p, "other_plan", None, None, None, form.plan_id, form_plan=form.plan_id, plan=plan.info.plan_id)
        elif form.plan_fingerprint != plan.fingerprint:
            if form.plan_version == str(plan.info.version):
                what = (f"Kế hoạch (phiên bản {plan.info.version}) đã được sửa sau khi phát biểu mẫu này mà chưa "
                        "tăng số phiên bản")
            else:
                what = (f"Biểu mẫu được phát từ phiên bản {form.plan_version} của kế hoạch; kế hoạch hiện là "
                        f"phiên bản {plan.info.version}")
            _problem(p, "plan_changed", None, None, None, form.plan_version, what=what)
        if form.unit_code not in plan.unit_by_code:
            _problem(p, "unknown_unit", None, None, None, form.unit_code, unit=form.unit_code)


_SHOWN_COLUMNS = (C.TARGET_CODE, C.COMPARATOR, C.TARGET_MIN, C.TARGET_STRETCH, C.TARGET_TEXT)


def _changed_targets(form: FormData, shown: list[tuple], plan, ind: Table) -> list[ReadProblem]:
    """The targets shown differ from those issued (the digest says so): name each changed row,
    its cell and the target as issued, when a plan says what was issued."""
    tail = "Khi tổng hợp, chỉ tiêu được lấy từ kế hoạch; hãy dùng biểu mẫu gốc nếu cần xem đúng chỉ tiêu."
    expected = None
    if plan is not None and form.unit_code in plan.unit_by_code:
        from ..forms.layout import layout_for
        expected = {r.field.code: r for r in layout_for(plan, plan.kind_of(form.unit_code, form.unit_kind)).indicators}
    out: list[ReadProblem] = []
    if not expected:
        _problem(out, "targets_changed", ind.sheet, None, None, None, "unlocated", tail=tail)
        return out
    same_plan = form.plan_fingerprint == plan.fingerprint
    seen = set()
    for code, target_code, comparator, minimum, stretch, text, i in shown:
        seen.add(code)
        row = expected.get(code)
        want = row.shown() if row is not None else (code, "", "", None, None, "")
        have = (code, target_code, comparator, minimum, stretch, text)
        if [C.normalise_shown(x) for x in want] == [C.normalise_shown(x) for x in have]:
            continue
        diff = [h for h, a, b in zip(_SHOWN_COLUMNS, want[1:], have[1:]) if C.normalise_shown(a) != C.normalise_shown(b)]
        col = ind.column(C.TARGET_TEXT if C.TARGET_TEXT in diff else diff[0])
        cell = ind.address(i, col)
        label = form.values[code].label if code in form.values else code
        issued = want[5] or "không có chỉ tiêu"
        now = text or "(trống)"
        why = "" if same_plan else " (kế hoạch đã đổi phiên bản sau khi phát biểu mẫu nên có thể do thay đổi kế hoạch)"
        _problem(out, "targets_changed", ind.sheet, cell, code, text, label=label, target=want[1] or "", now=now,
                 issued=issued, columns=", ".join(diff), why=why, tail=tail)
    for code, row in expected.items():
        if code not in seen and row.target is not None:
            _problem(out, "targets_changed", ind.sheet, None, code, None, "removed", target=row.target.code,
                     label=row.field.label, tail=tail)
    if not out:       # the digest differs but every row matches this plan: the digest itself was edited
        _problem(out, "targets_changed", ind.sheet, None, None, None, "digest", tail=tail)
    return out


# The unit's identity as the form shows it (locked cells of tblUnitInfo), what each is compared with.
_IDENTITY_ROWS = (("ma_don_vi", "mã đơn vị"), ("ten_don_vi", "tên đơn vị"), ("cum", "cụm thi đua"),
                  ("loai_hinh", "loại hình"))
_META_SOURCE, _PLAN_SOURCE = "phần nhận dạng ẩn của biểu mẫu", "kế hoạch"


def _cluster_shown(plan, code: str) -> str:
    """The cluster cell of an issued form: "C01 — <cluster name>" (forms.write)."""
    cluster = plan.cluster_by_code.get(code) if plan is not None else None
    return f"{code} — {cluster.name}" if cluster else code


def _identity_problem(form: FormData, plan) -> None:
    """One identity_changed problem naming every disagreement between the identity cells the form
    shows, its hidden meta (unit_code, cluster_code, unit_kind), the plan's unit (when a plan is
    given) and the unit of the plan the form carries. Texts compare folded (NFC, whitespace)."""
    from ..plan.embed import embedded_unit_codes
    from ..plan.model import KIND_LABELS

    meta = form.meta
    unit = plan.unit_by_code.get(form.unit_code) if plan is not None else None
    kind = meta.get("unit_kind", "")
    recorded = {"ma_don_vi": form.unit_code, "cum": meta.get("cluster_code", ""),
                "loai_hinh": KIND_LABELS.get(kind, kind)}
    planned = {} if unit is None else {"ten_don_vi": unit.name, "cum": _cluster_shown(plan, unit.cluster),
                                       "loai_hinh": unit.kind_label}
    items, first = [], None
    for code, what in _IDENTITY_ROWS:
        e = form.info.get(code)
        if e is None:
            continue
        have = _text(e.raw)
        wrong = []
        if code in recorded:
            mine = have.split(" — ", 1)[0].strip() if code == "cum" else have
            if mine != fold(recorded[code]):
                wrong.append((_META_SOURCE, recorded[code] or "(trống)"))
        if code in planned and have != fold(planned[code]):
            wrong.append((_PLAN_SOURCE, planned[code]))
        if wrong:
            first = first or e
            items.append(f"ô {e.cell}: {what} trên biểu mẫu là '{have or '(trống)'}' nhưng "
                         + " và ".join(f"{source} ghi '{want}'" for source, want in wrong))
    carried = embedded_unit_codes(meta)
    if carried is not None and carried != [form.unit_code]:
        owner = ", ".join(f"'{c}'" for c in carried) or "(không có đơn vị nào)"
        items.append(f"quy định kế hoạch kèm biểu mẫu (phần ẩn) là của đơn vị {owner}, không phải "
                     f"'{form.unit_code}'")
    if not items:
        return
    why = ""
    if unit is not None and form.plan_fingerprint != plan.fingerprint and any(_PLAN_SOURCE in i for i in items):
        why = (" Kế hoạch đã đổi sau khi phát biểu mẫu này: nếu kế hoạch mới đổi tên, cụm hay loại hình của đơn vị "
               "thì hãy phát lại biểu mẫu cho đơn vị.")
    sheet = first.sheet if first is not None else None
    _problem(form.problems, "identity_changed", sheet, first.cell if first else None, first.code if first else None,
             first.raw if first else form.unit_code, where=f"Trang '{sheet}'" if sheet else "Biểu mẫu",
             unit=form.unit_code or "(không rõ)", what="; ".join(items), why=why)
