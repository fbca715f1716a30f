"""The add-in's "Tổng hợp cụm" / "Tổng hợp ngành" buttons: a thin host over consolidate.core.

The button is pressed with the plan workbook open (thidua.excel hands over the active book).
The plan is that workbook's file on disk; the forms are in the folder next to it named like the
one the demo and the issuing button use for returned forms (`nop_ve_<đợt>`), or, in desktop
Excel on Windows, a folder picked in Excel's own dialog. Results are written next to the plan:
  Tổng hợp cụm  -> tong_hop_cum_<đợt>/tong_hop_<cụm>_<đợt>.xlsx, one per cluster found
  Tổng hợp ngành -> tong_hop_nganh_<đợt>.xlsx
and a Vietnamese summary is shown. A result file already there is this level's earlier workbook:
what was entered in it (upper scores, review states, the meeting) is kept. The register of issued
forms (or the cluster's pack) is looked for beside the plan. Works on any xlwings Book (desktop Excel, or the remote engine
the tests use); only `choose_folder` and the unsaved-changes check need desktop Excel.
"""
from __future__ import annotations

from datetime import date
from pathlib import Path

TITLE = "Thi đua"
RETURNED_PREFIX = "nop_ve_"                 # the folder of returned forms, as demo.run names it
PLAN_TABLE = "tblPlanInfo"


def consolidate_cluster(book, today: date | None = None) -> list[Path] | None:
    """Tổng hợp cụm: one consolidation workbook per cluster with forms in the folder."""
    return _button(book, per_cluster=True, today=today)


def consolidate_industry(book, today: date | None = None) -> list[Path] | None:
    """Tổng hợp ngành: one consolidation workbook for the whole industry."""
    return _button(book, per_cluster=False, today=today)


def _button(book, per_cluster: bool, today: date | None):
    from ..errors import ThiduaError
    try:
        return _run(book, per_cluster, today or date.today())
    except ThiduaError as exc:
        _alert(book, exc.message)
    except Exception:  # never a traceback in Excel: log it, say where
        from ..crashlog import unexpected
        _alert(book, unexpected("Tổng hợp (nút trên add-in)"))
    return None


