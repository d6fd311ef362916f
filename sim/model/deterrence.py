"""The years after a deal: each guarantor's credibility, the balance of power a resumed war would start from,
Russia's incentive to resume it, and its yearly choice.

Pure functions of the deal (or of a matrix of candidate packages: every function here takes numeric package
rows, ``numbers[..., issue]``), the year and the guarantors' states. The guarantors are data
(:class:`GuarantorRule`, compiled from the scenario's ``actors.<key>.guarantor`` sections), so a new guarantor is
a few lines of YAML. The same functions serve the talks (the parties' anticipation of every candidate package,
:mod:`sim.model.anticipation`) and the run (:func:`yearly_choice`, the one home of Russia's yearly calculus,
called by the Russia agent and by :func:`sim.analysis.tables.incentive_path` alike). Symbols follow
docs/MODEL.md, section "Deterrence phase".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.config.scenario import Cohesion, Deterrence, Elections, Engagement, Guarantor, Power
from sim.dealspace import BY_NAME, ISSUE_INDEX, Deal
from sim.model.war import Stakes, war_value

STRENGTHS = BY_NAME["guarantee_strength"].levels
_STRENGTH = ISSUE_INDEX["guarantee_strength"]
_TROOPS = ISSUE_INDEX["foreign_troops"]
_ARMY = ISSUE_INDEX["ukraine_army"]
_DURATION = ISSUE_INDEX["duration_years"]
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


def force_weight(troops: np.ndarray | float, half: float) -> np.ndarray | float:
    """Military weight of a foreign force, in [0, 1): ``troops / (troops + half)`` (0 without troops).

    Concave: a tripwire of a few thousand buys little; Cold-War scale approaches one.
    """
    return troops / (troops + half)


def _col(numbers: np.ndarray | Sequence[float], k: int) -> np.ndarray | float:
    return numbers[..., k] if isinstance(numbers, np.ndarray) else float(numbers[k])


def base_credibility(rule: GuarantorRule, numbers: np.ndarray | Sequence[float], active: bool) -> np.ndarray | float:
    """The part of a guarantor's credibility that the terms fix (before its engagement and backstop).

    ``c_g(s)``, raised by troops present for the guarantor that fields the force (``1 - (1 - c)(1 - rho F)``,
    F41/F43), times its ratification factor, times its expiry residual once the guarantee has expired (the force
    has left); 0 for a guarantor whose role issue is at its lowest level (a US role of ``none``: it commits
    nothing). ``numbers``: one package (a sequence or 1-D array) or rows of packages.
    """
    table = np.asarray(rule.credibility)
    kappa = table[np.asarray(_col(numbers, _STRENGTH), dtype=int)]
    if rule.force is not None:
        half, _, rho = rule.force
        troops = _col(numbers, _TROOPS) if active else 0.0
        kappa = 1.0 - (1.0 - kappa) * (1.0 - rho * force_weight(troops, half))
    kappa = kappa * rule.ratification
    if not active:
        kappa = kappa * rule.expiry_residual
    if rule.role_issue is not None:
        kappa = np.where(np.asarray(_col(numbers, rule.role_issue)) == 0, 0.0, kappa)
    return kappa if isinstance(numbers, np.ndarray) and np.ndim(numbers) > 1 else float(kappa)


def engagement_multiplier(
    i: int, numbers: np.ndarray | Sequence[float], states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> np.ndarray | float:
    """The part of guarantor ``i``'s credibility that its engagement sets: ``E_g(t) * B_g(role in force)``.

    ``E_g`` is 1, or the disengaged factor after an election, or its cohesion; ``B_g`` its dependence on the
    backstop guarantor's role actually in force (that guarantor's lowest level once it has disengaged).
    """
    g = rules[i]
    m = g.engagement_factor(states[i])
    if g.backstop is None:
        return m
    b = rules[g.backstop]
    if not states[g.backstop].engaged or b.role_issue is None:
        return m * g.backstop_dependence[0]
    if isinstance(numbers, np.ndarray) and numbers.ndim > 1:
        return m * np.asarray(g.backstop_dependence)[numbers[:, b.role_issue].astype(int)]
    return m * g.backstop_dependence[int(numbers[b.role_issue])]


def credibility(
    i: int,
    numbers: np.ndarray | Sequence[float],
    active: bool,
    states: Sequence[GuarantorState],
    rules: Sequence[GuarantorRule],
) -> np.ndarray | float:
    """Probability that guarantor ``i`` honours its commitment if Russia attacks (docs/MODEL.md 7.8.2):
    ``kappa_g = clip(base_g * E_g * B_g, 0, 1)`` (:func:`base_credibility`, :func:`engagement_multiplier`).
    Non-decreasing in troops."""
    k = base_credibility(rules[i], numbers, active) * engagement_multiplier(i, numbers, states, rules)
    return np.minimum(np.maximum(k, 0.0), 1.0) if isinstance(k, np.ndarray) else min(max(k, 0.0), 1.0)


def credibilities(
    deal: Deal | np.ndarray, active: bool, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> tuple:
    """Every guarantor's credibility, in the scenario's order."""
    numbers = deal.values if isinstance(deal, Deal) else deal
    return tuple(credibility(i, numbers, active, states, rules) for i in range(len(rules)))


def weight(rule: GuarantorRule, numbers: np.ndarray | Sequence[float], active: bool) -> np.ndarray | float:
    """What a guarantor brings to the balance if it fights: ``w_c + w_f F + w_role(role)``.

    The force term counts only while the guarantee is in force (the force leaves at expiry); the role term uses
    the role agreed in the deal.
    """
    w: np.ndarray | float = rule.commitment_weight
    if rule.force is not None:
        half, force, _ = rule.force
        w = w + force * force_weight(_col(numbers, _TROOPS) if active else 0.0, half)
    if rule.role_issue is not None:
        w = w + np.asarray(rule.role_weight)[np.asarray(_col(numbers, rule.role_issue), dtype=int)]
    return w if isinstance(numbers, np.ndarray) and np.ndim(numbers) > 1 else float(w)


def guarantee(
    deal: Deal | np.ndarray,
    active: bool,
    states: Sequence[GuarantorState],
    rules: Sequence[GuarantorRule],
    kappas: Sequence[float] | None = None,
) -> np.ndarray | float:
    """The guarantors' expected weight in a resumed war: ``G = sum_g kappa_g w_g`` (each fights with its
    credibility). ``kappas``: the credibilities in this state, if already computed."""
    numbers = deal.values if isinstance(deal, Deal) else deal
    if kappas is None:
        kappas = credibilities(numbers, active, states, rules)
    total: np.ndarray | float = 0.0
    for rule, kappa in zip(rules, kappas, strict=True):
        total = total + kappa * weight(rule, numbers, active)
    return total


def army_term(army: np.ndarray | float, p: Deterrence) -> np.ndarray | float:
    """Ukraine's own army in the balance: ``a * min(army / army_ref, cap)``."""
    return p.army_weight * np.minimum(np.asarray(army, dtype=float) / p.army_reference, p.army_cap)


