"""The rules of the talks (sim/model/negotiation.py): the candidate pool, feasibility, the mediator's proposal
and one round of talks (docs/MODEL.md 7.4, 7.6, 7.7).

The mediator is tested on small hand-made tables whose max-min surpluses are worked out in the comments; the
pool and the table on the default scenario's negotiable space and agents.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest

from sim.config.scenario import Negotiation, scenario_from_mapping
from sim.dealspace import BY_NAME, ISSUE_INDEX, ISSUE_NAMES, compatible, normalise_matrix
from sim.model.compiled import compile_scenario
from sim.model.negotiation import (
    Table,
    build_table,
    candidate_pool,
    negotiable_space,
    package_values,
    propose,
    talks_round,
)
from sim.model.simulation import GuaranteeModel
from tests.helpers import FIXED_PACKAGE

SCENARIO = scenario_from_mapping({})
SPACE = compile_scenario(SCENARIO).space
TERMS = {**FIXED_PACKAGE, "foreign_troops": 0, "duration_years": 15}  # no force, 15 years
col = ISSUE_INDEX.__getitem__


def packages(*variants: dict[str, Any]) -> np.ndarray:
    """Rows of numeric natural values: TERMS with each variant's changes."""
    return np.array([[BY_NAME[n].to_number({**TERMS, **v}[n]) for n in ISSUE_NAMES] for v in variants])


def table(utilities: list[list[float]], feasible: list[bool]) -> Table:
    """A hand-made table (parties x packages utilities); the packages' terms do not matter to the mediator."""
    u = np.array(utilities)
    mask = np.array(feasible)
    numbers = np.zeros((u.shape[1], len(ISSUE_NAMES)))
    return Table(numbers, numbers.copy(), u, mask, np.flatnonzero(mask))


# --- what is on the table ---------------------------------------------------------------------------------


def test_package_values_are_one_value_if_fixed_two_bounds_if_a_range_and_the_options_listed():
    """Wrong model caught: the package's negotiable terms read as something else than the scenario states."""
    values = [v.tolist() for v in package_values(SCENARIO.package)]
    assert values == [
        [3.0],
        [15000.0, 20000.0],
        [15.0],
        [3.0],
        [600000.0, 800000.0],
        [0.0, 1.0, 2.0],
        [0.0, 1.0, 2.0],
        [0.0, 1.0],
    ]


def test_the_negotiable_space_holds_ranges_on_the_normalised_scale():
    """Wrong model caught: ranges sampled on the natural scale (troops linearly) rather than the normalised one."""
    space = negotiable_space(SCENARIO.package)
    assert [c.kind for c in space] == ["fixed", "range", "fixed", "fixed", "range", "options", "options", "range"]
    troops = space[col("foreign_troops")]
    assert troops.lo == pytest.approx(math.log1p(15) / math.log1p(300))
    assert troops.hi == pytest.approx(math.log1p(20) / math.log1p(300))
    assert (troops.raw_lo, troops.raw_hi) == (15000.0, 20000.0)


def pool(size: int = 400, seed: int = 0, ideals: list | None = None, space=SPACE) -> np.ndarray:
    return candidate_pool(space, size, np.random.default_rng(seed), [] if ideals is None else ideals)


def test_the_pool_has_the_drawn_packages_then_one_row_per_ideal():
    """Wrong model caught: a party's best package left off the table, or drawn rows missing."""
    ideals = [np.full(8, 0.5), np.zeros(8)]
    assert pool(size=10, ideals=ideals).shape == (12, 8)
    assert pool(size=10).shape == (10, 8)


def test_drawn_counts_stay_within_their_ranges_and_on_their_grain():
    """Wrong model caught: candidate packages outside the negotiable space, or with unrounded terms."""
    p = pool()
    troops, army, sanctions = p[:, col("foreign_troops")], p[:, col("ukraine_army")], p[:, col("sanctions_relief")]
    assert troops.min() >= 15000 and troops.max() <= 20000
    assert np.all(troops % 500 == 0)
    assert army.min() >= 600000 and army.max() <= 800000
    assert np.all(army % 10000 == 0)
    assert sanctions.min() >= 0.0 and sanctions.max() <= 1.0
    assert np.allclose(sanctions / 0.05, np.rint(sanctions / 0.05))


def test_options_are_drawn_among_the_options_and_fixed_terms_are_copied():
    """Wrong model caught: an option drawn that is not on the table, or a fixed term varied."""
    p = pool()
    assert set(p[:, col("territory")]) == {0.0, 1.0, 2.0}
    assert set(p[:, col("neutrality")]) == {0.0, 1.0, 2.0}
    assert set(p[:, col("guarantee_strength")]) == {3.0}
    assert set(p[:, col("duration_years")]) == {15.0}
    assert set(p[:, col("us_role")]) == {3.0}


