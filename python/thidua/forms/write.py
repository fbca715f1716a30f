"""Write one unit's form workbook (XlsxWriter) and issue a folder of them.

Identity and targets are locked; entry cells are unlocked, yellow, validated (classic data
validation only: openpyxl keeps it on round trips) with Vietnamese input messages; derived
cells are native formulas so the form works with no Python at all.

Every sheet prints on A4, one page wide: column widths come from the form contract
(contract.TABLE_LAYOUT), and every row whose wrapped text needs more than one line gets the
height it needs (LibreOffice and PDF export do not grow rows by themselves; see the width model
in write.xlsx).

A form is a macro-enabled workbook (.xlsm): it carries the "Thi đua" ribbon tab and the VBA
project built from xl/ (thidua.xl.build), whose buttons run thidua.excel through xlwings.
"""
from __future__ import annotations

import io
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .. import __version__
from ..plan.embed import meta_entries
from ..plan.model import Period, Plan, Unit
from ..plan.semantics import CHECK, MET_STRETCH, NO, NOT_MET, YES, target_verdict_excel
from ..values import format_number_vi, format_percent_vi
from ..write.xlsx import (COLUMN_PADDING, FONT, TABLE_STYLE, Styles, fit_row, input_message, input_title, new_workbook,
                          save_atomic, setup_print, text_lines, text_units, whole_numbers, write_header)
from ..xl import build as excel
from .. import contract as C
from .layout import FormLayout, layout_for
from .registration import write_registration_sheets

HEADER_ROW = 3          # 0-based: title, unit line and a blank row sit above every table
FIRST = HEADER_ROW + 1  # first data row
COL = {h: i for i, h in enumerate(C.INDICATOR_COLUMNS)}
SCOL = {h: i for i, h in enumerate(C.SCORE_COLUMNS)}
CODE_WIDTH_MAX = 26     # a code column widens to its longest code, up to this


# --- layout helpers (shared with forms.registration) -------------------------------------------
def table_widths(table: str, codes=()) -> list[float]:
    """The contract's column widths of `table`; its code column as wide as its longest code."""
    widths = list(C.TABLE_LAYOUT[table].widths)
    columns = C.TABLE_COLUMNS[table]
    if C.CODE in columns and codes:
        j = columns.index(C.CODE)
        longest = max(text_units(c) for c in codes)
        widths[j] = max(widths[j], min(CODE_WIDTH_MAX, round(longest + 1.5)))
    return widths


def set_widths(ws, widths, hidden=()) -> None:
    for j, w in enumerate(widths):
        ws.set_column(j, j, w, None, {"hidden": True} if j in hidden else None)


def add_table(ws, st, top: int, rows: int, table: str, widths, hidden=()) -> None:
    """An Excel Table of the contract's columns with bold, centred, wrapped headers, the header
    row as high as its longest (printed) header needs."""
    headers = C.TABLE_COLUMNS[table]
    ws.add_table(top, 0, top + max(rows, 1), len(headers) - 1, {
        "name": table, "style": TABLE_STYLE,
        "columns": [{"header": h, "header_format": st.header} for h in headers]})
    write_header(ws, top, 0, headers, list(widths), st.header,
                 fitted=[j for j in range(len(headers)) if j not in hidden])


def fit_table_row(ws, row: int, table: str, widths, values: dict, bold=()) -> int:
    """Height of one table row from the text of its wrapping columns (contract.TABLE_LAYOUT)."""
    columns = C.TABLE_COLUMNS[table]
    return fit_row(ws, row, [(values[h], widths[columns.index(h)], h in bold)
                             for h in C.TABLE_LAYOUT[table].wrap if values.get(h)])


