"""The industry's register of what it issued (sổ phát hành): which form went to which unit for
which period under which plan, with a random token per form, and one secret key per cluster
and per period (and one for the industry itself) that seals consolidation workbooks.

Why: a form's identity cells are only text a unit could rewrite; a token drawn at random when the
form is issued cannot be guessed, so a returned form proves which issued form it is. The register
keeps only a digest of each form token (the register leaking gives no token away); the keys are
kept as they are, since sealing and checking a seal both need them (consolidate.seal).

Files (JSON, written atomically):
- the full register, beside the plan: `<plan>_so_phat_hanh.json` (the industry keeps it);
- a cluster's pack, beside the forms issued: `so_phat_hanh_cum_<cụm>.json` — the cluster's forms
  and keys only (every period so far), handed to the cluster lead with the cluster's forms.
Issuing again adds entries; nothing is removed, so every form ever issued stays valid.
"""
from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from .errors import ThiduaError

FORMAT = "thidua-so-phat-hanh"
FORMAT_VERSION = "1"
MAX_BYTES = 32 * 1024 * 1024          # a register of 300 units × a dozen periods is well under 1 MB
CLUSTER, INDUSTRY = "cluster", "industry"
LEVEL_LABELS = {CLUSTER: "cụm", INDUSTRY: "ngành"}


def new_secret() -> str:
    return secrets.token_urlsafe(24)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def register_path(plan_path: str | Path) -> Path:
    """Where the full register lives: beside the plan file."""
    p = Path(plan_path)
    return p.with_name(f"{p.stem}_so_phat_hanh.json")


PACK_PREFIX = "so_phat_hanh_cum_"


def pack_name(cluster: str) -> str:
    return f"{PACK_PREFIX}{cluster}.json"


@dataclass(frozen=True)
class IssuedForm:
    unit: str
    cluster: str
    period: str
    plan_fingerprint: str
    token_sha256: str
    issued_at: str
    file: str


@dataclass(frozen=True)
class Key:
    level: str                      # cluster | industry
    code: str                       # the cluster's code; "" for the industry
    period: str
    key: str
    issued_at: str


@dataclass
class Register:
    plan_id: str
    forms: list[IssuedForm] = field(default_factory=list)
    keys: list[Key] = field(default_factory=list)
    scope: tuple[str, ...] = ()     # a cluster's pack: the clusters it covers; () = the whole industry
    source: str = ""                # the file it was read from (messages)

    # --- issuing ----------------------------------------------------------------------------
    def issue(self, plan, period_code: str, units, files: dict[str, str],
              issued_at: datetime | None = None) -> dict[str, str]:
        """New tokens for `units` (unit code -> token) and keys for their clusters and the industry
        for this period (kept when already there)."""
        when = (issued_at or datetime.now()).replace(microsecond=0).isoformat(" ")
        tokens = {}
        for u in units:
            token = new_secret()
            tokens[u.code] = token
            self.forms.append(IssuedForm(u.code, u.cluster, period_code, plan.fingerprint, digest(token), when,
                                         files.get(u.code, "")))
        from .plan.model import YEAR_CODE          # the year's consolidation is sealed too
        for level, code in [(CLUSTER, c) for c in dict.fromkeys(u.cluster for u in units)] + [(INDUSTRY, "")]:
            for period in (period_code, YEAR_CODE):
                if self.key(level, code, period) is None:
                    self.keys.append(Key(level, code, period, new_secret(), when))
        return tokens

    # --- questions ------------------------------------------------------------------------
    def covers(self, cluster: str) -> bool:
        """Whether this register knows the forms of that cluster (a pack knows its own only)."""
        return not self.scope or cluster in self.scope

    def form_problem(self, unit: str, cluster: str, period: str, token: str) -> str | None:
        """None when the token is one issued to this unit for this period; else why not (Vietnamese)."""
        if not token:
            return ("biểu mẫu không có mã xác thực mà cấp ngành ghi khi phát biểu mẫu (có thể là biểu mẫu tự lập "
                    "hoặc mã đã bị xóa)")
        d = digest(token)
        mine = [f for f in self.forms if f.token_sha256 == d]
        if not mine:
            return "mã xác thực của biểu mẫu không có trong sổ phát hành: đây không phải biểu mẫu cấp ngành đã phát"
        issued = mine[0]
        if issued.unit != unit:
            return (f"mã xác thực của biểu mẫu là mã đã phát cho đơn vị {issued.unit}, không phải {unit} như biểu mẫu "
                    "ghi (mã đơn vị trên biểu mẫu đã bị sửa)")
        if issued.period != period:
            return f"mã xác thực của biểu mẫu là mã đã phát cho đợt {issued.period}, không phải đợt {period}"
        return None

    def key(self, level: str, code: str, period: str) -> str | None:
        for k in self.keys:
            if k.level == level and k.code == code and k.period == period:
                return k.key
        return None

    def for_cluster(self, cluster: str) -> Register:
        """The cluster lead's pack: its units' forms and the cluster's keys, nothing else."""
        return Register(self.plan_id, [f for f in self.forms if f.cluster == cluster],
                        [k for k in self.keys if k.level == CLUSTER and k.code == cluster], (cluster,))

    # --- files ----------------------------------------------------------------------------
    def to_json(self) -> str:
        return json.dumps({"format": FORMAT, "format_version": FORMAT_VERSION, "plan_id": self.plan_id,
                           "scope": list(self.scope), "forms": [asdict(f) for f in self.forms],
                           "keys": [asdict(k) for k in self.keys]}, ensure_ascii=False, indent=1)

    def save(self, path: str | Path) -> Path:
        from .write.xlsx import save_atomic
        return save_atomic(self.to_json().encode("utf-8"), path)


