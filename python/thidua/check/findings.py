"""Findings: what the checks report, one row each, like frictionless/pandera error tables.

Severities follow Excel's data-validation alert styles: lỗi = Stop (must fix), cảnh báo =
Warning (check it), thông tin = Information.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from ..read.form import SEVERITY_ERROR, SEVERITY_INFO, SEVERITY_WARNING

SEVERITIES = (SEVERITY_ERROR, SEVERITY_WARNING, SEVERITY_INFO)
SEVERITY_RANK = {s: i for i, s in enumerate(SEVERITIES)}
EXCEL_STYLE = {SEVERITY_ERROR: "Stop", SEVERITY_WARNING: "Warning", SEVERITY_INFO: "Information"}

# Column headers of every findings table (terminal, workbook, live sheet).
COLUMNS = ("rule", "severity", "sheet", "cell", "field", "value", "expected", "message")
HEADERS_VI = ("Quy tắc", "Mức độ", "Trang", "Ô", "Trường", "Giá trị", "Mong đợi", "Nội dung và cách sửa")


@dataclass(frozen=True)
class Finding:
    rule: str                   # stable code: required, out_of_range, KT02, target_not_met, ...
    severity: str               # lỗi | cảnh báo | thông tin
    message: str                # Vietnamese, names sheet and cell, says how to fix
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    value: object = None
    expected: object = None

    def as_dict(self) -> dict:
        return asdict(self)


def sort_key(f: Finding):
    return (SEVERITY_RANK.get(f.severity, 9), f.sheet or "", _cell_key(f.cell), f.rule)


def _cell_key(cell: str | None):
    if not cell:
        return (0, "")
    letters = "".join(ch for ch in cell if ch.isalpha())
    digits = "".join(ch for ch in cell if ch.isdigit())
    return (int(digits or 0), letters)


def count_by_severity(findings) -> Counter:
    return Counter(f.severity for f in findings)


def summary_text(findings) -> str:
    """"2 lỗi, 1 cảnh báo, 3 thông tin" or "không có lỗi"."""
    c = count_by_severity(findings)
    parts = [f"{c[s]} {s}" for s in SEVERITIES if c[s]]
    return ", ".join(parts) if parts else "không có lỗi"


def has_errors(findings) -> bool:
    return any(f.severity == SEVERITY_ERROR for f in findings)


def findings_frame(findings, **columns):
    """A DataFrame with COLUMNS (plus constant columns such as file=..., unit=...)."""
    import pandas as pd
    rows = [{**columns, **f.as_dict()} for f in findings]
    return pd.DataFrame(rows, columns=[*columns, *COLUMNS])
