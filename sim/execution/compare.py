"""Scenarios side by side: each is run into its own run directory, then their headline figures are
tabulated with 95 % intervals and their survival curves of peace overlaid ("15 years or decades?").

A comparison folder holds ``comparison.csv`` (tidy: one row per figure and scenario),
``comparison.json``, ``manifest.json``, ``figures/survival_compare.png`` and one run directory per
scenario, named by its label.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import outcomes
from sim.analysis.measures import estimates
from sim.analysis.summary import Estimate, format_estimate
from sim.config.paths import output_errors
from sim.config.scenario import Scenario
from sim.execution.manifest import software, utc_now
from sim.execution.results import Format, RunDirectory, write_atomic, write_json
from sim.execution.rundir import Execution, Interrupted, execute
from sim.figures.run import compare_survival_figure, save_figure
from sim.outcomes import GUARANTORS, PARTIES, Measure, headline_measures, measures_for

__all__ = [
    "HEADLINES",
    "Comparison",
    "Entry",
    "actor_measures",
    "comparison_table",
    "headlines",
    "labels_for",
    "render_comparison",
    "run_comparison",
]


def headlines(measures: Sequence[Measure] | None = None) -> tuple[tuple[str, str], ...]:
    """The figures compared: (key in ``summary.json``, dotted for nested keys; label), from the summary
    measures of :data:`sim.outcomes.MEASURES` (or of ``measures``)."""
    return tuple((m.summary_key, m.short_label) for m in measures_for("summary", measures))


HEADLINES: tuple[tuple[str, str], ...] = headlines()
"""The figures compared with the default measures: (key in ``summary.json``; label)."""

COLUMNS = ("figure", "label", "scenario", "value", "low", "high")


@dataclass(frozen=True)
class Entry:
    """A scenario to compare.

    Attributes:
        label: Its column heading and sub-folder name (unique within a comparison).
        scenario: The validated scenario.
        source: The file it was loaded from.
    """

    label: str
    scenario: Scenario
    source: Path | None = None


@dataclass(frozen=True)
class Comparison:
    """A comparison as written.

    Attributes:
        folder: The comparison folder.
        table: The tidy comparison table (``comparison.csv``).
        executions: Each scenario's execution, in order.
        figure: The overlaid survival figure.
    """

    folder: Path
    table: pd.DataFrame
    executions: tuple[Execution, ...]
    figure: Path


def labels_for(scenarios: Sequence[Scenario]) -> list[str]:
    """Unique labels: each scenario's name, with ``-2``, ``-3``, ... for repeats."""
    seen: dict[str, int] = {}
    out = []
    for s in scenarios:
        seen[s.name] = seen.get(s.name, 0) + 1
        out.append(s.name if seen[s.name] == 1 else f"{s.name}-{seen[s.name]}")
    return out


def actor_measures(tables: Iterable[pd.DataFrame]) -> tuple[Measure, ...]:
    """The headline measures for every guarantor and party of some runs tables (their ``honoured.<guarantor>``
    and ``welfare.<party>`` columns), in order of appearance: :data:`sim.outcomes.MEASURES` as it is when called
    if they are the defaults' (or the tables name none)."""
    guarantors: dict[str, None] = {}
    parties: dict[str, None] = {}
    for frame in tables:
        for c in frame.columns:
            if c.startswith("honoured."):
                guarantors[c.removeprefix("honoured.")] = None
            elif c.startswith("welfare."):
                parties[c.removeprefix("welfare.")] = None
    return _measures_for_actors(tuple(guarantors), tuple(parties))


def _measures_for_actors(guarantors: tuple[str, ...], parties: tuple[str, ...]) -> tuple[Measure, ...]:
    if guarantors in ((), GUARANTORS) and parties in ((), PARTIES):
        return outcomes.MEASURES  # the one list, as it is now (a developer may have added a figure)
    return headline_measures(guarantors or GUARANTORS, parties=parties or PARTIES)


def _figure_measures(table: pd.DataFrame) -> tuple[Measure, ...]:
    """The headline measures of a comparison table's figures (the actors named in its keys)."""
    keys = list(dict.fromkeys(table["figure"].astype(str)))
    guarantors = tuple(k.split(".", 1)[1] for k in keys if k.startswith("p_honoured_when_attacked."))
    parties = tuple(k.split(".", 1)[1] for k in keys if k.startswith("welfare."))
    return _measures_for_actors(guarantors, parties)


