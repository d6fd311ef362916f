"""The agents (sim/model/actors.py): what no deal is worth to a party and how it answers an offer, Russia's private
edge and its yearly choice, how the coalition's members decide, and how a guarantor's engagement moves after a deal.

Agents are taken from a :class:`~sim.model.simulation.GuaranteeModel` built from a scenario with the changes
each rule needs; their states are set directly and the expected values computed from the documented equations.
"""

from __future__ import annotations

import functools
import json
from typing import Any

import numpy as np
import pytest

from sim.config.scenario import Scenario, defaults, scenario_from_mapping
from sim.dealspace import BY_NAME, ISSUE_NAMES, US_ROLE_LEVELS, normalise_matrix
from sim.model.actors import ChallengerAgent, CoalitionAgent, GuarantorAgent, MemberState
from sim.model.deterrence import Calculus, GuarantorState
from sim.model.simulation import GuaranteeModel
from sim.model.war import war_value
from tests.helpers import FIXED_PACKAGE

TERMS = {**FIXED_PACKAGE, "foreign_troops": 0, "duration_years": 15}  # no force, 15 years


@functools.cache
def _scenario(changes: str) -> Scenario:
    return scenario_from_mapping(json.loads(changes))


def model(seed: int = 0, **changes: Any) -> GuaranteeModel:
    """A fresh model of the defaults with nested changes (scenarios are immutable, so they are shared)."""
    return GuaranteeModel(_scenario(json.dumps(changes, sort_keys=True)), seed)


def packages(*variants: dict[str, Any]) -> np.ndarray:
    """Rows of numeric natural values: TERMS with each variant's changes."""
    return np.array([[BY_NAME[n].to_number({**TERMS, **v}[n]) for n in ISSUE_NAMES] for v in variants])


def coalition(seed: int = 0, **members: Any) -> CoalitionAgent:
    """The coalition agent with member pledges exactly as stated (no log-normal spread) and member changes."""
    m = model(seed, actors={"coalition": {"members": {"pledge_dispersion": 0.0, **members}}})
    assert m.coalition is not None
    return m.coalition


# --- the parties ---------------------------------------------------------------------------------------


def test_a_partys_value_of_no_deal_is_its_value_of_a_year_of_war_at_the_balance():
    """Catches: a party's outside option read from anything but the one war-payoff function with its own stakes
    (model v1's reservation values), or the types of Russia's edge not kept apart."""
    m = model()
    balances = np.array([-0.4, 0.0, 0.1, 0.5])
    for p, stakes in zip(m.parties, m.compiled.stakes, strict=True):
        assert p.stakes == stakes
        assert np.asarray(p.no_deal(balances, 4.0)).tolist() == pytest.approx(
            [war_value(stakes, b, 4.0) for b in balances]
        )
        assert p.no_deal(0.1, 4.0) == pytest.approx(war_value(stakes, 0.1, 4.0))


def test_a_party_accepts_exactly_when_its_value_is_at_least_its_value_of_no_deal_and_draws_nothing():
    """Catches: acceptance with a margin or noise (model v1's perception noise), rejection on a tie, or an answer
    that consumes the model's draws."""
    m = model()
    before = m.rng.bit_generator.state
    for p in m.parties:
        assert p.accepts(0.5, 0.5) is True
        assert p.accepts(0.6, 0.5) is True
        assert p.accepts(0.5 - 1e-12, 0.5) is False
        assert p.accepts(-0.2, -0.1) is False
    assert m.rng.bit_generator.state == before


def test_russias_private_edge_is_one_of_the_types_the_others_believe_in():
    """Catches: an edge drawn outside the others' support (they could never learn it), or a run whose edge and
    type index disagree."""
    seen = set()
    for seed in range(40):
        russia = model(seed).challenger
        assert russia.edge == float(russia.model.compiled.types[russia.edge_index])
        seen.add(russia.edge_index)
    assert len(seen) >= 5  # drawn across the types (7 by default)
    assert model(0, war={"private_edge_types": 1}).challenger.edge == 0.0


