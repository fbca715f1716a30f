"""The check engine: every rule kind on hand-built forms, the demo province's planted mistakes,
and the `thidua check` command end to end."""
from __future__ import annotations

import json

import pytest

from support.fixtures import fill, public_form
from thidua.check.engine import check_form
from thidua.cli import main
from thidua.read.form import read_form


def findings_of(plan, path, previous=None):
    return check_form(read_form(path, plan), plan, previous)


def one(findings, rule):
    hits = [f for f in findings if f.rule == rule]
    assert len(hits) == 1, (rule, [(f.rule, f.cell) for f in findings])
    return hits[0]


def cell_of(plan, path, code):
    return read_form(path, plan).values[code].cell


@pytest.fixture(scope="module")
def clean(plan, issued, tmp_path_factory):
    return fill(plan, public_form(plan, issued), tmp_path_factory.mktemp("clean") / "clean.xlsx")


def test_a_clean_form_has_no_findings(plan, clean):
    assert findings_of(plan, clean) == []


@pytest.mark.parametrize("values, rule, code, severity, fragment", [
    ({"so_cuoc_tuyen_truyen": None}, "required", "so_cuoc_tuyen_truyen", "lỗi", "ô bắt buộc đang để trống"),
    ({"hoi_nghi_cbccvc": None}, "required", "hoi_nghi_cbccvc", "lỗi", "chọn Có hoặc Không"),
    ({"so_cnvcld": -5}, "out_of_range", "so_cnvcld", "lỗi", "nhỏ hơn mức cho phép 0"),
    ({"so_luot_tham_du": "khoảng 300"}, "unparseable", "so_luot_tham_du", "lỗi", "không đọc được 'khoảng 300'"),
    ({"so_sang_kien": "95%"}, "unparseable", "so_sang_kien", "lỗi", "tỷ lệ phần trăm"),
    ({"so_cnvcld": "200 người"}, "interpreted", "so_cnvcld", "thông tin", "đã bỏ chữ 'người'"),
    ({"ngay_hoi_nghi": "20/12/2025"}, "date_outside_period", "ngay_hoi_nghi", "lỗi", "01/01/2026 – 30/06/2026"),
    ({"so_doan_vien": 250}, "KT01", "so_doan_vien", "lỗi", "lớn hơn 'Tổng số CNVCLĐ"),
    ({"kpcd_da_thu": 120_000_000}, "KT02", "kpcd_da_thu", "lỗi", "120.000.000 lớn hơn"),
    ({"doan_phi_da_thu": "60.000.000"}, "KT03", "doan_phi_da_thu", "lỗi", "60.000.000 lớn hơn"),
    ({"nld_moi_ket_nap": 12, "doan_vien_moi": 13}, "KT04", "nld_moi_ket_nap", "lỗi", "12 lớn hơn"),
    ({"doan_vien_moi": 8}, "KT05", "doan_vien_moi", "cảnh báo", "8 nhỏ hơn"),
    ({"so_luot_tham_du": 2}, "KT06", "so_luot_tham_du", "cảnh báo", "2 nhỏ hơn"),
    ({"vi_pham_y_duc": 1}, "target_not_met", "vi_pham_y_duc", "cảnh báo", "(≤ 0 người)"),
    ({"hoi_nghi_cbccvc": "Không", "ngay_hoi_nghi": None}, "target_not_met", "hoi_nghi_cbccvc", "cảnh báo", "(Có)"),
    ({"kpcd_da_thu": 90_000_000}, "target_not_met", "ty_le_kpcd", "cảnh báo", "số liệu hiện là 90%"),
    ({"so_sang_kien": 4}, "target_below_stretch", "so_sang_kien", "thông tin", "chưa đạt mức phấn đấu 5"),
])
def test_each_rule_kind_at_its_cell(plan, issued, tmp_path, values, rule, code, severity, fragment):
    path = fill(plan, public_form(plan, issued), tmp_path / "f.xlsx", values)
    found = findings_of(plan, path)
    f = one(found, rule)
    assert (f.severity, f.field, f.sheet) == (severity, code, "Chỉ tiêu")
    assert f.cell == cell_of(plan, path, code)
    assert fragment in f.message and f"ô {f.cell}" in f.message and "Trang 'Chỉ tiêu'" in f.message


def test_every_rule_runs_and_all_failures_are_collected(plan, issued, tmp_path):
    path = fill(plan, public_form(plan, issued), tmp_path / "many.xlsx",
                {"so_cnvcld": None, "kpcd_da_thu": 120_000_000, "ngay_hoi_nghi": "01/12/2025", "so_luot_tham_du": "nhiều", "vi_pham_y_duc": 2},
                scores={"CL1.4": (12, None, "x"), "CL2.4": (None, None, None), "CL3.4": (4, None, None)},
                info={"nguoi_bao_cao": None, "ngay_bao_cao": "20/07/2026"}, initiatives=2)
    rules = {f.rule for f in findings_of(plan, path)}
    assert {"required", "KT02", "date_outside_period", "unparseable", "score_out_of_range", "self_score_blank",
            "no_explanation", "report_info_blank", "report_late", "initiatives_unlisted", "target_not_met"} <= rules


