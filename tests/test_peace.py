"""Issue 12, the peace: expiry as the guarantors' decision, and Russia's timing around it.

Each test names the wrong model it catches. The expiry rule (docs/MODEL.md 7.8.7): at the end of each term the
guarantors renew the guarantee for another term if the cut in Russia's yearly hazard that renewing buys (the
myopic hazard the year after the term, lapsed less in force, with the guarantors as they are then) is at least
the cost of staying; a force that is not renewed draws down over ``expiry.drawdown_years``. Model v2's
"leave at once, credibility times its residual" is the case ``renewal: false, drawdown_years: 0``
(:data:`LAPSE`); the defaults renew, with a drawdown of two years.

The bound on the absolute jump of the yearly hazard at expiry, :data:`JUMP`, is two points a year: a stated
bound, not a fitted one (the live-motive cliff of the defaults is about four times it, a consolidated peace's
rise a third of it).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest

from sim.config.scenario import scenario_from_mapping, with_overrides
from sim.dealspace import EU_LEVELS, Deal
from sim.execution.runs import run_scenario
from sim.model.compiled import CompiledScenario, compile_scenario
from sim.model.deterrence import (
    GuarantorState,
    Outlook,
    consolidation,
    hazard,
    incentives,
    lapsed,
    outlook_of,
    reprojected,
    yearly_choice,
)
from sim.outcomes import RunOutcome, outcome_of
from tests.helpers import FIXED_PACKAGE, imposed, variant

JUMP = 0.02
"""The stated bound on the absolute rise of the yearly hazard at expiry (two points a year)."""
TERM = 15
LAPSE = {"renewal": False, "drawdown_years": 0}
"""Model v2's expiry: no renewal, the force leaves at once."""
CONSOLIDATED = {"consolidation": 0.8}  # breaking the peace costs Russia four times the default once it has lasted


def compiled(expiry: dict | None = None, deterrence: dict | None = None) -> CompiledScenario:
    return compile_scenario(scenario_from_mapping({"expiry": expiry or {}, "deterrence": deterrence or {}}))


def deal(**terms: Any) -> Deal:
    return Deal.from_mapping({**FIXED_PACKAGE, "duration_years": TERM, **terms})


def signing(c: CompiledScenario) -> tuple[GuarantorState, ...]:
    return tuple(r.initial_state() for r in c.guarantors)


def hazards(c: CompiledScenario, o: Outlook, states: tuple[GuarantorState, ...] | None = None) -> np.ndarray:
    """Russia's hazard in every year of an outlook, the guarantors held in the given states (as at signing)."""
    st = signing(c) if states is None else states
    return np.array([yearly_choice(o, y, st, c.guarantors, c.scenario.deterrence).hazard for y in range(1, 51)])


def expiry_jump(c: CompiledScenario) -> tuple[float, int]:
    """The rise of the yearly hazard from the last year of the term to the first after it, and the years in force."""
    o = c.outlook(deal())
    h = hazards(c, o)
    return float(h[TERM] - h[TERM - 1]), int(o.active.sum())


def test_guarantors_leave_a_consolidated_peace_without_a_spike_and_renew_a_live_one():
    """Catches: expiry as a cliff imposed whatever the state of the peace (the guarantee always lapses, or the
    hazard always jumps), and guarantors that always renew (they would stay in a consolidated peace). The
    pattern of stylized fact 8 (EVIDENCE.md): missions that leave once peace has consolidated are not followed by
    a spike; a guarantee that lapses while the motive remains is."""
    jump, years = expiry_jump(compiled(deterrence=CONSOLIDATED))
    assert years == TERM  # the need has fallen below the cost of staying: they leave
    assert abs(jump) < JUMP
    jump, years = expiry_jump(compiled(LAPSE))  # a live motive, no renewal: the cliff
    assert years == TERM and jump > JUMP
    jump, years = expiry_jump(compiled())  # a live motive, renewal: they stay
    assert years > TERM and abs(jump) < JUMP


