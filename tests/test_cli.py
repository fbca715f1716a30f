"""The `thidua` command as a person meets it: help, usage errors, version, `read`'s printout,
a wrong file given as the plan, and progress bars (on a terminal only)."""
from __future__ import annotations

import argparse
import gettext
import io
import json
import re
import shutil
import sys

import pytest

import thidua
from thidua import cli
from thidua.cli import main
from support.fixtures import PERIOD, fill, public_form

# argparse's English, as whole words; ASCII capitals are an English dest shown as a metavar.
ENGLISH = re.compile(r"\b(usage|options?|optional|positional|arguments?|show this help|help message|invalid|"
                     r"choose|choices|required|unrecognized|expected|ambiguous|error|allowed|ignored|"
                     r"program's|default)\b", re.IGNORECASE)
ENGLISH_METAVAR = re.compile(r"(?<![\w-])(?!JSON\b)[A-Z]{3,}\b")


def english(text: str) -> list[str]:
    return ENGLISH.findall(text) + ENGLISH_METAVAR.findall(text)


def parsers(parser=None, path=()):
    """(command words, parser) for the top parser and every subcommand, depth first."""
    parser = parser or cli.build_parser()
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from parsers(sub, (*path, name))


COMMANDS = [words for words, _ in parsers()]


@pytest.mark.parametrize("words", COMMANDS, ids=lambda w: " ".join(w) or "thidua")
def test_help_of_every_command_is_vietnamese(words, capsys):
    assert main([*words, "--help"]) == 0
    out, err = capsys.readouterr()
    assert out.startswith(f"Cách dùng: {' '.join(('thidua', *words))}") and not err
    assert "tùy chọn:" in out and "in hướng dẫn này rồi thoát" in out
    assert not english(out), out


WRONG = [
    ["nonsense"], ["plan", "bad"], ["forms"], ["forms", "kh.xlsx", "--period"], ["read"],
    ["read", "a.xlsx", "--bogus"], ["read", "--json=1", "a.xlsx"], ["check"], ["check", "a.xlsx", "--previous"],
    ["consolidate", "d", "--p", "x"], ["consolidate", "d", "--plan", "kh.xlsx", "--period", "dot-1", "-o", "kq.xlsx",
                                       "--workers", "hai"],
    ["demo", "--seed", "abc"], ["build-excel", "-o"], ["--bogus"],
]


@pytest.mark.parametrize("argv", WRONG, ids=" ".join)
def test_wrong_invocations_are_vietnamese_usage_errors(argv, capsys):
    assert main(argv) == 2
    out, err = capsys.readouterr()
    assert not out
    assert err.startswith("Cách dùng: thidua") and "LỖI: Lệnh chưa đúng: " in err and "--help" in err
    assert "Traceback" not in err
    assert not english(err.replace("--bogus", "")), err


def test_usage_errors_say_what_is_wrong(capsys):
    main(["nonsense"])
    assert "không có lựa chọn 'nonsense' (chọn một trong: 'plan', 'forms'" in capsys.readouterr().err
    main(["forms"])
    assert "còn thiếu TỆP_KẾ_HOẠCH, --period, -o/--out" in capsys.readouterr().err
    main(["consolidate", "d", "--plan", "p", "--period", "x", "-o", "y", "--workers", "hai"])
    assert "tham số --workers: 'hai' không phải số nguyên" in capsys.readouterr().err
    main(["read", "a.xlsx", "--bogus"])
    assert "không hiểu phần: --bogus" in capsys.readouterr().err


def test_bare_thidua_and_bare_plan_print_vietnamese_help(capsys):
    assert main([]) == 2
    out = capsys.readouterr().out
    assert out.startswith("Cách dùng: thidua [-h] [--version] LỆNH") and "consolidate" in out
    assert main(["plan"]) == 2
    out = capsys.readouterr().out
    assert out.startswith("Cách dùng: thidua plan") and "tạo tệp kế hoạch mẫu" in out and "consolidate" not in out
    assert not english(out)


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"thidua {thidua.__version__}\n"


