"""The machine-readable part of a consolidation workbook: table names, meta keys and the raw
per-unit input table, with the two functions that turn a `UnitRecord` into a table row and back.

A consolidation workbook is recognised by its `tblConsolidationMeta` table (never by a sheet
name). Its `tblUnitInputs` holds every unit's raw cell contents as the form reader read them,
so consolidating cluster workbooks recomputes every figure from raw, exactly as consolidating
the forms directly does.
"""
from __future__ import annotations

from datetime import date

from ..values import cell_text, fold
from .records import UnitRecord
from .seal import DIGEST, row_digest

META_TABLE = "tblConsolidationMeta"
INPUTS_TABLE = "tblUnitInputs"
INVENTORY_TABLE = "tblInventory"
MEMBERS_TABLE = "tblMemberInputs"       # every unit's member-table rows, raw (award proposals)
# The level's record (consolidate.review): editable by the level that owns the workbook.
SCORE_REVIEW_TABLE = "tblScoreReview"   # unit × criterion: self, from data, cluster's and industry's marks
UNIT_REVIEW_TABLE = "tblUnitReview"     # unit: review state, reason, who, when, per level
MEETING_TABLE = "tblClusterMeeting"     # cluster: the meeting (cluster) and the approval (industry)
RECORD_TABLES = (SCORE_REVIEW_TABLE, UNIT_REVIEW_TABLE, MEETING_TABLE)
MEMBER_KEY = ("Mã đơn vị", "SHA-256")   # which submission a member row belongs to
FORMAT = "thidua-tong-hop"
FORMAT_VERSION = "1"
SUPPORTED_FORMAT_VERSIONS = frozenset({"1"})
META_KEYS = ("format", "format_version", "plan_id", "plan_version", "plan_fingerprint", "period_code",
             "scope", "clusters", "tool_version", "created_at", "units", "findings", "plan_year", "period_start",
             "period_end", "seal")
KEY, VALUE = "Khóa", "Giá trị"

# tblInventory: (header, FileEntry attribute). Read back by a roll-up (files a cluster workbook
# did not use are carried up). The printed columns come first.
INVENTORY_COLUMNS = (
    ("Tệp", "name"), ("Mã đơn vị", "unit"), ("Trạng thái", "status_label"), ("Lý do", "reason"),
    ("Bản được dùng", "winner"), ("Thư mục", "folder"), ("Loại tệp", "kind"), ("Đợt", "period"),
    ("Cỡ tệp (byte)", "size"), ("Thời gian sửa tệp", "mtime"), ("Phiên bản mẫu", "template_version"),
    ("Kế hoạch", "plan"), ("Qua bảng tổng hợp", "via"), ("SHA-256", "sha256"), ("Mã trạng thái", "status"),
    ("Mã chi tiết", "code"), ("Xác thực", "authentic"),
)
FILE_KINDS = {"form": "Biểu mẫu CĐCS", "consolidation": "Bảng tổng hợp", "other": "Khác"}

# Fixed columns of tblUnitInputs: (header, UnitRecord attribute or None for a display-only column).
FIXED = (
    ("Mã đơn vị", "unit"), ("Tên đơn vị", None), ("Mã cụm", None), ("Loại hình", None),
    ("Mã đợt", "period"), ("Trạng thái", "status"), ("Tệp nguồn", "file"), ("SHA-256", "sha256"),
    ("Cỡ tệp (byte)", "size"), ("Thời gian sửa tệp", "mtime"), ("Phiên bản mẫu", "template_version"),
    ("Mã kế hoạch", "plan_id"), ("Phiên bản kế hoạch", "plan_version"),
    ("Dấu vân tay kế hoạch", "plan_fingerprint"), ("Ghi nhận", "flags"),
    ("Số lỗi (kiểm tra)", "errors"), ("Số cảnh báo (kiểm tra)", "warnings"), ("Qua bảng tổng hợp", "via"),
    ("Danh hiệu tập thể đăng ký", "collective"), ("Mã xác thực biểu mẫu (băm)", "token_sha256"),
)
FIXED_HEADERS = tuple(h for h, _ in FIXED)
# Prefixes of the raw columns: reporter info, field entries, self scores. What a unit typed in its
# form's "Cấp trên chấm" column is never carried (the upper levels' marks live in their record).
INFO, VALUE_COL, SELF = "TT:", "SL:", "TC:"
PREFIX_ATTR = {INFO: "info", VALUE_COL: "values", SELF: "self_scores"}


