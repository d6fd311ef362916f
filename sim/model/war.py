"""The war during the talks: battlefield trend and costs, and how they move reservation values.

Each round (a month) the battlefield balance ``b`` (positive: Russia gaining) and Western support
``s`` (0-1) take a random step:

    s_t = clip(s_{t-1} + sigma_s * e1, 0, 1)
    b_t = b_{t-1} + drift - support_effect * (s_t - 0.5) + sigma_b * e2

Reservation values (the utility of going on with the war) follow them:

    r_RU(t) = r_RU(0) + k_RU (b_t - b_0) - c_RU * t / 12
    r_UA(t) = r_UA(0) - k_UA (b_t - b_0) + k_s (s_t - s_0) - c_UA * t / 12

both clipped to [0, 1]; Russia's belief that it is winning is ``logistic(4 b_t)`` (the slope 4 and the
support pivot 0.5 are fixed scale choices, not parameters).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.config.scenario import War


@dataclass
class WarState:
    """Mutable state of the war during talks.

    Attributes:
        spec: The war parameters.
        month: Months since talks began.
        balance: Battlefield balance (positive: Russia gaining).
        support: Western support to Ukraine (0-1).
    """

    spec: War
    month: int = 0
    balance: float = 0.0
    support: float = 0.0

    @classmethod
    def start(cls, spec: War) -> WarState:
        """The war as it stands when talks open."""
        return cls(spec=spec, balance=spec.initial_balance, support=spec.western_support)

    def step(self, rng: np.random.Generator) -> None:
        """Advance one month."""
        e1, e2 = rng.standard_normal(2).tolist()  # Python floats: the talks' arithmetic stays off numpy scalars
        sp = self.spec
        self.month += 1
        self.support = min(max(self.support + sp.support_volatility * e1, 0.0), 1.0)
        self.balance += sp.drift - sp.support_effect * (self.support - 0.5) + sp.volatility * e2

    @property
    def russia_belief(self) -> float:
        """Russia's belief (0-1) that it is winning."""
        return 1.0 / (1.0 + math.exp(-4.0 * self.balance))

    def russia_reservation(self, initial: float) -> float:
        """Russia's reservation value now, from its initial value."""
        sp = self.spec
        r = initial + sp.russia_balance_weight * (self.balance - sp.initial_balance)
        return _clip01(r - sp.russia_cost_per_year * self.month / 12.0)

    def ukraine_reservation(self, initial: float) -> float:
        """Ukraine's reservation value now, from its initial value."""
        sp = self.spec
        r = (
            initial
            - sp.ukraine_balance_weight * (self.balance - sp.initial_balance)
            + sp.ukraine_support_weight * (self.support - sp.western_support)
        )
        return _clip01(r - sp.ukraine_cost_per_year * self.month / 12.0)


def _clip01(x: float) -> float:
    return min(max(x, 0.0), 1.0)
