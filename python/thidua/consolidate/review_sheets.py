"""The level's record in its consolidation workbook: three editable tables (upper scores, review
states, the cluster meeting / the industry's approval), the marks applied and the conflicting
copies. Only this level's columns are unlocked; every other sheet stays protected.

Each record row carries its digest (seal.py) over its keys and this level's columns as written,
so the next level can tell a row the tool sealed from one edited afterwards.
"""
from __future__ import annotations

from ..write.sheets import Book
from ..write.stream import StreamSheet
from ..write.tables import Col, TableSpec
from . import contract as K
from . import review as RV
from .seal import DIGEST

EDIT_NOTE = {
    RV.CLUSTER: ("Cụm nhập vào các ô màu vàng (điểm cụm chấm, ghi chú; trạng thái xét duyệt; biên bản họp cụm), "
                 "lưu tệp, rồi chạy lại Tổng hợp cụm (nút trên thẻ Thi đua hoặc lệnh thidua consolidate với cùng tệp "
                 "kết quả): chương trình giữ nguyên nội dung đã nhập, tính lại điểm, xếp loại, xếp hạng, đề nghị khen "
                 "thưởng và niêm phong bảng để gửi cấp ngành. Nội dung sửa sau lần chạy cuối sẽ không được cấp ngành "
                 "dùng cho đến khi chạy lại."),
    RV.INDUSTRY: ("Cấp ngành nhập vào các ô màu vàng (điểm ngành chấm khi thẩm định, trạng thái, duyệt hoặc trả lại "
                  "cụm), lưu tệp rồi chạy lại Tổng hợp ngành với cùng tệp kết quả: điểm ngành chấm thay điểm cụm "
                  "chấm; mọi thay đổi được liệt kê ở trang 'Điểm cấp trên chấm'. Các cột của cụm lấy từ bảng tổng "
                  "hợp cụm đã niêm phong, không sửa ở đây."),
}
STATE_HELP = ("Chưa xem xét: chưa xét. Cần bổ sung: trả lại đơn vị (ghi lý do, hạn bổ sung); đơn vị chưa được xếp "
              "hạng, chưa được đề nghị khen thưởng. Đã thẩm định: đã xét xong.")


def _levels(c) -> tuple[str, ...]:
    """The levels a workbook shows: a cluster's own; the industry shows the cluster's beside its own."""
    return (RV.CLUSTER,) if c.level == RV.CLUSTER else (RV.CLUSTER, RV.INDUSTRY)


def _kind(c, level: str, kind: str) -> str:
    return f"input_{kind}" if level == c.level else ("wrap" if kind == "text" else kind)


# --- Chấm điểm cấp trên (tblScoreReview) ----------------------------------------------------------
def score_review_spec(c) -> TableSpec:
    cols = [Col(RV.UNIT, "unit", 9, "code"), Col(RV.NAME, "name", 22, "wrap"), Col(RV.CLUSTER_COL, "cluster", 6, "code"),
            Col(RV.CRITERION, "criterion", 8, "code"), Col(RV.CRITERION_LABEL, "label", 30, "wrap"),
            Col(RV.POINTS, "points", 7, "num"), Col(RV.SELF, "self", 7, "num"), Col(RV.DATA, "data", 8, "num")]
    for level in _levels(c):
        lc = RV.LEVEL_COLUMNS[level]
        cols += [Col(lc.score, lc.score, 7, _kind(c, level, "num")), Col(lc.note, lc.note, 20, _kind(c, level, "text"))]
    cols += [Col(RV.FINAL, "final", 8, "bold_num"), Col(DIGEST, "digest", 26, "raw", printed=False)]
    return TableSpec(K.SCORE_REVIEW_TABLE, tuple(cols))


def score_review_rows(c):
    names = {u.code: u for u in c.plan.units}
    crits = {x.code: x for x in c.plan.criteria}
    for code, r in c.results.items():
        for crit_code, data, own, _upper, final in r.ev.criteria:
            row = {"unit": code, "name": names[code].name, "cluster": names[code].cluster, "criterion": crit_code,
                   "label": crits[crit_code].label, "points": crits[crit_code].points, "self": own, "data": data,
                   "final": final}
            for level in _levels(c):
                lc = RV.LEVEL_COLUMNS[level]
                m = c.review.level(level).marks.get((code, crit_code))
                row[lc.score] = m.score if m else None
                row[lc.note] = m.note if m else None
            row["digest"] = RV.digest_of(K.SCORE_REVIEW_TABLE, c.level, {
                RV.UNIT: code, RV.CRITERION: crit_code, **{h: row[h] for h in RV.level_headers(K.SCORE_REVIEW_TABLE, c.level)}})
            yield row


