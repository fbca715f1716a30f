"""Multi-year programmes (issue 14, Deliver 4): a stage target ("Giai đoạn 2021–2030 phát triển
2.000–3.000 đoàn viên") gets its earlier years from earlier years' consolidation workbooks (their
raw table, recomputed) and from the plan's table Kết quả các năm trước, and a pace verdict for
the industry and each cluster. Expected figures are computed here from the values typed into the
earlier workbooks, the forms of this year and the plan's rows."""
from __future__ import annotations

import dataclasses
import random
from datetime import date
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook

from support.consolidation import PERIOD, table_rows, unit_values
from support.libreoffice import convert
from thidua.cli import main
from thidua.consolidate import programme as PG
from thidua.consolidate.records import INCLUDED
from thidua.consolidate.workbook import write_consolidation
from thidua.demo.edits import set_table_rows
from thidua.plan import schema
from thidua.plan.template import sample_rows, write_plan

MEMBERS, UNITS = "N_NCL_DVMOI_GD", "N_NCL_CDCSMOI_GD"
FIELD = "doan_vien_moi"
YEAR = 2026
ELAPSED = 5 + 181 / 365                # Đợt 1 of 2026 ends 30/06: 181 of 365 days of the sixth year


# --- independent statements of the rule -------------------------------------------------------------
def verdict(achieved, minimum, stretch, pace, missing=False):
    if stretch is not None and achieved >= stretch * pace - 1e-9:
        return "Vượt tiến độ"
    if achieved >= minimum * pace - 1e-9:
        return "Đúng tiến độ"
    return "Thiếu số liệu" if missing else "Chậm tiến độ"


def plan_rows() -> dict[tuple, float]:
    """(target, year, scope) -> value, from the sample plan's CSV text."""
    return {(r["Mã chỉ tiêu"], int(r["Năm"]), r["Phạm vi"]): float(r["Giá trị"])
            for r in sample_rows(schema.EARLIER_RESULTS)}


def ncl(plan, cluster=None):
    return [u for u in plan.units if u.kind == "non_public" and (cluster is None or u.cluster == cluster)]


# --- two earlier years, written by the real writer under another plan id and year -------------------
def year_plan(plan, y: int):
    back = YEAR - y

    def shift(d):
        return d.replace(year=d.year - back)
    periods = tuple(dataclasses.replace(p, start=shift(p.start), end=shift(p.end), deadline=shift(p.deadline))
                    for p in plan.periods)
    return dataclasses.replace(plan, info=dataclasses.replace(plan.info, plan_id=f"KH-TĐ-{y}/CĐNYT", year=y),
                               periods=periods, earlier=())


def write_year(c, plan_y, period: str, clusters, records, path):
    p = plan_y.period(period)
    scope = dataclasses.replace(c.scope, plan=plan_y, period=p, clusters=tuple(clusters or c.scope.clusters),
                                industry=clusters is None)
    cy = dataclasses.replace(c, plan=plan_y, period=p, scope=scope, records=records)
    cy.programme = None                 # its own year's programme, not this one's
    return write_consolidation(cy, path)


