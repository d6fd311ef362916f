"""The years after a deal: guarantors' capability and credibility, Russia's motive, and the yearly hazard.

Pure functions of the deal, the year and the state of the guarantors; the model draws the random
events (US elections, coalition cohesion, attack, honouring) and calls the agents' decisions.
Symbols follow docs/MODEL.md, section "Deterrence phase".
"""

from __future__ import annotations

import math
from typing import NamedTuple

from sim.config.scenario import Deterrence
from sim.dealspace import BY_NAME, Deal

STRENGTHS = BY_NAME["guarantee_strength"].levels
US_ROLES = BY_NAME["us_role"].levels


class GuarantorState(NamedTuple):
    """What the guarantors are in a given year (immutable; a named tuple, made twice a simulated year).

    Attributes:
        active: Whether the guarantee is still in force (year <= duration).
        us_engaged: Whether the current US administration stands by the commitment.
        cohesion: Coalition cohesion in [0, 1].
    """

    active: bool
    us_engaged: bool
    cohesion: float


def force_weight(troops: float, half: float) -> float:
    """Military weight of a foreign force, in [0, 1): ``troops / (troops + half)``.

    Concave: a tripwire of a few thousand buys little; Cold-War scale approaches one.
    """
    return troops / (troops + half) if troops > 0 else 0.0


def coalition_credibility(deal: Deal, state: GuarantorState, p: Deterrence) -> float:
    """Probability that the coalition honours its commitment if Russia attacks.

    ``kappa_C = [1 - (1 - c_s)(1 - rho * F)] * cohesion * B(role in force) * (1 or expiry residual)``,
    where ``c_s`` is the base credibility of the guarantee strength, ``F`` the force's military weight
    (troops present, F41/F43) and ``B`` the backstop dependence on the US role actually in force.
    Non-decreasing in troops.
    """
    base = p.credibility[STRENGTHS[int(deal.number("guarantee_strength"))]]
    troops = deal.number("foreign_troops") if state.active else 0.0
    presence = p.presence_credibility * force_weight(troops, p.force_half_troops)
    kappa = 1.0 - (1.0 - base) * (1.0 - presence)
    role = US_ROLES[int(deal.number("us_role"))] if state.us_engaged else "none"
    kappa *= state.cohesion * p.backstop_dependence[role]
    if not state.active:
        kappa *= p.expiry_residual
    return min(max(kappa, 0.0), 1.0)


def us_credibility(deal: Deal, state: GuarantorState, p: Deterrence) -> float:
    """Probability that the United States honours its part if Russia attacks.

    Zero when the US has no role; otherwise the base credibility of the guarantee strength, times
    the unratified factor for an executive promise, the disengaged factor under a disengaged
    administration, and the expiry residual after expiry.
    """
    role = US_ROLES[int(deal.number("us_role"))]
    if role == "none":
        return 0.0
    kappa = p.credibility[STRENGTHS[int(deal.number("guarantee_strength"))]]
    if not p.ratified:
        kappa *= p.unratified_factor
    if not state.us_engaged:
        kappa *= p.disengaged_factor
    if not state.active:
        kappa *= p.expiry_residual
    return min(max(kappa, 0.0), 1.0)


def deterrence(
    deal: Deal, state: GuarantorState, p: Deterrence, credibility: tuple[float, float] | None = None
) -> float:
    """Expected cost to Russia of renewed war: Ukraine's army plus what guarantors would bring.

    ``D = a * min(army / army_ref, cap) + kappa_C * (w_c + w_f * F) + kappa_US * w_US(role)``.
    Foreign troops leave when the guarantee expires. ``credibility``: ``(kappa_C, kappa_US)`` in this
    state, if already computed (:func:`coalition_credibility`, :func:`us_credibility`).
    """
    if credibility is None:
        credibility = (coalition_credibility(deal, state, p), us_credibility(deal, state, p))
    kc, ku = credibility
    army = deal.number("ukraine_army") / p.army_reference
    a_term = p.army_weight * min(army, p.army_cap)
    troops = deal.number("foreign_troops") if state.active else 0.0
    f = force_weight(troops, p.force_half_troops)
    coalition = kc * (p.commitment_weight + p.force_weight * f)
    us = ku * p.us_weight[US_ROLES[int(deal.number("us_role"))]]
    return a_term + coalition + us


def motive(year: int, russia_utility: float, p: Deterrence) -> float:
    """Russia's motive to resume the war in a given year after the deal (1 = first year).

    ``M_t = (m_0 + m_d (1 - U_RU)) * [phi + (1 - phi) exp(-(t - 1) / tau)]``: highest right after the
    ceasefire, decaying as peace consolidates to a floor share ``phi`` that never goes away.
    """
    m0 = p.motive_base + p.motive_dissatisfaction * (1.0 - russia_utility)
    phi = p.motive_floor_share
    return m0 * (phi + (1.0 - phi) * math.exp(-(year - 1) / p.motive_decay_years))


def logistic(x: float) -> float:
    """The logistic function, safe for large arguments."""
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def hazard(incentive_now: float, incentive_wait: float | None, p: Deterrence) -> float:
    """Yearly probability that Russia resumes the war.

    ``h = h_max * L(s (V_now - theta)) * (1 - w * (1 - exp(-s * max(0, V_wait - V_now))))``, with ``L`` the
    logistic function and ``V_wait`` the discounted incentive of attacking once the guarantee has expired
    (``None`` once it has, or if it never will within the horizon). Russia holds back only in so far as
    waiting for expiry pays more than attacking now.
    """
    h = p.hazard_max * logistic(p.hazard_steepness * (incentive_now - p.hazard_threshold))
    if incentive_wait is not None and p.wait_weight > 0:
        gain = incentive_wait - incentive_now
        if gain > 0:
            h *= 1.0 - p.wait_weight * (1.0 - math.exp(-p.hazard_steepness * gain))
    return h


def classify_breakdown(deal: Deal, state: GuarantorState, p: Deterrence) -> str:
    """The main cause of a breakdown in a given year, for the outcome record.

    ``expired`` (after the guarantee lapsed), ``us_disengaged`` (a US administration walked away from a
    US role), ``coalition_split`` (cohesion well below its mean), ``no_enforcement`` (assurances or
    less, and no troops), else ``deterrence_gap``.
    """
    if not state.active:
        return "expired"
    if not state.us_engaged and deal.number("us_role") > 0:
        return "us_disengaged"
    if state.cohesion < p.cohesion_mean - 0.2:
        return "coalition_split"
    if deal.number("guarantee_strength") <= STRENGTHS.index("assurances") and deal.number("foreign_troops") == 0:
        return "no_enforcement"
    return "deterrence_gap"
