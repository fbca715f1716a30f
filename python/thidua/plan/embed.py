"""The plan as compact JSON, for a form to carry the rules of its own unit.

A CĐCS PC has the form but not the plan workbook; the Kiểm tra / Chấm điểm buttons need the
fields, targets, checks, score sheet and thresholds. The issued form carries them (this one
unit and its cluster only) in its hidden meta table, with a digest so an edit is noticed.
Consolidation never uses this copy: it reads the plan workbook (recompute, never trust).

The digest is a plain sha256 a unit can recompute, so the copy is untrusted input: it is read
back through the same validation as the plan workbook (`read.plan_from_rows`), after checks of
its JSON shape (types, sizes), and any content gives a Plan or a ThiduaError, nothing else.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import asdict
from datetime import date

from ..errors import DefinitionProblem, PlanDefinitionError, ThiduaError
from ..values import INVALID, Parsed, format_number_vi
from . import schema as S
from .model import Plan
from .read import INFO_KEYS, plan_from_rows

# JSON part -> the plan table it copies (row keys are the table's column keys).
_PARTS = {"clusters": S.CLUSTERS, "units": S.UNITS, "periods": S.PERIODS, "fields": S.FIELDS,
          "targets": S.TARGETS, "groups": S.GROUPS, "criteria": S.CRITERIA, "ratings": S.RATINGS,
          "checks": S.CHECKS, "titles": S.TITLES, "conditions": S.CONDITIONS}
CHUNK = 30000                     # an Excel cell holds at most 32,767 characters
# A real copy is 30–60 KB; these bound the work an edited one can cause.
MAX_JSON_CHARS = 4_000_000        # ~130 meta cells; 60 times the real size
MAX_ROWS = 5_000                  # rows of one table (the copy has one unit; a plan ~30 fields, ~40 targets)
MAX_PROBLEMS_SHOWN = 20           # the message lists this many; the error keeps them all
_TOO_LONG = f"dài quá {format_number_vi(MAX_JSON_CHARS)} ký tự"
SOURCE = "(kế hoạch kèm biểu mẫu)"
SHEET = "kế hoạch kèm biểu mẫu"
ADVICE = ("Đơn vị hãy nhập số liệu vào biểu mẫu gốc đã được phát; cán bộ cụm, ngành kiểm tra biểu mẫu này "
          "bằng lệnh 'thidua check' kèm '--plan' (tệp kế hoạch thi đua).")


class EmbeddedPlanError(PlanDefinitionError):
    """The plan copy a form carries cannot be used (edited, truncated, or not ours)."""
    code = "embedded_plan"

    def __init__(self, problems: list[DefinitionProblem] = (), reason: str | None = None):
        super().__init__(list(problems), SOURCE)
        if reason is None:
            shown = [f"  - {p}" for p in self.problems[:MAX_PROBLEMS_SHOWN]]
            if len(self.problems) > MAX_PROBLEMS_SHOWN:
                shown.append(f"  - … và {len(self.problems) - MAX_PROBLEMS_SHOWN} lỗi khác")
            reason = f"có {len(self.problems)} lỗi:\n" + "\n".join(shown)
        self.message = f"Bản quy định kế hoạch lưu trong biểu mẫu không dùng được. {ADVICE}\nBản này {reason}"
        self.args = (self.message,)


def _sheet(spec: S.TableSpec) -> str:
    return f"{SHEET} – {spec.sheet}"


_BASE: dict[int, tuple[Plan, dict]] = {}


def _base(plan: Plan) -> dict:
    """The unit-independent part, built once per plan object (issuing 2,000 forms reuses it)."""
    hit = _BASE.get(id(plan))
    if hit is None or hit[0] is not plan:
        payload = {k: [asdict(x) for x in getattr(plan, k)] for k in _PARTS if k not in ("units", "clusters")}
        payload["info"] = asdict(plan.info)
        payload["fingerprint"] = plan.fingerprint
        _BASE.clear()
        _BASE[id(plan)] = hit = (plan, payload)
    return hit[1]


def plan_json(plan: Plan, unit_code: str) -> str:
    unit = plan.unit(unit_code)
    payload = dict(_base(plan))
    payload["units"] = [asdict(unit)]
    payload["clusters"] = [asdict(c) for c in plan.clusters if c.code == unit.cluster]
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=_iso)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def chunks(text: str) -> list[str]:
    return [text[i:i + CHUNK] for i in range(0, len(text), CHUNK)] or [""]


def plan_from_json(text: str) -> Plan:
    """The plan a form carries, validated like a plan workbook; EmbeddedPlanError otherwise."""
    if not isinstance(text, str) or len(text) > MAX_JSON_CHARS:
        raise EmbeddedPlanError(reason=_TOO_LONG)
    try:
        data = json.loads(text)
    except (ValueError, RecursionError, MemoryError):
        raise EmbeddedPlanError(reason="bị hỏng (không đọc được dữ liệu JSON)") from None
    if not isinstance(data, dict):
        raise EmbeddedPlanError(reason="bị hỏng (không phải bản ghi kế hoạch)")
    problems: list[DefinitionProblem] = []
    tables = {spec.name: _rows(data.get(part), spec, problems) for part, spec in _PARTS.items()}
    tables[S.PLAN_INFO.name] = _info_rows(data.get("info"), problems)
    fingerprint = data.get("fingerprint")
    if not (isinstance(fingerprint, str) and re.fullmatch(r"[0-9a-f]{16,64}", fingerprint)):
        problems.append(DefinitionProblem(_sheet(S.PLAN_INFO), None, None,
                                          "thiếu hoặc sai dấu nhận dạng kế hoạch (fingerprint)"))
    try:
        plan = plan_from_rows(tables, problems, SOURCE, sheet_of=_sheet, excerpt=True)
    except PlanDefinitionError as exc:
        raise EmbeddedPlanError(exc.problems) from None
    plan.__dict__["fingerprint"] = fingerprint   # the whole plan's identity, not this excerpt's
    return plan


def _rows(rows, spec: S.TableSpec, problems: list[DefinitionProblem]) -> list:
    """A JSON list of objects -> the raw rows plan_from_rows types, JSON types checked first."""
    sheet = _sheet(spec)
    if not isinstance(rows, list) or len(rows) > MAX_ROWS:
        problems.append(DefinitionProblem(sheet, None, None, "thiếu bảng này" if rows is None else
                                          f"cần danh sách không quá {format_number_vi(MAX_ROWS)} dòng"))
        return []
    out = []
    for i, row in enumerate(rows, start=1):
        if isinstance(row, dict):
            out.append((i, sheet, {c.key: _value(c.kind, row.get(c.key), c.choices) for c in spec.columns}))
        else:
            problems.append(DefinitionProblem(sheet, i, None, "dòng này không phải bản ghi"))
    return out


def _info_rows(info, problems: list[DefinitionProblem]) -> list:
    """The JSON of PlanInfo -> rows of tblPlanInfo (key, value), in the table's order."""
    sheet = _sheet(S.PLAN_INFO)
    if not isinstance(info, dict):
        problems.append(DefinitionProblem(sheet, None, None, "thiếu thông tin kế hoạch"))
        return []
    return [(i, sheet, {"key": key, "value": _value(kind, info.get(attr))})
            for i, (attr, (key, kind, *_)) in enumerate(INFO_KEYS.items(), start=1) if attr in info]


