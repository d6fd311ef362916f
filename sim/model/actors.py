"""The Mesa agents: the negotiating parties, the guarantors, and the coalition of the willing with its member states.

Agents own their state and their decisions (whether to accept an offer, whether to
send troops or veto, how a guarantor's engagement moves, whether to attack, whether to honour a commitment);
the model sequences them. Which agents a run has follows from the scenario's actors and their roles. Every
random draw comes from ``self.model.rng``.
"""

from __future__ import annotations

from collections.abc import Sequence

import mesa
import numpy as np

from sim.config.scenario import Actor, Cohesion, Elections
from sim.config.scenario import Members as MembersSpec
from sim.dealspace import BY_NAME, ISSUE_INDEX, clip
from sim.model.deterrence import Calculus, GuarantorRule, GuarantorState, trust_of, update_trust
from sim.model.preferences import Preferences
from sim.model.war import Stakes, war_value


class PartyAgent(mesa.Agent):
    """A party whose acceptance a deal needs (Ukraine, Russia, the United States as guarantor).

    Attributes:
        key: The actor's key.
        spec: The actor's validated scenario section.
        preferences: Utility over packages in peace.
        stakes: What the war's outcome is worth to it and what a year of war costs it.
        best: Best utility over the feasible packages (set once the table is built).
    """

    def __init__(self, model: mesa.Model, key: str, spec: Actor, preferences: Preferences, stakes: Stakes) -> None:
        super().__init__(model)
        self.key = key
        self.spec = spec
        self.preferences = preferences
        self.stakes = stakes
        self.best = 1.0

    def no_deal(self, balance: np.ndarray | float, steepness: float) -> np.ndarray | float:
        """Its value of no deal this month: a year of war at the balance (its belief's types: an array)."""
        return war_value(self.stakes, balance, steepness)

    def accepts(self, value: float, no_deal: float) -> bool:
        """Whether it accepts an offer: its expected value of the deal, given its beliefs, is at least its value of
        no deal (rational acceptance; no perception noise)."""
        return value >= no_deal


class ChallengerAgent(PartyAgent):
    """The challenger (Russia): knows its private edge; decides yearly whether to resume the war.

    Attributes:
        edge: Its private edge (a shift of the balance in its favour that the others do not know).
        edge_index: Which of the others' types it is.
        resolve_belief: Its belief over each guarantor's resolve types (weights, in the scenario's order of the
            guarantors; uniform at signing), updated from how the guarantor answers its probes.
        trusts: Its trust in each guarantor's resolve: the mean of that belief (1 at signing).
    """

    edge: float = 0.0
    edge_index: int = 0
    resolve_belief: tuple[np.ndarray, ...] = ()
    trusts: tuple[float, ...] = ()

    def attacks(self, calculus: Calculus, draw: float) -> bool:
        """Whether it resumes the war this year, given its calculus (:func:`~sim.model.deterrence.yearly_choice`)
        and a uniform draw: with probability equal to the yearly hazard."""
        return draw < calculus.hazard

    def probes(self, calculus: Calculus, ratio: float, draw: float) -> bool:
        """Whether it probes the guarantors in a year it did not attack (a sub-war incident): with probability
        ``min(1, ratio * hazard)``, so the more an attack tempts it, the more it tests whether one would be met."""
        return draw < min(1.0, ratio * calculus.hazard)

    def start_beliefs(self, rules: Sequence[GuarantorRule]) -> None:
        """Its belief about each guarantor's resolve at signing: uniform over the types (trust 1)."""
        self.resolve_belief = tuple(np.full(len(r.resolve), 1.0 / len(r.resolve)) for r in rules)
        # Exactly 1: the types have mean 1 by construction (resolve_types), and the dot product of the uniform
        # weights with them may round to 1 - 2e-16, which would make "trust 1 at signing" depend on numpy's sum.
        self.trusts = tuple(1.0 for _ in rules)

    def learns(self, i: int, rule: GuarantorRule, stated: float, answered: bool) -> None:
        """Update its belief about guarantor ``i``'s resolve from how it answered a probe
        (:func:`~sim.model.deterrence.update_trust`), and its trust in it (:attr:`trusts`: the belief's mean,
        :func:`~sim.model.deterrence.trust_of`)."""
        beliefs = list(self.resolve_belief)
        beliefs[i] = update_trust(beliefs[i], rule.resolve, stated, answered)
        self.resolve_belief = tuple(beliefs)
        trusts = list(self.trusts)
        trusts[i] = trust_of(beliefs[i], rule.resolve)
        self.trusts = tuple(trusts)


