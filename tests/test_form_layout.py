"""The issued form and the plan as people read and print them: headers and wrapped text with room
for their lines, numbers without a dangling separator, validation texts cut at a word, a guide
that covers every sheet in plain words, every sheet on A4 one page wide at a readable scale.

LibreOffice does not grow rows to fit wrapped text (nor does its PDF export), so the rows must
carry their heights; its PDF is the judge: no word may overlap a word of another cell, no word
may be clipped away, the print scale is the one the column widths promise."""
from __future__ import annotations

import html
import re
import subprocess
import unicodedata
from collections import Counter
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter, range_boundaries

from support.fixtures import fill
from support.libreoffice import convert
from thidua import contract as C
from thidua.check.findings import SEVERITIES
from thidua.excel.live import SEVERITY_FILL
from thidua.forms.write import range_message, write_form
from thidua.write.xlsx import (COLUMN_PADDING, LINE_HEIGHT, MIN_PRINT_SCALE, input_message, input_title,
                               line_capacity, print_scale, shorten, text_lines, text_units)

PERIOD = "dot-1"
XLSX_PADDING = 5 / 7        # XlsxWriter stores a width w as w + 5/7 (its 7-pixel character)


# --- fixtures: one freshly issued form, and the same form filled (openpyxl saved it) ---------------
@pytest.fixture(scope="module")
def form_path(plan, tmp_path_factory) -> Path:
    period = plan.period(PERIOD)
    unit = next(u for u in plan.active_units(period) if u.kind == "public")
    out = tmp_path_factory.mktemp("layout") / f"{unit.cluster}_{unit.code}_{PERIOD}_form.xlsm"
    return write_form(plan, unit, period, out)


@pytest.fixture(scope="module")
def form_wb(form_path):
    return load_workbook(form_path)


@pytest.fixture(scope="module")
def plan_wb(plan_path):
    return load_workbook(plan_path)


def _tables(wb):
    for ws in wb.worksheets:
        if ws.sheet_state == "visible":
            for t in ws.tables.values():
                yield ws, t


def _width(ws, col: int) -> float:
    """The width a writer gave a column (characters), as openpyxl reads it back."""
    letter = get_column_letter(col)
    for d in ws.column_dimensions.values():
        if d.min and d.max and d.min <= col <= d.max:
            return round((d.width or 8.43) - XLSX_PADDING, 2)
    return round((ws.column_dimensions[letter].width or 8.43) - XLSX_PADDING, 2)


def _hidden(ws, col: int) -> bool:
    return any(d.hidden for d in ws.column_dimensions.values() if d.min and d.max and d.min <= col <= d.max)


def _row_height(ws, row: int) -> float:
    return ws.row_dimensions[row].height or 15.0


def _lines_needed(ws, row: int, cols) -> tuple[int, list]:
    """Lines the row's wrapped text needs; and its unwrapped text that does not fit one line."""
    need, overflowing = 1, []
    for col in cols:
        cell = ws.cell(row, col)
        if not isinstance(cell.value, str) or cell.value.startswith("=") or _hidden(ws, col):
            continue
        width, bold = _width(ws, col), bool(cell.font and cell.font.b)
        if cell.alignment.wrap_text:
            need = max(need, text_lines(cell.value, width, bold))
        elif text_units(cell.value) > line_capacity(width, bold):
            overflowing.append((cell.coordinate, cell.value))
    return need, overflowing


# --- the width model ------------------------------------------------------------------------------
def test_width_model_counts_lines_and_print_scale():
    assert text_lines("", 10) == 1 and text_lines("Có", 4) == 1
    assert text_lines("Trong đó nghỉ thai sản", 10, bold=True) == 3      # Trong đó / nghỉ thai / sản
    assert text_lines("Trong đó nghỉ thai sản", 14, bold=True) == 2
    assert text_lines("Đạt/Không đạt", 8) == 3                             # a line also breaks after "/"
    assert text_lines("một\nhai", 40) == 2
    assert text_units("ĐẠI HỘI") > text_units("đại hội") == 7               # capitals are wider
    nfd = unicodedata.normalize("NFD", "Tổ chức hội nghị người lao động đầu năm")
    assert text_units(nfd) == text_units(unicodedata.normalize("NFC", nfd))   # marks do not widen
    # measured in LibreOffice's PDF: these widths (the old indicator sheet) printed at 72 %
    assert print_scale([14, 20, 54, 10, 16, 16, 15, 28], landscape=True) == 0.72
    assert print_scale([86], landscape=False) == 1.0


