"""The `thidua` command: a thin host over the core. Every failure a user can cause ends in a
Vietnamese message and an exit status, never a traceback."""
from __future__ import annotations

import argparse
import functools
import gettext
import json
import os
import re
import sys
from contextlib import contextmanager
from pathlib import Path

from . import __version__
from .errors import ThiduaError

EXIT_OK, EXIT_FINDINGS, EXIT_USER_ERROR, EXIT_BUG = 0, 1, 2, 3


# --- argparse in Vietnamese -----------------------------------------------------------------------
class _ArgparseVietnamese(gettext.NullTranslations):
    """argparse's own English as our parsers can show it (msgids of Python 3.10–3.13), said in
    Vietnamese; anything unlisted stays as argparse wrote it (tests/test_cli.py scans for it)."""
    TEXTS = {
        "usage: ": "Cách dùng: ",
        "positional arguments": "tham số",
        "options": "tùy chọn",
        "show this help message and exit": "in hướng dẫn này rồi thoát",
        "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
        "invalid choice: %(value)r (choose from %(choices)s)": "không có lựa chọn %(value)r (chọn một trong: %(choices)s)",
        "invalid %(type)s value: %(value)r": "giá trị %(value)r không hợp lệ",
        "the following arguments are required: %s": "còn thiếu %s",
        "one of the arguments %s is required": "cần một trong các tham số %s",
        "unrecognized arguments: %s": "không hiểu phần: %s",
        "expected one argument": "cần một giá trị đi kèm",
        "expected at most one argument": "chỉ nhận tối đa một giá trị",
        "expected at least one argument": "cần ít nhất một giá trị",
        "expected %s argument": "cần %s giá trị",
        "expected %s arguments": "cần %s giá trị",
        "ambiguous option: %(option)s could match %(matches)s": "tùy chọn %(option)s chưa rõ, có thể là: %(matches)s",
        "not allowed with argument %s": "không dùng cùng với %s",
        "ignored explicit argument %r": "tùy chọn này không nhận giá trị (%r)",
        "unexpected option string: %s": "tùy chọn không đúng chỗ: %s",
        "unknown parser %(parser_name)r (choices: %(choices)s)": "không có lệnh %(parser_name)r (các lệnh: %(choices)s)",
    }

    def gettext(self, message):
        return self.TEXTS.get(message, message)

    def ngettext(self, singular, plural, n):
        return self.gettext(singular if n == 1 else plural)


_VIETNAMESE = _ArgparseVietnamese()


@contextmanager
def _argparse_in_vietnamese():
    """argparse looks each text up through its module-level `_`/`ngettext` when it builds it
    (help, usage, error), so those two names point here only while our parser works and are
    put back after: gettext itself and every other argparse user keep their English."""
    saved = argparse._, argparse.ngettext
    argparse._, argparse.ngettext = _VIETNAMESE.gettext, _VIETNAMESE.ngettext
    try:
        yield
    finally:
        argparse._, argparse.ngettext = saved


