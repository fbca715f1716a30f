"""Streamed table rows (write/stream.py) against XlsxWriter's ordinary cell-by-cell writing: the same
workbook written both ways reads back with the same values, number formats, row heights and table
ranges in openpyxl, python-calamine and LibreOffice; text stays text; writing into the streamed
block is refused."""
from __future__ import annotations

from datetime import date, datetime

import os
import zipfile

import openpyxl
import pytest
import python_calamine as pc

from support.libreoffice import convert
from thidua.write import stream
from thidua.write.stream import StreamSheet, TooManyRows
from thidua.write.tables import Col, Renderer, TableSpec
from thidua.write.xlsx import Styles, atomic_workbook, new_workbook, save_atomic

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


# --- long tables rendered by helper processes ----------------------------------------------------
class Unpicklable:
    """A value a helper cannot be sent: its block is rendered in this process."""
    def __reduce__(self):
        raise TypeError("not sent")

    def __str__(self):
        return "không gửi được"


class KillsItsHelper:
    """A value whose text ends the helper process that renders it (as a crash would)."""
    def __init__(self):
        self.made_in = os.getpid()

    def __str__(self):
        if os.getpid() != self.made_in:
            os._exit(3)
        return "helper chết"


def _long_book(path, rows, helpers: bool):
    """The table written by this process alone (in memory), or in a workbook written through
    atomic_workbook inside rendering_helpers(2); the sheet's XML."""
    if helpers:
        with stream.rendering_helpers(2), atomic_workbook(path) as wb:
            ws = wb.add_worksheet("Bảng", StreamSheet)
            Renderer(wb).write(ws, SPEC, 2, 0, iter(rows), stream=True)
            blocks = list(ws._blocks)
    else:
        wb, buf = new_workbook()
        ws = wb.add_worksheet("Bảng", StreamSheet)
        Renderer(wb).write(ws, SPEC, 2, 0, iter(rows), stream=True)
        wb.close()
        save_atomic(buf.getvalue(), path)
        blocks = []
    with zipfile.ZipFile(path) as z:
        return z.read("xl/worksheets/sheet1.xml"), blocks


@pytest.mark.parametrize("odd", [None, Unpicklable(), KillsItsHelper()], ids=["clean", "unpicklable", "helper_dies"])
def test_long_tables_rendered_by_helpers_are_byte_for_byte_what_one_process_writes(tmp_path, monkeypatch, odd):
    """A streamed table longer than one block (stream.CHUNK_CELLS) inside rendering_helpers() goes to
    helper processes block by block; the sheet is byte for byte the one this process writes alone.
    A block a helper cannot take (a value that cannot be pickled) or loses (the helper dies) is
    rendered here; the blocks stay in order and the temporary files are removed."""
    monkeypatch.setattr(stream, "CHUNK_CELLS", 10)           # 5 columns: 2 rows a block
    rows = [[f"A{i:02d}", *r[1:]] for i, r in enumerate(ROWS * 6)]
    if odd is not None:
        rows[13] = [rows[13][0], odd, 1, None, "giữa bảng"]
    alone, _ = _long_book(tmp_path / "mot.xlsx", rows, helpers=False)
    helped, blocks = _long_book(tmp_path / "hai.xlsx", rows, helpers=True)
    assert helped == alone
    assert len(blocks) == len(rows) // 2
    # blocks a helper did not render: it failed them, or the pool was already broken when they came
    here = [i for i, b in enumerate(blocks) if b.future is None or b.future.exception() is not None]
    if odd is None:
        assert here == []
    elif isinstance(odd, Unpicklable):
        assert here == [6]                                    # rows 12–13: only that block
    else:
        assert 6 in here                       # it, and whatever the broken pool still had or was given after
        made_here = [i for i, b in enumerate(blocks) if b.future is None]
        assert made_here == list(range(made_here[0], len(blocks))) if made_here else True
    if odd is not None:
        assert str(odd).encode() in helped
    assert not [p for p in os.listdir(tmp_path) if p not in ("mot.xlsx", "hai.xlsx")]
    assert stream._HELPERS is None


