"""Shared XlsxWriter plumbing: the house style, A4 printing, and atomic saving.

Every workbook thidua writes goes through `new_workbook` + `save_atomic`, so text from users is
never turned into formulas or links, fonts are Times New Roman (official documents), and a
crash mid-write never leaves a half-written file under the final name.
"""
from __future__ import annotations

import functools
import io
import math
import os
import re
import tempfile
import unicodedata
from contextlib import contextmanager
from pathlib import Path

import xlsxwriter
import xlsxwriter.exceptions
from xlsxwriter.utility import xl_range, xl_rowcol_to_cell

from ..contract import FORMULA_FILL, INPUT_FILL, UPPER_FILL   # the form's colours are part of its contract

FONT = "Times New Roman"
A4 = 9
DATE_FORMAT = "dd/mm/yyyy"


def _options(**extra) -> dict:
    return {
        "strings_to_formulas": False,   # "=1+1" typed by a user stays text
        "strings_to_urls": False,
        "strings_to_numbers": False,
        "default_date_format": DATE_FORMAT,
        "default_format_properties": {"font_name": FONT, "font_size": 12},
        **extra,
    }


def new_workbook(buffer: io.BytesIO | None = None) -> tuple[xlsxwriter.Workbook, io.BytesIO]:
    buffer = buffer or io.BytesIO()
    return xlsxwriter.Workbook(buffer, _options(in_memory=True)), buffer


