"""Fault tolerance of sweeps (issue 14): lost dask workers are retried a bounded number of times, then the sweep
fails clearly (exit 3) keeping what finished; a cluster without workers times out instead of stalling; pool
workers die with the sweep that started them, even after ``kill -9``."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from sim.execution.failures import SweepFailed
from sim.execution.sweep import backends
from sim.execution.sweep.backends import Chunk, ChunkTask, resilient
from sim.execution.sweep.runner import run_sweep
from sim.execution.sweep.store import SweepStore

ROOT = Path(__file__).resolve().parents[1]
BODY = f"""name: t
description: a test sweep
base: {ROOT / "scenarios" / "baseline.yaml"}
design: grid
factors:
  package.foreign_troops: {{values: [0, 20000]}}
  package.duration_years: {{values: [15, 50]}}
set:
  negotiation.max_rounds: 6
replications: 6
seed: 5
chunk_size: 3
"""


class KilledWorker(Exception):
    """Named as dask names it."""


class FakeFuture:
    def __init__(self, task: ChunkTask, error: BaseException | None) -> None:
        self.task, self.error = task, error

    @property
    def status(self) -> str:
        return "finished" if self.error is None else "error"

    def result(self):
        return self.task.chunk.id, None

    def exception(self):
        return self.error


def tasks(n: int) -> list[ChunkTask]:
    return [ChunkTask(Chunk(i, i, i + 1), 1, 0, {}) for i in range(n)]


def fake_cluster(losses: dict[int, int]):
    """submit/wait/count functions of a cluster on which chunk i loses its worker ``losses[i]`` times."""
    left = dict(losses)
    submitted: list[int] = []

    def submit(task: ChunkTask) -> FakeFuture:
        submitted.append(task.chunk.id)
        lost = left.get(task.chunk.id, 0) > 0
        left[task.chunk.id] = left.get(task.chunk.id, 0) - 1
        return FakeFuture(task, KilledWorker("worker lost") if lost else None)

    def wait_some(futures, timeout):
        return futures[:1], futures[1:]

    return submit, wait_some, lambda: 2, submitted


def test_a_chunk_whose_worker_was_lost_is_sent_again():
    submit, wait_some, count, submitted = fake_cluster({1: 2})
    done = [cid for cid, _ in resilient(tasks(4), submit, wait_some, count, in_flight=2, resubmits=2)]
    assert sorted(done) == [0, 1, 2, 3] and submitted.count(1) == 3


def test_a_chunk_that_keeps_losing_its_workers_fails_the_sweep_clearly_keeping_what_finished():
    submit, wait_some, count, _ = fake_cluster({2: 10})
    finished = []
    with pytest.raises(SweepFailed) as info:
        for cid, _ in resilient(tasks(5), submit, wait_some, count, in_flight=1, resubmits=2):
            finished.append(cid)
    assert finished == [0, 1]
    assert "chunk 2 lost its worker 3 times" in str(info.value) and "--resume" in str(info.value)


def test_a_result_lost_with_its_worker_is_computed_again():
    class Lost(FakeFuture):
        status = "lost"

    sent = []

    def submit(task):
        sent.append(task.chunk.id)
        return Lost(task, None) if sent.count(task.chunk.id) == 1 else FakeFuture(task, None)

    done = [cid for cid, _ in resilient(tasks(2), submit, lambda f, t: (f[:1], f[1:]), lambda: 1, in_flight=1)]
    assert done == [0, 1] and sent == [0, 0, 1, 1]


def test_an_error_in_the_chunk_itself_is_not_retried():
    def submit(task):
        return FakeFuture(task, ZeroDivisionError("a bug"))

    with pytest.raises(ZeroDivisionError):
        list(resilient(tasks(2), submit, lambda f, t: (f[:1], f[1:]), lambda: 1, in_flight=1))


def test_a_cluster_without_workers_times_out_instead_of_stalling():
    def wait_some(futures, timeout):
        time.sleep(timeout)
        raise TimeoutError

    started = time.monotonic()
    with pytest.raises(SweepFailed, match=r"no worker for 0.3 s.*SIM_DASK_WORKER_TIMEOUT.*--resume"):
        list(
            resilient(
                tasks(2),
                lambda t: FakeFuture(t, None),
                wait_some,
                lambda: 0,
                1,
                no_workers_seconds=0.3,
                poll_seconds=0.05,
            )
        )
    assert time.monotonic() - started < 5


def test_a_sweep_that_lost_its_workers_exits_3_keeps_its_parts_and_resumes(tmp_path, monkeypatch, capsys):
    from sim.cli import main

    path = tmp_path / "sweep.yaml"
    path.write_text(BODY, encoding="utf-8")
    out = tmp_path / "out"

    def dying(tasks, workers, scheduler):  # noqa: ARG001
        for n, task in enumerate(tasks):
            if n == 3:
                raise SweepFailed("chunk 3 lost its worker 3 times in a row; run the same command with --resume")
            yield backends.run_chunk(task)

    monkeypatch.setattr(backends, "_dask", dying)
    code = main(["sweep", str(path), "--backend", "dask", "--out", str(out), "-q"])
    err = capsys.readouterr().err
    assert code == 3 and "--resume" in err and "Traceback" not in err
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "failed" and manifest["runs_completed"] == 9
    assert len(list((out / "parts").glob("part-*.parquet"))) == 3
    monkeypatch.undo()
    resumed = run_sweep(path, out, backend="serial", resume=True, progress=False)
    fresh = run_sweep(path, tmp_path / "fresh", backend="serial", progress=False)
    assert resumed.results().equals(fresh.results())


def test_a_local_cluster_whose_workers_are_killed_still_gives_the_serial_results(tmp_path):
    distributed = pytest.importorskip("dask.distributed")
    path = tmp_path / "sweep.yaml"
    path.write_text(BODY.replace("replications: 6", "replications: 12"), encoding="utf-8")
    fresh = run_sweep(path, tmp_path / "fresh", backend="serial", progress=False)
    with (
        distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster,
        distributed.Client(cluster) as client,
    ):
        result: dict[str, object] = {}

        def sweep() -> None:
            try:
                result["store"] = run_sweep(
                    path,
                    tmp_path / "dask",
                    backend="dask",
                    workers=2,
                    scheduler=cluster.scheduler_address,
                    progress=False,
                )
            except BaseException as err:  # noqa: BLE001 - reported by the assertion below
                result["error"] = err

        thread = threading.Thread(target=sweep)
        thread.start()
        kills = 0
        deadline = time.monotonic() + 60
        while thread.is_alive() and kills < 2 and time.monotonic() < deadline:
            if len(list((tmp_path / "dask" / "parts").glob("part-*.parquet"))) > 2 * kills:
                pids = [p for p in client.run(os.getpid, on_error="return").values() if isinstance(p, int)]
                if pids:
                    os.kill(pids[0], signal.SIGKILL)  # the nanny starts another
                    kills += 1
            time.sleep(0.05)
        thread.join(120)
    assert "error" not in result, result.get("error")
    assert kills >= 1, "the sweep ended before a worker could be killed"
    store = result["store"]
    assert isinstance(store, SweepStore) and store.results().equals(fresh.results())


def _children(pid: int) -> list[int]:
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


@pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")
def test_pool_workers_die_with_their_sweep_after_kill_9(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(BODY.replace("replications: 6", "replications: 400"), encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    cmd = [sys.executable, "-m", "sim", "sweep", str(path), "--workers", "2", "--out", str(out), "-q"]
    proc = subprocess.Popen(cmd, env=env, cwd=tmp_path, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while not list((out / "parts").glob("part-*.parquet")) and time.monotonic() < deadline:
        assert proc.poll() is None, "the sweep ended too soon"
        time.sleep(0.05)
    workers = _children(proc.pid)
    assert workers, "no pool workers found"
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(map(_running, workers)):
        time.sleep(0.1)
    assert [w for w in workers if _running(w)] == [], "pool workers outlived their sweep"


def _running(pid: int) -> bool:
    """Whether a process exists and is not a zombie waiting to be reaped."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"
