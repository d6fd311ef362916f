"""The analysis API (sim.analysis.tables) and its figures (sim.figures.notebook), on known answers.

Hand-made runs whose life table, pooled hazards and Kaplan-Meier curve can be computed by hand; a toy
dilemma grid whose peak and durable zone are obvious; the model's worked example (docs/MODEL.md 7.8.6)
for Russia's yearly calculus; and tiny sweeps for the pooling of cells and the Sobol ranking.
"""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
import yaml
from matplotlib.figure import Figure
from scipy import stats

from sim import analysis as A
from sim.analysis.summary import Z95, kaplan_meier, wilson
from sim.config.errors import InputError
from sim.config.scenario import load_scenario
from sim.dealspace import Deal
from sim.execution import variants as V
from sim.execution.runs import run_scenario
from sim.execution.sweep.runner import run_sweep
from sim.figures import notebook as P
from sim.outcomes import RunOutcome

ROOT = Path(__file__).resolve().parents[1]
BASE = ROOT / "scenarios" / "baseline.yaml"


# ------------------------------------------------------------------------------------ hand-made runs


def outcome(agreement: bool, breakdown_year: int | None = None, *, horizon: int = 5, duration: float = 3) -> RunOutcome:
    """A run record with only what the survival functions read."""
    return RunOutcome(
        seed=0,
        agreement=agreement,
        end="agreement" if agreement else "no_deal",
        rounds=1,
        russia_accepted=agreement,
        deal=None,
        utilities={},
        coalition_troops_offered=0.0,
        peace_years=None if not agreement else float(breakdown_year or horizon),
        breakdown=breakdown_year is not None,
        breakdown_year=breakdown_year,
        cause="deterrence_gap" if breakdown_year else None,
        honoured={"united_states": None, "coalition": None},
        horizon=horizon,
        duration=duration if agreement else None,
    )


#: Ten agreements followed for 5 years: breakdowns in years 1, 1, 2, 3, 3, 3; four hold (censored at 5).
#: Two runs without agreement, which every survival figure ignores.
HAND = [outcome(True, y) for y in (1, 1, 2, 3, 3, 3)] + [outcome(True) for _ in range(4)] + [outcome(False)] * 2

#: The life table by hand: (year, at risk at its start, breakdowns in it).
LIFE_TABLE = [(1, 10, 2), (2, 8, 1), (3, 7, 3), (4, 4, 0), (5, 4, 0)]


def hand_forms() -> list:
    """The same runs as outcome records, a runs table (pandas) and a sweep-like Arrow table."""
    frame = pd.DataFrame(
        [{k: getattr(o, k) for k in ("agreement", "peace_years", "breakdown", "duration")} for o in HAND]
    )
    return [HAND, frame, pa.Table.from_pandas(frame)]


@pytest.mark.parametrize("data", hand_forms(), ids=["outcomes", "pandas", "arrow"])
def test_yearly_hazard_is_the_life_table_by_hand(data):
    table = A.yearly_hazard(data)
    assert table["year"].tolist() == [y for y, _, _ in LIFE_TABLE]
    assert table["at_risk"].tolist() == [n for _, n, _ in LIFE_TABLE]
    assert table["events"].tolist() == [e for _, _, e in LIFE_TABLE]
    assert table["hazard"].tolist() == pytest.approx([e / n for _, n, e in LIFE_TABLE])
    for (_, n, e), low, high in zip(LIFE_TABLE, table["low"], table["high"], strict=True):
        est = wilson(e, n)
        assert (low, high) == pytest.approx((est.low, est.high))


def test_yearly_hazard_pools_periods_and_stops_where_asked():
    table = A.yearly_hazard(HAND, width=2)
    # years 1-2: 10 + 8 years at risk, 3 breakdowns; 3-4: 7 + 4, 3; 5: 4, 0
    assert table[["year", "last", "at_risk", "events"]].values.tolist() == [[1, 2, 18, 3], [3, 4, 11, 3], [5, 5, 4, 0]]
    assert table["hazard"].tolist() == pytest.approx([3 / 18, 3 / 11, 0.0])
    assert len(A.yearly_hazard(HAND, max_year=3)) == 3
    beyond = A.yearly_hazard(HAND, max_year=7)
    assert beyond["at_risk"].tolist()[-2:] == [0, 0] and beyond["hazard"].isna().tolist()[-2:] == [True, True]
    with pytest.raises(ValueError):
        A.yearly_hazard(HAND, width=0)


def test_pooled_hazard_and_the_ratio_of_two_spans_by_hand():
    before, after = A.pooled_hazard(HAND, 1, 2), A.pooled_hazard(HAND, 3, 4)
    assert (before.events, before.exposure, after.events, after.exposure) == (3, 18, 3, 11)
    assert (before.value, before.low, before.high) == pytest.approx(tuple(wilson(3, 18).__dict__.values()))
    ratio = A.hazard_ratio(HAND, (1, 2), (3, 4))
    assert ratio.value == pytest.approx(18 / 11)
    se = math.sqrt(1 / 3 - 1 / 18 + 1 / 3 - 1 / 11)  # Katz: log risk ratio
    assert ratio.low == pytest.approx(18 / 11 * math.exp(-Z95 * se))
    assert ratio.high == pytest.approx(18 / 11 * math.exp(Z95 * se))
    with pytest.raises(ValueError):
        A.pooled_hazard(HAND, 3, 2)


def test_ratio_without_events_or_exposure_is_undefined_not_an_error():
    none_before = A.hazard_ratio(HAND, (4, 5), (1, 2))
    assert math.isinf(none_before.value) and math.isnan(none_before.low)
    nobody_after = A.hazard_ratio(HAND, (1, 2), (6, 7))
    assert math.isnan(nobody_after.value)


def test_expiry_cliff_compares_the_years_around_the_median_duration():
    # duration 3 (from the runs): years 1-3 before (10 + 8 + 7 at risk, 6 breakdowns), 4-5 after (8, 0)
    cliff = A.expiry_cliff(HAND, window=3)
    assert (cliff.before.first, cliff.before.last, cliff.after.first, cliff.after.last) == (1, 3, 4, 6)
    assert (cliff.before.events, cliff.before.exposure, cliff.after.events, cliff.after.exposure) == (6, 25, 0, 8)
    assert cliff.value == 0.0 and math.isnan(cliff.low)
    assert A.expiry_cliff(HAND, duration=2, window=1).value == pytest.approx((3 / 7) / (1 / 8))


def test_survival_table_is_kaplan_meier_over_agreements():
    km = kaplan_meier([o.peace_years for o in HAND if o.agreement], [o.breakdown for o in HAND if o.agreement])
    table = A.survival_table(HAND)
    assert table["time"].tolist() == km.time.tolist()
    assert table["survival"].tolist() == pytest.approx(km.survival.tolist())
    # S(2) = (1 - 2/10)(1 - 1/8) = 0.7; S(3) = 0.7 (1 - 3/7) = 0.4; S before 1 = 1
    at = A.survival_table(HAND, times=[0.5, 2, 3, 5])
    assert at["survival"].tolist() == pytest.approx([1.0, 0.7, 0.4, 0.4])
    assert A.survival_table([outcome(False)]).empty


