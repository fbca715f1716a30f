"""Consolidate N synthetic filled forms (default 2,000) and compare, in the same run, with
python-calamine reading the same files and doing nothing else.

    python bench/bench_consolidate.py [-n 2000] [--out bench/out/consolidate] [--repeat 3]
                                      [--memory 500,2000] [--keep]

Forms: the sample plan grown to N units (codes B00000…, each a copy of a sample unit, so kinds,
clusters and targets are the plan's); one real form per sample unit is issued and filled by the
demo's simulated staff (varied values, some late, some with mistakes), then copied to N files with
the unit's identity (unit code, targets digest, embedded plan digest) rewritten inside the package,
so every file is a distinct unit's realistic form (~55 KB .xlsm).

Prints seconds and forms/s for: bare calamine (one process), consolidation (default: 2 worker
processes; and one process), the ratio bare/consolidation (goal ≥ 0.5), and the peak memory of
the consolidating process (and of its workers) for each N given to --memory, measured in a fresh
child process each.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

from timing import timed  # bench/timing.py (this folder is on sys.path when run as a script)

PERIOD = "dot-1"


def synthetic_plan_workbook(path: Path, n: int) -> Path:
    """The sample plan with N units B00000… (copies of the sample's active units, so kinds,
    clusters and targets are the plan's); cluster leaders left blank."""
    from thidua.plan import schema
    from thidua.plan.template import sample_rows, write_plan
    tables = {spec.name: sample_rows(spec) for spec in schema.PLAN_TABLES}
    base = [r for r in tables["tblUnits"] if r["Đang hoạt động"].strip() == "Có"]
    tables["tblUnits"] = [{**base[i % len(base)], "Mã đơn vị": f"B{i:05d}", "Email": ""} for i in range(n)]
    for r in tables["tblClusters"]:
        r["Đơn vị trưởng cụm"] = ""
    return write_plan(path, tables)


def _digests(plan, code: str) -> tuple[str, str]:
    from thidua.forms.layout import layout_for
    from thidua.plan.embed import digest, plan_json
    unit = plan.unit(code)
    return layout_for(plan, unit.kind).digest(unit, plan), digest(plan_json(plan, code))


def _rules_stamp() -> str:
    """The sample plan's rules as shipped (its CSV files) and the form writer's code: cached forms made
    under other rules, or by another writer (a form with another sheet, another size), are made again."""
    import hashlib
    root = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for p in [*sorted((root / "workbook_templates" / "sample_plan").glob("*.csv")),
              *sorted((root / "python" / "thidua" / "forms").glob("*.py"))]:
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()[:16]


def make_forms(out: Path, n: int) -> tuple[Path, list[Path]]:
    """(plan path, N form paths); reused when already made for this N."""
    from thidua.demo.fill import fill_form
    from thidua.forms.write import form_filename, write_form
    from thidua.plan.read import read_plan

    forms = out / f"forms_{n}"
    plan_path = out / f"plan_{n}.xlsx"
    stamp = out / f"forms_{n}.done"
    if stamp.exists() and plan_path.exists() and stamp.read_text(encoding="utf-8").strip() == _rules_stamp():
        return plan_path, sorted(forms.iterdir())     # made by the same sample rules: reuse
    for old in (forms, out / "templates", out / "issued"):
        if old.exists():
            shutil.rmtree(old)
    out.mkdir(parents=True, exist_ok=True)
    big = read_plan(synthetic_plan_workbook(plan_path, n))
    n_base = len({(u.name, u.cluster) for u in big.units})
    period = big.period(PERIOD)
    rng = random.Random(1)
    templates = []
    for i in range(min(n_base, n)):
        unit = big.unit(f"B{i:05d}")
        issued = write_form(big, unit, period, out / "issued" / form_filename(unit, period))
        filled = fill_form(issued, out / "templates" / issued.name, big, unit, period, rng,
                           late=rng.random() < 0.06, mistakes=1 if rng.random() < 0.15 else 0)
        with zipfile.ZipFile(filled.path) as z:
            members = [(info, z.read(info.filename)) for info in z.infolist()]
        templates.append((unit.code, _digests(big, unit.code), members, filled.path.stat().st_mtime))
    forms.mkdir(parents=True)
    paths = []
    for i in range(n):
        code, old, members, mtime = templates[i % len(templates)]
        new_code = f"B{i:05d}"
        new = _digests(big, new_code)
        path = forms / form_filename(big.unit(new_code), period)
        swap = [(code.encode(), new_code.encode()), (old[0].encode(), new[0].encode()),
                (old[1].encode(), new[1].encode())]
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
            for info, data in members:
                if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                    for a, b in swap:
                        data = data.replace(a, b)
                z.writestr(info, data)
        os.utime(path, (mtime, mtime))
        paths.append(path)
    stamp.write_text(_rules_stamp(), encoding="utf-8")
    return plan_path, paths


def bare_calamine(paths) -> None:
    """Every Excel Table of the form's contract (what a unit fills and the meta): not the self-check
    tables the form computes for the person (forms.selfcheck), which nothing reads back."""
    import python_calamine as pc
    from thidua import contract as C
    wanted = {C.META_TABLE, *C.TABLE_COLUMNS}
    for p in paths:
        wb = pc.CalamineWorkbook.from_path(str(p), load_tables=True)
        for name in wb.table_names:
            if name in wanted:
                wb.get_table_by_name(name).to_python()


def consolidate_once(plan_path: Path, folder: Path, out: Path, workers: int | None) -> dict:
    from thidua.consolidate.core import run
    from thidua.plan.read import read_plan
    plan = read_plan(plan_path)
    t0 = time.perf_counter()
    result = run([folder], plan, PERIOD, out, workers=workers)
    total = time.perf_counter() - t0
    return {"seconds": total, **{k: round(v, 3) for k, v in result.seconds.items()},
            "units": len(result.results), "entries": len(result.entries)}


def child(args) -> int:
    """One consolidation in this fresh process; prints JSON with timings and peak memory.
    --no-preflight: the parser reads each file as it came (the reader before issue 11), to
    measure what inspecting before parsing costs."""
    import resource
    if args.no_preflight:
        import thidua.read.workbook as W
        from thidua.read.preflight import Package
        W.preflight = lambda data, name, path, only=None: Package(data)
    info = consolidate_once(Path(args.plan), Path(args.folder), Path(args.out_file), args.workers)
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    info["peak_rss_mb"] = me.ru_maxrss / 1024
    info["workers_peak_rss_mb"] = kids.ru_maxrss / 1024
    info["cpu_seconds"] = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime   # whole process tree
    print(json.dumps(info))
    return 0


def run_child(plan_path: Path, folder: Path, out_file: Path, workers: int | None, preflight: bool = True) -> dict:
    cmd = [sys.executable, __file__, "--child", "--plan", str(plan_path), "--folder", str(folder),
           "--out-file", str(out_file)]
    if workers:
        cmd += ["--workers", str(workers)]
    if not preflight:
        cmd.append("--no-preflight")
    proc = subprocess.run(cmd, capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--out", default="bench/out/consolidate")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory", default="", help="N values for the memory runs, e.g. 500,2000,8000")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--plan", help=argparse.SUPPRESS)
    ap.add_argument("--folder", help=argparse.SUPPRESS)
    ap.add_argument("--out-file", help=argparse.SUPPRESS)
    ap.add_argument("--workers", type=int)
    ap.add_argument("--skip-one-process", action="store_true", help="skip the one-process comparison run")
    ap.add_argument("--no-preflight", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--inspection", type=int, default=0, metavar="PAIRS",
                    help="also measure what inspecting files before parsing costs: PAIRS interleaved runs with "
                         "and without it (read.preflight), median and spread of the share")
    args = ap.parse_args(argv)
    if args.child:
        return child(args)
    out = Path(args.out)
    print(f"python {sys.version.split()[0]}; {os.cpu_count()} cores; N = {args.n}")
    t0 = time.perf_counter()
    plan_path, paths = make_forms(out, args.n)
    size = sum(p.stat().st_size for p in paths) / len(paths) / 1024
    print(f"forms: {len(paths)} files, {size:.1f} KiB each on average (ready in {time.perf_counter() - t0:.1f} s)")
    folder = paths[0].parent
    n = len(paths)
    bare = timed("bare python-calamine, the form's tables (one process)", n, lambda: bare_calamine(paths), args.repeat)
    runs = [run_child(plan_path, folder, out / "tong_hop.xlsx", args.workers) for _ in range(args.repeat)]
    best = sorted(runs, key=lambda r: r["seconds"])[len(runs) // 2]
    print(f"{'thidua consolidate (read+check+score+rank+write)':<52} {n:>7} forms {best['seconds']:8.2f} s "
          f"{n / best['seconds']:9.0f} forms/s   [read {best['read']} s, compute {best['compute']} s, "
          f"write {best['write']} s; {best['units']} units]")
    if not args.skip_one_process:
        one = run_child(plan_path, folder, out / "tong_hop_1.xlsx", 1)
        print(f"{'  same, one process':<52} {n:>7} forms {one['seconds']:8.2f} s {n / one['seconds']:9.0f} forms/s")
    ratio = bare / best["seconds"]
    print(f"speed ratio bare/consolidation: {ratio:.2f} (goal ≥ 0.50: consolidation at least half as fast)")
    print(f"peak memory at N={n}: consolidating process {best['peak_rss_mb']:.0f} MB, "
          f"largest worker {best['workers_peak_rss_mb']:.0f} MB; output {(out / 'tong_hop.xlsx').stat().st_size / 1e6:.1f} MB")
    if args.inspection:
        import statistics
        shares, cpu_shares = [], []
        for i in range(args.inspection):
            pair = {}
            for with_it in ((True, False) if i % 2 == 0 else (False, True)):      # A B, B A, ...
                pair[with_it] = run_child(plan_path, folder, out / "tong_hop_p.xlsx", args.workers, with_it)
            wall = {k: v["seconds"] for k, v in pair.items()}
            cpu = {k: v["cpu_seconds"] for k, v in pair.items()}
            shares.append((wall[True] - wall[False]) / wall[True])
            cpu_shares.append((cpu[True] - cpu[False]) / cpu[True])
            print(f"  pair {i + 1}: with inspection {wall[True]:.2f} s ({cpu[True]:.2f} s CPU), without "
                  f"{wall[False]:.2f} s ({cpu[False]:.2f} s CPU); share {shares[-1]:+.1%} of wall time, "
                  f"{cpu_shares[-1]:+.1%} of CPU time")
        print(f"inspection before parsing: median share of consolidation time {statistics.median(shares):+.1%} "
              f"(min {min(shares):+.1%}, max {max(shares):+.1%}); of CPU time {statistics.median(cpu_shares):+.1%} "
              f"(min {min(cpu_shares):+.1%}, max {max(cpu_shares):+.1%}); goal ≤ 10%")
    for m in [int(x) for x in args.memory.split(",") if x.strip()]:
        p_path, p_paths = make_forms(out, m)
        r = run_child(p_path, p_paths[0].parent, out / f"tong_hop_{m}.xlsx", args.workers)
        print(f"memory N={m:>7}: {r['seconds']:7.2f} s, consolidating process {r['peak_rss_mb']:6.0f} MB, "
              f"largest worker {r['workers_peak_rss_mb']:5.0f} MB, {(r['peak_rss_mb']) * 1024 / m:6.1f} KB per form")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
