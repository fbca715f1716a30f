"""LibreOffice is the real spreadsheet here: every generated workbook opens in it, and the form
formulas it recalculates equal what Python computes from the same cell contents."""
from __future__ import annotations

import python_calamine as pc
import pytest

from support.libreoffice import convert
from thidua import contract as C
from thidua.forms.layout import expected_formula_values, layout_for
from thidua.read.form import read_form


def _tables(path):
    wb = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    return wb, set(wb.table_names)


def test_plan_and_every_issued_form_open_in_libreoffice(soffice, plan_path, issued, tmp_path):
    out = convert([plan_path, *issued], tmp_path / "lo")
    assert len(out) == len(issued) + 1
    _, names = _tables(out[plan_path])
    assert {"tblUnits", "tblTargets", "tblCriteria", "tblRatings"} <= names
    for src in issued:
        wb, names = _tables(out[src])
        assert {C.META_TABLE, C.UNIT_TABLE, C.INDICATOR_TABLE, C.SCORE_TABLE, C.INITIATIVE_TABLE} <= names
        # LibreOffice's re-save is still a readable form with the same identity
        assert read_form(out[src]).unit_code == read_form(src).unit_code


def _raw_entries(form):
    """Cell contents as Excel holds them: numbers as numbers, other text as text."""
    cells = {}
    for code, e in form.values.items():
        if e.derived:
            continue
        raw = e.raw
        if raw == "" or raw is None:
            cells[code] = None
        elif isinstance(raw, float) and raw.is_integer():
            cells[code] = int(raw)
        else:
            cells[code] = raw
    return cells


def test_recalculated_formulas_equal_python(soffice, plan, province, tmp_path):
    filled, _ = province
    paths = [f.path for f in filled]
    out = convert(paths, tmp_path / "recalc")
    compared = verdicts = 0
    for src in paths:
        before = read_form(src, plan)          # openpyxl saved it: formulas without cached values
        after = read_form(out[src], plan)      # LibreOffice recalculated and saved the values
        layout = layout_for(plan, before.unit_kind)
        expected = expected_formula_values(layout, _raw_entries(before))
        for code, want in expected.items():
            got_value = after.values[code].raw
            verdict_cell = _verdict(out[src], code)
            if after.values[code].derived:
                if want.value is None:
                    assert got_value in ("", None), (src.name, code, got_value)
                else:
                    assert got_value == pytest.approx(want.value, rel=1e-12), (src.name, code)
                compared += 1
            assert (verdict_cell or None) == want.verdict, (src.name, code, verdict_cell, want)
            verdicts += want.verdict is not None
    assert compared > 100 and verdicts > 500


def _verdict(path, code):
    wb = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    t = wb.get_table_by_name(C.INDICATOR_TABLE)
    cols = list(t.columns)
    for row in t.to_python():
        if row[cols.index(C.CODE)] == code:
            return row[cols.index(C.VERDICT)]
    raise KeyError(code)
