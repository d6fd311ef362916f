"""The Mesa model: sequences the talks (a round a month) and the peace (a step a year) for one run.

It owns time, the random generator (``self.rng``) and the agents; the agents decide. Every random
draw of a run comes from ``self.rng``, so a run is reproduced exactly by its seed.
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.config.scenario import Scenario
from sim.dealspace import Deal, normalise_matrix
from sim.model.actors import CoalitionAgent, GuarantorAgent, PartyAgent, RussiaAgent
from sim.model.deterrence import (
    GuarantorState,
    classify_breakdown,
    coalition_credibility,
    deterrence,
    hazard,
    motive,
    us_credibility,
)
from sim.model.negotiation import PARTY_KEYS, Table, build_table, candidate_pool, package_values, propose
from sim.model.records import RoundRecord, YearRecord
from sim.model.war import WarState


class GuaranteeModel(mesa.Model):
    """One replication of a scenario: negotiation (unless the package is imposed), then deterrence.

    Args:
        scenario: The validated scenario.
        seed: The run's seed; every draw comes from ``self.rng`` seeded with it.
        trace: Whether to record round-by-round and year-by-year traces (slower).

    Attributes:
        spec: The scenario this run follows (named ``spec``: Mesa 3.5 reserves ``Model.scenario``).
        phase: ``talks``, ``peace`` or ``done``.
        deal: The agreed package, once there is one.
    """

    def __init__(self, scenario: Scenario, seed: int, *, trace: bool = False) -> None:
        super().__init__(rng=seed)
        self.seed = seed
        self.spec = scenario
        self.trace = trace
        a = scenario.actors
        self.ukraine = PartyAgent(self, "ukraine", a.ukraine)
        self.russia = RussiaAgent(self, "russia", a.russia)
        self.united_states = PartyAgent(self, "united_states", a.united_states)
        self.parties = (self.ukraine, self.russia, self.united_states)
        self.coalition = CoalitionAgent(self, a.coalition)
        self.guarantors = (GuarantorAgent(self, "united_states"), GuarantorAgent(self, "coalition"))
        self.war = WarState.start(scenario.war)
        self.deal: Deal | None = None
        self.end = "deadline"
        self.round = 0
        self.russia_accepted = False
        self._previous: int | None = None
        self.rounds_trace: list[RoundRecord] = []
        self.years_trace: list[YearRecord] = []
        self.breakdown: dict = {}  # breakdown_year, cause, honoured: once Russia has attacked
        if scenario.mode == "evaluate":
            # "What if exactly this were signed?": the package is imposed as given, even one that a party's
            # red line or the coalition's capacity would have ruled out in talks.
            self._table = self._fixed_table()
            self.deal = Deal(tuple(self._table.numbers[0]))
            self.end = "imposed"
            self.phase = "peace"
        else:
            numbers = candidate_pool(
                scenario.package,
                scenario.negotiation.candidate_pool,
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
        self._state = GuarantorState(active=True, us_engaged=True, cohesion=scenario.deterrence.cohesion_mean)

    def _fixed_table(self) -> Table:
        values = package_values(self.spec.package)
        numbers = np.array([[v[0] for v in values]])
        return build_table(numbers, self.parties, self.coalition)

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
        war_spec = self.spec.war
        self.round += 1
        t = self.round
        self.war.step(self.rng)
        self.ukraine.reservation = self.war.ukraine_reservation(self.ukraine.reservation0)
        self.russia.reservation = self.war.russia_reservation(self.russia.reservation0)
        self.ukraine.concede(t, neg.max_rounds)
        self.russia.concede(
            t, neg.max_rounds, self.russia.play_for_time_beta(self.war.russia_belief, war_spec.belief_weight)
        )
        self.united_states.concede(t, neg.max_rounds)
        aspirations = np.array([p.aspiration for p in self.parties])
        offer = propose(self._table, aspirations, self.rng, neg.proposals_per_round, self._previous)
        self._previous = offer
        u = self._table.by_package[offer].tolist()
        accepted = [p.accepts(ui) for p, ui in zip(self.parties, u, strict=True)]
        self.russia_accepted |= accepted[1]
        if self.trace:
            self.rounds_trace.append(
                RoundRecord(
                    round=t,
                    offer=Deal(tuple(self._table.numbers[offer])).as_dict(),
                    utility=dict(zip(PARTY_KEYS, u, strict=True)),
                    aspiration=dict(zip(PARTY_KEYS, map(float, aspirations), strict=True)),
                    reservation={p.key: p.reservation for p in self.parties},
                    accepted=dict(zip(PARTY_KEYS, accepted, strict=True)),
                    balance=self.war.balance,
                    support=self.war.support,
                    russia_belief=self.war.russia_belief,
                )
            )
        if all(accepted):
            self.deal = Deal(tuple(self._table.numbers[offer]))
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
            self._russia_u = float(
                self.russia.preferences.utility(
                    np.asarray(deal.values)[None, :], normalise_matrix(np.asarray(deal.values)[None, :])
                )[0]
            )
            self._duration = deal.number("duration_years")
        self._year += 1
        year = self._year
        rng = self.rng
        draws = rng.random(4)
        engaged = self._state.us_engaged
        if year > 1 and (year - 1) % p.us_election_years == 0:
            engaged = bool(draws[0] >= p.us_disengage_probability)
        cohesion = self._state.cohesion + p.cohesion_reversion * (p.cohesion_mean - self._state.cohesion)
        cohesion = min(max(cohesion + p.cohesion_volatility * rng.standard_normal(), 0.0), 1.0)
        active = year <= self._duration
        state = GuarantorState(active=active, us_engaged=engaged, cohesion=cohesion)
        self._state = state
        m = motive(year, self._russia_u, p)
        kc = coalition_credibility(deal, state, p)
        ku = us_credibility(deal, state, p)
        d = deterrence(deal, state, p, (kc, ku))
        v_now = m - d
        v_wait = None
        if active and self._duration < p.horizon_years:
            expiry_year = int(self._duration) + 1
            after = GuarantorState(active=False, us_engaged=engaged, cohesion=cohesion)
            v_exp = motive(expiry_year, self._russia_u, p) - deterrence(deal, after, p)
            v_wait = p.wait_discount ** (expiry_year - year) * v_exp
        h = hazard(v_now, v_wait, p)
        attacked = self.russia.attacks(h, float(draws[1]))
        if self.trace:
            self.years_trace.append(YearRecord(year, active, engaged, cohesion, kc, ku, d, m, h, attacked))
        if attacked:
            us_g, co_g = self.guarantors
            self.breakdown = {
                "breakdown_year": year,
                "cause": classify_breakdown(deal, state, p),
                "honoured": {
                    "united_states": us_g.honours(ku, float(draws[2])) if ku > 0 else None,
                    "coalition": co_g.honours(kc, float(draws[3])) if kc > 0 else None,
                },
            }
            self.phase = "done"
        elif year >= p.horizon_years:
            self.phase = "done"


__all__ = ["GuaranteeModel"]
