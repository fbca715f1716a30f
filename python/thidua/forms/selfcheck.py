"""The form's "Tự kiểm tra" sheet, its hidden calculation sheet and the conditional formats: the
formulas forms.compile emits from the plan, laid out in the workbook.

- "Tự kiểm tra" (visible, printable): counts by severity, the expected total and rating with its
  reason, the first problems (sheet, cell, message), the points of every criterion and group, and
  the titles registered (collective and each member's) with their verdicts.
- "Tính tự kiểm tra" (hidden, protected): the table of every problem the form may have
  (tblSelfCheck: rule, severity, sheet, cell, whether it holds now, its message), the member
  rows' calculations and the registration record the form carries.
- On the entry sheets: a hidden helper column per marked column holds the worst severity of the
  cell's problems (a formula over tblSelfCheck), and conditional formats colour the cell from it
  in the Kiểm tra button's colours. Conditional formats only refer to their own sheet: Excel
  2007's rule, kept by every later version, WPS and LibreOffice.

All tables are declared here (names and columns); the tests read them back by name.
"""
from __future__ import annotations

import re

from xlsxwriter.worksheet import Worksheet

from ..write.stream import StreamSheet

from .. import contract as C
from ..catalogue import SEVERITIES, Severity
from ..plan.schema import METHODS, label_of
from . import formula as F
from .compile import (Compiled, Geometry, NEEDS_BUTTON, a1, at_row, cell_ref, column_letter, compile_form,
                      msg_formula, quote_sheet, resolve)

# Formulas are written with an empty cached result: Excel recalculates every formula on load
# (XlsxWriter sets fullCalcOnLoad), LibreOffice by default keeps cached results of a .xlsx and
# computes only cells without one. A cached 0 would show "0 lỗi" on a blank form there.
SHEET = "Tự kiểm tra"
CALC_SHEET = "Tính tự kiểm tra"
CHECK_TABLE = "tblSelfCheck"
MESSAGE_PARTS = 11                # the message's words and values in turn (forms.compile.message)
CHECK_COLUMNS = ("Mã quy tắc", "Quy tắc", "Mức độ", "Trang", "Ô", "Giá trị", "So với", "Có", "Thứ tự", "Nội dung",
                 *(f"Phần {k}" for k in range(1, MESSAGE_PARTS + 1)))
SUMMARY_TABLE = "tblSelfSummary"
SUMMARY_COLUMNS = ("Mã", "Nội dung", "Giá trị")
PROBLEM_TABLE = "tblSelfProblems"
PROBLEM_COLUMNS = ("STT", "Trang", "Nội dung", "Mức độ", "Ô")
GROUP_TABLE = "tblSelfGroups"
GROUP_COLUMNS = ("Mã", "Nhóm", "Kết quả", "Điểm tối đa", "Điểm", "Mức sàn")
SCORE_TABLE = "tblSelfScores"
SCORE_COLUMNS = ("Mã", "Tiêu chí", "Cách tính", "Điểm chuẩn", "Tự chấm", "Điểm tính", "Cách chấm")
COLLECTIVE_TABLE = "tblSelfCollective"
COLLECTIVE_COLUMNS = ("Mã", "Danh hiệu tập thể", "Lý do", "Đăng ký", "Kết quả")
MEMBER_TABLE = "tblSelfMembers"
MEMBER_COLUMNS = ("Dòng", "Họ và tên", "Lý do", "Danh hiệu", "Kết quả")
SELF_TABLES = (CHECK_TABLE, SUMMARY_TABLE, PROBLEM_TABLE, GROUP_TABLE, SCORE_TABLE, COLLECTIVE_TABLE, MEMBER_TABLE)
WIDTHS = (16, 28, 66, 11, 15, 9, 12)
SHOWN_PROBLEMS = 20
MEMBER_LINES = 4                  # a member's reasons
PROBLEM_LINES = 5                 # a message's lines at the column's width (LibreOffice does not grow rows)
NEEDS_BUTTON_TEXT = "Cần bấm Kiểm tra"

# The summary's rows: (code, label); the codes are what tests and people's formulas may refer to.
SUMMARY_ROWS = (
    ("so_loi", "Số lỗi (phải sửa trước khi gửi)"),
    ("so_canh_bao", "Số cảnh báo (cần xem lại)"),
    ("so_thong_tin", "Số thông tin (để biết)"),
    ("can_bam_kiem_tra", "Số ô có chữ, cần bấm Kiểm tra"),
    ("tong_diem", "Tổng điểm dự kiến"),
    ("diem_toi_da", "Điểm tối đa"),
    ("xep_loai", "Xếp loại dự kiến (mã)"),
    ("ten_xep_loai", "Xếp loại dự kiến"),
    ("ly_do", "Lý do xếp loại"),
)
NOTE = ("Trang này tự tính ngay khi nhập, không cần chương trình: đếm lỗi, cảnh báo, tính điểm và xếp loại dự kiến "
        "theo kế hoạch. Ô có vấn đề được tô màu như khi bấm Kiểm tra. Khi có chương trình, nút Kiểm tra của thẻ Thi "
        "đua còn đọc được số viết kèm chữ, đối chiếu đợt trước và bản đăng ký đầu năm; kết quả của nút là kết quả "
        "chính thức.")

_TOKEN = re.compile(r"⟪([^⟪⟫]+)⟫")      # innermost first: a number token may hold a token


RECORD_SHEET = "Bản đăng ký (tự kiểm tra)"