def raw_columns(plan) -> list[tuple[str, str]]:
    """(header, Vietnamese label) of the raw columns, in plan order, for every kind."""
    from .. import contract as C
    cols = [(INFO + code, label) for code, label, is_input, _ in C.UNIT_ROWS if is_input]
    cols += [(VALUE_COL + f.code, f.label) for f in plan.fields if not f.is_derived]
    cols += [(SELF + c.code, f"{c.code} — tự chấm") for c in plan.criteria]
    return cols


_RAW_HEADERS: dict[int, tuple] = {}


def raw_headers(plan) -> list[str]:
    """The headers of raw_columns(plan), worked out once per plan (a form's row digest needs them)."""
    hit = _RAW_HEADERS.get(id(plan))
    if hit is None or hit[0] is not plan:
        if len(_RAW_HEADERS) > 16:
            _RAW_HEADERS.clear()
        hit = _RAW_HEADERS[id(plan)] = (plan, [h for h, _ in raw_columns(plan)])
    return hit[1]


def sealed_headers(headers) -> list[str]:
    """The columns of tblUnitInputs a row's digest covers: all but the display-only ones."""
    display = {h for h, attr in FIXED if attr is None}
    return [h for h in headers if h not in display and h != DIGEST]


def input_digest(cells: dict, members: list[dict]) -> str:
    """Digest of a submission's row in tblUnitInputs (as {header: value}) with its member rows."""
    return row_digest({fold(h): cells.get(h) for h in sealed_headers(cells)},
                      [{fold(h): m.get(h) for h in m} for m in members])


def record_row(rec: UnitRecord, display: dict[str, str], raw_headers: list[str]) -> list:
    """A record as a table row: fixed columns, raw columns, then the row's digest (None = empty)."""
    row = [display.get(header) if attr is None else _fixed_value(rec, attr) for header, attr in FIXED]
    for h in raw_headers:
        prefix, code = h[:3], h[3:]
        row.append(getattr(rec, PREFIX_ATTR[prefix]).get(code))
    if rec.digest_memo and rec.digest_memo[0] == rec.status:
        row.append(rec.digest_memo[1])           # worked out in the reading worker (record_digest)
    else:
        row.append(_digest(rec, raw_headers))
    return row


def _fixed_value(rec: UnitRecord, attr: str):
    """A fixed column's cell: tuples as space-separated words, "" as an empty cell."""
    if attr in ("flags", "collective"):
        return " ".join(getattr(rec, attr)) or None
    v = getattr(rec, attr)
    return None if v == "" else v


def record_digest(rec: UnitRecord, raw_headers: list[str]) -> tuple[str, str]:
    """(status, digest) of the record's tblUnitInputs row, as record_row makes it: computed where the
    file is read (in parallel), kept on the record, used by the writer while the status is the same
    (the row's other sealed cells do not change after reading)."""
    return rec.status, _digest(rec, raw_headers)


_SEALED_FIXED = tuple((fold(h), attr) for h, attr in FIXED if attr is not None)
_FOLDED_RAW: dict[int, tuple] = {}        # id of a raw_headers list -> (the list, its folded cells)


