"""The Python side of the Excel buttons: one function per ribbon button.

Each button's VBA Sub (xl/vba/*.bas) runs `RunPython "import thidua.excel as x; x.<name>()"`,
which starts a fresh Python per click: this module must stay light (standard library only at
import time; xlwings, openpyxl and the core are imported inside the function that needs them).

Form ribbon (every issued .xlsm):   validate, score, clear_marks, show_help
Add-in ribbon (ThiDua.xlam):        issue_forms, consolidate_cluster, consolidate_industry,
                                    validate_active
Each takes `book=None`, meaning `xw.Book.caller()`: the form itself, or for the add-in the
active workbook (xlwings' add-in module hands that over). The functions are thin: take the
book, call the core, show the outcome in a Vietnamese alert. A user's mistake (ThiduaError)
shows its message; an unexpected failure shows where its details were logged; a feature not
in this version says so. Never a traceback.
"""
from __future__ import annotations

import importlib
import importlib.util
from contextlib import contextmanager
from datetime import date
from pathlib import Path

TITLE = "Thi đua"
LIVE = "thidua.excel.live"                       # validate/score/clear_marks/validate_active(book)
HOST = "thidua.excel.consolidation"           # consolidate_cluster/consolidate_industry(book)

FORM_BUTTONS = ("validate", "score", "clear_marks", "show_help")
ADDIN_BUTTONS = ("issue_forms", "consolidate_cluster", "consolidate_industry", "validate_active")
FEATURES = {   # what each delegated button does, for the "not in this version" alert
    "validate": "Kiểm tra số liệu", "score": "Chấm điểm", "clear_marks": "Xóa đánh dấu",
    "validate_active": "Kiểm tra tệp đang mở", "consolidate_cluster": "Tổng hợp cụm",
    "consolidate_industry": "Tổng hợp ngành",
}


# --- form ribbon --------------------------------------------------------------------------------
def validate(book=None):
    """Kiểm tra: mark the cells of this form that need attention."""
    return _delegate(LIVE, "validate", book)


def score(book=None):
    """Chấm điểm: score this form with the plan's score sheet."""
    return _delegate(LIVE, "score", book)


def clear_marks(book=None):
    """Xóa đánh dấu: remove the marks Kiểm tra left."""
    return _delegate(LIVE, "clear_marks", book)


def show_help(book=None):
    """Hướng dẫn: show the guide sheet and say what the buttons do."""
    book = _caller(book)
    with _reported(book):
        from .. import contract as C
        sheets = list(book.sheets)
        guide = next((s for s in sheets if s.name == C.SHEETS["guide"]), sheets[0] if sheets else None)
        if guide is not None:
            guide.activate()
        _alert(book, help_text())


def help_text() -> str:
    return ("Thẻ 'Thi đua' của biểu mẫu:\n"
            "• Kiểm tra: xem số liệu đã nhập; ô cần xem lại được tô màu và có ghi chú giải thích.\n"
            "• Chấm điểm: tính điểm theo bảng chấm điểm của kế hoạch và xếp loại dự kiến.\n"
            "• Xóa đánh dấu: bỏ các màu và ghi chú do nút Kiểm tra đặt (số liệu giữ nguyên).\n"
            "• Hướng dẫn: trang này.\n\n"
            "Cách nhập từng trang xem ở trang 'Hướng dẫn'. Các nút cần máy có Python và gói thidua; "
            "nếu bấm không thấy gì, xem mục 'Khi bấm nút không thấy gì' trong tài liệu cài đặt. "
            "Biểu mẫu vẫn nhập và gửi được khi không có các nút.")


# --- add-in ribbon ------------------------------------------------------------------------------
def validate_active(book=None):
    """Kiểm tra (add-in): check the active workbook."""
    return _delegate(LIVE, "validate_active", book)


def consolidate_cluster(book=None):
    """Tổng hợp cụm."""
    return _delegate(HOST, "consolidate_cluster", book)


def consolidate_industry(book=None):
    """Tổng hợp ngành."""
    return _delegate(HOST, "consolidate_industry", book)


def issue_forms(book=None, today: date | None = None):
    """Tạo biểu mẫu: from the plan workbook that is open, issue the forms of the current
    period into a folder next to the plan, after an OK/Cancel confirmation."""
    book = _caller(book)
    with _reported(book):
        plan_path = saved_path(book, "biểu mẫu được phát theo tệp đã lưu.")
        if plan_path is None:
            return []
        from ..plan.read import read_plan
        plan = read_plan(plan_path)
        period = choose_period(plan, today or date.today())
        out = default_output_dir(plan_path, period)
        units = plan.active_units(period)
        question = (f"Phát {len(units)} biểu mẫu {period.name} ({period.start:%d/%m/%Y} – "
                    f"{period.end:%d/%m/%Y}, hạn nộp {period.deadline:%d/%m/%Y}) vào thư mục:\n{out}\n\n"
                    "Biểu mẫu cũ cùng tên trong thư mục đó sẽ được ghi đè. Tiếp tục?")
        if book.app.alert(question, title=TITLE, buttons="ok_cancel") == "cancel":
            return []
        issued = issue_plan(plan, period.code, out, plan_path)
        _alert(book, issued_message(issued.forms, period, out, issued))
        return issued.forms


