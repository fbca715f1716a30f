"""Shared, session-scoped fixtures: the sample plan, issued forms and a filled province.

Built once per test session from the real writers (no mocks), in a temporary folder.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from thidua.forms.write import issue_forms
from thidua.plan.read import read_plan
from thidua.plan.template import write_plan

PERIOD = "dot-1"


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("thidua")


@pytest.fixture(scope="session")
def plan_path(workdir) -> Path:
    return write_plan(workdir / "ke_hoach.xlsx")


@pytest.fixture(scope="session")
def plan(plan_path):
    return read_plan(plan_path)


@pytest.fixture(scope="session")
def issued(plan, workdir) -> list[Path]:
    return issue_forms(plan, PERIOD, workdir / "issued")


@pytest.fixture(scope="session")
def province(plan, issued, workdir):
    """(filled forms, missing units) as the demo's simulated province returns them."""
    from thidua.demo.fill import play_province
    return play_province(plan, plan.period(PERIOD), issued, workdir / "returned", random.Random(7))


@pytest.fixture(scope="session")
def demo_outputs(tmp_path_factory) -> Path:
    """The demo's whole output folder (plan, forms, returned forms, findings, consolidations)."""
    from thidua.demo.run import run_demo
    out = tmp_path_factory.mktemp("demo")
    assert run_demo(out, seed=2026) == 0
    return out


def user_workbooks(out: Path) -> dict[str, Path]:
    """One of each workbook people read and print, from the demo's outputs."""
    return {"plan": out / "ke_hoach_thi_dua_2026.xlsx",
            "form": sorted((out / "bieu_mau_dot-1").iterdir())[0],
            "findings": out / "ket_qua_kiem_tra_dot-1.xlsx",
            "cluster": sorted((out / "tong_hop_cum_dot-1").iterdir())[0],
            "industry": out / "tong_hop_nganh_dot-1.xlsx"}


def form_of(issued: list[Path], kind_prefix: str) -> Path:
    """The first issued form whose unit code starts with the prefix."""
    return next(p for p in issued if p.name.split("_")[1].startswith(kind_prefix))


# --- hand-built cases: a real issued form, filled cell by cell like a person would -------------
CLEAN_PUBLIC = {
    "so_cnvcld": 200, "so_doan_vien": 190, "hoi_nghi_cbccvc": "Có", "ngay_hoi_nghi": "15/02/2026",
    "chuong_trinh_phoi_hop": "Có", "vi_pham_y_duc": 0, "kpcd_phai_thu": 100_000_000,
    "kpcd_da_thu": 100_000_000, "doan_phi_phai_thu": 50_000_000, "doan_phi_da_thu": 50_000_000,
    "nld_moi_tuyen": 10, "nld_moi_ket_nap": 10, "doan_vien_moi": 12, "dv_cap_nhat": 150,
    "dv_cap_nhat_ke_hoach": 150, "tuyen_truyen_phoi_hop": "Có", "tuyen_truyen_nghi_quyet": "Có",
    "so_cuoc_tuyen_truyen": 5, "so_luot_tham_du": 300, "so_sang_kien": 5,
}
CLEAN_INFO = {"nguoi_bao_cao": "Nguyễn Thị Hương", "chuc_vu": "Chủ tịch CĐCS", "dien_thoai": "0912345678",
              "ngay_bao_cao": "05/07/2026"}


def public_form(plan, issued) -> Path:
    return next(p for p in issued if plan.unit(p.name.split("_")[1]).kind == "public")


def fill(plan, src: Path, dst: Path, values: dict | None = None, scores: dict | None = None,
         info: dict | None = None, initiatives: int | None = None, members: list[dict] | None = None,
         collective: dict | None = None, pledges: dict | None = None) -> Path:
    """A filled copy of an issued form: CLEAN_PUBLIC/CLEAN_INFO overridden by `values`/`info`;
    every criterion self-scored at full points with an explanation unless `scores` says
    {code: (self, upper, explanation)}; `initiatives` rows listed (default: so_sang_kien);
    `members` rows of the member table by header; `collective` {title code: "Có"/"Không"};
    `pledges` {target code: value}."""
    from datetime import datetime as _dt

    from openpyxl import load_workbook

    from thidua.demo.edits import list_row_cells, table_cell
    from thidua import contract as C
    from thidua.values import parse_date

    def put(cell, v):
        if isinstance(v, str) and parse_date(v).ok and v.count("/") == 2:
            d = parse_date(v).value
            cell.value = _dt(d.year, d.month, d.day)
        else:
            cell.value = v

    wb = load_workbook(src)
    vals = {**CLEAN_PUBLIC, **(values or {})}
    for code, v in vals.items():
        put(table_cell(wb, C.INDICATOR_TABLE, code, C.ENTRY), v)
    for code, v in {**CLEAN_INFO, **(info or {})}.items():
        put(table_cell(wb, C.UNIT_TABLE, code, C.VALUE), v)
    unit = plan.unit(src.name.split("_")[1])
    for crit in plan.criteria_for(unit.kind):
        own, upper, note = (scores or {}).get(crit.code, (crit.points, None, "Có minh chứng."))
        table_cell(wb, C.SCORE_TABLE, crit.code, C.SELF_SCORE).value = own
        table_cell(wb, C.SCORE_TABLE, crit.code, C.UPPER_SCORE).value = upper
        table_cell(wb, C.SCORE_TABLE, crit.code, C.EXPLANATION).value = note
    n = vals.get("so_sang_kien") if initiatives is None else initiatives
    for i in range(n if isinstance(n, int) else 0):
        row = list_row_cells(wb, C.INITIATIVE_TABLE, i)
        row["STT"].value, row["Tên sáng kiến"].value = i + 1, f"Sáng kiến số {i + 1}"
    for i, m in enumerate(members or []):
        row = list_row_cells(wb, C.MEMBER_TABLE, i)
        row["STT"].value = i + 1
        for h, v in m.items():
            row[h].value = v
    for code, v in (collective or {}).items():
        table_cell(wb, C.REGISTRATION_TABLE, code, C.REGISTERED).value = v
    for code, v in (pledges or {}).items():
        table_cell(wb, C.PLEDGE_TABLE, code, C.PLEDGE_VALUE).value = v
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst
