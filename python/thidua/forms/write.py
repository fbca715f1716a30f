"""Write one unit's form workbook (XlsxWriter) and issue a folder of them.

Identity and targets are locked; entry cells are unlocked, yellow, validated (classic data
validation only: openpyxl keeps it on round trips) with Vietnamese input messages; derived
cells are native formulas so the form works with no Python at all.

A form is a macro-enabled workbook (.xlsm): it carries the "Thi đua" ribbon tab and the VBA
project built from xl/ (thidua.xl.build), whose buttons run thidua.excel through xlwings.
"""
from __future__ import annotations

import io
import re
import unicodedata
from datetime import date, datetime
from pathlib import Path

from .. import __version__
from ..plan.embed import meta_entries
from ..plan.model import Period, Plan, Unit
from ..plan.semantics import NO, YES, target_verdict_excel
from ..write.xlsx import Styles, new_workbook, save_atomic, setup_print
from ..xl import build as excel
from .. import contract as C
from .layout import FormLayout, layout_for
from .registration import write_registration_sheets

HEADER_ROW = 3          # 0-based: title, unit line and a blank row sit above every table
FIRST = HEADER_ROW + 1  # first data row
COL = {h: i for i, h in enumerate(C.INDICATOR_COLUMNS)}
SCOL = {h: i for i, h in enumerate(C.SCORE_COLUMNS)}

GUIDE = [
    "HƯỚNG DẪN NHẬP BIỂU MẪU",
    "",
    "1. Ô màu vàng là ô cần nhập. Ô màu xanh lá là ô tự tính bằng công thức. Các ô khác đã khóa.",
    "2. Trang 'Thông tin': ghi người báo cáo, chức vụ, điện thoại và ngày báo cáo.",
    "3. Trang 'Chỉ tiêu': nhập số liệu vào cột 'Số liệu'. Số nhập theo kiểu Việt Nam: 1.234 là một nghìn hai trăm ba mươi tư, 1,5 là một phẩy năm.",
    "   Ô Có/Không: chọn trong danh sách. Ô ngày: nhập ngày/tháng/năm, ví dụ 15/03/2026. Số liệu lũy kế tính từ đầu năm.",
    "   Cột 'Đánh giá' tự hiện Đạt / Chưa đạt so với chỉ tiêu được giao ở cột 'Chỉ tiêu'.",
    "4. Trang 'Chấm điểm': ghi điểm tự chấm (không quá điểm chuẩn) và diễn giải, minh chứng cho từng tiêu chí. Cột 'Cấp trên chấm' để cấp trên ghi.",
    "5. Trang 'Sáng kiến': ghi mỗi sáng kiến được công nhận trên một dòng; gõ tiếp vào dòng ngay dưới bảng để bảng tự mở rộng.",
    "6. Không đổi tên các bảng, không xóa cột, không sửa ô đã khóa. Có thể đổi tên trang hoặc chèn dòng trống phía trên bảng.",
    "7. Lưu tệp với tên cũ và gửi về cụm/ngành đúng hạn. Không đặt mật khẩu mở tệp.",
    "8. Nếu máy đã cài chương trình thidua: bấm nút 'Kiểm tra' trên thẻ 'Thi đua' để xem các lỗi ngay trên từng ô.",
]


def slugify(text: str) -> str:
    """ASCII file-name part: "Bệnh viện Đa khoa" -> "benh-vien-da-khoa"."""
    text = text.replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:40]


FORM_SUFFIX = ".xlsm"


def form_filename(unit: Unit, period: Period, suffix: str = FORM_SUFFIX) -> str:
    """Sorts by cluster, then unit: C01_YT001_dot-1_benh-vien-da-khoa-tinh.xlsm"""
    return f"{unit.cluster}_{unit.code}_{period.code}_{slugify(unit.name)}{suffix}"


def write_form(plan: Plan, unit: Unit, period: Period, path: str | Path,
               issued_at: datetime | None = None) -> Path:
    return save_atomic(form_bytes(plan, unit, period, issued_at), path)


