"""The results store: typed tables, run directories, atomic writes, interrupts, and loading results back."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
import pytest

import sim.execution.rundir
from sim.config.errors import InputError
from sim.config.scenario import load_scenario
from sim.dealspace import BY_NAME, ISSUE_NAMES
from sim.execution.results import (
    RunDirectory,
    default_run_dir,
    load_results,
    runs_table,
    trajectories_table,
    write_atomic,
)
from sim.execution.rundir import Interrupted, execute
from sim.execution.runs import iter_runs, run_once, run_seed

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "t.yaml"
    path.write_text("name: t\ndeterrence: {horizon_years: 30}\n", encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def outcomes(scenario):
    """30 runs, the first 10 traced (exactly the runs a run directory holds)."""
    return [run_once(scenario, run_seed(5, j), trace=j < 10) for j in range(30)]


def assert_png(path: Path) -> None:
    data = Path(path).read_bytes()
    assert data[:8] == PNG, f"{path} is not a PNG"
    assert len(data) > 1024, f"{path} is suspiciously small"


# ------------------------------------------------------------------------------------------ tables


def test_runs_table_has_one_typed_row_per_run(scenario, outcomes):
    table = runs_table(outcomes, scenario=scenario)
    assert len(table) == 30
    assert table["run"].tolist() == list(range(30))
    assert table["seed"].tolist() == [o.seed for o in outcomes]
    assert (table["scenario"] == "t").all()
    dtypes = table.dtypes
    assert dtypes["agreement"] == "bool" and dtypes["rounds"] == "int64" and dtypes["seed"] == "int64"
    assert dtypes["breakdown_year"] == "Int64" and dtypes["honoured.coalition"] == "boolean"
    assert dtypes["deal.foreign_troops"] == "float64" and dtypes["utility.russia"] == "float64"
    territory = dtypes["deal.territory"]
    assert isinstance(territory, pd.CategoricalDtype) and territory.ordered
    assert list(territory.categories) == list(BY_NAME["territory"].levels)
    assert isinstance(dtypes["end"], pd.CategoricalDtype) and isinstance(dtypes["cause"], pd.CategoricalDtype)
    assert table["agreement"].any() and not table["agreement"].all(), "the fixture should hold both kinds of run"
    for o, (_, row) in zip(outcomes, table.iterrows(), strict=True):
        assert row["agreement"] == o.agreement and row["end"] == o.end and row["rounds"] == o.rounds
        if o.agreement:
            assert {n: row[f"deal.{n}"] for n in ISSUE_NAMES} == o.deal
            assert row["peace_years"] == o.peace_years and row["utility.ukraine"] == o.utilities["ukraine"]
        else:
            assert all(pd.isna(row[f"deal.{n}"]) for n in ISSUE_NAMES)
            assert pd.isna(row["peace_years"]) and pd.isna(row["utility.russia"]) and pd.isna(row["breakdown_year"])


def test_runs_table_ends_with_the_resolved_inputs(scenario, outcomes):
    table = runs_table(outcomes, scenario=scenario)
    assert (table["input.deterrence.horizon_years"] == 30).all()
    assert table["input.deterrence.horizon_years"].dtype == "int64"
    assert all(json.loads(v) == list(BY_NAME["territory"].levels) for v in table["input.package.territory.options"])
    red_lines = json.loads(table["input.actors.ukraine.red_lines"].iloc[0])
    assert red_lines[0]["issue"] == scenario.actors["ukraine"].red_lines[0].issue
    first_input = next(i for i, c in enumerate(table.columns) if c.startswith("input."))
    assert all(c.startswith("input.") for c in table.columns[first_input:])


def test_an_empty_runs_table_keeps_its_columns_and_types(scenario):
    empty, full = runs_table([], scenario=scenario), runs_table([], scenario=None)
    assert len(empty) == 0 and "deal.territory" in empty and "input.seed" in empty
    assert isinstance(full["end"].dtype, pd.CategoricalDtype)


def test_trajectories_are_long_per_round_and_year_and_actor(outcomes):
    table = trajectories_table(outcomes)
    traced = outcomes[:10]
    assert set(table["run"]) == {j for j, o in enumerate(traced) if o.rounds_trace or o.years_trace}
    talks, peace = table[table["phase"] == "talks"], table[table["phase"] == "peace"]
    assert len(talks) == 3 * sum(len(o.rounds_trace) for o in traced)
    assert len(peace) == 3 * sum(len(o.years_trace) for o in traced)
    assert set(talks["actor"]) == {"ukraine", "russia", "united_states"}
    assert set(peace["actor"]) <= {"russia", "united_states", "coalition"}
    j = next(j for j, o in enumerate(traced) if o.years_trace and o.rounds_trace)
    o = traced[j]
    r = next(r for r in o.rounds_trace if r.offer is not None)
    rows = talks[(talks["run"] == j) & (talks["step"] == r.round)].set_index("actor")
    row = rows.loc["russia"]
    assert row["utility"] == r.utility["russia"] and row["value"] == r.value["russia"]
    assert row["no_deal"] == r.no_deal["russia"] and row["accepted"] == r.accepted["russia"]
    assert row["offer.territory"] == r.offer["territory"] and row["session"] == r.session
    assert row["chance"] == r.chance and row["expected_edge"] == r.expected_edge
    assert row["balance"] == r.balance and row["support"] == r.support
    assert rows.loc["ukraine", "value"] == r.value["ukraine"] and pd.isna(rows.loc["ukraine", "chance"])
    y = o.years_trace[0]
    year = peace[(peace["run"] == j) & (peace["step"] == y.year)].set_index("actor")
    assert year.loc["coalition", "credibility"] == y.guarantors["coalition"].credibility
    assert year.loc["united_states", "credibility"] == y.guarantors["united_states"].credibility
    assert year.loc["russia", "hazard"] == y.hazard and year.loc["russia", "incentive"] == y.incentive
    assert year.loc["russia", "gain"] == y.gain and year.loc["russia", "guarantee"] == y.guarantee
    assert year.loc["russia", "balance"] == y.balance and bool(year.loc["russia", "attacked"]) == y.attacked
    assert year.loc["coalition", "cohesion"] == y.guarantors["coalition"].cohesion
    assert table["accepted"].dtype == "boolean" and table["step"].dtype == "int64"


# ------------------------------------------------------------------------------------------ run directories


@pytest.mark.parametrize("fmt", ["parquet", "csv"])
def test_load_results_round_trips_exactly(tmp_path, scenario, fmt):
    directory = RunDirectory.create(tmp_path / "run", fmt=fmt)
    done = execute(scenario, directory, runs=25, seed=5, traced_runs=8, figures=False, source=None)
    res = load_results(tmp_path / "run")
    pd.testing.assert_frame_equal(res.runs, done.runs, check_exact=True)
    pd.testing.assert_frame_equal(res.trajectories, done.trajectories, check_exact=True)
    assert (tmp_path / "run" / f"runs.{fmt}").is_file()
    # the run directory holds exactly the runs of sim.execution.runs.iter_runs
    pd.testing.assert_frame_equal(res.runs, runs_table(iter_runs(scenario, 25, 5), scenario=scenario), check_exact=True)
    assert res.summary["runs"] == 25 and res.summary["p_agreement"] == done.summary.as_dict()["p_agreement"]
    assert res.summary["status"] == "complete" and len(res.summary["peace_survival"]["time"]) > 0
    m = res.manifest
    assert m["status"] == "complete" and m["runs_completed"] == 25 and m["traced_runs"] == 8
    assert m["seeds"]["master"] == 5 and m["format"] == fmt
    assert m["scenario"]["name"] == "t" and m["scenario"]["resolved_sha256"]
    assert m["environment"]["python"] and m["environment"]["mesa"] and m["started"] <= m["finished"]
    assert all((tmp_path / "run" / f).is_file() for f in m["files"])
    assert not [p for p in (tmp_path / "run").iterdir() if p.name.startswith(".")], "temporary files left behind"


def test_ctrl_c_writes_the_finished_runs_and_says_so(tmp_path, scenario, monkeypatch):
    calls = []

    def flaky(*args, **kwargs):
        calls.append(1)
        if len(calls) == 8:
            raise KeyboardInterrupt
        return run_once(*args, **kwargs)

    monkeypatch.setattr(sim.execution.rundir, "run_once", flaky)
    with pytest.raises(Interrupted) as caught:
        execute(scenario, RunDirectory.create(tmp_path / "run"), runs=20, seed=2, traced_runs=3)
    assert isinstance(caught.value, KeyboardInterrupt)
    assert (caught.value.completed, caught.value.requested) == (7, 20)
    res = load_results(tmp_path / "run")
    assert len(res.runs) == 7 and res.runs["run"].tolist() == list(range(7))
    assert res.manifest["status"] == "interrupted" and res.manifest["runs_completed"] == 7
    assert res.summary["runs"] == 7 and res.manifest["traced_runs"] == 3


def test_an_internal_error_keeps_the_finished_runs(tmp_path, scenario, monkeypatch):
    calls = []

    def broken(*args, **kwargs):
        calls.append(1)
        if len(calls) == 5:
            raise RuntimeError("boom")
        return run_once(*args, **kwargs)

    monkeypatch.setattr(sim.execution.rundir, "run_once", broken)
    with pytest.raises(RuntimeError, match="boom"):
        execute(scenario, RunDirectory.create(tmp_path / "run"), runs=10, seed=2, figures=False)
    res = load_results(tmp_path / "run")
    assert len(res.runs) == 4
    assert res.manifest["status"] == "failed" and "boom" in res.manifest["error"]


def test_finished_runs_are_checkpointed_while_running(tmp_path, scenario, monkeypatch):
    seen = []

    def watching(*args, **kwargs):
        seen.append(json.loads((tmp_path / "run" / "manifest.json").read_text())["runs_completed"])
        return run_once(*args, **kwargs)

    monkeypatch.setattr(sim.execution.rundir, "run_once", watching)
    execute(scenario, RunDirectory.create(tmp_path / "run"), runs=6, seed=2, figures=False, checkpoint_seconds=1e-9)
    assert seen[0] == 0 and seen[-1] > 0, "finished runs should be on disk before the run ends"
    assert seen == sorted(seen)


def test_an_existing_run_directory_is_never_overwritten_without_force(tmp_path):
    folder = tmp_path / "run"
    folder.mkdir()
    RunDirectory.create(folder)  # an empty folder is fine
    (folder / "runs.parquet").write_bytes(b"old")
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="refusing to overwrite") as caught:
        RunDirectory.create(folder)
    assert "--force" in str(caught.value)
    assert (folder / "runs.parquet").read_bytes() == b"old"
    RunDirectory.create(folder, force=True)
    assert not (folder / "runs.parquet").exists(), "force removes the old results"
    assert (folder / "notes.txt").read_text() == "mine", "force removes nothing else"
    with pytest.raises(InputError, match="is a file"):
        RunDirectory.create(folder / "notes.txt")
    with pytest.raises(InputError, match="format"):
        RunDirectory.create(tmp_path / "other", fmt="xlsx")  # type: ignore[arg-type]


def test_default_run_dirs_are_stamped_and_never_collide(tmp_path):
    now = datetime(2026, 1, 15, 9, 30, 0, tzinfo=UTC)
    first = default_run_dir(tmp_path, "baseline", now)
    assert first == tmp_path / "baseline-20260115T093000Z"
    first.mkdir()
    assert default_run_dir(tmp_path, "baseline", now) == tmp_path / "baseline-20260115T093000Z-2"


def test_write_atomic_replaces_whole_files_only(tmp_path):
    target = tmp_path / "f.txt"
    write_atomic(target, "one")
    write_atomic(target, b"two")
    assert target.read_text() == "two"
    write_atomic(target, lambda p: p.write_text("three"))
    assert target.read_text() == "three"

    def failing(p: Path) -> None:
        p.write_text("half")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomic(target, failing)
    assert target.read_text() == "three"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"], "no temporary file is left behind"
    mask = os.umask(0o022)
    os.umask(mask)
    assert (write_atomic(tmp_path / "new.txt", "x").stat().st_mode & 0o777) == 0o666 & ~mask


def test_load_results_of_something_else_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="no such run directory"):
        load_results(tmp_path / "missing")
    with pytest.raises(InputError, match="table missing"):
        load_results(tmp_path)


# ------------------------------------------------------------------------------------------ figures


def test_figures_are_non_empty_images(tmp_path, scenario, outcomes):
    from sim.figures.run import compare_survival_figure, save_figure, write_run_figures

    runs, trajectories = runs_table(outcomes, scenario=scenario), trajectories_table(outcomes)
    paths = write_run_figures(tmp_path, runs, trajectories, "t")
    assert [p.name for p in paths] == ["trajectories.png", "terms.png", "survival.png", "peace.png"]
    paths.append(save_figure(compare_survival_figure({"a": runs, "b": runs.iloc[:10]}), tmp_path / "cmp.png"))
    # without any agreement or trace the figures say so instead of failing
    paths += write_run_figures(tmp_path / "empty", runs.iloc[:0], trajectories.iloc[:0], "empty")
    for p in paths:
        assert_png(p)
