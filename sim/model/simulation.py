"""The Mesa model: sequences the war and the talks (a step a month), the peace (a step a year) and a war that
follows a breakdown (a step a year), for one run over the horizon.

It owns time, the random generator (``self.rng``) and the agents; the agents decide. Which agents a run has
follows from the scenario's actors: a party agent per party (the challenger's knows its private edge and can
attack), a guarantor agent per guarantor (the composite one with its member states). Every random draw of a run
comes from ``self.rng``, so a run is reproduced exactly by its seed.

Time: a run covers ``deterrence.horizon_years`` from the start of talks. Talks go in sessions of
``negotiation.max_rounds`` months; a failed session is followed by ``negotiation.pause_months`` of war and a new
session, until a deal or the horizon (the no-deal path). After a deal the peace is stepped a year at a time. A
breakdown starts a war, fought month by month as the war before the deal was, with the guarantors that honoured in
the balance, and the talks resume after a pause (the no-deal path again) until a new deal, whose peace is stepped
in turn, or the horizon (``negotiation.resume_after_breakdown``; false: the war lasts to the horizon, a year at a
time, with no talks).
"""

from __future__ import annotations

import mesa
import numpy as np

from sim.config.scenario import Scenario
from sim.dealspace import ISSUE_INDEX, ISSUES, Deal, normalise_matrix
from sim.model.actors import ChallengerAgent, CoalitionAgent, GuarantorAgent, PartyAgent
from sim.model.anticipation import Anticipation
from sim.model.compiled import CompiledScenario, compile_scenario
from sim.model.deterrence import (
    after_lapse,
    classify_breakdown,
    fighting_weight,
    force_shares,
    lapsed,
    reprojected,
    stated_credibilities,
    yearly_choice,
)
from sim.model.negotiation import Table, build_table, candidate_pool, learn_from_rejection, talks_round
from sim.model.records import GuarantorYear, RoundRecord, YearRecord
from sim.model.war import WarState, update_belief

_TERRITORY = ISSUE_INDEX["territory"]
_TROOPS = ISSUE_INDEX["foreign_troops"]
_WITHDRAWAL = 0.0  # the level index of donetsk_withdrawal
WINDOWS: tuple[int, ...] = (15, 30)
"""The reporting windows, in years from the start of talks (in increasing order)."""
_WINDOW_ENDS: tuple[int, ...] = (*(12 * w for w in WINDOWS), 1 << 62)
"""The month each reporting window ends, then a month no run reaches."""


