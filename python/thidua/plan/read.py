"""Read the plan workbook into a `Plan`, collecting every definition error (sheet, row, column).

Like pyxform: the domain expert's spreadsheet is the source; mistakes are reported all at once,
located, in Vietnamese, and nothing half-read is returned. `plan_from_rows` is the one validation
of a plan: the workbook's tables and the copy of the plan a form carries (plan/embed.py) both
go through it.
"""
from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Callable

from ..errors import DefinitionProblem, PlanDefinitionError, ThiduaError
from ..read.workbook import Table, open_workbook
from ..values import Parsed, fold_key, format_number_vi, parse_date, parse_number, parse_text, parse_yes_no
from . import schema
from .expr import FormulaError, parse_formula
from .model import (YEAR_CODE, Check, Cluster, Criterion, CriteriaGroup, Field, Period, Plan, PlanInfo, Rating,
                    Target, Title, TitleCondition, Unit)
from .model import DocumentDetails, EarlierResult

CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
FIELD_CODE_RE = re.compile(r"^[a-z_][a-z0-9_]*$")
PERIOD_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9\-]*$")
NUMERIC_TYPES = {"number", "integer", "percent", "formula"}
# Counts, money (đồng) and points stay far below this; it keeps sums and ratios finite.
MAX_NUMBER = 1e15
# Labels, help and cited sources are a sentence or a paragraph (the sample's longest: ~150);
# every text must also fit the copy of the plan a form carries.
MAX_TEXT = 4000

# The rows of tblPlanInfo: PlanInfo attribute -> (key in the table, kind, required, smallest, largest).
INFO_KEYS = {
    "plan_id": ("ma_ke_hoach", "text", True, None, None),
    "version": ("phien_ban", "int", True, 1, None),
    "year": ("nam", "int", True, 1900, 2100),
    "issuer": ("don_vi", "text", True, None, None),
    "title": ("ten_ke_hoach", "text", True, None, None),
    "issued_on": ("ngay_ban_hanh", "date", False, None, None),
    "min_months_active": ("so_thang_toi_thieu", "int", False, 0, 120),
    "min_months_after_merger": ("so_thang_sau_sap_nhap", "int", False, 0, 120),
    "resubmit_days": ("so_ngay_bo_sung", "int", False, 1, 365),
    "registration_deadline": ("han_dang_ky", "date", False, None, None),
}

Rows = list  # [(row, sheet, {column key: value})]


class _Reader:
    def __init__(self, problems: list[DefinitionProblem], sheet_of: Callable[[schema.TableSpec], str]):
        self.problems = problems
        self.sheet_of = sheet_of          # where a problem of a whole table is reported
        self.refused: set[tuple] = set()  # cells whose value was refused: later rules see them blank

    def problem(self, sheet: str, row: int | None, column: str | None, message: str) -> None:
        if (sheet, row, column) not in self.refused:   # "needs a value" after "invalid" only misleads
            self.problems.append(DefinitionProblem(sheet, row, column, message))

    def refuse(self, sheet: str, row: int | None, column: str, message: str) -> None:
        self.problem(sheet, row, column, message)
        self.refused.add((sheet, row, column))

    def typed(self, spec: schema.TableSpec, rows: Rows) -> Rows:
        """Raw values -> typed values, cell by cell; then codes must be unique."""
        out = [(row, sheet, {c.key: self.cell(sheet, row, c, raw.get(c.key)) for c in spec.columns})
               for row, sheet, raw in rows]
        if spec.keyed:
            self.check_unique(out, spec)
        return out

    def cell(self, sheet: str, row: int | None, col: schema.Column, raw):
        kind = col.kind
        if isinstance(raw, Parsed):       # already refused by its source (a JSON value of the wrong type)
            parsed = raw
        elif kind in ("number", "int", "percent"):
            parsed = parse_number(raw, integer=(kind == "int"), percent=(kind == "percent"))
        elif kind == "date":
            parsed = parse_date(raw)
        elif kind == "yes_no":
            parsed = parse_yes_no(raw)
        else:
            parsed = parse_text(raw)
        if parsed.invalid:
            self.refuse(sheet, row, col.header, parsed.note or f"giá trị '{raw}' không hợp lệ")
            return None
        if parsed.blank:
            if col.required:
                self.problem(sheet, row, col.header, "ô này không được để trống")
            return None
        value = parsed.value
        if isinstance(value, (int, float)) and not isinstance(value, bool) and abs(value) > MAX_NUMBER:
            self.refuse(sheet, row, col.header, f"số quá lớn; không quá {format_number_vi(MAX_NUMBER)}")
            return None
        if isinstance(value, str) and len(value) > MAX_TEXT:
            self.refuse(sheet, row, col.header,
                        f"nội dung dài {len(value)} ký tự, quá giới hạn {format_number_vi(MAX_TEXT)} ký tự")
            return None
        if kind == "choice":
            key = _match_choice(value, col.choices)
            if key is None:
                allowed = ", ".join(f"'{c}'" for c in dict.fromkeys(col.choices))
                self.refuse(sheet, row, col.header, f"'{value}' không hợp lệ; chọn một trong: {allowed}")
                return None
            return col.choices[key]
        if kind == "code" and not CODE_RE.match(value):
            self.refuse(sheet, row, col.header,
                        f"mã '{value}' chỉ được gồm chữ không dấu, số, '_', '-', '.' và không có dấu cách")
            return None
        return value

    def check_unique(self, rows: Rows, spec: schema.TableSpec) -> None:
        key = spec.columns[0]
        seen: dict[str, int] = {}
        for row, sheet, values in rows:
            code = values.get(key.key)
            if code is None:
                continue
            if code in seen:
                self.problem(sheet, row, key.header,
                             f"mã '{code}' bị trùng với dòng {seen[code]}; mỗi mã chỉ được dùng một lần")
            else:
                seen[code] = row


