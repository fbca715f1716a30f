"""Shared, session-scoped fixtures: the sample plan, issued forms and a filled province.

Built once per test session from the real writers (no mocks), in a temporary folder.
"""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from thidua.forms.write import issue_forms
from thidua.plan.read import read_plan
from thidua.plan.template import write_plan

PERIOD = "dot-1"


@pytest.fixture(scope="session")
def workdir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("thidua")


@pytest.fixture(scope="session")
def plan_path(workdir) -> Path:
    return write_plan(workdir / "ke_hoach.xlsx")


@pytest.fixture(scope="session")
def plan(plan_path):
    return read_plan(plan_path)


@pytest.fixture(scope="session")
def issued(plan, workdir) -> list[Path]:
    return issue_forms(plan, PERIOD, workdir / "issued")


@pytest.fixture(scope="session")
def province(plan, issued, workdir):
    """(filled forms, missing units) as the demo's simulated province returns them."""
    from thidua.demo.fill import play_province
    return play_province(plan, plan.period(PERIOD), issued, workdir / "returned", random.Random(7))


def form_of(issued: list[Path], kind_prefix: str) -> Path:
    """The first issued form whose unit code starts with the prefix."""
    return next(p for p in issued if p.name.split("_")[1].startswith(kind_prefix))