def text_line(ws, st, row: int, text: str, widths, fmt=None) -> None:
    """A line of text above a table: overflows to the right when it fits the printed width of the
    table, else wraps across the table's columns with the height it needs."""
    fmt = fmt or st.subtitle
    across = sum(widths) + COLUMN_PADDING * (len(widths) - 1)
    if len(widths) > 1 and text_lines(text, across) > 1:
        ws.merge_range(row, 0, row, len(widths) - 1, text, st.subtitle_wrap)
        fit_row(ws, row, [(text, across, False)])
    else:
        ws.write(row, 0, text, fmt)


def sheet_heading(ws, st, title: str, heading: str, widths, note: str | None = None) -> None:
    """Title, the unit's line and an optional note above a table (rows 0, 1 and 2)."""
    ws.write(0, 0, title, st.title)
    text_line(ws, st, 1, heading, widths)
    if note:
        text_line(ws, st, 2, note, widths)


def number_text(x, unit_label: str | None = None) -> str:
    """A limit as a person reads it: 1.000.000.000, 2,5; 95% for a rate."""
    if unit_label == "%":
        return format_percent_vi(x, 0 if abs(x * 100 - round(x * 100)) < 1e-9 else 1)
    return format_number_vi(x, 0 if float(x).is_integer() else 2)


def range_message(whole: bool, lo, hi, unit_label: str | None = None, percent: bool = False) -> str:
    """"Nhập số nguyên từ 0 đến 12 (tháng).", "Nhập tỷ lệ 0–100%." …"""
    if percent:
        if hi is None:
            return f"Nhập tỷ lệ từ {number_text(lo, '%')} trở lên, ví dụ 95%."
        return f"Nhập tỷ lệ {number_text(lo, '%').rstrip('%')}–{number_text(hi, '%')}."
    what = "số nguyên" if whole else "số"
    unit = f" ({unit_label})" if unit_label and unit_label != "%" else ""
    if hi is None:
        return f"Nhập {what} từ {number_text(lo)} trở lên{unit}."
    return f"Nhập {what} từ {number_text(lo)} đến {number_text(hi)}{unit}."


