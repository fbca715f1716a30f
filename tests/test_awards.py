"""Title registrations: every condition in the plan has an eligible and an ineligible case;
caps, duplicates, and the reasons in Vietnamese."""
from __future__ import annotations

import dataclasses

import pytest

from thidua.check.awards import Member, StartStatus, collective, individual, judge_unit


def member(i=1, title="LDTT", **kw):
    base = dict(name=f"Người {i}", department="Khoa Nội", days_off=5, maternity_days=0, months=12,
                discipline="Không", has_initiative=False)
    return Member(i, title=title, **{**base, **kw})


# condition code -> (eligible case, ineligible case, fragment of the reason)
# individual cases are Members; collective cases are (members, rating)
def cases(plan):
    staff = lambda n_ok, n_bad: ([member(i) for i in range(n_ok)]  # noqa: E731
                                 + [member(100 + i, days_off=50) for i in range(n_bad)])
    star = member(50, "CSTDCS", has_initiative=True)
    on_time = lambda *codes: StartStatus(frozenset(codes))  # noqa: E731  (registered by the deadline)
    late = StartStatus(frozenset(), (("LDTT", "đăng ký 15/02/2026, sau hạn 31/01/2026"),))
    return {
        "DK01": (member(days_off=45, maternity_days=10), member(days_off=40), "nghỉ 40 ngày làm việc"),
        "DK02": (member(months=10), member(months=9), "mới công tác 9 tháng, dưới 10 tháng"),
        "DK03": (member(discipline="Không"), member(discipline="Khiển trách"), "bị kỷ luật khiển trách"),
        "DK04": (member(title="CSTDCS", has_initiative=True), member(title="CSTDCS", has_initiative=True, months=3),
                 "chưa đủ điều kiện Lao động tiên tiến"),
        "DK05": (member(title="CSTDCS", has_initiative=True), member(title="CSTDCS"), "chưa có sáng kiến"),
        "DK06": (member(title="DVCDXS"), member(title="DVCDXS", days_off=60), "chưa đủ điều kiện Lao động tiên tiến"),
        "DK07": (member(title="DVCDXS"), member(title="DVCDXS", discipline="Cảnh cáo"), "bị kỷ luật cảnh cáo"),
        "DK08": ((staff(3, 2), None), (staff(2, 2), None), "2/4 thành viên đủ điều kiện Lao động tiên tiến (50%), cần trên 50%"),
        "DK09": ((staff(3, 0), None), ([*staff(3, 0), member(9, discipline="Khiển trách")], None),
                 "bị kỷ luật từ khiển trách trở lên: Người 9"),
        "DK10": ((staff(7, 3), None), (staff(6, 4), None), "6/10 thành viên đủ điều kiện Lao động tiên tiến (60%), cần từ 70%"),
        "DK11": (([*staff(7, 0), star], None), (staff(3, 0), None), "không có thành viên đủ điều kiện Chiến sĩ thi đua cơ sở"),
        "DK12": (([*staff(3, 0), member(9, discipline="Khiển trách")], None),
                 ([*staff(3, 0), member(9, discipline="Cảnh cáo")], None), "kỷ luật từ cảnh cáo trở lên: Người 9"),
        "DK13": (([], "HTXSNV"), ([], "HTTNV"), "CĐCS xếp loại HTTNV, cần HTXSNV"),
        # registered at the start of the year (the status comes from the registration: registrations.record)
        "DK14": (member(start=on_time("LDTT")), member(start=late),
                 "chưa đăng ký Lao động tiên tiến từ đầu năm: đăng ký 15/02/2026, sau hạn 31/01/2026"),
        "DK15": (member(title="CSTDCS", has_initiative=True, start=on_time("CSTDCS")),
                 member(title="CSTDCS", has_initiative=True, start=on_time("LDTT")),
                 "chưa đăng ký Chiến sĩ thi đua cơ sở từ đầu năm: không có trong bản đăng ký thi đua đầu năm"),
        "DK16": (member(title="DVCDXS", start=on_time("DVCDXS")), member(title="DVCDXS", start=StartStatus()),
                 "chưa đăng ký Đoàn viên công đoàn xuất sắc từ đầu năm"),
        "DK17": ((staff(3, 0), None, on_time("TTLDTT")), (staff(3, 0), None, on_time("TTLDXS")),
                 "chưa đăng ký Tập thể lao động tiên tiến từ đầu năm"),
        "DK18": ((staff(3, 0), None, on_time("TTLDXS")),
                 (staff(3, 0), None, StartStatus(frozenset(), default="đơn vị không nộp bản đăng ký")),
                 "chưa đăng ký Tập thể lao động xuất sắc từ đầu năm: đơn vị không nộp bản đăng ký"),
    }


def test_every_condition_of_the_plan_has_cases(plan):
    assert {c.code for c in plan.conditions} == set(cases(plan))
    assert all(c.source for c in plan.conditions) and all(t.source for t in plan.titles)


@pytest.mark.parametrize("code", sorted(["DK01", "DK02", "DK03", "DK04", "DK05", "DK06", "DK07", "DK08",
                                          "DK09", "DK10", "DK11", "DK12", "DK13", "DK14", "DK15", "DK16", "DK17",
                                          "DK18"]))