def test_every_argument_is_described_with_a_vietnamese_metavar():
    for words, parser in parsers():
        for action in parser._actions:
            if isinstance(action, (argparse._HelpAction, argparse._SubParsersAction)):
                continue
            where = f"thidua {' '.join(words)} {action.dest}"
            assert action.help and not english(action.help), where
            if action.nargs != 0:                       # takes a value: shown by its metavar
                assert action.metavar and action.metavar.isupper() and not english(action.metavar), where


def test_every_translated_text_is_one_argparse_uses():
    """A msgid that a new Python renamed would silently bring its English back."""
    import inspect
    source = inspect.getsource(argparse)
    assert [m for m in cli._ArgparseVietnamese.TEXTS if m not in source] == []


def test_other_argparse_users_keep_english(capsys):
    main(["--help"])
    main(["nonsense"])
    capsys.readouterr()
    assert argparse._ is gettext.gettext and argparse.ngettext is gettext.ngettext
    text = argparse.ArgumentParser(prog="other").format_help()
    assert text.startswith("usage: other") and "show this help message and exit" in text


# --- read --------------------------------------------------------------------------------------
@pytest.fixture
def filled(plan, issued, tmp_path):
    """A clean public form with known values, and one with a value that cannot be read."""
    src = public_form(plan, issued)
    values = {"so_cnvcld": 1234, "kpcd_phai_thu": 100_000_000, "ngay_hoi_nghi": "15/02/2026",
              "chuong_trinh_phoi_hop": "Không", "dv_cap_nhat": None, "dv_cap_nhat_ke_hoach": None}
    good = fill(plan, src, tmp_path / "tot" / src.name, values=values)
    bad = fill(plan, src, tmp_path / "sai" / src.name, values={**values, "so_luot_tham_du": "nhiều lắm"})
    return good, bad


def test_read_prints_labels_and_values_as_people_read_them(plan, plan_path, filled, capsys):
    good, bad = filled
    assert main(["read", str(good), "--plan", str(plan_path)]) == 0
    out, err = capsys.readouterr()
    label = plan.field_by_code
    for code, shown in [("so_cnvcld", "1.234"), ("kpcd_phai_thu", "100.000.000"), ("ngay_hoi_nghi", "15/02/2026"),
                        ("chuong_trinh_phoi_hop", "Không"), ("hoi_nghi_cbccvc", "Có"), ("dv_cap_nhat", "(trống)")]:
        assert f"\n    {label[code].label} ({code}): {shown}\n" in out
    assert "Cần xem lại" not in out and not err

    assert main(["read", str(bad), "--plan", str(plan_path)]) == 1
    out = capsys.readouterr().out
    problems = out[out.index("  Cần xem lại ("):]
    assert "\n    - " in problems and "nhiều lắm" in problems


def test_read_without_plan_prints_codes(filled, capsys):
    assert main(["read", str(filled[0])]) == 0
    out = capsys.readouterr().out
    assert "\n    so_cnvcld: 1.234\n" in out and "\n    ngay_hoi_nghi: 15/02/2026\n" in out
    assert "\n    hoi_nghi_cbccvc: Có\n" in out and "\n    dv_cap_nhat: (trống)\n" in out


def test_read_json_keeps_its_shape(filled, capsys):
    assert main(["read", str(filled[0]), "--json"]) == 0
    (data,) = json.loads(capsys.readouterr().out)
    assert set(data) == {"file", "status", "unit", "period", "values", "problems"}
    assert data["values"]["so_cnvcld"] == 1234 and data["values"]["ngay_hoi_nghi"] == "2026-02-15"


def test_shown_values(plan):
    f = plan.field_by_code
    assert cli._shown(0.9792, f["ty_le_kpcd"]) == "97,92%"
    assert cli._shown(1234567.5, f["kpcd_phai_thu"]) == "1.234.567,5"
    assert cli._shown("2026-02-15", f["ngay_hoi_nghi"]) == cli._shown("2026-02-15T00:00:00") == "15/02/2026"
    assert cli._shown(True) == "Có" and cli._shown(False, f["hoi_nghi_cbccvc"]) == "Không"
    assert cli._shown(None) == cli._shown("") == "(trống)"
    assert cli._shown("Nguyễn Thị Hương") == "Nguyễn Thị Hương"


