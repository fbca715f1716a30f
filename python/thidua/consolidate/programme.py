"""Multi-year programmes: a stage target ("Giai đoạn 2021–2030 phát triển 2.000–3.000 đoàn viên")
followed year by year, with its progress to date and a pace verdict, for the industry and each
cluster.

Where each year's figure comes from (first that applies):
- this year: the consolidation itself, by the target's measure (consolidate.industry);
- an earlier year with consolidation workbooks (`--earlier-years`): recomputed from their raw table
  (tblUnitInputs, read by header "SL:<field>"), never from a figure the workbook shows. A unit's
  periods of that year are combined by the plan's "Cả năm" rule of the field (a year-to-date field:
  the last period); the sum runs over the units of the target's kind, by the unit list of this
  year's plan (else the workbook's own columns);
- the plan's table Kết quả các năm trước (years before the tool existed);
- "Số CĐCS mới thành lập": the plan's unit list (units whose "Hoạt động từ" falls in that year,
  active or not).
A year with none of these is missing: counted as 0, and said.

Pace (PACE_RULE): years elapsed = the whole years of the stage before this one plus the share of
this year up to the end of the reporting period; expected share = years elapsed / years of the
stage; the minimum (and the stretch) times that share is what should have been reached by now.
A cluster's target is the industry's in proportion to its units of the target's kind.

`progress(c, earlier)` computes it from the plan, this year's Consolidation and the earlier
workbooks (paths or `read_earlier`'s result); `c.programme` carries it to the workbook
(`write_sheets`) and the summary (report.programme_lines).
"""
from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import FileProblem, ThiduaError
from ..plan.model import Plan, Target, applies
from ..plan.schema import INDUSTRY_SCOPE, KINDS
from ..plan.semantics import describe_target
from ..values import cell_text, format_number_vi, format_percent_vi, parse_date, parse_value
from . import contract as K

CUMULATIVE = ("sum", "count_new_units")           # measures whose yearly figures add up over a stage
AHEAD, ON_PACE, BEHIND, NO_DATA, NOT_PACED = ("Vượt tiến độ", "Đúng tiến độ", "Chậm tiến độ", "Thiếu số liệu",
                                              "Không xét tiến độ")
VERDICTS = (AHEAD, ON_PACE, BEHIND, NO_DATA, NOT_PACED)
# where a year's figure comes from
FROM_THIS_YEAR, FROM_WORKBOOK, FROM_PLAN, FROM_UNIT_LIST, MISSING = (
    "Năm nay", "Bảng tổng hợp năm đó", "Kế hoạch: Kết quả các năm trước", "Danh sách đơn vị của kế hoạch",
    "Chưa có số liệu")
PACE_RULE = (
    "Tiến độ chỉ tiêu giai đoạn: số năm đã qua = các năm của giai đoạn trước năm nay cộng phần năm nay đến hết kỳ "
    "báo cáo (theo số ngày); tỷ lệ tiến độ = số năm đã qua / số năm của giai đoạn; cần đạt = mục tiêu tối thiểu "
    "(và mức phấn đấu) × tỷ lệ tiến độ. Vượt tiến độ: lũy kế từ mức phấn đấu theo tiến độ trở lên; đúng tiến độ: từ "
    "mức tối thiểu theo tiến độ trở lên; chậm tiến độ: dưới mức tối thiểu theo tiến độ; năm chưa có số liệu tính là "
    "0, và khi lũy kế khi đó dưới mức tối thiểu thì ghi 'thiếu số liệu' thay cho chậm tiến độ. Mục tiêu của cụm = mục "
    "tiêu ngành × số CĐCS thuộc diện của cụm / số CĐCS thuộc diện toàn ngành (danh sách đơn vị của kế hoạch năm nay).")
SOURCE_RULE = (
    "Số của từng năm: năm nay theo tổng hợp này; năm trước có bảng tổng hợp (tùy chọn --earlier-years) thì tính lại "
    "từ số liệu gốc của bảng đó (trang 'Dữ liệu gốc'; các đợt của năm gộp theo cột 'Cả năm' của kế hoạch; đơn vị "
    "theo loại hình, cụm của danh sách đơn vị năm nay); không có thì lấy bảng 'Kết quả các năm trước' của kế hoạch; "
    "số CĐCS mới thành lập của các năm trước lấy theo cột 'Hoạt động từ' của danh sách đơn vị khi kế hoạch không ghi.")
