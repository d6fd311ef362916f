"""Failures of the machinery rather than of the input: the CLI reports them without a traceback, exit code 3."""

from __future__ import annotations

__all__ = ["SweepFailed"]


class SweepFailed(RuntimeError):
    """A sweep could not finish: its workers kept dying, or there were none for too long.

    Every finished chunk is kept in the sweep folder; ``sim sweep ... --resume`` runs the rest.
    ``str(err)`` says what happened and what to do.
    """
