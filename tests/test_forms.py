"""Issued forms: contents, protection, validation; the round trip through a simulated province."""
from __future__ import annotations

from datetime import date

from openpyxl import load_workbook

from thidua.demo.edits import find_table, insert_rows_above_table, table_cell
from thidua import contract as C
from thidua.forms.write import form_filename, slugify
from thidua.read.form import read_form

PERIOD = "dot-1"


def _unit_code(path):
    return path.name.split("_")[1]


def test_one_form_per_active_unit_sorted_by_cluster_then_unit(plan, issued):
    period = plan.period(PERIOD)
    expected = plan.active_units(period)
    assert len(issued) == len(expected)
    assert {_unit_code(p) for p in issued} == {u.code for u in expected}
    inactive = [u for u in plan.units if not u.active]
    assert inactive and not any(_unit_code(p) == u.code for p in issued for u in inactive)
    keys = [(plan.unit(_unit_code(p)).cluster, _unit_code(p)) for p in issued]
    assert [p.name for p in issued] == sorted(p.name for p in issued)
    assert keys == sorted(keys)
    assert form_filename(expected[0], period).startswith(f"{expected[0].cluster}_{expected[0].code}_{PERIOD}_")
    assert slugify("Bệnh viện Đa khoa tỉnh") == "benh-vien-da-khoa-tinh"


def _public_and_private(plan, issued):
    pub = next(p for p in issued if plan.unit(_unit_code(p)).kind == "public")
    priv = next(p for p in issued if plan.unit(_unit_code(p)).kind == "non_public")
    return pub, priv


def test_targets_shown_are_those_of_the_units_kind(plan, issued):
    pub, priv = _public_and_private(plan, issued)
    f_pub, f_priv = read_form(pub), read_form(priv)
    assert {t.target_code for t in f_pub.targets.values()} == {t.code for t in plan.unit_targets_for("public")}
    assert {t.target_code for t in f_priv.targets.values()} == {t.code for t in plan.unit_targets_for("non_public")}
    assert f_pub.targets["ty_le_kpcd"].text == "≥ 100%"
    assert f_pub.targets["vi_pham_y_duc"].text == "≤ 0 người"
    assert f_pub.targets["so_sang_kien"].text == "3 – 5 sáng kiến"
    assert f_priv.targets["ty_le_doan_phi"].text == "≥ 40%"
    assert "hoi_nghi_cbccvc" in f_pub.values and "hoi_nghi_cbccvc" not in f_priv.values
    assert "thoa_uoc_ky" in f_priv.values and "thoa_uoc_ky" not in f_pub.values
    assert not f_pub.problems and not f_priv.problems


