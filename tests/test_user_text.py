"""What people see in the workbooks the tool writes: never an internal code standing where a
Vietnamese label belongs. Every visible cell of every user-facing sheet of the demo's outputs
(plan, issued form, findings, cluster and industry consolidations) is scanned.

An internal code is one of the tool's own vocabulary: rule codes (catalogue), file statuses, the
plan's choice codes (kinds, field types, measures, methods, …), file kinds. Identifiers people
define or read (unit, field, target codes) may stand in a code column ("Mã …") or beside a label.
Machine sheets (raw data for roll-ups, marked as such) are for programs and are not scanned.
"""
from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from support.fixtures import user_workbooks
from thidua.catalogue import RULES
from thidua.consolidate import contract as K
from thidua.consolidate.records import STATUS_LABELS
from thidua.plan import schema


def internal_codes(plan) -> set[str]:
    codes = set(RULES) | set(STATUS_LABELS) | set(K.FILE_KINDS)
    for mapping in (schema.KINDS, schema.APPLIES, schema.FIELD_TYPES, schema.LEVELS, schema.MEASURES,
                    schema.METHODS, schema.TARGET_OF, schema.AWARD_LEVELS, schema.CONDITION_KINDS,
                    schema.COMPARATORS):
        codes |= {v for v in mapping.values() if isinstance(v, str)}
    return {c for c in codes if len(c) > 2 and c not in ("=", "Có")}


@pytest.fixture(scope="module")
def outputs(demo_outputs) -> Path:
    return demo_outputs


MACHINE_MARK = "Trang dành cho máy đọc"


def visible_cells(path: Path):
    """(sheet, header of the cell's table column or "", cell) for every visible cell with text."""
    wb = load_workbook(path, keep_vba=path.suffix == ".xlsm")
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        if any(MACHINE_MARK in str(c.value or "") for row in ws.iter_rows(max_row=3) for c in row):
            continue
        hidden = {get_column_letter(j) for d in ws.column_dimensions.values() if d.hidden
                  for j in range(d.min or 1, (d.max or d.min or 1) + 1)}
        headers: dict[tuple[int, int], str] = {}       # (row, col) -> its table column's header
        for t in ws.tables.values():
            from openpyxl.utils.cell import range_boundaries
            c1, r1, c2, r2 = range_boundaries(t.ref)
            for c in range(c1, c2 + 1):
                h = str(ws.cell(r1, c).value or "")
                for r in range(r1 + 1, r2 + 1):
                    headers[(r, c)] = h
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is None or not isinstance(cell.value, str):
                    continue
                if get_column_letter(cell.column) in hidden or ws.row_dimensions[cell.row].hidden:
                    continue
                yield ws.title, headers.get((cell.row, cell.column), ""), cell


def test_no_internal_code_stands_where_a_label_belongs(outputs, plan):
    codes = internal_codes(plan)
    bad = []
    for kind, path in user_workbooks(outputs).items():
        for sheet, header, cell in visible_cells(path):
            text = cell.value.strip()
            if text in codes and not header.startswith("Mã"):
                bad.append((kind, sheet, cell.coordinate, header, text))
    assert not bad, bad[:20]


def test_table_headers_are_words_not_codes(outputs, plan):
    """Column headers people read are Vietnamese (target short names, field labels), never a plan
    code such as a target or field code (the machine sheets' "SL:…" headers are not scanned)."""
    plan_codes = {t.code for t in plan.targets} | {f.code for f in plan.fields}
    bad = []
    for kind, path in user_workbooks(outputs).items():
        if kind == "plan":
            continue                                   # the plan's own sheets define those codes
        wb = load_workbook(path, keep_vba=path.suffix == ".xlsm")
        for ws in wb.worksheets:
            if ws.sheet_state != "visible":
                continue
            for t in ws.tables.values():
                from openpyxl.utils.cell import range_boundaries
                c1, r1, c2, _ = range_boundaries(t.ref)
                for c in range(c1, c2 + 1):
                    h = str(ws.cell(r1, c).value or "")
                    hidden = any(d.hidden and (d.min or 0) <= c <= (d.max or d.min or 0)
                                 for d in ws.column_dimensions.values())
                    if h in plan_codes and not hidden:
                        bad.append((kind, ws.title, t.name, h))
    assert not bad, bad


def test_the_scan_would_see_a_code(outputs, plan, tmp_path):
    """The scanner itself: a status code written into a visible label cell is caught."""
    path = user_workbooks(outputs)["industry"]
    wb = load_workbook(path)
    ws = wb["Tóm tắt"]
    ws["A2"] = "included"
    wb.save(tmp_path / "x.xlsx")
    assert any(cell.value == "included" for _, _, cell in visible_cells(tmp_path / "x.xlsx")
               if cell.value in internal_codes(plan))


def test_findings_show_values_as_people_write_them(outputs, plan):
    """A ratio reads "55%" beside "≥ 100%", never 0,55; a number in the Vietnamese way."""
    from support.consolidation import table_rows
    percent = {f.code for f in plan.fields if f.unit_label == "%" or f.type == "percent"}
    rows = table_rows(user_workbooks(outputs)["findings"], "tblFindings")
    ratio_rows = [r for r in rows if any(f"({code})" in (r["Trường"] or "") for code in percent)
                  and r["Giá trị"] not in (None, "")]
    assert ratio_rows, "the demo's findings should include a ratio field with a value"
    for r in ratio_rows:
        assert isinstance(r["Giá trị"], str) and r["Giá trị"].endswith("%"), r
    for r in rows:
        v = r["Giá trị"]
        assert not isinstance(v, float) or v.is_integer() or abs(v) >= 1, r      # no bare 0,55
