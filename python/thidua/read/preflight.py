"""Inspect a returned file before any parser sees it.

Files come from 100–300 outside units by e-mail and Zalo; one of them can be broken or built
to hurt (a cell at XFD1048576 makes the parser allocate tens of GB, a 1 KB zip inflates to
1 GB). Before python-calamine reads anything, this module walks the package the way calamine
does (workbook → its relationships → worksheets → their tables), inflates only the parts a
parser will read, itself, as a stream with a cap, and checks what could make the parser
allocate or loop: part sizes, cell references and the used area of the sheets read, table
ranges, the shared-string count, DOCTYPE / entity declarations.

The parser then gets a new zip made of exactly the bytes inspected (stored, not compressed,
so calamine does not inflate them a second time): a part nobody inspected cannot reach it,
and two parts with the same name cannot show one thing to us and another to calamine.
Members no parser reads (VBA project, images, themes, document properties) are never
inflated; their declared sizes are still held to the limits.
"""
from __future__ import annotations

import posixpath
import re
import struct
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from html import unescape
from typing import NamedTuple

from ..errors import FileProblem
from ..values import format_number_vi

try:        # Intel ISA-L inflates deflate twice as fast as zlib: same format, same limits
    from isal.isal_zlib import decompress as _inflate, decompressobj as _inflater, error as _InflateError
except ImportError:                                     # platforms without its wheels
    from zlib import decompress as _inflate, decompressobj as _inflater, error as _InflateError

MiB = 1024 * 1024

# --- limits: generous for real forms, each with its reason --------------------------------------
# A returned form is 15–60 KB on disk and ~200 KB inflated; a consolidation workbook of a whole
# province a few MB. The biggest legitimate list is a member list of a few thousand rows.
MAX_FILE_BYTES = 20 * MiB          # 300× a real form; room for pasted pictures
MAX_MEMBERS = 2_000                # a form has ~35 zip members; Excel adds a few per sheet
MAX_DIRECTORY_BYTES = 1 * MiB      # the zip's table of contents (~3 KB in a form)
MAX_PART_BYTES = 32 * MiB          # one XML part inflated; a 5,000-row member sheet is ~3 MB
MAX_PARTS_BYTES = 64 * MiB         # all the parts one file hands to the parser, together
MAX_SHEET_CELLS = 2_000_000        # used area (rows × columns) of a sheet read: the parser
                                   # allocates the whole rectangle, ~32 bytes a cell
MAX_SHARED_STRINGS = 1_000_000     # the parser reserves room for the declared count up front
MAX_SHEETS = 1_000                 # sheets listed in the workbook
EXCEL_MAX_ROWS, EXCEL_MAX_COLS = 1_048_576, 16_384    # Excel's own sheet: A1:XFD1048576

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_STUB_SHEET = f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{_MAIN}"><sheetData/></worksheet>'.encode()
_STUB_CRC = zlib.crc32(_STUB_SHEET)
_DEFLATE_MAX_RATIO = 1032          # deflate cannot expand more than this: smaller inputs need no cap
_NEVER_READ = b"never read"        # marker: a member we list but do not inflate

_EOCD = b"PK\x05\x06"
_ZIP64_LOCATOR = b"PK\x06\x07"
_LOCAL = b"PK\x03\x04"
_CENTRAL = b"PK\x01\x02"
# central directory entry: flags, method, CRC, sizes, name/extra/comment lengths, local offset
_CD_ENTRY = struct.Struct("<8xHH4xIIIHHH8xI")


class _Member(NamedTuple):          # a tuple: built once per zip member, on the hot path
    flags: int
    method: int
    crc: int
    compressed: int
    size: int                      # as declared: never trusted for what is inflated
    offset: int


def _zip64_sizes(extra: bytes, csize: int, usize: int, offset: int) -> tuple[int, int, int]:
    i = 0
    while i + 4 <= len(extra):
        tag, n = struct.unpack_from("<HH", extra, i)
        if tag == 1:
            vals = list(struct.unpack_from(f"<{min(n // 8, 3)}Q", extra, i + 4))
            if usize == 0xFFFFFFFF and vals:
                usize = vals.pop(0)
            if csize == 0xFFFFFFFF and vals:
                csize = vals.pop(0)
            if offset == 0xFFFFFFFF and vals:
                offset = vals.pop(0)
            break
        i += 4 + n
    return csize, usize, offset


