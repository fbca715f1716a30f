"""The form checks and scores itself: LibreOffice recalculates the formulas forms.compile emitted from
the plan, and every result equals the Python engine's — findings (rule, severity, sheet, cell and
message), problem counts, criterion points and how they were reached, group totals and floors, the
total, the rating and its reason, collective titles and every member's verdict.

Differential, on real engines: randomized fills at, just under and just over every threshold, and
every form the demo's simulated province returned (Đợt 1, Đợt 2, the peak campaign; renamed sheets,
inserted rows, registrations carried from the start of the year), as "typed twins" (figures written
as the engine read them). Where a person typed text in a number cell, the form must not guess: it says
"bấm Kiểm tra" instead."""
from __future__ import annotations

import random
from collections import Counter

import pytest
import python_calamine as pc
import xlsxwriter
from openpyxl import load_workbook

from support.libreoffice import convert
from support.selfcheck import differences, engine_results, live_results, random_fill, typed_twin
from thidua import contract as C
from thidua.check.engine import check_form
from thidua.forms import formula as F
from thidua.forms import selfcheck as S
from thidua.forms.compile import LIVE_RULES
from thidua.plan.read import read_plan
from thidua.read.form import read_form
from thidua.values import format_number_vi, format_percent_vi

RANDOM_FILLS = 300          # per run, both kinds of unit, values at and around every threshold


def _future_report_date(eng: dict, live: dict) -> None:
    """A report date after today: the engine knows today, a formula could only by TODAY(), which is
    volatile (the form has none). Both sides drop that one judgement."""
    future = {(r, s, c) for r, _sev, s, c, msg in eng["findings"]
              if r == "report_date_implausible" and "sau ngày hôm nay" in msg}
    if not future:
        return
    cells = {(s, c) for _r, s, c in future}
    eng["findings"] = [f for f in eng["findings"] if (f[0], f[2], f[3]) not in future]
    live["findings"] = [f for f in live["findings"] if not (f[0] == "report_late" and (f[2], f[3]) in cells)]
    eng["counts"] = Counter(f[1] for f in eng["findings"])
    live["counts"] = Counter(f[1] for f in live["findings"])
    eng["counts"] = {s: eng["counts"].get(s, 0) for s in live["counts"] | eng["counts"]}
    live["counts"] = {s: live["counts"].get(s, 0) for s in eng["counts"]}


def _agree(pairs, plan) -> tuple[int, list[str]]:
    compared, problems = 0, []
    for src, recalculated in pairs:
        live, eng = live_results(recalculated), engine_results(src, plan)
        _future_report_date(eng, live)
        found = differences(live, eng)
        compared += 1
        problems += [f"{src.name}: {d}" for d in found]
    return compared, problems


@pytest.fixture(scope="module")
def random_forms(plan, issued, tmp_path_factory):
    out = tmp_path_factory.mktemp("selfcheck_random")
    kinds = {}
    for p in issued:
        kinds.setdefault(plan.unit(p.name.split("_")[1]).kind, p)
    rng = random.Random(16)
    paths = []
    for i in range(RANDOM_FILLS):
        src = list(kinds.values())[i % len(kinds)]
        stem = "_".join(src.name.split("_")[:3])
        paths.append(random_fill(plan, src, out / "filled" / f"{stem}_{i:03d}.xlsx", rng))
    return paths, convert(paths, out / "recalc")


def test_randomized_fills_at_every_threshold_agree_with_the_engine(soffice, plan, random_forms):
    paths, recalculated = random_forms
    compared, problems = _agree([(p, recalculated[p]) for p in paths], plan)
    assert compared == RANDOM_FILLS
    assert not problems, "\n".join(problems[:40])


def test_randomized_fills_reach_every_rule_and_every_rating(soffice, plan, random_forms):
    """The fills are not vacuous: every live rule fires somewhere, totals land on every rating."""
    paths, recalculated = random_forms
    rules, ratings, statuses = Counter(), Counter(), Counter()
    for p in paths:
        live = live_results(recalculated[p])
        rules.update(f[0] for f in live["findings"])
        ratings[live["summary"]["xep_loai"]] += 1
        statuses.update(m[3] for m in live["members"])
    checks = {c.code for c in plan.checks}
    expected = set(LIVE_RULES) - {"consistency"} | checks
    assert expected - set(rules) == set(), (expected - set(rules), rules)
    assert {r.code for r in plan.ratings} <= set(ratings), ratings
    assert {"Đủ điều kiện", "Chưa đủ điều kiện", "Vượt tỷ lệ", "Không có trong kế hoạch"} <= set(statuses)
    assert any(s.startswith("Trùng dòng") for s in statuses)


