"""The registration sheets of a form: collective titles, the pledge (giao ước), and the member
list with the titles each member registers for. Written with XlsxWriter beside the other
sheets (forms.write); read back through their Excel Tables like everything else. Column widths
and wrapping come from the form contract (contract.TABLE_LAYOUT), like the other sheets.

The same sheets make the registration workbook at the start of the year (registrations.book,
`at_start`: the member list asks only who registers for what); a period form issued with the
consolidated registrations comes pre-filled with its unit's (`start`, a registrations.record.StartRecord):
titles ticked, pledges and members written in, every cell still the unit's to change."""
from __future__ import annotations

from ..plan.model import Plan, Unit
from ..plan.schema import AWARD_LEVELS, DISCIPLINE_LEVELS, label_of
from ..plan.semantics import NO, YES, describe_target
from ..write.xlsx import input_message, input_title, whole_numbers
from .. import contract as C

HEADER_ROW = 3
PLEDGE_NOTE = ("GIAO ƯỚC THI ĐUA: đơn vị cam kết mức cao hơn hoặc bằng chỉ tiêu kế hoạch "
               "(để trống = nhận đúng chỉ tiêu kế hoạch)")
MEMBER_NOTE = ("Ghi đủ mọi thành viên của tập thể, mỗi người một dòng; khi một danh hiệu có giới hạn tỷ lệ, "
               "người ở dòng trên được ưu tiên trước.")


AT_START_MEMBER_NOTE = ("Ghi mỗi thành viên đăng ký danh hiệu thi đua một dòng: họ và tên, khoa/phòng, danh hiệu "
                        "đăng ký. Số ngày nghỉ, số tháng công tác, kỷ luật, sáng kiến ghi ở biểu mẫu báo cáo cuối "
                        "đợt; khi một danh hiệu có giới hạn tỷ lệ, người ở dòng trên được ưu tiên trước.")
AT_START_SHOWN = 4      # the registration workbook's member list: STT, name, department, title


def pledge_header_row(collective_titles: int) -> int:
    """The pledge table's header row, under the collective titles' table and its note."""
    return HEADER_ROW + collective_titles + 4


def member_rows(prefilled: int) -> int:
    """Rows of the member table: room for the registered members and ten more."""
    return max(C.MEMBER_BLANK_ROWS, prefilled + 10)


def write_registration_sheets(wb, st, plan: Plan, unit: Unit, heading: str, setup_print, start=None,
                              at_start: bool = False) -> None:
    _registration_sheet(wb, st, plan, unit, heading, setup_print, start)
    _member_sheet(wb, st, plan, heading, setup_print, start, at_start)


def _prefill(ws, st, r: int, j: int, value) -> None:
    """A cell the unit may change, written with what it registered."""
    if isinstance(value, bool) or value is None or value == "":
        return
    if isinstance(value, (int, float)):
        ws.write_number(r, j, value, st.input_number)
    else:
        ws.write_string(r, j, str(value), st.input_text)


