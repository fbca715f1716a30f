"""A worksheet whose long tables are rendered straight to XML rows in a temporary file.

XlsxWriter keeps one object per cell and writes each through several method calls; for a
consolidation of thousands of forms (hundreds of thousands of cells in the inputs, member and
proposal tables) that was most of the run. `StreamSheet.stream_rows` renders a block of rows once,
as XlsxWriter's own constant-memory mode does (inline strings, the same number, escape and
whitespace rules), and keeps them on disk until the sheet is assembled: the rows cost neither
time per cell object nor memory that grows with the number of forms.

Inside `rendering_helpers()` (every atomic_workbook), a table longer than one block of
CHUNK_CELLS cells is rendered by two helper processes, block by block, while this process works
out the next rows and goes on with the rest of the workbook; the blocks come back as files and are
copied in order. `render_rows` is a pure function of the values and the table's styles, so a
block rendered by a helper, or here when a helper cannot take it, is the same text.

The block must be the last content of its sheet: nothing may be written at or below its first
row afterwards (that raises), because the streamed rows are appended after the sheet's other
rows. Everything else on the sheet (titles, the table header, column widths, freeze panes,
charts, printing) is ordinary XlsxWriter.
"""
from __future__ import annotations

import math
import os
import re
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Sequence

from xlsxwriter.utility import _datetime_to_excel_datetime as excel_serial   # what Worksheet uses
from xlsxwriter.utility import xl_col_to_name, xl_range
from xlsxwriter.worksheet import Worksheet

from .xlsx import row_height, text_lines

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


CHUNK_CELLS = 50_000          # cells rendered as one block (about 2–3 MB of XML)
MAX_PENDING = 6               # blocks of one sheet waiting for a helper at once: memory stays bounded


@dataclass(frozen=True)
class RowStyle:
    """What rendering rows needs, worked out once per table (plain data: a helper process gets it)."""
    letters: tuple[str, ...]                 # column letters
    s_num: tuple[str, ...]                   # ' s="n"' per column and kind of value ("" for none)
    s_text: tuple[str, ...]
    s_bool: tuple[str, ...]
    s_date: tuple[str, ...]
    s_stamp: tuple[str, ...]
    s_whole: tuple[str, ...]
    bool_text: tuple | None                  # per column: (true, false) words, or None for TRUE/FALSE
    wrapped: tuple[tuple[int, float], ...]   # (column, width) of wrapped columns: their rows grow
    font_size: float
    date_1904: bool
    remove_timezone: bool


_BODIES: dict[str, str] = {}          # text -> its XML: codes, names and labels repeat row after row
_LINES: dict[tuple, int] = {}         # (text, width, font size) -> lines it wraps to


def render_rows(style: RowStyle, first_row: int, rows: Sequence[Sequence]) -> str:
    """The XML of `rows`, the first at 0-based sheet row `first_row` (a pure function of its
    arguments: a helper process and this one give the same text)."""
    letters, s_num, s_text, s_bool, s_date, s_stamp, s_whole = (
        style.letters, style.s_num, style.s_text, style.s_bool, style.s_date, style.s_stamp, style.s_whole)
    bool_text, wrapped, size = style.bool_text, style.wrapped, style.font_size
    not_plain = _NOT_PLAIN.search
    bodies, known = _BODIES, _LINES
    if len(bodies) > 50_000:
        bodies.clear()
    if len(known) > 50_000:
        known.clear()
    out = []
    for i, values in enumerate(rows):
        n = str(first_row + i + 1)
        ht = None
        if wrapped:
            k = 1
            for j, w in wrapped:
                v = values[j]
                if type(v) is str and len(v) > 4:      # shorter than any column: one line
                    lines = known.get((v, w, size))
                    if lines is None:
                        lines = known[(v, w, size)] = text_lines(v, w, False, size)
                    k = max(k, lines)
            ht = row_height(k, size) if k > 1 else None
        cells = [f'<row r="{n}" ht="{ht:g}" customHeight="1">' if ht else f'<row r="{n}">']
        for j, v in enumerate(values):
            t = type(v)
            if t is str:
                if v:
                    body = bodies.get(v)
                    if body is None:
                        body = _text(v) if len(v) > STRING_MAX or not_plain(v) else ">" + v
                        if len(v) <= 200:
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
                serial = excel_serial(v, style.date_1904, style.remove_timezone)
                cells.append(f'<c r="{letters[j]}{n}"{s}><v>{serial:.16G}</v></c>')
            elif isinstance(v, date):
                serial = excel_serial(datetime(v.year, v.month, v.day), style.date_1904, style.remove_timezone)
                cells.append(f'<c r="{letters[j]}{n}"{s_date[j]}><v>{serial:.16G}</v></c>')
            else:
                text = str(v)
                if text:
                    cells.append(f'<c r="{letters[j]}{n}"{s_text[j]} t="inlineStr"><is><t{_text(text)}</t></is></c>')
        cells.append("</row>")
        out.append("".join(cells))
    return "".join(out)


