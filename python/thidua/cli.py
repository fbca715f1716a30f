"""The `thidua` command: a thin host over the core. Every failure a user can cause ends in a
Vietnamese message and an exit status, never a traceback."""
from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from .errors import ThiduaError

EXIT_OK, EXIT_FINDINGS, EXIT_USER_ERROR, EXIT_BUG = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # argparse's English usage errors, said in Vietnamese
        self.print_usage(sys.stderr)
        raise ThiduaError(f"Lệnh chưa đúng: {message}. Xem hướng dẫn: thidua --help")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="thidua", description="Biểu mẫu, kiểm tra, chấm điểm và tổng hợp thi đua Công đoàn ngành Y tế.")
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    plan = sub.add_parser("plan", help="kế hoạch thi đua")
    plan_sub = plan.add_subparsers(dest="plan_command", parser_class=_Parser)
    new = plan_sub.add_parser("new", help="tạo tệp kế hoạch mẫu (dữ liệu tỉnh mẫu)")
    new.add_argument("path")
    check = plan_sub.add_parser("check", help="kiểm tra tệp kế hoạch, báo lỗi theo trang và dòng")
    check.add_argument("path")

    forms = sub.add_parser("forms", help="phát biểu mẫu cho mọi CĐCS đang hoạt động")
    forms.add_argument("plan")
    forms.add_argument("--period", required=True, help="mã đợt, ví dụ dot-1")
    forms.add_argument("-o", "--out", required=True, help="thư mục ghi biểu mẫu")

    read = sub.add_parser("read", help="đọc biểu mẫu đã điền và in số liệu")
    read.add_argument("forms", nargs="+")
    read.add_argument("--plan", help="tệp kế hoạch (kiểu dữ liệu lấy theo kế hoạch)")
    read.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    check = sub.add_parser("check", help="kiểm tra và chấm điểm biểu mẫu đã điền")
    check.add_argument("forms", nargs="+", help="tệp biểu mẫu hoặc thư mục")
    check.add_argument("--plan", help="tệp kế hoạch (mặc định: quy định kèm trong từng biểu mẫu)")
    check.add_argument("--previous", nargs="+", metavar="TỆP",
                       help="biểu mẫu đợt trước của cùng đơn vị (kiểm tra số liệu lũy kế)")
    check.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    check.add_argument("--out", help="ghi danh sách lỗi ra tệp Excel")

    excel = sub.add_parser("build-excel", help="tạo add-in ThiDua.xlam và biểu mẫu mẫu từ mã nguồn xl/")
    excel.add_argument("-o", "--out", default="build/excel", help="thư mục kết quả (mặc định build/excel)")

    cons = sub.add_parser("consolidate", help="tổng hợp biểu mẫu nộp về (cụm hoặc toàn ngành) thành một tệp Excel")
    cons.add_argument("inputs", nargs="+", metavar="THƯ_MỤC",
                      help="thư mục (hoặc tệp) biểu mẫu đã nộp, bảng tổng hợp cụm, hoặc cả hai")
    cons.add_argument("--plan", required=True, help="tệp kế hoạch thi đua (chỉ tiêu lấy từ đây)")
    cons.add_argument("--period", required=True, help="mã đợt, ví dụ dot-1")
    cons.add_argument("-o", "--out", required=True, help="tệp Excel kết quả, ví dụ tong_hop_dot-1.xlsx")
    cons.add_argument("--cluster", action="append", metavar="MÃ_CỤM",
                      help="chỉ tổng hợp cụm này (lặp lại để lấy nhiều cụm); mặc định: toàn ngành")
    cons.add_argument("--workers", type=int, help="số tiến trình đọc tệp (mặc định: 2 khi có nhiều tệp)")
    cons.add_argument("--check", action="store_true",
                      help="chạy cả bộ kiểm tra (như thidua check) để đếm lỗi từng biểu mẫu; chậm hơn")
    cons.add_argument("--json", action="store_true", help="in các số liệu tổng hợp dạng JSON")

    demo = sub.add_parser("demo", help="chạy thử toàn bộ trên dữ liệu tỉnh mẫu")
    demo.add_argument("--out", default="demo_output", help="thư mục kết quả (mặc định demo_output)")
    demo.add_argument("--seed", type=int, default=2026)
    return p


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")
        except (AttributeError, ValueError):
            pass
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        if not args.command or (args.command == "plan" and not args.plan_command):
            parser.print_help()
            return EXIT_USER_ERROR
        return _dispatch(args)
    except ThiduaError as exc:
        print(f"LỖI: {exc.message}", file=sys.stderr)
        return EXIT_USER_ERROR
    except KeyboardInterrupt:
        print("Đã dừng theo yêu cầu.", file=sys.stderr)
        return 130
    except BrokenPipeError:           # the reader of our output went away (`| head`): end quietly
        _silence_stdout()
        return EXIT_FINDINGS
    except Exception:  # a bug of ours: keep the details for us, not the user's screen
        from .crashlog import unexpected
        print(f"LỖI: {unexpected(' '.join(sys.argv))}", file=sys.stderr)
        return EXIT_BUG


