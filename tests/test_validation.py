"""Validation against published findings and history (issue 6; docs/VALIDATION.md).

Each test turns one finding into a check of direction and rough magnitude, with the reference, the number
and how we read it ([R] in the primary source, often only its abstract; [S] through a secondary source
quoting it) in its docstring. The settings and statistics are those of ``benchmarks/validation_table.py``,
which runs the same comparisons at 5,000 runs per setting for the table in docs/VALIDATION.md; here they
run at a size that keeps the default suite fast (about 20-30 s on a 2-core machine). Settings compared in
one test share seeds (common random numbers), and the seed is fixed, so the tests are deterministic; the
tolerances leave room for sampling noise at this size, so that a test fails when the pattern is absent
rather than by chance.

A finding the model does not reproduce is a documented discrepancy, not a tuned pass: its test is marked
``xfail(strict=True)`` with the reason, and docs/VALIDATION.md discusses it.
"""

from __future__ import annotations

import functools
import math

import pytest

from benchmarks.validation_table import (
    build,
    hazard,
    hazard_ratio,
    p_breakdown_by,
    pooled_hazard,
    quantile_year,
)
from sim.analysis.summary import peace_survival, summarise, wilson
from sim.execution.runs import run_scenario

SEED = 6
EVALUATE_RUNS = 800  # deterrence-only runs cost a few ms each
TALKS_RUNS = 150  # a negotiation costs about three times as much


@functools.cache
def outcomes(setting: str) -> list:
    """The runs of a named setting of benchmarks/validation_table.py (shared by the tests of this module)."""
    scenario = build(setting)
    return run_scenario(scenario, TALKS_RUNS if scenario.mode == "negotiate" else EVALUATE_RUNS, SEED)


def agreement(setting: str):
    runs = outcomes(setting)
    return wilson(sum(o.agreement for o in runs), len(runs))


# --- history -----------------------------------------------------------------------------------------


def test_budapest_1994_breaks_down_within_the_models_range_and_is_not_honoured():
    """Budapest Memorandum, December 1994: assurances with no explicit military duty and no enforcement
    (kyiv-guarantees-2026-01/budapest-lesson). Crimea was annexed in February 2014, 19.2 years later:
    year 20 of the model's yearly steps. The West answered only with limited sanctions
    (rutland-2025-conversation/no-boots-no-guarantee).

    The observed year must lie within the model's 10-90 % range of breakdown years, and the guarantors
    must almost never honour the assurances when Russia attacks.

    Wrong model caught: flat_credibility.
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

    The observed year must lie within the model's 10-90 % range of breakdown years.

    Wrong model caught: none known (calibration target).
    """
    surv = peace_survival(outcomes("minsk"))
    q10, q90 = quantile_year(surv, 0.1), quantile_year(surv, 0.9)
    assert q10 <= 8 <= q90, (q10, surv.median(), q90)


# --- forces, observers, guarantees -----------------------------------------------------------------------


def test_an_armed_guarantor_force_cuts_the_hazard_by_about_half_or_more():
    """Fortna, "Does Peacekeeping Keep Peace?" (ISQ 2004) and *Does Peacekeeping Work?* (2008), civil wars:
    peacekeepers cut the risk that war resumes by 50-75 % (also quoted as 55-85 %) [S, via Renn & Diehl,
    PKSOI]. Gilligan & Sergenti 2008, with matching: UN peacekeeping at war's end, about -85 % [S].

    Model, the draft package signed as given, hazard pooled over years 1-15 (all within the guarantee):
    20,000 troops (the size on the table) cut it by 35-90 % against no troops, and 40,000 by at least half.
    The lower bound is looser than the literature's 50 %: at the draft's size the model sits just under half
    (docs/VALIDATION.md), and civil-war peacekeeping is not deterrence of a great power.

    Wrong model caught: troops_deter_nothing.
    """
    hr20, lo20, hi20 = hazard_ratio(outcomes("draft-20k"), outcomes("draft-0"))
    hr40, lo40, hi40 = hazard_ratio(outcomes("draft-40k"), outcomes("draft-0"))
    assert 0.35 <= 1 - hr20 <= 0.9 and hi20 < 0.8, (hr20, lo20, hi20)
    assert 1 - hr40 >= 0.5 and hi40 < 0.6, (hr40, lo40, hi40)


