"""Executing a sweep: chunks of runs, a pure worker function, and interchangeable backends.

The seed of run (point i, replicate j) is ``run_seed(master, i, j)``, so results are identical bit for
bit whatever the backend, the number of workers or the chunking. Backends yield chunk results as
they finish; at most a few chunks per worker are in flight, so memory stays flat.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

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
    common: bool = False
    """Common random numbers: replicate j of every point has the seed ``run_seed(master_seed, j)``."""


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
        seed = run_seed(task.master_seed, replicate) if task.common else run_seed(task.master_seed, point, replicate)
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


def start_worker(parent: int) -> None:
    """The pool's initializer: a worker leaves Ctrl-C to the sweep (the terminal sends it to the whole process
    group; the sweep records the interruption and shuts the pool down, so a worker that also took it could only
    print a traceback of its own, for instance while the interpreter exits) and ends with it
    (:func:`die_with_parent`). It changes nothing a run computes.

    Args:
        parent: The process id of the sweep.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    die_with_parent(parent)


def die_with_parent(parent: int) -> None:
    """Make this worker process end when the sweep that started it ends, however it ends (``kill -9`` too).

    A pool worker otherwise waits for work forever once its parent is gone: forked workers hold the
    write end of their own task queue, so they never see it close. On Linux the kernel sends SIGKILL
    when the parent dies (``PR_SET_PDEATHSIG``); everywhere, a thread checks every second that the
    parent still lives. Part of the pool's initializer (:func:`start_worker`).

    Args:
        parent: The process id of the sweep.
    """
    import threading
    import time

    if sys.platform == "linux":
        try:
            import ctypes
            import signal

            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
        except (OSError, AttributeError):  # pragma: no cover - no prctl: the thread below still works
            pass

    def watch() -> None:
        while True:
            time.sleep(1.0)
            try:
                os.kill(parent, 0)
            except ProcessLookupError:
                os._exit(1)
            except PermissionError:  # pragma: no cover - a process of another user took the id
                os._exit(1)

    threading.Thread(target=watch, name="sim-die-with-parent", daemon=True).start()
    if os.getppid() != parent and not _alive(parent):  # the parent died before the thread started
        os._exit(1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover
        return False
    return True


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
    with ProcessPoolExecutor(
        max_workers=workers, mp_context=context, initializer=start_worker, initargs=(os.getpid(),)
    ) as pool:
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


RESUBMITS = 2
"""Times a chunk is sent again after dask gave up on it (``KilledWorker``: the scheduler itself already
retried it on ``distributed.scheduler.allowed-failures`` workers, 3 by default), before the sweep fails."""
NO_WORKERS_SECONDS = 120.0
"""How long a sweep waits while the dask cluster has no worker at all, before it fails (environment variable
``SIM_DASK_WORKER_TIMEOUT`` to change it)."""
_POLL_SECONDS = 1.0


def _no_workers_seconds() -> float:
    text = os.environ.get("SIM_DASK_WORKER_TIMEOUT", "")
    try:
        value = float(text)
    except ValueError:
        return NO_WORKERS_SECONDS
    return value if value > 0 else NO_WORKERS_SECONDS


def _lost_worker(exc: BaseException | None) -> bool:
    """Whether a chunk failed because its worker was lost, not because of what it computed."""
    names = {t.__name__ for t in type(exc).__mro__} if exc is not None else set()
    return bool(names & {"KilledWorker", "CommClosedError", "CancelledError", "FutureCancelledError"}) or isinstance(
        exc, OSError
    )


def resilient(
    tasks: Iterable[ChunkTask],
    submit,  # noqa: ANN001 - (task) -> future
    wait_some,  # noqa: ANN001 - (futures, timeout) -> (done futures, still pending); raises TimeoutError
    count_workers,  # noqa: ANN001 - () -> int
    in_flight: int,
    *,
    resubmits: int = RESUBMITS,
    no_workers_seconds: float | None = None,
    poll_seconds: float = _POLL_SECONDS,
) -> Iterator[tuple[int, pa.Table]]:
    """Run chunk tasks on a cluster that may lose workers: yield results as chunks finish; send a chunk again
    when its worker was lost, up to ``resubmits`` times; fail when a chunk keeps losing its workers or the
    cluster has had no worker for ``no_workers_seconds``.

    The chunks already yielded are the caller's (the sweep has written them): a failure keeps them.

    Raises:
        SweepFailed: With what happened and the advice to ``--resume``.
    """
    from sim.execution.failures import SweepFailed

    limit = _no_workers_seconds() if no_workers_seconds is None else no_workers_seconds
    pending: dict[Any, ChunkTask] = {}
    sent: dict[int, int] = {}
    it = iter(tasks)
    resume = "every finished chunk is kept: run the same command with --resume to finish the sweep"

    def fill() -> None:
        while len(pending) < in_flight:
            task = next(it, None)
            if task is None:
                return
            sent[task.chunk.id] = 0
            pending[submit(task)] = task

    fill()
    idle_since: float | None = None
    while pending:
        try:
            done, _ = wait_some(list(pending), poll_seconds)
        except TimeoutError:
            done = []
        except OSError as err:
            raise SweepFailed(f"lost the dask scheduler ({type(err).__name__}: {err}); {resume}") from err
        if not done:
            try:
                workers = count_workers()
            except (OSError, TimeoutError) as err:
                raise SweepFailed(f"lost the dask scheduler ({type(err).__name__}: {err}); {resume}") from err
            if workers:
                idle_since = None
            else:
                idle_since = idle_since if idle_since is not None else time.monotonic()
                if time.monotonic() - idle_since > limit:
                    raise SweepFailed(
                        f"the dask cluster has had no worker for {limit:g} s, with {len(pending)} chunks waiting; "
                        f"start workers (dask worker ADDRESS), or set SIM_DASK_WORKER_TIMEOUT to wait longer; {resume}"
                    )
            continue
        idle_since = None
        for future in done:
            task = pending.pop(future)
            status = getattr(future, "status", "finished")
            exc = None if status == "finished" else _exception(future)
            if status == "finished":
                try:
                    result = future.result()
                except BaseException as err:  # noqa: BLE001 - sorted out just below
                    exc = err
                else:
                    yield result
                    continue
            # "lost": the worker holding the finished result died before it was fetched; "cancelled": the
            # scheduler forgot the task (it restarted). Both mean: run the chunk again.
            if status not in ("lost", "cancelled") and not _lost_worker(exc):
                raise exc if exc is not None else RuntimeError(f"chunk {task.chunk.id} ended as {status}")
            sent[task.chunk.id] += 1
            if sent[task.chunk.id] > resubmits:
                why = f"{type(exc).__name__}: {exc}" if exc is not None else f"its result was {status}"
                raise SweepFailed(
                    f"chunk {task.chunk.id} lost its worker {resubmits + 1} times in a row, each after dask's own "
                    f"retries ({why}); the workers may be running out of memory or being killed; {resume}"
                ) from exc
            pending[submit(task)] = task
        fill()


def _exception(future: Any) -> BaseException | None:
    try:
        return future.exception()
    except BaseException as err:  # noqa: BLE001 - a cancelled future raises instead of returning its error
        return err


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
        try:
            client = Client(scheduler, timeout=30)
        except (OSError, TimeoutError, ValueError, TypeError) as err:
            from sim.config.errors import InputError

            raise InputError(
                "cannot reach the dask scheduler",
                key_path="--scheduler",
                expected="the address of a running scheduler, e.g. tcp://head-node:8786",
                found=f"{scheduler}: {type(err).__name__}: {err}"[:200],
                hint="start one with `dask scheduler`, and check the address and the firewall",
            ) from None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:

        def wait_some(futures, timeout):  # noqa: ANN001, ANN202
            done, rest = wait(futures, timeout=timeout, return_when="FIRST_COMPLETED")
            return list(done), list(rest)

        yield from resilient(
            tasks,
            lambda t: client.submit(run_chunk, t, pure=False),
            wait_some,
            lambda: len(client.nthreads()),
            3 * workers,
        )
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
