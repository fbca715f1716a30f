"""A small, deterministic writer for Compound File Binary files ([MS-CFB], version 3).

vbaProject.bin is such a file: a tiny file system of storages (folders) and streams (files).
Only what a VBA project needs is supported: 512-byte sectors, streams below 4096 bytes in the
mini stream, no DIFAT sectors (up to 109 FAT sectors, about 7 MB), zero timestamps and CLSIDs,
so the same input always gives the same bytes.
"""
from __future__ import annotations

import struct
from dataclasses import dataclass, field

SECTOR = 512
MINI = 64
MINI_CUTOFF = 4096
FREESECT, ENDOFCHAIN, FATSECT = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD
NOSTREAM = 0xFFFFFFFF
MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
RED, BLACK = 0, 1
STORAGE, STREAM, ROOT = 1, 2, 5


@dataclass
class _Entry:
    name: str
    kind: int
    data: bytes = b""
    children: list["_Entry"] = field(default_factory=list)
    sid: int = -1
    left: int = NOSTREAM
    right: int = NOSTREAM
    child: int = NOSTREAM
    color: int = BLACK
    start: int = ENDOFCHAIN
    size: int = 0


def _key(name: str) -> tuple[int, str]:
    """[MS-CFB] 2.6.4: shorter names first, then by upper-cased UTF-16 code units."""
    return len(name.encode("utf-16-le")) // 2, name.upper()


def build(streams: dict[str, bytes]) -> bytes:
    """Compound file from {"PROJECT": b"...", "VBA/dir": b"..."}: '/' separates storages."""
    root = _Entry("Root Entry", ROOT)
    for path, data in streams.items():
        parts = path.split("/")
        node = root
        for part in parts[:-1]:
            found = next((c for c in node.children if c.name == part), None)
            if found is None:
                found = _Entry(part, STORAGE)
                node.children.append(found)
            elif found.kind != STORAGE:
                raise ValueError(f"{path}: {part} is a stream")
            node = found
        if any(c.name == parts[-1] for c in node.children):
            raise ValueError(f"duplicate entry {path}")
        if len(parts[-1]) > 31:
            raise ValueError(f"name too long: {parts[-1]}")
        node.children.append(_Entry(parts[-1], STREAM, bytes(data)))

    entries: list[_Entry] = []

    def number(e: _Entry) -> None:           # pre-order: root is 0, as in files Office writes
        e.sid = len(entries)
        entries.append(e)
        for c in sorted(e.children, key=lambda c: _key(c.name)):
            number(c)

    number(root)
    for e in entries:
        if e.children:
            e.child = _tree(sorted(e.children, key=lambda c: _key(c.name)))

    # Small streams go to the mini stream (64-byte mini sectors), the rest to regular sectors.
    mini_data = bytearray()
    minifat: list[int] = []
    big = [e for e in entries if e.kind == STREAM and len(e.data) >= MINI_CUTOFF]
    for e in entries:
        if e.kind == STREAM and len(e.data) < MINI_CUTOFF:
            e.size = len(e.data)
            if not e.data:
                e.start = ENDOFCHAIN
                continue
            n = -(-len(e.data) // MINI)
            e.start = len(minifat)
            minifat.extend(range(e.start + 1, e.start + n))
            minifat.append(ENDOFCHAIN)
            mini_data += e.data + b"\0" * (n * MINI - len(e.data))

    sectors: list[bytes] = []
    fat: list[int] = []

    def put(data: bytes, marker: int | None = None) -> int:
        """Append data as a chain of sectors; return the first sector number."""
        n = max(1, -(-len(data) // SECTOR))
        first = len(sectors)
        for i in range(n):
            sectors.append(data[i * SECTOR:(i + 1) * SECTOR].ljust(SECTOR, b"\0"))
            fat.append(marker if marker is not None else (first + i + 1 if i < n - 1 else ENDOFCHAIN))
        return first

    for e in big:
        e.start, e.size = put(e.data), len(e.data)
    if mini_data:
        root.start, root.size = put(bytes(mini_data)), len(mini_data)
    minifat_start, n_minifat = ENDOFCHAIN, 0
    if minifat:
        table = struct.pack(f"<{len(minifat)}I", *minifat)
        n_minifat = -(-len(table) // SECTOR)
        table = table.ljust(n_minifat * SECTOR, b"\xff")
        minifat_start = put(table)

    dir_bytes = b"".join(_dir_entry(e) for e in entries)
    per_sector = SECTOR // 128
    pad = (-len(entries)) % per_sector
    dir_bytes += _empty_entry() * pad
    dir_start = put(dir_bytes)

    # FAT sectors describe every sector, themselves included.
    n_fat = 1
    while (len(sectors) + n_fat) > n_fat * (SECTOR // 4):
        n_fat += 1
    if n_fat > 109:
        raise ValueError("compound file too large for a header-only DIFAT")
    fat_start = len(sectors)
    fat.extend([FATSECT] * n_fat)
    fat.extend([FREESECT] * (n_fat * (SECTOR // 4) - len(fat)))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    for i in range(n_fat):
        sectors.append(fat_bytes[i * SECTOR:(i + 1) * SECTOR])

    difat = [fat_start + i for i in range(n_fat)] + [FREESECT] * (109 - n_fat)
    header = (MAGIC + b"\0" * 16
              + struct.pack("<HHHHH", 0x003E, 0x0003, 0xFFFE, 9, 6) + b"\0" * 6
              + struct.pack("<IIIIIIIII", 0, n_fat, dir_start, 0, MINI_CUTOFF,
                            minifat_start, n_minifat, ENDOFCHAIN, 0)
              + struct.pack("<109I", *difat))
    assert len(header) == SECTOR
    return header + b"".join(sectors)


def _tree(children: list[_Entry]) -> int:
    """Link siblings as a balanced binary search tree coloured as a valid red-black tree:
    every level that is full is black, the last, partial level red. Returns the root's id."""
    import math

    full_levels = int(math.log2(len(children) + 1))     # levels 0..full_levels-1 are complete

    def link(lo: int, hi: int, depth: int) -> int:
        if lo >= hi:
            return NOSTREAM
        mid = (lo + hi) // 2
        e = children[mid]
        e.color = BLACK if depth < full_levels else RED
        e.left = link(lo, mid, depth + 1)
        e.right = link(mid + 1, hi, depth + 1)
        return e.sid

    return link(0, len(children), 0)


def _dir_entry(e: _Entry) -> bytes:
    name = e.name.encode("utf-16-le") + b"\0\0"
    return (name.ljust(64, b"\0")
            + struct.pack("<HBBIII", len(name), e.kind, e.color, e.left, e.right, e.child)
            + b"\0" * 16 + struct.pack("<I", 0) + b"\0" * 16
            + struct.pack("<IQ", e.start if (e.kind != STORAGE) else 0, e.size))


def _empty_entry() -> bytes:
    return (b"\0" * 64 + struct.pack("<HBBIII", 0, 0, 0, NOSTREAM, NOSTREAM, NOSTREAM)
            + b"\0" * 16 + b"\0" * 4 + b"\0" * 16 + struct.pack("<IQ", 0, 0))
