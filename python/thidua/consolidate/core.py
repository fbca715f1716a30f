"""consolidate(): input folders/files + the plan -> one `Consolidation` (plain data), which
workbook.write_consolidation turns into the workbook. The CLI and the Excel buttons call this.
"""
from __future__ import annotations

import copy
import gc
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import ThiduaError
from ..plan.model import YEAR_CODE, Period, Plan, Unit
from . import awards as AW
from . import completeness as CP
from . import industry as IN
from . import inventory as INV
from . import levels as LV
from . import ranking as RK
from . import review as RV
from . import year as YR
from .collect import Scope, admit, evaluate, inspect_all
from .records import INCLUDED as RV_INCLUDED
from .records import OUT_OF_SCOPE, REJECTED, FileEntry, UnitRecord, UnitResult


@dataclass
class Consolidation:
    plan: Plan
    period: Period
    scope: Scope
    created_at: datetime
    entries: list[FileEntry]
    results: dict[str, UnitResult]               # included units by code (plan order)
    records: list[UnitRecord]                    # every submission read: included and duplicates
    completeness: list[CP.ClusterCompleteness]
    ranked: dict[str, list[UnitResult]]          # cluster -> rated units, best first
    leaders: dict[str, RK.Leader]
    cap_moves: list[RK.CapMove]
    targets: list[IN.TargetResult]
    by_kind: list[IN.Distribution]
    by_cluster: list[IN.Distribution]
    attainment: list[IN.ClusterAttainment]
    seconds: dict[str, float] = field(default_factory=dict)
    proposals: list = field(default_factory=list)   # awards.Proposal: every title registration judged
    review: RV.Review = field(default_factory=RV.Review)   # the upper levels' record that counted
    coverage: dict = field(default_factory=dict)     # the year: unit -> year.Coverage (periods reported)
    overrides: list = field(default_factory=list)   # review.Override: every upper-level mark applied
    conflicts: list = field(default_factory=list)   # inventory.Conflict: copies of one unit that differ
    register: object = None                          # register.Register used (None: not verified)
    registrations: object = None                     # registrations.load.Registrations compared with (None: none)
    programme: object = None                         # programme.Programme: stage targets year by year (attach)
    comparison: object = None                        # compare.Comparison: earlier workbooks side by side (attach)

    @property
    def level(self) -> str:
        return LV.own_level(self.scope)

    @property
    def expected(self) -> list[Unit]:
        return self.scope.expected

    @property
    def clusters(self) -> list[str]:
        return list(self.scope.clusters)

    @property
    def n_expected(self) -> int:
        return sum(c.n_expected for c in self.completeness)

    @property
    def n_received(self) -> int:
        return sum(c.n_received for c in self.completeness)

    @property
    def n_on_time(self) -> int:
        return sum(c.n_on_time for c in self.completeness)

    @property
    def reporting_rate(self) -> float | None:
        return self.n_received / self.n_expected if self.n_expected else None

    @property
    def on_time_rate(self) -> float | None:
        return self.n_on_time / self.n_expected if self.n_expected else None

    def figures(self) -> dict:
        """Every figure the consolidation reports, as plain data (tests compare roll-ups with it)."""
        return {
            "completeness": [(c.code, c.n_expected, c.n_received, c.n_on_time, [r.unit for r in c.late],
                              [u.code for u in c.missing]) for c in self.completeness],
            "targets": [(t.target.code, t.numerator, t.denominator, t.actual, t.verdict, t.text) for t in self.targets],
            "by_kind": [(d.label, d.counts, d.not_rated, d.not_reported, d.expected) for d in self.by_kind],
            "by_cluster": [(d.label, d.counts, d.not_rated, d.not_reported, d.expected) for d in self.by_cluster],
            "attainment": [(a.cluster, [(t.target.code, t.actual, t.verdict) for t in a.results], a.met, a.applicable)
                           for a in self.attainment],
            "units": {code: (r.ev.total, r.ev.groups, r.ev.self_total, r.ev.rating, r.rating, r.rating_reason,
                             r.rank, r.rank_note, r.on_time, r.timing_date, r.record.sha256, r.record.file,
                             r.record.errors, r.record.warnings, r.record.flags,
                             sorted((k, v) for k, v in r.ev.values.items() if v is not None))
                      for code, r in self.results.items()},
            "leaders": {c: ([r.unit for r in ld.units], ld.text) for c, ld in self.leaders.items()},
            "cap_moves": [(m.unit, m.from_rating, m.to_rating, m.reason) for m in self.cap_moves],
            "proposals": [(p.unit, p.row, p.person, p.title, p.eligible, p.proposed, p.reason)
                          for p in self.proposals],
            "states": {code: (r.state, r.state_level) for code, r in self.results.items()},
            "overrides": [(o.unit, o.criterion, o.before, o.upper, o.level) for o in self.overrides],
        }


