"""Check many form files: one row per file with its status, findings and score; the terminal
report and the findings workbook. A file that cannot be read is a finding, never a crash."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import FileProblem, ThiduaError
from .. import contract as C
from ..read.form import SEVERITY_ERROR, FormData, form_with_rules
from ..values import format_number_vi
from .findings import COLUMNS, HEADERS_VI, Finding, has_errors, summary_text


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
        return self.status != "ok" or has_errors(self.findings)


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
                         findings=[Finding("no_plan", SEVERITY_ERROR, exc.message, *_meta_cell(form_meta(wb)))])
    prev = (_PREVIOUS or {}).get(form.unit_code)
    findings = check_form(form, rules, prev)
    if unit_entered_nothing(wb):
        findings.insert(0, Finding(BLANK_FORM, SEVERITY_ERROR, blank_form_message(p.name, form.unit_code)))
    return FileCheck(p, "ok", form, findings, score_form(form, rules))


def problem_check(path: Path, exc: FileProblem) -> FileCheck:
    return FileCheck(Path(path), exc.code, message=exc.message, findings=[Finding(exc.code, SEVERITY_ERROR, exc.message)])


def check_files(paths, plan=None, previous: dict[str, FormData] | None = None, progress=None) -> list[FileCheck]:
    """Read, check and score each file (folders with their subfolders); `plan=None` uses the plan
    each form carries. Each file is read in a contained worker: a bad file costs that file."""
    from ..read.batch import run_files
    from ..read.files import list_inputs
    return run_files(check_one, list_inputs(paths), failed=problem_check, initializer=_set_context,
                     initargs=(plan, previous), progress=progress)


def form_meta(wb):
    from .. import contract as C
    return wb.table(C.META_TABLE)


def _meta_cell(meta_table) -> tuple:
    """(sheet, cell) of the embedded plan in the meta table, to locate a finding about it."""
    if meta_table is None:
        return ()
    from .. import contract as C
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
            print(f"✗ {r.path.name}: {r.message}", file=out)
            continue
        s = r.score
        rating = f"{s.rating} ({s.rating_name})" if s.rating else s.rating_name
        mark = "✗" if r.failed else "✓"
        print(f"{mark} {r.path.name} — đơn vị {r.unit}: {summary_text(r.findings)}; "
              f"điểm {format_number_vi(s.total, 2)}/{format_number_vi(s.max_total, 2)}, {rating}", file=out)
        for f in r.findings:
            print(f"    [{f.severity}] {f.message}", file=out)
        print(f"    Xếp loại: {s.reason}", file=out)
    bad = sum(r.failed for r in results)
    folders = len({str(r.path.parent) for r in results})
    print(f"Tổng cộng {len(results)} tệp (trong {folders} thư mục): {len(results) - bad} không có lỗi, {bad} có lỗi "
          "hoặc không đọc được.", file=out)


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


def write_findings_workbook(results: list[FileCheck], path) -> Path:
    """Findings of every file as one Excel Table (text written as text), plus a per-file sheet."""
    from ..write.xlsx import Styles, new_workbook, save_atomic, setup_print
    wb, buf = new_workbook()
    st = Styles(wb)
    ws = wb.add_worksheet("Kết quả kiểm tra")
    headers = ["Tệp", "Mã đơn vị", *HEADERS_VI]
    rows = [[r.path.name, r.unit, *[_plain(getattr(f, k)) for k in COLUMNS]] for r in results for f in r.findings]
    _table(ws, st, "tblFindings", headers, rows, (36, 10, 16, 10, 14, 8, 18, 16, 16, 90))
    setup_print(ws, landscape=True, header_row=0, title="Kết quả kiểm tra")
    ws2 = wb.add_worksheet("Theo tệp")
    headers2 = ["Tệp", "Mã đơn vị", "Trạng thái", "Số lỗi", "Số cảnh báo", "Tổng điểm", "Xếp loại", "Lý do"]
    rows2 = []
    for r in results:
        n_err = sum(f.severity == "lỗi" for f in r.findings)
        n_warn = sum(f.severity == "cảnh báo" for f in r.findings)
        s = r.score
        rows2.append([r.path.name, r.unit, "đọc được" if r.status == "ok" else r.message, n_err, n_warn,
                      s.total if s else None, (s.rating or s.rating_name) if s else None, s.reason if s else None])
    _table(ws2, st, "tblFiles", headers2, rows2, (36, 10, 40, 8, 10, 10, 12, 70))
    setup_print(ws2, landscape=True, header_row=0, title="Theo tệp")
    wb.close()
    return save_atomic(buf.getvalue(), path)


def _table(ws, st, name, headers, rows, widths) -> None:
    for j, w in enumerate(widths):
        ws.set_column(j, j, w)
    ws.add_table(0, 0, max(len(rows), 1), len(headers) - 1,
                 {"name": name, "style": "Table Style Light 9", "columns": [{"header": h} for h in headers]})
    for i, row in enumerate(rows, start=1):
        for j, v in enumerate(row):
            if v is None:
                ws.write_blank(i, j, None, st.text)
            elif isinstance(v, (int, float)) and not isinstance(v, bool):
                ws.write_number(i, j, v, st.number)
            else:
                ws.write_string(i, j, str(v), st.text)   # "=1+1" from a form stays text
    ws.freeze_panes(1, 0)


def _plain(v):
    if hasattr(v, "strftime"):
        return v.strftime("%d/%m/%Y")
    if isinstance(v, bool):
        return "Có" if v else "Không"
    return v