# --- the guide -------------------------------------------------------------------------------
def guide_items(plan: Plan, period: Period) -> list[tuple[str, str]]:
    """The guide sheet, as (kind, text): kind is title, subtitle, heading, text, or a severity
    (the line explaining that colour of the Kiểm tra marks, filled with it)."""
    from ..catalogue import SEVERITIES, severity_lines

    capped = [t.name for t in plan.titles if t.target_of == "individual" and t.cap]
    cap_note = (f" (trong kế hoạch này: {', '.join(capped)})" if capped else "")
    return [
        ("title", "HƯỚNG DẪN NHẬP BIỂU MẪU"),
        ("subtitle", f"{plan.info.title} — {period.name} ({period.start:%d/%m/%Y} – {period.end:%d/%m/%Y}). "
                     f"Hạn nộp: {period.deadline:%d/%m/%Y}."),
        ("heading", "Cách nhập"),
        ("text", "1. Ô màu vàng nhạt là ô cần nhập. Ô màu xanh lá nhạt tự tính, không cần nhập. Ô màu xám để "
                 "cấp trên chấm, đơn vị không điền. Các ô khác đã khóa để giữ nguyên thông tin ngành đã ghi sẵn."),
        ("text", "2. Số viết theo kiểu Việt Nam: 1.234 là một nghìn hai trăm ba mươi tư, 1,5 là một phẩy năm. "
                 "Tỷ lệ ghi kèm dấu %, ví dụ 95%. Ngày ghi ngày/tháng/năm, ví dụ 15/03/2026. "
                 "Ô Có/Không: chọn trong danh sách."),
        ("text", "3. Bấm vào một ô cần nhập để xem hướng dẫn của ô đó. Nhập sai kiểu hoặc quá giới hạn thì "
                 "Excel báo ngay và nói rõ giới hạn cho phép."),
        ("heading", "Từng trang"),
        ("text", "4. Trang “Thông tin”: ghi người báo cáo, chức vụ, điện thoại và ngày báo cáo. Tên đơn vị, "
                 "cụm thi đua, đợt thi đua và hạn nộp đã ghi sẵn."),
        ("text", "5. Trang “Chỉ tiêu”: nhập số liệu của đơn vị vào cột “Số liệu”; số liệu lũy kế tính "
                 "từ đầu năm. Cột “Chỉ tiêu” là mức đơn vị được giao; cột “Đánh giá” tự hiện "
                 "Đạt hoặc Chưa đạt. Các tỷ lệ tự tính từ số liệu đã nhập."),
        ("text", "6. Trang “Chấm điểm”: ghi điểm tự chấm của từng tiêu chí (từ 0 đến điểm chuẩn) và "
                 "diễn giải, minh chứng. Cột “Cấp trên chấm” (màu xám, đã khóa) do cấp trên (cụm, ngành) chấm "
                 "khi tổng kết cuối năm: đơn vị không điền; điểm ghi ở cột này trong biểu mẫu đơn vị gửi về "
                 "không được tính."),
        ("text", "7. Trang “Sáng kiến”: mỗi sáng kiến được công nhận ghi một dòng. Cần thêm dòng thì gõ "
                 "tiếp vào dòng ngay dưới danh sách, danh sách tự dài thêm."),
        ("text", "8. Trang “Đăng ký thi đua”, phần trên: các danh hiệu tập thể đơn vị đăng ký, chọn Có ở "
                 "cột “Đăng ký”. Phần dưới là giao ước thi đua: ở cột “Cam kết của đơn vị” ghi mức "
                 "đơn vị cam kết đạt cho từng chỉ tiêu, bằng hoặc cao hơn chỉ tiêu kế hoạch; để trống là nhận "
                 "đúng chỉ tiêu kế hoạch."),
        ("text", "9. Trang “Thành viên đăng ký”: ghi mỗi thành viên của tập thể một dòng: họ và tên, "
                 "khoa/phòng, danh hiệu đăng ký, số ngày nghỉ (trong đó số ngày nghỉ thai sản), số tháng công "
                 "tác, hình thức kỷ luật nếu có, sáng kiến được công nhận. Khi một danh hiệu chỉ được đề nghị "
                 f"trong một tỷ lệ nhất định{cap_note}, người ghi ở dòng trên được ưu tiên trước: hãy xếp "
                 "các dòng theo thứ tự ưu tiên của đơn vị."),
        ("heading", "Kiểm tra trước khi gửi"),
        ("text", "10. Trang “Tự kiểm tra” tự tính ngay khi nhập, không cần cài chương trình: số lỗi, cảnh báo, "
                 "thông tin và các vấn đề đầu tiên (trang, ô, cách sửa), tổng điểm và xếp loại dự kiến, danh hiệu "
                 "tập thể và danh hiệu của từng thành viên đủ hay chưa đủ điều kiện. Ô có vấn đề tự tô màu. Ô số "
                 "liệu nhập kèm chữ (ví dụ “12 người”) thì trang này báo “Cần bấm Kiểm tra”: hãy nhập chỉ con số."),
        ("text", "11. Nếu máy đã cài chương trình Thi đua: bấm nút “Kiểm tra” trên thẻ “Thi đua”. "
                 "Ô cần xem lại được tô màu và có ghi chú giải thích; danh sách đầy đủ ở trang “Kết quả "
                 "kiểm tra”. Ý nghĩa các màu:"),
        *zip(SEVERITIES, severity_lines()),                    # from the catalogue
        ("text", "Nút “Xóa đánh dấu” bỏ các màu và ghi chú đó, số liệu giữ nguyên. Nút “Chấm "
                 "điểm” tính điểm và xếp loại dự kiến. Không có chương trình, biểu mẫu vẫn nhập, tự tính "
                 "và gửi được như thường."),
        ("heading", "Gửi báo cáo"),
        ("text", "12. Không thêm hay xóa cột, không sửa tiêu đề cột và các ô đã khóa. Có thể đổi tên trang hoặc "
                 "chèn dòng trống phía trên các danh sách."),
        ("text", "13. Lưu tệp với tên cũ và gửi về cụm hoặc ngành trước hạn nộp. Không đặt mật khẩu mở tệp."),
    ]


