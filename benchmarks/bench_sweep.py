"""Benchmark: `sim sweep` (serial, processes) against `mesa.batch_run`, on the same model and the same sweep.

    python benchmarks/bench_sweep.py                    # 2,000 runs of the baseline each, 2 processes
    python benchmarks/bench_sweep.py --runs 10000 --repeat 3   # the 10,000-run target, three rounds
    python benchmarks/bench_sweep.py --runs 100000 --only processes   # the memory target

Every contender runs the same runs of model v2 (the baseline, seeds ``run_seed(1, 0, j)``: sessions of talks,
then the peace and any war after it, to the horizon); the table's agreements column checks that they did, and a
warning is printed if they differ. Each contender runs in a fresh subprocess. With ``--repeat N`` the
contenders take turns, round after round, and the table gives each one's median; the speed-up is also given
per round, because on a shared virtual machine the speed of the same code drifts by tens of per cent within
minutes, and contenders measured side by side in one round share the drift.

Peak memory is the largest sum of the proportional set sizes (PSS: a page shared by n processes
counts 1/n in each) of that subprocess and all its descendants (workers included), sampled from
/proc/PID/smaps_rollup every ``--sample-ms`` milliseconds (200 by default). Sampling is not free:
reading smaps_rollup walks the process's page tables under its memory lock, and at one sample every
20 ms it slowed a 10,000-run sweep on 2 cores by about 40 %. Summed RSS would count pages shared
between the parent and its workers once per process; the RSS sum is printed too, for comparison.
Not part of the test suite: run it by hand and quote its table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def _tree_memory(pid: int) -> tuple[int, int]:
    """Sums of PSS and of RSS (bytes) over a process and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        children.setdefault(ppid, []).append(int(entry))
    pss = rss = 0
    stack = [pid]
    while stack:
        p = stack.pop()
        stack.extend(children.get(p, []))
        try:
            with open(f"/proc/{p}/smaps_rollup") as fh:
                for line in fh:
                    if line.startswith("Pss:"):
                        pss += int(line.split()[1]) * 1024
                    elif line.startswith("Rss:"):
                        rss += int(line.split()[1]) * 1024
        except OSError:
            continue
    return pss, rss


def measure(args: list[str], sample_s: float) -> dict:
    """Run a contender in a subprocess; return its JSON report plus the peak memory of its process tree."""
    proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    peak = peak_rss = 0
    stop = threading.Event()

    def sample() -> None:
        nonlocal peak, peak_rss
        while not stop.is_set():
            pss, rss = _tree_memory(proc.pid)
            peak, peak_rss = max(peak, pss), max(peak_rss, rss)
            stop.wait(sample_s)

    t = threading.Thread(target=sample, daemon=True)
    t.start()
    out, _ = proc.communicate()
    stop.set()
    t.join()
    if proc.returncode != 0:
        raise SystemExit(f"contender {args} failed with exit code {proc.returncode}")
    report = json.loads(out.strip().splitlines()[-1])
    report["peak_mb"] = peak / 2**20
    report["peak_rss_mb"] = peak_rss / 2**20
    return report


def _batch_model_class():  # noqa: ANN202
    """The model with a DataCollector collected each step, as batch_run requires (module level: picklable)."""
    import mesa

    from sim.model.simulation import GuaranteeModel

    class BatchModel(GuaranteeModel):
        def __init__(self, scenario, seed):  # noqa: ANN001
            super().__init__(scenario, seed)
            self.datacollector = mesa.DataCollector(
                model_reporters={
                    "agreement": lambda m: m.deal is not None,
                    "phase": lambda m: m.phase,
                    "year": lambda m: m._year,
                }
            )
            self.datacollector.collect(self)

        def step(self) -> None:
            super().step()
            self.datacollector.collect(self)

    BatchModel.__qualname__ = "BatchModel"
    return BatchModel


BatchModel = _batch_model_class()


def contender_batch_run(runs: int, workers: int) -> dict:
    """mesa.batch_run: the model with a DataCollector (collected each step, as batch_run requires)."""
    import mesa

    from sim.config.scenario import load_scenario
    from sim.execution.runs import run_seed

    scenario = load_scenario(BASELINE)
    seeds = [run_seed(1, 0, j) for j in range(runs)]
    t0 = time.perf_counter()
    rows = mesa.batch_run(
        BatchModel,
        {"scenario": [scenario], "seed": seeds},
        number_processes=workers,
        iterations=1,
        max_steps=10_000,
        display_progress=False,
    )
    elapsed = time.perf_counter() - t0
    agreements = sum(bool(row["agreement"]) for row in rows)  # one row per run: collected at its last step
    return {
        "contender": f"mesa.batch_run ({workers} processes)",
        "runs": len(rows),
        "agreements": agreements,
        "seconds": elapsed,
    }


