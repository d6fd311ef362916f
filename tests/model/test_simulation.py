"""The Mesa model (sim/model/simulation.py): which agents a run has, how talks start and end, how peace ends, and
that a run is reproduced by its seed (docs/MODEL.md section 3).

Scenarios are built so that each outcome is certain rather than likely: reservation values of 1 that no package
reaches, hazards that are exactly 0 or 1 in floating point, concessions that reach the reservation at once.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import mesa
import yaml

from sim.config.scenario import Scenario, scenario_from_mapping
from sim.dealspace import Deal
from sim.model.actors import ChallengerAgent, CoalitionAgent, GuarantorAgent, PartyAgent
from sim.model.simulation import GuaranteeModel
from tests.helpers import FIXED_PACKAGE

FIXED = dict(FIXED_PACKAGE)  # the Paris draft, fixed (tests/helpers.py)
ONES = {"none": 1.0, "assurances": 1.0, "bilateral_aid": 1.0, "article5_like": 1.0, "nato_membership": 1.0}

# Peace that holds exactly while a 3-year guarantee is in force and breaks in year 4. While active, the US
# (credibility 1, role weight 3) deters with D = 3, so the net incentive M - D < -2.2 and the hazard is
# logistic(50 (M - D + 0.8)) < 1e-30: no uniform draw is below it. After expiry the US keeps nothing (residual 0),
# D = 0 (no army, and the coalition, though certain to honour, brings no weight), M - D > 0.36 and the hazard is
# logistic(50 * 1.16) = 1.0 exactly. Russia does not weigh waiting (wait_weight 0).
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
    "deterrence": {"hazard_max": 1.0, "hazard_steepness": 50.0, "hazard_threshold": -0.8, "wait_weight": 0.0},
}


@functools.cache
def _scenario(changes: str) -> Scenario:
    return scenario_from_mapping(json.loads(changes))


def scenario(**changes: Any) -> Scenario:
    """The defaults with nested changes (immutable, so shared between tests)."""
    return _scenario(json.dumps(changes, sort_keys=True))


# --- the agents of a run --------------------------------------------------------------------------------------


def test_a_run_has_a_party_agent_per_party_and_the_challengers_can_attack():
    """Wrong model caught: agents created for other actors than the scenario's parties, or Russia unable to attack."""
    m = GuaranteeModel(scenario(), 0)
    assert [p.key for p in m.parties] == ["ukraine", "russia", "united_states"]
    assert all(isinstance(p, PartyAgent) for p in m.parties)
    assert isinstance(m.challenger, ChallengerAgent) and m.challenger.key == "russia"
    assert m.defender.key == "ukraine" and not isinstance(m.defender, ChallengerAgent)


def test_a_run_has_a_guarantor_agent_per_guarantor_the_composite_one_with_its_member_states():
    """Wrong model caught: the coalition without member states, or a guarantor missing from the years of peace."""
    m = GuaranteeModel(scenario(), 0)
    assert [g.key for g in m.guarantors] == ["united_states", "coalition"]
    assert isinstance(m.guarantors[0], GuarantorAgent) and not isinstance(m.guarantors[0], CoalitionAgent)
    assert m.coalition is m.guarantors[1]
    assert isinstance(m.coalition, CoalitionAgent) and len(m.coalition.members) == 26


def test_a_scenario_without_the_coalition_runs_with_no_composite_guarantor():
    """Wrong model caught: a coalition assumed to exist in every scenario."""
    m = GuaranteeModel(scenario(actors={"coalition": None}, package={"foreign_troops": 0}), 0)
    assert m.coalition is None
    assert [g.key for g in m.guarantors] == ["united_states"]
    m.run()
    assert m.phase == "done"


def test_a_guarantor_added_in_the_scenario_is_an_agent_whose_honouring_is_recorded():
    """Wrong model caught: the honouring record limited to the two guarantors of model v1."""
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


def test_in_evaluate_mode_the_run_starts_in_peace_with_the_imposed_deal():
    """Wrong model caught: an imposed package negotiated, or checked against red lines it is meant to override."""
    terms = {**FIXED, "us_role": "ground_troops"}  # beyond the United States' hard red line
    m = GuaranteeModel(scenario(mode="evaluate", package=terms), 0)
    assert m.phase == "peace"
    assert m.end == "imposed"
    assert m.deal == Deal.from_mapping(terms)
    assert m.round == 0


def test_with_nothing_feasible_the_talks_end_infeasible_without_a_round():
    """Wrong model caught: talks held over an empty table, or a deal reached with no feasible package."""
    hard = [{"issue": "guarantee_strength", "below": "nato_membership", "kind": "hard"}]  # the package: article5_like
    m = GuaranteeModel(scenario(actors={"ukraine": {"red_lines": hard}}), 0)
    assert m.phase == "done" and m.end == "infeasible"
    m.run()
    assert m.round == 0
    assert m.deal is None
    assert m.running is False


