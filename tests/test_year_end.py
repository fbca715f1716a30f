"""Year end, level by level (issue 13): the cluster scores, reviews and signs off in its workbook;
the industry takes only what the cluster sealed, adds its own record, approves or returns; nothing a
unit sends can pass as another unit or as the upper level.

Every figure asserted here is computed independently in the test (support.consolidation.score
with the marks applied by hand), never read back from the tool's own result.
"""
from __future__ import annotations

import shutil

import pytest
from openpyxl import load_workbook
from openpyxl.utils import range_boundaries

from support.consolidation import score
from support.fixtures import PERIOD, fill
from support.libreoffice import convert
from thidua import register as R
from thidua.consolidate import contract as K
from thidua.consolidate import review as RV
from thidua.consolidate.core import consolidate
from thidua.consolidate.records import INCLUDED, REJECTED
from thidua.consolidate.workbook import write_consolidation
from thidua.forms.write import issue_forms

C1, C2 = "C01", "C02"


class Filled:                      # what support.consolidation.score needs of a filled form
    def __init__(self, unit, path, expected):
        self.unit, self.path, self.expected = unit, path, expected


@pytest.fixture(scope="module")
def year(plan, tmp_path_factory):
    """Forms issued with a register for two clusters, filled and returned; the register saved."""
    root = tmp_path_factory.mktemp("year_end")
    reg = R.Register(plan.info.plan_id)
    issued = issue_forms(plan, PERIOD, root / "issued", register=reg)
    reg.save(root / "so_phat_hanh.json")
    inbox = root / "inbox"
    filled = {}
    for p in issued:
        unit = plan.unit(p.name.split("_")[1])
        if unit.cluster not in (C1, C2) or unit.kind != "public":      # fill() types the public form's values
            continue
        dst = fill(plan, p, inbox / p.name)
        filled[unit.code] = dst
    return {"root": root, "register": reg, "issued": issued, "inbox": inbox, "filled": filled}


def _clean_expected(plan, unit):
    from support.fixtures import CLEAN_PUBLIC
    return {k: {"Có": True, "Không": False}.get(v, v) if isinstance(v, str) else v for k, v in CLEAN_PUBLIC.items()}


def expected_total(plan, year, code, upper=None) -> float:
    """The unit's total by the plan's score sheet, with the upper levels' marks `upper` applied."""
    unit = plan.unit(code)
    return score(plan, Filled(unit, year["filled"][code], _clean_expected(plan, unit)), upper)[0]


def set_rows(path, table: str, edits: dict):
    """Edit a table of a workbook by key, as a reviewer types: {(unit,) / (unit, criterion) / (cluster,): {header: value}}."""
    from thidua.demo.edits import set_table_rows
    set_table_rows(path, table, RV.keys_of(table), edits)


def cell_of(path, table: str, unit: str, header: str):
    wb = load_workbook(path)
    for ws in wb.worksheets:
        if table in ws.tables:
            c0, r0, c1, r1 = range_boundaries(ws.tables[table].ref)
            heads = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
            for r in range(r0 + 1, r1 + 1):
                if ws.cell(r, c0 + heads.index("Mã đơn vị")).value == unit:
                    return ws.cell(r, c0 + heads.index(header)).value
    raise AssertionError(f"{unit} not in {table}")


def units_of(plan, cluster):
    return [u.code for u in plan.units if u.cluster == cluster and u.active and u.kind == "public"]


def run(inputs, plan, clusters, out, register, **kw):
    c = consolidate(inputs, plan, PERIOD, clusters, out=out, workers=0, register=register, **kw)
    write_consolidation(c, out)
    return c


def test_unit_cannot_score_for_the_upper_level(plan, year, tmp_path):
    """A value in the form's own 'Cấp trên chấm' column is never used, and it is said."""
    code = units_of(plan, C1)[0]
    src = next(p for p in year["issued"] if f"_{code}_" in p.name)
    crits = plan.criteria_for(plan.unit(code).kind)
    scores = {c.code: (0, c.points, "Có minh chứng.") for c in crits}      # self 0, "upper" full marks
    folder = tmp_path / "in"
    fill(plan, src, folder / src.name, scores=scores)
    c = consolidate([folder], plan, PERIOD, [C1], workers=0, register=year["register"])
    r = c.results[code]
    assert r.ev.self_total == 0
    assert all(upper is None for _, _, _, upper, _ in r.ev.criteria)
    assert "upper_by_unit" in r.record.flags
    entry = next(e for e in c.entries if e.unit == code)
    assert "Cấp trên chấm" in entry.reason
    assert r.ev.total < r.ev.max_total        # the unit's own 100/100 did not count