def _table_rows(wb, spec: schema.TableSpec, problems: list[DefinitionProblem]) -> Rows:
    """[(excel_row, sheet, {key: raw cell value})] for the non-blank rows of a plan table."""
    table: Table | None = wb.table(spec.name)
    if table is None and spec.optional:      # a table added in a later version: none in an older plan
        return []
    if table is None:
        problems.append(DefinitionProblem(
            spec.sheet, None, None,
            f"không tìm thấy bảng dữ liệu của trang '{spec.sheet}' (có thể trang hoặc bảng đã bị xóa, hoặc bảng "
            "đã bị chuyển thành vùng thường). Hãy lấy lại trang này từ mẫu kế hoạch ('thidua plan new') rồi chép "
            "dữ liệu vào."))
        return []
    missing = [c.header for c in spec.columns if table.column(c.header) is None and not c.optional]
    for header in missing:
        problems.append(DefinitionProblem(table.sheet, table.first_row, header,
                                          f"bảng thiếu cột '{header}'. Đừng đổi tên hoặc xóa tiêu đề cột."))
    if missing:
        return []
    index = {c.key: table.column(c.header) for c in spec.columns}
    return [(table.first_row + i + 1, table.sheet, {k: (raw_row[j] if j is not None else None) for k, j in index.items()})
            for i, raw_row in enumerate(table.rows)
            if not all(v in (None, "") or (isinstance(v, str) and not v.strip()) for v in raw_row)]


def _match_choice(value, choices: dict):
    text = str(value).strip()
    for label in choices:
        if fold_key(label) == fold_key(text):
            return label
    return None


def read_plan(path: str | Path) -> Plan:
    """Read and validate a plan workbook; raise PlanDefinitionError listing every mistake."""
    path = Path(path)
    wb = open_workbook(path)
    _refuse_other_workbooks(wb, path)
    problems: list[DefinitionProblem] = []
    tables = {spec.name: _table_rows(wb, spec, problems) for spec in schema.PLAN_TABLES}
    return plan_from_rows(tables, problems, str(path))


def _refuse_other_workbooks(wb, path: Path) -> None:
    """A form or a consolidation given where the plan belongs is one plain sentence, not a
    list of a dozen missing plan tables."""
    from .. import contract as C
    from ..consolidate import contract as K
    again = " Hãy chọn tệp kế hoạch thi đua (tệp tạo bằng lệnh 'thidua plan new')."
    if wb.table(K.META_TABLE) is not None:   # it carries a tblPlanInfo of its own: test this first
        raise ThiduaError(f"'{path.name}' là bảng tổng hợp thi đua (kết quả của 'thidua consolidate'), "
                          "không phải tệp kế hoạch." + again, code="not_a_plan")
    if wb.table(C.META_TABLE) is not None and wb.table(schema.PLAN_INFO.name) is None:
        raise ThiduaError(f"'{path.name}' là biểu mẫu của CĐCS, không phải tệp kế hoạch." + again,
                          code="not_a_plan")


