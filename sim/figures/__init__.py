"""Every figure of the simulator, in one style (:mod:`~sim.figures.style`).

:mod:`~sim.figures.run` draws a run directory's figures, :mod:`~sim.figures.notebook` the notebooks'
figures over :mod:`sim.analysis` tables, :mod:`~sim.figures.sweep` a sweep's heat maps and Sobol bars.
Figures are built on bare :class:`matplotlib.figure.Figure` objects (no ``pyplot``).

Layer rule: imports :mod:`sim.analysis`, :mod:`sim.outcomes` and below, never :mod:`sim.execution`.
"""
