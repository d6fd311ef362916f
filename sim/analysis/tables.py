"""Analysis API for notebooks and scripts: tidy tables over run outcomes and sweeps.

Typed functions over what the simulator produces: lists of :class:`~sim.outcomes.RunOutcome`, runs
tables (pandas, :func:`sim.outcomes.runs_table`), sweeps (Arrow, any :class:`SweepSource` such as
:class:`~sim.execution.sweep.store.SweepStore`).
They return pandas DataFrames (or small dataclasses) with 95 % intervals wherever a figure is an
estimate. They are pure: they never run the model and never write (running variants and deriving sweep
files are :func:`sim.execution.variants.run_variants` and :func:`sim.execution.variants.derive_sweep`).
The figures that go with them are in :mod:`sim.figures.notebook`.

Groups:

* scenarios and runs: :func:`project_root`, :func:`with_overrides`,
  :func:`outcomes_frame`, :func:`negotiation_rounds`, :func:`peace_years_frame`, :func:`typical_deal`;
* survival and hazard of peace: :func:`survival_table`, :func:`yearly_hazard`, :func:`pooled_hazard`,
  :func:`hazard_ratio`, :func:`expiry_cliff`, :func:`compare_runs`, :func:`compare_measures`,
  :func:`incentive_path`;
* sweeps: :func:`sweep_factors`, :func:`sweep_frame`, :func:`dilemma_grid`,
  :func:`durable_zone`, :func:`peaks`, :func:`end_shares`, :func:`dilemma_ranking`, :func:`ranking_leaders`,
  :func:`sensitivity_indices`, :func:`doubt_ranking`, :func:`noise_floor`.

Conventions (as in :mod:`sim.analysis.summary` and docs/MODEL.md, section 7.9): proportions carry 95 % Wilson
intervals; survival is Kaplan-Meier over the runs that reached an agreement, with log-log Greenwood
bands; the yearly hazard is the discrete-time life-table hazard (breakdowns in year *y* over the
agreements still at peace at the start of year *y*), also with Wilson intervals.
"""

from __future__ import annotations

import json
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis.summary import Z95, kaplan_meier, wilson
from sim.config.scenario import Options, Range, Scenario, with_overrides
from sim.dealspace import BY_NAME, ISSUE_NAMES, Deal
from sim.outcomes import Kind, Measure, RunOutcome, find_measure, measure_columns, measures_for

__all__ = [
    "ENDS",
    "LOWER_IS_BETTER",
    "MEASURES",
    "RANKING_MEASURES",
    "RANK_PREFIX",
    "HazardEstimate",
    "RatioEstimate",
    "RunsLike",
    "compare_measures",
    "compare_runs",
    "dilemma_grid",
    "dilemma_ranking",
    "doubt_ranking",
    "durable_zone",
    "end_shares",
    "expiry_cliff",
    "factor_levels",
    "hazard_ratio",
    "incentive_path",
    "negotiation_rounds",
    "noise_floor",
    "outcomes_frame",
    "peace_years_frame",
    "peaks",
    "pooled_hazard",
    "project_root",
    "ranking_leaders",
    "sensitivity_indices",
    "survival_table",
    "sweep_factors",
    "sweep_frame",
    "typical_deal",
    "with_overrides",
    "yearly_hazard",
]

RunsLike = Sequence[RunOutcome] | pd.DataFrame | pa.Table
"""Runs in any of the simulator's forms: outcome records, a runs table (pandas) or sweep results (Arrow).
Tables need the columns ``agreement``, ``peace_years`` and ``breakdown`` (and ``duration`` for expiry)."""


def _grid_measures() -> dict[str, Measure]:
    """The per-point sweep figures that carry a 95 % interval (``<name>_low``, ``<name>_high`` in the aggregate)."""
    return {m.name: m for m in measures_for("sweep") if m.interval}


MEASURES: dict[str, str] = {name: m.label for name, m in _grid_measures().items()}
"""Per-point sweep figures that carry a 95 % interval (``<name>_low``, ``<name>_high`` in the aggregate), name →
label: the sweep measures of :data:`sim.outcomes.MEASURES` with an interval, as imported."""


ENDS: tuple[str, ...] = ("agreement", "no_deal", "infeasible", "imposed")
"""How talks may end (:data:`sim.model.records.End`), in the order of :func:`end_shares`' columns."""

# ------------------------------------------------------------------------------------ scenarios and runs


def project_root() -> Path:
    """The project folder (holding ``scenarios/`` and ``pyproject.toml``), for notebooks run from anywhere.

    Looks next to the ``sim`` package first (an editable install or a checkout on ``PYTHONPATH``), then
    in the working directory and its parents.

    Raises:
        FileNotFoundError: If no such folder is found (e.g. a non-editable install outside a checkout).
    """
    here = Path(__file__).resolve().parents[2]  # sim/analysis/tables.py -> the checkout
    candidates = [here, *([Path.cwd(), *Path.cwd().parents])]
    for folder in candidates:
        if (folder / "scenarios").is_dir() and (folder / "pyproject.toml").is_file():
            return folder
    raise FileNotFoundError(
        "project folder not found: no scenarios/ and pyproject.toml next to the sim package or above the working "
        "directory; run from a checkout with `pip install -e .`"
    )


def outcomes_frame(outcomes: Sequence[RunOutcome], scenario: Scenario | None = None) -> pd.DataFrame:
    """The runs table of a list of outcomes: one typed row per run (see :func:`sim.execution.results.runs_table`)."""
    from sim.outcomes import runs_table

    return runs_table(outcomes, scenario=scenario)


def _runs(data: RunsLike) -> pd.DataFrame:
    """Any runs form as a DataFrame with at least agreement, peace_years, breakdown (and duration if known)."""
    if isinstance(data, pd.DataFrame):
        frame = data
    elif isinstance(data, pa.Table):
        frame = data.to_pandas()
    else:
        frame = pd.DataFrame(
            [
                {
                    "agreement": o.agreement,
                    "peace_years": o.peace_years,
                    "breakdown": o.breakdown,
                    "duration": o.duration,
                    "horizon": o.horizon,
                }
                for o in data
            ],
            columns=["agreement", "peace_years", "breakdown", "duration", "horizon"],
        )
    missing = [c for c in ("agreement", "peace_years", "breakdown") if c not in frame.columns]
    if missing:
        raise ValueError(f"runs lack the columns {', '.join(missing)}")
    return frame


def _peace(data: RunsLike) -> tuple[np.ndarray, np.ndarray, int]:
    """Years of peace and breakdown flags of the runs that reached an agreement, and the number of runs."""
    frame = _runs(data)
    agreed = frame[frame["agreement"].astype(bool).to_numpy()]
    years = agreed["peace_years"].to_numpy(dtype=float)
    broke = agreed["breakdown"].astype(bool).to_numpy()
    return years, broke, len(frame)