def mib_text(n: int, decimals: int = 0) -> str:
    """A size as people read it: "20 MB", "1,5 MB"."""
    return f"{format_number_vi(n / MiB, decimals)} MB"


@dataclass
class SheetInfo:
    name: str                      # sheet name as the workbook lists it
    part: str                      # zip path of its XML
    read: bool = False             # holds a table someone asked for (inspected, handed on)
    last_row: int = 0              # 1-based last row that has a cell element (0: none)


@dataclass
class TableInfo:
    name: str
    sheet: str                     # sheet name
    first_row: int                 # 1-based, header row
    first_col: int
    last_row: int
    last_col: int


@dataclass
class Package:
    """What inspection found and the repacked bytes the parser may read."""
    data: bytes
    sheets: list[SheetInfo] = field(default_factory=list)
    tables: dict[str, TableInfo] = field(default_factory=dict)

    def cells_below(self, table: str) -> bool:
        """Does the table's sheet have cell elements below the table's last row?"""
        t = self.tables.get(table)
        if t is None:
            return False
        return any(s.name == t.sheet and s.last_row > t.last_row for s in self.sheets)


# Parts that many files share byte for byte (styles, relationships, table definitions, the
# workbook part of forms made by one writer) are inspected once per process: the same compressed
# bytes always inflate to the same content. Sheets and shared strings are each form's own.
_SEEN: dict[tuple[int, int, int], tuple[bytes, bytes, int]] = {}    # (method, CRC, size) -> raw, inflated, CRC
_SEEN_ENTRIES, _SEEN_RAW_BYTES = 512, 16 * 1024
_UNIQUE_PARTS = ("xl/worksheets/sheet", "xl/sharedStrings")


class _Refuse(Exception):
    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code, self.message = code, message


def preflight(data: bytes, name: str, path: str, only: tuple[str, ...] | None = None) -> Package:
    """Inspect `data` (a zip believed to be an Excel workbook) and repack what the parser needs.

    `only`: the Excel Tables wanted (None: all); sheets holding none of them are replaced by an
    empty sheet, so their content is neither inflated nor parsed. Raises FileProblem with a
    Vietnamese message naming the limit; never any other exception."""
    try:
        return _Inspector(data, only).run()
    except _Refuse as r:
        raise FileProblem(f"'{name}' {r.message}", code=r.code, path=path) from None
    except FileProblem:
        raise
    except Exception:                     # any malformation we did not foresee: the file is broken
        raise FileProblem(
            f"'{name}' bị hỏng (cấu trúc tệp Excel không hợp lệ). Hãy mở thử trong Excel; nếu không mở "
            "được, gửi lại bản lưu khác.", code="corrupt", path=path) from None


def _over(what: str, limit: str) -> _Refuse:
    return _Refuse("over_limit", f"vượt giới hạn an toàn nên không đọc: {what} (giới hạn {limit}). Biểu mẫu "
                                 "thật chỉ vài chục KB; hãy mở tệp trong Excel, xóa phần thừa (ảnh, trang, "
                                 "dòng/cột trống đã định dạng) rồi lưu và gửi lại, hoặc nhập lại vào biểu mẫu gốc.")


def _corrupt(what: str) -> _Refuse:
    return _Refuse("corrupt", f"bị hỏng ({what}). Hãy mở thử trong Excel; nếu không mở được, gửi lại bản lưu khác.")


