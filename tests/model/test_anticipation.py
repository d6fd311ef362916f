"""Anticipation (sim/model/anticipation.py): what each party expects of each candidate package over the horizon,
per type of Russia's private edge.

``S_t = prod_{j <= t} (1 - h_j(x, theta))`` with the hazard of :func:`sim.model.deterrence.yearly_choice` under the
guarantors as signed until the first US election, then its expectation over the US engaged or disengaged;
``V_i(x, theta) = sum_t delta^(t-1) [S_t U_i(x) + (1 - S_t) W_i(b_t)] / sum_t delta^(t-1)``; without
anticipation ``V_i = U_i``. The brute-force references below step through the years with the run's own yearly
calculus, so a second home of the attack rule would show.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import Scenario, scenario_from_mapping
from sim.dealspace import Deal
from sim.model.anticipation import Anticipation
from sim.model.compiled import CompiledScenario, compile_scenario
from sim.model.deterrence import GuarantorState, yearly_choice
from sim.model.war import Stakes, war_value
from tests.helpers import FIXED_PACKAGE

TOL = 2e-6
"""Against the double-precision references below: the anticipation's large arrays are single precision
(:data:`sim.model.anticipation.PRECISION`; measured errors below 4e-7, and the test of the precision itself
below)."""
SCENARIO = scenario_from_mapping({})
COMPILED = compile_scenario(SCENARIO)
UKRAINE, RUSSIA, US = 0, 1, 2

DEALS = (
    Deal.from_mapping({**FIXED_PACKAGE, "duration_years": 15}),
    Deal.from_mapping({**FIXED_PACKAGE, "foreign_troops": 0, "guarantee_strength": "assurances"}),
    Deal.from_mapping({**FIXED_PACKAGE, "duration_years": 5, "us_role": "none", "ukraine_army": 600000}),
)


def expect(
    deals: tuple[Deal, ...] = DEALS,
    scenario: Scenario = SCENARIO,
    utilities: np.ndarray | None = None,
    stakes: tuple[Stakes, ...] | None = None,
    states: tuple[GuarantorState, ...] | None = None,
) -> Anticipation:
    """The anticipation of some deals under a scenario (utilities, stakes and states: the compiled ones by
    default, or as given)."""
    c = compile_scenario(scenario)
    numbers = np.array([d.values for d in deals])
    if utilities is None:
        utilities = np.array([c.utilities(d) for d in deals]).T
    return c.anticipate(numbers, utilities, states, stakes=stakes, keep_survival=True)


def year_by_year(
    d: Deal, edge: float, c: CompiledScenario = COMPILED, states: tuple[GuarantorState, ...] | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Russia's expected hazard in years 1..horizon from the run's yearly choice, and the balances a resumed war
    would start from with their chances (years x 2): the guarantors in ``states`` (as at signing by default) up
    to the first US election, then the US engaged or disengaged with the election's odds (written out here for
    the scenarios below, whose only guarantor with elections is the US, the first, and whose coalition's cohesion
    reverts to its mean)."""
    s = c.scenario
    states = tuple(r.initial_state() for r in c.guarantors) if states is None else states
    us = s.actors["united_states"].guarantor.engagement
    outlook = c.outlook(d, edge, states)
    years = outlook.active.size
    h, b, w = np.zeros(years), np.zeros((years, 2)), np.zeros((years, 2))
    for y in range(1, years + 1):
        # the coalition's cohesion as expected in year y (reverting to its mean from its value at signing)
        co = s.actors["coalition"].guarantor.engagement
        cohesion = (
            states[1].cohesion if y == 1 else co.mean + (1 - co.reversion) ** (y - 1) * (states[1].cohesion - co.mean)
        )
        now = (states[0], GuarantorState(states[1].engaged, cohesion))
        if y <= us.every_years:  # before the first election: the states as signed
            mix = ((now, 1.0), (now, 0.0))
        else:
            mix = tuple(
                ((GuarantorState(engaged, states[0].cohesion), now[1]), odds)
                for engaged, odds in ((True, 1 - us.disengage_probability), (False, us.disengage_probability))
            )
        for j, (st, odds) in enumerate(mix):
            calc = yearly_choice(outlook, y, st, c.guarantors, s.deterrence)
            h[y - 1] += odds * calc.hazard
            b[y - 1, j], w[y - 1, j] = calc.balance, odds
    return h, b, w