def plan_from_rows(tables: dict[str, Rows], problems: list[DefinitionProblem], source: str, *,
                   sheet_of: Callable[[schema.TableSpec], str] = lambda spec: spec.sheet,
                   excerpt: bool = False) -> Plan:
    """The one validation of a plan, whatever its source: raw values per table name, keyed by
    column key, are typed cell by cell (kind, choices, codes, required, limits), codes checked
    unique, then every cross-table rule runs. `problems` holds what the source already found;
    `excerpt`: the units are one unit's excerpt (a form's copy), so a cluster leader may be absent.
    Raises PlanDefinitionError listing every problem; nothing half-read is returned."""
    r = _Reader(problems, sheet_of)
    S = schema
    rows = {spec.name: r.typed(spec, tables.get(spec.name, [])) for spec in S.PLAN_TABLES}

    def table(spec):
        return rows[spec.name]

    info = _read_info(r, table(S.PLAN_INFO))
    clusters = [(row, sh, Cluster(**v)) for row, sh, v in table(S.CLUSTERS)]
    units = [(row, sh, Unit(**{**v, "merged": bool(v["merged"]), "active": v["active"] is not False}))
             for row, sh, v in table(S.UNITS)]
    periods = [(row, sh, Period(**{**v, "peak": bool(v["peak"])})) for row, sh, v in table(S.PERIODS)]
    fields = [(row, sh, Field(**{**v, "cumulative": bool(v["cumulative"])})) for row, sh, v in table(S.FIELDS)]
    targets = [(row, sh, Target(**v)) for row, sh, v in table(S.TARGETS)]
    groups = [(row, sh, CriteriaGroup(**v)) for row, sh, v in table(S.GROUPS)]
    criteria = [(row, sh, Criterion(**v)) for row, sh, v in table(S.CRITERIA)]
    ratings = [(row, sh, Rating(**{**v, "needs_floor": bool(v["needs_floor"])})) for row, sh, v in table(S.RATINGS)]
    checks = [(row, sh, Check(**v)) for row, sh, v in table(S.CHECKS)]
    titles = [(row, sh, Title(**v)) for row, sh, v in table(S.TITLES)]
    conditions = [(row, sh, TitleCondition(**v)) for row, sh, v in table(S.CONDITIONS)]
    earlier = [(row, sh, EarlierResult(**v)) for row, sh, v in table(S.EARLIER_RESULTS)]
    documents = [(row, sh, DocumentDetails(**v)) for row, sh, v in table(S.DOCUMENTS)
                 if all(v[c.key] is not None for c in S.DOCUMENTS.columns if c.required)]

    _check_links(r, clusters, units, periods, fields, targets, groups, criteria, ratings, excerpt)
    _check_rules(r, checks, {f.code: f for _, _, f in fields})
    _check_titles(r, titles, conditions, {x.code for _, _, x in ratings})
    _check_registration(r, info, table(S.PLAN_INFO), periods, conditions)
    earlier = _check_stages(r, info, targets, clusters, earlier)
    campaigns, (fields, targets, groups, criteria, checks, titles, conditions) = _split_campaigns(
        r, periods, fields, targets, groups, criteria, checks, titles, conditions, excerpt)
    if r.problems or info is None:
        raise PlanDefinitionError(r.problems, source)
    strip = lambda items: tuple(x for _, _, x in items)  # noqa: E731
    return Plan(info, strip(clusters), strip(units), strip(periods), strip(fields), strip(targets),
                strip(groups), strip(criteria), strip(ratings), strip(checks), strip(titles),
                strip(conditions), strip(earlier), campaigns=campaigns, documents=strip(documents), source=source)


def _split_campaigns(r, periods, fields, targets, groups, criteria, checks, titles, conditions, excerpt=False):
    """Peak campaigns' own items apart from the year's: ((code, item) pairs, the year's lists).
    A row's "Đợt" must be a peak period; what it refers to must belong to the same campaign.
    Criteria follow their group, conditions their title, checks the fields they use."""
    peaks = {p.code for _, _, p in periods if p.peak}
    others = {p.code for _, _, p in periods if not p.peak}
    for items in (fields, targets, groups, titles):
        for row, sh, x in items:
            if x.period and x.period not in peaks:
                why = ("là đợt thường: các đợt thường dùng chung bảng của cả năm, để trống ô này"
                       if x.period in others else "không có trong bảng đợt thi đua")
                r.problem(sh, row, "Đợt", f"'{x.period}' {why}; chỉ ghi mã một đợt cao điểm")
    for row, sh, p in ([] if excerpt else periods):      # a form's copy carries one period's plan only
        if p.peak and not any(f.period == p.code for _, _, f in fields):
            r.problem(sh, row, "Cao điểm", f"đợt cao điểm '{p.code}' chưa có trường số liệu riêng: ghi mã đợt này ở cột "
                                           "'Đợt' của các trường, chỉ tiêu, nhóm tiêu chí và danh hiệu của đợt")
    field_of = {f.code: f.period for _, _, f in fields}
    group_of = {g.code: g.period for _, _, g in groups}
    target_of = {t.code: t.period for _, _, t in targets}
    title_of = {t.code: t.period for _, _, t in titles}

    def where(code) -> str:
        return f"đợt {code}" if code else "cả năm"

    for row, sh, t in targets:
        if t.field and t.field in field_of and field_of[t.field] != t.period:
            r.problem(sh, row, "Trường", f"chỉ tiêu của {where(t.period)} so sánh trường '{t.field}' của "
                                         f"{where(field_of[t.field])}")
    for row, sh, c in criteria:
        if c.target and c.target in target_of and c.group in group_of and target_of[c.target] != group_of[c.group]:
            r.problem(sh, row, "Chỉ tiêu", f"tiêu chí thuộc nhóm của {where(group_of[c.group])} nhưng gắn chỉ tiêu "
                                           f"'{c.target}' của {where(target_of[c.target])}")
    from .expr import parse_formula, FormulaError

    def check_period(ch):
        used = set()
        for text in (ch.left, ch.right):
            try:
                used |= set(parse_formula(text).refs)
            except (FormulaError, TypeError):
                pass
        found = {field_of[f] for f in used if f in field_of}
        return found.pop() if len(found) == 1 else None

    split = {}
    pairs = []
    for name, items, period_of in (
            ("fields", fields, lambda x: x.period), ("targets", targets, lambda x: x.period),
            ("groups", groups, lambda x: x.period), ("criteria", criteria, lambda x: group_of.get(x.group)),
            ("checks", checks, check_period), ("titles", titles, lambda x: x.period),
            ("conditions", conditions, lambda x: title_of.get(x.title))):
        year = []
        for row, sh, x in items:
            code = period_of(x)
            if code:
                pairs.append((code, x))
            else:
                year.append((row, sh, x))
        split[name] = year
    return tuple(pairs), tuple(split[n] for n in ("fields", "targets", "groups", "criteria", "checks", "titles",
                                                   "conditions"))


