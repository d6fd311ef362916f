"""A sweep's folder on disk: design, result parts written atomically as chunks finish, manifest.

Layout::

    <sweep dir>/
      sweep.yaml          the sweep file as given (its extends: chain resolved)
      design.parquet      one row per design point: point, then one column per factor
      parts/part-000123.parquet   the rows of chunk 123 (written to a temporary file, then renamed)
      manifest.json       provenance and status (running | interrupted | complete)
      aggregate.parquet   headline figures per design point (when complete)
      figures/            heat maps (when complete)

A part exists only once its chunk finished, so ``--resume`` after a crash or ``kill -9`` runs exactly the
chunks without a part; the results are the union of the parts, sorted by (point, replicate).

Every part carries, in its Parquet metadata, the identity of its sweep (a hash of everything the results
depend on, :func:`sim.execution.sweep.runner.sweep_identity`), its chunk and the range of runs it holds,
and is written with page checksums. :meth:`SweepStore.check_parts` verifies all of that, and the run keys
and row count, before a part counts as done; a part that fails (truncated, corrupt, of another sweep, of
another chunk) is moved to ``parts/set-aside/`` so that its chunk runs again.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from sim.atomic import write_atomic, write_json
from sim.config.errors import InputError
from sim.execution.sweep.backends import ROW_SCHEMA, Chunk

PART_GLOB = "part-*.parquet"
SET_ASIDE = "set-aside"
"""The folder inside ``parts/`` where parts that failed verification are moved."""
_PART_NAME = re.compile(r"^part-(\d{6,9})\.parquet$")
IDENTITY_KEY = b"sim.sweep"
CHUNK_KEY = b"sim.chunk"
RUNS_KEY = b"sim.runs"


@dataclass(frozen=True)
class SetAside:
    """A part that failed verification and was moved out of the way.

    Attributes:
        part: Its name in ``parts/``.
        reason: Why it was set aside.
        moved_to: Where it is now, relative to the sweep folder.
    """

    part: str
    reason: str
    moved_to: str

    def line(self) -> str:
        """One line for the user."""
        return f"set aside parts/{self.part} ({self.reason}): moved to {self.moved_to}; its chunk runs again"


def write_parquet_atomic(path: Path, table: pa.Table) -> None:
    """Write a Parquet file atomically."""
    write_atomic(path, lambda p: pq.write_table(table, p))


class SweepStore:
    """The folder of one sweep.

    Args:
        root: The sweep folder.
    """

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        self.parts = self.root / "parts"

    @property
    def manifest_path(self) -> Path:
        return self.root / "manifest.json"

    def exists(self) -> bool:
        """Whether the folder holds a sweep (a manifest)."""
        return self.manifest_path.is_file()

    def manifest(self) -> dict[str, Any]:
        """The manifest.

        Raises:
            InputError: If it cannot be read or is not a JSON object.
        """
        try:
            data = json.loads(self.manifest_path.read_text(encoding="utf-8"))
        except (OSError, UnicodeError, ValueError) as err:
            raise InputError(
                "the sweep's manifest cannot be read",
                file=self.manifest_path,
                found=f"{type(err).__name__}: {err}"[:160],
                hint="start the sweep afresh with --force (or another --out)",
            ) from None
        if not isinstance(data, dict):
            raise InputError(
                "the sweep's manifest is not a JSON object",
                file=self.manifest_path,
                hint="start the sweep afresh with --force (or another --out)",
            )
        return data

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest atomically."""
        write_json(self.manifest_path, manifest)

    def part_path(self, chunk_id: int) -> Path:
        """Where the part of chunk ``chunk_id`` is stored."""
        return self.parts / f"part-{chunk_id:06d}.parquet"

    def done_chunks(self) -> set[int]:
        """Ids of the chunks whose part is on disk (unverified: see :meth:`check_parts`)."""
        if not self.parts.is_dir():
            return set()
        return {int(m.group(1)) for p in self.parts.glob(PART_GLOB) if (m := _PART_NAME.match(p.name))}

    def write_part(self, chunk: Chunk, table: pa.Table, identity: str) -> None:
        """Store one finished chunk atomically, with its sweep's identity, its chunk and its runs."""
        metadata = {
            **(table.schema.metadata or {}),
            IDENTITY_KEY: identity.encode(),
            CHUNK_KEY: str(chunk.id).encode(),
            RUNS_KEY: f"{chunk.start}-{chunk.stop}".encode(),
        }
        table = table.replace_schema_metadata(metadata)
        write_atomic(self.part_path(chunk.id), lambda p: pq.write_table(table, p, write_page_checksum=True))

    def check_parts(self, chunks: Sequence[Chunk], replications: int, identity: str) -> tuple[set[int], list[SetAside]]:
        """Verify every part on disk; set aside those that fail.

        A part counts as done if it is a readable Parquet file whose page checksums hold, that carries
        this sweep's identity, whose name, chunk and run range are those of a chunk of this sweep, and
        whose rows are exactly that chunk's runs (point and replicate of every run, in order).

        Args:
            chunks: The sweep's chunks.
            replications: Runs per design point (run ``k`` is point ``k // replications``).
            identity: The sweep's identity hash.

        Returns:
            The ids of the verified chunks, and the parts set aside (moved to ``parts/set-aside/``).
        """
        if not self.parts.is_dir():
            return set(), []
        by_id = {c.id: c for c in chunks}
        done: set[int] = set()
        rejected: list[SetAside] = []
        for path in sorted(self.parts.glob(PART_GLOB)):
            match = _PART_NAME.match(path.name)
            chunk = by_id.get(int(match.group(1))) if match else None
            if chunk is None:
                problem: str | None = "its name is not that of a chunk of this sweep"
            else:
                problem = part_problem(path, chunk, replications, identity)
            if problem is None and chunk is not None:
                done.add(chunk.id)
            else:
                rejected.append(self._set_aside(path, problem or "unknown"))
        return done, rejected

    def _set_aside(self, path: Path, reason: str) -> SetAside:
        folder = self.parts / SET_ASIDE
        folder.mkdir(exist_ok=True)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        target = folder / f"{path.stem}.{stamp}{path.suffix}"
        os.replace(path, target)
        return SetAside(path.name, reason, target.relative_to(self.root).as_posix())

    def clean_temporaries(self) -> None:
        """Remove temporary files left by an interrupted write."""
        if self.parts.is_dir():
            for p in self.parts.glob(".*.tmp"):
                p.unlink(missing_ok=True)

    def results(self, columns: list[str] | None = None) -> pa.Table:
        """All finished runs, sorted by (point, replicate)."""
        files = sorted(self.parts.glob(PART_GLOB)) if self.parts.is_dir() else []
        if not files:
            schema = ROW_SCHEMA if columns is None else pa.schema([ROW_SCHEMA.field(c) for c in columns])
            return schema.empty_table()
        cols = None if columns is None else sorted(set(columns) | {"point", "replicate"}, key=ROW_SCHEMA.names.index)
        tables = []
        for f in files:
            try:
                tables.append(pq.read_table(f, columns=cols))
            except (OSError, pa.ArrowException) as err:
                raise InputError(
                    "a part of the sweep cannot be read",
                    file=f,
                    found=f"{type(err).__name__}: {err}"[:160],
                    hint="run the same command with --resume: it sets unreadable parts aside and runs their "
                    "chunks again",
                ) from None
        table = pa.concat_tables(tables).replace_schema_metadata(None)
        table = table.sort_by([("point", "ascending"), ("replicate", "ascending")])
        return table if columns is None else table.select(columns)

    def design(self) -> pa.Table:
        """The design table."""
        return pq.read_table(self.root / "design.parquet")

    def aggregate(self) -> pa.Table:
        """The headline figures per design point (``aggregate.parquet``, written when the sweep finished)."""
        return pq.read_table(self.root / "aggregate.parquet")

    def sobol_indices(self) -> pa.Table:
        """The Sobol indices of a finished sobol sweep (computed, nothing written).

        Raises:
            sim.config.errors.InputError: If this is not a finished sobol sweep.
        """
        from sim.execution.sweep.sensitivity import sweep_indices

        return sweep_indices(self)


