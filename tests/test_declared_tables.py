"""Each declared table as written agrees with its declaration: the Excel Table is there under its
name, its header row is the declared headers in order, every formula cell is the declared formula
compiled for its row (so a formula's referenced columns are the ones its names say), number cells
carry their kind's format, and LibreOffice's recalculation of every formula equals the value
Python cached. One test per table of the cluster and industry consolidations and the findings
workbook; a table written but not listed here fails, so a new table comes with its test."""
from __future__ import annotations

import dataclasses
import re

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from support.consolidation import PERIOD
from support.libreoffice import convert
from thidua.write import sheets
from thidua.write.tables import KINDS, WHOLE, Col, TableError, TableSpec, compile_formula

TABLES = {
    "industry": ["tblIndustryTargets", "tblRatingDistribution", "tblClusterRatings", "tblClusterTargets",
                 "tblProgrammeProgress", "tblProgrammeYears",
                 "tblLeaders", "tblCompleteness", "tblMissing", "tblLate", "tblCum_*", "tblCapMoves",
                 "tblReminders", "tblProposals", "tblAwardCounts", "tblAwardTally", "tblInventory", "tblUnitInputs",
                 "tblMemberInputs", "tblConsolidationMeta", "tblScoreReview", "tblUnitReview", "tblClusterMeeting",
                 "tblOverrides", "tblConflicts"],
    "cluster": ["tblIndustryTargets", "tblRatingDistribution", "tblClusterRatings", "tblUnitScores",
                "tblClusterTargets", "tblLeaders", "tblCompleteness", "tblMissing", "tblLate", "tblCum_*",
                "tblCapMoves", "tblReminders", "tblProposals", "tblAwardCounts", "tblAwardTally", "tblInventory",
                "tblUnitInputs", "tblMemberInputs", "tblConsolidationMeta", "tblScoreReview", "tblUnitReview",
                "tblClusterMeeting", "tblOverrides", "tblConflicts"],
    "findings": ["tblFindings", "tblFiles"],
}
CASES = [(book, name) for book, names in TABLES.items() for name in names]


@pytest.fixture(scope="module")
def written(plan, inbox, tmp_path_factory, soffice):
    """{book: (path, LibreOffice's recalculated copy, [(sheet, spec, placed)])}, every table that
    Book.table rendered while the three workbooks were written."""
    from thidua.check.report import check_files, write_findings_workbook
    from thidua.consolidate.core import consolidate
    from thidua.consolidate.workbook import write_consolidation

    out = tmp_path_factory.mktemp("declared")
    seen: list = []
    original = sheets.Book.table

    def recording(self, ws, spec, row, records, **kw):
        placed = original(self, ws, spec, row, records, **kw)
        seen.append((ws.name, spec, placed))
        return placed

    # a cap on the top rating (cap moves are listed) and a cluster with a unit that never
    # reported (its missing list is a table): every conditional table gets written
    ratings = tuple(dataclasses.replace(r, cap=0.2) if r.code == "HTXSNV" else r for r in plan.ratings)
    capped = dataclasses.replace(plan, ratings=ratings)
    cluster = inbox.missing[0].cluster
    makers = {
        "industry": lambda p: write_consolidation(judged(consolidate([inbox.folder], capped, PERIOD)), p),
        "cluster": lambda p: write_consolidation(judged(consolidate([inbox.folder], capped, PERIOD, [cluster])), p),
        "findings": lambda p: write_findings_workbook(
            check_files([inbox.folder], plan), p, plan),
    }
    books = {}
    sheets.Book.table = recording
    try:
        for book, make in makers.items():
            seen = []
            path = out / f"{book}.xlsx"
            make(path)
            books[book] = (path, list(seen))
    finally:
        sheets.Book.table = original
    lo = convert([p for p, _ in books.values()], out / "lo")
    return {book: (path, lo[path], tables) for book, (path, tables) in books.items()}


def judged(c):
    """An upper-level mark and two differing copies of one unit, so their tables are written too."""
    from thidua.consolidate.inventory import Candidate, Conflict
    from thidua.consolidate.review import CLUSTER, Override
    r = next(iter(c.results.values()))
    code, data, own, _, final = r.ev.criteria[0]
    crit = c.plan.criterion_by_code[code] if hasattr(c.plan, "criterion_by_code") else \
        next(x for x in c.plan.criteria if x.code == code)
    c.overrides = [Override(r.unit, "Tên", r.ev.cluster, code, crit.label, crit.points, own, final, 0.0, "Ghi chú",
                            CLUSTER, "Người xem xét")]
    c.conflicts = [Conflict(r.unit, Candidate(r.record, r.ev, 0), Candidate(r.record, r.ev, 0),
                            [("Số sáng kiến", 3, 7)])]
    return c


def _find(written, book: str, name: str):
    path, lo, tables = written[book]
    pattern = re.compile(re.escape(name).replace(r"\*", ".+") + "$")
    found = [(sheet, spec, placed) for sheet, spec, placed in tables if pattern.match(spec.name)]
    assert found, f"{book}: no table {name} was written"
    return path, lo, found


