"""The model reproduces the logic of the reporting (issue 2, "It must reproduce the reporting's logic"), model v2.

Statistical tests over many seeds. Each states its tolerance: comparisons require the 95 % Wilson or
Greenwood intervals to separate, or the interval of a paired or pooled statistic to exclude the null, or a stated
margin, so that they fail when the pattern is absent rather than by chance (the seeds are fixed, so the tests are
deterministic). Negotiated settings are run only as far as the test needs (the first session of talks, or the first
15 years), with the seeds and draws of the full runs (``benchmarks/validation_table.py``; tests/test_validation.py
checks the runner against full runs). Settings shared with tests/test_validation.py are run once per session.

Each docstring says what kind of test it is: a **calibration target** (a parameter was set with the pattern in
view), a **unit test of a sign by construction** (one term's monotonicity gives the direction), or a **mechanism
test** (the direction comes from the interaction of submodels: the talks pricing the peace, learning, waiting).
"Catches:" names the wrong model it is meant to fail for. "Wrong model caught:" lists the mutants of
tests/mutants.py it was measured to catch (``python benchmarks/mutation_gate.py --tests tests/test_validation.py
tests/test_patterns.py`` with the US elections foreseen, issue 12 item 3), or, when it caught none, "none known
(calibration target)" for a calibration target and "none known (no mutant fails it at its seed)" for another test
(the forms the mutation gate reads). A pattern the model does not
reproduce is marked ``xfail(strict=True)`` with the measured numbers and the assumption that drives the discrepancy
(docs/VALIDATION.md). An xfailed test "catches" a mutant when the mutant makes it pass (a strict XPASS): the mutant
removes what drives the discrepancy, which is evidence for the stated driver, not a check of the mutant.
"""

from __future__ import annotations

import functools
import math
import statistics
from pathlib import Path

import numpy as np
import pytest

from benchmarks.validation_table import cached_runs, cached_talks, early_years, first_sessions, talks
from sim.analysis.summary import peace_survival, summarise, wilson
from sim.analysis.tables import pooled_hazard
from sim.config.scenario import load_scenario, with_overrides
from sim.execution.runs import run_scenario
from tests.helpers import FIXED_PACKAGE, imposed, summary, variant

ROOT = Path(__file__).resolve().parents[1]

#: The sizes and seed of the settings shared with tests/test_validation.py: the same as its SEED, EVALUATE_RUNS
#: and TALKS_RUNS, so that each shared setting is run once per session.
SHARED_SEED = 6
SHARED_EVALUATE_RUNS = 600
SHARED_TALKS_RUNS = 150


def imposed_runs(setting: str) -> tuple:
    """Runs of a deterrence-only setting of benchmarks/validation_table.py (shared with tests/test_validation.py)."""
    return cached_runs(setting, SHARED_EVALUATE_RUNS, SHARED_SEED)


def first_session(setting: str) -> tuple:
    """The first sessions of talks of a negotiated setting of benchmarks/validation_table.py (traced; shared)."""
    return cached_talks(setting, SHARED_TALKS_RUNS, SHARED_SEED, True)


def _mean_interval(values) -> tuple[float, float]:
    """Mean and its standard error."""
    values = list(values)
    return statistics.fmean(values), statistics.stdev(values) / math.sqrt(len(values))


# --- the force: can Europe field it, and does Moscow refuse it? ------------------------------------------

TROOP_SETTINGS = {0: "talks-no-troops", 5000: "talks-troops-5k", 20000: "talks-troops-20k", 60000: "talks-troops-60k"}


