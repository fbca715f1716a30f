"""The Vietnamese summary of a consolidation: the same lines on the summary sheet, in the
terminal and in the Excel button's alert."""
from __future__ import annotations

from ..values import format_number_vi, format_percent_vi
from .completeness import LATENESS_RULE
from .industry import APPLIES_LABELS, DENOMINATOR_RULE, MANUAL, NO_UNITS, STAGE
from .inventory import DUPLICATE_RULE, status_counts
from .ranking import CAP_RULE, TIE_RULE
from .programme import PACE_RULE
from .programme import summary_lines as programme_lines
from .records import STATUS_LABELS

RECOMPUTE_RULE = ("Mọi giá trị tính toán (tỷ lệ, Đạt/Chưa đạt, điểm, xếp loại) được tính lại từ số liệu gốc theo "
                  "chỉ tiêu và bảng điểm của tệp kế hoạch; không dùng chỉ tiêu, công thức hay quy định lưu trong "
                  "biểu mẫu. Tệp nguồn không bị sửa; mỗi tệp được ghi dấu SHA-256.")


def n(x) -> str:
    return format_number_vi(x, 0)


def pct(x) -> str:
    return format_percent_vi(x, 1) if x is not None else "—"


def headline(c) -> str:
    late = c.n_received - c.n_on_time
    missing = c.n_expected - c.n_received
    return (f"Phải báo cáo {n(c.n_expected)} CĐCS; đã nộp {n(c.n_received)} (tỷ lệ báo cáo {pct(c.reporting_rate)}); "
            f"đúng hạn {n(c.n_on_time)} (tỷ lệ đúng hạn {pct(c.on_time_rate)}); nộp muộn {n(late)}; "
            f"chưa nộp {n(missing)}.")


def files_line(c) -> str:
    direct = [e for e in c.entries if not e.via]
    carried = [e for e in c.entries if e.via]
    counts = status_counts(direct)
    parts = [f"{n(counts[s])} {STATUS_LABELS[s].lower()}" for s in STATUS_LABELS if counts.get(s)]
    text = f"Đã xem {n(len(direct))} tệp: " + "; ".join(parts) + "."
    if carried:
        counts = status_counts(carried)
        parts = [f"{n(counts[s])} {STATUS_LABELS[s].lower()}" for s in STATUS_LABELS if counts.get(s)]
        text += f" Qua các bảng tổng hợp: {n(len(carried))} tệp của đơn vị: " + "; ".join(parts) + "."
    return text


def year_line(c) -> str:
    """The year: how many units reported every period, which did not."""
    names = {p.code: p.name for p in c.plan.regular_periods}
    partial = {u: cov.missing for u, cov in c.coverage.items() if cov.missing}
    text = (f"Kết quả cả năm gộp {len(names)} đợt ({', '.join(names.values())}) theo quy tắc từng trường của kế "
            f"hoạch: {n(len(c.coverage) - len(partial))} đơn vị nộp đủ các đợt")
    if partial:
        text += "; thiếu đợt: " + "; ".join(f"{u} ({', '.join(names[p] for p in ps)})" for u, ps in partial.items())
    return text + " (trang 'Các đợt trong năm')."


def ratings_line(c) -> str:
    if not c.plan.ratings:
        return ("Đợt cao điểm: chấm điểm, xếp hạng và khen thưởng theo đợt; không xếp loại năm, không tính vào "
                "kết quả cả năm.")
    total = c.by_kind[-1]
    parts = [f"{code} {n(k)}" for code, k in total.counts.items()]
    if total.not_rated:
        parts.append(f"chưa xếp loại {n(total.not_rated)}")
    if total.not_reported:
        parts.append(f"chưa nộp {n(total.not_reported)}")
    return "Xếp loại: " + ", ".join(parts) + "."


def rating_targets(c) -> list[str]:
    return [t.text for t in c.targets if t.target.measure in ("share_rating_at_least", "count_rating")
            and t.verdict != NO_UNITS]


def targets_line(c) -> str:
    judged = [t for t in c.targets if t.verdict not in (MANUAL, STAGE, NO_UNITS, "")]
    met = [t for t in judged if t.met]
    return f"Chỉ tiêu cấp ngành: đạt {n(len(met))}/{n(len(judged))} chỉ tiêu được đánh giá tự động."


