"""Write a plan workbook: the sample plan (`thidua plan new`) from the CSV sources in
workbook_templates/sample_plan, one sheet and one Excel Table per schema table.

Every sheet prints on A4 landscape, one page wide: column widths start from the schema's, are
fitted to the headers and to the values they hold, and the widest text columns give way when
the table would otherwise print too small (see `column_widths`). Rows whose text wraps get the
height it needs (LibreOffice and PDF export do not grow rows by themselves)."""
from __future__ import annotations

import csv
import io
import math
from importlib import resources
from pathlib import Path

from ..values import parse_date, parse_number, parse_yes_no
from ..write.xlsx import (Styles, fit_row, input_message, input_title, new_workbook, print_scale, save_atomic,
                          setup_print, text_lines, text_units, write_header, BOLD_CHARS_PER_WIDTH, TABLE_STYLE,
                          CHARS_PER_WIDTH)
from . import schema

FIRST_ROW = 3  # 0-based row of the table header: title and help text sit above it
GUIDE_WIDTH = 86          # the guide's one column: the width of A4 portrait at 100 %
PLAN_PRINT_SCALE = 0.6    # wide tables shrink their text columns to print at least this large
TEXT_WIDTH_FLOOR = 20     # ... but no text column narrower than this
VALUE_WIDTH_MAX = 24      # a code or number column widens to its longest value up to this
CHOICE_WIDTH_MAX = 16     # a choice column too (a longer choice wraps)
MIN_WIDTH = 6

INSTRUCTIONS = [
    "HƯỚNG DẪN SỬ DỤNG KẾ HOẠCH THI ĐUA",
    "Tệp này là nguồn duy nhất của các quy định thi đua trong năm. Chương trình đọc tệp này để kiểm tra, "
    "phát biểu mẫu cho từng công đoàn cơ sở, chấm điểm và tổng hợp.",
    "Các trang",
]
SHEET_HELP = {
    schema.PLAN_INFO.name: "thông tin chung: số hiệu, phiên bản, năm thi đua, đơn vị ban hành, số tháng hoạt "
                           "động tối thiểu để được xếp loại, số ngày đơn vị được bổ sung sau khi nhận thông báo, "
                           "hạn nộp bản đăng ký thi đua đầu năm.",
    schema.CLUSTERS.name: "các cụm thi đua và đơn vị trưởng cụm.",
    schema.UNITS.name: "danh sách công đoàn cơ sở: cụm, loại hình, ngày bắt đầu hoạt động, còn hoạt động hay "
                       "không, số người lao động.",
    schema.PERIODS.name: "các đợt thi đua trong năm, thời gian và hạn nộp báo cáo.",
    schema.FIELDS.name: "các số liệu công đoàn cơ sở phải báo cáo (mỗi dòng là một dòng trên biểu mẫu), kiểu "
                        "số liệu, giới hạn và hướng dẫn nhập; tỷ lệ tự tính ghi bằng phép tính trên các mã.",
    schema.TARGETS.name: "chỉ tiêu thi đua của đơn vị và của ngành, mức tối thiểu, mức phấn đấu và văn bản "
                         "nguồn.",
    schema.GROUPS.name: "các nhóm tiêu chí chấm điểm, điểm tối đa và mức sàn của từng nhóm.",
    schema.CRITERIA.name: "bảng chấm điểm: tiêu chí, điểm chuẩn, cách chấm và chỉ tiêu dùng để chấm.",
    schema.RATINGS.name: "ngưỡng điểm của từng mức xếp loại và tỷ lệ tối đa được xếp mức đó.",
    schema.CHECKS.name: "các quy tắc so sánh giữa các số liệu (ví dụ số đã thu không lớn hơn số phải thu) "
                        "và mức độ: lỗi phải sửa, cảnh báo cần xem lại, thông tin để biết.",
    schema.TITLES.name: "các danh hiệu thi đua được đăng ký, cấp khen, tỷ lệ tối đa và văn bản nguồn.",
    schema.CONDITIONS.name: "điều kiện xét từng danh hiệu, mỗi dòng một điều kiện, có trích văn bản.",
    schema.EARLIER_RESULTS.name: "kết quả các năm trước của chỉ tiêu giai đoạn nhiều năm (ví dụ số đoàn viên mới "
                                 "mỗi năm từ 2021), cho toàn ngành hoặc từng cụm, kèm văn bản nguồn; dùng cho những "
                                 "năm chưa có bảng tổng hợp của chương trình để tính tiến độ cả giai đoạn.",
    schema.DOCUMENTS.name: "cách trình bày các văn bản chương trình viết ra (báo cáo, tờ trình, quyết định, biên bản, "
                           "thông báo): cơ quan cấp trên, cơ quan ban hành, ký hiệu, số, địa danh, người ký và nơi "
                           "nhận của từng loại văn bản.",
}
RULES = [
    "Cách sửa",
    "1. Mỗi trang là một danh sách có một dòng tiêu đề. Có thể sửa nội dung, thêm dòng (gõ tiếp vào dòng "
    "ngay dưới danh sách, danh sách tự dài thêm) và đổi tên trang.",
    "2. Không sửa tiêu đề cột, không xóa cột và không đổi tên danh sách: chương trình tìm số liệu theo tên "
    "danh sách và tiêu đề cột.",
    "3. Mã (mã đơn vị, mã cụm, mã chỉ tiêu…) viết liền, không dấu, không dấu cách, ví dụ YT001; mỗi mã "
    "chỉ dùng một lần.",
    "4. Số viết theo kiểu Việt Nam: 1.234 là một nghìn hai trăm ba mươi tư, 1,5 là một phẩy năm. Tỷ lệ "
    "ghi kèm dấu %, ví dụ 95%. Ngày ghi ngày/tháng/năm, ví dụ 15/03/2026.",
    "5. Ô có danh sách chọn: bấm mũi tên bên phải ô để chọn. Bấm vào một ô để xem hướng dẫn của cột.",
    "6. Đã phát biểu mẫu mà sửa chỉ tiêu thì tăng số phiên bản ở trang Kế hoạch rồi phát lại biểu mẫu: "
    "biểu mẫu cũ gửi về sẽ được nhận ra.",
    "Dùng với chương trình",
    "7. Kiểm tra kế hoạch, lỗi được báo theo trang, dòng, cột: thidua plan check <tệp kế hoạch>",
    "8. Phát biểu mẫu cho mọi công đoàn cơ sở đang hoạt động: "
    "thidua forms <tệp kế hoạch> --period <mã đợt> -o <thư mục>",
]
_HEADINGS = {INSTRUCTIONS[2], RULES[0], RULES[7]}