RussiaAgent = ChallengerAgent
"""The name model v1 used."""


class GuarantorAgent(mesa.Agent):
    """A guarantor in the years after a deal: owns its engagement state, and honours its commitment or not.

    Attributes:
        key: The actor's key.
        rule: Its compiled commitment (credibility, weights, engagement process).
        state: Its engagement this year.
        resolve: Its true resolve (one of the rule's types, drawn at the start of the run; Russia does not know it).
    """

    def __init__(self, model: mesa.Model, rule: GuarantorRule, election_slot: int | None = None) -> None:
        super().__init__(model)
        self.key = rule.key
        self.rule = rule
        self.state = rule.initial_state()
        self._slot = election_slot
        types = rule.resolve
        self.resolve = float(types[int(model.probe_rng.integers(0, len(types)))]) if len(types) > 1 else 1.0

    def step_year(self, year: int, draws: np.ndarray) -> GuarantorState:
        """Move its engagement into ``year`` (1 = the first year after the deal) and return it.

        Elections: in the years after each term (``every_years``), a new government disengages with the
        stated probability, decided by the year's draw in this guarantor's election slot. Cohesion:
        ``c_t = clip(c + r (L_t - c) + sigma z, 0, 1)`` with a standard normal ``z`` drawn from the model's rng,
        reverting to its level ``L_t`` (:meth:`level`: its mean, for a guarantor without member states).
        """
        e = self.rule.engagement
        engaged, cohesion, _, level = self.state
        if isinstance(e, Elections) and self._slot is not None and year > 1 and (year - 1) % e.every_years == 0:
            engaged = bool(draws[self._slot] >= e.disengage_probability)
        if isinstance(e, Cohesion):
            level = self.level(e)
            cohesion = cohesion + e.reversion * (level - cohesion)
            cohesion = min(max(cohesion + e.volatility * self.model.rng.standard_normal(), 0.0), 1.0)
        self.state = GuarantorState(engaged=engaged, cohesion=cohesion, level=level)
        return self.state

    def level(self, e: Cohesion) -> float:
        """The level its cohesion reverts to this year: the engagement's mean (a composite guarantor's depends on
        its member states, :meth:`CoalitionAgent.level`)."""
        return e.mean

    def struck(self, share: float) -> None:
        """Russia strikes at its force (a probe or an attack) while ``share`` of it is deployed: a cohesion loses
        ``incident_shock * share`` (docs/MODEL.md 7.8.9); nothing else changes."""
        e = self.rule.engagement
        if isinstance(e, Cohesion) and e.incident_shock > 0 and share > 0:
            s = self.state
            self.state = s._replace(cohesion=max(s.cohesion - e.incident_shock * share, 0.0))

    def honours(self, credibility: float, draw: float) -> bool:
        """Whether it honours its commitment when Russia attacks (or answers a probe): with probability equal to its
        credibility, its true resolve included."""
        return draw < credibility


class MemberState(mesa.Agent):
    """A coalition member state: willingness, troop pledge, sensitivity to Russian threats.

    Attributes:
        lead: Whether it is one of the two lead nations (France, UK).
        pledge: Troops it would send if it takes part.
        threat_sensitivity: Share of willingness lost to Russia's threat to target foreign troops.
    """

    def __init__(self, model: mesa.Model, coalition: CoalitionAgent, index: int, pledge: float, threat: float) -> None:
        super().__init__(model)
        self._coalition = coalition
        self._index = index
        self.lead = index < 2
        self.pledge = pledge
        self.threat_sensitivity = threat

    @property
    def willingness(self) -> float:
        """Its government's political willingness to commit, in (0, 1): drawn at the start of the run, and afresh
        when an election after a deal changes its government (the coalition holds the schedule of its
        governments, :meth:`CoalitionAgent.willingness_at`)."""
        return float(self._coalition.willingness[self._index])