def test_a_renewed_guarantee_holds_like_a_longer_one_and_without_renewal_the_cliff_returns():
    """Catches: a renewal that does not extend what Russia faces (the force or the credibility still lapsing at
    the end of the first term), or renewal leaking into scenarios that switch it off. Russia's value of peace is
    held fixed, so that only the guarantee's life differs (Russia also dislikes a longer term as such)."""
    free = compiled({"renewal_cost": 0.0, "renewal_force_cost": 0.0})
    off = compiled(LAPSE)
    s = free.scenario

    def outlook(c: CompiledScenario, d: Deal) -> Outlook:
        return outlook_of(
            d,
            0.0,
            50,
            c.guarantors,
            c.stakes[c.challenger],
            0.3,
            s.war.initial_balance,
            s.war.outcome_steepness,
            s.power,
            s.deterrence,
            c.scenario.expiry,
            signing(c),
        )

    renewed = hazards(free, outlook(free, deal()))
    longer = hazards(off, outlook(off, deal(duration_years=50)))
    assert renewed.tolist() == pytest.approx(longer.tolist(), abs=1e-15)
    lapsing = hazards(off, outlook(off, deal()))
    assert lapsing[TERM] - lapsing[TERM - 1] > JUMP
    assert renewed[TERM] - renewed[TERM - 1] < JUMP


RENEWAL_GAIN = 0.04
"""The stated bound on how much more often an imposed draft package holds 30 years when its guarantors may renew."""


def test_a_renewed_guarantee_holds_longer_in_the_runs():
    """Catches: the run ignoring the renewal decision (the force leaving at the first term's end whatever the
    guarantors decided: the two would hold equally often). Same seeds, the Paris-draft-like package imposed, renewal
    on and off: over 1,000 runs (seed 7) about 7 points more hold 30 years with renewal (0.069 over 2,000 runs, seed 1;
    0.08 without the setback of a lapse, docs/MODEL.md 7.8.10). A wiring test, whose bound :data:`RENEWAL_GAIN` is
    half the measured gain (it was 0.1 at 300 runs, a seed that flattered the gain: 0.093 since item 2)."""
    runs = 1000
    spec_on = imposed(duration_years=TERM)
    spec_off = variant(mode="evaluate", package={**FIXED_PACKAGE, "duration_years": TERM}, expiry=LAPSE)

    def holds_30(spec: Any) -> float:
        out = run_scenario(spec, runs=runs, seed=7)
        return float(np.mean([o.breakdown_year is None or o.breakdown_year > 30 for o in out]))

    off, on_ = holds_30(spec_off), holds_30(spec_on)
    assert on_ - off > RENEWAL_GAIN, (on_, off)


def test_renewal_depends_on_the_guarantors_engagement_at_the_end_of_the_term():
    """Catches: a renewal decided by the calendar alone (it must weigh the guarantors' engagement as it is at the
    end of the term: a disengaged US and a split coalition buy Russia less restraint, so renewing buys less)."""
    c = compiled({"renewal_cost": 0.0, "renewal_force_cost": 0.0})
    o = c.outlook(deal())
    weak = (GuarantorState(engaged=False, cohesion=1.0), GuarantorState(engaged=True, cohesion=0.2))
    s = c.scenario

    def cut(states: tuple[GuarantorState, ...]) -> float:
        h = []
        for regime in (1, 0):
            v, *_ = incentives(dataclasses.replace(o, regime=np.full(50, regime)), states, c.guarantors)
            h.append(hazard(float(v[TERM]), 0.0, s.deterrence))
        return h[0] - h[1]

    strong_cut, weak_cut = cut(signing(c)), cut(weak)
    assert strong_cut > weak_cut > 0
    between = dataclasses.replace(o, cost=(strong_cut + weak_cut) / 2)  # a cost of staying between the two cuts
    assert reprojected(between, TERM, signing(c), c.guarantors, s.deterrence, s.expiry).active.sum() > TERM
    assert reprojected(between, TERM, weak, c.guarantors, s.deterrence, s.expiry).active.sum() == TERM


def test_the_forward_looking_hazard_equals_the_myopic_one_when_attacking_after_expiry_would_not_pay():
    """Catches: waiting that "pays" because a negative post-expiry incentive is discounted towards zero (model
    v1's flaw): in a consolidated peace no later attack pays, so the gain is 0 and the hazard is the myopic one."""
    c = compiled(LAPSE, CONSOLIDATED)
    o = c.outlook(deal())
    v = incentives(o, signing(c), c.guarantors)[0]
    assert np.all(v < 0)
    for y in range(1, 51):
        calc = yearly_choice(o, y, signing(c), c.guarantors, c.scenario.deterrence)
        assert calc.gain == 0.0
        assert calc.hazard == hazard(calc.incentive_now, 0.0, c.scenario.deterrence)


