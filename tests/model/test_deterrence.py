"""The years after a deal (sim/model/deterrence.py): each guarantor's credibility, deterrence, Russia's motive, the
hazard with the option of waiting for expiry, and the cause of a breakdown (docs/MODEL.md 7.8).

The guarantors are the default scenario's, compiled: ``united_states`` (index 0; role ``us_role``, elections) and
``coalition`` (index 1; the force, a US backstop, cohesion). Parameters used in the hand computations (from
sim/data/defaults.yaml): credibility article5_like 0.3, nato_membership 0.45; force half 40,000, weight 1.5,
presence credibility 0.8; coalition commitment weight 0.1; US role weight air_support 0.2; backstop dependence
none 0.6, monitoring_lead 0.85, air_support 1.0; unratified 0.6; disengaged 0.3; expiry residual 0.3.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from sim.config.scenario import scenario_from_mapping
from sim.dealspace import Deal
from sim.model.compiled import compile_scenario
from sim.model.deterrence import (
    GuarantorRule,
    GuarantorState,
    causes,
    classify_breakdown,
    credibilities,
    credibility,
    deterrence,
    force_weight,
    hazard,
    logistic,
    motive,
    weight,
    yearly_choice,
)

SCENARIO = scenario_from_mapping({})
RULES = compile_scenario(SCENARIO).guarantors
P = SCENARIO.deterrence
US, COALITION = 0, 1

TERMS = {
    "guarantee_strength": "article5_like",
    "foreign_troops": 20000,
    "duration_years": 15,
    "us_role": "air_support",
    "ukraine_army": 800000,
    "territory": "dmz",
    "neutrality": "neutral",
    "sanctions_relief": 1.0,
}
F20K = 20000 / (20000 + 40000)


def deal(**changes: Any) -> Deal:
    return Deal.from_mapping({**TERMS, **changes})


def states(us_engaged: bool = True, cohesion: float = 0.9) -> tuple[GuarantorState, GuarantorState]:
    return GuarantorState(engaged=us_engaged, cohesion=1.0), GuarantorState(engaged=True, cohesion=cohesion)


def rules(**changes: Any) -> tuple[GuarantorRule, ...]:
    return compile_scenario(scenario_from_mapping(changes)).guarantors


# --- compiling a guarantor -----------------------------------------------------------------------------------


def test_a_guarantors_section_compiles_to_values_per_level_in_level_order():
    """Wrong model caught: values looked up by the wrong level (the mapping's order, not the issue's)."""
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
    """Wrong model caught: ratification ignored, or the factor applied to a ratified commitment."""
    assert rules(actors={"united_states": {"guarantor": {"ratified": False}}})[US].ratification == 0.6


def test_a_guarantor_starts_engaged_at_its_mean_cohesion_and_its_engagement_factor_follows_its_kind():
    """Wrong model caught: a disengaged US or a cohesion other than the coalition's counted at full strength."""
    us, coalition = RULES
    assert us.initial_state() == GuarantorState(True, 1.0)
    assert coalition.initial_state() == GuarantorState(True, 0.9)
    assert us.engagement_factor(GuarantorState(True, 1.0)) == 1.0
    assert us.engagement_factor(GuarantorState(False, 1.0)) == 0.3
    assert coalition.engagement_factor(GuarantorState(True, 0.55)) == 0.55


# --- capability ---------------------------------------------------------------------------------------------


def test_force_weight_is_troops_over_troops_plus_the_half_troops():
    """Wrong model caught: a force weight linear in troops, which would make a tripwire worth its headcount."""
    assert force_weight(0.0, 40000) == 0.0
    assert force_weight(40000.0, 40000) == 0.5
    assert force_weight(20000.0, 40000) == 20000 / 60000
    assert force_weight(5000.0, 40000) == 5000 / 45000  # a tripwire: about a ninth of full weight
    assert force_weight(10000.0, 40000) - force_weight(5000.0, 40000) > force_weight(105000.0, 40000) - force_weight(
        100000.0, 40000
    )  # concave: each troop adds less than the one before
    assert force_weight(-1.0, 40000) == 0.0


# --- credibility --------------------------------------------------------------------------------------------


