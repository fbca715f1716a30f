"""The differential test's two sides and its test data.

`live_results` reads what LibreOffice computed in a form's "Tự kiểm tra" tables (forms.selfcheck);
`engine_results` asks the Python engine (check.engine, score.engine, check.awards) the same
questions about the same file; `differences` lists every disagreement, in words.
`typed_twin` is a returned form with every value the engine had to interpret written as the value
it read (what the form asks a person to do: "nhập chỉ con số"); `random_fill` fills an issued form
with values at, just below and just above every threshold of the plan.
"""
from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from pathlib import Path

import python_calamine as pc

from thidua import contract as C
from thidua.catalogue import SEVERITIES
from thidua.check.awards import judge_form, members_of, title_code
from thidua.check.engine import check_form
from thidua.forms.compile import LIVE_RULES
from thidua.forms import selfcheck as S
from thidua.read.form import read_form
from thidua.score.engine import score_form


def _table(wb, name):
    t = wb.get_table_by_name(name)
    cols = list(t.columns)
    return [dict(zip(cols, r)) for r in t.to_python()]


def _num(v):
    return float(v) if isinstance(v, (int, float)) and not isinstance(v, bool) else v


def live_results(path: Path) -> dict:
    """What the form's formulas show, as LibreOffice recalculated them."""
    wb = pc.CalamineWorkbook.from_path(str(path), load_tables=True)
    checks = _table(wb, S.CHECK_TABLE)
    flagged = [r for r in checks if r["Có"] == 1]
    summary = {r["Mã"]: r["Giá trị"] for r in _table(wb, S.SUMMARY_TABLE)}
    return {
        "findings": sorted((r["Mã quy tắc"], r["Mức độ"], r["Trang"], r["Ô"], r["Nội dung"])
                           for r in flagged if r["Mã quy tắc"] != S.NEEDS_BUTTON),
        "needs": sorted((r["Trang"], r["Ô"]) for r in flagged if r["Mã quy tắc"] == S.NEEDS_BUTTON),
        "counts": {s: int(summary[k]) for s, k in zip(SEVERITIES, ("so_loi", "so_canh_bao", "so_thong_tin"))},
        "summary": summary,
        "criteria": {r["Mã"]: (_num(r["Điểm tính"]), r["Cách tính"]) for r in _table(wb, S.SCORE_TABLE)},
        "groups": {r["Mã"]: (_num(r["Điểm"]), r["Kết quả"]) for r in _table(wb, S.GROUP_TABLE)},
        "collective": {r["Mã"]: (r["Kết quả"], r["Lý do"]) for r in _table(wb, S.COLLECTIVE_TABLE) if r["Đăng ký"]},
        "members": sorted((int(r["Dòng"]), r["Họ và tên"], r["Danh hiệu"], r["Kết quả"], r["Lý do"])
                          for r in _table(wb, S.MEMBER_TABLE) if r["Dòng"] not in ("", None)),
        "problems": [(r["Mức độ"], r["Trang"], r["Ô"], r["Nội dung"]) for r in _table(wb, S.PROBLEM_TABLE)
                     if r["STT"] not in ("", None)],
    }


def issued_sheet_names(form) -> dict[str, str]:
    """Sheet names now -> as issued (a person may rename a sheet; the form's words keep the issued one)."""
    out = {}
    for table, e in ((C.INDICATOR_TABLE, next(iter(form.values.values()), None)),
                     (C.UNIT_TABLE, next(iter(form.info.values()), None))):
        if e is not None:
            out[e.sheet] = C.SHEETS[table]
    for s in form.scores.values():
        out[s.self_score.sheet] = C.SHEETS[C.SCORE_TABLE]
        break
    for name, lst in form.lists.items():
        if name in C.SHEETS:
            out[lst.sheet] = C.SHEETS[name]
    return out