def _in_vietnamese(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _argparse_in_vietnamese():
            return method(*args, **kwargs)
    return wrapper


class _Parser(argparse.ArgumentParser):
    # Every entry point that builds a text: titles and -h are made in __init__, errors while
    # parsing (a subcommand's parser runs inside its parent's), usage and help when printed.
    __init__ = _in_vietnamese(argparse.ArgumentParser.__init__)
    parse_known_args = _in_vietnamese(argparse.ArgumentParser.parse_known_args)
    parse_args = _in_vietnamese(argparse.ArgumentParser.parse_args)
    format_usage = _in_vietnamese(argparse.ArgumentParser.format_usage)
    format_help = _in_vietnamese(argparse.ArgumentParser.format_help)

    def error(self, message):  # a usage error is a user error (exit 2), said like every other one
        # Python 3.10 builds the "argument X: ..." prefix without gettext
        message = re.sub(r"^argument (?=\S+: )", "tham số ", message)
        self.print_usage(sys.stderr)
        raise ThiduaError(f"Lệnh chưa đúng: {message}. Xem hướng dẫn: {self.prog} --help")


def _integer(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' không phải số nguyên") from None


PLAN_FILE, FOLDER, FILE, PERIOD_CODE = "TỆP_KẾ_HOẠCH", "THƯ_MỤC", "TỆP", "MÃ_ĐỢT"


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="thidua", description="Biểu mẫu, kiểm tra, chấm điểm và tổng hợp thi đua Công đoàn ngành Y tế.",
                epilog="Hướng dẫn từng lệnh: thidua LỆNH --help (ví dụ: thidua check --help).")
    p.add_argument("--version", action="version", version=f"thidua {__version__}", help="in số phiên bản rồi thoát")
    p.set_defaults(show_help=p.print_help)
    sub = p.add_subparsers(dest="command", title="các lệnh", metavar="LỆNH", parser_class=_Parser)

    plan = sub.add_parser("plan", help="kế hoạch thi đua")
    plan.set_defaults(show_help=plan.print_help)    # `thidua plan` alone: this help, not the top one
    plan_sub = plan.add_subparsers(dest="plan_command", title="các lệnh", metavar="LỆNH", parser_class=_Parser)
    new = plan_sub.add_parser("new", help="tạo tệp kế hoạch mẫu (dữ liệu tỉnh mẫu)")
    new.add_argument("path", metavar=PLAN_FILE, help="tệp kế hoạch sẽ tạo, ví dụ ke_hoach.xlsx")
    check = plan_sub.add_parser("check", help="kiểm tra tệp kế hoạch, báo lỗi theo trang và dòng")
    check.add_argument("path", metavar=PLAN_FILE, help="tệp kế hoạch cần kiểm tra")

    forms = sub.add_parser("forms", help="phát biểu mẫu cho mọi CĐCS đang hoạt động")
    forms.add_argument("plan", metavar=PLAN_FILE, help="tệp kế hoạch thi đua")
    forms.add_argument("--period", required=True, metavar=PERIOD_CODE, help="mã đợt, ví dụ dot-1")
    forms.add_argument("-o", "--out", required=True, metavar=FOLDER, help="thư mục ghi biểu mẫu")
    forms.add_argument("--registrations", metavar="TỆP_EXCEL",
                       help="bảng tổng hợp đăng ký thi đua đầu năm (thidua register consolidate): biểu mẫu điền sẵn "
                            "đăng ký của từng đơn vị; mặc định: <tên kế hoạch>_dang_ky.xlsx cạnh tệp kế hoạch, nếu có")

    read = sub.add_parser("read", help="đọc biểu mẫu đã điền và in số liệu")
    read.add_argument("forms", nargs="+", metavar=FILE, help="tệp biểu mẫu đã điền hoặc thư mục chứa biểu mẫu")
    read.add_argument("--plan", metavar=PLAN_FILE,
                      help="tệp kế hoạch (kiểu dữ liệu và tên trường lấy theo kế hoạch)")
    read.add_argument("--json", action="store_true", help="in kết quả dạng JSON")

    check = sub.add_parser("check", help="kiểm tra và chấm điểm biểu mẫu đã điền")
    check.add_argument("forms", nargs="+", metavar=FILE, help="tệp biểu mẫu hoặc thư mục")
    check.add_argument("--plan", metavar=PLAN_FILE, help="tệp kế hoạch (mặc định: quy định kèm trong từng biểu mẫu)")
    check.add_argument("--previous", nargs="+", metavar=FILE,
                       help="biểu mẫu đợt trước của cùng đơn vị (kiểm tra số liệu lũy kế)")
    check.add_argument("--json", action="store_true", help="in kết quả dạng JSON")
    check.add_argument("--out", metavar="TỆP_EXCEL", help="ghi danh sách lỗi ra tệp Excel")

    excel = sub.add_parser("build-excel", help="tạo add-in ThiDua.xlam và biểu mẫu mẫu từ mã nguồn xl/")
    excel.add_argument("-o", "--out", default="build/excel", metavar=FOLDER,
                       help="thư mục kết quả (mặc định build/excel)")

    cons = sub.add_parser("consolidate", help="tổng hợp biểu mẫu nộp về (cụm hoặc toàn ngành) thành một tệp Excel")
    cons.add_argument("inputs", nargs="+", metavar=FOLDER,
                      help="thư mục (hoặc tệp) biểu mẫu đã nộp, bảng tổng hợp cụm, hoặc cả hai")
    cons.add_argument("--plan", required=True, metavar=PLAN_FILE, help="tệp kế hoạch thi đua (chỉ tiêu lấy từ đây)")
    cons.add_argument("--period", required=True, metavar=PERIOD_CODE,
                      help="mã đợt, ví dụ dot-1; ca-nam: kết quả cả năm gộp mọi đợt (biểu mẫu của các đợt)")
    cons.add_argument("-o", "--out", required=True, metavar="TỆP_EXCEL",
                      help="tệp Excel kết quả, ví dụ tong_hop_dot-1.xlsx")
    cons.add_argument("--cluster", action="append", metavar="MÃ_CỤM",
                      help="chỉ tổng hợp cụm này (lặp lại để lấy nhiều cụm); mặc định: toàn ngành")
    cons.add_argument("--workers", type=_integer, metavar="SỐ",
                      help="số tiến trình đọc tệp (mặc định: 2 khi có nhiều tệp)")
    cons.add_argument("--check", action="store_true",
                      help="chạy cả bộ kiểm tra (như thidua check) để đếm lỗi từng biểu mẫu; chậm hơn")
    cons.add_argument("--json", action="store_true", help="in các số liệu tổng hợp dạng JSON")
    cons.add_argument("--register", action="append", metavar="TỆP_JSON",
                      help="sổ phát hành (cấp ngành) hoặc sổ của cụm để xác thực biểu mẫu và niêm phong bảng tổng "
                           "hợp; mặc định: tệp *_so_phat_hanh.json hoặc so_phat_hanh_cum_*.json cạnh tệp kế hoạch")
    cons.add_argument("--send-back", metavar=FOLDER,
                      help="ghi thông báo kết quả kiểm tra cho từng đơn vị có lỗi hoặc bị trả lại, và danh sách "
                           "nhắc (tệp .csv để trộn thư) vào thư mục này")
    cons.add_argument("--registrations", metavar="TỆP_EXCEL",
                      help="bảng tổng hợp đăng ký thi đua đầu năm: đề nghị khen thưởng đối chiếu với đăng ký đầu năm "
                           "(thêm, bỏ sau hạn; điều kiện 'Đăng ký từ đầu năm'); mặc định: <tên kế hoạch>_dang_ky.xlsx "
                           "cạnh tệp kế hoạch, nếu có")
    cons.add_argument("--earlier-years", nargs="+", metavar="TỆP",
                      help="bảng tổng hợp của các năm trước (toàn ngành hoặc các cụm) để tính tiến độ chỉ tiêu giai "
                           "đoạn nhiều năm; tệp không ghi năm thì viết NĂM=TỆP, ví dụ 2024=tong_hop_2024.xlsx")
    cons.add_argument("--compare", nargs="+", metavar="TỆP_EXCEL",
                      help="so sánh với các bảng tổng hợp trước (đợt trước, năm trước): thêm các trang So sánh theo "
                           "thời gian, Xu hướng theo thời gian, Tổng kết giai đoạn")
    cons.add_argument("--compare-plan", action="append", metavar=PLAN_FILE,
                      help="kế hoạch của năm trước (lặp lại được): bảng tổng hợp năm đó được tính lại từ số liệu gốc "
                           "thay vì đọc từ các bảng đã in")
    cons.add_argument("--documents", metavar=FOLDER,
                      help="ghi các văn bản (.docx) vào thư mục này: báo cáo sơ kết/tổng kết, tờ trình và quyết định "
                           "khen thưởng kèm danh sách, biên bản họp cụm, thông báo kết quả cho từng đơn vị (thông tin "
                           "trình bày lấy từ trang Văn bản của kế hoạch)")

    reg = sub.add_parser("register", help="đăng ký thi đua đầu năm: phát bản đăng ký, tổng hợp bản đăng ký nộp về")
    reg.set_defaults(show_help=reg.print_help)
    reg_sub = reg.add_subparsers(dest="register_command", title="các lệnh", metavar="LỆNH", parser_class=_Parser)
    issue = reg_sub.add_parser("issue", help="phát bản đăng ký thi đua cho mọi CĐCS đang hoạt động")
    issue.add_argument("plan", metavar=PLAN_FILE, help="tệp kế hoạch thi đua (hạn nộp: khóa han_dang_ky)")
    issue.add_argument("-o", "--out", required=True, metavar=FOLDER, help="thư mục ghi bản đăng ký")
    rcons = reg_sub.add_parser("consolidate", help="tổng hợp bản đăng ký nộp về thành danh sách đăng ký theo cụm và "
                                                   "toàn ngành")
    rcons.add_argument("inputs", nargs="+", metavar=FOLDER, help="thư mục (hoặc tệp) bản đăng ký đã nộp")
    rcons.add_argument("--plan", required=True, metavar=PLAN_FILE, help="tệp kế hoạch thi đua")
    rcons.add_argument("-o", "--out", metavar="TỆP_EXCEL",
                       help="tệp Excel kết quả; mặc định: <tên kế hoạch>_dang_ky.xlsx cạnh tệp kế hoạch (các lệnh "
                            "forms, consolidate tự dùng tệp này)")
    rcons.add_argument("--cluster", action="append", metavar="MÃ_CỤM",
                       help="chỉ tổng hợp cụm này (lặp lại để lấy nhiều cụm); mặc định: toàn ngành")
    rcons.add_argument("--register", action="append", metavar="TỆP_JSON",
                       help="sổ phát hành hoặc sổ của cụm để xác thực bản đăng ký; mặc định: sổ cạnh tệp kế hoạch")
    rcons.add_argument("--workers", type=_integer, metavar="SỐ", help="số tiến trình đọc tệp (mặc định: 2)")
    rcons.add_argument("--json", action="store_true", help="in các số liệu tổng hợp dạng JSON")

    demo = sub.add_parser("demo", help="chạy thử toàn bộ trên dữ liệu tỉnh mẫu")
    demo.add_argument("--out", default="demo_output", metavar=FOLDER, help="thư mục kết quả (mặc định demo_output)")
    demo.add_argument("--seed", type=_integer, default=2026, metavar="SỐ",
                      help="số khởi tạo ngẫu nhiên của dữ liệu mẫu (mặc định 2026; cùng số, cùng dữ liệu)")
    return p


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.reconfigure(encoding="utf-8", errors="replace")
        except (AttributeError, ValueError):
            pass
    try:
        try:
            args = build_parser().parse_args(argv)
        except SystemExit as exc:       # --help, --version: printed, nothing else to do
            return exc.code or EXIT_OK
        if not args.command or (args.command == "plan" and not args.plan_command) or \
                (args.command == "register" and not args.register_command):
            args.show_help()
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


# --- progress on a terminal -----------------------------------------------------------------------
def _show_progress(args) -> bool:
    """A bar only for a person watching a terminal: never with --json, in a pipe, a log or a test."""
    stream = sys.stderr                 # None under pythonw
    return not getattr(args, "json", False) and stream is not None and stream.isatty()


@contextmanager
def _progress(args, label: str, unit: str = "tệp"):
    """The core's `progress(done, total)` callback drawing a tqdm bar on stderr, or None (quiet).
    The bar is made at the first call, when the total is known, and erased at the end so only
    the command's own report stays on the screen."""
    if not _show_progress(args):
        yield None
        return
    from tqdm import tqdm
    bar = None

    def progress(done: int, total: int) -> None:
        nonlocal bar
        if bar is None:
            bar = tqdm(total=total, desc=label, file=sys.stderr, leave=False, dynamic_ncols=True,
                       bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} " + unit
                                  + " [{elapsed}, còn {remaining}]")
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        if bar is not None:
            bar.close()


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
        from . import register
        from .forms.write import issue_registered
        from .plan.read import read_plan
        plan = read_plan(args.plan)
        if args.period not in plan.period_by_code:
            codes = ", ".join(plan.period_by_code)
            raise ThiduaError(f"Không có đợt '{args.period}' trong kế hoạch. Các đợt: {codes}.")
        registrations = _registrations(args, plan)
        if registrations is not None and plan.period(args.period).peak:
            print("Đợt cao điểm có danh hiệu riêng: biểu mẫu không điền sẵn đăng ký đầu năm.")
            registrations = None
        with _progress(args, "Đang phát biểu mẫu", "biểu mẫu") as progress:
            issued = issue_registered(plan, args.plan, args.period, args.out, progress=progress,
                                      registrations=registrations)
        out, paths, reg_path, packs = Path(args.out), issued.forms, issued.register, issued.packs
        print(f"Đã phát {len(paths)} biểu mẫu vào {out.resolve()}")
        print(f"Sổ phát hành (mã xác thực của từng biểu mẫu, khóa của cụm và ngành): {reg_path.resolve()}. "
              "Cấp ngành giữ tệp này cạnh tệp kế hoạch, không gửi cho đơn vị hay cụm; mất tệp này thì không xác "
              "thực được biểu mẫu nộp về.")
        if packs:
            print(f"Gói sổ phát hành của {len(packs)} cụm ({register.pack_name('<mã cụm>')}) ở {out.resolve()}: "
                  "gửi mỗi gói cho trưởng cụm đó cùng các biểu mẫu của cụm; không gửi gói cho CĐCS.")
        return EXIT_OK
    if args.command == "register":
        return _register(args)
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


