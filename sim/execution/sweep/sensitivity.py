"""The Sobol indices of a finished sobol sweep folder: read it, compute (:mod:`sim.analysis.sensitivity`),
write ``sensitivity.csv`` and the bar charts (:func:`sim.figures.sweep.draw_indices`)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa

from sim.analysis.aggregate import aggregate_columns
from sim.analysis.sensitivity import point_means, sobol_indices
from sim.atomic import write_atomic
from sim.config.errors import InputError
from sim.execution.sweep.store import SweepStore
from sim.figures.sweep import draw_indices
from sim.outcomes import measures_for


def sweep_indices(folder: str | Path | SweepStore) -> pa.Table:
    """The Sobol indices of a finished sobol sweep (nothing written).

    Raises:
        InputError: If the folder is not a finished sobol sweep.
    """
    from sim.config.paths import read_input_file
    from sim.config.sweep import sweep_spec_from_text
    from sim.execution.sweep.design import sobol_problem

    store = folder if isinstance(folder, SweepStore) else SweepStore(folder)
    if not store.exists():
        raise InputError(
            "not a sweep folder", file=store.root, expected="a folder written by `sim sweep`", found="no manifest.json"
        )
    manifest = store.manifest()
    if manifest.get("design") != "sobol":
        raise InputError(
            "sensitivity indices need a sobol design",
            file=store.manifest_path,
            key_path="design",
            expected="sobol",
            found=str(manifest.get("design")),
            hint="run a sweep whose file says `design: sobol` (e.g. scenarios/sweeps/sensitivity.yaml)",
        )
    spec = sweep_spec_from_text(
        read_input_file(store.root / "sweep.yaml").decode("utf-8"), str(store.root / "sweep.yaml")
    )
    means = point_means(store.results(aggregate_columns(measures_for("sensitivity"))), manifest["points"])
    return sobol_indices(sobol_problem(spec), means, seed=spec.seed)


def analyze_sweep(folder: str | Path) -> tuple[pa.Table, list[Path]]:
    """Compute and store the Sobol indices of a finished sobol sweep: ``sensitivity.csv`` and figures.

    Raises:
        InputError: If the folder is not a finished sobol sweep.
    """
    store = SweepStore(folder)
    table = sweep_indices(store)
    write_atomic(store.root / "sensitivity.csv", lambda p: table.to_pandas().to_csv(p, index=False))
    return table, draw_indices(table, store.root / "figures")
