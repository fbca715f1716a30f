"""A returned file can never kill, starve or fool a consolidation (issue 11).

The corpus (tests/support/hostile.py) is planted in a subfolder of the demo province's inbox:
every hostile file gets its status and a Vietnamese reason, and the run still writes the
complete workbook for everyone else, with the same figures as without the hostile files.
"""
from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import unicodedata
from datetime import datetime

import pytest
from openpyxl import load_workbook

from support.consolidation import PERIOD, table_rows
from support.fixtures import fill
from support.hostile import plant_hostile
from thidua.cli import main
from thidua.consolidate import records as R
from thidua.consolidate.core import consolidate, run
from thidua.demo.edits import find_table, table_cell
from thidua.demo.fill import fill_form
from thidua.errors import FileProblem
from thidua import contract as C
from thidua.read import preflight as P
from thidua.read.form import read_form


def _issued_of(issued, code):
    return next(p for p in issued if p.name.split("_")[1] == code)


@pytest.fixture(scope="module")
def hostile_run(plan, province, issued, inbox, tmp_path_factory):
    """(Consolidation, out path, folder, corpus, fingerprint before) of the inbox + the corpus."""
    filled, missing = province
    base = tmp_path_factory.mktemp("hostile_run")
    folder = base / "hop_thu"
    shutil.copytree(inbox.folder, folder)
    rng = random.Random(11)
    period = plan.period(PERIOD)
    sources = []
    for u in missing[1:3]:       # two units that sent nothing: the corpus's good files count for them
        src = _issued_of(issued, u.code)
        sources.append(fill_form(src, base / "nguon" / src.name, plan, u, period, rng).path)
    corpus = plant_hostile(folder / "gui_qua_zalo", _issued_of(issued, missing[0].code), sources[0], sources[1],
                           outside=base / "ngoai_thu_muc")
    before = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")
              if p.is_file() and not p.is_symlink() and not p.is_fifo()}
    out = base / "ket_qua" / "tong_hop.xlsx"
    c = run([folder], plan, PERIOD, out, workers=2)
    return c, out, folder, corpus, before


def test_every_hostile_file_gets_its_status_and_a_reason(hostile_run):
    c, _, _, corpus, _ = hostile_run
    by = {e.name: e for e in c.entries}
    for h in corpus:
        e = by[h.name]
        assert (e.status, e.code) == (h.status, h.code), (h.name, h.what, e.reason)
        if h.status != R.INCLUDED:
            assert e.reason and e.reason[0].isupper() or e.reason.startswith("'"), h.name
            assert "Traceback" not in e.reason
        if h.code == "over_limit":
            assert "giới hạn" in e.reason, e.reason
        if h.code in ("not_regular_file",):
            assert e.sha256 is None, "a link or a pipe is never opened, so never hashed"


def test_the_run_still_writes_everyone_elses_results(hostile_run, consolidated, province):
    c, out, folder, corpus, before = hostile_run
    clean, _ = consolidated
    filled, missing = province
    assert out.exists()
    # every unit of the clean run has the same score and rating; the two corpus units are in too
    for code, r in clean.results.items():
        h = c.results[code]
        assert (h.ev.total, h.ev.groups, h.ev.rating, h.record.sha256) == \
               (r.ev.total, r.ev.groups, r.ev.rating, r.record.sha256), code
    assert set(c.results) == set(clean.results) | {missing[1].code, missing[2].code}
    assert missing[0].code not in c.results                  # its form came back blank
    # the workbook lists every entry of the folder (links and pipes included) once
    names = [row["Tệp"] for row in table_rows(out, "tblInventory")]
    on_disk = [p.name for p in folder.rglob("*") if not p.is_dir() or p.is_symlink()]
    assert sorted(names) == sorted(on_disk)
    # the missing-units list says the blank form arrived
    rows = {r["Mã đơn vị"]: r for r in table_rows(out, "tblMissing")}
    assert rows[missing[0].code]["Ghi chú"] == "Có tệp gửi về: chưa điền (biểu mẫu trống)"
    # sources untouched
    after = {p: (p.stat().st_size, p.stat().st_mtime_ns) for p in before}
    assert after == before


