"""The award sheets of a consolidation workbook: proposal lists (per cluster, in one table with a
cluster column), counts by title and level with the caps, the tallies in report form, and the
raw member rows that a roll-up from cluster workbooks reads back (tblMemberInputs).

Proposals made from a period that does not close the year are provisional ("dự kiến"): the
year's result decides; every title and line says so.
"""
from __future__ import annotations

from ..plan.schema import AWARD_LEVELS, TARGET_OF, label_of
from ..write.sheets import Book
from ..write.stream import StreamSheet
from ..write.tables import Col, TableSpec
from . import awards as AW
from . import contract as K

PROPOSALS_TABLE, COUNTS_TABLE, TALLY_TABLE = "tblProposals", "tblAwardCounts", "tblAwardTally"


def provisional(c) -> str:
    """" (DỰ KIẾN)" unless this is the year's result (consolidate.year): only that one is final."""
    return "" if c.period.is_year else " (DỰ KIẾN)"


def provisional_note(c) -> str:
    if c.period.is_year:
        return ""
    return (f"Danh sách dự kiến, lập từ số liệu {c.period.name}: đề nghị chính thức xét theo kết quả cả năm "
            "(tổng hợp cả năm: thidua consolidate --period ca-nam với biểu mẫu của mọi đợt).")


def proposals_spec() -> TableSpec:
    return TableSpec(PROPOSALS_TABLE, (
        Col("Cụm", "cluster", 7, "code"),
        Col("Mã đơn vị", "unit", 9, "code"),
        Col("Tên đơn vị", "unit_name", 24, "wrap"),
        Col("STT", "row", 5, "int"),
        Col("Họ và tên", lambda p: p.person or "(tập thể)", 22, "wrap"),
        Col("Khoa/phòng", "department", 16, "wrap"),
        Col("Danh hiệu", lambda p: p.title_name or p.title, 22, "wrap"),
        Col("Cấp khen", lambda p: label_of(AWARD_LEVELS, p.level) if p.level else "", 9, "wrap"),
        Col("Đăng ký đầu năm", "start", 16, "wrap"),
        Col("Đủ điều kiện", "eligible", 8, "text"),
        Col("Đề nghị", "proposed", 8, "bold"),
        Col("Lý do", "reason", 40, "wrap"),
    ))


def start_note(c) -> str:
    """What the 'Đăng ký đầu năm' column was compared with (registrations.load), or that it was not."""
    regs = getattr(c, "registrations", None)
    kinds = [x.code for x in c.plan.conditions if x.kind == "registered_at_start"]
    if regs is not None:
        return (f"Cột 'Đăng ký đầu năm': đối chiếu với danh sách đăng ký thi đua đầu năm '{regs.name}' (hạn nộp "
                f"{c.plan.info.registration_deadline:%d/%m/%Y}); 'Thêm sau hạn' là danh hiệu đơn vị thêm sau hạn, "
                "'Bỏ' là danh hiệu đã đăng ký nhưng không còn trong bản báo cáo, kèm ngày báo cáo (hoặc thời gian "
                "sửa tệp)." + (f" Điều kiện {', '.join(kinds)} (Đăng ký từ đầu năm) xét theo danh sách này."
                               if kinds else " Kế hoạch không đặt điều kiện đăng ký từ đầu năm: thay đổi chỉ để biết."))
    if kinds:
        return (f"Chưa đối chiếu danh sách đăng ký thi đua đầu năm nên điều kiện {', '.join(kinds)} (Đăng ký từ "
                "đầu năm) chưa được xét: hãy tổng hợp lại với tùy chọn --registrations (bảng tổng hợp đăng ký do "
                "lệnh 'thidua register consolidate' lập).")
    return ""


def counts_spec(plan) -> TableSpec:
    by_code = plan.title_by_code

    def cap(t):
        title = by_code[t.title]
        if title.cap is None:
            return ""
        base = f"đủ điều kiện {by_code[title.cap_base].name}" if title.cap_base else "người đăng ký"
        return f"không quá {title.cap:.0%} số {base} của mỗi đơn vị"

    return TableSpec(COUNTS_TABLE, (
        Col("Mã", "title", 9, "code"),
        Col("Danh hiệu", "title_name", 30, "wrap"),
        Col("Đối tượng", lambda t: label_of(TARGET_OF, t.target_of), 9, "text"),
        Col("Cấp khen", lambda t: label_of(AWARD_LEVELS, t.level), 9, "text"),
        Col("Đăng ký", "registered", 8, "int"),
        Col("Đủ điều kiện", "eligible", 8, "int"),
        Col("Vượt tỷ lệ", "over_cap", 8, "int"),
        Col("Đề nghị", "proposed", 8, "bold_int"),
        Col("Tỷ lệ tối đa", cap, 34, "wrap"),
    ))