def test_identity_locked_entries_unlocked_and_validated(plan, issued):
    pub, _ = _public_and_private(plan, issued)
    wb = load_workbook(pub)
    ws_info, _ = find_table(wb, C.UNIT_TABLE)
    assert ws_info.protection.sheet
    assert table_cell(wb, C.UNIT_TABLE, "ma_don_vi", C.VALUE).protection.locked
    assert not table_cell(wb, C.UNIT_TABLE, "ngay_bao_cao", C.VALUE).protection.locked
    ws, _ = find_table(wb, C.INDICATOR_TABLE)
    assert ws.protection.sheet
    target = table_cell(wb, C.INDICATOR_TABLE, "ty_le_kpcd", C.TARGET_TEXT)
    entry = table_cell(wb, C.INDICATOR_TABLE, "kpcd_da_thu", C.ENTRY)
    derived = table_cell(wb, C.INDICATOR_TABLE, "ty_le_kpcd", C.ENTRY)
    assert target.protection.locked and derived.protection.locked and not entry.protection.locked
    assert str(derived.value).startswith("=IF(AND(ISNUMBER(")
    rules = {}
    for dv in ws.data_validations.dataValidation:
        for rng in str(dv.sqref).split():
            rules[rng] = dv
    assert rules[entry.coordinate].type == "decimal" and rules[entry.coordinate].operator == "greaterThanOrEqual"
    yes_no = table_cell(wb, C.INDICATOR_TABLE, "hoi_nghi_cbccvc", C.ENTRY)
    assert rules[yes_no.coordinate].type == "list" and "Có" in rules[yes_no.coordinate].formula1
    count = table_cell(wb, C.INDICATOR_TABLE, "so_sang_kien", C.ENTRY)
    assert rules[count.coordinate].type == "whole"
    day = table_cell(wb, C.INDICATOR_TABLE, "ngay_hoi_nghi", C.ENTRY)
    assert rules[day.coordinate].type == "date"
    assert all(r.promptTitle and r.prompt for r in rules.values() if r.type != "list" or r.prompt)
    assert "Nhập" in rules[entry.coordinate].error
    # house style and print set-up
    assert entry.font.name == "Times New Roman"
    assert ws.page_setup.paperSize == 9 and ws.page_setup.orientation == "landscape"
    assert ws.freeze_panes is not None
    # the Kiểm tra button may colour cells and add notes on the protected sheets
    assert ws.protection.formatCells is False and ws.protection.objects is False
    assert ws_info.protection.formatCells is False
    meta_ws, _ = find_table(wb, C.META_TABLE)
    assert meta_ws.sheet_state == "veryHidden" and meta_ws.protection.sheet
    assert wb.sheetnames[0] == C.SHEETS["guide"]
    # hidden target columns
    # (a run of equal columns is stored as one <col min max> element)
    hidden = {i for d in ws.column_dimensions.values() if d.hidden for i in range(d.min, d.max + 1)}
    assert hidden & set(range(1, 14)) == {9, 10, 11, 12, 13}
    # and, right of the table after a blank column, the "Tự kiểm tra" helpers (worst severity per cell)
    assert hidden - {9, 10, 11, 12, 13} and min(hidden - {9, 10, 11, 12, 13}) > 14


def test_meta_records_identity(plan, issued):
    pub, _ = _public_and_private(plan, issued)
    form = read_form(pub, plan)
    unit = plan.unit(_unit_code(pub))
    assert (form.unit_code, form.unit_kind, form.period_code) == (unit.code, unit.kind, PERIOD)
    assert (form.plan_id, form.plan_version, form.plan_fingerprint) == (
        plan.info.plan_id, str(plan.info.version), plan.fingerprint)
    assert form.template_version == C.TEMPLATE_VERSION
    assert form.info["ten_don_vi"].value == unit.name
    assert form.info["tu_ngay"].value == date(plan.info.year, 1, 1)


def test_round_trip_every_form_of_the_province(plan, province):
    filled, missing = province
    assert filled and missing
    for f in filled:
        form = read_form(f.path, plan)
        assert form.unit_code == f.unit.code and form.period_code == PERIOD
        for code, want in f.expected.items():
            got = form.values[code]
            if isinstance(want, tuple) and want[0] == "invalid":
                assert got.parsed.invalid and got.raw == want[1], (f.path.name, code)
                assert any(p.field == code and p.cell == got.cell for p in form.problems)
            else:
                assert got.value == want, (f.path.name, code, got.raw)
        for code, want in f.expected_info.items():
            assert form.info[code].value == want
        assert len(form.lists[C.INITIATIVE_TABLE].rows) == f.initiatives
        assert not [p for p in form.problems if p.code == "targets_changed"]


