"""Figures for notebooks and reports, over the tables of :mod:`sim.analysis.tables`.

Every function returns a :class:`matplotlib.figure.Figure` built without ``pyplot``: nothing is shown,
no backend is selected or changed, and the figures work headless (CI, the Agg backend). In Jupyter a
figure displays as the value of a cell; :func:`save` writes it as a PNG.

Every figure has a title, labelled axes with units, 95 % intervals where the figure is an estimate,
and a one-line caption. All of them read in greyscale: the dilemma maps use a grey scale with the
values printed in the cells, and lines differ by style and marker, not only by colour.

Reuse: the run figures (negotiation trajectories, agreed terms, survival, survival overlays) are
those of :mod:`sim.figures.run`, fed with tables made from outcomes; the maps and the Sobol bars are drawn
here because :func:`sim.figures.sweep.draw_heatmaps` and :func:`sim.figures.sweep.draw_indices`
write PNG files through ``pyplot`` rather than return figures, and the brief's map needs more than
they draw (intervals per cell, the peak, the zone, facets).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from sim.analysis.tables import RunsLike, outcomes_frame
from sim.figures.style import STYLES, caption, empty_panel, new_figure, save
from sim.figures.sweep import sobol_bars
from sim.outcomes import Kind, Measure, RunOutcome, find_measure

__all__ = [
    "LEVEL_LABELS",
    "dilemma_map",
    "dilemma_panels",
    "factor_label",
    "hazard_figure",
    "incentive_figure",
    "level_label",
    "measure_label",
    "negotiation_figure",
    "package_label",
    "ranking_figure",
    "save",
    "sobol_figure",
    "survival_figure",
    "survival_overlay",
    "terms_figure",
]

FACTOR_LABELS: dict[str, str] = {
    "package.guarantee_strength": "guarantee strength",
    "package.foreign_troops": "foreign troops stationed in Ukraine (troops)",
    "package.duration_years": "guarantee duration (years)",
    "package.us_role": "US role",
    "package.ukraine_army": "Ukraine's peacetime army (troops)",
    "package.territory": "territory (Donetsk)",
    "package.neutrality": "neutrality",
    "package.sanctions_relief": "share of sanctions lifted",
}
"""Readable names of the usual sweep factors (others: the key path, shortened)."""

PARAMETER_LABELS: dict[str, str] = {
    # the parties
    "actors.russia.war_cost": "Russia's yearly cost of war",
    "actors.ukraine.war_cost": "Ukraine's yearly cost of war",
    "actors.united_states.war_cost": "the US's yearly cost of war",
    "actors.russia.red_lines.0.penalty": "Russia's penalty on foreign troops",
    # the guarantors
    "actors.coalition.guarantor.force.half_troops": "troops for half military weight",
    "actors.coalition.guarantor.force.weight": "military weight of a full foreign force",
    "actors.coalition.guarantor.expiry_residual": "coalition credibility left after expiry",
    "actors.united_states.guarantor.expiry_residual": "US credibility left after expiry",
    "actors.united_states.guarantor.engagement.disengage_probability": "P(US disengages at an election)",
    "actors.coalition.members.turnover": "P(a coalition member's election changes its government)",
    "actors.coalition.guarantor.engagement.incident_shock": "coalition cohesion lost to a strike at the force",
    # the talks
    "negotiation.max_rounds": "months of talks per session",
    "negotiation.pause_months": "months of war between sessions of talks",
    "negotiation.anticipation": "parties anticipate the peace's breakdown",
    "negotiation.discount": "yearly discount factor of the parties",
    # the war
    "war.volatility": "monthly swings of the front",
    "war.reversion": "battlefield reversion to the stalemate (per month)",
    "war.outcome_steepness": "how decisive the balance is for the war's outcome",
    "war.private_edge_sd": "spread of Russia's private edge",
    "war.private_edge_types": "types of Russia's private edge",
    "war.revelation": "share of Russia's edge the fighting reveals",
    "war.initial_territory": "territory Russia holds when talks open",
    "war.territory_rate": "territory gained per year at a unit balance",
    "war.withdrawal_share": "territory a Donetsk withdrawal hands over",
    # power after a deal
    "power.russia_reconstitution": "Russia's military reconstitution (balance units)",
    "power.russia_reconstitution_years": "years for Russia to reconstitute",
    "power.ukraine_funding": "share of Ukraine's army still funded",
    "power.ukraine_rearmament": "Ukraine's rearmament (share of its army)",
    "power.ukraine_years": "years for Ukraine's funding and rearmament to tell",
    # deterrence
    "deterrence.hazard_threshold": "hazard threshold (net incentive)",
    "deterrence.consolidation": "what breaking a consolidated peace costs Russia",
    "deterrence.consolidation_years": "years for the peace to consolidate",
    "deterrence.foresight": "Russia's foresight (discount of a later attack)",
    "deterrence.hazard_steepness": "steepness of the hazard link",
    "deterrence.hazard_max": "largest yearly hazard",
    "deterrence.accession_years": "year of Ukraine's step into the EU",
    "deterrence.integration": "what EU membership adds to the consolidation",
    "deterrence.westward_setback": "share of the consolidation the step into the EU sets back",
    "deterrence.split_setback": "share of the consolidation a guarantor's lapse sets back",
    "war.drift": "monthly drift of the front",
    "actors.russia.preferences.foreign_troops.salience": "weight Russia gives foreign troops",
}
"""Readable names of the uncertain assumptions a sensitivity sweep varies (others: the key path; a dummy factor,
named ``dummy...``, is shown as applied to nothing)."""


def _parameter_label(factor: str) -> str:
    if factor in PARAMETER_LABELS:
        return PARAMETER_LABELS[factor]
    return "dummy (applied to nothing)" if factor.split(".")[0] == "dummy" else factor


LEVEL_LABELS: dict[str, str] = {
    "none": "none",
    "assurances": "assurances\n(Budapest-style)",
    "bilateral_aid": "bilateral aid",
    "article5_like": "Article-5-like",
    "nato_membership": "NATO membership",
    "intel_logistics": "intelligence & logistics",
    "monitoring_lead": "monitoring lead",
    "air_support": "air support",
    "ground_troops": "ground troops",
    "donetsk_withdrawal": "Donetsk withdrawal",
    "dmz": "demilitarised zone",
    "freeze": "freeze",
    "nato_open": "NATO door open",
    "nato_renounced": "NATO renounced",
    "neutral": "neutral",
}
"""Readable names of the issue levels."""

# ------------------------------------------------------------------------------------ helpers


def factor_label(factor: str) -> str:
    """A readable name for a sweep factor (its key path otherwise, without the section)."""
    return FACTOR_LABELS.get(factor, factor.split(".", 1)[-1].replace("_", " "))


def level_label(value: Any) -> str:
    """A readable tick label: an issue level's name, or a number with thousands separators."""
    if isinstance(value, str):
        return LEVEL_LABELS.get(value, value.replace("_", " "))
    if isinstance(value, int | float | np.integer | np.floating) and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:g}" if isinstance(value, int | float | np.integer | np.floating) else str(value)


