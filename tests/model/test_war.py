"""The war during the talks (sim/model/war.py): the monthly step of balance and support, and how they move the
reservation values (docs/MODEL.md 7.5).

``s_t = clip(s + sigma_s e1, 0, 1)``, ``b_t = b + drift - support_effect (s_t - 0.5) + sigma_b e2``;
``r_RU = clip(r0 + k_RU (b - b0) - c_RU t / 12)``, ``r_UA = clip(r0 - k_UA (b - b0) + k_s (s - s0) - c_UA t / 12)``;
belief ``= logistic(4 b)``.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sim.config.scenario import War, scenario_from_mapping
from sim.model.war import WarState


def war(**changes: Any) -> War:
    return scenario_from_mapping({"war": changes}).war


CALM = war(volatility=0.0, support_volatility=0.0, drift=0.05, support_effect=0.1, initial_balance=0.2)


def test_the_war_opens_at_the_scenarios_balance_and_support_in_month_zero():
    """Wrong model caught: talks opening from another battlefield state than the scenario's."""
    w = WarState.start(war(initial_balance=0.3, western_support=0.7))
    assert (w.month, w.balance, w.support) == (0, 0.3, 0.7)


def test_without_shocks_the_balance_moves_by_the_drift_less_the_effect_of_support_above_one_half():
    """Wrong model caught: support helping Russia, or the drift not applied each month."""
    w = WarState.start(CALM)
    w.step(np.random.default_rng(0))
    assert w.month == 1
    assert w.support == 0.6
    assert w.balance == pytest.approx(0.2 + 0.05 - 0.1 * (0.6 - 0.5))


def test_without_shocks_the_balance_is_a_straight_line_in_months():
    """Wrong model caught: the step compounding (multiplicative) instead of adding the same amount each month."""
    w = WarState.start(CALM)
    rng = np.random.default_rng(0)
    for _ in range(12):
        w.step(rng)
    assert w.month == 12
    assert w.balance == pytest.approx(0.2 + 12 * (0.05 - 0.1 * (0.6 - 0.5)))


def test_support_below_one_half_pushes_the_balance_towards_russia():
    """Wrong model caught: the support pivot not at 0.5 (a war with weak support turning in Ukraine's favour)."""
    w = WarState.start(war(volatility=0.0, support_volatility=0.0, drift=0.0, western_support=0.3))
    w.step(np.random.default_rng(0))
    assert w.balance == pytest.approx(0.2 - 0.1 * (0.3 - 0.5))
    assert w.balance > 0.2


def test_shocks_are_two_standard_normal_draws_support_first():
    """Wrong model caught: shocks in the other order, with another scale, or the balance using last month's support."""
    spec = war(volatility=0.12, support_volatility=0.04, drift=0.01, support_effect=0.1)
    w = WarState.start(spec)
    e1, e2 = np.random.default_rng(5).standard_normal(2)
    w.step(np.random.default_rng(5))
    support = min(max(0.6 + 0.04 * e1, 0.0), 1.0)
    assert w.support == pytest.approx(support)
    assert w.balance == pytest.approx(0.2 + 0.01 - 0.1 * (support - 0.5) + 0.12 * e2)


def test_support_stays_within_zero_one():
    """Wrong model caught: an unclipped support walk (support of 1.3 would push the balance beyond its range)."""
    w = WarState.start(war(support_volatility=1.0))
    rng = np.random.default_rng(1)
    path = []
    for _ in range(200):
        w.step(rng)
        path.append(w.support)
    assert min(path) == 0.0 and max(path) == 1.0
    assert all(0.0 <= s <= 1.0 for s in path)


def test_russias_reservation_rises_with_its_gains_and_falls_with_the_cost_of_a_year_of_war():
    """Wrong model caught: Russia's outside option not improving when it gains, or war costing it nothing."""
    w = WarState(spec=CALM, month=6, balance=0.5, support=0.7)
    k, c = CALM.russia_balance_weight, CALM.russia_cost_per_year
    assert w.russia_reservation(0.6) == pytest.approx(0.6 + k * (0.5 - 0.2) - c * 6 / 12)
    assert WarState(spec=CALM, month=6, balance=0.2).russia_reservation(0.6) < 0.6


def test_ukraines_reservation_falls_with_russian_gains_and_rises_with_western_support():
    """Wrong model caught: Ukraine's outside option moving with the balance the wrong way, or deaf to support."""
    w = WarState(spec=CALM, month=6, balance=0.5, support=0.7)
    k, ks, c = CALM.ukraine_balance_weight, CALM.ukraine_support_weight, CALM.ukraine_cost_per_year
    assert w.ukraine_reservation(0.46) == pytest.approx(0.46 - k * (0.5 - 0.2) + ks * (0.7 - 0.6) - c * 6 / 12)
    better = WarState(spec=CALM, month=6, balance=0.5, support=0.9)
    assert better.ukraine_reservation(0.46) > w.ukraine_reservation(0.46)


def test_reservation_values_are_clipped_to_zero_one():
    """Wrong model caught: an outside option above 1 or below 0, beyond any package's utility."""
    rich = WarState(spec=CALM, month=0, balance=3.0, support=0.6)
    assert rich.russia_reservation(0.95) == 1.0
    assert rich.ukraine_reservation(0.05) == 0.0
    poor = WarState(spec=CALM, month=120, balance=-3.0, support=1.0)
    assert poor.russia_reservation(0.05) == 0.0
    assert poor.ukraine_reservation(0.95) == 1.0


def test_at_the_start_of_talks_each_reservation_is_its_initial_value():
    """Wrong model caught: a reservation value moved before any month of war has passed."""
    w = WarState.start(CALM)
    assert w.russia_reservation(0.6) == 0.6
    assert w.ukraine_reservation(0.46) == 0.46


def test_russias_belief_that_it_is_winning_is_the_logistic_of_four_times_the_balance():
    """Wrong model caught: another slope of the belief, or a belief that is not one half at a stalemate."""
    for b in (-1.0, -0.25, 0.0, 0.2, 0.5):
        assert WarState(spec=CALM, balance=b).russia_belief == pytest.approx(1 / (1 + math.exp(-4 * b)))
    assert WarState(spec=CALM, balance=0.0).russia_belief == 0.5
