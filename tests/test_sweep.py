"""Sweeps (issue 4): sweep files, designs, deterministic seeding across backends and chunking,
resumption after a crash, aggregates, and Sobol indices."""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from sim.analysis.sensitivity import sobol_indices
from sim.analysis.summary import summarise
from sim.config.errors import InputError
from sim.config.sweep import load_sweep
from sim.execution.runs import run_once, run_seed
from sim.execution.sweep import backends as sweep_execute
from sim.execution.sweep.design import make_design
from sim.execution.sweep.runner import point_scenarios, run_sweep

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline.yaml"
SHIPPED = sorted((ROOT / "scenarios" / "sweeps").glob("*.yaml"))


def sweep_file(tmp_path: Path, body: str, name: str = "sweep.yaml") -> Path:
    path = tmp_path / name
    path.write_text(f"name: t\ndescription: a test sweep\nbase: {BASE}\n" + body, encoding="utf-8")
    return path


SMALL = """design: grid
factors:
  package.foreign_troops: {values: [0, 20000]}
  package.duration_years: {values: [15, 50]}
set:
  negotiation.max_rounds: 8
replications: 12
seed: 5
chunk_size: 7
"""


def env() -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: p.name)
def test_shipped_sweeps_validate_and_build_their_designs(path):
    loaded = load_sweep(path)
    design = make_design(loaded.spec)
    scenarios = point_scenarios(loaded, design)
    assert len(scenarios) == len(design) > 1


def test_the_required_sweeps_are_shipped():
    assert {"strength_x_troops.yaml", "duration.yaml", "sensitivity.yaml"} <= {p.name for p in SHIPPED}


def test_designs_have_the_expected_points(tmp_path):
    grid = make_design(load_sweep(sweep_file(tmp_path, SMALL)).spec)
    assert [tuple(p.values()) for p in grid.points] == [(0, 15), (0, 50), (20000, 15), (20000, 50)]
    lhs = make_design(
        load_sweep(
            sweep_file(
                tmp_path,
                "design: lhs\nfactors:\n  war.drift: {min: -0.1, max: 0.1}\n"
                "  deterrence.hazard_max: {min: 0.1, max: 0.5}\nsamples: 10\n"
                "replications: 1\nseed: 1\n",
            )
        ).spec
    )
    strata = np.floor(lhs.unit * 10).astype(int)
    assert all(sorted(strata[:, k]) == list(range(10)) for k in range(2)), "one point per stratum per factor"
    sobol = make_design(
        load_sweep(
            sweep_file(
                tmp_path,
                "design: sobol\nfactors:\n  war.drift: {min: -0.1, max: 0.1}\n"
                "  package.territory: {values: [dmz, freeze]}\nsamples: 8\n"
                "replications: 1\nseed: 1\n",
            )
        ).spec
    )
    assert len(sobol) == 8 * (2 + 2)
    assert {p["package.territory"] for p in sobol.points} == {"dmz", "freeze"}


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("design: grid\nfactors:\n  war.drift: {min: 0, max: 1}\nreplications: 1\nseed: 1\n", "needs listed values"),
        (
            "design: sobol\nfactors:\n  war.drift: {min: 0, max: 1}\nsamples: 10\nreplications: 1\nseed: 1\n",
            "power of two",
        ),
        ("design: lhs\nfactors:\n  war.drift: {min: 0, max: 1}\nreplications: 1\nseed: 1\n", "needs `samples`"),
        (
            "design: grid\nfactors:\n  war.drift: {values: [0]}\nreplications: 1\nseed: 1\nchunksize: 3\n",
            "did you mean 'chunk_size'",
        ),
    ],
)
def test_bad_sweep_files_are_errors_with_the_line(tmp_path, body, message):
    with pytest.raises(InputError, match=message):
        load_sweep(sweep_file(tmp_path, body))


def test_a_factor_that_is_not_a_scenario_key_is_an_error_naming_the_point(tmp_path):
    path = sweep_file(tmp_path, "design: grid\nfactors:\n  war.drfit: {values: [0.0]}\nreplications: 1\nseed: 1\n")
    loaded = load_sweep(path)
    with pytest.raises(InputError, match=r"design point 0.*war.drfit|war.drfit[\s\S]*did you mean 'drift'"):
        point_scenarios(loaded, make_design(loaded.spec))


