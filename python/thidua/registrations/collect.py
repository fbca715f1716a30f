"""Read the returned registration workbooks and consolidate them into the registered lists.

Every path gets an inventory row (consolidate.records.FileEntry) whatever is wrong with it; files
are read in contained worker processes (read.batch, as consolidate.collect.inspect_all) and
inspected before any parser sees them (read.workbook). A workbook is accepted when it is a
registration workbook (its meta says so) of this plan, of a unit expected to register in scope,
its identity cells agree with its meta and the plan, and — with a register — it carries the token
issued to that unit. The registrations are read through the same tables and functions as a
period form's (check.awards.registered, member_from_row).

The date of a registration is the workbook's "Ngày đăng ký", else its file time (a date before
December of the year before or after today is not believed). A unit sending several copies: the
copy with the later date (then the later file time, then the file name sorting first) is its
registration; a title already in an earlier copy keeps that copy's date.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from .. import contract as C
from ..errors import FileProblem, ThiduaError
from ..consolidate import contract as K
from ..consolidate.collect import Scope, admit, authenticate, mtime_text
from ..consolidate.records import (BLANK, DUPLICATE, EXCEL_SUFFIXES, INCLUDED, NOT_A_FORM, OUT_OF_SCOPE,
                                   PROBLEM_STATUS, REJECTED, UNREADABLE, FileEntry)
from ..plan.model import Plan, Unit
from ..read.workbook import open_workbook, read_bytes
from .book import expected_units, registration_period
from .record import FORM_KIND, FORM_KIND_KEY, day

TABLES = (C.META_TABLE, C.UNIT_TABLE, C.REGISTRATION_TABLE, C.PLEDGE_TABLE, C.MEMBER_TABLE, K.META_TABLE,
          "tblPlanInfo", C.INDICATOR_TABLE)
PERIOD_LABEL = "Đăng ký đầu năm"
DATE_RULE = ("Ngày đăng ký: ô 'Ngày đăng ký' (trang Thông tin) của bản đăng ký; để trống hoặc không hợp lý (trước tháng "
             "12 năm trước, sau hôm nay) thì lấy thời gian sửa tệp. Đúng hạn: ngày đăng ký không sau hạn nộp của kế "
             "hoạch. Một đơn vị gửi nhiều bản: dùng bản có ngày đăng ký muộn hơn, cùng ngày thì tệp sửa sau cùng, vẫn "
             "trùng thì tệp có tên xếp trước; danh hiệu đã có trong bản gửi trước giữ ngày đăng ký của bản đó.")


@dataclass
class Book:
    """What one accepted registration workbook says (plain data: it crosses the worker pipe)."""
    unit: str
    file: str
    mtime: str
    registered_on: date | None
    basis: str                                   # "ngày đăng ký" | "thời gian sửa tệp (…)"
    collective: tuple = ()                       # title codes ticked
    members: tuple = ()                          # (row, name, department, title code)
    pledges: tuple = ()                          # (target code, value as written)
    notes: tuple = ()                            # what needs a second look (Vietnamese, sheet and cell)


@dataclass
class BookOutcome:
    entry: FileEntry
    book: Book | None = None


# --- one file -----------------------------------------------------------------------------------
def _problem(entry: FileEntry, exc: FileProblem, path: Path) -> FileEntry:
    entry.status, entry.code, entry.reason = PROBLEM_STATUS.get(exc.code, UNREADABLE), exc.code, exc.message
    if exc.code in ("corrupt", "not_xlsx") and path.suffix.lower() not in EXCEL_SUFFIXES:
        entry.status, entry.code = NOT_A_FORM, "not_excel"
        entry.reason = f"'{path.name}' không phải tệp Excel nên không phải bản đăng ký; tệp được liệt kê để biết."
    if exc.code == "not_a_form":
        entry.reason = (f"'{path.name}' không phải bản đăng ký thi đua (không có phần nhận dạng mà bản đăng ký được "
                        "phát mang theo). Hãy đề nghị đơn vị nhập vào đúng bản đăng ký đã được gửi.")
    return entry


def inspect_book(path: Path, scope: Scope, today: date | None = None) -> BookOutcome:
    """Never raises: a bug of ours on one file is logged and the file listed as unreadable."""
    try:
        return _inspect(Path(path), scope, today or date.today())
    except Exception:  # noqa: BLE001
        import traceback
        from ..crashlog import record
        log = record(f"{path}\n{traceback.format_exc()}")
        p = Path(path)
        return BookOutcome(FileEntry(p.name, str(p.parent), status=UNREADABLE, code="internal_error",
                                     reason="Chương trình gặp sự cố khi đọc tệp này; "
                                            + (f"chi tiết ghi vào {log}." if log else "không ghi được chi tiết.")))


def _inspect(path: Path, scope: Scope, today: date) -> BookOutcome:
    from ..read.form import (EXTENDED_LISTS, LIST_TABLES, FormData, _identity_problem, _read_info, _read_list,
                             _require, read_meta, unit_entered_nothing)
    plan = scope.plan
    entry = FileEntry(path.name, str(path.parent), period=PERIOD_LABEL)
    try:
        st = path.stat()
        entry.size, entry.mtime = st.st_size, mtime_text(st.st_mtime)
        data = read_bytes(path)
        entry.sha256 = hashlib.sha256(data).hexdigest()
        wb = open_workbook(path, data, only=TABLES, below=EXTENDED_LISTS)
    except FileNotFoundError:
        entry.status, entry.code, entry.reason = UNREADABLE, "not_found", f"Không tìm thấy tệp '{path}'."
        return BookOutcome(entry)
    except FileProblem as exc:
        return BookOutcome(_problem(entry, exc, path))

    def refuse(code: str, reason: str, status: str = REJECTED) -> BookOutcome:
        entry.status, entry.code, entry.reason = status, code, reason
        return BookOutcome(entry)

    if wb.table(K.META_TABLE) is not None:
        entry.kind = "consolidation"
        return refuse("not_registration_book", f"'{path.name}' là bảng tổng hợp thi đua, không phải bản đăng ký của "
                                               "một đơn vị; không dùng ở đây.")
    try:
        meta = read_meta(wb, path)
        entry.kind = "form"
        entry.unit, entry.template_version = meta.get("unit_code", ""), meta.get("template_version", "")
        entry.plan = f"{meta.get('plan_id', '')}, phiên bản {meta.get('plan_version', '')}"
        if meta.get(FORM_KIND_KEY) != FORM_KIND:
            other = plan.period_by_code.get(meta.get("period_code", ""))
            what = other.name if other else f"đợt '{meta.get('period_code') or 'không rõ'}'"
            return refuse("period_form", f"Biểu mẫu báo cáo {what} của đơn vị {entry.unit or '(không rõ)'}, không phải "
                                         "bản đăng ký thi đua đầu năm; không dùng ở đây (danh hiệu ghi trong biểu mẫu đợt "
                                         "được đối chiếu với danh sách đăng ký khi tổng hợp đợt đó).")
        if meta.get("plan_id") != plan.info.plan_id:
            return refuse("other_plan", f"Bản đăng ký thuộc kế hoạch '{meta.get('plan_id')}', không phải kế hoạch "
                                        f"'{plan.info.plan_id}'; không dùng.")
        problems: list = []
        info = _read_info(_require(wb, C.UNIT_TABLE, C.UNIT_COLUMNS, path), problems)
        lists = {}
        for name, types in LIST_TABLES:
            if name == C.INITIATIVE_TABLE:
                continue
            lists[name] = _read_list(_require(wb, name, C.TABLE_COLUMNS[name], path), types, problems)
    except FileProblem as exc:
        return BookOutcome(_problem(entry, exc, path))
    form = FormData(path, wb.engine, meta, info, {}, {}, {}, lists, problems, wb.sheet_names)
    _identity_problem(form, plan)
    changed = next((p for p in problems if p.code == "identity_changed"), None)
    if changed is not None:
        return refuse("identity_changed", f"{changed.message} Không dùng bản đăng ký này.")
    refusal = admit(form.unit_code, scope, clusters=False)
    if refusal is None and (refusal := admit(form.unit_code, scope)) is not None:
        return refuse(refusal[0], refusal[1].replace("ngoài phạm vi tổng hợp này", "ngoài phạm vi tổng hợp đăng ký này")
                      .replace("bảng tổng hợp của cụm", "danh sách đăng ký của cụm"), OUT_OF_SCOPE)
    if refusal is None:
        refusal = authenticate(form, scope, entry)
    if refusal is not None:
        reason = refusal[1].replace("chưa thuộc diện báo cáo đợt này", "chưa thuộc diện đăng ký") \
                           .replace("biểu mẫu cấp ngành đã phát", "bản đăng ký cấp ngành đã phát")
        return refuse(refusal[0], reason)
    if unit_entered_nothing(wb):
        return refuse("blank_form", f"Bản đăng ký '{path.name}' của đơn vị {form.unit_code} gửi về chưa điền gì (chưa "
                                    "chọn danh hiệu tập thể, chưa ghi thành viên, giao ước, người lập hay ngày đăng ký) "
                                    "nên không tính là đã đăng ký. Hãy điền rồi gửi lại trước hạn.", BLANK)
    book = _book(plan, form, entry, today)
    entry.status = INCLUDED
    entry.reason = (f"Đưa vào danh sách: {len(book.collective)} danh hiệu tập thể, {len(book.members)} cá nhân đăng "
                    f"ký, {len(book.pledges)} mức giao ước; ngày đăng ký {day(book.registered_on)} ({book.basis})."
                    + (" Cần xem lại: " + " ".join(book.notes) if book.notes else ""))
    return BookOutcome(entry, book)


def _book(plan: Plan, form, entry: FileEntry, today: date) -> Book:
    from ..check.awards import member_from_row, registered
    notes = [p.message for p in form.problems]
    registered_on, basis = _date(plan, form, entry, today, notes)
    regs = form.lists.get(C.REGISTRATION_TABLE)
    collective = []
    for i in registered(regs.rows):
        code = str(regs.rows[i][C.CODE]).strip()
        t = plan.title_by_code.get(code)
        if t is None or t.target_of != "collective":
            notes.append(f"Trang '{regs.sheet}', ô {regs.address(i, C.CODE)}: '{code}' không phải danh hiệu tập thể của "
                         "kế hoạch; không đưa vào danh sách.")
        elif code not in collective:
            collective.append(code)
    lst = form.lists.get(C.MEMBER_TABLE)
    members, seen = [], {}
    for i, r in enumerate(lst.rows):
        m = member_from_row(plan, i + 1, r, lst.sheet, lst.address(i, C.M_TITLE))
        if m is None or not m.title:
            continue
        t = plan.title_by_code.get(m.title)
        where = f"Trang '{lst.sheet}', ô {m.cell} ({m.name or 'không ghi tên'})"
        if t is None or t.target_of != "individual":
            notes.append(f"{where}: '{m.title}' không phải danh hiệu cá nhân của kế hoạch; không đưa vào danh sách.")
            continue
        if not m.name:
            notes.append(f"{where}: chưa ghi họ và tên; không đưa vào danh sách.")
            continue
        key = (*m.key, m.title)
        if key in seen:
            notes.append(f"{where}: trùng với dòng {seen[key]}; chỉ tính một lần.")
            continue
        seen[key] = m.row
        members.append((m.row, m.name, m.department, m.title))
    pledges = []
    plg = form.lists.get(C.PLEDGE_TABLE)
    for r in plg.rows:
        code, value = str(r.get(C.CODE) or "").strip(), r.get(C.PLEDGE_VALUE)
        if code and value not in (None, ""):
            pledges.append((code, value if isinstance(value, (int, float, str)) and not isinstance(value, bool)
                            else str(value)))
    return Book(form.unit_code, entry.name, entry.mtime or "", registered_on, basis, tuple(collective),
                tuple(members), tuple(pledges), tuple(notes))


def _date(plan: Plan, form, entry: FileEntry, today: date, notes: list) -> tuple[date | None, str]:
    e = form.info.get("ngay_bao_cao")
    d = e.value if e is not None and e.parsed.ok else None
    earliest, latest = date(plan.info.year - 1, 12, 1), today + timedelta(days=3)
    if d is not None and earliest <= d <= latest:
        return d, "ngày đăng ký"
    why = "bản đăng ký chưa ghi ngày đăng ký"
    if d is not None:
        why = (f"ngày đăng ký {day(d)} không hợp lý (trước {day(earliest)} hoặc sau hôm nay)")
        notes.append(f"Trang '{e.sheet}', ô {e.cell}: {why}; đã dùng thời gian sửa tệp.")
    try:
        return datetime.strptime((entry.mtime or "")[:10], "%Y-%m-%d").date(), f"thời gian sửa tệp ({why})"
    except ValueError:
        return None, "không rõ ngày"


# --- many files, contained ------------------------------------------------------------------------
_SCOPE: Scope | None = None


def _init_worker(scope: Scope) -> None:
    global _SCOPE
    _SCOPE = scope


def _inspect_path(path: str) -> BookOutcome:
    return inspect_book(Path(path), _SCOPE, _SCOPE.today)


def _failed(path: Path, problem: FileProblem) -> BookOutcome:
    from ..consolidate.collect import failed_outcome
    entry = failed_outcome(path, problem).entry
    entry.period = PERIOD_LABEL
    return BookOutcome(entry)


def inspect_books(found: list, scope: Scope, workers: int | None = None, progress=None) -> list[BookOutcome]:
    """Outcomes in the order of `found`, each file read in a worker process with memory and time
    limits (workers=0: in this process, without that protection)."""
    from ..read.batch import run_files
    scope.plan.fingerprint
    return run_files(_inspect_path, found, failed=_failed, workers=workers, initializer=_init_worker,
                     initargs=(scope,), progress=progress)


# --- the consolidation ----------------------------------------------------------------------------
ON_TIME, LATE, MISSING = "on_time", "late", "missing"
STATUS_LABELS = {ON_TIME: "Đã đăng ký đúng hạn", LATE: "Đăng ký muộn", MISSING: "Chưa đăng ký"}


@dataclass
class UnitRegistration:
    """One expected unit's registration: its status and what it registered, each with its date."""
    unit: Unit
    status: str                                  # on_time | late | missing
    registered_on: date | None = None
    basis: str = ""
    file: str = ""
    collective: list = field(default_factory=list)   # (title, date, on time)
    members: list = field(default_factory=list)      # (row, name, department, title, date, on time)
    pledges: list = field(default_factory=list)      # (target code, value)
    note: str = ""

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]


