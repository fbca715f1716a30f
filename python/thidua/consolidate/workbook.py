"""Write a `Consolidation` as one workbook (XlsxWriter): Excel Tables, native charts, formulas
for totals and rates (with Python's values cached), A4 printing, Times New Roman, text from
forms written as text, saved atomically.

Sheets: Tóm tắt · Chỉ tiêu ngành · Theo cụm (charts) · Dẫn đầu cụm · Tiến độ nộp · one sheet per
cluster · Điều chỉnh xếp loại · Tệp đã nhận · Dữ liệu gốc (tblUnitInputs) · _thidua
(tblConsolidationMeta, hidden).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from .. import __version__
from ..plan.model import KIND_LABELS, applies
from ..read.workbook import cell_address
from ..values import format_number_vi
from ..write.stream import StreamSheet, TooManyRows, has_time
from ..write.xlsx import FONT, Styles, atomic_workbook, setup_print
from . import contract as K
from .collect import INVENTORY_COLUMNS, KIND_LABELS as FILE_KINDS
from .completeness import LATENESS_RULE, days_late
from .industry import APPLIES_LABELS, DENOMINATOR_RULE, NOT_RATED, NOT_REPORTED, SHARE_MEASURES
from .inventory import DUPLICATE_RULE
from .ranking import CAP_RULE, TIE_RULE
from .records import DUPLICATE, FLAG_TEXT, INCLUDED, STATUS_LABELS
from .award_sheets import write_award_sheets, write_member_inputs
from .report import lines

TABLE_STYLE = "Table Style Light 9"
RATING_COLORS = ("#1F4E79", "#2E75B6", "#9DC3E6", "#C00000", "#A6A6A6", "#FFD966", "#70AD47", "#7030A0")


@dataclass(frozen=True)
class Formula:
    """A cell formula with the value Python computed for it (cached, so readers without a
    spreadsheet engine see the same number; LibreOffice's recalculation is compared in tests)."""
    text: str
    value: object


class _Writer:
    def __init__(self, wb, st: Styles):
        self.wb, self.st = wb, st
        base = {"font_name": FONT, "font_size": 11, "valign": "top", "border": 1}
        self.cell = wb.add_format(base)
        self.wrap = wb.add_format({**base, "text_wrap": True})
        self.num = wb.add_format({**base, "num_format": "#,##0.##"})
        self.int = wb.add_format({**base, "num_format": "#,##0"})
        self.pct = wb.add_format({**base, "num_format": "0.0%"})
        self.date = wb.add_format({**base, "num_format": "dd/mm/yyyy", "align": "left"})
        self.stamp = wb.add_format({**base, "num_format": "dd/mm/yyyy hh:mm:ss", "align": "left"})
        self.bold = wb.add_format({**base, "bold": True})
        self.bold_int = wb.add_format({**base, "bold": True, "num_format": "#,##0"})
        self.bold_pct = wb.add_format({**base, "bold": True, "num_format": "0.0%"})
        self.note_fmt = wb.add_format({"font_name": FONT, "font_size": 11, "italic": True, "text_wrap": True,
                                       "valign": "top"})
        self.widths: dict[str, dict[int, float]] = {}
        self.line = wb.add_format({"font_name": FONT, "font_size": 12, "text_wrap": True, "valign": "top"})
        self.heading = wb.add_format({"font_name": FONT, "font_size": 12, "bold": True})
        # the format a value's type gets when its column has none (value() and streamed tables)
        self.defaults = {"number": self.num, "text": self.cell, "bool": self.cell, "date": self.date,
                         "datetime": self.stamp}

    def value(self, ws, r: int, c: int, v, fmt=None) -> None:
        """One cell by type; text always as text (a unit name "=1+1" stays text). Without `fmt`
        the type picks its format from `defaults` (the streamed tables use the same)."""
        d = self.defaults
        t = type(v)
        if t is float or t is int:
            ws.write_number(r, c, v, fmt or d["number"])
            return
        if t is str and v:
            ws.write_string(r, c, v, fmt or d["text"])
            return
        if v is None or v == "":
            return                       # nothing written: the table style frames empty cells
        if isinstance(v, Formula):
            ws.write_formula(r, c, v.text, fmt or d["number"], "" if v.value is None else v.value)
        elif isinstance(v, bool):
            ws.write_boolean(r, c, v, fmt or d["bool"])
        elif isinstance(v, (int, float)):
            ws.write_number(r, c, v, fmt or d["number"])
        elif isinstance(v, datetime):
            ws.write_datetime(r, c, v, fmt or d["datetime" if has_time(v) else "date"])
        elif isinstance(v, date):
            ws.write_datetime(r, c, datetime(v.year, v.month, v.day), fmt or d["date"])
        else:
            ws.write_string(r, c, str(v), fmt or d["text"])

    # -- layout: column widths are declared once per sheet; wrapped rows get an explicit height
    # (LibreOffice does not grow rows to fit wrapped text on load; Excel keeps explicit heights)
    def columns(self, ws, widths: list[float], first: int = 0) -> None:
        reg = self.widths.setdefault(ws.name, {})
        for j, width in enumerate(widths, start=first):
            ws.set_column(j, j, width)
            reg[j] = width

    def width(self, ws, col: int) -> float:
        return self.widths.get(ws.name, {}).get(col, 8.43)

    @staticmethod
    def lines(text: str, width: float) -> int:
        per_line = max(1.0, width * 1.05)
        if len(text) <= per_line and "\n" not in text:
            return 1
        return sum(max(1, math.ceil(len(part) / per_line)) for part in str(text).split("\n"))

    def note(self, ws, row: int, first_col: int, last_col: int, text: str, fmt=None) -> None:
        """Wrapped text across columns, its row as high as the text needs."""
        width = sum(self.width(ws, j) for j in range(first_col, last_col + 1))
        if last_col > first_col:
            ws.merge_range(row, first_col, row, last_col, text, fmt or self.note_fmt)
        else:
            ws.write_string(row, first_col, text, fmt or self.note_fmt)
        ws.set_row(row, 15.5 * self.lines(text, width))

    def table(self, ws, name: str, row: int, col: int, headers: list[str], rows, formats: list | None = None,
              stream: bool = False) -> int:
        """An Excel Table at (row, col); returns the first row below it. `stream`: the table ends
        its sheet (a StreamSheet) and its rows (any iterable, a generator for long tables) are
        rendered in one pass."""
        options = {"name": name, "style": TABLE_STYLE, "columns": [{"header": h} for h in headers]}
        last_col = col + len(headers) - 1
        fmts = formats or [None] * len(headers)
        wrapped = [(j, self.width(ws, col + j)) for j, f in enumerate(fmts) if f is self.wrap]
        lines = self.lines

        def height(values) -> float | None:
            n = max(lines(values[j], w) if type(values[j]) is str else 1 for j, w in wrapped)
            return 15 * n if n > 1 else None

        if stream:
            if not isinstance(ws, StreamSheet):
                raise TypeError(f"table {name}: stream=True needs a StreamSheet")
            n = ws.stream_rows(row + 1, col, rows, len(headers), fmts, self.defaults, height if wrapped else None)
            last = row + max(n, 1)
            ws.add_streamed_table(row, col, last, last_col, options)
        else:
            last = row + max(len(rows), 1)
            ws.add_table(row, col, last, last_col, options)
            # XlsxWriter keeps one dict entry per table cell, only to refuse a later table that
            # overlaps this one. Ours are laid out one below another and never overlap; for 100,000
            # units those entries would cost gigabytes, so they are dropped.
            cells = getattr(ws, "table_cells", None)
            if isinstance(cells, dict) and len(rows) > 1000:
                cells.clear()
            for i, values in enumerate(rows, start=row + 1):
                for j, v in enumerate(values):
                    self.value(ws, i, col + j, v, fmts[j])
                if wrapped:
                    h = height(values)
                    if h:
                        ws.set_row(i, h)
        head = max(self.lines(h, self.width(ws, col + j)) for j, h in enumerate(headers))
        for j, h in enumerate(headers):                  # over add_table's plain header cells
            ws.write_string(row, col + j, h, self.st.header)
        if head > 1:
            ws.set_row(row, 16 * head)
        return last + 1

    def text_lines(self, ws, row: int, items: list[tuple[str, str]], col: int = 0) -> int:
        """Title, subtitle, heading and text lines, one per row (wrapped in the column's width)."""
        for kind, text in items:
            fmt = {"title": self.st.title, "subtitle": self.st.subtitle, "heading": self.heading}.get(kind, self.line)
            ws.write_string(row, col, text, fmt)
            if kind == "text":
                n = self.lines(text, self.width(ws, col) * 0.95)
                if n > 1:
                    ws.set_row(row, 16 * n)
            row += 1
        return row


def _safe_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def _sheet_name(text: str, used: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\']", "-", text)[:31] or "Trang"
    name, i = base, 2
    while name.casefold() in used:
        suffix = f" ({i})"
        name, i = base[:31 - len(suffix)] + suffix, i + 1
    used.add(name.casefold())
    return name


def write_consolidation(c, path: str | Path) -> Path:
    from ..errors import ThiduaError
    try:
        with atomic_workbook(path) as wb:
            _write_sheets(wb, c)
    except TooManyRows as exc:
        raise ThiduaError(f"Không ghi được tệp kết quả '{path}': trang '{exc.sheet}' cần nhiều hơn "
                          f"{format_number_vi(exc.limit)} dòng, giới hạn của một trang Excel. Hãy tổng hợp riêng "
                          "từng cụm (tùy chọn --cluster).") from None
    except OSError as exc:
        raise ThiduaError(f"Không ghi được tệp kết quả '{path}': {exc.strerror or exc}. Nếu tệp đang mở trong "
                          "Excel, hãy đóng lại rồi chạy lại; tệp cũ (nếu có) vẫn nguyên vẹn.") from None
    return Path(path)


def _write_sheets(wb, c) -> None:
    st = Styles(wb)
    w = _Writer(wb, st)
    used: set[str] = set()
    _summary(wb, w, c, used)
    _industry(wb, w, c, used)
    _clusters_overview(wb, w, c, used)
    _leaders(wb, w, c, used)
    _completeness(wb, w, c, used)
    for code in c.clusters:
        _cluster_sheet(wb, w, c, code, used)
    _caps(wb, w, c, used)
    write_award_sheets(wb, w, c, lambda title: _sheet_name(title, used))
    _inventory(wb, w, c, used)
    _inputs(wb, w, c, used)
    write_member_inputs(wb, w, c, lambda title: _sheet_name(title, used))
    _meta(wb, w, c, used)
    wb.set_properties({"title": f"Tổng hợp thi đua — {c.period.name}", "author": c.plan.info.issuer,
                       "comments": f"thidua {__version__}", "created": c.created_at})


# --- sheets -----------------------------------------------------------------------------------
def _summary(wb, w: _Writer, c, used) -> None:
    ws = wb.add_worksheet(_sheet_name("Tóm tắt", used))
    w.columns(ws, [120])
    w.text_lines(ws, 0, lines(c))
    setup_print(ws, landscape=False, title="Tóm tắt tổng hợp")


def _industry(wb, w: _Writer, c, used) -> None:
    ws = wb.add_worksheet(_sheet_name("Chỉ tiêu ngành", used))
    codes = [r.code for r in c.plan.ratings_best_first()]
    w.columns(ws, [16, 13, 44, 12, 14, 11, 11, 11, 13, 14, 62, *[11] * (len(codes) - 1)])
    scope = "TOÀN NGÀNH" if c.scope.industry else "CỤM " + ", ".join(c.clusters)
    row = w.text_lines(ws, 0, [("title", f"CHỈ TIÊU CẤP NGÀNH ({scope}) — {c.period.name.upper()}"),
                               ("subtitle", c.scope.label)])
    w.note(ws, row, 0, 10, DENOMINATOR_RULE)
    row += 2
    headers = ["Mã chỉ tiêu", "Áp dụng", "Nội dung", "Phạm vi", "Cách tính", "Đạt / tổng số", "Số CĐCS thuộc diện",
               "Thực hiện", "Chỉ tiêu", "Kết quả", "Diễn giải"]
    rows, shares = [], []
    first = row + 1
    for i, t in enumerate(c.targets):
        r = first + i
        actual = t.actual
        if t.is_share:
            num, den = cell_address(r, 5), cell_address(r, 6)
            actual = Formula(f'=IF({den}=0,"",{num}/{den})', t.actual)
            shares.append(i)
        rows.append([t.target.code, APPLIES_LABELS.get(t.target.applies_to, t.target.applies_to), t.target.label,
                     t.target.scope or "Năm", t.measure_label, t.numerator, t.denominator, actual, t.target_text,
                     t.verdict, t.text])
    fmts = [w.cell, w.cell, w.wrap, w.wrap, w.wrap, w.num, w.int, w.num, w.cell, w.bold, w.wrap]
    row = w.table(ws, "tblIndustryTargets", row, 0, headers, rows, fmts)
    for i in shares:                                    # "Thực hiện" of a share: a percentage
        w.value(ws, first + i, 7, rows[i][7], w.pct)
    row += 1
    ws.write_string(row, 0, "PHÂN BỐ XẾP LOẠI THEO LOẠI HÌNH (sau điều chỉnh theo tỷ lệ tối đa, nếu có)", w.heading)
    row += 1
    _distribution_table(w, ws, c, "tblRatingDistribution", row, "Loại hình", c.by_kind, total_is_last=True)
    ws.freeze_panes(first, 0)
    setup_print(ws, landscape=True, header_row=first - 1, title="Chỉ tiêu cấp ngành")


def _distribution_table(w: _Writer, ws, c, name: str, row: int, first_header: str, dists,
                        total_is_last=False, names: list[str] | None = None) -> tuple[int, int, int]:
    """Counts per rating, not rated, not reported, expected; then each rating's share of the
    rated units as formulas. Returns (header row, first data row, next free row)."""
    codes = [r.code for r in c.plan.ratings_best_first()]
    o = 2 if names else 1                                   # first count column
    headers = [first_header, *(["Tên cụm"] if names else []), *codes, NOT_RATED, NOT_REPORTED, "Phải báo cáo",
               "Đã xếp loại", *[f"Tỷ lệ {code}" for code in codes]]
    first = row + 1
    rows = []
    n_codes = len(codes)
    for i, d in enumerate(dists):
        r = first + i
        rated_cell = cell_address(r, o + n_codes + 3)
        rated = Formula(f"=SUM({cell_address(r, o)}:{cell_address(r, o + n_codes - 1)})", d.rated)
        shares = [Formula(f'=IF({rated_cell}=0,"",{cell_address(r, o + j)}/{rated_cell})',
                          d.counts[code] / d.rated if d.rated else None) for j, code in enumerate(codes)]
        rows.append([d.label, *([names[i]] if names else []), *[d.counts[code] for code in codes], d.not_rated,
                     d.not_reported, d.expected, rated, *shares])
    fmts = [w.bold if total_is_last else w.cell, *([w.wrap] if names else []), *[w.int] * (n_codes + 4),
            *[w.pct] * n_codes]
    end = w.table(ws, name, row, 0, headers, rows, fmts)
    return row, first, end


def _clusters_overview(wb, w: _Writer, c, used) -> None:
    ws = wb.add_worksheet(_sheet_name("Theo cụm", used))
    targets = [r.target for r in c.attainment[0].results] if c.attainment else []
    k = len(targets)
    w.columns(ws, [8, 36, *[11] * max(k + 3, 12)])
    row = w.text_lines(ws, 0, [("title", f"KẾT QUẢ THEO CỤM THI ĐUA — {c.period.name.upper()}")])
    w.note(ws, row, 0, 8, TIE_RULE)
    row += 2
    ws.write_string(row, 0, "XẾP LOẠI THEO CỤM", w.heading)
    row += 1
    names = [c.plan.cluster_by_code[d.label].name for d in c.by_cluster]
    header_row, first, row = _distribution_table(w, ws, c, "tblClusterRatings", row, "Cụm", c.by_cluster,
                                                 names=names)
    last = first + len(c.by_cluster) - 1
    n_codes = len(c.plan.ratings)
    chart = wb.add_chart({"type": "column", "subtype": "stacked"})
    for j in range(n_codes + 2):
        col = 2 + j
        chart.add_series({"name": [ws.name, header_row, col], "categories": [ws.name, first, 0, last, 0],
                          "values": [ws.name, first, col, last, col],
                          "fill": {"color": RATING_COLORS[j % len(RATING_COLORS)]}, "gap": 60})
    _chart_style(chart, "Xếp loại CĐCS theo cụm", "Cụm thi đua", "Số CĐCS")
    ws.insert_chart(row + 1, 0, chart, {"x_scale": 2.0, "y_scale": 1.3})
    row += 22
    ws.set_h_pagebreaks([row])                             # the second table and chart on a page of their own
    ws.write_string(row, 0, "ĐẠT CHỈ TIÊU CẤP NGÀNH THEO CỤM (mỗi chỉ tiêu tính trên các CĐCS của cụm)", w.heading)
    row += 1
    headers = ["Cụm", "Tên cụm", *[t.code for t in targets], "Số chỉ tiêu đạt", "Số chỉ tiêu đánh giá", "Tỷ lệ đạt"]
    first = row + 1
    rows = []
    for i, a in enumerate(c.attainment):
        r = first + i
        met, judged = cell_address(r, 2 + k), cell_address(r, 3 + k)
        rows.append([a.cluster, a.name, *[t.actual for t in a.results], a.met, a.applicable,
                     Formula(f'=IF({judged}=0,"",{met}/{judged})', a.rate)])
    fmts = [w.cell, w.wrap, *[w.pct if t.measure in SHARE_MEASURES else w.int for t in targets], w.int, w.int, w.pct]
    row = w.table(ws, "tblClusterTargets", row, 0, headers, rows, fmts)
    if c.attainment:
        chart2 = wb.add_chart({"type": "bar"})
        last = first + len(c.attainment) - 1
        rate_col = 4 + k                                   # "Tỷ lệ đạt"
        chart2.add_series({"name": "Tỷ lệ chỉ tiêu đạt", "categories": [ws.name, first, 0, last, 0],
                           "values": [ws.name, first, rate_col, last, rate_col], "fill": {"color": "#2E75B6"},
                           "data_labels": {"value": True, "num_format": "0%"}})
        _chart_style(chart2, "Tỷ lệ chỉ tiêu cấp ngành đạt, theo cụm", "Tỷ lệ đạt", "Cụm thi đua")
        chart2.set_x_axis({"name": "Tỷ lệ đạt", "num_format": "0%", "min": 0, "max": 1,
                           "name_font": {"name": FONT}, "num_font": {"name": FONT}})
        chart2.set_legend({"none": True})
        ws.insert_chart(row + 1, 0, chart2, {"x_scale": 2.0, "y_scale": 1.2})
    setup_print(ws, landscape=True, title="Kết quả theo cụm")


def _leaders(wb, w: _Writer, c, used) -> None:
    ws = wb.add_worksheet(_sheet_name("Dẫn đầu cụm", used))
    w.columns(ws, [8, 34, 34, 10, 10, 80])
    row = w.text_lines(ws, 0, [("title", f"ĐƠN VỊ ĐỀ XUẤT DẪN ĐẦU CỤM — {c.period.name.upper()}")])
    w.note(ws, row, 0, 5, TIE_RULE)
    row += 2
    names = {u.code: u.name for u in c.plan.units}
    rows = []
    for code in c.clusters:
        ld = c.leaders[code]
        top = ld.units[0] if ld.units else None
        rows.append([code, c.plan.cluster_by_code[code].name,
                     ", ".join(f"{r.unit} — {names.get(r.unit, r.unit)}" for r in ld.units) or "(chưa có)",
                     top.ev.total if top else None, (top.rating or "") if top else "", ld.text])
    w.table(ws, "tblLeaders", row, 0, ["Cụm", "Tên cụm", "Đơn vị đề xuất dẫn đầu", "Tổng điểm", "Xếp loại",
                                       "Căn cứ"], rows, [w.cell, w.wrap, w.wrap, w.num, w.bold, w.wrap])
    setup_print(ws, landscape=True, header_row=row, title="Dẫn đầu cụm")


def _chart_style(chart, title: str, x: str, y: str) -> None:
    chart.set_title({"name": title, "name_font": {"name": FONT, "size": 13}})
    chart.set_x_axis({"name": x, "name_font": {"name": FONT}, "num_font": {"name": FONT}})
    chart.set_y_axis({"name": y, "name_font": {"name": FONT}, "num_font": {"name": FONT},
                      "major_gridlines": {"visible": True}})
    chart.set_legend({"position": "bottom", "font": {"name": FONT}})


def _completeness(wb, w: _Writer, c, used) -> None:
    ws = wb.add_worksheet(_sheet_name("Tiến độ nộp", used))
    w.columns(ws, [8, 40, 34, 12, 12, 11, 12, 12, 12])
    row = w.text_lines(ws, 0, [("title", f"TIẾN ĐỘ NỘP BÁO CÁO — {c.period.name.upper()}"),
                               ("subtitle", f"Hạn nộp {c.period.deadline:%d/%m/%Y}. {c.scope.label}")])
    w.note(ws, row, 0, 8, LATENESS_RULE)
    row += 2
    headers = ["Cụm", "Tên cụm", "Phải báo cáo", "Đã nộp", "Đúng hạn", "Nộp muộn", "Chưa nộp", "Tỷ lệ báo cáo",
               "Tỷ lệ đúng hạn"]
    first = row + 1
    rows = []
    for i, k in enumerate(c.completeness):
        r = first + i
        exp, got, ok = cell_address(r, 2), cell_address(r, 3), cell_address(r, 4)
        rows.append([k.code, k.name, k.n_expected, k.n_received, k.n_on_time, len(k.late), len(k.missing),
                     Formula(f'=IF({exp}=0,"",{got}/{exp})', k.reporting_rate),
                     Formula(f'=IF({exp}=0,"",{ok}/{exp})', k.on_time_rate)])
    fmts = [w.cell, w.wrap, w.int, w.int, w.int, w.int, w.int, w.pct, w.pct]
    end = w.table(ws, "tblCompleteness", row, 0, headers, rows, fmts)
    last = first + len(rows) - 1
    tr = end                                                   # totals, right under the table
    ws.write_string(tr, 0, "Tổng", w.bold)
    ws.write_string(tr, 1, c.scope.label, w.bold)
    totals = [c.n_expected, c.n_received, c.n_on_time, c.n_received - c.n_on_time, c.n_expected - c.n_received]
    for j, v in enumerate(totals, start=2):
        w.value(ws, tr, j, Formula(f"=SUM({cell_address(first, j)}:{cell_address(last, j)})", v), w.bold_int)
    exp, got, ok = cell_address(tr, 2), cell_address(tr, 3), cell_address(tr, 4)
    w.value(ws, tr, 7, Formula(f'=IF({exp}=0,"",{got}/{exp})', c.reporting_rate), w.bold_pct)
    w.value(ws, tr, 8, Formula(f'=IF({exp}=0,"",{ok}/{exp})', c.on_time_rate), w.bold_pct)
    row = tr + 2
    names = {u.code: u for u in c.plan.units}
    ws.write_string(row, 0, "CĐCS CHƯA NỘP BÁO CÁO", w.heading)
    row += 1
    unused: dict[str, list[str]] = {}        # a unit's files that came but could not count as its report
    for e in c.entries:                       # (the file names are on the files sheet)
        if e.unit and e.status not in (INCLUDED, DUPLICATE) and e.status_label not in unused.get(e.unit, []):
            unused.setdefault(e.unit, []).append(e.status_label)
    missing = [[u.cluster, u.code, u.name, KIND_LABELS.get(u.kind, u.kind), u.email or "",
                ("Có tệp gửi về: " + "; ".join(x.lower() for x in unused[u.code])) if u.code in unused else ""]
               for k in c.completeness for u in k.missing]
    if missing:
        row = w.table(ws, "tblMissing", row, 0, ["Cụm", "Mã đơn vị", "Tên đơn vị", "Loại hình", "Email", "Ghi chú"],
                      missing, [w.cell, w.cell, w.wrap, w.cell, w.cell, w.wrap])
    else:
        ws.write_string(row, 0, "Mọi CĐCS phải báo cáo đều đã nộp.", w.line)
        row += 1
    row += 1
    ws.write_string(row, 0, "CĐCS NỘP MUỘN", w.heading)
    row += 1
    late = [[r.ev.cluster, r.unit, names[r.unit].name, r.timing_date, c.period.deadline, days_late(r, c.period),
             r.timing_basis, r.record.file] for k in c.completeness for r in k.late]
    if late:
        w.table(ws, "tblLate", row, 0, ["Cụm", "Mã đơn vị", "Tên đơn vị", "Ngày nộp", "Hạn nộp", "Số ngày muộn",
                                        "Căn cứ", "Tệp"], late,
                [w.cell, w.cell, w.wrap, w.date, w.date, w.int, w.cell, w.cell])
    else:
        ws.write_string(row, 0, "Không có CĐCS nộp muộn.", w.line)
    setup_print(ws, landscape=True, title="Tiến độ nộp báo cáo")


def _cluster_sheet(wb, w: _Writer, c, code: str, used) -> None:
    plan = c.plan
    cl = plan.cluster_by_code[code]
    ws = wb.add_worksheet(_sheet_name(f"Cụm {code}", used), StreamSheet)
    expected = [u for u in c.expected if u.cluster == code]
    kinds = [k for k in KIND_LABELS if any(u.kind == k for u in expected)]
    fields = [f for f in plan.fields if any(applies(f.applies_to, k) for k in kinds)]
    n_groups = max((len(plan.groups_for(k)) for k in kinds), default=0)
    w.columns(ws, [6, 10, 30, 12, 13, 11, 8, *[8] * n_groups, 8, 10, 40, 36, 7, 9, 30, 30, *[14] * len(fields)])
    last_print = 13 + n_groups                                     # through "Ghi chú"
    row = w.text_lines(ws, 0, [("title", f"XẾP HẠNG {cl.name.upper()} — {c.period.name.upper()}")])
    w.note(ws, row, 0, last_print, c.leaders[code].text, w.line)
    w.note(ws, row + 1, 0, last_print, TIE_RULE)
    row += 3
    labels = _unique([f.label for f in fields])
    headers = ["Hạng", "Mã đơn vị", "Tên đơn vị", "Loại hình", "Tình trạng", "Ngày báo cáo", "Tổng điểm",
               *[f"Nhóm {i + 1}" for i in range(n_groups)], "Tự chấm", "Xếp loại", "Lý do xếp loại",
               "Căn cứ thứ hạng", "Số lỗi", "Số cảnh báo", "Ghi chú", "Tệp nguồn", *labels]
    results = [c.results[u.code] for u in expected if u.code in c.results]
    ranked = c.ranked.get(code, [])
    order = ranked + [r for r in results if r.rank is None]
    applicable = {k: {f.code for f in plan.fields_for(k)} for k in kinds}
    rows = []
    for r in order:
        unit = plan.unit_by_code[r.unit]
        groups = [g[1] for g in r.ev.groups] + [None] * (n_groups - len(r.ev.groups))
        status = "Đã nộp, đúng hạn" if r.on_time else "Nộp muộn"
        notes = [FLAG_TEXT.get(f, f) for f in r.record.flags]
        if r.rating != r.ev.rating:
            notes.append(f"điều chỉnh theo tỷ lệ tối đa: {r.ev.rating} → {r.rating}")
        if r.record.via:
            notes.append(f"qua bảng tổng hợp {r.record.via}")
        rows.append([r.rank, r.unit, unit.name, unit.kind_label, status, r.ev.report_date, r.ev.total, *groups,
                     r.ev.self_total, r.rating or "Chưa xếp loại", r.rating_reason, r.rank_note,
                     r.record.errors, r.record.warnings, "; ".join(notes), r.record.file,
                     *[r.ev.values.get(f.code) if f.code in applicable[unit.kind] else None for f in fields]])
    for u in expected:
        if u.code not in c.results:
            rows.append([None, u.code, u.name, u.kind_label, "Chưa nộp", None, None, *[None] * n_groups, None,
                         "", "", "", None, None, "", "", *[None] * len(fields)])
    value_fmts = [w.pct if (f.unit_label == "%" or f.type == "percent") else
                  w.date if f.type == "date" else w.int if f.type == "integer" else
                  w.cell if f.type in ("yes_no", "text") else w.num for f in fields]
    fmts = [w.int, w.cell, w.wrap, w.cell, w.cell, w.date, w.num, *[w.num] * n_groups, w.num, w.bold, w.wrap,
            w.wrap, w.int, w.int, w.wrap, w.cell, *value_fmts]
    rows = [[_yes_no(v) for v in row] for row in rows]
    first = row + 1
    w.table(ws, f"tblCum_{_safe_name(code)}", row, 0, headers, rows, fmts, stream=True)
    ws.freeze_panes(first, 3)
    setup_print(ws, landscape=True, header_row=first - 1, title=f"Xếp hạng cụm {code}")
    ws.print_area(0, 0, first + max(len(rows), 1) - 1, last_print)


def _yes_no(v):
    return ("Có" if v else "Không") if isinstance(v, bool) else v


def _unique(labels: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for x in labels:
        key = x.casefold()
        seen[key] = seen.get(key, 0) + 1
        out.append(x if seen[key] == 1 else f"{x} ({seen[key]})")
    return out


def _caps(wb, w: _Writer, c, used) -> None:
    ws = wb.add_worksheet(_sheet_name("Điều chỉnh xếp loại", used))
    w.columns(ws, [12, 8, 12, 12, 10, 10, 10, 90])
    row = w.text_lines(ws, 0, [("title", "ĐIỀU CHỈNH XẾP LOẠI THEO TỶ LỆ TỐI ĐA")])
    w.note(ws, row, 0, 7, CAP_RULE)
    row += 2
    caps = [r for r in c.plan.ratings_best_first() if r.cap is not None]
    if not caps:
        ws.write_string(row, 0, "Kế hoạch không đặt tỷ lệ tối đa cho xếp loại nào: không điều chỉnh.", w.line)
    elif not c.cap_moves:
        ws.write_string(row, 0, "Không có xếp loại nào vượt tỷ lệ tối đa: không điều chỉnh.", w.line)
    else:
        rows = [[m.unit, m.cluster, m.from_rating, m.to_rating, m.position, m.allowed, m.holders, m.reason]
                for m in c.cap_moves]
        w.table(ws, "tblCapMoves", row, 0, ["Mã đơn vị", "Cụm", "Xếp loại theo điểm", "Xếp loại sau điều chỉnh",
                                            "Thứ tự trong xếp loại", "Số được giữ", "Số đủ điểm", "Lý do"], rows,
                [w.cell, w.cell, w.cell, w.bold, w.int, w.int, w.int, w.wrap])
    setup_print(ws, landscape=True, title="Điều chỉnh xếp loại")


def _inventory(wb, w: _Writer, c, used) -> None:
    ws = wb.add_worksheet(_sheet_name("Tệp đã nhận", used), StreamSheet)
    from .report import files_line
    w.columns(ws, [40, 24, 18, 10, 19, 14, 10, 8, 9, 22, 20, 12, 14, 70, 30, 24])
    row = w.text_lines(ws, 0, [("title", "DANH SÁCH TỆP ĐÃ NHẬN")])
    w.note(ws, row, 0, 13, files_line(c), w.line)
    w.note(ws, row + 1, 0, 13, DUPLICATE_RULE)
    row += 3
    headers = [h for h, _ in INVENTORY_COLUMNS]

    def rows():
        for e in c.entries:
            values = []
            for _, attr in INVENTORY_COLUMNS:
                v = getattr(e, attr)
                if attr == "kind":
                    v = FILE_KINDS.get(v, v)
                elif attr == "mtime" and v:
                    v = f"{v[8:10]}/{v[5:7]}/{v[0:4]} {v[11:19]}"
                values.append(v)
            yield values

    fmts = [w.wrap, w.wrap, w.cell, w.int, w.cell, w.cell, w.cell, w.cell, w.cell, w.cell, w.bold, w.cell, w.cell,
            w.wrap, w.wrap, w.wrap]
    first = row + 1
    w.table(ws, K.INVENTORY_TABLE, row, 0, headers, rows(), fmts, stream=True)
    ws.freeze_panes(first, 1)
    setup_print(ws, landscape=True, header_row=first - 1, title="Tệp đã nhận")


def _inputs(wb, w: _Writer, c, used) -> None:
    ws = wb.add_worksheet(_sheet_name("Dữ liệu gốc", used), StreamSheet)
    ws.write_string(0, 0, "SỐ LIỆU GỐC CỦA TỪNG ĐƠN VỊ (máy đọc được)", w.st.title)
    ws.write_string(1, 0, "Nội dung các ô đơn vị đã nhập, đúng như đọc từ biểu mẫu; tổng hợp cấp trên đọc bảng "
                          f"'{K.INPUTS_TABLE}' này để tính lại mọi số liệu. Không sửa bảng này.", w.st.subtitle)
    raw = K.raw_columns(c.plan)
    raw_headers = [h for h, _ in raw]
    label_row, row = 3, 4
    for j, (_, label) in enumerate(raw, start=len(K.FIXED_HEADERS)):
        ws.write_string(label_row, j, label, w.note_fmt)
    units = c.plan.unit_by_code
    clusters = {code: i for i, code in enumerate(c.clusters)}
    records = sorted(c.records, key=lambda r: (clusters.get(units[r.unit].cluster, 99) if r.unit in units else 99,
                                               r.unit, r.status != "included", r.file, r.via))

    def rows():
        for rec in records:
            u = units.get(rec.unit)
            display = {"Tên đơn vị": u.name if u else "", "Mã cụm": u.cluster if u else "",
                       "Loại hình": u.kind_label if u else ""}
            yield K.record_row(rec, display, raw_headers)

    headers = [*K.FIXED_HEADERS, *raw_headers]
    fmts = [None] * len(headers)
    fmts[K.FIXED_HEADERS.index("Cỡ tệp (byte)")] = w.int
    w.columns(ws, [10, 30, 8, 13, 8, 10, 36, 18, 10, 19, 8, 20, 8, 18, 16, 8, 8, 20, *[12] * len(raw_headers)])
    w.table(ws, K.INPUTS_TABLE, row, 0, headers, rows(), fmts, stream=True)
    ws.freeze_panes(row + 1, 1)
    setup_print(ws, landscape=True, header_row=row, title="Số liệu gốc")


def _meta(wb, w: _Writer, c, used) -> None:
    ws = wb.add_worksheet(_sheet_name("_thidua", used))
    p = c.plan
    meta = {"format": K.FORMAT, "format_version": K.FORMAT_VERSION, "plan_id": p.info.plan_id,
            "plan_version": str(p.info.version), "plan_fingerprint": p.fingerprint, "period_code": c.period.code,
            "scope": "industry" if c.scope.industry else "cluster", "clusters": " ".join(c.clusters),
            "tool_version": __version__, "created_at": c.created_at.strftime("%Y-%m-%d %H:%M:%S"),
            "units": str(len(c.results)),
            "findings": "thidua check" if c.scope.check else "đọc biểu mẫu"}
    w.columns(ws, [20, 40])
    w.table(ws, K.META_TABLE, 0, 0, [K.KEY, K.VALUE], [[k, v] for k, v in meta.items()], [w.cell, w.cell])
    ws.hide()


__all__ = ["write_consolidation", "STATUS_LABELS"]