def authenticity_line(c) -> str:
    """Whether what was received was checked against the register, and this workbook's seal."""
    from .. import register as R
    level_word = R.LEVEL_LABELS.get(c.level, c.level)
    units = [e for e in c.entries if e.authentic]
    verified = sum(e.authentic == "verified" for e in units)
    refused = sum(e.authentic == "refused" for e in units)
    if c.register is None:
        text = (f"Không có sổ phát hành (tệp *_so_phat_hanh.json cạnh tệp kế hoạch, hoặc tùy chọn --register): chưa "
                f"xác minh tính xác thực của {n(len(units))} biểu mẫu và bảng tổng hợp đã nhận.")
    else:
        text = (f"Đối chiếu sổ phát hành: {n(verified)} biểu mẫu, bảng tổng hợp đã xác thực; {n(refused)} không xác "
                f"thực được (không dùng, xem lý do ở trang 'Tệp đã nhận')"
                + (f"; {n(len(units) - verified - refused)} chưa xác minh (sổ không có mã của cụm đó)"
                   if len(units) - verified - refused else "") + ".")
    codes = c.clusters if c.level == "cluster" else [""]
    sealed = c.register is not None and all(c.register.key(c.level, code, c.period.code) for code in codes)
    text += (f" Bảng tổng hợp này được niêm phong bằng khóa {level_word} do cấp ngành cấp." if sealed else
             f" Bảng tổng hợp này chưa niêm phong (không có khóa {level_word} trong sổ phát hành đang dùng): cấp trên "
             "sẽ không nhận bảng này.")
    return text


def review_lines(c) -> list[str]:
    """How far each level got: units verified or sent back, clusters signed off and approved."""
    from .review import CLUSTER, INDUSTRY, LEVEL_LABELS, NEEDS_MORE, NOT_REVIEWED, VERIFIED
    out = []
    levels = (CLUSTER,) if c.level == CLUSTER else (CLUSTER, INDUSTRY)
    for level in levels:
        states = {code: c.review.unit_review(code, level).state for code in c.results}
        done = [u for u, s in states.items() if s == VERIFIED]
        back = [u for u, s in states.items() if s == NEEDS_MORE]
        out.append(f"{LEVEL_LABELS[level]} đã thẩm định {n(len(done))}/{n(len(c.results))} đơn vị đã nộp; cần bổ sung "
                   f"{n(len(back))}" + (f" ({', '.join(back)})" if back else "")
                   + f"; chưa xem xét {n(sum(s == NOT_REVIEWED for s in states.values()))}.")
    unsigned = [code for code in c.clusters if not c.review.meeting(code).signed]
    out.append(("Các cụm đã ký xác nhận kết quả họp cụm." if not unsigned else
                f"Cụm chưa ký xác nhận kết quả họp cụm: {', '.join(unsigned)}."))
    if c.level == INDUSTRY:
        approved = [code for code in c.clusters if c.review.approval(code).approval == VERIFIED]
        returned = [code for code in c.clusters if c.review.approval(code).approval == NEEDS_MORE]
        out.append(f"Ngành đã duyệt {n(len(approved))}/{n(len(c.clusters))} cụm"
                   + (f" ({', '.join(approved)})" if approved else "")
                   + (f"; trả lại: {', '.join(returned)}" if returned else "") + ".")
    if c.overrides:
        units = len({o.unit for o in c.overrides})
        out.append(f"{n(len(c.overrides))} điểm cấp trên chấm đã dùng cho {n(units)} đơn vị (trang 'Điểm cấp trên "
                   "chấm').")
    if c.conflicts:
        open_ = {x.unit for x in c.conflicts if not x.chosen}
        out.append(f"{n(len({x.unit for x in c.conflicts}))} đơn vị nộp các bản khác nhau về số liệu (trang 'Bản nộp "
                   "khác nhau')" + (f"; chưa chọn bản: {', '.join(sorted(open_))} (đang tạm dùng bản theo quy tắc)"
                                    if open_ else "") + ".")
    problems = c.review.problems
    if problems:
        out.append(f"{n(len(problems))} ô trong phần xét duyệt không dùng được: " + " ".join(problems[:3])
                   + (" …" if len(problems) > 3 else ""))
    return out


