"""The rules of the talks (sim/model/negotiation.py): the candidate pool, feasibility, the table, the mediator's
proposal, one round of talks and what a rejection teaches the others.

The mediator tables the feasible package that maximises ``sum_k belief_k 1[type k accepts] min(surplus_RU(k),
min_i E[surplus_i])`` among those every non-challenger accepts in expectation; a party accepts iff its value is at
least its value of no deal. It is tested on small hand-made tables (parties x packages x types of Russia) whose
objectives are worked out in the comments, and against a brute-force search on random tables; the pool and the
table on the default scenario's negotiable space and agents.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from sim.config.scenario import scenario_from_mapping
from sim.dealspace import BY_NAME, ISSUE_INDEX, ISSUE_NAMES, compatible, normalise_matrix
from sim.model.anticipation import Anticipation
from sim.model.compiled import compile_scenario
from sim.model.negotiation import (
    Proposal,
    Table,
    build_table,
    candidate_pool,
    expectations,
    feasibility,
    learn_from_rejection,
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
UKRAINE, RUSSIA, US = 0, 1, 2
col = ISSUE_INDEX.__getitem__


def packages(*variants: dict[str, Any]) -> np.ndarray:
    """Rows of numeric natural values: TERMS with each variant's changes."""
    return np.array([[BY_NAME[n].to_number({**TERMS, **v}[n]) for n in ISSUE_NAMES] for v in variants])


def table(values: Any, feasible: list[bool] | None = None, utilities: Any = None) -> Table:
    """A hand-made table: ``values`` (parties x feasible packages x types); the packages' terms do not matter to
    the mediator. ``feasible``: the mask over every package (default: all feasible)."""
    v = np.asarray(values, dtype=float)
    mask = np.ones(v.shape[1], dtype=bool) if feasible is None else np.array(feasible)
    numbers = np.zeros((mask.size, len(ISSUE_NAMES)))
    u = np.zeros((v.shape[0], mask.size)) if utilities is None else np.asarray(utilities, dtype=float)
    return Table(numbers, numbers.copy(), u, mask, np.flatnonzero(mask), v)


# --- what is on the table ---------------------------------------------------------------------------------


def test_package_values_are_one_value_if_fixed_two_bounds_if_a_range_and_the_options_listed():
    """Catches: the package's negotiable terms read as something else than the scenario states."""
    values = [v.tolist() for v in package_values(SCENARIO.package)]
    assert values == [
        [3.0],
        [15000.0, 20000.0],
        [15.0],
        [3.0],
        [600000.0, 800000.0],
        [0.0, 1.0, 2.0],
        [0.0, 1.0, 2.0],
        [0.0, 1.0, 2.0],
        [0.0, 1.0],
    ]


def test_the_negotiable_space_holds_ranges_on_the_normalised_scale():
    """Catches: ranges sampled on the natural scale (troops linearly) rather than the normalised one."""
    space = negotiable_space(SCENARIO.package)
    assert [c.kind for c in space] == [
        "fixed",
        "range",
        "fixed",
        "fixed",
        "range",
        "options",
        "options",
        "options",
        "range",
    ]
    troops = space[col("foreign_troops")]
    assert troops.lo == pytest.approx(math.log1p(15) / math.log1p(300))
    assert troops.hi == pytest.approx(math.log1p(20) / math.log1p(300))
    assert (troops.raw_lo, troops.raw_hi) == (15000.0, 20000.0)


def pool(size: int = 400, seed: int = 0, ideals: list | None = None, space=SPACE) -> np.ndarray:
    return candidate_pool(space, size, np.random.default_rng(seed), [] if ideals is None else ideals)


def test_the_pool_has_the_drawn_packages_then_one_row_per_ideal():
    """Catches: a party's best package left off the table, or drawn rows missing."""
    ideals = [np.full(9, 0.5), np.zeros(9)]
    assert pool(size=10, ideals=ideals).shape == (12, 9)
    assert pool(size=10).shape == (10, 9)


def test_drawn_counts_stay_within_their_ranges_and_on_their_grain():
    """Catches: candidate packages outside the negotiable space, or with unrounded terms."""
    p = pool()
    troops, army, sanctions = p[:, col("foreign_troops")], p[:, col("ukraine_army")], p[:, col("sanctions_relief")]
    assert troops.min() >= 15000 and troops.max() <= 20000
    assert np.all(troops % 500 == 0)
    assert army.min() >= 600000 and army.max() <= 800000
    assert np.all(army % 10000 == 0)
    assert sanctions.min() >= 0.0 and sanctions.max() <= 1.0
    assert np.allclose(sanctions / 0.05, np.rint(sanctions / 0.05))


def test_options_are_drawn_among_the_options_and_fixed_terms_are_copied():
    """Catches: an option drawn that is not on the table, or a fixed term varied."""
    p = pool()
    assert set(p[:, col("territory")]) == {0.0, 1.0, 2.0}
    assert set(p[:, col("neutrality")]) == {0.0, 1.0, 2.0}
    assert set(p[:, col("guarantee_strength")]) == {3.0}
    assert set(p[:, col("duration_years")]) == {15.0}
    assert set(p[:, col("us_role")]) == {3.0}


def test_ranges_are_drawn_uniformly_on_the_normalised_scale_so_troops_are_log_uniform():
    """Catches: troop numbers drawn uniformly in troops, which would crowd the pool with large forces."""
    space = negotiable_space(scenario_from_mapping({"package": {"foreign_troops": {"min": 0, "max": 300000}}}).package)
    troops = pool(size=4000, space=space)[:, col("foreign_troops")]
    log_median = 1000 * math.expm1(0.5 * math.log1p(300))  # denormalise(0.5): about 16,350 troops
    assert abs(np.median(troops) - log_median) < 2000  # a linear draw would give about 150,000


def test_each_ideal_is_projected_onto_the_space():
    """Catches: a party's ideal added unprojected (outside the ranges) or as a random draw."""
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
    """Catches: the projection onto options taking the last tie, or the nearest level index not listed."""
    package = scenario_from_mapping({"package": {"neutrality": {"options": ["neutral", "nato_open"]}}}).package
    space = negotiable_space(package)
    ideal = np.zeros(9)
    ideal[col("neutrality")] = 0.5  # nato_renounced: as far from nato_open (0) as from neutral (1)
    near = np.zeros(9)
    near[col("neutrality")] = 0.6
    rows = pool(size=3, ideals=[ideal, near], space=space)[3:]
    assert rows[:, col("neutrality")].tolist() == [2.0, 2.0]  # neutral, listed first; then the nearer, neutral


def test_an_ideal_inside_a_range_is_rounded_to_the_grain():
    """Catches: a projected ideal with terms off the grain that the drawn packages keep."""
    space = negotiable_space(scenario_from_mapping({"package": {"foreign_troops": {"min": 0, "max": 300000}}}).package)
    ideal = np.zeros(9)
    ideal[col("foreign_troops")] = BY_NAME["foreign_troops"].normalise(12345.0)
    assert pool(size=1, ideals=[ideal], space=space)[1, col("foreign_troops")] == 12500.0


# --- feasibility and the table -----------------------------------------------------------------------------


def test_a_hard_red_line_a_force_the_coalition_cannot_field_and_nato_conflicts_are_infeasible():
    """Catches: tabling terms a party ruled out, the coalition cannot field, or self-contradictory."""
    m = GuaranteeModel(SCENARIO, 0)
    rows = packages(
        {},  # feasible: no troops asked, low veto cost
        {"us_role": "ground_troops"},  # the United States' hard red line: us_role above air_support
        {"foreign_troops": 300000},  # more than the members pledge in all
        {"guarantee_strength": "nato_membership", "neutrality": "nato_renounced"},  # the NATO rule
    )
    assert m.coalition is not None
    assert m.coalition.troops_offered(rows[2:3])[0] < 300000
    _, _, feasible = feasibility(rows, m.parties, m.coalition)
    assert feasible.tolist() == [True, False, False, False]


def test_a_package_the_coalition_vetoes_is_infeasible():
    """Catches: the coalition's consent rule ignored by the talks."""
    m = GuaranteeModel(scenario_from_mapping({"actors": {"coalition": {"members": {"veto_cost_strength": 1.0}}}}), 0)
    rows = packages({}, {"guarantee_strength": "none"})  # cost 0.75 + 0.0075 against no cost
    assert m.coalition is not None
    assert m.coalition.consents(rows, normalise_matrix(rows)).tolist() == [False, True]
    assert feasibility(rows, m.parties, m.coalition)[2].tolist() == [False, True]