# --- a wrong file where the plan belongs ----------------------------------------------------------
def plan_commands(plan_file, form, tmp_path):
    return {
        "plan check": ["plan", "check", plan_file],
        "check": ["check", form, "--plan", plan_file],
        "consolidate": ["consolidate", str(tmp_path), "--plan", plan_file, "--period", PERIOD,
                        "-o", str(tmp_path / "kq.xlsx")],
        "forms": ["forms", plan_file, "--period", PERIOD, "-o", str(tmp_path / "phat")],
        "read": ["read", form, "--plan", plan_file],
    }


@pytest.mark.parametrize("command", ["plan check", "check", "consolidate", "forms", "read"])
def test_form_given_as_plan_is_named(command, issued, tmp_path, capsys):
    form = str(issued[0])
    assert main(plan_commands(form, form, tmp_path)[command]) == 2
    out, err = capsys.readouterr()
    assert err == (f"LỖI: '{issued[0].name}' là biểu mẫu của CĐCS, không phải tệp kế hoạch. "
                   "Hãy chọn tệp kế hoạch thi đua (tệp tạo bằng lệnh 'thidua plan new').\n")
    assert not out and not (tmp_path / "kq.xlsx").exists() and not (tmp_path / "phat").exists()


@pytest.mark.parametrize("command", ["plan check", "consolidate"])
def test_consolidation_given_as_plan_is_named(command, consolidated, issued, tmp_path, capsys):
    book = consolidated[1]
    assert main(plan_commands(str(book), str(issued[0]), tmp_path)[command]) == 2
    err = capsys.readouterr().err
    assert f"'{book.name}' là bảng tổng hợp thi đua" in err and "không phải tệp kế hoạch" in err
    assert "không tìm thấy bảng" not in err


# --- progress ----------------------------------------------------------------------------------
@pytest.fixture
def folder(issued, tmp_path):
    """Three issued forms in a folder."""
    out = tmp_path / "nop_ve"
    out.mkdir()
    for p in issued[:3]:
        shutil.copy(p, out / p.name)
    return out


def long_commands(plan_path, folder, tmp_path):
    return [
        ["forms", str(plan_path), "--period", PERIOD, "-o", str(tmp_path / "phat")],
        ["read", str(folder)],
        ["check", str(folder), "--plan", str(plan_path)],
        ["consolidate", str(folder), "--plan", str(plan_path), "--period", PERIOD, "-o", str(tmp_path / "kq.xlsx")],
    ]


def test_progress_is_quiet_without_a_terminal(plan_path, folder, tmp_path, capsys):
    plan_path = shutil.copy(plan_path, tmp_path / plan_path.name)   # `forms` writes its register beside the plan
    for argv in long_commands(plan_path, folder, tmp_path):
        assert main(argv) in (0, 1)
        err = capsys.readouterr().err
        assert "Đang" not in err and "%|" not in err, argv


def test_progress_only_on_a_terminal_and_never_with_json(monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    assert not cli._show_progress(argparse.Namespace(json=False))      # pytest's captured stderr
    monkeypatch.setattr(sys, "stderr", Terminal())
    assert cli._show_progress(argparse.Namespace(json=False))
    assert cli._show_progress(argparse.Namespace())                     # forms: no --json at all
    assert not cli._show_progress(argparse.Namespace(json=True))


def test_progress_bar_counts_every_file(plan, plan_path, folder, tmp_path, monkeypatch, capsys):
    plan_path = shutil.copy(plan_path, tmp_path / plan_path.name)   # `forms` writes its register beside the plan
    import tqdm

    bars = []

    class Recorded(tqdm.tqdm):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            bars.append(self)

    monkeypatch.setattr(cli, "_show_progress", lambda args: True)
    monkeypatch.setattr(tqdm, "tqdm", Recorded)
    n_units = len(plan.active_units(plan.period(PERIOD)))
    expected = [("Đang phát biểu mẫu", n_units), ("Đang đọc tệp", 3), ("Đang kiểm tra", 3), ("Đang đọc tệp", 3)]
    for argv, (label, total) in zip(long_commands(plan_path, folder, tmp_path), expected):
        bars.clear()
        assert main(argv) in (0, 1)
        (bar,) = bars
        assert (bar.desc, bar.n, bar.total) == (label, total, total), argv
        assert label in capsys.readouterr().err
