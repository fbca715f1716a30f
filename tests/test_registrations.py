"""Registration at the start of the year (issue 14, deliver 1): a registration workbook per unit
issued with a token, the returns consolidated into the registered lists per cluster and industry
(counts checked against a count made here from what was typed), period forms issued pre-filled
with each unit's registrations, titles added or dropped after the deadline shown as changes (in
the check findings and on the consolidation's proposals sheet), the plan's 'Đăng ký từ đầu năm'
condition deciding whether such titles are proposed, plan check locating what is wrong, and
every new workbook opening in LibreOffice."""
from __future__ import annotations

import dataclasses
import os
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.utils.cell import range_boundaries

from support.fixtures import fill
from support.libreoffice import convert, find_soffice
from thidua import contract as C
from thidua import register as R
from thidua.check.report import check_files
from thidua.cli import main
from thidua.consolidate.core import consolidate, run
from thidua.demo.edits import find_table, list_row_cells, table_cell
from thidua.errors import PlanDefinitionError, ThiduaError
from thidua.forms.write import issue_forms, issue_registered
from thidua.plan.read import read_plan
from thidua.read.workbook import open_workbook
from thidua.registrations.book import book_filename, issue_books, issue_registered_books
from thidua.registrations.collect import consolidate_books
from thidua.registrations.load import load_registrations, registrations_path
from thidua.registrations.record import record_from_meta
from thidua.registrations.workbook import write_registrations

DEADLINE = date(2026, 1, 31)
LDTT, CSTDCS, DVCDXS = "Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Đoàn viên công đoàn xuất sắc"
TITLE_CODE = {LDTT: "LDTT", CSTDCS: "CSTDCS", DVCDXS: "DVCDXS"}
REPORTED = "05/07/2026"          # the period forms' report date (after the registration deadline)


def rows_of(path: Path, table: str) -> list[dict]:
    """A table's data rows by header, as cells hold them (openpyxl: cached values)."""
    wb = load_workbook(path, data_only=True)
    ws, t = find_table(wb, table)
    c1, r1, c2, r2 = range_boundaries(t.ref)
    headers = [ws.cell(r1, c).value for c in range(c1, c2 + 1)]
    return [{h: ws.cell(r, c1 + j).value for j, h in enumerate(headers)} for r in range(r1 + 1, r2 + 1)]


def fill_book(src: Path, dst: Path, *, on: date | None, collective=(), members=(), pledges=None,
              mtime: datetime | None = None) -> Path:
    """What a unit types into its registration workbook."""
    wb = load_workbook(src)
    if on is not None:
        table_cell(wb, C.UNIT_TABLE, "ngay_bao_cao", C.VALUE).value = datetime(on.year, on.month, on.day)
    table_cell(wb, C.UNIT_TABLE, "nguoi_bao_cao", C.VALUE).value = "Nguyễn Thị Hương"
    for code in collective:
        table_cell(wb, C.REGISTRATION_TABLE, code, C.REGISTERED).value = "Có"
    for i, (name, dept, title) in enumerate(members):
        row = list_row_cells(wb, C.MEMBER_TABLE, i)
        row["STT"].value, row[C.M_NAME].value, row[C.M_DEPT].value, row[C.M_TITLE].value = i + 1, name, dept, title
    for code, value in (pledges or {}).items():
        table_cell(wb, C.PLEDGE_TABLE, code, C.PLEDGE_VALUE).value = value
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    if mtime is not None:
        os.utime(dst, (mtime.timestamp(), mtime.timestamp()))
    return dst


def set_meta(path: Path, key: str, value: str) -> None:
    wb = load_workbook(path)
    ws, t = find_table(wb, C.META_TABLE)
    c1, r1, c2, r2 = range_boundaries(t.ref)
    for r in range(r1 + 1, r2 + 1):
        if ws.cell(r, c1).value == key:
            ws.cell(r, c1 + 1).value = value
    wb.save(path)


# --- the scenario ---------------------------------------------------------------------------------
@dataclasses.dataclass
class Year:
    plan: object                 # a small plan: public units of two clusters
    plan_path: Path              # where the register lives (beside it)
    units: dict                  # role -> Unit
    books: dict                  # unit code -> issued registration workbook
    returned: Path
    scenario: dict               # unit code -> [(date, collective, members)] per copy sent
    result: object
    out: Path
    regs: object
    forms: dict                  # unit code -> issued period form (pre-filled)
    folder: Path


