"""Comparison over time (issue 14, deliver 5): the consolidation of Đợt 2 beside the workbooks of
Đợt 1 (same plan: recomputed from its raw tables) and of last year's Đợt 2 (another plan: read
from its declared tables), figures then / now / change / direction for units, a cluster and the
industry computed independently here from what was typed into the forms; files that are not
consolidation workbooks listed with the reason; the phase totals; LibreOffice opens the output
with its charts; the CLI option."""
from __future__ import annotations

import dataclasses
import shutil
import zipfile
from pathlib import Path

import pytest
from openpyxl import load_workbook

from support.consolidation import score, table_rows
from support.fixtures import CLEAN_PUBLIC, fill
from support.libreoffice import convert, find_soffice
from thidua import contract as C
from thidua.cli import main
from thidua.consolidate.compare import attach, compare
from thidua.consolidate.core import consolidate
from thidua.consolidate.workbook import write_consolidation
from thidua.forms.write import issue_forms

CLUSTERS = ("C01", "C02")
PREV_ID = "KH-TĐ-2025/CĐNYT"
SHEETS = ("So sánh theo thời gian", "Xu hướng theo thời gian", "Tổng kết giai đoạn")


class Filled:                       # what support.consolidation.score needs of a filled form
    def __init__(self, unit, path, expected):
        self.unit, self.path, self.expected = unit, path, expected


def last_year(plan):
    """The same province a year earlier: another plan id and year, the periods a year back."""
    def back(p):
        return dataclasses.replace(p, start=p.start.replace(year=p.start.year - 1),
                                   end=p.end.replace(year=p.end.year - 1),
                                   deadline=p.deadline.replace(year=p.deadline.year - 1))
    return dataclasses.replace(plan, info=dataclasses.replace(plan.info, plan_id=PREV_ID, year=plan.info.year - 1),
                               periods=tuple(back(p) for p in plan.periods))


@dataclasses.dataclass
class Period:
    plan: object
    code: str
    filled: dict                    # unit code -> Filled
    late: set
    path: Path | None = None        # its consolidation workbook
    result: object = None

    def expected_units(self, cluster=None):
        return [u for u in self.plan.active_units(self.plan.period(self.code))
                if cluster is None or u.cluster == cluster]


def make_period(plan, code, issued, inbox: Path, seed: int, report: str, late_report: str | None = None) -> Period:
    """Public units of two clusters fill their form; every `seed`-th one does not; figures, self
    scores and members vary by unit and period so that totals, ratings and targets move."""
    filled, late = {}, set()
    units = [(p, plan.unit(p.name.split("_")[1])) for p in issued]
    units = [(p, u) for p, u in units if u.cluster in CLUSTERS and u.kind == "public"]
    for i, (src, unit) in enumerate(units):
        if (i + seed) % 5 == 0:
            continue                                        # this period, the unit does not report
        values = {"hoi_nghi_cbccvc": "Không" if (i + seed) % 4 == 0 else "Có",
                  "so_sang_kien": 1 + (i * seed) % 5,
                  "kpcd_da_thu": 100_000_000 - ((i + seed) % 3) * 20_000_000}
        own = {c.code: (c.points * ((i + seed) % 3) / 2, None, "Có minh chứng.")
               for c in plan.criteria_for(unit.kind) if c.method == "self"}
        info = {"ngay_bao_cao": late_report if late_report and i % 6 == 1 else report}
        members = [{C.M_NAME: f"Người {i}-{k}", C.M_DEPT: "Khoa Nội", C.M_TITLE: "Lao động tiên tiến", C.M_DAYS: 2,
                    C.M_MONTHS: 24, C.M_DISCIPLINE: "Không"} for k in range(i % 3)]
        path = fill(plan, src, inbox / src.name, values=values, scores=own, info=info, members=members)
        expected = {k: {"Có": True, "Không": False}.get(v, v) if isinstance(v, str) else v
                    for k, v in {**CLEAN_PUBLIC, **values}.items()}
        filled[unit.code] = Filled(unit, path, expected)
        if late_report and i % 6 == 1:
            late.add(unit.code)
    return Period(plan, code, filled, late)


