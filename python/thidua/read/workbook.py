"""Open any workbook and hand out its Excel Tables, whatever sheet or row they sit on.

Every file goes through read.preflight first (limits, references, no DOCTYPE), then
python-calamine reads the repacked parts (fast, cached values only, never runs macros). Every
way a file can be unusable becomes one FileProblem with a Vietnamese message; no library
exception leaves this module. Text is handed out in composed Unicode (NFC).
"""
from __future__ import annotations

import io
import os
import stat
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FileProblem
from ..values import fold, nfc
from .preflight import MAX_FILE_BYTES, Package, mib_text, preflight

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


# Rows typed directly under a list table are read as candidates (LibreOffice and WPS do not grow
# a table when one types below it); a form's lists validate 500 rows, so this is generous.
MAX_ROWS_BELOW = 1_000


@dataclass
class Table:
    name: str
    sheet: str
    headers: list[str]        # folded (see values.fold): "Họ  và tên" finds "Họ và tên"
    rows: list[list]          # data rows only, cell values as read ('' or None for blank)
    first_row: int            # 0-based sheet row of the first data row
    first_col: int            # 0-based sheet column of the first column
    below: list[list] = field(default_factory=list)   # non-blank rows right under the table, same width

    def column(self, header: str) -> int | None:
        try:
            return self.headers.index(header)
        except ValueError:
            try:
                return self.headers.index(fold(header))
            except ValueError:
                return None

    def address(self, i: int, j: int) -> str:
        return cell_address(self.first_row + i, self.first_col + j)

    def header_address(self, j: int) -> str:
        return cell_address(self.first_row - 1, self.first_col + j)

    def records(self) -> list[dict]:
        return [dict(zip(self.headers, r)) for r in self.rows]


