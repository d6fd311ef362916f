"""The years after a deal (sim/model/deterrence.py): each guarantor's credibility and weight, the guarantee, the
balance a resumed war would start from as power shifts, Russia's incentive, its gain from waiting, the hazard and
the cause of a breakdown.

``kappa_g = clip(base_g * E_g * B_g, 0, 1)``; ``G = sum_g kappa_g w_g``;
``b_t = b_0 + theta + R_t - (A_t - A_0) - G_t``; ``V_t = W_RU(b_t) - U_RU - psi_t``;
``g_t = max(0, max_{j>t} delta^(j-t) max(V_j, 0) - max(V_t, 0))``; ``h_t = h_max L(s (V_t - g_t - threshold))``.

The guarantors are the default scenario's, compiled: ``united_states`` (index 0; role ``us_role``, elections) and
``coalition`` (index 1; the force, a US backstop, cohesion). Parameters used in the hand computations (from
sim/data/defaults.yaml): credibility article5_like 0.3, nato_membership 0.45; force half 40,000, weight 1.5,
presence credibility 0.8; coalition commitment weight 0.1; US role weight air_support 0.2; backstop dependence
none 0.6, monitoring_lead 0.85, air_support 1.0; unratified 0.6; disengaged 0.3; expiry residual 0.3.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest

from sim.config.scenario import Power, scenario_from_mapping
from sim.dealspace import BY_NAME, Deal
from sim.model.compiled import compile_scenario
from sim.model.deterrence import (
    GuarantorRule,
    GuarantorState,
    army_term,
    base_credibility,
    causes,
    classify_breakdown,
    consolidation,
    consolidations,
    credibilities,
    credibility,
    engagement_multiplier,
    force_shares,
    force_weight,
    foreseen_gains,
    gain_at,
    guarantee,
    hazard,
    incentives,
    lapsed,
    outlook_of,
    power_path,
    projected_expiry,
    regime_path,
    renewal_dates,
    set_back,
    structural_balance,
    waiting_gain,
    waiting_gain_by_year,
    weight,
    yearly_choice,
)
from sim.model.negotiation import candidate_pool
from sim.model.war import war_value

LAPSE = {"renewal": False, "drawdown_years": 0}
"""Model v2's expiry: the guarantee lapses at the end of its term, the force leaves at once. The unit tests of the
yearly calculus take this case; the renewal rule and the drawdown are tested in tests/test_peace.py."""
SCENARIO = scenario_from_mapping({"expiry": LAPSE})
COMPILED = compile_scenario(SCENARIO)
RULES = COMPILED.guarantors
P = SCENARIO.deterrence
POWER = SCENARIO.power
EXPIRY = SCENARIO.expiry
US, COALITION = 0, 1

TERMS = {
    "guarantee_strength": "article5_like",
    "foreign_troops": 20000,
    "duration_years": 15,
    "us_role": "air_support",
    "ukraine_army": 800000,
    "territory": "dmz",
    "neutrality": "neutral",
    "eu_membership": "closed",
    "sanctions_relief": 1.0,
}
F20K = 20000 / (20000 + 40000)


def deal(**changes: Any) -> Deal:
    return Deal.from_mapping({**TERMS, **changes})


def n(**changes: Any) -> tuple[float, ...]:
    """One package's numeric natural values: TERMS with changes."""
    return deal(**changes).values


def states(us_engaged: bool = True, cohesion: float = 0.9) -> tuple[GuarantorState, GuarantorState]:
    return GuarantorState(engaged=us_engaged, cohesion=1.0), GuarantorState(engaged=True, cohesion=cohesion)


def rules(**changes: Any) -> tuple[GuarantorRule, ...]:
    return compile_scenario(scenario_from_mapping(changes)).guarantors


def pool(size: int = 60, seed: int = 0) -> np.ndarray:
    """Candidate packages drawn from a wide negotiable space (every strength, role and troop level)."""
    package = {
        "guarantee_strength": {"options": list(BY_NAME["guarantee_strength"].levels)},
        "foreign_troops": {"min": 0, "max": 300000},
        "duration_years": {"min": 0, "max": 100},
        "us_role": {"options": list(BY_NAME["us_role"].levels)},
        "ukraine_army": {"min": 0, "max": 1000000},
        "neutrality": {"options": ["nato_open"]},
    }
    space = compile_scenario(scenario_from_mapping({"package": package})).space
    return candidate_pool(space, size, np.random.default_rng(seed), [])


STATES = [
    states(),
    states(us_engaged=False),
    states(cohesion=0.4),
    states(us_engaged=False, cohesion=0.0),
]


# --- compiling a guarantor -----------------------------------------------------------------------------------


def test_a_guarantors_section_compiles_to_values_per_level_in_level_order():
    """Catches: values looked up by the wrong level (the mapping's order, not the issue's)."""
    us, coalition = RULES
    assert (us.key, coalition.key) == ("united_states", "coalition")
    assert us.credibility == (0.0, 0.03, 0.1, 0.3, 0.45)
    assert us.role_weight == (0.0, 0.05, 0.1, 0.2, 0.35)
    assert us.force is None and us.backstop is None and us.ratification == 1.0
    assert coalition.force == (40000, 1.5, 0.8)
    assert coalition.backstop == US
    assert coalition.backstop_dependence == (0.6, 0.7, 0.85, 1.0, 1.0)
    assert coalition.role_issue is None and coalition.role_weight == ()


def test_an_unratified_commitment_compiles_to_the_unratified_factor():
    """Catches: ratification ignored, or the factor applied to a ratified commitment."""
    assert rules(actors={"united_states": {"guarantor": {"ratified": False}}})[US].ratification == 0.6


def test_a_guarantor_starts_engaged_at_its_mean_cohesion_and_its_engagement_factor_follows_its_kind():
    """Catches: a disengaged US or a cohesion other than the coalition's counted at full strength."""
    us, coalition = RULES
    assert us.initial_state() == GuarantorState(True, 1.0)
    assert coalition.initial_state() == GuarantorState(True, 0.9)
    assert us.engagement_factor(GuarantorState(True, 1.0)) == 1.0
    assert us.engagement_factor(GuarantorState(False, 1.0)) == 0.3
    assert coalition.engagement_factor(GuarantorState(True, 0.55)) == 0.55


