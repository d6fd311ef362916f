"""Nothing the user types becomes an internal error (issue 14): mutations of the shipped scenario and sweep
files (wrong types, typos, boundary values, deep nesting, odd encodings, ``extends:`` tricks, YAML tags,
odd ``--set``/``--seed`` values) are answered with exit 0, or exit 2 and a message naming the file; never
exit 1, never a traceback. ``benchmarks/fuzz_inputs.py`` runs the same mutations on 10,000 files."""

from __future__ import annotations

import os
import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.fuzzing import attempt, clean, make_case, problems, workspace

CASES = int(os.environ.get("SIM_FUZZ_CASES", "300"))


@pytest.fixture(scope="module")
def space(tmp_path_factory):
    """A private copy of scenarios/ (sweeps shrunk to one replication), with a small run limit so that a
    mutated sweep that validates runs in a moment."""
    before = os.environ.get("SIM_MAX_RUNS")
    os.environ["SIM_MAX_RUNS"] = "200"
    yield workspace(tmp_path_factory.mktemp("fuzz"))
    if before is None:
        os.environ.pop("SIM_MAX_RUNS", None)
    else:
        os.environ["SIM_MAX_RUNS"] = before


@settings(
    max_examples=CASES,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(seed=st.integers(0, 2**32 - 1), index=st.integers(0, 99_999))
def test_a_mutated_input_is_done_or_a_clear_input_error(space, seed, index):
    # Hypothesis draws the seed of the mutation (drawing every choice through it would be several times slower).
    case = make_case(space, random.Random(seed), index)
    try:
        answer = attempt(case)
    finally:
        clean(case)
    assert problems(case, answer) == [], f"{case.mutation}: sim {' '.join(case.argv)}\n{answer.stderr[-3000:]}"