def test_without_a_composite_guarantor_no_package_may_ask_for_foreign_troops():
    """Catches: troops deployed with nobody to field them."""
    m = GuaranteeModel(scenario_from_mapping({"actors": {"coalition": None}, "package": {"foreign_troops": 0}}), 0)
    assert m.coalition is None
    rows = packages({}, {"foreign_troops": 500})
    assert feasibility(rows, m.parties, None)[2].tolist() == [True, False]


def test_feasibility_gives_every_partys_utility_of_every_package_feasible_or_not():
    """Catches: utilities in another order than the parties', or infeasible packages given utility 0."""
    m = GuaranteeModel(SCENARIO, 0)
    rows = packages({}, {"us_role": "ground_troops"}, {"guarantee_strength": "bilateral_aid"})
    normalised, utilities, _ = feasibility(rows, m.parties, m.coalition)
    n = normalise_matrix(rows)
    assert utilities.shape == (3, 3)
    for i, p in enumerate(m.parties):
        assert utilities[i].tolist() == p.preferences.utility(rows, n).tolist()
    assert np.array_equal(normalised, n)
    assert compatible(rows).all()


def test_the_table_values_only_the_feasible_packages_with_their_utilities():
    """Catches: the parties' anticipation run on infeasible packages, or on other packages' utilities, so that the
    values are misaligned with ``feasible_idx``."""
    m = GuaranteeModel(SCENARIO, 0)
    rows = packages({}, {"us_role": "ground_troops"}, {"guarantee_strength": "bilateral_aid"})
    seen = {}

    def anticipate(numbers: np.ndarray, utilities: np.ndarray) -> Anticipation:
        seen["numbers"], seen["utilities"] = numbers, utilities
        values = np.repeat(utilities[:, :, None], 2, axis=2) + np.arange(2)[None, None, :]
        return Anticipation(values, np.ones((numbers.shape[0], 2, 1)))

    t = build_table(rows, m.parties, m.coalition, anticipate)
    assert t.feasible.tolist() == [True, False, True]
    assert t.feasible_idx.tolist() == [0, 2]
    assert seen["numbers"].tolist() == rows[[0, 2]].tolist()
    assert seen["utilities"].tolist() == t.utilities[:, [0, 2]].tolist()
    assert t.values.shape == (3, 2, 2)
    assert t.values[:, :, 1] == pytest.approx(t.utilities[:, [0, 2]] + 1)


def test_best_utilities_are_each_partys_best_over_the_feasible_packages_only():
    """Catches: a party's best package taken among packages that can never be agreed."""
    u = [[0.9, 0.6, 0.5, 0.95], [0.2, 0.5, 0.6, 0.9], [0.7, 0.6, 0.5, 0.9]]
    t = table(np.zeros((3, 3, 1)), [True, True, True, False], utilities=u)
    assert t.best_utilities().tolist() == [0.9, 0.6, 0.7]
    nothing = table(np.zeros((3, 0, 1)), [False, False], utilities=[[0.9, 0.6], [0.2, 0.5], [0.7, 0.6]])
    assert nothing.best_utilities().tolist() == [0.0, 0.0, 0.0]


# --- the mediator ------------------------------------------------------------------------------------------

HALF = np.array([0.5, 0.5])  # the others' belief over two types of Russia
ZERO = np.zeros((3, 2))  # no deal is worth 0 to everyone, for every type


def test_the_mediator_tables_the_package_with_the_largest_expected_smallest_surplus():
    """Catches: a utilitarian mediator (package 0 has the largest sum of surpluses)."""
    values = [
        # package 0: sum 2.2, min 0.1;  package 1: sum 0.9, min 0.3
        [[0.9, 0.9], [0.3, 0.3]],  # Ukraine
        [[0.1, 0.1], [0.3, 0.3]],  # Russia
        [[0.1, 0.1], [0.3, 0.3]],  # the United States
    ]
    j, accepts, surplus = propose(table(values), HALF, ZERO, RUSSIA)
    assert j == 1
    assert accepts.tolist() == [True, True]
    assert surplus.tolist() == pytest.approx([0.3, 0.3, 0.3])


def test_the_mediator_counts_russias_surplus_only_for_the_types_that_would_accept():
    """Catches: a mediator that averages Russia's surplus over every type (a rejecting type's loss counted), or
    that tables only packages every type accepts. Package 0: every type accepts, objective 0.1; package 1: only
    the weak type accepts, objective 0.5 * min(0.5, 0.4) = 0.2 (0.05 if the strong type's -0.4 counted)."""
    values = [
        [[0.4, 0.4], [0.4, 0.4]],
        [[0.1, 0.1], [0.5, -0.4]],
        [[0.4, 0.4], [0.4, 0.4]],
    ]
    j, accepts, _ = propose(table(values), HALF, ZERO, RUSSIA)
    assert j == 1
    assert accepts.tolist() == [True, False]


