"""Who wants what: per-issue satisfaction, salience, red lines, and the resulting utility.

A party's utility of a package ``x`` (normalised issue values ``n_k(x)`` in [0, 1]) is

    U(x) = [ sum_k w_k * exp(-((n_k(x) - ideal_k) / tol_k)^2) ] * prod_j (1 - penalty_j * v_j(x))

with saliences ``w_k`` summing to one and ``v_j(x)`` = 1 when soft red line ``j`` is crossed, else 0.
A hard red line crossed makes the package unacceptable whatever its utility. U is in [0, 1].
The equations are documented in docs/MODEL.md.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from sim.config.scenario import Actor
from sim.dealspace import BY_NAME, ISSUE_INDEX, ISSUE_NAMES


@dataclass(frozen=True)
class RedLine:
    """A region of one issue a party refuses (hard) or dislikes strongly (soft).

    Attributes:
        issue: The issue's name.
        above: Crossed when the issue's numeric value is strictly above this (level index or count).
        below: Crossed when the issue's numeric value is strictly below this.
        hard: A hard red line makes the package unacceptable; a soft one multiplies utility by
            ``1 - penalty``.
        penalty: Utility penalty of a soft red line, in [0, 1].
    """

    issue: str
    above: float | None = None
    below: float | None = None
    hard: bool = False
    penalty: float = 0.0

    def crossed(self, numbers: np.ndarray) -> np.ndarray:
        """Boolean mask over packages (rows of numeric natural values) that cross the line."""
        col = numbers[..., ISSUE_INDEX[self.issue]]
        if self.below is None:
            return col > self.above if self.above is not None else np.zeros(col.shape, dtype=bool)
        if self.above is None:
            return col < self.below
        return (col > self.above) | (col < self.below)


@dataclass(frozen=True)
class Preferences:
    """A party's preferences over packages.

    Attributes:
        ideal: Normalised ideal point per issue, in [0, 1], in the order of ``ISSUE_NAMES``.
        salience: Weight per issue, non-negative, summing to one.
        tolerance: How far (normalised) from the ideal satisfaction falls to ``1/e``; positive.
        red_lines: The party's red lines.
    """

    ideal: np.ndarray
    salience: np.ndarray
    tolerance: np.ndarray
    red_lines: tuple[RedLine, ...] = ()

    @classmethod
    def from_spec(
        cls,
        ideal: Mapping[str, str | float],
        salience: Mapping[str, float],
        tolerance: Mapping[str, float],
        red_lines: Sequence[RedLine] = (),
    ) -> Preferences:
        """Build from per-issue mappings with ideals in natural units (level names or counts).

        Saliences are normalised to sum to one.
        """
        ideal_n = np.array([float(BY_NAME[n].normalise(BY_NAME[n].to_number(ideal[n]))) for n in ISSUE_NAMES])
        sal = np.array([float(salience[n]) for n in ISSUE_NAMES])
        if sal.sum() <= 0:
            raise ValueError("saliences must not all be zero")
        tol = np.array([float(tolerance[n]) for n in ISSUE_NAMES])
        return cls(ideal_n, sal / sal.sum(), tol, tuple(red_lines))

    def satisfaction(self, normalised: np.ndarray) -> np.ndarray:
        """Per-issue satisfaction in (0, 1] for packages given as normalised rows."""
        z = normalised - self.ideal  # exp(-((n - ideal) / tol)^2), computed in place
        z /= self.tolerance
        z *= z
        return np.exp(np.negative(z, out=z), out=z)

    def utility(self, numbers: np.ndarray, normalised: np.ndarray) -> np.ndarray:
        """Utility in [0, 1] of each package (rows), soft red-line penalties included."""
        u = np.asarray(self.satisfaction(normalised) @ self.salience)
        for line in self.red_lines:
            if not line.hard:
                u[line.crossed(numbers)] *= 1.0 - line.penalty
        return u

    def acceptable(self, numbers: np.ndarray) -> np.ndarray:
        """Mask of packages that cross none of the party's hard red lines."""
        ok = np.ones(numbers.shape[:-1], dtype=bool)
        for line in self.red_lines:
            if line.hard:
                ok &= ~line.crossed(numbers)
        return ok


def preferences_of(actor: Actor) -> Preferences:
    """A party's validated scenario section (``actors.<key>``) as :class:`Preferences`.

    Raises:
        ValueError: If the actor is not a party (it has no preferences).
    """
    prefs = actor.preferences
    if prefs is None:
        raise ValueError(f"{actor.label} is not a party: it has no preferences")
    lines = []
    for r in actor.red_lines:
        issue = BY_NAME[r.issue]
        lines.append(
            RedLine(
                issue=r.issue,
                above=None if r.above is None else issue.to_number(r.above),
                below=None if r.below is None else issue.to_number(r.below),
                hard=r.kind == "hard",
                penalty=r.penalty,
            )
        )
    return Preferences.from_spec(
        ideal={n: getattr(prefs, n).ideal for n in ISSUE_NAMES},
        salience={n: getattr(prefs, n).salience for n in ISSUE_NAMES},
        tolerance={n: getattr(prefs, n).tolerance for n in ISSUE_NAMES},
        red_lines=lines,
    )