def negotiation_rounds(outcome: RunOutcome) -> pd.DataFrame:
    """One traced negotiation, round by round: the offer on the table and how each party valued it.

    Columns: ``round`` (over every session), ``session`` and ``month`` (months since talks began);
    ``offer.<issue>`` (the tabled terms); per party ``utility.<party>`` (its utility of the offer in peace),
    ``value.<party>`` (its expected value of the offer over the horizon: Russia's at its own private edge,
    the others' over their belief), ``no_deal.<party>`` (its value of no deal, a year of war at the
    battlefield balance, the same way) and ``accepted.<party>``; the others' ``chance`` that Russia
    accepts the offer, the battlefield ``balance`` (positive: Russia gaining), Western ``support`` and the
    others' ``expected_edge`` (the mean of their belief about Russia's private edge).

    Raises:
        ValueError: If the run was not traced (run with ``trace=True``) or imposed (no talks).
    """
    if not outcome.rounds_trace:
        raise ValueError("the run has no round trace: run it with trace=True (and mode negotiate)")
    rows = []
    for r in outcome.rounds_trace:
        row: dict[str, Any] = {"round": r.round, "session": r.session, "month": r.month}
        row |= {f"offer.{k}": v for k, v in (r.offer or {}).items()}
        for key, values in (
            ("utility", r.utility),
            ("value", r.value),
            ("no_deal", r.no_deal),
            ("accepted", r.accepted),
        ):
            row |= {f"{key}.{party}": v for party, v in values.items()}
        row |= {"chance": r.chance, "balance": r.balance, "support": r.support, "expected_edge": r.expected_edge}
        rows.append(row)
    return pd.DataFrame(rows)


def peace_years_frame(outcome: RunOutcome) -> pd.DataFrame:
    """One traced peace, year by year (one row per year: the fields of :class:`sim.outcomes.YearRecord`).

    Raises:
        ValueError: If the run has no year trace (not traced, or no agreement).
    """
    if not outcome.years_trace:
        raise ValueError("the run has no year trace: run it with trace=True (and it needs an agreement)")
    from dataclasses import asdict

    return pd.DataFrame([asdict(y) for y in outcome.years_trace])


def typical_deal(data: Sequence[RunOutcome] | pd.DataFrame) -> dict[str, str | float]:
    """The typical agreed package: per issue, the most frequent level (ordinal issues) or the median (counts).

    Raises:
        ValueError: If no run reached an agreement.
    """
    if isinstance(data, pd.DataFrame):
        deals = data[data["agreement"].astype(bool)]
        columns = {n: deals[f"deal.{n}"].tolist() for n in ISSUE_NAMES}
        count = len(deals)
    else:
        agreed = [o.deal for o in data if o.agreement and o.deal is not None]
        columns = {n: [d[n] for d in agreed] for n in ISSUE_NAMES}
        count = len(agreed)
    if count == 0:
        raise ValueError("no agreement in these runs: there is no typical deal")
    out: dict[str, str | float] = {}
    for name, values in columns.items():
        issue = BY_NAME[name]
        if issue.is_ordinal:
            counts = pd.Series([str(v) for v in values]).value_counts()
            best = counts[counts == counts.max()].index
            out[name] = min(best, key=issue.levels.index)  # ties: the weaker level
        else:
            out[name] = float(np.median(np.asarray(values, dtype=float)))
    return out


# ------------------------------------------------------------------------------------ survival and hazard


@dataclass(frozen=True)
class HazardEstimate:
    """A yearly hazard pooled over a span of years: breakdowns per year at risk, with a 95 % Wilson interval.

    Attributes:
        first: First year of the span (1 = the first year after the deal).
        last: Last year of the span.
        events: Breakdowns in the span.
        exposure: Years at risk in the span (each agreement still at peace counts once per year).
        value: events / exposure (NaN without exposure).
        low: Lower bound.
        high: Upper bound.
    """

    first: int
    last: int
    events: int
    exposure: int
    value: float
    low: float
    high: float


@dataclass(frozen=True)
class RatioEstimate:
    """The ratio of two pooled hazards (after / before) with a 95 % interval (Katz log method).

    The interval is NaN when either span has no breakdown.
    """

    value: float
    low: float
    high: float
    before: HazardEstimate
    after: HazardEstimate


def survival_table(data: RunsLike, times: Sequence[float] | None = None) -> pd.DataFrame:
    """Kaplan-Meier survival of peace after agreement, as a table.

    Args:
        data: Runs (only those with an agreement count).
        times: If given, S(t) at these years (the probability that peace lasts beyond t); otherwise
            one row per distinct event or censoring time.

    Returns:
        ``time, at_risk, events, survival, low, high`` (one row per time), or ``time, survival, low,
        high`` at the requested ``times``. Empty when no run reached an agreement.
    """
    years, broke, _ = _peace(data)
    surv = kaplan_meier(years, broke)
    if times is not None:
        rows = []
        for t in times:
            est = surv.at(float(t))
            rows.append({"time": float(t), "survival": est.value, "low": est.low, "high": est.high})
        return pd.DataFrame(rows, columns=["time", "survival", "low", "high"])
    return pd.DataFrame(
        {
            "time": surv.time,
            "at_risk": surv.at_risk.astype(int),
            "events": surv.events.astype(int),
            "survival": surv.survival,
            "low": surv.low,
            "high": surv.high,
        }
    )


def _life_table(years: np.ndarray, broke: np.ndarray, max_year: int) -> tuple[np.ndarray, np.ndarray]:
    ys = np.arange(1, max_year + 1)
    at_risk = np.array([(years >= y).sum() for y in ys], dtype=int)
    events = np.array([(broke & (years == y)).sum() for y in ys], dtype=int)
    return at_risk, events


def yearly_hazard(data: RunsLike, max_year: int | None = None, width: int = 1) -> pd.DataFrame:
    """The life-table hazard of breakdown after agreement, year by year (or pooled over periods of years).

    For year *y*: ``at_risk`` is the number of agreements still at peace at the start of year *y*
    (peace held through year *y - 1*, and not censored before *y*), ``events`` the breakdowns in year
    *y*, and ``hazard = events / at_risk``, with a 95 % Wilson interval (NaN where nobody is at risk).
    With ``width > 1`` each row pools the years ``year..last``: ``at_risk`` is then the years at risk
    and ``hazard`` the breakdowns per year at risk.

    Args:
        data: Runs (only those with an agreement count).
        max_year: Last year (default: the longest observed peace, i.e. the horizon).
        width: Years per row.
    """
    if width < 1:
        raise ValueError(f"width must be at least 1; got {width}")
    years, broke, _ = _peace(data)
    if max_year is None:
        max_year = int(np.nanmax(years)) if years.size else 0
    at_risk, events = _life_table(years, broke, max_year)
    rows = []
    for first in range(1, max_year + 1, width):
        last = min(first + width - 1, max_year)
        n, e = int(at_risk[first - 1 : last].sum()), int(events[first - 1 : last].sum())
        est = wilson(e, n)
        rows.append(
            {
                "year": first,
                "last": last,
                "at_risk": n,
                "events": e,
                "hazard": est.value,
                "low": est.low,
                "high": est.high,
            }
        )
    columns = ["year", "last", "at_risk", "events", "hazard", "low", "high"]
    return pd.DataFrame(rows, columns=columns).astype({"year": int, "last": int, "at_risk": int, "events": int})


def pooled_hazard(data: RunsLike, first: int, last: int) -> HazardEstimate:
    """The yearly hazard pooled over years ``first..last``: breakdowns per year at risk (Wilson interval).

    Raises:
        ValueError: If ``first`` < 1 or ``last`` < ``first``.
    """
    if first < 1 or last < first:
        raise ValueError(f"need 1 <= first <= last; got {first}..{last}")
    years, broke, _ = _peace(data)
    at_risk, events = _life_table(years, broke, last)
    e, n = int(events[first - 1 :].sum()), int(at_risk[first - 1 :].sum())
    est = wilson(e, n)
    return HazardEstimate(first, last, e, n, est.value, est.low, est.high)


