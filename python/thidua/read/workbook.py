"""Open any workbook and hand out its Excel Tables, whatever sheet or row they sit on.

python-calamine reads (fast, cached values only, never runs macros); openpyxl is the fallback
when calamine cannot parse a file. Every way a file can be unusable becomes one FileProblem
with a Vietnamese message; no library exception leaves this module.
"""
from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass
from pathlib import Path

from ..errors import FileProblem

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"


def column_letter(index: int) -> str:
    """0-based column index -> Excel letters (0 -> A, 27 -> AB)."""
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def cell_address(row: int, col: int) -> str:
    """0-based row/column -> "B7"."""
    return f"{column_letter(col)}{row + 1}"


@dataclass
class Table:
    name: str
    sheet: str
    headers: list[str]
    rows: list[list]          # data rows only, cell values as read ('' or None for blank)
    first_row: int            # 0-based sheet row of the first data row
    first_col: int            # 0-based sheet column of the first column

    def column(self, header: str) -> int | None:
        try:
            return self.headers.index(header)
        except ValueError:
            return None

    def address(self, i: int, j: int) -> str:
        return cell_address(self.first_row + i, self.first_col + j)

    def header_address(self, j: int) -> str:
        return cell_address(self.first_row - 1, self.first_col + j)

    def records(self) -> list[dict]:
        return [dict(zip(self.headers, r)) for r in self.rows]


def read_bytes(path: Path) -> bytes:
    """Read the whole file once (also what a checksum needs), classifying OS failures."""
    name = path.name
    if name.startswith("~$"):
        raise FileProblem(
            f"'{name}' là tệp tạm Excel tạo ra khi có người đang mở một bảng tính, không phải "
            "biểu mẫu. Bỏ qua tệp này (nó tự mất khi đóng Excel).", code="lock_file", path=str(path))
    try:
        with open(path, "rb") as fh:
            return fh.read()
    except FileNotFoundError:
        raise FileProblem(f"Không tìm thấy tệp '{path}'. Kiểm tra lại đường dẫn.",
                          code="not_found", path=str(path)) from None
    except IsADirectoryError:
        raise FileProblem(f"'{path}' là thư mục, không phải tệp Excel.",
                          code="not_found", path=str(path)) from None
    except PermissionError:
        raise FileProblem(
            f"Không mở được '{name}': tệp đang bị khóa (có thể đang mở trong Excel hoặc không có "
            "quyền đọc). Hãy đóng tệp trong Excel rồi thử lại.", code="locked", path=str(path)) from None
    except OSError as exc:
        raise FileProblem(f"Không đọc được '{name}': {exc.strerror or exc}. Hãy sao chép tệp "
                          "vào máy rồi thử lại.", code="locked", path=str(path)) from None


def _classify_not_zip(data: bytes, name: str, path: str) -> FileProblem:
    if data.startswith(OLE_MAGIC):
        if b"E\x00n\x00c\x00r\x00y\x00p\x00t\x00i\x00o\x00n\x00I\x00n\x00f\x00o" in data:
            return FileProblem(
                f"'{name}' được đặt mật khẩu mở tệp nên không đọc được. Hãy mở tệp trong Excel, "
                "bỏ mật khẩu (Tệp > Thông tin > Bảo vệ sổ làm việc > Mã hóa bằng mật khẩu, xóa "
                "mật khẩu), lưu lại rồi gửi lại.", code="encrypted", path=path)
        return FileProblem(
            f"'{name}' là tệp Excel 97–2003 (.xls), không phải biểu mẫu được cấp. Hãy nhập số liệu "
            "vào đúng tệp biểu mẫu .xlsm/.xlsx đã được gửi.", code="old_format", path=path)
    if not data:
        return FileProblem(f"'{name}' là tệp rỗng (0 byte). Hãy gửi lại tệp biểu mẫu.",
                           code="corrupt", path=path)
    return FileProblem(
        f"'{name}' bị hỏng hoặc không phải tệp Excel. Hãy mở thử trong Excel; nếu không mở được, "
        "gửi lại bản lưu khác.", code="corrupt", path=path)


class Workbook:
    """Tables of one workbook, keyed by Excel Table name."""

    def __init__(self, path: Path, tables: dict[str, Table], sheet_names: list[str], engine: str):
        self.path = path
        self.tables = tables
        self.sheet_names = sheet_names
        self.engine = engine

    def table(self, name: str) -> Table | None:
        return self.tables.get(name)


def open_workbook(path: str | Path, data: bytes | None = None,
                  only: tuple[str, ...] | None = None) -> Workbook:
    """Open a workbook and load its tables (all, or just `only`)."""
    path = Path(path)
    if data is None:
        data = read_bytes(path)
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise _classify_not_zip(data, path.name, str(path))
    try:
        return _open_calamine(path, data, only)
    except Exception:  # calamine refused: try the slower, more lenient reader
        pass
    try:
        return _open_openpyxl(path, data, only)
    except Exception:
        raise _classify_not_zip(b"x", path.name, str(path)) from None


def _open_calamine(path: Path, data: bytes, only) -> Workbook:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(data), load_tables=True)
    tables: dict[str, Table] = {}
    for name in wb.table_names:
        if only is not None and name not in only:
            continue
        t = wb.get_table_by_name(name)
        rows = t.to_python()
        tables[name] = Table(name, t.sheet, [str(c) for c in t.columns], rows, t.start[0], t.start[1])
    return Workbook(path, tables, list(wb.sheet_names), "calamine")


def _open_openpyxl(path: Path, data: bytes, only) -> Workbook:
    from openpyxl import load_workbook
    from openpyxl.utils.cell import range_boundaries

    wb = load_workbook(io.BytesIO(data), data_only=True)  # never keep_vba: macros are not ours to run
    tables: dict[str, Table] = {}
    for ws in wb.worksheets:
        for name, tbl in ws.tables.items():
            if only is not None and name not in only:
                continue
            min_col, min_row, max_col, max_row = range_boundaries(tbl.ref)
            grid = [[c.value for c in row] for row in ws.iter_rows(
                min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col)]
            headers = [str(h) if h is not None else "" for h in grid[0]]
            tables[name] = Table(name, ws.title, headers, grid[1:], min_row, min_col - 1)
    return Workbook(path, tables, wb.sheetnames, "openpyxl")
