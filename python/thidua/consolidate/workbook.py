"""Write a `Consolidation` as one workbook: declared tables (write.tables), native charts,
formulas for totals and rates written with column names (Python's values cached), A4 printing
at a readable scale, Times New Roman, text from forms written as text, saved atomically.

Sheets: Tóm tắt · Chỉ tiêu ngành · Xếp loại theo cụm · Chỉ tiêu theo cụm · Dẫn đầu cụm · Tiến độ
nộp · one sheet per cluster · Điều chỉnh xếp loại · Đề nghị khen thưởng · Tổng hợp khen thưởng ·
Tệp đã nhận · Dữ liệu gốc · Dữ liệu gốc thành viên (machine tables, printed as their title only)
· _thidua (tblConsolidationMeta, hidden).
"""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..plan.model import KIND_LABELS, applies
from ..values import format_number_vi
from ..write.sheets import Book
from ..write.stream import StreamSheet, TooManyRows
from ..write.tables import Col, TableSpec
from ..write.xlsx import FONT, atomic_workbook
from . import contract as K
from .award_sheets import write_award_sheets, write_member_inputs
from .compare_sheets import write_comparison_sheets
from .completeness import LATENESS_RULE, days_late
from .industry import APPLIES_LABELS, DENOMINATOR_RULE, NOT_RATED, NOT_REPORTED, SHARE_MEASURES
from .inventory import DUPLICATE_RULE
from .ranking import CAP_RULE, TIE_RULE
from .records import DUPLICATE, FLAG_TEXT, INCLUDED, OUT_OF_SCOPE, STATUS_LABELS
from .report import files_line, lines
from .programme import attach as attach_programme
from .programme import write_sheets as write_programme_sheets
from .review_sheets import protect, write_judgement_sheets, write_record_sheets
from .seal import DIGEST, seal_text
from .sendback import write_reminder_sheet

RATING_COLORS = ("#1F4E79", "#2E75B6", "#9DC3E6", "#C00000", "#A6A6A6", "#FFD966", "#70AD47", "#7030A0")


def write_consolidation(c, path: str | Path) -> Path:
    return write_book(path, _write_sheets, c)


def write_book(path: str | Path, fill, data) -> Path:
    """`fill(wb, data)` into a workbook saved atomically at `path`; what can go wrong, in Vietnamese."""
    from ..errors import ThiduaError
    try:
        with atomic_workbook(path) as wb:
            fill(wb, data)
    except TooManyRows as exc:
        raise ThiduaError(f"Không ghi được tệp kết quả '{path}': trang '{exc.sheet}' cần nhiều hơn "
                          f"{format_number_vi(exc.limit)} dòng, giới hạn của một trang Excel. Hãy tổng hợp riêng "
                          "từng cụm (tùy chọn --cluster).") from None
    except OSError as exc:
        raise ThiduaError(f"Không ghi được tệp kết quả '{path}': {exc.strerror or exc}. Nếu tệp đang mở trong "
                          "Excel, hãy đóng lại rồi chạy lại; tệp cũ (nếu có) vẫn nguyên vẹn.") from None
    return Path(path)


def _write_sheets(wb, c) -> None:
    if getattr(c, "programme", None) is None:      # stage targets: this year and the plan's earlier years
        attach_programme(c)
    b = Book(wb)
    digests: list[str] = []                     # every sealed row's digest (seal.py)
    _summary(b, c)
    _industry(b, c)
    rated = bool(c.plan.ratings)                # a peak campaign scores and awards, it does not rate
    if rated:
        _ratings_by_cluster(b, c)
    _targets_by_cluster(b, c)
    write_programme_sheets(b, c)
    _leaders(b, c)
    _completeness(b, c)
    if c.period.is_year:
        _coverage(b, c)
    for code in c.clusters:
        _cluster_sheet(b, c, code)
    if rated:
        _caps(b, c)
    write_judgement_sheets(b, c)
    write_record_sheets(b, c, digests)
    write_reminder_sheet(b, c)
    write_award_sheets(b, c)
    write_comparison_sheets(b, c)               # only when c carries a comparison (compare.py)
    _inventory(b, c)
    _inputs(b, c, digests)
    write_member_inputs(b, c)
    _meta(b, c, digests)
    for ws in wb.worksheets():
        if not ws.protect_options:               # the record sheets unlock their own columns
            protect(ws)
    wb.set_properties({"title": f"Tổng hợp thi đua — {c.period.name}", "author": c.plan.info.issuer,
                       "comments": f"thidua {__version__}", "created": c.created_at})


def scope_title(c) -> str:
    return "TOÀN NGÀNH" if c.scope.industry else "CỤM " + ", ".join(c.clusters)


