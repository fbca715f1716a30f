"""The plain data consolidation passes around: inventory rows, one unit's raw inputs, and what
the plan makes of them. No Excel, no pandas; small enough to come back from worker processes.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

# --- file statuses (inventory) -----------------------------------------------------------------
AUTHENTIC_LABELS = {"verified": "Đã xác thực", "unverified": "Chưa xác thực (không có sổ phát hành)",
                    "refused": "Không xác thực được", "": ""}
INCLUDED, REJECTED, DUPLICATE, BLANK, NOT_A_FORM, UNREADABLE, OUT_OF_SCOPE = (
    "included", "rejected", "duplicate", "blank", "not_a_form", "unreadable", "out_of_scope")
STATUS_LABELS = {
    INCLUDED: "Đưa vào tổng hợp",
    REJECTED: "Không dùng (bị từ chối)",
    DUPLICATE: "Bản trùng (không dùng)",
    BLANK: "Chưa điền (biểu mẫu trống)",
    NOT_A_FORM: "Không phải biểu mẫu",
    UNREADABLE: "Không đọc được",
    OUT_OF_SCOPE: "Ngoài phạm vi tổng hợp",
}
STATUS_ORDER = {s: i for i, s in enumerate(STATUS_LABELS)}

# What a FileProblem code (read.workbook / read.form) means for the inventory.
PROBLEM_STATUS = {
    "lock_file": NOT_A_FORM, "not_a_form": NOT_A_FORM, "not_regular_file": NOT_A_FORM,
    "corrupt": UNREADABLE, "encrypted": UNREADABLE, "old_format": UNREADABLE, "locked": UNREADABLE,
    "not_found": UNREADABLE, "not_xlsx": UNREADABLE, "over_limit": UNREADABLE, "unsafe_xml": UNREADABLE,
    "bad_reference": UNREADABLE, "reader_crashed": UNREADABLE, "reader_timeout": UNREADABLE,
    "internal_error": UNREADABLE,
    "wrong_version": REJECTED, "incomplete_form": REJECTED,
    "registration_book": REJECTED,      # a registration workbook (registrations.book) among a period's returns
}
EXCEL_SUFFIXES = {".xlsx", ".xlsm", ".xls", ".xlsb", ".xltx", ".xltm", ".xlam", ".ods"}

# What was noticed about a source file that the figures do not depend on but people must see.
FLAG_TEXT = {
    "targets_changed": "chỉ tiêu hiện trên biểu mẫu khác chỉ tiêu khi phát (đã bị sửa); không dùng, "
                       "chỉ tiêu lấy từ kế hoạch",
    "plan_changed": "biểu mẫu phát từ phiên bản khác của kế hoạch; số liệu tính lại theo kế hoạch hiện hành",
    "unknown_code": "biểu mẫu có dòng mã không có trong kế hoạch (không tính)",
    "duplicate_code": "biểu mẫu có mã trường lặp lại (chỉ dòng đầu được tính)",
    "row_without_code": "biểu mẫu có số liệu ở dòng không có mã (không tính)",
    "row_below_table": "biểu mẫu có dòng nhập ngay dưới bảng thành viên (ngoài bảng); đã đọc như dòng của bảng",
    "consolidation_plan_changed": "bảng tổng hợp lập theo phiên bản khác của kế hoạch; đã tính lại theo "
                                  "kế hoạch hiện hành",
    "upper_by_unit": "đơn vị tự ghi điểm vào cột 'Cấp trên chấm' (cột của cấp trên): không dùng",
}


@dataclass
class FileEntry:
    """One row of the inventory: a file (or a unit carried inside a consolidation workbook)."""
    name: str
    folder: str = ""
    sha256: str | None = None
    size: int | None = None
    mtime: str | None = None         # local time, "YYYY-MM-DD HH:MM:SS"
    kind: str = "other"              # form | consolidation | other
    status: str = UNREADABLE
    code: str = ""                   # detail: FileProblem code, other_period, duplicate, ...
    reason: str = ""                 # Vietnamese, what happened and why
    unit: str = ""
    period: str = ""
    template_version: str = ""
    plan: str = ""                   # "plan id, phiên bản n"
    winner: str = ""                 # duplicates: the copy used
    via: str = ""                    # consolidation workbook(s) the entry came through
    authentic: str = ""              # verified | unverified | refused | "" (not a unit's submission)

    @property
    def status_label(self) -> str:
        return STATUS_LABELS.get(self.status, self.status)

    @property
    def authentic_label(self) -> str:
        return AUTHENTIC_LABELS.get(self.authentic, self.authentic)


@dataclass
class UnitRecord:
    """One unit's submission as raw cell contents: exactly what the reader read, so the same
    parsing gives the same values whether it comes from the form or from a consolidation
    workbook's tblUnitInputs (lossless roll-up)."""
    unit: str
    period: str
    file: str                        # the source form's file name
    sha256: str
    size: int
    mtime: str                       # "YYYY-MM-DD HH:MM:SS" (local), compared as text
    template_version: str
    plan_id: str
    plan_version: str
    plan_fingerprint: str
    info: dict[str, object]          # reporter rows of tblUnitInfo: code -> raw
    values: dict[str, object]        # entry cells of the plan's non-derived fields: code -> raw
    self_scores: dict[str, object]   # criterion -> raw
    flags: tuple[str, ...] = ()      # FLAG_TEXT codes
    errors: int = 0                  # findings of the check engine when the form was read
    warnings: int = 0
    via: str = ""                    # consolidation workbook(s) it came through ("" = read directly)
    status: str = INCLUDED           # included | duplicate (decided across files)
    entry: int = -1                  # index of its inventory row (set by the parent)
    members: tuple = ()              # member-table rows as read: {header: raw} (title registrations)
    collective: tuple = ()           # collective title codes the unit registered for
    token_sha256: str = ""           # digest of the form's token (register.py): which issued form it is
    findings: tuple = ()             # the check engine's findings (severity, sheet, cell, message) when run
    digest_ok: bool = True           # carried in a consolidation workbook: its row still matches its digest
    # (status, digest of its tblUnitInputs row), set where the file was read (contract.record_digest).
    # Not an __init__ field, so dataclasses.replace gives a record without it (its content may differ);
    # a record is not changed in place after reading.
    digest_memo: tuple = field(default=(), compare=False, init=False, repr=False)