def test_every_written_table_is_listed_here(written):
    for book, (_, _, tables) in written.items():
        listed = [re.compile(re.escape(n).replace(r"\*", ".+") + "$") for n in TABLES[book]]
        unlisted = sorted({spec.name for _, spec, _ in tables if not any(p.match(spec.name) for p in listed)})
        assert not unlisted, f"{book}: tables without a test: {unlisted}"


@pytest.mark.parametrize("book,name", CASES, ids=[f"{b}-{n}" for b, n in CASES])
def test_declared_table_agrees_with_what_was_written(written, book, name):
    path, lo, found = _find(written, book, name)
    formulas_wb, values_wb = load_workbook(path), load_workbook(path, data_only=True)
    theirs = load_workbook(lo, data_only=True)
    for sheet, spec, placed in found:
        ws = formulas_wb[sheet]
        assert spec.name in ws.tables, (sheet, spec.name)
        min_col, min_row, max_col, max_row = range_boundaries(ws.tables[spec.name].ref)
        assert (min_row - 1, min_col - 1) == (placed.header_row, placed.first_col)
        assert max_col - min_col + 1 == len(spec.columns)
        header = [c.value for c in ws[min_row][min_col - 1:max_col]]
        assert header == spec.headers
        compiled = 0
        for j, col in enumerate(spec.columns):
            for r in range(placed.first, placed.first + placed.n_rows):
                cell = ws.cell(r + 1, placed.first_col + j + 1)
                if col.formula and cell.data_type == "f":
                    assert _same(cell.value, compile_formula(col.formula, spec, r, placed.first_col,
                                                             placed.first, placed.last)), (sheet, cell.coordinate)
                    compiled += 1
                else:
                    assert cell.data_type != "f", f"{sheet}!{cell.coordinate}: a formula not declared"
                _assert_format(col, cell)
                if cell.data_type == "f":
                    _assert_recalculated(values_wb[sheet], theirs[sheet], cell.coordinate, cell.value)
            if col.formula and col.formula_if is None and placed.n_rows:
                assert compiled, f"{spec.name}: column {col.header} declares a formula but none was written"
            if col.total and placed.totals_row is not None:
                cell = ws.cell(placed.totals_row + 1, placed.first_col + j + 1)
                assert _same(cell.value, compile_formula(col.total, spec, placed.totals_row, placed.first_col,
                                                         placed.first, placed.last)), (sheet, cell.coordinate)
                _assert_recalculated(values_wb[sheet], theirs[sheet], cell.coordinate, cell.value)


def _same(written: str, compiled: str) -> bool:
    return written.lstrip("=") == compiled.lstrip("=")


def _assert_format(col: Col, cell) -> None:
    if cell.data_type not in ("n", "f") or not isinstance(cell.value if cell.data_type == "n" else 0, (int, float)):
        return
    if cell.data_type == "n" and cell.value is None:
        return
    kinds = set(KINDS) if col.kind_of else {col.kind}
    allowed = {KINDS[k][0] for k in kinds if KINDS[k][0]} | ({WHOLE} if kinds & {"num", "bold_num"} else set())
    if col.kind in ("raw", "text", "code", "wrap") and not col.kind_of:
        return                        # a machine or text column: numbers in General
    assert cell.number_format in allowed, (cell.coordinate, col.header, cell.number_format, allowed)


def _assert_recalculated(ours, theirs, coordinate: str, formula: str) -> None:
    mine, lo_value = ours[coordinate].value, theirs[coordinate].value
    if mine in (None, ""):
        assert lo_value in (None, ""), (coordinate, formula, lo_value)
    else:
        assert lo_value == pytest.approx(mine), (coordinate, formula, mine, lo_value)


# --- declarations that do not hold together fail where they are written -------------------------
def test_a_formula_naming_a_missing_column_fails_at_declaration():
    with pytest.raises(TableError, match="Tỷ lệ"):
        TableSpec("tblX", (Col("Đạt", "a", kind="int"), Col("Tỷ lệ đạt", None, kind="pct",
                                                                 formula="{Đạt}/{Tỷ lệ}")))
    with pytest.raises(TableError, match="repeated"):
        TableSpec("tblX", (Col("Đạt"), Col("Đạt")))


def test_a_formula_is_compiled_from_names_wherever_the_table_lands():
    spec = TableSpec("tblX", (Col("Mã"), Col("Đạt", kind="int"), Col("Phải báo cáo", kind="int"),
                              Col("Tỷ lệ", kind="pct", formula="IF({Phải báo cáo}=0,\"\",{Đạt}/{Phải báo cáo})",
                                  total="SUM({Đạt[]})")))
    assert compile_formula(spec.columns[3].formula, spec, 5, 0, 5, 9) == 'IF(C6=0,"",B6/C6)'
    assert compile_formula(spec.columns[3].formula, spec, 5, 2, 5, 9) == 'IF(E6=0,"",D6/E6)'   # two columns in
    assert compile_formula(spec.columns[3].total, spec, 10, 0, 5, 9) == "SUM(B6:B10)"