# --- Tóm tắt ----------------------------------------------------------------------------------
def _summary(b: Book, c) -> None:
    ws = b.sheet("Tóm tắt")
    b.columns(ws, [84])
    b.lines(ws, 0, lines(c), 84)
    b.page(ws, title="Tóm tắt tổng hợp")


# --- Chỉ tiêu ngành -------------------------------------------------------------------------------
def industry_spec() -> TableSpec:
    return TableSpec("tblIndustryTargets", (
        Col("Mã chỉ tiêu", lambda t: t.target.code, 19, "code"),
        Col("Áp dụng", lambda t: APPLIES_LABELS.get(t.target.applies_to, t.target.applies_to), 11, "wrap"),
        Col("Nội dung", lambda t: t.target.label, 32, "wrap"),
        Col("Phạm vi", lambda t: t.target.scope or "Năm", 10, "wrap"),
        Col("Cách tính", "measure_label", 14, "wrap"),
        Col("Số đạt", "numerator", 8, "num"),
        Col("Số CĐCS thuộc diện", "denominator", 10, "int"),
        Col("Thực hiện", "actual", 10, "pct", formula='=IF({Số CĐCS thuộc diện}=0,"",{Số đạt}/{Số CĐCS thuộc diện})',
            formula_if=lambda t: t.is_share, kind_of=lambda t: "pct" if t.is_share else "num"),
        Col("Chỉ tiêu", "target_text", 12, "wrap"),
        Col("Kết quả", "verdict", 12, "bold_wrap"),
        Col("Diễn giải", "text", 52, "wrap"),
    ))


def distribution_spec(c, name: str, first: str, with_names: bool = False) -> TableSpec:
    """Counts per rating, not rated, not reported, expected; each rating's share of the rated."""
    codes = [r.code for r in c.plan.ratings_best_first()]
    cols = [Col(first, "label", 9 if with_names else 16, "bold" if not with_names else "code")]
    if with_names:
        cols.append(Col("Tên cụm", lambda d: c.plan.cluster_by_code[d.label].name
                        if d.label in c.plan.cluster_by_code else d.label, 26, "wrap"))
    cols += [Col(code, (lambda d, k=code: d.counts.get(k, 0)), 8, "int") for code in codes]
    cols += [Col(NOT_RATED, "not_rated", 9, "int"), Col(NOT_REPORTED, "not_reported", 8, "int"),
             Col("Phải báo cáo", "expected", 8, "int"),
             Col("Đã xếp loại", "rated", 8, "int", formula="=" + "+".join(f"{{{code}}}" for code in codes))]
    cols += [Col(f"Tỷ lệ {code}", (lambda d, k=code: d.counts.get(k, 0) / d.rated if d.rated else None), 9, "pct",
                 formula=f'=IF({{Đã xếp loại}}=0,"",{{{code}}}/{{Đã xếp loại}})') for code in codes]
    return TableSpec(name, tuple(cols))


def _industry(b: Book, c) -> None:
    ws = b.sheet("Chỉ tiêu ngành")
    spec = industry_spec()
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", f"CHỈ TIÊU CẤP NGÀNH ({scope_title(c)}) — {c.period.name.upper()}"),
                          ("subtitle", c.scope.label), ("note", DENOMINATOR_RULE)], width, n)
    row += 1
    placed = b.table(ws, spec, row, c.targets)
    ws.freeze_panes(placed.first, 0)
    b.page(ws, title="Chỉ tiêu cấp ngành", header_row=placed.header_row)
    if not c.plan.ratings:                       # a peak campaign: no rating
        return
    # its own sheet: a table of other columns below would set this one's widths (or shrink the page)
    ws = b.sheet("Xếp loại theo loại hình")
    dist = distribution_spec(c, "tblRatingDistribution", "Loại hình")
    width, n = b.prepare(ws, dist)
    row = b.lines(ws, 0, [("title", f"PHÂN BỐ XẾP LOẠI THEO LOẠI HÌNH — {c.period.name.upper()}"),
                          ("note", "Sau điều chỉnh theo tỷ lệ tối đa, nếu có; tỷ lệ mỗi xếp loại tính trên số CĐCS "
                                   "đã xếp loại.")], width, n) + 1
    b.table(ws, dist, row, c.by_kind)
    b.page(ws, title="Xếp loại theo loại hình")


# --- Xếp loại / chỉ tiêu theo cụm ---------------------------------------------------------------
def _chart_style(chart, title: str, x: str, y: str) -> None:
    chart.set_title({"name": title, "name_font": {"name": FONT, "size": 13}})
    chart.set_x_axis({"name": x, "name_font": {"name": FONT}, "num_font": {"name": FONT}})
    chart.set_y_axis({"name": y, "name_font": {"name": FONT}, "num_font": {"name": FONT},
                      "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom", "font": {"name": FONT}})


