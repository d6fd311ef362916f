"""One calibration for all of history: the post-agreement parameters fitted to the historical cases at once, by
maximum likelihood of the observed survival times (censored where peace still holds), and the scorecard that
compares the model's forecasts of the cases with two naive forecasts, in sample and leave-one-out.

The model's forecast of a case is the chance that peace still holds after year ``t``, ``S_t``, of the case's
scenario (``scenarios/history/``, ``mode: evaluate``): the mean over the types of Russia's private edge (the prior,
equal weights, as a run draws them) of the anticipation's survival (:func:`sim.model.anticipation.anticipate`,
``keep_survival``), which is the runs' own attack rule evaluated in expectation (the elections mixed, cohesion at
its expectation); ``tests/test_calibration.py`` checks it against the Kaplan-Meier estimate of simulated runs.
Nothing is simulated here, so the likelihood is smooth and cheap.

* **Likelihood.** A case that broke in model year ``k`` (year 1 is the first year after signing) contributes
  ``S_{k-1} - S_k``; one that still held after ``k`` full years, ``S_k``. The fitted parameters are
  :data:`FITTED`, on an unbounded scale (:data:`TRANSFORMS`); the optimum is found by Nelder-Mead from the
  defaults, and its standard errors come from the Hessian of the log-likelihood on that scale (Wald intervals,
  mapped back).
* **Scorecard.** For each case, the probability each forecast gives the observed outcome, within a window:
  breakdown within ``WINDOW`` years of the observed year, or survival to the last year observed; and its log
  score. The naive forecasts are a constant yearly hazard fitted to the training set (maximum likelihood:
  breakdowns over years at risk) and the model's own background hazard, ``h_max L(-s theta_h)``: the hazard when
  nothing moves Russia either way (``V_t = 0``, no waiting), every feature of the case switched off.
  Leave-one-out: each case is scored by forecasts refitted without it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize

from sim.config.history import Case
from sim.config.scenario import Scenario, load_scenario
from sim.dealspace import Deal
from sim.model.compiled import CompiledScenario, compile_scenario

#: The post-agreement parameters the calibration fits by default, as dotted paths of the scenario: the shape of the
#: link from Russia's net incentive to its yearly hazard (how much the terms, the guarantee and the balance move the
#: hazard, and at what incentive it is half its maximum). The cap ``hazard_max`` and the consolidation of peace can be
#: fitted too (``sim calibrate --fit``); with eighteen cases the four together are not identified.
FITTED: tuple[str, ...] = ("deterrence.hazard_steepness", "deterrence.hazard_threshold")

#: Each fitted parameter's map from an unbounded scale to its range, and back.
TRANSFORMS: dict[str, tuple[Callable[[float], float], Callable[[float], float]]] = {
    "deterrence.hazard_max": (lambda z: 1.0 / (1.0 + math.exp(-z)), lambda x: math.log(x / (1.0 - x))),
    "deterrence.hazard_steepness": (math.exp, math.log),
    "deterrence.hazard_threshold": (lambda z: z, lambda x: x),
    "deterrence.consolidation": (math.exp, math.log),
}

#: Years either side of the observed breakdown year within which a forecast counts as right (the scorecard).
WINDOW = 2

#: Floor on a probability before its logarithm is taken (a forecast that rules out what happened scores ln 1e-6).
FLOOR = 1e-6

#: The default folder of the case files.
CASES_FOLDER = Path("scenarios") / "history"


@dataclass(frozen=True)
class HistoryCase:
    """A case scenario, compiled once, with what the likelihood needs."""

    key: str
    path: Path
    scenario: Scenario
    case: Case
    compiled: CompiledScenario = field(repr=False)
    utilities: np.ndarray = field(repr=False)

    @property
    def broke(self) -> bool:
        """Whether the peace broke."""
        return self.case.observed.broke

    @property
    def year(self) -> int:
        """The model year of the breakdown, or the last full year observed in peace."""
        return self.case.model_year


def load_cases(folder: str | Path = CASES_FOLDER, *, training_only: bool = True) -> list[HistoryCase]:
    """The case scenarios in ``folder`` (every file with a ``case:`` section), in file-name order; only the
    training set's unless ``training_only`` is false."""
    out = []
    for path in sorted(Path(folder).glob("*.yaml")):
        scenario = load_scenario(path)
        if scenario.case is None or (training_only and not scenario.case.training):
            continue
        compiled = compile_scenario(scenario)
        assert compiled.fixed_package is not None  # noqa: S101 - a case is in mode evaluate
        utilities = np.array(compiled.utilities(Deal(tuple(compiled.fixed_package[0]))))[:, None]
        out.append(HistoryCase(path.stem, path, scenario, scenario.case, compiled, utilities))
    return out