def _registration_sheet(wb, st, plan: Plan, unit: Unit, heading: str, setup_print, start=None) -> None:
    from .write import add_table, fit_table_row, set_widths, sheet_heading, table_widths, text_line

    ws = wb.add_worksheet(C.SHEETS[C.REGISTRATION_TABLE])
    titles = [t for t in plan.titles if t.target_of == "collective"]
    targets = plan.unit_targets_for(unit.kind)
    # one sheet, two tables: each column as wide as the wider of its two uses
    reg = table_widths(C.REGISTRATION_TABLE, [t.code for t in titles])
    pledge = table_widths(C.PLEDGE_TABLE, [t.code for t in targets])
    widths = [max(a, b) for a, b in zip(reg, pledge)] + pledge[len(reg):]
    hidden = {C.PLEDGE_COLUMNS.index(h) for h in C.PLEDGE_HIDDEN}
    shown = [w for j, w in enumerate(widths) if j not in hidden]
    set_widths(ws, widths, hidden)
    sheet_heading(ws, st, "ĐĂNG KÝ DANH HIỆU THI ĐUA VÀ GIAO ƯỚC THI ĐUA", heading, shown)

    add_table(ws, st, HEADER_ROW, len(titles), C.REGISTRATION_TABLE, widths)
    ticked = {code for code, _, _ in start.collective} if start is not None else set()
    pledged = dict(start.pledges) if start is not None else {}
    for i, t in enumerate(titles):
        r = HEADER_ROW + 1 + i
        level = label_of(AWARD_LEVELS, t.level)
        ws.write_string(r, 0, t.code, st.code)
        ws.write_string(r, 1, t.name, st.text)
        ws.write_string(r, 2, level, st.text)
        if t.code in ticked:
            ws.write_string(r, 3, YES, st.input_choice)
        else:
            ws.write_blank(r, 3, None, st.input_choice)
        ws.data_validation(r, 3, r, 3, {
            "validate": "list", "source": [YES, NO], "input_title": "Đăng ký danh hiệu",
            "input_message": input_message(t.name, f"Chọn Có để đăng ký. Căn cứ: {t.source}"),
            "error_title": "Chọn Có hoặc Không", "error_message": "Chỉ chọn Có hoặc Không trong danh sách."})
        ws.write_blank(r, 4, None, st.input_text)
        fit_table_row(ws, r, C.REGISTRATION_TABLE, widths, {"Danh hiệu tập thể": t.name, C.LEVEL: level})

    top = pledge_header_row(len(titles))
    text_line(ws, st, top - 1, PLEDGE_NOTE, shown)
    add_table(ws, st, top, len(targets), C.PLEDGE_TABLE, widths, hidden)
    decimals = []
    for i, t in enumerate(targets):
        r = top + 1 + i
        text = _target_text(t)
        ws.write_string(r, 0, t.code, st.code)
        ws.write_string(r, 1, t.label, st.text)
        ws.write_string(r, 2, text, st.result)
        ws.write_string(r, 5, t.comparator, st.code)
        if t.value is None:
            ws.write_blank(r, 6, None, st.code)
        else:
            ws.write_number(r, 6, t.value, st.number_for(t.value))
        if t.comparator == "yes":
            if pledged.get(t.code) not in (None, ""):
                ws.write_string(r, 3, str(pledged[t.code]), st.input_choice)
            else:
                ws.write_blank(r, 3, None, st.input_choice)
            ws.data_validation(r, 3, r, 3, {
                "validate": "list", "source": [YES, NO], "input_title": "Mức cam kết",
                "input_message": input_message(t.label, "Chọn Có hoặc Không."),
                "error_title": "Chọn Có hoặc Không", "error_message": "Chỉ chọn Có hoặc Không trong danh sách."})
        else:
            pct = t.unit_label == "%"
            value = pledged.get(t.code)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                ws.write_number(r, 3, value, st.input_percent if pct else st.input_number)
            elif value not in (None, ""):
                ws.write_string(r, 3, str(value), st.input_text)     # as the unit wrote it ("95%")
            else:
                ws.write_blank(r, 3, None, st.input_percent if pct else st.input_number)
            if not pct:
                decimals.append((r, 3))
            op, word = (">=", "không thấp hơn") if t.comparator != "<=" else ("<=", "không cao hơn")
            ws.data_validation(r, 3, r, 3, {
                "validate": "decimal", "criteria": op, "value": t.value,
                "error_type": "warning", "error_title": "Khác chỉ tiêu kế hoạch",
                "error_message": f"Mức cam kết nên {word} chỉ tiêu kế hoạch ({text}).",
                "input_title": "Mức cam kết",
                "input_message": input_message(t.label, f"Chỉ tiêu kế hoạch: {text}. "
                                                        "Để trống là nhận đúng chỉ tiêu kế hoạch.")})
        ws.write_blank(r, 4, None, st.input_text)
        fit_table_row(ws, r, C.PLEDGE_TABLE, widths, {C.LABEL: t.label, "Chỉ tiêu kế hoạch": text},
                      bold={"Chỉ tiêu kế hoạch"})
    whole_numbers(ws, st, decimals)
    ws.protect("", C.ENTRY_SHEET_PROTECTION)
    setup_print(ws, landscape=True, header_row=HEADER_ROW, title="Đăng ký thi đua", columns=min(hidden),
                rows=top + 1 + max(len(targets), 1))


def _target_text(t) -> str:
    return describe_target(t.comparator, t.value, t.stretch, t.unit_label)


_MEMBER_NUMBERS = {    # column: (largest value, unit, what to enter)
    C.M_DAYS: (366, "ngày", "Số ngày làm việc nghỉ trong năm, kể cả nghỉ thai sản."),
    C.M_MATERNITY: (366, "ngày", "Trong số ngày nghỉ, số ngày nghỉ thai sản (không tính khi xét danh hiệu)."),
    C.M_MONTHS: (12, "tháng", "Số tháng công tác trong năm thi đua."),
}