# --- headers and rows -------------------------------------------------------------------------------
@pytest.mark.parametrize("book", ["form", "plan"])
def test_headers_wrap_bold_centred_and_rows_have_room_for_their_lines(book, form_wb, plan_wb):
    wb = form_wb if book == "form" else plan_wb
    checked = 0
    for ws, t in _tables(wb):
        c1, r1, c2, r2 = range_boundaries(t.ref)
        cols = range(c1, c2 + 1)
        for col in cols:
            cell = ws.cell(r1, col)
            assert cell.font.b and cell.alignment.wrap_text and cell.alignment.horizontal == "center", \
                (ws.title, cell.coordinate, cell.value)
            if not _hidden(ws, col):      # no header word is broken inside
                longest = max(text_units(w) for w in str(cell.value).split())
                assert longest <= line_capacity(_width(ws, col), bold=True), (ws.title, cell.value)
        for row in range(r1, r2 + 1):
            need, overflowing = _lines_needed(ws, row, cols)
            assert not overflowing, (ws.title, overflowing)
            assert _row_height(ws, row) >= LINE_HEIGHT * need - 0.01 or need == 1, (ws.title, row, need)
            checked += 1
    assert checked > (60 if book == "form" else 250)


def test_form_widths_come_from_the_contract(form_wb):
    for ws, t in _tables(form_wb):
        if t.name not in C.TABLE_LAYOUT:
            continue
        declared = C.TABLE_LAYOUT[t.name].widths
        c1, *_ = range_boundaries(t.ref)
        for j, (h, w) in enumerate(zip(C.TABLE_COLUMNS[t.name], declared)):
            got = _width(ws, c1 + j)
            if h == C.CODE:
                assert got >= w - 0.01          # widened to the longest code
            elif t.name != C.REGISTRATION_TABLE:   # shares its sheet's columns with the pledge table
                assert got == pytest.approx(w, abs=0.01), (t.name, h)
    # the indicator table's wide texts wrap; its hidden helper columns stay hidden
    ws = next(ws for ws, t in _tables(form_wb) if t.name == C.INDICATOR_TABLE)
    hidden = {h for j, h in enumerate(C.INDICATOR_COLUMNS, start=1) if _hidden(ws, j)}
    assert hidden == set(C.HIDDEN_INDICATOR_COLUMNS)


# --- number formats -----------------------------------------------------------------------------------
def _whole_number_rules(ws):
    """{cell: number format} of the conditional formats that show a whole number without decimals."""
    out = {}
    for rng in ws.conditional_formatting:
        for rule in rng.rules:
            if rule.type == "expression" and rule.formula and "INT(" in rule.formula[0] \
                    and "ISNUMBER(" in rule.formula[0] and rule.dxf and rule.dxf.numFmt is not None:
                for part in str(rng.sqref).split():
                    c1, r1, c2, r2 = range_boundaries(part)
                    for r in range(r1, r2 + 1):
                        for c in range(c1, c2 + 1):
                            out[ws.cell(r, c).coordinate] = rule.dxf.numFmt.formatCode
    return out


def test_number_formats_show_90_and_97_5(form_path, tmp_path):
    # a round trip through openpyxl (as the demo and the tests fill forms) keeps the rule
    wb = load_workbook(form_path)
    wb.save(tmp_path / "again.xlsx")
    for book in (load_workbook(form_path), load_workbook(tmp_path / "again.xlsx")):
        decimal_cells = 0
        for ws in book.worksheets:
            if ws.sheet_state != "visible":
                continue
            rules = _whole_number_rules(ws)
            assert set(rules.values()) <= {"#,##0"}
            for row in ws.iter_rows():
                for cell in row:
                    fmt = cell.number_format
                    assert fmt in ("General", "@", "#,##0", "#,##0.##", "0.0%", "0.00%", "dd/mm/yyyy"), \
                        (ws.title, cell.coordinate, fmt)
                    if fmt == "#,##0.##" and not _hidden(ws, cell.column):
                        known = isinstance(cell.value, (int, float))
                        # a known value is whole-number formatted when whole; a cell filled later
                        # (or a formula) carries the rule
                        assert (known and not float(cell.value).is_integer()) or cell.coordinate in rules, \
                            (ws.title, cell.coordinate, cell.value)
                        decimal_cells += not known
                    if cell.coordinate in rules:
                        assert fmt == "#,##0.##", (ws.title, cell.coordinate, fmt)   # never on a date
        assert decimal_cells > 20