def _registrations(args, plan):
    """--registrations, else the consolidated registrations beside the plan (said when used)."""
    from .registrations.load import find, load_registrations
    path = args.registrations or find(args.plan)
    if path is None:
        return None
    if not Path(path).is_file():
        raise ThiduaError(f"Không tìm thấy bảng tổng hợp đăng ký '{path}'. Kiểm tra lại đường dẫn (--registrations).")
    regs = load_registrations(path, plan)
    if not getattr(args, "json", False):
        print(f"Đối chiếu đăng ký đầu năm theo {Path(path).resolve()} (hạn nộp {regs.deadline:%d/%m/%Y}).")
    return regs


def _register(args) -> int:
    from . import register as R
    from .plan.read import read_plan
    plan = read_plan(args.plan)
    if args.register_command == "issue":
        from .registrations.book import issue_registered_books
        with _progress(args, "Đang phát bản đăng ký", "bản") as progress:
            issued = issue_registered_books(plan, args.plan, args.out, progress=progress)
        out = Path(args.out).resolve()
        print(f"Đã phát {len(issued.forms)} bản đăng ký thi đua năm {plan.info.year} vào {out} (hạn nộp "
              f"{plan.info.registration_deadline:%d/%m/%Y}).")
        print(f"Mã xác thực của từng bản ghi vào sổ phát hành {issued.register.resolve()} (cấp ngành giữ, không gửi đi); "
              f"gói sổ của {len(issued.packs)} cụm ở {out}: gửi mỗi gói cho trưởng cụm đó.")
        return EXIT_OK
    from .consolidate.records import BLANK, REJECTED, UNREADABLE
    from .registrations.collect import consolidate_books
    from .registrations.load import registrations_path
    from .registrations.workbook import summary_lines, write_registrations
    register = R.load_all(args.register or R.find(args.plan), plan)
    out = Path(args.out) if args.out else registrations_path(args.plan)
    with _progress(args, "Đang đọc bản đăng ký") as progress:
        result = consolidate_books(args.inputs, plan, args.cluster, out=out, register=register, workers=args.workers,
                                   progress=progress)
    write_registrations(result, out)
    status = EXIT_FINDINGS if any(e.status in (REJECTED, UNREADABLE, BLANK) for e in result.entries) else EXIT_OK
    if args.json:
        return _emit(lambda: print(json.dumps(result.figures(), ensure_ascii=False, indent=2, default=_jsonable)),
                     status)

    def write():
        print(f"Đã ghi danh sách đăng ký: {out.resolve()}")
        for kind, text in summary_lines(result)[1:-2]:
            print(text)
    return _emit(write, status)


