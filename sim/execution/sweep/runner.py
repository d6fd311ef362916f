"""Running a sweep end to end: build the design's scenarios, run missing chunks on a backend, write parts
as they finish, then aggregate and draw. Interrupted sweeps keep every finished chunk (``--resume``)."""

from __future__ import annotations

import datetime as dt
import shutil
import sys
import threading
from pathlib import Path
from typing import Any

import pyarrow as pa

from sim.analysis.aggregate import aggregate, aggregate_columns
from sim.atomic import write_atomic
from sim.config.errors import InputError
from sim.config.scenario import Scenario, apply_overrides, load_resolved
from sim.config.sweep import LoadedSweep, load_sweep
from sim.config.yamlio import Origin, validate
from sim.execution.sweep.backends import ChunkTask, execute, plan_chunks
from sim.execution.sweep.design import Design, make_design
from sim.execution.sweep.store import SweepStore, write_parquet_atomic
from sim.figures.sweep import warm_up


def point_scenarios(loaded: LoadedSweep, design: Design) -> dict[int, Scenario]:
    """The validated scenario of every design point (base ← `set` ← the point's factor values).

    Raises:
        InputError: If a point makes an invalid scenario; names the sweep file and the point.
    """
    base = load_resolved(loaded.base_path)
    fixed = apply_overrides(base, loaded.spec.set, Origin(loaded.path, None))
    out = {}
    for i, point in enumerate(design.points):
        resolved = apply_overrides(fixed, point, Origin(f"{loaded.path} (design point {i}: {point})", None))
        out[i] = validate(resolved, Scenario)
    return out


def _environment() -> dict[str, Any]:
    from sim.execution.manifest import software

    return software()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def default_out(name: str) -> Path:
    """``results/sweeps/<name>-<UTC timestamp>``."""
    return Path("results") / "sweeps" / f"{name}-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"


