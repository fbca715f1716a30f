"""Vietnamese cell values: parse what people type, format what people read.

Vietnamese style writes "1.234.567" for thousands and "1,5" for decimals; people also type
"95%", "12 người", " 7 ". Every parser returns a `Parsed`: the value, the raw cell content as
found, and a Vietnamese note when the content was interpreted (ok, with a note) or refused
(invalid: the raw content is kept, nothing is guessed). Plain data, no Excel, no pandas: the
Excel buttons import this on every click.
"""
from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

OK, BLANK, INVALID = "ok", "blank", "invalid"


@dataclass(frozen=True)
class Parsed:
    status: str                 # ok | blank | invalid
    value: object = None        # typed value when ok; None otherwise
    raw: object = None          # the cell content as found
    note: str | None = None     # Vietnamese: how the content was read, or why it was refused

    @property
    def ok(self) -> bool:
        return self.status == OK

    @property
    def blank(self) -> bool:
        return self.status == BLANK

    @property
    def invalid(self) -> bool:
        return self.status == INVALID


# --- text as people type it -------------------------------------------------------------------
# Unikey's "Unicode tổ hợp" and macOS type "Có" as C + o + combining acute (NFD); copy-paste brings
# non-breaking and zero-width spaces. Every text the tool compares is folded the same way first.
# Forms repeat the same labels and headers: each text is composed and folded once per process
# (texts up to _FOLD_CACHE_TEXT characters; each cache emptied when it reaches _FOLD_CACHE_SIZE).
_COMPOSED: dict[str, str] = {}
_FOLDED: dict[str, str] = {}
_FOLD_CACHE_TEXT, _FOLD_CACHE_SIZE = 200, 50_000
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u00ad"), None)


def nfc(text: str) -> str:
    """Composed Unicode (NFC); ASCII returns at once, a text seen before from the cache."""
    if text.isascii():
        return text
    done = _COMPOSED.get(text)
    if done is None:
        done = _remember(_COMPOSED, text, unicodedata.normalize("NFC", text))
    return done


def _remember(cache: dict, text: str, done: str) -> str:
    if len(text) <= _FOLD_CACHE_TEXT:
        if len(cache) >= _FOLD_CACHE_SIZE:
            cache.clear()
        cache[text] = done
    return done


def fold(text) -> str:
    """NFC, invisible characters dropped, any run of whitespace (NBSP, tabs, line breaks) one space,
    trimmed: the form in which two texts are compared."""
    if text is None:
        return ""
    if type(text) is not str:
        text = str(text)
    done = _FOLDED.get(text)
    if done is not None:
        return done
    done = text
    if not done.isascii():
        done = unicodedata.normalize("NFC", done).translate(_INVISIBLE)
    return _remember(_FOLDED, text, " ".join(done.split()))   # str.split(): the whitespace of re's \s


def fold_key(text) -> str:
    """fold() and case-insensitive: "  CÓ " and "có" (decomposed) give the same key."""
    return fold(text).casefold()


def _blank(raw) -> Parsed:
    return Parsed(BLANK, None, raw)


def _is_blank(raw) -> bool:
    return raw is None or (isinstance(raw, str) and not fold(raw))


def cell_text(v, *, folded: bool = False) -> str:
    """A cell's content as text: "" for blank, 12.0 as "12", a date-time as "YYYY-MM-DD hh:mm:ss",
    text trimmed (and `folded` for comparisons: see fold)."""
    t = type(v)
    if t is str:                                   # most cells: tested first
        return fold(v) if folded else nfc(v.strip())
    if v is None:
        return ""
    if t is float and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(v, str):
        return fold(v) if folded else nfc(v.strip())
    return str(v)


# --- numbers ----------------------------------------------------------------------------------
# A number, possibly with separators, a sign, a percent sign and a trailing unit word
# ("12 người", "1.234.000 đồng"). The unit part is letters only: "khoảng 3" (word first) is refused.
_NUMBER_RE = re.compile(
    r"^(?P<sign>[+\-−]?)\s*(?P<num>\d[\d.,\s]*\d|\d)\s*(?P<pct>%?)\s*(?P<unit>[^\W\d_][^\d]*)?$",
    re.UNICODE)
_VN_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+(,\d+)?$")        # 1.234.567 or 1.234,5
_EN_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?$")         # 1,234,567.5 (English)
_SPACE_THOUSANDS = re.compile(r"^\d{1,3}( \d{3})+(,\d+)?$")       # 1 234 567


