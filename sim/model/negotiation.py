"""The rules of the talks: what is on the table, the mediator's proposals, and the parties' answers.

At the start of talks a pool of candidate packages is drawn from the negotiable space (plus each party's ideal
projected onto it). Packages that cross a hard red line, that the coalition cannot deliver or will not approve,
or whose terms contradict each other (NATO membership without the NATO door open) are infeasible. Every party
values every feasible package by what it expects over the horizon (:mod:`sim.model.anticipation`), per type of
Russia's private edge. Each round (a month) every party's value of no deal is its value of a year of war at the
battlefield balance (:func:`sim.model.war.war_value`): Russia's at its own edge, the others' averaged over their
belief. The mediator tables the package that maximises the expected smallest surplus over the parties' values
of no deal, counting Russia's surplus only for the types that would accept; Ukraine and the United States accept
a package whose expected value, given their belief, is at least their value of no deal; Russia accepts when its
own value is. A rejection tells the others that Russia is not one of the types that would have accepted
(learning from rejections); the fighting tells them more (:func:`sim.model.war.update_belief`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from sim.config.scenario import Options, Package, Range
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
        utilities: Parties x packages utility matrix (utility of each package in peace), in the parties' order.
        feasible: Packages no party's hard red line forbids, the coalition commits to, and whose terms
            are compatible.
        feasible_idx: Indices of the feasible packages.
        values: Parties x feasible packages x types: each party's expected value of each feasible package
            (:func:`sim.model.anticipation.anticipate`), in the order of ``feasible_idx``.
    """

    numbers: np.ndarray
    normalised: np.ndarray
    utilities: np.ndarray
    feasible: np.ndarray
    feasible_idx: np.ndarray
    values: np.ndarray

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


