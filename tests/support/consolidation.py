"""Fixtures and helpers of the consolidation tests: the demo province's inbox with the demo's bad
files planted (in a copy: the shared province folder stays as other tests expect it), its
consolidation, and an independent recomputation of the industry figures from the raw values
the simulated staff typed (FilledForm.expected) and the self-scores read back with openpyxl.
"""
from __future__ import annotations

import dataclasses
import functools
import hashlib
import math
import random
import shutil
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

PERIOD = "dot-1"


@dataclasses.dataclass
class Inbox:
    folder: Path
    filled: list            # FilledForm, paths in `folder`
    missing: list           # Unit
    bad: dict               # file name -> what plant_bad_files says it is
    fingerprint: dict       # file name -> (sha256, size, mtime_ns) before consolidating


def fingerprint(folder: Path) -> dict:
    return {p.name: (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_size, p.stat().st_mtime_ns)
            for p in sorted(folder.iterdir()) if p.is_file()}


@pytest.fixture(scope="session")
def inbox(province, workdir) -> Inbox:
    from thidua.demo.run import plant_bad_files
    filled, missing = province
    folder = workdir / "hop_thu"
    shutil.copytree(filled[0].path.parent, folder)           # copy2: modification times kept
    copies = [dataclasses.replace(f, path=folder / f.path.name) for f in filled]
    bad = plant_bad_files(folder, copies, random.Random(3))
    return Inbox(folder, copies, missing, bad, fingerprint(folder))


@pytest.fixture(scope="session")
def consolidated(plan, inbox, workdir):
    """(Consolidation, path) of the whole industry from the inbox."""
    from thidua.consolidate.core import run
    out = workdir / "tong_hop" / "tong_hop_nganh.xlsx"
    return run([inbox.folder], plan, PERIOD, out), out


@pytest.fixture(scope="session")
def cluster_books(plan, inbox, workdir) -> list[Path]:
    """One consolidation workbook per cluster, made from the same inbox (read once)."""
    from thidua.consolidate.core import consolidate, read_inputs
    from thidua.consolidate.workbook import write_consolidation
    read = read_inputs([inbox.folder], plan, PERIOD)
    folder = workdir / "tong_hop_cum"
    return [write_consolidation(consolidate([inbox.folder], plan, PERIOD, [c.code], read=read),
                                folder / f"tong_hop_{c.code}.xlsx") for c in plan.clusters]


# --- reading an output workbook, independently of thidua's reader ------------------------------
@functools.lru_cache(maxsize=64)
def _load(path: str, stamp: int, data_only: bool):
    return load_workbook(path, data_only=data_only)


def load(path: Path, data_only: bool = True):
    """openpyxl's workbook, loaded once per file version (read-only use)."""
    return _load(str(path), Path(path).stat().st_mtime_ns, data_only)


def table_rows(path: Path, name: str, data_only: bool = True) -> list[dict]:
    wb = load(path, data_only=data_only)
    for ws in wb.worksheets:
        if name in ws.tables:
            min_col, min_row, max_col, max_row = range_boundaries(ws.tables[name].ref)
            grid = [[c.value for c in row] for row in ws.iter_rows(min_row=min_row, max_row=max_row,
                                                                   min_col=min_col, max_col=max_col)]
            return [dict(zip(grid[0], r)) for r in grid[1:]]
    raise KeyError(name)


def table_cells(path: Path, name: str):
    """(worksheet, {header: column index}, data cell rows) with openpyxl cells (formulas kept)."""
    wb = load(path, data_only=False)
    for ws in wb.worksheets:
        if name in ws.tables:
            min_col, min_row, max_col, max_row = range_boundaries(ws.tables[name].ref)
            rows = list(ws.iter_rows(min_row=min_row, max_row=max_row, min_col=min_col, max_col=max_col))
            return ws, {c.value: j for j, c in enumerate(rows[0])}, rows[1:]
    raise KeyError(name)


# --- an independent recomputation --------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def self_scores(path: Path) -> dict[str, float]:
    rows = table_rows(path, "tblScores")
    return {r["Mã"]: r["Tự chấm"] for r in rows if isinstance(r["Tự chấm"], (int, float))}


def _plain(v):
    return None if isinstance(v, tuple) else v          # ("invalid", text): unreadable -> blank


