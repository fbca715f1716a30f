"""`make demo`: the whole flow on the built-in sample province, printed in Vietnamese."""
from __future__ import annotations

import json
import random
import shutil
import time
from collections import Counter
from dataclasses import asdict
from pathlib import Path

from ..check.findings import SEVERITIES
from ..check.report import check_files, write_findings_workbook
from ..forms.write import issue_registered
from ..plan.read import read_plan
from ..plan.template import write_plan
from ..values import format_number_vi
from .fill import play_province

PERIOD = "dot-1"


def plant_bad_files(returned: Path, filled, rng: random.Random, blank: Path | None = None) -> dict[str, str]:
    """The files that turn up in a real inbox besides good forms; name -> expected status.
    `blank`: an issued form that its unit sends back without filling anything."""
    bad: dict[str, str] = {}
    if blank is not None:
        shutil.copy2(blank, returned / blank.name)
        bad[blank.name] = "blank_form"
    first = filled[0].path
    # A unit sends a corrected copy a few days later: both arrive.
    dup = returned / (first.stem + "_ban-sua-lai" + first.suffix)
    shutil.copy2(first, dup)
    bad[dup.name] = "duplicate"
    # Truncated in transit.
    broken = returned / (filled[1].path.stem + "_loi-tai-ve.xlsx")
    broken.write_bytes(filled[1].path.read_bytes()[:3000])
    bad[broken.name] = "corrupt"
    # Excel's owner file left behind by someone who had a form open.
    lock = returned / ("~$" + filled[2].path.name)
    lock.write_bytes(b"\x0bNguyen Thi Huong" + b"\x00" * 100)
    bad[lock.name] = "lock_file"
    # Somebody's own report instead of the form.
    from ..write.xlsx import new_workbook, save_atomic
    wb, buf = new_workbook()
    ws = wb.add_worksheet("Báo cáo")
    ws.write(0, 0, "BÁO CÁO TỔNG KẾT CÔNG TÁC CÔNG ĐOÀN 6 THÁNG")
    wb.close()
    save_atomic(buf.getvalue(), returned / "bao-cao-tu-lam.xlsx")
    bad["bao-cao-tu-lam.xlsx"] = "not_a_form"
    (returned / "ghi-chu.txt").write_text("Gửi kèm báo cáo 6 tháng.", encoding="utf-8")
    bad["ghi-chu.txt"] = "corrupt"
    try:
        import msoffcrypto  # optional: only the test extras install it
        from msoffcrypto.format.ooxml import OOXMLFile
        enc = returned / (filled[3].path.stem + "_co-mat-khau.xlsx")
        with open(filled[3].path, "rb") as src, open(enc, "wb") as out:
            OOXMLFile(src).encrypt("123456", out)
        bad[enc.name] = "encrypted"
    except ImportError:
        pass
    return bad


