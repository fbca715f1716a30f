"""`make demo`, the year end: forms of the year's closing period issued with the register, the
province reports, every cluster lead consolidates with its pack; one cluster meets, scores and
signs off, another sends a unit back; the industry consolidates the sealed cluster workbooks,
approves, and the results change accordingly; the send-back notices and the reminder list.

The reviewers' typing is played with openpyxl on the workbooks themselves (demo.edits), as a
person does in Excel before pressing Tổng hợp again.
"""
from __future__ import annotations

import random
import shutil
from datetime import timedelta
from pathlib import Path

from .. import register as R
from ..consolidate import contract as K
from ..consolidate import review as RV
from ..consolidate.core import consolidate, read_inputs
from ..consolidate.report import review_lines
from ..consolidate.workbook import write_consolidation
from ..forms.write import issue_registered
from ..values import format_number_vi
from .edits import set_table_rows
from .fill import play_province


def pts(x) -> str:
    return format_number_vi(x, 2)


def play_year_end(plan, plan_path: Path, out: Path, rng: random.Random, earlier: list[Path] = (),
                  last_year: Path | None = None, registrations=None) -> dict:
    """`earlier`: folders of the year's earlier periods' returns (Đợt 1), combined into the year;
    `last_year`: last year's industry workbook (compared with, and counted in the phase's progress)."""
    last = plan.regular_periods[-1]
    period = plan.year_period
    reg_path = R.register_path(plan_path)
    issued_dir, returned_last = out / f"bieu_mau_{last.code}", out / f"nop_ve_{last.code}"
    if issued_dir.exists():
        shutil.rmtree(issued_dir)
    issued = issue_registered(plan, plan_path, last.code, issued_dir, registrations=registrations).forms
    reg = R.load(reg_path, plan)
    play_province(plan, last, issued, returned_last, rng)
    returned = [*earlier, returned_last]
    print(f"• CUỐI NĂM — {last.name}: đã phát {len(issued)} biểu mẫu (mỗi biểu mẫu một mã xác thực, ghi vào "
          f"sổ phát hành {reg_path.name}); đơn vị nộp về {returned_last}. Kết quả {period.name} gộp "
          + ", ".join(p.name for p in plan.regular_periods) + " theo quy tắc từng trường của kế hoạch.")

    # Every cluster lead consolidates its cluster with the pack the industry gave it: sealed workbooks.
    cluster_dir = out / f"tong_hop_cum_{period.code}"
    if cluster_dir.exists():
        shutil.rmtree(cluster_dir)
    read = read_inputs(returned, plan, period.code, register=reg)
    books, first = {}, {}
    for c in plan.clusters:
        path = cluster_dir / f"tong_hop_{c.code}_{period.code}.xlsx"
        pack_read = _with_register(read, reg.for_cluster(c.code))
        result = consolidate(returned, plan, period.code, [c.code], read=pack_read, out=path, registrations=registrations)
        books[c.code] = write_consolidation(result, path)
        first[c.code] = result
    industry_path = out / f"tong_hop_nganh_{period.code}.xlsx"
    industry_path.unlink(missing_ok=True)          # a new year: no record of an earlier demo run
    before = consolidate(list(books.values()), plan, period.code, out=industry_path, register=reg,
                         registrations=registrations)

    # Cluster A meets: its top unit loses the points of a criterion it could not prove; all verified;
    # the meeting votes and signs. Cluster B sends a unit back.
    a, b = [code for code in books if first[code].ranked[code]][:2]
    ranked_a = first[a].ranked[a]
    top = ranked_a[0]
    crit = max(plan.criteria_for(top.ev.kind), key=lambda c: (c.points, c.code))
    pack_a, pack_b = reg.for_cluster(a), reg.for_cluster(b)
    set_table_rows(books[a], K.SCORE_REVIEW_TABLE, RV.SCORE_KEYS,
                   {(top.unit, crit.code): {"Cụm chấm": 0, "Ghi chú của cụm": "Không có minh chứng"}})
    set_table_rows(books[a], K.UNIT_REVIEW_TABLE, RV.UNIT_KEYS,
                   {(r.unit,): {"Trạng thái (cụm)": "Đã thẩm định", "Người xem xét (cụm)": "Tổ thẩm định cụm"}
                    for r in first[a].results.values()})
    after_mark = sorted(ranked_a, key=lambda r: -(r.ev.total - (crit.points if r is top else 0)))
    voted = after_mark[0].unit if after_mark[0] is not top else ranked_a[1].unit
    meeting_day = last.deadline + timedelta(days=5)
    set_table_rows(books[a], K.MEETING_TABLE, RV.MEETING_KEYS, {(a,): {
        "Ngày họp": meeting_day.strftime("%d/%m/%Y"), "Thành phần dự họp": f"Đại diện {len(first[a].results)} CĐCS",
        "Số thành viên dự": len(first[a].results), "Đơn vị dẫn đầu được bầu": voted,
        "Số phiếu bầu": len(first[a].results) - 1, "Đề nghị Cờ thi đua": voted,
        "Trưởng cụm ký": "Lê Văn Minh", "Ngày ký": meeting_day.strftime("%d/%m/%Y")}})
    back = first[b].ranked[b][0]
    set_table_rows(books[b], K.UNIT_REVIEW_TABLE, RV.UNIT_KEYS, {(back.unit,): {
        "Trạng thái (cụm)": "Cần bổ sung", "Lý do trả lại (cụm)": "Thiếu biên bản hội nghị CBCCVC",
        "Người xem xét (cụm)": "Tổ thẩm định cụm",
        "Hạn bổ sung (cụm)": (meeting_day + timedelta(days=7)).strftime("%d/%m/%Y")}})
    for code, pack in ((a, pack_a), (b, pack_b)):     # Tổng hợp cụm again: entries kept, results recomputed, sealed
        result = consolidate(returned, plan, period.code, [code], read=_with_register(read, pack), out=books[code],
                             registrations=registrations)
        write_consolidation(result, books[code])
    print(f"    Cụm {a} họp: {top.unit} bị trừ {pts(crit.points)} điểm tiêu chí {crit.code} (không có minh chứng); "
          f"bầu {voted} dẫn đầu cụm, đề nghị Cờ thi đua; trưởng cụm ký; cả cụm đã thẩm định.")
    print(f"    Cụm {b}: trả lại {back.unit} (thiếu biên bản hội nghị CBCCVC), hạn bổ sung "
          f"{meeting_day + timedelta(days=7):%d/%m/%Y}.")

    # The industry: the sealed cluster workbooks, then its own approval of both clusters.
    after = consolidate(list(books.values()), plan, period.code, out=industry_path, register=reg,
                         registrations=registrations)
    write_consolidation(after, industry_path)
    set_table_rows(industry_path, K.MEETING_TABLE, RV.MEETING_KEYS, {
        (a,): {"Ngành duyệt cụm": "Đã duyệt", "Người duyệt (ngành)": "Ban Thường vụ CĐN"},
        (b,): {"Ngành duyệt cụm": "Đã duyệt", "Người duyệt (ngành)": "Ban Thường vụ CĐN"}})
    final = consolidate(list(books.values()), plan, period.code, out=industry_path, register=reg,
                         registrations=registrations)
    if last_year is not None:
        from ..consolidate import compare, programme
        from .previous import last_year_plan
        programme.attach(final, [last_year])
        compare.attach(final, [last_year], plans=[last_year_plan(plan)])
    write_consolidation(final, industry_path)
    _print_change(plan, before, final, a, b, top, back, crit)
    from ..consolidate.sendback import write_send_back
    notices, csv_path = write_send_back(final, out / f"gui_lai_{period.code}")
    print(f"    Gửi lại đơn vị: {len(notices)} thông báo kết quả kiểm tra trong {csv_path.parent}; danh sách nhắc "
          f"(chưa nộp, nộp muộn, bị trả lại) kèm e-mail: {csv_path.name}")
    for line in ([*compare_lines(final), *programme_lines(final)] if last_year is not None else []):
        print(f"    {line}")
    print(f"    Bảng tổng hợp ngành cuối năm: {industry_path}")
    from ..documents import write_documents
    docs = write_documents(final, out / f"van_ban_{period.code}")
    count = lambda prefix: sum(p.name.startswith(prefix) for p in docs)  # noqa: E731
    print(f"    Văn bản cuối năm trong {docs[0].parent}: báo cáo tổng kết {count('bao_cao_')}, tờ trình khen thưởng "
          f"{count('to_trinh_')}, quyết định công nhận {count('quyet_dinh_')}, biên bản họp cụm {count('bien_ban_')}, "
          f"thông báo kết quả {count('thong_bao_')} (.docx)")
    return {"period": period, "books": books, "before": before, "final": final, "a": a, "b": b,
            "top": top.unit, "back": back.unit, "criterion": crit.code, "voted": voted, "notices": notices,
            "reminders": csv_path, "industry": industry_path}


