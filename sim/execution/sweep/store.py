"""A sweep's folder on disk: design, result parts written atomically as chunks finish, manifest.

Layout::

    <sweep dir>/
      sweep.yaml          the sweep file as given
      design.parquet      one row per design point: point, then one column per factor
      parts/part-000123.parquet   the rows of chunk 123 (written to a temporary file, then renamed)
      manifest.json       provenance and status (running | interrupted | complete)
      aggregate.parquet   headline figures per design point (when complete)
      figures/            heat maps (when complete)

A part exists only once its chunk finished, so ``--resume`` after a crash or ``kill -9`` runs exactly the
chunks without a part; the results are the union of the parts, sorted by (point, replicate).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from sim.atomic import write_atomic, write_json
from sim.execution.sweep.backends import ROW_SCHEMA

PART_GLOB = "part-*.parquet"


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
        """The manifest."""
        return json.loads(self.manifest_path.read_text(encoding="utf-8"))

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        """Replace the manifest atomically."""
        write_json(self.manifest_path, manifest)

    def done_chunks(self) -> set[int]:
        """Ids of the chunks whose part is on disk."""
        if not self.parts.is_dir():
            return set()
        return {int(p.stem.split("-")[1]) for p in self.parts.glob(PART_GLOB)}

    def write_part(self, chunk_id: int, table: pa.Table) -> None:
        """Store one finished chunk atomically."""
        write_parquet_atomic(self.parts / f"part-{chunk_id:06d}.parquet", table)

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
        table = pa.concat_tables(pq.read_table(f, columns=cols) for f in files)
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