@pytest.fixture(scope="module")
def history(plan, issued, tmp_path_factory):
    """Đợt 1 and Đợt 2 of this year and Đợt 2 of last year, each consolidated; Đợt 1 and last
    year written as workbooks; a corrupt file, a plan workbook and a missing path beside them."""
    root = tmp_path_factory.mktemp("compare")
    d1 = make_period(plan, "dot-1", issued, root / "nop_ve_dot-1", 1, "05/07/2026", late_report="20/07/2026")
    prev = last_year(plan)
    y25 = make_period(prev, "dot-2", issue_forms(prev, "dot-2", root / "bieu_mau_2025"), root / "nop_ve_2025", 3,
                      "05/01/2026")
    d2 = make_period(plan, "dot-2", issue_forms(plan, "dot-2", root / "bieu_mau_dot-2"), root / "nop_ve_dot-2", 2,
                     "05/01/2027")
    for p, name in ((d1, "tong_hop_dot-1.xlsx"), (y25, "tong_hop_nganh_2025.xlsx")):
        p.result = consolidate([next(iter(p.filled.values())).path.parent], p.plan, p.code, workers=0)
        p.path = write_consolidation(p.result, root / "truoc" / name)
    d2.result = consolidate([next(iter(d2.filled.values())).path.parent], plan, "dot-2", workers=0)
    bad = root / "truoc" / "hong.xlsx"
    bad.write_bytes(b"PK\x03\x04 not really a workbook")
    other = shutil.copy(issued[0], root / "truoc" / "mot_bieu_mau.xlsm")
    missing = root / "truoc" / "khong_co.xlsx"
    comp = attach(d2.result, [d1.path, y25.path, bad, other, missing], workers=0)
    out = write_consolidation(d2.result, root / "tong_hop_dot-2.xlsx")
    return {"root": root, "d1": d1, "d2": d2, "y25": y25, "prev": prev, "comp": comp, "out": out, "bad": bad,
            "other": Path(other), "missing": missing}


def totals(period: Period) -> dict[str, tuple]:
    return {code: score(period.plan, f) for code, f in period.filled.items()}


def arrow(d) -> str:
    return "" if d is None else "↑" if d > 0 else "↓" if d < 0 else "="


def rating_text(period: Period, code: str) -> str:
    if code not in period.filled:
        return "Chưa nộp"
    return totals(period)[code][1] or "Chưa xếp loại"


# --- units --------------------------------------------------------------------------------------------
def test_every_unit_stands_beside_the_last_period_and_the_last_year(history):
    d1, d2, y25, out = history["d1"], history["d2"], history["y25"], history["out"]
    rows = {r["Mã đơn vị"]: r for r in table_rows(out, "tblCompareUnits")}
    expected_now = {u.code for u in d2.expected_units()}
    assert expected_now <= set(rows)                         # every unit of the scope has its row
    now, then, year = totals(d2), totals(d1), totals(y25)
    checked = 0
    for code in sorted(set(d2.filled) | set(d1.filled) | set(y25.filled)):
        r = rows[code]
        a = now[code][0] if code in now else None
        b = then[code][0] if code in then else None
        c = year[code][0] if code in year else None
        assert r["Điểm nay"] == (pytest.approx(a) if a is not None else None), code
        assert r["Điểm Đợt 1/2026"] == (pytest.approx(b) if b is not None else None), code
        assert r["Điểm Đợt 2/2025"] == (pytest.approx(c) if c is not None else None), code
        change = None if a is None or b is None else a - b
        assert (r["Thay đổi điểm so với Đợt 1/2026"] in (None, "")) == (change is None), code
        if change is not None:
            assert r["Thay đổi điểm so với Đợt 1/2026"] == pytest.approx(change, abs=1e-9), code
            checked += 1
        assert (r["Xu hướng điểm so với Đợt 1/2026"] or "") == arrow(change), code
        assert r["Xếp loại nay"] == rating_text(d2, code), code
        assert r["Xếp loại Đợt 1/2026"] == rating_text(d1, code), code
        assert r["Xếp loại Đợt 2/2025"] == rating_text(y25, code), code
    assert checked >= 10
    assert {"↑", "↓"} <= {r["Xu hướng điểm so với Đợt 1/2026"] for r in rows.values()}   # the data moves
    # a unit that did not report now: its row says so and no change is made up
    gone = next(c for c in d1.filled if c not in d2.filled)
    assert rows[gone]["Xếp loại nay"] == "Chưa nộp" and rows[gone]["Điểm nay"] is None
    # the period × unit panel (pandas) behind the table
    panel = history["comp"].unit_panel()
    assert len(panel) == sum(len(s.units) for s in history["comp"].snapshots)
    assert panel.pivot(index="unit", columns="snapshot", values="total").shape[1] == 3