def render_to_file(style: RowStyle, first_row: int, rows: Sequence[Sequence], folder: str | None) -> str:
    """render_rows into a new UTF-8 file in `folder`; its path (what a helper hands back: the text
    itself need not cross between processes)."""
    fd, path = tempfile.mkstemp(suffix=".xml", dir=folder)
    with os.fdopen(fd, "wb") as fh:
        fh.write(render_rows(style, first_row, rows).encode("utf-8"))
    return path


class _Block:
    """A block of a long table: rendered by a helper (a future of its file) or here."""

    def __init__(self, style: RowStyle, first_row: int, rows: list, folder: str, future=None,
                 path: str | None = None):
        self.style, self.first_row, self.rows, self.folder = style, first_row, rows, folder
        self.future, self._path = future, path
        if future is not None:
            future.add_done_callback(self._done)

    def _done(self, future) -> None:
        if not future.cancelled() and future.exception() is None:
            self.rows = None                 # rendered: the values are not needed any more

    def path(self) -> str:
        if self._path is None:
            try:
                self._path = self.future.result()
            except Exception:  # noqa: BLE001 - a helper died or was stopped: the same text, made here
                self._path = render_to_file(self.style, self.first_row, self.rows, self.folder)
            self.rows = None
        return self._path


def _helper_started() -> None:
    """Ctrl+C is the writer's to handle (as read.contain's workers): a helper that took it would print
    a traceback and leave its blocks to be made again."""
    import signal
    try:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    except (ValueError, OSError, AttributeError):
        pass


class _Helpers:
    """Processes that render the blocks of long tables while this one goes on with the workbook
    (the rows' values are worked out here; turning them into XML is most of the rest). Started at
    the first long table; when they cannot start or fail, blocks are rendered here: the text is the
    same either way."""

    def __init__(self, workers: int):
        self.workers, self.pool, self.broken, self.folder = workers, None, workers < 1, None

    def block(self, style: RowStyle, first_row: int, rows: list) -> _Block:
        if self.folder is None:              # every block's file, removed with it at close()
            self.folder = tempfile.mkdtemp(prefix="thidua-rows-")
        if not self.broken:
            try:
                if self.pool is None:
                    import multiprocessing
                    from concurrent.futures import ProcessPoolExecutor
                    # spawned, not forked: a forked helper shares this process's heap and copies the
                    # pages it allocates into (the sum of memory doubled at 2,000 forms); spawned, it
                    # loads this module only. It is also how Windows starts processes: one path.
                    ctx = multiprocessing.get_context("spawn")
                    self.pool = ProcessPoolExecutor(self.workers, mp_context=ctx, initializer=_helper_started)
                return _Block(style, first_row, rows, self.folder,
                              self.pool.submit(render_to_file, style, first_row, rows, self.folder))
            except Exception:  # noqa: BLE001 - no processes here (a sandbox, a frozen app): render here
                self.broken = True
        return _Block(style, first_row, rows, self.folder, path=render_to_file(style, first_row, rows, self.folder))

    def close(self) -> None:
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None


_HELPERS: _Helpers | None = None


@contextmanager
def rendering_helpers(workers: int | None = None):
    """While the block runs, long streamed tables are rendered by helper processes (default: one
    per core, at most two; none on one core; inside another such block, that block's); outside it,
    in this process."""
    global _HELPERS
    if workers is None and _HELPERS is not None:     # inside another such block: its helpers serve
        yield
        return
    if workers is None:
        cores = os.cpu_count() or 1
        workers = min(2, cores) if cores > 1 else 0
    before, _HELPERS = _HELPERS, _Helpers(workers)
    try:
        yield
    finally:
        helpers, _HELPERS = _HELPERS, before
        helpers.close()


