"""The year made of its periods (issue 14, Deliver 2): each field combined by the plan's rule, a
unit missing a period visible, the year scored from the combined figures, mixed inputs (forms and
period workbooks) and roll-ups giving the same year, peak campaigns kept out, period results
provisional. Every expected figure is computed here from what the test typed."""
from __future__ import annotations

import dataclasses

import pytest

from support.consolidation import score
from support.fixtures import CLEAN_PUBLIC, fill
from thidua.consolidate.core import consolidate
from thidua.consolidate.records import REJECTED
from thidua.consolidate.workbook import write_consolidation
from thidua.forms.write import issue_forms
from thidua.plan.model import YEAR_CODE

RULES = {"so_sang_kien": "sum", "so_luot_tham_du": "max", "tuyen_truyen_phoi_hop": "all",
         "hoi_nghi_cbccvc": None, "so_cnvcld": None}          # None: the default (any for yes/no, else latest)
D1 = {"so_sang_kien": 2, "so_luot_tham_du": 300, "tuyen_truyen_phoi_hop": "Có", "hoi_nghi_cbccvc": "Có",
      "so_cnvcld": 200}
D2 = {"so_sang_kien": 3, "so_luot_tham_du": 120, "tuyen_truyen_phoi_hop": "Không", "hoi_nghi_cbccvc": "Không",
      "so_cnvcld": 210}


PEAK = "cao-diem-1"                 # the sample plan's peak campaign


@pytest.fixture(scope="module")
def year_plan(plan):
    fields = tuple(dataclasses.replace(f, cumulative=False, combine=RULES[f.code]) if f.code in RULES else f
                   for f in plan.fields)
    return dataclasses.replace(plan, fields=fields)


@pytest.fixture(scope="module")
def returns(year_plan, tmp_path_factory):
    """C01's public units: A and B report both periods, C only Đợt 1, D only Đợt 2; one peak form."""
    root = tmp_path_factory.mktemp("year")
    units = [u for u in year_plan.units if u.cluster == "C01" and u.kind == "public" and u.active][:4]
    issued = {p: {f.name.split("_")[1]: f for f in issue_forms(year_plan, p, root / f"issued_{p}")}
              for p in ("dot-1", "dot-2", PEAK)}
    a, b, c, d = (u.code for u in units)
    typed = {}
    for period, who, values, day in (("dot-1", (a, b, c), D1, "05/07/2026"), ("dot-2", (a, b, d), D2, "05/01/2027")):
        for code in who:
            vals = {**values, "so_sang_kien": values["so_sang_kien"] + (code == b)}   # B: one more each period
            src = issued[period][code]
            fill(year_plan, src, root / period / src.name, vals, info={"ngay_bao_cao": day})
            typed[(code, period)] = {**CLEAN_PUBLIC, **vals}
    from thidua.demo.campaign import play_campaign
    import random
    play_campaign(year_plan, year_plan.period(PEAK), [issued[PEAK][a]], root / PEAK, random.Random(1), 0)
    return {"root": root, "units": (a, b, c, d), "typed": typed}


def combined(typed: dict, periods: list[str]) -> dict:
    """The year's value of each test field by its rule, computed here."""
    rows = [typed[p] for p in periods]
    yes = [r["tuyen_truyen_phoi_hop"] == "Có" for r in rows]
    return {"so_sang_kien": sum(r["so_sang_kien"] for r in rows), "so_luot_tham_du": max(r["so_luot_tham_du"] for r in rows),
            "tuyen_truyen_phoi_hop": all(yes) and len(rows) == 2,
            "hoi_nghi_cbccvc": any(r["hoi_nghi_cbccvc"] == "Có" for r in rows), "so_cnvcld": rows[-1]["so_cnvcld"]}


def test_each_field_combines_by_the_plans_rule(year_plan, returns):
    root, (a, b, c, d), typed = returns["root"], returns["units"], returns["typed"]
    year = consolidate([root / "dot-1", root / "dot-2"], year_plan, YEAR_CODE, ["C01"], workers=0)
    for code, periods in ((a, ["dot-1", "dot-2"]), (b, ["dot-1", "dot-2"]), (c, ["dot-1"]), (d, ["dot-2"])):
        want = combined({p: typed[(code, p)] for p in periods}, periods)
        got = {k: year.results[code].ev.values[k] for k in want}
        assert got == want, code
    assert year.coverage[c].missing == ["dot-2"] and year.coverage[d].missing == ["dot-1"]
    assert year.coverage[a].complete and year.coverage[a].sources["so_sang_kien"] == "dot-1+dot-2"


