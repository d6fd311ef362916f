"""Who wants what (sim/model/preferences.py): satisfaction, salience, red lines and utility (docs/MODEL.md 7.2).

``U(x) = [sum_k w_k exp(-((n_k(x) - ideal_k) / tol_k)^2)] * prod_j (1 - penalty_j v_j(x))``; a crossed hard red
line makes ``x`` unacceptable. The expected values below are computed from that equation by hand.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.config.scenario import scenario_from_mapping
from sim.dealspace import BY_NAME, ISSUE_INDEX, ISSUE_NAMES, normalise_matrix
from sim.model.preferences import Preferences, RedLine, preferences_of

SCENARIO = scenario_from_mapping({})

# A party that cares about two issues only: guarantee strength (ideal nato_membership, tolerance 0.5) and
# sanctions relief (ideal 0, tolerance 0.4), with equal raw saliences 3 and 3.
IDEAL = {
    "guarantee_strength": "nato_membership",
    "foreign_troops": 0,
    "duration_years": 0,
    "us_role": "none",
    "ukraine_army": 0,
    "territory": "freeze",
    "neutrality": "nato_open",
    "eu_membership": "closed",
    "sanctions_relief": 0.0,
}
SALIENCE = {n: 0.0 for n in ISSUE_NAMES} | {"guarantee_strength": 3.0, "sanctions_relief": 3.0}
TOLERANCE = {n: 1.0 for n in ISSUE_NAMES} | {"guarantee_strength": 0.5, "sanctions_relief": 0.4}


def numbers(**terms: str | float) -> np.ndarray:
    """One package as a 1-row matrix of numeric natural values: IDEAL with changes."""
    t = {**IDEAL, **terms}
    return np.array([[BY_NAME[n].to_number(t[n]) for n in ISSUE_NAMES]])


def two_issue(red_lines: tuple[RedLine, ...] = ()) -> Preferences:
    return Preferences.from_spec(IDEAL, SALIENCE, TOLERANCE, red_lines)


def utility(prefs: Preferences, x: np.ndarray) -> float:
    return float(prefs.utility(x, normalise_matrix(x))[0])


# --- satisfaction and salience -------------------------------------------------------------------------


def test_satisfaction_is_one_at_the_ideal():
    """Catches: a satisfaction curve that does not peak at the party's ideal point."""
    prefs = two_issue()
    x = numbers()
    assert prefs.satisfaction(normalise_matrix(x)).tolist() == [[1.0] * 9]
    assert utility(prefs, x) == 1.0


def test_satisfaction_is_one_over_e_at_one_tolerance_from_the_ideal():
    """Catches: tolerance read as a standard deviation (exp(-d^2/2)) or as a linear fall-off."""
    prefs = two_issue()
    # strength bilateral_aid (n = 0.5) is 0.5 below the ideal 1.0, one tolerance (0.5); the army at its maximum
    # (n = 1.0) is one tolerance (1.0) above the ideal 0.
    s = prefs.satisfaction(normalise_matrix(numbers(guarantee_strength="bilateral_aid", ukraine_army=1_000_000)))[0]
    assert s[ISSUE_INDEX["guarantee_strength"]] == pytest.approx(math.exp(-1.0))
    assert s[ISSUE_INDEX["ukraine_army"]] == pytest.approx(math.exp(-1.0))


def test_satisfaction_is_symmetric_about_the_ideal():
    """Catches: an asymmetric satisfaction (going past the ideal costing nothing)."""
    prefs = Preferences.from_spec(IDEAL | {"duration_years": 50}, SALIENCE, TOLERANCE)
    s = prefs.satisfaction(normalise_matrix(np.vstack([numbers(duration_years=30), numbers(duration_years=70)])))
    k = ISSUE_INDEX["duration_years"]
    assert s[0, k] == pytest.approx(s[1, k])
    assert s[0, k] == pytest.approx(math.exp(-((0.2 / 1.0) ** 2)))


def test_saliences_are_divided_by_their_sum():
    """Catches: raw saliences used as weights, so that utility can exceed one."""
    prefs = two_issue()
    expected = [0.5 if n in ("guarantee_strength", "sanctions_relief") else 0.0 for n in ISSUE_NAMES]
    assert prefs.salience.tolist() == expected


def test_all_zero_saliences_are_an_error():
    """Catches: a party with no weight on any issue, whose utility would be 0/0."""
    with pytest.raises(ValueError, match="zero"):
        Preferences.from_spec(IDEAL, {n: 0.0 for n in ISSUE_NAMES}, TOLERANCE)


def test_utility_is_the_salience_weighted_sum_of_satisfactions():
    """Catches: utility as a product or a minimum of satisfactions instead of a weighted sum."""
    prefs = two_issue()
    x = numbers(guarantee_strength="bilateral_aid", sanctions_relief=0.2)
    # strength: n = 0.5, ideal 1.0, tol 0.5 -> exp(-1); sanctions: n = 0.2, ideal 0, tol 0.4 -> exp(-0.25)
    expected = 0.5 * math.exp(-1.0) + 0.5 * math.exp(-0.25)
    assert utility(prefs, x) == pytest.approx(expected)