def unit_values(plan, filled) -> dict:
    """Field values of one filled form with derived ratios (the sample plan's are all a / b)."""
    kind = filled.unit.kind
    values = {code: _plain(v) for code, v in filled.expected.items()}
    for f in plan.fields_for(kind):
        if f.is_derived:
            a, b = (x.strip() for x in f.formula.split("/"))
            num, den = values.get(a), values.get(b)
            ok = all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (num, den))
            values[f.code] = num / den if ok and den != 0 else None
    return values


def met(t, v) -> bool:
    if v is None:
        return False
    if t.comparator == "yes":
        return v is True
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        return False
    return {">=": v >= t.value - 1e-9, "<=": v <= t.value + 1e-9, "=": abs(v - t.value) <= 1e-9,
            "range": v >= t.value - 1e-9}[t.comparator]


def eligible(plan, unit) -> bool:
    if unit.active_since is None:
        return True
    need = plan.info.min_months_after_merger if unit.merged else plan.info.min_months_active
    start = unit.active_since
    years, month0 = divmod(start.month - 1 + need, 12)
    return date(start.year + years, month0 + 1, min(start.day, 28)) <= date(plan.info.year + 1, 1, 1)


def score(plan, filled, upper: dict | None = None) -> tuple[float, str | None]:
    """(total, rating) by the plan's score sheet, thresholds and floors; `upper`: the upper
    levels' marks by criterion, each replacing that criterion's points (within 0..points)."""
    kind = filled.unit.kind
    values = unit_values(plan, filled)
    own = self_scores(filled.path)
    upper = upper or {}
    groups = {}
    for g in plan.groups_for(kind):
        pts = 0.0
        for c in (c for c in plan.criteria if c.group == g.code):
            if c.code in upper:
                got = min(c.points, max(0.0, upper[c.code]))
            elif c.method == "self":
                got = min(c.points, max(0.0, own.get(c.code) or 0.0))
            else:
                t = plan.target_by_code[c.target]
                v = values.get(t.field)
                if c.method == "all_or_nothing":
                    got = c.points if met(t, v) else 0.0
                else:
                    ok = isinstance(v, (int, float)) and not isinstance(v, bool)
                    got = round(c.points * max(0.0, min(1.0, v / t.value)), 2) if ok else 0.0
            pts += got
        groups[g.code] = (round(pts, 2), g)
    total = round(sum(s for s, _ in groups.values()), 2)
    if not eligible(plan, filled.unit):
        return total, None
    floors_ok = all(s >= (g.floor or 0) * g.max_points - 1e-9 for s, g in groups.values())
    for r in sorted(plan.ratings, key=lambda r: r.rank):
        if total >= r.min_score - 1e-9 and (floors_ok or not r.needs_floor):
            return total, r.code
    return total, None


def expected_industry(plan, filled_list) -> dict[str, tuple]:
    """target code -> (numerator, denominator) as the plan's wording defines them."""
    period = plan.period(PERIOD)
    expected = plan.active_units(period)
    got = {f.unit.code: f for f in filled_list}
    ratings = {code: score(plan, f)[1] for code, f in got.items()}
    rank = {r.code: r.rank for r in plan.ratings}
    out = {}
    for t in plan.industry_targets():
        pop = [u for u in expected if t.applies_to == "all" or u.kind == t.applies_to]
        if t.measure == "share_met":
            ref = plan.target_by_code[t.ref]
            n = sum(1 for u in pop if u.code in got and met(ref, unit_values(plan, got[u.code]).get(ref.field)))
            out[t.code] = (n, len(pop))
        elif t.measure == "share_rating_at_least":
            pop = [u for u in pop if eligible(plan, u)]
            n = sum(1 for u in pop if ratings.get(u.code) and rank[ratings[u.code]] <= rank[t.ref])
            out[t.code] = (n, len(pop))
        elif t.measure == "count_rating":
            out[t.code] = (sum(1 for u in pop if ratings.get(u.code) == t.ref), len(pop))
        elif t.measure == "sum":
            vals = [unit_values(plan, got[u.code]).get(t.ref) for u in pop if u.code in got]
            out[t.code] = (sum(v for v in vals if isinstance(v, (int, float)) and not isinstance(v, bool)), len(pop))
        elif t.measure == "count_new_units":
            n = sum(1 for u in pop if u.active_since and date(plan.info.year, 1, 1) <= u.active_since <= period.end)
            out[t.code] = (n, None)
    return out


def floor_share(cap: float, n: int) -> int:
    return math.floor(cap * n + 1e-9)