def engine_results(src: Path, plan) -> dict:
    """The Python engine's answers about the same file (the authority)."""
    form = read_form(src, plan)
    rules = plan.for_period(form.period_code)
    renamed = issued_sheet_names(form)

    def sheet(name):
        return renamed.get(name, name)

    def words(text):
        for now, then in renamed.items():
            text = text.replace(f"Trang '{now}'", f"Trang '{then}'")
        return text

    findings = [f for f in check_form(form, plan) if f.rule in LIVE_RULES or f.rule in {c.code for c in rules.checks}]
    scored = score_form(form, plan)
    result, regs = judge_form(form, rules, scored.rating, scored.total)
    counts = {s: sum(1 for f in findings if f.severity == s) for s in SEVERITIES}
    members = []
    for m in members_of(form, rules):
        if not m.name and not m.title:
            continue
        key = next((first for repeat, first in result.duplicates if repeat.row == m.row), None)
        if key is not None:
            members.append((m.row, m.name, m.title or "", f"Trùng dòng {key.row}", ""))
            continue
        v = next((v for mm, v in result.members if mm.row == m.row), None)
        if not m.title:
            status, why = "Không đăng ký", ""
        elif v is None or (m.title not in rules.title_by_code
                           or rules.title_by_code[m.title].target_of != "individual"):
            status, why = "Không có trong kế hoạch", ""
        elif not v.eligible:
            status, why = "Chưa đủ điều kiện", "; ".join(v.reasons)
        elif v.capped:
            status, why = "Vượt tỷ lệ", v.cap_note
        else:
            status, why = "Đủ điều kiện", ""
        members.append((m.row, m.name, m.title or "", status, why))
    collective = {code: ("Đủ điều kiện" if v.eligible else "Chưa đủ điều kiện", "; ".join(v.reasons))
                  for (code, _s, _c), v in zip(regs, result.collective)}
    return {
        "findings": sorted((f.rule, str(f.severity), sheet(f.sheet), f.cell, words(f.message)) for f in findings),
        "counts": counts,
        "total": scored.total, "rating": scored.rating or "", "rating_name": scored.rating_name,
        "reason": scored.reason,
        "criteria": {c.code: (float(c.final), c.basis) for c in scored.criteria},
        "groups": {g.code: (float(g.score), "Đạt mức sàn" if g.meets_floor else "Dưới mức sàn") for g in scored.groups},
        "collective": collective,
        "members": sorted(members),
        "form": form,
    }


def differences(live: dict, eng: dict) -> list[str]:
    """Every disagreement between the form's formulas and the engine (empty: they agree)."""
    out = []
    if live["findings"] != eng["findings"]:
        a, b = set(live["findings"]), set(eng["findings"])
        out += [f"chỉ biểu mẫu: {x}" for x in sorted(a - b)] + [f"chỉ chương trình: {x}" for x in sorted(b - a)]
    if live["counts"] != eng["counts"]:
        out.append(f"số lỗi/cảnh báo/thông tin: biểu mẫu {live['counts']}, chương trình {eng['counts']}")
    s = live["summary"]
    if not (isinstance(s["tong_diem"], float) and math.isclose(s["tong_diem"], eng["total"], abs_tol=1e-9)):
        out.append(f"tổng điểm: biểu mẫu {s['tong_diem']!r}, chương trình {eng['total']}")
    for key, want in (("xep_loai", eng["rating"]), ("ten_xep_loai", eng["rating_name"]), ("ly_do", eng["reason"])):
        if (s[key] or "") != want:
            out.append(f"{key}: biểu mẫu {s[key]!r}, chương trình {want!r}")
    for code, (points, basis) in eng["criteria"].items():
        got = live["criteria"].get(code)
        if got is None or not isinstance(got[0], float) or not math.isclose(got[0], points, abs_tol=1e-9) \
                or got[1] != basis:
            out.append(f"tiêu chí {code}: biểu mẫu {got}, chương trình {(points, basis)}")
    for code, want in eng["groups"].items():
        got = live["groups"].get(code)
        if got is None or not math.isclose(got[0], want[0], abs_tol=1e-9) or got[1] != want[1]:
            out.append(f"nhóm {code}: biểu mẫu {got}, chương trình {want}")
    if live["collective"] != eng["collective"]:
        out.append(f"danh hiệu tập thể: biểu mẫu {live['collective']}, chương trình {eng['collective']}")
    if live["members"] != eng["members"]:
        a, b = set(live["members"]), set(eng["members"])
        out += [f"thành viên, chỉ biểu mẫu: {x}" for x in sorted(a - b)] + \
               [f"thành viên, chỉ chương trình: {x}" for x in sorted(b - a)]
    return out