def test_the_coalitions_credibility_adds_the_presence_of_its_troops_to_its_base_credibility():
    """Wrong model caught: troops on the ground not raising the credibility of the guarantor that fields them."""
    expected = (1 - (1 - 0.3) * (1 - 0.8 * F20K)) * 0.9 * 1.0  # worked example: 0.438
    assert credibility(COALITION, deal(), True, states(), RULES) == pytest.approx(expected)
    assert credibility(COALITION, deal(foreign_troops=0), True, states(), RULES) == pytest.approx(0.3 * 0.9)


def test_the_coalitions_credibility_is_proportional_to_its_cohesion():
    """Wrong model caught: a split coalition as credible as a united one."""
    united = credibility(COALITION, deal(), True, states(cohesion=0.9), RULES)
    split = credibility(COALITION, deal(), True, states(cohesion=0.45), RULES)
    assert split == pytest.approx(united / 2)
    assert credibility(COALITION, deal(), True, states(cohesion=0.0), RULES) == 0.0


def test_the_coalitions_credibility_depends_on_the_us_role_in_force():
    """Wrong model caught: European credibility independent of the US backstop."""
    dependence = {"none": 0.6, "intel_logistics": 0.7, "monitoring_lead": 0.85, "air_support": 1.0}
    for role, b in dependence.items():
        got = credibility(COALITION, deal(foreign_troops=0, us_role=role), True, states(), RULES)
        assert got == pytest.approx(0.3 * 0.9 * b), role


def test_a_disengaged_us_leaves_the_coalition_with_the_backstop_dependence_of_no_us_role():
    """Wrong model caught: the agreed US role still backing the coalition after the US has walked away."""
    got = credibility(COALITION, deal(foreign_troops=0), True, states(us_engaged=False), RULES)
    assert got == pytest.approx(0.3 * 0.9 * 0.6)


def test_after_expiry_the_force_has_left_and_only_the_residual_share_of_credibility_remains():
    """Wrong model caught: the force still counts after expiry, or the guarantee holds in full after it lapses."""
    expired = credibility(COALITION, deal(), False, states(), RULES)
    assert expired == pytest.approx(0.3 * 0.9 * 1.0 * 0.3)  # worked example: 0.081
    assert expired == pytest.approx(credibility(COALITION, deal(foreign_troops=0), True, states(), RULES) * 0.3)


def test_a_guarantor_whose_role_is_none_commits_nothing():
    """Wrong model caught: a US with no role in the deal still counted as a guarantor (a positive credibility)."""
    for strength in ("article5_like", "nato_membership"):
        d = deal(us_role="none", guarantee_strength=strength, neutrality="nato_open")
        assert credibility(US, d, True, states(), RULES) == 0.0


def test_the_us_credibility_is_its_base_credibility_whatever_its_role_level_above_none():
    """Wrong model caught: the role level counted twice, in credibility as well as in the role's weight."""
    for role in ("intel_logistics", "monitoring_lead", "air_support", "ground_troops"):
        assert credibility(US, deal(us_role=role), True, states(), RULES) == 0.3


def test_an_unratified_us_commitment_is_discounted_by_the_unratified_factor():
    """Wrong model caught: an executive promise as credible as a treaty voted by Congress."""
    unratified = rules(actors={"united_states": {"guarantor": {"ratified": False}}})
    assert credibility(US, deal(), True, states(), unratified) == pytest.approx(0.3 * 0.6)


def test_a_disengaged_us_is_discounted_by_the_disengaged_factor():
    """Wrong model caught: an election that brings a disengaged government changing nothing."""
    assert credibility(US, deal(), True, states(us_engaged=False), RULES) == pytest.approx(0.3 * 0.3)


def test_the_us_credibility_factors_multiply():
    """Wrong model caught: the factors of ratification, engagement and expiry combined other than by product."""
    unratified = rules(actors={"united_states": {"guarantor": {"ratified": False}}})
    got = credibility(US, deal(), False, states(us_engaged=False), unratified)
    assert got == pytest.approx(0.3 * 0.6 * 0.3 * 0.3)


def test_credibility_is_clipped_to_one():
    """Wrong model caught: a probability of honouring above one from a backstop dependence above one."""
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
    assert credibility(COALITION, deal(foreign_troops=0), True, states(), big) == 1.0  # 0.5 * 0.9 * 3 = 1.35


def test_credibilities_are_in_the_scenarios_order_of_guarantors():
    """Wrong model caught: credibilities reported against the wrong guarantor."""
    kappas = credibilities(deal(), True, states(), RULES)
    assert kappas == pytest.approx((0.3, (1 - (1 - 0.3) * (1 - 0.8 * F20K)) * 0.9))


