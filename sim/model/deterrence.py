"""The years after a deal: each guarantor's credibility, the deterrence Russia faces, its motive, and its yearly
choice whether to resume the war.

Pure functions of the deal, the year and the guarantors' states. The guarantors are data
(:class:`GuarantorRule`, compiled from the scenario's ``actors.<key>.guarantor`` sections), so a new
guarantor is a few lines of YAML. The model draws the random events (elections, cohesion, the attack,
honouring); the agents own their states and decide; :func:`yearly_choice` is the one home of Russia's
calculus, called by the Russia agent and by :func:`sim.analysis.tables.incentive_path` alike. Symbols
follow docs/MODEL.md, section "Deterrence phase".
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from sim.config.scenario import Cohesion, Deterrence, Elections, Engagement, Guarantor
from sim.dealspace import BY_NAME, ISSUE_INDEX, Deal

STRENGTHS = BY_NAME["guarantee_strength"].levels
_STRENGTH = ISSUE_INDEX["guarantee_strength"]
_TROOPS = ISSUE_INDEX["foreign_troops"]
_ARMY = ISSUE_INDEX["ukraine_army"]
_ASSURANCES = STRENGTHS.index("assurances")


class GuarantorState(NamedTuple):
    """One guarantor's engagement in a given year (immutable; made once a simulated year per guarantor).

    Attributes:
        engaged: Whether its government stands by the commitment (elections may change it).
        cohesion: Its cohesion in [0, 1] (a composite guarantor; 1.0 for the others).
    """

    engaged: bool
    cohesion: float


@dataclass(frozen=True)
class GuarantorRule:
    """A guarantor's commitment, compiled from its scenario section for fast yearly evaluation.

    Attributes:
        key: The actor's key (``united_states``, ``coalition``, ...).
        label: The actor's label, for tables and figures.
        credibility: Base credibility per guarantee-strength level index.
        commitment_weight: Deterrence from the commitment itself, times the credibility.
        role_issue: Column of the package issue that sets its role (the US role), or None.
        role_weight: Deterrence per level of that issue, times the credibility (empty without a role).
        force: The force it fields (the package's foreign troops), or None.
        backstop: Index (in the scenario's guarantors) of the guarantor whose role in force it leans on, or None.
        backstop_dependence: Credibility multiplier per level of that guarantor's role in force.
        ratification: 1, or the unratified factor for an executive promise.
        engagement: How its engagement evolves (steady, elections, cohesion).
        expiry_residual: Share of credibility that survives the guarantee's expiry.
    """

    key: str
    label: str
    credibility: tuple[float, ...]
    commitment_weight: float
    role_issue: int | None
    role_weight: tuple[float, ...]
    force: tuple[float, float, float] | None  # (half troops, weight, presence credibility)
    backstop: int | None
    backstop_dependence: tuple[float, ...]
    ratification: float
    engagement: Engagement
    expiry_residual: float

    @classmethod
    def from_spec(cls, key: str, label: str, spec: Guarantor, guarantors: Mapping[str, Guarantor]) -> GuarantorRule:
        """Compile a guarantor's scenario section; ``guarantors`` are all the scenario's, by key, in order."""
        role_issue = role_weight = None
        if spec.role is not None:
            issue = BY_NAME[spec.role.issue]
            role_issue = ISSUE_INDEX[issue.name]
            role_weight = tuple(spec.role.weight[lv] for lv in issue.levels)
        backstop, dependence = None, ()
        if spec.backstop is not None:
            backstop = list(guarantors).index(spec.backstop.guarantor)
            role = guarantors[spec.backstop.guarantor].role
            assert role is not None  # noqa: S101 - the schema checks that the backstop has a role
            dependence = tuple(spec.backstop.dependence[lv] for lv in BY_NAME[role.issue].levels)
        f = spec.force
        force = None if f is None else (f.half_troops, f.weight, f.presence_credibility)
        return cls(
            key=key,
            label=label,
            credibility=tuple(spec.credibility[lv] for lv in STRENGTHS),
            commitment_weight=spec.commitment_weight,
            role_issue=role_issue,
            role_weight=role_weight or (),
            force=force,
            backstop=backstop,
            backstop_dependence=dependence,
            ratification=1.0 if spec.ratified else spec.unratified_factor,
            engagement=spec.engagement,
            expiry_residual=spec.expiry_residual,
        )

    def initial_state(self) -> GuarantorState:
        """Its state when the deal is signed: engaged, and cohesion at its long-run mean."""
        e = self.engagement
        return GuarantorState(engaged=True, cohesion=e.mean if isinstance(e, Cohesion) else 1.0)

    def engagement_factor(self, state: GuarantorState) -> float:
        """Credibility multiplier of its engagement: the disengaged factor, its cohesion, or 1."""
        e = self.engagement
        if isinstance(e, Elections):
            return 1.0 if state.engaged else e.disengaged_factor
        if isinstance(e, Cohesion):
            return state.cohesion
        return 1.0

    def role_level(self, deal: Deal) -> int:
        """The level index of its role in the deal (0, no commitment, for the lowest level)."""
        return 0 if self.role_issue is None else int(deal.values[self.role_issue])


def force_weight(troops: float, half: float) -> float:
    """Military weight of a foreign force, in [0, 1): ``troops / (troops + half)``.

    Concave: a tripwire of a few thousand buys little; Cold-War scale approaches one.
    """
    return troops / (troops + half) if troops > 0 else 0.0


def credibility(
    i: int, deal: Deal, active: bool, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> float:
    """Probability that guarantor ``i`` honours its commitment if Russia attacks (docs/MODEL.md 7.8.2).

    ``kappa_g = [1 - (1 - c_g(s))(1 - rho_g F)] * R_g * E_g(t) * B_g(role in force) * (1 or expiry residual)``,
    clipped to [0, 1]: ``c_g(s)`` its base credibility at the guarantee strength; the presence term only for the
    guarantor that fields the force (troops present, F41/F43); ``R_g`` its ratification factor; ``E_g`` its
    engagement (1 or the disengaged factor after elections, or its cohesion); ``B_g`` its dependence on the
    backstop guarantor's role actually in force (that guarantor's lowest level once it has disengaged). A
    guarantor whose role issue is at its lowest level (a US role of ``none``) commits nothing: 0.
    Non-decreasing in troops.
    """
    g = rules[i]
    if g.role_issue is not None and deal.values[g.role_issue] == 0:
        return 0.0
    kappa = g.credibility[int(deal.values[_STRENGTH])]
    if g.force is not None:
        half, _, rho = g.force
        presence = rho * force_weight(deal.values[_TROOPS] if active else 0.0, half)
        kappa = 1.0 - (1.0 - kappa) * (1.0 - presence)
    kappa *= g.ratification
    backstop = 1.0
    if g.backstop is not None:
        b = rules[g.backstop]
        level = b.role_level(deal) if states[g.backstop].engaged else 0
        backstop = g.backstop_dependence[level]
    kappa *= g.engagement_factor(states[i]) * backstop
    if not active:
        kappa *= g.expiry_residual
    return min(max(kappa, 0.0), 1.0)


def credibilities(
    deal: Deal, active: bool, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> tuple[float, ...]:
    """Every guarantor's credibility, in the scenario's order."""
    return tuple(credibility(i, deal, active, states, rules) for i in range(len(rules)))


def weight(rule: GuarantorRule, deal: Deal, active: bool) -> float:
    """What a guarantor brings to deterrence if it honours: ``w_c + w_f F + w_role(role)``.

    The force term counts only while the guarantee is in force (the force leaves at expiry); the role term uses
    the role agreed in the deal.
    """
    w = rule.commitment_weight
    if rule.force is not None:
        half, force, _ = rule.force
        w = w + force * force_weight(deal.values[_TROOPS] if active else 0.0, half)
    if rule.role_issue is not None:
        w = w + rule.role_weight[int(deal.values[rule.role_issue])]
    return w


def deterrence(
    deal: Deal,
    active: bool,
    states: Sequence[GuarantorState],
    rules: Sequence[GuarantorRule],
    p: Deterrence,
    kappas: Sequence[float] | None = None,
) -> float:
    """Expected cost to Russia of renewed war: the defender's army plus what the guarantors would bring.

    ``D = a * min(army / army_ref, cap) + sum_g kappa_g * w_g``. ``kappas``: the credibilities in this
    state, if already computed (:func:`credibilities`). The guarantors are summed last-listed first, the
    order in which model v1 added its two, so that results stayed bit-identical when guarantors became data.
    """
    if kappas is None:
        kappas = credibilities(deal, active, states, rules)
    army = deal.values[_ARMY] / p.army_reference
    total = p.army_weight * min(army, p.army_cap)
    for rule, kappa in zip(reversed(rules), reversed(kappas), strict=True):
        total += kappa * weight(rule, deal, active)
    return total


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


class Calculus(NamedTuple):
    """Russia's yearly calculus (docs/MODEL.md 7.8.3-7.8.4).

    Attributes:
        active: Whether the guarantee is in force this year.
        credibility: Each guarantor's credibility, in the scenario's order.
        deterrence: The deterrence ``D`` Russia faces.
        motive: Its motive ``M``.
        incentive_now: ``V_now = M - D``.
        incentive_wait: The discounted incentive of attacking in the first year after expiry, or None.
        hazard: The yearly probability of a renewed offensive.
    """

    active: bool
    credibility: tuple[float, ...]
    deterrence: float
    motive: float
    incentive_now: float
    incentive_wait: float | None
    hazard: float


def yearly_choice(
    deal: Deal,
    year: int,
    states: Sequence[GuarantorState],
    rules: Sequence[GuarantorRule],
    p: Deterrence,
    russia_utility: float,
) -> Calculus:
    """Russia's calculus in a year of peace: the one home of the attack-or-wait rule.

    The guarantee is in force while ``year <= duration``. While it is, and it expires within the horizon,
    Russia also weighs attacking in the first year after expiry, with the guarantors as they are now, the
    force gone and credibility at its residual, discounted by ``wait_discount`` per year of waiting.
    """
    duration = deal.values[ISSUE_INDEX["duration_years"]]
    active = year <= duration
    kappas = credibilities(deal, active, states, rules)
    d = deterrence(deal, active, states, rules, p, kappas)
    m = motive(year, russia_utility, p)
    v_now = m - d
    v_wait = None
    if active and duration < p.horizon_years:
        expiry_year = int(duration) + 1
        v_exp = motive(expiry_year, russia_utility, p) - deterrence(deal, False, states, rules, p)
        v_wait = p.wait_discount ** (expiry_year - year) * v_exp
    return Calculus(active, kappas, d, m, v_now, v_wait, hazard(v_now, v_wait, p))


def classify_breakdown(
    deal: Deal, active: bool, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> str:
    """The main cause of a breakdown in a given year, for the outcome record.

    ``expired`` (after the guarantee lapsed); then, guarantor by guarantor in the scenario's order, its
    ``lapse_cause`` if it has lapsed: disengaged after an election while it has a role in the deal
    (``us_disengaged``), or cohesion more than its split margin below the mean (``coalition_split``);
    ``no_enforcement`` (assurances or less, and no troops); else ``deterrence_gap``.
    """
    if not active:
        return "expired"
    for rule, state in zip(rules, states, strict=True):
        e = rule.engagement
        if isinstance(e, Elections) and not state.engaged and (rule.role_issue is None or rule.role_level(deal) > 0):
            return e.lapse_cause
        if isinstance(e, Cohesion) and state.cohesion < e.mean - e.split_margin:
            return e.lapse_cause
    if deal.values[_STRENGTH] <= _ASSURANCES and deal.values[_TROOPS] == 0:
        return "no_enforcement"
    return "deterrence_gap"


def causes(rules: Sequence[GuarantorRule]) -> tuple[str, ...]:
    """Every breakdown cause a scenario with these guarantors can record, in the order of the checks."""
    lapses = [r.engagement.lapse_cause for r in rules if isinstance(r.engagement, Elections | Cohesion)]
    return ("expired", *dict.fromkeys(lapses), "no_enforcement", "deterrence_gap")