# --- credibility ---------------------------------------------------------------------------------------------


def test_force_weight_is_troops_over_troops_plus_the_half_troops():
    """Catches: a force weight linear in troops, which would make a tripwire worth its headcount."""
    assert force_weight(0.0, 40000) == 0.0
    assert force_weight(40000.0, 40000) == 0.5
    assert force_weight(20000.0, 40000) == 20000 / 60000
    assert force_weight(10000.0, 40000) - force_weight(5000.0, 40000) > force_weight(105000.0, 40000) - force_weight(
        100000.0, 40000
    )  # concave: each troop adds less than the one before


def test_the_coalitions_credibility_adds_the_presence_of_its_troops_to_its_base_credibility():
    """Catches: troops on the ground not raising the credibility of the guarantor that fields them."""
    expected = (1 - (1 - 0.3) * (1 - 0.8 * F20K)) * 0.9 * 1.0  # 0.438
    assert credibility(COALITION, n(), True, states(), RULES) == pytest.approx(expected)
    assert credibility(COALITION, n(foreign_troops=0), True, states(), RULES) == pytest.approx(0.3 * 0.9)


def test_the_coalitions_credibility_is_proportional_to_its_cohesion():
    """Catches: a split coalition as credible as a united one."""
    united = credibility(COALITION, n(), True, states(cohesion=0.9), RULES)
    split = credibility(COALITION, n(), True, states(cohesion=0.45), RULES)
    assert split == pytest.approx(united / 2)
    assert credibility(COALITION, n(), True, states(cohesion=0.0), RULES) == 0.0


def test_the_coalitions_credibility_depends_on_the_us_role_in_force():
    """Catches: European credibility independent of the US backstop."""
    dependence = {"none": 0.6, "intel_logistics": 0.7, "monitoring_lead": 0.85, "air_support": 1.0}
    for role, b in dependence.items():
        got = credibility(COALITION, n(foreign_troops=0, us_role=role), True, states(), RULES)
        assert got == pytest.approx(0.3 * 0.9 * b), role


def test_a_disengaged_us_leaves_the_coalition_with_the_backstop_dependence_of_no_us_role():
    """Catches: the agreed US role still backing the coalition after the US has walked away."""
    got = credibility(COALITION, n(foreign_troops=0), True, states(us_engaged=False), RULES)
    assert got == pytest.approx(0.3 * 0.9 * 0.6)


def test_after_expiry_the_force_has_left_and_only_the_residual_share_of_credibility_remains():
    """Catches: the force still counting after expiry, or the guarantee holding in full after it lapses."""
    expired = credibility(COALITION, n(), False, states(), RULES)
    assert expired == pytest.approx(0.3 * 0.9 * 1.0 * 0.3)  # 0.081
    assert expired == pytest.approx(credibility(COALITION, n(foreign_troops=0), True, states(), RULES) * 0.3)


def test_a_guarantor_whose_role_is_none_commits_nothing():
    """Catches: a US with no role in the deal still counted as a guarantor (a positive credibility)."""
    for strength in ("article5_like", "nato_membership"):
        x = n(us_role="none", guarantee_strength=strength, neutrality="nato_open")
        assert credibility(US, x, True, states(), RULES) == 0.0
        assert credibility(US, x, False, states(), RULES) == 0.0


def test_the_us_credibility_is_its_base_credibility_whatever_its_role_level_above_none():
    """Catches: the role level counted twice, in credibility as well as in the role's weight."""
    for role in ("intel_logistics", "monitoring_lead", "air_support", "ground_troops"):
        assert credibility(US, n(us_role=role), True, states(), RULES) == 0.3


def test_the_us_credibility_factors_multiply():
    """Catches: the factors of ratification, engagement and expiry combined other than by product."""
    unratified = rules(actors={"united_states": {"guarantor": {"ratified": False}}})
    assert credibility(US, n(), True, states(), unratified) == pytest.approx(0.3 * 0.6)
    assert credibility(US, n(), True, states(us_engaged=False), RULES) == pytest.approx(0.3 * 0.3)
    got = credibility(US, n(), False, states(us_engaged=False), unratified)
    assert got == pytest.approx(0.3 * 0.6 * 0.3 * 0.3)


def test_credibility_is_clipped_to_one():
    """Catches: a probability of honouring above one from a backstop dependence above one."""
    big = rules(
        actors={
            "coalition": {
                "guarantor": {
                    "credibility": {"article5_like": 0.5},
                    "backstop": {"dependence": {"air_support": 3.0}},
                }
            }
        }
    )
    assert credibility(COALITION, n(foreign_troops=0), True, states(), big) == 1.0  # 0.5 * 0.9 * 3 = 1.35


def test_credibility_is_the_base_credibility_times_the_engagement_multiplier_clipped():
    """Catches: the split of credibility into the terms' part and the engagement's part (which the outlook
    computes once per deal) drifting from credibility itself."""
    big = rules(actors={"coalition": {"guarantor": {"backstop": {"dependence": {"air_support": 3.0}}}}})
    for rs in (RULES, big):
        for x, active, st in itertools.product(pool(30), (True, False), STATES):
            for i, rule in enumerate(rs):
                k = base_credibility(rule, x, active) * engagement_multiplier(i, x, st, rs)
                assert credibility(i, x, active, st, rs) == min(max(k, 0.0), 1.0)


def test_credibility_over_rows_of_packages_equals_the_credibility_of_each_package():
    """Catches: the vectorised path (the anticipation's, over the whole pool) indexing the wrong column or level
    table, or broadcasting the backstop wrongly."""
    rows = pool()
    for active, st in itertools.product((True, False), STATES):
        for i in (US, COALITION):
            vector = credibility(i, rows, active, st, RULES)
            assert isinstance(vector, np.ndarray) and vector.shape == (rows.shape[0],)
            assert vector.tolist() == pytest.approx([credibility(i, x, active, st, RULES) for x in rows])