def power_path(power: Power, years: int) -> tuple[np.ndarray, np.ndarray]:
    """How power moves in years ``1..years`` after a deal: Russia's reconstitution ``R_t`` (balance units) and the
    multiplier ``m_t`` of Ukraine's agreed army (funding and rearmament).

    ``R_t = rho (1 - exp(-(t - 1) / tau_R))``;
    ``m_t = (f + (1 - f) exp(-(t - 1) / tau_U)) (1 + g (1 - exp(-(t - 1) / tau_U)))``.
    """
    t = np.arange(years, dtype=float)
    rebuilt = power.russia_reconstitution * -np.expm1(-t / power.russia_reconstitution_years)
    grown = -np.expm1(-t / power.ukraine_years)
    f = power.ukraine_funding
    army = (f + (1.0 - f) * (1.0 - grown)) * (1.0 + power.ukraine_rearmament * grown)
    return rebuilt, army


def consolidation(years: int, p: Deterrence) -> np.ndarray:
    """What breaking the peace costs Russia in years ``1..years``: ``psi_t = psi (1 - exp(-(t - 1) / tau_psi))``,
    growing as peace consolidates (reputation, the trade and ties it would lose)."""
    t = np.arange(years, dtype=float)
    return p.consolidation * -np.expm1(-t / p.consolidation_years)


