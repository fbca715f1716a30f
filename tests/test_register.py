"""The register of issued forms (register.py) as forms are issued: a random token per form written in
the form's hidden meta, kept as a digest in the register; issuing again keeps earlier forms valid; a
cluster's pack holds its cluster only; the CLI writes the register beside the plan and the packs
beside the forms; a file that is not the plan's register is refused in Vietnamese."""
from __future__ import annotations

import dataclasses
import json
import shutil

import pytest

from support.fixtures import PERIOD
from thidua import register
from thidua.cli import main
from thidua.errors import ThiduaError
from thidua.forms.write import issue_forms
from thidua.read.form import read_form


@pytest.fixture
def small(plan):
    """The plan with two units in each of two clusters (issuing stays quick)."""
    period = plan.period(PERIOD)
    active = plan.active_units(period)
    clusters = list(dict.fromkeys(u.cluster for u in active))[:2]
    keep = [u for c in clusters for u in [x for x in active if x.cluster == c][:2]]
    return dataclasses.replace(plan, units=tuple(keep))


def tokens_of(paths, plan):
    return {f.unit_code: f for f in (read_form(p, plan) for p in paths)}


def test_issuing_twice_keeps_earlier_tokens_valid_and_refuses_another_units_token(small, tmp_path):
    reg = register.Register(small.info.plan_id)
    first = tokens_of(issue_forms(small, PERIOD, tmp_path / "lan1", register=reg), small)
    path = reg.save(tmp_path / "so.json")
    again = register.load(path, small)
    second = tokens_of(issue_forms(small, PERIOD, tmp_path / "lan2", register=again), small)
    again.save(path)
    reg = register.load(path, small)
    assert len(reg.forms) == 2 * len(small.units) and set(first) == set(second) == {u.code for u in small.units}
    for forms in (first, second):
        for code, form in forms.items():
            assert len(form.token) >= 24
            unit = small.unit(code)
            assert reg.form_problem(code, unit.cluster, PERIOD, form.token) is None
    assert all(first[c].token != second[c].token for c in first)                 # a new token each time
    a, b = list(first)[:2]
    why = reg.form_problem(b, small.unit(b).cluster, PERIOD, first[a].token)
    assert why and f"đơn vị {a}" in why and b in why                                 # names whose token it is
    assert "không có trong sổ phát hành" in reg.form_problem(a, small.unit(a).cluster, PERIOD, "đoán-bừa")
    assert "không có mã xác thực" in reg.form_problem(a, small.unit(a).cluster, PERIOD, "")
    assert "dot-2" in reg.form_problem(a, small.unit(a).cluster, "dot-2", first[a].token)
    stored = path.read_text("utf-8")
    assert not any(f.token in stored for f in (*first.values(), *second.values()))   # digests only
    files = {f.file for f in reg.forms}
    assert files == {p.name for p in (tmp_path / "lan1").iterdir()}


def test_forms_issued_without_a_register_have_no_token(small, issued, plan):
    assert read_form(issued[0], plan).token == ""


def test_a_clusters_pack_holds_only_its_cluster(small, tmp_path):
    reg = register.Register(small.info.plan_id)
    issue_forms(small, PERIOD, tmp_path / "phat", register=reg)
    clusters = sorted({u.cluster for u in small.units})
    assert len(clusters) == 2
    for code in clusters:
        pack = register.load(reg.for_cluster(code).save(tmp_path / register.pack_name(code)), small)
        assert pack.scope == (code,) and pack.covers(code)
        assert {f.unit for f in pack.forms} == {u.code for u in small.units if u.cluster == code}
        assert pack.keys and all(k.level == register.CLUSTER and k.code == code for k in pack.keys)
        assert not any(other in (tmp_path / register.pack_name(code)).read_text("utf-8")
                       for other in clusters if other != code)


def test_load_refuses_what_is_not_this_plans_register(small, tmp_path):
    junk = tmp_path / "khac.json"
    junk.write_text(json.dumps({"ten": "không phải sổ"}), "utf-8")
    with pytest.raises(ThiduaError, match="không đúng định dạng") as err:
        register.load(junk, small)
    assert "Sổ phát hành" in err.value.message
    other = tmp_path / "ke_hoach_khac.json"
    register.Register("KH-KHAC-2026").save(other)
    with pytest.raises(ThiduaError, match=f"thuộc kế hoạch 'KH-KHAC-2026', không phải kế hoạch '{small.info.plan_id}'"):
        register.load(other, small)
    with pytest.raises(ThiduaError, match="không đúng định dạng"):
        register.load_or_new(junk, small)


def test_the_forms_command_keeps_the_register_beside_the_plan_and_a_pack_per_cluster(plan, plan_path, tmp_path,
                                                                                      capsys):
    plan_file = shutil.copy(plan_path, tmp_path / "ke_hoach.xlsx")     # never beside the shared plan
    out = tmp_path / "phat"
    assert main(["forms", str(plan_file), "--period", PERIOD, "-o", str(out)]) == 0
    printed = capsys.readouterr().out
    full = register.register_path(plan_file)
    assert full == tmp_path / "ke_hoach_so_phat_hanh.json" and full.is_file()
    assert str(full.resolve()) in printed and "Cấp ngành giữ tệp này" in printed
    assert "gửi mỗi gói cho trưởng cụm" in printed
    reg = register.load(full, plan)
    units = plan.active_units(plan.period(PERIOD))
    assert {f.unit for f in reg.forms} == {u.code for u in units}
    clusters = {u.cluster for u in units}
    assert {p.name for p in out.glob("*.json")} == {register.pack_name(c) for c in clusters}
    form = read_form(next(out.glob("*.xlsm")), plan)
    assert reg.form_problem(form.unit_code, form.meta["cluster_code"], PERIOD, form.token) is None
    pack = register.load(out / register.pack_name(form.meta["cluster_code"]), plan)
    assert pack.form_problem(form.unit_code, form.meta["cluster_code"], PERIOD, form.token) is None
    # issuing again keeps the first forms valid
    assert main(["forms", str(plan_file), "--period", PERIOD, "-o", str(tmp_path / "phat2")]) == 0
    again = register.load(full, plan)
    assert len(again.forms) == 2 * len(units)
    assert again.form_problem(form.unit_code, form.meta["cluster_code"], PERIOD, form.token) is None
