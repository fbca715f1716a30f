"""The worksheet functions as plain Python functions (that is also what xlwings calls)."""
from __future__ import annotations

import pytest

from thidua.excel.udfs import TD_DAT, TD_DIEM, TD_SO, TD_TYLE, TD_XEPLOAI


def test_number_and_rate():
    assert TD_SO("1.234") == 1234 and TD_SO("1,5") == 1.5 and TD_SO("95%") == 0.95 and TD_SO(None) == ""
    assert "không đọc được" in TD_SO("khoảng 3")
    assert TD_TYLE("2.876", 1900) == pytest.approx(1.5137, abs=1e-4)      # Kiên Giang 2020: 151,37%
    assert TD_TYLE(5, 0) == "" and TD_TYLE("", 3) == ""


def test_met_for_a_target_code(plan_path):
    p = str(plan_path)
    assert TD_DAT(1, "CL_KPCD", p) == "Đạt" and TD_DAT(0.9, "CL_KPCD", p) == "Chưa đạt"
    assert TD_DAT("Có", "CL_HOINGHI", p) == "Đạt" and TD_DAT("Không", "CL_HOINGHI", p) == "Chưa đạt"
    assert TD_DAT(5, "ALL_SANGKIEN", p) == "Đạt mức phấn đấu" and TD_DAT(4, "ALL_SANGKIEN", p) == "Đạt"
    assert TD_DAT("", "CL_KPCD", p) == ""
    assert "không có mã" in TD_DAT(1, "XX", p)
    assert "không tìm thấy" in TD_DAT(1, "CL_KPCD", "/khong/co.xlsx")


def test_points_for_a_criterion(plan_path):
    p = str(plan_path)
    assert TD_DIEM("CL2.1", 0.9, p) == pytest.approx(9)          # proportional
    assert TD_DIEM("CL1.1", "Có", p) == 10 and TD_DIEM("CL1.1", "Không", p) == 0
    assert TD_DIEM("CL1.4", 12, p) == 10 and TD_DIEM("CL1.4", 7.5, p) == 7.5   # self-scored, bounded
    assert TD_DIEM("CL3.3", 9, p) == 10                          # capped


def test_rating_for_a_score_set(plan_path):
    p = str(plan_path)
    assert TD_XEPLOAI([[35, 40, 25]], p) == "HTXSNV"
    assert TD_XEPLOAI([35, 40, 12], p) == "HTTNV"                 # 87 but group 3 under its floor
    assert TD_XEPLOAI([30, 30, 20], p, "Ngoài công lập") == "HTTNV"
    assert "cần 3 điểm nhóm" in TD_XEPLOAI([50, 50], p)
