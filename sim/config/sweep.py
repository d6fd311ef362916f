"""The sweep file schema and its loading: a base scenario, factors (dotted key paths), a design, seeds."""

from __future__ import annotations

import hashlib
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, model_validator

from sim.config.base import Strict
from sim.config.errors import CheckFailed
from sim.config.limits import MAX_NAME, MAX_SEED, POINTS_VARIABLE, RUNS_VARIABLE, max_points, max_runs
from sim.config.paths import check_input_file, check_path_text, read_input_file, real_path
from sim.config.yamlio import Origin, load_yaml_text, resolve, validate


class Factor(Strict):
    """One factor of a sweep: listed values, or a continuous range (lhs and sobol designs)."""

    values: list[str | float] | None = None
    """The values to try (level names or numbers). In lhs/sobol designs they are sampled uniformly."""
    min: float | None = None
    """Lower bound of a continuous factor."""
    max: float | None = None
    """Upper bound of a continuous factor."""
    integer: bool = False
    """Round sampled values of a continuous factor to whole numbers."""
    dummy: bool = False
    """A factor that no scenario sees: sampled like the others (a range in an lhs or sobol design) and applied to
    nothing, so that its sensitivity indices estimate an effect known to be zero. With independent seeds they are
    the replication noise's floor (what any inert factor would get); with common seeds they are exactly 0 by
    construction, a check of the design that does not bound the noise left in the other indices."""

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
        if self.dummy and not has_range:
            raise ValueError("a dummy factor is a range (`min` and `max`): it is sampled, never applied")
        return self


class SweepSpec(Strict):
    """A validated sweep file."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_\-]*$", max_length=MAX_NAME)
    """Short identifier (lowercase, digits, _ and -, at most 64 characters), used in the sweep folder's name."""
    description: str
    """The question the sweep answers."""
    base: str
    """The base scenario file, relative to the sweep file."""
    design: Literal["grid", "lhs", "sobol"]
    """grid: full factorial of the listed values; lhs: Latin hypercube; sobol: Saltelli scheme for Sobol indices."""
    factors: dict[str, Factor] = Field(min_length=1)
    """Factors by dotted key path into the scenario, e.g. `package.foreign_troops` (a dummy factor by any name)."""
    samples: int | None = Field(None, ge=1)
    """lhs: number of design points; sobol: base sample size N (a power of two; N * (factors + 2) points)."""
    replications: int = Field(ge=1, le=100_000)
    """Runs (seeds) per design point."""
    seed: int = Field(ge=0, le=MAX_SEED)
    """Master seed (0 to 2**63 - 1): the seed of run (point i, replicate j) derives from it and (i, j) alone."""
    seeding: Literal["independent", "common"] = "independent"
    """independent: every run its own seed, from (point i, replicate j); common: replicate j of every point has
    the same seed, from j alone (common random numbers), so that the differences between points are not
    confounded with different draws: what a sensitivity design wants."""
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
        dummies = [k for k, f in self.factors.items() if f.dummy]
        if dummies and self.design == "grid":
            raise ValueError(
                f"a grid design has no use for a dummy factor ({', '.join(dummies)}): it repeats every point"
            )
        if len(dummies) == len(self.factors):
            raise ValueError("every factor is a dummy: the sweep would vary nothing")
        overlap = sorted(set(self.factors) & set(self.set))
        if overlap:
            raise ValueError(f"keys both swept and fixed: {', '.join(overlap)}")
        self._sizes_fit()
        return self

    @property
    def points(self) -> int:
        """The number of design points (computed from the spec, without building the design)."""
        if self.design == "grid":
            return math.prod(len(f.values or ()) for f in self.factors.values())
        assert self.samples is not None  # noqa: S101 - checked by _design_fits
        return self.samples * (len(self.factors) + 2) if self.design == "sobol" else self.samples

    def _sizes_fit(self) -> None:
        points, limit = self.points, max_points()
        where = "factors" if self.design == "grid" else "samples"
        if self.design == "grid":
            form = "the product of the numbers of values"
        elif self.design == "sobol":
            form = f"samples × (factors + 2) = {self.samples:,} × {len(self.factors) + 2}"
        else:
            form = "samples"
        if points > limit:
            raise CheckFailed(
                f"the design has {points:,} points ({form}); at most {limit:,} are allowed",
                key=where,
                hint=f"each point is a scenario held in memory (about 36 kB): split the sweep into several "
                f"files, e.g. by the values of one factor, or raise the limit with the environment variable "
                f"{POINTS_VARIABLE}=N on a machine with the memory",
            )
        runs, limit = points * self.replications, max_runs()
        if runs > limit:
            raise CheckFailed(
                f"the sweep has {points:,} points × {self.replications:,} replications = {runs:,} runs; "
                f"at most {limit:,} are allowed",
                key="replications",
                hint=f"use fewer replications or points, split the sweep into several files, or raise the limit "
                f"with the environment variable {RUNS_VARIABLE}=N",
            )


class LoadedSweep(Strict):
    """A sweep file with where it came from."""

    spec: SweepSpec
    path: str
    """The sweep file."""
    base_path: str
    """The base scenario file, resolved."""
    text: str
    """The sweep file's text."""
    resolved_text: str
    """The text a sweep folder keeps as ``sweep.yaml``: the file's text, or, for a file that ``extends`` another,
    the merged document (so that the folder can be analysed without the files it came from)."""

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
    from sim.config.scenario import split_key_path

    path = Path(path)
    resolved = resolve(path)
    spec = validate(resolved, SweepSpec)
    for section in ("factors", "set"):
        for key in getattr(spec, section):
            origin = resolved.origins.get((section, key)) or Origin(path, None)
            split_key_path(key, origin)
    origin = resolved.origins.get(("base",))
    where = {"file": path, "line": origin.line if origin else None, "key_path": "base"}
    check_path_text(spec.base, what="the path", **where)
    base = path.parent / spec.base
    check_input_file(base, what="base scenario", **where)
    text = read_input_file(path).decode("utf-8-sig")
    stored = text
    if len(resolved.chain) > 1:
        import yaml

        stored = f"# {path}, with its extends: chain resolved\n" + yaml.safe_dump(
            resolved.data, sort_keys=False, allow_unicode=True, width=120
        )
    return LoadedSweep(spec=spec, path=str(path), base_path=str(real_path(base)), text=text, resolved_text=stored)


def sweep_spec_from_text(text: str, name: str = "sweep.yaml") -> SweepSpec:
    """Validate a sweep file's text (e.g. the ``sweep.yaml`` kept in a sweep folder)."""
    from sim.config.yamlio import Resolved

    loaded = load_yaml_text(text, name)
    origins = {kp: Origin(loaded.file, n) for kp, n in loaded.lines.items()}
    return validate(Resolved(loaded.data, origins, ()), SweepSpec)
