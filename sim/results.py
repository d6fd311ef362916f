"""The results store: typed tables from run outcomes, the run directory on disk, atomic writes, loading back.

A run directory holds::

    runs.parquet          one row per replication: outcome, then the resolved inputs (``input.*``)
    trajectories.parquet  traced runs, long format: per round (talks) and per year (peace), per actor
    columns.json          the type of every column (restores exact types from CSV)
    summary.json          headline figures with 95 % intervals
    manifest.json         provenance and status (``running``, ``complete`` or ``interrupted``)
    figures/              PNG figures

With ``fmt="csv"`` the two tables are ``runs.csv`` and ``trajectories.csv``. Every file is written
atomically (a temporary file in the same folder, flushed to disk, then renamed over the target), so
a reader never sees half a file. :func:`load_results` reads a run directory back in one call.
"""

from __future__ import annotations

import contextlib
import json
import typing
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sim.atomic import plain, write_atomic, write_json
from sim.errors import InputError
from sim.issues import ISSUES
from sim.negotiation import PARTY_KEYS
from sim.outcomes import Cause, End, RunOutcome
from sim.scenario import Scenario

__all__ = [
    "Format",
    "FORMATS",
    "Results",
    "RunDirectory",
    "default_run_dir",
    "input_values",
    "load_results",
    "runs_table",
    "trajectories_table",
    "typed_frame",
    "write_atomic",
    "write_json",
]

Format = Literal["parquet", "csv"]
FORMATS: tuple[str, ...] = typing.get_args(Format)

RUNS = "runs"
TRAJECTORIES = "trajectories"
SUMMARY_FILE = "summary.json"
MANIFEST_FILE = "manifest.json"
COLUMNS_FILE = "columns.json"
FIGURES_DIR = "figures"

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


def _runs_schema() -> dict[str, ColumnType]:
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
    schema |= {f"utility.{p}": "float64" for p in PARTY_KEYS}
    schema |= {
        "coalition_troops_offered": "float64",
        "peace_years": "float64",
        "breakdown": "bool",
        "breakdown_year": "Int64",
        "cause": _category(typing.get_args(Cause)),
    }
    schema |= {f"honoured.{g}": "boolean" for g in GUARANTORS}
    schema |= {"horizon": "int64", "duration": "float64"}
    return schema


