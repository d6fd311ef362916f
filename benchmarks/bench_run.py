"""Benchmark: time per run of a scenario (negotiation + deterrence horizon). Run by hand, not in the test suite.

    python benchmarks/bench_run.py                      # the baseline, 2,000 runs
    python benchmarks/bench_run.py scenarios/tripwire_5k.yaml --runs 5000

Prints the median, mean and 95th percentile of the wall time of one run (model construction
included), the median CPU time of one run, and the throughput of a single process. Quote figures
measured on an otherwise idle machine (check `uptime`).
"""

from __future__ import annotations

import argparse
import platform
import statistics
import time
from pathlib import Path

import mesa
import numpy as np

from sim.config.scenario import load_scenario
from sim.execution.runs import run_once, run_seed
from sim.model.compiled import compile_scenario

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("scenario", nargs="?", default=str(ROOT / "scenarios" / "baseline.yaml"))
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    scenario = load_scenario(args.scenario)
    compiled = compile_scenario(scenario)  # once, as iter_runs, run directories and sweeps do
    for j in range(20):  # warm-up
        run_once(compiled, run_seed(args.seed, 10**9 + j))
    times = []
    cpu = []
    agreements = 0
    start = time.perf_counter()
    for j in range(args.runs):
        t0, c0 = time.perf_counter(), time.process_time()
        o = run_once(compiled, run_seed(args.seed, j))
        times.append(time.perf_counter() - t0)
        cpu.append(time.process_time() - c0)
        agreements += o.agreement
    total = time.perf_counter() - start
    ms = np.array(times) * 1e3
    print(f"scenario      {scenario.name} ({args.runs} runs, seed {args.seed}, {agreements} agreements)")
    print(
        f"machine       {platform.processor() or platform.machine()}, Python {platform.python_version()}, "
        f"Mesa {mesa.__version__}, numpy {np.__version__}"
    )
    p95 = np.percentile(ms, 95)
    print(f"per run       median {statistics.median(ms):.2f} ms, mean {ms.mean():.2f} ms, p95 {p95:.2f} ms")
    print(f"CPU per run   median {statistics.median(cpu) * 1e3:.2f} ms (less sensitive to other load on the machine)")
    print(f"throughput    {args.runs / total:.0f} runs/s in one process")


if __name__ == "__main__":
    main()