def test_ideals_in_natural_units_are_normalised():
    """Catches: ideals stored as counts or level names rather than points of the normalised space."""
    prefs = Preferences.from_spec(IDEAL | {"foreign_troops": 20000, "duration_years": 15}, SALIENCE, TOLERANCE)
    assert prefs.ideal[ISSUE_INDEX["guarantee_strength"]] == 1.0
    assert prefs.ideal[ISSUE_INDEX["foreign_troops"]] == pytest.approx(math.log1p(20) / math.log1p(300))
    assert prefs.ideal[ISSUE_INDEX["duration_years"]] == 0.15
    assert prefs.ideal[ISSUE_INDEX["territory"]] == 1.0


# --- red lines ------------------------------------------------------------------------------------------


def test_a_red_line_above_is_crossed_strictly_above_its_value():
    """Catches: a line 'above 0 troops' crossed by a package with no troops."""
    line = RedLine("foreign_troops", above=0.0)
    rows = np.vstack([numbers(foreign_troops=0), numbers(foreign_troops=500), numbers(foreign_troops=20000)])
    assert line.crossed(rows).tolist() == [False, True, True]


def test_a_red_line_below_is_crossed_strictly_below_its_value():
    """Catches: a line 'below article5_like' crossed by article5_like itself."""
    line = RedLine("guarantee_strength", below=3.0)
    rows = np.vstack([numbers(guarantee_strength=lv) for lv in BY_NAME["guarantee_strength"].levels])
    assert line.crossed(rows).tolist() == [True, True, True, False, False]


def test_a_red_line_with_both_bounds_is_crossed_outside_them():
    """Catches: a two-sided line that only checks one of its bounds."""
    line = RedLine("duration_years", above=30.0, below=10.0)
    rows = np.vstack([numbers(duration_years=d) for d in (5, 10, 20, 30, 40)])
    assert line.crossed(rows).tolist() == [True, False, False, False, True]


def test_a_crossed_soft_red_line_multiplies_utility_by_one_minus_its_penalty():
    """Catches: a soft red line subtracting its penalty, or applied when not crossed."""
    soft = RedLine("guarantee_strength", below=3.0, penalty=0.7)
    plain, lined = two_issue(), two_issue((soft,))
    crossed = numbers(guarantee_strength="bilateral_aid", sanctions_relief=0.2)
    kept = numbers(guarantee_strength="article5_like", sanctions_relief=0.2)
    assert utility(lined, crossed) == pytest.approx(utility(plain, crossed) * (1.0 - 0.7))
    assert utility(lined, kept) == utility(plain, kept)


def test_two_crossed_soft_red_lines_multiply():
    """Catches: penalties added (0.7 + 0.3 would wipe utility out) instead of multiplied."""
    lines = (RedLine("guarantee_strength", below=3.0, penalty=0.7), RedLine("sanctions_relief", above=0.1, penalty=0.3))
    x = numbers(guarantee_strength="bilateral_aid", sanctions_relief=0.2)
    assert utility(two_issue(lines), x) == pytest.approx(utility(two_issue(), x) * 0.3 * 0.7)


def test_a_crossed_hard_red_line_makes_a_package_unacceptable_but_leaves_its_utility():
    """Catches: a hard red line treated as a penalty (the package still tradeable) or as zero utility."""
    hard = RedLine("guarantee_strength", below=3.0, hard=True)
    prefs = two_issue((hard,))
    rows = np.vstack([numbers(guarantee_strength="bilateral_aid"), numbers(guarantee_strength="article5_like")])
    assert prefs.acceptable(rows).tolist() == [False, True]
    n = normalise_matrix(rows)
    assert prefs.utility(rows, n).tolist() == two_issue().utility(rows, n).tolist()


def test_soft_red_lines_never_make_a_package_unacceptable():
    """Catches: a soft red line vetoing packages."""
    prefs = two_issue((RedLine("guarantee_strength", below=3.0, penalty=0.9),))
    assert prefs.acceptable(numbers(guarantee_strength="none")).tolist() == [True]


# --- a party's scenario section -------------------------------------------------------------------------


def test_preferences_of_reads_a_partys_ideals_saliences_and_tolerances():
    """Catches: another party's section, or the raw natural ideals, used for a party."""
    prefs = preferences_of(SCENARIO.actors["russia"])
    # Russia (defaults.yaml): assurances, 0 troops, 0 years, monitoring_lead, army 0, donetsk_withdrawal, neutral,
    # closed, 1.0
    assert prefs.ideal.tolist() == [0.25, 0.0, 0.0, 0.5, 0.0, 0.0, 1.0, 0.0, 1.0]
    raw = [0.20, 0.40, 0.03, 0.04, 0.06, 0.12, 0.12, 0.04, 0.03]
    assert prefs.salience.tolist() == pytest.approx([w / sum(raw) for w in raw])
    assert prefs.tolerance.tolist() == [0.4, 0.6, 0.5, 0.6, 0.8, 0.6, 0.6, 0.8, 0.8]


def test_preferences_of_reads_red_lines_with_levels_as_indices():
    """Catches: a red line's level not turned into its index, or hard and soft lines mixed up."""
    russia = preferences_of(SCENARIO.actors["russia"])
    assert russia.red_lines == (
        RedLine("foreign_troops", above=0.0, hard=False, penalty=0.3),
        RedLine("neutrality", below=1.0, hard=False, penalty=0.3),  # below nato_renounced
    )
    us = preferences_of(SCENARIO.actors["united_states"])
    assert us.red_lines == (RedLine("us_role", above=3.0, hard=True, penalty=0.0),)  # above air_support


def test_preferences_of_a_non_party_raises():
    """Catches: a guarantor without preferences silently given some."""
    with pytest.raises(ValueError, match="not a party"):
        preferences_of(SCENARIO.actors["coalition"])
