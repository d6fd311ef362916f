"""The ``sim`` command end to end, through a subprocess as users run it: run directories, CSV, refusing
to overwrite, bad input, help, compare, Ctrl-C."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.config.scenario import load_scenario
from sim.execution.results import load_results, runs_table
from sim.execution.runs import iter_runs

ROOT = Path(__file__).resolve().parents[1]
PNG = b"\x89PNG\r\n\x1a\n"
COMMANDS = ("run", "compare", "validate", "schema", "show", "list")


def env() -> dict[str, str]:
    """The environment of the subprocess: the checkout first on the path, so it works uninstalled."""
    path = os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p)
    return {**os.environ, "PYTHONPATH": path}


def sim(*args: str | Path, cwd: Path, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)],
        cwd=cwd,
        env=env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def scenario_file(folder: Path, text: str = "name: t\ndeterrence: {horizon_years: 30}\n", name: str = "t.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def assert_png(path: Path) -> None:
    data = path.read_bytes()
    assert data[:8] == PNG, f"{path} is not a PNG"
    assert len(data) > 1024, f"{path} is suspiciously small"


def assert_clean_failure(done: subprocess.CompletedProcess[str]) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: ")


# ------------------------------------------------------------------------------------------ sim run


def test_run_writes_a_run_directory_that_loads_back_exactly(tmp_path):
    path = scenario_file(tmp_path)
    done = sim("run", path.name, "--runs", 30, "--seed", 3, "--traced-runs", 10, "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "P(deal, first session)" in done.stdout and done.stdout.rstrip().endswith("results: out")
    assert "years of peace of the first 15" in done.stdout and " years\n" in done.stdout  # years say so
    assert done.stderr == "", "no progress bar when stderr is not a terminal"
    out = tmp_path / "out"
    for name in ("runs.parquet", "trajectories.parquet", "summary.json", "manifest.json"):
        assert (out / name).is_file(), name
    for name in ("trajectories.png", "terms.png", "survival.png", "peace.png"):
        assert_png(out / "figures" / name)

    res = load_results(out)
    expected = runs_table(iter_runs(load_scenario(path), 30, 3), scenario=load_scenario(path))
    pd.testing.assert_frame_equal(res.runs, expected, check_exact=True)
    assert set(res.trajectories["run"]) <= set(range(10)) and len(res.trajectories) > 0
    assert res.summary["runs"] == 30 and set(res.summary["p_agreement"]) == {"value", "low", "high"}

    m = res.manifest
    assert m["status"] == "complete" and m["runs_completed"] == 30 and m["traced_runs"] == 10
    assert m["command"] == [
        "sim",
        "run",
        "t.yaml",
        "--runs",
        "30",
        "--seed",
        "3",
        "--traced-runs",
        "10",
        "--out",
        "out",
    ]
    assert m["scenario"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "horizon_years: 30" in m["scenario"]["resolved"]
    assert m["seeds"]["master"] == 3 and m["started"] and m["finished"]
    assert {"python", "mesa", "numpy"} <= set(m["environment"])


def test_csv_quiet_and_an_existing_run_directory_is_refused_without_force(tmp_path):
    path = scenario_file(tmp_path)
    done = sim(
        "run", path, "--runs", 8, "--seed", 4, "--format", "csv", "--no-figures", "-q", "--out", "out", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "out" and done.stderr == "", "quiet: only the folder"
    out = tmp_path / "out"
    assert (out / "runs.csv").is_file() and (out / "trajectories.csv").is_file()
    assert not (out / "runs.parquet").exists() and not (out / "figures").exists()
    res = load_results(out)
    expected = runs_table(iter_runs(load_scenario(path), 8, 4), scenario=load_scenario(path))
    pd.testing.assert_frame_equal(res.runs, expected, check_exact=True)
    before = (out / "runs.csv").read_bytes()

    again = sim("run", path, "--runs", 6, "--no-figures", "--out", "out", cwd=tmp_path)
    assert_clean_failure(again)
    assert "refusing to overwrite" in again.stderr and "--force" in again.stderr
    assert (out / "runs.csv").read_bytes() == before

    forced = sim("run", path, "--runs", 6, "--no-figures", "--out", "out", "--force", "-q", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    assert not (out / "runs.csv").exists(), "the old results are gone"
    assert len(load_results(out).runs) == 6


ALL_BREAK = (
    f"name: all-break\nextends: {ROOT / 'scenarios' / 'budapest_like.yaml'}\n"
    "deterrence: {hazard_max: 1.0, hazard_threshold: -3, horizon_years: 30}\n"
)
"""Assurances imposed, and a yearly hazard of about 1: every run's peace breaks down in its first years."""


