"""What people do to a form in Excel, done with openpyxl: fill table cells by code, rename a
sheet, insert rows above a table. Used by the demo and by tests to play a CĐCS user."""
from __future__ import annotations

from pathlib import Path

from openpyxl.utils.cell import range_boundaries, get_column_letter
from openpyxl.worksheet.cell_range import CellRange


def keeps_macros(path) -> bool:
    """Load a form with openpyxl's keep_vba=True when it is macro-enabled, as Excel saves it:
    the VBA project and the ribbon (customUI 2006 part and its relationship) then survive
    `wb.save`, and the saved file stays a valid .xlsm. Without it openpyxl writes a plain
    workbook, which Excel refuses to open under an .xlsm name."""
    return Path(path).suffix.lower() in (".xlsm", ".xltm")


def find_table(wb, name: str):
    """(worksheet, table) for an Excel Table name, wherever it sits."""
    for ws in wb.worksheets:
        if name in ws.tables:
            return ws, ws.tables[name]
    raise KeyError(name)


def table_cell(wb, table: str, code: str, header: str, code_header: str = "Mã"):
    """The cell in `header` column of the row whose code column equals `code`."""
    ws, t = find_table(wb, table)
    min_col, min_row, max_col, max_row = range_boundaries(t.ref)
    headers = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    code_col = min_col + headers.index(code_header)
    col = min_col + headers.index(header)
    for r in range(min_row + 1, max_row + 1):
        if ws.cell(r, code_col).value == code:
            return ws.cell(r, col)
    raise KeyError(f"{table}:{code}")


def list_row_cells(wb, table: str, index: int) -> dict:
    """Cells of the index-th data row of a list table, by header; grows the table if needed."""
    ws, t = find_table(wb, table)
    min_col, min_row, max_col, max_row = range_boundaries(t.ref)
    headers = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    r = min_row + 1 + index
    if r > max_row:  # typing just below a table makes Excel extend it
        t.ref = f"{get_column_letter(min_col)}{min_row}:{get_column_letter(max_col)}{r}"
        if t.autoFilter is not None:
            t.autoFilter.ref = t.ref
    return {h: ws.cell(r, min_col + j) for j, h in enumerate(headers)}


def insert_rows_above_table(wb, table: str, n: int) -> None:
    """Like selecting the rows above a table in Excel and inserting n rows: everything from the
    top of the sheet's used range moves down, formulas, tables and validations follow."""
    ws, t = find_table(wb, table)
    min_col, min_row, max_col, max_row = range_boundaries(t.ref)
    at = min_row - 1 if min_row > 1 else 1          # insert just above the header row
    last_row, last_col = ws.max_row, ws.max_column
    ws.protection.sheet = False                     # Excel asks to unprotect first; people do
    ws.move_range(f"A{at}:{get_column_letter(last_col)}{last_row}", rows=n, translate=True)
    for other in ws.tables.values():
        other.ref = _shift(other.ref, at, n)
        if other.autoFilter is not None:
            other.autoFilter.ref = other.ref
    for dv in ws.data_validations.dataValidation:
        dv.sqref = " ".join(_shift(str(r), at, n) for r in str(dv.sqref).split())
    if ws.freeze_panes:
        col_letters = "".join(ch for ch in ws.freeze_panes if ch.isalpha())
        row = int("".join(ch for ch in ws.freeze_panes if ch.isdigit()))
        ws.freeze_panes = f"{col_letters}{row + n if row >= at else row}"
    ws.protection.sheet = True


def _shift(ref: str, at: int, n: int) -> str:
    r = CellRange(ref)
    if r.min_row >= at:
        r.shift(row_shift=n)
    return r.coord


def set_table_rows(path, table: str, keys: tuple[str, ...], edits: dict) -> None:
    """What a reviewer types into a table of a workbook: {key values: {header: value}}, rows found by
    their key columns (a unit code, a criterion), saved in place."""
    from openpyxl import load_workbook
    wb = load_workbook(path, keep_vba=keeps_macros(path))
    ws, t = find_table(wb, table)
    min_col, min_row, max_col, max_row = range_boundaries(t.ref)
    headers = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    for r in range(min_row + 1, max_row + 1):
        key = tuple(ws.cell(r, min_col + headers.index(k)).value for k in keys)
        for header, value in edits.get(key, {}).items():
            ws.cell(r, min_col + headers.index(header)).value = value
    wb.save(path)
