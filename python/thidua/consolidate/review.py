"""The upper levels' record: scores the cluster and the industry give (cấp trên chấm), the review
state of every unit, the cluster meeting, and the industry's approval of each cluster.

The level of every judgement is explicit. A unit's form says what the unit said (its own "Cấp
trên chấm" column is never read). A cluster workbook's record says what the cluster decided; an
industry workbook's record what the industry decided; the industry's mark overrides the
cluster's, which overrides the score from data or self-scoring. Each level enters its record in
the editable tables of its own consolidation workbook and re-consolidates: the tool takes the
record from its own earlier workbook as entered, and from a lower level's workbook only rows
whose digest still matches (what the lower level's tool run sealed; seal.py).

Tables (contract.py names them): tblScoreReview (unit × criterion), tblUnitReview (unit),
tblClusterMeeting (cluster). Their level columns are declared here once, for both levels.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from ..values import cell_text, fold, fold_key, format_number_vi, parse_date, parse_value
from . import contract as K
from .seal import DIGEST, row_digest

CLUSTER, INDUSTRY = "cluster", "industry"
LEVELS = (CLUSTER, INDUSTRY)
LEVEL_LABELS = {CLUSTER: "Cụm", INDUSTRY: "Ngành"}

# Review states of a unit (ODK Central / MISA: received, has issues, approved).
NOT_REVIEWED, NEEDS_MORE, VERIFIED = "not_reviewed", "needs_more", "verified"
STATE_LABELS = {NOT_REVIEWED: "Chưa xem xét", NEEDS_MORE: "Cần bổ sung", VERIFIED: "Đã thẩm định"}
# The industry's decision on a whole cluster.
APPROVAL_LABELS = {NOT_REVIEWED: "Chưa xem xét", NEEDS_MORE: "Trả lại", VERIFIED: "Đã duyệt"}

# --- the tables' columns -------------------------------------------------------------------------
UNIT, NAME, CLUSTER_COL, CRITERION, CRITERION_LABEL, POINTS, SELF, DATA, FINAL = (
    "Mã đơn vị", "Tên đơn vị", "Mã cụm", "Mã tiêu chí", "Tiêu chí", "Điểm chuẩn", "Tự chấm",
    "Điểm theo số liệu", "Điểm được tính")
SELF_TOTAL, TOTAL, RATING, CLUSTER_NAME = "Tổng tự chấm", "Tổng điểm", "Xếp loại", "Tên cụm"


@dataclass(frozen=True)
class LevelColumns:
    """The headers one level fills in each record table."""
    score: str
    note: str
    state: str
    reason: str
    who: str
    when: str
    deadline: str
    choice: str
    meeting: tuple[str, ...]            # tblClusterMeeting


LEVEL_COLUMNS = {
    CLUSTER: LevelColumns(
        "Cụm chấm", "Ghi chú của cụm", "Trạng thái (cụm)", "Lý do trả lại (cụm)", "Người xem xét (cụm)",
        "Ngày xem xét (cụm)", "Hạn bổ sung (cụm)", "Bản được dùng (cụm)",
        ("Ngày họp", "Thành phần dự họp", "Số thành viên dự", "Đơn vị dẫn đầu được bầu", "Số phiếu bầu",
         "Đề nghị Cờ thi đua", "Trưởng cụm ký", "Ngày ký")),
    INDUSTRY: LevelColumns(
        "Ngành chấm", "Ghi chú của ngành", "Trạng thái (ngành)", "Lý do trả lại (ngành)", "Người xem xét (ngành)",
        "Ngày xem xét (ngành)", "Hạn bổ sung (ngành)", "Bản được dùng (ngành)",
        ("Ngành duyệt cụm", "Lý do trả lại cụm", "Người duyệt (ngành)", "Ngày duyệt (ngành)")),
}
MEETING_DATE, PRESENT, N_PRESENT, VOTED, VOTES, FLAG, SIGNER, SIGNED_ON = LEVEL_COLUMNS[CLUSTER].meeting
APPROVAL, APPROVAL_REASON, APPROVER, APPROVED_ON = LEVEL_COLUMNS[INDUSTRY].meeting

SCORE_KEYS = (UNIT, CRITERION)
UNIT_KEYS = (UNIT,)
MEETING_KEYS = (CLUSTER_COL,)


def level_headers(table: str, level: str) -> tuple[str, ...]:
    c = LEVEL_COLUMNS[level]
    if table == K.SCORE_REVIEW_TABLE:
        return (c.score, c.note)
    if table == K.UNIT_REVIEW_TABLE:
        return (c.state, c.reason, c.who, c.when, c.deadline, c.choice)
    return c.meeting


def keys_of(table: str) -> tuple[str, ...]:
    return {K.SCORE_REVIEW_TABLE: SCORE_KEYS, K.UNIT_REVIEW_TABLE: UNIT_KEYS}.get(table, MEETING_KEYS)


def digest_of(table: str, level: str, cells: dict) -> str:
    """A record row's digest: its keys and the writing level's columns."""
    wanted = (*keys_of(table), *level_headers(table, level))
    return row_digest({fold(h): cells.get(h) for h in wanted})


# --- the record, as plain data ----------------------------------------------------------------
@dataclass(frozen=True)
class Mark:
    unit: str
    criterion: str
    score: float | None                  # None: a note without a score
    note: str
    where: str                           # "sheet!cell" of the score, for messages


@dataclass(frozen=True)
class UnitReview:
    unit: str
    state: str = NOT_REVIEWED
    reason: str = ""
    who: str = ""
    when: date | None = None
    deadline: date | None = None
    choice: str = ""                     # the copy a person chose among conflicting ones (file name)


@dataclass(frozen=True)
class Meeting:
    """One cluster's row: the meeting (cluster level) or the industry's decision on the cluster."""
    cluster: str
    held_on: date | None = None
    present: str = ""
    n_present: int | None = None
    voted: str = ""                      # unit code
    votes: int | None = None
    flag: str = ""                       # unit proposed for the Cờ thi đua
    signer: str = ""
    signed_on: date | None = None
    approval: str = NOT_REVIEWED         # industry level
    approval_reason: str = ""
    approver: str = ""
    approved_on: date | None = None

    @property
    def signed(self) -> bool:
        return bool(self.signer)


@dataclass
class LevelRecord:
    level: str
    marks: dict[tuple[str, str], Mark] = field(default_factory=dict)
    units: dict[str, UnitReview] = field(default_factory=dict)
    meetings: dict[str, Meeting] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)       # Vietnamese, each names sheet and cell
    sources: list[str] = field(default_factory=list)        # the workbooks it came from

    def __bool__(self) -> bool:
        return bool(self.marks or self.units or self.meetings)

    def update(self, other: "LevelRecord", clusters_of=None) -> None:
        """Add another workbook's record (a later one wins row by row)."""
        self.marks.update(other.marks)
        self.units.update(other.units)
        self.meetings.update(other.meetings)
        self.problems.extend(other.problems)
        self.sources.extend(s for s in other.sources if s not in self.sources)