def structural_balance(
    numbers: np.ndarray | Sequence[float],
    edge: np.ndarray | float,
    start: float,
    power: Power,
    p: Deterrence,
    years: int,
) -> np.ndarray:
    """The balance of power a resumed war would start from in years ``1..years`` after a deal, before the
    guarantors: ``b_t = b_0 + theta + R_t - (A_t - A_0)`` with ``A_t`` Ukraine's army term on its path and ``A_0``
    that of the reference army (the army the initial balance reflects).

    Shapes: one package gives ``(years,)`` (``edge`` a number) or ``(types, years)`` (an array of types); rows of
    packages give ``(packages, types, years)``.
    """
    rebuilt, path = power_path(power, years)
    army = np.asarray(_col(numbers, _ARMY), dtype=float)
    own = army_term(army[..., None] * path, p)  # (..., years)
    base = start + rebuilt - (own - army_term(p.army_reference, p))
    edge = np.asarray(edge, dtype=float)
    if base.ndim == 1:
        return base + edge[..., None] if edge.ndim else base + float(edge)
    return base[:, None, :] + edge[None, :, None] if edge.ndim else base + float(edge)


def active_years(duration: np.ndarray | float, years: int) -> np.ndarray:
    """Whether the guarantee is in force in each year ``1..years`` (``year <= duration``)."""
    t = np.arange(1, years + 1, dtype=float)
    return t <= np.asarray(duration, dtype=float)[..., None]


def waiting_gain(incentive: np.ndarray, foresight: float) -> np.ndarray:
    """What Russia gains by waiting, per year: ``g_t = max(0, max_{j>t} delta^(j-t) max(V_j, 0) - max(V_t, 0))``.

    A future attack counts only where it would pay (``max(V_j, 0)``): a negative incentive, however discounted,
    is never a reason to wait. With no foresight (``delta = 0``) the gain is 0 and Russia is myopic. The last
    axis is the year.
    """
    moved = np.moveaxis(np.asarray(incentive, dtype=float), -1, 0)
    return np.moveaxis(waiting_gain_by_year(np.ascontiguousarray(moved), foresight), 0, -1)


_TINY = 1e-250
"""Below this, ``foresight ** years`` is too small to scale by (it would underflow)."""


def waiting_gain_by_year(
    incentive: np.ndarray, foresight: float, out: np.ndarray | None = None, scratch: np.ndarray | None = None
) -> np.ndarray:
    """:func:`waiting_gain` with the year as the *first* axis (the layout the anticipation of a whole pool uses:
    each year's slice is contiguous). ``out`` and ``scratch``: arrays of the incentive's shape to write into and
    to work in (neither may be the incentive itself)."""
    if scratch is None:
        scratch = np.empty_like(incentive, dtype=float)
    plus = np.maximum(incentive, 0.0, out=scratch)
    if foresight <= 0 or plus.shape[0] == 0:
        return np.zeros_like(plus) if out is None else _fill(out, 0.0)
    # max_{j>t} delta^(j-t) P_j = delta^-t max_{j>t} delta^j P_j: a running maximum from the last year back,
    # one pass instead of a loop over the years.
    scale = foresight ** np.arange(plus.shape[0], dtype=float).reshape((-1,) + (1,) * (plus.ndim - 1))
    if scale[-1] < _TINY:  # so little foresight over so long a horizon that the scale would underflow
        return _waiting_gain_loop(plus.copy(), foresight, out)
    ahead = np.multiply(plus, scale, out=plus)
    for t in range(ahead.shape[0] - 2, -1, -1):  # max_{j>=t} delta^j P_j (a loop of slices beats accumulate)
        np.maximum(ahead[t : t + 1], ahead[t + 1 : t + 2], out=ahead[t : t + 1])
    best = np.empty_like(plus) if out is None else out
    best[-1] = 0.0
    np.divide(ahead[1:], scale[:-1], out=best[:-1])
    best -= np.maximum(incentive, 0.0, out=scratch)
    return np.maximum(best, 0.0, out=best)