# --- deterrence ---------------------------------------------------------------------------------------------


def test_what_a_guarantor_brings_is_its_commitment_weight_plus_its_force_and_its_role_weights():
    """Wrong model caught: a guarantor's deterrence weight missing its force or its role."""
    assert weight(RULES[COALITION], deal(), True) == pytest.approx(0.1 + 1.5 * F20K)
    assert weight(RULES[US], deal(), True) == 0.2
    assert weight(RULES[US], deal(us_role="monitoring_lead"), True) == 0.1


def test_deterrence_is_the_capped_army_term_plus_each_guarantors_credibility_times_its_weight():
    """Wrong model caught: guarantors' weights not discounted by their credibility (the worked example's D = 0.673)."""
    kappa_c = (1 - (1 - 0.3) * (1 - 0.8 * F20K)) * 0.9
    expected = 0.35 * (800000 / 800000) + kappa_c * (0.1 + 1.5 * F20K) + 0.3 * 0.2
    assert deterrence(deal(), True, states(), RULES, P) == pytest.approx(expected)
    assert expected == pytest.approx(0.6728)


def test_the_army_term_is_linear_up_to_its_cap():
    """Wrong model caught: an uncapped army term (a huge army deterring without bound) or a cap applied too soon."""

    def army_only(army: float) -> Deal:  # no guarantee, no troops, no US role: every credibility is 0
        return deal(us_role="none", guarantee_strength="none", foreign_troops=0, ukraine_army=army)

    for army, term in ((400000, 0.35 * 0.5), (1000000, 0.35 * 1.25)):
        assert deterrence(army_only(army), True, states(), RULES, P) == pytest.approx(term)
    capped = scenario_from_mapping({"deterrence": {"army_cap": 1.0}}).deterrence
    assert deterrence(army_only(1000000), True, states(), RULES, capped) == pytest.approx(0.35 * 1.0)


def test_the_force_leaves_at_expiry_so_deterrence_falls_to_the_residual_commitments():
    """Wrong model caught: the force's weight still deterring after the guarantee has expired."""
    expected = 0.35 + (0.3 * 0.9 * 0.3) * 0.1 + (0.3 * 0.3) * 0.2  # worked example year 16: 0.376
    assert deterrence(deal(), False, states(), RULES, P) == pytest.approx(expected)


def test_a_disengaged_us_still_weighs_its_agreed_role_but_at_its_lower_credibility():
    """Wrong model caught: disengagement acting through the role weight instead of through credibility."""
    kappa_c = (1 - (1 - 0.3) * (1 - 0.8 * F20K)) * 0.9 * 0.6
    expected = 0.35 + kappa_c * (0.1 + 1.5 * F20K) + (0.3 * 0.3) * 0.2
    assert deterrence(deal(), True, states(us_engaged=False), RULES, P) == pytest.approx(expected)


def test_deterrence_uses_credibilities_passed_in():
    """Wrong model caught: deterrence ignoring the credibilities computed for this state."""
    expected = 0.35 + 0.5 * 0.2 + 0.25 * (0.1 + 1.5 * F20K)
    assert deterrence(deal(), True, states(), RULES, P, kappas=(0.5, 0.25)) == pytest.approx(expected)


# --- motive and hazard ---------------------------------------------------------------------------------------


def test_the_motive_starts_at_base_plus_dissatisfaction_and_decays_to_its_floor():
    """Wrong model caught: a motive that does not fade as peace consolidates, or fades to nothing."""
    u = 0.36
    m0 = 0.6 + 0.2 * (1 - u)
    assert motive(1, u, P) == pytest.approx(m0)
    assert motive(6, u, P) == pytest.approx(m0 * (0.6 + 0.4 * math.exp(-1)))
    assert motive(500, u, P) == pytest.approx(m0 * 0.6)
    path = [motive(y, u, P) for y in range(1, 51)]
    assert all(a > b for a, b in zip(path, path[1:], strict=False))


def test_a_more_dissatisfied_russia_has_a_stronger_motive():
    """Wrong model caught: the terms of the deal not feeding Russia's motive to resume the war."""
    assert motive(1, 0.2, P) - motive(1, 0.8, P) == pytest.approx(0.2 * 0.6)


