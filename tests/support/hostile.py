"""Hostile returned files: a corpus generator for the reader's defences.

plant_hostile() writes, into one folder, files that try to kill (memory, time), starve (huge
inflation, endless reads) or fool (references outside the sheet, entities, symlinks) a
consolidation, each with the inventory status and detail code the hardened reader must give.

Every file is made from the real forms handed in, edited member by member at the byte level
(read with zipfile, edited, written again by the small zip writer below, which can also lie):
nothing binary is checked in. Deterministic: fixed zip timestamps, no randomness but a seeded
one. With big=False the bombs are just over the reader's limits (the whole folder writes in
about a second and takes a few MB on disk); big=True uses the sizes seen in the wild (1 GiB
shared string, 1.5 GiB of whitespace, a 900 MiB sheet part) and still writes small files,
because the deflate streams are built by repeating one compressed chunk, never by compressing
a gigabyte.

Sources (three different units, all three required):
  issued   an issued, empty form of unit Z (copied unchanged it is the "blank" case);
  filled   a filled form of unit X that consolidates as included: the control copy, the
           symlinked form outside the folder, and the source of every unreadable file;
  filled2  a filled form of unit Y (included too): the source of the deep-nesting file, which
           the new reader must read, so it must not be a duplicate of the control.
Shared-string cases need a sharedStrings part: they come from `filled` if it has one, else
from `issued` (forms saved by openpyxl write inline strings and have none); each Hostile.what
says which source it came from.
"""
from __future__ import annotations

import math
import os
import posixpath
import random
import re
import shutil
import struct
import zipfile
import zlib
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterable
from xml.etree import ElementTree

MiB = 1 << 20

# The limits of the hardened reader; the bombs are sized against them.
MAX_FILE = 20 * MiB              # file on disk
MAX_MEMBERS = 2_000              # zip members
MAX_CENTRAL_DIR = 1 * MiB        # central directory
MAX_PART = 32 * MiB              # one XML part, inflated
MAX_PARTS = 64 * MiB             # all parts a parser reads, inflated, together
MAX_AREA = 2_000_000             # used area of a sheet read / a table's ref (cells)
MAX_UNIQUE = 1_000_000           # sharedStrings uniqueCount
EXCEL_ROWS, EXCEL_COLS = 1_048_576, 16_384

MEMBER_TABLE = "tblMembers"
META_TABLE, UNIT_TABLE, INDICATOR_TABLE = "tblMeta", "tblUnitInfo", "tblIndicators"

UNREADABLE, NOT_A_FORM, BLANK, INCLUDED, REJECTED = "unreadable", "not_a_form", "blank", "included", "rejected"


@dataclass(frozen=True)
class Hostile:
    name: str            # file name written in the folder
    status: str          # expected inventory status: "unreadable" | "not_a_form" | "blank" | "included" | "rejected"
    code: str            # expected detail code ("" for included)
    what: str            # one line: what the file is and which source it was made from


# --- a zip writer that writes what it is told, true or not ------------------------------------
@dataclass(frozen=True)
class _Part:
    name: str
    body: bytes          # the member's bytes as stored (raw deflate unless method 0)
    crc: int             # CRC-32 written in both headers
    size: int            # uncompressed size written in both headers (may lie)
    method: int = 8      # 0 stored, 8 deflate; anything else is written as given
    flags: int = 0       # general purpose bits (bit 0: encrypted)
    comment: bytes = b""  # file comment: lives in the central directory only
    hole: int = 0        # that many zero bytes after body, left as a hole (sparse file)


_DOS_TIME, _DOS_DATE = 0, (0 << 9) | (1 << 5) | 1        # 1980-01-01 00:00: same bytes every run


def _raw_deflate(data: bytes) -> bytes:
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _part(name: str, data: bytes) -> _Part:
    return _Part(name, _raw_deflate(data), zlib.crc32(data), len(data))