def test_a_tripwire_force_buys_little():
    """Reiter & Poast, "The Truth About Tripwires", TNSR 2021: small deployments deter only if they change
    the local military balance [R]. Shlapak & Johnson, RAND RR-1253, 2016: about seven brigades (three
    heavy) could stop a rapid overrun of the Baltics, against under 5,000 troops deployed [R].

    Model: 5,000 troops cut the hazard by less than a quarter, and by less than half of what 20,000 do; and
    20,000 do cut it (the interval of their hazard ratio lies below 1), since "little" is measured against
    a force that deters: without that clause the test would pass for troops that deter nothing.

    Wrong model caught: troops_deter_nothing.
    """
    cut5 = 1 - hazard_ratio(outcomes("draft-5k"), outcomes("draft-0"))[0]
    hr20, _, hi20 = hazard_ratio(outcomes("draft-20k"), outcomes("draft-0"))
    cut20 = 1 - hr20
    assert hi20 < 1.0, (hr20, hi20)
    assert cut5 < 0.25, cut5
    assert cut5 < 0.5 * cut20, (cut5, cut20)


def test_unarmed_observers_barely_change_the_hazard():
    """Hultman, Kathman & Shannon, APSR 2014: armed UN troops cut battle deaths (about 22 a month with
    none, about 6 with 10,000 troops), while police and unarmed observers do not [S]. Their outcome is
    battle deaths, not the recurrence of war, so only the direction carries over. Minsk had observers and
    no deterrent (paris-draft-declaration-2026-01/minsk-no-deterrent).

    Model, the Minsk case: adding a US-led monitoring mission with political assurances (no troops)
    changes the hazard by less than 15 %, while an armed force of 20,000 on the draft package cuts it by
    more than 35 % (previous test).

    Wrong model caught: none known (calibration target).
    """
    hr, lo, hi = hazard_ratio(outcomes("minsk-observers"), outcomes("minsk"))
    assert abs(1 - hr) < 0.15 and lo > 0.75 and hi < 1.25, (hr, lo, hi)


def test_an_explicit_third_party_guarantee_lowers_the_hazard():
    """Fortna, "Scraps of Paper?", IO 2003 (interstate wars ending 1946-97, hazard analysis): explicit
    third-party guarantees affect how long peace lasts [R, the direction only: we have not read the hazard
    ratios]. Walter, *Committing to Peace*, 2002: only third-party security guarantees and power-sharing
    predict that a settlement is implemented [R, direction].

    Model, no troops: an Article-5-like guarantee with US air support lowers the hazard against no
    guarantee, clearly (the interval of the ratio excludes 1), but by less than an armed force does
    (Huth & Russett 1984 [R]: a formal alliance alone did not predict deterrence success).

    Wrong model caught: troops_deter_nothing, flat_credibility.
    """
    hr, lo, hi = hazard_ratio(outcomes("draft-0"), outcomes("draft-0-no-guarantee"))
    force = hazard_ratio(outcomes("draft-20k"), outcomes("draft-0"))[0]
    assert hi < 1.0, (hr, lo, hi)
    assert 1 - hr < 1 - force, (hr, force)


def test_a_demilitarised_zone_lowers_the_hazard_if_only_a_little():
    """Fortna, "Scraps of Paper?", IO 2003: demilitarised zones affect how long peace lasts [R, direction
    only; no effect size is known to us].

    Model: the draft package with a demilitarised zone in Donetsk has a lower pooled hazard than the same
    package on a frozen line. The test checks the direction only; the effect is small in the model and
    runs through Russia's satisfaction with the terms, not through separating the armies
    (docs/VALIDATION.md).

    Wrong model caught: terms_irrelevant.
    """
    assert hazard(outcomes("draft-20k")) < hazard(outcomes("draft-20k-freeze"))