def _levels(values: pd.Series) -> list[Any]:
    if isinstance(values.dtype, pd.CategoricalDtype):
        present = set(values.dropna().tolist())
        return [c for c in values.cat.categories if c in present]
    return sorted(values.dropna().unique().tolist())


def _pct(v: float) -> str:
    return "n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.2f}"


# ------------------------------------------------------------------------------------ dilemma maps


def _draw_map(
    ax: Any,
    cells: pd.DataFrame,
    x: str,
    y: str,
    *,
    intervals: bool,
    zone: pd.DataFrame | None,
    xlevels: list[Any],
    ylevels: list[Any],
    fontsize: float = 9,
    counts: bool = False,
    scale: tuple[float, float] = (0.0, 1.0),
) -> Any:
    """One heat map on ``ax`` (rows: ``y`` levels bottom-up, columns: ``x`` levels). Returns the image.

    Each cell prints its value, and below it the 95 % interval (``intervals``) and the number of agreements
    behind a conditional figure (``counts``). The zone's peak gets a black-and-white frame, other zone
    cells a dashed one (both visible on any grey). ``scale``: the values at white and black (0-1 for a
    probability).
    """
    shape = (len(ylevels), len(xlevels))
    grid, low, high = np.full(shape, np.nan), np.full(shape, np.nan), np.full(shape, np.nan)
    n_agree = np.full(shape, -1)
    for _, row in cells.iterrows():
        r, c = ylevels.index(row[y]), xlevels.index(row[x])
        grid[r, c], low[r, c], high[r, c] = row["value"], row["low"], row["high"]
        if "agreements" in row and not pd.isna(row["agreements"]):
            n_agree[r, c] = int(row["agreements"])
    vmin, vmax = scale
    image = ax.imshow(grid, origin="lower", cmap="Greys", vmin=vmin, vmax=vmax, aspect="auto")
    middle = 0.5 * (vmin + vmax)
    for (r, c), v in np.ndenumerate(grid):
        if np.isnan(v):
            ax.add_patch(Rectangle((c - 0.5, r - 0.5), 1, 1, fill=False, hatch="///", edgecolor="0.75", lw=0))
            ax.text(c, r, "no deal", ha="center", va="center", fontsize=fontsize - 1, color="0.3", style="italic")
            continue
        colour = "white" if v > middle else "black"
        extra = []
        if intervals:
            extra.append(f"[{low[r, c]:.2f}, {high[r, c]:.2f}]")
        if counts and n_agree[r, c] >= 0:
            extra.append(f"n = {n_agree[r, c]}")
        lift = 0.12 * len(extra)
        ax.text(c, r + lift, f"{v:.2f}", ha="center", va="center", fontsize=fontsize + 1, color=colour, weight="bold")
        for k, line in enumerate(extra):
            ax.text(c, r + lift - 0.26 * (k + 1), line, ha="center", va="center", fontsize=fontsize - 2, color=colour)
    if zone is not None:
        for _, row in zone.iterrows():
            r, c = ylevels.index(row[y]), xlevels.index(row[x])
            if row.get("is_peak", False):
                ax.add_patch(Rectangle((c - 0.47, r - 0.47), 0.94, 0.94, fill=False, lw=3.2, edgecolor="black"))
                ax.add_patch(Rectangle((c - 0.41, r - 0.41), 0.82, 0.82, fill=False, lw=1.4, edgecolor="white"))
                ax.text(
                    c - 0.38,
                    r + 0.36,
                    "peak",
                    ha="left",
                    va="top",
                    fontsize=fontsize - 2,
                    weight="bold",
                    color="white" if row["value"] > middle else "black",
                )
            elif row.get("in_zone", False):
                ax.add_patch(Rectangle((c - 0.45, r - 0.45), 0.9, 0.9, fill=False, lw=2.4, edgecolor="white"))
                ax.add_patch(Rectangle((c - 0.45, r - 0.45), 0.9, 0.9, fill=False, lw=2.0, ls="--", edgecolor="black"))
    ax.set_xticks(range(len(xlevels)), [level_label(v) for v in xlevels])
    ax.set_yticks(range(len(ylevels)), [level_label(v) for v in ylevels])
    ax.tick_params(length=0)
    return image