def test_credibilities_are_in_the_scenarios_order_of_guarantors():
    """Catches: credibilities reported against the wrong guarantor."""
    kappas = credibilities(deal(), True, states(), RULES)
    assert kappas == pytest.approx((0.3, (1 - (1 - 0.3) * (1 - 0.8 * F20K)) * 0.9))


# --- weight and the guarantee --------------------------------------------------------------------------------


def test_what_a_guarantor_brings_is_its_commitment_weight_plus_its_force_and_its_role_weights():
    """Catches: a guarantor's weight missing its force or its role, or the force still weighing after expiry."""
    assert weight(RULES[COALITION], n(), True) == pytest.approx(0.1 + 1.5 * F20K)
    assert weight(RULES[COALITION], n(), False) == pytest.approx(0.1)
    assert weight(RULES[US], n(), True) == 0.2
    assert weight(RULES[US], n(us_role="monitoring_lead"), True) == 0.1
    assert weight(RULES[US], n(), False) == 0.2  # the role agreed stays in the deal


def test_weight_over_rows_of_packages_equals_the_weight_of_each_package():
    """Catches: the vectorised weight taking the wrong column."""
    rows = pool()
    for rule, active in itertools.product(RULES, (True, False)):
        vector = np.broadcast_to(weight(rule, rows, active), (rows.shape[0],))  # a number where no term varies
        assert vector.tolist() == pytest.approx([weight(rule, x, active) for x in rows])


def test_the_guarantee_is_the_sum_of_each_guarantors_credibility_times_its_weight():
    """Catches: guarantors' weights not discounted by their credibility, or a guarantor left out of the sum."""
    kappa_c = (1 - (1 - 0.3) * (1 - 0.8 * F20K)) * 0.9
    expected = 0.3 * 0.2 + kappa_c * (0.1 + 1.5 * F20K)
    assert guarantee(deal(), True, states(), RULES) == pytest.approx(expected)
    expired = 0.3 * 0.3 * 0.2 + 0.3 * 0.9 * 0.3 * 0.1
    assert guarantee(deal(), False, states(), RULES) == pytest.approx(expired)
    assert guarantee(deal(), True, states(), RULES, kappas=(0.5, 0.25)) == pytest.approx(
        0.5 * 0.2 + 0.25 * (0.1 + 1.5 * F20K)
    )


def test_the_guarantee_over_rows_of_packages_equals_the_guarantee_of_each_package():
    """Catches: the anticipation's vectorised guarantee differing from the run's guarantee of the signed deal."""
    rows = pool()
    for active, st in itertools.product((True, False), STATES):
        vector = guarantee(rows, active, st, RULES)
        assert vector.tolist() == pytest.approx([guarantee(Deal(tuple(x)), active, st, RULES) for x in rows])


# --- power after the deal ------------------------------------------------------------------------------------


def test_the_army_term_is_linear_up_to_its_cap():
    """Catches: an uncapped army term (a huge army deterring without bound) or a cap applied too soon."""
    assert army_term(400000, P) == pytest.approx(0.35 * 0.5)
    assert army_term(800000, P) == pytest.approx(0.35)
    assert army_term(2000000, P) == pytest.approx(0.35 * 1.25)
    assert army_term(np.array([0.0, 1e6]), P).tolist() == pytest.approx([0.0, 0.35 * 1.25])


def test_power_starts_where_the_deal_leaves_it_and_tends_to_russias_reconstitution_and_ukraines_funded_army():
    """Catches: power shifting already in the first year of peace, or converging elsewhere than ``rho`` and
    ``f (1 + g)``."""
    power = Power(
        russia_reconstitution=0.4,
        russia_reconstitution_years=3.0,
        ukraine_funding=0.7,
        ukraine_rearmament=0.5,
        ukraine_years=4.0,
    )
    rebuilt, army = power_path(power, 200)
    assert rebuilt.shape == army.shape == (200,)
    assert (rebuilt[0], army[0]) == (0.0, 1.0)
    assert rebuilt[-1] == pytest.approx(0.4)
    assert army[-1] == pytest.approx(0.7 * 1.5)
    t = 6  # year 7
    grown = 1 - math.exp(-t / 4.0)
    assert rebuilt[t] == pytest.approx(0.4 * (1 - math.exp(-t / 3.0)))
    assert army[t] == pytest.approx((0.7 + 0.3 * (1 - grown)) * (1 + 0.5 * grown))
    assert np.all(np.diff(rebuilt[:30]) > 0) and np.all(np.diff(rebuilt) >= 0)


def test_consolidation_is_zero_in_the_first_year_and_grows_to_its_long_run_cost():
    """Catches: a peace that costs Russia its full consolidation from the first day, or never consolidates."""
    psi = consolidation(100, P)
    assert psi[0] == 0.0
    assert psi[5] == pytest.approx(0.2 * (1 - math.exp(-5 / 5.0)))
    assert psi[-1] == pytest.approx(0.2)
    assert np.all(np.diff(psi) > 0)


def test_consolidation_is_a_state_that_steps_at_the_eu_accession_set_back_then_towards_a_higher_level():
    """Catches: a step into the EU that changes nothing (integration inert), that deters without setting the peace
    back in its year (no trigger), or a state equation that drifts from the closed form of a peace without it.
    Unit test of the state equation (docs/MODEL.md 7.8.10)."""
    r, t_a = math.exp(-1 / 5.0), P.accession_years
    closed = consolidation(100, P, 0.0)
    assert closed.tolist() == consolidation(100, P).tolist()
    for iota in (0.5, 1.0):
        psi = consolidation(100, P, iota)
        assert psi[: t_a - 1].tolist() == closed[: t_a - 1].tolist()  # the same peace until the step
        target = 0.2 * (1 + P.integration * iota)
        before = target + r * (psi[t_a - 2] - target)
        assert psi[t_a - 1] == pytest.approx((1 - P.westward_setback * iota) * before)
        assert psi[t_a - 1] < closed[t_a - 1]  # the trigger: the step sets the peace back
        assert psi[t_a] == pytest.approx(target + r * (psi[t_a - 1] - target))
        assert psi[-1] == pytest.approx(target) and psi[-1] > closed[-1]  # the deterrent
    assert not consolidation(100, P).flags.writeable  # shared between runs: read-only