# --- clusters and the industry -----------------------------------------------------------------------
def group_rows(out) -> dict[tuple, dict]:
    return {(r["Phạm vi"], r["Chỉ số"]): r for r in table_rows(out, "tblCompareGroups")}


def hoi_nghi_share(period: Period, cluster=None) -> float:
    pop = [u for u in period.expected_units(cluster) if u.kind == "public"]
    met = [u for u in pop if u.code in period.filled and period.filled[u.code].expected["hoi_nghi_cbccvc"] is True]
    return len(met) / len(pop)


def test_a_cluster_and_the_industry_then_now_change_and_direction(plan, history):
    d1, d2, y25, out = history["d1"], history["d2"], history["y25"], history["out"]
    rows = group_rows(out)
    for scope, cluster in (("C01", "C01"), ("C02", "C02"), ("Ngành", None)):
        def rate(p):
            exp = p.expected_units(cluster)
            return len([u for u in exp if u.code in p.filled]) / len(exp)
        r = rows[(scope, "Tỷ lệ báo cáo")]
        assert r["Nay"] == pytest.approx(rate(d2)), scope
        assert r["Đợt 1/2026"] == pytest.approx(rate(d1)), scope
        assert r["Đợt 2/2025"] == pytest.approx(rate(y25)), scope
        assert r["Thay đổi so với Đợt 1/2026"] == pytest.approx(rate(d2) - rate(d1)), scope
        assert r["Xu hướng so với Đợt 1/2026"] == arrow(rate(d2) - rate(d1)), scope
        assert r["Xu hướng so với Đợt 2/2025"] == arrow(rate(d2) - rate(y25)), scope
        # Đợt 1: who reported after the deadline is late
        exp = d1.expected_units(cluster)
        on_time = len([u for u in exp if u.code in d1.filled and u.code not in d1.late])
        assert rows[(scope, "Tỷ lệ nộp đúng hạn")]["Đợt 1/2026"] == pytest.approx(on_time / len(exp)), scope
        # rating counts
        for code in (x.code for x in plan.ratings):
            def count(p):
                t = totals(p)
                return len([u for u in p.expected_units(cluster) if u.code in t and t[u.code][1] == code])
            r = rows[(scope, f"Số CĐCS xếp loại {code}")]
            assert (r["Nay"], r["Đợt 1/2026"], r["Đợt 2/2025"]) == (count(d2), count(d1), count(y25)), (scope, code)
            assert r["Thay đổi so với Đợt 2/2025"] == count(d2) - count(y25)
        # a key target's actual: 100% CĐCS hold the staff conference
        short = plan.target_by_code["N_CL_HOINGHI"].short_name
        r = rows[(scope, f"Chỉ tiêu: {short}")]
        assert (r["Nay"], r["Đợt 1/2026"], r["Đợt 2/2025"]) == pytest.approx(
            (hoi_nghi_share(d2, cluster), hoi_nghi_share(d1, cluster), hoi_nghi_share(y25, cluster))), scope
    # the mean total of the units that reported, industry-wide
    r = rows[("Ngành", "Tổng điểm bình quân của CĐCS đã nộp")]
    for header, p in (("Nay", d2), ("Đợt 1/2026", d1), ("Đợt 2/2025", y25)):
        t = [v[0] for v in totals(p).values()]
        assert r[header] == pytest.approx(round(sum(t) / len(t), 2), abs=0.006), header


# --- how each workbook was read, and the files that could not be -------------------------------------
def sources(out) -> list[dict]:
    return table_rows(out, "tblCompareSources")