def _ratings_by_cluster(b: Book, c) -> None:
    ws = b.sheet("Xếp loại theo cụm")
    spec = distribution_spec(c, "tblClusterRatings", "Cụm", with_names=True)
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", f"XẾP LOẠI THEO CỤM THI ĐUA — {c.period.name.upper()}"),
                          ("note", "Số CĐCS theo xếp loại (sau điều chỉnh theo tỷ lệ tối đa, nếu có), chưa xếp "
                                   "loại, chưa nộp; tỷ lệ mỗi xếp loại tính trên số CĐCS đã xếp loại.")], width, n)
    row += 1
    placed = b.table(ws, spec, row, c.by_cluster)
    codes = [r.code for r in c.plan.ratings_best_first()]
    if c.scope.industry:
        chart = b.wb.add_chart({"type": "column", "subtype": "stacked"})
        for j, header in enumerate([*codes, NOT_RATED, NOT_REPORTED]):
            col = placed.col(header)
            chart.add_series({"name": [ws.name, placed.header_row, col],
                              "categories": [ws.name, placed.first, 0, placed.last, 0],
                              "values": [ws.name, placed.first, col, placed.last, col],
                              "fill": {"color": RATING_COLORS[j % len(RATING_COLORS)]}, "gap": 60})
        _chart_style(chart, "Xếp loại CĐCS theo cụm", "Cụm thi đua", "Số CĐCS")
    else:
        chart = _unit_scores_chart(b, ws, c, placed.next_row + 1)
    ws.set_h_pagebreaks([placed.next_row + 1])          # the chart on a page of its own, never cut
    ws.insert_chart(placed.next_row + 1, 0, chart, {"x_scale": 2.0, "y_scale": 1.3})
    b.page(ws, title="Xếp loại theo cụm")


def _unit_scores_chart(b: Book, ws, c, row: int):
    """A cluster consolidation: one bar per unit (its total score), from a small table of its own."""
    ranked = [r for code in c.clusters for r in c.ranked.get(code, [])]
    spec = TableSpec("tblUnitScores", (
        Col("Mã đơn vị", "unit", 10, "code"),
        Col("Tên đơn vị", lambda r: c.plan.unit_by_code[r.unit].name, 30, "wrap"),
        Col("Tổng điểm", lambda r: r.ev.total, 9, "num"),
        Col("Xếp loại", lambda r: r.rating or "Chưa xếp loại", 10, "text"),
    ))
    at = row + 21                                  # under the chart
    placed = b.table(ws, spec, at, ranked)
    chart = b.wb.add_chart({"type": "bar"})
    col = placed.col("Tổng điểm")
    chart.add_series({"name": "Tổng điểm", "categories": [ws.name, placed.first, placed.col("Mã đơn vị"), placed.last,
                                                          placed.col("Mã đơn vị")],
                      "values": [ws.name, placed.first, col, placed.last, col], "fill": {"color": "#2E75B6"},
                      "data_labels": {"value": True}})
    _chart_style(chart, "Tổng điểm của các CĐCS trong cụm", "Tổng điểm", "CĐCS")
    chart.set_legend({"none": True})
    return chart


def cluster_targets_spec(c) -> TableSpec:
    targets = [r.target for r in c.attainment[0].results] if c.attainment else []
    cols = [Col("Cụm", "cluster", 6, "code"), Col("Tên cụm", "name", 20, "wrap")]
    for i, t in enumerate(targets):
        kind = "pct" if t.measure in SHARE_MEASURES else "int"
        cols.append(Col(_unique_header(t.short_name, [x.header for x in cols]), (lambda a, i=i: a.results[i].actual),
                        8, kind))
    cols += [Col("Số chỉ tiêu đạt", "met", 9, "int"), Col("Số chỉ tiêu đánh giá", "applicable", 10, "int"),
             Col("Tỷ lệ đạt", "rate", 9, "pct", formula='=IF({Số chỉ tiêu đánh giá}=0,"",{Số chỉ tiêu đạt}/'
                                                         '{Số chỉ tiêu đánh giá})')]
    return TableSpec("tblClusterTargets", tuple(cols))


def _unique_header(text: str, used: list[str]) -> str:
    out, i = text, 2
    while out in used:
        out, i = f"{text} ({i})", i + 1
    return out


