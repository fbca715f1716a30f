"""The plan as compact JSON, for a form to carry the rules of its own unit.

A CĐCS PC has the form but not the plan workbook; the Kiểm tra / Chấm điểm buttons need the
fields, targets, checks, score sheet and thresholds. The issued form carries them (this one
unit and its cluster only) in its hidden meta table, with a digest so an edit is noticed.
Consolidation never uses this copy: it reads the plan workbook (recompute, never trust).
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, fields as dc_fields
from datetime import date

from .model import (Check, Cluster, Criterion, CriteriaGroup, Field, Period, Plan, PlanInfo, Rating,
                    Target, Title, TitleCondition, Unit)

_PARTS = {"clusters": Cluster, "units": Unit, "periods": Period, "fields": Field, "targets": Target,
          "groups": CriteriaGroup, "criteria": Criterion, "ratings": Rating, "checks": Check,
          "titles": Title, "conditions": TitleCondition}
CHUNK = 30000                     # an Excel cell holds at most 32,767 characters


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
    data = json.loads(text)
    parts = {k: tuple(_build(cls, row) for row in data.get(k, [])) for k, cls in _PARTS.items()}
    plan = Plan(info=_build(PlanInfo, data["info"]), **parts, source="(kế hoạch kèm biểu mẫu)")
    plan.__dict__["fingerprint"] = data["fingerprint"]   # the whole plan's identity, not this excerpt's
    return plan


def _iso(x):
    if isinstance(x, date):
        return x.isoformat()
    raise TypeError(type(x))


def _build(cls, row: dict):
    kwargs = {}
    for f in dc_fields(cls):
        if f.name not in row:
            continue
        v = row[f.name]
        if isinstance(v, str) and "date" in str(f.type) and len(v) == 10 and v[4] == "-":
            v = date.fromisoformat(v)
        kwargs[f.name] = v
    return cls(**kwargs)


META_PREFIX, META_DIGEST = "plan_json_", "plan_json_digest"


def meta_entries(plan: Plan, unit_code: str) -> dict[str, str]:
    """The meta-table rows that carry the plan: plan_json_1..n and their digest."""
    text = plan_json(plan, unit_code)
    rows = {f"{META_PREFIX}{i}": part for i, part in enumerate(chunks(text), start=1)}
    rows[META_DIGEST] = digest(text)
    return rows


def plan_from_form_meta(meta: dict[str, str]) -> Plan:
    """The plan a form carries; a Vietnamese ThiduaError when it is missing or was edited."""
    from ..errors import ThiduaError
    parts = sorted((int(k[len(META_PREFIX):]), v) for k, v in meta.items()
                   if k.startswith(META_PREFIX) and k[len(META_PREFIX):].isdigit())
    text = "".join(v for _, v in parts)
    if not text:
        raise ThiduaError("Biểu mẫu này không kèm quy định của kế hoạch thi đua nên chưa kiểm tra được. "
                          "Hãy dùng biểu mẫu mới được phát, hoặc kiểm tra bằng lệnh 'thidua check' có tệp kế hoạch.")
    if digest(text) != meta.get(META_DIGEST):
        raise ThiduaError("Phần quy định kế hoạch lưu trong biểu mẫu đã bị thay đổi nên không dùng được. "
                          "Hãy nhập số liệu vào biểu mẫu gốc được phát.")
    return plan_from_json(text)
