"""The live-workbook host: the Kiểm tra / Chấm điểm / Xóa đánh dấu buttons on an open form.

Thin by design: read the book's Excel Tables into the same `Workbook` the file reader uses,
run the same engine (check.engine, score.engine), and write back only marks the tool owns:
cell fills and notes on cells with findings, a results sheet, a score sheet. The person's
entries are never written. Works on any xlwings book: desktop Excel (Windows, open-source
xlwings) and the remote engine of xlwings Server / Lite (tested here with `xw.Book(json=...)`).
"""
from __future__ import annotations

from pathlib import Path

from ..check.findings import HEADERS_VI, SEVERITIES, Finding, has_errors, summary_text
from ..catalogue import severity_lines
from ..check.report import _field_text
from ..errors import ThiduaError
from .. import contract as C
from ..read.form import EXTENDED_LISTS, FormData, form_with_rules
from ..read.workbook import MAX_ROWS_BELOW, Table, Workbook
from ..values import fold, nfc

RESULT_TABLE, RESULT_SHEET = "tblKetQuaKiemTra", "Kết quả kiểm tra"
SCORE_TABLE, SCORE_SHEET = "tblKetQuaChamDiem", "Kết quả chấm điểm"
SEVERITY_FILL = {s: s.fill for s in SEVERITIES}
NOTE_PREFIX = "[thidua] "          # marks the notes this tool wrote, so clearing removes only those
RESULT_HEADERS = ("STT", *HEADERS_VI, "Ghi chú của thidua")
TITLE = "Thi đua"


# --- reading a live book ----------------------------------------------------------------------
def book_workbook(book) -> Workbook:
    """Every Excel Table of the open book, wherever it sits (hidden sheets included)."""
    tables: dict[str, Table] = {}
    for sheet in book.sheets:
        for t in sheet.tables:
            rng = t.range
            grid = rng.options(ndim=2).value
            headers = [fold("" if h is None else str(h)) for h in grid[0]]
            table = Table(t.name, nfc(sheet.name), headers, [_composed(r) for r in grid[1:]], rng.row, rng.column - 1)
            if t.name in EXTENDED_LISTS:
                table.below = _rows_below(sheet, rng, len(headers))
            tables[t.name] = table
    return Workbook(Path(book.fullname or book.name), tables, [nfc(s.name) for s in book.sheets], "xlwings")


def _composed(row) -> list:
    return [nfc(v) if isinstance(v, str) else v for v in row]


def _rows_below(sheet, rng, width: int) -> list[list]:
    """Rows typed right under a list (a table Excel did not grow: WPS, LibreOffice-saved books)."""
    first = rng.row + rng.rows.count            # 1-based sheet row just under the table
    grid = sheet.range((first, rng.column), (first + MAX_ROWS_BELOW - 1, rng.column + width - 1)).options(ndim=2).value
    out = []
    for r in grid or []:
        if all(v is None or (isinstance(v, str) and not fold(v)) for v in r):
            break
        out.append(_composed(r))
    return out


def read_live_form(book, plan=None) -> tuple[FormData, object]:
    """(form, plan): the plan given, else the plan the form carries (forms.write embeds it)."""
    return form_with_rules(book_workbook(book), plan)


# --- the buttons ------------------------------------------------------------------------------
def validate(book, plan=None) -> list[Finding]:
    """Kiểm tra: mark every finding at its cell, list them on a results sheet, say a summary."""
    from ..check.engine import check_form
    try:
        form, plan = read_live_form(book, plan)
    except ThiduaError as exc:
        book.app.alert(exc.message, title=TITLE)
        return []
    from ..check.report import _for_people
    findings = [_for_people(f, form, plan) for f in check_form(form, plan)]
    _clear(book)
    noted = _mark(book, findings)
    _write_results(book, findings, noted)
    head = "Không phát hiện lỗi." if not findings else f"Kết quả kiểm tra: {summary_text(findings)}."
    tail = (f" {' '.join(severity_lines())} Rê chuột vào ô để xem ghi chú. "
            f"Danh sách ở trang '{RESULT_SHEET}'.") if findings else ""
    if has_errors(findings):
        tail += " Hãy sửa các lỗi rồi bấm Kiểm tra lại trước khi gửi."
    book.app.alert(head + tail, title=TITLE)
    return findings


