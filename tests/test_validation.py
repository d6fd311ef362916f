"""Validation against published findings and history (issue 6; docs/VALIDATION.md), model v2.

Each test turns one finding into a check of direction and rough magnitude, with the reference, the number
and how we read it ([R] in the primary source, often only its abstract; [S] through a secondary source
quoting it) in its docstring. The settings, statistics and cached runners are those of
``benchmarks/validation_table.py``, which runs the same comparisons at more runs for the table in
docs/VALIDATION.md; here they run at a size that keeps the default suite fast. Settings compared in one test share
seeds (common random numbers), and the seed is fixed, so the tests are deterministic; the tolerances leave room for
sampling noise at this size, so that a test fails when the pattern is absent rather than by chance. Negotiated
settings are run only to the end of their first session of talks (:func:`benchmarks.validation_table.first_sessions`),
which is all P(agreement) needs.

Each docstring says what kind of test it is: a **calibration target** (a parameter was set with this finding in
view, so passing shows consistency, not independent validation), a **unit test of a sign by construction** (one
term's monotonicity gives the direction), or a **mechanism test** (the direction comes from the interaction of
submodels). "Catches:" names the wrong model it is meant to fail for. "Wrong model caught:" lists the mutants of
tests/mutants.py it was measured to catch (``python benchmarks/mutation_gate.py --tests tests/test_validation.py
tests/test_patterns.py`` with the US elections foreseen, issue 12 item 3), or, when it caught none, "none known
(calibration target)" for a calibration target and "none known (no mutant fails it at its seed)" for another test
(the forms the mutation gate reads).

A finding the model does not reproduce is a documented discrepancy, not a tuned pass: its test is marked
``xfail(strict=True)`` with the measured numbers and the assumption that drives it, and docs/VALIDATION.md
discusses it. An xfailed test "catches" a mutant when the mutant makes it pass (a strict XPASS): the mutant removes
what drives the discrepancy (``terms_irrelevant`` does so for the troop and guarantee discrepancies), which is
evidence for the stated driver; its "Catches:" line says what it is meant to catch once resolved. Numbers quoted
as "2,000 runs" come from the settings of ``benchmarks/validation_table.py`` run at 2,000 runs with seed 6 (or as
stated); the tests run at the sizes below.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from benchmarks.validation_table import (
    build,
    cached_runs,
    cached_talks,
    first_sessions,
    hazard,
    hazard_ratio,
    p_breakdown_by,
    pooled_hazard,
    quantile_year,
)
from sim.analysis.summary import peace_survival, summarise, wilson
from sim.execution.runs import run_scenario

SEED = 6
#: Runs per setting, shared with tests/test_patterns.py. A deterrence-only run costs 2-3 ms; a first session of
#: talks 10-15 ms (building the table of candidate packages, with every party's anticipation of each, is most of it).
EVALUATE_RUNS = 600
TALKS_RUNS = 150


def outcomes(setting: str) -> tuple:
    """The runs of a named deterrence-only setting of benchmarks/validation_table.py (cached per session, shared
    with tests/test_patterns.py)."""
    return cached_runs(setting, EVALUATE_RUNS, SEED)


def talks(setting: str) -> tuple:
    """The first sessions of talks of a named negotiated setting (cached per session, traced, shared with
    tests/test_patterns.py)."""
    return cached_talks(setting, TALKS_RUNS, SEED, True)


def agreement(setting: str):
    """P(agreement): a deal in the first session of talks (Wilson interval)."""
    runs = talks(setting)
    return wilson(sum(t.agreement for t in runs), len(runs))


def paired_difference(a: str, b: str) -> tuple[float, float]:
    """Mean and standard error of the run-by-run difference in first-session agreement, ``a`` minus ``b``: the two
    settings share seeds, so run ``j`` of each has the same Russia, the same battlefield shocks and, where the terms
    on the table draw the same way, the same candidate packages."""
    d = np.array([x.agreement for x in talks(a)], dtype=float) - np.array([y.agreement for y in talks(b)])
    return float(d.mean()), float(d.std(ddof=1) / math.sqrt(d.size))


# --- the runners ---------------------------------------------------------------------------------------


def test_the_first_session_runner_reproduces_the_full_runs():
    """Unit test of the test harness, not of the model: running a negotiated setting only to the end of its first
    session (benchmarks/validation_table.first_sessions) gives the full run's ``first_session`` and feasibility,
    run by run. Catches: a harness that drifts from the model's own runs (another seed derivation, another stopping
    rule), which would make every P(agreement) below measure something else.

    Wrong model caught: none known (calibration target).
    """
    scenario = build("talks-baseline")
    full = run_scenario(scenario, 20, SEED)
    short = first_sessions(scenario, 20, SEED)
    assert [o.first_session for o in full] == [t.agreement for t in short]
    assert [o.end != "infeasible" for o in full] == [t.feasible for t in short]
    assert [o.edge for o in full] == [t.edge for t in short]


# --- history -----------------------------------------------------------------------------------------


def test_budapest_1994_breaks_down_within_the_models_range_and_is_not_honoured():
    """Budapest Memorandum, December 1994: assurances with no explicit military duty and no enforcement
    (kyiv-guarantees-2026-01/budapest-lesson). Crimea was annexed in February 2014, 19.2 years later:
    year 20 of the model's yearly steps. The West answered only with limited sanctions
    (rutland-2025-conversation/no-boots-no-guarantee).

    Calibration target, and a weak one: a plausibility check with a wide range. The observed year must lie within
    the model's 10-90 % range of breakdown years, and the guarantors must almost never honour the assurances when
    Russia attacks. The case sets no behavioural parameter (v1 needed ``motive_base: 0``); its terms follow from its
    facts by the one rule of sim/config/history.py (no war before it: an even balance; Russia's aims partly met;
    Ukraine's army of 150,000). Measured (2,000 runs, seed 6): 10-90 % range 4 years to beyond the horizon, median
    25, P(holds 20) 0.57; the coalition honours in 1.5 % of attacks (the US has no role, so no commitment).
    Catches: credibility that does not depend on the guarantee's strength (assurances honoured like an Article-5
    promise).

    Wrong model caught: flat_credibility, terms_irrelevant.
    """
    runs = outcomes("budapest")
    surv = peace_survival(runs)
    q10, q90 = quantile_year(surv, 0.1), quantile_year(surv, 0.9)
    assert q10 <= 20 <= q90, (q10, surv.median(), q90)
    honoured = summarise(runs).honoured["coalition"]
    assert honoured.high < 0.06, honoured


def test_minsk_2015_breaks_down_within_the_models_range():
    """Minsk II, 12 February 2015: a ceasefire on the line of contact with unarmed observers and no
    guarantor (rutland-2025-conversation/minsk-observers-failed; paris-draft-declaration-2026-01/
    minsk-no-deterrent). The full-scale invasion of 24 February 2022 came 7.0 years later: year 8 of the
    model's yearly steps (counting Debaltseve, days after signing, it was year 1).

    Calibration target (a plausibility check with a wide range): the observed year must lie within the model's
    10-90 % range of breakdown years. The terms follow from the case's facts by the one rule (Russia ahead, its aims
    partly met: the middle levels of territory, neutrality and sanctions). Measured (2,000 runs, seed 6): 3 years to
    beyond the horizon, median 16; 68 % of runs outlast year 8, so the model is more optimistic than history here.
    Catches: a bare ceasefire that the model makes either almost certain to hold or certain to fail at once.

    Wrong model caught: none known (calibration target).
    """
    surv = peace_survival(outcomes("minsk"))
    q10, q90 = quantile_year(surv, 0.1), quantile_year(surv, 0.9)
    assert q10 <= 8 <= q90, (q10, surv.median(), q90)


# --- forces, observers, guarantees -----------------------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): at the default preferences, 20,000 troops on the draft package "
        "raise the pooled hazard of years 1-15 (ratio 2.1 [1.9, 2.3] against no troops; 40,000: 1.7; 2,000 runs). "
        "Russia's aversion to foreign troops (salience 0.4 and a soft red line x0.7 for any troops) lowers its "
        "utility of the deal, hence raises its incentive to attack, by more than the force's weight deters it. "
        "With troops costing Russia nothing the force cuts the hazard as the studies report (next test)."
    ),
)
def test_an_armed_guarantor_force_cuts_the_hazard_by_about_half_or_more():
    """Fortna, "Does Peacekeeping Keep Peace?" (ISQ 2004) and *Does Peacekeeping Work?* (2008), civil wars:
    peacekeepers cut the risk that war resumes by 50-75 % (also quoted as 55-85 %) [S, via Renn & Diehl,
    PKSOI]. Gilligan & Sergenti 2008, with matching: UN peacekeeping at war's end, about -85 % [S].

    Calibration target (``force.weight``, ``force.half_troops``), at the default preferences. The draft package
    signed as given, hazard pooled over years 1-15 (all within the guarantee): 20,000 troops (the size on the table)
    cut it by 35-90 % against no troops, and 40,000 by at least half. The lower bound is looser than the
    literature's 50 %: civil-war peacekeeping is not deterrence of a great power. Catches: a force that deters
    nothing, or a force whose cost in the adversary's consent outweighs its deterrence (the v2 result).

    Wrong model caught: none known (no mutant fails it at its seed).
    """
    hr20, lo20, hi20 = hazard_ratio(outcomes("draft-20k"), outcomes("draft-0"))
    assert 0.35 <= 1 - hr20 <= 0.9 and hi20 < 0.8, (hr20, lo20, hi20)
    hr40, lo40, hi40 = hazard_ratio(outcomes("draft-40k"), outcomes("draft-0"))
    assert 1 - hr40 >= 0.5 and hi40 < 0.6, (hr40, lo40, hi40)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md), at the bound: with Ukraine's path into the EU in the deal space "
        "and a guarantor's lapse setting the peace back (docs/MODEL.md 7.8.10), 20,000 troops Russia does not mind "
        "cut the pooled hazard of years 1-15 by 34.8 % at this seed (ratio 0.65 [0.54, 0.78], 600 runs), a hair under "
        "the 35 % bound this test has sat at since the coalition's politics (7.8.9)."
    ),
)
def test_a_force_the_adversary_does_not_mind_cuts_the_hazard_by_about_half_or_more():
    """Fortna 2004/2008 and Gilligan & Sergenti 2008, as above. Their missions were consent-based: the belligerents
    had accepted the peacekeepers. The comparable model quantity is the force's deterrence with Russia's valuation of
    the terms held fixed: troops cost Russia nothing (``TROOPS_COST_RUSSIA_NOTHING``), so they act only through the
    guarantors' weight and credibility.

    Calibration target (``force.weight`` 1.5, ``force.half_troops`` 40,000), the v1 bounds unchanged: 20,000 troops
    cut the pooled hazard of years 1-15 by 35-90 %, 40,000 by at least half. Measured (2,000 runs): 36 % [30, 42]
    and 55 % [49, 59] (39 % and 59 % before the coalition's politics, docs/MODEL.md 7.8.9); the table's median over
    five seeds of 400, 33 %. So the 20,000 cut sits **at the lower bound**: this test passed at its seed (600 runs)
    before Ukraine's path into the EU (7.8.10) and fails at it since (34.8 %); it is below the literature's 50-75 %
    (v1: 49 % and 75 %), which the model reaches at about 40,000. Catches: troops that deter nothing, or a force
    weight far too small or too large.

    Wrong model caught: no_private_information, splits_forgotten, members_fixed.
    """
    hr20, lo20, hi20 = hazard_ratio(outcomes("consented-20k"), outcomes("consented-0"))
    hr40, lo40, hi40 = hazard_ratio(outcomes("consented-40k"), outcomes("consented-0"))
    assert 0.35 <= 1 - hr20 <= 0.9 and hi20 < 0.8, (hr20, lo20, hi20)
    assert 1 - hr40 >= 0.5 and hi40 < 0.6, (hr40, lo40, hi40)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): at the default preferences no force on the draft package cuts "
        "the hazard, so 'little' has nothing to be measured against: 20,000 troops raise it (ratio 2.1 [1.9, 2.3]), "
        "and a 5,000 tripwire raises it most (2.3 [2.1, 2.5]; 2,000 runs), since Russia's soft red line costs the "
        "same for any troops while the weight grows with their number. A tripwire 'buys little' deterrence (next "
        "test) but costs Russia's consent in full."
    ),
)
def test_a_tripwire_force_buys_little():
    """Reiter & Poast, "The Truth About Tripwires", TNSR 2021: small deployments deter only if they change
    the local military balance [R]. Shlapak & Johnson, RAND RR-1253, 2016: about seven brigades (three
    heavy) could stop a rapid overrun of the Baltics, against under 5,000 troops deployed [R].

    Unit test of a sign by construction (the concave force weight F = troops / (troops + 40,000)), at the default
    preferences: 20,000 troops do cut the hazard (the interval of their ratio lies below 1), and 5,000 cut it by
    less than a quarter and by less than half of what 20,000 do. "Little" is measured against a force that deters:
    without the first clause the test would pass for troops that deter nothing. Catches: troops that deter nothing;
    a force weight that is linear or front-loaded in troops.

    Wrong model caught: terms_irrelevant.
    """
    hr20, _, hi20 = hazard_ratio(outcomes("draft-20k"), outcomes("draft-0"))
    assert hi20 < 1.0, (hr20, hi20)
    cut5, cut20 = 1 - hazard_ratio(outcomes("draft-5k"), outcomes("draft-0"))[0], 1 - hr20
    assert cut5 < 0.25, cut5
    assert cut5 < 0.5 * cut20, (cut5, cut20)


def test_a_tripwire_the_adversary_does_not_mind_buys_little():
    """Reiter & Poast 2021 and Shlapak & Johnson 2016, as above, with troops costing Russia nothing
    (``TROOPS_COST_RUSSIA_NOTHING``), so that only their deterrence is compared.

    Unit test of a sign by construction (the concave force weight): 20,000 troops cut the hazard (interval below 1);
    5,000 cut it by less than a quarter and by less than half of what 20,000 do. Measured (2,000 runs): 5,000 cut
    it by 12 % [4, 20], 20,000 by 39 %. Catches: troops that deter nothing (the first clause), a linear or
    front-loaded force weight (the others).

    Wrong model caught: troops_deter_nothing.
    """
    hr20, _, hi20 = hazard_ratio(outcomes("consented-20k"), outcomes("consented-0"))
    cut5, cut20 = 1 - hazard_ratio(outcomes("consented-5k"), outcomes("consented-0"))[0], 1 - hr20
    assert hi20 < 1.0, (hr20, hi20)
    assert cut5 < 0.25, cut5
    assert cut5 < 0.5 * cut20, (cut5, cut20)


def test_unarmed_observers_barely_change_the_hazard():
    """Hultman, Kathman & Shannon, APSR 2014: armed UN troops cut battle deaths (about 22 a month with
    none, about 6 with 10,000 troops), while police and unarmed observers do not [S]. Their outcome is
    battle deaths, not the recurrence of war, so only the direction carries over. Minsk had observers and
    no deterrent (paris-draft-declaration-2026-01/minsk-no-deterrent).

    Calibration target (the credibility of assurances, 0.03, times the US monitoring weight, 0.1). The bare
    ceasefire (Minsk II's forces and guarantees on a frozen line, nothing conceded to Russia: the setting
    ``bare-ceasefire`` of benchmarks/validation_table.py): adding a US-led monitoring mission with political
    assurances (no troops) changes the pooled hazard of years 1-15 by less than 15 %, with its interval within
    0.75-1.25. Catches: observers or assurances that the model credits with real deterrent weight. **At the bound**:
    it passes at its seed under model v2 with Ukraine's path into the EU (docs/MODEL.md 7.8.10); before it, the cut
    was 16 % [14, 19] (10,000 runs), just over the bound, and a documented discrepancy. Almost none of the cut is
    deterrence: assurances and US monitoring are Russia's ideal levels of those issues, so the terms that come with
    the observers raise its utility of the peace.

    Wrong model caught: flat_credibility, no_power_shift, no_private_information, no_consolidation.
    """
    hr, lo, hi = hazard_ratio(outcomes("bare-observers"), outcomes("bare-ceasefire"))
    assert abs(1 - hr) < 0.15 and lo > 0.75 and hi < 1.25, (hr, lo, hi)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): with no troops, the Article-5-like guarantee with US air "
        "support raises the pooled hazard of years 1-15 against no guarantee (ratio 1.24 [1.11, 1.38], 2,000 runs). "
        "Russia values a stronger guarantee less (guarantee_strength salience 0.2, ideal: assurances), and that "
        "raises its incentive to attack by more than the guarantors' expected weight (about 0.09 balance units) "
        "deters it."
    ),
)
def test_an_explicit_third_party_guarantee_lowers_the_hazard():
    """Fortna, "Scraps of Paper?", IO 2003 (interstate wars ending 1946-97, hazard analysis): explicit
    third-party guarantees affect how long peace lasts [R, the direction only: we have not read the hazard
    ratios]. Walter, *Committing to Peace*, 2002: only third-party security guarantees and power-sharing
    predict that a settlement is implemented [R, direction].

    Unit test of a sign (credibility and weight rise with the guarantee), net of Russia's dislike of the guarantee.
    The draft package with no troops: an Article-5-like guarantee with US air support lowers the hazard against no
    guarantee, clearly (the interval of the ratio lies below 1). Catches: a guarantee that deters nothing, or one
    whose cost in the adversary's satisfaction outweighs its deterrence (the v2 result).

    Wrong model caught: terms_irrelevant.
    """
    hr, lo, hi = hazard_ratio(outcomes("draft-0"), outcomes("draft-0-no-guarantee"))
    assert hi < 1.0, (hr, lo, hi)


def test_a_demilitarised_zone_lowers_the_hazard_if_only_a_little():
    """Fortna, "Scraps of Paper?", IO 2003: demilitarised zones affect how long peace lasts [R, direction
    only; no effect size is known to us].

    Unit test of a sign by construction (Russia's utility of the terms in its incentive ``V = W - U_RU - psi``):
    the draft package with a demilitarised zone in Donetsk has a lower pooled hazard than the same package on a
    frozen line. The effect runs only through Russia's satisfaction with the terms (a zone is closer to its ideal
    than a frozen line), not through separating the armies (docs/VALIDATION.md). Measured (2,000 runs): a cut of
    9 % [2, 16]. Catches: an incentive to attack that ignores the terms of the deal.

    Wrong model caught: terms_irrelevant.
    """
    assert hazard(outcomes("draft-20k")) < hazard(outcomes("draft-20k-freeze"))


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): h(1-3)/h(8-12) is 1.05 [1.00, 1.10] under the draft package "
        "and 1.21 [1.17, 1.27] after a bare ceasefire (Minsk II's forces on a frozen line, at the bound; 20,000 "
        "runs); at this size it gives "
        "1.18 with an interval reaching below 1, and the draft 0.88. The fall is selection alone: each type of Russia "
        "has a flat hazard (for the middle type 0.054 in year 1, 0.053 in year 10, guarantors at signing) because the "
        "consolidation of peace (0.2 over 5 years) is offset by Russia's reconstitution (0.3 balance units over 5 "
        "years); the pooled hazard falls only because the runs with the strongest Russia break down first. Under the "
        "draft US disengagements at elections raise the later years, and Russia, foreseeing the first US election "
        "(year 5), holds back a little in the years before it (years 1-4 2-3 % lower than with the elections "
        "unforeseen, where the draft's ratio is 1.07)."
    ),
)
def test_the_hazard_is_highest_right_after_the_ceasefire():
    """Fortna, "Scraps of Paper?", IO 2003 and *Peace Time*, 2004: the risk of renewed war is highest soon
    after a ceasefire and falls as peace lasts [R, the direction; EVIDENCE.md stylised fact 1].

    Mechanism test (consolidation against the shift of power after the deal). The pooled yearly hazard of years 1-3
    exceeds that of years 8-12 by more than 20 %, both after a bare ceasefire (``bare-ceasefire``) and under the
    draft package, with the interval of the ratio above 1. Catches: a peace that never consolidates, or a post-deal
    power shift that outruns consolidation (the v2 result).

    Wrong model caught: none known (calibration target).
    """
    for setting in ("bare-ceasefire", "draft-20k"):
        (e1, n1), (e2, n2) = (pooled_hazard(outcomes(setting), years) for years in (range(1, 4), range(8, 13)))
        ratio = (e1 / n1) / (e2 / n2)
        low = ratio * math.exp(-1.96 * math.sqrt(1 / e1 + 1 / e2))
        assert ratio > 1.2 and low > 1.0, (setting, ratio, low)


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md), at the bound: the draft package breaks down within 20 years "
        "in 71.9 % of runs against 91.6 % for the bare ceasefire (2,000 runs, seed 6; seed 1: 70.6 % against "
        "91.3 %), 19.7-20.7 points less, not the 20 of the test; at this size 72.3 % against 91.2 %. The European "
        "politics after a deal drive it (docs/MODEL.md 7.8.9): member governments that turn over (turnover 0.4) "
        "and strikes at the force that cost the coalition cohesion (incident_shock 0.1), both assumptions, expose "
        "the draft, which rests on a European force of 20,000, to coalition splits; without them it breaks down "
        "in 68.3 % (seed 6). The bare ceasefire has no force and does not move."
    ),
)
def test_a_bare_ceasefire_fails_more_often_than_the_post_1945_average():
    """Fortna, *Peace Time*, 2004, ch. 1: almost half of the international wars since 1945 were followed by
    renewed fighting between at least one pair of the former belligerents [R]. That share covers every
    ending and every kind of agreement; a bare ceasefire on a frozen line is the riskiest of them
    (EVIDENCE.md stylised fact 6).

    Calibration target (the hazard link): the bare ceasefire (``bare-ceasefire``: Minsk II's forces on a frozen
    line, nothing conceded to Russia) breaks down within 20 years in more than
    half of the runs, and the draft package breaks down at least 20 points less often. Measured (2,000 runs): 92 %
    and 72 % (69 % before the members' turnover and strikes at the force, issue 12 item 5). The draft's advantage
    comes from Ukraine's 800,000 army and terms closer to Russia's ideal (a DMZ, NATO renounced, half the sanctions
    lifted), not from its force, which raises the hazard at the default preferences (the armed-force discrepancy):
    without troops the draft breaks down in 44 %. Catches: a bare ceasefire as durable as a guaranteed peace with a
    strong army. Each mutant below makes the discrepancy disappear (a strict XPASS).

    Wrong model caught: terms_irrelevant, no_power_shift, splits_forgotten, members_fixed.
    """
    bare, draft = p_breakdown_by(outcomes("bare-ceasefire"), 20), p_breakdown_by(outcomes("draft-20k"), 20)
    assert bare > 0.5, bare
    assert draft < bare - 0.2, (draft, bare)


# --- commitments honoured ------------------------------------------------------------------------------


def test_formal_commitments_are_honoured_far_from_always():
    """Berkemeier & Fuhrmann, Research & Politics 2018 (1816-2003): alliance commitments were honoured
    50 % of the time overall, 66 % before 1945, 22 % in 1945-2003, and 41 % for defence pacts [R]. Leeds,
    Long & Mitchell 2000: about 75 % for 1816-1944 [R].

    Calibration target (``credibility.article5_like`` 0.3 is anchored on these studies, so the check is circular).
    The draft package (Article-5-like, 20,000 troops, US air support, in force for 50 years): when Russia attacks,
    the coalition and the US each honour their commitment in 15-50 % of cases (95 % Wilson intervals inside that
    band). Measured (2,000 runs): US 25 %, coalition 38 %. Catches: a guarantee honoured almost always or almost
    never.

    Wrong model caught: none known (calibration target).
    """
    honoured = summarise(outcomes("draft-20k")).honoured
    for guarantor, est in honoured.items():
        assert est.low >= 0.15 and est.high <= 0.5, (guarantor, est)


# --- getting to a deal --------------------------------------------------------------------------------


def test_a_credible_enforcer_makes_a_deal_possible():
    """Walter, "The Critical Barrier to Civil War Settlement", IO 1997 (41 civil wars, 1940-90): where a
    third party agreed to enforce the terms, negotiations always succeeded; without one they usually
    failed [R].

    Mechanism test (Ukraine prices the breakdown risk of a weak guarantee against its value of fighting on; its soft
    red line on weak guarantees adds to it). Negotiated: the baseline (Article-5-like guarantee, 15,000-20,000
    troops, US air support) reaches an agreement in the first session far more often than the same talks with
    assurances only, no troops and no US role, which Ukraine does not sign (not in any session: 0 of 300 runs
    reach a deal within 15 years). Measured (1,000 runs): 0.77 against 0.00. Catches: a Kyiv that signs a weak
    guarantee as readily as a strong one.

    Wrong model caught: none known (calibration target).
    """
    with_enforcer, without = agreement("talks-baseline"), agreement("talks-no-enforcer")
    assert with_enforcer.low > without.high, (with_enforcer, without)
    assert without.value < 0.05, without


def test_a_us_backstop_makes_a_deal_more_likely():
    """Walter 1997, as above [R]; the reporting calls US participation decisive (F24).

    Mechanism test (the US role adds to the guarantors' weight and the coalition's credibility, which Ukraine
    prices). Negotiated, no foreign troops: with US air support behind the Article-5-like guarantee the talks reach
    an agreement in the first session more often than with no US role. The two settings share seeds and draw the
    same candidate packages, so the run-by-run difference is tested: its 95 % interval lies above 0 (v1 required the
    two Wilson intervals to separate, which at 150 runs cannot resolve the v2 difference). Measured (1,000 runs):
    0.91 against 0.83, paired difference 0.073 +- 0.008. Catches: a US role that deters nothing or that the talks
    ignore.

    Wrong model caught: no_anticipation.
    """
    diff, se = paired_difference("talks-no-troops", "talks-no-troops-no-us")
    assert diff - 1.96 * se > 0, (diff, se, agreement("talks-no-troops"), agreement("talks-no-troops-no-us"))


@pytest.mark.xfail(
    strict=True,
    raises=AssertionError,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): a force on the table lowers P(agreement in the first session), "
        "0.77 against 0.91 without troops (1,000 runs). Most of the gap is the coalition's capacity: it cannot field "
        "15,000-20,000 in 14 % of runs; among feasible runs it is 0.89 against 0.91 (0.87 against 0.90 over the "
        "table's 5 x 400 runs). Walter's enforcers were acceptable to both sides; here the guarantor force is one "
        "Russia dislikes and that Europe may not field."
    ),
)
def test_guarantor_troops_make_a_deal_more_likely():
    """Walter 1997, as above [R], reading the enforcer as a guarantor force on the ground.

    Mechanism test (the force's weight priced by Ukraine against its cost to Russia and the coalition's capacity).
    Negotiated: the baseline with 15,000-20,000 troops against the same talks with none. Catches: a model in which
    the force's cost in consent and capacity is nil.

    Wrong model caught: no_war_during_talks.
    """
    with_troops, without = agreement("talks-baseline"), agreement("talks-no-troops")
    assert with_troops.value > without.value, (with_troops, without)