# --- data-validation texts -------------------------------------------------------------------------
def test_shorten_cuts_at_a_word():
    label = "Số người lao động vi phạm 12 điều y đức, quy tắc ứng xử"
    assert input_title(label) == "Số người lao động vi phạm 12…"
    assert input_message(label, "Ghi 0 nếu không có ai vi phạm.").startswith(label + ". Ghi 0")
    assert len(input_message("x " * 200)) <= 255 and input_message("x " * 200).endswith("x…")
    assert shorten("ngắn", 32) == "ngắn"
    assert range_message(True, 0, 12, "tháng") == "Nhập số nguyên từ 0 đến 12 (tháng)."
    assert range_message(False, 0, 1_000_000_000, "đồng") == "Nhập số từ 0 đến 1.000.000.000 (đồng)."
    assert range_message(False, 0, 1, "%", percent=True) == "Nhập tỷ lệ 0–100%."
    assert range_message(False, 2.5, None) == "Nhập số từ 2,5 trở lên."


def test_validation_titles_and_messages(form_wb, plan_wb):
    for wb in (form_wb, plan_wb):
        for ws in wb.worksheets:
            for dv in ws.data_validations.dataValidation:
                title, prompt = dv.promptTitle or "", dv.prompt or ""
                assert len(title) <= 32 and len(prompt) <= 255, (ws.title, title)
                if title.endswith("…"):           # cut at a word: the full label opens the message
                    stem = title[:-1]
                    assert prompt.startswith(stem) and prompt[len(stem)] in " ,;:", (ws.title, title, prompt)
    ws = form_wb[C.SHEETS[C.INDICATOR_TABLE]]
    by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    codes = {ws.cell(r, 1).value: r for r in range(1, ws.max_row + 1)}
    entry = get_column_letter(C.INDICATOR_COLUMNS.index(C.ENTRY) + 1)
    dv = by_cell[f"{entry}{codes['vi_pham_y_duc']}"]
    assert dv.promptTitle == "Số người lao động vi phạm 12…"
    assert dv.prompt.startswith("Số người lao động vi phạm 12 điều y đức, quy tắc ứng xử")
    assert dv.error == "Nhập số nguyên từ 0 trở lên (người)."
    assert by_cell[f"{entry}{codes['kpcd_phai_thu']}"].error == "Nhập số từ 0 trở lên (đồng)."
    scores = form_wb[C.SHEETS[C.SCORE_TABLE]]
    errors = {dv.error for dv in scores.data_validations.dataValidation}
    assert "Điểm từ 0 đến 10 (điểm chuẩn của tiêu chí)." in errors
    members = form_wb[C.SHEETS[C.MEMBER_TABLE]]
    errors = {dv.error for dv in members.data_validations.dataValidation}
    assert {"Nhập số nguyên từ 0 đến 12 (tháng).", "Nhập số nguyên từ 0 đến 366 (ngày)."} <= errors


# --- the guides ------------------------------------------------------------------------------------------
_NOT_PLAIN = re.compile(r"\((?:Table|Sheet)\)|\bTable\b|\bsheet\b|\btbl|\w+_\w+|\brow\b|\bcolumn\b", re.I)


def _guide_lines(ws):
    return [(r, ws.cell(r, 1)) for r in range(1, ws.max_row + 1) if isinstance(ws.cell(r, 1).value, str)]


def test_form_guide_covers_every_sheet_in_plain_words(form_wb):
    ws = form_wb[C.SHEETS["guide"]]
    lines = _guide_lines(ws)
    text = "\n".join(c.value for _, c in lines)
    for key, sheet in C.SHEETS.items():
        if key != C.META_TABLE:
            assert f"“{sheet}”" in text or key == "guide", sheet
    assert "giao ước" in text and "thứ tự ưu tiên" in text and "Kiểm tra" in text
    assert not _NOT_PLAIN.findall(text), _NOT_PLAIN.findall(text)
    for sev in SEVERITIES:           # each colour of the Kiểm tra marks, on a line filled with it
        row = next(c for _, c in lines if f": {sev} — " in c.value)
        assert row.fill.fgColor.rgb.upper().endswith(SEVERITY_FILL[sev].lstrip("#").upper()), sev
    assert {"Ô tô màu đỏ", "Ô tô màu vàng", "Ô tô màu xanh"} <= {c.value.split(":")[0] for _, c in lines}
    _assert_guide_prints_on_a4_portrait(ws, lines)