def part_problem(path: Path, chunk: Chunk, replications: int, identity: str) -> str | None:
    """Why the part at ``path`` is not the finished chunk ``chunk`` of the sweep ``identity`` (None if it is)."""
    try:
        metadata = pq.read_schema(path).metadata or {}
    except (OSError, pa.ArrowException):
        return "not a readable Parquet file: truncated or corrupt"
    found = metadata.get(IDENTITY_KEY)
    if found is None:
        return "it carries no sweep identity: written by another program or an older version"
    if found != identity.encode():
        return f"it belongs to another sweep ({found.decode(errors='replace')[:12]}...)"
    if metadata.get(CHUNK_KEY) != str(chunk.id).encode():
        return f"it holds chunk {metadata.get(CHUNK_KEY, b'?').decode(errors='replace')}, not chunk {chunk.id}"
    if metadata.get(RUNS_KEY) != f"{chunk.start}-{chunk.stop}".encode():
        return f"it holds runs {metadata.get(RUNS_KEY, b'?').decode(errors='replace')}, not {chunk.start}-{chunk.stop}"
    try:
        table = pq.read_table(path, page_checksum_verification=True)
    except (OSError, pa.ArrowException):
        return "its data is corrupt (a page checksum fails, or it is truncated)"
    if table.column_names != ROW_SCHEMA.names:
        return "its columns are not those of sweep results"
    if table.num_rows != chunk.stop - chunk.start:
        return f"it holds {table.num_rows} runs, not {chunk.stop - chunk.start}"
    k = np.arange(chunk.start, chunk.stop)
    points = table.column("point").to_numpy(zero_copy_only=False)
    reps = table.column("replicate").to_numpy(zero_copy_only=False)
    if not (np.array_equal(points, k // replications) and np.array_equal(reps, k % replications)):
        return "its runs are not the chunk's runs"
    return None