def form_bytes(plan: Plan, unit: Unit, period: Period, issued_at: datetime | None = None) -> bytes:
    layout = layout_for(plan, unit.kind)
    wb, buffer = new_workbook()
    st = Styles(wb)
    cluster = plan.cluster_by_code.get(unit.cluster)
    heading = f"{unit.name} — {cluster.name if cluster else unit.cluster}"
    _guide(wb, st, plan, period)
    _unit_sheet(wb, st, plan, unit, period, heading)
    _indicator_sheet(wb, st, layout, period, plan, heading)
    _score_sheet(wb, st, layout, heading)
    _initiative_sheet(wb, st, heading)
    write_registration_sheets(wb, st, plan, unit, heading, setup_print)
    issued_at = issued_at or datetime.now().replace(microsecond=0)
    _meta_sheet(wb, plan, unit, period, layout, issued_at)
    wb.set_properties({"created": issued_at})
    _add_vba_and_ribbon(wb)
    wb.close()
    return buffer.getvalue()


def _add_vba_and_ribbon(wb) -> None:
    """The form's VBA project (code names matching its modules) and the "Thi đua" tab."""
    sheets = wb.worksheets()
    wb.set_vba_name("ThisWorkbook")
    for ws, name in zip(sheets, excel.sheet_code_names(len(sheets))):
        ws.set_vba_name(name)
    wb.add_vba_project(io.BytesIO(excel.form_project(len(sheets))), is_stream=True)
    excel.attach_ribbon(wb, excel.ribbon_xml("bieu_mau"))


def _title(ws, st, title: str, heading: str) -> None:
    ws.write(0, 0, title, st.title)
    ws.write(1, 0, heading, st.subtitle)


def _guide(wb, st, plan: Plan, period: Period) -> None:
    ws = wb.add_worksheet(C.SHEETS["guide"])
    ws.set_column(0, 0, 125, st.text_plain)
    ws.write(0, 0, GUIDE[0], st.title)
    ws.write(1, 0, f"{plan.info.title} — {period.name} ({period.start:%d/%m/%Y} – {period.end:%d/%m/%Y}). "
                   f"Hạn nộp: {period.deadline:%d/%m/%Y}.", st.subtitle)
    for i, line in enumerate(GUIDE[1:], start=2):
        ws.write(i, 0, line, st.text_plain)
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    setup_print(ws, landscape=False, title="Hướng dẫn")


def _unit_sheet(wb, st, plan: Plan, unit: Unit, period: Period, heading: str) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.UNIT_TABLE])
    _title(ws, st, "THÔNG TIN ĐƠN VỊ BÁO CÁO", heading)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 28)
    ws.set_column(2, 2, 60)
    cluster = plan.cluster_by_code.get(unit.cluster)
    fixed = {
        "ma_don_vi": unit.code, "ten_don_vi": unit.name,
        "cum": f"{unit.cluster} — {cluster.name}" if cluster else unit.cluster,
        "loai_hinh": unit.kind_label, "dot": period.name,
        "tu_ngay": period.start, "den_ngay": period.end, "han_nop": period.deadline,
    }
    ws.add_table(HEADER_ROW, 0, HEADER_ROW + len(C.UNIT_ROWS), 2, {
        "name": C.UNIT_TABLE, "style": "Table Style Light 9",
        "columns": [{"header": h} for h in C.UNIT_COLUMNS]})
    for i, (code, label, is_input, typ) in enumerate(C.UNIT_ROWS):
        r = FIRST + i
        ws.write_string(r, 0, code, st.code)
        ws.write_string(r, 1, label, st.text)
        if not is_input:
            value = fixed[code]
            if isinstance(value, date):
                ws.write_datetime(r, 2, datetime(value.year, value.month, value.day), st.date)
            else:
                ws.write_string(r, 2, str(value), st.text)
        elif typ == "date":
            ws.write_blank(r, 2, None, st.input_date)
            ws.data_validation(r, 2, r, 2, {
                "validate": "date", "criteria": "between",
                "minimum": datetime(period.start.year, period.start.month, period.start.day),
                "maximum": datetime(period.deadline.year + 1, 12, 31),
                "input_title": "Ngày báo cáo", "input_message": "Ngày ký báo cáo, dạng ngày/tháng/năm.",
                "error_title": "Ngày không hợp lệ",
                "error_message": "Nhập ngày dạng ngày/tháng/năm, sau ngày bắt đầu đợt thi đua."})
        else:
            ws.write_blank(r, 2, None, st.input_text)
            ws.data_validation(r, 2, r, 2, {"validate": "any", "input_title": label,
                                             "input_message": f"Ghi {label.lower()}."})
    ws.freeze_panes(FIRST, 0)
    ws.protect("", C.ENTRY_SHEET_PROTECTION)
    setup_print(ws, landscape=False, header_row=HEADER_ROW, title="Thông tin đơn vị")


