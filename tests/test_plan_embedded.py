"""The plan copy a form carries is untrusted input: a unit can edit the JSON in the hidden meta
table and recompute its digest. Whatever it holds, loading gives a Plan or a ThiduaError naming
the located problem, through the same validation as the plan workbook; scoring never divides by
a zero target; formulas are bounded before anything recursive runs."""
from __future__ import annotations

import copy
import dataclasses
import json
import random

import pytest

from support.fixtures import fill, public_form
from thidua.errors import PlanDefinitionError, ThiduaError
from thidua.plan import schema
from thidua.plan.embed import META_DIGEST, META_PREFIX, chunks, digest, plan_from_form_meta
from thidua.plan.expr import MAX_FORMULA_CHARS, MAX_FORMULA_DEPTH, FormulaError, parse_formula
from thidua.read.form import read_meta
from thidua.read.workbook import open_workbook

TERMS_5000 = "+".join(["so_cnvcld"] * 5000)
DEEP_200 = "(" * 200 + "so_cnvcld" + ")" * 200


def meta_of(path) -> dict[str, str]:
    return read_meta(open_workbook(path), path)


def carried(meta: dict[str, str]) -> dict:
    parts = sorted((int(k[len(META_PREFIX):]), v) for k, v in meta.items()
                   if k.startswith(META_PREFIX) and k[len(META_PREFIX):].isdigit())
    return json.loads("".join(v for _, v in parts))


def tampered(meta: dict[str, str], text: str) -> dict[str, str]:
    """The meta as a tampering unit leaves it: new JSON, re-split, digest recomputed."""
    out = {k: v for k, v in meta.items() if not k.startswith(META_PREFIX)}
    out.update({f"{META_PREFIX}{i}": part for i, part in enumerate(chunks(text), start=1)})
    out[META_DIGEST] = digest(text)
    return out


def refused(meta, data) -> ThiduaError:
    text = data if isinstance(data, str) else json.dumps(data, ensure_ascii=False)
    with pytest.raises(ThiduaError) as info:
        plan_from_form_meta(tampered(meta, text))
    message = str(info.value)
    assert "biểu mẫu" in message and "--plan" in message and "Traceback" not in message
    return info.value


def located(error: ThiduaError, sheet: str, row: int | None, column: str | None, fragment: str) -> None:
    """The error lists a problem at (the embedded copy's sheet, row, column) and says so in its message."""
    assert isinstance(error, PlanDefinitionError)
    where = f"kế hoạch kèm biểu mẫu – {sheet}"
    hits = [p for p in error.problems if (p.sheet, p.row, p.column) == (where, row, column) and fragment in p.message]
    assert hits, [str(p) for p in error.problems]
    assert str(hits[0]) in str(error)


@pytest.fixture(scope="module")
def meta(plan, issued):
    return meta_of(public_form(plan, issued))


@pytest.fixture(scope="module")
def data(meta) -> dict:
    return carried(meta)


def row_of(rows: list[dict], **match) -> int:
    """1-based position of the first row whose keys equal `match`."""
    return next(i for i, r in enumerate(rows, start=1) if all(r.get(k) == v for k, v in match.items()))


# --- the untampered copy ----------------------------------------------------------------------
def trusting_load(text: str):
    """How the copy was loaded before it was validated (JSON straight into the dataclasses)."""
    from datetime import date

    from thidua.plan import model
    classes = {"clusters": model.Cluster, "units": model.Unit, "periods": model.Period, "fields": model.Field,
               "targets": model.Target, "groups": model.CriteriaGroup, "criteria": model.Criterion,
               "ratings": model.Rating, "checks": model.Check, "titles": model.Title,
               "conditions": model.TitleCondition}

    def build(cls, row):
        kinds = {f.name: str(f.type) for f in dataclasses.fields(cls)}
        return cls(**{k: date.fromisoformat(v) if isinstance(v, str) and "date" in kinds[k] and len(v) == 10
                      and v[4] == "-" else v for k, v in row.items()})
    data = json.loads(text)
    return model.Plan(info=build(model.PlanInfo, data["info"]),
                      **{k: tuple(build(cls, r) for r in data[k]) for k, cls in classes.items()})


def test_untampered_copy_of_every_issued_form_loads_as_before(plan, issued):
    tables = [f.name for f in dataclasses.fields(plan)   # earlier years' results: consolidation only;
              if f.name not in ("units", "clusters", "source", "earlier", "campaigns",   # peak: their own forms
                               "documents")]     # the documents' details: the industry's, not a unit's
    for path in issued:
        meta = meta_of(path)
        rules = plan_from_form_meta(meta)
        assert rules == trusting_load(json.dumps(carried(meta))), path.name
        unit = plan.unit(meta["unit_code"])
        assert all(getattr(rules, name) == getattr(plan, name) for name in tables), path.name
        assert rules.units == (unit,) and rules.clusters == (plan.cluster_by_code[unit.cluster],)
        assert rules.fingerprint == plan.fingerprint