def comparison_table(
    summaries: Mapping[str, Mapping[str, Any]],
    runs: Mapping[str, pd.DataFrame],
    measures: Sequence[Measure] | None = None,
) -> pd.DataFrame:
    """The headline figures of several scenarios, tidy: one row per figure and scenario.

    Every figure is a summary measure (:func:`sim.outcomes.measures_for` ``"summary"``) estimated over the
    scenario's runs table, as its ``summary.json`` was. Scenarios with different actors are compared over
    every actor of any of them; a figure about an actor a scenario lacks (a guarantor's honouring, a party's
    welfare) is NaN there.

    Args:
        summaries: ``summary.json`` contents keyed by scenario label (their order is the table's).
        runs: Runs tables keyed by the same labels.
        measures: The list to take the summary measures from (default: the headline measures for the actors
            of the runs tables, :func:`actor_measures`).

    Returns:
        Columns ``figure`` (key), ``label`` (readable), ``scenario``, ``value``, ``low``, ``high``
        (NaN where undefined; inf for a median beyond the horizon).
    """
    chosen = measures_for("summary", measures if measures is not None else actor_measures(runs.values()))
    missing = Estimate(math.nan, math.nan, math.nan)
    figures = {}
    for name in summaries:
        frame = runs[name]
        present = [m for m in chosen if all(c in frame.columns for c in m.columns)]
        figures[name] = {m.name: missing for m in chosen} | estimates(present, frame)
    rows = []
    for m in chosen:
        for name in summaries:
            est = figures[name][m.name]
            rows.append(
                {
                    "figure": m.summary_key,
                    "label": m.short_label,
                    "scenario": name,
                    "value": est.value,
                    "low": est.low,
                    "high": est.high,
                }
            )
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"value": "float64", "low": "float64", "high": "float64"})


def _cell(
    figure: str, unit: str, value: float, low: float, high: float, horizon: float | None, imposed: bool = False
) -> str:
    if imposed and figure == "p_agreement":
        return "n/a (imposed)"
    return format_estimate(Estimate(value, low, high), unit, horizon)


def render_comparison(
    table: pd.DataFrame,
    horizons: Mapping[str, float] | None = None,
    measures: Sequence[Measure] | None = None,
    imposed: Collection[str] = (),
) -> str:
    """The comparison as a text table: one row per figure, one column per scenario, 95 % intervals
    in brackets.

    Args:
        table: The comparison table (:func:`comparison_table`).
        horizons: Each scenario's horizon in years (a median beyond it is shown as ``> horizon``).
        measures: The measures of the table's figures, for their units (default: the headline measures for the
            actors the table's figures name).
        imposed: Scenarios in mode evaluate: their P(agreement in the first session) is shown as "n/a (imposed)".
    """
    horizons = horizons or {}
    pool = measures if measures is not None else _figure_measures(table)
    units = {m.summary_key: m.unit for m in measures_for("summary", pool)}
    scenarios = list(dict.fromkeys(table["scenario"]))
    labels = list(dict.fromkeys(table["label"]))
    cells = {
        (r.label, r.scenario): _cell(
            r.figure,
            units.get(r.figure, "probability"),
            r.value,
            r.low,
            r.high,
            horizons.get(r.scenario),
            r.scenario in imposed,
        )
        for r in table.itertuples(index=False)
    }
    first = max(len(x) for x in [*labels, "figure"])
    widths = [max(len(s), *(len(cells[(lb, s)]) for lb in labels)) for s in scenarios]
    lines = ["  ".join([f"{'':<{first}}", *(f"{s:<{w}}" for s, w in zip(scenarios, widths, strict=True))]).rstrip()]
    lines.append("  ".join(["-" * first, *("-" * w for w in widths)]))
    for lb in labels:
        row = [f"{lb:<{first}}", *(f"{cells[(lb, s)]:<{w}}" for s, w in zip(scenarios, widths, strict=True))]
        lines.append("  ".join(row).rstrip())
    lines.append(
        "(95 % intervals in brackets; median years of peace: Kaplan-Meier, interval from its band; "
        "averages over all runs: normal interval)"
    )
    return "\n".join(lines)