def test_a_force_that_leaves_on_a_schedule_spreads_the_rise_of_the_hazard():
    """Catches: a force that leaves in a day whatever ``drawdown_years`` says (the whole rise in one year)."""
    at_once = hazards(compiled(LAPSE), compiled(LAPSE).outlook(deal()))
    c = compiled({"renewal": False, "drawdown_years": 2})
    staged = hazards(c, c.outlook(deal()))
    assert np.diff(staged)[TERM - 1 :].max() < np.diff(at_once)[TERM - 1 :].max()
    assert staged[TERM + 2] == pytest.approx(at_once[TERM + 2], abs=1e-12)  # gone after the two years
    assert staged[TERM - 1] < staged[TERM] < staged[TERM + 1] < staged[TERM + 2]


def test_the_run_decides_renewal_at_the_end_of_each_term_and_records_it():
    """Catches: a decision taken at another time than the end of a term, or not recorded in the year trace and the
    outcome record."""
    spec = variant(
        mode="evaluate",
        package={**FIXED_PACKAGE, "duration_years": 10},
        expiry={"renewal": True, "drawdown_years": 2},
    )
    out = run_scenario(spec, runs=40, seed=3, trace=True)
    decided = [(y.year, y.renewed) for o in out for y in o.years_trace if y.renewed is not None]
    assert decided and all((year - 1) % 10 == 0 for year, _ in decided)
    for o in out:
        years = o.years_trace
        assert o.renewals == sum(y.renewed is True for y in years)  # the outcome record counts them
        for y in years:
            assert y.force_share == (1.0 if y.active else y.force_share)
            if y.renewed is False:
                later = [z for z in years if z.year > y.year]
                assert all(not z.active for z in later)
                assert [z.force_share for z in [y, *later]][:3] == pytest.approx([2 / 3, 1 / 3, 0.0][: len(later) + 1])


# --- Russia's timing around US elections (issue 12, item 3) ---------------------------------------------------

ELECTIONS = (5, 9, 13)
"""The first years under a new US government (elections every four years, the first in year 5)."""
EDGE = 0.3
"""A Russia for which attacking pays once the US has disengaged: a type the others' belief holds possible
(the prior's top types are above it)."""
LULL = 0.005
"""The stated bound: the hazard must fall by half a point a year in the year before an election, relative to the
year after it, for a lull to count."""


def election_steps(c: CompiledScenario, d: Deal, edge: float = EDGE) -> list[float]:
    """The rise of Russia's yearly hazard from the last year before each US election to the first year after it,
    the US still engaged and the coalition at its mean (what Russia faces is the same in both years but for the
    election it has just seen pass)."""
    o = c.outlook(d, edge)
    h = hazards(c, o)
    return [float(h[e - 1] - h[e - 2]) for e in ELECTIONS]


def test_a_foresighted_russia_holds_back_before_us_elections_in_deals_that_rest_on_a_us_role():
    """Catches: a Russia that does not foresee US elections (it waits only for expiry), one that foresees them
    where they cannot change the guarantee, and one that still waits with no foresight. The lull: the hazard is
    lower in the last year before an election than in the first year after it (nothing else changed: the US stayed
    engaged), by at least :data:`LULL`; a myopic Russia's hazard moves only with the slow trends of power and
    consolidation, and with no US role an election changes nothing Russia weighs.

    A unit test of the mechanism's sign and presence (it holds by construction of the waiting rule once elections
    are foreseen); the runs' test below checks that it survives the noise of the runs."""
    c, myopic = compiled(), compiled(deterrence={"foresight": 0.0})
    us_role = election_steps(c, deal(duration_years=50))
    assert all(step > LULL for step in us_role), us_role
    without = election_steps(myopic, deal(duration_years=50))
    assert all(step < LULL / 5 for step in without), without  # no rise across the elections: the trends only
    no_role = election_steps(c, deal(duration_years=50, us_role="none"))
    assert no_role == pytest.approx(election_steps(myopic, deal(duration_years=50, us_role="none")), abs=1e-12)
    assert all(step < LULL / 5 for step in no_role), no_role