def _targets_by_cluster(b: Book, c) -> None:
    ws = b.sheet("Chỉ tiêu theo cụm")
    spec = cluster_targets_spec(c)
    width, n = b.prepare(ws, spec)
    targets = [r.target for r in c.attainment[0].results] if c.attainment else []
    legend = "; ".join(f"{t.short_name}: {t.label}" for t in targets)
    row = b.lines(ws, 0, [("title", f"ĐẠT CHỈ TIÊU CẤP NGÀNH THEO CỤM — {c.period.name.upper()}"),
                          ("note", "Mỗi chỉ tiêu tính trên các CĐCS của cụm (tỷ lệ hoặc số CĐCS). " + legend)],
                  width, n)
    row += 1
    placed = b.table(ws, spec, row, c.attainment)
    if c.attainment and c.scope.industry:
        chart = b.wb.add_chart({"type": "bar"})
        col = placed.col("Tỷ lệ đạt")
        chart.add_series({"name": "Tỷ lệ chỉ tiêu đạt", "categories": [ws.name, placed.first, 0, placed.last, 0],
                          "values": [ws.name, placed.first, col, placed.last, col], "fill": {"color": "#2E75B6"},
                          "data_labels": {"value": True, "num_format": "0%"}})
        _chart_style(chart, "Tỷ lệ chỉ tiêu cấp ngành đạt, theo cụm", "Tỷ lệ đạt", "Cụm thi đua")
        chart.set_x_axis({"name": "Tỷ lệ đạt", "num_format": "0%", "min": 0, "max": 1,
                          "name_font": {"name": FONT}, "num_font": {"name": FONT}})
        chart.set_legend({"none": True})
        ws.set_h_pagebreaks([placed.next_row + 1])
        ws.insert_chart(placed.next_row + 1, 0, chart, {"x_scale": 2.0, "y_scale": 1.2})
    b.page(ws, title="Chỉ tiêu theo cụm", header_row=placed.header_row)


# --- Dẫn đầu cụm --------------------------------------------------------------------------------
def _leaders(b: Book, c) -> None:
    ws = b.sheet("Dẫn đầu cụm")
    names = {u.code: u.name for u in c.plan.units}

    def top(code):
        ld = c.leaders[code]
        return ld.units[0] if ld.units else None

    spec = TableSpec("tblLeaders", (
        Col("Cụm", lambda code: code, 7, "code"),
        Col("Tên cụm", lambda code: c.plan.cluster_by_code[code].name, 26, "wrap"),
        Col("Đơn vị đề xuất dẫn đầu", lambda code: ", ".join(f"{r.unit} — {names.get(r.unit, r.unit)}"
                                                            for r in c.leaders[code].units) or "(chưa có)", 28, "wrap"),
        Col("Tổng điểm", lambda code: top(code).ev.total if top(code) else None, 9, "num"),
        Col("Xếp loại", lambda code: (top(code).rating or "") if top(code) else "", 9, "bold"),
        Col("Căn cứ", lambda code: c.leaders[code].text, 50, "wrap"),
    ))
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", f"ĐƠN VỊ ĐỀ XUẤT DẪN ĐẦU CỤM — {c.period.name.upper()}"),
                          ("note", TIE_RULE)], width, n) + 1
    placed = b.table(ws, spec, row, c.clusters)
    b.page(ws, title="Dẫn đầu cụm", header_row=placed.header_row)