def test_short_tables_never_start_helpers(tmp_path):
    with stream.rendering_helpers(2):
        with atomic_workbook(tmp_path / "ngan.xlsx") as wb:
            ws = wb.add_worksheet("Bảng", StreamSheet)
            Renderer(wb).write(ws, SPEC, 2, 0, iter(ROWS), stream=True)
            assert ws._blocks == []
        assert stream._HELPERS.pool is None


def test_on_one_core_every_block_is_rendered_here_with_the_same_bytes(tmp_path, monkeypatch):
    monkeypatch.setattr(stream, "CHUNK_CELLS", 10)
    monkeypatch.setattr(stream.os, "cpu_count", lambda: 1)
    rows = [[f"A{i:02d}", *r[1:]] for i, r in enumerate(ROWS * 3)]
    alone, _ = _long_book(tmp_path / "mot.xlsx", rows, helpers=False)
    with atomic_workbook(tmp_path / "hai.xlsx") as wb:              # its own rendering_helpers(): none here
        ws = wb.add_worksheet("Bảng", StreamSheet)
        Renderer(wb).write(ws, SPEC, 2, 0, iter(rows), stream=True)
        blocks = list(ws._blocks)
        assert stream._HELPERS.pool is None
    assert blocks and all(b.future is None for b in blocks)
    with zipfile.ZipFile(tmp_path / "hai.xlsx") as z:
        assert z.read("xl/worksheets/sheet1.xml") == alone
    assert sorted(os.listdir(tmp_path)) == ["hai.xlsx", "mot.xlsx"]


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads the signal mask from /proc (Linux)")
def test_ctrl_c_is_the_writers_to_handle_not_the_helpers(tmp_path, monkeypatch):
    """Ctrl+C reaches every process of the terminal's group; helpers ignore it (the writer stops them
    when it stops), so an interrupt they see costs no block and prints nothing."""
    import signal
    import time
    monkeypatch.setattr(stream, "CHUNK_CELLS", 10)
    rows = [[f"A{i:02d}", *r[1:]] for i, r in enumerate(ROWS * 3)]
    alone, _ = _long_book(tmp_path / "mot.xlsx", rows, helpers=False)
    with stream.rendering_helpers(2):
        with atomic_workbook(tmp_path / "hai.xlsx") as wb:
            ws = wb.add_worksheet("Bảng", StreamSheet)
            Renderer(wb).write(ws, SPEC, 2, 0, iter(rows[:4]), stream=True)     # two blocks: helpers start
            for b in ws._blocks:
                b.future.result()
            pids = list(stream._HELPERS.pool._processes)
            assert pids

            def ignores_ctrl_c(pid: int) -> bool:      # once started (Linux: the mask in /proc)
                with open(f"/proc/{pid}/status") as fh:
                    mask = next(line for line in fh if line.startswith("SigIgn:")).split()[1]
                return bool(int(mask, 16) & (1 << (signal.SIGINT - 1)))
            deadline = time.monotonic() + 10
            while not all(ignores_ctrl_c(p) for p in pids) and time.monotonic() < deadline:
                time.sleep(0.05)
            for pid in pids:
                os.kill(pid, signal.SIGINT)
            time.sleep(0.3)
            ws2 = wb.add_worksheet("Bảng 2", StreamSheet)
            Renderer(wb).write(ws2, TableSpec("tblThu2", SPEC.columns), 2, 0, iter(rows), stream=True)
            blocks = list(ws2._blocks)
        assert all(b.future is not None and b.future.exception() is None for b in blocks)
    def rows_of(xml: bytes) -> bytes:
        return xml[xml.index(b"<sheetData"):xml.index(b"</sheetData>")]
    with zipfile.ZipFile(tmp_path / "hai.xlsx") as z:
        assert rows_of(z.read("xl/worksheets/sheet2.xml")) == rows_of(alone)