def test_when_every_agreement_broke_the_survival_band_is_clopper_pearson_not_zero_width():
    """Catches a zero-width band [0, 0] after the last breakdown when all agreements broke: with 5 of 5 broken
    the band must be the exact binomial (Clopper-Pearson) interval for 0 survivors of 5."""
    upper = float(stats.beta.ppf(0.975, 1, 5))  # Clopper-Pearson upper bound for 0 successes in 5
    km = kaplan_meier([3, 5, 7, 9, 11], [True] * 5)
    at = km.at(15)
    assert (at.value, at.low) == (0.0, 0.0)
    assert at.high == pytest.approx(upper) and at.high == pytest.approx(1 - 0.025 ** (1 / 5))
    assert km.high[-1] <= km.high[-2], "the upper band does not widen again at the last breakdown"
    # with censoring first: only the 2 known to have broken count
    censored = kaplan_meier([1, 4, 6], [False, True, True]).at(10)
    assert (censored.value, censored.low) == (0.0, 0.0)
    assert censored.high == pytest.approx(float(stats.beta.ppf(0.975, 1, 2)))


@pytest.mark.parametrize(
    ("scenario", "imposed"), [("budapest_like.yaml", True), ("baseline.yaml", False)], ids=["evaluate", "negotiate"]
)
def test_an_imposed_package_is_summarised_as_imposed_not_as_agreed_in_talks(scenario, imposed):
    """Catches mode evaluate printing "P(deal, first session) 1.000" and "agreed terms" (text, summary.json
    and the terms figure) for a package nobody negotiated, while negotiated runs keep both."""
    from sim.analysis.summary import format_estimate, render, summarise
    from sim.execution.results import runs_table
    from sim.figures.run import terms_figure
    from sim.outcomes import find_measure

    s = load_scenario(ROOT / "scenarios" / scenario)
    outcomes = run_scenario(s, runs=40, seed=1)
    summary = summarise(outcomes)
    text, data = render(summary), summary.as_dict()
    label = find_measure("p_agreement").short_label
    first = next(line for line in text.splitlines() if line.startswith(label))
    title = terms_figure(runs_table(outcomes, scenario=s))._suptitle.get_text()
    assert summary.terms, "some runs agreed, so the terms are shown"
    assert data["imposed"] is imposed
    if imposed:
        assert first[len(label) :].strip() == "n/a (imposed)"
        assert "imposed terms" in text and "agreed terms" not in text
        assert set(data["p_agreement"].values()) == {None}
        assert title.startswith("imposed terms") and "agreed" not in title
    else:
        assert first[len(label) :].strip() == format_estimate(summary.agreement) and "imposed" not in text
        assert "agreed terms" in text and data["p_agreement"]["value"] == summary.agreement.value
        assert summary.agreement.value == pytest.approx(np.mean([o.first_session for o in outcomes]))
        assert title.startswith("agreed terms")


def test_the_text_summary_prints_years_utilities_and_territory_in_their_units():
    """Catches years of peace or welfare printed like probabilities: every measure over all runs is on its line
    in its unit (years with "years", welfare with "utility", territory in per cent)."""
    from sim.analysis.summary import render, summarise

    outcomes = run_scenario(load_scenario(BASE), runs=30, seed=2)
    summary = summarise(outcomes)
    lines = {
        m.name: next(ln for ln in render(summary).splitlines() if ln.startswith(m.short_label))
        for m in summary.measures
        if m.over_all_runs
    }
    peace = summary.figures["peace_years_15"]
    assert lines["peace_years_15"].endswith(f"{peace.value:.2f} [{peace.low:.2f}, {peace.high:.2f}] years")
    assert 0.0 <= peace.value <= 15.0
    assert peace.value == pytest.approx(np.mean([o.peace_years_15 for o in outcomes]))
    for party in ("ukraine", "russia", "united_states"):
        assert lines[f"welfare.{party}"].endswith(" utility")
        assert summary.welfare[party].value == pytest.approx(np.mean([o.welfare[party] for o in outcomes]))
    territory = summary.figures["territory_30"]
    assert lines["territory_30"].endswith(
        f"{100 * territory.value:.1f} % [{100 * territory.low:.1f} %, {100 * territory.high:.1f} %]"
    )
    data = summary.as_dict()
    assert data["peace_years_15"]["value"] == pytest.approx(peace.value)  # averages keep their interval
    assert set(data["welfare"]) == {"ukraine", "russia", "united_states"}


def test_format_estimate_by_unit():
    from sim.analysis.summary import Estimate, format_estimate

    assert format_estimate(Estimate(0.5, 0.25, 0.75)) == "0.500 [0.250, 0.750]"
    assert format_estimate(Estimate(7.5, 7.0, 8.0), "years") == "7.50 [7.00, 8.00] years"
    assert format_estimate(Estimate(12, 7, math.inf), "years", 50) == "12 [7, > 50] years"
    assert format_estimate(Estimate(0.2, math.nan, math.nan), "utility") == "0.200 utility"
    assert format_estimate(Estimate(0.271, 0.25, 0.3), "share of territory") == "27.1 % [25.0 %, 30.0 %]"
    assert format_estimate(Estimate(math.nan, math.nan, math.nan), "years") == "n/a"


def test_compare_runs_tabulates_each_set():
    table = A.compare_runs({"hand": HAND, "half": HAND[:5]}, at=(2, 3), window=1)
    hand = table.set_index("label").loc["hand"]
    assert (hand["runs"], hand["agreements"], hand["duration"]) == (12, 10, 3.0)
    assert hand["p_agreement"] == pytest.approx(10 / 12)
    assert (hand["survival_2"], hand["survival_3"]) == pytest.approx((0.7, 0.4))
    assert hand["median_years"] == 3.0  # first time S <= 0.5
    assert hand["hazard_before_expiry"] == pytest.approx(3 / 7) and hand["hazard_after_expiry"] == 0.0
    assert table.set_index("label").loc["half", "agreements"] == 5


def test_compare_measures_puts_the_headline_measures_side_by_side():
    from sim.analysis.measures import estimates
    from sim.outcomes import find_measure

    outs = run_scenario(load_scenario(BASE), 30, 1)
    names = ["p_agreement", "peace_years_30", "p_holds_15", "p_holds_15_given_agreement", "p_deal_then_war_15"]
    table = A.tables.compare_measures({"records": outs, "table": A.outcomes_frame(outs)}, names)
    assert table["label"].tolist() == ["records", "table"]
    assert list(table.columns[:3]) == ["label", "runs", "agreements"]
    assert [c for c in table.columns if c.startswith("p_holds_15")] == [
        "p_holds_15",
        "p_holds_15_low",
        "p_holds_15_high",
    ]
    rec = table.iloc[0]
    assert (rec["runs"], rec["agreements"]) == (30, sum(o.agreement for o in outs))
    assert rec["p_agreement"] == pytest.approx(np.mean([o.first_session for o in outs]))  # the first session only
    assert rec["peace_years_30"] == pytest.approx(np.mean([o.peace_years_30 for o in outs]))
    direct = estimates([find_measure(n) for n in ("p_holds_15", "p_deal_then_war_15")], outs)
    assert (rec["p_holds_15"], rec["p_holds_15_low"]) == pytest.approx(
        (direct["p_holds_15"].value, direct["p_holds_15"].low)
    )
    assert rec["p_deal_then_war_15_high"] == pytest.approx(direct["p_deal_then_war_15"].high)
    numbers = table.drop(columns="label")
    assert np.allclose(numbers.iloc[0].to_numpy(dtype=float), numbers.iloc[1].to_numpy(dtype=float), equal_nan=True)
    assert "welfare.russia" in A.tables.compare_measures({"x": outs}).columns  # default: the summary measures
    long = A.tables.compare_measures({"records": outs, "table": A.outcomes_frame(outs)}, names, long=True)
    assert long["measure"].tolist() == [n for n in names[:3] for _ in range(2)] + ["p_deal_then_war_15"] * 2
    first = long[(long["measure"] == "peace_years_30") & (long["label"] == "records")].iloc[0]
    assert (first["value"], first["low"], first["runs"]) == (rec["peace_years_30"], rec["peace_years_30_low"], 30)
    with pytest.raises(KeyError):
        A.tables.compare_measures({"x": outs}, "p_nothing")


