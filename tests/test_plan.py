"""The plan workbook: the sample plan carries every seed target; definition errors are located."""
from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook

from thidua.demo.edits import find_table
from thidua.errors import PlanDefinitionError
from thidua.plan.read import read_plan
from thidua.plan.template import write_plan

# Every target stated in the seeds (DOMAIN.md), by code in the sample plan.
SEED_TARGETS = {
    # public units, unit level and the industry's "100% CĐCS ..." counterparts
    "CL_TT_PHOIHOP", "CL_HOINGHI", "CL_CTPH", "CL_KPCD", "CL_DOANPHI", "CL_KETNAP", "CL_YDUC", "CL_NGHIQUYET",
    "N_CL_TT_PHOIHOP", "N_CL_HOINGHI", "N_CL_CTPH", "N_CL_KPCD", "N_CL_DOANPHI", "N_CL_KETNAP", "N_CL_YDUC",
    "N_CL_NGHIQUYET", "N_CL_HTTNV", "N_CL_HTXSNV", "N_CL_KHTNV", "N_CDN_HTTNV",
    # non-public
    "NCL_HOINGHI_NLD", "NCL_TT_SANGKIEN", "NCL_THOAUOC", "NCL_KPCD", "NCL_DOANPHI",
    "N_NCL_HOINGHI_NLD", "N_NCL_TT_SANGKIEN", "N_NCL_THOAUOC", "N_NCL_KPCD", "N_NCL_DOANPHI", "N_NCL_DVMOI",
    "N_NCL_CDCSMOI", "N_NCL_HTTNV", "N_NCL_DVMOI_GD", "N_NCL_CDCSMOI_GD",
    # "75 nghìn sáng kiến"
    "ALL_SANGKIEN", "N_SANGKIEN",
}


def test_sample_plan_reads_with_every_seed_target(plan):
    assert set(plan.target_by_code) == SEED_TARGETS
    t = plan.target_by_code
    assert (t["N_CL_HTTNV"].comparator, t["N_CL_HTTNV"].value) == (">=", pytest.approx(0.95))
    assert (t["N_CL_HTXSNV"].value, t["N_CL_KHTNV"].comparator, t["N_CL_KHTNV"].value) == (pytest.approx(0.2), "<=", 0)
    assert (t["N_NCL_DVMOI"].comparator, t["N_NCL_DVMOI"].value, t["N_NCL_DVMOI"].stretch) == ("range", 100, 200)
    assert (t["N_NCL_CDCSMOI"].value, t["N_NCL_CDCSMOI"].stretch) == (1, 2)
    assert (t["N_NCL_DVMOI_GD"].value, t["N_NCL_DVMOI_GD"].stretch, t["N_NCL_DVMOI_GD"].yearly) == (2000, 3000, False)
    assert (t["ALL_SANGKIEN"].value, t["ALL_SANGKIEN"].stretch) == (3, 5)
    assert t["NCL_DOANPHI"].value == pytest.approx(0.4)
    assert t["N_NCL_HOINGHI_NLD"].value == pytest.approx(0.5)
    assert all(x.source for x in plan.targets), "every target cites its source text"


def test_sample_province_shape(plan):
    assert len(plan.clusters) == 9
    assert 115 <= len(plan.units) <= 125
    kinds = {u.kind for u in plan.units}
    assert kinds == {"public", "non_public"}
    assert {p.code for p in plan.periods} >= {"dot-1", "dot-2"}
    d1 = plan.period("dot-1")
    assert (d1.start.month, d1.start.day, d1.end.month, d1.end.day) == (1, 1, 6, 30)
    for cluster in plan.clusters:
        assert plan.unit(cluster.leader).cluster == cluster.code
    # the score sheet: each kind's groups add up to 100 points
    for kind in ("public", "non_public"):
        assert sum(g.max_points for g in plan.groups_for(kind)) == 100
    assert [r.code for r in plan.ratings_best_first()] == ["HTXSNV", "HTTNV", "HTNV", "KHTNV"]
    assert plan.info.min_months_active == 12 and plan.info.min_months_after_merger == 6


def test_fingerprint_depends_on_content_not_on_file(plan_path, tmp_path, plan):
    again = read_plan(write_plan(tmp_path / "again.xlsx"))
    assert again.fingerprint == plan.fingerprint
    wb = load_workbook(plan_path)
    ws, t = find_table(wb, "tblTargets")
    ws.title = "Chỉ tiêu năm 2026"            # cosmetic: same plan
    wb.save(tmp_path / "renamed.xlsx")
    assert read_plan(tmp_path / "renamed.xlsx").fingerprint == plan.fingerprint
    cell = _cell(wb, "tblTargets", "CL_KPCD", "Giá trị")
    cell.value = 0.9                           # a real change
    wb.save(tmp_path / "changed.xlsx")
    assert read_plan(tmp_path / "changed.xlsx").fingerprint != plan.fingerprint


def _cell(wb, table, code, header):
    from thidua.demo.edits import table_cell
    first = {"tblUnits": "Mã đơn vị", "tblTargets": "Mã chỉ tiêu", "tblFields": "Mã trường",
             "tblCriteria": "Mã tiêu chí", "tblClusters": "Mã cụm", "tblRatings": "Mã xếp loại",
             "tblCriteriaGroups": "Mã nhóm", "tblPeriods": "Mã đợt", "tblPlanInfo": "Khóa"}[table]
    return table_cell(wb, table, code, header, code_header=first)


