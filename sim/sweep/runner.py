"""Deprecated alias of :mod:`sim.execution.sweep.runner`: the module moved when the code was put in layers.

The alias goes in the next release."""

import importlib
import sys
import warnings

warnings.warn(
    "sim.sweep.runner is now sim.execution.sweep.runner; the old name goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = importlib.import_module("sim.execution.sweep.runner")