@pytest.fixture(scope="module")
def earlier(plan, consolidated, tmp_path_factory):
    """2024: the industry's year-end workbook, one unit's raw row edited after writing, one blank, one
    typed '15 người', a duplicate copy with another figure; 2025: the year-end workbooks of clusters
    C08 and C09, C09's holding both periods (Đợt 1 smaller: the field counts from 1 January)."""
    c, _ = consolidated
    out = tmp_path_factory.mktemp("earlier")
    rng = random.Random(24)
    base = [r for r in c.records if r.status == INCLUDED and r.unit in plan.unit_by_code]
    reported_ncl = [r.unit for r in base if plan.unit(r.unit).kind == "non_public"]
    assert len(reported_ncl) >= 6
    typed: dict[tuple, float] = {}        # (year, unit) -> the year's figure, None: not counted

    def rec(r, y, period, value):
        values = dict(r.values)
        values[FIELD] = value
        return dataclasses.replace(r, period=period, plan_id=f"KH-TĐ-{y}/CĐNYT", values=values)

    # 2024, the industry
    recs, blank, text_unit, edited = [], reported_ncl[0], reported_ncl[1], reported_ncl[2]
    for r in base:
        v = rng.randint(3, 40)
        if r.unit == blank:
            recs.append(rec(r, 2024, "dot-2", None))
            typed[(2024, r.unit)] = None
        elif r.unit == text_unit:
            recs.append(rec(r, 2024, "dot-2", "15 người"))
            typed[(2024, r.unit)] = 15
        else:
            recs.append(rec(r, 2024, "dot-2", v))
            typed[(2024, r.unit)] = v
    dup = next(r for r in base if r.unit == reported_ncl[3])
    recs.append(dataclasses.replace(rec(dup, 2024, "dot-2", 900), status="duplicate", sha256="f" * 64))
    typed[(2024, edited)] = None                      # its row is edited below: not used
    b2024 = write_year(c, year_plan(plan, 2024), "dot-2", None, recs, out / "tong_hop_nganh_2024.xlsx")
    set_table_rows(b2024, "tblUnitInputs", ("Mã đơn vị",), {(edited,): {f"SL:{FIELD}": 777}})

    # 2025, the clusters of the non-public units
    p25 = year_plan(plan, 2025)
    books = []
    for code in ("C08", "C09"):
        mine = [r for r in base if plan.unit(r.unit).cluster == code]
        recs = []
        for r in mine:
            first, year_total = rng.randint(0, 20), rng.randint(20, 60)
            if code == "C09":
                recs.append(rec(r, 2025, "dot-1", first))
            recs.append(rec(r, 2025, "dot-2", year_total))
            typed[(2025, r.unit)] = year_total
        books.append(write_year(c, p25, "dot-2", [code], recs, out / f"tong_hop_cum_{code}_2025.xlsx"))
    return SimpleNamespace(b2024=b2024, b2025=books, typed=typed, edited=edited, folder=out)


def expected_members(plan, inbox, earlier, cluster=None) -> dict[int, float]:
    """Each year's new non-public members for the industry (cluster None) or one cluster."""
    rows = plan_rows()
    scope = cluster or "Ngành"
    units = {u.code for u in ncl(plan, cluster)}
    out = {y: rows[(MEMBERS, y, scope)] for y in (2021, 2022, 2023)}
    for y in (2024, 2025):
        out[y] = sum(v for (yy, u), v in earlier.typed.items() if yy == y and u in units and v is not None)
    this = 0
    for f in inbox.filled:
        v = unit_values(plan, f).get(FIELD)
        if f.unit.code in units and isinstance(v, (int, float)) and not isinstance(v, bool):
            this += v
    out[YEAR] = this
    return out


def expected_units(plan, cluster=None) -> dict[int, float]:
    """Each year's new non-public CĐCS: the plan's rows for the industry, the unit list for a cluster."""
    rows = plan_rows()
    out = {}
    for y in range(2021, YEAR):
        if cluster is None:
            out[y] = rows[(UNITS, y, "Ngành")]
        else:
            out[y] = sum(1 for u in ncl(plan, cluster) if u.active_since and u.active_since.year == y)
    end = plan.period(PERIOD).end
    out[YEAR] = sum(1 for u in ncl(plan, cluster) if u.active and u.active_since
                    and date(YEAR, 1, 1) <= u.active_since <= end)
    return out


@pytest.fixture(scope="module")
def run_cli(plan_path, inbox, earlier, tmp_path_factory):
    out = tmp_path_factory.mktemp("programme") / "tong_hop_nganh.xlsx"
    args = ["consolidate", str(inbox.folder), "--plan", str(plan_path), "--period", PERIOD, "-o", str(out),
            "--earlier-years", str(earlier.b2024), *map(str, earlier.b2025)]
    status = main(args)
    return status, out


