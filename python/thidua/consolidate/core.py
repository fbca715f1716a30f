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
from ..plan.model import Period, Plan, Unit
from . import awards as AW
from . import completeness as CP
from . import industry as IN
from . import inventory as INV
from . import ranking as RK
from .collect import Scope, admit, inspect_all
from .records import OUT_OF_SCOPE, FileEntry, UnitRecord, UnitResult


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
        }


def make_scope(plan: Plan, period_code: str, clusters=None, check: bool = False) -> Scope:
    if period_code not in plan.period_by_code:
        codes = ", ".join(plan.period_by_code)
        raise ThiduaError(f"Không có đợt '{period_code}' trong kế hoạch. Các đợt: {codes}.")
    known = [c.code for c in plan.clusters]
    if clusters:
        wanted = list(dict.fromkeys(clusters))
        unknown = [c for c in wanted if c not in known]
        if unknown:
            raise ThiduaError(f"Không có cụm {', '.join(unknown)} trong kế hoạch. Các cụm: {', '.join(known)}.")
        return Scope(plan, plan.period(period_code), tuple(c for c in known if c in wanted), False, check)
    return Scope(plan, plan.period(period_code), tuple(known), True, check)


@dataclass
class Inputs:
    """What reading the input paths gave, before any output-specific decision; one reading can
    serve several consolidations (one per cluster, say)."""
    scope: Scope                     # plan, period, check; its clusters are not applied yet
    entries: list[FileEntry]         # inputs that do not exist or must not be read
    outcomes: list                   # collect.Outcome per path
    seconds: float
    n_files: int = 0                 # entries the inputs named (folders expanded)

    def clusters_present(self) -> list[str]:
        """Clusters (plan order) with at least one unit submission among the inputs."""
        plan = self.scope.plan
        seen = {plan.unit_by_code[rec.unit].cluster for o in self.outcomes for rec, _ in o.units}
        return [c.code for c in plan.clusters if c.code in seen]


def read_inputs(inputs, plan: Plan, period_code: str, *, out=None, workers: int | None = None,
                check: bool = False, progress=None) -> Inputs:
    """Read every input path once (in worker processes). `progress(done, total)`: files read."""
    from ..read.files import EXCLUDED, list_inputs
    t0 = time.perf_counter()
    scope = make_scope(plan, period_code, None, check)
    if not inputs:
        raise ThiduaError("Chưa chỉ thư mục hoặc tệp nào để tổng hợp.")
    outs = [Path(o) for o in (out if isinstance(out, (list, tuple)) else [out]) if o]
    found = list_inputs(inputs, outs)
    entries = [INV.own_output(f.path) for f in found if f.kind == EXCLUDED]
    outcomes = inspect_all([f for f in found if f.kind != EXCLUDED], scope, workers, progress)
    return Inputs(scope, entries, outcomes, time.perf_counter() - t0, len(found))


def consolidate(inputs, plan: Plan, period_code: str, clusters=None, *, out: str | Path | None = None,
                workers: int | None = None, check: bool = False, read: Inputs | None = None,
                progress=None) -> Consolidation:
    """Account for every file and recompute every unit with the plan, for the whole industry or
    the clusters given. `read` reuses a reading of the same inputs (it is not modified)."""
    scope = make_scope(plan, period_code, clusters, check)
    if read is None:
        read = read_inputs(inputs, plan, period_code, out=out, workers=workers, check=check, progress=progress)
        outcomes, entries = read.outcomes, list(read.entries)
    else:
        outcomes, entries = copy.deepcopy(read.outcomes), copy.deepcopy(read.entries)
    t1 = time.perf_counter()
    candidates = INV.assemble(outcomes, entries)
    candidates = [c for c in candidates if _in_scope(c, entries, scope)]
    winners = INV.resolve_duplicates(candidates, entries)
    records = [c.record for c in candidates]
    by_code = {c.record.unit: UnitResult(c.record, c.ev) for c in winners}
    expected = scope.expected
    results = {u.code: by_code[u.code] for u in expected if u.code in by_code}
    for r in results.values():
        CP.timing(r, scope.period)
    moves = RK.apply_caps(plan, list(results.values()))
    clusters_ = list(scope.clusters)
    names = {u.code: u.name for u in plan.units}
    ranked, leaders = {}, {}
    for code in clusters_:
        members = [r for r in results.values() if r.ev.cluster == code]
        ranked[code] = RK.rank_cluster(members)
        leaders[code] = RK.leader(code, ranked[code], names)
    comp = CP.completeness(plan, scope.period, expected, results, clusters_)
    targets = IN.industry_targets(plan, scope.period, expected, results)
    kinds = IN.by_kind(plan, expected, results)
    per_cluster = [IN.distribution(plan, code, [u for u in expected if u.cluster == code], results)
                   for code in clusters_]
    attain = IN.attainment_by_cluster(plan, scope.period, expected, results, clusters_)
    props = AW.proposals(plan, [AW.UnitEntry(code, members_of_record(plan, r.record), r.record.collective, r.rating)
                                for code, r in results.items()])
    t2 = time.perf_counter()
    return Consolidation(plan, scope.period, scope, datetime.now().replace(microsecond=0), entries, results,
                         records, comp, ranked, leaders, moves, targets, kinds, per_cluster, attain,
                         {"read": read.seconds, "compute": t2 - t1}, props)


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
        check: bool = False, progress=None) -> Consolidation:
    """Consolidate and write the workbook (atomically); the result carries timings.
    `progress(done, total)`: files read."""
    from .workbook import write_consolidation
    with _collector_paused():
        result = consolidate(inputs, plan, period_code, clusters, out=out, workers=workers, check=check,
                             progress=progress)
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