def test_consolidations_give_each_package_the_path_of_its_level_of_eu_membership():
    """Catches: the table's anticipation pricing every package with the closed path (or the wrong level's)."""
    levels = BY_NAME["eu_membership"].levels
    x = np.array([n(eu_membership=lvl) for lvl in (*levels, levels[0])])
    paths = consolidations(x, 50, P)
    assert paths.shape == (50, 4)
    for k, lvl in enumerate((*levels, levels[0])):
        assert paths[:, k].tolist() == consolidation(50, P, levels.index(lvl) / 2).tolist()


def test_a_setback_scales_the_consolidation_of_its_year_keeps_the_past_and_follows_the_state_equation_after():
    """Catches: a setback that rewrites the years before the event, that lasts for ever, or that mutates the path
    it was given (shared by every run)."""
    path = consolidation(50, P, 1.0)
    year, share = 12, 0.3
    after = set_back(path, year, share, P, 1.0)
    assert after[: year - 1].tolist() == path[: year - 1].tolist()
    assert after[year - 1] == pytest.approx((1 - share) * path[year - 1])
    gap = path - after
    assert gap[year:].tolist() == pytest.approx(
        (gap[year - 1] * math.exp(-1 / 5.0) ** np.arange(1, 51 - year)).tolist()
    )
    assert set_back(path, year, 0.0, P, 1.0) is path and set_back(path, 51, share, P, 1.0) is path
    early = set_back(consolidation(50, P, 1.0), 2, share, P, 1.0)  # before the step: the step still comes
    assert early[P.accession_years - 1] < early[P.accession_years - 2] or P.westward_setback == 0


def test_a_guarantor_lapses_when_disengaged_with_a_role_or_split_beyond_its_margin():
    """Catches: two rules for a lapse (the breakdown's cause and the setback of consolidation reading different
    ones), a disengaged US without a role counting as a lapse, or a cohesion at the margin counting as a split."""
    d = Deal.from_mapping(TERMS)
    us, coalition = RULES[US], RULES[COALITION]
    assert lapsed(us, GuarantorState(engaged=False, cohesion=1.0), d)
    assert not lapsed(us, GuarantorState(engaged=True, cohesion=1.0), d)
    assert not lapsed(us, GuarantorState(engaged=False, cohesion=1.0), Deal.from_mapping({**TERMS, "us_role": "none"}))
    margin = coalition.engagement.mean - coalition.engagement.split_margin
    assert lapsed(coalition, GuarantorState(engaged=True, cohesion=margin - 1e-9), d)
    assert not lapsed(coalition, GuarantorState(engaged=True, cohesion=margin), d)


def test_the_structural_balance_is_the_stalemate_plus_the_edge_plus_reconstitution_less_ukraines_army_gain():
    """Catches: a balance that ignores Russia's edge, its reconstitution, or Ukraine's army relative to the army
    the initial balance reflects."""
    years, edge, start = 30, 0.12, 0.1
    rebuilt, path = power_path(POWER, years)
    for army in (600000.0, 800000.0, 1000000.0):
        x = n(ukraine_army=army)
        expected = [
            start + edge + rebuilt[t] - (0.35 * min(army * path[t] / 800000, 1.25) - 0.35) for t in range(years)
        ]
        assert structural_balance(x, edge, start, POWER, P, years).tolist() == pytest.approx(expected)
    at_reference = structural_balance(n(ukraine_army=800000), edge, start, POWER, P, years)
    assert at_reference[0] == pytest.approx(start + edge)


def test_the_structural_balance_has_a_year_axis_a_type_axis_for_types_and_a_package_axis_for_rows():
    """Catches: the shapes the anticipation broadcasts over (packages x types x years) mixed up."""
    types = np.array([-0.2, 0.0, 0.3])
    x = np.asarray(n(), dtype=float)
    rows = pool(5)
    one = structural_balance(x, 0.0, 0.1, POWER, P, 12)
    assert one.shape == (12,)
    per_type = structural_balance(x, types, 0.1, POWER, P, 12)
    assert per_type.shape == (3, 12)
    assert per_type == pytest.approx(one[None, :] + types[:, None])
    grid = structural_balance(rows, types, 0.1, POWER, P, 12)
    assert grid.shape == (5, 3, 12)
    for p, row in enumerate(rows):
        for k, theta in enumerate(types):
            assert grid[p, k] == pytest.approx(structural_balance(row, float(theta), 0.1, POWER, P, 12))
    assert structural_balance(rows, 0.2, 0.1, POWER, P, 12).shape == (5, 12)


def test_the_guarantee_is_in_force_through_its_last_year_and_not_after():
    """Catches: an off-by-one expiry (a 15-year guarantee ending after year 14 or 16), or a drawdown of another
    length than stated."""
    assert (regime_path(15, 20, 0) == 0).tolist() == [True] * 15 + [False] * 5
    assert regime_path(0, 3, 0).tolist() == [1, 1, 1]
    assert regime_path(np.array([1, 2]), 3, 0).T.tolist() == [[0, 1, 1], [0, 0, 1]]
    assert regime_path(3, 7, 2).tolist() == [0, 0, 0, 1, 2, 3, 3]
    assert force_shares(2).tolist() == pytest.approx([1.0, 2 / 3, 1 / 3, 0.0])
    assert force_shares(0).tolist() == [1.0, 0.0]


# --- waiting and the hazard ----------------------------------------------------------------------------------


def brute_force_gain(v: np.ndarray, delta: float) -> np.ndarray:
    """``g_t = max(0, max_{j>t} delta^(j-t) max(V_j, 0) - max(V_t, 0))``, by a double loop."""
    out = np.zeros_like(v)
    for t in range(v.size):
        best = 0.0
        for j in range(t + 1, v.size):
            best = max(best, delta ** (j - t) * max(v[j], 0.0))
        out[t] = max(0.0, best - max(v[t], 0.0))
    return out


