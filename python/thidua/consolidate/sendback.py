"""Sending back: a short notice to e-mail to each unit that has something to fix, and the list
of units to remind (not reported, late, sent back, findings) for a mail merge.

The notice ("THÔNG BÁO KẾT QUẢ KIỂM TRA", one workbook per unit, one sheet printed on A4 portrait
at full size) says who it is for, what to fix and by when (tblNoticeItems: the reviewer's reason,
every finding of the check at its sheet and cell), the points per criterion (tblNoticeScores:
self-score, from the data, the upper level's score and which level gave it, the points that
count), the total and the rating with its reasons (and the share-cap move, if any). A unit
reached only through a cluster's workbook has no findings carried: the notice gives the counts
and where to see each cell (the Kiểm tra button).

"By when": the deadline the reviewer entered when sending the unit back; otherwise the number of
days the plan gives (tblPlanInfo "so_ngay_bo_sung") after the notice's date; otherwise the
notice says the upper level will set it. The reminder list is a sheet of the consolidation
workbook (tblReminders) and a CSV in UTF-8 with a byte-order mark (Excel then reads the
Vietnamese letters) with the same columns.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..catalogue import Severity, severity_legend
from ..values import format_number_vi
from ..write.sheets import Book
from ..write.tables import KINDS, Col, TableSpec
from ..write.xlsx import (A4_LONG_MM, MARGINS_IN, atomic_workbook, print_scale, row_height, save_atomic,
                           text_lines)
from .completeness import days_late
from .records import DUPLICATE, INCLUDED, OUT_OF_SCOPE
from .review import LEVEL_LABELS, NEEDS_MORE, STATE_LABELS
from .review_sheets import protect

# --- what a reminder is about (the "Lý do nhắc" column) --------------------------------------------
MISSING = "Chưa nộp báo cáo"
LATE = "Nộp muộn"
SENT_BACK = STATE_LABELS[NEEDS_MORE]                      # "Cần bổ sung"
ERRORS = "Biểu mẫu còn lỗi"
WARNINGS = "Biểu mẫu có cảnh báo"
NO_DEADLINE = "trong thời hạn cấp trên thông báo"

REMINDER_TABLE = "tblReminders"
REMINDER_SHEET = "Danh sách nhắc"
# the CSV's columns, by name (a mail merge refers to them so): the sheet's table has the same
CSV_COLUMNS = ("Mã đơn vị", "Tên đơn vị", "Cụm", "Email", "Lý do nhắc", "Nội dung", "Hạn", "Tệp thông báo")

# One column grid for the notice's stacked tables (a sheet's tables share its columns): the wide
# second column holds the criterion and the text of each thing to fix. 82 characters in all: A4
# portrait at full size.
GRID = (8, 38, 6, 6, 6, 6, 6, 6)


def _day(d: date | None) -> str:
    return f"{d:%d/%m/%Y}" if d else ""


def _pts(x) -> str:
    return format_number_vi(x, 2)


def _sentence(text) -> str:
    """Text as a sentence: ends with one full stop (a reason typed with its own is not doubled)."""
    text = " ".join(str(text or "").split())
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def notice_date(c) -> date:
    return c.created_at.date()


def notice_filename(unit: str, period: str) -> str:
    return re.sub(r"[^\w.-]", "_", f"thong_bao_{unit}_{period}", flags=re.ASCII) + ".xlsx"


def reminders_filename(period: str) -> str:
    return re.sub(r"[^\w.-]", "_", f"danh_sach_nhac_{period}", flags=re.ASCII) + ".csv"


# --- who gets a notice ------------------------------------------------------------------------------
def _counts(r) -> tuple[int, int]:
    """(errors, warnings): the check's findings when the consolidation ran it, else the counts."""
    if r.record.findings:
        sev = [str(f[0]) for f in r.record.findings]
        return sev.count(Severity.ERROR.value), sev.count(Severity.WARNING.value)
    return r.record.errors, r.record.warnings


