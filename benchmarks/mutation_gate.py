"""The mutation gate: run the statistical tests against each named wrong model and show which tests catch it.

    python benchmarks/mutation_gate.py                 # the full table: every test, every mutant, 2 at a time
    python benchmarks/mutation_gate.py --jobs 1 no_waiting random_mediator
    python benchmarks/mutation_gate.py --markdown      # the table for docs/VALIDATION.md

Each mutant of ``tests/mutants.py`` is injected into a fresh ``python -m pytest -p tests.mutants`` process
(``SIM_MUTANT=<name>``) that runs the statistical tests (:data:`STATISTICAL`) at their fixed seeds, so every
mutant sees the same common random numbers as the correct model. A control run with nothing injected comes
first: the table means something only if the correct model passes every test. The script prints, per wrong
model, the tests that failed (caught it); ``tests/test_mutation_gate.py`` runs the same with ``-x`` and
asserts that every mutant is caught (or, for one marked as a known escape, that none catches it).
"""

from __future__ import annotations

import argparse
import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so that `python benchmarks/mutation_gate.py` finds `tests`
    sys.path.insert(0, str(ROOT))

from tests.mutants import CONTROL, MUTANT_ENV, MUTANTS, REPORT_ENV, Mutant  # noqa: E402

#: The statistical tests the wrong models must fail, cheapest file first (its settings are cached per process).
STATISTICAL: tuple[str, ...] = ("tests/test_validation.py", "tests/test_patterns.py")


@dataclass
class Result:
    """What one pytest process with a mutant injected reported.

    Attributes:
        mutant: The mutant's name (``none`` for the control).
        results: Outcome per test node id (passed, failed, error, xfailed, xpassed-strict, skipped).
        errors: Exceptions other than assertion failures, per test (a broken injection or test).
        scenarios_edited: Scenarios the mutant's configuration edit changed.
        patched_calls: Calls of patched functions where the mutant made a difference.
        seconds: Wall time of the process.
        output: The process's output (for diagnosis).
    """

    mutant: str
    results: dict[str, str] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    scenarios_edited: int = 0
    patched_calls: int = 0
    seconds: float = 0.0
    output: str = ""

    @property
    def caught(self) -> list[str]:
        """The tests that failed by an assertion (a strict xfail that passed counts: the model changed)."""
        return [t for t, r in self.results.items() if r in ("failed", "xpassed-strict")]

    @property
    def injected(self) -> bool:
        """Whether the mutant changed anything at all in this process."""
        return self.scenarios_edited > 0 or self.patched_calls > 0


@functools.cache
def collect(files: tuple[str, ...] = STATISTICAL) -> tuple[str, ...]:
    """The test node ids of ``files``, in pytest's order (one ``--collect-only`` process)."""
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return tuple(line.strip() for line in out.splitlines() if "::" in line)


def order(mutant: Mutant, tests: Sequence[str]) -> list[str]:
    """The tests with the mutant's likely catchers first (cheapest first), then the rest in their order."""
    first = [t for t in mutant.likely if t in tests]
    return first + [t for t in tests if t not in first]


def run(mutant: Mutant, tests: Sequence[str], *, exitfirst: bool = False, timeout: float = 1200) -> Result:
    """Run ``tests`` in a fresh pytest process with ``mutant`` injected and read the plugin's report."""
    with tempfile.TemporaryDirectory(prefix="mutant-") as tmp:
        report = Path(tmp) / "report.json"
        env = {**os.environ, MUTANT_ENV: mutant.name, REPORT_ENV: str(report)}
        cmd = [sys.executable, "-m", "pytest", "-q", "-p", "tests.mutants", "-p", "no:cacheprovider"]
        cmd += ["-x"] if exitfirst else []
        start = time.perf_counter()
        proc = subprocess.run(
            [*cmd, *tests], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
        seconds = time.perf_counter() - start
        output = proc.stdout + proc.stderr
        if not report.is_file():
            return Result(mutant.name, errors={"<session>": f"no report (exit {proc.returncode})"}, output=output)
        data = json.loads(report.read_text(encoding="utf-8"))
    return Result(
        mutant=mutant.name,
        results=data["results"],
        errors=data["errors"],
        scenarios_edited=data["scenarios_edited"],
        patched_calls=data["patched_calls"],
        seconds=seconds,
        output=output,
    )


def short(nodeid: str) -> str:
    """A test's name without its file (``test_patterns.py::test_x`` -> ``test_x``)."""
    return nodeid.rsplit("::", 1)[-1]


def table(results: Sequence[Result], mutants: Sequence[Mutant]) -> str:
    """The Markdown table: wrong model, what is wrong, the tests that caught it."""
    lines = ["| wrong model | what is wrong | tests that caught it |", "| --- | --- | --- |"]
    for mutant, res in zip(mutants, results, strict=True):
        caught = res.caught
        if res.errors:
            cell = "**broken run**: " + "; ".join(f"{short(k)}: {v}" for k, v in res.errors.items())
        elif not res.injected:
            cell = "**not injected** (the mutant changed nothing)"
        elif caught:
            cell = f"{len(caught)}: " + ", ".join(f"`{short(t)}`" for t in caught)
        elif mutant.escapes:
            cell = f"none (known escape: {mutant.escapes})"
        else:
            cell = "**none: escapes**"
        lines.append(f"| `{mutant.name}` | {mutant.description} | {cell} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mutants", nargs="*", help="mutant names (default: all of tests/mutants.py)")
    parser.add_argument("--jobs", type=int, default=2, help="pytest processes at once (default 2)")
    parser.add_argument("-x", "--exitfirst", action="store_true", help="stop each mutant's run at its first failure")
    parser.add_argument("--markdown", action="store_true", help="print only the table")
    parser.add_argument("--tests", nargs="*", default=list(STATISTICAL), help="test files (default: statistical)")
    args = parser.parse_args(argv)
    by_name = {m.name: m for m in MUTANTS}
    unknown = [n for n in args.mutants if n not in by_name]
    if unknown:
        parser.error(f"unknown mutants: {', '.join(unknown)}; known: {', '.join(by_name)}")
    mutants = [by_name[n] for n in args.mutants] if args.mutants else list(MUTANTS)
    tests = collect(tuple(args.tests))
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        control_job = pool.submit(run, CONTROL, tests)
        jobs = [pool.submit(run, m, order(m, tests), exitfirst=args.exitfirst) for m in mutants]
        control = control_job.result()
        results = [j.result() for j in jobs]
    elapsed = time.perf_counter() - start
    status = 0
    if control.caught or control.errors:
        print(f"CONTROL FAILED: the correct model fails {control.caught or control.errors}", file=sys.stderr)
        status = 1
    print(table(results, mutants))
    if not args.markdown:
        print()
        print(f"{len(tests)} tests; control {control.seconds:.0f} s; {len(mutants)} mutants in {elapsed:.0f} s")
        for m, r in zip(mutants, results, strict=True):
            print(f"  {m.name}: {r.seconds:.0f} s, {r.scenarios_edited} scenarios edited, {r.patched_calls} calls")
    for m, r in zip(mutants, results, strict=True):
        if r.errors or not r.injected or (not r.caught and not m.escapes) or (r.caught and m.escapes):
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
