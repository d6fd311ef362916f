"""Headline figures per design point, from a sweep's results (pure functions over Arrow/NumPy)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyarrow as pa

from sim.analysis.measures import estimate, run_columns
from sim.outcomes import Measure, measure_columns, measures_for


def aggregate_columns(measures: Sequence[Measure] | None = None) -> list[str]:
    """The result columns :func:`aggregate` reads: ``point``, those of the sweep measures, and ``agreement``
    (for the count of agreements).

    Args:
        measures: The list to take the sweep measures from (default: :data:`sim.outcomes.MEASURES`).
    """
    columns = measure_columns(measures_for("sweep", measures))
    return ["point", *columns, *([] if "agreement" in columns else ["agreement"])]


AGGREGATE_COLUMNS = aggregate_columns()
"""The result columns :func:`aggregate` reads with the default measures."""


def aggregate(results: pa.Table, points: int, measures: Sequence[Measure] | None = None) -> pa.Table:
    """Per design point: ``point``, ``runs``, ``agreements`` (runs that reached an agreement, in any session,
    or had the package imposed: the runs behind the figures conditional on agreement), then each sweep
    measure of :data:`sim.outcomes.MEASURES` in its order, with ``<name>_low`` and ``<name>_high`` (95 %) for
    those with an interval: shares of runs (P(agreement in the first session), P(deal within 15 years),
    P(durable peace: agreement and 15 years), ...) with Wilson intervals, averages over the runs (years of
    peace, each party's welfare) with normal intervals, P(holds 15 years | agreement) by Kaplan-Meier with
    its band, the mean years of peace among agreements.

    ``agreements`` is 0 at every point when the results lack the ``agreement`` column.

    Args:
        results: The runs: ``point`` and the columns of :func:`aggregate_columns`.
        points: The number of design points (points without runs get NaN figures).
        measures: The list to take the sweep measures from (default: :data:`sim.outcomes.MEASURES`).
    """
    chosen = measures_for("sweep", measures)
    point = results.column("point").to_numpy()
    columns = run_columns(results, measure_columns(chosen))
    agreed = (
        run_columns(results, ["agreement"])["agreement"] == 1
        if "agreement" in results.column_names
        else np.zeros(results.num_rows, dtype=bool)
    )
    cols: dict[str, list] = {"point": [], "runs": [], "agreements": []}
    for m in chosen:
        cols[m.name] = []
        if m.interval:
            cols[f"{m.name}_low"], cols[f"{m.name}_high"] = [], []
    order = np.argsort(point, kind="stable")
    bounds = np.searchsorted(point[order], np.arange(points + 1))
    for i in range(points):
        idx = order[bounds[i] : bounds[i + 1]]
        at_point = {name: values[idx] for name, values in columns.items()}
        cols["point"].append(i)
        cols["runs"].append(int(idx.size))
        cols["agreements"].append(int(np.count_nonzero(agreed[idx])))
        for m in chosen:
            est = estimate(m, at_point)
            cols[m.name].append(est.value)
            if m.interval:
                cols[f"{m.name}_low"].append(est.low)
                cols[f"{m.name}_high"].append(est.high)
    return pa.table(cols)
