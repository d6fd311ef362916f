"""What a run records as it goes: how talks may end, causes of breakdown, and the optional traces.

The round and year records are written by the model when a run is traced; :mod:`sim.outcomes` turns a
finished model into its outcome record and tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

End = Literal["agreement", "imposed", "no_deal", "infeasible"]
"""How talks ended: a deal, an imposed package (evaluate mode), no deal within the horizon although packages were
feasible, or no feasible package at all."""
Cause = str
"""The main cause of a breakdown of peace: ``expired``, a guarantor's lapse cause (``us_disengaged``,
``coalition_split``), ``no_enforcement`` or ``deterrence_gap`` (:func:`sim.model.deterrence.causes`)."""


@dataclass(frozen=True)
class RoundRecord:
    """One round of talks.

    Attributes:
        round: Round number, counted over every session (1 = the first month of talks).
        session: The session of talks (1 = the first; talks resume after each pause).
        month: Months since talks began.
        offer: The tabled package as ``{issue: natural value}`` (None if no package had a chance).
        utility: Each party's utility of the tabled package in peace.
        value: Each party's expected value of it (Russia's at its own edge, the others' over their belief).
        no_deal: Each party's value of no deal (a year of war at the balance), the same way.
        accepted: Whether each party accepted.
        chance: The others' probability that Russia would accept the offer.
        balance: Battlefield balance (positive: Russia gaining).
        support: Western support to Ukraine (0-1).
        expected_edge: The others' expected value of Russia's private edge (their belief's mean).
        deal: The deals signed before this round (0: the talks before any deal; 1: talks after the first deal's
            peace broke down, and so on).
    """

    round: int
    session: int
    month: int
    offer: dict[str, Any] | None
    utility: dict[str, float]
    value: dict[str, float]
    no_deal: dict[str, float]
    accepted: dict[str, bool]
    chance: float
    balance: float
    support: float
    expected_edge: float
    deal: int = 0


@dataclass(frozen=True)
class GuarantorYear:
    """One guarantor in one year of peace.

    Attributes:
        engaged: Whether its government stood by the commitment.
        cohesion: Its cohesion (a composite guarantor), or None.
        credibility: The probability that it would honour, as Russia believes it (its trust included).
        trust: Russia's trust in its resolve at the start of the year (the mean of its belief; 1 at signing).
        answered: Whether it answered Russia's probe this year (None: no probe, or no commitment to answer with).
        level: The level its cohesion reverted to this year (its mean times the share of its members still behind
            the deal), or None (no cohesion).
    """

    engaged: bool
    cohesion: float | None
    credibility: float
    trust: float = 1.0
    answered: bool | None = None
    level: float | None = None


@dataclass(frozen=True)
class YearRecord:
    """One year of peace after a deal.

    Attributes:
        year: Years since the deal (1 = first year).
        active: Whether the guarantee was in force.
        renewed: Whether its guarantors renewed it at the end of a term this year (None: no term ended).
        force_share: The share of the agreed force still in Ukraine (1 in force, less as it draws down).
        guarantors: Each guarantor's engagement and credibility, by key, in the scenario's order.
        guarantee: The guarantors' expected weight in a resumed war.
        balance: The balance of power a war started this year would start from.
        consolidation: What breaking the peace costs Russia this year (the consolidation of peace, ``psi_t``).
        incentive: Russia's net incentive to resume the war (value of war minus value of the deal).
        gain: What Russia would gain by waiting to attack later.
        hazard: Yearly probability of a renewed offensive.
        attacked: Whether Russia attacked this year.
        probed: Whether Russia probed the guarantors this year (a sub-war incident; only in a year it did not attack).
        deal: Which deal's peace this is (1: the first; a later one follows a breakdown and new talks).
    """

    year: int
    active: bool
    renewed: bool | None
    force_share: float
    guarantors: dict[str, GuarantorYear]
    guarantee: float
    balance: float
    consolidation: float
    incentive: float
    gain: float
    hazard: float
    attacked: bool
    probed: bool = False
    deal: int = 1
