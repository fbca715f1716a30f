"""Play the CĐCS staff of the sample province: fill issued forms with realistic, varied data,
some late, some missing, some with the mistakes people really make, and record what was planted.

Everything is driven by one seeded random generator, so a demo run is reproducible. Each filled
form comes with `expected`: the value a correct reader must return for every field it filled.
"""
from __future__ import annotations

import os
import random
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from openpyxl import load_workbook

from .. import contract as C
from ..plan.model import Period, Plan, Unit
from ..values import format_number_vi
from .edits import insert_rows_above_table, keeps_macros, list_row_cells, rename_sheet, table_cell

FIRST_NAMES = ["Nguyễn Thị Hương", "Trần Văn Minh", "Lê Thị Lan", "Phạm Quốc Huy", "Hoàng Thị Mai",
               "Vũ Đức Thắng", "Đỗ Thị Thu", "Bùi Văn Nam", "Ngô Thị Hạnh", "Đặng Văn Hùng",
               "Lê Văn Tuấn", "Trịnh Thị Ngọc", "Mai Xuân Trường", "Lường Thị Hoa", "Hà Văn Sơn"]
POSITIONS = ["Chủ tịch CĐCS", "Phó Chủ tịch CĐCS", "Ủy viên BCH phụ trách thi đua"]
INITIATIVE_TOPICS = [
    "Cải tiến quy trình tiếp đón người bệnh tại khoa Khám bệnh",
    "Ứng dụng phần mềm nhắc lịch tái khám qua tin nhắn",
    "Giảm thời gian chờ kết quả xét nghiệm máu",
    "Quy trình kiểm soát nhiễm khuẩn buồng phẫu thuật",
    "Sổ tay chăm sóc người bệnh đái tháo đường tại nhà",
    "Tiết kiệm điện năng tại khu điều trị nội trú",
    "Cải tiến xe tiêm an toàn",
    "Bảng theo dõi dấu hiệu sinh tồn điện tử",
]
FIELDS_OF_WORK = ["Khám chữa bệnh", "Điều dưỡng", "Dược", "Hành chính", "Y tế dự phòng"]

# Scenario mix for the demo province (fractions of the active units).
MISSING_SHARE, LATE_SHARE, MISTAKE_SHARE, EDITED_SHARE = 0.06, 0.06, 0.18, 0.08


@dataclass
class Planted:
    """One mistake the demo put into a form, for later checks to find."""
    file: str
    unit: str
    kind: str                 # e.g. collected_gt_due, unparseable_number, blank_required
    field: str | None
    value: object
    severity: str             # lỗi | cảnh báo | thông tin


@dataclass
class FilledForm:
    path: Path
    unit: Unit
    expected: dict[str, object]             # field code -> value a reader must return
    expected_info: dict[str, object] = field(default_factory=dict)
    initiatives: int = 0
    late: bool = False
    edits: list[str] = field(default_factory=list)
    planted: list[Planted] = field(default_factory=list)
    members: list[dict] = field(default_factory=list)        # member-table rows as typed (by header)
    collective: dict[str, bool] = field(default_factory=dict)  # collective title code -> registered


