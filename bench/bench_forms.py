"""Time issuing and reading N forms (default 2,000); compare reading with bare python-calamine.

    python bench/bench_forms.py [-n 2000] [--out bench/out]

Issuing uses a synthetic province of N units built from the sample plan. Reading uses N filled
files: 60 forms filled by the demo's simulated staff, copied round-robin to N files (so every
file is a real, filled form of realistic size). Prints forms per second for each step.
"""
from __future__ import annotations

import argparse
import dataclasses
import random
import shutil
import sys
from pathlib import Path

from thidua.demo.fill import fill_form
from thidua.forms.write import issue_forms
from thidua.plan.read import read_plan
from thidua.plan.template import write_plan
from thidua.read.form import read_form

from timing import timed  # bench/timing.py (this folder is on sys.path when run as a script)


def synthetic_plan(plan, n: int):
    base = [u for u in plan.units if u.active]
    units = tuple(dataclasses.replace(base[i % len(base)], code=f"B{i:05d}") for i in range(n))
    return dataclasses.replace(plan, units=units)


def bare_calamine(paths):
    import python_calamine as pc
    for p in paths:
        wb = pc.CalamineWorkbook.from_path(str(p), load_tables=True)
        for name in wb.table_names:
            wb.get_table_by_name(name).to_python()


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--out", default="bench/out")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    out = Path(args.out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    plan = read_plan(write_plan(out / "plan.xlsx"))
    big = synthetic_plan(plan, args.n)
    print(f"python {sys.version.split()[0]}; N = {args.n}")

    issued_dir = out / "issued"
    timed("issue forms (XlsxWriter, one process)", args.n, lambda: issue_forms(big, "dot-1", issued_dir))

    rng = random.Random(1)
    samples = sorted(issued_dir.iterdir())[:60]
    filled_dir = out / "filled"
    templates = [fill_form(p, filled_dir / "tpl" / p.name, big, big.unit(p.name.split("_")[1]), big.period("dot-1"),
                           rng, mistakes=rng.randint(0, 1)).path for p in samples]
    paths = []
    for i in range(args.n):
        dst = filled_dir / f"f{i:05d}.xlsx"
        shutil.copyfile(templates[i % len(templates)], dst)
        paths.append(dst)
    size = sum(p.stat().st_size for p in paths) / len(paths) / 1024
    print(f"filled forms: {len(paths)} files, {size:.1f} KiB each on average")

    bare = timed("bare python-calamine (all tables)", args.n, lambda: bare_calamine(paths), args.repeat)
    ours = timed("thidua.read_form (typed, located)", args.n, lambda: [read_form(p) for p in paths], args.repeat)
    ours_plan = timed("thidua.read_form with plan", args.n, lambda: [read_form(p, big) for p in paths], args.repeat)
    print(f"read_form / bare calamine time ratio: {ours / bare:.2f} (with plan {ours_plan / bare:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
