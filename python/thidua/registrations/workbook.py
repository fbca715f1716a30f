"""Write the consolidated registrations ("Tổng hợp đăng ký thi đua năm <year>") as one workbook of
declared tables (write.tables), in the house style of the consolidation workbooks: A4, Times New
Roman, totals as native formulas with Python's values cached, text from units written as text.

Sheets: Tóm tắt · Theo cụm (tblRegClusters: per cluster and the industry, units registered on
time / late / not, and how many registered each title) · Đơn vị (tblRegUnits) · Danh hiệu tập thể
(tblRegCollective) · Cá nhân đăng ký (tblRegMembers) · Giao ước (tblRegPledges) · Tệp đã nhận
(tblInventory: every input file with its status and reason) · _thidua (tblRegistrationMeta,
hidden). load.py reads the lists back (period forms pre-filled, consolidations compared).
"""
from __future__ import annotations

from pathlib import Path

from .. import __version__
from ..consolidate.records import STATUS_LABELS as FILE_STATUS
from ..plan.schema import AWARD_LEVELS, label_of
from ..plan.semantics import describe_target
from ..values import format_number_vi, format_percent_vi
from ..write.sheets import Book
from ..write.stream import StreamSheet
from ..write.tables import Col, TableSpec
from .collect import DATE_RULE, year_titles
from .record import day

FORMAT, FORMAT_VERSION = "thidua-dang-ky", "1"
META_TABLE = "tblRegistrationMeta"
CLUSTERS_TABLE, UNITS_TABLE, COLLECTIVE_TABLE, MEMBERS_TABLE, PLEDGES_TABLE = (
    "tblRegClusters", "tblRegUnits", "tblRegCollective", "tblRegMembers", "tblRegPledges")
KEY, VALUE = "Khóa", "Giá trị"
# headers load.py reads back
UNIT, STATUS_CODE, DATE, BASIS, FILE, TITLE_CODE, ROW, NAME, DEPT, TARGET, PLEDGE, ON_TIME = (
    "Mã đơn vị", "Mã tình trạng", "Ngày đăng ký", "Căn cứ ngày", "Tệp", "Mã danh hiệu", "STT", "Họ và tên",
    "Khoa/phòng", "Mã chỉ tiêu", "Cam kết của đơn vị", "Đúng hạn")
USES = ("Dùng danh sách này: phát biểu mẫu đợt điền sẵn đăng ký của từng đơn vị (thidua forms --registrations) và "
        "đối chiếu khi tổng hợp đợt (thidua consolidate --registrations): danh hiệu thêm hoặc bỏ sau hạn được ghi "
        "là thay đổi; điều kiện 'Đăng ký từ đầu năm' của kế hoạch xét theo danh sách này.")


def write_registrations(res, path: str | Path) -> Path:
    from ..consolidate.workbook import write_book
    return write_book(path, _write, res)


def _write(wb, res) -> None:
    from ..consolidate.review_sheets import protect
    b = Book(wb)
    _summary(b, res)
    _clusters(b, res)
    _units(b, res)
    _collective(b, res)
    _members(b, res)
    _pledges(b, res)
    _inventory(b, res)
    _meta(b, res)
    for ws in wb.worksheets():
        protect(ws)
    wb.set_properties({"title": f"Tổng hợp đăng ký thi đua năm {res.plan.info.year}",
                       "author": res.plan.info.issuer, "comments": f"thidua {__version__}", "created": res.created_at})


def scope_title(res) -> str:
    return "TOÀN NGÀNH" if res.scope.industry else "CỤM " + ", ".join(res.clusters)