TALLY_SPEC = TableSpec(TALLY_TABLE, (
    Col("Cấp khen", lambda t: t[0], 12, "text"),
    Col("Tập thể", lambda t: t[1], 9, "int"),
    Col("Cá nhân", lambda t: t[2], 9, "int"),
))


def write_award_sheets(b: Book, c) -> None:
    plan, props = c.plan, c.proposals
    ws = b.sheet("Đề nghị khen thưởng", StreamSheet)
    spec = proposals_spec()
    width, n = b.prepare(ws, spec)
    notes = [("title", f"DANH SÁCH XÉT ĐỀ NGHỊ KHEN THƯỞNG{provisional(c)} — {c.period.name.upper()}"),
             ("note", "Mỗi dòng một đăng ký danh hiệu: đủ điều kiện hay không và vì sao; danh hiệu có tỷ lệ tối đa "
                      "xét theo thứ tự danh sách của đơn vị. Điều kiện lấy từ kế hoạch (trang Điều kiện danh hiệu).")]
    if provisional_note(c):
        notes.insert(1, ("subtitle", provisional_note(c)))
    if start_note(c):
        notes.append(("note", start_note(c)))
    row = b.lines(ws, 0, notes, width, n) + 1
    placed = b.table(ws, spec, row, props, stream=True)
    ws.freeze_panes(placed.first, 3)
    b.page(ws, title="Đề nghị khen thưởng" + provisional(c).lower(), header_row=placed.header_row)

    ws = b.sheet("Tổng hợp khen thưởng")
    counts = counts_spec(plan)
    width, n = b.prepare(ws, counts, TALLY_SPEC)
    tally = AW.tally_by_level(props)
    notes = [("title", f"TỔNG HỢP ĐĂNG KÝ VÀ ĐỀ NGHỊ KHEN THƯỞNG{provisional(c)}"),
             ("text", "Đề nghị theo cấp khen" + (" (dự kiến)" if provisional(c) else "") + ": "
                      + (AW.tally_text(tally) or "chưa có"))]
    if provisional_note(c):
        notes.insert(1, ("subtitle", provisional_note(c)))
    row = b.lines(ws, 0, notes, width, n) + 1
    placed = b.table(ws, counts, row, AW.counts_by_title(plan, props))
    b.table(ws, TALLY_SPEC, placed.next_row + 1, tally)
    b.page(ws, title="Tổng hợp khen thưởng")


def write_member_inputs(b: Book, c) -> None:
    """Raw member rows of every submission, for lossless roll-ups (a machine sheet)."""
    from .workbook import MACHINE_NOTE
    ws = b.sheet("Dữ liệu gốc thành viên", StreamSheet)
    headers = K.member_headers()
    spec = TableSpec(K.MEMBERS_TABLE, tuple(Col(h, (lambda r, j=j: r[j]), 14, "raw") for j, h in enumerate(headers)))
    b.prepare(ws, spec)
    width, n = b.span(ws, 84)
    b.text(ws, 0, "title", "DANH SÁCH THÀNH VIÊN ĐĂNG KÝ CỦA TỪNG ĐƠN VỊ", width, n)
    b.text(ws, 1, "subtitle", "Đúng như đọc từ biểu mẫu, để tổng hợp cấp trên xét lại danh hiệu. " + MACHINE_NOTE,
           width, n)

    def rows():
        seen = set()
        for rec in c.records:        # two copies of one file (same SHA-256) carry the same rows once
            if (rec.unit, rec.sha256) not in seen:
                seen.add((rec.unit, rec.sha256))
                yield from K.member_rows(rec)

    placed = b.table(ws, spec, 3, rows(), stream=True)
    ws.freeze_panes(placed.first, 1)
    b.page(ws, title="Số liệu gốc thành viên", machine=True, last_row=1, n_printed=n)
