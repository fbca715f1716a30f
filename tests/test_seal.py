"""Row digests: the direct text equals json.dumps' (digests already in workbooks must still match)."""
from __future__ import annotations

import hashlib
import json
import random
from datetime import date, datetime

from thidua.consolidate.seal import canonical, row_digest

ODD = ['"', "\\", "\n", "\t", "\x01", "\x1f", "\u2028", "é", "e\u0301", "Đ", "😀", " ", "/", "<&>", "\x7f"]


def reference(cells: dict, extra=()) -> str:
    """The digest as first defined: sha256 of json.dumps of the sorted non-empty canonical pairs."""
    def part(d):
        return sorted((str(k), c) for k, v in d.items() if (c := canonical(v)) != "")
    text = json.dumps([part(cells), [part(x) for x in extra]], ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:24]


def _value(rng: random.Random):
    kind = rng.randrange(9)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.randint(-10**6, 10**6)
    if kind == 3:
        return rng.uniform(-1e6, 1e6)
    if kind == 4:
        return datetime(2026, rng.randint(1, 12), rng.randint(1, 28), rng.randint(0, 23))
    if kind == 5:
        return date(2026, rng.randint(1, 12), rng.randint(1, 28))
    if kind == 6:
        return ""
    return "".join(rng.choice(ODD + list("abcXYZ09 ")) for _ in range(rng.randint(1, 12)))


def test_row_digest_equals_the_json_definition():
    rng = random.Random(17)
    for _ in range(3000):
        cells = {("".join(rng.choice(ODD + list("Mãkey")) for _ in range(rng.randint(1, 6)))): _value(rng)
                 for _ in range(rng.randint(0, 8))}
        extra = [{f"h{k}": _value(rng) for k in range(rng.randint(0, 5))} for _ in range(rng.randint(0, 3))]
        assert row_digest(cells, extra) == reference(cells, extra)
    assert row_digest({}) == reference({})
    assert row_digest({"a": None}, [{}]) == reference({"a": None}, [{}])
