"""Award proposals on the demo province equal an independent computation from the raw member
rows the simulated staff typed (written here from the plan's sample conditions, not by
calling the eligibility engine)."""
from __future__ import annotations

import math

from thidua.check.awards import collective_registrations, members_of
from thidua.consolidate.awards import UnitEntry, counts_by_title, proposals, tally_by_level, tally_text
from thidua import contract as C
from thidua.read.form import read_form
from thidua.score.engine import score_form

NAMES = {"Lao động tiên tiến": "LDTT", "Chiến sĩ thi đua cơ sở": "CSTDCS", "Đoàn viên công đoàn xuất sắc": "DVCDXS"}
SEVERITY = ["Không", "Khiển trách", "Cảnh cáo"]


def ldtt(m):
    days = m[C.M_DAYS] - m[C.M_MATERNITY]
    return days < 40 and m[C.M_MONTHS] >= 10 and m[C.M_DISCIPLINE] == "Không"


def expected_for(members, collective, rating):
    """{(person or '', title): proposed} for one unit, straight from the sample conditions."""
    out, regs = {}, [(m[C.M_NAME], NAMES[m[C.M_TITLE]], m) for m in members]
    n_ldtt = sum(ldtt(m) for m in members)
    cap_star, cap_dv, stars, dvs = math.floor(0.15 * n_ldtt + 1e-9), math.floor(0.2 * len(regs) + 1e-9), 0, 0
    for name, title, m in regs:
        ok = ldtt(m) and (title != "CSTDCS" or m[C.M_HAS_INIT] == "Có")
        if ok and title == "CSTDCS":
            ok, stars = stars < cap_star, stars + 1
        if ok and title == "DVCDXS":
            ok, dvs = dvs < cap_dv, dvs + 1
        out[(name, title)] = ok
    share = n_ldtt / len(members)
    worst = max(SEVERITY.index(m[C.M_DISCIPLINE]) for m in members)
    has_star = any(ok for (_, t), ok in out.items() if t == "CSTDCS")
    rules = {"TTLDTT": share > 0.5 and worst < 1, "TTLDXS": share >= 0.7 and has_star and worst < 2,
             "CDCSVM": rating == "HTXSNV"}
    for code, registered in collective.items():
        if registered:
            out[("", code)] = rules[code]
    return out


def test_proposals_equal_an_independent_computation(plan, province):
    filled, _ = province
    entries, want = [], {}
    for f in filled:
        form = read_form(f.path, plan)
        rating = score_form(form, plan).rating
        entries.append(UnitEntry(form.unit_code, tuple(members_of(form, plan)),
                                 tuple(c for c, _, _ in collective_registrations(form)), rating))
        for (person, title), ok in expected_for(f.members, f.collective, rating).items():
            want[(f.unit.code, person, title)] = ok
    props = proposals(plan, entries)
    got = {(p.unit, p.person, p.title): p.proposed for p in props}
    assert got == want
    assert sum(want.values()) > 100 and not all(want.values())          # the demo has both kinds
    not_ok = [p for p in props if not p.eligible]
    assert not_ok and all(p.reason and p.reason != "đủ điều kiện" for p in not_ok)
    capped = [p for p in props if p.eligible and not p.proposed]
    assert all("vượt tỷ lệ" in p.reason for p in capped)
    counts = {c.title: c for c in counts_by_title(plan, props)}
    assert counts["LDTT"].proposed == sum(1 for (u, p, t), ok in want.items() if t == "LDTT" and ok)
    tally = tally_by_level(props)
    individuals = sum(ok for (u, p, t), ok in want.items() if p)
    assert sum(i for _, _, i in tally) == individuals
    assert tally_text(tally).startswith("Cấp ")


def test_the_consolidated_workbook_lists_the_same_proposals(plan, province, tmp_path):
    """Through the consolidation (forms → workbook) and read back from its Excel Tables."""
    from thidua.consolidate.core import run
    from thidua.read.workbook import open_workbook
    filled, _ = province
    out = run([filled[0].path.parent], plan, "dot-1", tmp_path / "tong_hop.xlsx")
    wb = open_workbook(tmp_path / "tong_hop.xlsx")
    rows = wb.table("tblProposals").records()
    got = {(r["Mã đơn vị"], "" if r["Họ và tên"] == "(tập thể)" else r["Họ và tên"],
            NAMES.get(r["Danh hiệu"], {t.name: t.code for t in plan.titles}.get(r["Danh hiệu"]))): r["Đề nghị"] == "Có"
           for r in rows}
    want = {}
    for f in filled:
        rating = out.results[f.unit.code].rating
        for (person, title), ok in expected_for(f.members, f.collective, rating).items():
            want[(f.unit.code, person, title)] = ok
    assert got == want
    counts = {r["Mã"]: r for r in wb.table("tblAwardCounts").records()}
    assert counts["CSTDCS"]["Đề nghị"] == sum(ok for (u, p, t), ok in want.items() if t == "CSTDCS")
    assert "15%" in counts["CSTDCS"]["Tỷ lệ tối đa"]
    tally = wb.table("tblAwardTally").records()
    assert sum(r["Cá nhân"] for r in tally) == sum(ok for (u, p, t), ok in want.items() if p)