# --- each kind of tampering, located ------------------------------------------------------------
def test_zero_target_of_a_proportional_criterion(meta, data):
    d = copy.deepcopy(data)
    crit = next(c for c in d["criteria"] if c["method"] == "proportional")
    next(t for t in d["targets"] if t["code"] == crit["target"])["value"] = 0
    located(refused(meta, d), "Tiêu chí", row_of(d["criteria"], code=crit["code"]), "Cách chấm",
            f"giá trị lớn hơn 0 (chỉ tiêu '{crit['target']}')")


@pytest.mark.parametrize("formula, fragment", [
    (TERMS_5000, "quá giới hạn"),                  # longer than any text the plan takes
    (DEEP_200, f"lồng nhau quá {MAX_FORMULA_DEPTH} tầng"),
    ("+".join(["so_cnvcld"] * (MAX_FORMULA_DEPTH + 5)), f"lồng nhau quá {MAX_FORMULA_DEPTH} tầng"),
])
def test_huge_or_deep_formulas(meta, data, formula, fragment):
    d = copy.deepcopy(data)
    derived = next(f for f in d["fields"] if f["type"] == "formula")
    derived["formula"] = formula
    d["checks"][0]["left"] = formula
    error = refused(meta, d)
    located(error, "Trường số liệu", row_of(d["fields"], code=derived["code"]), "Công thức", fragment)
    located(error, "Kiểm tra chéo", 1, "Vế trái", fragment)


@pytest.mark.parametrize("part, key, value, column, fragment", [
    ("criteria", "points", "mười", "Điểm chuẩn", "cần một số, không phải chữ"),
    ("fields", "label", ["Số", "CNVCLĐ"], "Nội dung", "cần chữ, không phải danh sách"),
    ("targets", "code", None, "Mã chỉ tiêu", "không được để trống"),
    ("units", "active", "Có", "Đang hoạt động", "cần true hoặc false, không phải chữ"),
    ("periods", "start", 20260101, "Từ ngày", "cần ngày dạng chữ"),
    ("groups", "max_points", {"a": 1}, "Điểm tối đa", "cần một số, không phải bản ghi"),
    ("ratings", "min_score", 1e300, "Điểm từ", "số quá lớn"),
    ("criteria", "method", "tu_cham", "Cách chấm", "'tu_cham' không hợp lệ"),
    ("targets", "comparator", ">>", "Phép so sánh", "'>>' không hợp lệ"),
    ("checks", "comparator", "!=", "So sánh", "'!=' không hợp lệ"),
    ("conditions", "kind", "anything", "Loại điều kiện", "'anything' không hợp lệ"),
    ("fields", "code", "Mã có dấu", "Mã trường", "chỉ được gồm chữ không dấu"),
    ("titles", "source", "x" * 100_000, "Nguồn", "quá giới hạn"),
])
def test_wrong_types_and_unknown_codes(meta, data, part, key, value, column, fragment):
    d = copy.deepcopy(data)
    d[part][0][key] = value
    sheet = {"criteria": schema.CRITERIA, "fields": schema.FIELDS, "targets": schema.TARGETS,
             "units": schema.UNITS, "periods": schema.PERIODS, "groups": schema.GROUPS,
             "ratings": schema.RATINGS, "checks": schema.CHECKS, "conditions": schema.CONDITIONS,
             "titles": schema.TITLES}[part].sheet
    located(refused(meta, d), sheet, 1, column, fragment)


def test_dangling_references(meta, data):
    d = copy.deepcopy(data)
    crit = next(c for c in d["criteria"] if c["method"] == "all_or_nothing")
    crit["target"] = "KHONG_CO"
    unit_target = next(t for t in d["targets"] if t["level"] == "unit")
    unit_target["field"] = "truong_khong_co"
    d["conditions"][0]["title"] = "DH_KHONG_CO"
    error = refused(meta, d)
    located(error, "Tiêu chí", row_of(d["criteria"], code=crit["code"]), "Chỉ tiêu", "cần mã một chỉ tiêu cấp Đơn vị")
    located(error, "Chỉ tiêu", row_of(d["targets"], code=unit_target["code"]), "Trường", "cần mã một trường số liệu")
    located(error, "Điều kiện danh hiệu", 1, "Mã danh hiệu", "'DH_KHONG_CO' không có")


def test_nan_and_infinity(meta, data):
    d = copy.deepcopy(data)
    d["groups"][0]["max_points"] = float("nan")
    d["ratings"][0]["min_score"] = float("inf")
    error = refused(meta, json.dumps(d, ensure_ascii=False))        # json writes NaN, json.loads takes it
    located(error, "Nhóm tiêu chí", 1, "Điểm tối đa", "không phải số hợp lệ")
    located(error, "Xếp loại", 1, "Điểm từ", "không phải số hợp lệ")


