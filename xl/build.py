"""Build the Excel side of thidua from the text sources in this folder (package `thidua.xl`).

Sources (all text, all in git):
    ribbon/bieu_mau.xml     the "Thi đua" tab of every issued form (customUI 2006, UTF-8)
    ribbon/addin.xml        the "Thi đua" tab of the ThiDua.xlam add-in
    vba/ThiDuaBieuMau.bas   the form's ribbon callbacks: one Sub per button -> RunPython
    vba/ThiDuaAddin.bas     the add-in's ribbon callbacks
    ../python/thidua/excel/udfs.py   the add-in's worksheet functions (VBA wrappers generated)
Taken at build time from the installed xlwings (version pinned in pyproject.toml):
    xlwings.bas             RunPython for a standalone workbook (in every form)
    xlwings_custom_addin.bas  the same for an add-in (ActiveWorkbook is the caller)

Products:
    form_project(n)  vbaProject.bin of an issued form (ThisWorkbook, Sheet1..n, xlwings,
                     ThiDuaBieuMau); `thidua forms` embeds it with XlsxWriter and adds the
                     ribbon part with `attach_ribbon`. Built in memory from the package data, so a
                     PC that only pip-installed thidua issues the same forms as `make`.
    addin_bytes()    ThiDua.xlam
    build(out_dir)   `thidua build-excel`: ThiDua.xlam, a sample form, manifest.json.

The ribbon uses the 2006 customUI form (customUI/customUI.xml with the 2006 relationship
type) on purpose: openpyxl, which the project uses to fill and mark forms, keeps that part and
its relationship when a workbook loaded with keep_vba=True is saved, and drops the 2010 form.
"""
from __future__ import annotations

import hashlib
import io
import json
import re
import time
import zipfile
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from xml.etree import ElementTree as ET

from . import ovba, udfgen

HERE = Path(__file__).resolve().parent

FORM_PROJECT, FORM_MODULE = "BieuMau", "ThiDuaBieuMau"
ADDIN_PROJECT, ADDIN_MODULE, UDF_VBA_MODULE = "ThiDua", "ThiDuaAddin", "ThiDuaUDF"
ADDIN_FILE = "ThiDua.xlam"
SAMPLE_FORM_FILE = "BieuMau_mau.xlsm"
# The add-in's xlwings module reads its settings as the forms' module does, from
# %USERPROFILE%\.xlwings\xlwings.conf (what `xlwings config create` writes): one setting file.
ADDIN_XLWINGS_PROJECT_NAME = "xlwings"

RIBBON_PART = "customUI/customUI.xml"
RIBBON_REL_TYPE = "http://schemas.microsoft.com/office/2006/relationships/ui/extensibility"
RIBBON_NS = "http://schemas.microsoft.com/office/2006/01/customui"
RIBBON_REL_ID = "rIdThiDuaRibbon"
PKG_RELS_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"
XLAM_MAIN = "application/vnd.ms-excel.addin.macroEnabled.main+xml"
FIXED_TIME = datetime(2026, 1, 1)        # document properties of built files: reproducible


class BuildError(Exception):
    """A source or the installed xlwings does not fit; `message` says what to do (Vietnamese)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# --- sources --------------------------------------------------------------------------------

def vba_source(module: str) -> str:
    """Our VBA module text as kept in xl/vba (ASCII only: VBA stores code page 1252)."""
    data = (HERE / "vba" / f"{module}.bas").read_bytes()
    try:
        return data.decode("ascii")
    except UnicodeDecodeError as exc:
        raise BuildError(f"xl/vba/{module}.bas có ký tự ngoài ASCII ở byte {exc.start}: VBA chỉ giữ "
                         "được bảng mã 1252; hãy viết tiếng Việt bằng \\u trong VN(...) hoặc ChrW.") from None


def ribbon_xml(kind: str) -> bytes:
    """kind: "bieu_mau" (issued forms) or "addin"."""
    return (HERE / "ribbon" / f"{kind}.xml").read_bytes()


def xlwings_pin() -> str | None:
    """The xlwings version thidua's metadata pins (xlwings==X), None if not installed as a package."""
    from importlib import metadata
    try:
        requires = metadata.requires("thidua") or []
    except metadata.PackageNotFoundError:
        return None
    for req in requires:
        m = re.match(r"^xlwings\s*==\s*([\w.]+)", req)
        if m:
            return m.group(1)
    return None


def xlwings_source(addin: bool = False) -> str:
    """xlwings' VBA module from the installed package (the add-in variant with our
    PROJECT_NAME). Refuses a version other than the pinned one: the VBA inside issued forms
    must match the Python package on the PCs that run them."""
    import xlwings

    pin = xlwings_pin()
    if pin is not None and xlwings.__version__ != pin:
        raise BuildError(f"Máy đang cài xlwings {xlwings.__version__} nhưng thidua cần đúng xlwings {pin}: "
                         f"chạy 'pip install xlwings=={pin}' rồi làm lại.")
    name = "xlwings_custom_addin.bas" if addin else "xlwings.bas"
    text = (Path(xlwings.__file__).parent / name).read_bytes().decode("cp1252")
    if f'XLWINGS_VERSION As String = "{xlwings.__version__}"' not in text:
        raise BuildError(f"{name} của xlwings {xlwings.__version__} không ghi đúng phiên bản của nó.")
    if addin:
        line = 'Public Const PROJECT_NAME As String = "myaddin"'
        if text.count(line) != 1:
            raise BuildError(f"{name}: không tìm thấy đúng một dòng '{line}' để đặt tên dự án.")
        text = text.replace(line, f'Public Const PROJECT_NAME As String = "{ADDIN_XLWINGS_PROJECT_NAME}"')
    return text