def test_run_of_a_scenario_where_every_agreement_broke_prints_and_writes_a_proper_survival_band(tmp_path):
    """Catches P(holds 15/30 years) reported as 0.000 [0.000, 0.000] when every agreement broke: the band must
    reach the exact binomial upper bound for 0 survivors of the n runs, in the text and in summary.json."""
    path = scenario_file(tmp_path, ALL_BREAK, "all_break.yaml")
    done = sim("run", path.name, "--runs", 20, "--seed", 1, "--no-figures", "--out", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert summary["breakdown_causes"] and sum(summary["breakdown_causes"].values()) == 20, "all 20 broke"
    upper = 1 - 0.025 ** (1 / 20)
    for key in ("p_holds_15_given_agreement", "p_holds_30_given_agreement"):
        assert summary[key]["value"] == 0.0 and summary[key]["low"] == 0.0
        assert summary[key]["high"] == pytest.approx(upper)
    assert f"P(holds 15 years)           0.000 [0.000, {upper:.3f}]" in done.stdout
    assert "[0.000, 0.000]" not in done.stdout.split("peace after")[1]


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("name: t\nnegotiation:\n  max_rounds: -3\n", "bad.yaml:3"),
        ("name: t\nwar:\n  drift: 0.1\n volatility: 0.2\n", "bad.yaml:4"),
        ("name: t\nwar:\n  drift: 0.1\n  driftt: 0.2\n", "bad.yaml:4"),
    ],
    ids=["out-of-range", "yaml-syntax", "unknown-key"],
)
def test_a_bad_scenario_file_is_a_clear_message_with_file_and_line(tmp_path, text, where):
    path = scenario_file(tmp_path, text, "bad.yaml")
    done = sim("run", path.name, "--runs", 3, "--out", "out", cwd=tmp_path)
    assert_clean_failure(done)
    assert where in done.stderr
    assert not (tmp_path / "out").exists(), "nothing is written for bad input"


def test_bad_options_are_clear_messages(tmp_path):
    path = scenario_file(tmp_path)
    for args in (("--runs", 0), ("--set", "nonsense"), ("--set", "deterrence.horizon_years=-1")):
        done = sim("run", path, *args, cwd=tmp_path)
        assert_clean_failure(done)
    missing = sim("run", "missing.yaml", cwd=tmp_path)
    assert_clean_failure(missing)
    assert "missing.yaml" in missing.stderr


def test_validate_reports_good_and_bad_files(tmp_path):
    good, bad = scenario_file(tmp_path), scenario_file(tmp_path, "name: t\nruns: -1\n", "bad.yaml")
    assert sim("validate", good, cwd=tmp_path).returncode == 0
    done = sim("validate", good, bad, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "error: " in done.stderr and "bad.yaml:2" in done.stderr


def test_validate_checks_the_shipped_sweep_files_as_sweeps():
    """Catches `sim validate` reading a sweep file as a scenario and rejecting `base`, `design`, `factors`."""
    sweeps = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))
    done = sim("validate", *sweeps, ROOT / "scenarios" / "baseline.yaml", cwd=ROOT)
    assert done.returncode == 0, done.stderr
    for path in sweeps:
        assert f"ok       {path}  (sweep " in done.stdout
    assert "(baseline, mode negotiate)" in done.stdout


SWEEP = (
    "name: s\ndescription: a sweep\nbase: {base}\ndesign: grid\nfactors:\n  {factor}: {{values: [0, 5000]}}\n{extra}"
)