@dataclass
class ClusterCount:
    code: str
    name: str
    expected: int
    on_time: int
    late: int
    missing: int
    titles: dict                                 # title code -> units (collective) or people (individual)

    @property
    def registered(self) -> int:
        return self.on_time + self.late

    @property
    def rate(self) -> float | None:
        return self.on_time / self.expected if self.expected else None


@dataclass
class RegistrationResult:
    plan: Plan
    scope: Scope
    created_at: datetime
    entries: list[FileEntry]
    units: dict[str, UnitRegistration]          # every expected unit in scope, plan order
    register: object = None

    @property
    def deadline(self) -> date:
        return self.scope.period.deadline

    @property
    def clusters(self) -> list[str]:
        return list(self.scope.clusters)

    def counts(self) -> list[ClusterCount]:
        out = []
        for code in self.scope.clusters:
            mine = [u for u in self.units.values() if u.unit.cluster == code]
            out.append(ClusterCount(code, self.plan.cluster_by_code[code].name, len(mine),
                                    sum(u.status == ON_TIME for u in mine), sum(u.status == LATE for u in mine),
                                    sum(u.status == MISSING for u in mine), _title_counts(self.plan, mine)))
        return out

    def total(self) -> ClusterCount:
        mine = list(self.units.values())
        return ClusterCount("", "Toàn ngành" if self.scope.industry else "Các cụm trong bảng", len(mine),
                            sum(u.status == ON_TIME for u in mine), sum(u.status == LATE for u in mine),
                            sum(u.status == MISSING for u in mine), _title_counts(self.plan, mine))

    def figures(self) -> dict:
        """Every figure, as plain data (the CLI's --json, the tests)."""
        return {
            "deadline": self.deadline.isoformat(),
            "clusters": [(k.code, k.expected, k.on_time, k.late, k.missing, k.titles) for k in self.counts()],
            "total": (self.total().expected, self.total().on_time, self.total().late, self.total().missing,
                      self.total().titles),
            "units": {code: (u.status, u.registered_on.isoformat() if u.registered_on else None, u.file,
                             [c for c, _, _ in u.collective], [(n, d, t) for _, n, d, t, _, _ in u.members])
                      for code, u in self.units.items()},
            "files": [(e.name, e.unit, e.status, e.code, e.reason) for e in self.entries],
        }


