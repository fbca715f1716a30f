"""XlsxWriter is pinned exactly because two parts of thidua use its internals: the streamed tables
(write/stream.py) and the ribbon packager (xl/build.py). This fails loudly, naming what moved, the
day an upgrade changes them; the streamed-table and build tests then show the consequences."""
from __future__ import annotations

import inspect
import re
from pathlib import Path

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.packager import Packager
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet


def test_the_installed_xlsxwriter_is_the_pinned_one():
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text("utf-8")
    pinned = re.search(r'"XlsxWriter==([0-9.]+)"', pyproject).group(1)
    assert xlsxwriter.__version__ == pinned


def test_the_internals_stream_and_build_use_are_there():
    for name in ("_convert_date_time", "_check_dimensions", "_write_sheet_data", "_write_rows", "_xml_start_tag",
                 "_xml_end_tag", "add_table"):
        assert callable(getattr(Worksheet, name, None)), f"Worksheet.{name}"
    assert list(inspect.signature(Worksheet._check_dimensions).parameters) == \
        ["self", "row", "col", "ignore_row", "ignore_col"]
    assert callable(getattr(Format, "_get_xf_index", None)), "Format._get_xf_index"
    assert callable(getattr(Packager, "_create_package", None)) and callable(getattr(Packager, "_filename", None))
    assert callable(getattr(Workbook, "_get_packager", None)), "Workbook._get_packager"
    ws = Worksheet()
    for attr in ("xls_rowmax", "dim_rowmin", "dim_rowmax", "tables", "date_1904", "remove_timezone"):
        assert hasattr(ws, attr), f"Worksheet.{attr}"
    # helpers render dates without a Worksheet: the function its _convert_date_time calls, same answers
    from datetime import datetime
    from xlsxwriter.utility import _datetime_to_excel_datetime
    assert list(inspect.signature(_datetime_to_excel_datetime).parameters)[:3] == \
        ["dt_obj", "date_1904", "remove_timezone"]
    when = datetime(2026, 7, 15, 8, 30, 5)
    assert _datetime_to_excel_datetime(when, ws.date_1904, ws.remove_timezone) == ws._convert_date_time(when)


def test_a_table_is_recorded_as_stream_expects(tmp_path):
    wb = Workbook(str(tmp_path / "t.xlsx"), {"in_memory": True})
    ws = wb.add_worksheet()
    ws.add_table(0, 0, 3, 1, {"name": "tblX", "columns": [{"header": "A"}, {"header": "B"}]})
    table = ws.tables[-1]
    assert {"range", "a_range", "autofilter"} <= set(table) and table["range"] == "A1:B4"
    assert isinstance(getattr(ws, "table_cells", {}), dict)
    wb.close()


def test_workbooks_are_zipped_fast_and_whole(tmp_path):
    """write.xlsx.fast_deflate swaps zipfile's compressor factory while a large workbook is zipped:
    the hook must exist, the parts must inflate to what was written (CRC checked), and the factory
    must be zipfile's own again afterwards."""
    import zipfile
    import zlib

    from thidua.write.xlsx import atomic_workbook
    own = zipfile._get_compressor
    assert list(inspect.signature(own).parameters)[:2] == ["compress_type", "compresslevel"]
    path = tmp_path / "big.xlsx"
    with atomic_workbook(path) as wb:
        ws = wb.add_worksheet("Số liệu")
        for r in range(3000):
            ws.write_row(r, 0, [f"Đơn vị {r}", r * 1.5, "Có" if r % 3 else "Không", f"C{r % 9:02d}"])
    assert zipfile._get_compressor is own
    with zipfile.ZipFile(path) as z:
        assert z.testzip() is None
        info = z.getinfo("xl/worksheets/sheet1.xml")
        xml = z.read(info)
        assert info.compress_type == zipfile.ZIP_DEFLATED and b'<c r="B3000"' in xml
        assert "Đơn vị 2999".encode() in z.read("xl/sharedStrings.xml")
        assert info.compress_size != len(zlib.compress(xml, 6)) - 6     # not zlib's default level
