"""Running a sweep end to end: build the design's scenarios, run missing chunks on a backend, write parts
as they finish, then aggregate and draw. Interrupted sweeps keep every finished chunk (``--resume``)."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import sys
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from sim.analysis.aggregate import aggregate, aggregate_columns
from sim.atomic import write_atomic
from sim.config.errors import InputError
from sim.config.paths import check_output_folder, output_errors
from sim.config.scenario import Scenario, apply_overrides, load_resolved
from sim.config.sweep import LoadedSweep, SweepSpec, load_sweep
from sim.config.yamlio import Origin, load_yaml_text, validate
from sim.execution.manifest import package_version, text_sha256
from sim.execution.sweep.backends import ChunkTask, execute, plan_chunks
from sim.execution.sweep.design import Design, make_design
from sim.execution.sweep.store import SweepStore, write_parquet_atomic
from sim.figures.sweep import warm_up


def point_scenarios(loaded: LoadedSweep, design: Design) -> dict[int, Scenario]:
    """The validated scenario of every design point (base ← `set` ← the point's factor values).

    Raises:
        InputError: If a point makes an invalid scenario; names the sweep file, the line of the key and
            the point (an error the base file causes on its own names the base file).
    """
    lines = load_yaml_text(loaded.text, loaded.path).lines
    base = load_resolved(loaded.base_path)
    fixed = apply_overrides(
        base, loaded.spec.set, {key: Origin(loaded.path, lines.get(("set", key))) for key in loaded.spec.set}
    )
    out = {}
    dummies = {k for k, f in loaded.spec.factors.items() if f.dummy}
    for i, point in enumerate(design.points):
        applied = {k: v for k, v in point.items() if k not in dummies}  # a dummy factor is applied to nothing
        values = ", ".join(f"{k}={_shown(v)}" for k, v in applied.items())
        values = values if len(values) <= 100 else values[:97] + "..."
        name = f"{loaded.path} (design point {i}: {values})"
        origins = {key: Origin(name, lines.get(("factors", key))) for key in applied}
        out[i] = validate(apply_overrides(fixed, applied, origins), Scenario)
    return out


def _shown(value: Any) -> str:
    """A design point's value as the user would write it; invisible characters escaped."""
    if isinstance(value, float):
        return f"{value:.6g}"
    text = str(value)
    return text if text.isprintable() else repr(text)


IDENTITY_VERSION = 1
"""Bumped when what the identity covers changes (old sweep folders then cannot be resumed)."""


def sweep_identity(spec: SweepSpec, design: Design, scenarios: Mapping[int, Scenario]) -> dict[str, Any]:
    """Everything the results of a sweep depend on, hashed: the manifest records it, every part carries it.

    The results of run (point i, replicate j) depend on the resolved scenario of point i, on its seed
    ``run_seed(master_seed, i, j)`` (``run_seed(master_seed, j)`` with common seeding) and on the code (the
    package version); which runs a part holds depends on the replications and the chunk size. So the identity
    covers: the resolved scenario of every design point (whatever file, default or ``set:`` it came from), the
    design (kind, factors, points), the master seed and the seeding, the replications, the chunk size and the
    package version.

    Returns:
        ``{"sha256": ..., "components": {...}, "point_sha256": [...]}``; ``sha256`` is the identity.
    """
    points = [text_sha256(scenarios[i].model_dump_json()) for i in range(len(design))]
    design_text = json.dumps(
        {"design": spec.design, "factors": list(design.factors), "points": [list(p.values()) for p in design.points]},
        sort_keys=True,
        allow_nan=False,
    )
    components = {
        "version": IDENTITY_VERSION,
        "package_version": package_version(),
        "scenarios_sha256": text_sha256("\n".join(points)),
        "design_sha256": text_sha256(design_text),
        "points": len(design),
        "master_seed": spec.seed,
        "replications": spec.replications,
        "chunk_size": spec.chunk_size,
    }
    if spec.seeding != "independent":  # (absent for independent seeds: the identities of earlier sweeps stand)
        components["seeding"] = spec.seeding
    digest = text_sha256(json.dumps(components, sort_keys=True))
    return {"sha256": digest, "components": components, "point_sha256": [h[:16] for h in points]}


def _differences(recorded: Mapping[str, Any], now: Mapping[str, Any]) -> list[str]:
    """What changed between two identities, in words."""
    old, new = recorded.get("components", {}), now["components"]
    said = []
    if old.get("version") != new["version"]:
        return [
            f"the identity format ({old.get('version')} -> {new['version']}: the sweep was started by another version)"
        ]
    if old.get("package_version") != new["package_version"]:
        said.append(f"the package version ({old.get('package_version')} -> {new['package_version']})")
    if old.get("design_sha256") != new["design_sha256"]:
        said.append(f"the design: its kind, factors, values or samples ({old.get('points')} -> {new['points']} points)")
    if old.get("scenarios_sha256") != new["scenarios_sha256"]:
        before, after = recorded.get("point_sha256") or [], now["point_sha256"]
        changed = sum(a != b for a, b in zip(before, after, strict=False)) + abs(len(before) - len(after))
        said.append(
            f"the resolved scenario of {changed or 'some'} of {len(after)} design points: the base scenario, a file "
            "it extends, the packaged defaults or the sweep's `set:` was edited"
        )
    for key, words in (
        ("master_seed", "the master seed"),
        ("replications", "replications"),
        ("chunk_size", "chunk_size"),
        ("seeding", "the seeding"),
    ):
        if old.get(key) != new.get(key):
            said.append(
                f"{words} ({old.get(key, 'independent' if key == 'seeding' else None)} -> "
                f"{new.get(key, 'independent' if key == 'seeding' else None)})"
            )
    return said or ["the identity hash (the manifest was edited?)"]


def _environment() -> dict[str, Any]:
    from sim.execution.manifest import software

    return software()


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def default_out(name: str) -> Path:
    """``results/sweeps/<name>-<UTC timestamp>``."""
    return Path("results") / "sweeps" / f"{name}-{dt.datetime.now(dt.UTC).strftime('%Y%m%dT%H%M%SZ')}"


def _started(root: Path) -> bool:
    """Whether a folder holds anything but temporary files of an interrupted write (so: a sweep, or other files)."""
    try:
        return any(not p.name.startswith(".") or not p.name.endswith(".tmp") for p in root.iterdir())
    except FileNotFoundError:
        return False


def _remove_temporaries(root: Path) -> None:
    if root.is_dir():
        for p in root.glob(".*.tmp"):
            p.unlink(missing_ok=True)


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
    log: Callable[[str], None] | None = None,
) -> SweepStore:
    """Run (or resume) a sweep and return its store.

    Args:
        path: The sweep file.
        out: The sweep folder (default ``results/sweeps/<name>-<timestamp>``; required with ``resume``).
        backend: ``serial``, ``processes`` or ``dask``.
        workers: Worker processes (default: all cores; never more than there are chunks to run).
        scheduler: A running dask scheduler's address (dask backend).
        resume: Finish an interrupted sweep in ``out`` without redoing finished chunks. Refused unless
            everything the results depend on is as it was (:func:`sweep_identity`); every part is
            verified, and one that fails is set aside and its chunk run again.
        force: Replace an existing sweep folder.
        progress: Show a progress bar (runs/s and ETA) on stderr.
        log: Where to say what was set aside or started afresh (default: a line on stderr).

    Raises:
        InputError: Bad sweep file, an existing folder without ``force``, a resume whose inputs changed,
            or a folder that cannot be written.
        SweepFailed: If the workers were lost (dask); finished chunks are kept.
        KeyboardInterrupt: After recording the interruption in the manifest (finished chunks are kept).
    """
    say = log or (lambda line: print(line, file=sys.stderr))
    loaded = load_sweep(path)
    spec = loaded.spec
    design = make_design(spec)
    scenarios = point_scenarios(loaded, design)
    if resume and out is None:
        raise InputError(
            "--resume needs --out", key_path="--out", expected="the folder of the sweep to resume", found="nothing"
        )
    root = check_output_folder(out) if out is not None else default_out(spec.name)
    store = SweepStore(root)
    with output_errors(
        store.root,
        "cannot write the sweep folder",
        hint="finished chunks are kept: fix it, then run again with --resume",
    ):
        return _run(store, loaded, design, scenarios, backend, workers, scheduler, resume, force, progress, say)