def test_the_year_is_scored_from_the_combined_figures(year_plan, returns):
    root, (a, *_), typed = returns["root"], returns["units"], returns["typed"]
    year = consolidate([root / "dot-1", root / "dot-2"], year_plan, YEAR_CODE, ["C01"], workers=0)

    class Filled:                     # what the independent scorer reads
        unit = year_plan.unit(a)
        path = next((root / "dot-2").glob(f"*_{a}_*"))       # self-scores: the last period's
        expected = {**{k: {"Có": True, "Không": False}.get(v, v) if isinstance(v, str) else v
                       for k, v in typed[(a, "dot-2")].items()},
                    **combined({p: typed[(a, p)] for p in ("dot-1", "dot-2")}, ["dot-1", "dot-2"])}
    total, rating = score(year_plan, Filled)
    assert year.results[a].ev.total == pytest.approx(total)
    assert year.results[a].ev.rating == rating


def test_mixed_inputs_and_roll_ups_give_the_same_year(year_plan, returns, tmp_path):
    root = returns["root"]
    direct = consolidate([root / "dot-1", root / "dot-2"], year_plan, YEAR_CODE, ["C01"], workers=0)
    d1 = write_consolidation(consolidate([root / "dot-1"], year_plan, "dot-1", ["C01"], workers=0), tmp_path / "d1.xlsx")
    mixed = consolidate([d1, root / "dot-2"], year_plan, YEAR_CODE, ["C01"], workers=0)
    book = write_consolidation(direct, tmp_path / "nam_C01.xlsx")
    rolled = consolidate([book], year_plan, YEAR_CODE, ["C01"], workers=0)
    for other in (mixed, rolled):
        assert {u: (r.ev.total, r.rating) for u, r in other.results.items()} == \
               {u: (r.ev.total, r.rating) for u, r in direct.results.items()}
        assert {u: cov.missing for u, cov in other.coverage.items()} == {u: cov.missing for u, cov in direct.coverage.items()}


def test_peak_campaigns_stay_out_of_the_year_and_periods_are_provisional(year_plan, returns, tmp_path):
    from thidua.consolidate.award_sheets import provisional
    from thidua.consolidate.report import lines
    root = returns["root"]
    year = consolidate([root / "dot-1", root / "dot-2", root / PEAK], year_plan, YEAR_CODE, ["C01"], workers=0)
    peak = next(e for e in year.entries if PEAK in e.name)
    assert peak.status == REJECTED and "đợt cao điểm" in peak.reason and "không cộng vào kết quả cả năm" in peak.reason
    period = consolidate([root / "dot-2"], year_plan, "dot-2", ["C01"], workers=0)
    assert provisional(period) == " (DỰ KIẾN)" and provisional(year) == ""
    assert "TẠM TÍNH" in lines(period)[1][1] and lines(year)[1][1] == "KẾT QUẢ CHÍNH THỨC"
    out = write_consolidation(year, tmp_path / "nam.xlsx")
    from support.libreoffice import convert
    assert convert([out], tmp_path / "lo")[out].exists()          # the year's workbook opens in LibreOffice
    from support.consolidation import table_rows
    rows = {r["Mã đơn vị"]: r for r in table_rows(out, "tblPeriodCoverage")}
    c = returns["units"][2]
    assert rows[c]["Đợt 2 (cả năm)"] == "Chưa nộp" and rows[c]["Số đợt đã nộp"] == 1


def test_plan_check_refuses_a_rule_that_does_not_fit(plan_path, tmp_path):
    from openpyxl import load_workbook
    from thidua.errors import ThiduaError
    from thidua.plan.read import read_plan
    from thidua.demo.edits import set_table_rows
    bad = tmp_path / "ke_hoach.xlsx"
    bad.write_bytes(plan_path.read_bytes())
    set_table_rows(bad, "tblFields", ("Mã trường",), {("kpcd_da_thu",): {"Cả năm": "Cộng các đợt"},
                                                     ("so_cnvcld",): {"Cả năm": "Có nếu có ở một đợt"}})
    with pytest.raises(ThiduaError) as err:
        read_plan(bad)
    text = str(err.value)
    assert "Cả năm" in text and "lũy kế" in text and "chỉ dùng cho trường Có/Không" in text
    assert load_workbook(bad)                       # the file itself is untouched by reading