# --- reading a record from a workbook ------------------------------------------------------------
def _state(raw, labels: dict[str, str]) -> str | None:
    """A state cell: its label (any case, spacing, composed or not), or the code; None: not a state."""
    key = fold_key(raw)
    if not key:
        return NOT_REVIEWED
    for code, label in labels.items():
        if key in (fold_key(label), code):
            return code
    return None


def read_levels(wb, level: str, plan, *, units_allowed=None, clusters: tuple = (),
                source: str = "") -> tuple[LevelRecord, LevelRecord]:
    """One level's columns of a workbook's record tables, read once, as two records: (sealed,
    entered). `entered` is everything typed (the level's own earlier workbook: what is typed is
    the entry); `sealed` leaves out, and names, each row whose digest no longer matches what the
    tool sealed (a lower level's workbook). `units_allowed(unit) -> reason | None`: a row for a
    unit the workbook may not speak for; `clusters`: the clusters whose meeting it may record."""
    sealed = LevelRecord(level, sources=[source] if source else [])
    entered = LevelRecord(level, sources=list(sealed.sources))
    current = [entered, sealed]          # the records the row in hand goes to
    crit = {c.code: c for c in plan.criteria}
    cols = LEVEL_COLUMNS[level]

    def say(message: str) -> None:
        for r in current:
            r.problems.append(message)

    def put(attr: str, key, value) -> None:
        for r in current:
            getattr(r, attr)[key] = value

    def rows(name):
        t = wb.table(name)
        if t is None:
            return
        heads = [str(h) for h in t.headers]
        at = {h: j for j, h in enumerate(heads)}
        for i, row in enumerate(t.rows):
            cells = {h: row[j] for h, j in at.items()}
            if not any(cell_text(v) for h, v in cells.items() if h != DIGEST):
                continue
            where = lambda h, i=i: f"'{t.sheet}'!{t.address(i, at[fold(h)])}" if fold(h) in at else f"'{t.sheet}'"  # noqa: E731
            stored = cell_text(cells.get(DIGEST))
            ok = stored == digest_of(name, level, {h: cells.get(fold(h)) for h in
                                                   (*keys_of(name), *level_headers(name, level))})
            current[:] = [entered, sealed] if ok else [entered]
            if not ok and any(cell_text(cells.get(fold(h))) for h in level_headers(name, level)):
                sealed.problems.append(
                    f"{where(keys_of(name)[0])}: dòng của {cell_text(cells.get(fold(keys_of(name)[0])))} đã bị "
                    f"sửa sau khi {LEVEL_LABELS[level].lower()} lập và niêm phong bảng tổng hợp (mã kiểm tra "
                    "không khớp); phần chấm điểm, xét duyệt ở dòng này không dùng. Nếu đây là nội dung "
                    f"{LEVEL_LABELS[level].lower()} nhập, hãy mở bảng và chạy lại Tổng hợp để niêm phong.")
            yield cells, where

    def get(cells, h):
        return cells.get(fold(h))

    def text(cells, h) -> str:
        return cell_text(get(cells, h))

    def day(cells, h, where) -> date | None:
        raw = get(cells, h)
        if not cell_text(raw):
            return None
        p = parse_date(raw)
        if p.ok:
            return p.value
        say(f"{where(h)}: '{cell_text(raw)}' không phải ngày (dạng ngày/tháng/năm); bỏ qua ô này.")
        return None

    def number(cells, h, where, whole=False):
        raw = get(cells, h)
        if not cell_text(raw):
            return None
        p = parse_value(raw, "integer" if whole else "number")
        if p.ok and p.value is not None and p.value >= 0:
            return p.value
        say(f"{where(h)}: '{cell_text(raw)}' không phải số không âm; bỏ qua ô này.")
        return None

    def allowed(unit, where, h) -> bool:
        why = units_allowed(unit) if units_allowed else None
        if why:
            say(f"{where(h)}: {why}")
        return not why

    for cells, where in rows(K.SCORE_REVIEW_TABLE):
        unit, code = text(cells, UNIT), text(cells, CRITERION)
        if not unit or not code or not (text(cells, cols.score) or text(cells, cols.note)):
            continue
        if code not in crit:
            say(f"{where(CRITERION)}: tiêu chí '{code}' không có trong kế hoạch; bỏ qua dòng này.")
            continue
        if not allowed(unit, where, UNIT):
            continue
        score = number(cells, cols.score, where)
        if score is not None and score > crit[code].points:
            say(f"{where(cols.score)}: {format_number_vi(score, 2)} điểm vượt điểm chuẩn "
                                f"{format_number_vi(crit[code].points, 2)} của tiêu chí {code}; tính "
                                f"{format_number_vi(crit[code].points, 2)} điểm. Hãy sửa lại ô này.")
        put("marks", (unit, code), Mark(unit, code, score, text(cells, cols.note), where(cols.score)))
    for cells, where in rows(K.UNIT_REVIEW_TABLE):
        unit = text(cells, UNIT)
        if not unit or not allowed(unit, where, UNIT):
            continue
        state = _state(get(cells, cols.state), STATE_LABELS)
        if state is None:
            say(f"{where(cols.state)}: '{text(cells, cols.state)}' không phải trạng thái (chọn: "
                                + " / ".join(STATE_LABELS.values()) + "); coi như chưa xem xét.")
            state = NOT_REVIEWED
        review = UnitReview(unit, state, text(cells, cols.reason), text(cells, cols.who), day(cells, cols.when, where),
                            day(cells, cols.deadline, where), text(cells, cols.choice))
        if review != UnitReview(unit):
            put("units", unit, review)
    for cells, where in rows(K.MEETING_TABLE):
        code = text(cells, CLUSTER_COL)
        if not code:
            continue
        if level == CLUSTER:
            if clusters and code not in clusters:
                say(f"{where(CLUSTER_COL)}: bảng tổng hợp này không được ghi biên bản họp của cụm {code}.")
                continue
            m = Meeting(code, day(cells, MEETING_DATE, where), text(cells, PRESENT),
                        number(cells, N_PRESENT, where, True), text(cells, VOTED), number(cells, VOTES, where, True),
                        text(cells, FLAG), text(cells, SIGNER), day(cells, SIGNED_ON, where))
        else:
            state = _state(get(cells, APPROVAL), APPROVAL_LABELS)
            if state is None:
                say(f"{where(APPROVAL)}: '{text(cells, APPROVAL)}' không phải lựa chọn (chọn: "
                                    + " / ".join(APPROVAL_LABELS.values()) + "); coi như chưa xem xét.")
                state = NOT_REVIEWED
            m = Meeting(code, approval=state, approval_reason=text(cells, APPROVAL_REASON),
                        approver=text(cells, APPROVER), approved_on=day(cells, APPROVED_ON, where))
        if m != Meeting(code):
            put("meetings", code, m)
    for rec in (sealed, entered):
        for unit_code in {u for u, _ in rec.marks} | set(rec.units):
            if unit_code not in plan.unit_by_code:
                rec.problems.append(f"Bảng chấm điểm có mã đơn vị '{unit_code}' không có trong kế hoạch; bỏ qua.")
        rec.marks = {k: m for k, m in rec.marks.items() if k[0] in plan.unit_by_code}
        rec.units = {k: u for k, u in rec.units.items() if k in plan.unit_by_code}
    return sealed, entered