def test_missing_parts_and_rows_that_are_not_records(meta, data):
    d = copy.deepcopy(data)
    del d["targets"]
    d["fields"] = {"code": "x"}
    d["criteria"][0] = "CL1.1"
    del d["info"]["year"]
    d["fingerprint"] = 12
    error = refused(meta, d)
    located(error, "Chỉ tiêu", None, None, "thiếu bảng này")
    located(error, "Trường số liệu", None, None, "cần danh sách")
    located(error, "Tiêu chí", 1, None, "không phải bản ghi")
    located(error, "Kế hoạch", None, "Khóa", "thiếu dòng có khóa 'nam'")
    located(error, "Kế hoạch", None, None, "dấu nhận dạng")


def test_plan_info_out_of_range(meta, data):
    d = copy.deepcopy(data)
    d["info"]["year"], d["info"]["min_months_active"] = 99999, -5
    error = refused(meta, d)
    located(error, "Kế hoạch", 3, "Giá trị", "khóa 'nam' cần giá trị từ 1900 đến 2100")
    located(error, "Kế hoạch", 7, "Giá trị", "khóa 'so_thang_toi_thieu' cần giá trị từ 0")


@pytest.mark.parametrize("text, fragment", [
    ("{not json", "không đọc được dữ liệu JSON"),
    ("[1, 2, 3]", "không phải bản ghi kế hoạch"),
    ('"a string"', "không phải bản ghi kế hoạch"),
    ("[" * 100_000 + "]" * 100_000, "không đọc được dữ liệu JSON"),        # deeper than json's recursion
    ("1" * 5000, "không đọc được dữ liệu JSON"),                             # more digits than int() takes
    (" " * 5_000_000 + "{}", "dài quá"),
])
def test_text_that_is_not_a_plan(meta, text, fragment):
    assert fragment in str(refused(meta, text))


def test_meta_cells_of_the_wrong_kind(meta):
    for bad in ({**meta, f"{META_PREFIX}1": 5}, {**meta, f"{META_PREFIX}2": ["x"]},
                {**meta, f"{META_PREFIX}99": "x" * 5_000_000}, {**meta, META_DIGEST: None}):
        with pytest.raises(ThiduaError):
            plan_from_form_meta(bad)


# --- random tampering ---------------------------------------------------------------------------
def _paths(node, path=()):
    yield path
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, path + (k,))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, path + (i,))


def _mutate(data, rng: random.Random) -> None:
    paths = [p for p in _paths(data) if p]
    path = rng.choice(paths)
    parent = data
    for step in path[:-1]:
        parent = parent[step]
    other = data
    for step in rng.choice(paths):                     # a value from elsewhere: swaps types
        other = other[step]
    values = [0, -1, "", None, "x" * rng.choice((10, 600, 50_000)), [[[["deep"]]]], {}, True, False,
              1e308, -1e-300, 10 ** 40, "abc", "2026-02-30", "=1+1", [], 0.5, 12, "public", ">=",
              "proportional", "self", "yes", "range", "formula", "CL1", "so_cnvcld", other,
              "(" * 50 + "a" + ")" * 50, "so_cnvcld/0", "+".join(["so_cnvcld"] * 300)]
    if rng.random() < 0.25:
        del parent[path[-1]]
    else:
        parent[path[-1]] = copy.deepcopy(rng.choice(values))


@pytest.fixture(scope="module")
def filled_public(plan, issued, tmp_path_factory):
    path = fill(plan, public_form(plan, issued), tmp_path_factory.mktemp("embedded") / "filled.xlsx")
    return open_workbook(path)


def test_random_tampering_loads_or_is_refused_and_a_loaded_copy_checks_and_scores(filled_public):
    """300 seeded random edits: each copy loads (and then the form checks and scores with it) or
    is refused with a ThiduaError; nothing else ever escapes."""
    from thidua.check.engine import check_form
    from thidua.read.form import form_from_workbook
    from thidua.score.engine import score_form
    meta = read_meta(filled_public, filled_public.path)
    base = carried(meta)
    rng = random.Random(20260101)
    outcomes = {"loaded": 0, "refused": 0}
    for i in range(300):
        data = copy.deepcopy(base)
        for _ in range(rng.choice((1, 1, 2, 3))):
            _mutate(data, rng)
        try:
            rules = plan_from_form_meta(tampered(meta, json.dumps(data, ensure_ascii=False)))
        except ThiduaError:
            outcomes["refused"] += 1
            continue
        outcomes["loaded"] += 1
        form = form_from_workbook(filled_public, rules)
        check_form(form, rules)
        score_form(form, rules)
    assert outcomes["loaded"] > 20 and outcomes["refused"] > 150, outcomes


