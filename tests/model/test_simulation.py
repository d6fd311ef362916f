"""The Mesa model (sim/model/simulation.py): which agents a run has, how its time is spent (talks in sessions with
pauses of war, peace years, the war after a breakdown, to the horizon from the start of talks), what it books
(peace months per window, territory, welfare) and that a run is reproduced by its seed.

Scenarios are built so that each outcome is certain rather than likely: a no-deal value of 1 that no package
reaches, wars that cost more than any package is worth, hazards that are 0 or 1 to within 1e-9.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import mesa
import numpy as np
import pytest
import yaml

from sim.config.scenario import Scenario, scenario_from_mapping
from sim.dealspace import Deal
from sim.execution.runs import run_scenario
from sim.model.actors import ChallengerAgent, CoalitionAgent, GuarantorAgent, PartyAgent
from sim.model.deterrence import structural_balance, weight
from sim.model.simulation import WINDOWS, GuaranteeModel
from sim.model.war import update_belief, war_value
from sim.outcomes import outcome_of
from tests.helpers import FIXED_PACKAGE

FIXED = dict(FIXED_PACKAGE)  # the Paris draft, fixed (tests/helpers.py)
ONES = {"none": 1.0, "assurances": 1.0, "bilateral_aid": 1.0, "article5_like": 1.0, "nato_membership": 1.0}

# Peace that holds while a 3-year guarantee is in force and breaks in year 4. While active, the US (credibility 1,
# role weight 3) pushes the balance to about -2.5, where Russia's chance of prevailing (steepness 50) is nil and
# its incentive about -0.83: hazard L(50 (-0.83 + 0.4)) < 1e-9. After expiry the US keeps nothing (residual 0)
# and the coalition brings no weight: the incentive is about 0.09 and the hazard L(50 * 0.49) > 1 - 1e-10.
# Russia is myopic (foresight 0), peace does not consolidate, and the guarantors do not renew.
BREAKS_AT_EXPIRY = {
    "mode": "evaluate",
    "package": {**FIXED, "foreign_troops": 0, "duration_years": 3, "ukraine_army": 0},
    "actors": {
        "united_states": {
            "guarantor": {
                "credibility": ONES,
                "role": {"weight": {"air_support": 3.0}},
                "expiry_residual": 0.0,
                "engagement": {"every_years": 20},
            }
        },
        "coalition": {
            "guarantor": {
                "credibility": ONES,
                "commitment_weight": 0.0,
                "force": {"weight": 0.0},
                "backstop": {"dependence": {"none": 1.0, "intel_logistics": 1.0, "monitoring_lead": 1.0}},
                "engagement": {"mean": 1.0, "volatility": 0.0},
                "expiry_residual": 1.0,
            }
        },
    },
    "war": {"outcome_steepness": 50.0},
    "expiry": {"renewal": False, "drawdown_years": 0},  # the guarantee lapses at once (renewal: tests/test_peace.py)
    "deterrence": {
        "hazard_max": 1.0,
        "hazard_steepness": 50.0,
        "hazard_threshold": -0.4,
        "foresight": 0.0,
        "consolidation": 0.0,
    },
}
# Peace that always holds: the hazard is at most 1e-6 * L(50 (V - 3)), V < 1.
CALM = {"hazard_max": 1e-6, "hazard_steepness": 50.0, "hazard_threshold": 3.0}
# Russia attacks in the first year of peace: the hazard is L(50 (V + 3)), V > -2.
CERTAIN_ATTACK = {"hazard_max": 1.0, "hazard_steepness": 50.0, "hazard_threshold": -3.0}
# A war that stands still: no shocks, no drift, no private edge.
STILL = {"volatility": 0.0, "support_volatility": 0.0, "drift": 0.0, "reversion": 0.0, "private_edge_sd": 0.0}
# Russia never accepts: at a balance of 3 (steepness 50) it is sure to prevail, and war costs it nothing, so no deal
# is worth 1 to it, more than any package on the table (foreign troops are at least 0 but its ideal is not
# reachable: the guarantee is fixed at article5_like). Without anticipation its value of a package is its utility.
NEVER = {
    "package": {"foreign_troops": {"min": 0, "max": 20000}},
    "war": {**STILL, "initial_balance": 3.0, "outcome_steepness": 50.0},
    "actors": {"russia": {"war_cost": 0.0}},
    "negotiation": {"anticipation": False, "max_rounds": 6, "pause_months": 4},
    "deterrence": {"horizon_years": 5},
}
# Every party accepts the first offer: a year of war costs each its whole utility scale (no deal is worth at most
# 0), and without anticipation every package is worth its utility, which is positive.
EASY = {
    "actors": {k: {"war_cost": 1.0} for k in ("ukraine", "russia", "united_states")},
    "negotiation": {"anticipation": False},
}
# Nothing is feasible: Ukraine's hard red line rules out the fixed guarantee strength (article5_like).
INFEASIBLE = {
    "actors": {"ukraine": {"red_lines": [{"issue": "guarantee_strength", "below": "nato_membership", "kind": "hard"}]}}
}


@functools.cache
def _scenario(changes: str) -> Scenario:
    return scenario_from_mapping(json.loads(changes))


def scenario(**changes: Any) -> Scenario:
    """The defaults with nested changes (immutable, so shared between tests)."""
    return _scenario(json.dumps(changes, sort_keys=True))


def merged(*parts: dict[str, Any]) -> Scenario:
    """The defaults with several change sets merged key by key (later ones win)."""

    def merge(a: dict, b: dict) -> dict:
        out = dict(a)
        for k, v in b.items():
            out[k] = merge(out[k], v) if isinstance(v, dict) and isinstance(out.get(k), dict) else v
        return out

    total: dict[str, Any] = {}
    for part in parts:
        total = merge(total, part)
    return scenario(**total)


def run(s: Scenario, seed: int = 0, trace: bool = False) -> GuaranteeModel:
    return GuaranteeModel(s, seed, trace=trace).run()


# --- the agents of a run --------------------------------------------------------------------------------------


def test_a_run_has_a_party_agent_per_party_and_the_challengers_can_attack():
    """Catches: agents created for other actors than the scenario's parties, or Russia unable to attack."""
    m = GuaranteeModel(scenario(), 0)
    assert [p.key for p in m.parties] == ["ukraine", "russia", "united_states"]
    assert all(isinstance(p, PartyAgent) for p in m.parties)
    assert isinstance(m.challenger, ChallengerAgent) and m.challenger.key == "russia"
    assert m.defender.key == "ukraine" and not isinstance(m.defender, ChallengerAgent)