def _fill(out: np.ndarray, value: float) -> np.ndarray:
    out.fill(value)
    return out


def _waiting_gain_loop(plus: np.ndarray, foresight: float, out: np.ndarray | None = None) -> np.ndarray:
    """:func:`waiting_gain_by_year` year by year, from the last year back (for a scale that would underflow)."""
    best = np.zeros_like(plus) if out is None else _fill(out, 0.0)
    later = np.zeros(plus.shape[1:])
    for t in range(plus.shape[0] - 1, -1, -1):
        best[t] = later
        np.maximum(plus[t], later, out=later)
        later *= foresight
    best -= plus
    return np.maximum(best, 0.0, out=best)


def hazard(
    incentive: np.ndarray | float, gain: np.ndarray | float, p: Deterrence, out: np.ndarray | None = None
) -> np.ndarray | float:
    """Yearly probability that Russia resumes the war: ``h = h_max * L(s (V - g - theta))``.

    ``V``: its net incentive (value of war now minus the value of the deal this year); ``g``: its gain from
    waiting (:func:`waiting_gain`). The logistic is the probability that the year's unobserved shocks tip the
    balance of the choice. ``out``: an array to write into (it may be the gain).
    """
    x = np.asarray(np.subtract(incentive, gain, dtype=float, out=out))  # then in place (the hot path)
    x -= p.hazard_threshold
    x *= p.hazard_steepness
    x *= 0.5
    np.tanh(x, out=x)
    x += 1.0
    x *= p.hazard_max * 0.5
    return float(x) if np.ndim(x) == 0 else x


@dataclass(frozen=True)
class Outlook:
    """What Russia faces under one signed deal, for its own private edge: the parts of its calculus that do not
    change with the guarantors' states, computed once at signing (:func:`outlook_of`).

    Attributes:
        deal: The deal.
        active: Whether the guarantee is in force, years ``1..years`` after the deal.
        structural: The balance before the guarantors, years ``1..years`` (:func:`structural_balance`).
        consolidation: ``psi_t``, years ``1..years``.
        base: Per guarantor, its :func:`base_credibility` (in force, expired).
        weights: Per guarantor, its :func:`weight` (in force, expired).
        peace_value: Russia's utility of the deal ``U_RU(x)``.
        stakes: Russia's stakes in a war.
        steepness: The war's outcome steepness ``k``.
    """

    deal: Deal
    active: np.ndarray
    structural: np.ndarray
    consolidation: np.ndarray
    base: tuple[tuple[float, float], ...]
    weights: tuple[tuple[float, float], ...]
    peace_value: float
    stakes: Stakes
    steepness: float


def outlook_of(
    deal: Deal,
    edge: float,
    years: int,
    rules: Sequence[GuarantorRule],
    stakes: Stakes,
    peace_value: float,
    start: float,
    steepness: float,
    power: Power,
    p: Deterrence,
) -> Outlook:
    """Russia's :class:`Outlook` under a deal, for ``years`` years of peace (``edge``: its private edge;
    ``start``: the balance a resumed war starts from before power shifts, the war's initial balance)."""
    values = deal.values
    return Outlook(
        deal=deal,
        active=active_years(values[_DURATION], years),
        structural=structural_balance(values, edge, start, power, p, years),
        consolidation=consolidation(years, p),
        base=tuple(
            (float(base_credibility(r, values, True)), float(base_credibility(r, values, False))) for r in rules
        ),
        weights=tuple((float(weight(r, values, True)), float(weight(r, values, False))) for r in rules),
        peace_value=peace_value,
        stakes=stakes,
        steepness=steepness,
    )


