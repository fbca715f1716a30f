"""Peak campaigns (issue 14, Deliver 3): a peak period has its own fields, targets, score sheet and
award, counted within its own dates, apart from the year's titles and ratings. Expected figures
are computed here from the cells the campaign forms hold."""
from __future__ import annotations

import random

import pytest
from openpyxl import load_workbook

from support.libreoffice import convert
from thidua import contract as C
from thidua.consolidate.core import consolidate
from thidua.consolidate.workbook import write_consolidation
from thidua.demo.campaign import play_campaign
from thidua.demo.edits import set_table_rows, table_cell
from thidua.errors import ThiduaError
from thidua.forms.write import issue_forms
from thidua.plan.read import read_plan

PEAK = "cao-diem-1"


@pytest.fixture(scope="module")
def campaign(plan, tmp_path_factory):
    root = tmp_path_factory.mktemp("campaign")
    units = {u.code for u in plan.units if u.cluster == "C01" and u.active}
    issued = [p for p in issue_forms(plan, PEAK, root / "issued") if p.name.split("_")[1] in units]
    returned = play_campaign(plan, plan.period(PEAK), issued, root / "returned", random.Random(5), 0)
    return {"root": root, "issued": issued, "returned": returned}


def test_the_year_and_the_campaign_keep_their_own_rules(plan):
    peak = plan.for_period(PEAK)
    assert {f.code for f in peak.fields} == {"atvsld_so_cuoc", "atvsld_tu_kiem_tra", "atvsld_luot_nguoi"}
    assert not {f.code for f in peak.fields} & {f.code for f in plan.fields}
    assert [g.code for g in peak.groups] == ["CD1"] and not peak.ratings
    assert [t.code for t in peak.titles] == ["GK_CD"] and "GK_CD" not in {t.code for t in plan.titles}
    assert plan.for_period("dot-1") is plan


def test_a_campaign_form_holds_the_campaign_only(plan, campaign):
    wb = load_workbook(campaign["issued"][0])
    codes = lambda table: {r[0].value for ws in wb.worksheets if table in ws.tables  # noqa: E731
                           for r in ws[ws.tables[table].ref][1:]}
    assert codes(C.INDICATOR_TABLE) == {"atvsld_so_cuoc", "atvsld_tu_kiem_tra", "atvsld_luot_nguoi"}
    assert codes(C.SCORE_TABLE) == {"CD1.1", "CD1.2", "CD1.3"}
    assert "GK_CD" in codes(C.REGISTRATION_TABLE)
    # counted within the campaign's own dates: its period on the form, no field running from 1 January
    period = plan.period(PEAK)
    shown = {code: table_cell(wb, C.UNIT_TABLE, code, C.VALUE).value.date() for code in ("tu_ngay", "den_ngay")}
    assert shown == {"tu_ngay": period.start, "den_ngay": period.end}
    assert not any(f.cumulative for f in plan.for_period(PEAK).fields)


def _typed(path):
    wb = load_workbook(path)
    get = lambda table, code, h: table_cell(wb, table, code, h).value  # noqa: E731
    return {"so_cuoc": get(C.INDICATOR_TABLE, "atvsld_so_cuoc", C.ENTRY),
            "kiem_tra": get(C.INDICATOR_TABLE, "atvsld_tu_kiem_tra", C.ENTRY) == "Có",
            "self": get(C.SCORE_TABLE, "CD1.3", C.SELF_SCORE),
            "registered": get(C.REGISTRATION_TABLE, "GK_CD", C.REGISTERED) == "Có"}


def test_the_campaign_scores_and_awards_without_an_annual_rating(plan, campaign, tmp_path, soffice):
    c = consolidate([campaign["root"] / "returned"], plan, PEAK, ["C01"], workers=0)
    assert c.results and all(r.rating is None and r.ev.rating is None for r in c.results.values())
    assert [t.target.code for t in c.targets] == ["N_CD_ATVSLD_KT"]
    for path in campaign["returned"]:
        code = path.name.split("_")[1]
        t = _typed(path)
        want = round(40 * max(0.0, min(1.0, t["so_cuoc"] / 2)), 2) + (30 if t["kiem_tra"] else 0) + min(30, t["self"])
        assert c.results[code].ev.total == pytest.approx(want), code
    props = {p.unit: p for p in c.proposals}
    assert {p.title for p in c.proposals} <= {"GK_CD"}
    floor = next(x.value for x in plan.for_period(PEAK).conditions if x.kind == "min_score")   # 85 in the sample
    for path in campaign["returned"]:
        code = path.name.split("_")[1]
        want = _typed(path)["registered"] and c.results[code].ev.total >= floor
        assert (code in props and props[code].proposed) == want, code
        if code in props and not want:
            assert "cần từ 85 điểm" in props[code].reason
    ranked = c.ranked["C01"]
    assert [r.ev.total for r in ranked] == sorted((r.ev.total for r in ranked), reverse=True)
    out = write_consolidation(c, tmp_path / "cao_diem.xlsx")
    sheets = load_workbook(out).sheetnames
    assert "Xếp loại theo loại hình" not in sheets and "Điều chỉnh xếp loại" not in sheets
    assert convert([out], tmp_path / "lo")[out].exists()


def test_plan_check_keeps_campaigns_apart(plan_path, tmp_path):
    bad = tmp_path / "ke_hoach.xlsx"
    bad.write_bytes(plan_path.read_bytes())
    set_table_rows(bad, "tblFields", ("Mã trường",), {("so_sang_kien",): {"Đợt": "dot-1"}})
    set_table_rows(bad, "tblTargets", ("Mã chỉ tiêu",), {("CD_ATVSLD_TT",): {"Trường": "so_cnvcld"}})
    with pytest.raises(ThiduaError) as err:
        read_plan(bad)
    text = str(err.value)
    assert "'dot-1' là đợt thường" in text and "chỉ tiêu của đợt cao-diem-1 so sánh trường 'so_cnvcld' của cả năm" in text