def test_each_workbook_says_how_it_was_read_and_bad_files_why_not(history):
    out = history["out"]
    rows = sources(out)
    by_kind = {r["Kỳ"]: r for r in rows if r["Kỳ"]}
    assert by_kind["Đợt 2/2026"]["Cách đọc"] == "Bảng tổng hợp đang lập"
    assert by_kind["Đợt 1/2026"]["Cách đọc"] == "Tính lại từ số liệu gốc"
    assert by_kind["Đợt 1/2026"]["Vai trò"] == "đợt trước"
    assert "tong_hop_dot-1.xlsx" in by_kind["Đợt 1/2026"]["Tệp và cách đọc"]
    assert by_kind["Đợt 2/2025"]["Cách đọc"] == "Đọc từ các bảng của tệp"
    assert by_kind["Đợt 2/2025"]["Vai trò"] == "năm trước" and by_kind["Đợt 2/2025"]["Năm"] == "2025"
    assert PREV_ID in by_kind["Đợt 2/2025"]["Tệp và cách đọc"]
    not_used = {r["Tệp và cách đọc"].split(":")[0]: r["Tệp và cách đọc"] for r in rows if r["Cách đọc"] == "Không dùng"}
    assert set(not_used) == {"hong.xlsx", "mot_bieu_mau.xlsm", "khong_co.xlsx"}
    assert "bị hỏng" in not_used["hong.xlsx"]
    assert "không phải bảng tổng hợp" in not_used["mot_bieu_mau.xlsm"]
    assert "Không tìm thấy tệp" in not_used["khong_co.xlsx"]
    comp = history["comp"]
    assert [s.short for s in comp.earlier] == ["Đợt 1/2026", "Đợt 2/2025"]        # most recent first
    assert [s.how for s in comp.earlier] == ["recomputed", "declared"]


def test_last_years_workbook_reads_the_same_from_its_tables_as_recomputed_with_its_plan(history):
    """With last year's plan at hand the workbook is recomputed; the printed tables say the same."""
    d2, y25, prev = history["d2"], history["y25"], history["prev"]
    declared = compare(d2.result, [y25.path], workers=0).earlier[0]
    recomputed = compare(d2.result, [y25.path], plans=[prev], workers=0).earlier[0]
    assert (declared.how, recomputed.how) == ("declared", "recomputed")
    assert declared.year == recomputed.year == 2025
    assert {c: (u.status, u.total, u.rating) for c, u in declared.units.items()} == \
        {c: (u.status, u.total, u.rating) for c, u in recomputed.units.items()}
    for key, g in recomputed.groups.items():
        h = declared.groups[key]
        assert (h.expected, h.received, h.on_time, h.ratings, h.not_rated) == \
            (g.expected, g.received, g.on_time, g.ratings, g.not_rated), key
        if g.mean_total is None:
            assert h.mean_total is None, key
        else:
            assert h.mean_total == pytest.approx(g.mean_total, abs=0.006), key
        for code, v in g.targets.items():
            if v is not None:
                assert h.targets[code] == pytest.approx(v), (key, code)
    assert declared.initiatives == recomputed.initiatives
    assert sorted(declared.awards, key=str) == sorted(recomputed.awards, key=str)


