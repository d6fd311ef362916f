"""The deal space (sim/dealspace.py): issues, their scales and grains, compatibility of terms, and a package.

Each test states one rule of docs/MODEL.md section 7.1 and section 2 (the table of issues); the expected
numbers are computed from the documented equations, not by the functions under test.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from sim.dealspace import (
    BY_NAME,
    ISSUE_INDEX,
    ISSUE_NAMES,
    ISSUES,
    Deal,
    compatible,
    conflicts,
    deals_from_matrix,
    normalise_matrix,
)

TROOPS = BY_NAME["foreign_troops"]
DURATION = BY_NAME["duration_years"]
ARMY = BY_NAME["ukraine_army"]
SANCTIONS = BY_NAME["sanctions_relief"]
STRENGTH = BY_NAME["guarantee_strength"]
NEUTRALITY = BY_NAME["neutrality"]

TERMS = {
    "guarantee_strength": "article5_like",
    "foreign_troops": 20000.0,
    "duration_years": 15.0,
    "us_role": "air_support",
    "ukraine_army": 800000.0,
    "territory": "dmz",
    "neutrality": "neutral",
    "eu_membership": "closed",
    "sanctions_relief": 1.0,
}


def row(**changes: str | float) -> np.ndarray:
    """One package (a row of numeric natural values): TERMS with changes."""
    terms = {**TERMS, **changes}
    return np.array([BY_NAME[n].to_number(terms[n]) for n in ISSUE_NAMES])


# --- the issues -----------------------------------------------------------------------------------------


def test_the_deal_space_has_the_nine_issues_of_the_model_description_in_order():
    """Catches: an issue added, dropped or moved without the ODD table (and every column index) changing."""
    assert ISSUE_NAMES == (
        "guarantee_strength",
        "foreign_troops",
        "duration_years",
        "us_role",
        "ukraine_army",
        "territory",
        "neutrality",
        "eu_membership",
        "sanctions_relief",
    )
    assert {n: ISSUE_INDEX[n] for n in ISSUE_NAMES} == {n: k for k, n in enumerate(ISSUE_NAMES)}


def test_an_ordinal_level_normalises_to_its_index_over_the_number_of_steps():
    """Catches: ordinal levels not evenly spaced on [0, 1] (e.g. divided by L instead of L - 1)."""
    for k, level in enumerate(STRENGTH.levels):
        assert STRENGTH.normalise(STRENGTH.to_number(level)) == k / 4
    assert NEUTRALITY.normalise(1.0) == 0.5


def test_a_linear_count_normalises_to_its_share_of_the_range():
    """Catches: the linear scale not anchored at lo and hi."""
    assert DURATION.normalise(15.0) == 15 / 100
    assert ARMY.normalise(800000.0) == 800000 / 1000000
    assert SANCTIONS.normalise(0.25) == 0.25


def test_troops_normalise_on_the_log_scale_with_a_log_unit_of_a_thousand():
    """Catches: troops on a linear scale, or a log scale with the wrong unit or range."""
    for x in (0.0, 500.0, 5000.0, 20000.0, 300000.0):
        assert TROOPS.normalise(x) == pytest.approx(math.log1p(x / 1000) / math.log1p(300000 / 1000))


def test_on_the_log_scale_5k_to_20k_matters_more_than_200k_to_215k():
    """Catches: a tripwire's few thousand troops weighed like the same step at Cold-War scale."""
    small = TROOPS.normalise(20000.0) - TROOPS.normalise(5000.0)
    large = TROOPS.normalise(215000.0) - TROOPS.normalise(200000.0)
    assert small > 10 * large


def test_counts_outside_the_range_are_clipped_before_normalising():
    """Catches: normalised values outside [0, 1] for counts beyond the issue's bounds."""
    assert DURATION.normalise(-5.0) == 0.0
    assert DURATION.normalise(150.0) == 1.0
    assert TROOPS.normalise(1e9) == 1.0