def compare_lines(c) -> list[str]:
    comparison = c.comparison
    return comparison.summary_lines()[:4] if comparison is not None else []


def programme_lines(c) -> list[str]:
    from ..consolidate.programme import summary_lines
    return summary_lines(c)[:4] if c.programme is not None else []


def _with_register(read, register):
    """The same reading, verified against another register (a cluster's pack): re-read cheaply by
    re-authenticating nothing — a pack is a subset of the full register the reading used."""
    from dataclasses import replace
    return replace(read, scope=replace(read.scope, register=register))


def _print_change(plan, before, final, a, b, top, back, crit) -> None:
    t0, t1 = before.results[top.unit].ev.total, final.results[top.unit].ev.total
    lead0 = ", ".join(r.unit for r in before.leaders[a].units)
    lead1 = ", ".join(r.unit for r in final.leaders[a].units)
    print(f"    Tổng hợp ngành trước và sau họp cụm: {top.unit} {pts(t0)} → {pts(t1)} điểm; dẫn đầu cụm {a} theo "
          f"điểm: {lead0} → {lead1}; {back.unit} (cụm {b}) hạng {before.results[back.unit].rank} → chưa xếp hạng, "
          f"đề nghị khen thưởng: {sum(p.proposed for p in before.proposals if p.unit == back.unit)} → "
          f"{sum(p.proposed for p in final.proposals if p.unit == back.unit)}.")
    for line in review_lines(final):
        print(f"    {line}")
