"""One unit's registration at the start of the year, as plain data (standard library only: the
form's Kiểm tra button imports it).

`StartRecord` is what the industry recorded for a unit (read from the consolidated registrations
workbook, load.py): whether it returned its registration workbook, when, and each title it
registered with the date it was registered and whether that was by the plan's deadline
(han_dang_ky). A period form issued with the registrations carries its unit's record in its
hidden meta table (`meta_entries`), so the form's own check can say what changed since.
`Start` pairs a record with the submission compared with it and when that submission was made
(its report date, else its file time): a title added or dropped in a period form after the
deadline is a change made then.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date

CODE = "dang-ky"                 # the registration workbooks' "period" in their meta and the register
FORM_KIND_KEY, FORM_KIND = "form_kind", "dang_ky"     # meta row marking a registration workbook
DEADLINE_KEY = "han_dang_ky"
META_PREFIX = "dang_ky_json_"   # a period form's copy of its unit's record, in chunks
_PART_KEY = re.compile(re.escape(META_PREFIX) + r"([0-9]{1,4})")
CHUNK = 30000                    # an Excel cell holds at most 32,767 characters
MAX_JSON_CHARS = 2_000_000       # a unit of 2,000 members is ~200 KB


def day(d: date | None) -> str:
    return f"{d:%d/%m/%Y}" if d else "(không rõ ngày)"


@dataclass(frozen=True)
class StartRecord:
    """A unit's registration at the start of the year. `registered` False: the unit returned no
    registration workbook (every title it later names is a change after the deadline)."""
    deadline: date
    registered: bool
    registered_on: date | None = None
    basis: str = ""                  # where the date comes from: "ngày đăng ký" | "thời gian sửa tệp"
    file: str = ""
    collective: tuple = ()           # (title code, date, on time)
    members: tuple = ()              # (name, department, title code, date, on time), in the unit's order
    pledges: tuple = ()              # (target code, value as written)
    source: str = ""                 # the consolidated registrations workbook it was read from

    @property
    def on_time(self) -> bool:
        return self.registered and self.registered_on is not None and self.registered_on <= self.deadline


@dataclass(frozen=True)
class Start:
    """A record and the submission compared with it: `when` its report date, else its file time
    (None: unknown, taken as after the deadline); `when_text` says which, for people."""
    record: StartRecord
    when: date | None
    when_text: str

    @property
    def after_deadline(self) -> bool:
        return self.when is None or self.when > self.record.deadline


def when_text(basis: str, d: date | None) -> str:
    """"ngày báo cáo 05/07/2026", "tệp sửa lúc 06/07/2026" (what a change is dated by)."""
    if d is None:
        return "chưa ghi ngày báo cáo"
    return f"{'tệp sửa lúc' if 'tệp' in basis else 'ngày báo cáo'} {day(d)}"


# --- the copy a period form carries ----------------------------------------------------------------
def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def to_json(r: StartRecord) -> str:
    """ASCII JSON without spaces (non-ASCII and spaces escaped): a meta cell keeps it exactly, even
    read back folded (read.form.read_meta trims and joins whitespace)."""
    payload = {"v": 1, "deadline": _iso(r.deadline), "registered": r.registered, "on": _iso(r.registered_on),
               "basis": r.basis, "file": r.file, "source": r.source,
               "collective": [[c, _iso(d), ok] for c, d, ok in r.collective],
               "members": [[n, dep, t, _iso(d), ok] for n, dep, t, d, ok in r.members],
               "pledges": [[c, v] for c, v in r.pledges]}
    text = json.dumps(payload, ensure_ascii=True, separators=(",", ":"), sort_keys=True)
    return text.replace(" ", "\\u0020")


def meta_entries(r: StartRecord) -> dict[str, str]:
    text = to_json(r)
    parts = [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]
    return {f"{META_PREFIX}{i}": part for i, part in enumerate(parts, start=1)}


def _date(x) -> date | None:
    if x is None:
        return None
    if not isinstance(x, str):
        raise ValueError(x)
    return date.fromisoformat(x)


def _text(x) -> str:
    if not isinstance(x, str):
        raise ValueError(x)
    return x


def from_json(text: str) -> StartRecord:
    """The record a form carries; ValueError for anything not made by `to_json` (the copy is in a
    file a unit holds: its shape is checked, never trusted)."""
    if len(text) > MAX_JSON_CHARS:
        raise ValueError("too long")
    try:
        d = json.loads(text)
    except (RecursionError, MemoryError):
        raise ValueError("unreadable") from None
    if not isinstance(d, dict) or d.get("v") != 1 or not isinstance(d.get("registered"), bool):
        raise ValueError("shape")
    deadline = _date(d.get("deadline"))
    if deadline is None:
        raise ValueError("deadline")

    def rows(key: str, width: int) -> list:
        items = d.get(key) or []
        if not isinstance(items, list) or any(not isinstance(x, list) or len(x) != width for x in items):
            raise ValueError(key)
        return items

    collective = tuple((_text(c), _date(on), bool(ok)) for c, on, ok in rows("collective", 3))
    members = tuple((_text(n), _text(dep), _text(t), _date(on), bool(ok)) for n, dep, t, on, ok in rows("members", 5))
    pledges = tuple((_text(c), v) for c, v in rows("pledges", 2) if isinstance(v, (str, int, float)) or v is None)
    return StartRecord(deadline, d["registered"], _date(d.get("on")), _text(d.get("basis") or ""),
                       _text(d.get("file") or ""), collective, members, pledges, _text(d.get("source") or ""))


def record_from_meta(meta: dict) -> StartRecord | None:
    """The record a period form carries; None when it carries none or the copy cannot be read."""
    parts = [(int(m.group(1)), v) for k, v in meta.items() if isinstance(k, str) and (m := _PART_KEY.fullmatch(k))]
    if not parts or any(not isinstance(v, str) for _, v in parts):
        return None
    try:
        return from_json("".join(v for _, v in sorted(parts)))
    except (ValueError, TypeError, KeyError):
        return None


def carries_record(meta_keys) -> bool:
    """Whether a form was issued pre-filled with its unit's registrations (its meta keys)."""
    return any(isinstance(k, str) and _PART_KEY.fullmatch(k) for k in meta_keys)


def start_of_form(form) -> Start | None:
    """A read period form (read.form.FormData) against the record it carries: dated by its report
    date, else its file's time."""
    record = record_from_meta(form.meta)
    if record is None:
        return None
    when, basis = form.report_date, "ngày báo cáo"
    if when is None:
        try:
            from datetime import datetime
            when = datetime.fromtimestamp(form.path.stat().st_mtime).date()
            basis = "thời gian sửa tệp"
        except (OSError, AttributeError, TypeError, ValueError):
            when = None
    return Start(record, when, when_text(basis, when))