def test_ranges_are_drawn_uniformly_on_the_normalised_scale_so_troops_are_log_uniform():
    """Wrong model caught: troop numbers drawn uniformly in troops, which would crowd the pool with large forces."""
    space = negotiable_space(scenario_from_mapping({"package": {"foreign_troops": {"min": 0, "max": 300000}}}).package)
    troops = pool(size=4000, space=space)[:, col("foreign_troops")]
    log_median = 1000 * math.expm1(0.5 * math.log1p(300))  # denormalise(0.5): about 16,350 troops
    assert abs(np.median(troops) - log_median) < 2000  # a linear draw would give about 150,000


def test_each_ideal_is_projected_onto_the_space():
    """Wrong model caught: a party's ideal added unprojected (outside the ranges) or as a random draw."""
    ideals = [p.ideal for p in compile_scenario(SCENARIO).preferences]  # ukraine, russia, united_states
    rows = pool(size=5, ideals=ideals)[5:]
    # Ukraine: 100,000 troops, clipped to the range's top; Russia 0, clipped to its bottom; the US 20,000.
    assert rows[:, col("foreign_troops")].tolist() == [20000.0, 15000.0, 20000.0]
    assert rows[:, col("ukraine_army")].tolist() == [800000.0, 600000.0, 800000.0]
    assert rows[:, col("sanctions_relief")].tolist() == [0.0, 1.0, 0.5]
    assert rows[:, col("territory")].tolist() == [2.0, 0.0, 1.0]  # freeze, donetsk_withdrawal, dmz
    assert rows[:, col("neutrality")].tolist() == [0.0, 2.0, 1.0]  # nato_open, neutral, nato_renounced
    assert rows[:, col("guarantee_strength")].tolist() == [3.0, 3.0, 3.0]  # fixed: article5_like for all


def test_an_ideal_projects_onto_the_nearest_option_and_the_first_listed_on_a_tie():
    """Wrong model caught: the projection onto options taking the last tie, or the nearest level index not listed."""
    package = scenario_from_mapping({"package": {"neutrality": {"options": ["neutral", "nato_open"]}}}).package
    space = negotiable_space(package)
    ideal = np.zeros(8)
    ideal[col("neutrality")] = 0.5  # nato_renounced: as far from nato_open (0) as from neutral (1)
    near = np.zeros(8)
    near[col("neutrality")] = 0.6
    rows = pool(size=3, ideals=[ideal, near], space=space)[3:]
    assert rows[:, col("neutrality")].tolist() == [2.0, 2.0]  # neutral, listed first; then the nearer, neutral


def test_an_ideal_inside_a_range_is_rounded_to_the_grain():
    """Wrong model caught: a projected ideal with terms off the grain that the drawn packages keep."""
    space = negotiable_space(scenario_from_mapping({"package": {"foreign_troops": {"min": 0, "max": 300000}}}).package)
    ideal = np.zeros(8)
    ideal[col("foreign_troops")] = BY_NAME["foreign_troops"].normalise(12345.0)
    assert pool(size=1, ideals=[ideal], space=space)[1, col("foreign_troops")] == 12500.0


# --- feasibility -------------------------------------------------------------------------------------------


def test_build_table_marks_infeasible_a_hard_red_line_a_force_the_coalition_cannot_field_and_nato_conflicts():
    """Wrong model caught: tabling terms a party ruled out, the coalition cannot field, or self-contradictory."""
    m = GuaranteeModel(SCENARIO, 0)
    rows = packages(
        {},  # feasible: no troops asked, low veto cost
        {"us_role": "ground_troops"},  # the United States' hard red line: us_role above air_support
        {"foreign_troops": 300000},  # more than the members pledge in all
        {"guarantee_strength": "nato_membership", "neutrality": "nato_renounced"},  # the NATO rule
    )
    assert m.coalition is not None
    assert m.coalition.troops_offered(rows[2:3])[0] < 300000
    t = build_table(rows, m.parties, m.coalition)
    assert t.feasible.tolist() == [True, False, False, False]
    assert t.feasible_idx.tolist() == [0]


def test_a_package_the_coalition_vetoes_is_infeasible():
    """Wrong model caught: the coalition's consent rule ignored by the talks."""
    m = GuaranteeModel(scenario_from_mapping({"actors": {"coalition": {"members": {"veto_cost_strength": 1.0}}}}), 0)
    rows = packages({}, {"guarantee_strength": "none"})  # cost 0.75 + 0.0075 against no cost
    assert m.coalition is not None
    assert m.coalition.consents(rows, normalise_matrix(rows)).tolist() == [False, True]
    assert build_table(rows, m.parties, m.coalition).feasible.tolist() == [False, True]


