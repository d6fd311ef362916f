"""A scenario compiled once for many runs (sim/model/compiled.py): who the parties and guarantors are, in which
order, which of the year's uniform draws decides whose elections, the package as a fixed row, what the war is
worth to each party (its stakes) and the discount weights of the run's months.

The year's draws are laid out as ``[first election, attack, one honouring draw per guarantor, further elections]``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import yaml

from sim.config.scenario import Elections, Scenario, Steady, defaults, scenario_from_mapping
from sim.dealspace import Deal, normalise_matrix
from sim.model.compiled import compile_scenario
from sim.model.deterrence import outlook_of
from sim.model.preferences import preferences_of
from sim.model.war import edge_types, war_value
from tests.helpers import FIXED_PACKAGE

FIXED = dict(FIXED_PACKAGE)  # the Paris draft, fixed (tests/helpers.py)

TURKEY_YAML = """
actors:
  turkey:
    label: Turkey
    roles: [guarantor]
    guarantor:
      credibility: {none: 0.0, assurances: 0.02, bilateral_aid: 0.05, article5_like: 0.15, nato_membership: 0.2}
      commitment_weight: 0.05
      engagement: {kind: steady}
      expiry_residual: 0.5
"""

ELECTIONS = {
    "kind": "elections",
    "every_years": 5,
    "disengage_probability": 0.2,
    "disengaged_factor": 0.5,
    "lapse_cause": "turkey_disengaged",
}


def with_turkey(engagement: dict[str, Any] | None = None, us_steady: bool = False) -> Scenario:
    """The defaults plus the Turkey guarantor of TURKEY_YAML (with another engagement, or a steady US)."""
    changes = yaml.safe_load(TURKEY_YAML)
    if engagement is not None:
        changes["actors"]["turkey"]["guarantor"]["engagement"] = engagement
    if not us_steady:
        return scenario_from_mapping(changes)
    data = defaults()  # a nested change would merge the elections keys into the steady engagement
    data["actors"].update(changes["actors"])
    data["actors"]["united_states"]["guarantor"]["engagement"] = {"kind": "steady"}
    return Scenario.model_validate(data)


def test_parties_and_guarantors_are_in_the_scenarios_order():
    """Catches: agents, utilities and credibilities in a different order than the scenario lists actors."""
    c = compile_scenario(scenario_from_mapping({}))
    assert c.parties == ("ukraine", "russia", "united_states")
    assert [a.label for a in c.party_specs] == ["Ukraine", "Russia", "United States"]
    assert c.guarantor_keys == ("united_states", "coalition")
    assert c.composite == 1


def test_each_partys_preferences_are_read_from_its_own_section():
    """Catches: preferences attached to the wrong party."""
    s = scenario_from_mapping({})
    c = compile_scenario(s)
    for key, prefs in zip(c.parties, c.preferences, strict=True):
        expected = preferences_of(s.actors[key])
        assert np.array_equal(prefs.ideal, expected.ideal) and np.array_equal(prefs.salience, expected.salience)
        assert prefs.red_lines == expected.red_lines


def test_the_challenger_and_defender_are_found_by_role_not_by_position():
    """Catches: Russia assumed to be the second party and Ukraine the first."""
    default = compile_scenario(scenario_from_mapping({}))
    assert (default.challenger, default.defender) == (1, 0)
    data = defaults()
    actors = data["actors"]
    data["actors"] = {k: actors[k] for k in ("united_states", "russia", "coalition", "ukraine")}
    c = compile_scenario(Scenario.model_validate(data))
    assert c.parties == ("united_states", "russia", "ukraine")
    assert (c.challenger, c.defender) == (1, 2)
    assert c.guarantor_keys == ("united_states", "coalition")


def test_the_first_guarantor_with_elections_gets_slot_zero_and_four_draws_a_year_suffice_for_the_defaults():
    """Catches: the election draw overlapping the attack draw or a guarantor's honouring draw."""
    c = compile_scenario(scenario_from_mapping({}))
    assert c.election_slots == (0, None)  # the US; the coalition's cohesion needs no uniform draw
    assert c.draws_per_year == 2 + 2  # election/attack, then one honouring draw per guarantor


def test_a_second_guarantor_with_elections_gets_a_slot_after_the_honouring_draws():
    """Catches: two guarantors' elections decided by the same draw (perfectly correlated governments)."""
    c = compile_scenario(with_turkey(ELECTIONS))
    assert c.guarantor_keys == ("united_states", "coalition", "turkey")
    assert c.election_slots == (0, None, 2 + 3)  # draws: [US election, attack, 3 honouring draws, Turkey election]
    assert c.draws_per_year == 6


