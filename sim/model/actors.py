"""The Mesa agents: the negotiating parties, and the coalition of the willing with its member states.

Agents own their state and their decisions (accept an offer, how far to concede, whether to send
troops or veto, whether to attack, whether to honour a commitment); the model sequences them.
Every random draw comes from ``self.model.rng``.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.config.scenario import Coalition as CoalitionSpec
from sim.config.scenario import Party as PartySpec
from sim.dealspace import BY_NAME, ISSUE_INDEX
from sim.model.preferences import Preferences, RedLine

if TYPE_CHECKING:
    pass

US_ROLES = BY_NAME["us_role"].levels


_PREFERENCES_CACHE: dict[int, tuple[PartySpec, Preferences]] = {}


def preferences_from_spec(spec: PartySpec) -> Preferences:
    """Turn a party's validated scenario section into a :class:`Preferences` (cached per spec object:
    both are immutable, and every run of a scenario shares them)."""
    hit = _PREFERENCES_CACHE.get(id(spec))
    if hit is not None and hit[0] is spec:
        return hit[1]
    if len(_PREFERENCES_CACHE) > 10_000:
        _PREFERENCES_CACHE.clear()
    prefs = _preferences_from_spec(spec)
    _PREFERENCES_CACHE[id(spec)] = (spec, prefs)
    return prefs


def _preferences_from_spec(spec: PartySpec) -> Preferences:
    prefs = spec.preferences
    names = type(prefs).model_fields
    lines = []
    for r in spec.red_lines:
        issue = BY_NAME[r.issue]
        lines.append(
            RedLine(
                issue=r.issue,
                above=None if r.above is None else issue.to_number(r.above),
                below=None if r.below is None else issue.to_number(r.below),
                hard=r.kind == "hard",
                penalty=r.penalty,
            )
        )
    return Preferences.from_spec(
        ideal={n: getattr(prefs, n).ideal for n in names},
        salience={n: getattr(prefs, n).salience for n in names},
        tolerance={n: getattr(prefs, n).tolerance for n in names},
        red_lines=lines,
    )


class PartyAgent(mesa.Agent):
    """A party whose signature (Ukraine, Russia) or commitment (the United States) a deal needs.

    Attributes:
        key: ``ukraine``, ``russia`` or ``united_states``.
        preferences: Utility over packages.
        reservation: Current utility of no deal; moved by the war during talks.
        aspiration: Current least utility the party accepts (time-dependent concession).
    """

    def __init__(self, model: mesa.Model, key: str, spec: PartySpec) -> None:
        super().__init__(model)
        self.key = key
        self.spec = spec
        self.preferences = preferences_from_spec(spec)
        self.reservation0 = spec.reservation
        self.reservation = spec.reservation
        self.best = 1.0
        self.aspiration = 1.0
        self.beta = spec.concession.beta

    def concede(self, t: int, deadline: int, beta: float | None = None) -> float:
        """Update and return the aspiration at round ``t`` (Faratin et al. 1998, polynomial tactic).

        ``alpha(t) = k + (1 - k) (t / T)^(1 / beta)``; aspiration ``= best - alpha (best - reservation)``,
        never below the reservation value.
        """
        b = self.beta if beta is None else beta
        k = self.spec.concession.initial
        alpha = k + (1.0 - k) * (t / deadline) ** (1.0 / b)
        gap = max(self.best - self.reservation, 0.0)
        self.aspiration = max(self.best - alpha * gap, self.reservation)
        return self.aspiration

    def accepts(self, utility: float) -> bool:
        """Whether the party accepts an offer of the given (true) utility, as it perceives it."""
        noise = self.spec.perception_noise
        # noise * z is what rng.normal(0, noise) computes, from the same draw, with less call overhead.
        perceived = utility + (noise * self.model.rng.standard_normal() if noise > 0 else 0.0)
        return bool(perceived >= self.aspiration)


class RussiaAgent(PartyAgent):
    """Russia: plays for time while it believes it is winning; decides yearly whether to attack."""

    def play_for_time_beta(self, belief: float, weight: float) -> float:
        """Concession exponent given Russia's belief (0-1) that it is winning: more boulware when winning."""
        return self.beta * math.exp(-weight * (2.0 * belief - 1.0))

    def attacks(self, hazard: float, draw: float) -> bool:
        """Whether Russia resumes the war this year, given the yearly hazard and a uniform draw."""
        return draw < hazard


