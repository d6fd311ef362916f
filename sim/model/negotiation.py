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

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from sim.config.scenario import Negotiation, Options, Package, Range
from sim.dealspace import ISSUE_INDEX, ISSUES, clip, compatible, normalise_matrix

if TYPE_CHECKING:
    from sim.model.actors import CoalitionAgent, PartyAgent

PARTY_KEYS: tuple[str, ...] = ("ukraine", "russia", "united_states")
"""The parties of the default scenario (a scenario's own are ``scenario.keys_with("party")``)."""


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

    @functools.cached_property
    def by_package(self) -> np.ndarray:
        """Packages × parties utilities, contiguous (the mediator reads it row by row)."""
        return np.ascontiguousarray(self.utilities.T)

    @functools.cached_property
    def feasible_by_package(self) -> np.ndarray:
        """Rows of :attr:`by_package` for the feasible packages, in the order of ``feasible_idx``."""
        return self.by_package[self.feasible_idx]

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


@dataclass(frozen=True)
class _Column:
    """How one issue's column of the pool is drawn: fixed, a range (normalised bounds) or options."""

    kind: str
    fixed: float = 0.0
    lo: float = 0.0
    hi: float = 0.0
    raw_lo: float = 0.0
    raw_hi: float = 0.0
    options: np.ndarray | None = None
    options_n: np.ndarray | None = None


def negotiable_space(package: Package) -> tuple[_Column, ...]:
    """The negotiable space of a package, per issue: how each column of the candidate pool is drawn (computed
    once per scenario, by :func:`sim.model.compiled.compile_scenario`)."""
    cols = []
    for issue in ISSUES:
        term = getattr(package, issue.name)
        if isinstance(term, Range):
            cols.append(
                _Column(
                    "range",
                    lo=float(issue.normalise(term.min)),
                    hi=float(issue.normalise(term.max)),
                    raw_lo=term.min,
                    raw_hi=term.max,
                )
            )
        elif isinstance(term, Options):
            opts = np.array([issue.to_number(v) for v in term.options], dtype=float)
            cols.append(_Column("options", options=opts, options_n=np.asarray(issue.normalise(opts))))
        else:
            cols.append(_Column("fixed", fixed=issue.to_number(term)))
    return tuple(cols)


def candidate_pool(
    space: Sequence[_Column], size: int, rng: np.random.Generator, ideals: Sequence[np.ndarray]
) -> np.ndarray:
    """Draw candidate packages (numeric natural values) from the negotiable space (:func:`negotiable_space`).

    Ranges are sampled uniformly on the issue's normalised scale (so log-scaled troop numbers are
    sampled log-uniformly) and rounded to the issue's grain; options uniformly. Each ideal (a
    normalised point) is projected onto the space and added, so every party's best package is on
    the table. Duplicates are kept (they are harmless, and deduplicating costs more than it saves).
    """
    pool = np.empty((size + len(ideals), len(ISSUES)))
    ideal_matrix = np.asarray(ideals, dtype=float).reshape(len(ideals), len(ISSUES))
    for k, (issue, col) in enumerate(zip(ISSUES, space, strict=True)):
        if col.kind == "range":
            draws = np.concatenate([rng.uniform(col.lo, col.hi, size=size), clip(ideal_matrix[:, k], col.lo, col.hi)])
            pool[:, k] = clip(issue.denormalise(draws), col.raw_lo, col.raw_hi)
        elif col.kind == "options":
            assert col.options is not None and col.options_n is not None  # noqa: S101 - by construction
            pool[:size, k] = col.options[rng.integers(0, len(col.options), size=size)]
            pool[size:, k] = col.options[np.abs(col.options_n[None, :] - ideal_matrix[:, k, None]).argmin(axis=1)]
        else:
            pool[:, k] = col.fixed
    return pool


def build_table(numbers: np.ndarray, parties: Sequence[PartyAgent], composite: CoalitionAgent | None) -> Table:
    """Evaluate candidate packages for every party and the composite guarantor (the coalition, which must field
    the force and consent); mark the feasible ones. Without a composite guarantor, no package may ask for
    foreign troops (the schema already requires none)."""
    normalised = normalise_matrix(numbers)
    utilities = np.vstack([p.preferences.utility(numbers, normalised) for p in parties])
    if composite is not None:
        feasible = composite.commits(numbers, normalised) & compatible(numbers)
    else:
        feasible = (numbers[:, ISSUE_INDEX["foreign_troops"]] <= 0) & compatible(numbers)
    for p in parties:
        feasible &= p.preferences.acceptable(numbers)
    return Table(numbers, normalised, utilities, feasible, np.flatnonzero(feasible))


def propose(
    table: Table, aspirations: np.ndarray, rng: np.random.Generator, sample_size: int, previous: int | None
) -> int:
    """The mediator's proposal: among a random sample of feasible packages (and the previous proposal),
    the one whose smallest surplus over the parties' aspirations is largest (the previous proposal only
    if strictly better)."""
    idx = table.feasible_idx
    if sample_size >= idx.size:
        pick, rows = None, table.feasible_by_package
    else:
        pick = rng.integers(0, idx.size, size=sample_size)  # positions in feasible_idx
        rows = table.feasible_by_package.take(pick, axis=0)
    smallest = np.minimum.reduce(rows - aspirations, axis=1)
    j = int(smallest.argmax())
    best = int(idx[j] if pick is None else idx[pick[j]])
    if previous is not None and previous != best:
        prev = min(u - a for u, a in zip(table.by_package[previous].tolist(), aspirations.tolist(), strict=True))
        if prev > smallest[j]:
            return previous
    return best


@dataclass(frozen=True)
class Round:
    """What one round of talks produced.

    Attributes:
        offer: Row of the tabled package in the table.
        utility: Each party's (true) utility of it, in the parties' order.
        aspiration: Each party's aspiration after conceding this round.
        accepted: Whether each party accepted it.
    """

    offer: int
    utility: list[float]
    aspiration: np.ndarray
    accepted: list[bool]


def talks_round(
    table: Table,
    parties: Sequence[PartyAgent],
    betas: Sequence[float | None],
    t: int,
    rules: Negotiation,
    rng: np.random.Generator,
    previous: int | None,
) -> Round:
    """One round of talks (the war has moved the reservation values already): every party concedes, the
    mediator tables a package, every party answers. The deal needs every party's acceptance.

    Args:
        table: What is on the table.
        parties: The party agents, in the scenario's order.
        betas: Each party's concession exponent this round (None: its own).
        t: The round (1 = the first month of talks).
        rules: The rules of the talks (deadline, proposals examined per round).
        rng: The model's random generator (the mediator's sample, the parties' perception noise).
        previous: The previous round's offer, if any.
    """
    for p, beta in zip(parties, betas, strict=True):
        p.concede(t, rules.max_rounds, beta)
    aspirations = np.array([p.aspiration for p in parties])
    offer = propose(table, aspirations, rng, rules.proposals_per_round, previous)
    u = table.by_package[offer].tolist()
    accepted = [p.accepts(ui) for p, ui in zip(parties, u, strict=True)]
    return Round(offer, u, aspirations, accepted)
