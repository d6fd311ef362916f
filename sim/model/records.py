"""What a run records as it goes: how talks may end, causes of breakdown, and the optional traces.

The round and year records are written by the model when a run is traced; :mod:`sim.outcomes` turns a
finished model into its outcome record and tables.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

End = Literal["agreement", "imposed", "deadline", "infeasible"]
"""How talks ended."""
Cause = str
"""The main cause of a breakdown of peace: ``expired``, a guarantor's lapse cause (``us_disengaged``,
``coalition_split``), ``no_enforcement`` or ``deterrence_gap`` (:func:`sim.model.deterrence.causes`)."""


@dataclass(frozen=True)
class RoundRecord:
    """One round of talks.

    Attributes:
        round: Round number (1 = first month of talks).
        offer: The tabled package as ``{issue: natural value}`` (None if nothing is feasible).
        utility: Each party's utility of the tabled package.
        aspiration: Each party's aspiration after conceding this round.
        reservation: Each party's reservation value this round.
        accepted: Whether each party accepted.
        balance: Battlefield balance (positive: Russia gaining).
        support: Western support to Ukraine (0-1).
        russia_belief: Russia's belief that it is winning.
    """

    round: int
    offer: dict[str, Any] | None
    utility: dict[str, float]
    aspiration: dict[str, float]
    reservation: dict[str, float]
    accepted: dict[str, bool]
    balance: float
    support: float
    russia_belief: float


@dataclass(frozen=True)
class GuarantorYear:
    """One guarantor in one year of peace.

    Attributes:
        engaged: Whether its government stood by the commitment.
        cohesion: Its cohesion (a composite guarantor), or None.
        credibility: The probability that it would honour.
    """

    engaged: bool
    cohesion: float | None
    credibility: float


@dataclass(frozen=True)
class YearRecord:
    """One year of peace after a deal.

    Attributes:
        year: Years since the deal (1 = first year).
        active: Whether the guarantee was in force.
        guarantors: Each guarantor's engagement and credibility, by key, in the scenario's order.
        deterrence: Expected cost to Russia of renewed war.
        motive: Russia's motive to resume the war.
        hazard: Yearly probability of a renewed offensive.
        attacked: Whether Russia attacked this year.
    """

    year: int
    active: bool
    guarantors: dict[str, GuarantorYear]
    deterrence: float
    motive: float
    hazard: float
    attacked: bool
