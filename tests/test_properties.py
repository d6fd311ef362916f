"""Properties that hold for every input (hypothesis): determinism, bounded utilities, monotone credibility and
guarantee, the waiting rule, the war-payoff function, the belief, and the run's accounting."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.scenario import defaults, scenario_from_mapping
from sim.dealspace import ISSUES, Deal, normalise_matrix
from sim.execution.runs import run_once, run_seed
from sim.model.compiled import compile_scenario
from sim.model.deterrence import GuarantorState, credibilities, gain_at, guarantee, hazard, waiting_gain
from sim.model.negotiation import learn_from_rejection
from sim.model.simulation import WINDOWS, GuaranteeModel
from sim.model.war import Stakes, edge_types, update_belief, war_value
from sim.outcomes import outcome_of
from tests.helpers import FIXED_PACKAGE

BASE = scenario_from_mapping({})
COMPILED = compile_scenario(BASE)
DETERRENCE = BASE.deterrence
RULES = COMPILED.guarantors  # (united_states, coalition)


def package_numbers() -> st.SearchStrategy[list[float]]:
    """Any package, as numeric natural values."""
    parts = []
    for issue in ISSUES:
        if issue.is_ordinal:
            parts.append(st.integers(0, len(issue.levels) - 1).map(float))
        else:
            parts.append(st.floats(issue.lo, issue.hi, allow_nan=False))
    return st.tuples(*parts).map(list)


@settings(max_examples=15, deadline=None)
@given(seed=st.integers(0, 2**63 - 1))
def test_same_seed_gives_identical_results(seed):
    """Catches: a draw from anything but the run's seeded generator (a run not reproduced by its seed)."""
    a = run_once(BASE, seed, trace=True)
    b = run_once(BASE, seed, trace=True)
    assert a == b


def test_run_seeds_depend_only_on_master_seed_and_key():
    """Catches: run seeds that collide, or depend on the order of the key's parts being ignored."""
    assert run_seed(1, 3) == run_seed(1, 3)
    assert len({run_seed(1, j) for j in range(1000)}) == 1000
    assert run_seed(1, 0, 3) != run_seed(1, 3, 0)


@settings(max_examples=200, deadline=None)
@given(rows=st.lists(package_numbers(), min_size=1, max_size=8))
def test_utilities_are_bounded_between_zero_and_one(rows):
    """Catches: a utility outside [0, 1] (saliences not normalised, a penalty above one)."""
    numbers = np.array(rows)
    normalised = normalise_matrix(numbers)
    for prefs in COMPILED.preferences:
        u = prefs.utility(numbers, normalised)
        assert np.all(u >= 0.0) and np.all(u <= 1.0)


years = st.tuples(
    st.booleans(),  # the guarantee in force
    st.builds(lambda engaged: GuarantorState(engaged, 1.0), st.booleans()),  # the United States
    st.builds(lambda c: GuarantorState(True, c), st.floats(0.0, 1.0)),  # the coalition
).map(lambda t: (t[0], (t[1], t[2])))


def with_terms(troops: float, strength: int, role: int) -> Deal:
    d = Deal.from_mapping({**FIXED_PACKAGE, "foreign_troops": troops})
    return Deal(tuple(strength if i == 0 else role if i == 3 else v for i, v in enumerate(d.values)))


@settings(max_examples=300, deadline=None)
@given(
    year=years,
    strength=st.integers(0, 4),
    role=st.integers(0, 4),
    troops=st.tuples(st.floats(0, 300_000), st.floats(0, 300_000)).map(sorted),
)
def test_more_troops_never_lower_credibility_or_the_guarantee(year, strength, role, troops):
    """Catches: troops that lower the coalition's credibility or the guarantors' weight, or that move the US's
    credibility."""
    active, states = year
    fewer, more = (with_terms(t, strength, role) for t in troops)
    us_more, coalition_more = credibilities(more, active, states, RULES)
    us_fewer, coalition_fewer = credibilities(fewer, active, states, RULES)
    assert coalition_more >= coalition_fewer
    assert us_more == us_fewer
    assert guarantee(more, active, states, RULES) >= guarantee(fewer, active, states, RULES) - 1e-12


@settings(max_examples=200, deadline=None)
@given(year=years, strength=st.integers(0, 4), troops=st.floats(0, 300_000))
def test_credibilities_are_probabilities(year, strength, troops):
    """Catches: a credibility outside [0, 1] (a factor unclipped)."""
    active, states = year
    deal = with_terms(troops, strength, 3)
    for kappa in credibilities(deal, active, states, RULES):
        assert 0.0 <= kappa <= 1.0


incentive_paths = st.lists(st.floats(-2.0, 2.0, allow_nan=False), min_size=1, max_size=40).map(np.array)


@settings(max_examples=300, deadline=None)
@given(v=incentive_paths, delta=st.floats(0.0, 1.0))
def test_the_gain_from_waiting_is_the_best_discounted_later_attack_less_attacking_now(v, delta):
    """Catches: a waiting rule other than ``max(0, max_{j>t} delta^(j-t) V_j^+ - V_t^+)``, or the run's yearly gain
    drifting from the anticipation's."""
    gain = waiting_gain(v, delta)
    for t in range(v.size):
        later = max((delta ** (j - t) * max(v[j], 0.0) for j in range(t + 1, v.size)), default=0.0)
        expected = max(0.0, later - max(v[t], 0.0)) if delta > 0 else 0.0
        assert gain[t] == pytest.approx(expected, abs=1e-12)
        assert gain_at(v, t, delta) == pytest.approx(gain[t], abs=1e-12)
    assert np.all(gain >= 0)