class Calculus(NamedTuple):
    """Russia's yearly calculus (docs/MODEL.md 7.8.3-7.8.4).

    Attributes:
        active: Whether the guarantee is in force this year.
        credibility: Each guarantor's credibility, in the scenario's order.
        guarantee: The guarantors' expected weight in a resumed war ``G``.
        balance: The balance of power a war started now would start from.
        war_value: Russia's value of a year of war at that balance.
        incentive_now: ``V = W - U_RU - psi``.
        gain: Its gain from waiting (0 when myopic, or when waiting does not pay).
        hazard: The yearly probability of a renewed offensive.
    """

    active: bool
    credibility: tuple[float, ...]
    guarantee: float
    balance: float
    war_value: float
    incentive_now: float
    gain: float
    hazard: float


def incentives(
    outlook: Outlook, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> tuple[np.ndarray, np.ndarray, tuple[float, ...], tuple[float, ...], float, float]:
    """Russia's net incentive ``V_t = W_RU(b_t) - U_RU - psi_t`` in every year of the outlook, with the
    guarantors as they are now: returns ``(V, b, kappas in force, kappas expired, G in force, G expired)``."""
    values = outlook.deal.values
    mult = [engagement_multiplier(i, values, states, rules) for i in range(len(rules))]
    k_on = tuple(min(max(b[0] * m, 0.0), 1.0) for b, m in zip(outlook.base, mult, strict=True))
    k_off = tuple(min(max(b[1] * m, 0.0), 1.0) for b, m in zip(outlook.base, mult, strict=True))
    g_on = sum(k * w[0] for k, w in zip(k_on, outlook.weights, strict=True))
    g_off = sum(k * w[1] for k, w in zip(k_off, outlook.weights, strict=True))
    b = outlook.structural - np.where(outlook.active, g_on, g_off)
    v = war_value(outlook.stakes, b, outlook.steepness) - outlook.peace_value - outlook.consolidation
    return v, b, k_on, k_off, g_on, g_off


def gain_at(incentive: np.ndarray, t: int, foresight: float) -> float:
    """:func:`waiting_gain` in year index ``t`` alone (the run's yearly call; a unit test checks they agree)."""
    if foresight <= 0 or t + 1 >= incentive.size:
        return 0.0
    ahead = np.maximum(incentive[t + 1 :], 0.0) * foresight ** np.arange(1, incentive.size - t)
    return max(float(ahead.max()) - max(float(incentive[t]), 0.0), 0.0)


def yearly_choice(
    outlook: Outlook, year: int, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule], p: Deterrence
) -> Calculus:
    """Russia's calculus in a year of peace (1 = the first year after the deal): the one home of the
    attack-or-wait rule.

    Its incentive this year and in every later year it can foresee, with the guarantors as they are now (their
    future elections and cohesion are not foreseen), the force leaving and credibility falling to its residual
    at expiry, power shifting and peace consolidating; it holds back in so far as a later attack would pay more,
    discounted (:func:`waiting_gain`).
    """
    v, b, k_on, k_off, g_on, g_off = incentives(outlook, states, rules)
    t = year - 1
    gain = gain_at(v, t, p.foresight)
    active = bool(outlook.active[t])
    v_t = float(v[t])
    return Calculus(
        active=active,
        credibility=k_on if active else k_off,
        guarantee=g_on if active else g_off,
        balance=float(b[t]),
        war_value=v_t + outlook.peace_value + float(outlook.consolidation[t]),
        incentive_now=v_t,
        gain=gain,
        hazard=hazard(v_t, gain, p),
    )


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
