"""A resumed sweep is the sweep it claims to be (issue 14): the manifest records the identity of everything the
results depend on, ``--resume`` refuses when any of it changed, and every part is verified before it counts
(a truncated, corrupt, swapped or foreign part is set aside and its chunk run again)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from sim.config.errors import InputError
from sim.execution.sweep import runner as sweep_runner
from sim.execution.sweep.runner import run_sweep
from sim.execution.sweep.store import SweepStore

ROOT = Path(__file__).resolve().parents[1]

BODY = """name: t
description: a test sweep
base: base.yaml
design: grid
factors:
  package.foreign_troops: {values: [0, 20000]}
  package.duration_years: {values: [15, 50]}
set:
  negotiation.max_rounds: 6
replications: 6
seed: 5
chunk_size: 5
"""
BASE = "extends: {baseline}\nname: b\ndeterrence: {{horizon_years: 20}}\n"


def make_sweep(folder: Path, body: str = BODY, base: str | None = None) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "base.yaml").write_text(base or BASE.format(baseline=ROOT / "scenarios" / "baseline.yaml"))
    path = folder / "sweep.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def run(path: Path, out: Path, **kwargs) -> tuple[SweepStore, list[str]]:
    said: list[str] = []
    store = run_sweep(path, out, backend="serial", progress=False, log=said.append, **kwargs)
    return store, said


@pytest.fixture(scope="module")
def fresh(tmp_path_factory):
    """An uninterrupted sweep: the results every accepted resume must equal."""
    folder = tmp_path_factory.mktemp("fresh")
    store, _ = run(make_sweep(folder), folder / "out")
    return store


def copy_of(store: SweepStore, target: Path) -> SweepStore:
    shutil.copytree(store.root, target)
    return SweepStore(target)


def parts(store: SweepStore) -> list[Path]:
    return sorted(store.parts.glob("part-*.parquet"))


def test_the_manifest_records_the_identity_and_every_part_carries_it(fresh):
    identity = fresh.manifest()["identity"]
    assert set(identity["components"]) >= {
        "package_version",
        "scenarios_sha256",
        "design_sha256",
        "master_seed",
        "replications",
        "chunk_size",
    }
    assert len(identity["point_sha256"]) == 4
    files = parts(fresh)
    assert len(files) == 5  # 24 runs in chunks of 5
    for f in files:
        meta = pq.read_schema(f).metadata
        assert meta[b"sim.sweep"] == identity["sha256"].encode()
        assert meta[b"sim.chunk"] == str(int(f.stem.split("-")[1])).encode()


def test_resume_refuses_when_the_base_scenario_was_edited(fresh, tmp_path):
    path = make_sweep(tmp_path)
    store = copy_of(fresh, tmp_path / "out")
    (tmp_path / "base.yaml").write_text((tmp_path / "base.yaml").read_text().replace("20}", "21}"))
    with pytest.raises(InputError) as info:
        run(path, store.root, resume=True)
    text = str(info.value)
    assert "cannot resume" in text and "resolved scenario of 4 of 4 design points" in text
    assert "--force" in text and str(path) in text


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("seed: 5", "seed: 6"), "the master seed (5 -> 6)"),
        (("replications: 6", "replications: 7"), "replications (6 -> 7)"),
        (("chunk_size: 5", "chunk_size: 4"), "chunk_size (5 -> 4)"),
        (("values: [15, 50]", "values: [15, 40]"), "the design"),
        (("max_rounds: 6", "max_rounds: 7"), "resolved scenario of 4 of 4"),
    ],
)
def test_resume_refuses_when_the_sweep_would_differ_and_says_what_changed(fresh, tmp_path, change, words):
    path = make_sweep(tmp_path, BODY.replace(*change))
    store = copy_of(fresh, tmp_path / "out")
    with pytest.raises(InputError, match="cannot resume") as info:
        run(path, store.root, resume=True)
    assert words in str(info.value)


def test_resume_refuses_after_a_new_package_version(fresh, tmp_path, monkeypatch):
    path = make_sweep(tmp_path)
    store = copy_of(fresh, tmp_path / "out")
    monkeypatch.setattr(sweep_runner, "package_version", lambda: "99.0")
    with pytest.raises(InputError, match=r"the package version \(.* -> 99.0\)"):
        run(path, store.root, resume=True)


def test_an_edit_that_changes_no_result_is_accepted(fresh, tmp_path):
    path = make_sweep(tmp_path, BODY.replace("a test sweep", "the same sweep, described better"))
    store = copy_of(fresh, tmp_path / "out")
    resumed, said = run(path, store.root, resume=True)
    assert said == [] and resumed.results().equals(fresh.results())


def corrupt_truncate(store: SweepStore, others: SweepStore) -> str:
    f = parts(store)[1]
    f.write_bytes(f.read_bytes()[: f.stat().st_size // 2])
    return "truncated or corrupt"


def corrupt_flip(store: SweepStore, others: SweepStore) -> str:
    f = parts(store)[2]
    data = bytearray(f.read_bytes())
    data[200] ^= 0xFF  # inside the first data pages, not the footer
    f.write_bytes(bytes(data))
    return "corrupt"


def corrupt_swap(store: SweepStore, others: SweepStore) -> str:
    a, b = parts(store)[0], parts(store)[3]
    shutil.copyfile(a, b)  # a valid part of this sweep, under another chunk's name
    return "holds chunk 0, not chunk 3"


def corrupt_foreign(store: SweepStore, others: SweepStore) -> str:
    shutil.copyfile(parts(others)[1], parts(store)[1])  # the same chunk of another sweep
    return "belongs to another sweep"


def corrupt_stray(store: SweepStore, others: SweepStore) -> str:
    shutil.copyfile(parts(store)[0], store.parts / "part-bad.parquet")
    return "not that of a chunk"


@pytest.fixture(scope="module")
def other(tmp_path_factory):
    folder = tmp_path_factory.mktemp("other")
    store, _ = run(make_sweep(folder, BODY.replace("seed: 5", "seed: 9")), folder / "out")
    return store


@pytest.mark.parametrize("corrupt", [corrupt_truncate, corrupt_flip, corrupt_swap, corrupt_foreign, corrupt_stray])
def test_a_bad_part_is_set_aside_with_a_line_and_its_chunk_runs_again(fresh, other, tmp_path, corrupt):
    path = make_sweep(tmp_path)
    store = copy_of(fresh, tmp_path / "out")
    reason = corrupt(store, other)
    resumed, said = run(path, store.root, resume=True)
    assert len(said) == 1 and reason in said[0] and "its chunk runs again" in said[0], said
    assert resumed.results().equals(fresh.results())
    assert resumed.manifest()["status"] == "complete"
    assert resumed.manifest()["set_aside"][0]["reason"] in said[0]
    assert len(list((store.parts / "set-aside").iterdir())) == 1
    _, again = run(path, store.root, resume=True)
    assert again == [], "a second resume finds nothing to set aside"


def test_a_sweep_stopped_before_its_manifest_existed_resumes_or_reruns(tmp_path, fresh):
    path = make_sweep(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    (out / ".manifest.json.x1y2.tmp").write_text("{")  # killed while writing the first manifest
    resumed, said = run(path, out, resume=True)
    assert "stopped before it had started" in said[0]
    never, said = run(path, tmp_path / "never-created", resume=True)  # killed before the folder existed
    assert "nothing to resume" in said[0] and never.results().equals(fresh.results())
    assert resumed.results().equals(fresh.results())
    again = tmp_path / "again"
    again.mkdir()
    (again / ".manifest.json.x1y2.tmp").write_text("{")
    rerun, _ = run(path, again)  # a plain re-run is not blocked either
    assert rerun.results().equals(fresh.results())


def test_parts_without_a_manifest_are_verified_and_kept(fresh, tmp_path):
    path = make_sweep(tmp_path)
    store = copy_of(fresh, tmp_path / "out")
    store.manifest_path.unlink()
    parts(store)[4].unlink()
    before = {f.name: f.stat().st_mtime_ns for f in parts(store)}
    resumed, said = run(path, store.root, resume=True)
    assert "verifying the parts" in said[0]
    assert all(f.stat().st_mtime_ns == before[f.name] for f in parts(resumed) if f.name in before)
    assert resumed.results().equals(fresh.results())


def test_a_folder_from_before_identities_is_refused_with_a_way_out(fresh, tmp_path):
    path = make_sweep(tmp_path)
    store = copy_of(fresh, tmp_path / "out")
    manifest = json.loads(store.manifest_path.read_text())
    del manifest["identity"]
    store.manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(InputError, match="does not record what its results depend on") as info:
        run(path, store.root, resume=True)
    assert "--force" in str(info.value)


def test_a_part_unreadable_at_aggregation_says_to_resume(fresh, tmp_path):
    store = copy_of(fresh, tmp_path / "out")
    f = parts(store)[0]
    f.write_bytes(b"PAR1" + b"\0" * 100)
    with pytest.raises(InputError, match="--resume"):
        store.results()