def _read_info(r: _Reader, rows) -> PlanInfo | None:
    values = {v["key"]: (row, sh, v["value"]) for row, sh, v in rows if v.get("key")}
    sheet = rows[0][1] if rows else r.sheet_of(schema.PLAN_INFO)
    out = {}
    for attr, (key, kind, required, low, high) in INFO_KEYS.items():
        if key not in values:
            if required:
                r.problem(sheet, None, "Khóa", f"thiếu dòng có khóa '{key}'")
            continue
        row, sh, raw = values[key]
        parsed = {"int": lambda x: parse_number(x, integer=True), "date": parse_date}.get(kind, parse_text)(raw)
        if parsed.invalid or (parsed.blank and required):
            r.problem(sh, row, "Giá trị", parsed.note or f"khóa '{key}' cần có giá trị")
        elif parsed.ok and ((low is not None and parsed.value < low) or (high is not None and parsed.value > high)):
            r.problem(sh, row, "Giá trị", f"khóa '{key}' cần giá trị từ {low}" + (f" đến {high}" if high else ""))
        elif parsed.ok:
            out[attr] = parsed.value
    if any(INFO_KEYS[a][2] and a not in out for a in INFO_KEYS):
        return None
    return PlanInfo(**out)


def _check_links(r, clusters, units, periods, fields, targets, groups, criteria, ratings, excerpt=False) -> None:
    S = schema
    cluster_codes = {c.code for _, _, c in clusters}
    unit_by_code = {u.code: u for _, _, u in units}
    for row, sh, u in units:
        if u.cluster is not None and u.cluster not in cluster_codes:
            r.problem(sh, row, "Mã cụm", f"cụm '{u.cluster}' không có trong bảng Cụm thi đua")
    for row, sh, c in clusters:
        if c.leader and (c.leader in unit_by_code or not excerpt):   # a form's copy lists its own unit only
            leader = unit_by_code.get(c.leader)
            if leader is None:
                r.problem(sh, row, "Đơn vị trưởng cụm", f"đơn vị '{c.leader}' không có trong danh sách đơn vị")
            elif leader.cluster != c.code:
                r.problem(sh, row, "Đơn vị trưởng cụm", f"đơn vị '{c.leader}' thuộc cụm '{leader.cluster}', không thuộc cụm '{c.code}'")
    for row, sh, p in periods:
        if p.code and not PERIOD_CODE_RE.match(p.code):
            r.problem(sh, row, "Mã đợt", f"mã đợt '{p.code}' chỉ gồm chữ thường không dấu, số và '-' (ví dụ dot-1)")
        if p.code == YEAR_CODE:
            r.problem(sh, row, "Mã đợt", f"mã '{YEAR_CODE}' dành cho kết quả cả năm (gộp các đợt); hãy đặt mã khác")
        if p.start and p.end and p.start > p.end:
            r.problem(sh, row, "Đến ngày", "ngày kết thúc đợt trước ngày bắt đầu")
        if p.end and p.deadline and p.deadline < p.end:
            r.problem(sh, row, "Hạn nộp báo cáo", "hạn nộp báo cáo trước ngày kết thúc đợt")

    field_by_code = {f.code: f for _, _, f in fields}
    for row, sh, f in fields:
        if f.code and not FIELD_CODE_RE.match(f.code):
            r.problem(sh, row, "Mã trường", f"mã trường '{f.code}' chỉ gồm chữ thường không dấu, số và '_'")
        if f.min is not None and f.max is not None and f.min > f.max:
            r.problem(sh, row, "Lớn nhất", "giá trị lớn nhất nhỏ hơn giá trị nhỏ nhất")
        if f.type == "formula":
            if not f.formula:
                r.problem(sh, row, "Công thức", "trường kiểu Công thức cần có công thức")
                continue
            try:
                formula = parse_formula(f.formula)
            except FormulaError as exc:
                r.problem(sh, row, "Công thức", str(exc))
                continue
            for ref in formula.refs:
                other = field_by_code.get(ref)
                if other is None:
                    r.problem(sh, row, "Công thức", f"công thức dùng mã trường '{ref}' không có trong bảng")
                elif other.type not in NUMERIC_TYPES - {"formula"}:
                    r.problem(sh, row, "Công thức", f"trường '{ref}' không phải kiểu số nên không dùng trong công thức được")
                elif not _covers(other.applies_to, f.applies_to):
                    r.problem(sh, row, "Công thức", f"trường '{ref}' không áp dụng cho mọi đơn vị mà trường này áp dụng")
        elif f.formula:
            r.problem(sh, row, "Công thức", "chỉ trường kiểu Công thức mới có công thức; hãy xóa ô này hoặc đổi kiểu")
        _check_combine(r, sh, row, f)

    target_by_code = {t.code: t for _, _, t in targets}
    rating_codes = {x.code for _, _, x in ratings}
    for row, sh, t in targets:
        _check_target(r, row, sh, t, field_by_code, target_by_code, rating_codes)

    group_by_code = {g.code: g for _, _, g in groups}
    points_by_group: dict[str, float] = {}
    for row, sh, g in groups:
        if g.max_points is not None and g.max_points <= 0:
            r.problem(sh, row, "Điểm tối đa", "điểm tối đa phải lớn hơn 0")
        if g.floor is not None and not 0 <= g.floor <= 1:
            r.problem(sh, row, "Sàn (%)", "mức sàn phải từ 0% đến 100%")
    for row, sh, c in criteria:
        g = group_by_code.get(c.group)
        if g is None:
            r.problem(sh, row, "Mã nhóm", f"nhóm '{c.group}' không có trong bảng Nhóm tiêu chí")
            continue
        if c.points is not None:
            if c.points <= 0:
                r.problem(sh, row, "Điểm chuẩn", "điểm chuẩn phải lớn hơn 0")
            points_by_group[g.code] = points_by_group.get(g.code, 0) + c.points
        if c.method in ("all_or_nothing", "proportional"):
            t = target_by_code.get(c.target or "")
            if t is None or t.level != "unit":
                r.problem(sh, row, "Chỉ tiêu", f"cách chấm '{S.label_of(S.METHODS, c.method)}' cần mã một chỉ tiêu cấp Đơn vị")
            elif not _covers(t.applies_to, g.applies_to):
                r.problem(sh, row, "Chỉ tiêu", f"chỉ tiêu '{t.code}' không áp dụng cho loại hình của nhóm '{g.code}'")
            elif c.method == "proportional" and (t.comparator not in (">=", "range") or not t.value or t.value <= 0):
                r.problem(sh, row, "Cách chấm", f"chấm theo tỷ lệ đạt chỉ dùng với chỉ tiêu '≥' hoặc 'Khoảng' có giá trị lớn hơn 0 (chỉ tiêu '{t.code}')")
        elif c.method == "self" and c.target:
            r.problem(sh, row, "Chỉ tiêu", "tiêu chí tự chấm không gắn với chỉ tiêu; hãy xóa ô này")
    for row, sh, g in groups:
        total = points_by_group.get(g.code, 0)
        if g.max_points is not None and abs(total - g.max_points) > 1e-9:
            r.problem(sh, row, "Điểm tối đa",
                      f"tổng điểm chuẩn các tiêu chí của nhóm '{g.code}' là {total:g}, khác điểm tối đa {g.max_points:g}")

    ranked = sorted((x for _, _, x in ratings if x.rank is not None and x.min_score is not None), key=lambda x: x.rank)
    seen_ranks: set[int] = set()
    for row, sh, x in ratings:
        if x.rank in seen_ranks:
            r.problem(sh, row, "Thứ bậc", f"thứ bậc {x.rank} bị trùng")
        seen_ranks.add(x.rank)
        if x.cap is not None and not 0 <= x.cap <= 1:
            r.problem(sh, row, "Tỷ lệ tối đa", "tỷ lệ tối đa phải từ 0% đến 100%")
    for better, worse in zip(ranked, ranked[1:]):
        if better.min_score <= worse.min_score:
            r.problem(r.sheet_of(S.RATINGS), None, "Điểm từ",
                      f"xếp loại '{better.code}' phải cần nhiều điểm hơn '{worse.code}'")
    if ranked and ranked[-1].min_score != 0:
        r.problem(r.sheet_of(S.RATINGS), None, "Điểm từ",
                  f"xếp loại thấp nhất '{ranked[-1].code}' phải bắt đầu từ 0 điểm để mọi CĐCS đều được xếp loại")
    if not ranked:                        # every unit must get a rating
        r.problem(r.sheet_of(S.RATINGS), None, None, "bảng xếp loại chưa có ngưỡng điểm hợp lệ")


