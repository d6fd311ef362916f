"""Fingerprint of the model's behaviour (model v2): every outcome of seeded runs of eight scenarios, traces included.

Run by hand before and after a change that must not alter behaviour (a refactor), then compare:

    python benchmarks/fingerprint.py --out /tmp/before.jsonl        # on the old commit
    python benchmarks/fingerprint.py --out /tmp/after.jsonl         # on the new one
    python benchmarks/fingerprint.py --compare /tmp/before.jsonl /tmp/after.jsonl

Each scenario gets ``--runs`` replications (master seed 1); the first ``--traced`` are traced. The file's first
line is a header (the fingerprint's version, scenarios and sizes); every run is then one JSON line of its
:class:`~sim.outcomes.RunOutcome` flattened to dotted keys, floats as ``repr`` (so equal lines mean equal bits):
the outcome's fields (``end``, ``sessions``, ``first_session``, ``deal_month``, ``edge``, ``peace_years_15``,
``war_years_30``, ``territory_15``, ``welfare.<party>``, ...), the round trace
(``rounds_trace.<i>.<field>``, the fields of :class:`~sim.model.records.RoundRecord`: :data:`ROUND_FIELDS`) and
the year trace (``years_trace.<i>.<field>``, :class:`~sim.model.records.YearRecord`: :data:`YEAR_FIELDS`, with
``guarantors.<key>.engaged``, ``.cohesion``, ``.credibility``, ``.trust``, ``.answered`` and ``.level``). Writing
checks that the records still have exactly these fields, so that a fingerprint cannot silently cover less than it
says. ``--compare`` prints the number of runs compared, how many differ, the first differing keys of the first five,
and for every differing key (trace indices folded to ``*``) the number of runs in which it differs; it exits 1 if
any run differs, or if the two files are not fingerprints of the same version, scenarios and sizes.
"""

from __future__ import annotations

import argparse
import collections
import dataclasses
import json
import re
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
VERSION = 6
"""The fingerprint's format: 2 for model v2's outcome record and traces (no header line: model v1)."""
SCENARIOS = (
    "baseline",
    "duration_30",
    "tripwire_5k",
    "cold_war_scale",
    "cold_war_scale_imposed",
    "budapest_like",
    "no_us_backstop",
    "donetsk_dmz",
    "talks_after_breakdown",
)
"""Negotiated talks (agreement and the no-deal path), an imposed package, a scenario with nothing feasible, and
talks that resume after a breakdown (new deals)."""
ROUND_FIELDS = (
    "round",
    "session",
    "month",
    "offer",
    "utility",
    "value",
    "no_deal",
    "accepted",
    "chance",
    "balance",
    "support",
    "expected_edge",
    "deal",
)
"""The fields of a round of talks that the fingerprint covers (those of RoundRecord)."""
YEAR_FIELDS = (
    "year",
    "active",
    "renewed",
    "force_share",
    "guarantors",
    "guarantee",
    "balance",
    "consolidation",
    "incentive",
    "gain",
    "hazard",
    "attacked",
    "probed",
    "deal",
)
"""The fields of a year of peace that the fingerprint covers (those of YearRecord)."""
GUARANTOR_FIELDS = ("engaged", "cohesion", "credibility", "trust", "answered", "level")
"""The fields of one guarantor in a year of peace (those of GuarantorYear)."""


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = {f.name: getattr(value, f.name) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            _flatten(v, f"{prefix}.{i}", out)
    elif hasattr(value, "item") and not isinstance(value, list | tuple | dict):
        _flatten(value.item(), prefix, out)  # a numpy scalar, as the Python value it holds
    elif isinstance(value, float):
        out[prefix] = repr(float(value))
    else:
        out[prefix] = value


def record(outcome: Any) -> dict[str, Any]:
    """One run's outcome as flat ``{dotted key: value}``, floats as their ``repr``."""
    out: dict[str, Any] = {}
    _flatten(outcome, "", out)
    return out


def check_records() -> None:
    """Fail if the model's trace records no longer have the fields this fingerprint says it covers."""
    from sim.model.records import GuarantorYear, RoundRecord, YearRecord

    for cls, expected in ((RoundRecord, ROUND_FIELDS), (YearRecord, YEAR_FIELDS), (GuarantorYear, GUARANTOR_FIELDS)):
        actual = tuple(f.name for f in dataclasses.fields(cls))
        if actual != expected:
            raise SystemExit(
                f"{cls.__name__} has the fields {actual}, the fingerprint covers {expected}: update "
                "benchmarks/fingerprint.py (and its VERSION if the format changes)"
            )


def header(runs: int, traced: int) -> dict[str, Any]:
    return {"fingerprint": VERSION, "scenarios": list(SCENARIOS), "runs": runs, "traced": traced}


def write(path: Path, runs: int, traced: int) -> None:
    from sim.config.scenario import load_scenario
    from sim.execution.runs import run_once, run_seed
    from sim.model.compiled import compile_scenario

    check_records()
    rounds = years = 0
    with path.open("w", encoding="utf-8") as fh:
        fh.write(json.dumps(header(runs, traced), sort_keys=True) + "\n")
        for name in SCENARIOS:
            compiled = compile_scenario(load_scenario(ROOT / "scenarios" / f"{name}.yaml"))
            for j in range(runs):
                o = run_once(compiled, run_seed(1, j), trace=j < traced)
                rounds += len(o.rounds_trace)
                years += len(o.years_trace)
                fh.write(json.dumps({"scenario": name, "run": j, **record(o)}, sort_keys=True) + "\n")
    print(
        f"wrote {len(SCENARIOS) * runs} runs of {len(SCENARIOS)} scenarios to {path}"
        f" ({rounds} traced rounds of talks, {years} traced years of peace)"
    )


def _read(path: Path) -> tuple[dict[str, Any] | None, list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0]) if lines else {}
    if "fingerprint" in first:
        return first, lines[1:]
    return None, lines


