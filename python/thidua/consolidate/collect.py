"""Per-file work: read one input (a unit's form or a consolidation workbook), decide whether it
belongs to this consolidation, and recompute its unit(s) with the plan.

Every path gives an `Outcome` with an inventory row, whatever is wrong with it. Values are
recomputed from the raw cell contents with the plan's own rules (forms.layout, plan.semantics,
score.engine); nothing the form computed or shows as a target is trusted. Runs in worker
processes: inputs and outputs are small plain data.
"""
from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from ..errors import FileProblem
from .. import contract as C
from ..catalogue import Severity
from ..forms.layout import expected_formula_values, layout_for
from ..plan.calendar import report_date_problem
from ..plan.model import Period, Plan
from ..plan.semantics import target_verdict
from ..read.form import EXTENDED_LISTS, blank_form_message, list_rows, unit_entered_nothing
from ..read.workbook import Workbook, open_workbook, read_bytes
from ..register import digest
from ..values import cell_text, parse_date, parse_value
from . import contract as K
from .records import (AUTHENTIC_LABELS, BLANK, DUPLICATE, EXCEL_SUFFIXES, FLAG_TEXT, INCLUDED, NOT_A_FORM, OUT_OF_SCOPE,
                      PROBLEM_STATUS, REJECTED, UNREADABLE, Evaluation, FileEntry, Outcome, UnitRecord)

# The tables consolidation needs: identity, reporter, entries and scores (lists are read only for
# the check engine's rules), the plan's info table (to say "this is the plan"), and ours.
CORE_TABLES = (C.META_TABLE, C.UNIT_TABLE, C.INDICATOR_TABLE, C.SCORE_TABLE,
               C.REGISTRATION_TABLE, C.MEMBER_TABLE)          # registrations: award proposals
LIST_TABLES = tuple(getattr(C, name) for name in (
    "INITIATIVE_TABLE", "REGISTRATION_TABLE", "PLEDGE_TABLE", "MEMBER_TABLE") if hasattr(C, name))
OWN_TABLES = ("tblPlanInfo", K.META_TABLE, K.INPUTS_TABLE, K.INVENTORY_TABLE, K.MEMBERS_TABLE, *K.RECORD_TABLES)
FORM_MARKS = (C.META_TABLE, C.INDICATOR_TABLE, C.SCORE_TABLE)     # a workbook holding one of these is a form


@dataclass(frozen=True)
class Scope:
    """What is being consolidated: the plan, the period, which clusters, which units are expected."""
    plan: Plan
    period: Period
    clusters: tuple[str, ...]          # cluster codes in scope (all of the plan's for the industry)
    industry: bool
    check: bool = False                # run the check engine to count each form's findings (slower);
                                       # otherwise the counts are the reader's own (unreadable cells…)
    today: date = field(default_factory=date.today)    # report dates after it (and a margin) are not true
    register: object = None            # register.Register at hand (None: authenticity not verified)

    @property
    def below(self) -> tuple[str, ...]:
        """Lists whose rows typed under the table are read (members feed award proposals)."""
        return EXTENDED_LISTS if self.check else (C.MEMBER_TABLE,)

    @property
    def tables(self) -> tuple[str, ...]:
        return (*CORE_TABLES, *(LIST_TABLES if self.check else ()), *OWN_TABLES)

    @property
    def expected(self) -> list:
        wanted = set(self.clusters)
        return [u for u in self.plan.active_units(self.period) if u.cluster in wanted]

    @property
    def label(self) -> str:
        if self.industry:
            return "toàn ngành"
        names = [self.plan.cluster_by_code[c].name if c in self.plan.cluster_by_code else c for c in self.clusters]
        return "; ".join(names)


