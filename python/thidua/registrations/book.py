"""The registration workbook a unit fills at the start of the year ("Bản đăng ký thi đua năm
<year>"): who is registering (tblUnitInfo), the collective titles and the pledges (tblRegistrations,
tblPledges) and the members with the titles each registers for (tblMembers) — the same Excel
Tables, headers and sheets as the period forms (forms.registration), so one reader reads both.

A plain .xlsx (no buttons: the registration has nothing to score), A4, Times New Roman, entry
cells yellow and validated, the rest locked; due by the plan's han_dang_ky. Issued with a random
token per unit recorded in the register beside the plan, like the period forms (register.py,
"period" `record.CODE`), so the returned workbooks are authenticated the same way.
"""
from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from .. import __version__
from .. import contract as C
from ..errors import ThiduaError
from ..forms.registration import write_registration_sheets
from ..forms.write import (Issued, add_table, fit_table_row, set_widths, sheet_heading, slugify, table_widths,
                           write_fixed, write_meta)
from ..plan.model import Period, Plan, Unit
from ..write.xlsx import (Styles, fit_row, input_message, input_title, new_workbook, save_atomic, setup_print)
from .record import CODE, DEADLINE_KEY, FORM_KIND, FORM_KIND_KEY

HEADER_ROW = 3
SUFFIX = ".xlsx"


def deadline_of(plan: Plan) -> date:
    """The plan's registration deadline; a ThiduaError naming the plan's sheet and key when missing."""
    d = plan.info.registration_deadline
    if d is None:
        raise ThiduaError(f"Kế hoạch chưa có hạn nộp bản đăng ký thi đua: thêm dòng khóa '{DEADLINE_KEY}' (ngày, ví "
                          f"dụ 31/01/{plan.info.year}) vào bảng ở trang 'Kế hoạch' của tệp kế hoạch, rồi chạy lại.")
    return d


def registration_period(plan: Plan) -> Period:
    """The registration as a period of its own (identity checks, the register, expected units)."""
    deadline = deadline_of(plan)
    return Period(CODE, f"Đăng ký thi đua năm {plan.info.year}", date(plan.info.year, 1, 1), deadline, deadline)


def expected_units(plan: Plan) -> list[Unit]:
    """Units that register: active, and founded by the deadline."""
    return plan.active_units(registration_period(plan))


def book_filename(plan: Plan, unit: Unit) -> str:
    """Sorts by cluster, then unit: C01_YT001_dang-ky-2026_benh-vien-da-khoa-tinh.xlsx"""
    return f"{unit.cluster}_{unit.code}_{CODE}-{plan.info.year}_{slugify(unit.name)}{SUFFIX}"


def _guide_items(plan: Plan, deadline: date) -> list[tuple[str, str]]:
    year = plan.info.year
    return [
        ("title", f"HƯỚNG DẪN LẬP BẢN ĐĂNG KÝ THI ĐUA NĂM {year}"),
        ("subtitle", f"{plan.info.title}. Hạn nộp bản đăng ký: {deadline:%d/%m/%Y}."),
        ("text", "1. Ô màu vàng nhạt là ô cần nhập; các ô khác đã khóa. Bấm vào một ô để xem hướng dẫn của ô đó."),
        ("text", "2. Trang “Thông tin”: ghi người lập bản đăng ký, chức vụ, điện thoại và ngày đăng ký (ngày/tháng/"
                 "năm). Ngày đăng ký là căn cứ xét đăng ký đúng hạn; để trống thì lấy thời gian sửa tệp."),
        ("text", "3. Trang “Đăng ký thi đua”, phần trên: chọn Có ở cột “Đăng ký” cho mỗi danh hiệu tập thể đơn vị "
                 "đăng ký. Phần dưới là giao ước thi đua: ghi mức đơn vị cam kết cho từng chỉ tiêu, bằng hoặc cao "
                 "hơn chỉ tiêu kế hoạch; để trống là nhận đúng chỉ tiêu kế hoạch."),
        ("text", "4. Trang “Thành viên đăng ký”: mỗi thành viên đăng ký một dòng: họ và tên, khoa/phòng, danh "
                 "hiệu đăng ký (chọn trong danh sách). Cần thêm dòng thì gõ tiếp ngay dưới danh sách."),
        ("text", "5. Chỉ danh hiệu đăng ký trong bản này, nộp đúng hạn, mới là đăng ký từ đầu năm. Danh hiệu thêm "
                 "sau hạn (ở biểu mẫu báo cáo đợt) được ghi nhận là thay đổi sau hạn; kế hoạch có thể quy định "
                 "không xét danh hiệu không đăng ký từ đầu năm."),
        ("text", f"6. Không thêm, xóa hay sửa tiêu đề cột và các ô đã khóa. Lưu tệp với tên cũ và gửi về cụm hoặc "
                 f"ngành trước {deadline:%d/%m/%Y}. Không đặt mật khẩu mở tệp."),
    ]


