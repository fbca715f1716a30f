"""Read the consolidated registrations workbook (workbook.py) back: each unit's registration at the
start of the year as a record.StartRecord, to pre-fill its period forms (forms.write) and to judge
and compare a period's submissions (consolidate.core, check.awards).

Only the lists are read (their tables, by header); the deadline is the plan's (a date registered
is compared with it again, so an edited plan deadline applies). The file is the industry's own
output, read in this process after the same inspection as any workbook (read.workbook).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..errors import FileProblem, ThiduaError
from ..plan.model import Plan
from ..read.workbook import open_workbook
from ..values import cell_text, parse_date
from . import workbook as W
from .book import deadline_of
from .collect import LATE, MISSING, ON_TIME
from .record import Start, StartRecord, when_text

AGAIN = "Hãy lập lại bảng bằng lệnh 'thidua register consolidate' (không sửa tay các bảng của tệp này)."


def registrations_path(plan_path: str | Path) -> Path:
    """Where the consolidated registrations live by default: beside the plan."""
    p = Path(plan_path)
    return p.with_name(f"{p.stem}_dang_ky.xlsx")


@dataclass
class Registrations:
    path: Path
    deadline: date
    clusters: tuple[str, ...]                    # clusters the workbook covers
    records: dict[str, StartRecord] = field(default_factory=dict)
    plan_units: dict = field(default_factory=dict)   # unit code -> cluster (the plan's)

    @property
    def name(self) -> str:
        return self.path.name

    def record(self, unit: str) -> StartRecord | None:
        """The unit's registration; a unit of a covered cluster with none listed registered nothing;
        None for a unit of a cluster the workbook does not cover (not known)."""
        if unit in self.records:
            return self.records[unit]
        if self.plan_units.get(unit) in self.clusters:
            return StartRecord(self.deadline, False, source=self.name)
        return None

    def start(self, unit: str, when: date | None, basis: str) -> Start | None:
        rec = self.record(unit)
        return None if rec is None else Start(rec, when, when_text(basis, when))


def _rows(wb, name: str, headers: tuple[str, ...], where: str) -> list[dict]:
    t = wb.table(name)
    if t is None:
        raise ThiduaError(f"{where}: không có bảng {name} (có thể trang đã bị xóa). {AGAIN}")
    missing = [h for h in headers if t.column(h) is None]
    if missing:
        raise ThiduaError(f"{where}: bảng ở trang '{t.sheet}' thiếu cột {', '.join(repr(h) for h in missing)}. {AGAIN}")
    cols = {h: t.column(h) for h in headers}
    return [{h: r[j] for h, j in cols.items()} | {"_at": (t.sheet, t.address(i, cols[headers[0]]))}
            for i, r in enumerate(t.rows)]


def _day(v, at, where: str) -> date | None:
    p = parse_date(v)
    if p.invalid:
        raise ThiduaError(f"{where}: trang '{at[0]}', ô {at[1]} (dòng đó): ngày '{cell_text(v)}' không đọc được. {AGAIN}")
    return p.value


def load_registrations(path: str | Path, plan: Plan) -> Registrations:
    """The consolidated registrations of this plan; a Vietnamese ThiduaError naming the file, the
    sheet and the cell when it cannot be used."""
    path = Path(path)
    where = f"Danh sách đăng ký '{path.name}'"
    deadline = deadline_of(plan)
    try:
        wb = open_workbook(path, only=(W.META_TABLE, W.UNITS_TABLE, W.COLLECTIVE_TABLE, W.MEMBERS_TABLE,
                                       W.PLEDGES_TABLE))
    except FileProblem as exc:
        raise ThiduaError(f"Không đọc được danh sách đăng ký '{path.name}': {exc.message}") from None
    meta_t = wb.table(W.META_TABLE)
    if meta_t is None:
        raise ThiduaError(f"{where} không phải bảng tổng hợp đăng ký thi đua (tệp do lệnh 'thidua register "
                          "consolidate' lập). Hãy chỉ đúng tệp đó.")
    k, v = meta_t.column(W.KEY), meta_t.column(W.VALUE)
    meta = {cell_text(r[k]): cell_text(r[v]) for r in meta_t.rows} if k is not None and v is not None else {}
    if meta.get("format") != W.FORMAT or meta.get("format_version") != W.FORMAT_VERSION:
        raise ThiduaError(f"{where} thuộc định dạng '{meta.get('format_version') or 'không rõ'}' mà chương trình này "
                          f"không đọc được. {AGAIN}")
    if meta.get("plan_id") != plan.info.plan_id:
        raise ThiduaError(f"{where} thuộc kế hoạch '{meta.get('plan_id')}', không phải kế hoạch '{plan.info.plan_id}'.")
    known = {c.code for c in plan.clusters}
    clusters = tuple(c for c in meta.get("clusters", "").split() if c in known)
    units = _rows(wb, W.UNITS_TABLE, (W.UNIT, W.STATUS_CODE, W.DATE, W.BASIS, W.FILE), where)
    collective = _rows(wb, W.COLLECTIVE_TABLE, (W.UNIT, W.TITLE_CODE, W.DATE), where)
    members = _rows(wb, W.MEMBERS_TABLE, (W.UNIT, W.ROW, W.NAME, W.DEPT, W.TITLE_CODE, W.DATE), where)
    pledges = _rows(wb, W.PLEDGES_TABLE, (W.UNIT, W.TARGET, W.PLEDGE), where)

    def ok(d):
        return d is not None and d <= deadline

    by_unit: dict[str, dict] = {}
    for r in collective:
        d = _day(r[W.DATE], r["_at"], where)
        by_unit.setdefault(cell_text(r[W.UNIT]), {}).setdefault("c", []).append((cell_text(r[W.TITLE_CODE]), d, ok(d)))
    for r in members:
        d = _day(r[W.DATE], r["_at"], where)
        by_unit.setdefault(cell_text(r[W.UNIT]), {}).setdefault("m", []).append(
            (cell_text(r[W.NAME]), cell_text(r[W.DEPT]), cell_text(r[W.TITLE_CODE]), d, ok(d)))
    for r in pledges:
        value = r[W.PLEDGE]
        by_unit.setdefault(cell_text(r[W.UNIT]), {}).setdefault("p", []).append(
            (cell_text(r[W.TARGET]), value.strip() if isinstance(value, str) else value))
    records = {}
    for r in units:
        code, status = cell_text(r[W.UNIT]), cell_text(r[W.STATUS_CODE])
        if status not in (ON_TIME, LATE, MISSING):
            raise ThiduaError(f"{where}: trang '{r['_at'][0]}', dòng của đơn vị {code}: tình trạng '{status}' không "
                              f"đọc được. {AGAIN}")
        items = by_unit.get(code, {})
        records[code] = StartRecord(deadline, status != MISSING, _day(r[W.DATE], r["_at"], where),
                                    cell_text(r[W.BASIS]), cell_text(r[W.FILE]), tuple(items.get("c", ())),
                                    tuple(items.get("m", ())), tuple(items.get("p", ())), path.name)
    return Registrations(path, deadline, clusters, records, {u.code: u.cluster for u in plan.units})


def find(plan_path: str | Path | None) -> Path | None:
    """The consolidated registrations beside the plan, when there are some."""
    if plan_path is None:
        return None
    p = registrations_path(plan_path)
    return p if p.is_file() else None
