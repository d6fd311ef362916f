"""The simulation: the agents decide, the Mesa model only sequences. No files, no clocks.

Modules: :mod:`~sim.model.preferences` (who wants what), :mod:`~sim.model.actors` (the agents),
:mod:`~sim.model.negotiation` (the rules of the talks), :mod:`~sim.model.war` (the war during the
talks), :mod:`~sim.model.deterrence` (the years after a deal) and :mod:`~sim.model.simulation` (the
Mesa model that sequences one run). The deal space itself is :mod:`sim.dealspace`.

Layer rule: imports :mod:`sim.dealspace`, :mod:`sim.config` and itself only. Every random draw comes
from the model's ``rng``.
"""

from sim.model.simulation import GuaranteeModel

__all__ = ["GuaranteeModel"]
