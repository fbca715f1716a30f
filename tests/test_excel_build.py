"""`thidua build-excel` and the forms `thidua forms` issues, read back with olevba (the tool and
its parser), olefile and the zip parts: our modules and xlwings' are inside with the source
text of xl/ and of the installed xlwings; every ribbon button reaches a VBA Sub that reaches a
Python function; builds are reproducible; openpyxl re-saves keep ribbon and VBA."""
from __future__ import annotations

import ast
import importlib.util
import inspect
import json
import re
import struct
import subprocess
import sys
import unicodedata
from pathlib import Path
from xml.etree import ElementTree as ET

from importlib.metadata import version

import olefile
import pytest
from oletools.olevba import VBA_Parser, decompress_stream

import thidua.excel
from thidua.xl import build as B
from thidua.xl import ovba, udfgen

XL = Path(B.__file__).parent
# Not `import xlwings` here: importing it before support.remote_book sets the license variable
# (at collection time) would leave xlwings without its remote engine for the other tests.
XLWINGS_DIR = Path(importlib.util.find_spec("xlwings").submodule_search_locations[0])
XLWINGS_VERSION = version("xlwings")
NS = {"ui": B.RIBBON_NS}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("excel")
    return out, B.build(out)


@pytest.fixture(scope="module")
def files(built, issued, province):
    """kind, path of every file to look at: the built ones, an issued form, a re-saved form."""
    out, _ = built
    filled, _ = province
    return {"addin": out / B.ADDIN_FILE, "sample": out / B.SAMPLE_FORM_FILE,
            "issued": issued[0], "resaved": filled[0].path}


def vba_code(path) -> dict[str, str]:
    parser = VBA_Parser(str(path))
    try:
        return {Path(f).stem: code for _, _, f, code in parser.extract_macros()}
    finally:
        parser.close()


def crlf(text: str) -> str:
    """VBA's own normalisation of a module text: CRLF line ends, ending with one."""
    text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    return text if text.endswith("\r\n") else text + "\r\n"


def xlwings_text(addin: bool) -> str:
    name = "xlwings_custom_addin.bas" if addin else "xlwings.bas"
    text = (XLWINGS_DIR / name).read_bytes().decode("cp1252")
    if addin:
        text = text.replace('PROJECT_NAME As String = "myaddin"', 'PROJECT_NAME As String = "xlwings"')
    return text


def sheet_count(path) -> int:
    import zipfile
    return sum(1 for n in zipfile.ZipFile(path).namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))


def expected_modules(kind: str, sheets: int) -> dict[str, str | None]:
    """module -> exact text (None: an empty document module)."""
    if kind == "addin":
        return {"ThisWorkbook": None, "Sheet1": None, "xlwings": crlf(xlwings_text(True)),
                "ThiDuaAddin": crlf((XL / "vba" / "ThiDuaAddin.bas").read_text("ascii")),
                "ThiDuaUDF": crlf(udfgen.vba_wrappers("ThiDuaUDF")[0])}
    return {"ThisWorkbook": None, **{f"Sheet{i}": None for i in range(1, sheets + 1)},
            "xlwings": crlf(xlwings_text(False)),
            "ThiDuaBieuMau": crlf((XL / "vba" / "ThiDuaBieuMau.bas").read_text("ascii"))}


def test_olevba_lists_our_modules_and_xlwings_with_the_source_text(files):
    proc = subprocess.run([str(Path(sys.executable).parent / "olevba"), "-j", *map(str, files.values())],
                          capture_output=True, text=True, timeout=300)
    reports = {r["file"]: r for r in json.loads(proc.stdout) if r.get("type") == "OpenXML"}
    assert len(reports) == len(files)
    for kind, path in files.items():
        want = expected_modules("addin" if kind == "addin" else "form", sheet_count(path))
        macros = {Path(m["vba_filename"]).stem: m["code"] for m in reports[str(path)]["macros"]}
        assert set(macros) == set(want), kind
        for name, text in want.items():     # the tool shows code without the Attribute lines
            shown = "" if text is None else "\n".join(
                line for line in text.split("\r\n") if not line.startswith("Attribute VB_")).strip()
            assert macros[name].replace("\r\n", "\n").strip() == shown.replace("\r\n", "\n"), (kind, name)