class _Inspector:
    def __init__(self, data: bytes, only):
        self.data = data
        self.only = None if only is None else set(only)
        self.total = 0                    # bytes inflated so far
        self.parts: dict[str, bytes] = {}
        self.crcs: dict[str, int] = {}

    # --- the zip's table of contents --------------------------------------------------------------
    def run(self) -> Package:
        if len(self.data) > MAX_FILE_BYTES:
            raise _over(f"tệp {mib_text(len(self.data))}", mib_text(MAX_FILE_BYTES))
        self.members = self._directory()
        if "xl/workbook.xml" not in self.members:
            raise self._not_xlsx()
        return self._walk()

    def _directory(self) -> dict[str, _Member]:
        """The zip's table of contents, read here (sizes and count capped before a single entry is
        built: a 20 MB file could list 400,000 entries)."""
        d = self.data
        at = d.rfind(_EOCD, max(0, len(d) - 65_557))
        if at < 0 or at + 22 > len(d):
            raise _corrupt("thiếu phần cuối của tệp nén")
        entries, size, start = struct.unpack_from("<HII", d, at + 10)
        if entries == 0xFFFF or size == 0xFFFFFFFF or start == 0xFFFFFFFF:   # ZIP64: the figures are elsewhere
            loc = at - 20
            if loc < 0 or d[loc:loc + 4] != _ZIP64_LOCATOR:
                raise _corrupt("mục lục ZIP64 không hợp lệ")
            (rec,) = struct.unpack_from("<Q", d, loc + 8)
            if rec + 56 > len(d) or d[rec:rec + 4] != b"PK\x06\x06":
                raise _corrupt("mục lục ZIP64 không hợp lệ")
            entries, size, start = struct.unpack_from("<QQQ", d, rec + 32)
        if entries > MAX_MEMBERS:
            raise _over(f"{format_number_vi(entries)} phần trong tệp nén", f"{format_number_vi(MAX_MEMBERS)} phần")
        if size > MAX_DIRECTORY_BYTES:
            raise _over(f"mục lục tệp nén {mib_text(size)}", mib_text(MAX_DIRECTORY_BYTES))
        if start + size > at:
            raise _corrupt("mục lục của tệp nén không hợp lệ")
        members: dict[str, _Member] = {}
        i = start
        for _ in range(entries):
            if i + 46 > start + size or d[i:i + 4] != _CENTRAL:
                raise _corrupt("mục lục của tệp nén không hợp lệ")
            (flags, method, crc, csize, usize, n, x, c, offset) = _CD_ENTRY.unpack_from(d, i)
            raw = d[i + 46:i + 46 + n]
            name = raw.decode("utf-8" if flags & 0x800 else "cp437", "replace")
            if 0xFFFFFFFF in (csize, usize, offset):
                csize, usize, offset = _zip64_sizes(d[i + 46 + n:i + 46 + n + x], csize, usize, offset)
            if name in members:
                raise _corrupt(f"có hai phần cùng tên '{name}'")
            members[name] = _Member(flags, method, crc, csize, usize, offset)
            i += 46 + n + x + c
        return members

    def _not_xlsx(self) -> _Refuse:
        if "content.xml" in self.members and "mimetype" in self.members:
            return _Refuse("not_xlsx", "là tệp bảng tính OpenDocument (.ods, LibreOffice), không phải biểu mẫu Excel. "
                                       "Hãy mở lại biểu mẫu .xlsm được gửi, hoặc trong LibreOffice chọn Tệp > Lưu "
                                       "thành > kiểu 'Excel 2007-365 (macro-enabled)' rồi gửi lại.")
        if "xl/workbook.bin" in self.members:
            return _Refuse("not_xlsx", "là tệp Excel dạng nhị phân (.xlsb), không đọc được bảng. Hãy lưu lại dạng "
                                       "'Excel Macro-Enabled Workbook (.xlsm)' rồi gửi lại.")
        if "word/document.xml" in self.members:
            return _Refuse("not_xlsx", "là văn bản Word, không phải bảng tính Excel.")
        return _corrupt("không có phần sổ làm việc Excel")

    # --- inflating one member, as a stream with a cap -------------------------------------------
    def part(self, name: str) -> bytes:
        hit = self.parts.get(name)
        if hit is not None:
            return hit
        info = self.members.get(name)
        if info is None:
            raise _corrupt(f"thiếu phần '{name}'")
        if info.flags & 0x1:
            raise _Refuse("encrypted", "có phần bị mã hóa trong tệp nén nên không đọc được. Hãy bỏ mật khẩu, lưu "
                                       "lại rồi gửi lại.")
        d = self.data
        start = info.offset
        if start + 30 > len(d) or d[start:start + 4] != _LOCAL:
            raise _corrupt(f"phần '{name}' không hợp lệ")
        n, e = struct.unpack_from("<HH", d, start + 26)
        begin = start + 30 + n + e
        raw = d[begin:begin + info.compressed]
        if len(raw) != info.compressed:
            raise _corrupt(f"phần '{name}' bị cắt cụt")
        room = min(MAX_PART_BYTES, MAX_PARTS_BYTES - self.total)
        key = (info.method, info.crc, info.compressed)
        seen = _SEEN.get(key) if info.compressed <= _SEEN_RAW_BYTES else None
        if seen is not None and seen[0] == raw and len(seen[1]) <= room:
            out, crc = seen[1], seen[2]            # the very same bytes were inspected before
            self.total += len(out)
            self.parts[name] = out
            self.crcs[name] = crc
            return out
        if info.method == 0:                          # stored
            out = raw
        elif info.method == 8 and len(raw) * _DEFLATE_MAX_RATIO <= room:
            try:                                      # too small to inflate past the limit: one call
                out = _inflate(raw, -15)
            except _InflateError:
                raise _corrupt(f"phần '{name}' bị cắt cụt hoặc hỏng") from None
        elif info.method == 8:                        # deflated: inflated here, never more than `room`
            z = _inflater(-15)
            try:
                out = z.decompress(raw, room + 1)
            except _InflateError:
                raise _corrupt(f"phần '{name}' bị hỏng") from None
            if len(out) <= room and not z.eof:
                raise _corrupt(f"phần '{name}' bị cắt cụt")
        else:
            raise _corrupt(f"phần '{name}' dùng kiểu nén {info.method} không được hỗ trợ")
        if len(out) > room:
            if room < MAX_PART_BYTES:
                raise _over("tổng các phần cần đọc khi giải nén", mib_text(MAX_PARTS_BYTES))
            raise _over(f"phần '{name}' khi giải nén lớn hơn {mib_text(MAX_PART_BYTES)}", mib_text(MAX_PART_BYTES))
        crc = zlib.crc32(out)
        if crc != info.crc:                          # calamine does not check it on stored parts
            raise _corrupt(f"phần '{name}' sai mã kiểm tra (CRC)")
        wide = _utf8(out, name)
        if wide is not out:
            out, crc = wide, zlib.crc32(wide)
        _prolog(out, name)
        self.total += len(out)
        self.parts[name] = out
        self.crcs[name] = crc
        if info.compressed <= _SEEN_RAW_BYTES and not name.startswith(_UNIQUE_PARTS):
            if len(_SEEN) >= _SEEN_ENTRIES:
                _SEEN.clear()
            _SEEN[key] = (raw, out, crc)
        return out

    # --- the workbook, as calamine walks it ------------------------------------------------------
    def _walk(self) -> Package:
        root = _relationships(self.part("_rels/.rels"), "")
        if [t for typ, t in root.values() if typ == "officeDocument"] != ["xl/workbook.xml"]:
            raise _corrupt("phần chính của sổ làm việc không ở chỗ Excel đặt")
        rels = _relationships(self.part("xl/_rels/workbook.xml.rels"), "xl/")
        sheets = _sheets(self.part("xl/workbook.xml"))
        if len(sheets) > MAX_SHEETS:
            raise _over(f"{format_number_vi(len(sheets))} trang tính", f"{format_number_vi(MAX_SHEETS)} trang")
        by_type: dict[str, list[str]] = {}
        for _rid, (typ, target) in rels.items():
            by_type.setdefault(typ, []).append(target)
        for kind in ("sharedStrings", "styles"):
            for target in by_type.get(kind, [])[:1]:
                if target in self.members:
                    self.part(target)
        shared = self.parts.get(next(iter(by_type.get("sharedStrings", [])), ""), b"")
        if shared:
            _shared_count(shared)

        pkg = Package(b"")
        keep: dict[str, bytes] = {}
        for name, rid in sheets:
            typ, target = rels.get(rid, ("", ""))
            if not target:
                continue
            info = SheetInfo(name, target)
            pkg.sheets.append(info)
            tables = self._tables_of(target, name) if typ == "worksheet" and target in self.members else []
            wanted = [t for t in tables if self.only is None or t[0].name in self.only]
            if not wanted:
                keep[target] = _STUB_SHEET          # nobody reads it: an empty sheet in its place
                continue
            info.read = True
            info.last_row = _sheet_area(self.part(target), name)
            rels_name = _rels_path(target)
            keep[target] = self.parts[target]
            keep[rels_name] = self.parts[rels_name]
            for t, part_name in tables:
                keep[part_name] = self.parts[part_name]
                pkg.tables.setdefault(t.name, t)
        for name in ("_rels/.rels", "xl/workbook.xml", "xl/_rels/workbook.xml.rels"):
            keep[name] = self.parts[name]
        for kind in ("sharedStrings", "styles"):
            for target in by_type.get(kind, [])[:1]:
                if target in self.parts:
                    keep[target] = self.parts[target]
        for name, info in self.members.items():            # never inflated: only their declared size
            if name not in keep and info.size > MAX_PART_BYTES:
                raise _over(f"phần '{name}' khai báo {mib_text(info.size)} khi giải nén", mib_text(MAX_PART_BYTES))
        pkg.data = _stored_zip(keep, self.crcs)
        self.parts.clear()
        return pkg

    def _tables_of(self, sheet_part: str, sheet_name: str) -> list[tuple[TableInfo, str]]:
        rels_name = _rels_path(sheet_part)
        if rels_name not in self.members:
            return []
        base = posixpath.dirname(sheet_part) + "/"
        out = []
        for typ, target in _relationships(self.part(rels_name), base).values():
            if typ != "table" or target not in self.members:
                continue
            head = _table_head(self.part(target))
            if head is None:
                continue
            name, ref = head
            (r1, c1), (r2, c2) = _range(ref, f"bảng '{name}'")
            if (r2 - r1 + 1) * (c2 - c1 + 1) > MAX_SHEET_CELLS:
                raise _over(f"bảng '{name}' phủ vùng {ref} ({format_number_vi((r2 - r1 + 1) * (c2 - c1 + 1))} ô)",
                            f"{format_number_vi(MAX_SHEET_CELLS)} ô")
            out.append((TableInfo(name, sheet_name, r1, c1, r2, c2), target))
        return out