def _indicator_sheet(wb, st, layout: FormLayout, period: Period, plan: Plan, heading: str) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.INDICATOR_TABLE])
    _title(ws, st, f"BÁO CÁO SỐ LIỆU THI ĐUA — {period.name.upper()}", heading)
    widths = {C.CODE: 14, C.SECTION: 20, C.LABEL: 54, C.UNIT_OF_MEASURE: 10, C.TARGET_TEXT: 16,
              C.ENTRY: 16, C.VERDICT: 15, C.NOTE: 28}
    for h, j in COL.items():
        hidden = h in C.HIDDEN_INDICATOR_COLUMNS
        ws.set_column(j, j, widths.get(h, 10), None, {"hidden": hidden})
    rows = layout.indicators
    ws.add_table(HEADER_ROW, 0, HEADER_ROW + len(rows), len(C.INDICATOR_COLUMNS) - 1, {
        "name": C.INDICATOR_TABLE, "style": "Table Style Light 9",
        "columns": [{"header": h} for h in C.INDICATOR_COLUMNS]})
    row_of = {row.field.code: FIRST + i for i, row in enumerate(rows)}
    entry = COL[C.ENTRY]

    def cell(code: str, column: str = C.ENTRY) -> str:
        return f"{_letter(COL[column])}{row_of[code] + 1}"

    year_start = date(period.start.year, 1, 1)
    for i, row in enumerate(rows):
        r, f, t = FIRST + i, row.field, row.target
        ws.write_string(r, COL[C.CODE], f.code, st.code)
        ws.write_string(r, COL[C.SECTION], f.section, st.text)
        ws.write_string(r, COL[C.LABEL], f.label, st.text)
        ws.write_string(r, COL[C.UNIT_OF_MEASURE], f.unit_label or "", st.text)
        ws.write_string(r, COL[C.TARGET_TEXT], row.target_text, st.result)
        ws.write_string(r, COL[C.FIELD_TYPE], f.type, st.code)
        if t is not None:
            ws.write_string(r, COL[C.COMPARATOR], t.comparator, st.code)
            for col_name, v in ((C.TARGET_MIN, t.value), (C.TARGET_STRETCH, t.stretch)):
                if v is None:
                    ws.write_blank(r, COL[col_name], None, st.code)
                else:
                    ws.write_number(r, COL[col_name], v, st.number)
            ws.write_string(r, COL[C.TARGET_CODE], t.code, st.code)
            ws.write_formula(r, COL[C.VERDICT], target_verdict_excel(
                t.comparator, cell(f.code), cell(f.code, C.TARGET_MIN), cell(f.code, C.TARGET_STRETCH)),
                st.formula_text, "")
        else:
            for col_name in (C.COMPARATOR, C.TARGET_MIN, C.TARGET_STRETCH, C.TARGET_CODE):
                ws.write_blank(r, COL[col_name], None, st.code)
            ws.write_blank(r, COL[C.VERDICT], None, st.text)
        ws.write_blank(r, COL[C.NOTE], None, st.input_text)
        if row.formula is not None:
            fmt = st.formula_percent if f.unit_label == "%" else st.formula_number
            ws.write_formula(r, entry, row.formula.to_excel(lambda code: cell(code)), fmt, "")
            continue
        ws.write_blank(r, entry, None, _input_format(st, f.type))
        ws.data_validation(r, entry, r, entry, _validation(f, period, year_start))
    ws.freeze_panes(FIRST, 0)
    ws.protect("", C.ENTRY_SHEET_PROTECTION)
    setup_print(ws, landscape=True, header_row=HEADER_ROW, title="Số liệu thi đua")