def survival(case: HistoryCase, params: Mapping[str, float] | None = None) -> np.ndarray:
    """``S_t`` for ``t = 0..H`` (``S_0 = 1``): the model's chance that the case's peace still holds after year
    ``t``, under the case's scenario with the deterrence parameters in ``params`` (dotted paths) replaced."""
    s = case.scenario
    deterrence = s.deterrence
    if params:
        update = {k.split(".", 1)[1]: v for k, v in params.items()}
        deterrence = deterrence.model_copy(update=update)
    c = case.compiled
    assert c.fixed_package is not None  # noqa: S101
    a = c.anticipate(c.fixed_package, case.utilities, deterrence=deterrence, keep_survival=True)
    assert a.survival is not None  # noqa: S101
    curve = a.survival[0].astype(float).mean(axis=0)
    return np.concatenate([[1.0], curve])


def likelihood_terms(case: HistoryCase, curve: np.ndarray) -> float:
    """The probability of exactly what was observed: breaking in its year, or holding to its last year."""
    k = min(case.year, curve.size - 1)
    p = curve[k - 1] - curve[k] if case.broke else curve[k]
    return float(max(p, FLOOR))


def window_probability(case: HistoryCase, curve: np.ndarray, window: int = WINDOW) -> float:
    """The probability a forecast gives the observed outcome: breaking within ``window`` years of the observed
    year, or holding to the last year observed."""
    last = curve.size - 1
    k = min(case.year, last)
    p = curve[max(k - window - 1, 0)] - curve[min(k + window, last)] if case.broke else curve[k]
    return float(max(p, FLOOR))


def log_likelihood(cases: Sequence[HistoryCase], params: Mapping[str, float] | None = None) -> float:
    """The log-likelihood of the cases' observed survival times under the model with ``params``."""
    return float(sum(math.log(likelihood_terms(c, survival(c, params))) for c in cases))


def _to_params(z: np.ndarray, names: Sequence[str]) -> dict[str, float]:
    return {n: TRANSFORMS[n][0](float(v)) for n, v in zip(names, z, strict=True)}


def _to_z(params: Mapping[str, float], names: Sequence[str]) -> np.ndarray:
    return np.array([TRANSFORMS[n][1](float(params[n])) for n in names])


def defaults_of(cases: Sequence[HistoryCase], names: Sequence[str] = FITTED) -> dict[str, float]:
    """The fitted parameters' values in the cases' scenarios (the defaults: no case sets them)."""
    d = cases[0].scenario.deterrence
    return {n: float(getattr(d, n.split(".", 1)[1])) for n in names}


@dataclass(frozen=True)
class Fit:
    """A maximum-likelihood fit.

    Attributes:
        params: The estimates, by dotted path.
        se: Their standard errors on the unbounded scale (:data:`TRANSFORMS`), by dotted path (NaN where the
            Hessian is not negative definite: the parameter is not identified by the cases).
        low: The lower end of each 95 % Wald interval, mapped back to the parameter's scale.
        high: The upper end.
        log_likelihood: The maximised log-likelihood.
        start_log_likelihood: The log-likelihood at the start (the defaults).
        cases: The keys of the cases fitted.
        evaluations: Likelihood evaluations used.
    """

    params: dict[str, float]
    se: dict[str, float]
    low: dict[str, float]
    high: dict[str, float]
    log_likelihood: float
    start_log_likelihood: float
    cases: tuple[str, ...]
    evaluations: int

    def table(self) -> pd.DataFrame:
        """The estimates as a table: parameter, estimate, 95 % interval, standard error (unbounded scale)."""
        return pd.DataFrame(
            {
                "parameter": list(self.params),
                "estimate": list(self.params.values()),
                "low_95": [self.low[n] for n in self.params],
                "high_95": [self.high[n] for n in self.params],
                "se_unbounded": [self.se[n] for n in self.params],
            }
        )