@pytest.mark.parametrize(
    ("base", "factor", "extra", "message"),
    [
        (
            "good.yaml",
            "package.foreign_troops",
            "replications: 0\nseed: 1\n",
            "bad_sweep.yaml:7: replications: Input should be greater",
        ),
        ("missing.yaml", "package.foreign_troops", "replications: 1\nseed: 1\n", "base scenario not found"),
        ("bad.yaml", "package.foreign_troops", "replications: 1\nseed: 1\n", "bad.yaml:2"),
        ("good.yaml", "package.foreign_trops", "replications: 1\nseed: 1\n", "design point 0"),
    ],
    ids=["bad-sweep-key", "missing-base", "invalid-base", "bad-factor"],
)
def test_validate_rejects_a_broken_sweep_file_with_a_clear_message(tmp_path, base, factor, extra, message):
    """Catches a broken sweep (its own keys, its base scenario or a design point) passing, or failing with
    a traceback, in `sim validate`: exit 2 with file and line or the design point named."""
    scenario_file(tmp_path, name="good.yaml")
    scenario_file(tmp_path, "name: t\nruns: -1\n", "bad.yaml")
    path = scenario_file(tmp_path, SWEEP.format(base=base, factor=factor, extra=extra), "bad_sweep.yaml")
    done = sim("validate", path.name, cwd=tmp_path)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "invalid  bad_sweep.yaml" in done.stderr and "error: " in done.stderr
    assert message in done.stderr, done.stderr