def score(book, plan=None):
    """Chấm điểm: the points and rating the industry will compute, on a sheet of their own."""
    from ..score.engine import score_form
    try:
        form, plan = read_live_form(book, plan)
    except ThiduaError as exc:
        book.app.alert(exc.message, title=TITLE)
        return None
    result = score_form(form, plan)
    rows = [["Mã", "Nhóm", "Nội dung", "Điểm chuẩn", "Cách chấm", "Tính từ số liệu", "Tự chấm",
             "Cấp trên chấm", "Điểm", "Căn cứ"]]
    for s in result.criteria:
        rows.append([s.code, s.group, s.label, s.points, _method_label(s.method), s.computed, s.self_score,
                     s.upper_score, s.final, s.basis])
    for g in result.groups:
        floor = f"sàn {g.floor:.0%}: {'đạt' if g.meets_floor else 'KHÔNG đạt'}" if g.floor is not None else ""
        rows.append([g.code, g.code, f"Cộng {g.name}", g.max_points, "", None, None, None, g.score, floor])
    rows.append(["TỔNG", "", "Tổng điểm", result.max_total, "", None, result.self_total, None, result.total,
                 f"{result.rating or 'Chưa xếp loại'} — {result.reason}"])
    sheet = _fresh_sheet(book, SCORE_TABLE, SCORE_SHEET)
    sheet["A1"].value = [_text_cells(r) for r in rows]
    sheet.tables.add(source=sheet["A1"].resize(len(rows), len(rows[0])), name=SCORE_TABLE,
                     has_headers=True, table_style_name="TableStyleLight9")
    verdict = result.rating_name if result.rating else "chưa xếp loại"
    book.app.alert(f"Tổng điểm {result.total:g}/{result.max_total:g} — {verdict}: {result.reason}. "
                   f"Chi tiết ở trang '{SCORE_SHEET}'.", title=TITLE)
    return result


def clear_marks(book) -> int:
    """Xóa đánh dấu: restore the fills, delete the tool's notes and results sheet; entries stay."""
    n = _clear(book)
    book.app.alert(f"Đã xóa {n} đánh dấu của lần kiểm tra trước." if n else "Không có đánh dấu nào để xóa.",
                   title=TITLE)
    return n


def validate_active(book) -> list[Finding]:
    """The add-in's Kiểm tra: the same check on whatever form is the active workbook."""
    return validate(book.app.books.active if book is not None else book)


# --- marks ------------------------------------------------------------------------------------
def _mark(book, findings: list[Finding]) -> set[tuple[str, str]]:
    """Fill each cell by its worst finding; one note per cell with all its messages."""
    by_cell: dict[tuple[str, str], list[Finding]] = {}
    for f in findings:
        if f.sheet and f.cell:
            by_cell.setdefault((f.sheet, f.cell), []).append(f)
    names = {s.name for s in book.sheets}
    noted = set()
    for (sheet_name, cell), items in by_cell.items():
        if sheet_name not in names:
            continue
        rng = book.sheets[sheet_name].range(cell)
        worst = min(items, key=lambda f: SEVERITIES.index(f.severity))
        rng.color = SEVERITY_FILL[worst.severity]
        if rng.note is None:          # a person's own note is kept; the message is on the results sheet
            rng.add_note(NOTE_PREFIX + "\n".join(f"{f.severity.upper()}: {f.message}" for f in items))
            noted.add((sheet_name, cell))
    return noted


def _write_results(book, findings: list[Finding], noted: set) -> None:
    sheet = _fresh_sheet(book, RESULT_TABLE, RESULT_SHEET)
    rows = [list(RESULT_HEADERS)]
    for i, f in enumerate(findings, start=1):
        rows.append([i, f.label, f.severity.label if hasattr(f.severity, "label") else f.severity, f.sheet or "",
                     f.cell or "", _field_text(f), f.shown or f.value, f.expected, f.message,
                     "ghi chú" if (f.sheet, f.cell) in noted else ""])
    sheet["A1"].value = [_text_cells(r) for r in rows]
    sheet.tables.add(source=sheet["A1"].resize(len(rows), len(rows[0])), name=RESULT_TABLE,
                     has_headers=True, table_style_name="TableStyleLight9")
    cell_col = RESULT_HEADERS.index("Ô")
    for i, f in enumerate(findings, start=2):
        if f.sheet and f.cell:
            sheet.range((i, cell_col + 1)).add_hyperlink(f"#'{f.sheet}'!{f.cell}", f.cell, "Đến ô có lỗi")


