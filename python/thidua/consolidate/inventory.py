"""Files -> inventory rows: every input path is listed with a status and a Vietnamese reason,
and when one unit's report arrives more than once, one copy wins by a stated rule.

Duplicate rule (same unit, same period): the later "ngày báo cáo" wins; if equal, the later
file modification time; if equal too (usually the very same file sent twice), the file name
that sorts first. The copies that lose are listed as duplicates naming the winner and why.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..values import format_number_vi
from .records import (DUPLICATE, INCLUDED, NOT_A_FORM, REJECTED, Evaluation, FileEntry, Outcome,
                      UnitRecord)

DUPLICATE_RULE = ("Một đơn vị nộp nhiều bản cho cùng một đợt: dùng bản có ngày báo cáo muộn hơn; nếu cùng ngày "
                  "báo cáo, dùng tệp sửa sau cùng; nếu vẫn trùng (thường là cùng một tệp gửi hai lần), dùng tệp có "
                  "tên xếp trước theo thứ tự chữ cái. Các bản còn lại ghi là bản trùng, kèm tên bản được dùng và lý do.")


def own_output(path: Path) -> FileEntry:
    return FileEntry(path.name, str(path.parent), status=REJECTED, code="own_output",
                     reason="Đây là tệp kết quả mà lần tổng hợp này ghi đè; không đọc làm số liệu đầu vào.")


@dataclass
class Candidate:
    record: UnitRecord
    ev: Evaluation
    entry: int                      # index of its inventory row


def assemble(outcomes: list[Outcome], entries: list[FileEntry]) -> list[Candidate]:
    """Append each outcome's rows to `entries`; return every unit submission found.

    A unit carried inside a consolidation workbook gets a row of its own (its original file,
    the workbook it came through). Rows a consolidation workbook carried for files it did not
    use are kept once, unless the same file (same SHA-256) is already accounted for here.
    """
    candidates: list[Candidate] = []
    carried: list[FileEntry] = []
    for o in outcomes:
        entries.append(o.entry)
        here = len(entries) - 1
        for rec, ev in o.units:
            if o.entry.kind == "consolidation":
                entries.append(FileEntry(rec.file, "", rec.sha256 or None, rec.size or None, rec.mtime or None,
                                         "form", INCLUDED, "", "", rec.unit, rec.period, rec.template_version,
                                         f"{rec.plan_id}, phiên bản {rec.plan_version}", via=rec.via))
                candidates.append(Candidate(rec, ev, len(entries) - 1))
            else:
                candidates.append(Candidate(rec, ev, here))
        carried.extend(o.carried)
    known = {e.sha256 for e in entries if e.sha256} | {c.record.sha256 for c in candidates if c.record.sha256}
    merged: dict[tuple, FileEntry] = {}
    for e in carried:
        # the same file accounted for here says all; not a row a workbook altered or could not vouch for
        if e.sha256 and e.sha256 in known and e.code not in ("edited_row", "not_authentic"):
            continue
        key = (e.sha256 or "", e.name, e.status, e.unit)
        if key in merged:
            first = merged[key]
            if e.via and e.via not in first.via.split("; "):
                first.via = f"{first.via}; {e.via}" if first.via else e.via
            continue
        merged[key] = e
        entries.append(e)
    return candidates


def _when(c: Candidate, dates: bool = True) -> tuple:
    return ((c.ev.report_date or date.min) if dates else date.min, c.record.mtime or "")


@dataclass
class Conflict:
    """Copies of one unit's report whose figures differ: shown side by side for a person to choose."""
    unit: str
    used: Candidate
    other: Candidate
    differences: list[tuple[str, object, object]]    # (what, value in the copy used, value in the other)
    chosen: str = ""                                  # level whose person chose ("" = the rule, provisional)


