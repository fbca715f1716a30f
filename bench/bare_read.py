"""The floor a consolidation is measured against: python-calamine reading the named Excel Tables
of every file in a folder, in worker processes, and doing nothing else.

    python bench/bare_read.py FOLDER --tables tblMeta,tblUnitInfo,... [--workers 2]

A whole process (start-up and imports included), given the same cores as the consolidation;
a file calamine cannot read is counted and skipped, as any reader must. Prints one JSON line.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

WANTED: frozenset = frozenset()


def read_one(path: str) -> int:
    import python_calamine as pc
    try:
        wb = pc.CalamineWorkbook.from_path(path, load_tables=True)
        n = 0
        for name in wb.table_names:
            if name in WANTED:
                n += len(wb.get_table_by_name(name).to_python())
        return n
    except BaseException:  # noqa: BLE001 - corrupt, foreign and lock files (calamine panics too)
        return -1


def main(argv=None) -> int:
    global WANTED
    ap = argparse.ArgumentParser()
    ap.add_argument("folder")
    ap.add_argument("--tables", required=True)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args(argv)
    WANTED = frozenset(args.tables.split(","))
    paths = sorted(os.path.join(root, f) for root, _, files in os.walk(args.folder) for f in files)
    if args.workers > 1:
        import multiprocessing
        with multiprocessing.get_context("fork").Pool(args.workers) as pool:
            rows = pool.map(read_one, paths, chunksize=16)
    else:
        rows = [read_one(p) for p in paths]
    print(json.dumps({"files": len(paths), "unreadable": sum(r < 0 for r in rows),
                      "rows": sum(r for r in rows if r > 0)}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