class MemberState(mesa.Agent):
    """A coalition member state: willingness, troop pledge, sensitivity to Russian threats.

    Attributes:
        lead: Whether it is one of the two lead nations (France, UK).
        willingness: Political willingness to commit, in (0, 1).
        pledge: Troops it would send if it takes part.
        threat_sensitivity: Share of willingness lost to Russia's threat to target foreign troops.
    """

    def __init__(self, model: mesa.Model, lead: bool, willingness: float, pledge: float, threat: float) -> None:
        super().__init__(model)
        self.lead = lead
        self.willingness = willingness
        self.pledge = pledge
        self.threat_sensitivity = threat


class CoalitionAgent(mesa.Agent):
    """The coalition of the willing: its troop offer and its consent emerge from its members.

    A member's effective willingness for a package is its willingness times the backstop factor of the
    package's US role, reduced by Russia's threat when troops are to be deployed. It sends its pledge
    if that is at least the participation threshold, and vetoes a package whose demands (strength,
    duration) exceed its effective willingness.
    """

    def __init__(self, model: mesa.Model, spec: CoalitionSpec) -> None:
        super().__init__(model)
        self.spec = spec
        rng = model.rng
        m = spec.members
        a = spec.willingness_mean * spec.willingness_concentration
        b = (1.0 - spec.willingness_mean) * spec.willingness_concentration
        willingness = rng.beta(a, b, size=m)
        sigma = spec.pledge_dispersion
        pledges = spec.member_pledge * rng.lognormal(-0.5 * sigma * sigma, sigma, size=m)
        pledges[:2] = spec.lead_pledge
        threat = rng.uniform(0.0, spec.threat_sensitivity, size=m)
        self.members = [
            MemberState(model, lead=i < 2, willingness=w, pledge=p, threat=t)
            for i, (w, p, t) in enumerate(zip(willingness.tolist(), pledges.tolist(), threat.tolist(), strict=True))
        ]
        # The aggregate views are read from the member agents, which own the state.
        self._w = np.array([s.willingness for s in self.members])
        self._pledge = np.array([s.pledge for s in self.members])
        self._threat = np.array([s.threat_sensitivity for s in self.members])
        self._backstop = np.array([spec.backstop_factor[r] for r in US_ROLES])

    def effective_willingness(self, numbers: np.ndarray) -> np.ndarray:
        """Members × packages matrix of effective willingness."""
        role = numbers[:, ISSUE_INDEX["us_role"]].astype(int)
        deploy = numbers[:, ISSUE_INDEX["foreign_troops"]] > 0
        factor = self._backstop[role]
        return self._w[:, None] * factor[None, :] * (1.0 - self._threat[:, None] * deploy[None, :])

    def troops_offered(self, numbers: np.ndarray, eff: np.ndarray | None = None) -> np.ndarray:
        """Troops the coalition would send for each package (``eff``: the effective willingness, if known)."""
        if eff is None:
            eff = self.effective_willingness(numbers)
        return (eff >= self.spec.participation_threshold).T @ self._pledge

    def consents(self, numbers: np.ndarray, normalised: np.ndarray, eff: np.ndarray | None = None) -> np.ndarray:
        """Whether the coalition approves each package under its consent rule (``eff`` as above)."""
        if eff is None:
            eff = self.effective_willingness(numbers)
        cost = (
            self.spec.veto_cost_strength * normalised[:, ISSUE_INDEX["guarantee_strength"]]
            + self.spec.veto_cost_duration * normalised[:, ISSUE_INDEX["duration_years"]]
        )
        approve = eff >= cost[None, :]
        if self.spec.consent_rule == "consensus":
            return approve.all(axis=0)
        return approve.mean(axis=0) >= self.spec.consent_threshold

    def commits(self, numbers: np.ndarray, normalised: np.ndarray) -> np.ndarray:
        """Whether the coalition can deliver the troops each package asks and approves it."""
        troops = numbers[:, ISSUE_INDEX["foreign_troops"]]
        eff = self.effective_willingness(numbers)
        return (self.troops_offered(numbers, eff) >= troops) & self.consents(numbers, normalised, eff)


class GuarantorAgent(mesa.Agent):
    """A guarantor in the years after a deal (the United States or the coalition): honours or not."""

    def __init__(self, model: mesa.Model, key: str) -> None:
        super().__init__(model)
        self.key = key

    def honours(self, credibility: float, draw: float) -> bool:
        """Whether it honours its commitment when Russia attacks: with probability equal to its credibility."""
        return draw < credibility