def test_the_coalition_can_field_a_small_force_but_rarely_a_large_one():
    """F10-F12 read with the coalition's pledges (the first half of v1's pattern 1, split per the review of model v1,
    sections 2.1 and 5: in v1 the coalition could not field 20,000 in 51 % of runs and 40,000 or more in any run, so
    the "Moscow refuses" test passed partly, and at 60,000 wholly, by infeasibility).

    Calibration target of the coalition's capacity (member pledges, willingness and the US backstop), a unit test
    of the capacity rule by construction. Negotiated baseline with the force fixed at 0, 5,000, 20,000 and 60,000:
    the share of runs with any feasible package falls with the force, the intervals separate from 5,000 to 20,000
    and from 20,000 to 60,000, and 60,000 is (almost) never feasible. Measured (1,000 runs): 1.00 / 0.995 / 0.56 /
    0.00. Catches: a coalition that can field any force (capacity unlimited), so that a "Moscow refuses" result
    could not be told from "Europe cannot deliver".

    Wrong model caught: none known (calibration target).
    """
    feasible = {
        t: wilson(sum(r.feasible for r in first_session(s)), SHARED_TALKS_RUNS) for t, s in TROOP_SETTINGS.items()
    }
    assert feasible[5000].low > feasible[20000].high, feasible
    assert feasible[20000].low > feasible[60000].high, feasible
    assert feasible[0].value > 0.95 and feasible[60000].high < 0.05, feasible


def _paired_among_feasible(a: str, b: str) -> tuple[float, float, int]:
    """Run-by-run difference in first-session agreement, ``a`` minus ``b``, over the runs in which both settings had
    a feasible package (same seeds: the same Russia, battlefield and candidate draws): mean, standard error, runs."""
    pairs = [(x.agreement, y.agreement) for x, y in zip(first_session(a), first_session(b), strict=True)]
    feasible = [x.feasible and y.feasible for x, y in zip(first_session(a), first_session(b), strict=True)]
    d = np.array([float(p) - float(q) for (p, q), f in zip(pairs, feasible, strict=True) if f])
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size)), int(d.size)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): among runs in which the coalition can field the force, Moscow "
        "signs as often with troops on the table as without. Paired differences in P(agreement in the first session), "
        "no troops minus troops: at 5,000, -0.017 +- 0.012 (1,000 runs, seed 21) and -0.035 +- 0.016 (600 runs, seed "
        "6); at 20,000, 0.031 +- 0.020 and 0.012 +- 0.027 (P 0.87-0.93 in every arm; with the guarantee renewed the "
        "force stays beyond 15 years, and at 1,000 runs the 20,000 difference is positive, though its interval now "
        "reaches just below 0: it lay above 0 before Russia and the table foresaw the US elections). Over all "
        "sessions Russia accepts a tabled package in 99-100 % of feasible runs. Its war costs it 0.2 a year "
        "(actors.russia.war_cost), so fighting on is worth less to it than almost any package, and the option of "
        "resuming the war after reconstituting floors its value of a bad one (with 5,000 troops its utility of the "
        "packages falls from 0.61 to 0.37 on average, its anticipated value only from 0.62 to 0.48, still above its "
        "value of war, 0.43, for the middle type). In most months without a deal the mediator has nothing to table "
        "that Kyiv and Washington would accept: the binding acceptances are theirs, and Kyiv's soft red line on no "
        "troops even makes a small force slightly easier to sign. Moscow's aversion shows in the hazard, not at the "
        "table."
    ),
)
def test_moscow_signs_less_often_when_troops_are_on_the_table_among_packages_the_coalition_can_field():
    """F10-F12: Moscow rejects any Western troops in Ukraine, and a bigger force is a bigger threat (the second half
    of v1's pattern 1, with capacity set aside).

    Mechanism test (Russia's value of a package, with its breakdown risk and the war after it, against its value of
    fighting on). Negotiated baseline with the force fixed at 0, 5,000 and 20,000, the same seeds: over the runs in
    which both settings have a feasible package, the run-by-run difference in P(agreement in the first session), no
    troops minus troops, has its 95 % interval above 0, at 5,000 and at 20,000. Catches: a Russia indifferent to
    foreign troops at the table, or one whose option to re-attack makes any terms acceptable (the v2 result).

    Wrong model caught: none known (no mutant fails it at its seed).
    """
    for troops in (5000, 20000):
        diff, se, n = _paired_among_feasible(TROOP_SETTINGS[0], TROOP_SETTINGS[troops])
        assert diff - 1.96 * se > 0, (troops, diff, se, n)


