"""Spreadsheet formula text that Excel 2010+, WPS and LibreOffice evaluate alike.

Only functions all three have had for a decade (IF, AND, OR, NOT, ISNUMBER, ISTEXT, LEN, TRIM,
LOWER, INT, ROUND, ABS, MAX, MIN, SUM, SUMPRODUCT, COUNTIF, MATCH, INDEX, RIGHT, MID, DAY,
MONTH, YEAR); nothing volatile (no TODAY, NOW, OFFSET, INDIRECT), no dynamic arrays, no
TEXT() (its format codes are localised: a German or Vietnamese Excel reads "dd/mm/yyyy" or
"0.00" differently). Numbers and dates become Vietnamese text with integer arithmetic and
concatenation, which no locale changes.
"""
from __future__ import annotations

from datetime import date

# Excel refuses a text constant longer than 255 characters inside a formula.
MAX_LITERAL = 255
EPS = "1E-09"       # the engine's tolerance (check.engine, plan.semantics: 1e-9)


def lit(text: str) -> str:
    """A text constant, split into pieces Excel accepts and joined with &."""
    text = str(text)
    if not text:
        return '""'
    parts = [text[i:i + MAX_LITERAL] for i in range(0, len(text), MAX_LITERAL)]
    return "&".join('"' + p.replace('"', '""') + '"' for p in parts)


def num(x: float) -> str:
    """A number constant as formula text (repr is exact and locale-free)."""
    x = float(x)
    return str(int(x)) if x.is_integer() and abs(x) < 1e15 else repr(x)


def serial(d: date) -> str:
    """A date as the spreadsheet's serial number (1900 system)."""
    return str((d - date(1899, 12, 30)).days)


def all_of(*conds: str) -> str:
    conds = [c for c in conds if c and c != "TRUE"]
    if not conds:
        return "TRUE"
    return conds[0] if len(conds) == 1 else f"AND({','.join(conds)})"


def any_of(*conds: str) -> str:
    conds = [c for c in conds if c and c != "FALSE"]
    if not conds:
        return "FALSE"
    return conds[0] if len(conds) == 1 else f"OR({','.join(conds)})"


def blank(ref: str) -> str:
    """Empty, or only spaces (the engine's 'blank')."""
    return f'TRIM({ref}&"")=""'


def filled(ref: str) -> str:
    return f'TRIM({ref}&"")<>""'


def is_text(ref: str) -> str:
    """Text that is not blank: what a number, date or score cell should not hold."""
    return f'AND(ISTEXT({ref}),TRIM({ref}&"")<>"")'


def vi_date(x: str) -> str:
    """A date serial as dd/mm/yyyy."""
    return f'RIGHT("0"&DAY({x}),2)&"/"&RIGHT("0"&MONTH({x}),2)&"/"&YEAR({x})'


def half_even_percent(share: str) -> str:
    """f"{share:.0%}" (Python rounds an exact half to even: 12.5 % -> "12%")."""
    v = f"({share})*100"
    return (f'IF(ABS({v}-INT({v})-0.5)<1E-09,INT({v})+(INT({v})-INT(INT({v})/2)*2),ROUND({v},0))&"%"')


def yes(ref: str) -> str:
    """The cell says Có (Excel's = ignores case)."""
    return f'TRIM({ref}&"")="Có"'


def no(ref: str) -> str:
    return f'TRIM({ref}&"")="Không"'


def vi_number_cells(value: str, fixed: str, digits: str, decimals: int, percent: bool) -> tuple[str, str, str]:
    """format_number_vi / format_percent_vi over three cells: `fixed` = FIXED(ABS(value), decimals,
    no thousands separators) — rounded half up, its one decimal separator whatever the machine's
    language, so only digits are taken from it —, `digits` its whole part, then the text with "."
    every three digits and "," before the decimals, trailing zeros dropped."""
    scale = "*100" if percent else ""
    # ROUND first: it rounds the way Excel and the engine do at a half (2.675 -> 2.68); FIXED alone
    # rounds the binary value in LibreOffice (250.24999… -> 250.2)
    k = f"FIXED(ROUND(ABS({value}){scale},{decimals}),{decimals},TRUE)"
    d = f"LEFT({fixed},LEN({fixed})-{decimals + 1})" if decimals else fixed
    n = f"LEN({digits})"

    def groups(k: int) -> str:        # the digits with k dots: the head, then k groups of three
        tail = "&".join(f'"."&MID({digits},{n}-{3 * i - 1},3)' for i in range(k, 0, -1))
        return f"LEFT({digits},{n}-{3 * k})&{tail}"
    whole = (f'IF({n}<=3,{digits},IF({n}<=6,{groups(1)},IF({n}<=9,{groups(2)},'
             f'IF({n}<=12,{groups(3)},{groups(4)}))))')
    if decimals == 0:
        frac = '""'
    elif decimals == 1:
        frac = f'IF(RIGHT({fixed},1)="0","",","&RIGHT({fixed},1))'
    elif decimals == 2:
        last = f"RIGHT({fixed},2)"
        frac = f'IF({last}="00","",","&IF(RIGHT({fixed},1)="0",LEFT({last},1),{last}))'
    else:
        raise ValueError(decimals)
    pct = '&"%"' if percent else ""
    nonzero = f'SUBSTITUTE(SUBSTITUTE(SUBSTITUTE({fixed},"0",""),".",""),",","")<>""'
    text = f'IF(ISNUMBER({value}),IF(AND({value}<0,{nonzero}),"-","")&{whole}&{frac}{pct},"")'
    return k, d, text
