"""Streamed table rows (write/stream.py) against XlsxWriter's ordinary cell-by-cell writing: the same
workbook written both ways reads back with the same values, number formats, row heights and table
ranges in openpyxl, python-calamine and LibreOffice; text stays text; writing into the streamed
block is refused."""
from __future__ import annotations

from datetime import date, datetime

import openpyxl
import pytest
import python_calamine as pc

from support.libreoffice import convert
from thidua.write.stream import StreamSheet, TooManyRows
from thidua.write.tables import Col, Renderer, TableSpec
from thidua.write.xlsx import Styles, new_workbook, save_atomic

HEADERS = ["Mã", "Tên", "Số", "Ngày", "Ghi chú"]
ROWS = [
    ["A01", "=1+1", 12, date(2026, 7, 15), "một dòng"],
    ["A02", "  khoảng trắng hai đầu  ", 0.1 + 0.2, datetime(2026, 7, 15, 8, 30, 5), "x" * 200],
    ["A03", "<b> & \"ngoặc\" 'đơn'", -1234567.891, None, "dòng 1\ndòng 2\ndòng 3"],
    ["A04", "điều khiển \x01\x1f tab\tcuối", 10 ** 15, date(1900, 3, 1), ""],
    ["A05", "_x0041_ giữ nguyên", True, None, None],
    ["A06", "", False, datetime(2026, 1, 2), "Nguyễn Thị Đào — Khoa Nội"],
]
SPEC = TableSpec("tblThu", (Col("Mã", lambda r: r[0], 8, "code"), Col("Tên", lambda r: r[1], 20, "wrap"),
                            Col("Số", lambda r: r[2], 12, "num"), Col("Ngày", lambda r: r[3], 12, "date"),
                            Col("Ghi chú", lambda r: r[4], 30, "wrap")))
EXPECTED_TEXT = ["=1+1", "  khoảng trắng hai đầu  ", "<b> & \"ngoặc\" 'đơn'", "điều khiển \x01\x1f tab\tcuối",
                 "_x0041_ giữ nguyên", None]


def write(path, stream: bool):
    wb, buf = new_workbook()
    r = Renderer(wb)
    ws = wb.add_worksheet("Bảng", StreamSheet)
    ws.write_string(0, 0, "TIÊU ĐỀ", Styles(wb).title)
    placed = r.write(ws, SPEC, 2, 0, ROWS if not stream else iter(ROWS), stream=stream)
    wb.close()
    save_atomic(buf.getvalue(), path)
    return ws, placed.next_row


def cells(path):
    """Value, number format, bold, wrap of every cell; column B's text without its value: openpyxl
    undoes the file format's _xHHHH_ escapes only in part (in shared strings "_x005F_", in inline
    strings none), calamine and LibreOffice undo them all; the text is compared through those."""
    ws = openpyxl.load_workbook(path)["Bảng"]
    return [[(c.value if c.column != 2 or c.row < 4 else type(c.value), c.number_format, c.font.b,
              c.alignment.wrap_text) for c in row]
            for row in ws.iter_rows(min_row=1, max_row=3 + len(ROWS), max_col=len(HEADERS))]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("stream")
    plain, streamed = d / "plain.xlsx", d / "streamed.xlsx"
    _, end_plain = write(plain, False)
    _, end_stream = write(streamed, True)
    assert end_plain == end_stream == 3 + len(ROWS)
    return plain, streamed


def test_streamed_rows_read_back_like_cell_by_cell_rows_in_openpyxl(pair):
    plain, streamed = pair
    assert cells(streamed) == cells(plain)
    ws = openpyxl.load_workbook(streamed)["Bảng"]
    assert ws.cell(4, 2).data_type == "s"                     # "=1+1" is text, not a formula
    assert ws.cell(4, 4).number_format == "dd/mm/yyyy" and ws.cell(5, 4).number_format == "dd/mm/yyyy hh:mm:ss"
    assert ws.cell(8, 3).value == "Có" and ws.cell(4, 3).number_format == "#,##0"     # booleans as people read them
    assert ws.cell(5, 3).number_format == "#,##0.##"                                  # whole numbers: no trailing ","
    assert ws.tables["tblThu"].ref == "A3:E9"
    heights = {r: ws.row_dimensions[r].height for r in range(4, 10)}
    plain_ws = openpyxl.load_workbook(plain)["Bảng"]
    assert heights == {r: plain_ws.row_dimensions[r].height for r in range(4, 10)}
    assert heights[5] > heights[6] > 15 and heights[4] is None   # a long text; three lines; one line


def test_streamed_rows_read_back_like_cell_by_cell_rows_in_calamine(pair):
    plain, streamed = pair
    got = [pc.CalamineWorkbook.from_path(str(p), load_tables=True) for p in (plain, streamed)]
    assert got[1].get_table_by_name("tblThu").to_python() == got[0].get_table_by_name("tblThu").to_python()
    assert got[1].get_sheet_by_name("Bảng").to_python() == got[0].get_sheet_by_name("Bảng").to_python()
    assert [r[1] or None for r in got[1].get_sheet_by_name("Bảng").to_python()[3:]] == EXPECTED_TEXT


def test_streamed_rows_open_in_libreoffice_with_the_same_values(pair, soffice, tmp_path):
    plain, streamed = pair
    out = convert([plain, streamed], tmp_path)
    a, b = (openpyxl.load_workbook(out[p])["Bảng"] for p in (plain, streamed))
    values = lambda ws: [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=9, max_col=5)]  # noqa: E731
    assert values(b) == values(a)
    assert values(b)[0][1] == "=1+1"


def test_nothing_may_be_written_into_or_below_the_streamed_block(tmp_path):
    wb, _ = new_workbook()
    r = Renderer(wb)
    ws = wb.add_worksheet("Bảng", StreamSheet)
    r.write(ws, SPEC, 2, 0, ROWS, stream=True)
    ws.write_string(1, 0, "trên bảng: được")
    with pytest.raises(RuntimeError, match="streamed rows"):
        ws.write_string(5, 0, "trong bảng")
    with pytest.raises(RuntimeError, match="one streamed block"):
        ws.stream_rows(20, 0, [["x"]], 1, [None], r._defaults())
    with pytest.raises(TypeError, match="StreamSheet"):
        r.write(wb.add_worksheet("Khác"), SPEC, 0, 0, ROWS, stream=True)


def test_a_block_past_the_last_row_of_a_sheet_is_refused_not_written(tmp_path):
    wb, _ = new_workbook()
    r = Renderer(wb)
    ws = wb.add_worksheet("Bảng", StreamSheet)
    ws.xls_rowmax = 8                                   # as if Excel's 1,048,576 rows were 8
    with pytest.raises(TooManyRows) as err:
        r.write(ws, SPEC, 2, 0, iter(ROWS), stream=True)    # rows 4..9: one too many
    assert err.value.sheet == "Bảng" and err.value.limit == 8
    ws2 = wb.add_worksheet("Vừa", StreamSheet)
    ws2.xls_rowmax = 9
    assert r.write(ws2, SPEC, 2, 0, iter(ROWS), stream=True).next_row == 9
