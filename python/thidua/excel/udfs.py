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


# --- the plan's rules as worksheet functions (the plan file is named in the formula) -----------
_PLANS: dict[str, tuple[float, object]] = {}


def _plan(path):
    """The plan workbook at `path`, read once per change of the file (UDFs recalculate often)."""
    import os

    from ..plan.read import read_plan
    path = str(path or "").strip()
    if not path:
        raise ValueError("cần đường dẫn tệp kế hoạch")
    mtime = os.path.getmtime(path)
    hit = _PLANS.get(path)
    if hit is None or hit[0] != mtime:
        _PLANS[path] = hit = (mtime, read_plan(path))
    return hit[1]


def _message(exc) -> str:
    from ..errors import ThiduaError
    if isinstance(exc, ThiduaError):
        return exc.message.splitlines()[0]
    if isinstance(exc, FileNotFoundError):
        return "không tìm thấy tệp kế hoạch"
    if isinstance(exc, KeyError):
        return f"không có mã {exc.args[0]} trong kế hoạch"
    return str(exc)


def _number(x):
    if isinstance(x, (int, float)) and not isinstance(x, bool):
        return x
    parsed = parse_number(x)
    return parsed.value if parsed.ok else None


@xw.func
def TD_TYLE(thuc_hien, ke_hoach):
    """Tỷ lệ đạt = thực hiện / kế hoạch (1,5137 hiển thị 151,37% khi định dạng phần trăm);
    chuỗi rỗng khi thiếu số hoặc kế hoạch bằng 0."""
    a, b = _number(thuc_hien), _number(ke_hoach)
    if a is None or not b:
        return ""
    return a / b


@xw.func
def TD_DAT(gia_tri, ma_chi_tieu, tep_ke_hoach):
    """Đạt / Đạt mức phấn đấu / Chưa đạt: giá trị so với chỉ tiêu cấp đơn vị của kế hoạch."""
    from ..plan.semantics import target_verdict
    try:
        t = _plan(tep_ke_hoach).target_by_code[str(ma_chi_tieu).strip()]
        value = gia_tri if t.comparator == "yes" else _number(gia_tri) if gia_tri not in (None, "") else None
        return target_verdict(t.comparator, value, t.value, t.stretch) or ""
    except Exception as exc:  # a worksheet function answers in words, never with an exception
        return _message(exc)


@xw.func
def TD_DIEM(ma_tieu_chi, gia_tri, tep_ke_hoach):
    """Điểm của một tiêu chí: tính từ số liệu (giá trị của trường gắn với chỉ tiêu) hoặc, với
    tiêu chí tự chấm, điểm tự chấm giới hạn trong 0 – điểm chuẩn."""
    from ..plan.semantics import target_verdict
    from ..score.engine import criterion_points
    try:
        plan = _plan(tep_ke_hoach)
        crit = plan.criterion_by_code[str(ma_tieu_chi).strip()]
        if crit.method == "self":
            own = _number(gia_tri)
            return max(0.0, min(crit.points, own or 0.0))
        t = plan.target_by_code[crit.target]
        value = gia_tri if t.comparator == "yes" else _number(gia_tri)
        from ..forms.layout import Derived
        derived = {t.field: Derived(value, target_verdict(t.comparator, value, t.value, t.stretch))}
        return criterion_points(plan, crit, derived)[0]
    except Exception as exc:
        return _message(exc)


@xw.func
def TD_XEPLOAI(diem_nhom, tep_ke_hoach, loai_hinh=None):
    """Xếp loại (HTXSNV, HTTNV, ...) cho điểm các nhóm tiêu chí theo thứ tự của kế hoạch, với
    ngưỡng điểm và mức sàn từng nhóm của kế hoạch; loại hình mặc định: Công lập."""
    from ..plan.schema import KINDS
    from ..score.engine import GroupScore, rate
    try:
        plan = _plan(tep_ke_hoach)
        kind = KINDS.get(str(loai_hinh or "Công lập").strip(), str(loai_hinh or "public").strip())
        cells = diem_nhom if isinstance(diem_nhom, (list, tuple)) else [diem_nhom]
        flat = [x for c in cells for x in (c if isinstance(c, (list, tuple)) else [c])]
        scores = [_number(x) or 0.0 for x in flat]
        groups = plan.groups_for(kind)
        if len(scores) != len(groups):
            return f"cần {len(groups)} điểm nhóm ({', '.join(g.code for g in groups)}), nhận {len(scores)}"
        judged = [GroupScore(g.code, g.name, g.max_points, s, g.floor) for g, s in zip(groups, scores)]
        return rate(plan, sum(scores), judged)[0]
    except Exception as exc:
        return _message(exc)