def test_typical_deal_takes_modes_and_medians():
    deals = pd.DataFrame(
        {
            "agreement": [True, True, True, False],
            "deal.guarantee_strength": ["article5_like", "nato_membership", "article5_like", None],
            "deal.foreign_troops": [0.0, 10000.0, 20000.0, None],
            "deal.duration_years": [15.0, 15.0, 30.0, None],
            "deal.us_role": ["air_support"] * 3 + [None],
            "deal.ukraine_army": [600000.0, 700000.0, 800000.0, None],
            "deal.territory": ["dmz", "freeze", "dmz", None],
            "deal.neutrality": ["neutral", "nato_open", "nato_renounced", None],  # a three-way tie: the first level
            "deal.eu_membership": ["closed"] * 3 + [None],
            "deal.sanctions_relief": [0.0, 0.5, 1.0, None],
        }
    )
    deal = A.typical_deal(deals)
    assert deal["guarantee_strength"] == "article5_like" and deal["territory"] == "dmz"
    assert deal["neutrality"] == "nato_open"
    assert (deal["foreign_troops"], deal["duration_years"], deal["sanctions_relief"]) == (10000.0, 15.0, 0.5)
    with pytest.raises(ValueError):
        A.typical_deal([outcome(False)])


# ------------------------------------------------------------------------------------ scenarios and runs


def test_project_root_holds_the_scenarios():
    assert (A.project_root() / "scenarios" / "baseline.yaml").is_file()


def test_with_overrides_changes_one_value_and_validates():
    base = load_scenario(BASE)
    changed = A.with_overrides(base, {"package.foreign_troops": 5000, "actors.russia.red_lines.0.penalty": 0.1})
    assert changed.package.foreign_troops == 5000 and changed.actors["russia"].red_lines[0].penalty == 0.1
    assert base.package.foreign_troops != 5000  # the original is untouched
    assert changed == load_scenario(
        BASE, overrides={"package.foreign_troops": 5000, "actors.russia.red_lines.0.penalty": 0.1}
    )
    with pytest.raises(InputError):
        A.with_overrides(base, {"package.foreign_troops": -1})


def test_run_variants_share_seeds():
    base = load_scenario(BASE)
    runs = V.run_variants(base, {"a": {}, "b": {}, "c": {"package.foreign_troops": 5000}}, runs=4, seed=3)
    assert runs["a"] == runs["b"] == run_scenario(base, 4, 3)
    assert [o.seed for o in runs["c"]] == [o.seed for o in runs["a"]]


def test_one_negotiation_and_one_peace_as_tables():
    outs = run_scenario(load_scenario(BASE), 30, 1, trace=True)
    run = max((o for o in outs if o.agreement), key=lambda o: o.rounds)  # the longest talks that ended in a deal
    rounds = A.negotiation_rounds(run)
    assert len(rounds) == run.rounds and rounds["round"].tolist() == list(range(1, run.rounds + 1))
    assert rounds["session"].iloc[-1] == run.sessions and rounds["session"].is_monotonic_increasing
    assert rounds["month"].is_monotonic_increasing and rounds["month"].iloc[-1] == run.deal_month
    parties = ("ukraine", "russia", "united_states")
    last = rounds.iloc[-1]
    assert last[[f"accepted.{p}" for p in parties]].all()
    assert {f"offer.{k}" for k in run.deal} <= set(rounds.columns)
    assert all(last[f"offer.{k}"] == v for k, v in run.deal.items())
    for p in parties:  # every party accepts exactly when its expected value reaches its value of no deal
        tabled = rounds[rounds[f"value.{p}"].notna()]
        assert (tabled[f"accepted.{p}"].astype(bool) == (tabled[f"value.{p}"] >= tabled[f"no_deal.{p}"])).all()
        assert last[f"utility.{p}"] == pytest.approx(run.utilities[p])
    assert rounds["chance"].between(0.0, 1.0).all()
    assert {"balance", "support", "expected_edge"} <= set(rounds.columns)
    years = A.peace_years_frame(run)
    assert len(years) == int(run.peace_years) and years["attacked"].sum() == int(run.breakdown)
    assert {"incentive", "gain", "hazard", "balance", "guarantee"} <= set(years.columns)
    untraced = run_scenario(load_scenario(BASE), 1, 1)[0]
    with pytest.raises(ValueError, match="trace=True"):
        A.negotiation_rounds(untraced)
    with pytest.raises(ValueError, match="trace=True"):
        A.peace_years_frame(untraced)
    assert A.outcomes_frame(outs)["agreement"].sum() == sum(o.agreement for o in outs)


# ------------------------------------------------------------------------------------ Russia's calculus


