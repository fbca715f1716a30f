"""Ranks within a cluster, the proposed leading unit, and the plan's share caps on ratings.

Order of units (the tie rule), stated in every output that uses it:
  1. higher total score (after upper-level scores);
  2. then higher score of group 1, group 2, ... (the groups of the unit's score sheet, in the
     plan's order);
  3. then the earlier "ngày báo cáo" (reported sooner);
  4. still equal: the same rank ("đồng hạng"); for the leading unit the cluster meeting decides.
Only rated units are ranked (units not yet eligible for a rating are listed, not ranked).

Share caps (tblRatings "Tỷ lệ tối đa"): at most floor(cap × number of rated units in this
consolidation) units keep that rating; the others, last in the order above, move to the best
lower rating they qualify for (score.engine.rate on the remaining ratings), with the reason.
"""
from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from datetime import date

from ..plan.model import Plan
from ..score.engine import NO_RATING, GroupScore, rate
from ..values import format_number_vi, format_percent_vi
from .records import UnitResult

TIE_RULE = ("Thứ tự xếp hạng: (1) tổng điểm cao hơn; (2) bằng tổng điểm thì điểm nhóm 1 cao hơn, rồi nhóm 2, "
            "nhóm 3… (theo thứ tự nhóm tiêu chí trong kế hoạch); (3) vẫn bằng thì nộp báo cáo sớm hơn (ngày báo "
            "cáo); (4) vẫn bằng nhau thì đồng hạng — đơn vị dẫn đầu cụm do hội nghị cụm biểu quyết. Chỉ xếp hạng "
            "CĐCS đã được xếp loại.")
CAP_RULE = ("Tỷ lệ tối đa của một xếp loại (bảng Xếp loại của kế hoạch) tính trên số CĐCS được xếp loại trong "
            "bảng tổng hợp này, làm tròn xuống; CĐCS vượt tỷ lệ (đứng sau theo thứ tự xếp hạng) chuyển xuống xếp "
            "loại liền dưới mà đơn vị đủ điều kiện.")


def pts(x) -> str:
    return format_number_vi(x, 2)


def tie_key(r: UnitResult, width: int = 0) -> tuple:
    groups = [round(s, 2) for _, s, _ in r.ev.groups]
    groups += [0.0] * (width - len(groups))
    day = r.ev.report_date or date.max
    return (-round(r.ev.total, 2), *(-g for g in groups), day.toordinal())


def order(results: list[UnitResult]) -> list[UnitResult]:
    """Best first by the tie rule; unit code only to list equals in a stable order."""
    width = max((len(r.ev.groups) for r in results), default=0)
    return sorted(results, key=lambda r: (tie_key(r, width), r.unit))


def decided_by(better: UnitResult, worse: UnitResult) -> str:
    """What `better` has that puts it before `worse`, as a clause after "có" ("" when fully equal):
    "tổng điểm cao hơn (97,5 so với 95)", "cùng tổng điểm 97,5 nhưng điểm nhóm 1 cao hơn (…)"."""
    a, b = better.ev, worse.ev
    if round(a.total, 2) != round(b.total, 2):
        return f"tổng điểm cao hơn ({pts(a.total)} so với {pts(b.total)})"
    for i in range(max(len(a.groups), len(b.groups))):
        ga = a.groups[i][1] if i < len(a.groups) else 0.0
        gb = b.groups[i][1] if i < len(b.groups) else 0.0
        if round(ga, 2) != round(gb, 2):
            return f"cùng tổng điểm {pts(a.total)} nhưng điểm nhóm {i + 1} cao hơn ({pts(ga)} so với {pts(gb)})"
    da, db = a.report_date or date.max, b.report_date or date.max
    if da != db:
        return (f"cùng tổng điểm và điểm từng nhóm nhưng nộp báo cáo sớm hơn ({_day(a.report_date)} so với "
                f"{_day(b.report_date)})")
    return ""


def _day(d: date | None) -> str:
    return f"{d:%d/%m/%Y}" if d else "không có ngày báo cáo"


def rank_cluster(results: list[UnitResult]) -> list[UnitResult]:
    """Rated units of one cluster, ranked (competition ranking: 1, 2, 2, 4); sets rank and rank_note."""
    rated = order([r for r in results if r.ev.eligible])
    width = max((len(r.ev.groups) for r in rated), default=0)
    prev = None
    for i, r in enumerate(rated):
        if prev is not None and tie_key(prev, width) == tie_key(r, width):
            r.rank = prev.rank
            r.rank_note = f"đồng hạng với {prev.unit} (bằng nhau ở mọi tiêu chí xếp hạng)"
        else:
            r.rank = i + 1
            r.rank_note = f"xếp sau {prev.unit} vì {prev.unit} có {decided_by(prev, r)}" if prev is not None else ""
        prev = r
    for r in results:
        if not r.ev.eligible:
            r.rank, r.rank_note = None, "chưa xếp hạng: " + r.ev.reason
    return rated


