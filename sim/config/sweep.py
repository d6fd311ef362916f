"""The sweep file schema and its loading: a base scenario, factors (dotted key paths), a design, seeds."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from sim.config.yamlio import resolve, validate


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Factor(_Strict):
    """One factor of a sweep: listed values, or a continuous range (lhs and sobol designs)."""

    values: list[str | float] | None = None
    """The values to try (level names or numbers). In lhs/sobol designs they are sampled uniformly."""
    min: float | None = None
    """Lower bound of a continuous factor."""
    max: float | None = None
    """Upper bound of a continuous factor."""
    integer: bool = False
    """Round sampled values of a continuous factor to whole numbers."""

    @model_validator(mode="after")
    def _one_form(self) -> Factor:
        has_range = self.min is not None or self.max is not None
        if (self.values is None) == (not has_range):
            raise ValueError("give either `values: [...]` or both `min` and `max`")
        if has_range:
            if self.min is None or self.max is None:
                raise ValueError("a range needs both `min` and `max`")
            if self.min > self.max:
                raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        elif not self.values:
            raise ValueError("`values` must not be empty")
        return self


class SweepSpec(_Strict):
    """A validated sweep file."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$")
    """Short identifier, used in the sweep folder's name."""
    description: str
    """The question the sweep answers."""
    base: str
    """The base scenario file, relative to the sweep file."""
    design: Literal["grid", "lhs", "sobol"]
    """grid: full factorial of the listed values; lhs: Latin hypercube; sobol: Saltelli scheme for Sobol indices."""
    factors: dict[str, Factor] = Field(min_length=1)
    """Factors by dotted key path into the scenario, e.g. `package.foreign_troops`."""
    samples: int | None = Field(None, ge=1)
    """lhs: number of design points; sobol: base sample size N (a power of two; N * (factors + 2) points)."""
    replications: int = Field(ge=1, le=100_000)
    """Runs (seeds) per design point."""
    seed: int = Field(ge=0)
    """Master seed: the seed of run (point i, replicate j) derives from it and (i, j) alone."""
    chunk_size: int = Field(100, ge=1, le=100_000)
    """Runs per chunk of work (a unit of parallelism and of resumption)."""
    set: dict[str, Any] = Field(default_factory=dict)
    """Fixed changes applied to the base at every point, by dotted key path (e.g. `mode: evaluate`)."""

    @model_validator(mode="after")
    def _design_fits(self) -> SweepSpec:
        if self.design == "grid":
            if self.samples is not None:
                raise ValueError("a grid design takes no `samples`: its points are all combinations of the values")
            ranged = [k for k, f in self.factors.items() if f.values is None]
            if ranged:
                raise ValueError(f"a grid design needs listed values; ranges given for: {', '.join(ranged)}")
        else:
            if self.samples is None:
                raise ValueError(f"a {self.design} design needs `samples`")
            if self.design == "sobol" and self.samples & (self.samples - 1):
                raise ValueError(f"sobol `samples` must be a power of two (Saltelli scheme); found {self.samples}")
        overlap = sorted(set(self.factors) & set(self.set))
        if overlap:
            raise ValueError(f"keys both swept and fixed: {', '.join(overlap)}")
        return self


class LoadedSweep(_Strict):
    """A sweep file with where it came from."""

    spec: SweepSpec
    path: str
    """The sweep file."""
    base_path: str
    """The base scenario file, resolved."""
    text: str
    """The sweep file's text."""

    @property
    def digest(self) -> str:
        """SHA-256 of the sweep file's text (a resumed sweep must match it)."""
        return hashlib.sha256(self.text.encode()).hexdigest()


SWEEP_KEYS = frozenset({"base", "design", "factors"})
"""Top-level keys that make a YAML file a sweep file (no scenario has them)."""


def is_sweep_file(path: str | Path) -> bool:
    """Whether a file is a sweep file rather than a scenario: its top level (after ``extends``) has ``base``,
    ``design`` or ``factors``. False for a file that cannot be read (loading it as a scenario says why)."""
    from sim.config.errors import InputError

    try:
        data = resolve(path).data
    except InputError:
        return False
    return isinstance(data, Mapping) and bool(SWEEP_KEYS & set(data))


def load_sweep(path: str | Path) -> LoadedSweep:
    """Load and validate a sweep file (its base scenario is checked when the design is built).

    Raises:
        sim.config.errors.InputError: With file, line, key path, expected, found and a hint.
    """
    from sim.config.errors import InputError

    path = Path(path)
    resolved = resolve(path)
    spec = validate(resolved, SweepSpec)
    base = (path.parent / spec.base).resolve()
    if not base.is_file():
        origin = resolved.origins.get(("base",))
        raise InputError(
            "base scenario not found",
            file=path,
            line=origin.line if origin else None,
            key_path="base",
            expected="a scenario file, relative to the sweep file",
            found=str(base),
        )
    return LoadedSweep(spec=spec, path=str(path), base_path=str(base), text=path.read_text(encoding="utf-8"))
