"""The ribbon macros against xlwings' remote engine (the object model of xlwings Server/Lite),
with books built from real issued and filled forms: exact cells coloured, notes, result rows,
idempotence, clearing only what the tool added, and agreement with the CLI path."""
from __future__ import annotations

import pytest
from openpyxl import load_workbook
from openpyxl.comments import Comment

from support.fixtures import fill, public_form
from support.remote_book import apply_actions, book_from_payload, payload_from_file
from thidua.check.report import check_files
from thidua.excel import live
from thidua.contract import INPUT_FILL

MISTAKES = {"kpcd_da_thu": 120_000_000, "so_luot_tham_du": "khoảng 300", "vi_pham_y_duc": 1,
            "so_cnvcld": "200 người", "ngay_hoi_nghi": "20/12/2025"}


@pytest.fixture
def form_path(plan, issued, tmp_path):
    return fill(plan, public_form(plan, issued), tmp_path / "loi.xlsx", MISTAKES,
                scores={"CL3.4": (4, None, None)})


def run(payload, macro, **kw):
    book = book_from_payload(payload)
    result = macro(book, **kw)
    return result, apply_actions(payload, book.json()["actions"])


def sheet(state, name):
    return next(s for s in state["sheets"] if s["name"] == name)


def result_rows(state):
    s = next(s for s in state["sheets"] if any(t["name"] == live.RESULT_TABLE for t in s["tables"]))
    return s, [dict(zip(s["values"][0], row)) for row in s["values"][1:]]


def test_validate_marks_exact_cells_notes_and_rows(form_path):
    payload = payload_from_file(form_path)
    findings, state = run(payload, live.validate)          # the plan carried by the form itself
    expected = {(f.sheet, f.cell): f for f in findings if f.cell}
    assert {("Chỉ tiêu", "F13"), ("Chỉ tiêu", "F28"), ("Chỉ tiêu", "F11"), ("Chỉ tiêu", "F5"),
            ("Chỉ tiêu", "F9")} <= set(expected)
    data = sheet(state, "Chỉ tiêu")
    fills = data["_fills"]
    assert fills["F13"] == live.SEVERITY_FILL["lỗi"] and fills["F28"] == live.SEVERITY_FILL["lỗi"]
    assert fills["F11"] == live.SEVERITY_FILL["cảnh báo"] and fills["F5"] == live.SEVERITY_FILL["thông tin"]
    marked = {(s["name"], c) for s in state["sheets"] for c in s.get("_fills", {})}
    assert marked == set(expected)
    notes = {(s["name"], n["address"]): n.get("text", "") for s in state["sheets"] for n in s["notes"]}
    assert set(notes) == set(expected)
    assert notes[("Chỉ tiêu", "F13")].startswith(live.NOTE_PREFIX + "LỖI: Trang 'Chỉ tiêu', ô F13")
    res, rows = result_rows(state)
    assert res["name"] == live.RESULT_SHEET and len(rows) == len(findings)
    assert [(r["Quy tắc"], r["Ô"] or None) for r in rows] == [(f.label, f.cell) for f in findings]   # names, not codes
    assert res["_links"]["E2"] == f"#'{findings[0].sheet}'!{findings[0].cell}"
    assert "lỗi" in state["_alerts"][-1] and "Kiểm tra lại" in state["_alerts"][-1]
    # the person's entries are untouched
    before = sheet(payload, "Chỉ tiêu")["values"]
    assert data["values"] == before


def test_macro_and_cli_give_the_same_findings(plan, plan_path, form_path):
    findings, _ = run(payload_from_file(form_path), live.validate)
    cli_embedded = check_files([form_path])[0].findings
    cli_plan_file = check_files([form_path], plan)[0].findings
    key = lambda fs: [(f.rule, f.severity, f.sheet, f.cell, f.message) for f in fs]  # noqa: E731
    assert key(findings) == key(cli_embedded) == key(cli_plan_file)


def test_running_twice_leaves_the_same_marks(form_path):
    payload = payload_from_file(form_path)
    _, once = run(payload, live.validate)
    _, twice = run(once, live.validate)
    strip = lambda st: [(s["name"], s.get("_fills"), sorted((n["address"], n.get("text")) for n in s["notes"]),  # noqa: E731
                         s["values"] if s["name"] == live.RESULT_SHEET else None) for s in st["sheets"]]
    assert strip(twice) == strip(once)
    assert sum(1 for s in twice["sheets"] if s["name"].startswith(live.RESULT_SHEET)) == 1