def _guide(wb, st, plan: Plan, period: Period) -> None:
    from ..catalogue import SEVERITIES

    ws = wb.add_worksheet(C.SHEETS["guide"])
    ws.set_column(0, 0, C.GUIDE_WIDTH)
    marks = {sev: wb.add_format({"font_name": FONT, "font_size": 12, "text_wrap": True, "border": 1,
                                 "valign": "vcenter", "bg_color": sev.fill, "font_scheme": "none",
                                 "indent": 1})
             for sev in SEVERITIES}
    for row, (kind, text) in enumerate(guide_items(plan, period)):
        fmt = {"title": st.title, "subtitle": st.subtitle_wrap, "heading": st.heading}.get(kind) \
            or marks.get(kind) or st.text_plain
        ws.write_string(row, 0, text, fmt)
        if kind in ("title", "heading"):
            ws.set_row(row, 21 if kind == "title" else 20)
        else:
            fit_row(ws, row, [(text, C.GUIDE_WIDTH - (2 if kind in marks else 0), False)])
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
    setup_print(ws, landscape=False, title="Hướng dẫn")



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
               issued_at: datetime | None = None, token: str = "", start=None) -> Path:
    return save_atomic(form_bytes(plan, unit, period, issued_at, token, start), path)


def form_bytes(plan: Plan, unit: Unit, period: Period, issued_at: datetime | None = None, token: str = "",
               start=None) -> bytes:
    """One unit's form. `token`: the form's random token from the register (register.Register.issue),
    written in the hidden meta table ("form_token"); "" for a form issued without a register.
    `start` (registrations.record.StartRecord): the unit's registration at the start of the year; the
    registration sheets come pre-filled with it and the meta carries it (what changes is then seen)."""
    from .selfcheck import FormulaSheet
    layout = layout_for(plan, unit.kind)
    wb, buffer = new_workbook()
    wb.worksheet_class = FormulaSheet        # formulas as written: no Excel 365 functions to prefix
    st = Styles(wb)
    cluster = plan.cluster_by_code.get(unit.cluster)
    heading = f"{unit.name} — {cluster.name if cluster else unit.cluster}"
    _guide(wb, st, plan, period)
    _unit_sheet(wb, st, plan, unit, period, heading)
    _indicator_sheet(wb, st, layout, period, plan, heading)
    _score_sheet(wb, st, layout, heading)
    _initiative_sheet(wb, st, heading)
    write_registration_sheets(wb, st, plan, unit, heading, setup_print, start)
    _selfcheck(wb, st, plan, unit, period, layout, heading, start)
    issued_at = issued_at or datetime.now().replace(microsecond=0)
    _meta_sheet(wb, plan, unit, period, layout, issued_at, token, start)
    wb.set_properties({"created": issued_at})
    _add_vba_and_ribbon(wb)
    wb.close()
    return buffer.getvalue()


def _selfcheck(wb, st, plan: Plan, unit: Unit, period: Period, layout: FormLayout, heading: str, start) -> None:
    """The "Tự kiểm tra" sheet and its hidden calculations: the plan's rules as live formulas."""
    from .selfcheck import CALC_SHEET, RECORD_SHEET, SHEET, CalcSheet, write_selfcheck
    entry = {ws.name: ws for ws in wb.worksheets()}
    ws, calc = wb.add_worksheet(SHEET), wb.add_worksheet(CALC_SHEET, CalcSheet)
    record = wb.add_worksheet(RECORD_SHEET) if start is not None else None
    write_selfcheck(wb, st, ws, calc, entry, plan, unit, period, layout, heading, start, record)