def _unit_of(path: Path) -> str:
    return path.name.split("_")[1]


@pytest.fixture(scope="module")
def year(plan, plan_path, tmp_path_factory) -> Year:
    base = tmp_path_factory.mktemp("dang_ky")
    publics = [u for u in plan.active_units(plan.period("dot-1")) if u.kind == "public"]
    clusters = list(dict.fromkeys(u.cluster for u in publics))
    c1 = [u for u in publics if u.cluster == clusters[0]][:5]
    c2 = [u for u in publics if u.cluster == clusters[1]][:3]
    assert len(c1) == 5 and len(c2) == 3
    small = dataclasses.replace(plan, units=tuple(c1 + c2),
                                clusters=tuple(c for c in plan.clusters if c.code in clusters[:2]))
    copy = shutil.copy(plan_path, base / "ke_hoach.xlsx")
    issued = issue_registered_books(small, copy, base / "ban_dang_ky")
    books = {_unit_of(p): p for p in issued.forms}
    roles = dict(zip(("a", "b", "c", "d", "g"), c1)) | dict(zip(("e", "f", "h"), c2))
    target = next(t for t in small.unit_targets_for("public") if t.comparator == "range")
    u = {k: v.code for k, v in roles.items()}
    scenario = {      # unit -> copies sent: (date typed, collective titles, members)
        u["a"]: [(date(2026, 1, 20), ["TTLDTT"], [("Nguyễn Văn An", "Khoa Nội", LDTT),
                                                 ("Trần Thị Bình", "Khoa Nội", CSTDCS),
                                                 ("Lê Văn Cường", "Khoa Ngoại", LDTT)])],
        u["b"]: [(date(2026, 2, 10), ["TTLDTT", "TTLDXS"], [("Phạm Thị Dung", "Khoa Dược", LDTT)])],
        u["c"]: [(date(2026, 1, 25), [], [("Hoàng Văn Em", "Khoa Nội", LDTT)]),
                 (date(2026, 2, 5), [], [("Hoàng Văn Em", "Khoa Nội", LDTT), ("Vũ Thị Phương", "Khoa Nội", LDTT)])],
        u["e"]: [(None, ["TTLDTT"], [("Đỗ Văn Giang", "Khoa Khám bệnh", DVCDXS)])],     # no date: file time
    }
    returned = base / "nop_ve_dang_ky"
    for code, copies in scenario.items():
        for i, (on, coll, mem) in enumerate(copies):
            name = books[code].name if i == 0 else books[code].name.replace(".xlsx", f"_gui_lai_{i}.xlsx")
            fill_book(books[code], returned / name, on=on, collective=coll, members=mem,
                      pledges={target.code: target.stretch} if code == u["a"] else None,
                      mtime=datetime(2026, 1, 15, 9) if on is None else datetime(on.year, on.month, on.day, 16))
    shutil.copy(books[u["d"]], returned)                            # returned as issued: not a registration
    forged = fill_book(books[u["f"]], returned / books[u["f"]].name, on=date(2026, 1, 22), collective=["TTLDTT"])
    set_meta(forged, "form_token", "ma-tu-che")                     # not the token issued: refused
    period_form = issue_forms(small, "dot-1", base / "bieu_mau_le")[0]
    shutil.copy(period_form, returned)                              # a period form sent by mistake
    (returned / "ghi_chu.txt").write_text("danh sách gửi kèm", encoding="utf-8")
    reg = R.load(R.register_path(copy), small)
    result = consolidate_books([returned], small, register=reg, workers=1, today=date(2026, 3, 1))
    out = write_registrations(result, base / "ke_hoach_dang_ky.xlsx")
    regs = load_registrations(out, small)
    forms = issue_registered(small, copy, "dot-1", base / "bieu_mau_dot-1", registrations=regs).forms
    return Year(small, Path(copy), roles, books, returned, scenario, result, out, regs,
                {_unit_of(p): p for p in forms}, base)


