"""Headline figures per design point, from a sweep's results (pure functions over Arrow/NumPy)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from sim.analysis.summary import kaplan_meier, wilson

AGGREGATE_COLUMNS = ["point", "agreement", "russia_accepted", "peace_years", "breakdown"]


def aggregate(results: pa.Table, points: int) -> pa.Table:
    """Per design point: runs; P(agreement), P(Russia accepts), P(durable peace: agreement and 15 years) with
    95 % Wilson intervals; P(holds 15 years | agreement) by Kaplan-Meier with its 95 % band; the mean
    years of peace among agreements.
    """
    point = results.column("point").to_numpy()
    agree = results.column("agreement").to_numpy(zero_copy_only=False).astype(bool)
    accepts = results.column("russia_accepted").to_numpy(zero_copy_only=False).astype(bool)
    years = results.column("peace_years").to_numpy(zero_copy_only=False).astype(float)
    broke = results.column("breakdown").to_numpy(zero_copy_only=False).astype(bool)
    cols: dict[str, list] = {
        k: []
        for k in (
            "point",
            "runs",
            "p_agreement",
            "p_agreement_low",
            "p_agreement_high",
            "p_russia_accepts",
            "p_russia_accepts_low",
            "p_russia_accepts_high",
            "p_holds_15",
            "p_holds_15_low",
            "p_holds_15_high",
            "p_durable_15",
            "p_durable_15_low",
            "p_durable_15_high",
            "mean_peace_years",
        )
    }
    order = np.argsort(point, kind="stable")
    bounds = np.searchsorted(point[order], np.arange(points + 1))
    for i in range(points):
        idx = order[bounds[i] : bounds[i + 1]]
        n = idx.size
        a = agree[idx]
        durable = a & ~(broke[idx] & (years[idx] <= 15))
        surv = kaplan_meier(years[idx][a], broke[idx][a]).at(15)
        for name, est in (
            ("p_agreement", wilson(int(a.sum()), n)),
            ("p_russia_accepts", wilson(int(accepts[idx].sum()), n)),
            ("p_holds_15", surv),
            ("p_durable_15", wilson(int(durable.sum()), n)),
        ):
            cols[name].append(est.value)
            cols[f"{name}_low"].append(est.low)
            cols[f"{name}_high"].append(est.high)
        cols["point"].append(i)
        cols["runs"].append(n)
        cols["mean_peace_years"].append(float(years[idx][a].mean()) if a.any() else float("nan"))
    return pa.table(cols)
