"""Title registrations against the plan's conditions (đăng ký danh hiệu thi đua).

Plain data in, verdicts with Vietnamese reasons out. The plan's tblTitles / tblTitleConditions
say what each title needs (citing the text it comes from); this module is the small library of
condition kinds that interprets them. Used by the checks (one unit's form) and by
consolidation (proposal lists, caps across a unit's members).
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date
from functools import lru_cache

from ..plan.model import Plan, TitleCondition
from ..plan.schema import DISCIPLINE_LEVELS
from ..values import format_number_vi


@dataclass(frozen=True)
class Member:
    """One row of the member table: a person and the title registered."""
    row: int                        # position in the list (1-based): the unit's order of priority
    name: str
    department: str
    title: str | None               # title code registered (None: listed, not registering)
    days_off: int | None = None
    maternity_days: int | None = None
    months: int | None = None
    discipline: str | None = None   # one of DISCIPLINE_LEVELS ("Không" or blank: none)
    has_initiative: bool | None = None
    initiative: str | None = None
    sheet: str | None = None
    cell: str | None = None         # the "title registered" cell, where findings are marked
    start: StartStatus | None = None    # the registration at the start of the year (None: not known)
    start_text: str = ""            # what that registration says of this row (proposal lists)

    @property
    def key(self) -> tuple[str, str]:
        """Who this is, for duplicates: name and department without case, accents or spaces."""
        return (_fold(self.name), _fold(self.department))


@dataclass(frozen=True)
class StartStatus:
    """What the registration at the start of the year says of a person (or of a unit's collective
    titles): the titles registered by the deadline, and why the others were not (title -> text)."""
    on_time: frozenset = frozenset()
    notes: tuple = ()                # (title code, why it does not count as registered at the start)
    default: str = "không có trong bản đăng ký thi đua đầu năm"

    def why(self, title: str) -> str:
        return dict(self.notes).get(title, self.default)


@dataclass(frozen=True)
class Change:
    """A title added or dropped since the registration at the start of the year."""
    kind: str                        # added | removed
    title: str
    person: str = ""                 # "" for a collective title
    department: str = ""
    when: str = ""                   # "ngày báo cáo 05/07/2026"
    after_deadline: bool = True
    sheet: str | None = None
    cell: str | None = None
    row: int | None = None           # added: the member's row in the list


@dataclass(frozen=True)
class Verdict:
    title: str
    eligible: bool
    reasons: tuple[str, ...] = ()   # why not (empty when eligible)
    capped: bool = False            # eligible but over the title's share cap
    cap_note: str = ""

    @property
    def proposed(self) -> bool:
        return self.eligible and not self.capped

    def reason_text(self) -> str:
        if self.capped:
            return self.cap_note
        return "; ".join(self.reasons) if self.reasons else "đủ điều kiện"


@dataclass
class UnitRegistrations:
    """One unit's registrations, judged."""
    unit: str
    members: list[tuple[Member, Verdict]] = field(default_factory=list)
    collective: list[Verdict] = field(default_factory=list)
    duplicates: list[tuple[Member, Member]] = field(default_factory=list)   # (repeat, first)
    changes: list[Change] = field(default_factory=list)       # since the registration at the start
    collective_text: dict = field(default_factory=dict)       # title -> what the registration says of it


@lru_cache(maxsize=1 << 16)       # names, departments, titles and levels repeat across a whole province
def _fold(text: str | None) -> str:
    text = (text or "").replace("đ", "d").replace("Đ", "D")
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return " ".join(text.lower().split())


def discipline_rank(level: str | None) -> int:
    """0 for none; 1 for Khiển trách, ... (unknown text counts as the mildest form)."""
    if level is None or not str(level).strip():
        return 0
    folded = _fold(level)
    for i, name in enumerate(DISCIPLINE_LEVELS):
        if _fold(name) == folded:
            return i
    return 1


