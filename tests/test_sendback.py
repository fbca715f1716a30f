"""Sending back (issue 13, deliver 5): a cluster consolidates four forms of C01 — one clean, one with
errors (the check runs), one late, one the cluster sends back in its own workbook (state, reason,
deadline typed with openpyxl) — and scores one criterion itself. Only the unit with errors and the
unit sent back get a notice; the notice carries the findings at their cells, the points per
criterion with the level that scored, the rating and its reason, what to fix and by when; the
reminder list (sheet tblReminders and a CSV with a byte-order mark) has every unit not reported,
late or sent back with its e-mail from the plan; LibreOffice prints a notice on A4."""
from __future__ import annotations

import csv
import dataclasses
import io
import shutil
import statistics
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from support.fixtures import fill
from support.libreoffice import convert, find_soffice
from test_printing import WORD, overlaps
from thidua.consolidate import sendback as SB
from thidua.consolidate.core import consolidate, run

PERIOD = "dot-1"
REASON = "Thiếu biên bản hội nghị CBCCVC; gửi kèm bản chụp biên bản."
DEADLINE = date(2026, 7, 25)
NOTE = "Minh chứng chưa đủ."


def _edit(path: Path, table: str, match: dict, values: dict) -> None:
    """Type into a row of a table of the workbook (the row whose key cells equal `match`)."""
    from thidua.demo.edits import set_table_rows
    set_table_rows(path, table, tuple(match), {tuple(match.values()): values})


def _table(path: Path, name: str) -> list[dict]:
    wb = load_workbook(path, data_only=True)
    for ws in wb.worksheets:
        if name in ws.tables:
            c1, r1, c2, r2 = range_boundaries(ws.tables[name].ref)
            grid = [[c.value for c in row] for row in ws.iter_rows(min_row=r1, max_row=r2, min_col=c1, max_col=c2)]
            return [dict(zip(grid[0], r)) for r in grid[1:] if any(v is not None for v in r)]
    raise KeyError(name)


def _text(path: Path) -> str:
    wb = load_workbook(path, data_only=True)
    return "\n".join(str(c.value) for ws in wb.worksheets for row in ws.iter_rows() for c in row
                     if c.value is not None)


@pytest.fixture(scope="module")
def case(plan, issued, tmp_path_factory):
    """(consolidation, its workbook, the send-back folder's notices and CSV)."""
    work = tmp_path_factory.mktemp("sendback")
    forms = {p.name.split("_")[1]: p for p in issued if p.name.startswith("C01_")}
    folder = work / "nop_ve"
    fill(plan, forms["YT001"], folder / forms["YT001"].name)
    fill(plan, forms["YT002"], folder / forms["YT002"].name, {"so_doan_vien": 250, "kpcd_da_thu": "abc"},
         scores={"CL1.1": (99, None, "")})
    fill(plan, forms["YT003"], folder / forms["YT003"].name, info={"ngay_bao_cao": "20/07/2026"})
    fill(plan, forms["YT004"], folder / forms["YT004"].name)
    out = work / "tong_hop_C01.xlsx"
    run([folder], plan, PERIOD, out, ["C01"], check=True)
    _edit(out, "tblUnitReview", {"Mã đơn vị": "YT004"},
          {"Trạng thái (cụm)": "Cần bổ sung", "Lý do trả lại (cụm)": REASON, "Người xem xét (cụm)": "Lê Văn Cụm",
           "Ngày xem xét (cụm)": datetime(2026, 7, 15), "Hạn bổ sung (cụm)": datetime(2026, 7, 25)})
    _edit(out, "tblScoreReview", {"Mã đơn vị": "YT002", "Mã tiêu chí": "CL1.4"},
          {"Cụm chấm": 6, "Ghi chú của cụm": NOTE})
    c = run([folder], plan, PERIOD, out, ["C01"], check=True)       # the cluster's record taken back
    notices, csv_path = SB.write_send_back(c, work / "gui_tra")
    return c, out, notices, csv_path