def fit(
    cases: Sequence[HistoryCase],
    names: Sequence[str] = FITTED,
    start: Mapping[str, float] | None = None,
    *,
    uncertainty: bool = True,
    max_evaluations: int = 2000,
) -> Fit:
    """Fit ``names`` to the cases by maximum likelihood (Nelder-Mead on the unbounded scale, from ``start``: the
    defaults unless given), with Wald standard errors from a finite-difference Hessian if ``uncertainty``."""
    names = tuple(names)
    start = dict(start or defaults_of(cases, names))
    count = [0]

    def negative(z: np.ndarray) -> float:
        count[0] += 1
        return -log_likelihood(cases, _to_params(z, names))

    z0 = _to_z(start, names)
    first = negative(z0)
    result = optimize.minimize(
        negative,
        z0,
        method="Nelder-Mead",
        options={"xatol": 1e-4, "fatol": 1e-5, "maxfev": max_evaluations, "adaptive": len(names) > 2},
    )
    z = np.asarray(result.x, dtype=float)
    params = _to_params(z, names)
    se = dict.fromkeys(names, math.nan)
    if uncertainty:
        hessian = _hessian(negative, z)
        try:
            cov = np.linalg.inv(hessian)
            if np.all(np.linalg.eigvalsh(hessian) > 0):
                se = {n: float(math.sqrt(cov[i, i])) for i, n in enumerate(names)}
        except np.linalg.LinAlgError:
            pass
    low = {n: _bound(n, z[i], se[n], -1.96) for i, n in enumerate(names)}
    high = {n: _bound(n, z[i], se[n], 1.96) for i, n in enumerate(names)}
    return Fit(params, se, low, high, -float(result.fun), -first, tuple(c.key for c in cases), count[0])


def _bound(name: str, z: float, se: float, k: float) -> float:
    if math.isnan(se):
        return math.nan
    forward = TRANSFORMS[name][0]
    try:
        return forward(z + k * se)
    except OverflowError:
        return math.inf if k > 0 else 0.0


def _hessian(f: Callable[[np.ndarray], float], z: np.ndarray, step: float = 0.02) -> np.ndarray:
    """Central finite-difference Hessian of ``f`` at ``z`` (the anticipation runs in single precision, so the
    step is large enough that rounding stays far below the curvature)."""
    n = z.size
    h = np.zeros((n, n))
    f0 = f(z)
    for i in range(n):
        for j in range(i, n):
            e_i = np.eye(n)[i] * step
            e_j = np.eye(n)[j] * step
            if i == j:
                h[i, i] = (f(z + e_i) - 2 * f0 + f(z - e_i)) / step**2
            else:
                h[i, j] = h[j, i] = (f(z + e_i + e_j) - f(z + e_i - e_j) - f(z - e_i + e_j) + f(z - e_i - e_j)) / (
                    4 * step**2
                )
    return h


def constant_hazard(cases: Sequence[HistoryCase]) -> float:
    """The maximum-likelihood constant yearly hazard of the cases: breakdowns over the years at risk (a case that
    broke in year ``k`` was at risk ``k`` years; one that held ``k`` years, ``k``)."""
    breakdowns = sum(c.broke for c in cases)
    exposure = sum(c.year for c in cases)
    return breakdowns / exposure


def constant_curve(h: float, years: int) -> np.ndarray:
    """``S_t = (1 - h)^t`` for ``t = 0..years``."""
    return (1.0 - h) ** np.arange(years + 1)


_LINK = ("deterrence.hazard_max", "deterrence.hazard_steepness", "deterrence.hazard_threshold")