def test_cli_with_two_workers_names_the_bad_files_and_exits_1(hostile_run, plan_path, tmp_path, capsys):
    _, _, folder, corpus, _ = hostile_run
    out = tmp_path / "kq.xlsx"
    code = main(["consolidate", str(folder), "--plan", str(plan_path), "--period", PERIOD, "-o", str(out),
                 "--workers", "2"])
    text = capsys.readouterr()
    assert code == 1 and out.exists()
    assert "Traceback" not in text.out + text.err and "sự cố" not in text.err
    assert "Đã xem" in text.out and "chưa điền (biểu mẫu trống)" in text.out


# --- the second line of defence: a reader that dies or hangs costs its file ----------------------
def test_a_parser_crash_panic_or_hang_costs_one_file(plan, province, issued, monkeypatch, tmp_path):
    """Inspection switched off (the parser sees the raw files): calamine panics on a backwards
    table ref and aborts on a cell at XFD1048576; a hang is simulated. The run goes on."""
    filled, missing = province
    folder = tmp_path / "in"
    folder.mkdir()
    for f in filled[:6]:
        shutil.copy2(f.path, folder / f.path.name)
    corpus = {h.name.split("_", 2)[2]: h for h in plant_hostile(
        tmp_path / "corpus", _issued_of(issued, missing[0].code), filled[7].path, filled[8].path,
        outside=tmp_path / "o")}
    for slug in ("cell_XFD1048576.xlsm", "table_ref_backwards.xlsm"):
        shutil.copy2(tmp_path / "corpus" / corpus[slug].name, folder / corpus[slug].name)
    hang = folder / "zz_treo.xlsm"
    shutil.copy2(filled[9].path, hang)

    import thidua.read.workbook as W
    from thidua.read import contain
    monkeypatch.setattr(W, "preflight", lambda data, name, path, only=None: P.Package(data))
    real = W._open_calamine

    def slow(path, package, only, below):
        if path.name == hang.name:
            import time
            time.sleep(60)
        return real(path, package, only, below)

    monkeypatch.setattr(W, "_open_calamine", slow)
    monkeypatch.setattr(contain, "FILE_TIMEOUT_SECONDS", 3.0)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    c = run([folder], plan, PERIOD, tmp_path / "kq.xlsx", workers=2)
    by = {e.name: e for e in c.entries}
    assert (by[corpus["cell_XFD1048576.xlsm"].name].status,
            by[corpus["cell_XFD1048576.xlsm"].name].code) == (R.UNREADABLE, "reader_crashed")
    backwards = by[corpus["table_ref_backwards.xlsm"].name]
    assert backwards.status == R.UNREADABLE and backwards.code in ("corrupt", "internal_error"), backwards.reason
    assert (by[hang.name].status, by[hang.name].code) == (R.UNREADABLE, "reader_timeout")
    assert "giây" in by[hang.name].reason
    assert {f.unit.code for f in filled[:6]} <= set(c.results)
    assert (tmp_path / "kq.xlsx").exists()
    log = (tmp_path / "state" / "thidua" / "thidua-loi.log").read_text("utf-8")
    assert "SIGABRT" in log and "timeout" in log


# --- files and paths ------------------------------------------------------------------------------
def test_links_and_pipes_in_a_folder_are_listed_not_followed(plan, province, issued, tmp_path):
    filled, missing = province
    folder, outside = tmp_path / "in", tmp_path / "elsewhere"
    folder.mkdir()
    outside.mkdir()
    shutil.copy2(filled[0].path, folder / filled[0].path.name)
    src = _issued_of(issued, missing[3].code)
    stranger = fill_form(src, outside / src.name, plan, missing[3], plan.period(PERIOD), random.Random(1)).path
    (folder / "lien_ket.xlsm").symlink_to(stranger)
    (folder / "thu_muc_lien_ket").symlink_to(outside, target_is_directory=True)
    (folder / "vo_tan.xlsm").symlink_to("/dev/zero")
    os.mkfifo(folder / "ong.xlsm")
    c = consolidate([folder], plan, PERIOD)
    by = {e.name: e for e in c.entries}
    for name in ("lien_ket.xlsm", "thu_muc_lien_ket", "vo_tan.xlsm", "ong.xlsm"):
        assert (by[name].status, by[name].code) == (R.NOT_A_FORM, "not_regular_file"), name
        assert by[name].sha256 is None
    assert "liên kết" in by["lien_ket.xlsm"].reason
    assert missing[3].code not in c.results                 # the linked form was never read
    assert set(c.results) == {filled[0].unit.code}