def _flushed(data: bytes) -> bytes:
    """Deflate blocks of `data` alone: a fresh compressor (no back-references before it) ending
    with a full flush (byte-aligned, not final), so such pieces can be concatenated freely."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush(zlib.Z_FULL_FLUSH)


_FINAL = zlib.compressobj(9, zlib.DEFLATED, -15).flush()  # an empty final block: b"\x03\x00"


def _bomb(name: str, head: bytes, chunk: bytes, n: int, tail: bytes) -> _Part:
    """A deflated member inflating to head + chunk * n + tail, made by compressing `chunk` once
    and repeating its compressed bytes: gigabytes cost milliseconds and a few MB."""
    body = _flushed(head) + _flushed(chunk) * n + _flushed(tail) + _FINAL
    crc = zlib.crc32(head)
    for _ in range(n):
        crc = zlib.crc32(chunk, crc)
    size = len(head) + len(chunk) * n + len(tail)
    assert size < 1 << 32 and len(body) < 1 << 32, "no zip64 here"
    return _Part(name, body, zlib.crc32(tail, crc), size)


def _write_zip(path: Path, parts: Iterable[_Part]) -> None:
    """Local headers + data, central directory, end record, exactly as the parts say."""
    central = []
    with open(path, "wb") as fh:
        for p in parts:
            name = p.name.encode("utf-8")
            flags = p.flags | (0x800 if not p.name.isascii() else 0)
            offset = fh.tell()
            fields = (20, flags, p.method, _DOS_TIME, _DOS_DATE, p.crc, len(p.body) + p.hole, p.size)
            fh.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, *fields, len(name), 0) + name + p.body)
            if p.hole:
                fh.seek(p.hole, os.SEEK_CUR)
            central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, *fields, len(name), 0,
                                       len(p.comment), 0, 0, 0, offset) + name + p.comment)
        start, cd = fh.tell(), b"".join(central)
        fh.write(cd)
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central), len(cd), start, 0))


Edit = Callable[[str, bytes], "bytes | _Part | None"]


def _rebuild(src: Path, edit: Edit | None = None) -> list[_Part]:
    """The members of `src` in order, each passed through edit(name, data): new bytes, a ready
    _Part (a bomb), or None to drop it."""
    parts = []
    with zipfile.ZipFile(src) as zf:
        for info in zf.infolist():
            out = zf.read(info)
            if edit is not None:
                out = edit(info.filename, out)
            if out is not None:
                parts.append(out if isinstance(out, _Part) else _part(info.filename, out))
    return parts


def _only(name: str, fn: Callable[[bytes], "bytes | _Part"]) -> Edit:
    """An edit touching one member."""
    return lambda n, data: fn(data) if n == name else data


# --- finding parts in the source forms (trusted: made by our own writers) --------------------
def _related(zf, part: str, type_suffix: str) -> list[str]:
    """Members `part` points to with relationships of that type. Targets are relative to the
    part's folder (Excel) or absolute from the package root (openpyxl: "/xl/tables/table7.xml")."""
    folder, base = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", base + ".rels")
    if rels not in zf.namelist():
        return []
    out = []
    for r in ElementTree.fromstring(zf.read(rels)):
        target = r.get("Target", "")
        if r.get("Type", "").endswith(type_suffix) and r.get("TargetMode") != "External":
            out.append(target.lstrip("/") if target.startswith("/")
                       else posixpath.normpath(posixpath.join(folder, target)))
    return out


def _table_sheet(zf, table_name: str) -> tuple[str, str]:
    """(sheet part, table part) of the Excel Table named `table_name`, found through each
    sheet's relationships: sheet numbers differ between writers, never hard-code them."""
    for sheet in sorted(n for n in zf.namelist() if re.fullmatch(r"xl/worksheets/[^/]+\.xml", n)):
        for table in _related(zf, sheet, "/table"):
            root = ElementTree.fromstring(zf.read(table))
            if table_name in (root.get("displayName"), root.get("name")):
                return sheet, table
    raise LookupError(f"no table {table_name!r} in {zf.filename}")