def test_denormalise_inverts_normalise_for_every_level_and_every_value_on_the_grain():
    """Catches: the inverse map (used to draw packages) is not the inverse of the normalisation."""
    for issue in ISSUES:
        if issue.is_ordinal:
            values = [float(k) for k in range(len(issue.levels))]
        else:
            steps = (issue.hi - issue.lo) / issue.grain
            values = [issue.lo, issue.hi] + [issue.lo + round(share * steps) * issue.grain for share in (0.137, 0.62)]
        for x in values:
            assert issue.denormalise(issue.normalise(x)) == pytest.approx(x, abs=1e-12), (issue.name, x)


def test_denormalised_counts_are_rounded_to_the_issues_grain():
    """Catches: drawn packages with 12,345 troops or 0.33 sanctions relief instead of round terms."""
    n = TROOPS.normalise(12345.0)
    assert TROOPS.denormalise(n) == 12500.0  # rint(24.69) * 500
    assert ARMY.denormalise(0.123456) == 120000.0  # rint(12.3456) * 10000
    assert SANCTIONS.denormalise(0.33) == np.rint(0.33 / 0.05) * 0.05  # 7 * 0.05
    assert DURATION.denormalise(0.157) == 16.0


def test_rounding_to_the_grain_takes_halves_to_even():
    """Catches: a documented rounding rule (rint, halves to even) silently changed to round-half-up."""
    assert DURATION.denormalise(0.025) == 2.0  # 2.5 years -> 2
    assert DURATION.denormalise(0.035) == 4.0  # 3.5 years -> 4


def test_denormalise_clips_the_normalised_value_to_zero_one():
    """Catches: a normalised value beyond [0, 1] mapped to terms outside the issue's range."""
    assert DURATION.denormalise(1.5) == 100.0
    assert DURATION.denormalise(-0.5) == 0.0
    assert TROOPS.denormalise(2.0) == 300000.0
    assert STRENGTH.denormalise(-1.0) == 0.0


def test_an_ordinal_value_denormalises_to_the_nearest_level_index():
    """Catches: ordinal draws truncated (floor) instead of taken to the nearest level."""
    assert STRENGTH.denormalise(0.6) == 2.0  # rint(2.4)
    assert STRENGTH.denormalise(0.65) == 3.0  # rint(2.6)
    assert NEUTRALITY.denormalise(0.8) == 2.0


def test_a_level_name_is_its_index_and_back():
    """Catches: level names and indices out of step (index 0 must be the weakest level)."""
    assert STRENGTH.to_number("none") == 0.0
    assert STRENGTH.to_number("nato_membership") == 4.0
    assert STRENGTH.to_natural(3.0) == "article5_like"
    assert TROOPS.to_number(20000) == 20000.0
    assert TROOPS.to_natural(20000.0) == 20000.0


def test_an_unknown_level_is_a_key_error_that_lists_the_levels():
    """Catches: a misspelt level silently read as some index."""
    with pytest.raises(KeyError, match="article5_like"):
        STRENGTH.level_index("article_5")


def test_normalise_matrix_equals_issue_normalise_column_by_column_to_the_last_bit():
    """Catches: the fast matrix path (the hot path of every run) drifting from the per-issue definition."""
    rng = np.random.default_rng(0)
    columns = []
    for issue in ISSUES:
        if issue.is_ordinal:
            columns.append(rng.integers(0, len(issue.levels), size=200).astype(float))
        else:
            span = issue.hi - issue.lo
            columns.append(rng.uniform(issue.lo - 0.1 * span, issue.hi + 0.1 * span, size=200))
    numbers = np.column_stack(columns)
    out = normalise_matrix(numbers)
    for k, issue in enumerate(ISSUES):
        assert np.array_equal(out[:, k], issue.normalise(numbers[:, k])), issue.name


# --- compatibility of terms -------------------------------------------------------------------------------