def sent_back(r) -> bool:
    return r.state == NEEDS_MORE


def needs_notice(c) -> list[str]:
    """Units (plan order) with an error or warning in their form, or sent back ("Cần bổ sung")."""
    return [u.code for u in c.plan.units if u.code in c.results
            and (sent_back(c.results[u.code]) or any(_counts(c.results[u.code])))]


def deadline(c, unit: str) -> tuple[date | None, str]:
    """(date to resubmit by, where it comes from): the reviewer's deadline, else the plan's number
    of days after the notice, else (None, NO_DEADLINE)."""
    rv = c.review.deciding(unit)
    r = c.results.get(unit)
    if rv.deadline is not None:
        who = LEVEL_LABELS.get(r.state_level, "cấp trên").lower() if r is not None else "cấp trên"
        return rv.deadline, f"hạn do {who} đặt"
    days = c.plan.info.resubmit_days
    if days:
        return notice_date(c) + timedelta(days=days), f"{days} ngày kể từ ngày thông báo, theo kế hoạch"
    return None, NO_DEADLINE


def _by_text(c, unit: str) -> str:
    day, basis = deadline(c, unit)
    return f"chậm nhất ngày {_day(day)} ({basis})" if day else NO_DEADLINE


def _sender(c) -> list[tuple[str, str]]:
    """Who sends the notice: the plan's issuer, and the cluster(s) of a cluster's consolidation."""
    lines = [("heading", c.plan.info.issuer)]
    if not c.scope.industry:
        lines.append(("subtitle", "; ".join(c.plan.cluster_by_code[k].name for k in c.clusters)))
    return lines


# --- the notice ---------------------------------------------------------------------------------------
@dataclass
class Item:
    """One line of "what to fix": the reviewer's request or a finding of the check."""
    level: str
    text: str
    sheet: str = ""
    cell: str = ""


def todo_spec() -> TableSpec:
    return TableSpec("tblNoticeItems", (
        Col("Mức độ", "level", GRID[0], "bold_wrap"),
        Col("Nội dung cần sửa, bổ sung", "text", GRID[1], "wrap"),
        Col("Trang", "sheet", GRID[2], "wrap"),
        Col("Ô", "cell", GRID[3], "code"),
    ))


def scores_spec() -> TableSpec:
    return TableSpec("tblNoticeScores", (
        Col("Mã tiêu chí", "code", GRID[0], "code"),
        Col("Tiêu chí", "label", GRID[1], "wrap"),
        Col("Điểm chuẩn", "points", GRID[2], "num", total="=SUM({Điểm chuẩn[]})"),
        Col("Tự chấm", "own", GRID[3], "num", total="=SUM({Tự chấm[]})"),
        Col("Theo số liệu", "data", GRID[4], "num"),
        Col("Cấp trên chấm", "upper", GRID[5], "num"),
        Col("Cấp chấm", "level", GRID[6], "wrap"),
        Col("Điểm được tính", "final", GRID[7], "bold_num", total="=SUM({Điểm được tính[]})"),
    ), total_label="Tổng")