def run_comparison(
    entries: Sequence[Entry],
    folder: str | Path,
    *,
    runs: int | None = None,
    seed: int | None = None,
    fmt: Format = "parquet",
    force: bool = False,
    progress: bool = False,
    command: Sequence[str] | None = None,
) -> Comparison:
    """Run each scenario into ``folder/<label>`` and write the comparison.

    Args:
        entries: The scenarios, labels unique.
        folder: The comparison folder (refused if it exists and is not empty, unless ``force``).
        runs: Replications per scenario (default: each scenario's own ``runs``).
        seed: Master seed of every scenario (default: each scenario's own ``seed``).
        fmt: Table format of the run directories.
        force: Overwrite an existing folder.
        progress: Show progress bars.
        command: The command line, for the manifest.

    Raises:
        sim.config.errors.InputError: If the folder exists (without ``force``) or labels repeat.
        Interrupted: On Ctrl-C; finished scenarios and the finished runs of the current one are kept.
    """
    labels = [e.label for e in entries]
    if len(set(labels)) != len(labels):
        raise ValueError(f"comparison labels repeat: {labels}")
    top = RunDirectory.create(folder, fmt=fmt, force=force)
    with output_errors(top.path, "cannot write the comparison folder"):
        return _run_comparison(
            entries, top, runs=runs, seed=seed, fmt=fmt, force=force, progress=progress, command=command
        )


def _run_comparison(
    entries: Sequence[Entry],
    top: RunDirectory,
    *,
    runs: int | None,
    seed: int | None,
    fmt: Format,
    force: bool,
    progress: bool,
    command: Sequence[str] | None,
) -> Comparison:
    started, clock = utc_now(), time.monotonic()
    manifest: dict[str, Any] = {
        "kind": "comparison",
        "status": "running",
        "runs_per_scenario": runs,
        "seed": seed,
        "scenarios": [
            {"label": e.label, "name": e.scenario.name, "file": None if e.source is None else str(e.source)}
            for e in entries
        ],
        **software(command),
        "started": started,
        "finished": None,
    }
    top.write_manifest(manifest)
    executions: list[Execution] = []
    for e in entries:
        sub = RunDirectory.create(top.path / e.label, fmt=fmt, force=force)
        try:
            executions.append(
                execute(e.scenario, sub, runs=runs, seed=seed, source=e.source, progress=progress, command=command)
            )
        except Interrupted:
            manifest |= {"status": "interrupted", "finished": utc_now(), "scenarios_completed": len(executions)}
            top.write_manifest(manifest)
            raise
    summaries = {e.label: _summary_json(x) for e, x in zip(entries, executions, strict=True)}
    runs_by_label = {e.label: x.runs for e, x in zip(entries, executions, strict=True)}
    table = comparison_table(summaries, runs_by_label)
    write_atomic(top.path / "comparison.csv", table.to_csv(index=False))
    horizons = {lb: float(r["horizon"].max()) for lb, r in runs_by_label.items() if len(r)}
    imposed = [lb for lb, summary in summaries.items() if summary.get("imposed")]
    write_json(
        top.path / "comparison.json",
        {
            "scenarios": [{"label": e.label, "name": e.scenario.name, "run_dir": e.label} for e in entries],
            "figures": [{"figure": k, "label": lb} for k, lb in headlines(actor_measures(runs_by_label.values()))],
            "rows": table.to_dict(orient="records"),
            "table": render_comparison(table, horizons, imposed=imposed),
        },
    )
    figure = save_figure(compare_survival_figure(runs_by_label), top.figures / "survival_compare.png")
    manifest |= {
        "status": "complete",
        "finished": utc_now(),
        "elapsed_seconds": round(time.monotonic() - clock, 3),
        "scenarios_completed": len(executions),
    }
    top.write_manifest(manifest)
    return Comparison(top.path, table, tuple(executions), figure)


def _summary_json(execution: Execution) -> dict[str, Any]:
    return json.loads((execution.directory.path / "summary.json").read_text(encoding="utf-8"))