def _check_combine(r, sh, row, f) -> None:
    """The year's rule must suit the field: sums and maxima of numbers, any/all of yes/no."""
    if not f.combine:
        return
    label = schema.label_of(schema.COMBINE, f.combine)
    if f.type == "formula":
        r.problem(sh, row, "Cả năm", f"trường kiểu Công thức được tính lại từ số cả năm của các trường nó dùng; hãy "
                                     f"để trống ô 'Cả năm' (đang ghi '{label}')")
    elif f.combine in ("any", "all") and f.type != "yes_no":
        r.problem(sh, row, "Cả năm", f"'{label}' chỉ dùng cho trường Có/Không")
    elif f.combine in ("sum", "max") and f.type not in ("number", "integer", "percent"):
        r.problem(sh, row, "Cả năm", f"'{label}' chỉ dùng cho trường kiểu số")
    elif f.combine == "sum" and f.type == "percent":
        r.problem(sh, row, "Cả năm", "không cộng tỷ lệ của các đợt; hãy chọn 'Lấy đợt cuối' hoặc 'Lớn nhất các đợt'")
    elif f.combine == "sum" and f.cumulative:
        r.problem(sh, row, "Cả năm", "trường lũy kế từ đầu năm đã gồm các đợt trước: cộng các đợt sẽ tính trùng; hãy "
                                     "chọn 'Lấy đợt cuối' hoặc ghi 'Không' ở cột Lũy kế")