def _input_format(st: Styles, typ: str):
    return {"number": st.input_number, "integer": st.input_integer, "percent": st.input_percent,
            "date": st.input_date, "yes_no": st.input_choice}.get(typ, st.input_text)


def _validation(f, period: Period, year_start: date) -> dict:
    title = f.label[:32]
    help_text = (f.help or "")[:255]
    lo = 0 if f.min is None else f.min
    if f.type in ("number", "integer", "percent"):
        whole = f.type == "integer"
        opts = {"validate": "integer" if whole else "decimal",
                "criteria": "between" if f.max is not None else ">=",
                "error_title": "Số liệu không hợp lệ",
                "error_message": (f"Nhập một số {'nguyên ' if whole else ''}không nhỏ hơn {lo:g}"
                                  + (f" và không lớn hơn {f.max:g}" if f.max is not None else "") + ".")}
        if f.max is not None:
            opts.update(minimum=lo, maximum=f.max)
        else:
            opts["value"] = lo
    elif f.type == "yes_no":
        opts = {"validate": "list", "source": [YES, NO], "error_title": "Chọn Có hoặc Không",
                "error_message": "Chỉ chọn Có hoặc Không trong danh sách."}
    elif f.type == "date":
        start = year_start if f.cumulative else period.start
        opts = {"validate": "date", "criteria": "between",
                "minimum": datetime(start.year, start.month, start.day),
                "maximum": datetime(period.end.year, period.end.month, period.end.day),
                "error_title": "Ngày ngoài kỳ báo cáo",
                "error_message": f"Nhập ngày dạng ngày/tháng/năm, từ {start:%d/%m/%Y} đến {period.end:%d/%m/%Y}."}
    else:
        opts = {"validate": "length", "criteria": "<=", "value": 500,
                "error_message": "Nội dung quá dài (tối đa 500 ký tự)."}
    opts.update(input_title=title, input_message=help_text or f.label[:255])
    return opts


def _score_sheet(wb, st, layout: FormLayout, heading: str) -> None:
    from ..plan.schema import METHODS, label_of

    ws = wb.add_worksheet(C.SHEETS[C.SCORE_TABLE])
    _title(ws, st, "BẢNG CHẤM ĐIỂM THI ĐUA", heading)
    widths = {C.CODE: 9, C.GROUP: 34, C.LABEL: 50, C.POINTS: 10, C.METHOD: 15,
              C.SELF_SCORE: 10, C.UPPER_SCORE: 11, C.EXPLANATION: 40}
    for h, j in SCOL.items():
        ws.set_column(j, j, widths[h])
    rows = layout.scores
    ws.add_table(HEADER_ROW, 0, HEADER_ROW + max(len(rows), 1), len(C.SCORE_COLUMNS) - 1, {
        "name": C.SCORE_TABLE, "style": "Table Style Light 9",
        "columns": [{"header": h} for h in C.SCORE_COLUMNS]})
    for i, row in enumerate(rows):
        r, c = FIRST + i, row.criterion
        ws.write_string(r, SCOL[C.CODE], c.code, st.code)
        ws.write_string(r, SCOL[C.GROUP], row.group_name, st.text)
        ws.write_string(r, SCOL[C.LABEL], c.label, st.text)
        ws.write_number(r, SCOL[C.POINTS], c.points, st.number)
        ws.write_string(r, SCOL[C.METHOD], label_of(METHODS, c.method), st.text)
        for col_name in (C.SELF_SCORE, C.UPPER_SCORE):
            j = SCOL[col_name]
            ws.write_blank(r, j, None, st.input_number)
            who = "CĐCS tự chấm" if col_name == C.SELF_SCORE else "Dành cho cấp trên chấm"
            ws.data_validation(r, j, r, j, {
                "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": c.points,
                "input_title": who[:32], "input_message": (c.help or "")[:255] or who,
                "error_title": "Điểm không hợp lệ",
                "error_message": f"Điểm từ 0 đến {c.points:g} (điểm chuẩn của tiêu chí)."})
        ws.write_blank(r, SCOL[C.EXPLANATION], None, st.input_text)
    ws.freeze_panes(FIRST, 0)
    ws.protect("", C.ENTRY_SHEET_PROTECTION)
    setup_print(ws, landscape=True, header_row=HEADER_ROW, title="Bảng chấm điểm")