def test_the_first_guarantor_with_elections_need_not_be_the_first_guarantor():
    """Catches: slot 0 reserved for the first guarantor listed, whatever its engagement."""
    c = compile_scenario(with_turkey(ELECTIONS, us_steady=True))
    assert c.election_slots == (None, None, 0)
    assert c.draws_per_year == 2 + 3


def test_a_guarantor_added_by_yaml_appears_in_the_rules_with_its_own_parameters():
    """Catches: guarantors hard-coded to the United States and the coalition."""
    c = compile_scenario(with_turkey())
    turkey = c.guarantors[2]
    assert turkey.key == "turkey" and turkey.label == "Turkey"
    assert turkey.credibility == (0.0, 0.02, 0.05, 0.15, 0.2)
    assert turkey.commitment_weight == 0.05
    assert turkey.expiry_residual == 0.5
    assert isinstance(turkey.engagement, Steady)
    assert turkey.role_issue is None and turkey.force is None and turkey.backstop is None
    assert c.election_slots == (0, None, None)
    assert c.draws_per_year == 2 + 3


def test_causes_list_every_lapse_cause_the_guarantors_can_record():
    """Catches: a new guarantor's lapse cause missing from the causes a run can record."""
    assert compile_scenario(with_turkey()).causes == (
        "expired",
        "us_disengaged",
        "coalition_split",
        "no_enforcement",
        "deterrence_gap",
    )
    with_elections = compile_scenario(with_turkey(ELECTIONS))
    assert isinstance(with_elections.guarantors[2].engagement, Elections)
    assert with_elections.causes == (
        "expired",
        "us_disengaged",
        "coalition_split",
        "turkey_disengaged",
        "no_enforcement",
        "deterrence_gap",
    )


def test_the_fixed_package_is_one_row_only_when_every_issue_is_fixed():
    """Catches: a negotiable package imposed as if signed, or a fixed one not recognised."""
    assert compile_scenario(scenario_from_mapping({})).fixed_package is None
    fixed = compile_scenario(scenario_from_mapping({"mode": "evaluate", "package": FIXED})).fixed_package
    assert fixed is not None
    assert fixed.tolist() == [list(Deal.from_mapping(FIXED).values)]
    one_open = compile_scenario(scenario_from_mapping({"package": {**FIXED, "sanctions_relief": {"min": 0, "max": 1}}}))
    assert one_open.fixed_package is None