@dataclass
class Leader:
    cluster: str
    units: list[UnitResult]          # more than one: tied, the cluster meeting decides
    text: str


def leader(cluster: str, ranked: list[UnitResult], names: dict[str, str]) -> Leader:
    if not ranked:
        return Leader(cluster, [], "Chưa có CĐCS nào được xếp hạng (chưa nộp báo cáo hoặc chưa đủ điều kiện "
                                   "xếp loại); chưa đề xuất đơn vị dẫn đầu.")
    top = [r for r in ranked if r.rank == 1]
    first = top[0]

    def who(r):
        return f"{r.unit} — {names.get(r.unit, r.unit)}"

    if len(top) > 1:
        listed = ", ".join(who(r) for r in top)
        return Leader(cluster, top, f"Đồng hạng nhất: {listed} ({pts(first.ev.total)} điểm; bằng nhau ở tổng "
                                    "điểm, điểm từng nhóm và ngày báo cáo). Hội nghị cụm biểu quyết đơn vị dẫn đầu.")
    rating = f", xếp loại {first.rating or 'chưa xếp loại'}" if first.ev.rating_name != NO_RATING else ""
    text = f"Đề xuất dẫn đầu cụm: {who(first)}, {pts(first.ev.total)} điểm{rating}"
    if len(ranked) > 1:
        second = ranked[1]
        text += f"; xếp trên {second.unit} (thứ {second.rank}) vì có {decided_by(first, second)}"
    else:
        text += "; là CĐCS duy nhất của cụm được xếp hạng"
    notes = []
    if first.record.errors:
        notes.append(f"biểu mẫu còn {first.record.errors} lỗi số liệu cần xem lại trước khi đề nghị")
    if not first.on_time:
        notes.append("nộp báo cáo muộn")
    if notes:
        text += " (lưu ý: " + "; ".join(notes) + ")"
    return Leader(cluster, [first], text + ".")


@dataclass
class CapMove:
    unit: str
    cluster: str
    from_rating: str
    to_rating: str
    position: int                    # place among the holders of from_rating, in the tie-rule order
    allowed: int
    holders: int
    reason: str


def apply_caps(plan: Plan, results: list[UnitResult]) -> list[CapMove]:
    """Set every result's final rating (and reason); return who was moved down by a share cap."""
    for r in results:
        r.rating, r.rating_reason = r.ev.rating, r.ev.reason
    rated = [r for r in results if r.ev.eligible]
    n = len(rated)
    moves: list[CapMove] = []
    best_first = plan.ratings_best_first()
    for rating in best_first:
        if rating.cap is None:
            continue
        holders = order([r for r in rated if r.rating == rating.code])
        allowed = math.floor(rating.cap * n + 1e-9)
        if len(holders) <= allowed:
            continue
        lower = dataclasses.replace(plan, ratings=tuple(x for x in plan.ratings if x.rank > rating.rank))
        if not lower.ratings:
            continue
        last_kept = holders[allowed - 1] if allowed else None
        width = max(len(r.ev.groups) for r in holders)
        for i, r in enumerate(holders[allowed:], start=allowed + 1):
            groups = [GroupScore(code, plan.group_by_code[code].name if code in plan.group_by_code else code,
                                 mx, score, plan.group_by_code[code].floor if code in plan.group_by_code else None)
                      for code, score, mx in r.ev.groups]
            code, _name, why = rate(lower, r.ev.total, groups)
            tied = last_kept is not None and tie_key(last_kept, width) == tie_key(r, width)
            reason = (f"tỷ lệ tối đa {rating.code} là {format_percent_vi(rating.cap, 1)} của {n} CĐCS được xếp loại = "
                      f"{allowed} CĐCS (làm tròn xuống); {len(holders)} CĐCS đủ điểm {rating.code}, đơn vị đứng thứ "
                      f"{i} theo thứ tự xếp hạng nên chuyển xuống {code} ({why})")
            if tied:
                reason += (f"; bằng nhau ở mọi tiêu chí với {last_kept.unit} (được giữ {rating.code}) — cần cấp có "
                           "thẩm quyền quyết định")
            moves.append(CapMove(r.unit, r.ev.cluster, rating.code, code, i, allowed, len(holders), reason))
            r.rating, r.rating_reason = code, reason
    return moves
