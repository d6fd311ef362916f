"""The robustness of the README's headline claims over the plausible ranges of every uncertain parameter at once.

Reads two finished Sobol sweeps with the same design and common seeds (``scenarios/sweeps/sensitivity.yaml``, the
baseline, and ``sensitivity_no_troops.yaml``, its troop-free twin), and prints, for each headline claim that a design
point can test:

* the share of the design points at which the claim holds (the ranges of the sweep file, sampled together);
* the claim's quantity at the defaults' reading and over the design (median and 10-90 % of the points);
* the assumptions it rests on: the three factors with the largest total Sobol index of that quantity (for a claim
  that compares the two sweeps, of the point-by-point difference), beside the dummy factor's index, the noise
  floor below which an index says nothing.

The claims that compare packages the design does not vary (a Cold-War-scale force, no US backstop, the Istanbul
formula, the guarantee's duration, the US elections) are checked one assumption at a time by
``benchmarks/headline_table.py`` (sixteen variations) and are listed as such.

Usage::

    sim sweep scenarios/sweeps/sensitivity.yaml --out results/sens
    sim sweep scenarios/sweeps/sensitivity_no_troops.yaml --out results/sens_no_troops
    python benchmarks/claim_robustness.py results/sens results/sens_no_troops
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.analysis.sensitivity import point_means, sobol_indices  # noqa: E402
from sim.config.sweep import sweep_spec_from_text  # noqa: E402
from sim.execution.sweep.design import make_design, sobol_problem  # noqa: E402
from sim.execution.sweep.store import SweepStore  # noqa: E402


@dataclass(frozen=True)
class Claim:
    """A headline claim a design point can test: its quantity (per point, from the two sweeps' point means) and the
    test it must pass."""

    text: str
    quantity: str
    value: Callable[[dict[str, np.ndarray], dict[str, np.ndarray]], np.ndarray]
    holds: Callable[[np.ndarray], np.ndarray]
    rule: str


CLAIMS = (
    Claim(
        "Both sides sign readily",
        "P(deal, first session)",
        lambda b, n: b["p_agreement"],
        lambda x: x > 0.5,
        "> 0.5",
    ),
    Claim(
        "Most deals are truces",
        "P(deal, then war, within 15 y)",
        lambda b, n: b["p_deal_then_war_15"],
        lambda x: x > 0.5,
        "> 0.5",
    ),
    Claim(
        "Most deals are truces (weaker form)",
        "P(deal, then war, within 15 y) - P(durable peace)",
        lambda b, n: b["p_deal_then_war_15"] - b["p_durable_15"],
        lambda x: x > 0,
        "> 0: more deals end in war within 15 years than last them",
    ),
    Claim(
        "Troops buy less peace",
        "years of peace of the first 15: 15-20k troops - none",
        lambda b, n: b["peace_years_15"] - n["peace_years_15"],
        lambda x: x < 0,
        "< 0",
    ),
    Claim(
        "... but a better peace for Kyiv",
        "welfare of Ukraine: 15-20k troops - none",
        lambda b, n: b["welfare.ukraine"] - n["welfare.ukraine"],
        lambda x: x > 0,
        "> 0",
    ),
)

ONE_AT_A_TIME = (
    "Too strong to be signed (a Cold-War-scale force)",
    "No US backstop, no deal; Kyiv refuses the Istanbul formula",
    "Fifteen years or decades matters little, because the guarantors renew",
    "Russia waits for US elections, a little",
)


def load(folder: Path) -> tuple[SweepStore, dict[str, np.ndarray], dict]:
    store = SweepStore(folder)
    spec = sweep_spec_from_text((folder / "sweep.yaml").read_text(encoding="utf-8"))
    if spec.design != "sobol":
        raise SystemExit(f"{folder}: not a sobol sweep")
    design = make_design(spec)
    means = point_means(store.results(), len(design))
    return store, means, {"spec": spec, "design": design}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("baseline", type=Path, help="the finished sweep of scenarios/sweeps/sensitivity.yaml")
    p.add_argument("no_troops", type=Path, help="the finished sweep of scenarios/sweeps/sensitivity_no_troops.yaml")
    args = p.parse_args(argv)
    _, base, meta = load(args.baseline)
    _, twin, twin_meta = load(args.no_troops)
    spec, design = meta["spec"], meta["design"]
    if twin_meta["design"].points != design.points or twin_meta["spec"].seeding != "common" != spec.seeding:
        raise SystemExit("the two sweeps must share the design and common seeds")
    problem = sobol_problem(spec)
    dummies = [k for k, f in spec.factors.items() if f.dummy]
    print(
        f"<!-- python benchmarks/claim_robustness.py: {len(design):,} design points x {spec.replications} runs per "
        f"sweep, common seeds, {len(spec.factors) - len(dummies)} parameters and {len(dummies)} dummy -->\n"
    )
    print(
        "| claim | quantity (test) | median [10 %, 90 %] over the design points | "
        "holds at | rests on (total Sobol index) | dummy's ST |"
    )
    print("|---|---|---|---|---|---|")
    for claim in CLAIMS:
        x = claim.value(base, twin)
        held = claim.holds(x)
        table = sobol_indices(problem, {"q": x}, spec.seed).to_pandas()
        real = table[~table["factor"].isin(dummies)].sort_values("ST", ascending=False)
        top = "; ".join(f"`{r.factor}` {r.ST:.2f}" for r in real.head(3).itertuples())
        floor = table[table["factor"].isin(dummies)]["ST"]
        floor_text = ", ".join(f"{v:.3f}" for v in floor) if len(floor) else "-"
        q10, q50, q90 = np.quantile(x, [0.1, 0.5, 0.9])
        print(
            f"| {claim.text} | {claim.quantity} ({claim.rule}) | {q50:.3g} [{q10:.3g}, {q90:.3g}] | "
            f"{held.mean():.0%} of points | {top} | {floor_text} |"
        )
    print()
    for text in ONE_AT_A_TIME:
        print(f"- {text}: not varied by this design; checked one assumption at a time (benchmarks/headline_table.py).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
