"""Test set-up: the shared fixtures, and LibreOffice as the real spreadsheet.

LibreOffice tests skip on a developer machine without it, but fail in CI
(THIDUA_REQUIRE_LIBREOFFICE=1): a missing spreadsheet must never look like a green run.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

# xlwings' remote engine (the object model of xlwings Server and Lite) is xlwings PRO, free for
# noncommercial use (PolyForm Noncommercial); it must be licensed before xlwings is first imported.
os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
sys.path.insert(0, str(Path(__file__).parent))

from support.consolidation import cluster_books, consolidated, inbox  # noqa: E402,F401  (session fixtures)
from support.fixtures import *  # noqa: E402,F401,F403
from support.libreoffice import find_soffice  # noqa: E402


@pytest.fixture(scope="session")
def soffice() -> str:
    exe = find_soffice()
    if exe is None:
        message = "LibreOffice (soffice) không có trên máy: apt-get install libreoffice-calc-nogui"
        if os.environ.get("THIDUA_REQUIRE_LIBREOFFICE") == "1":
            pytest.fail(message)
        pytest.skip(message)
    return exe
