"""A scenario compiled once for many runs: the parties' preferences, the guarantors' rules, the negotiable space.

Everything here is a pure function of the validated scenario. :func:`compile_scenario` is called once per
scenario (per design point of a sweep) by the execution layer, and every run of that scenario shares the
result; a :class:`~sim.model.simulation.GuaranteeModel` given a bare scenario compiles it itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config.scenario import Actor, Deterrence, Elections, Scenario
from sim.dealspace import ISSUES, Deal, normalise_matrix
from sim.model.anticipation import Anticipation, anticipate
from sim.model.deterrence import GuarantorRule, GuarantorState, Outlook, causes, outlook_of
from sim.model.negotiation import negotiable_space, package_values
from sim.model.preferences import Preferences, preferences_of
from sim.model.war import Stakes, edge_types, prevail, war_value


@dataclass(frozen=True)
class CompiledScenario:
    """What every run of a scenario shares.

    Attributes:
        scenario: The validated scenario.
        parties: The keys of the parties, in the scenario's order.
        party_specs: Their scenario sections.
        preferences: Their preferences.
        challenger: Index (in ``parties``) of the challenger (Russia).
        defender: Index (in ``parties``) of the defender (Ukraine).
        guarantors: The guarantors' compiled rules, in the scenario's order.
        composite: Index (in ``guarantors``) of the composite guarantor with member states, or None.
        election_slots: Per guarantor, the slot of the year's uniform draws that decides its elections (None
            without elections): the first guarantor with elections has slot 0, further ones slots after the
            attack draw and the honouring draws.
        draws_per_year: Uniform draws made at the start of each year of peace.
        causes: Every breakdown cause the run can record.
        space: The negotiable space of the package (how the candidate pool is drawn).
        fixed_package: The package as one row of numeric values, if every issue is fixed.
        victory: The war's two outcomes as package rows: the challenger's ideal terms, then the defender's.
        stakes: Each party's :class:`~sim.model.war.Stakes`, in the parties' order.
        stacked: The same stacked into one (:meth:`~sim.model.war.Stakes.stack`), for every party's value at once.
        types: The types of Russia's private edge the others' belief ranges over.
        month_weights: Cumulative discount weights of the run's months, ``w[m]`` the share of the horizon's
            discounted weight before month ``m`` (``w[0] = 0``, ``w[horizon] = 1``): welfare is the
            discounted average of the yearly flows.
    """

    scenario: Scenario
    parties: tuple[str, ...]
    party_specs: tuple[Actor, ...]
    preferences: tuple[Preferences, ...]
    challenger: int
    defender: int
    guarantors: tuple[GuarantorRule, ...]
    composite: int | None
    election_slots: tuple[int | None, ...]
    draws_per_year: int
    causes: tuple[str, ...]
    space: tuple
    fixed_package: np.ndarray | None
    victory: np.ndarray
    stakes: tuple[Stakes, ...]
    stacked: Stakes
    types: np.ndarray
    month_weights: np.ndarray

    @property
    def guarantor_keys(self) -> tuple[str, ...]:
        """The keys of the guarantors, in the scenario's order."""
        return tuple(g.key for g in self.guarantors)

    def war_values(self, balances: np.ndarray) -> np.ndarray:
        """Every party's value of a year of war (:func:`~sim.model.war.war_value`) at each balance: parties x
        balances. Russia's chance of prevailing is computed once for all parties."""
        chance = prevail(balances, self.scenario.war.outcome_steepness)
        return np.asarray(war_value(self.stacked, balances, 0.0, chance[None, :]))

    def anticipate(
        self,
        numbers: np.ndarray,
        utilities: np.ndarray,
        states: Sequence[GuarantorState] | None = None,
        *,
        stakes: Sequence[Stakes] | None = None,
        deterrence: Deterrence | None = None,
        keep_survival: bool = False,
    ) -> Anticipation:
        """The parties' :func:`~sim.model.anticipation.anticipate` of candidate packages (rows of ``numbers``,
        with each party's ``utilities`` of them: parties x packages) under this scenario, the guarantors in
        ``states`` (as at signing by default) and the compiled ``stakes`` and the scenario's ``deterrence``
        parameters unless others are given (the calibration varies the latter without recompiling)."""
        s = self.scenario
        if states is None:
            states = tuple(r.initial_state() for r in self.guarantors)
        return anticipate(
            numbers,
            utilities,
            self.stakes if stakes is None else stakes,
            self.challenger,
            self.types,
            self.guarantors,
            states,
            s.war,
            s.power,
            s.deterrence if deterrence is None else deterrence,
            s.negotiation,
            s.expiry,
            keep_survival=keep_survival,
        )

    def utilities(self, deal: Deal) -> tuple[float, ...]:
        """Each party's utility of a deal in peace, in the parties' order."""
        numbers = np.asarray(deal.values, dtype=float)[None, :]
        normalised = normalise_matrix(numbers)
        return tuple(float(p.utility(numbers, normalised)[0]) for p in self.preferences)

    def outlook(
        self,
        deal: Deal,
        edge: float = 0.0,
        states: Sequence[GuarantorState] | None = None,
        judged_edge: float | None = None,
        peace_value: float | None = None,
    ) -> Outlook:
        """Russia's :class:`~sim.model.deterrence.Outlook` under a deal, for a private edge (0 by default), over
        the horizon, with the renewals projected from the guarantors' ``states`` (as at signing by default) and
        their judgement of Russia's edge (the mean of the prior over its types by default, as at the table).
        ``peace_value``: Russia's utility of the deal, if already computed."""
        s = self.scenario
        if states is None:
            states = tuple(r.initial_state() for r in self.guarantors)
        if judged_edge is None:
            judged_edge = float(self.types.mean())
        return outlook_of(
            deal,
            edge,
            s.deterrence.horizon_years,
            self.guarantors,
            self.stakes[self.challenger],
            self.utilities(deal)[self.challenger] if peace_value is None else peace_value,
            s.war.initial_balance,
            s.war.outcome_steepness,
            s.power,
            s.deterrence,
            s.expiry,
            states,
            judged_edge,
        )