def items(c, unit: str) -> list[Item]:
    """What the unit has to do: the reviewer's request first, then the check's findings, most
    serious first (information last: nothing to fix, said so by its level)."""
    r = c.results[unit]
    out = []
    if sent_back(r):
        rv = c.review.deciding(unit)
        who = LEVEL_LABELS.get(r.state_level, "Cấp trên")
        by = ", ".join(x for x in (rv.who, _day(rv.when)) if x)
        out.append(Item("Yêu cầu bổ sung", f"{who} trả lại, yêu cầu bổ sung"
                        + (f" ({by})" if by else "") + f": {_sentence(rv.reason or '(không ghi lý do)')}"))
    order = {s.value: s.rank for s in Severity}
    for sev, sheet, cell, message in sorted(r.record.findings, key=lambda f: order.get(str(f[0]), 9)):
        try:
            label = Severity(str(sev)).label
        except ValueError:
            label = str(sev)
        out.append(Item(label, str(message), str(sheet or ""), str(cell or "")))
    errors, warnings = _counts(r)
    if (errors or warnings) and not r.record.findings:
        where = (f"kết quả kiểm tra của bảng tổng hợp '{r.record.via}'" if r.record.via else
                 "kết quả kiểm tra khi tổng hợp")
        out.append(Item(Severity.ERROR.label if errors else Severity.WARNING.label,
                        f"Biểu mẫu còn {errors} lỗi và {warnings} cảnh báo (theo {where}). Chi tiết từng ô: mở biểu "
                        "mẫu đã nộp và bấm nút Kiểm tra trên thẻ Thi đua (ô cần sửa được tô màu và có ghi chú), "
                        "hoặc hỏi cấp trên danh sách kết quả kiểm tra."))
    return out


def score_rows(c, unit: str) -> list[dict]:
    r = c.results[unit]
    crits = {x.code: x for x in c.plan.criteria}
    upper = c.review.upper_scores(unit)
    rows = []
    for code, data, own, up, final in r.ev.criteria:
        crit = crits.get(code)
        rows.append({"code": code, "label": crit.label if crit else code, "points": crit.points if crit else None,
                     "own": own, "data": data, "upper": up,
                     "level": LEVEL_LABELS[upper[code][0]] if up is not None and code in upper else None,
                     "final": final})
    return rows


def _rating_text(c, code: str | None) -> str:
    if not code:
        return "Chưa xếp loại"
    rating = next((x for x in c.plan.ratings if x.code == code), None)
    return f"{rating.name} ({code})" if rating else code


def result_lines(c, unit: str) -> list[tuple[str, str]]:
    r = c.results[unit]
    ev = r.ev
    own = f" (đơn vị tự chấm {_pts(ev.self_total)} điểm)" if ev.self_total is not None else ""
    out = [("text", f"Tổng điểm: {_pts(ev.total)}/{_pts(ev.max_total)} điểm{own}."),
           ("heading", f"Xếp loại: {_rating_text(c, r.rating)}."),
           ("text", f"Lý do xếp loại: {_sentence(ev.reason)}")]
    if r.rating != ev.rating:
        out.append(("text", f"Điều chỉnh theo tỷ lệ tối đa, từ {_rating_text(c, ev.rating)} xuống "
                            f"{_rating_text(c, r.rating)}: {_sentence(r.rating_reason)}"))
    for o in c.overrides:
        if o.unit == unit:
            note = f"; ghi chú: {o.note}" if o.note else ""
            out.append(("text", _sentence(f"{o.level_label} chấm tiêu chí {o.criterion} ({o.criterion_label}): "
                                          f"{_pts(o.upper)} điểm, trước đó {_pts(o.before)} điểm{note}")))
    if sent_back(r):
        out.append(("note", "Đơn vị đang được yêu cầu bổ sung: kết quả chưa được xếp hạng trong cụm và chưa được đề "
                            "nghị khen thưởng cho đến khi đơn vị bổ sung và được thẩm định."))
    return out


