"""Benchmark: time per run of a scenario (talks + the years after them, model v2). Run by hand, not in the tests.

    python benchmarks/bench_run.py                      # the baseline, 2,000 runs
    python benchmarks/bench_run.py scenarios/tripwire_5k.yaml --runs 5000

Prints the median, mean and 95th percentile of the wall time of one run (what
:func:`sim.execution.runs.run_once` does: the model's construction, its run to the horizon and the outcome
record), split into the construction (candidate pool, feasibility and the parties' anticipation of every feasible
package) and the rest (the talks month by month, the peace and any war year by year, the outcome); the median CPU
time of one run; the throughput of a single process; and the median against the budget (``--budget-ms``, 5 ms on
the 2-core machine of the issue). Wall times depend on what else the machine runs: the load average (1 minute)
is printed before and after, and the CPU time is less sensitive to it. Quote figures with the load.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import mesa
import numpy as np

from sim.config.scenario import load_scenario
from sim.execution.runs import run_once, run_seed
from sim.model.compiled import compile_scenario
from sim.model.simulation import GuaranteeModel
from sim.outcomes import outcome_of

ROOT = Path(__file__).resolve().parents[1]
BUDGET_MS = 5.0
"""The budget: median wall time of one baseline run on the 2-core machine of the issue."""


def _load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} (5 min {five:.2f}, 15 min {fifteen:.2f}) on {os.cpu_count()} cores"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--budget-ms", type=float, default=BUDGET_MS, help=f"median budget (default {BUDGET_MS})")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    compiled = compile_scenario(scenario)  # once, as iter_runs, run directories and sweeps do
    for j in range(20):  # warm-up
        run_once(compiled, run_seed(args.seed, 10**9 + j))
    # The timed runs do what run_once does, in two timed parts; check once that they give its outcome.
    probe = GuaranteeModel(compiled, run_seed(args.seed, 0)).run()
    assert outcome_of(probe) == run_once(compiled, run_seed(args.seed, 0))  # noqa: S101 - a benchmark's self-check
    probe.release()
    load_before = _load()
    build, rest, cpu = [], [], []
    agreements = 0
    start = time.perf_counter()
    for j in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        model = GuaranteeModel(compiled, run_seed(args.seed, j))
        t1 = time.perf_counter()
        o = outcome_of(model.run())
        model.release()
        t2 = time.perf_counter()
        cpu.append(time.process_time() - c0)
        build.append(t1 - t0)
        rest.append(t2 - t1)
        agreements += o.agreement
    total = time.perf_counter() - start
    ms = (np.array(build) + np.array(rest)) * 1e3
    median = statistics.median(ms)
    print(f"scenario      {scenario.name} ({args.runs} runs, seed {args.seed}, {agreements} agreements)")
    print(
        f"machine       {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"Mesa {mesa.__version__}, numpy {np.__version__}"
    )
    print(f"load average  before {load_before}; after {_load()}")
    print(f"per run       median {median:.2f} ms, mean {ms.mean():.2f} ms, p95 {np.percentile(ms, 95):.2f} ms")
    print(
        f"  of which    construction (pool, feasibility, anticipation) median {statistics.median(build) * 1e3:.2f} ms;"
        f" talks, peace and outcome median {statistics.median(rest) * 1e3:.2f} ms"
    )
    print(f"CPU per run   median {statistics.median(cpu) * 1e3:.2f} ms (less sensitive to other load on the machine)")
    print(f"throughput    {args.runs / total:.0f} runs/s in one process")
    verdict = "within" if median <= args.budget_ms else "OVER"
    print(f"budget        median {median:.2f} ms against {args.budget_ms:g} ms: {verdict}")


if __name__ == "__main__":
    main()