def _silence_stdout() -> None:
    """Python would report the broken pipe again when it flushes stdout at exit."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _emit(write, status: int) -> int:
    """Print with `write()`; a closed pipe ends quietly with the status already decided."""
    try:
        write()
        sys.stdout.flush()
    except BrokenPipeError:
        _silence_stdout()
    return status


def _dispatch(args) -> int:
    if args.command == "plan":
        from .plan.read import read_plan
        if args.plan_command == "new":
            from .plan.template import write_plan
            path = write_plan(args.path)
            print(f"Đã tạo kế hoạch mẫu: {path}")
            return EXIT_OK
        plan = read_plan(args.path)
        print(f"Kế hoạch hợp lệ: {plan.info.plan_id} (phiên bản {plan.info.version}, năm {plan.info.year}) — "
              f"{len(plan.clusters)} cụm, {len(plan.units)} đơn vị, {len(plan.fields)} trường số liệu, "
              f"{len(plan.targets)} chỉ tiêu, {len(plan.criteria)} tiêu chí chấm điểm.")
        return EXIT_OK
    if args.command == "forms":
        from .forms.write import issue_forms
        from .plan.read import read_plan
        plan = read_plan(args.plan)
        if args.period not in plan.period_by_code:
            codes = ", ".join(plan.period_by_code)
            raise ThiduaError(f"Không có đợt '{args.period}' trong kế hoạch. Các đợt: {codes}.")
        paths = issue_forms(plan, args.period, args.out)
        print(f"Đã phát {len(paths)} biểu mẫu vào {Path(args.out).resolve()}")
        return EXIT_OK
    if args.command == "read":
        return _read(args)
    if args.command == "check":
        return _check(args)
    if args.command == "build-excel":
        return _build_excel(args)
    if args.command == "consolidate":
        return _consolidate(args)
    if args.command == "demo":
        from .demo.run import run_demo
        return run_demo(Path(args.out), seed=args.seed)
    raise ThiduaError(f"Lệnh '{args.command}' chưa được hỗ trợ.")


def _read(args) -> int:
    from .read.files import describe, list_inputs
    from .read.batch import read_summaries
    plan = None
    if args.plan:
        from .plan.read import read_plan
        plan = read_plan(args.plan)
    found = list_inputs(args.forms)
    results = read_summaries(found, plan)
    status = EXIT_FINDINGS if any(r["status"] != "ok" or r["problems"] for r in results) else EXIT_OK
    if args.json:
        return _emit(lambda: print(json.dumps(results, ensure_ascii=False, indent=2)), status)

    def write():
        for r in results:
            if r["status"] != "ok":
                print(f"✗ {r['file']}: {r['message']}")
                continue
            print(f"✓ {r['file']}: đơn vị {r['unit']}, đợt {r['period']}, {len(r['values'])} trường số liệu")
            for msg in r["problems"]:
                print(f"    - {msg}")
        print(f"Tổng cộng: {describe(found)}.")
    return _emit(write, status)


def _check(args) -> int:
    from .check.report import check_files, print_report, results_json, write_findings_workbook
    plan = None
    if args.plan:
        from .plan.read import read_plan
        plan = read_plan(args.plan)
    previous = None
    if args.previous:
        previous = {r.unit: r.form for r in check_files(args.previous, plan) if r.form is not None}
    results = check_files(args.forms, plan, previous)
    if args.out:
        out = write_findings_workbook(results, args.out)
        print(f"Đã ghi kết quả kiểm tra vào {out}", file=sys.stderr)
    status = EXIT_FINDINGS if any(r.failed for r in results) else EXIT_OK
    if args.json:
        return _emit(lambda: print(json.dumps(results_json(results), ensure_ascii=False, indent=2, default=str)),
                     status)
    return _emit(lambda: print_report(results, sys.stdout), status)


def _build_excel(args) -> int:
    from .xl.build import BuildError, build
    try:
        manifest = build(args.out)
    except BuildError as exc:
        raise ThiduaError(exc.message) from None
    from .values import format_number_vi
    out = Path(args.out).resolve()
    for name, info in manifest["files"].items():
        print(f"Đã tạo {out / name} ({format_number_vi(info['bytes'], 0)} byte)")
    print(f"xlwings {manifest['xlwings']}, {len(manifest['sources'])} tệp nguồn, "
          f"{format_number_vi(manifest['seconds'], 2)} giây; danh sách tệp: {out / 'manifest.json'}")
    return EXIT_OK


def _consolidate(args) -> int:
    from .consolidate.core import run
    from .consolidate.records import BLANK, REJECTED, UNREADABLE
    from .consolidate.report import short_text
    from .plan.read import read_plan
    plan = read_plan(args.plan)
    result = run(args.inputs, plan, args.period, args.out, args.cluster, workers=args.workers, check=args.check)
    status = EXIT_FINDINGS if any(e.status in (REJECTED, UNREADABLE, BLANK) for e in result.entries) else EXIT_OK
    if args.json:
        return _emit(lambda: print(json.dumps(result.figures(), ensure_ascii=False, indent=2, default=_jsonable)),
                     status)
    return _emit(lambda: print(short_text(result, Path(args.out).resolve())), status)


def _jsonable(v):
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v