def _ratio(before: HazardEstimate, after: HazardEstimate, z: float = Z95) -> RatioEstimate:
    a, n1, c, n2 = before.events, before.exposure, after.events, after.exposure
    if n1 == 0 or n2 == 0:
        return RatioEstimate(math.nan, math.nan, math.nan, before, after)
    if a == 0:
        value = math.nan if c == 0 else math.inf
        return RatioEstimate(value, math.nan, math.nan, before, after)
    value = (c / n2) / (a / n1)
    if c == 0:
        return RatioEstimate(value, math.nan, math.nan, before, after)
    se = math.sqrt(1 / a - 1 / n1 + 1 / c - 1 / n2)
    return RatioEstimate(value, value * math.exp(-z * se), value * math.exp(z * se), before, after)


def hazard_ratio(data: RunsLike, before: tuple[int, int], after: tuple[int, int]) -> RatioEstimate:
    """The pooled hazard of the years ``after`` over that of the years ``before`` (both inclusive spans).

    Example: ``hazard_ratio(runs, (11, 15), (16, 20))`` is pattern 3 of docs/MODEL.md: well above one
    for a 15-year guarantee (the expiry cliff), about one for a 50-year guarantee.
    """
    return _ratio(pooled_hazard(data, *before), pooled_hazard(data, *after))


def _duration(data: RunsLike) -> float:
    frame = _runs(data)
    if "duration" not in frame.columns:
        raise ValueError("runs lack the column duration: pass duration= explicitly")
    d = frame.loc[frame["agreement"].astype(bool).to_numpy(), "duration"].to_numpy(dtype=float)
    d = d[np.isfinite(d)]
    if d.size == 0:
        raise ValueError("no agreement in these runs: no guarantee duration")
    return float(np.median(d))


def expiry_cliff(data: RunsLike, duration: float | None = None, window: int = 5) -> RatioEstimate:
    """The jump of the hazard at the guarantee's expiry: the ``window`` years after it over the ``window``
    years up to it.

    Args:
        data: Runs (only those with an agreement count).
        duration: The guarantee's duration in years (default: the median agreed duration).
        window: Years on each side.

    The ratio is NaN when the guarantee outlasts the observed years (nobody at risk after expiry).
    """
    length = int(_duration(data) if duration is None else duration)
    first = max(1, length - window + 1)
    return hazard_ratio(data, (first, length), (length + 1, length + window))


def compare_runs(
    data_by_label: Mapping[str, RunsLike], *, at: Sequence[float] = (15, 30, 50), window: int = 5
) -> pd.DataFrame:
    """Headline figures of several sets of runs side by side (e.g. 15-, 30- and 50-year guarantees, or a
    scenario before and after a change).

    One row per label: ``runs``, ``agreements``, ``p_agreement`` (+ ``_low``/``_high``: here the share of runs
    that reached an agreement in any session, or had it imposed; the headline measure of that name counts the
    first session only), the agreed ``duration`` (median), ``S(t)`` for each ``t`` in ``at`` as
    ``survival_<t>`` (+ bands),
    ``median_years`` (inf if peace holds in more than half the runs to the horizon), and the expiry
    cliff: pooled hazards in the ``window`` years before and after expiry and their ratio (+ interval).
    """
    rows = []
    for label, data in data_by_label.items():
        years, broke, n = _peace(data)
        agree = wilson(int(years.size), n)
        row: dict[str, Any] = {
            "label": label,
            "runs": n,
            "agreements": int(years.size),
            "p_agreement": agree.value,
            "p_agreement_low": agree.low,
            "p_agreement_high": agree.high,
        }
        surv = kaplan_meier(years, broke)
        try:
            duration: float = _duration(data)
        except ValueError:
            duration = math.nan
        row["duration"] = duration
        for t in at:
            est = surv.at(float(t)) if years.size else None
            row[f"survival_{t:g}"] = est.value if est else math.nan
            row[f"survival_{t:g}_low"] = est.low if est else math.nan
            row[f"survival_{t:g}_high"] = est.high if est else math.nan
        row["median_years"] = surv.median() if years.size else math.nan
        if math.isfinite(duration):
            cliff = expiry_cliff(data, duration, window)
            row |= {
                "hazard_before_expiry": cliff.before.value,
                "hazard_before_expiry_low": cliff.before.low,
                "hazard_before_expiry_high": cliff.before.high,
                "hazard_after_expiry": cliff.after.value,
                "hazard_after_expiry_low": cliff.after.low,
                "hazard_after_expiry_high": cliff.after.high,
                "expiry_ratio": cliff.value,
                "expiry_ratio_low": cliff.low,
                "expiry_ratio_high": cliff.high,
            }
        rows.append(row)
    return pd.DataFrame(rows)


def compare_measures(
    data_by_label: Mapping[str, RunsLike], measures: str | Sequence[str] | None = None, *, long: bool = False
) -> pd.DataFrame:
    """Headline measures of several sets of runs side by side, each with its 95 % interval.

    The measures are those of :data:`sim.outcomes.MEASURES`, estimated as everywhere else
    (:func:`sim.analysis.measures.estimates`): P(a deal in the first session), P(a deal within 15 years), the
    expected years of peace within 15 and 30 years (a failed negotiation counts as war), P(holds | agreement),
    welfare, territory, ... Unlike :func:`compare_runs`, whose ``p_agreement`` counts an agreement in any session,
    ``p_agreement`` here is the headline measure: a deal in the first session.

    Args:
        data_by_label: Label → runs (outcome records, a runs table or sweep results with the measures' columns).
        measures: Measure names (or summary keys); default: every summary measure.
        long: One row per measure and label instead of one per label.

    Returns:
        One row per label: ``label``, ``runs``, ``agreements`` (in any session, or imposed), then per measure
        ``<name>``, ``<name>_low`` and ``<name>_high`` (NaN bounds for a measure without an interval). With
        ``long=True``: ``measure``, ``label``, ``value``, ``low``, ``high``, ``runs``, ``agreements``, the rows
        grouped by measure (in the given order), then by label.

    Raises:
        KeyError: If a measure is unknown, or the runs lack a column it needs.
    """
    from sim.analysis.measures import estimates, run_columns

    chosen = (
        list(measures_for("summary"))
        if measures is None
        else [find_measure(name) for name in ([measures] if isinstance(measures, str) else measures)]
    )
    chosen = list({m.name: m for m in chosen}.values())  # a name and its summary key are one measure
    rows = []
    for label, data in data_by_label.items():
        values = estimates(chosen, data)
        agreed = run_columns(data, ["agreement"])["agreement"]
        row: dict[str, Any] = {"label": label, "runs": int(agreed.size), "agreements": int(np.sum(agreed == 1))}
        for m in chosen:
            est = values[m.name]
            row |= {m.name: est.value, f"{m.name}_low": est.low, f"{m.name}_high": est.high}
        rows.append(row)
    columns = ["label", "runs", "agreements", *(f"{m.name}{e}" for m in chosen for e in ("", "_low", "_high"))]
    wide = pd.DataFrame(rows, columns=columns)
    if not long:
        return wide
    parts = [
        pd.DataFrame(
            {
                "measure": m.name,
                "label": wide["label"],
                "value": wide[m.name],
                "low": wide[f"{m.name}_low"],
                "high": wide[f"{m.name}_high"],
                "runs": wide["runs"],
                "agreements": wide["agreements"],
            }
        )
        for m in chosen
    ]
    columns = ["measure", "label", "value", "low", "high", "runs", "agreements"]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=columns)