def summary_lines(res) -> list[tuple[str, str]]:
    """The summary: on the sheet and, as plain lines, in the terminal."""
    t = res.total()
    n = lambda x: format_number_vi(x, 0)  # noqa: E731
    titles = year_titles(res.plan)
    collective = "; ".join(f"{x.name} {n(t.titles.get(x.code, 0))} đơn vị" for x in titles if x.target_of == "collective")
    individual = "; ".join(f"{x.name} {n(t.titles.get(x.code, 0))} người" for x in titles if x.target_of == "individual")
    files = [e for e in res.entries]
    counts: dict[str, int] = {}
    for e in files:
        counts[e.status] = counts.get(e.status, 0) + 1
    parts = [f"{n(counts[s])} {label.lower()}" for s, label in FILE_STATUS.items() if counts.get(s)]
    rate = format_percent_vi(t.rate, 1) if t.rate is not None else "—"
    return [
        ("title", f"TỔNG HỢP ĐĂNG KÝ THI ĐUA NĂM {res.plan.info.year} — {scope_title(res)}"),
        ("subtitle", f"{res.plan.info.title} ({res.plan.info.plan_id}). Hạn nộp bản đăng ký: {day(res.deadline)}."),
        ("text", f"Phải đăng ký {n(t.expected)} CĐCS; đã đăng ký {n(t.registered)}: đúng hạn {n(t.on_time)} (tỷ lệ "
                 f"{rate}), muộn {n(t.late)}; chưa đăng ký {n(t.missing)}."),
        ("text", f"Danh hiệu tập thể đăng ký: {collective or 'không có'}."),
        ("text", f"Cá nhân đăng ký: {individual or 'không có'}."),
        ("text", f"Đã xem {n(len(files))} tệp: " + ("; ".join(parts) or "không có tệp") + " (trang Tệp đã nhận)."),
        ("text", "Xác thực: " + ("theo sổ phát hành (bản đăng ký phải mang mã xác thực cấp ngành đã phát cho đơn vị)."
                                 if res.register is not None else
                                 "chưa xác minh (không có sổ phát hành cạnh tệp kế hoạch hay tùy chọn --register).")),
        ("note", DATE_RULE),
        ("note", USES),
    ]


def _summary(b: Book, res) -> None:
    ws = b.sheet("Tóm tắt")
    b.columns(ws, [84])
    b.lines(ws, 0, summary_lines(res), 84)
    b.page(ws, title="Tổng hợp đăng ký thi đua")


def clusters_spec(res) -> TableSpec:
    cols = [Col("Cụm", "code", 7, "code"), Col("Tên cụm", "name", 24, "wrap"),
            Col("Phải đăng ký", "expected", 8, "int", total="=SUM({Phải đăng ký[]})"),
            Col("Đúng hạn", "on_time", 8, "int", total="=SUM({Đúng hạn[]})"),
            Col("Muộn", "late", 7, "int", total="=SUM({Muộn[]})"),
            Col("Chưa đăng ký", "missing", 8, "int", total="=SUM({Chưa đăng ký[]})"),
            Col("Tỷ lệ đúng hạn", "rate", 8, "pct", formula='=IF({Phải đăng ký}=0,"",{Đúng hạn}/{Phải đăng ký})',
                total='=IF({Phải đăng ký}=0,"",{Đúng hạn}/{Phải đăng ký})')]
    for t in year_titles(res.plan):
        header = f"{t.name} ({'đơn vị' if t.target_of == 'collective' else 'người'})"
        cols.append(Col(header, (lambda k, code=t.code: k.titles.get(code, 0)), 11, "int",
                        total=f"=SUM({{{header}[]}})"))
    return TableSpec(CLUSTERS_TABLE, tuple(cols), total_label="Tổng")


def _clusters(b: Book, res) -> None:
    ws = b.sheet("Theo cụm")
    spec = clusters_spec(res)
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", f"ĐĂNG KÝ THI ĐUA THEO CỤM — NĂM {res.plan.info.year}"),
                          ("note", "Mỗi cụm: số CĐCS phải đăng ký, đã đăng ký đúng hạn, muộn, chưa đăng ký; số đơn vị "
                                   "đăng ký mỗi danh hiệu tập thể và số người đăng ký mỗi danh hiệu cá nhân (đăng ký đúng "
                                   "hạn và muộn). Dòng Tổng là "
                                   + ("toàn ngành." if res.scope.industry else "các cụm trong bảng này."))],
                  width, n) + 1
    t = res.total()
    totals = {"Phải đăng ký": t.expected, "Đúng hạn": t.on_time, "Muộn": t.late, "Chưa đăng ký": t.missing,
              "Tỷ lệ đúng hạn": t.rate}
    for col, x in zip(spec.columns[7:], year_titles(res.plan)):
        totals[col.header] = t.titles.get(x.code, 0)
    placed = b.table(ws, spec, row, res.counts(), totals=totals)
    ws.freeze_panes(placed.first, 2)
    b.page(ws, title="Đăng ký theo cụm", header_row=placed.header_row)


