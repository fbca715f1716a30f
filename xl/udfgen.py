"""VBA wrappers for the worksheet functions (UDFs) in thidua.excel.udfs, made by xlwings.

On Windows, `xlwings import UDFs` writes these wrappers into an open workbook through Excel.
Here they are generated at build time with xlwings' own generator (xlwings.udfs), so the
wrappers match the xlwings version that runs them. Off Windows, `@xw.func` does nothing and
`xlwings.udfs` needs pywin32, so for the generation only:
- `pythoncom`, `pywintypes`, `win32com.client` are stand-ins in sys.modules (nothing of them
  is called by the generator),
- a private copy of the UDF module is executed with `xw.func` etc. pointing at xlwings'
  real decorators, which record each function's signature (`__xlfunc__`).
Everything is put back afterwards. Excel-only parts (function descriptions shown in Excel's
function wizard, set through MacroOptions) are not produced.
"""
from __future__ import annotations

import importlib.util
import io
import re
import sys
import threading
import types
from contextlib import contextmanager

UDF_MODULE = "thidua.excel.udfs"
_LOCK = threading.Lock()

# Reserved words of VBA: a UDF or argument with one of these names would not compile.
VBA_RESERVED = frozenset(w.lower() for w in """
And As Boolean ByRef Byte ByVal Call Case Class Const Currency Debug Date Decimal Declare
DefBool DefByte DefCur DefDate DefDbl DefDec DefInt DefLng DefLngLng DefLngPtr DefObj DefSng
DefStr DefVar Dim Do Double Each Else ElseIf Empty End EndIf Enum Eqv Erase Error Event Exit
False For Friend Function Get Global GoSub GoTo If Imp Implements In Integer Is Let Like Lib
Long LongLong LongPtr Loop LSet Me Mod New Next Not Nothing Null On Option Optional Or
ParamArray Preserve Private Property Public RaiseEvent ReDim Rem Resume Return RSet Select Set
Shared Single Static Step Stop String Sub Then To True Type TypeOf Until Variant Wend While
With WithEvents Xor""".split())


@contextmanager
def _xlwings_udfs():
    """Yield (xlwings, xlwings.udfs) with the real decorators; restore everything after."""
    import xlwings

    saved = {k: sys.modules.get(k) for k in ("pythoncom", "pywintypes", "win32com",
                                               "win32com.client", "xlwings.udfs")}
    saved_attrs = {k: getattr(xlwings, k, None) for k in ("func", "sub", "arg", "ret")}
    try:
        if importlib.util.find_spec("pythoncom") is None:      # not Windows: stand-ins
            for name in ("pythoncom", "pywintypes", "win32com", "win32com.client"):
                sys.modules[name] = types.ModuleType(name)
            sys.modules["pythoncom"].CoInitialize = lambda: None
            sys.modules["pywintypes"].com_error = type("com_error", (Exception,), {})
            sys.modules["win32com.client"].Dispatch = lambda *a, **k: None
            sys.modules["win32com"].client = sys.modules["win32com.client"]
            sys.modules.pop("xlwings.udfs", None)
        import xlwings.udfs as udfs
        xlwings.func, xlwings.sub = udfs.xlfunc, udfs.xlsub
        xlwings.arg, xlwings.ret = udfs.xlarg, udfs.xlret
        yield xlwings, udfs
    finally:
        for k, v in saved_attrs.items():
            if v is None:
                xlwings.__dict__.pop(k, None)
            else:
                setattr(xlwings, k, v)
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
        if saved["xlwings.udfs"] is None and hasattr(xlwings, "udfs"):
            del xlwings.udfs


def _decorated_copy(module_name: str):
    """Execute the module's source again under a private name (decorators now record)."""
    spec = importlib.util.find_spec(module_name)
    if spec is None or spec.origin is None:
        raise ImportError(module_name)
    package, _, last = module_name.rpartition(".")
    private = importlib.util.spec_from_file_location(f"{package}._{last}_for_vba", spec.origin)
    module = importlib.util.module_from_spec(private)       # not registered in sys.modules
    private.loader.exec_module(module)
    return module


def udf_names(module) -> list[str]:
    return sorted(v.__xlfunc__["name"] for v in vars(module).values() if hasattr(v, "__xlfunc__"))


def vba_wrappers(vba_module: str, module_name: str = UDF_MODULE,
                 workbook_name: str = "ThiDua.xlam") -> tuple[str, list[str]]:
    """(VBA module text, UDF names) for every @xw.func function of `module_name`.

    `workbook_name` ending in .xlam makes xlwings pass ActiveWorkbook (as in an add-in)."""
    with _LOCK, _xlwings_udfs() as (_, udfs):
        module = _decorated_copy(module_name)
        names = udf_names(module)
        for fn in (v for v in vars(module).values() if hasattr(v, "__xlfunc__")):
            info = fn.__xlfunc__
            for word in [info["name"], *(a["name"] for a in info["args"])]:
                if word.lower() in VBA_RESERVED:
                    raise ValueError(f"{module_name}.{info['name']}: '{word}' is a VBA reserved word")
        out = io.StringIO()
        udfs.generate_vba_wrapper(module_name, module, out, types.SimpleNamespace(Name=workbook_name))
    head = (f'Attribute VB_Name = "{vba_module}"\n'
            f"' Generated by thidua build-excel from the Python module {module_name}:\n"
            "' one wrapper per @xw.func function (xlwings.udfs.generate_vba_wrapper).\n"
            "' Do not edit; rebuild instead. No Option Explicit: the wrappers use undeclared names.\n"
            '#Const App = "Microsoft Excel"\n')
    text = head + out.getvalue()
    if re.search(r"[^\x00-\x7f]", text):
        raise ValueError("generated UDF wrappers contain non-ASCII text")
    return text, names