def _digest(rec: UnitRecord, raw_headers: list[str]) -> str:
    """input_digest of the record's row, taken from the record directly: the same cells (the sealed
    fixed columns, every raw column, the member rows), without building the row first."""
    from .. import contract as C
    hit = _FOLDED_RAW.get(id(raw_headers))     # one list serves every row of a run
    if hit is None or hit[0] is not raw_headers:
        if len(_FOLDED_RAW) > 16:
            _FOLDED_RAW.clear()
        hit = _FOLDED_RAW[id(raw_headers)] = (raw_headers, [(fold(h), PREFIX_ATTR[h[:3]], h[3:]) for h in raw_headers])
    raw = hit[1]
    cells = {folded: _fixed_value(rec, attr) for folded, attr in _SEALED_FIXED}
    parts = {attr: getattr(rec, attr) for attr in PREFIX_ATTR.values()}
    for folded, attr, code in raw:
        cells[folded] = parts[attr].get(code)
    members = [{fold(h): raw_value(m.get(h)) for h in C.MEMBER_COLUMNS} for m in rec.members]
    return row_digest(cells, members)


def record_from_row(headers: list[str], row: list) -> UnitRecord:
    """The inverse of `record_row` (over a row as python-calamine or openpyxl read it)."""
    cell = dict(zip(headers, row))

    def text(h) -> str:
        return cell_text(cell.get(h))

    def number(h) -> int:
        v = cell.get(h)
        try:
            return int(float(v)) if v not in (None, "") else 0
        except (TypeError, ValueError):
            return 0

    parts: dict[str, dict] = {attr: {} for attr in PREFIX_ATTR.values()}
    for h, v in cell.items():
        attr = PREFIX_ATTR.get(h[:3]) if isinstance(h, str) else None
        if attr is not None and not blank(v):
            parts[attr][h[3:]] = v
    return UnitRecord(
        unit=text("Mã đơn vị"), period=text("Mã đợt"), file=text("Tệp nguồn"), sha256=text("SHA-256"),
        size=number("Cỡ tệp (byte)"), mtime=text("Thời gian sửa tệp"),
        template_version=text("Phiên bản mẫu"), plan_id=text("Mã kế hoạch"),
        plan_version=text("Phiên bản kế hoạch"), plan_fingerprint=text("Dấu vân tay kế hoạch"),
        flags=tuple(text("Ghi nhận").split()), errors=number("Số lỗi (kiểm tra)"),
        warnings=number("Số cảnh báo (kiểm tra)"), via=text("Qua bảng tổng hợp"),
        collective=tuple(text("Danh hiệu tập thể đăng ký").split()),
        token_sha256=text("Mã xác thực biểu mẫu (băm)"),
        status=text("Trạng thái") or "included", **parts)


def blank(v) -> bool:
    return v is None or (isinstance(v, str) and v == "")


def raw_value(v):
    """A cell content as it may be stored and read back unchanged in meaning: numbers, text,
    booleans and dates stay; anything else (times, durations, error values) becomes its text,
    which every parser of thidua.values reads exactly as it reads the original."""
    if blank(v):
        return None
    if isinstance(v, (bool, int, float, str, date)):
        return v
    return str(v)                     # times, durations, error values: their text


def member_headers() -> list[str]:
    from .. import contract as C
    return [*MEMBER_KEY, *C.MEMBER_COLUMNS]


def member_rows(rec: UnitRecord) -> list[list]:
    """A submission's member rows for tblMemberInputs."""
    from .. import contract as C
    return [[rec.unit, rec.sha256, *[raw_value(m.get(h)) for h in C.MEMBER_COLUMNS]] for m in rec.members]


def members_by_submission(table) -> dict[tuple[str, str], list[dict]]:
    """tblMemberInputs read back: (unit, sha256) -> member rows {header: raw}, in order."""
    from .. import contract as C
    headers = [str(h) for h in table.headers]
    out: dict[tuple[str, str], list[dict]] = {}
    for row in table.rows:
        cell = dict(zip(headers, row))
        key = (str(cell.get(MEMBER_KEY[0]) or "").strip(), str(cell.get(MEMBER_KEY[1]) or "").strip())
        out.setdefault(key, []).append({h: (None if blank(cell.get(h)) else cell.get(h)) for h in C.MEMBER_COLUMNS})
    return out