# --- issuing ----------------------------------------------------------------------------------------
def test_a_registration_workbook_per_unit_with_the_form_tables_and_a_token(year):
    plan = year.plan
    assert set(year.books) == {u.code for u in plan.units}
    unit = year.units["a"]
    book = year.books[unit.code]
    assert book.name == book_filename(plan, unit) and book.name.startswith(f"{unit.cluster}_{unit.code}_dang-ky-2026_")
    wb = open_workbook(book)
    for name in (C.UNIT_TABLE, C.REGISTRATION_TABLE, C.PLEDGE_TABLE, C.MEMBER_TABLE):   # the period form's tables
        assert [h for h in wb.table(name).headers] == list(C.TABLE_COLUMNS[name]), name
    meta = {r[0]: r[1] for r in wb.table(C.META_TABLE).rows}
    assert meta["form_kind"] == "dang_ky" and meta["period_code"] == "dang-ky" and meta["han_dang_ky"] == "2026-01-31"
    issued = [f for f in R.load(R.register_path(year.plan_path), plan).forms if f.period == "dang-ky"]
    assert {f.unit for f in issued} == set(year.books)
    assert R.digest(meta["form_token"]) in {f.token_sha256 for f in issued}
    wbx = load_workbook(book)
    assert wbx["Thông tin"]["A1"].value == "BẢN ĐĂNG KÝ THI ĐUA NĂM 2026" and "hạn nộp 31/01/2026" in wbx["Thông tin"]["A2"].value
    assert table_cell(wbx, C.UNIT_TABLE, "han_nop", C.VALUE).value.date() == DEADLINE


def test_the_deadline_is_plan_data(plan, tmp_path):
    bare = dataclasses.replace(plan, info=dataclasses.replace(plan.info, registration_deadline=None))
    with pytest.raises(ThiduaError) as info:
        issue_books(bare, tmp_path)
    assert "han_dang_ky" in info.value.message and "trang 'Kế hoạch'" in info.value.message


# --- consolidating the returns ------------------------------------------------------------------------
def expected_counts(year) -> dict:
    """Per cluster, from the scenario typed above (not from the tool): units expected, on time,
    late, missing, and how many registered each title (units for collective, people for individual)."""
    out = {}
    for u in year.plan.units:
        k = out.setdefault(u.cluster, {"expected": 0, "on_time": 0, "late": 0, "missing": 0, "titles": {}})
        k["expected"] += 1
        copies = year.scenario.get(u.code)
        if not copies:
            k["missing"] += 1
            continue
        first = min((on or date(2026, 1, 15)) for on, _, _ in copies)
        k["on_time" if first <= DEADLINE else "late"] += 1
        _, coll, mem = max(copies, key=lambda c: c[0] or date(2026, 1, 15))
        for code in coll:
            k["titles"][code] = k["titles"].get(code, 0) + 1
        for _, _, title in mem:
            code = TITLE_CODE[title]
            k["titles"][code] = k["titles"].get(code, 0) + 1
    return out


def test_the_registered_lists_per_cluster_and_industry_match_a_count_made_here(year):
    want = expected_counts(year)
    got = {k.code: k for k in year.result.counts()}
    assert set(got) == set(want)
    for code, w in want.items():
        k = got[code]
        assert (k.expected, k.on_time, k.late, k.missing) == (w["expected"], w["on_time"], w["late"], w["missing"])
        assert {t: n for t, n in k.titles.items() if n} == w["titles"], code
    rows = rows_of(year.out, "tblRegClusters")
    by_cluster = {r["Cụm"]: r for r in rows}
    for code, w in want.items():
        r = by_cluster[code]
        assert (r["Phải đăng ký"], r["Đúng hạn"], r["Muộn"], r["Chưa đăng ký"]) == \
            (w["expected"], w["on_time"], w["late"], w["missing"])
        assert r["Lao động tiên tiến (người)"] == w["titles"].get("LDTT", 0)
        assert r["Tập thể lao động tiên tiến (đơn vị)"] == w["titles"].get("TTLDTT", 0)
    wb = load_workbook(year.out)                       # the industry row: formulas over the cluster rows
    ws, t = find_table(wb, "tblRegClusters")
    total_row = range_boundaries(t.ref)[3] + 1
    assert ws.cell(total_row, 1).value == "Tổng" and str(ws.cell(total_row, 3).value).startswith("=SUM(")
    totals = rows_of(year.out, "tblRegClusters")
    wbv = load_workbook(year.out, data_only=True)
    assert wbv[ws.title].cell(total_row, 3).value == sum(w["expected"] for w in want.values())
    assert wbv[ws.title].cell(total_row, 4).value == sum(w["on_time"] for w in want.values())
    assert len(totals) == len(want)