def units_spec(res) -> TableSpec:
    return TableSpec(UNITS_TABLE, (
        Col("Cụm", lambda u: u.unit.cluster, 7, "code"),
        Col(UNIT, lambda u: u.unit.code, 9, "code"),
        Col("Tên đơn vị", lambda u: u.unit.name, 28, "wrap"),
        Col("Tình trạng", "status_label", 13, "bold_wrap"),
        Col(DATE, "registered_on", 11, "date"),
        Col("Danh hiệu tập thể", lambda u: len(u.collective), 9, "int"),
        Col("Cá nhân đăng ký", lambda u: len(u.members), 9, "int"),
        Col("Ghi chú", "note", 34, "wrap"),
        Col(BASIS, "basis", 24, "text", printed=False),
        Col(FILE, "file", 30, "text", printed=False),
        Col("Email", lambda u: u.unit.email or "", 24, "text", printed=False),
        Col(STATUS_CODE, "status", 10, "code", printed=False),
    ))


def _units(b: Book, res) -> None:
    ws = b.sheet("Đơn vị", StreamSheet)
    spec = units_spec(res)
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", f"TÌNH TRẠNG ĐĂNG KÝ CỦA TỪNG CĐCS — HẠN {day(res.deadline)}"),
                          ("note", DATE_RULE)], width, n) + 1
    order = {c: i for i, c in enumerate(res.clusters)}
    units = sorted(res.units.values(), key=lambda u: (order.get(u.unit.cluster, 99), u.unit.code))
    placed = b.table(ws, spec, row, units, stream=True)
    ws.freeze_panes(placed.first, 3)
    b.page(ws, title="Tình trạng đăng ký", header_row=placed.header_row, n_printed=n, last_row=placed.last)


def _rows(res, attr: str):
    order = {c: i for i, c in enumerate(res.clusters)}
    for u in sorted(res.units.values(), key=lambda u: (order.get(u.unit.cluster, 99), u.unit.code)):
        for item in getattr(u, attr):
            yield u, item


def _collective(b: Book, res) -> None:
    plan = res.plan
    ws = b.sheet("Danh hiệu tập thể", StreamSheet)

    def title(code):
        return plan.title_by_code.get(code)

    spec = TableSpec(COLLECTIVE_TABLE, (
        Col("Cụm", lambda x: x[0].unit.cluster, 7, "code"),
        Col(UNIT, lambda x: x[0].unit.code, 9, "code"),
        Col("Tên đơn vị", lambda x: x[0].unit.name, 30, "wrap"),
        Col("Danh hiệu", lambda x: title(x[1][0]).name if title(x[1][0]) else x[1][0], 30, "wrap"),
        Col("Cấp khen", lambda x: label_of(AWARD_LEVELS, title(x[1][0]).level) if title(x[1][0]) else "", 9, "text"),
        Col(DATE, lambda x: x[1][1], 11, "date"),
        Col(ON_TIME, lambda x: x[1][2], 8, "bold"),
        Col(TITLE_CODE, lambda x: x[1][0], 10, "code", printed=False),
    ))
    _listed(b, ws, spec, [("title", f"DANH SÁCH ĐĂNG KÝ DANH HIỆU TẬP THỂ NĂM {plan.info.year} — {scope_title(res)}"),
                          ("note", f"Mỗi dòng một danh hiệu một đơn vị đăng ký; đúng hạn: đăng ký không sau "
                                   f"{day(res.deadline)}.")], _rows(res, "collective"), "Đăng ký danh hiệu tập thể")


def _listed(b: Book, ws, spec: TableSpec, notes, rows, title: str) -> None:
    """A streamed list under its title lines, the first three columns frozen, printed by A4 pages."""
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, notes, width, n) + 1
    placed = b.table(ws, spec, row, rows, stream=True)
    ws.freeze_panes(placed.first, 3)
    b.page(ws, title=title, header_row=placed.header_row, n_printed=n, last_row=placed.last)


