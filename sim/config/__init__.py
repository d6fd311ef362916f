"""Configuration: files to validated, immutable data.

Safe YAML with line numbers (:mod:`~sim.config.yamlio`), ``extends:`` and dotted overrides, input errors
that name file, line, key path, expected, found and a hint (:mod:`~sim.config.errors`), the scenario
schema (:mod:`~sim.config.scenario`), the sweep-file schema (:mod:`~sim.config.sweep`), the source
registry (:mod:`~sim.config.sources`) and the provenance of every default parameter
(:mod:`~sim.config.provenance`).

Layer rule: imports only :mod:`sim.dealspace` of the simulator; knows nothing of the model.
"""