def test_score_sheet_rules(plan, issued, tmp_path):
    path = fill(plan, public_form(plan, issued), tmp_path / "s.xlsx",
                scores={"CL1.4": (12, None, "x"), "CL2.4": (None, None, None), "CL3.4": (4, None, None),
                        "CL1.1": (10, 11, "x")})
    found = findings_of(plan, path)
    form = read_form(path, plan)
    over = [f for f in found if f.rule == "score_out_of_range"]
    assert {f.cell for f in over} == {form.scores["CL1.4"].self_score.cell}
    assert all(f.severity == "lỗi" and "0 – 10" in f.message for f in over)
    upper = one(found, "upper_score_by_unit")           # the unit wrote in the upper level's column
    assert (upper.cell, upper.sheet, upper.severity, upper.field) == (
        form.scores["CL1.1"].upper_score.cell, "Chấm điểm", "lỗi", "CL1.1")
    assert f"ô {upper.cell}" in upper.message and "cấp trên" in upper.message and "xóa" in upper.message
    assert one(found, "self_score_blank").cell == form.scores["CL2.4"].self_score.cell
    nx = one(found, "no_explanation")
    assert (nx.cell, nx.severity) == (form.scores["CL3.4"].explanation.cell, "cảnh báo")


def test_cumulative_figures_may_not_fall_below_the_previous_period(plan, clean):
    before = read_form(clean, plan)
    previous = {**before.entered(), "so_cuoc_tuyen_truyen": 9, "kpcd_da_thu": 50_000_000}
    f = one(findings_of(plan, clean, previous), "cumulative_decrease")
    assert (f.field, f.severity, f.value, f.expected) == ("so_cuoc_tuyen_truyen", "lỗi", 5, "≥ 9")
    assert "lũy kế" in f.message


def test_planted_mistakes_of_the_demo_province_are_found_and_clean_forms_have_no_errors(plan, province):
    filled, _ = province
    checked = planted_total = 0
    for f in filled:
        form = read_form(f.path, plan)
        found = check_form(form, plan)
        if not f.planted:
            assert not [x for x in found if x.severity == "lỗi"], (f.path.name, found)
            continue
        for p in f.planted:
            cell = form.values[p.field].cell
            hits = [x for x in found if x.cell == cell and x.severity == p.severity]
            assert hits, (f.path.name, p, [(x.rule, x.cell, x.severity) for x in found])
            planted_total += 1
        checked += 1
    assert checked >= 10 and planted_total >= 12


def test_check_cli_end_to_end(plan_path, province, tmp_path, capsys):
    filled, _ = province
    bad = next(f for f in filled if any(p.severity == "lỗi" for p in f.planted))
    good = next(f for f in filled if not f.planted)
    broken = tmp_path / "hong.xlsx"
    broken.write_bytes(b"PK\x03\x04 broken")
    out = tmp_path / "ket_qua.xlsx"
    code = main(["check", str(good.path), str(bad.path), str(broken), "--plan", str(plan_path), "--out", str(out)])
    text = capsys.readouterr().out
    assert code == 1 and "Traceback" not in text
    assert f"✓ {good.path.name}" in text and f"✗ {bad.path.name}" in text and "✗ hong.xlsx" in text
    assert "Xếp loại:" in text and "Tổng cộng 3 tệp" in text
    assert main(["check", str(good.path), "--json"]) == 0          # plan carried by the form itself
    data = json.loads(capsys.readouterr().out)
    assert data[0]["status"] == "ok" and data[0]["score"]["rating"] and data[0]["findings"] is not None
    from thidua.read.workbook import open_workbook
    wb = open_workbook(out)
    rows = wb.table("tblFindings").records()
    assert {r["Tệp"] for r in rows} >= {bad.path.name, "hong.xlsx"}
    assert all(r["Nội dung và cách sửa"] for r in rows)


def test_cli_and_engine_agree_on_the_demo_folder(plan, plan_path, province, capsys):
    filled, _ = province
    folder = filled[0].path.parent
    main(["check", str(folder), "--plan", str(plan_path), "--json"])
    data = {d["file"]: d for d in json.loads(capsys.readouterr().out)}
    for f in filled[:20]:
        want = [x.rule for x in check_form(read_form(f.path, plan), plan)]
        assert [x["rule"] for x in data[str(f.path)]["findings"]] == want


def test_findings_workbook_opens_in_libreoffice(soffice, plan, province, tmp_path):
    from support.libreoffice import convert
    from thidua.check.report import check_files, write_findings_workbook
    from thidua.read.workbook import open_workbook
    filled, _ = province
    out = write_findings_workbook(check_files([f.path for f in filled[:15]], plan), tmp_path / "kq.xlsx")
    back = convert([out], tmp_path / "lo")[out]
    wb = open_workbook(back)
    before = open_workbook(out)
    assert len(wb.table("tblFindings").rows) == len(before.table("tblFindings").rows) > 0
    assert [r[0] for r in wb.table("tblFiles").rows] == [f.path.name for f in filled[:15]]