def test_definition_errors_are_all_collected_and_located(plan_path, tmp_path):
    wb = load_workbook(plan_path)
    unit_cell = _cell(wb, "tblUnits", "YT001", "Mã cụm")
    unit_cell.value = "C99"                                          # unknown cluster
    _cell(wb, "tblUnits", "YT002", "Loại hình").value = "Cong lap"   # not a choice
    _cell(wb, "tblFields", "ty_le_kpcd", "Công thức").value = "kpcd_da_thu / kpcd_phai_thuu"
    _cell(wb, "tblTargets", "CL_KPCD", "Giá trị").value = None        # ≥ without a value
    _cell(wb, "tblCriteria", "CL1.1", "Điểm chuẩn").value = 11        # group no longer adds up
    _cell(wb, "tblRatings", "HTTNV", "Điểm từ").value = 90            # above HTXSNV's 85
    _cell(wb, "tblPeriods", "dot-1", "Đến ngày").value = "31/13/2026"
    ws, _ = find_table(wb, "tblUnits")
    ws.title = "Danh sách CĐCS"                                       # errors name the sheet as it is now
    wb.save(tmp_path / "broken.xlsx")
    with pytest.raises(PlanDefinitionError) as info:
        read_plan(tmp_path / "broken.xlsx")
    problems = info.value.problems
    where = {(p.sheet, p.row, p.column) for p in problems}
    assert ("Danh sách CĐCS", unit_cell.row, "Mã cụm") in where
    msgs = "\n".join(str(p) for p in problems)
    assert "cụm 'C99' không có" in msgs
    assert "'Cong lap' không hợp lệ" in msgs
    assert "kpcd_phai_thuu" in msgs
    assert "cần có Giá trị" in msgs
    assert "tổng điểm chuẩn các tiêu chí của nhóm 'CL1' là 36" in msgs
    assert "'HTXSNV' phải cần nhiều điểm hơn 'HTTNV'" in msgs
    assert "31/13/2026" in msgs
    assert len(problems) >= 7
    assert str(info.value).startswith("Kế hoạch thi đua có")


def test_duplicate_codes_and_missing_table(plan_path, tmp_path):
    wb = load_workbook(plan_path)
    _cell(wb, "tblUnits", "YT003", "Mã đơn vị").value = "YT001"
    ws, _ = find_table(wb, "tblRatings")
    del ws.tables["tblRatings"]
    wb.save(tmp_path / "dup.xlsx")
    with pytest.raises(PlanDefinitionError) as info:
        read_plan(tmp_path / "dup.xlsx")
    msgs = "\n".join(str(p) for p in info.value.problems)
    assert "mã 'YT001' bị trùng với dòng" in msgs
    assert "Trang 'Xếp loại': không tìm thấy bảng dữ liệu của trang 'Xếp loại'" in msgs and "tblRatings" not in msgs


def test_a_plan_written_before_an_optional_column_existed_still_reads(plan_path, tmp_path):
    """'Tên ngắn' came later: a plan without it reads, its targets' short names from their labels."""
    wb = load_workbook(plan_path)
    ws, t = find_table(wb, "tblTargets")
    col = next(j for j, c in enumerate(t.tableColumns) if c.name == "Tên ngắn")
    ws.delete_cols(ws[t.ref.split(":")[0]].column + col)
    first, last = t.ref.split(":")
    from openpyxl.utils.cell import column_index_from_string, coordinate_from_string, get_column_letter
    letters, row = coordinate_from_string(last)
    t.ref = f"{first}:{get_column_letter(column_index_from_string(letters) - 1)}{row}"
    t.tableColumns = [c for c in t.tableColumns if c.name != "Tên ngắn"]
    t.autoFilter.ref = t.ref
    wb.save(tmp_path / "cu.xlsx")
    old = read_plan(tmp_path / "cu.xlsx")
    assert all(x.short is None for x in old.targets)
    assert old.target_by_code["N_CL_HOINGHI"].short_name == "100% CĐCS tổ chức hội nghị…"     # cut at a word


def test_rows_inserted_above_a_plan_table_still_read(plan_path, tmp_path, plan):
    from thidua.demo.edits import insert_rows_above_table
    wb = load_workbook(plan_path)
    insert_rows_above_table(wb, "tblTargets", 4)
    wb.save(tmp_path / "moved.xlsx")
    assert read_plan(tmp_path / "moved.xlsx").targets == plan.targets


def test_plan_cli(plan_path, plan, tmp_path, capsys):
    from thidua.cli import main
    assert main(["plan", "check", str(plan_path)]) == 0
    assert "Kế hoạch hợp lệ" in capsys.readouterr().out
    bad = tmp_path / "not_a_plan.xlsx"
    shutil.copy(plan_path, bad)
    bad.write_bytes(b"PK\x03\x04 truncated")
    assert main(["plan", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "bị hỏng" in err and "Traceback" not in err
    assert main(["plan", "new", str(tmp_path / "new.xlsx")]) == 0
    assert read_plan(tmp_path / "new.xlsx").fingerprint == plan.fingerprint


def test_the_plan_a_form_carries_is_the_plan_less_other_units(plan, issued):
    """The buttons on a PC without the plan use the plan embedded in the form: every rule table
    must travel (a table added to the plan but not embedded would silently check nothing)."""
    import dataclasses

    from thidua.plan.embed import plan_from_form_meta
    from thidua.read.form import read_form
    form = read_form(issued[0])
    carried = plan_from_form_meta(form.meta)
    unit = plan.unit(form.unit_code)
    for f in dataclasses.fields(plan):
        # earlier years: consolidation only; peak campaigns: their own forms carry their own plan;
        # the official documents' details: written at the industry, not on a unit's PC
        if f.name in ("units", "clusters", "source", "earlier", "campaigns", "documents"):
            continue
        assert getattr(carried, f.name) == getattr(plan, f.name), f.name
    assert carried.units == (unit,) and [c.code for c in carried.clusters] == [unit.cluster]
    assert carried.fingerprint == plan.fingerprint
