"""What a unit-level target means, written once in Python and rendered once as an Excel formula,
side by side, so the two cannot drift apart (LibreOffice tests hold them equal).

Verdicts are Vietnamese words because they are what the form cell shows.
"""
from __future__ import annotations

from ..values import fold_key

MET = "Đạt"
MET_STRETCH = "Đạt mức phấn đấu"
NOT_MET = "Chưa đạt"
CHECK = "Kiểm tra số liệu"      # the cell holds something that is not the expected kind of value
MET_VERDICTS = (MET, MET_STRETCH)

YES, NO = "Có", "Không"
_EPS = 1e-9                      # rates computed by division: 0.9999999999 counts as 100%


def _is_number(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def target_verdict(comparator: str, value, minimum, stretch) -> str | None:
    """Verdict for one value against one target, as the form cell shows it.

    `value` is what the cell holds: a number, "Có"/"Không" text, True/False, or None (blank).
    """
    if value is None or value == "":
        return None
    if comparator == "yes":
        if value is True or (isinstance(value, str) and fold_key(value) == fold_key(YES)):
            return MET
        if value is False or (isinstance(value, str) and fold_key(value) == fold_key(NO)):
            return NOT_MET
        return CHECK
    if not _is_number(value):
        return CHECK
    if not _is_number(minimum) or (comparator == "range" and not _is_number(stretch)):
        return None                  # a target without its number cannot be judged (plans refuse it)
    if comparator == ">=":
        return MET if value >= minimum - _EPS else NOT_MET
    if comparator == "<=":
        return MET if value <= minimum + _EPS else NOT_MET
    if comparator == "=":
        return MET if abs(value - minimum) <= _EPS else NOT_MET
    if comparator == "range":
        if value >= stretch - _EPS:
            return MET_STRETCH
        return MET if value >= minimum - _EPS else NOT_MET
    raise ValueError(comparator)


def target_verdict_excel(comparator: str, value: str, minimum: str, stretch: str) -> str:
    """The same rule as an Excel formula over cell references (value, minimum, stretch cells)."""
    blank = f'IF({value}="",""'
    if comparator == "yes":
        return f'={blank},IF({value}="{YES}","{MET}",IF({value}="{NO}","{NOT_MET}","{CHECK}")))'
    number = f'IF(NOT(ISNUMBER({value})),"{CHECK}"'
    if comparator == ">=":
        test = f'IF({value}>={minimum}-{_EPS},"{MET}","{NOT_MET}")'
    elif comparator == "<=":
        test = f'IF({value}<={minimum}+{_EPS},"{MET}","{NOT_MET}")'
    elif comparator == "=":
        test = f'IF(ABS({value}-{minimum})<={_EPS},"{MET}","{NOT_MET}")'
    elif comparator == "range":
        test = (f'IF({value}>={stretch}-{_EPS},"{MET_STRETCH}",'
                f'IF({value}>={minimum}-{_EPS},"{MET}","{NOT_MET}"))')
    else:
        raise ValueError(comparator)
    return f"={blank},{number},{test}))"


def describe_target(comparator: str, minimum, stretch, unit_label: str | None) -> str:
    """How the form shows a target to a person: "≥ 100%", "≤ 0 người", "Có", "3 – 5 sáng kiến"."""
    from ..values import format_number_vi, format_percent_vi

    def num(x):
        if unit_label == "%":
            return format_percent_vi(x, 0 if abs(x * 100 - round(x * 100)) < 1e-9 else 1)
        text = format_number_vi(x, 0 if float(x).is_integer() else 2)
        return f"{text} {unit_label}" if unit_label else text

    if comparator == "yes":
        return YES
    if comparator == "range":
        return f"{num(minimum).split(' ')[0]} – {num(stretch)}"
    sign = {">=": "≥", "<=": "≤", "=": "="}[comparator]
    return f"{sign} {num(minimum)}"