def identity_lines(c, unit: str) -> list[tuple[str, str]]:
    u = c.plan.unit_by_code[unit]
    r = c.results[unit]
    cl = c.plan.cluster_by_code.get(u.cluster)
    p = c.period
    addressee = u.name if u.name.casefold().startswith(("công đoàn", "cđcs")) else f"Công đoàn cơ sở {u.name}"
    if r.timing_date:
        timing = f"ngày {_day(r.timing_date)}, " + ("đúng hạn" if r.on_time else
                                                    f"muộn {days_late(r, p)} ngày so với hạn nộp")
    else:
        timing = "không xác định được ngày nộp"
    via = f" (qua bảng tổng hợp '{r.record.via}')" if r.record.via else ""
    rv = c.review.deciding(unit)
    state = STATE_LABELS.get(r.state, r.state)
    if r.state_level:
        state += " — " + ", ".join(x for x in (LEVEL_LABELS.get(r.state_level, ""), rv.who, _day(rv.when)) if x)
    return [("heading", f"Kính gửi: {addressee} (mã đơn vị {u.code})"),
            ("text", f"Cụm thi đua: {cl.name if cl else u.cluster} ({u.cluster}); loại hình: {u.kind_label.lower()}."),
            ("text", f"Đợt thi đua: {p.name}, từ {_day(p.start)} đến {_day(p.end)}; hạn nộp {_day(p.deadline)}."),
            ("text", f"Biểu mẫu đã nhận: {r.record.file}{via}; nộp {timing}."),
            ("text", f"Tình trạng xét duyệt: {state}.")]


def write_notice(c, unit: str, path: str | Path) -> Path:
    """One unit's notice, written atomically."""
    with atomic_workbook(path) as wb:
        b = Book(wb)
        _notice_sheet(b, c, unit)
        wb.set_properties({"title": f"Thông báo kết quả kiểm tra — {unit} — {c.period.name}",
                           "author": c.plan.info.issuer, "created": c.created_at})
    return Path(path)


# The page's printable height (A4 portrait less the margins), for keeping the score table on one
# page; rows nobody sized are this high (the workbook's 12 pt default).
PAGE_HEIGHT_PT = A4_LONG_MM / 25.4 * 72 - (MARGINS_IN["top"] + MARGINS_IN["bottom"]) * 72
DEFAULT_ROW_PT = 15.0


class _Flow:
    """Rows written down one sheet, with the height they take on paper."""

    def __init__(self, b: Book, ws, width: float, n: int):
        self.b, self.ws, self.width, self.n = b, ws, width, n
        self.row, self.y = 0, 0.0

    def skip(self, rows: int = 1) -> None:
        self.row += rows
        self.y += rows * DEFAULT_ROW_PT

    def lines(self, items: list[tuple[str, str]]) -> None:
        for kind, text in items:
            self.row = self.b.text(self.ws, self.row, kind, text, self.width, self.n)
            self.y += row_height(text_lines(text, self.width, kind in ("title", "heading"), self.b.size[kind]),
                                 self.b.size[kind])

    def table_height(self, spec: TableSpec, records: list) -> float:
        r = self.b.r
        widths = [c.width for c in spec.columns]
        head = max(r.lines(c.header, widths[j], bold=True) for j, c in enumerate(spec.columns))
        y = r.row_height(head)
        for rec in records or [None]:
            n = 1
            for j, col in enumerate(spec.columns):
                v = col.get(rec) if rec is not None else None
                if KINDS[col.kind][2] and isinstance(v, str):
                    n = max(n, r.lines(v, widths[j]))
            y += r.row_height(n) if n > 1 else DEFAULT_ROW_PT
        return y + (DEFAULT_ROW_PT if spec.total_label else 0)

    def table(self, spec: TableSpec, records: list, totals=None):
        placed = self.b.table(self.ws, spec, self.row, records, totals=totals)
        for i, rec in enumerate(records):          # empty cells keep the table's borders
            for j, col in enumerate(spec.columns):
                if col.get(rec) in (None, ""):
                    self.ws.write_blank(placed.first + i, j, None, self.b.r.fmt(col.kind))
        if placed.totals_row is not None:
            for j, col in enumerate(spec.columns):
                if j and not col.total and (totals or {}).get(col.header) is None:
                    self.ws.write_blank(placed.totals_row, j, None, self.b.r.fmt("bold"))
        self.y += self.table_height(spec, records)
        self.row = placed.next_row
        return placed

    def keep_together(self, height: float, scale: float) -> None:
        """Start a new page here when what follows (`height` pt) would be cut by the page's end
        but fits on a page of its own."""
        page = PAGE_HEIGHT_PT / scale
        if height <= page and (self.y % page) + height > page:
            self.ws.set_h_pagebreaks([self.row])
            self.y += page - self.y % page