def test_check_and_consolidate_take_folders_the_same_way(plan_path, province, tmp_path, capsys):
    filled, _ = province
    folder = tmp_path / "nop_ve"
    (folder / "cum_1" / "dot_1").mkdir(parents=True)
    shutil.copy2(filled[0].path, folder / "cum_1" / "dot_1" / filled[0].path.name)
    shutil.copy2(filled[1].path, folder / filled[1].path.name)
    main(["check", str(folder), "--plan", str(plan_path)])
    out = capsys.readouterr().out
    assert filled[0].path.name in out and filled[1].path.name in out
    assert "Tổng cộng 2 tệp (trong 2 thư mục)" in out


def test_missing_or_empty_inputs_are_refused_with_exit_2(plan_path, tmp_path, capsys):
    (tmp_path / "trong").mkdir()
    (tmp_path / "trong" / "con").mkdir()
    for argv in (["consolidate", str(tmp_path / "trong"), "--plan", str(plan_path), "--period", PERIOD,
                  "-o", str(tmp_path / "kq.xlsx")],
                 ["consolidate", str(tmp_path / "nop_vee"), "--plan", str(plan_path), "--period", PERIOD,
                  "-o", str(tmp_path / "kq.xlsx")],
                 ["check", str(tmp_path / "trong")], ["check", str(tmp_path / "khong_co.xlsm")],
                 ["read", str(tmp_path / "khong_co.xlsm")]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("LỖI:") and ("không có tệp nào" in err or "Không tìm thấy" in err), err
    assert not (tmp_path / "kq.xlsx").exists()


def test_broken_pipe_ends_quietly(plan_path, province, tmp_path):
    filled, _ = province
    folder = tmp_path / "in"
    folder.mkdir()
    for f in filled[:12]:
        shutil.copy2(f.path, folder / f.path.name)
    env = {**os.environ, "XDG_STATE_HOME": str(tmp_path / "state")}
    proc = subprocess.Popen([sys.executable, "-m", "thidua", "check", str(folder), "--json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    proc.stdout.readline()                                   # `| head -1`
    proc.stdout.close()
    err = proc.stderr.read().decode("utf-8")
    code = proc.wait(timeout=120)
    assert code in (0, 1), (code, err)
    assert "Traceback" not in err and "sự cố" not in err and "BrokenPipe" not in err
    assert not (tmp_path / "state" / "thidua" / "thidua-loi.log").exists()


def test_crash_log_is_per_user_and_never_follows_a_link(tmp_path, monkeypatch):
    from thidua import crashlog
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "state"))
    path = crashlog.record("một sự cố")
    assert path == tmp_path / "state" / "thidua" / "thidua-loi.log"
    assert "một sự cố" in path.read_text("utf-8")
    assert oct(path.stat().st_mode & 0o777) == "0o600"
    victim = tmp_path / "victim.txt"
    victim.write_text("không được ghi đè", encoding="utf-8")
    path.unlink()
    path.symlink_to(victim)
    assert crashlog.record("lần hai") is None
    assert victim.read_text("utf-8") == "không được ghi đè"
    try:
        raise ValueError("x")
    except ValueError:
        message = crashlog.unexpected()
    assert "chụp màn hình" in message and "Traceback" not in message


# --- sloppy but honest input --------------------------------------------------------------------
def _nfd(text: str) -> str:
    return unicodedata.normalize("NFD", text)


def test_decomposed_unicode_reads_like_composed(plan, issued, tmp_path):
    from thidua.check.engine import check_form
    src = next(p for p in issued if plan.unit(p.name.split("_")[1]).kind == "public")
    title = plan.titles[0]
    individual = next(t for t in plan.titles if t.target_of == "individual")
    members = [{C.M_NAME: "Nguyễn  Thị Hương", C.M_DEPT: "Khoa Nội", C.M_TITLE: individual.name, C.M_DAYS: 2,
                C.M_MONTHS: 12, C.M_HAS_INIT: "Có"}]
    collective = {t.code: "Có" for t in plan.titles if t.target_of != "individual"}
    composed = fill(plan, src, tmp_path / "nfc.xlsm", members=members, collective=collective)
    decomposed = fill(plan, src, tmp_path / "nfd.xlsm",
                      values={"hoi_nghi_cbccvc": _nfd(" Có "), "chuong_trinh_phoi_hop": _nfd("có"),
                              "tuyen_truyen_phoi_hop": _nfd("CÓ"), "tuyen_truyen_nghi_quyet": _nfd("Có")},
                      members=[{k: _nfd(v) + ("\u00a0" if k == C.M_TITLE else "") if isinstance(v, str) else v
                                for k, v in m.items()} for m in members],
                      collective={k: _nfd(v) for k, v in collective.items()})
    a, b = read_form(composed, plan), read_form(decomposed, plan)
    assert a.values["hoi_nghi_cbccvc"].value is True and b.values["hoi_nghi_cbccvc"].value is True
    fa, fb = check_form(a, plan), check_form(b, plan)
    assert not [f for f in fb if f.rule == "unparseable"], [f.message for f in fb if f.rule == "unparseable"]
    assert sorted((f.rule, f.cell) for f in fa) == sorted((f.rule, f.cell) for f in fb)
    from thidua.check.awards import collective_registrations
    assert collective_registrations(a) == collective_registrations(b) and collective_registrations(b)
    c = consolidate([tmp_path / "nfd.xlsm"], plan, PERIOD)
    props = [p for p in c.proposals if p.person]
    assert props and props[0].title == individual.code, [(p.person, p.title) for p in c.proposals]
    assert title.code in {p.title for p in c.proposals}


def test_a_form_returned_as_issued_is_not_a_report(plan, plan_path, issued, tmp_path, capsys):
    folder = tmp_path / "in"
    folder.mkdir()
    shutil.copy2(issued[0], folder / issued[0].name)
    good = fill(plan, issued[1], folder / issued[1].name) if plan.unit(issued[1].name.split("_")[1]).kind == "public" \
        else None
    c = consolidate([folder], plan, PERIOD)
    e = {x.name: x for x in c.entries}[issued[0].name]
    assert (e.status, e.code, e.status_label) == (R.BLANK, "blank_form", "Chưa điền (biểu mẫu trống)")
    unit = issued[0].name.split("_")[1]
    assert unit not in c.results and e.unit == unit
    assert c.n_received == (1 if good else 0)
    assert main(["check", str(folder / issued[0].name), "--plan", str(plan_path)]) == 1
    out = capsys.readouterr().out
    assert "chưa điền gì" in out


def test_rows_typed_under_the_member_table_in_libreoffice_are_read_with_a_warning(plan, issued, tmp_path, soffice):
    """LibreOffice does not grow a table when one types below it: the saved file has the row
    outside the table. The reader takes it, warns at its cells, and consolidation counts it."""
    from support.libreoffice import convert
    from thidua.check.engine import check_form
    src = next(p for p in issued if plan.unit(p.name.split("_")[1]).kind == "public")
    individual = next(t for t in plan.titles if t.target_of == "individual")
    base = fill(plan, src, tmp_path / "base.xlsm",
                members=[{C.M_NAME: f"Người {i}", C.M_DEPT: "Khoa Nội", C.M_TITLE: individual.name, C.M_DAYS: 1,
                          C.M_MONTHS: 12} for i in range(C.MEMBER_BLANK_ROWS)])
    wb = load_workbook(base, keep_vba=True)
    ws, t = find_table(wb, C.MEMBER_TABLE)
    last = int("".join(ch for ch in t.ref.split(":")[1] if ch.isdigit()))
    first_col = t.ref.split(":")[0].rstrip("0123456789")
    from openpyxl.utils import column_index_from_string
    c0 = column_index_from_string(first_col)
    names = [ws.cell(int(t.ref.split(":")[0][len(first_col):]), c0 + j).value for j in range(len(C.MEMBER_COLUMNS))]
    row = {C.M_NAME: "Trần Văn Dưới", C.M_DEPT: "Khoa Ngoại", C.M_TITLE: individual.name, C.M_DAYS: 0,
           C.M_MONTHS: 24, "STT": C.MEMBER_BLANK_ROWS + 1}
    for h, v in row.items():
        ws.cell(last + 1, c0 + names.index(h)).value = v
    wb.save(tmp_path / "typed_below.xlsm")
    lo = convert([tmp_path / "typed_below.xlsm"], tmp_path / "lo", "xlsm:Calc MS Excel 2007 VBA XML")
    saved = lo[tmp_path / "typed_below.xlsm"]
    ws2, t2 = find_table(load_workbook(saved, keep_vba=True), C.MEMBER_TABLE)
    assert int("".join(ch for ch in t2.ref.split(":")[1] if ch.isdigit())) == last, "LibreOffice grew the table"
    form = read_form(saved, plan)
    members = form.lists[C.MEMBER_TABLE]
    assert [r[C.M_NAME] for r in members.rows][-1] == "Trần Văn Dưới"
    warn = [p for p in form.problems if p.code == "row_below_table"]
    assert len(warn) == 1 and warn[0].severity == "cảnh báo" and warn[0].cell.endswith(str(last + 1))
    assert f"dòng {last + 1}" in warn[0].message
    assert any(f.rule == "row_below_table" for f in check_form(form, plan))
    c = consolidate([saved], plan, PERIOD)
    assert "Trần Văn Dưới" in {p.person for p in c.proposals}
    assert "row_below_table" in next(iter(c.results.values())).record.flags


def _dated(plan, src, dst, day: str, mtime: float):
    path = fill(plan, src, dst, info={"ngay_bao_cao": day})
    os.utime(path, (mtime, mtime))
    return path


def test_report_dates_that_cannot_be_true_are_located_and_never_decide_alone(plan, issued, tmp_path):
    from thidua.check.engine import check_form
    src = next(p for p in issued if plan.unit(p.name.split("_")[1]).kind == "public")
    unit = src.name.split("_")[1]
    old, new = datetime(2026, 7, 6, 9).timestamp(), datetime(2026, 7, 8, 9).timestamp()
    for day, why in (("05/07/2062", "sau ngày hôm nay"), ("05/07/2025", "trước năm 2026"),
                     ("20/06/2026", "trước khi Đợt 1")):
        path = _dated(plan, src, tmp_path / f"{day.replace('/', '-')}.xlsm", day, old)
        found = [f for f in check_form(read_form(path, plan), plan) if f.rule == "report_date_implausible"]
        assert len(found) == 1 and why in found[0].message and found[0].cell and found[0].severity == "cảnh báo"
        assert not [f for f in check_form(read_form(path, plan), plan) if f.rule == "report_late"]
        c = consolidate([path], plan, PERIOD)
        r = c.results[unit]
        assert r.timing_basis.startswith("thời gian sửa tệp") and why in r.timing_basis
        assert r.timing_date == datetime.fromtimestamp(old).date() and r.on_time
    # two copies: the 2062 one is newer on disk, then older: file times decide, not the date
    for far_mtime, near_mtime, winner in ((new, old, "a_2062.xlsm"), (old, new, "b_dung.xlsm")):
        folder = tmp_path / f"dup_{winner}"
        _dated(plan, src, folder / "a_2062.xlsm", "05/07/2062", far_mtime)
        _dated(plan, src, folder / "b_dung.xlsm", "07/07/2026", near_mtime)
        c = consolidate([folder], plan, PERIOD)
        by = {e.name: e for e in c.entries}
        assert by[winner].status == R.INCLUDED
        loser = next(e for e in c.entries if e.status == R.DUPLICATE)
        assert "không dùng được để so sánh" in loser.reason and "2062" in loser.reason


def test_a_changed_target_is_named_with_its_cell(plan, issued, tmp_path):
    src = next(p for p in issued if plan.unit(p.name.split("_")[1]).kind == "public")
    path = fill(plan, src, tmp_path / "sua_chi_tieu.xlsm")
    wb = load_workbook(path, keep_vba=True)
    target = next(t for t in plan.unit_targets_for("public") if t.comparator == ">=")
    shown = table_cell(wb, C.INDICATOR_TABLE, target.field, C.TARGET_TEXT)
    shown.value = "≥ 1%"
    hidden = table_cell(wb, C.INDICATOR_TABLE, target.field, C.TARGET_MIN)
    hidden.value = 0.01
    wb.save(path)
    for p in (None, plan):          # with the rules the form carries, and with the plan
        form = read_form(path, p)
        if p is None:
            from thidua.read.form import form_with_rules
            from thidua.read.workbook import open_workbook
            form, _ = form_with_rules(open_workbook(path))
        changed = [x for x in form.problems if x.code == "targets_changed"]
        assert len(changed) == 1, [x.message for x in changed]
        x = changed[0]
        assert x.cell == shown.coordinate and x.sheet == shown.parent.title and x.field == target.field
        assert target.code in x.message and "≥ 1%" in x.message


def test_odd_embedded_plans_cost_their_form_only(plan, issued, tmp_path, capsys):
    """`thidua check` without --plan: a target of 0, a 5,000-term formula and a one-column meta
    table each give a located error for that form; the good form is still checked."""
    import json

    from thidua.plan.embed import META_DIGEST, META_PREFIX, chunks, digest
    src = next(p for p in issued if plan.unit(p.name.split("_")[1]).kind == "public")
    folder = tmp_path / "in"
    good = fill(plan, src, folder / "tot.xlsm")

    def tampered(name, change):
        path = fill(plan, src, folder / name)
        wb = load_workbook(path, keep_vba=True)
        ws, t = find_table(wb, C.META_TABLE)
        cells = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(2, ws.max_row + 1)}
        text = "".join(cells[k].value or "" for k in sorted((k for k in cells if k and k.startswith(META_PREFIX)
                                                             and k[len(META_PREFIX):].isdigit()),
                                                            key=lambda k: int(k[len(META_PREFIX):])))
        data = json.loads(text)
        change(data)
        text = json.dumps(data, ensure_ascii=False)
        parts = chunks(text)
        keys = sorted((k for k in cells if k and k.startswith(META_PREFIX) and k[len(META_PREFIX):].isdigit()),
                      key=lambda k: int(k[len(META_PREFIX):]))
        for i, k in enumerate(keys):
            cells[k].value = parts[i] if i < len(parts) else ""
        cells[META_DIGEST].value = digest("".join(parts))
        wb.save(path)
        return path

    def zero_target(data):
        crit = next(c for c in data["criteria"] if c["method"] == "proportional")
        next(t for t in data["targets"] if t["code"] == crit["target"])["value"] = 0

    def long_formula(data):
        f = next(f for f in data["fields"] if f.get("formula"))
        f["formula"] = "+".join(["so_cnvcld"] * 5000)

    tampered("chi_tieu_0.xlsm", zero_target)
    tampered("cong_thuc_dai.xlsm", long_formula)
    one_col = fill(plan, src, folder / "meta_mot_cot.xlsm")
    wb = load_workbook(one_col, keep_vba=True)
    ws, t = find_table(wb, C.META_TABLE)
    t.ref = t.ref.replace("B", "A")
    t.tableColumns = t.tableColumns[:1]
    if t.autoFilter is not None:
        t.autoFilter.ref = t.ref
    wb.save(one_col)
    code = main(["check", str(folder)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{good.name} — đơn vị" in out                    # the good form was checked and scored
    for name in ("chi_tieu_0.xlsm", "cong_thuc_dai.xlsm", "meta_mot_cot.xlsm"):
        line = next(x for x in out.splitlines() if name in x)
        assert line.startswith("✗"), line
    assert "kế hoạch kèm biểu mẫu" in out
    assert "Traceback" not in out and "sự cố" not in out


def test_limits_are_named_and_generous_for_real_forms(issued, province):
    filled, _ = province
    for path in [*issued[:5], *(f.path for f in filled[:5])]:
        data = path.read_bytes()
        pkg = P.preflight(data, path.name, str(path))
        assert len(data) * 50 < P.MAX_FILE_BYTES and len(pkg.data) * 50 < P.MAX_PARTS_BYTES
    with pytest.raises(FileProblem) as info:
        P.preflight(b"PK\x05\x06" + b"\x00" * 18, "rong.xlsm", "rong.xlsm")
    assert info.value.code == "corrupt"