def read_bytes(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """Read the whole file once (also what a checksum needs), classifying OS failures.

    Opened without following a symbolic link and without blocking on a pipe; only a regular
    file is read, and never more than `limit` bytes."""
    name = path.name
    if name.startswith("~$"):
        raise FileProblem(
            f"'{name}' là tệp tạm Excel tạo ra khi có người đang mở một bảng tính, không phải "
            "biểu mẫu. Bỏ qua tệp này (nó tự mất khi đóng Excel).", code="lock_file", path=str(path))
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise FileProblem(f"Không tìm thấy tệp '{path}'. Kiểm tra lại đường dẫn.",
                          code="not_found", path=str(path)) from None
    except IsADirectoryError:
        raise _folder(path) from None
    except PermissionError:
        raise FileProblem(
            f"Không mở được '{name}': tệp đang bị khóa (có thể đang mở trong Excel hoặc không có "
            "quyền đọc). Hãy đóng tệp trong Excel rồi thử lại.", code="locked", path=str(path)) from None
    except OSError as exc:
        if os.path.islink(path):
            raise not_regular(path) from None
        raise _unreadable(path, exc) from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            if stat.S_ISDIR(st.st_mode):
                raise _folder(path)
            raise not_regular(path)
        if st.st_size > limit:
            raise too_big(path, st.st_size, limit)
        with os.fdopen(fd, "rb", closefd=False) as fh:
            # Asked for its size, not the limit: a read of `limit` bytes reserves (and gives back)
            # that much memory for every file, which cost four times the reading itself.
            data = fh.read(st.st_size + 1)
            if len(data) > st.st_size:             # grew since fstat (or a size the system does not know)
                data += fh.read(limit + 1 - len(data))
        if len(data) > limit:                      # grew while we read
            raise too_big(path, len(data), limit)
        return data
    except OSError as exc:
        raise _unreadable(path, exc) from None
    finally:
        os.close(fd)


def _folder(path: Path) -> FileProblem:
    return FileProblem(f"'{path}' là thư mục, không phải tệp Excel.", code="not_found", path=str(path))


def _unreadable(path: Path, exc: OSError) -> FileProblem:
    return FileProblem(f"Không đọc được '{path.name}': {exc.strerror or exc}. Hãy sao chép tệp vào máy rồi thử "
                       "lại.", code="locked", path=str(path))


def not_regular(path: Path) -> FileProblem:
    return FileProblem(f"'{path.name}' là liên kết (shortcut/symlink) hoặc không phải tệp thường (thiết bị, "
                       "đường ống); chương trình không đọc theo liên kết. Hãy chép chính tệp biểu mẫu vào "
                       "thư mục.", code="not_regular_file", path=str(path))


def too_big(path: Path, size: int, limit: int) -> FileProblem:
    return FileProblem(f"'{path.name}' nặng {mib_text(size, 1)}, vượt giới hạn an toàn nên không đọc (giới hạn "
                       f"{mib_text(limit, 1)}; biểu mẫu thật chỉ vài chục KB). Hãy xóa ảnh, trang hoặc dòng thừa "
                       "rồi lưu và gửi lại.",
                       code="over_limit", path=str(path))


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


def open_workbook(path: str | Path, data: bytes | None = None, only: tuple[str, ...] | None = None,
                  below: tuple[str, ...] = ()) -> Workbook:
    """Open a workbook and load its tables (all, or just `only`); for the tables named in `below`,
    also the non-blank rows typed right under them (Table.below)."""
    path = Path(path)
    if data is None:
        data = read_bytes(path)
    if not data.startswith(b"PK"):
        raise _classify_not_zip(data, path.name, str(path))
    package = preflight(data, path.name, str(path), only)
    try:
        return _open_calamine(path, package, only, below)
    except (KeyboardInterrupt, SystemExit):
        raise
    except FileProblem:
        raise
    except MemoryError:
        raise FileProblem(f"'{path.name}' cần quá nhiều bộ nhớ để đọc nên không đọc được. Hãy xóa phần thừa "
                          "rồi lưu và gửi lại.", code="over_limit", path=str(path)) from None
    except BaseException:  # noqa: BLE001 - the Rust parser panics with a BaseException subclass
        raise _classify_not_zip(b"x", path.name, str(path)) from None


def _open_calamine(path: Path, package: Package, only, below) -> Workbook:
    import python_calamine as pc

    wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(package.data), load_tables=True)
    tables: dict[str, Table] = {}
    for name in wb.table_names:
        if only is not None and name not in only:
            continue
        t = wb.get_table_by_name(name)
        rows = t.to_python()
        if not _composed(rows):
            rows = [[nfc(v) if type(v) is str else v for v in r] for r in rows]
        table = Table(name, nfc(t.sheet), [fold(c) for c in t.columns], rows, t.start[0], t.start[1])
        if name in below and package.cells_below(name):
            table.below = _rows_below(wb, t, table)
        tables[name] = table
    return Workbook(path, tables, [nfc(s) for s in wb.sheet_names], "calamine")


def _composed(rows: list[list]) -> bool:
    """Is every text of the table composed (NFC) already, as files saved by Excel nearly always are?
    One check over the texts joined by NUL — a character that composes with nothing, so the whole is
    NFC exactly when each text is — instead of one call per cell."""
    texts = [v for r in rows for v in r if type(v) is str]
    return not texts or unicodedata.is_normalized("NFC", "\0".join(texts))


def _rows_below(wb, t, table: Table) -> list[list]:
    """The contiguous non-blank rows directly under the table, within its columns."""
    grid = wb.get_sheet_by_name(t.sheet).to_python(skip_empty_area=False)
    first, c0, width = t.end[0] + 1, t.start[1], len(table.headers)
    out = []
    for r in grid[first:first + MAX_ROWS_BELOW]:
        cells = [nfc(v) if isinstance(v, str) else v for v in (r[c0:c0 + width] + [""] * width)[:width]]
        if all(v is None or (isinstance(v, str) and not fold(v)) for v in cells):
            break
        out.append(cells)
    return out