def test_the_hazard_is_the_maximum_times_the_logistic_of_the_net_incentive_over_the_threshold():
    """Wrong model caught: a hazard link of another shape, or not half its maximum at the threshold."""
    assert hazard(0.4, None, P) == 0.3 * 0.5
    assert hazard(0.6, None, P) == pytest.approx(0.3 / (1 + math.exp(-5 * (0.6 - 0.4))))
    assert hazard(-10.0, None, P) < 1e-20


def test_waiting_for_expiry_lowers_the_hazard_only_when_it_pays_more_than_attacking_now():
    """Wrong model caught: a patient Russia holding back although waiting pays less than attacking now."""
    now = hazard(0.3, None, P)
    gain = 0.1
    assert hazard(0.3, 0.3 + gain, P) == pytest.approx(now * (1 - 0.8 * (1 - math.exp(-5 * gain))))
    assert hazard(0.3, 0.3, P) == now
    assert hazard(0.3, 0.1, P) == now


def test_a_myopic_russia_ignores_the_option_of_waiting():
    """Wrong model caught: wait_weight 0 still suppressing the hazard."""
    myopic = scenario_from_mapping({"deterrence": {"wait_weight": 0.0}}).deterrence
    assert hazard(0.3, 1.0, myopic) == hazard(0.3, None, myopic)


def test_logistic_is_safe_for_large_arguments():
    """Wrong model caught: an OverflowError in the hazard for a very negative net incentive."""
    assert logistic(0.0) == 0.5
    assert logistic(2.0) == pytest.approx(1 / (1 + math.exp(-2.0)))
    assert logistic(-2.0) == pytest.approx(1 / (1 + math.exp(2.0)))
    assert logistic(-1000.0) == 0.0
    assert logistic(1000.0) == 1.0


# --- Russia's yearly choice ----------------------------------------------------------------------------------


def test_the_guarantee_is_active_through_its_last_year_and_not_after():
    """Wrong model caught: an off-by-one expiry (a 15-year guarantee ending after year 14 or 16)."""
    assert yearly_choice(deal(), 15, states(), RULES, P, 0.36).active is True
    assert yearly_choice(deal(), 16, states(), RULES, P, 0.36).active is False


def test_while_active_and_expiring_within_the_horizon_russia_weighs_attacking_after_expiry():
    """Wrong model caught: a waiting option that is not discounted, or evaluated with the force still present."""
    u, year = 0.36, 3
    calc = yearly_choice(deal(), year, states(), RULES, P, u)
    d_expired = 0.35 + (0.3 * 0.9 * 0.3) * 0.1 + (0.3 * 0.3) * 0.2
    m_expiry = (0.6 + 0.2 * (1 - u)) * (0.6 + 0.4 * math.exp(-(16 - 1) / 5))
    assert calc.incentive_wait == pytest.approx(0.9 ** (16 - year) * (m_expiry - d_expired))


def test_there_is_no_waiting_option_after_expiry_or_when_the_guarantee_outlasts_the_horizon():
    """Wrong model caught: Russia waiting for an expiry that has passed or that falls beyond the simulated years."""
    assert yearly_choice(deal(), 16, states(), RULES, P, 0.36).incentive_wait is None
    assert yearly_choice(deal(duration_years=50), 1, states(), RULES, P, 0.36).incentive_wait is None
    assert yearly_choice(deal(duration_years=49), 1, states(), RULES, P, 0.36).incentive_wait is not None


def test_the_yearly_calculus_is_motive_less_deterrence_through_the_hazard():
    """Wrong model caught: the yearly choice built from other parts than M, D, the waiting option and the hazard."""
    u, year = 0.5, 4
    calc = yearly_choice(deal(), year, states(cohesion=0.8), RULES, P, u)
    kappa_c = (1 - (1 - 0.3) * (1 - 0.8 * F20K)) * 0.8
    d = 0.35 + kappa_c * (0.1 + 1.5 * F20K) + 0.3 * 0.2
    m = (0.6 + 0.2 * (1 - u)) * (0.6 + 0.4 * math.exp(-(year - 1) / 5))
    d_exp = 0.35 + (0.3 * 0.8 * 0.3) * 0.1 + (0.3 * 0.3) * 0.2
    v_wait = 0.9 ** (16 - year) * ((0.6 + 0.2 * (1 - u)) * (0.6 + 0.4 * math.exp(-15 / 5)) - d_exp)
    h = 0.3 / (1 + math.exp(-5 * (m - d - 0.4)))
    if v_wait > m - d:
        h *= 1 - 0.8 * (1 - math.exp(-5 * (v_wait - (m - d))))
    assert calc.credibility == pytest.approx((0.3, kappa_c))
    assert calc.deterrence == pytest.approx(d)
    assert calc.motive == pytest.approx(m)
    assert calc.incentive_now == pytest.approx(m - d)
    assert calc.incentive_wait == pytest.approx(v_wait)
    assert calc.hazard == pytest.approx(h)


