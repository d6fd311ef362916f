"""Heat maps of a sweep's headline figures over its first two factors, and bar charts of its Sobol indices.

Which figures, and their titles, come from :data:`sim.outcomes.MEASURES` (:func:`sim.outcomes.measures_for`).
"""

from __future__ import annotations

import contextlib
import io
import threading
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pyarrow as pa

from sim.atomic import write_atomic
from sim.figures.style import SWEEP_DPI
from sim.outcomes import Measure, measures_for


def _axis(values: list, bins: int = 6) -> tuple[np.ndarray, list[str]]:
    """Category index per point and the tick labels: listed values as they are, continuous ones in bins."""
    distinct = list(dict.fromkeys(values))
    numeric = all(isinstance(v, int | float) for v in distinct)
    if len(distinct) <= 12:
        order = sorted(distinct) if numeric else distinct
        return np.array([order.index(v) for v in values]), [f"{v:g}" if numeric else str(v) for v in order]
    x = np.asarray(values, dtype=float)
    edges = np.unique(np.quantile(x, np.linspace(0, 1, bins + 1)))
    idx = np.clip(np.searchsorted(edges, x, side="right") - 1, 0, len(edges) - 2)
    return idx, [f"{edges[i]:.3g}-{edges[i + 1]:.3g}" for i in range(len(edges) - 1)]


def heatmap_grid(
    design: pa.Table, aggregate: pa.Table, column: str
) -> tuple[np.ndarray, list[str], list[str], list[str]]:
    """Mean of ``column`` per cell of the first two factors (averaged over any other factors).

    Returns:
        The matrix (rows: second factor, columns: first factor), the column labels, the row labels, and
        the two factor names.
    """
    names = [n for n in design.column_names if n != "point"]
    xs, xlabels = _axis(design.column(names[0]).to_pylist())
    if len(names) > 1:
        ys, ylabels = _axis(design.column(names[1]).to_pylist())
    else:
        ys, ylabels = np.zeros(len(xs), dtype=int), [""]
    values = aggregate.column(column).to_numpy(zero_copy_only=False).astype(float)
    total = np.zeros((len(ylabels), len(xlabels)))
    count = np.zeros_like(total)
    ok = ~np.isnan(values)
    np.add.at(total, (ys[ok], xs[ok]), values[ok])
    np.add.at(count, (ys[ok], xs[ok]), 1)
    with np.errstate(invalid="ignore"):
        grid = total / count
    return grid, xlabels, ylabels, names[:2] if len(names) > 1 else [names[0], ""]


def warm_up() -> threading.Thread:
    """Load and exercise matplotlib in a background thread; return the thread.

    Importing matplotlib and drawing a first figure (fonts, the Agg renderer) takes about 0.8 s. A
    sweep starts this while its workers run, so that the heat maps follow the last run sooner. Start it
    only after a process pool has forked its workers, and join it before drawing.
    """

    def load() -> None:
        with contextlib.suppress(ImportError):
            from matplotlib.figure import Figure

            fig = Figure(figsize=(2, 1))
            fig.add_subplot().set_title("0.5")
            fig.savefig(io.BytesIO(), format="png")

    thread = threading.Thread(target=load, name="sim-warm-up-matplotlib", daemon=True)
    thread.start()
    return thread


def draw_heatmaps(
    design: pa.Table, aggregate: pa.Table, folder: Path, title: str, measures: Sequence[Measure] | None = None
) -> list[Path]:
    """Write one PNG heat map per heat-map measure (``heatmap_<name>.png``); return their paths.

    Drawn on bare :class:`matplotlib.figure.Figure` objects: no ``pyplot``, so no global state and no
    backend to switch in the caller's session (and about 0.3 s less to import).

    Args:
        design: The design table.
        aggregate: The aggregate per design point (:func:`sim.analysis.aggregate.aggregate`).
        folder: Where to write.
        title: The sweep's name, shown in the titles.
        measures: The list to take the heat-map measures from (default: :data:`sim.outcomes.MEASURES`).
    """
    from matplotlib.figure import Figure

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for m in measures_for("heatmap", measures):
        column, label = m.name, m.label
        grid, xl, yl, (xname, yname) = heatmap_grid(design, aggregate, column)
        fig = Figure(figsize=(1.2 * len(xl) + 3, 0.7 * len(yl) + 2.2))
        ax = fig.add_subplot()
        im = ax.imshow(grid, origin="lower", cmap="Greys", vmin=0.0, vmax=1.0, aspect="auto")
        for (r, c), v in np.ndenumerate(grid):
            if not np.isnan(v):
                ax.text(c, r, f"{v:.2f}", ha="center", va="center", color="white" if v > 0.55 else "black", fontsize=9)
        ax.set_xticks(range(len(xl)), xl, rotation=30, ha="right")
        ax.set_yticks(range(len(yl)), yl)
        ax.set_xlabel(xname)
        ax.set_ylabel(yname)
        ax.set_title(f"{title}\n{label}", fontsize=10)
        fig.colorbar(im, ax=ax, label="probability")
        fig.tight_layout()
        path = folder / f"heatmap_{column}.png"
        write_atomic(path, lambda p, fig=fig: fig.savefig(p, dpi=SWEEP_DPI, format="png"))
        paths.append(path)
    return paths


def sobol_bars(ax, sub, pos: np.ndarray) -> None:  # noqa: ANN001 - matplotlib Axes, pandas frame
    """Draw total (dark) and first-order (hatched) Sobol indices with their 95 % intervals as horizontal bars.

    Args:
        ax: The axes.
        sub: Rows with ``ST``, ``ST_conf``, ``S1``, ``S1_conf``, one per factor, in the order of ``pos``.
        pos: The bars' vertical positions.
    """
    ax.barh(
        pos + 0.2, sub["ST"], 0.4, xerr=sub["ST_conf"], color="0.3", ecolor="black", capsize=2, label="total index ST"
    )
    ax.barh(
        pos - 0.2,
        sub["S1"],
        0.4,
        xerr=sub["S1_conf"],
        color="white",
        edgecolor="black",
        hatch="//",
        ecolor="0.4",
        capsize=2,
        label="first-order index S1",
    )
    ax.axvline(0, color="black", lw=0.6)


def draw_indices(table: pa.Table, folder: Path, measures: Sequence[Measure] | None = None) -> list[Path]:
    """One bar chart per outcome: S1 and ST per factor with confidence intervals (greyscale-safe hatching).

    Args:
        table: The Sobol indices (:func:`sim.analysis.sensitivity.sobol_indices`).
        folder: Where to write ``sobol_<outcome>.png``.
        measures: The list to take the sensitivity measures from (default: :data:`sim.outcomes.MEASURES`).
    """
    from matplotlib.figure import Figure  # no pyplot: no global state, no backend switched

    df = table.to_pandas()
    paths = []
    for m in measures_for("sensitivity", measures):
        outcome, label = m.name, m.short_label
        sub = df[df["outcome"] == outcome].sort_values("ST", ascending=True)
        if sub.empty:
            continue
        y = np.arange(len(sub))
        fig = Figure(figsize=(7.5, 0.45 * len(sub) + 1.8))
        ax = fig.add_subplot()
        sobol_bars(ax, sub, y)
        ax.set_yticks(y, sub["factor"])
        ax.set_xlabel("Sobol index (share of output variance)")
        ax.set_title(f"What drives {label}?", fontsize=10)
        ax.legend(loc="lower right")
        fig.tight_layout()
        path = folder / f"sobol_{outcome}.png"
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda p, fig=fig: fig.savefig(p, dpi=SWEEP_DPI, format="png"))
        paths.append(path)
    return paths
