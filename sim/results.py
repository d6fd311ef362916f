"""Deprecated alias of :mod:`sim.execution.results`: the module moved when the code was put in layers.

The alias goes in the next release."""

import importlib
import sys
import warnings

warnings.warn(
    "sim.results is now sim.execution.results; the old name goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = importlib.import_module("sim.execution.results")