def sheet_code_names(n_sheets: int) -> list[str]:
    return [f"Sheet{i}" for i in range(1, n_sheets + 1)]


# --- VBA projects -----------------------------------------------------------------------------

def form_modules(n_sheets: int) -> list[ovba.Module]:
    return [ovba.document_module("ThisWorkbook", workbook=True),
            *(ovba.document_module(n) for n in sheet_code_names(n_sheets)),
            ovba.Module("xlwings", xlwings_source()),
            ovba.Module(FORM_MODULE, vba_source(FORM_MODULE))]


@lru_cache(maxsize=8)
def form_project(n_sheets: int) -> bytes:
    """vbaProject.bin of an issued form with n_sheets worksheets (cached per process)."""
    return ovba.build_project(FORM_PROJECT, form_modules(n_sheets))


def addin_modules() -> tuple[list[ovba.Module], list[str]]:
    wrappers, udfs = udfgen.vba_wrappers(UDF_VBA_MODULE, workbook_name=ADDIN_FILE)
    return [ovba.document_module("ThisWorkbook", workbook=True),
            ovba.document_module("Sheet1"),
            ovba.Module("xlwings", xlwings_source(addin=True)),
            ovba.Module(ADDIN_MODULE, vba_source(ADDIN_MODULE)),
            ovba.Module(UDF_VBA_MODULE, wrappers)], udfs


# --- packages (the zip files) ---------------------------------------------------------------

def attach_ribbon(wb, ribbon: bytes, main_content_type: str | None = None) -> None:
    """Have XlsxWriter write `ribbon` as customUI/customUI.xml, with its root relationship (and
    optionally another content type for xl/workbook.xml), into the package it saves on close.

    Uses XlsxWriter's packager hook (`Workbook._get_packager`, there so that the packager can
    be overridden): the parts go into the zip as it is written, nothing is re-zipped."""
    from xlsxwriter.packager import Packager

    def rewrite(entry, fn):
        handle, name, is_binary = entry
        if isinstance(handle, str):                        # not in_memory: a temporary file
            path = Path(handle)
            path.write_bytes(fn(path.read_bytes()))
            return entry
        data = handle.getvalue()
        new = fn(data if isinstance(data, bytes) else data.encode("utf-8"))
        return (io.BytesIO(new), name, True)

    class RibbonPackager(Packager):
        def _create_package(self):
            files = super()._create_package()
            for i, entry in enumerate(files):
                if entry[1] == "_rels/.rels":
                    files[i] = rewrite(entry, _root_rels_with_ribbon)
                elif entry[1] == "[Content_Types].xml" and main_content_type:
                    files[i] = rewrite(entry, lambda d: _content_types(d, main_content_type))
            if self.in_memory:
                files.append((io.BytesIO(ribbon), RIBBON_PART, True))
            else:
                path = Path(self._filename(RIBBON_PART))   # appends (path, name, False) itself
                path.write_bytes(ribbon)
            return files

    wb._get_packager = RibbonPackager


def _root_rels_with_ribbon(data: bytes) -> bytes:
    """The root relationships with ours to the ribbon part (replacing any ui/extensibility one);
    the rest of the XML is kept byte for byte."""
    text = re.sub(rb'<Relationship\b[^>]*Type="[^"]*/ui/extensibility"[^>]*/>', b"", data)
    rel = (f'<Relationship Id="{RIBBON_REL_ID}" Type="{RIBBON_REL_TYPE}" Target="{RIBBON_PART}"/>').encode()
    if text.count(b"</Relationships>") != 1:
        raise BuildError("Không đọc được _rels/.rels của tệp Excel vừa tạo.")
    return text.replace(b"</Relationships>", rel + b"</Relationships>")


def _content_types(data: bytes, main: str) -> bytes:
    """[Content_Types].xml with `main` as the content type of /xl/workbook.xml."""
    pattern = rb'(<Override\b(?=[^>]*PartName="/xl/workbook\.xml")[^>]*ContentType=")[^"]*(")'
    text, n = re.subn(pattern, lambda m: m.group(1) + main.encode() + m.group(2), data)
    if n != 1:
        raise BuildError("Không thấy xl/workbook.xml trong [Content_Types].xml.")
    return text


@dataclass(frozen=True)
class Parts:
    """What a built or re-saved workbook carries of the Excel side."""
    main_content_type: str | None
    vba_project: bytes | None
    ribbon: bytes | None
    ribbon_rel_target: str | None          # target of the 2006 ui/extensibility relationship
    code_names: dict[str, str]             # part name -> codeName (workbook and sheets)


