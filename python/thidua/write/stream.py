"""A worksheet whose long tables are rendered straight to XML rows in a temporary file.

XlsxWriter keeps one object per cell and writes each through several method calls; for a
consolidation of thousands of forms (hundreds of thousands of cells in the inputs, member and
proposal tables) that was most of the run. `StreamSheet.stream_rows` renders a block of rows once,
as XlsxWriter's own constant-memory mode does (inline strings, the same number, escape and
whitespace rules), and keeps them on disk until the sheet is assembled: the rows cost neither
time per cell object nor memory that grows with the number of forms.

The block must be the last content of its sheet: nothing may be written at or below its first
row afterwards (that raises), because the streamed rows are appended after the sheet's other
rows. Everything else on the sheet (titles, the table header, column widths, freeze panes,
charts, printing) is ordinary XlsxWriter.
"""
from __future__ import annotations

import math
import re
import shutil
import tempfile
from datetime import date, datetime
from typing import Callable, Iterable, Sequence

from xlsxwriter.utility import xl_col_to_name, xl_range
from xlsxwriter.worksheet import Worksheet

STRING_MAX = 32767                     # Excel's limit for one cell's text
_CONTROL_CHARS = r"\x00-\x08\x0b-\x1f"        # escaped as _xHHHH_ (XlsxWriter's set: tab and newline stay)
_LITERAL = r"_x[0-9a-fA-F]{4}_"                  # text that looks like an escape: its "_" is escaped
_ESCAPE = rf"[&<>{_CONTROL_CHARS}\ufffe\uffff]|{_LITERAL}"
_NEEDS_ESCAPE = re.compile(_ESCAPE)
_NOT_PLAIN = re.compile(rf"^\s|\s$|{_ESCAPE}")   # text that _text() must treat (escapes or edge spaces)
_CONTROL = re.compile(f"[{_CONTROL_CHARS}]")
_LITERAL_ESCAPE = re.compile(f"({_LITERAL})")


def _text(v: str) -> str:
    """Cell text as XML character data, with Excel's _xHHHH_ escapes for control characters
    (and for literal "_xHHHH_" text, so it reads back unchanged)."""
    if len(v) > STRING_MAX:
        v = v[:STRING_MAX]
    if _NEEDS_ESCAPE.search(v):
        v = _LITERAL_ESCAPE.sub(r"_x005F\1", v)
        v = _CONTROL.sub(lambda m: f"_x{ord(m.group(0)):04X}_", v)
        v = v.replace("\ufffe", "_xFFFE_").replace("\uffff", "_xFFFF_")
        v = v.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    if v[0].isspace() or v[-1].isspace():
        return f' xml:space="preserve">{v}'
    return ">" + v


def has_time(v: datetime) -> bool:
    """A datetime with a time of day (written with a time format; a bare date without one)."""
    return v.time() != datetime.min.time()


class TooManyRows(ValueError):
    """A streamed block that would run past the sheet's last row (Excel: 1,048,576)."""

    def __init__(self, sheet: str, limit: int):
        super().__init__(f"sheet {sheet}: more than {limit} rows")
        self.sheet, self.limit = sheet, limit


