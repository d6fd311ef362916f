"""What one run returns: a typed, flat record, plus optional round-by-round and year-by-year traces."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Literal

End = Literal["agreement", "imposed", "deadline", "infeasible"]
Cause = Literal["expired", "us_disengaged", "coalition_split", "no_enforcement", "deterrence_gap"]


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
class YearRecord:
    """One year of peace after a deal.

    Attributes:
        year: Years since the deal (1 = first year).
        active: Whether the guarantee was in force.
        us_engaged: Whether the US administration stood by its commitment.
        cohesion: Coalition cohesion.
        credibility_coalition: Probability that the coalition would honour.
        credibility_us: Probability that the US would honour.
        deterrence: Expected cost to Russia of renewed war.
        motive: Russia's motive to resume the war.
        hazard: Yearly probability of a renewed offensive.
        attacked: Whether Russia attacked this year.
    """

    year: int
    active: bool
    us_engaged: bool
    cohesion: float
    credibility_coalition: float
    credibility_us: float
    deterrence: float
    motive: float
    hazard: float
    attacked: bool


@dataclass(frozen=True)
class RunOutcome:
    """The outcome of one replication.

    Attributes:
        seed: The run's own seed (reproduces this run alone).
        agreement: Whether a deal was reached (or imposed).
        end: How talks ended: agreement, imposed (evaluate mode), deadline or infeasible.
        rounds: Rounds of talks held (the agreement round, or the deadline).
        russia_accepted: Whether Russia accepted any tabled package during the talks.
        deal: The agreed terms ``{issue: natural value}``, or None.
        utilities: Each party's utility of the deal (empty without a deal).
        coalition_troops_offered: Troops the coalition's members offered for the deal (0 without a deal).
        peace_years: Years peace held: the breakdown year, or the horizon if it held (censored).
        breakdown: Whether Russia resumed the war within the horizon.
        breakdown_year: The year of breakdown (1 = first year after the deal), or None.
        cause: The main cause of breakdown, or None.
        honoured: Whether each guarantor honoured its commitment when Russia attacked (None: no attack,
            or no commitment).
        horizon: The deterrence horizon in years.
        duration: The agreed guarantee duration in years (None without a deal).
        rounds_trace: Round-by-round records (only when the run was traced).
        years_trace: Year-by-year records (only when the run was traced).
    """

    seed: int
    agreement: bool
    end: End
    rounds: int
    russia_accepted: bool
    deal: dict[str, Any] | None
    utilities: dict[str, float]
    coalition_troops_offered: float
    peace_years: float | None
    breakdown: bool
    breakdown_year: int | None
    cause: Cause | None
    honoured: dict[str, bool | None]
    horizon: int
    duration: float | None
    rounds_trace: tuple[RoundRecord, ...] = field(default=(), repr=False)
    years_trace: tuple[YearRecord, ...] = field(default=(), repr=False)

    def holds(self, years: float) -> bool | None:
        """Whether peace held more than ``years`` after the deal (None without a deal)."""
        if not self.agreement:
            return None
        return not (self.breakdown and self.breakdown_year is not None and self.breakdown_year <= years)

    def flat(self) -> dict[str, Any]:
        """One flat row (for tables): deal terms as ``deal.<issue>``, utilities as ``utility.<party>``."""
        # Not dataclasses.asdict: it deep-copies every field (traces included) and dominated sweep rows.
        row = {f: getattr(self, f) for f in _SCALAR_FIELDS}
        for issue, value in (self.deal or {}).items():
            row[f"deal.{issue}"] = value
        for party, u in self.utilities.items():
            row[f"utility.{party}"] = u
        for g, h in self.honoured.items():
            row[f"honoured.{g}"] = h
        return row


_SCALAR_FIELDS: tuple[str, ...] = tuple(
    f.name for f in fields(RunOutcome) if f.name not in ("deal", "utilities", "honoured", "rounds_trace", "years_trace")
)