# --- what the record does to the results ----------------------------------------------------------
@dataclass(frozen=True)
class Override:
    """One upper-level mark that changed (or confirmed) a criterion's points."""
    unit: str
    unit_name: str
    cluster: str
    criterion: str
    criterion_label: str
    points: float
    self_score: float | None
    before: float                        # what counted before this level's mark
    upper: float                         # the level's mark (within 0..points)
    note: str
    level: str
    who: str

    @property
    def difference(self) -> float:
        return round(self.upper - self.before, 2)

    @property
    def level_label(self) -> str:
        return LEVEL_LABELS[self.level]


@dataclass
class Review:
    """Both levels' records for one consolidation, merged."""
    cluster: LevelRecord = field(default_factory=lambda: LevelRecord(CLUSTER))
    industry: LevelRecord = field(default_factory=lambda: LevelRecord(INDUSTRY))

    def level(self, level: str) -> LevelRecord:
        return self.cluster if level == CLUSTER else self.industry

    def upper_scores(self, unit: str) -> dict[str, tuple[str, Mark]]:
        """criterion -> (level, mark) of the highest level that gave a score."""
        out = {}
        for level in LEVELS:
            for (u, code), m in self.level(level).marks.items():
                if u == unit and m.score is not None:
                    out[code] = (level, m)
        return out

    def unit_review(self, unit: str, level: str) -> UnitReview:
        return self.level(level).units.get(unit) or UnitReview(unit)

    def state(self, unit: str) -> tuple[str, str]:
        """(state, level that decided it) — the industry's decision over the cluster's."""
        ind, cl = self.unit_review(unit, INDUSTRY), self.unit_review(unit, CLUSTER)
        if ind.state != NOT_REVIEWED:
            return ind.state, INDUSTRY
        if cl.state != NOT_REVIEWED:
            return cl.state, CLUSTER
        return NOT_REVIEWED, ""

    def deciding(self, unit: str) -> UnitReview:
        state, level = self.state(unit)
        return self.unit_review(unit, level) if level else UnitReview(unit)

    def choice(self, unit: str) -> tuple[str, str]:
        """(file chosen among conflicting copies, level) — industry over cluster; ("", "") none."""
        for level in (INDUSTRY, CLUSTER):
            c = self.unit_review(unit, level).choice
            if c:
                return c, level
        return "", ""

    def meeting(self, cluster: str) -> Meeting:
        return self.cluster.meetings.get(cluster) or Meeting(cluster)

    def approval(self, cluster: str) -> Meeting:
        return self.industry.meetings.get(cluster) or Meeting(cluster)

    @property
    def problems(self) -> list[str]:
        return [*self.cluster.problems, *self.industry.problems]


def clamp(score: float, points: float) -> float:
    return max(0.0, min(points, score))
