"""Kill sweeps with SIGKILL at random moments, damage what they left, resume them, and compare (issue 14).

Each trial starts ``sim sweep`` on a small sweep (serial or processes backend, in turn), kills it with
``kill -9`` after a random delay, then, in turn, leaves the folder as it is, truncates a part, swaps two
parts, or copies in the same part of another sweep, and runs ``sim sweep --resume``. A resumed sweep must
be bit-identical to an uninterrupted one (every run once, none lost), and say ``complete``.

    python benchmarks/kill_resume.py --trials 40

prints one line: trials, resumed identical, wrong, parts set aside, and the time; a wrong trial is described
on stderr (the resumed sweep's status and the columns that differ). The reference sweeps and the trials must run
the same code: if sim/ changes while the script runs, it says so and exits 1.
"""

from __future__ import annotations

import argparse
import hashlib
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


def code_digest() -> str:
    """A digest of the model's source (sim/**/*.py and the packaged data): the reference sweep and the resumed ones
    are comparable only if nobody changed the code in between."""
    h = hashlib.sha256()
    for path in sorted((ROOT / "sim").rglob("*")):
        if path.is_file() and path.suffix in (".py", ".yaml"):
            h.update(str(path.relative_to(ROOT)).encode())
            h.update(path.read_bytes())
    return h.hexdigest()[:12]


def difference(store, reference) -> str:  # noqa: ANN001 - a SweepStore and a pyarrow Table
    """Why a resumed sweep is not the uninterrupted one: its status, its rows, the columns that differ."""
    status = json.loads(store.manifest_path.read_text()).get("status")
    results = store.results()
    if results.num_rows != reference.num_rows:
        return f"status {status}, {results.num_rows} rows against {reference.num_rows}"
    names = results.column_names
    columns = [n for n in reference.column_names if n not in names or not results[n].equals(reference[n])]
    return f"status {status}, columns that differ: {', '.join(columns) or 'none (the schema or order differs)'}"


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
    digest = code_digest()
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
            why = difference(SweepStore(out), reference) if done.returncode == 0 else "the resumed sweep failed"
            print(
                f"trial {trial} ({backend}, {damage}): exit {done.returncode}, {why}\n{done.stderr[-2000:]}",
                file=sys.stderr,
            )
        shutil.rmtree(out, ignore_errors=True)
    print(
        f"trials {args.trials} (killed midway, with some parts on disk: {midway})"
        f" | resumed identical to the uninterrupted sweep {identical} | wrong {wrong}"
        f" | parts set aside {set_aside} | {time.monotonic() - started:.0f} s"
    )
    shutil.rmtree(work, ignore_errors=True)
    if code_digest() != digest:
        print("the model's code changed while the trials ran: the comparison is void, run it again", file=sys.stderr)
        return 1
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