# --- Xét duyệt đơn vị (tblUnitReview) ------------------------------------------------------------
def unit_review_spec(c) -> TableSpec:
    cols = [Col(RV.UNIT, "unit", 9, "code"), Col(RV.NAME, "name", 22, "wrap"), Col(RV.CLUSTER_COL, "cluster", 6, "code"),
            Col(RV.SELF_TOTAL, "self_total", 7, "num"), Col(RV.TOTAL, "total", 7, "bold_num"),
            Col(RV.RATING, "rating", 9, "code")]
    levels = _levels(c)
    for level in levels:
        lc = RV.LEVEL_COLUMNS[level]
        cols += [Col(lc.state, lc.state, 12, _kind(c, level, "text")), Col(lc.reason, lc.reason, 20, _kind(c, level, "text")),
                 Col(lc.who, lc.who, 14, _kind(c, level, "text")), Col(lc.when, lc.when, 10, _kind(c, level, "date"))]
    for level in levels:        # needed on screen, not on the printed page
        lc = RV.LEVEL_COLUMNS[level]
        cols += [Col(lc.deadline, lc.deadline, 10, _kind(c, level, "date"), printed=False),
                 Col(lc.choice, lc.choice, 24, _kind(c, level, "text"), printed=False)]
    cols += [Col("Bản khác nhau", "conflict", 30, "wrap", printed=False), Col(DIGEST, "digest", 26, "raw", printed=False)]
    return TableSpec(K.UNIT_REVIEW_TABLE, tuple(cols))


def unit_review_rows(c):
    names = {u.code: u for u in c.plan.units}
    conflicted = {}
    for x in c.conflicts:
        conflicted.setdefault(x.unit, []).append(x)
    for code, r in c.results.items():
        row = {"unit": code, "name": names[code].name, "cluster": names[code].cluster, "self_total": r.ev.self_total,
               "total": r.ev.total, "rating": r.rating or "Chưa xếp loại"}
        for level in _levels(c):
            lc = RV.LEVEL_COLUMNS[level]
            u = c.review.unit_review(code, level)
            row.update({lc.state: RV.STATE_LABELS[u.state], lc.reason: u.reason or None, lc.who: u.who or None,
                        lc.when: u.when, lc.deadline: u.deadline, lc.choice: u.choice or None})
        xs = conflicted.get(code, [])
        row["conflict"] = ("; ".join(f"'{x.used.record.file}' và '{x.other.record.file}' khác {len(x.differences)} mục"
                                     for x in xs) + ("" if all(x.chosen for x in xs) else
                                                    " — chọn bản đúng ở cột 'Bản được dùng'")) if xs else None
        row["digest"] = RV.digest_of(K.UNIT_REVIEW_TABLE, c.level, {
            RV.UNIT: code, **{h: row[h] for h in RV.level_headers(K.UNIT_REVIEW_TABLE, c.level)}})
        yield row


# --- Họp cụm (tblClusterMeeting) -----------------------------------------------------------------
_MEETING_LOOK = {RV.MEETING_DATE: (10, "date"), RV.PRESENT: (26, "text"), RV.N_PRESENT: (8, "int"),
                 RV.VOTED: (10, "text"), RV.VOTES: (7, "int"), RV.FLAG: (10, "text"), RV.SIGNER: (16, "text"),
                 RV.SIGNED_ON: (10, "date"), RV.APPROVAL: (12, "text"), RV.APPROVAL_REASON: (22, "text"),
                 RV.APPROVER: (14, "text"), RV.APPROVED_ON: (10, "date")}


def meeting_spec(c) -> TableSpec:
    cols = [Col(RV.CLUSTER_COL, "cluster", 6, "code"), Col(RV.CLUSTER_NAME, "name", 20, "wrap"),
            Col("Đơn vị dẫn đầu theo điểm", "by_score", 12, "wrap")]
    for level in _levels(c):
        for h in RV.LEVEL_COLUMNS[level].meeting:
            width, kind = _MEETING_LOOK[h]
            cols.append(Col(h, h, width, _kind(c, level, kind)))
    cols.append(Col(DIGEST, "digest", 26, "raw", printed=False))
    return TableSpec(K.MEETING_TABLE, tuple(cols))