def make_scope(plan: Plan, period_code: str, clusters=None, check: bool = False, register=None) -> Scope:
    if period_code not in plan.period_by_code and period_code != YEAR_CODE:
        codes = ", ".join([*plan.period_by_code, f"{YEAR_CODE} (cả năm)"])
        raise ThiduaError(f"Không có đợt '{period_code}' trong kế hoạch. Các đợt: {codes}.")
    known = [c.code for c in plan.clusters]
    if clusters:
        wanted = list(dict.fromkeys(clusters))
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise ThiduaError(f"Không có cụm {', '.join(unknown)} trong kế hoạch. Các cụm: {', '.join(known)}.")
        return Scope(plan.for_period(period_code), plan.period(period_code), tuple(c for c in known if c in wanted),
                     False, check, register=register)
    return Scope(plan.for_period(period_code), plan.period(period_code), tuple(known), True, check,
                 register=register)


@dataclass
class Inputs:
    """What reading the input paths gave, before any output-specific decision; one reading can
    serve several consolidations (one per cluster, say)."""
    scope: Scope                     # plan, period, check; its clusters are not applied yet
    entries: list[FileEntry]         # inputs that do not exist or must not be read
    outcomes: list                   # collect.Outcome per path
    seconds: float
    n_files: int = 0                 # entries the inputs named (folders expanded)
    earlier: tuple | None = None     # (path, collect.Outcome): the output path's earlier workbook, read
                                     # for its record in the same pool as the inputs

    def clusters_present(self) -> list[str]:
        """Clusters (plan order) with at least one unit submission among the inputs."""
        plan = self.scope.plan
        seen = {plan.unit_by_code[rec.unit].cluster for o in self.outcomes for rec, _ in o.units}
        return [c.code for c in plan.clusters if c.code in seen]


def read_inputs(inputs, plan: Plan, period_code: str, *, out=None, workers: int | None = None,
                check: bool = False, progress=None, register=None) -> Inputs:
    """Read every input path once (in worker processes). `progress(done, total)`: files read.
    `register`: the register of issued forms and keys (register.py) to verify what was sent."""
    from ..read.files import EXCLUDED, list_inputs
    t0 = time.perf_counter()
    scope = make_scope(plan, period_code, None, check, register)
    if not inputs:
        raise ThiduaError("Chưa chỉ thư mục hoặc tệp nào để tổng hợp.")
    outs = [Path(o) for o in (out if isinstance(out, (list, tuple)) else [out]) if o]
    found = list_inputs(inputs, outs)
    entries = [INV.own_output(f.path) for f in found if f.kind == EXCLUDED]
    # The workbook about to be overwritten is read with the inputs, not after them: it is the
    # largest file of the run and would otherwise be read on one core while the other waits.
    earlier = _single_output(out)
    earlier = earlier if earlier is not None and earlier.is_file() else None
    outcomes = inspect_all([f for f in found if f.kind != EXCLUDED], scope, workers, progress, earlier=earlier)
    if earlier is not None:
        return Inputs(scope, entries, outcomes[1:], time.perf_counter() - t0, len(found), (earlier, outcomes[0]))
    return Inputs(scope, entries, outcomes, time.perf_counter() - t0, len(found))