def write_selfcheck(wb, st, ws, calc, sheets: dict, plan, unit, period, layout, heading: str, start=None,
                    record=None) -> None:
    """Fill the "Tự kiểm tra" sheet `ws` and the hidden `calc` sheet (a CalcSheet); add helper
    cells and conditional formats to the entry sheets (`sheets`: sheet name -> worksheet); with a
    registration record (`start`), write its cells on the hidden `record` sheet.

    What does not depend on the unit (every formula, the layout) is made once per compiled plan
    and replayed: the visible sheet and the marks as recorded calls, the calc sheet's rows as
    rendered XML. Per form: the unit's heading and its registration record's cells."""
    from ..score.engine import eligibility
    from .compile import record_capacity, record_data
    from .registration import member_rows
    data = record_data(plan, start) if start is not None else None
    eligible = eligibility(plan, unit)[0]
    shape = (member_rows(len(start.members)), record_capacity(len(data.members))) if start is not None else None
    key = (id(plan), layout.kind, period.code, "" if eligible else unit.code, shape)
    made = _MADE.get(key)
    if made is None or made[0] is not plan:
        comp = compile_form(plan, layout, period, start, unit)
        made = (plan, _make(plan, comp, shape))
        if len(_MADE) > 32:
            _MADE.clear()
        _MADE[key] = made
    comp, book, visible, marks, calc_rows = made[1]
    fills = {sev: wb.add_format({"bg_color": sev.fill}) for sev in SEVERITIES}
    _replay(visible, ws, st, fills)
    from .write import text_line
    text_line(ws, st, 1, heading, list(WIDTHS))
    for sheet, ops in marks.items():
        if sheet in sheets:
            _replay(ops, sheets[sheet], st, fills)
    _calc_head(calc, st, book, comp)
    calc.set_rendered_rows(CHECK_TOP + 1, *calc_rows)
    if record is not None and data is not None:
        _write_record(record, data)


_MADE: dict = {}


def _make(plan, comp: Compiled, shape):
    """The layout, the recorded calls of the visible sheet and of the marks, and the calc sheet's
    rows (their XML, last row and last column)."""
    g = comp.geometry
    book = _Book(SHEET, CALC_SHEET, g)
    book.titles = [(t.code, t.name) for t in plan.titles]
    _lay_out(book, comp, g, plan, shape)
    rows = _Rows()
    _calc_cells(rows, book, comp, g)
    visible = _Recorder()
    _write_visible(visible, _StyleNames(), book, comp, g)
    marks: dict = {}
    _write_marks(marks, book, comp)
    _number_cells(rows, book)          # last: the visible sheet and the marks may ask for numbers
    return comp, book, visible, marks, rows.render()


# The record sheet: its scalars (A:B), collective titles (D:G), member rows (I:O) from row 2.
RECORD_FIRST = 1
RECORD_COLLECTIVE_COL, RECORD_MEMBER_COL = 3, 8
RECORD_COLLECTIVE_KEYS = ("c_code", "c_ontime", "c_inrec", "c_note")


def _record_tokens(book: "_Book", plan, capacity: int) -> None:
    from .compile import RECORD_KEYS, RECORD_MEMBER_KEYS
    sheet = RECORD_SHEET
    for i, k in enumerate(RECORD_KEYS):
        book.put(f"rec:{k}", sheet, RECORD_FIRST + i, 1)
    for i, t in enumerate(x for x in plan.titles if x.target_of == "collective"):
        for j, k in enumerate(RECORD_COLLECTIVE_KEYS[1:], start=1):
            book.put(f"rec:{k}:{t.code}", sheet, RECORD_FIRST + i, RECORD_COLLECTIVE_COL + j)
    for j, k in enumerate(RECORD_MEMBER_KEYS):
        book.put_range(f"start:{k}", sheet, RECORD_FIRST, RECORD_FIRST + capacity - 1, RECORD_MEMBER_COL + j)


def _write_record(ws, data) -> None:
    """The registration record's cells (constants the formulas read), hidden and protected."""
    from .compile import RECORD_MEMBER_KEYS
    ws.write_string(0, 0, "Khóa")
    ws.write_string(0, 1, "Giá trị")
    for i, (k, v) in enumerate(data.scalars):
        ws.write_string(RECORD_FIRST + i, 0, k)
        ws.write(RECORD_FIRST + i, 1, v)
    for j, k in enumerate(RECORD_COLLECTIVE_KEYS):
        ws.write_string(0, RECORD_COLLECTIVE_COL + j, k)
    for i, row in enumerate(data.collective):
        for j, v in enumerate(row):
            ws.write(RECORD_FIRST + i, RECORD_COLLECTIVE_COL + j, v)
    for j, k in enumerate(RECORD_MEMBER_KEYS):
        ws.write_string(0, RECORD_MEMBER_COL + j, k)
    for i, row in enumerate(data.members):
        for j, v in enumerate(row):
            if isinstance(v, str):
                ws.write_string(RECORD_FIRST + i, RECORD_MEMBER_COL + j, v)
            else:
                ws.write_number(RECORD_FIRST + i, RECORD_MEMBER_COL + j, v)
    ws.protect("")
    ws.hide()


class _Fmt:
    """A cell format named, not made: a recorded call holds it, a replay takes the workbook's."""

    def __init__(self, name: str, arg=None):
        self.name, self.arg = name, arg


class _StyleNames:
    """Stands for write.xlsx.Styles while recording."""

    def __getattr__(self, name: str) -> _Fmt:
        return _Fmt(name)

    def number_for(self, value) -> _Fmt:
        return _Fmt("number_for", value)


class _Recorder:
    """Records worksheet calls (formats by name) to replay on every form that shares them."""

    def __init__(self):
        self.ops: list = []
        self.name = SHEET

    def __getattr__(self, method: str):
        def call(*args, **kwargs):
            self.ops.append((method, args, kwargs))
            return 0
        return call


