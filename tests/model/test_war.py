"""The war (sim/model/war.py): the one war-payoff function, Russia's private edge and the others' belief about it,
and the monthly step of the battlefield, Western support and territory.

``pi(b) = L(k b)``; ``W_i(b) = u_i(D) + (u_i(C) - u_i(D)) pi(b) - c_i``;
``s_t = clip(s + sigma_s e1, 0, 1)``, ``b_t = b + r (b_0 - b) + drift + lambda theta - support_effect (s_t - s_0)
+ sigma_b e2``; territory ``+ territory_rate * b_t / 12`` a month; belief: Bayes' rule with the normal likelihood
of the signal ``lambda theta + sigma_b e2``.
"""

from __future__ import annotations

import math
from statistics import NormalDist
from typing import Any

import numpy as np
import pytest

from sim.config.scenario import War, scenario_from_mapping
from sim.model.compiled import compile_scenario
from sim.model.war import Stakes, WarState, edge_types, prevail, update_belief, war_value

SCENARIO = scenario_from_mapping({})
COMPILED = compile_scenario(SCENARIO)
UKRAINE, RUSSIA, US = COMPILED.stakes  # the default parties' stakes, in the scenario's order


def war(**changes: Any) -> War:
    return scenario_from_mapping({"war": changes}).war


CALM = war(
    volatility=0.0,
    support_volatility=0.0,
    drift=0.05,
    reversion=0.1,
    support_effect=0.1,
    initial_balance=0.2,
    revelation=0.5,
    territory_rate=0.06,
)


def logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


# --- the war-payoff function ---------------------------------------------------------------------------------


def test_russias_chance_of_prevailing_is_the_logistic_of_steepness_times_balance():
    """Catches: another link from the balance to the outcome, or one that is not even odds at a stalemate."""
    for b in (-1.0, -0.3, 0.0, 0.1, 0.7):
        assert prevail(b, 4.0) == pytest.approx(logistic(4.0 * b), abs=1e-15)
    assert prevail(0.0, 4.0) == 0.5
    balances = np.array([-1.0, -0.3, 0.0, 0.1, 0.7])
    assert prevail(balances, 4.0) == pytest.approx([logistic(4.0 * b) for b in balances], abs=1e-15)


def test_the_chance_of_prevailing_is_safe_for_large_balances():
    """Catches: an OverflowError (math.exp of a large argument) at an extreme balance."""
    assert prevail(-1000.0, 50.0) == 0.0
    assert prevail(1000.0, 50.0) == 1.0
    assert prevail(np.array([-1000.0, 1000.0]), 50.0).tolist() == pytest.approx([0.0, 1.0], abs=1e-300)


def test_war_value_is_the_defenders_terms_plus_the_stake_times_the_chance_of_prevailing_less_the_cost():
    """Catches: a war value other than ``W = u_D + (u_C - u_D) pi(b) - c`` (e.g. the stakes swapped, or the cost
    left out)."""
    s = Stakes(challenger_wins=0.9, defender_wins=0.2, cost=0.15)
    for b in (-0.5, 0.0, 0.25):
        pi = logistic(3.0 * b)
        assert war_value(s, b, 3.0) == pytest.approx(0.2 + (0.9 - 0.2) * pi - 0.15)
    balances = np.array([-0.5, 0.0, 0.25])
    expected = [0.2 + 0.7 * logistic(3.0 * b) - 0.15 for b in balances]
    assert war_value(s, balances, 3.0) == pytest.approx(expected)


def test_war_value_uses_a_chance_of_prevailing_passed_in():
    """Catches: the precomputed chance ignored (the anticipation passes it to save a logistic per year)."""
    s = Stakes(challenger_wins=0.9, defender_wins=0.2, cost=0.15)
    assert war_value(s, 5.0, 3.0, chance=0.25) == pytest.approx(0.2 + 0.7 * 0.25 - 0.15)


def test_war_value_runs_from_the_defenders_victory_to_the_challengers_victory_less_the_cost():
    """Catches: a war whose outcome is not one of the two victories at an overwhelming balance."""
    for s in (UKRAINE, RUSSIA, US):
        assert war_value(s, -100.0, 4.0) == pytest.approx(s.defender_wins - s.cost)
        assert war_value(s, 100.0, 4.0) == pytest.approx(s.challenger_wins - s.cost)


