"""The Mesa model: sequences the talks (a round a month) and the peace (a step a year) for one run.

It owns time, the random generator (``self.rng``) and the agents; the agents decide. Which agents a run has
follows from the scenario's actors: a party agent per party (the challenger's can attack), a guarantor agent
per guarantor (the composite one with its member states). Every random draw of a run comes from
``self.rng``, so a run is reproduced exactly by its seed.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.config.scenario import Scenario
from sim.dealspace import ISSUES, Deal, normalise_matrix
from sim.model.actors import ChallengerAgent, CoalitionAgent, GuarantorAgent, PartyAgent
from sim.model.compiled import CompiledScenario, compile_scenario
from sim.model.deterrence import classify_breakdown, yearly_choice
from sim.model.negotiation import build_table, candidate_pool, talks_round
from sim.model.records import GuarantorYear, RoundRecord, YearRecord
from sim.model.war import WarState


class GuaranteeModel(mesa.Model):
    """One replication of a scenario: negotiation (unless the package is imposed), then deterrence.

    Args:
        scenario: The validated scenario, or the scenario compiled once for many runs
            (:func:`~sim.model.compiled.compile_scenario`).
        seed: The run's seed; every draw comes from ``self.rng`` seeded with it.
        trace: Whether to record round-by-round and year-by-year traces (slower).

    Attributes:
        spec: The scenario this run follows (named ``spec``: Mesa 3.5 reserves ``Model.scenario``).
        compiled: The compiled scenario.
        parties: The party agents, in the scenario's order.
        challenger: The challenger's agent (Russia).
        defender: The defender's agent (Ukraine).
        guarantors: The guarantor agents, in the scenario's order.
        coalition: The composite guarantor (member states), or None.
        phase: ``talks``, ``peace`` or ``done``.
        deal: The agreed package, once there is one.
        end: How the talks ended (``agreement``, ``imposed``, ``deadline``, ``infeasible``).
        breakdown: Once Russia has attacked: ``breakdown_year``, ``cause`` and who ``honoured``.
    """

    def __init__(self, scenario: Scenario | CompiledScenario, seed: int, *, trace: bool = False) -> None:
        super().__init__(rng=seed)
        compiled = scenario if isinstance(scenario, CompiledScenario) else compile_scenario(scenario)
        spec = compiled.scenario
        self.seed = seed
        self.spec = spec
        self.compiled = compiled
        self.trace = trace
        self.parties: tuple[PartyAgent, ...] = tuple(
            (ChallengerAgent if i == compiled.challenger else PartyAgent)(self, key, actor, prefs)
            for i, (key, actor, prefs) in enumerate(
                zip(compiled.parties, compiled.party_specs, compiled.preferences, strict=True)
            )
        )
        challenger = self.parties[compiled.challenger]
        assert isinstance(challenger, ChallengerAgent)  # noqa: S101 - by construction
        self.challenger = challenger
        self.defender = self.parties[compiled.defender]
        self.guarantors = tuple(self._guarantor(i) for i in range(len(compiled.guarantors)))
        coalition = None if compiled.composite is None else self.guarantors[compiled.composite]
        assert coalition is None or isinstance(coalition, CoalitionAgent)  # noqa: S101 - by construction
        self.coalition: CoalitionAgent | None = coalition
        self.war = WarState.start(spec.war)
        self.deal: Deal | None = None
        self.end = "deadline"
        self.round = 0
        self.russia_accepted = False
        self._previous: int | None = None
        self.rounds_trace: list[RoundRecord] = []
        self.years_trace: list[YearRecord] = []
        self.breakdown: dict = {}  # breakdown_year, cause, honoured: once Russia has attacked
        if spec.mode == "evaluate":
            # "What if exactly this were signed?": the package is imposed as given, even one that a party's
            # red line or the coalition's capacity would have ruled out in talks.
            assert compiled.fixed_package is not None  # noqa: S101 - the schema requires a fixed package
            self._table = build_table(compiled.fixed_package, self.parties, self.coalition)
            self.deal = Deal(tuple(self._table.numbers[0]))
            self.end = "imposed"
            self.phase = "peace"
        else:
            numbers = candidate_pool(
                compiled.space,
                spec.negotiation.candidate_pool,
                self.rng,
                [p.preferences.ideal for p in self.parties],
            )
            self._table = build_table(numbers, self.parties, self.coalition)
            best = self._table.best_utilities()
            for p, b in zip(self.parties, best, strict=True):
                p.best = float(b)
            self.phase = "talks" if self._table.feasible_idx.size else "done"
            if self.phase == "done":
                self.end = "infeasible"
        self._year = 0

    def _guarantor(self, i: int) -> GuarantorAgent:
        c = self.compiled
        rule = c.guarantors[i]
        members = c.scenario.actors[rule.key].members
        if members is None:
            return GuarantorAgent(self, rule, c.election_slots[i])
        assert rule.backstop is not None  # noqa: S101 - the schema ties members to a backstop guarantor
        issue = c.guarantors[rule.backstop].role_issue
        assert issue is not None  # noqa: S101 - a backstop guarantor has a role
        return CoalitionAgent(self, rule, members, ISSUES[issue].name, c.election_slots[i])

    # --- time -------------------------------------------------------------------------------------

    def step(self) -> None:
        """One round of talks, or one year of peace."""
        if self.phase == "talks":
            self._talks_round()
        elif self.phase == "peace":
            self._peace_year()
        if self.phase == "done":
            self.running = False

    def run(self) -> GuaranteeModel:
        """Run to the end (talks, then peace) and return the model, whose outcome
        :func:`sim.outcomes.outcome_of` reads."""
        while self.phase != "done":
            self.step()
        self.running = False
        return self

    def release(self) -> None:
        """Let the model be garbage-collected once its outcome is taken.

        Mesa up to 3.4 keeps every model alive through the class attribute ``Agent._ids`` (mesa#3179,
        fixed in 3.5): a sweep of 100,000 runs would hold 100,000 models. Drop this model's entry.
        """
        ids = getattr(mesa.Agent, "_ids", None)
        if ids is not None:
            ids.pop(self, None)

    # --- talks ------------------------------------------------------------------------------------

    def _talks_round(self) -> None:
        neg = self.spec.negotiation
        self.round += 1
        t = self.round
        self.war.step(self.rng)
        self.defender.reservation = self.war.ukraine_reservation(self.defender.reservation0)
        ru = self.challenger
        ru.reservation = self.war.russia_reservation(ru.reservation0)
        beta = ru.play_for_time_beta(self.war.russia_belief, self.spec.war.belief_weight)
        betas = [beta if p is ru else None for p in self.parties]
        r = talks_round(self._table, self.parties, betas, t, neg, self.rng, self._previous)
        self._previous = r.offer
        self.russia_accepted |= r.accepted[self.compiled.challenger]
        if self.trace:
            keys = self.compiled.parties
            self.rounds_trace.append(
                RoundRecord(
                    round=t,
                    offer=Deal(tuple(self._table.numbers[r.offer])).as_dict(),
                    utility=dict(zip(keys, r.utility, strict=True)),
                    aspiration=dict(zip(keys, map(float, r.aspiration), strict=True)),
                    reservation={p.key: p.reservation for p in self.parties},
                    accepted=dict(zip(keys, r.accepted, strict=True)),
                    balance=self.war.balance,
                    support=self.war.support,
                    russia_belief=self.war.russia_belief,
                )
            )
        if all(r.accepted):
            self.deal = Deal(tuple(self._table.numbers[r.offer]))
            self.end = "agreement"
            self.phase = "peace"
        elif t >= neg.max_rounds:
            self.end = "deadline"
            self.phase = "done"

    # --- peace ------------------------------------------------------------------------------------

    def _peace_year(self) -> None:
        p = self.spec.deterrence
        deal = self.deal
        assert deal is not None  # noqa: S101 - phase invariant
        if self._year == 0:
            numbers = np.asarray(deal.values)[None, :]
            self._russia_u = float(self.challenger.preferences.utility(numbers, normalise_matrix(numbers))[0])
        self._year += 1
        year = self._year
        draws = self.rng.random(self.compiled.draws_per_year)
        states = tuple(g.step_year(year, draws) for g in self.guarantors)
        rules = self.compiled.guarantors
        calc = yearly_choice(deal, year, states, rules, p, self._russia_u)
        attacked = self.challenger.attacks(calc, float(draws[1]))
        if self.trace:
            self.years_trace.append(
                YearRecord(
                    year=year,
                    active=calc.active,
                    guarantors={
                        g.key: GuarantorYear(
                            engaged=s.engaged,
                            cohesion=s.cohesion if g.rule.engagement.kind == "cohesion" else None,
                            credibility=k,
                        )
                        for g, s, k in zip(self.guarantors, states, calc.credibility, strict=True)
                    },
                    deterrence=calc.deterrence,
                    motive=calc.motive,
                    hazard=calc.hazard,
                    attacked=attacked,
                )
            )
        if attacked:
            self.breakdown = {
                "breakdown_year": year,
                "cause": classify_breakdown(deal, calc.active, states, rules),
                "honoured": {
                    g.key: g.honours(k, float(draws[2 + i])) if k > 0 else None
                    for i, (g, k) in enumerate(zip(self.guarantors, calc.credibility, strict=True))
                },
            }
            self.phase = "done"
        elif year >= p.horizon_years:
            self.phase = "done"


__all__ = ["GuaranteeModel"]
