"""The README's headline table and the robustness of its claims, from the model as it is.

Prints (markdown) one row per scenario with the headline measures of ``sim.outcomes`` (P(agreement in the first
session), P(deal within 15 years), expected years of peace in the first 15 and 30 years counting the no-deal
path, P(deal, then war, within 15 years), P(peace holds 15 years | deal), P(durable peace), each party's expected
welfare), then each claim the README makes, re-evaluated under every variation of the assumptions that drive it:
"holds" or "fails" with the figures. Runs share seeds across settings (common random numbers).

    python benchmarks/headline_table.py --runs 1000 --seed 1            # the README's table and claims
    python benchmarks/headline_table.py --runs 200 --seed 1 --no-robust # the table alone, quickly

Not part of the test suite (minutes at 1,000 runs).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.analysis.measures import estimates  # noqa: E402
from sim.config.scenario import Scenario, load_scenario, with_overrides  # noqa: E402
from sim.execution.runs import run_scenario  # noqa: E402
from sim.outcomes import find_measure  # noqa: E402

SCENARIOS: dict[str, tuple[str, dict]] = {
    "baseline (Paris draft, 15 y)": ("baseline.yaml", {}),
    "troop-free Article 5": ("baseline.yaml", {"package.foreign_troops": 0}),
    "tripwire_5k": ("tripwire_5k.yaml", {}),
    "duration_30": ("duration_30.yaml", {}),
    "duration_50": ("duration_50.yaml", {}),
    "cold_war_scale (negotiated)": ("cold_war_scale.yaml", {}),
    "cold_war_scale_imposed": ("cold_war_scale_imposed.yaml", {}),
    "budapest_like (imposed)": ("budapest_like.yaml", {}),
    "no_us_backstop": ("no_us_backstop.yaml", {}),
    "istanbul_formula": ("istanbul_formula.yaml", {}),
    "eu_accession": ("eu_accession.yaml", {}),
}

COLUMNS = (
    "p_agreement",
    "p_deal_15",
    "peace_years_15",
    "peace_years_30",
    "p_deal_then_war_15",
    "p_holds_15",
    "p_durable_15",
    "welfare.ukraine",
    "welfare.russia",
)

#: The few assumptions that drive the claims, each at a low and a high plausible value.
VARIATIONS: dict[str, dict] = {
    "Russia's war cost 0.1": {"actors.russia.war_cost": 0.1},
    "Russia's war cost 0.3": {"actors.russia.war_cost": 0.3},
    "Ukraine's war cost 0.15": {"actors.ukraine.war_cost": 0.15},
    "no Russian reconstitution": {"power.russia_reconstitution": 0.0},
    "reconstitution 0.6": {"power.russia_reconstitution": 0.6},
    "no private information": {"war.private_edge_sd": 0.0},
    "force weight 3": {"actors.coalition.guarantor.force.weight": 3.0},
    "hazard threshold 0.3": {"deterrence.hazard_threshold": 0.3},
    "no consolidation": {"deterrence.consolidation": 0.0},
    "myopic Russia": {"deterrence.foresight": 0.0},
    "Russia's troop salience halved": {"actors.russia.preferences.foreign_troops.salience": 0.2},
    "no Russian red line on troops": {"actors.russia.red_lines.0.penalty": 0.001},
    "no renewal": {"expiry.renewal": False, "expiry.drawdown_years": 0},
    "staying costs 5 points": {"expiry.renewal_cost": 0.05},
    "no European politics": {
        "actors.coalition.members.turnover": 0.0,
        "actors.coalition.guarantor.engagement.incident_shock": 0.0,
    },
    "consolidation without events": {
        "deterrence.integration": 0.0,
        "deterrence.westward_setback": 0.0,
        "deterrence.split_setback": 0.0,
    },
}

Figures = dict[str, dict[str, float]]

#: The README's claims, each a test over the table's figures (scenario -> measure -> value).
BASE = "baseline (Paris draft, 15 y)"

CLAIMS: dict[str, Callable[[Figures], bool]] = {
    "troops cost years of peace: the Paris draft gives fewer expected years of peace in 15 than troop-free "
    "Article 5": lambda f: f[BASE]["peace_years_15"] < f["troop-free Article 5"]["peace_years_15"],
    "yet the Paris draft is better for Kyiv than troop-free Article 5 (Ukraine's welfare)": lambda f: (
        f[BASE]["welfare.ukraine"] > f["troop-free Article 5"]["welfare.ukraine"]
    ),
    "most deals break: P(deal, then war within 15 years) exceeds 0.3 for the Paris draft": lambda f: (
        f[BASE]["p_deal_then_war_15"] > 0.3
    ),
    "duration barely matters: duration_50 and the 15-year baseline differ by less than one year of peace in 30": (
        lambda f: abs(f["duration_50"]["peace_years_30"] - f[BASE]["peace_years_30"]) < 1.0
    ),
    "too strong to be signed: a Cold-War-scale force is signed in the first session less often than the draft": (
        lambda f: f["cold_war_scale (negotiated)"]["p_agreement"] < f[BASE]["p_agreement"]
    ),
    "imposed, a Cold-War-scale force holds 15 years more often than the draft's peace": lambda f: (
        f["cold_war_scale_imposed"]["p_holds_15"] > f[BASE]["p_holds_15"]
    ),
    "no US backstop, no deal: P(deal within 15 years) below 0.05": lambda f: f["no_us_backstop"]["p_deal_15"] < 0.05,
    "Kyiv refuses the Istanbul formula: P(deal within 15 years) below 0.05": lambda f: (
        f["istanbul_formula"]["p_deal_15"] < 0.05
    ),
}


def scenario(file: str, changes: dict, variation: dict) -> Scenario:
    """A scenario with changes and a variation; a variation of an actor the scenario does not have (the
    coalition in the Istanbul formula) is left out."""
    base = load_scenario(ROOT / "scenarios" / file)
    kept = {k: v for k, v in variation.items() if not k.startswith("actors.") or k.split(".")[1] in base.actors}
    return with_overrides(base, {**changes, **kept})


def figures(runs: int, seed: int, variation: dict) -> Figures:
    out: Figures = {}
    for name, (file, changes) in SCENARIOS.items():
        outcomes = run_scenario(scenario(file, changes, variation), runs, seed)
        est = estimates([find_measure(c) for c in COLUMNS], outcomes)
        out[name] = {c: est[c].value for c in COLUMNS}
        out[name]["_est"] = est  # type: ignore[assignment]
    return out


def cell(measure: str, est) -> str:
    if est.value != est.value:  # NaN
        return ""
    m = find_measure(measure)
    digits = 1 if m.unit == "years" else 2
    return f"{est.value:.{digits}f} [{est.low:.{digits}f}, {est.high:.{digits}f}]"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-robust", action="store_true", help="skip the robustness of the claims")
    ap.add_argument("--only", nargs="*", help="only these variations (by name)")
    args = ap.parse_args()
    start = time.perf_counter()
    base = figures(args.runs, args.seed, {})
    labels = [find_measure(c).short_label for c in COLUMNS]
    print(f"{args.runs} runs each, master seed {args.seed}, 95 % intervals\n")
    print("| scenario | " + " | ".join(labels) + " |")
    print("|---" * (len(COLUMNS) + 1) + "|")
    for name, row in base.items():
        est = row["_est"]
        print(f"| {name} | " + " | ".join(cell(c, est[c]) for c in COLUMNS) + " |")  # type: ignore[index]
    print("\nclaims at the defaults:")
    for claim, test in CLAIMS.items():
        print(f"- {'holds' if test(base) else 'FAILS'}: {claim}")
    if not args.no_robust:
        print("\nrobustness (each claim under each variation; runs per scenario as above):")
        chosen = {v: ch for v, ch in VARIATIONS.items() if not args.only or v in args.only}
        results = {v: figures(args.runs, args.seed, ch) for v, ch in chosen.items()}
        print("| claim | " + " | ".join(chosen) + " |")
        print("|---" * (len(chosen) + 1) + "|")
        for claim, test in CLAIMS.items():
            marks = ["holds" if test(results[v]) else "**fails**" for v in chosen]
            print(f"| {claim} | " + " | ".join(marks) + " |")
    print(f"\n({time.perf_counter() - start:.0f} s)")


if __name__ == "__main__":
    main()