# --- the same limits in the plan workbook -------------------------------------------------------
def test_a_plan_workbook_with_a_too_long_or_too_deep_formula_is_located(tmp_path):
    from thidua.plan.read import read_plan
    from thidua.plan.template import FIRST_ROW, sample_rows, write_plan
    tables = {spec.name: sample_rows(spec) for spec in schema.PLAN_TABLES}
    i = next(i for i, r in enumerate(tables["tblFields"]) if r["Công thức"].strip())
    tables["tblFields"][i]["Công thức"] = "+".join(["kpcd_da_thu"] * 60)          # ~720 characters
    tables["tblChecks"][0]["Vế trái"] = DEEP_200
    with pytest.raises(PlanDefinitionError) as info:
        read_plan(write_plan(tmp_path / "ke_hoach.xlsx", tables))
    first_data_row = FIRST_ROW + 2                                               # Excel row, 1-based
    problems = info.value.problems
    long = [p for p in problems if (p.sheet, p.row, p.column) == (schema.FIELDS.sheet, first_data_row + i, "Công thức")]
    assert long and f"quá giới hạn {MAX_FORMULA_CHARS} ký tự" in long[0].message
    deep = [p for p in problems if (p.sheet, p.row, p.column) == (schema.CHECKS.sheet, first_data_row, "Vế trái")]
    assert deep and f"lồng nhau quá {MAX_FORMULA_DEPTH} tầng" in deep[0].message
    assert len(problems) == 2, [str(p) for p in problems]


# --- formula limits and scoring arithmetic --------------------------------------------------------
@pytest.mark.parametrize("text, fragment", [
    (TERMS_5000, "quá giới hạn"),
    (DEEP_200, "lồng nhau quá"),
    ("-" * 300 + "a", "lồng nhau quá"),
    ("a\x00b", "không hiểu công thức"),
    ("a / 1e999", "số quá lớn"),
    ("__import__('os')", "không được phép"),
])
def test_formula_limits(text, fragment):
    with pytest.raises(FormulaError) as info:
        parse_formula(text)
    assert fragment in str(info.value)


def test_a_formula_within_the_limits_still_works():
    text = "+".join(["a"] * (MAX_FORMULA_DEPTH - 1))
    assert parse_formula(text).evaluate({"a": 2}) == 2 * (MAX_FORMULA_DEPTH - 1)
    assert parse_formula("a / b").evaluate({"a": 1, "b": 0}) is None
    assert parse_formula("a / b").evaluate({"a": 10 ** 400, "b": 3}) is None


def test_scoring_never_divides_by_a_zero_or_missing_target(plan):
    from thidua.plan.semantics import target_verdict
    from thidua.forms.layout import Derived
    from thidua.score.engine import criterion_points
    crit = next(c for c in plan.criteria if c.method == "proportional")
    t = plan.target_by_code[crit.target]
    for bad in (0, None, -5):
        broken = dataclasses.replace(plan, targets=tuple(dataclasses.replace(x, value=bad) if x is t else x
                                                         for x in plan.targets))
        points, why = criterion_points(broken, crit, {t.field: Derived(10, None)})
        assert points == 0.0 and "không có giá trị lớn hơn 0" in why
    missing = dataclasses.replace(crit, target="KHONG_CO")
    assert criterion_points(plan, missing, {})[0] == 0.0
    assert target_verdict(">=", 5, None, None) is None and target_verdict("range", 5, 1, None) is None


def test_one_tampered_form_does_not_stop_the_batch(plan, issued, tmp_path):
    """`thidua check FOLDER` without --plan: the tampered form is reported, the others checked."""
    from openpyxl import load_workbook

    from thidua.check.report import check_files
    from thidua.demo.edits import table_cell
    from thidua import contract as C
    good, bad = (tmp_path / p.name for p in issued[:2])
    good.write_bytes(issued[0].read_bytes())
    data = carried(meta_of(issued[1]))
    crit = next(c for c in data["criteria"] if c["method"] == "proportional")
    next(t for t in data["targets"] if t["code"] == crit["target"])["value"] = 0
    text = json.dumps(data, ensure_ascii=False)
    wb = load_workbook(issued[1], keep_vba=True)
    for i, part in enumerate(chunks(text), start=1):
        table_cell(wb, C.META_TABLE, f"{META_PREFIX}{i}", C.VALUE, code_header=C.KEY).value = part
    table_cell(wb, C.META_TABLE, META_DIGEST, C.VALUE, code_header=C.KEY).value = digest(text)
    wb.save(bad)
    results = {r.path.name: r for r in check_files([tmp_path])}
    assert results[good.name].status == "ok"
    assert results[bad.name].status == "no_plan"
    assert "Tiêu chí" in results[bad.name].message and "giá trị lớn hơn 0" in results[bad.name].message