# --- the phase ---------------------------------------------------------------------------------------
def test_phase_totals_initiatives_and_awards_by_year(plan, history):
    out, d2, y25 = history["out"], history["d2"], history["y25"]
    rows = {r["Năm"]: r for r in table_rows(out, "tblPhaseYears")}
    # so_sang_kien counts from the start of the year: the year's last period carries the year
    assert plan.field_by_code["so_sang_kien"].cumulative
    want = {"2025": sum(f.expected["so_sang_kien"] for f in y25.filled.values()),
            "2026": sum(f.expected["so_sang_kien"] for f in d2.filled.values())}
    for year, n in want.items():
        assert rows[year]["Sáng kiến"] == n, year
    assert rows["2026"]["Kỳ được tính"] == "Đợt 2/2026" and rows["2025"]["Kỳ được tính"] == "Đợt 2/2025"
    wb = load_workbook(out, data_only=True)
    ws = wb["Tổng kết giai đoạn"]
    t = ws.tables["tblPhaseYears"]
    last = int("".join(ch for ch in t.ref.split(":")[1] if ch.isdigit()))
    assert ws.cell(last + 1, 1).value == "Cộng"
    # awards: each year's own proposals, by form and level, read from that year's workbook
    awards = {r["Hình thức khen thưởng"] + "|" + r["Cấp khen"]: r for r in table_rows(out, "tblPhaseAwards")}
    own = {"2025": table_rows(y25.path, "tblAwardCounts")}
    d2_book = history["root"] / "chi_dot-2.xlsx"
    d2_plain = consolidate([next(iter(d2.filled.values())).path.parent], plan, "dot-2", workers=0)
    own["2026"] = table_rows(write_consolidation(d2_plain, d2_book), "tblAwardCounts")
    proposed = 0
    for year, counts in own.items():
        for r in counts:
            key = r["Danh hiệu"] + "|" + r["Cấp khen"]
            assert awards[key][f"Năm {year}"] == r["Đề nghị"], (year, key)
            proposed += r["Đề nghị"]
    assert proposed > 0
    assert sum(r["Cả giai đoạn"] for r in awards.values()) == proposed
    assert rows["2025"]["Đề nghị khen thưởng cá nhân"] + rows["2026"]["Đề nghị khen thưởng cá nhân"] + \
        rows["2025"]["Đề nghị khen thưởng tập thể"] + rows["2026"]["Đề nghị khen thưởng tập thể"] == proposed
    assert "So sánh theo thời gian" not in load_workbook(d2_book, read_only=True).sheetnames   # only when asked


# --- the file ---------------------------------------------------------------------------------------
def test_the_output_opens_in_libreoffice_with_its_charts_and_formulas(history, tmp_path):
    assert find_soffice() is not None, "LibreOffice (soffice) is needed: apt-get install libreoffice-calc-nogui"
    out = history["out"]
    wb = load_workbook(out)
    for name in SHEETS:
        assert name in wb.sheetnames
    assert len(wb["Xu hướng theo thời gian"]._charts) == 4
    with zipfile.ZipFile(out) as z:
        charts = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(charts) >= 4 + 2                              # ours and the consolidation's own
    converted = convert([out], tmp_path)[out]
    with zipfile.ZipFile(converted) as z:
        again = [n for n in z.namelist() if n.startswith("xl/charts/chart")]
    assert len(again) == len(charts)
    lo = load_workbook(converted, data_only=True)
    for name in SHEETS:
        assert name in lo.sheetnames
    for table, key, formulas in (
            ("tblCompareGroups", ("Phạm vi", "Chỉ số"), ("Thay đổi so với Đợt 1/2026", "Xu hướng so với Đợt 1/2026",
                                                       "Thay đổi so với Đợt 2/2025", "Xu hướng so với Đợt 2/2025")),
            ("tblCompareUnits", ("Mã đơn vị",), ("Thay đổi điểm so với Đợt 1/2026", "Xu hướng điểm so với Đợt 1/2026",
                                                  "Thay đổi điểm so với Đợt 2/2025")),
            ("tblTrend", ("Kỳ",), ("Tỷ lệ báo cáo", "Tỷ lệ đúng hạn")),
            ("tblPhaseAwards", ("Hình thức khen thưởng", "Cấp khen"), ("Cả giai đoạn",))):
        ours = {tuple(r[k] for k in key): r for r in table_rows(out, table)}
        theirs = {tuple(r[k] for k in key): r for r in table_rows(converted, table)}
        assert set(theirs) == set(ours), table
        for k, mine in ours.items():                       # LibreOffice's recalculation = our cached values
            for h in formulas:
                if isinstance(mine[h], (int, float)):
                    assert theirs[k][h] == pytest.approx(mine[h]), (table, k, h)
                else:
                    assert (theirs[k][h] or "") == (mine[h] or ""), (table, k, h)
    formulas = table_rows(out, "tblCompareUnits", data_only=False)
    assert str(formulas[0]["Thay đổi điểm so với Đợt 1/2026"]).startswith("=IF(OR(")


