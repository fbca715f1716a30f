"""The VBA project writer (xl/ovba.py, xl/cfb.py) read back by independent tools: oletools'
MS-OVBA decompressor and VBA parser, olefile's compound-file reader, and the values Excel
itself wrote into xlwings' quickstart files."""
from __future__ import annotations

import importlib.util
import random
import zipfile
from pathlib import Path

import olefile
import pytest
from oletools.olevba import VBA_Parser, decompress_stream

from thidua.xl import cfb, ovba

XLWINGS_DIR = Path(importlib.util.find_spec("xlwings").submodule_search_locations[0])   # not imported


def _samples():
    rng = random.Random(11)
    text = (XLWINGS_DIR / "xlwings.bas").read_bytes()
    yield "xlwings.bas", text
    yield "empty", b""
    for n in (1, 2, 3, 4, 17, 4095, 4096, 4097, 8192, 8193, 12000):
        yield f"text{n}", text[1000:1000 + n]
        yield f"runs{n}", b"a" * n
        yield f"period3-{n}", (b"abc" * n)[:n]
        yield f"vocab{n}", bytes(rng.choice(b"ab \r\n") for _ in range(n))
    yield "random4096", bytes(rng.randrange(256) for _ in range(4096))       # stored as a raw chunk


@pytest.mark.parametrize("name,data", list(_samples()), ids=[n for n, _ in _samples()])
def test_compressed_containers_decompress_exactly_with_oletools(name, data):
    packed = ovba.compress(data)
    assert bytes(decompress_stream(bytearray(packed))) == data
    assert ovba.decompress(packed) == data
    if len(data) > 200 and name != "random4096":
        assert len(packed) < len(data)


def test_strict_decompressor_refuses_damage():
    packed = bytearray(ovba.compress((XLWINGS_DIR / "xlwings.bas").read_bytes()))
    for broken in (packed[:-7], bytes([2]) + packed[1:], packed[:1] + bytes([packed[1], packed[2] & 0x8F]) + packed[3:]):
        with pytest.raises(ValueError):
            ovba.decompress(bytes(broken))


def test_project_protection_fields_decrypt_like_excels():
    # Excel wrote these into xlwings' quickstart_standalone.xlsm: our decryption agrees with it
    excel_made = zipfile.ZipFile(XLWINGS_DIR / "quickstart_standalone.xlsm").read("xl/vbaProject.bin")
    project = olefile.OleFileIO(excel_made).openstream("PROJECT").read().decode("cp1252")
    fields = dict(line.split("=", 1) for line in project.splitlines() if "=" in line)
    pid = fields["ID"].strip('"')
    key = sum(pid.encode()) & 0xFF
    assert ovba.decrypt(fields["CMG"].strip('"')) == (key, b"\0\0\0\0")
    assert ovba.decrypt(fields["DPB"].strip('"')) == (key, b"\0")
    assert ovba.decrypt(fields["GC"].strip('"')) == (key, b"\xff")
    for seed in (0, 1, 2, 6, 0x8D, 0xFF):
        assert ovba.decrypt(ovba.encrypt(pid, seed, b"\x01\x02\x03")) == (key, b"\x01\x02\x03")


MODULE = 'Attribute VB_Name = "Nut"\nSub A(control As IRibbonControl)\n    RunPython "import x; x.a()"\nEnd Sub\n'


def _project(**kw):
    modules = [ovba.document_module("ThisWorkbook", workbook=True), ovba.document_module("Sheet1"),
               ovba.Module("xlwings", (XLWINGS_DIR / "xlwings.bas").read_bytes().decode("cp1252")),
               ovba.Module("Nut", MODULE)]
    return ovba.build_project(kw.get("name", "DuAn"), kw.get("modules", modules))


def test_project_reads_back_with_olevba_and_olefile(tmp_path):
    data = _project()
    ole = olefile.OleFileIO(data)
    assert sorted("/".join(p) for p in ole.listdir()) == [
        "PROJECT", "PROJECTwm", "VBA/Nut", "VBA/Sheet1", "VBA/ThisWorkbook", "VBA/_VBA_PROJECT",
        "VBA/dir", "VBA/xlwings"]
    assert ole.openstream("VBA/_VBA_PROJECT").read() == bytes.fromhex("cc61ffff000100")
    project = ole.openstream("PROJECT").read().decode("cp1252")
    assert 'Name="DuAn"' in project and "Module=Nut" in project and "Document=Sheet1/&H00000000" in project
    fields = dict(line.split("=", 1) for line in project.splitlines() if "=" in line)
    key = sum(fields["ID"].strip('"').encode()) & 0xFF
    assert ovba.decrypt(fields["CMG"].strip('"')) == (key, b"\0\0\0\0")     # not protected
    assert ovba.decrypt(fields["DPB"].strip('"')) == (key, b"\0")           # no password
    assert ovba.decrypt(fields["GC"].strip('"')) == (key, b"\xff")          # visible
    path = tmp_path / "vbaProject.bin"
    path.write_bytes(data)
    parser = VBA_Parser(str(path))
    try:
        code = {Path(f).stem: c for _, _, f, c in parser.extract_macros()}
    finally:
        parser.close()
    assert set(code) == {"ThisWorkbook", "Sheet1", "xlwings", "Nut"}
    assert code["Nut"] == MODULE.replace("\n", "\r\n")
    assert code["xlwings"] == (XLWINGS_DIR / "xlwings.bas").read_bytes().decode("cp1252")   # CRLF already
    assert 'Attribute VB_Base = "0{00020819-0000-0000-C000-000000000046}"' in code["ThisWorkbook"]


def test_compound_file_directory_is_a_sorted_red_black_tree():
    data = cfb.build({f"S/{n}": n.encode() * 40 for n in ("a", "bb", "B", "ccc", "d", "ee", "F", "gg", "h", "ii", "j")}
                     | {"PROJECT": b"x" * 5000, "PROJECTwm": b""})
    ole = olefile.OleFileIO(data)
    entries = ole.direntries
    assert ole.openstream("PROJECT").read() == b"x" * 5000 and ole.openstream("S/gg").read() == b"gg" * 40

    def check(sid):
        """(black height, in-order names) of the subtree at sid."""
        if sid == cfb.NOSTREAM:
            return 1, []
        e = entries[sid]
        if e.color == cfb.RED:
            for kid in (e.sid_left, e.sid_right):
                assert kid == cfb.NOSTREAM or entries[kid].color == cfb.BLACK, "red node with red child"
        hl, left = check(e.sid_left)
        hr, right = check(e.sid_right)
        assert hl == hr, "unequal black heights"
        return hl + (e.color == cfb.BLACK), left + [e.name] + right

    for e in entries:
        if e is not None and e.sid_child != cfb.NOSTREAM:
            assert entries[e.sid_child].color == cfb.BLACK
            _, names = check(e.sid_child)
            assert names == sorted(names, key=lambda n: (len(n), n.upper()))


def test_same_sources_same_bytes_and_bad_sources_refused():
    assert _project() == _project()
    assert _project() != _project(name="DuAnKhac")
    viet = ovba.Module("Nut", 'Attribute VB_Name = "Nut"\nSub A()\n    MsgBox "Kiểm tra"\nEnd Sub\n')
    with pytest.raises(ValueError, match="1252"):
        ovba.build_project("DuAn", [viet])
    with pytest.raises(ValueError, match="VB_Name"):
        ovba.build_project("DuAn", [ovba.Module("Nut", 'Attribute VB_Name = "Khac"\n')])
    with pytest.raises(ValueError, match="identifier"):
        ovba.build_project("Dự án", [ovba.Module("Nut", MODULE)])