def compile_scenario(scenario: Scenario) -> CompiledScenario:
    """Compile a validated scenario for its runs (see :class:`CompiledScenario`)."""
    actors = scenario.actors
    parties = scenario.keys_with("party")
    specs = tuple(actors[k] for k in parties)
    guarantor_specs = {k: a.guarantor for k, a in actors.items() if a.guarantor is not None}
    rules = tuple(GuarantorRule.from_spec(k, actors[k].label, g, guarantor_specs) for k, g in guarantor_specs.items())
    composite = next((i for i, r in enumerate(rules) if actors[r.key].members is not None), None)
    # The year's uniform draws: [first election, attack, one honouring draw per guarantor, further elections].
    slots: list[int | None] = []
    extra = 0
    for r in rules:
        if not isinstance(r.engagement, Elections):
            slots.append(None)
        elif 0 not in slots:
            slots.append(0)
        else:
            slots.append(2 + len(rules) + extra)
            extra += 1
    preferences = tuple(preferences_of(a) for a in specs)
    challenger = parties.index(scenario.keys_with("challenger")[0])
    defender = parties.index(scenario.keys_with("defender")[0])
    victory = victory_terms(preferences[challenger].ideal, preferences[defender].ideal)
    normalised = normalise_matrix(victory)
    stakes = []
    for a, pref in zip(specs, preferences, strict=True):
        u = pref.utility(victory, normalised)
        assert a.war_cost is not None  # noqa: S101 - a party, by schema
        stakes.append(Stakes(challenger_wins=float(u[0]), defender_wins=float(u[1]), cost=a.war_cost))
    fixed = None
    if scenario.package.is_fixed():
        fixed = np.array([[v[0] for v in package_values(scenario.package)]])
    return CompiledScenario(
        scenario=scenario,
        parties=parties,
        party_specs=specs,
        preferences=preferences,
        challenger=challenger,
        defender=defender,
        guarantors=rules,
        composite=composite,
        election_slots=tuple(slots),
        draws_per_year=2 + len(rules) + extra,
        causes=causes(rules),
        space=negotiable_space(scenario.package),
        fixed_package=fixed,
        victory=victory,
        stakes=tuple(stakes),
        stacked=Stakes.stack(stakes),
        types=edge_types(scenario.war),
        month_weights=_month_weights(scenario.negotiation.discount, scenario.deterrence.horizon_years),
    )


def victory_terms(challenger: np.ndarray, defender: np.ndarray) -> np.ndarray:
    """The war's two outcomes as package rows (challenger wins, defender wins): each side's ideal (normalised),
    rounded to the issues' levels and grain. A victory imposes the victor's ideal terms."""
    return np.array(
        [[float(issue.denormalise(row[k])) for k, issue in enumerate(ISSUES)] for row in (challenger, defender)]
    )


def _month_weights(discount: float, years: int) -> np.ndarray:
    w = np.concatenate([[0.0], np.cumsum(discount ** (np.arange(12 * years) / 12.0))])
    return w / w[-1]