# --- small readers over bytes (no XML parser: nothing here expands or recurses) -----------------
@lru_cache(maxsize=256)
def _sheets(book: bytes) -> list[tuple[str, str]]:
    """(name, relationship id) of each sheet the workbook part lists (shared: do not change)."""
    return [(unescape((_attrs(a).get(b"name") or b"").decode("utf-8", "replace")), _rel_id(a))
            for a in _tags(book, b"sheet")]


@lru_cache(maxsize=1024)
def _table_head(xml: bytes) -> tuple[str, str] | None:
    """(name, ref) of a table part."""
    head = next(_tags(xml, b"table"), None)
    if head is None:
        return None
    a = _attrs(head)
    return (unescape((a.get(b"displayName") or a.get(b"name") or b"").decode("utf-8", "replace")),
            a.get(b"ref", b"").decode("ascii", "replace"))



_TAG_CACHE: dict[bytes, re.Pattern] = {}
_ATTR = re.compile(rb'([\w:.\-]+)\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _tags(xml: bytes, local: bytes):
    """Attribute text of every start tag with this local name (any prefix)."""
    pat = _TAG_CACHE.get(local)
    if pat is None:
        pat = _TAG_CACHE[local] = re.compile(rb"<(?:[\w.\-]+:)?" + re.escape(local) + rb"(?=[\s/>])([^>]*)>")
    for m in pat.finditer(xml):
        yield m.group(1)


def _attrs(text: bytes) -> dict[bytes, bytes]:
    """Attributes of one start tag, keyed by local name (the prefix dropped)."""
    return {k.rpartition(b":")[2]: a or b for k, a, b in _ATTR.findall(text)}


def _attr(text: bytes, name: bytes) -> bytes | None:
    return _attrs(text).get(name)


def _rel_id(text: bytes) -> str:
    for k, a, b in _ATTR.findall(text):
        if k.endswith(b":id"):
            return (a or b).decode("utf-8", "replace")
    return ""


_USUAL_REL = re.compile(rb'^\s*Id="([^"&]*)"\s+Type="[^"]*/([^"/&]*)"\s+Target="([^"&]*)"\s*/?\s*$')


@lru_cache(maxsize=1024)                 # shared parts come back as the same bytes (see _SEEN)
def _relationships(xml: bytes, base: str) -> dict[str, tuple[str, str]]:
    """rId -> (short type, zip path), resolved as calamine does (relative to `base`, or absolute).
    Callers must not change the dict (it is shared)."""
    out = {}
    for text in _tags(xml, b"Relationship"):
        m = _USUAL_REL.match(text)                      # Id, Type, Target in the order writers use
        if m is not None:
            target = m.group(3).decode("utf-8", "replace")
            if target:
                path = target[1:] if target.startswith("/") else posixpath.normpath(base + target)
                out[m.group(1).decode("utf-8", "replace")] = (m.group(2).decode("utf-8", "replace"), path)
            continue
        a = _attrs(text)
        target = unescape(a.get(b"Target", b"").decode("utf-8", "replace"))
        if a.get(b"TargetMode") == b"External" or not target:
            continue                                    # links to other files are never followed
        typ = a.get(b"Type", b"").decode("utf-8", "replace").rsplit("/", 1)[-1]
        path = target[1:] if target.startswith("/") else posixpath.normpath(base + target)
        out[a.get(b"Id", b"").decode("utf-8", "replace")] = (typ, path)
    return out


def _rels_path(part: str) -> str:
    folder, name = posixpath.split(part)
    return f"{folder}/_rels/{name}.rels"


def _utf8(xml: bytes, name: str) -> bytes:
    """UTF-16 parts are turned into UTF-8 (scanned and parsed as such); other encodings that are
    not ASCII-compatible are refused."""
    if xml[:1] == b"<" or xml[:3] == b"\xef\xbb\xbf":       # UTF-8 (or ASCII), as Office writes
        return xml
    head = xml[:4]
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or (b"\x00" in head and len(xml) % 2 == 0):
        try:
            text = xml.decode("utf-16" if head[:2] in (b"\xff\xfe", b"\xfe\xff")
                              else "utf-16-le" if head[1:2] == b"\x00" else "utf-16-be")
        except UnicodeDecodeError:
            raise _corrupt(f"phần '{name}' có mã ký tự không đọc được") from None
        text = re.sub(r'^(<\?xml[^>]*encoding=["\'])[^"\']*', r"\g<1>UTF-8", text, count=1)
        return text.encode("utf-8")
    if b"\x00" in head:
        raise _corrupt(f"phần '{name}' có mã ký tự không đọc được")
    return xml


_ROOT = re.compile(rb"<([\w.\-]+:)?([\w.\-]+)")


def _prolog(xml: bytes, name: str) -> None:
    """Before the root element: no DOCTYPE (Office never writes one; it is how entity bombs and
    external entities travel, and entities can only be declared there). After it: the part ends
    with the root's end tag, so a part cut short (a broken download, a half-saved file) is not
    read as far as it goes, silently dropping the rest."""
    at = 0
    while True:
        at = xml.find(b"<", at)
        if at < 0:
            raise _corrupt(f"phần '{name}' không phải XML hợp lệ")
        if xml[at + 1:at + 2] == b"?":
            end = xml.find(b"?>", at)
            at = end + 2 if end >= 0 else -1
        elif xml[at + 1:at + 4] == b"!--":
            end = xml.find(b"-->", at)
            at = end + 3 if end >= 0 else -1
        elif xml[at + 1:at + 2] == b"!":
            raise _Refuse("unsafe_xml", f"có khai báo DOCTYPE/ENTITY trong phần '{name}': Excel không bao giờ ghi "
                                        "như vậy, đây là dấu hiệu tệp bị làm giả hoặc chứa mã độc nên không đọc. Hãy "
                                        "nhập lại vào biểu mẫu gốc.")
        else:
            break
        if at < 0:
            raise _corrupt(f"phần '{name}' không phải XML hợp lệ")
    m = _ROOT.match(xml, at)
    close = xml.find(b">", at) if m is not None else -1
    if close < 0:
        raise _corrupt(f"phần '{name}' không phải XML hợp lệ")
    if xml[close - 1:close] == b"/":                    # an empty root: <worksheet .../>
        return
    qname = (m.group(1) or b"") + m.group(2)
    end = len(xml)
    while end and xml[end - 1] in b" \t\r\n":          # no copy of the part (rstrip would make one)
        end -= 1
    if not xml.endswith(b"</" + qname + b">", 0, end):
        raise _corrupt(f"phần '{name}' bị cắt cụt hoặc không trọn vẹn")


_SST = re.compile(rb"<(?:[\w.\-]+:)?sst\b([^>]*)>")


def _shared_count(xml: bytes) -> None:
    m = _SST.search(xml)
    v = _attr(m.group(1), b"uniqueCount") if m else None
    if v is not None and v.strip().isdigit() and int(v) > MAX_SHARED_STRINGS:
        raise _over(f"bảng chữ dùng chung khai báo {format_number_vi(int(v))} mục", f"{format_number_vi(MAX_SHARED_STRINGS)} mục")


_REF = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d{1,7})$")


