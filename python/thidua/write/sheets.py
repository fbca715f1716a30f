"""A workbook of declared tables and the text around them, laid out to be read and printed.

`Book` wraps one XlsxWriter workbook: unique sheet names, titles and notes wrapped to the
printed width with their row heights (LibreOffice and PDF export do not grow rows), declared
tables (write.tables), and the page: A4, one page wide, the orientation that gives the larger
scale, never below MIN_PRINT_SCALE for a printed sheet (write.xlsx holds the one width model). A machine sheet (raw data for roll-ups) prints
only its title: its tables are for programs and screens, not paper.
"""
from __future__ import annotations

import re

from .tables import Placed, Renderer, TableSpec
from .xlsx import A4, FONT, MARGINS_IN, MIN_PRINT_SCALE, print_scale, row_height, text_lines


class Book:
    def __init__(self, wb, font_size: int = 11):
        self.wb = wb
        self.r = Renderer(wb, font_size)
        self.used: set[str] = set()
        f = lambda **kw: wb.add_format({"font_name": FONT, "valign": "top", **kw})  # noqa: E731
        self.fmt = {
            "title": f(bold=True, font_size=14, text_wrap=True),
            "subtitle": f(italic=True, font_size=12, text_wrap=True),
            "heading": f(bold=True, font_size=12, text_wrap=True),
            "text": f(font_size=12, text_wrap=True),
            "note": f(italic=True, font_size=11, text_wrap=True),
        }
        self.size = {"title": 14, "subtitle": 12, "heading": 12, "text": 12, "note": 11}
        self.widths: dict[str, dict[int, float]] = {}      # sheet -> column -> width

    def columns(self, ws, widths) -> None:
        """Widen columns to at least these widths (tables stacked on a sheet share columns)."""
        reg = self.widths.setdefault(ws.name, {})
        for j, w in enumerate(widths):
            if w > reg.get(j, 0):
                reg[j] = w
                ws.set_column(j, j, w)

    def prepare(self, ws, *specs: TableSpec) -> tuple[float, int]:
        """Register the columns of the tables a sheet will hold (before the text above them is
        laid out); (printed width, number of printed columns)."""
        n = 0
        for spec in specs:
            self.columns(ws, [c.width for c in spec.columns])
            n = max(n, printed(spec))
        return self.width(ws, n), n

    def span(self, ws, width: float) -> tuple[float, int]:
        """The fewest registered columns, from the first, that are at least `width` wide (all of
        them if narrower): (their width, their number), for a title over a wide machine table."""
        reg = self.widths.get(ws.name, {})
        total, n = 0.0, 0
        for j in sorted(reg):
            if total >= width:
                break
            total, n = total + reg[j], n + 1
        return total, max(n, 1)

    def width(self, ws, n_cols: int | None = None) -> float:
        """Width of the sheet's first n columns (all by default), as registered."""
        reg = self.widths.get(ws.name, {})
        return sum(w for j, w in reg.items() if n_cols is None or j < n_cols)

    # --- sheets -------------------------------------------------------------------------------
    def sheet(self, title: str, worksheet_class=None):
        base = re.sub(r"[\[\]:*?/\\']", "-", title)[:31] or "Trang"
        name, i = base, 2
        while name.casefold() in self.used:
            suffix = f" ({i})"
            name, i = base[:31 - len(suffix)] + suffix, i + 1
        self.used.add(name.casefold())
        return self.wb.add_worksheet(name, worksheet_class) if worksheet_class else self.wb.add_worksheet(name)

    # --- text ---------------------------------------------------------------------------------
    def text(self, ws, row: int, kind: str, text: str, width: float, n_cols: int = 1) -> int:
        """A line of text over the first `n_cols` columns (`width` units in all), its row as high
        as the wrapped text needs; returns the next row."""
        fmt = self.fmt[kind]
        if n_cols > 1:
            ws.merge_range(row, 0, row, n_cols - 1, text, fmt)
        else:
            ws.write_string(row, 0, text, fmt)
        size = self.size[kind]
        n = text_lines(text, width, kind in ("title", "heading"), size)
        ws.set_row(row, row_height(n, size))
        return row + 1

    def lines(self, ws, row: int, items: list[tuple[str, str]], width: float, n_cols: int = 1) -> int:
        for kind, text in items:
            row = self.text(ws, row, kind, text, width, n_cols)
        return row

    # --- tables -------------------------------------------------------------------------------
    def table(self, ws, spec: TableSpec, row: int, records, *, stream: bool = False, totals=None) -> Placed:
        """A declared table at `row`; the sheet's columns are widened for it (never narrowed: the
        lines of the text around and of earlier tables keep fitting)."""
        self.columns(ws, [c.width for c in spec.columns])
        reg = self.widths[ws.name]
        return self.r.write(ws, spec, row, 0, records, stream=stream, totals=totals,
                            widths=[reg[j] for j in range(len(spec.columns))])

    # --- the page -----------------------------------------------------------------------------
    def page(self, ws, *, title: str, header_row: int | None = None, n_printed: int | None = None,
             last_row: int | None = None, machine: bool = False) -> float:
        """A4, one page wide, page numbers; the orientation with the larger scale. Returns the
        expected scale. `n_printed`: only the first n columns print (machine columns after them).
        `last_row`: the last row that prints (default the sheet's last written row; a streamed
        sheet passes its table's). A machine sheet prints only its first `last_row` + 1 rows."""
        reg = self.widths.get(ws.name, {})
        n = (n_printed or 1) if machine else n_printed
        widths = [w for j, w in sorted(reg.items()) if n is None or j < n]
        ws.set_paper(A4)
        ws.set_margins(**MARGINS_IN)
        ws.set_footer(f"&L&\"{FONT}\"&9{title}&R&\"{FONT}\"&9Trang &P/&N")
        portrait, landscape = print_scale(widths, False), print_scale(widths, True)
        if portrait >= 1 or portrait >= landscape:
            ws.set_portrait()
            scale = min(1.0, portrait)
        else:
            ws.set_landscape()
            scale = min(1.0, landscape)
        ws.fit_to_pages(1, 0)
        if header_row is not None:
            ws.repeat_rows(header_row)
        if machine:
            ws.print_area(0, 0, last_row or 1, max((n_printed or 1) - 1, 0))
        elif n_printed is not None:     # bounded rows: openpyxl cannot read a whole-column area
            last = last_row if last_row is not None else max(ws.dim_rowmax or 0, 0)
            ws.print_area(0, 0, last, n_printed - 1)
        if scale < MIN_PRINT_SCALE and not machine:
            raise ValueError(f"sheet {ws.name}: printed columns are {sum(widths):g} units wide, "
                             f"scale {scale:.0%} < {MIN_PRINT_SCALE:.0%}")
        return scale


def printed(spec: TableSpec) -> int:
    """How many of a table's columns print (they come first in its declaration)."""
    n = 0
    for c in spec.columns:
        if not c.printed:
            break
        n += 1
    if any(c.printed for c in spec.columns[n:]):
        raise ValueError(f"table {spec.name}: printed columns must come first")
    return n