def test_the_lull_before_us_elections_shows_in_the_runs_and_removing_foresight_removes_it():
    """Catches: the run's Russia ignoring the elections it faces (the lull only in the calculus), and a lull that
    is an artefact of the trends (it would show without foresight too). The Paris-draft-like package imposed for
    fifty years, a Russia whose edge makes a US disengagement worth waiting for; in every run in which the US is
    engaged both in the year before the first election and in the year after it, the hazard's rise across the
    election, averaged over the runs (same seeds with and without foresight). Without probes, whose answers move
    Russia's trust from one year to the next and would blur the comparison (7.8.8)."""
    from sim.model.simulation import GuaranteeModel

    def mean_rise(foresight: float) -> float:
        spec = variant(
            mode="evaluate",
            package={**FIXED_PACKAGE, "duration_years": 50},
            deterrence={"foresight": foresight, "probe_ratio": 0.0},  # no probes: the elections' doing alone
            war={"private_edge_sd": 0.0, "initial_balance": 0.1 + EDGE},  # the edge, known: one type
        )
        c = compile_scenario(spec)
        rises = []
        for seed in range(200):
            m = GuaranteeModel(c, seed, trace=True).run()
            years = {y.year: y for y in m.years_trace}
            before, after = years.get(4), years.get(5)
            if (
                before
                and after
                and before.guarantors["united_states"].engaged
                and after.guarantors["united_states"].engaged
            ):
                rises.append(after.hazard - before.hazard)
            m.release()
        assert len(rises) > 50
        return float(np.mean(rises))

    with_foresight, myopic = mean_rise(0.95), mean_rise(0.0)
    assert with_foresight > LULL and with_foresight - myopic > LULL, (with_foresight, myopic)


def test_russia_foresees_the_coalitions_cohesion_reverting_to_its_mean():
    """Catches: a Russia that takes today's cohesion of the coalition as permanent (it could not foresee a trough
    or a recovery). Cohesion reverts to its mean (AR(1)): at a peak Russia expects it to fall and waits; in a
    trough it expects a recovery, so nothing later is worth waiting for and the trough is when it strikes. The US
    engaged, a Russia whose attack pays (:data:`EDGE`), the second year of the Paris-draft-like package."""
    c = compiled()
    o = c.outlook(deal(duration_years=50), EDGE)

    def gain(cohesion: float) -> float:
        states = (GuarantorState(True, 1.0), GuarantorState(True, cohesion))
        return yearly_choice(o, 2, states, c.guarantors, c.scenario.deterrence).gain

    mean = c.scenario.actors["coalition"].guarantor.engagement.mean
    assert gain(0.99) > gain(mean) + 0.01  # at a peak: the fall ahead is worth waiting for
    assert gain(mean) > 0.0 and gain(0.6) == 0.0  # in a trough: nothing ahead beats now


def test_russia_foresees_the_coalitions_cohesion_reverting_to_the_level_its_governments_now_stand_at():
    """Catches: a Russia whose foresight reverts the coalition's cohesion to its fixed mean whatever its members'
    governments now think (``members_fixed`` in the foresight): a coalition at its mean cohesion whose lead
    nation's new government no longer stands behind the deal has a fall ahead, which Russia waits for, and once
    cohesion has settled there Russia's hazard is higher. The Paris-draft-like package, second year, as above."""
    c = compiled()
    o = c.outlook(deal(duration_years=50), EDGE)
    mean = c.scenario.actors["coalition"].guarantor.engagement.mean
    low = mean * 0.75  # a quarter of the coalition, by pledge, no longer behind the deal

    def choice(cohesion: float, level: float | None):
        states = (GuarantorState(True, 1.0), GuarantorState(True, cohesion, level=level))
        return yearly_choice(o, 2, states, c.guarantors, c.scenario.deterrence)

    assert choice(mean, mean).gain == pytest.approx(choice(mean, None).gain)  # level at the mean: as before
    assert choice(mean, low).gain > choice(mean, mean).gain + 0.01  # the fall ahead is worth waiting for
    assert choice(low, low).hazard > choice(mean, mean).hazard


TURNOVER_SPLITS = 0.02
"""The stated bound on how many more of the imposed deals with a force must break in a coalition split within 15
years when member governments turn over than when they do not (two points; seeds 1-7 gave 3.5-6.8)."""