def _run(book, per_cluster: bool, today: date):
    from ..plan.read import read_plan
    from ..consolidate.core import consolidate, read_inputs
    from ..consolidate.report import short_text
    from ..consolidate.workbook import write_consolidation
    from ..documents import write_cluster_documents, write_documents
    from . import choose_folder

    plan_path = plan_of(book)
    if plan_path is None:
        return None
    plan = read_plan(plan_path)
    here = plan_path.parent
    default = default_folder(plan, here, today)
    picked = choose_folder(book, "Chọn thư mục biểu mẫu nộp về", default[0] if default else here)
    if picked is False:                                 # the person cancelled the dialog
        return None
    folder = picked or (default[0] if default else None)
    if folder is None:
        names = ", ".join(f"{RETURNED_PREFIX}{p.code}" for p in plan.periods)
        _alert(book, f"Không tìm thấy thư mục biểu mẫu nộp về cạnh tệp kế hoạch ({here}). Hãy tạo thư mục "
                     f"theo tên đợt ({names}), chép các tệp đã nhận vào đó rồi bấm lại nút.")
        return None
    period = period_of_folder(plan, folder) or (default[1] if default else None)
    if period is None:
        _alert(book, f"Không biết thư mục '{folder.name}' chứa biểu mẫu của đợt nào. Hãy đặt tên thư mục theo "
                     f"mẫu {RETURNED_PREFIX}<mã đợt>, ví dụ {RETURNED_PREFIX}{plan.periods[0].code}.")
        return None
    from .. import register as R
    register = R.load_all(R.find(plan_path), plan)     # beside the plan: the register, or a cluster's pack
    from ..registrations.load import find as find_registrations, load_registrations
    beside = find_registrations(plan_path)            # the consolidated registrations, as the command does
    registrations = load_registrations(beside, plan) if beside is not None else None
    outs = []
    if per_cluster:
        target = here / f"tong_hop_cum_{period.code}"
        read = read_inputs([folder], plan, period.code, workers=1, register=register)
        clusters = read.clusters_present()
        if not clusters:
            _alert(book, f"Thư mục {folder} không có biểu mẫu nào của {period.name} dùng được để tổng hợp cụm.")
            return []
        lines = []
        for code in clusters:
            path = target / f"tong_hop_{code}_{period.code}.xlsx"     # its record (entered there) is kept
            result = consolidate([folder], plan, period.code, [code], read=read, out=path, registrations=registrations)
            out = write_consolidation(result, path)
            outs.append(out)
            write_cluster_documents(result, target / f"van_ban_{code}_{period.code}")
            lead = result.leaders[code]
            lines.append(f"• Cụm {code}: {result.n_received}/{result.n_expected} CĐCS đã nộp, "
                         f"{result.n_on_time} đúng hạn; dẫn đầu: "
                         + (", ".join(r.unit for r in lead.units) or "chưa đề xuất"))
        _alert(book, f"Đã tổng hợp {len(outs)} cụm, {period.name}, từ thư mục {folder}:\n" + "\n".join(lines)
               + f"\n\nKết quả ghi vào thư mục {target}. Mỗi tệp có danh sách tệp đã nhận và lý do của từng tệp; "
                 f"biên bản họp cụm và thông báo kết quả từng đơn vị (.docx) trong các thư mục van_ban_<cụm>_"
                 f"{period.code} bên cạnh.")
        return outs
    out = here / f"tong_hop_nganh_{period.code}.xlsx"
    result = consolidate([folder], plan, period.code, out=out, workers=1, register=register,
                         registrations=registrations)
    write_consolidation(result, out)
    docs = here / f"van_ban_{period.code}"
    written = write_documents(result, docs)
    _alert(book, short_text(result, out) + f"\nVăn bản (.docx: báo cáo, tờ trình, quyết định, biên bản họp cụm, "
                                           f"thông báo kết quả): {len(written)} tệp trong {docs}")
    return [out]


def plan_of(book) -> Path | None:
    """The open workbook's file if it is a saved plan; otherwise say what to do and return None."""
    tables = set()
    for sheet in book.sheets:
        try:
            tables.update(t.name for t in sheet.tables)
        except Exception:  # a chart sheet, or an engine without tables
            continue
    if PLAN_TABLE not in tables:
        _alert(book, "Nút Tổng hợp dùng tệp kế hoạch thi đua: hãy mở tệp kế hoạch (tệp có bảng thông tin kế "
                     "hoạch, trang 'Kế hoạch'), rồi bấm lại nút. Các biểu mẫu nộp về để trong thư mục "
                     f"{RETURNED_PREFIX}<mã đợt> cạnh tệp kế hoạch.")
        return None
    from . import saved_path
    return saved_path(book, "tổng hợp dùng chỉ tiêu của tệp đã lưu.")


def default_folder(plan, here: Path, today: date):
    """(folder, period) of the returned-forms folder next to the plan: among the periods whose
    folder exists, the one that started last by today (else the first that exists)."""
    existing = [(here / f"{RETURNED_PREFIX}{p.code}", p) for p in plan.periods
                if (here / f"{RETURNED_PREFIX}{p.code}").is_dir()]
    if not existing:
        return None
    started = [x for x in existing if x[1].start <= today]
    return max(started, key=lambda x: x[1].start) if started else existing[0]


def period_of_folder(plan, folder: Path):
    name = folder.name
    if name.startswith(RETURNED_PREFIX):
        return plan.period_by_code.get(name[len(RETURNED_PREFIX):])
    return None


def _alert(book, message: str) -> None:
    book.app.alert(message, title=TITLE)
