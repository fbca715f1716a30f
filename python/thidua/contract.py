"""The form's contract: Excel Table names and column headers that writer and reader share.

The reader finds data only through these names and the code column ("Mã"), never through
sheet names or cell addresses, so a renamed sheet or an inserted row still reads.
Bump TEMPLATE_VERSION when a change would make an older reader misread a newer form.
"""
from __future__ import annotations

import hashlib
import json
from typing import NamedTuple

TEMPLATE_VERSION = "1"
SUPPORTED_VERSIONS = frozenset({"1"})

META_TABLE = "tblMeta"
UNIT_TABLE = "tblUnitInfo"
INDICATOR_TABLE = "tblIndicators"
SCORE_TABLE = "tblScores"
INITIATIVE_TABLE = "tblInitiatives"
REGISTRATION_TABLE = "tblRegistrations"   # collective titles the unit registers for
PLEDGE_TABLE = "tblPledges"               # giao ước: the unit's own targets, at or above the plan's
MEMBER_TABLE = "tblMembers"               # members and the titles they register for

# Sheet titles in a freshly issued form (users may rename them; nothing depends on them).
SHEETS = {
    "guide": "Hướng dẫn",
    UNIT_TABLE: "Thông tin",
    INDICATOR_TABLE: "Chỉ tiêu",
    SCORE_TABLE: "Chấm điểm",
    INITIATIVE_TABLE: "Sáng kiến",
    REGISTRATION_TABLE: "Đăng ký thi đua",
    MEMBER_TABLE: "Thành viên đăng ký",
    META_TABLE: "_thidua",
}

# Fills of a fresh form: cells people fill, and derived cells. Clearing check marks restores them.
INPUT_FILL = "#FFF2CC"
FORMULA_FILL = "#E2EFDA"
# Cells a unit may not fill, reserved for the upper level (the score sheet's "Cấp trên chấm"):
# locked, grey, distinct from the derived cells' green.
UPPER_FILL = "#D9D9D9"
UPPER_SCORE_PROMPT = "Do cấp trên chấm — đơn vị không điền"

# Sheets with entry cells are protected without a password (locked cells stay as issued) but
# allow formatting cells and editing objects: the Kiểm tra button colours cells and adds notes,
# which Excel refuses on a protected sheet otherwise.
ENTRY_SHEET_PROTECTION = {"select_locked_cells": True, "select_unlocked_cells": True, "format_cells": True,
                          "objects": True, "format_columns": True, "format_rows": True}

KEY, VALUE = "Khóa", "Giá trị"
META_COLUMNS = (KEY, VALUE)

CODE, LABEL = "Mã", "Nội dung"
UNIT_COLUMNS = (CODE, LABEL, VALUE)

SECTION, UNIT_OF_MEASURE, TARGET_TEXT, ENTRY, VERDICT, NOTE = (
    "Nhóm", "Đơn vị tính", "Chỉ tiêu", "Số liệu", "Đánh giá", "Ghi chú")
FIELD_TYPE, COMPARATOR, TARGET_MIN, TARGET_STRETCH, TARGET_CODE = (
    "Kiểu", "So sánh", "Mức tối thiểu", "Mức phấn đấu", "Mã chỉ tiêu")
INDICATOR_COLUMNS = (CODE, SECTION, LABEL, UNIT_OF_MEASURE, TARGET_TEXT, ENTRY, VERDICT, NOTE,
                     FIELD_TYPE, COMPARATOR, TARGET_MIN, TARGET_STRETCH, TARGET_CODE)
HIDDEN_INDICATOR_COLUMNS = (FIELD_TYPE, COMPARATOR, TARGET_MIN, TARGET_STRETCH, TARGET_CODE)

GROUP, POINTS, METHOD, SELF_SCORE, UPPER_SCORE, EXPLANATION = (
    "Nhóm", "Điểm chuẩn", "Cách chấm", "Tự chấm", "Cấp trên chấm", "Diễn giải")
SCORE_COLUMNS = (CODE, GROUP, LABEL, POINTS, METHOD, SELF_SCORE, UPPER_SCORE, EXPLANATION)

INITIATIVE_COLUMNS = ("STT", "Tên sáng kiến", "Tác giả", "Khoa/phòng", "Lĩnh vực",
                      "Ngày công nhận", "Cấp công nhận")
INITIATIVE_TYPES = {"STT": "integer", "Ngày công nhận": "date"}   # others are text
INITIATIVE_BLANK_ROWS = 10

# Registrations (issue: đăng ký danh hiệu). Title cells take the title's name or code.
REGISTERED, LEVEL = "Đăng ký", "Cấp khen"
REGISTRATION_COLUMNS = (CODE, "Danh hiệu tập thể", LEVEL, REGISTERED, "Ghi chú")
REGISTRATION_TYPES = {REGISTERED: "yes_no"}
PLEDGE_VALUE = "Cam kết của đơn vị"
PLEDGE_COLUMNS = (CODE, LABEL, "Chỉ tiêu kế hoạch", PLEDGE_VALUE, "Ghi chú", "So sánh", "Mức tối thiểu")
PLEDGE_HIDDEN = ("So sánh", "Mức tối thiểu")
PLEDGE_TYPES = {PLEDGE_VALUE: "any", "Mức tối thiểu": "number"}
M_NAME, M_DEPT, M_TITLE, M_DAYS, M_MATERNITY, M_MONTHS, M_DISCIPLINE, M_HAS_INIT, M_INIT = (
    "Họ và tên", "Khoa/phòng", "Danh hiệu đăng ký", "Số ngày nghỉ", "Trong đó nghỉ thai sản",
    "Số tháng công tác", "Kỷ luật", "Sáng kiến được công nhận", "Tên sáng kiến")