def test_cli_consolidate_compare(plan_path, history, tmp_path, capsys):
    plan_copy = shutil.copy(plan_path, tmp_path / "ke_hoach.xlsx")        # no register beside it
    d1, y25, d2 = history["d1"], history["y25"], history["d2"]
    out = tmp_path / "tong_hop_dot-2.xlsx"
    code = main(["consolidate", str(next(iter(d2.filled.values())).path.parent), "--plan", str(plan_copy),
                 "--period", "dot-2", "-o", str(out), "--workers", "0",
                 "--compare", str(d1.path), str(y25.path), str(history["bad"])])
    text = capsys.readouterr().out
    assert code == 1                                         # written, but one file could not be used
    assert "So sánh Đợt 2/2026 với 2 bảng tổng hợp trước" in text and "hong.xlsx" in text
    assert {r["Kỳ"] for r in table_rows(out, "tblCompareSources") if r["Kỳ"]} == {"Đợt 2/2026", "Đợt 1/2026",
                                                                                   "Đợt 2/2025"}
    code = main(["consolidate", str(next(iter(d2.filled.values())).path.parent), "--plan", str(plan_copy),
                 "--period", "dot-2", "-o", str(out), "--workers", "0", "--json",
                 "--compare", str(d1.path), str(y25.path), "--compare-plan", str(_prev_plan_file(history, tmp_path))])
    assert code == 0
    import json
    figures = json.loads(capsys.readouterr().out)
    assert [(e["short"], e["how"]) for e in figures["comparison"]["earlier"]] == \
        [("Đợt 1/2026", "recomputed"), ("Đợt 2/2025", "recomputed")]          # last year's plan at hand


def _prev_plan_file(history, tmp_path) -> Path:
    """Last year's plan as a workbook: the sample plan with last year's id, year and period dates."""
    from thidua.plan import schema
    from thidua.plan.read import read_plan
    from thidua.plan.template import sample_rows, write_plan
    tables = {spec.name: sample_rows(spec) for spec in schema.PLAN_TABLES}
    year = str(history["prev"].info.year)
    for spec in schema.PLAN_TABLES:
        rows = tables[spec.name]
        if spec.csv == "plan_info.csv":
            for r in rows:
                same = r["Giá trị"].replace("/2026", "/2025")
                r["Giá trị"] = {"ma_ke_hoach": PREV_ID, "nam": year}.get(r["Khóa"], same)
        elif spec.csv == "periods.csv":
            for r in rows:
                for h in ("Từ ngày", "Đến ngày", "Hạn nộp báo cáo"):
                    r[h] = r[h].replace("/2026", "/2025").replace("/2027", "/2026")
        elif spec.csv == "earlier_results.csv":
            tables[spec.name] = [r for r in rows if int(r["Năm"]) < int(year)]
    path = write_plan(tmp_path / "ke_hoach_2025.xlsx", tables)
    assert read_plan(path).info.plan_id == PREV_ID
    return path


def test_a_cluster_consolidation_compares_its_own_cluster(history, tmp_path):
    """A cluster's consolidation beside the industry's earlier workbook: the cluster's figures are
    the cluster's there; a workbook of another cluster adds nothing to it."""
    plan, d1, d2 = history["d1"].plan, history["d1"], history["d2"]
    inbox = next(iter(d2.filled.values())).path.parent
    other = write_consolidation(consolidate([next(iter(d1.filled.values())).path.parent], plan, "dot-1", ["C02"],
                                            workers=0), tmp_path / "tong_hop_C02_dot-1.xlsx")
    c = consolidate([inbox], plan, "dot-2", ["C01"], workers=0)
    comp = attach(c, [d1.path, other], workers=0)
    assert comp.group_keys == ["C01"]
    out = write_consolidation(c, tmp_path / "tong_hop_C01_dot-2.xlsx")
    rows = group_rows(out)
    exp = d1.expected_units("C01")
    got = [u for u in exp if u.code in d1.filled]
    r = rows[("C01", "Số CĐCS đã nộp")]
    assert r["Nay"] == len([u for u in d2.expected_units("C01") if u.code in d2.filled])
    assert r["Đợt 1/2026"] == len(got)
    assert r["Đợt 1/2026 C02"] is None                      # the C02 workbook has no C01 figures
    units = {r["Mã đơn vị"] for r in table_rows(out, "tblCompareUnits")}
    assert units == {u.code for u in d2.expected_units("C01")}
    assert len(load_workbook(out)["Xu hướng theo thời gian"]._charts) == 3     # no per-cluster chart for one cluster
