"""The war: what fighting is worth to each party, and how the battlefield, the territory and the others'
belief about Russia's private edge move while it goes on.

One war-payoff function (:func:`war_value`) gives every party's yearly value of war from stated primitives:
the balance of power ``b`` (positive: Russia prevailing), Russia's chance of prevailing ``pi(b) = L(k b)``,
what each outcome is worth to the party (its utility of the challenger's and of the defender's victory
terms, :class:`Stakes`) and its yearly cost of war:

    W_i(b) = u_i(defender wins) + (u_i(challenger wins) - u_i(defender wins)) * pi(b) - c_i

During the talks ``b`` is the battlefield balance plus Russia's private edge ``theta`` (Russia knows its own,
the others hold a belief over types); after a deal it is the balance of power a resumed war would start from
(:func:`sim.model.deterrence.balance_after`). So the value of fighting on at the table and Russia's value of
resuming the war in any year of peace come from the same numbers.

Each month of war the battlefield balance and Western support take a random step:

    s_t = clip(s_{t-1} + sigma_s e1, 0, 1)
    b_t = b_{t-1} + r (b_0 - b_{t-1}) + drift + lambda theta - support_effect (s_t - s_0) + sigma_b e2

(a war of attrition reverts to its stalemate ``b_0`` at rate ``r``; a share ``lambda`` of Russia's private edge
shows in the fighting, so the others learn it: Powell 2004; Slantchev 2003), and the territory Russia holds moves
by ``territory_rate * b_t / 12``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from sim.config.scenario import War


@dataclass(frozen=True)
class Stakes:
    """What the war's outcome is worth to one party, and what a year of it costs.

    Attributes:
        challenger_wins: The party's utility of the challenger's victory terms (Russia's ideal package).
        defender_wins: Its utility of the defender's victory terms (Ukraine's ideal package).
        cost: Its yearly cost of war on its utility scale.
    """

    challenger_wins: float
    defender_wins: float
    cost: float

    @functools.cached_property
    def spread(self) -> float:
        """``u_C - u_D``: what the war's outcome moves (per unit of Russia's chance of prevailing)."""
        return self.challenger_wins - self.defender_wins

    @functools.cached_property
    def floor(self) -> float:
        """``u_D - c``: a year of war that Russia is sure to lose."""
        return self.defender_wins - self.cost

    @staticmethod
    def stack(stakes: Sequence[Stakes]) -> Stakes:
        """Several parties' stakes as one, with columns (parties x 1) for fields: :func:`war_value` of the stack
        gives every party's value at once (parties x balances), with the same arithmetic as one by one."""
        column = [[s.challenger_wins for s in stakes], [s.defender_wins for s in stakes], [s.cost for s in stakes]]
        win, lose, cost = (np.array(c, dtype=float)[:, None] for c in column)
        return Stakes(win, lose, cost)  # type: ignore[arg-type] - arrays, by design


def prevail(balance: np.ndarray | float, steepness: float, out: np.ndarray | None = None) -> np.ndarray | float:
    """Russia's chance of prevailing at a balance of power: ``pi(b) = L(k b)`` (numbers or arrays; ``out``: an
    array of the balance's shape to write into, which may be the balance itself)."""
    if isinstance(balance, float | int):
        x = steepness * balance
        if x >= 0:
            return 1.0 / (1.0 + math.exp(-x))
        e = math.exp(x)
        return e / (1.0 + e)
    out = np.multiply(np.asarray(balance, dtype=float), -steepness, out=out)  # in place below: the hot path
    np.minimum(out, _EXP_MAX, out=out)  # a balance far in Ukraine's favour: pi is 0 to double precision
    np.exp(out, out=out)  # 1 / (1 + exp(-k b)): exp is half the cost of tanh
    out += 1.0
    return np.divide(1.0, out, out=out)


def prevail_with_edges(
    balance: np.ndarray, edges: np.ndarray, steepness: float, out: np.ndarray | None = None
) -> np.ndarray:
    """:func:`prevail` at every balance ``b + theta`` of an array of balances ``b`` (any shape ``S``) and an
    array of edges ``theta`` (``E``): shape ``S[:-1] + E + S[-1:]`` (the edges before the last axis). Computed as
    ``1 / (1 + exp(-k b) exp(-k theta))``, an outer product of two small exponentials (the same logistic, to
    rounding), so that the large array costs no exponential."""
    a = np.exp(np.minimum(np.asarray(balance, dtype=float) * -steepness, _EXP_MAX / 2))
    e = np.exp(np.minimum(np.asarray(edges, dtype=float) * -steepness, _EXP_MAX / 2))
    if out is not None and out.dtype != a.dtype:  # into a buffer of another precision: its arithmetic
        limit = _root_max(out.dtype)
        a, e = np.minimum(a, limit).astype(out.dtype), np.minimum(e, limit).astype(out.dtype)
    out = np.multiply(a[..., None, :], e[:, None], out=out)
    out += 1.0
    return np.divide(1.0, out, out=out)