def test_war_is_worth_more_to_russia_and_less_to_ukraine_the_more_the_balance_favours_russia():
    """Catches: a war value monotone the wrong way for a party (Ukraine gaining from Russian advances), or flat."""
    balances = np.linspace(-2.0, 2.0, 41)
    russia = np.asarray(war_value(RUSSIA, balances, 4.0))
    ukraine = np.asarray(war_value(UKRAINE, balances, 4.0))
    assert np.all(np.diff(russia) > 0)
    assert np.all(np.diff(ukraine) < 0)
    assert RUSSIA.challenger_wins > RUSSIA.defender_wins and UKRAINE.defender_wins > UKRAINE.challenger_wins


# --- Russia's private edge -----------------------------------------------------------------------------------


def test_the_types_of_the_edge_are_equal_probability_quantile_midpoints_of_a_normal():
    """Catches: types spread on another grid (evenly spaced, or the tails' quantiles), which would weigh
    extreme edges wrongly."""
    spec = war(private_edge_sd=0.25, private_edge_types=7)
    q = NormalDist(0.0, 0.25)
    assert edge_types(spec).tolist() == pytest.approx([q.inv_cdf((j + 0.5) / 7) for j in range(7)])
    assert edge_types(spec)[3] == pytest.approx(0.0, abs=1e-15)
    assert edge_types(spec) == pytest.approx(-edge_types(spec)[::-1])


def test_with_one_type_or_no_spread_russia_has_no_private_edge():
    """Catches: a private edge drawn where the scenario says there is none."""
    assert edge_types(war(private_edge_types=1)).tolist() == [0.0]
    assert edge_types(war(private_edge_sd=0.0)).tolist() == [0.0]


# --- the monthly step ----------------------------------------------------------------------------------------


def test_the_war_opens_at_the_scenarios_balance_support_and_territory_in_month_zero():
    """Catches: talks opening from another battlefield state than the scenario's."""
    w = WarState.start(war(initial_balance=0.3, western_support=0.7, initial_territory=0.2))
    assert (w.month, w.balance, w.support, w.territory) == (0, 0.3, 0.7, 0.2)


def test_without_shocks_the_balance_reverts_drifts_and_shows_the_edge_and_support_moves_it_for_ukraine():
    """Catches: a step missing the reversion, the drift, the edge's share or the support effect, or support
    pivoting on 0.5 instead of its initial level."""
    w = WarState(spec=CALM, balance=0.4, support=0.7)
    signal = w.step(np.random.default_rng(0), edge=0.2)
    assert w.month == 1
    assert w.support == 0.7
    assert w.balance == pytest.approx(0.4 + 0.1 * (0.2 - 0.4) + 0.05 + 0.5 * 0.2 - 0.1 * (0.7 - 0.6))
    assert signal == pytest.approx(0.5 * 0.2)


def test_without_drift_or_shocks_the_balance_reverts_geometrically_to_the_stalemate():
    """Catches: reversion towards zero rather than the war's stalemate ``b_0``, or at another rate."""
    spec = war(volatility=0.0, support_volatility=0.0, drift=0.0, reversion=0.2, initial_balance=0.1)
    w = WarState(spec=spec, balance=0.9, support=spec.western_support)
    rng = np.random.default_rng(0)
    for _ in range(10):
        w.step(rng, edge=0.0)
    assert w.balance == pytest.approx(0.1 + 0.8 * 0.8**10)


def test_shocks_are_two_standard_normal_draws_support_first_and_the_signal_is_the_edge_plus_noise():
    """Catches: shocks in the other order or scale, the balance using last month's support, or a signal that
    contains the known part of the step (the others would mislearn the edge)."""
    spec = war(volatility=0.12, support_volatility=0.04, drift=0.01, support_effect=0.1, reversion=0.05)
    w = WarState.start(spec)
    e1, e2 = np.random.default_rng(5).standard_normal(2)
    signal = w.step(np.random.default_rng(5), edge=0.3)
    support = min(max(0.6 + 0.04 * e1, 0.0), 1.0)
    assert w.support == pytest.approx(support)
    b0 = spec.initial_balance
    assert w.balance == pytest.approx(b0 + 0.01 + spec.revelation * 0.3 - 0.1 * (support - 0.6) + 0.12 * e2)
    assert signal == pytest.approx(spec.revelation * 0.3 + 0.12 * e2)


def test_support_stays_within_zero_one():
    """Catches: an unclipped support walk (support of 1.3 would push the balance beyond its range)."""
    w = WarState.start(war(support_volatility=1.0))
    rng = np.random.default_rng(1)
    path = []
    for _ in range(200):
        w.step(rng, edge=0.0)
        path.append(w.support)
    assert min(path) == 0.0 and max(path) == 1.0
    assert all(0.0 <= s <= 1.0 for s in path)


