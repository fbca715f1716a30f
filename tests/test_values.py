"""Vietnamese number, date and yes/no styles: what people type, what the reader returns."""
from __future__ import annotations

from datetime import date, datetime

import pytest

from thidua.values import (format_number_vi, format_percent_vi, parse_date, parse_number, parse_text,
                           parse_value, parse_yes_no)


@pytest.mark.parametrize("raw, kwargs, want", [
    ("1.234", {}, 1234),
    ("1.234.567", {}, 1234567),
    ("1,5", {}, 1.5),
    ("1.234,5", {}, 1234.5),
    ("95%", {}, 0.95),
    ("95%", {"percent": True}, 0.95),
    ("95", {"percent": True}, 0.95),
    ("12 người", {"integer": True}, 12),
    ("1.234.000 đồng", {}, 1234000),
    (" 7 ", {"integer": True}, 7),
    ("1 234", {}, 1234),
    ("-3", {}, -3),
    (12.0, {"integer": True}, 12),
    (0.5, {}, 0.5),
])
def test_numbers_in_vietnamese_style(raw, kwargs, want):
    p = parse_number(raw, **kwargs)
    assert p.ok and p.value == pytest.approx(want) and p.raw == raw


def test_number_readings_that_need_a_word_carry_a_note():
    assert "người" in parse_number("12 người", integer=True).note
    assert parse_number("1.5").note and parse_number("1.5").value == 1.5
    assert parse_number("1,234.5").value == 1234.5 and "tiếng Anh" in parse_number("1,234.5").note
    assert parse_number("1.234").note is None


@pytest.mark.parametrize("raw, kwargs, fragment", [
    ("khoảng 3", {"integer": True}, "không đọc được 'khoảng 3'"),
    ("95%", {"integer": True}, "tỷ lệ phần trăm"),
    ("nhiều", {}, "không đọc được"),
    ("=1+1", {}, "bắt đầu bằng '='"),
    (True, {}, "Có/Không"),
    (1.5, {"integer": True}, "số nguyên"),
    (datetime(2026, 1, 1), {}, "ngày tháng"),
    ("3 - 5", {}, "không đọc được"),
])
def test_unparseable_numbers_are_kept_and_explained(raw, kwargs, fragment):
    p = parse_number(raw, **kwargs)
    assert p.invalid and p.value is None and p.raw == raw and fragment in p.note


def test_blanks():
    for raw in (None, "", "   "):
        assert parse_number(raw).blank and parse_date(raw).blank and parse_yes_no(raw).blank
        assert parse_text(raw).blank


def test_dates():
    assert parse_date("15/03/2026").value == date(2026, 3, 15)
    assert parse_date("5-3-26").value == date(2026, 3, 5)
    assert parse_date("2026-03-15").value == date(2026, 3, 15)
    assert parse_date(datetime(2026, 3, 15, 0, 0)).value == date(2026, 3, 15)
    assert parse_date(46096).value == date(2026, 3, 15)          # Excel serial
    bad = parse_date("31/13/2026")
    assert bad.invalid and "31/13/2026" in bad.note and "ngày/tháng/năm" in bad.note
    assert parse_date(7).invalid


def test_yes_no_and_text():
    for raw in ("Có", "có", " CÓ ", "x", True, 1):
        assert parse_yes_no(raw).value is True
    for raw in ("Không", "không", "ko", False, 0):
        assert parse_yes_no(raw).value is False
    assert parse_yes_no("chắc có").invalid
    assert parse_text("=1+1").value == "=1+1"                     # never evaluated
    assert parse_text(12.0).value == "12"
    assert parse_value("1,5", "number").value == 1.5 and parse_value("có", "yes_no").value is True


def test_formatting():
    assert format_number_vi(1234567) == "1.234.567"
    assert format_number_vi(151.37, 2) == "151,37"
    assert format_percent_vi(1.5137, 2) == "151,37%"
    assert format_percent_vi(47 / 48, 1) == "97,9%"
    assert format_number_vi(-1234.5, 1) == "-1.234,5"