def test_notices_only_for_units_with_findings_or_sent_back(case):
    c, _, notices, csv_path = case
    assert c.results["YT004"].state == "needs_more" and c.results["YT002"].record.errors == 3
    assert not c.results["YT003"].on_time and c.results["YT001"].record.errors == 0
    assert SB.needs_notice(c) == ["YT002", "YT004"]
    assert [p.name for p in notices] == ["thong_bao_YT002_dot-1.xlsx", "thong_bao_YT004_dot-1.xlsx"]
    assert all(p.is_file() for p in notices)
    assert csv_path.name == "danh_sach_nhac_dot-1.csv" and csv_path.parent == notices[0].parent
    assert sorted(p.name for p in csv_path.parent.iterdir()) == sorted([*(p.name for p in notices), csv_path.name])


def test_the_notice_lists_the_findings_at_their_cells_and_what_to_do_by_when(case):
    c, _, notices, _ = case
    r = c.results["YT002"]
    rows = _table(notices[0], "tblNoticeItems")
    got = [(x["Mức độ"], x["Trang"], x["Ô"], x["Nội dung cần sửa, bổ sung"]) for x in rows]
    wanted = [(sev[0].upper() + sev[1:], sheet, cell, message) for sev, sheet, cell, message in r.record.findings]
    assert sorted(got) == sorted(wanted)
    assert {(x[1], x[2]) for x in got} >= {("Chấm điểm", "F5"), ("Chỉ tiêu", "F6"), ("Chỉ tiêu", "F13")}
    assert [x[0] for x in got] == sorted((x[0] for x in got), key=["Lỗi", "Cảnh báo", "Thông tin"].index)
    text = _text(notices[0])
    due = c.created_at.date() + timedelta(days=c.plan.info.resubmit_days)
    assert c.plan.info.resubmit_days == 7
    assert f"Hạn gửi lại: chậm nhất ngày {due:%d/%m/%Y} (7 ngày kể từ ngày thông báo, theo kế hoạch)." in text
    assert "THÔNG BÁO KẾT QUẢ KIỂM TRA" in text and "Kính gửi: Công đoàn cơ sở Bệnh viện Nhi (mã đơn vị YT002)" in text
    assert "Cụm 1 — Bệnh viện đa khoa, chuyên khoa tuyến tỉnh (C01)" in text and c.period.name in text

    # the unit sent back: the cluster's reason and deadline, first
    rows = _table(notices[1], "tblNoticeItems")
    assert rows[0]["Mức độ"] == "Yêu cầu bổ sung" and REASON in rows[0]["Nội dung cần sửa, bổ sung"]
    assert "Lê Văn Cụm" in rows[0]["Nội dung cần sửa, bổ sung"]
    text = _text(notices[1])
    assert "Hạn gửi lại: chậm nhất ngày 25/07/2026 (hạn do cụm đặt)." in text
    assert "Tình trạng xét duyệt: Cần bổ sung — Cụm, Lê Văn Cụm, 15/07/2026." in text
    assert "chưa được xếp hạng trong cụm" in text