def test_progress_from_two_earlier_years_workbooks_and_the_plan(plan, inbox, earlier, run_cli):
    status, out = run_cli
    assert status in (0, 1)                       # 1: the inbox holds the demo's bad files
    rows = {(r["Mã chỉ tiêu"], r["Phạm vi"]): r for r in table_rows(out, "tblProgrammeProgress")}
    share = {"Ngành": 1.0, **{k: len([u for u in ncl(plan, k) if u.active]) / len([u for u in ncl(plan) if u.active])
                              for k in ("C08", "C09")}}
    assert set(rows) == {(t, s) for t in (MEMBERS, UNITS) for s in ("Ngành", "C08", "C09")}
    for target, low, high, want_of in ((MEMBERS, 2000, 3000, lambda k: expected_members(plan, inbox, earlier, k)),
                                       (UNITS, 7, 10, lambda k: expected_units(plan, k))):
        for scope in ("Ngành", "C08", "C09"):
            want = want_of(None if scope == "Ngành" else scope)
            row = rows[(target, scope)]
            for y, v in want.items():
                assert row[str(y)] == pytest.approx(v), (target, scope, y)
            total = sum(want.values())
            assert row["Lũy kế"] == pytest.approx(total), (target, scope)
            pace = round(ELAPSED, 4) / 10
            assert row["Tỷ lệ tiến độ"] == pytest.approx(pace)
            lo, hi = low * share[scope], high * share[scope]
            assert row["Cần đạt tối thiểu"] == pytest.approx(lo * pace)
            assert row["Cần đạt phấn đấu"] == pytest.approx(hi * pace)
            assert row["Kết quả"] == verdict(total, lo, hi, pace), (target, scope, total, lo * pace)
            assert "sau 5,5/10 năm (2021–2026, đến 30/06/2026)" in row["Diễn giải"]
            assert row["Kết quả"].lower() in row["Diễn giải"]
    # where each year came from
    years = {(r["Mã chỉ tiêu"], r["Phạm vi"], r["Năm"]): r for r in table_rows(out, "tblProgrammeYears")}
    assert years[(MEMBERS, "Ngành", 2022)]["Lấy từ"] == PG.FROM_PLAN
    assert years[(MEMBERS, "Ngành", 2024)]["Lấy từ"] == PG.FROM_WORKBOOK
    assert "tong_hop_nganh_2024.xlsx" in years[(MEMBERS, "Ngành", 2024)]["Chi tiết nguồn"]
    assert years[(MEMBERS, "C09", 2025)]["Lấy từ"] == PG.FROM_WORKBOOK
    assert years[(MEMBERS, "Ngành", 2025)]["Lấy từ"] == PG.FROM_WORKBOOK     # C08 and C09 cover the kind
    assert years[(MEMBERS, "Ngành", YEAR)]["Lấy từ"] == PG.FROM_THIS_YEAR
    assert years[(UNITS, "C09", 2023)]["Lấy từ"] == PG.FROM_UNIT_LIST
    assert years[(UNITS, "Ngành", 2023)]["Lấy từ"] == PG.FROM_PLAN
    # the edited row and the plan's differing rows are said, on the sheet
    wb = load_workbook(out, read_only=True)
    text = "\n".join(str(c) for row in wb["Tiến độ giai đoạn"].iter_rows(values_only=True) for c in row if c)
    assert f"dòng đã bị sửa sau khi lập, không dùng ({earlier.edited}" in text
    assert "N_NCL_DVMOI_GD, năm 2024, toàn ngành: kế hoạch ghi 147, tính lại từ bảng tổng hợp được" in text
    assert PG.PACE_RULE in text