def _fixed_terms(scenario: Scenario) -> dict[str, Any]:
    return {n: v for n in ISSUE_NAMES if not isinstance(v := getattr(scenario.package, n), Range | Options)}


def incentive_path(
    scenario: Scenario,
    deal: Mapping[str, str | float] | None = None,
    *,
    years: int | None = None,
    cohesion: float | None = None,
    us_engaged: bool = True,
    edge: float = 0.0,
) -> pd.DataFrame:
    """Russia's yearly calculus for one signed deal, with the guarantors' state held fixed (no draws).

    The model's own calculus (:func:`sim.model.deterrence.yearly_choice` over the deal's
    :class:`~sim.model.deterrence.Outlook`, docs/MODEL.md "Deterrence phase") evaluated year by year after the
    deal. Columns: ``year`` (1 = the first year after the deal), ``active`` (the guarantee in force, renewals
    included as the guarantors, held in these states, would decide them), ``force_share`` (the share of the
    agreed force still in Ukraine),
    ``credibility.<guarantor>`` (each guarantor's probability of honouring), ``guarantee`` (the guarantors'
    expected weight in a resumed war), ``balance`` (the balance of power a war begun that year would start
    from: positive favours Russia), ``war_value`` (Russia's value of a year of that war), ``peace_value``
    (its utility of the deal), ``consolidation`` (what breaking the peace costs it that year),
    ``incentive`` (its net incentive to attack now: ``war_value - peace_value - consolidation``), ``gain``
    (what it gains by waiting to attack later: Russia foresees, each year, the next US elections and a cohesion
    reverting to its mean, though here the states stay as held), ``hazard`` (the yearly probability of a
    renewed offensive) and ``hazard_myopic`` (the hazard of a Russia that ignores the option of waiting,
    ``gain = 0``).

    Args:
        scenario: Supplies the parameters, Russia's preferences and the fixed terms of the package.
        deal: Terms that complete or replace the scenario's fixed terms (every issue must end up fixed).
        years: Years to evaluate (default: the scenario's horizon, the most a run can see).
        cohesion: Cohesion of every composite guarantor (the coalition), held fixed (default: its long-run mean).
        us_engaged: Whether every guarantor with elections (the United States) stands by its commitment
            throughout.
        edge: Russia's private edge (default 0, the others' expected type).

    Raises:
        ValueError: If some issue is left open (a negotiated range or options and no value in ``deal``), or
            ``years`` is not between 1 and the horizon.
    """
    from sim.model.compiled import compile_scenario
    from sim.model.deterrence import GuarantorState, force_shares, hazard, yearly_choice

    terms = {**_fixed_terms(scenario), **(deal or {})}
    open_issues = [n for n in ISSUE_NAMES if n not in terms]
    if open_issues:
        raise ValueError(f"the deal leaves issues open: {', '.join(open_issues)}; give them in deal=")
    d = Deal.from_mapping(terms)
    p = scenario.deterrence
    horizon = p.horizon_years if years is None else years
    if not 1 <= horizon <= p.horizon_years:
        raise ValueError(f"years must be between 1 and the horizon ({p.horizon_years}); got {horizon}")
    compiled = compile_scenario(scenario)
    rules = compiled.guarantors
    states = tuple(
        GuarantorState(
            engaged=us_engaged,
            cohesion=r.initial_state().cohesion if cohesion is None or r.engagement.kind != "cohesion" else cohesion,
        )
        for r in rules
    )
    outlook = compiled.outlook(d, edge, states)  # the renewals as the guarantors, so held, would decide them
    shares = force_shares(scenario.expiry.drawdown_years)
    rows = []
    for y in range(1, horizon + 1):
        calc = yearly_choice(outlook, y, states, rules, p)
        row: dict[str, Any] = {"year": y, "active": calc.active, "force_share": float(shares[calc.regime])}
        row |= {f"credibility.{r.key}": float(k) for r, k in zip(rules, calc.credibility, strict=True)}
        row |= {
            "guarantee": float(calc.guarantee),
            "balance": calc.balance,
            "war_value": calc.war_value,
            "peace_value": outlook.peace_value,
            "consolidation": float(outlook.consolidation[y - 1]),
            "incentive": calc.incentive_now,
            "gain": calc.gain,
            "hazard": calc.hazard,
            "hazard_myopic": float(hazard(calc.incentive_now, 0.0, p)),
        }
        rows.append(row)
    frame = pd.DataFrame(rows)
    frame.attrs["russia_utility"] = outlook.peace_value
    frame.attrs["duration"] = d.number("duration_years")
    frame.attrs["edge"] = edge
    frame.attrs["guarantors"] = [r.key for r in rules]
    frame.attrs["hazard_threshold"] = p.hazard_threshold
    return frame


# ------------------------------------------------------------------------------------ sweeps


def sweep_factors(path: str | Path) -> pd.DataFrame:
    """The factors of a sweep file, with the base scenario's value and each parameter's provenance.

    Returns:
        One row per factor: ``factor``, the base scenario's value ``base_value``, the swept ``values`` (listed
        values) or ``min`` and ``max`` (ranges), and ``provenance`` (``assumption``, ``cited``, ``both``:
        ``sim/data/provenance.yaml``; ``dummy`` for a dummy factor, which has no base value).
    """
    from sim.config.provenance import load_provenance, provenance_for
    from sim.config.scenario import load_scenario
    from sim.config.sweep import load_sweep

    loaded = load_sweep(path)
    data = json.loads(load_scenario(loaded.base_path).model_dump_json())
    prov = load_provenance()
    rows = []
    for factor, spec in loaded.spec.factors.items():
        node: Any = data
        for key in factor.split("."):
            node = node[int(key)] if isinstance(node, list) else node.get(key) if isinstance(node, dict) else None
        entry = provenance_for(factor, prov)
        rows.append(
            {
                "factor": factor,
                "base_value": None if spec.dummy else node,
                "values": None if spec.values is None else list(spec.values),
                "min": spec.min,
                "max": spec.max,
                "provenance": "dummy" if spec.dummy else entry.kind if entry else "unknown",
            }
        )
    return pd.DataFrame(rows)


class SweepSource(Protocol):
    """What the sweep functions read: a finished sweep's tables (a :class:`~sim.execution.sweep.store.SweepStore`
    is one; so is any object with these methods, e.g. a test double over in-memory tables)."""

    def design(self) -> pa.Table:
        """One row per design point: ``point``, then one column per factor."""
        ...

    def results(self, columns: list[str] | None = None) -> pa.Table:
        """Every finished run, one row each, sorted by (point, replicate)."""
        ...

    def aggregate(self) -> pa.Table:
        """The headline figures per design point."""
        ...

    def sobol_indices(self) -> pa.Table:
        """The Sobol indices of a sobol sweep (an input error for other designs)."""
        ...


def _store(source: SweepSource) -> SweepSource:
    if isinstance(source, str | Path):
        raise TypeError(
            f"pass the sweep's tables, not the folder {str(source)!r}: "
            "sim.execution.sweep.store.SweepStore(folder) reads them (analysis never touches files)"
        )
    return source


def sweep_frame(source: SweepSource) -> pd.DataFrame:
    """A finished sweep's design joined with its per-point aggregate: one row per design point.

    Args:
        source: A :class:`~sim.execution.sweep.store.SweepStore` or its folder.
    """
    store = _store(source)
    return store.design().join(store.aggregate(), "point").sort_by("point").to_pandas()