def _number_text(text: str) -> tuple[float, str | None] | None:
    """Digits with separators -> (value, note about an unusual reading) or None."""
    if re.fullmatch(r"\d+", text):
        return float(text), None
    if _VN_THOUSANDS.match(text):
        return float(text.replace(".", "").replace(",", ".")), None
    if _SPACE_THOUSANDS.match(text):
        return float(text.replace(" ", "").replace(",", ".")), None
    if re.fullmatch(r"\d+,\d+", text):                              # 1,5 (Vietnamese decimal)
        return float(text.replace(",", ".")), None
    if re.fullmatch(r"\d+\.\d+", text):                              # 1.5: not thousands, so a decimal
        return float(text), f"đã hiểu '{text}' là số thập phân {format_number_vi(float(text), 6)}"
    if _EN_THOUSANDS.match(text) and "." in text:                    # 1,234.5: English style
        v = float(text.replace(",", ""))
        return v, f"đã hiểu '{text}' theo kiểu tiếng Anh là {format_number_vi(v, 6)}"
    return None


def parse_number(raw, *, integer: bool = False, percent: bool = False) -> Parsed:
    """A number from a cell. `percent`: "95%" and 0.95 both give 0.95; `integer`: whole numbers only."""
    if isinstance(raw, bool):
        return Parsed(INVALID, None, raw, "ô này cần một số, không phải Có/Không (TRUE/FALSE)")
    if isinstance(raw, (int, float)):
        return _finish(float(raw), raw, integer, None)
    if isinstance(raw, (datetime, date)):
        return Parsed(INVALID, None, raw, "ô này cần một số nhưng đang là ngày tháng; hãy nhập số")
    if _is_blank(raw):
        return _blank(raw)
    text = fold(raw)
    if text.startswith("="):
        return Parsed(INVALID, None, raw, f"'{text}' là chữ bắt đầu bằng '=', không phải số; hãy nhập số")
    m = _NUMBER_RE.match(text)
    read = _number_text(m.group("num").strip()) if m else None
    if read is None:
        what, example = ("số nguyên", "12 hoặc 1.234") if integer else ("số", "1.234 hoặc 1,5")
        return Parsed(INVALID, None, raw,
                      f"không đọc được '{text}' thành {what}; hãy chỉ nhập {what} (ví dụ {example}), "
                      "không kèm chữ")
    value, note = read
    if m.group("sign") in ("-", "−"):
        value = -value
    notes = [note] if note else []
    if m.group("pct"):
        if integer and not percent:
            return Parsed(INVALID, None, raw, f"'{text}' là tỷ lệ phần trăm, nhưng ô này cần một số nguyên; "
                                              "hãy nhập số lượng, không nhập phần trăm")
        value /= 100
    elif percent:
        if value > 1:                                                 # "95" typed as text in a % cell
            notes.append(f"đã hiểu '{text}' là {format_number_vi(value, 2)}%")
            value /= 100
    if m.group("unit"):
        notes.append(f"đã bỏ chữ '{m.group('unit').strip()}' và đọc '{text}' là {format_number_vi(value, 6)}")
    return _finish(value, raw, integer, "; ".join(notes) or None)


def _finish(value: float, raw, integer: bool, note: str | None) -> Parsed:
    if value != value or value in (float("inf"), float("-inf")):
        return Parsed(INVALID, None, raw, "giá trị không phải số hợp lệ")
    if integer:
        if abs(value - round(value)) > 1e-9:
            return Parsed(INVALID, None, raw, f"'{cell_text(raw)}' không phải số nguyên; hãy nhập số nguyên (ví dụ 12)")
        return Parsed(OK, int(round(value)), raw, note)
    if value.is_integer() and abs(value) < 2**53:
        return Parsed(OK, int(value), raw, note)
    return Parsed(OK, value, raw, note)


# --- dates ------------------------------------------------------------------------------------
_DMY_RE = re.compile(r"^(\d{1,2})\s*[/\-.]\s*(\d{1,2})\s*[/\-.]\s*(\d{4}|\d{2})$")
_YMD_RE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")
_EXCEL_EPOCH = date(1899, 12, 30)