def test_cluster_record_reaches_the_industry_exactly(plan, year, tmp_path, soffice):
    reg = year["register"]
    pack1, pack2 = reg.for_cluster(C1), reg.for_cluster(C2)
    w1 = tmp_path / "cum" / "tong_hop_C01.xlsx"
    first = run([year["inbox"]], plan, [C1], w1, pack1)
    mine = [e for e in first.entries if e.kind == "form" and plan.unit(e.unit).cluster == C1]
    assert mine and all(e.authentic == "verified" for e in mine)
    u1, u2, u3 = units_of(plan, C1)[:3]
    crit = plan.criteria_for(plan.unit(u1).kind)
    x, y = crit[0], crit[-1]
    # the cluster meeting, typed into the workbook as a person would (openpyxl), then saved by LibreOffice
    set_rows(w1, K.SCORE_REVIEW_TABLE, {(u1, x.code): {"Cụm chấm": x.points / 2, "Ghi chú của cụm": "Thiếu minh chứng"},
                                        (u1, y.code): {"Cụm chấm": "0,5"}})
    set_rows(w1, K.UNIT_REVIEW_TABLE, {(u1,): {"Trạng thái (cụm)": "Đã thẩm định", "Người xem xét (cụm)": "Trần Thị B"},
                                       (u2,): {"Trạng thái (cụm)": "cần bổ sung", "Lý do trả lại (cụm)": "Thiếu biên bản"}})
    set_rows(w1, K.MEETING_TABLE, {(C1,): {"Ngày họp": "20/12/2026", "Thành phần dự họp": "13 đơn vị",
                                           "Đơn vị dẫn đầu được bầu": u3, "Số phiếu bầu": 9,
                                           "Đề nghị Cờ thi đua": u3, "Trưởng cụm ký": "Nguyễn Văn A"}})
    saved = convert([w1], tmp_path / "lo")[w1]
    shutil.copy2(saved, w1)
    # re-consolidating the cluster with its earlier, edited workbook keeps what was entered
    second = run([year["inbox"]], plan, [C1], w1, pack1)
    assert second.review.cluster.marks[(u1, x.code)].score == x.points / 2
    assert second.results[u2].state == RV.NEEDS_MORE and second.results[u2].rank is None
    assert second.review.meeting(C1).voted == u3 and second.review.meeting(C1).signed
    assert any(e.code == "earlier_record" and e.status == INCLUDED for e in second.entries)
    assert cell_of(w1, K.SCORE_REVIEW_TABLE, u1, "Cụm chấm") == x.points / 2    # written back, sealed
    w2 = tmp_path / "cum" / "tong_hop_C02.xlsx"
    run([year["inbox"]], plan, [C2], w2, pack2)
    # the industry, from the two cluster workbooks only, with the full register
    ind_path = tmp_path / "nganh.xlsx"
    ind = run([w1, w2], plan, None, ind_path, reg)
    marks = {x.code: x.points / 2, y.code: 0.5}
    assert ind.results[u1].ev.total == pytest.approx(expected_total(plan, year, u1, marks))
    assert ind.results[u3].ev.total == pytest.approx(expected_total(plan, year, u3))
    assert ind.results[u2].state == RV.NEEDS_MORE and ind.results[u2].state_level == RV.CLUSTER
    assert ind.results[u2].rank is None
    assert not any(p.proposed for p in ind.proposals if p.unit == u2)
    moved = {(o.unit, o.criterion): o for o in ind.overrides}
    assert moved[(u1, x.code)].upper == x.points / 2 and moved[(u1, x.code)].level == RV.CLUSTER
    assert moved[(u1, x.code)].difference == pytest.approx(x.points / 2 - moved[(u1, x.code)].before)
    assert moved[(u1, x.code)].note == "Thiếu minh chứng"
    # the industry verifies: its own mark overrides the cluster's; it returns cluster C02
    set_rows(ind_path, K.SCORE_REVIEW_TABLE, {(u1, x.code): {"Ngành chấm": x.points, "Ghi chú của ngành": "Đã bổ sung"}})
    set_rows(ind_path, K.MEETING_TABLE, {(C2,): {"Ngành duyệt cụm": "Trả lại", "Lý do trả lại cụm": "Thiếu biên bản họp"},
                                         (C1,): {"Ngành duyệt cụm": "Đã duyệt"}})
    again = run([w1, w2], plan, None, ind_path, reg)
    marks[x.code] = x.points
    assert again.results[u1].ev.total == pytest.approx(expected_total(plan, year, u1, marks))
    levels = [(o.level, o.before, o.upper) for o in again.overrides if (o.unit, o.criterion) == (u1, x.code)]
    assert levels == [(RV.CLUSTER, pytest.approx(levels[0][1]), x.points / 2), (RV.INDUSTRY, x.points / 2, x.points)]
    c2_units = set(units_of(plan, C2))
    assert not any(p.proposed for p in again.proposals if p.unit in c2_units)
    assert again.review.approval(C1).approval == RV.VERIFIED
    text = " ".join(t for _, t in __import__("thidua.consolidate.report", fromlist=["lines"]).lines(again))
    assert "trả lại: C02" in text and "Cụm chưa ký xác nhận kết quả họp cụm: C02" in text