def test_territory_moves_each_month_by_the_rate_times_the_balance_over_twelve_within_zero_one():
    """Catches: territory moved by a year's rate each month, by last month's balance, or beyond 0 and 1."""
    w = WarState(spec=CALM, balance=0.4, support=0.6, territory=0.3)
    w.step(np.random.default_rng(0), edge=0.0)
    assert w.territory == pytest.approx(0.3 + 0.06 * w.balance / 12)
    lost = WarState(spec=CALM, balance=-50.0, support=0.6, territory=0.01)
    lost.step(np.random.default_rng(0), edge=0.0)
    assert lost.territory == 0.0


def test_months_of_war_after_a_deal_move_territory_by_the_yearly_rate_times_the_balance_pro_rata_within_zero_one():
    """Catches: a resumed war that moves no territory, twelve times too much, a whole year's worth for part of a
    year (a window's boundary falling within it), or territory beyond 0 and 1."""
    w = WarState(spec=CALM, month=30, territory=0.3)
    w.war_months(12, 0.5)
    assert (w.month, w.territory) == (42, pytest.approx(0.3 + 0.06 * 0.5))
    w.war_months(5, -0.4)
    assert (w.month, w.territory) == (47, pytest.approx(0.3 + 0.06 * 0.5 - 0.06 * 0.4 * 5 / 12))
    w.war_months(12, 100.0)
    assert w.territory == 1.0
    w.war_months(1, -500.0)
    assert w.territory == 0.0


# --- the others' belief --------------------------------------------------------------------------------------

TYPES = edge_types(SCENARIO.war)
UNIFORM = np.full(TYPES.size, 1.0 / TYPES.size)


def test_the_belief_after_a_signal_is_the_prior_times_the_normal_likelihood_normalised():
    """Catches: an update other than Bayes' rule (a likelihood with another scale, or centred on theta rather
    than on lambda theta)."""
    spec = war(revelation=0.4, volatility=0.1)
    prior = np.array([0.1, 0.2, 0.3, 0.15, 0.1, 0.1, 0.05])
    signal = 0.03
    like = np.exp(-0.5 * ((signal - 0.4 * TYPES) / 0.1) ** 2)
    assert update_belief(prior, TYPES, signal, spec) == pytest.approx(prior * like / (prior * like).sum())


def test_a_long_run_of_signals_from_the_true_type_concentrates_the_belief_on_it():
    """Catches: a belief that does not learn from the fighting, or learns towards the wrong type."""
    spec = war(revelation=0.5)
    for true in (0, 3, 6):
        rng = np.random.default_rng(true)
        belief = UNIFORM
        for _ in range(600):
            belief = update_belief(
                belief, TYPES, spec.revelation * TYPES[true] + spec.volatility * rng.standard_normal(), spec
            )
        assert int(belief.argmax()) == true
        assert belief[true] > 0.9
        assert belief.sum() == pytest.approx(1.0)


def test_the_belief_moves_toward_the_true_type_on_average_within_a_year():
    """Catches: an update whose sign is reversed (a signal of a strong Russia read as weakness)."""
    spec = SCENARIO.war
    strong = TYPES.size - 1
    rng = np.random.default_rng(7)
    means = []
    for _ in range(200):
        belief = UNIFORM
        for _ in range(12):
            belief = update_belief(
                belief, TYPES, spec.revelation * TYPES[strong] + spec.volatility * rng.standard_normal(), spec
            )
        means.append(belief @ TYPES)
    assert np.mean(means) > 0.02  # the prior mean is 0


def test_when_the_fighting_reveals_nothing_the_belief_is_unchanged():
    """Catches: a belief that moves on pure noise (revelation 0), or with a single type."""
    prior = np.array([0.1, 0.2, 0.3, 0.15, 0.1, 0.1, 0.05])
    assert update_belief(prior, TYPES, 0.3, war(revelation=0.0)).tolist() == prior.tolist()
    assert update_belief(np.ones(1), np.zeros(1), 0.3, SCENARIO.war).tolist() == [1.0]


def test_a_noiseless_signal_reveals_the_type():
    """Catches: the belief left at the prior when the fighting reveals the edge without noise (the limit of
    Bayes' rule as the volatility goes to 0 is the true type with certainty), a signal read as theta rather than
    lambda theta, or a belief that no longer sums to 1."""
    spec = war(volatility=0.0, revelation=0.5)
    prior = np.array([0.1, 0.2, 0.3, 0.15, 0.1, 0.1, 0.05])
    for true in range(TYPES.size):
        for belief in (UNIFORM, prior):
            posterior = update_belief(belief, TYPES, 0.5 * TYPES[true] + 1e-12, spec)  # a hair of rounding
            assert posterior.tolist() == [1.0 if k == true else 0.0 for k in range(TYPES.size)]