def test_member_turnover_splits_a_coalition_that_fields_a_force_and_barely_touches_one_that_does_not():
    """Catches: members' willingness fixed for the run (``members_fixed``: no difference either way), and a cohesion
    that ignores what the deal asks of its members (a deal without a force would split as often). A consequence
    of the bar rule of docs/MODEL.md 7.8.9 seen through the runs (a member sending troops must stay at the
    participation threshold, one that only approved at the deal's veto cost), not validation. Over 400 imposed
    runs, seed 7: coalition splits within 15 years 8.7 % with turnover against 5.2 % without, with a force; 2.5 %
    either way without one."""
    rates = {}
    for troops in (20000, 0):
        for turnover in (0.4, 0.0):
            scenario = with_overrides(imposed(foreign_troops=troops), {"actors.coalition.members.turnover": turnover})
            outs = run_scenario(scenario, runs=400, seed=7)
            rates[troops, turnover] = np.mean([o.cause == "coalition_split" and o.breakdown_year <= 15 for o in outs])
    assert rates[20000, 0.4] - rates[20000, 0.0] >= TURNOVER_SPLITS
    assert abs(rates[0, 0.4] - rates[0, 0.0]) <= 0.005


# --- probes and Russia's belief about the guarantors' resolve (docs/MODEL.md 7.8.8) ------------------------------

PROBE_RISE = 0.05
"""The stated bound on how much more an unanswered probe must raise Russia's hazard in the next year than an
answered one (five per cent of it, relative), in runs."""


def first_probe_responses(outcomes) -> dict[bool, list[float]]:
    """For the runs whose guarantors were probed, the ratio of Russia's hazard in the year after the first probe to
    the hazard in the probe's year, by whether any guarantor answered it."""
    after: dict[bool, list[float]] = {True: [], False: []}
    for o in outcomes:
        ys = o.years_trace
        for i, y in enumerate(ys[:-1]):
            if y.probed:
                answered = any(g.answered for g in y.guarantors.values() if g.answered is not None)
                after[answered].append(ys[i + 1].hazard / y.hazard)
                break
    return after


def test_unanswered_probes_lower_russias_trust_and_raise_its_hazard_and_answered_ones_do_not():
    """Issue 12's must-fail test: "unanswered probes lower credibility; answered ones do not". Wrong models caught:
    a Russia that learns nothing from how the guarantors answer (its trust stays at 1: ``no_learning_from_probes``),
    one that learns backwards, and a calculus that ignores its belief. In 600 imposed runs of the draft package
    (seed 5) with the year traces: after the first probe that no guarantor answered Russia's trust in every
    guarantor fell and its hazard rose by about 16 % the next year; after one that was answered its trust did not
    fall and its hazard rose by about 1 % (the probe cost the coalition cohesion either way, docs/MODEL.md 7.8.9;
    before that cost it fell by about 6 %). The test asks for a difference of at least :data:`PROBE_RISE` between the
    two means, and for the direction of every trust update."""
    outs = run_scenario(imposed(), 600, 5, trace=True)
    after = first_probe_responses(outs)
    assert len(after[True]) > 50 and len(after[False]) > 50, {k: len(v) for k, v in after.items()}
    assert np.mean(after[False]) - np.mean(after[True]) > PROBE_RISE, {k: np.mean(v) for k, v in after.items()}
    for o in outs:
        ys = o.years_trace
        for y, nxt in zip(ys, ys[1:], strict=False):
            for key, g in y.guarantors.items():
                if g.answered is True:
                    assert nxt.guarantors[key].trust >= g.trust - 1e-12
                elif g.answered is False:
                    assert nxt.guarantors[key].trust <= g.trust + 1e-12


def test_probes_are_counted_and_happen_only_in_years_without_an_attack():
    """Catches: an incident record that disagrees with the year traces, a probe in the year of an attack, or probes
    that happen when the ratio is 0."""
    outs = run_scenario(imposed(), 200, 9, trace=True)
    for o in outs:
        probed = [y for y in o.years_trace if y.probed]
        assert o.probes == len(probed) and 0 <= o.probes_unanswered <= o.probes
        assert not any(y.attacked for y in probed)
        unanswered = sum(not any(g.answered for g in y.guarantors.values() if g.answered is not None) for y in probed)
        assert o.probes_unanswered == unanswered
    assert sum(o.probes for o in outs) > 0
    quiet = run_scenario(with_overrides(imposed(), {"deterrence.probe_ratio": 0.0}), 100, 9)
    assert all(o.probes == 0 for o in quiet)