def test_module_text_equals_the_sources_exactly(files):
    for kind, path in files.items():
        code = vba_code(path)
        for name, text in expected_modules("addin" if kind == "addin" else "form", sheet_count(path)).items():
            if text is None:
                assert code[name].startswith(f'Attribute VB_Name = "{name}"\r\nAttribute VB_Base = "0{{000208')
                assert "Sub " not in code[name]
            else:
                assert code[name] == text, (kind, name)


def _records(dir_stream: bytes):
    i = 0
    while i < len(dir_stream):
        rid, size = struct.unpack_from("<HI", dir_stream, i)
        if rid == 0x0009:           # PROJECTVERSION: its size field says 4, six bytes follow
            size = 6
        yield rid, dir_stream[i + 6:i + 6 + size]
        i += 6 + size


def test_every_compressed_stream_decompresses_cleanly(files):
    for kind, path in files.items():
        ole = olefile.OleFileIO(B.parts(path).vba_project)
        dir_data = ole.openstream("VBA/dir").read()
        plain = ovba.decompress(dir_data)
        assert bytes(decompress_stream(bytearray(dir_data))) == plain
        records = list(_records(plain))
        assert records[-1][0] == 0x0010
        names = [p.decode("cp1252") for rid, p in records if rid == 0x0019]
        offsets = [struct.unpack("<I", p)[0] for rid, p in records if rid == 0x0031]
        assert offsets == [0] * len(names)
        streams = sorted(e[1] for e in ole.listdir() if e[0] == "VBA" and e[1] not in ("dir", "_VBA_PROJECT"))
        assert sorted(names) == streams
        for name in names:
            raw = ole.openstream(f"VBA/{name}").read()
            text = ovba.decompress(raw)
            assert bytes(decompress_stream(bytearray(raw))) == text
            assert text.startswith(f'Attribute VB_Name = "{name}"'.encode())


def test_two_builds_give_the_same_files(built, tmp_path):
    out, manifest = built
    again = B.build(tmp_path)
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in manifest.items() if k != "seconds"}
    for name in manifest["files"]:
        assert (tmp_path / name).read_bytes() == (out / name).read_bytes()
        assert vba_code(tmp_path / name) == vba_code(out / name)
    assert set(manifest["files"]) == {B.ADDIN_FILE, B.SAMPLE_FORM_FILE}
    assert set(manifest["sources"]) >= {"xl/vba/ThiDuaBieuMau.bas", "xl/vba/ThiDuaAddin.bas",
                                        "xl/ribbon/bieu_mau.xml", "xl/ribbon/addin.xml",
                                        "python/thidua/excel/udfs.py"}
    assert manifest["xlwings"] == XLWINGS_VERSION == B.xlwings_pin()