def test_the_challenger_attacks_when_the_draw_is_below_the_hazard():
    """Catches: attacking with probability 1 - hazard, or on a tie."""
    russia = model().challenger
    assert isinstance(russia, ChallengerAgent)
    calc = Calculus(
        active=True,
        regime=0,
        credibility=(0.3, 0.4),
        guarantee=0.3,
        balance=-0.1,
        war_value=0.3,
        consolidation=0.0,
        incentive_now=-0.1,
        gain=0.02,
        hazard=0.25,
    )
    assert russia.attacks(calc, 0.2499) is True
    assert russia.attacks(calc, 0.25) is False
    assert russia.attacks(calc._replace(hazard=0.0), 0.0) is False


# --- the coalition's member states -----------------------------------------------------------------------


def test_the_coalition_has_its_member_states_with_the_two_leads_first_pledging_the_lead_pledge():
    """Catches: the lead nations (France, UK) not distinguished, or the member count not honoured."""
    c = coalition(count=10, lead_pledge=7000.0, member_pledge=600.0)
    assert len(c.members) == 10
    assert all(isinstance(s, MemberState) for s in c.members)
    assert [s.lead for s in c.members] == [True, True] + [False] * 8
    assert [s.pledge for s in c.members] == [7000.0, 7000.0] + [600.0] * 8


def test_members_willingness_is_in_zero_one_and_threat_sensitivity_below_its_maximum():
    """Catches: member draws outside their documented distributions' supports."""
    c = coalition(seed=3, threat_sensitivity=0.3)
    assert all(0.0 < s.willingness < 1.0 for s in c.members)
    assert all(0.0 <= s.threat_sensitivity <= 0.3 for s in c.members)


def test_effective_willingness_is_willingness_times_the_backstop_factor_of_the_us_role():
    """Catches: members' willingness not leaning on the US role in the package."""
    c = coalition()
    factor = {"none": 0.6, "intel_logistics": 0.7, "monitoring_lead": 0.8, "air_support": 1.0, "ground_troops": 1.1}
    eff = c.effective_willingness(packages(*({"us_role": r} for r in US_ROLE_LEVELS)))
    for i, s in enumerate(c.members):
        assert eff[i].tolist() == pytest.approx([s.willingness * factor[r] for r in US_ROLE_LEVELS])


def test_russias_threat_lowers_effective_willingness_only_when_troops_are_to_deploy():
    """Catches: the 'legitimate targets' threat applied to packages with no foreign troops, or ignored."""
    c = coalition()
    eff = c.effective_willingness(packages({"foreign_troops": 0}, {"foreign_troops": 500}, {"foreign_troops": 20000}))
    for i, s in enumerate(c.members):
        assert eff[i, 0] == s.willingness  # air_support: factor 1.0
        assert eff[i, 1] == pytest.approx(s.willingness * (1.0 - s.threat_sensitivity))
        assert eff[i, 2] == eff[i, 1]


def test_troops_offered_are_the_pledges_of_the_members_willing_enough_to_take_part():
    """Catches: troops offered as a willingness-weighted sum, or counting members below the threshold."""
    c = coalition(participation_threshold=0.45)
    rows = packages({"foreign_troops": 20000, "us_role": "monitoring_lead"})
    expected = sum(s.pledge for s in c.members if s.willingness * 0.8 * (1 - s.threat_sensitivity) >= 0.45)
    assert c.troops_offered(rows).tolist() == [pytest.approx(expected)]


def test_troops_offered_rise_with_the_us_role_through_the_backstop_factor():
    """Catches: a coalition that fields as many troops with no US backstop as with US air support."""
    c = coalition()
    offered = c.troops_offered(packages(*({"us_role": r, "foreign_troops": 20000} for r in US_ROLE_LEVELS)))
    assert all(a <= b for a, b in zip(offered, offered[1:], strict=False))
    assert offered[0] < offered[3]  # none (0.6) < air_support (1.0)


def test_under_consensus_one_member_unwilling_to_bear_the_cost_vetoes():
    """Catches: the consensus rule read as a majority."""
    c = coalition(veto_cost_strength=0.6, veto_cost_duration=0.05, consent_rule="consensus")
    rows = packages({"guarantee_strength": "nato_membership", "neutrality": "nato_open", "duration_years": 0})
    cost = 0.6 * 1.0 + 0.05 * 0.0  # normalised strength 1, duration 0
    approve = [s.willingness >= cost for s in c.members]  # no troops, air_support: effective = willingness
    assert 0 < sum(approve) < len(approve)  # the case separates the rules
    assert c.consents(rows, normalise_matrix(rows)).tolist() == [False]