def test_without_a_composite_guarantor_no_package_may_ask_for_foreign_troops():
    """Wrong model caught: troops deployed with nobody to field them."""
    m = GuaranteeModel(scenario_from_mapping({"actors": {"coalition": None}, "package": {"foreign_troops": 0}}), 0)
    assert m.coalition is None
    rows = packages({}, {"foreign_troops": 500})
    assert build_table(rows, m.parties, None).feasible.tolist() == [True, False]


def test_the_table_holds_every_partys_utility_of_every_package_feasible_or_not():
    """Wrong model caught: utilities in another order than the parties', or infeasible packages given utility 0."""
    m = GuaranteeModel(SCENARIO, 0)
    rows = packages({}, {"us_role": "ground_troops"}, {"guarantee_strength": "bilateral_aid"})
    t = build_table(rows, m.parties, m.coalition)
    n = normalise_matrix(rows)
    assert t.utilities.shape == (3, 3)
    for i, p in enumerate(m.parties):
        assert t.utilities[i].tolist() == p.preferences.utility(rows, n).tolist()
    assert t.by_package.tolist() == t.utilities.T.tolist()
    assert np.array_equal(t.normalised, n)
    assert compatible(rows).all()


def test_best_utilities_are_each_partys_best_over_the_feasible_packages_only():
    """Wrong model caught: a party aspiring to a package that can never be agreed."""
    t = table([[0.9, 0.6, 0.5, 0.95], [0.2, 0.5, 0.6, 0.9], [0.7, 0.6, 0.5, 0.9]], [True, True, True, False])
    assert t.best_utilities().tolist() == [0.9, 0.6, 0.7]
    nothing = table([[0.9, 0.6], [0.2, 0.5], [0.7, 0.6]], [False, False])
    assert nothing.best_utilities().tolist() == [0.0, 0.0, 0.0]


# --- the mediator ------------------------------------------------------------------------------------------

# Utilities (parties x packages) and aspirations (0.5, 0.4, 0.5). Smallest surpluses: package 0: min(0.4, -0.2,
# 0.2) = -0.2; package 1: min(0.1, 0.1, 0.1) = 0.1; package 2: min(0.0, 0.2, 0.0) = 0.0; package 3 (infeasible):
# min(0.45, 0.5, 0.4) = 0.4.
UTILITIES = [[0.9, 0.6, 0.5, 0.95], [0.2, 0.5, 0.6, 0.9], [0.7, 0.6, 0.5, 0.9]]
FEASIBLE = [True, True, True, False]
ASPIRATIONS = np.array([0.5, 0.4, 0.5])


def test_the_mediator_tables_the_feasible_package_with_the_largest_smallest_surplus():
    """Wrong model caught: a utilitarian mediator (package 0 has the largest sum), or infeasible terms tabled."""
    rng = np.random.default_rng(0)
    before = rng.bit_generator.state
    assert propose(table(UTILITIES, FEASIBLE), ASPIRATIONS, rng, sample_size=8, previous=None) == 1
    assert rng.bit_generator.state == before  # the whole feasible set is examined: no draw


def test_the_mediator_tables_the_best_package_even_when_no_package_satisfies_every_party():
    """Wrong model caught: a mediator that tables nothing, or the previous offer, when every surplus is negative."""
    high = ASPIRATIONS + 0.5
    assert propose(table(UTILITIES, FEASIBLE), high, np.random.default_rng(0), 8, None) == 1


def test_on_a_tie_the_mediator_takes_the_first_package_in_sample_order():
    """Wrong model caught: ties broken towards the last package, which would bias the agreed terms."""
    tied = [[0.6, 0.6, 0.6], [0.5, 0.5, 0.5], [0.6, 0.6, 0.6]]
    assert propose(table(tied, [True, True, True]), ASPIRATIONS, np.random.default_rng(0), 8, None) == 0


def test_the_previous_offer_stays_only_if_strictly_better_than_the_best_of_the_sample():
    """Wrong model caught: the previous offer kept on a tie, so that the talks never move on."""
    tied = [[0.9, 0.6, 0.6], [0.2, 0.5, 0.5], [0.7, 0.6, 0.6]]  # packages 1 and 2 both give 0.1
    assert propose(table(tied, [True, True, True]), ASPIRATIONS, np.random.default_rng(0), 8, previous=2) == 1
    assert propose(table(UTILITIES, FEASIBLE), ASPIRATIONS, np.random.default_rng(0), 8, previous=2) == 1