def _notice_sheet(b: Book, c, unit: str) -> None:
    r = c.results[unit]
    ws = b.sheet("Thông báo")
    todo, scores = todo_spec(), scores_spec()
    width, n = b.prepare(ws, todo, scores)
    f = _Flow(b, ws, width, n)
    f.lines([*_sender(c),
             ("title", "THÔNG BÁO KẾT QUẢ KIỂM TRA"),
             ("subtitle", f"Báo cáo thi đua {c.period.name} — {c.plan.info.title} (kế hoạch "
                          f"{c.plan.info.plan_id}). Ngày thông báo: {_day(notice_date(c))}.")])
    f.skip()
    f.lines(identity_lines(c, unit))

    errors, warnings = _counts(r)
    what = []
    if sent_back(r):
        what.append(f"{LEVEL_LABELS.get(r.state_level, 'Cấp trên')} yêu cầu bổ sung")
    if errors or warnings:
        what.append(f"biểu mẫu còn {errors} lỗi và {warnings} cảnh báo")
    summary = "; ".join(what)
    f.skip()
    f.lines([("heading", "I. NỘI DUNG CẦN SỬA, BỔ SUNG VÀ THỜI HẠN"),
             ("text", (summary[:1].upper() + summary[1:] + ".") if what else "Biểu mẫu không có lỗi, cảnh báo."),
             ("heading", f"Hạn gửi lại: {_by_text(c, unit)}."),
             ("text", "Đơn vị sửa, bổ sung trên chính biểu mẫu đã nộp (không dùng biểu mẫu khác), bấm nút Kiểm tra "
                      "trên thẻ Thi đua để xem lại, lưu tệp rồi gửi lại cho cấp trên."),
             ("note", f"Mức độ: {severity_legend()}")])
    f.table(todo, items(c, unit))

    srows = score_rows(c, unit)
    totals = {"Điểm chuẩn": round(sum(x["points"] or 0 for x in srows), 2),
              "Tự chấm": round(sum(x["own"] or 0 for x in srows), 2),
              "Điểm được tính": round(sum(x["final"] or 0 for x in srows), 2)}
    head = [("heading", "II. ĐIỂM THEO TIÊU CHÍ"),
            ("note", "Điểm được tính: điểm ngành chấm nếu có, nếu không là điểm cụm chấm, nếu không là điểm theo số "
                     "liệu (tiêu chí chấm theo số liệu) hoặc điểm tự chấm.")]
    f.skip()
    height = sum(row_height(text_lines(t, width, k == "heading", b.size[k]), b.size[k]) for k, t in head)
    f.keep_together(height + f.table_height(scores, srows), min(1.0, print_scale(GRID, False)))
    f.lines(head)
    f.table(scores, srows, totals)

    f.skip()
    f.lines([("heading", "III. TỔNG ĐIỂM VÀ XẾP LOẠI"), *result_lines(c, unit)])
    f.skip()
    f.lines([("note", f"Thông báo lập ngày {_day(notice_date(c))} từ bảng tổng hợp "
                      f"{'toàn ngành' if c.scope.industry else 'cụm ' + ', '.join(c.clusters)}; thắc mắc xin liên hệ "
                      "cấp trên đã gửi thông báo này.")])
    protect(ws)
    b.page(ws, title=f"Thông báo kết quả kiểm tra — {unit}")


def write_notices(c, folder: str | Path) -> list[Path]:
    """One notice per unit of needs_notice(c), in `folder` (created if needed)."""
    folder = Path(folder)
    return [write_notice(c, unit, folder / notice_filename(unit, c.period.code)) for unit in needs_notice(c)]