# --- imposed packages: how long does a given peace last? -----------------------------------------------


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): imposed, the draft package with 20,000 troops holds 15 years "
        "less often than without troops: S(15) 0.43 [0.40, 0.46] against 0.64 [0.61, 0.67] (1,000 runs, seed 11; "
        "600 runs here). Russia's aversion to troops (salience 0.4, soft red line x0.7 for any troops) raises its "
        "incentive to attack more than the force's weight deters it; only from about 100,000 troops does the force "
        "make up for it (S(15) 0.64). With troops costing Russia nothing, 20,000 cut the hazard by 39 % "
        "(tests/test_validation.py)."
    ),
)
def test_given_an_agreement_more_troops_lengthen_peace():
    """F41, F43; Fortna: armed forces on the ground cut the hazard of renewed war.

    Unit test of a sign by construction (the force adds ``w_f F`` to the coalition's weight and ``rho F`` to its
    credibility), net of Russia's dislike of troops at the default preferences. The draft package imposed (no
    selection by the talks): P(holds 15 y) with 20,000 troops above that with none, intervals separated. Catches:
    troops that deter nothing, or whose cost in Russia's satisfaction outweighs their deterrence (the v2 result).

    Wrong model caught: terms_irrelevant.
    """
    s = {t: summarise(imposed_runs(k)).holds_15 for t, k in ((0, "draft-0"), (20000, "draft-20k"))}
    assert s[20000].low > s[0].high, s


def test_once_troops_are_on_the_ground_a_bigger_force_lengthens_peace():
    """F41, F43 (a Cold-War-scale garrison made Article 5 credible): the second half of v1's troop pattern, which
    v2 reproduces. Russia's red line on troops is crossed by any force, so between two forces only their weight and
    the part of Russia's dislike that grows with their number differ.

    Unit test of a sign by construction (the force weight ``F`` in the coalition's weight and credibility). The draft
    package imposed: P(holds 15 y) with 100,000 troops above that with 20,000, intervals separated. Measured (1,000
    runs, seed 11): 5,000 0.39, 20,000 0.43, 40,000 0.52, 100,000 0.64, 300,000 0.70 (none: 0.64). Catches: troops
    that deter nothing (then more troops only lower Russia's utility, and peace shortens).

    Wrong model caught: troops_deter_nothing.
    """
    s = {t: summarise(imposed_runs(k)).holds_15 for t, k in ((20000, "draft-20k"), (100000, "draft-100k"))}
    assert s[100000].low > s[20000].high, s


STRENGTHS = ("assurances", "bilateral_aid", "article5_like", "nato_membership")


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): at these terms (NATO door open, 20,000 troops) P(holds 30 y) is "
        "only weakly monotone, 0.113 / 0.112 / 0.130 / 0.157 (600 runs): assurances and bilateral aid tie (hazards "
        "within 0.002 a year: bilateral aid's credibility is offset by Russia's lower utility of it) and the "
        "intervals of the ends overlap. At the draft's own terms without troops (NATO renounced) the order reverses: "
        "0.608 / 0.537 / 0.445 / 0.185 (1,000 runs; NATO membership with the NATO door open). Russia's dislike of "
        "a stronger guarantee (salience 0.2, ideal "
        "assurances; NATO membership crosses its neutrality red line) raises its incentive to attack about as much "
        "as the guarantee's weight deters it."
    ),
)
def test_given_an_agreement_stronger_guarantees_lengthen_peace():
    """F02, F23, F41: Budapest-style assurances < bilateral aid < an Article-5-like commitment < NATO.

    Unit test of a sign by construction (credibility rises with the guarantee's strength), net of Russia's dislike
    of stronger guarantees. The draft package imposed with the NATO door open (so that every strength, NATO
    membership included, is compatible): P(holds 30 y) non-decreasing in strength, and the intervals of the ends
    separated. Catches: a guarantee strength that does not matter to deterrence.

    Wrong model caught: terms_irrelevant, incidents_harmless.
    """
    s = [summary(imposed(guarantee_strength=lv, neutrality="nato_open"), 600).holds_30 for lv in STRENGTHS]
    values = [e.value for e in s]
    assert values == sorted(values), dict(zip(STRENGTHS, s, strict=True))
    assert s[-1].low > s[0].high, dict(zip(STRENGTHS, s, strict=True))