def _cell(ref: str, what: str) -> tuple[int, int]:
    """"B7" -> (7, 2), 1-based; outside Excel's sheet or malformed -> bad_reference."""
    m = _REF.match(ref.strip())
    if not m:
        raise _Refuse("bad_reference", f"có địa chỉ ô không hợp lệ '{ref[:20]}' ({what}). Tệp đã bị sửa bằng "
                                       "công cụ khác Excel hoặc bị hỏng; hãy nhập lại vào biểu mẫu gốc.")
    col = 0
    for ch in m.group(1).upper():
        col = col * 26 + ord(ch) - 64
    row = int(m.group(2))
    if not (1 <= row <= EXCEL_MAX_ROWS and 1 <= col <= EXCEL_MAX_COLS):
        raise _Refuse("bad_reference", f"có địa chỉ ô '{ref[:20]}' nằm ngoài trang tính Excel (A1:XFD1048576) "
                                       f"({what}). Tệp đã bị sửa hoặc bị hỏng; hãy nhập lại vào biểu mẫu gốc.")
    return row, col


def _range(ref: str, what: str) -> tuple[tuple[int, int], tuple[int, int]]:
    a, sep, b = ref.partition(":")
    first = _cell(a, what)
    last = _cell(b, what) if sep else first
    if last[0] < first[0] or last[1] < first[1]:
        raise _Refuse("bad_reference", f"có vùng ô '{ref[:30]}' viết ngược ({what}). Tệp đã bị sửa hoặc bị hỏng; "
                                       "hãy nhập lại vào biểu mẫu gốc.")
    return first, last