def _replay(recorder: "_Recorder | list", ws, st, fills) -> None:
    def real(x):
        if isinstance(x, _Fmt):
            if x.name == "fill":
                return fills[x.arg]
            return st.number_for(x.arg) if x.name == "number_for" else getattr(st, x.name)
        if isinstance(x, dict):
            return {k: real(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return type(x)(real(v) for v in x)
        return x
    for method, args, kwargs in (recorder.ops if isinstance(recorder, _Recorder) else recorder):
        if method == "print_area_if_unset":
            if not getattr(ws, "print_area_range", None):
                ws.print_area(*args)
            continue
        getattr(ws, method)(*(real(a) for a in args), **{k: real(v) for k, v in kwargs.items()})


class _Rows:
    """Cells of the calc sheet below its header row, rendered once as sheet XML (formulas with an
    empty cached result, text inline)."""

    def __init__(self):
        self.cells: dict[int, dict[int, tuple]] = {}

    def formula(self, row: int, col: int, text: str, share: bool = False) -> None:
        """`share`: a column of rows whose formulas read the same one row apart may be written as one
        shared formula (Excel's <f t="shared">: the first cell holds the text, the others refer to it)."""
        self.cells.setdefault(row, {})[col] = ("g" if share else "f", text[1:] if text.startswith("=") else text)

    def string(self, row: int, col: int, text: str) -> None:
        if text:
            self.cells.setdefault(row, {})[col] = ("s", text)

    def number(self, row: int, col: int, value) -> None:
        self.cells.setdefault(row, {})[col] = ("n", value)

    def _shared(self) -> dict:
        """{(row, col): XML of the <f> element} for the shareable cells: runs of rows in a column
        whose formulas are the same once relative rows are read as offsets."""
        out, index = {}, 0
        columns: dict[int, list] = {}
        for r, cells in self.cells.items():
            for c, (kind, v) in cells.items():
                if kind == "g":
                    columns.setdefault(c, []).append((r, v))
        for c, items in sorted(columns.items()):
            items.sort()
            run: list = []
            for r, v in items + [(None, None)]:
                shape = None if r is None else _shape(v, r)
                if run and (r is None or r != run[-1][0] + 1 or shape != run[0][2]):
                    if len(run) > 1:
                        first, last = run[0][0], run[-1][0]
                        out[(first, c)] = (f'<f t="shared" ref="{a1(first, c)}:{a1(last, c)}" si="{index}">'
                                           f'{_xml(run[0][1])}</f>')
                        for rr, _v, _s in run[1:]:
                            out[(rr, c)] = f'<f t="shared" si="{index}"/>'
                        index += 1
                    run = []
                if r is not None:
                    run.append((r, v, shape))
        return out

    def render(self) -> tuple[list, int, int]:
        """(pieces of XML and texts, last row, last column): a text goes to the workbook's shared
        strings when a form is written (CalcSheet), so each is stored once per file."""
        out, last_col, pending = [], 0, []
        shared = self._shared()
        for r in sorted(self.cells):
            n = r + 1
            pending.append(f'<row r="{n}">')
            for c in sorted(self.cells[r]):
                kind, v = self.cells[r][c]
                last_col = max(last_col, c)
                ref = f"{column_letter(c)}{n}"
                if kind in ("f", "g"):
                    f = shared.get((r, c)) or f"<f>{_xml(v)}</f>"
                    pending.append(f'<c r="{ref}" t="str">{f}<v></v></c>')
                elif kind == "s":
                    pending.append(f'<c r="{ref}" t="s"><v>')
                    out.append("".join(pending))
                    out.append(_Text(v))
                    pending = ["</v></c>"]
                else:
                    pending.append(f'<c r="{ref}"><v>{v:.16G}</v></c>')
            pending.append("</row>")
        out.append("".join(pending))
        return out, max(self.cells, default=CHECK_TOP + 1), last_col


_QUOTED = re.compile(r'"(?:[^"]|"")*"|\'(?:[^\']|\'\')*\'')
_CELL = re.compile(r"(?<![A-Za-z0-9_$.])(\$?)([A-Z]{1,3})(\$?)(\d+)(?![\d(A-Za-z_.])")


def _shape(formula: str, row: int) -> str:
    """The formula with each relative row as an offset from `row` (texts and sheet names aside)."""
    parts = _QUOTED.split(formula)
    quoted = _QUOTED.findall(formula)

    def offset(m):
        if m.group(3):
            return m.group(0)
        return f"{m.group(1)}{m.group(2)}[{int(m.group(4)) - 1 - row}]"
    body = [_CELL.sub(offset, p) for p in parts]
    return "".join(b + (quoted[i] if i < len(quoted) else "") for i, b in enumerate(body))


def _xml(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


class _Text(str):
    """A text cell's content, to be replaced by its index in the workbook's shared strings."""


class _Book:
    """Where each named calculation sits: token -> placeholder of its cell."""

    def __init__(self, visible: str, calc: str, g: Geometry):
        self.visible, self.calc, self.g = visible, calc, g
        self.tokens: dict[str, str] = {}
        self.numbers: list[tuple] = []

    def put(self, token: str, sheet: str, row: int, col: int, relative: bool = False) -> None:
        self.tokens[token] = cell_ref(sheet, row, col, relative)

    def put_range(self, token: str, sheet: str, row0: int, row1: int, col: int, relative_end: bool = False) -> None:
        self.tokens[token] = f"{cell_ref(sheet, row0, col)}:{cell_ref(sheet, row1, col, relative_end)}"

    def formula(self, text: str, here: str, a: str | None = None, b: str | None = None) -> str:
        def sub(m):
            key = m.group(1)
            if key == "A":
                return a
            if key == "B":
                return b
            if key.startswith("num:") and key not in self.tokens:
                self.tokens[key] = self._number_cell(key)
            return self.tokens[key]
        for _ in range(3):                   # a number cell's value may hold tokens of its own
            if "⟪" not in text:
                break
            text = _TOKEN.sub(sub, text)
        return "=" + resolve(text, here)

    def _number_cell(self, key: str) -> str:
        """A value formatted once: a row of the numbers block (value, rounded, text)."""
        _, percent, decimals, expr = key.split(":", 3)
        row = NUMBER_TOP + 1 + len(self.numbers)
        self.numbers.append((row, expr, int(decimals), percent == "1"))
        return cell_ref(self.calc, row, self.number_col + 3)


# --- layout -------------------------------------------------------------------------------------
CHECK_TOP = 2                     # tblSelfCheck's header row on the calc sheet
INNER_KEY_COL = len(CHECK_COLUMNS) + 1   # the calc sheet's own named cells: key, value
MEMBER_COL0 = INNER_KEY_COL + 3           # member calculations: first column
MEMBER_TOP = 2                    # header row; a blank spacer row under it, then one row per member row
NUMBER_TOP = 2                    # numbers block: header row, then one row per formatted value


def _lay_out(book: _Book, comp: Compiled, g: Geometry, plan, shape) -> None:
    calc, vis = book.calc, book.visible
    # calc: inner named cells
    inner = ["total", "rating", "rating_name", "reason", "total_text", "below_text", "needs"] + \
        [f"floor:{grp.code}" for grp, _, _ in comp.groups] + \
        [k for k in comp.summary if k.startswith(("group_text:", "cap_base:", "cap_limit:", "coll:"))] + \
        [f"badnames:{v}" for k, v in comp.summary.items() if k.startswith("bad:")]
    book.inner = inner
    for i, key in enumerate(inner):
        book.put(key, calc, CHECK_TOP + 1 + i, INNER_KEY_COL + 1)
    # calc: member columns
    names = [n for n, _ in comp.member_columns] + [f"bad:{v}" for k, v in comp.summary.items() if k.startswith("bad:")]
    book.member_names = names
    spacer, last = MEMBER_TOP + 1, MEMBER_TOP + 1 + g.member_span
    for j, name in enumerate(names):
        col = MEMBER_COL0 + j
        book.put_range(f"col:{name}:all", calc, spacer, last, col)
        for i in range(g.member_span):
            r = MEMBER_TOP + 2 + i
            # this row's cells and the ranges that end at it: relative rows, so that every row's
            # formula reads the same one row down (one shared formula per column)
            book.put(f"col:{name}@{i}", calc, r, col, relative=True)
            book.put_range(f"col:{name}:above@{i}", calc, spacer, r - 1, col, relative_end=True)
            book.put_range(f"col:{name}:upto@{i}", calc, spacer, r, col, relative_end=True)
            book.put_range(f"col:{name}:all@{i}", calc, spacer, last, col)
    if shape is not None:
        _record_tokens(book, plan, shape[1])
    book.titles_col = MEMBER_COL0 + len(names) + 2
    nt = max(len(book.titles), 1)
    book.put_range("titles:code", calc, MEMBER_TOP + 1, MEMBER_TOP + nt, book.titles_col)
    book.put_range("titles:name", calc, MEMBER_TOP + 1, MEMBER_TOP + nt, book.titles_col + 1)
    book.number_col = book.titles_col + 3
    # visible: tables one under another
    row = 4
    book.summary_top = row
    for i, (code, _) in enumerate(SUMMARY_ROWS):
        book.put(f"summary:{code}", vis, row + 1 + i, 2)
    row += len(SUMMARY_ROWS) + 3
    book.problem_top = row
    row += SHOWN_PROBLEMS + 3
    book.group_top = row
    for i, (grp, _, _) in enumerate(comp.groups):
        book.put(f"group:{grp.code}", vis, row + 1 + i, 4)
    row += max(len(comp.groups), 1) + 3
    book.score_top = row
    for i, (crit, _, _) in enumerate(comp.criteria):
        book.put(f"crit:{crit.code}", vis, row + 1 + i, 5)
    row += max(len(comp.criteria), 1) + 3
    book.collective_top = row
    row += max(len(comp.collective), 1) + 3
    book.member_top = row


def _calc_cells(ws: _Rows, book: _Book, comp: Compiled, g: Geometry) -> None:
    """The calc sheet under its header row: every problem, the named cells, the member rows, the
    registration record and the plan's titles."""
    here = book.calc
    n = len(comp.candidates)
    flag_col, order_col = CHECK_COLUMNS.index("Có"), CHECK_COLUMNS.index("Thứ tự")
    first = CHECK_TOP + 1
    part0 = CHECK_COLUMNS.index("Phần 1")
    for k, c in enumerate(comp.candidates):
        r = first + k
        a = a1(r, 5) if c.a else '""'
        b = a1(r, 6) if c.b else '""'
        if c.dynamic:                   # a member row: which rule holds decides the words
            for j, key in enumerate(("rule", "name", "severity")):
                ws.formula(r, j, book.formula(c.dynamic[key], here))
        else:
            ws.string(r, 0, c.rule)
            ws.string(r, 1, c.label)
            ws.string(r, 2, str(c.severity))
        ws.string(r, 3, c.sheet)
        ref = cell_ref(c.sheet, _row(c.cell), _col(c.cell))       # the cell's address follows inserted rows
        ws.formula(r, 4, book.formula(f'ADDRESS(ROW({ref}),COLUMN({ref}),4)', here))
        if c.a:
            ws.formula(r, 5, book.formula(f"IFERROR({c.a},\"\")", here))
        if c.b:
            ws.formula(r, 6, book.formula(f"IFERROR({c.b},\"\")", here))
        ws.formula(r, flag_col, book.formula(f"IF(IFERROR({c.flag},FALSE),1,0)", here, a, b))
        # a running count: the k-th problem is the first row where it reaches k (MATCH finds it)
        ws.formula(r, order_col, f"={a1(r - 1, order_col)}+{a1(r, flag_col)}" if k else f"={a1(r, flag_col)}",
                   share=True)
        parts = _cell_apart(c.message, c.cell)
        if len(parts) > MESSAGE_PARTS:      # the tail as one formula
            parts = parts[:MESSAGE_PARTS - 1] + [(True, msg_formula(tuple(parts[MESSAGE_PARTS - 1:])))]
        pieces, j = [], 0
        for is_formula, text in parts:
            if text == "⟪CELL⟫":                # the row's own address cell, no cell of its own
                pieces.append(f'IFERROR({a1(r, 4)},"")')
                continue
            if is_formula:
                ws.formula(r, part0 + j, book.formula(f'IFERROR({text},"")', here, a, b))
                pieces.append(a1(r, part0 + j))
                j += 1
            else:
                pieces.append(F.lit(text))
        joined = "&".join(pieces) or '""'
        ws.formula(r, 9, f'=IF({a1(r, flag_col)}=1,{joined},"")')
    book.check_rows = {id(c): first + k for k, c in enumerate(comp.candidates)}
    book.check_span = (first, first + max(n, 1) - 1)
    # inner named cells
    flags = f"{a1(first, flag_col, True)}:{a1(first + max(n, 1) - 1, flag_col, True)}"
    rules = f"{a1(first, 0, True)}:{a1(first + max(n, 1) - 1, 0, True)}"
    formulas = {
        "total": comp.summary["total"], "rating": comp.summary["rating"],
        "rating_name": comp.summary["rating_name"], "reason": comp.summary["reason"],
        "total_text": comp.summary["total_text"], "below_text": comp.summary.get("below_text", '""'),
        "needs": f'SUMIF({rules},"{NEEDS_BUTTON}",{flags})',
    }
    formulas.update({f"floor:{grp.code}": floor_ok for grp, _, floor_ok in comp.groups})
    for key in book.inner:
        if key in formulas:
            f = formulas[key]
        elif key.startswith("badnames:"):
            limit = key.split(":")[1]
            col = MEMBER_COL0 + book.member_names.index(f"bad:{limit}")
            f = f"MID({a1(MEMBER_TOP + 1 + g.member_span, col)},3,32767)"
        else:
            f = comp.summary[key]
        r = CHECK_TOP + 1 + book.inner.index(key)
        ws.string(r, INNER_KEY_COL, key)
        ws.formula(r, INNER_KEY_COL + 1, book.formula(f"IFERROR({f},\"\")", here))
    # member rows
    templates = dict(comp.member_columns)
    for j, name in enumerate(book.member_names):
        col = MEMBER_COL0 + j
        if name.startswith("bad:"):
            limit = name.split(":")[1]
            template = (f'⟪col:{name}:above⟫&IF(AND(⟪col:unique⟫=1,⟪col:rank⟫>={limit}),", "&⟦M|{C.M_NAME}⟧,"")')
        else:
            template = templates[name]
        for i in range(g.member_span):
            r = MEMBER_TOP + 2 + i
            text = at_row(template, i, g)
            if name.startswith("bad:"):
                text = text.replace(f"⟪col:{name}:above@{i}⟫", a1(r - 1, col))
            ws.formula(r, col, book.formula(f"IFERROR({text},\"\")", here), share=True)
    for i, (code, name) in enumerate(book.titles):
        ws.string(MEMBER_TOP + 1 + i, book.titles_col, code)
        ws.string(MEMBER_TOP + 1 + i, book.titles_col + 1, name)


def _number_cells(ws: _Rows, book: _Book) -> None:
    """Every value a message or reason shows, formatted once (made last: any formula may ask)."""
    here, col = book.calc, book.number_col
    for row, expr, decimals, percent in book.numbers:
        fixed, digits, text = F.vi_number_cells(a1(row, col), a1(row, col + 1), a1(row, col + 2), decimals, percent)
        ws.formula(row, col, book.formula(f'IFERROR({expr},"")', here))
        ws.formula(row, col + 1, f'=IFERROR({fixed},"0")', share=True)
        ws.formula(row, col + 2, f"={digits}", share=True)
        ws.formula(row, col + 3, f"=IFERROR({text},\"\")", share=True)


NUMBER_HEADERS = ("Giá trị", "Làm tròn", "Phần nguyên", "Hiển thị")   # value, FIXED text, digits, words


def _calc_head(ws, st, book: _Book, comp: Compiled) -> None:
    """The calc sheet's title and header row (its rows below are rendered: CalcSheet)."""
    n = len(comp.candidates)
    ws.write_string(0, 0, "BẢNG TÍNH CỦA TRANG TỰ KIỂM TRA (do biểu mẫu tự tính; không sửa)", st.title)
    ws.add_streamed_table(CHECK_TOP, 0, CHECK_TOP + max(n, 1), len(CHECK_COLUMNS) - 1, {
        "name": CHECK_TABLE, "style": None, "autofilter": False,
        "columns": [{"header": h} for h in CHECK_COLUMNS]})
    for j, name in enumerate(book.member_names):
        ws.write_string(MEMBER_TOP, MEMBER_COL0 + j, name)
    ws.write_string(MEMBER_TOP, book.titles_col, "titles:code")
    ws.write_string(MEMBER_TOP, book.titles_col + 1, "titles:name")
    for j, h in enumerate(NUMBER_HEADERS):
        ws.write_string(NUMBER_TOP, book.number_col + j, h)
    ws.write_string(CHECK_TOP, INNER_KEY_COL, "Khóa")
    ws.write_string(CHECK_TOP, INNER_KEY_COL + 1, "Giá trị")
    ws.protect("")
    ws.hide()




class CalcSheet(StreamSheet):
    """The hidden calc sheet: its rows under the header come rendered (forms.selfcheck._Rows)."""

    def set_rendered_rows(self, first_row: int, pieces: list, last_row: int, last_col: int) -> None:
        import io
        if not pieces:
            return
        index = self.str_table._get_shared_string_index
        xml = "".join(str(index(p)) if isinstance(p, _Text) else p for p in pieces)
        Worksheet._check_dimensions(self, first_row, 0)
        Worksheet._check_dimensions(self, last_row, last_col)
        self._stream, self._stream_from = io.StringIO(xml), first_row


def _write_visible(ws, st, book: _Book, comp: Compiled, g: Geometry) -> None:
    """The visible sheet, but for the unit's heading (row 1): recorded once, replayed per form."""
    from ..write.xlsx import row_height, whole_numbers, write_header
    from .write import fit_row, setup_print, text_line
    here = book.visible
    widths = list(WIDTHS)
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.write_string(0, 0, "TỰ KIỂM TRA TRƯỚC KHI GỬI", st.title)
    text_line(ws, st, 2, NOTE, widths)
    calc = book.calc
    first, last = book.check_span
    sev_range = f"{quote_sheet(calc)}!{a1(first, 2, True)}:{a1(last, 2, True)}"
    flag_range = f"{quote_sheet(calc)}!{a1(first, 7, True)}:{a1(last, 7, True)}"
    order_range = f"{quote_sheet(calc)}!{a1(first, 8, True)}:{a1(last, 8, True)}"

    def table(top, rows, name, columns):
        ws.add_table(top, 0, top + max(rows, 1), len(columns) - 1, {
            "name": name, "style": "Table Style Light 9",
            "columns": [{"header": h, "header_format": st.header} for h in columns]})
        write_header(ws, top, 0, columns, widths, st.header)

    # summary
    top = book.summary_top
    table(top, len(SUMMARY_ROWS), SUMMARY_TABLE, SUMMARY_COLUMNS)
    values = {
        "so_loi": f'SUMIF({sev_range},"{Severity.ERROR}",{flag_range})',
        "so_canh_bao": f'SUMIF({sev_range},"{Severity.WARNING}",{flag_range})',
        "so_thong_tin": f'SUMIF({sev_range},"{Severity.INFO}",{flag_range})',
        "can_bam_kiem_tra": "⟪needs⟫",
        "tong_diem": f'IF(⟪needs⟫>0,"{NEEDS_BUTTON_TEXT}",⟪total⟫)',
        "diem_toi_da": comp.summary["max_total"],
        "xep_loai": 'IF(⟪needs⟫>0,"",⟪rating⟫)',
        "ten_xep_loai": f'IF(⟪needs⟫>0,"{NEEDS_BUTTON_TEXT}",⟪rating_name⟫)',
        "ly_do": f'IF(⟪needs⟫>0,{F.lit("Có ô nhập chữ ở chỗ cần số, ngày hoặc Có/Không (xem danh sách dưới): hãy sửa, hoặc bấm Kiểm tra để chương trình đọc.")},⟪reason⟫)',
    }
    for i, (code, label) in enumerate(SUMMARY_ROWS):
        r = top + 1 + i
        ws.write_string(r, 0, code, st.code)
        ws.write_string(r, 1, label, st.text)
        fmt = st.text if code == "ly_do" else st.formula_text if code in ("ten_xep_loai", "xep_loai") \
            else st.formula_number
        ws.write_formula(r, 2, book.formula(values[code], here), fmt, "")
        fit_row(ws, r, [(label, widths[1], False)])
    ws.set_row(top + len(SUMMARY_ROWS), row_height(4))
    whole_numbers(ws, st, [(top + 1 + i, 2) for i, (code, _) in enumerate(SUMMARY_ROWS)
                           if code not in ("ly_do", "ten_xep_loai", "xep_loai")])
    # problems
    top = book.problem_top
    text_line(ws, st, top - 1, f"Các vấn đề cần xem (tối đa {SHOWN_PROBLEMS} dòng đầu, lỗi trước):", widths)
    table(top, SHOWN_PROBLEMS, PROBLEM_TABLE, PROBLEM_COLUMNS)
    for k in range(SHOWN_PROBLEMS):
        r = top + 1 + k
        pick = lambda col: (f'=IFERROR(INDEX({quote_sheet(calc)}!{a1(first, col, True)}:{a1(last, col, True)},'   # noqa: E731
                            f'MATCH({k + 1},{order_range},0)),"")')
        ws.write_formula(r, 0, f'=IF(MAX({order_range})>={k + 1},{k + 1},"")', st.formula_number, "")
        ws.write_formula(r, 1, pick(3), st.formula_text, "")
        ws.write_formula(r, 2, pick(9), st.text, "")
        ws.set_row(r, row_height(PROBLEM_LINES))
        ws.write_formula(r, 3, pick(2), st.formula_text, "")
        ws.write_formula(r, 4, pick(4), st.formula_text, "")
    whole_numbers(ws, st, [(top + 1 + k, 0) for k in range(SHOWN_PROBLEMS)])
    def listed(top, caption, name, columns, items):
        """A captioned table whose rows start with a code and a name: (row, item) for each."""
        text_line(ws, st, top - 1, caption, widths)
        table(top, len(items), name, columns)
        for i, (code, label, item) in enumerate(items):
            ws.write_string(top + 1 + i, 0, code, st.code)
            ws.write_string(top + 1 + i, 1, label, st.text)
            yield top + 1 + i, item

    # groups
    for r, (grp, score, floor_ok) in listed(book.group_top, "Điểm từng nhóm tiêu chí:", GROUP_TABLE, GROUP_COLUMNS,
                                            [(x[0].code, x[0].name, x) for x in comp.groups]):
        ws.write_formula(r, 2, book.formula(f'IF(⟪floor:{grp.code}⟫,"Đạt mức sàn","Dưới mức sàn")', here),
                         st.formula_text, "")
        ws.write_number(r, 3, grp.max_points, st.number_for(grp.max_points))
        ws.write_formula(r, 4, book.formula(score, here), st.formula_number, "")
        whole_numbers(ws, st, [(r, 4)])
        if grp.floor is None:
            ws.write_blank(r, 5, None, st.text)
        else:
            ws.write_number(r, 5, grp.floor * grp.max_points, st.number_for(grp.floor * grp.max_points))
        fit_row(ws, r, [(grp.name, widths[1], False)])
    # criteria
    top = book.score_top
    for r, (crit, points, basis) in listed(top, "Điểm từng tiêu chí (tính theo số liệu và điểm tự chấm):",
                                           SCORE_TABLE, SCORE_COLUMNS,
                                           [(x[0].code, x[0].label, x) for x in comp.criteria]):
        ws.write_formula(r, 2, book.formula(f'IFERROR({basis},"")', here), st.text, "")
        ws.write_number(r, 3, crit.points, st.number_for(crit.points))
        own = g.score(crit.code, C.SELF_SCORE)
        ws.write_formula(r, 4, book.formula(f'IF(ISNUMBER({own}),{own},"")', here), st.formula_number, "")
        ws.write_formula(r, 5, book.formula(f"IFERROR({points},0)", here), st.formula_number, "")
        ws.write_string(r, 6, label_of(METHODS, crit.method), st.text)
        fit_row(ws, r, [(crit.label, widths[1], False), (label_of(METHODS, crit.method), widths[6], False)],
                minimum=2)
    whole_numbers(ws, st, [(top + 1 + i, j) for i in range(len(comp.criteria)) for j in (4, 5)])
    # collective titles
    for r, (t, ticked, reasons, _ref) in listed(book.collective_top, "Danh hiệu tập thể đăng ký:", COLLECTIVE_TABLE,
                                                COLLECTIVE_COLUMNS, [(x[0].code, x[0].name, x) for x in comp.collective]):
        ws.write_formula(r, 2, book.formula(f'IF({ticked},IFERROR({reasons},""),"")', here), st.text, "")
        ws.write_formula(r, 3, book.formula(f'IF({ticked},"Có","")', here), st.formula_text, "")
        unsure = any(c.kind in ("min_rating", "min_score") for c in plan_conditions(comp, t.code))
        verdict = (f'IF(IFERROR({reasons},"")<>"","Chưa đủ điều kiện",'
                   + (f'IF(⟪needs⟫>0,"{NEEDS_BUTTON_TEXT}","Đủ điều kiện"))' if unsure else '"Đủ điều kiện")'))
        ws.write_formula(r, 4, book.formula(f'IF({ticked},{verdict},"")', here), st.formula_text, "")
        fit_row(ws, r, [(t.name, widths[1], False)], minimum=3)
    # members
    top = book.member_top
    text_line(ws, st, top - 1, f"Thành viên đăng ký danh hiệu (trang '{g.sheets['member']}'):", widths)
    table(top, g.member_span, MEMBER_TABLE, MEMBER_COLUMNS)
    shown = {"Dòng": "pos", "Danh hiệu": "code", "Kết quả": "status", "Lý do": "status_reason"}
    for i in range(g.member_span):
        r = top + 1 + i
        for j, h in enumerate(MEMBER_COLUMNS):
            if not comp.member_columns:
                ws.write_blank(r, j, None, st.text)
                continue
            if h == "Họ và tên":
                src = g.member(i, C.M_NAME)
                f = f'IF(⟪col:exists@{i}⟫=1,TRIM({src}&""),"")'
            else:
                name = shown[h]
                f = f'IF(⟪col:exists@{i}⟫=1,⟪col:{name}@{i}⟫,"")'
            fmt = st.formula_number if h == "Dòng" else st.text if h == "Lý do" else st.formula_text
            ws.write_formula(r, j, book.formula(f, here), fmt, "")
        ws.set_row(r, row_height(MEMBER_LINES))
    whole_numbers(ws, st, [(top + 1 + i, 0) for i in range(g.member_span)])
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
                    "format_rows": True})
    setup_print(ws, landscape=True, header_row=None, title=SHEET)


def _write_marks(marks: dict, book: _Book, comp: Compiled) -> None:
    """Per entry sheet (recorded calls): a hidden helper cell beside each marked cell holding the
    worst severity of its problems that hold (9: none), and conditional formats colouring the cell
    from it, as the Kiểm tra button colours it."""
    calc = book.calc
    by_sheet: dict[str, dict] = {}
    for c in comp.candidates:
        by_sheet.setdefault(c.sheet, {}).setdefault(c.cell, []).append(c)
    if comp.member_typed:
        _member_typed_marks(marks.setdefault(book.g.sheets["member"], []), comp, book.g)
    for sheet, cells in by_sheet.items():
        ops = marks.setdefault(sheet, [])
        helper = _helper_columns(sheet, cells)
        if not helper:
            continue
        columns, table_width = sorted(helper), _sheet_width(sheet)
        for col in columns:
            ops.append(("set_column", (helper[col], helper[col], 4, None, {"hidden": True}), {}))
        ops.append(("print_area_if_unset", (0, 0, 1999, table_width - 1), {}))   # helpers never print
        rows_of: dict[int, list[int]] = {}
        for cell, cands in cells.items():
            col, row = _col(cell), _row(cell)
            terms = []
            for c in cands:
                row_ = book.check_rows[id(c)]
                flag = f"{quote_sheet(calc)}!{a1(row_, 7, True)}=1"
                rank = (f'MATCH({quote_sheet(calc)}!{a1(row_, 2, True)},{{"{SEVERITIES[0]}","{SEVERITIES[1]}","{SEVERITIES[2]}"}},0)'
                        if c.dynamic else str(SEVERITIES.index(c.severity) + 1))
                terms.append(f"IF({flag},{rank},9)")
            f = terms[0] if len(terms) == 1 else f"MIN({','.join(terms)})"
            ops.append(("write_formula", (row, helper[col], "=" + f, None, ""), {}))
            rows_of.setdefault(col, []).append(row)
        for col, rows in rows_of.items():
            top, bottom = min(rows), max(rows)
            h = column_letter(helper[col])
            for rank, sev in enumerate(SEVERITIES, start=1):
                ops.append(("conditional_format", (top, col, bottom, col, {
                    "type": "formula", "criteria": f"=${h}{top + 1}={rank}", "format": _Fmt("fill", sev),
                    "stop_if_true": True}), {}))


def _helper_columns(sheet: str, cells) -> dict[int, int]:
    """{marked column: its hidden helper column}: right of the sheet's tables, after a blank one."""
    width = _sheet_width(sheet)
    if not width:
        return {}
    return {col: width + 1 + k for k, col in enumerate(sorted({_col(cell) for cell in cells}))}


def mark_helpers(plan, form) -> dict[tuple[str, str], str]:
    """{(sheet as issued, marked cell): its helper cell} of a form (tests read what LibreOffice computed)."""
    from .layout import layout_for
    rules = plan.for_period(form.period_code)
    kind = rules.kind_of(form.unit_code, form.unit_kind)
    comp = compile_form(rules, layout_for(rules, kind), rules.period(form.period_code), None,
                        rules.unit_by_code.get(form.unit_code))
    by_sheet: dict[str, set] = {}
    for c in comp.candidates:
        by_sheet.setdefault(c.sheet, set()).add(c.cell)
    out = {}
    for sheet, cells in by_sheet.items():
        helper = _helper_columns(sheet, cells)
        for cell in cells:
            if _col(cell) in helper:
                out[(sheet, cell)] = f"{column_letter(helper[_col(cell)])}{_row(cell) + 1}"
    return out


def _sheet_width(sheet: str) -> int:
    """Columns the entry tables of a sheet span (the pledge table shares the registration sheet):
    helper columns go to the right of them."""
    home = {**{name: C.SHEETS[name] for name in C.TABLE_COLUMNS if name in C.SHEETS},
            C.PLEDGE_TABLE: C.SHEETS[C.REGISTRATION_TABLE]}
    return max((len(C.TABLE_COLUMNS[name]) for name, s in home.items() if s == sheet), default=0)


def _member_typed_marks(ops: list, comp: Compiled, g: Geometry) -> None:
    """Member cells holding text where a number or Có/Không belongs: one local conditional format
    per column (the problem list counts them in one line)."""
    from .compile import _MCOL, member_typed_format
    top, bottom = g.member_first, g.member_first + g.member_span - 1
    for h, typ in comp.member_typed:
        col = _MCOL[h]
        ops.append(("conditional_format", (top, col, bottom, col, {
            "type": "formula", "criteria": f"={member_typed_format(a1(top, col), typ)}>0",
            "format": _Fmt("fill", Severity.WARNING)}), {}))


def plan_conditions(comp: Compiled, title: str) -> list:
    return [c for c in comp.conditions if c.title == title]


def _cell_apart(message, cell: str) -> list:
    """The message's parts with its cell ("ô F5") as a formula: the address the row's "Ô" column
    computes, which follows rows inserted above (the sheet's name stays as issued)."""
    out = []
    for is_formula, text in message:
        mark = f"ô {cell}"
        if is_formula or mark not in text:
            out.append((is_formula, text))
            continue
        before, _, after = text.partition(mark)
        out += [(False, before + "ô "), (True, "⟪CELL⟫")] + ([(False, after)] if after else [])
    return out


def _col(cell: str) -> int:
    letters = cell.rstrip("0123456789")
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _row(cell: str) -> int:
    return int(cell[len(cell.rstrip("0123456789")):]) - 1


class FormulaSheet(Worksheet):
    """A worksheet whose formulas go in as written. XlsxWriter scans every formula with some thirty
    regular expressions for Excel 365 functions to prefix (_xlfn.); the compiled formulas use none
    (forms.formula: functions of Excel 2010), and the scan cost more than the rest of a form."""

    def _prepare_formula(self, formula, expand_future_functions=False):
        if formula.startswith("="):
            formula = formula[1:]
        return formula
