"""The add-in's Tổng hợp cụm / Tổng hợp ngành buttons on xlwings' remote engine (a real xlwings
Book built from the plan workbook): they run the same core as the CLI, write next to the plan,
and say what happened in Vietnamese; a wrong book or a missing folder ends in an alert."""
from __future__ import annotations

import shutil
from datetime import date

import pytest

from support.consolidation import PERIOD
from support.remote_book import book_from_payload, payload_from_file
from thidua.excel import consolidation as H
from thidua.consolidate.core import consolidate
from thidua.consolidate.records import INCLUDED


def alerts(book) -> list[str]:
    return [a["args"][0] for a in book.json()["actions"] if a["func"] == "alert"]


@pytest.fixture
def desk(plan_path, province, tmp_path):
    """A cluster lead's folder: the plan, and next to it nop_ve_dot-1 with the forms of C01 and C02."""
    filled, _ = province
    shutil.copy(plan_path, tmp_path / "ke_hoach.xlsx")
    inbox = tmp_path / f"nop_ve_{PERIOD}"
    inbox.mkdir()
    for f in filled:
        if f.path.name[:3] in ("C01", "C02"):
            shutil.copy2(f.path, inbox / f.path.name)
    (inbox / "ghi-chu.txt").write_text("kèm theo", encoding="utf-8")
    return tmp_path


def plan_book(desk):
    payload = payload_from_file(desk / "ke_hoach.xlsx")
    payload["book"]["name"] = str(desk / "ke_hoach.xlsx")        # what desktop Excel reports as fullname
    return book_from_payload(payload)


def test_cluster_button_writes_one_workbook_per_cluster(plan, desk):
    book = plan_book(desk)
    outs = H.consolidate_cluster(book, today=date(2026, 7, 20))
    assert [p.name for p in outs] == [f"tong_hop_C01_{PERIOD}.xlsx", f"tong_hop_C02_{PERIOD}.xlsx"]
    assert all(p.parent == desk / f"tong_hop_cum_{PERIOD}" for p in outs)
    said = alerts(book)[-1]
    assert said.startswith("Đã tổng hợp 2 cụm, Đợt 1") and "• Cụm C01:" in said and "dẫn đầu" in said
    docs = desk / f"tong_hop_cum_{PERIOD}" / f"van_ban_C01_{PERIOD}"          # the cluster's minutes and notices
    assert (docs / f"bien_ban_hop_cum_C01_{PERIOD}.docx").is_file() and any((docs / "thong_bao").glob("*.docx"))
    core = consolidate([desk / f"nop_ve_{PERIOD}"], plan, PERIOD, ["C01"], workers=1)
    rolled = consolidate([outs[0]], plan, PERIOD, ["C01"], workers=1)
    assert rolled.figures() == core.figures()                        # same core, lossless


def test_cluster_button_keeps_what_the_cluster_entered(plan, desk):
    """Pressed again after the cluster typed its marks and states: kept, recomputed, listed."""
    from thidua.consolidate import review as RV
    from thidua.demo.edits import set_table_rows
    book = plan_book(desk)
    first = H.consolidate_cluster(book, today=date(2026, 7, 20))[0]
    unit = sorted((desk / f"nop_ve_{PERIOD}").glob("C01_*.xlsm"))[0].name.split("_")[1]
    crit = plan.criteria_for(plan.unit(unit).kind)[0]
    set_table_rows(first, "tblScoreReview", RV.SCORE_KEYS, {(unit, crit.code): {"Cụm chấm": 0, "Ghi chú của cụm": "x"}})
    set_table_rows(first, "tblUnitReview", RV.UNIT_KEYS, {(unit,): {"Trạng thái (cụm)": "Cần bổ sung"}})
    again = H.consolidate_cluster(plan_book(desk), today=date(2026, 7, 20))[0]
    assert again == first
    rolled = consolidate([again], plan, PERIOD, ["C01"], workers=1)
    assert rolled.review.cluster.marks[(unit, crit.code)].score == 0
    assert rolled.results[unit].state == RV.NEEDS_MORE
    assert [(o.unit, o.criterion, o.upper) for o in rolled.overrides] == [(unit, crit.code, 0.0)]


def test_industry_button_consolidates_the_folder_next_to_the_plan(plan, desk):
    book = plan_book(desk)
    (out,) = H.consolidate_industry(book, today=date(2026, 7, 20))
    assert out == desk / f"tong_hop_nganh_{PERIOD}.xlsx" and out.exists()
    said = alerts(book)[-1]
    assert "TOÀN NGÀNH" in said and "tỷ lệ báo cáo" in said and str(out) in said
    docs = desk / f"van_ban_{PERIOD}"                                          # the documents beside it
    assert (docs / f"bao_cao_{PERIOD}.docx").is_file() and str(docs) in said
    core = consolidate([desk / f"nop_ve_{PERIOD}"], plan, PERIOD, workers=1)
    from support.consolidation import table_rows
    rows = {r["Tệp"]: r for r in table_rows(out, "tblInventory")}
    assert rows["ghi-chu.txt"]["Mã trạng thái"] == "not_a_form"
    assert sum(r["Mã trạng thái"] == INCLUDED for r in rows.values()) == core.n_received


def test_buttons_explain_what_is_missing(plan, issued, desk, tmp_path):
    payload = payload_from_file(issued[0])                         # a form is open, not the plan
    payload["book"]["name"] = str(issued[0])
    book = book_from_payload(payload)
    assert H.consolidate_industry(book) is None
    assert "hãy mở tệp kế hoạch" in alerts(book)[-1]
    shutil.rmtree(desk / f"nop_ve_{PERIOD}")
    book = plan_book(desk)
    assert H.consolidate_cluster(book) is None
    assert "Không tìm thấy thư mục biểu mẫu nộp về" in alerts(book)[-1] and "nop_ve_dot-1" in alerts(book)[-1]
    unsaved = book_from_payload({**payload_from_file(desk / "ke_hoach.xlsx"), "book": {
        "name": "Book1", "active_sheet_index": 0, "selection": "A1"}})
    assert H.consolidate_industry(unsaved) is None and "Hãy lưu tệp kế hoạch" in alerts(unsaved)[-1]
    assert not list(desk.glob("tong_hop*"))


def test_the_add_in_entry_points_delegate_here(plan, desk):
    import thidua.excel as X
    book = plan_book(desk)
    X.consolidate_industry(book)
    assert (desk / f"tong_hop_nganh_{PERIOD}.xlsx").exists() and "TOÀN NGÀNH" in alerts(book)[-1]