@functools.lru_cache(maxsize=8)
def _root_max(dtype: np.dtype) -> float:
    """The square root of the largest number of a floating-point type (two factors below it multiply finitely)."""
    return float(np.finfo(dtype).max) ** 0.5


_EXP_MAX = 700.0
"""Largest exponent taken (``exp(709)`` is the largest double): beyond it the logistic is 0 to double precision."""


def war_value(
    stakes: Stakes,
    balance: np.ndarray | float,
    steepness: float,
    chance: np.ndarray | float | None = None,
    out: np.ndarray | None = None,
) -> np.ndarray | float:
    """A party's value of a year of war at a balance of power (the one war-payoff function; see the module doc).

    ``W = u_D + (u_C - u_D) pi(b) - c``, for numbers or arrays of balances (``chance``: ``pi(b)`` if already
    computed; ``out``: an array to write into).
    """
    if chance is None:
        chance = prevail(balance, steepness)
    if isinstance(chance, np.ndarray):  # (u_C - u_D) pi + (u_D - c), two passes
        out = np.multiply(chance, stakes.spread, out=out)
        out += stakes.floor
        return out
    return stakes.defender_wins + (stakes.challenger_wins - stakes.defender_wins) * chance - stakes.cost


def edge_types(spec: War) -> np.ndarray:
    """The types of Russia's private edge the others' belief ranges over: ``private_edge_types`` equal-probability
    quantiles (midpoints) of a normal with standard deviation ``private_edge_sd``."""
    k = spec.private_edge_types
    if k == 1 or spec.private_edge_sd == 0:
        return np.zeros(1)
    from statistics import NormalDist

    q = NormalDist(0.0, spec.private_edge_sd)
    return np.array([q.inv_cdf((j + 0.5) / k) for j in range(k)])


@dataclass
class WarState:
    """Mutable state of the war.

    Attributes:
        spec: The war parameters.
        month: Months of war fought since talks began.
        balance: Battlefield balance (positive: Russia gaining).
        support: Western support to Ukraine (0-1).
        territory: Share of Ukraine's territory Russia holds.
        stalemate: The balance the fighting reverts to: ``spec.initial_balance`` (None) in the war before a deal,
            the balance of power of the year in a war after a breakdown (:meth:`resume`).
    """

    spec: War
    month: int = 0
    balance: float = 0.0
    support: float = 0.0
    territory: float = 0.0
    stalemate: float | None = None

    @classmethod
    def start(cls, spec: War) -> WarState:
        """The war as it stands when talks open."""
        return cls(
            spec=spec, balance=spec.initial_balance, support=spec.western_support, territory=spec.initial_territory
        )

    def step(self, rng: np.random.Generator, edge: float) -> float:
        """Advance one month, Russia's true private edge ``edge`` showing in the drift; return the balance's
        change less its known part (drift and support), the signal from which the others learn the edge."""
        e1, e2 = rng.standard_normal(2).tolist()  # Python floats: the month's arithmetic stays off numpy scalars
        sp = self.spec
        self.month += 1
        self.support = min(max(self.support + sp.support_volatility * e1, 0.0), 1.0)
        known = (
            sp.reversion * ((sp.initial_balance if self.stalemate is None else self.stalemate) - self.balance)
            + sp.drift
            - sp.support_effect * (self.support - sp.western_support)
        )
        step = known + sp.revelation * edge + sp.volatility * e2
        self.balance += step
        self.territory = min(max(self.territory + sp.territory_rate * self.balance / 12.0, 0.0), 1.0)
        return step - known

    def resume(self, balance: float) -> None:
        """The war resumes after a breakdown of the peace, from (and reverting to) a balance of power."""
        self.balance = balance
        self.stalemate = balance

    def war_months(self, months: int, balance: float) -> None:
        """Months of a war resumed after a deal, at a given balance of power: the territory moves."""
        sp = self.spec
        self.month += months
        self.territory = min(max(self.territory + sp.territory_rate * balance * months / 12.0, 0.0), 1.0)


def update_belief(belief: np.ndarray, types: np.ndarray, signal: float, spec: War) -> np.ndarray:
    """The others' belief over Russia's private edge after observing a month's signal (Bayes' rule, normal
    likelihood of ``signal = lambda theta + sigma e``). Unchanged when the fighting reveals nothing; all on the
    nearest type when the signal has no noise."""
    if spec.revelation == 0 or belief.size == 1:
        return belief
    if spec.volatility == 0:  # a noiseless signal reveals the type (the limit of Bayes' rule as sigma -> 0)
        post = np.zeros_like(belief)
        post[int(np.abs(signal - spec.revelation * types).argmin())] = 1.0
        return post
    z = (signal - spec.revelation * types) / spec.volatility
    z2 = z * z
    post = belief * np.exp(-0.5 * (z2 - z2.min()))
    total = post.sum()
    return post / total if total > 0 else belief