def test_talks_end_at_the_deadline_without_agreement_when_a_party_can_never_accept():
    """Wrong model caught: a deal signed without every party's acceptance, or talks running past the deadline."""
    # The US reservation does not move with the war; at 1.0 it accepts only a package at all of its ideals.
    changes = {"actors": {"united_states": {"reservation": 1.0, "perception_noise": 0.0}}}
    m = GuaranteeModel(scenario(negotiation={"max_rounds": 6}, **changes), 3, trace=True)
    m.run()
    assert m.end == "deadline"
    assert m.round == 6
    assert m.deal is None
    assert m.phase == "done"
    assert len(m.rounds_trace) == 6 and not any(r.accepted["united_states"] for r in m.rounds_trace)
    assert m.years_trace == [] and m.breakdown == {}


def test_when_every_party_accepts_the_talks_end_in_agreement_on_the_tabled_package():
    """Wrong model caught: the agreed deal differing from the package the parties accepted."""
    # Every party concedes at once to a reservation of 0 (no war shocks to raise it) and perceives exactly.
    easy = {"reservation": 0.0, "concession": {"beta": 1.0, "initial": 1.0}, "perception_noise": 0.0}
    changes = {
        "actors": {k: easy for k in ("ukraine", "russia", "united_states")},
        "war": {"volatility": 0.0, "support_volatility": 0.0, "drift": 0.0},
    }
    m = GuaranteeModel(scenario(**changes), 5, trace=True)
    m.step()
    assert m.round == 1
    assert m.end == "agreement" and m.phase == "peace"
    assert m.russia_accepted is True
    assert m.deal is not None and m.deal.as_dict() == m.rounds_trace[0].offer
    assert m.rounds_trace[0].accepted == {"ukraine": True, "russia": True, "united_states": True}


def test_a_round_of_talks_moves_the_war_and_the_war_moves_only_ukraines_and_russias_reservations():
    """Wrong model caught: the United States' outside option moved by the battlefield, or the war standing still."""
    m = GuaranteeModel(scenario(), 2)
    m.step()
    assert m.round == 1 and m.war.month == 1
    ukraine, russia, us = m.parties
    assert ukraine.reservation == m.war.ukraine_reservation(0.46)
    assert russia.reservation == m.war.russia_reservation(0.6)
    assert us.reservation == 0.3


# --- how peace ends -------------------------------------------------------------------------------------------


def test_a_run_ends_at_the_first_attack_and_records_its_year_cause_and_who_honoured():
    """Wrong model caught: the run going on after a breakdown, or recording it with the wrong year or cause."""
    m = GuaranteeModel(scenario(**BREAKS_AT_EXPIRY), 0, trace=True)
    m.run()
    assert m.breakdown == {
        "breakdown_year": 4,
        "cause": "expired",
        # The US's credibility after expiry is 0: no honouring to record. The coalition's is 1: it honours.
        "honoured": {"united_states": None, "coalition": True},
    }
    assert [y.attacked for y in m.years_trace] == [False, False, False, True]
    assert [y.active for y in m.years_trace] == [True, True, True, False]
    assert m.phase == "done" and m.running is False


def test_a_run_without_an_attack_is_censored_at_the_horizon():
    """Wrong model caught: peace simulated beyond the horizon, or a breakdown invented at its end."""
    calm = {"hazard_max": 1e-6, "hazard_threshold": 3.0, "horizon_years": 10}
    m = GuaranteeModel(scenario(mode="evaluate", package=FIXED, deterrence=calm), 0, trace=True)
    m.run()
    assert m.breakdown == {}
    assert [y.year for y in m.years_trace] == list(range(1, 11))
    assert m.phase == "done"


def test_the_same_seed_gives_the_same_run():
    """Wrong model caught: a draw from anything but the model's own seeded generator."""
    runs = []
    for _ in range(2):
        m = GuaranteeModel(scenario(), 12345, trace=True)
        m.run()
        runs.append((m.end, m.round, m.deal, m.breakdown, m.rounds_trace, m.years_trace))
    assert runs[0] == runs[1]
    other = GuaranteeModel(scenario(), 54321, trace=True)
    other.run()
    assert other.rounds_trace != runs[0][4]


def test_release_drops_the_model_from_mesas_registry():
    """Wrong model caught: a sweep keeping every finished model alive through mesa.Agent._ids (mesa#3179)."""
    m = GuaranteeModel(scenario(), 0)
    assert m in mesa.Agent._ids
    m.release()
    assert m not in mesa.Agent._ids
    m.release()  # releasing twice is harmless