def _run(
    store: SweepStore,
    loaded: LoadedSweep,
    design: Design,
    scenarios: dict[int, Scenario],
    backend: str,
    workers: int | None,
    scheduler: str | None,
    resume: bool,
    force: bool,
    progress: bool,
    say: Callable[[str], None],
) -> SweepStore:
    spec = loaded.spec
    identity = sweep_identity(spec, design, scenarios)
    fresh_hint = f"start afresh with --force (replaces {store.root}), or choose another --out"
    if resume and not store.exists():
        if not store.root.exists() or not _started(store.root):
            say(f"{store.root}: nothing to resume (the sweep was stopped before it had started); starting it")
        elif not (store.root / "parts").is_dir():
            raise InputError(
                "nothing to resume",
                file=store.root,
                expected="a sweep folder with manifest.json",
                found="a folder with other files and no manifest",
                hint="check --out; run the same command without --resume to start the sweep in a new folder",
            )
        else:
            say(f"{store.root}: no manifest; verifying the parts that are there against this sweep")
        resume = False  # nothing recorded to check against: the parts alone are verified, below
        keep_parts = True
    else:
        keep_parts = resume
    if resume:
        manifest = store.manifest()
        recorded = manifest.get("identity")
        if not isinstance(recorded, dict) or "sha256" not in recorded:
            raise InputError(
                "cannot resume: this sweep folder does not record what its results depend on",
                file=store.manifest_path,
                key_path="identity",
                found="no identity (written by an older version)",
                hint=fresh_hint,
            )
        if recorded["sha256"] != identity["sha256"]:
            changes = _differences(recorded, identity)
            raise InputError(
                "cannot resume: the sweep would not be the one in this folder; changed since it started: "
                + "; ".join(changes),
                file=loaded.path,
                expected=f"identity {recorded['sha256'][:16]}... (manifest.json)",
                found=f"identity {identity['sha256'][:16]}...",
                hint="undo the change to resume, or " + fresh_hint,
            )
        manifest.setdefault("resumed", []).append(_now())
    else:
        if not keep_parts and store.root.exists() and _started(store.root):
            if not force:
                raise InputError(
                    "the sweep folder exists",
                    file=store.root,
                    expected="a new folder",
                    found="an existing folder",
                    hint="use --resume to finish it, --force to replace it, or another --out",
                )
            shutil.rmtree(store.root)
        store.root.mkdir(parents=True, exist_ok=True)
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
            "seeding": (
                "run (point i, replicate j) uses sim.execution.runs.run_seed(master_seed, j): common random numbers"
                if spec.seeding == "common"
                else "run (point i, replicate j) uses sim.execution.runs.run_seed(master_seed, i, j)"
            ),
            "identity": identity,
            "started": _now(),
        }
    _remove_temporaries(store.root)
    store.clean_temporaries()
    manifest.update({"status": "running", "backend": backend, "workers": workers, **_environment()})
    store.write_manifest(manifest)  # first: a folder with a manifest can always be resumed
    if not (store.root / "sweep.yaml").is_file():
        write_atomic(store.root / "sweep.yaml", lambda p: p.write_text(loaded.resolved_text, encoding="utf-8"))
    if not (store.root / "design.parquet").is_file():
        write_parquet_atomic(store.root / "design.parquet", design_table(design))

    chunks = plan_chunks(len(design), spec.replications, spec.chunk_size)
    done: set[int] = set()
    if keep_parts:
        done, rejected = store.check_parts(chunks, spec.replications, identity["sha256"])
        for item in rejected:
            say(item.line())
        if rejected:
            manifest.setdefault("set_aside", []).extend(
                {"part": r.part, "reason": r.reason, "moved_to": r.moved_to, "at": _now()} for r in rejected
            )
    todo = [c for c in chunks if c.id not in done]
    runs_done = sum(c.stop - c.start for c in chunks if c.id in done)
    reps = spec.replications

    def tasks():  # noqa: ANN202 - a generator: scenarios are attached lazily
        for c in todo:
            pts = range(c.start // reps, (c.stop - 1) // reps + 1)
            yield ChunkTask(c, reps, spec.seed, {p: scenarios[p] for p in pts}, spec.seeding == "common")

    by_id = {c.id: c for c in chunks}
    bar = _progress(manifest["runs"], runs_done, progress)
    warming: threading.Thread | None = None
    pool = min(workers or os.cpu_count() or 1, max(len(todo), 1))
    try:
        for chunk_id, table in execute(tasks(), backend, pool, scheduler):
            store.write_part(by_id[chunk_id], table, identity["sha256"])
            runs_done += table.num_rows
            bar.update(table.num_rows)
            if warming is None and backend != "serial":
                warming = warm_up()  # the workers are started: load the plotting library meanwhile
    except KeyboardInterrupt:
        manifest.update({"status": "interrupted", "runs_completed": runs_done, "interrupted": _now()})
        with contextlib.suppress(OSError):
            store.write_manifest(manifest)
        raise
    except BaseException as err:
        manifest.update({"status": "failed", "runs_completed": runs_done, "error": f"{type(err).__name__}: {err}"})
        with contextlib.suppress(OSError):
            store.write_manifest(manifest)
        raise
    finally:
        bar.close()
    if warming is not None:
        warming.join()
    finish(store, design, spec.name)
    manifest.update({"status": "complete", "runs_completed": runs_done, "ended": _now()})
    manifest.pop("error", None)
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
