"""The comparison sheets of a consolidation workbook (compare.Comparison, when the consolidation
carries one as `comparison`):

- So sánh theo thời gian: the workbooks compared and how each was read (tblCompareSources); the
  whole scope and each cluster, figure by figure (tblCompareGroups); each unit (tblCompareUnits):
  value then, value now, change (a formula) and direction (a formula; ↑/↓/=);
- Xu hướng theo thời gian: the panel by period and year (tblTrend, tblTrendTargets,
  tblTrendClusters) and native charts (reporting and on-time rates, ratings, key targets,
  reporting rate by cluster), each chart on a page of its own;
- Tổng kết giai đoạn: per year, initiatives and award proposals (tblPhaseYears), and awards by
  form, target and level over the years (tblPhaseAwards).
"""
from __future__ import annotations

import dataclasses

from ..write.sheets import Book
from ..write.tables import Col, TableSpec
from . import compare as CM

PRINT_BUDGET = 205            # printed width (character units) that still prints at a readable scale


def write_comparison_sheets(b: Book, c) -> None:
    comp = getattr(c, "comparison", None)
    if comp is None:
        return
    _comparison_sheet(b, c, comp)
    _trend_sheet(b, c, comp)
    _phase_sheet(b, c, comp)


def _change(now: str, then: str) -> str:
    return f'=IF(OR({{{now}}}="",{{{then}}}=""),"",{{{now}}}-{{{then}}})'


def _arrow(change: str) -> str:
    return f'=IF({{{change}}}="","",IF({{{change}}}>0,"{CM.UP}",IF({{{change}}}<0,"{CM.DOWN}","{CM.SAME}")))'


