"""Running a scenario: replications with seeds derived from a master seed, one run at a time."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from sim.config.scenario import Scenario
from sim.model.compiled import CompiledScenario, compile_scenario
from sim.model.simulation import GuaranteeModel
from sim.outcomes import RunOutcome, outcome_of


def run_seed(master: int, *key: int) -> int:
    """The seed of one run, derived from the master seed and the run's key (e.g. replicate, or point and replicate).

    Uses numpy's ``SeedSequence`` so that seeds of different keys are independent streams, and a run's
    seed depends on nothing but ``(master, key)``: not on backend, worker count or order.
    """
    state = np.random.SeedSequence(entropy=master, spawn_key=tuple(key)).generate_state(2, dtype=np.uint32)
    return (int(state[0]) << 31) | (int(state[1]) >> 1)  # 63 bits: fits a signed 64-bit column


def run_once(scenario: Scenario | CompiledScenario, seed: int, *, trace: bool = False) -> RunOutcome:
    """One replication with the given run seed (pass the compiled scenario when making many runs of it)."""
    model = GuaranteeModel(scenario, seed, trace=trace).run()
    outcome = outcome_of(model)
    model.release()
    return outcome


def iter_runs(
    scenario: Scenario, runs: int | None = None, seed: int | None = None, *, trace: bool = False
) -> Iterator[RunOutcome]:
    """Replications ``0 .. runs-1`` of a scenario, lazily (nothing is kept in memory).

    Args:
        scenario: The validated scenario.
        runs: Number of replications (default: the scenario's ``runs``).
        seed: Master seed (default: the scenario's ``seed``).
        trace: Record round and year traces in each outcome.
    """
    n = scenario.runs if runs is None else runs
    master = scenario.seed if seed is None else seed
    compiled = compile_scenario(scenario)
    for j in range(n):
        yield run_once(compiled, run_seed(master, j), trace=trace)


def run_scenario(
    scenario: Scenario, runs: int | None = None, seed: int | None = None, *, trace: bool = False
) -> list[RunOutcome]:
    """All replications of a scenario as a list (see :func:`iter_runs` for a streaming version)."""
    return list(iter_runs(scenario, runs, seed, trace=trace))