def _check_rules(r, checks, field_by_code) -> None:
    """Each side of a consistency rule is a valid expression over numeric fields that exist
    wherever the rule applies."""
    for row, sh, c in checks:
        for header, text in (("Vế trái", c.left), ("Vế phải", c.right)):
            if not text:
                continue
            try:
                formula = parse_formula(text)
            except FormulaError as exc:
                r.problem(sh, row, header, str(exc))
                continue
            for ref in formula.refs:
                f = field_by_code.get(ref)
                if f is None:
                    r.problem(sh, row, header, f"mã trường '{ref}' không có trong bảng Trường số liệu")
                elif f.type not in NUMERIC_TYPES:
                    r.problem(sh, row, header, f"trường '{ref}' không phải kiểu số nên không so sánh được")
                elif c.applies_to and not _covers(f.applies_to, c.applies_to):
                    r.problem(sh, row, header, f"trường '{ref}' không áp dụng cho mọi đơn vị mà quy tắc này áp dụng")


# Measures whose yearly figures add up over a stage (consolidate.programme)
CUMULATIVE_MEASURES = ("sum", "count_new_units")


def _check_stages(r, info: PlanInfo | None, targets, clusters, earlier):
    """Stage targets name their first and last year and this plan's year falls in between; each row
    of Kết quả các năm trước gives one cumulative stage target's figure for one earlier year of
    its stage, for the industry or one cluster, once. Returns the rows, scope spelled as the schema's."""
    S = schema
    year = info.year if info is not None else None
    by_code = {t.code: t for _, _, t in targets}
    for row, sh, t in targets:
        if t.level != "industry" or t.yearly:
            continue
        phase = t.phase
        if phase is None:
            r.problem(sh, row, "Phạm vi", f"phạm vi '{t.scope}' cần ghi năm đầu và năm cuối của giai đoạn, ví dụ "
                                          "'Giai đoạn 2021–2030' (hoặc 'Năm' cho chỉ tiêu hằng năm)")
        elif phase[0] > phase[1]:
            r.problem(sh, row, "Phạm vi", f"năm đầu giai đoạn {phase[0]} sau năm cuối {phase[1]}")
        elif year is not None and not phase[0] <= year <= phase[1]:
            r.problem(sh, row, "Phạm vi", f"năm thi đua {year} của kế hoạch nằm ngoài giai đoạn {phase[0]}–{phase[1]}")
    clusters_known = {c.code for _, _, c in clusters}
    out, seen = [], {}
    industry_rows: dict[tuple, tuple] = {}
    cluster_rows: dict[tuple, list] = {}
    for row, sh, e in earlier:
        scope = e.scope
        if scope is not None and fold_key(scope) in (fold_key(S.INDUSTRY_SCOPE), fold_key("Toàn ngành")):
            scope = S.INDUSTRY_SCOPE
        elif scope is not None and scope not in clusters_known:
            r.problem(sh, row, "Phạm vi", f"'{scope}' không phải '{S.INDUSTRY_SCOPE}' hay mã một cụm có trong bảng "
                                          "Cụm thi đua")
        t = by_code.get(e.target or "")
        if e.target is not None:
            if t is None:
                r.problem(sh, row, "Mã chỉ tiêu", f"chỉ tiêu '{e.target}' không có trong bảng Chỉ tiêu")
            elif t.level != "industry" or t.yearly:
                r.problem(sh, row, "Mã chỉ tiêu", f"chỉ tiêu '{e.target}' không phải chỉ tiêu cấp Ngành theo giai đoạn "
                                                  "nhiều năm (cột Phạm vi của chỉ tiêu ghi giai đoạn, ví dụ 'Giai đoạn "
                                                  "2021–2030')")
                t = None
            elif t.measure not in CUMULATIVE_MEASURES:
                label = S.label_of(S.MEASURES, t.measure) if t.measure in S.MEASURES.values() else t.measure
                r.problem(sh, row, "Mã chỉ tiêu", f"chỉ tiêu '{e.target}' tính theo '{label}', không cộng dồn qua các "
                                                  "năm được; chỉ ghi kết quả các năm cho chỉ tiêu tính theo 'Tổng' hoặc "
                                                  "'Số CĐCS mới thành lập'")
                t = None
        phase = t.phase if t is not None else None
        if e.year is not None and phase is not None and not phase[0] <= e.year <= phase[1]:
            r.problem(sh, row, "Năm", f"năm {e.year} nằm ngoài giai đoạn {phase[0]}–{phase[1]} của chỉ tiêu '{t.code}'")
        elif e.year is not None and year is not None and e.year >= year:
            r.problem(sh, row, "Năm", f"năm {e.year} không trước năm thi đua {year} của kế hoạch: số của năm nay được "
                                      "tính từ biểu mẫu, không ghi ở đây")
        if e.value is not None and e.value < 0:
            r.problem(sh, row, "Giá trị", "giá trị không được âm")
        key = (e.target, e.year, scope)
        if None not in key:
            if key in seen:
                r.problem(sh, row, "Năm", f"chỉ tiêu '{e.target}', năm {e.year}, phạm vi '{scope}' đã có ở dòng "
                                          f"{seen[key]}; mỗi chỉ tiêu, mỗi năm, mỗi phạm vi chỉ ghi một dòng")
            else:
                seen[key] = row
                if e.value is not None and scope == S.INDUSTRY_SCOPE:
                    industry_rows[(e.target, e.year)] = (row, sh, e.value)
                elif e.value is not None:
                    cluster_rows.setdefault((e.target, e.year), []).append((row, e.value))
        out.append((row, sh, EarlierResult(e.target, e.year, scope, e.value, e.source)))
    for key, (row, sh, value) in industry_rows.items():       # the clusters are parts of the industry
        parts = cluster_rows.get(key, [])
        total = sum(v for _, v in parts)
        if parts and total > value + 1e-9:
            where = ", ".join(str(x) for x, _ in parts)
            r.problem(sh, row, "Giá trị", f"số toàn ngành năm {key[1]} ({format_number_vi(value, 2)}) nhỏ hơn tổng các "
                                          f"cụm ({format_number_vi(total, 2)}: dòng {where}) của chỉ tiêu '{key[0]}'")
    return out