def load(path: str | Path, plan=None) -> Register:
    """Read a register (full or a cluster's pack); a Vietnamese ThiduaError when it cannot be used."""
    p = Path(path)
    where = f"Sổ phát hành '{p}'"
    try:
        with open(p, "rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ThiduaError(f"Không đọc được {where[0].lower()}{where[1:]}: {exc.strerror or exc}.") from None
    if len(data) > MAX_BYTES:
        raise ThiduaError(f"{where} lớn quá mức một sổ phát hành có thể có; không phải sổ phát hành của thidua.")
    try:
        doc = json.loads(data.decode("utf-8-sig"))
        if doc.get("format") != FORMAT:
            raise ValueError
        forms = [IssuedForm(**{k: str(f.get(k, "")) for k in IssuedForm.__dataclass_fields__}) for f in doc["forms"]]
        keys = [Key(**{k: str(x.get(k, "")) for k in Key.__dataclass_fields__}) for x in doc["keys"]]
        reg = Register(str(doc.get("plan_id", "")), forms, keys, tuple(str(s) for s in doc.get("scope") or ()), str(p))
    except (ValueError, KeyError, TypeError, AttributeError, UnicodeDecodeError, RecursionError):
        raise ThiduaError(f"{where} không đúng định dạng (tệp JSON do lệnh 'thidua forms' ghi); hãy dùng lại tệp "
                          "gốc do cấp ngành gửi.") from None
    if doc.get("format_version") != FORMAT_VERSION:
        raise ThiduaError(f"{where} thuộc phiên bản định dạng '{doc.get('format_version')}' mà chương trình này "
                          "không đọc được; hãy cập nhật thidua.")
    if plan is not None and reg.plan_id != plan.info.plan_id:
        raise ThiduaError(f"{where} thuộc kế hoạch '{reg.plan_id}', không phải kế hoạch '{plan.info.plan_id}'.")
    return reg


def load_or_new(path: str | Path, plan) -> Register:
    return load(path, plan) if Path(path).exists() else Register(plan.info.plan_id)


def find(plan_path: str | Path | None) -> list[Path]:
    """The register(s) a consolidation uses when none is named: the full register beside the plan,
    else the cluster packs beside it (a cluster lead keeps the pack next to the plan)."""
    if plan_path is None:
        return []
    full = register_path(plan_path)
    if full.is_file():
        return [full]
    return sorted(p for p in Path(plan_path).parent.glob(f"{PACK_PREFIX}*.json") if p.is_file())


def load_all(paths, plan=None) -> Register | None:
    """One register from several files (a lead of two clusters holds two packs); None for none."""
    regs = [load(p, plan) for p in paths]
    if not regs:
        return None
    if len(regs) == 1:
        return regs[0]
    scope = () if any(not r.scope for r in regs) else tuple(dict.fromkeys(c for r in regs for c in r.scope))
    return Register(regs[0].plan_id, [f for r in regs for f in r.forms], [k for r in regs for k in r.keys], scope,
                    "; ".join(r.source for r in regs))


def sign(key: str, payload: str) -> str:
    return hmac.new(key.encode("utf-8"), payload.encode("utf-8"), hashlib.sha256).hexdigest()


def signature_ok(key: str, payload: str, signature: str) -> bool:
    return hmac.compare_digest(sign(key, payload), signature or "")