_YEAR_PREFIX = re.compile(r"^((?:19|20|21)\d\d)=(.+)$")


# --- the earlier years' workbooks ------------------------------------------------------------------
@dataclass
class EarlierRow:
    unit: str
    period: str
    cluster: str                       # as the workbook recorded it (display column)
    kind: str                          # public | non_public | "" (display column)
    values: dict                       # field code -> raw cell content


@dataclass
class EarlierBook:
    """One earlier year's consolidation workbook as read (plain data: it crosses a pipe)."""
    path: str
    name: str
    year: int | None = None            # the year it is taken for: as given, else as recorded
    given_year: int | None = None      # "2024=TỆP" on the command line
    meta_year: int | None = None       # the plan year the workbook records (meta plan_year)
    plan_id: str = ""
    period_code: str = ""
    period_start: date | None = None
    period_end: date | None = None
    industry: bool = False
    clusters: tuple[str, ...] = ()
    rows: list[EarlierRow] = field(default_factory=list)
    edited: list[str] = field(default_factory=list)     # units whose row no longer matches its digest
    reason: str = ""                   # why it is not used ("" = usable)
    used: bool = False
    note: str = ""                     # what was taken from it

    @property
    def ok(self) -> bool:
        return not self.reason


def parse_spec(spec: str | Path) -> tuple[int | None, Path]:
    """'2024=tong_hop_2024.xlsx' -> (2024, path); a bare path -> (None, path)."""
    text = str(spec)
    m = _YEAR_PREFIX.match(text)
    return (int(m.group(1)), Path(m.group(2))) if m else (None, Path(text))


def read_earlier(specs, workers: int | None = None) -> list[EarlierBook]:
    """Each earlier workbook (path, or 'YEAR=path' for a workbook that does not record its year),
    read in a contained worker; never raises for a file's content (EarlierBook.reason says)."""
    from ..read.batch import run_files
    from ..read.files import FILE, Found
    parsed = [parse_spec(s) for s in specs]
    missing = [str(p) for _, p in parsed if not p.exists()]
    if missing:
        raise ThiduaError("Không tìm thấy bảng tổng hợp năm trước: " + ", ".join(f"'{m}'" for m in missing) + ".")
    books = run_files(_read_book, [Found(p, FILE) for _, p in parsed], failed=_failed, workers=workers)
    for (year, _), book in zip(parsed, books):
        book.given_year = year
        if year is not None:
            book.year = year
    return books


def _failed(path: Path, problem: FileProblem) -> EarlierBook:
    return EarlierBook(str(path), Path(path).name, reason=str(problem))


def _read_book(path: str) -> EarlierBook:
    from ..read.workbook import open_workbook, read_bytes
    p = Path(path)
    book = EarlierBook(str(p), p.name)
    try:
        wb = open_workbook(p, read_bytes(p), only=(K.META_TABLE, K.INPUTS_TABLE, K.MEMBERS_TABLE))
    except FileProblem as exc:
        book.reason = str(exc)
        return book
    meta_t = wb.table(K.META_TABLE)
    k, v = (meta_t.column(K.KEY), meta_t.column(K.VALUE)) if meta_t is not None else (None, None)
    if k is None or v is None:
        book.reason = "không phải bảng tổng hợp thi đua (không có bảng thông tin tblConsolidationMeta)"
        return book
    meta = {str(r[k]).strip(): cell_text(r[v]) for r in meta_t.rows if r[k] not in (None, "")}
    if meta.get("format") != K.FORMAT or meta.get("format_version") not in K.SUPPORTED_FORMAT_VERSIONS:
        book.reason = f"bảng tổng hợp phiên bản '{meta.get('format_version') or 'không rõ'}' không đọc được"
        return book
    book.plan_id, book.period_code = meta.get("plan_id", ""), meta.get("period_code", "")
    book.industry = meta.get("scope") == "industry"
    book.clusters = tuple(meta.get("clusters", "").split())
    year = parse_value(meta.get("plan_year"), "integer")
    book.year = book.meta_year = int(year.value) if year.ok and year.value is not None else None
    for key in ("period_start", "period_end"):
        d = parse_date(meta.get(key))
        setattr(book, key, d.value if d.ok else None)
    table = wb.table(K.INPUTS_TABLE)
    if table is None or table.column("Mã đơn vị") is None:
        book.reason = "thiếu bảng số liệu gốc (trang 'Dữ liệu gốc', bảng tblUnitInputs)"
        return book
    headers = [str(h) for h in table.headers]
    members_t = wb.table(K.MEMBERS_TABLE)
    members = K.members_by_submission(members_t) if members_t is not None else {}
    from .records import INCLUDED
    from .seal import DIGEST
    for row in table.rows:
        rec = K.record_from_row(headers, row)
        if not rec.unit or rec.status != INCLUDED:
            continue
        cells = dict(zip(headers, row))
        if DIGEST in cells and K.input_digest(cells, list(members.get((rec.unit, rec.sha256), ()))) != \
                cell_text(cells.get(DIGEST)):
            book.edited.append(rec.unit)
            continue
        kind = KINDS.get(cell_text(cells.get("Loại hình")), "")
        book.rows.append(EarlierRow(rec.unit, rec.period, cell_text(cells.get("Mã cụm")), kind, dict(rec.values)))
    return book


