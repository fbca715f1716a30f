"""Check many form files: one row per file with its status, findings and score; the terminal
report and the findings workbook. A file that cannot be read is a finding, never a crash."""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from .. import contract as C
from ..catalogue import Severity, rule, severity_legend
from ..errors import FileProblem, ThiduaError
from ..read.form import FormData, form_with_rules
from ..values import format_number_vi
from .findings import COLUMNS, Finding, has_errors, sort_key, summary_text


LIST_TABLES = (C.INITIATIVE_TABLE, C.MEMBER_TABLE)     # lists a unit extends: rows typed under them count


@dataclass
class FileCheck:
    path: Path
    status: str                         # ok | file problem code
    form: FormData | None = None
    findings: list[Finding] = field(default_factory=list)
    score: object = None                # score.engine.ScoreResult
    message: str = ""

    @property
    def unit(self) -> str:
        return self.form.unit_code if self.form else ""

    @property
    def failed(self) -> bool:
        return has_errors(self.findings)

    @property
    def status_label(self) -> str:
        return "Đọc được" if self.status == "ok" else rule(self.status).name


_PLAN = None
_PREVIOUS: dict | None = None


def _set_context(plan, previous) -> None:
    global _PLAN, _PREVIOUS
    _PLAN, _PREVIOUS = plan, previous


def check_one(path: str) -> FileCheck:
    """Read, check and score one file (in a worker process: see read.batch)."""
    from ..read.form import BLANK_FORM, blank_form_message, unit_entered_nothing
    from ..read.workbook import open_workbook
    from ..score.engine import score_form
    from .engine import check_form

    p = Path(path)
    try:
        wb = open_workbook(p, below=LIST_TABLES)
        form, rules = form_with_rules(wb, _PLAN)          # the file is read once
    except FileProblem as exc:
        return problem_check(p, exc)
    except ThiduaError as exc:
        return FileCheck(p, "no_plan", message=exc.message,
                         findings=[Finding("no_plan", Severity.ERROR, exc.message, *_meta_cell(form_meta(wb)))])
    prev = (_PREVIOUS or {}).get(form.unit_code)
    findings = check_form(form, rules, prev)
    if unit_entered_nothing(wb):
        findings.insert(0, Finding(BLANK_FORM, Severity.ERROR, blank_form_message(p.name, form.unit_code)))
    return FileCheck(p, "ok", form, [_for_people(f, form, rules) for f in findings], score_form(form, rules))


def _for_people(f: Finding, form: FormData, rules) -> Finding:
    """The field's label and the value as people read it, while the plan is at hand."""
    from .engine import show
    fld = rules.field_by_code.get(f.field or "")
    entry = form.values.get(f.field or "") or form.info.get(f.field or "")
    label = fld.label if fld else entry.label if entry else ""
    shown = "" if f.value is None else show(f.value, fld)
    return dataclasses.replace(f, field_label=label, shown=shown)


def problem_check(path: Path, exc: FileProblem) -> FileCheck:
    """A file that could not be checked: its finding has the catalogue's severity (an Excel lock
    file is information, not an error)."""
    return FileCheck(Path(path), exc.code, message=exc.message,
                     findings=[Finding(exc.code, rule(exc.code).severity, exc.message)])


def check_files(paths, plan=None, previous: dict[str, FormData] | None = None, progress=None) -> list[FileCheck]:
    """Read, check and score each file (folders with their subfolders); `plan=None` uses the plan
    each form carries. Each file is read in a contained worker: a bad file costs that file."""
    from ..read.batch import run_files
    from ..read.files import list_inputs
    return run_files(check_one, list_inputs(paths), failed=problem_check, initializer=_set_context,
                     initargs=(plan, previous), progress=progress)


def form_meta(wb):
    return wb.table(C.META_TABLE)


def _meta_cell(meta_table) -> tuple:
    """(sheet, cell) of the embedded plan in the meta table, to locate a finding about it."""
    if meta_table is None:
        return ()
    from ..plan.embed import META_PREFIX
    k = meta_table.column(C.KEY)
    v = meta_table.column(C.VALUE)
    if k is None or v is None:
        return (meta_table.sheet, meta_table.header_address(0))
    for i, row in enumerate(meta_table.rows):
        if str(row[k]).startswith(META_PREFIX):
            return (meta_table.sheet, meta_table.address(i, v))
    return (meta_table.sheet, meta_table.header_address(0))


def print_report(results: list[FileCheck], out) -> None:
    for r in results:
        if r.status != "ok":
            mark = "✗" if r.failed else "–"
            print(f"{mark} {r.path.name}: {r.message}", file=out)
            continue
        s = r.score
        rating = f"{s.rating} ({s.rating_name})" if s.rating else s.rating_name
        mark = "✗" if r.failed else "✓"
        print(f"{mark} {r.path.name} — đơn vị {r.unit}: {summary_text(r.findings)}; "
              f"điểm {format_number_vi(s.total, 2)}/{format_number_vi(s.max_total, 2)}, {rating}", file=out)
        for f in r.findings:
            print(f"    [{f.severity}] {f.message}", file=out)
        print(f"    Xếp loại: {s.reason}", file=out)
    print(totals_line(results), file=out)


def totals_line(results: list[FileCheck]) -> str:
    bad = sum(r.failed for r in results)
    folders = len({str(r.path.parent) for r in results})
    skipped = sum(r.status != "ok" and not r.failed for r in results)
    tail = f", {skipped} bỏ qua (tệp tạm của Excel…)" if skipped else ""
    return (f"Tổng cộng {len(results)} tệp (trong {folders} thư mục): {len(results) - bad - skipped} không có lỗi, "
            f"{bad} có lỗi hoặc không đọc được{tail}.")