# --- Tiến độ nộp ----------------------------------------------------------------------------------
def _completeness(b: Book, c) -> None:
    ws = b.sheet("Tiến độ nộp")
    totals = {"Phải báo cáo": c.n_expected, "Đã nộp": c.n_received, "Đúng hạn": c.n_on_time,
              "Nộp muộn": c.n_received - c.n_on_time, "Chưa nộp": c.n_expected - c.n_received,
              "Tỷ lệ báo cáo": c.reporting_rate, "Tỷ lệ đúng hạn": c.on_time_rate}
    spec = TableSpec("tblCompleteness", (
        Col("Cụm", "code", 7, "code"),
        Col("Tên cụm", "name", 30, "wrap"),
        Col("Phải báo cáo", "n_expected", 9, "int", total="=SUM({Phải báo cáo[]})"),
        Col("Đã nộp", "n_received", 8, "int", total="=SUM({Đã nộp[]})"),
        Col("Đúng hạn", "n_on_time", 8, "int", total="=SUM({Đúng hạn[]})"),
        Col("Nộp muộn", lambda k: len(k.late), 8, "int", total="=SUM({Nộp muộn[]})"),
        Col("Chưa nộp", lambda k: len(k.missing), 8, "int", total="=SUM({Chưa nộp[]})"),
        Col("Tỷ lệ báo cáo", "reporting_rate", 9, "pct", formula='=IF({Phải báo cáo}=0,"",{Đã nộp}/{Phải báo cáo})',
            total='=IF({Phải báo cáo}=0,"",{Đã nộp}/{Phải báo cáo})'),
        Col("Tỷ lệ đúng hạn", "on_time_rate", 9, "pct", formula='=IF({Phải báo cáo}=0,"",{Đúng hạn}/{Phải báo cáo})',
            total='=IF({Phải báo cáo}=0,"",{Đúng hạn}/{Phải báo cáo})'),
    ), total_label="Tổng")
    names = {u.code: u for u in c.plan.units}
    unused: dict[str, list[str]] = {}        # a unit's files that came but could not count as its report
    for e in c.entries:                       # (the file names are on the files sheet)
        if e.unit and e.status not in (INCLUDED, DUPLICATE, OUT_OF_SCOPE) and \
                e.status_label not in unused.get(e.unit, []):
            unused.setdefault(e.unit, []).append(e.status_label)
    missing_spec = TableSpec("tblMissing", (
        Col("Cụm", "cluster", 7, "code"),
        Col("Mã đơn vị", "code", 9, "code"),
        Col("Tên đơn vị", "name", 30, "wrap"),
        Col("Loại hình", "kind_label", 11, "wrap"),
        Col("Email", lambda u: u.email or "", 22, "wrap"),
        Col("Ghi chú", lambda u: ("Có tệp gửi về: " + "; ".join(x.lower() for x in unused[u.code]))
            if u.code in unused else "", 20, "wrap"),
    ))
    late_spec = TableSpec("tblLate", (
        Col("Cụm", lambda r: r.ev.cluster, 7, "code"),
        Col("Mã đơn vị", "unit", 9, "code"),
        Col("Tên đơn vị", lambda r: names[r.unit].name, 30, "wrap"),
        Col("Ngày nộp", "timing_date", 11, "date"),
        Col("Hạn nộp", lambda r: c.period.deadline, 11, "date"),
        Col("Số ngày muộn", lambda r: days_late(r, c.period), 8, "int"),
        Col("Căn cứ", "timing_basis", 21, "wrap"),
    ))
    width, n = b.prepare(ws, spec, missing_spec, late_spec)
    row = b.lines(ws, 0, [("title", f"TIẾN ĐỘ NỘP BÁO CÁO — {c.period.name.upper()}"),
                          ("subtitle", f"Hạn nộp {c.period.deadline:%d/%m/%Y}. {c.scope.label}"),
                          ("note", LATENESS_RULE)], width, n) + 1
    placed = b.table(ws, spec, row, c.completeness, totals=totals)
    row = b.text(ws, placed.next_row + 1, "heading", "CĐCS CHƯA NỘP BÁO CÁO", width, n)
    missing = [u for k in c.completeness for u in k.missing]
    if missing:
        row = b.table(ws, missing_spec, row, missing).next_row
    else:
        row = b.text(ws, row, "text", "Mọi CĐCS phải báo cáo đều đã nộp.", width, n)
    row = b.text(ws, row + 1, "heading", "CĐCS NỘP MUỘN", width, n)
    late = [r for k in c.completeness for r in k.late]
    if late:
        b.table(ws, late_spec, row, late)
    else:
        b.text(ws, row, "text", "Không có CĐCS nộp muộn.", width, n)
    b.page(ws, title="Tiến độ nộp báo cáo")


# --- one sheet per cluster ----------------------------------------------------------------------
@dataclass
class ClusterRow:
    """One unit's line of its cluster's table (a unit that has not reported: status only)."""
    unit: str
    name: str
    kind: str
    status: str
    rank: int | None = None
    total: float | None = None
    groups: tuple = ()
    rating: str = ""
    rating_reason: str = ""
    rank_note: str = ""
    errors: int | None = None
    notes: str = ""
    report_date: object = None
    self_total: float | None = None
    warnings: int | None = None
    file: str = ""
    values: dict = field(default_factory=dict)


def cluster_rows(c, code: str) -> list[ClusterRow]:
    plan = c.plan
    expected = [u for u in c.expected if u.cluster == code]
    results = [c.results[u.code] for u in expected if u.code in c.results]
    order = c.ranked.get(code, []) + [r for r in results if r.rank is None]
    rows = []
    for r in order:
        unit = plan.unit_by_code[r.unit]
        own = {f.code for f in plan.fields_for(unit.kind)}
        rows.append(ClusterRow(r.unit, unit.name, unit.kind, "Đúng hạn" if r.on_time else "Nộp muộn", r.rank,
                               r.ev.total, tuple(g[1] for g in r.ev.groups), r.rating or "Chưa xếp loại",
                               r.rating_reason, r.rank_note, r.record.errors, _notes(r), r.ev.report_date,
                               r.ev.self_total, r.record.warnings, r.record.file,
                               {k: v for k, v in r.ev.values.items() if k in own}))
    rows += [ClusterRow(u.code, u.name, u.kind, "Chưa nộp") for u in expected if u.code not in c.results]
    return rows


