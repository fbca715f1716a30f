"""The documents that leave the building, from a `Consolidation`'s own figures: the báo cáo (sơ
kết for a period, tổng kết for the year), the tờ trình đề nghị khen thưởng and its danh sách,
the quyết định công nhận danh hiệu and its danh sách kèm theo, a biên bản họp cụm per cluster and
a thông báo kết quả per unit. Headers, numbers, signers and recipients are the plan's (Văn bản).
No file list or SHA-256 appears in a document: those stay in the workbook.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..consolidate import awards as AW
from ..consolidate.industry import MANUAL, NO_UNITS, STAGE
from ..plan.model import DocumentDetails
from ..plan.schema import AWARD_LEVELS, label_of
from ..values import format_number_vi, format_percent_vi
from . import format as F

KIND_TITLES = {"bao_cao": "Báo cáo", "to_trinh": "Tờ trình", "quyet_dinh": "Quyết định", "bien_ban": "Biên bản",
               "thong_bao": "Thông báo"}
_SYMBOL = {"bao_cao": "BC", "to_trinh": "TTr", "quyet_dinh": "QĐ", "bien_ban": "BB", "thong_bao": "TB"}
INITIATIVES_FIELD = "so_sang_kien"
DRAFT = "DỰ THẢO"


def n(x) -> str:
    return format_number_vi(x, 0) if x is not None else "—"


def num(x) -> str:
    if x is None:
        return "—"
    return format_number_vi(x, 0 if float(x).is_integer() else 2)


def pct(x) -> str:
    return format_percent_vi(x, 1) if x is not None else "—"


def pts(x) -> str:
    return format_number_vi(x, 2) if x is not None else "—"


def details(plan, kind: str) -> DocumentDetails:
    """The plan's row for this kind; without one, a plain header from the plan's issuer."""
    d = plan.document(kind)
    if d is not None:
        return d
    return DocumentDetails(kind, plan.info.issuer, _SYMBOL[kind], "…", "CHỦ TỊCH")


def _slug(text: str) -> str:
    return re.sub(r"[^0-9A-Za-z_.-]+", "_", text).strip("_") or "x"


def _issuer(c) -> str:
    """The issuer in a sentence: the plan's name of it (Đơn vị ban hành), a trailing note dropped."""
    return re.sub(r"\s*\([^()]*\)\s*$", "", c.plan.info.issuer).strip() or c.plan.info.issuer


def _period_words(c) -> str:
    """"đợt 1 (6 tháng đầu năm) năm 2026", or for the year "năm 2026"."""
    year = c.plan.info.year
    return f"năm {year}" if c.period.is_year else f"{c.period.name.lower()} năm {year}"


def _when(c) -> date:
    return c.created_at.date()


def _start(c, kind: str, summary: str | None, *, template=None, upper=None, issuer=None, doc_title=None):
    d = details(c.plan, kind)
    doc = F.new_document(template or F.template_for(c.plan.source))
    F.header_block(doc, d, F.number_text(d), F.place_date(d, _when(c)), upper_left=upper, issuer_left=issuer)
    F.title(doc, doc_title or KIND_TITLES[kind], summary)
    return doc, d