# Positions of cells and rows. Every writer puts r first (`<c r="B7"`). A form's sheets are
# within A1:Z9999 with every position explicit: one search proves it (no cell tag other than
# `<c r="A1".."Z9999"`, no prefixed tag), and the area is then at most 26 × 9,999 cells. Any
# other sheet is measured tag by tag, positions implied by the one before counted as parsers do.
_NOT_SMALL = re.compile(rb'<c(?:[>/]|\s+(?!r="[A-Z][1-9]\d{0,3}"))')
_PREFIXED = re.compile(rb':(?:c|row)[\s/>]')        # a prefixed tag (or text that looks like one)
_LAST_CELL = re.compile(rb'<c r="[A-Z]([1-9]\d{0,3})"')
_CELL_POS = re.compile(rb'<c[\s/>](?:r="([A-Z]{1,3})(\d{1,7})")?')
_ROW_OR_CELL = re.compile(rb'<(?:[\w.\-]+:)?(c|row)(?=[\s/>])([^>]*)>')
_R_ATTR = re.compile(rb'(?:^|\s)r\s*=\s*(?:"([^"]*)"|\'([^\']*)\')')


def _sheet_area(xml: bytes, sheet: str) -> int:
    """Every cell and row position within Excel's limits; the used area within MAX_SHEET_CELLS.
    Returns the last row holding a cell element."""
    what = f"trang '{sheet}'"
    # The parser reads the cells of the first sheetData element only (tested): scanning from the
    # first mention of sheetData to the last covers it, prefixed or not, whatever comments hold.
    start, end = xml.find(b"sheetData"), xml.rfind(b"sheetData>")
    if start < 0 or end < start:
        start, end = 0, len(xml)
    if _NOT_SMALL.search(xml, start, end) is None and _PREFIXED.search(xml, start, end) is None:
        last = xml.rfind(b'<c r="', start, end)
        m = _LAST_CELL.match(xml, last) if last >= 0 else None
        return int(m.group(1)) if m else 0
    cells = _CELL_POS.findall(xml)
    if not cells:
        return _sheet_area_exact(xml, what)
    letters, digits = zip(*cells)       # every cell explicit: rows add nothing to the area
    letter_set, row_set = set(letters), set(digits)
    if b"" in letter_set or _PREFIXED.search(xml):
        return _sheet_area_exact(xml, what)
    numbers = [int(d) for d in row_set]
    columns = [_column(c) for c in letter_set]
    return _area(min(numbers), max(numbers), min(columns), max(columns), what)