def _facet_title(facets: list[str], key: tuple) -> str:
    return ", ".join(
        f"{factor_label(f)}: {level_label(v).replace(chr(10), ' ')}" for f, v in zip(facets, key, strict=True)
    )


def _measure(name: str) -> Measure | None:
    try:
        return find_measure(name)
    except KeyError:
        return None


def measure_label(name: str, short: bool = False) -> str:
    """A measure's label (or short label) from :data:`sim.outcomes.MEASURES`; its name if it is not there."""
    m = _measure(name)
    return name if m is None else m.short_label if short else m.label


def _unit(name: str) -> str:
    """What a measure's values are (``probability``, ``years``, ``utility``, ``share of territory``)."""
    m = _measure(name)
    return "probability" if m is None else m.unit


def _scale(name: str, cells: pd.DataFrame) -> tuple[float, float]:
    """The values at white and black of a measure's map: 0-1 for a probability or a share of territory, else
    the range of its cells (years of peace, welfare)."""
    if _unit(name) in ("probability", "share of territory"):
        return 0.0, 1.0
    values = cells["value"].to_numpy(dtype=float)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return 0.0, 1.0
    lo, hi = float(values.min()), float(values.max())
    return (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)


def _scale_label(name: str) -> str:
    unit = _unit(name)
    return "probability (0-1)" if unit == "probability" else measure_label(name, short=True) + f" ({unit})"


def _interval_kind(name: str) -> str:
    m = _measure(name)
    if m is not None and m.given_agreement:
        return "Greenwood"
    if m is not None and m.kind is Kind.AVERAGE:
        return "normal"
    return "Wilson"


def _conditional(name: str) -> bool:
    """Whether a measure is conditional on agreement: its cells show how many agreements they rest on, and no
    peak is marked on it (a peak resting on one or two agreements would be noise)."""
    m = _measure(name)
    return m is not None and m.given_agreement


def _select(frame: pd.DataFrame, facets: Sequence[str], key: Sequence[Any]) -> pd.DataFrame:
    for f, v in zip(facets, key, strict=True):
        frame = frame[frame[f] == v]
    return frame


def _marks(grid: pd.DataFrame, zone: pd.DataFrame | None, measure: str) -> pd.DataFrame | None:
    """The peak (and zone) frames for one measure: the given zone if it is for this measure, else the peak."""
    from sim.analysis.tables import durable_zone

    if _conditional(measure) and (zone is None or measure not in set(zone["measure"].astype(str))):
        return None
    if zone is not None and measure in set(zone["measure"].astype(str)):
        return zone[zone["measure"] == measure]
    marks = durable_zone(grid, measure=measure, threshold=math.inf)
    return marks[marks["measure"] == measure]


def _per_cell(runs: np.ndarray) -> str:
    return f"{int(runs.min())}" if runs.min() == runs.max() else f"{int(runs.min())}-{int(runs.max())}"