@pytest.fixture(scope="module")
def demo_forms(demo_outputs, tmp_path_factory):
    plan = read_plan(demo_outputs / "ke_hoach_thi_dua_2026.xlsx")
    out = tmp_path_factory.mktemp("selfcheck_demo")
    returned = [p for d in ("nop_ve_dot-1", "nop_ve_dot-2", "nop_ve_cao-diem-1")
                for p in sorted((demo_outputs / d).rglob("*.xlsm")) if not p.name.startswith("~$")]
    twins = [typed_twin(p, out / "twins" / p.parent.name / p.name, plan) for p in returned]
    recalculated = convert([*returned, *twins], out / "recalc")
    return plan, returned, twins, recalculated


def test_the_demo_provinces_forms_agree_with_the_engine(soffice, demo_forms):
    """Every returned form of the demo, figures as the engine read them: renamed sheets, inserted rows,
    the registration record carried from the start of the year, the peak campaign's own plan."""
    plan, returned, twins, recalculated = demo_forms
    compared, problems = _agree([(t, recalculated[t]) for t in twins], plan)
    assert compared == len(returned) > 300
    assert not problems, "\n".join(problems[:40])


def test_text_in_a_number_cell_says_press_the_button(soffice, demo_forms):
    """As returned (text typed in number cells: "1.234.567", "95%", "12 người"), the form marks exactly
    those cells and gives no total or rating of its own, where the engine read or refused them."""
    plan, returned, _twins, recalculated = demo_forms
    typed = {"number", "integer", "percent", "date", "yes_no"}
    with_text = 0
    for src in returned:
        form = read_form(src, plan)
        texts = set()
        for e in (*form.values.values(), *form.info.values(), *(s.self_score for s in form.scores.values())):
            if not e.derived and e.type in typed and isinstance(e.raw, str) and e.raw.strip() \
                    and not (e.type == "yes_no" and e.raw.strip() in ("Có", "Không")):
                texts.add((C.SHEETS.get(_table_of(form, e), e.sheet), e.cell))
        live = live_results(recalculated[src])
        marked = {(s, c) for s, c in live["needs"] if s != C.SHEETS[C.MEMBER_TABLE] and "giao ước" not in s}
        marked = {(s, c) for s, c in marked if s != C.SHEETS[C.REGISTRATION_TABLE]}
        assert marked == texts, (src.name, marked ^ texts)
        if texts:
            with_text += 1
            assert live["summary"]["tong_diem"] == S.NEEDS_BUTTON_TEXT
            assert live["summary"]["ten_xep_loai"] == S.NEEDS_BUTTON_TEXT
            assert "bấm Kiểm tra" in live["summary"]["ly_do"]
    assert with_text > 20


def _table_of(form, e) -> str:
    if e.code in form.info:
        return C.UNIT_TABLE
    if e.code in form.values:
        return C.INDICATOR_TABLE
    return C.SCORE_TABLE


def test_the_marked_cells_are_the_buttons_cells_in_its_colours(soffice, plan, random_forms):
    """Each cell the engine reports carries, in its hidden helper cell, the rank of its worst severity
    (1 lỗi, 2 cảnh báo, 3 thông tin; 9 nothing); the conditional formats colour it in the Kiểm tra
    button's colour for that rank."""
    paths, recalculated = random_forms
    for p in paths[:40]:
        eng = engine_results(p, plan)
        worst = {}
        for rule, sev, sheet, cell, _msg in eng["findings"]:
            rank = [str(s) for s in S.SEVERITIES].index(sev) + 1
            worst[(sheet, cell)] = min(rank, worst.get((sheet, cell), 9))
        helpers = S.mark_helpers(plan, eng["form"])
        wb = load_workbook(recalculated[p], data_only=True)
        for (sheet, cell), helper in helpers.items():
            got = wb[sheet][helper].value
            assert int(got) == worst.get((sheet, cell), 9), (p.name, sheet, cell, got)
        assert set(worst) <= set(helpers), set(worst) - set(helpers)
    wb = load_workbook(paths[0])
    ws = wb[C.SHEETS[C.INDICATOR_TABLE]]
    fills = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            if rule.formula and rule.formula[0].endswith(("=1", "=2", "=3")) and rule.dxf and rule.dxf.fill:
                fills[rule.formula[0][-1]] = (rule.dxf.fill.bgColor.rgb or rule.dxf.fill.fgColor.rgb)[-6:]
    assert {k: v.upper() for k, v in fills.items()} == \
        {str(i + 1): s.fill.lstrip("#").upper() for i, s in enumerate(S.SEVERITIES)}


def test_a_blank_form_counts_its_blanks_in_libreoffice_as_it_opens(soffice, plan, issued, tmp_path):
    """LibreOffice keeps a .xlsx's cached results unless told otherwise: the formulas carry none, so
    it computes them as the form opens (an issued form then shows its blank required cells at once)."""
    import shutil
    import subprocess
    src = issued[0]
    profile = tmp_path / "profile"              # a default profile: no forced recalculation
    subprocess.run([soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path), str(src)], capture_output=True, timeout=300)
    out = tmp_path / (src.stem + ".xlsx")
    assert out.exists()
    live = live_results(out)
    form = read_form(src, plan)
    errors = [f for f in check_form(form, plan) if f.severity == "lỗi" and f.rule in LIVE_RULES]
    assert live["counts"][S.SEVERITIES[0]] == len(errors) > 10
    shutil.rmtree(profile, ignore_errors=True)


