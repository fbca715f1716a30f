"""Shared XlsxWriter plumbing: the house style, A4 printing, and atomic saving.

Every workbook thidua writes goes through `new_workbook` + `save_atomic`, so text from users is
never turned into formulas or links, fonts are Times New Roman (official documents), and a
crash mid-write never leaves a half-written file under the final name.
"""
from __future__ import annotations

import io
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path

import xlsxwriter
import xlsxwriter.exceptions

from ..contract import FORMULA_FILL, INPUT_FILL   # the form's colours are part of its contract

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
    with _atomic_target(path) as tmp:
        wb = xlsxwriter.Workbook(tmp, _options())
        yield wb
        try:
            wb.close()
        except xlsxwriter.exceptions.FileCreateError as exc:
            raise OSError(str(exc)) from None


def save_atomic(data: bytes, path: str | Path) -> Path:
    """Write bytes next to the target, then rename over it."""
    with _atomic_target(path) as tmp:
        Path(tmp).write_bytes(data)
    return Path(path)


class Styles:
    """The few cell formats every sheet uses, created once per workbook."""

    def __init__(self, wb: xlsxwriter.Workbook):
        base = {"font_name": FONT, "font_size": 12, "valign": "vcenter"}
        f = lambda **kw: wb.add_format({**base, **kw})  # noqa: E731
        self.title = f(bold=True, font_size=14)
        self.subtitle = f(italic=True)
        self.header = f(bold=True, text_wrap=True, border=1, bg_color="#D9E1F2", align="center")
        self.text = f(text_wrap=True, border=1, locked=True)
        self.text_plain = f(text_wrap=True)
        self.code = f(border=1, locked=True, font_color="#595959")
        self.number = f(border=1, num_format="#,##0.##", locked=True)
        self.integer = f(border=1, num_format="#,##0", locked=True)
        self.percent = f(border=1, num_format="0.0%", locked=True)
        self.date = f(border=1, num_format=DATE_FORMAT, locked=True, align="left")
        self.result = f(border=1, locked=True, bold=True, align="center")
        self.input_text = f(text_wrap=True, border=1, locked=False, bg_color=INPUT_FILL)
        self.input_number = f(border=1, num_format="#,##0.##", locked=False, bg_color=INPUT_FILL)
        self.input_integer = f(border=1, num_format="#,##0", locked=False, bg_color=INPUT_FILL)
        self.input_percent = f(border=1, num_format="0.0%", locked=False, bg_color=INPUT_FILL)
        self.input_date = f(border=1, num_format=DATE_FORMAT, locked=False, bg_color=INPUT_FILL, align="left")
        self.input_choice = f(border=1, locked=False, bg_color=INPUT_FILL, align="center")
        self.formula_number = f(border=1, num_format="#,##0.##", locked=True, bg_color=FORMULA_FILL)
        self.formula_percent = f(border=1, num_format="0.00%", locked=True, bg_color=FORMULA_FILL)
        self.formula_text = f(border=1, locked=True, bg_color=FORMULA_FILL, align="center")


def setup_print(ws, *, landscape: bool, header_row: int | None = None, title: str = "") -> None:
    """A4, fit to one page wide, repeated header row, page numbers in the footer."""
    ws.set_paper(A4)
    if landscape:
        ws.set_landscape()
    else:
        ws.set_portrait()
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.5, right=0.4, top=0.6, bottom=0.6)
    if header_row is not None:
        ws.repeat_rows(header_row)
    ws.set_footer(f"&L&\"{FONT}\"&9{title}&R&\"{FONT}\"&9Trang &P/&N")
