"""Deprecated: sweeps are now :mod:`sim.execution.sweep` (``sim.sweep.runner`` stays an alias of
:mod:`sim.execution.sweep.runner` for one release)."""