def test_plan_guide_in_plain_words(plan_wb):
    from thidua.plan import schema
    ws = plan_wb["Hướng dẫn"]
    lines = _guide_lines(ws)
    text = "\n".join(c.value for _, c in lines)
    assert not _NOT_PLAIN.findall(text.replace("thidua plan check", "").replace("thidua forms", "")), text
    for spec in schema.PLAN_TABLES:
        assert f"“{spec.sheet}”" in text, spec.sheet
    _assert_guide_prints_on_a4_portrait(ws, lines)


def _assert_guide_prints_on_a4_portrait(ws, lines):
    assert ws.page_setup.orientation == "portrait" and ws.page_setup.paperSize == 9
    width = _width(ws, 1)
    assert 80 <= width and print_scale([width], landscape=False) == 1.0
    for r, cell in lines:
        if cell.font.sz and cell.font.sz > 12:
            continue
        n = text_lines(cell.value, width - 2 * (cell.alignment.indent or 0))
        assert n == 1 or _row_height(ws, r) >= LINE_HEIGHT * n - 0.01, (r, cell.value)


# --- print setup -------------------------------------------------------------------------------------------
def _printed_widths(ws) -> list[float]:
    """Widths of the columns that print: inside the print area, not hidden, up to the last used."""
    last = ws.max_column
    if ws.print_area:
        last = min(last, range_boundaries(str(ws.print_area).split("!")[-1].replace("$", ""))[2])
    return [_width(ws, c) for c in range(1, last + 1) if not _hidden(ws, c)]


@pytest.mark.parametrize("book", ["form", "plan"])
def test_every_sheet_prints_on_a4_one_page_wide_readably(book, form_wb, plan_wb):
    wb = form_wb if book == "form" else plan_wb
    for ws in wb.worksheets:
        if ws.sheet_state != "visible":
            continue
        ps = ws.page_setup
        assert ps.paperSize == 9 and ws.sheet_properties.pageSetUpPr.fitToPage, ws.title
        assert ps.fitToWidth in (1, None) and ps.fitToHeight == 0, ws.title
        widths = _printed_widths(ws)
        landscape = ps.orientation == "landscape"
        scale = print_scale(widths, landscape)
        assert scale >= (0.75 if book == "form" else MIN_PRINT_SCALE), (ws.title, scale)
        if not landscape:          # portrait only when the table is narrow enough
            assert print_scale(widths, True) >= 0.99, ws.title
    # hidden helper columns print nowhere: the print area stops before them
    ind = form_wb[C.SHEETS[C.INDICATOR_TABLE]]
    first, last = ind.print_area.split("!")[-1].replace("$", "").split(":")
    assert first == "A1" and last.startswith("H"), ind.print_area


# --- LibreOffice's PDF ---------------------------------------------------------------------------------------
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def _pdf_pages(pdf: Path):
    xml = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    pages = []
    for chunk in xml.split("<page ")[1:]:
        height = float(re.search(r'height="([\d.]+)"', chunk).group(1))
        words = [(float(a), float(b), float(c), float(d), unicodedata.normalize("NFC", html.unescape(w)))
                 for a, b, c, d, w in _WORD.findall(chunk)]
        footer = [w for w in words if w[1] > height - 40]      # below the bottom margin
        body = [w for w in words if w[1] <= height - 40]
        left = " ".join(w[4] for w in sorted(footer, key=lambda w: w[0]) if w[0] < 300)
        pages.append((left, body))
    return pages


def _overlaps(words):
    """Pairs of words whose boxes overlap: text spilling out of its row or its column. Lines of one
    cell sit closer than a word box is high, so boxes may touch by a little (< 30 %)."""
    out = []
    ws = sorted(words, key=lambda w: w[1])
    for i, a in enumerate(ws):
        for b in ws[i + 1:]:
            if b[1] > a[3]:
                break
            dy = min(a[3], b[3]) - max(a[1], b[1])
            dx = min(a[2], b[2]) - max(a[0], b[0])
            if dx > 0.5 and dy > 0.3 * min(a[3] - a[1], b[3] - b[1]):
                out.append((a[4], b[4], round(a[0]), round(a[1])))
    return out