def _shared_strings(zf) -> str | None:
    found = _related(zf, "xl/workbook.xml", "/sharedStrings")
    return found[0] if found and found[0] in zf.namelist() else None


def _has_sst(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return _shared_strings(zf) is not None


def _locate(src: Path, table: str) -> tuple[str, str]:
    with zipfile.ZipFile(src) as zf:
        return _table_sheet(zf, table)


# --- byte-level XML edits ---------------------------------------------------------------------
def _open_sheet_data(xml: bytes) -> bytes:
    return re.sub(rb"<sheetData\s*/>", b"<sheetData></sheetData>", xml, count=1)


def _split(xml: bytes, marker: bytes, after: bool) -> tuple[bytes, bytes]:
    i = xml.index(marker) + (len(marker) if after else 0)
    return xml[:i], xml[i:]


def _append_rows(xml: bytes, rows: bytes) -> bytes:
    head, tail = _split(_open_sheet_data(xml), b"</sheetData>", after=False)
    return head + rows + tail


def _last_row(xml: bytes) -> int:
    return max((int(r) for r in re.findall(rb'<row\b[^>]*?\br="(\d+)"', xml)), default=0)


def _add_to_row_one(xml: bytes, cell: bytes) -> bytes:
    """Append a cell at the end of row 1 (created if the sheet has none)."""
    m = re.search(rb'<row\b[^>]*?\br="1"[^>]*?(/?)>', xml)
    if m is None:
        head, tail = _split(_open_sheet_data(xml), b"<sheetData>", after=True)
        return head + b'<row r="1">' + cell + b"</row>" + tail
    if m.group(1):                                           # <row r="1"/>
        return xml[:m.start()] + m.group(0)[:-2].rstrip() + b">" + cell + b"</row>" + xml[m.end():]
    end = xml.index(b"</row>", m.end())
    return xml[:end] + cell + xml[end:]


def _set_ref(table_xml: bytes, ref: str) -> bytes:
    """The table's ref and its autoFilter's, both (a reader may look at either)."""
    return re.sub(rb'(<(?:table|autoFilter)\b[^>]*?\bref=")[^"]*(")',
                  lambda m: m.group(1) + ref.encode() + m.group(2), table_xml)


def _ref_of(table_xml: bytes) -> tuple[str, str]:
    first, last = ElementTree.fromstring(table_xml).get("ref").split(":")
    return first, last


def _bump_unique(sst: bytes, to: int | None = None) -> bytes:
    return re.sub(rb'uniqueCount="(\d+)"', lambda m: b'uniqueCount="%d"' % (int(m.group(1)) + 1 if to is None else to),
                  sst, count=1)


def _add_string(sst: bytes, si_text: bytes) -> bytes:
    head, tail = _split(sst, b"</sst>", after=False)
    return _bump_unique(head) + b"<si><t>" + si_text + b"</t></si>" + tail


def _with_doctype(xml: bytes, doctype: bytes) -> bytes:
    """DOCTYPE after the XML declaration (openpyxl writes none: then first)."""
    if xml.startswith(b"<?xml"):
        head, tail = _split(xml, b"?>", after=True)
        return head + b"\n" + doctype + tail
    return doctype + xml


def _defined_name(workbook: bytes, body: bytes) -> bytes:
    """Use an entity where a parser expands it: a defined name's text (if the book has any)."""
    if b"</definedNames>" not in workbook:
        return workbook
    head, tail = _split(workbook, b"</definedNames>", after=False)
    return head + b'<definedName name="hostile">' + body + b"</definedName>" + tail


def _laughs(root: str) -> bytes:
    """The classic billion laughs: 10 levels of 10 references, 3 GB once expanded."""
    lines = ['<!ENTITY lol "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol%s;" % (i - 1 if i > 1 else "")) * 10}">' for i in range(1, 10)]
    return (f"<!DOCTYPE {root} [\n " + "\n ".join(lines) + "\n]>").encode()


def _sizes(big: bool) -> dict[str, int]:
    """Inflated sizes of the bombs: just over the limits for tests, the wild ones for benchmarks."""
    over = MAX_PART + MiB
    return {"string": 1024 * MiB if big else over, "whitespace": 1536 * MiB if big else over,
            "cells": 900 * MiB if big else over, "lying": 1536 * MiB if big else over,
            "sum_each": 25 * MiB}


def _n(target: int, head: bytes, tail: bytes, chunk: bytes) -> int:
    return max(1, math.ceil((target - len(head) - len(tail)) / len(chunk)))


# 1 MiB of one repeated byte: distance-1 matches, about 1 KB of deflate per MiB.
_SPACES = b" " * (MiB - 1) + b"\n"
_LETTERS = b"A" * MiB


def _cells_chunk() -> bytes:
    """About 1 MiB of whole rows of real cells (A..J, inline strings of 2,000 characters). Rows
    and cells carry no r= (optional in SpreadsheetML: they follow on from the previous one), so
    every row is the same bytes and the chunk repeats; 2,000-character texts keep the used area
    of 900 MiB of them (45,900 rows x 10 columns) under the area limit: only the inflation
    limit is crossed."""
    cell = b'<c t="inlineStr"><is><t>' + b"A" * 2000 + b"</t></is></c>"
    row = b"<row>" + cell * 10 + b"</row>"
    return row * (MiB // len(row))


# --- the corpus -------------------------------------------------------------------------------
def plant_hostile(folder: Path, issued: Path, filled: Path, filled2: Path, *, outside: Path,
                  big: bool = False) -> list[Hostile]:
    """Write the hostile files into `folder` (created if needed) and return what each must
    become in the inventory. `issued`, `filled`, `filled2` are forms of three different units
    (see the module doc); `outside` is a folder outside `folder` that receives symlink targets
    (a copy of `filled`). Nothing outside `folder` and `outside` is written; files of an earlier
    run with the same names are replaced."""
    folder, outside = Path(folder), Path(outside)
    folder.mkdir(parents=True, exist_ok=True)
    outside.mkdir(parents=True, exist_ok=True)
    a, b = folder.resolve(), outside.resolve()
    if a.is_relative_to(b) or b.is_relative_to(a):
        raise ValueError("`folder` and `outside` must not contain one another: the folder is walked")
    size = _sizes(big)
    out: list[Hostile] = []
    seq = iter(range(1, 100))

    def name(slug: str) -> str:
        n = f"C01_h{next(seq):02d}_{slug}.xlsm"
        if os.path.lexists(folder / n):          # a rerun: symlink/mkfifo would refuse to overwrite
            (folder / n).unlink()
        return n

    def plant(slug: str, parts: list[_Part], status: str, code: str, what: str) -> None:
        n = name(slug)
        _write_zip(folder / n, parts)
        out.append(Hostile(n, status, code, what))

    def bad(slug, parts, code, what):
        plant(slug, parts, UNREADABLE, code, what)

    with zipfile.ZipFile(filled) as zf:
        sheet, table = _table_sheet(zf, MEMBER_TABLE)
        meta_sheet, unit_sheet, ind_sheet = (_table_sheet(zf, t)[0] for t in (META_TABLE, UNIT_TABLE, INDICATOR_TABLE))
        sheet_xml, table_xml = zf.read(sheet), zf.read(table)
    sst_src = filled if _has_sst(filled) else issued
    src_label = "filled" if sst_src == filled else "issued"
    with zipfile.ZipFile(sst_src) as zf:
        sst = _shared_strings(zf)
        if sst is None:
            raise LookupError("neither `filled` nor `issued` has a sharedStrings part")
    first, last = _ref_of(table_xml)
    last_row = re.match(r"[A-Z]+(\d+)", last).group(1)
    nxt = _last_row(sheet_xml) + 1
    on_sheet = f"the {MEMBER_TABLE} sheet ({sheet})"

    # 1. Cells far away: the used area becomes the whole sheet.
    bad("cell_XFD1048576", _rebuild(filled, _only(sheet, lambda x: _append_rows(
        x, b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'))), "over_limit",
        f"filled + one value at XFD1048576 on {on_sheet}: used area 17 billion cells (dimension left as it was)")
    bad("cells_A1048576_XFD1", _rebuild(filled, _only(sheet, lambda x: _append_rows(
        _add_to_row_one(x, b'<c r="XFD1"><v>1</v></c>'), b'<row r="1048576"><c r="A1048576"><v>1</v></c></row>'))),
        "over_limit", f"filled + values at XFD1 and A1048576 on {on_sheet}: two cells, the whole sheet's area")

    # 2. The table's ref, and cell references, outside or against Excel's grammar.
    refs = [("table_ref_whole_sheet", f"{first}:XFD1048576", "over_limit", "spanning the whole sheet"),
            ("table_ref_backwards", f"{last}:{first}", "bad_reference", "written backwards"),
            ("table_ref_column_XFE", f"{first}:XFE{last_row}", "bad_reference", "ending in column XFE (beyond XFD)")]
    for slug, ref, code, how in refs:
        bad(slug, _rebuild(filled, _only(table, lambda x, ref=ref: _set_ref(x, ref))), code,
            f"filled, {MEMBER_TABLE} ref {first}:{last} -> {ref} ({how})")
    for slug, row, r in [("cell_r_A0", nxt, "A0"), ("cell_r_1A", nxt, "1A"), ("cell_r_A1048577", 1048577, "A1048577")]:
        rows = f'<row r="{row}"><c r="{r}"><v>1</v></c></row>'.encode()
        bad(slug, _rebuild(filled, _only(sheet, lambda x, rows=rows: _append_rows(x, rows))), "bad_reference",
            f"filled + a cell r=\"{r}\" in row {row} of {on_sheet}")

    # 3. Inflation: one part over 32 MiB three ways, the sum over 64 MiB, and a lying header.
    def huge_string(x: bytes) -> _Part:
        head, tail = _split(x, b"</sst>", after=False)
        head, tail = _bump_unique(head) + b"<si><t>", b"</t></si>" + tail
        return _bomb(sst, head, _LETTERS, _n(size["string"], head, tail, _LETTERS), tail)
    bad("sst_huge_string", _rebuild(sst_src, _only(sst, huge_string)), "over_limit",
        f"{src_label} + one shared string of {size['string'] // MiB} MiB of 'A' ({sst})")

    def padded(part: str, x: bytes, target: int) -> _Part:
        head, tail = _split(_open_sheet_data(x), b"<sheetData>", after=True)
        return _bomb(part, head, _SPACES, _n(target, head, tail, _SPACES), tail)
    bad("sheet_whitespace", _rebuild(filled, _only(sheet, lambda x: padded(sheet, x, size["whitespace"]))),
        "over_limit", f"filled, {on_sheet} padded with {size['whitespace'] // MiB} MiB of spaces inside <sheetData>")

    def many_cells(x: bytes) -> _Part:
        head, tail = _split(_open_sheet_data(x), b"</sheetData>", after=False)
        chunk = _cells_chunk()
        return _bomb(sheet, head, chunk, _n(size["cells"], head, tail, chunk), tail)
    bad("sheet_many_cells", _rebuild(filled, _only(sheet, many_cells)), "over_limit",
        f"filled, {on_sheet} + rows of real cells (A:J, 2,000-character texts, no r=) to "
        f"{size['cells'] // MiB} MiB")

    three = {meta_sheet, unit_sheet, ind_sheet}
    assert len(three) == 3, "the sum case needs three different sheets read by every form read"
    bad("parts_sum_over_64MiB", _rebuild(filled, lambda n, x: padded(n, x, size["sum_each"])
                                         if n in three else x), "over_limit",
        f"filled, the sheets of {META_TABLE}, {UNIT_TABLE}, {INDICATOR_TABLE} each padded to "
        f"{size['sum_each'] // MiB} MiB of spaces: each under 32 MiB, together over 64 MiB")
    bad("lying_sizes", _rebuild(filled, _only(sheet, lambda x: replace(
        padded(sheet, x, size["lying"]), size=len(x)))), "over_limit",
        f"filled, {on_sheet} padded to {size['lying'] // MiB} MiB of spaces, both headers declaring "
        f"its old size ({len(sheet_xml)} bytes; CRC of the real data)")

    # 4. A shared-string table announcing 4 billion strings (a reader might preallocate).
    bad("sst_uniqueCount_4e9", _rebuild(sst_src, _only(sst, lambda x: _bump_unique(x, 4_000_000_000))), "over_limit",
        f"{src_label}, {sst} uniqueCount=\"4000000000\"")

    # 5. The container itself: too many members, too big a file, too big a central directory.
    tiny = [_part(f"customXml/item{i:04d}.xml", b"<a/>") for i in range(1, 2501)]
    bad("zip_2500_members", _rebuild(filled) + tiny, "over_limit", "filled + 2,500 tiny members customXml/itemNNNN.xml")
    over = MAX_FILE + MiB
    if big:     # incompressible, stored: as big on disk as it says
        blob = random.Random(2026).randbytes(over)
        ballast = _Part("xl/media/image1.bin", blob, zlib.crc32(blob), over, method=0)
        how = "seeded random bytes"
    else:       # zeros written as a hole: 21 MiB by size, a few KB on disk
        crc = 0
        for _ in range(over // MiB):
            crc = zlib.crc32(bytes(MiB), crc)
        ballast = _Part("xl/media/image1.bin", b"", crc, over, method=0, hole=over)
        how = "zeros, written sparse"
    bad("file_21MiB", _rebuild(filled) + [ballast], "over_limit",
        f"filled + a stored member xl/media/image1.bin of {over // MiB} MiB ({how}): file over 20 MiB")
    parts = _rebuild(filled)
    each = math.ceil((MAX_CENTRAL_DIR + 64 * 1024) / len(parts))
    assert each <= 0xFFFF, "a file comment holds 65,535 bytes at most"
    parts = [replace(p, comment=(b"hostile file comment " * (each // 21 + 1))[:each]) for p in parts]
    bad("central_dir_over_1MiB", parts, "over_limit",
        f"filled, every member with a {each}-byte file comment: central directory over 1 MiB, {len(parts)} members")

    # 6. DTDs: entity expansion, an external entity, and the same hidden in UTF-16.
    bad("sst_billion_laughs", _rebuild(sst_src, _only(sst, lambda x: _add_string(
        _with_doctype(x, _laughs("sst")), b"&lol9;"))), "unsafe_xml",
        f"{src_label}, {sst} with a billion-laughs DOCTYPE and a string &lol9;")
    xxe = b'<!DOCTYPE workbook [\n <!ENTITY xxe SYSTEM "file:///etc/passwd">\n]>'
    bad("workbook_doctype_xxe", _rebuild(filled, _only("xl/workbook.xml", lambda x: _defined_name(
        _with_doctype(x, xxe), b"&xxe;"))), "unsafe_xml",
        "filled, xl/workbook.xml with a DOCTYPE declaring an external entity (file:///etc/passwd) used in a defined name")

    def utf16(x: bytes) -> bytes:
        body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", x)
        text = _defined_name(_with_doctype(body, _laughs("workbook")), b"&lol9;").decode("utf-8")
        decl = '<?xml version="1.0" encoding="UTF-16" standalone="yes"?>\r\n'
        return b"\xff\xfe" + (decl + text).encode("utf-16-le")
    bad("workbook_utf16_doctype", _rebuild(filled, _only("xl/workbook.xml", utf16)), "unsafe_xml",
        "filled, xl/workbook.xml re-encoded UTF-16LE (BOM) with a billion-laughs DOCTYPE: no ASCII '<!DOCTYPE' bytes")

    # 7. Deep nesting: harmless to a streaming reader, 2.7 GB to openpyxl. A different unit.
    sheet2, _ = _locate(filled2, MEMBER_TABLE)
    depth = 30_000
    plant("deep_nesting_30000", _rebuild(filled2, _only(sheet2, lambda x: x.replace(
        b"</sheetData>", b"</sheetData>" + b"<x>" * depth + b"</x>" * depth, 1))), INCLUDED, "",
        f"filled2 (another unit), {depth:,} nested <x> elements after </sheetData> on its {MEMBER_TABLE} sheet "
        f"({sheet2}, {7 * depth // 1000} KB): must be read")

    # 8. Broken containers.
    n = name("zip_truncated_half")
    data = Path(filled).read_bytes()
    (folder / n).write_bytes(data[:len(data) // 2])
    out.append(Hostile(n, UNREADABLE, "corrupt", f"filled, cut at half ({len(data) // 2} of {len(data)} bytes)"))
    wb = "xl/workbook.xml"
    for slug, change, how, code in [
            ("zip_bad_crc", lambda p: replace(p, crc=p.crc ^ 0xFFFFFFFF), "its CRC-32 inverted", "corrupt"),
            ("zip_method_99", lambda p: replace(p, method=99), "compression method 99 (AES)", "corrupt"),
            # a zip-level password (7-Zip, WinRAR on a renamed .xlsx): the reader asks for it to be removed
            ("zip_encrypted_flag", lambda p: replace(p, flags=p.flags | 1), "the encrypted bit set", "encrypted")]:
        bad(slug, [change(p) if p.name == wb else p for p in _rebuild(filled)], code, f"filled, {wb} with {how}")
    parts = _rebuild(sst_src)
    with zipfile.ZipFile(sst_src) as zf:
        second = _part(sst, _add_string(zf.read(sst), "bản thứ hai".encode()))
    bad("zip_duplicate_sst", parts + [second], "corrupt",
        f"{src_label}, a second, different {sst} appended (one more string)")

    # 9. Not regular files: never to be opened (one would hang, one never ends, one is a real form).
    target = outside / Path(filled).name
    shutil.copyfile(filled, target)
    gone = outside / "da_xoa.xlsm"
    gone.unlink(missing_ok=True)
    for slug, to, what in [("symlink_form_outside", target, f"symlink to a real filled form outside the folder ({target.name})"),
                           ("symlink_etc_passwd", Path("/etc/passwd"), "symlink to /etc/passwd"),
                           ("symlink_folder", outside, "symlink to a folder (`outside`, which holds a filled form)"),
                           ("symlink_dangling", gone, "dangling symlink"),
                           ("symlink_dev_zero", Path("/dev/zero"), "symlink to /dev/zero (endless)")]:
        n = name(slug)
        os.symlink(to, folder / n)
        out.append(Hostile(n, NOT_A_FORM, "not_regular_file", what))
    n = name("fifo")
    os.mkfifo(folder / n)
    out.append(Hostile(n, NOT_A_FORM, "not_regular_file", "a FIFO (opening it for reading blocks forever)"))

    # 10, 11. Unchanged copies: the issued form (blank) and the control, which must go through.
    n = name("issued_unchanged")
    shutil.copyfile(issued, folder / n)
    out.append(Hostile(n, BLANK, "blank_form", f"issued, copied unchanged ({Path(issued).name})"))
    n = name("control_filled")
    shutil.copyfile(filled, folder / n)
    out.append(Hostile(n, INCLUDED, "", f"filled, copied unchanged ({Path(filled).name}): the control"))
    return out


__all__ = ["Hostile", "plant_hostile", "MAX_FILE", "MAX_MEMBERS", "MAX_CENTRAL_DIR", "MAX_PART", "MAX_PARTS",
           "MAX_AREA", "MAX_UNIQUE", "EXCEL_ROWS", "EXCEL_COLS", "MiB"]