def test_record_edited_after_sealing_is_not_taken_by_the_industry(plan, year, tmp_path):
    reg = year["register"]
    w1 = tmp_path / "tong_hop_C01.xlsx"
    run([year["inbox"]], plan, [C1], w1, reg.for_cluster(C1))
    u1 = units_of(plan, C1)[0]
    x = plan.criteria_for(plan.unit(u1).kind)[0]
    set_rows(w1, K.SCORE_REVIEW_TABLE, {(u1, x.code): {"Cụm chấm": 0}})      # typed, never re-consolidated
    ind = consolidate([w1], plan, PERIOD, None, workers=0, register=reg)
    assert (u1, x.code) not in ind.review.cluster.marks
    assert any("đã bị sửa sau khi" in p for p in ind.review.problems)


def test_edited_raw_row_is_flagged_and_the_original_used(plan, year, tmp_path):
    reg = year["register"]
    w2 = tmp_path / "tong_hop_C02.xlsx"
    run([year["inbox"]], plan, [C2], w2, reg.for_cluster(C2))
    code = units_of(plan, C2)[0]
    set_rows_inputs(w2, code, "SL:so_sang_kien", 99)
    alone = consolidate([w2], plan, PERIOD, None, workers=0, register=reg)
    row = next(e for e in alone.entries if e.unit == code and e.via)
    assert (row.status, row.code) == (REJECTED, "edited_row")
    assert code not in alone.results
    original = year["filled"][code]
    both = consolidate([w2, original], plan, PERIOD, None, workers=0, register=reg)
    row = next(e for e in both.entries if e.unit == code and e.code == "edited_row")
    assert f"Đã dùng biểu mẫu gốc '{original.name}'" in row.reason and "99" in row.reason
    assert both.results[code].record.via == ""


def set_rows_inputs(path, unit, header, value):
    wb = load_workbook(path)
    for ws in wb.worksheets:
        if K.INPUTS_TABLE in ws.tables:
            c0, r0, c1, r1 = range_boundaries(ws.tables[K.INPUTS_TABLE].ref)
            heads = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
            for r in range(r0 + 1, r1 + 1):
                if ws.cell(r, c0).value == unit:
                    ws.cell(r, c0 + heads.index(header)).value = value
    wb.save(path)


def _meta(path, key, value):
    set_key(path, K.META_TABLE, key, value)


def test_forged_cluster_workbooks_are_refused(plan, year, tmp_path):
    reg = year["register"]
    good = tmp_path / "tong_hop_C01.xlsx"
    run([year["inbox"]], plan, [C1], good, reg.for_cluster(C1))
    wider = tmp_path / "wider.xlsx"
    shutil.copy2(good, wider)
    _meta(wider, "clusters", "C01 C05")                  # speaks for another cluster: the seal breaks
    unsealed = tmp_path / "unsealed.xlsx"
    run([year["inbox"]], plan, [C1], unsealed, None)     # a lead without the pack: no seal
    for path, words in ((wider, "niêm phong không khớp"), (unsealed, "không có dấu niêm phong")):
        c = consolidate([path], plan, PERIOD, None, workers=0, register=reg)
        e = next(e for e in c.entries if e.name == path.name)
        assert (e.status, e.code) == (REJECTED, "not_authentic") and words in e.reason, e.reason
        assert not c.results
    # the unsealed one without a register at hand: used, and said to be unverified; a row it carries
    # for a unit of another cluster is never taken, whatever its digest
    other = units_of(plan, C2)[0]
    mine = units_of(plan, C1)[-1]
    set_rows_inputs(unsealed, mine, "Mã đơn vị", other)
    c = consolidate([unsealed], plan, PERIOD, None, workers=0)
    assert c.results and next(e for e in c.entries if e.name == unsealed.name).authentic == "unverified"
    row = next(e for e in c.entries if e.unit == other)
    assert row.code == "not_authentic" and "không được nói thay" in row.reason and other not in c.results
    from thidua.consolidate.report import authenticity_line
    assert "chưa xác minh" in authenticity_line(c)