class StreamSheet(Worksheet):
    """An XlsxWriter worksheet (pass `worksheet_class=StreamSheet` to add_worksheet)."""

    def __init__(self):
        super().__init__()
        self._stream = None
        self._stream_from: int | None = None

    def add_streamed_table(self, first_row: int, first_col: int, last_row: int, last_col: int,
                           options: dict) -> None:
        """add_table for a table whose rows are streamed. XlsxWriter registers every cell of a
        table to refuse a later overlapping table or merge (about 1 µs a cell); a streamed table
        ends its sheet, so nothing can overlap it: it is declared over its header and first row,
        then given its full range."""
        short = min(last_row, first_row + 1)
        if self.add_table(first_row, first_col, short, last_col, options) != 0:
            raise ValueError(f"table {options.get('name')}: XlsxWriter refused it")
        table = self.tables[-1]
        table["range"] = table["a_range"] = xl_range(first_row, first_col, last_row, last_col)
        if table.get("autofilter"):
            table["autofilter"] = table["a_range"]

    def stream_rows(self, first_row: int, first_col: int, rows: Iterable[Sequence], n_cols: int, formats: Sequence,
                    defaults: dict, height: Callable[[Sequence], float | None] | None = None,
                    whole: Sequence | None = None, bool_text: Sequence | None = None) -> int:
        """Rows of values from (first_row, first_col) down, taken one at a time (a generator keeps
        memory flat); returns how many. str is written as text (never a formula), int and float
        as numbers, bool as TRUE/FALSE, date/datetime as dates, None and "" left empty, any other
        value as its text. `formats[j]` is column j's cell format; where it is None the value's
        type picks one of `defaults` ("number", "text", "date", "datetime", "bool").
        `height(values)` gives a row's height in points (None: the default). `whole[j]`, when given,
        is column j's format for whole numbers (Excel shows "90," for 90 under "#,##0.##").
        `bool_text[j]`, when given, is the (true, false) words column j shows for a bool."""
        if self._stream_from is not None:
            raise RuntimeError("StreamSheet: one streamed block per sheet")
        letters = [xl_col_to_name(first_col + j) for j in range(n_cols)]

        def style(fmt) -> str:
            return f' s="{fmt._get_xf_index()}"' if fmt is not None else ""

        col_fmt = [style(formats[j]) if j < len(formats) and formats[j] is not None else None for j in range(n_cols)]
        by_kind = {kind: [c if c is not None else style(defaults.get(kind)) for c in col_fmt]
                   for kind in ("number", "text", "bool", "date", "datetime")}
        s_num, s_text, s_bool, s_date, s_stamp = by_kind.values()
        s_whole = [style(whole[j]) if whole is not None and j < len(whole) and whole[j] is not None else s_num[j]
                   for j in range(n_cols)]
        convert = self._convert_date_time
        not_plain = _NOT_PLAIN.search
        bodies: dict[str, str] = {}        # text -> its XML: codes, names and labels repeat row after row

        out = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")
        count = 0
        for i, values in enumerate(rows):
            count += 1
            if first_row + i >= self.xls_rowmax:
                out.close()
                raise TooManyRows(self.name, self.xls_rowmax)
            n = str(first_row + i + 1)
            ht = height(values) if height else None
            cells = [f'<row r="{n}" ht="{ht:g}" customHeight="1">' if ht else f'<row r="{n}">']
            for j, v in enumerate(values):
                t = type(v)
                if t is str:
                    if v:
                        body = bodies.get(v)
                        if body is None:
                            body = _text(v) if len(v) > STRING_MAX or not_plain(v) else ">" + v
                            if len(v) <= 200 and len(bodies) < 50_000:
                                bodies[v] = body
                        cells.append(f'<c r="{letters[j]}{n}"{s_text[j]} t="inlineStr"><is><t{body}</t></is></c>')
                elif t is int or t is float:
                    if math.isfinite(v):
                        s = s_whole[j] if t is int or v.is_integer() else s_num[j]
                        cells.append(f'<c r="{letters[j]}{n}"{s}><v>{v:.16G}</v></c>')
                    else:
                        cells.append(f'<c r="{letters[j]}{n}"{s_text[j]} t="inlineStr"><is><t>{v}</t></is></c>')
                elif v is None:
                    continue
                elif t is bool:
                    words = bool_text[j] if bool_text is not None and j < len(bool_text) else None
                    if words:
                        cells.append(f'<c r="{letters[j]}{n}"{s_text[j]} t="inlineStr"><is>'
                                     f'<t{_text(words[0] if v else words[1])}</t></is></c>')
                    else:
                        cells.append(f'<c r="{letters[j]}{n}"{s_bool[j]} t="b"><v>{int(v)}</v></c>')
                elif isinstance(v, datetime):
                    s = s_stamp[j] if has_time(v) else s_date[j]
                    cells.append(f'<c r="{letters[j]}{n}"{s}><v>{convert(v):.16G}</v></c>')
                elif isinstance(v, date):
                    cells.append(f'<c r="{letters[j]}{n}"{s_date[j]}><v>{convert(datetime(v.year, v.month, v.day)):.16G}</v></c>')
                else:
                    text = str(v)
                    if text:
                        cells.append(f'<c r="{letters[j]}{n}"{s_text[j]} t="inlineStr"><is><t{_text(text)}</t></is></c>')
            cells.append("</row>")
            out.write("".join(cells))
        if not count:
            out.close()
            return 0
        super()._check_dimensions(first_row, first_col)
        super()._check_dimensions(first_row + count - 1, first_col + n_cols - 1)
        self._stream, self._stream_from = out, first_row
        return count

    def _check_dimensions(self, row, col, ignore_row=False, ignore_col=False):
        if self._stream_from is not None and not ignore_row and row >= self._stream_from:
            raise RuntimeError(f"StreamSheet '{self.name}': row {row + 1} is inside the streamed rows")
        return super()._check_dimensions(row, col, ignore_row, ignore_col)

    def _write_sheet_data(self) -> None:
        if self._stream is None:
            return super()._write_sheet_data()
        self._xml_start_tag("sheetData")
        if self.dim_rowmin < self._stream_from:          # the sheet's ordinary rows, above the block
            last = self.dim_rowmax
            self.dim_rowmax = self._stream_from - 1
            try:
                self._write_rows()
            finally:
                self.dim_rowmax = last
        self._stream.seek(0)
        shutil.copyfileobj(self._stream, self.fh, 1 << 20)
        self._stream.close()
        self._stream = None
        self._xml_end_tag("sheetData")