class CoalitionAgent(GuarantorAgent):
    """A composite guarantor (the coalition of the willing): its troop offer and its consent emerge from its members.

    A member's effective willingness for a package is its willingness times the backstop factor of the
    package's level of the backstop guarantor's role (the US role), reduced by Russia's threat when troops
    are to be deployed. It sends its pledge if that is at least the participation threshold, and vetoes a
    package whose demands (strength, duration) exceed its effective willingness.
    """

    def __init__(
        self,
        model: mesa.Model,
        rule: GuarantorRule,
        members: MembersSpec,
        backstop_issue: str,
        election_slot: int | None = None,
    ) -> None:
        super().__init__(model, rule, election_slot)
        self.spec = members
        rng = model.rng
        m = members.count
        a = members.willingness_mean * members.willingness_concentration
        b = (1.0 - members.willingness_mean) * members.willingness_concentration
        willingness = rng.beta(a, b, size=m)
        sigma = members.pledge_dispersion
        pledges = members.member_pledge * rng.lognormal(-0.5 * sigma * sigma, sigma, size=m)
        pledges[:2] = members.lead_pledge
        threat = rng.uniform(0.0, members.threat_sensitivity, size=m)
        self.members = [
            MemberState(model, self, i, pledge=p, threat=t)
            for i, (p, t) in enumerate(zip(pledges.tolist(), threat.tolist(), strict=True))
        ]
        self._start = willingness  # the willingness of the governments at the table
        self._pledge = np.array([s.pledge for s in self.members])
        self._threat = np.array([s.threat_sensitivity for s in self.members])
        self._role = ISSUE_INDEX[backstop_issue]
        self._backstop = np.array([members.backstop_factor[r] for r in BY_NAME[backstop_issue].levels])
        # Member politics draw from their own child stream (the model's other draws are untouched by them): the
        # month of each member's first election, counted from the start of the run.
        self._politics = model.politics_rng
        self._elections = self._politics.integers(0, 12 * members.term_years, size=m)
        self._first: np.ndarray | None = None  # each member's first election after the first deal (month)
        self._governments = willingness[None, :]  # its governments' willingness, election by election from then
        self._signing = 0  # the month the deal in force was signed
        self._standing = np.ones(1)  # the share behind it in each year after its signing (years 1, 2, ...)
        self._defecting = np.zeros(1, dtype=int)  # defections in each of those years
        self.standing = 1.0  # the share of the coalition, by pledge, still behind the deal
        self.defections = 0  # times a member that stood behind the deal stopped doing so

    @property
    def willingness(self) -> np.ndarray:
        """Its members' governments' willingness now (:meth:`willingness_at` the model's month; the members read
        theirs from it)."""
        return self._start if self._first is None else self.willingness_at(self.model.month)

    def effective_willingness(self, numbers: np.ndarray) -> np.ndarray:
        """Members × packages matrix of effective willingness."""
        role = numbers[:, self._role].astype(int)
        deploy = numbers[:, ISSUE_INDEX["foreign_troops"]] > 0
        factor = self._backstop[role]
        return self.willingness[:, None] * factor[None, :] * (1.0 - self._threat[:, None] * deploy[None, :])

    def troops_offered(self, numbers: np.ndarray, eff: np.ndarray | None = None) -> np.ndarray:
        """Troops the coalition would send for each package (``eff``: the effective willingness, if known)."""
        if eff is None:
            eff = self.effective_willingness(numbers)
        return (eff >= self.spec.participation_threshold).T @ self._pledge

    def consents(self, numbers: np.ndarray, normalised: np.ndarray, eff: np.ndarray | None = None) -> np.ndarray:
        """Whether the coalition approves each package under its consent rule (``eff`` as above)."""
        if eff is None:
            eff = self.effective_willingness(numbers)
        approve = eff >= self.veto_cost(normalised)[None, :]
        if self.spec.consent_rule == "consensus":
            return approve.all(axis=0)
        return approve.mean(axis=0) >= self.spec.consent_threshold

    def veto_cost(self, normalised: np.ndarray) -> np.ndarray:
        """The effective willingness a member needs to approve each package (normalised rows): the veto costs of
        its strength and its duration."""
        return (
            self.spec.veto_cost_strength * normalised[:, ISSUE_INDEX["guarantee_strength"]]
            + self.spec.veto_cost_duration * normalised[:, ISSUE_INDEX["duration_years"]]
        )

    def commits(self, numbers: np.ndarray, normalised: np.ndarray) -> np.ndarray:
        """Whether the coalition can deliver the troops each package asks and approves it."""
        troops = numbers[:, ISSUE_INDEX["foreign_troops"]]
        eff = self.effective_willingness(numbers)
        return (self.troops_offered(numbers, eff) >= troops) & self.consents(numbers, normalised, eff)

    # --- member politics after a deal (docs/MODEL.md 7.8.9) ------------------------------------------

    def sign(self, numbers: np.ndarray, normalised: np.ndarray, month: int, horizon: int) -> None:
        """A deal (one package row, and the same normalised) is signed in ``month``: record which members stand
        behind it, by the rule of the table, and which will in each later year to ``horizon`` (a month).

        A member that sends troops under the deal needs the participation threshold; the others, the deal's veto
        cost. At the first deal the members' governments to the horizon are drawn (:meth:`willingness_at`):
        elections before it are not held (the governments at the table sign it); those during a war after a
        breakdown count before a new deal is signed."""
        spec = self.spec
        if spec.turnover > 0.0 and self._first is None:
            self._draw_governments(month, horizon)
        self._signing = month
        self.standing = 1.0
        if self._first is None:
            return  # no turnover: nobody's government changes
        troops = numbers[ISSUE_INDEX["foreign_troops"]] > 0
        # Effective willingness for the deal: willingness times these, in the order of effective_willingness, so that
        # a member's bar is judged on the same floating-point numbers as at the table.
        backstop, kept = self._backstop[int(numbers[self._role])], 1.0 - self._threat * troops
        eff = self.willingness_at(month) * backstop * kept
        sends = troops & (eff >= spec.participation_threshold)
        bar = np.where(sends, spec.participation_threshold, float(self.veto_cost(normalised[None, :])[0]))
        signed = eff >= bar
        # Who stands behind it in each year after, as their governments will be then (years 1..Y from the signing).
        months = month + 12 * np.arange(-(-(horizon - month) // 12))
        held = self._held(months)
        everyone = np.arange(spec.count)
        stand = signed & (self._governments[held, everyone] * backstop * kept >= bar)
        weight = float(self._pledge[signed].sum())
        self._standing = (stand @ self._pledge) / weight if weight > 0 else np.ones(months.size)
        self._defecting = np.count_nonzero(np.vstack([signed[None, :], stand[:-1]]) & ~stand, axis=1)

    def _draw_governments(self, month: int, horizon: int) -> None:
        """Draw, at the first deal (``month``), every member's elections to the ``horizon``: at each, its government
        changes with chance ``turnover``, to one whose willingness is drawn afresh from the members' distribution."""
        spec, m = self.spec, self.spec.count
        period = 12 * spec.term_years
        self._first = self._elections + period * np.maximum(0, (month - self._elections) // period + 1)
        k = (horizon - month) // period + 2  # enough elections for every member to the horizon
        change = self._politics.random((k, m)) < spec.turnover
        a = spec.willingness_mean * spec.willingness_concentration
        fresh = self._politics.beta(a, spec.willingness_concentration - a, size=(k, m))
        # Row e: each member's government after its e-th election (row 0: the one that signed).
        last = np.maximum.accumulate(np.where(change, np.arange(1, k + 1)[:, None], 0), axis=0)
        rows = np.vstack([np.zeros((1, m), dtype=int), last])
        self._governments = np.vstack([self._start[None, :], fresh])[rows, np.arange(m)]

    def _held(self, months: np.ndarray) -> np.ndarray:
        """How many elections each member has held by each of ``months`` since the first deal (months x members)."""
        if self._first is None:
            return np.zeros((months.size, self.spec.count), dtype=int)
        n = (months[:, None] - self._first[None, :]) // (12 * self.spec.term_years) + 1
        return clip(n, 0, self._governments.shape[0] - 1)

    def willingness_at(self, month: int) -> np.ndarray:
        """Its members' governments' willingness in ``month``: as drawn at the first deal (before it, and without
        turnover, as at the start of the run)."""
        return self._governments[self._held(np.array([month]))[0], np.arange(self.spec.count)]

    def level(self, e: Cohesion) -> float:
        """The level its cohesion reverts to this year: the mean times the share, by pledge, of the members that stood
        behind the deal at signing and whose governments still do (``S_t``, :attr:`standing`); a member counts as
        defecting in the year its government stops standing behind it."""
        if self._first is None:
            return e.mean  # no deal yet, or no turnover: the members' willingness is fixed for the run
        y = (self.model.month - self._signing) // 12
        if y < self._standing.size:
            self.standing = float(self._standing[y])
            self.defections += int(self._defecting[y])
        return e.mean * self.standing