def dilemma_map(
    grid: pd.DataFrame,
    measure: str = "p_durable_15",
    *,
    facet: Mapping[str, Any] | None = None,
    zone: pd.DataFrame | None = None,
    title: str | None = None,
) -> Figure:
    """The dilemma map for a policy brief: one measure over guarantee strength × foreign troops.

    Greyscale cells (darker = more likely) with the value and its 95 % interval printed in each (and the
    number of agreements for P(holds | agreement)); cells without any agreement hatched ("no deal"); the
    peak framed in black and white; the other cells of the durable zone (if ``zone`` is given) framed with
    dashes. The caption gives the runs per cell, the peak with its interval and the zone's rule.

    Args:
        grid: A grid from :func:`sim.analysis.tables.dilemma_grid`.
        measure: Which figure to map (a key of :data:`sim.analysis.tables.MEASURES`; titled by its label).
        facet: The facet to show when the grid has ``by`` factors, e.g. ``{"package.us_role": "air_support"}``.
        zone: Output of :func:`sim.analysis.tables.durable_zone` for the same measure; without it only the peak
            is marked.
        title: Figure title (default: the measure and the facet).
    """
    x, y, facets = grid.attrs["x"], grid.attrs["y"], list(grid.attrs.get("by", []))
    chosen = dict(facet or {})
    missing = [f for f in facets if f not in chosen]
    if missing:
        options = {f: _levels(grid[f]) for f in missing}
        raise ValueError(f"the grid is faceted by {', '.join(missing)}: pass facet={{...}}; values: {options}")
    cells = _select(grid[grid["measure"] == measure], list(chosen), list(chosen.values()))
    if cells.empty:
        raise ValueError(f"no cells for measure {measure!r} and facet {chosen}")
    marks = _marks(grid, zone, measure)
    if marks is not None:
        marks = _select(marks, list(chosen), list(chosen.values()))
    xlevels, ylevels = _levels(grid[x]), _levels(grid[y])
    fig = new_figure(1.3 * len(xlevels) + 3.4, 0.9 * len(ylevels) + 2.2, caption_lines=2)
    ax = fig.subplots()
    image = _draw_map(
        ax,
        cells,
        x,
        y,
        intervals=True,
        zone=marks,
        xlevels=xlevels,
        ylevels=ylevels,
        fontsize=10,
        counts=_conditional(measure),
        scale=_scale(measure, cells),
    )
    ax.set_xlabel(factor_label(x))
    ax.set_ylabel(factor_label(y))
    where = _facet_title(list(chosen), tuple(chosen.values())) if chosen else ""
    ax.set_title(title or measure_label(measure) + (f"\n{where}" if where else ""), fontsize=11)
    fig.colorbar(image, ax=ax, label=_scale_label(measure), shrink=0.9)
    text = (
        f"N = {_per_cell(cells['runs'].to_numpy())} simulated negotiations per cell. Printed: estimate [95 % interval"
    )
    text += f", {_interval_kind(measure)}]" + (" and n = agreements." if _conditional(measure) else ".")
    if marks is not None and marks["is_peak"].any():
        p = marks[marks["is_peak"]].iloc[0]
        text += (
            f" Peak (black frame): {level_label(p[y]).replace(chr(10), ' ')}, {level_label(p[x])} troops: "
            f"{p['value']:.2f} [{p['low']:.2f}, {p['high']:.2f}]."
        )
    if marks is not None and (marks["in_zone"] & ~marks["is_peak"]).any():
        text += f" Dashed frames: the rest of the durable zone ({zone.attrs.get('rule', 'see text')})."
    elif zone is not None and "rule" in zone.attrs:
        text += f" No other cell is in the durable zone ({zone.attrs['rule']})."
    caption(fig, text + " Hatched: no agreement in any run.")
    return fig