def test_the_hazard_is_highest_right_after_the_ceasefire():
    """Fortna, "Scraps of Paper?", IO 2003 and *Peace Time*, 2004: the risk of renewed war is highest soon
    after a ceasefire and falls as peace lasts [R, the direction; EVIDENCE.md stylised fact 1].

    Model: the pooled yearly hazard of years 1-3 exceeds that of years 8-12 by more than 20 %, both after
    a bare ceasefire (Minsk) and under the draft package, with the interval of the ratio above 1. (The
    fall is flatter after a bare ceasefire, where the hazard sits near its cap; the table's median ratios
    at 5,000 runs are 1.5 and 1.9.)

    Wrong model caught: no_motive_decay.
    """
    for setting in ("minsk", "draft-20k"):
        (e1, n1), (e2, n2) = (pooled_hazard(outcomes(setting), years) for years in (range(1, 4), range(8, 13)))
        ratio = (e1 / n1) / (e2 / n2)
        low = ratio * math.exp(-1.96 * math.sqrt(1 / e1 + 1 / e2))
        assert ratio > 1.2 and low > 1.0, (setting, ratio, low)


def test_a_bare_ceasefire_fails_more_often_than_the_post_1945_average():
    """Fortna, *Peace Time*, 2004, ch. 1: almost half of the international wars since 1945 were followed by
    renewed fighting between at least one pair of the former belligerents [R]. That share covers every
    ending and every kind of agreement; a bare ceasefire on a frozen line is the riskiest of them
    (EVIDENCE.md stylised fact 6).

    Model: the Minsk-type bare ceasefire breaks down within 20 years in more than half of the runs, and the
    draft package with a force breaks down less often.

    Wrong model caught: none known (calibration target).
    """
    bare, draft = p_breakdown_by(outcomes("minsk"), 20), p_breakdown_by(outcomes("draft-20k"), 20)
    assert bare > 0.5, bare
    assert draft < bare - 0.2, (draft, bare)


# --- commitments honoured ------------------------------------------------------------------------------


def test_formal_commitments_are_honoured_far_from_always():
    """Berkemeier & Fuhrmann, Research & Politics 2018 (1816-2003): alliance commitments were honoured
    50 % of the time overall, 66 % before 1945, 22 % in 1945-2003, and 41 % for defence pacts [R]. Leeds,
    Long & Mitchell 2000: about 75 % for 1816-1944 [R].

    Model, the draft package (Article-5-like, 20,000 troops, US air support, in force for 50 years): when
    Russia attacks, the coalition and the US each honour their commitment in 15-50 % of cases (95 %
    Wilson intervals inside that band): between the post-1945 rate and the overall rate, well below the
    pre-1945 rates.

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

    Model, negotiated: the baseline (Article-5-like guarantee, 15,000-20,000 troops, US air support) reaches
    an agreement far more often than the same talks with assurances only, no troops and no US role, which
    Ukraine does not sign.

    Wrong model caught: no_war_during_talks.
    """
    with_enforcer, without = agreement("talks-baseline"), agreement("talks-no-enforcer")
    assert with_enforcer.low > without.high, (with_enforcer, without)
    assert without.value < 0.05, without


def test_a_us_backstop_makes_a_deal_more_likely():
    """Walter 1997, as above [R]; the reporting calls US participation decisive (F24).

    Model, negotiated, no foreign troops: with US air support behind the Article-5-like guarantee the talks
    reach an agreement more often than with no US role (95 % Wilson intervals separate).

    Wrong model caught: none known (calibration target).
    """
    with_us, without = agreement("talks-no-troops"), agreement("talks-no-troops-no-us")
    assert with_us.low > without.high, (with_us, without)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "Documented discrepancy (docs/VALIDATION.md): Walter's enforcers made deals possible in civil wars, "
        "where the guarantor was acceptable to both sides; here Russia rejects foreign troops (F10-F12), so "
        "a force on the table lowers P(agreement) although it lengthens the peace. The model follows the "
        "reporting, not the civil-war finding."
    ),
)
def test_guarantor_troops_make_a_deal_more_likely():
    """Walter 1997, as above [R], reading the enforcer as a guarantor force on the ground.

    Model, negotiated: the baseline with 15,000-20,000 troops against the same talks with none. The model
    gives the opposite direction.

    Wrong model caught: none known (calibration target).
    """
    with_troops, without = agreement("talks-baseline"), agreement("talks-no-troops")
    assert with_troops.value > without.value, (with_troops, without)