def _read(args) -> int:
    from .read.files import describe, list_inputs
    from .read.batch import read_summaries
    plan = None
    if args.plan:
        from .plan.read import read_plan
        plan = read_plan(args.plan)
    found = list_inputs(args.forms)
    with _progress(args, "Đang đọc tệp") as progress:
        results = read_summaries(found, plan, progress=progress)
    status = EXIT_FINDINGS if any(r["status"] != "ok" or r["problems"] for r in results) else EXIT_OK
    if args.json:
        return _emit(lambda: print(json.dumps(results, ensure_ascii=False, indent=2)), status)
    # Labels and types come from the plan when one is given; without it, the code and the value.
    fields = plan.field_by_code if plan is not None else {}

    def write():
        for r in results:
            if r["status"] != "ok":
                print(f"✗ {r['file']}: {r['message']}")
                continue
            print(f"✓ {r['file']}: đơn vị {r['unit']}, đợt {r['period']}, {len(r['values'])} trường số liệu")
            for code, value in r["values"].items():
                f = fields.get(code)
                print(f"    {f'{f.label} ({code})' if f else code}: {_shown(value, f)}")
            if r["problems"]:
                print(f"  Cần xem lại ({len(r['problems'])}):")
                for msg in r["problems"]:
                    print(f"    - {msg}")
        print(f"Tổng cộng: {describe(found)}.")
    return _emit(write, status)


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(T00:00:00)?")


