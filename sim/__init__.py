"""Negotiation and deterrence simulator for security guarantees for Ukraine.

The main entry points: :func:`sim.config.scenario.load_scenario`, :func:`sim.execution.runs.run_scenario`,
:func:`sim.analysis.summary.summarise`, :func:`load_results` (a run directory back as tables), and the ``sim``
command (:mod:`sim.cli`).
"""

from __future__ import annotations

from typing import Any

__all__ = ["load_results"]


def __getattr__(name: str) -> Any:
    # load_results pulls in pandas: import it only when asked for, so `import sim` stays light.
    if name == "load_results":
        from sim.execution.results import load_results

        return load_results
    raise AttributeError(f"module 'sim' has no attribute {name!r}")