def test_the_mediator_never_tables_a_package_a_non_challenger_rejects_in_expectation():
    """Catches: a mediator that tables a package Ukraine or the United States would refuse (it has the best
    objective), or one that asks them to accept type by type rather than in expectation over their belief."""
    values = [
        # package 0: Ukraine's expected surplus -0.01: refused whatever it gives the others
        # package 1: Ukraine loses against the strong type but gains more against the weak: 0.1 in expectation
        # package 2: a modest package everyone accepts
        [[0.2, -0.22], [0.3, -0.1], [0.05, 0.05]],
        [[0.9, 0.9], [0.2, 0.2], [0.05, 0.05]],
        [[0.9, 0.9], [0.2, 0.2], [0.05, 0.05]],
    ]
    j, _, surplus = propose(table(values), HALF, ZERO, RUSSIA)
    assert j == 1
    assert surplus[UKRAINE] == pytest.approx(0.1)
    values[0][1] = [-0.2, -0.2]  # now Ukraine refuses package 1 as well
    assert propose(table(values), HALF, ZERO, RUSSIA)[0] == 2


def test_the_mediator_tables_nothing_when_no_acceptable_package_has_a_chance_with_russia():
    """Catches: a mediator tabling a package no type of Russia would take, or one the others refuse."""
    no_type = [[[0.5, 0.5]], [[-0.1, -0.2]], [[0.5, 0.5]]]
    j, accepts, surplus = propose(table(no_type), HALF, ZERO, RUSSIA)
    assert j is None and accepts.tolist() == [False, False] and surplus.tolist() == [0.0, 0.0, 0.0]
    refused = [[[-0.5, -0.5]], [[0.5, 0.5]], [[0.5, 0.5]]]
    assert propose(table(refused), HALF, ZERO, RUSSIA)[0] is None
    empty = table(np.zeros((3, 0, 2)), [False, False])
    assert propose(empty, HALF, ZERO, RUSSIA)[0] is None


def test_a_type_the_others_have_ruled_out_does_not_count():
    """Catches: the objective weighing types by something other than the others' belief."""
    values = [
        [[0.5, 0.5], [0.5, 0.5]],
        [[0.3, -0.1], [-0.1, 0.1]],  # package 0: only the weak type accepts; package 1: only the strong
        [[0.5, 0.5], [0.5, 0.5]],
    ]
    assert propose(table(values), np.array([1.0, 0.0]), ZERO, RUSSIA)[0] == 0
    assert propose(table(values), np.array([0.0, 1.0]), ZERO, RUSSIA)[0] == 1


def test_surpluses_are_measured_from_each_partys_value_of_no_deal_per_type():
    """Catches: surpluses measured from zero, or the no-deal values of one type applied to another."""
    values = [
        [[0.5, 0.5], [0.5, 0.5]],
        [[0.6, 0.6], [0.9, 0.9]],
        [[0.5, 0.5], [0.5, 0.5]],
    ]
    no_deal = np.array([[0.2, 0.2], [0.7, 0.8], [0.2, 0.2]])  # Russia: package 0 short of both types' no deal
    j, accepts, surplus = propose(table(values), HALF, no_deal, RUSSIA)
    assert j == 1
    assert accepts.tolist() == [True, True]
    assert surplus.tolist() == pytest.approx([0.3, 0.15, 0.3])


def test_on_a_tie_the_mediator_takes_the_first_package():
    """Catches: ties broken towards the last package, which would bias the agreed terms."""
    tied = np.full((3, 3, 2), 0.4)
    assert propose(table(tied), HALF, ZERO, RUSSIA)[0] == 0


def brute_force_proposal(values: np.ndarray, belief: np.ndarray, no_deal: np.ndarray, challenger: int) -> int | None:
    """The mediator's rule by explicit loops over packages, parties and types."""
    best, best_j = -math.inf, None
    for j in range(values.shape[1]):
        west = math.inf
        for i in range(values.shape[0]):
            if i != challenger:
                value = sum(belief[k] * values[i, j, k] for k in range(belief.size))
                walk_away = sum(belief[k] * no_deal[i, k] for k in range(belief.size))
                west = min(west, value - walk_away)
        if west < 0:
            continue
        objective, chance = 0.0, 0.0
        for k in range(belief.size):
            russia = values[challenger, j, k] - no_deal[challenger, k]
            if russia >= 0:
                objective += belief[k] * min(russia, west)
                chance += belief[k]
        if chance > 0 and objective > best:
            best, best_j = objective, j
    return best_j


