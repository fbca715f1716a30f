"""Declared output tables: a table is its columns, each declared once (header, width, kind of
value, how the value is taken from a record, an optional formula written with column *names*),
rendered the same way in memory or streamed.

    RATE = Col("Tỷ lệ báo cáo", "reporting_rate", 12, "pct",
               formula='=IF({Phải báo cáo}=0,"",{Đã nộp}/{Phải báo cáo})')

`{Header}` in a formula is that column's cell in the same row; `{Header[]}` is the column's
data range (for a totals row). Formulas are compiled against the table's own headers when the
table is declared, so a formula naming a column that does not exist fails at once, and adding
a column is one `Col(...)` line: nothing counts positions.

A formula cell carries the value Python computed (cached: readers without a spreadsheet engine
see the same number; LibreOffice's recalculation is compared in the tests).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Callable, Iterable, Sequence

from xlsxwriter.utility import xl_col_to_name

from ..contract import INPUT_FILL
from .stream import StreamSheet, has_time
from .xlsx import (DATE_FORMAT, DECIMAL_FORMAT, FONT, INTEGER_FORMAT, PERCENT_FORMAT, TABLE_STYLE, row_height,
                   text_lines)

_REF = re.compile(r"\{([^{}\[\]]+)(\[\])?\}")

# kind -> (number format, bold, wrap, align); "num" picks the whole-number format for whole values
KINDS = {
    "text": (None, False, False, None),
    "raw": (None, False, False, None),        # machine tables: values exactly as read (no Có/Không for booleans)
    "wrap": (None, False, True, None),
    "code": (None, False, False, None),
    "bold": (None, True, False, None),
    "bold_wrap": (None, True, True, None),
    "int": (INTEGER_FORMAT, False, False, None),
    "num": (DECIMAL_FORMAT, False, False, None),
    "pct": (PERCENT_FORMAT, False, False, None),
    "date": (DATE_FORMAT, False, False, "left"),
    "stamp": (DATE_FORMAT + " hh:mm:ss", False, False, "left"),
    "bold_int": (INTEGER_FORMAT, True, False, None),
    "bold_num": (DECIMAL_FORMAT, True, False, None),
    "bold_pct": (PERCENT_FORMAT, True, False, None),
    # cells a person fills (unlocked on a protected sheet, the input fill of the forms)
    "input_text": (None, False, True, None),
    "input_num": (DECIMAL_FORMAT, False, False, None),
    "input_int": (INTEGER_FORMAT, False, False, None),
    "input_date": (DATE_FORMAT, False, False, "left"),
}
BOOL_WORDS = ("Có", "Không")   # how a yes/no value reads in a table for people
WHOLE = INTEGER_FORMAT   # Excel shows "90," for 90 under "#,##0.##": whole values get this format


class TableError(ValueError):
    """A table declaration that does not hold together (a formula naming a missing column)."""


@dataclass(frozen=True)
class Col:
    header: str
    value: str | Callable[[Any], Any] | None = None   # attribute of the record, or a function of it
    width: float = 12
    kind: str = "text"
    formula: str | None = None       # with {Header} / {Header[]}; the cached value is `value`'s
    total: str | None = None         # the totals row: a formula ({Header}: this row, {Header[]}: the column)
    printed: bool = True             # part of the printed page (machine columns may be left off)
    formula_if: Callable[[Any], bool] | None = None   # rows that get the formula (others: the plain value)
    kind_of: Callable[[Any], str] | None = None       # a row's own kind (a column of shares and counts)
    get: Callable[[Any], Any] = field(init=False, repr=False, compare=False)   # record -> value

    def __post_init__(self):
        v = self.value            # resolved once: long tables call get() for every cell
        if v is None:
            get = _none
        elif callable(v):
            get = v
        else:
            def get(record, name=v):
                return record.get(name) if isinstance(record, dict) else getattr(record, name)
        object.__setattr__(self, "get", get)


@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[Col, ...]
    total_label: str | None = None   # text of the totals row's first cell ("Tổng"); None: no totals row
    _index: dict = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self):
        headers = [c.header for c in self.columns]
        if len(set(headers)) != len(headers):
            dup = sorted({h for h in headers if headers.count(h) > 1})
            raise TableError(f"table {self.name}: headers repeated: {dup}")
        self._index.update({h: j for j, h in enumerate(headers)})
        for c in self.columns:
            for text in (c.formula, c.total):
                for name, _ in _REF.findall(text or ""):
                    if name not in self._index:
                        raise TableError(f"table {self.name}: column '{c.header}' refers to '{name}', "
                                         f"which is not a column of the table")

    @property
    def headers(self) -> list[str]:
        return [c.header for c in self.columns]

    def col(self, header: str) -> int:
        """0-based position of a column in the table."""
        return self._index[header]


@dataclass(frozen=True)
class Placed:
    """Where a table landed on its sheet (0-based rows and columns)."""
    spec: TableSpec
    header_row: int
    first_col: int
    first: int              # first data row
    last: int               # last data row (== header_row + 1 when the table is empty)
    n_rows: int
    totals_row: int | None

    @property
    def next_row(self) -> int:
        return (self.totals_row if self.totals_row is not None else self.last) + 1

    def col(self, header: str) -> int:
        """0-based sheet column of a column, by header (charts, print areas)."""
        return self.first_col + self.spec.col(header)

    @property
    def last_col(self) -> int:
        return self.first_col + len(self.spec.columns) - 1


def compile_formula(text: str, spec: TableSpec, row: int, first_col: int, first: int, last: int) -> str:
    """{Header} -> that column's cell in `row`; {Header[]} -> its data range first..last."""
    def sub(m):
        letter = xl_col_to_name(first_col + spec.col(m.group(1)))
        if m.group(2):
            return f"{letter}{first + 1}:{letter}{last + 1}"
        return f"{letter}{row + 1}"
    return _REF.sub(sub, text)


