"""One catalogue of severities and rule codes: every code the checks and the reader can give is in
it with a Vietnamese name and a template, the README's table is generated from it, users see names."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from thidua import catalogue as CAT
from thidua.catalogue import RULES, Severity

SOURCES = [Path(__file__).parent.parent / "python" / "thidua" / p
           for p in ("check/engine.py", "read/form.py", "check/report.py", "read/workbook.py", "read/preflight.py",
                     "read/batch.py", "read/files.py", "plan/embed.py")]


def codes_in_code() -> set[str]:
    """Rule codes written in the sources: finding("x"), _problem(.., "x"), code="x"."""
    found = set()
    for p in SOURCES:
        text = p.read_text("utf-8")
        found |= set(re.findall(r'\bfinding\("([a-z_]+)"', text))
        found |= set(re.findall(r'_problem\([a-z]+, "([a-z_]+)"', text))
        found |= set(re.findall(r'code="([a-z_]+)"', text))
        found |= set(re.findall(r'_Refuse\("([a-z_]+)"', text))
    return found - {"unreadable", "error", "plan_definition", "embedded_plan"}


def test_every_code_the_tool_gives_is_in_the_catalogue_with_a_vietnamese_name():
    used = codes_in_code()
    assert len(used) > 30
    missing = sorted(used - set(RULES))
    assert not missing, missing
    for r in RULES.values():
        assert r.name[0].isupper() and " " in r.name and not r.name.isascii(), r.code     # Vietnamese words
        assert isinstance(r.severity, Severity) and r.source and r.fix, r.code


def test_templates_fill_without_missing_fields():
    """Each template's fields are what its call sites pass (a KeyError here would crash a check)."""
    for r in RULES.values():
        for variant, template in r.templates.items():
            fields = set(re.findall(r"\{(\w+)", template))
            text = template.format(**{f: f"<{f}>" for f in fields})
            assert "{" not in text, (r.code, variant)


def test_the_readme_table_is_the_catalogue():
    readme = (Path(__file__).parent.parent / "README.md").read_text("utf-8")
    block = readme.split("<!-- rules:start -->\n", 1)[1].split("\n<!-- rules:end -->", 1)[0]
    assert block == CAT.markdown_table()


def test_severity_is_an_enum_that_reads_and_hashes_like_its_word():
    assert Severity.ERROR == "lỗi" and {"lỗi": 1}[Severity.ERROR] == 1 and f"{Severity.WARNING}" == "cảnh báo"
    assert [s.rank for s in CAT.SEVERITIES] == [0, 1, 2]
    assert [s.excel_style for s in CAT.SEVERITIES] == ["Stop", "Warning", "Information"]
    assert all(line.startswith("Ô tô màu") for line in CAT.severity_lines())


def test_a_plan_check_is_named_by_its_label(plan):
    check = plan.checks[0]
    assert CAT.name_of(check.code, plan) == f"Kiểm tra chéo: {check.label}"
    assert CAT.name_of("required") == "Ô bắt buộc để trống"
    with pytest.raises(KeyError):
        CAT.message("khong_co")


def test_the_forms_guide_explains_the_marks_from_the_catalogue(issued):
    """Each severity's line in the guide is the catalogue's, filled with the colour Kiểm tra uses."""
    from openpyxl import load_workbook
    from thidua import contract as C
    ws = load_workbook(issued[0])[C.SHEETS["guide"]]
    shown = {c.value: c.fill.fgColor.rgb for row in ws.iter_rows() for c in row if isinstance(c.value, str)}
    for sev, line in zip(CAT.SEVERITIES, CAT.severity_lines()):
        assert line in shown, line
        assert shown[line].upper().endswith(sev.fill.lstrip("#").upper())