def background_hazard(cases: Sequence[HistoryCase], params: Mapping[str, float]) -> float:
    """The model's own background hazard, ``h_max L(-s theta_h)``: Russia's yearly hazard when war and the deal
    are worth the same to it and nothing is worth waiting for (every feature of the case switched off), with the
    hazard link's parameters from ``params`` where given and the cases' defaults otherwise."""
    params = {**defaults_of(cases, _LINK), **params}
    h_max = params["deterrence.hazard_max"]
    s = params["deterrence.hazard_steepness"]
    threshold = params["deterrence.hazard_threshold"]
    return h_max / (1.0 + math.exp(s * threshold))


@dataclass(frozen=True)
class Scorecard:
    """The scorecard of the model against the naive forecasts.

    Attributes:
        cases: One row per case: the observed outcome, each forecast's probability of it (``p_*``) and log score
            (``log_*``), in sample and leave-one-out (``loo_*``). The forecasts: ``model`` (fitted), ``defaults``
            (the shipped parameters, not fitted to the cases, so the same in and out of sample), ``constant`` and
            ``background``.
        fit: The fit on every case.
        loo_fits: The leave-one-out fits, by the case left out (empty if not computed).
    """

    cases: pd.DataFrame
    fit: Fit
    loo_fits: dict[str, Fit]

    def totals(self) -> pd.DataFrame:
        """The summed log scores per forecast, and how many cases the model scores best on, in sample and
        leave-one-out."""
        rows = []
        for prefix, label in (("", "in sample"), ("loo_", "leave-one-out")):
            cols = {f: f"{prefix}log_{f}" for f in ("model", "constant", "background")}
            if cols["model"] not in self.cases:
                continue
            scores = self.cases[list(cols.values())].copy()
            scores["defaults"] = self.cases["log_defaults"]
            naive = scores[[cols["constant"], cols["background"]]].max(axis=1)
            rows.append(
                {
                    "scoring": label,
                    "log_score_model": float(scores[cols["model"]].sum()),
                    "log_score_defaults": float(scores["defaults"].sum()),
                    "log_score_constant": float(scores[cols["constant"]].sum()),
                    "log_score_background": float(scores[cols["background"]].sum()),
                    "model_beats_both": int((scores[cols["model"]] > naive).sum()),
                    "defaults_beat_both": int((scores["defaults"] > naive).sum()),
                    "cases": len(self.cases),
                }
            )
        return pd.DataFrame(rows)


def scorecard(
    cases: Sequence[HistoryCase],
    names: Sequence[str] = FITTED,
    *,
    leave_one_out: bool = True,
    window: int = WINDOW,
    progress: Callable[[str], None] | None = None,
) -> Scorecard:
    """Fit on every case, score every case in sample, and (``leave_one_out``) refit without each case to score it
    out of sample."""
    full = fit(cases, names)
    h_const = constant_hazard(cases)
    years = cases[0].scenario.deterrence.horizon_years
    rows = []
    loo_fits: dict[str, Fit] = {}
    for i, c in enumerate(cases):
        row: dict[str, object] = {
            "case": c.key,
            "agreement": c.case.agreement,
            "observed": (f"broke in year {c.year}" if c.broke else f"held {c.year} years"),
            "years": round(c.case.years, 1),
        }
        forecasts = {
            "model": survival(c, full.params),
            "defaults": survival(c),
            "constant": constant_curve(h_const, years),
            "background": constant_curve(background_hazard(cases, full.params), years),
        }
        for f, curve in forecasts.items():
            p = window_probability(c, curve, window)
            row[f"p_{f}"] = p
            row[f"log_{f}"] = math.log(p)
        if leave_one_out:
            if progress:
                progress(c.key)
            others = [o for j, o in enumerate(cases) if j != i]
            loo = fit(others, names, start=full.params, uncertainty=False)
            loo_fits[c.key] = loo
            loo_forecasts = {
                "model": survival(c, loo.params),
                "constant": constant_curve(constant_hazard(others), years),
                "background": constant_curve(background_hazard(cases, loo.params), years),
            }
            for f, curve in loo_forecasts.items():
                p = window_probability(c, curve, window)
                row[f"loo_p_{f}"] = p
                row[f"loo_log_{f}"] = math.log(p)
        rows.append(row)
    return Scorecard(pd.DataFrame(rows), full, loo_fits)