def test_edits_people_make_still_read(plan, issued, tmp_path):
    src, _ = _public_and_private(plan, issued)
    wb = load_workbook(src)
    table_cell(wb, C.INDICATOR_TABLE, "kpcd_phai_thu", C.ENTRY).value = "1.234.000"
    table_cell(wb, C.INDICATOR_TABLE, "kpcd_da_thu", C.ENTRY).value = "1.234"
    table_cell(wb, C.INDICATOR_TABLE, "so_cnvcld", C.ENTRY).value = "12 người"
    table_cell(wb, C.INDICATOR_TABLE, "so_luot_tham_du", C.ENTRY).value = " 7 "
    table_cell(wb, C.INDICATOR_TABLE, "hoi_nghi_cbccvc", C.ENTRY).value = "có"
    table_cell(wb, C.INDICATOR_TABLE, "ngay_hoi_nghi", C.ENTRY).value = "15/03/2026"
    table_cell(wb, C.INDICATOR_TABLE, "so_sang_kien", C.ENTRY).value = "khoảng 3"
    table_cell(wb, C.SCORE_TABLE, "CL1.4", C.SELF_SCORE).value = "9,5"
    ws, _ = find_table(wb, C.INDICATOR_TABLE)
    ws.title = "Số liệu đã sửa"
    insert_rows_above_table(wb, C.INDICATOR_TABLE, 3)
    insert_rows_above_table(wb, C.UNIT_TABLE, 2)
    find_table(wb, C.SCORE_TABLE)[0].title = "Điểm"
    out = tmp_path / "edited.xlsx"
    wb.save(out)

    form = read_form(out, plan)
    v = form.values
    assert v["kpcd_phai_thu"].value == 1234000
    assert v["kpcd_da_thu"].value == 1234
    assert v["so_cnvcld"].value == 12
    assert v["so_luot_tham_du"].value == 7
    assert v["hoi_nghi_cbccvc"].value is True
    assert v["ngay_hoi_nghi"].value == date(2026, 3, 15)
    assert form.scores["CL1.4"].self_score.value == 9.5
    bad = v["so_sang_kien"]
    assert bad.parsed.invalid and bad.raw == "khoảng 3"
    assert bad.sheet == "Số liệu đã sửa"
    original = read_form(src, plan).values["so_sang_kien"].cell
    assert int(bad.cell[1:]) == int(original[1:]) + 3        # found three rows lower, by code
    problem = next(p for p in form.problems if p.field == "so_sang_kien")
    assert problem.cell == bad.cell and "Số liệu đã sửa" in problem.message and bad.cell in problem.message
    assert form.info["ma_don_vi"].value == form.unit_code
    assert not [p for p in form.problems if p.code == "targets_changed"]


def test_changed_targets_are_noticed(plan, issued, tmp_path):
    src, _ = _public_and_private(plan, issued)
    wb = load_workbook(src)
    ws, _ = find_table(wb, C.INDICATOR_TABLE)
    ws.protection.sheet = False
    table_cell(wb, C.INDICATOR_TABLE, "ty_le_kpcd", C.TARGET_MIN).value = 0.5
    table_cell(wb, C.INDICATOR_TABLE, "ty_le_kpcd", C.TARGET_TEXT).value = "≥ 50%"
    table_cell(wb, C.UNIT_TABLE, "ma_don_vi", C.VALUE).value = "YT999"
    wb.save(tmp_path / "tampered.xlsx")
    form = read_form(tmp_path / "tampered.xlsx", plan)
    codes = {p.code for p in form.problems}
    assert {"targets_changed", "identity_changed"} <= codes


def test_a_form_from_another_plan_version_is_flagged(plan, issued, tmp_path):
    import dataclasses
    other = dataclasses.replace(plan, info=dataclasses.replace(plan.info, version=2))
    form = read_form(issued[0], other)
    assert "plan_changed" in {p.code for p in form.problems}


