"""Consolidation on the demo province: every file accounted for, figures equal to an independent
recomputation, lossless roll-up from cluster workbooks, LibreOffice opens the result with its
charts and formulas, text stays text, sources untouched, atomic output; plus the rules the issue
left to us (duplicates, tie rule, caps, lateness, out-of-scope and rejected inputs) and the CLI."""
from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import re
import shutil
import zipfile
from datetime import datetime

import pytest
from openpyxl import load_workbook

from support.consolidation import (PERIOD, expected_industry, fingerprint, floor_share, score, table_cells,
                                   table_rows)
from support.fixtures import fill
from support.libreoffice import convert
from thidua.cli import main
from thidua.consolidate import records as R
from thidua.consolidate.core import consolidate, run
from thidua.consolidate.workbook import write_consolidation
from thidua.demo.edits import table_cell
from thidua.errors import ThiduaError
from thidua import contract as C


def inventory(path) -> dict[str, dict]:
    rows = table_rows(path, "tblInventory")
    return {(r["Tệp"], r["Qua bảng tổng hợp"] or ""): r for r in rows}


def direct_rows(path) -> dict[str, dict]:
    return {name: r for (name, via), r in inventory(path).items() if not via}


# --- the demo province -----------------------------------------------------------------------
def test_every_file_of_the_inbox_is_listed_once_with_its_checksum_and_status(inbox, consolidated):
    _, out = consolidated
    rows = direct_rows(out)
    on_disk = {p.name: p for p in inbox.folder.iterdir()}
    assert set(rows) == set(on_disk)                               # nothing silently skipped
    assert len(table_rows(out, "tblInventory")) == len(on_disk)
    for name, p in on_disk.items():
        assert rows[name]["SHA-256"] == hashlib.sha256(p.read_bytes()).hexdigest(), name
        assert rows[name]["Cỡ tệp (byte)"] == p.stat().st_size
        assert rows[name]["Trạng thái"] == R.STATUS_LABELS[rows[name]["Mã trạng thái"]]
        assert rows[name]["Lý do"] or rows[name]["Mã trạng thái"] == R.INCLUDED
    for f in inbox.filled:
        assert rows[f.path.name]["Mã trạng thái"] == R.INCLUDED, f.path.name
        assert rows[f.path.name]["Mã đơn vị"] == f.unit.code


def test_each_planted_file_has_the_right_status_and_reason(inbox, consolidated):
    _, out = consolidated
    rows = direct_rows(out)
    want = {"duplicate": R.DUPLICATE, "corrupt": R.UNREADABLE, "lock_file": R.NOT_A_FORM,
            "not_a_form": R.NOT_A_FORM, "encrypted": R.UNREADABLE}
    assert set(inbox.bad.values()) >= {"duplicate", "corrupt", "lock_file", "not_a_form", "encrypted"}
    for name, planted in inbox.bad.items():
        row = rows[name]
        expected = R.NOT_A_FORM if name.endswith(".txt") else want[planted]
        assert row["Mã trạng thái"] == expected, (name, row)
        assert row["Mã chi tiết"] == ("not_excel" if name.endswith(".txt") else planted)
    dup = next(n for n, k in inbox.bad.items() if k == "duplicate")
    original = inbox.filled[0].path.name
    row = rows[dup]
    assert row["Bản được dùng"] == original
    assert "cùng ngày báo cáo" in row["Lý do"] and "cùng SHA-256" in row["Lý do"] and original in row["Lý do"]
    assert rows[original]["Mã trạng thái"] == R.INCLUDED and "2 bản" in rows[original]["Lý do"]
    lock = next(n for n, k in inbox.bad.items() if k == "lock_file")
    assert "tệp tạm Excel" in rows[lock]["Lý do"] and rows[lock]["SHA-256"]


def test_missing_and_late_units_and_the_dhis2_rates(plan, inbox, consolidated):
    result, out = consolidated
    missing = {u.code for u in inbox.missing}
    late = {f.unit.code for f in inbox.filled if f.late}
    assert {r["Mã đơn vị"] for r in table_rows(out, "tblMissing")} == missing
    late_rows = table_rows(out, "tblLate")
    assert {r["Mã đơn vị"] for r in late_rows} == late
    assert all(r["Số ngày muộn"] > 0 and r["Căn cứ"] == "ngày báo cáo" for r in late_rows)
    expected = plan.active_units(plan.period(PERIOD))
    rows = table_rows(out, "tblCompleteness")
    for r in rows:
        units = [u for u in expected if u.cluster == r["Cụm"]]
        got = [u for u in units if u.code not in missing]
        on_time = [u for u in got if u.code not in late]
        assert (r["Phải báo cáo"], r["Đã nộp"], r["Đúng hạn"], r["Nộp muộn"], r["Chưa nộp"]) == \
            (len(units), len(got), len(on_time), len(got) - len(on_time), len(units) - len(got))
        assert r["Tỷ lệ báo cáo"] == pytest.approx(len(got) / len(units))
        assert r["Tỷ lệ đúng hạn"] == pytest.approx(len(on_time) / len(units))
    n, n_missing = len(expected), len(missing)
    assert result.reporting_rate == pytest.approx((n - n_missing) / n)
    assert result.on_time_rate == pytest.approx((n - n_missing - len(late)) / n)