def random_table(
    rng: np.random.Generator, packages_n: int = 12, types_n: int = 5
) -> tuple[Table, np.ndarray, np.ndarray]:
    values = rng.uniform(0.0, 1.0, size=(3, packages_n, types_n))
    no_deal = rng.uniform(0.2, 0.7, size=(3, types_n))
    belief = rng.dirichlet(np.ones(types_n))
    return table(values), belief, no_deal


def test_the_mediators_proposal_equals_a_brute_force_search():
    """Catches: a vectorised objective that differs from the rule in any term (the belief, the acceptance mask,
    the minimum over parties, the no-deal values)."""
    rng = np.random.default_rng(0)
    tabled = 0
    for _ in range(300):
        t, belief, no_deal = random_table(rng)
        for challenger in (RUSSIA, UKRAINE):
            j = propose(t, belief, no_deal, challenger)[0]
            assert j == brute_force_proposal(t.values, belief, no_deal, challenger)
            tabled += j is not None
    assert 100 < tabled < 600  # both outcomes occur


# --- a round of talks ---------------------------------------------------------------------------------------

PARTIES = GuaranteeModel(SCENARIO, 0).parties  # the real agents: their answers are PartyAgent.accepts


def test_in_a_round_russia_answers_with_its_own_type_and_the_others_by_their_belief():
    """Catches: Russia answering by the others' belief (it knows its type), or the others by Russia's true type
    (they do not)."""
    values = [
        [[0.6, 0.2]],  # Ukraine: 0.4 in expectation
        [[0.5, 0.1]],  # Russia: the weak type gains 0.5 - 0.3, the strong loses 0.1 - 0.3
        [[0.5, 0.5]],
    ]
    no_deal = np.array([[0.3, 0.3], [0.3, 0.3], [0.3, 0.3]])
    utilities = [[0.11, 0.7], [0.22, 0.7], [0.33, 0.7]]
    t = table(values, [True, False], utilities)
    weak = talks_round(t, PARTIES, HALF, no_deal, RUSSIA, 0)
    assert weak.offer == 0
    assert weak.value == pytest.approx([0.4, 0.5, 0.5])
    assert weak.no_deal == pytest.approx([0.3, 0.3, 0.3])
    assert weak.accepted == [True, True, True]
    assert weak.utility == [0.11, 0.22, 0.33]
    assert weak.chance == 0.5
    assert weak.would_accept.tolist() == [True, False]
    strong = talks_round(t, PARTIES, HALF, no_deal, RUSSIA, 1)
    assert strong.value == pytest.approx([0.4, 0.1, 0.5])
    assert strong.accepted == [True, False, True]


def test_a_round_reports_the_tabled_package_by_its_row_in_the_table():
    """Catches: the offer reported by its position among the feasible packages, so the deal signed would be
    another package than the one tabled."""
    values = [[[0.1], [0.6]], [[0.1], [0.6]], [[0.1], [0.6]]]
    t = table(values, [False, True, False, True])
    r = talks_round(t, PARTIES, np.ones(1), np.zeros((3, 1)), RUSSIA, 0)
    assert r.offer == 3


def test_a_round_without_an_offer_has_no_answers_and_no_acceptance_but_still_every_value_of_no_deal():
    """Catches: a deal signed in a round in which nothing was tabled; a trace with gaps in the value of no deal,
    which is defined every month of war (Russia's at its own type, the others' over their belief)."""
    t = table([[[0.5, 0.5]], [[-0.1, -0.2]], [[0.5, 0.5]]])
    r = talks_round(t, PARTIES, HALF, ZERO, RUSSIA, 0)
    assert r.offer is None
    assert r.accepted == [False, False, False]
    assert (r.utility, r.value, r.chance) == ([], [], 0.0)
    assert r.no_deal == [0.0, 0.0, 0.0]


