"""What one run returns, and the one column schema of every table made from runs.

A run's outcome is a typed, flat record (:class:`RunOutcome`) with optional round-by-round and
year-by-year traces. :func:`runs_table` and :func:`trajectories_table` turn outcomes into typed pandas
tables whose columns follow :data:`RUNS_SCHEMA` and :data:`TRAJECTORIES_SCHEMA`; run directories,
comparisons, sweeps, notebooks and figures all read those columns.

Layer rule: imports :mod:`sim.model`, :mod:`sim.config` and :mod:`sim.dealspace`; never writes files.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from sim.dealspace import ISSUES, normalise_matrix
from sim.model.negotiation import PARTY_KEYS
from sim.model.records import Cause, End, RoundRecord, YearRecord

if TYPE_CHECKING:
    from sim.config.scenario import Scenario
    from sim.model.simulation import GuaranteeModel


def plain(value: Any) -> Any:
    """numpy scalars to Python scalars (``np.True_`` to ``True``, ``np.float64`` to ``float``)."""
    item = getattr(value, "item", None)
    return item() if callable(item) and not isinstance(value, str) else value


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


def outcome_of(model: GuaranteeModel) -> RunOutcome:
    """The outcome record of a finished run (after :meth:`~sim.model.simulation.GuaranteeModel.run`)."""
    horizon = model.spec.deterrence.horizon_years
    deal = model.deal
    utilities: dict[str, float] = {}
    offered = 0.0
    if deal is not None:
        numbers = np.asarray(deal.values)[None, :]
        normalised = normalise_matrix(numbers)
        utilities = {p.key: float(p.preferences.utility(numbers, normalised)[0]) for p in model.parties}
        if model.coalition is not None:
            offered = float(model.coalition.troops_offered(numbers)[0])
    peace = model.breakdown
    year = peace.get("breakdown_year")
    return RunOutcome(
        seed=model.seed,
        agreement=deal is not None,
        end=model.end,  # type: ignore[arg-type]
        rounds=model.round,
        russia_accepted=model.russia_accepted or model.end == "imposed",
        deal=deal.as_dict() if deal is not None else None,
        utilities=utilities,
        coalition_troops_offered=offered,
        peace_years=None if deal is None else float(year if year is not None else horizon),
        breakdown=year is not None,
        breakdown_year=year,
        cause=peace.get("cause"),
        honoured=peace.get("honoured", {g.key: None for g in model.guarantors}),
        horizon=horizon,
        duration=None if deal is None else deal.number("duration_years"),
        rounds_trace=tuple(model.rounds_trace),
        years_trace=tuple(model.years_trace),
    )


# ------------------------------------------------------------------------------------------ tables

GUARANTORS: tuple[str, ...] = ("united_states", "coalition")
ACTORS: tuple[str, ...] = ("ukraine", "russia", "united_states", "coalition")
PHASES: tuple[str, ...] = ("talks", "peace")

# A column type: a pandas dtype name, or ("category", levels, ordered).
ColumnType = str | tuple[str, tuple[str, ...], bool]


def _category(levels: Sequence[str], ordered: bool = False) -> ColumnType:
    return ("category", tuple(levels), ordered)


def _issue_type(issue_index: int) -> ColumnType:
    issue = ISSUES[issue_index]
    return _category(issue.levels, ordered=True) if issue.is_ordinal else "float64"


DEFAULT_CAUSES: tuple[str, ...] = ("expired", "us_disengaged", "coalition_split", "no_enforcement", "deterrence_gap")
"""The breakdown causes of the default scenario's guarantors (a scenario's own: :func:`actor_columns`)."""


@dataclass(frozen=True)
class ActorColumns:
    """What a scenario's actors put into the column names and categories of its tables.

    Attributes:
        parties: The parties' keys (``utility.<party>``), in the scenario's order.
        guarantors: The guarantors' keys (``honoured.<guarantor>``).
        causes: The breakdown causes (the ``cause`` categories).
        challenger: The challenger's key (its rows in the trajectories' peace phase).
    """

    parties: tuple[str, ...] = PARTY_KEYS
    guarantors: tuple[str, ...] = GUARANTORS
    causes: tuple[str, ...] = DEFAULT_CAUSES
    challenger: str = "russia"

    @property
    def actors(self) -> tuple[str, ...]:
        """Every actor key that has rows in the trajectories table, parties first."""
        return tuple(dict.fromkeys((*self.parties, *self.guarantors)))


def actor_columns(scenario: Scenario | None) -> ActorColumns:
    """The :class:`ActorColumns` of a scenario (the default scenario's when None)."""
    if scenario is None:
        return ActorColumns()
    from sim.model.compiled import compile_scenario

    c = compile_scenario(scenario)
    return ActorColumns(c.parties, c.guarantor_keys, c.causes, c.parties[c.challenger])


def runs_schema(columns: ActorColumns | None = None) -> dict[str, ColumnType]:
    """Column types of the outcome part of the runs table for a scenario's actors (default: the defaults')."""
    return _runs_schema(columns or ActorColumns())


def trajectories_schema(columns: ActorColumns | None = None) -> dict[str, ColumnType]:
    """Column types of the trajectories table for a scenario's actors (default: the defaults')."""
    return _trajectories_schema(columns or ActorColumns())


def _runs_schema(columns: ActorColumns) -> dict[str, ColumnType]:
    schema: dict[str, ColumnType] = {
        "run": "int64",
        "seed": "int64",
        "scenario": "str",
        "agreement": "bool",
        "end": _category(typing.get_args(End)),
        "rounds": "int64",
        "russia_accepted": "bool",
    }
    schema |= {f"deal.{issue.name}": _issue_type(k) for k, issue in enumerate(ISSUES)}
    schema |= {f"utility.{p}": "float64" for p in columns.parties}
    schema |= {
        "coalition_troops_offered": "float64",
        "peace_years": "float64",
        "breakdown": "bool",
        "breakdown_year": "Int64",
        "cause": _category(columns.causes),
    }
    schema |= {f"honoured.{g}": "boolean" for g in columns.guarantors}
    schema |= {"horizon": "int64", "duration": "float64"}
    return schema


def _trajectories_schema(columns: ActorColumns) -> dict[str, ColumnType]:
    schema: dict[str, ColumnType] = {
        "run": "int64",
        "seed": "int64",
        "phase": _category(PHASES),
        "step": "int64",
        "actor": _category(columns.actors),
        "utility": "float64",
        "aspiration": "float64",
        "reservation": "float64",
        "accepted": "boolean",
    }
    schema |= {f"offer.{issue.name}": _issue_type(k) for k, issue in enumerate(ISSUES)}
    schema |= {
        "balance": "float64",
        "support": "float64",
        "russia_belief": "float64",
        "credibility": "float64",
        "engaged": "boolean",
        "cohesion": "float64",
        "active": "boolean",
        "deterrence": "float64",
        "motive": "float64",
        "hazard": "float64",
        "attacked": "boolean",
    }
    return schema


RUNS_SCHEMA: dict[str, ColumnType] = runs_schema()
"""Column types of the outcome part of the runs table (the ``input.*`` columns follow)."""
TRAJECTORIES_SCHEMA: dict[str, ColumnType] = trajectories_schema()
"""Column types of the trajectories table."""


# ------------------------------------------------------------------------------------------ tables


def _pandas_dtype(kind: ColumnType) -> Any:
    if isinstance(kind, tuple):
        _, levels, ordered = kind
        return pd.CategoricalDtype(list(levels), ordered=ordered)
    return kind


def typed_frame(rows: Sequence[Mapping[str, Any]], schema: Mapping[str, ColumnType]) -> pd.DataFrame:
    """A DataFrame with exactly the columns of ``schema``, in its order and with its types.

    Missing keys in a row are missing values (NaN, ``<NA>``); numpy scalars are converted.
    """
    columns = {}
    for name, kind in schema.items():
        values = [plain(row.get(name)) for row in rows]
        columns[name] = pd.Series(values, dtype=_pandas_dtype(kind), name=name)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def runs_table(
    outcomes: Iterable[RunOutcome],
    *,
    scenario: Scenario | None = None,
    run_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """One typed row per replication.

    Columns: ``run`` (replicate index), ``seed`` (reproduces the run alone), ``scenario``, the outcome
    (``agreement``, ``end``, ``rounds``, ``russia_accepted``, ``deal.<issue>``, ``utility.<party>``,
    ``coalition_troops_offered``, ``peace_years``, ``breakdown``, ``breakdown_year``, ``cause``,
    ``honoured.<guarantor>``, ``horizon``, ``duration``), then, when ``scenario`` is given, every
    resolved input as ``input.<key.path>`` (lists as JSON text).

    Ordinal terms are ordered categoricals (weakest level first), counts are floats; values that do not
    exist (terms without a deal, the breakdown year of a peace that held) are missing.

    Args:
        outcomes: The run outcomes, in replicate order.
        scenario: The scenario the runs come from (adds ``scenario`` and the ``input.*`` columns).
        run_ids: Replicate indices of the outcomes (default 0, 1, 2, ...).
    """
    outs = list(outcomes)
    ids = list(range(len(outs))) if run_ids is None else list(run_ids)
    if len(ids) != len(outs):
        raise ValueError(f"{len(ids)} run ids for {len(outs)} outcomes")
    name = scenario.name if scenario is not None else ""
    rows = [{"run": j, "scenario": name, **o.flat()} for j, o in zip(ids, outs, strict=True)]
    frame = typed_frame(rows, runs_schema(actor_columns(scenario)))
    if scenario is not None:
        inputs = input_values(scenario)
        extra = {f"input.{k}": pd.Series([v] * len(frame), dtype=_input_dtype(v)) for k, v in inputs.items()}
        frame = pd.concat([frame, pd.DataFrame(extra, index=frame.index)], axis=1)
    return frame


def _input_dtype(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    return "str"


def input_values(scenario: Scenario) -> dict[str, bool | int | float | str]:
    """The resolved scenario flattened to ``{dotted.key: scalar}``; lists and nulls as JSON text."""
    out: dict[str, bool | int | float | str] = {}

    def walk(prefix: str, node: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                walk(f"{prefix}.{key}" if prefix else str(key), value)
        elif isinstance(node, bool | int | float | str):
            out[prefix] = node
        else:
            out[prefix] = json.dumps(node, ensure_ascii=False)

    walk("", json.loads(scenario.model_dump_json()))
    return out


def trajectories_table(
    outcomes: Iterable[RunOutcome],
    run_ids: Iterable[int] | None = None,
    *,
    scenario: Scenario | None = None,
) -> pd.DataFrame:
    """The traces of traced runs, long format: one row per run, phase, step and actor.

    Talks (``phase == "talks"``, ``step`` = round, one row per negotiating party): the party's
    ``utility`` of the tabled offer, its ``aspiration`` and ``reservation`` value, whether it
    ``accepted``, the offer's terms ``offer.<issue>``, the battlefield ``balance`` and Western
    ``support``; Russia's row adds ``russia_belief`` (its belief that it is winning).

    Peace (``phase == "peace"``, ``step`` = year after the deal): for each guarantor its
    ``credibility`` (probability of honouring) and whether the guarantee is ``active``, a guarantor with
    elections adds ``engaged``, a composite one its ``cohesion``; the challenger (``russia``) has the
    ``deterrence`` it faces, its ``motive``, the yearly ``hazard`` of a renewed offensive and whether
    it ``attacked``.

    Untraced outcomes contribute no rows.

    Args:
        outcomes: The run outcomes.
        run_ids: Replicate indices of the outcomes (default 0, 1, 2, ...).
        scenario: The scenario the runs come from (its actors name the rows; default: the defaults').
    """
    columns = actor_columns(scenario)
    outs = list(outcomes)
    ids = list(range(len(outs))) if run_ids is None else list(run_ids)
    rows: list[dict[str, Any]] = []
    for j, o in zip(ids, outs, strict=True):
        base = {"run": j, "seed": o.seed}
        for r in o.rounds_trace:
            offer = {f"offer.{k}": v for k, v in (r.offer or {}).items()}
            for p in r.utility:
                row = {
                    **base,
                    "phase": "talks",
                    "step": r.round,
                    "actor": p,
                    "utility": r.utility.get(p),
                    "aspiration": r.aspiration.get(p),
                    "reservation": r.reservation.get(p),
                    "accepted": r.accepted.get(p),
                    **offer,
                    "balance": r.balance,
                    "support": r.support,
                }
                if p == columns.challenger:
                    row["russia_belief"] = r.russia_belief
                rows.append(row)
        for y in o.years_trace:
            step = {**base, "phase": "peace", "step": y.year}
            rows.append(
                {
                    **step,
                    "actor": columns.challenger,
                    "deterrence": y.deterrence,
                    "motive": y.motive,
                    "hazard": y.hazard,
                    "attacked": y.attacked,
                }
            )
            for key, g in y.guarantors.items():
                row = {**step, "actor": key, "credibility": g.credibility}
                if g.cohesion is None:
                    row["engaged"] = g.engaged
                else:
                    row["cohesion"] = g.cohesion
                row["active"] = y.active
                rows.append(row)
    return typed_frame(rows, trajectories_schema(columns))


def column_types(frame: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The type of every column of a frame, as JSON-ready data (see ``columns.json``)."""
    out: dict[str, dict[str, Any]] = {}
    for name, dtype in frame.dtypes.items():
        if isinstance(dtype, pd.CategoricalDtype):
            out[str(name)] = {
                "dtype": "category",
                "categories": [str(c) for c in dtype.categories],
                "ordered": bool(dtype.ordered),
            }
        elif isinstance(dtype, pd.StringDtype) or dtype == object:  # noqa: E721 - dtype comparison
            out[str(name)] = {"dtype": "str"}
        else:
            out[str(name)] = {"dtype": str(dtype)}
    return out
