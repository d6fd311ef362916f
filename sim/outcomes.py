"""What one run returns, the one column schema of every table made from runs, and the one list of
headline measures.

A run's outcome is a typed, flat record (:class:`RunOutcome`) with optional round-by-round and
year-by-year traces. The columns of every table made from runs have one Arrow schema,
:func:`runs_schema` (and :func:`trajectories_schema` for the traces), built from the actor lists; the
pandas types (:func:`pandas_dtypes`) and a sweep's part columns (:func:`part_schema`) are derived from
it. :func:`runs_table` and :func:`trajectories_table` turn outcomes into typed pandas tables; run
directories, comparisons, sweeps, notebooks and figures all read those columns.

The headline figures are declared once, in :data:`MEASURES` (:class:`Measure`: name, labels, the
:class:`Kind` of estimate and the columns it reads, where it is reported). Every report takes its
figures from there through :func:`measures_for`; :func:`sim.analysis.measures.estimate` computes them.

Layer rule: imports :mod:`sim.model`, :mod:`sim.config` and :mod:`sim.dealspace`; never writes files.
"""

from __future__ import annotations

import enum
import functools
import json
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.dealspace import BY_NAME, ISSUE_NAMES, normalise_matrix
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
        agreement: Whether a deal was reached (or imposed) within the horizon.
        end: How talks ended: agreement, imposed (evaluate mode), no_deal (none within the horizon) or
            infeasible (no feasible package: the war goes on).
        rounds: Rounds of talks held before the first deal, over every session (all of them without a deal).
        russia_accepted: Whether Russia accepted any tabled package during the talks before the first deal.
        sessions: Sessions of talks opened before the first deal (talks resume after each pause).
        first_session: Whether the deal came in the first session of talks (or was imposed).
        deal_month: The month the deal was signed (months since talks began; 0 if imposed), or None.
        edge: Russia's private edge in this run.
        deal: The agreed terms ``{issue: natural value}``, or None.
        utilities: Each party's utility of the deal (empty without a deal).
        coalition_troops_offered: Troops the coalition's members offered for the deal (0 without a deal).
        peace_years: Years the first deal's peace held: the breakdown year, or the horizon if it held (censored).
        breakdown: Whether Russia resumed the war within the horizon (against the first deal).
        breakdown_year: The year of breakdown (1 = first year after the deal), or None.
        cause: The main cause of breakdown, or None.
        honoured: Whether each guarantor honoured its commitment when Russia attacked (None: no attack,
            or no commitment).
        horizon: The run's horizon in years from the start of talks.
        duration: The agreed guarantee duration in years (None without a deal).
        renewals: How many times the guarantors renewed the guarantee at the end of a term (docs/MODEL.md 7.8.7).
        probes: How many times Russia probed the guarantors in the years of peace (docs/MODEL.md 7.8.8).
        probes_unanswered: How many of those probes no guarantor answered.
        defections: How many times a coalition member that stood behind a deal stopped doing so, its government
            changed by an election (docs/MODEL.md 7.8.9; 0 without member turnover).
        deals: How many deals were signed within the horizon (a later one ends the war after a breakdown).
        breakdowns: How many times Russia attacked a deal within the horizon.
        war_after_years: Years of the war that followed the first breakdown, to a new deal or the horizon
            (censored there; None without a breakdown).
        redeal: Whether a new deal ended that war within the horizon (None without a breakdown).
        territory_change: The change in the share of Ukraine's territory Russia holds over that war (None without
            a breakdown; positive: Russia gained).
        peace_years_15: Years of peace in the first 15 years from the start of talks (0 without a deal).
        peace_years_30: The same over 30 years.
        war_years_15: Years of war in the first 15 years (15 minus the years of peace).
        war_years_30: The same over 30 years.
        deal_within_15: Whether a deal came (or was imposed) within the first 15 years.
        deal_then_war_15: Whether a deal came and then broke down within the first 15 years.
        territory_15: Share of Ukraine's territory Russia holds after 15 years.
        territory_30: The same after 30 years.
        welfare: Each party's welfare over the horizon (the discounted average of its yearly flows).
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
    sessions: int = 0
    first_session: bool = False
    deal_month: int | None = None
    edge: float = 0.0
    peace_years_15: float = 0.0
    peace_years_30: float = 0.0
    war_years_15: float = 15.0
    war_years_30: float = 30.0
    deal_within_15: bool = False
    deal_then_war_15: bool = False
    territory_15: float | None = None
    territory_30: float | None = None
    renewals: int = 0
    probes: int = 0
    probes_unanswered: int = 0
    defections: int = 0
    deals: int = 0
    breakdowns: int = 0
    war_after_years: float | None = None
    redeal: bool | None = None
    territory_change: float | None = None
    welfare: dict[str, float] = field(default_factory=dict)
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
        for party, w in self.welfare.items():
            row[f"welfare.{party}"] = w
        return row


