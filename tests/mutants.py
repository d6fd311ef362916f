"""Named wrong models ("mutants") for the mutation gate, and the pytest plugin that injects one.

The statistical tests (tests/test_patterns.py, tests/test_validation.py) are meant to fail when the model is
wrong where it matters. Each :class:`Mutant` here is one deliberately wrong model: a name, what is wrong, and
how it is injected. ``benchmarks/mutation_gate.py`` runs the statistical tests once per mutant, in a
subprocess, with this module loaded as a plugin::

    SIM_MUTANT=no_waiting python -m pytest -q -p tests.mutants tests/test_patterns.py tests/test_validation.py

and ``tests/test_mutation_gate.py`` asserts that every mutant makes at least one of them fail.

Two ways of injecting, both reaching every path by which the statistical tests build and run a scenario:

- **by configuration** (``data``): an edit of every scenario's data just before it is validated against the
  :class:`~sim.config.scenario.Scenario` schema. :func:`sim.config.yamlio.validate` is replaced wherever it is
  bound, so the edit reaches ``load_scenario`` (scenario files and their ``extends:`` chains, with or without
  overrides), ``scenario_from_mapping`` and ``deep_merge_into_defaults`` (tests/helpers.py,
  benchmarks/validation_table.py), ``with_overrides`` and sweep points. It is applied after the files and
  overrides, so a scenario file that sets the parameter itself cannot undo the mutant: the wrong model is
  structural, not a different default.
- **by a patch of a model function** (``patches``): the function is replaced in its module and wherever
  another module bound it by name (``from ... import``), so calls from the model, from
  :func:`sim.analysis.incentive_path` and from the tests all see the wrong model.

Either way the plugin counts how often the mutant actually changed something (scenarios edited, patched calls
that differ from the correct model's) and writes it to the report; a mutant that was never applied is reported
as not injected, so that an injection bug cannot pass for a caught or an escaped mutant.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

MUTANT_ENV = "SIM_MUTANT"
"""Environment variable naming the mutant to inject (unset or empty: none)."""
REPORT_ENV = "SIM_MUTANT_REPORT"
"""Environment variable naming the JSON file the plugin writes its report to."""

Data = dict[str, Any]


@dataclass(frozen=True)
class Mutant:
    """One deliberately wrong model.

    Attributes:
        name: Short identifier (``SIM_MUTANT``, the tests' "Wrong model caught:" lines).
        description: What is wrong, in one line.
        injection: How it is injected, in one line.
        data: Edit of a scenario's data before validation (returns whether it changed anything), or None.
        patches: Installs the function patches (given :class:`Injector`), or None.
        likely: Tests that caught it in the full table (``benchmarks/mutation_gate.py``), cheapest first:
            the gated test runs them first, so that ``-x`` stops early. Only an ordering hint.
        escapes: Why it is known to escape every statistical test (the gate then expects no failure), or None.
    """

    name: str
    description: str
    injection: str
    data: Callable[[Data], bool] | None = None
    patches: Callable[[Injector], None] | None = None
    likely: tuple[str, ...] = ()
    escapes: str | None = None


# --- helpers for data edits ----------------------------------------------------------------------------


def _set(section: Any, key: str, value: Any) -> bool:
    """Set ``section[key] = value`` if ``section`` is a mapping; whether that changed it."""
    if not isinstance(section, dict) or section.get(key) == value:
        return False
    section[key] = value
    return True


def _sections(data: Data, *path: str) -> Iterator[dict]:
    """Every actor's section at ``path`` (``guarantor``, ``guarantor.force``, ``concession``), where present."""
    for actor in (data.get("actors") or {}).values():
        node = actor
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            yield node


def _edit(**sections: dict[str, Any]) -> Callable[[Data], bool]:
    """An edit that sets top-level sections' keys, e.g. ``_edit(deterrence={"wait_weight": 0.0})``."""

    def edit(data: Data) -> bool:
        changed = False
        for name, values in sections.items():
            section = data.setdefault(name, {})
            for key, value in values.items():
                changed |= _set(section, key, value)
        return changed

    return edit


def _inert_concession(data: Data) -> bool:
    changed = _edit(war={"belief_weight": 0.0})(data)
    for concession in _sections(data, "concession"):
        changed |= _set(concession, "beta", 1.0)
    return changed


def _troops_deter_nothing(data: Data) -> bool:
    changed = False
    for force in _sections(data, "guarantor", "force"):
        changed |= _set(force, "weight", 0.0)
        changed |= _set(force, "presence_credibility", 0.0)
    return changed


def _flat_credibility(data: Data) -> bool:
    """Every level of every guarantor's credibility at its Article-5-like value (the draft's strength), so that
    the draft package itself is unchanged and only the comparisons across strengths can tell."""
    changed = False
    for guarantor in _sections(data, "guarantor"):
        table = guarantor.get("credibility")
        if isinstance(table, dict) and "article5_like" in table:
            for level in table:
                changed |= _set(table, level, table["article5_like"])
    return changed


# --- function patches ---------------------------------------------------------------------------------


class Injector:
    """Replaces model functions wherever they are bound, and counts the calls where a patch made a difference."""

    def __init__(self) -> None:
        self.hits = 0
        self.scenarios = 0

    def replace(self, module_name: str, name: str, make: Callable[[Callable], Callable]) -> None:
        """Replace ``module.name`` by ``make(original)`` in its module and in every loaded module bound to it."""
        module = importlib.import_module(module_name)
        original = getattr(module, name)
        replacement = make(original)
        for mod in list(sys.modules.values()):
            if getattr(mod, "__name__", "").split(".")[0] not in ("sim", "tests", "benchmarks"):
                continue
            for attr, value in list(vars(mod).items()):
                if value is original:
                    setattr(mod, attr, replacement)


def _myopic_hazard(inj: Injector) -> None:
    def make(hazard: Callable) -> Callable:
        def myopic(incentive_now: float, incentive_wait: float | None, p: Any) -> float:
            if incentive_wait is not None and incentive_wait > incentive_now and p.wait_weight > 0:
                inj.hits += 1
            return hazard(incentive_now, None, p)

        return myopic

    inj.replace("sim.model.deterrence", "hazard", make)


def _random_mediator(inj: Injector) -> None:
    def make(propose: Callable) -> Callable:
        def random_feasible(table: Any, aspirations: Any, rng: Any, sample_size: int, previous: int | None) -> int:
            inj.hits += 1
            idx = table.feasible_idx
            return int(idx[rng.integers(0, idx.size)])

        return random_feasible

    inj.replace("sim.model.negotiation", "propose", make)


def _guarantee_never_expires(inj: Injector) -> None:
    def make(fn: Callable) -> Callable:
        def always_active(*args: Any, **kwargs: Any) -> Any:
            # credibility(i, deal, active, ...) and weight(rule, deal, active); active may be a numpy bool
            args = list(args)
            if "active" in kwargs:
                inj.hits += not kwargs["active"]
                kwargs["active"] = True
            elif not args[2]:
                inj.hits += 1
                args[2] = True
            return fn(*args, **kwargs)

        return always_active

    inj.replace("sim.model.deterrence", "credibility", make)
    inj.replace("sim.model.deterrence", "weight", make)


# --- the catalogue -------------------------------------------------------------------------------------

MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "no_waiting",
        "Russia never waits for expiry: its hazard ignores the option of attacking once the guarantee lapses",
        "patch: sim.model.deterrence.hazard(v_now, v_wait, p) ignores v_wait (a myopic Russia)",
        likely=("tests/test_patterns.py::test_russia_holds_back_in_the_years_before_a_guarantee_expires",),
        patches=_myopic_hazard,
    ),
    Mutant(
        "inert_concession",
        "all concession inert: every party concedes linearly (beta 1) and Russia's belief has no effect",
        "config: actors.*.concession.beta = 1, war.belief_weight = 0",
        likely=("tests/test_patterns.py::test_russia_plays_for_time_while_it_believes_it_is_winning",),
        data=_inert_concession,
    ),
    Mutant(
        "random_mediator",
        "the mediator tables a random feasible package instead of the max-min one",
        "patch: sim.model.negotiation.propose picks a uniform feasible row with the model's rng",
        likely=("tests/test_patterns.py::test_a_mediator_who_searches_more_gives_the_worst_off_party_a_better_deal",),
        patches=_random_mediator,
    ),
    Mutant(
        "troops_deter_nothing",
        "foreign troops deter nothing: no military weight and no presence credibility",
        "config: actors.*.guarantor.force.weight = 0 and .presence_credibility = 0",
        likely=(
            "tests/test_validation.py::test_a_tripwire_force_buys_little",
            "tests/test_validation.py::test_an_armed_guarantor_force_cuts_the_hazard_by_about_half_or_more",
        ),
        data=_troops_deter_nothing,
    ),
    Mutant(
        "flat_credibility",
        "guarantee strength does not matter: every strength has the Article-5-like credibility",
        "config: every level of actors.*.guarantor.credibility = its article5_like value",
        likely=(
            "tests/test_validation.py::test_budapest_1994_breaks_down_within_the_models_range_and_is_not_honoured",
        ),
        data=_flat_credibility,
    ),
    Mutant(
        "expiry_irrelevant",
        "expiry is irrelevant: troops stay and credibility keeps its full value after the guarantee lapses",
        "patch: sim.model.deterrence.credibility and .weight treat the guarantee as always in force",
        likely=("tests/test_patterns.py::test_after_expiry_the_hazard_exceeds_that_of_a_guarantee_still_in_force",),
        patches=_guarantee_never_expires,
    ),
    Mutant(
        "no_motive_decay",
        "no post-ceasefire decay: Russia's motive stays at its first-year level",
        "config: deterrence.motive_floor_share = 1",
        likely=("tests/test_validation.py::test_the_hazard_is_highest_right_after_the_ceasefire",),
        data=_edit(deterrence={"motive_floor_share": 1.0}),
    ),
    Mutant(
        "terms_irrelevant",
        "the terms do not matter to Russia's motive (no dissatisfaction term)",
        "config: deterrence.motive_dissatisfaction = 0",
        likely=("tests/test_validation.py::test_a_demilitarised_zone_lowers_the_hazard_if_only_a_little",),
        data=_edit(deterrence={"motive_dissatisfaction": 0.0}),
    ),
    Mutant(
        "no_war_during_talks",
        "no war and no cost during the talks: the battlefield and support never move, waiting costs nothing",
        "config: war.volatility, drift, support_volatility, russia_cost_per_year, ukraine_cost_per_year = 0",
        likely=("tests/test_validation.py::test_a_credible_enforcer_makes_a_deal_possible",),
        data=_edit(
            war={
                "volatility": 0.0,
                "drift": 0.0,
                "support_volatility": 0.0,
                "russia_cost_per_year": 0.0,
                "ukraine_cost_per_year": 0.0,
            }
        ),
    ),
)