def meeting_rows(c):
    for code in c.clusters:
        m, a = c.review.meeting(code), c.review.approval(code)
        lead = c.leaders.get(code)
        row = {"cluster": code, "name": c.plan.cluster_by_code[code].name,
               "by_score": ", ".join(r.unit for r in lead.units) if lead and lead.units else None,
               RV.MEETING_DATE: m.held_on, RV.PRESENT: m.present or None, RV.N_PRESENT: m.n_present,
               RV.VOTED: m.voted or None, RV.VOTES: m.votes, RV.FLAG: m.flag or None, RV.SIGNER: m.signer or None,
               RV.SIGNED_ON: m.signed_on, RV.APPROVAL: RV.APPROVAL_LABELS[a.approval],
               RV.APPROVAL_REASON: a.approval_reason or None, RV.APPROVER: a.approver or None,
               RV.APPROVED_ON: a.approved_on}
        row["digest"] = RV.digest_of(K.MEETING_TABLE, c.level, {
            RV.CLUSTER_COL: code, **{h: row[h] for h in RV.level_headers(K.MEETING_TABLE, c.level)}})
        yield row


# --- writing -------------------------------------------------------------------------------------
def _inputs_editable(b: Book, ws, spec: TableSpec, placed, c) -> None:
    """Unlock this level's columns (also the empty cells a streamed table leaves) and add the
    lists and checks Excel shows when a person types."""
    last = max(placed.last, placed.first) + 500      # rows added at the end of the table stay editable
    for j, col in enumerate(spec.columns):
        if not col.kind.startswith("input_"):
            continue
        ws.set_column(j, j, b.widths[ws.name][j], b.r.fmt(col.kind))
        if placed.header_row > 0:               # the empty line above the header stays plain
            ws.write_blank(placed.header_row - 1, j, None, b.fmt["text"])
        h = col.header
        if h == RV.LEVEL_COLUMNS[c.level].state:
            ws.data_validation(placed.first, j, last, j, {"validate": "list", "source": list(RV.STATE_LABELS.values()),
                                                          "input_title": "Trạng thái xét duyệt",
                                                          "input_message": STATE_HELP[:255]})
        elif h == RV.APPROVAL:
            ws.data_validation(placed.first, j, last, j, {"validate": "list", "source": list(RV.APPROVAL_LABELS.values()),
                                                          "input_title": "Ngành duyệt kết quả cụm",
                                                          "input_message": "Đã duyệt, hoặc Trả lại (ghi lý do)."})
        elif col.kind == "input_num":
            ws.data_validation(placed.first, j, last, j, {"validate": "decimal", "criteria": ">=", "value": 0,
                                                          "input_title": h[:32],
                                                          "input_message": "Điểm từ 0 đến điểm chuẩn của tiêu chí; "
                                                                           "để trống nếu giữ điểm trước đó.",
                                                          "error_title": "Điểm không hợp lệ",
                                                          "error_message": "Điểm là số không âm."})
        elif col.kind == "input_date":
            ws.data_validation(placed.first, j, last, j, {"validate": "any", "input_title": h[:32],
                                                          "input_message": "Ngày dạng ngày/tháng/năm."})


def protect(ws) -> None:
    """Locked cells stay as written; people may still sort, filter and resize."""
    ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True, "format_columns": True,
                    "format_rows": True, "autofilter": True, "sort": True})


def write_record_sheets(b: Book, c, digests: list[str]) -> None:
    """Chấm điểm cấp trên · Xét duyệt đơn vị · Họp cụm; their digests go to `digests` (the seal)."""
    def keep(rows):
        for row in rows:
            digests.append(row["digest"])
            yield row

    note = EDIT_NOTE[c.level]
    period = c.period.name.upper()
    sheets = (   # (sheet, title, notes, spec, rows, streamed, columns frozen)
        ("Chấm điểm cấp trên", f"ĐIỂM CẤP TRÊN CHẤM THEO TIÊU CHÍ — {period}",
         [note, "Điểm được tính: điểm ngành chấm nếu có, nếu không là điểm cụm chấm, nếu không là điểm theo số liệu "
                "(tiêu chí chấm theo số liệu) hoặc điểm tự chấm; cột do đơn vị ghi 'Cấp trên chấm' trên biểu mẫu "
                "không bao giờ được dùng."], score_review_spec(c), score_review_rows(c), True, 2),
        ("Xét duyệt đơn vị", f"XÉT DUYỆT TỪNG ĐƠN VỊ — {period}", [note, STATE_HELP], unit_review_spec(c),
         unit_review_rows(c), False, 2),
        ("Họp cụm", f"HỌP CỤM VÀ DUYỆT KẾT QUẢ CỤM — {period}",
         [note, "Đơn vị dẫn đầu được bầu và đơn vị đề nghị Cờ thi đua ghi bằng mã đơn vị. Cụm ký xác nhận khi có "
                "tên trưởng cụm ký; cấp ngành duyệt hoặc trả lại kết quả cả cụm."], meeting_spec(c), meeting_rows(c),
         False, 0),
    )
    for name, title, notes, spec, rows, streamed, frozen in sheets:
        ws = b.sheet(name, StreamSheet) if streamed else b.sheet(name)
        width, n = b.prepare(ws, spec)
        row = b.lines(ws, 0, [("title", title), *(("note", x) for x in notes)], width, n) + 1
        placed = b.table(ws, spec, row, keep(rows) if streamed else list(keep(rows)), stream=streamed)
        _inputs_editable(b, ws, spec, placed, c)
        if frozen:
            ws.freeze_panes(placed.first, frozen)
        protect(ws)
        b.page(ws, title=name, header_row=placed.header_row, n_printed=n, last_row=placed.last)