def individual(plan: Plan, m: Member, title: str, _depth: int = 0, cache: dict | None = None) -> Verdict:
    """Does this member meet every condition of `title`? All failures are listed. `cache`
    (one unit's judging) remembers verdicts: caps and collective shares ask them again."""
    if cache is not None and (m, title) in cache:
        return cache[(m, title)]
    reasons: list[str] = []
    for c in plan.conditions_of(title):
        reasons.extend(_individual_condition(plan, m, c, _depth, cache))
    verdict = Verdict(title, not reasons, tuple(reasons))
    if cache is not None:
        cache[(m, title)] = verdict
    return verdict


def _individual_condition(plan: Plan, m: Member, c: TitleCondition, depth: int, cache) -> list[str]:
    if c.kind == "requires_title":
        if depth > 5:                               # a loop in the plan's conditions: stop, say so
            return [f"điều kiện danh hiệu lồng nhau quá sâu ({c.code})"]
        sub = individual(plan, m, c.param, depth + 1, cache)
        name = plan.title_by_code[c.param].name
        return [] if sub.eligible else [f"chưa đủ điều kiện {name} ({'; '.join(sub.reasons)})"]
    if c.kind == "needs_initiative":
        return [] if m.has_initiative else ["chưa có sáng kiến, đề tài được công nhận"]
    if c.kind == "max_days_off":
        counted = max(0, (m.days_off or 0) - (m.maternity_days or 0))
        if counted >= c.value:
            extra = f" (đã trừ {m.maternity_days} ngày nghỉ thai sản)" if m.maternity_days else ""
            return [f"nghỉ {counted} ngày làm việc{extra}, từ {c.value:g} ngày trở lên"]
        return []
    if c.kind == "min_months":
        if m.months is None:
            return ["chưa ghi số tháng công tác"]
        return [] if m.months >= c.value else [f"mới công tác {m.months} tháng, dưới {c.value:g} tháng"]
    if c.kind == "no_discipline_from":
        limit = discipline_rank(c.param)
        return [f"bị kỷ luật {str(m.discipline).strip().lower()}"] if discipline_rank(m.discipline) >= limit else []
    if c.kind == "registered_at_start":
        return _start_condition(plan, m.start, c.title)
    raise ValueError(c.kind)


def _start_condition(plan: Plan, status: StartStatus | None, title: str) -> list[str]:
    """Registered by the deadline: this title, or a title that requires it (a member registered for
    Chiến sĩ thi đua cơ sở has registered for what it needs, Lao động tiên tiến). Not judged when
    no registration record is at hand (the lists say so)."""
    if status is None or any(_implies(plan, t, title) for t in status.on_time):
        return []
    name = plan.title_by_code[title].name if title in plan.title_by_code else title
    return [f"chưa đăng ký {name} từ đầu năm: {status.why(title)}"]


def _implies(plan: Plan, registered: str, title: str, depth: int = 0) -> bool:
    if registered == title:
        return True
    if depth > 5:
        return False
    return any(c.kind == "requires_title" and _implies(plan, c.param, title, depth + 1)
               for c in plan.conditions_of(registered))