def test_a_run_has_a_guarantor_agent_per_guarantor_the_composite_one_with_its_member_states():
    """Catches: the coalition without member states, or a guarantor missing from the years of peace."""
    m = GuaranteeModel(scenario(), 0)
    assert [g.key for g in m.guarantors] == ["united_states", "coalition"]
    assert isinstance(m.guarantors[0], GuarantorAgent) and not isinstance(m.guarantors[0], CoalitionAgent)
    assert m.coalition is m.guarantors[1]
    assert isinstance(m.coalition, CoalitionAgent) and len(m.coalition.members) == 26


def test_a_scenario_without_the_coalition_runs_with_no_composite_guarantor():
    """Catches: a coalition assumed to exist in every scenario."""
    m = GuaranteeModel(scenario(actors={"coalition": None}, package={"foreign_troops": 0}), 0)
    assert m.coalition is None
    assert [g.key for g in m.guarantors] == ["united_states"]
    m.run()
    assert m.phase == "done"


def test_a_guarantor_added_in_the_scenario_is_an_agent_whose_honouring_is_recorded():
    """Catches: the honouring record limited to the two guarantors of model v1."""
    turkey = yaml.safe_load(
        """
        turkey:
          label: Turkey
          roles: [guarantor]
          guarantor:
            credibility: {none: 0.5, assurances: 0.5, bilateral_aid: 0.5, article5_like: 0.5, nato_membership: 0.5}
            commitment_weight: 0.0
            engagement: {kind: steady}
            expiry_residual: 0.5
        """
    )
    m = GuaranteeModel(scenario(**{**BREAKS_AT_EXPIRY, "actors": {**BREAKS_AT_EXPIRY["actors"], **turkey}}), 0)
    assert [g.key for g in m.guarantors] == ["united_states", "coalition", "turkey"]
    m.run()
    honoured = m.breakdown["honoured"]
    assert list(honoured) == ["united_states", "coalition", "turkey"]
    assert isinstance(honoured["turkey"], bool)  # credibility 0.5 * 0.5 after expiry: a draw decides


# --- how talks start and end ----------------------------------------------------------------------------------