def test_the_readme_says_to_activate_the_environment_before_the_commands_of_using_it():
    """Catches the README's "Using it" commands failing with `command not found`: `sim` is only on the path
    with the virtual environment active, so the README must say so (or write .venv/bin/sim); the two setup
    commands at the top stay exactly as CI runs them."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("\n## Using it\n", 1)[1].split("\n## ", 1)[0]
    intro, code = section.split("```", 2)[:2]
    commands = [line for line in code.splitlines() if line.strip() and not line.startswith(" ")]
    assert commands and commands[0].startswith("sim run")
    assert ". .venv/bin/activate" in intro or all(c.startswith(".venv/bin/") for c in commands)
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    assert f"```\n{ci}\n```" in text, "the README's test command is the one CI runs, verbatim"
    setup = "python3 -m venv .venv && .venv/bin/pip install -e . && .venv/bin/sim run scenarios/baseline.yaml"
    assert f"```\n{setup}\n```" in text


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_every_command_has_help_with_an_example(tmp_path, command):
    done = sim(*([command] if command else []), "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "example" in done.stdout


# ------------------------------------------------------------------------------------------ sim compare


def test_compare_prints_a_side_by_side_table_and_writes_its_files(tmp_path):
    short = scenario_file(tmp_path, "name: short\npackage: {duration_years: 15}\n", "short.yaml")
    long_ = scenario_file(tmp_path, "name: long\npackage: {duration_years: 50}\n", "long.yaml")
    done = sim("compare", short.name, long_.name, "--runs", 20, "--seed", 2, "--out", "cmp", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    header = done.stdout.splitlines()[0]
    assert "short" in header and "long" in header and "P(deal, first session)" in done.stdout
    assert "welfare of Russia" in done.stdout and "utility" in done.stdout
    out = tmp_path / "cmp"
    table = pd.read_csv(out / "comparison.csv")
    assert set(table["scenario"]) == {"short", "long"}
    assert {"p_agreement", "p_holds_15_given_agreement", "median_peace_years"} <= set(table["figure"])
    assert {"p_deal_15", "peace_years_15", "welfare.ukraine", "territory_30"} <= set(table["figure"])
    assert {"value", "low", "high"} <= set(table.columns)
    data = json.loads((out / "comparison.json").read_text())
    assert [s["label"] for s in data["scenarios"]] == ["short", "long"]
    assert_png(out / "figures" / "survival_compare.png")
    assert json.loads((out / "manifest.json").read_text())["status"] == "complete"
    for label in ("short", "long"):
        assert len(load_results(out / label).runs) == 20


def test_compare_and_run_say_imposed_for_an_evaluated_package_instead_of_an_agreement_in_talks(tmp_path):
    """Catches `sim run` and `sim compare` of a mode-evaluate scenario printing P(deal, first session) 1.000
    and "agreed terms" for a package nobody negotiated; the negotiated scenario keeps its figure."""
    imposed, negotiated = ROOT / "scenarios" / "budapest_like.yaml", ROOT / "scenarios" / "baseline.yaml"
    done = sim("compare", imposed, negotiated, "--runs", 10, "--seed", 2, "--out", "cmp", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if line.startswith("P(deal, first session)"))
    cells = row.removeprefix("P(deal, first session)").split("  ")
    cells = [c.strip() for c in cells if c.strip()]
    assert cells[0] == "n/a (imposed)" and cells[1][0].isdigit(), row
    table = json.loads((tmp_path / "cmp" / "comparison.json").read_text())["table"]
    assert "n/a (imposed)" in table
    run = json.loads((tmp_path / "cmp" / "budapest-like" / "summary.json").read_text())
    assert run["imposed"] is True and run["p_agreement"]["value"] is None
    assert run["p_deal_15"]["value"] == 1.0  # imposed at the start: a deal within 15 years in every run

    single = sim("run", imposed, "--runs", 10, "--no-figures", "--out", "one", cwd=tmp_path)
    assert single.returncode == 0, single.stderr
    line = next(ln for ln in single.stdout.splitlines() if ln.startswith("P(deal, first session)"))
    assert line.removeprefix("P(deal, first session)").strip() == "n/a (imposed)"
    assert "imposed terms" in single.stdout and "agreed terms" not in single.stdout


def test_compare_of_scenarios_with_different_guarantors_shows_each_its_own(tmp_path):
    """Catches `sim compare` failing (a KeyError on honoured.coalition) when one scenario has other guarantors:
    each guarantor's honouring is shown where the scenario has that guarantor, n/a elsewhere."""
    istanbul = ROOT / "scenarios" / "istanbul_formula.yaml"
    done = sim("compare", ROOT / "scenarios" / "baseline.yaml", istanbul, "--runs", 4, "--out", "cmp", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    table = pd.read_csv(tmp_path / "cmp" / "comparison.csv")
    honoured = set(table.loc[table["figure"].str.startswith("p_honoured_when_attacked."), "figure"])
    assert {"p_honoured_when_attacked.coalition", "p_honoured_when_attacked.united_states"} <= honoured
    assert len(honoured) > 2, "the Istanbul formula's own guarantors are compared too"
    coalition = table[(table["figure"] == "p_honoured_when_attacked.coalition") & (table["scenario"] != "baseline")]
    assert coalition["value"].isna().all()


def test_compare_checks_every_file_before_running_any(tmp_path):
    good = scenario_file(tmp_path)
    bad = scenario_file(tmp_path, "name: t\nnegotiation: {max_rounds: 0}\n", "bad.yaml")
    done = sim("compare", good, bad, "--runs", 3, "--out", "cmp", cwd=tmp_path)
    assert_clean_failure(done)
    assert "bad.yaml:2" in done.stderr and not (tmp_path / "cmp").exists()


# ------------------------------------------------------------------------------------------ Ctrl-C


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT to a child process is POSIX")
def test_ctrl_c_keeps_the_finished_runs_and_exits_130(tmp_path):
    path = scenario_file(tmp_path)
    args = ["run", path.name, "--runs", "100000", "--out", "big", "--checkpoint", "0.2", "--traced-runs", "3"]
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", *args],
        cwd=tmp_path,
        env=env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    manifest = tmp_path / "big" / "manifest.json"
    deadline = time.monotonic() + 60
    try:
        while time.monotonic() < deadline:  # wait until finished runs are on disk
            if manifest.is_file() and json.loads(manifest.read_text())["runs_completed"] > 0:
                break
            assert proc.poll() is None, proc.communicate()
            time.sleep(0.05)
        else:
            pytest.fail("no progress within 60 s")
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "Traceback" not in err and "interrupted" in err
    res = load_results(tmp_path / "big")
    assert res.manifest["status"] == "interrupted"
    assert 0 < len(res.runs) < 100_000 and len(res.runs) == res.manifest["runs_completed"]
    assert res.runs["run"].tolist() == list(range(len(res.runs)))
    assert f"{len(res.runs)} of 100000 runs" in err


# ------------------------------------------------------------------------------------------ internal errors


def test_an_internal_error_is_a_short_message_and_a_traceback_file(tmp_path, monkeypatch, capsys):
    import sim.execution.rundir
    from sim.cli import main

    def broken(*args, **kwargs):
        raise RuntimeError("something deep broke")

    monkeypatch.setattr(sim.execution.rundir, "execute", broken)
    code = main(["run", str(scenario_file(tmp_path)), "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    assert code == 1
    assert "internal error: RuntimeError: something deep broke" in err and "Traceback" not in err
    trace = Path(err.split("full traceback: ")[1].strip())
    assert "Traceback" in trace.read_text()
    trace.unlink()