def _trajectories_schema() -> dict[str, ColumnType]:
    schema: dict[str, ColumnType] = {
        "run": "int64",
        "seed": "int64",
        "phase": _category(PHASES),
        "step": "int64",
        "actor": _category(ACTORS),
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


RUNS_SCHEMA: dict[str, ColumnType] = _runs_schema()
"""Column types of the outcome part of the runs table (the ``input.*`` columns follow)."""
TRAJECTORIES_SCHEMA: dict[str, ColumnType] = _trajectories_schema()
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
    frame = typed_frame(rows, RUNS_SCHEMA)
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


def trajectories_table(outcomes: Iterable[RunOutcome], run_ids: Iterable[int] | None = None) -> pd.DataFrame:
    """The traces of traced runs, long format: one row per run, phase, step and actor.

    Talks (``phase == "talks"``, ``step`` = round, one row per negotiating party): the party's
    ``utility`` of the tabled offer, its ``aspiration`` and ``reservation`` value, whether it
    ``accepted``, the offer's terms ``offer.<issue>``, the battlefield ``balance`` and Western
    ``support``; Russia's row adds ``russia_belief`` (its belief that it is winning).

    Peace (``phase == "peace"``, ``step`` = year after the deal): for ``united_states`` and
    ``coalition`` their ``credibility`` (probability of honouring) and whether the guarantee is
    ``active``; the US adds ``engaged``, the coalition its ``cohesion``; ``russia`` has the
    ``deterrence`` it faces, its ``motive``, the yearly ``hazard`` of a renewed offensive and whether
    it ``attacked``.

    Untraced outcomes contribute no rows.

    Args:
        outcomes: The run outcomes.
        run_ids: Replicate indices of the outcomes (default 0, 1, 2, ...).
    """
    outs = list(outcomes)
    ids = list(range(len(outs))) if run_ids is None else list(run_ids)
    rows: list[dict[str, Any]] = []
    for j, o in zip(ids, outs, strict=True):
        base = {"run": j, "seed": o.seed}
        for r in o.rounds_trace:
            offer = {f"offer.{k}": v for k, v in (r.offer or {}).items()}
            for p in PARTY_KEYS:
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
                if p == "russia":
                    row["russia_belief"] = r.russia_belief
                rows.append(row)
        for y in o.years_trace:
            step = {**base, "phase": "peace", "step": y.year}
            rows.append(
                {
                    **step,
                    "actor": "russia",
                    "deterrence": y.deterrence,
                    "motive": y.motive,
                    "hazard": y.hazard,
                    "attacked": y.attacked,
                }
            )
            rows.append(
                {
                    **step,
                    "actor": "united_states",
                    "credibility": y.credibility_us,
                    "engaged": y.us_engaged,
                    "active": y.active,
                }
            )
            rows.append(
                {
                    **step,
                    "actor": "coalition",
                    "credibility": y.credibility_coalition,
                    "cohesion": y.cohesion,
                    "active": y.active,
                }
            )
    return typed_frame(rows, TRAJECTORIES_SCHEMA)


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


# ------------------------------------------------------------------------------------------ writing


def _write_table(path: Path, frame: pd.DataFrame, fmt: Format) -> Path:
    if fmt == "parquet":
        return write_atomic(path, lambda p: frame.to_parquet(p, engine="pyarrow", index=False))
    return write_atomic(path, lambda p: frame.to_csv(p, index=False))


def _read_table(path: Path, types: Mapping[str, Mapping[str, Any]] | None) -> pd.DataFrame:
    if path.suffix == ".parquet":
        frame = pd.read_parquet(path, engine="pyarrow")
        # Parquet keeps categories only as far as they occur (an empty table has none): restore them.
        for c, t in (types or {}).items():
            if t["dtype"] == "category" and c in frame:
                frame[c] = frame[c].astype(pd.CategoricalDtype(t["categories"], ordered=t["ordered"]))
        return frame
    if types is None:
        return pd.read_csv(path)
    # Only non-text columns read empty cells as missing; text keeps "" as "".
    dtype = {c: ("str" if t["dtype"] == "category" else t["dtype"]) for c, t in types.items()}
    na = {c: [""] for c, t in types.items() if t["dtype"] != "str"}
    frame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=na)
    for c, t in types.items():
        if t["dtype"] == "category" and c in frame:
            frame[c] = frame[c].astype(pd.CategoricalDtype(t["categories"], ordered=t["ordered"]))
    return frame