# --- test data ------------------------------------------------------------------------------------
def typed_twin(src: Path, dst: Path, plan) -> Path:
    """The returned form with every figure written as the engine read it (no text in number, date or
    Có/Không cells): the form's formulas must then agree with the engine on everything."""
    from openpyxl import load_workbook
    from thidua.demo.edits import keeps_macros
    form = read_form(src, plan)
    wb = load_workbook(src, keep_vba=keeps_macros(src))

    def put(sheet, cell, value):
        if isinstance(value, date) and not isinstance(value, datetime):
            value = datetime(value.year, value.month, value.day)
        if isinstance(value, bool):
            value = "Có" if value else "Không"
        wb[sheet][cell].value = value

    for e in (*form.values.values(), *form.info.values()):
        if e.derived or e.type not in ("number", "integer", "percent", "date", "yes_no"):
            continue
        if e.parsed.ok and e.raw != e.value or e.parsed.invalid:
            put(e.sheet, e.cell, e.value if e.parsed.ok else None)
    for s in form.scores.values():
        e = s.self_score
        if e.parsed.ok and e.raw != e.value or e.parsed.invalid:
            put(e.sheet, e.cell, e.value if e.parsed.ok else None)
    typed = {**C.MEMBER_TYPES, C.M_DISCIPLINE: "text"}
    rules = plan.for_period(form.period_code)
    for name, lst in form.lists.items():
        if name not in (C.MEMBER_TABLE, C.PLEDGE_TABLE):
            continue
        for i, row in enumerate(lst.rows):
            for j, h in enumerate(lst.headers):
                cell = lst.address(i, h)
                raw = wb[lst.sheet][cell].value
                if name == C.MEMBER_TABLE and h in typed and h != "STT":
                    v = row.get(h)
                    put(lst.sheet, cell, v if not isinstance(v, str) or typed[h] == "text" else None)
                elif name == C.MEMBER_TABLE and h == C.M_TITLE and raw:
                    code = title_code(rules, raw)
                    t = rules.title_by_code.get(code or "")
                    if t is not None:
                        put(lst.sheet, cell, t.name)
                elif name == C.PLEDGE_TABLE and h == C.PLEDGE_VALUE and raw not in (None, ""):
                    from thidua.values import parse_number, parse_yes_no
                    code = row.get(C.CODE)
                    tgt = rules.target_by_code.get(str(code or ""))
                    if tgt is None:
                        continue
                    p = parse_yes_no(raw) if tgt.comparator == "yes" else parse_number(raw, percent=tgt.unit_label == "%")
                    put(lst.sheet, cell, p.value if p.ok else None)
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def _around(x: float, step: float, rng: random.Random) -> float:
    """x itself, just under it or just over it."""
    return rng.choice([x, x - step, x + step])