def test_under_the_threshold_rule_the_share_approving_must_reach_the_consent_threshold():
    """Catches: the threshold rule ignoring its threshold (consent with any approval, or only unanimity)."""
    rows = packages({"guarantee_strength": "nato_membership", "neutrality": "nato_open", "duration_years": 0})
    c = coalition(veto_cost_strength=0.6, consent_rule="threshold", consent_threshold=0.3)
    share = sum(s.willingness >= 0.6 for s in c.members) / len(c.members)
    assert 0.3 <= share < 1.0
    assert c.consents(rows, normalise_matrix(rows)).tolist() == [True]
    strict = coalition(veto_cost_strength=0.6, consent_rule="threshold", consent_threshold=min(share + 0.01, 1.0))
    assert strict.consents(rows, normalise_matrix(rows)).tolist() == [False]


def test_the_veto_cost_rises_with_the_guarantees_normalised_strength_and_duration():
    """Catches: the cost of a veto computed on level indices or years rather than on [0, 1]."""
    c = coalition(veto_cost_strength=0.3, veto_cost_duration=0.4)
    rows = packages({"guarantee_strength": "bilateral_aid", "duration_years": 50})
    cost = 0.3 * 0.5 + 0.4 * 0.5
    expected = all(s.willingness >= cost for s in c.members)
    assert c.consents(rows, normalise_matrix(rows)).tolist() == [expected]
    assert expected is False  # 0.35: some member of the default coalition is less willing


