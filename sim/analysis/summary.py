"""Summary statistics over run outcomes: proportions with Wilson intervals, Kaplan-Meier survival of peace,
the distribution of agreed terms, and a readable text rendering."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from scipy import stats

from sim.dealspace import BY_NAME, ISSUE_NAMES
from sim.outcomes import GUARANTORS, PARTIES, Kind, Measure, RunOutcome, headline_measures, measures_for

Z95 = float(stats.norm.ppf(0.975))


@dataclass(frozen=True)
class Estimate:
    """A point estimate with a 95 % interval."""

    value: float
    low: float
    high: float

    def __str__(self) -> str:
        if math.isnan(self.value):
            return "n/a"
        return f"{self.value:.3f} [{self.low:.3f}, {self.high:.3f}]"


NOT_ASKED = Estimate(math.nan, math.nan, math.nan)
"""P(agreement in the first session of talks) of imposed runs: undefined, since nobody negotiated (null in
summary.json)."""

UNIT_SUFFIX: dict[str, str] = {"probability": "", "years": " years", "utility": " utility", "share of territory": ""}
"""What follows an estimate in text, per :attr:`sim.outcomes.Measure.unit`."""


def format_estimate(estimate: Estimate, unit: str = "probability", horizon: float | None = None) -> str:
    """An estimate as text in its unit: probabilities and utilities to three decimals, years to two (whole years,
    such as a median, as they are; ``> horizon`` beyond it), shares of territory in per cent; the 95 % interval
    in brackets when there is one.

    Args:
        estimate: The estimate.
        unit: Its :attr:`~sim.outcomes.Measure.unit` (``probability``, ``years``, ``utility``,
            ``share of territory``).
        horizon: The horizon in years, for an infinite median (``> horizon``; ``beyond the horizon`` if None).
    """
    if math.isnan(estimate.value):
        return "n/a"
    whole = all(math.isnan(x) or math.isinf(x) or float(x).is_integer() for x in estimate.__dict__.values())

    def num(x: float) -> str:
        if math.isinf(x):
            return f"> {horizon:g}" if horizon else "beyond the horizon"
        if unit == "years":
            return f"{x:g}" if whole else f"{x:.2f}"
        if unit == "share of territory":
            return f"{100 * x:.1f} %"
        return f"{x:.3f}"

    text = num(estimate.value)
    if not (math.isnan(estimate.low) and math.isnan(estimate.high)):
        text += f" [{num(estimate.low)}, {num(estimate.high)}]"
    return text + UNIT_SUFFIX.get(unit, "")


def wilson(successes: int, n: int, z: float = Z95) -> Estimate:
    """A proportion with its Wilson score interval (NaN when n = 0)."""
    if n == 0:
        return Estimate(math.nan, math.nan, math.nan)
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return Estimate(p, max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class Survival:
    """A Kaplan-Meier survival curve with Greenwood (log-log) 95 % bands.

    Attributes:
        time: Event/censoring times, increasing (survival is a step function right-continuous at them).
        survival: S(t) just after each time.
        low: Lower band.
        high: Upper band.
        at_risk: Number at risk just before each time.
        events: Number of events at each time.
        low_start: Lower band before the first time (exact binomial bound for the n at risk, no event yet).
    """

    time: np.ndarray
    survival: np.ndarray
    low: np.ndarray
    high: np.ndarray
    at_risk: np.ndarray
    events: np.ndarray
    low_start: float = 1.0

    def at(self, t: float) -> Estimate:
        """S(t) with its band: the probability that peace lasts beyond t years."""
        if self.time.size == 0:
            return Estimate(math.nan, math.nan, math.nan)
        i = int(np.searchsorted(self.time, t, side="right")) - 1
        if i < 0:
            return Estimate(1.0, self.low_start, 1.0)
        return Estimate(float(self.survival[i]), float(self.low[i]), float(self.high[i]))

    def median(self) -> float:
        """The first time at which S(t) <= 0.5 (inf if it never falls that far)."""
        below = np.flatnonzero(self.survival <= 0.5)
        return float(self.time[below[0]]) if below.size else math.inf


def kaplan_meier(durations: Sequence[float], observed: Sequence[bool], z: float = Z95) -> Survival:
    """Kaplan-Meier estimate from durations and event indicators (False = censored)."""
    d = np.asarray(durations, dtype=float)
    e = np.asarray(observed, dtype=bool)
    if d.size == 0:
        empty = np.array([])
        return Survival(empty, empty, empty, empty, empty, empty)
    times = np.unique(d)
    at_risk = np.array([(d >= t).sum() for t in times])
    events = np.array([((d == t) & e).sum() for t in times])
    factors = 1.0 - events / at_risk
    surv = np.cumprod(factors)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(at_risk > events, events / (at_risk * (at_risk - events)), 0.0)
        var = np.cumsum(terms)
        log_s = np.log(surv)
        se = np.sqrt(var) / np.abs(log_s)
        lo = np.exp(-np.exp(np.log(-log_s) + z * se))
        hi = np.exp(-np.exp(np.log(-log_s) - z * se))
    # Where the log-log band is undefined use the exact (Clopper-Pearson) binomial bound, rather than a
    # zero-width band that overstates certainty for small n. S = 1 (no event yet): the n at risk all
    # survived. S = 0 (all failed): none of the n whose fate is known survived, n = the events so far. The
    # log-log formulas give a finite [0, 0] at S = 0, so that case is tested for explicitly.
    alpha = 2.0 * float(stats.norm.sf(z))
    exact = (alpha / 2.0) ** (1.0 / at_risk)
    none_left = surv <= 0.0
    upper_none = 1.0 - (alpha / 2.0) ** (1.0 / np.maximum(np.cumsum(events), 1))
    lo = np.where(np.isfinite(lo) & ~none_left, lo, np.where(surv >= 1.0, exact, 0.0))
    hi = np.where(np.isfinite(hi) & ~none_left, hi, np.where(surv >= 1.0, 1.0, upper_none))
    return Survival(times, surv, lo, hi, at_risk, events, low_start=float((alpha / 2.0) ** (1.0 / d.size)))


def peace_survival(outcomes: Iterable[RunOutcome]) -> Survival:
    """Survival of peace after agreement, over the runs that reached one."""
    agreed = [o for o in outcomes if o.agreement]
    return kaplan_meier([o.peace_years for o in agreed], [o.breakdown for o in agreed])  # type: ignore[misc]


@dataclass(frozen=True)
class Summary:
    """Headline figures of a set of runs.

    Attributes:
        runs: Number of runs.
        measures: The measures estimated (:func:`sim.outcomes.measures_for` ``"summary"``), in order.
        figures: Their estimates, keyed by measure name.
        horizon: The deterrence horizon in years.
        ends: Runs per way the talks ended.
        causes: Breakdowns per main cause.
        terms: The distribution of the agreed terms (:func:`term_distribution`).
    """

    runs: int
    measures: tuple[Measure, ...]
    figures: dict[str, Estimate]
    horizon: int
    ends: dict[str, int]
    causes: dict[str, int]
    terms: dict[str, dict[str, Any]] = field(default_factory=dict)
    imposed: bool = False
    """Every run signed the package as given (mode evaluate): nobody negotiated, nobody was asked to accept."""

    @property
    def agreement(self) -> Estimate:
        """P(agreement in the first session of talks) (1 for imposed runs; their summary.json says null)."""
        return self.figures["p_agreement"]

    @property
    def deal_15(self) -> Estimate:
        """P(a deal within 15 years), in any session of talks."""
        return self.figures["p_deal_15"]

    @property
    def peace_years_15(self) -> Estimate:
        """Expected years of peace in the first 15 years (no deal counts as war)."""
        return self.figures["peace_years_15"]

    @property
    def welfare(self) -> dict[str, Estimate]:
        """Each party's expected welfare (the discounted yearly average of its flows), by party."""
        return {
            m.actor: self.figures[m.name]
            for m in self.measures
            if m.actor is not None and m.kind is Kind.AVERAGE and m.units == "utility"
        }

    @property
    def durable_15(self) -> Estimate:
        """P(durable peace): an agreement and 15 years of peace."""
        return self.figures["p_durable_15"]

    @property
    def holds_15(self) -> Estimate:
        """P(peace holds 15 years | agreement), Kaplan-Meier."""
        return self.figures["p_holds_15"]

    @property
    def holds_30(self) -> Estimate:
        """P(peace holds 30 years | agreement), Kaplan-Meier."""
        return self.figures["p_holds_30"]

    @property
    def median_peace_years(self) -> float:
        """Median years of peace after agreement (inf if peace outlasts the horizon in at least half the
        agreements, or without any agreement)."""
        value = self.figures["median_peace_years"].value
        return math.inf if math.isnan(value) else value

    @property
    def honoured(self) -> dict[str, Estimate]:
        """P(the guarantor honours its commitment | Russia attacked), per guarantor."""
        return {
            m.actor: self.figures[m.name]
            for m in self.measures
            if m.actor is not None and m.kind is Kind.SHARE and m.among == "attacks"
        }

    def as_dict(self) -> dict[str, Any]:
        """Plain data (JSON-ready): every measure under its summary key (dotted keys nested, e.g.
        ``welfare.ukraine``), probabilities and averages (years of peace, welfare, territory) as
        ``{value, low, high}``, the median and mean years of peace as a number (None beyond the horizon). The
        shares of the attacked agreements follow the breakdown causes. Imposed runs have no P(agreement in
        the first session): nobody negotiated."""

        def est(e: Estimate) -> dict[str, float | None]:
            return {
                k: (None if math.isnan(v) else v) for k, v in (("value", e.value), ("low", e.low), ("high", e.high))
            }

        def put(out: dict[str, Any], m: Measure) -> None:
            e = self.figures[m.name]
            *parents, leaf = m.summary_key.split(".")
            node = out
            for key in parents:
                node = node.setdefault(key, {})
            if m.unit == "probability" or m.kind is Kind.AVERAGE:
                node[leaf] = est(e)
            else:
                node[leaf] = e.value if math.isfinite(e.value) else None

        out: dict[str, Any] = {"runs": self.runs, "imposed": self.imposed}
        attacks = [m for m in self.measures if m.kind is Kind.SHARE and m.among == "attacks"]
        for m in self.measures:
            if m not in attacks:
                put(out, m)
        out |= {"horizon_years": self.horizon, "ends": self.ends, "breakdown_causes": self.causes}
        for m in attacks:
            put(out, m)
        if self.imposed and "p_agreement" in out:
            out["p_agreement"] = est(NOT_ASKED)  # nobody negotiated: the package was imposed
        out["agreed_terms"] = self.terms
        return out


