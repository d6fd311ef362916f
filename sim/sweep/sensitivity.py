"""Sobol sensitivity indices (first-order and total) of a sobol sweep's headline outcomes, via SALib."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa

from sim.errors import InputError
from sim.sweep.figures import sobol_bars
from sim.sweep.store import SweepStore, write_atomic

#: Outcome per design point (mean over its replications) → label.
OUTCOMES = {
    "p_agreement": "P(agreement)",
    "p_russia_accepts": "P(Russia accepts an offer)",
    "p_durable_15": "P(durable peace: agreement and 15 years)",
}


def point_means(results: pa.Table, points: int) -> dict[str, np.ndarray]:
    """Per design point, the mean of each outcome over its replications (in design order)."""
    point = results.column("point").to_numpy()
    agree = results.column("agreement").to_numpy(zero_copy_only=False).astype(float)
    accepts = results.column("russia_accepted").to_numpy(zero_copy_only=False).astype(float)
    years = results.column("peace_years").to_numpy(zero_copy_only=False).astype(float)
    broke = results.column("breakdown").to_numpy(zero_copy_only=False).astype(bool)
    durable = (agree > 0) & ~(broke & (np.nan_to_num(years, nan=np.inf) <= 15))
    counts = np.bincount(point, minlength=points)
    if np.any(counts == 0):
        raise InputError(
            "the sweep is not complete",
            expected="every design point run",
            found=f"{int((counts == 0).sum())} points without runs",
            hint="finish it with `sim sweep ... --resume --out DIR`",
        )
    return {
        "p_agreement": np.bincount(point, agree, points) / counts,
        "p_russia_accepts": np.bincount(point, accepts, points) / counts,
        "p_durable_15": np.bincount(point, durable.astype(float), points) / counts,
    }


def sobol_indices(problem: dict, outputs: dict[str, np.ndarray], seed: int = 0) -> pa.Table:
    """First-order (S1) and total (ST) Sobol indices with 95 % confidence half-widths, per outcome and factor.

    Args:
        problem: The SALib problem of the design (names, bounds).
        outputs: Outcome name → values in the design's (Saltelli) order.
        seed: Seed of SALib's bootstrap for the confidence intervals.
    """
    from SALib.analyze import sobol

    rows: dict[str, list] = {"outcome": [], "factor": [], "S1": [], "S1_conf": [], "ST": [], "ST_conf": []}
    for name, y in outputs.items():
        if np.allclose(y, y[0]):
            res = {k: np.full(problem["num_vars"], np.nan) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            res = sobol.analyze(problem, np.asarray(y, dtype=float), calc_second_order=False, seed=seed)
        for k, factor in enumerate(problem["names"]):
            rows["outcome"].append(name)
            rows["factor"].append(factor)
            for key in ("S1", "S1_conf", "ST", "ST_conf"):
                rows[key].append(float(res[key][k]))
    return pa.table(rows)


def sweep_indices(folder: str | Path | SweepStore) -> pa.Table:
    """The Sobol indices of a finished sobol sweep (nothing written).

    Raises:
        InputError: If the folder is not a finished sobol sweep.
    """
    import yaml

    from sim.sweep.design import sobol_problem
    from sim.sweep.spec import SweepSpec

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
    spec = SweepSpec.model_validate(yaml.safe_load((store.root / "sweep.yaml").read_text(encoding="utf-8")))
    means = point_means(
        store.results(["point", "agreement", "russia_accepted", "peace_years", "breakdown"]), manifest["points"]
    )
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


def draw_indices(table: pa.Table, folder: Path) -> list[Path]:
    """One bar chart per outcome: S1 and ST per factor with confidence intervals (greyscale-safe hatching)."""
    from matplotlib.figure import Figure  # no pyplot: no global state, no backend switched

    df = table.to_pandas()
    paths = []
    for outcome, label in OUTCOMES.items():
        sub = df[df["outcome"] == outcome].sort_values("ST", ascending=True)
        if sub.empty:
            continue
        y = np.arange(len(sub))
        fig = Figure(figsize=(7.5, 0.45 * len(sub) + 1.8))
        ax = fig.add_subplot()
        sobol_bars(ax, sub, y)
        ax.set_yticks(y, sub["factor"])
        ax.set_xlabel("Sobol index (share of output variance)")
        ax.set_title(f"What drives {label}?", fontsize=10)
        ax.legend(loc="lower right")
        fig.tight_layout()
        path = folder / f"sobol_{outcome}.png"
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(path, lambda p, fig=fig: fig.savefig(p, dpi=120, format="png"))
        paths.append(path)
    return paths