# --- expiry ------------------------------------------------------------------------------------------

#: The guarantors held steady: the US never disengages at an election and the coalition's cohesion stays at its mean
#: (no noise, no member turnover, no cohesion lost to strikes at the force). Every run then has the same yearly
#: hazard path for its type of Russia while it lasts, so comparing years across two guarantees is not confounded by
#: which runs survived the earlier years (frailty selection by the guarantors' states), and the comparison is
#: sharper.
STEADY_GUARANTORS = {
    "actors": {
        "united_states": {"guarantor": {"engagement": {"disengage_probability": 0.0}}},
        "coalition": {
            "guarantor": {"engagement": {"volatility": 0.0, "incident_shock": 0.0}},
            "members": {"turnover": 0.0},
        },
    }
}


@functools.cache
def expiry_runs() -> dict[int, list]:
    """The fixed package signed for 15 years and for 50, guarantors held steady, 1,500 runs each on the same seeds
    (shared by the three expiry tests). The guarantee *lapses* at the end of its term, the force leaving at once
    (``expiry: {renewal: false, drawdown_years: 0}``, model v2's expiry): the three tests are about what a lapse does
    to Russia's choice; whether the guarantors let it lapse is the renewal rule's, tested in tests/test_peace.py.
    With the default renewal the guarantors of this package renew at the end of the term."""
    return {
        years: run_scenario(
            variant(
                mode="evaluate",
                package={**FIXED_PACKAGE, "duration_years": years},
                expiry={"renewal": False, "drawdown_years": 0},
                **STEADY_GUARANTORS,
            ),
            1500,
            5,
        )
        for years in (15, 50)
    }


def hazard_ratio_interval(treated, control) -> tuple[float, float, float]:
    """Ratio of two pooled hazards (:func:`pooled_hazard`), treated over control, with a 95 % interval
    (Poisson counts, log scale)."""
    ratio = treated.value / control.value
    half = 1.96 * math.sqrt(1 / treated.events + 1 / control.events)
    return ratio, ratio * math.exp(-half), ratio * math.exp(half)


def test_a_15_year_guarantee_shows_a_rise_in_breakdowns_after_expiry_that_a_50_year_one_does_not():
    """F04/F55: 15 years (the US offer) against decades (Kyiv). Troops leave and credibility lapses at expiry.

    Unit test of a sign by construction (the force leaves and credibility falls to its residual at expiry; Russia's
    waiting adds to the contrast). The rise in the pooled hazard from years 11-15 to years 16-20 of the 15-year
    guarantee exceeds that of the 50-year one: the 95 % interval of the ratio of the two rises lies above 1; and the
    50-year guarantee shows no rise (< 1.3, v1's bound). v1 also required the 15-year rise to exceed 2, a margin
    under its measured 5.5; no source gives a magnitude, and v2's rise sits at that margin (default guarantors:
    2.05 [1.79, 2.35], 3,000 runs; held steady: 2.5 [2.1, 3.1], 1,500 runs), so the test checks the contrast
    instead (held steady: 3.3, interval from 2.4). The 50-year rise: 0.86 (default), 0.77 (steady). Catches:
    troops and credibility that survive expiry; troops that deter nothing.

    Wrong model caught: troops_deter_nothing, expiry_irrelevant.
    """
    runs = expiry_runs()
    h = {(d, y): pooled_hazard(runs[d], *y) for d in (15, 50) for y in ((11, 15), (16, 20))}
    rise = {d: h[d, (16, 20)].value / h[d, (11, 15)].value for d in (15, 50)}
    half = 1.96 * math.sqrt(sum(1 / e.events for e in h.values()))
    contrast = rise[15] / rise[50]
    assert contrast * math.exp(-half) > 1.0, (rise, contrast, half)
    assert rise[50] < 1.3, rise