def test_each_registration_is_dated_and_a_later_copy_keeps_the_earlier_dates(year):
    res = year.result
    a, b, c, e = (res.units[year.units[k].code] for k in "abce")
    assert a.status == "on_time" and a.registered_on == date(2026, 1, 20) and a.basis == "ngày đăng ký"
    assert b.status == "late" and all(not ok for *_, ok in b.members)
    assert c.status == "on_time" and c.file.endswith("_gui_lai_1.xlsx")
    dates = {n: (on, ok) for _, n, _, _, on, ok in c.members}
    assert dates == {"Hoàng Văn Em": (date(2026, 1, 25), True), "Vũ Thị Phương": (date(2026, 2, 5), False)}
    assert e.registered_on == date(2026, 1, 15) and e.basis.startswith("thời gian sửa tệp")
    members = rows_of(year.out, "tblRegMembers")
    assert [(r["Họ và tên"], r["Đúng hạn"]) for r in members if r["Mã đơn vị"] == c.unit.code] == \
        [("Hoàng Văn Em", "Có"), ("Vũ Thị Phương", "Không")]


def test_every_input_file_is_listed_with_its_status_and_reason(year):
    rows = {r["Tệp"]: r for r in rows_of(year.out, "tblInventory")}
    assert set(rows) == {p.name for p in year.returned.iterdir()}
    u = {k: v.code for k, v in year.units.items()}
    status = {name: r["Trạng thái"] for name, r in rows.items()}
    codes = {name: r["Mã chi tiết"] for name, r in rows.items()}
    assert status[year.books[u["a"]].name] == "Đưa vào tổng hợp"
    assert codes[year.books[u["c"]].name] == "duplicate" and "giữ ngày đăng ký 25/01/2026" in \
        rows[year.books[u["c"]].name]["Lý do"]
    assert codes[year.books[u["d"]].name] == "blank_form" and "chưa điền gì" in rows[year.books[u["d"]].name]["Lý do"]
    assert codes[year.books[u["f"]].name] == "not_authentic" and "bản đăng ký cấp ngành đã phát" in \
        rows[year.books[u["f"]].name]["Lý do"]
    period_form = next(n for n in rows if n.endswith(".xlsm"))
    assert codes[period_form] == "period_form" and "không phải bản đăng ký thi đua đầu năm" in rows[period_form]["Lý do"]
    assert status["ghi_chu.txt"] == "Không phải biểu mẫu"
    assert all(r["Lý do"] for r in rows.values())
    units = {r["Mã đơn vị"]: r for r in rows_of(year.out, "tblRegUnits")}
    assert units[u["d"]]["Tình trạng"] == "Chưa đăng ký" and "chưa điền" in units[u["d"]]["Ghi chú"]


# --- the period forms ----------------------------------------------------------------------------------
def test_period_forms_are_issued_pre_filled_with_the_units_registrations(year):
    a = year.units["a"]
    path = year.forms[a.code]
    wb = load_workbook(path)
    ticked = {r[C.CODE] for r in rows_of(path, C.REGISTRATION_TABLE) if r[C.REGISTERED] == "Có"}
    assert ticked == set(year.scenario[a.code][0][1])
    members = [(r[C.M_NAME], r[C.M_DEPT], r[C.M_TITLE]) for r in rows_of(path, C.MEMBER_TABLE) if r[C.M_NAME]]
    assert members == year.scenario[a.code][0][2]
    target = next(t for t in year.plan.unit_targets_for("public") if t.comparator == "range")
    assert table_cell(wb, C.PLEDGE_TABLE, target.code, C.PLEDGE_VALUE).value == target.stretch
    record = record_from_meta({r[0]: r[1] for r in open_workbook(path).table(C.META_TABLE).rows})
    assert record.registered and record.deadline == DEADLINE and len(record.members) == 3
    g = year.forms[year.units["g"].code]                   # a unit that never registered: nothing pre-filled
    assert not [r for r in rows_of(g, C.MEMBER_TABLE) if r[C.M_NAME]]
    assert record_from_meta({r[0]: r[1] for r in open_workbook(g).table(C.META_TABLE).rows}).registered is False


MEMBER_OK = {"Số ngày nghỉ": 0, "Số tháng công tác": 12, "Kỷ luật": "Không"}


