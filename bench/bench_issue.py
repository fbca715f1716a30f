"""Time issuing the sample province's forms (issue 16: the self-checking form must stay within 2×
of the form before it, in size and in the time to issue them all).

    python bench/bench_issue.py [--repeat 3] [--out bench/out/issue]

Prints the number of forms, the median of `--repeat` runs of issue_forms (one process), and the
median and largest size of a form.
"""
from __future__ import annotations

import argparse
import shutil
import statistics
import time
from pathlib import Path

from thidua.forms.write import issue_forms
from thidua.plan.read import read_plan
from thidua.plan.template import write_plan


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--out", default="bench/out/issue")
    ap.add_argument("--period", default="dot-1")
    args = ap.parse_args(argv)
    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    plan = read_plan(write_plan(out / "plan.xlsx"))
    times, paths = [], []
    for i in range(args.repeat):
        target = out / f"run{i}"
        t0 = time.perf_counter()
        paths = issue_forms(plan, args.period, target)
        times.append(time.perf_counter() - t0)
    sizes = [p.stat().st_size for p in paths]
    print(f"forms: {len(paths)}; issue time: median {statistics.median(times):.2f} s "
          f"(runs {', '.join(f'{t:.2f}' for t in times)}); size: median {statistics.median(sizes) / 1024:.1f} KiB, "
          f"largest {max(sizes) / 1024:.1f} KiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