def _add_vba_and_ribbon(wb) -> None:
    """The form's VBA project (code names matching its modules) and the "Thi đua" tab."""
    sheets = wb.worksheets()
    wb.set_vba_name("ThisWorkbook")
    for ws, name in zip(sheets, excel.sheet_code_names(len(sheets))):
        ws.set_vba_name(name)
    wb.add_vba_project(io.BytesIO(excel.form_project(len(sheets))), is_stream=True)
    excel.attach_ribbon(wb, excel.ribbon_xml("bieu_mau"))


def write_fixed(ws, st, r: int, c: int, value) -> str:
    """An issued identity value (locked): a date as a date, anything else as text; the text shown."""
    if isinstance(value, date):
        ws.write_datetime(r, c, datetime(value.year, value.month, value.day), st.date)
        return ""
    ws.write_string(r, c, str(value), st.text)
    return str(value)


def _unit_sheet(wb, st, plan: Plan, unit: Unit, period: Period, heading: str) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.UNIT_TABLE])
    widths = table_widths(C.UNIT_TABLE, [code for code, *_ in C.UNIT_ROWS])
    set_widths(ws, widths)
    sheet_heading(ws, st, "THÔNG TIN ĐƠN VỊ BÁO CÁO", heading, widths)
    cluster = plan.cluster_by_code.get(unit.cluster)
    fixed = {
        "ma_don_vi": unit.code, "ten_don_vi": unit.name,
        "cum": f"{unit.cluster} — {cluster.name}" if cluster else unit.cluster,
        "loai_hinh": unit.kind_label, "dot": period.name,
        "tu_ngay": period.start, "den_ngay": period.end, "han_nop": period.deadline,
    }
    add_table(ws, st, HEADER_ROW, len(C.UNIT_ROWS), C.UNIT_TABLE, widths)
    for i, (code, label, is_input, typ) in enumerate(C.UNIT_ROWS):
        r = FIRST + i
        ws.write_string(r, 0, code, st.code)
        ws.write_string(r, 1, label, st.text)
        shown = ""
        if not is_input:
            shown = write_fixed(ws, st, r, 2, fixed[code])
        elif typ == "date":
            ws.write_blank(r, 2, None, st.input_date)
            ws.data_validation(r, 2, r, 2, {
                "validate": "date", "criteria": "between",
                "minimum": datetime(period.start.year, period.start.month, period.start.day),
                "maximum": datetime(period.deadline.year + 1, 12, 31),
                "input_title": input_title(label),
                "input_message": input_message(label, "Ngày ký báo cáo, dạng ngày/tháng/năm."),
                "error_title": "Ngày không hợp lệ",
                "error_message": f"Nhập ngày dạng ngày/tháng/năm, từ {period.start:%d/%m/%Y} "
                                 f"đến 31/12/{period.deadline.year + 1}."})
        else:
            ws.write_blank(r, 2, None, st.input_text)
            ws.data_validation(r, 2, r, 2, {"validate": "any", "input_title": input_title(label),
                                             "input_message": input_message(label, f"Ghi {label.lower()}.")})
        fit_table_row(ws, r, C.UNIT_TABLE, widths, {C.LABEL: label, C.VALUE: shown})
    ws.freeze_panes(FIRST, 0)
    ws.protect("", C.ENTRY_SHEET_PROTECTION)
    setup_print(ws, landscape=False, header_row=HEADER_ROW, title="Thông tin đơn vị")