# --- the upper level's column ---------------------------------------------------------------------
def test_the_upper_level_column_is_locked_grey_and_says_who_fills_it(plan, issued):
    from thidua.excel.live import original_fill
    from thidua.forms.write import UPPER_SCORE_NOTE, guide_items
    from thidua.read.workbook import open_workbook
    pub, _ = _public_and_private(plan, issued)
    wb = load_workbook(pub)
    ws, t = find_table(wb, C.SCORE_TABLE)
    header_row = int(t.ref.split(":")[0].lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZ"))
    assert C.UPPER_SCORE in [c.value for c in ws[header_row]]           # readers find the column by header
    assert any(UPPER_SCORE_NOTE == c.value for row in ws.iter_rows(max_row=header_row - 1) for c in row)
    assert "cấp trên (cụm, ngành)" in UPPER_SCORE_NOTE and "không phải đơn vị" in UPPER_SCORE_NOTE
    rules = {rng: dv for dv in ws.data_validations.dataValidation for rng in str(dv.sqref).split()}
    live_wb = open_workbook(pub)
    for crit in plan.criteria_for("public"):
        upper = table_cell(wb, C.SCORE_TABLE, crit.code, C.UPPER_SCORE)
        own = table_cell(wb, C.SCORE_TABLE, crit.code, C.SELF_SCORE)
        assert upper.protection.locked and not own.protection.locked
        fill = upper.fill.fgColor.rgb.upper()
        assert fill.endswith(C.UPPER_FILL.lstrip("#")) and not fill.endswith(C.INPUT_FILL.lstrip("#"))
        assert C.UPPER_FILL != C.FORMULA_FILL
        dv = rules[upper.coordinate]
        assert dv.type in (None, "none") and dv.prompt == C.UPPER_SCORE_PROMPT == "Do cấp trên chấm — đơn vị không điền"
        assert rules[own.coordinate].type == "decimal"
        assert original_fill(live_wb, ws.title, upper.coordinate) == C.UPPER_FILL   # Xóa đánh dấu restores grey
    guide = " ".join(text for _, text in guide_items(plan, plan.period(PERIOD)))
    assert "Ô màu vàng nhạt là ô cần nhập" in guide and "Ô màu xám để cấp trên chấm, đơn vị không điền" in guide
    assert "Cột “Cấp trên chấm” (màu xám, đã khóa) do cấp trên" in guide


def test_a_unit_that_scores_for_the_upper_level_is_flagged_and_not_counted(plan, issued, tmp_path):
    from support.fixtures import fill
    from thidua.check.engine import check_form
    from thidua.score.engine import score_form
    pub, _ = _public_and_private(plan, issued)
    honest = read_form(fill(plan, pub, tmp_path / "a.xlsx", scores={"CL1.4": (6, None, "x"), "CL2.4": (5, None, "x")}), plan)
    greedy = read_form(fill(plan, pub, tmp_path / "b.xlsx", scores={"CL1.4": (6, 10, "x"), "CL2.4": (5, "mười", "x")}),
                       plan)
    assert score_form(greedy, plan).total == score_form(honest, plan).total
    assert all(c.upper_score is None for c in score_form(greedy, plan).criteria)
    found = [f for f in check_form(greedy, plan) if f.rule == "upper_score_by_unit"]
    assert [(f.cell, f.severity) for f in found] == [(greedy.scores["CL1.4"].upper_score.cell, "lỗi"),
                                                     (greedy.scores["CL2.4"].upper_score.cell, "lỗi")]
    assert "Trang 'Chấm điểm', ô " in found[0].message and "không được tính" in found[0].message
    assert "'mười'" in found[1].message and not any(p.cell == found[1].cell for p in greedy.problems)
    assert not [f for f in check_form(honest, plan) if f.rule == "upper_score_by_unit"]


# --- identity ----------------------------------------------------------------------------------------
def _forge(src, dst, meta=None, shown=None):
    wb = load_workbook(src)
    for key, value in (meta or {}).items():
        table_cell(wb, C.META_TABLE, key, C.VALUE, code_header=C.KEY).value = value
    for code, value in (shown or {}).items():
        table_cell(wb, C.UNIT_TABLE, code, C.VALUE).value = value
    wb.save(dst)
    return dst


def _identity(form):
    found = [p for p in form.problems if p.code == "identity_changed"]
    assert len(found) <= 1
    return found[0] if found else None


def test_genuine_forms_have_no_identity_problem_even_with_sloppy_text(plan, issued, tmp_path):
    import unicodedata
    for path in issued:
        assert _identity(read_form(path, plan)) is None, path.name
        assert _identity(read_form(path)) is None
    pub, _ = _public_and_private(plan, issued)
    unit = plan.unit(_unit_code(pub))
    cluster = plan.cluster_by_code[unit.cluster]
    sloppy = _forge(pub, tmp_path / "nfd.xlsx", shown={
        "ten_don_vi": "  " + unicodedata.normalize("NFD", unit.name).replace(" ", "\u00a0 "),
        "cum": f"{unit.cluster}  —  {unicodedata.normalize('NFD', cluster.name)}",
        "loai_hinh": unicodedata.normalize("NFD", unit.kind_label) + " "})
    assert _identity(read_form(sloppy, plan)) is None


def test_a_form_passed_off_as_another_unit_is_refused_naming_what_disagrees(plan, issued, tmp_path):
    pub, _ = _public_and_private(plan, issued)
    mine = plan.unit(_unit_code(pub))
    other = next(u for u in plan.active_units(plan.period(PERIOD))
                 if u.code != mine.code and u.cluster == mine.cluster and u.kind == mine.kind)
    forged = _forge(pub, tmp_path / "gia.xlsx", meta={"unit_code": other.code}, shown={"ma_don_vi": other.code})
    form = read_form(forged, plan)
    p = _identity(form)
    assert p is not None and p.severity == "lỗi" and p.sheet == "Thông tin"
    assert p.cell == form.info["ten_don_vi"].cell
    assert (f"ô {p.cell}: tên đơn vị trên biểu mẫu là '{mine.name}' nhưng kế hoạch ghi '{other.name}'"
            in p.message)
    assert (f"quy định kế hoạch kèm biểu mẫu (phần ẩn) là của đơn vị '{mine.code}', không phải '{other.code}'"
            in p.message)
    assert _identity(read_form(forged)) is not None            # no plan: the embedded plan's unit still says it


def test_a_changed_name_or_cluster_is_refused_naming_the_cell(plan, issued, tmp_path):
    pub, _ = _public_and_private(plan, issued)
    unit = plan.unit(_unit_code(pub))
    renamed = read_form(_forge(pub, tmp_path / "ten.xlsx", shown={"ten_don_vi": "Bệnh viện Khác"}), plan)
    p = _identity(renamed)
    assert p.cell == renamed.info["ten_don_vi"].cell
    assert f"ô {p.cell}: tên đơn vị trên biểu mẫu là 'Bệnh viện Khác' nhưng kế hoạch ghi '{unit.name}'" in p.message
    assert p.message.startswith("Trang 'Thông tin': ") and "hãy dùng biểu mẫu gốc" in p.message
    other = next(c for c in plan.clusters if c.code != unit.cluster)
    moved = read_form(_forge(pub, tmp_path / "cum.xlsx", shown={"cum": f"{other.code} — {other.name}"}), plan)
    p = _identity(moved)
    cell = moved.info["cum"].cell
    assert p.cell == cell
    assert (f"ô {cell}: cụm thi đua trên biểu mẫu là '{other.code} — {other.name}' nhưng phần nhận dạng ẩn của "
            f"biểu mẫu ghi '{unit.cluster}' và kế hoạch ghi '{unit.cluster} — "
            f"{plan.cluster_by_code[unit.cluster].name}'") in p.message
    # the hidden cluster and the shown one changed together: the plan still disagrees
    both = read_form(_forge(pub, tmp_path / "ca_hai.xlsx", meta={"cluster_code": other.code},
                            shown={"cum": f"{other.code} — {other.name}"}), plan)
    assert "kế hoạch ghi" in _identity(both).message and "phần nhận dạng ẩn" not in _identity(both).message
    kind = read_form(_forge(pub, tmp_path / "loai.xlsx", shown={"loai_hinh": "Ngoài công lập"}), plan)
    assert "loại hình trên biểu mẫu là 'Ngoài công lập'" in _identity(kind).message
