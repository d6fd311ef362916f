"""The one style of every figure: sizes and resolution, the series styles, captions, actor names, saving.

Figures are built on bare :class:`matplotlib.figure.Figure` objects (no ``pyplot``), so that making one
never selects or changes a matplotlib backend and works headless. Series differ by line style and marker,
not only by colour, so every figure reads in greyscale; every figure has a title, labelled axes with units
and a caption of one or two lines at the bottom.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from matplotlib.figure import Figure

from sim.atomic import write_atomic

DPI = 150
"""Resolution of saved figures (run directories, notebooks)."""
SWEEP_DPI = 120
"""Resolution of a sweep's heat maps and Sobol bars (many of them, smaller files)."""

STYLES: tuple[tuple[Any, str, str], ...] = (
    ("-", "o", "black"),
    ("--", "s", "0.45"),
    (":", "^", "tab:blue"),
    ("-.", "D", "tab:red"),
    ((0, (5, 1, 1, 1)), "v", "tab:green"),
)
"""Line style, marker and colour per series of a figure with a handful of series (notebooks)."""
LINE_STYLES = ("-", "--", "-.", ":")
"""Line styles of compared scenarios, in turn."""
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
"""Markers of compared scenarios, in turn."""
COLOURS = tuple(f"C{k}" for k in range(10))
"""Colours of compared scenarios, in turn (matplotlib's cycle)."""
CAPTION_COLOUR = "0.25"

ACTOR_LABELS: Mapping[str, str] = {
    "ukraine": "Ukraine",
    "russia": "Russia",
    "united_states": "United States",
    "coalition": "Coalition",
}
"""The default scenario's actors' names (a scenario's own labels take precedence)."""


def series_style(k: int) -> tuple[Any, str, str]:
    """Line style, marker and colour of the ``k``-th compared series."""
    return LINE_STYLES[k % len(LINE_STYLES)], MARKERS[k % len(MARKERS)], COLOURS[k % len(COLOURS)]


def actor_label(key: str, labels: Mapping[str, str] | None = None) -> str:
    """An actor's display name: from ``labels`` (the scenario's ``actors.<key>.label``), else the defaults'
    name, else the key in words."""
    if labels and key in labels:
        return labels[key]
    return ACTOR_LABELS.get(key, key.replace("_", " ").capitalize())


def new_figure(width: float, height: float, caption_lines: int = 1) -> Figure:
    """A figure with constrained layout that keeps a strip at the bottom free for a caption of that many lines."""
    fig = Figure(figsize=(width, height), layout="constrained")
    strip = (0.22 * caption_lines + 0.08) / height
    fig.get_layout_engine().set(rect=(0, strip, 1, 1 - strip))
    return fig


def caption(fig: Figure, text: str) -> None:
    """Write the figure's caption in its bottom strip."""
    fig.text(0.01, 0.01, text, fontsize=8, color=CAPTION_COLOUR, ha="left", va="bottom", wrap=True)


def empty_panel(ax: Any, message: str) -> None:
    """Say in a panel why it has nothing to show."""
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, fontsize=11, color="0.3")
    ax.set_xticks([])
    ax.set_yticks([])


def save(fig: Figure, path: str | Path, dpi: int = DPI) -> Path:
    """Write a figure as a PNG, atomically (a reader never sees half a file); return the path."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return write_atomic(path, buf.getvalue())
