"""Anticipation: what each party expects from each candidate package over the horizon, for each type of
Russia's private edge — the link between the table and the peace.

For package ``x`` and Russia's type ``theta``, the model's own deterrence functions
(:mod:`sim.model.deterrence`) give Russia's yearly hazard ``h_t(x, theta)``: with the guarantors as signed
(engaged, cohesion at its mean) until the first US election, then the expectation over the combinations of
engagement the elections may bring (``election_outcomes``), each with Russia's own foresight from that state
(``best_later``: the lull before elections included); the guarantee renewed or lapsing at the end of each term as
the renewal rule would decide with the guarantors as signed (``projected_expiry``), a lapsed force drawing down,
power shifting and peace consolidating; hence the chance that peace still holds in year ``t``,
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
from sim.dealspace import ISSUE_INDEX, clip
from sim.model.deterrence import (
    GuarantorRule,
    GuarantorState,
    averted_hazard,
    base_credibility,
    best_later,
    by_position,
    consolidations,
    election_calendar,
    election_outcomes,
    expected_multipliers,
    expected_weight,
    force_shares,
    hazard,
    projected_expiry,
    regime_path,
    renewal_dates,
    staying_cost,
    structural_balance,
    weight,
)
from sim.model.war import Stakes, prevail_with_edges

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
        # Arrays are years x types x packages, so that each year's slice is contiguous and the broadcasts run along
        # the packages. The work is done in place, in buffers kept from one run to the next (:class:`_Workspace`):
        # fresh arrays this large cost the memory allocator more than the arithmetic, and this is most of a run's
        # construction.
        shares = force_shares(expiry.drawdown_years)
        # Each guarantor's base credibility and weight in each regime of the guarantee (in force, drawing down,
        # gone), and the guarantors' expected weight in each with their states at signing: regimes x packages.
        tables = _stacked([_per_regime(r, numbers, shares) for r in rules])
        at_signing = expected_multipliers(numbers, 1, years, states, rules)
        g = _guarantee(tables, [np.asarray(m) if np.ndim(m) < 2 else m[0] for m in at_signing], n_pack)
        structural = structural_balance(numbers, 0.0, war.initial_balance, power, p, years).T  # years x packages
        psi = consolidations(numbers, years, p)  # years x packages
        # The renewals, as the parties expect the guarantors to decide them (their states at signing, Russia's
        # edge judged at the prior's mean).
        term = clip(numbers[:, _DURATION], 0, years + 1).astype(int)
        need = np.full((years, n_pack), np.inf)  # the need matters only where a term ends (renewal_dates)
        if expiry.renewal:
            t, k = renewal_dates(term, years)  # (projected_expiry looks only where the need is finite)
            need[t, k] = averted_hazard(
                structural[t, k] + float(types.mean()),
                g[0, k],
                g[1, k],
                stakes[challenger],
                utilities[challenger][k],
                psi[t, k],
                war.outcome_steepness,
                p,
            )
        end = projected_expiry(need, staying_cost(numbers, rules, expiry), term, term, expiry.renewal)
        regime = regime_path(np.minimum(end, years + 1), years, expiry.drawdown_years)  # years x packages
        # The guarantors as the elections may leave them: each combination of engagement, with its chance once the
        # first election has passed (the states at signing until then); a cohesion reverting to its mean.
        combos = election_outcomes(states, rules)
        odds = [prob for _, prob in combos]
        now = next(i for i, (st, _) in enumerate(combos) if st == tuple(states))
        every = election_calendar(rules) if len(combos) > 1 else None
        every = years if every is None else min(every, years)
        # The years arranged by their position in the term between elections (by_position: one term, the years in
        # order, without elections), so that Russia's foresight runs on contiguous blocks; the padding to whole
        # terms repeats the last year and weighs nothing.
        order = by_position(years, every)
        src = np.minimum(order.time, years - 1)
        slots = src.size
        regime_s, structural_s = regime[src], structural[src]
        at = regime_s * n_pack + np.arange(n_pack)[None, :]  # where each slot's regime is in a flat regimes x packages
        shape = (slots, n_types, n_pack)  # packages last: the broadcasts run along the longest axis
        v = workspace.take("incentive", (len(combos), *shape))
        chance = workspace.take("chance", v.shape)
        # Russia's incentive times the hazard's steepness s (one pass fewer in the hazard; the gain from waiting,
        # a maximum of discounted positive parts, scales with it): s V = s (W - U - psi) = s spread pi + s rest,
        # rest years x packages
        steep = p.hazard_steepness
        challenger_stakes = stakes[challenger]
        spread = steep * (challenger_stakes.challenger_wins - challenger_stakes.defender_wins)
        rest = (challenger_stakes.defender_wins - challenger_stakes.cost) - utilities[challenger][None, :]
        rest_p = (steep * (rest - psi))[src].astype(v.dtype)
        for c, (st, _) in enumerate(combos):
            mult = at_signing if st == tuple(states) else expected_multipliers(numbers, 1, years, st, rules)
            if all(np.ndim(m) < 2 for m in mult):  # the same every year: gather the regimes' values
                big_g = _guarantee(tables, mult, n_pack).ravel().take(at)
            else:
                paths = [m[src] if np.ndim(m) == 2 else m for m in mult]
                big_g = _guarantee_path(tables, paths, at)
            # Russia's chance of prevailing in a war begun that year, at b = structural - G + theta; then s V
            b = prevail_with_edges(structural_s - big_g, types, war.outcome_steepness, out=chance[c])
            np.multiply(b, spread, out=v[c])
            v[c] += rest_p[:, None, :]
        gain = workspace.take("hazard", v.shape)
        if p.foresight > 0:
            plus = np.clip(v, 0.0, np.inf, out=workspace.take("plus", v.shape))  # (faster than maximum with 0)
            plus[:, ~order.valid] = 0.0
            best_later(plus, odds, every, p.foresight, gain, workspace.take)
            gain -= plus
            np.clip(gain, 0.0, np.inf, out=gain)
        else:
            gain.fill(0.0)
        h_all = hazard(v, gain, p, out=gain, scaled=True)
        # The expected hazard and chance of prevailing in each year: the signing states' until the first election,
        # then the mixture over what the elections may bring (the slots of the terms after the first).
        h, chance_mixed = h_all[now], chance[now]
        if every < years:
            terms = (every, slots // every, n_types, n_pack)
            h_later, chance_later = h.reshape(terms)[:, 1:], chance_mixed.reshape(terms)[:, 1:]
            h_later *= odds[now]
            chance_later *= odds[now]
            for c in range(len(combos)):
                if c != now:
                    h_later += h_all[c].reshape(terms)[:, 1:] * odds[c]
                    chance_later += chance[c].reshape(terms)[:, 1:] * odds[c]
        survival = _survival(np.subtract(1.0, h, out=h), every, years)
        weights = np.zeros(slots)
        weights[order.slot] = negotiation.discount ** np.arange(years)
        weights /= weights.sum()
        flat = (slots, n_pack * n_types)
        held = (weights @ survival.reshape(flat)).reshape(n_types, n_pack).T  # the discounted share of years at peace
        at_war = 1.0 - held  # ... and at war (the weights sum to 1)
        # sum_t w_t (1 - S_t) pi_t: the discounted weight of years at war, times the chance of prevailing in them
        at_war_chance = weights @ chance_mixed.reshape(flat)
        chance_mixed *= survival
        at_war_chance -= weights @ chance_mixed.reshape(flat)
        at_war_chance = at_war_chance.reshape(n_types, n_pack).T
        values = np.empty((len(stakes), n_pack, n_types))
        for i, s in enumerate(stakes):
            # sum_t w_t (1 - S_t) W_i(b_t), with W_i linear in the chance of prevailing
            war_part = (s.defender_wins - s.cost) * at_war + (s.challenger_wins - s.defender_wins) * at_war_chance
            values[i] = held * utilities[i][:, None] + war_part
        kept = np.transpose(survival[order.slot], (2, 1, 0)).astype(float) if keep_survival else None  # a copy
    finally:
        _SPARE.append(workspace)
    return Anticipation(values, kept)


def _survival(kept: np.ndarray, every: int, years: int) -> np.ndarray:
    """``S_t = prod_{j <= t} (1 - h_j)`` in place, for the chances ``1 - h`` of the years arranged by position in
    the term (:func:`~sim.model.deterrence.by_position`, ``every`` years a term): the product within each term
    (a loop over the positions, every term at once), then the terms before it (a loop over the terms)."""
    terms = kept.shape[0] // every
    by = kept.reshape((every, terms, *kept.shape[1:]))
    for k in range(1, every):  # within each term
        by[k] *= by[k - 1]
    if terms > 1:
        before = np.empty_like(by[0])  # the chance of holding through each earlier term, cumulated
        before[0] = 1.0
        for c in range(1, terms):
            np.multiply(before[c - 1], by[every - 1, c - 1], out=before[c])
        by *= before[None]
    return kept


def _per_regime(rule: GuarantorRule, numbers: np.ndarray, shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A guarantor's base credibility and weight in each regime of the guarantee: regimes x packages (in force,
    then the lapsed regimes at once: the shares of the force present as a column)."""
    n_pack = numbers.shape[0]
    lapsed = shares[1:, None]
    base = np.empty((shares.size, n_pack))
    w = np.empty_like(base)
    base[0] = base_credibility(rule, numbers, True, float(shares[0]))
    w[0] = weight(rule, numbers, True, float(shares[0]))
    base[1:] = base_credibility(rule, numbers[None], False, lapsed)  # type: ignore[arg-type] - a column of shares
    w[1:] = weight(rule, numbers[None], False, lapsed)  # type: ignore[arg-type]
    return base, w


