"""Figures of a run directory's tables, readable without the code and in greyscale (the style is
:mod:`sim.figures.style`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.analysis.summary import Survival, kaplan_meier
from sim.dealspace import ISSUES
from sim.figures.style import ACTOR_LABELS, actor_label, caption, empty_panel, new_figure, save, series_style
from sim.model.negotiation import PARTY_KEYS

__all__ = [
    "compare_survival_figure",
    "peace_figure",
    "peace_survival_from_runs",
    "save_figure",
    "survival_figure",
    "terms_figure",
    "trajectory_figure",
    "write_run_figures",
]

PARTY_LABELS = ACTOR_LABELS  # the name model v1 used
save_figure = save


# -------------------------------------------------------------------------------------- trajectories


def _parties(talks: pd.DataFrame) -> list[str]:
    """The negotiating parties of a trajectories table, in its order (the defaults' when it has no talks)."""
    if talks.empty:
        return list(PARTY_KEYS)
    present = set(talks["actor"].astype(str))
    order = list(talks["actor"].cat.categories) if hasattr(talks["actor"], "cat") else sorted(present)
    return [str(k) for k in order if str(k) in present]


def trajectory_figure(trajectories: pd.DataFrame, title: str = "", labels: Mapping[str, str] | None = None) -> Figure:
    """Talks round by round: each party's expected value of the tabled offer against its value of no deal.

    One panel per negotiating party. Thin grey lines are single traced runs' expected value of the offer;
    the bold lines are the medians across the runs still talking in that round (where at least three are):
    the expected value of the offer over the horizon (solid, circles; Russia's at its own private edge, the
    others' over their belief) and the value of no deal, a year of war at the battlefield balance (dashed,
    squares). A party accepts where the first reaches the second. Stars mark agreements. Rounds where no
    package was tabled have no value. When some talks run beyond 60 rounds the round axis is logarithmic.

    Args:
        trajectories: The trajectories table (:func:`sim.outcomes.trajectories_table`).
        title: The scenario's name, shown in the title.
        labels: Display names by actor key (default: the defaults' names).
    """
    talks = trajectories[trajectories["phase"] == "talks"]
    parties = _parties(talks)
    fig = new_figure(13, 4.8, caption_lines=2)
    axes = fig.subplots(1, len(parties), sharey=True, squeeze=False)[0]
    n_runs = talks["run"].nunique()
    fig.suptitle(
        f"{title + ': ' if title else ''}talks round by round - each party's expected value of the offer on the "
        f"table vs. its value of no deal ({n_runs} traced runs with talks)"
    )
    agreed = talks.groupby(["run", "step"], observed=True)["accepted"].agg(lambda s: bool(s.fillna(False).all()))
    agreed = agreed[agreed]
    long_talks = not talks.empty and float(talks["step"].max()) > 60  # a few long talks: a log axis keeps the first
    for ax, party in zip(axes, parties, strict=True):
        ax.set_title(actor_label(party, labels))
        ax.set_xlabel(f"round of talks (months at the table){', log scale' if long_talks else ''}")
        if talks.empty:
            empty_panel(ax, "no talks in any traced run\n(package imposed, or nothing feasible)")
            continue
        rows = talks[talks["actor"] == party]
        for _, run_rows in rows.groupby("run", observed=True):
            ax.plot(run_rows["step"], run_rows["value"], color="0.7", lw=0.6, alpha=0.6, zorder=1)
        by_step = rows.groupby("step", observed=True)
        med = by_step[["value", "no_deal"]].median()
        med = med[by_step["value"].count() >= min(3, n_runs)]  # a median of one or two runs is noise
        every = max(1, len(med) // 12)
        for column, style, marker, color, lw, label in (
            ("value", "-", "o", "black", 2, "expected value of the offer (median)"),
            ("no_deal", "--", "s", "tab:red", 1.8, "value of no deal: a year of war (median)"),
        ):
            ax.plot(
                med.index, med[column], style, marker=marker, color=color, lw=lw, markevery=every, label=label, zorder=3
            )
        if len(agreed):
            keys = pd.MultiIndex.from_arrays([rows["run"], rows["step"]])
            hit = rows[keys.isin(agreed.index)]
            ax.plot(hit["step"], hit["value"], "*", color="black", ms=9, mfc="white", label="agreement", zorder=4)
        if long_talks:
            ax.set_xscale("log")
            ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g}"))
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("value (utility per year; 1 = the party's ideal in peace)")
    if not talks.empty:
        axes[-1].legend(loc="lower right", fontsize=8)
    caption(
        fig,
        "Each party values the offer by what it expects over the horizon (peace while it holds, war if Russia "
        "resumes it), and accepts when that is at least its value of no deal; Russia knows its private edge, the "
        "others hold a belief. A deal needs every party; a failed session is followed by a pause of war.",
    )
    return fig


def peace_figure(trajectories: pd.DataFrame, title: str = "") -> Figure:
    """The peace year by year after a deal: Russia's net incentive to resume the war and the yearly hazard.

    Left: its net incentive to attack now (value of a year of war at the balance of power it would start
    from, minus its value of the deal and what breaking the peace costs it) and its gain from waiting to
    attack later; right: the yearly hazard of a renewed offensive. Thin grey lines are single traced runs
    (up to the year Russia attacked, marked with a cross); bold lines the medians across the runs still at peace.

    Args:
        trajectories: The trajectories table (:func:`sim.outcomes.trajectories_table`).
        title: The scenario's name, shown in the title.
    """
    peace = trajectories[(trajectories["phase"] == "peace") & trajectories["hazard"].notna()]
    fig = new_figure(13, 4.8, caption_lines=2)
    left, right = fig.subplots(1, 2, sharex=True)
    n_runs = peace["run"].nunique()
    fig.suptitle(
        f"{title + ': ' if title else ''}the peace year by year - Russia's incentive to resume the war and the "
        f"yearly hazard ({n_runs} traced runs with a deal)"
    )
    left.set_title("Russia's net incentive to attack now, and its gain from waiting")
    right.set_title("yearly hazard of a renewed offensive")
    for ax in (left, right):
        ax.set_xlabel("years after the deal")
    left.set_ylabel("utility per year (positive: war pays)")
    right.set_ylabel("P(Russia attacks in the year | peace so far)")
    if peace.empty:
        for ax in (left, right):
            empty_panel(ax, "no peace in any traced run\n(no deal reached)")
        return fig
    for _, run_rows in peace.groupby("run", observed=True):
        left.plot(run_rows["step"], run_rows["incentive"], color="0.7", lw=0.6, alpha=0.6, zorder=1)
        right.plot(run_rows["step"], run_rows["hazard"], color="0.7", lw=0.6, alpha=0.6, zorder=1)
    med = peace.groupby("step", observed=True)[["incentive", "gain", "hazard"]].median()
    every = max(1, len(med) // 12)
    left.plot(med.index, med["incentive"], "-", marker="o", markevery=every, color="black", lw=2, label="net incentive")
    left.plot(
        med.index, med["gain"], "--", marker="s", markevery=every, color="tab:blue", lw=1.8, label="gain from waiting"
    )
    left.axhline(0.0, color="0.3", lw=0.8)
    right.plot(med.index, med["hazard"], "-", marker="o", markevery=every, color="black", lw=2, label="hazard (median)")
    attacks = peace[peace["attacked"].fillna(False).astype(bool)]
    if len(attacks):
        right.plot(attacks["step"], attacks["hazard"], "x", color="tab:red", ms=7, label="Russia attacked", zorder=4)
    right.set_ylim(bottom=0)
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(loc="upper right", fontsize=8)
    caption(
        fig,
        "Russia weighs a war begun now (the guarantors' expected weight against it, its army rebuilding, "
        "Ukraine's growing) against the deal; it holds back while attacking later would pay more. The hazard "
        "rises with the net incentive less the gain from waiting; the guarantee's expiry and a guarantor's "
        "lapse show as jumps.",
    )
    return fig


# -------------------------------------------------------------------------------------- agreed terms


def terms_figure(runs: pd.DataFrame, title: str = "") -> Figure:
    """The distribution of agreed terms: one panel per issue (shares of levels, or a histogram).

    Args:
        runs: The runs table (:func:`sim.execution.results.runs_table`).
        title: The scenario's name, shown in the title.
    """
    deals = runs[runs["agreement"].astype(bool)]
    imposed = len(runs) > 0 and "end" in runs and bool((runs["end"] == "imposed").all())
    fig = new_figure(14, 7)
    axes = fig.subplots(2, math.ceil(len(ISSUES) / 2)).ravel()
    what = f"imposed terms in {len(runs)} runs" if imposed else f"agreed terms across {len(deals)} agreements"
    fig.suptitle(f"{title + ': ' if title else ''}{what}{'' if imposed else f' (of {len(runs)} runs)'}")
    for ax, issue in zip(axes, ISSUES, strict=False):
        col = f"deal.{issue.name}"
        ax.set_title(issue.name.replace("_", " "))
        if deals.empty:
            empty_panel(ax, "no agreement")
            continue
        values = deals[col]
        if issue.is_ordinal:
            shares = values.value_counts(normalize=True).reindex(list(issue.levels), fill_value=0.0)
            ax.bar(range(len(shares)), shares.to_numpy(), color="0.45", edgecolor="black", hatch="//")
            ax.set_xticks(range(len(shares)), [lv.replace("_", "\n") for lv in shares.index], fontsize=7)
            ax.set_ylim(0, 1.05)
            ax.set_ylabel("share of agreements")
        else:
            data = values.to_numpy(dtype=float)
            lo, hi = float(np.nanmin(data)), float(np.nanmax(data))
            bins = 1 if hi <= lo else min(20, max(5, len(np.unique(data))))
            span = (lo - 0.5, hi + 0.5) if hi <= lo else None
            ax.hist(data, bins=bins, range=span, color="0.45", edgecolor="black", hatch="//")
            ax.set_xlabel(issue.unit or "value")
            ax.set_ylabel("agreements")
            ax.ticklabel_format(axis="x", style="plain", useOffset=False)
        ax.grid(axis="y", alpha=0.3)
    for ax in axes[len(ISSUES) :]:
        ax.set_visible(False)
    caption(fig, "Terms fixed by the scenario show a single bar; negotiated terms show where the talks settled.")
    return fig


# -------------------------------------------------------------------------------------- survival


def peace_survival_from_runs(runs: pd.DataFrame) -> Survival:
    """Kaplan-Meier survival of peace after agreement, from a runs table."""
    deals = runs[runs["agreement"].astype(bool)]
    return kaplan_meier(deals["peace_years"].to_numpy(dtype=float), deals["breakdown"].to_numpy(dtype=bool))


def _step(surv: Survival) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """The curve from t = 0 (S = 1), ready for ``where="post"`` steps."""
    t = np.concatenate([[0.0], surv.time])
    return (
        t,
        np.concatenate([[1.0], surv.survival]),
        np.concatenate([[1.0], surv.low]),
        np.concatenate([[1.0], surv.high]),
    )


def _durations(runs: pd.DataFrame) -> np.ndarray:
    deals = runs[runs["agreement"].astype(bool)]
    d = deals["duration"].to_numpy(dtype=float)
    return d[np.isfinite(d)]


def _expiry_label(durations: np.ndarray) -> tuple[float, str] | None:
    if durations.size == 0:
        return None
    if np.all(durations == durations[0]):
        return float(durations[0]), f"first term ends ({durations[0]:g} years)"
    med = float(np.median(durations))
    return med, f"first term ends (median {med:g} years)"


def _horizon(runs: pd.DataFrame) -> float:
    return float(runs["horizon"].max()) if len(runs) else 1.0


def survival_figure(runs: pd.DataFrame, title: str = "") -> Figure:
    """Survival of peace after agreement (Kaplan-Meier) with its 95 % band and the end of the guarantee's first
    term (where the guarantors renew it or let it lapse).

    Args:
        runs: The runs table (:func:`sim.execution.results.runs_table`).
        title: The scenario's name, shown in the title.
    """
    surv = peace_survival_from_runs(runs)
    horizon = _horizon(runs)
    fig = new_figure(9, 5.5)
    ax = fig.subplots()
    n = int(runs["agreement"].astype(bool).sum())
    ax.set_title(f"{title + ': ' if title else ''}survival of peace after agreement (Kaplan-Meier, {n} agreements)")
    ax.set_xlabel("years after the agreement")
    ax.set_ylabel("probability that peace still holds")
    if n == 0:
        empty_panel(ax, "no agreement in any run: no peace to follow")
        return fig
    t, s, lo, hi = _step(surv)
    ax.fill_between(t, lo, hi, step="post", color="0.8", label="95 % band (log-log Greenwood)")
    ax.step(t, s, where="post", color="black", lw=2, label="peace holds (Kaplan-Meier)")
    ax.step(t, lo, where="post", color="0.4", lw=0.8, ls=":")
    ax.step(t, hi, where="post", color="0.4", lw=0.8, ls=":")
    durations = _durations(runs)
    expiry = _expiry_label(durations)
    if expiry is not None:
        x, label = expiry
        if durations.size and not np.all(durations == durations[0]):
            q25, q75 = np.quantile(durations, [0.25, 0.75])
            ax.axvspan(
                q25, q75, color="0.9", hatch="..", ec="0.6", lw=0, label="end of the first term, middle half of deals"
            )
        ax.axvline(x, color="tab:red", ls="--", lw=1.5, label=label)
        ax.annotate(
            "first term ends",
            (x, 0.04),
            xytext=(4, 0),
            textcoords="offset points",
            rotation=90,
            va="bottom",
            fontsize=9,
            color="tab:red",
        )
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    caption(
        fig,
        f"Runs that reached an agreement, followed for {horizon:g} years (peace still holding at the horizon "
        "is censored). A step down is a renewed Russian offensive.",
    )
    return fig


def compare_survival_figure(runs_by_label: Mapping[str, pd.DataFrame], title: str = "") -> Figure:
    """Overlaid survival curves of peace after agreement, one per scenario, each with its expiry marked.

    Args:
        runs_by_label: Runs tables keyed by the scenario's label (legend order).
        title: Optional title prefix.
    """
    fig = new_figure(10, 6)
    ax = fig.subplots()
    ax.set_title(f"{title + ': ' if title else ''}survival of peace after agreement (Kaplan-Meier, 95 % bands)")
    ax.set_xlabel("years after the agreement")
    ax.set_ylabel("probability that peace still holds")
    horizon = max((_horizon(r) for r in runs_by_label.values()), default=1.0)
    for k, (label, runs) in enumerate(runs_by_label.items()):
        style, marker, colour = series_style(k)
        n = int(runs["agreement"].astype(bool).sum())
        if n == 0:
            ax.plot([], [], ls=style, marker=marker, color=colour, label=f"{label}: no agreement")
            continue
        t, s, lo, hi = _step(peace_survival_from_runs(runs))
        ax.fill_between(t, lo, hi, step="post", color=colour, alpha=0.12, lw=0)
        every = max(1, len(t) // 8)
        expiry = _expiry_label(_durations(runs))
        legend = f"{label}: {n} agreements" + (f", {expiry[1]}" if expiry else "")
        ax.step(t, s, where="post", ls=style, marker=marker, markevery=every, color=colour, lw=2, label=legend)
        if expiry is not None:
            ax.axvline(expiry[0], ls=style, color=colour, lw=1, alpha=0.8)
            ax.plot([expiry[0]], [1.0], marker="v", color=colour, ms=9, clip_on=False)
    ax.set_xlim(0, horizon)
    ax.set_ylim(0, 1.02)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower left", fontsize=8)
    caption(
        fig,
        "Thin vertical lines and triangles at the top mark the end of each scenario's first guarantee term (median "
        "over deals; the guarantors then renew it or let it lapse); shaded: 95 % bands.",
    )
    return fig


# -------------------------------------------------------------------------------------- all of a run


def write_run_figures(
    folder: str | Path,
    runs: pd.DataFrame,
    trajectories: pd.DataFrame,
    title: str = "",
    labels: Mapping[str, str] | None = None,
) -> list[Path]:
    """Write a run directory's figures (``trajectories.png``, ``terms.png``, ``survival.png``, ``peace.png``) to
    ``folder`` (``labels``: display names by actor key)."""
    out = Path(folder)
    makers = (
        ("trajectories.png", lambda: trajectory_figure(trajectories, title, labels)),
        ("terms.png", lambda: terms_figure(runs, title)),
        ("survival.png", lambda: survival_figure(runs, title)),
        ("peace.png", lambda: peace_figure(trajectories, title)),
    )
    return [save_figure(make(), out / name) for name, make in makers]