def _shown(value, field=None) -> str:
    """A value read from a form as a person reads it (check.engine.show). Values cross the worker
    pipe as JSON, so a date arrives as ISO text: the plan's field type says so, else its shape."""
    from datetime import date
    from .check.engine import show
    if isinstance(value, str) and value and (field.type == "date" if field is not None
                                             else _ISO_DATE.fullmatch(value)):
        try:
            value = date.fromisoformat(value[:10])
        except ValueError:
            pass
    return show(value, field)


def _check(args) -> int:
    from .check.report import check_files, print_report, results_json, write_findings_workbook
    plan = None
    if args.plan:
        from .plan.read import read_plan
        plan = read_plan(args.plan)
    previous = None
    if args.previous:
        with _progress(args, "Đang đọc biểu mẫu đợt trước") as progress:
            previous = {r.unit: r.form for r in check_files(args.previous, plan, progress=progress)
                        if r.form is not None}
    with _progress(args, "Đang kiểm tra") as progress:
        results = check_files(args.forms, plan, previous, progress=progress)
    if args.out:
        out = write_findings_workbook(results, args.out, plan)
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
    from . import register as R
    plan = read_plan(args.plan)
    register = R.load_all(args.register or R.find(args.plan), plan)
    registrations = _registrations(args, plan)
    earlier = _earlier_years(args, plan)
    def extend(result):               # earlier years' workbooks (programme, compare) go with the result it writes
        if earlier:
            from .consolidate.programme import attach
            attach(result, earlier)
        if args.compare:
            from .consolidate import compare
            compare.attach(result, args.compare, plans=[read_plan(p) for p in args.compare_plan or ()],
                           workers=args.workers)

    with _progress(args, "Đang đọc tệp") as progress:
        result = run(args.inputs, plan, args.period, args.out, args.cluster, workers=args.workers,
                     check=args.check or bool(args.send_back), progress=progress, register=register,
                     registrations=registrations, extend=extend)
    if args.send_back:
        from .consolidate.sendback import write_send_back
        notices, csv_path = write_send_back(result, Path(args.send_back))
        if not args.json:
            print(f"Đã ghi {len(notices)} thông báo kết quả kiểm tra và danh sách nhắc {csv_path}")
    if args.documents:
        from .documents import write_documents
        written = write_documents(result, Path(args.documents))
        if not args.json:
            print(f"Đã ghi {len(written)} văn bản (.docx) vào {Path(args.documents).resolve()}")
    comparison = getattr(result, "comparison", None)          # --compare: files that could not be used count
    status = EXIT_FINDINGS if any(e.status in (REJECTED, UNREADABLE, BLANK) for e in result.entries) or \
        (comparison is not None and comparison.unusable) else EXIT_OK
    if args.json:
        from .consolidate.programme import figures as programme_figures
        figures = {**result.figures(), "programme": programme_figures(result)}
        if comparison is not None:
            figures["comparison"] = comparison.figures()
        return _emit(lambda: print(json.dumps(figures, ensure_ascii=False, indent=2, default=_jsonable)), status)
    text = short_text(result, Path(args.out).resolve())
    if comparison is not None:
        text += "\n" + "\n".join(comparison.summary_lines())
    return _emit(lambda: print(text), status)


def _earlier_years(args, plan) -> list:
    """--earlier-years: each workbook read and checked before the long consolidation; one that
    cannot serve is a user error (exit 2), named with its reason."""
    if not args.earlier_years:
        return []
    from .consolidate.programme import check_books, read_earlier
    books = read_earlier(args.earlier_years, args.workers)
    check_books(plan, books)
    bad = [b for b in books if not b.ok]
    if bad:
        raise ThiduaError("Không dùng được bảng tổng hợp năm trước (--earlier-years):\n"
                          + "\n".join(f"  - {b.name}: {b.reason}" for b in bad))
    return books


def _jsonable(v):
    if hasattr(v, "isoformat"):
        return v.isoformat()
    return v
