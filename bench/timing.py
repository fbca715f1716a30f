"""The benchmarks' one timing helper: median of `repeat` runs, printed as seconds and forms/s."""
from __future__ import annotations

import statistics
import time


def timed(label: str, n: int, fn, repeat: int = 1, width: int = 52) -> float:
    runs = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - t0)
    best = statistics.median(runs)
    print(f"{label:<{width}} {n:>7} forms {best:8.2f} s {n / best:9.0f} forms/s")
    return best