def test_guarantors_honour_with_their_true_resolve_not_with_russias_belief():
    """Catches: honouring (or answering a probe) drawn with Russia's belief, which would make a guarantor as
    resolute as Russia thinks it is. A guarantor whose true resolve is 0 never honours and never answers, whatever
    Russia believes; Russia's trust starts at 1 in every run and the resolve differs across runs."""
    from sim.model.simulation import GuaranteeModel

    scenario = imposed()
    resolves = set()
    broke = 0
    for seed in range(60):
        m = GuaranteeModel(scenario, seed, trace=True)
        resolves.add(m.guarantors[1].resolve)
        for g in m.guarantors:
            g.resolve = 0.0
        while m.running:
            m.step()
        o = outcome_of(m)
        assert o.years_trace[0].guarantors["coalition"].trust == 1.0
        assert all(g.answered is not True for y in o.years_trace for g in y.guarantors.values())
        if o.breakdown:
            broke += 1
            assert not any(o.honoured.values()), o.honoured
    assert broke > 10 and len(resolves) > 1


# --- after a breakdown: the war that follows and new talks (negotiation.resume_after_breakdown) ------------------


def by_honouring(outs, field: str) -> tuple[list, list, list]:
    """The runs whose first deal Russia attacked, and ``field`` of the war that followed where a guarantor honoured
    (met) and where none did (left alone), each group checked to be large enough to compare."""
    attacked = [o for o in outs if o.breakdown]
    met = [getattr(o, field) for o in attacked if any(o.honoured.values())]
    alone = [getattr(o, field) for o in attacked if not any(o.honoured.values())]
    assert len(met) > 50 and len(alone) > 50, (len(met), len(alone))
    return attacked, met, alone


REPELLED = 0.15
"""The stated bound on how much less ground Russia must gain in a war after a breakdown that the guarantors met
than in one they left alone (a share of Ukraine's territory)."""
MORE_PEACE = 2.0
"""The stated bound on how many more years of peace in the first 30 talks that resume after a breakdown must bring."""


def test_an_attack_the_guarantors_meet_is_repelled_one_they_leave_alone_gains_ground_and_new_talks_end_most_wars():
    """Issue 12: "honouring has consequences: an attack met by the guarantors is costlier and may be repelled; one
    that is not may succeed, ... with the no-deal war path continuing from there". Wrong models caught: honouring
    that changes nothing in the war that follows (``honouring_inconsequential``), and a war after a breakdown that
    runs to the horizon whatever happens (``no_new_talks``, model v2's first version).

    In 400 imposed runs of the draft package (seed 7) with talks resuming: over the war after the first breakdown
    Russia lost about 2 points of Ukraine's territory when a guarantor honoured and gained about 38 when none did;
    about half of those wars ended in a new deal (the rest: the members would not field the imposed force again, so
    nothing was on the table), and the first 30 years held 19.2 years of peace against 13.7 without new talks. The
    territory part is close to a unit test of a sign (the honouring guarantors' weight lowers the balance the war
    reverts to); the new deals and the years of peace come through the talks, where every party's value of no deal
    is the war at that balance. The test asks for a difference of at least :data:`REPELLED` in the ground gained,
    for a new deal in at least 30 % of the wars, and for :data:`MORE_PEACE` more years of peace."""
    resumed = with_overrides(imposed(), {"negotiation.resume_after_breakdown": True})
    outs = run_scenario(resumed, 400, 7)
    attacked, met, alone = by_honouring(outs, "territory_change")
    assert np.mean(alone) - np.mean(met) > REPELLED, (np.mean(met), np.mean(alone))
    assert np.mean(met) < 0.05 < np.mean(alone)
    assert np.mean([o.redeal for o in attacked]) > 0.3
    without = run_scenario(imposed(), 400, 7)
    gain = np.mean([o.peace_years_30 for o in outs]) - np.mean([o.peace_years_30 for o in without])
    assert gain > MORE_PEACE, gain
    assert not any(o.redeal for o in without)