def test_industry_figures_equal_an_independent_recomputation(plan, inbox, consolidated):
    _, out = consolidated
    want = expected_industry(plan, inbox.filled)
    rows = {r["Mã chỉ tiêu"]: r for r in table_rows(out, "tblIndustryTargets")}
    assert set(rows) == {t.code for t in plan.industry_targets()}
    for t in plan.industry_targets():
        r = rows[t.code]
        if t.measure == "manual":
            assert r["Kết quả"] == "Đánh giá thủ công"
            continue
        num, den = want[t.code]
        assert r["Số đạt"] == pytest.approx(num), t.code
        if den is not None:
            assert r["Số CĐCS thuộc diện"] == den, t.code
        if t.measure in ("share_met", "share_rating_at_least"):
            assert r["Thực hiện"] == pytest.approx(num / den)
            counted = "thuộc diện xếp loại" if t.measure == "share_rating_at_least" else "phải báo cáo"
            kind = "" if t.applies_to == "all" else " " + {"public": "công lập", "non_public": "ngoài công lập"}[t.applies_to]
            share = f"{num}/{den} CĐCS{kind} {counted} = "        # the denominator says what it counts
            assert share in r["Diễn giải"], (t.code, r["Diễn giải"])
            verdict = "Đạt" if num / den >= t.value - 1e-9 else "Chưa đạt"
            assert r["Kết quả"] == verdict, t.code
        if not t.yearly:
            assert r["Kết quả"] == "Lũy kế giai đoạn" and "lũy kế giai đoạn" in r["Diễn giải"]
    hoinghi = rows["N_CL_HOINGHI"]["Diễn giải"]     # the example, in Vietnamese number style
    num, den = want["N_CL_HOINGHI"]
    pct = f"{num / den * 100:.1f}".replace(".", ",").replace(",0", "") + "%"
    assert hoinghi.startswith(f"100% CĐCS tổ chức hội nghị CBCCVC đầu năm: {num}/{den} CĐCS công lập phải báo cáo = "
                              f"{pct} — chỉ tiêu ≥ 100% — ")
    # rating distribution of the whole province
    total = {r["Loại hình"]: r for r in table_rows(out, "tblRatingDistribution")}["Tổng cộng"]
    ratings = [score(plan, f)[1] for f in inbox.filled]
    for code in (r.code for r in plan.ratings):
        assert total[code] == ratings.count(code), code
    assert total["Chưa xếp loại"] == ratings.count(None)
    assert total["Chưa nộp"] == len(inbox.missing)


def test_unit_scores_ranks_and_leaders(plan, inbox, consolidated):
    result, out = consolidated
    for f in inbox.filled:
        total, rating = score(plan, f)
        r = result.results[f.unit.code]
        assert (r.ev.total, r.rating) == (pytest.approx(total), rating), f.unit.code
    for cl in plan.clusters:
        rows = table_rows(out, f"tblCum_{cl.code}")
        expected = [u for u in plan.active_units(plan.period(PERIOD)) if u.cluster == cl.code]
        assert {r["Mã đơn vị"] for r in rows} == {u.code for u in expected}       # missing ones listed too
        ranked = [r for r in rows if r["Hạng"] is not None]
        totals = [r["Tổng điểm"] for r in ranked]
        assert totals == sorted(totals, reverse=True)
        assert [r["Hạng"] for r in ranked][:1] == ([1] if ranked else [])
        if ranked:
            best = max(ranked, key=lambda r: r["Tổng điểm"])
            lead = result.leaders[cl.code]
            assert best["Mã đơn vị"] in [x.unit for x in lead.units]
            assert best["Mã đơn vị"] in lead.text