def test_forged_forms_are_refused(plan, year, tmp_path):
    reg = year["register"]
    a, b = units_of(plan, C1)[:2]
    folder = tmp_path / "in"
    folder.mkdir()
    fa, fb = year["filled"][a], year["filled"][b]
    # b's genuine form carrying a's token; a form whose token was removed
    token_a = _form_meta(fa)["form_token"]
    stolen = folder / ("stolen_" + fb.name)
    shutil.copy2(fb, stolen)
    _set_form_meta(stolen, "form_token", token_a)
    blank = folder / ("notoken_" + fb.name)
    shutil.copy2(fb, blank)
    _set_form_meta(blank, "form_token", None)
    # a unit form carrying a consolidation meta table is never read as a consolidation
    mixed = folder / ("mixed_" + fa.name)
    wb = load_workbook(fa, keep_vba=True)
    from openpyxl.worksheet.table import Table
    ws = wb.create_sheet("x")
    ws.append(["Khóa", "Giá trị"])
    ws.append(["format", K.FORMAT])
    ws.add_table(Table(displayName=K.META_TABLE, ref="A1:B2"))
    wb.save(mixed)
    c = consolidate([folder], plan, PERIOD, None, workers=0, register=reg)
    by_name = {e.name: e for e in c.entries}
    assert by_name[stolen.name].code == "not_authentic" and f"đã phát cho đơn vị {a}" in by_name[stolen.name].reason
    assert by_name[blank.name].code == "not_authentic" and "không có mã xác thực" in by_name[blank.name].reason
    assert by_name[mixed.name].code == "mixed_workbook" and by_name[mixed.name].status == REJECTED
    assert not c.results


def _form_meta(path) -> dict:
    from thidua import contract as C
    wb = load_workbook(path, keep_vba=True)
    for ws in wb.worksheets:
        if C.META_TABLE in ws.tables:
            c0, r0, c1, r1 = range_boundaries(ws.tables[C.META_TABLE].ref)
            return {ws.cell(r, c0).value: ws.cell(r, c0 + 1).value for r in range(r0 + 1, r1 + 1)}
    return {}


def _set_form_meta(path, key, value):
    from thidua import contract as C
    set_key(path, C.META_TABLE, key, value)


def set_key(path, table: str, key: str, value):
    """A key/value table's value (a form's tblMeta, a workbook's tblConsolidationMeta)."""
    from thidua.demo.edits import set_table_rows
    set_table_rows(path, table, ("Khóa",), {(key,): {"Giá trị": value}})


def test_conflicting_copies_are_shown_and_a_person_chooses(plan, year, tmp_path):
    reg = year["register"]
    code = units_of(plan, C1)[0]
    src = next(p for p in year["issued"] if f"_{code}_" in p.name)
    folder = tmp_path / "in"
    first = fill(plan, src, folder / src.name, {"so_sang_kien": 3}, info={"ngay_bao_cao": "02/07/2026"})
    other = fill(plan, src, folder / ("ban2_" + src.name), {"so_sang_kien": 7}, info={"ngay_bao_cao": "05/07/2026"})
    out = tmp_path / "tong_hop_C01.xlsx"
    c = run([folder], plan, [C1], out, reg.for_cluster(C1))
    [x] = c.conflicts
    assert x.used.record.file == other.name and not x.chosen             # the rule, provisionally
    assert any(what.startswith("Số sáng kiến") or "sáng kiến" in what.lower() for what, _, _ in x.differences)
    set_rows(out, K.UNIT_REVIEW_TABLE, {(code,): {"Bản được dùng (cụm)": first.name}})
    again = run([folder], plan, [C1], out, reg.for_cluster(C1))
    assert again.results[code].record.file == first.name
    assert again.conflicts[0].chosen == RV.CLUSTER
    assert again.results[code].ev.values["so_sang_kien"] == 3
