"""Executing a sweep: chunks of runs, a pure worker function, and interchangeable backends.

The seed of run (point i, replicate j) is ``run_seed(master, i, j)``, so results are identical bit for
bit whatever the backend, the number of workers or the chunking. Backends yield chunk results as
they finish; at most a few chunks per worker are in flight, so memory stays flat.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import pyarrow as pa

from sim.config.scenario import Scenario
from sim.execution.runs import run_once, run_seed
from sim.model.compiled import CompiledScenario, compile_scenario
from sim.outcomes import PART_SCHEMA, part_schema

Backend = str  # "serial" | "processes" | "dask"
BACKENDS = ("serial", "processes", "dask")


#: The columns of a sweep's results, one row per run (:func:`sim.outcomes.part_schema`).
ROW_SCHEMA = PART_SCHEMA


@dataclass(frozen=True)
class Chunk:
    """A contiguous range of the sweep's runs, numbered ``k = point * replications + replicate``."""

    id: int
    start: int
    stop: int


@dataclass(frozen=True)
class ChunkTask:
    """Everything a worker needs to run one chunk (picklable)."""

    chunk: Chunk
    replications: int
    master_seed: int
    scenarios: dict[int, Scenario]


def plan_chunks(points: int, replications: int, chunk_size: int) -> list[Chunk]:
    """Split ``points * replications`` runs into chunks of ``chunk_size`` runs."""
    total = points * replications
    return [Chunk(i, s, min(s + chunk_size, total)) for i, s in enumerate(range(0, total, chunk_size))]


def run_chunk(task: ChunkTask) -> tuple[int, pa.Table]:
    """Run one chunk; return its id and its rows as an Arrow table (the worker function)."""
    rows = []
    compiled: dict[int, CompiledScenario] = {}  # each point's scenario compiled once per chunk
    for k in range(task.chunk.start, task.chunk.stop):
        point, replicate = divmod(k, task.replications)
        seed = run_seed(task.master_seed, point, replicate)
        if point not in compiled:
            compiled[point] = compile_scenario(task.scenarios[point])
        row = run_once(compiled[point], seed).flat()
        row["point"] = point
        row["replicate"] = replicate
        rows.append(row)
    first = compiled[min(compiled)] if compiled else compile_scenario(next(iter(task.scenarios.values())))
    schema = part_schema(first.parties, first.guarantor_keys, first.causes)  # the scenario's own actor columns
    return task.chunk.id, pa.Table.from_pylist(rows, schema=schema)


def execute(
    tasks: Iterable[ChunkTask], backend: Backend = "serial", workers: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[int, pa.Table]]:
    """Run chunk tasks on a backend, yielding ``(chunk id, rows)`` as chunks finish (in any order).

    Args:
        tasks: The chunks to run.
        backend: ``serial`` (this process), ``processes`` (a local process pool) or ``dask``
            (``dask.distributed``: a LocalCluster, or the running cluster at ``scheduler``).
        workers: Worker processes (default: all cores).
        scheduler: Address of a running dask scheduler, e.g. ``tcp://host:8786``.
    """
    if backend == "serial":
        for task in tasks:
            yield run_chunk(task)
    elif backend == "processes":
        yield from _processes(tasks, workers or os.cpu_count() or 1)
    elif backend == "dask":
        yield from _dask(tasks, workers or os.cpu_count() or 1, scheduler)
    else:
        raise ValueError(f"unknown backend {backend!r}; choose from {', '.join(BACKENDS)}")


def _bounded(submit, wait_one, tasks: Iterable[ChunkTask], in_flight: int) -> Iterator[tuple[int, pa.Table]]:  # noqa: ANN001
    """Keep at most ``in_flight`` tasks submitted; yield results as they complete."""
    pending = set()
    it = iter(tasks)
    for task in it:
        pending.add(submit(task))
        if len(pending) >= in_flight:
            done, pending = wait_one(pending)
            yield from done
    while pending:
        done, pending = wait_one(pending)
        yield from done


def start_method() -> str | None:
    """How the process pool starts its workers: ``fork`` when that is safe, else ``forkserver``.

    Forking copies this process, which has already imported the simulator, so workers start at once
    (a fork server must import Mesa, pandas and scipy again: about 2 s on a 2-core machine). Forking
    is unsafe when another *Python* thread may hold a lock (a progress bar's monitor, a dask client),
    so it is used only on Linux and only when this is the sole Python thread. The native thread pools
    of OpenBLAS and jemalloc, present after importing numpy and pyarrow, install fork handlers of
    their own. Elsewhere: ``forkserver``, or the platform's default if it has none.
    """
    import multiprocessing
    import threading

    methods = multiprocessing.get_all_start_methods()
    if sys.platform == "linux" and "fork" in methods and threading.active_count() == 1:
        return "fork"
    return "forkserver" if "forkserver" in methods else None


def _processes(tasks: Iterable[ChunkTask], workers: int) -> Iterator[tuple[int, pa.Table]]:
    import multiprocessing
    import warnings
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    # The context is this pool's own; the global start method is never changed.
    context = multiprocessing.get_context(start_method())
    if context.get_start_method() == "forkserver":
        # The fork server imports the simulator once, so workers share those pages instead of
        # importing Mesa (about 140 MB with pandas and scipy) each.
        context.set_forkserver_preload(["sim.execution.sweep.backends"])
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        started = False

        def submit(task: ChunkTask):  # noqa: ANN202
            nonlocal started
            if started:
                return pool.submit(run_chunk, task)
            started = True
            # With fork, the first submit starts every worker, while this is still the only Python
            # thread; Python >= 3.12 warns of any fork while native threads exist (see start_method).
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", r".*use of fork\(\) may lead to deadlocks", DeprecationWarning)
                return pool.submit(run_chunk, task)

        def wait_one(pending):  # noqa: ANN001, ANN202
            done, rest = wait(pending, return_when=FIRST_COMPLETED)
            return [f.result() for f in done], rest

        try:
            yield from _bounded(submit, wait_one, tasks, 3 * workers)
        except BaseException:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def _dask(tasks: Iterable[ChunkTask], workers: int, scheduler: str | None) -> Iterator[tuple[int, pa.Table]]:
    try:
        from dask.distributed import Client, LocalCluster, wait
    except ImportError as err:  # pragma: no cover - depends on the optional extra
        from sim.config.errors import InputError

        raise InputError(
            "the dask backend needs dask.distributed",
            key_path="--backend",
            expected="the optional extra installed",
            found="no dask.distributed",
            hint="pip install '.[distributed]'",
        ) from err
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:

        def wait_one(pending):  # noqa: ANN001, ANN202
            done, rest = wait(list(pending), return_when="FIRST_COMPLETED")
            return [f.result() for f in done], set(rest)

        yield from _bounded(lambda t: client.submit(run_chunk, t, pure=False), wait_one, tasks, 3 * workers)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