def parse_date(raw) -> Parsed:
    """A date: a real date cell, "15/03/2026" (day first), "2026-03-15", or an Excel serial."""
    if isinstance(raw, datetime):
        return Parsed(OK, raw.date(), raw)
    if isinstance(raw, date):
        return Parsed(OK, raw, raw)
    if isinstance(raw, bool):
        return Parsed(INVALID, None, raw, "ô này cần ngày dạng ngày/tháng/năm")
    if isinstance(raw, (int, float)):
        if float(raw).is_integer() and 20000 <= raw <= 80000:     # 1954–2119: a plausible date serial
            return Parsed(OK, _EXCEL_EPOCH + timedelta(days=int(raw)), raw)
        return Parsed(INVALID, None, raw, f"'{cell_text(raw)}' không phải ngày; nhập dạng ngày/tháng/năm, ví dụ 15/03/2026")
    if _is_blank(raw):
        return _blank(raw)
    text = fold(raw)
    m = _DMY_RE.match(text)
    y = mo = d = None
    if m:
        d, mo, y = int(m.group(1)), int(m.group(2)), int(m.group(3))
        if y < 100:
            y += 2000
    else:
        m = _YMD_RE.match(text)
        if m:
            y, mo, d = int(m.group(1)), int(m.group(2)), int(m.group(3))
    if y is not None:
        try:
            return Parsed(OK, date(y, mo, d), raw)
        except ValueError:
            pass
    return Parsed(INVALID, None, raw,
                  f"không đọc được '{text}' thành ngày; nhập dạng ngày/tháng/năm, ví dụ 15/03/2026")


# --- yes / no ---------------------------------------------------------------------------------
_YES = {"có", "co", "x", "yes", "y", "true", "đã", "đạt", "1", "rồi"}
_NO = {"không", "khong", "ko", "k", "no", "n", "false", "chưa", "0", "-"}


def parse_yes_no(raw) -> Parsed:
    if isinstance(raw, bool):
        return Parsed(OK, raw, raw)
    if isinstance(raw, (int, float)) and raw in (0, 1):
        return Parsed(OK, bool(raw), raw)
    if _is_blank(raw):
        return _blank(raw)
    text = fold_key(raw)
    if text in _YES:
        return Parsed(OK, True, raw)
    if text in _NO:
        return Parsed(OK, False, raw)
    return Parsed(INVALID, None, raw, f"'{cell_text(raw)}' không phải Có/Không; hãy chọn Có hoặc Không trong danh sách")


# --- text -------------------------------------------------------------------------------------
def parse_text(raw) -> Parsed:
    """Text as found (stripped). A leading "=" stays text: it is never evaluated."""
    if _is_blank(raw):
        return _blank(raw)
    if isinstance(raw, datetime):
        return Parsed(OK, raw.strftime("%d/%m/%Y") if raw.time() == datetime.min.time() else raw.isoformat(" "), raw)
    if isinstance(raw, date):
        return Parsed(OK, raw.strftime("%d/%m/%Y"), raw)
    return Parsed(OK, cell_text(raw), raw)


def parse_value(raw, typ: str) -> Parsed:
    """Dispatch on a field type: number | integer | percent | yes_no | date | text | any."""
    if typ == "number":
        return parse_number(raw)
    if typ == "integer":
        return parse_number(raw, integer=True)
    if typ == "percent":
        return parse_number(raw, percent=True)
    if typ == "yes_no":
        return parse_yes_no(raw)
    if typ == "date":
        return parse_date(raw)
    if typ == "any":                      # kept as found; the caller knows how to read it
        return _blank(raw) if _is_blank(raw) else Parsed(OK, raw, raw)
    return parse_text(raw)


# --- formatting -------------------------------------------------------------------------------
def round_half_up(x: float, decimals: int = 0) -> float:
    """x rounded as a spreadsheet's ROUND does: half away from zero, on the number's first 15
    significant digits (2.675 -> 2.68, 0.125 -> 0.13), not Python's half-to-even on the binary
    value (2.67, 0.12). The form's formulas round the same figures; both must agree."""
    x = float(x)
    scaled = abs(x) * 10 ** decimals
    if not math.isfinite(scaled) or abs(scaled - math.floor(scaled) - 0.5) > 1e-6:
        return round(x, decimals)                   # not near a half: both ways agree
    d = Decimal(f"{x:.15g}").quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    return float(d)


def format_number_vi(x, decimals: int = 0) -> str:
    """1234567.891 -> "1.234.567,89" (decimals=2); trailing zeros of the fraction are dropped;
    halves round up, as the form's formulas and Excel round them."""
    if x is None:
        return ""
    if isinstance(x, bool):
        return "Có" if x else "Không"
    neg = x < 0
    text = f"{abs(round_half_up(float(x), decimals)):,.{decimals}f}"
    whole, _, frac = text.partition(".")
    frac = frac.rstrip("0")
    out = whole.replace(",", ".") + ("," + frac if frac else "")
    return ("-" if neg and out.strip("0.,") else "") + out


def format_percent_vi(x, decimals: int = 1) -> str:
    """0.9792 -> "97,9%"; 1.5137 with 2 decimals -> "151,37%"."""
    if x is None:
        return ""
    return format_number_vi(float(x) * 100, decimals) + "%"