def test_russia_holds_back_in_the_years_before_a_guarantee_expires():
    """F04/F55 read with Russia's foresight (docs/MODEL.md): a Russia that expects the guarantee to lapse gains by
    waiting for it (``g_t = max(0, max_j delta^(j-t) max(V_j, 0) - max(V_t, 0))``), so in the last five years of a
    15-year guarantee it attacks less often than under the same package signed for 50 years, although deterrence
    in those years is the same.

    Mechanism test (foresight and the expiry schedule). Guarantors held steady (:data:`STEADY_GUARANTORS`): the 95 %
    interval of the ratio of the pooled hazards of years 11-15, 15-year over 50-year, lies below 1. Measured: 0.76
    [0.62, 0.94] (1,500 runs); v1 gave about 0.5. With the default guarantors the ratio is 0.84 [0.73, 0.97] (3,000
    runs): elections and cohesion swings add variance and select which runs are still at peace in year 11, so the
    steady arm, which needs half the runs, is the one tested. (The shorter term is also a little closer to Russia's
    ideal, which lowers its incentive by a negligible amount in the same direction.) Catches: a myopic Russia (no
    waiting); troops and credibility that survive expiry.

    Wrong model caught: no_waiting, troops_deter_nothing, expiry_irrelevant, terms_irrelevant, no_power_shift.
    """
    runs = expiry_runs()
    ratio, low, high = hazard_ratio_interval(pooled_hazard(runs[15], 11, 15), pooled_hazard(runs[50], 11, 15))
    assert high < 1.0, (ratio, low, high)


def test_after_expiry_the_hazard_exceeds_that_of_a_guarantee_still_in_force():
    """F04/F55: when a 15-year guarantee lapses the troops leave and the guarantors' credibility falls to its
    residual, so in years 16-20 the hazard is above that of the same package still in force (50 years).
    The rise test above compares years within one guarantee, and a rise there also comes from the end of
    Russia's waiting; this one compares the same years across guarantees.

    Unit test of a sign by construction (expiry lowers the guarantors' weight). Guarantors held steady, 1,500 runs
    each, same seeds: the 95 % interval of the ratio of the pooled hazards of years 16-20, 15-year over 50-year,
    lies above 1. Measured: 2.5 [2.0, 3.1] (v1: about 4; default guarantors, 3,000 runs: 2.0 [1.7, 2.3]).
    Catches: troops and credibility that survive expiry; troops that deter nothing.

    Wrong model caught: troops_deter_nothing, expiry_irrelevant.
    """
    runs = expiry_runs()
    ratio, low, high = hazard_ratio_interval(pooled_hazard(runs[15], 16, 20), pooled_hazard(runs[50], 16, 20))
    assert low > 1.0, (ratio, low, high)