def contender_sweep(runs: int, backend: str, workers: int) -> dict:
    """sim sweep: the baseline, one design point, `runs` replications."""
    from sim.execution.sweep.runner import run_sweep

    with tempfile.TemporaryDirectory() as tmp:
        sweep = Path(tmp) / "bench.yaml"
        sweep.write_text(
            f"name: bench\ndescription: benchmark\nbase: {BASELINE}\ndesign: grid\n"
            "factors:\n  negotiation.max_rounds: {values: [24]}\n"
            f"replications: {runs}\nseed: 1\n",  # the default chunk size, as users get it
            encoding="utf-8",
        )
        t0 = time.perf_counter()
        store = run_sweep(sweep, Path(tmp) / "out", backend=backend, workers=workers, progress=False)
        elapsed = time.perf_counter() - t0
        n = store.manifest()["runs_completed"]
        agreements = sum(bool(a) for a in store.results().column("agreement").to_pylist())
    label = f"sim sweep --backend {backend}" + (f" ({workers} processes)" if backend != "serial" else "")
    return {"contender": label, "runs": n, "agreements": agreements, "seconds": elapsed}


def _median(xs: list[float]) -> float:
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else 0.5 * (xs[n // 2 - 1] + xs[n // 2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--only", choices=["batch_run", "serial", "processes"], action="append")
    parser.add_argument("--repeat", type=int, default=1, help="rounds; the contenders take turns (default 1)")
    parser.add_argument("--sample-ms", type=float, default=200.0, help="memory sampling interval (default 200)")
    parser.add_argument("--contender", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.contender:
        if args.contender == "batch_run":
            report = contender_batch_run(args.runs, args.workers)
        else:
            report = contender_sweep(args.runs, args.contender, args.workers)
        print(json.dumps(report))
        return
    chosen = args.only or ["batch_run", "serial", "processes"]
    rounds: list[dict[str, dict]] = []
    for r in range(args.repeat):
        reports = {}
        for c in chosen:
            argv = ["--contender", c, "--runs", str(args.runs), "--workers", str(args.workers)]
            reports[c] = measure(argv, args.sample_ms / 1000.0)
            print(f"round {r + 1}: {reports[c]['contender']}: {reports[c]['seconds']:.1f} s", file=sys.stderr)
        rounds.append(reports)
    print(
        f"{args.runs} runs of {BASELINE.name}, {os.cpu_count()} cores, {args.repeat} round(s), median per contender\n"
    )
    print("| contender | runs | agreements | seconds | runs/s | peak memory, PSS (MB) | peak RSS sum (MB) |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    med = {c: _median([rd[c]["seconds"] for rd in rounds]) for c in chosen}
    for c in chosen:
        first = rounds[0][c]
        rate = first["runs"] / med[c]
        speed = ""
        if "batch_run" in chosen and c != "batch_run":
            speed = f" ({med['batch_run'] / med[c]:.1f}× batch_run)"
        peak = max(rd[c]["peak_mb"] for rd in rounds)
        peak_rss = max(rd[c]["peak_rss_mb"] for rd in rounds)
        cells = [first["contender"], first["runs"], first["agreements"], f"{med[c]:.1f}", f"{rate:.0f}{speed}"]
        cells += [f"{peak:.0f}", f"{peak_rss:.0f}"]
        print("| " + " | ".join(map(str, cells)) + " |")
    counts = {(rd[c]["runs"], rd[c]["agreements"]) for rd in rounds for c in chosen}
    if len(counts) > 1:
        print(f"\nWARNING: the contenders ran different models or seeds (runs, agreements): {sorted(counts)}")
    if "batch_run" in chosen and len(chosen) > 1:
        print("\nSpeed-up over mesa.batch_run, round by round (seconds of batch_run / seconds of the contender):")
        for c in chosen:
            if c != "batch_run":
                ratios = ", ".join(f"{rd['batch_run']['seconds'] / rd[c]['seconds']:.2f}×" for rd in rounds)
                print(f"- {rounds[0][c]['contender']}: {ratios}")


if __name__ == "__main__":
    main()
