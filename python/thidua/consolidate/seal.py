"""Digests of rows and the seal of a consolidation workbook.

Each row a consolidation workbook carries up (a unit's raw inputs with its member rows, a row of
the level's record) has a digest of its content in a column of its own ("Mã kiểm tra"): a row
edited after the tool wrote it no longer matches, and the reader can say which row. The digests
alone prove nothing (anyone can recompute a SHA-256), so the workbook also carries a seal: an
HMAC, with the key the industry issued to that cluster (register.py), over the meta table and
the sorted digests of every sealed row. Sorting or filtering the tables keeps the seal; editing a
digest, adding or removing a row breaks it; only the holder of the key can make one.

Digests are taken over values as a spreadsheet gives them back (python-calamine, LibreOffice,
Excel): numbers by value (1 and 1.0 alike), booleans as 1/0, dates as Excel's serial number (a date
cell without a date format reads back as that number), text composed (NFC).
"""
from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from datetime import date, datetime
from json.encoder import encode_basestring as _quote   # json.dumps' own, for ensure_ascii=False

from .. import register as R

DIGEST = "Mã kiểm tra"
_EPOCH = datetime(1899, 12, 30)          # Excel's day 0 (1900 system, after its 1900 leap-year bug)
SEAL_KEY = "seal"                       # meta key: "C01:hex C02:hex" or "industry:hex"


def canonical(v) -> str:
    if type(v) is str:                          # most cells: tested first
        return v if v.isascii() else unicodedata.normalize("NFC", v)
    if v is None:
        return ""
    if isinstance(v, bool):
        return "1" if v else "0"
    if isinstance(v, (int, float)):
        f = float(v)
        if not math.isfinite(f):
            return str(f)
        if f.is_integer() and abs(f) < 2 ** 53:
            return str(int(f))
        return repr(round(f, 9))
    if isinstance(v, datetime):
        days = (v - _EPOCH).total_seconds() / 86400
        return canonical(round(days, 6))
    if isinstance(v, date):
        return str((v - _EPOCH.date()).days)
    text = unicodedata.normalize("NFC", str(v))
    return text


def row_digest(cells: dict, extra=()) -> str:
    """Digest of a row given as {header: value} (empty cells do not count, so adding an empty
    column keeps it) and any rows belonging to it (`extra`: lists of such dicts)."""
    def part(d):
        pairs = sorted((str(k), c) for k, v in d.items() if (c := canonical(v)) != "")
        return "[" + ", ".join(f"[{_quote(k)}, {_quote(c)}]" for k, c in pairs) + "]"
    # the text json.dumps([part(cells), [part(x) for x in extra]], ensure_ascii=False) gives (digests
    # already in workbooks must still match), built directly: json.dumps' set-up cost, paid per row,
    # was most of a row's digest
    text = "[" + part(cells) + ", [" + ", ".join(part(x) for x in extra) + "]]"
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def payload(meta: dict[str, str], digests) -> str:
    items = sorted((k, v) for k, v in meta.items() if k != SEAL_KEY)
    return json.dumps([items, sorted(d for d in digests if d)], ensure_ascii=False)


def seal_text(register, level: str, codes, period: str, meta: dict, digests) -> str:
    """The seal for a workbook of these clusters (or the industry): "" when a key is missing."""
    body = payload(meta, digests)
    parts = []
    for code in codes:
        key = register.key(level, code, period) if register is not None else None
        if key is None:
            return ""
        parts.append(f"{code or R.INDUSTRY}:{R.sign(key, body)}")
    return " ".join(parts)


def check_seal(register, level: str, codes, period: str, meta: dict, digests) -> tuple[bool | None, str]:
    """(True, "") sealed by the keys of these clusters; (False, why) a seal that fails or is
    missing; (None, why) the register at hand holds no key to check with."""
    if register is None:
        return None, "không có sổ phát hành nên chưa xác minh được bảng tổng hợp do ai lập"
    seal = dict(p.split(":", 1) for p in (meta.get(SEAL_KEY) or "").split() if ":" in p)
    body = payload(meta, digests)
    for code in codes:
        name = code or R.INDUSTRY
        key = register.key(level, code, period)
        if key is None:
            return None, (f"sổ phát hành đang dùng không có khóa của {R.LEVEL_LABELS[level]} {code} nên chưa xác "
                          "minh được bảng tổng hợp")
        if name not in seal:
            return False, (f"bảng tổng hợp không có dấu niêm phong của {R.LEVEL_LABELS[level]} {code} (lập khi "
                           "không có sổ phát hành của cụm, hoặc dấu đã bị xóa)")
        if not R.signature_ok(key, body, seal[name]):
            return False, ("dấu niêm phong không khớp nội dung: bảng tổng hợp đã bị sửa ngoài chương trình (bảng "
                           "thông tin, mã kiểm tra, thêm hoặc bớt dòng) hoặc không phải do "
                           f"{R.LEVEL_LABELS[level]} {code} lập")
    return True, ""