def _guide(wb, st, plan: Plan, deadline: date) -> None:
    ws = wb.add_worksheet(C.SHEETS["guide"])
    ws.set_column(0, 0, C.GUIDE_WIDTH)
    for row, (kind, text) in enumerate(_guide_items(plan, deadline)):
        fmt = {"title": st.title, "subtitle": st.subtitle_wrap}.get(kind, st.text_plain)
        ws.write_string(row, 0, text, fmt)
        if kind == "title":
            ws.set_row(row, 21)
        else:
            fit_row(ws, row, [(text, C.GUIDE_WIDTH, False)])
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    setup_print(ws, landscape=False, title="Hướng dẫn")


# tblUnitInfo of a registration workbook: the period form's codes, labels for the registration
_UNIT_ROWS = (("ma_don_vi", "Mã đơn vị"), ("ten_don_vi", "Tên công đoàn cơ sở"), ("cum", "Cụm thi đua"),
              ("loai_hinh", "Loại hình"), ("dot", "Nội dung"), ("han_nop", "Hạn nộp bản đăng ký"),
              ("nguoi_bao_cao", "Người lập bản đăng ký"), ("chuc_vu", "Chức vụ"), ("dien_thoai", "Điện thoại"),
              ("ngay_bao_cao", "Ngày đăng ký"))


def _unit_sheet(wb, st, plan: Plan, unit: Unit, period: Period, heading: str) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.UNIT_TABLE])
    widths = table_widths(C.UNIT_TABLE, [code for code, _ in _UNIT_ROWS])
    set_widths(ws, widths)
    sheet_heading(ws, st, f"BẢN ĐĂNG KÝ THI ĐUA NĂM {plan.info.year}", heading, widths)
    cluster = plan.cluster_by_code.get(unit.cluster)
    fixed = {"ma_don_vi": unit.code, "ten_don_vi": unit.name,
             "cum": f"{unit.cluster} — {cluster.name}" if cluster else unit.cluster,
             "loai_hinh": unit.kind_label, "dot": period.name, "han_nop": period.deadline}
    add_table(ws, st, HEADER_ROW, len(_UNIT_ROWS), C.UNIT_TABLE, widths)
    earliest = date(plan.info.year - 1, 12, 1)
    for i, (code, label) in enumerate(_UNIT_ROWS):
        r = HEADER_ROW + 1 + i
        ws.write_string(r, 0, code, st.code)
        ws.write_string(r, 1, label, st.text)
        shown = ""
        if code in fixed:
            shown = write_fixed(ws, st, r, 2, fixed[code])
        elif code == "ngay_bao_cao":
            ws.write_blank(r, 2, None, st.input_date)
            ws.data_validation(r, 2, r, 2, {
                "validate": "date", "criteria": "between",
                "minimum": datetime(earliest.year, earliest.month, earliest.day),
                "maximum": datetime(plan.info.year, 12, 31),
                "input_title": input_title(label),
                "input_message": input_message(label, "Ngày lập bản đăng ký, dạng ngày/tháng/năm; hạn nộp "
                                                      f"{period.deadline:%d/%m/%Y}."),
                "error_title": "Ngày không hợp lệ",
                "error_message": f"Nhập ngày dạng ngày/tháng/năm, từ {earliest:%d/%m/%Y} đến 31/12/{plan.info.year}."})
        else:
            ws.write_blank(r, 2, None, st.input_text)
            ws.data_validation(r, 2, r, 2, {"validate": "any", "input_title": input_title(label),
                                             "input_message": input_message(label, f"Ghi {label.lower()}.")})
        fit_table_row(ws, r, C.UNIT_TABLE, widths, {C.LABEL: label, C.VALUE: shown})
    ws.freeze_panes(HEADER_ROW + 1, 0)
    ws.protect("", C.ENTRY_SHEET_PROTECTION)
    setup_print(ws, landscape=False, header_row=HEADER_ROW, title="Thông tin đơn vị đăng ký")


