"""Fuzz the input boundary by hand: mutate the shipped scenario and sweep files, try each, count the answers.

Every file is a mutation of a shipped scenario or sweep file (``tests/fuzzing.py``: wrong types, typos,
boundary values, deep nesting, odd encodings, ``extends:``/``base:`` tricks, YAML tags, sizes, odd
``--set``/``--seed``/``--runs`` values). Each is validated through ``sim`` in-process (``sim validate`` for
scenarios; for sweeps what ``sim sweep`` checks before it starts); those that validate are then run, up to
``--runs`` of them (``sim run --runs 2``, or ``sim sweep --backend serial`` of the shrunk sweep). An answer
is right when it is exit 0, or exit 2 with a message that names the file and leaks no internals.

    python benchmarks/fuzz_inputs.py --files 10000 --seed 1 --runs 1000 --review /tmp/review.txt
    python benchmarks/fuzz_inputs.py --n 50 --runs 5     # a quick check (--n is a synonym of --files)

prints one line of counts, e.g. ``files 10000 | exit 0 ..., exit 2 ..., exit 1 0 | tracebacks 0 | ...``,
and exits 1 if any answer was wrong (each is then listed on stderr). ``--review`` writes a sample of the
error messages (``--sample``, 200 by default) with the mutation that caused each, for reading.
"""

from __future__ import annotations

import argparse
import collections
import multiprocessing
import os
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so that `python benchmarks/fuzz_inputs.py` finds `sim` and `tests`
    sys.path.insert(0, str(ROOT))


def _work(job: tuple[int, int, int, int, float]) -> dict:
    """Cases ``start, start + step, ...`` below ``stop`` in a workspace of this process."""
    start, stop, step, seed, run_share = job
    os.environ["SIM_MAX_RUNS"] = "200"  # a mutated sweep that validates runs in a moment
    from tests.fuzzing import Case, attempt, clean, make_case, problems, run_argv, workspace

    space = workspace(Path(tempfile.mkdtemp(prefix="sim-fuzz-")))
    counts: collections.Counter[str] = collections.Counter()
    wrong: list[str] = []
    messages: list[tuple[int, str, str]] = []
    for index in range(start, stop, step):
        rng = random.Random(f"{seed}/{index}")
        case: Case = make_case(space, rng, index, run_share=0.0)
        text = case.file.read_bytes() if case.file.is_file() else b""
        answer = attempt(case)
        counts["files"] += 1
        counts[case.kind + "s"] += 1
        counts[f"exit {answer.code}"] += 1
        if _python_tag(text):
            counts["python tags"] += 1
            counts["python tags exit 2"] += answer.code == 2
        found = problems(case, answer)
        if answer.code == 2:
            messages.append((index, case.mutation, answer.stderr))
        if answer.code == 0 and case.argv[0] != "run" and rng.random() < run_share:
            ran = attempt(case, run_argv(case, space.parent / "out" / f"run_{index:05d}"))
            counts["runs"] += 1
            counts[f"runs {case.kind}"] += 1
            counts[f"runs exit {ran.code}"] += 1
            found += [f"when run: {p}" for p in problems(case, ran)]
        elif case.argv[0] == "run":  # a shipped file run with an odd --set, --seed or --runs
            counts["flags"] += 1
            counts[f"flags exit {answer.code}"] += 1
        counts["tracebacks"] += "traceback" in found or "when run: traceback" in found
        counts["unnamed"] += any("name the file" in p for p in found)
        counts["unclear words"] += any("unclear" in p for p in found)
        if found:
            wrong.append(
                f"{index} {case.mutation}: sim {' '.join(case.argv)}: {', '.join(found)}\n{answer.stderr[-2000:]}"
            )
        clean(case)
    shutil.rmtree(space.parent, ignore_errors=True)
    return {"counts": counts, "wrong": wrong, "messages": messages}


def _python_tag(text: bytes) -> bool:
    """Whether the YAML text holds a ``!!python/...`` tag as a tag (not inside a comment or a string)."""
    import yaml

    try:
        for token in yaml.scan(text.decode("utf-8", "replace")):
            if isinstance(token, yaml.TagToken) and "python/" in "".join(token.value):
                return True
    except yaml.YAMLError:
        pass
    return False


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--files", "--n", "-n", type=int, default=10_000, help="mutated files to try (default 10,000)")
    p.add_argument("--seed", type=int, default=1, help="seed of the mutations (default 1)")
    p.add_argument("--runs", type=int, default=1000, help="about how many files that validate to run (default 1,000)")
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1, help="processes (default: all cores)")
    p.add_argument("--review", type=Path, help="write a sample of the error messages to this file")
    p.add_argument("--sample", type=int, default=200, help="messages in the --review sample (default 200)")
    args = p.parse_args(argv)

    # About one file in nine validates: run that share of them, so that about --runs run.
    run_share = min(1.0, args.runs / max(args.files / 9.5, 1))
    jobs = [(k, args.files, args.jobs, args.seed, run_share) for k in range(args.jobs)]
    started = time.monotonic()
    with multiprocessing.get_context("spawn").Pool(args.jobs) as pool:
        results = pool.map(_work, jobs)
    counts: collections.Counter[str] = collections.Counter()
    wrong: list[str] = []
    messages: list[tuple[int, str, str]] = []
    for r in results:
        counts.update(r["counts"])
        wrong += r["wrong"]
        messages += r["messages"]
    for item in wrong:
        print(item, file=sys.stderr)
    if args.review:
        chosen = random.Random(args.seed).sample(sorted(messages), min(args.sample, len(messages)))
        with open(args.review, "w", encoding="utf-8", errors="backslashreplace") as fh:
            for index, mutation, text in sorted(chosen):
                fh.write(f"### case {index}: {mutation}\n{text.rstrip()}\n\n")
    internal = sum(v for k, v in counts.items() if k.startswith("exit ") and k not in ("exit 0", "exit 2"))
    print(
        f"files {counts['files']} (scenarios {counts['scenarios']}, sweeps {counts['sweeps']})"
        f" | exit 0 {counts['exit 0']}, exit 2 {counts['exit 2']}, other {internal}"
        f" | tracebacks {counts['tracebacks']} | unnamed file {counts['unnamed']}"
        f" | unclear words {counts['unclear words']}"
        f" | !!python tags {counts['python tags']} (exit 2: {counts['python tags exit 2']})"
        f" | odd flags {counts['flags']} (exit 0 {counts['flags exit 0']}, exit 2 {counts['flags exit 2']})"
        f" | ran {counts['runs']} that validated (sim run {counts['runs scenario']}, sim sweep {counts['runs sweep']};"
        f" exit 0 {counts['runs exit 0']}, exit 2 {counts['runs exit 2']})"
        f" | wrong {len(wrong)} | {time.monotonic() - started:.0f} s"
    )
    return 1 if wrong else 0


if __name__ == "__main__":
    sys.exit(main())
