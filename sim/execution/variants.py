"""Variants for notebooks and scripts: run one scenario's variants with common random numbers, and write a
variant of a sweep file. (They run the model or write a file, so they live in the execution layer.)"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import yaml

from sim.config.scenario import Scenario, with_overrides
from sim.config.sweep import load_sweep
from sim.config.yamlio import resolve
from sim.execution.runs import run_scenario
from sim.outcomes import RunOutcome

__all__ = ["derive_sweep", "run_variants"]


def run_variants(
    scenario: Scenario,
    variants: Mapping[str, Mapping[str, Any]],
    runs: int,
    seed: int,
    *,
    trace: bool = False,
) -> dict[str, list[RunOutcome]]:
    """Run variants of one scenario with the same seeds (common random numbers), keyed by label.

    Args:
        scenario: The base scenario.
        variants: Label → ``{"dotted.key": value}`` changes (an empty mapping runs the base itself).
        runs: Replications per variant.
        seed: Master seed, shared by every variant, so differences are not seed noise.
        trace: Record round and year traces.
    """
    return {
        label: run_scenario(with_overrides(scenario, changes), runs, seed, trace=trace)
        for label, changes in variants.items()
    }


def derive_sweep(
    path: str | Path,
    folder: str | Path,
    *,
    name: str | None = None,
    replications: int | None = None,
    samples: int | None = None,
    seed: int | None = None,
    factors: Mapping[str, Mapping[str, Any]] | None = None,
    drop_factors: Sequence[str] = (),
    set: Mapping[str, Any] | None = None,  # noqa: A002 - the sweep file's own key
) -> Path:
    """Write a variant of a sweep file into ``folder`` (e.g. fewer replications for a quick look) and return it.

    The base scenario is rewritten as an absolute path, so the new file works from anywhere. Factors in
    ``factors`` are added (or replaced), those in ``drop_factors`` removed; ``set`` entries are added.
    The new file is validated (:func:`sim.config.sweep.load_sweep`).
    """
    source = Path(path)
    data = dict(resolve(source).data)
    data["base"] = str((source.parent / data["base"]).resolve())
    for key, value in (("name", name), ("replications", replications), ("samples", samples), ("seed", seed)):
        if value is not None:
            data[key] = value
    new_factors = {k: v for k, v in dict(data["factors"]).items() if k not in drop_factors}
    new_factors |= {k: dict(v) for k, v in (factors or {}).items()}
    data["factors"] = new_factors
    if set:
        data["set"] = {**dict(data.get("set") or {}), **dict(set)}
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    target = out / f"{data['name']}.yaml"
    target.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    load_sweep(target)
    return target