def content(rec: UnitRecord) -> dict[str, object]:
    """What a copy says that the results depend on: entries, self-scores, members, titles."""
    from .seal import canonical
    out = {f"SL:{k}": canonical(v) for k, v in rec.values.items()}
    out.update({f"TC:{k}": canonical(v) for k, v in rec.self_scores.items()})
    out["members"] = tuple(tuple(sorted((h, canonical(v)) for h, v in m.items() if canonical(v))) for m in rec.members)
    out["collective"] = tuple(sorted(rec.collective))
    return out


def differences(plan, a: UnitRecord, b: UnitRecord) -> list[tuple[str, object, object]]:
    ca, cb = content(a), content(b)
    out = []
    for key in dict.fromkeys([*ca, *cb]):
        if ca.get(key, "") == cb.get(key, ""):
            continue
        if key == "members":
            out.append(("Danh sách thành viên đăng ký", f"{len(a.members)} dòng", f"{len(b.members)} dòng (khác nội dung)"))
        elif key == "collective":
            out.append(("Danh hiệu tập thể đăng ký", " ".join(a.collective) or "(không)", " ".join(b.collective) or "(không)"))
        else:
            prefix, code = key[:3], key[3:]
            f = plan.field_by_code.get(code) if prefix == "SL:" else None
            what = f.label if f else (f"Tự chấm tiêu chí {code}" if prefix == "TC:" else code)
            src_a = a.values if prefix == "SL:" else a.self_scores
            src_b = b.values if prefix == "SL:" else b.self_scores
            out.append((what, src_a.get(code), src_b.get(code)))
    return out


def _chosen(group: list[Candidate], choice: str) -> Candidate | None:
    key = choice.strip().casefold()
    for c in group:
        if key and (c.record.file.casefold() == key or (len(key) >= 8 and (c.record.sha256 or "").startswith(key))):
            return c
    return None


def resolve_duplicates(candidates: list[Candidate], entries: list[FileEntry], choice=None, plan=None,
                       per_period: bool = False) -> tuple[list[Candidate], list[Conflict]]:
    """One winner per unit (the period is the same for all candidates); losers marked. Copies that
    differ in figures are conflicts: a person's choice (`choice(unit) -> (file, level)`, from the
    upper levels' record) decides; else the rule decides provisionally and the conflict is listed.
    `per_period`: the year's consolidation keeps one report per unit and period."""
    by_unit: dict[tuple, list[Candidate]] = {}
    for c in candidates:
        by_unit.setdefault((c.record.unit, c.record.period if per_period else ""), []).append(c)
    winners, conflicts = [], []
    for (unit, _), group in by_unit.items():
        # later report date, later modification time, then the name sorting first; a file read
        # directly before the same file carried in a consolidation workbook.
        order = sorted(group, key=lambda c: (c.record.file.casefold(), c.record.via))
        # a report date that cannot be true never decides alone: then file times decide
        dates = not any(c.ev.report_date_problem for c in group)
        order.sort(key=lambda c: _when(c, dates), reverse=True)    # stable: equal times keep the name order
        picked, level = choice(unit) if choice else ("", "")
        chosen = _chosen(order, picked) if picked else None
        if chosen is not None:
            order.remove(chosen)
            order.insert(0, chosen)
        win = order[0]
        if plan is not None:
            for lose in order[1:]:
                diff = differences(plan, win.record, lose.record)
                if diff:
                    conflicts.append(Conflict(unit, win, lose, diff, level if chosen is not None else ""))
        win.record.status = INCLUDED
        winners.append(win)
        entry = entries[win.entry]
        entry.status = INCLUDED
        entry.reason = _included_reason(win, len(order))
        for lose in order[1:]:
            lose.record.status = DUPLICATE
            e = entries[lose.entry]
            e.status, e.code = DUPLICATE, "duplicate"
            e.winner = _name(win)
            e.reason = (_duplicate_reason(lose, win, dates) if chosen is None else
                        f"Đơn vị {unit} nộp nhiều bản khác nhau; theo lựa chọn của {_LEVEL_WORD.get(level, level)} "
                        f"(cột 'Bản được dùng'), dùng '{_name(win)}'.")
            if any(x.other is lose for x in conflicts):
                e.reason += (" Hai bản khác nhau về số liệu: xem trang 'Bản nộp khác nhau'"
                             + ("" if chosen is not None else " và chọn bản đúng ở cột 'Bản được dùng' của trang "
                                                              "'Xét duyệt đơn vị'") + ".")
    return winners, conflicts


