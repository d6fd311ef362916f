"""Designs: the points of a sweep, as values per factor (pure functions of the spec)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from sim.config.sweep import Factor, SweepSpec


@dataclass(frozen=True)
class Design:
    """The points of a sweep.

    Attributes:
        factors: Factor key paths, in the order of the sweep file.
        points: One mapping ``{factor: value}`` per point, in design order.
        unit: The design in the unit hypercube (points × factors), for lhs/sobol; None for grids.
    """

    factors: tuple[str, ...]
    points: tuple[dict[str, Any], ...]
    unit: np.ndarray | None

    def __len__(self) -> int:
        return len(self.points)


def from_unit(factor: Factor, u: np.ndarray) -> list[Any]:
    """Map unit-interval samples to a factor's values: uniform over listed values, or over the range."""
    if factor.values is not None:
        k = len(factor.values)
        idx = np.minimum((u * k).astype(int), k - 1)
        return [factor.values[i] for i in idx]
    assert factor.min is not None and factor.max is not None  # noqa: S101 - guaranteed by the schema
    x = factor.min + u * (factor.max - factor.min)
    if factor.integer:
        return [float(v) for v in np.rint(x)]
    return [float(v) for v in x]


def sobol_problem(spec: SweepSpec) -> dict[str, Any]:
    """The SALib problem: every factor on the unit interval (mapped to its values afterwards)."""
    return {"num_vars": len(spec.factors), "names": list(spec.factors), "bounds": [[0.0, 1.0]] * len(spec.factors)}


def make_design(spec: SweepSpec) -> Design:
    """The design points of a sweep: grid (full factorial), lhs (scipy's Latin hypercube) or sobol
    (SALib's Saltelli scheme, first-order and total indices)."""
    names = tuple(spec.factors)
    if spec.design == "grid":
        combos = itertools.product(*(spec.factors[n].values or [] for n in names))
        return Design(names, tuple(dict(zip(names, c, strict=True)) for c in combos), None)
    assert spec.samples is not None  # noqa: S101 - guaranteed by the schema
    if spec.design == "lhs":
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=len(names), seed=np.random.default_rng(spec.seed)).random(spec.samples)
    else:
        from SALib.sample import sobol

        unit = sobol.sample(sobol_problem(spec), spec.samples, calc_second_order=False, seed=spec.seed)
    columns = [from_unit(spec.factors[n], unit[:, k]) for k, n in enumerate(names)]
    points = tuple(dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True))
    return Design(names, points, unit)
