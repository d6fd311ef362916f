"""The deal space: the issues on the table, their levels and scales, and a package (`Deal`).

Every issue has a *natural* value (what a user writes in a scenario: a level name, a troop count,
years) and a *normalised* value in [0, 1] on which preferences are defined. Ordered issues map
their levels to evenly spaced points; count issues map through a linear or logarithmic scale.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Scale = Literal["ordinal", "linear", "log"]


@dataclass(frozen=True)
class Issue:
    """One negotiable dimension of a package.

    Attributes:
        name: Identifier used in scenario files and result tables.
        scale: ``ordinal`` for named ordered levels, ``linear`` or ``log`` for counts.
        levels: Level names, weakest first (ordinal issues only).
        lo: Smallest natural value (count issues).
        hi: Largest natural value (count issues); normalisation maps [lo, hi] to [0, 1].
        unit: Unit of the natural value, for tables and figures.
        log_unit: For ``log`` scale: the natural value is normalised as
            ``log1p((x - lo) / log_unit) / log1p((hi - lo) / log_unit)``.
        grain: Values drawn for negotiation are rounded to multiples of this (0: no rounding).
        doc: One line on what the issue means.
    """

    name: str
    scale: Scale
    levels: tuple[str, ...] = ()
    lo: float = 0.0
    hi: float = 1.0
    unit: str = ""
    log_unit: float = 1.0
    grain: float = 0.0
    doc: str = ""

    @property
    def is_ordinal(self) -> bool:
        """Whether the issue takes named levels."""
        return self.scale == "ordinal"

    def level_index(self, level: str) -> int:
        """Index of a named level (0 = weakest). Raises KeyError for an unknown level."""
        try:
            return self.levels.index(level)
        except ValueError:
            raise KeyError(f"{self.name} has no level {level!r}; levels: {', '.join(self.levels)}") from None

    def to_number(self, value: str | float) -> float:
        """Natural value as a number: the level index for ordinal issues, the count otherwise."""
        if self.is_ordinal:
            return float(self.level_index(value) if isinstance(value, str) else value)
        return float(value)

    def to_natural(self, number: float) -> str | float:
        """Inverse of :meth:`to_number`: a level name for ordinal issues."""
        if self.is_ordinal:
            return self.levels[int(round(number))]
        return float(number)

    def normalise(self, number: np.ndarray | float) -> np.ndarray | float:
        """Map numeric natural values (level indices or counts) to [0, 1]."""
        if self.is_ordinal:
            return np.asarray(number, dtype=float) / (len(self.levels) - 1)
        x = clip(np.asarray(number, dtype=float), self.lo, self.hi)
        if self.scale == "log":
            return np.log1p((x - self.lo) / self.log_unit) / math.log1p((self.hi - self.lo) / self.log_unit)
        return (x - self.lo) / (self.hi - self.lo)

    def denormalise(self, n: np.ndarray | float) -> np.ndarray | float:
        """Inverse of :meth:`normalise`, rounded to the issue's grain (level indices for ordinal issues)."""
        n = clip(np.asarray(n, dtype=float), 0.0, 1.0)
        if self.is_ordinal:
            return np.rint(n * (len(self.levels) - 1))
        span = self.hi - self.lo
        if self.scale == "log":
            x = self.lo + self.log_unit * np.expm1(n * math.log1p(span / self.log_unit))
        else:
            x = self.lo + n * span
        if self.grain > 0:
            x = np.rint(x / self.grain) * self.grain
        return clip(x, self.lo, self.hi)