# --- progress ----------------------------------------------------------------------------------
@dataclass
class YearFigure:
    year: int
    value: float | None                 # None: no figure for that year
    source: str                         # FROM_* / MISSING
    detail: str = ""                    # the workbook(s), the plan's row, the units
    partial: bool = False               # a lower bound (part of the scope, or part of the year)


@dataclass
class Progress:
    target: Target
    scope: str                          # INDUSTRY_SCOPE or a cluster code
    name: str                           # "Toàn ngành" / the cluster's name
    first: int
    last: int
    years: list[YearFigure]             # first .. this year
    elapsed: float                      # years of the stage elapsed by the end of the period
    share: float = 1.0                  # of the industry's target (a cluster: its units of the kind)
    verdict: str = ""
    text: str = ""

    @property
    def total_years(self) -> int:
        return self.last - self.first + 1

    @property
    def pace(self) -> float:
        """The share of the stage elapsed (expected share of the target)."""
        return self.elapsed / self.total_years

    @property
    def achieved(self) -> float:
        return round(sum(y.value for y in self.years if y.value is not None), 9)

    @property
    def minimum(self) -> float | None:
        v = self.target.value
        return None if v is None else v * self.share

    @property
    def stretch(self) -> float | None:
        v = self.target.stretch
        return None if v is None else v * self.share

    @property
    def need_minimum(self) -> float | None:
        return None if self.minimum is None else self.minimum * self.pace

    @property
    def need_stretch(self) -> float | None:
        return None if self.stretch is None else self.stretch * self.pace

    @property
    def missing(self) -> list[int]:
        return [y.year for y in self.years if y.value is None or y.partial]

    def value_of(self, year: int) -> float | None:
        return next((y.value for y in self.years if y.year == year), None)


@dataclass
class Programme:
    rows: list[Progress]
    books: list[EarlierBook]
    notes: list[str]                    # sources used or set aside, differences with the plan's table
    period_name: str = ""

    @property
    def years(self) -> list[int]:
        """Every year shown: the first year of the earliest stage up to this year."""
        if not self.rows:
            return []
        return list(range(min(r.first for r in self.rows), max(r.years[-1].year for r in self.rows) + 1))


def pace_verdict(achieved: float, minimum: float | None, stretch: float | None, pace: float,
                 comparator: str, missing: bool = False) -> str:
    """The pace verdict (PACE_RULE) of a cumulative figure against a stage target."""
    if comparator not in (">=", "range") or minimum is None:
        return NOT_PACED
    eps = 1e-9
    if stretch is not None and achieved >= stretch * pace - eps:
        return AHEAD
    if achieved >= minimum * pace - eps:
        return ON_PACE
    return NO_DATA if missing else BEHIND


def elapsed_years(first: int, last: int, year: int, period_end: date) -> float:
    """Years of the stage [first, last] elapsed at `period_end` of `year` (the year counted by days)."""
    days = 366 if calendar.isleap(year) else 365
    part = min(1.0, max(0.0, ((period_end - date(year, 1, 1)).days + 1) / days))
    return max(0.0, min(last - first + 1, (year - first) + part))