def test_summary_says_the_progress_and_the_rule(plan, inbox, earlier, run_cli):
    _, out = run_cli
    wb = load_workbook(out, read_only=True)
    summary = [str(c) for row in wb["Tóm tắt"].iter_rows(values_only=True) for c in row if c]
    want = expected_members(plan, inbox, earlier)
    total = sum(want.values())
    pace = round(ELAPSED, 4) / 10
    line = next(x for x in summary if x.startswith("Đoàn viên mới 2021–2030 — toàn ngành:"))
    shown = f"{total:,.0f}".replace(",", ".")
    assert f"lũy kế đạt {shown} người sau 5,5/10 năm" in line
    assert f"mục tiêu 2.000 – 3.000 người: {verdict(total, 2000, 3000, pace).lower()}" in line
    assert any(x.startswith("Đoàn viên mới 2021–2030 theo cụm:") for x in summary)
    assert PG.PACE_RULE in summary
    targets = {r["Mã chỉ tiêu"]: r for r in table_rows(out, "tblIndustryTargets")}
    assert targets[MEMBERS]["Kết quả"] == "Lũy kế giai đoạn"
    assert "tiến độ cả giai đoạn ở trang 'Tiến độ giai đoạn'" in targets[MEMBERS]["Diễn giải"]


def test_a_cluster_consolidation_follows_its_own_cluster(plan, inbox, consolidated, earlier):
    from thidua.consolidate.core import consolidate
    c9 = consolidate([inbox.folder], plan, PERIOD, ["C09"])
    prog = PG.progress(c9, [str(earlier.b2024), *map(str, earlier.b2025)])
    assert {(r.target.code, r.scope) for r in prog.rows} == {(MEMBERS, "C09"), (UNITS, "C09")}
    row = next(r for r in prog.rows if r.target.code == MEMBERS)
    want = expected_members(plan, inbox, earlier, "C09")
    assert {y.year: y.value for y in row.years} == pytest.approx(want)
    c5 = consolidate([inbox.folder], plan, PERIOD, ["C05"])      # no non-public unit: no row, a sentence
    c5.programme = PG.progress(c5)
    assert c5.programme.rows == []


def test_the_years_and_the_pace_at_the_boundaries(plan):
    assert PG.elapsed_years(2021, 2030, 2026, date(2026, 6, 30)) == pytest.approx(5 + 181 / 365)
    assert PG.elapsed_years(2021, 2030, 2026, date(2026, 12, 31)) == 6
    assert PG.elapsed_years(2021, 2030, 2028, date(2028, 6, 30)) == pytest.approx(7 + 182 / 366)
    assert PG.elapsed_years(2021, 2030, 2030, date(2030, 12, 31)) == 10
    assert PG.elapsed_years(2021, 2030, 2021, date(2021, 1, 1)) == pytest.approx(1 / 365)
    # the rule itself: exactly at the mark is on pace, a hair below is behind
    assert PG.pace_verdict(1200, 2000, 3000, 0.6, "range") == "Đúng tiến độ"
    assert PG.pace_verdict(1199.999, 2000, 3000, 0.6, "range") == "Chậm tiến độ"
    assert PG.pace_verdict(1199.999, 2000, 3000, 0.6, "range", missing=True) == "Thiếu số liệu"
    assert PG.pace_verdict(1800, 2000, 3000, 0.6, "range") == "Vượt tiến độ"
    assert PG.pace_verdict(1799.999, 2000, 3000, 0.6, "range") == "Đúng tiến độ"
    assert PG.pace_verdict(5000, 2000, None, 0.6, ">=") == "Đúng tiến độ"      # no stretch: never ahead
    assert PG.pace_verdict(10, 20, None, 0.6, "<=") == "Không xét tiến độ"