def test_the_worked_example_of_the_model_description_is_reproduced():
    """Wrong model caught: the code drifting from the worked example of docs/MODEL.md 7.8.6 (to three decimals)."""
    u_ru = 0.361  # Russia's utility of the example's deal, as the example states it
    y1 = yearly_choice(deal(), 1, states(), RULES, P, u_ru)
    assert y1.credibility == pytest.approx((0.300, 0.438), abs=5e-4)
    assert (y1.deterrence, y1.motive, y1.incentive_now) == pytest.approx((0.673, 0.728, 0.055), abs=5e-4)
    assert (y1.incentive_wait, y1.hazard) == pytest.approx((0.015, 0.045), abs=5e-4)
    y16 = yearly_choice(deal(), 16, states(), RULES, P, u_ru)
    assert y16.credibility == pytest.approx((0.090, 0.081), abs=5e-4)
    assert (y16.deterrence, y16.motive, y16.hazard) == pytest.approx((0.376, 0.451, 0.049), abs=5e-4)


# --- the cause of a breakdown -------------------------------------------------------------------------------


def test_a_breakdown_after_expiry_is_expired_whatever_else_has_lapsed():
    """Wrong model caught: a breakdown after the guarantee lapsed blamed on the US or the coalition."""
    assert classify_breakdown(deal(), False, states(us_engaged=False, cohesion=0.1), RULES) == "expired"


def test_lapses_are_checked_guarantor_by_guarantor_in_the_scenarios_order():
    """Wrong model caught: a fixed order of causes (us_disengaged always first) rather than the scenario's."""
    both = states(us_engaged=False, cohesion=0.5)
    assert classify_breakdown(deal(), True, both, RULES) == "us_disengaged"
    assert classify_breakdown(deal(), True, both[::-1], RULES[::-1]) == "coalition_split"


def test_a_disengaged_us_is_the_cause_only_if_it_has_a_role_in_the_deal():
    """Wrong model caught: a breakdown blamed on the US walking away from a role it never had."""
    d = deal(us_role="none")
    assert classify_breakdown(d, True, states(us_engaged=False), RULES) == "deterrence_gap"


def test_a_split_is_cohesion_more_than_the_split_margin_below_the_mean():
    """Wrong model caught: any dip in cohesion counted as a split, or none."""
    assert classify_breakdown(deal(), True, states(cohesion=0.65), RULES) == "coalition_split"  # 0.9 - 0.2 = 0.7
    assert classify_breakdown(deal(), True, states(cohesion=0.75), RULES) == "deterrence_gap"


def test_assurances_or_less_with_no_troops_is_no_enforcement():
    """Wrong model caught: a Budapest-style deal's breakdown counted as a deterrence gap."""
    for strength in ("none", "assurances"):
        assert classify_breakdown(deal(guarantee_strength=strength, foreign_troops=0), True, states(), RULES) == (
            "no_enforcement"
        )
    assert classify_breakdown(deal(guarantee_strength="assurances"), True, states(), RULES) == "deterrence_gap"
    assert classify_breakdown(deal(guarantee_strength="bilateral_aid", foreign_troops=0), True, states(), RULES) == (
        "deterrence_gap"
    )


def test_causes_are_expired_then_each_lapse_cause_in_order_then_no_enforcement_and_deterrence_gap():
    """Wrong model caught: a breakdown cause recorded that the result tables do not list, or listed twice."""
    assert causes(RULES) == ("expired", "us_disengaged", "coalition_split", "no_enforcement", "deterrence_gap")
    assert causes(RULES[::-1]) == ("expired", "coalition_split", "us_disengaged", "no_enforcement", "deterrence_gap")
    assert causes(RULES + RULES) == causes(RULES)
    assert causes(()) == ("expired", "no_enforcement", "deterrence_gap")