def stage_targets(plan: Plan) -> list[Target]:
    """Industry targets over a multi-year stage whose yearly figures add up."""
    return [t for t in plan.industry_targets() if not t.yearly and t.phase and t.measure in CUMULATIVE]


def progress(c, earlier=(), workers: int | None = None) -> Programme:
    """The stage targets' progress for this consolidation `c` (its plan, period, scope, results),
    with the earlier years' workbooks (paths / 'YEAR=path', or EarlierBooks already read)."""
    plan, period = c.plan, c.period
    books = list(earlier)
    if books and not isinstance(books[0], EarlierBook):
        books = read_earlier(books, workers)
    check_books(plan, books)
    targets = stage_targets(plan)
    notes: list[str] = []
    if period.peak:
        return Programme([], books, ["Đợt cao điểm tính riêng: không tính tiến độ chỉ tiêu giai đoạn."], period.name)
    if not targets:
        return Programme([], books, [], period.name)
    years = _YearData(plan, books)
    notes += years.notes
    scopes = ([INDUSTRY_SCOPE] if c.scope.industry else []) + list(c.clusters)
    rows = []
    for t in targets:
        for scope in scopes:
            row = _progress_of(c, t, scope, years, notes)
            if row is not None:
                rows.append(row)
    return Programme(rows, books, list(dict.fromkeys(notes)), period.name)


def check_books(plan: Plan, books: list[EarlierBook]) -> None:
    """Set aside the workbooks that are not an earlier year of a stage (EarlierBook.reason)."""
    year = plan.info.year
    stages = [t.phase for t in stage_targets(plan)]
    for b in books:
        if not b.ok:
            continue
        if b.year is None:
            b.reason = (f"bảng tổng hợp không ghi năm thi đua (lập bằng phiên bản cũ); hãy ghi năm trước tên tệp, "
                        f"ví dụ --earlier-years {year - 1}={b.name}")
        elif b.meta_year is not None and b.given_year is not None and b.meta_year != b.given_year:
            b.reason = f"bảng tổng hợp ghi năm thi đua {b.meta_year}, không phải năm {b.given_year} đã chỉ"
        elif b.year >= year:
            b.reason = (f"là bảng tổng hợp năm {b.year}, không phải năm trước năm {year} của kế hoạch này")
        elif b.meta_year is None and b.plan_id == plan.info.plan_id:
            b.reason = f"thuộc chính kế hoạch {b.plan_id} của năm {year}, không phải bảng tổng hợp của năm trước"
        elif not any(first <= b.year <= last for first, last in stages):
            b.reason = f"năm {b.year} không thuộc giai đoạn của chỉ tiêu giai đoạn nào trong kế hoạch"
        elif not b.rows:
            b.reason = "không có dòng số liệu đơn vị nào dùng được" + (
                f" ({len(b.edited)} dòng đã bị sửa sau khi lập)" if b.edited else "")