def _initiative_sheet(wb, st, heading: str) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.INITIATIVE_TABLE])
    _title(ws, st, "DANH SÁCH SÁNG KIẾN ĐƯỢC CÔNG NHẬN", heading)
    for j, w in enumerate((6, 50, 26, 22, 22, 14, 20)):
        ws.set_column(j, j, w)
    n = C.INITIATIVE_BLANK_ROWS
    ws.add_table(HEADER_ROW, 0, HEADER_ROW + n, len(C.INITIATIVE_COLUMNS) - 1, {
        "name": C.INITIATIVE_TABLE, "style": "Table Style Light 9",
        "columns": [{"header": h} for h in C.INITIATIVE_COLUMNS]})
    for i in range(n):
        for j, h in enumerate(C.INITIATIVE_COLUMNS):
            ws.write_blank(FIRST + i, j, None, st.input_date if h == "Ngày công nhận" else st.input_text)
    ws.data_validation(FIRST, 5, FIRST + 500, 5, {
        "validate": "date", "criteria": ">=", "value": datetime(2000, 1, 1),
        "input_title": "Ngày công nhận", "input_message": "Dạng ngày/tháng/năm.",
        "error_message": "Nhập ngày dạng ngày/tháng/năm."})
    ws.data_validation(FIRST, 6, FIRST + 500, 6, {
        "validate": "list", "source": ["Cơ sở", "Ngành", "Tỉnh", "Toàn quốc"],
        "input_title": "Cấp công nhận", "input_message": "Chọn cấp công nhận sáng kiến."})
    ws.freeze_panes(FIRST, 0)
    setup_print(ws, landscape=True, header_row=HEADER_ROW, title="Sáng kiến")


def _meta_sheet(wb, plan: Plan, unit: Unit, period: Period, layout: FormLayout, issued_at: datetime) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.META_TABLE])
    meta = {
        "template_version": C.TEMPLATE_VERSION, "plan_id": plan.info.plan_id,
        "plan_version": str(plan.info.version), "plan_fingerprint": plan.fingerprint,
        "unit_code": unit.code, "unit_kind": unit.kind, "cluster_code": unit.cluster,
        "period_code": period.code, "issued_at": issued_at.isoformat(" "), "tool_version": __version__,
        "targets_digest": layout.digest(unit, plan),
    }
    meta.update(meta_entries(plan, unit.code))   # the unit's rules, for the buttons on a PC without the plan
    ws.add_table(0, 0, len(meta), 1, {"name": C.META_TABLE, "columns": [{"header": h} for h in C.META_COLUMNS]})
    for i, (key, value) in enumerate(meta.items(), start=1):
        ws.write_string(i, 0, key)
        ws.write_string(i, 1, value)
    ws.set_column(0, 1, 24)
    ws.protect("")
    ws.very_hidden()


def _letter(j: int) -> str:
    from ..read.workbook import column_letter
    return column_letter(j)


def issue_forms(plan: Plan, period_code: str, out_dir: str | Path,
                issued_at: datetime | None = None, progress=None) -> list[Path]:
    """One form per active unit into out_dir; returns the written paths (sorted).
    `progress(done, total)` after each form."""
    period = plan.period(period_code)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    issued_at = issued_at or datetime.now().replace(microsecond=0)
    units = plan.active_units(period)
    paths = []
    for u in units:
        paths.append(write_form(plan, u, period, out / form_filename(u, period), issued_at))
        if progress is not None:
            progress(len(paths), len(units))
    return sorted(paths)