def choose_period(plan, today: date):
    """The regular (non-peak) period to issue now: the one whose [start, deadline] holds
    today, else the next one to start, else the last one."""
    regular = sorted((p for p in plan.periods if not p.peak), key=lambda p: p.start) or \
        sorted(plan.periods, key=lambda p: p.start)
    for p in regular:
        if p.start <= today <= p.deadline:
            return p
    upcoming = [p for p in regular if p.start > today]
    return upcoming[0] if upcoming else regular[-1]


def default_output_dir(plan_path: str | Path, period) -> Path:
    return Path(plan_path).resolve().parent / f"bieu_mau_{period.code}"


def issue_plan(plan, period_code: str, out_dir: str | Path, plan_path: str | Path):
    """The forms, the register beside the plan and the clusters' packs (forms.write.issue_registered);
    pre-filled with the consolidated registrations beside the plan when there are some."""
    from ..forms.write import issue_registered
    from ..registrations.load import find, load_registrations
    beside = find(plan_path)
    registrations = load_registrations(beside, plan) if beside is not None else None
    return issue_registered(plan, plan_path, period_code, out_dir, registrations=registrations)


def issued_message(paths: list[Path], period, out_dir: Path, issued=None) -> str:
    text = (f"Đã phát {len(paths)} biểu mẫu {period.name} vào thư mục:\n{out_dir}\n\n"
            "Gửi mỗi đơn vị đúng tệp mang mã của đơn vị (tên tệp: cụm_mã đơn vị_đợt_tên).")
    if issued is not None:
        text += (f"\n\nSổ phát hành (mã xác thực từng biểu mẫu, khóa của cụm và ngành): {issued.register.name}, cạnh "
                 f"tệp kế hoạch — cấp ngành giữ, không gửi đi. {len(issued.packs)} gói sổ của cụm "
                 "(so_phat_hanh_cum_<mã cụm>.json) trong thư mục biểu mẫu: gửi mỗi gói cho trưởng cụm đó.")
    return text


def choose_folder(book, title: str, initial: str | Path | None = None):
    """A folder picked in Excel's own folder dialog (Windows desktop Excel): the folder; False when
    the user cancels; None where there is no dialog (Mac, the remote engine: callers use their
    default). Not exercised by the tests (xlwings' remote engine has no COM object model)."""
    try:
        dialog = book.app.api.FileDialog(4)                  # msoFileDialogFolderPicker
        dialog.Title = title
        if initial:
            dialog.InitialFileName = str(Path(initial)) + "\\"
        return Path(dialog.SelectedItems(1)) if dialog.Show() == -1 else False
    except Exception:  # no COM: the caller falls back to its default
        return None


# --- plumbing -----------------------------------------------------------------------------------
def not_available_message(name: str) -> str:
    feature = FEATURES.get(name, name)
    return (f"Chức năng '{feature}' chưa có trong phiên bản thidua đang cài trên máy này. "
            "Hãy cập nhật thidua (pip install --upgrade thidua) hoặc liên hệ bộ phận hỗ trợ.")


def _delegate(module: str, name: str, book):
    book = _caller(book)
    with _reported(book):
        fn = None
        if importlib.util.find_spec(module) is not None:
            fn = getattr(importlib.import_module(module), name, None)
        if fn is None:
            _alert(book, not_available_message(name))
            return None
        return fn(book)


def _caller(book):
    if book is not None:
        return book
    import xlwings as xw
    return xw.Book.caller()


def _alert(book, message: str) -> None:
    book.app.alert(message, title=TITLE)


def saved_path(book, why: str) -> Path | None:
    """The workbook's file on disk, or None after telling the user to save it first (`why`
    ends the unsaved-changes message: what the button uses the saved file for)."""
    name = book.fullname or ""
    path = Path(name)
    if "://" in name or not path.is_absolute() or not path.exists():
        _alert(book, "Hãy lưu tệp kế hoạch vào một thư mục trên máy (Tệp > Lưu thành) rồi bấm lại nút. "
                     "Tệp trên OneDrive/SharePoint cần được đồng bộ về máy.")
        return None
    try:
        if book.api.Saved is False:
            _alert(book, f"Tệp kế hoạch có thay đổi chưa lưu. Hãy lưu (Ctrl+S) rồi bấm lại nút: {why}")
            return None
    except Exception:  # not desktop Excel: nothing to ask
        pass
    return path


@contextmanager
def _reported(book):
    """User mistakes -> their Vietnamese message; anything else -> a log file and a message."""
    from ..errors import ThiduaError
    try:
        yield
    except ThiduaError as exc:
        _alert(book, exc.message)
    except Exception:
        _alert(book, _log_unexpected())


def _log_unexpected() -> str:
    from ..crashlog import unexpected
    return unexpected()