def year_titles(plan: Plan) -> list:
    """The titles registered at the start of the year (a peak campaign's own awards are not)."""
    return [t for t in plan.titles if not getattr(t, "period", None)]


def _title_counts(plan: Plan, units: list[UnitRegistration]) -> dict:
    out = {t.code: 0 for t in year_titles(plan)}
    for u in units:
        for code, _, _ in u.collective:
            if code in out:
                out[code] += 1
        for _, _, _, code, _, _ in u.members:
            if code in out:
                out[code] += 1
    return out


def consolidate_books(inputs, plan: Plan, clusters=None, *, out=None, register=None, workers: int | None = None,
                      progress=None, today: date | None = None) -> RegistrationResult:
    """Every returned registration workbook read (contained) and accounted for; the registered lists
    of every expected unit in scope (all clusters, or those given)."""
    from ..consolidate.inventory import own_output
    from ..read.files import EXCLUDED, list_inputs
    if not inputs:
        raise ThiduaError("Chưa chỉ thư mục hoặc tệp bản đăng ký nào để tổng hợp.")
    period = registration_period(plan)
    known = [c.code for c in plan.clusters]
    wanted = list(dict.fromkeys(clusters or ()))
    unknown = [c for c in wanted if c not in known]
    if unknown:
        raise ThiduaError(f"Không có cụm {', '.join(unknown)} trong kế hoạch. Các cụm: {', '.join(known)}.")
    scope = Scope(plan, period, tuple(c for c in known if not wanted or c in wanted), not wanted,
                  register=register, today=today or date.today())
    outs = [Path(out)] if out else []
    found = list_inputs(inputs, outs)
    entries = [own_output(f.path) for f in found if f.kind == EXCLUDED]
    for e in entries:
        e.period = PERIOD_LABEL
    outcomes = inspect_books([f for f in found if f.kind != EXCLUDED], scope, workers, progress)
    entries += [o.entry for o in outcomes]
    by_unit: dict[str, list[tuple[Book, FileEntry]]] = {}
    for o in outcomes:
        if o.book is not None:
            by_unit.setdefault(o.book.unit, []).append((o.book, o.entry))
    deadline = period.deadline
    units: dict[str, UnitRegistration] = {}
    for u in expected_units(plan):
        if u.cluster not in scope.clusters:
            continue
        copies = by_unit.get(u.code)
        if not copies:
            units[u.code] = UnitRegistration(u, MISSING, note=_missing_note(u.code, entries))
            continue
        units[u.code] = _winner(u, copies, deadline)
    return RegistrationResult(plan, scope, datetime.now().replace(microsecond=0), entries, units, register)