_WANTED = {"number": "một số", "int": "một số", "percent": "một số", "yes_no": "true hoặc false",
           "date": "ngày dạng chữ năm-tháng-ngày"}


def _value(kind: str, v, choices: dict | None = None):
    """A JSON value as a raw cell value, or a refused Parsed when its JSON type is wrong (a string
    where a number belongs, a list where text belongs...); choices travel as codes, cells as labels."""
    if v is None:
        return None
    if kind in ("number", "int", "percent"):
        ok = isinstance(v, (int, float)) and not isinstance(v, bool)
    else:
        ok = isinstance(v, bool) if kind == "yes_no" else isinstance(v, str)
    if not ok:
        return Parsed(INVALID, None, v, f"cần {_WANTED.get(kind, 'chữ')}, không phải {_json_type(v)}")
    if isinstance(v, int) and not isinstance(v, bool) and v.bit_length() > 64:
        return Parsed(INVALID, None, v, "số quá lớn")          # float() of it would overflow
    if choices and v in choices.values():
        return S.label_of(choices, v)
    return v


def _json_type(v) -> str:
    for types, name in ((bool, "true/false"), ((int, float), "số"), (str, "chữ"), (list, "danh sách"),
                        (dict, "bản ghi")):
        if isinstance(v, types):
            return name
    return type(v).__name__


