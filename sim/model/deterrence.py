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

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from sim.config.scenario import Cohesion, Deterrence, Elections, Engagement, Expiry, Guarantor, Power
from sim.dealspace import BY_NAME, ISSUE_INDEX, Deal, clip
from sim.model.war import Stakes, war_value

STRENGTHS = BY_NAME["guarantee_strength"].levels
_STRENGTH = ISSUE_INDEX["guarantee_strength"]
_TROOPS = ISSUE_INDEX["foreign_troops"]
_ARMY = ISSUE_INDEX["ukraine_army"]
_DURATION = ISSUE_INDEX["duration_years"]
_EU = ISSUE_INDEX["eu_membership"]
_EU_STEPS = len(BY_NAME["eu_membership"].levels) - 1
_ASSURANCES = STRENGTHS.index("assurances")


class GuarantorState(NamedTuple):
    """One guarantor's engagement in a given year (immutable; made once a simulated year per guarantor).

    Attributes:
        engaged: Whether its government stands by the commitment (elections may change it).
        cohesion: Its cohesion in [0, 1] (a composite guarantor; 1.0 for the others).
        trust: Its resolve as the calculus takes it: a multiplier of its credibility. In Russia's calculus, Russia's
            belief (the mean of its posterior over the guarantor's resolve, 1 at signing: :func:`trust_of`); for
            the guarantor's own acts (honouring, answering a probe), its true resolve.
        level: The level its cohesion reverts to this year (a composite guarantor whose members' governments turn
            over: its mean times the share still behind the deal), or None: the engagement's mean.
    """

    engaged: bool
    cohesion: float
    trust: float = 1.0
    level: float | None = None


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
        resolve: The types of its resolve, a multiplier of its credibility known to it and not to Russia
            (:func:`resolve_types`: equally likely, mean 1).
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
    resolve: tuple[float, ...] = (1.0,)

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
            resolve=resolve_types(spec.resolve_sd),
        )

    def initial_state(self) -> GuarantorState:
        """Its state when the deal is signed: engaged, and cohesion at its long-run mean."""
        e = self.engagement
        return GuarantorState(engaged=True, cohesion=e.mean if isinstance(e, Cohesion) else 1.0)

    def engagement_factor(self, state: GuarantorState) -> float:
        """Credibility multiplier of its engagement: the disengaged factor, its cohesion, or 1; times the trust put
        in its resolve (:attr:`GuarantorState.trust`)."""
        e = self.engagement
        if isinstance(e, Elections):
            return (1.0 if state.engaged else e.disengaged_factor) * state.trust
        if isinstance(e, Cohesion):
            return state.cohesion * state.trust
        return state.trust

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


def _present(numbers: np.ndarray | Sequence[float], active: bool, share: float | None) -> np.ndarray | float:
    """The foreign troops present: the agreed force times its share still in Ukraine (all of it while the
    guarantee is in force, none after it by default)."""
    if share is None:
        share = 1.0 if active else 0.0
    return _col(numbers, _TROOPS) * share


def base_credibility(
    rule: GuarantorRule, numbers: np.ndarray | Sequence[float], active: bool, share: float | None = None
) -> np.ndarray | float:
    """The part of a guarantor's credibility that the terms fix (before its engagement and backstop).

    ``c_g(s)``, raised by troops present for the guarantor that fields the force (``1 - (1 - c)(1 - rho F)``,
    F41/F43), times its ratification factor, times its expiry residual once the guarantee has lapsed; 0 for a
    guarantor whose role issue is at its lowest level (a US role of ``none``: it commits nothing). ``numbers``:
    one package (a sequence or 1-D array) or rows of packages. ``share``: the share of the force still present
    (:func:`force_shares`; by default all of it in force, none once lapsed).
    """
    table = np.asarray(rule.credibility)
    kappa = table[np.asarray(_col(numbers, _STRENGTH), dtype=int)]
    if rule.force is not None:
        half, _, rho = rule.force
        troops = _present(numbers, active, share)
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
    m = rules[i].engagement_factor(states[i])
    if rules[i].backstop is None:
        return m
    return m * backstop_factor(i, numbers, states, rules)