def dilemma_panels(
    grid: pd.DataFrame,
    measures: Sequence[str] | None = None,
    *,
    zone: pd.DataFrame | None = None,
    title: str | None = None,
) -> Figure:
    """Small multiples: one map per measure (columns) and per facet of the grid's ``by`` factors (rows).

    Values are printed in the cells (intervals are in the table and in :func:`dilemma_map`; for
    P(holds | agreement), the number of agreements behind each value); the peak of each panel is framed
    (not for P(holds | agreement), where it would rest on a handful of agreements), and the durable zone
    (``zone``, for its measure) dashed.
    """
    x, y, facets = grid.attrs["x"], grid.attrs["y"], list(grid.attrs.get("by", []))
    if not measures:
        present = set(grid["measure"].astype(str))
        categorical = isinstance(grid["measure"].dtype, pd.CategoricalDtype)
        order = grid["measure"].cat.categories if categorical else dict.fromkeys(grid["measure"].astype(str))
        measures = [str(m) for m in order if str(m) in present]
    measures = list(measures)
    keys: list[tuple] = [()]
    if facets:
        keys = list(grid[facets].drop_duplicates().itertuples(index=False, name=None))
        keys.sort(key=lambda k: tuple(_levels(grid[f]).index(v) for f, v in zip(facets, k, strict=True)))
    xlevels, ylevels = _levels(grid[x]), _levels(grid[y])
    w, h = 0.78 * len(xlevels) + 0.5, 0.62 * len(ylevels) + 1.0
    fig = new_figure(w * len(measures) + 2.6, h * len(keys) + 1.2, caption_lines=2)
    axes = np.atleast_2d(fig.subplots(len(keys), len(measures), sharex=True, sharey=True, squeeze=False))
    images: dict[str, Any] = {}
    scales = {m: _scale(m, grid[grid["measure"] == m]) for m in measures}
    for i, key in enumerate(keys):
        for j, m in enumerate(measures):
            ax = axes[i, j]
            cells = _select(grid[grid["measure"] == m], facets, key)
            marks = _marks(grid, zone, m)
            if marks is not None:
                marks = _select(marks, facets, key)
            images[m] = _draw_map(
                ax,
                cells,
                x,
                y,
                intervals=False,
                zone=marks,
                xlevels=xlevels,
                ylevels=ylevels,
                fontsize=8,
                counts=_conditional(m),
                scale=scales[m],
            )
            head = measure_label(m).replace(" = ", "\n= ")
            ax.set_title(head + (f"\n{_facet_title(facets, key)}" if facets else ""), fontsize=9)
            if i == len(keys) - 1:
                ax.set_xlabel(factor_label(x), fontsize=8)
                ax.tick_params(axis="x", labelsize=7, rotation=30)
            if j == 0:
                ax.set_ylabel(factor_label(y), fontsize=8)
                ax.tick_params(axis="y", labelsize=7)
    probabilities = [j for j, m in enumerate(measures) if _unit(m) == "probability"]
    if probabilities:
        fig.colorbar(images[measures[probabilities[0]]], ax=axes, label="probability (0-1)", shrink=0.8)
    for j, m in enumerate(measures):  # a measure in other units (years, welfare) has a scale of its own
        if _unit(m) != "probability" and m in images:
            fig.colorbar(images[m], ax=axes[:, j], label=_scale_label(m), shrink=0.8, location="bottom")
    fig.suptitle(title or "The guarantee dilemma: signed, kept, or both?", fontsize=12)
    rule = f" ({zone.attrs['rule']})" if zone is not None and "rule" in zone.attrs else ""
    caption(
        fig,
        f"N = {_per_cell(grid['runs'].to_numpy())} simulated negotiations per cell; darker = more likely (or more "
        "years, higher welfare: see each scale); "
        "n = agreements behind P(holds | agreement). Black frame: the panel's peak"
        + (f"; dashed: the rest of the durable zone{rule}" if zone is not None else "")
        + ". Hatched: no agreement in any run. 95 % intervals: see the table or the single map.",
    )
    return fig


# ------------------------------------------------------------------------------------ rankings

PACKAGE_FORMATS: dict[str, str] = {
    "package.foreign_troops": "{} troops",
    "package.us_role": "US {}",
    "package.duration_years": "{} years",
    "package.ukraine_army": "army {}",
    "package.sanctions_relief": "{} of sanctions lifted",
}
"""How a factor's value reads in a package's name (``{}``: its level label); others: the level label alone."""

PACKAGE_LEVELS: dict[tuple[str, Any], str] = {("package.us_role", "none"): "no US role"}
"""Names of single factor values in a package's name that read better than their format."""


def package_label(row: Mapping[str, Any], factors: Sequence[str]) -> str:
    """A package's name from its factors' values, e.g. ``Article-5-like · 5,000 troops · US air support``."""
    parts = []
    for f in factors:
        special = PACKAGE_LEVELS.get((f, row[f])) if isinstance(row[f], str) else None
        text = level_label(row[f]).replace("\n", " ")
        parts.append(special or PACKAGE_FORMATS.get(f, "{}").format(text))
    return " · ".join(parts)