def consolidate(inputs, plan: Plan, period_code: str, clusters=None, *, out: str | Path | None = None,
                workers: int | None = None, check: bool = False, read: Inputs | None = None,
                progress=None, register=None, registrations=None) -> Consolidation:
    """Account for every file and recompute every unit with the plan, for the whole industry or
    the clusters given. `read` reuses a reading of the same inputs (it is not modified; its
    register is used). An existing workbook at `out` of this same scope is this level's earlier
    record: what was entered there (upper scores, states, the meeting) is kept. `registrations`
    (registrations.load.Registrations): the registration at the start of the year, which the award
    proposals are judged against (the plan's 'Đăng ký từ đầu năm' condition) and compared with."""
    if read is not None:
        register = read.scope.register
    scope = make_scope(plan, period_code, clusters, check, register)
    plan = scope.plan                       # a peak campaign's own plan (plan.for_period)
    if read is None:
        read = read_inputs(inputs, plan, period_code, out=out, workers=workers, check=check, progress=progress,
                           register=register)
        outcomes, entries, earlier_read = read.outcomes, list(read.entries), read.earlier
    else:
        outcomes, entries, earlier_read = copy.deepcopy(read.outcomes), copy.deepcopy(read.entries), None
        if read.earlier is not None and read.earlier[0] == _single_output(out):
            earlier_read = copy.deepcopy(read.earlier)
    earlier = _earlier_record(out, scope, entries, workers, earlier_read)
    t1 = time.perf_counter()
    candidates = INV.assemble(outcomes, entries)
    candidates = [c for c in candidates if _in_scope(c, entries, scope)]
    review = LV.gather(outcomes, scope, earlier)
    year = scope.period.is_year
    winners, conflicts = INV.resolve_duplicates(candidates, entries, review.choice, plan, per_period=year)
    _note_edited(outcomes, winners, entries, plan)
    records = [c.record for c in candidates]
    coverage = {}
    if year:                       # each unit's periods combined by the plan's rules (consolidate.year)
        by_unit: dict[str, dict] = {}
        for w in winners:
            by_unit.setdefault(w.record.unit, {})[w.record.period] = w.record
        by_code = {}
        for unit, periods in by_unit.items():
            rec, coverage[unit] = YR.combine(plan, unit, periods)
            by_code[unit] = UnitResult(rec, evaluate(rec, plan, scope.period, scope.today))
    else:
        by_code = {c.record.unit: UnitResult(c.record, c.ev) for c in winners}
    expected = scope.expected
    results = {u.code: by_code[u.code] for u in expected if u.code in by_code}
    overrides = LV.apply_marks(results, review, plan, scope.period, scope.today)
    LV.set_states(results, review)
    for r in results.values():
        CP.timing(r, scope.period)
    moves = RK.apply_caps(plan, list(results.values()))
    clusters_ = list(scope.clusters)
    names = {u.code: u.name for u in plan.units}
    ranked, leaders = {}, {}
    for code in clusters_:
        members = [r for r in results.values() if r.ev.cluster == code]
        ranked[code] = RK.rank_cluster([r for r in members if r.state != RV.NEEDS_MORE])
        for r in members:
            if r.state == RV.NEEDS_MORE:          # sent back: not ranked until it is verified
                r.rank, r.rank_note = None, f"chưa xếp hạng: {LV.returned_text(r)}"
        leaders[code] = RK.leader(code, ranked[code], names)
    comp = CP.completeness(plan, scope.period, expected, results, clusters_)
    targets = IN.industry_targets(plan, scope.period, expected, results)
    kinds = IN.by_kind(plan, expected, results)
    per_cluster = [IN.distribution(plan, code, [u for u in expected if u.cluster == code], results)
                   for code in clusters_]
    attain = IN.attainment_by_cluster(plan, scope.period, expected, results, clusters_)
    props = AW.proposals(plan, [AW.UnitEntry(code, members_of_record(plan, r.record), r.record.collective, r.rating,
                                             registrations.start(code, r.timing_date, r.timing_basis)
                                             if registrations is not None and not scope.period.peak else None,
                                             r.ev.total)
                                for code, r in results.items()])
    props = LV.hold_back(props, results, review)
    t2 = time.perf_counter()
    return Consolidation(plan, scope.period, scope, datetime.now().replace(microsecond=0), entries, results,
                         records, comp, ranked, leaders, moves, targets, kinds, per_cluster, attain,
                         {"read": read.seconds, "compute": t2 - t1}, props, review=review, overrides=overrides,
                         conflicts=conflicts, register=register, registrations=registrations,
                         coverage={u: coverage[u] for u in results if u in coverage})


def _single_output(out) -> Path | None:
    """The output path when there is one (not a list of them, not none)."""
    return Path(out) if out is not None and not isinstance(out, (list, tuple)) else None