# --- Budapest and the Cold War -----------------------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): imposed, Budapest-style assurances with Ukraine's 800,000 army "
        "hold 20 years in 60 % of runs (S(20) 0.60 [0.56, 0.63], 800 runs). In v1 the failure came from a post-war "
        "motive set by hand (motive_base 0.6); v2 derives Russia's incentive from the war-payoff primitives, and an "
        "800,000 army with terms close to Russia's ideal (assurances, no troops, NATO renounced) leaves it little "
        "to gain. What broke Budapest in history (a motive that grew with Ukraine's westward turn, a hollowed-out "
        "army) is not in this package; the history case with a 150,000 army holds 20 years in 57 %."
    ),
)
def test_budapest_like_assurances_break_down_in_most_runs_within_two_decades():
    """F02: assurances without troops or enforcement failed at the first real test (1994 -> 2014).

    Calibration target (the level of Russia's incentive under weak assurances). scenarios/budapest_like.yaml,
    imposed: the upper end of the interval of P(holds 20 y) is below 0.5. Catches: a model in which unenforced
    assurances hold as well as a guarantee.

    Wrong model caught: terms_irrelevant, no_war_during_talks, no_consolidation.
    """
    outcomes = run_scenario(load_scenario(ROOT / "scenarios" / "budapest_like.yaml"), 400, 11)
    assert all(o.agreement for o in outcomes)
    assert peace_survival(outcomes).at(20).high < 0.5, peace_survival(outcomes).at(20)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): imposed, the Cold-War-scale garrison (300,000 troops, 50 years) "
        "holds 30 years in 55 % of runs [50, 60] (400 runs), 15 years in 70 %. The force's weight (F = 0.88) is "
        "large, but Russia's utility of a package with 300,000 foreign troops is near zero, so its incentive to "
        "attack stays high; the hazard's cap and the post-deal power shift do the rest."
    ),
)
def test_cold_war_scale_holds_for_decades_when_imposed():
    """F43: 300,000 troops made Article 5 credible.

    Unit test of a sign by construction (the force weight), net of Russia's dislike of the force.
    scenarios/cold_war_scale_imposed.yaml: P(holds 30 y) above 0.8 (its interval's lower end). Catches: troops that
    deter nothing, even at Cold-War scale.

    Wrong model caught: none known (calibration target).
    """
    imposed_s = summary(load_scenario(ROOT / "scenarios" / "cold_war_scale_imposed.yaml"), 400)
    assert imposed_s.holds_30.low > 0.8, imposed_s.holds_30


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): Moscow signs the Cold-War-scale garrison. P(agreement in the "
        "first session) 0.34 (300 runs, seed 11), 0.56 among the runs in which the coalition can field it (39 % "
        "cannot); Russia accepts in 95 % of feasible runs, and half of all runs reach a deal within 15 years. As in "
        "the troop pattern above: with a war that costs it 0.2 a year and the option of resuming it later, Russia's "
        "value of signing stays above its value of fighting on."
    ),
)
def test_cold_war_scale_is_almost_never_signed_although_the_coalition_can_field_it():
    """F10-F12: Moscow rejects foreign troops, and a garrison of 300,000 most of all.

    Mechanism test (Russia's anticipated value of the package against its value of fighting on).
    scenarios/cold_war_scale.yaml, negotiated: P(agreement in the first session) below 0.05 (its interval's upper
    end), and not because the coalition cannot field the force (fewer than half the runs infeasible; the scenario's
    pledges are raised for that). Catches: a Russia that signs anything.

    Wrong model caught: no_war_during_talks.
    """
    runs = first_sessions(load_scenario(ROOT / "scenarios" / "cold_war_scale.yaml"), 150, 11)
    signed = wilson(sum(r.agreement for r in runs), len(runs))
    assert sum(not r.feasible for r in runs) < 0.5 * len(runs), runs
    assert signed.high < 0.05, signed


# --- the dilemma: too weak, too strong ---------------------------------------------------------------

MAP_RUNS = 100
MAP_SEED = 7
PEAK_RUNS = 200
"""Runs of the 5,000-troop cells of the years-of-peace map: the strong end's margin needs them (see the test)."""


def map_scenario(strength: str, troops: int):
    """The negotiated baseline with the guarantee's strength and the force fixed (the notebook's dilemma map): the
    NATO door is open for NATO membership and closed otherwise."""
    neutrality = "nato_open" if strength == "nato_membership" else {"options": ["nato_renounced", "neutral"]}
    return variant(package={"guarantee_strength": strength, "foreign_troops": troops, "neutrality": neutrality})


@functools.cache
def map_full_runs(strength: str, troops: int) -> tuple:
    """Full runs of a cell of the map (P(durable peace) needs a deal's 15 years, whenever it comes)."""
    return tuple(run_scenario(map_scenario(strength, troops), MAP_RUNS, MAP_SEED))