SOONER = 1.0
"""The stated bound on how many years sooner a war after a breakdown that the guarantors met must end than one they
left alone, in the negotiated baseline with talks resuming."""


def test_with_talks_resuming_an_attack_the_guarantors_meet_ends_sooner_in_a_new_deal():
    """Issue 12: an attack met by the guarantors "is costlier and may be repelled". Wrong model caught:
    ``honouring_inconsequential`` (the honouring guarantors add no weight to the war that follows). Not a test of a
    sign: the war's length comes from the new talks, where Russia's value of no deal falls with the balance the
    honouring guarantors push down, and Ukraine's rises. In 1,500 negotiated runs of the baseline with talks
    resuming (seed 3) the war after the first breakdown lasted 3.3 years when a guarantor honoured and 4.7 when none
    did, and 97 % of those wars ended in a new deal (300 runs before Ukraine's path into the EU, docs/MODEL.md
    7.8.10: 3.1 and 5.7; with honouring inconsequential 5.8 and 5.6). The mean is heavy-tailed (a war Russia is
    winning may find no deal for decades), so over 500 runs it moves by years from seed to seed (differences of 4.2,
    1.0 and 2.3 years at seeds 1, 3 and 5 with the path into the EU open; 1.5, 2.2 and 0.6 with it closed): hence
    1,500 runs (it was 300, and failed by chance after item 2, 0.17). The test asks for the met war to be
    :data:`SOONER` years shorter on average."""
    from pathlib import Path

    from sim.config.scenario import load_scenario

    scenario = load_scenario(Path(__file__).resolve().parents[1] / "scenarios" / "talks_after_breakdown.yaml")
    outs = run_scenario(scenario, 1500, 3)
    attacked, met, alone = by_honouring(outs, "war_after_years")
    assert np.mean(alone) - np.mean(met) > SOONER, (np.mean(met), np.mean(alone))
    assert np.mean([o.redeal for o in attacked]) > 0.8


# --- consolidation as a state (docs/MODEL.md 7.8.10) ---------------------------------------------------------------

TRIGGER = 0.005
"""The stated bound on how much higher Russia's yearly hazard must be in the year of the step into the EU under a deal
that agrees accession than under one that closes the path (half a point a year)."""
DETERS = 0.01
"""The stated bound on how much lower its mean yearly hazard must be in years 16-30 under accession (a point a year)."""


def eu_hazards(deterrence: dict | None = None) -> dict[str, np.ndarray]:
    """Russia's hazard in every year of the draft package for 15 years, per level of ``eu_membership``, the
    guarantors as signed and Russia's value of the peace held at 0.3, so that only the consolidation differs (Russia
    also dislikes accession as such, which raises its incentive in every year)."""
    c = compiled(deterrence=deterrence)
    return {lvl: hazards(c, c.outlook(deal(eu_membership=lvl), peace_value=0.3)) for lvl in EU_LEVELS}


def test_the_step_into_the_eu_is_a_trigger_in_its_year_and_a_deterrent_once_integration_has_consolidated():
    """Mechanism test of consolidation as a state (issue 12, item 2: "as Ukraine integrates (EU membership, F51,
    both a deterrent and, 2013, a trigger)"). Wrong models caught: EU membership as a term Russia dislikes and
    nothing more (``integration_inert``: the path identical whatever the deal says), and a step that only deters
    (``no_westward_step``: in 2013-14 a step West was followed within months by Crimea).

    With the defaults (accession 5 years after the deal, integration 0.5, Westward setback 0.5) the hazard in the
    step's year is 6.4 % under accession, 5.8 % under candidacy and 5.3 % with the path closed; in years 16-30 it
    averages 3.6 %, 4.4 % and 5.4 %. Without the setback the step's year is 4.9 %, below the closed path. The
    test asks for :data:`TRIGGER` at the step and :data:`DETERS` after. It is close to a unit test of two signs (the
    setback lowers the consolidation in the step's year, the integration raises its long-run level); the size of
    each comes through the hazard link, with Russia's foresight of both."""
    step = compiled().scenario.deterrence.accession_years
    h = eu_hazards()
    closed, candidate, accession = h["closed"], h["candidate"], h["accession"]
    assert accession[step - 1] - closed[step - 1] > TRIGGER, (accession[step - 1], closed[step - 1])
    assert accession[step - 1] > candidate[step - 1] > closed[step - 1]
    assert closed[15:30].mean() - accession[15:30].mean() > DETERS
    assert closed[15:30].mean() > candidate[15:30].mean() > accession[15:30].mean()
    no_step = eu_hazards({"westward_setback": 0.0})
    assert no_step["accession"][step - 1] < no_step["closed"][step - 1]
    inert = eu_hazards({"integration": 0.0, "westward_setback": 0.0})
    assert inert["accession"].tolist() == inert["closed"].tolist()