def _earlier_record(out, scope: Scope, entries: list[FileEntry], workers, read=None):
    """This level's earlier workbook at the output path (the button and a re-run overwrite it):
    read, contained like any input, for its record only; listed in the inventory. `read`: (path,
    Outcome) of this output path when read_inputs already read it with the inputs."""
    path = _single_output(out)
    if read is not None:
        o = read[1]
    elif path is not None and path.is_file():
        from .collect import inspect_record
        o = inspect_record(path, scope, workers=0 if workers == 0 else 1)
    else:
        return None
    e = o.entry
    own = o.record and o.record["level"] == LV.own_level(scope) and o.meta.get("period_code") == scope.period.code \
        and (scope.industry or set(o.record["clusters"]) == set(scope.clusters))
    for i, x in enumerate(entries):            # read_inputs listed it as the output it overwrites
        if x.code == "own_output" and x.name == e.name and x.folder == e.folder:
            del entries[i]
            break
    e.code = "earlier_record"
    if own:
        rec = o.record["entered"]
        e.status = RV_INCLUDED
        e.reason = (f"Bảng tổng hợp lần trước ở chính đường dẫn kết quả (sẽ được ghi đè): đã lấy lại phần cấp "
                    f"{RV.LEVEL_LABELS[o.record['level']].lower()} đã nhập — {len(rec.marks)} ô chấm điểm, "
                    f"{len(rec.units)} đơn vị xét duyệt, {len(rec.meetings)} dòng họp cụm/duyệt cụm; số liệu đơn vị "
                    "lấy từ các tệp nộp về.")
    else:
        why = ("không phải bảng tổng hợp cùng phạm vi" if o.record else
               f"không dùng được như bảng tổng hợp ({e.reason.rstrip('.')})" if e.reason else
               "không phải bảng tổng hợp")
        e.status = REJECTED
        e.reason = (f"Tệp kết quả cũ ở đường dẫn này (sẽ được ghi đè) {why}; không lấy phần chấm điểm, xét duyệt "
                    "của tệp này.")
    entries.append(e)
    return o if own else None


def _note_edited(outcomes, winners, entries: list[FileEntry], plan: Plan) -> None:
    """A carried row edited after sealing: when the unit's original form is among the inputs, say
    that the original was used and how the edited row differs from it."""
    used = {(c.record.unit, c.record.period): c for c in winners}
    for o in outcomes:
        for rec in o.edited:
            win = used.get((rec.unit, rec.period))
            row = next((e for e in entries if e.code == "edited_row" and e.unit == rec.unit and e.via == rec.via), None)
            if row is None:
                continue
            if win is None or win.record.via:
                row.reason += " Chưa có biểu mẫu gốc của đơn vị trong các tệp đã nhận: hãy lấy biểu mẫu gốc."
                continue
            diff = INV.differences(plan, win.record, rec)
            shown = "; ".join(f"{what}: biểu mẫu gốc {_v(a)}, bảng tổng hợp {_v(b)}" for what, a, b in diff[:8])
            row.reason += (f" Đã dùng biểu mẫu gốc '{win.record.file}'"
                           + (f"; khác nhau ở: {shown}" if shown else "; số liệu giống biểu mẫu gốc") + ".")


def _v(x) -> str:
    return "(trống)" if x in (None, "") else str(x)


def members_of_record(plan: Plan, record: UnitRecord) -> tuple:
    """The submission's member rows as awards.Member (the same reading as the form's check)."""
    from ..check.awards import member_from_row
    found = (member_from_row(plan, i + 1, row) for i, row in enumerate(record.members))
    return tuple(m for m in found if m is not None)


def _in_scope(c: INV.Candidate, entries: list[FileEntry], scope: Scope) -> bool:
    """A unit of a cluster outside this consolidation: listed as out of scope, not counted."""
    refusal = admit(c.record.unit, scope)
    if refusal is None:
        return True
    e = entries[c.entry]
    e.status, e.code, e.reason = OUT_OF_SCOPE, refusal[0], refusal[1]
    return False


def run(inputs, plan: Plan, period_code: str, out: str | Path, clusters=None, *, workers: int | None = None,
        check: bool = False, progress=None, register=None, registrations=None, extend=None) -> Consolidation:
    """Consolidate and write the workbook (atomically); the result carries timings.
    `progress(done, total)`: files read. `extend(result)`: what else the workbook carries, added
    before it is written (earlier years' progress, the comparison over time)."""
    from .workbook import write_consolidation
    with _collector_paused():
        result = consolidate(inputs, plan, period_code, clusters, out=out, workers=workers, check=check,
                             progress=progress, register=register, registrations=registrations)
        if extend is not None:
            extend(result)
        t = time.perf_counter()
        write_consolidation(result, out)
        result.seconds["write"] = time.perf_counter() - t
    return result


@contextmanager
def _collector_paused():
    """A consolidation builds millions of objects that live until it ends and makes almost no
    cyclic garbage; Python's cycle collector would walk them again and again (about a fifth of
    the computing time at 8,000 forms). Reference counting still frees everything as usual."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()
