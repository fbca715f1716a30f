"""Excel worksheet functions (UDFs) of the ThiDua add-in, written in Python.

Every function here decorated with `@xw.func` becomes a worksheet function of ThiDua.xlam:
`thidua build-excel` generates its VBA wrapper (module ThiDuaUDF) from this module, so adding
a function means: write it here, rebuild, reinstall the add-in. In Excel on Windows the
xlwings UDF server runs them; elsewhere `@xw.func` does nothing and they are plain functions
(that is how the tests call them).

Names: upper case with the TD_ prefix, arguments in plain ASCII that are not VBA keywords
(the build refuses those). Results are numbers or Vietnamese text, never an exception.
"""
from __future__ import annotations

import xlwings as xw

from ..values import parse_number


@xw.func
def TD_SO(text):
    """Đọc một số viết kiểu Việt Nam ("1.234.567", "1,5", "95%", "12 người"): trả về số;
    ô trống cho chuỗi rỗng; nội dung không đọc được cho lời giải thích bằng tiếng Việt."""
    parsed = parse_number(text)
    if parsed.ok:
        return parsed.value
    if parsed.blank:
        return ""
    return parsed.note