def cluster_spec(c, code: str) -> TableSpec:
    """The ranking of one cluster: printed columns, then the entered values (screen only)."""
    plan = c.plan
    expected = [u for u in c.expected if u.cluster == code]
    kinds = [k for k in KIND_LABELS if any(u.kind == k for u in expected)]
    fields = [f for f in plan.fields if any(applies(f.applies_to, k) for k in kinds)]
    n_groups = max((len(plan.groups_for(k)) for k in kinds), default=0)

    def group(i):
        return lambda r: r.groups[i] if i < len(r.groups) else None

    def value(f):
        return lambda r: r.values.get(f.code)

    cols = [
        Col("Hạng", "rank", 6, "int"),
        Col("Mã đơn vị", "unit", 9, "code"),
        Col("Tên đơn vị", "name", 26, "wrap"),
        Col("Loại hình", lambda r: KIND_LABELS[r.kind], 11, "wrap"),
        Col("Tình trạng", "status", 10, "wrap"),
        Col("Tổng điểm", "total", 8, "num"),
        *[Col(f"Nhóm {i + 1}", group(i), 7, "num") for i in range(n_groups)],
        Col("Xếp loại", "rating", 9, "bold_wrap"),
        Col("Lý do xếp loại", "rating_reason", 34, "wrap"),
        Col("Căn cứ thứ hạng", "rank_note", 32, "wrap"),
        Col("Số lỗi", "errors", 6, "int"),
        Col("Ghi chú", "notes", 24, "wrap"),
        Col("Ngày báo cáo", "report_date", 11, "date", printed=False),
        Col("Tự chấm", "self_total", 8, "num", printed=False),
        Col("Số cảnh báo", "warnings", 8, "int", printed=False),
        Col("Tệp nguồn", "file", 30, "text", printed=False),
    ]
    used = [col.header for col in cols]
    for f in fields:
        kind = "pct" if (f.unit_label == "%" or f.type == "percent") else "date" if f.type == "date" else \
            "int" if f.type == "integer" else "text" if f.type in ("yes_no", "text") else "num"
        header = _unique_header(f.label, used)
        used.append(header)
        cols.append(Col(header, value(f), 14, kind, printed=False))
    return TableSpec(f"tblCum_{_safe_name(code)}", tuple(cols))


def _notes(r) -> str:
    notes = [FLAG_TEXT.get(f, f) for f in r.record.flags]
    if r.rating != r.ev.rating:
        notes.append(f"điều chỉnh theo tỷ lệ tối đa: {r.ev.rating} → {r.rating}")
    if r.record.via:
        notes.append(f"qua bảng tổng hợp {r.record.via}")
    return "; ".join(notes)


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _cluster_sheet(b: Book, c, code: str) -> None:
    cl = c.plan.cluster_by_code[code]
    ws = b.sheet(f"Cụm {code}", StreamSheet)
    spec = cluster_spec(c, code)
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", f"XẾP HẠNG {cl.name.upper()} — {c.period.name.upper()}"),
                          ("text", c.leaders[code].text), ("note", TIE_RULE)], width, n) + 1
    placed = b.table(ws, spec, row, cluster_rows(c, code), stream=True)
    ws.freeze_panes(placed.first, 3)
    b.page(ws, title=f"Xếp hạng cụm {code}", header_row=placed.header_row, n_printed=n, last_row=placed.last)


# --- Điều chỉnh xếp loại ---------------------------------------------------------------------------
def _caps(b: Book, c) -> None:
    ws = b.sheet("Điều chỉnh xếp loại")
    spec = TableSpec("tblCapMoves", (
        Col("Mã đơn vị", "unit", 9, "code"),
        Col("Cụm", "cluster", 7, "code"),
        Col("Xếp loại theo điểm", "from_rating", 10, "text"),
        Col("Xếp loại sau điều chỉnh", "to_rating", 11, "bold"),
        Col("Thứ tự trong xếp loại", "position", 9, "int"),
        Col("Số được giữ", "allowed", 8, "int"),
        Col("Số đủ điểm", "holders", 8, "int"),
        Col("Lý do", "reason", 60, "wrap"),
    ))
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", "ĐIỀU CHỈNH XẾP LOẠI THEO TỶ LỆ TỐI ĐA"), ("note", CAP_RULE)], width, n) + 1
    caps = [r for r in c.plan.ratings_best_first() if r.cap is not None]
    if not caps:
        b.text(ws, row, "text", "Kế hoạch không đặt tỷ lệ tối đa cho xếp loại nào: không điều chỉnh.", width, n)
    elif not c.cap_moves:
        b.text(ws, row, "text", "Không có xếp loại nào vượt tỷ lệ tối đa: không điều chỉnh.", width, n)
    else:
        b.table(ws, spec, row, c.cap_moves)
    b.page(ws, title="Điều chỉnh xếp loại")


# --- Tệp đã nhận ----------------------------------------------------------------------------------
_INVENTORY_LOOK = {        # header -> (width, kind, printed); the columns themselves: contract.INVENTORY_COLUMNS
    "Tệp": (34, "wrap", True), "Mã đơn vị": (9, "code", True), "Trạng thái": (16, "bold_wrap", True),
    "Lý do": (52, "wrap", True), "Bản được dùng": (24, "wrap", True),
}