def ranking_figure(ranking: pd.DataFrame, *, top: int | None = None, title: str | None = None) -> Figure:
    """How the ranking of packages changes with the metric: one row per package, one column per measure, the
    package's rank printed in each cell (1 = best under that measure; darker = better).

    Rows are in the ranking's order (by its first measure, the reference, within each cell of its ``by``
    factors, which are separated by a rule and ranked on their own). A package that the reference ranks high
    but another measure ranks low shows as a light cell in a dark row.

    Args:
        ranking: Output of :func:`sim.analysis.tables.dilemma_ranking`.
        top: Show only the packages among the ``top`` best under at least one measure.
        title: Figure title.
    """
    from sim.analysis.tables import RANK_PREFIX

    try:
        keys, facets, measures = (list(ranking.attrs[k]) for k in ("factors", "by", "measures"))
    except KeyError:
        raise ValueError("not a ranking: make it with sim.analysis.tables.dilemma_ranking") from None
    lower = set(ranking.attrs.get("lower_is_better", ()))
    ranks = ranking[[f"{RANK_PREFIX}{m}" for m in measures]].astype("float64").to_numpy()
    counts = (
        ranking.groupby(facets, observed=True)[keys[0] if keys else "runs"].transform("size").to_numpy(dtype=float)
        if facets
        else np.full(len(ranking), float(len(ranking)))
    )
    keep = np.ones(len(ranking), dtype=bool)
    if top is not None:
        keep = np.nanmin(np.where(np.isnan(ranks), np.inf, ranks), axis=1) <= top
    shown, ranks, counts = ranking[keep], ranks[keep], counts[keep]
    n = len(shown)
    shade = 1.0 - (ranks - 1.0) / np.maximum(counts[:, None] - 1.0, 1.0)  # 1: the best, 0: the worst
    fig = new_figure(0.95 * len(measures) + 5.2, 0.27 * max(n, 3) + 2.9, caption_lines=2)
    ax = fig.subplots()
    if n == 0:
        empty_panel(ax, "no package to show")
    else:
        ax.imshow(shade, cmap="Greys", vmin=-0.15, vmax=1.0, aspect="auto")
        for (r, c), v in np.ndenumerate(ranks):
            if np.isnan(v):
                ax.text(c, r, "–", ha="center", va="center", fontsize=7, color="0.4")
                continue
            colour = "white" if shade[r, c] > 0.5 else "black"
            weight = "bold" if v == 1 else "normal"
            ax.text(c, r, f"{int(v)}", ha="center", va="center", fontsize=7.5, color=colour, weight=weight)
        heads = [measure_label(m, short=True) + ("\n(lower is better)" if m in lower else "") for m in measures]
        ax.set_xticks(range(len(measures)), heads, rotation=35, ha="left", rotation_mode="anchor", fontsize=8)
        names = [
            (_facet_title(facets, tuple(row[f] for f in facets)) + ": " if facets else "") + package_label(row, keys)
            for _, row in shown.iterrows()
        ]
        ax.set_yticks(range(n), names, fontsize=7.5)
        if facets:
            values = shown[facets].astype(str).agg("|".join, axis=1).to_numpy()
            for r in np.flatnonzero(values[1:] != values[:-1]):
                ax.axhline(r + 0.5, color="black", lw=1.5)
        ax.tick_params(length=0)
        ax.xaxis.tick_top()
        ax.xaxis.set_label_position("top")
    ax.set_xlabel("headline measure (rank 1 = best)")
    ax.set_ylabel("package (" + " · ".join(factor_label(f) for f in keys) + ")", fontsize=8)
    reference = measure_label(measures[0], short=True) if measures else ""
    fig.suptitle(title or "How the ranking of packages depends on the metric", fontsize=11)
    runs = ranking["runs"].to_numpy()
    caption(
        fig,
        f"Rank of each package under each measure (1 = best, darker = better; equal values share a rank; – : "
        f"undefined). Rows sorted by {reference}"
        + (f"; shown: the packages in the top {top} of some measure" if top is not None else "")
        + f". {_per_cell(runs)} runs per package: neighbouring ranks are often within each other's 95 % "
        "intervals. Welfare ranks what is best for that party.",
    )
    return fig


# ------------------------------------------------------------------------------------ hazard and survival


def hazard_figure(
    hazards: Mapping[str, pd.DataFrame],
    *,
    expiries: Mapping[str, float] | None = None,
    title: str | None = None,
) -> Figure:
    """The hazard of breakdown after agreement, per scenario, as steps over years (or periods of years),
    with 95 % bands and a vertical line where each guarantee expires.

    Args:
        hazards: Label → output of :func:`sim.analysis.tables.yearly_hazard` (any period ``width``).
        expiries: Label → the guarantee's duration in years. A guarantee that outlasts the last year
            shown gets no line; its legend entry says so.
        title: Figure title.
    """
    fig = new_figure(11.5, 5.8, caption_lines=2)
    ax = fig.subplots()
    top, end = 0.0, 0.0
    for table in hazards.values():
        end = max(end, float(table["last"].max() if "last" in table else table["year"].max()))
    widths = set()
    for k, (label, table) in enumerate(hazards.items()):
        style, marker, colour = STYLES[k % len(STYLES)]
        t = table[table["at_risk"] > 0]
        if t.empty:
            ax.plot([], [], ls=style, marker=marker, color=colour, label=f"{label}: no agreement")
            continue
        first = t["year"].to_numpy(dtype=float)
        last = t["last"].to_numpy(dtype=float) if "last" in t else first
        widths |= set((last - first + 1).astype(int).tolist())
        edges = np.append(first - 0.5, last[-1] + 0.5)
        values, low, high = (np.append(t[c].to_numpy(dtype=float), t[c].iloc[-1]) for c in ("hazard", "low", "high"))
        ax.fill_between(edges, low, high, step="post", color=colour, alpha=0.14, lw=0)
        expiry = None if not expiries else expiries.get(label)
        note = ""
        if expiry is not None and expiry >= end:
            note = f" (in force through all {end:g} years shown)"
        ax.step(edges, values, where="post", ls=style, color=colour, lw=2, label=f"{label}{note}")
        mids = (first + last) / 2
        every = max(1, len(mids) // 12)
        ax.plot(mids[::every], t["hazard"].to_numpy()[::every], ls="none", marker=marker, color=colour, ms=6)
        top = max(top, float(np.nanmax(t["high"])))
        if expiry is not None and expiry < end:
            ax.axvline(expiry + 0.5, ls=style, color=colour, lw=1.3)
            ax.text(
                expiry + 0.5,
                0.97,
                f" {label}: first term ends ",
                transform=ax.get_xaxis_transform(),
                rotation=90,
                ha="right",
                va="top",
                fontsize=8,
                color=colour,
            )
    ax.set_xlim(0.5, end + 0.5)
    ax.set_ylim(0, max(0.05, top * 1.1))
    ax.set_xlabel("years after the agreement")
    ax.set_ylabel("hazard: P(Russia attacks in a year | peace so far)")
    span = "year by year" if widths <= {1} else f"pooled over {'/'.join(str(w) for w in sorted(widths))}-year periods"
    ax.set_title(title or f"Yearly hazard of a renewed offensive, {span} (life table)", fontsize=11)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, title="guarantee", title_fontsize=8)
    caption(
        fig,
        "Breakdowns per year at risk among the agreements still at peace; shaded: 95 % Wilson intervals. "
        "Vertical lines: the guarantee's first term ends with that year; its guarantors renew it or let it lapse "
        "(its troops leave over the drawdown, the guarantors' credibility falls to a residual).",
    )
    return fig


