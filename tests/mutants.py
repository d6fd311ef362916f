"""Named wrong models ("mutants") for the mutation gate, and the pytest plugin that injects one.

The tests are meant to fail when the model is wrong where it matters. Each :class:`Mutant` here is one
deliberately wrong model of model v2: a name, what is wrong, and how it is injected. ``benchmarks/mutation_gate.py``
runs the gate's test selection (:data:`benchmarks.mutation_gate.GATED`: the model's unit tests, the mechanism tests
of tests/test_bargain.py and the statistical tests) once per mutant, in a subprocess, with this module loaded as a
plugin::

    SIM_MUTANT=no_waiting python -m pytest -q -p tests.mutants tests/model tests/test_bargain.py

and ``tests/test_mutation_gate.py`` asserts that every mutant makes at least one of them fail that the correct
model passes.

Two ways of injecting, both reaching every path by which the tests build and run a scenario:

- **by configuration** (``data``): an edit of every scenario's data just before it is validated against the
  :class:`~sim.config.scenario.Scenario` schema. :func:`sim.config.yamlio.validate` is replaced wherever it is
  bound, so the edit reaches ``load_scenario`` (scenario files and their ``extends:`` chains, with or without
  overrides), ``scenario_from_mapping`` and ``deep_merge_into_defaults`` (tests/helpers.py,
  benchmarks/validation_table.py), ``with_overrides`` and sweep points. It is applied after the files and
  overrides, so a scenario file or a test that sets the parameter itself cannot undo the mutant: the wrong model
  is structural, not a different default.
- **by a patch of a model function** (``patches``): the function is replaced in its module and wherever
  another module bound it by name (``from ... import``), so calls from the model, from
  :func:`sim.analysis.incentive_path` and from the tests all see the wrong model. Where the model computes the
  same thing in two places (the run's yearly calculus and the talks' anticipation of it), the patch changes both
  alike, so that a test comparing the two cannot take an inconsistent injection for a catch.

Either way the plugin counts how often the mutant actually changed something (scenarios edited, patched calls
that differ from the correct model's) and writes it to the report; a mutant that was never applied is reported
as not injected, so that an injection bug cannot pass for a caught or an escaped mutant.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect
import json
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

MUTANT_ENV = "SIM_MUTANT"
"""Environment variable naming the mutant to inject (unset or empty: none)."""
REPORT_ENV = "SIM_MUTANT_REPORT"
"""Environment variable naming the JSON file the plugin writes its report to."""

Data = dict[str, Any]


@dataclass(frozen=True)
class Mutant:
    """One deliberately wrong model.

    Attributes:
        name: Short identifier (``SIM_MUTANT``, the statistical tests' "Wrong model caught:" lines).
        description: What is wrong, in one line.
        injection: How it is injected, in one line.
        data: Edit of a scenario's data before validation (returns whether it changed anything), or None.
        patches: Installs the function patches (given :class:`Injector`), or None.
        likely: Tests that caught it in the full table (``benchmarks/mutation_gate.py``), cheapest first:
            the gated test runs them first, so that ``-x`` stops early. Only an ordering hint.
        escapes: Why it is known to escape every test of the selection (the gate then expects no failure), or
            None.
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
    """Every actor's section at ``path`` (``guarantor``, ``guarantor.force``; none: the actor), where present."""
    for actor in (data.get("actors") or {}).values():
        node = actor
        for key in path:
            node = node.get(key) if isinstance(node, dict) else None
        if isinstance(node, dict):
            yield node


def _edit(**sections: dict[str, Any]) -> Callable[[Data], bool]:
    """An edit that sets top-level sections' keys, e.g. ``_edit(deterrence={"foresight": 0.0})``."""

    def edit(data: Data) -> bool:
        changed = False
        for name, values in sections.items():
            section = data.setdefault(name, {})
            for key, value in values.items():
                changed |= _set(section, key, value)
        return changed

    return edit


def _troops_deter_nothing(data: Data) -> bool:
    changed = False
    for force in _sections(data, "guarantor", "force"):
        changed |= _set(force, "weight", 0.0)
        changed |= _set(force, "presence_credibility", 0.0)
    return changed


def _members_fixed(data: Data) -> bool:
    """No member's government ever turns over (its willingness fixed for the run)."""
    return any([_set(m, "turnover", 0.0) for m in _sections(data, "members") if m.get("turnover")])


def _incidents_harmless(data: Data) -> bool:
    """A strike at the force costs no cohesion."""
    engagements = _sections(data, "guarantor", "engagement")
    return any([_set(e, "incident_shock", 0.0) for e in engagements if e.get("incident_shock")])


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


def _no_war_during_talks(data: Data) -> bool:
    """The battlefield and Western support never move (no shocks, no drift) and a year of war costs no party
    anything (every party's ``war_cost``: the cost of the war during the talks and of one after a breakdown, as
    the one war-payoff function has it)."""
    changed = _edit(war={"volatility": 0.0, "drift": 0.0, "support_volatility": 0.0})(data)
    for actor in _sections(data):
        if "war_cost" in actor and actor["war_cost"] is not None:
            changed |= _set(actor, "war_cost", 0.0)
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


def _random_mediator(inj: Injector) -> None:
    def make(propose: Callable) -> Callable:
        def random_feasible(table: Any, belief: Any, no_deal: Any, challenger: int, expected: Any = None) -> Any:
            right = propose(table, belief, no_deal, challenger, expected)
            values = table.values
            if values.shape[1] == 0:
                return right
            # A draw of its own, seeded by the round's values of no deal: the model's stream is untouched (common
            # random numbers with the correct model) and the pick does not depend on the order the tests run in.
            key = zlib.crc32(np.ascontiguousarray(no_deal, dtype=float).tobytes()) ^ values.shape[1]
            j = int(np.random.default_rng(key).integers(0, values.shape[1]))
            inj.hits += right[0] != j
            # The proposal as the model returns it: (position, each type's acceptance, each party's surplus).
            accepts = values[challenger, j, :] >= no_deal[challenger]
            surplus = values[:, j, :] @ belief - no_deal @ belief
            return right._replace(position=j, would_accept=accepts, surplus=surplus)

        return random_feasible

    inj.replace("sim.model.negotiation", "propose", make)


def _guarantee_never_expires(inj: Injector) -> None:
    """Every year of the horizon is a year the guarantee is in force, in the run's yearly calculus (the
    :class:`~sim.model.deterrence.Outlook`) and in the talks' anticipation of it alike: the force never leaves
    and credibility never falls to its residual."""

    def make(regime_path: Callable) -> Callable:
        def always_in_force(expiry: Any, years: int, drawdown_years: int) -> np.ndarray:
            regime = regime_path(expiry, years, drawdown_years)
            inj.hits += bool(regime.any())
            return np.zeros_like(regime)

        return always_in_force

    inj.replace("sim.model.deterrence", "regime_path", make)


def _guarantors_never_renew(inj: Injector) -> None:
    """The guarantee always lapses at the end of its first term, whatever the renewal rule would decide (model
    v2's imposed cliff), in the run and in the talks' anticipation alike."""

    def make(projected_expiry: Callable) -> Callable:
        def first_term(averted: Any, cost: Any, term: Any, start: Any, renewal: bool) -> np.ndarray:
            end = projected_expiry(averted, cost, term, start, renewal)
            inj.hits += bool(np.any(np.asarray(end) != np.asarray(start)))
            return np.asarray(start).copy()

        return first_term

    inj.replace("sim.model.deterrence", "projected_expiry", make)


def _elections_unforeseen(inj: Injector) -> None:
    """No one foresees the US elections: Russia weighs waiting with the guarantors as they are now (it waits only
    for expiry and the power shift), and the talks price the guarantors as signed throughout (model v2's timing).
    The elections still happen in the run."""

    def make(election_calendar: Callable) -> Callable:
        def unforeseen(rules: Any) -> None:
            inj.hits += election_calendar(rules) is not None
            return None

        return unforeseen

    inj.replace("sim.model.deterrence", "election_calendar", make)


def _no_learning_from_rejection(inj: Injector) -> None:
    def make(learn: Callable) -> Callable:
        def unchanged(belief: np.ndarray, accepts: np.ndarray) -> np.ndarray:
            inj.hits += not np.array_equal(learn(belief, accepts), belief)
            return belief

        return unchanged

    inj.replace("sim.model.negotiation", "learn_from_rejection", make)


def _terms_irrelevant(inj: Injector) -> None:
    """Russia's value of the deal in its calculus, ``U_RU`` in ``V = W - U_RU - psi``, is one constant whatever
    the terms: its utility of the draft package (tests/helpers.py ``FIXED_PACKAGE``) under the scenario's
    preferences, so that the draft itself is unchanged and only comparisons across terms can tell. Patched in
    both homes of the calculus: :func:`sim.model.deterrence.outlook_of` (the run's yearly choice,
    :func:`sim.analysis.incentive_path`) and :func:`sim.model.anticipation.anticipate` (the talks' pricing of the
    peace; there only the hazard sees the constant, the parties still value the peace they hold at their utility
    of its terms). The constant is looked up by Russia's war stakes, registered as each scenario is compiled;
    for stakes made by hand (unit tests) it is the midpoint of Russia's utilities of victory and defeat."""
    from sim.dealspace import Deal
    from sim.model.anticipation import Anticipation
    from tests.helpers import FIXED_PACKAGE

    draft = Deal.from_mapping(FIXED_PACKAGE)
    constants: dict[Any, float] = {}

    def constant(stakes: Any) -> float:
        found = constants.get(stakes)
        return 0.5 * (stakes.challenger_wins + stakes.defender_wins) if found is None else found

    def make_compile(compile_scenario: Callable) -> Callable:
        def registering(scenario: Any) -> Any:
            c = compile_scenario(scenario)
            constants[c.stakes[c.challenger]] = float(c.utilities(draft)[c.challenger])
            return c

        return registering

    def make_outlook(outlook_of: Callable) -> Callable:
        signature = inspect.signature(outlook_of)

        def constant_peace(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            value = constant(bound.arguments["stakes"])
            inj.hits += bound.arguments["peace_value"] != value
            bound.arguments["peace_value"] = value
            return outlook_of(*bound.args, **bound.kwargs)

        return constant_peace

    def make_anticipate(anticipate: Callable) -> Callable:
        signature = inspect.signature(anticipate)

        def constant_hazard(*args: Any, **kwargs: Any) -> Any:
            bound = signature.bind(*args, **kwargs)
            a = bound.arguments
            if not a["negotiation"].anticipation:
                return anticipate(*args, **kwargs)
            c, utilities = a["challenger"], np.asarray(a["utilities"], dtype=float)
            value = constant(a["stakes"][c])
            inj.hits += bool(np.any(utilities[c] != value))
            a["utilities"] = utilities.copy()
            a["utilities"][c] = value
            bound.arguments["keep_survival"] = True
            out = anticipate(*bound.args, **bound.kwargs)
            # Russia's value of the years at peace at its utility of the terms: values = held U + war part.
            weights = a["negotiation"].discount ** np.arange(a["p"].horizon_years)
            held = out.survival @ (weights / weights.sum())  # packages x types
            values = out.values.copy()
            values[c] += held * (utilities[c] - value)[:, None]
            return Anticipation(values, out.survival)

        return constant_hazard

    inj.replace("sim.model.compiled", "compile_scenario", make_compile)
    inj.replace("sim.model.deterrence", "outlook_of", make_outlook)
    inj.replace("sim.model.anticipation", "anticipate", make_anticipate)


def _no_learning_from_probes(inj: Injector) -> None:
    """Russia learns nothing from how the guarantors answer its probes: its belief about their resolve stays at the
    prior, so its trust stays at 1 (model v2 before probes, with the resolve still drawn and still acting)."""

    def make(update_trust: Callable) -> Callable:
        def unchanged(weights: Any, resolve: Any, stated: float, answered: bool) -> Any:
            inj.hits += len(resolve) > 1
            return weights

        return unchanged

    inj.replace("sim.model.deterrence", "update_trust", make)


def _honouring_inconsequential(inj: Injector) -> None:
    """Honouring changes nothing in the war after a breakdown: the guarantors that honour add no weight to it."""

    def make(fighting_weight: Callable) -> Callable:
        def nothing(outlook: Any, regime: int, honoured: Any) -> float:
            inj.hits += fighting_weight(outlook, regime, honoured) != 0.0
            return 0.0

        return nothing

    inj.replace("sim.model.deterrence", "fighting_weight", make)


# --- the catalogue -------------------------------------------------------------------------------------

MUTANTS: tuple[Mutant, ...] = (
    Mutant(
        "no_waiting",
        "Russia never waits for a better moment (the guarantee's expiry, a power shift): it is myopic",
        "config: deterrence.foresight = 0",
        data=_edit(deterrence={"foresight": 0.0}),
        likely=(
            "tests/test_bargain.py::test_an_anticipated_ukrainian_rearmament_raises_russias_hazard_before_the_shift",
            "tests/model/test_deterrence.py::test_before_expiry_a_foresighted_russia_holds_back_to_attack_once_the_guarantee_lapses",
        ),
    ),
    # Outside the statistical tests only unit tests that read the compiled credibility table back catch it
    # (tests/model/test_deterrence.py, test_compiled.py): no test in tests/model/ or tests/test_bargain.py compares
    # guarantee strengths. Its one mechanism-level catch is test_validation.py's Budapest case.
    Mutant(
        "flat_credibility",
        "guarantee strength does not matter: every strength has the Article-5-like credibility",
        "config: every level of actors.*.guarantor.credibility = its article5_like value",
        data=_flat_credibility,
        likely=(
            "tests/model/test_deterrence.py::test_a_guarantors_section_compiles_to_values_per_level_in_level_order",
        ),
    ),
    Mutant(
        "troops_deter_nothing",
        "foreign troops deter nothing: no military weight and no presence credibility",
        "config: actors.*.guarantor.force.weight = 0 and .presence_credibility = 0",
        data=_troops_deter_nothing,
        likely=(
            "tests/model/test_deterrence.py::test_a_stronger_guarantee_lowers_russias_hazard_in_the_years_it_is_in_force",
            "tests/test_bargain.py::test_holding_the_terms_ukraine_values_a_package_less_as_its_breakdown_risk_rises",
        ),
    ),
    Mutant(
        "expiry_irrelevant",
        "expiry is irrelevant: the guarantee is in force for ever (the force stays, credibility keeps its value)",
        "patch: sim.model.deterrence.regime_path is 0 (in force) every year (the run's calculus and the anticipation)",
        patches=_guarantee_never_expires,
        likely=(
            "tests/model/test_deterrence.py::test_before_expiry_a_foresighted_russia_holds_back_to_attack_once_the_guarantee_lapses",
            "tests/test_bargain.py::test_an_anticipated_ukrainian_rearmament_raises_russias_hazard_before_the_shift",
        ),
    ),
    Mutant(
        "no_renewal",
        "the guarantors never renew: every guarantee lapses at the end of its first term",
        "patch: sim.model.deterrence.projected_expiry returns the first term's end",
        patches=_guarantors_never_renew,
        likely=(
            "tests/test_peace.py::test_guarantors_leave_a_consolidated_peace_without_a_spike_and_renew_a_live_one",
            "tests/test_peace.py::test_a_renewed_guarantee_holds_like_a_longer_one_and_without_renewal_the_cliff_returns",
        ),
    ),
    Mutant(
        "elections_unforeseen",
        "Russia does not foresee US elections (it waits only for expiry), and the talks do not price them",
        "patch: sim.model.deterrence.election_calendar returns None (no guarantor's elections are foreseen)",
        patches=_elections_unforeseen,
        likely=(
            "tests/test_peace.py::test_a_foresighted_russia_holds_back_before_us_elections_in_deals_that_rest_on_a_us_role",
            "tests/test_peace.py::test_the_lull_before_us_elections_shows_in_the_runs_and_removing_foresight_removes_it",
        ),
    ),
    Mutant(
        "terms_irrelevant",
        "the terms do not matter to Russia's incentive: its value of the deal is a constant",
        "patch: U_RU in outlook_of and in anticipate's hazard = Russia's utility of the draft package",
        patches=_terms_irrelevant,
        likely=(
            "tests/model/test_deterrence.py::test_a_more_dissatisfied_russia_has_a_stronger_incentive_to_resume_the_war",
            "tests/model/test_deterrence.py::test_the_yearly_calculus_is_the_war_value_at_the_balance_less_the_deal_and_consolidation_through_the_hazard",
        ),
    ),
    Mutant(
        "no_war_during_talks",
        "no war and no cost during the talks: the battlefield and support never move, fighting costs nothing",
        "config: war.volatility, drift, support_volatility = 0 and actors.*.war_cost = 0",
        data=_no_war_during_talks,
        likely=(
            "tests/test_bargain.py::test_holding_the_terms_ukraine_values_a_package_less_as_its_breakdown_risk_rises",
            "tests/model/test_simulation.py::test_a_rounds_no_deal_values_are_the_war_at_this_months_balance_russias_at_its_edge_the_others_by_belief",
        ),
    ),
    # Outside the statistical tests the unit tests of propose itself catch it, and a run in which no type of Russia
    # accepts anything (the max-min mediator then tables nothing); no test of tests/test_bargain.py compares the
    # deals struck. Its mechanism-level catches are in test_patterns.py (the mediator test, the years-of-peace map).
    Mutant(
        "random_mediator",
        "the mediator tables a random feasible package instead of the max-min one",
        "patch: sim.model.negotiation.propose picks a uniform feasible package (a draw of its own)",
        patches=_random_mediator,
        likely=(
            "tests/model/test_negotiation.py::test_the_mediators_proposal_equals_a_brute_force_search",
            "tests/model/test_simulation.py::test_talks_go_in_sessions_of_max_rounds_months_with_pauses_of_war_between_them",
        ),
    ),
    Mutant(
        "no_anticipation",
        "the talks ignore the peace: a package is valued as if it held for ever (model v1)",
        "config: negotiation.anticipation = false",
        data=_edit(negotiation={"anticipation": False}),
        likely=(
            "tests/test_bargain.py::test_an_anticipated_russian_reconstitution_lowers_ukraines_value_of_a_weak_package",
            "tests/model/test_anticipation.py::test_a_package_whose_breakdown_risk_is_higher_is_worth_less_to_ukraine_holding_terms",
        ),
    ),
    Mutant(
        "no_power_shift",
        "power does not shift after a deal: Russia does not reconstitute and Ukraine does not rearm",
        "config: power.russia_reconstitution = 0 and power.ukraine_rearmament = 0",
        data=_edit(power={"russia_reconstitution": 0.0, "ukraine_rearmament": 0.0}),
        likely=(
            "tests/test_bargain.py::test_an_anticipated_ukrainian_rearmament_raises_russias_hazard_before_the_shift",
            "tests/test_bargain.py::test_an_anticipated_russian_reconstitution_lowers_ukraines_value_of_a_weak_package",
        ),
    ),
    Mutant(
        "no_private_information",
        "no private information: Russia's edge is known to all (a single type)",
        "config: war.private_edge_sd = 0",
        data=_edit(war={"private_edge_sd": 0.0}),
        likely=(
            "tests/test_bargain.py::test_private_information_delays_deals",
            "tests/model/test_war.py::test_the_types_of_the_edge_are_equal_probability_quantile_midpoints_of_a_normal",
        ),
    ),
    Mutant(
        "no_consolidation",
        "peace never consolidates: breaking it costs Russia no more in year 20 than in year 1",
        "config: deterrence.consolidation = 0",
        data=_edit(deterrence={"consolidation": 0.0}),
        likely=(
            "tests/test_bargain.py::test_holding_the_terms_ukraine_values_a_package_less_as_its_breakdown_risk_rises",
            "tests/model/test_deterrence.py::test_consolidation_is_zero_in_the_first_year_and_grows_to_its_long_run_cost",
        ),
    ),
    Mutant(
        "integration_inert",
        "Ukraine's step into the EU changes nothing after the deal: EU membership is only a term Russia dislikes",
        "config: deterrence.integration = 0, deterrence.westward_setback = 0",
        data=_edit(deterrence={"integration": 0.0, "westward_setback": 0.0}),
        likely=(
            "tests/test_peace.py::test_the_step_into_the_eu_is_a_trigger_in_its_year_and_a_deterrent_once_integration_has_consolidated",
            "tests/model/test_deterrence.py::test_consolidation_is_a_state_that_steps_at_the_eu_accession_set_back_then_towards_a_higher_level",
        ),
    ),
    Mutant(
        "no_westward_step",
        "the step into the EU only deters: it never sets the peace back in its year (no 2013)",
        "config: deterrence.westward_setback = 0",
        data=_edit(deterrence={"westward_setback": 0.0}),
        likely=(
            "tests/test_peace.py::test_the_step_into_the_eu_is_a_trigger_in_its_year_and_a_deterrent_once_integration_has_consolidated",
            "tests/test_peace.py::test_russia_foreseeing_the_step_into_the_eu_waits_for_it_and_a_myopic_russia_does_not",
        ),
    ),
    Mutant(
        "splits_forgotten",
        "a guarantor's lapse (a split, a disengagement) leaves the consolidation of peace as it was",
        "config: deterrence.split_setback = 0",
        data=_edit(deterrence={"split_setback": 0.0}),
        likely=(
            "tests/test_peace.py::test_a_guarantor_that_lapses_sets_the_consolidation_back_in_that_year_and_the_peace_rebuilds_it",
        ),
    ),
    # No statistical test catches it: the unit tests of the belief update (tests/model/test_war.py) and the row
    # 'Learning from the fighting' of MODEL.md's mechanism table (tests/test_bargain.py) do.
    Mutant(
        "no_learning_from_fighting",
        "the fighting reveals nothing of Russia's edge: the others never learn from the battlefield",
        "config: war.revelation = 0",
        data=_edit(war={"revelation": 0.0}),
        likely=("tests/model/test_war.py::test_the_belief_moves_toward_the_true_type_on_average_within_a_year",),
    ),
    # Outside the statistical tests only the unit tests of learn_from_rejection itself catch it (the belief still
    # moves with the fighting, so no run-level test of tests/model/ notices); its one run-level catch is
    # test_patterns.py's years-of-peace map.
    Mutant(
        "no_learning_from_rejection",
        "the others learn nothing from Russia's rejections: their belief stays where it was",
        "patch: sim.model.negotiation.learn_from_rejection returns the belief unchanged",
        patches=_no_learning_from_rejection,
        likely=(
            "tests/model/test_negotiation.py::test_a_rejection_rules_out_the_types_that_would_have_accepted_and_renormalises",
        ),
    ),
    Mutant(
        "no_learning_from_probes",
        "Russia learns nothing from its probes: its trust in the guarantors' resolve stays where it was at signing",
        "patch: sim.model.deterrence.update_trust returns the belief unchanged",
        patches=_no_learning_from_probes,
        likely=(
            "tests/model/test_deterrence.py::test_an_unanswered_probe_lowers_russias_trust_and_an_answered_one_does_not[0.3]",
            "tests/test_peace.py::test_unanswered_probes_lower_russias_trust_and_raise_its_hazard_and_answered_ones_do_not",
        ),
    ),
    Mutant(
        "honouring_inconsequential",
        "honouring has no consequence: the guarantors that honour add no weight to the war after a breakdown",
        "patch: sim.model.deterrence.fighting_weight returns 0",
        patches=_honouring_inconsequential,
        likely=(
            "tests/model/test_simulation.py::test_the_war_after_a_breakdown_is_fought_with_the_full_weight_of_the_guarantors_that_honour_and_no_other",
            "tests/test_peace.py::test_an_attack_the_guarantors_meet_is_repelled_one_they_leave_alone_gains_ground_and_new_talks_end_most_wars",
            "tests/test_peace.py::test_with_talks_resuming_an_attack_the_guarantors_meet_ends_sooner_in_a_new_deal",
        ),
    ),
    Mutant(
        "no_new_talks",
        "no new talks after a breakdown: the war that follows runs to the horizon (model v2's first version)",
        "config: negotiation.resume_after_breakdown = false",
        data=_edit(negotiation={"resume_after_breakdown": False}),
        likely=(
            "tests/model/test_simulation.py::test_a_new_deal_after_a_breakdown_starts_a_new_peace_and_the_run_books_each_and_what_came_of_the_war",
            "tests/test_peace.py::test_an_attack_the_guarantors_meet_is_repelled_one_they_leave_alone_gains_ground_and_new_talks_end_most_wars",
        ),
    ),
    Mutant(
        "members_fixed",
        "the coalition members' willingness is fixed for the run: their governments never turn over",
        "config: actors.coalition.members.turnover = 0",
        data=_members_fixed,
        likely=(
            "tests/model/test_actors.py::test_a_members_elections_come_every_term_staggered_and_change_its_government_with_the_turnover_chance",
            "tests/test_peace.py::test_member_turnover_splits_a_coalition_that_fields_a_force_and_barely_touches_one_that_does_not",
        ),
    ),
    Mutant(
        "incidents_harmless",
        "a strike at the European force costs the coalition nothing: its cohesion answers only to noise",
        "config: actors.coalition.guarantor.engagement.incident_shock = 0",
        data=_incidents_harmless,
        likely=(
            "tests/model/test_actors.py::test_a_strike_at_the_force_costs_cohesion_in_proportion_to_the_force_still_deployed",
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
    results: dict[str, str] = field(default_factory=dict)  # nodeid -> passed, failed, raised, error, xfailed, ...
    messages: dict[str, str] = field(default_factory=dict)


_session: _Session | None = None


def install(name: str) -> _Session:
    """Inject the named mutant into this process (idempotent per process: call once)."""
    mutant = CONTROL if name == CONTROL.name else BY_NAME[name]
    inj = Injector()
    # Import what the tests use, so that every module that binds a patched name is loaded.
    for module in (
        "sim.config.yamlio",
        "sim.config.scenario",
        "sim.config.sweep",
        "sim.model.war",
        "sim.model.deterrence",
        "sim.model.anticipation",
        "sim.model.negotiation",
        "sim.model.compiled",
        "sim.model.simulation",
        "sim.execution.runs",
        "sim.analysis.tables",
        "sim.execution.sweep.runner",
        "tests.helpers",
    ):
        importlib.import_module(module)
    if mutant.data is not None:
        edit = mutant.data

        def make(validate: Callable) -> Callable:
            from sim.config.scenario import Scenario

            def mutated(resolved: Any, model: type) -> Any:
                if model is Scenario:
                    data = copy.deepcopy(resolved.data)
                    if edit(data):
                        inj.scenarios += 1
                    resolved = dataclasses.replace(resolved, data=data)
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


INJECTION = "injection: "
"""Prefix of the message of an exception raised inside this module (a patch): a broken injection."""


def pytest_runtest_makereport(item: Any, call: Any) -> None:
    """Tell an assertion failure (the mutant caught; ``pytest.fail`` and ``pytest.raises``' "DID NOT RAISE"
    included) from any other exception: one raised inside a patch of this module is a broken injection, any other
    one (a test that raises because the model now behaves differently, or because the patch does not fit the
    model's interface) is reported as raised, not counted as a catch."""
    import pytest

    expected = (AssertionError, pytest.fail.Exception, pytest.skip.Exception, pytest.xfail.Exception)
    if _session is not None and call.excinfo is not None and not call.excinfo.errisinstance(expected):
        here = os.path.abspath(__file__)
        inside = any(os.path.abspath(str(entry.path)) == here for entry in call.excinfo.traceback)
        text = f"{call.when}: {call.excinfo.typename}: {call.excinfo.value}"
        _session.messages[item.nodeid] = (INJECTION if inside else "") + text


def pytest_collectreport(report: Any) -> None:
    """A module that fails to import or collect is a broken run, not a catch (nor an escape)."""
    if _session is not None and report.failed:
        _session.messages[f"<collection {report.nodeid}>"] = str(report.longrepr)[-1000:]


def pytest_runtest_logreport(report: Any) -> None:
    if _session is None:
        return
    nodeid = report.nodeid
    if report.failed:
        if nodeid in _session.messages:
            _session.results[nodeid] = "error" if _session.messages[nodeid].startswith(INJECTION) else "raised"
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
    if int(exitstatus) not in (0, 1):  # interrupted, internal or usage error, no tests collected
        _session.messages.setdefault("<session>", f"pytest exit status {int(exitstatus)}")
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