# --- Điểm cấp trên chấm (tblOverrides) and Bản nộp khác nhau (tblConflicts) -----------------------
def overrides_spec() -> TableSpec:
    return TableSpec("tblOverrides", (
        Col("Mã đơn vị", "unit", 9, "code"), Col("Tên đơn vị", "unit_name", 22, "wrap"), Col("Cụm", "cluster", 6, "code"),
        Col("Mã tiêu chí", "criterion", 8, "code"), Col("Tiêu chí", "criterion_label", 26, "wrap"),
        Col("Điểm chuẩn", "points", 7, "num"), Col("Tự chấm", "self_score", 7, "num"),
        Col("Điểm trước đó", "before", 8, "num"), Col("Điểm cấp trên", "upper", 8, "bold_num"),
        Col("Chênh lệch", "difference", 8, "num"), Col("Cấp chấm", "level_label", 7, "text"),
        Col("Người xem xét", "who", 14, "wrap"), Col("Ghi chú", "note", 24, "wrap")))


def conflicts_spec() -> TableSpec:
    return TableSpec("tblConflicts", (
        Col("Mã đơn vị", "unit", 9, "code"), Col("Tên đơn vị", "name", 20, "wrap"), Col("Mục khác nhau", "what", 26, "wrap"),
        Col("Bản đang dùng", "used_file", 22, "wrap"), Col("Giá trị ở bản đang dùng", "used", 12, "wrap"),
        Col("Bản khác", "other_file", 22, "wrap"), Col("Giá trị ở bản khác", "other", 12, "wrap"),
        Col("Chọn bởi", "chosen", 16, "wrap")))


def conflict_rows(c):
    names = {u.code: u.name for u in c.plan.units}
    who = {"": "quy tắc chọn bản (tạm), cần người chọn", RV.CLUSTER: "cụm", RV.INDUSTRY: "cấp ngành"}
    for x in c.conflicts:
        for what, a, b in x.differences:
            yield {"unit": x.unit, "name": names.get(x.unit, ""), "what": what,
                   "used_file": x.used.record.file + (f" (qua {x.used.record.via})" if x.used.record.via else ""),
                   "used": "(trống)" if a in (None, "") else str(a),
                   "other_file": x.other.record.file + (f" (qua {x.other.record.via})" if x.other.record.via else ""),
                   "other": "(trống)" if b in (None, "") else str(b), "chosen": who.get(x.chosen, x.chosen)}


def write_judgement_sheets(b: Book, c) -> None:
    ws = b.sheet("Điểm cấp trên chấm")
    spec = overrides_spec()
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", f"ĐIỂM CẤP TRÊN CHẤM KHÁC ĐIỂM TRƯỚC ĐÓ — {c.period.name.upper()}"),
                          ("note", "Mỗi dòng là một điểm cụm hoặc ngành chấm đã được dùng: điểm trước đó là điểm đã "
                                   "tính trước khi cấp này chấm (theo số liệu, tự chấm, hoặc điểm cụm chấm với dòng của "
                                   "ngành); chênh lệch = điểm cấp trên − điểm trước đó.")], width, n) + 1
    if c.overrides:
        b.table(ws, spec, row, c.overrides)
    else:
        b.text(ws, row, "text", "Chưa có điểm cấp trên chấm nào.", width, n)
    protect(ws)
    b.page(ws, title="Điểm cấp trên chấm")
    if not c.conflicts:
        return
    ws = b.sheet("Bản nộp khác nhau")
    spec = conflicts_spec()
    width, n = b.prepare(ws, spec)
    row = b.lines(ws, 0, [("title", "CÁC BẢN NỘP KHÁC NHAU CỦA CÙNG MỘT ĐƠN VỊ"),
                          ("note", "Một đơn vị nộp nhiều bản với số liệu khác nhau: chương trình tạm dùng một bản theo "
                                   "quy tắc chọn bản; người xem xét chọn bản đúng bằng cách ghi tên tệp vào cột 'Bản được "
                                   "dùng' ở trang 'Xét duyệt đơn vị', rồi chạy lại tổng hợp.")], width, n) + 1
    b.table(ws, spec, row, list(conflict_rows(c)))
    protect(ws)
    b.page(ws, title="Bản nộp khác nhau")