class _YearData:
    """The earlier workbooks of each year, combined per unit: unit -> field -> the year's value."""

    def __init__(self, plan: Plan, books: list[EarlierBook]):
        self.plan = plan
        self.notes: list[str] = []
        self.by_year: dict[int, list[EarlierBook]] = {}
        for b in books:
            if b.ok:
                self.by_year.setdefault(b.year, []).append(b)
        self.values: dict[int, dict[str, dict[str, float]]] = {}
        self.units: dict[int, dict[str, tuple[str, str]]] = {}    # year -> unit -> (cluster, kind)
        self.until: dict[int, date | None] = {}
        for y, group in self.by_year.items():
            group.sort(key=lambda b: (not b.industry, b.period_end or date(y, 12, 31)))
            self._combine(y, group)

    def covered(self, year: int) -> set[str]:
        """Clusters of this plan the workbooks of that year speak for."""
        out: set[str] = set()
        for b in self.by_year.get(year, []):
            out |= {c.code for c in self.plan.clusters} if b.industry else set(b.clusters)
        return out

    def _end(self, book: EarlierBook, period: str, year: int) -> date:
        if period == book.period_code and book.period_end is not None:
            return book.period_end
        p = self.plan.period_by_code.get(period)
        if p is not None:
            try:
                return p.end.replace(year=year)
            except ValueError:                      # 29 February
                return p.end.replace(year=year, day=28)
        return book.period_end or date(year, 12, 31)

    def _combine(self, year: int, group: list[EarlierBook]) -> None:
        plan = self.plan
        reports: dict[str, dict[str, tuple[date, EarlierRow]]] = {}   # unit -> period -> (end, row)
        units: dict[str, tuple[str, str]] = {}
        ends = []
        for b in group:
            taken = 0
            for row in b.rows:
                p = plan.period_by_code.get(row.period)
                if p is not None and p.peak:                # peak campaigns stand apart
                    continue
                end = self._end(b, row.period, year)
                if row.period in reports.setdefault(row.unit, {}):
                    continue                                # the same report in two workbooks: the first
                reports[row.unit][row.period] = (end, row)
                u = plan.unit_by_code.get(row.unit)
                units[row.unit] = (u.cluster, u.kind) if u is not None else (row.cluster, row.kind)
                ends.append(end)
                taken += 1
            b.used = taken > 0
            scope = "toàn ngành" if b.industry else "cụm " + ", ".join(b.clusters)
            b.note = (f"{b.name}: năm {year}, {scope}, {b.period_code}"
                      + (f" (đến {b.period_end:%d/%m/%Y})" if b.period_end else "")
                      + f": {format_number_vi(taken)} báo cáo đơn vị dùng được"
                      + (f"; {len(b.edited)} dòng đã bị sửa sau khi lập, không dùng ({', '.join(b.edited[:5])})"
                         if b.edited else "") + ".")
            if not b.used and b.rows:
                b.note = (f"{b.name}: năm {year}: không lấy báo cáo nào (các đơn vị đã có trong bảng tổng hợp khác "
                          "cùng năm, hoặc chỉ có đợt cao điểm).")
        self.units[year] = units
        self.until[year] = max(ends) if ends else None
        values: dict[str, dict[str, float]] = {}
        numeric = [f for f in plan.fields if not f.is_derived and f.type in ("number", "integer", "percent")]
        for unit, by_period in reports.items():
            ordered = [row for _, row in sorted(by_period.values(), key=lambda x: (x[0], x[1].period))]
            out = {}
            for f in numeric:
                present = []
                for row in ordered:
                    raw = row.values.get(f.code)
                    parsed = parse_value(raw, f.type) if raw is not None else None
                    if parsed is not None and parsed.ok and isinstance(parsed.value, (int, float)):
                        present.append(float(parsed.value))
                if not present:
                    continue
                rule = getattr(f, "year_rule", "latest")
                out[f.code] = sum(present) if rule == "sum" else max(present) if rule == "max" else present[-1]
            values[unit] = out
        self.values[year] = values

    def figure(self, t: Target, year: int, clusters: set[str], need: set[str]) -> tuple[float, int, int] | None:
        """(sum of the field over the units of the kind in these clusters, units counted, units
        without a valid figure), when the workbooks of that year cover every cluster of `need`."""
        if year not in self.values or not need <= self.covered(year):
            return None
        total, n, blank = 0.0, 0, 0
        for unit, (cluster, kind) in self.units[year].items():
            if cluster in clusters and applies(t.applies_to, kind or self.plan.kind_of(unit)):
                v = self.values[year][unit].get(t.ref)
                if v is None:
                    blank += 1
                else:
                    total, n = total + v, n + 1
        return round(total, 9), n, blank


def _units_of_kind(plan: Plan, t: Target, clusters: set[str]) -> list:
    return [u for u in plan.active_units() if u.cluster in clusters and applies(t.applies_to, u.kind)]


