"""Anticipation: what each party expects from each candidate package over the horizon, for each type of
Russia's private edge — the link between the table and the peace.

For package ``x`` and Russia's type ``theta``, the model's own deterrence functions
(:mod:`sim.model.deterrence`) give Russia's yearly hazard ``h_t(x, theta)`` with the guarantors as signed (engaged,
cohesion at its mean: the parties do not foresee elections or cohesion swings), the guarantee expiring, power
shifting and peace consolidating; hence the chance that peace still holds in year ``t``,
``S_t = prod_{j <= t} (1 - h_j)``. Party ``i`` values the package at the discounted yearly average

    V_i(x, theta) = sum_t delta^(t-1) [S_t U_i(x) + (1 - S_t) W_i(b_t(x, theta))] / sum_t delta^(t-1)

where ``W_i`` is the one war-payoff function (:func:`sim.model.war.war_value`) at the balance a resumed war would
start from. So "sign now, attack later" is priced by both sides with the same numbers, and any change to
deterrence flows into the talks. Computed once per run for the whole candidate pool, vectorised over packages,
types and years (no nested simulation). Without anticipation, ``V_i(x, theta) = U_i(x)`` (the deal is valued as if
it held for ever, as in model v1).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config.scenario import Deterrence, Negotiation, Power, War
from sim.dealspace import ISSUE_INDEX
from sim.model.deterrence import (
    GuarantorRule,
    GuarantorState,
    active_years,
    consolidation,
    guarantee,
    hazard,
    structural_balance,
    waiting_gain_by_year,
)
from sim.model.war import Stakes, prevail, war_value

_DURATION = ISSUE_INDEX["duration_years"]


@dataclass(frozen=True)
class Anticipation:
    """The parties' expectations of a set of packages.

    Attributes:
        values: Parties x packages x types: each party's expected yearly value of each package, per type of
            Russia's private edge.
        survival: Packages x types x years: the chance that peace still holds in year ``t`` (1..horizon).
    """

    values: np.ndarray
    survival: np.ndarray


def anticipate(
    numbers: np.ndarray,
    utilities: np.ndarray,
    stakes: Sequence[Stakes],
    challenger: int,
    types: np.ndarray,
    rules: Sequence[GuarantorRule],
    states: Sequence[GuarantorState],
    war: War,
    power: Power,
    p: Deterrence,
    negotiation: Negotiation,
) -> Anticipation:
    """Every party's expected value of every package, per type (see the module doc).

    Args:
        numbers: Packages (rows of numeric natural values).
        utilities: Parties x packages: each party's utility of each package in peace.
        stakes: Each party's stakes in a war, in the parties' order.
        challenger: The challenger's index among the parties.
        types: The types of Russia's private edge.
        rules: The guarantors' rules.
        states: The guarantors' states at signing.
        war: The war's parameters (the initial balance, the outcome steepness).
        power: How power moves after a deal.
        p: The deterrence parameters (the horizon, the hazard).
        negotiation: The rules of the talks (anticipation on or off, the discount).
    """
    years = p.horizon_years
    n_pack, n_types = numbers.shape[0], types.size
    if not negotiation.anticipation:
        values = np.repeat(utilities[:, :, None], n_types, axis=2)
        return Anticipation(values, np.ones((n_pack, n_types, years)))
    # Arrays are years x packages x types, so that each year's slice is contiguous.
    active = active_years(numbers[:, _DURATION], years).T  # years x packages
    g_on = np.asarray(guarantee(numbers, True, states, rules), dtype=float)
    g_off = np.asarray(guarantee(numbers, False, states, rules), dtype=float)
    structural = structural_balance(numbers, 0.0, war.initial_balance, power, p, years)  # packages x years
    base = structural.T - np.where(active, g_on[None, :], g_off[None, :])
    b = base[:, :, None] + types[None, None, :]
    chance = prevail(b, war.outcome_steepness)  # Russia's chance of prevailing in a war begun that year
    v = war_value(stakes[challenger], b, war.outcome_steepness, chance)
    v -= utilities[challenger][None, :, None]
    v -= consolidation(years, p)[:, None, None]
    h = hazard(v, waiting_gain_by_year(v, p.foresight), p)
    survival = np.empty_like(h)
    alive = np.ones(h.shape[1:])
    for t in range(years):
        alive = alive * (1.0 - h[t])
        survival[t] = alive
    weights = negotiation.discount ** np.arange(years)
    weights = weights / weights.sum()
    held = np.tensordot(weights, survival, axes=(0, 0))  # packages x types: the discounted share of years at peace
    broken = np.subtract(1.0, survival)
    broken *= weights[:, None, None]  # the discounted weight of years at war
    at_war = broken.sum(axis=0)
    chance *= broken
    at_war_chance = chance.sum(axis=0)
    values = np.empty((len(stakes), n_pack, n_types))
    for i, s in enumerate(stakes):
        # sum_t w_t (1 - S_t) W_i(b_t), with W_i linear in the chance of prevailing
        war_part = (s.defender_wins - s.cost) * at_war + (s.challenger_wins - s.defender_wins) * at_war_chance
        values[i] = held * utilities[i][:, None] + war_part
    return Anticipation(values, np.moveaxis(survival, 0, -1))
