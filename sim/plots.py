"""Deprecated alias of :mod:`sim.figures.notebook`: the module moved when the code was put in layers.

The alias goes in the next release."""

import importlib
import sys
import warnings

warnings.warn(
    "sim.plots is now sim.figures.notebook; the old name goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)
sys.modules[__name__] = importlib.import_module("sim.figures.notebook")
