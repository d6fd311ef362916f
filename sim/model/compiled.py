"""A scenario compiled once for many runs: the parties' preferences, the guarantors' rules, the negotiable space.

Everything here is a pure function of the validated scenario. :func:`compile_scenario` is called once per
scenario (per design point of a sweep) by the execution layer, and every run of that scenario shares the
result; a :class:`~sim.model.simulation.GuaranteeModel` given a bare scenario compiles it itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.scenario import Actor, Elections, Scenario
from sim.model.deterrence import GuarantorRule, causes
from sim.model.negotiation import negotiable_space, package_values
from sim.model.preferences import Preferences, preferences_of


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

    @property
    def guarantor_keys(self) -> tuple[str, ...]:
        """The keys of the guarantors, in the scenario's order."""
        return tuple(g.key for g in self.guarantors)


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
    fixed = None
    if scenario.package.is_fixed():
        fixed = np.array([[v[0] for v in package_values(scenario.package)]])
    return CompiledScenario(
        scenario=scenario,
        parties=parties,
        party_specs=specs,
        preferences=tuple(preferences_of(a) for a in specs),
        challenger=parties.index(scenario.keys_with("challenger")[0]),
        defender=parties.index(scenario.keys_with("defender")[0]),
        guarantors=rules,
        composite=composite,
        election_slots=tuple(slots),
        draws_per_year=2 + len(rules) + extra,
        causes=causes(rules),
        space=negotiable_space(scenario.package),
        fixed_package=fixed,
    )