@dataclass
class Evaluation:
    """What the plan makes of one record: recomputed values, verdicts, points, rating."""
    kind: str
    cluster: str
    report_date: date | None
    values: dict[str, object]        # typed entered values and recomputed derived values
    verdicts: dict[str, str | None]  # unit-level target code -> verdict (plan.semantics words)
    total: float
    max_total: float
    groups: tuple[tuple[str, float, float], ...]   # (group code, score, max points) in plan order
    self_total: float | None
    eligible: bool
    rating: str | None               # by thresholds and floors, before any share cap
    rating_name: str
    reason: str
    report_date_problem: str | None = None   # why the report date cannot be true (plan.calendar)
    criteria: tuple = ()             # (code, from data or None, self or None, upper or None, final) per criterion


@dataclass
class UnitResult:
    record: UnitRecord
    ev: Evaluation
    rating: str | None = None        # after the plan's share caps
    rating_reason: str = ""
    on_time: bool = True
    timing_basis: str = ""           # "ngày báo cáo" | "thời gian sửa tệp" | ""
    timing_date: date | None = None
    rank: int | None = None          # in the cluster
    rank_note: str = ""
    state: str = "not_reviewed"      # review state that counts (consolidate.review), and the level deciding
    state_level: str = ""

    @property
    def unit(self) -> str:
        return self.record.unit


@dataclass
class Outcome:
    """What one input path gave: its inventory row, units read from it, and inventory rows it
    carried (a consolidation workbook's own inventory)."""
    entry: FileEntry
    units: list[tuple[UnitRecord, Evaluation]] = field(default_factory=list)
    carried: list[FileEntry] = field(default_factory=list)
    meta: dict[str, str] = field(default_factory=dict)
    record: dict = field(default_factory=dict)   # a consolidation workbook's record: level, clusters,
                                                 # sealed (rows that match) and entered (as typed)
    edited: list = field(default_factory=list)   # its raw rows edited after sealing (UnitRecord)
