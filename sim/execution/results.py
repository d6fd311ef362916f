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
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import pandas as pd

from sim.atomic import write_atomic, write_json
from sim.config.errors import InputError
from sim.config.paths import check_output_folder, output_errors
from sim.outcomes import (
    column_types,
    input_values,
    runs_table,
    trajectories_table,
    typed_frame,
)

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
        folder = check_output_folder(path)
        with output_errors(folder, "cannot create the run directory"):
            return cls._create(folder, fmt, force)

    @classmethod
    def _create(cls, folder: Path, fmt: Format, force: bool) -> RunDirectory:
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