def _column(letters: bytes) -> int:
    col = 0
    for ch in letters:
        col = col * 26 + ch - 64
    return col


def _area(min_row: int, max_row: int, min_col: int, max_col: int, what: str) -> int:
    if min_row < 1 or max_row > EXCEL_MAX_ROWS or min_col < 1 or max_col > EXCEL_MAX_COLS:
        raise _Refuse("bad_reference", f"có ô nằm ngoài trang tính Excel (A1:XFD1048576) ({what}). Tệp đã bị "
                                       "sửa hoặc bị hỏng; hãy nhập lại vào biểu mẫu gốc.")
    area = (max_row - min_row + 1) * (max_col - min_col + 1)
    if area > MAX_SHEET_CELLS:
        raise _over(f"{what} dùng vùng {format_number_vi(max_row - min_row + 1)} dòng × {format_number_vi(max_col - min_col + 1)} cột "
                    f"({format_number_vi(area)} ô)", f"{format_number_vi(MAX_SHEET_CELLS)} ô")
    return max_row


def _sheet_area_exact(xml: bytes, what: str) -> int:
    row = col = 0
    max_row = max_col = 0
    min_row = min_col = EXCEL_MAX_ROWS + EXCEL_MAX_COLS
    for m in _ROW_OR_CELL.finditer(xml):
        r = _R_ATTR.search(m.group(2))
        ref = None if r is None else (r.group(1) if r.group(1) is not None else r.group(2))
        if m.group(1) == b"row":
            if ref is not None:
                text = ref.decode("ascii", "replace").strip()
                if not text.isdigit() or not 1 <= int(text) <= EXCEL_MAX_ROWS:
                    raise _Refuse("bad_reference", f"có số dòng không hợp lệ '{text[:20]}' ({what}). Tệp đã bị sửa "
                                                   "hoặc bị hỏng; hãy nhập lại vào biểu mẫu gốc.")
                row = int(text)
            else:
                row += 1
            col = 0
            continue
        if ref is not None:
            row, col = _cell(ref.decode("ascii", "replace"), what)
        else:
            col += 1
            row = max(row, 1)
        if row > EXCEL_MAX_ROWS or col > EXCEL_MAX_COLS:
            raise _Refuse("bad_reference", f"có ô nằm ngoài trang tính Excel (A1:XFD1048576) ({what}). Tệp đã bị "
                                           "sửa hoặc bị hỏng; hãy nhập lại vào biểu mẫu gốc.")
        max_row, max_col = max(max_row, row), max(max_col, col)
        min_row, min_col = min(min_row, row), min(min_col, col)
    if not max_row:
        return 0
    return _area(min_row, max_row, min_col, max_col, what)


def _stored_zip(parts: dict[str, bytes], crcs: dict[str, int]) -> bytes:
    """A zip of the given parts, stored (no compression): what the parser reads."""
    out = []
    central = []
    offset = 0
    for name, data in parts.items():
        raw_name = name.encode("utf-8")
        crc = _STUB_CRC if data is _STUB_SHEET else crcs[name]
        local = struct.pack("<4sHHHHHIIIHH", _LOCAL, 20, 0x800, 0, 0, 0x21, crc, len(data), len(data),
                            len(raw_name), 0)
        out += (local, raw_name, data)
        central.append(struct.pack("<4sHHHHHHIIIHHHHHII", b"PK\x01\x02", 20, 20, 0x800, 0, 0, 0x21, crc,
                                   len(data), len(data), len(raw_name), 0, 0, 0, 0, 0, offset) + raw_name)
        offset += len(local) + len(raw_name) + len(data)
    size = sum(map(len, central))
    out += (*central, struct.pack("<4sHHHHIIH", _EOCD, 0, 0, len(parts), len(parts), size, offset, 0))
    return b"".join(out)