def _member_sheet(wb, st, plan: Plan, heading: str, setup_print, start=None, at_start: bool = False) -> None:
    from .write import add_table, fit_table_row, range_message, set_widths, sheet_heading, table_widths

    ws = wb.add_worksheet(C.SHEETS[C.MEMBER_TABLE])
    widths = table_widths(C.MEMBER_TABLE)
    hidden = set(range(AT_START_SHOWN, len(C.MEMBER_COLUMNS))) if at_start else set()
    shown = [w for j, w in enumerate(widths) if j not in hidden]
    set_widths(ws, widths, hidden)
    sheet_heading(ws, st, "DANH SÁCH THÀNH VIÊN ĐĂNG KÝ DANH HIỆU THI ĐUA", heading, shown,
                  note=AT_START_MEMBER_NOTE if at_start else MEMBER_NOTE)
    members = list(start.members) if start is not None else []
    n = member_rows(len(members))
    add_table(ws, st, HEADER_ROW, n, C.MEMBER_TABLE, widths, hidden)
    first, last = HEADER_ROW + 1, HEADER_ROW + max(500, n + 100)
    names = {t.code: t.name for t in plan.titles}
    for i in range(n):
        for j, h in enumerate(C.MEMBER_COLUMNS):
            typ = C.MEMBER_TYPES.get(h)
            fmt = st.input_integer if typ == "integer" else st.input_choice if typ == "yes_no" else st.input_text
            ws.write_blank(first + i, j, None, fmt)
    col = {h: j for j, h in enumerate(C.MEMBER_COLUMNS)}
    for i, (name, dept, title, _on, _ok) in enumerate(members):     # as registered, in the unit's order
        r = first + i
        ws.write_number(r, col["STT"], i + 1, st.input_integer)
        _prefill(ws, st, r, col[C.M_NAME], name)
        _prefill(ws, st, r, col[C.M_DEPT], dept)
        _prefill(ws, st, r, col[C.M_TITLE], names.get(title, title))
        fit_table_row(ws, r, C.MEMBER_TABLE, widths, {C.M_NAME: name, C.M_DEPT: dept,
                                                      C.M_TITLE: names.get(title, title)})
    names = [t.name for t in plan.titles if t.target_of == "individual"]
    ws.data_validation(first, col[C.M_TITLE], last, col[C.M_TITLE], {
        "validate": "list", "source": names, "input_title": input_title(C.M_TITLE),
        "input_message": input_message(C.M_TITLE, "Chọn một danh hiệu; Chiến sĩ thi đua cơ sở đã gồm điều "
                                                  "kiện Lao động tiên tiến."),
        "error_title": "Không có trong danh sách",
        "error_message": "Chọn một danh hiệu trong danh sách."})
    for h, (top, unit, what) in _MEMBER_NUMBERS.items():
        ws.data_validation(first, col[h], last, col[h], {
            "validate": "integer", "criteria": "between", "minimum": 0, "maximum": top,
            "error_title": "Số liệu không hợp lệ", "error_message": range_message(True, 0, top, unit),
            "input_title": input_title(h), "input_message": input_message(h, what)})
    ws.data_validation(first, col[C.M_DISCIPLINE], last, col[C.M_DISCIPLINE], {
        "validate": "list", "source": list(DISCIPLINE_LEVELS), "input_title": input_title(C.M_DISCIPLINE),
        "input_message": input_message(C.M_DISCIPLINE, "Hình thức kỷ luật trong năm; chọn Không nếu không bị "
                                                       "kỷ luật.")})
    ws.data_validation(first, col[C.M_HAS_INIT], last, col[C.M_HAS_INIT], {
        "validate": "list", "source": [YES, NO], "input_title": input_title(C.M_HAS_INIT),
        "input_message": input_message(C.M_HAS_INIT, "Chọn Có nếu thành viên có sáng kiến được công nhận "
                                                     "trong năm; ghi tên ở cột Tên sáng kiến.")})
    ws.freeze_panes(first, 2)
    if at_start:
        setup_print(ws, landscape=False, header_row=HEADER_ROW, title="Thành viên đăng ký", columns=AT_START_SHOWN,
                    rows=first + n)
    else:
        setup_print(ws, landscape=True, header_row=HEADER_ROW, title="Thành viên đăng ký")
