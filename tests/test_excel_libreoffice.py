"""LibreOffice, the real spreadsheet here, opens the add-in, the sample form, an issued form
and a form re-saved by openpyxl with its VBA filter, and imports every module with the text
of the sources (one soffice call for all four files)."""
from __future__ import annotations

import html
import importlib.util
import re
import zipfile
from pathlib import Path

import pytest

from support.libreoffice import convert
from thidua.xl import build as B
from thidua.xl import udfgen

XLWINGS_DIR = Path(importlib.util.find_spec("xlwings").submodule_search_locations[0])   # not imported
XL_VBA = Path(B.__file__).parent / "vba"
VBA_FILTER = "Calc MS Excel 2007 VBA XML"


@pytest.fixture(scope="module")
def opened(soffice, issued, province, tmp_path_factory):
    out = tmp_path_factory.mktemp("excel-lo")
    B.build(out)
    filled, _ = province
    resaved = next(f.path for f in filled if f.path.stem != issued[0].stem)
    sources = {"addin": out / B.ADDIN_FILE, "sample": out / B.SAMPLE_FORM_FILE,
               "issued": issued[0], "resaved": resaved}
    result = convert(sources.values(), out / "ods", fmt="ods", infilter=VBA_FILTER)
    return {kind: (src, result[src]) for kind, src in sources.items()}


def basic_modules(ods) -> dict[str, dict[str, str]]:
    """library -> module -> code, as LibreOffice imported it (Basic/<library>/<module>.xml)."""
    libs: dict[str, dict[str, str]] = {}
    with zipfile.ZipFile(ods) as z:
        for name in z.namelist():
            m = re.fullmatch(r"Basic/([^/]+)/([^/]+)\.xml", name)
            if m and m.group(2) != "script-lb":
                body = re.search(r"<script:module[^>]*>(.*)</script:module>", z.read(name).decode("utf-8"), re.S)
                libs.setdefault(m.group(1), {})[m.group(2)] = html.unescape(body.group(1))
    return libs


def _trim(lines: list[str]) -> list[str]:
    while lines and lines[-1] == "":
        lines = lines[:-1]
    return lines


def without_attributes(text: str) -> list[str]:
    lines = text.replace("\r\n", "\n").split("\n")
    return _trim([line for line in lines if not line.startswith("Attribute VB_")])


def imported(code: str) -> list[str]:
    """LibreOffice's module text without the two header lines it adds."""
    lines = code.split("\n")
    assert lines[0].startswith("Rem Attribute VBA_ModuleType=VBA") and lines[1] == "Option VBASupport 1"
    return _trim(lines[2:])


def test_every_file_opens_and_its_vba_modules_are_imported(opened):
    ours = {"ThiDuaBieuMau": XL_VBA / "ThiDuaBieuMau.bas", "ThiDuaAddin": XL_VBA / "ThiDuaAddin.bas"}
    for kind, (src, ods) in opened.items():
        libs = basic_modules(ods)
        addin = kind == "addin"
        project = B.ADDIN_PROJECT if addin else B.FORM_PROJECT
        assert set(libs) == {project}, (kind, set(libs))
        modules = libs[project]
        mine = "ThiDuaAddin" if addin else "ThiDuaBieuMau"
        sheets = sum(1 for n in zipfile.ZipFile(src).namelist() if re.fullmatch(r"xl/worksheets/sheet\d+\.xml", n))
        docs = {"ThisWorkbook", *(f"Sheet{i}" for i in range(1, sheets + 1))}
        assert set(modules) == docs | {"xlwings", mine} | ({"ThiDuaUDF"} if addin else set()), kind
        assert imported(modules[mine]) == without_attributes(ours[mine].read_text("ascii")), kind
        xlw = (XLWINGS_DIR / ("xlwings_custom_addin.bas" if addin else "xlwings.bas")).read_bytes().decode("cp1252")
        if addin:
            xlw = xlw.replace('"myaddin"', '"xlwings"')
        assert imported(modules["xlwings"]) == without_attributes(xlw), kind
        if addin:
            assert imported(modules["ThiDuaUDF"]) == without_attributes(udfgen.vba_wrappers("ThiDuaUDF")[0])
        for doc in docs:
            assert "VBADocumentModule" in modules[doc].split("\n")[0]


def test_forms_still_read_the_same_after_libreoffice(opened, plan):
    # LibreOffice opened each form as a workbook, not only as a macro container
    from thidua.read.form import read_form
    for kind in ("sample", "issued", "resaved"):
        src, ods = opened[kind]
        with zipfile.ZipFile(ods) as z:
            content = z.read("content.xml").decode("utf-8")
        assert "tblIndicators" in content and "tblMeta" in content, kind
        assert read_form(src, plan).unit_code in content