def _meta_sheet(wb, plan: Plan, unit: Unit, period: Period, issued_at: datetime, token: str) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.META_TABLE])
    meta = {"template_version": C.TEMPLATE_VERSION, FORM_KIND_KEY: FORM_KIND, "plan_id": plan.info.plan_id,
            "plan_version": str(plan.info.version), "plan_fingerprint": plan.fingerprint, "unit_code": unit.code,
            "unit_kind": unit.kind, "cluster_code": unit.cluster, "period_code": period.code,
            DEADLINE_KEY: period.deadline.isoformat(), "issued_at": issued_at.isoformat(" "),
            "tool_version": __version__, "form_token": token}
    write_meta(ws, meta)


def book_bytes(plan: Plan, unit: Unit, issued_at: datetime | None = None, token: str = "") -> bytes:
    """One unit's registration workbook. `token`: drawn by the register ("" without one)."""
    period = registration_period(plan)
    issued_at = issued_at or datetime.now().replace(microsecond=0)
    wb, buffer = new_workbook()
    st = Styles(wb)
    cluster = plan.cluster_by_code.get(unit.cluster)
    heading = f"{unit.name} — {cluster.name if cluster else unit.cluster} — hạn nộp {period.deadline:%d/%m/%Y}"
    _guide(wb, st, plan, period.deadline)
    _unit_sheet(wb, st, plan, unit, period, heading)
    write_registration_sheets(wb, st, plan, unit, heading, setup_print, at_start=True)
    _meta_sheet(wb, plan, unit, period, issued_at, token)
    wb.set_properties({"title": f"Bản đăng ký thi đua năm {plan.info.year} — {unit.name}",
                       "author": plan.info.issuer, "created": issued_at})
    wb.close()
    return buffer.getvalue()


def issue_books(plan: Plan, out_dir: str | Path, issued_at: datetime | None = None, progress=None,
                register=None) -> list[Path]:
    """One registration workbook per unit expected to register, into out_dir (sorted paths). With a
    `register` (register.Register), each carries the token the register draws for it."""
    units = expected_units(plan)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    issued_at = issued_at or datetime.now().replace(microsecond=0)
    names = {u.code: book_filename(plan, u) for u in units}
    tokens = {} if register is None else register.issue(plan, CODE, units, files=names, issued_at=issued_at)
    paths = []
    for u in units:
        paths.append(save_atomic(book_bytes(plan, u, issued_at, tokens.get(u.code, "")), out / names[u.code]))
        if progress is not None:
            progress(len(paths), len(units))
    return sorted(paths)


def issue_registered_books(plan: Plan, plan_path: str | Path, out_dir: str | Path, issued_at: datetime | None = None,
                           progress=None) -> Issued:
    """Issue the registration workbooks with a token each, recorded in the register beside the plan
    (what was issued before stays valid), each cluster's pack beside the workbooks: as
    forms.write.issue_registered does for a period."""
    from .. import register as R
    deadline_of(plan)
    reg_path = R.register_path(plan_path)
    reg = R.load_or_new(reg_path, plan)
    paths = issue_books(plan, out_dir, issued_at, progress, register=reg)
    reg.save(reg_path)
    clusters = dict.fromkeys(u.cluster for u in expected_units(plan))
    packs = [reg.for_cluster(code).save(Path(out_dir) / R.pack_name(code)) for code in clusters]
    return Issued(paths, reg_path, packs)