def parts(package: bytes | str | Path) -> Parts:
    data = package if isinstance(package, bytes) else Path(package).read_bytes()
    z = zipfile.ZipFile(io.BytesIO(data))
    names = set(z.namelist())
    ct = ET.fromstring(z.read("[Content_Types].xml"))
    main = next((o.get("ContentType") for o in ct.iter(f"{{{CT_NS}}}Override")
                 if o.get("PartName") == "/xl/workbook.xml"), None)
    rels = ET.fromstring(z.read("_rels/.rels"))
    target = next((r.get("Target") for r in rels if r.get("Type") == RIBBON_REL_TYPE), None)
    code_names = {}
    for name in sorted(n for n in names if n == "xl/workbook.xml" or re.match(r"xl/worksheets/sheet\d+\.xml$", n)):
        m = re.search(rb'<(?:\w+:)?(?:workbookPr|sheetPr)\b[^>]*\bcodeName="([^"]+)"', z.read(name))
        if m:
            code_names[name] = m.group(1).decode()
    return Parts(main, z.read("xl/vbaProject.bin") if "xl/vbaProject.bin" in names else None,
                 z.read(RIBBON_PART) if RIBBON_PART in names else None, target, code_names)


def addin_bytes() -> bytes:
    """ThiDua.xlam: one information sheet, the add-in VBA project, the add-in ribbon."""
    from .. import __version__
    from ..write.xlsx import Styles, new_workbook

    modules, udfs = addin_modules()
    project = ovba.build_project(ADDIN_PROJECT, modules)
    wb, buffer = new_workbook()
    wb.set_properties({"title": "Thi đua (ThiDua.xlam)", "author": "thidua",
                       "created": FIXED_TIME})
    st = Styles(wb)
    ws = wb.add_worksheet("ThiDua")
    ws.set_column(0, 0, 100)
    import xlwings
    lines = [
        ("Add-in Thi đua (ThiDua.xlam)", st.title),
        (f"thidua {__version__}; xlwings {xlwings.__version__}. Tạo bằng lệnh: thidua build-excel", st.subtitle),
        ("Thẻ 'Thi đua': Tạo biểu mẫu, Tổng hợp cụm, Tổng hợp ngành, Kiểm tra.", st.text_plain),
        ("Hàm trang tính: " + ", ".join(udfs), st.text_plain),
        ("Cần Python có gói thidua trên máy (xem README, mục 'Excel').", st.text_plain),
    ]
    for i, (text, fmt) in enumerate(lines):
        ws.write_string(i, 0, text, fmt)
    wb.set_vba_name("ThisWorkbook")
    ws.set_vba_name("Sheet1")
    wb.add_vba_project(io.BytesIO(project), is_stream=True)
    attach_ribbon(wb, ribbon_xml("addin"), XLAM_MAIN)
    wb.close()
    return buffer.getvalue()


def sample_form_bytes() -> bytes:
    """The form `thidua forms` issues, for the first unit of the sample plan (to open in Excel)."""
    import tempfile

    from ..forms.write import form_bytes
    from ..plan.read import read_plan
    from ..plan.template import write_plan

    with tempfile.TemporaryDirectory(prefix="thidua-build-") as tmp:
        plan = read_plan(write_plan(Path(tmp) / "ke_hoach.xlsx"))
    period = next(p for p in plan.periods if not p.peak)
    unit = plan.active_units(period)[0]
    return form_bytes(plan, unit, period, issued_at=FIXED_TIME)


# --- `thidua build-excel` -----------------------------------------------------------------------

def build(out_dir: str | Path) -> dict:
    """Write ThiDua.xlam, the sample form and manifest.json into out_dir; return the manifest."""
    from ..write.xlsx import save_atomic
    import xlwings

    t0 = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    files = {ADDIN_FILE: addin_bytes(), SAMPLE_FORM_FILE: sample_form_bytes()}
    manifest = {
        "xlwings": xlwings.__version__,
        "sources": {name: _sha(p.read_bytes()) for name, p in _source_files().items()},
        "files": {},
    }
    for name, data in files.items():
        save_atomic(data, out / name)
        p = parts(data)
        manifest["files"][name] = {"sha256": _sha(data), "bytes": len(data),
                                   "vba_sha256": _sha(p.vba_project or b""),
                                   "ribbon_sha256": _sha(p.ribbon or b"")}
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", "utf-8")
    manifest["seconds"] = round(time.perf_counter() - t0, 2)
    return manifest


def _source_files() -> dict[str, Path]:
    """name -> path of every source the build reads (xlwings' modules are named by version)."""
    import importlib.util
    found = {f"xl/{p.relative_to(HERE).as_posix()}": p
             for p in sorted([*HERE.glob("ribbon/*.xml"), *HERE.glob("vba/*.bas"), *HERE.glob("*.py")])}
    found["python/thidua/excel/udfs.py"] = Path(importlib.util.find_spec(udfgen.UDF_MODULE).origin)
    return found


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