def lines(c) -> list[tuple[str, str]]:
    """(kind, text): kind is title | subtitle | heading | text."""
    p = c.plan
    scope = "TOÀN NGÀNH" if c.scope.industry else "CỤM " + ", ".join(c.clusters)
    final = ("KẾT QUẢ CHÍNH THỨC" if c.period.is_year else
             "KẾT QUẢ TẠM TÍNH — kết quả chính thức là tổng hợp cả năm (--period ca-nam)")
    out = [("title", f"TỔNG HỢP THI ĐUA {scope} — {c.period.name.upper()}"), ("subtitle", final),
           ("subtitle", f"{p.info.issuer} — {c.scope.label}"),
           ("subtitle", f"Kế hoạch {p.info.plan_id}, phiên bản {p.info.version}: {p.info.title}. Kỳ báo cáo "
                        f"{c.period.start:%d/%m/%Y} – {c.period.end:%d/%m/%Y}, hạn nộp {c.period.deadline:%d/%m/%Y}. "
                        f"Lập lúc {c.created_at:%d/%m/%Y %H:%M}."),
           ("heading", "1. Tiến độ nộp báo cáo"), ("text", headline(c)), ("text", files_line(c)),
           *([("text", year_line(c))] if c.period.is_year else []),
           ("heading", "2. Xếp loại"), ("text", ratings_line(c))]
    out += [("text", t) for t in rating_targets(c)]
    out += [("heading", "3. Chỉ tiêu cấp ngành"), ("text", targets_line(c))]
    shown = [t for t in c.targets if t.target.measure not in ("share_rating_at_least", "count_rating")]
    out += [("text", t.text) for t in shown if t.verdict != NO_UNITS]
    absent = [t for t in shown if t.verdict == NO_UNITS]
    for kind in dict.fromkeys(t.target.applies_to for t in absent):      # one line per kind, not per target
        mine = [t for t in absent if t.target.applies_to == kind]
        who = APPLIES_LABELS.get(kind, kind).lower()
        out.append(("text", f"Không có CĐCS {who} thuộc diện nên {len(mine)} chỉ tiêu không áp dụng: "
                            + "; ".join(t.target.short_name for t in mine) + "."))
    stage = programme_lines(c)                      # stage targets over the years (consolidate.programme)
    if stage:
        out.append(("heading", "Tiến độ chỉ tiêu giai đoạn nhiều năm (trang 'Tiến độ giai đoạn')"))
        out += [("text", x) for x in stage]
    out.append(("heading", "4. Đơn vị dẫn đầu cụm (đề xuất)"))
    for code in c.clusters:
        out.append(("text", f"Cụm {code}: {c.leaders[code].text}"))
    for code in c.clusters:
        m = c.review.meeting(code)
        if m.voted or m.flag:
            out.append(("text", f"Họp cụm {code}"
                                + (f" ngày {m.held_on:%d/%m/%Y}" if m.held_on else "")
                                + (f": bầu {m.voted} dẫn đầu" + (f" ({n(m.votes)} phiếu)" if m.votes is not None else "")
                                   if m.voted else "")
                                + (f"; đề nghị {m.flag} nhận Cờ thi đua" if m.flag else "")
                                + (f"; trưởng cụm {m.signer} ký" if m.signer else "; chưa ký xác nhận") + "."))
    out.append(("heading", "5. Xác thực và xét duyệt của cấp trên"))
    out.append(("text", authenticity_line(c)))
    out += [("text", x) for x in review_lines(c)]
    if c.cap_moves:
        out.append(("heading", "6. Điều chỉnh theo tỷ lệ tối đa của xếp loại"))
        out += [("text", f"{m.unit}: {m.from_rating} → {m.to_rating}") for m in c.cap_moves]
    out.append(("heading", "Quy tắc áp dụng"))
    out += [("text", x) for x in (RECOMPUTE_RULE, LATENESS_RULE, DENOMINATOR_RULE, TIE_RULE, CAP_RULE,
                                  DUPLICATE_RULE)]
    if stage:
        out.append(("text", PACE_RULE))
    return out


def short_text(c, out_path=None) -> str:
    """A few lines for the terminal and the Excel alert."""
    rows = [lines(c)[0][1], lines(c)[1][1], headline(c), files_line(c), *([year_line(c)] if c.period.is_year else []),
            ratings_line(c), *rating_targets(c), targets_line(c), *programme_lines(c)]
    rows += [f"Dẫn đầu cụm {code}: " + ", ".join(f"{r.unit}" for r in c.leaders[code].units)
             + (" (đồng hạng — cụm biểu quyết)" if len(c.leaders[code].units) > 1 else "")
             if c.leaders[code].units else f"Cụm {code}: chưa đề xuất dẫn đầu" for code in c.clusters]
    rows += [authenticity_line(c), *review_lines(c)]
    if out_path is not None:
        rows.append(f"Đã ghi bảng tổng hợp: {out_path}")
    return "\n".join(rows)
