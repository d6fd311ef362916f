"""Parameter sweeps: a sweep file declares factors and a design; chunks of runs execute on a backend;
results stream to Parquet parts; aggregates, figures and sensitivity indices are computed from them.

Flow: ``spec`` (validated sweep file) → ``design`` (points) → ``execute`` (chunks on a backend) →
``store`` (parts on disk) → ``aggregate`` / ``sensitivity`` / ``figures``.
"""

from sim.sweep.spec import SweepSpec, load_sweep

__all__ = ["SweepSpec", "load_sweep"]