FORESIGHTS = (0.0, 0.1, 0.2, 0.2499, 0.25, 0.5, 0.9, 1.0)  # both branches of waiting_gain, and myopia


def test_the_gain_from_waiting_equals_a_brute_force_double_loop():
    """Catches: the running-maximum shortcut (or the small-discount recursion) computing another gain, e.g. an
    undiscounted maximum or a maximum that includes the year itself."""
    rng = np.random.default_rng(0)
    for delta in FORESIGHTS:
        for _ in range(20):
            v = rng.normal(0.0, 0.3, size=int(rng.integers(1, 40)))
            assert waiting_gain(v, delta) == pytest.approx(brute_force_gain(v, delta), abs=1e-12)


def test_the_gain_from_waiting_is_right_where_the_discount_scale_would_underflow():
    """Catches: the scaled running maximum (``delta^-t max_{j>t} delta^j P_j``) dividing by an underflowed
    ``delta^t`` (nan or inf) when foresight is small and the horizon long; it must fall back to the recursion."""
    rng = np.random.default_rng(4)
    v = rng.normal(0.0, 0.3, size=200)
    for delta in (1e-3, 0.02):
        got = waiting_gain(v, delta)
        assert np.all(np.isfinite(got))
        assert got == pytest.approx(brute_force_gain(v, delta), abs=1e-12)


def test_the_gain_from_waiting_treats_the_last_axis_as_the_year():
    """Catches: the running maximum taken over packages or types instead of years."""
    rng = np.random.default_rng(1)
    v = rng.normal(0.0, 0.3, size=(4, 3, 25))
    for delta in (0.1, 0.9):
        got = waiting_gain(v, delta)
        for i, k in itertools.product(range(4), range(3)):
            assert got[i, k] == pytest.approx(brute_force_gain(v[i, k], delta), abs=1e-12)


def test_the_gain_with_the_year_as_first_axis_equals_the_gain_with_the_year_as_last():
    """Catches: the anticipation's layout (years x packages x types) computing another gain than the run's."""
    rng = np.random.default_rng(3)
    v = rng.normal(0.0, 0.3, size=(25, 4, 3))
    for delta in FORESIGHTS:
        first = waiting_gain_by_year(v, delta)
        assert first.shape == v.shape
        assert np.moveaxis(first, 0, -1) == pytest.approx(waiting_gain(np.moveaxis(v, 0, -1), delta), abs=1e-15)


def test_the_gain_in_one_year_equals_the_gain_over_all_years_for_every_year():
    """Catches: the run's yearly gain (gain_at) drifting from the anticipation's (waiting_gain): the parties would
    price another Russia than the one that plays."""
    rng = np.random.default_rng(2)
    for delta in FORESIGHTS:
        v = rng.normal(0.0, 0.3, size=30)
        every = waiting_gain(v, delta)
        assert [gain_at(v, t, delta) for t in range(v.size)] == pytest.approx(every.tolist(), abs=1e-12)


def test_a_negative_future_incentive_is_never_a_reason_to_wait():
    """Catches: a gain computed from signed incentives (``max_j delta V_j - V_t``): a Russia with no reason to
    attack now would count the difference between two losses as a reason to wait."""
    v = np.array([-0.5, -0.1, -0.2, -0.05])
    for delta in FORESIGHTS:
        assert waiting_gain(v, delta).tolist() == [0.0] * 4
        assert [gain_at(v, t, delta) for t in range(4)] == [0.0] * 4
    # Now negative, later positive: the gain is the discounted later incentive, not that plus the loss avoided.
    assert waiting_gain(np.array([-1.0, 0.5]), 0.9).tolist() == pytest.approx([0.45, 0.0])


def test_with_no_foresight_russia_is_myopic():
    """Catches: a gain from waiting with foresight 0."""
    v = np.array([-0.1, 0.2, 0.9, 0.0, 1.5])
    assert waiting_gain(v, 0.0).tolist() == [0.0] * 5
    assert [gain_at(v, t, 0.0) for t in range(5)] == [0.0] * 5


def test_waiting_pays_only_when_a_later_attack_pays_more_discounted_than_attacking_now():
    """Catches: a gain from waiting when attacking now pays more than any later attack."""
    v = np.array([0.5, 0.4, 0.3])
    assert waiting_gain(v, 0.9).tolist() == [0.0, 0.0, 0.0]
    assert waiting_gain(np.array([0.1, 0.5]), 0.9).tolist() == pytest.approx([0.9 * 0.5 - 0.1, 0.0])


def test_the_hazard_is_the_maximum_times_the_logistic_of_the_incentive_less_the_gain_less_the_threshold():
    """Catches: a hazard link of another shape, the gain not subtracted, or not half its maximum at the threshold."""
    h_max, s, theta = P.hazard_max, P.hazard_steepness, P.hazard_threshold
    assert hazard(theta, 0.0, P) == pytest.approx(h_max / 2)
    for v, g in ((0.3, 0.0), (0.3, 0.1), (-0.4, 0.2), (1.0, 0.0)):
        assert hazard(v, g, P) == pytest.approx(h_max / (1 + math.exp(-s * (v - g - theta))))
        assert isinstance(hazard(v, g, P), float)
    assert hazard(-100.0, 0.0, P) == pytest.approx(0.0, abs=1e-15)
    grid = hazard(np.array([0.3, -0.4]), np.array([0.1, 0.2]), P)
    assert grid.tolist() == pytest.approx([hazard(0.3, 0.1, P), hazard(-0.4, 0.2, P)])


def test_one_years_hazard_is_bit_identical_to_the_same_element_of_an_array():
    """Catches: the scalar fast path of the run's yearly choice drifting from the array path of the anticipation
    (another order of operations or another tanh): the talks would price a hazard other than the one played."""
    rng = np.random.default_rng(7)
    v, g = rng.normal(0.0, 0.4, 2000), np.abs(rng.normal(0.0, 0.05, 2000))
    array = hazard(v, g, P)
    assert [hazard(float(a), float(b), P) for a, b in zip(v, g, strict=True)] == array.tolist()