@contextmanager
def _atomic_target(path: str | Path):
    """A temporary file next to `path` to write; renamed over `path` (atomic on one filesystem)
    when the block ends without error, removed otherwise."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".~thidua-", suffix=path.suffix, dir=path.parent)
    os.close(fd)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise


@contextmanager
def atomic_workbook(path: str | Path):
    """A workbook written part by part through temporary files (large outputs: memory stays
    flat) into a file next to `path`, renamed over it when closed without error."""
    from .stream import rendering_helpers           # (stream.py imports this module)
    with _atomic_target(path) as tmp, rendering_helpers():
        wb = xlsxwriter.Workbook(tmp, _options())
        yield wb
        try:
            with fast_deflate():
                wb.close()
        except xlsxwriter.exceptions.FileCreateError as exc:
            raise OSError(str(exc)) from None


@contextmanager
def fast_deflate():
    """Zip parts deflated at a fast level while the block runs. XlsxWriter deflates at zlib's
    default level 6; a consolidation's tens of MB of sheet XML took 0.4 s of the run at 2,000
    forms, ISA-L's level 2 takes 0.03 s for a file about a quarter larger (zlib's level 1, where
    ISA-L is not installed: 0.14 s). The parts are the same; only how hard they are squeezed
    differs. zipfile offers no per-archive compressor, so its factory is swapped for the block
    (single-threaded: nothing else zips meanwhile)."""
    import zipfile
    make = getattr(zipfile, "_get_compressor", None)
    if make is None:                     # another Python's zipfile: its own default
        yield
        return
    try:
        from isal import isal_zlib as fast
        level = 2
    except ImportError:
        import zlib as fast
        level = 1

    def compressor(compress_type, compresslevel=None):
        if compress_type == zipfile.ZIP_DEFLATED:
            return fast.compressobj(level, fast.DEFLATED, -15)
        return make(compress_type, compresslevel)
    zipfile._get_compressor = compressor
    try:
        yield
    finally:
        zipfile._get_compressor = make


def save_atomic(data: bytes, path: str | Path) -> Path:
    """Write bytes next to the target, then rename over it."""
    with _atomic_target(path) as tmp:
        Path(tmp).write_bytes(data)
    return Path(path)


# --- the width model ------------------------------------------------------------------------
# Column widths are in characters of the workbook's default font (Times New Roman 12 pt, a digit
# 6 pt wide). On paper at 100 % a column of width w is POINTS_PER_CHAR * (w + COLUMN_PADDING) pt
# wide: measured in LibreOffice's PDF, and Excel's own rule (8 px a character plus 5 px padding at
# 96 dpi). A line of wrapped text holds about CHARS_PER_WIDTH characters per unit of width; a
# capital counts CAPITAL_WIDTH characters (Vietnamese marks do not widen a letter). Checked against
# LibreOffice's PDF on every text of the sample plan at widths 6 to 46, plain and bold (about
# 5,500 cells): the model never counts fewer lines than LibreOffice prints, bar one long
# "06/2022/QH15" in a 10-wide column, and one more line in about 4 cells of 10. That margin is
# kept on purpose: Excel measures text its own way (whole pixels on screen), not checked here.
POINTS_PER_CHAR = 6.03
COLUMN_PADDING = 0.71
CHARS_PER_WIDTH = 1.05
BOLD_CHARS_PER_WIDTH = 0.97
CAPITAL_WIDTH = 1.4
LINE_HEIGHT = 15.75                       # pt per line of 12 pt text (Excel's height for one line)
A4_SHORT_MM, A4_LONG_MM = 210.0, 297.0
MARGINS_IN = {"left": 0.5, "right": 0.4, "top": 0.6, "bottom": 0.6}
MIN_PRINT_SCALE = 0.55                    # below this the printed text is too small to read
DECIMAL_FORMAT = "#,##0.##"               # shows 97,5 (and "90," for a whole number: see whole_numbers)
INTEGER_FORMAT = "#,##0"
PERCENT_FORMAT = "0.0%"
TABLE_STYLE = "Table Style Light 9"       # every Excel Table the tool writes
WHOLE_NUMBER_RULE = "=AND(ISNUMBER({cell}),{cell}=INT({cell}))"


def text_units(text: str) -> float:
    """Width of a line of text in characters of average width (capitals are wider; combining
    marks left after composing take no room)."""
    text = unicodedata.normalize("NFC", str(text))
    units = len(text) + (CAPITAL_WIDTH - 1) * sum(map(str.isupper, text))
    if not text.isascii():
        units -= len(_COMBINING.findall(text))
    return units


_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")


def line_capacity(width: float, bold: bool = False) -> float:
    return max(1.0, width * (BOLD_CHARS_PER_WIDTH if bold else CHARS_PER_WIDTH))


_BREAKS = re.compile(r"[^/\-–]+[/\-–]*|[/\-–]+")    # a line may also break after / - –


@functools.lru_cache(maxsize=1 << 16)      # long tables repeat their names and labels row after row
def text_lines(text, width: float, bold: bool = False, font_size: float = 12) -> int:
    """Lines a wrapped cell of `width` characters needs for `text`: greedy word wrap at spaces and
    after "/", "-", "–" (a word longer than a line breaks inside); "\n" starts a new line. The model
    is measured at 12 pt: at another `font_size` a line holds proportionally more or less."""
    if text is None or text == "":
        return 1
    text = str(text)
    cap = line_capacity(width * 12 / font_size, bold)
    if "\n" not in text and (len(text) * CAPITAL_WIDTH <= cap or text_units(text) <= cap):
        return 1                                      # the whole text fits one line
    return _wrapped_lines(text, cap)


@functools.lru_cache(maxsize=65_536)     # long tables repeat their texts (reasons, statuses, names)
def _wrapped_lines(text: str, cap: float) -> int:
    lines = 0
    for paragraph in text.split("\n"):
        used, count = 0.0, 1
        for word in paragraph.split():
            for k, part in enumerate(_BREAKS.findall(word) or [word]):
                u = text_units(part)
                join = 1.0 if k == 0 else 0.0          # a space before a word, nothing inside one
                if used and used + join + u <= cap:
                    used += join + u
                    continue
                if used:
                    count += 1
                extra = max(0, math.ceil(u / cap) - 1)
                count += extra
                used = u - extra * cap
        lines += count
    return max(1, lines)


def row_height(lines: int, font_size: float = 12) -> float:
    """Height in points of a row of `lines` lines of text at `font_size` (whole pixels, as
    spreadsheets store heights)."""
    return round(LINE_HEIGHT * font_size / 12 * max(1, lines) * 4 / 3) * 0.75


def fit_row(ws, row: int, cells, minimum: int = 1) -> int:
    """Give `row` the height its tallest wrapped cell needs; cells are (text, width, bold).
    Rows of one line keep the default height (Excel still grows them when people type)."""
    n = max([minimum, *(text_lines(text, width, bold) for text, width, bold in cells)])
    if n > 1:
        ws.set_row(row, row_height(n))
    return n


def write_header(ws, row: int, first_col: int, headers, widths, fmt, fitted=None) -> int:
    """Header cells (bold, centred, wrapped) over a table's plain ones; the row as high as its
    longest header needs in its column (`fitted`: indexes of the columns that count, default all;
    hidden columns do not)."""
    for j, h in enumerate(headers):
        ws.write_string(row, first_col + j, h, fmt)
    fitted = range(len(headers)) if fitted is None else fitted
    return fit_row(ws, row, [(headers[j], widths[j], True) for j in fitted])


def printable_width_pt(landscape: bool) -> float:
    page_mm = A4_LONG_MM if landscape else A4_SHORT_MM
    return page_mm / 25.4 * 72 - (MARGINS_IN["left"] + MARGINS_IN["right"]) * 72


def columns_width_pt(widths) -> float:
    """Printed width at 100 % of columns of these widths (hidden columns left out by the caller)."""
    return sum(POINTS_PER_CHAR * (w + COLUMN_PADDING) for w in widths)


def print_scale(widths, landscape: bool) -> float:
    """The scale "fit to one page wide" prints these columns at, in whole percent (LibreOffice's
    PDF comes within a percent of it)."""
    total = columns_width_pt(widths)
    if total <= 0:
        return 1.0
    return min(100, math.floor(printable_width_pt(landscape) / total * 100)) / 100


def whole_numbers(ws, st: "Styles", cells) -> None:
    """Cells in a decimal format show a whole number as "90" instead of "90," (Excel prints the
    decimal separator of "#,##0.##" even with no decimals): a classic conditional format (kept by
    openpyxl on a round trip) switches them to "#,##0" while the value is whole. `cells` are
    (row, col) pairs; the format applies to whatever a person types there later."""
    cells = sorted(set(cells), key=lambda rc: (rc[1], rc[0]))
    if not cells:
        return
    ranges, run = [], [cells[0]]
    for rc in cells[1:]:
        if rc[1] == run[-1][1] and rc[0] == run[-1][0] + 1:
            run.append(rc)
        else:
            ranges.append(run)
            run = [rc]
    ranges.append(run)
    refs = [xl_range(r[0][0], r[0][1], r[-1][0], r[-1][1]) if len(r) > 1 else xl_rowcol_to_cell(*r[0])
            for r in ranges]
    first_row, first_col = cells[0]
    ws.conditional_format(first_row, first_col, first_row, first_col, {
        "type": "formula", "criteria": WHOLE_NUMBER_RULE.format(cell=xl_rowcol_to_cell(first_row, first_col)),
        "format": st.whole, "multi_range": " ".join(refs)})


# --- data-validation texts -----------------------------------------------------------------
def shorten(text: str, limit: int) -> str:
    """`text` in at most `limit` characters, cut at a word boundary with "…" when too long."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit - 1]
    if " " in cut and text[limit - 1] != " ":
        cut = cut[:cut.rindex(" ")]
    return cut.rstrip(" ,;:–—-(") + "…"