def test_the_mediator_examines_a_sample_drawn_with_replacement_from_the_feasible_packages():
    """Wrong model caught: the mediator seeing every package when it should see only a sample of them."""
    rng = np.random.default_rng(7)
    utilities = rng.uniform(size=(3, 60)).tolist()
    feasible = (rng.uniform(size=60) < 0.7).tolist()
    t = table(utilities, feasible)
    aspirations = np.array([0.3, 0.2, 0.4])
    surplus = (np.array(utilities) - aspirations[:, None]).min(axis=0)
    for seed in range(20):
        twin = np.random.default_rng(seed)
        sample = t.feasible_idx[twin.integers(0, t.feasible_idx.size, size=5)]
        expected = int(sample[np.argmax(surplus[sample])])
        assert propose(t, aspirations, np.random.default_rng(seed), 5, None) == expected


def test_a_strictly_better_previous_offer_beats_a_worse_sample():
    """Wrong model caught: a good offer on the table dropped for a worse one that the sample happened to contain."""
    t = table(UTILITIES, FEASIBLE)
    seeds = [s for s in range(50) if propose(t, ASPIRATIONS, np.random.default_rng(s), 1, None) != 1]
    assert seeds  # some samples of one miss package 1
    for s in seeds:
        assert propose(t, ASPIRATIONS, np.random.default_rng(s), 1, previous=1) == 1


# --- a round of talks ---------------------------------------------------------------------------------------


@dataclass
class Party:
    """A stand-in party that records what the round asks of it."""

    key: str
    next_aspiration: float
    log: list = field(default_factory=list)
    aspiration: float = 1.0

    def concede(self, t: int, deadline: int, beta: float | None = None) -> float:
        self.log.append(("concede", self.key, t, deadline, beta))
        self.aspiration = self.next_aspiration
        return self.aspiration

    def accepts(self, utility: float) -> bool:
        self.log.append(("accepts", self.key, utility))
        return utility >= self.aspiration


RULES = Negotiation(max_rounds=24, candidate_pool=256, proposals_per_round=32)


def test_a_round_concedes_then_proposes_then_collects_answers_in_the_parties_order():
    """Wrong model caught: answers collected before every party has conceded, or in another order than the parties'."""
    log: list = []
    parties = [Party("ukraine", 0.5, log), Party("russia", 0.4, log), Party("united_states", 0.5, log)]
    r = talks_round(table(UTILITIES, FEASIBLE), parties, [None, 0.35, None], 7, RULES, np.random.default_rng(0), None)
    assert log == [
        ("concede", "ukraine", 7, 24, None),
        ("concede", "russia", 7, 24, 0.35),
        ("concede", "united_states", 7, 24, None),
        ("accepts", "ukraine", 0.6),
        ("accepts", "russia", 0.5),
        ("accepts", "united_states", 0.6),
    ]
    assert r.offer == 1
    assert r.utility == [0.6, 0.5, 0.6]
    assert r.aspiration.tolist() == [0.5, 0.4, 0.5]
    assert r.accepted == [True, True, True]


def test_the_mediator_proposes_on_the_aspirations_after_this_rounds_concession():
    """Wrong model caught: the mediator working from last round's aspirations."""
    # Before conceding every aspiration is 1.0; after, Russia aspires to 0.55 and the others to 0.0. Smallest
    # surpluses then: package 0: -0.35; 1: -0.05; 2: 0.05. On the old aspirations package 1 would be tabled.
    parties = [Party("ukraine", 0.0), Party("russia", 0.55), Party("united_states", 0.0)]
    r = talks_round(table(UTILITIES, FEASIBLE), parties, [None] * 3, 1, RULES, np.random.default_rng(0), None)
    assert r.offer == 2
    assert r.accepted == [True, True, True]


def test_a_round_records_each_partys_answer_so_one_refusal_is_visible():
    """Wrong model caught: a round reporting agreement when one party refused."""
    parties = [Party("ukraine", 0.5), Party("russia", 0.6), Party("united_states", 0.5)]
    r = talks_round(table(UTILITIES, FEASIBLE), parties, [None] * 3, 3, RULES, np.random.default_rng(0), None)
    assert r.offer == 2  # aspirations (0.5, 0.6, 0.5): package 2 gives min(0, 0, 0) = 0, package 1 gives -0.1
    assert r.accepted == [True, True, True]
    parties = [Party("ukraine", 0.5), Party("russia", 0.7), Party("united_states", 0.5)]
    r = talks_round(table(UTILITIES, FEASIBLE), parties, [None] * 3, 3, RULES, np.random.default_rng(0), None)
    assert r.accepted == [True, False, True]
