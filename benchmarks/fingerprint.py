"""Fingerprint of the model's behaviour: every outcome of seeded runs of seven scenarios, traces included.

Run by hand before and after a change that must not alter behaviour (a refactor), then compare:

    python benchmarks/fingerprint.py --out /tmp/before.jsonl        # on the old commit
    python benchmarks/fingerprint.py --out /tmp/after.jsonl         # on the new one
    python benchmarks/fingerprint.py --compare /tmp/before.jsonl /tmp/after.jsonl

Each scenario gets ``--runs`` replications (master seed 1); the first ``--traced`` are traced. Every
run is written as one JSON line of its outcome flattened to dotted keys, floats as ``repr`` (so equal
lines mean equal bits). ``--compare`` prints the number of runs compared, how many differ, and the
first differing keys; it exits 1 if any run differs.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = (
    "baseline",
    "duration_30",
    "tripwire_5k",
    "cold_war_scale",
    "budapest_like",
    "no_us_backstop",
    "donetsk_dmz",
)


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


def write(path: Path, runs: int, traced: int) -> None:
    try:  # the layered names, or the flat ones of the commits before them
        from sim.config.scenario import load_scenario
        from sim.execution.runs import run_once, run_seed
    except ImportError:
        from sim.run import run_once, run_seed
        from sim.scenario import load_scenario

    with path.open("w", encoding="utf-8") as fh:
        for name in SCENARIOS:
            scenario = load_scenario(ROOT / "scenarios" / f"{name}.yaml")
            try:
                from sim.model.compiled import compile_scenario

                scenario = compile_scenario(scenario)
            except ImportError:  # before scenarios were compiled once
                pass
            for j in range(runs):
                o = run_once(scenario, run_seed(1, j), trace=j < traced)
                fh.write(json.dumps({"scenario": name, "run": j, **record(o)}, sort_keys=True) + "\n")
    print(f"wrote {len(SCENARIOS) * runs} runs of {len(SCENARIOS)} scenarios to {path}")


_V1_YEAR = {  # model v1's year-trace keys -> the keys once guarantors became data
    "us_engaged": "guarantors.united_states.engaged",
    "cohesion": "guarantors.coalition.cohesion",
    "credibility_us": "guarantors.united_states.credibility",
    "credibility_coalition": "guarantors.coalition.credibility",
}


def _canonical(line: str) -> str:
    """A fingerprint line with model v1's year-trace keys renamed to today's (other lines unchanged)."""
    row = json.loads(line)
    out = {}
    for key, value in row.items():
        head, _, tail = key.partition(".")
        if head == "years_trace":
            k, _, field = tail.partition(".")
            field = _V1_YEAR.get(field, field)
            key = f"years_trace.{k}.{field}"
        out[key] = value
    # Only the coalition has a cohesion and only elections carry an engagement flag.
    for key in [k for k in out if k.endswith((".guarantors.coalition.engaged", ".guarantors.united_states.cohesion"))]:
        del out[key]
    return json.dumps(out, sort_keys=True)


def compare(a: Path, b: Path) -> int:
    left = [_canonical(x) for x in a.read_text(encoding="utf-8").splitlines()]
    right = [_canonical(x) for x in b.read_text(encoding="utf-8").splitlines()]
    differ = 0
    shown = 0
    for la, lb in zip(left, right, strict=False):
        if la == lb:
            continue
        differ += 1
        if shown < 5:
            ra, rb = json.loads(la), json.loads(lb)
            keys = sorted(k for k in set(ra) | set(rb) if ra.get(k) != rb.get(k))
            print(
                f"{ra['scenario']} run {ra['run']}: "
                + ", ".join(f"{k}: {ra.get(k)!r} -> {rb.get(k)!r}" for k in keys[:6])
            )
            shown += 1
    if len(left) != len(right):
        print(f"different numbers of runs: {len(left)} and {len(right)}")
        differ += abs(len(left) - len(right))
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