# --- the reminder list ------------------------------------------------------------------------------
@dataclass
class Reminder:
    unit: str
    name: str
    cluster: str
    email: str
    reasons: str
    content: str
    deadline: date | None
    notice: str = ""                 # the notice's file name, when the unit gets one

    def csv_row(self) -> list[str]:
        return [_csv_text(v) for v in (self.unit, self.name, self.cluster, self.email, self.reasons, self.content,
                                       _day(self.deadline), self.notice)]


def _csv_text(text: str) -> str:
    """A value Excel opening the CSV takes as text, never as a formula (OWASP: CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _unused_files(c) -> dict[str, list[str]]:
    """A unit's files that came but could not count as its report (their statuses)."""
    out: dict[str, list[str]] = {}
    for e in c.entries:
        if e.unit and e.status not in (INCLUDED, DUPLICATE, OUT_OF_SCOPE) and \
                e.status_label not in out.get(e.unit, []):
            out.setdefault(e.unit, []).append(e.status_label)
    return out


def reminders(c) -> list[Reminder]:
    """Units to remind, in the order of the clusters then of the plan's unit list: not reported,
    late, sent back, with errors or warnings in their form; one row per unit, its reasons joined."""
    missing = {u.code for k in c.completeness for u in k.missing}
    late = {r.unit for k in c.completeness for r in k.late}
    noticed = set(needs_notice(c))
    unused = _unused_files(c)
    p = c.period
    today = notice_date(c)
    out = []
    clusters = {code: i for i, code in enumerate(c.clusters)}
    units = sorted((u for u in c.plan.units if u.code in missing | late | noticed),
                   key=lambda u: clusters.get(u.cluster, len(clusters)))
    for u in units:
        reasons, parts, due, notice = [], [], None, ""
        if u.code in missing:
            reasons.append(MISSING)
            if today <= p.deadline:
                due, by = p.deadline, f"chậm nhất ngày {_day(p.deadline)} (hạn nộp của đợt)"
            else:
                due, basis = deadline(c, u.code)
                by = f"chậm nhất ngày {_day(due)} ({basis})" if due else NO_DEADLINE
            parts.append(f"Đơn vị chưa nộp báo cáo {p.name} (hạn nộp {_day(p.deadline)}). Đề nghị gửi biểu mẫu đã "
                         f"điền {by}.")
            if u.code in unused:
                parts.append("Tệp đơn vị đã gửi không dùng được (" + "; ".join(x.lower() for x in unused[u.code])
                             + "): hãy điền và gửi lại đúng biểu mẫu được phát.")
        r = c.results.get(u.code)
        if u.code in late and r is not None:
            reasons.append(LATE)
            parts.append(f"Báo cáo nộp ngày {_day(r.timing_date)}, muộn {days_late(r, p)} ngày so với hạn nộp "
                         f"{_day(p.deadline)} (căn cứ: {r.timing_basis}).")
        if u.code in noticed and r is not None:
            errors, warnings = _counts(r)
            if sent_back(r):
                reasons.append(SENT_BACK)
                rv = c.review.deciding(u.code)
                parts.append(f"{LEVEL_LABELS.get(r.state_level, 'Cấp trên')} trả lại, yêu cầu bổ sung: "
                             + _sentence(rv.reason or "(không ghi lý do)"))
            if errors:
                reasons.append(ERRORS)
            elif warnings:
                reasons.append(WARNINGS)
            if errors or warnings:
                parts.append(f"Biểu mẫu còn {errors} lỗi và {warnings} cảnh báo cần xem lại.")
            due, basis = deadline(c, u.code)
            notice = notice_filename(u.code, p.code)
            parts.append(f"Chi tiết trong tệp thông báo kèm theo ({notice}); gửi lại biểu mẫu đã sửa "
                         + (f"chậm nhất ngày {_day(due)} ({basis})." if due else NO_DEADLINE + "."))
        out.append(Reminder(u.code, u.name, u.cluster, u.email or "", "; ".join(reasons), " ".join(parts), due, notice))
    return out