_PIECES = re.compile(r"[^/\-–]+[/\-–]*|[/\-–]+")


def _sheet_words(ws) -> Counter:
    """Words of the text a sheet shows (visible columns, no formulas), to find each in the PDF."""
    words = Counter()
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str) and not cell.value.startswith("=") and not _hidden(ws, cell.column):
                for word in unicodedata.normalize("NFC", cell.value).split():
                    words.update(_PIECES.findall(word))      # a line may break after / - –
    return words


def _modal_height(words) -> float:
    return Counter(round(w[3] - w[1], 1) for w in words).most_common(1)[0][0]


def test_libreoffice_prints_every_page_readable_without_overlaps(soffice, plan, plan_path, form_path, tmp_path):
    filled = fill(plan, form_path, tmp_path / "filled" / "don_vi.xlsx",
                  values={"kpcd_phai_thu": 90, "kpcd_da_thu": 97.5},
                  scores={"CL1.4": (9.5, 10, "Có minh chứng.")})
    out = convert([plan_path, filled], tmp_path / "pdf", "pdf")
    for src in (plan_path, filled):
        wb = load_workbook(src)
        footers = {}
        for ws in wb.worksheets:
            if ws.sheet_state == "visible":
                footers[ws.oddFooter.left.text] = ws
        pages = _pdf_pages(out[src])
        assert len(pages) <= 3 * len(footers), len(pages)       # no run of empty pages
        full = None
        by_sheet: dict[str, list] = {}
        for title, words in pages:
            ws = footers.get(title)
            assert ws is not None, (src.name, title)
            by_sheet.setdefault(ws.title, []).extend(words)
            assert not _overlaps(words), (src.name, ws.title, _overlaps(words)[:5])
            if ws.page_setup.orientation == "portrait" and full is None:
                full = _modal_height(words)               # the guide prints at 100 %
        for name, words in by_sheet.items():
            ws = wb[name]
            scale = _modal_height(words) / full
            expected = print_scale(_printed_widths(ws), ws.page_setup.orientation == "landscape")
            assert scale >= MIN_PRINT_SCALE - 0.005 and scale == pytest.approx(expected, abs=0.025), \
                (name, scale, expected)
            # every word of every cell is printed whole: nothing clipped at a border or the page edge
            printed = [w[4] for w in words]
            missing = [w for w, n in _sheet_words(ws).items() if sum(p.count(w) for p in printed) < n]
            assert not missing, (src.name, name, missing[:10])
        if src == filled:
            numbers = [w[4] for w in by_sheet[C.SHEETS[C.INDICATOR_TABLE]] + by_sheet[C.SHEETS[C.SCORE_TABLE]]]
            assert "90" in numbers and ("97,5" in numbers or "97.5" in numbers), numbers
            assert "9,5" in numbers or "9.5" in numbers
            assert not {"90,", "90.", "10,", "10.", "100.000.000,", "100,000,000."} & set(numbers)


def test_a_long_unit_name_wraps_above_the_table_and_still_reads(plan, tmp_path):
    import dataclasses

    from thidua.read.form import read_form
    period = plan.period(PERIOD)
    unit = next(u for u in plan.active_units(period) if u.kind == "public")
    long = dataclasses.replace(unit, name="Bệnh viện Đa khoa khu vực miền núi phía Tây kiêm Trung tâm "
                                          "đào tạo và chỉ đạo tuyến của ngành Y tế tỉnh")
    plan = dataclasses.replace(plan, units=tuple(long if u.code == unit.code else u for u in plan.units))
    path = write_form(plan, long, period, tmp_path / f"{unit.cluster}_{unit.code}_{PERIOD}_dai.xlsm")
    ws = load_workbook(path)[C.SHEETS[C.UNIT_TABLE]]          # portrait: the line wraps over the table
    merged = [str(m) for m in ws.merged_cells.ranges]
    assert merged == ["A2:C2"] and ws.cell(2, 1).alignment.wrap_text
    n = text_lines(ws.cell(2, 1).value, sum(_width(ws, c) for c in (1, 2, 3)) + 2 * COLUMN_PADDING)
    assert n > 1 and _row_height(ws, 2) >= LINE_HEIGHT * n
    form = read_form(path, plan)
    assert form.info["ten_don_vi"].value == long.name and not form.problems
