"""Parameter sweeps: design → backend (chunks of runs) → store (Parquet parts) → aggregate, figures, indices.

Flow: :mod:`sim.config.sweep` (the validated sweep file) → :mod:`~sim.execution.sweep.design` (points) →
:mod:`~sim.execution.sweep.backends` (chunks on serial, processes or dask) →
:mod:`~sim.execution.sweep.store` (parts on disk) → :mod:`sim.analysis.aggregate`,
:mod:`sim.analysis.sensitivity`, :mod:`sim.figures.sweep`; :mod:`~sim.execution.sweep.runner` runs it
end to end.
"""