def member(name, dept, title):
    return {C.M_NAME: name, C.M_DEPT: dept, C.M_TITLE: title, **MEMBER_OK}


BLANK_ROW = {C.M_NAME: None, C.M_DEPT: None, C.M_TITLE: None}


@pytest.fixture(scope="module")
def period(year):
    """The period's returns: unit a drops Bình, adds Hoa and the TTLDXS title after the deadline; b
    (registered late), c (Phương registered late) and g (never registered) report their people; e
    returns its pre-filled form untouched; a registration workbook is sent with them by mistake."""
    u = {k: v.code for k, v in year.units.items()}
    folder = year.folder / "nop_ve_dot-1"
    info = {"ngay_bao_cao": REPORTED}
    fill(year.plan, year.forms[u["a"]], folder / year.forms[u["a"]].name, info=info,
         members=[member("Nguyễn Văn An", "Khoa Nội", LDTT), member("Lê Văn Cường", "Khoa Ngoại", LDTT),
                  member("Ngô Thị Hoa", "Khoa Nội", LDTT)], collective={"TTLDTT": "Có", "TTLDXS": "Có"})
    fill(year.plan, year.forms[u["b"]], folder / year.forms[u["b"]].name, info=info,
         members=[member("Phạm Thị Dung", "Khoa Dược", LDTT)], collective={"TTLDXS": None})
    fill(year.plan, year.forms[u["c"]], folder / year.forms[u["c"]].name, info=info,
         members=[member("Hoàng Văn Em", "Khoa Nội", LDTT), member("Vũ Thị Phương", "Khoa Nội", LDTT)])
    fill(year.plan, year.forms[u["g"]], folder / year.forms[u["g"]].name, info=info,
         members=[member("Mai Văn Khánh", "Khoa Nội", LDTT)])
    shutil.copy(year.forms[u["e"]], folder)
    shutil.copy(year.books[u["a"]], folder)
    return folder


def test_the_check_shows_late_additions_and_removals_at_their_cells(year, period):
    a = year.units["a"]
    path = period / year.forms[a.code].name
    [result] = check_files([path], None)             # the rules and the registration the form carries
    found = [f for f in result.findings if f.rule.startswith("registration_")]
    wb = load_workbook(path)
    ws, t = find_table(wb, C.MEMBER_TABLE)
    hoa = next(c for row in ws.iter_rows() for c in row if c.value == "Ngô Thị Hoa")
    title_cell = ws.cell(hoa.row, hoa.column + 2).coordinate
    added = {(f.sheet, f.cell): f for f in found if f.rule == "registration_added"}
    f = added[(ws.title, title_cell)]
    assert f.severity == "cảnh báo" and "Ngô Thị Hoa" in f.message and "ngày báo cáo 05/07/2026" in f.message
    assert "sau hạn đăng ký 31/01/2026" in f.message and "điều kiện DK14" in f.message
    reg_ws, _ = find_table(wb, C.REGISTRATION_TABLE)
    ttldxs = table_cell(wb, C.REGISTRATION_TABLE, "TTLDXS", C.REGISTERED)
    assert (reg_ws.title, ttldxs.coordinate) in added
    removed = [f for f in found if f.rule == "registration_removed"]
    assert len(removed) == 1 and "Trần Thị Bình (Khoa Nội)" in removed[0].message and CSTDCS in removed[0].message
    assert removed[0].sheet == ws.title and "ngày báo cáo 05/07/2026" in removed[0].message
    ineligible = [f for f in result.findings if f.rule == "title_ineligible" and f.cell == title_cell]
    assert ineligible and "chưa đăng ký Lao động tiên tiến từ đầu năm" in ineligible[0].message


def proposals(c) -> dict:
    return {(p.unit, p.person, p.title): p for p in c.proposals}


