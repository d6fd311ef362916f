"""The mutation gate: every named wrong model of tests/mutants.py fails at least one test that the correct model
passes.

Each mutant is injected into its own ``python -m pytest -x -p tests.mutants`` process that runs the gate's test
selection (``benchmarks/mutation_gate.py``, :data:`~benchmarks.mutation_gate.GATED`: the model's unit tests in
tests/model/, the mechanism tests of tests/test_bargain.py and tests/test_peace.py, and the statistical tests of
tests/test_validation.py and tests/test_patterns.py) at their fixed seeds, the tests that caught it in the full
table first, so that ``-x`` stops after one. Two processes run at once. A control process with nothing injected
runs every mutant's likely catchers, and afterwards any other test that failed under a mutant: a failure counts as
a catch only in a test the correct model passes, since a test that fails anyway says nothing about the mutant. A
mutant marked as a known escape is run without ``-x`` and must fail nothing (strict, like ``xfail(strict=True)``):
if a test starts to catch it, the catalogue must say so. The full table (every test, every mutant) is ``python
benchmarks/mutation_gate.py``; docs/VALIDATION.md, "Wrong models must fail", shows it.

The unit tests are in the selection because in model v2 several mechanisms (a power shift, consolidation,
learning from rejections) have a unit test of their rule and a mechanism test of its effect; the table tells the
two apart, and shows which mutants only the statistical tests catch.
"""

from __future__ import annotations

import ast
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.mutation_gate import PASSING, STATISTICAL, Result, collect, order, run, session_key
from tests.mutants import BY_NAME, CONTROL, MUTANTS, Mutant

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gate() -> tuple[dict[str, Result], Result]:
    """Every mutant's run, two processes at a time, and the control's run of the tests that matter."""
    tests = collect()
    likely = list(dict.fromkeys(t for m in MUTANTS for t in m.likely))

    def one(mutant: Mutant) -> Result:
        return run(mutant, order(mutant, tests), exitfirst=mutant.escapes is None)

    with ThreadPoolExecutor(max_workers=2) as pool:
        control_job = pool.submit(run, CONTROL, likely) if likely else None
        results = dict(zip((m.name for m in MUTANTS), pool.map(one, MUTANTS), strict=True))
        control = control_job.result() if control_job is not None else Result(CONTROL.name)
    failed = [t for r in results.values() for t in (*r.caught, *r.errors) if not session_key(t)]
    rest = [t for t in dict.fromkeys(failed) if t not in control.results]
    if rest:
        more = run(CONTROL, rest)
        control.results.update(more.results)
        control.errors.update(more.errors)
    return results, control


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_a_wrong_model_fails_a_test_that_the_correct_model_passes(gate, mutant):
    results, control = gate
    res = results[mutant.name]
    assert not res.broken, f"{mutant.name}: the run broke, not a catch: {res.broken}\n{res.output[-3000:]}"
    assert res.injected, f"{mutant.name} changed nothing: the injection does not reach the tests"
    caught, raised = res.caught_against(control), res.raised_against(control)
    if mutant.escapes:
        assert not caught, f"{mutant.name}, a known escape, is now caught by {caught}: update the catalogue"
        assert not raised, f"{mutant.name}, a known escape, makes tests raise: {raised}"
    else:
        noise = res.noise(control)
        assert caught, (
            f"{mutant.name} ({mutant.description}) fails no test that the correct model passes by an assertion"
            + (
                f"; tests raised instead (a patch that does not fit the model, or a catch to assert): {raised}"
                if raised
                else ""
            )
            + (f"; it stopped at {noise}, which the correct model fails too" if noise else "")
            + f"\n{res.output[-2000:]}"
        )


def test_the_correct_model_passes_every_likely_catcher(gate):
    """The ordering hints must name tests that the correct model passes: the gate runs them first with ``-x``, so
    one that fails anyway would stop a mutant's run before any test could catch it."""
    _, control = gate
    broken = {k: v for k, v in control.errors.items() if session_key(k)}
    assert not broken, f"the control run broke: {broken}\n{control.output[-3000:]}"
    failing = {t: control.results.get(t) for m in MUTANTS for t in m.likely if control.results.get(t) not in PASSING}
    assert not failing, f"likely catchers that the correct model fails: {failing}"


def test_the_catalogue_names_its_likely_catchers_by_existing_test_ids():
    """The ordering hints must name collected tests, or the gate silently runs in the slow order."""
    tests = set(collect())
    for mutant in MUTANTS:
        assert set(mutant.likely) <= tests, (mutant.name, set(mutant.likely) - tests)
    assert len(BY_NAME) == len(MUTANTS), "mutant names must be unique"


CAUGHT = re.compile(r"Wrong model caught: (.+?)(?:\.\s|\.?$)", re.MULTILINE)
NONE_KNOWN = "none known (calibration target)"
NONE_CAUGHT = "none known (no mutant fails it at its seed)"
"""For a test no wrong model of the catalogue fails (a discrepancy none resolves, a pattern none breaks)."""


@pytest.mark.parametrize("path", STATISTICAL)
def test_every_statistical_test_says_which_wrong_models_it_catches(path):
    """Each test's docstring has a line ``Wrong model caught: <names>`` with catalogue names, ``none known
    (calibration target)``, or ``none known (no mutant fails it at its seed)``, so that a reader sees what the test
    guards."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            doc = " ".join((ast.get_docstring(node) or "").split())
            found = CAUGHT.search(doc)
            assert found, f"{path}::{node.name} has no 'Wrong model caught:' line"
            text = found.group(1).strip()
            if text not in (NONE_KNOWN, NONE_CAUGHT):
                names = [n.strip() for n in text.split(",")]
                assert names and all(n in BY_NAME for n in names), (node.name, names)