def _indicator_sheet(wb, st, layout: FormLayout, period: Period, plan: Plan, heading: str) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.INDICATOR_TABLE])
    rows = layout.indicators
    widths = table_widths(C.INDICATOR_TABLE, [row.field.code for row in rows])
    hidden = {COL[h] for h in C.HIDDEN_INDICATOR_COLUMNS}
    shown = [w for j, w in enumerate(widths) if j not in hidden]
    set_widths(ws, widths, hidden)
    sheet_heading(ws, st, f"BÁO CÁO SỐ LIỆU THI ĐUA — {period.name.upper()}", heading, shown)
    add_table(ws, st, HEADER_ROW, len(rows), C.INDICATOR_TABLE, widths, hidden)
    row_of = {row.field.code: FIRST + i for i, row in enumerate(rows)}
    entry = COL[C.ENTRY]
    decimals = []          # cells in a decimal format: whole numbers show without a separator

    def cell(code: str, column: str = C.ENTRY) -> str:
        return f"{_letter(COL[column])}{row_of[code] + 1}"

    year_start = date(period.start.year, 1, 1)
    # a verdict cell has room for the longest verdict it may show
    verdict_room = max((MET_STRETCH, CHECK, NOT_MET), key=lambda v: text_lines(v, widths[COL[C.VERDICT]]))
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
                    ws.write_number(r, COL[col_name], v, st.number_for(v))
            ws.write_string(r, COL[C.TARGET_CODE], t.code, st.code)
            ws.write_formula(r, COL[C.VERDICT], target_verdict_excel(
                t.comparator, cell(f.code), cell(f.code, C.TARGET_MIN), cell(f.code, C.TARGET_STRETCH)),
                st.formula_text, "")
        else:
            for col_name in (C.COMPARATOR, C.TARGET_MIN, C.TARGET_STRETCH, C.TARGET_CODE):
                ws.write_blank(r, COL[col_name], None, st.code)
            ws.write_blank(r, COL[C.VERDICT], None, st.text)
        ws.write_blank(r, COL[C.NOTE], None, st.input_text)
        fit_table_row(ws, r, C.INDICATOR_TABLE, widths,
                      {C.SECTION: f.section, C.LABEL: f.label, C.UNIT_OF_MEASURE: f.unit_label,
                       C.TARGET_TEXT: row.target_text, C.VERDICT: verdict_room if t else ""},
                      bold={C.TARGET_TEXT})
        if row.formula is not None:
            pct = f.unit_label == "%"
            ws.write_formula(r, entry, row.formula.to_excel(lambda code: cell(code)),
                             st.formula_percent if pct else st.formula_number, "")
            if not pct:
                decimals.append((r, entry))
            continue
        ws.write_blank(r, entry, None, _input_format(st, f.type))
        if f.type == "number":
            decimals.append((r, entry))
        ws.data_validation(r, entry, r, entry, _validation(f, period, year_start))
    whole_numbers(ws, st, decimals)
    ws.freeze_panes(FIRST, 0)
    ws.protect("", C.ENTRY_SHEET_PROTECTION)
    setup_print(ws, landscape=True, header_row=HEADER_ROW, title="Số liệu thi đua",
                columns=min(hidden), rows=FIRST + len(rows))


def _input_format(st: Styles, typ: str):
    return {"number": st.input_number, "integer": st.input_integer, "percent": st.input_percent,
            "date": st.input_date, "yes_no": st.input_choice}.get(typ, st.input_text)


def _validation(f, period: Period, year_start: date) -> dict:
    lo = 0 if f.min is None else f.min
    if f.type in ("number", "integer", "percent"):
        whole = f.type == "integer"
        opts = {"validate": "integer" if whole else "decimal",
                "criteria": "between" if f.max is not None else ">=",
                "error_title": "Số liệu không hợp lệ",
                "error_message": range_message(whole, lo, f.max, f.unit_label, percent=f.type == "percent")}
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
    opts.update(input_title=input_title(f.label), input_message=input_message(f.label, f.help))
    return opts


UPPER_SCORE_NOTE = (f"Cột “{C.UPPER_SCORE}” (ô màu xám) do cấp trên (cụm, ngành) chấm khi tổng kết cuối năm, "
                    "không phải đơn vị: đơn vị chỉ ghi điểm tự chấm và diễn giải.")