def collective(plan: Plan, title: str, judged: list[tuple[Member, Verdict]], members: list[Member],
               rating: str | None, cache: dict | None = None, start: StartStatus | None = None,
               total: float | None = None) -> Verdict:
    """A collective title for the unit, from its members, its rating and (`start`) its registration
    at the start of the year."""
    reasons: list[str] = []
    listed = len(members)
    for c in plan.conditions_of(title):
        if c.kind in ("member_share_over", "member_share_at_least"):
            achieved = sum(1 for m in members if individual(plan, m, c.param, cache=cache).eligible)
            share = achieved / listed if listed else 0.0
            ok = share > c.value + 1e-12 if c.kind == "member_share_over" else share >= c.value - 1e-12
            if not ok:
                word = "trên" if c.kind == "member_share_over" else "từ"
                reasons.append(f"{achieved}/{listed} thành viên đủ điều kiện "
                               f"{plan.title_by_code[c.param].name} ({share:.0%}), cần {word} {c.value:.0%}")
        elif c.kind == "has_member_title":
            if not any(v.proposed and v.title == c.param for _, v in judged):
                reasons.append(f"không có thành viên đủ điều kiện {plan.title_by_code[c.param].name}")
        elif c.kind == "members_no_discipline_from":
            limit = discipline_rank(c.param)
            bad = [m.name for m in members if discipline_rank(m.discipline) >= limit]
            if bad:
                reasons.append(f"có thành viên bị kỷ luật từ {c.param.lower()} trở lên: {', '.join(bad)}")
        elif c.kind == "min_rating":
            wanted = plan.rating_by_code[c.param]
            got = plan.rating_by_code.get(rating or "")
            if got is None or got.rank > wanted.rank:
                reasons.append(f"CĐCS xếp loại {rating or 'chưa xếp loại'}, cần {wanted.code}")
        elif c.kind == "min_score":
            if total is None or total < (c.value or 0) - 1e-9:
                got = "chưa có điểm" if total is None else f"đạt {format_number_vi(total, 2)} điểm"
                reasons.append(f"{got}, cần từ {format_number_vi(c.value or 0, 2)} điểm")
        elif c.kind == "registered_at_start":
            reasons.extend(_start_condition(plan, start, title))
        else:
            raise ValueError(c.kind)
    return Verdict(title, not reasons, tuple(reasons))


def apply_caps(plan: Plan, judged: list[tuple[Member, Verdict]], cache: dict | None = None
               ) -> list[tuple[Member, Verdict]]:
    """A title's share cap within one unit: the first eligible members in list order keep it,
    the rest are marked 'vượt tỷ lệ' (the list order is the unit's order of priority)."""
    out = list(judged)
    for t in plan.titles:
        if t.cap is None or t.target_of != "individual":
            continue
        if t.cap_base:
            base = sum(1 for m, _ in judged if individual(plan, m, t.cap_base, cache=cache).eligible)
            base_text = f"{base} người đủ điều kiện {plan.title_by_code[t.cap_base].name}"
        else:
            base = sum(1 for m, _ in judged if m.title)
            base_text = f"{base} người đăng ký"
        limit = math.floor(t.cap * base + 1e-9)
        kept = 0
        for i, (m, v) in enumerate(out):
            if v.title != t.code or not v.eligible:
                continue
            if kept < limit:
                kept += 1
                continue
            out[i] = (m, Verdict(v.title, True, (), True,
                                 f"đủ điều kiện nhưng vượt tỷ lệ {t.cap:.0%} của {base_text} "
                                 f"(tối đa {limit}); xét theo thứ tự danh sách"))
    return out


def judge_unit(plan: Plan, unit: str, members: list[Member], collective_titles: list[str],
               rating: str | None, start=None, collective_cells=None, total: float | None = None) -> UnitRegistrations:
    """Every registration of one unit: members (with caps), duplicates, collective titles.
    `start` (registrations.record.Start): the unit's registration at the start of the year and when
    this submission was made; titles are then judged against it and the changes listed.
    `collective_cells`: (sheet, cell) of each collective title's mark, where its change is shown."""
    result = UnitRegistrations(unit)
    seen: dict[tuple[str, str], Member] = {}
    unique: list[Member] = []
    for m in members:
        if m.key in seen:
            result.duplicates.append((m, seen[m.key]))
            continue
        seen[m.key] = m
        unique.append(m)
    unit_start = None
    if start is not None:
        unique, unit_start = _against_start(plan, unique, list(collective_titles), start, result,
                                            list(collective_cells or ()))
    cache: dict = {}
    judged = [(m, _registered(plan, m, cache)) for m in unique if m.title]
    result.members = apply_caps(plan, judged, cache)
    for code in collective_titles:
        t = plan.title_by_code.get(code)
        if t is None or t.target_of != "collective":
            result.collective.append(Verdict(code, False, (f"'{code}' không phải danh hiệu tập thể trong kế hoạch",)))
        else:
            result.collective.append(collective(plan, code, result.members, unique, rating, cache, unit_start, total))
    return result