def _clear(book) -> int:
    """Undo the previous run's marks, found through the results table it left."""
    found = _find_table(book, RESULT_TABLE)
    if found is None:
        return 0
    sheet, table = found
    grid = table.range.options(ndim=2).value
    head = list(grid[0])
    i_sheet, i_cell, i_note = head.index("Trang"), head.index("Ô"), head.index("Ghi chú của thidua")
    wb = book_workbook(book)
    names = {s.name for s in book.sheets}
    done = set()
    for row in grid[1:]:
        key = (row[i_sheet], row[i_cell])
        if not key[0] or not key[1] or key in done or key[0] not in names:
            continue
        done.add(key)
        rng = book.sheets[key[0]].range(key[1])
        rng.color = original_fill(wb, key[0], key[1])
        if row[i_note] and rng.note is not None:
            rng.note.delete()
    sheet.delete()
    return len(done)


def original_fill(wb: Workbook, sheet: str, cell: str) -> str | None:
    """The fill a freshly issued form has at this cell (the form contract decides, not a memory)."""
    row0, col0 = parse_address(cell)
    for t in wb.tables.values():
        i, j = row0 - t.first_row, col0 - t.first_col
        if t.sheet != sheet or not (0 <= i < len(t.rows) and 0 <= j < len(t.headers)):
            continue
        header, row = t.headers[j], t.rows[i]
        if t.name == C.INDICATOR_TABLE:
            if header == C.ENTRY:
                derived = str(row[t.headers.index(C.FIELD_TYPE)] or "") == "formula"
                return C.FORMULA_FILL if derived else C.INPUT_FILL
            return C.FORMULA_FILL if header == C.VERDICT else C.INPUT_FILL if header == C.NOTE else None
        if t.name == C.SCORE_TABLE:
            return C.INPUT_FILL if header in (C.SELF_SCORE, C.EXPLANATION) else \
                C.UPPER_FILL if header == C.UPPER_SCORE else None
        if t.name == C.UNIT_TABLE:
            return C.INPUT_FILL if header == C.VALUE and str(row[0] or "") in C.UNIT_INPUT_CODES else None
        if t.name == C.INITIATIVE_TABLE:
            return C.INPUT_FILL
        return None
    return None


def parse_address(cell: str) -> tuple[int, int]:
    """"F12" -> (11, 5), 0-based."""
    letters = "".join(ch for ch in cell if ch.isalpha()).upper()
    col = 0
    for ch in letters:
        col = col * 26 + ord(ch) - 64
    return int("".join(ch for ch in cell if ch.isdigit())) - 1, col - 1


# --- small helpers ----------------------------------------------------------------------------
def _find_table(book, name: str):
    for sheet in book.sheets:
        for t in sheet.tables:
            if t.name == name:
                return sheet, t
    return None


def _fresh_sheet(book, table: str, title: str):
    """The tool's own sheet, found by its table (a renamed sheet is still found), made anew."""
    found = _find_table(book, table)
    if found is not None:
        found[0].delete()
    names = {s.name for s in book.sheets}
    name, k = title, 2
    while name in names:
        name, k = f"{title} ({k})", k + 1
    return book.sheets.add(name, after=book.sheets[len(book.sheets) - 1])


def _text_cells(row: list) -> list:
    """Text from forms goes back as text: "=1+1" typed by a person must not become a formula."""
    out = []
    for v in row:
        if isinstance(v, str) and v[:1] in ("=", "+", "-", "@") and len(v) > 1:
            out.append("'" + v)
        elif v is not None and not isinstance(v, (str, int, float, bool)):
            out.append(str(v) if not hasattr(v, "strftime") else v.strftime("%d/%m/%Y"))
        else:
            out.append(v)
    return out


def _method_label(method: str) -> str:
    from ..plan.schema import METHODS, label_of
    return label_of(METHODS, method)