def sample_rows(spec: schema.TableSpec) -> list[dict[str, str]]:
    """The sample province's rows for one table, as text keyed by header."""
    text = resources.files("thidua.workbook_templates").joinpath("sample_plan", spec.csv).read_text("utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def _typed(col: schema.Column, text: str, percent_hint: bool):
    """CSV text -> the value a staff member would have typed into Excel."""
    text = (text or "").strip()
    if not text:
        return None, None
    if col.kind in ("number", "int", "percent"):
        parsed = parse_number(text, integer=col.kind == "int", percent=col.kind == "percent")
        if parsed.ok:
            is_pct = col.kind == "percent" or percent_hint or text.endswith("%")
            return parsed.value, ("percent" if is_pct else "number")
    elif col.kind == "date":
        parsed = parse_date(text)
        if parsed.ok:
            return parsed.value, "date"
    elif col.kind == "yes_no":
        parsed = parse_yes_no(text)
        if parsed.ok:
            return ("Có" if parsed.value else "Không"), "text"
    return text, "text"


def _shown(value, kind) -> str:
    """Roughly the text a cell shows, for its width (numbers and dates do not wrap)."""
    if value is None:
        return ""
    if kind == "date":
        return "00/00/0000"
    if kind == "percent":
        return f"{value * 100:.1f}%"
    if kind == "number":
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    return str(value)


def _header_width(header: str, need: int = 0) -> int:
    """A width that shows a header whole: on one line when that costs at most a few characters
    more than the column needs anyway, else on two lines (no word broken)."""
    one = math.ceil(text_units(header) / BOLD_CHARS_PER_WIDTH + 0.3)
    longest = max(text_units(w) for w in header.split())
    two = math.ceil(longest / BOLD_CHARS_PER_WIDTH + 0.3)
    while text_lines(header, two, bold=True) > 2 and two < one:
        two += 1
    return one if one <= max(need, two) + 4 else two


def column_widths(spec: schema.TableSpec, data: list[list[tuple]]) -> list[int]:
    """Widths of a plan table's columns: a text column keeps the schema's width; a code or number
    column fits its longest value on one line (up to VALUE_WIDTH_MAX), a choice column up to
    CHOICE_WIDTH_MAX (longer choices wrap); every column shows its header whole, in at most two
    lines. When the table would print smaller than PLAN_PRINT_SCALE, the text columns narrow in
    proportion (down to TEXT_WIDTH_FLOOR)."""
    widths, text_cols = [], []
    for j, col in enumerate(spec.columns):
        if col.kind == "text":
            widths.append(max(_header_width(col.header), round(col.width)))
            text_cols.append(j)
            continue
        values = [_shown(*cells[j]) for cells in data if cells[j][0] is not None]
        need = max((math.ceil(text_units(v) / CHARS_PER_WIDTH + 1) for v in values), default=round(col.width))
        cap = CHOICE_WIDTH_MAX if col.kind in ("choice", "yes_no") else VALUE_WIDTH_MAX
        need = max(MIN_WIDTH, min(need, cap))
        widths.append(max(need, _header_width(col.header, need)))
    if print_scale(widths, landscape=True) < PLAN_PRINT_SCALE and text_cols:
        room = _width_budget(len(widths), PLAN_PRINT_SCALE) - sum(
            w for j, w in enumerate(widths) if j not in text_cols)
        declared = {j: widths[j] for j in text_cols}
        for _ in range(len(text_cols)):            # narrow in proportion; a column at its floor stays
            free = [j for j in text_cols if declared[j] > TEXT_WIDTH_FLOOR]
            fixed = sum(widths[j] for j in text_cols if j not in free)
            k = (room - fixed) / max(1, sum(declared[j] for j in free))
            for j in free:
                widths[j] = max(TEXT_WIDTH_FLOOR, min(declared[j], math.floor(declared[j] * k)))
            if all(widths[j] > TEXT_WIDTH_FLOOR or declared[j] <= TEXT_WIDTH_FLOOR for j in free):
                break
            for j in free:
                if widths[j] == TEXT_WIDTH_FLOOR:
                    declared[j] = TEXT_WIDTH_FLOOR
        widths = [max(w, _header_width(spec.columns[j].header)) for j, w in enumerate(widths)]
    return widths


def _width_budget(columns: int, scale: float) -> float:
    """The sum of column widths that prints at `scale` on A4 landscape."""
    from ..write.xlsx import COLUMN_PADDING, POINTS_PER_CHAR, printable_width_pt
    return printable_width_pt(True) / scale / POINTS_PER_CHAR - COLUMN_PADDING * columns - 0.5


def _guide(wb, st) -> None:
    ws = wb.add_worksheet("Hướng dẫn")
    ws.set_column(0, 0, GUIDE_WIDTH)
    lines = [*INSTRUCTIONS, *(f"• Trang “{spec.sheet}”: {SHEET_HELP[spec.name]}"
                              for spec in schema.PLAN_TABLES if spec.name in SHEET_HELP), *RULES]
    for i, line in enumerate(lines):
        if i == 0:
            ws.write(i, 0, line, st.title)
            ws.set_row(i, 21)
        elif line in _HEADINGS:
            ws.write(i, 0, line, st.heading)
            ws.set_row(i, 22)
        else:
            ws.write(i, 0, line, st.text_plain)
            fit_row(ws, i, [(line, GUIDE_WIDTH, False)])
    setup_print(ws, landscape=False, title="Hướng dẫn kế hoạch thi đua")


def write_plan(path: str | Path, tables: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """Write a plan workbook from rows keyed by header (default: the sample province)."""
    tables = tables or {spec.name: sample_rows(spec) for spec in schema.PLAN_TABLES}
    wb, buffer = new_workbook()
    st = Styles(wb)
    _guide(wb, st)

    lists = wb.add_worksheet("_danh_muc")     # choice lists too long for an inline list (255 chars)
    lists.hide()
    list_col = 0
    for spec in schema.PLAN_TABLES:
        ws = wb.add_worksheet(spec.sheet)
        rows = tables.get(spec.name, [])
        ws.write(0, 0, spec.title, st.title)
        ws.write(1, 0, "Sửa nội dung trong bảng; giữ nguyên tiêu đề cột.", st.subtitle)
        data = []
        for row in rows:
            pct = (row.get("Đơn vị tính") or "").strip() == "%"
            data.append([_typed(col, row.get(col.header, ""), pct) for col in spec.columns])
        widths = column_widths(spec, data)
        for j, w in enumerate(widths):
            ws.set_column(j, j, w)
        last = FIRST_ROW + max(len(data), 1)
        ws.add_table(FIRST_ROW, 0, last, len(spec.columns) - 1, {
            "name": spec.name,
            "style": TABLE_STYLE,
            "columns": [{"header": c.header, "header_format": st.header} for c in spec.columns],
        })
        write_header(ws, FIRST_ROW, 0, spec.headers, widths, st.header)
        fmt = {"percent": st.percent, "date": st.date, "text": st.text, None: st.text}
        for i, cells in enumerate(data):
            r = FIRST_ROW + 1 + i
            for j, (value, kind) in enumerate(cells):
                if value is None:
                    ws.write_blank(r, j, None, st.text)
                else:
                    ws.write(r, j, value, st.number_for(value) if kind == "number" else fmt[kind])
            fit_row(ws, r, [(value, widths[j], False) for j, (value, kind) in enumerate(cells)
                            if kind == "text"])
        for j, col in enumerate(spec.columns):
            choices = list(col.choices) if col.choices else (["Có", "Không"] if col.kind == "yes_no" else None)
            if choices and len(",".join(choices)) > 255:
                lists.write_column(0, list_col, choices)
                letter = chr(65 + list_col)
                choices = f"='_danh_muc'!${letter}$1:${letter}${len(choices)}"
                list_col += 1
            options = {"validate": "list", "source": choices} if choices else None
            if options or col.help:
                options = options or {"validate": "any"}
                if col.help:
                    options.update({"input_title": input_title(col.header),
                                    "input_message": input_message(col.header, col.help)})
                ws.data_validation(FIRST_ROW + 1, j, last + 500, j, options)
        ws.freeze_panes(FIRST_ROW + 1, 1)
        setup_print(ws, landscape=True, header_row=FIRST_ROW, title=spec.title)
    wb.close()
    return save_atomic(buffer.getvalue(), path)