BY_NAME: dict[str, Mutant] = {m.name: m for m in MUTANTS}

CONTROL = Mutant("none", "the model as it is (the control run)", "nothing injected")
"""The control: the plugin loaded and reporting, nothing injected (``SIM_MUTANT=none``)."""


# --- the plugin ----------------------------------------------------------------------------------------


@dataclass
class _Session:
    mutant: Mutant
    injector: Injector
    results: dict[str, str] = field(default_factory=dict)  # nodeid -> passed, failed, error, xfailed, ...
    messages: dict[str, str] = field(default_factory=dict)


_session: _Session | None = None


def install(name: str) -> _Session:
    """Inject the named mutant into this process (idempotent per process: call once)."""
    mutant = CONTROL if name == CONTROL.name else BY_NAME[name]
    inj = Injector()
    # Import what the statistical tests use, so that every module that binds a patched name is loaded.
    for module in (
        "sim.config.yamlio",
        "sim.config.scenario",
        "sim.config.sweep",
        "sim.model.deterrence",
        "sim.model.negotiation",
        "sim.model.simulation",
        "sim.execution.runs",
        "sim.analysis.tables",
        "sim.execution.sweep.runner",
    ):
        importlib.import_module(module)
    if mutant.data is not None:
        edit = mutant.data

        def make(validate: Callable) -> Callable:
            from sim.config.scenario import Scenario
            from sim.config.yamlio import Resolved

            def mutated(resolved: Any, model: type) -> Any:
                if model is Scenario:
                    data = copy.deepcopy(resolved.data)
                    if edit(data):
                        inj.scenarios += 1
                    resolved = Resolved(data=data, origins=resolved.origins, chain=resolved.chain)
                return validate(resolved, model)

            return mutated

        inj.replace("sim.config.yamlio", "validate", make)
    if mutant.patches is not None:
        mutant.patches(inj)
    return _Session(mutant, inj)