def test_lossless_roll_up_from_cluster_workbooks(plan, inbox, consolidated, cluster_books, workdir):
    direct, direct_path = consolidated
    out = workdir / "tong_hop" / "tu_cum.xlsx"
    rolled = run([cluster_books[0].parent], plan, PERIOD, out)
    assert rolled.figures() == direct.figures()
    for name in ("tblIndustryTargets", "tblCompleteness", "tblRatingDistribution", "tblClusterRatings",
                 "tblClusterTargets", "tblLeaders", "tblMissing", "tblLate",
                 *[f"tblCum_{c.code}" for c in plan.clusters]):
        a, b = table_rows(direct_path, name), table_rows(out, name)
        strip = lambda rows: [{k: v for k, v in r.items() if k != "Ghi chú"} for r in rows]  # noqa: E731
        assert strip(a) == strip(b), name
    # the roll-up still accounts for every file the cluster leads received, once each
    rows = inventory(out)
    names = {name for name, via in rows if via}
    assert {f.path.name for f in inbox.filled} <= names
    assert set(inbox.bad) <= names
    corrupt = next((n for n, k in inbox.bad.items() if k == "encrypted"), None)
    if corrupt:
        row = next(r for (name, via), r in rows.items() if name == corrupt)
        assert row["Mã trạng thái"] == R.UNREADABLE and row["Qua bảng tổng hợp"].count("tong_hop_C") == len(plan.clusters)
    assert {name for name, via in rows if not via} == {p.name for p in cluster_books}


def test_a_mix_of_cluster_workbooks_and_forms_counts_each_unit_once(plan, inbox, consolidated, cluster_books):
    direct, _ = consolidated
    mixed = consolidate([cluster_books[0], cluster_books[1], inbox.folder], plan, PERIOD)
    assert mixed.figures()["targets"] == direct.figures()["targets"]
    assert mixed.n_received == direct.n_received
    dup = [e for e in mixed.entries if e.status == R.DUPLICATE]
    assert dup and all(e.winner for e in dup)


def test_the_output_opens_in_libreoffice_with_charts_and_equal_formulas(soffice, consolidated, tmp_path):
    _, out = consolidated
    with zipfile.ZipFile(out) as z:
        names = z.namelist()
    assert sum(n.startswith("xl/charts/chart") for n in names) == 2
    lo = convert([out], tmp_path)[out]
    with zipfile.ZipFile(lo) as z:
        assert sum(n.startswith("xl/charts/chart") for n in z.namelist()) == 2
    with zipfile.ZipFile(out) as z:                  # the charts plot the right columns
        stacked, bars = (z.read(f"xl/charts/chart{i}.xml").decode() for i in (1, 2))
    ws, cols, rows = table_cells(out, "tblClusterRatings")
    letter = lambda h: rows[0][cols[h]].column_letter  # noqa: E731
    refs = re.findall(r"<c:val><c:numRef><c:f>[^<]*!\$([A-Z]+)\$", stacked)
    assert refs == [letter(code) for code in ("HTXSNV", "HTTNV", "HTNV", "KHTNV", "Chưa xếp loại", "Chưa nộp")]
    ws, cols, rows = table_cells(out, "tblClusterTargets")
    assert re.findall(r"<c:val><c:numRef><c:f>[^<]*!\$([A-Z]+)\$", bars) == [rows[0][cols["Tỷ lệ đạt"]].column_letter]
    ours_f = load_workbook(out)                       # formulas
    ours_v = load_workbook(out, data_only=True)       # the values Python cached
    theirs = load_workbook(lo, data_only=True)        # LibreOffice's recalculation
    checked = 0
    for ws in ours_f.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.data_type != "f":
                    continue
                mine = ours_v[ws.title][cell.coordinate].value
                lo_value = theirs[ws.title][cell.coordinate].value
                if mine in (None, ""):
                    assert lo_value in (None, ""), (ws.title, cell.coordinate)
                else:
                    assert lo_value == pytest.approx(mine), (ws.title, cell.coordinate, cell.value)
                checked += 1
    assert checked > 100


def test_every_sheet_prints_on_a4_one_page_wide_with_long_tables_repeating_their_header(consolidated):
    _, out = consolidated
    wb = load_workbook(out)
    visible = [ws for ws in wb.worksheets if ws.sheet_state == "visible"]
    assert [ws.title for ws in wb.worksheets if ws.sheet_state != "visible"] == ["_thidua"]
    for ws in visible:
        assert ws.page_setup.paperSize == 9, ws.title                    # A4
        setup = ws.page_setup                          # fitToWidth absent means 1 (the file format's default)
        assert (setup.fitToWidth or 1) == 1 and setup.fitToHeight == 0 and ws.sheet_properties.pageSetUpPr.fitToPage
        assert "&P" in ws.oddFooter.right.text and "&N" in ws.oddFooter.right.text, ws.title
    long_tables = {"tblInventory", "tblProposals", "tblCum_C01", "tblIndustryTargets"}
    machine = {"tblUnitInputs", "tblMemberInputs"}           # for programs: only their title prints
    for ws in visible:
        for name, ref in ws.tables.items():
            if name in machine:
                assert ws.print_area and ws.print_area.endswith("$2"), (ws.title, ws.print_area)
                machine.discard(name)
            if name in long_tables:
                header = int(re.match(r"[A-Z]+(\d+)", ref).group(1))
                assert ws.print_title_rows.replace("$", "") == f"{header}:{header}", (ws.title, name)
                if name in ("tblCum_C01", "tblIndustryTargets"):
                    continue                                # (frozen beside their first columns: tested as is)
                assert int(re.match(r"[A-Z]+(\d+)", ws.freeze_panes).group(1)) == header + 1, (ws.title, name)
                long_tables.discard(name)
    assert long_tables == {"tblCum_C01", "tblIndustryTargets"} and not machine