@settings(max_examples=200, deadline=None)
@given(v=st.floats(-3.0, 3.0), g=st.tuples(st.floats(0.0, 2.0), st.floats(0.0, 2.0)).map(sorted))
def test_the_hazard_is_a_probability_at_most_its_maximum_and_waiting_never_raises_it(v, g):
    """Catches: a hazard above its maximum, or a gain from waiting that makes an attack likelier."""
    low, high = g
    h_low, h_high = hazard(v, low, DETERRENCE), hazard(v, high, DETERRENCE)
    assert 0.0 <= h_high <= h_low <= DETERRENCE.hazard_max


stakes = st.builds(Stakes, st.floats(0.0, 1.0), st.floats(0.0, 1.0), st.floats(0.0, 1.0))


@settings(max_examples=200, deadline=None)
@given(s=stakes, b=st.tuples(st.floats(-3.0, 3.0), st.floats(-3.0, 3.0)).map(sorted), k=st.floats(0.1, 50.0))
def test_war_value_lies_between_the_two_victories_and_moves_towards_the_challengers_as_the_balance_rises(s, b, k):
    """Catches: a war worth more than the better victory or less than the worse, or moving the wrong way in the
    balance."""
    lo, hi = b
    w_lo, w_hi = war_value(s, lo, k), war_value(s, hi, k)
    low, high = sorted((s.challenger_wins - s.cost, s.defender_wins - s.cost))
    for w in (w_lo, w_hi):
        assert low - 1e-12 <= w <= high + 1e-12
    if s.challenger_wins >= s.defender_wins:
        assert w_hi >= w_lo - 1e-12
    else:
        assert w_hi <= w_lo + 1e-12


TYPES = edge_types(BASE.war)


@settings(max_examples=200, deadline=None)
@given(
    prior=st.lists(st.floats(0.01, 1.0), min_size=TYPES.size, max_size=TYPES.size).map(np.array),
    signal=st.floats(-1.0, 1.0),
    accepts=st.lists(st.booleans(), min_size=TYPES.size, max_size=TYPES.size).map(np.array),
)
def test_the_belief_stays_a_probability_distribution_over_the_types(prior, signal, accepts):
    """Catches: an update that loses or creates probability mass, or gives a type a negative probability."""
    prior = prior / prior.sum()
    for post in (update_belief(prior, TYPES, signal, BASE.war), learn_from_rejection(prior, accepts)):
        assert post.shape == prior.shape
        assert np.all(post >= 0) and post.sum() == pytest.approx(1.0)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32 - 1))
def test_every_run_books_peace_and_war_to_fill_each_window(seed):
    """Catches: a run whose peace and war do not add up to the window, peace beyond it, or a run that stops
    before the horizon."""
    m = GuaranteeModel(COMPILED, seed).run()
    o = outcome_of(m)
    assert m.month == m.horizon_months
    for w in WINDOWS:
        assert 0 <= m.peace_months[w] <= 12 * w
        peace, war = getattr(o, f"peace_years_{w}"), getattr(o, f"war_years_{w}")
        assert peace == m.peace_months[w] / 12
        assert peace + war == pytest.approx(w)
    if m.deal is None:
        assert m.peace_months == dict.fromkeys(WINDOWS, 0)


def test_every_draw_comes_from_the_model_rng():
    """Catches: global numpy or stdlib random state touched (runs then differ with what the globals hold)."""
    import random

    np.random.seed(0)
    random.seed(0)
    a = run_once(BASE, 42)
    np.random.seed(99)
    random.seed(99)
    b = run_once(BASE, 42)
    assert a == b


def test_defaults_are_a_complete_scenario():
    """Catches: a section of the scenario missing from the packaged defaults."""
    assert set(defaults()) >= {"package", "actors", "negotiation", "war", "power", "deterrence"}


def test_finished_models_are_released_so_memory_stays_flat():
    """Catches: Mesa <= 3.4 keeping every model alive through Agent._ids (mesa#3179): a run leaking its model."""
    import gc
    import weakref

    model = GuaranteeModel(BASE, 7)
    ref = weakref.ref(model)
    outcome_of(model.run())
    model.release()  # what run_once does once it has the outcome
    del model
    gc.collect()
    assert ref() is None


def test_survival_with_few_runs_and_no_breakdown_has_an_honest_interval():
    """Catches: two agreements, neither broken, reported as S = 1 [1, 1]: with n = 2 the 95 % lower bound is
    0.025 ** (1 / 2)."""
    from sim.analysis.summary import kaplan_meier

    surv = kaplan_meier([50.0, 50.0], [False, False]).at(15)
    assert surv.value == 1.0
    assert surv.low == pytest.approx(0.025**0.5)


@settings(max_examples=60, deadline=None)
@given(rows=st.lists(st.tuples(*[st.floats(-2e5, 2e6, allow_nan=False) for _ in ISSUES]), min_size=1, max_size=6))
def test_normalising_a_matrix_equals_normalising_each_issue_to_the_last_bit(rows):
    """Catches: the fast matrix normalisation drifting from the per-issue definition."""
    numbers = np.array(rows, dtype=float)
    for k, issue in enumerate(ISSUES):
        numbers[:, k] = np.round(numbers[:, k]) % len(issue.levels) if issue.is_ordinal else numbers[:, k]
    expected = np.column_stack([issue.normalise(numbers[:, k]) for k, issue in enumerate(ISSUES)])
    assert np.array_equal(normalise_matrix(numbers), expected)
    assert np.array_equal(normalise_matrix(numbers[0]), expected[0])