def expected_war(stakes: Stakes, balance: np.ndarray, chance: np.ndarray, steepness: float) -> np.ndarray:
    """A party's expected value of a year of war, per year, over the balances of :func:`year_by_year`."""
    return (np.asarray(war_value(stakes, balance, steepness)) * chance).sum(axis=1)


def test_the_anticipation_has_a_value_per_party_package_and_type_and_a_survival_per_year():
    """Catches: axes in another order than the table's (parties x packages x types; packages x types x years)."""
    a = expect()
    assert a.values.shape == (3, len(DEALS), COMPILED.types.size)
    assert a.survival.shape == (len(DEALS), COMPILED.types.size, SCENARIO.deterrence.horizon_years)


def test_repeated_anticipations_of_different_pools_do_not_share_their_results():
    """Catches: the reused work buffers (the speed of a run's construction) leaking into the results: a returned
    array that is a view of a buffer the next call overwrites, or a buffer sized for a larger pool read whole."""
    first = expect()
    values, survival = first.values.copy(), first.survival.copy()
    expect(deals=DEALS[:1] * 7)  # a larger pool, then a smaller one, through the same buffers
    expect(deals=DEALS[1:2])
    assert first.values.tolist() == values.tolist()
    assert first.survival.tolist() == survival.tolist()
    again = expect()
    assert again.values.tolist() == values.tolist()
    assert again.survival.tolist() == survival.tolist()


def test_the_talks_need_no_survival_curves():
    """Catches: the run's construction copying the survival curves of the whole pool, which only tests read."""
    c = COMPILED
    numbers = np.array([d.values for d in DEALS])
    utilities = np.array([c.utilities(d) for d in DEALS]).T
    a = c.anticipate(numbers, utilities)  # as the run's construction calls it
    assert a.survival is None
    assert a.values.tolist() == expect().values.tolist()


def test_without_anticipation_a_package_is_worth_its_utility_for_every_type():
    """Catches: a model-v1 scenario (anticipation off) still pricing the breakdown risk."""
    off = scenario_from_mapping({"negotiation": {"anticipation": False}})
    a = expect(scenario=off)
    utilities = np.array([COMPILED.utilities(d) for d in DEALS]).T
    for k in range(COMPILED.types.size):
        assert a.values[:, :, k].tolist() == utilities.tolist()
    assert np.all(a.survival == 1.0)


def test_anticipated_survival_is_the_product_of_one_less_the_runs_yearly_hazard():
    """Catches: a second home of Russia's attack rule: the talks pricing another hazard (another balance, gain,
    credibility or consolidation) than the one the signed deal then faces in the run."""
    a = expect()
    for p, d in enumerate(DEALS):
        for k, theta in enumerate(COMPILED.types):
            h, *_ = year_by_year(d, float(theta))
            assert a.survival[p, k] == pytest.approx(np.cumprod(1.0 - h), rel=0, abs=TOL)


def test_the_talks_price_the_renewals_and_drawdown_the_run_then_faces():
    """Catches: the anticipation and the run's yearly calculus deciding renewal differently (another need, cost,
    judgement of Russia's edge or drawdown): the parties would price a guarantee other than the one Russia faces.
    Two costs of staying: one the guarantors pay (renewed), one they do not (the force draws down)."""
    for cost in (0.0, 0.05):
        s = scenario_from_mapping({"expiry": {"renewal": True, "renewal_cost": cost, "drawdown_years": 2}})
        c = compile_scenario(s)
        a = expect(scenario=s)
        lengths = set()
        for p, d in enumerate(DEALS):
            lengths.add(int(c.outlook(d).active.sum()))
            for k, theta in enumerate(c.types):
                h, *_ = year_by_year(d, float(theta), c)
                assert a.survival[p, k] == pytest.approx(np.cumprod(1.0 - h), rel=0, abs=TOL)
        assert len(lengths) > 1 or cost == 0.0


def test_anticipated_survival_uses_the_guarantors_states_it_is_given():
    """Catches: the anticipation ignoring the guarantors' states (a disengaged US priced as an engaged one)."""
    weak = (GuarantorState(False, 1.0), GuarantorState(True, 0.5))
    a = expect(states=weak)
    for p, d in enumerate(DEALS):
        h, *_ = year_by_year(d, 0.0, states=weak)
        assert a.survival[p, 3] == pytest.approx(np.cumprod(1.0 - h), rel=0, abs=TOL)
    # In the first year, before any election, a disengaged US and a split coalition deter less. (Not in every later
    # year: from the first election on both start from the same odds, and the weak start's refused renewal of the
    # five-year deal makes a foresighted Russia hold back before the lapse.)
    assert np.all(a.survival[:, :, 0] < expect().survival[:, :, 0])