def mtime_text(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")


# --- one path ---------------------------------------------------------------------------------
def inspect(path: Path, scope: Scope, record_only: bool = False) -> Outcome:
    """Never raises: a bug of ours on one file is logged and the file listed as unreadable.
    `record_only`: a level's earlier workbook read for its record (meta and record tables only)."""
    try:
        return _inspect(Path(path), scope, record_only)
    except Exception:  # a bug: keep going with the other files, keep the details for support
        from ..crashlog import record
        import traceback
        log = record(f"{path}\n{traceback.format_exc()}")
        p = Path(path)
        where = f"chi tiết ghi vào {log}" if log else "không ghi được chi tiết"
        return Outcome(FileEntry(p.name, str(p.parent), status=UNREADABLE, code="internal_error",
                                 reason=f"Chương trình gặp sự cố khi đọc tệp này; {where}. "
                                        "Hãy gửi tệp đó cùng tệp này cho bộ phận hỗ trợ."))


def failed_outcome(path: Path, problem: FileProblem) -> Outcome:
    """A file that was not read (a link, a special file) or whose reader failed: its row, with what
    can be said without reading it (a link is described, not followed)."""
    path = Path(path)
    entry = FileEntry(path.name, str(path.parent))
    try:
        st = os.lstat(path)
        entry.size, entry.mtime = st.st_size, mtime_text(st.st_mtime)
    except OSError:
        pass
    return Outcome(_problem(entry, problem, path))


def _inspect(path: Path, scope: Scope, record_only: bool = False) -> Outcome:
    entry = FileEntry(path.name, str(path.parent))
    try:
        st = path.stat()
        entry.size, entry.mtime = st.st_size, mtime_text(st.st_mtime)
    except OSError:
        entry.status, entry.code = UNREADABLE, "not_found"
        entry.reason = f"Không tìm thấy tệp '{path}'. Kiểm tra lại đường dẫn."
        return Outcome(entry)
    try:
        data = read_bytes(path)
    except FileProblem as exc:
        if exc.code == "lock_file":          # still say what it holds: its checksum
            try:
                entry.sha256 = hashlib.sha256(path.read_bytes()).hexdigest()
            except OSError:
                pass
        return Outcome(_problem(entry, exc, path))
    entry.sha256 = hashlib.sha256(data).hexdigest()
    try:
        only = (*FORM_MARKS, K.META_TABLE, K.INPUTS_TABLE, *K.RECORD_TABLES) if record_only else scope.tables
        wb = open_workbook(path, data, only=only, below=scope.below)
    except FileProblem as exc:
        return Outcome(_problem(entry, exc, path))
    if wb.table(K.META_TABLE) is not None:
        if any(wb.table(name) is not None for name in FORM_MARKS):
            entry.kind, entry.status, entry.code = "form", REJECTED, "mixed_workbook"
            entry.reason = ("Tệp vừa có các bảng của biểu mẫu đơn vị vừa có bảng thông tin của bảng tổng hợp "
                            f"({K.META_TABLE}): biểu mẫu đã bị chép thêm bảng ngoài mẫu. Biểu mẫu của đơn vị không "
                            "bao giờ được đọc như bảng tổng hợp; không dùng tệp này, hãy đề nghị đơn vị gửi lại "
                            "biểu mẫu gốc.")
            return Outcome(entry)
        return _consolidation(wb, entry, scope, record_only)
    return _form(wb, entry, scope)


def _problem(entry: FileEntry, exc: FileProblem, path: Path) -> FileEntry:
    entry.status, entry.code, entry.reason = PROBLEM_STATUS.get(exc.code, UNREADABLE), exc.code, exc.message
    if exc.code in ("corrupt", "not_xlsx") and path.suffix.lower() not in EXCEL_SUFFIXES:
        entry.status, entry.code = NOT_A_FORM, "not_excel"
        entry.reason = (f"'{path.name}' không phải tệp Excel nên không phải biểu mẫu thi đua; tệp được liệt kê "
                        "để biết, không đọc.")
    if exc.code == "lock_file":
        entry.kind = "other"
    return entry


def _form(wb: Workbook, entry: FileEntry, scope: Scope) -> Outcome:
    from ..read.form import form_from_workbook
    plan = scope.plan
    try:
        form = form_from_workbook(wb, plan, lists=scope.check)
    except FileProblem as exc:
        if exc.code != "not_a_form":
            entry.kind = "form"
        return Outcome(_problem(entry, exc, Path(entry.name)))
    entry.kind = "form"
    entry.unit, entry.period, entry.template_version = form.unit_code, form.period_code, form.template_version
    entry.plan = f"{form.plan_id}, phiên bản {form.plan_version}" if form.plan_id else ""
    codes = {p.code: p for p in form.problems}
    refusal = None
    if "other_plan" in codes:
        refusal = ("other_plan", f"{codes['other_plan'].message} Không dùng số liệu của tệp này.")
    elif not period_ok(form.period_code, scope):
        refusal = ("other_period", _other_period(form.period_code, scope))
    elif "identity_changed" in codes:
        refusal = ("identity_changed", f"{codes['identity_changed'].message} Vì không chắc số liệu của đơn vị "
                                       "nào nên không dùng; hãy đề nghị đơn vị gửi lại biểu mẫu gốc.")
    if refusal is None:
        refusal = admit(form.unit_code, scope, clusters=False)     # clusters: decided per output (core)
    if refusal is None:
        refusal = authenticate(form, scope, entry)
    if refusal is not None:
        entry.status = REJECTED
        entry.code, entry.reason = refusal
        return Outcome(entry)
    if unit_entered_nothing(wb):              # returned as issued: not a report
        entry.status, entry.code = BLANK, "blank_form"
        entry.reason = blank_form_message(entry.name, form.unit_code)
        return Outcome(entry)
    record = record_from_form(form, plan, entry, wb)
    if scope.check:
        from ..check.engine import check_form
        found = check_form(form, plan)
    else:
        found = form.problems                          # what reading already found: unreadable cells…
    record.errors = sum(f.severity == Severity.ERROR for f in found)
    record.warnings = sum(f.severity == Severity.WARNING for f in found)
    if scope.check:
        record.findings = tuple((str(f.severity), f.sheet or "", f.cell or "", f.message) for f in found)
    entry.status = INCLUDED
    record.digest_memo = K.record_digest(record, K.raw_headers(plan))    # here, in parallel, not in the writer
    return Outcome(entry, [(record, evaluate(record, plan, scope.period, scope.today, parsed=_parsed(form, record)))])


def _parsed(form, record: UnitRecord) -> tuple[dict, dict]:
    """({field: value}, {criterion: Parsed}): what the form reader already parsed, by the plan's field
    types, from the very cells the record holds, so evaluate() need not parse them again."""
    values = {code: e.parsed.value for code, e in form.values.items()
              if code in record.values and record.values[code] is e.raw}
    scores = {code: s.self_score.parsed for code, s in form.scores.items()
              if code in record.self_scores and record.self_scores[code] is s.self_score.raw}
    return values, scores


def period_ok(code: str, scope: Scope) -> bool:
    """A report of this period belongs here: the period itself, or any regular period for the year."""
    from .year import accepts
    return code == scope.period.code or (scope.period.is_year and accepts(scope.plan, code))


def _other_period(code: str, scope: Scope) -> str:
    other = scope.plan.period_by_code.get(code)
    name = f"{other.name}" if other else f"'{code or 'không rõ'}'"
    if scope.period.is_year and other is not None and other.peak:
        return (f"Biểu mẫu của {name}, đợt cao điểm: kết quả đợt cao điểm tính riêng (tổng hợp riêng đợt đó), "
                "không cộng vào kết quả cả năm.")
    return (f"Biểu mẫu của {name}, không phải {scope.period.name} đang tổng hợp; không dùng ở đây "
            "(tổng hợp riêng đợt đó nếu cần).")


def admit(unit_code: str, scope: Scope, clusters: bool = True) -> tuple[str, str] | None:
    """None when the unit belongs to this consolidation; else (code, Vietnamese reason)."""
    plan = scope.plan
    unit = plan.unit_by_code.get(unit_code)
    if unit is None:
        return ("unknown_unit", f"Mã đơn vị '{unit_code}' không có trong danh sách đơn vị của kế hoạch "
                                f"{plan.info.plan_id}; không dùng số liệu.")
    if clusters and unit.cluster not in scope.clusters:
        return ("other_cluster", f"{unit.code} thuộc cụm {unit.cluster}, ngoài phạm vi tổng hợp này "
                                 f"({scope.label}); bảng tổng hợp của cụm {unit.cluster} sẽ tính đơn vị này.")
    if not unit.active:
        return ("not_expected", f"{unit.code} {unit.name} không còn hoạt động theo danh sách đơn vị của kế hoạch "
                                "nên không thuộc diện báo cáo; không dùng số liệu.")
    if unit.active_since and unit.active_since > scope.period.end:
        return ("not_expected", f"{unit.code} hoạt động từ {unit.active_since:%d/%m/%Y}, sau khi "
                                f"{scope.period.name} kết thúc, nên chưa thuộc diện báo cáo đợt này.")
    return None


def authenticate(form, scope: Scope, entry: FileEntry) -> tuple[str, str] | None:
    """The form's token against the register at hand: None (accepted, or nothing to check
    against: entry.authentic says which) or (code, reason)."""
    reg = scope.register
    unit = scope.plan.unit_by_code[form.unit_code]
    if reg is None or not reg.covers(unit.cluster):
        entry.authentic = "unverified"
        return None
    why = reg.form_problem(form.unit_code, unit.cluster, form.period_code, form.token)
    if why is None:
        entry.authentic = "verified"
        return None
    entry.authentic = "refused"
    return ("not_authentic", f"Không xác thực được biểu mẫu: {why}. Không dùng; nếu đơn vị gửi nhầm tệp, hãy đề nghị "
                             "gửi lại đúng biểu mẫu cấp ngành đã phát cho đơn vị.")


def record_from_form(form, plan: Plan, entry: FileEntry, wb: Workbook) -> UnitRecord:
    """The raw contents of the cells a person fills, as read (see contract.raw_value)."""
    known = plan.field_by_code
    values = {code: v for code, e in form.values.items()
              if not e.derived and code in known and not known[code].is_derived
              and (v := K.raw_value(e.raw)) is not None}
    info = {code: v for code in C.UNIT_INPUT_CODES
            if code in form.info and (v := K.raw_value(form.info[code].raw)) is not None}
    self_scores = {c: v for c, s in form.scores.items() if (v := K.raw_value(s.self_score.raw)) is not None}
    flags = tuple(dict.fromkeys(p.code for p in form.problems if p.code in FLAG_TEXT))
    if any(K.raw_value(s.upper_score.raw) is not None for s in form.scores.values()):
        flags = (*flags, "upper_by_unit")          # never used: the upper levels score in their record
    from ..check.awards import registered
    members = wb.table(C.MEMBER_TABLE)         # raw rows, typed later like every other raw input
    member_rows = ()
    if members is not None:
        at = {h: members.column(h) for h in C.MEMBER_COLUMNS}
        used = [j for j in at.values() if j is not None]
        member_rows = tuple(m for _, r, _below in list_rows(members)
                            if not all(K.blank(r[j]) for j in used)     # most issued rows stay empty
                            and any((m := {h: K.raw_value(r[j]) if j is not None else None for h, j in at.items()}).values()))
        if members.below:
            flags = (*flags, "row_below_table")
    regs = wb.table(C.REGISTRATION_TABLE)
    reg_rows = regs.records() if regs else []
    collective = tuple(str(reg_rows[i][C.CODE]).strip() for i in registered(reg_rows))
    token = form.token
    return UnitRecord(form.unit_code, form.period_code, entry.name, entry.sha256 or "", entry.size or 0,
                      entry.mtime or "", form.template_version, form.plan_id, form.plan_version,
                      form.plan_fingerprint, info, values, self_scores, flags,
                      members=member_rows, collective=collective, token_sha256=digest(token) if token else "")


# --- recomputation ----------------------------------------------------------------------------
def evaluate(record: UnitRecord, plan: Plan, period: Period | None = None, today: date | None = None,
             upper: dict | None = None, parsed: tuple | None = None) -> Evaluation:
    """Everything the plan derives from one unit's raw inputs: the same parsing as the form
    reader, the form's formulas (forms.layout), target verdicts (plan.semantics), points and
    rating (score.engine), whether the report date can be true (plan.calendar). The record's
    origin (form or consolidation workbook) does not matter. `upper`: the upper levels' marks
    (criterion -> points, consolidate.review), never anything the unit typed. `parsed`: values the
    form reader parsed from these very raw cells (see _parsed), the same parsing done once."""
    from ..score.engine import score_values
    unit = plan.unit_by_code[record.unit]
    kind = unit.kind
    done, done_scores = parsed if parsed is not None else ({}, {})
    entered = {}
    for code, raw in record.values.items():
        f = plan.field_by_code.get(code)
        if f is None or f.is_derived:
            continue
        entered[code] = done[code] if code in done else parse_value(raw, f.type).value
    derived = expected_formula_values(layout_for(plan, kind), entered)
    values = {**entered, **{code: d.value for code, d in derived.items()}}
    verdicts = {t.code: target_verdict(t.comparator, values.get(t.field), t.value, t.stretch)
                for t in plan.unit_targets_for(kind)}
    own = {}
    for code, raw in record.self_scores.items():
        p = done_scores.get(code) or parse_value(raw, "number")
        if p.ok:
            own[code] = p.value
    s = score_values(plan, kind, entered, own, upper or {}, unit, record.unit, derived)
    day = parse_date(record.info.get("ngay_bao_cao"))
    report_date = day.value if day.ok else None
    return Evaluation(kind, unit.cluster, report_date, values, verdicts, s.total, s.max_total,
                      tuple((g.code, g.score, g.max_points) for g in s.groups), s.self_total, s.eligible,
                      s.rating, s.rating_name, s.reason, report_date_problem(report_date, plan, period, today),
                      tuple((c.code, c.computed, c.self_score, c.upper_score, c.final) for c in s.criteria))


# --- a consolidation workbook as input ----------------------------------------------------------
def _consolidation(wb: Workbook, entry: FileEntry, scope: Scope, record_only: bool = False) -> Outcome:
    from .review import CLUSTER, INDUSTRY, read_levels
    from .seal import DIGEST, check_seal
    plan = scope.plan
    entry.kind = "consolidation"
    meta_t = wb.table(K.META_TABLE)
    k, v = meta_t.column(K.KEY), meta_t.column(K.VALUE)
    meta = {}
    if k is not None and v is not None:
        meta = {str(r[k]).strip(): cell_text(r[v]) for r in meta_t.rows if r[k] not in (None, "")}
    entry.period = meta.get("period_code", "")
    entry.plan = f"{meta.get('plan_id', '')}, phiên bản {meta.get('plan_version', '')}"
    entry.template_version = f"tổng hợp {meta.get('format_version', '')}"
    outcome = Outcome(entry, meta=meta)

    def refuse(code: str, reason: str) -> Outcome:
        entry.status, entry.code, entry.reason = REJECTED, code, reason
        outcome.units.clear()
        outcome.carried.clear()
        outcome.record = {}
        return outcome

    if meta.get("format") != K.FORMAT or meta.get("format_version") not in K.SUPPORTED_FORMAT_VERSIONS:
        return refuse("wrong_version", f"'{entry.name}' là bảng tổng hợp phiên bản '{meta.get('format_version') or 'không rõ'}'"
                                       " mà chương trình này không đọc được; hãy lập lại bảng tổng hợp bằng phiên bản "
                                       "thidua hiện hành.")
    if meta.get("plan_id") != plan.info.plan_id:
        return refuse("other_plan", f"Bảng tổng hợp thuộc kế hoạch '{meta.get('plan_id')}', không phải kế hoạch "
                                    f"'{plan.info.plan_id}' đang tổng hợp; không dùng.")
    if not (meta.get("period_code") == scope.period.code or period_ok(meta.get("period_code", ""), scope)):
        return refuse("other_period", _other_period(meta.get("period_code", ""), scope))
    table = wb.table(K.INPUTS_TABLE)
    if table is None or any(table.column(h) is None for h in ("Mã đơn vị", "Mã đợt", "Tệp nguồn")):
        return refuse("incomplete_form", f"Bảng tổng hợp '{entry.name}' thiếu bảng số liệu gốc (trang 'Dữ liệu gốc') "
                                         "(có thể đã bị xóa hoặc đổi tên); không tính lại được nên không dùng.")
    level = INDUSTRY if meta.get("scope") == "industry" else CLUSTER
    known = {c.code for c in plan.clusters}
    clusters = tuple(c for c in meta.get("clusters", "").split())
    if level == CLUSTER and (not clusters or any(c not in known for c in clusters)):
        return refuse("not_authentic", f"Bảng tổng hợp ghi phạm vi cụm '{meta.get('clusters', '')}', không phải cụm của "
                                       "kế hoạch; không dùng.")
    plan_changed = meta.get("plan_fingerprint") != plan.fingerprint
    headers = [str(h) for h in table.headers]
    members_t = wb.table(K.MEMBERS_TABLE)
    members = K.members_by_submission(members_t) if members_t is not None else {}
    # the seal: over the meta and every sealed row's digest, as stored
    digests = [cell_text(r[j]) for r in table.rows] if (j := table.column(DIGEST)) is not None else []
    for name in K.RECORD_TABLES:
        t = wb.table(name)
        if t is not None and (j := t.column(DIGEST)) is not None:
            digests += [cell_text(r[j]) for r in t.rows]
    sealed, seal_why = check_seal(scope.register, level, clusters if level == CLUSTER else ("",), entry.period,
                             meta, digests)
    if sealed is False:
        entry.authentic = "refused"
        return refuse("not_authentic", f"Không xác thực được bảng tổng hợp: {seal_why}. Không dùng; hãy đề nghị "
                                       f"{'cụm' if level == CLUSTER else 'cấp ngành'} gửi lại bảng do chương trình lập.")
    entry.authentic = "verified" if sealed else "unverified"

    def speaks_for(unit_code: str) -> str | None:
        u = plan.unit_by_code.get(unit_code)
        if level == CLUSTER and u is not None and u.cluster not in clusters:
            return (f"bảng tổng hợp của cụm {', '.join(clusters)} không được nói thay đơn vị {unit_code} của cụm "
                    f"{u.cluster}; không dùng dòng này")
        return None
    via_here = entry.name
    n_in = n_out = 0
    for row in ([] if record_only else table.rows):
        rec = K.record_from_row(headers, row)
        if not rec.unit:
            continue
        rec.members = tuple(members.get((rec.unit, rec.sha256), ()))
        cells = dict(zip(headers, row))
        rec.digest_ok = K.input_digest(cells, list(rec.members)) == cell_text(cells.get(DIGEST))
        rec.via = via_here + (f" ← {rec.via}" if rec.via else "")
        if plan_changed and "consolidation_plan_changed" not in rec.flags:
            rec.flags = (*rec.flags, "consolidation_plan_changed")
        refusal = ("other_period", _other_period(rec.period, scope)) if not period_ok(rec.period, scope) \
            else admit(rec.unit, scope, clusters=False)
        if refusal is None and (why := speaks_for(rec.unit)):
            refusal = ("not_authentic", why[0].upper() + why[1:] + ".")
        if refusal is None and not rec.digest_ok:
            refusal = ("edited_row", "Dòng số liệu của đơn vị trong bảng tổng hợp đã bị sửa sau khi lập (mã kiểm tra "
                                     "không khớp nội dung): không dùng.")
            outcome.edited.append(rec)
        if refusal is None and (why := _row_token_problem(rec, scope)):
            refusal = ("not_authentic", why)
        if refusal is not None:
            outcome.carried.append(FileEntry(
                rec.file, "", rec.sha256 or None, rec.size or None, rec.mtime or None, "form",
                REJECTED, refusal[0], refusal[1],
                rec.unit, rec.period, rec.template_version, f"{rec.plan_id}, phiên bản {rec.plan_version}",
                via=rec.via, authentic="refused" if refusal[0] == "not_authentic" else ""))
            n_out += 1
            continue
        outcome.units.append((rec, evaluate(rec, plan, scope.period, scope.today)))
        n_in += 1
    inv = wb.table(K.INVENTORY_TABLE)
    if inv is not None:
        outcome.carried.extend(_carried_inventory(inv, via_here))
    sealed_record, entered_record = read_levels(wb, level, plan, units_allowed=speaks_for,
                                                clusters=clusters if level == CLUSTER else (), source=entry.name)
    outcome.record = {"level": level, "clusters": clusters, "sealed": sealed_record, "entered": entered_record}
    entry.status = INCLUDED
    scope_text = meta.get("clusters", "") if level == CLUSTER else "toàn ngành"
    created = meta.get("created_at", "")
    if len(created) >= 16:
        created = f"{created[8:10]}/{created[5:7]}/{created[0:4]} {created[11:16]}"
    entry.reason = (f"Bảng tổng hợp ({scope_text}) lập lúc {created}: {n_in} bản số liệu đơn vị "
                    "được tính lại từ số liệu gốc"
                    + (f", {n_out} không dùng được (xem các dòng 'qua bảng tổng hợp')" if n_out else "")
                    + ("; lập theo phiên bản khác của kế hoạch, đã tính lại theo kế hoạch hiện hành" if plan_changed else "")
                    + (f"; {seal_why}" if sealed is None else "")
                    + ".")
    return outcome


def _row_token_problem(rec: UnitRecord, scope: Scope) -> str | None:
    """A carried row's form token digest must be one issued to that unit for that period."""
    reg = scope.register
    unit = scope.plan.unit_by_code.get(rec.unit)
    if reg is None or unit is None or not reg.covers(unit.cluster):
        return None
    for f in reg.forms:
        if f.token_sha256 == rec.token_sha256 and rec.token_sha256:
            if f.unit == rec.unit and f.period == rec.period:
                return None
            return (f"Dòng của {rec.unit} mang mã xác thực của biểu mẫu đã phát cho {f.unit} ({f.period}): không "
                    "dùng.")
    return (f"Dòng của {rec.unit} không mang mã xác thực của biểu mẫu nào cấp ngành đã phát cho đơn vị này: không "
            "dùng.")


def _carried_inventory(t, via: str) -> list[FileEntry]:
    """The files a consolidation workbook itself did not use (its units come as records)."""
    col = {attr: t.column(h) for h, attr in K.INVENTORY_COLUMNS}
    if col["code"] is None:                      # workbooks written before the header said it is a code
        col["code"] = t.column("Chi tiết")
    if col["status"] is None or col["name"] is None:
        return []
    kinds = {label: code for code, label in K.FILE_KINDS.items()}
    out = []
    for row in t.rows:
        get = lambda a: cell_text(row[col[a]]) if col.get(a) is not None else ""  # noqa: E731
        status = get("status")
        if status in (INCLUDED, DUPLICATE, OUT_OF_SCOPE, ""):    # out of scope: another cluster's file, read there
            continue
        size = get("size")
        out.append(FileEntry(get("name"), get("folder"), get("sha256") or None,
                             int(float(size)) if size.replace(".", "", 1).isdigit() else None,
                             _mtime_back(get("mtime")), kinds.get(get("kind"), "other"), status, get("code"),
                             get("reason"), get("unit"), get("period"), get("template_version"), get("plan"),
                             get("winner"), via + (f" ← {get('via')}" if get("via") else ""),
                             _AUTHENTIC.get(get("authentic"), "")))
    return out


_AUTHENTIC = {label: code for code, label in AUTHENTIC_LABELS.items()}


def _mtime_back(text: str) -> str | None:
    """The inventory shows "dd/mm/yyyy hh:mm:ss"; records keep ISO text."""
    try:
        return datetime.strptime(text, "%d/%m/%Y %H:%M:%S").strftime("%Y-%m-%d %H:%M:%S")
    except ValueError:
        return text or None


# --- many paths, in contained worker processes (read.contain) ----------------------------------
_SCOPE: Scope | None = None
_EARLIER: str | None = None            # the path read for its record only (a level's earlier workbook)


def _init_worker(scope: Scope, earlier: str | None = None) -> None:
    global _SCOPE, _EARLIER
    _SCOPE, _EARLIER = scope, earlier


def _inspect_path(path: str) -> Outcome:
    return inspect(Path(path), _SCOPE, record_only=path == _EARLIER)


def inspect_record(path: Path, scope: Scope, workers: int | None = 1) -> Outcome:
    """A level's earlier workbook, read contained like any input, for its record only."""
    from ..read.batch import run_files
    from ..read.files import FILE, Found
    return run_files(_inspect_path, [Found(Path(path), FILE)], failed=failed_outcome, workers=workers,
                     initializer=_init_worker, initargs=(scope, str(Path(path))))[0]


def inspect_all(found: list, scope: Scope, workers: int | None = None, progress=None,
                earlier: Path | None = None) -> list[Outcome]:
    """Outcomes in the order of `found` (read.files.Found). Each file is read in a worker process
    with a memory and a time limit (two workers by default): a file that crashes, hangs or starves
    its reader costs that file only. workers=0 reads in this process, without that protection.
    `earlier`: a level's earlier workbook, read first for its record only (inspect_record); its
    outcome comes first and is not counted in `progress`."""
    from ..read.batch import run_files
    from ..read.files import FILE, Found
    scope.plan.fingerprint                          # computed once, before the workers fork
    for kind in {u.kind for u in scope.plan.units}:
        layout_for(scope.plan, kind)
    if earlier is not None:
        found = [Found(Path(earlier), FILE), *found]
        if progress is not None:
            shown = progress
            progress = lambda done, total: shown(max(done - 1, 0), total - 1)  # noqa: E731
    return run_files(_inspect_path, found, failed=failed_outcome, workers=workers, initializer=_init_worker,
                     initargs=(scope, None if earlier is None else str(earlier)), progress=progress)