def feasibility(
    numbers: np.ndarray, parties: Sequence[PartyAgent], composite: CoalitionAgent | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Evaluate candidate packages for every party and the composite guarantor (the coalition, which must field
    the force and consent): returns ``(normalised, utilities, feasible)``. Without a composite guarantor, no
    package may ask for foreign troops (the schema already requires none)."""
    normalised = normalise_matrix(numbers)
    utilities = np.vstack([p.preferences.utility(numbers, normalised) for p in parties])
    if composite is not None:
        feasible = composite.commits(numbers, normalised) & compatible(numbers)
    else:
        feasible = (numbers[:, ISSUE_INDEX["foreign_troops"]] <= 0) & compatible(numbers)
    for p in parties:
        feasible &= p.preferences.acceptable(numbers)
    return normalised, utilities, feasible


def build_table(
    numbers: np.ndarray, parties: Sequence[PartyAgent], composite: CoalitionAgent | None, anticipate: Callable
) -> Table:
    """The table of a run: the feasible packages and every party's expected value of each
    (``anticipate(numbers, utilities) -> Anticipation``, the parties' anticipation of those packages)."""
    normalised, utilities, feasible = feasibility(numbers, parties, composite)
    idx = np.flatnonzero(feasible)
    values = anticipate(numbers[idx], utilities[:, idx]).values
    return Table(numbers, normalised, utilities, feasible, idx, values)


@dataclass(frozen=True)
class Round:
    """What one round of talks produced.

    Attributes:
        offer: Row of the tabled package in the table, or None (no package any type of Russia would accept
            is acceptable to the others).
        utility: Each party's utility of it in peace, in the parties' order (empty without an offer).
        value: Each party's expected value of it (Russia's at its own edge; the others' over their belief).
        no_deal: Each party's value of no deal this round (the same way).
        accepted: Whether each party accepted it.
        chance: The others' probability that Russia accepts it, given their belief.
        would_accept: Per type of Russia, whether that type would accept it.
    """

    offer: int | None
    utility: list[float]
    value: list[float]
    no_deal: list[float]
    accepted: list[bool]
    chance: float
    would_accept: np.ndarray


class Proposal(NamedTuple):
    """The mediator's proposal and what it knows of the answers.

    Attributes:
        position: The proposal's position in ``table.feasible_idx`` (None: no package has a chance).
        would_accept: Per type of the challenger, whether that type accepts it.
        surplus: Each party's expected surplus of it over the belief (value minus value of no deal).
    """

    position: int | None
    would_accept: np.ndarray
    surplus: np.ndarray


def expectations(table: Table, belief: np.ndarray, no_deal: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Every party's expected value of every feasible package over the belief (parties x packages) and its
    expected value of no deal (parties): the numbers the non-challengers answer by. One home, so that the mediator
    and the parties compare the same floating-point numbers."""
    return table.values @ belief, no_deal @ belief


def propose(
    table: Table,
    belief: np.ndarray,
    no_deal: np.ndarray,
    challenger: int,
    expected: tuple[np.ndarray, np.ndarray] | None = None,
) -> Proposal:
    """The mediator's proposal: the feasible package, acceptable in expectation to every party but the
    challenger, that maximises ``sum_k belief_k * 1[challenger type k accepts] * min_i surplus_i(k)``.

    Args:
        table: What is on the table.
        belief: The others' belief over the challenger's types.
        no_deal: Parties x types: each party's value of no deal, per type.
        challenger: The challenger's index.
        expected: :func:`expectations` of these, if already computed.
    """
    values = table.values
    expected, expected_no_deal = expected if expected is not None else expectations(table, belief, no_deal)
    n_parties, n_pack = values.shape[0], values.shape[1]
    if n_pack == 0:
        return Proposal(None, np.zeros(belief.size, dtype=bool), np.zeros(n_parties))
    # Each party's expected surplus of each package. "Acceptable in expectation to every other party", the test
    # of PartyAgent.accepts (value >= value of no deal), is "the smallest of their surpluses is >= 0": the same
    # comparison (a difference of floats is >= 0 exactly when the first is >= the second).
    surplus = expected - expected_no_deal[:, None]
    others = [surplus[i] for i in range(n_parties) if i != challenger]
    west = others[0]
    for row in others[1:]:
        west = np.minimum(west, row)
    russia = values[challenger] - no_deal[challenger]  # packages x types
    accepts = russia >= 0.0
    objective = np.where(accepts, np.minimum(russia, west[:, None]), 0.0) @ belief
    chance = accepts @ belief
    objective = np.where((west >= 0.0) & (chance > 0.0), objective, -np.inf)
    j = int(objective.argmax())
    if not math.isfinite(objective[j]):
        return Proposal(None, np.zeros(belief.size, dtype=bool), np.zeros(n_parties))
    return Proposal(j, accepts[j], surplus[:, j])


def talks_round(
    table: Table,
    parties: Sequence[PartyAgent],
    belief: np.ndarray,
    no_deal: np.ndarray,
    challenger: int,
    edge_index: int,
) -> Round:
    """One round of talks: the mediator tables a package, every party answers. The deal needs every party's
    acceptance. Russia answers with its own type (``edge_index``); the others by their belief.

    Args:
        table: What is on the table.
        parties: The party agents, in the scenario's order.
        belief: The others' belief over Russia's types.
        no_deal: Parties x types: each party's value of no deal this round, per type.
        challenger: The challenger's index.
        edge_index: The index of Russia's true type.
    """
    expected, expected_no_deal = expectations(table, belief, no_deal)  # once: the mediator and the answers
    prop = propose(table, belief, no_deal, challenger, (expected, expected_no_deal))
    j = prop.position
    nd = [float(no_deal[i, edge_index]) if i == challenger else float(expected_no_deal[i]) for i in range(len(parties))]
    if j is None:  # nothing tabled: the values of no deal are still every party's own
        return Round(None, [], [], nd, [False] * len(parties), 0.0, prop.would_accept)
    row = int(table.feasible_idx[j])
    value = [
        float(table.values[i, j, edge_index]) if i == challenger else float(expected[i, j]) for i in range(len(parties))
    ]
    accepted = [p.accepts(v, n) for p, v, n in zip(parties, value, nd, strict=True)]
    chance = float(prop.would_accept @ belief)
    return Round(row, table.utilities[:, row].tolist(), value, nd, accepted, chance, prop.would_accept)


def learn_from_rejection(belief: np.ndarray, accepts: np.ndarray) -> np.ndarray:
    """The others' belief after Russia rejected a package that the types in ``accepts`` would have taken: those
    types are ruled out (Bayes' rule with deterministic answers). Russia's true type is never ruled out."""
    post = np.where(accepts, 0.0, belief)
    total = post.sum()
    return post / total if total > 0 else belief