def inventory_spec(c) -> TableSpec:
    periods = {p.code: p.name for p in c.plan.periods}

    def getter(attr):
        if attr == "kind":
            return lambda e: K.FILE_KINDS.get(e.kind, e.kind)
        if attr == "period":
            return lambda e: periods.get(e.period, e.period)
        if attr == "authentic":
            return "authentic_label"
        if attr == "mtime":
            return lambda e: f"{e.mtime[8:10]}/{e.mtime[5:7]}/{e.mtime[0:4]} {e.mtime[11:19]}" if e.mtime else ""
        return attr

    cols = []
    for header, attr in K.INVENTORY_COLUMNS:
        width, kind, shown = _INVENTORY_LOOK.get(header, (14, "text", False))
        if attr == "size":
            kind = "int"
        cols.append(Col(header, getter(attr), width, kind, printed=shown))
    return TableSpec(K.INVENTORY_TABLE, tuple(cols))


def _inventory(b: Book, c) -> None:
    ws = b.sheet("Tệp đã nhận", StreamSheet)
    spec = inventory_spec(c)
    width, n = b.prepare(ws, spec)
    other = [e for e in c.entries if e.status == OUT_OF_SCOPE and not e.via]
    shown = [e for e in c.entries if not (e.status == OUT_OF_SCOPE and not e.via)]
    notes = [("title", "DANH SÁCH TỆP ĐÃ NHẬN"), ("text", files_line(c))]
    if other:                                     # a cluster's run: the other clusters' files, in one line
        by_cluster = Counter(c.plan.unit_by_code[e.unit].cluster if e.unit in c.plan.unit_by_code else "?"
                             for e in other)
        parts = ", ".join(f"cụm {k}: {format_number_vi(v)}" for k, v in sorted(by_cluster.items()))
        notes.append(("text", f"Ngoài phạm vi tổng hợp này: {format_number_vi(len(other))} tệp của các cụm khác "
                              f"({parts}); bảng tổng hợp của từng cụm đó tính các tệp này, nên không liệt kê ở đây."))
    notes.append(("note", DUPLICATE_RULE))
    row = b.lines(ws, 0, notes, width, n) + 1
    placed = b.table(ws, spec, row, shown, stream=True)
    ws.freeze_panes(placed.first, 1)
    b.page(ws, title="Tệp đã nhận", header_row=placed.header_row, n_printed=n, last_row=placed.last)


# --- Các đợt trong năm (the year only) -------------------------------------------------------------
def coverage_spec(c) -> TableSpec:
    from .year import basis_text
    cols = [Col("Mã đơn vị", lambda u: u.code, 9, "code"), Col("Tên đơn vị", lambda u: u.name, 26, "wrap"),
            Col("Cụm", lambda u: u.cluster, 6, "code")]
    for p in c.plan.regular_periods:
        cols.append(Col(p.name, (lambda u, code=p.code: _period_status(c, u.code, code)), 14, "wrap"))
    cols.append(Col("Số đợt đã nộp", lambda u: len(c.coverage[u.code].reported) if u.code in c.coverage else 0,
                    8, "int"))
    cols.append(Col("Kết quả cả năm dựa trên", lambda u: basis_text(c.plan, c.coverage[u.code])
                    if u.code in c.coverage else "Chưa nộp đợt nào: chưa có kết quả cả năm.", 40, "wrap"))
    return TableSpec("tblPeriodCoverage", tuple(cols))


def _period_status(c, unit: str, period: str) -> str:
    cov = c.coverage.get(unit)
    rec = cov.reported.get(period) if cov else None
    if rec is None:
        return "Chưa nộp"
    return "Đã nộp" + (f" (qua {rec.via})" if rec.via else "")


def _coverage(b: Book, c) -> None:
    from .year import RULE_LABELS
    ws = b.sheet("Các đợt trong năm")
    spec = coverage_spec(c)
    width, n = b.prepare(ws, spec)
    by_rule: dict[str, list[str]] = {}
    for f in c.plan.fields:
        if not f.is_derived:
            by_rule.setdefault(f.year_rule, []).append(f.label)
    rules = "; ".join(f"{RULE_LABELS[r]}: " + (", ".join(labels) if r != "latest" or len(by_rule) == 1 else
                                                f"{len(labels)} trường còn lại")
                      for r, labels in sorted(by_rule.items(), key=lambda kv: kv[0] == "latest"))
    incomplete = sum(1 for u in c.expected if u.code in c.coverage and c.coverage[u.code].missing)
    row = b.lines(ws, 0, [("title", f"CÁC ĐỢT TRONG NĂM — {c.period.name.upper()}"),
                          ("note", "Kết quả cả năm là kết quả chính thức: số liệu từng trường của các đợt được gộp "
                                   "theo cột 'Cả năm' của bảng trường số liệu trong kế hoạch, rồi chấm điểm, xếp loại, "
                                   "xếp hạng và đề nghị khen thưởng theo số cả năm; đợt cao điểm tính riêng."),
                          ("note", f"{incomplete} đơn vị thiếu ít nhất một đợt. Cách gộp: {rules}.")], width, n) + 1
    placed = b.table(ws, spec, row, c.expected)
    b.page(ws, title="Các đợt trong năm", header_row=placed.header_row, n_printed=n, last_row=placed.last)