def likelihood_ratio(cases: Sequence[HistoryCase], result: Fit) -> tuple[float, int, float]:
    """The likelihood-ratio test of the defaults against the fit: ``2 (l_fit - l_defaults)``, its degrees of freedom
    (the parameters fitted) and its p-value under the chi-squared distribution (small: the cases reject the
    defaults)."""
    from scipy.stats import chi2

    statistic = max(0.0, 2.0 * (result.log_likelihood - result.start_log_likelihood))
    df = len(result.params)
    return statistic, df, float(chi2.sf(statistic, df))


def report(cases: Sequence[HistoryCase], card: Scorecard, window: int = WINDOW) -> str:
    """The calibration and the scorecard as Markdown (what ``sim calibrate`` prints and docs/VALIDATION.md quotes)."""
    f = card.fit
    broke = sum(c.broke for c in cases)
    h = constant_hazard(cases)
    years = cases[0].scenario.deterrence.horizon_years
    constant_ll = sum(math.log(likelihood_terms(c, constant_curve(h, years))) for c in cases)
    bg = background_hazard(cases, f.params)
    background_ll = sum(math.log(likelihood_terms(c, constant_curve(bg, years))) for c in cases)
    stat, df, p = likelihood_ratio(cases, f)
    lines = [
        f"## Calibration: {len(cases)} cases, {broke} breakdowns, {len(cases) - broke} still holding (censored)",
        "",
        "Maximum likelihood of the observed survival times (breakdown in model year k: S(k-1) - S(k); holding k "
        "years: S(k)); Nelder-Mead, Wald 95 % intervals from the Hessian on the unbounded scale.",
        "",
        "| parameter | default | estimate | 95 % interval |",
        "|---|---|---|---|",
    ]
    start = defaults_of(cases, tuple(f.params))
    for n, v in f.params.items():
        lines.append(f"| `{n}` | {start[n]:.3g} | {v:.3g} | [{f.low[n]:.3g}, {f.high[n]:.3g}] |")
    lines += [
        "",
        "| forecast | parameters fitted | log-likelihood |",
        "|---|---|---|",
        f"| model, fitted | {len(f.params)} | {f.log_likelihood:.2f} |",
        f"| model, shipped defaults | 0 | {f.start_log_likelihood:.2f} |",
        f"| constant hazard {h:.4f}/yr | 1 | {constant_ll:.2f} |",
        f"| the model's background hazard {bg:.4f}/yr (fitted link) | - | {background_ll:.2f} |",
        "",
        f"Likelihood-ratio test of the defaults against the fit: {stat:.2f} on {df} df, p = {p:.2f} "
        + ("(the cases reject the defaults)." if p < 0.05 else "(the cases do not reject the defaults)."),
        "",
        f"## Scorecard: the probability each forecast gave what happened (breakdown within {window} years of the "
        "observed year, or holding to the last year observed)",
        "",
    ]
    df_cases = card.cases
    loo = "loo_p_model" in df_cases
    head = "| case | observed | model | defaults | constant | background |"
    rule = "|---|---|---|---|---|---|"
    if loo:
        head += " model (LOO) | constant (LOO) | background (LOO) |"
        rule += "---|---|---|"
    lines += [head, rule]
    for _, r in df_cases.iterrows():
        row = (
            f"| {r['case']} | {r['observed']} | {r['p_model']:.3f} | {r['p_defaults']:.3f} | "
            f"{r['p_constant']:.3f} | {r['p_background']:.3f} |"
        )
        if loo:
            row += f" {r['loo_p_model']:.3f} | {r['loo_p_constant']:.3f} | {r['loo_p_background']:.3f} |"
        lines.append(row)
    lines += [
        "",
        "| scoring | log score: model | defaults | constant | background | model beats both | defaults beat both |",
    ]
    lines.append("|---|---|---|---|---|---|---|")
    for _, t in card.totals().iterrows():
        lines.append(
            f"| {t['scoring']} | {t['log_score_model']:.2f} | {t['log_score_defaults']:.2f} | "
            f"{t['log_score_constant']:.2f} | {t['log_score_background']:.2f} | "
            f"{t['model_beats_both']} of {t['cases']} | {t['defaults_beat_both']} of {t['cases']} |"
        )
    return "\n".join(lines) + "\n"