def realistic_values(rng: random.Random, plan: Plan, unit: Unit, period: Period) -> dict[str, object]:
    """Plausible, internally consistent figures for one unit, year-to-date to the period end."""
    months = (period.end.year - period.start.year) * 12 + period.end.month - period.start.month + 1
    ytd_months = period.end.month if period.end.year == plan.info.year else 12
    workers = unit.workers or rng.randint(30, 400)
    members = max(1, round(workers * rng.uniform(0.82, 1.0)))
    kpcd_due = round(workers * rng.uniform(7.5, 11.0) * 0.02 * ytd_months * 1e6 / 1000) * 1000
    dues_due = round(members * rng.uniform(7.0, 10.0) * 0.01 * ytd_months * 1e6 / 1000) * 1000
    good = rng.random() < 0.8
    recruits = rng.randint(0, max(1, workers // 15))
    joined = recruits if good or recruits == 0 else rng.randint(0, recruits)
    v = {
        "so_cnvcld": workers,
        "so_doan_vien": members,
        "hoi_nghi_cbccvc": "Có" if rng.random() < 0.96 else "Không",
        "chuong_trinh_phoi_hop": "Có" if rng.random() < 0.93 else "Không",
        "hoi_nghi_nld": "Có" if rng.random() < 0.7 else "Không",
        "thoa_uoc_ky": "Có" if rng.random() < 0.85 else "Không",
        "vi_pham_y_duc": 0 if rng.random() < 0.92 else rng.randint(1, 2),
        "kpcd_phai_thu": kpcd_due,
        "kpcd_da_thu": kpcd_due if good else round(kpcd_due * rng.uniform(0.7, 0.99) / 1000) * 1000,
        "doan_phi_phai_thu": dues_due,
        "doan_phi_da_thu": dues_due if rng.random() < 0.85 else round(dues_due * rng.uniform(0.5, 0.99) / 1000) * 1000,
        "nld_moi_tuyen": recruits,
        "nld_moi_ket_nap": joined,
        "doan_vien_moi": joined + rng.randint(0, 6),
        "dv_cap_nhat": round(members * rng.uniform(0.6, 1.0)),
        "dv_cap_nhat_ke_hoach": round(members * 0.8),
        "tuyen_truyen_phoi_hop": "Có" if rng.random() < 0.97 else "Không",
        "tuyen_truyen_nghi_quyet": "Có" if rng.random() < 0.95 else "Không",
        "tuyen_truyen_sang_kien": "Có" if rng.random() < 0.9 else "Không",
        "so_cuoc_tuyen_truyen": rng.randint(1, 4 * months),
        "so_sang_kien": rng.choice([0, 1, 2, 3, 3, 4, 5, 5, 6]),
    }
    v["so_luot_tham_du"] = v["so_cuoc_tuyen_truyen"] * rng.randint(15, 70)
    if v["hoi_nghi_cbccvc"] == "Có":
        v["ngay_hoi_nghi"] = date(plan.info.year, rng.randint(1, 3), rng.randint(1, 28))
    kind_codes = {f.code for f in plan.fields_for(unit.kind) if not f.is_derived}
    return {k: x for k, x in v.items() if k in kind_codes}


def _vi_text(x) -> str:
    """How a person types a number as text in Vietnamese style: 1.234.000"""
    return format_number_vi(x, 0)


def fill_form(src: Path, dst: Path, plan: Plan, unit: Unit, period: Period, rng: random.Random, *,
              late: bool = False, mistakes: int = 0, edit: bool = False) -> FilledForm:
    values = realistic_values(rng, plan, unit, period)
    wb = load_workbook(src, keep_vba=keeps_macros(src))
    expected: dict[str, object] = {}
    planted: list[Planted] = []
    edits: list[str] = []
    name = dst.name

    # Typing: most numbers as numbers, some as Vietnamese-style text (a reader must parse them).
    for code, value in values.items():
        cell = table_cell(wb, C.INDICATOR_TABLE, code, C.ENTRY)
        if isinstance(value, int) and value >= 1000 and rng.random() < 0.25:
            cell.value = _vi_text(value)
        elif isinstance(value, date):
            cell.value = datetime(value.year, value.month, value.day)
            cell.number_format = "dd/mm/yyyy"
        else:
            cell.value = value
        expected[code] = {"Có": True, "Không": False}.get(value, value) if isinstance(value, str) else value

    for kind in rng.sample(MISTAKES, k=min(mistakes, len(MISTAKES))):
        p = kind(wb, values, expected, rng, plan, unit, period)
        if p is not None:
            planted.append(Planted(name, unit.code, *p))

    reporter = rng.choice(FIRST_NAMES)
    deadline = period.deadline
    report_day = deadline + timedelta(days=rng.randint(2, 12)) if late else deadline - timedelta(days=rng.randint(0, 9))
    info = {"nguoi_bao_cao": reporter, "chuc_vu": rng.choice(POSITIONS),
            "dien_thoai": f"09{rng.randint(10_000_000, 99_999_999)}", "ngay_bao_cao": report_day}
    for code, value in info.items():
        cell = table_cell(wb, C.UNIT_TABLE, code, C.VALUE)
        cell.value = datetime(value.year, value.month, value.day) if isinstance(value, date) else value

    layout_codes = [c.code for c in plan.criteria_for(unit.kind)]
    for code in layout_codes:
        pts = table_cell(wb, C.SCORE_TABLE, code, C.POINTS).value
        table_cell(wb, C.SCORE_TABLE, code, C.SELF_SCORE).value = round(pts * rng.uniform(0.7, 1.0) * 2) / 2
        table_cell(wb, C.SCORE_TABLE, code, C.EXPLANATION).value = "Có minh chứng kèm theo báo cáo."

    n_init = min(int(values.get("so_sang_kien", 0)), 12)
    for i in range(n_init):
        row = list_row_cells(wb, C.INITIATIVE_TABLE, i)
        row["STT"].value = i + 1
        row["Tên sáng kiến"].value = rng.choice(INITIATIVE_TOPICS)
        row["Tác giả"].value = rng.choice(FIRST_NAMES)
        row["Khoa/phòng"].value = rng.choice(["Khoa Nội", "Khoa Ngoại", "Khoa Dược", "Phòng Điều dưỡng", "Khoa Xét nghiệm"])
        row["Lĩnh vực"].value = rng.choice(FIELDS_OF_WORK)
        row["Ngày công nhận"].value = datetime(plan.info.year, rng.randint(1, period.end.month), rng.randint(1, 28))
        row["Cấp công nhận"].value = rng.choice(["Cơ sở", "Cơ sở", "Ngành"])

    members, collective = registrations(rng, plan, unit)
    prefilled = _prefilled(wb)
    if prefilled:              # issued with the unit's registrations: keep who registered for what,
        facts = members        # fill in the year's facts of each person; now and then one person more
        members = [{**facts[i % len(facts)], **p} for i, p in enumerate(prefilled)]
        if rng.random() < 0.05:
            members.append({**facts[0], C.M_NAME: rng.choice(FIRST_NAMES) + " (thêm)"})
        collective = {}        # the collective titles stay as registered
    for i, m in enumerate(members):
        row = list_row_cells(wb, C.MEMBER_TABLE, i)
        row["STT"].value = i + 1
        for h, v in m.items():
            row[h].value = v
    for code, yes in collective.items():
        table_cell(wb, C.REGISTRATION_TABLE, code, C.REGISTERED).value = "Có" if yes else "Không"

    if edit:
        how = rng.choice(["rename", "insert", "both"])
        if how in ("rename", "both"):
            ws = table_cell(wb, C.INDICATOR_TABLE, next(iter(values)), C.ENTRY).parent
            rename_sheet(wb, ws, "So lieu 6 thang")
            edits.append("rename_sheet")
        if how in ("insert", "both"):
            insert_rows_above_table(wb, C.INDICATOR_TABLE, rng.randint(2, 5))
            edits.append("insert_rows")

    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    stamp = datetime(report_day.year, report_day.month, report_day.day, 16, 30).timestamp()
    os.utime(dst, (stamp, stamp))
    return FilledForm(dst, unit, expected, info, n_init, late, edits, planted, members, collective)


def _prefilled(wb) -> list[dict]:
    """The member rows a form was issued with (name, department, title), in order."""
    from openpyxl.utils.cell import range_boundaries
    from .edits import find_table
    ws, t = find_table(wb, C.MEMBER_TABLE)
    c0, r0, c1, r1 = range_boundaries(t.ref)
    heads = [ws.cell(r0, c).value for c in range(c0, c1 + 1)]
    out = []
    for r in range(r0 + 1, r1 + 1):
        row = {h: ws.cell(r, c0 + j).value for j, h in enumerate(heads)}
        if not row.get(C.M_NAME):
            break
        out.append({h: row.get(h) for h in (C.M_NAME, C.M_DEPT, C.M_TITLE)})
    return out


def registrations(rng: random.Random, plan: Plan, unit: Unit) -> tuple[list[dict], dict[str, bool]]:
    """Members registering for titles, some of them not eligible (long leave, new, disciplined,
    no initiative), and the collective titles the unit ticks."""
    names = {t.code: t.name for t in plan.titles}
    people = rng.sample(FIRST_NAMES, k=rng.randint(5, 12))
    members = []
    for name in people:
        title = rng.choices(["LDTT", "CSTDCS", "DVCDXS"], weights=[70, 18, 12])[0]
        m = {C.M_NAME: name, C.M_DEPT: rng.choice(["Khoa Nội", "Khoa Ngoại", "Khoa Dược", "Phòng Điều dưỡng"]),
             C.M_TITLE: names.get(title, title), C.M_DAYS: rng.randint(0, 12), C.M_MATERNITY: 0,
             C.M_MONTHS: 12, C.M_DISCIPLINE: "Không",
             C.M_HAS_INIT: "Có" if title == "CSTDCS" and rng.random() < 0.8 else "Không"}
        trouble = rng.random()
        if trouble < 0.06:
            m[C.M_DAYS] = rng.randint(40, 70)                                  # long leave
        elif trouble < 0.10:
            m[C.M_DAYS], m[C.M_MATERNITY] = 140, 130                           # maternity: still eligible
        elif trouble < 0.14:
            m[C.M_MONTHS] = rng.randint(3, 9)                                  # recruited this year
        elif trouble < 0.17:
            m[C.M_DISCIPLINE] = rng.choice(["Khiển trách", "Cảnh cáo"])
        if m[C.M_HAS_INIT] == "Có":
            m[C.M_INIT] = rng.choice(INITIATIVE_TOPICS)
        members.append(m)
    collective = {"TTLDTT": rng.random() < 0.85, "TTLDXS": rng.random() < 0.25, "CDCSVM": rng.random() < 0.5}
    return members, {k: v for k, v in collective.items() if k in names}


# --- the mistakes people make ---------------------------------------------------------------
# Each takes (wb, values, expected, rng, plan, unit, period), changes one cell, updates
# `expected` to what a reader must return, and says (kind, field, value, severity).

def _set(wb, code, value):
    table_cell(wb, C.INDICATOR_TABLE, code, C.ENTRY).value = value


def _collected_gt_due(wb, values, expected, rng, *_):
    due = values["kpcd_phai_thu"]
    wrong = due + rng.randint(1, 50) * 100_000
    _set(wb, "kpcd_da_thu", wrong)
    expected["kpcd_da_thu"] = wrong
    return ("collected_gt_due", "kpcd_da_thu", wrong, "lỗi")


def _joined_gt_recruited(wb, values, expected, rng, *_):
    recruits = values["nld_moi_tuyen"]
    wrong = recruits + rng.randint(1, 5)
    _set(wb, "nld_moi_ket_nap", wrong)
    expected["nld_moi_ket_nap"] = wrong
    return ("joined_gt_recruited", "nld_moi_ket_nap", wrong, "lỗi")


def _members_gt_workers(wb, values, expected, rng, *_):
    wrong = values["so_cnvcld"] + rng.randint(5, 40)
    _set(wb, "so_doan_vien", wrong)
    expected["so_doan_vien"] = wrong
    return ("members_gt_workers", "so_doan_vien", wrong, "lỗi")


def _blank_required(wb, values, expected, rng, *_):
    code = rng.choice(["so_cuoc_tuyen_truyen", "doan_phi_phai_thu", "nld_moi_tuyen"])
    _set(wb, code, None)
    expected[code] = None
    return ("blank_required", code, None, "lỗi")


def _text_in_number(wb, values, expected, rng, *_):
    code = rng.choice(["so_luot_tham_du", "so_cuoc_tuyen_truyen"])
    text = rng.choice(["khoảng 300", "chưa tổng hợp", "nhiều"])
    _set(wb, code, text)
    expected[code] = ("invalid", text)
    return ("unparseable_number", code, text, "lỗi")


def _percent_in_count(wb, values, expected, rng, *_):
    _set(wb, "so_sang_kien", "95%")
    expected["so_sang_kien"] = ("invalid", "95%")   # a percentage in a whole-number field
    return ("unparseable_number", "so_sang_kien", "95%", "lỗi")


def _units_in_text(wb, values, expected, rng, *_):
    n = values["so_cnvcld"]
    _set(wb, "so_cnvcld", f"{_vi_text(n)} người")
    expected["so_cnvcld"] = n
    return ("number_with_unit", "so_cnvcld", f"{_vi_text(n)} người", "thông tin")


def _date_outside_period(wb, values, expected, rng, plan, unit, period):
    if "ngay_hoi_nghi" not in values:
        return None
    wrong = date(plan.info.year - 1, 12, rng.randint(1, 28))
    table_cell(wb, C.INDICATOR_TABLE, "ngay_hoi_nghi", C.ENTRY).value = datetime(wrong.year, wrong.month, wrong.day)
    expected["ngay_hoi_nghi"] = wrong
    return ("date_outside_period", "ngay_hoi_nghi", wrong, "lỗi")


MISTAKES = [_collected_gt_due, _joined_gt_recruited, _members_gt_workers, _blank_required,
            _text_in_number, _percent_in_count, _units_in_text, _date_outside_period]


def play_province(plan: Plan, period: Period, issued: list[Path], returned_dir: Path,
                  rng: random.Random) -> tuple[list[FilledForm], list[Unit]]:
    """Fill the issued forms like a province would; return (filled forms, units that never reported)."""
    by_unit = {p.name.split("_")[1]: p for p in issued}
    units = [u for u in plan.active_units(period) if u.code in by_unit]
    order = units[:]
    rng.shuffle(order)
    n = len(order)
    n_missing, n_late = max(1, round(n * MISSING_SHARE)), max(1, round(n * LATE_SHARE))
    n_mistake, n_edit = max(1, round(n * MISTAKE_SHARE)), max(1, round(n * EDITED_SHARE))
    missing = order[:n_missing]
    late = set(u.code for u in order[n_missing:n_missing + n_late])
    mistaken = set(u.code for u in order[n_missing + n_late - 1:n_missing + n_late - 1 + n_mistake])
    edited = set(u.code for u in order[-n_edit:])
    if returned_dir.exists():
        shutil.rmtree(returned_dir)
    filled = []
    for u in units:
        if u in missing:
            continue
        src = by_unit[u.code]
        filled.append(fill_form(src, returned_dir / src.name, plan, u, period, rng,
                                late=u.code in late, mistakes=rng.randint(1, 2) if u.code in mistaken else 0,
                                edit=u.code in edited))
    return filled, missing
