"""Findings: what the checks report, one row each, like frictionless/pandera error tables.

Severities follow Excel's data-validation alert styles: lỗi = Stop (must fix), cảnh báo =
Warning (check it), thông tin = Information.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

from ..catalogue import SEVERITIES, Severity, name_of, rule as rule_of

SEVERITY_RANK = {s: s.rank for s in SEVERITIES}
EXCEL_STYLE = {s: s.excel_style for s in SEVERITIES}

# Column headers of every findings table (terminal, workbook, live sheet).
COLUMNS = ("rule", "severity", "sheet", "cell", "field", "value", "expected", "message")   # for machines (JSON)
HEADERS_VI = ("Quy tắc", "Mức độ", "Trang", "Ô", "Trường", "Giá trị", "Mong đợi", "Nội dung và cách sửa")


@dataclass(frozen=True)
class Finding:
    rule: str                   # stable code (catalogue): required, out_of_range, KT02, target_not_met, ...
    severity: str               # a catalogue.Severity: lỗi | cảnh báo | thông tin
    message: str                # Vietnamese, names sheet and cell, says how to fix
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None
    value: object = None
    expected: object = None
    name: str = ""              # Vietnamese name of the rule ("" = the catalogue's)
    field_label: str = ""       # the field's Vietnamese label (set where the plan is known)
    shown: str = ""             # the value as a person reads it ("95%", "1.234", "15/03/2026")

    @property
    def label(self) -> str:
        return self.name or name_of(self.rule)

    def as_dict(self) -> dict:
        return {**asdict(self), "name": self.label}


def finding(rule_code: str, variant: str = "", /, *, sheet=None, cell=None, field=None, raw=None, expected=None,
            severity: Severity | None = None, name: str = "", **params) -> Finding:
    """A finding of a catalogue rule: its message is the rule's template filled with `params`
    (and sheet, cell); `raw` is the value as found (the finding's `value`)."""
    r = rule_of(rule_code)
    text = r.message(variant, sheet=sheet, cell=cell, **params)
    return Finding(rule_code, severity or r.severity, text, sheet, cell, field, raw, expected, name)


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
    return any(f.severity == Severity.ERROR for f in findings)