def test_build_excel_command(tmp_path, capsys):
    from thidua.cli import main
    assert main(["build-excel", "-o", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert f"Đã tạo {tmp_path / B.ADDIN_FILE}" in out and "xlwings " + XLWINGS_VERSION in out
    assert json.loads((tmp_path / "manifest.json").read_text("utf-8"))["files"].keys() == {
        B.ADDIN_FILE, B.SAMPLE_FORM_FILE}


def test_ribbon_and_vba_in_every_built_issued_and_resaved_file(built, issued, province):
    out, _ = built
    filled, _ = province
    issued_vba = B.parts(issued[0]).vba_project
    checked = 0
    for path in [out / B.ADDIN_FILE, out / B.SAMPLE_FORM_FILE, *issued, *(f.path for f in filled)]:
        p = B.parts(path)
        addin = path.suffix == ".xlam"
        assert p.ribbon == B.ribbon_xml("addin" if addin else "bieu_mau"), path.name
        assert p.ribbon_rel_target == B.RIBBON_PART, path.name
        assert p.main_content_type == (B.XLAM_MAIN if addin else B.XLSM_MAIN), path.name
        assert p.vba_project is not None
        if not addin:
            assert p.vba_project == issued_vba      # re-saved by openpyxl: the same bytes
            assert p.code_names["xl/workbook.xml"] == "ThisWorkbook"
            assert sorted(v for k, v in p.code_names.items() if "worksheets" in k) == \
                sorted(f"Sheet{i}" for i in range(1, sheet_count(path) + 1))
        checked += 1
    assert checked > 100


def test_openpyxl_save_keeps_ribbon_and_vba(issued, tmp_path):
    from openpyxl import load_workbook

    from thidua.demo.edits import keeps_macros, table_cell
    from thidua import contract as C

    src = issued[0]
    wb = load_workbook(src, keep_vba=keeps_macros(src))
    table_cell(wb, C.INDICATOR_TABLE, "so_cnvcld", C.ENTRY).value = 120
    wb.active.title = "Đổi tên"
    wb.save(tmp_path / src.name)
    before, after = B.parts(src), B.parts(tmp_path / src.name)
    assert (after.vba_project, after.ribbon, after.ribbon_rel_target, after.main_content_type, after.code_names) == \
        (before.vba_project, before.ribbon, before.ribbon_rel_target, before.main_content_type, before.code_names)


# --- the ribbon -> VBA -> Python walk ---------------------------------------------------------
RUNPYTHON = re.compile(r'^\s*(?:If .* Then )?RunPython "import thidua\.excel as x; x\.(\w+)\(\)"\s*$')


def _subs(code: str) -> dict[str, tuple[str, str]]:
    """Sub name -> (parameter list, body) of every Sub in a module."""
    subs = {}
    for m in re.finditer(r"^(?:Public |Private )?Sub (\w+)\(([^)]*)\)\r?\n(.*?)^End Sub", code, re.M | re.S):
        subs[m.group(1)] = (m.group(2), m.group(3))
    return subs


@pytest.mark.parametrize("kind,module,buttons", [
    ("bieu_mau", "ThiDuaBieuMau", thidua.excel.FORM_BUTTONS),
    ("addin", "ThiDuaAddin", thidua.excel.ADDIN_BUTTONS)])
def test_every_button_reaches_a_vba_sub_and_a_python_function(built, kind, module, buttons):
    out, _ = built
    code = vba_code(out / (B.ADDIN_FILE if kind == "addin" else B.SAMPLE_FORM_FILE))
    root = ET.fromstring(B.ribbon_xml(kind))
    actions = [b.get("onAction") for b in root.iter(f"{{{B.RIBBON_NS}}}button")]
    assert len(actions) == 4
    called = []
    for action in actions:
        mod, sub = action.split(".")
        assert mod == module
        subs = _subs(code[mod])
        assert sub in subs, action
        params, body = subs[sub]
        assert params == "control As IRibbonControl", action        # a ribbon onAction callback
        calls = [m.group(1) for line in body.splitlines() if (m := RUNPYTHON.match(line))]
        assert len(calls) == 1 and body.count("RunPython") == 1, action
        fn = getattr(thidua.excel, calls[0])
        assert callable(fn) and list(inspect.signature(fn).parameters)[0] == "book"
        assert inspect.signature(fn).parameters["book"].default is None
        called.append(calls[0])
    assert sorted(called) == sorted(buttons)


ALLOWED = {   # the elements and attributes of the 2006 customUI schema that the ribbons use
    "customUI": {"onLoad", "loadImage"}, "ribbon": {"startFromScratch"}, "tabs": set(),
    "tab": {"id", "idQ", "idMso", "label", "insertAfterMso", "insertBeforeMso", "visible", "keytip"},
    "group": {"id", "idQ", "label", "visible", "keytip", "screentip", "supertip", "imageMso"},
    "button": {"id", "idQ", "label", "size", "imageMso", "onAction", "screentip", "supertip", "keytip",
               "showLabel", "showImage", "enabled", "visible", "tag"},
}


@pytest.mark.parametrize("kind", ["bieu_mau", "addin"])
def test_ribbon_xml_uses_only_schema_attributes_and_vietnamese_labels(kind):
    raw = B.ribbon_xml(kind)
    assert raw.startswith(b'<?xml version="1.0" encoding="UTF-8"')
    root = ET.fromstring(raw)
    assert root.tag == f"{{{B.RIBBON_NS}}}customUI"
    ids = []
    for el in root.iter():
        ns, _, tag = el.tag[1:].partition("}")
        assert ns == B.RIBBON_NS and tag in ALLOWED, el.tag
        assert set(el.attrib) <= ALLOWED[tag], (tag, set(el.attrib) - ALLOWED[tag])
        for key in ("label", "screentip", "supertip"):
            if key in el.attrib:
                assert 0 < len(el.get(key)) <= 1024 and unicodedata.is_normalized("NFC", el.get(key))
        ids += [el.get("id")] if el.get("id") else []
    assert len(ids) == len(set(ids))
    tab = root.find("ui:ribbon/ui:tabs/ui:tab", NS)
    assert tab.get("label") == "Thi đua" and tab.get("idQ") == "td:tabThiDua"
    labels = [b.get("label") for b in root.iter(f"{{{B.RIBBON_NS}}}button")]
    want = (["Kiểm tra", "Chấm điểm", "Xóa đánh dấu", "Hướng dẫn"] if kind == "bieu_mau"
            else ["Tạo biểu mẫu", "Tổng hợp cụm", "Tổng hợp ngành", "Kiểm tra"])
    assert labels == want
    assert all(re.fullmatch(r"[A-Z][A-Za-z]+", b.get("imageMso") or "") for b in root.iter(f"{{{B.RIBBON_NS}}}button"))


# --- UDF wrappers -------------------------------------------------------------------------------
def _decorated(path: Path) -> list[str]:
    """Functions of a module decorated with xw.func / xlwings.func / func, read from the source."""
    names = []
    for node in ast.parse(path.read_text("utf-8")).body:
        if isinstance(node, ast.FunctionDef):
            for d in node.decorator_list:
                target = d.func if isinstance(d, ast.Call) else d
                if (getattr(target, "attr", None) or getattr(target, "id", None)) == "func":
                    names.append(node.name)
    return sorted(names)


def test_generated_wrappers_cover_exactly_the_udfs_of_the_module(built):
    out, _ = built
    source = Path(importlib.util.find_spec("thidua.excel.udfs").origin)
    code = vba_code(out / B.ADDIN_FILE)["ThiDuaUDF"]
    wrapped = sorted(re.findall(r"^Function (\w+)\(", code, re.M))
    assert wrapped == _decorated(source) and "TD_SO" in wrapped
    for name in wrapped:
        assert f'XLPy.CallUDF("thidua.excel.udfs", "{name}", ' in code
    assert not re.search(r"^Option Explicit", code, re.M | re.I)


def test_wrapper_generator_picks_up_every_decorated_function(tmp_path, monkeypatch):
    pkg = tmp_path / "udfmau"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "udfs.py").write_text(
        "import xlwings as xw\n\n"
        "@xw.func\ndef TD_A(x, y=2):\n    return x + y\n\n"
        "@xw.func()\ndef TD_B(*values):\n    return len(values)\n\n"
        "def helper(x):\n    return x\n", "utf-8")
    monkeypatch.syspath_prepend(str(tmp_path))
    text, names = udfgen.vba_wrappers("Mau", "udfmau.udfs")
    assert names == ["TD_A", "TD_B"] == _decorated(pkg / "udfs.py")
    assert "Function TD_A(x, Optional y)" in text and "Function TD_B(ParamArray values())" in text
    assert "helper" not in text
    import xlwings
    assert not hasattr(xlwings, "udfs") and "pythoncom" not in sys.modules   # stand-ins removed
    import udfmau.udfs as plain
    assert plain.TD_A(1) == 3 and not hasattr(plain.TD_A, "__xlfunc__")    # the real module is untouched
    (pkg / "bad.py").write_text("import xlwings as xw\n\n@xw.func\ndef TD_C(string):\n    return string\n")
    with pytest.raises(ValueError, match="reserved"):
        udfgen.vba_wrappers("Mau", "udfmau.bad")


def test_td_so_reads_vietnamese_numbers():
    from thidua.excel.udfs import TD_SO
    assert TD_SO("1.234.567") == 1234567 and TD_SO("1,5") == 1.5 and TD_SO("95%") == 0.95
    assert TD_SO("12 người") == 12 and TD_SO(7) == 7 and TD_SO(None) == "" and TD_SO("  ") == ""
    assert "không đọc được 'khoảng 3'" in TD_SO("khoảng 3")


# --- VBA text rules -----------------------------------------------------------------------------
def test_vba_sources_are_ascii_and_their_vietnamese_escapes_decode():
    for path in (XL / "vba").glob("*.bas"):
        raw = path.read_bytes()
        assert raw.isascii(), path.name
        assert raw.decode().splitlines()[0] == f'Attribute VB_Name = "{path.stem}"'
        for literal in re.findall(r'VN\("([^"]*)"\)', raw.decode()):
            text = literal.encode().decode("unicode_escape")
            assert unicodedata.is_normalized("NFC", text) and re.search(r"[ạ-ỹđ]", text), literal


def test_xlwings_is_pinned_to_the_installed_version():
    pyproject = (XL.parent / "pyproject.toml").read_text("utf-8")
    assert re.search(rf'"xlwings=={re.escape(XLWINGS_VERSION)}"', pyproject)
    assert B.xlwings_pin() == XLWINGS_VERSION
