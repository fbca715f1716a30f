"""The hostile-file generator itself (tests/support/hostile.py): every file is written, small
and fast to make, each bomb inflates to what it claims (checked by streaming with a cap) and each
container is a valid zip exactly where it should be. What the reader makes of these files is
tested with the reader, not here."""
from __future__ import annotations

import os
import re
import stat
import struct
import time
import zipfile
import zlib
from pathlib import Path
from xml.etree import ElementTree

import pytest

from support.hostile import (EXCEL_COLS, MAX_CENTRAL_DIR, MAX_FILE, MAX_MEMBERS, MAX_PART, MAX_PARTS, MAX_UNIQUE,
                             MiB, _table_sheet, plant_hostile)

STATUSES = {"unreadable", "not_a_form", "blank", "included", "rejected"}


@pytest.fixture(scope="module")
def corpus(province, issued, tmp_path_factory):
    """(folder, slug -> Hostile, seconds, sources): slug is the name without 'C01_hNN_' and '.xlsm'."""
    filled, missing = province
    blank = next(p for p in issued if p.name.split("_")[1] == missing[0].code)   # a unit that sent nothing
    base = tmp_path_factory.mktemp("hostile")
    t0 = time.perf_counter()
    found = plant_hostile(base / "hop_thu", blank, filled[0].path, filled[1].path, outside=base / "ngoai")
    seconds = time.perf_counter() - t0
    by_slug = {re.sub(r"^C01_h\d\d_|\.xlsm$", "", h.name): h for h in found}
    assert len(by_slug) == len(found)
    return base / "hop_thu", by_slug, seconds, (blank, filled[0].path, filled[1].path)


def _path(corpus, slug) -> Path:
    return corpus[0] / corpus[1][slug].name


def _inflated(path: Path, info: zipfile.ZipInfo, cap: int) -> int:
    """Bytes a deflated member really inflates to (stopping once past `cap`), from its raw stream:
    the sizes in the headers are not trusted (one file lies)."""
    with open(path, "rb") as fh:
        fh.seek(info.header_offset)
        n, e = struct.unpack("<HH", fh.read(30)[26:30])
        fh.seek(info.header_offset + 30 + n + e)
        d, left, total = zlib.decompressobj(-15), info.compress_size, 0
        while left and total <= cap:
            buf = fh.read(min(left, 1 << 16))
            left -= len(buf)
            while buf and total <= cap:
                total += len(d.decompress(buf, MiB))
                buf = d.unconsumed_tail
    return total


def _sizes(path: Path, cap: int = MAX_PART + 8 * MiB) -> dict[str, int]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: _inflated(path, i, cap) for i in zf.infolist() if i.compress_type == zipfile.ZIP_DEFLATED}


def test_every_file_is_written_with_an_expectation(corpus):
    folder, by_slug, _, _ = corpus
    assert sorted(os.listdir(folder)) == sorted(h.name for h in by_slug.values())
    for h in by_slug.values():
        assert h.status in STATUSES and h.what, h
        assert (h.code == "") == (h.status == "included"), h
    codes = {h.code for h in by_slug.values()}
    assert codes == {"over_limit", "unsafe_xml", "bad_reference", "corrupt", "encrypted", "not_regular_file",
                     "blank_form", ""}


def test_small_and_fast(corpus):
    folder, by_slug, seconds, _ = corpus
    disk = sum(os.lstat(folder / h.name).st_blocks * 512 for h in by_slug.values())
    assert disk < 15 * MiB, disk
    assert seconds < 20, seconds                   # about 0.2 s here: nothing inflates for real
    for slug, h in by_slug.items():
        st = os.lstat(folder / h.name)
        if stat.S_ISREG(st.st_mode) and slug != "file_21MiB":
            assert st.st_size < 2 * MiB, (slug, st.st_size)