def _progress_of(c, t: Target, scope: str, data: _YearData, notes: list[str]) -> Progress | None:
    from .industry import evaluate_target
    plan, period, year = c.plan, c.period, c.plan.info.year
    first, last = t.phase
    industry = scope == INDUSTRY_SCOPE
    all_clusters = {x.code for x in plan.clusters}
    clusters = all_clusters if industry else {scope}
    whole = len(_units_of_kind(plan, t, all_clusters))
    mine = len(_units_of_kind(plan, t, clusters))
    share = 1.0 if industry else (mine / whole if whole else 0.0)
    if not industry and mine == 0:
        return None                                   # no unit of that kind in the cluster: nothing to follow
    name = "Toàn ngành" if industry else (plan.cluster_by_code[scope].name if scope in plan.cluster_by_code else scope)
    relevant = {u.cluster for u in plan.units if applies(t.applies_to, u.kind)}   # clusters that can contribute
    rows_of = {(e.year, e.scope): e for e in plan.earlier if e.target == t.code}
    figures = []
    for y in range(first, year + 1):
        if y == year:
            units = [u for u in c.expected if u.cluster in clusters]
            r = evaluate_target(plan, period, t, units, c.results)
            detail = f"{period.name}" + (f"; {r.note}" if r.note else "")
            figures.append(YearFigure(y, r.actual if r.actual is not None else 0.0, FROM_THIS_YEAR, detail,
                                      partial=False))
            continue
        figures.append(_earlier_figure(plan, t, y, scope, clusters, relevant, rows_of, data, notes))
    elapsed = round(elapsed_years(first, last, year, period.end), 4)
    row = Progress(t, scope, name, first, last, figures, elapsed, share)
    row.verdict = pace_verdict(row.achieved, row.minimum, row.stretch, row.pace, t.comparator, bool(row.missing))
    row.text = _text(row, period)
    return row


def _earlier_figure(plan, t, y, scope, clusters, relevant, rows_of, data, notes) -> YearFigure:
    industry = scope == INDUSTRY_SCOPE
    planned = rows_of.get((y, scope))
    if t.measure == "count_new_units":
        if planned is not None:
            return YearFigure(y, float(planned.value), FROM_PLAN, planned.source or "")
        new = [u for u in plan.units if u.cluster in clusters and applies(t.applies_to, u.kind)
               and u.active_since is not None and u.active_since.year == y]
        return YearFigure(y, float(len(new)), FROM_UNIT_LIST,
                          "Hoạt động từ năm " + str(y) + (": " + ", ".join(u.code for u in new) if new else ": không có"))
    got = data.figure(t, y, clusters, clusters & relevant)
    if got is not None:
        total, n, blank = got
        names = ", ".join(b.name for b in data.by_year[y] if b.used)
        until = data.until.get(y)
        part = until is not None and (until.month, until.day) != (12, 31)
        detail = (f"{names}: {format_number_vi(n)} CĐCS" + (f", {blank} CĐCS không có số liệu" if blank else "")
                  + (f"; số liệu đến {until:%d/%m/%Y}" if part else ""))
        if planned is not None and abs(float(planned.value) - total) > 1e-9:
            notes.append(f"{t.code}, năm {y}, {_scope_text(scope)}: kế hoạch ghi {format_number_vi(planned.value, 2)}, "
                         f"tính lại từ bảng tổng hợp được {format_number_vi(total, 2)}; dùng số tính lại.")
        return YearFigure(y, total, FROM_WORKBOOK, detail, partial=part)
    if planned is not None:
        return YearFigure(y, float(planned.value), FROM_PLAN, planned.source or "")
    if industry:                                      # the clusters' rows, when every cluster that counts has one
        parts = [rows_of.get((y, code)) for code in sorted(relevant)]
        if relevant and all(p is not None for p in parts):
            return YearFigure(y, float(sum(p.value for p in parts)), FROM_PLAN,
                              "tổng các cụm " + ", ".join(sorted(relevant)))
        known = [p for p in parts if p is not None]
        if known:                                     # a lower bound
            return YearFigure(y, float(sum(p.value for p in known)), FROM_PLAN,
                              "chỉ có số của cụm " + ", ".join(p.scope for p in known), partial=True)
    return YearFigure(y, None, MISSING, "")


def _scope_text(scope: str) -> str:
    return "toàn ngành" if scope == INDUSTRY_SCOPE else f"cụm {scope}"


def _n(x, decimals: int = 1) -> str:
    return format_number_vi(x, decimals)


