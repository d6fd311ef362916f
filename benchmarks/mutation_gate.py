"""The mutation gate: run the gate's tests against each named wrong model and show which tests catch it.

    python benchmarks/mutation_gate.py                 # the full table: every test, every mutant, 2 at a time
    python benchmarks/mutation_gate.py --jobs 1 no_waiting random_mediator
    python benchmarks/mutation_gate.py no_waiting --tests tests/model tests/test_bargain.py   # part of the selection
    python benchmarks/mutation_gate.py --markdown      # the table for docs/VALIDATION.md

Each mutant of ``tests/mutants.py`` is injected into a fresh ``python -m pytest -p tests.mutants`` process
(``SIM_MUTANT=<name>``) that runs the gate's test selection (:data:`GATED`) at its fixed seeds, so every mutant
sees the same common random numbers as the correct model. A control run with nothing injected runs alongside:
a failure counts as a catch only in a test that the correct model passes (a test that fails anyway says nothing
about the mutant), and the script says when the control fails. It prints, per wrong model, the tests that
caught it, and which mutants only the statistical tests (:data:`STATISTICAL`) catch; ``tests/test_mutation_gate.py``
runs the same with ``-x`` and asserts that every mutant is caught (or, for one marked as a known escape, that none
catches it).
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
from collections.abc import Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:  # so that `python benchmarks/mutation_gate.py` finds `tests`
    sys.path.insert(0, str(ROOT))

from tests.mutants import CONTROL, INJECTION, MUTANT_ENV, MUTANTS, REPORT_ENV, Mutant  # noqa: E402

#: The statistical tests: each test's docstring names the wrong models it catches ("Wrong model caught:").
STATISTICAL: tuple[str, ...] = ("tests/test_validation.py", "tests/test_patterns.py")
#: The gate's test selection, cheapest first: the model's unit tests, the mechanism tests of model v2 (issue 11)
#: and the statistical tests. A wrong model must fail at least one of them.
GATED: tuple[str, ...] = ("tests/model", "tests/test_bargain.py", "tests/test_peace.py", *STATISTICAL)

#: Outcomes of a test under the correct model that let a failure under a mutant count as a catch.
PASSING = ("passed", "xfailed")


@dataclass
class Result:
    """What one pytest process with a mutant injected reported.

    Attributes:
        mutant: The mutant's name (``none`` for the control).
        results: Outcome per test node id: passed, failed (an assertion), raised (another exception), error (an
            exception inside a patch: a broken injection), xfailed, xpassed-strict, skipped.
        errors: The message of every exception other than an assertion failure, per test, and of a broken session
            (``<session>``) or collection (``<collection ...>``).
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

    @property
    def broken(self) -> dict[str, str]:
        """A broken run: the session or a collection failed, or a patch raised (tests/mutants.py's own code)."""
        return {t: e for t, e in self.errors.items() if session_key(t) or e.startswith(INJECTION)}

    def caught_against(self, control: Result) -> list[str]:
        """The tests that caught it and that the correct model passes (the catches that count)."""
        return [t for t in self.caught if control.results.get(t) in PASSING]

    def raised_against(self, control: Result) -> dict[str, str]:
        """Tests that the correct model passes and that raised an exception other than an assertion failure under
        the mutant: reported, not counted as catches (the mutant may have made the model behave differently, or
        the patch may not fit the model's interface; read the message)."""
        return {
            t: e
            for t, e in self.errors.items()
            if self.results.get(t) == "raised" and control.results.get(t) in PASSING
        }

    def noise(self, control: Result) -> list[str]:
        """The tests that failed under the mutant but not because of it: the correct model fails them too (or the
        control did not run them)."""
        return [t for t in [*self.caught, *self.errors] if control.results.get(t) not in PASSING and not session_key(t)]


def session_key(key: str) -> bool:
    """Whether an error key is the session's or a collection's (``<session>``, ``<collection ...>``), not a test's."""
    return key.startswith("<")


@functools.cache
def collect(files: tuple[str, ...] = GATED) -> tuple[str, ...]:
    """The test node ids of ``files``, in pytest's order (one ``--collect-only`` process)."""
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"collecting {' '.join(files)} failed (exit {proc.returncode}):\n{proc.stdout[-3000:]}")
    return tuple(line.strip() for line in proc.stdout.splitlines() if "::" in line)


