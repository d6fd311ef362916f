"""Anticipation: what each party expects from each candidate package over the horizon, for each type of
Russia's private edge — the link between the table and the peace.

For package ``x`` and Russia's type ``theta``, the model's own deterrence functions
(:mod:`sim.model.deterrence`) give Russia's yearly hazard ``h_t(x, theta)`` with the guarantors as signed (engaged,
cohesion at its mean: the parties do not foresee elections or cohesion swings), the guarantee renewed or lapsing
at the end of each term as the renewal rule would decide with the guarantors so (``projected_expiry``), a lapsed
force drawing down, power shifting and peace consolidating; hence the chance that peace still holds in year ``t``,
``S_t = prod_{j <= t} (1 - h_j)``. Party ``i`` values the package at the discounted yearly average

    V_i(x, theta) = sum_t delta^(t-1) [S_t U_i(x) + (1 - S_t) W_i(b_t(x, theta))] / sum_t delta^(t-1)

where ``W_i`` is the one war-payoff function (:func:`sim.model.war.war_value`) at the balance a resumed war would
start from. So "sign now, attack later" is priced by both sides with the same numbers, and any change to
deterrence flows into the talks. Computed once per run for the whole candidate pool, vectorised over packages,
types and years (no nested simulation). Without anticipation, ``V_i(x, theta) = U_i(x)`` (the deal is valued as if
it held for ever, as in model v1).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config.scenario import Deterrence, Expiry, Negotiation, Power, War
from sim.dealspace import ISSUE_INDEX
from sim.model.deterrence import (
    GuarantorRule,
    GuarantorState,
    averted_hazard,
    consolidation,
    force_shares,
    guarantee,
    hazard,
    projected_expiry,
    regime_path,
    renewal_dates,
    staying_cost,
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
        survival: Packages x types x years: the chance that peace still holds in year ``t`` (1..horizon); None
            unless asked for (``keep_survival``).
    """

    values: np.ndarray
    survival: np.ndarray | None


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
    expiry: Expiry,
    *,
    keep_survival: bool = False,
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
        expiry: What happens at the end of the guarantee's term (renewal, drawdown).
        keep_survival: Return the survival curves too (the talks need only the values).
    """
    years = p.horizon_years
    n_pack, n_types = numbers.shape[0], types.size
    if not negotiation.anticipation:
        values = np.repeat(utilities[:, :, None], n_types, axis=2)
        return Anticipation(values, np.ones((n_pack, n_types, years)) if keep_survival else None)
    workspace = _SPARE.pop() if _SPARE else _Workspace()  # see _Workspace
    try:
        # Arrays are years x packages x types, so that each year's slice is contiguous. The work is done in place, in
        # buffers kept from one run to the next (:class:`_Workspace`): fresh arrays this large cost the memory
        # allocator more than the arithmetic, and this is most of a run's construction.
        # The guarantors' expected weight in each regime of the guarantee (in force, drawing down, gone).
        shares = force_shares(expiry.drawdown_years)
        g = np.array(
            [
                np.broadcast_to(guarantee(numbers, k == 0, states, rules, share=float(f)), (n_pack,))
                for k, f in enumerate(shares)
            ]
        )  # regimes x packages
        structural = structural_balance(numbers, 0.0, war.initial_balance, power, p, years).T  # years x packages
        psi = consolidation(years, p)
        # The renewals, as the parties expect the guarantors to decide them (their states at signing, Russia's
        # edge judged at the prior's mean).
        term = np.clip(numbers[:, _DURATION], 0, years + 1).astype(int)
        need = np.full((years, n_pack), np.inf)  # the need matters only where a term ends (renewal_dates)
        if expiry.renewal:
            t, k = renewal_dates(term, years)
            need[t, k] = averted_hazard(
                structural[t, k] + float(types.mean()),
                g[0, k],
                g[1, k],
                stakes[challenger],
                utilities[challenger][k],
                psi[t],
                war.outcome_steepness,
                p,
            )
        end = projected_expiry(need, staying_cost(numbers, rules, expiry), term, term, expiry.renewal)
        regime = regime_path(np.minimum(end, years + 1), years, expiry.drawdown_years)  # years x packages
        base = structural - g[regime, np.arange(n_pack)[None, :]]
        shape = (years, n_pack, n_types)
        b = np.add(base[:, :, None], types[None, None, :], out=workspace.take("incentive", shape))
        # Russia's chance of prevailing in a war begun that year
        chance = prevail(b, war.outcome_steepness, out=workspace.take("chance", shape))
        v = war_value(stakes[challenger], b, war.outcome_steepness, chance, out=b)  # the balance is no longer needed
        v -= utilities[challenger][None, :, None]
        v -= psi[:, None, None]
        gain = waiting_gain_by_year(
            v, p.foresight, out=workspace.take("hazard", shape), scratch=workspace.take("scratch", shape)
        )
        h = hazard(v, gain, p, out=gain)
        survival = np.subtract(1.0, h, out=h)
        for t in range(1, years):  # S_t = prod_{j <= t} (1 - h_j) (as np.cumprod, which is slower along this axis)
            survival[t] *= survival[t - 1]
        weights = negotiation.discount ** np.arange(years)
        weights = weights / weights.sum()
        flat = (years, n_pack * n_types)
        held = (weights @ survival.reshape(flat)).reshape(n_pack, n_types)  # the discounted share of years at peace
        at_war = 1.0 - held  # ... and at war (the weights sum to 1)
        # sum_t w_t (1 - S_t) pi_t: the discounted weight of years at war, times the chance of prevailing in them
        at_war_chance = weights @ chance.reshape(flat)
        chance *= survival
        at_war_chance -= weights @ chance.reshape(flat)
        at_war_chance = at_war_chance.reshape(n_pack, n_types)
        values = np.empty((len(stakes), n_pack, n_types))
        for i, s in enumerate(stakes):
            # sum_t w_t (1 - S_t) W_i(b_t), with W_i linear in the chance of prevailing
            war_part = (s.defender_wins - s.cost) * at_war + (s.challenger_wins - s.defender_wins) * at_war_chance
            values[i] = held * utilities[i][:, None] + war_part
        kept = np.moveaxis(survival, 0, -1).copy() if keep_survival else None  # before the buffers go back
    finally:
        _SPARE.append(workspace)
    return Anticipation(values, kept)


class _Workspace:
    """Buffers for :func:`anticipate`, reused from one call to the next (grown when a call needs more; not kept
    beyond :data:`_KEEP` elements, so that an outsized scenario does not hold its memory). A call takes a workspace
    from :data:`_SPARE` and gives it back when done (``list.pop`` and ``append`` are atomic), so that calls on
    several threads never share one."""

    def __init__(self) -> None:
        self.buffers: dict[str, np.ndarray] = {}

    def take(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A buffer of this shape (its contents are undefined)."""
        size = math.prod(shape)
        if size > _KEEP:
            return np.empty(shape)
        buf = self.buffers.get(name)
        if buf is None or buf.size < size:
            buf = self.buffers[name] = np.empty(size)
        return buf[:size].reshape(shape)


_KEEP = 4_000_000
"""Largest buffer (elements) a workspace keeps: 32 MB, against about 90,000 for the baseline."""
_SPARE: list[_Workspace] = []