def test_numbers_and_dates_read_the_same_in_any_locale(soffice, tmp_path):
    """The formula text of a Vietnamese number ("1.234.567,89", "97,5%", "-0,5") and date (05/07/2026)
    is built with integer arithmetic, never TEXT(), whose format codes follow the machine's language."""
    values = [0, 0.5, -0.5, 1, 12.5, 97.25, 999.995, 1000, 1234.5, 99999.999, 1234567.891, -1234567.891,
              1_000_000_000, 987_654_321_012.5, 0.125, 2.675, 0.004, -0.004, 3.125, 2.5025, 1.0005]
    path = tmp_path / "numbers.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Số")
    for i, v in enumerate(values):
        r = i + 1
        ws.write_number(r - 1, 0, v)
        for j, (decimals, percent) in enumerate(((2, False), (1, True), (0, False))):
            col = 1 + 3 * j
            fixed, digits, text = F.vi_number_cells(f"A{r}", f"{_c(col)}{r}", f"{_c(col + 1)}{r}", decimals, percent)
            ws.write_formula(r - 1, col, "=" + fixed, None, "")
            ws.write_formula(r - 1, col + 1, "=" + digits, None, "")
            ws.write_formula(r - 1, col + 2, "=" + text, None, "")
        ws.write_formula(r - 1, 10, "=" + F.vi_date("45843+A1*0"), None, "")
    wb.close()
    out = convert([path], tmp_path / "lo")[path]
    rows = pc.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Số").to_python()
    for v, row in zip(values, rows):
        assert row[3] == format_number_vi(v, 2), (v, row[3])
        assert row[6] == format_percent_vi(v, 1), (v, row[6])
        assert row[9] == format_number_vi(v, 0), (v, row[9])
    assert rows[0][10] == "05/07/2025"


def _c(j: int) -> str:
    from thidua.forms.compile import column_letter
    return column_letter(j)


def test_the_formulas_use_only_functions_every_spreadsheet_has(plan, issued):
    """No dynamic arrays, LET, LAMBDA, XLOOKUP, FILTER, TEXT or volatile functions anywhere in a form;
    and within Excel's limits: 8,192 characters a formula, 64 levels of nesting, 255 characters a
    text constant."""
    import html
    import re
    import zipfile
    banned = {"LET", "LAMBDA", "XLOOKUP", "FILTER", "SORT", "UNIQUE", "SEQUENCE", "TEXTJOIN", "CONCAT", "IFS",
              "SWITCH", "MAXIFS", "MINIFS", "TEXT", "TODAY", "NOW", "OFFSET", "INDIRECT", "RAND", "RANDBETWEEN",
              "CELL", "INFO"}
    used = Counter()
    with zipfile.ZipFile(issued[0]) as zf:
        for name in zf.namelist():
            if name.startswith("xl/worksheets/sheet"):
                xml = zf.read(name).decode("utf-8")
                for f in re.findall(r"<f>(.*?)</f>", xml) + re.findall(r"<formula>(.*?)</formula>", xml):
                    f = html.unescape(f)
                    assert len(f) < 8192, (name, len(f))
                    assert all(len(t) <= 255 for t in re.findall(r'"((?:[^"]|"")*)"', f)), name
                    f = re.sub(r'"(?:[^"]|"")*"', '""', f)
                    depth = deepest = 0
                    for ch in f:
                        depth += (ch == "(") - (ch == ")")
                        deepest = max(deepest, depth)
                    assert deepest < 64, (name, deepest)
                    used.update(re.findall(r"\b([A-Z][A-Z0-9.]*)\(", f))
    assert not banned & set(used), banned & set(used)
    assert {"SUMPRODUCT", "MATCH", "INDEX", "ADDRESS", "IFERROR"} <= set(used)


def test_pressing_the_buttons_gives_what_the_formulas_show(soffice, plan, random_forms):
    """The Kiểm tra and Chấm điểm buttons (xlwings' remote engine, on the recalculated book the person
    has open) find the live rules' problems the form's formulas list, at the same cells, and the same
    total and rating."""
    from support.remote_book import book_from_payload, payload_from_file
    from thidua.excel import live
    paths, recalculated = random_forms
    checks = {c.code for c in plan.checks}
    for p in paths[:24]:
        shown = live_results(recalculated[p])
        findings = live.validate(book_from_payload(payload_from_file(recalculated[p])))
        pressed = sorted((f.rule, str(f.severity), f.sheet, f.cell, f.message) for f in findings
                         if f.rule in LIVE_RULES or f.rule in checks)
        assert pressed == shown["findings"], p.name
        scored = live.score(book_from_payload(payload_from_file(recalculated[p])))
        assert (scored.total, scored.rating or "") == (shown["summary"]["tong_diem"], shown["summary"]["xep_loai"])
