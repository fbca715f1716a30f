"""What people print: LibreOffice exports each workbook the tool writes to PDF (plan, issued form,
findings, a cluster's and the industry's consolidation) and the pages are measured from the PDF's
own text positions (pdftotext -bbox): every printed page at a readable scale (≥ 55 %), and no
text of one cell running over another's (a row too low for its wrapped text, a cell too narrow)."""
from __future__ import annotations

import re
import shutil
import statistics
import subprocess
from pathlib import Path

import pytest

from support.fixtures import user_workbooks
from support.libreoffice import convert

from thidua.write.xlsx import MIN_PRINT_SCALE as MIN_SCALE
WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def pages(pdf: Path) -> list[list[tuple[float, float, float, float, str]]]:
    exe = shutil.which("pdftotext")
    assert exe, "pdftotext (poppler-utils) is needed: apt-get install poppler-utils"
    html = subprocess.run([exe, "-bbox", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    return [[(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in WORD.findall(p)]
            for p in html.split("<page ")[1:]]


@pytest.fixture(scope="module")
def pdfs(demo_outputs, soffice, tmp_path_factory) -> dict[str, list]:
    books = user_workbooks(demo_outputs)
    out = convert(list(books.values()), tmp_path_factory.mktemp("pdf"), "pdf")
    return {kind: pages(out[path]) for kind, path in books.items()}


def line_height_at_full_scale(pdfs) -> float:
    """Word height of 11 pt text printed at 100 %: the industry summary prints at 100 % in 12 pt."""
    first = pdfs["industry"][0]
    return statistics.median(b - y for _, y, _, b, _ in first) * 11 / 12


def test_every_printed_page_is_readable(pdfs):
    full = line_height_at_full_scale(pdfs)
    assert 12 < full < 17                               # 11 pt text: a sanity check of the measure
    small = []
    for kind, doc in pdfs.items():
        for i, words in enumerate(doc, start=1):
            if len(words) < 5:
                continue
            scale = statistics.median(b - y for _, y, _, b, _ in words) / full
            if scale < MIN_SCALE:
                small.append((kind, i, round(scale, 2)))
    assert not small, small


def overlaps(words) -> list:
    """Pairs of words whose boxes cover each other by more than a quarter of the smaller."""
    out = []
    ws = sorted(words, key=lambda w: w[1])
    for i, a in enumerate(ws):
        for b in ws[i + 1:]:
            if b[1] >= a[3]:
                break
            dx = min(a[2], b[2]) - max(a[0], b[0])
            dy = min(a[3], b[3]) - max(a[1], b[1])
            if dx <= 0 or dy <= 0:
                continue
            small = min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))
            if dx * dy > 0.25 * small:
                out.append((a[4], b[4]))
    return out


def test_no_text_runs_over_another_cell(pdfs):
    bad = []
    for kind, doc in pdfs.items():
        for i, words in enumerate(doc, start=1):
            found = overlaps(words)
            if found:
                bad.append((kind, i, found[:3]))
    assert not bad, bad[:10]


def test_the_overlap_measure_sees_an_overlap():
    a = (10.0, 10.0, 50.0, 20.0, "trên")
    assert overlaps([a, (12.0, 15.0, 40.0, 25.0, "dưới")]) and not overlaps([a, (10.0, 21.0, 50.0, 31.0, "dưới")])