def _score_sheet(wb, st, layout: FormLayout, heading: str) -> None:
    from ..plan.schema import METHODS, label_of

    ws = wb.add_worksheet(C.SHEETS[C.SCORE_TABLE])
    rows = layout.scores
    widths = table_widths(C.SCORE_TABLE, [row.criterion.code for row in rows])
    set_widths(ws, widths)
    sheet_heading(ws, st, "BẢNG CHẤM ĐIỂM THI ĐUA", heading, widths, UPPER_SCORE_NOTE)
    add_table(ws, st, HEADER_ROW, len(rows), C.SCORE_TABLE, widths)
    decimals = []
    for i, row in enumerate(rows):
        r, c = FIRST + i, row.criterion
        method = label_of(METHODS, c.method)
        ws.write_string(r, SCOL[C.CODE], c.code, st.code)
        ws.write_string(r, SCOL[C.GROUP], row.group_name, st.text)
        ws.write_string(r, SCOL[C.LABEL], c.label, st.text)
        ws.write_number(r, SCOL[C.POINTS], c.points, st.number_for(c.points))
        ws.write_string(r, SCOL[C.METHOD], method, st.text)
        j = SCOL[C.SELF_SCORE]
        ws.write_blank(r, j, None, st.input_number)
        decimals.append((r, j))
        who = "CĐCS tự chấm"
        ws.data_validation(r, j, r, j, {
            "validate": "decimal", "criteria": "between", "minimum": 0, "maximum": c.points,
            "input_title": input_title(who),
            "input_message": input_message(c.label, f"{who}, từ 0 đến {number_text(c.points)} điểm. "
                                                    f"{c.help or ''}"),
            "error_title": "Điểm không hợp lệ",
            "error_message": f"Điểm từ 0 đến {number_text(c.points)} (điểm chuẩn của tiêu chí)."})
        j = SCOL[C.UPPER_SCORE]            # the upper level's: locked, grey, a message only
        ws.write_blank(r, j, None, st.upper_number)
        decimals.append((r, j))            # shows 90 and 97,5 alike once the upper level fills it
        ws.data_validation(r, j, r, j, {"validate": "any", "input_title": C.UPPER_SCORE,
                                         "input_message": C.UPPER_SCORE_PROMPT})
        ws.write_blank(r, SCOL[C.EXPLANATION], None, st.input_text)
        fit_table_row(ws, r, C.SCORE_TABLE, widths, {C.GROUP: row.group_name, C.LABEL: c.label, C.METHOD: method})
    whole_numbers(ws, st, decimals)
    ws.freeze_panes(FIRST, 0)
    ws.protect("", C.ENTRY_SHEET_PROTECTION)
    setup_print(ws, landscape=True, header_row=HEADER_ROW, title="Bảng chấm điểm")


def _initiative_sheet(wb, st, heading: str) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.INITIATIVE_TABLE])
    widths = table_widths(C.INITIATIVE_TABLE)
    set_widths(ws, widths)
    sheet_heading(ws, st, "DANH SÁCH SÁNG KIẾN ĐƯỢC CÔNG NHẬN", heading, widths)
    n = C.INITIATIVE_BLANK_ROWS
    add_table(ws, st, HEADER_ROW, n, C.INITIATIVE_TABLE, widths)
    for i in range(n):
        for j, h in enumerate(C.INITIATIVE_COLUMNS):
            ws.write_blank(FIRST + i, j, None, st.input_date if h == "Ngày công nhận" else st.input_text)
    ws.data_validation(FIRST, 5, FIRST + 500, 5, {
        "validate": "date", "criteria": ">=", "value": datetime(2000, 1, 1),
        "input_title": "Ngày công nhận", "input_message": "Ngày công nhận sáng kiến, dạng ngày/tháng/năm.",
        "error_message": "Nhập ngày dạng ngày/tháng/năm, từ 01/01/2000 trở về sau."})
    ws.data_validation(FIRST, 6, FIRST + 500, 6, {
        "validate": "list", "source": ["Cơ sở", "Ngành", "Tỉnh", "Toàn quốc"],
        "input_title": "Cấp công nhận", "input_message": "Cấp công nhận sáng kiến: chọn trong danh sách."})
    ws.freeze_panes(FIRST, 0)
    setup_print(ws, landscape=True, header_row=HEADER_ROW, title="Sáng kiến")