def test_each_condition_eligible_and_ineligible(plan, code):
    cond = next(c for c in plan.conditions if c.code == code)
    only = dataclasses.replace(plan, conditions=tuple(c for c in plan.conditions
                                                     if c.code == code or c.title != cond.title))
    # `only` keeps the other titles' conditions (a condition may refer to them) but of this
    # title just the condition under test.
    ok, bad, fragment = cases(plan)[code]
    if plan.title_by_code[cond.title].target_of == "individual":
        good, poor = individual(only, ok, cond.title), individual(only, bad, cond.title)
    elif len(ok) == 3:                  # a collective title and the unit's registration at the start
        judge = lambda ms, rating, start: collective(only, cond.title, [], ms, rating, start=start)  # noqa: E731
        good, poor = judge(*ok), judge(*bad)
    else:
        judge = lambda ms, rating: judge_unit(only, "X", ms, [cond.title], rating).collective[0]  # noqa: E731
        good, poor = judge(*ok), judge(*bad)
    assert good.eligible and good.reasons == ()
    assert not poor.eligible and any(fragment in r for r in poor.reasons), poor.reasons


def test_all_failures_are_listed_not_just_the_first(plan):
    v = individual(plan, member(title="CSTDCS", days_off=50, months=4, discipline="Khiển trách"), "CSTDCS")
    text = v.reason_text()
    assert "chưa có sáng kiến" in text and "nghỉ 50 ngày" in text and "4 tháng" in text and "khiển trách" in text


def test_share_cap_keeps_the_first_in_list_order(plan):
    members = [member(i) for i in range(1, 8)] + [member(10 + i, "CSTDCS", has_initiative=True) for i in range(3)]
    r = judge_unit(plan, "YT001", members, [], None)
    stars = [(m.row, v) for m, v in r.members if v.title == "CSTDCS"]
    assert [v.proposed for _, v in stars] == [True, False, False]      # 15% of 10 LĐTT-eligible = 1
    assert "vượt tỷ lệ 15% của 10 người đủ điều kiện Lao động tiên tiến (tối đa 1)" in stars[1][1].reason_text()


def test_duplicates_and_unknown_titles(plan):
    a = member(1, name="Nguyễn Thị Hương", department="Khoa Nội")
    b = member(2, name="nguyen thi  huong", department="khoa noi", title="CSTDCS")
    c = member(3, name="Trần Văn Minh", title="XYZ")
    r = judge_unit(plan, "YT001", [a, b, c], ["LDTT"], None)
    assert r.duplicates == [(b, a)]
    verdicts = {m.row: v for m, v in r.members}
    assert not verdicts[3].eligible and "không phải danh hiệu cá nhân" in verdicts[3].reasons[0]
    assert not r.collective[0].eligible and "không phải danh hiệu tập thể" in r.collective[0].reasons[0]


def test_collective_rule_on_the_unit_rating(plan):
    assert collective(plan, "CDCSVM", [], [], "HTXSNV").eligible
    assert not collective(plan, "CDCSVM", [], [], None).eligible


# --- in a form: the same rules through the check engine, at the cells ---------------------------
def test_registrations_in_a_form_are_checked_at_their_cells(plan, issued, tmp_path):
    from support.fixtures import fill, public_form
    from thidua.check.engine import check_form
    from thidua import contract as C
    from thidua.read.form import read_form

    person = lambda name, title, **kw: {C.M_NAME: name, C.M_DEPT: "Khoa Nội", C.M_TITLE: title,  # noqa: E731
                                        C.M_DAYS: 3, C.M_MONTHS: 12, C.M_DISCIPLINE: "Không", **kw}
    members = [person(f"Người {i}", "Lao động tiên tiến") for i in range(6)] + [
        person("Lê Thị Lan", "Chiến sĩ thi đua cơ sở", **{C.M_HAS_INIT: "Không"}),
        person("Người 2", "Chiến sĩ thi đua cơ sở", **{C.M_HAS_INIT: "Có"}),          # same person again
        person("Phạm Quốc Huy", "Lao động tiên tiến", **{C.M_DAYS: 52, C.M_MATERNITY: 0}),
    ]
    path = fill(plan, public_form(plan, issued), tmp_path / "dk.xlsx", members=members,
                collective={"TTLDTT": "Có", "TTLDXS": "Có"},
                pledges={"CL_KPCD": 0.9, "ALL_SANGKIEN": 8})
    form = read_form(path, plan)
    found = {(f.rule, f.cell): f for f in check_form(form, plan)}
    lst = form.lists[C.MEMBER_TABLE]
    title_cell = lambda i: lst.address(i, C.M_TITLE)  # noqa: E731
    lan = found[("title_ineligible", title_cell(6))]
    assert lan.severity == "cảnh báo" and "Lê Thị Lan" in lan.message and "chưa có sáng kiến" in lan.message
    assert found[("member_duplicate", title_cell(7))].severity == "lỗi"
    assert "nghỉ 52 ngày" in found[("title_ineligible", title_cell(8))].message
    reg = form.lists[C.REGISTRATION_TABLE]
    xs_cell = reg.address([r[C.CODE] for r in reg.rows].index("TTLDXS"), C.REGISTERED)
    xs = found[("collective_ineligible", xs_cell)]
    assert "không có thành viên đủ điều kiện Chiến sĩ thi đua cơ sở" in xs.message
    assert not any(r == "collective_ineligible" and c != xs_cell for r, c in found)   # TTLĐTT: 6/8 > 50%
    pledges = form.lists[C.PLEDGE_TABLE]
    kpcd_cell = pledges.address([r[C.CODE] for r in pledges.rows].index("CL_KPCD"), C.PLEDGE_VALUE)
    assert found[("pledge_below_plan", kpcd_cell)].severity == "lỗi"
    sk = found[("pledge_not_met", form.values["so_sang_kien"].cell)]          # 5 initiatives, pledged 8
    assert sk.severity == "cảnh báo" and "cam kết" in sk.message