def _check_titles(r, titles, conditions, rating_codes) -> None:
    """Titles and their conditions refer to things that exist and take the parameters they need."""
    by_code = {t.code: t for _, _, t in titles}
    for row, sh, t in titles:
        if t.cap is not None and not 0 < t.cap <= 1:
            r.problem(sh, row, "Tỷ lệ tối đa", "tỷ lệ tối đa phải lớn hơn 0% và không quá 100%")
        if t.cap_base and t.cap_base not in by_code:
            r.problem(sh, row, "Tính trên", f"danh hiệu '{t.cap_base}' không có trong bảng Danh hiệu")
    individual = {"requires_title", "needs_initiative", "max_days_off", "min_months", "no_discipline_from"}
    for row, sh, c in conditions:
        title = by_code.get(c.title)
        if title is None:
            r.problem(sh, row, "Mã danh hiệu", f"danh hiệu '{c.title}' không có trong bảng Danh hiệu")
            continue
        if c.kind is None or c.kind == REGISTERED_AT_START:    # either kind of title: _check_registration
            continue
        if (c.kind in individual) != (title.target_of == "individual"):
            who = "cá nhân" if c.kind in individual else "tập thể"
            r.problem(sh, row, "Loại điều kiện", f"loại điều kiện này chỉ dùng cho danh hiệu {who}")
        if c.kind in ("requires_title", "member_share_over", "member_share_at_least", "has_member_title"):
            other = by_code.get(c.param or "")
            if other is None or other.target_of != "individual":
                r.problem(sh, row, "Tham số", "cần mã một danh hiệu cá nhân có trong bảng Danh hiệu")
        if c.kind in ("max_days_off", "min_months", "member_share_over", "member_share_at_least", "min_score") \
                and c.value is None:
            r.problem(sh, row, "Giá trị", "loại điều kiện này cần Giá trị")
        if c.kind in ("no_discipline_from", "members_no_discipline_from") and c.param not in S_DISCIPLINE[1:]:
            allowed = ", ".join(S_DISCIPLINE[1:])
            r.problem(sh, row, "Tham số", f"cần một hình thức kỷ luật: {allowed}")
        if c.kind == "min_rating" and c.param not in rating_codes:
            r.problem(sh, row, "Tham số", "cần mã một xếp loại có trong bảng Xếp loại")


S_DISCIPLINE = schema.DISCIPLINE_LEVELS
REGISTERED_AT_START = "registered_at_start"
REGISTRATION_CODE = "dang-ky"      # the registration workbooks' code in forms and the register (registrations/)