def test_titles_not_registered_at_the_start_are_not_proposed_and_changes_are_listed(year, period):
    u = {k: v.code for k, v in year.units.items()}
    out = year.folder / "tong_hop_dot-1.xlsx"
    c = run([period], year.plan, "dot-1", out, workers=1, registrations=year.regs)
    p = proposals(c)
    # what the scenario says: proposed iff registered by the deadline (and otherwise eligible)
    want = {(u["a"], "Nguyễn Văn An", "LDTT"): True, (u["a"], "Lê Văn Cường", "LDTT"): True,
            (u["a"], "Ngô Thị Hoa", "LDTT"): False, (u["b"], "Phạm Thị Dung", "LDTT"): False,
            (u["c"], "Hoàng Văn Em", "LDTT"): True, (u["c"], "Vũ Thị Phương", "LDTT"): False,
            (u["g"], "Mai Văn Khánh", "LDTT"): False}
    assert {k: p[k].proposed for k in want} == want
    assert "chưa đăng ký Lao động tiên tiến từ đầu năm: thêm vào bản báo cáo (ngày báo cáo 05/07/2026), sau hạn " \
           "đăng ký 31/01/2026" in p[(u["a"], "Ngô Thị Hoa", "LDTT")].reason
    assert "đăng ký 10/02/2026, sau hạn 31/01/2026" in p[(u["b"], "Phạm Thị Dung", "LDTT")].reason
    assert "đơn vị không nộp bản đăng ký thi đua đầu năm" in p[(u["g"], "Mai Văn Khánh", "LDTT")].reason
    removed = p[(u["a"], "Trần Thị Bình", "CSTDCS")]
    assert removed.removed and not removed.proposed and removed.start == "Bỏ sau hạn (ngày báo cáo 05/07/2026)"
    assert p[(u["a"], "", "TTLDTT")].proposed          # 2 of 3 members qualify, registered on time
    assert not p[(u["a"], "", "TTLDXS")].proposed and "Thêm sau hạn" in p[(u["a"], "", "TTLDXS")].start
    assert c.results[u["a"]] and u["e"] not in c.results         # the untouched pre-filled form is blank
    e_form = next(e for e in c.entries if e.unit == u["e"])
    assert e_form.code == "blank_form"
    book = next(e for e in c.entries if e.name == year.books[u["a"]].name)
    assert book.code == "registration_book" and "bản đăng ký thi đua đầu năm" in book.reason
    rows = {(r["Mã đơn vị"], r["Họ và tên"], r["Danh hiệu"]): r for r in rows_of(out, "tblProposals")}
    hoa = rows[(u["a"], "Ngô Thị Hoa", LDTT)]
    assert hoa["Đăng ký đầu năm"] == "Thêm sau hạn (ngày báo cáo 05/07/2026)" and hoa["Đề nghị"] == "Không"
    assert rows[(u["a"], "Trần Thị Bình", CSTDCS)]["Đăng ký đầu năm"] == "Bỏ sau hạn (ngày báo cáo 05/07/2026)"
    assert rows[(u["a"], "Nguyễn Văn An", LDTT)]["Đăng ký đầu năm"] == "Đăng ký 20/01/2026"
    counts = {r["Mã"]: r for r in rows_of(out, "tblAwardCounts")}
    assert counts["CSTDCS"]["Đăng ký"] == 0            # a dropped title is not a registration


def test_the_same_titles_are_proposed_when_the_plan_lacks_the_condition(year, period):
    u = {k: v.code for k, v in year.units.items()}
    lax = dataclasses.replace(year.plan, conditions=tuple(x for x in year.plan.conditions
                                                          if x.kind != "registered_at_start"))
    c = consolidate([period], lax, "dot-1", workers=1, registrations=year.regs)
    p = proposals(c)
    for key in [(u["a"], "Ngô Thị Hoa", "LDTT"), (u["b"], "Phạm Thị Dung", "LDTT"),
                (u["c"], "Vũ Thị Phương", "LDTT"), (u["g"], "Mai Văn Khánh", "LDTT")]:
        assert p[key].proposed, (key, p[key].reason)
    assert p[(u["a"], "Ngô Thị Hoa", "LDTT")].start == "Thêm sau hạn (ngày báo cáo 05/07/2026)"   # still a change
    plain = consolidate([period], year.plan, "dot-1", workers=1)      # no registrations at hand: not judged
    assert proposals(plain)[(u["a"], "Ngô Thị Hoa", "LDTT")].proposed


# --- the plan --------------------------------------------------------------------------------------
def _info_cell(wb, key):
    return table_cell(wb, "tblPlanInfo", key, "Giá trị", code_header="Khóa")