# --- Dữ liệu gốc (machine) --------------------------------------------------------------------------
MACHINE_NOTE = ("Trang dành cho máy đọc (tổng hợp cấp trên đọc lại để tính lại mọi số liệu): xem trên màn hình, "
                "không in, không sửa.")


def _inputs(b: Book, c, digests: list[str]) -> None:
    ws = b.sheet("Dữ liệu gốc", StreamSheet)
    raw = K.raw_columns(c.plan)
    raw_headers = [h for h, _ in raw]
    units = c.plan.unit_by_code
    fixed_look = {"Tên đơn vị": 30, "Tệp nguồn": 30, "SHA-256": 20, "Dấu vân tay kế hoạch": 20}
    cols = [Col(h, (lambda rec, j=j: rec[j]), fixed_look.get(h, 12), "raw")
            for j, h in enumerate(K.FIXED_HEADERS)]
    cols += [Col(h, (lambda rec, j=j + len(K.FIXED_HEADERS): rec[j]), 12, "raw") for j, h in enumerate(raw_headers)]
    cols.append(Col(DIGEST, lambda rec: rec[-1], 26, "raw"))
    spec = TableSpec(K.INPUTS_TABLE, tuple(cols))
    b.prepare(ws, spec)
    width, n = b.span(ws, 84)
    b.text(ws, 0, "title", "SỐ LIỆU GỐC CỦA TỪNG ĐƠN VỊ", width, n)
    b.text(ws, 1, "subtitle", "Nội dung các ô đơn vị đã nhập, đúng như đọc từ biểu mẫu. " + MACHINE_NOTE, width, n)
    label_row, row = 3, 4
    for j, (_, label) in enumerate(raw, start=len(K.FIXED_HEADERS)):
        ws.write_string(label_row, j, label, b.fmt["note"])
    clusters = {code: i for i, code in enumerate(c.clusters)}
    records = sorted(c.records, key=lambda r: (clusters.get(units[r.unit].cluster, 99) if r.unit in units else 99,
                                               r.unit, r.status != "included", r.file, r.via))

    def rows():
        for rec in records:
            u = units.get(rec.unit)
            display = {"Tên đơn vị": u.name if u else "", "Mã cụm": u.cluster if u else "",
                       "Loại hình": u.kind_label if u else ""}
            row = K.record_row(rec, display, raw_headers)
            digests.append(row[-1])
            yield row

    placed = b.table(ws, spec, row, rows(), stream=True)
    ws.freeze_panes(placed.first, 1)
    b.page(ws, title="Số liệu gốc", machine=True, last_row=1, n_printed=n)


def _meta(b: Book, c, digests: list[str]) -> None:
    ws = b.wb.add_worksheet("_thidua")
    p = c.plan
    meta = {"format": K.FORMAT, "format_version": K.FORMAT_VERSION, "plan_id": p.info.plan_id,
            "plan_version": str(p.info.version), "plan_fingerprint": p.fingerprint, "period_code": c.period.code,
            "scope": "industry" if c.scope.industry else "cluster", "clusters": " ".join(c.clusters),
            "tool_version": __version__, "created_at": c.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "units": str(len(c.results)),
            "findings": "thidua check" if c.scope.check else "đọc biểu mẫu",
            # the year and the period's dates: a later year's programme reads this workbook (consolidate.programme)
            "plan_year": str(p.info.year), "period_start": c.period.start.isoformat(),
            "period_end": c.period.end.isoformat()}
    from .review import CLUSTER
    meta["seal"] = seal_text(c.register, c.level, c.clusters if c.level == CLUSTER else ("",), c.period.code,
                             meta, digests)
    spec = TableSpec(K.META_TABLE, (Col(K.KEY, lambda kv: kv[0], 20, "raw"), Col(K.VALUE, lambda kv: kv[1], 40, "raw")))
    b.table(ws, spec, 0, list(meta.items()))
    ws.hide()


__all__ = ["write_consolidation", "STATUS_LABELS", "industry_spec", "distribution_spec", "cluster_spec",
           "inventory_spec", "cluster_targets_spec"]