def test_nato_membership_as_the_guarantee_is_compatible_only_with_the_nato_door_open():
    """Catches: a package that both grants NATO membership and renounces NATO counted as feasible."""
    rows = np.array(
        [
            row(guarantee_strength="nato_membership", neutrality="nato_open"),
            row(guarantee_strength="nato_membership", neutrality="nato_renounced"),
            row(guarantee_strength="nato_membership", neutrality="neutral"),
            row(guarantee_strength="article5_like", neutrality="neutral"),
            row(guarantee_strength="none", neutrality="nato_renounced"),
        ]
    )
    assert compatible(rows).tolist() == [True, False, False, True, True]


def test_compatible_keeps_the_shape_of_the_rows():
    """Catches: the mask flattened or computed for one package only."""
    rows = np.stack([row(), row(guarantee_strength="nato_membership")])
    assert compatible(rows).shape == (2,)
    assert compatible(rows[None, :, :]).shape == (1, 2)


def test_fixed_terms_with_nato_membership_and_neutrality_are_one_conflict_naming_both_issues():
    """Catches: the schema accepting fixed terms that the talks would rule out."""
    problems = conflicts({"guarantee_strength": "nato_membership", "neutrality": "neutral"})
    assert len(problems) == 1
    assert "guarantee_strength" in problems[0] and "neutrality" in problems[0] and "nato_open" in problems[0]


def test_fixed_terms_conflict_only_when_both_sides_of_the_rule_are_fixed():
    """Catches: an open (negotiable) neutrality treated as a contradiction of fixed NATO membership."""
    assert conflicts({"guarantee_strength": "nato_membership"}) == []
    assert conflicts({"guarantee_strength": "nato_membership", "neutrality": "nato_open"}) == []
    assert conflicts({"guarantee_strength": "article5_like", "neutrality": "neutral"}) == []
    assert conflicts({"neutrality": "neutral"}) == []


# --- a package --------------------------------------------------------------------------------------------


def test_a_deal_built_from_a_mapping_gives_the_same_mapping_back():
    """Catches: a deal that loses or converts terms between scenario files and result tables."""
    deal = Deal.from_mapping(TERMS)
    assert deal.as_dict() == TERMS
    assert Deal.from_mapping(deal.as_dict()) == deal


def test_a_deal_stores_level_indices_and_counts_in_issue_order():
    """Catches: the deal's values in another order than the issue columns every module indexes."""
    deal = Deal.from_mapping(TERMS)
    assert deal.values == (3.0, 20000.0, 15.0, 3.0, 800000.0, 1.0, 2.0, 0.0, 1.0)
    assert deal["guarantee_strength"] == "article5_like"
    assert deal.number("guarantee_strength") == 3.0
    assert deal["foreign_troops"] == 20000.0


def test_a_deal_needs_every_issue():
    """Catches: a package with a missing term silently filled with a default."""
    terms = dict(TERMS)
    del terms["territory"]
    with pytest.raises(KeyError, match="territory"):
        Deal.from_mapping(terms)


def test_deals_are_immutable_and_hashable_by_value():
    """Catches: equal packages counted as different terms (e.g. in the distribution of agreed terms)."""
    a, b = Deal.from_mapping(TERMS), Deal.from_mapping(dict(TERMS))
    assert a == b and hash(a) == hash(b)
    assert len({a, b}) == 1
    with pytest.raises(AttributeError):
        a.values = ()  # type: ignore[misc]


def test_a_deals_normalised_values_follow_the_issue_scales():
    """Catches: a deal's normalised point not the one preferences are evaluated on (worked example 7.8.6)."""
    n = Deal.from_mapping(TERMS).normalised()
    expected = [0.75, math.log1p(20) / math.log1p(300), 0.15, 0.75, 0.8, 0.5, 1.0, 0.0, 1.0]
    assert n.tolist() == pytest.approx(expected)


def test_deals_from_matrix_takes_every_row_or_the_rows_asked_for():
    """Catches: the agreed package read from another row of the table than the one tabled."""
    numbers = np.stack([row(), row(duration_years=50.0), row(duration_years=5.0)])
    assert [d["duration_years"] for d in deals_from_matrix(numbers)] == [15.0, 50.0, 5.0]
    assert [d["duration_years"] for d in deals_from_matrix(numbers, [2, 0])] == [5.0, 15.0]