def _text(row: Progress, period) -> str:
    t = row.target
    unit = f" {t.unit_label}" if t.unit_label and t.unit_label != "%" else ""
    goal = describe_target(t.comparator, t.value, t.stretch, t.unit_label) if t.value is not None else t.label
    if row.scope != INDUSTRY_SCOPE and row.minimum is not None:
        span = _n(row.minimum) + (f"–{_n(row.stretch)}" if row.stretch is not None else "")
        goal = f"{span}{unit} ({format_percent_vi(row.share, 1)} của mục tiêu ngành {goal})"
    now = row.years[-1].year
    upto = "" if (period.end.month, period.end.day) == (12, 31) else f", đến {period.end:%d/%m/%Y}"
    text = (f"{t.short_name} — {_scope_text(row.scope)}: lũy kế đạt {_n(row.achieved, 2)}{unit} sau "
            f"{_n(row.elapsed, 1)}/{row.total_years} năm ({row.first}–{now}{upto}), mục tiêu {goal}: "
            f"{row.verdict.lower()}")
    if row.verdict != NOT_PACED:
        need = f"cần tối thiểu {_n(row.need_minimum)}"
        if row.need_stretch is not None:
            need += f", mức phấn đấu {_n(row.need_stretch)}"
        text += f" (tiến độ {format_percent_vi(row.pace, 1)}: {need})"
    missing = row.missing
    if missing:
        text += "; chưa đủ số liệu năm " + ", ".join(str(y) for y in missing)
    return text + "."


# --- outputs -------------------------------------------------------------------------------------
def summary_lines(c) -> list[str]:
    """The lines of the summary: the industry's (or the clusters') progress, then the clusters by verdict."""
    prog = getattr(c, "programme", None)
    if prog is None or not prog.rows:
        return []
    out = []
    for t in dict.fromkeys(r.target for r in prog.rows):
        mine = [r for r in prog.rows if r.target is t]
        top = [r for r in mine if r.scope == INDUSTRY_SCOPE]
        out += [r.text for r in (top or mine)]
        if top and len(mine) > 1:
            by = {v: [r.scope for r in mine if r.scope != INDUSTRY_SCOPE and r.verdict == v] for v in VERDICTS}
            out.append(f"{t.short_name} theo cụm: " + "; ".join(f"{v.lower()} {', '.join(s)}" for v, s in by.items()
                                                                  if s) + ".")
    return out


def source_lines(prog: Programme) -> list[str]:
    lines = [b.note for b in prog.books if b.ok and b.note]
    lines += [f"{b.name}: không dùng — {b.reason}." for b in prog.books if not b.ok]
    return lines + prog.notes


def progress_spec(prog: Programme):
    """One row per stage target and scope: each year's figure, the cumulative sum, what the pace
    asks by now (formulas over the columns after the printed ones), the verdict and its sentence."""
    from ..write.tables import Col, TableSpec
    years = prog.years
    long = len(years) > 12                  # a very long stage: the sentence stays on screen (page width)
    cols = [Col("Mã chỉ tiêu", lambda r: r.target.code, 19, "code"),
            Col("Phạm vi", lambda r: r.scope, 7, "code"),
            Col("Chỉ tiêu", lambda r: f"{r.target.short_name} — {r.name}", 20, "wrap")]
    cols += [Col(str(y), (lambda r, y=y: r.value_of(y)), 6.5, "num") for y in years]
    cols += [Col("Lũy kế", "achieved", 8, "num",
                 formula=f"=SUM({{{years[0]}}}:{{{years[-1]}}})" if years else None),
             Col("Tỷ lệ tiến độ", "pace", 8, "pct", formula="={Năm đã qua}/{Số năm giai đoạn}"),
             Col("Cần đạt tối thiểu", "need_minimum", 9, "num", formula="={Mục tiêu tối thiểu}*{Tỷ lệ tiến độ}",
                 formula_if=lambda r: r.minimum is not None),
             Col("Cần đạt phấn đấu", "need_stretch", 9, "num", formula="={Mức phấn đấu}*{Tỷ lệ tiến độ}",
                 formula_if=lambda r: r.stretch is not None),
             Col("Kết quả", "verdict", 11, "bold_wrap"),
             Col("Diễn giải", "text", 36, "wrap", printed=not long),
             Col("Năm đã qua", "elapsed", 8, "num", printed=False),
             Col("Số năm giai đoạn", "total_years", 8, "int", printed=False),
             Col("Mục tiêu tối thiểu", "minimum", 9, "num", printed=False),
             Col("Mức phấn đấu", "stretch", 9, "num", printed=False)]
    return TableSpec("tblProgrammeProgress", tuple(cols))


