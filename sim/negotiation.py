"""The rules of the talks: what is on the table, the mediator's proposals, and the parties' responses.

At the start of talks a pool of candidate packages is drawn from the negotiable space (plus each
party's ideal projected onto it). Packages that cross a hard red line, that the coalition cannot
deliver or will not approve, or whose terms contradict each other (NATO membership without the NATO
door open) are infeasible. Each round the mediator examines a sample of feasible
packages and tables the one that maximises the smallest surplus over the parties' current
aspirations (an egalitarian mediator); each party accepts if its perceived utility reaches its
aspiration. A deal needs all of Ukraine, Russia and the United States to accept.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.issues import ISSUES, compatible, normalise_matrix
from sim.scenario import Options, Package, Range

PARTY_KEYS: tuple[str, ...] = ("ukraine", "russia", "united_states")


@dataclass(frozen=True)
class Table:
    """What is on the table for one run.

    Attributes:
        numbers: Candidate packages (rows) as numeric natural values.
        normalised: The same, normalised to [0, 1].
        utilities: Parties × packages utility matrix, rows in the order of ``PARTY_KEYS``.
        feasible: Packages no party's hard red line forbids, the coalition commits to, and whose terms
            are compatible.
        feasible_idx: Indices of the feasible packages.
    """

    numbers: np.ndarray
    normalised: np.ndarray
    utilities: np.ndarray
    feasible: np.ndarray
    feasible_idx: np.ndarray

    def best_utilities(self) -> np.ndarray:
        """Each party's best utility over the feasible packages (zeros when none is feasible)."""
        if self.feasible_idx.size == 0:
            return np.zeros(len(self.utilities))
        return self.utilities[:, self.feasible_idx].max(axis=1)


def package_values(package: Package) -> list[np.ndarray]:
    """Per issue, the numeric natural values on the table (one value if fixed, two bounds if a range)."""
    out = []
    for issue in ISSUES:
        term = getattr(package, issue.name)
        if isinstance(term, Range):
            out.append(np.array([term.min, term.max], dtype=float))
        elif isinstance(term, Options):
            out.append(np.array([issue.to_number(v) for v in term.options], dtype=float))
        else:
            out.append(np.array([issue.to_number(term)], dtype=float))
    return out


def candidate_pool(package: Package, size: int, rng: np.random.Generator, ideals: Sequence[np.ndarray]) -> np.ndarray:
    """Draw candidate packages (numeric natural values) from the negotiable space.

    Ranges are sampled uniformly on the issue's normalised scale (so log-scaled troop numbers are
    sampled log-uniformly) and rounded to the issue's grain; options uniformly. Each ideal (a
    normalised point) is projected onto the space and added, so every party's best package is on
    the table. Duplicates are kept (they are harmless, and deduplicating costs more than it saves).
    """
    pool = np.empty((size + len(ideals), len(ISSUES)))
    for k, issue in enumerate(ISSUES):
        term = getattr(package, issue.name)
        if isinstance(term, Range):
            lo, hi = issue.normalise(term.min), issue.normalise(term.max)
            col = issue.denormalise(rng.uniform(lo, hi, size=size))
            proj = [issue.denormalise(np.clip(ideal[k], lo, hi)) for ideal in ideals]
            col = np.clip(col, term.min, term.max)
            proj = np.clip(proj, term.min, term.max)
        elif isinstance(term, Options):
            opts = np.array([issue.to_number(v) for v in term.options], dtype=float)
            col = opts[rng.integers(0, len(opts), size=size)]
            nopts = np.asarray(issue.normalise(opts))
            proj = [opts[int(np.argmin(np.abs(nopts - ideal[k])))] for ideal in ideals]
        else:
            col = np.full(size, issue.to_number(term))
            proj = [issue.to_number(term)] * len(ideals)
        pool[:size, k] = col
        pool[size:, k] = proj
    return pool


def build_table(numbers: np.ndarray, parties: Sequence, coalition) -> Table:  # noqa: ANN001 - agents
    """Evaluate candidate packages for every party and the coalition; mark the feasible ones."""
    normalised = normalise_matrix(numbers)
    utilities = np.vstack([p.preferences.utility(numbers, normalised) for p in parties])
    feasible = coalition.commits(numbers, normalised) & compatible(numbers)
    for p in parties:
        feasible &= p.preferences.acceptable(numbers)
    return Table(numbers, normalised, utilities, feasible, np.flatnonzero(feasible))


def propose(table: Table, aspirations: np.ndarray, rng: np.random.Generator, sample_size: int, previous: int | None) -> int:
    """The mediator's proposal: among a random sample of feasible packages (and the previous proposal),
    the one whose smallest surplus over the parties' aspirations is largest."""
    idx = table.feasible_idx
    sample = idx if sample_size >= idx.size else idx[rng.integers(0, idx.size, size=sample_size)]
    best = int(sample[int(np.argmax((table.utilities[:, sample] - aspirations[:, None]).min(axis=0)))])
    if previous is not None and previous != best:
        if (table.utilities[:, previous] - aspirations).min() > (table.utilities[:, best] - aspirations).min():
            return previous
    return best