_INDEX = re.compile(r"^(rounds_trace|years_trace)\.\d+\.")


def compare(a: Path, b: Path) -> int:
    head_a, left = _read(a)
    head_b, right = _read(b)
    if head_a is None or head_b is None or head_a != head_b:
        print(
            f"not fingerprints of the same version, scenarios and sizes: {a}: {head_a or 'no header (model v1)'}; "
            f"{b}: {head_b or 'no header (model v1)'}"
        )
        return 1
    differ = 0
    shown = 0
    by_key: collections.Counter[str] = collections.Counter()
    for la, lb in zip(left, right, strict=False):
        if la == lb:
            continue
        differ += 1
        ra, rb = json.loads(la), json.loads(lb)
        keys = sorted(k for k in set(ra) | set(rb) if ra.get(k) != rb.get(k))
        by_key.update({_INDEX.sub(r"\1.*.", k) for k in keys})
        if shown < 5:
            print(
                f"{ra['scenario']} run {ra['run']}: "
                + ", ".join(f"{k}: {ra.get(k)!r} -> {rb.get(k)!r}" for k in keys[:6])
            )
            shown += 1
    if len(left) != len(right):
        print(f"different numbers of runs: {len(left)} and {len(right)}")
        differ += abs(len(left) - len(right))
    if by_key:
        print("runs in which each key differs:")
        for key, n in by_key.most_common():
            print(f"  {key}: {n}")
    print(f"{max(len(left), len(right))} runs compared, {differ} differ")
    return 1 if differ else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="write the fingerprint here")
    parser.add_argument("--runs", type=int, default=420, help="replications per scenario (default 420)")
    parser.add_argument("--traced", type=int, default=20, help="how many of them are traced (default 20)")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.compare:
        return compare(*args.compare)
    if args.out is None:
        parser.error("give --out or --compare")
    write(args.out, args.runs, args.traced)
    return 0


if __name__ == "__main__":
    sys.exit(main())