def test_russia_foreseeing_the_step_into_the_eu_waits_for_it_and_a_myopic_russia_does_not():
    """Mechanism test of Russia's timing over what it can foresee (item 3) applied to the step of item 2: the
    setback lies ahead, so an attack in the step's year would pay more and Russia holds back before it (a lull,
    like the lull before a US election). Wrong models caught: foresight blind to the consolidation's path (only
    expiry, elections and cohesion foreseen), and waiting that leaks into a myopic Russia. In the years before the
    step the hazard under accession is about 0.13 points below that with the path closed (5.28 % against 5.40 % in
    year 1); with ``foresight`` 0 the two are identical there (the consolidation is the same until the step)."""
    step = compiled().scenario.deterrence.accession_years
    h = eu_hazards()
    assert (h["accession"][: step - 1] < h["closed"][: step - 1]).all()
    myopic = eu_hazards({"foresight": 0.0})
    assert myopic["accession"][: step - 1].tolist() == myopic["closed"][: step - 1].tolist()
    assert myopic["accession"][step - 1] > myopic["closed"][step - 1]


def lapses(o: RunOutcome, c: CompiledScenario) -> list[tuple[int, int]]:
    """The years of peace in which guarantors lapsed (:func:`lapsed`, read from the trace: they had not the year
    before, or at signing), each with how many did."""
    d = Deal.from_mapping(o.deal)
    before = [False] * len(c.guarantors)
    out = []
    for y in o.years_trace:
        now = []
        for rule in c.guarantors:
            g = y.guarantors[rule.key]
            now.append(lapsed(rule, GuarantorState(g.engaged, 1.0 if g.cohesion is None else g.cohesion), d))
        if count := sum(n and not b for n, b in zip(now, before, strict=True)):
            out.append((y.year, count))
        before = now
    return out


def test_a_guarantor_that_lapses_sets_the_consolidation_back_in_that_year_and_the_peace_rebuilds_it():
    """Wiring test of the events of item 2 ("rises with events (..., a guarantor's split)"): the run, not only
    Russia's calculus, applies the setback. Wrong model caught: ``splits_forgotten`` (a lapse that changes nothing
    but the guarantor's own credibility: consolidation a function of the calendar alone). In 300 imposed runs (seed
    3), in the year of a run's first lapse the consolidation recorded is ``(1 - split_setback)`` times the path from
    signing (squared if both guarantors lapse that year), the year before it is the path, and ten years on, with no
    lapse between, it is back within a fifth of the gap (the state equation's ``r^10 = 0.14``). With the same
    seeds, breakdowns within five years of the first lapse number 92 of 273 with the default setback (0.3) against
    87 without: the setback is a small part of what a lapse does (the guarantor's credibility falls with it,
    7.8.2)."""
    spec = imposed(duration_years=TERM)
    c = compile_scenario(spec)
    p = spec.deterrence
    path = consolidation(p.horizon_years, p)
    checked = 0
    for o in run_scenario(spec, 300, 3, trace=True):
        events = lapses(o, c)
        if not events or events[0][0] < 3 or len(o.years_trace) < events[0][0] + 10:
            continue
        year, count = events[0]  # two guarantors lapsing in one year set it back twice
        psi = [y.consolidation for y in o.years_trace]
        assert psi[year - 2] == path[year - 2]
        assert psi[year - 1] == pytest.approx((1 - p.split_setback) ** count * path[year - 1], rel=1e-12)
        if not [e for e, _ in events[1:] if e <= year + 10]:  # index year + 9 is the year ten years on
            gap = path[year + 9] - psi[year + 9]
            assert 0 < gap < 0.2 * (path[year - 1] - psi[year - 1])
            checked += 1
    assert checked >= 10, checked  # 15 runs of the 300 have a first lapse with ten quiet years after it
