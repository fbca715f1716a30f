"""The button functions of thidua.excel on real xlwings books (xlwings' remote engine, fed the
JSON a client sends for a real file; see support/remote_book.py): they delegate, issue forms,
and turn every failure into a Vietnamese alert. Plus: importing them stays light."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

import thidua.excel as X
from support.fixtures import fill, public_form
from support.remote_book import book_from_payload, payload_from_file
from thidua import contract as C
from thidua.read.form import read_form


def alerts(book) -> list[list]:
    return [a["args"] for a in book.json()["actions"] if a["func"] == "alert"]


def plan_book(plan_path, tmp_path, name=None):
    copy = tmp_path / "ke_hoach.xlsx"
    shutil.copy(plan_path, copy)
    payload = payload_from_file(copy)
    payload["book"]["name"] = str(copy) if name is None else name
    return copy, book_from_payload(payload)


def test_import_stays_light():
    heavy = ["pandas", "numpy", "openpyxl", "xlsxwriter", "xlwings", "python_calamine", "thidua.excel.live"]
    code = f"import sys, json, thidua.excel; print(json.dumps([m for m in {heavy!r} if m in sys.modules]))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == []


@pytest.mark.parametrize("today,code", [(date(2026, 3, 1), "dot-1"), (date(2026, 7, 5), "dot-1"),
                                        (date(2026, 7, 11), "dot-2"), (date(2025, 11, 1), "dot-1"),
                                        (date(2027, 3, 1), "dot-2")])
def test_the_period_to_issue_is_the_regular_one_open_now(plan, today, code):
    assert X.choose_period(plan, today).code == code


def test_issue_forms_from_the_open_plan(plan, plan_path, tmp_path):
    copy, book = plan_book(plan_path, tmp_path)
    paths = X.issue_forms(book, today=date(2026, 3, 1))
    said = alerts(book)
    assert said[0][2] == "ok_cancel" and "Đợt 1" in said[0][0] and str(tmp_path / "bieu_mau_dot-1") in said[0][0]
    units = plan.active_units(plan.period("dot-1"))
    assert len(paths) == len(units) and {p.parent for p in paths} == {tmp_path / "bieu_mau_dot-1"}
    assert said[-1][0].startswith(f"Đã phát {len(units)} biểu mẫu Đợt 1")
    form = read_form(paths[0], plan)
    assert form.period_code == "dot-1" and paths[0].suffix == ".xlsm"
    from thidua import register as R          # the button keeps the register beside the plan, packs by the forms
    reg = R.load(R.register_path(copy), plan)
    assert reg.form_problem(form.unit_code, plan.unit(form.unit_code).cluster, "dot-1", form.token) is None
    assert (tmp_path / "bieu_mau_dot-1" / R.pack_name(plan.unit(form.unit_code).cluster)).is_file()
    assert "Sổ phát hành" in said[-1][0]


def test_issue_forms_needs_a_saved_plan_and_says_what_is_wrong(plan_path, issued, tmp_path):
    _, unsaved = plan_book(plan_path, tmp_path, name="Book1")
    assert X.issue_forms(unsaved) == []
    assert "Hãy lưu tệp kế hoạch" in alerts(unsaved)[-1][0]
    payload = payload_from_file(issued[0])             # a form is open, not a plan
    payload["book"]["name"] = str(issued[0])
    book = book_from_payload(payload)
    assert X.issue_forms(book) is None
    message = alerts(book)[-1][0]
    assert "Kế hoạch" in message or "kế hoạch" in message
    assert "Traceback" not in message and not (tmp_path / "bieu_mau_dot-1").exists()


def test_form_buttons_delegate_to_the_live_host(plan, issued, tmp_path):
    from thidua.excel import live
    path = fill(plan, public_form(plan, issued), tmp_path / "loi.xlsx", {"kpcd_da_thu": 120_000_000})
    payload = payload_from_file(path)
    for name in ("validate", "score", "clear_marks"):
        # one book at a time: the engine sends app-level alerts to the newest book
        ours = book_from_payload(payload)
        result = getattr(X, name)(ours)
        theirs = book_from_payload(payload)
        assert result == getattr(live, name)(theirs), name
        assert ours.json()["actions"] == theirs.json()["actions"] and alerts(ours), name
        if name == "validate":
            assert "kpcd_da_thu" in {f.field for f in result}


def test_help_shows_the_guide_sheet_and_explains_the_buttons(issued):
    payload = payload_from_file(issued[0])
    payload["book"]["active_sheet_index"] = 2
    book = book_from_payload(payload)
    X.show_help(book)
    actions = book.json()["actions"]
    guide = [s["name"] for s in payload["sheets"]].index(C.SHEETS["guide"])
    assert {"func": "activateSheet", "args": [guide]} == {k: actions[0][k] for k in ("func", "args")}
    text = alerts(book)[-1][0]
    for label in ("Kiểm tra", "Chấm điểm", "Xóa đánh dấu", "Hướng dẫn"):
        assert label in text


def test_missing_features_and_unexpected_failures_end_in_an_alert(issued, tmp_path, monkeypatch):
    book = book_from_payload(payload_from_file(issued[0]))
    assert X._delegate("thidua.khong_co", "consolidate_cluster", book) is None
    assert alerts(book)[-1][0] == X.not_available_message("consolidate_cluster")
    assert "Tổng hợp cụm" in alerts(book)[-1][0] and "chưa có trong phiên bản" in alerts(book)[-1][0]
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))     # the per-user log folder (crashlog)
    X._delegate("json", "loads", book)                    # json.loads(book): a TypeError inside
    message = alerts(book)[-1][0]
    log = tmp_path / "thidua" / "thidua-loi.log"
    assert "sự cố ngoài dự kiến" in message and str(log) in message
    assert "TypeError" in log.read_text("utf-8") and "Traceback" not in message


def test_every_button_function_exists_with_an_optional_book():
    import inspect
    for name in (*X.FORM_BUTTONS, *X.ADDIN_BUTTONS):
        params = inspect.signature(getattr(X, name)).parameters
        assert list(params)[0] == "book" and params["book"].default is None
    assert Path(X.__file__).name == "__init__.py"