def test_in_evaluate_mode_the_package_is_imposed_at_month_zero_even_beyond_a_red_line():
    """Catches: an imposed package negotiated, signed after some months of war, or checked against red lines it is
    meant to override."""
    terms = {**FIXED, "us_role": "ground_troops"}  # beyond the United States' hard red line
    m = GuaranteeModel(scenario(mode="evaluate", package=terms, deterrence=CALM), 0)
    assert (m.phase, m.end, m.deal) == ("peace", "imposed", Deal.from_mapping(terms))
    assert (m.deal_month, m.round, m.session, m.month) == (0, 0, 0, 0)
    m.step()
    assert m.month == 12 and m.peace_months == {15: 12, 30: 12}
    assert m.war.month == 0  # not a month of war was fought


def test_with_nothing_feasible_the_war_goes_on_to_the_horizon_without_a_round():
    """Catches: talks held over an empty table, a deal reached with no feasible package, or a run that stops (and
    would be dropped) instead of fighting on."""
    m = GuaranteeModel(scenario(**INFEASIBLE), 0)
    assert m.end == "infeasible" and m.deal is None
    m.run()
    assert m.round == 0 and m.session == 0
    assert m.deal is None and m.phase == "done" and m.running is False
    assert m.month == m.horizon_months == 50 * 12
    assert m.war.month == 50 * 12
    assert m.peace_months == {15: 0, 30: 0}
    assert set(m.territory_at) == {15, 30}


def test_a_run_with_no_feasible_package_is_scored_as_war_for_the_whole_window_not_dropped():
    """Catches: infeasible runs left out of the measures (only runs with talks counted), or scored as peace."""
    outcomes = run_scenario(scenario(**INFEASIBLE), 5, 1)
    assert len(outcomes) == 5
    for o in outcomes:
        assert (o.end, o.agreement, o.peace_years) == ("infeasible", False, None)
        assert (o.peace_years_15, o.war_years_15, o.peace_years_30, o.war_years_30) == (0.0, 15.0, 0.0, 30.0)
        assert o.deal_within_15 is False and o.deal_then_war_15 is False


def test_talks_go_in_sessions_of_max_rounds_months_with_pauses_of_war_between_them():
    """Catches: talks that end at a first deadline (model v1) instead of resuming, pauses of another length, or
    rounds held during a pause."""
    m = run(scenario(**NEVER), trace=True)
    assert m.end == "no_deal" and m.deal is None
    assert m.month == 60 and m.war.month == 60  # five years, every month at war
    assert m.round == 36  # sessions of 6 months every 10 months: 6 sessions
    expected = [(s, 10 * (s - 1) + r) for s in range(1, 7) for r in range(1, 7)]
    assert [(r.session, r.month) for r in m.rounds_trace] == expected
    assert [r.round for r in m.rounds_trace] == list(range(1, 37))
    assert all(r.offer is None for r in m.rounds_trace)  # no type of Russia accepts anything: nothing is tabled
    assert m.peace_months == {15: 0, 30: 0}