def test_valid_zips_where_intended(corpus):
    folder, by_slug, _, _ = corpus
    for slug, h in by_slug.items():
        p = folder / h.name
        if h.code in ("corrupt", "encrypted", "not_regular_file"):
            continue
        with zipfile.ZipFile(p) as zf:
            for info in zf.infolist():
                with zf.open(info) as fh:          # local header agrees, method known, not encrypted
                    fh.read(1)
                if info.file_size < MiB and slug != "lying_sizes":
                    zf.read(info)                  # and the CRC holds
    for slug in ("deep_nesting_30000", "issued_unchanged", "control_filled"):
        with zipfile.ZipFile(_path(corpus, slug)) as zf:
            assert zf.testzip() is None


def test_bombs_inflate_just_over_the_limits(corpus):
    for slug in ("sst_huge_string", "sheet_whitespace", "sheet_many_cells", "lying_sizes"):
        sizes = _sizes(_path(corpus, slug))
        big = max(sizes.values())
        assert MAX_PART < big <= MAX_PART + 2 * MiB, (slug, big)
        assert sorted(sizes.values())[-2] < MiB, slug                  # one bomb per file
    sizes = _sizes(_path(corpus, "parts_sum_over_64MiB"))
    padded = [s for s in sizes.values() if s > MiB]
    assert len(padded) == 3 and max(padded) < MAX_PART and sum(padded) > MAX_PARTS, padded
    p = _path(corpus, "lying_sizes")
    with zipfile.ZipFile(p) as zf:
        liar = max((i for i in zf.infolist() if i.compress_type == zipfile.ZIP_DEFLATED),
                   key=lambda i: _inflated(p, i, MAX_PART + MiB))     # the member that inflates past its size
    assert liar.file_size < MiB and _inflated(p, liar, MAX_PART + MiB) > MAX_PART
    with open(p, "rb") as fh:                      # the local header lies the same way
        fh.seek(liar.header_offset)
        assert struct.unpack("<I", fh.read(30)[22:26])[0] == liar.file_size


def test_container_limits(corpus):
    with zipfile.ZipFile(_path(corpus, "zip_2500_members")) as zf:
        assert len(zf.infolist()) > MAX_MEMBERS
    p = _path(corpus, "central_dir_over_1MiB")
    with zipfile.ZipFile(p) as zf:
        assert len(zf.infolist()) < MAX_MEMBERS
    eocd = p.read_bytes()[-22:]
    assert eocd[:4] == b"PK\x05\x06" and struct.unpack("<I", eocd[12:16])[0] > MAX_CENTRAL_DIR
    assert MAX_FILE < _path(corpus, "file_21MiB").stat().st_size <= MAX_FILE + 2 * MiB
    with zipfile.ZipFile(_path(corpus, "sst_uniqueCount_4e9")) as zf:
        sst = next(n for n in zf.namelist() if n.endswith("sharedStrings.xml"))
        count = int(re.search(rb'uniqueCount="(\d+)"', zf.read(sst)).group(1))
    assert count > MAX_UNIQUE


def _member_sheet(path: Path) -> bytes:
    """The sheet part that has grown or changed: the one holding the edited cells."""
    with zipfile.ZipFile(path) as zf:
        return b"".join(zf.read(n) for n in zf.namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))


def test_references(corpus):
    with zipfile.ZipFile(corpus[3][1]) as zf:                      # the member table's ref in `filled`
        ref = ElementTree.fromstring(zf.read(_table_sheet(zf, "tblMembers")[1])).get("ref").encode()
    first, last = ref.split(b":")
    last_row = re.sub(rb"[A-Z]+", b"", last)
    for slug, ref in [("table_ref_whole_sheet", first + b":XFD1048576"), ("table_ref_backwards", last + b":" + first),
                      ("table_ref_column_XFE", first + b":XFE" + last_row)]:
        with zipfile.ZipFile(_path(corpus, slug)) as zf:
            tables = b"".join(zf.read(n) for n in zf.namelist() if n.startswith("xl/tables/"))
        assert tables.count(b'ref="' + ref + b'"') == 2, (slug, ref)  # the table and its autoFilter
    for slug, refs in [("cell_XFD1048576", [b"XFD1048576"]), ("cells_A1048576_XFD1", [b"A1048576", b"XFD1"]),
                       ("cell_r_A0", [b"A0"]), ("cell_r_1A", [b"1A"]), ("cell_r_A1048577", [b"A1048577"])]:
        xml = _member_sheet(_path(corpus, slug))
        for r in refs:
            assert b'<c r="' + r + b'"><v>1</v></c>' in xml, (slug, r)
    assert EXCEL_COLS == 16_384