def _check_registration(r, info: PlanInfo | None, info_rows, periods, conditions) -> None:
    """Registration at the start of the year: the deadline (han_dang_ky) falls in the plan's year or
    the December before it (pledges are signed at the cluster meetings); a 'Đăng ký từ đầu năm'
    condition needs that deadline and takes no parameter or value; no period takes the code of
    the registration workbooks."""
    key = INFO_KEYS["registration_deadline"][0]
    where = next(((row, sh) for row, sh, v in info_rows if v.get("key") == key), None)
    deadline = info.registration_deadline if info is not None else None
    if deadline is not None and info.year and not (date(info.year - 1, 12, 1) <= deadline <= date(info.year, 12, 31)):
        r.problem(where[1] if where else r.sheet_of(schema.PLAN_INFO), where[0] if where else None, "Giá trị",
                  f"hạn nộp bản đăng ký thi đua ({deadline:%d/%m/%Y}) phải trong năm thi đua {info.year} "
                  f"(hoặc tháng 12/{info.year - 1}); hãy sửa khóa '{key}'")
    label = schema.label_of(schema.CONDITION_KINDS, REGISTERED_AT_START)
    for row, sh, c in conditions:
        if c.kind != REGISTERED_AT_START:
            continue
        if deadline is None and info is not None:
            r.problem(sh, row, "Loại điều kiện",
                      f"điều kiện '{label}' cần hạn nộp bản đăng ký thi đua: thêm dòng khóa '{key}' (ngày, ví dụ "
                      f"31/01/{info.year}) vào bảng ở trang '{schema.PLAN_INFO.sheet}'")
        if c.param:
            r.problem(sh, row, "Tham số", f"điều kiện '{label}' không dùng Tham số; hãy xóa ô này")
        if c.value is not None:
            r.problem(sh, row, "Giá trị", f"điều kiện '{label}' không dùng Giá trị; hãy xóa ô này")
    for row, sh, p in periods:
        if p.code == REGISTRATION_CODE:
            r.problem(sh, row, "Mã đợt", f"mã '{REGISTRATION_CODE}' dành cho bản đăng ký thi đua đầu năm; hãy đặt "
                                         "mã khác")


def _covers(outer: str | None, inner: str | None) -> bool:
    """Does something applying to `outer` exist wherever `inner` applies?"""
    return outer == "all" or outer == inner


def _check_target(r, row, sh, t: Target, field_by_code, target_by_code, rating_codes) -> None:
    if t.comparator in (">=", "<=", "=") and t.value is None and t.measure != "manual":
        r.problem(sh, row, "Giá trị", "chỉ tiêu so sánh số cần có Giá trị")
    if t.comparator == "range":
        if t.value is None or t.stretch is None:
            r.problem(sh, row, "Mức phấn đấu", "chỉ tiêu dạng Khoảng cần cả Giá trị (mức tối thiểu) và Mức phấn đấu")
        elif t.value > t.stretch:
            r.problem(sh, row, "Mức phấn đấu", "mức phấn đấu nhỏ hơn mức tối thiểu")
    if t.level == "unit":
        f = field_by_code.get(t.field or "")
        if f is None:
            r.problem(sh, row, "Trường", "chỉ tiêu cấp Đơn vị cần mã một trường số liệu có trong bảng Trường số liệu")
            return
        if not _covers(f.applies_to, t.applies_to):
            r.problem(sh, row, "Trường", f"trường '{f.code}' không áp dụng cho loại hình của chỉ tiêu này")
        if t.comparator == "yes" and f.type != "yes_no":
            r.problem(sh, row, "Phép so sánh", f"so sánh 'Có' chỉ dùng với trường Có/Không; '{f.code}' là trường số")
        if t.comparator != "yes" and f.type not in NUMERIC_TYPES:
            r.problem(sh, row, "Phép so sánh", f"trường '{f.code}' không phải kiểu số nên không so sánh bằng '{t.comparator}' được")
        if t.measure:
            r.problem(sh, row, "Cách tổng hợp", "chỉ tiêu cấp Đơn vị không có Cách tổng hợp; hãy xóa ô này")
        return
    # industry level
    if not t.measure:
        r.problem(sh, row, "Cách tổng hợp", "chỉ tiêu cấp Ngành cần Cách tổng hợp")
        return
    if t.measure == "share_met":
        ref = target_by_code.get(t.ref or "")
        if ref is None or ref.level != "unit":
            r.problem(sh, row, "Tham chiếu", "cần mã một chỉ tiêu cấp Đơn vị")
        elif not _covers(ref.applies_to, t.applies_to):
            r.problem(sh, row, "Tham chiếu", f"chỉ tiêu '{ref.code}' không áp dụng cho loại hình của chỉ tiêu này")
    elif t.measure == "sum":
        f = field_by_code.get(t.ref or "")
        if f is None or f.type not in NUMERIC_TYPES:
            r.problem(sh, row, "Tham chiếu", "cần mã một trường số liệu kiểu số")
    elif t.measure in ("share_rating_at_least", "count_rating"):
        if t.ref not in rating_codes:
            r.problem(sh, row, "Tham chiếu", "cần mã một xếp loại có trong bảng Xếp loại")