def factor_levels(factor: str, values: Sequence[Any]) -> list[Any]:
    """The display order of a factor's values: an ordinal issue's levels weakest first, numbers ascending,
    anything else in first-seen order."""
    distinct = list(dict.fromkeys(values))
    issue = BY_NAME.get(factor.rsplit(".", 1)[-1]) if factor.startswith("package.") else None
    if issue is not None and issue.is_ordinal and all(isinstance(v, str) for v in distinct):
        return sorted(distinct, key=lambda v: issue.levels.index(v) if v in issue.levels else len(issue.levels))
    if all(isinstance(v, int | float | np.integer | np.floating) for v in distinct):
        return sorted(distinct)
    return distinct


def _no_factor(missing: Sequence[str], design: pd.DataFrame) -> str:
    factors = ", ".join(c for c in design.columns if c != "point")
    return f"the design has no factor {', '.join(missing)}; its factors: {factors}"


def _design_of(source: Any) -> pd.DataFrame:
    """The design table of a sweep source or of a ``(design, aggregate)`` pair, as pandas."""
    if isinstance(source, tuple):
        design = source[0]
        return design.to_pandas() if isinstance(design, pa.Table) else design
    return _store(source).design().to_pandas()


def _pooled_cells(source: Any, keys: Sequence[str]) -> pd.DataFrame:
    """The headline figures per cell of the factors ``keys``: one row per distinct combination, with the runs of
    the design points that share it pooled before estimating (the columns of the aggregate, ``point`` dropped).

    Args:
        source: A :class:`SweepSource`, or a ``(design, aggregate)`` pair of tables with one design point per cell.
        keys: The factors that make a cell.

    Raises:
        ValueError: If a factor is not in the design, or a pair of tables has several design points per cell.
    """
    keys = list(keys)
    if isinstance(source, tuple):
        design, agg = (t.to_pandas() if isinstance(t, pa.Table) else t for t in source)
        missing = [k for k in keys if k not in design.columns]
        if missing:
            raise ValueError(_no_factor(missing, design))
        if design.duplicated(keys).any():
            raise ValueError("several design points per cell: pass the SweepStore so that their runs are pooled")
        return design[["point", *keys]].merge(agg, on="point")
    from sim.analysis.aggregate import aggregate, aggregate_columns

    store = _store(source)
    design = store.design().to_pandas()
    missing = [k for k in keys if k not in design.columns]
    if missing:
        raise ValueError(_no_factor(missing, design))
    cell_keys = design[keys].drop_duplicates().reset_index(drop=True)
    cell_keys["cell"] = np.arange(len(cell_keys))
    point_cell = design.merge(cell_keys, on=keys)[["point", "cell"]].sort_values("point")["cell"].to_numpy()
    results = store.results(aggregate_columns())
    cell_of_run = point_cell[results.column("point").to_numpy()]
    at = results.column_names.index("point")
    pooled = aggregate(results.set_column(at, "point", pa.array(cell_of_run, pa.int32())), len(cell_keys)).to_pandas()
    return cell_keys.merge(pooled.rename(columns={"point": "cell"}), on="cell")


def dilemma_grid(
    source: Any,
    measures: str | Sequence[str] = ("p_agreement", "p_holds_15", "p_durable_15"),
    *,
    x: str = "package.foreign_troops",
    y: str = "package.guarantee_strength",
    by: str | Sequence[str] = (),
) -> pd.DataFrame:
    """A sweep's headline figures per cell of two factors (the dilemma map), as a tidy table.

    Runs of design points that fall in the same cell (the sweep has factors besides ``x``, ``y`` and
    ``by``) are pooled before estimating, so each cell's interval reflects all of its runs.

    Args:
        source: A :class:`~sim.execution.sweep.store.SweepStore` or its folder (runs are pooled per cell), or a
            ``(design, aggregate)`` pair of tables with one design point per cell.
        measures: Which figures: names of the sweep measures with an interval (:data:`MEASURES`).
        x: The factor along the columns of the map.
        y: The factor along the rows.
        by: Factors to facet by (e.g. ``package.us_role``): one map per value.

    Returns:
        Long format, one row per cell and measure: the ``by`` factors, ``y``, ``x``, ``measure``,
        ``value``, ``low``, ``high`` (95 %: Wilson for proportions, normal for averages such as years of
        peace or welfare, Greenwood for ``p_holds_15``), ``runs`` and ``agreements`` (the runs that reached an
        agreement in any session: those behind ``p_holds_15``). Factors with level names are ordered
        categoricals, weakest level first. Roles are in ``attrs``: ``{"x", "y", "by"}``. ``p_holds_15`` is
        NaN in cells without any agreement.
    """
    wanted = [measures] if isinstance(measures, str) else list(measures)
    known = _grid_measures()
    unknown = [m for m in wanted if m not in known]
    if unknown:
        raise ValueError(f"unknown measures {', '.join(unknown)}; choose from {', '.join(known)}")
    facets = [by] if isinstance(by, str) else list(by)
    keys = [*facets, y, x]
    cells = _pooled_cells(source, keys)
    rows = []
    for m in wanted:
        part = cells[keys].copy()
        part["measure"] = m
        part["value"] = cells[m].to_numpy(dtype=float)
        part["low"] = cells[f"{m}_low"].to_numpy(dtype=float)
        part["high"] = cells[f"{m}_high"].to_numpy(dtype=float)
        part["runs"] = cells["runs"].to_numpy(dtype=int)
        if "agreements" in cells:
            part["agreements"] = cells["agreements"].to_numpy(dtype=int)
        else:  # an aggregate written before it counted agreements
            part["agreements"] = pd.array([pd.NA] * len(cells), dtype="Int64")
        rows.append(part)
    grid = pd.concat(rows, ignore_index=True)
    for k in keys:
        if grid[k].dtype == object or pd.api.types.is_string_dtype(grid[k]):
            grid[k] = pd.Categorical(grid[k], categories=factor_levels(k, grid[k].tolist()), ordered=True)
    grid["measure"] = pd.Categorical(grid["measure"], categories=wanted, ordered=True)
    grid = grid.sort_values(["measure", *keys]).reset_index(drop=True)
    grid.attrs = {"x": x, "y": y, "by": facets}
    return grid


def end_shares(
    source: SweepSource,
    *,
    x: str = "package.foreign_troops",
    y: str = "package.guarantee_strength",
    by: str | Sequence[str] = (),
) -> pd.DataFrame:
    """How the talks ended in each cell of a sweep: the share of runs per end, pooled over other factors.

    ``agreement``; ``no_deal`` (talks went on, session after session, without a package every party accepted
    before the horizon); ``infeasible`` (no package on the table the coalition would commit to and every
    party could accept: e.g. more troops than the members would send); ``imposed`` (evaluate mode).

    Args:
        source: A :class:`~sim.execution.sweep.store.SweepStore` or its folder.
        x, y, by: The factors of the cells, as in :func:`dilemma_grid`.

    Returns:
        One row per cell: the factors, ``runs``, and one column of shares per end, plus
        ``russia_accepted``, the share of runs in which Russia accepted some tabled package.
    """
    store = _store(source)
    facets = [by] if isinstance(by, str) else list(by)
    keys = [*facets, y, x]
    design = store.design().to_pandas()
    missing = [k for k in keys if k not in design.columns]
    if missing:
        raise ValueError(_no_factor(missing, design))
    runs = store.results(["point", "end", "russia_accepted"]).to_pandas().merge(design[["point", *keys]], on="point")
    shares = pd.crosstab([runs[k] for k in keys], runs["end"], normalize="index")
    for end in ENDS:
        if end not in shares.columns:
            shares[end] = 0.0
    shares = shares[list(ENDS)]
    shares.columns.name = None
    out = shares.reset_index()
    grouped = runs.groupby(keys, sort=False)
    counts = grouped.size().rename("runs").reset_index()
    accepted = grouped["russia_accepted"].mean().rename("russia_accepted").reset_index()
    out = counts.merge(out, on=keys).merge(accepted, on=keys)
    for k in keys:
        if out[k].dtype == object or pd.api.types.is_string_dtype(out[k]):
            out[k] = pd.Categorical(out[k], categories=factor_levels(k, out[k].tolist()), ordered=True)
    return out.sort_values(keys).reset_index(drop=True)


