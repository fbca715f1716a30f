"""The award sheets of a consolidation workbook: proposal lists (per cluster, in one table with a
cluster column), counts by title and level with the caps, the tallies in report form, and the
raw member rows that a roll-up from cluster workbooks reads back (tblMemberInputs)."""
from __future__ import annotations

from ..plan.schema import AWARD_LEVELS, TARGET_OF, label_of
from ..write.stream import StreamSheet
from ..write.xlsx import setup_print
from . import awards as AW
from . import contract as K

PROPOSALS_TABLE, COUNTS_TABLE, TALLY_TABLE = "tblProposals", "tblAwardCounts", "tblAwardTally"


def write_award_sheets(wb, w, c, sheet_name) -> None:
    plan, props = c.plan, c.proposals
    ws = wb.add_worksheet(sheet_name("Đề nghị khen thưởng"), StreamSheet)
    w.columns(ws, [7, 9, 34, 5, 26, 18, 30, 10, 9, 9, 60])
    row = w.text_lines(ws, 0, [
        ("title", f"DANH SÁCH XÉT ĐỀ NGHỊ KHEN THƯỞNG — {c.period.name.upper()}"),
        ("subtitle", "Mỗi dòng một đăng ký danh hiệu: đủ điều kiện hay không và vì sao; danh hiệu có tỷ lệ tối đa "
                     "xét theo thứ tự danh sách của đơn vị. Điều kiện lấy từ kế hoạch (trang Điều kiện danh hiệu)."),
    ]) + 1
    rows = ([p.cluster, p.unit, p.unit_name, p.row, p.person or "(tập thể)", p.department, p.title_name or p.title,
             label_of(AWARD_LEVELS, p.level) if p.level else "", "Có" if p.eligible else "Không",
             "Có" if p.proposed else "Không", p.reason] for p in props)
    headers = ["Cụm", "Mã đơn vị", "Tên đơn vị", "STT", "Họ và tên", "Khoa/phòng", "Danh hiệu", "Cấp khen",
               "Đủ điều kiện", "Đề nghị", "Lý do"]
    w.table(ws, PROPOSALS_TABLE, row, 0, headers, rows,
            [w.cell, w.cell, w.wrap, w.int, w.wrap, w.wrap, w.wrap, w.cell, w.cell, w.bold, w.wrap], stream=True)
    ws.freeze_panes(row + 1, 3)
    setup_print(ws, landscape=True, header_row=row, title="Đề nghị khen thưởng")

    ws = wb.add_worksheet(sheet_name("Tổng hợp khen thưởng"))
    w.columns(ws, [12, 40, 10, 10, 12, 12, 12, 12, 50])
    tally = AW.tally_by_level(props)
    row = w.text_lines(ws, 0, [
        ("title", "TỔNG HỢP ĐĂNG KÝ VÀ ĐỀ NGHỊ KHEN THƯỞNG"),
        ("text", "Đề nghị theo cấp khen: " + (AW.tally_text(tally) or "chưa có")),
    ]) + 1
    counts = AW.counts_by_title(plan, props)
    by_code = plan.title_by_code
    rows = []
    for t in counts:
        title = by_code[t.title]
        cap = (f"không quá {title.cap:.0%} số "
               + (f"đủ điều kiện {by_code[title.cap_base].name}" if title.cap_base else "người đăng ký")
               + " của mỗi đơn vị") if title.cap is not None else ""
        rows.append([t.title, t.title_name, label_of(TARGET_OF, t.target_of), label_of(AWARD_LEVELS, t.level),
                     t.registered, t.eligible, t.over_cap, t.proposed, cap])
    row = w.table(ws, COUNTS_TABLE, row, 0, ["Mã", "Danh hiệu", "Đối tượng", "Cấp khen", "Đăng ký",
                                               "Đủ điều kiện", "Vượt tỷ lệ", "Đề nghị", "Tỷ lệ tối đa"],
                  rows, [w.cell, w.wrap, w.cell, w.cell, w.int, w.int, w.int, w.bold_int, w.wrap]) + 1
    w.table(ws, TALLY_TABLE, row, 0, ["Cấp khen", "Tập thể", "Cá nhân"],
            [[level, col, ind] for level, col, ind in tally], [w.cell, w.int, w.int])
    setup_print(ws, landscape=True, title="Tổng hợp khen thưởng")


def write_member_inputs(wb, w, c, sheet_name) -> None:
    """Raw member rows of every submission in the inputs table, for lossless roll-ups."""
    ws = wb.add_worksheet(sheet_name("Dữ liệu gốc thành viên"), StreamSheet)
    w.columns(ws, [10, 18, 6, 28, 20, 26, 10, 12, 11, 12, 12, 36])
    ws.write_string(0, 0, "DANH SÁCH THÀNH VIÊN ĐĂNG KÝ CỦA TỪNG ĐƠN VỊ (máy đọc được)", w.st.title)
    ws.write_string(1, 0, f"Đúng như đọc từ biểu mẫu; tổng hợp cấp trên đọc bảng '{K.MEMBERS_TABLE}' để xét lại "
                          "danh hiệu. Không sửa bảng này.", w.st.subtitle)

    def rows():
        seen = set()
        for rec in c.records:        # two copies of one file (same SHA-256) carry the same rows once
            if (rec.unit, rec.sha256) not in seen:
                seen.add((rec.unit, rec.sha256))
                yield from K.member_rows(rec)

    w.table(ws, K.MEMBERS_TABLE, 3, 0, K.member_headers(), rows(), stream=True)
    ws.freeze_panes(4, 1)
    setup_print(ws, landscape=True, header_row=3, title="Số liệu gốc thành viên")