def _iso(x):
    if isinstance(x, date):
        return x.isoformat()
    raise TypeError(type(x))


META_PREFIX, META_DIGEST = "plan_json_", "plan_json_digest"
_PART_KEY = re.compile(re.escape(META_PREFIX) + r"([0-9]{1,6})")


def meta_entries(plan: Plan, unit_code: str) -> dict[str, str]:
    """The meta-table rows that carry the plan: plan_json_1..n and their digest."""
    text = plan_json(plan, unit_code)
    rows = {f"{META_PREFIX}{i}": part for i, part in enumerate(chunks(text), start=1)}
    rows[META_DIGEST] = digest(text)
    return rows


def plan_from_form_meta(meta: dict[str, str]) -> Plan:
    """The plan a form carries; a Vietnamese ThiduaError (never another exception) when it is
    missing, was edited, or does not validate."""
    parts = [(int(m.group(1)), v) for k, v in meta.items() if isinstance(k, str) and (m := _PART_KEY.fullmatch(k))]
    if any(not isinstance(v, str) for _, v in parts):
        raise EmbeddedPlanError(reason="bị hỏng (ô lưu quy định không phải chữ)")
    if sum(len(v) for _, v in parts) > MAX_JSON_CHARS:
        raise EmbeddedPlanError(reason=_TOO_LONG)
    text = "".join(v for _, v in sorted(parts))
    if not text:
        raise ThiduaError("Biểu mẫu này không kèm quy định của kế hoạch thi đua nên chưa kiểm tra được. "
                          "Hãy dùng biểu mẫu mới được phát, hoặc kiểm tra bằng lệnh 'thidua check' có tệp kế hoạch.")
    if digest(text) != meta.get(META_DIGEST):
        raise ThiduaError("Phần quy định kế hoạch lưu trong biểu mẫu đã bị thay đổi nên không dùng được. "
                          "Hãy nhập số liệu vào biểu mẫu gốc được phát.")
    return plan_from_json(text)


_UNITS_KEY = '"units":'


def embedded_unit_codes(meta: dict[str, str]) -> list[str] | None:
    """The unit codes of the plan a form carries (an issued form's: exactly its own unit), read
    cheaply from the JSON's last key ("units", keys sorted); None when the form carries no plan or
    that part cannot be read (using the copy then fails on its own: plan_from_form_meta)."""
    parts = [(int(m.group(1)), v) for k, v in meta.items() if isinstance(k, str) and (m := _PART_KEY.fullmatch(k))]
    if not parts or any(not isinstance(v, str) for _, v in parts) or sum(len(v) for _, v in parts) > MAX_JSON_CHARS:
        return None
    text = "".join(v for _, v in sorted(parts))
    at = text.rfind(_UNITS_KEY)
    if at < 0:
        return None
    try:
        units, _ = json.JSONDecoder().raw_decode(text, at + len(_UNITS_KEY))
    except (ValueError, RecursionError):
        return None
    if not isinstance(units, list) or not all(isinstance(u, dict) for u in units):
        return None
    return [str(u.get("code", "")) for u in units]