def test_sources_are_never_modified(inbox, consolidated):
    assert fingerprint(inbox.folder) == inbox.fingerprint


def test_output_is_replaced_atomically(plan, inbox, consolidated, tmp_path, monkeypatch):
    result, _ = consolidated
    out = tmp_path / "tong_hop.xlsx"
    out.write_bytes(b"ban cu")
    import thidua.write.xlsx as X

    def broken(src, dst):                            # the disk fails at the last step
        raise OSError(28, "No space left on device")
    monkeypatch.setattr(X.os, "replace", broken)
    from thidua.errors import ThiduaError
    with pytest.raises(ThiduaError) as err:
        write_consolidation(result, out)
    assert "Không ghi được tệp kết quả" in err.value.message
    assert out.read_bytes() == b"ban cu" and sorted(p.name for p in tmp_path.iterdir()) == ["tong_hop.xlsx"]
    monkeypatch.undo()
    write_consolidation(result, out)
    assert zipfile.is_zipfile(out) and sorted(p.name for p in tmp_path.iterdir()) == ["tong_hop.xlsx"]


def test_a_table_longer_than_an_excel_sheet_is_a_clear_error_and_no_file(consolidated, tmp_path, monkeypatch):
    result, _ = consolidated
    import thidua.write.stream as S
    real_init = S.StreamSheet.__init__

    def small(self):                                  # sheets of 12 rows instead of 1,048,576
        real_init(self)
        self.xls_rowmax = 12
    monkeypatch.setattr(S.StreamSheet, "__init__", small)
    from thidua.errors import ThiduaError
    with pytest.raises(ThiduaError) as err:
        write_consolidation(result, tmp_path / "tong_hop.xlsx")
    assert "giới hạn của một trang Excel" in err.value.message and "12 dòng" in err.value.message
    assert list(tmp_path.iterdir()) == []


# --- small, hand-made folders ----------------------------------------------------------------
def _units(plan, issued, cluster="C01", kind="public"):
    return [p for p in issued if p.name.startswith(cluster + "_") and plan.unit(p.name.split("_")[1]).kind == kind]


def _set_text(path, **info):
    """Type text into reporter cells the way Excel keeps it: as text, even when it starts with "="."""
    wb = load_workbook(path, keep_vba=path.suffix == ".xlsm")
    for code, v in info.items():
        cell = table_cell(wb, C.UNIT_TABLE, code, C.VALUE)
        cell.value = v
        cell.data_type = "s"
    wb.save(path)