class GuaranteeModel(mesa.Model):
    """One replication of a scenario: war and talks (unless the package is imposed), peace, and a war after a
    breakdown, over the horizon.

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
        phase: ``talks``, ``pause``, ``peace``, ``war`` or ``done``.
        month: Months since talks began (the run's clock).
        deal: The first agreed package, once there is one.
        deal_month: The month the first deal was signed (0 if imposed).
        end: How the first talks ended (``agreement``, ``imposed``, ``no_deal``, ``infeasible``).
        deals: How many deals were signed (a later one ends the war after a breakdown).
        deal_months: The month each deal was signed, in order.
        breakdowns: How many times Russia attacked a deal.
        belief: The others' belief over Russia's types.
        breakdown: Once Russia has attacked the first deal: ``breakdown_year``, ``cause`` and who ``honoured``;
            once the war that followed has ended (a new deal or the horizon), ``war_months`` (its length),
            ``redeal`` (whether a new deal ended it) and ``territory_change`` (in the share Russia holds).
        peace_months: Months of peace within each reporting window (:data:`WINDOWS`).
        territory_at: Territory Russia holds at the end of each reporting window.
        welfare: Each party's discounted average of its yearly flows over the horizon (:attr:`welfare`).
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
            (ChallengerAgent if i == compiled.challenger else PartyAgent)(self, key, actor, prefs, stakes)
            for i, (key, actor, prefs, stakes) in enumerate(
                zip(compiled.parties, compiled.party_specs, compiled.preferences, compiled.stakes, strict=True)
            )
        )
        challenger = self.parties[compiled.challenger]
        assert isinstance(challenger, ChallengerAgent)  # noqa: S101 - by construction
        self.challenger = challenger
        types = compiled.types
        challenger.edge_index = int(self.rng.integers(0, types.size)) if types.size > 1 else 0
        challenger.edge = float(types[challenger.edge_index])
        self.belief = np.full(types.size, 1.0 / types.size)
        self.defender = self.parties[compiled.defender]
        # The guarantors' resolve and Russia's probes draw from a child stream of the model's rng (spawned, so the
        # model's own stream is untouched by them): the same seed gives the same run, and the talks the same draws
        # whether or not probes happen.
        self.probe_rng = self.rng.spawn(1)[0]
        # The coalition members' elections draw from another child stream, for the same reason.
        self.politics_rng = self.rng.spawn(1)[0]
        self.guarantors = tuple(self._guarantor(i) for i in range(len(compiled.guarantors)))
        challenger.start_beliefs(compiled.guarantors)
        coalition = None if compiled.composite is None else self.guarantors[compiled.composite]
        assert coalition is None or isinstance(coalition, CoalitionAgent)  # noqa: S101 - by construction
        self.coalition: CoalitionAgent | None = coalition
        self.war = WarState.start(spec.war)
        self.horizon_months = spec.deterrence.horizon_years * 12
        self.month = 0
        self.deal: Deal | None = None
        self.deal_month: int | None = None
        self.deals = 0
        self.deal_months: list[int] = []
        self.breakdowns = 0
        self._current: Deal | None = None  # the deal in force (the first, or one signed after a breakdown)
        self._first_talks = (0, 0)  # rounds and sessions before the first deal
        self._resumed: tuple[int, int] | None = None  # the war after a breakdown: its first month and deal year
        self._war_start: tuple[int, float] | None = None  # the first breakdown's month and territory then
        self._table: Table | None = None  # what is on the table (evaluate mode: built at a breakdown)
        self.end = "no_deal"
        self.round = 0
        self.session = 0
        self._session_round = 0
        self._pause_left = 0
        self.russia_accepted = False
        self.rounds_trace: list[RoundRecord] = []
        self.years_trace: list[YearRecord] = []
        self.breakdown: dict = {}  # breakdown_year, cause, honoured: once Russia has attacked
        self.peace_months = dict.fromkeys(WINDOWS, 0)
        self.territory_at: dict[int, float] = {}
        self._next_window = _WINDOW_ENDS[0]  # the month the next reporting window ends (one per window passed)
        self._welfare = np.zeros(len(self.parties))
        self._war_months: list[int] = []
        self._war_balances: list[float] = []
        self._year = 0
        self._fighting = 0.0
        self._war_years = 0
        self.renewals = 0
        self.probes = 0
        self.probes_unanswered = 0
        self._shares = force_shares(spec.expiry.drawdown_years)
        self._in_force = 0
        self._lapsed = False
        if spec.mode == "evaluate":
            # "What if exactly this were signed?": the package is imposed as given, even one that a party's
            # red line or the coalition's capacity would have ruled out in talks.
            assert compiled.fixed_package is not None  # noqa: S101 - the schema requires a fixed package
            self._sign(Deal(tuple(compiled.fixed_package[0])), "imposed")
        else:
            numbers = candidate_pool(
                compiled.space,
                spec.negotiation.candidate_pool,
                self.rng,
                [p.preferences.ideal for p in self.parties],
            )
            self._table = build_table(numbers, self.parties, self.coalition, self._anticipate)
            for p, b in zip(self.parties, self._table.best_utilities(), strict=True):
                p.best = float(b)
            if self._table.feasible_idx.size:
                self.phase = "talks"
                self.session = 1
            else:
                self.phase = "pause"  # no package is feasible: the war goes on, with no talks to resume
                self.end = "infeasible"
                self._pause_left = self.horizon_months

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

    @property
    def talks_before_deal(self) -> tuple[int, int]:
        """Rounds and sessions of talks before the first deal (all of them when there was none)."""
        return self._first_talks if self.deal is not None else (self.round, self.session)

    def _anticipate(self, numbers: np.ndarray, utilities: np.ndarray) -> Anticipation:
        return self.compiled.anticipate(numbers, utilities, tuple(g.rule.initial_state() for g in self.guarantors))

    # --- time -------------------------------------------------------------------------------------

    def step(self) -> None:
        """One month of war (with a round of talks while a session is open), or one year of peace or of a war
        after a breakdown."""
        if self.phase in ("talks", "pause"):
            self._war_month()
        elif self.phase == "peace":
            self._peace_year()
        elif self.phase == "war":
            self._war_year()
        if self.month >= self.horizon_months:
            self.phase = "done"
        if self.phase == "done":
            self._war_ended(redeal=False)
            self.running = False

    def run(self) -> GuaranteeModel:
        """Run to the horizon and return the model, whose outcome :func:`sim.outcomes.outcome_of` reads."""
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

    # --- accounting -------------------------------------------------------------------------------

    def _advance(self, months: int, flows: list[float] | np.ndarray | None, peace: bool) -> None:
        """Book ``months`` of the run at the given yearly flows per party (peace or war), then move the clock.
        ``flows`` None: a month of the war during the talks, whose flows are booked at the end (:meth:`welfare`)."""
        start = self.month
        months = min(months, self.horizon_months - start)
        if flows is None:
            self._war_months.append(start)
            self._war_balances.append(self.war.balance + self.challenger.edge)
        else:
            w = self.compiled.month_weights
            self._welfare += np.asarray(flows, dtype=float) * (w[start + months] - w[start])
        end = start + months
        if peace:
            for years in WINDOWS:
                self.peace_months[years] += max(0, min(end, 12 * years) - start)
        self.month = end
        while end >= self._next_window:  # the end of a reporting window (in order: WINDOWS is sorted)
            self.territory_at[WINDOWS[len(self.territory_at)]] = self.war.territory
            self._next_window = _WINDOW_ENDS[len(self.territory_at)]

    @property
    def peace_horizon(self) -> int:
        """The years of peace the run observed after its deal (the censoring time of a peace that held)."""
        return self._year

    @property
    def welfare(self) -> np.ndarray:
        """Each party's welfare over the horizon: the discounted average of its yearly flows (peace: its utility
        of the deal; war: its value of a year of war at the balance, Russia's true edge included)."""
        out = self._welfare.copy()
        if self._war_months:
            m = np.asarray(self._war_months)
            w = self.compiled.month_weights
            share = w[m + 1] - w[m]
            out += self.compiled.war_values(np.asarray(self._war_balances)) @ share
        return out

    # --- war and talks ----------------------------------------------------------------------------

    def _war_month(self) -> None:
        spec = self.spec
        edge = self.challenger.edge
        if self._resumed is not None:
            # A war after a breakdown reverts to the balance of power of its year after the deal (Russia's edge
            # shows in the fighting, as before the deal), the guarantors that honoured fighting in it.
            start, year = self._resumed
            self.war.stalemate = self._battlefield_of(year + (self.month - start) // 12)
        signal = self.war.step(self.rng, edge)
        talks_ahead = self.end != "infeasible"
        if talks_ahead:
            self.belief = update_belief(self.belief, self.compiled.types, signal, spec.war)
        balance = self.war.balance
        self._advance(1, None, peace=False)
        if self.phase == "pause":
            self._pause_left -= 1
            if self._pause_left <= 0 and talks_ahead and self.month < self.horizon_months:
                self._open_session()
            return
        self.round += 1
        self._session_round += 1
        no_deal = self.compiled.war_values(balance + self.compiled.types)  # parties x types
        c = self.compiled.challenger
        r = talks_round(self._table, self.parties, self.belief, no_deal, c, self.challenger.edge_index)
        if self.deal is None:
            self.russia_accepted |= r.accepted[c]
        if self.trace:
            keys = self.compiled.parties
            self.rounds_trace.append(
                RoundRecord(
                    round=self.round,
                    session=self.session,
                    month=self.month,
                    offer=None if r.offer is None else Deal(tuple(self._table.numbers[r.offer])).as_dict(),
                    utility=dict(zip(keys, r.utility, strict=False)),
                    value=dict(zip(keys, r.value, strict=False)),
                    no_deal=dict(zip(keys, r.no_deal, strict=False)),
                    accepted=dict(zip(keys, r.accepted, strict=True)),
                    chance=r.chance,
                    balance=balance,
                    support=self.war.support,
                    expected_edge=float(self.belief @ self.compiled.types),
                    deal=self.deals,
                )
            )
        if r.offer is not None and all(r.accepted):
            self._sign(Deal(tuple(self._table.numbers[r.offer])), "agreement")
            return
        if r.offer is not None and not r.accepted[c]:
            self.belief = learn_from_rejection(self.belief, r.would_accept)
        if self._session_round >= spec.negotiation.max_rounds:
            self._pause()

    def _pause(self) -> None:
        """Months of war without talks (``negotiation.pause_months``; none: the next session opens at once)."""
        self.phase = "pause"
        self._pause_left = self.spec.negotiation.pause_months
        if self._pause_left == 0:
            self._open_session()

    def _open_session(self) -> None:
        """A new session of talks opens."""
        self.phase = "talks"
        self.session += 1
        self._session_round = 0

    def _sign(self, deal: Deal, how: str) -> None:
        """A deal is signed: the peace begins (the first deal's, or a new one's after a breakdown)."""
        c, spec = self.compiled, self.spec
        if self.deal is None:
            self.deal = deal
            self.deal_month = self.month
            self.end = how
            self._first_talks = (self.round, self.session)
            if deal.values[_TERRITORY] == _WITHDRAWAL:  # Ukraine hands over the rest of Donetsk once
                self.war.territory = min(self.war.territory + spec.war.withdrawal_share, 1.0)
        else:
            self._war_ended(redeal=True)
        self.deals += 1
        self.deal_months.append(self.month)
        self._current = deal
        if self.coalition is not None:
            row = np.asarray(deal.values, dtype=float)
            self.coalition.sign(row, normalise_matrix(row[None, :])[0], self.month, self.horizon_months)
        self._resumed = None
        self._fighting = 0.0
        self._year = 0
        self.phase = "peace"
        self._peace_flows = list(c.utilities(deal))
        # Russia's outlook, with the renewals projected as the guarantors would decide them now (their judgement
        # of Russia's edge: the mean of their belief at signing).
        judged = float(self.belief @ c.types)
        states = tuple(g.state for g in self.guarantors)
        value = self._peace_flows[c.challenger]
        self._outlook = c.outlook(deal, self.challenger.edge, states, judged, peace_value=value)
        self._in_force = self._outlook.term  # years in force as agreed so far (renewals add terms)
        self._lapsed = False
        self._gone = self._lapsed_now(tuple(g.state for g in self.guarantors))

    # --- peace ------------------------------------------------------------------------------------

    def _peace_year(self) -> None:
        p = self.spec.deterrence
        deal = self._current
        assert deal is not None  # noqa: S101 - phase invariant
        self._year += 1
        year = self._year
        draws = self.rng.random(self.compiled.draws_per_year)
        states = tuple(g.step_year(year, draws) for g in self.guarantors)
        rules = self.compiled.guarantors
        renewed = self._renewal(year, states)
        self._setbacks(year, states)
        # Russia's calculus takes each guarantor's credibility times its trust in the guarantor's resolve.
        russia = self.challenger
        trusts = russia.trusts
        seen = states
        if any(t != 1.0 for t in trusts):
            seen = tuple(s._replace(trust=t) for s, t in zip(states, trusts, strict=True))
        calc = yearly_choice(self._outlook, min(year, self._outlook.regime.size), seen, rules, p)
        attacked = russia.attacks(calc, float(draws[1]))
        answered: dict[str, bool | None] = {}  # each guarantor's answer to this year's probe (None: no commitment)
        probed = False
        if not attacked and p.probe_ratio > 0:
            probe_draws = self.probe_rng.random(1 + len(self.guarantors))
            probed = russia.probes(calc, p.probe_ratio, float(probe_draws[0]))
            if probed:
                self.probes += 1
                # What the guarantors' commitments are worth this year, their resolve aside (Russia's trust scales
                # it in its calculus; their true resolve, in what they do).
                answered = self._responses(stated_credibilities(self._outlook, year, states, rules), probe_draws[1:])
                self.probes_unanswered += not any(answered.values())
                self._strike(calc.regime)
        if self.trace:
            self.years_trace.append(
                YearRecord(
                    year=year,
                    active=calc.active,
                    renewed=renewed,
                    force_share=float(self._shares[calc.regime]),
                    guarantors={
                        g.key: GuarantorYear(
                            engaged=s.engaged,
                            cohesion=s.cohesion if g.rule.engagement.kind == "cohesion" else None,
                            level=s.level,
                            credibility=k,
                            trust=s.trust,
                            answered=answered.get(g.key),
                        )
                        for g, s, k in zip(self.guarantors, seen, calc.credibility, strict=True)
                    },
                    guarantee=calc.guarantee,
                    balance=calc.balance,
                    consolidation=calc.consolidation,
                    incentive=calc.incentive_now,
                    gain=calc.gain,
                    hazard=calc.hazard,
                    attacked=attacked,
                    probed=probed,
                    deal=self.deals,
                )
            )
        if not attacked:
            self._advance(12, self._peace_flows, peace=True)
            return
        # Each guarantor honours with its true credibility, and Russia learns from what it did, as from an answer
        # to a probe (a later deal's guarantors are judged by it).
        honoured = self._responses(stated_credibilities(self._outlook, year, states, rules), draws[2:])
        self._strike(calc.regime)
        self.breakdowns += 1
        if not self.breakdown:
            self.breakdown = {
                "breakdown_year": year,
                "cause": classify_breakdown(deal, calc.active, states, rules),
                "honoured": honoured,
            }
            self._war_start = (self.month, self.war.territory)
        # The war that follows: the guarantors that honour fight with their full weight, the others not at all.
        self._fighting = fighting_weight(self._outlook, calc.regime, tuple(honoured.values()))
        if self._talks_resume():
            # The no-deal path again: a month of war at a time, from the balance of power of this year, and talks
            # after a pause.
            self.war.resume(self._battlefield_of(year))
            self._resumed = (self.month, year)
            self._pause()
            return
        self.phase = "war"
        self._war_year()

    def _setbacks(self, year: int, states: tuple) -> None:
        """A guarantor that lapses this year (a split, a disengagement: :func:`lapsed`) sets the consolidation of
        peace back (docs/MODEL.md 7.8.10); Russia's outlook carries the path from there."""
        gone = self._lapsed_now(states)
        for was, now in zip(self._gone, gone, strict=True):
            if now and not was:
                self._outlook = after_lapse(self._outlook, min(year, self._outlook.regime.size), self.spec.deterrence)
        self._gone = gone

    def _lapsed_now(self, states: tuple) -> tuple[bool, ...]:
        """Whether each guarantor has lapsed from the deal in force, in these states (:func:`lapsed`)."""
        deal = self._current
        assert deal is not None  # noqa: S101 - phase invariant
        return tuple(lapsed(r, s, deal) for r, s in zip(self.compiled.guarantors, states, strict=True))

    def _strike(self, regime: int) -> None:
        """Russia strikes at the foreign force (a probe or an attack): each guarantor fielding it takes the blow to
        its cohesion, for the share of the force still deployed in this regime (docs/MODEL.md 7.8.9)."""
        deal = self._current
        assert deal is not None  # noqa: S101 - phase invariant
        share = float(self._shares[regime]) if deal.values[_TROOPS] > 0 else 0.0
        for g in self.guarantors:
            if g.rule.force is not None:
                g.struck(share)

    def _battlefield_of(self, year: int) -> float:
        """The battlefield balance a war after a breakdown reverts to in ``year`` after the deal: that year's balance
        of power less the honouring guarantors' weight, without Russia's edge (which shows in the fighting)."""
        o = self._outlook
        return float(o.structural[min(year, o.structural.size) - 1]) - self.challenger.edge - self._fighting

    def _talks_resume(self) -> bool:
        """Whether talks resume after a breakdown: if the scenario says so and a package is feasible. In evaluate
        mode the table is the imposed package alone, built at the first breakdown (nothing else is negotiable)."""
        if not self.spec.negotiation.resume_after_breakdown:
            return False
        if self._table is None:
            fixed = self.compiled.fixed_package
            assert fixed is not None  # noqa: S101 - a run without a table imposed its package
            self._table = build_table(fixed, self.parties, self.coalition, self._anticipate)
        return bool(self._table.feasible_idx.size)

    def _war_ended(self, redeal: bool) -> None:
        """Record what came of the first breakdown once the war it started ends (a new deal or the horizon)."""
        if self._war_start is None or "war_months" in self.breakdown:
            return
        month, territory = self._war_start
        self.breakdown["war_months"] = self.month - month
        self.breakdown["redeal"] = redeal
        self.breakdown["territory_change"] = self.war.territory - territory

    def _responses(self, stated: np.ndarray, draws: np.ndarray) -> dict[str, bool | None]:
        """How each guarantor meets a test of its commitment, a probe or an attack: one with a commitment
        (``stated`` credibility above 0) answers with its true resolve, not Russia's belief about it, with its
        uniform ``draws[g]``, and Russia learns from the answer (docs/MODEL.md 7.8.8); None for the others."""
        out: dict[str, bool | None] = {}
        for i, (g, k) in enumerate(zip(self.guarantors, stated, strict=True)):
            if k > 0:
                out[g.key] = answer = g.honours(min(1.0, float(k) * g.resolve), float(draws[i]))
                self.challenger.learns(i, g.rule, float(k), answer)
            else:
                out[g.key] = None
        return out

    def _renewal(self, year: int, states: tuple) -> bool | None:
        """At the end of a term (the first year after it), the guarantors renew the guarantee for another term or
        let it lapse, by the renewal rule with their states this year; Russia's outlook is re-projected from the
        decision. Returns the decision, or None when no term ends this year."""
        o = self._outlook
        if self._lapsed or o.term <= 0 or year - 1 != self._in_force or year > o.regime.size:
            return None
        spec = self.spec
        self._outlook = reprojected(o, self._in_force, states, self.compiled.guarantors, spec.deterrence, spec.expiry)
        renewed = bool(self._outlook.regime[year - 1] == 0)
        if renewed:
            self._in_force += o.term
            self.renewals += 1
        else:
            self._lapsed = True
        return renewed

    def _war_year(self) -> None:
        """The war that followed a breakdown without new talks, to the horizon, a year at a time: each year at the
        balance of power of that year after the deal (Russia's edge and the shift of power included, as the
        parties anticipated it), with the guarantors that honoured fighting with their full weight; the territory
        moves month by month within the windows. It draws nothing, so its years are taken in one step (every
        year's flows in one call of the war-payoff function)."""
        o = self._outlook
        first = self._year + self._war_years  # years since the deal, the attack year first
        n = -(-(self.horizon_months - self.month) // 12)  # the years (the last one cut) left to the horizon
        years = np.minimum(np.arange(first, first + n), o.structural.size) - 1
        balances = o.structural[years] - self._fighting
        flows = self.compiled.war_values(balances)
        for k in range(n):
            b = float(balances[k])
            self._war_years += 1
            months = 12
            while months > 0 and self.month < self.horizon_months:
                # the end of the next reporting window, if it falls within these months (_advance keeps it)
                edge = self._next_window if self._next_window < self.month + months else self.month + months
                chunk = min(edge, self.horizon_months) - self.month
                self.war.war_months(chunk, b)
                self._advance(chunk, flows[:, k], peace=False)
                months -= chunk


__all__ = ["WINDOWS", "GuaranteeModel"]