def backstop_factor(
    i: int, numbers: np.ndarray | Sequence[float], states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> np.ndarray | float:
    """``B_g``: guarantor ``i``'s dependence on the role its backstop guarantor has in force (1 without a
    backstop; that guarantor's lowest level once it has disengaged)."""
    g = rules[i]
    if g.backstop is None:
        return 1.0
    b = rules[g.backstop]
    if not states[g.backstop].engaged or b.role_issue is None:
        return g.backstop_dependence[0]
    if isinstance(numbers, np.ndarray) and numbers.ndim > 1:
        return np.asarray(g.backstop_dependence)[numbers[:, b.role_issue].astype(int)]
    return g.backstop_dependence[int(numbers[b.role_issue])]


def credibility(
    i: int,
    numbers: np.ndarray | Sequence[float],
    active: bool,
    states: Sequence[GuarantorState],
    rules: Sequence[GuarantorRule],
    share: float | None = None,
) -> np.ndarray | float:
    """Probability that guarantor ``i`` honours its commitment if Russia attacks (docs/MODEL.md 7.8.2):
    ``kappa_g = clip(base_g * E_g * B_g, 0, 1)`` (:func:`base_credibility`, :func:`engagement_multiplier`).
    Non-decreasing in troops."""
    k = base_credibility(rules[i], numbers, active, share) * engagement_multiplier(i, numbers, states, rules)
    return np.minimum(np.maximum(k, 0.0), 1.0) if isinstance(k, np.ndarray) else min(max(k, 0.0), 1.0)


def credibilities(
    deal: Deal | np.ndarray,
    active: bool,
    states: Sequence[GuarantorState],
    rules: Sequence[GuarantorRule],
    share: float | None = None,
) -> tuple:
    """Every guarantor's credibility, in the scenario's order."""
    numbers = deal.values if isinstance(deal, Deal) else deal
    return tuple(credibility(i, numbers, active, states, rules, share) for i in range(len(rules)))


def weight(
    rule: GuarantorRule, numbers: np.ndarray | Sequence[float], active: bool, share: float | None = None
) -> np.ndarray | float:
    """What a guarantor brings to the balance if it fights: ``w_c + w_f F + w_role(role)``.

    The force term counts the troops present (``share`` of the force: all while the guarantee is in force, then
    what remains as it draws down); the role term uses the role agreed in the deal.
    """
    w: np.ndarray | float = rule.commitment_weight
    if rule.force is not None:
        half, force, _ = rule.force
        w = w + force * force_weight(_present(numbers, active, share), half)
    if rule.role_issue is not None:
        w = w + np.asarray(rule.role_weight)[np.asarray(_col(numbers, rule.role_issue), dtype=int)]
    return w if isinstance(numbers, np.ndarray) and np.ndim(numbers) > 1 else float(w)


def expected_weight(
    base: np.ndarray, weights: np.ndarray, multipliers: np.ndarray | float, axis: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Each guarantor's credibility ``kappa_g = clip(base_g E_g B_g, 0, 1)`` and the guarantors' expected weight
    ``G = sum_g kappa_g w_g`` (docs/MODEL.md 7.8.2), for arrays with the guarantors on ``axis`` (the multipliers
    ``E_g B_g`` broadcast against the bases): the rule of :func:`credibility` and :func:`guarantee` for tables of
    regimes, years or packages at once. Returns ``(kappa, G)``."""
    kappa = np.multiply(base, multipliers)
    np.minimum(np.maximum(kappa, 0.0, out=kappa), 1.0, out=kappa)
    return kappa, np.add.reduce(kappa * weights, axis=axis)


def guarantee(
    deal: Deal | np.ndarray,
    active: bool,
    states: Sequence[GuarantorState],
    rules: Sequence[GuarantorRule],
    kappas: Sequence[float] | None = None,
    share: float | None = None,
) -> np.ndarray | float:
    """The guarantors' expected weight in a resumed war: ``G = sum_g kappa_g w_g`` (each fights with its
    credibility). ``kappas``: the credibilities in this state, if already computed; ``share``: the share of the
    force present (:func:`force_shares`)."""
    numbers = deal.values if isinstance(deal, Deal) else deal
    if kappas is None:
        kappas = credibilities(numbers, active, states, rules, share)
    total: np.ndarray | float = 0.0
    for rule, kappa in zip(rules, kappas, strict=True):
        total = total + kappa * weight(rule, numbers, active, share)
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
    return _power_path(
        power.russia_reconstitution,
        power.russia_reconstitution_years,
        power.ukraine_funding,
        power.ukraine_rearmament,
        power.ukraine_years,
        years,
    )


@functools.lru_cache(maxsize=64)
def _power_path(
    reconstitution: float,
    reconstitution_years: float,
    funding: float,
    rearmament: float,
    ukraine_years: float,
    years: int,
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`power_path` of these numbers (read-only arrays: one pair per distinct set of them)."""
    t = np.arange(years, dtype=float)
    rebuilt = reconstitution * -np.expm1(-t / reconstitution_years)
    grown = -np.expm1(-t / ukraine_years)
    army = (funding + (1.0 - funding) * (1.0 - grown)) * (1.0 + rearmament * grown)
    rebuilt.flags.writeable = False
    army.flags.writeable = False
    return rebuilt, army


def integration_of(numbers: np.ndarray | Sequence[float]) -> np.ndarray | float:
    """``iota``: how far into the EU the package takes Ukraine, in [0, 1] (closed 0, candidacy 1/2, accession 1)."""
    return np.asarray(numbers, dtype=float)[..., _EU] / _EU_STEPS


def consolidation(years: int, p: Deterrence, integration: float = 0.0) -> np.ndarray:
    """What breaking the peace costs Russia in years ``1..years`` after a deal, a state (docs/MODEL.md 7.8.10):
    ``psi_1 = 0``, then ``psi_t = psibar_t + r (psi_{t-1} - psibar_t)`` with ``r = exp(-1 / tau_psi)``, towards the
    long-run level ``psibar_t = psi (1 + a iota [t >= T_a])``, and set back to ``(1 - s_w iota)`` of itself in the
    year ``T_a`` of the step into the EU (the Westward step of 2013). With ``iota = 0`` this is
    ``psi (1 - exp(-(t - 1) / tau_psi))``. Read-only; one array per distinct set of arguments."""
    return _path(years, *_terms(p, integration))


def consolidations(numbers: np.ndarray, years: int, p: Deterrence) -> np.ndarray:
    """:func:`consolidation` for each package (rows of ``numbers``), years x packages: it depends on the package
    through its step into the EU alone, so there is one path per level of ``eu_membership``."""
    paths = np.stack([consolidation(years, p, k / _EU_STEPS) for k in range(_EU_STEPS + 1)], axis=1)
    return paths[:, np.asarray(numbers[:, _EU], dtype=np.intp)]


def set_back(path: np.ndarray, year: int, share: float, p: Deterrence, integration: float) -> np.ndarray:
    """The consolidation ``path`` (:func:`consolidation`, for a package of this ``integration``) with an event in
    ``year`` (a guarantor's lapse) that sets the consolidation built up so far back by ``share``
    (``psi_year <- (1 - share) psi_year``): the years after it follow the same state equation from there, those
    before it are as they were."""
    if share <= 0 or year > path.size:
        return path
    out = path.copy()
    out[year - 1] *= 1.0 - share
    _evolve(out, year + 1, *_terms(p, integration))
    out.flags.writeable = False
    return out


def _terms(p: Deterrence, integration: float) -> tuple[float, float, int, float, float]:
    return (
        p.consolidation,
        p.consolidation_years,
        p.accession_years,
        p.integration * integration,
        p.westward_setback * integration,
    )


def _evolve(out: np.ndarray, start: int, level: float, tau: float, accession: int, gain: float, setback: float) -> None:
    """The state equation of :func:`consolidation` for years ``start..`` (``out[start - 2]`` the year before), in
    place: the one home of the rule."""
    r = np.exp(-1.0 / tau)
    for t in range(max(start, 2), out.size + 1):
        target = level * (1.0 + gain) if t >= accession else level
        out[t - 1] = target + r * (out[t - 2] - target)
        if t == accession:
            out[t - 1] *= 1.0 - setback


@functools.lru_cache(maxsize=64)
def _path(years: int, level: float, tau: float, accession: int, gain: float, setback: float) -> np.ndarray:
    t = np.arange(years, dtype=float)
    out = level * -np.expm1(-t / tau)  # the closed form while the long-run level is constant (the years before T_a)
    if (gain > 0 or setback > 0) and accession <= years:
        _evolve(out, accession, level, tau, accession, gain, setback)
    out.flags.writeable = False
    return out


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


def force_shares(drawdown_years: int) -> np.ndarray:
    """The share of the agreed force in Ukraine in each *regime* of the guarantee: index 0 in force (all of it),
    ``1..D`` the years of a drawdown of ``D`` years in equal steps (``1 - d / (D + 1)``), ``D + 1`` gone (0)."""
    return 1.0 - np.arange(drawdown_years + 2) / (drawdown_years + 1)


def regime_path(expiry: np.ndarray | int, years: int, drawdown_years: int) -> np.ndarray:
    """The regime (:func:`force_shares`) in years ``1..years`` of a guarantee in force for its first ``expiry``
    years: 0 up to ``expiry``, then the drawdown years, then gone. ``expiry`` a number gives ``(years,)``; an
    array of packages gives ``(years, packages)``."""
    t = np.arange(years)
    e = np.asarray(expiry)
    lag = t - e[None] + 1 if e.ndim == 0 else t[:, None] - e[None, :] + 1
    return clip(lag, 0, drawdown_years + 1).reshape((years,) if e.ndim == 0 else (years, e.size))


def election_calendar(rules: Sequence[GuarantorRule]) -> int | None:
    """The years between the elections that Russia and the parties foresee: those of the first guarantor whose
    engagement elections decide (the US by default), or None if no guarantor has elections. A guarantor with
    another calendar has its elections in the run, but no one foresees them (docs/MODEL.md, Known limitations)."""
    return next((r.engagement.every_years for r in rules if isinstance(r.engagement, Elections)), None)


def next_election(year: int, every: int) -> int:
    """The first year after ``year`` in which an election may bring a new government (elections fall in years
    ``every + 1, 2 every + 1, ...`` after the deal)."""
    return 1 + every * ((year - 1) // every + 1)


def election_outcomes(
    states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> tuple[tuple[tuple[GuarantorState, ...], float], ...]:
    """Every combination of engagement that the guarantors with the foreseen elections (:func:`election_calendar`)
    may have after an election, each disengaging with its probability independently of the others and of its
    past, with the combination's probability; the other guarantors keep their states. Without elections: the
    states as they are, with probability 1."""
    every = election_calendar(rules)
    voting = [
        i for i, r in enumerate(rules) if isinstance(r.engagement, Elections) and r.engagement.every_years == every
    ]
    combos: list[tuple[tuple[GuarantorState, ...], float]] = [(tuple(states), 1.0)]
    for i in voting:
        e = rules[i].engagement
        assert isinstance(e, Elections)  # noqa: S101 - by the filter above
        q = e.disengage_probability
        grown = []
        for st, prob in combos:
            for engaged, pr in ((True, 1.0 - q), (False, q)):
                changed = list(st)
                changed[i] = st[i]._replace(engaged=engaged)
                grown.append((tuple(changed), prob * pr))
        combos = grown
    return tuple(combos)


def expected_multipliers(
    numbers: np.ndarray | Sequence[float],
    year: int,
    years: int,
    states: Sequence[GuarantorState],
    rules: Sequence[GuarantorRule],
    paths: dict[int, tuple[GuarantorState, np.ndarray]] | None = None,
) -> list[np.ndarray | float]:
    """Each guarantor's engagement multiplier ``E_g B_g`` (:func:`engagement_multiplier`) in years ``1..years`` as
    Russia foresees it in ``year``: as it is now, except a cohesion, expected to revert to its mean
    (:func:`cohesion_path`). Per guarantor, a number (the same every year) or a ``(years,)`` path; with rows of
    packages, a number, one per package ``(packages,)`` or a path ``(years, 1)`` or ``(years, packages)`` (each
    broadcasts against years x packages). ``paths``: the cohesion paths already computed for these ``year`` and
    ``years``, by guarantor, with the state each is for (combinations of states that share a guarantor's state share
    its path); filled as computed."""
    out: list[np.ndarray | float] = []
    for i, r in enumerate(rules):
        e = r.engagement
        c = states[i].cohesion
        if isinstance(e, Cohesion) and e.reversion > 0 and c != _level(e, states[i]):
            known = None if paths is None else paths.get(i)
            if known is not None and known[0] is states[i]:
                path = known[1]
            else:
                path = cohesion_path(e, c, year, years, states[i].level)
                if states[i].trust != 1.0:  # (times 1 is the path itself)
                    path = path * states[i].trust
                if paths is not None:
                    paths[i] = (states[i], path)
            dep = backstop_factor(i, numbers, states, rules)
            out.append(path[:, None] * dep if np.ndim(numbers) > 1 else path * dep)
        else:
            out.append(engagement_multiplier(i, numbers, states, rules))
    return out


def cohesion_path(e: Cohesion, cohesion: float, year: int, years: int, level: float | None = None) -> np.ndarray:
    """A cohesion of ``cohesion`` in ``year``, as expected in years ``1..years``: ``E[c_{year+k}] = L + (1 - r)^k
    (c_year - L)`` (the mean of the AR(1) process, reverting to its level ``L``: ``level``, or the mean when None;
    Russia takes the members' governments as they are now), and as it is in the years up to ``year``."""
    path = np.full(years, cohesion)
    if year < years:
        mean = e.mean if level is None else level
        path[year:] = mean + _powers(1.0 - e.reversion, years)[1 : years - year + 1] * (cohesion - mean)
    return path


def _level(e: Cohesion, state: GuarantorState) -> float:
    """The level a cohesion reverts to (:attr:`GuarantorState.level`, or the engagement's mean)."""
    return e.mean if state.level is None else state.level


@functools.lru_cache(maxsize=64)
def _powers(base: float, n: int) -> np.ndarray:
    """``base ** k`` for ``k = 0..n`` (read-only)."""
    out = base ** np.arange(n + 1, dtype=float)
    out.flags.writeable = False
    return out


def averted_hazard(
    structural: np.ndarray,
    g_force: np.ndarray | float,
    g_lapsed: np.ndarray | float,
    stakes: Stakes,
    peace_value: np.ndarray | float,
    consolidation: np.ndarray,
    steepness: float,
    p: Deterrence,
) -> np.ndarray:
    """The cut in Russia's yearly hazard that keeping the guarantee in force buys: Russia's myopic hazard with the
    guarantee lapsed (the first year of its drawdown, ``g_lapsed``) less that with it in force (``g_force``), at
    the balance ``structural`` the guarantors judge by, with the guarantors as they now are. The guarantors'
    measure of the need for renewal. Shapes: every argument one value per year (years), or ``structural``
    years x packages with ``consolidation`` per year, or all of them flat and matched element by element."""
    matrix = np.ndim(structural) == 2
    values = []
    for g in (g_lapsed, g_force):
        v = war_value(stakes, structural - g, steepness)
        v = v - peace_value
        v -= consolidation[:, None] if matrix else consolidation
        values.append(hazard(v, 0.0, p))
    return values[0] - values[1]


def staying_cost(
    numbers: np.ndarray | Sequence[float], rules: Sequence[GuarantorRule], e: Expiry
) -> np.ndarray | float:
    """What renewing must buy for the guarantors to renew (the cost of staying, in yearly hazard): ``c_0 + c_F F``
    with ``F`` the weight of the largest force (:func:`force_weight` of the agreed troops; 0 without one)."""
    f: np.ndarray | float = 0.0
    for r in rules:
        if r.force is not None:
            f = np.maximum(f, force_weight(_col(numbers, _TROOPS), r.force[0]))
    return e.renewal_cost + e.renewal_force_cost * f


def renewal_dates(term: np.ndarray, years: int) -> tuple[np.ndarray, np.ndarray]:
    """Where a term of each package ends within the horizon: the year indices ``t`` (after ``t`` years in force:
    ``term, 2 term, ...`` below ``years``) and the packages' indices, as two flat arrays (packages with a term of 0
    have none)."""
    return np.nonzero(_due(years, term, term))


def _due(years: int, term: np.ndarray | int, start: np.ndarray | int) -> np.ndarray:
    """Whether a term ends after ``t`` years in force, ``t = 0..years-1``: ``t = start, start + term, ...`` (never
    for a term of 0). One package (numbers): ``(years,)``; packages (arrays): years x packages."""
    term_a, start_a = np.asarray(term), np.asarray(start)
    t = np.arange(years)
    if term_a.ndim == 0 and start_a.ndim == 0:
        return (t >= start_a) & ((t - start_a) % max(int(term_a), 1) == 0) & (term_a > 0)
    if start_a.shape == term_a.shape and np.array_equal(start_a, term_a):  # from the first end on: a table
        return _multiples(years, first=False)[np.minimum(term_a, years + 1)].T
    safe = np.maximum(term_a, 1)
    if np.all(start_a % safe == 0):  # the ends fall on the multiples of the term (a table, not a modulo)
        return _multiples(years)[np.minimum(term_a, years + 1)].T & (t[:, None] >= start_a)
    return (t[:, None] >= start_a) & ((t[:, None] - start_a) % safe == 0) & (term_a > 0)


@functools.lru_cache(maxsize=8)
def _multiples(years: int, first: bool = True) -> np.ndarray:
    """``M[T, t]``: whether ``t`` (``0..years-1``) is a multiple of ``T`` (``0..years+1``; never for ``T = 0``),
    ``t = 0`` included unless ``first`` is false. Read-only."""
    t = np.arange(years)
    table = np.zeros((years + 2, years), dtype=bool)
    table[1:] = t[None, :] % np.arange(1, years + 2)[:, None] == 0
    if not first:
        table[:, 0] = False
    table.flags.writeable = False
    return table


def projected_expiry(
    averted: np.ndarray, cost: np.ndarray | float, term: np.ndarray | int, start: np.ndarray | int, renewal: bool
) -> np.ndarray:
    """How many years the guarantee stays in force, as the renewal rule decides it: at the end of each term from
    ``start`` (years in force so far) on, the guarantors renew it for another ``term`` years if the hazard it
    averts the next year (``averted``, years or years x packages, index ``t`` = after ``t`` years) is at least the
    cost of staying; the first refusal ends it. Without renewal, or a term of 0, it ends at ``start``. Returns
    years in force (``years`` or more: renewed to the horizon), per package (or a 0-d array)."""
    a = np.asarray(averted)
    years = a.shape[0]
    start_a = np.asarray(start)
    if not renewal:
        return start_a.copy()
    term_a = np.asarray(term)
    if a.ndim == 2:  # one term and start per package
        term_a, start_a = np.broadcast_to(term_a, a.shape[1:]), np.broadcast_to(start_a, a.shape[1:])
    refused = _due(years, term_a, start_a) & (a < cost)
    first = np.where(refused.any(axis=0), refused.argmax(axis=0), years + np.maximum(term_a, 1))
    return np.where(term_a > 0, first, start_a)


def waiting_gain(incentive: np.ndarray, foresight: float) -> np.ndarray:
    """What Russia gains by waiting, per year: ``g_t = max(0, max_{j>t} delta^(j-t) max(V_j, 0) - max(V_t, 0))``.

    A future attack counts only where it would pay (``max(V_j, 0)``): a negative incentive, however discounted,
    is never a reason to wait. With no foresight (``delta = 0``) the gain is 0 and Russia is myopic. The last
    axis is the year.
    """
    moved = np.moveaxis(np.asarray(incentive, dtype=float), -1, 0)
    return np.moveaxis(waiting_gain_by_year(np.ascontiguousarray(moved), foresight), 0, -1)


def waiting_gain_by_year(incentive: np.ndarray, foresight: float, out: np.ndarray | None = None) -> np.ndarray:
    """:func:`waiting_gain` with the year as the *first* axis (each year's slice contiguous). ``out``: an array of
    the incentive's shape to write into (not the incentive itself). The case of :func:`election_waiting_gain`
    with one term over the whole horizon."""
    years = incentive.shape[0]
    gain = election_waiting_gain(incentive[None], (1.0,), max(years, 1), foresight, None if out is None else out[None])
    return gain[0]


def election_waiting_gain(
    incentive: np.ndarray,
    odds: Sequence[float],
    every: int,
    foresight: float,
    out: np.ndarray | None = None,
    take: Callable[[str, tuple[int, ...]], np.ndarray] | None = None,
) -> np.ndarray:
    """What Russia gains by waiting, for a Russia that foresees elections, with the year as the first axis after
    the combination ``s`` of the guarantors' states (which holds until the next election): ``incentive[s, t]``
    is ``V^s_t``, ``odds[s]`` the chance of ``s`` after an election, elections at year indices ``every, 2 every,
    ...`` (the first year of each term). With ``P^s_t = max(V^s_t, 0)`` and ``M_t = sum_s odds_s P^s_t`` (an
    attack that would not pay is never a reason to wait; :func:`foreseen`):

        g^s_t = max(0, max(max_{t<j<n(t)} delta^(j-t) P^s_j, max_{j>=n(t)} delta^(j-t) M_j) - P^s_t)

    with ``n(t)`` the first year of the next term. ``every`` at least the years: no election (the plain
    :func:`waiting_gain`). ``out``: an array of the incentive's shape to write into (it may not be the
    incentive); ``take(name, shape)``: where to get work buffers (fresh arrays by default). The work is done by
    :func:`best_later` on the years arranged by position in the term (:func:`by_position`)."""
    if take is None:
        take = _fresh
    n_s, years = incentive.shape[:2]
    if out is None:
        out = np.empty_like(incentive, dtype=float)
    if foresight <= 0 or years == 0:
        return _fill(out, 0.0)
    rest = incentive.shape[2:]
    every = min(every, years)
    terms = -(-years // every)
    order = by_position(years, every)
    plus = take("gain.plus", (n_s, terms * every, *rest))
    plus[:, order.valid] = incentive[:, order.time[order.valid]]
    plus[:, ~order.valid] = 0.0
    np.clip(plus, 0.0, np.inf, out=plus)
    best = best_later(plus, odds, every, foresight, take("gain.best", plus.shape), take)
    best -= plus
    np.clip(best, 0.0, np.inf, out=best)
    out[:, order.time[order.valid]] = best[:, order.valid]
    return out


class Positions(NamedTuple):
    """Years arranged by their position in the term between elections (position-major: every term's first year,
    then every term's second, ...), padded to whole terms.

    Attributes:
        time: The year index of each slot (at or beyond the horizon for the padding).
        valid: Whether each slot is a year of the horizon.
        slot: The slot of each year index ``0..years-1``.
    """

    time: np.ndarray
    valid: np.ndarray
    slot: np.ndarray


def by_position(years: int, every: int) -> Positions:
    """The :class:`Positions` of ``years`` years with elections every ``every`` years (one term: time order)."""
    every = max(min(every, years), 1)
    terms = -(-years // every)
    time = np.arange(terms * every).reshape(terms, every).T.ravel()
    slot = np.empty(terms * every, dtype=int)
    slot[time] = np.arange(time.size)
    return Positions(time, time < years, slot[:years])


def best_later(
    plus: np.ndarray,
    odds: Sequence[float],
    every: int,
    foresight: float,
    out: np.ndarray,
    take: Callable[[str, tuple[int, ...]], np.ndarray] | None = None,
) -> np.ndarray:
    """``max(max_{t<j<n(t)} delta^(j-t) P^s_j, max_{j>=n(t)} delta^(j-t) M_j)`` in every year (see
    :func:`election_waiting_gain`), for ``plus`` (``P``, combinations x slots x ...) arranged by position in the
    term (:func:`by_position`, padding 0), written into ``out`` in the same arrangement. Every step runs on
    contiguous memory: a term's k-th years are one block."""
    if take is None:
        take = _fresh
    n_s = plus.shape[0]
    rest = plus.shape[2:]
    terms = plus.shape[1] // every
    p = plus.reshape((n_s, every, terms, *rest))
    best = out.reshape(p.shape)
    best[:, every - 1] = 0.0  # max_{t<j<n(t)} delta^(j-t) P_j, from the last position of each term back
    for k in range(every - 2, -1, -1):
        np.maximum(best[:, k + 1], p[:, k + 1], out=best[:, k])
        best[:, k] *= foresight
    if terms > 1:
        # T_c = max_{j >= c every} delta^(j - c every) M_j from the first year of each term on, then discounted to
        # each year of the term before it: delta^(every - k) T_(c+1)
        mixed = np.multiply(p[0], odds[0], out=take("gain.mixed", p.shape[1:]))
        share = take("gain.share", p.shape[1:]) if n_s > 1 else mixed
        for s in range(1, n_s):
            mixed += np.multiply(p[s], odds[s], out=share)
        lead = _powers(foresight, every)[:every].astype(plus.dtype)
        mixed *= lead.reshape((every,) + (1,) * (len(rest) + 1))
        head = mixed.max(axis=0)  # per term: max_k delta^k M_(c every + k)
        after = np.zeros((terms, *rest), dtype=plus.dtype)  # per term c: T_(c+1)
        for c in range(terms - 2, -1, -1):
            np.maximum(head[c + 1], after[c + 1] * foresight**every, out=after[c])
        for k in range(every):
            np.maximum(best[:, k], after * foresight ** (every - k), out=best[:, k])
    return out


def _fresh(name: str, shape: tuple[int, ...]) -> np.ndarray:
    return np.empty(shape)


def _fill(out: np.ndarray, value: float) -> np.ndarray:
    out.fill(value)
    return out


def hazard(
    incentive: np.ndarray | float,
    gain: np.ndarray | float,
    p: Deterrence,
    out: np.ndarray | None = None,
    scaled: bool = False,
) -> np.ndarray | float:
    """Yearly probability that Russia resumes the war: ``h = h_max * L(s (V - g - theta))``.

    ``V``: its net incentive (value of war now minus the value of the deal this year); ``g``: its gain from
    waiting (:func:`waiting_gain`). The logistic is the probability that the year's unobserved shocks tip the
    balance of the choice. ``out``: an array to write into (it may be the gain). ``scaled``: arrays of ``V`` and
    ``g`` given times the steepness ``s`` (the anticipation's, which saves a pass over them).
    """
    if scaled:
        x = np.subtract(gain, incentive, out=out)  # -s (V - g)
        x += p.hazard_steepness * p.hazard_threshold
        np.exp(x, out=x)
        x += 1.0
        return np.divide(p.hazard_max, x, out=x)
    if out is None and isinstance(incentive, float | int) and isinstance(gain, float | int):
        # One year's choice: the same operations in the same order on Python floats (and numpy's exp), so the
        # result is bit-identical to an array's element, at a twentieth of the cost.
        y = ((incentive - gain) - p.hazard_threshold) * -p.hazard_steepness
        return p.hazard_max / (float(np.exp(y)) + 1.0)
    x = np.asarray(np.subtract(incentive, gain, dtype=float, out=out))  # then in place (the hot path)
    x -= p.hazard_threshold
    x *= -p.hazard_steepness
    np.exp(x, out=x)  # h_max / (1 + exp(-s (V - g - theta))): exp is half the cost of tanh
    x += 1.0
    np.divide(p.hazard_max, x, out=x)
    return float(x) if np.ndim(x) == 0 else x


@dataclass(frozen=True)
class Outlook:
    """What Russia faces under one signed deal, for its own private edge: the parts of its calculus that do not
    change with the guarantors' states, computed once at signing (:func:`outlook_of`), and the guarantee's regime
    in each year as the renewal rule is expected to decide it (re-projected at each actual decision,
    :func:`reprojected`).

    Attributes:
        deal: The deal.
        regime: The guarantee's regime in years ``1..years`` (:func:`force_shares`: 0 in force, then the drawdown
            years, then gone).
        structural: The balance before the guarantors, years ``1..years`` (:func:`structural_balance`).
        consolidation: ``psi_t``, years ``1..years``: as the state equation projects it from the last event
            (:func:`consolidation`, :func:`set_back`).
        integration: ``iota``, how far into the EU the deal takes Ukraine (:func:`integration_of`).
        base: Per guarantor, its :func:`base_credibility` per regime.
        weights: Per guarantor, its :func:`weight` per regime.
        peace_value: Russia's utility of the deal ``U_RU(x)``.
        stakes: Russia's stakes in a war.
        steepness: The war's outcome steepness ``k``.
        term: The guarantee's term in years (the package's duration).
        cost: The cost of staying that renewing must buy (:func:`staying_cost`).
        judged_shift: What the guarantors judge Russia's edge to be, less its true edge: they judge the need for
            renewal at the balance ``structural + judged_shift``.
    """

    deal: Deal
    regime: np.ndarray
    structural: np.ndarray
    consolidation: np.ndarray
    integration: float
    base: tuple[tuple[float, ...], ...]
    weights: tuple[tuple[float, ...], ...]
    peace_value: float
    stakes: Stakes
    steepness: float
    term: int
    cost: float
    judged_shift: float

    @property
    def active(self) -> np.ndarray:
        """Whether the guarantee is in force, years ``1..years``."""
        return self.regime == 0

    @functools.cached_property
    def tables(self) -> tuple[np.ndarray, np.ndarray]:
        """``base`` and ``weights`` as arrays, guarantors x years: each guarantor's base credibility and weight in
        the regime of each year."""
        n = len(self.base)
        if n == 0:
            return np.zeros((0, self.regime.size)), np.zeros((0, self.regime.size))
        base = np.asarray(self.base, dtype=float).reshape(n, -1)[:, self.regime]
        weights = np.asarray(self.weights, dtype=float).reshape(n, -1)[:, self.regime]
        return base, weights

    @functools.cached_property
    def kernel(self) -> tuple[np.ndarray, np.ndarray, float]:
        """The parts of Russia's incentive that do not depend on the guarantors, per year: ``exp(-k s_t)`` (``s_t``
        the structural balance), and ``u_D - c - U_RU - psi_t``; and ``u_C - u_D``. So that
        ``V_t = (u_C - u_D) / (1 + exp(-k s_t) exp(k G_t)) + (u_D - c - U_RU - psi_t)`` (:func:`incentives_of`)."""
        decay = np.exp(np.minimum(self.structural * -self.steepness, 350.0))
        st = self.stakes
        offset = (st.defender_wins - st.cost - self.peace_value) - self.consolidation
        return decay, offset, st.challenger_wins - st.defender_wins


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
    expiry: Expiry,
    states: Sequence[GuarantorState],
    judged_edge: float = 0.0,
) -> Outlook:
    """Russia's :class:`Outlook` under a deal, for ``years`` years of peace (``edge``: its private edge;
    ``start``: the balance a resumed war starts from before power shifts, the war's initial balance), with the
    renewals projected from the guarantors' ``states`` at signing and their judgement of Russia's edge."""
    values = deal.values
    shares = force_shares(expiry.drawdown_years)
    term = int(max(min(values[_DURATION], years + 1), 0))
    outlook = Outlook(
        deal=deal,
        regime=regime_path(min(term, years + 1), years, expiry.drawdown_years),
        structural=structural_balance(values, edge, start, power, p, years),
        consolidation=consolidation(years, p, iota := float(integration_of(values))),
        integration=iota,
        base=tuple(
            tuple(float(base_credibility(r, values, k == 0, float(f))) for k, f in enumerate(shares)) for r in rules
        ),
        weights=tuple(tuple(float(weight(r, values, k == 0, float(f))) for k, f in enumerate(shares)) for r in rules),
        peace_value=peace_value,
        stakes=stakes,
        steepness=steepness,
        term=term,
        cost=float(staying_cost(values, rules, expiry)),
        judged_shift=judged_edge - edge,
    )
    return reprojected(outlook, term, states, rules, p, expiry)


def reprojected(
    outlook: Outlook,
    start: int,
    states: Sequence[GuarantorState],
    rules: Sequence[GuarantorRule],
    p: Deterrence,
    expiry: Expiry,
) -> Outlook:
    """The outlook with the guarantee's regimes projected from ``start`` years in force, by the renewal rule
    (:func:`projected_expiry`) with the guarantors in these ``states``."""
    _, g = regime_guarantees(outlook, states, rules)
    need = averted_hazard(
        outlook.structural + outlook.judged_shift,
        g[0],
        g[1],
        outlook.stakes,
        outlook.peace_value,
        outlook.consolidation,
        outlook.steepness,
        p,
    )
    years = outlook.regime.size
    end = int(projected_expiry(need, outlook.cost, outlook.term, start, expiry.renewal))
    return dataclasses.replace(outlook, regime=regime_path(min(end, years + 1), years, expiry.drawdown_years))


class Calculus(NamedTuple):
    """Russia's yearly calculus (docs/MODEL.md 7.8.3-7.8.4).

    Attributes:
        active: Whether the guarantee is in force this year.
        regime: The guarantee's regime this year (:func:`force_shares`).
        credibility: Each guarantor's credibility, in the scenario's order.
        guarantee: The guarantors' expected weight in a resumed war ``G``.
        balance: The balance of power a war started now would start from.
        war_value: Russia's value of a year of war at that balance.
        consolidation: What breaking the peace costs it this year, ``psi_t``.
        incentive_now: ``V = W - U_RU - psi``.
        gain: Its gain from waiting (0 when myopic, or when waiting does not pay).
        hazard: The yearly probability of a renewed offensive.
    """

    active: bool
    regime: int
    credibility: tuple[float, ...]
    guarantee: float
    balance: float
    war_value: float
    consolidation: float
    incentive_now: float
    gain: float
    hazard: float


def regime_guarantees(
    outlook: Outlook, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> tuple[tuple[tuple[float, ...], ...], np.ndarray]:
    """Each guarantor's credibility and the guarantors' expected weight ``G`` in every regime of the guarantee,
    with the guarantors as they are now: ``(kappas per regime, G per regime)``."""
    if not rules:
        return (), np.array([])
    values = outlook.deal.values
    mult = np.array([engagement_multiplier(i, values, states, rules) for i in range(len(rules))])
    kappa, g = expected_weight(np.asarray(outlook.base), np.asarray(outlook.weights), mult[:, None])
    return tuple(tuple(float(k) for k in kappa[:, r]) for r in range(kappa.shape[1])), g


def incentives(
    outlook: Outlook, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule], year: int = 1
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Russia's net incentive ``V_t = W_RU(b_t) - U_RU - psi_t`` in every year of the outlook as it foresees them
    in ``year``: the guarantors as they are now, a cohesion reverting to its mean (:func:`expected_multipliers`),
    the guarantee's regimes as projected. Returns ``(V, b, kappa, G)``: the incentive and the balance per year,
    each guarantor's credibility per year (guarantors x years) and the guarantors' expected weight ``G`` per
    year."""
    v, b, kappa, g = incentives_of(outlook, (tuple(states),), rules, year)
    return v[0], b[0], kappa[0], g[0]


def incentives_of(
    outlook: Outlook, combos: Sequence[Sequence[GuarantorState]], rules: Sequence[GuarantorRule], year: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """:func:`incentives` for several combinations of the guarantors' states at once: each array gains a first
    axis, one row per combination."""
    years = outlook.regime.size
    base, weights = outlook.tables
    mult = np.empty((len(combos), len(rules), years))
    paths: dict[int, tuple[GuarantorState, np.ndarray]] = {}  # a cohesion's path, shared by the combinations
    for c, st in enumerate(combos):
        for i, m in enumerate(expected_multipliers(outlook.deal.values, year, years, st, rules, paths)):
            mult[c, i] = m
    kappa, g = expected_weight(base[None], weights[None], mult, axis=1)
    # pi_t = L(k (s_t - G_t)) = 1 / (1 + exp(-k s_t) exp(k G_t)), then V_t = (u_C - u_D) pi_t + rest (Outlook.kernel)
    decay, offset, spread = outlook.kernel
    x = np.exp(np.minimum(g * outlook.steepness, 350.0))
    x *= decay
    x += 1.0
    v = np.divide(spread, x, out=x)
    v += offset
    return v, outlook.structural[None] - g, kappa, g


def foreseen(
    outlook: Outlook, year: int, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> tuple[np.ndarray, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
    """What Russia, in ``year``, expects a later attack in each year to be worth, and its :func:`incentives`.

    The worth is the positive part of its incentive, ``max(V_j, 0)`` (an attack that would not pay is never a
    reason to wait): with the guarantors as they are up to the next election, and from it on the expectation
    over what the elections may bring (:func:`election_outcomes`), ``M_j = sum_s pi_s max(V^s_j, 0)``.
    Returns ``(M, (V, b, kappa, G))``."""
    now = tuple(states)
    every = election_calendar(rules)
    e = None if every is None else next_election(year, every) - 1  # the first year under a new government
    outcomes = election_outcomes(now, rules) if e is not None and e < outlook.regime.size else ((now, 1.0),)
    combos = [now, *(st for st, _ in outcomes if st != now)]
    v, b, kappa, g = incentives_of(outlook, combos, rules, year)
    plus = np.maximum(v, 0.0)
    ahead = plus[0].copy()
    if len(outcomes) > 1:
        odds = np.zeros(len(combos))
        for st, prob in outcomes:
            odds[combos.index(st)] += prob
        ahead[e:] = odds @ plus[:, e:]
    return ahead, (v[0], b[0], kappa[0], g[0])


def foreseen_gains(
    outlook: Outlook, year: int, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> np.ndarray:
    """The worth Russia, in ``year``, expects of a later attack in each year (:func:`foreseen`)."""
    return foreseen(outlook, year, states, rules)[0]


def gain_at(incentive: np.ndarray, t: int, foresight: float, ahead: np.ndarray | None = None) -> float:
    """:func:`waiting_gain` in year index ``t`` alone: ``max(0, max_{j>t} delta^(j-t) M_j - max(V_t, 0))`` with
    ``M_j`` what Russia expects a later attack to be worth (``ahead``: by default ``max(V_j, 0)``, the incentives
    as they are; a unit test checks the two functions agree)."""
    if foresight <= 0 or t + 1 >= incentive.size:
        return 0.0
    later = np.maximum(incentive[t + 1 :], 0.0) if ahead is None else ahead[t + 1 :]
    best = float((later * _powers(foresight, incentive.size)[1 : incentive.size - t]).max())
    return max(best - max(float(incentive[t]), 0.0), 0.0)


def yearly_choice(
    outlook: Outlook, year: int, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule], p: Deterrence
) -> Calculus:
    """Russia's calculus in a year of peace (1 = the first year after the deal): the one home of the
    attack-or-wait rule.

    Its incentive this year and in every later year it can foresee: the guarantors as they are now until the
    next election and, from it on, as the elections may leave them (:func:`foreseen`), a coalition's
    cohesion reverting to its mean, the guarantee renewed or lapsing as the renewal rule is expected to decide
    (the outlook's regimes: a lapsed guarantee's credibility falls to its residual and its force draws down),
    power shifting and peace consolidating; it holds back in so far as a later attack would pay more,
    discounted (:func:`gain_at`).
    """
    t = year - 1
    if p.foresight > 0 and t + 1 < outlook.regime.size:
        ahead, (v, b, kappa, g) = foreseen(outlook, year, states, rules)
        gain = gain_at(v, t, p.foresight, ahead)
    else:
        v, b, kappa, g = incentives(outlook, states, rules, year)
        gain = 0.0
    regime = int(outlook.regime[t])
    v_t = float(v[t])
    psi = float(outlook.consolidation[t])
    return Calculus(
        active=regime == 0,
        regime=regime,
        credibility=tuple(kappa[:, t].tolist()),
        guarantee=float(g[t]),
        balance=float(b[t]),
        war_value=v_t + outlook.peace_value + psi,
        consolidation=psi,
        incentive_now=v_t,
        gain=gain,
        hazard=hazard(v_t, gain, p),
    )


def fighting_weight(outlook: Outlook, regime: int, honoured: Sequence[bool | None]) -> float:
    """The guarantors' weight in the war after a breakdown: the full weight ``w_g`` (:func:`weight`, in the regime of
    the breakdown year) of each guarantor that honoured, nothing of the others (docs/MODEL.md 7.8.5)."""
    return float(sum(w[regime] for w, h in zip(outlook.weights, honoured, strict=True) if h))


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
        if lapsed(rule, state, deal):
            return rule.engagement.lapse_cause
    if deal.values[_STRENGTH] <= _ASSURANCES and deal.values[_TROOPS] == 0:
        return "no_enforcement"
    return "deterrence_gap"


def lapsed(rule: GuarantorRule, state: GuarantorState, deal: Deal) -> bool:
    """Whether a guarantor has lapsed from the deal: disengaged after an election while it has a role in it, or its
    cohesion more than its split margin below the mean (a split). The one home of the rule: the breakdown's cause
    (:func:`classify_breakdown`) and the setback of consolidation (docs/MODEL.md 7.8.10) both read it."""
    e = rule.engagement
    if isinstance(e, Elections):
        return not state.engaged and (rule.role_issue is None or rule.role_level(deal) > 0)
    if isinstance(e, Cohesion):
        return state.cohesion < e.mean - e.split_margin
    return False


def after_lapse(outlook: Outlook, year: int, p: Deterrence) -> Outlook:
    """Russia's outlook once a guarantor has lapsed in ``year``: the consolidation of peace set back by
    ``split_setback`` (:func:`set_back`), the rest as it was."""
    path = set_back(outlook.consolidation, year, p.split_setback, p, outlook.integration)
    return outlook if path is outlook.consolidation else dataclasses.replace(outlook, consolidation=path)


def causes(rules: Sequence[GuarantorRule]) -> tuple[str, ...]:
    """Every breakdown cause a scenario with these guarantors can record, in the order of the checks."""
    lapses = [r.engagement.lapse_cause for r in rules if isinstance(r.engagement, Elections | Cohesion)]
    return ("expired", *dict.fromkeys(lapses), "no_enforcement", "deterrence_gap")


#: How many equally likely types Russia's belief about a guarantor's resolve ranges over.
RESOLVE_TYPES = 7


def resolve_types(sd: float, n: int = RESOLVE_TYPES) -> tuple[float, ...]:
    """The types of a guarantor's resolve: the ``n`` equal-probability quantile midpoints of a lognormal with mean 1
    and log-standard deviation ``sd`` (one type, 1.0, when ``sd`` is 0). A guarantor of resolve ``r`` honours, and
    answers a probe, with probability ``clip(r kappa, 0, 1)``, where ``kappa`` is its credibility as the terms and
    its engagement set it (docs/MODEL.md 7.8.8)."""
    if sd <= 0:
        return (1.0,)
    from statistics import NormalDist

    z = np.array([NormalDist().inv_cdf((k + 0.5) / n) for k in range(n)])
    r = np.exp(sd * z)
    return tuple(float(v) for v in r / r.mean())


def trust_of(weights: np.ndarray, resolve: Sequence[float]) -> float:
    """Russia's trust in a guarantor's resolve: the mean of its belief over the types."""
    return float(np.dot(weights, resolve))


def update_trust(weights: np.ndarray, resolve: Sequence[float], stated: float, answered: bool) -> np.ndarray:
    """Russia's belief over a guarantor's resolve after a probe that the guarantor answered or not (Bayes' rule):
    type ``r`` answers with probability ``clip(r stated, 0, 1)``, where ``stated`` is the credibility the terms and
    the guarantor's engagement give it this year. An answered probe never lowers the belief's mean and an
    unanswered one never raises it (the likelihood ratio is monotone in ``r``)."""
    p = clip(np.asarray(resolve) * stated, 0.0, 1.0)
    post = weights * (p if answered else 1.0 - p)
    total = post.sum()
    return weights if total <= 0 else post / total


def stated_credibilities(
    outlook: Outlook, year: int, states: Sequence[GuarantorState], rules: Sequence[GuarantorRule]
) -> np.ndarray:
    """Each guarantor's credibility in ``year`` as the terms, the guarantee's regime and its engagement set it,
    ``clip(base_g E_g B_g, 0, 1)``, with the trust in ``states`` (1: the credibility Russia's belief scales)."""
    base, _ = outlook.tables
    t = min(year, base.shape[1]) - 1
    m = np.array([float(engagement_multiplier(i, outlook.deal.values, states, rules)) for i in range(len(rules))])
    return clip(base[:, t] * m, 0.0, 1.0)