@functools.cache
def map_peace_years(strength: str, troops: int) -> np.ndarray:
    """Years of peace in the first 15 years of each run of a cell (no deal counts as war)."""
    if troops == 0:  # these cells are run in full anyway, and deals come early in them
        return np.array([o.peace_years_15 for o in map_full_runs(strength, troops)])
    return np.array(early_years(map_scenario(strength, troops), PEAK_RUNS, MAP_SEED))


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): without troops, P(durable peace) = P(a deal, then 15 years of "
        "peace) falls with the guarantee's strength: 0.78 / 0.73 / 0.63 / 0.27 (200 runs, seed 7), so the weakest "
        "guarantee is best. Talks resume, so Kyiv eventually signs assurances (in 89 % of runs within 15 years, "
        "though in only 47 % in the first session), and once signed a weak guarantee holds best because Russia "
        "values it most. With 5,000 troops the shape is interior (0.22 / 0.17 / 0.37 / 0.19). On years of peace in "
        "the first 15 years, which count the delay, the peak is interior at both troop levels (next test)."
    ),
)
def test_durable_peace_is_not_monotone_in_guarantee_strength():
    """F40: too weak does not deter (or Kyiv will not sign), too strong Moscow will not sign.

    Mechanism test (Ukraine's red line and anticipation against Russia's valuation and breakdown risk), on v1's
    measure P(durable peace). Negotiated, no troops: the peak over strength is interior, and its interval separates
    from both ends. Catches: a zone of durable peace that does not exist (a Kyiv that signs anything, or a
    guarantee strength that Moscow does not mind).

    Wrong model caught: no_war_during_talks.
    """
    col = [summarise(map_full_runs(s, 0)).durable_15 for s in STRENGTHS]
    peak = int(np.argmax([e.value for e in col]))
    assert 0 < peak < len(STRENGTHS) - 1, col
    assert col[peak].low > col[0].high and col[peak].low > col[-1].high, col


def test_years_of_peace_peak_at_an_interior_guarantee_strength():
    """F40, measured as the review of model v1 asked (section 5: P(durable) scores a failed negotiation like a deal
    broken in year 14): expected years of peace in the first 15 years, the no-deal path counted as war.

    Mechanism test. With no troops and with 5,000, the strength with the most years of peace is neither the
    weakest nor the strongest; with 5,000 (where the contrast is large) the Article-5-like guarantee beats each end
    run by run, the 95 % intervals of the paired differences above 0 (the cells share seeds). The two sides are
    not F40's: on the weak side Kyiv signs late (first session: assurances 0.47 and 0.185 at 0 and 5,000 troops,
    against 0.86 and 0.93 for Article-5-like), on the strong side Moscow signs NATO membership and then breaks it
    more often. Measured (200 runs, seed 7), years of peace of the first 15: no troops 9.2 / 8.9 / 10.6 / 7.1;
    5,000 troops 2.9 / 2.4 / 7.9 / 6.3 (with the guarantee lapsing at expiry, model v2's rule: 9.2 / 8.9 / 10.6 / 6.8
    and 2.9 / 2.4 / 8.0 / 6.0). Once the guarantors renew, the strong end loses less to breakdowns after the first
    term, so its margin narrowed: Article-5-like minus NATO membership, paired, 1.69 ± 0.52 years at 200 runs (1.97
    with the lapse), which the 100 runs of the other map cells do not resolve (1.22 ± 0.82), so the 5,000-troop cells
    of this test run 200 (:data:`PEAK_RUNS`). Catches: a Kyiv indifferent to the guarantee's strength at the table,
    or a strong guarantee without a cost in Russia's incentive to attack.

    Wrong model caught: terms_irrelevant.
    """
    for troops in (0, 5000):
        means = [map_peace_years(s, troops).mean() for s in STRENGTHS]
        assert 0 < int(np.argmax(means)) < len(STRENGTHS) - 1, (troops, means)
    a5 = map_peace_years("article5_like", 5000)
    for end in (STRENGTHS[0], STRENGTHS[-1]):
        m, se = _mean_interval(a5 - map_peace_years(end, 5000))
        assert m - 1.96 * se > 0, (end, m, se)


# --- the talks ---------------------------------------------------------------------------------------