def _runs_frames(data_by_label: Mapping[str, RunsLike]) -> dict[str, pd.DataFrame]:
    out = {}
    for label, data in data_by_label.items():
        if isinstance(data, pd.DataFrame):
            out[label] = data
        elif hasattr(data, "to_pandas"):
            out[label] = data.to_pandas()  # type: ignore[union-attr]
        else:
            out[label] = outcomes_frame(list(data))  # type: ignore[arg-type]
    return out


def survival_overlay(data_by_label: Mapping[str, RunsLike], title: str = "") -> Figure:
    """Kaplan-Meier survival of peace after agreement, one curve per label, expiries marked
    (:func:`sim.figures.run.compare_survival_figure`)."""
    from sim.figures.run import compare_survival_figure

    return compare_survival_figure(_runs_frames(data_by_label), title)


def survival_figure(outcomes: Sequence[RunOutcome] | pd.DataFrame, title: str = "") -> Figure:
    """Survival of peace after agreement with its 95 % band and the expiry (:func:`sim.figures.run.survival_figure`)."""
    from sim.figures.run import survival_figure as draw

    runs = outcomes if isinstance(outcomes, pd.DataFrame) else outcomes_frame(list(outcomes))
    return draw(runs, title)


def terms_figure(outcomes: Sequence[RunOutcome] | pd.DataFrame, title: str = "") -> Figure:
    """The distribution of agreed terms, one panel per issue (:func:`sim.figures.run.terms_figure`)."""
    from sim.figures.run import terms_figure as draw

    runs = outcomes if isinstance(outcomes, pd.DataFrame) else outcomes_frame(list(outcomes))
    return draw(runs, title)


def negotiation_figure(outcomes: RunOutcome | Sequence[RunOutcome], title: str = "") -> Figure:
    """Talks round by round for traced runs: each party's expected value of the offer against its value of no
    deal (:func:`sim.figures.run.trajectory_figure`). One run shows that run's own lines."""
    from sim.figures.run import trajectory_figure
    from sim.outcomes import trajectories_table

    runs = [outcomes] if isinstance(outcomes, RunOutcome) else list(outcomes)
    if not any(o.rounds_trace for o in runs):
        raise ValueError("no round trace: run with trace=True (and mode negotiate)")
    return trajectory_figure(trajectories_table(runs), title)