def test_each_partys_value_is_the_discounted_average_of_peace_while_it_holds_and_war_once_it_breaks():
    """Catches: the value of a package computed other than ``sum_t w_t [S_t U_i + (1 - S_t) W_i(b_t)]`` (the war
    that follows a breakdown left out, valued at another balance, or the years undiscounted)."""
    a = expect()
    delta = SCENARIO.negotiation.discount
    k_out = SCENARIO.war.outcome_steepness
    years = SCENARIO.deterrence.horizon_years
    w = delta ** np.arange(years)
    w = w / w.sum()
    for p, d in enumerate(DEALS):
        u = COMPILED.utilities(d)
        for k, theta in enumerate(COMPILED.types):
            h, b, odds = year_by_year(d, float(theta))
            s = np.cumprod(1.0 - h)
            for i, stakes in enumerate(COMPILED.stakes):
                war = expected_war(stakes, b, odds, k_out)
                expected = sum(w[t] * (s[t] * u[i] + (1 - s[t]) * war[t]) for t in range(years))
                assert a.values[i, p, k] == pytest.approx(expected, rel=TOL)


def test_a_peace_certain_to_hold_is_worth_its_utility():
    """Catches: a value that mixes in the war when the hazard is nil."""
    calm = scenario_from_mapping({"deterrence": {"hazard_max": 1e-12, "hazard_threshold": 3.0}})
    a = expect(scenario=calm)
    utilities = np.array([COMPILED.utilities(d) for d in DEALS]).T
    assert a.values == pytest.approx(np.repeat(utilities[:, :, None], COMPILED.types.size, axis=2), abs=1e-9)


def test_survival_never_rises_and_a_stronger_russia_type_breaks_the_peace_sooner():
    """Catches: a survival that is not a cumulative product (rising after a fall), or the edge lowering the
    hazard."""
    a = expect()
    assert np.all(np.diff(a.survival, axis=-1) <= 0)
    assert np.all((a.survival > 0) & (a.survival <= 1))
    assert np.all(np.diff(a.survival[:, :, -1], axis=1) < 0)  # types are sorted, weakest first


def test_a_package_whose_breakdown_risk_is_higher_is_worth_less_to_ukraine_holding_terms():
    """Catches: Ukraine valuing a package as if it held for ever (v1), or pricing the risk with the wrong sign.
    The same packages and the same war, only Russia's hazard higher: the value falls wherever Ukraine's peace is
    worth more than the war that would follow, and rises wherever it is worth less (a Budapest-like package)."""
    risky = scenario_from_mapping({"deterrence": {"hazard_max": 0.6}})
    safe, worse = expect(), expect(scenario=risky)
    assert np.all(worse.survival < safe.survival)
    belief = np.full(COMPILED.types.size, 1.0 / COMPILED.types.size)
    assert worse.values[UKRAINE, 0] @ belief < safe.values[UKRAINE, 0] @ belief  # the Paris-like draft
    better = worse_off = 0
    for p, d in enumerate(DEALS):
        u = COMPILED.utilities(d)[UKRAINE]
        for k, theta in enumerate(COMPILED.types):
            _, b, _ = year_by_year(d, float(theta))
            w = np.asarray(war_value(COMPILED.stakes[UKRAINE], b, SCENARIO.war.outcome_steepness))
            if np.all(w < u):
                assert worse.values[UKRAINE, p, k] < safe.values[UKRAINE, p, k]
                worse_off += 1
            elif np.all(w > u):
                assert worse.values[UKRAINE, p, k] > safe.values[UKRAINE, p, k]
                better += 1
    assert worse_off >= 3 and better >= 3


def test_a_package_whose_breakdown_risk_is_higher_is_worth_less_to_ukraine_whatever_its_terms_do_to_utility():
    """Catches: the risk of a package priced through its terms' utility rather than its deterrence: two packages
    given the same utilities, the one with no guarantee is worth less to Ukraine."""
    guarded, bare = DEALS[0], Deal.from_mapping({**FIXED_PACKAGE, "duration_years": 15, "foreign_troops": 0})
    same = np.array([COMPILED.utilities(guarded)] * 2).T  # the same utility for both packages
    a = expect((guarded, bare), utilities=same)
    assert np.all(a.survival[0] > a.survival[1])
    assert np.all(a.values[UKRAINE, 0] > a.values[UKRAINE, 1])