def pytest_configure(config: Any) -> None:
    global _session
    name = os.environ.get(MUTANT_ENV, "")
    if name:
        _session = install(name)


def pytest_report_header(config: Any) -> str | None:
    return None if _session is None else f"mutant: {_session.mutant.name} ({_session.mutant.description})"


def pytest_runtest_makereport(item: Any, call: Any) -> None:
    """Tell an assertion failure (the mutant caught) from any other exception (a broken injection or test)."""
    import pytest

    expected = (AssertionError, pytest.skip.Exception, pytest.xfail.Exception)
    if _session is not None and call.excinfo is not None and not call.excinfo.errisinstance(expected):
        _session.messages[item.nodeid] = f"{call.when}: {call.excinfo.typename}: {call.excinfo.value}"


def pytest_runtest_logreport(report: Any) -> None:
    if _session is None:
        return
    nodeid = report.nodeid
    if report.failed:
        if nodeid in _session.messages:
            _session.results[nodeid] = "error"
        elif getattr(report, "wasxfail", None) is not None or "XPASS" in str(report.longrepr or ""):
            _session.results[nodeid] = "xpassed-strict"
        else:
            _session.results[nodeid] = "failed"
    elif report.when == "call" or report.skipped:
        if hasattr(report, "wasxfail"):
            _session.results.setdefault(nodeid, "xfailed" if report.skipped else "xpassed")
        elif report.skipped:
            _session.results.setdefault(nodeid, "skipped")
        else:
            _session.results.setdefault(nodeid, "passed")


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    if _session is None:
        return
    path = os.environ.get(REPORT_ENV)
    report = {
        "mutant": _session.mutant.name,
        "scenarios_edited": _session.injector.scenarios,
        "patched_calls": _session.injector.hits,
        "results": _session.results,
        "errors": _session.messages,
        "exitstatus": int(exitstatus),
    }
    if path:
        with open(path, "w", encoding="utf-8") as fh:
            json.dump(report, fh, indent=1)
