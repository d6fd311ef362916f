"""Kill sweeps with SIGKILL at random moments, damage what they left, resume them, and compare (issue 14).

Each trial starts ``sim sweep`` on a small sweep (serial or processes backend, in turn), kills it with
``kill -9`` after a random delay, then, in turn, leaves the folder as it is, truncates a part, swaps two
parts, or copies in the same part of another sweep, and runs ``sim sweep --resume``. A resumed sweep must
be bit-identical to an uninterrupted one (every run once, none lost), and say ``complete``.

    python benchmarks/kill_resume.py --trials 40

prints one line: trials, resumed identical, wrong, parts set aside, and the time.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SWEEP = """name: kill
description: killed and resumed
base: {base}
design: grid
factors:
  package.foreign_troops: {{values: [0, 10000, 20000]}}
  package.duration_years: {{values: [15, 50]}}
set:
  negotiation.max_rounds: 12
replications: {replications}
seed: {seed}
chunk_size: 7
"""


def sim(*args: str | Path, **kwargs) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "sim", *map(str, args)], env=env, capture_output=True, text=True, **kwargs
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--trials", type=int, default=40)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args(argv)
    from sim.execution.sweep.store import SweepStore

    rng = random.Random(args.seed)
    work = Path(tempfile.mkdtemp(prefix="sim-kill-"))
    base = ROOT / "scenarios" / "baseline.yaml"
    path = work / "sweep.yaml"
    path.write_text(SWEEP.format(base=base, replications=200, seed=5), encoding="utf-8")
    other = work / "other.yaml"
    other.write_text(SWEEP.format(base=base, replications=200, seed=6), encoding="utf-8")
    started = time.monotonic()
    for name, file in (("reference", path), ("foreign", other)):
        done = sim("sweep", file, "--backend", "serial", "--out", work / name, "-q")
        assert done.returncode == 0, done.stderr
    reference = SweepStore(work / "reference").results()
    foreign = sorted((work / "foreign" / "parts").glob("part-*.parquet"))
    identical = wrong = set_aside = midway = 0
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    for trial in range(args.trials):
        out = work / f"trial_{trial:03d}"
        backend = ("serial", "processes")[trial % 2]
        cmd = [
            sys.executable,
            "-m",
            "sim",
            "sweep",
            str(path),
            "--backend",
            backend,
            "--workers",
            "2",
            "--out",
            str(out),
            "-q",
        ]
        proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.5, 5.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        parts = sorted((out / "parts").glob("part-*.parquet")) if (out / "parts").is_dir() else []
        midway += 0 < len(parts) < len(foreign)
        damage = ("none", "truncate", "swap", "foreign")[trial % 4] if len(parts) >= 2 else "none"
        if damage == "truncate":
            victim = rng.choice(parts)
            victim.write_bytes(victim.read_bytes()[: rng.randrange(1, victim.stat().st_size)])
        elif damage == "swap":
            a, b = rng.sample(parts, 2)
            shutil.copyfile(a, b)
        elif damage == "foreign":
            victim = rng.choice(parts)
            shutil.copyfile(foreign[int(victim.stem.split("-")[1])], victim)
        done = subprocess.run([*cmd, "--resume"], env=env, capture_output=True, text=True)
        set_aside += done.stderr.count("set aside")
        ok = done.returncode == 0
        if ok:
            store = SweepStore(out)
            ok = (
                store.results().equals(reference)
                and json.loads(store.manifest_path.read_text())["status"] == "complete"
            )
        identical += ok
        wrong += not ok
        if not ok:
            print(
                f"trial {trial} ({backend}, {damage}): exit {done.returncode}\n{done.stderr[-2000:]}", file=sys.stderr
            )
        shutil.rmtree(out, ignore_errors=True)
    print(
        f"trials {args.trials} (killed midway, with some parts on disk: {midway})"
        f" | resumed identical to the uninterrupted sweep {identical} | wrong {wrong}"
        f" | parts set aside {set_aside} | {time.monotonic() - started:.0f} s"
    )
    shutil.rmtree(work, ignore_errors=True)
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