def default_run_dir(base: str | Path, name: str, now: datetime | None = None) -> Path:
    """``<base>/<name>-<UTC timestamp>``, with ``-2``, ``-3``, ... appended if that already exists."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    path = Path(base) / f"{name}-{stamp}"
    k = 2
    while path.exists():
        path = Path(base) / f"{name}-{stamp}-{k}"
        k += 1
    return path


@dataclass(frozen=True)
class RunDirectory:
    """A run directory on disk (see the module docstring for its files).

    Attributes:
        path: The folder.
        fmt: The table format, ``parquet`` or ``csv``.
    """

    path: Path
    fmt: Format = "parquet"

    OUTPUTS: typing.ClassVar[tuple[str, ...]] = (
        *(f"{t}.{f}" for t in (RUNS, TRAJECTORIES) for f in FORMATS),
        COLUMNS_FILE,
        SUMMARY_FILE,
        MANIFEST_FILE,
    )

    @classmethod
    def create(cls, path: str | Path, *, fmt: Format = "parquet", force: bool = False) -> RunDirectory:
        """Create the folder, refusing to overwrite an existing, non-empty one unless ``force``.

        With ``force`` only the files this class writes (tables, JSON files, ``figures/*.png``) are
        removed; anything else in the folder is left alone.

        Raises:
            InputError: If the folder exists and is not empty (without ``force``), or is a file, or if
                ``fmt`` is unknown.
        """
        if fmt not in FORMATS:
            raise InputError(
                "unknown results format", key_path="--format", expected=" or ".join(FORMATS), found=str(fmt)
            )
        folder = Path(path)
        if folder.exists() and not folder.is_dir():
            raise InputError("output path is a file, not a folder", file=folder, hint="choose another --out")
        if folder.is_dir() and any(folder.iterdir()):
            if not force:
                raise InputError(
                    "output folder already exists and is not empty; refusing to overwrite it",
                    file=folder,
                    hint="pass --force to overwrite it, or choose another folder with --out",
                )
            for name in cls.OUTPUTS:
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
            figures = folder / FIGURES_DIR
            if figures.is_dir():
                for png in figures.glob("*.png"):
                    png.unlink()
        folder.mkdir(parents=True, exist_ok=True)
        return cls(folder, fmt)

    @property
    def figures(self) -> Path:
        """The figures folder (created on first use)."""
        folder = self.path / FIGURES_DIR
        folder.mkdir(exist_ok=True)
        return folder

    def table_path(self, name: str) -> Path:
        """Where table ``name`` (``runs`` or ``trajectories``) is written."""
        return self.path / f"{name}.{self.fmt}"

    def write_tables(self, runs: pd.DataFrame, trajectories: pd.DataFrame) -> None:
        """Write both tables and ``columns.json``, each atomically."""
        write_json(self.path / COLUMNS_FILE, {RUNS: column_types(runs), TRAJECTORIES: column_types(trajectories)})
        _write_table(self.table_path(RUNS), runs, self.fmt)
        _write_table(self.table_path(TRAJECTORIES), trajectories, self.fmt)

    def write_summary(self, summary: Mapping[str, Any]) -> Path:
        """Write ``summary.json``."""
        return write_json(self.path / SUMMARY_FILE, summary)

    def write_manifest(self, manifest: Mapping[str, Any]) -> Path:
        """Write ``manifest.json``."""
        return write_json(self.path / MANIFEST_FILE, manifest)


# ------------------------------------------------------------------------------------------ loading


@dataclass(frozen=True)
class Results:
    """A run directory loaded back.

    Attributes:
        path: The run directory.
        runs: One row per replication (see :func:`runs_table`).
        trajectories: Traces of the traced runs (see :func:`trajectories_table`).
        summary: The headline figures (``summary.json``).
        manifest: Provenance and status (``manifest.json``).
    """

    path: Path
    runs: pd.DataFrame
    trajectories: pd.DataFrame
    summary: dict[str, Any]
    manifest: dict[str, Any]


def _read_json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError("not a complete run directory: file missing", file=path) from None
    except json.JSONDecodeError as err:
        raise InputError(f"not valid JSON: {err.msg}", file=path, line=err.lineno) from None


def _find_table(folder: Path, name: str) -> Path:
    for fmt in FORMATS:
        candidate = folder / f"{name}.{fmt}"
        if candidate.is_file():
            return candidate
    raise InputError(
        "not a complete run directory: table missing",
        file=folder / f"{name}.parquet",
        expected=f"{name}.parquet or {name}.csv",
        hint="a run directory is made by `sim run`",
    )


def load_results(run_dir: str | Path) -> Results:
    """Load a run directory: the runs and trajectories tables (parquet or CSV, types restored),
    the summary and the manifest.

    Example::

        res = load_results("results/baseline-20260115T093000Z")
        res.runs.groupby("deal.territory", observed=True)["breakdown"].mean()

    Raises:
        InputError: If the folder is not a run directory or lacks one of its files.
    """
    folder = Path(run_dir)
    if not folder.is_dir():
        raise InputError("no such run directory", file=folder)
    columns_file = folder / COLUMNS_FILE
    types = _read_json(columns_file) if columns_file.is_file() else {}
    runs = _read_table(_find_table(folder, RUNS), types.get(RUNS))
    trajectories = _read_table(_find_table(folder, TRAJECTORIES), types.get(TRAJECTORIES))
    return Results(
        path=folder,
        runs=runs,
        trajectories=trajectories,
        summary=_read_json(folder / SUMMARY_FILE),
        manifest=_read_json(folder / MANIFEST_FILE),
    )
