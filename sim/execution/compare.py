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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.paths import output_errors
from sim.config.scenario import Scenario
from sim.execution.manifest import software, utc_now
from sim.execution.results import Format, RunDirectory, write_atomic, write_json
from sim.execution.rundir import Execution, Interrupted, execute
from sim.figures.run import compare_survival_figure, peace_survival_from_runs, save_figure

__all__ = ["HEADLINES", "Comparison", "Entry", "comparison_table", "labels_for", "render_comparison", "run_comparison"]

HEADLINES: tuple[tuple[str, str], ...] = (
    ("p_agreement", "P(agreement)"),
    ("p_russia_accepts", "P(Russia accepts an offer)"),
    ("p_durable_15", "P(durable peace: deal & 15 y)"),
    ("p_holds_15_given_agreement", "P(peace holds 15 y | deal)"),
    ("p_holds_30_given_agreement", "P(peace holds 30 y | deal)"),
    ("median_peace_years", "median years of peace | deal"),
    ("p_honoured_when_attacked.united_states", "P(US honours | attacked)"),
    ("p_honoured_when_attacked.coalition", "P(coalition honours | attacked)"),
)
"""The figures compared: (key in ``summary.json``, dotted for nested keys; label)."""

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


def _lookup(data: Mapping[str, Any], dotted: str) -> Any:
    node: Any = data
    for key in dotted.split("."):
        node = node.get(key) if isinstance(node, Mapping) else None
    return node


def _median_with_band(runs: pd.DataFrame) -> tuple[float, float, float]:
    """Median years of peace after a deal with a 95 % interval read off the Kaplan-Meier band
    (Brookmeyer-Crowley style); inf where a curve never falls to one half, NaN without deals."""
    surv = peace_survival_from_runs(runs)
    if surv.time.size == 0:
        return math.nan, math.nan, math.nan

    def first_below(curve: Any) -> float:
        hits = (curve <= 0.5).nonzero()[0]
        return float(surv.time[hits[0]]) if hits.size else math.inf

    return first_below(surv.survival), first_below(surv.low), first_below(surv.high)


def comparison_table(summaries: Mapping[str, Mapping[str, Any]], runs: Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """The headline figures of several scenarios, tidy: one row per figure and scenario.

    Args:
        summaries: ``summary.json`` contents keyed by scenario label.
        runs: Runs tables keyed by the same labels (for the interval of the median).

    Returns:
        Columns ``figure`` (key), ``label`` (readable), ``scenario``, ``value``, ``low``, ``high``
        (NaN where undefined; inf for a median beyond the horizon).
    """
    rows = []
    for key, label in HEADLINES:
        for name, summary in summaries.items():
            if key == "median_peace_years":
                value, low, high = _median_with_band(runs[name])
            else:
                est = _lookup(summary, key) or {}
                value, low, high = (math.nan if est.get(k) is None else float(est[k]) for k in ("value", "low", "high"))
            rows.append({"figure": key, "label": label, "scenario": name, "value": value, "low": low, "high": high})
    frame = pd.DataFrame(rows, columns=list(COLUMNS))
    return frame.astype({"value": "float64", "low": "float64", "high": "float64"})


def _cell(figure: str, value: float, low: float, high: float, horizon: float | None) -> str:
    if math.isnan(value):
        return "n/a"
    if figure == "median_peace_years":

        def years(x: float) -> str:
            return f"> {horizon:g}" if math.isinf(x) and horizon else ("inf" if math.isinf(x) else f"{x:g}")

        return f"{years(value)} [{years(low)}, {years(high)}]"
    return f"{value:.3f} [{low:.3f}, {high:.3f}]"


def render_comparison(table: pd.DataFrame, horizons: Mapping[str, float] | None = None) -> str:
    """The comparison as a text table: one row per figure, one column per scenario, 95 % intervals
    in brackets."""
    horizons = horizons or {}
    scenarios = list(dict.fromkeys(table["scenario"]))
    labels = list(dict.fromkeys(table["label"]))
    cells = {
        (r.label, r.scenario): _cell(r.figure, r.value, r.low, r.high, horizons.get(r.scenario))
        for r in table.itertuples(index=False)
    }
    first = max(len(x) for x in [*labels, "figure"])
    widths = [max(len(s), *(len(cells[(lb, s)]) for lb in labels)) for s in scenarios]
    lines = ["  ".join([f"{'':<{first}}", *(f"{s:<{w}}" for s, w in zip(scenarios, widths, strict=True))]).rstrip()]
    lines.append("  ".join(["-" * first, *("-" * w for w in widths)]))
    for lb in labels:
        row = [f"{lb:<{first}}", *(f"{cells[(lb, s)]:<{w}}" for s, w in zip(scenarios, widths, strict=True))]
        lines.append("  ".join(row).rstrip())
    lines.append("(95 % intervals in brackets; median years of peace: Kaplan-Meier, interval from its band)")
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
    write_json(
        top.path / "comparison.json",
        {
            "scenarios": [{"label": e.label, "name": e.scenario.name, "run_dir": e.label} for e in entries],
            "figures": [{"figure": k, "label": lb} for k, lb in HEADLINES],
            "rows": table.to_dict(orient="records"),
            "table": render_comparison(table, horizons),
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