def incentive_figure(paths: Mapping[str, pd.DataFrame], title: str | None = None) -> Figure:
    """Russia's yearly calculus after a deal, per deal (e.g. per guarantee duration), from
    :func:`sim.analysis.tables.incentive_path`.

    Left: its net incentive to attack now (solid: the value of a year of war at the balance it would start
    from, minus its value of the deal and what breaking the peace costs it) and its gain from waiting to
    attack later (dashed, open markers); the hazard rises where the incentive less the gain passes the
    threshold (dotted grey). Right: the yearly hazard as in the model, and that of a myopic Russia that
    ignores the option of waiting (dotted; drawn only where it differs, by more than 2 %, somewhere).
    Dash-dotted verticals: the guarantee's first term ends (renewed or lapsing, as the path shows).
    """
    fig = new_figure(13, 5.4, caption_lines=2)
    left, right = fig.subplots(1, 2)
    threshold = None
    for k, (label, path) in enumerate(paths.items()):
        _, marker, colour = STYLES[k % len(STYLES)]
        yr = path["year"].to_numpy()
        every = max(1, len(yr) // 10)
        threshold = path.attrs.get("hazard_threshold", threshold)
        left.plot(
            yr,
            path["incentive"],
            "-",
            marker=marker,
            markevery=every,
            color=colour,
            lw=1.8,
            label=f"{label}: incentive",
        )
        if (path["gain"] > 0).any():
            left.plot(
                yr,
                path["gain"],
                "--",
                marker=marker,
                markevery=every,
                mfc="white",
                color=colour,
                lw=1.4,
                label=f"{label}: gain from waiting",
            )
        right.plot(yr, path["hazard"], "-", marker=marker, markevery=every, color=colour, lw=1.8, label=label)
        hazard, myopic = path["hazard"].to_numpy(dtype=float), path["hazard_myopic"].to_numpy(dtype=float)
        if not np.allclose(myopic, hazard, rtol=0.02, atol=5e-4):
            right.plot(yr, myopic, ":", color=colour, lw=2.0, label=f"{label}: myopic Russia")
        length = path.attrs.get("duration")
        if length is not None and length < yr.max():
            for ax in (left, right):
                ax.axvline(length + 0.5, color=colour, lw=0.9, ls="-.", alpha=0.8)
    left.axhline(0, color="black", lw=0.6)
    if threshold is not None:
        left.axhline(threshold, color="0.5", lw=1.2, ls=":", label="hazard threshold")
    left.set_xlabel("years after the agreement")
    left.set_ylabel("utility per year (positive: war pays)")
    left.set_title("Russia's net incentive to attack now, and its gain from waiting", fontsize=10)
    left.legend(fontsize=7, loc="best")
    left.grid(alpha=0.3)
    right.set_xlabel("years after the agreement")
    right.set_ylabel("yearly hazard of a renewed offensive")
    right.set_title("Yearly hazard (dotted: a myopic Russia, where it differs)", fontsize=10)
    right.set_ylim(bottom=0)
    right.legend(fontsize=7, loc="best", title="deal", title_fontsize=7)
    right.grid(alpha=0.3)
    fig.suptitle(
        title or "What a guarantee and its expiry do to Russia's calculus (one deal, guarantors' state held fixed)",
        fontsize=11,
    )
    caption(
        fig,
        "Deterministic: the model's yearly calculus (sim.model.deterrence.yearly_choice) for a fixed deal, with US "
        "engagement and coalition cohesion held at their starting values and Russia's private edge at "
        + (
            "the others' mean (0)"
            if all(path.attrs.get("edge", 0.0) == 0.0 for path in paths.values())
            else "the edge given per path"
        )
        + ", no random draws. Power shifts and the peace consolidating move the incentive year by year.",
    )
    return fig


# ------------------------------------------------------------------------------------ sensitivity


def sobol_figure(indices: pd.DataFrame, outcomes: Sequence[str] | None = None, title: str | None = None) -> Figure:
    """Sobol indices per uncertain assumption: total (dark bars) and first-order (hatched), with 95 %
    confidence intervals, one panel per outcome, factors in the order of the first panel's total index.

    Args:
        indices: Output of :func:`sim.analysis.tables.sensitivity_indices`.
        outcomes: Which outcomes (default: all, P(durable) first if present).
        title: Figure title.
    """
    present = list(dict.fromkeys(indices["outcome"]))
    if outcomes is None:
        outcomes = sorted(present, key=lambda o: (o != "p_durable_15", present.index(o)))
    first = indices[indices["outcome"] == outcomes[0]].sort_values("ST", ascending=True)
    order = list(first["factor"])
    n = len(order)
    fig = new_figure(4.6 * len(outcomes) + 2.4, 0.42 * n + 2.4, caption_lines=2)
    axes = np.atleast_1d(fig.subplots(1, len(outcomes), sharey=True, squeeze=False))[0]
    pos = np.arange(n)
    for ax, outcome in zip(axes, outcomes, strict=True):
        sub = indices[indices["outcome"] == outcome].set_index("factor").reindex(order)
        sobol_bars(ax, sub, pos)
        ax.set_title(measure_label(outcome, short=True), fontsize=10)
        ax.set_xlabel("share of the outcome's variance")
        ax.grid(axis="x", alpha=0.3)
    axes[0].set_yticks(pos, [_parameter_label(f) for f in order], fontsize=8)
    axes[0].set_ylabel("uncertain assumption (range: the sweep file)")
    axes[-1].legend(loc="lower right", fontsize=8)
    fig.suptitle(title or "What drives the results? Sobol sensitivity to the uncertain assumptions", fontsize=11)
    caption(
        fig,
        "ST: the share of the outcome's variance that involves the assumption (alone or with others); "
        "S1: its share alone. Whiskers: 95 % bootstrap confidence intervals; negative estimates are noise around zero.",
    )
    return fig