def order(mutant: Mutant, tests: Sequence[str]) -> list[str]:
    """The tests with the mutant's likely catchers first (cheapest first), then the rest in their order."""
    first = [t for t in mutant.likely if t in tests]
    return first + [t for t in tests if t not in first]


def run(mutant: Mutant, tests: Sequence[str], *, exitfirst: bool = False, timeout: float = 3600) -> Result:
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
            return Result(
                mutant.name, errors={"<session>": f"no report (exit {proc.returncode})"}, seconds=seconds, output=output
            )
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
    """A test's name without its directory (``tests/model/test_war.py::test_x`` -> ``test_war.py::test_x``)."""
    return nodeid.rsplit("/", 1)[-1]


def statistical_only(caught: Iterable[str]) -> bool:
    """Whether every test in ``caught`` (at least one) is one of the statistical tests."""
    files = [t.split("::", 1)[0] for t in caught]
    return bool(files) and all(f in STATISTICAL for f in files)


def cell(mutant: Mutant, res: Result, control: Result) -> str:
    """What the table says of one mutant's run."""
    caught = res.caught_against(control)
    if res.broken:
        return "**broken run**: " + "; ".join(f"{short(k)}: {v}" for k, v in res.broken.items())
    if not res.injected:
        return "**not injected** (the mutant changed nothing)"
    if caught:
        text = f"{len(caught)}: " + ", ".join(f"`{short(t)}`" for t in caught)
    elif mutant.escapes:
        text = f"none (known escape: {mutant.escapes})"
    else:
        text = "**none: escapes**"
    raised = res.raised_against(control)
    if raised:
        text += f"; raised (not counted) in {len(raised)}: " + ", ".join(
            f"`{short(t)}` ({e.split(': ')[1]})" for t, e in raised.items()
        )
    noise = res.noise(control)
    if noise:
        text += f" (and {len(noise)} that the correct model fails too)"
    return text


def table(results: Sequence[Result], mutants: Sequence[Mutant], control: Result) -> str:
    """The Markdown table: wrong model, what is wrong, the tests that caught it (that the correct model passes)."""
    lines = ["| wrong model | what is wrong | tests that caught it |", "| --- | --- | --- |"]
    for mutant, res in zip(mutants, results, strict=True):
        lines.append(f"| `{mutant.name}` | {mutant.description} | {cell(mutant, res, control)} |")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("mutants", nargs="*", help="mutant names (default: all of tests/mutants.py)")
    parser.add_argument("--jobs", type=int, default=2, help="pytest processes at once (default 2)")
    parser.add_argument("-x", "--exitfirst", action="store_true", help="stop each mutant's run at its first failure")
    parser.add_argument("--markdown", action="store_true", help="print only the table")
    parser.add_argument("--tests", nargs="*", default=list(GATED), help="test files (default: the gate's selection)")
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
    failing = [t for t, r in control.results.items() if r not in (*PASSING, "skipped")]
    broken = {k: v for k, v in control.errors.items() if session_key(k)}
    if failing or broken:
        print(
            f"CONTROL FAILS {len(failing)} of {len(control.results)} tests (not counted as catches): "
            + ", ".join(map(short, failing))
            + "".join(f"; {k}: {v}" for k, v in broken.items()),
            file=sys.stderr,
        )
        status = 1 if broken else status
    print(table(results, mutants, control))
    if not args.markdown:
        print()
        print(f"{len(tests)} tests; control {control.seconds:.0f} s; {len(mutants)} mutants in {elapsed:.0f} s")
        for m, r in zip(mutants, results, strict=True):
            caught = r.caught_against(control)
            mixed = any(t.split("::", 1)[0] not in STATISTICAL for t in tests)
            where = " (caught only by the statistical tests)" if mixed and statistical_only(caught) else ""
            print(
                f"  {m.name}: {r.seconds:.0f} s, {r.scenarios_edited} scenarios edited, {r.patched_calls} calls{where}"
            )
    for m, r in zip(mutants, results, strict=True):
        caught = r.caught_against(control)
        if r.broken or not r.injected or (not caught and not m.escapes) or (caught and m.escapes):
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())