def test_plan_check_locates_what_is_wrong_with_the_registration_rules(plan_path, tmp_path):
    wb = load_workbook(plan_path)
    deadline = _info_cell(wb, "han_dang_ky")
    deadline.value = datetime(2030, 1, 31)                            # outside the plan's year
    cond = table_cell(wb, "tblTitleConditions", "DK14", "Tham số", code_header="Mã điều kiện")
    cond.value = "LDTT"                                               # the kind takes no parameter
    period = table_cell(wb, "tblPeriods", "dot-1", "Mã đợt", code_header="Mã đợt")
    period.value = "dang-ky"                                          # the registration's own code
    wb.save(tmp_path / "sai.xlsx")
    with pytest.raises(PlanDefinitionError) as info:
        read_plan(tmp_path / "sai.xlsx")
    where = {(p.sheet, p.row, p.column): p.message for p in info.value.problems}
    assert "hạn nộp bản đăng ký thi đua (31/01/2030) phải trong năm thi đua 2026" in \
        where[("Kế hoạch", deadline.row, "Giá trị")]
    assert "không dùng Tham số" in where[("Điều kiện danh hiệu", cond.row, "Tham số")]
    assert "dành cho bản đăng ký thi đua đầu năm" in where[("Đợt thi đua", period.row, "Mã đợt")]

    wb = load_workbook(plan_path)
    key = table_cell(wb, "tblPlanInfo", "han_dang_ky", "Khóa", code_header="Khóa")
    for cell in (key, _info_cell(wb, "han_dang_ky"), table_cell(wb, "tblPlanInfo", "han_dang_ky", "Nội dung",
                                                                  code_header="Khóa")):
        cell.value = None                                             # the deadline row removed
    rows = {code: table_cell(wb, "tblTitleConditions", code, "Loại điều kiện", code_header="Mã điều kiện").row
            for code in ("DK14", "DK15", "DK16", "DK17", "DK18")}
    wb.save(tmp_path / "thieu_han.xlsx")
    with pytest.raises(PlanDefinitionError) as info:
        read_plan(tmp_path / "thieu_han.xlsx")
    where = {(p.sheet, p.row, p.column): p.message for p in info.value.problems}
    for code, row in rows.items():
        assert "thêm dòng khóa 'han_dang_ky'" in where[("Điều kiện danh hiệu", row, "Loại điều kiện")], code
    assert main(["plan", "check", str(tmp_path / "thieu_han.xlsx")]) == 2


# --- the command line ----------------------------------------------------------------------------------
def test_the_register_commands(plan_path, tmp_path, capsys):
    plan_file = shutil.copy(plan_path, tmp_path / "kh.xlsx")
    assert main(["register", "issue", str(plan_file), "-o", str(tmp_path / "dk")]) == 0
    out = capsys.readouterr().out
    assert "Đã phát 112 bản đăng ký thi đua năm 2026" in out and "hạn nộp 31/01/2026" in out
    books = sorted((tmp_path / "dk").glob("*.xlsx"))
    plan = read_plan(plan_file)
    units = {u.code for u in plan.units if u.active and (u.active_since is None or u.active_since <= DEADLINE)}
    assert {_unit_of(p) for p in books} == units and (tmp_path / "dk" / R.pack_name("C01")).is_file()
    ret = tmp_path / "nop_ve"
    fill_book(books[0], ret / books[0].name, on=date(2026, 1, 28), collective=["TTLDTT"],
              members=[("Lê Thị Mai", "Khoa Nội", LDTT)])
    assert main(["register", "consolidate", str(ret), "--plan", str(plan_file)]) == 0
    out = capsys.readouterr().out
    default = registrations_path(plan_file)
    assert default.is_file() and f"Phải đăng ký {len(units)} CĐCS; đã đăng ký 1: đúng hạn 1" in out
    shutil.copy(books[1], ret)                                        # a blank one: the run says so (exit 1)
    assert main(["register", "consolidate", str(ret), "--plan", str(plan_file), "--cluster", "C01", "-o",
                 str(tmp_path / "C01.xlsx")]) == 1
    assert "1 chưa điền" in capsys.readouterr().out
    assert main(["register"]) == 2
    # `thidua forms` takes the consolidated registrations beside the plan
    assert main(["forms", str(plan_file), "--period", "dot-1", "-o", str(tmp_path / "bm")]) == 0
    assert "Đối chiếu đăng ký đầu năm theo" in capsys.readouterr().out
    form = next((tmp_path / "bm").glob(f"*_{_unit_of(books[0])}_*.xlsm"))
    assert [r[C.M_NAME] for r in rows_of(form, C.MEMBER_TABLE) if r[C.M_NAME]] == ["Lê Thị Mai"]
    assert main(["consolidate", str(ret), "--plan", str(plan_file), "--period", "dot-1", "-o",
                 str(tmp_path / "th.xlsx"), "--registrations", str(tmp_path / "khong_co.xlsx")]) == 2
    assert "Không tìm thấy bảng tổng hợp đăng ký" in capsys.readouterr().err