def run_demo(out: Path, seed: int = 2026) -> int:
    t0 = time.perf_counter()
    rng = random.Random(seed)
    out.mkdir(parents=True, exist_ok=True)
    plan_path = write_plan(out / "ke_hoach_thi_dua_2026.xlsx")
    plan = read_plan(plan_path)
    period = plan.period(PERIOD)
    issued_dir, returned = out / f"bieu_mau_{PERIOD}", out / f"nop_ve_{PERIOD}"
    if issued_dir.exists():
        shutil.rmtree(issued_dir)
    from .. import register as R
    from ..registrations.load import load_registrations
    from .registration import play_registrations
    start = play_registrations(plan, plan_path, out, rng)         # the year starts: titles registered
    registrations = load_registrations(start.workbook, plan)
    planted = Counter(start.planted.values())
    print(f"• Đăng ký thi đua đầu năm: {len(start.issued)} bản đăng ký đã phát; nộp đúng hạn {planted['on_time']}, "
          f"nộp muộn {planted['late']}, nộp bổ sung sau hạn {planted['twice']}, để trống {planted['blank']}, chưa nộp "
          f"{planted['missing']} → {start.workbook}")
    issued = issue_registered(plan, plan_path, PERIOD, issued_dir, registrations=registrations).forms
    reg = R.load(R.register_path(plan_path), plan)
    filled, missing = play_province(plan, period, issued, returned, rng)
    issued_by_unit = {p.name.split("_")[1]: p for p in issued}
    bad = plant_bad_files(returned, filled, rng, blank=issued_by_unit[missing[0].code] if missing else None)
    manifest = {
        "plan": str(plan_path), "period": PERIOD, "missing": [u.code for u in missing],
        "late": [f.unit.code for f in filled if f.late],
        "edited": {f.path.name: f.edits for f in filled if f.edits},
        "bad_files": bad,
        "planted": [asdict(p) for f in filled for p in f.planted],
    }
    (out / "demo_manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, default=str), "utf-8")

    # Read, check and score everything, exactly as a cluster lead's folder would be.
    results = check_files([returned], plan)
    forms = [r.form for r in results if r.form is not None]
    failures = [(r.path.name, r) for r in results if r.form is None]
    findings_path = write_findings_workbook(results, out / f"ket_qua_kiem_tra_{PERIOD}.xlsx", plan)
    elapsed = time.perf_counter() - t0
    _print_summary(plan, period, plan_path, issued, issued_dir, returned, forms, failures, missing, out, elapsed)
    _print_checks(results, findings_path)
    _consolidate(plan, returned, out, reg, registrations)
    from .campaign import play_peak
    play_peak(plan, plan_path, out, rng)
    from .previous import play_last_year
    last_year = play_last_year(plan, out, rng)
    from .yearend import play_year_end
    play_year_end(plan, plan_path, out, rng, earlier=[returned], last_year=last_year, registrations=registrations)
    print(f"Xong sau {format_number_vi(time.perf_counter() - t0, 1)} giây.")
    return 0


def _consolidate(plan, returned: Path, out: Path, reg=None, registrations=None) -> dict:
    """The cluster leads' and the industry's consolidation of the returned folder, then the
    industry roll-up from the cluster workbooks alone (it must give the same figures)."""
    from ..consolidate.core import consolidate, read_inputs, run
    from ..consolidate.report import headline, rating_targets, ratings_line
    from ..consolidate.workbook import write_consolidation
    industry_path = out / f"tong_hop_nganh_{PERIOD}.xlsx"
    industry = run([returned], plan, PERIOD, industry_path, register=reg, registrations=registrations)
    cluster_dir = out / f"tong_hop_cum_{PERIOD}"
    if cluster_dir.exists():
        shutil.rmtree(cluster_dir)
    read = read_inputs([returned], plan, PERIOD, register=reg)
    cluster_paths = [write_consolidation(consolidate([returned], plan, PERIOD, [c.code], read=read,
                                                     registrations=registrations),
                                         cluster_dir / f"tong_hop_{c.code}_{PERIOD}.xlsx") for c in plan.clusters]
    rollup_path = out / f"tong_hop_nganh_tu_cum_{PERIOD}.xlsx"
    rollup = run([cluster_dir], plan, PERIOD, rollup_path, register=reg, registrations=registrations)
    same = industry.figures() == rollup.figures()
    print(f"• Tổng hợp toàn ngành: {industry_path}")
    print(f"    {headline(industry)}")
    print(f"    {ratings_line(industry)}")
    for line in rating_targets(industry):
        print(f"    {line}")
    print("    Đơn vị dẫn đầu cụm (đề xuất):")
    for code in industry.clusters:
        lead = industry.leaders[code]
        who = ", ".join(f"{r.unit} {plan.unit(r.unit).name} ({format_number_vi(r.ev.total, 2)} điểm)"
                        for r in lead.units) or "chưa đề xuất"
        tie = " — đồng hạng, cụm biểu quyết" if len(lead.units) > 1 else ""
        print(f"      {code}: {who}{tie}")
    statuses = Counter(e.status_label for e in industry.entries)
    print("    Tệp: " + ", ".join(f"{k.lower()} {v}" for k, v in statuses.items()))
    _print_awards(industry)
    print(f"• Tổng hợp cụm: {len(cluster_paths)} tệp trong {cluster_dir}")
    print(f"• Tổng hợp ngành từ các bảng tổng hợp cụm: {rollup_path}")
    print("    số liệu " + ("giống hệt tổng hợp trực tiếp từ biểu mẫu" if same else
                            "KHÁC tổng hợp trực tiếp từ biểu mẫu — cần kiểm tra"))
    return {"industry": industry, "clusters": cluster_paths, "rollup": rollup, "same": same}


def _print_awards(industry) -> None:
    from ..consolidate.awards import counts_by_title, tally_by_level, tally_text
    props = industry.proposals
    print(f"    Đăng ký danh hiệu: {len(props)} lượt; đủ điều kiện {sum(p.eligible for p in props)}, "
          f"vượt tỷ lệ {sum(p.eligible and not p.proposed for p in props)}, "
          f"đề nghị {sum(p.proposed for p in props)}")
    for c in counts_by_title(industry.plan, props):
        if c.registered:
            print(f"      {c.title_name}: đăng ký {c.registered}, đủ điều kiện {c.eligible}, đề nghị {c.proposed}")
    print(f"    Đề nghị theo cấp khen: {tally_text(tally_by_level(props))}")
    no = next((p for p in props if not p.eligible and p.person), None)
    if no is not None:
        print(f"    Ví dụ chưa đủ điều kiện: {no.person} ({no.unit}) — {no.title_name}: {no.reason}")


def _print_checks(results, findings_path) -> None:
    checked = [r for r in results if r.form is not None]
    with_errors = [r for r in checked if r.failed]
    by_sev = Counter(f.severity for r in checked for f in r.findings)
    by_rule = Counter(f.rule for r in checked for f in r.findings if f.severity == "lỗi")
    ratings = Counter(r.score.rating or "chưa xếp loại" for r in checked)
    print(f"• Kiểm tra {len(checked)} biểu mẫu: {len(with_errors)} biểu mẫu có lỗi phải sửa; "
          + ", ".join(f"{by_sev[s]} {s}" for s in SEVERITIES if by_sev[s]))
    print("    lỗi thường gặp: " + ", ".join(f"{rule} ×{n}" for rule, n in by_rule.most_common(6)))
    print("• Chấm điểm (tạm tính theo bảng điểm của kế hoạch): "
          + ", ".join(f"{code} {n}" for code, n in sorted(ratings.items())))
    print(f"• Danh sách lỗi từng ô: {findings_path}")


def _print_summary(plan, period, plan_path, issued, issued_dir, returned, forms, failures, missing, out, elapsed):
    n = lambda x: format_number_vi(x, 0)  # noqa: E731
    units_read = Counter(f.unit_code for f in forms)
    late = [f for f in forms if f.report_date and f.report_date > period.deadline]
    print("=" * 78)
    print(f"CHẠY THỬ thidua — {plan.info.title}")
    print(f"{plan.info.issuer}; kế hoạch {plan.info.plan_id}, phiên bản {plan.info.version}")
    print("=" * 78)
    print(f"• Kế hoạch: {plan_path}")
    print(f"    {len(plan.clusters)} cụm thi đua, {len(plan.units)} CĐCS, {len(plan.fields)} trường số liệu, "
          f"{len(plan.targets)} chỉ tiêu, {len(plan.criteria)} tiêu chí chấm điểm")
    print(f"• {period.name}: đã phát {len(issued)} biểu mẫu → {issued_dir}")
    print(f"• Đã nhận {len(forms) + len(failures)} tệp trong {returned}")
    print(f"    đọc được {len(forms)} biểu mẫu của {len(units_read)} đơn vị"
          + (f" ({sum(1 for c in units_read.values() if c > 1)} đơn vị nộp hơn một bản)" if any(c > 1 for c in units_read.values()) else ""))
    print(f"    không dùng được {len(failures)} tệp:")
    for name, r in failures:
        print(f"      - [{r.status}] {r.message}")
    print(f"• Chưa nộp: {len(missing)} đơn vị: " + ", ".join(f"{u.code} {u.name}" for u in missing))
    print(f"• Nộp muộn (ngày báo cáo sau {period.deadline:%d/%m/%Y}): {len(late)} biểu mẫu: "
          + ", ".join(sorted({f.unit_code for f in late})))
    total = lambda code: sum(v for f in forms if isinstance(v := f.value(code), (int, float)) and not isinstance(v, bool))  # noqa: E731
    print(f"• Số liệu thô đọc được: {n(total('so_cnvcld'))} CNVCLĐ, {n(total('so_doan_vien'))} đoàn viên, "
          f"{n(total('so_cuoc_tuyen_truyen'))} cuộc tuyên truyền với {n(total('so_luot_tham_du'))} lượt người, "
          f"{n(total('so_sang_kien'))} sáng kiến")
    print(f"• Danh sách lỗi đã cài sẵn để kiểm tra: {out / 'demo_manifest.json'}")
