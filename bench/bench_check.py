"""Time the Kiểm tra / Chấm điểm path (issue 4 goals: one form well under 100 ms in-process,
the button's cold start under one second).

    python bench/bench_check.py [--out bench/out/check] [--repeat 200]

1. In-process: read + check + score one typical filled form, median of many runs; also check
   and score the live-book path (xlwings remote engine, as xlwings Server/Lite run it).
2. The demo's whole returned folder: read + check + score every form (the CLI path).
3. Cold start of the button path: `python -X importtime -c "import thidua.excel"` (total), and a
   fresh process that imports thidua.excel, builds the live book and runs validate().
"""
from __future__ import annotations

import argparse
import json
import os
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))


def median_ms(fn, repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    return statistics.median(runs) * 1000


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="bench/out/check")
    ap.add_argument("--repeat", type=int, default=200)
    args = ap.parse_args(argv)
    os.environ.setdefault("XLWINGS_LICENSE_KEY", "noncommercial")
    from support.remote_book import book_from_payload, payload_from_file
    from thidua.check.engine import check_form
    from thidua.check.report import check_files
    from thidua.demo.fill import play_province
    from thidua.excel import live
    from thidua.forms.write import issue_forms
    from thidua.plan.read import read_plan
    from thidua.plan.template import write_plan
    from thidua.read.form import read_form
    from thidua.score.engine import score_form

    out = Path(args.out)
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    plan = read_plan(write_plan(out / "plan.xlsx"))
    issued = issue_forms(plan, "dot-1", out / "issued")
    filled, _ = play_province(plan, plan.period("dot-1"), issued, out / "returned", random.Random(3))
    typical = next(f for f in filled if f.planted).path          # a form with a mistake or two
    print(f"python {sys.version.split()[0]}; form {typical.name} ({typical.stat().st_size / 1024:.1f} KiB)")

    def one():
        form = read_form(typical, plan)
        check_form(form, plan)
        score_form(form, plan)

    form = read_form(typical, plan)
    print(f"read + check + score one form (file, in-process, median of {args.repeat}): "
          f"{median_ms(one, args.repeat):.2f} ms")
    print(f"  of which check + score only: "
          f"{median_ms(lambda: (check_form(form, plan), score_form(form, plan)), args.repeat):.2f} ms")
    payload = payload_from_file(typical)
    print(f"validate() on the live book (remote engine, plan carried by the form), median of {args.repeat // 4}: "
          f"{median_ms(lambda: live.validate(book_from_payload(payload)), args.repeat // 4):.2f} ms")

    folder = out / "returned"
    t0 = time.perf_counter()
    results = check_files([folder], plan)
    dt = time.perf_counter() - t0
    print(f"demo folder: {len(results)} files read + checked + scored in {dt:.2f} s ({len(results) / dt:.0f} files/s)")

    # cold start: what a button click pays before our code runs, and the whole click
    imp = subprocess.run([sys.executable, "-X", "importtime", "-c", "import thidua.excel"],
                         capture_output=True, text=True)
    total_us = max(int(m.group(1)) for m in re.finditer(r"\|\s+(\d+) \|", imp.stderr))
    print(f"python -X importtime -c 'import thidua.excel': {total_us / 1000:.1f} ms (largest cumulative entry)")
    (out / "payload.json").write_text(json.dumps(payload, ensure_ascii=False, default=str), "utf-8")
    script = ("import json,os,sys,time;t=time.perf_counter();os.environ.setdefault('XLWINGS_LICENSE_KEY','noncommercial');"
              "import thidua.excel as x, xlwings as xw;"
              f"b=xw.Book(json=json.load(open(r'{out / 'payload.json'}',encoding='utf-8')));"
              "x.validate(b);print(time.perf_counter()-t)")
    runs = []
    for _ in range(5):
        t0 = time.perf_counter()
        inner = float(subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                                     check=True).stdout.split()[-1])
        runs.append((time.perf_counter() - t0, inner))
    wall, inner = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
    print(f"cold validate() in a fresh process (median of 5): {wall * 1000:.0f} ms wall, "
          f"{inner * 1000:.0f} ms from first import to alert")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