def test_the_coalition_commits_only_to_packages_it_can_field_and_approves():
    """Catches: a package the coalition cannot field, or vetoes, counted as deliverable."""
    c = coalition()
    offered = float(c.troops_offered(packages({"foreign_troops": 500}))[0])
    assert offered > 500
    ask = [500, (offered // 500) * 500, (offered // 500 + 1) * 500]
    rows = packages(*({"foreign_troops": t} for t in ask))
    assert c.commits(rows, normalise_matrix(rows)).tolist() == [True, True, False]
    vetoed = coalition(veto_cost_strength=1.0, veto_cost_duration=1.0)
    assert vetoed.commits(rows[:1], normalise_matrix(rows[:1])).tolist() == [False]


# --- guarantors after a deal ---------------------------------------------------------------------------


def us(every_years: int = 4, disengage_probability: float = 0.3) -> GuarantorAgent:
    engagement = {"every_years": every_years, "disengage_probability": disengage_probability}
    g = model(actors={"united_states": {"guarantor": {"engagement": engagement}}}).guarantors[0]
    assert g.key == "united_states"
    return g


def draws(first: float, size: int = 4) -> np.ndarray:
    """A year's uniform draws with ``first`` in slot 0 (the first guarantor with elections)."""
    return np.array([first] + [0.99] * (size - 1))


def test_a_guarantor_starts_engaged_and_at_its_mean_cohesion():
    """Catches: the peace starting with a disengaged US or a coalition off its long-run cohesion."""
    m = model()
    assert m.guarantors[0].state == GuarantorState(engaged=True, cohesion=1.0)
    assert m.guarantors[1].state == GuarantorState(engaged=True, cohesion=0.9)


def test_elections_fall_in_the_years_after_each_term_only():
    """Catches: an election in year 1 or in year 4 (the first falls in year every_years + 1)."""
    for every, years in ((4, {5, 9, 13}), (3, {4, 7, 10, 13})):
        disengaged = set()
        for year in range(1, 14):
            g = us(every_years=every)
            if not g.step_year(year, draws(0.0)).engaged:
                disengaged.add(year)
        assert disengaged == years


def test_an_election_disengages_when_its_draw_is_below_the_disengage_probability():
    """Catches: disengaging with probability 1 - q, or on a tie."""
    assert us(disengage_probability=0.3).step_year(5, draws(0.2999)).engaged is False
    assert us(disengage_probability=0.3).step_year(5, draws(0.3)).engaged is True


def test_a_later_election_can_restore_engagement_and_between_elections_it_persists():
    """Catches: disengagement as an absorbing state, or engagement redrawn every year."""
    g = us()
    assert g.step_year(5, draws(0.0)).engaged is False
    assert [g.step_year(y, draws(0.99)).engaged for y in (6, 7, 8)] == [False, False, False]
    assert g.step_year(9, draws(0.99)).engaged is True


def test_a_guarantor_reads_its_election_from_its_own_slot_of_the_years_draws():
    """Catches: a second guarantor with elections reusing the first one's draw."""
    m = model()
    g = GuarantorAgent(m, m.compiled.guarantors[0], election_slot=5)
    year_draws = np.array([0.0, 0.99, 0.99, 0.99, 0.99, 0.99])
    assert g.step_year(5, year_draws).engaged is True
    year_draws[5] = 0.0
    assert g.step_year(9, year_draws).engaged is False


def test_a_steady_guarantor_never_changes_and_draws_nothing():
    """Catches: engagement moving for a guarantor whose scenario says it is steady."""
    data = defaults()  # a nested change would merge the elections keys into the steady engagement
    data["actors"]["united_states"]["guarantor"]["engagement"] = {"kind": "steady"}
    m = GuaranteeModel(Scenario.model_validate(data), 0)
    g = m.guarantors[0]
    before = m.rng.bit_generator.state
    assert [g.step_year(y, draws(0.0)) for y in (5, 9)] == [GuarantorState(True, 1.0)] * 2
    assert m.rng.bit_generator.state == before


def test_without_volatility_cohesion_reverts_deterministically_to_its_mean():
    """Catches: cohesion not pulled back to its mean at rate r (AR(1): c + r (mean - c))."""
    m = model(actors={"coalition": {"guarantor": {"engagement": {"mean": 0.9, "reversion": 0.3, "volatility": 0.0}}}})
    c = m.guarantors[1]
    c.state = GuarantorState(engaged=True, cohesion=0.5)
    path = [c.step_year(y, draws(0.5)).cohesion for y in range(1, 6)]
    expected, x = [], 0.5
    for _ in range(5):
        x = x + 0.3 * (0.9 - x)
        expected.append(x)
    assert path == expected
    assert path[-1] == pytest.approx(0.9 - 0.4 * 0.7**5)


def test_cohesion_moves_by_volatility_times_one_standard_normal_draw_of_the_models_rng():
    """Catches: cohesion shocks from another generator or with another scale."""
    m = model(actors={"coalition": {"guarantor": {"engagement": {"mean": 0.9, "reversion": 0.3, "volatility": 0.08}}}})
    twin = np.random.default_rng()
    twin.bit_generator.state = m.rng.bit_generator.state
    c = m.guarantors[1]
    z = twin.standard_normal()
    assert c.step_year(1, draws(0.5)).cohesion == pytest.approx(min(max(0.9 + 0.08 * z, 0.0), 1.0))


def test_cohesion_stays_within_zero_one_however_volatile():
    """Catches: an unclipped random walk (cohesion below 0 or above 1 would break credibility)."""
    m = model(seed=4, actors={"coalition": {"guarantor": {"engagement": {"volatility": 1.0}}}})
    c = m.guarantors[1]
    path = [c.step_year(y, draws(0.5)).cohesion for y in range(1, 201)]
    assert min(path) == 0.0 and max(path) == 1.0  # it hits both bounds, and goes no further
    assert all(0.0 <= x <= 1.0 for x in path)


# --- member politics after a deal (docs/MODEL.md 7.8.9) ----------------------------------------------------------

HORIZON = 600  # months


class Elected:
    """A stand-in for the members' stream: the named members' governments change at every election, to one of
    this willingness; nobody else's ever does."""

    def __init__(self, members: tuple[int, ...], willingness: float) -> None:
        self.members, self.willingness = list(members), willingness

    def random(self, size: tuple[int, int]) -> np.ndarray:
        u = np.ones(size)
        u[:, self.members] = 0.0
        return u

    def beta(self, a: float, b: float, size: tuple[int, int]) -> np.ndarray:
        return np.full(size, self.willingness)


def signed(
    seed: int = 0, troops: int = 20000, elected: Elected | None = None, first: int | None = None, **members: Any
) -> CoalitionAgent:
    """The coalition with equal pledges and a deal of TERMS with ``troops`` signed at month 0; ``elected`` (with
    every first election in month ``first``) in place of the members' stream."""
    c = coalition(seed, **members)
    if elected is not None:
        c._politics = elected
        c._elections[:] = first
    row = packages({"foreign_troops": troops})[0]
    c.sign(row, normalise_matrix(row[None, :])[0], 0, HORIZON)
    return c


def test_a_members_elections_come_every_term_staggered_and_change_its_government_with_the_turnover_chance():
    """Catches: the members' willingness fixed for the run (``members_fixed``), redrawn every year, or redrawn
    for all members at once (unstaggered elections)."""
    c = signed(turnover=1.0, term_years=4)
    start = c.willingness_at(0)
    due = (c._elections > 0) & (c._elections <= 12)  # an election in the month of signing came before it
    assert 0 < due.sum() < c.spec.count
    assert np.array_equal(c.willingness_at(12) != start, due)  # the first year: only those whose election fell in it
    assert (c.willingness_at(48) != start).all()  # by the end of the term every member has voted once
    c.model.month = 48
    assert [m.willingness for m in c.members] == c.willingness_at(48).tolist()  # the members read their own
    kept = signed(turnover=0.0)
    assert np.array_equal(kept.willingness_at(HORIZON), start)


def test_a_member_whose_government_would_no_longer_send_its_troops_lowers_the_coalitions_cohesion_level():
    """Catches: cohesion reverting to a fixed mean whatever the members' governments (``members_fixed``), or every
    member weighing the same whatever it pledged."""
    c = signed(elected=Elected((0,), 0.0), first=6, turnover=0.5)  # the first lead's government falls in month 6
    e = c.rule.engagement
    assert c.level(e) == pytest.approx(e.mean)  # year 1: everyone who signed stands behind the deal
    share = c._pledge[0] / c._pledge.sum()
    c.model.month = 12
    assert c.level(e) == pytest.approx(e.mean * (1.0 - share))  # its new government would not send its troops
    assert c.standing == pytest.approx(1.0 - share) and c.defections == 1
    assert c.members[0].willingness == 0.0
    path = []
    for year in (3, 4):
        c.model.month = 12 * (year - 1)
        path.append(c.step_year(year, draws(0.5)).level)
    assert path == [pytest.approx(e.mean * (1.0 - share))] * 2
    assert c.defections == 1  # a defection counts once


def test_what_a_member_must_still_be_willing_to_do_is_what_the_deal_asks_of_it():
    """Catches: one bar for every member and deal: a member that sends troops needs the participation threshold to
    stay behind the deal, one that only approved it needs only the deal's veto cost, so a deal without a force
    loses few members to turnover."""
    threshold = defaults()["actors"]["coalition"]["members"]["participation_threshold"]
    everyone = tuple(range(defaults()["actors"]["coalition"]["members"]["count"]))
    lukewarm = Elected(everyone, threshold * 0.9)  # every government a little less willing than a contributor must be
    with_force = signed(troops=20000, elected=lukewarm, first=6, turnover=0.5)
    without = signed(troops=0, elected=lukewarm, first=6, turnover=0.5)
    e = with_force.rule.engagement
    with_force.model.month = without.model.month = 12
    assert with_force.level(e) < e.mean  # the troop contributors fall below the threshold
    assert without.level(e) == pytest.approx(e.mean)  # approving costs them less than that


def test_a_strike_at_the_force_costs_cohesion_in_proportion_to_the_force_still_deployed():
    """Catches: cohesion answering only to noise (``incidents_harmless``), or a strike at a force already gone
    still costing it."""
    m = model(actors={"coalition": {"guarantor": {"engagement": {"incident_shock": 0.1}}}})
    c, us_ = m.guarantors[1], m.guarantors[0]
    c.struck(1.0)
    assert c.state.cohesion == pytest.approx(0.8)
    c.struck(0.5)
    assert c.state.cohesion == pytest.approx(0.75)
    c.struck(0.0)
    assert c.state.cohesion == pytest.approx(0.75)
    before = us_.state
    us_.struck(1.0)
    assert us_.state == before  # no cohesion to lose


def test_a_guarantor_honours_when_the_draw_is_below_its_credibility():
    """Catches: honouring with probability 1 - credibility, or on a tie."""
    g = model().guarantors[0]
    assert g.honours(0.3, 0.2999) is True
    assert g.honours(0.3, 0.3) is False
    assert g.honours(0.0, 0.0) is False
