"""Write a plan workbook: the sample plan (`thidua plan new`) from the CSV sources in
workbook_templates/sample_plan, one sheet and one Excel Table per schema table."""
from __future__ import annotations

import csv
import io
from importlib import resources
from pathlib import Path

from ..values import parse_date, parse_number, parse_yes_no
from ..write.xlsx import Styles, new_workbook, save_atomic, setup_print
from . import schema

FIRST_ROW = 3  # 0-based row of the table header: title and help text sit above it

INSTRUCTIONS = [
    "HƯỚNG DẪN SỬ DỤNG KẾ HOẠCH THI ĐUA",
    "",
    "Tệp này là nguồn duy nhất của các quy định trong năm: danh sách CĐCS, cụm thi đua, đợt thi đua, "
    "các trường số liệu CĐCS phải báo cáo, chỉ tiêu, bảng chấm điểm và ngưỡng xếp loại.",
    "Mỗi trang là một bảng (Table) của Excel. Có thể thêm dòng, sửa nội dung, đổi tên trang; "
    "KHÔNG đổi tên bảng và KHÔNG đổi tiêu đề cột — chương trình tìm dữ liệu theo tên bảng và tiêu đề cột.",
    "Mã (mã đơn vị, mã trường, mã chỉ tiêu...) viết không dấu, không dấu cách; mỗi mã chỉ dùng một lần.",
    "Tỷ lệ nhập dạng phần trăm (ví dụ 95%). Ngày nhập dạng ngày/tháng/năm.",
    "Sau khi sửa chỉ tiêu của một kế hoạch đã phát biểu mẫu, hãy tăng 'phien_ban' ở trang Kế hoạch và phát lại biểu mẫu.",
    "Kiểm tra kế hoạch: thidua plan check <tệp kế hoạch>. Phát biểu mẫu: thidua forms <tệp kế hoạch> --period dot-1 -o <thư mục>.",
]


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


def write_plan(path: str | Path, tables: dict[str, list[dict[str, str]]] | None = None) -> Path:
    """Write a plan workbook from rows keyed by header (default: the sample province)."""
    tables = tables or {spec.name: sample_rows(spec) for spec in schema.PLAN_TABLES}
    wb, buffer = new_workbook()
    st = Styles(wb)
    guide = wb.add_worksheet("Hướng dẫn")
    guide.set_column(0, 0, 120, st.text_plain)
    for i, line in enumerate(INSTRUCTIONS):
        guide.write(i, 0, line, st.title if i == 0 else st.text_plain)
    setup_print(guide, landscape=False, title="Hướng dẫn kế hoạch thi đua")

    lists = wb.add_worksheet("_danh_muc")     # choice lists too long for an inline list (255 chars)
    lists.hide()
    list_col = 0
    for spec in schema.PLAN_TABLES:
        ws = wb.add_worksheet(spec.sheet)
        rows = tables.get(spec.name, [])
        ws.write(0, 0, spec.title, st.title)
        ws.write(1, 0, "Sửa nội dung trong bảng; giữ nguyên tên bảng và tiêu đề cột.", st.subtitle)
        for j, col in enumerate(spec.columns):
            ws.set_column(j, j, col.width)
        data = []
        for row in rows:
            pct = (row.get("Đơn vị tính") or "").strip() == "%"
            data.append([_typed(col, row.get(col.header, ""), pct) for col in spec.columns])
        last = FIRST_ROW + max(len(data), 1)
        ws.add_table(FIRST_ROW, 0, last, len(spec.columns) - 1, {
            "name": spec.name,
            "style": "Table Style Light 9",
            "columns": [{"header": c.header} for c in spec.columns],
        })
        fmt = {"percent": st.percent, "number": st.number, "date": st.date, "text": st.text, None: st.text}
        for i, cells in enumerate(data):
            for j, (value, kind) in enumerate(cells):
                if value is None:
                    ws.write_blank(FIRST_ROW + 1 + i, j, None, st.text)
                else:
                    ws.write(FIRST_ROW + 1 + i, j, value, fmt[kind])
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
                    options.update({"input_title": col.header[:32], "input_message": col.help[:255]})
                ws.data_validation(FIRST_ROW + 1, j, last + 500, j, options)
        ws.freeze_panes(FIRST_ROW + 1, 1)
        setup_print(ws, landscape=True, header_row=FIRST_ROW, title=spec.title)
    wb.close()
    return save_atomic(buffer.getvalue(), path)