def test_the_mediator_never_tables_a_package_a_non_challenger_would_reject():
    """Catches: the mediator's test of acceptability and the parties' own answers computed differently (a package
    tabled that Ukraine or the United States then refuses)."""
    rng = np.random.default_rng(1)
    offers = 0
    for _ in range(300):
        t, belief, no_deal = random_table(rng)
        edge = int(rng.integers(0, belief.size))
        r = talks_round(t, PARTIES, belief, no_deal, RUSSIA, edge)
        if r.offer is not None:
            offers += 1
            assert r.accepted[UKRAINE] and r.accepted[US]
            assert r.accepted[RUSSIA] == bool(r.would_accept[edge])
    assert offers > 100


def test_at_a_tie_the_mediator_and_the_party_agree_on_acceptability():
    """Catches: two homes of the non-challengers' acceptance rule that disagree at a tie in expectation (the
    mediator testing ``(values - no_deal) @ belief >= 0``, the party ``values @ belief >= no_deal @ belief``: they
    round differently). In each case Ukraine's expected value of the package ties with its expected value of no
    deal in exact arithmetic: the first 0.75 * 0.2 + 0.25 * 0.9 against 0.75 * 0.4 + 0.25 * 0.3 (0.375, which
    floating point rounds below no deal), the second 0.5 * 0.25 + 0.5 * 0.75 against 0.5 (exact)."""
    cases = [
        ([0.2, 0.5, 0.9], [0.4, 0.1, 0.3], np.array([0.75, 0.0, 0.25])),
        ([0.25, 0.75], [0.5, 0.5], HALF),
    ]
    answers = set()
    for ukraine, ukraine_no_deal, belief in cases:
        n = belief.size
        values = [[ukraine], [[0.9] * n], [[0.9] * n]]
        no_deal = np.array([ukraine_no_deal, [0.1] * n, [0.1] * n])
        t = table(values)
        expected, expected_no_deal = expectations(t, belief, no_deal)
        own = PARTIES[UKRAINE].accepts(float(expected[UKRAINE, 0]), float(expected_no_deal[UKRAINE]))
        answers.add(own)
        r = talks_round(t, PARTIES, belief, no_deal, RUSSIA, 0)
        assert (r.offer is not None) == own  # tabled exactly when Ukraine accepts: nothing else stands in the way
        assert r.offer is None or r.accepted == [True, True, True]
    assert answers == {True, False}  # the ties fall both ways in floating point


def test_the_proposal_reports_the_expected_surpluses_the_parties_answer_by():
    """Catches: the mediator's surpluses computed from other numbers than the parties' expected values and
    expected values of no deal (:func:`expectations`), or the proposal's fields in another order."""
    rng = np.random.default_rng(2)
    tabled = 0
    for _ in range(100):
        t, belief, no_deal = random_table(rng)
        p = propose(t, belief, no_deal, RUSSIA)
        assert isinstance(p, Proposal)
        if p.position is None:
            continue
        tabled += 1
        expected, expected_no_deal = expectations(t, belief, no_deal)
        assert p.surplus.tolist() == (expected[:, p.position] - expected_no_deal).tolist()
        assert p.would_accept.tolist() == (t.values[RUSSIA, p.position] >= no_deal[RUSSIA]).tolist()
    assert tabled > 30


# --- learning from a rejection ------------------------------------------------------------------------------


def test_a_rejection_rules_out_the_types_that_would_have_accepted_and_renormalises():
    """Catches: the others not learning from Russia's answers, or learning the wrong way (ruling out the types that
    reject)."""
    belief = np.array([0.1, 0.2, 0.3, 0.4])
    post = learn_from_rejection(belief, np.array([True, False, True, False]))
    assert post.tolist() == pytest.approx([0.0, 0.2 / 0.6, 0.0, 0.4 / 0.6])


def test_a_rejection_never_rules_out_a_type_that_rejected():
    """Catches: a Russia whose own type the others come to exclude (a belief that cannot be right)."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        belief = rng.dirichlet(np.ones(7))
        accepts = rng.uniform(size=7) < 0.5
        post = learn_from_rejection(belief, accepts)
        assert post.sum() == pytest.approx(1.0)
        if (~accepts).any():
            assert np.all(post[~accepts] > 0)
            assert post[~accepts] == pytest.approx(belief[~accepts] / belief[~accepts].sum())
            assert np.all(post[accepts] == 0)


def test_a_rejection_every_type_would_have_made_leaves_the_belief_unchanged():
    """Catches: a division by zero (a belief of NaNs) when the answer cannot be explained by any type."""
    belief = np.array([0.25, 0.75])
    assert learn_from_rejection(belief, np.array([True, True])).tolist() == [0.25, 0.75]