def _against_start(plan: Plan, members: list[Member], collective_titles: list[str], start,
                   result: UnitRegistrations, cells: list) -> tuple[list[Member], StartStatus]:
    """Each member row and collective title against the registration at the start of the year:
    registered by the deadline, registered late, added in this submission (within or after the
    deadline), and what was registered then but is no longer listed (dropped)."""
    from ..registrations.record import day
    rec, deadline = start.record, day(start.record.deadline)
    in_time = not start.after_deadline              # a change made by the deadline counts as registered
    no_book = f"đơn vị không nộp bản đăng ký thi đua đầu năm (hạn {deadline})"
    added = f"thêm vào bản báo cáo ({start.when_text}), sau hạn đăng ký {deadline}"

    def registered_text(on: date | None, ok: bool) -> str:
        return f"Đăng ký {day(on)}" + ("" if ok else f" (muộn, hạn {deadline})")

    people: dict[tuple[str, str], list] = {}
    names: dict[str, set] = {}
    for name, dept, title, on, ok in rec.members:
        people.setdefault((_fold(name), _fold(dept)), []).append((title, on, ok))
        names.setdefault(_fold(name), set()).add(_fold(dept))

    def titles_of(m: Member):
        key = m.key
        if key in people:
            return key, people[key]
        depts = names.get(key[0], set())
        if len(depts) == 1:                          # the department written differently: same person
            other = (key[0], next(iter(depts)))
            return other, people[other]
        return None, []

    out: list[Member] = []
    matched: set[tuple] = set()
    for m in members:
        who, then = titles_of(m)
        on_time = {t for t, _, ok in then if ok}
        notes = {t: f"đăng ký {day(on)}, sau hạn {deadline}" for t, on, ok in then if not ok}
        text = ""
        if m.title:
            mine = [(on, ok) for t, on, ok in then if t == m.title]
            if mine:
                matched.add((who, m.title))
                text = registered_text(*mine[0])
            else:
                result.changes.append(Change("added", m.title, m.name, m.department, start.when_text,
                                             not in_time, m.sheet, m.cell, m.row))
                if in_time:
                    on_time.add(m.title)
                    text = f"Thêm trong hạn ({start.when_text})"
                else:
                    notes[m.title] = added if rec.registered else no_book
                    text = f"Thêm sau hạn ({start.when_text})" if rec.registered else "Chưa đăng ký đầu năm"
        status = StartStatus(frozenset(on_time), tuple(sorted(notes.items())),
                             StartStatus.default if rec.registered else no_book)
        out.append(replace(m, start=status, start_text=text))
    for name, dept, title, on, ok in rec.members:
        key = (_fold(name), _fold(dept))
        if (key, title) not in matched:
            result.changes.append(Change("removed", title, name, dept, start.when_text, not in_time))
    then = {c: (on, ok) for c, on, ok in rec.collective}
    on_time = {c for c, (_, ok) in then.items() if ok}
    notes = {c: f"đăng ký {day(on)}, sau hạn {deadline}" for c, (on, ok) in then.items() if not ok}
    for i, code in enumerate(collective_titles):
        where = cells[i] if i < len(cells) else (None, None)
        if code in then:
            result.collective_text[code] = registered_text(*then[code])
            continue
        result.changes.append(Change("added", code, when=start.when_text, after_deadline=not in_time,
                                     sheet=where[0], cell=where[1]))
        if in_time:
            on_time.add(code)
            result.collective_text[code] = f"Thêm trong hạn ({start.when_text})"
        else:
            notes[code] = added if rec.registered else no_book
            result.collective_text[code] = (f"Thêm sau hạn ({start.when_text})" if rec.registered
                                            else "Chưa đăng ký đầu năm")
    for code in then:
        if code not in collective_titles:
            result.changes.append(Change("removed", code, when=start.when_text, after_deadline=not in_time))
    unit_status = StartStatus(frozenset(on_time), tuple(sorted(notes.items())),
                              StartStatus.default if rec.registered else no_book)
    return out, unit_status


