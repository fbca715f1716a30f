"""Consolidation against what the machine can do: whole process against whole process.

    python bench/bench_consolidate.py [-n 2000] [--pairs 3] [--memory 500,2000,8000]
                                      [--workers 2] [--out bench/out/consolidate] [--breakdown]
                                      [--inspection PAIRS] [--by-process RUNS]

Measured (../shared/notes/benchmarks.md):
- A: `python -m thidua consolidate FOLDER --plan … --period dot-1 -o …` — start-up, imports and
  reading the plan included, two worker processes (the default).
- B: `python bench/bare_read.py FOLDER --workers 2` — python-calamine reading the same files'
  Excel Tables the consolidation reads (the form's identity, unit info, indicators, scores,
  registrations, members), in two processes, and nothing else: the floor on equal cores.
- Runs interleaved A B, B A, … (`--pairs`); the ratio A ÷ B is taken per pair and its median and
  spread printed (goal ≤ 2.0).
- Memory (`--memory N,…`, separate runs, so sampling never slows a timed run), sampled from /proc:
  every process's peak resident memory (main and workers) summed, and the peak of the summed
  proportional set size (forked workers share the main process's pages; the first counts them in each).
- CPU by process (`--by-process RUNS`): each process's CPU time by its role (main, readers,
  rendering helpers), per file, beside the bare read's, and the CPU time a ratio of 2.0 leaves.

Inputs (made once per N and per form writer, then reused): the sample plan grown to N units (codes
B00000…). One form per sample unit is issued and filled by the demo's simulated staff; the N
files are copies with the unit's identity rewritten, every number in "Số liệu" drawn again
around the filled one and every self-score drawn again, so units differ (ties only where the
plan's scoring makes them: criteria met in full or not at all). About 2 % of units do not
report. Beside the forms, the junk real folders hold, in realistic shares: byte-identical
duplicates (2 %), a unit's second sending with other figures (1 %), corrupt files (0.5 %), foreign
files — a PDF, a Word letter, a workbook that is not a form, a photo (1 %) — and Excel lock
files "~$…" (0.5 %).
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
import threading
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PERIOD = "dot-1"
SHARES = {"duplicate": 0.02, "resent": 0.01, "corrupt": 0.005, "foreign": 0.01, "lock": 0.005, "missing": 0.02}


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


GENERATOR = "3"          # bump when the inputs below are made differently


def _stamp() -> str:
    """The sample plan's rules, the form writer's code and the generator's version: inputs made
    otherwise are made again."""
    import hashlib
    h = hashlib.sha256(GENERATOR.encode())
    for p in [*sorted((ROOT / "workbook_templates" / "sample_plan").glob("*.csv")),
              *sorted((ROOT / "python" / "thidua" / "forms").glob("*.py"))]:
        h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()[:16]


# --- inputs -------------------------------------------------------------------------------------
_TEMPLATES: list = []


def _table_at(members: dict[str, bytes], table: str) -> tuple[str, int, int, int, list[str]]:
    """(sheet part, first column index, first data row, last row, headers) of an Excel Table."""
    from xlsxwriter.utility import xl_cell_to_rowcol
    for name, data in members.items():
        if not (name.startswith("xl/worksheets/_rels/") and name.endswith(".rels")):
            continue
        for target in re.findall(r'Target="([^"]+table\d+\.xml)"', data.decode()):
            xml = members["xl/tables/" + target.rsplit("/", 1)[-1]].decode()
            if f'displayName="{table}"' not in xml:
                continue
            ref = re.search(r'ref="([A-Z]+)(\d+):([A-Z]+)(\d+)"', xml)
            heads = re.findall(r'<tableColumn [^>]*name="([^"]*)"', xml)
            return ("xl/worksheets/" + name.rsplit("/", 1)[-1][:-5], xl_cell_to_rowcol(f"{ref.group(1)}1")[1],
                    int(ref.group(2)) + 1, int(ref.group(4)), heads)
    raise RuntimeError(f"no {table} in the filled form")


def _entry_cells(members: dict[str, bytes]) -> dict[str, list[tuple[str, str, float | None]]]:
    """{sheet part: [(cell, kind, maximum)]}: the numeric "Số liệu" cells of tblIndicators (kind: the
    field type) and the self-scores of tblScores (kind "score", maximum: the criterion's points)."""
    from xlsxwriter.utility import xl_col_to_name
    from thidua import contract as C
    out: dict[str, list] = {}
    sheet, c0, first, last, heads = _table_at(members, C.INDICATOR_TABLE)
    xml = members[sheet].decode()
    entry, kind = xl_col_to_name(c0 + heads.index(C.ENTRY)), xl_col_to_name(c0 + heads.index(C.FIELD_TYPE))
    for r in range(first, last + 1):
        t = re.search(rf'<c r="{kind}{r}"[^>]*><is><t>([a-z]+)</t>', xml)
        if t and t.group(1) in ("integer", "number", "percent"):
            out.setdefault(sheet, []).append((f"{entry}{r}", t.group(1), None))
    sheet, c0, first, last, heads = _table_at(members, C.SCORE_TABLE)
    xml = members[sheet].decode()
    own, points = xl_col_to_name(c0 + heads.index(C.SELF_SCORE)), xl_col_to_name(c0 + heads.index(C.POINTS))
    for r in range(first, last + 1):
        p = re.search(rf'<c r="{points}{r}"[^>]*><v>([-0-9.eE+]+)</v>', xml)
        if p:
            out.setdefault(sheet, []).append((f"{own}{r}", "score", float(p.group(1))))
    return out


def _redraw(data: bytes, cells, rng: random.Random) -> bytes:
    """Every numeric entry drawn again within ±15 % of the filled figure (integers stay whole); a
    self-score anywhere from 60 % of the points to all of them, in quarter points."""
    text = data.decode()
    for cell, kind, top in cells:
        def swap(m, kind=kind, top=top):
            if kind == "score":
                v = round(top * rng.uniform(0.6, 1.0) * 4) / 4
            else:
                v = float(m.group(2)) * rng.uniform(0.85, 1.15)
                v = round(v) if kind == "integer" else round(min(v, 100.0) if kind == "percent" else v, 2)
            return f"{m.group(1)}{v:g}</v>"
        text = re.sub(rf'(<c r="{cell}"[^>]*t="n"><v>)([-0-9.eE+]+)</v>', swap, text, count=1)
    return text.encode()


def _write_copy(job) -> tuple[str, float]:
    """One unit's file (a template's copy with its own identity and figures)."""
    i, new_code, new_digests, path, seed, later = job
    code, old, members, mtime, cells = _TEMPLATES[i % len(_TEMPLATES)]
    rng = random.Random(seed)
    swap = [(code.encode(), new_code.encode()), (old[0].encode(), new_digests[0].encode()),
            (old[1].encode(), new_digests[1].encode())]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in members:
            if info.filename.startswith("xl/worksheets/") and info.filename.endswith(".xml"):
                for a, b in swap:
                    data = data.replace(a, b)
                if info.filename in cells:
                    data = _redraw(data, cells[info.filename], rng)
            z.writestr(info, data)
    os.utime(path, (mtime + later, mtime + later))
    return path, mtime


def _junk(folder: Path, forms: list[Path], jobs: list, n: int, rng: random.Random) -> dict[str, int]:
    counts = {}
    def how_many(kind):
        return max(1, round(n * SHARES[kind]))
    picks = rng.sample(range(len(forms)), k=min(len(forms), how_many("duplicate") + how_many("resent")
                                                  + how_many("corrupt") + how_many("lock")))
    at = 0
    for k in range(how_many("duplicate")):          # the same file saved twice ("(1)", "Copy of")
        src = forms[picks[at]]; at += 1
        dst = folder / (f"{src.stem} (1){src.suffix}" if k % 2 else f"Copy of {src.name}")
        shutil.copy2(src, dst)
    counts["duplicate"] = how_many("duplicate")
    resent = []
    for _ in range(how_many("resent")):             # sent again a few days later, other figures
        j = jobs[picks[at]]; at += 1
        path = folder / f"{Path(j[3]).stem}_gui_lai{Path(j[3]).suffix}"
        resent.append((j[0], j[1], j[2], str(path), j[4] + 7_919, 3 * 86_400))
    for job in resent:
        _write_copy(job)
    counts["resent"] = len(resent)
    for _ in range(how_many("corrupt")):            # cut off in an e-mail attachment
        src = forms[picks[at]]; at += 1
        (folder / f"{src.stem}_hong{src.suffix}").write_bytes(src.read_bytes()[: src.stat().st_size // 2])
    counts["corrupt"] = how_many("corrupt")
    for k in range(how_many("lock")):               # Excel's owner file of an open workbook
        src = forms[picks[at]]; at += 1
        (folder / f"~${src.name[2:]}").write_bytes(b"\x0bNguyen Van A" + b"\x20" * 40 + b"\x00" * 112)
    counts["lock"] = how_many("lock")
    foreign = _foreign_files()
    for k in range(how_many("foreign")):
        name, data = foreign[k % len(foreign)]
        stem, dot, ext = name.rpartition(".")
        (folder / f"{stem}_{k}.{ext}").write_bytes(data)
    counts["foreign"] = how_many("foreign")
    return counts


def _foreign_files() -> list[tuple[str, bytes]]:
    """What else lands in a reports folder: a scanned letter, a Word letter, a list kept in Excel,
    a phone photo."""
    import io
    from openpyxl import Workbook
    wb = Workbook()
    ws = wb.active
    ws.append(["STT", "Họ và tên", "Khoa/phòng", "Ghi chú"])
    for i in range(60):
        ws.append([i + 1, f"Nguyễn Văn {chr(65 + i % 26)}", "Khoa Nội", ""])
    xlsx = io.BytesIO()
    wb.save(xlsx)
    docx = io.BytesIO()
    with zipfile.ZipFile(docx, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/content-types"/>')
        z.writestr("word/document.xml", "<w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/"
                   "2006/main\"><w:body><w:p><w:r><w:t>Công văn số 12/CĐN</w:t></w:r></w:p></w:body></w:document>")
    rnd = random.Random(7)
    pdf = b"%PDF-1.4\n" + bytes(rnd.getrandbits(8) for _ in range(60_000)) + b"\n%%EOF\n"
    jpg = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(rnd.getrandbits(8) for _ in range(150_000)) + b"\xff\xd9"
    return [("cong_van_bao_cao.pdf", pdf), ("danh_sach_doan_vien.xlsx", xlsx.getvalue()),
            ("cong_van.docx", docx.getvalue()), ("anh_hoi_nghi.jpg", jpg)]


def make_inputs(out: Path, n: int) -> tuple[Path, Path, dict]:
    """(plan path, folder, counts by kind), reused when already made for this N by this version."""
    from thidua.demo.fill import fill_form
    from thidua.forms.write import form_filename, write_form
    from thidua.plan.read import read_plan

    folder, plan_path, stamp = out / f"inputs_{n}", out / f"plan_{n}.xlsx", out / f"inputs_{n}.json"
    if stamp.exists() and plan_path.exists() and folder.is_dir():
        saved = json.loads(stamp.read_text(encoding="utf-8"))
        if saved.get("stamp") == _stamp():
            return plan_path, folder, saved["counts"]
    for old in (folder, out / f"templates_{n}"):
        if old.exists():
            shutil.rmtree(old)
    out.mkdir(parents=True, exist_ok=True)
    big = read_plan(synthetic_plan_workbook(plan_path, n))
    n_base = len({(u.name, u.cluster) for u in big.units})
    period = big.period(PERIOD)
    rng = random.Random(1)
    _TEMPLATES.clear()
    for i in range(min(n_base, n)):
        unit = big.unit(f"B{i:05d}")
        issued = write_form(big, unit, period, out / f"templates_{n}" / "issued" / form_filename(unit, period))
        filled = fill_form(issued, out / f"templates_{n}" / issued.name, big, unit, period, rng,
                           late=rng.random() < 0.06, mistakes=1 if rng.random() < 0.15 else 0)
        with zipfile.ZipFile(filled.path) as z:
            members = [(info, z.read(info.filename)) for info in z.infolist()]
        _TEMPLATES.append((unit.code, _digests(big, unit.code), members, filled.path.stat().st_mtime,
                           _entry_cells(dict((i.filename, d) for i, d in members))))
    folder.mkdir(parents=True)
    missing = set(rng.sample(range(n), k=round(n * SHARES["missing"]))) if n >= 50 else set()
    jobs = []
    for i in range(n):
        if i in missing:
            continue
        code = f"B{i:05d}"
        jobs.append((i, code, _digests(big, code), str(folder / form_filename(big.unit(code), period)), i, 0))
    import multiprocessing
    with multiprocessing.get_context("fork").Pool(2) as pool:
        forms = [Path(p) for p, _ in pool.map(_write_copy, jobs, chunksize=32)]
    counts = {"forms": len(forms), "missing": len(missing), **_junk(folder, forms, jobs, n, rng)}
    stamp.write_text(json.dumps({"stamp": _stamp(), "counts": counts}), encoding="utf-8")
    return plan_path, folder, counts


# --- measuring whole processes --------------------------------------------------------------------
def _tree(pid: int) -> list[int]:
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        try:
            with open(f"/proc/{p}/task/{p}/children") as fh:
                todo.extend(int(c) for c in fh.read().split())
        except OSError:
            pass
    return out


def _proc_kb(pid: int, part: str, key: str) -> int:
    """A figure in kB from /proc/<pid>/<part> ("VmHWM:" of status, "Pss:" of smaps_rollup); 0 when gone."""
    try:
        with open(f"/proc/{pid}/{part}") as fh:
            for line in fh:
                if line.startswith(key):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _proc_cpu(pid: int) -> float | None:
    """User + system CPU seconds of one process so far, from /proc/<pid>/stat; None when gone."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _role(pid: int, root: int) -> str:
    """What a process of the tree is: the one started, a reader forked from it, a rendering helper
    (spawned), or another (multiprocessing's resource tracker)."""
    if pid == root:
        return "main"
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            line = fh.read()
        with open(f"/proc/{root}/cmdline", "rb") as fh:
            started = fh.read()
    except OSError:
        return "other"
    if line == started:
        return "readers"
    return "helpers" if b"spawn_main" in line else "other"


def run_process(cmd: list[str], sample: bool = False, by_process: bool = False) -> dict:
    """Wall seconds of one whole process; with `sample`, the memory of its process tree: each
    process's own peak (VmHWM) summed — an upper bound, since forked workers count the pages they
    share with the main process in full — and the peak of the tree's summed proportional set size
    (PSS: shared pages split between the processes sharing them). Polled every 20 ms. With
    `by_process`, the CPU time of each process by its role (main, readers, helpers, other), as
    /proc last showed it (polled every 10 ms: a process that ends loses at most its last 10 ms)."""
    import resource
    env = {**os.environ, "PYTHONPATH": str(ROOT / "python"), "PYTHONHASHSEED": "0"}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=ROOT)
    peaks: dict[int, int] = {}
    pss = [0]
    cpu_of: dict[int, tuple[str, float]] = {}          # pid -> (role, CPU seconds at its last sample)
    done = threading.Event()

    def poll():
        while not done.is_set():
            now = 0
            for p in _tree(proc.pid):
                kb = _proc_kb(p, "status", "VmHWM:") if sample else 0
                if kb:
                    peaks[p] = max(peaks.get(p, 0), kb)
                    now += _proc_kb(p, "smaps_rollup", "Pss:")
                seconds = _proc_cpu(p) if by_process else None
                if seconds is not None:
                    cpu_of[p] = (cpu_of[p][0] if p in cpu_of else _role(p, proc.pid), seconds)
            pss[0] = max(pss[0], now)
            time.sleep(0.01 if by_process else 0.02)
    sampler = threading.Thread(target=poll, daemon=True) if sample or by_process else None
    if sampler:
        sampler.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - t0
    done.set()
    if sampler:
        sampler.join()
    if proc.returncode not in (0, 1):                   # 1: some files were refused (the junk)
        raise SystemExit(f"{' '.join(cmd)} failed ({proc.returncode}):\n{stderr.decode()[-3000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)     # the process and every worker it waited for
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return {"seconds": seconds, "cpu": cpu, "memory_mb": sum(peaks.values()) / 1024, "pss_mb": pss[0] / 1024,
            "processes": len(peaks),
            "largest_mb": max(peaks.values(), default=0) / 1024, "stdout": stdout.decode(),
            "by_role": _by_role(cpu_of.values())}


def _by_role(seen) -> dict[str, float]:
    out: dict[str, float] = {}
    for role, seconds in seen:
        out[role] = out.get(role, 0.0) + seconds
    return out


def consolidation_cmd(plan: Path, folder: Path, out_file: Path, workers: int | None, json_out: bool = False,
                      inspection: bool = True):
    args = ["consolidate", str(folder), "--plan", str(plan), "--period", PERIOD, "-o", str(out_file)]
    if workers:
        args += ["--workers", str(workers)]
    args += ["--json"] if json_out else []
    if inspection:
        return [sys.executable, "-m", "thidua", *args]
    # the reader before issue 11: files handed to the parser as they came (read.preflight skipped)
    code = ("import thidua.read.workbook as W; from thidua.read.preflight import Package; "
            "W.preflight = lambda data, name, path, only=None: Package(data); from thidua.cli import main; "
            f"raise SystemExit(main({args!r}))")
    return [sys.executable, "-c", code]


def inspection_share(plan: Path, folder: Path, out_file: Path, workers: int, pairs: int) -> None:
    """What inspecting files before parsing costs: consolidations with and without it, interleaved."""
    shares, cpu_shares = [], []
    for i in range(pairs):
        pair = {}
        for with_it in ((True, False) if i % 2 == 0 else (False, True)):
            out_file.unlink(missing_ok=True)
            pair[with_it] = run_process(consolidation_cmd(plan, folder, out_file, workers, inspection=with_it))
        wall = {k: v["seconds"] for k, v in pair.items()}
        cpu = {k: v["cpu"] for k, v in pair.items()}
        shares.append((wall[True] - wall[False]) / wall[True])
        cpu_shares.append((cpu[True] - cpu[False]) / cpu[True])
        print(f"  pair {i + 1}: with inspection {wall[True]:.2f} s ({cpu[True]:.2f} s CPU), without "
              f"{wall[False]:.2f} s ({cpu[False]:.2f} s CPU); share {shares[-1]:+.1%} of wall time, "
              f"{cpu_shares[-1]:+.1%} of CPU time")
    print(f"inspection before parsing: median share of consolidation time {statistics.median(shares):+.1%} "
          f"(min {min(shares):+.1%}, max {max(shares):+.1%}); of CPU time {statistics.median(cpu_shares):+.1%} "
          f"(min {min(cpu_shares):+.1%}, max {max(cpu_shares):+.1%}); goal ≤ 10%")


def bare_cmd(folder: Path, workers: int):
    from thidua.consolidate.collect import CORE_TABLES
    return [sys.executable, str(HERE / "bare_read.py"), str(folder), "--tables", ",".join(CORE_TABLES),
            "--workers", str(workers)]


def spread(values: list[float], fmt: str = "{:.2f}") -> str:
    return (f"median {fmt.format(statistics.median(values))} (min {fmt.format(min(values))}, "
            f"max {fmt.format(max(values))}, {len(values)} pairs)")


def breakdown(plan: Path, folder: Path, out_file: Path, workers: int | None) -> dict:
    """In-process seconds of the consolidation's own stages (read, compute, write)."""
    code = ("import json,sys,time; from thidua.plan.read import read_plan; from thidua.consolidate.core import run;"
            f"t=time.perf_counter(); p=read_plan({str(plan)!r}); t1=time.perf_counter();"
            f"r=run([{str(folder)!r}], p, {PERIOD!r}, {str(out_file)!r}, workers={workers!r});"
            "print(json.dumps({'plan': t1-t, **r.seconds}))")
    return json.loads(run_process([sys.executable, "-c", code])["stdout"].strip().splitlines()[-1])


def cpu_budget(bare_walls: list[float]) -> tuple[int, float]:
    """(cores, CPU seconds) a ratio of 2.0 leaves the consolidation even if all its work overlapped
    perfectly: 2 × cores × the bare read's median wall time."""
    cores = os.cpu_count() or 1
    return cores, 2 * cores * statistics.median(bare_walls)


def cpu_by_process(plan: Path, folder: Path, out_file: Path, workers: int, runs: int, files: int) -> None:
    """CPU time by process role, consolidation and bare read alternating, medians over `runs`; and
    the budget a ratio of 2.0 leaves: even with every process's work overlapped perfectly, the
    consolidation's CPU time may not exceed 2 × cores × the bare read's wall time."""
    a_runs, b_runs = [], []
    for _ in range(runs):
        out_file.unlink(missing_ok=True)
        a_runs.append(run_process(consolidation_cmd(plan, folder, out_file, workers), by_process=True))
        b_runs.append(run_process(bare_cmd(folder, workers), by_process=True))

    def line(runs_: list[dict], roles: tuple[str, ...]) -> str:
        parts = []
        for role in roles:
            values = [r["by_role"].get(role, 0.0) for r in runs_]
            seconds = statistics.median(values)
            parts.append(f"{role} {seconds:.2f} s ({seconds / files * 1000:.2f} ms a file)")
        total = statistics.median([r["cpu"] for r in runs_])
        return f"{', '.join(parts)}; all {total:.2f} s ({total / files * 1000:.2f} ms a file)"
    print(f"CPU time by process, median of {runs} runs each ({files} files):")
    print(f"  consolidation: {line(a_runs, ('main', 'readers', 'helpers', 'other'))}")
    print(f"  bare read:     {line(b_runs, ('main', 'readers'))}")
    cores, budget = cpu_budget([b["seconds"] for b in b_runs])
    print(f"  a ratio of 2.0 leaves, even overlapped perfectly on {cores} cores, {budget:.2f} s of CPU "
          f"({budget / files * 1000:.2f} ms a file) for everything the consolidation does")


def ties(stdout: str) -> tuple[int, int, int]:
    """(units, distinct totals, largest group of equal totals) from `consolidate --json`."""
    from collections import Counter
    units = json.loads(stdout)["units"]
    totals = Counter(round(v[0], 6) for v in units.values() if v[0] is not None)
    return len(units), len(totals), max(totals.values(), default=0)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=2000)
    ap.add_argument("--out", default="bench/out/consolidate")
    ap.add_argument("--pairs", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2, help="worker processes of both (default 2, as the CLI)")
    ap.add_argument("--memory", default="", help="N values for the memory runs, e.g. 500,2000,8000")
    ap.add_argument("--breakdown", action="store_true", help="also print the consolidation's stages (in-process)")
    ap.add_argument("--inspection", type=int, default=0, metavar="PAIRS",
                    help="also measure what inspecting files before parsing costs (read.preflight): PAIRS "
                         "interleaved consolidations with and without it, median and spread of the share")
    ap.add_argument("--by-process", type=int, default=0, metavar="RUNS",
                    help="also print where the CPU time goes, process by process (main, readers, helpers), "
                         "over RUNS sampled runs of each, and what a ratio of 2.0 leaves per file")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT / "python"))
    out = Path(args.out)
    print(f"python {sys.version.split()[0]}; {os.cpu_count()} cores; N = {args.n}")
    t0 = time.perf_counter()
    plan, folder, counts = make_inputs(out, args.n)
    files = sorted(folder.iterdir())
    size = sum(p.stat().st_size for p in files if p.suffix == ".xlsm") / max(1, counts["forms"] + counts["duplicate"]
                                                                             + counts["resent"]) / 1024
    print(f"inputs: {len(files)} files — {counts['forms']} forms (~{size:.0f} KiB), {counts['duplicate']} duplicates, "
          f"{counts['resent']} sent twice, {counts['corrupt']} corrupt, {counts['foreign']} foreign, {counts['lock']} "
          f"lock files; {counts['missing']} units did not report (ready in {time.perf_counter() - t0:.0f} s)")
    result = out / f"tong_hop_{args.n}.xlsx"
    cons, bare, ratios, cpu = [], [], [], []
    for i in range(args.pairs):
        order = ("A", "B") if i % 2 == 0 else ("B", "A")
        pair = {}
        for which in order:
            if which == "A":
                result.unlink(missing_ok=True)          # each run starts without an earlier record
                pair[which] = run_process(consolidation_cmd(plan, folder, result, args.workers))
            else:
                pair[which] = run_process(bare_cmd(folder, args.workers))
        cpu.append((pair["A"]["cpu"], pair["B"]["cpu"]))
        pair = {k: v["seconds"] for k, v in pair.items()}
        cons.append(pair["A"])
        bare.append(pair["B"])
        ratios.append(pair["A"] / pair["B"])
        print(f"  pair {i + 1} ({' '.join(order)}): consolidation {pair['A']:.2f} s, bare read {pair['B']:.2f} s, "
              f"ratio {ratios[-1]:.2f}")
    n = counts["forms"]
    print(f"thidua consolidate (whole process, {args.workers} workers): {spread(cons)} s; "
          f"{n / statistics.median(cons):.0f} forms/s")
    print(f"bare python-calamine read (whole process, {args.workers} processes): {spread(bare)} s; "
          f"{n / statistics.median(bare):.0f} forms/s")
    print(f"ratio consolidation ÷ bare read, N={args.n}: {spread(ratios)} — goal ≤ 2.0")
    print(f"CPU time (all processes): consolidation {spread([a for a, _ in cpu])} s, bare read "
          f"{spread([b for _, b in cpu])} s")
    # What no amount of overlapping can beat: the consolidation's CPU time spread over every core.
    cores, budget = cpu_budget(bare)
    bounds = [a / cores / b for (a, _), b in zip(cpu, bare)]
    print(f"ratio if all of the consolidation's work overlapped perfectly on {cores} cores (CPU ÷ {cores}, ÷ bare "
          f"read): {spread(bounds)}; 2.0 would need its CPU time ≤ {budget:.2f} s")
    result.unlink(missing_ok=True)
    units, distinct, largest = ties(run_process(consolidation_cmd(plan, folder, result, args.workers, True))["stdout"])
    print(f"units consolidated: {units}; distinct totals {distinct}, largest tie {largest}; output "
          f"{result.stat().st_size / 1e6:.1f} MB")
    if args.breakdown:
        result.unlink(missing_ok=True)
        b = breakdown(plan, folder, result, args.workers)
        print("stages (in-process): " + ", ".join(f"{k} {v:.2f} s" for k, v in b.items()))
    if args.inspection:
        inspection_share(plan, folder, result, args.workers, args.inspection)
    if args.by_process:
        cpu_by_process(plan, folder, result, args.workers, args.by_process, len(files))
    rows = []
    for m in [int(x) for x in args.memory.split(",") if x.strip()]:
        p, f, c = make_inputs(out, m)
        target = out / f"tong_hop_{m}.xlsx"
        target.unlink(missing_ok=True)
        a = run_process(consolidation_cmd(p, f, target, args.workers), sample=True)
        b = run_process(bare_cmd(f, args.workers), sample=True)
        rows.append((c["forms"], a["memory_mb"], a["pss_mb"], a["largest_mb"]))
        print(f"memory N={m:>6}: consolidation {a['memory_mb']:6.0f} MB, peaks summed over {a['processes']} "
              f"processes (largest {a['largest_mb']:.0f} MB); peak of the summed PSS {a['pss_mb']:.0f} MB "
              f"({a['seconds']:.1f} s); bare read {b['memory_mb']:5.0f} MB, PSS {b['pss_mb']:.0f} MB")
    for (n1, m1, p1, l1), (n2, m2, p2, l2) in zip(rows, rows[1:]):
        print(f"memory growth {n1}→{n2} forms, KB per form: peaks summed {(m2 - m1) * 1024 / (n2 - n1):.1f}, "
              f"summed PSS {(p2 - p1) * 1024 / (n2 - n1):.1f}, of which the consolidating process "
              f"{(l2 - l1) * 1024 / (n2 - n1):.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