def results_json(results: list[FileCheck]) -> list[dict]:
    out = []
    for r in results:
        item = {"file": str(r.path), "status": r.status, "unit": r.unit, "message": r.message,
                "findings": [{k: _plain(getattr(f, k)) for k in COLUMNS} for f in r.findings]}
        if r.score is not None:
            s = r.score
            item["score"] = {"total": s.total, "max": s.max_total, "rating": s.rating, "reason": s.reason,
                             "groups": {g.code: g.score for g in s.groups},
                             "criteria": {c.code: c.final for c in s.criteria}}
        out.append(item)
    return out


def findings_specs():
    """tblFindings (one row a finding) and tblFiles (one row a file), declared."""
    from ..write.tables import Col, TableSpec
    findings = TableSpec("tblFindings", (
        Col("Mức độ", lambda rf: rf[1].severity.label if isinstance(rf[1].severity, Severity)
            else str(rf[1].severity), 9, "bold"),
        Col("Tệp", lambda rf: rf[0].path.name, 24, "wrap"),
        Col("Mã đơn vị", lambda rf: rf[0].unit, 9, "code"),
        Col("Trang", lambda rf: rf[1].sheet or "", 12, "wrap"),
        Col("Ô", lambda rf: rf[1].cell or "", 6, "text"),
        Col("Quy tắc", lambda rf: rf[1].label, 18, "wrap"),
        Col("Trường", lambda rf: _field_text(rf[1]), 20, "wrap"),
        Col("Giá trị", lambda rf: rf[1].shown or _plain(rf[1].value), 11, "wrap"),
        Col("Mong đợi", lambda rf: _plain(rf[1].expected), 11, "wrap"),
        Col("Nội dung và cách sửa", lambda rf: rf[1].message, 52, "wrap"),
        Col("Mã quy tắc", lambda rf: rf[1].rule, 16, "code", printed=False),
    ))
    files = TableSpec("tblFiles", (
        Col("Tệp", lambda r: r.path.name, 30, "wrap"),
        Col("Mã đơn vị", "unit", 9, "code"),
        Col("Tình trạng", "status_label", 18, "wrap"),
        Col("Số lỗi", lambda r: sum(f.severity == Severity.ERROR for f in r.findings), 7, "int"),
        Col("Số cảnh báo", lambda r: sum(f.severity == Severity.WARNING for f in r.findings), 8, "int"),
        Col("Tổng điểm", lambda r: r.score.total if r.score else None, 8, "num"),
        Col("Xếp loại", lambda r: (r.score.rating or r.score.rating_name) if r.score else None, 10, "bold_wrap"),
        Col("Lý do", lambda r: r.score.reason if r.score else r.message, 56, "wrap"),
    ))
    return findings, files


def _field_text(f: Finding) -> str:
    """"Kinh phí công đoàn đã thu (kpcd_da_thu)": a code never stands alone."""
    if not f.field:
        return ""
    return f"{f.field_label} ({f.field})" if f.field_label else f.field


def write_findings_workbook(results: list[FileCheck], path, plan=None, when: datetime | None = None) -> Path:
    """The findings of every file, most serious first (then file, sheet, cell), under a title that
    says what was checked; and a sheet with one row per file."""
    from ..write.sheets import Book
    from ..write.xlsx import new_workbook, save_atomic
    wb, buf = new_workbook()
    b = Book(wb)
    findings_spec, files_spec = findings_specs()
    when = when or datetime.now()
    periods = sorted({r.form.meta.get("period_code", "") for r in results if r.form is not None} - {""})
    if plan is not None:
        names = [plan.period_by_code[p].name if p in plan.period_by_code else p for p in periods]
        rules = f"Theo kế hoạch {plan.info.plan_id}, phiên bản {plan.info.version}"
    else:
        names = periods
        rules = "Theo quy định kế hoạch kèm trong từng biểu mẫu"
    head = [("title", "KẾT QUẢ KIỂM TRA BIỂU MẪU THI ĐUA"),
            ("subtitle", f"{rules}; {', '.join(names) or 'không rõ đợt'}. Lập lúc {when:%d/%m/%Y %H:%M}."),
            ("text", totals_line(results)),
            ("note", f"Mức độ: {severity_legend()} Danh sách xếp lỗi trước, rồi theo tệp, trang, ô.")]
    rows = sorted(((r, f) for r in results for f in r.findings),
                  key=lambda rf: (sort_key(rf[1])[0], rf[0].path.name.casefold(), *sort_key(rf[1])[1:]))
    ws = b.sheet("Kết quả kiểm tra")
    width, n = b.prepare(ws, findings_spec)
    row = b.lines(ws, 0, head, width, n) + 1
    placed = b.table(ws, findings_spec, row, rows)
    ws.freeze_panes(placed.first, 0)
    b.page(ws, title="Kết quả kiểm tra", header_row=placed.header_row, n_printed=n)
    ws = b.sheet("Theo tệp")
    width, n = b.prepare(ws, files_spec)
    row = b.lines(ws, 0, [("title", "KẾT QUẢ THEO TỪNG TỆP"), ("text", totals_line(results))], width, n) + 1
    placed = b.table(ws, files_spec, row, sorted(results, key=lambda r: r.path.name.casefold()))
    ws.freeze_panes(placed.first, 0)
    b.page(ws, title="Theo tệp", header_row=placed.header_row)
    wb.close()
    return save_atomic(buf.getvalue(), path)


def _plain(v):
    if hasattr(v, "strftime"):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, bool):
        return "Có" if v else "Không"
    return v