def test_without_pauses_a_new_session_opens_the_month_after_the_last():
    """Catches: a pause of 0 months losing a month of talks, or the session counter not advancing."""
    m = run(merged(NEVER, {"negotiation": {"pause_months": 0}}), trace=True)
    assert [r.month for r in m.rounds_trace] == list(range(1, 61))
    assert [r.session for r in m.rounds_trace] == [(r - 1) // 6 + 1 for r in range(1, 61)]


def test_every_session_counted_holds_a_round():
    """Catches: a session counted that the horizon leaves no month for (NEVER: the sixth pause ends at month 60,
    the horizon), so that RunOutcome.sessions counts a session in which no round can be held."""
    m = run(scenario(**NEVER), trace=True)
    assert m.session == max(r.session for r in m.rounds_trace) == 6
    assert outcome_of(m).sessions == 6


def test_when_every_party_accepts_the_talks_end_in_agreement_on_the_tabled_package():
    """Catches: the agreed deal differing from the package the parties accepted, or signed in another month."""
    m = GuaranteeModel(scenario(**EASY), 5, trace=True)
    m.step()
    assert m.round == 1 and m.session == 1
    assert m.end == "agreement" and m.phase == "peace"
    assert m.russia_accepted is True
    assert m.deal_month == 1
    assert m.deal is not None and m.deal.as_dict() == m.rounds_trace[0].offer
    assert m.rounds_trace[0].accepted == {"ukraine": True, "russia": True, "united_states": True}


def test_the_others_never_rule_out_russias_true_type_and_learn_from_the_talks():
    """Catches: a belief that excludes the truth (learning from rejections with the wrong sign), or a belief that
    never moves."""
    moved = 0
    for seed in range(12):
        m = GuaranteeModel(scenario(), seed)
        prior = m.belief.copy()
        while m.phase in ("talks", "pause") and m.month < 120:
            m.step()
            assert m.belief[m.challenger.edge_index] > 0
            assert m.belief.sum() == pytest.approx(1.0)
        moved += not np.allclose(m.belief, prior)
    assert moved >= 6


def test_a_rounds_no_deal_values_are_the_war_at_this_months_balance_russias_at_its_edge_the_others_by_belief():
    """Catches: no-deal values that are not each party's war value at the month's balance (model v1's reservation
    values), Russia's taken over the others' belief, or the others' over a belief not yet updated by the month's
    fighting."""
    checked = 0
    for seed in range(10):
        m = GuaranteeModel(scenario(), seed, trace=True)
        if m.end == "infeasible":
            continue
        twin = GuaranteeModel(scenario(), seed)  # the same state: replay the month's fighting
        signal = twin.war.step(twin.rng, twin.challenger.edge)
        belief = update_belief(twin.belief, m.compiled.types, signal, m.spec.war)
        m.step()
        r = m.rounds_trace[0]
        if r.offer is None:
            continue
        k = m.spec.war.outcome_steepness
        assert r.balance == twin.war.balance
        for p in m.parties:
            if p is m.challenger:
                expected = war_value(p.stakes, r.balance + m.challenger.edge, k)
            else:
                expected = float(np.asarray(war_value(p.stakes, r.balance + m.compiled.types, k)) @ belief)
            assert r.no_deal[p.key] == pytest.approx(expected)
        checked += 1
    assert checked >= 5


# --- how peace ends -------------------------------------------------------------------------------------------


def test_peace_ends_at_the_first_attack_which_records_its_year_cause_and_who_honoured():
    """Catches: peace going on after a breakdown, or a breakdown recorded with the wrong year or cause."""
    m = run(scenario(**BREAKS_AT_EXPIRY), trace=True)
    assert m.breakdown == {
        "breakdown_year": 4,
        "cause": "expired",
        # The US's credibility after expiry is 0: no honouring to record. The coalition's is 1: it honours.
        "honoured": {"united_states": None, "coalition": True},
        # The war that followed: to the horizon (no new talks by default), from month 36.
        "war_months": 600 - 36,
        "redeal": False,
        "territory_change": pytest.approx(m.war.territory - m.spec.war.initial_territory),
    }
    assert [y.attacked for y in m.years_trace] == [False, False, False, True]
    assert [y.active for y in m.years_trace] == [True, True, True, False]
    assert m.phase == "done" and m.running is False


def test_after_a_breakdown_the_war_lasts_to_the_horizon():
    """Catches: a run that stops at the breakdown (model v1), so that the years after it count as neither peace
    nor war, or the years of that war counted in the peace horizon (it stops at the year of the attack)."""
    m = run(scenario(**BREAKS_AT_EXPIRY))
    assert m.month == m.horizon_months
    assert m.war.month == 12 * (50 - 3)  # the years after the breakdown, at war
    assert m.peace_months == {15: 36, 30: 36}
    assert m.peace_horizon == 4


def fighting_weight(m: GuaranteeModel, weights: list[float]) -> float:
    """The weight of the guarantors that honoured their commitment when Russia attacked."""
    return sum(w for w, h in zip(weights, m.breakdown["honoured"].values(), strict=True) if h)


def war_after(m: GuaranteeModel) -> list[float]:
    """The balance in each year of a war after a breakdown, from the year of the attack to the horizon: that year's
    structural balance as the parties anticipated it at the deal (Russia's true edge and the shift of power
    included, :func:`structural_balance`), minus the full weight of the guarantors that honoured."""
    spec, year = m.spec, m.breakdown["breakdown_year"]
    assert m.deal is not None and year is not None
    structural = structural_balance(
        m.deal.values,
        m.challenger.edge,
        spec.war.initial_balance,
        spec.power,
        spec.deterrence,
        spec.deterrence.horizon_years,
    )
    calc = m.years_trace[year - 1]
    fighting = fighting_weight(m, [weight(g.rule, m.deal.values, calc.active) for g in m.guarantors])
    assert structural[year - 1] == pytest.approx(calc.balance + calc.guarantee)  # the balance of the attack year
    return [float(b) - fighting for b in structural[year - 1 :]]


def territory_after(m: GuaranteeModel, start: float, path: list[float], month: int) -> float:
    """Territory at ``month`` of a war after a breakdown that began at ``start`` territory and is fought a year at a
    time at the balances of ``path``, each year's move pro rata to its months before ``month`` (clipped to [0, 1]
    each year)."""
    assert m.deal_month is not None
    begun = m.deal_month + 12 * (m.breakdown["breakdown_year"] - 1)
    t = start
    for y, b in enumerate(path):
        months = min(12, month - begun - 12 * y)
        if months <= 0:
            break
        t = min(max(t + m.spec.war.territory_rate * b * months / 12, 0.0), 1.0)
    return t


def test_the_war_after_a_breakdown_is_fought_with_the_full_weight_of_the_guarantors_that_honour_and_no_other():
    """Catches: the guarantors' expected weight kept in the war that follows (those that honour must fight with
    their full weight, the others not at all), or a war that moves no territory."""
    s = merged({"mode": "evaluate", "package": FIXED}, {"deterrence": CERTAIN_ATTACK})
    honoured = set()
    for seed in range(6):
        m = run(s, seed, trace=True)
        calc = m.years_trace[0]
        assert m.breakdown["breakdown_year"] == 1 and calc.attacked
        honoured.add(tuple(m.breakdown["honoured"].values()))
        path = war_after(m)
        start = m.spec.war.initial_territory
        assert m.territory_at[15] == pytest.approx(territory_after(m, start, path, 180))
        assert m.territory_at[30] == pytest.approx(territory_after(m, start, path, 360))
        assert m.territory_at[15] != pytest.approx(start)
    assert len(honoured) >= 2  # the seeds cover different guarantors honouring


def test_the_war_after_a_breakdown_follows_the_structural_balance_of_each_year_minus_the_honouring_guarantors_weight():
    """Catches: a war after a breakdown frozen at the balance of the attack year (power no longer shifting),
    reverting towards the stalemate of the talks (``war.initial_balance``), fought without Russia's private edge,
    or at the balance of another year than the one since the deal."""
    s = merged({"mode": "evaluate", "package": FIXED}, {"deterrence": CERTAIN_ATTACK, "war": {"reversion": 0.05}})
    m = run(s, 5, trace=True)
    assert m.breakdown["breakdown_year"] == 1
    path = war_after(m)
    assert abs(m.challenger.edge) > 0.05  # the edge makes a difference
    assert path[-1] - path[0] > 0.2  # the power shift makes a difference: the case separates a frozen war
    assert all(b > m.spec.war.initial_balance + 0.05 for b in path)  # and one reverting towards the stalemate
    start = m.spec.war.initial_territory
    for w in WINDOWS:
        expected = territory_after(m, start, path, 12 * w)
        assert 0.0 < expected < 1.0  # no clipping hides a difference
        assert m.territory_at[w] == pytest.approx(expected)
        assert m.territory_at[w] != pytest.approx(territory_after(m, start, path[1:], 12 * w))  # a year off


def test_a_peace_that_holds_is_censored_at_the_horizon():
    """Catches: peace simulated beyond the horizon, or a breakdown invented at its end."""
    m = run(scenario(mode="evaluate", package=FIXED, deterrence={**CALM, "horizon_years": 10}), trace=True)
    assert m.breakdown == {}
    assert [y.year for y in m.years_trace] == list(range(1, 11))
    assert m.month == 120 and m.phase == "done"
    assert m.peace_months == {15: 120, 30: 120}  # the horizon is shorter than the windows
    o = outcome_of(m)
    assert (o.peace_years_15, o.war_years_15) == (10.0, 0.0)


# --- what a run books ------------------------------------------------------------------------------------------


def peace_interval(m: GuaranteeModel) -> tuple[int, int]:
    """The months of peace a run should have booked: from the deal to the breakdown, or to the horizon."""
    if m.deal_month is None:
        return 0, 0
    year = m.breakdown.get("breakdown_year")
    end = m.horizon_months if year is None else m.deal_month + 12 * (year - 1)
    return m.deal_month, min(end, m.horizon_months)


def test_peace_months_are_the_months_from_the_deal_to_the_breakdown_within_each_window_for_many_seeds():
    """Catches: peace booked outside its window, a breakdown year counted as peace, more than 12 months of peace a
    year, or peace plus war not adding up to the window."""
    ends = set()
    s = scenario()
    for seed in range(40):
        m = run(s, seed)
        ends.add(m.end)
        assert m.month == m.horizon_months
        start, end = peace_interval(m)
        o = outcome_of(m)
        for w in WINDOWS:
            assert 0 <= m.peace_months[w] <= 12 * w
            assert m.peace_months[w] == max(0, min(end, 12 * w) - start)
            peace, war = getattr(o, f"peace_years_{w}"), getattr(o, f"war_years_{w}")
            assert peace + war == pytest.approx(min(w, m.spec.deterrence.horizon_years))
            assert war >= 0
        assert set(m.territory_at) == set(WINDOWS)
    assert "agreement" in ends  # the seeds include deals, so the peace accounting is exercised


def test_welfare_of_a_peace_that_holds_is_each_partys_utility_of_the_deal():
    """Catches: welfare that is not an average (a sum over years), or mixes in war that never happened."""
    m = run(scenario(mode="evaluate", package=FIXED, deterrence=CALM))
    assert m.welfare == pytest.approx(m.compiled.utilities(m.deal))


def test_welfare_of_an_endless_war_is_each_partys_value_of_a_year_of_war_at_the_balance():
    """Catches: war months booked at another value than the war-payoff function at the month's balance."""
    m = run(merged(INFEASIBLE, {"war": STILL}))
    b, k = m.spec.war.initial_balance, m.spec.war.outcome_steepness
    assert m.welfare == pytest.approx([war_value(s, b, k) for s in m.compiled.stakes])


def test_welfare_weighs_peace_and_the_war_after_a_breakdown_by_their_discounted_shares_of_the_horizon():
    """Catches: the months of peace and of war weighted equally in spite of the discount, or the war after the
    breakdown valued at other balances than those it is fought at (each year's, :func:`war_after`). Russia's power
    falls after the deal, so that the war is fought across balances whose war values differ."""
    power = {"russia_reconstitution": -1.5, "russia_reconstitution_years": 20.0}
    m = run(merged(BREAKS_AT_EXPIRY, {"power": power}), trace=True)
    assert m.breakdown["breakdown_year"] == 4 and m.deal_month == 0
    w = m.compiled.month_weights
    assert 0.1 < w[36] < 0.2  # peace in months 0..35: three years of fifty, discounted, more than 3/50
    path = war_after(m)  # nobody that honours brings weight after expiry
    assert len(path) == 47
    u = m.compiled.utilities(m.deal)
    k = m.spec.war.outcome_steepness
    values = np.array([[war_value(s, b, k) for b in path] for s in m.compiled.stakes])  # parties x years
    assert np.ptp(values, axis=1).max() > 0.1  # the balances of the years make a difference
    shares = np.array([w[36 + 12 * (y + 1)] - w[36 + 12 * y] for y in range(len(path))])
    assert m.welfare == pytest.approx(w[36] * np.asarray(u) + values @ shares)


def test_territory_in_a_war_that_stands_still_moves_by_the_rate_times_the_balance_each_year():
    """Catches: territory recorded at another time than the end of its window, or moved at another rate."""
    m = run(merged(INFEASIBLE, {"war": STILL}))
    spec = m.spec.war
    for w in WINDOWS:
        assert m.territory_at[w] == pytest.approx(
            spec.initial_territory + w * spec.territory_rate * spec.initial_balance
        )


def test_a_deal_that_has_ukraine_withdraw_from_donetsk_hands_russia_the_withdrawal_share():
    """Catches: a withdrawal that moves no territory, or moves it for a deal without a withdrawal."""
    war = {**STILL}
    for terms, gain in (("donetsk_withdrawal", 1.0), ("dmz", 0.0)):
        m = run(merged({"mode": "evaluate", "package": {**FIXED, "territory": terms}, "deterrence": CALM, "war": war}))
        spec = m.spec.war
        assert m.territory_at[15] == pytest.approx(spec.initial_territory + gain * spec.withdrawal_share)


def test_the_territory_of_a_window_is_the_territory_at_the_windows_last_month():
    """Catches: territory at 15 years read after another month than month 180 (at the end of the year of war that
    crosses it). The deal comes in month 1 and Russia attacks at once: by month 180, 14 years and 11 months of war
    at each year's balance."""
    # The EU path closed: the seed's war path is then large enough that no clipping hides the difference.
    changes = {
        "war": {**STILL, "initial_balance": 0.3},
        "deterrence": CERTAIN_ATTACK,
        "package": {"eu_membership": "closed"},
    }
    m = run(merged(EASY, changes), seed=0, trace=True)
    assert m.deal_month == 1 and m.breakdown["breakdown_year"] == 1
    spec = m.spec.war
    path = war_after(m)
    at_deal = spec.initial_territory + spec.territory_rate * spec.initial_balance / 12  # one month of talks
    at_deal += spec.withdrawal_share if m.deal["territory"] == "donetsk_withdrawal" else 0.0
    for w in WINDOWS:
        expected = at_deal + spec.territory_rate * (sum(path[: w - 1]) + path[w - 1] * 11 / 12)
        assert 0.0 < expected < 1.0 and abs(path[w - 1]) > 0.1  # no clipping hides the difference
        assert territory_after(m, at_deal, path, 12 * w) == pytest.approx(expected)
        assert m.territory_at[w] == pytest.approx(expected)


def test_the_war_after_a_breakdown_stops_at_the_horizon():
    """Catches: a last year of war fought beyond the horizon (the deal in month 1: the last year of war would run
    from month 589 to 601)."""
    m = run(merged(EASY, {"war": {**STILL, "initial_balance": 0.3}, "deterrence": CERTAIN_ATTACK}), seed=0, trace=True)
    assert m.deal_month == 1 and m.breakdown["breakdown_year"] == 1
    spec = m.spec.war
    at_deal = spec.initial_territory + spec.territory_rate * spec.initial_balance / 12  # one month of talks
    at_deal += spec.withdrawal_share if m.deal["territory"] == "donetsk_withdrawal" else 0.0
    assert m.month == m.horizon_months
    assert m.war.territory == pytest.approx(territory_after(m, at_deal, war_after(m), m.horizon_months))
    assert m.war.month == m.horizon_months


# --- after a breakdown, with talks resuming (negotiation.resume_after_breakdown) ---------------------------------

RESUME = {"negotiation": {"resume_after_breakdown": True}}


def test_with_talks_resuming_the_war_after_a_breakdown_reverts_to_that_years_balance_of_power_less_the_honouring():
    """Catches: a war after a breakdown that reverts to the stalemate of the talks (``war.initial_balance``), that
    ignores the guarantors that honoured (an attack met by them no costlier than one that is not), or that is
    frozen at the attack year's balance while power shifts. With full reversion and no shocks the battlefield is
    each month exactly the balance it reverts to, so every round of the new talks shows it."""
    war = {**STILL, "reversion": 1.0}
    s = merged({"mode": "evaluate", "package": FIXED}, RESUME, {"deterrence": CERTAIN_ATTACK, "war": war})
    honoured = set()
    checked = 0
    for seed in range(16):
        m = run(s, seed, trace=True)
        assert m.breakdown["breakdown_year"] == 1
        rounds = [r for r in m.rounds_trace if r.deal == 1]
        if not rounds:  # the members would not field the imposed force: no talks (the next test's case)
            continue
        checked += 1
        honoured.add(tuple(m.breakdown["honoured"].values()))
        path = war_after(m)
        start = m.deal_month + 12 * (m.breakdown["breakdown_year"] - 1)
        for r in rounds:
            assert r.balance == pytest.approx(path[(r.month - 1 - start) // 12])
        assert any(abs(r.balance - m.spec.war.initial_balance) > 0.05 for r in rounds)  # not the talks' stalemate
    assert checked >= 5 and len(honoured) >= 2  # the seeds cover different guarantors honouring


def test_a_new_deal_after_a_breakdown_starts_a_new_peace_and_the_run_books_each_and_what_came_of_the_war():
    """Catches: a run that still ends its peace accounting at the first breakdown, a second peace booked over the
    war or beyond the horizon, a later deal taking the place of the first in the outcome (its year, cause, terms),
    and a record of the war after the first breakdown that disagrees with the deals and the territory."""
    s = merged({"mode": "evaluate", "package": FIXED}, RESUME)
    redeals = 0
    for seed in range(40):
        m = run(s, seed, trace=True)
        o = outcome_of(m)
        assert m.deal_months[0] == m.deal_month == 0 and o.deals == len(m.deal_months) == m.deals
        # Each deal's peace, from its trace: years 1, 2, ... until an attack (or the horizon).
        by_deal: dict[int, list] = {}
        for y in m.years_trace:
            by_deal.setdefault(y.deal, []).append(y)
        assert sorted(by_deal) == list(range(1, m.deals + 1))
        months = dict.fromkeys(WINDOWS, 0)
        for k, years in by_deal.items():
            assert [y.year for y in years] == list(range(1, len(years) + 1))
            assert not any(y.attacked for y in years[:-1])
            start = m.deal_months[k - 1]
            end = start + 12 * sum(not y.attacked for y in years)
            for w in WINDOWS:
                months[w] += max(0, min(end, 12 * w) - start)
            if k < m.deals:  # a later deal follows an attack, after a war of at least the pause
                assert years[-1].attacked
                assert m.deal_months[k] >= end + m.spec.negotiation.pause_months
        assert m.peace_months == months
        assert o.breakdowns == sum(y.attacked for y in m.years_trace)
        if not o.breakdown:
            assert o.war_after_years is None and o.redeal is None and o.deals == 1
            continue
        first = by_deal[1]
        assert o.breakdown_year == len(first) and o.peace_years == len(first)  # the first deal's, not a later one's
        broke = 12 * (o.breakdown_year - 1)
        assert o.redeal == (m.deals > 1)
        end = m.deal_months[1] if o.redeal else m.horizon_months
        assert o.war_after_years == pytest.approx((end - broke) / 12)
        redeals += bool(o.redeal)
    assert redeals >= 10


def test_without_talks_resuming_the_war_after_a_breakdown_is_the_only_war_and_is_recorded_to_the_horizon():
    """Catches: the new record of the war after a breakdown missing or wrong in model v2's case, where it lasts
    to the horizon with no talks."""
    m = run(scenario(**BREAKS_AT_EXPIRY))
    o = outcome_of(m)
    assert (o.deals, o.breakdowns, o.redeal) == (1, 1, False)
    assert o.war_after_years == pytest.approx(50 - 3)
    assert o.territory_change == pytest.approx(m.war.territory - m.spec.war.initial_territory)
    assert not m.rounds_trace


def test_russia_trusts_a_guarantor_less_after_it_left_an_attack_unanswered_and_more_after_it_honoured():
    """Catches: honouring that teaches Russia nothing about the guarantors' resolve (a later deal's guarantors
    would be judged as if the war had not happened), or a lesson learnt backwards."""
    s = merged({"mode": "evaluate", "package": FIXED}, {"deterrence": {**CERTAIN_ATTACK, "probe_ratio": 0.0}})
    seen = set()
    for seed in range(12):
        m = run(s, seed)
        for i, (key, h) in enumerate(m.breakdown["honoured"].items()):
            trust = m.challenger.trusts[i]
            seen.add(h)
            if h is None:
                assert trust == 1.0
            else:
                assert (trust > 1.0) if h else (trust < 1.0), (key, h, trust)
    assert {True, False} <= seen


# --- reproducibility ---------------------------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_run_and_another_seed_another():
    """Catches: a draw from anything but the model's own seeded generator."""
    runs = []
    for _ in range(2):
        m = run(scenario(), 12345, trace=True)
        runs.append((m.end, m.round, m.deal, m.breakdown, m.rounds_trace, m.years_trace, m.welfare.tolist()))
    assert runs[0] == runs[1]
    other = run(scenario(), 54321, trace=True)
    assert other.rounds_trace != runs[0][4]


def test_release_drops_the_model_from_mesas_registry():
    """Catches: a sweep keeping every finished model alive through mesa.Agent._ids (mesa#3179)."""
    m = GuaranteeModel(scenario(), 0)
    assert m in mesa.Agent._ids
    m.release()
    assert m not in mesa.Agent._ids
    m.release()  # releasing twice is harmless


def test_the_reporting_windows_are_in_increasing_order():
    """Catches: a window added out of order, which the clock (it records each window's territory as the run passes
    its end, the next one only) would then skip."""
    assert list(WINDOWS) == sorted(set(WINDOWS))