def test_russia_plays_for_time_while_it_believes_it_is_winning():
    """F15 (rutland-2025-conversation/putin-plays-for-time): believing Russia is winning, Putin uses the talks to
    gain time. In v2 Russia's belief that it is winning is its private edge (it knows its own; the others hold a
    prior and learn from the fighting and from its rejections): a Russia stronger than the others believe rejects
    the packages the mediator tables for the average type, fights on, and signs once the others have learnt.

    Mechanism test (private information, learning, and acceptance at Russia's own edge). The baseline talks: among
    first-session deals, those with Russia's edge above 0 come later than those with an edge at or below 0 (95 %
    interval of the difference in mean month above 0). Measured (400 runs, seed 11): month 6.2 +- 0.5 against
    2.0 +- 0.2, P(first-session deal) 0.69 against 0.86 (1,000 runs, seed 21: 6.4 against 2.1). Without troops on
    the table the delay vanishes (1,000 runs, seed 21: 3.6 against 3.7; P 0.94 against 0.87): a package Russia
    values well leaves even a strong type better off signing and keeping the option to attack later. Catches:
    acceptance that ignores Russia's own edge, or an edge the others already know (no private information: then
    every edge is 0 and there is nothing to compare).

    Wrong model caught: troops_deter_nothing, no_war_during_talks, random_mediator, no_private_information.
    """
    runs = [r for r in first_session("talks-baseline") if r.agreement]
    winning = [r.deal_month for r in runs if r.edge > 0]
    losing = [r.deal_month for r in runs if r.edge <= 0]
    assert min(len(winning), len(losing)) >= 20, "too few deals to compare"  # about 40 and 85
    (m1, se1), (m0, se0) = _mean_interval(winning), _mean_interval(losing)
    assert m1 - m0 - 1.96 * math.hypot(se1, se0) > 0, (m1, se1, m0, se0)


def _smallest_surplus(runs) -> list[float]:
    """For each first-session deal, the smallest expected surplus over the parties' values of no deal at signing."""
    return [
        min(r.rounds[-1].value[k] - r.rounds[-1].no_deal[k] for k in r.rounds[-1].value) for r in runs if r.agreement
    ]


def test_a_mediator_who_searches_more_gives_the_worst_off_party_a_better_deal():
    """The mediator is egalitarian (docs/MODEL.md): it tables the candidate package with the largest expected
    smallest surplus over the parties' values of no deal. Searching the whole pool of 256 candidates rather than a
    pool of one (plus the parties' ideals, which are always on the table) must then raise the smallest surplus of
    the deals struck. This checks that the mediator's search does what the rule says, through the talks. v1 compared
    one proposal per round with the whole pool (``negotiation.proposals_per_round``, a key v2 removed); the pool of
    one keeps that contrast. A pool of 16 is too close to 256 to tell apart at this size (0.034 against 0.042).

    Unit test of the mechanism's sign, not validation against data (the reporting says nothing about a mediator's
    rule). Baseline talks, first-session deals: the 95 % interval of the difference in the mean smallest surplus at
    signing (256 candidates minus 1) lies above 0. Measured (150 runs, seed 6): 0.042 +- 0.002 against
    0.029 +- 0.003 (seed 11: a difference of 3.1 standard errors). Catches: a mediator that tables a random
    feasible package.

    Wrong model caught: no_war_during_talks, random_mediator.
    """
    wide = _smallest_surplus(first_session("talks-baseline"))
    narrow_scenario = with_overrides(talks(), {"negotiation.candidate_pool": 1})
    narrow = _smallest_surplus(first_sessions(narrow_scenario, SHARED_TALKS_RUNS, SHARED_SEED, trace=True))
    assert min(len(wide), len(narrow)) >= 30, "too few deals to compare"  # about 120 and 100
    (m1, se1), (m0, se0) = _mean_interval(wide), _mean_interval(narrow)
    assert m1 - m0 - 1.96 * math.hypot(se1, se0) > 0, (m1, se1, m0, se0)