def test_clear_marks_removes_only_what_the_tool_added(form_path, tmp_path):
    wb = load_workbook(form_path)
    from thidua.demo.edits import table_cell
    from thidua import contract as C
    table_cell(wb, C.INDICATOR_TABLE, "kpcd_da_thu", C.NOTE).comment = Comment("Thu bù năm trước", "Hương")
    table_cell(wb, C.INDICATOR_TABLE, "kpcd_da_thu", C.ENTRY).comment = Comment("Số theo sổ quỹ", "Hương")
    path = tmp_path / "co_ghi_chu.xlsx"
    wb.save(path)
    payload = payload_from_file(path)
    _, marked = run(payload, live.validate)
    data = sheet(marked, "Chỉ tiêu")
    own_notes = {n["address"] for n in data["notes"] if "text" not in n}
    assert own_notes == {"F13", "H13"}                      # the person's notes survive marking
    n, cleared = run(marked, live.clear_marks)
    assert n == len({(s["name"], c) for s in marked["sheets"] for c in s.get("_fills", {})})
    assert not any(s["name"] == live.RESULT_SHEET for s in cleared["sheets"])
    data = sheet(cleared, "Chỉ tiêu")
    assert {x["address"] for x in data["notes"]} == {"F13", "H13"}
    assert data["_fills"]["F13"] == INPUT_FILL and data["_fills"]["F28"] == INPUT_FILL
    assert data["values"] == sheet(payload, "Chỉ tiêu")["values"]
    again, _ = run(cleared, live.clear_marks)
    assert again == 0


def test_score_macro_writes_its_sheet_and_agrees_with_the_engine(plan, form_path):
    from thidua.read.form import read_form
    from thidua.score.engine import score_form
    result, state = run(payload_from_file(form_path), live.score)
    want = score_form(read_form(form_path, plan), plan)
    assert (result.total, result.rating) == (want.total, want.rating)
    s = next(s for s in state["sheets"] if s["name"] == live.SCORE_SHEET)
    rows = [dict(zip(s["values"][0], r)) for r in s["values"][1:]]
    assert [r["Mã"] for r in rows[:len(want.criteria)]] == [c.code for c in want.criteria]
    assert rows[-1]["Điểm"] == want.total and want.reason in rows[-1]["Căn cứ"]
    assert f"Tổng điểm {want.total:g}/100" in state["_alerts"][-1]


def test_a_book_that_is_not_a_form_gets_a_vietnamese_alert(plan_path):
    findings, state = run(payload_from_file(plan_path), live.validate)
    assert findings == [] and "tệp kế hoạch" in state["_alerts"][-1]


def test_a_member_typed_under_the_table_is_read_by_the_button_too(plan, issued, tmp_path):
    """A row typed right under the member table (a book saved by LibreOffice or WPS, which do not
    grow tables): the Kiểm tra button reads it and warns at its cell, like the command line."""
    from openpyxl.utils.cell import range_boundaries

    from thidua.demo.edits import find_table
    from thidua import contract as C
    individual = next(t for t in plan.titles if t.target_of == "individual")
    path = fill(plan, public_form(plan, issued), tmp_path / "duoi_bang.xlsx",
                members=[{C.M_NAME: f"Người {i}", C.M_DEPT: "Khoa Nội", C.M_TITLE: individual.name, C.M_DAYS: 1,
                          C.M_MONTHS: 12} for i in range(C.MEMBER_BLANK_ROWS)])
    wb = load_workbook(path)
    ws, t = find_table(wb, C.MEMBER_TABLE)
    min_col, min_row, max_col, max_row = range_boundaries(t.ref)
    headers = [ws.cell(min_row, c).value for c in range(min_col, max_col + 1)]
    for h, v in {C.M_NAME: "Lê Văn Dưới", C.M_DEPT: "Khoa Dược", C.M_TITLE: individual.name}.items():
        ws.cell(max_row + 1, min_col + headers.index(h)).value = v
    wb.save(path)
    findings, _ = run(payload_from_file(path), live.validate)
    below = [f for f in findings if f.rule == "row_below_table"]
    assert len(below) == 1 and below[0].cell.endswith(str(max_row + 1)), [f.message for f in below]
    key = lambda fs: [(f.rule, f.severity, f.sheet, f.cell) for f in fs]  # noqa: E731
    assert key(findings) == key(check_files([path], plan)[0].findings)