_LEVEL_WORD = {"cluster": "cụm", "industry": "cấp ngành"}


def _name(c: Candidate) -> str:
    return c.record.file + (f" (qua {c.record.via})" if c.record.via else "")


def _day(d: date | None) -> str:
    return f"{d:%d/%m/%Y}" if d else "không có"


def _mtime_vi(s: str) -> str:
    if len(s) >= 19:
        return f"{s[8:10]}/{s[5:7]}/{s[0:4]} {s[11:19]}"
    return s or "không rõ"


def _duplicate_reason(lose: Candidate, win: Candidate, dates: bool = True) -> str:
    a, b = lose.ev.report_date, win.ev.report_date
    head = f"Đơn vị {lose.record.unit} nộp nhiều bản; dùng '{_name(win)}'"
    if not dates:
        bad = "; ".join(f"bản '{_name(c)}': {c.ev.report_date_problem}" for c in (lose, win) if c.ev.report_date_problem)
        when = (f"bản này sửa lúc {_mtime_vi(lose.record.mtime)}, bản được dùng sửa lúc {_mtime_vi(win.record.mtime)}"
                if (lose.record.mtime or "") != (win.record.mtime or "") else
                "cùng thời gian sửa tệp nên chọn tệp có tên xếp trước theo thứ tự chữ cái")
        return (f"{head} vì ngày báo cáo không dùng được để so sánh ({bad or 'ngày báo cáo không hợp lý'}) nên xét "
                f"thời gian sửa tệp: {when}.")
    if (a or date.min) != (b or date.min):
        why = f"bản này có ngày báo cáo {_day(a)}, trước ngày báo cáo của bản được dùng ({_day(b)})"
    elif (lose.record.mtime or "") != (win.record.mtime or ""):
        why = (f"cùng ngày báo cáo {_day(a)}; bản này sửa lúc {_mtime_vi(lose.record.mtime)}, trước bản được dùng "
               f"({_mtime_vi(win.record.mtime)})")
    else:
        why = (f"cùng ngày báo cáo {_day(a)} và cùng thời gian sửa tệp; chọn tệp có tên xếp trước theo thứ tự "
               "chữ cái")
        if lose.record.sha256 and lose.record.sha256 == win.record.sha256:
            why += " (hai bản giống hệt nhau: cùng SHA-256)"
    return f"{head} vì {why}."


def _included_reason(win: Candidate, copies: int) -> str:
    from .records import FLAG_TEXT
    parts = []
    if copies > 1:
        parts.append(f"bản được dùng trong {copies} bản đơn vị đã nộp")
    parts += [FLAG_TEXT[f] for f in win.record.flags if f in FLAG_TEXT]
    if win.ev.report_date_problem:
        parts.append(f"{win.ev.report_date_problem}: không dùng ngày này để xét đúng hạn hay chọn bản nộp")
    if win.record.errors:
        parts.append(f"biểu mẫu có {format_number_vi(win.record.errors)} lỗi số liệu (xem bằng lệnh thidua check); "
                     "ô lỗi được tính như ô trống")
    if not parts:
        return ""
    text = "; ".join(parts) + "."
    return text[0].upper() + text[1:]


def status_counts(entries: list[FileEntry]) -> dict[str, int]:
    out: dict[str, int] = {}
    for e in entries:
        out[e.status] = out.get(e.status, 0) + 1
    return out


__all__ = ["own_output", "assemble", "resolve_duplicates", "Candidate", "DUPLICATE_RULE", "status_counts",
           "NOT_A_FORM"]