def test_the_notice_scores_each_criterion_with_the_level_and_gives_the_rating_and_its_reasons(case, plan):
    c, _, notices, _ = case
    r = c.results["YT002"]
    rows = {x["Mã tiêu chí"]: x for x in _table(notices[0], "tblNoticeScores") if x["Mã tiêu chí"] != "Tổng"}
    assert list(rows) == [k[0] for k in r.ev.criteria]
    labels = {x.code: x.label for x in plan.criteria}
    for code, data, own, upper, final in r.ev.criteria:
        x = rows[code]
        assert (x["Tiêu chí"], x["Tự chấm"], x["Theo số liệu"], x["Cấp trên chấm"], x["Điểm được tính"]) == \
            (labels[code], own, data, upper, final)
    assert (rows["CL1.1"]["Tự chấm"], rows["CL1.1"]["Theo số liệu"], rows["CL1.1"]["Điểm được tính"]) == (99, 10, 10)
    assert (rows["CL1.4"]["Cấp trên chấm"], rows["CL1.4"]["Cấp chấm"], rows["CL1.4"]["Điểm được tính"]) == (6, "Cụm", 6)
    assert {x["Cấp chấm"] for k, x in rows.items() if k != "CL1.4"} == {None}
    # the totals row under the table: formulas, the cached value the total of the evaluation
    wb = load_workbook(notices[0], data_only=True)
    ws = wb["Thông báo"]
    c1, r1, c2, r2 = range_boundaries(ws.tables["tblNoticeScores"].ref)
    total = [ws.cell(r2 + 1, j).value for j in range(c1, c2 + 1)]
    assert total[0] == "Tổng" and total[-1] == pytest.approx(r.ev.total) and total[2] == pytest.approx(r.ev.max_total)
    assert load_workbook(notices[0])["Thông báo"].cell(r2 + 1, c2).value.startswith("=SUM(")
    text = _text(notices[0])
    assert f"Lý do xếp loại: {r.ev.reason}." in text
    rating = next(x for x in plan.ratings if x.code == r.rating)
    assert f"Xếp loại: {rating.name} ({rating.code})." in text
    assert f"Cụm chấm tiêu chí CL1.4 ({labels['CL1.4']}): 6 điểm, trước đó 10 điểm; ghi chú: {NOTE}" in text
    assert ws.protection.sheet


def test_a_share_cap_move_is_said_with_its_reason(case, plan, tmp_path):
    c, _, _, _ = case
    ratings = tuple(dataclasses.replace(x, cap=0.0) if x.code == "HTXSNV" else x for x in plan.ratings)
    capped = dataclasses.replace(plan, ratings=ratings)
    c2 = consolidate([case[1].parent / "nop_ve"], capped, PERIOD, ["C01"], check=True)
    r = c2.results["YT002"]
    assert r.rating != r.ev.rating
    text = _text(SB.write_notice(c2, "YT002", tmp_path / "tb.xlsx"))
    assert "Điều chỉnh theo tỷ lệ tối đa, từ Hoàn thành xuất sắc nhiệm vụ (HTXSNV) xuống" in text
    assert r.rating_reason in text


def test_without_a_deadline_or_days_in_the_plan_the_notice_says_the_upper_level_sets_it(case, plan, tmp_path):
    c, _, _, _ = case
    bare = dataclasses.replace(plan, info=dataclasses.replace(plan.info, resubmit_days=None))
    c2 = dataclasses.replace(c, plan=bare)
    assert SB.deadline(c2, "YT002") == (None, SB.NO_DEADLINE)
    assert SB.deadline(c2, "YT004") == (DEADLINE, "hạn do cụm đặt")        # the reviewer's date still counts
    text = _text(SB.write_notice(c2, "YT002", tmp_path / "tb.xlsx"))
    assert f"Hạn gửi lại: {SB.NO_DEADLINE}." in text
    assert {x.unit: x.deadline for x in SB.reminders(c2)}["YT002"] is None


def test_the_reminder_csv_has_a_bom_the_named_columns_and_the_plans_emails(case, plan):
    c, _, _, csv_path = case
    data = csv_path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0])[:7] == ["Mã đơn vị", "Tên đơn vị", "Cụm", "Email", "Lý do nhắc", "Nội dung", "Hạn"]
    by = {x["Mã đơn vị"]: x for x in rows}
    missing = [u.code for u in plan.active_units(plan.period(PERIOD)) if u.cluster == "C01"
               and u.code not in ("YT001", "YT002", "YT003", "YT004")]
    assert missing and set(by) == {"YT002", "YT003", "YT004", *missing}          # YT001: nothing to remind
    for code, x in by.items():
        u = plan.unit_by_code[code]
        assert (x["Tên đơn vị"], x["Cụm"], x["Email"]) == (u.name, u.cluster, u.email) and u.email
    assert all(by[code]["Lý do nhắc"] == SB.MISSING and "chưa nộp báo cáo" in by[code]["Nội dung"] for code in missing)
    assert by["YT003"]["Lý do nhắc"] == SB.LATE and "muộn 10 ngày" in by["YT003"]["Nội dung"]
    assert by["YT003"]["Hạn"] == ""
    assert by["YT004"]["Lý do nhắc"] == "Cần bổ sung" and REASON in by["YT004"]["Nội dung"]
    assert by["YT004"]["Hạn"] == "25/07/2026" and by["YT004"]["Tệp thông báo"] == "thong_bao_YT004_dot-1.xlsx"
    assert by["YT002"]["Lý do nhắc"] == SB.ERRORS and "3 lỗi" in by["YT002"]["Nội dung"]


