"""The report's chart: the ratings by cluster, from the consolidation's own distribution."""
from __future__ import annotations

from pathlib import Path


def ratings_chart(c, path: Path) -> Path:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib import font_manager
    have = {f.name for f in font_manager.fontManager.ttflist}
    plt.rcParams["font.family"] = next((f for f in ("Times New Roman", "Liberation Serif", "DejaVu Serif") if f in have),
                                       "serif")
    codes = [r.code for r in c.plan.ratings_best_first()]
    names = {r.code: r.name for r in c.plan.ratings}
    labels = [d.label for d in c.by_cluster]
    fig, ax = plt.subplots(figsize=(7.5, 3.6), dpi=150)
    bottom = [0] * len(labels)
    greys = ["#1f1f1f", "#555555", "#8c8c8c", "#bdbdbd", "#e0e0e0", "#f2f2f2"]
    for i, code in enumerate(codes):
        vals = [d.counts.get(code, 0) for d in c.by_cluster]
        ax.bar(labels, vals, bottom=bottom, label=names[code], color=greys[i % len(greys)], edgecolor="black",
               linewidth=0.5)
        bottom = [b + v for b, v in zip(bottom, vals)]
    ax.set_ylabel("Số CĐCS")
    ax.set_xlabel("Cụm thi đua")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path)
    plt.close(fig)
    return path