def _roles(grid: pd.DataFrame) -> tuple[str, str, list[str]]:
    try:
        return grid.attrs["x"], grid.attrs["y"], list(grid.attrs.get("by", []))
    except KeyError:
        raise ValueError("not a dilemma grid: attrs lack x and y (make it with dilemma_grid)") from None


def peaks(grid: pd.DataFrame, measure: str = "p_durable_15") -> pd.DataFrame:
    """The best cell of a measure in each facet: one row per facet with its factors, value and interval.

    Ties go to the first cell in order (weaker rows first, then fewer troops). Facets where the measure
    is undefined everywhere are left out.
    """
    x, y, facets = _roles(grid)
    sub = grid[grid["measure"] == measure].dropna(subset=["value"])
    if sub.empty:
        return sub.iloc[0:0].copy()
    groups = sub.groupby(facets, observed=True, sort=True) if facets else [((), sub)]
    out = [part.loc[part["value"].idxmax()] for _, part in groups]
    result = pd.DataFrame(out).reset_index(drop=True)
    result.attrs = dict(grid.attrs)
    return result


def durable_zone(
    grid: pd.DataFrame,
    *,
    measure: str = "p_durable_15",
    threshold: float | None = None,
    within: float | Literal["interval"] | None = None,
) -> pd.DataFrame:
    """Where the durable peace lies: flag the cells of one measure that are in the zone, per facet.

    Exactly one rule:

    * ``threshold=t``: the cell's value is at least ``t``;
    * ``within=d``: the value is within ``d`` of the facet's peak (``value >= peak - d``);
    * ``within="interval"``: the cell's 95 % interval reaches the peak's lower bound
      (``high >= peak low``), i.e. the cell is not clearly worse than the peak at this number of runs.

    Returns:
        The rows of ``measure`` with ``peak_value`` (the facet's best), ``is_peak`` and ``in_zone``
        (False where the value is undefined).

    Raises:
        ValueError: Unless exactly one rule is given.
    """
    if (threshold is None) == (within is None):
        raise ValueError("give exactly one of threshold= or within=")
    x, y, facets = _roles(grid)
    sub = grid[grid["measure"] == measure].copy()
    top = peaks(grid, measure)
    if facets:
        sub = sub.merge(
            top[[*facets, "value", "low", x, y]].rename(
                columns={"value": "peak_value", "low": "peak_low", x: "_px", y: "_py"}
            ),
            on=facets,
            how="left",
        )
    else:
        first = top.iloc[0] if len(top) else None
        sub["peak_value"] = first["value"] if first is not None else math.nan
        sub["peak_low"] = first["low"] if first is not None else math.nan
        sub["_px"] = first[x] if first is not None else None
        sub["_py"] = first[y] if first is not None else None
    value = sub["value"].to_numpy(dtype=float)
    if threshold is not None:
        zone = value >= threshold
    elif within == "interval":
        zone = sub["high"].to_numpy(dtype=float) >= sub["peak_low"].to_numpy(dtype=float)
    else:
        zone = value >= sub["peak_value"].to_numpy(dtype=float) - float(within)  # type: ignore[arg-type]
    sub["in_zone"] = zone & ~np.isnan(value)
    sub["is_peak"] = (sub[x].astype(object) == sub["_px"]) & (sub[y].astype(object) == sub["_py"])
    out = sub.drop(columns=["_px", "_py", "peak_low"]).reset_index(drop=True)
    if threshold is not None:
        known = _grid_measures()
        rule = f"{known[measure].label if measure in known else measure} at least {threshold:g}"
    elif within == "interval":
        rule = "95 % interval reaches the peak's lower bound"
    else:
        rule = f"within {float(within):g} of the peak"  # type: ignore[arg-type]
    out.attrs = {**grid.attrs, "rule": rule}
    return out


RANKING_MEASURES: tuple[str, ...] = (
    "peace_years_15",
    "peace_years_30",
    "p_agreement",
    "p_deal_15",
    "p_deal_then_war_15",
    "welfare.ukraine",
    "welfare.russia",
    "welfare.united_states",
    "p_durable_15",
)
"""The measures :func:`dilemma_ranking` ranks packages on by default: the years of peace within 15 and 30 years
(a failed negotiation counts as war), the chance of a deal in the first session and within 15 years, the chance of
a deal that breaks within 15 years, each party's welfare, and P(durable peace) as one column among them."""

LOWER_IS_BETTER: frozenset[str] = frozenset({"p_deal_then_war_15"})
"""Measures on which a lower value ranks better (a deal followed by war again within 15 years). Every other
measure ranks higher values first; a party's welfare ranks packages from that party's own standpoint."""

RANK_PREFIX = "rank."
"""The prefix of the rank columns of :func:`dilemma_ranking` (``rank.<measure>``)."""


