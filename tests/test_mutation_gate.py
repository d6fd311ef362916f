"""The mutation gate: every named wrong model of tests/mutants.py fails at least one statistical test.

Each mutant is injected into its own ``python -m pytest -x -p tests.mutants`` process that runs the statistical
tests (tests/test_validation.py, tests/test_patterns.py) at their fixed seeds, the tests that caught it in the
full table first, so that ``-x`` stops after one or two. Two processes run at once. A mutant marked as a known
escape is run without ``-x`` and must fail nothing (strict, like ``xfail(strict=True)``): if a test starts to
catch it, the catalogue must say so. The full table (every test, every mutant) is
``python benchmarks/mutation_gate.py``; docs/VALIDATION.md, "Wrong models must fail", shows it.

The statistical tests are the subject here: the model's unit tests (tests/model/) are not run, since a wrong
parameter that only a unit test notices is exactly what the gate is meant to expose.
"""

from __future__ import annotations

import ast
import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from benchmarks.mutation_gate import STATISTICAL, Result, collect, order, run
from tests.mutants import BY_NAME, MUTANTS, Mutant

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def gate() -> dict[str, Result]:
    """Every mutant's run, two processes at a time."""
    tests = collect()

    def one(mutant: Mutant) -> Result:
        return run(mutant, order(mutant, tests), exitfirst=mutant.escapes is None)

    with ThreadPoolExecutor(max_workers=2) as pool:
        return dict(zip((m.name for m in MUTANTS), pool.map(one, MUTANTS), strict=True))


@pytest.mark.parametrize("mutant", MUTANTS, ids=lambda m: m.name)
def test_a_wrong_model_fails_a_statistical_test(gate, mutant):
    res = gate[mutant.name]
    assert not res.errors, f"{mutant.name}: the run broke, not a catch: {res.errors}\n{res.output[-3000:]}"
    assert res.injected, f"{mutant.name} changed nothing: the injection does not reach the tests"
    if mutant.escapes:
        assert not res.caught, f"{mutant.name}, a known escape, is now caught by {res.caught}: update the catalogue"
    else:
        assert res.caught, f"{mutant.name} ({mutant.description}) passes every statistical test\n{res.output[-2000:]}"


def test_the_catalogue_names_its_likely_catchers_by_existing_test_ids():
    """The ordering hints must name collected tests, or the gate silently runs in the slow order."""
    tests = set(collect())
    for mutant in MUTANTS:
        assert set(mutant.likely) <= tests, (mutant.name, set(mutant.likely) - tests)
    assert len(BY_NAME) == len(MUTANTS), "mutant names must be unique"


CAUGHT = re.compile(r"Wrong model caught: (.+?)(?:\.\s|\.?$)", re.MULTILINE)
NONE_KNOWN = "none known (calibration target)"


@pytest.mark.parametrize("path", STATISTICAL)
def test_every_statistical_test_says_which_wrong_models_it_catches(path):
    """Each test's docstring has a line ``Wrong model caught: <names>`` with catalogue names, or ``none known
    (calibration target)``, so that a reader sees what the test guards."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_"):
            doc = " ".join((ast.get_docstring(node) or "").split())
            found = CAUGHT.search(doc)
            assert found, f"{path}::{node.name} has no 'Wrong model caught:' line"
            text = found.group(1).strip()
            if text != NONE_KNOWN:
                names = [n.strip() for n in text.split(",")]
                assert names and all(n in BY_NAME for n in names), (node.name, names)