class Renderer:
    """Renders declared tables on one workbook: formats made once per kind."""

    def __init__(self, wb, font_size: int = 11):
        self.wb = wb
        base = {"font_name": FONT, "font_size": font_size, "valign": "top", "border": 1}
        self._fmt: dict[str, object] = {}
        for kind, (num, bold, wrap, align) in KINDS.items():
            props = dict(base)
            if num:
                props["num_format"] = num
            if bold:
                props["bold"] = True
            if wrap:
                props["text_wrap"] = True
            if align:
                props["align"] = align
            if kind.startswith("input_"):
                props.update(locked=False, bg_color=INPUT_FILL)
            self._fmt[kind] = wb.add_format(props)
        self._whole = {k: wb.add_format({**base, "num_format": WHOLE, **({"bold": True} if k.startswith("bold") else {})})
                       for k in ("num", "bold_num")}
        self.header = wb.add_format({**base, "bold": True, "text_wrap": True, "align": "center", "valign": "vcenter",
                                     "bg_color": "#D9E1F2"})
        self.font_size = font_size

    def fmt(self, kind: str, value=None):
        if kind in self._whole and _is_whole(value):
            return self._whole[kind]
        return self._fmt[kind]

    # --- one cell by type: text always as text ("=1+1" typed by a unit stays text) ------------
    def cell(self, ws, r: int, c: int, v, kind: str = "text") -> None:
        f = self.fmt(kind, v)
        t = type(v)
        if t is str:
            if v:
                ws.write_string(r, c, v, f)
            elif kind.startswith("input_"):
                ws.write_blank(r, c, None, f)
        elif v is None:
            if kind.startswith("input_"):         # an empty cell to fill: unlocked, coloured
                ws.write_blank(r, c, None, f)
            return
        elif t is bool:
            ws.write_string(r, c, _plain(v), f)
        elif t is int or t is float:
            if math.isfinite(v):
                ws.write_number(r, c, v, f)
            else:
                ws.write_string(r, c, str(v), f)
        elif isinstance(v, datetime):
            ws.write_datetime(r, c, v, self._fmt["stamp"] if has_time(v) and kind == "date" else f)
        elif isinstance(v, date):
            ws.write_datetime(r, c, datetime(v.year, v.month, v.day), f)
        else:
            ws.write_string(r, c, str(v), f)

    def write(self, ws, spec: TableSpec, row: int, col: int, records: Iterable, *, stream: bool = False,
              totals: dict | None = None, widths: Sequence[float] | None = None) -> Placed:
        """The table with its header at (row, col), one row per record; `stream`: the table ends its
        sheet (a StreamSheet) and `records` may be a generator. A spec with a `total_label` gets a
        totals row; `totals` gives its cells' values by header (cached under their formulas).
        `widths`: the columns' widths on this sheet (tables stacked on a sheet share columns);
        default: the table's own, set here."""
        cols = spec.columns
        if widths is None:
            widths = [c.width for c in cols]
            for j, w in enumerate(widths):
                ws.set_column(col + j, col + j, w)
        options = {"name": spec.name, "style": TABLE_STYLE, "columns": [{"header": c.header} for c in cols]}
        first = row + 1
        wrapped = [j for j, c in enumerate(cols) if KINDS[c.kind][2]]
        if stream:
            if not isinstance(ws, StreamSheet):
                raise TypeError(f"table {spec.name}: stream=True needs a StreamSheet")
            if any(c.formula for c in cols) or spec.total_label:
                raise TableError(f"table {spec.name}: streamed tables have no formulas or totals")

            getters = [c.get for c in cols]
            bool_text = [None if c.kind == "raw" else BOOL_WORDS for c in cols]     # as _plain shows them
            names = [c.value for c in cols] if all(isinstance(c.value, str) for c in cols) else None

            def values():
                for rec in records:
                    if names is not None and type(rec) is dict:     # rows given as dicts: one lookup a cell
                        yield [rec.get(name) for name in names]
                    else:
                        yield [get(rec) for get in getters]

            # date columns left to the value's type: a date, or a date with its time (as cell() does)
            formats = [None if c.kind == "date" else self._fmt[c.kind] for c in cols]
            whole = [self._whole.get(c.kind) for c in cols]
            n = ws.stream_rows(first, col, values(), len(cols), formats, self._defaults(),
                               wrapped=[(j, widths[j]) for j in wrapped], font_size=self.font_size, whole=whole,
                               bool_text=bool_text)
            last = row + max(n, 1)
            ws.add_streamed_table(row, col, last, col + len(cols) - 1, options)
            placed = Placed(spec, row, col, first, last, n, None)
        else:
            records = list(records)
            last = row + max(len(records), 1)
            ws.add_table(row, col, last, col + len(cols) - 1, options)
            cells = getattr(ws, "table_cells", None)
            if isinstance(cells, dict) and len(records) > 1000:
                cells.clear()            # XlsxWriter's per-cell overlap index: our tables never overlap
            for i, rec in enumerate(records):
                r = first + i
                n_lines = 1
                for j, c in enumerate(cols):
                    v = c.get(rec) if c.kind == "raw" else _plain(c.get(rec))
                    kind = c.kind_of(rec) if c.kind_of else c.kind
                    if c.formula and (c.formula_if is None or c.formula_if(rec)):
                        text = compile_formula(c.formula, spec, r, col, first, last)
                        cached = "" if v is None else v
                        ws.write_formula(r, col + j, text, self.fmt(kind, v), cached)
                    else:
                        self.cell(ws, r, col + j, v, kind)
                    if j in wrapped and type(v) is str:
                        n_lines = max(n_lines, self.lines(v, widths[j]))
                if n_lines > 1:
                    ws.set_row(r, self.row_height(n_lines))
            totals_row = None
            if spec.total_label is not None:
                totals_row = last + 1
                for j, c in enumerate(cols):
                    kind = c.kind if c.kind.startswith("bold") else ("bold_" + c.kind if "bold_" + c.kind in KINDS
                                                                      else "bold")
                    v = (totals or {}).get(c.header)
                    if j == 0:
                        ws.write_string(totals_row, col, spec.total_label, self._fmt["bold"])
                    elif c.total:
                        text = compile_formula(c.total, spec, totals_row, col, first, last)
                        ws.write_formula(totals_row, col + j, text, self.fmt(kind, v), "" if v is None else v)
                    elif v is not None:
                        self.cell(ws, totals_row, col + j, v, kind)
            placed = Placed(spec, row, col, first, last, len(records), totals_row)
        head = max(self.lines(c.header, widths[j], bold=True) for j, c in enumerate(cols))
        for j, c in enumerate(cols):                 # over add_table's plain header cells
            ws.write_string(row, col + j, c.header, self.header)
        ws.set_row(row, self.row_height(head))
        return placed

    def lines(self, text, width: float, bold: bool = False) -> int:
        """Lines of wrapped text in a column `width` wide, at this renderer's font size."""
        return text_lines(text, width, bold, self.font_size)

    def row_height(self, lines: int) -> float:
        return row_height(lines, self.font_size)

    def _defaults(self) -> dict:
        f = self._fmt
        return {"number": f["num"], "text": f["text"], "bool": f["text"], "date": f["date"], "datetime": f["stamp"]}


def _is_whole(v) -> bool:
    return (type(v) is int) or (type(v) is float and math.isfinite(v) and v.is_integer())


def _none(record):
    return None


def _plain(v):
    """Values as cells show them: booleans as Có/Không; the rest unchanged."""
    if v is True:
        return BOOL_WORDS[0]
    if v is False:
        return BOOL_WORDS[1]
    return v


__all__ = ["Col", "TableSpec", "Placed", "Renderer", "TableError", "compile_formula",
           "TABLE_STYLE"]