@pytest.fixture(scope="module")
def serial_results(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("serial")
    store = run_sweep(sweep_file(tmp, SMALL), tmp / "out", backend="serial", progress=False)
    return store


def test_a_run_depends_only_on_the_master_seed_and_its_point_and_replicate(serial_results, tmp_path):
    loaded = load_sweep(sweep_file(tmp_path, SMALL))
    scenarios = point_scenarios(loaded, make_design(loaded.spec))
    table = serial_results.results().to_pylist()
    for row in table[::5]:
        again = run_once(scenarios[row["point"]], run_seed(5, row["point"], row["replicate"]))
        assert row["seed"] == again.seed and row["agreement"] == again.agreement
        assert row["peace_years"] == again.peace_years or (row["peace_years"] is None and again.peace_years is None)


def test_common_seeding_gives_every_point_the_same_seeds_and_is_identical_on_every_backend(tmp_path):
    """Catches: common random numbers that are not common (a point's replicate drawing its own seed), a seeding
    that the backend or the chunking changes, and a sweep folder resumed under another seeding. With ``seeding:
    common`` replicate j of every point has the seed ``run_seed(master, j)``: two points that differ only in a
    factor that does nothing then give identical runs, where independent seeds give different ones."""
    body = SMALL.replace("package.foreign_troops: {values: [0, 20000]}", "war.initial_territory: {values: [0.19, 0.2]}")
    body = body.replace("  package.duration_years: {values: [15, 50]}\n", "")
    common = sweep_file(tmp_path, body + "seeding: common\n", "common.yaml")
    serial = run_sweep(common, tmp_path / "serial", backend="serial", progress=False).results().to_pylist()
    by = {(r["point"], r["replicate"]): r for r in serial}
    for j in range(12):
        a, b = by[(0, j)], by[(1, j)]
        assert a["seed"] == b["seed"] == run_seed(5, j)
        assert (a["agreement"], a["deal_month"], a["breakdown_year"]) == (
            b["agreement"],
            b["deal_month"],
            b["breakdown_year"],
        )
    independent = run_sweep(
        sweep_file(tmp_path, body, "independent.yaml"), tmp_path / "ind", backend="serial", progress=False
    )
    seeds = {(r["point"], r["replicate"]): r["seed"] for r in independent.results().to_pylist()}
    assert seeds[(0, 0)] != seeds[(1, 0)]
    rechunked = sweep_file(tmp_path, body.replace("chunk_size: 7", "chunk_size: 3") + "seeding: common\n", "re.yaml")
    procs = run_sweep(rechunked, tmp_path / "procs", backend="processes", workers=2, progress=False)
    assert procs.results().to_pylist() == serial
    manifest = json.loads((tmp_path / "serial" / "manifest.json").read_text(encoding="utf-8"))
    assert (
        manifest["identity"]["components"]["seeding"] == "common" and "run_seed(master_seed, j)" in manifest["seeding"]
    )


SMALL_SOBOL = """set:
  mode: evaluate
  package.foreign_troops: 0
  package.ukraine_army: 800000
  package.territory: freeze
  package.neutrality: nato_open
  package.eu_membership: closed
  package.sanctions_relief: 0.0
  package.guarantee_strength: none
  package.us_role: none
  package.duration_years: 15
samples: 4
replications: 3
seed: 2
seeding: common
"""
"""The rest of a small sobol sweep file: every issue fixed, signed as given, four base samples of three runs."""


def test_a_dummy_factor_is_sampled_but_applied_to_nothing_and_its_indices_are_the_noise_floor(tmp_path):
    """Catches: a dummy factor that reaches the scenario (it would move the outcomes it is meant to measure the
    noise of), or one left out of the design (it would get no index). Under common seeding, points that differ only
    in the dummy give identical runs, so any Sobol index it gets is the estimator's own error."""
    body = (
        """design: sobol
factors:
  war.initial_territory: {min: 0.15, max: 0.25}
  dummy.noise_floor: {min: 0, max: 1, dummy: true}
"""
        + SMALL_SOBOL
    )
    loaded = load_sweep(sweep_file(tmp_path, body))
    design = make_design(loaded.spec)
    assert design.factors == ("war.initial_territory", "dummy.noise_floor")
    assert len({p["dummy.noise_floor"] for p in design.points}) > 1  # sampled
    scenarios = point_scenarios(loaded, design)
    by_value: dict[float, object] = {}
    for i, point in enumerate(design.points):
        assert scenarios[i].war.initial_territory == pytest.approx(point["war.initial_territory"])
        by_value.setdefault(point["war.initial_territory"], scenarios[i])
        assert scenarios[i] == by_value[point["war.initial_territory"]]  # the dummy changes nothing


def test_a_sweep_that_extends_another_keeps_a_folder_that_can_be_analysed_on_its_own(tmp_path):
    """Catches: a sweep folder that keeps only ``extends: other.yaml`` (the folder's Sobol analysis then fails, or
    reads another design): the folder keeps the merged document."""
    from sim.config.sweep import sweep_spec_from_text
    from sim.execution.sweep.sensitivity import sweep_indices

    body = (
        """design: sobol
factors:
  war.initial_territory: {min: 0.15, max: 0.25}
  deterrence.hazard_threshold: {min: 0.1, max: 0.2}
"""
        + SMALL_SOBOL
    )
    parent = sweep_file(tmp_path, body, "parent.yaml")
    twin = tmp_path / "twin.yaml"
    twin.write_text(
        f"extends: {parent.name}\nname: twin\nset:\n  mode: evaluate\n  package.foreign_troops: 0\n"
        "  package.ukraine_army: 500000\n  package.territory: freeze\n  package.neutrality: nato_open\n"
        "  package.eu_membership: closed\n  package.sanctions_relief: 0.0\n  package.guarantee_strength: none\n"
        "  package.us_role: none\n  package.duration_years: 15\n",
        encoding="utf-8",
    )
    store = run_sweep(twin, tmp_path / "out", backend="serial", progress=False)
    kept = sweep_spec_from_text((store.root / "sweep.yaml").read_text(encoding="utf-8"))
    assert list(kept.factors) == ["war.initial_territory", "deterrence.hazard_threshold"]
    assert kept.set["package.ukraine_army"] == 500000 and kept.name == "twin"
    assert sweep_indices(store).num_rows > 0


@pytest.mark.parametrize(
    ("factor", "extra", "message"),
    [
        ("{values: [0, 1], dummy: true}", "", "a dummy factor is a range"),
        ("{min: 0, max: 1, dummy: true}", "only", "every factor is a dummy"),
    ],
)
def test_a_dummy_factor_must_be_a_range_beside_real_factors(tmp_path, factor, extra, message):
    real = "" if extra == "only" else "  war.initial_territory: {min: 0.15, max: 0.25}\n"
    body = f"design: sobol\nfactors:\n{real}  dummy.x: {factor}\nsamples: 4\nreplications: 2\nseed: 1\n"
    with pytest.raises(InputError, match=message):
        load_sweep(sweep_file(tmp_path, body))


@pytest.mark.parametrize("method", ["fork", "forkserver"])
def test_results_are_identical_whatever_the_backend_workers_chunking_or_start_method(
    serial_results, tmp_path, monkeypatch, method
):
    if method not in multiprocessing.get_all_start_methods():
        pytest.skip(f"no {method} on this platform")
    monkeypatch.setattr(sweep_execute, "start_method", lambda: method)
    rechunked = sweep_file(tmp_path, SMALL.replace("chunk_size: 7", "chunk_size: 3"), "rechunked.yaml")
    procs = run_sweep(rechunked, tmp_path / "procs", backend="processes", workers=2, progress=False)
    assert procs.results().equals(serial_results.results())


@pytest.mark.skipif(sys.platform != "linux", reason="fork is chosen only on Linux")
def test_the_pool_forks_only_while_this_is_the_sole_python_thread():
    assert threading.active_count() > 1 or sweep_execute.start_method() == "fork"
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert sweep_execute.start_method() == "forkserver"
    finally:
        release.set()
        other.join()


def test_the_dask_backend_on_a_local_cluster_gives_the_serial_results(serial_results, tmp_path):
    pytest.importorskip("dask.distributed")
    store = run_sweep(sweep_file(tmp_path, SMALL), tmp_path / "dask", backend="dask", workers=2, progress=False)
    assert store.results().equals(serial_results.results())


def test_a_sweep_folder_holds_design_results_aggregate_manifest_and_heatmaps(serial_results):
    root = serial_results.root
    manifest = json.loads((root / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["runs_completed"] == 48
    assert pq.read_table(root / "design.parquet").num_rows == 4
    assert serial_results.results().num_rows == 48
    for name in ("p_agreement", "p_deal_then_war_15", "p_holds_15", "p_durable_15"):
        png = root / "figures" / f"heatmap_{name}.png"
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and png.stat().st_size > 1000


def test_the_aggregate_of_a_point_equals_the_summary_of_its_runs(serial_results, tmp_path):
    loaded = load_sweep(sweep_file(tmp_path, SMALL))
    scenarios = point_scenarios(loaded, make_design(loaded.spec))
    agg = pq.read_table(serial_results.root / "aggregate.parquet").to_pylist()
    for point in (0, 3):
        outcomes = [run_once(scenarios[point], run_seed(5, point, j)) for j in range(12)]
        s = summarise(outcomes)
        assert agg[point]["runs"] == 12 and agg[point]["agreements"] == sum(o.agreement for o in outcomes)
        assert agg[point]["p_agreement"] == pytest.approx(s.agreement.value)
        assert agg[point]["p_durable_15"] == pytest.approx(s.durable_15.value)
        assert agg[point]["p_deal_15"] == pytest.approx(s.deal_15.value)
        for name in ("peace_years_15", "welfare.russia"):  # averages, with their normal intervals
            est = s.figures[name]
            assert (agg[point][name], agg[point][f"{name}_low"], agg[point][f"{name}_high"]) == pytest.approx(
                (est.value, est.low, est.high), nan_ok=True
            )


def test_an_existing_sweep_folder_is_not_overwritten_without_force(serial_results, tmp_path):
    with pytest.raises(InputError, match="exists"):
        run_sweep(sweep_file(tmp_path, SMALL), serial_results.root, backend="serial", progress=False)


def _wait_for_parts(folder: Path, n: int, proc: subprocess.Popen, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(list((folder / "parts").glob("part-*.parquet"))) >= n:
            return
        assert proc.poll() is None, "the sweep ended before it could be interrupted"
        time.sleep(0.05)
    raise AssertionError("no progress")


LONG = SMALL.replace("replications: 12", "replications: 60").replace("chunk_size: 7", "chunk_size: 4")


def test_resume_after_kill_9_finishes_without_redoing_or_duplicating_runs(tmp_path):
    path = sweep_file(tmp_path, LONG)
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sim", "sweep", str(path), "--backend", "serial", "--out", str(out), "--quiet"]
    proc = subprocess.Popen(cmd, env=env(), cwd=tmp_path)
    _wait_for_parts(out, 5, proc)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    before = {p.name: p.stat().st_mtime_ns for p in (out / "parts").glob("part-*.parquet")}
    assert 0 < len(before) < 60
    done = subprocess.run([*cmd, "--resume"], env=env(), cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    after = {p.name: p.stat().st_mtime_ns for p in (out / "parts").glob("part-*.parquet")}
    assert all(after[name] == mtime for name, mtime in before.items()), "finished chunks were redone"
    fresh = run_sweep(path, tmp_path / "fresh", backend="serial", progress=False)
    from sim.execution.sweep.store import SweepStore

    resumed = SweepStore(out)
    assert resumed.results().equals(fresh.results())
    assert resumed.manifest()["status"] == "complete"


def test_ctrl_c_keeps_finished_chunks_and_marks_the_sweep_interrupted(tmp_path):
    path = sweep_file(tmp_path, LONG)
    out = tmp_path / "interrupted"
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim", "sweep", str(path), "--backend", "serial", "--out", str(out), "--quiet"],
        env=env(),
        cwd=tmp_path,
        stderr=subprocess.PIPE,
        text=True,
    )
    _wait_for_parts(out, 3, proc)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "interrupted" and manifest["runs_completed"] >= 3 * 4


def test_sobol_indices_recover_a_known_answer():
    """y = x1 + 0.5 * x2 with x3 inert: S1 = ST = (0.8, 0.2, 0) for uniform inputs (variances 1 : 0.25)."""
    from SALib.sample import sobol

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0, 1]] * 3}
    x = sobol.sample(problem, 1024, calc_second_order=False, seed=1)
    y = x[:, 0] + 0.5 * x[:, 1]
    table = sobol_indices(problem, {"y": y}).to_pydict()
    np.testing.assert_allclose(table["S1"], [0.8, 0.2, 0.0], atol=0.05)
    np.testing.assert_allclose(table["ST"], [0.8, 0.2, 0.0], atol=0.05)


def test_sobol_confidence_intervals_with_seed_0_do_not_depend_on_numpys_global_state():
    """Catches SALib's bootstrap drawing from the global numpy state when the sweep's seed is 0 (SALib takes a
    falsy seed for "no seed"): the same inputs under different np.random.seed(...) gave different intervals."""
    from SALib.sample import sobol

    problem = {"num_vars": 3, "names": ["x1", "x2", "x3"], "bounds": [[0, 1]] * 3}
    x = sobol.sample(problem, 64, calc_second_order=False, seed=1)
    y = x[:, 0] + 0.5 * x[:, 1] ** 2
    tables, saved = [], np.random.get_state()
    try:
        for global_seed in (1, 2):
            np.random.seed(global_seed)
            tables.append(sobol_indices(problem, {"y": y}, seed=0).to_pydict())
    finally:
        np.random.set_state(saved)
    assert tables[0]["S1_conf"] == tables[1]["S1_conf"]
    assert tables[0]["ST_conf"] == tables[1]["ST_conf"]
    assert tables[0]["S1"] == tables[1]["S1"]