def input_title(label: str) -> str:
    """Excel shows at most 32 characters of a validation's title."""
    return shorten(label, 32)


def input_message(label: str, help_text: str | None = None) -> str:
    """The full label first, then the help (Excel's limit is 255 characters)."""
    label = " ".join(str(label or "").split())
    help_text = " ".join(str(help_text or "").split())
    if help_text and help_text != label:
        sep = " " if label.endswith((".", ":", "?", "!")) else ". " if label else ""
        text = f"{label}{sep}{help_text}"
    else:
        text = label
    return shorten(text, 255)


class Styles:
    """The few cell formats every sheet uses, created once per workbook."""

    def __init__(self, wb: xlsxwriter.Workbook):
        # font_scheme "none": Excel draws a font tied to the theme ("minor") in the theme's font,
        # Calibri, whatever name the format gives; our fonts are Times New Roman.
        base = {"font_name": FONT, "font_size": 12, "valign": "vcenter", "font_scheme": "none"}
        f = lambda **kw: wb.add_format({**base, **kw})  # noqa: E731
        self.title = f(bold=True, font_size=14)
        self.subtitle = f(italic=True)
        self.subtitle_wrap = f(italic=True, text_wrap=True)
        self.heading = f(bold=True)
        self.header = f(bold=True, text_wrap=True, border=1, bg_color="#D9E1F2", align="center")
        self.text = f(text_wrap=True, border=1, locked=True)
        self.text_plain = f(text_wrap=True)
        self.code = f(border=1, locked=True, font_color="#595959")
        self.number = f(border=1, num_format=DECIMAL_FORMAT, locked=True)
        self.integer = f(border=1, num_format=INTEGER_FORMAT, locked=True)
        self.percent = f(border=1, num_format=PERCENT_FORMAT, locked=True)
        self.date = f(border=1, num_format=DATE_FORMAT, locked=True, align="left")
        self.result = f(border=1, locked=True, bold=True, align="center", text_wrap=True)
        self.input_text = f(text_wrap=True, border=1, locked=False, bg_color=INPUT_FILL)
        self.input_number = f(border=1, num_format=DECIMAL_FORMAT, locked=False, bg_color=INPUT_FILL)
        self.input_integer = f(border=1, num_format=INTEGER_FORMAT, locked=False, bg_color=INPUT_FILL)
        self.input_percent = f(border=1, num_format=PERCENT_FORMAT, locked=False, bg_color=INPUT_FILL)
        self.input_date = f(border=1, num_format=DATE_FORMAT, locked=False, bg_color=INPUT_FILL, align="left")
        self.input_choice = f(border=1, locked=False, bg_color=INPUT_FILL, align="center")
        self.formula_number = f(border=1, num_format=DECIMAL_FORMAT, locked=True, bg_color=FORMULA_FILL)
        self.formula_percent = f(border=1, num_format="0.00%", locked=True, bg_color=FORMULA_FILL)
        self.formula_text = f(border=1, locked=True, bg_color=FORMULA_FILL, align="center", text_wrap=True)
        self.upper_number = f(border=1, num_format=DECIMAL_FORMAT, locked=True, bg_color=UPPER_FILL)   # cấp trên chấm
        self.whole = wb.add_format({"num_format": INTEGER_FORMAT})   # conditional format: see whole_numbers

    def number_for(self, value):
        """A known number's format: "90" for a whole number, "97,5" otherwise."""
        whole = isinstance(value, (int, float)) and float(value).is_integer()
        return self.integer if whole else self.number


def setup_print(ws, *, landscape: bool, header_row: int | None = None, title: str = "",
                columns: int | None = None, rows: int | None = None) -> None:
    """A4, fit to one page wide, repeated header row, page numbers in the footer. `columns`
    (with `rows`, the sheet's used rows): print only the first so many columns, so hidden helper
    columns to their right never count in the printed width."""
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(**MARGINS_IN)
    if header_row is not None:
        ws.repeat_rows(header_row)
    if columns is not None:
        ws.print_area(0, 0, (rows or ws.xls_rowmax) - 1, columns - 1)
    ws.set_footer(f"&L&\"{FONT}\"&9{title}&R&\"{FONT}\"&9Trang &P/&N")
