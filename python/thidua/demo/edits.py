"""What people do to a form in Excel, done with openpyxl: fill table cells by code, rename a
sheet, insert rows above a table. Used by the demo and by tests to play a CĐCS user.

Excel keeps every formula pointing at the same cells when a sheet is renamed or rows are inserted,
on every sheet (the form's "Tự kiểm tra" formulas refer to the entry sheets); openpyxl does not,
so these edits rewrite the references as Excel would."""
from __future__ import annotations

import re
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


_REF = re.compile(r"(?:'((?:[^']|'')+)'|([A-Za-z_][\w.]*))!(\$?[A-Z]{1,3}\$?)(\d+)(?::(\$?[A-Z]{1,3}\$?)(\d+))?")


def _quoted(name: str) -> str:
    return "'" + name.replace("'", "''") + "'"


def _each_formula(wb):
    """(setter, formula) of every formula: cells and conditional formats of every sheet."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    yield (lambda v, c=cell: setattr(c, "value", v)), cell.value
        for cf in ws.conditional_formatting:
            for rule in cf.rules:
                for k, f in enumerate(rule.formula or []):
                    yield (lambda v, r=rule, k=k: r.formula.__setitem__(k, v)), f


def rename_sheet(wb, ws, title: str) -> None:
    """Rename a sheet as Excel does: formulas that refer to it follow the new name."""
    old = ws.title
    ws.title = title

    def sub(m):
        name = (m.group(1) or "").replace("''", "'") or m.group(2)
        if name != old:
            return m.group(0)
        tail = m.group(0)[m.group(0).index("!"):]
        return _quoted(title) + tail
    for put, f in list(_each_formula(wb)):
        new = _REF.sub(sub, f)
        if new != f:
            put(new)


def _shift_other_sheets(wb, sheet: str, at: int, n: int) -> None:
    """References from other sheets to rows at or below `at` (1-based) of `sheet` move down n."""
    def row(r: str) -> str:
        return str(int(r) + n) if int(r) >= at else r

    def sub(m):
        name = (m.group(1) or "").replace("''", "'") or m.group(2)
        if name != sheet:
            return m.group(0)
        head = m.group(0)[:m.group(0).index("!") + 1]
        out = f"{head}{m.group(3)}{row(m.group(4))}"
        if m.group(5):
            out += f":{m.group(5)}{row(m.group(6))}"
        return out
    for other in wb.worksheets:
        if other.title == sheet:
            continue
        for r in other.iter_rows():
            for cell in r:
                if isinstance(cell.value, str) and cell.value.startswith("=") and "!" in cell.value:
                    new = _REF.sub(sub, cell.value)
                    if new != cell.value:
                        cell.value = new


_LOCAL = re.compile(r"(?<![A-Za-z!'])(\$?[A-Z]{1,3})(\$?)(\d+)(?![\d(])")


def _shift_conditional_formats(ws, at: int, n: int) -> None:
    """The sheet's conditional formats below `at` move down with their cells (range and formula)."""
    from openpyxl.formatting.formatting import ConditionalFormattingList
    old = ws.conditional_formatting
    moved = ConditionalFormattingList()
    for cf in old:
        ranges = " ".join(_shift(str(r), at, n) for r in str(cf.sqref).split())
        for rule in cf.rules:
            if rule.formula:
                rule.formula = [_LOCAL.sub(lambda m: f"{m.group(1)}{m.group(2)}"
                                           f"{int(m.group(3)) + n if int(m.group(3)) >= at else m.group(3)}", f)
                                for f in rule.formula]
            moved.add(ranges, rule)
    ws.conditional_formatting = moved


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
    _shift_other_sheets(wb, ws.title, at, n)
    _shift_conditional_formats(ws, at, n)
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