def test_text_from_forms_and_plan_stays_text(plan, issued, tmp_path):
    from thidua.forms.write import form_filename, write_form
    from thidua.read.form import read_form
    code = _units(plan, issued)[0].name.split("_")[1]
    units = tuple(dataclasses.replace(u, name="=1+1") if u.code == code else u for u in plan.units)
    odd = dataclasses.replace(plan, units=units)          # a unit named like a formula, issued so
    src = write_form(odd, odd.unit(code), odd.period(PERIOD), tmp_path / "issued" / form_filename(odd.unit(code), odd.period(PERIOD)))
    folder = tmp_path / "in"
    _set_text(fill(odd, src, folder / src.name), nguoi_bao_cao="=1+1", chuc_vu="=HYPERLINK(\"x\")")
    assert read_form(folder / src.name, odd).info["nguoi_bao_cao"].raw == "=1+1"      # text in the source
    out = tmp_path / "out.xlsx"
    run([folder], odd, PERIOD, out, ["C01"])
    ws, cols, rows = table_cells(out, "tblUnitInputs")
    row = next(r for r in rows if r[cols["Mã đơn vị"]].value == code)
    for header, text in (("TT:nguoi_bao_cao", "=1+1"), ("TT:chuc_vu", "=HYPERLINK(\"x\")"), ("Tên đơn vị", "=1+1")):
        cell = row[cols[header]]
        assert (cell.value, cell.data_type) == (text, "s"), header
    ws, cols, rows = table_cells(out, "tblCum_C01")
    cell = next(r for r in rows if r[cols["Mã đơn vị"]].value == code)[cols["Tên đơn vị"]]
    assert (cell.value, cell.data_type) == ("=1+1", "s")
    with zipfile.ZipFile(out) as z:
        assert not any(b"<f>1+1</f>" in z.read(n) for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_duplicates_later_report_date_then_later_file_time_then_name(plan, issued, tmp_path):
    a, b = _units(plan, issued)[:2]
    folder = tmp_path / "in"
    first = fill(plan, a, folder / a.name, {"so_sang_kien": 1}, info={"ngay_bao_cao": "02/07/2026"})
    again = fill(plan, a, folder / ("sua_" + a.name), {"so_sang_kien": 4}, info={"ngay_bao_cao": "06/07/2026"})
    os.utime(again, (datetime(2026, 7, 1).timestamp(),) * 2)      # older file, later report date
    b1 = fill(plan, b, folder / b.name, {"so_sang_kien": 2})
    b2 = fill(plan, b, folder / ("z_" + b.name), {"so_sang_kien": 5})
    os.utime(b1, (datetime(2026, 7, 5, 8).timestamp(),) * 2)
    os.utime(b2, (datetime(2026, 7, 5, 9).timestamp(),) * 2)
    c = consolidate([folder], plan, PERIOD, ["C01"])
    by = {e.name: e for e in c.entries}
    ua, ub = a.name.split("_")[1], b.name.split("_")[1]
    assert by[first.name].status == R.DUPLICATE and by[first.name].winner == again.name
    assert "ngày báo cáo 02/07/2026, trước ngày báo cáo của bản được dùng (06/07/2026)" in by[first.name].reason
    assert c.results[ua].ev.values["so_sang_kien"] == 4
    assert by[b1.name].status == R.DUPLICATE and by[b1.name].winner == b2.name
    assert "sửa lúc 05/07/2026 08:00:00" in by[b1.name].reason
    assert c.results[ub].ev.values["so_sang_kien"] == 5
    os.utime(b1, (datetime(2026, 7, 5, 9).timestamp(),) * 2)      # all equal: the name decides
    c = consolidate([folder], plan, PERIOD, ["C01"])
    by = {e.name: e for e in c.entries}
    assert by[b2.name].status == R.DUPLICATE and by[b2.name].winner == b1.name
    assert "tên xếp trước" in by[b2.name].reason


def test_inputs_that_are_refused_say_why(plan, plan_path, issued, tmp_path):
    from thidua.forms.write import form_filename, write_form
    pub = _units(plan, issued)
    folder = tmp_path / "in"
    good = fill(plan, pub[0], folder / pub[0].name)
    unit = plan.unit(pub[1].name.split("_")[1])
    other = write_form(plan, unit, plan.period("dot-2"), tmp_path / "dot2" / form_filename(unit, plan.period("dot-2")))
    other_period = fill(plan, other, folder / "dot-2_form.xlsm")
    changed = fill(plan, pub[2], folder / "doi_ma.xlsm")
    wb = load_workbook(changed, keep_vba=True)
    table_cell(wb, C.UNIT_TABLE, "ma_don_vi", C.VALUE).value = "YT999"
    wb.save(changed)
    foreign = fill(plan, pub[3], folder / "ke_hoach_khac.xlsm")
    wb = load_workbook(foreign, keep_vba=True)
    table_cell(wb, C.META_TABLE, "plan_id", C.VALUE, code_header=C.KEY).value = "KH-KHAC"
    wb.save(foreign)
    shutil.copy(plan_path, folder / "ke_hoach.xlsx")
    (folder / "con").mkdir()
    (folder / "con" / "ghi-chu.pdf").write_bytes(b"%PDF-1.4")
    inactive_code = pub[4].name.split("_")[1]
    fill(plan, pub[4], folder / pub[4].name)
    units = tuple(dataclasses.replace(u, active=False) if u.code == inactive_code else u for u in plan.units)
    plan2 = dataclasses.replace(plan, units=units)
    with pytest.raises(ThiduaError, match="Không tìm thấy.*khong_co"):    # a typo refuses the run
        consolidate([folder, tmp_path / "khong_co"], plan2, PERIOD, ["C01"])
    c = consolidate([folder], plan2, PERIOD, ["C01"])
    by = {e.name: e for e in c.entries}
    assert (by[other_period.name].status, by[other_period.name].code) == (R.REJECTED, "other_period")
    assert "Đợt 2" in by[other_period.name].reason
    assert (by[changed.name].status, by[changed.name].code) == (R.REJECTED, "identity_changed")
    assert (by[foreign.name].status, by[foreign.name].code) == (R.REJECTED, "other_plan")
    assert (by["ke_hoach.xlsx"].status, by["ke_hoach.xlsx"].code) == (R.NOT_A_FORM, "not_a_form")
    assert "kế hoạch" in by["ke_hoach.xlsx"].reason
    assert by["ghi-chu.pdf"].status == R.NOT_A_FORM
    assert (by[pub[4].name].status, by[pub[4].name].code) == (R.REJECTED, "not_expected")
    assert inactive_code not in {u.code for u in c.expected}
    assert by[good.name].status == R.INCLUDED and set(c.results) == {pub[0].name.split("_")[1]}
    assert all(e.reason for e in c.entries if e.status != R.INCLUDED)


def test_changed_targets_are_flagged_and_the_plans_targets_used(plan, issued, tmp_path):
    src = _units(plan, issued)[0]
    path = fill(plan, src, tmp_path / "in" / src.name, {"kpcd_da_thu": 90_000_000})
    wb = load_workbook(path, keep_vba=True)
    table_cell(wb, C.INDICATOR_TABLE, "ty_le_kpcd", C.TARGET_MIN).value = 0.5
    table_cell(wb, C.INDICATOR_TABLE, "ty_le_kpcd", C.TARGET_TEXT).value = "≥ 50%"
    wb.save(path)
    c = consolidate([path.parent], plan, PERIOD, ["C01"])
    r = c.results[src.name.split("_")[1]]
    assert "targets_changed" in r.record.flags
    assert r.ev.verdicts["CL_KPCD"] == "Chưa đạt"                      # 90% against the plan's 100%
    e = next(e for e in c.entries if e.name == src.name)
    assert e.status == R.INCLUDED and "chỉ tiêu lấy từ kế hoạch" in e.reason


def test_tie_rule_groups_then_report_date_then_equal_rank(plan, issued, tmp_path):
    a, b, c_, d, e = _units(plan, issued)[:5]
    folder = tmp_path / "in"
    fill(plan, a, folder / a.name, scores={"CL1.4": (8, None, "x")})                       # 98: g1 33
    fill(plan, b, folder / b.name, scores={"CL2.4": (8, None, "x")})                       # 98: g1 35
    fill(plan, c_, folder / c_.name)                                                       # 100
    fill(plan, d, folder / d.name)                                                         # 100, same day
    fill(plan, e, folder / e.name, scores={"CL1.4": (8, None, "x")}, info={"ngay_bao_cao": "01/07/2026"})
    res = consolidate([folder], plan, PERIOD, ["C01"])
    code = lambda p: p.name.split("_")[1]  # noqa: E731
    ranks = {r.unit: r.rank for r in res.ranked["C01"]}
    assert ranks == {code(c_): 1, code(d): 1, code(b): 3, code(e): 4, code(a): 5}
    lead = res.leaders["C01"]
    assert {r.unit for r in lead.units} == {code(c_), code(d)} and "Hội nghị cụm biểu quyết" in lead.text
    notes = {r.unit: r.rank_note for r in res.ranked["C01"]}
    assert notes[code(e)] == f"xếp sau {code(b)} vì {code(b)} có cùng tổng điểm 98 nhưng điểm nhóm 1 cao hơn (35 so với 33)"
    assert notes[code(a)] == (f"xếp sau {code(e)} vì {code(e)} có cùng tổng điểm và điểm từng nhóm nhưng nộp báo cáo "
                              "sớm hơn (01/07/2026 so với 05/07/2026)")
    assert "đồng hạng" in notes[code(d)] or "đồng hạng" in notes[code(c_)]


def test_rating_caps_move_the_last_units_down_with_the_reason(plan, inbox):
    ratings = tuple(dataclasses.replace(r, cap=0.2) if r.code == "HTXSNV" else r for r in plan.ratings)
    capped = dataclasses.replace(plan, ratings=ratings)
    c = consolidate([inbox.folder], capped, PERIOD)
    rated = [r for r in c.results.values() if r.ev.eligible]
    allowed = floor_share(0.2, len(rated))
    top = sorted((r for r in rated if r.ev.rating == "HTXSNV"), key=lambda r: -r.ev.total)
    assert len(top) > allowed
    kept = [r for r in rated if r.rating == "HTXSNV"]
    assert len(kept) == allowed
    assert min(r.ev.total for r in kept) >= max(r.ev.total for r in top if r.rating != "HTXSNV")
    assert len(c.cap_moves) == len(top) - allowed
    m = c.cap_moves[0]
    assert m.from_rating == "HTXSNV" and m.to_rating == "HTTNV"
    assert f"tỷ lệ tối đa HTXSNV là 20% của {len(rated)} CĐCS được xếp loại = {allowed} CĐCS" in m.reason
    dist = {d.label: d for d in c.by_kind}["Tổng cộng"]
    assert dist.counts["HTXSNV"] == allowed


def test_a_cluster_consolidation_lists_other_clusters_as_out_of_scope(plan, inbox, consolidated):
    c = consolidate([inbox.folder], plan, PERIOD, ["C02"])
    assert c.clusters == ["C02"] and {u.cluster for u in c.expected} == {"C02"}
    other = [e for e in c.entries if e.status == R.OUT_OF_SCOPE]
    assert other and all(plan.unit(e.unit).cluster != "C02" and "ngoài phạm vi" in e.reason for e in other)
    full = consolidated[0]
    assert c.completeness[0].n_received == next(k.n_received for k in full.completeness if k.code == "C02")


def test_a_consolidation_workbook_of_another_period_is_refused(plan, cluster_books, tmp_path):
    book = tmp_path / cluster_books[0].name
    shutil.copy(cluster_books[0], book)
    ws, cols, rows = table_cells(book, "tblConsolidationMeta")
    wb = load_workbook(book)
    ws = wb[ws.title]
    for r in rows:
        if r[0].value == "period_code":
            ws[r[1].coordinate] = "dot-2"
    wb.save(book)
    c = consolidate([book], plan, PERIOD)
    e = c.entries[0]
    assert (e.kind, e.status, e.code) == ("consolidation", R.REJECTED, "other_period") and c.n_received == 0


def test_cli_consolidate(plan_path, inbox, tmp_path, capsys):
    out = tmp_path / "kq.xlsx"
    code = main(["consolidate", str(inbox.folder), "--plan", str(plan_path), "--period", PERIOD, "-o", str(out),
                 "--cluster", "C01"])
    text = capsys.readouterr().out
    assert code == 1 and out.exists() and "Traceback" not in text      # 1: some files could not be used
    assert "tỷ lệ báo cáo" in text and "Dẫn đầu cụm C01" in text and str(out.resolve()) in text
    code = main(["consolidate", str(inbox.folder), "--plan", str(plan_path), "--period", PERIOD, "-o",
                 str(tmp_path / "kq2.xlsx"), "--cluster", "C01", "--json", "--workers", "1"])
    data = json.loads(capsys.readouterr().out)
    assert {"completeness", "targets", "units", "leaders"} <= set(data) and data["completeness"][0][0] == "C01"
    assert main(["consolidate", str(inbox.folder), "--plan", str(plan_path), "--period", "dot-9", "-o",
                 str(tmp_path / "x.xlsx")]) == 2
    assert "Không có đợt 'dot-9'" in capsys.readouterr().err
    assert main(["consolidate", str(inbox.folder), "--plan", str(plan_path), "--period", PERIOD, "-o",
                 str(tmp_path / "x.xlsx"), "--cluster", "C99"]) == 2
    assert "Không có cụm C99" in capsys.readouterr().err


def test_one_process_and_two_processes_agree(plan, inbox, consolidated):
    one = consolidate([inbox.folder], plan, PERIOD, workers=1)
    two = consolidate([inbox.folder], plan, PERIOD, workers=2)
    assert one.figures() == two.figures() == consolidated[0].figures()
    assert [(e.name, e.status, e.reason) for e in one.entries] == [(e.name, e.status, e.reason) for e in two.entries]


def test_error_counts_come_from_the_reader_or_with_check_from_the_check_engine(plan, inbox):
    rule_only = [f for f in inbox.filled if f.planted
                 and all(p.kind in ("collected_gt_due", "joined_gt_recruited", "members_gt_workers") for p in f.planted)]
    unreadable = [f for f in inbox.filled if any(p.kind == "unparseable_number" for p in f.planted)]
    assert rule_only and unreadable
    fast = consolidate([inbox.folder], plan, PERIOD)
    full = consolidate([inbox.folder], plan, PERIOD, check=True)
    for f in rule_only:                  # a broken consistency rule: only the check engine sees it
        assert fast.results[f.unit.code].record.errors == 0 < full.results[f.unit.code].record.errors
    for f in unreadable:                 # an unreadable cell: both see it
        assert 1 <= fast.results[f.unit.code].record.errors <= full.results[f.unit.code].record.errors
    assert full.figures()["targets"] == fast.figures()["targets"]


def test_row_digests_worked_out_in_the_readers_equal_the_writers(plan, consolidated):
    """A form's tblUnitInputs digest is computed where the file is read (contract.record_digest); it
    must be what record_row computes from the record, and a record whose status changed after reading
    (a duplicate) must get its digest computed again."""
    from thidua.consolidate import contract as K
    c, _ = consolidated
    headers = [h for h, _ in K.raw_columns(c.plan)]
    memoised = [r for r in c.records if r.digest_memo]
    assert len(memoised) >= len(c.results) - 2          # nearly every unit came from a form
    assert any(r.status != R.INCLUDED for r in memoised)   # the inbox has duplicates
    for rec in memoised:
        fresh = dataclasses.replace(rec)                     # a copy never carries the memo
        assert fresh.digest_memo == ()
        row = K.record_row(fresh, {}, headers)
        assert K.record_row(rec, {}, headers) == row
        members = [{h: K.raw_value(m.get(h)) for h in C.MEMBER_COLUMNS} for m in rec.members]
        assert row[-1] == K.input_digest(dict(zip([*K.FIXED_HEADERS, *headers], row[:-1])), members)   # as read back
    dup = next(r for r in memoised if r.status != R.INCLUDED)
    assert dup.digest_memo[0] == R.INCLUDED            # worked out before the duplicate was found
    as_read = dataclasses.replace(dup, status=R.INCLUDED)
    assert K.record_row(dup, {}, headers)[-1] != K.record_row(as_read, {}, headers)[-1]
    edited = dataclasses.replace(memoised[0], values={**memoised[0].values, "so_cnvcld": 1})
    assert K.record_row(edited, {}, headers)[-1] != memoised[0].digest_memo[1]   # other content, other digest


def test_the_earlier_workbook_is_read_with_the_inputs_and_kept_as_before(plan, inbox, consolidated, tmp_path):
    """A re-run reads the workbook it overwrites in the same pool as the inputs (not after them, on
    one core): its record is taken as before, `progress` counts the inputs only, and a reading
    reused for another output path reads that path's own workbook."""
    from thidua.consolidate.core import read_inputs
    out = tmp_path / "lan_truoc.xlsx"
    shutil.copy2(consolidated[1], out)
    seen = []
    read = read_inputs([inbox.folder], plan, PERIOD, out=out, workers=2, progress=lambda d, t: seen.append((d, t)))
    assert read.earlier is not None and read.earlier[0] == out and read.earlier[1].record
    n_inputs = len(read.outcomes)
    assert seen[-1] == (n_inputs, n_inputs) and all(d <= t == n_inputs for d, t in seen)
    assert all(o.entry.name != out.name for o in read.outcomes)
    before = [(e.name, e.status, e.reason) for e in read.entries]
    first = consolidate([inbox.folder], plan, PERIOD, out=out, read=read)
    second = consolidate([inbox.folder], plan, PERIOD, out=out, read=read)      # the reading is not changed
    assert [(e.name, e.status, e.reason) for e in read.entries] == before
    for c in (first, second):
        e = next(e for e in c.entries if e.code == "earlier_record")
        assert e.name == out.name and e.status == R.INCLUDED and "Bảng tổng hợp lần trước" in e.reason
    plain = read_inputs([inbox.folder], plan, PERIOD)                              # no output path named:
    assert plain.earlier is None
    alone = consolidate([inbox.folder], plan, PERIOD, out=out, read=plain)        # read after the inputs
    assert alone.figures() == first.figures()
    assert [(e.name, e.status, e.reason) for e in alone.entries] == [(e.name, e.status, e.reason) for e in first.entries]
    other = tmp_path / "khac.xlsx"
    shutil.copy2(consolidated[1], other)
    via_other = consolidate([inbox.folder], plan, PERIOD, out=other, read=read)
    e = next(e for e in via_other.entries if e.code == "earlier_record")
    assert e.name == other.name and e.status == R.INCLUDED


def test_helpers_rendering_the_long_tables_change_no_byte(consolidated, tmp_path, monkeypatch):
    """The workbook written with its long tables rendered by helper processes (write.stream: blocks
    made small here, so every streamed table of the demo province has several) is, part for part,
    the workbook written by this process alone (the creation time in docProps/core.xml aside)."""
    from thidua.write import stream
    c, _ = consolidated
    alone, helped = tmp_path / "mot.xlsx", tmp_path / "hai.xlsx"
    with stream.rendering_helpers(0):
        write_consolidation(c, alone)
    monkeypatch.setattr(stream, "CHUNK_CELLS", 500)
    made = []
    real_block = stream._Helpers.block
    monkeypatch.setattr(stream._Helpers, "block", lambda self, *a: made.append(real_block(self, *a)) or made[-1])
    with stream.rendering_helpers(2):
        write_consolidation(c, helped)
    assert len(made) > 20 and all(b.future is not None and b.future.exception() is None for b in made)
    with zipfile.ZipFile(alone) as a, zipfile.ZipFile(helped) as b:
        assert a.namelist() == b.namelist()
        differ = [n for n in a.namelist() if a.read(n) != b.read(n)]
    assert differ in ([], ["docProps/core.xml"])