_SCALAR_FIELDS: tuple[str, ...] = tuple(
    f.name
    for f in fields(RunOutcome)
    if f.name not in ("deal", "utilities", "honoured", "welfare", "rounds_trace", "years_trace")
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
    deal_month = model.deal_month
    broke_at = None if year is None or deal_month is None else deal_month + 12 * (year - 1)
    peace15, peace30 = (model.peace_months[w] / 12.0 for w in (15, 30))
    rounds, sessions = model.talks_before_deal
    war_months = peace.get("war_months")
    return RunOutcome(
        seed=model.seed,
        agreement=deal is not None,
        end=model.end,  # type: ignore[arg-type]
        rounds=rounds,
        russia_accepted=model.russia_accepted or model.end == "imposed",
        deal=deal.as_dict() if deal is not None else None,
        utilities=utilities,
        coalition_troops_offered=offered,
        peace_years=None if deal is None else float(year if year is not None else model.peace_horizon),
        breakdown=year is not None,
        breakdown_year=year,
        cause=peace.get("cause"),
        honoured=peace.get("honoured", {g.key: None for g in model.guarantors}),
        horizon=horizon,
        duration=None if deal is None else deal.number("duration_years"),
        sessions=sessions,
        first_session=deal is not None and sessions <= 1,
        deal_month=deal_month,
        edge=model.challenger.edge,
        peace_years_15=peace15,
        peace_years_30=peace30,
        war_years_15=min(15.0, horizon) - peace15,
        war_years_30=min(30.0, horizon) - peace30,
        deal_within_15=deal_month is not None and deal_month < 15 * 12,
        deal_then_war_15=broke_at is not None and broke_at < 15 * 12,
        territory_15=model.territory_at.get(15),
        territory_30=model.territory_at.get(30),
        renewals=model.renewals,
        probes=model.probes,
        probes_unanswered=model.probes_unanswered,
        defections=0 if model.coalition is None else model.coalition.defections,
        deals=model.deals,
        breakdowns=model.breakdowns,
        war_after_years=None if war_months is None else war_months / 12.0,
        redeal=peace.get("redeal"),
        territory_change=peace.get("territory_change"),
        welfare=dict(zip((p.key for p in model.parties), map(float, model.welfare), strict=True)),
        rounds_trace=tuple(model.rounds_trace),
        years_trace=tuple(model.years_trace),
    )


# ------------------------------------------------------------------------------------------ schema

PARTIES: tuple[str, ...] = PARTY_KEYS
"""The negotiating parties, in the model's order (the default ``utility.<party>`` columns)."""
GUARANTORS: tuple[str, ...] = ("united_states", "coalition")
"""The guarantors (the default ``honoured.<guarantor>`` columns)."""
ACTORS: tuple[str, ...] = tuple(dict.fromkeys((*PARTIES, *GUARANTORS)))
"""Every actor: the parties, then the guarantors that do not negotiate (the trajectories' ``actor`` levels)."""
PHASES: tuple[str, ...] = ("talks", "peace")
"""The phases of a trajectory."""
CAUSES: tuple[str, ...] = ("expired", "us_disengaged", "coalition_split", "no_enforcement", "deterrence_gap")
"""The breakdown causes of the default scenario's guarantors (the default ``cause`` levels)."""


@dataclass(frozen=True)
class ActorColumns:
    """What a scenario's actors put into the column names and categories of its tables.

    Attributes:
        parties: The parties' keys (``utility.<party>``), in the scenario's order.
        guarantors: The guarantors' keys (``honoured.<guarantor>``).
        causes: The breakdown causes (the ``cause`` levels).
        challenger: The challenger's key (its rows in the trajectories' peace phase).
    """

    parties: tuple[str, ...] = PARTIES
    guarantors: tuple[str, ...] = GUARANTORS
    causes: tuple[str, ...] = CAUSES
    challenger: str = "russia"


def actor_columns(scenario: Scenario | None) -> ActorColumns:
    """The :class:`ActorColumns` of a scenario (the default scenario's when None)."""
    if scenario is None:
        return ActorColumns()
    from sim.model.compiled import compile_scenario

    c = compile_scenario(scenario)
    return ActorColumns(c.parties, c.guarantor_keys, c.causes, c.parties[c.challenger])


CATEGORIES_KEY = b"categories"
"""Field metadata key of a categorical column's levels (JSON list, in order)."""


def category(name: str, levels: Sequence[str], *, ordered: bool = False, nullable: bool = True) -> pa.Field:
    """A categorical column: Arrow dictionary-encoded strings whose levels travel in the field's metadata.

    Args:
        name: The column name.
        levels: Every level, in order (weakest first for ordered ones).
        ordered: Whether the levels are ordered (pandas ordered categorical).
        nullable: Whether a value may be missing.
    """
    return pa.field(
        name,
        pa.dictionary(pa.int8(), pa.string(), ordered=ordered),
        nullable=nullable,
        metadata={CATEGORIES_KEY: json.dumps(list(levels))},
    )


def categories(f: pa.Field) -> tuple[str, ...] | None:
    """The levels of a categorical column (see :func:`category`), or None for other columns."""
    if not pa.types.is_dictionary(f.type) or not f.metadata or CATEGORIES_KEY not in f.metadata:
        return None
    return tuple(json.loads(f.metadata[CATEGORIES_KEY]))


def _issue_field(prefix: str, issue_name: str) -> pa.Field:
    issue = BY_NAME[issue_name]
    if issue.is_ordinal:
        return category(f"{prefix}.{issue.name}", issue.levels, ordered=True)
    return pa.field(f"{prefix}.{issue.name}", pa.float64())


def runs_schema(
    parties: Sequence[str] = PARTIES, guarantors: Sequence[str] = GUARANTORS, causes: Sequence[str] = CAUSES
) -> pa.Schema:
    """The columns of the runs table, in order, as an Arrow schema (the ``input.*`` columns follow them).

    This is the one schema of a run's row: :func:`pandas_dtypes` derives the runs table's pandas types from
    it and :func:`part_schema` the columns of a sweep's parts. Nullability carries meaning: a non-nullable
    boolean or integer is a plain numpy column in pandas, a nullable one a pandas nullable type
    (``boolean``, ``Int64``). Floats are NaN where missing, whatever their nullability.

    Args:
        parties: The negotiating parties (one ``utility.<party>`` column each).
        guarantors: The guarantors (one ``honoured.<guarantor>`` column each).
        causes: The breakdown causes (the levels of ``cause``).
    """
    return _runs_schema(tuple(parties), tuple(guarantors), tuple(causes))


@functools.cache
def _runs_schema(parties: tuple[str, ...], guarantors: tuple[str, ...], causes: tuple[str, ...]) -> pa.Schema:
    fields = [
        pa.field("run", pa.int64(), nullable=False),
        pa.field("seed", pa.int64(), nullable=False),
        pa.field("scenario", pa.string(), nullable=False),
        pa.field("agreement", pa.bool_(), nullable=False),
        category("end", typing.get_args(End), nullable=False),
        pa.field("rounds", pa.int64(), nullable=False),
        pa.field("russia_accepted", pa.bool_(), nullable=False),
        *(_issue_field("deal", name) for name in ISSUE_NAMES),
        *(pa.field(f"utility.{p}", pa.float64()) for p in parties),
        pa.field("coalition_troops_offered", pa.float64()),
        pa.field("peace_years", pa.float64()),
        pa.field("breakdown", pa.bool_(), nullable=False),
        pa.field("breakdown_year", pa.int64()),
        category("cause", causes),
        *(pa.field(f"honoured.{g}", pa.bool_()) for g in guarantors),
        pa.field("horizon", pa.int64(), nullable=False),
        pa.field("duration", pa.float64()),
        pa.field("sessions", pa.int64(), nullable=False),
        pa.field("first_session", pa.bool_(), nullable=False),
        pa.field("deal_month", pa.int64()),
        pa.field("edge", pa.float64()),
        *(pa.field(f"{name}_{w}", pa.float64()) for name in ("peace_years", "war_years") for w in (15, 30)),
        pa.field("deal_within_15", pa.bool_(), nullable=False),
        pa.field("deal_then_war_15", pa.bool_(), nullable=False),
        pa.field("territory_15", pa.float64()),
        pa.field("territory_30", pa.float64()),
        pa.field("renewals", pa.int64(), nullable=False),
        pa.field("probes", pa.int64(), nullable=False),
        pa.field("probes_unanswered", pa.int64(), nullable=False),
        pa.field("defections", pa.int64(), nullable=False),
        pa.field("deals", pa.int64(), nullable=False),
        pa.field("breakdowns", pa.int64(), nullable=False),
        pa.field("war_after_years", pa.float64()),
        pa.field("redeal", pa.bool_()),
        pa.field("territory_change", pa.float64()),
        *(pa.field(f"welfare.{p}", pa.float64()) for p in parties),
    ]
    return pa.schema(fields)


def trajectories_schema(parties: Sequence[str] = PARTIES, guarantors: Sequence[str] = GUARANTORS) -> pa.Schema:
    """The columns of the trajectories table, in order, as an Arrow schema (see :func:`runs_schema`).

    Args:
        parties: The negotiating parties (rows of the talks).
        guarantors: The guarantors (rows of the peace; with the parties, the ``actor`` levels).
    """
    return _trajectories_schema(tuple(parties), tuple(guarantors))


@functools.cache
def _trajectories_schema(parties: tuple[str, ...], guarantors: tuple[str, ...]) -> pa.Schema:
    fields = [
        pa.field("run", pa.int64(), nullable=False),
        pa.field("seed", pa.int64(), nullable=False),
        category("phase", PHASES),
        pa.field("step", pa.int64(), nullable=False),
        category("actor", tuple(dict.fromkeys((*parties, *guarantors)))),
        pa.field("session", pa.int64()),
        pa.field("deal", pa.int64()),
        pa.field("utility", pa.float64()),
        pa.field("value", pa.float64()),
        pa.field("no_deal", pa.float64()),
        pa.field("accepted", pa.bool_()),
        *(_issue_field("offer", name) for name in ISSUE_NAMES),
        *(pa.field(name, pa.float64()) for name in ("chance", "balance", "support", "expected_edge", "credibility")),
        pa.field("engaged", pa.bool_()),
        pa.field("cohesion", pa.float64()),
        pa.field("level", pa.float64()),
        pa.field("trust", pa.float64()),
        pa.field("answered", pa.bool_()),
        pa.field("active", pa.bool_()),
        *(pa.field(name, pa.float64()) for name in ("guarantee", "consolidation", "incentive", "gain", "hazard")),
        pa.field("attacked", pa.bool_()),
        pa.field("probed", pa.bool_()),
    ]
    return pa.schema(fields)


PART_KEYS: tuple[str, ...] = ("point", "replicate")
"""The columns that identify a run in a sweep's parts, in place of ``run`` (and ``scenario``)."""


def part_schema(
    parties: Sequence[str] = PARTIES, guarantors: Sequence[str] = GUARANTORS, causes: Sequence[str] = CAUSES
) -> pa.Schema:
    """The columns of a sweep's result parts: ``point`` and ``replicate``, then the runs table's outcome columns.

    Derived from :func:`runs_schema`: ``run`` and ``scenario`` give way to the design point and replicate
    (the point's factor values are in ``design.parquet``), and categorical columns are stored as their
    text (the dictionary's value type), so that every part stands alone whichever levels its runs reached.

    Args:
        parties: The negotiating parties.
        guarantors: The guarantors.
        causes: The breakdown causes.
    """
    return _part_schema(tuple(parties), tuple(guarantors), tuple(causes))


@functools.cache
def _part_schema(parties: tuple[str, ...], guarantors: tuple[str, ...], causes: tuple[str, ...]) -> pa.Schema:
    fields = [pa.field(k, pa.int32(), nullable=False) for k in PART_KEYS]
    for f in runs_schema(parties, guarantors, causes):
        if f.name in ("run", "scenario"):
            continue
        fields.append(pa.field(f.name, f.type.value_type, nullable=f.nullable) if categories(f) is not None else f)
    return pa.schema(fields)


def pandas_dtype(f: pa.Field) -> Any:
    """The pandas dtype of a column of one of these schemas.

    Categorical columns become categoricals with their levels (ordered as declared), strings ``str``,
    booleans and integers ``bool``/``int64`` if they cannot be missing and ``boolean``/``Int64`` if they
    can, floats ``float64``.
    """
    levels = categories(f)
    if levels is not None:
        return pd.CategoricalDtype(list(levels), ordered=f.type.ordered)
    t = f.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        return "str"
    if pa.types.is_boolean(t):
        return "boolean" if f.nullable else "bool"
    if pa.types.is_integer(t):
        return "Int64" if f.nullable else "int64"
    if pa.types.is_floating(t):
        return "float64"
    raise TypeError(f"column {f.name!r}: no pandas type for Arrow type {t}")


def pandas_dtypes(schema: pa.Schema) -> dict[str, Any]:
    """The pandas dtype of every column of a schema, in order (see :func:`pandas_dtype`)."""
    return {f.name: pandas_dtype(f) for f in schema}


RUNS_SCHEMA: pa.Schema = runs_schema()
"""The outcome columns of the runs table with the default actors (the ``input.*`` columns follow)."""
TRAJECTORIES_SCHEMA: pa.Schema = trajectories_schema()
"""The columns of the trajectories table with the default actors."""
PART_SCHEMA: pa.Schema = part_schema()
"""The columns of a sweep's result parts with the default actors."""


# ------------------------------------------------------------------------------------------ tables


def typed_frame(rows: Sequence[Mapping[str, Any]], schema: pa.Schema | Mapping[str, Any]) -> pd.DataFrame:
    """A DataFrame with exactly the columns of ``schema``, in its order and with its types.

    Missing keys in a row are missing values (NaN, ``<NA>``); numpy scalars are converted.

    Args:
        rows: One mapping per row.
        schema: An Arrow schema (pandas types by :func:`pandas_dtypes`), or pandas dtypes by column.
    """
    dtypes = pandas_dtypes(schema) if isinstance(schema, pa.Schema) else schema
    columns = {}
    for name, dtype in dtypes.items():
        values = [plain(row.get(name)) for row in rows]
        columns[name] = pd.Series(values, dtype=dtype, name=name)
    return pd.DataFrame(columns, index=pd.RangeIndex(len(rows)))


def runs_table(
    outcomes: Iterable[RunOutcome],
    *,
    scenario: Scenario | None = None,
    run_ids: Iterable[int] | None = None,
) -> pd.DataFrame:
    """One typed row per replication, with the columns of :func:`runs_schema` for the scenario's actors.

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
    cols = actor_columns(scenario)
    frame = typed_frame(rows, runs_schema(cols.parties, cols.guarantors, cols.causes))
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
    """The traces of traced runs, long format: one row per run, phase, step and actor
    (the columns of :func:`trajectories_schema` for the scenario's actors).

    Talks (``phase == "talks"``, ``step`` = round, one row per negotiating party): the ``session`` and the
    ``deal`` count before it (0: the talks before any deal; 1: talks after the first deal broke down), the
    party's ``utility`` of the tabled offer in peace, its expected ``value`` of it and its value of
    ``no_deal``, whether it ``accepted``, the offer's terms ``offer.<issue>``, the battlefield ``balance`` and
    Western ``support``; Russia's row adds the others' ``chance`` that it accepts and their
    ``expected_edge`` (the mean of their belief about its private edge).

    Peace (``phase == "peace"``, ``step`` = year after the deal, ``deal`` = which deal, 1 the first): for each
    guarantor its
    ``credibility`` (probability of honouring) and whether the guarantee is ``active``, a guarantor with
    elections adds ``engaged``, a composite one its ``cohesion``; the challenger (``russia``) has the
    guarantors' expected weight in a war (``guarantee``), the ``balance`` a war would start from, its net
    ``incentive`` to attack and its ``gain`` from waiting, the yearly ``hazard`` of a renewed offensive,
    whether it ``attacked`` and whether it ``probed`` the guarantors; each guarantor's row has Russia's ``trust``
    in its resolve and whether it ``answered`` the probe.

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
            for p in r.accepted:
                row = {
                    **base,
                    "phase": "talks",
                    "step": r.round,
                    "actor": p,
                    "session": r.session,
                    "deal": r.deal,
                    "utility": r.utility.get(p),
                    "value": r.value.get(p),
                    "no_deal": r.no_deal.get(p),
                    "accepted": r.accepted.get(p),
                    **offer,
                    "balance": r.balance,
                    "support": r.support,
                }
                if p == columns.challenger:
                    row["chance"] = r.chance
                    row["expected_edge"] = r.expected_edge
                rows.append(row)
        for y in o.years_trace:
            step = {**base, "phase": "peace", "step": y.year, "deal": y.deal}
            rows.append(
                {
                    **step,
                    "actor": columns.challenger,
                    "guarantee": y.guarantee,
                    "balance": y.balance,
                    "consolidation": y.consolidation,
                    "incentive": y.incentive,
                    "gain": y.gain,
                    "hazard": y.hazard,
                    "attacked": y.attacked,
                    "probed": y.probed,
                }
            )
            for key, g in y.guarantors.items():
                row = {**step, "actor": key, "credibility": g.credibility, "trust": g.trust, "answered": g.answered}
                if g.cohesion is None:
                    row["engaged"] = g.engaged
                else:
                    row["cohesion"] = g.cohesion
                    row["level"] = g.level
                row["active"] = y.active
                rows.append(row)
    return typed_frame(rows, trajectories_schema(columns.parties, columns.guarantors))


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


# ------------------------------------------------------------------------------------------ measures


class Kind(enum.Enum):
    """How a measure is computed over the columns of a set of runs (estimated by
    :func:`sim.analysis.measures.estimate`)."""

    SHARE = "share"
    """The share of the runs in which ``column`` is true, with a 95 % Wilson interval: among all runs, the
    agreements or the attacked agreements (``among``); runs where the column is missing do not count."""
    HELD = "held"
    """The share of all runs that reached an agreement whose peace held more than ``t`` years (Wilson)."""
    SURVIVAL = "survival"
    """Kaplan-Meier survival of peace after agreement at ``t`` years, with its 95 % Greenwood (log-log) band."""
    MEDIAN = "median"
    """Kaplan-Meier median years of peace after agreement (inf beyond the horizon), its interval read off the
    band (Brookmeyer-Crowley style)."""
    MEAN = "mean"
    """The mean years of peace over the agreements (no interval)."""
    AVERAGE = "average"
    """The mean of ``column`` over all runs, with a 95 % normal-approximation interval kept within the range of
    the values (runs where it is missing do not count)."""


Among = Literal["runs", "agreements", "attacks"]
"""The runs a share is taken over: all runs, the agreements, or the agreements that Russia attacked."""

Use = Literal["summary", "sweep", "heatmap", "sensitivity"]
"""Where measures are reported (see :func:`measures_for`)."""


@dataclass(frozen=True)
class Measure:
    """One headline figure: its names, its labels and how it is computed over the runs' columns.

    Attributes:
        name: Identifier: the column of a sweep's aggregate (with ``<name>_low`` and ``<name>_high`` when it
            has an interval) and the ``outcome`` of its Sobol indices.
        label: Readable name for figure titles, e.g. ``P(peace holds 15 years | agreement)``.
        short_label: Compact name for text tables (the text summary, comparisons), e.g.
            ``P(peace holds 15 y | deal)``.
        kind: How it is computed (:class:`Kind`).
        column: The boolean column a :attr:`Kind.SHARE` counts.
        among: The runs a :attr:`Kind.SHARE` is taken over.
        t: Years, for :attr:`Kind.HELD` and :attr:`Kind.SURVIVAL`.
        key: Its key in ``summary.json`` and comparisons when that differs from ``name`` (dotted: nested).
        actor: The actor the measure is about, if any (e.g. the guarantor of an ``honoured`` share).
        summary: Reported in a run directory's summary, its text and comparisons.
        sweep: Reported per design point in a sweep's aggregate.
        heatmap: Drawn as a heat map of a sweep (and a probability: the maps' scale is 0-1).
    """

    name: str
    label: str
    short_label: str
    kind: Kind
    column: str | None = None
    among: Among = "runs"
    t: float | None = None
    key: str | None = None
    actor: str | None = None
    summary: bool = True
    sweep: bool = False
    heatmap: bool = False
    units: Literal["years", "utility", "share of territory"] | None = None

    def __post_init__(self) -> None:
        if self.kind is Kind.AVERAGE and (not self.column or self.units is None):
            raise ValueError(f"measure {self.name!r}: an average needs the column it averages and its units")
        if self.kind is Kind.SHARE and not self.column:
            raise ValueError(f"measure {self.name!r}: a share needs the column it counts")
        if self.kind in (Kind.HELD, Kind.SURVIVAL) and self.t is None:
            raise ValueError(f"measure {self.name!r}: {self.kind.value} needs the years t")
        if self.among not in typing.get_args(Among):
            raise ValueError(f"measure {self.name!r}: among must be one of {typing.get_args(Among)}")
        if self.heatmap and (not self.sweep or self.unit != "probability"):
            raise ValueError(f"measure {self.name!r}: a heat map needs a sweep measure that is a probability")

    @property
    def summary_key(self) -> str:
        """The key in ``summary.json`` and the ``figure`` of a comparison."""
        return self.key or self.name

    @property
    def unit(self) -> Literal["probability", "years", "utility", "share of territory"]:
        """What the value is: a probability, years (of peace), a utility or a share of territory."""
        if self.kind is Kind.AVERAGE and self.units is not None:
            return self.units
        return "years" if self.kind in (Kind.MEDIAN, Kind.MEAN) else "probability"

    @property
    def interval(self) -> bool:
        """Whether the estimate has a 95 % interval."""
        return self.kind is not Kind.MEAN

    @property
    def given_agreement(self) -> bool:
        """Whether it is conditional on agreement (undefined where no run reached one)."""
        return self.kind in (Kind.SURVIVAL, Kind.MEDIAN, Kind.MEAN) or (
            self.kind is Kind.SHARE and self.among != "runs"
        )

    @property
    def over_all_runs(self) -> bool:
        """Whether it is taken over all runs (so defined wherever there are runs)."""
        return self.kind in (Kind.HELD, Kind.AVERAGE) or (self.kind is Kind.SHARE and self.among == "runs")

    @property
    def columns(self) -> tuple[str, ...]:
        """The columns it is computed from."""
        if self.kind is Kind.SHARE:
            context = {"runs": (), "agreements": ("agreement",), "attacks": ("agreement", "breakdown")}[self.among]
            return tuple(dict.fromkeys((*context, self.column or "")))
        if self.kind is Kind.AVERAGE:
            return (self.column or "",)
        if self.kind is Kind.MEAN:
            return ("agreement", "peace_years")
        return ("agreement", "peace_years", "breakdown")


SHORT_NAMES: dict[str, str] = {"united_states": "US", "ukraine": "Ukraine", "russia": "Russia"}
"""Short names of actors in labels (others: the key with spaces)."""


def short_name(actor: str, names: Mapping[str, str] | None = None) -> str:
    """An actor's name in a label: from ``names``, then :data:`SHORT_NAMES`, else the key with spaces."""
    return {**SHORT_NAMES, **(names or {})}.get(actor, actor.replace("_", " "))


def headline_measures(
    guarantors: Sequence[str] = GUARANTORS,
    names: Mapping[str, str] | None = None,
    parties: Sequence[str] = PARTIES,
) -> tuple[Measure, ...]:
    """The headline figures of the simulator, in the order they are reported.

    Args:
        guarantors: The guarantors (one ``P(<guarantor> honours | attacked)`` each).
        parties: The parties (one expected welfare each).
        names: Short names of actors in labels (see :func:`short_name`).
    """
    honoured = tuple(
        Measure(
            f"p_honoured_when_attacked.{g}",
            f"P({short_name(g, names)} honours its guarantee | Russia attacked)",
            f"P({short_name(g, names)} honours | attacked)",
            Kind.SHARE,
            column=f"honoured.{g}",
            among="attacks",
            actor=g,
        )
        for g in guarantors
    )
    welfare = tuple(
        Measure(
            f"welfare.{p}",
            f"expected welfare of {short_name(p, names)} (discounted yearly average)",
            f"welfare of {short_name(p, names)}",
            Kind.AVERAGE,
            column=f"welfare.{p}",
            actor=p,
            sweep=True,
            units="utility",
        )
        for p in parties
    )
    return (
        Measure(
            "p_agreement",
            "P(agreement in the first session of talks)",
            "P(deal, first session)",
            Kind.SHARE,
            column="first_session",
            sweep=True,
            heatmap=True,
        ),
        Measure(
            "p_deal_15",
            "P(a deal within 15 years)",
            "P(deal within 15 y)",
            Kind.SHARE,
            column="deal_within_15",
            sweep=True,
        ),
        Measure(
            "peace_years_15",
            "expected years of peace in the first 15 years (no deal counts as war)",
            "years of peace of the first 15",
            Kind.AVERAGE,
            column="peace_years_15",
            sweep=True,
            units="years",
        ),
        Measure(
            "peace_years_30",
            "expected years of peace in the first 30 years (no deal counts as war)",
            "years of peace of the first 30",
            Kind.AVERAGE,
            column="peace_years_30",
            sweep=True,
            units="years",
        ),
        Measure(
            "p_deal_then_war_15",
            "P(a deal, then war again, within 15 years)",
            "P(deal, then war, within 15 y)",
            Kind.SHARE,
            column="deal_then_war_15",
            sweep=True,
            heatmap=True,
        ),
        Measure(
            "p_durable_15",
            "P(durable peace) = P(agreement and 15 years of peace)",
            "P(durable peace: deal & 15 y)",
            Kind.HELD,
            t=15,
            sweep=True,
            heatmap=True,
        ),
        Measure(
            "p_holds_15",
            "P(peace holds 15 years | agreement)",
            "P(peace holds 15 y | deal)",
            Kind.SURVIVAL,
            t=15,
            key="p_holds_15_given_agreement",
            sweep=True,
            heatmap=True,
        ),
        Measure(
            "p_holds_30",
            "P(peace holds 30 years | agreement)",
            "P(peace holds 30 y | deal)",
            Kind.SURVIVAL,
            t=30,
            key="p_holds_30_given_agreement",
        ),
        Measure(
            "median_peace_years", "median years of peace after agreement", "median years of peace | deal", Kind.MEDIAN
        ),
        *welfare,
        Measure(
            "territory_30",
            "share of Ukraine's territory Russia holds after 30 years",
            "territory held by Russia at 30 y",
            Kind.AVERAGE,
            column="territory_30",
            units="share of territory",
        ),
        Measure(
            "war_after_years",
            "years of the war after a breakdown, to a new deal or the horizon (censored there)",
            "years of war after a breakdown",
            Kind.AVERAGE,
            column="war_after_years",
            units="years",
        ),
        Measure(
            "territory_change",
            "change in the share of Ukraine's territory Russia holds over the war after a breakdown",
            "territory Russia gains after a breakdown",
            Kind.AVERAGE,
            column="territory_change",
            units="share of territory",
        ),
        *honoured,
        Measure(
            "p_redeal",
            "P(a new deal ends the war after a breakdown | Russia attacked)",
            "P(new deal after a breakdown | attacked)",
            Kind.SHARE,
            column="redeal",
            among="attacks",
        ),
        Measure(
            "mean_peace_years",
            "mean years of peace after agreement",
            "mean years of peace | deal",
            Kind.MEAN,
            summary=False,
            sweep=True,
        ),
    )


MEASURES: tuple[Measure, ...] = headline_measures()
"""The one list of headline figures. Every report reads it (through :func:`measures_for`): the summary of a
run directory and its text, comparisons, a sweep's aggregate, heat maps and Sobol indices, the notebooks'
tables and figures. Adding a figure is adding an entry here."""


def measures_for(use: Use, measures: Sequence[Measure] | None = None) -> tuple[Measure, ...]:
    """The measures a report shows, in the list's order.

    Args:
        use: ``summary`` (a run directory's summary, its text, comparisons), ``sweep`` (a sweep's aggregate per
            design point), ``heatmap`` (a sweep's heat maps) or ``sensitivity`` (Sobol indices: the sweep
            measures that are shares of all runs, so defined at every design point).
        measures: The list to choose from (default: :data:`MEASURES`, as it is when called).
    """
    pool = MEASURES if measures is None else tuple(measures)
    if use == "summary":
        return tuple(m for m in pool if m.summary)
    if use == "sweep":
        return tuple(m for m in pool if m.sweep)
    if use == "heatmap":
        return tuple(m for m in pool if m.sweep and m.heatmap)
    if use == "sensitivity":
        return tuple(m for m in pool if m.sweep and m.over_all_runs)
    raise ValueError(f"unknown use {use!r}; choose from {', '.join(typing.get_args(Use))}")


def find_measure(name: str, measures: Sequence[Measure] | None = None) -> Measure:
    """The measure with this name (or summary key).

    Raises:
        KeyError: If there is none; the message lists the names.
    """
    pool = MEASURES if measures is None else tuple(measures)
    for m in pool:
        if name in (m.name, m.summary_key):
            return m
    raise KeyError(f"no measure {name!r}; measures: {', '.join(m.name for m in pool)}")


def measure_columns(measures: Iterable[Measure]) -> list[str]:
    """The columns the measures are computed from, each once, in first-needed order."""
    return list(dict.fromkeys(c for m in measures for c in m.columns))