def test_the_consolidated_registrations_of_another_plan_are_refused(year, plan, tmp_path):
    other = dataclasses.replace(year.plan, info=dataclasses.replace(year.plan.info, plan_id="KH-KHAC"))
    with pytest.raises(ThiduaError) as info:
        load_registrations(year.out, other)
    assert "thuộc kế hoạch" in info.value.message and "KH-KHAC" in info.value.message


# --- LibreOffice -----------------------------------------------------------------------------------------
def test_the_new_workbooks_open_in_libreoffice(year, tmp_path):
    assert find_soffice() is not None, "LibreOffice (soffice) không có trên máy: apt-get install libreoffice-calc-nogui"
    a = year.units["a"].code
    paths = [year.books[a], year.out, year.forms[a]]
    done = convert(paths, tmp_path)
    assert set(done) == set(paths)
    want = expected_counts(year)
    rows = rows_of(done[year.out], "tblRegClusters")      # recalculated by LibreOffice
    wb = load_workbook(done[year.out], data_only=True)
    ws, t = find_table(wb, "tblRegClusters")
    total_row = range_boundaries(t.ref)[3] + 1
    assert ws.cell(total_row, 3).value == sum(w["expected"] for w in want.values())
    assert ws.cell(total_row, 5).value == sum(w["late"] for w in want.values())
    assert {r["Cụm"] for r in rows} == set(want)
    formulas, cached = load_workbook(year.out), load_workbook(year.out, data_only=True)
    n = 0
    for row in formulas[ws.title].iter_rows():          # every formula: LibreOffice's value is the cached one
        for cell in row:
            if cell.data_type == "f":
                mine, theirs = cached[ws.title][cell.coordinate].value, ws[cell.coordinate].value
                assert mine == theirs or (mine in (None, "") and theirs in (None, "")) or \
                    abs(float(mine) - float(theirs)) < 1e-9, (cell.coordinate, mine, theirs)
                n += 1
    assert n >= len(want) + 5
    book = load_workbook(done[year.books[a]])
    assert book["Thông tin"]["A1"].value == "BẢN ĐĂNG KÝ THI ĐUA NĂM 2026"
    assert [r[C.M_NAME] for r in rows_of(done[year.forms[a]], C.MEMBER_TABLE) if r[C.M_NAME]] == \
        [m[0] for m in year.scenario[a][0][2]]


def test_people_read_words_not_codes_in_the_new_workbooks(year, plan):
    from test_user_text import internal_codes, visible_cells
    codes = internal_codes(plan) | {"registered_at_start", "on_time", "late", "missing", "dang_ky"}
    a = year.units["a"].code
    bad = []
    for path in (year.books[a], year.out, year.forms[a]):
        for sheet, header, cell in visible_cells(path):
            if cell.value.strip() in codes and not header.startswith("Mã"):
                bad.append((path.name, sheet, cell.coordinate, header, cell.value))
    assert not bad, bad[:10]


def test_the_demo_plays_the_start_of_the_year(year, tmp_path):
    import random
    from thidua.demo.registration import play_registrations
    plan_file = shutil.copy(year.plan_path, tmp_path / "kh.xlsx")
    played = play_registrations(year.plan, plan_file, tmp_path, random.Random(5), workers=0)
    assert played.workbook == registrations_path(plan_file) and played.workbook.is_file()
    regs = load_registrations(played.workbook, year.plan)
    for code, what in played.planted.items():          # what was planted, read back from the lists
        rec = regs.record(code)
        assert rec.registered == (what in ("on_time", "late", "twice")), code
        if rec.registered:
            assert rec.on_time == (what != "late"), code
            assert [m[0] for m in rec.members] == [m[C.M_NAME] for m in played.members[code]], code
    assert set(played.planted) == {_unit_of(p) for p in played.issued} == {u.code for u in year.plan.units}