def test_the_consolidation_workbook_has_the_reminder_table(case):
    c, out, _, csv_path = case
    rows = _table(out, SB.REMINDER_TABLE)
    with csv_path.open(encoding="utf-8-sig", newline="") as f:
        from_csv = list(csv.DictReader(f))
    assert [x["Mã đơn vị"] for x in rows] == [x["Mã đơn vị"] for x in from_csv]
    assert [x["Email"] for x in rows] == [x["Email"] for x in from_csv]
    assert list(rows[0]) == list(SB.CSV_COLUMNS)
    assert {x["Mã đơn vị"]: x["Hạn"] for x in rows}["YT004"] == datetime(2026, 7, 25)
    ws = load_workbook(out)[SB.REMINDER_SHEET]
    assert ws.protection.sheet and SB.REMINDER_TABLE in ws.tables


def test_units_reached_through_a_cluster_workbook_get_counts_and_where_to_see_the_details(case, plan, tmp_path):
    c, out, _, _ = case
    book = shutil.copy(out, tmp_path / out.name)
    ind = consolidate([book], plan, PERIOD, check=True)
    assert ind.results["YT002"].record.via and not ind.results["YT002"].record.findings
    assert ind.results["YT004"].state == "needs_more"
    assert SB.needs_notice(ind) == ["YT002", "YT004"]
    rows = _table(SB.write_notice(ind, "YT002", tmp_path / "tb.xlsx"), "tblNoticeItems")
    assert len(rows) == 1 and "3 lỗi và 1 cảnh báo" in rows[0]["Nội dung cần sửa, bổ sung"]
    assert out.name in rows[0]["Nội dung cần sửa, bổ sung"] and "Kiểm tra" in rows[0]["Nội dung cần sửa, bổ sung"]


def test_a_reminder_value_that_looks_like_a_formula_stays_text():
    row = SB.Reminder("YT9", "=HYPERLINK(\"x\")", "C01", "@a", "r", "n", None).csv_row()
    assert row[1] == "'=HYPERLINK(\"x\")" and row[3] == "'@a"


def test_libreoffice_prints_a_notice_on_a4_readably(case, tmp_path):
    if find_soffice() is None:
        pytest.fail("LibreOffice (soffice) không có trên máy: apt-get install libreoffice-calc-nogui")
    assert shutil.which("pdftotext"), "pdftotext (poppler-utils) is needed: apt-get install poppler-utils"
    _, _, notices, _ = case
    pdfs = convert(notices, tmp_path, "pdf")
    for src, pdf in pdfs.items():
        html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        pages = html.split("<page ")[1:]
        assert 1 <= len(pages) <= 3, (src.name, len(pages))
        words_all = []
        for p in pages:
            width, height = (float(x) for x in p.split('"')[1:4:2])
            assert (round(width), round(height)) == (595, 842)                   # A4 portrait
            words = [(float(a), float(b), float(c_), float(d), w) for a, b, c_, d, w in WORD.findall(p)]
            assert not overlaps(words), (src.name, overlaps(words)[:3])
            assert all(c_ <= width - 20 for _, _, c_, _, _ in words)            # nothing cut at the right
            words_all += words
        # 11 pt text printed at full size: words about 14 pt high (test_printing: 12 to 17)
        assert statistics.median(d - b for _, b, _, d, _ in words_all) > 12
        text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "THÔNG BÁO KẾT QUẢ KIỂM TRA" in text and "Hạn gửi lại" in text and "ĐIỂM THEO TIÊU CHÍ" in text