def _save(doc, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    doc.save(str(tmp))
    tmp.replace(path)
    return path


# --- the report's figures, shared by the document and the tests -----------------------------------------
@dataclass
class Figures:
    expected: int
    received: int
    on_time: int
    late: int
    missing: int
    reporting_rate: float | None
    on_time_rate: float | None
    ratings: dict              # rating code -> units (the whole scope)
    not_rated: int
    not_reported: int
    initiatives: float | None  # sum of so_sang_kien over the units reported (None: no such field)
    awards: list               # [(level label, collectives, individuals)] proposed


def figures(c) -> Figures:
    total = c.by_kind[-1] if c.by_kind else None
    initiatives = None
    if INITIATIVES_FIELD in c.plan.field_by_code:
        initiatives = sum(float(v) for r in c.results.values()
                          if isinstance(v := r.ev.values.get(INITIATIVES_FIELD), (int, float)) and not isinstance(v, bool))
    return Figures(c.n_expected, c.n_received, c.n_on_time, c.n_received - c.n_on_time,
                   c.n_expected - c.n_received, c.reporting_rate, c.on_time_rate,
                   dict(total.counts) if total else {}, total.not_rated if total else 0,
                   total.not_reported if total else 0, initiatives, AW.tally_by_level(c.proposals))


def _result_text(t) -> str:
    if t.actual is None:
        return "không có CĐCS thuộc diện"
    if t.is_share:
        return f"{n(t.numerator)}/{n(t.denominator)} = {pct(t.actual)}"
    return num(t.actual) + (f" {t.target.unit_label}" if t.target.unit_label else "")


def _rating_name(plan, code) -> str:
    r = plan.rating_by_code.get(code)
    return r.name if r else str(code)


def _scope_words(c) -> str:
    return "toàn ngành" if c.scope.industry else "cụm " + ", ".join(c.clusters)


# --- 1. báo cáo -------------------------------------------------------------------------------------------
def write_report(c, path: Path, *, template=None, chart: bool = True) -> Path:
    """Báo cáo kết quả phong trào thi đua: sơ kết (a period) or tổng kết (the year)."""
    p, fig = c.plan, figures(c)
    year = p.info.year
    summary = (f"Tổng kết phong trào thi đua năm {year}" if c.period.is_year else
               f"Sơ kết phong trào thi đua {c.period.name.lower()} năm {year}")
    doc, d = _start(c, "bao_cao", summary, template=template)
    if d.addressee:
        F.para(doc, f"Kính gửi: {d.addressee}", align="center", indent=False)
    F.para(doc, f"Thực hiện {p.info.title} ({p.info.plan_id}), {_issuer(c)} báo cáo kết quả "
                f"phong trào thi đua {_scope_words(c)} {c.period.name.lower()} "
                f"(từ {c.period.start:%d/%m/%Y} đến {c.period.end:%d/%m/%Y}) như sau:")
    if not c.period.is_year:
        F.para(doc, "Kết quả trong báo cáo này là kết quả tạm tính của đợt; kết quả chính thức là kết quả tổng hợp "
                    "cả năm.", italic=True)

    F.heading(doc, "I. TÌNH HÌNH BÁO CÁO CỦA CÁC CÔNG ĐOÀN CƠ SỞ")
    F.para(doc, f"Có {n(fig.expected)} CĐCS phải báo cáo; đã nộp {n(fig.received)} CĐCS (tỷ lệ báo cáo "
                f"{pct(fig.reporting_rate)}), trong đó đúng hạn {n(fig.on_time)} CĐCS (tỷ lệ đúng hạn "
                f"{pct(fig.on_time_rate)}), nộp muộn {n(fig.late)} CĐCS; chưa nộp {n(fig.missing)} CĐCS.")
    rows = [[i, cc.name, n(cc.n_expected), n(cc.n_received), n(cc.n_on_time), n(cc.n_expected - cc.n_received),
             pct(cc.reporting_rate)] for i, cc in enumerate(c.completeness, 1)]
    rows.append(["", "Tổng cộng", n(fig.expected), n(fig.received), n(fig.on_time), n(fig.missing),
                 pct(fig.reporting_rate)])
    F.table(doc, ["TT", "Cụm thi đua", "Phải nộp", "Đã nộp", "Đúng hạn", "Chưa nộp", "Tỷ lệ báo cáo"], rows,
            [1.0, 6.5, 1.8, 1.8, 1.8, 1.8, 1.8], numeric_from=2)

    F.heading(doc, "II. KẾT QUẢ THỰC HIỆN CÁC CHỈ TIÊU CỦA NGÀNH")
    judged = [t for t in c.targets if t.verdict not in (MANUAL, STAGE, NO_UNITS, "")]
    met = [t for t in judged if t.met]
    F.para(doc, f"Trong {n(len(c.targets))} chỉ tiêu cấp ngành của kế hoạch, {n(len(judged))} chỉ tiêu được đánh giá "
                f"từ số liệu của các CĐCS: đạt {n(len(met))} chỉ tiêu, chưa đạt {n(len(judged) - len(met))} chỉ tiêu.")
    rows = [[i, t.target.label, t.target_text or "—", _result_text(t), t.verdict or "—"]
            for i, t in enumerate(c.targets, 1)]
    F.table(doc, ["TT", "Chỉ tiêu", "Kế hoạch", "Kết quả", "Đánh giá"], rows, [1.0, 6.7, 2.8, 3.2, 2.8],
            numeric_from=2)

    F.heading(doc, "III. KẾT QUẢ CHẤM ĐIỂM, XẾP LOẠI")
    if p.ratings:
        parts = [f"{_rating_name(p, code)} {n(k)} CĐCS" for code, k in fig.ratings.items()]
        text = "Kết quả xếp loại: " + "; ".join(parts)
        if fig.not_rated:
            text += f"; chưa đủ điều kiện xếp loại {n(fig.not_rated)} CĐCS"
        if fig.not_reported:
            text += f"; chưa nộp báo cáo {n(fig.not_reported)} CĐCS"
        F.para(doc, text + ".")
        for t in c.targets:
            if t.target.measure in ("share_rating_at_least", "count_rating") and t.verdict != NO_UNITS:
                F.para(doc, f"So với kế hoạch: {t.target.label} {t.target_text}, thực hiện {_result_text(t)} — "
                            f"{(t.verdict or '').lower()}.")
        codes = list(fig.ratings)
        rows = []
        for i, dist in enumerate(c.by_cluster, 1):
            name = c.plan.cluster_by_code[dist.label].name if dist.label in c.plan.cluster_by_code else dist.label
            rows.append([i, name, *[n(dist.counts.get(code, 0)) for code in codes], n(dist.not_rated),
                         n(dist.not_reported)])
        rows.append(["", "Tổng cộng", *[n(fig.ratings[code]) for code in codes], n(fig.not_rated),
                     n(fig.not_reported)])
        rest = 16.5 - 1.0 - 5.5
        each = rest / (len(codes) + 2)
        F.table(doc, ["TT", "Cụm thi đua", *[_rating_name(p, code) for code in codes], "Chưa xếp loại", "Chưa nộp"],
                rows, [1.0, 5.5, *[each] * (len(codes) + 2)], numeric_from=2)
        if chart and c.by_cluster:
            from .chart import ratings_chart
            png = ratings_chart(c, path.with_suffix(".png"))
            F.picture(doc, png)
            F.para(doc, "Biểu đồ: Kết quả xếp loại CĐCS theo cụm thi đua", size=12, italic=True, align="center")
            png.unlink(missing_ok=True)
    else:
        F.para(doc, "Đợt cao điểm: chấm điểm, xếp hạng và khen thưởng theo đợt; không xếp loại năm.")

    F.heading(doc, "IV. ĐƠN VỊ DẪN ĐẦU CÁC CỤM THI ĐUA")
    for code in c.clusters:
        ranked = c.ranked.get(code, [])
        name = c.plan.cluster_by_code[code].name if code in c.plan.cluster_by_code else code
        top = [r for r in ranked if r.rank == 1]
        if not top:
            F.para(doc, f"{name}: chưa có CĐCS được xếp hạng.")
        elif len(top) > 1:
            F.para(doc, f"{name}: đồng hạng nhất " + ", ".join(_unit_name(p, r.unit) for r in top)
                        + f" ({pts(top[0].ev.total)} điểm); hội nghị cụm biểu quyết đơn vị dẫn đầu.")
        else:
            r = top[0]
            rating = f", xếp loại {_rating_name(p, r.rating)}" if r.rating else ""
            F.para(doc, f"{name}: {_unit_name(p, r.unit)} dẫn đầu với {pts(r.ev.total)} điểm{rating}.")

    F.heading(doc, "V. SÁNG KIẾN VÀ KHEN THƯỞNG")
    if fig.initiatives is not None:
        F.para(doc, f"Các CĐCS đã báo cáo có {num(fig.initiatives)} sáng kiến được công nhận.")
    if fig.awards:
        F.para(doc, "Đề nghị khen thưởng: " + "; ".join(
            f"cấp {lv.lower()} {n(col)} tập thể, {n(ind)} cá nhân" for lv, col, ind in fig.awards) + ".")
        rows = [[i, f"Cấp {lv.lower()}", n(col), n(ind)] for i, (lv, col, ind) in enumerate(fig.awards, 1)]
        rows.append(["", "Tổng cộng", n(sum(x[1] for x in fig.awards)), n(sum(x[2] for x in fig.awards))])
        F.table(doc, ["TT", "Cấp khen", "Tập thể", "Cá nhân"], rows, [1.0, 7.5, 4.0, 4.0], numeric_from=2)
    else:
        F.para(doc, "Chưa có đề nghị khen thưởng.")
    F.signature(doc, d)
    return _save(doc, path)


def _unit_name(plan, code: str) -> str:
    u = plan.unit_by_code.get(code)
    return u.name if u else code


# --- 2. tờ trình and quyết định -----------------------------------------------------------------------------
def _award_list(doc, props, *, heading: str, note: str) -> None:
    """DANH SÁCH: I. Tập thể, II. Cá nhân, by level and title, with counts."""
    F.landscape_section(doc)
    F.para(doc, heading, bold=True, align="center", after=0)
    F.para(doc, note, italic=True, align="center")
    levels = list(reversed(list(AWARD_LEVELS.values())))
    for roman, who, label in (("I", "collective", "TẬP THỂ"), ("II", "individual", "CÁ NHÂN")):
        mine = [p for p in props if p.target_of == who]
        F.para(doc, f"{roman}. {label} ({n(len(mine))} {'tập thể' if who == 'collective' else 'cá nhân'})",
               bold=True, indent=False)
        if not mine:
            F.para(doc, "Không có.", indent=False)
            continue
        k = 0
        for level in levels:
            at = [p for p in mine if p.level == level]
            for title in dict.fromkeys(p.title_name for p in at):
                rows_of = [p for p in at if p.title_name == title]
                F.para(doc, f"Cấp {label_of(AWARD_LEVELS, level).lower()} — {title}: {n(len(rows_of))} "
                            f"{'tập thể' if who == 'collective' else 'cá nhân'}", bold=True, italic=True, indent=False)
                if who == "collective":
                    rows = [[k + i, p.unit_name, p.title_name] for i, p in enumerate(rows_of, 1)]
                    F.table(doc, ["TT", "Tên tập thể", "Danh hiệu"], rows, [1.2, 14.0, 9.5], numeric_from=3)
                else:
                    rows = [[k + i, p.person, p.department, p.unit_name, p.title_name] for i, p in enumerate(rows_of, 1)]
                    F.table(doc, ["TT", "Họ và tên", "Khoa, phòng", "Đơn vị", "Danh hiệu"], rows,
                            [1.2, 5.5, 5.0, 7.5, 5.5], numeric_from=5)
                k += len(rows_of)


def proposed(c, levels=None) -> list:
    """Proposals the consolidation proposes (eligible, within the caps), optionally of some levels."""
    return [p for p in c.proposals if p.proposed and not p.removed and (levels is None or p.level in levels)]


def _counts_text(props) -> str:
    col = sum(p.target_of == "collective" for p in props)
    ind = sum(p.target_of == "individual" for p in props)
    parts = [f"{n(k)} {who}" for k, who in ((col, "tập thể"), (ind, "cá nhân")) if k]
    return " và ".join(parts) or "0 tập thể, cá nhân"     # a count of none is not written out


def write_proposal(c, path: Path, *, template=None) -> Path:
    """Tờ trình đề nghị khen thưởng with its annex (every proposal the consolidation proposes)."""
    props = proposed(c)
    year = c.plan.info.year
    doc, d = _start(c, "to_trinh", f"Về việc đề nghị khen thưởng phong trào thi đua năm {year}", template=template)
    if d.addressee:
        F.para(doc, f"Kính gửi: {d.addressee}", align="center", indent=False)
    for b in d.basis_list:
        F.para(doc, f"Căn cứ {b[:1].lower() + b[1:]};", italic=True)
    F.para(doc, f"Căn cứ kết quả tổng hợp phong trào thi đua {c.period.name.lower()} của các công đoàn cơ sở,")
    F.para(doc, f"{_issuer(c)} đề nghị khen thưởng {_counts_text(props)}, cụ thể:")
    for lv, col, ind in AW.tally_by_level(props):
        F.para(doc, f"- Cấp {lv.lower()}: {n(col)} tập thể, {n(ind)} cá nhân;")
    rows = [[i, t.title_name, "Tập thể" if t.target_of == "collective" else "Cá nhân",
             label_of(AWARD_LEVELS, t.level), n(t.proposed)]
            for i, t in enumerate((t for t in AW.counts_by_title(c.plan, props) if t.proposed), 1)]
    if rows:
        F.table(doc, ["TT", "Danh hiệu", "Đối tượng", "Cấp khen", "Số đề nghị"], rows, [1.0, 7.5, 2.8, 2.6, 2.6],
                numeric_from=2)
    F.para(doc, "(Có danh sách kèm theo)", italic=True)
    F.para(doc, "Kính trình xem xét, quyết định./.")
    F.signature(doc, d)
    when = F.date_vi(_when(c))
    _award_list(doc, props, heading="DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG",
                note=f"(Kèm theo Tờ trình số {F.number_text(d)[5:]} {when} của {_issuer(c)})")
    return _save(doc, path)


DECISION_LEVELS = ("industry",)   # the titles the industry itself confers


def write_decision(c, path: Path, *, template=None, levels=DECISION_LEVELS) -> Path:
    """Quyết định công nhận danh hiệu (the titles the industry confers) and its danh sách kèm theo."""
    props = proposed(c, levels)
    year = c.plan.info.year
    doc, d = _start(c, "quyet_dinh", f"Về việc công nhận danh hiệu thi đua năm {year}", template=template)
    F.para(doc, f"BAN THƯỜNG VỤ {d.issuer.upper()}", bold=True, align="center")
    for b in d.basis_list:
        F.para(doc, f"Căn cứ {b[:1].lower() + b[1:]};", italic=True)
    F.para(doc, f"Căn cứ kết quả tổng hợp phong trào thi đua {c.period.name.lower()},", italic=True)
    F.para(doc, "QUYẾT ĐỊNH:", bold=True, align="center", before=6)
    titles = list(dict.fromkeys(p.title_name for p in props)) or ["danh hiệu thi đua"]
    F.para(doc, f"Điều 1. Công nhận danh hiệu {', '.join(titles)} năm {year} cho {_counts_text(props)} "
                "(có danh sách kèm theo).")
    F.para(doc, "Điều 2. Các tập thể, cá nhân được công nhận danh hiệu được hưởng chế độ khen thưởng theo quy định "
                "hiện hành.")
    F.para(doc, "Điều 3. Văn phòng, các ban và các công đoàn cơ sở có tên tại Điều 1 chịu trách nhiệm thi hành "
                "Quyết định này. Quyết định có hiệu lực kể từ ngày ký./.")
    F.signature(doc, d)
    _award_list(doc, props, heading="DANH SÁCH KÈM THEO",
                note=f"(Kèm theo Quyết định số {F.number_text(d)[5:]} {F.date_vi(_when(c))} của Ban Thường vụ "
                     f"{_issuer(c)})")
    return _save(doc, path)


# --- 3. biên bản họp cụm ------------------------------------------------------------------------------------
def write_meeting(c, cluster: str, path: Path, *, template=None) -> Path:
    """Biên bản họp cụm from the cluster's meeting record; without one, from the ranking, as a draft."""
    p = c.plan
    m = c.review.meeting(cluster)
    held = m.held_on is not None or m.signed
    name = p.cluster_by_code[cluster].name if cluster in p.cluster_by_code else cluster
    d = details(p, "bien_ban")
    summary = f"Họp cụm thi đua {cluster} — {_period_words(c)}"
    doc = F.new_document(template or F.template_for(p.source))
    F.header_block(doc, d, F.number_text(d), F.place_date(d, m.held_on or _when(c)),
                   issuer_left=f"{d.issuer} {cluster}" if d.issuer.upper() == "CỤM THI ĐUA" else None)
    if not held:
        F.para(doc, DRAFT, bold=True, align="center", after=0)
    F.title(doc, "Biên bản", summary)
    when = F.date_vi(m.held_on) if m.held_on else "ngày … tháng … năm …"
    F.para(doc, f"Hôm nay, {when}, {name} họp xét kết quả thi đua {c.period.name.lower()}.")
    if m.present:
        F.para(doc, f"Thành phần dự họp: {m.present}" + (f" ({n(m.n_present)} đại biểu)." if m.n_present else "."))
    elif not held:
        F.para(doc, "Thành phần dự họp: …", italic=True)
    ranked = c.ranked.get(cluster, [])
    F.heading(doc, "1. Kết quả chấm điểm, xếp hạng")
    F.para(doc, f"Cụm có {n(len([u for u in c.expected if u.cluster == cluster]))} CĐCS phải báo cáo, "
                f"{n(len(ranked))} CĐCS được xếp hạng theo tổng điểm chấm lại từ số liệu và bảng điểm của kế hoạch.")
    rows = [[r.rank, _unit_name(p, r.unit), pts(r.ev.total), _rating_name(p, r.rating) if r.rating else "—"]
            for r in ranked]
    F.table(doc, ["Thứ hạng", "Công đoàn cơ sở", "Tổng điểm", "Xếp loại"], rows, [1.8, 9.0, 2.6, 3.1], numeric_from=2)
    F.heading(doc, "2. Kết quả biểu quyết")
    if m.voted:
        F.para(doc, f"Hội nghị biểu quyết {_unit_name(p, m.voted)} là đơn vị dẫn đầu cụm"
                    + (f" với {n(m.votes)} phiếu tán thành" if m.votes is not None else "") + ".")
    else:
        lead = c.leaders.get(cluster)
        top = lead.units if lead else []
        who = ", ".join(_unit_name(p, r.unit) for r in top) or "…"
        F.para(doc, f"Theo xếp hạng, đề xuất đơn vị dẫn đầu cụm: {who}. Hội nghị biểu quyết: … phiếu tán thành.")
    if m.flag:
        F.para(doc, f"Đề nghị tặng Cờ thi đua: {_unit_name(p, m.flag)}.")
    F.para(doc, "Biên bản được thông qua tại hội nghị./.")
    F.signature(doc, d, signer=m.signer or d.signer or "")
    return _save(doc, path)


# --- 4. thông báo kết quả -----------------------------------------------------------------------------------
def write_notice(c, unit: str, path: Path, *, template=None) -> Path:
    """Thông báo kết quả to one unit: score, rating, the reasons."""
    p = c.plan
    r = c.results[unit]
    name = _unit_name(p, unit)
    doc, d = _start(c, "thong_bao", f"Kết quả thi đua {_period_words(c)} của {name}",
                    template=template)
    F.para(doc, f"Kính gửi: Ban Chấp hành {name}", align="center", indent=False)
    F.para(doc, f"Căn cứ kết quả tổng hợp phong trào thi đua {c.period.name.lower()}, "
                f"{_issuer(c)} thông báo kết quả của đơn vị như sau:")
    F.para(doc, f"1. Tổng điểm: {pts(r.ev.total)}/{pts(r.ev.max_total)} điểm"
                + (f"; xếp thứ {n(r.rank)} trong cụm." if r.rank else "."))
    F.para(doc, f"2. Xếp loại: {_rating_name(p, r.rating) if r.rating else 'chưa xếp loại'}.")
    rows = [[i, p.group_by_code[g].name if g in p.group_by_code else g, pts(s), pts(mx)]
            for i, (g, s, mx) in enumerate(r.ev.groups, 1)]
    if rows:
        F.table(doc, ["TT", "Nhóm tiêu chí", "Điểm đạt", "Điểm tối đa"], rows, [1.0, 10.5, 2.5, 2.5], numeric_from=2)
    reason = r.rating_reason or r.ev.reason      # after the plan's share caps, else the thresholds'
    if reason:
        F.para(doc, "3. Lý do: " + (reason if reason.endswith(".") else reason + "."))
    if not c.period.is_year:
        F.para(doc, "Kết quả của đợt là kết quả tạm tính; kết quả chính thức là kết quả tổng hợp cả năm.", italic=True)
    F.para(doc, "Đề nghị đơn vị tiếp tục phát huy kết quả đạt được, khắc phục các nội dung chưa đạt./.")
    F.signature(doc, d, recipients=[f"{name}", *d.recipient_list])
    return _save(doc, path)


# --- all -------------------------------------------------------------------------------------------------------
def write_documents(c, out_dir: str | Path, *, template=None) -> list[Path]:
    """Every document of a consolidation into out_dir; returns the paths written."""
    out = Path(out_dir)
    code = c.period.code
    written = [write_report(c, out / f"bao_cao_{code}.docx", template=template)]
    if c.proposals:
        written.append(write_proposal(c, out / f"to_trinh_khen_thuong_{code}.docx", template=template))
        written.append(write_decision(c, out / f"quyet_dinh_cong_nhan_{code}.docx", template=template))
    return written + write_cluster_documents(c, out, template=template)


def write_cluster_documents(c, out_dir: str | Path, *, template=None) -> list[Path]:
    """What a cluster sends: its meeting's minutes and each unit's notice (the Tổng hợp cụm button)."""
    out = Path(out_dir)
    code = c.period.code
    written = []
    for cluster in c.clusters:
        written.append(write_meeting(c, cluster, out / f"bien_ban_hop_cum_{_slug(cluster)}_{code}.docx",
                                     template=template))
    for unit in c.results:
        written.append(write_notice(c, unit, out / "thong_bao" / f"thong_bao_{_slug(unit)}_{code}.docx",
                                    template=template))
    return written