def _printed_blocks(base: float, per_block: float, n: int) -> int:
    """How many per-snapshot blocks print beside the fixed columns within the budget (at least one)."""
    k = int((PRINT_BUDGET - base) // per_block) if per_block else n
    return max(1, min(n, k))


def _unprint(cols: list[Col], start: int) -> list[Col]:
    return [c if j < start else dataclasses.replace(c, printed=False) for j, c in enumerate(cols)]


# --- So sánh theo thời gian --------------------------------------------------------------------------
UNIT_BASE = (9, 26, 6, 9, 10)
UNIT_BLOCK = (9, 9, 7, 10, 7)
GROUP_BASE = (9, 26, 6, 9)
GROUP_BLOCK = (10, 9, 7)


def units_spec(comp) -> TableSpec:
    cols = [Col("Mã đơn vị", "code", 9, "code"), Col("Tên đơn vị", "name", 26, "wrap"),
            Col("Cụm", "cluster", 6, "code"),
            Col("Điểm nay", "total", 9, "num"), Col("Xếp loại nay", "rating_text", 10, "wrap")]
    for k, s in enumerate(comp.earlier):
        then, change, arrow = f"Điểm {s.short}", f"Thay đổi điểm so với {s.short}", f"Xu hướng điểm so với {s.short}"
        cols += [Col(then, (lambda r, k=k: r.total_then(k)), 9, "num"),
                 Col(change, (lambda r, k=k: r.change(k)), 9, "num", formula=_change("Điểm nay", then)),
                 Col(arrow, (lambda r, k=k: r.direction(k)), 7, "text", formula=_arrow(change)),
                 Col(f"Xếp loại {s.short}", (lambda r, k=k: r.rating_then(k)), 10, "wrap"),
                 Col(f"Xu hướng xếp loại so với {s.short}", (lambda r, k=k: r.rating_direction(k)), 7, "text")]
    shown = _printed_blocks(sum(UNIT_BASE), sum(UNIT_BLOCK), len(comp.earlier))
    return TableSpec("tblCompareUnits", tuple(_unprint(cols, len(UNIT_BASE) + len(UNIT_BLOCK) * shown)))


def groups_spec(comp) -> TableSpec:
    cols = [Col("Phạm vi", "scope", 9, "code"), Col("Chỉ số", "label", 26, "wrap"),
            Col("Đơn vị tính", "unit_label", 6, "wrap"), Col("Nay", "now", 9, "num", kind_of=lambda r: r.kind)]
    for k, s in enumerate(comp.earlier):
        change, arrow = f"Thay đổi so với {s.short}", f"Xu hướng so với {s.short}"
        cols += [Col(s.short, (lambda r, k=k: r.then[k]), 10, "num", kind_of=lambda r: r.kind),
                 Col(change, (lambda r, k=k: r.change(k)), 9, "num", formula=_change("Nay", s.short),
                     kind_of=lambda r: r.kind),
                 Col(arrow, (lambda r, k=k: r.direction(k)), 7, "text", formula=_arrow(change))]
    shown = _printed_blocks(sum(UNIT_BASE), sum(UNIT_BLOCK), len(comp.earlier))
    return TableSpec("tblCompareGroups", tuple(_unprint(cols, len(GROUP_BASE) + len(GROUP_BLOCK) * shown)))


def sources_spec() -> TableSpec:
    return TableSpec("tblCompareSources", (
        Col("Kỳ", "short", 9, "wrap"),
        Col("Tệp và cách đọc", "text", 26, "wrap"),
        Col("Năm", "year", 6, "code"),
        Col("Vai trò", "role", 9, "wrap"),
        Col("Cách đọc", "how", 10, "wrap"),
    ))


def source_rows(comp) -> list[dict]:
    """The consolidation being written, each workbook compared (how it was read), each file not used (why)."""
    from pathlib import Path
    rows = []
    for s in [comp.now, *comp.earlier]:
        created = f", lập lúc {s.created_at:%d/%m/%Y %H:%M}" if s.created_at else ""
        where = "bảng tổng hợp đang lập" if s.how == CM.CURRENT else f"tệp {Path(s.source).name}"
        rows.append({"short": s.short, "year": str(s.year or ""), "role": s.role, "how": CM.HOW_LABELS[s.how],
                     "text": f"{s.label} ({s.scope_text}) — {where}{created}. "
                             + (s.note or CM.HOW_LABELS[s.how] + ".")})
    for u in comp.unusable:
        rows.append({"short": "", "year": "", "role": "", "how": CM.NOT_USED, "text": f"{u.name}: {u.reason}"})
    return rows


def _comparison_sheet(b: Book, c, comp) -> None:
    ws = b.sheet("So sánh theo thời gian")
    sources, groups, units = sources_spec(), groups_spec(comp), units_spec(comp)
    width, n = b.prepare(ws, sources, groups, units)
    whole = "toàn ngành" if comp.now.industry else comp.now.scope_text
    notes = [("title", f"SO SÁNH THEO THỜI GIAN — {comp.now.label.upper()}"),
             ("note", "Mỗi chỉ số đặt cạnh số của các bảng tổng hợp trước (đợt trước, năm trước): giá trị khi "
                      "đó, giá trị nay, thay đổi (nay trừ khi đó; tỷ lệ thay đổi tính bằng điểm phần trăm) và xu "
                      "hướng: ↑ tăng, ↓ giảm, = không đổi (mũi tên chỉ số tăng hay giảm, không phải tốt hay xấu; "
                      f"riêng xếp loại, ↑ là lên xếp loại cao hơn). Phạm vi '{comp.scope_label}' là {whole}; C01… là mã cụm. "
                      + CM.READING_RULE)]
    row = b.lines(ws, 0, notes, width, n) + 1
    row = b.text(ws, row, "heading", "CÁC BẢNG TỔNG HỢP ĐEM SO SÁNH", width, n)
    placed = b.table(ws, sources, row, source_rows(comp))
    heading = "TOÀN NGÀNH VÀ CÁC CỤM" if comp.now.industry else "PHẠM VI VÀ CÁC CỤM"
    row = b.text(ws, placed.next_row + 1, "heading", heading, width, n)
    if comp.earlier:
        placed = b.table(ws, groups, row, comp.group_rows())
        row = b.text(ws, placed.next_row + 1, "heading", "TỪNG CĐCS", width, n)
        placed = b.table(ws, units, row, comp.unit_rows())
        header = placed.header_row
    else:
        b.text(ws, row, "text", "Không có bảng tổng hợp nào dùng được để so sánh (xem lý do ở bảng trên).", width, n)
        header = None
    b.page(ws, title="So sánh theo thời gian", header_row=header, n_printed=n)


# --- Xu hướng theo thời gian ---------------------------------------------------------------------------
@dataclasses.dataclass
class TrendRow:
    snapshot: object                 # compare.Snapshot
    group: object                    # its compare.GroupFig for the current scope (None: another scope)


def trend_spec(comp) -> TableSpec:
    def g(attr):
        return lambda r: getattr(r.group, attr) if r.group is not None else None

    codes = [r.code for r in comp.plan.ratings_best_first()]
    cols = [Col("Kỳ", lambda r: r.snapshot.short, 12, "wrap"),
            Col("Năm", lambda r: str(r.snapshot.year or ""), 6, "code"),
            Col("Kết quả", lambda r: r.snapshot.result_text, 10, "wrap"),
            Col("Cách đọc", lambda r: CM.HOW_LABELS[r.snapshot.how], 11, "wrap"),
            Col("Phải báo cáo", g("expected"), 8, "int"),
            Col("Đã nộp", g("received"), 8, "int"),
            Col("Đúng hạn", g("on_time"), 8, "int"),
            Col("Tỷ lệ báo cáo", g("reporting_rate"), 9, "pct",
                formula='=IF(OR({Phải báo cáo}="",{Phải báo cáo}=0),"",{Đã nộp}/{Phải báo cáo})'),
            Col("Tỷ lệ đúng hạn", g("on_time_rate"), 9, "pct",
                formula='=IF(OR({Phải báo cáo}="",{Phải báo cáo}=0),"",{Đúng hạn}/{Phải báo cáo})')]
    cols += [Col(code, (lambda r, k=code: r.group.ratings.get(k) if r.group is not None else None), 8, "int")
             for code in codes]
    cols += [Col(CM.NOT_RATED_TEXT, g("not_rated"), 8, "int"),
             Col(CM.NOT_REPORTED_TEXT, lambda r: (r.group.expected - r.group.received)
                 if r.group is not None and r.group.expected is not None and r.group.received is not None else None,
                 8, "int")]
    return TableSpec("tblTrend", tuple(cols))


def trend_targets_spec(comp) -> TableSpec:
    cols = [Col("Kỳ", lambda r: r.snapshot.short, 12, "wrap")]
    used = ["Kỳ"]
    for t in comp.key_targets():
        header = t.short_name
        i = 2
        while header in used:
            header, i = f"{t.short_name} ({i})", i + 1
        used.append(header)
        cols.append(Col(header, (lambda r, code=t.code: r.group.targets.get(code) if r.group is not None else None),
                        9, "pct"))
    return TableSpec("tblTrendTargets", tuple(cols))


def trend_clusters_spec(comp) -> TableSpec:
    cols = [Col("Cụm", lambda k: k, 12, "code")]
    for s in comp.snapshots:
        cols.append(Col(s.short, (lambda k, s=s: (comp.group_of(s, k).reporting_rate
                                                 if comp.group_of(s, k) is not None else None)), 9, "pct"))
    shown = _printed_blocks(12, 9, len(comp.snapshots))
    return TableSpec("tblTrendClusters", tuple(_unprint(cols, 1 + shown)))


CHART_ROWS = 22


def _trend_sheet(b: Book, c, comp) -> None:
    from .workbook import RATING_COLORS, _chart_style
    ws = b.sheet("Xu hướng theo thời gian")
    key = comp.group_keys[0]
    rows = [TrendRow(s, comp.group_of(s, key)) for s in comp.snapshots]
    trend, targets, clusters = trend_spec(comp), trend_targets_spec(comp), trend_clusters_spec(comp)
    many = len(comp.now.clusters) > 1
    specs = [trend, targets] + ([clusters] if many else [])
    width, n = b.prepare(ws, *specs)
    scope = "toàn ngành" if key == CM.WHOLE and comp.now.industry else \
        (comp.now.scope_text if key == CM.WHOLE else f"cụm {key}")
    row = b.lines(ws, 0, [
        ("title", f"XU HƯỚNG THEO ĐỢT VÀ THEO NĂM — {scope.upper()}"),
        ("note", "Mỗi dòng một bảng tổng hợp, từ cũ đến mới; dòng cuối là bảng đang lập. Kết quả 'dự kiến': đợt chưa "
                 "phải cuối năm. Bảng của phạm vi khác (ví dụ bảng một cụm khi đang tổng hợp toàn ngành) để trống số "
                 "liệu. Biểu đồ ở các trang sau.")], width, n) + 1
    placed = b.table(ws, trend, row, rows)
    trend_at = placed
    row = b.text(ws, placed.next_row + 1, "heading", "CHỈ TIÊU CHÍNH (TỶ LỆ CĐCS ĐẠT) THEO KỲ", width, n)
    targets_at = b.table(ws, targets, row, rows) if len(targets.columns) > 1 else None
    if targets_at is None:
        row = b.text(ws, row, "text", "Kế hoạch không có chỉ tiêu tỷ lệ hằng năm.", width, n)
    else:
        row = targets_at.next_row
    clusters_at = None
    if many:
        row = b.text(ws, row + 1, "heading", "TỶ LỆ BÁO CÁO THEO CỤM VÀ THEO KỲ", width, n)
        clusters_at = b.table(ws, clusters, row, list(comp.now.clusters))
        row = clusters_at.next_row
    charts = []
    first, last = trend_at.first, trend_at.last
    cats = [ws.name, first, 0, last, 0]
    ch = b.wb.add_chart({"type": "line"})
    for header, color in (("Tỷ lệ báo cáo", "#2E75B6"), ("Tỷ lệ đúng hạn", "#C00000")):
        col = trend_at.col(header)
        ch.add_series({"name": [ws.name, trend_at.header_row, col], "categories": cats,
                       "values": [ws.name, first, col, last, col], "line": {"color": color, "width": 2.25},
                       "marker": {"type": "circle", "size": 7, "fill": {"color": color}, "border": {"color": color}},
                       "data_labels": {"value": True, "num_format": "0%"}})
    _chart_style(ch, "Tỷ lệ báo cáo và tỷ lệ nộp đúng hạn theo kỳ", "Kỳ", "Tỷ lệ")
    ch.set_y_axis({"name": "Tỷ lệ", "num_format": "0%", "min": 0, "max": 1, "name_font": {"name": "Times New Roman"},
                   "num_font": {"name": "Times New Roman"}, "major_gridlines": {"visible": True}})
    charts.append(ch)
    ch = b.wb.add_chart({"type": "column", "subtype": "stacked"})
    codes = [r.code for r in comp.plan.ratings_best_first()]
    for j, header in enumerate([*codes, CM.NOT_RATED_TEXT, CM.NOT_REPORTED_TEXT]):
        col = trend_at.col(header)
        ch.add_series({"name": [ws.name, trend_at.header_row, col], "categories": cats,
                       "values": [ws.name, first, col, last, col],
                       "fill": {"color": RATING_COLORS[j % len(RATING_COLORS)]}, "gap": 60})
    _chart_style(ch, "Xếp loại CĐCS theo kỳ", "Kỳ", "Số CĐCS")
    charts.append(ch)
    if targets_at is not None:
        ch = b.wb.add_chart({"type": "line"})
        tcats = [ws.name, targets_at.first, 0, targets_at.last, 0]
        for j, col_spec in enumerate(targets.columns[1:], start=1):
            col = targets_at.first_col + j
            color = RATING_COLORS[(j - 1) % len(RATING_COLORS)]
            ch.add_series({"name": [ws.name, targets_at.header_row, col], "categories": tcats,
                           "values": [ws.name, targets_at.first, col, targets_at.last, col],
                           "line": {"color": color, "width": 1.75},
                           "marker": {"type": "circle", "size": 5, "fill": {"color": color},
                                      "border": {"color": color}}})
        _chart_style(ch, "Chỉ tiêu chính theo kỳ (tỷ lệ CĐCS đạt)", "Kỳ", "Tỷ lệ CĐCS đạt")
        ch.set_y_axis({"name": "Tỷ lệ CĐCS đạt", "num_format": "0%", "min": 0, "max": 1,
                       "name_font": {"name": "Times New Roman"}, "num_font": {"name": "Times New Roman"},
                       "major_gridlines": {"visible": True}})
        charts.append(ch)
    if clusters_at is not None:
        ch = b.wb.add_chart({"type": "column"})
        ccats = [ws.name, clusters_at.first, 0, clusters_at.last, 0]
        for j, s in enumerate(comp.snapshots, start=1):
            col = clusters_at.first_col + j
            ch.add_series({"name": [ws.name, clusters_at.header_row, col], "categories": ccats,
                           "values": [ws.name, clusters_at.first, col, clusters_at.last, col],
                           "fill": {"color": RATING_COLORS[(j - 1) % len(RATING_COLORS)]}, "gap": 80})
        _chart_style(ch, "Tỷ lệ báo cáo theo cụm và theo kỳ", "Cụm thi đua", "Tỷ lệ báo cáo")
        ch.set_y_axis({"name": "Tỷ lệ báo cáo", "num_format": "0%", "min": 0, "max": 1,
                       "name_font": {"name": "Times New Roman"}, "num_font": {"name": "Times New Roman"},
                       "major_gridlines": {"visible": True}})
        charts.append(ch)
    breaks = []
    at = row + 1
    pixels = sum(w * 7 + 5 for j, w in b.widths[ws.name].items() if j < n)     # XlsxWriter's column widths
    scale = min(2.0, 0.97 * pixels / 480)           # as wide as the printed columns, at most twice the default
    for ch in charts:                               # each chart on a page of its own, never cut
        breaks.append(at)
        ws.insert_chart(at, 0, ch, {"x_scale": scale, "y_scale": 1.3})
        at += CHART_ROWS
    ws.set_h_pagebreaks(breaks)
    b.page(ws, title="Xu hướng theo thời gian", header_row=None, n_printed=n, last_row=at)


# --- Tổng kết giai đoạn ---------------------------------------------------------------------------
def years_spec() -> TableSpec:
    return TableSpec("tblPhaseYears", (
        Col("Năm", lambda y: str(y.year), 7, "code"),
        Col("Kỳ được tính", "used_text", 14, "wrap"),
        Col("Kết quả", "result_text", 12, "wrap"),
        Col("Phải báo cáo", "expected", 9, "int"),
        Col("Đã nộp", "received", 9, "int"),
        Col("Sáng kiến", "initiatives", 10, "int", total="=SUM({Sáng kiến[]})"),
        Col("Cách tính sáng kiến", "rule_text", 20, "wrap"),
        Col("Đề nghị khen thưởng tập thể", "collective", 11, "int", total="=SUM({Đề nghị khen thưởng tập thể[]})"),
        Col("Đề nghị khen thưởng cá nhân", "individual", 11, "int", total="=SUM({Đề nghị khen thưởng cá nhân[]})"),
    ), total_label="Cộng")


def awards_spec(years) -> TableSpec:
    cols = [Col("Hình thức khen thưởng", lambda f: f[0], 30, "wrap"),
            Col("Đối tượng", lambda f: f[1], 9, "text"),
            Col("Cấp khen", lambda f: f[2], 9, "text")]
    heads = []
    for y in years:
        h = f"Năm {y.year}"
        heads.append(h)
        cols.append(Col(h, (lambda f, y=y: sum(a.proposed for a in y.awards if (a.name, a.target_of, a.level) == f)),
                        8, "int", total=f"=SUM({{{h}[]}})"))
    cols.append(Col("Cả giai đoạn", (lambda f: sum(a.proposed for y in years for a in y.awards
                                                   if (a.name, a.target_of, a.level) == f)), 9, "bold_int",
                    formula="=" + "+".join(f"{{{h}}}" for h in heads) if heads else None,
                    total="=SUM({Cả giai đoạn[]})"))
    return TableSpec("tblPhaseAwards", tuple(cols), total_label="Cộng")


def _phase_sheet(b: Book, c, comp) -> None:
    ws = b.sheet("Tổng kết giai đoạn")
    years = comp.phase_years()
    ys, aw = years_spec(), awards_spec(years)
    width, n = b.prepare(ws, ys, aw)
    span = f"{years[0].year}–{years[-1].year}" if len(years) > 1 else (str(years[0].year) if years else "")
    row = b.lines(ws, 0, [
        ("title", f"SỐ LIỆU TỔNG KẾT GIAI ĐOẠN {span}".strip()),
        ("text", CM.phase_text(years) or "Chưa có số liệu."),
        ("note", "Mỗi năm tính theo kết quả cả năm (bảng tổng hợp cả năm, hoặc đợt cuối năm); năm chưa có thì lấy đợt "
                 "sau cùng và ghi 'dự kiến'. Sáng kiến theo cách kế hoạch cộng các đợt của trường số sáng kiến (lũy kế "
                 "từ đầu năm: lấy kỳ sau cùng; theo từng đợt: cộng các đợt). Khen thưởng là số đề nghị. Đợt cao điểm "
                 "không tính vào đây (khen thưởng theo đợt riêng). Chỉ tính các bảng tổng hợp đem so sánh.")],
        width, n) + 1
    totals = {"Sáng kiến": sum(y.initiatives for y in years if y.initiatives is not None),
              "Đề nghị khen thưởng tập thể": sum(y.collective for y in years),
              "Đề nghị khen thưởng cá nhân": sum(y.individual for y in years)}
    placed = b.table(ws, ys, row, years, totals=totals)
    row = b.text(ws, placed.next_row + 1, "heading", "KHEN THƯỞNG THEO HÌNH THỨC VÀ CẤP KHEN (SỐ ĐỀ NGHỊ)", width, n)
    forms = CM.award_forms(years)
    if forms:
        sums = {f"Năm {y.year}": sum(a.proposed for a in y.awards) for y in years}
        sums["Cả giai đoạn"] = sum(sums.values())
        b.table(ws, aw, row, forms, totals=sums)
    else:
        b.text(ws, row, "text", "Chưa có đề nghị khen thưởng nào trong các bảng tổng hợp đem so sánh.", width, n)
    b.page(ws, title=f"Tổng kết giai đoạn {span}".strip())


__all__ = ["write_comparison_sheets", "units_spec", "groups_spec", "sources_spec", "trend_spec", "years_spec",
           "awards_spec"]