MEMBER_COLUMNS = ("STT", M_NAME, M_DEPT, M_TITLE, M_DAYS, M_MATERNITY, M_MONTHS, M_DISCIPLINE, M_HAS_INIT, M_INIT)
MEMBER_TYPES = {"STT": "integer", M_DAYS: "integer", M_MATERNITY: "integer", M_MONTHS: "integer",
                M_HAS_INIT: "yes_no"}
MEMBER_BLANK_ROWS = 20

# Unit-info rows: (code, label, is_input, type)
UNIT_ROWS = (
    ("ma_don_vi", "Mã đơn vị", False, "text"),
    ("ten_don_vi", "Tên công đoàn cơ sở", False, "text"),
    ("cum", "Cụm thi đua", False, "text"),
    ("loai_hinh", "Loại hình", False, "text"),
    ("dot", "Đợt thi đua", False, "text"),
    ("tu_ngay", "Từ ngày", False, "date"),
    ("den_ngay", "Đến ngày", False, "date"),
    ("han_nop", "Hạn nộp báo cáo", False, "date"),
    ("nguoi_bao_cao", "Người báo cáo", True, "text"),
    ("chuc_vu", "Chức vụ", True, "text"),
    ("dien_thoai", "Điện thoại", True, "text"),
    ("ngay_bao_cao", "Ngày báo cáo", True, "date"),
)
UNIT_INPUT_CODES = tuple(code for code, _, is_input, _ in UNIT_ROWS if is_input)
UNIT_REQUIRED_CODES = ("nguoi_bao_cao", "ngay_bao_cao")   # checks warn when these are blank
# A list table whose row count backs a count field of the indicator table.
LIST_COUNT_FIELDS = {INITIATIVE_TABLE: "so_sang_kien"}

# Printed layout of each table of a fresh form (forms.write): the width of every column in
# characters of the form's 12 pt font, in the table's column order, and the columns whose text
# wraps (their rows get the height the text needs). A code column ("Mã") widens to its longest
# code. Widths only: nothing reads them back, and people may resize columns.
class TableLayout(NamedTuple):
    widths: tuple[float, ...]
    wrap: frozenset = frozenset()


TABLE_LAYOUT = {
    UNIT_TABLE: TableLayout((14, 22, 48), frozenset({LABEL, VALUE})),
    INDICATOR_TABLE: TableLayout((16, 18, 46, 9, 14, 15, 11, 24, 8, 8, 10, 10, 12),
                                 frozenset({SECTION, LABEL, UNIT_OF_MEASURE, TARGET_TEXT, VERDICT, NOTE})),
    SCORE_TABLE: TableLayout((9, 26, 44, 8, 13, 8, 9, 30), frozenset({GROUP, LABEL, METHOD, EXPLANATION})),
    INITIATIVE_TABLE: TableLayout((6, 40, 22, 18, 16, 12, 12), frozenset(INITIATIVE_COLUMNS[1:5])),
    REGISTRATION_TABLE: TableLayout((14, 50, 14, 12, 30), frozenset({"Danh hiệu tập thể", LEVEL, "Ghi chú"})),
    PLEDGE_TABLE: TableLayout((14, 50, 14, 12, 30, 8, 8), frozenset({LABEL, "Chỉ tiêu kế hoạch", "Ghi chú"})),
    MEMBER_TABLE: TableLayout((5, 24, 16, 24, 8, 14, 9, 14, 15, 30),
                              frozenset({M_NAME, M_DEPT, M_TITLE, M_INIT})),
}
TABLE_COLUMNS = {UNIT_TABLE: UNIT_COLUMNS, INDICATOR_TABLE: INDICATOR_COLUMNS, SCORE_TABLE: SCORE_COLUMNS,
                 INITIATIVE_TABLE: INITIATIVE_COLUMNS, REGISTRATION_TABLE: REGISTRATION_COLUMNS,
                 PLEDGE_TABLE: PLEDGE_COLUMNS, MEMBER_TABLE: MEMBER_COLUMNS}
GUIDE_WIDTH = 86      # the guide's one column: the width of A4 portrait at 100 %

# Meta keys, in the hidden protected table.
META_KEYS = ("template_version", "plan_id", "plan_version", "plan_fingerprint", "unit_code",
             "unit_kind", "cluster_code", "period_code", "issued_at", "tool_version", "targets_digest",
             "form_token")   # form_token: drawn at random when issued, kept in the register (register.py)


def targets_digest(unit_code: str, plan_fingerprint: str, shown: list[tuple]) -> str:
    """Digest of the targets a form shows (field, target code, comparator, min, stretch, text).

    Recorded at issue time; a reader recomputing it from the form's own cells notices a unit that
    edited its targets. (Consolidation compares with the plan anyway: this is the early warning.)
    """
    norm = [[normalise_shown(x) for x in row] for row in shown]
    text = json.dumps([unit_code, plan_fingerprint, norm], ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def normalise_shown(x):
    """A shown target value as the digest compares it (1.0 is 1; "" and None alike for text)."""
    if isinstance(x, float) and x.is_integer():
        return int(x)
    if isinstance(x, float):
        return round(x, 9)
    if x is None:
        return ""
    return x