def _missing_note(unit: str, entries: list[FileEntry]) -> str:
    came = [e for e in entries if e.unit == unit and e.status not in (INCLUDED, DUPLICATE, OUT_OF_SCOPE)]
    if not came:
        return ""
    return "Có tệp gửi về: " + "; ".join(f"{e.name} ({e.status_label.lower()})" for e in came)


def _winner(u: Unit, copies: list, deadline: date) -> UnitRegistration:
    copies = sorted(copies, key=lambda c: c[0].file, reverse=True)
    copies.sort(key=lambda c: (c[0].registered_on or date.min, c[0].mtime))
    book, entry = copies[-1]
    first: dict = {}                             # item -> the earliest date it was registered
    for b, _ in copies:
        items = [("c", c) for c in b.collective] + [("m", _person(n, d), t) for _, n, d, t in b.members]
        for item in items:
            if b.registered_on is not None and (item not in first or b.registered_on < first[item]):
                first[item] = b.registered_on
    for b, e in copies[:-1]:
        e.status, e.code, e.winner = DUPLICATE, "duplicate", entry.name
        e.reason = (f"Bản đăng ký khác của cùng đơn vị {u.code}; dùng bản '{entry.name}' (ngày đăng ký muộn hơn, "
                    "hoặc tệp sửa sau cùng). Danh hiệu đã có trong bản này giữ ngày đăng ký "
                    f"{day(b.registered_on)} của bản này.")

    def dated(item):
        d = first.get(item, book.registered_on)
        return d, d is not None and d <= deadline

    collective = [(c, *dated(("c", c))) for c in book.collective]
    members = [(row, n, d, t, *dated(("m", _person(n, d), t))) for row, n, d, t in book.members]
    # the unit registered when its first copy came (later copies add or drop titles, each dated)
    dated_copies = [b for b, _ in copies if b.registered_on is not None]
    earliest = min(dated_copies, key=lambda b: b.registered_on) if dated_copies else book
    on_time = earliest.registered_on is not None and earliest.registered_on <= deadline
    notes = list(book.notes)
    if len(copies) > 1:
        notes.insert(0, f"Gửi {len(copies)} bản; dùng bản '{book.file}' ({day(book.registered_on)}); ngày đăng ký "
                        "của từng danh hiệu là ngày của bản đầu tiên có danh hiệu đó.")
    return UnitRegistration(u, ON_TIME if on_time else LATE, earliest.registered_on, earliest.basis, book.file,
                            collective, members, list(book.pledges), " ".join(notes))


def _person(name: str, department: str) -> tuple:
    from ..check.awards import _fold
    return (_fold(name), _fold(department))