@pytest.mark.parametrize("earlier_sum,drop,want", [
    (1200, None, "Đúng tiến độ"), (1199, None, "Chậm tiến độ"), (1800, None, "Vượt tiến độ"),
    (1100, 2023, "Thiếu số liệu"), (1300, 2023, "Đúng tiến độ"),
])
def test_the_pace_end_to_end_at_the_year_end(plan, earlier_sum, drop, want):
    """The plan's rows alone, the year closed (6/10 years: 60%), nothing reported this year: the
    verdict flips exactly at 60% of the minimum and of the stretch; a year without figures counts 0
    and, when that leaves the sum short, is said instead of 'behind'."""
    years = [y for y in range(2021, 2026) if y != drop]
    per = [earlier_sum // len(years)] * len(years)
    per[-1] += earlier_sum - sum(per)
    rows = tuple(dataclasses.replace(plan.earlier[0], target=MEMBERS, year=y, scope="Ngành", value=v)
                 for y, v in zip(years, per))
    p = dataclasses.replace(plan, earlier=rows)
    period = p.period("dot-2")
    scope = SimpleNamespace(industry=True, clusters=tuple(c.code for c in p.clusters))
    c = SimpleNamespace(plan=p, period=period, scope=scope, clusters=list(scope.clusters),
                        expected=p.active_units(period), results={})
    row = next(r for r in PG.progress(c).rows if r.target.code == MEMBERS and r.scope == "Ngành")
    assert row.elapsed == 6 and row.achieved == earlier_sum
    assert row.verdict == want
    assert row.missing == ([drop] if drop else [])


def test_plan_check_names_each_bad_row_of_the_earlier_results(tmp_path, capsys):
    rows = [
        {"Mã chỉ tiêu": "N_NCL_DVMOI_GD", "Năm": "2022", "Phạm vi": "Ngành", "Giá trị": "150", "Nguồn": "Báo cáo"},
        {"Mã chỉ tiêu": "KHONG_CO", "Năm": "2022", "Phạm vi": "Ngành", "Giá trị": "1", "Nguồn": "x"},
        {"Mã chỉ tiêu": "N_NCL_DVMOI", "Năm": "2022", "Phạm vi": "Ngành", "Giá trị": "1", "Nguồn": "x"},
        {"Mã chỉ tiêu": "N_NCL_DVMOI_GD", "Năm": "2019", "Phạm vi": "Ngành", "Giá trị": "1", "Nguồn": "x"},
        {"Mã chỉ tiêu": "N_NCL_DVMOI_GD", "Năm": "2026", "Phạm vi": "Ngành", "Giá trị": "1", "Nguồn": "x"},
        {"Mã chỉ tiêu": "N_NCL_DVMOI_GD", "Năm": "2023", "Phạm vi": "C99", "Giá trị": "1", "Nguồn": "x"},
        {"Mã chỉ tiêu": "N_NCL_DVMOI_GD", "Năm": "2023", "Phạm vi": "Ngành", "Giá trị": "-5", "Nguồn": "x"},
        {"Mã chỉ tiêu": "N_NCL_DVMOI_GD", "Năm": "2022", "Phạm vi": "Toàn ngành", "Giá trị": "151", "Nguồn": "x"},
        {"Mã chỉ tiêu": "N_NCL_DVMOI_GD", "Năm": "2022", "Phạm vi": "C09", "Giá trị": "160", "Nguồn": "x"},
        {"Mã chỉ tiêu": "N_NCL_DVMOI_GD", "Năm": "hai", "Phạm vi": "C08", "Giá trị": "1", "Nguồn": ""},
    ]
    tables = {spec.name: sample_rows(spec) for spec in schema.PLAN_TABLES}
    tables[schema.EARLIER_RESULTS.name] = rows
    targets = [dict(r) for r in tables[schema.TARGETS.name]]
    for r in targets:
        if r["Mã chỉ tiêu"] == UNITS:
            r["Phạm vi"] = "Giai đoạn mới"            # a stage without its years
    tables[schema.TARGETS.name] = targets
    path = write_plan(tmp_path / "ke_hoach.xlsx", tables)
    assert main(["plan", "check", str(path)]) == 2
    err = capsys.readouterr().err
    sheet = "Trang 'Kết quả các năm trước'"
    first = 5                                     # the header sits on row 4 of a fresh plan
    want = {
        1: ("Mã chỉ tiêu", "'KHONG_CO' không có trong bảng Chỉ tiêu"),
        2: ("Mã chỉ tiêu", "'N_NCL_DVMOI' không phải chỉ tiêu cấp Ngành theo giai đoạn"),
        3: ("Năm", "năm 2019 nằm ngoài giai đoạn 2021–2030"),
        4: ("Năm", "năm 2026 không trước năm thi đua 2026"),
        5: ("Phạm vi", "'C99' không phải 'Ngành' hay mã một cụm"),
        6: ("Giá trị", "giá trị không được âm"),
        7: ("Năm", f"đã có ở dòng {first}"),
        9: ("Năm", "'hai'"),
    }
    for i, (column, text) in want.items():
        line = next((x for x in err.splitlines() if f"{sheet}, dòng {first + i}, cột '{column}'" in x), None)
        assert line is not None and text in line, (i, column, text, err)
    assert f"{sheet}, dòng {first + 9}, cột 'Nguồn': ô này không được để trống" in err
    # the industry's row of 2022 is below its clusters' (row 13): said at the industry's row, once
    mine = [x for x in err.splitlines() if f"{sheet}, dòng {first}," in x]
    assert len(mine) == 1 and "cột 'Giá trị'" in mine[0], mine
    assert f"số toàn ngành năm 2022 (150) nhỏ hơn tổng các cụm (160: dòng {first + 8})" in mine[0]
    assert "Trang 'Chỉ tiêu'" in err and "cần ghi năm đầu và năm cuối của giai đoạn" in err


def test_a_plan_without_the_table_still_reads(plan_path, tmp_path):
    from thidua.plan.read import read_plan
    wb = load_workbook(plan_path)
    del wb["Kết quả các năm trước"]
    wb.save(tmp_path / "cu.xlsx")
    old = read_plan(tmp_path / "cu.xlsx")
    assert old.earlier == () and old.fingerprint == read_plan(plan_path).fingerprint


def test_earlier_years_that_cannot_serve_are_a_user_error(plan_path, inbox, consolidated, tmp_path, capsys):
    _, this_year = consolidated
    out = str(tmp_path / "kq.xlsx")
    base = ["consolidate", str(inbox.folder), "--plan", str(plan_path), "--period", PERIOD, "-o", out]
    assert main([*base, "--earlier-years", str(plan_path)]) == 2
    err = capsys.readouterr().err
    assert "ke_hoach.xlsx: không phải bảng tổng hợp thi đua" in err
    assert main([*base, "--earlier-years", str(this_year)]) == 2
    assert "là bảng tổng hợp năm 2026, không phải năm trước năm 2026" in capsys.readouterr().err
    assert main([*base, "--earlier-years", f"2025={this_year}"]) == 2
    assert "ghi năm thi đua 2026, không phải năm 2025" in capsys.readouterr().err
    assert main([*base, "--earlier-years", str(tmp_path / "khong_co.xlsx")]) == 2
    assert not (tmp_path / "kq.xlsx").exists()


def test_the_workbook_opens_in_libreoffice_with_its_formulas(run_cli, tmp_path):
    """Fails, never skips, without LibreOffice."""
    from openpyxl.utils import range_boundaries
    _, out = run_cli
    lo = convert([out], tmp_path / "lo")[out]
    formulas, cached = load_workbook(out), load_workbook(out, data_only=True)
    theirs = load_workbook(lo, data_only=True)
    for sheet in ("Tiến độ giai đoạn", "Giai đoạn theo năm"):
        assert sheet in theirs.sheetnames
    ws = formulas["Tiến độ giai đoạn"]
    min_col, min_row, max_col, max_row = range_boundaries(ws.tables["tblProgrammeProgress"].ref)
    assert max_row - min_row == 6
    n = 0
    for row in ws.iter_rows(min_row=min_row + 1, max_row=max_row, min_col=min_col, max_col=max_col):
        for cell in row:
            if cell.data_type == "f":
                mine = cached["Tiến độ giai đoạn"][cell.coordinate].value
                assert theirs["Tiến độ giai đoạn"][cell.coordinate].value == pytest.approx(mine), cell.coordinate
                n += 1
    assert n == 6 * 4                      # Lũy kế, Tỷ lệ tiến độ, Cần đạt tối thiểu, Cần đạt phấn đấu
    years = theirs["Giai đoạn theo năm"]
    assert sum(1 for r in years.iter_rows(values_only=True) if r and r[0] in (MEMBERS, UNITS)) == 6 * 6
