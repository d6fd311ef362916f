"""Execution: runs, run directories, manifests, comparisons and sweeps with their backends.

The only layer with processes, files and clocks. Imports every layer below it (configuration, model,
outcomes, analysis, figures); nothing below imports it.
"""
