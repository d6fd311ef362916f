"""The sizes the simulator accepts from its input, in one place, and how to go beyond them.

Every limit is far above what a real scenario or sweep needs; each exists so that a slip (an extra
zero, a runaway alias, a pasted blob) is a clear input error instead of a machine that runs out of
memory or a folder name the file system refuses. The two sweep limits can be raised with an
environment variable, for a machine that has the memory and the time.
"""

from __future__ import annotations

import os

__all__ = [
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_KEY_PATH_PARTS",
    "MAX_NAME",
    "MAX_NUMBER_CHARS",
    "MAX_SEED",
    "MAX_TRACED_RUNS",
    "MAX_WORKERS",
    "max_points",
    "max_runs",
]

MAX_FILE_BYTES = 1_000_000
"""Largest scenario or sweep file read (a complete scenario is about 5 kB)."""
MAX_DEPTH = 64
"""Deepest nesting of mappings and lists in a file or a ``--set`` value (a scenario nests 5 levels)."""
MAX_KEY_PATH_PARTS = 32
"""Most parts of a dotted key path in ``--set`` or a sweep's factors and ``set:``."""
MAX_NUMBER_CHARS = 100
"""Longest number literal, in characters (a float has 17 significant digits)."""
MAX_NAME = 64
"""Longest scenario or sweep ``name`` (it becomes part of folder names)."""
MAX_SEED = 2**63 - 1
"""Largest master seed: seeds are stored in signed 64-bit columns."""
MAX_TRACED_RUNS = 10_000
"""Most runs traced for the trajectories table (traces are kept in memory until written)."""
MAX_WORKERS = 256
"""Most local worker processes (``--workers``); a dask cluster (``--scheduler``) takes more."""

_MAX_POINTS = 20_000
_MAX_RUNS = 10_000_000
POINTS_VARIABLE = "SIM_MAX_POINTS"
RUNS_VARIABLE = "SIM_MAX_RUNS"


def _from_environment(name: str, default: int) -> int:
    text = os.environ.get(name, "").strip()
    if text.isdigit() and len(text) < 19 and int(text) > 0:
        return int(text)
    return default


def max_points() -> int:
    """Most design points of a sweep (each is a validated scenario held in memory, about 36 kB).

    Raised with the environment variable ``SIM_MAX_POINTS``.
    """
    return _from_environment(POINTS_VARIABLE, _MAX_POINTS)


def max_runs() -> int:
    """Most runs of a sweep (design points × replications).

    Raised with the environment variable ``SIM_MAX_RUNS``.
    """
    return _from_environment(RUNS_VARIABLE, _MAX_RUNS)
