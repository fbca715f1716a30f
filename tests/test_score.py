"""Scoring by the plan's score sheet: computed, proportional, self and upper-level scores,
group floors, thresholds from the plan, eligibility, and the reason spelled out."""
from __future__ import annotations

import dataclasses

import pytest

from support.fixtures import fill, public_form
from thidua.read.form import read_form
from thidua.score.engine import score_form, score_values


def scored(plan, issued, tmp_path, values=None, scores=None):
    path = fill(plan, public_form(plan, issued), tmp_path / "f.xlsx", values, scores)
    return score_form(read_form(path, plan), plan)


def by_code(result):
    return {c.code: c for c in result.criteria}


def test_a_form_meeting_everything_scores_full_marks(plan, issued, tmp_path):
    r = scored(plan, issued, tmp_path)
    assert (r.total, r.max_total, r.rating) == (100, 100, "HTXSNV")
    assert "đạt 100 điểm (ngưỡng HTXSNV từ 85 điểm) nên xếp HTXSNV" == r.reason
    assert [g.score for g in r.groups] == [35, 40, 25]


def test_all_or_nothing_proportional_and_capped(plan, issued, tmp_path):
    r = scored(plan, issued, tmp_path, {"hoi_nghi_cbccvc": "Không", "ngay_hoi_nghi": None,
                                         "kpcd_da_thu": 90_000_000, "so_sang_kien": 1})
    c = by_code(r)
    assert c["CL1.1"].final == 0 and "chưa đạt chỉ tiêu CL_HOINGHI" in c["CL1.1"].basis
    assert c["CL2.1"].final == pytest.approx(9) and "đạt 90% chỉ tiêu CL_KPCD" in c["CL2.1"].basis
    assert c["CL3.3"].final == pytest.approx(3.33)
    assert c["CL2.2"].final == 10                                    # 100% of 100%: full, not more
    r2 = scored(plan, issued, tmp_path, {"so_sang_kien": 9})
    assert by_code(r2)["CL3.3"].final == 10                           # 9/3 capped at the standard points
    assert r.total == pytest.approx(100 - 10 - 1 - 6.67, abs=0.01)


def test_self_scores_are_bounded_and_upper_level_overrides(plan, issued, tmp_path):
    path = fill(plan, public_form(plan, issued), tmp_path / "f.xlsx",
                scores={"CL1.4": (10, 6, "x"), "CL1.1": (10, 4, "x"), "CL2.4": (None, None, None)})
    form = read_form(path, plan)
    r = score_form(form, plan)               # what the unit wrote in "Cấp trên chấm" is never used
    c = by_code(r)
    assert (c["CL1.4"].self_score, c["CL1.4"].upper_score, c["CL1.4"].final) == (10, None, 10)
    assert c["CL1.1"].final == 10 and "cấp trên" not in c["CL1.1"].basis
    assert c["CL2.4"].final == 0 and "chưa tự chấm" in c["CL2.4"].basis
    assert r.total == 100 - 10
    # the upper level's own scores (its record, not the form) override
    own = {k: s.self_score.value for k, s in form.scores.items() if s.self_score.parsed.ok}
    r = score_values(plan, "public", form.entered(), own, {"CL1.4": 6, "CL1.1": 4}, plan.unit(form.unit_code))
    c = by_code(r)
    assert (c["CL1.4"].self_score, c["CL1.4"].upper_score, c["CL1.4"].final) == (10, 6, 6)
    assert c["CL1.1"].final == 4 and "cấp trên" in c["CL1.1"].basis   # overrides a computed score too
    assert r.total == 100 - 4 - 6 - 10


def test_a_group_below_its_floor_blocks_the_top_rating_and_says_why(plan, issued, tmp_path):
    r = scored(plan, issued, tmp_path, {"tuyen_truyen_phoi_hop": "Không", "tuyen_truyen_nghi_quyet": "Không"},
               scores={"CL3.4": (2, None, "x")})
    assert r.total == 87 and r.rating == "HTTNV"
    assert r.reason == ("đủ 87 điểm (ngưỡng HTXSNV từ 85) nhưng nhóm CL3 đạt 12/25 điểm, dưới mức sàn 50% "
                        "nên xếp HTTNV")
    g3 = next(g for g in r.groups if g.code == "CL3")
    assert not g3.meets_floor and g3.share == pytest.approx(0.48)


def test_thresholds_and_floors_are_plan_data(plan, issued, tmp_path):
    path = fill(plan, public_form(plan, issued), tmp_path / "f.xlsx", {"kpcd_da_thu": 50_000_000})
    form = read_form(path, plan)
    assert score_form(form, plan).rating == "HTXSNV"                 # 95 points
    stricter = dataclasses.replace(plan, ratings=tuple(
        dataclasses.replace(x, min_score=96) if x.code == "HTXSNV" else x for x in plan.ratings))
    r = score_form(form, stricter)
    assert r.rating == "HTTNV" and "ngưỡng HTTNV từ 70" in r.reason
    no_floor = dataclasses.replace(plan, groups=tuple(dataclasses.replace(g, floor=None) for g in plan.groups))
    low = {"tuyen_truyen_phoi_hop": False, "tuyen_truyen_nghi_quyet": False}
    entered = {**form.entered(), **low, "kpcd_da_thu": 100_000_000}   # 87 points, group CL3 at 12/25
    own = {c: s.self_score.value for c, s in form.scores.items()} | {"CL3.4": 2}
    assert score_values(plan, "public", entered, own, {}).rating == "HTTNV"
    assert score_values(no_floor, "public", entered, own, {}).rating == "HTXSNV"


def test_units_too_new_to_rate_are_scored_but_not_rated(plan):
    young = [u for u in plan.units if u.active_since and u.active_since.year == plan.info.year]
    assert young
    r = score_values(plan, young[0].kind, {}, {}, {}, young[0])
    assert r.rating is None and not r.eligible and "chưa đủ 12 tháng" in r.reason
    merged = next(u for u in plan.units if u.merged)
    assert score_values(plan, merged.kind, {}, {}, {}, merged).eligible      # 6 months after a merger suffice