def _meta_sheet(wb, plan: Plan, unit: Unit, period: Period, layout: FormLayout, issued_at: datetime,
                token: str = "", start=None) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.META_TABLE])
    meta = {
        "template_version": C.TEMPLATE_VERSION, "plan_id": plan.info.plan_id,
        "plan_version": str(plan.info.version), "plan_fingerprint": plan.fingerprint,
        "unit_code": unit.code, "unit_kind": unit.kind, "cluster_code": unit.cluster,
        "period_code": period.code, "issued_at": issued_at.isoformat(" "), "tool_version": __version__,
        "targets_digest": layout.digest(unit, plan), "form_token": token,
    }
    meta.update(meta_entries(plan, unit.code))   # the unit's rules, for the buttons on a PC without the plan
    if start is not None:                         # its registration at the start of the year, likewise
        from ..registrations.record import meta_entries as start_entries
        meta.update(start_entries(start))
    write_meta(ws, meta)


def write_meta(ws, meta: dict[str, str]) -> None:
    """The hidden, protected key/value table a reader identifies the workbook by (tblMeta)."""
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
                issued_at: datetime | None = None, progress=None, register=None, registrations=None) -> list[Path]:
    """One form per active unit into out_dir; returns the written paths (sorted).
    `progress(done, total)` after each form. With a `register` (register.Register), each form
    carries the random token the register draws for it (the caller saves the register); without
    one, forms carry no token. With `registrations` (registrations.load.Registrations), each form
    comes pre-filled with its unit's registration at the start of the year and carries it (not a
    peak campaign's forms: its awards are its own)."""
    plan = plan.for_period(period_code)       # a peak campaign: its own fields, score sheet and awards
    period = plan.period(period_code)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    issued_at = issued_at or datetime.now().replace(microsecond=0)
    units = plan.active_units(period)
    names = {u.code: form_filename(u, period) for u in units}
    tokens = {} if register is None else register.issue(plan, period_code, units, files=names, issued_at=issued_at)
    paths = []
    for u in units:
        start = registrations.record(u.code) if registrations is not None and not period.peak else None
        paths.append(write_form(plan, u, period, out / names[u.code], issued_at, tokens.get(u.code, ""), start))
        if progress is not None:
            progress(len(paths), len(units))
    return sorted(paths)


@dataclass(frozen=True)
class Issued:
    forms: list[Path]
    register: Path                 # the full register, beside the plan (the industry keeps it)
    packs: list[Path]              # one per cluster, beside the forms (each to its cluster lead)


def issue_registered(plan: Plan, plan_path: str | Path, period_code: str, out_dir: str | Path,
                     issued_at: datetime | None = None, progress=None, registrations=None) -> Issued:
    """Issue the forms with a token each, recorded in the register beside the plan (earlier issues
    stay valid), and write each cluster's pack next to the forms. One way for the CLI, the Tạo
    biểu mẫu button and the demo."""
    from .. import register as R
    reg_path = R.register_path(plan_path)
    reg = R.load_or_new(reg_path, plan)
    paths = issue_forms(plan, period_code, out_dir, issued_at, progress, register=reg, registrations=registrations)
    reg.save(reg_path)
    clusters = dict.fromkeys(u.cluster for u in plan.active_units(plan.period(period_code)))
    packs = [reg.for_cluster(code).save(Path(out_dir) / R.pack_name(code)) for code in clusters]
    return Issued(paths, reg_path, packs)
