"""Consolidate the demo province's inbox plus every hostile file at the sizes seen in the wild
(a 1 GB shared string, 1.5 GB of whitespace, a 900 MB sheet part, a cell at XFD1048576, links to
/dev/zero, a pipe...) and measure what it costs: wall time and memory of the whole process tree.

    python bench/bench_hostile.py [--out bench/out/hostile] [--repeat 3]

The consolidation runs as `python -m thidua consolidate` in a child process. Memory is sampled
every 10 ms from /proc over the child and all its descendants (the two reading workers, and any
worker started to replace one): printed are the peak of the summed resident memory (what the
machine had to hold at once) and the sum of every process's own peak (VmHWM; an upper bound,
since replaced workers did not live at the same time). Goals (issue 11): under 600 MB and under a
minute on 2 cores, every hostile file listed with its status, the workbook written.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests"))         # the corpus generator lives with the tests
PERIOD = "dot-1"


def build(out: Path) -> tuple[Path, Path, list]:
    """(plan path, inbox folder, corpus) — the demo province's returned forms, its usual junk,
    and the hostile corpus (big sizes) in a subfolder."""
    from support.hostile import plant_hostile
    from thidua.demo.fill import fill_form, play_province
    from thidua.demo.run import plant_bad_files
    from thidua.forms.write import issue_forms
    from thidua.plan.read import read_plan
    from thidua.plan.template import write_plan

    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    plan_path = write_plan(out / "ke_hoach.xlsx")
    plan = read_plan(plan_path)
    period = plan.period(PERIOD)
    issued = issue_forms(plan, PERIOD, out / "phat")
    inbox = out / "nop_ve"
    filled, missing = play_province(plan, period, issued, inbox, random.Random(7))
    plant_bad_files(inbox, filled, random.Random(3))
    by_code = {p.name.split("_")[1]: p for p in issued}
    rng = random.Random(5)
    sources = [fill_form(by_code[u.code], out / "nguon" / by_code[u.code].name, plan, u, period, rng).path
               for u in missing[1:3]]
    corpus = plant_hostile(inbox / "gui_qua_zalo", by_code[missing[0].code], sources[0], sources[1],
                           outside=out / "ngoai", big=True)
    return plan_path, inbox, corpus


def _children() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat", "rb") as fh:
                ppid = int(fh.read().rsplit(b")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def _status(pid: int) -> dict[str, int]:
    out = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])   # kB
    except OSError:
        pass
    return out


def watch(root: int, stop: threading.Event, result: dict) -> None:
    peak_sum, hwm = 0, {}
    while not stop.is_set():
        kids, tree, todo = _children(), [], [root]
        while todo:
            pid = todo.pop()
            tree.append(pid)
            todo.extend(kids.get(pid, []))
        total = 0
        for pid in tree:
            st = _status(pid)
            total += st.get("VmRSS", 0)
            hwm[pid] = max(hwm.get(pid, 0), st.get("VmHWM", 0))
        peak_sum = max(peak_sum, total)
        time.sleep(0.01)
    result.update(peak_sum_mb=peak_sum / 1024, hwm_sum_mb=sum(hwm.values()) / 1024, processes=len(hwm))


def consolidate_once(plan_path: Path, inbox: Path, out_file: Path) -> dict:
    env = {**os.environ, "XDG_STATE_HOME": str(out_file.parent / "state")}
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "thidua", "consolidate", str(inbox), "--plan", str(plan_path),
                             "--period", PERIOD, "-o", str(out_file)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env)
    stop, mem = threading.Event(), {}
    th = threading.Thread(target=watch, args=(proc.pid, stop, mem))
    th.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - t0
    stop.set()
    th.join()
    return {"seconds": seconds, "code": proc.returncode, "stdout": stdout.decode(), "stderr": stderr.decode(), **mem}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="bench/out/hostile")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    out = Path(args.out).resolve()
    t0 = time.perf_counter()
    plan_path, inbox, corpus = build(out)
    n_files = sum(1 for p in inbox.rglob("*") if not p.is_dir() or p.is_symlink())
    disk = sum(p.stat().st_size for p in inbox.rglob("*") if p.is_file() and not p.is_symlink())
    print(f"python {sys.version.split()[0]}; {os.cpu_count()} cores; {n_files} entries in the inbox "
          f"({len(corpus)} hostile), {disk / 1e6:.1f} MB on disk; built in {time.perf_counter() - t0:.1f} s")
    runs = [consolidate_once(plan_path, inbox, out / "ket_qua" / "tong_hop.xlsx") for _ in range(args.repeat)]
    for r in runs:
        print(f"  run: {r['seconds']:6.2f} s, exit {r['code']}, peak of summed RSS {r['peak_sum_mb']:6.0f} MB, "
              f"sum of per-process peaks {r['hwm_sum_mb']:6.0f} MB over {r['processes']} processes")
    worst = max(runs, key=lambda r: r["hwm_sum_mb"])
    print(f"median {statistics.median(r['seconds'] for r in runs):.2f} s (goal < 60 s); worst sum of per-process "
          f"peaks {worst['hwm_sum_mb']:.0f} MB, worst summed RSS {max(r['peak_sum_mb'] for r in runs):.0f} MB "
          "(goal < 600 MB)")
    sys.path.insert(0, str(HERE.parent / "python"))
    from thidua.consolidate.core import read_inputs  # noqa: F401  (the package is importable: same venv)
    from support.consolidation import table_rows
    rows = {r["Tệp"]: r for r in table_rows(out / "ket_qua" / "tong_hop.xlsx", "tblInventory")}
    wrong = [(h.name, h.code, rows.get(h.name, {}).get("Chi tiết")) for h in corpus
             if rows.get(h.name, {}).get("Mã trạng thái") != h.status or (rows[h.name].get("Chi tiết") or "") != h.code]
    print(f"hostile files listed as expected: {len(corpus) - len(wrong)}/{len(corpus)}" +
          (f"; differing: {wrong}" if wrong else ""))
    print(worst["stdout"].strip().splitlines()[0] if worst["stdout"].strip() else worst["stderr"][-2000:])
    return 0 if not wrong and worst["code"] in (0, 1) else 1


if __name__ == "__main__":
    raise SystemExit(main())
