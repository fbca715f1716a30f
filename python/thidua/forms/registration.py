"""The registration sheets of a form: collective titles, the pledge (giao ước), and the member
list with the titles each member registers for. Written with XlsxWriter beside the other
sheets (forms.write); read back through their Excel Tables like everything else."""
from __future__ import annotations

from ..plan.model import Plan, Unit
from ..plan.schema import AWARD_LEVELS, DISCIPLINE_LEVELS, label_of
from ..plan.semantics import NO, YES, describe_target
from .. import contract as C

HEADER_ROW = 3


def write_registration_sheets(wb, st, plan: Plan, unit: Unit, heading: str, setup_print) -> None:
    _registration_sheet(wb, st, plan, unit, heading, setup_print)
    _member_sheet(wb, st, plan, heading, setup_print)


def _table(ws, top: int, rows: int, name: str, headers) -> None:
    ws.add_table(top, 0, top + max(rows, 1), len(headers) - 1, {
        "name": name, "style": "Table Style Light 9", "columns": [{"header": h} for h in headers]})


def _registration_sheet(wb, st, plan: Plan, unit: Unit, heading: str, setup_print) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.REGISTRATION_TABLE])
    ws.write(0, 0, "ĐĂNG KÝ DANH HIỆU THI ĐUA VÀ GIAO ƯỚC THI ĐUA", st.title)
    ws.write(1, 0, heading, st.subtitle)
    for j, w in enumerate((12, 60, 16, 16, 36, 8, 8)):
        ws.set_column(j, j, w, None, {"hidden": j >= 5})
    titles = [t for t in plan.titles if t.target_of == "collective"]
    _table(ws, HEADER_ROW, len(titles), C.REGISTRATION_TABLE, C.REGISTRATION_COLUMNS)
    for i, t in enumerate(titles):
        r = HEADER_ROW + 1 + i
        ws.write_string(r, 0, t.code, st.code)
        ws.write_string(r, 1, t.name, st.text)
        ws.write_string(r, 2, label_of(AWARD_LEVELS, t.level), st.text)
        ws.write_blank(r, 3, None, st.input_choice)
        ws.data_validation(r, 3, r, 3, {"validate": "list", "source": [YES, NO],
                                        "input_title": "Đăng ký danh hiệu", "input_message": t.source[:255]})
        ws.write_blank(r, 4, None, st.input_text)

    top = HEADER_ROW + len(titles) + 4
    ws.write(top - 1, 0, "GIAO ƯỚC THI ĐUA: đơn vị cam kết mức cao hơn hoặc bằng chỉ tiêu kế hoạch "
                         "(để trống = nhận đúng chỉ tiêu kế hoạch)", st.subtitle)
    targets = plan.unit_targets_for(unit.kind)
    _table(ws, top, len(targets), C.PLEDGE_TABLE, C.PLEDGE_COLUMNS)
    for i, t in enumerate(targets):
        r = top + 1 + i
        ws.write_string(r, 0, t.code, st.code)
        ws.write_string(r, 1, t.label, st.text)
        ws.write_string(r, 2, _target_text(t), st.result)
        ws.write_string(r, 5, t.comparator, st.code)
        if t.value is None:
            ws.write_blank(r, 6, None, st.code)
        else:
            ws.write_number(r, 6, t.value, st.number)
        if t.comparator == "yes":
            ws.write_blank(r, 3, None, st.input_choice)
            ws.data_validation(r, 3, r, 3, {"validate": "list", "source": [YES, NO]})
        else:
            pct = t.unit_label == "%"
            ws.write_blank(r, 3, None, st.input_percent if pct else st.input_number)
            op, word = (">=", "không thấp hơn") if t.comparator != "<=" else ("<=", "không cao hơn")
            ws.data_validation(r, 3, r, 3, {
                "validate": "decimal", "criteria": op, "value": t.value,
                "error_type": "warning", "error_title": "Thấp hơn chỉ tiêu",
                "error_message": f"Mức cam kết nên {word} chỉ tiêu kế hoạch.",
                "input_title": "Mức cam kết", "input_message": f"Chỉ tiêu kế hoạch: {_target_text(t)}."})
        ws.write_blank(r, 4, None, st.input_text)
    ws.protect("", C.ENTRY_SHEET_PROTECTION)
    setup_print(ws, landscape=True, header_row=HEADER_ROW, title="Đăng ký thi đua")


def _target_text(t) -> str:
    return describe_target(t.comparator, t.value, t.stretch, t.unit_label)


def _member_sheet(wb, st, plan: Plan, heading: str, setup_print) -> None:
    ws = wb.add_worksheet(C.SHEETS[C.MEMBER_TABLE])
    ws.write(0, 0, "DANH SÁCH THÀNH VIÊN ĐĂNG KÝ DANH HIỆU THI ĐUA", st.title)
    ws.write(1, 0, heading + " — ghi đủ mọi thành viên của tập thể; thứ tự dòng là thứ tự ưu tiên khi xét tỷ lệ",
             st.subtitle)
    for j, w in enumerate((6, 28, 20, 26, 10, 12, 11, 14, 12, 36)):
        ws.set_column(j, j, w)
    n = C.MEMBER_BLANK_ROWS
    _table(ws, HEADER_ROW, n, C.MEMBER_TABLE, C.MEMBER_COLUMNS)
    first, last = HEADER_ROW + 1, HEADER_ROW + 500
    for i in range(n):
        for j, h in enumerate(C.MEMBER_COLUMNS):
            typ = C.MEMBER_TYPES.get(h)
            fmt = st.input_integer if typ == "integer" else st.input_choice if typ == "yes_no" else st.input_text
            ws.write_blank(first + i, j, None, fmt)
    col = {h: j for j, h in enumerate(C.MEMBER_COLUMNS)}
    names = [t.name for t in plan.titles if t.target_of == "individual"]
    ws.data_validation(first, col[C.M_TITLE], last, col[C.M_TITLE], {
        "validate": "list", "source": names, "input_title": "Danh hiệu đăng ký",
        "input_message": "Chọn một danh hiệu; Chiến sĩ thi đua cơ sở đã gồm điều kiện Lao động tiên tiến."})
    for h in (C.M_DAYS, C.M_MATERNITY, C.M_MONTHS):
        ws.data_validation(first, col[h], last, col[h], {
            "validate": "integer", "criteria": "between", "minimum": 0, "maximum": 366 if h != C.M_MONTHS else 12,
            "error_message": "Nhập số nguyên không âm.", "input_title": h[:32],
            "input_message": "Số ngày làm việc nghỉ trong năm." if h == C.M_DAYS else
            "Số ngày nghỉ thai sản (không tính khi xét)." if h == C.M_MATERNITY else
            "Số tháng công tác trong năm thi đua (0–12)."})
    ws.data_validation(first, col[C.M_DISCIPLINE], last, col[C.M_DISCIPLINE],
                       {"validate": "list", "source": list(DISCIPLINE_LEVELS)})
    ws.data_validation(first, col[C.M_HAS_INIT], last, col[C.M_HAS_INIT], {"validate": "list", "source": [YES, NO]})
    ws.freeze_panes(first, 2)
    setup_print(ws, landscape=True, header_row=HEADER_ROW, title="Thành viên đăng ký")