def test_every_value_lies_between_the_partys_peace_utility_and_its_war_values():
    """Catches: weights that do not sum to one (a value outside what peace or war can give)."""
    a = expect()
    k_out = SCENARIO.war.outcome_steepness
    for p, d in enumerate(DEALS):
        u = COMPILED.utilities(d)
        for k, theta in enumerate(COMPILED.types):
            _, b, _ = year_by_year(d, float(theta))
            for i, stakes in enumerate(COMPILED.stakes):
                w = np.asarray(war_value(stakes, b, k_out))
                assert min(u[i], w.min()) - 1e-12 <= a.values[i, p, k] <= max(u[i], w.max()) + 1e-12


def test_the_anticipation_of_a_pool_equals_the_anticipation_of_each_package_alone():
    """Catches: a package's value depending on which other packages are on the table (broadcasting across the
    package axis)."""
    together = expect()
    for p, d in enumerate(DEALS):
        alone = expect((d,))
        assert alone.values[:, 0] == pytest.approx(together.values[:, p], rel=1e-13)
        assert alone.survival[0] == pytest.approx(together.survival[p], rel=1e-13)


def test_a_myopic_russia_is_priced_as_myopic():
    """Catches: the anticipation computing a gain from waiting that the run's Russia (foresight 0) never has."""
    myopic = scenario_from_mapping({"deterrence": {"foresight": 0.0}})
    c = compile_scenario(myopic)
    a = expect(scenario=myopic)
    for p, d in enumerate(DEALS):
        h, *_ = year_by_year(d, 0.0, c)
        assert a.survival[p, 3] == pytest.approx(np.cumprod(1.0 - h), rel=0, abs=TOL)


def test_the_discount_weighs_the_near_years_more():
    """Catches: the parties' discount ignored (the far future weighing as much as the next year): where peace is
    worth more to Ukraine than war, and peace is likelier early than late, discounting raises the value."""
    patient = scenario_from_mapping({"negotiation": {"discount": 1.0}})
    a, b = expect(), expect(scenario=patient)
    assert np.all(a.survival == b.survival)
    checked = 0
    for p, d in enumerate(DEALS):
        u = COMPILED.utilities(d)[UKRAINE]
        for k, theta in enumerate(COMPILED.types):
            _, bal, _ = year_by_year(d, float(theta))
            if np.all(war_value(COMPILED.stakes[UKRAINE], bal, SCENARIO.war.outcome_steepness) < u):
                assert a.values[UKRAINE, p, k] > b.values[UKRAINE, p, k]
                checked += 1
    assert checked >= 3


def test_a_costlier_war_after_a_breakdown_lowers_every_partys_value_but_not_the_survival_of_the_peace():
    """Catches: the others' war costs feeding Russia's hazard, or the cost of the war that would follow left out
    of the value."""
    cheap = list(COMPILED.stakes)
    dear = list(COMPILED.stakes)
    dear[UKRAINE] = Stakes(cheap[UKRAINE].challenger_wins, cheap[UKRAINE].defender_wins, cheap[UKRAINE].cost + 0.3)
    a, b = expect(stakes=tuple(cheap)), expect(stakes=tuple(dear))
    assert np.all(a.survival == b.survival)
    assert np.all(b.values[UKRAINE] < a.values[UKRAINE])
    assert np.all(b.values[RUSSIA] == a.values[RUSSIA])


def test_single_precision_changes_the_anticipation_by_less_than_a_millionth(monkeypatch):
    """Catches: a loss of precision in the anticipation's single-precision arrays (a cancellation, a product over
    the years that drifts, an overflow) that would make the talks price another peace than double precision gives.
    The whole pool of a baseline run, in single and in double precision."""
    from pathlib import Path

    import sim.model.anticipation as anticipation
    from sim.config.scenario import load_scenario
    from sim.model.simulation import GuaranteeModel

    c = compile_scenario(load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "baseline.yaml"))
    t = GuaranteeModel(c, 3)._table
    numbers, u = t.numbers[t.feasible_idx], t.utilities[:, t.feasible_idx]
    assert numbers.shape[0] > 100
    single = c.anticipate(numbers, u, keep_survival=True)
    monkeypatch.setattr(anticipation, "PRECISION", np.float64)
    double = c.anticipate(numbers, u, keep_survival=True)
    assert single.values == pytest.approx(double.values, rel=1e-6)
    assert single.survival == pytest.approx(double.survival, rel=0, abs=1e-6)
    assert not np.array_equal(single.values, double.values)  # the two precisions did run