def clip(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """``np.clip(x, lo, hi)``, the same values, without ``np.clip``'s Python-level overhead (it is called
    in every run's hot path on small arrays)."""
    return np.minimum(np.maximum(x, lo), hi)


GUARANTEE_LEVELS = ("none", "assurances", "bilateral_aid", "article5_like", "nato_membership")
US_ROLE_LEVELS = ("none", "intel_logistics", "monitoring_lead", "air_support", "ground_troops")
TERRITORY_LEVELS = ("donetsk_withdrawal", "dmz", "freeze")
NEUTRALITY_LEVELS = ("nato_open", "nato_renounced", "neutral")
EU_LEVELS = ("closed", "candidate", "accession")

ISSUES: tuple[Issue, ...] = (
    Issue(
        "guarantee_strength",
        "ordinal",
        GUARANTEE_LEVELS,
        doc="From none, through Budapest-style political assurances and bilateral aid, to a legally "
        "binding Article-5-like commitment and NATO membership.",
    ),
    Issue(
        "foreign_troops",
        "log",
        lo=0,
        hi=300_000,
        log_unit=1_000,
        grain=500,
        unit="troops",
        doc="Foreign (coalition) troops stationed in Ukraine; log scale, so 5k vs 20k matters more than 200k vs 215k.",
    ),
    Issue("duration_years", "linear", lo=0, hi=100, grain=1, unit="years", doc="Years the guarantee is in force."),
    Issue(
        "us_role",
        "ordinal",
        US_ROLE_LEVELS,
        doc="The US contribution; each level includes those below it (air support includes the monitoring lead).",
    ),
    Issue(
        "ukraine_army",
        "linear",
        lo=0,
        hi=1_000_000,
        grain=10_000,
        unit="troops",
        doc="Ukraine's peacetime army size.",
    ),
    Issue(
        "territory",
        "ordinal",
        TERRITORY_LEVELS,
        doc="Donetsk: Ukraine withdraws / mutual withdrawal into a demilitarised zone / freeze on the current line.",
    ),
    Issue(
        "neutrality",
        "ordinal",
        NEUTRALITY_LEVELS,
        doc="NATO door left open / NATO membership renounced / full neutrality (Istanbul 2022 formula).",
    ),
    Issue(
        "eu_membership",
        "ordinal",
        EU_LEVELS,
        doc="Ukraine's path into the EU: closed by the deal / candidacy, with association and talks / accession, "
        "agreed for a date (deterrence.accession_years after the deal).",
    ),
    Issue(
        "sanctions_relief",
        "linear",
        lo=0,
        hi=1,
        grain=0.05,
        unit="share",
        doc="Share of sanctions on Russia lifted (0-1).",
    ),
)

ISSUE_NAMES: tuple[str, ...] = tuple(i.name for i in ISSUES)
ISSUE_INDEX: Mapping[str, int] = {i.name: k for k, i in enumerate(ISSUES)}
BY_NAME: Mapping[str, Issue] = {i.name: i for i in ISSUES}


def _columns(scale: str) -> np.ndarray:
    return np.array([k for k, i in enumerate(ISSUES) if i.scale == scale], dtype=np.intp)


# Per scale, the columns and their constants, so that normalise_matrix makes a few array operations
# instead of a few per issue (it runs in every run's hot path). Same arithmetic as Issue.normalise.
_ORDINAL = _columns("ordinal")
_ORDINAL_STEPS = np.array([len(ISSUES[k].levels) - 1 for k in _ORDINAL], dtype=float)
_LINEAR = _columns("linear")
_LINEAR_LO = np.array([ISSUES[k].lo for k in _LINEAR], dtype=float)
_LINEAR_HI = np.array([ISSUES[k].hi for k in _LINEAR], dtype=float)
_LINEAR_SPAN = np.array([ISSUES[k].hi - ISSUES[k].lo for k in _LINEAR], dtype=float)
_LOG = _columns("log")
_LOG_LO = np.array([ISSUES[k].lo for k in _LOG], dtype=float)
_LOG_HI = np.array([ISSUES[k].hi for k in _LOG], dtype=float)
_LOG_UNIT = np.array([ISSUES[k].log_unit for k in _LOG], dtype=float)
_LOG_SPAN = np.array([math.log1p((ISSUES[k].hi - ISSUES[k].lo) / ISSUES[k].log_unit) for k in _LOG])


def normalise_matrix(numbers: np.ndarray) -> np.ndarray:
    """Normalise an array of packages (rows) given as numeric natural values: column ``k`` is
    ``ISSUES[k].normalise`` of column ``k``, to the last bit (computed a scale at a time)."""
    numbers = np.asarray(numbers, dtype=float)
    out = np.empty_like(numbers)
    out[..., _ORDINAL] = numbers[..., _ORDINAL] / _ORDINAL_STEPS
    x = clip(numbers[..., _LINEAR], _LINEAR_LO, _LINEAR_HI)
    out[..., _LINEAR] = (x - _LINEAR_LO) / _LINEAR_SPAN
    x = clip(numbers[..., _LOG], _LOG_LO, _LOG_HI)
    out[..., _LOG] = np.log1p((x - _LOG_LO) / _LOG_UNIT) / _LOG_SPAN
    return out


@dataclass(frozen=True)
class Conflict:
    """Terms that contradict each other: ``issue`` at ``level`` allows ``other`` only at the ``allowed`` levels.

    Attributes:
        issue: The issue whose level triggers the rule.
        level: The level of ``issue`` that constrains ``other``.
        other: The constrained issue.
        allowed: The levels of ``other`` compatible with ``issue`` at ``level``.
        reason: One line for error messages.
    """

    issue: str
    level: str
    other: str
    allowed: tuple[str, ...]
    reason: str


CONFLICTS: tuple[Conflict, ...] = (
    Conflict(
        "guarantee_strength",
        "nato_membership",
        "neutrality",
        ("nato_open",),
        "NATO membership as the guarantee contradicts renouncing NATO or neutrality",
    ),
)
"""The only home of the rules on mutually inconsistent terms: the schema (fixed terms of a scenario) and the
talks (every candidate package) both apply these."""


def conflicts(terms: Mapping[str, str | float]) -> list[str]:
    """The contradictions among fixed terms given as ``{issue: natural value}`` (issues left out are open)."""
    out = []
    for c in CONFLICTS:
        other = terms.get(c.other)
        if terms.get(c.issue) == c.level and isinstance(other, str) and other not in c.allowed:
            out.append(
                f"{c.issue} {c.level} contradicts {c.other} {other!r} ({c.reason}); "
                f"use {c.other}: {' or '.join(c.allowed)}, or another {c.issue}"
            )
    return out


def compatible(numbers: np.ndarray) -> np.ndarray:
    """Mask of packages (rows of numeric natural values) whose terms are mutually consistent (:data:`CONFLICTS`)."""
    ok = np.ones(np.shape(numbers)[:-1], dtype=bool)
    for c in CONFLICTS:
        trigger = numbers[..., ISSUE_INDEX[c.issue]] == BY_NAME[c.issue].level_index(c.level)
        other = numbers[..., ISSUE_INDEX[c.other]]
        allowed = np.zeros(other.shape, dtype=bool)
        for level in c.allowed:
            allowed |= other == BY_NAME[c.other].level_index(level)
        ok &= ~(trigger & ~allowed)
    return ok


@dataclass(frozen=True)
class Deal:
    """A complete package: one natural value per issue. Immutable and hashable.

    Attributes:
        values: Numeric natural values in the order of :data:`ISSUES` (level indices for ordinal issues).
    """

    values: tuple[float, ...]

    @classmethod
    def from_mapping(cls, terms: Mapping[str, str | float]) -> Deal:
        """Build a deal from ``{issue name: natural value}``; every issue must be present."""
        missing = [n for n in ISSUE_NAMES if n not in terms]
        if missing:
            raise KeyError(f"deal lacks issues: {', '.join(missing)}")
        return cls(tuple(BY_NAME[n].to_number(terms[n]) for n in ISSUE_NAMES))

    def __getitem__(self, name: str) -> str | float:
        issue = BY_NAME[name]
        return issue.to_natural(self.values[ISSUE_INDEX[name]])

    def as_dict(self) -> dict[str, str | float]:
        """The deal as ``{issue name: natural value}`` (level names for ordinal issues)."""
        return {n: self[n] for n in ISSUE_NAMES}

    def number(self, name: str) -> float:
        """Numeric natural value of one issue (level index for ordinal issues)."""
        return self.values[ISSUE_INDEX[name]]

    def normalised(self) -> np.ndarray:
        """The deal's normalised values in [0, 1], one per issue."""
        return normalise_matrix(np.asarray(self.values, dtype=float)[None, :])[0]


def deals_from_matrix(numbers: np.ndarray, rows: Sequence[int] | None = None) -> list[Deal]:
    """Deals from rows of a numeric package matrix."""
    idx = range(len(numbers)) if rows is None else rows
    return [Deal(tuple(float(v) for v in numbers[i])) for i in idx]
