"""Executing a scenario into a run directory: stream the runs, show progress, checkpoint, survive Ctrl-C.

The runs are made one at a time (:func:`sim.execution.runs.run_once` with the seeds of
:func:`sim.execution.runs.run_seed`, so a run directory holds exactly the outcomes of
:func:`sim.execution.runs.iter_runs`); the first ``traced_runs`` are traced for the
trajectories table. Nothing is lost on the way:

* ``manifest.json`` is written first, with status ``running``;
* every ``checkpoint_seconds`` the finished runs are written (tables, summary, manifest);
* on an internal error the finished runs are written too, with status ``failed`` and the error;
* on Ctrl-C the finished runs are written, the manifest says ``interrupted``, and :class:`Interrupted`
  (a ``KeyboardInterrupt``) is raised; a second Ctrl-C while writing waits until the files are whole;
* at the end the tables, summary and figures are written, and the manifest last, with status
  ``complete``: a complete manifest means every other file is there.
"""

from __future__ import annotations

import contextlib
import signal
import sys
import threading
import time
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sim.analysis.summary import Summary, peace_survival, summarise
from sim.config.paths import output_errors
from sim.config.scenario import Scenario
from sim.execution.manifest import scenario_provenance, software, utc_now
from sim.execution.results import RunDirectory, runs_table, trajectories_table
from sim.execution.runs import run_once, run_seed
from sim.model.compiled import compile_scenario
from sim.outcomes import RunOutcome

__all__ = ["DEFAULT_TRACED_RUNS", "Execution", "Interrupted", "execute", "summary_data"]

DEFAULT_TRACED_RUNS = 50
"""Runs traced for the trajectories table by default (the first ones)."""
CHECKPOINT_SECONDS = 30.0
"""Default time between writes of the finished runs during a long run."""

Status = Literal["running", "complete", "interrupted", "failed"]


class Interrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`execute`; the finished runs were written.

    Attributes:
        directory: The run directory.
        completed: Runs finished and written.
        requested: Runs asked for.
    """

    def __init__(self, directory: Path, completed: int, requested: int) -> None:
        super().__init__(f"interrupted: {completed} of {requested} runs written to {directory}")
        self.directory = directory
        self.completed = completed
        self.requested = requested


@dataclass(frozen=True)
class Execution:
    """What :func:`execute` made.

    Attributes:
        directory: The run directory.
        status: ``complete`` (interrupted executions raise :class:`Interrupted` instead of returning).
        summary: The headline figures.
        runs: The runs table, as written.
        trajectories: The trajectories table, as written.
        figures: The figure files written.
    """

    directory: RunDirectory
    status: Status
    summary: Summary
    runs: pd.DataFrame
    trajectories: pd.DataFrame
    figures: tuple[Path, ...]


@contextlib.contextmanager
def _sigint_deferred() -> Iterator[None]:
    """Hold Ctrl-C while files are written; re-raise it afterwards (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    received: list[int] = []
    previous = signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if received:
        raise KeyboardInterrupt


def summary_data(summary: Summary, outcomes: Sequence[RunOutcome], extra: Mapping[str, Any] | None = None) -> dict:
    """The content of ``summary.json``: ``extra`` (scenario, seed, status), the headline figures of
    :meth:`sim.analysis.summary.Summary.as_dict`, and the Kaplan-Meier curve of peace after agreement."""
    surv = peace_survival(outcomes)
    curve = {
        "time": surv.time.tolist(),
        "survival": surv.survival.tolist(),
        "low": surv.low.tolist(),
        "high": surv.high.tolist(),
        "at_risk": surv.at_risk.tolist(),
        "events": surv.events.tolist(),
    }
    return {**(extra or {}), **summary.as_dict(), "peace_survival": curve}


class _Progress:
    """A tqdm bar on stderr, or nothing."""

    def __init__(self, total: int, desc: str, enabled: bool) -> None:
        self._bar = None
        if enabled:
            from tqdm import tqdm

            self._bar = tqdm(
                total=total, desc=desc, unit="run", file=sys.stderr, delay=1.0, dynamic_ncols=True, smoothing=0.05
            )

    def update(self) -> None:
        if self._bar is not None:
            self._bar.update()

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()


def execute(
    scenario: Scenario,
    directory: RunDirectory,
    *,
    runs: int | None = None,
    seed: int | None = None,
    source: str | Path | None = None,
    overrides: Mapping[str, Any] | None = None,
    progress: bool = False,
    traced_runs: int = DEFAULT_TRACED_RUNS,
    figures: bool = True,
    checkpoint_seconds: float = CHECKPOINT_SECONDS,
    command: Sequence[str] | None = None,
) -> Execution:
    """Run a scenario's replications into a run directory.

    Args:
        scenario: The validated scenario.
        directory: The (new, empty) run directory, from :meth:`sim.execution.results.RunDirectory.create`.
        runs: Number of replications (default: the scenario's ``runs``).
        seed: Master seed (default: the scenario's ``seed``).
        source: The scenario file, for the manifest.
        overrides: The ``--set`` overrides applied to the file, for the manifest.
        progress: Show a progress bar with an ETA on stderr (appears after a second).
        traced_runs: Trace this many runs (the first ones) for the trajectories table.
        figures: Write the figures.
        checkpoint_seconds: Time between intermediate writes of the finished runs.
        command: The command line, for the manifest (default: ``sys.argv``); the manifest also
            records the working folder, against which relative paths in it are read.

    Returns:
        What was written.

    Raises:
        Interrupted: On Ctrl-C, after the finished runs were written.
    """
    with output_errors(
        directory.path,
        "cannot write the run directory",
        hint="the runs that finished before are in it if its manifest says so; run again with --force",
    ):
        return _execute(
            scenario,
            directory,
            runs=runs,
            seed=seed,
            source=source,
            overrides=overrides,
            progress=progress,
            traced_runs=traced_runs,
            figures=figures,
            checkpoint_seconds=checkpoint_seconds,
            command=command,
        )


def _execute(
    scenario: Scenario,
    directory: RunDirectory,
    *,
    runs: int | None,
    seed: int | None,
    source: str | Path | None,
    overrides: Mapping[str, Any] | None,
    progress: bool,
    traced_runs: int,
    figures: bool,
    checkpoint_seconds: float,
    command: Sequence[str] | None,
) -> Execution:
    n = scenario.runs if runs is None else runs
    master = scenario.seed if seed is None else seed
    started, clock = utc_now(), time.monotonic()
    base = {
        "status": "running",
        "runs_requested": n,
        "runs_completed": 0,
        "traced_runs": 0,
        "traced_runs_limit": traced_runs,
        "seeds": {
            "master": master,
            "derivation": "run j has seed sim.execution.runs.run_seed(master, j): numpy SeedSequence(entropy=master, "
            "spawn_key=(j,)); the runs table holds each run's seed",
        },
        "format": directory.fmt,
        "scenario": scenario_provenance(scenario, source, overrides),
        **software(command),
        "started": started,
        "finished": None,
        "elapsed_seconds": None,
        "files": [],
    }
    directory.write_manifest(base)

    outcomes: list[RunOutcome] = []
    traced: list[RunOutcome] = []

    def write(status: Status) -> tuple[pd.DataFrame, pd.DataFrame, Summary, dict[str, Any]]:
        runs_df = runs_table(outcomes, scenario=scenario)
        traj_df = trajectories_table(traced, scenario=scenario)
        summary = summarise(outcomes)
        directory.write_tables(runs_df, traj_df)
        extra = {"scenario": scenario.name, "status": status, "seed": master}
        directory.write_summary(summary_data(summary, outcomes, extra))
        manifest = {
            **base,
            "status": status,
            "runs_completed": len(outcomes),
            "traced_runs": len(traced),
            "finished": None if status == "running" else utc_now(),
            "elapsed_seconds": round(time.monotonic() - clock, 3),
            "files": _files(directory),
        }
        return runs_df, traj_df, summary, manifest

    bar = _Progress(n, scenario.name, progress)
    interval = checkpoint_seconds
    next_checkpoint = time.monotonic() + interval
    status: Status = "complete"
    compiled = compile_scenario(scenario)
    try:
        for j in range(n):
            outcome = run_once(compiled, run_seed(master, j), trace=j < traced_runs)
            if j < traced_runs:
                traced.append(outcome)
                outcome = replace(outcome, rounds_trace=(), years_trace=())
            outcomes.append(outcome)
            bar.update()
            if time.monotonic() >= next_checkpoint:
                t0 = time.monotonic()
                with _sigint_deferred():
                    *_, manifest = write("running")
                    directory.write_manifest(manifest)
                interval = max(checkpoint_seconds, 10 * (time.monotonic() - t0))
                next_checkpoint = time.monotonic() + interval
    except KeyboardInterrupt:
        status = "interrupted"
    except Exception as err:
        bar.close()
        # An internal error, or a disk that is full or gone: keep the finished runs if the disk lets us,
        # say what happened, re-raise.
        with _sigint_deferred(), contextlib.suppress(OSError):
            *_, manifest = write("failed")
            manifest["error"] = f"{type(err).__name__}: {err}"
            directory.write_manifest(manifest)
        raise
    finally:
        bar.close()

    with _sigint_deferred():
        try:
            runs_df, traj_df, summary, manifest = write(status)
        except OSError as err:  # a full or vanished disk: say so in the manifest if it can still be written
            with contextlib.suppress(OSError):
                directory.write_manifest(
                    {
                        **base,
                        "status": "failed",
                        "runs_completed": len(outcomes),
                        "error": f"{type(err).__name__}: {err}",
                    }
                )
            raise
        if status == "interrupted":
            manifest["figures"] = "not drawn: the run was interrupted"
            directory.write_manifest(manifest)
    if status == "interrupted":
        raise Interrupted(directory.path, len(outcomes), n)

    drawn: list[Path] = []
    try:
        if figures:
            from sim.figures.run import write_run_figures  # matplotlib only when figures are wanted

            labels = {k: a.label for k, a in scenario.actors.items() if a is not None}
            drawn = write_run_figures(directory.figures, runs_df, traj_df, scenario.name, labels)
    except KeyboardInterrupt:
        with _sigint_deferred():
            manifest["figures"] = "not all drawn: interrupted while drawing"
            manifest["files"] = _files(directory)
            directory.write_manifest(manifest)
        raise Interrupted(directory.path, len(outcomes), n) from None
    with _sigint_deferred():
        manifest["files"] = _files(directory)
        manifest["elapsed_seconds"] = round(time.monotonic() - clock, 3)
        directory.write_manifest(manifest)
    return Execution(directory, "complete", summary, runs_df, traj_df, tuple(drawn))


def _files(directory: RunDirectory) -> list[str]:
    """The files of the run directory, relative to it (the manifest itself included)."""
    names = {p.relative_to(directory.path).as_posix() for p in directory.path.rglob("*") if p.is_file()}
    names.add("manifest.json")
    return sorted(n for n in names if not n.split("/")[-1].startswith("."))