def years_spec():
    from ..write.tables import Col, TableSpec
    return TableSpec("tblProgrammeYears", (
        Col("Mã chỉ tiêu", lambda x: x[0].target.code, 19, "code"),
        Col("Phạm vi", lambda x: x[0].scope, 7, "code"),
        Col("Năm", lambda x: x[1].year, 6, "code"),        # a year, not a quantity: no thousands separator
        Col("Giá trị", lambda x: x[1].value, 9, "num"),
        Col("Lấy từ", lambda x: x[1].source, 22, "wrap"),
        Col("Chưa đủ", lambda x: x[1].value is None or x[1].partial, 7, "text"),
        Col("Chi tiết nguồn", lambda x: x[1].detail, 54, "wrap"),
    ))


def write_sheets(b, c) -> None:
    """The sheets 'Tiến độ giai đoạn' (progress per target and scope) and 'Giai đoạn theo năm' (each
    year's figure and its source) of a consolidation workbook, when the plan has stage targets."""
    prog = getattr(c, "programme", None)
    if prog is None or not (prog.rows or stage_targets(c.plan)):
        return
    scope = "TOÀN NGÀNH" if c.scope.industry else "CỤM " + ", ".join(c.clusters)
    ws = b.sheet("Tiến độ giai đoạn")
    if not prog.rows:                     # a cluster without units of the stage targets' kinds (or a peak)
        b.columns(ws, [84])
        b.lines(ws, 0, [("title", f"TIẾN ĐỘ CHỈ TIÊU GIAI ĐOẠN ({scope}) — {c.period.name.upper()}"),
                        ("text", prog.notes[0] if prog.notes else
                         "Không có CĐCS thuộc diện các chỉ tiêu giai đoạn nhiều năm trong phạm vi tổng hợp này: "
                         + "; ".join(t.short_name for t in stage_targets(c.plan)) + ".")], 84)
        b.page(ws, title="Tiến độ chỉ tiêu giai đoạn")
        return
    spec = progress_spec(prog)
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", f"TIẾN ĐỘ CHỈ TIÊU GIAI ĐOẠN ({scope}) — {c.period.name.upper()}"),
                          ("note", PACE_RULE), ("note", SOURCE_RULE)], width, n) + 1
    placed = b.table(ws, spec, row, prog.rows)
    ws.freeze_panes(placed.first, 3)
    row = placed.next_row + 1
    sources = source_lines(prog)
    if sources:
        row = b.text(ws, row, "heading", "Nguồn số liệu các năm trước", width, n)
        row = b.lines(ws, row, [("text", s) for s in sources], width, n)
    b.page(ws, title="Tiến độ chỉ tiêu giai đoạn", header_row=placed.header_row, n_printed=n, last_row=row)

    ws = b.sheet("Giai đoạn theo năm")
    spec = years_spec()
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", "SỐ LIỆU TỪNG NĂM CỦA CHỈ TIÊU GIAI ĐOẠN"), ("note", SOURCE_RULE)], width, n) + 1
    placed = b.table(ws, spec, row, [(r, y) for r in prog.rows for y in r.years])
    ws.freeze_panes(placed.first, 0)
    b.page(ws, title="Số liệu từng năm của chỉ tiêu giai đoạn", header_row=placed.header_row)


def figures(c) -> list[dict]:
    """The programme as plain data (--json; tests compare with it)."""
    prog = getattr(c, "programme", None)
    if prog is None:
        return []
    return [{"target": r.target.code, "scope": r.scope, "years": {y.year: y.value for y in r.years},
             "sources": {y.year: y.source for y in r.years}, "achieved": r.achieved, "elapsed": r.elapsed,
             "total_years": r.total_years, "minimum": r.minimum, "stretch": r.stretch, "verdict": r.verdict,
             "text": r.text} for r in prog.rows]


def attach(c, earlier=(), workers: int | None = None):
    """c.programme = progress(c, earlier); returns c."""
    c.programme = progress(c, earlier, workers)
    return c


__all__ = ["progress", "attach", "read_earlier", "pace_verdict", "elapsed_years", "stage_targets", "Programme",
           "Progress", "YearFigure", "EarlierBook", "PACE_RULE", "SOURCE_RULE", "write_sheets", "summary_lines",
           "AHEAD", "ON_PACE", "BEHIND", "NO_DATA", "NOT_PACED", "figures", "check_books"]