def reminders_spec() -> TableSpec:
    return TableSpec(REMINDER_TABLE, (
        Col(CSV_COLUMNS[0], "unit", 9, "code"),
        Col(CSV_COLUMNS[1], "name", 22, "wrap"),
        Col(CSV_COLUMNS[2], "cluster", 6, "code"),
        Col(CSV_COLUMNS[3], "email", 22, "wrap"),
        Col(CSV_COLUMNS[4], "reasons", 13, "wrap"),
        Col(CSV_COLUMNS[5], "content", 46, "wrap"),
        Col(CSV_COLUMNS[6], "deadline", 11, "date"),
        Col(CSV_COLUMNS[7], "notice", 30, "text", printed=False),
    ))


def write_reminder_sheet(b: Book, c) -> None:
    """The sheet "Danh sách nhắc" of the consolidation workbook (protected; a mail merge may use
    its table tblReminders as is)."""
    rows = reminders(c)
    ws = b.sheet(REMINDER_SHEET)
    spec = reminders_spec()
    width, n = b.prepare(ws, spec)
    no_mail = [x.unit for x in rows if not x.email]
    notes = [("title", f"DANH SÁCH NHẮC ĐƠN VỊ — {c.period.name.upper()}"),
             ("note", "Các đơn vị chưa nộp báo cáo, nộp muộn, bị trả lại để bổ sung, hoặc biểu mẫu còn lỗi, cảnh "
                      "báo; email lấy từ kế hoạch (trang Đơn vị). Dùng bảng này (hoặc tệp CSV cùng nội dung khi tổng "
                      "hợp với tùy chọn gửi trả) để trộn thư; tệp thông báo kèm theo ở cột 'Tệp thông báo'. Hạn: "
                      + (f"hạn cấp trên ghi khi trả lại, nếu không thì {c.plan.info.resubmit_days} ngày sau ngày lập "
                         "danh sách (theo kế hoạch)." if c.plan.info.resubmit_days else
                         "hạn cấp trên ghi khi trả lại; kế hoạch không quy định số ngày bổ sung."))]
    if no_mail:
        notes.append(("text", f"{len(no_mail)} đơn vị chưa có email trong kế hoạch ({', '.join(no_mail[:12])}"
                              + ("…" if len(no_mail) > 12 else "") + "): cần báo bằng cách khác."))
    if not rows:
        notes.append(("text", "Không có đơn vị nào cần nhắc."))
    row = b.lines(ws, 0, notes, width, n) + 1
    placed = b.table(ws, spec, row, rows)
    ws.freeze_panes(placed.first, 1)
    protect(ws)
    b.page(ws, title="Danh sách nhắc", header_row=placed.header_row, n_printed=n, last_row=placed.last)


def write_reminders_csv(c, path: str | Path) -> Path:
    """The reminder list as CSV (comma-separated, UTF-8 with BOM, CRLF), written atomically."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    w.writerow(CSV_COLUMNS)
    for x in reminders(c):
        w.writerow(x.csv_row())
    return save_atomic(buf.getvalue().encode("utf-8-sig"), path)


def write_send_back(c, folder: str | Path) -> tuple[list[Path], Path]:
    """Notices for needs_notice(c) and the reminder CSV (danh_sach_nhac_<period>.csv) in `folder`."""
    folder = Path(folder)
    notices = write_notices(c, folder)
    return notices, write_reminders_csv(c, folder / reminders_filename(c.period.code))


__all__ = ["needs_notice", "write_notices", "write_notice", "reminders", "write_reminders_csv",
           "write_reminder_sheet", "write_send_back", "deadline", "CSV_COLUMNS", "REMINDER_TABLE"]
