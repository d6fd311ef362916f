"""Figures of a run directory's tables, readable without the code and in greyscale (the style is
:mod:`sim.figures.style`)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim.analysis.summary import Survival, kaplan_meier
from sim.dealspace import ISSUES
from sim.figures.style import ACTOR_LABELS, actor_label, caption, empty_panel, new_figure, save, series_style
from sim.model.negotiation import PARTY_KEYS

__all__ = [
    "compare_survival_figure",
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
    """Talks round by round: each party's utility of the tabled offer against its reservation value.

    One panel per negotiating party. Thin grey lines are single traced runs; the bold lines are the
    medians across the runs still talking in that round: utility of the offer (solid, circles),
    reservation value (dashed, squares) and aspiration (dotted, triangles). Stars mark agreements.

    Args:
        trajectories: The trajectories table (:func:`sim.outcomes.trajectories_table`).
        title: The scenario's name, shown in the title.
        labels: Display names by actor key (default: the defaults' names).
    """
    talks = trajectories[trajectories["phase"] == "talks"]
    parties = _parties(talks)
    fig = new_figure(13, 4.8)
    axes = fig.subplots(1, len(parties), sharey=True, squeeze=False)[0]
    n_runs = talks["run"].nunique()
    fig.suptitle(
        f"{title + ': ' if title else ''}talks round by round - each party's utility of the offer on the table "
        f"vs. its reservation value ({n_runs} traced runs with talks)"
    )
    agreed = talks.groupby(["run", "step"], observed=True)["accepted"].agg(lambda s: bool(s.fillna(False).all()))
    agreed = agreed[agreed]
    for ax, party in zip(axes, parties, strict=True):
        ax.set_title(actor_label(party, labels))
        ax.set_xlabel("round of talks (months)")
        if talks.empty:
            empty_panel(ax, "no talks in any traced run\n(package imposed, or nothing feasible)")
            continue
        rows = talks[talks["actor"] == party]
        for _, run_rows in rows.groupby("run", observed=True):
            ax.plot(run_rows["step"], run_rows["utility"], color="0.7", lw=0.6, alpha=0.6, zorder=1)
        med = rows.groupby("step", observed=True)[["utility", "reservation", "aspiration"]].median()
        every = max(1, len(med) // 12)
        for column, style, marker, color, lw, label in (
            ("utility", "-", "o", "black", 2, "utility of the offer (median)"),
            ("reservation", "--", "s", "tab:red", 1.8, "reservation value (median)"),
            ("aspiration", ":", "^", "tab:blue", 1.8, "aspiration (median)"),
        ):
            ax.plot(
                med.index, med[column], style, marker=marker, color=color, lw=lw, markevery=every, label=label, zorder=3
            )
        if len(agreed):
            keys = pd.MultiIndex.from_arrays([rows["run"], rows["step"]])
            hit = rows[keys.isin(agreed.index)]
            ax.plot(hit["step"], hit["utility"], "*", color="black", ms=9, mfc="white", label="agreement", zorder=4)
        ax.set_ylim(-0.02, 1.02)
        ax.grid(alpha=0.3)
    axes[0].set_ylabel("utility (0 = worst, 1 = the party's ideal)")
    if not talks.empty:
        axes[-1].legend(loc="lower right", fontsize=8)
    caption(
        fig,
        "A party accepts when its (noisily perceived) utility of the offer reaches its aspiration, which concedes "
        "towards its reservation value, the value of fighting on; a deal needs every party.",
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
        return float(durations[0]), f"guarantee expires ({durations[0]:g} years)"
    med = float(np.median(durations))
    return med, f"guarantee expires (median {med:g} years)"


def _horizon(runs: pd.DataFrame) -> float:
    return float(runs["horizon"].max()) if len(runs) else 1.0


def survival_figure(runs: pd.DataFrame, title: str = "") -> Figure:
    """Survival of peace after agreement (Kaplan-Meier) with its 95 % band and the guarantee's expiry.

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
                q25, q75, color="0.9", hatch="..", ec="0.6", lw=0, label="guarantee expiry, middle half of deals"
            )
        ax.axvline(x, color="tab:red", ls="--", lw=1.5, label=label)
        ax.annotate(
            "guarantee expires",
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
        "Thin vertical lines and triangles at the top mark when each scenario's guarantee expires (median over deals); "
        "shaded: 95 % bands.",
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
    """Write a run directory's figures (``trajectories.png``, ``terms.png``, ``survival.png``) to ``folder``
    (``labels``: display names by actor key)."""
    out = Path(folder)
    makers = (
        ("trajectories.png", lambda: trajectory_figure(trajectories, title, labels)),
        ("terms.png", lambda: terms_figure(runs, title)),
        ("survival.png", lambda: survival_figure(runs, title)),
    )
    return [save_figure(make(), out / name) for name, make in makers]