def random_fill(plan, src: Path, dst: Path, rng: random.Random) -> Path:
    """An issued form filled with values at, just below and just above the plan's thresholds:
    targets, ratios, ranges, consistency checks, score maxima, group floors and rating thresholds,
    title conditions and share caps, report dates around the period's end and deadline."""
    from openpyxl import load_workbook
    from thidua.demo.edits import list_row_cells, table_cell
    from thidua.forms.layout import layout_for
    wb = load_workbook(src)
    unit = plan.unit(src.name.split("_")[1])
    period_code = src.name.split("_")[2]
    rules = plan.for_period(period_code)
    period = plan.period(period_code)
    layout = layout_for(rules, unit.kind)
    values: dict = {}
    targets = {r.field.code: r.target for r in layout.indicators if r.target is not None}
    # ratios: the denominator fixed, the numerator at, under or over the target's share
    ratio_parts = {}
    for r in layout.indicators:
        if r.formula is not None and len(r.formula.refs) == 2:
            num, den = r.formula.refs
            ratio_parts[num] = (den, r.target)
    for r in layout.indicators:
        f = r.field
        if f.is_derived:
            continue
        t = targets.get(f.code)
        if f.type == "yes_no":
            v = rng.choice(["Có", "Có", "Có", "Không"])
        elif f.type == "date":
            start = date(period.start.year, 1, 1) if f.cumulative else period.start
            v = rng.choice([start, start - timedelta(days=1), period.end, period.end + timedelta(days=1),
                            start + timedelta(days=rng.randint(0, (period.end - start).days))])
        elif f.code in ratio_parts:
            continue
        elif t is not None and t.comparator in (">=", "<=", "="):
            v = max(0, _around(t.value, 1, rng))
        elif t is not None and t.comparator == "range":
            v = rng.choice([t.value - 1, t.value, t.value + 1, t.stretch - 1, t.stretch, t.stretch + 1])
        else:
            v = rng.choice([0, 1, 5, 12, 40, 200, 1234, 1_000_000])
        if f.type == "number" and rng.random() < 0.2:
            v = v + rng.choice([0.25, 0.5, 0.125])
        if f.type in ("number", "integer") and rng.random() < 0.03:
            v = (f.min or 0) - 1                    # under the allowed minimum
        elif f.max is not None and rng.random() < 0.03:
            v = f.max + 1
        values[f.code] = v
    for num, (den, t) in ratio_parts.items():
        base = rng.choice([8, 10, 100, 1000, 1_000_000_000])
        share = t.value if t is not None and t.value is not None else 1
        if t is not None and t.comparator == "range":
            share = rng.choice([t.value, t.stretch])
        n = round(base * share)
        values[den] = base if rng.random() > 0.03 else 0
        values[num] = max(0, rng.choice([n, n - 1, n + 1, n // 2, 0]))
    # consistency checks at their edge: left = right, one off either way
    for check in rules.checks_for(unit.kind):
        from thidua.plan.expr import parse_formula
        left, right = parse_formula(check.left), parse_formula(check.right)
        if len(left.refs) == 1 and len(right.refs) == 1 and rng.random() < 0.5 and left.refs[0] in values \
                and right.refs[0] in values and isinstance(values[right.refs[0]], (int, float)):
            values[left.refs[0]] = max(0, values[right.refs[0]] + rng.choice([-1, 0, 1]))
    for code in list(values):
        f = rules.field_by_code[code]
        if f.required and rng.random() < 0.04:
            values[code] = None
    for code, v in values.items():
        cell = table_cell(wb, C.INDICATOR_TABLE, code, C.ENTRY)
        cell.value = datetime(v.year, v.month, v.day) if isinstance(v, date) else v
    # self-scores: at the maximum, over it, under zero, fractions; some lands the total on a threshold
    crits = rules.criteria_for(unit.kind)
    own = {}
    for c in crits:
        own[c.code] = rng.choice([c.points, c.points, c.points - 0.5, c.points / 2, 0, c.points + 0.5, -1,
                                  round(c.points * 0.333, 2), None])
    if rules.ratings and rng.random() < 0.5:
        _land_on_threshold(rules, unit, values, own, crits, rng)
    for c in crits:
        table_cell(wb, C.SCORE_TABLE, c.code, C.SELF_SCORE).value = own[c.code]
        note = None if rng.random() < 0.15 else "Có minh chứng."
        table_cell(wb, C.SCORE_TABLE, c.code, C.EXPLANATION).value = note
        if rng.random() < 0.02:
            table_cell(wb, C.SCORE_TABLE, c.code, C.UPPER_SCORE).value = c.points
    # reporter and date: around the period's end and its deadline
    info = {"nguoi_bao_cao": None if rng.random() < 0.05 else "Nguyễn Thị Hương", "chuc_vu": "Chủ tịch CĐCS",
            "dien_thoai": "0912345678",
            "ngay_bao_cao": rng.choice([None, period.end - timedelta(days=1), period.end, period.deadline,
                                        period.deadline + timedelta(days=1), date(plan.info.year - 1, 12, 31)])}
    today = date.today()
    if isinstance(info["ngay_bao_cao"], date) and info["ngay_bao_cao"] > today:
        info["ngay_bao_cao"] = today            # the form does not judge "in the future" (TODAY is volatile)
    for code, v in info.items():
        table_cell(wb, C.UNIT_TABLE, code, C.VALUE).value = datetime(v.year, v.month, v.day) \
            if isinstance(v, date) else v
    n = values.get("so_sang_kien")
    listed = max(0, (n if isinstance(n, int) else 0) + rng.choice([0, 0, -1, 1]))
    for i in range(min(listed, C.INITIATIVE_BLANK_ROWS)):
        row = list_row_cells(wb, C.INITIATIVE_TABLE, i)
        row["STT"].value, row["Tên sáng kiến"].value = i + 1, f"Sáng kiến số {i + 1}"
    # members: days off around the limit (maternity excepted), months around the minimum, discipline,
    # initiatives, unknown titles and a repeated person; the list order decides the share caps
    _fill_members(wb, rules, rng)
    for t in rules.titles:
        if t.target_of == "collective" and rng.random() < 0.6:
            table_cell(wb, C.REGISTRATION_TABLE, t.code, C.REGISTERED).value = rng.choice(["Có", "Có", "Không"])
    for t in rules.unit_targets_for(unit.kind):
        if rng.random() < 0.4:
            if t.comparator == "yes":
                v = rng.choice(["Có", "Không"])
            else:
                v = max(0, _around(t.value, 0.01 if t.unit_label == "%" else 1, rng))
            table_cell(wb, C.PLEDGE_TABLE, t.code, C.PLEDGE_VALUE).value = v
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst


def _land_on_threshold(rules, unit, values, own, crits, rng) -> None:
    """Self-scores chosen so the total lands on a rating threshold, a hundredth under or over it."""
    from thidua.score.engine import score_values
    entered = {k: v for k, v in values.items()}
    base = score_values(rules, unit.kind, entered, {c.code: 0 for c in crits}, {}, unit)
    selfs = [c for c in crits if c.method == "self"]
    if not selfs:
        return
    goal = rng.choice([r.min_score for r in rules.ratings]) + rng.choice([-0.01, 0, 0.01])
    need = goal - base.total
    room = sum(c.points for c in selfs)
    if not 0 <= need <= room:
        return
    for c in selfs:
        give = min(c.points, need)
        own[c.code] = round(give, 2)
        need = round(need - give, 2)


def _fill_members(wb, rules, rng) -> None:
    from thidua.demo.edits import list_row_cells
    from thidua.plan.schema import DISCIPLINE_LEVELS
    individual = [t for t in rules.titles if t.target_of == "individual"]
    if not individual:
        return
    limits = {c.kind: c.value for c in rules.conditions if c.value is not None}
    days_limit = int(limits.get("max_days_off", 40))
    months_limit = int(limits.get("min_months", 10))
    people = ["Nguyễn Thị Hương", "Trần Văn Nam", "Lê Thị Lan", "Phạm Minh Đức", "Hoàng Thu Trang", "Vũ Đức Thắng",
              "Đỗ Thị Mai", "Bùi Văn Hùng", "Ngô Thị Thu", "Đặng Quốc Bảo", "Lý Thị Hoa", "Phan Văn Tâm",
              "Trịnh Thị Ngọc", "Mai Văn Long", "Cao Thị Yến"]
    n = rng.randint(0, 18)
    rows = []
    for i in range(n):
        name = people[i % len(people)]
        dept = rng.choice(["Khoa Nội", "Khoa Ngoại", "Phòng Tổ chức"])
        t = rng.choice(individual + individual + [None])
        title = None if t is None else rng.choice([t.name, t.code])
        if rng.random() < 0.04:
            title = "Danh hiệu khác"
        days = rng.choice([0, days_limit - 1, days_limit, days_limit + 1, rng.randint(0, 60)])
        maternity = rng.choice([0, 0, 0, min(days, rng.choice([1, 5, days]))])
        months = rng.choice([None, months_limit - 1, months_limit, months_limit + 1, 12])
        discipline = rng.choice([None, None, None, "Không", *DISCIPLINE_LEVELS[1:3]])
        init = rng.choice(["Có", "Không", None])
        rows.append({C.M_NAME: name, C.M_DEPT: dept, C.M_TITLE: title, C.M_DAYS: days, C.M_MATERNITY: maternity,
                     C.M_MONTHS: months, C.M_DISCIPLINE: discipline, C.M_HAS_INIT: init})
    if rows and rng.random() < 0.3:                  # the same person twice
        rows.insert(rng.randrange(len(rows) + 1), dict(rows[0]))
    for i, m in enumerate(rows[:C.MEMBER_BLANK_ROWS]):
        cells = list_row_cells(wb, C.MEMBER_TABLE, i)
        cells["STT"].value = i + 1
        for h, v in m.items():
            cells[h].value = v