def test_the_hazard_rises_with_the_incentive_and_falls_with_the_gain_from_waiting():
    """Catches: a hazard that a stronger incentive lowers, or that waiting raises."""
    v = np.linspace(-1.0, 1.0, 21)
    assert np.all(np.diff(hazard(v, 0.0, P)) > 0)
    assert np.all(np.diff(hazard(0.2, np.linspace(0.0, 1.0, 11), P)) < 0)


# --- Russia's yearly choice ----------------------------------------------------------------------------------


def by_hand(d: Deal, edge: float, year: int, st: tuple[GuarantorState, ...]) -> dict[str, float]:
    """Russia's yearly calculus from the equations in the module doc, with plain Python loops: the guarantors as
    they are in ``year``, the coalition's cohesion then expected to revert to its mean, and from the next US
    election on the expectation over the US engaged (0.7) or disengaged (0.3)."""
    years = P.horizon_years
    u_ru = COMPILED.utilities(d)[COMPILED.challenger]
    stakes = COMPILED.stakes[COMPILED.challenger]
    k = SCENARIO.war.outcome_steepness
    duration = d.number("duration_years")
    army = d.number("ukraine_army")
    rho, tau_r = POWER.russia_reconstitution, POWER.russia_reconstitution_years
    f, g, tau_u = POWER.ukraine_funding, POWER.ukraine_rearmament, POWER.ukraine_years
    co = SCENARIO.actors["coalition"].guarantor.engagement
    us = SCENARIO.actors["united_states"].guarantor.engagement

    def incentive(t: int, us_engaged: bool) -> tuple[float, float]:
        """Russia's incentive and the balance in year t (1-based), as foreseen in ``year``."""
        ahead = max(t - year, 0)
        c = st[1].cohesion if ahead == 0 else co.mean + (1 - co.reversion) ** ahead * (st[1].cohesion - co.mean)
        s_t = (GuarantorState(us_engaged, 1.0), GuarantorState(st[1].engaged, c))
        active = t <= duration
        kappas = [credibility(i, d.values, active, s_t, RULES) for i in range(2)]
        big_g = sum(kap * weight(r, d.values, active) for kap, r in zip(kappas, RULES, strict=True))
        grown = 1 - math.exp(-(t - 1) / tau_u)
        m = (f + (1 - f) * (1 - grown)) * (1 + g * grown)
        own = 0.35 * min(army * m / 800000, 1.25)
        bt = SCENARIO.war.initial_balance + edge + rho * (1 - math.exp(-(t - 1) / tau_r)) - (own - 0.35) - big_g
        pi = 1 / (1 + math.exp(-k * bt))
        w = stakes.defender_wins + (stakes.challenger_wins - stakes.defender_wins) * pi - stakes.cost
        psi = P.consolidation * (1 - math.exp(-(t - 1) / P.consolidation_years))
        return w - u_ru - psi, bt

    v_t, b_t = incentive(year, st[0].engaged)
    election = 1 + us.every_years * ((year - 1) // us.every_years + 1)  # the next year with a new government
    q = us.disengage_probability
    later = []
    for j in range(year + 1, years + 1):
        if j < election:
            m = max(incentive(j, st[0].engaged)[0], 0.0)
        else:
            m = (1 - q) * max(incentive(j, True)[0], 0.0) + q * max(incentive(j, False)[0], 0.0)
        later.append(P.foresight ** (j - year) * m)
    gain = max(0.0, max(later, default=0.0) - max(v_t, 0.0))
    h = P.hazard_max / (1 + math.exp(-P.hazard_steepness * (v_t - gain - P.hazard_threshold)))
    return {"incentive": v_t, "balance": b_t, "gain": gain, "hazard": h}


def test_the_yearly_calculus_is_the_war_value_at_the_balance_less_the_deal_and_consolidation_through_the_hazard():
    """Catches: the yearly choice built from other parts than ``W_RU(b_t)``, ``U_RU``, ``psi_t``, the guarantee
    in force or expired, the gain from waiting and the hazard (e.g. the edge or the power shift left out)."""
    for d, edge, st in (
        (deal(), 0.0, states()),
        (deal(duration_years=10, foreign_troops=5000), 0.2, states(us_engaged=False, cohesion=0.6)),
        (deal(guarantee_strength="assurances", foreign_troops=0, ukraine_army=600000), -0.3, states()),
    ):
        outlook = COMPILED.outlook(d, edge)
        for year in (1, 2, 9, 10, 11, 15, 16, 30, 50):
            calc = yearly_choice(outlook, year, st, RULES, P)
            expected = by_hand(d, edge, year, st)
            assert calc.incentive_now == pytest.approx(expected["incentive"]), year
            assert calc.balance == pytest.approx(expected["balance"]), year
            assert calc.gain == pytest.approx(expected["gain"], abs=1e-12), year
            assert calc.hazard == pytest.approx(expected["hazard"]), year


def test_the_yearly_calculus_reports_the_credibilities_guarantee_and_war_value_of_its_year():
    """Catches: the record of a year showing the guarantee in force after expiry, or another war value than the
    one the incentive is built from."""
    outlook = COMPILED.outlook(deal(), 0.1)
    for year, active in ((15, True), (16, False)):
        calc = yearly_choice(outlook, year, states(cohesion=0.7), RULES, P)
        assert calc.active is active
        assert calc.credibility == pytest.approx(credibilities(deal(), active, states(cohesion=0.7), RULES))
        assert calc.guarantee == pytest.approx(guarantee(deal(), active, states(cohesion=0.7), RULES))
        stakes = COMPILED.stakes[COMPILED.challenger]
        assert calc.war_value == pytest.approx(war_value(stakes, calc.balance, SCENARIO.war.outcome_steepness))
        psi = consolidation(P.horizon_years, P)[year - 1]
        assert calc.incentive_now == pytest.approx(calc.war_value - outlook.peace_value - psi)


def test_the_yearly_calculus_uses_gain_at_on_the_incentives_of_every_year():
    """Catches: the run's Russia weighing waiting on other incentives than those of its outlook."""
    outlook = COMPILED.outlook(deal(), 0.0)
    for st in (states(), states(us_engaged=False, cohesion=0.6)):
        for year in range(1, P.horizon_years + 1):
            v = incentives(outlook, st, RULES, year)[0]
            assert v.shape == (P.horizon_years,)
            calc = yearly_choice(outlook, year, st, RULES, P)
            assert calc.gain == gain_at(v, year - 1, P.foresight, foreseen_gains(outlook, year, st, RULES))
            assert calc.incentive_now == v[year - 1]


def test_a_more_dissatisfied_russia_has_a_stronger_incentive_to_resume_the_war():
    """Catches: the terms of the deal not feeding Russia's incentive (its value of peace left out)."""
    d = deal()
    base = outlook_of(d, 0.0, 50, RULES, COMPILED.stakes[1], 0.4, 0.1, 4.0, POWER, P, EXPIRY, states())
    unhappy = outlook_of(d, 0.0, 50, RULES, COMPILED.stakes[1], 0.2, 0.1, 4.0, POWER, P, EXPIRY, states())
    a = yearly_choice(base, 1, states(), RULES, P)
    b = yearly_choice(unhappy, 1, states(), RULES, P)
    assert b.incentive_now - a.incentive_now == pytest.approx(0.2)
    assert b.hazard > a.hazard


def test_before_expiry_a_foresighted_russia_holds_back_to_attack_once_the_guarantee_lapses():
    """Catches: a Russia that does not look ahead to the expiry (no gain from waiting before it). US elections
    that cannot change its engagement, so that the expiry is all there is to wait for."""
    c = compile_scenario(
        scenario_from_mapping(
            {"expiry": LAPSE, "actors": {"united_states": {"guarantor": {"engagement": {"disengage_probability": 0}}}}}
        )
    )
    outlook = c.outlook(deal(), 0.0)
    gains = [yearly_choice(outlook, y, states(), c.guarantors, P).gain for y in range(1, 17)]
    assert all(g > 0 for g in gains[:15])
    assert gains[15] == 0.0  # year 16: the guarantee has lapsed, nothing better lies ahead
    assert gains[14] > gains[0]  # the closer the expiry, the more waiting pays


def test_with_no_foresight_the_yearly_choice_is_myopic():
    """Catches: a Russia with foresight 0 still holding back for a later attack."""
    myopic = scenario_from_mapping({"deterrence": {"foresight": 0.0}}).deterrence
    outlook = COMPILED.outlook(deal(), 0.0)
    for year in (1, 14, 15, 16):
        calc = yearly_choice(outlook, year, states(), RULES, myopic)
        assert calc.gain == 0.0
        assert calc.hazard == hazard(calc.incentive_now, 0.0, myopic)


def test_the_outlook_is_computed_once_from_the_deal_the_edge_and_the_power_path():
    """Catches: an outlook whose parts (balance, consolidation, credibility, weights) come from another deal,
    edge or horizon than the one signed."""
    d = deal(duration_years=20)
    o = COMPILED.outlook(d, 0.25)
    assert o.deal == d
    assert o.active.tolist() == (regime_path(20, P.horizon_years, 0) == 0).tolist()
    assert o.structural.tolist() == structural_balance(d.values, 0.25, 0.1, POWER, P, P.horizon_years).tolist()
    assert o.consolidation.tolist() == consolidation(P.horizon_years, P).tolist()
    assert o.base == tuple((base_credibility(r, d.values, True), base_credibility(r, d.values, False)) for r in RULES)
    assert o.weights == tuple((weight(r, d.values, True), weight(r, d.values, False)) for r in RULES)
    assert o.peace_value == COMPILED.utilities(d)[COMPILED.challenger]
    assert o.stakes == COMPILED.stakes[COMPILED.challenger]


def test_a_stronger_guarantee_lowers_russias_hazard_in_the_years_it_is_in_force():
    """Catches: the guarantee moving the balance the wrong way (helping Russia). Russia's value of peace is held
    fixed: it dislikes foreign troops, which the terms' effect on its incentive would mix in."""
    stakes = COMPILED.stakes[COMPILED.challenger]
    strong = outlook_of(deal(foreign_troops=100000), 0.0, 50, RULES, stakes, 0.3, 0.1, 4.0, POWER, P, EXPIRY, states())
    weak = outlook_of(deal(foreign_troops=0), 0.0, 50, RULES, stakes, 0.3, 0.1, 4.0, POWER, P, EXPIRY, states())
    for year in (1, 5, 15):
        a = yearly_choice(strong, year, states(), RULES, P)
        b = yearly_choice(weak, year, states(), RULES, P)
        assert a.guarantee > b.guarantee and a.balance < b.balance and a.incentive_now < b.incentive_now
        assert a.hazard < b.hazard


# --- the cause of a breakdown --------------------------------------------------------------------------------


def test_a_breakdown_after_expiry_is_expired_whatever_else_has_lapsed():
    """Catches: a breakdown after the guarantee lapsed blamed on the US or the coalition."""
    assert classify_breakdown(deal(), False, states(us_engaged=False, cohesion=0.1), RULES) == "expired"


def test_lapses_are_checked_guarantor_by_guarantor_in_the_scenarios_order():
    """Catches: a fixed order of causes (us_disengaged always first) rather than the scenario's."""
    both = states(us_engaged=False, cohesion=0.5)
    assert classify_breakdown(deal(), True, both, RULES) == "us_disengaged"
    assert classify_breakdown(deal(), True, both[::-1], RULES[::-1]) == "coalition_split"


def test_a_disengaged_us_is_the_cause_only_if_it_has_a_role_in_the_deal():
    """Catches: a breakdown blamed on the US walking away from a role it never had."""
    assert classify_breakdown(deal(us_role="none"), True, states(us_engaged=False), RULES) == "deterrence_gap"


def test_a_split_is_cohesion_more_than_the_split_margin_below_the_mean():
    """Catches: any dip in cohesion counted as a split, or none."""
    assert classify_breakdown(deal(), True, states(cohesion=0.65), RULES) == "coalition_split"  # 0.9 - 0.2 = 0.7
    assert classify_breakdown(deal(), True, states(cohesion=0.75), RULES) == "deterrence_gap"


def test_assurances_or_less_with_no_troops_is_no_enforcement():
    """Catches: a Budapest-style deal's breakdown counted as a deterrence gap."""
    for strength in ("none", "assurances"):
        assert classify_breakdown(deal(guarantee_strength=strength, foreign_troops=0), True, states(), RULES) == (
            "no_enforcement"
        )
    assert classify_breakdown(deal(guarantee_strength="assurances"), True, states(), RULES) == "deterrence_gap"
    assert classify_breakdown(deal(guarantee_strength="bilateral_aid", foreign_troops=0), True, states(), RULES) == (
        "deterrence_gap"
    )


def test_causes_are_expired_then_each_lapse_cause_in_order_then_no_enforcement_and_deterrence_gap():
    """Catches: a breakdown cause recorded that the result tables do not list, or listed twice."""
    assert causes(RULES) == ("expired", "us_disengaged", "coalition_split", "no_enforcement", "deterrence_gap")
    assert causes(RULES[::-1]) == ("expired", "coalition_split", "us_disengaged", "no_enforcement", "deterrence_gap")
    assert causes(RULES + RULES) == causes(RULES)
    assert causes(()) == ("expired", "no_enforcement", "deterrence_gap")


# --- Russia's belief about the guarantors' resolve (docs/MODEL.md 7.8.8) ----------------------------------------


def test_resolve_types_are_equally_likely_quantiles_with_mean_one():
    """Catches: a prior over resolve that is biased (Russia right on average is the assumption), or types that do
    not spread with the stated spread."""
    from sim.model.deterrence import resolve_types

    assert resolve_types(0.0) == (1.0,)
    r = np.array(resolve_types(0.5))
    assert r.size == 7 and np.all(np.diff(r) > 0)
    assert r.mean() == pytest.approx(1.0)
    assert np.std(np.log(r)) == pytest.approx(0.5 * np.std([-1.47, -0.79, -0.37, 0, 0.37, 0.79, 1.47]) / 1.0, rel=0.1)


@pytest.mark.parametrize("stated", [0.05, 0.3, 0.9])
def test_an_unanswered_probe_lowers_russias_trust_and_an_answered_one_does_not(stated):
    """Issue 12's must-fail test, the rule: Bayes' rule over the resolve types, each answering with probability
    ``clip(r * stated, 0, 1)``. Wrong models caught: a belief that does not move (``no_learning_from_probes``), one
    that moves the wrong way, or one that moves on the answer's news but not on its size (a guarantor whose
    commitment is worth little proves little by answering)."""
    from sim.model.deterrence import resolve_types, trust_of, update_trust

    r = resolve_types(0.5)
    prior = np.full(len(r), 1 / len(r))
    t0 = trust_of(prior, r)
    answered = update_trust(prior, r, stated, True)
    unanswered = update_trust(prior, r, stated, False)
    assert trust_of(unanswered, r) < t0 < trust_of(answered, r)
    assert answered.sum() == pytest.approx(1.0) and unanswered.sum() == pytest.approx(1.0)
    # by hand: the posterior mean is sum r p(r) / sum p(r)
    p = np.clip(np.array(r) * stated, 0, 1)
    assert trust_of(answered, r) == pytest.approx(float((np.array(r) * p).sum() / p.sum()))
    # two unanswered probes lower it further
    assert trust_of(update_trust(unanswered, r, stated, False), r) < trust_of(unanswered, r)


def test_a_known_resolve_leaves_nothing_to_learn():
    from sim.model.deterrence import update_trust

    w = np.array([1.0])
    assert update_trust(w, (1.0,), 0.3, False).tolist() == [1.0]
    assert update_trust(w, (1.0,), 0.0, True).tolist() == [1.0]  # a probe no one could answer proves nothing


def test_russias_trust_scales_the_credibility_in_its_calculus():
    """Catches: a calculus that ignores Russia's belief (the credibility it acts on is the true one). Half the trust
    halves every guarantor's credibility as Russia counts it, lowers the guarantors' expected weight and raises the
    hazard."""
    from tests.helpers import FIXED_PACKAGE

    c = compile_scenario(scenario_from_mapping({}))
    deal = Deal.from_mapping(FIXED_PACKAGE)
    o = c.outlook(deal)
    states = tuple(r.initial_state() for r in c.guarantors)
    doubted = tuple(s._replace(trust=0.5) for s in states)
    full = yearly_choice(o, 1, states, c.guarantors, c.scenario.deterrence)
    half = yearly_choice(o, 1, doubted, c.guarantors, c.scenario.deterrence)
    for k_full, k_half in zip(full.credibility, half.credibility, strict=True):
        assert k_half == pytest.approx(0.5 * k_full)
    assert half.guarantee < full.guarantee and half.hazard > full.hazard


def test_a_terms_ends_fall_on_its_multiples_and_the_renewal_rule_stops_at_the_first_refusal():
    """Catches: a table of a term's ends that counts the signing year (t = 0) as an end, misses the later ends, or
    gives other ends when the terms and the start are one array (the anticipation's case) than when they are
    equal copies; a renewal rule that renews past a refusal or ignores a package's own term."""
    years = 40
    term = np.array([0, 7, 15, 41])
    t, k = renewal_dates(term, years)
    assert sorted(zip(k.tolist(), t.tolist(), strict=True)) == [
        (1, 7),
        (1, 14),
        (1, 21),
        (1, 28),
        (1, 35),
        (2, 15),
        (2, 30),
    ]
    averted = np.full((years, term.size), 0.5)
    averted[28, 1] = 0.0  # the guarantors of the second package refuse at its fourth end
    one, copies = (
        projected_expiry(averted, 0.1, term, term, True),
        projected_expiry(averted, 0.1, term, term.copy(), True),
    )
    assert one.tolist() == copies.tolist() == [0, 28, years + 15, years + 41]