def term_distribution(deals: Sequence[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per issue: shares per level (ordinal issues), or median and quartiles (counts)."""
    out: dict[str, dict[str, Any]] = {}
    if not deals:
        return out
    for name in ISSUE_NAMES:
        values = [d[name] for d in deals]
        issue = BY_NAME[name]
        if issue.is_ordinal:
            c = Counter(values)
            out[name] = {lv: c[lv] / len(values) for lv in issue.levels if c[lv]}
        else:
            q = np.quantile(np.asarray(values, dtype=float), [0.25, 0.5, 0.75])
            out[name] = {"q25": float(q[0]), "median": float(q[1]), "q75": float(q[2])}
    return out


def summarise(outcomes: Sequence[RunOutcome], measures: Sequence[Measure] | None = None) -> Summary:
    """Headline figures (the summary measures of :data:`sim.outcomes.MEASURES`), terms and causes.

    Args:
        outcomes: The runs.
        measures: The list to take the summary measures from (default: :data:`sim.outcomes.MEASURES`).
    """
    from sim.analysis.measures import estimates  # it imports this module's estimators

    if measures is None:
        guarantors = tuple(dict.fromkeys(g for o in outcomes for g in o.honoured))  # the scenario's, in order
        parties = tuple(dict.fromkeys(p for o in outcomes for p in o.welfare))
        if (guarantors and guarantors != GUARANTORS) or (parties and parties != PARTIES):
            measures = headline_measures(guarantors or GUARANTORS, parties=parties or PARTIES)
    chosen = measures_for("summary", measures)
    n = len(outcomes)
    agreed = [o for o in outcomes if o.agreement]
    horizon = max((o.horizon for o in outcomes), default=0)
    attacked = [o for o in agreed if o.breakdown]
    return Summary(
        runs=n,
        measures=chosen,
        figures=estimates(chosen, outcomes),
        horizon=horizon,
        ends=dict(Counter(o.end for o in outcomes)),
        causes=dict(Counter(o.cause for o in attacked)),
        terms=term_distribution([o.deal for o in agreed if o.deal is not None]),
        imposed=n > 0 and all(o.end == "imposed" for o in outcomes),
    )


def render(summary: Summary, title: str = "") -> str:
    """The summary as readable text for the terminal."""
    s = summary
    lines = []
    if title:
        lines += [title, "=" * len(title)]
    lines.append(f"runs: {s.runs}    (95 % intervals in brackets)")
    shown = [m for m in s.measures if m.over_all_runs]
    width = max([29, *(len(m.short_label) for m in shown)])
    for m in shown:
        if s.imposed and m.name == "p_agreement":
            value = "n/a (imposed)"
        else:
            value = format_estimate(s.figures[m.name], m.unit, s.horizon)
        lines.append(f"{m.short_label:<{width}} {value}")
    ends = ", ".join(f"{k} {v}" for k, v in sorted(s.ends.items()))
    lines.append(f"{'how talks ended':<{width}} {ends}")
    if s.terms:
        lines.append("")
        terms = "imposed terms (share of runs" if s.imposed else "agreed terms (share of agreements"
        lines.append(f"{terms}, or median [quartiles]):")
        for name, dist in s.terms.items():
            if "median" in dist:
                unit = BY_NAME[name].unit
                lines.append(f"  {name:<20} {dist['median']:g} [{dist['q25']:g}, {dist['q75']:g}] {unit}".rstrip())
            else:
                lines.append(f"  {name:<20} " + ", ".join(f"{k} {v:.0%}" for k, v in dist.items()))
        lines.append("")
        lines.append(f"peace after {'imposition' if s.imposed else 'agreement'} (Kaplan-Meier):")
        med = "beyond the horizon" if math.isinf(s.median_peace_years) else f"{s.median_peace_years:g} years"
        lines.append(f"  median years of peace       {med} (horizon {s.horizon} years)")
        for m in s.measures:
            if m.kind is Kind.SURVIVAL:
                lines.append(f"  {f'P(holds {m.t:g} years)':<27} {format_estimate(s.figures[m.name])}")
        if s.causes:
            lines.append("  breakdown causes            " + ", ".join(f"{k} {v}" for k, v in sorted(s.causes.items())))
            lines.append(
                "  honoured when attacked      "
                + ", ".join(f"{g} {e}" for g, e in s.honoured.items() if not math.isnan(e.value))
            )
            for m in s.measures:  # the other shares of the attacked agreements (a new deal after the war)
                if m.kind is Kind.SHARE and m.among == "attacks" and m.actor is None:
                    lines.append(f"  {'new deal after the war':<27} {format_estimate(s.figures[m.name])}")
    else:
        lines.append("no agreement in any run: nothing to say about peace.")
    return "\n".join(lines)