def _stacked(tables: list[tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray] | None:
    """The guarantors' tables (:func:`_per_regime`) as two arrays, guarantors x regimes x packages: their base
    credibilities and their weights (None without guarantors)."""
    if not tables:
        return None
    return np.stack([t[0] for t in tables]), np.stack([t[1] for t in tables])


def _guarantee(tables: tuple[np.ndarray, np.ndarray] | None, mult: Sequence, n_pack: int) -> np.ndarray:
    """The guarantors' expected weight ``G`` (:func:`~sim.model.deterrence.expected_weight`) per regime (regimes x
    packages), each guarantor's engagement multiplier the same every year (a number or one per package)."""
    if tables is None:
        return np.zeros((1, n_pack))
    base, w = tables
    shape = base.shape[1:]
    return expected_weight(base, w, np.stack([np.broadcast_to(m, shape) for m in mult]))[1]


def _guarantee_path(tables: tuple[np.ndarray, np.ndarray], mult: Sequence, at: np.ndarray) -> np.ndarray:
    """:func:`_guarantee` in each year (years x packages) for engagement multipliers that change over the years
    (a cohesion reverting to its mean, :func:`expected_multipliers`); ``at``: each year's regime for each package,
    as an index into the flattened regimes x packages."""
    base, w = (t.reshape(t.shape[0], -1).take(at, axis=1) for t in tables)
    return expected_weight(base, w, np.stack([np.broadcast_to(m, at.shape) for m in mult]))[1]


class _Workspace:
    """Buffers for :func:`anticipate`, reused from one call to the next (grown when a call needs more; not kept
    beyond :data:`_KEEP` elements, so that an outsized scenario does not hold its memory). A call takes a workspace
    from :data:`_SPARE` and gives it back when done (``list.pop`` and ``append`` are atomic), so that calls on
    several threads never share one."""

    def __init__(self) -> None:
        self.buffers: dict[str, np.ndarray] = {}

    def take(self, name: str, shape: tuple[int, ...]) -> np.ndarray:
        """A buffer of this shape, in :data:`PRECISION` (its contents are undefined)."""
        size = math.prod(shape)
        if size > _KEEP:
            return np.empty(shape, dtype=PRECISION)
        buf = self.buffers.get(name)
        if buf is None or buf.size < size or buf.dtype != PRECISION:
            buf = self.buffers[name] = np.empty(size, dtype=PRECISION)
        return buf[:size].reshape(shape)


PRECISION = np.float32
"""The floating-point type of the anticipation's large arrays (years x types x packages, per combination of the
guarantors' states): single precision, which halves the cost of every pass over them (the run's budget). The
values it returns are double; their relative error against a double-precision computation is below 1e-5 (a test
checks it), far below the Monte Carlo error of any figure the model reports."""
_KEEP = 4_000_000
"""Largest buffer (elements) a workspace keeps: 32 MB, against about 90,000 for the baseline."""
_SPARE: list[_Workspace] = []