def _members(b: Book, res) -> None:
    plan = res.plan
    ws = b.sheet("Cá nhân đăng ký", StreamSheet)
    names = {t.code: t.name for t in plan.titles}
    spec = TableSpec(MEMBERS_TABLE, (
        Col("Cụm", lambda x: x[0].unit.cluster, 7, "code"),
        Col(UNIT, lambda x: x[0].unit.code, 9, "code"),
        Col("Tên đơn vị", lambda x: x[0].unit.name, 24, "wrap"),
        Col(ROW, lambda x: x[1][0], 5, "int"),
        Col(NAME, lambda x: x[1][1], 22, "wrap"),
        Col(DEPT, lambda x: x[1][2], 16, "wrap"),
        Col("Danh hiệu đăng ký", lambda x: names.get(x[1][3], x[1][3]), 22, "wrap"),
        Col(DATE, lambda x: x[1][4], 11, "date"),
        Col(ON_TIME, lambda x: x[1][5], 8, "bold"),
        Col(TITLE_CODE, lambda x: x[1][3], 10, "code", printed=False),
    ))
    _listed(b, ws, spec, [("title", f"DANH SÁCH CÁ NHÂN ĐĂNG KÝ DANH HIỆU THI ĐUA NĂM {plan.info.year} — "
                                    f"{scope_title(res)}"),
                          ("note", "Theo thứ tự danh sách của từng đơn vị (thứ tự ưu tiên khi danh hiệu có tỷ lệ tối "
                                   f"đa); đúng hạn: đăng ký không sau {day(res.deadline)}.")],
            _rows(res, "members"), "Cá nhân đăng ký")


def _pledges(b: Book, res) -> None:
    plan = res.plan
    ws = b.sheet("Giao ước", StreamSheet)

    def target(code):
        return plan.target_by_code.get(code)

    def planned(x):
        t = target(x[1][0])
        return describe_target(t.comparator, t.value, t.stretch, t.unit_label) if t else ""

    spec = TableSpec(PLEDGES_TABLE, (
        Col("Cụm", lambda x: x[0].unit.cluster, 7, "code"),
        Col(UNIT, lambda x: x[0].unit.code, 9, "code"),
        Col("Tên đơn vị", lambda x: x[0].unit.name, 26, "wrap"),
        Col(TARGET, lambda x: x[1][0], 16, "code"),
        Col("Nội dung", lambda x: target(x[1][0]).label if target(x[1][0]) else "", 40, "wrap"),
        Col("Chỉ tiêu kế hoạch", planned, 14, "wrap"),
        Col(PLEDGE, lambda x: x[1][1], 12, "raw"),
    ))
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", f"GIAO ƯỚC THI ĐUA NĂM {plan.info.year} — {scope_title(res)}"),
                          ("note", "Mức mỗi đơn vị cam kết, đúng như ghi trong bản đăng ký (chỉ các chỉ tiêu đơn vị đã "
                                   "ghi mức; để trống là nhận đúng chỉ tiêu kế hoạch).")], width, n) + 1
    placed = b.table(ws, spec, row, _rows(res, "pledges"), stream=True)
    ws.freeze_panes(placed.first, 3)
    b.page(ws, title="Giao ước thi đua", header_row=placed.header_row, n_printed=n, last_row=placed.last)


class _Shim:
    """What consolidate.workbook.inventory_spec needs of a consolidation."""
    def __init__(self, plan):
        self.plan = plan


def _inventory(b: Book, res) -> None:
    from ..consolidate.workbook import inventory_spec
    ws = b.sheet("Tệp đã nhận", StreamSheet)
    spec = inventory_spec(_Shim(res.plan))
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", "DANH SÁCH TỆP ĐÃ NHẬN"), ("text", summary_lines(res)[5][1]),
                          ("note", "Mọi tệp được liệt kê với trạng thái và lý do; tệp nguồn không bị sửa, mỗi tệp ghi "
                                   "dấu SHA-256. " + DATE_RULE)], width, n) + 1
    placed = b.table(ws, spec, row, res.entries, stream=True)
    ws.freeze_panes(placed.first, 1)
    b.page(ws, title="Tệp đã nhận", header_row=placed.header_row, n_printed=n, last_row=placed.last)


def _meta(b: Book, res) -> None:
    ws = b.wb.add_worksheet("_thidua")
    p = res.plan
    meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "plan_id": p.info.plan_id,
            "plan_version": str(p.info.version), "plan_fingerprint": p.fingerprint, "year": str(p.info.year),
            "deadline": res.deadline.isoformat(), "scope": "industry" if res.scope.industry else "cluster",
            "clusters": " ".join(res.clusters), "tool_version": __version__,
            "created_at": res.created_at.strftime("%Y-%m-%d %H:%M:%S"), "units": str(len(res.units))}
    spec = TableSpec(META_TABLE, (Col(KEY, lambda kv: kv[0], 20, "raw"), Col(VALUE, lambda kv: kv[1], 40, "raw")))
    b.table(ws, spec, 0, list(meta.items()))
    ws.hide()


__all__ = ["write_registrations", "summary_lines", "clusters_spec", "units_spec"]
