"""Historical cases: the facts a case scenario encodes, what happened, and the one rule that turns facts into terms.

A historical case is an ordinary scenario file in ``mode: evaluate`` with a ``case:`` section (:class:`Case`). The
section is metadata for the calibration (``sim calibrate``): the model never reads it. It states the facts of the
case that the package cannot state by itself (how the war the agreement ended ended, whether the later attacker
already held what it wanted, the foreign troops that would fight for the protected party, the protected party's
army) and what came of the agreement (:class:`Observed`).

The package and the war's starting balance of a case file follow from those facts by one rule, :func:`encode`, the
same for every case: no case sets a behavioural parameter, and ``tests/test_history.py`` fails if a file's terms
differ from what the rule gives or if it sets any key outside :data:`FACT_KEYS`. The numbers the rule uses are the
defaults' own (the Russia-Ukraine war's balance, the parties' ideals, the reference army), so a case from another
war is placed on the model's Russia-Ukraine scale, and the rule's own constants are **assumptions** stated here.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Literal

from pydantic import Field, model_validator

from sim.config.base import Strict
from sim.dealspace import BY_NAME, NEUTRALITY_LEVELS, TERRITORY_LEVELS

PriorWar = Literal["none", "attacker_won", "attacker_ahead", "stalemate", "attacker_lost"]
Aims = Literal["yes", "partly", "no"]

#: The date to which a case that still holds is counted (the history sheet's convention).
HOLDING_UNTIL = dt.date(2026, 12, 31)

#: ASSUMPTION: a decisive result of the war the agreement ended, for the (later) attacker, puts the balance a
#: resumed war would start from at +/- 0.5, a chance of prevailing of 0.88 / 0.12 at the defaults'
#: ``war.outcome_steepness`` (4). ``attacker_ahead`` is the defaults' own reading of the Russia-Ukraine war
#: (``war.initial_balance``, cited there); a stalemate and the absence of any war are even (0).
DECISIVE_BALANCE = 0.5

#: The only keys a case file may set, besides ``name``, ``description``, ``sources``, ``mode`` and ``case``:
#: the package (the agreement's terms, the facts the deal space states) and the war's starting balance (how the
#: previous war ended, by :func:`encode`). Everything behavioural comes from the defaults.
FACT_KEYS = ("package", "war.initial_balance")

#: Years that stand for an agreement with no end date (the deal space's longest duration).
OPEN_ENDED = int(BY_NAME["duration_years"].hi)


class Observed(Strict):
    """What came of the agreement."""

    broke: bool
    """Whether the peace broke: a war (or a limited war) begun by the attacker."""
    end: dt.date
    """The day the peace broke, or the day observation stops while it still holds (31 Dec 2026 by the history
    sheet's convention, earlier if the arrangement ended otherwise)."""
    event: str
    """What broke it, or why observation stops."""


class Case(Strict):
    """A historical case: its facts and what happened. Metadata for the calibration; the model ignores it."""

    agreement: str
    """The agreement, in a few words."""
    signed: dt.date
    """Signature or entry into force: year 1 of the model is the first year after it."""
    attacker: str
    """The side that started the later war, or the potential attacker the arrangement was meant to deter."""
    attacked: str
    """Its target (the protected party: the model's defender)."""
    prior_war: PriorWar
    """How the war the agreement ended ended, for the attacker; ``none`` if no war preceded it."""
    aims_met: Aims
    """Whether the attacker already held what it wanted when the agreement was signed."""
    fighting_troops: int = Field(ge=0)
    """Foreign troops on the ground that would fight for the protected party (not observers, not consent-based
    peacekeepers, not the attacker's own patron's forces). Troops of the US count in ``package.us_role``, not here."""
    protected_army: int | None = Field(default=None, ge=0)
    """The protected party's army at signing (None: not known; then no foreign troops can be scaled)."""
    scale: Literal["native", "relative"]
    """``native``: a Russia-Ukraine case, in the model's own numbers; ``relative``: another war, placed on the
    Russia-Ukraine scale by :func:`encode`."""
    observed: Observed
    training: bool = True
    """Whether the case belongs to the calibration's training set (the history sheet); cases added beyond it
    are never fitted."""
    sheet_row: int | None = Field(default=None, ge=1)
    """The case's row in the history sheet (None for a case added beyond it)."""

    @model_validator(mode="after")
    def _consistent(self) -> Case:
        if self.observed.end <= self.signed:
            raise ValueError(f"case.observed.end {self.observed.end} is not after case.signed {self.signed}")
        if self.scale == "relative" and self.fighting_troops > 0 and self.protected_army is None:
            raise ValueError("case.protected_army is needed to scale case.fighting_troops to the model")
        return self

    @property
    def years(self) -> float:
        """Years from signature to the breakdown or to the end of observation."""
        return (self.observed.end - self.signed).days / 365.25

    @property
    def model_year(self) -> int:
        """The model's year of the breakdown (year 1 is the first year after signing), or the last full year
        observed while the peace held."""
        return max(1, math.ceil(self.years)) if self.observed.broke else int(math.floor(self.years))


def encode(case: Case, defaults: dict[str, Any]) -> dict[str, Any]:
    """The scenario keys a case's facts set (the one rule, the same for every case), as dotted paths.

    * ``war.initial_balance``: ``+DECISIVE_BALANCE`` if the attacker won the previous war, the defaults' balance
      if it was ahead, 0 for a stalemate or no war, ``-DECISIVE_BALANCE`` if it lost.
    * ``package.territory``, ``package.neutrality``, ``package.sanctions_relief`` (the issues on which the
      attacker's aims are scored): the challenger's ideal if its aims were met, the defender's ideal if not, the
      middle level and the midpoint if partly.
    * ``package.foreign_troops``: native, the troops themselves; relative, the share of the forces defending the
      line that are the guarantor's, times the reference army (``deterrence.army_reference``): a guarantor
      fielding 1 soldier in 40 of the defence stands for 20,000 beside an army of 800,000, whatever the war's size.
      Rounded to the issue's grain and capped at its range.
    * ``package.ukraine_army``: native, the protected party's army; relative, the reference army (the balance of
      the previous war already reflects the protected party's strength; only its change would count).
    * ``package.eu_membership``: ``closed``. No case's agreement set the protected party on a path into the EU (or
      any union like it); the Westward steps some cases saw later, such as Ukraine's Association Agreement of
      2013-14, are events after the signing that the rule does not encode (docs/MODEL.md 7.8.10).

    ``defaults`` is the default scenario as plain data (:func:`sim.config.scenario.defaults`).
    """
    balances = {
        "attacker_won": DECISIVE_BALANCE,
        "attacker_ahead": float(defaults["war"]["initial_balance"]),
        "stalemate": 0.0,
        "none": 0.0,
        "attacker_lost": -DECISIVE_BALANCE,
    }
    actors = defaults["actors"]
    challenger = next(a for a in actors.values() if a and "challenger" in a.get("roles", ()))
    defender = next(a for a in actors.values() if a and "defender" in a.get("roles", ()))
    aims = {
        "yes": {k: challenger["preferences"][k]["ideal"] for k in ("territory", "neutrality", "sanctions_relief")},
        "no": {k: defender["preferences"][k]["ideal"] for k in ("territory", "neutrality", "sanctions_relief")},
    }
    aims["partly"] = {
        "territory": TERRITORY_LEVELS[len(TERRITORY_LEVELS) // 2],
        "neutrality": NEUTRALITY_LEVELS[len(NEUTRALITY_LEVELS) // 2],
        "sanctions_relief": (float(aims["yes"]["sanctions_relief"]) + float(aims["no"]["sanctions_relief"])) / 2,
    }
    reference = float(defaults["deterrence"]["army_reference"])
    if case.scale == "native":
        troops = float(case.fighting_troops)
        army = float(case.protected_army if case.protected_army is not None else reference)
    else:
        n = case.fighting_troops
        troops = reference * n / (n + (case.protected_army or 0)) if n > 0 else 0.0
        army = reference
    issue = BY_NAME["foreign_troops"]
    troops = min(float(issue.hi), round(troops / issue.grain) * issue.grain)
    out: dict[str, Any] = {"war.initial_balance": balances[case.prior_war]}
    out.update({f"package.{k}": v for k, v in aims[case.aims_met].items()})
    out["package.foreign_troops"] = int(troops)
    out["package.ukraine_army"] = int(army)
    out["package.eu_membership"] = "closed"
    return out


#: Top-level keys of a case file that are metadata or run settings, not parameters.
META_KEYS = ("name", "description", "sources", "mode", "case", "runs", "seed")


def _leaves(value: Any, path: tuple[str, ...] = ()) -> list[tuple[str, Any]]:
    if isinstance(value, dict) and value:
        return [leaf for k, v in value.items() for leaf in _leaves(v, (*path, str(k)))]
    return [(".".join(path), value)]


def case_problems(data: dict[str, Any], case: Case, defaults: dict[str, Any]) -> list[str]:
    """What makes a case file's data (the YAML mapping as written) set more than the facts of its case: a key outside
    :data:`FACT_KEYS` and :data:`META_KEYS`, an ``extends:`` chain, or a term that differs from :func:`encode`."""
    problems = []
    expected = encode(case, defaults)
    for key, value in _leaves({k: v for k, v in data.items() if k not in META_KEYS}):
        if not any(key == f or key.startswith(f + ".") for f in FACT_KEYS):
            problems.append(f"{key} is not a fact of the case (a case may set only {', '.join(FACT_KEYS)})")
        elif key in expected and value != expected[key]:
            problems.append(f"{key} is {value!r}, but the case's facts give {expected[key]!r} (encode)")
    for key in expected:
        top, _, rest = key.partition(".")
        if rest not in (data.get(top) or {}):
            problems.append(f"{key} is not set; the case's facts give {expected[key]!r} (encode)")
    return problems