WORKED_DEAL = {
    "guarantee_strength": "article5_like",
    "foreign_troops": 20000,
    "duration_years": 15,
    "us_role": "air_support",
    "ukraine_army": 800000,
    "territory": "dmz",
    "neutrality": "neutral",
    "eu_membership": "closed",
    "sanctions_relief": 1.0,
}


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def test_incentive_path_is_russias_calculus_worked_by_hand():
    """The yearly calculus for the worked deal, restated from the model description's equations with the
    scenario's parameters: credibilities and the guarantee in force and after expiry, the balance of power as
    power shifts, Russia's value of war, its net incentive, its gain from waiting and the hazard."""
    from sim.model.compiled import compile_scenario

    # The worked example's expiry is model v2's: the guarantee lapses at the end of its term, the force at once.
    scenario = A.with_overrides(load_scenario(BASE), {"expiry.renewal": False, "expiry.drawdown_years": 0})
    path = A.incentive_path(scenario, WORKED_DEAL)
    a, d, w, pw = scenario.actors, scenario.deterrence, scenario.war, scenario.power
    us, co = a["united_states"].guarantor, a["coalition"].guarantor
    troops, cohesion = WORKED_DEAL["foreign_troops"], co.engagement.mean
    force = troops / (troops + co.force.half_troops)
    # credibility (probability of honouring) and weight in a war, in force and after expiry
    k_us = us.credibility["article5_like"]
    k_co = (1 - (1 - co.credibility["article5_like"]) * (1 - co.force.presence_credibility * force)) * cohesion
    k_co *= co.backstop.dependence["air_support"]
    w_us, w_co = us.role.weight["air_support"], co.commitment_weight + co.force.weight * force
    after_us, after_co = k_us * us.expiry_residual, co.credibility["article5_like"] * co.expiry_residual * cohesion
    active = path["active"].to_numpy()
    assert active.tolist() == [y <= 15 for y in range(1, d.horizon_years + 1)]
    assert path.loc[0, "credibility.united_states"] == pytest.approx(k_us)
    assert path.loc[0, "credibility.coalition"] == pytest.approx(k_co)
    assert path.loc[15, "credibility.united_states"] == pytest.approx(after_us)
    assert path.loc[15, "credibility.coalition"] == pytest.approx(after_co)
    guarantee = np.where(active, k_us * w_us + k_co * w_co, after_us * w_us + after_co * co.commitment_weight)
    assert path["guarantee"].to_numpy() == pytest.approx(guarantee)
    # the balance of power a war begun in year t would start from
    t = path["year"].to_numpy(dtype=float) - 1
    rebuilt = pw.russia_reconstitution * (1 - np.exp(-t / pw.russia_reconstitution_years))
    grown = 1 - np.exp(-t / pw.ukraine_years)
    army = WORKED_DEAL["ukraine_army"] * (pw.ukraine_funding + (1 - pw.ukraine_funding) * (1 - grown))
    army *= 1 + pw.ukraine_rearmament * grown
    own = d.army_weight * np.minimum(army / d.army_reference, d.army_cap) - d.army_weight
    balance = w.initial_balance + rebuilt - own - guarantee
    assert path["balance"].to_numpy() == pytest.approx(balance)
    # Russia's value of that war, its net incentive, its gain from waiting and the hazard
    c = compile_scenario(scenario)
    st, u_ru = c.stakes[c.challenger], c.utilities(Deal.from_mapping(WORKED_DEAL))[c.challenger]
    war = st.defender_wins + (st.challenger_wins - st.defender_wins) * _logistic(w.outcome_steepness * balance)
    war -= st.cost
    assert path["war_value"].to_numpy() == pytest.approx(war)
    assert path.attrs["russia_utility"] == pytest.approx(u_ru)
    incentive = war - u_ru - d.consolidation * (1 - np.exp(-t / d.consolidation_years))
    assert path["incentive"].to_numpy() == pytest.approx(incentive)
    # ... and as it would be with the US disengaged (its credibility times the disengaged factor, the coalition's
    # backstop at the US's lowest role), which Russia weighs from the next US election on, with the election's odds
    e, none = us.engagement, co.backstop.dependence["none"] / co.backstop.dependence["air_support"]
    guarantee_dis = np.where(
        active,
        k_us * e.disengaged_factor * w_us + k_co * none * w_co,
        after_us * e.disengaged_factor * w_us + after_co * none * co.commitment_weight,
    )
    war_dis = st.defender_wins - st.cost
    war_dis += (st.challenger_wins - st.defender_wins) * _logistic(
        w.outcome_steepness * (balance + guarantee - guarantee_dis)
    )
    incentive_dis = war_dis - (war - incentive)
    plus, plus_dis = np.maximum(incentive, 0.0), np.maximum(incentive_dis, 0.0)
    q = e.disengage_probability
    n = len(plus)

    def foreseen(i: int, j: int) -> float:  # year index j as Russia sees it in year index i
        election = 1 + e.every_years * (i // e.every_years + 1)  # the next year under a new government
        return plus[j] if j + 1 < election else (1 - q) * plus[j] + q * plus_dis[j]

    gain = [
        max(0.0, max((d.foresight ** (j - i) * foreseen(i, j) for j in range(i + 1, n)), default=0.0) - plus[i])
        for i in range(n)
    ]
    assert path["gain"].to_numpy() == pytest.approx(gain)
    hazard = d.hazard_max * _logistic(d.hazard_steepness * (incentive - np.asarray(gain) - d.hazard_threshold))
    assert path["hazard"].to_numpy() == pytest.approx(hazard)
    assert path["hazard_myopic"].to_numpy() == pytest.approx(
        d.hazard_max * _logistic(d.hazard_steepness * (incentive - d.hazard_threshold))
    )
    assert (path["hazard"] <= path["hazard_myopic"] + 1e-15).all()  # waiting only ever holds Russia back
    # expiry: the troops leave, credibility falls to its residual, the guarantee weighs less, war pays more
    assert (
        path.loc[15, "guarantee"] < path.loc[14, "guarantee"] and path.loc[15, "incentive"] > path.loc[14, "incentive"]
    )


def test_incentive_path_holds_the_guarantors_and_the_edge_where_asked():
    scenario = load_scenario(BASE)
    base = A.incentive_path(scenario, WORKED_DEAL, years=20)
    assert len(base) == 20 and base.attrs["edge"] == 0.0
    lapsed = A.incentive_path(scenario, WORKED_DEAL, years=20, us_engaged=False, cohesion=0.5)
    assert (lapsed["credibility.united_states"] < base["credibility.united_states"]).all()
    assert (lapsed["credibility.coalition"] < base["credibility.coalition"]).all()
    assert (lapsed["hazard"] > base["hazard"]).all()
    stronger = A.incentive_path(scenario, WORKED_DEAL, years=20, edge=0.3)
    assert stronger["balance"].to_numpy() == pytest.approx(base["balance"].to_numpy() + 0.3)
    assert (stronger["incentive"] > base["incentive"]).all()
    with pytest.raises(ValueError, match="horizon"):
        A.incentive_path(scenario, WORKED_DEAL, years=scenario.deterrence.horizon_years + 1)


def test_incentive_path_is_the_hazard_of_a_run_whose_guarantors_never_change():
    """With no cohesion shocks, no member turnover, no US disengagement and no probes (so Russia's trust in the
    guarantors stays at 1), a traced imposed run has exactly the path's hazard at its own private edge."""
    fixed = {
        "mode": "evaluate",
        "deterrence.probe_ratio": 0.0,
        **{f"package.{k}": v for k, v in WORKED_DEAL.items()},
        "actors.coalition.guarantor.engagement.volatility": 0.0,
        "actors.coalition.members.turnover": 0.0,
        "actors.united_states.guarantor.engagement.disengage_probability": 0.0,
    }
    scenario = A.with_overrides(load_scenario(BASE), fixed)
    edges = set()
    for run in run_scenario(scenario, 5, 2, trace=True):
        path = A.incentive_path(scenario, edge=run.edge)
        traced = [y.hazard for y in run.years_trace]
        assert traced == pytest.approx(path["hazard"].tolist()[: len(traced)], rel=1e-12)
        assert [y.incentive for y in run.years_trace] == pytest.approx(path["incentive"].tolist()[: len(traced)])
        assert [y.gain for y in run.years_trace] == pytest.approx(path["gain"].tolist()[: len(traced)])
        edges.add(run.edge)
    assert len(edges) > 1, "the runs drew different private edges, so the edge was matched, not ignored"


def test_incentive_path_needs_every_term():
    with pytest.raises(ValueError, match="open"):
        A.incentive_path(load_scenario(BASE))  # the baseline negotiates troops, army, territory, ...


# ------------------------------------------------------------------------------------ dilemma grid and zone


def toy_grid() -> pd.DataFrame:
    """Two facets of a 2 x 3 map of P(durable): a clear peak, a near-peak cell and an undefined cell."""
    rows = []
    values = {
        "air": {
            ("weak", 0): 0.10,
            ("weak", 1): 0.20,
            ("weak", 2): 0.05,
            ("strong", 0): 0.50,
            ("strong", 1): 0.45,
            ("strong", 2): np.nan,
        },
        "none": {
            ("weak", 0): 0.0,
            ("weak", 1): 0.0,
            ("weak", 2): 0.0,
            ("strong", 0): 0.30,
            ("strong", 1): 0.0,
            ("strong", 2): 0.0,
        },
    }
    for facet, cells in values.items():
        for (y, x), v in cells.items():
            half = 0.0 if np.isnan(v) else 0.08
            rows.append(
                {
                    "role": facet,
                    "y": y,
                    "x": x,
                    "measure": "p_durable_15",
                    "value": v,
                    "low": v - half,
                    "high": v + half,
                    "runs": 100,
                }
            )
    grid = pd.DataFrame(rows)
    grid["y"] = pd.Categorical(grid["y"], ["weak", "strong"], ordered=True)
    grid.attrs = {"x": "x", "y": "y", "by": ["role"]}
    return grid


def test_peaks_are_per_facet():
    top = A.peaks(toy_grid()).set_index("role")
    assert (top.loc["air", "y"], top.loc["air", "x"], top.loc["air", "value"]) == ("strong", 0, 0.50)
    assert (top.loc["none", "y"], top.loc["none", "x"]) == ("strong", 0)


def test_durable_zone_rules():
    grid = toy_grid()
    within = A.durable_zone(grid, within=0.1)
    air = within[within["role"] == "air"]
    assert set(zip(air.loc[air["in_zone"], "y"], air.loc[air["in_zone"], "x"], strict=True)) == {
        ("strong", 0),
        ("strong", 1),
    }
    assert air["is_peak"].sum() == 1 and not air.loc[air["value"].isna(), "in_zone"].any()
    assert within.loc[within["role"] == "none", "in_zone"].sum() == 1
    above = A.durable_zone(grid, threshold=0.3)
    assert above["in_zone"].sum() == 3  # 0.50, 0.45 (air) and 0.30 (none)
    # interval rule: high >= the peak's low (0.42 for air: 0.45 + 0.08 reaches it, 0.20 + 0.08 does not)
    interval = A.durable_zone(grid, within="interval")
    assert interval.loc[interval["role"] == "air", "in_zone"].sum() == 2
    assert "rule" in interval.attrs
    with pytest.raises(ValueError):
        A.durable_zone(grid)
    with pytest.raises(ValueError):
        A.durable_zone(grid, threshold=0.3, within=0.1)


def test_dilemma_grid_from_design_and_aggregate_tables():
    design = pa.table(
        {
            "point": [0, 1, 2, 3],
            "package.guarantee_strength": ["article5_like", "assurances"] * 2,
            "package.foreign_troops": [0.0, 0.0, 5000.0, 5000.0],
        }
    )
    agg = {"point": [0, 1, 2, 3], "runs": [10] * 4, "agreements": [6, 0, 4, 1]}
    for m in A.MEASURES:
        agg[m], agg[f"{m}_low"], agg[f"{m}_high"] = [0.5, 0.0, 0.3, 0.1], [0.2] * 4, [0.8] * 4
    grid = A.dilemma_grid((design, pa.table(agg)), "p_agreement")
    assert list(grid["package.guarantee_strength"].cat.categories) == ["assurances", "article5_like"]  # weakest first
    cell = grid[(grid["package.guarantee_strength"] == "article5_like") & (grid["package.foreign_troops"] == 5000.0)]
    assert cell["value"].item() == 0.3 and cell["agreements"].item() == 4  # counted, not P(first session) x runs
    del agg["agreements"]  # an aggregate without the count: unknown, not made up
    assert A.dilemma_grid((design, pa.table(agg)), "p_agreement")["agreements"].isna().all()
    with pytest.raises(ValueError, match="no factor"):
        A.dilemma_grid((design, pa.table(agg)), by="package.us_role")


# ------------------------------------------------------------------------------------ tiny sweeps


@pytest.fixture(scope="module")
def grid_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("grid")
    path = V.derive_sweep(
        ROOT / "scenarios/sweeps/strength_x_troops.yaml",
        folder,
        name="tiny-grid",
        replications=3,
        factors={
            "package.guarantee_strength": {"values": ["article5_like", "nato_membership"]},
            "package.foreign_troops": {"values": [0, 5000]},
            "package.us_role": {"values": ["none", "air_support"]},
        },
    )
    return run_sweep(path, folder / "out", backend="serial", progress=False)


def test_derive_sweep_writes_a_valid_file_with_an_absolute_base(grid_store):
    data = yaml.safe_load((grid_store.root / "sweep.yaml").read_text(encoding="utf-8"))
    assert Path(data["base"]).is_absolute() and Path(data["base"]) == BASE.resolve()
    assert data["replications"] == 3 and data["name"] == "tiny-grid"
    assert list(data["factors"]) == ["package.guarantee_strength", "package.foreign_troops", "package.us_role"]
    assert data["set"]["package.neutrality"] == {"options": ["nato_open", "nato_renounced", "neutral"]}  # kept


def test_dilemma_grid_pools_the_runs_of_each_cell(grid_store):
    runs = grid_store.results().to_pandas().merge(grid_store.design().to_pandas(), on="point")
    pooled = A.dilemma_grid(grid_store, ["p_agreement", "p_durable_15"])  # averaged over the US role
    assert len(pooled) == 2 * 2 * 2 and (pooled["runs"] == 6).all()
    for _, cell in pooled[pooled["measure"] == "p_agreement"].iterrows():
        mine = runs[
            (runs["package.guarantee_strength"] == cell["package.guarantee_strength"])
            & (runs["package.foreign_troops"] == cell["package.foreign_troops"])
        ]
        assert cell["value"] == pytest.approx(mine["first_session"].mean())  # P(deal in the first session)
        assert cell["agreements"] == mine["agreement"].sum()
        est = wilson(int(mine["first_session"].sum()), len(mine))
        assert (cell["low"], cell["high"]) == pytest.approx((est.low, est.high))
    faceted = A.dilemma_grid(grid_store, by="package.us_role")
    assert (faceted["runs"] == 3).all() and faceted.attrs["by"] == ["package.us_role"]
    assert set(faceted["measure"].astype(str)) == {"p_agreement", "p_holds_15", "p_durable_15"}
    with pytest.raises(ValueError, match="unknown measures"):
        A.dilemma_grid(grid_store, "p_nothing")


def test_end_shares_add_up_per_cell(grid_store):
    ends = A.end_shares(grid_store, by="package.us_role")
    assert len(ends) == 8 and (ends["runs"] == 3).all()
    assert list(ends.columns[-5:]) == ["agreement", "no_deal", "infeasible", "imposed", "russia_accepted"]
    total = ends[list(A.ENDS)].sum(axis=1)
    assert np.allclose(total, 1.0)
    assert (ends["imposed"] == 0).all()  # a negotiated sweep
    deals = A.dilemma_grid(grid_store, "p_deal_15", by="package.us_role")
    grid = A.dilemma_grid(grid_store, "p_agreement", by="package.us_role")
    keys = ["package.us_role", "package.guarantee_strength", "package.foreign_troops"]
    merged = ends.merge(grid[[*keys, "agreements", "runs"]], on=[*keys, "runs"]).merge(deals[[*keys, "value"]], on=keys)
    assert np.allclose(merged["agreement"], merged["agreements"] / merged["runs"])
    assert (merged["agreement"] >= merged["value"] - 1e-12).all()  # a deal within 15 years is an agreement


def test_ends_are_every_way_talks_can_end():
    import typing

    from sim.model.records import End

    assert set(A.ENDS) == set(typing.get_args(End))


def test_sweep_frame_and_factors(grid_store):
    frame = A.sweep_frame(grid_store)
    assert len(frame) == 8 and {"p_agreement", "package.us_role"} <= set(frame.columns)
    factors = A.sweep_factors(grid_store.root / "sweep.yaml").set_index("factor")
    assert factors.loc["package.us_role", "base_value"] == "air_support"
    assert factors.loc["package.guarantee_strength", "values"] == ["article5_like", "nato_membership"]


# ------------------------------------------------------------------------------------ ranking of packages


def toy_ranking_tables() -> tuple[pa.Table, pa.Table]:
    """Four packages in two US roles with known figures: the order changes with the measure.

    Under peace_years_15 the order is A > B > C > D; under p_deal_then_war_15 (lower is better) it is D (0.0) >
    C (0.1) = B (0.1) > A (0.3); under welfare.russia it is reversed; p_holds_15 is undefined for D (no agreement).
    """
    design = pa.table(
        {
            "point": [0, 1, 2, 3],
            "package.guarantee_strength": ["article5_like", "article5_like", "assurances", "nato_membership"],
            "package.us_role": ["air_support", "none", "air_support", "none"],
        }
    )
    figures = {
        "peace_years_15": [9.0, 7.0, 4.0, 0.0],
        "p_agreement": [0.8, 0.6, 0.3, 0.0],
        "p_deal_then_war_15": [0.3, 0.1, 0.1, 0.0],
        "welfare.russia": [0.2, 0.3, 0.4, 0.5],
        "p_holds_15": [0.5, 0.7, 0.4, np.nan],
    }
    agg: dict[str, list] = {"point": [0, 1, 2, 3], "runs": [10] * 4, "agreements": [8, 6, 3, 0]}
    for m, values in figures.items():
        agg[m] = values
        agg[f"{m}_low"] = [v - 0.05 for v in values]
        agg[f"{m}_high"] = [v + 0.05 for v in values]
    return design, pa.table(agg)


TOY_MEASURES = ["peace_years_15", "p_agreement", "p_deal_then_war_15", "welfare.russia", "p_holds_15"]


def test_dilemma_ranking_ranks_each_measure_best_first():
    ranking = A.tables.dilemma_ranking(toy_ranking_tables(), TOY_MEASURES, intervals=True)
    strength = ranking["package.guarantee_strength"].astype(str).tolist()
    role = ranking["package.us_role"].astype(str).tolist()
    assert list(zip(strength, role, strict=True)) == [  # sorted by the first measure's rank
        ("article5_like", "air_support"),
        ("article5_like", "none"),
        ("assurances", "air_support"),
        ("nato_membership", "none"),
    ]
    assert ranking["rank.peace_years_15"].tolist() == [1, 2, 3, 4]
    assert ranking["rank.p_agreement"].tolist() == [1, 2, 3, 4]
    # lower is better: the package without any deal never sees a deal break; equal values share the best rank
    assert ranking["rank.p_deal_then_war_15"].tolist() == [4, 2, 2, 1]
    assert ranking["rank.welfare.russia"].tolist() == [4, 3, 2, 1]  # what is best for Russia
    assert ranking["rank.p_holds_15"].isna().tolist() == [False, False, False, True]  # undefined: no rank
    assert ranking["rank.p_holds_15"].dropna().tolist() == [2, 1, 3]
    assert ranking["rank.peace_years_15"].dtype == "Int64"
    assert ranking["rank_spread"].tolist() == [3, 2, 1, 3]  # e.g. row 2: ranks 2, 2, 2, 3, 1
    assert ranking.loc[0, "peace_years_15_low"] == pytest.approx(8.95)
    assert ranking.attrs["lower_is_better"] == ["p_deal_then_war_15"]
    assert ranking.attrs["factors"] == ["package.guarantee_strength", "package.us_role"]
    assert list(ranking["package.guarantee_strength"].cat.categories) == [  # weakest level first
        "assurances",
        "article5_like",
        "nato_membership",
    ]
    # the direction is a parameter: with nothing "lower is better", the most breakdowns rank first
    flipped = A.tables.dilemma_ranking(toy_ranking_tables(), TOY_MEASURES, lower_is_better=())
    assert flipped["rank.p_deal_then_war_15"].tolist() == [1, 2, 2, 4]


def test_dilemma_ranking_within_facets_and_its_leaders():
    ranking = A.tables.dilemma_ranking(toy_ranking_tables(), TOY_MEASURES, by="package.us_role")
    assert ranking.attrs["by"] == ["package.us_role"] and ranking.attrs["factors"] == ["package.guarantee_strength"]
    assert ranking["package.us_role"].astype(str).tolist() == ["none", "none", "air_support", "air_support"]
    assert ranking["rank.peace_years_15"].tolist() == [1, 2, 1, 2]  # ranks start at 1 in each facet
    assert ranking["rank.p_deal_then_war_15"].tolist() == [2, 1, 2, 1]
    leaders = A.tables.ranking_leaders(ranking).set_index(["package.us_role", "measure"])
    best = leaders.loc[("air_support", "p_deal_then_war_15")]
    assert best["package.guarantee_strength"] == "assurances" and best["better"] == "lower"
    assert best["value"] == 0.1 and best["rank_under_reference"] == 2
    assert best["spearman"] == pytest.approx(-1.0)  # the reverse of the reference's order
    assert leaders.loc[("none", "peace_years_15"), "spearman"] == pytest.approx(1.0)
    assert ("none", "p_holds_15") in leaders.index  # defined for one package: that one leads
    whole = A.tables.ranking_leaders(A.tables.dilemma_ranking(toy_ranking_tables(), TOY_MEASURES))
    assert whole.set_index("measure").loc["p_agreement", "spearman"] == pytest.approx(1.0)
    with pytest.raises(ValueError, match="reference"):
        A.tables.ranking_leaders(ranking, reference="p_nothing")
    with pytest.raises(ValueError, match="not a ranking"):
        A.tables.ranking_leaders(pd.DataFrame())


def test_dilemma_ranking_rejects_unknown_measures_and_factors():
    with pytest.raises(ValueError, match="unknown measures"):
        A.tables.dilemma_ranking(toy_ranking_tables(), ["p_nothing"])
    with pytest.raises(ValueError, match="lacks the measures"):
        A.tables.dilemma_ranking(toy_ranking_tables(), ["p_deal_15"])  # a sweep measure missing from this aggregate
    with pytest.raises(ValueError, match="no factor"):
        A.tables.dilemma_ranking(toy_ranking_tables(), TOY_MEASURES, by="package.foreign_troops")


def test_dilemma_ranking_of_a_sweep_pools_and_ranks_its_estimates(grid_store):
    ranking = A.tables.dilemma_ranking(grid_store)  # the default measures
    assert ranking.attrs["measures"] == list(A.tables.RANKING_MEASURES)
    assert len(ranking) == 8 and (ranking["runs"] == 3).all()
    frame = A.sweep_frame(grid_store)
    keys = ["package.guarantee_strength", "package.foreign_troops", "package.us_role"]
    merged = ranking.astype({k: object for k in keys}).merge(frame, on=keys, suffixes=("", "_store"))
    for m in A.tables.RANKING_MEASURES:
        assert np.allclose(merged[m], merged[f"{m}_store"], equal_nan=True)  # one point per package: its aggregate
        order = merged[m].rank(method="min", ascending=m == "p_deal_then_war_15")
        assert (merged[f"rank.{m}"].astype(float) == order).all(), m
    pooled = A.tables.dilemma_ranking(grid_store, factors=["package.guarantee_strength"])
    assert len(pooled) == 2 and (pooled["runs"] == 12).all()  # runs of the troop levels and US roles pooled
    runs = grid_store.results().to_pandas().merge(grid_store.design().to_pandas(), on="point")
    for _, row in pooled.iterrows():
        mine = runs[runs["package.guarantee_strength"] == row["package.guarantee_strength"]]
        assert row["p_agreement"] == pytest.approx(mine["first_session"].mean())
        assert row["peace_years_15"] == pytest.approx(mine["peace_years_15"].mean())
    fig = P.ranking_figure(ranking, top=3)
    _labelled(fig)
    assert "Rank of each package" in " ".join(t.get_text() for t in fig.texts)
    assert P.package_label({"package.foreign_troops": 5000.0, "package.us_role": "none"}, keys[1:]) == (
        "5,000 troops · no US role"
    )


#: The factors of the tiny Sobol sweep: assumptions of model v2 with provenance, in place of the shipped file's.
SOBOL_FACTORS = {
    "actors.russia.war_cost": {"min": 0.1, "max": 0.3},
    "deterrence.consolidation": {"min": 0.0, "max": 0.4},
    "war.private_edge_sd": {"min": 0.0, "max": 0.5},
    "deterrence.hazard_threshold": {"min": 0.05, "max": 0.3},
}


@pytest.fixture(scope="module")
def sobol_store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("sobol")
    source = ROOT / "scenarios/sweeps/sensitivity.yaml"
    shipped = yaml.safe_load(source.read_text(encoding="utf-8"))["factors"]
    path = V.derive_sweep(
        source,
        folder,
        name="tiny-sobol",
        samples=4,
        replications=2,
        drop_factors=list(shipped),
        factors=SOBOL_FACTORS,
    )
    return run_sweep(path, folder / "out", backend="serial", progress=False)


def test_sensitivity_indices_and_the_doubt_ranking(sobol_store):
    from sim.outcomes import measures_for

    indices = A.sensitivity_indices(sobol_store)
    outcomes = [m.name for m in measures_for("sensitivity")]
    assert list(dict.fromkeys(indices["outcome"])) == outcomes
    assert {"p_agreement", "p_deal_15", "peace_years_15", "p_durable_15", "welfare.russia"} <= set(outcomes)
    assert len(indices) == len(outcomes) * len(SOBOL_FACTORS)
    assert set(indices["factor"]) == set(SOBOL_FACTORS)
    ranking = A.doubt_ranking(indices, "p_agreement")
    assert ranking["rank"].tolist() == list(range(1, len(SOBOL_FACTORS) + 1))
    st = ranking["ST"].dropna().tolist()
    assert st == sorted(st, reverse=True)
    assert set(ranking["provenance"]) <= {"assumption", "cited", "both"}
    assert ranking["rationale"].str.len().gt(0).all()


class _RunsOnly:
    """A test double of a sweep: only its results table."""

    def __init__(self, results: pa.Table) -> None:
        self._results = results

    def results(self, columns: list[str] | None = None) -> pa.Table:
        return self._results.select(columns) if columns else self._results


def test_noise_floor_is_the_variance_of_a_point_mean_over_the_spread_of_the_points():
    # three points of four runs: first-session deals 1,1,0,0 | 1,1,1,1 | 0,0,0,0; years of peace by hand
    results = pa.table(
        {
            "point": [0] * 4 + [1] * 4 + [2] * 4,
            "first_session": [True, True, False, False] + [True] * 4 + [False] * 4,
            "peace_years_30": [10.0, 20.0, 10.0, 20.0] + [30.0] * 4 + [0.0, 0.0, 0.0, 4.0],
            "agreement": [True] * 8 + [False] * 4,
            "peace_years": [20.0, 10.0, 30.0, 30.0] + [30.0] * 4 + [None] * 4,
            "breakdown": [False, True, False, False] + [False] * 4 + [False] * 4,
        }
    )
    floor = A.tables.noise_floor(_RunsOnly(results), ["p_agreement", "peace_years_30", "p_durable_15"])
    floor = floor.set_index("outcome")
    # P(agreement): point means 0.5, 1, 0 (variance 0.25); within-point variances 1/3, 0, 0, each over 4 runs
    assert floor.loc["p_agreement", "variance"] == pytest.approx(0.25)
    assert floor.loc["p_agreement", "noise"] == pytest.approx((1 / 3 / 4) / 3)
    assert floor.loc["p_agreement", "noise_share"] == pytest.approx((1 / 36) / 0.25)
    means = np.array([15.0, 30.0, 1.0])
    within = np.array([np.var([10, 20, 10, 20], ddof=1), 0.0, np.var([0, 0, 0, 4], ddof=1)]) / 4
    assert floor.loc["peace_years_30", "variance"] == pytest.approx(np.var(means, ddof=1))
    assert floor.loc["peace_years_30", "noise"] == pytest.approx(within.mean())
    # P(durable): the run that broke in year 10 is not durable: 0.75, 1, 0
    assert floor.loc["p_durable_15", "variance"] == pytest.approx(np.var([0.75, 1.0, 0.0], ddof=1))
    assert (floor["runs_per_point"] == 4).all()
    with pytest.raises(ValueError, match="over all runs"):
        A.tables.noise_floor(_RunsOnly(results), "p_holds_15")  # conditional on agreement


def test_noise_floor_of_a_sobol_sweep_covers_its_outcomes(sobol_store):
    floor = A.tables.noise_floor(sobol_store)
    assert floor["outcome"].tolist() == list(dict.fromkeys(A.sensitivity_indices(sobol_store)["outcome"]))
    assert (floor["runs_per_point"] == 2).all()
    assert ((floor["noise_share"] >= 0) | floor["noise_share"].isna()).all()


def test_sensitivity_indices_need_a_sobol_sweep(grid_store):
    with pytest.raises(InputError, match="sobol"):
        A.sensitivity_indices(grid_store)


# ------------------------------------------------------------------------------------ figures


def _labelled(fig: Figure) -> None:
    """A figure with a title, labelled axes (shared labels count once) and a caption or legend."""
    assert isinstance(fig, Figure)
    axes = [ax for ax in fig.axes if ax.get_label() != "<colorbar>"]
    assert any(ax.get_xlabel() for ax in axes) and any(ax.get_ylabel() for ax in axes)
    assert all(ax.get_title() for ax in axes) or (fig._suptitle is not None and fig._suptitle.get_text())  # noqa: SLF001


def test_figures_are_figures_with_titles_labels_and_no_pyplot(grid_store, sobol_store, tmp_path):
    import matplotlib.pyplot as plt

    open_before = plt.get_fignums()
    grid = A.dilemma_grid(grid_store, by="package.us_role")
    zone = A.durable_zone(grid, within=0.1)
    scenario = load_scenario(BASE)
    outs = run_scenario(scenario, 20, 1, trace=True)
    imposed = V.run_variants(
        scenario, {"15 years": {"mode": "evaluate", **{f"package.{k}": v for k, v in WORKED_DEAL.items()}}}, 20, 1
    )
    figures = {
        "map": P.dilemma_map(grid, facet={"package.us_role": "air_support"}, zone=zone),
        "map_holds": P.dilemma_map(grid, "p_holds_15", facet={"package.us_role": "none"}),
        "panels": P.dilemma_panels(grid, zone=zone),
        "hazard": P.hazard_figure(
            {k: A.yearly_hazard(v, width=5) for k, v in imposed.items()}, expiries={"15 years": 15}
        ),
        "incentive": P.incentive_figure({"15 years": A.incentive_path(scenario, WORKED_DEAL)}),
        "sobol": P.sobol_figure(A.sensitivity_indices(sobol_store)),
        "negotiation": P.negotiation_figure(next(o for o in outs if o.agreement)),
        "terms": P.terms_figure(outs),
        "survival": P.survival_figure(outs),
        "overlay": P.survival_overlay({"draft": outs, "imposed": imposed["15 years"]}),
    }
    for name, fig in figures.items():
        _labelled(fig)
        path = P.save(fig, tmp_path / f"{name}.png")
        assert path.stat().st_size > 10_000, name
    assert plt.get_fignums() == open_before  # nothing registered with pyplot: nothing would be shown
    assert matplotlib.get_backend()  # the backend was not touched into an error


def test_the_map_marks_the_peak_and_says_so(grid_store):
    grid = A.dilemma_grid(grid_store, by="package.us_role")
    fig = P.dilemma_map(grid, facet={"package.us_role": "air_support"}, zone=A.durable_zone(grid, within=0.1))
    caption = " ".join(t.get_text() for t in fig.texts)
    assert "per cell" in caption and "95 % interval" in caption and ("Peak" in caption or "peak" in caption)
    with pytest.raises(ValueError, match="facet"):
        P.dilemma_map(grid)  # which US role?


def test_parameter_labels_name_keys_the_scenario_has_and_cover_the_shipped_sensitivity_sweep():
    """Catches labels left behind for removed parameters (model v1's reservation values, motive) and shipped
    sensitivity factors that the Sobol figure would show as bare key paths."""
    import json

    data = json.loads(load_scenario(BASE).model_dump_json())
    for key in P.PARAMETER_LABELS:
        node = data
        for part in key.split("."):
            node = node[int(part)] if isinstance(node, list) else node[part]  # a KeyError names a stale label
    shipped = yaml.safe_load((ROOT / "scenarios/sweeps/sensitivity.yaml").read_text(encoding="utf-8"))["factors"]
    real = {k for k, f in shipped.items() if not f.get("dummy")}  # a dummy factor is no scenario key
    assert real and real <= set(P.PARAMETER_LABELS)


def test_readable_labels():
    assert P.level_label("article5_like") == "Article-5-like"
    assert P.level_label(20000.0) == "20,000"
    assert P.factor_label("package.foreign_troops").startswith("foreign troops")
    assert P.factor_label("deterrence.hazard_threshold") == "hazard threshold"


class _SobolDouble:
    """A test double of a finished sobol sweep: its design (factor columns) and its results."""

    def __init__(self, factors: list[str], results: pa.Table) -> None:
        points = int(max(results.column("point").to_pylist())) + 1
        self._design = pa.table({"point": list(range(points)), **{f: [0.0] * points for f in factors}})
        self._results = results

    def design(self) -> pa.Table:
        return self._design

    def results(self, columns: list[str] | None = None) -> pa.Table:
        return self._results.select(columns) if columns else self._results


def _saltelli_results(noise: str, seed: int = 3) -> pa.Table:
    """Two factors (the first acts, the second is inert), 200 base rows, 10 replicates: years of peace in 30 are
    10 x_1 plus a replicate's noise, the same at every point (``common``) or drawn anew per point (``independent``)."""
    rng = np.random.default_rng(seed)
    n, d, reps = 200, 2, 10
    a, b = rng.random((n, d)), rng.random((n, d))
    rows = []
    for k in range(n):
        block = [a[k], *(np.where(np.arange(d) == i, b[k], a[k]) for i in range(d)), b[k]]
        rows.extend(block)
    x = np.array(rows)
    shared = rng.normal(0, 3.0, reps)
    point, replicate, value = [], [], []
    for p, row in enumerate(x):
        e = shared if noise == "common" else rng.normal(0, 3.0, reps)
        for j in range(reps):
            point.append(p)
            replicate.append(j)
            value.append(10 * row[0] + e[j])
    return pa.table({"point": point, "replicate": replicate, "peace_years_30": value})


def test_the_noise_in_a_total_index_is_what_the_replicates_do_not_share():
    """Catches: a noise estimate that ignores common random numbers (it would charge the common noise to every
    factor), or one that misses independent noise (it would pass noisy indices as effects). Common noise, the same
    for every point: exactly 0 for both factors. Independent noise of sd 3 over 10 replicates: the variance of a
    difference of two point means is 2 * 9 / 10, so each factor's ST is inflated by 0.5 * 1.8 / Var(y), with Var(y)
    about 100/12 + 0.9."""
    common = A.tables.sobol_noise(_SobolDouble(["x1", "x2"], _saltelli_results("common")), "peace_years_30")
    assert common["factor"].tolist() == ["x1", "x2"]
    assert common["noise"].tolist() == pytest.approx([0.0, 0.0], abs=1e-12)
    independent = A.tables.sobol_noise(_SobolDouble(["x1", "x2"], _saltelli_results("independent")), "peace_years_30")
    expected = 0.5 * 1.8 / (100 / 12 + 0.9)
    assert independent["noise"].tolist() == pytest.approx([expected, expected], rel=0.2)


def test_the_noise_in_a_total_index_needs_a_saltelli_design():
    results = pa.table({"point": [0, 1, 2], "replicate": [0, 0, 0], "peace_years_30": [1.0, 2.0, 3.0]})
    with pytest.raises(ValueError, match="Saltelli"):
        A.tables.sobol_noise(_SobolDouble(["x1", "x2"], results), "peace_years_30")