def run_sweep(
    path: str | Path,
    out: str | Path | None = None,
    *,
    backend: str = "processes",
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    force: bool = False,
    progress: bool = True,
) -> SweepStore:
    """Run (or resume) a sweep and return its store.

    Args:
        path: The sweep file.
        out: The sweep folder (default ``results/sweeps/<name>-<timestamp>``; required with ``resume``).
        backend: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes (default: all cores).
        scheduler: A running dask scheduler's address (dask backend).
        resume: Finish an interrupted sweep in ``out`` without redoing finished chunks.
        force: Replace an existing sweep folder.
        progress: Show a progress bar (runs/s and ETA) on stderr.

    Raises:
        InputError: Bad sweep file, an existing folder without ``force``, or a resume that does not match.
        KeyboardInterrupt: After recording the interruption in the manifest (finished chunks are kept).
    """
    loaded = load_sweep(path)
    spec = loaded.spec
    design = make_design(spec)
    scenarios = point_scenarios(loaded, design)
    if resume and out is None:
        raise InputError(
            "--resume needs --out", key_path="--out", expected="the folder of the sweep to resume", found="nothing"
        )
    store = SweepStore(out if out is not None else default_out(spec.name))
    if resume:
        if not store.exists():
            raise InputError(
                "nothing to resume", file=store.root, expected="a sweep folder with manifest.json", found="no manifest"
            )
        manifest = store.manifest()
        if manifest.get("sweep_sha256") != loaded.digest:
            raise InputError(
                "the sweep file changed since the sweep started",
                file=loaded.path,
                expected=f"sha256 {manifest.get('sweep_sha256')}",
                found=f"sha256 {loaded.digest}",
                hint="resume with the same sweep file, or start a new sweep folder",
            )
        store.clean_temporaries()
    else:
        if store.root.exists() and any(store.root.iterdir()):
            if not force:
                raise InputError(
                    "the sweep folder exists",
                    file=store.root,
                    expected="a new folder",
                    found="an existing folder",
                    hint="use --resume to finish it, --force to replace it, or another --out",
                )
            shutil.rmtree(store.root)
        store.root.mkdir(parents=True)
        write_atomic(store.root / "sweep.yaml", lambda p: p.write_text(loaded.text, encoding="utf-8"))
        write_parquet_atomic(store.root / "design.parquet", design_table(design))
        manifest = {
            "sweep": spec.name,
            "sweep_file": loaded.path,
            "sweep_sha256": loaded.digest,
            "base_scenario": loaded.base_path,
            "design": spec.design,
            "factors": list(design.factors),
            "points": len(design),
            "replications": spec.replications,
            "runs": len(design) * spec.replications,
            "master_seed": spec.seed,
            "chunk_size": spec.chunk_size,
            "seeding": "run (point i, replicate j) uses sim.execution.runs.run_seed(master_seed, i, j)",
            "started": _now(),
        }
    manifest.update({"status": "running", "backend": backend, "workers": workers, **_environment()})
    store.write_manifest(manifest)

    chunks = plan_chunks(len(design), spec.replications, manifest["chunk_size"])
    done = store.done_chunks()
    todo = [c for c in chunks if c.id not in done]
    runs_done = sum(c.stop - c.start for c in chunks if c.id in done)
    reps = spec.replications

    def tasks():  # noqa: ANN202 - a generator: scenarios are attached lazily
        for c in todo:
            pts = range(c.start // reps, (c.stop - 1) // reps + 1)
            yield ChunkTask(c, reps, spec.seed, {p: scenarios[p] for p in pts})

    bar = _progress(manifest["runs"], runs_done, progress)
    warming: threading.Thread | None = None
    try:
        for chunk_id, table in execute(tasks(), backend, workers, scheduler):
            store.write_part(chunk_id, table)
            runs_done += table.num_rows
            bar.update(table.num_rows)
            if warming is None and backend != "serial":
                warming = warm_up()  # the workers are started: load the plotting library meanwhile
    except KeyboardInterrupt:
        manifest.update({"status": "interrupted", "runs_completed": runs_done, "interrupted": _now()})
        store.write_manifest(manifest)
        raise
    finally:
        bar.close()
    if warming is not None:
        warming.join()
    finish(store, design, spec.name)
    manifest.update({"status": "complete", "runs_completed": runs_done, "ended": _now()})
    store.write_manifest(manifest)
    return store


def design_table(design: Design) -> pa.Table:
    """The design as a table: point, then one column per factor (strings for level names)."""
    cols: dict[str, list] = {"point": list(range(len(design)))}
    for f in design.factors:
        values = [p[f] for p in design.points]
        cols[f] = [str(v) for v in values] if any(isinstance(v, str) for v in values) else [float(v) for v in values]
    return pa.table(cols)


def finish(store: SweepStore, design: Design, title: str) -> None:
    """Aggregate per point and draw the heat maps (reads only the columns it needs)."""
    from sim.figures.sweep import draw_heatmaps

    agg = aggregate(store.results(aggregate_columns()), len(design))
    write_parquet_atomic(store.root / "aggregate.parquet", agg)
    joined = store.design().join(agg, "point").sort_by("point")
    write_atomic(store.root / "aggregate.csv", lambda p: joined.to_pandas().to_csv(p, index=False))
    draw_heatmaps(store.design(), agg, store.root / "figures", title)


class _NoBar:
    def update(self, n: int) -> None:
        pass

    def close(self) -> None:
        pass


def _progress(total: int, initial: int, enabled: bool):  # noqa: ANN202
    if not enabled or not sys.stderr.isatty():
        return _NoBar()
    from tqdm import tqdm

    class _Bar(tqdm):
        # No monitor thread: the bar is updated once a chunk, and a second Python thread would make
        # the process pool fall back from fork to the slower fork server (sim.execution.sweep.backends.start_method).
        monitor_interval = 0

    return _Bar(total=total, initial=initial, unit="run", unit_scale=True, smoothing=0.1, file=sys.stderr)