def test_the_negotiable_space_follows_the_package():
    """Catches: the pool drawn from another package than the scenario's."""
    c = compile_scenario(scenario_from_mapping({}))
    assert [col.kind for col in c.space] == [
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
    assert (c.space[1].raw_lo, c.space[1].raw_hi) == (15000.0, 20000.0)


# --- what the war is worth, and when ------------------------------------------------------------------------

DEFAULT = compile_scenario(scenario_from_mapping({}))


def test_the_wars_outcomes_are_the_challengers_ideal_then_the_defenders_as_packages():
    """Catches: the two victories swapped (Russia's stake in the war inverted), or ideals left unprojected onto the
    issues' levels."""
    russia, ukraine = DEFAULT.preferences[DEFAULT.challenger], DEFAULT.preferences[DEFAULT.defender]
    assert DEFAULT.victory.shape == (2, 9)
    assert normalise_matrix(DEFAULT.victory) == pytest.approx(np.vstack([russia.ideal, ukraine.ideal]))
    assert Deal(tuple(DEFAULT.victory[0])).as_dict() == {
        "guarantee_strength": "assurances",
        "foreign_troops": 0.0,
        "duration_years": 0.0,
        "us_role": "monitoring_lead",
        "ukraine_army": 0.0,
        "territory": "donetsk_withdrawal",
        "neutrality": "neutral",
        "eu_membership": "closed",
        "sanctions_relief": 1.0,
    }


def test_each_partys_stakes_are_its_utility_of_either_victory_and_its_cost_of_a_year_of_war():
    """Catches: stakes read from another party's preferences, or the war cost of another party."""
    normalised = normalise_matrix(DEFAULT.victory)
    for prefs, spec, stakes in zip(DEFAULT.preferences, DEFAULT.party_specs, DEFAULT.stakes, strict=True):
        u = prefs.utility(DEFAULT.victory, normalised)
        assert (stakes.challenger_wins, stakes.defender_wins, stakes.cost) == (u[0], u[1], spec.war_cost)
    ukraine, russia, _ = DEFAULT.stakes
    assert russia.challenger_wins == pytest.approx(1.0) and ukraine.defender_wins == pytest.approx(1.0)
    assert (ukraine.cost, russia.cost) == (0.05, 0.2)


def test_war_values_are_every_partys_war_value_at_each_balance():
    """Catches: the shared chance of prevailing computed with another steepness, or rows in another order than
    the parties'."""
    balances = np.array([-0.5, 0.0, 0.1, 0.4])
    got = DEFAULT.war_values(balances)
    assert got.shape == (3, 4)
    for i, s in enumerate(DEFAULT.stakes):
        assert got[i] == pytest.approx([war_value(s, b, 4.0) for b in balances])


def test_the_types_are_the_wars_edge_types():
    """Catches: the belief ranging over other types than those Russia's edge is drawn from."""
    assert DEFAULT.types.tolist() == edge_types(DEFAULT.scenario.war).tolist()
    assert compile_scenario(scenario_from_mapping({"war": {"private_edge_types": 3}})).types.size == 3


def test_month_weights_are_the_cumulative_discounted_share_of_the_horizon():
    """Catches: welfare weights that do not sum to one over the horizon, or a discount applied per year in
    steps (months within a year weighed alike) or not at all."""
    w = DEFAULT.month_weights
    assert w.shape == (50 * 12 + 1,)
    assert (w[0], w[-1]) == (0.0, pytest.approx(1.0))
    steps = np.diff(w)
    assert steps[12] / steps[0] == pytest.approx(0.95)
    assert steps[1] / steps[0] == pytest.approx(0.95 ** (1 / 12))
    flat = compile_scenario(scenario_from_mapping({"negotiation": {"discount": 1.0}})).month_weights
    assert flat == pytest.approx(np.arange(601) / 600)


def test_a_deals_utilities_are_each_partys_utility_in_the_parties_order():
    """Catches: the utilities booked for a deal (the peace flows) in another party's order."""
    d = Deal.from_mapping(FIXED)
    numbers = np.array([d.values])
    expected = tuple(float(p.utility(numbers, normalise_matrix(numbers))[0]) for p in DEFAULT.preferences)
    assert DEFAULT.utilities(d) == expected


def test_the_outlook_is_russias_under_the_scenarios_war_power_and_deterrence():
    """Catches: the run's Russia facing an outlook built from another edge, start balance or utility than its own."""
    d = Deal.from_mapping(FIXED)
    s = DEFAULT.scenario
    o = DEFAULT.outlook(d, 0.2)
    expected = outlook_of(
        d,
        0.2,
        s.deterrence.horizon_years,
        DEFAULT.guarantors,
        DEFAULT.stakes[DEFAULT.challenger],
        DEFAULT.utilities(d)[DEFAULT.challenger],
        s.war.initial_balance,
        s.war.outcome_steepness,
        s.power,
        s.deterrence,
        s.expiry,
        tuple(r.initial_state() for r in DEFAULT.guarantors),
        float(DEFAULT.types.mean()),
    )
    assert o.structural.tolist() == expected.structural.tolist()
    assert o.regime.tolist() == expected.regime.tolist()
    assert (o.peace_value, o.stakes, o.steepness, o.base, o.weights) == (
        expected.peace_value,
        expected.stakes,
        expected.steepness,
        expected.base,
        expected.weights,
    )
    assert (
        DEFAULT.outlook(d).structural.tolist()
        == outlook_of(
            d,
            0.0,
            50,
            DEFAULT.guarantors,
            expected.stakes,
            expected.peace_value,
            0.1,
            4.0,
            s.power,
            s.deterrence,
            s.expiry,
            tuple(r.initial_state() for r in DEFAULT.guarantors),
        ).structural.tolist()
    )


def test_only_the_elections_on_the_first_calendar_are_foreseen():
    """Catches: a guarantor's elections foreseen on another guarantor's calendar (Turkey's five-year elections
    taken as falling with the US's four-year ones), and the combinations of engagement growing with guarantors
    whose elections no one foresees. The US's calendar is foreseen (two combinations); Turkey's, another, is not;
    with the same calendar as the US, Turkey's elections are foreseen with the US's (four combinations)."""
    from sim.model.deterrence import election_calendar, election_outcomes

    for engagement, every, combos in ((ELECTIONS, 4, 2), ({**ELECTIONS, "every_years": 4}, 4, 4)):
        c = compile_scenario(with_turkey(engagement))
        states = tuple(r.initial_state() for r in c.guarantors)
        outcomes = election_outcomes(states, c.guarantors)
        assert election_calendar(c.guarantors) == every
        assert len(outcomes) == combos
        assert sum(p for _, p in outcomes) == pytest.approx(1.0)
        if combos == 2:
            assert all(st[2] == states[2] for st, _ in outcomes)  # Turkey as it is
    c = compile_scenario(with_turkey(ELECTIONS, us_steady=True))
    assert election_calendar(c.guarantors) == 5  # the first guarantor with elections is Turkey