class StreamSheet(Worksheet):
    """An XlsxWriter worksheet (pass `worksheet_class=StreamSheet` to add_worksheet)."""

    def __init__(self):
        super().__init__()
        self._stream = None
        self._stream_from: int | None = None
        self._blocks: list[_Block] = []      # a long table's blocks, in order (rendered by helpers)

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
                    defaults: dict, *, wrapped: Sequence[tuple[int, float]] = (), font_size: float = 11,
                    whole: Sequence | None = None, bool_text: Sequence | None = None) -> int:
        """Rows of values from (first_row, first_col) down, taken one at a time (a generator keeps
        memory flat); returns how many. str is written as text (never a formula), int and float
        as numbers, bool as TRUE/FALSE, date/datetime as dates, None and "" left empty, any other
        value as its text. `formats[j]` is column j's cell format; where it is None the value's
        type picks one of `defaults` ("number", "text", "date", "datetime", "bool").
        `wrapped`: (column, width) of the wrapped columns; a row is as high as its longest text
        there needs at `font_size` (text_lines). `whole[j]`, when given, is column j's format for
        whole numbers (Excel shows "90," for 90 under "#,##0.##"). `bool_text[j]`, when given, is
        the (true, false) words column j shows for a bool.
        A table longer than one block (CHUNK_CELLS) inside rendering_helpers() is rendered by
        helper processes, block by block, while the caller goes on."""
        if self._stream_from is not None:
            raise RuntimeError("StreamSheet: one streamed block per sheet")

        def style(fmt) -> str:
            return f' s="{fmt._get_xf_index()}"' if fmt is not None else ""

        col_fmt = [style(formats[j]) if j < len(formats) and formats[j] is not None else None for j in range(n_cols)]
        by_kind = {kind: tuple(c if c is not None else style(defaults.get(kind)) for c in col_fmt)
                   for kind in ("number", "text", "bool", "date", "datetime")}
        s_num, s_text, s_bool, s_date, s_stamp = by_kind.values()
        s_whole = tuple(style(whole[j]) if whole is not None and j < len(whole) and whole[j] is not None else s_num[j]
                        for j in range(n_cols))
        spec = RowStyle(tuple(xl_col_to_name(first_col + j) for j in range(n_cols)), s_num, s_text, s_bool, s_date,
                        s_stamp, s_whole, None if bool_text is None else tuple(bool_text),
                        tuple((j, float(w)) for j, w in wrapped), font_size, self.date_1904, self.remove_timezone)
        per_block = max(1, CHUNK_CELLS // max(n_cols, 1))
        helpers = _HELPERS

        out = tempfile.TemporaryFile(mode="w+", encoding="utf-8", newline="")
        count = 0
        block: list = []
        held = None                          # the first block, until the table proves longer
        for values in rows:
            if first_row + count >= self.xls_rowmax:
                out.close()
                self._blocks.clear()
                raise TooManyRows(self.name, self.xls_rowmax)
            block.append(values)
            count += 1
            if len(block) == per_block:
                if helpers is not None and held is None and not self._blocks:
                    held = block
                else:
                    if held is not None:
                        self._to_helpers(helpers, spec, first_row, held)
                        held = None
                    self._put(helpers, spec, first_row + count - len(block), block, out)
                block = []
        if held is not None and block:
            self._to_helpers(helpers, spec, first_row, held)
        elif held is not None:               # one block only: not worth a helper
            block = held
        if block:
            self._put(helpers, spec, first_row + count - len(block), block, out)
        if not count:
            out.close()
            return 0
        super()._check_dimensions(first_row, first_col)
        super()._check_dimensions(first_row + count - 1, first_col + n_cols - 1)
        self._stream, self._stream_from = out, first_row
        return count

    def _put(self, helpers: _Helpers | None, spec: RowStyle, first_row: int, rows: list, out) -> None:
        """A block after the first: to the helpers once the table is long, else rendered here."""
        if self._blocks:
            self._to_helpers(helpers, spec, first_row, rows)
        else:
            out.write(render_rows(spec, first_row, rows))

    def _to_helpers(self, helpers: _Helpers, spec: RowStyle, first_row: int, rows: list) -> None:
        """One block of a long table to a helper; at most MAX_PENDING of them waiting to be
        rendered (their values are held meanwhile: memory stays bounded)."""
        waiting = [b for b in self._blocks if b.rows is not None and b.future is not None and not b.future.done()]
        if len(waiting) >= MAX_PENDING:
            from concurrent.futures import FIRST_COMPLETED, wait
            wait([b.future for b in waiting], return_when=FIRST_COMPLETED)
        self._blocks.append(helpers.block(spec, first_row, rows))

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
        if self._blocks:                                 # a long table: its blocks' files, in order
            raw = getattr(self.fh, "buffer", None)       # the part's file: bytes go straight in
            if raw is not None:
                self.fh.flush()
            for b in self._blocks:
                path = b.path()
                with open(path, "rb") as src:
                    if raw is not None:
                        shutil.copyfileobj(src, raw, 1 << 20)
                    else:
                        self.fh.write(src.read().decode("utf-8"))
                os.unlink(path)
            self._blocks.clear()
        else:
            self._stream.seek(0)
            shutil.copyfileobj(self._stream, self.fh, 1 << 20)
        self._stream.close()
        self._stream = None
        self._xml_end_tag("sheetData")