def test_dtds_and_nesting(corpus):
    with zipfile.ZipFile(_path(corpus, "sst_billion_laughs")) as zf:
        sst = zf.read(next(n for n in zf.namelist() if n.endswith("sharedStrings.xml")))
    assert b"<!DOCTYPE sst [" in sst and b"<!ENTITY lol9" in sst and b"<t>&lol9;</t>" in sst
    with zipfile.ZipFile(_path(corpus, "workbook_doctype_xxe")) as zf:
        assert b'<!ENTITY xxe SYSTEM "file:///etc/passwd">' in zf.read("xl/workbook.xml")
    with zipfile.ZipFile(_path(corpus, "workbook_utf16_doctype")) as zf:
        raw = zf.read("xl/workbook.xml")
    assert raw.startswith(b"\xff\xfe") and b"<!DOCTYPE" not in raw
    text = raw.decode("utf-16")
    assert 'encoding="UTF-16"' in text and "<!DOCTYPE workbook [" in text and "&lol9;" in text
    xml = _member_sheet(_path(corpus, "deep_nesting_30000"))
    assert xml.count(b"<x>") == 30_000 and b"</sheetData>" + b"<x>" * 30_000 + b"</x>" * 30_000 in xml


def test_broken_zips_are_broken(corpus):
    with pytest.raises(zipfile.BadZipFile):
        zipfile.ZipFile(_path(corpus, "zip_truncated_half"))
    for slug, error in [("zip_bad_crc", zipfile.BadZipFile), ("zip_method_99", NotImplementedError),
                        ("zip_encrypted_flag", RuntimeError)]:
        with zipfile.ZipFile(_path(corpus, slug)) as zf, pytest.raises(error):
            zf.read("xl/workbook.xml")
    with zipfile.ZipFile(_path(corpus, "zip_duplicate_sst")) as zf:
        twins = [i for i in zf.infolist() if i.filename == "xl/sharedStrings.xml"]
        assert len(twins) == 2 and zf.read(twins[0]) != zf.read(twins[1])


def test_not_regular_files_and_copies(corpus):
    folder, by_slug, _, (blank, filled, _) = corpus
    outside = folder.parent / "ngoai"
    links = {slug: folder / h.name for slug, h in by_slug.items() if slug.startswith("symlink_")}
    assert len(links) == 5 and all(p.is_symlink() for p in links.values())
    form = Path(os.readlink(links["symlink_form_outside"]))
    assert form.parent == outside and form.read_bytes() == filled.read_bytes()
    assert os.readlink(links["symlink_etc_passwd"]) == "/etc/passwd"
    assert os.readlink(links["symlink_dev_zero"]) == "/dev/zero"
    assert Path(os.readlink(links["symlink_folder"])) == outside
    assert not links["symlink_dangling"].exists()
    assert stat.S_ISFIFO(os.lstat(_path(corpus, "fifo")).st_mode)
    assert _path(corpus, "issued_unchanged").read_bytes() == blank.read_bytes()
    assert _path(corpus, "control_filled").read_bytes() == filled.read_bytes()


def test_deterministic(corpus, tmp_path):
    folder, by_slug, _, (blank, filled, filled2) = corpus
    again = plant_hostile(tmp_path / "hop_thu", blank, filled, filled2, outside=tmp_path / "ngoai")
    assert [h.name for h in again] == [h.name for h in by_slug.values()]
    for h in again:
        if (folder / h.name).is_file() and not (folder / h.name).is_symlink():
            assert (tmp_path / "hop_thu" / h.name).read_bytes() == (folder / h.name).read_bytes(), h.name