def _registered(plan: Plan, m: Member, cache: dict) -> Verdict:
    t = plan.title_by_code.get(m.title)
    if t is None or t.target_of != "individual":
        return Verdict(m.title, False, (f"'{m.title}' không phải danh hiệu cá nhân trong kế hoạch",))
    return individual(plan, m, m.title, cache=cache)


# --- from a read form -------------------------------------------------------------------------
def title_code(plan: Plan, text) -> str | None:
    """A title cell holds the title's name (from the list) or its code."""
    if text is None or not str(text).strip():
        return None
    folded = _fold(str(text))
    for t in plan.titles:
        if folded in (_fold(t.code), _fold(t.name)):
            return t.code
    return str(text).strip()


def member_from_row(plan: Plan, position: int, r: dict, sheet: str | None = None,
                    cell: str | None = None) -> Member | None:
    """A member-table row (values by header, as read) as a Member; None for an empty row."""
    from .. import contract as C
    from ..values import parse_value
    name = r.get(C.M_NAME)
    if not name and not r.get(C.M_TITLE):
        return None

    def typed(h):
        p = parse_value(r.get(h), C.MEMBER_TYPES.get(h, "text"))
        return p.value if p.ok else None

    return Member(position, str(name or "").strip(), str(r.get(C.M_DEPT) or "").strip(),
                  title_code(plan, r.get(C.M_TITLE)), typed(C.M_DAYS), typed(C.M_MATERNITY), typed(C.M_MONTHS),
                  typed(C.M_DISCIPLINE), typed(C.M_HAS_INIT) is True, typed(C.M_INIT), sheet, cell)


def members_of(form, plan: Plan) -> list[Member]:
    from .. import contract as C
    lst = form.lists.get(C.MEMBER_TABLE)
    if lst is None:
        return []
    found = (member_from_row(plan, i + 1, r, lst.sheet, lst.address(i, C.M_TITLE)) for i, r in enumerate(lst.rows))
    return [m for m in found if m is not None]


def registered(rows) -> list[int]:
    """Indexes of the registration rows (by header, typed or raw) the unit ticked 'Có'."""
    from .. import contract as C
    from ..values import parse_yes_no
    return [i for i, r in enumerate(rows) if r.get(C.CODE) and parse_yes_no(r.get(C.REGISTERED)).value is True]


def collective_registrations(form) -> list[tuple[str, str, str]]:
    """[(title code, sheet, cell of the 'Đăng ký' mark)] for the titles the unit ticked."""
    from .. import contract as C
    lst = form.lists.get(C.REGISTRATION_TABLE)
    if lst is None:
        return []
    return [(str(lst.rows[i][C.CODE]).strip(), lst.sheet, lst.address(i, C.REGISTERED)) for i in registered(lst.rows)]


def judge_form(form, plan: Plan, rating: str | None, total: float | None = None
               ) -> tuple[UnitRegistrations, list[tuple[str, str, str]]]:
    """A form's registrations; against the registration at the start of the year when the form
    carries it (issued with the consolidated registrations: registrations.record)."""
    from ..registrations.record import start_of_form
    regs = collective_registrations(form)
    return judge_unit(plan, form.unit_code, members_of(form, plan), [c for c, _, _ in regs], rating,
                      start=start_of_form(form), collective_cells=[(s, c) for _, s, c in regs], total=total), regs