def _listed(value: str | Sequence[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def dilemma_ranking(
    source: Any,
    measures: str | Sequence[str] = RANKING_MEASURES,
    *,
    factors: str | Sequence[str] | None = None,
    by: str | Sequence[str] = (),
    lower_is_better: Collection[str] = LOWER_IS_BETTER,
    intervals: bool = False,
) -> pd.DataFrame:
    """The packages of a sweep ranked under each headline measure: how the best package depends on the metric.

    One row per package (a design point, or a cell of ``factors`` whose design points' runs are pooled, as in
    :func:`dilemma_grid`), one column per measure with its estimate, and one ``rank.<measure>`` column per measure:
    1 is the best package under that measure. Higher values rank first, except for the measures in
    ``lower_is_better`` (by default P(a deal, then war again, within 15 years)); welfare ranks packages by that
    party's own welfare, so Russia's column ranks first what is best for Russia. Equal values share the best rank
    among them (1, 2, 2, 4); a package whose value is undefined (e.g. P(holds | agreement) without any agreement)
    has no rank. Ranks are of point estimates: packages whose 95 % intervals overlap (``intervals=True``) are not
    clearly ordered at this number of runs.

    Args:
        source: A :class:`SweepSource` (runs are pooled per package), or a ``(design, aggregate)`` pair of tables
            with one design point per package.
        measures: The measures, in column order (names of the sweep measures of :data:`sim.outcomes.MEASURES`).
            The first is the reference: rows are sorted by its rank (see :func:`ranking_leaders`).
        factors: The factors that make a package (default: every factor of the design but ``by``).
        by: Factors to rank within, e.g. ``package.us_role``: ranks start at 1 in each of their cells.
        lower_is_better: The measures on which lower values rank better.
        intervals: Add each measure's 95 % interval as ``<measure>_low`` and ``<measure>_high``.

    Returns:
        The ``by`` factors, the package's ``factors``, ``runs``, ``agreements`` (runs with an agreement in any
        session), the measures (with their intervals if asked), the ``rank.<measure>`` columns (nullable integers)
        and ``rank_spread`` (the worst rank minus the best, over the measures: how far the metric moves the
        package). Rows sorted by ``by``, then the reference measure's rank, then the factors' levels. Factors with
        level names are ordered categoricals, weakest level first. ``attrs``: ``{"factors", "by", "measures",
        "lower_is_better"}``.

    Raises:
        ValueError: If a measure is not a sweep measure (or not in the aggregate), or a factor is not in the
            design.
    """
    wanted = _listed(measures)
    if not wanted:
        raise ValueError("no measures to rank on")
    sweep_names = [m.name for m in measures_for("sweep")]
    unknown = [m for m in wanted if m not in sweep_names]
    if unknown:
        raise ValueError(f"unknown measures {', '.join(unknown)}; choose from {', '.join(sweep_names)}")
    facets = _listed(by)
    if factors is None:
        keys = [c for c in _design_of(source).columns if c != "point" and c not in facets]
    else:
        keys = [k for k in _listed(factors) if k not in facets]
    cells = _pooled_cells(source, [*facets, *keys])
    absent = [m for m in wanted if m not in cells.columns]
    if absent:
        raise ValueError(f"the sweep's aggregate lacks the measures {', '.join(absent)}")
    lower = set(lower_is_better)
    out = cells[[*facets, *keys]].copy()
    out["runs"] = cells["runs"].to_numpy(dtype=int)
    out["agreements"] = (
        cells["agreements"].to_numpy(dtype=int)
        if "agreements" in cells
        else pd.array([pd.NA] * len(cells), dtype="Int64")
    )
    for m in wanted:
        out[m] = cells[m].to_numpy(dtype=float)
        if intervals:
            for side in ("low", "high"):
                column = f"{m}_{side}"
                out[column] = cells[column].to_numpy(dtype=float) if column in cells else math.nan
    for k in [*facets, *keys]:
        if out[k].dtype == object or pd.api.types.is_string_dtype(out[k]):
            out[k] = pd.Categorical(out[k], categories=factor_levels(k, out[k].tolist()), ordered=True)
    ranks = pd.DataFrame(index=out.index)
    for m in wanted:
        values = out[m]
        grouped = values.groupby([out[f] for f in facets], observed=True) if facets else values
        ranked = grouped.rank(method="min", ascending=m in lower, na_option="keep")
        ranks[f"{RANK_PREFIX}{m}"] = ranked.astype("Int64")
    out = pd.concat([out, ranks], axis=1)
    as_float = ranks.astype("float64")
    spread = as_float.max(axis=1) - as_float.min(axis=1)
    out["rank_spread"] = spread.astype("Int64")
    out = out.sort_values([*facets, f"{RANK_PREFIX}{wanted[0]}", *keys], na_position="last").reset_index(drop=True)
    out.attrs = {"factors": keys, "by": facets, "measures": wanted, "lower_is_better": sorted(lower & set(wanted))}
    return out


def _ranking_roles(ranking: pd.DataFrame) -> tuple[list[str], list[str], list[str]]:
    try:
        return list(ranking.attrs["factors"]), list(ranking.attrs["by"]), list(ranking.attrs["measures"])
    except KeyError:
        raise ValueError("not a ranking: attrs lack factors, by and measures (make it with dilemma_ranking)") from None


def ranking_leaders(ranking: pd.DataFrame, reference: str | None = None) -> pd.DataFrame:
    """The best package under each measure of a ranking, and how that measure's order agrees with the reference's.

    Args:
        ranking: Output of :func:`dilemma_ranking`.
        reference: The measure to compare every other with (default: the ranking's first measure).

    Returns:
        One row per measure (per cell of the ranking's ``by`` factors): the ``by`` factors, ``measure``,
        ``better`` (``higher`` or ``lower``), the best package's factors, its ``value``, its
        ``rank_under_reference``, and ``spearman``, the rank correlation between this measure's and the
        reference's order of the packages (1: the same order; 0: unrelated; negative: reversed). Ties for the
        best go to the package the reference ranks higher. Measures undefined for every package are left out.

    Raises:
        ValueError: If ``ranking`` is not a ranking, or the reference is not one of its measures.
    """
    keys, facets, measures = _ranking_roles(ranking)
    ref = measures[0] if reference is None else reference
    if ref not in measures:
        raise ValueError(f"the reference {ref!r} is not a measure of the ranking; its measures: {', '.join(measures)}")
    lower = set(ranking.attrs.get("lower_is_better", ()))
    groups = ranking.groupby(facets, observed=True, sort=True) if facets else [((), ranking)]
    rows = []
    for key, part in groups:
        key = key if isinstance(key, tuple) else (key,)
        ref_rank = part[f"{RANK_PREFIX}{ref}"].astype("float64")
        for m in measures:
            own = part[f"{RANK_PREFIX}{m}"].astype("float64")
            if own.isna().all():
                continue
            order = pd.DataFrame({"own": own, "ref": ref_rank}).sort_values(["own", "ref"], na_position="last")
            best = part.loc[order.index[0]]
            row: dict[str, Any] = dict(zip(facets, key, strict=True))
            row |= {"measure": m, "better": "lower" if m in lower else "higher"}
            row |= {k: best[k] for k in keys}
            both = own.notna() & ref_rank.notna()
            rho = own[both].corr(ref_rank[both], method="spearman") if both.sum() > 1 else math.nan
            row |= {"value": float(best[m]), "rank_under_reference": best[f"{RANK_PREFIX}{ref}"], "spearman": rho}
            rows.append(row)
    out = pd.DataFrame(rows, columns=[*facets, "measure", "better", *keys, "value", "rank_under_reference", "spearman"])
    for k in [*facets, *keys]:
        if isinstance(ranking[k].dtype, pd.CategoricalDtype):
            out[k] = pd.Categorical(out[k], categories=ranking[k].cat.categories, ordered=True)
    out["rank_under_reference"] = out["rank_under_reference"].astype("Int64")
    out.attrs = {"reference": ref, "factors": keys, "by": facets}
    return out


def _per_run(measure: Measure, columns: Mapping[str, np.ndarray]) -> np.ndarray:
    """Each run's contribution to a measure taken over all runs (its value at a point is their mean; NaN: not
    counted)."""
    if measure.kind is Kind.SHARE and measure.among == "runs":
        return columns[measure.column or ""]
    if measure.kind is Kind.AVERAGE:
        return columns[measure.column or ""]
    if measure.kind is Kind.HELD:
        years = np.nan_to_num(columns["peace_years"], nan=np.inf)
        broke = (columns["breakdown"] == 1) & (years <= float(measure.t or 0.0))
        return ((columns["agreement"] == 1) & ~broke).astype(float)
    raise ValueError(f"measure {measure.name!r} is not a mean over all runs")


def noise_floor(source: SweepSource, measures: str | Sequence[str] | None = None) -> pd.DataFrame:
    """How much of the spread of a sweep's per-point outcomes is replication noise: the floor of total Sobol indices.

    A design point's outcome is a mean over its runs, so it carries sampling noise that no factor explains.
    Total indices (ST) count that noise for every factor alike, so an assumption with no effect at all still gets
    an ST of about ``noise_share``; first-order indices (S1) do not count it. Read an ST near the floor as "no
    detectable effect".

    Args:
        source: A finished sweep (any design; its points should have several runs each).
        measures: Outcome names (default: the sensitivity measures of :data:`sim.outcomes.MEASURES`, those of
            :func:`sensitivity_indices`).

    Returns:
        One row per outcome: ``outcome``, ``runs_per_point`` (mean), ``variance`` (of the per-point outcomes
        across the design), ``noise`` (the mean over points of the within-point variance of the runs divided by
        the point's runs: the variance of a point's mean) and ``noise_share`` = noise / variance (NaN when the
        outcomes do not vary).

    Raises:
        ValueError: If a measure is not a mean over all runs (e.g. conditional on agreement).
    """
    from sim.analysis.measures import run_columns

    if measures is None:
        chosen = list(measures_for("sensitivity"))
    else:
        chosen = [find_measure(n) for n in ([measures] if isinstance(measures, str) else measures)]
    bad = [m.name for m in chosen if not m.over_all_runs]
    if bad:
        raise ValueError(f"not means over all runs (no noise floor): {', '.join(bad)}")
    results = _store(source).results(["point", *measure_columns(chosen)])
    point = results.column("point").to_numpy()
    columns = run_columns(results, measure_columns(chosen))
    rows = []
    for m in chosen:
        x = _per_run(m, columns)
        frame = pd.DataFrame({"point": point, "x": x}).dropna()
        grouped = frame.groupby("point")["x"]
        means, counts = grouped.mean(), grouped.size()
        within = grouped.var(ddof=1)
        noise = float((within / counts).mean()) if (counts > 1).any() else math.nan
        variance = float(means.var(ddof=1)) if len(means) > 1 else math.nan
        share = noise / variance if variance and variance > 0 else math.nan
        rows.append(
            {
                "outcome": m.name,
                "runs_per_point": float(counts.mean()) if len(counts) else math.nan,
                "variance": variance,
                "noise": noise,
                "noise_share": share,
            }
        )
    return pd.DataFrame(rows, columns=["outcome", "runs_per_point", "variance", "noise", "noise_share"])


def sobol_noise(source: SweepSource, measures: str | Sequence[str] | None = None) -> pd.DataFrame:
    """How much replication noise each factor's total Sobol index carries: the expected inflation of its ST.

    A total index (Jansen's estimator, as SALib computes it) is ``ST_i = mean_k (y(A_k) - y(AB_k^i))^2 / (2 Var y)``
    over the design's base rows ``k``, where ``y`` is a point's mean over its runs. Each point mean carries sampling
    noise, so the squared difference carries, on average, the variance of the difference of two point means, and
    ``ST_i`` is inflated by ``0.5 mean_k Var_j(d_kj) / R / Var y``: ``d_kj`` is replicate ``j``'s difference between
    the two points and ``R`` the replicates. With independent seeds this is about :func:`noise_floor`'s
    ``noise_share`` for every factor; with common seeds it is what the common draws do not cancel: nothing for a
    dummy factor, more for a factor that changes what a run draws next. Subtract it from ST for an effect net of
    noise.

    Args:
        source: A finished sobol sweep (its ``design()`` and its results with ``point`` and ``replicate``).
        measures: Outcome names (default: the sensitivity measures, as :func:`sensitivity_indices`).

    Returns:
        ``outcome, factor, noise``: per outcome and factor, in the design's order of the factors.
    """
    from sim.analysis.measures import run_columns

    if measures is None:
        chosen = list(measures_for("sensitivity"))
    else:
        chosen = [find_measure(n) for n in ([measures] if isinstance(measures, str) else measures)]
    store = _store(source)
    factors = [c for c in store.design().column_names if c != "point"]
    d = len(factors)
    results = store.results(["point", "replicate", *measure_columns(chosen)])
    point = results.column("point").to_numpy()
    replicate = results.column("replicate").to_numpy()
    points, reps = int(point.max()) + 1, int(replicate.max()) + 1
    if points % (d + 2):
        raise ValueError(f"{points} points is not a Saltelli design of {d} factors (a multiple of {d + 2})")
    columns = run_columns(results, measure_columns(chosen))
    rows = []
    for m in chosen:
        y = np.full((points, reps), np.nan)
        y[point, replicate] = _per_run(m, columns)
        means = np.nanmean(y, axis=1)
        step = d + 2
        a, b = means[0::step], means[step - 1 :: step]
        variance = float(np.var(np.r_[a, b]))
        for i, factor in enumerate(factors):
            diff = y[0::step] - y[i + 1 :: step]
            per_row = np.nanvar(diff, axis=1, ddof=1) / np.sum(~np.isnan(diff), axis=1)
            noise = 0.5 * float(np.nanmean(per_row)) / variance if variance > 0 else math.nan
            rows.append({"outcome": m.name, "factor": factor, "noise": noise})
    return pd.DataFrame(rows, columns=["outcome", "factor", "noise"])


def sensitivity_indices(source: SweepSource) -> pd.DataFrame:
    """Sobol indices of a finished sobol sweep (nothing is written; ``sim analyze sensitivity`` writes them).

    Returns:
        ``outcome, factor, S1, S1_conf, ST, ST_conf``: first-order and total indices with 95 % confidence
        half-widths (SALib bootstrap), per headline outcome (the sensitivity measures of
        :data:`sim.outcomes.MEASURES`: P(agreement in the first session), P(deal within 15 years), years of
        peace, P(durable), each party's welfare, ...).

    Raises:
        sim.config.errors.InputError: If the folder is not a finished sobol sweep.
    """
    return _store(source).sobol_indices().to_pandas()


def _first_sentence(text: str | None) -> str:
    if not text:
        return ""
    text = " ".join(text.split())
    end = text.find(". ")
    return text if end < 0 else text[: end + 1]


def doubt_ranking(indices: pd.DataFrame, outcome: str = "p_durable_15") -> pd.DataFrame:
    """The uncertain assumptions ranked by how much of an outcome's variance they drive (total Sobol index).

    Adds ``interactions = ST - S1`` (variance through interactions with other factors), the parameter's
    ``provenance`` (``assumption``, ``cited`` or ``both``, from ``sim/data/provenance.yaml``; ``dummy`` for a
    dummy factor named ``dummy...``, whose indices are the design's noise floor) and the first sentence of its
    ``rationale``. A reader should doubt first the top rows that are assumptions.
    """
    from sim.config.provenance import load_provenance, provenance_for

    prov = load_provenance()
    sub = indices[indices["outcome"] == outcome].sort_values("ST", ascending=False).reset_index(drop=True)
    entries = [provenance_for(f, prov) for f in sub["factor"]]
    out = sub[["factor", "ST", "ST_conf", "S1", "S1_conf"]].copy()
    out["interactions"] = (sub["ST"] - sub["S1"]).clip(lower=0.0)
    out["provenance"] = [
        e.kind if e else "dummy" if f.split(".")[0] == "dummy" else "unknown"
        for f, e in zip(sub["factor"], entries, strict=True)
    ]
    out["rationale"] = [
        _first_sentence(e.assumption or e.note) if e else "applied to nothing: the noise floor" if k == "dummy" else ""
        for e, k in zip(entries, out["provenance"], strict=True)
    ]
    out.insert(0, "rank", np.arange(1, len(out) + 1))
    return out
