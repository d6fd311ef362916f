"""Deprecated alias of :mod:`sim.execution.runs`: the module moved when the code was put in layers.

The alias goes in the next release."""

import importlib
import sys
import warnings

warnings.warn(
    "sim.run is now sim.execution.runs; the old name goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = importlib.import_module("sim.execution.runs")
