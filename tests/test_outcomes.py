"""sim.outcomes: the one column schema of run tables (pandas types, sweep parts and actor columns derive from
it) and the one list of headline measures (every report reads it; a new measure is one entry)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute
import pytest

import sim.outcomes
from sim import analysis as A
from sim.analysis.aggregate import aggregate_columns
from sim.analysis.measures import estimate, run_columns
from sim.analysis.sensitivity import point_means
from sim.analysis.summary import render, summarise, wilson
from sim.config.scenario import load_scenario
from sim.dealspace import BY_NAME, ISSUE_NAMES
from sim.execution.compare import comparison_table, headlines, render_comparison
from sim.execution.runs import run_once, run_scenario, run_seed
from sim.execution.sweep.backends import ChunkTask, plan_chunks, run_chunk
from sim.execution.sweep.runner import run_sweep
from sim.outcomes import (
    MEASURES,
    PART_KEYS,
    PART_SCHEMA,
    RUNS_SCHEMA,
    Kind,
    Measure,
    categories,
    find_measure,
    headline_measures,
    measure_columns,
    measures_for,
    pandas_dtypes,
    part_schema,
    runs_schema,
    runs_table,
    trajectories_schema,
    trajectories_table,
)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory):
    path = tmp_path_factory.mktemp("scenario") / "t.yaml"
    path.write_text("name: t\ndeterrence: {horizon_years: 30}\n", encoding="utf-8")
    return load_scenario(path)


@pytest.fixture(scope="module")
def outcomes(scenario):
    return [run_once(scenario, run_seed(3, j), trace=j < 4) for j in range(12)]


def test_the_runs_table_has_the_pandas_types_derived_from_the_arrow_schema(scenario, outcomes):
    table = runs_table(outcomes)
    assert list(table.columns) == RUNS_SCHEMA.names
    for name, dtype in pandas_dtypes(RUNS_SCHEMA).items():
        assert table[name].dtype == dtype, name
    for name in ISSUE_NAMES:
        dtype = table[f"deal.{name}"].dtype
        if BY_NAME[name].is_ordinal:
            assert dtype.ordered and list(dtype.categories) == list(BY_NAME[name].levels)
        else:
            assert dtype == "float64"
    assert table["breakdown_year"].dtype == "Int64" and table["honoured.coalition"].dtype == "boolean"
    traces = trajectories_table(outcomes)
    assert list(traces.columns) == trajectories_schema().names
    assert dict(traces.dtypes) == pandas_dtypes(trajectories_schema())


def test_the_v2_outcome_columns_agree_with_each_other(scenario, outcomes):
    """Sessions, the deal's month, years of peace and war in the reporting windows, the territory and the
    welfare of a run tell one story (the scenario's horizon is 30 years)."""
    assert any(o.agreement for o in outcomes) and any(o.breakdown for o in outcomes)
    for o in outcomes:
        assert o.peace_years_15 + o.war_years_15 == pytest.approx(15.0)
        assert o.peace_years_30 + o.war_years_30 == pytest.approx(30.0)
        assert 0.0 <= o.peace_years_15 <= min(o.peace_years_30, 15.0)
        assert o.first_session == (o.agreement and o.sessions <= 1)
        assert o.deal_within_15 == (o.deal_month is not None and o.deal_month < 180)
        assert o.deal_then_war_15 <= (o.deal_within_15 and o.breakdown)
        assert set(o.welfare) == {"ukraine", "russia", "united_states"}
        assert 0.0 <= o.territory_15 <= 1.0 and 0.0 <= o.territory_30 <= 1.0
        if not o.agreement:
            assert o.end in ("no_deal", "infeasible") and o.peace_years_30 == 0.0 and o.deal_month is None
            continue
        end = o.deal_month + 12 * (o.breakdown_year - 1) if o.breakdown else 360  # months since talks began
        assert o.peace_years_30 * 12 == pytest.approx(min(end, 360) - o.deal_month)
        assert o.peace_years_15 * 12 == pytest.approx(max(0, min(end, 180) - o.deal_month))
        assert o.deal_then_war_15 == (o.breakdown and end < 180)
    table = runs_table(outcomes)
    for party in ("ukraine", "russia", "united_states"):
        assert table[f"welfare.{party}"].tolist() == [o.welfare[party] for o in outcomes]
    assert table["first_session"].dtype == "bool" and table["deal_month"].dtype == "Int64"


def test_sweep_parts_have_the_runs_columns_with_point_and_replicate(scenario):
    schema = part_schema()
    assert schema.names[: len(PART_KEYS)] == list(PART_KEYS)
    assert schema.names[len(PART_KEYS) :] == [n for n in RUNS_SCHEMA.names if n not in ("run", "scenario")]
    for f in schema:
        if f.name in PART_KEYS:
            continue
        canonical = RUNS_SCHEMA.field(f.name)
        # categories are stored as their text; every other column has the runs table's type
        expected = canonical.type.value_type if categories(canonical) is not None else canonical.type
        assert f.type == expected and f.nullable == canonical.nullable, f.name
    chunk = plan_chunks(2, 3, 6)[0]
    _, table = run_chunk(ChunkTask(chunk, 3, 7, {0: scenario, 1: scenario}))
    assert table.schema == PART_SCHEMA
    assert table.column("replicate").to_pylist() == [0, 1, 2, 0, 1, 2]
    # a part's rows are the runs table's rows of the same runs
    runs = runs_table([run_once(scenario, run_seed(7, 1, j)) for j in range(3)])
    part = table.to_pandas().iloc[3:].reset_index(drop=True)
    for name in PART_SCHEMA.names[len(PART_KEYS) :]:
        left = pd.Series(part[name]).astype(runs[name].dtype)
        pd.testing.assert_series_equal(left, runs[name], check_names=False, check_exact=True)


def test_columns_that_name_actors_follow_the_actor_lists(outcomes):
    parties, guarantors = ("ukraine", "russia"), ("nordic_force",)
    schema = runs_schema(parties, guarantors)
    named = [n for n in schema.names if n.startswith(("utility.", "honoured.", "welfare."))]
    assert named == [
        "utility.ukraine",
        "utility.russia",
        "honoured.nordic_force",
        "welfare.ukraine",
        "welfare.russia",
    ]
    assert "honoured.nordic_force" in part_schema(list(parties), list(guarantors)).names
    assert categories(trajectories_schema(parties, guarantors).field("actor")) == ("ukraine", "russia", "nordic_force")
    defaults = [n for n in RUNS_SCHEMA.names if n.startswith(("utility.", "honoured."))]
    assert defaults == [
        "utility.ukraine",
        "utility.russia",
        "utility.united_states",
        "honoured.united_states",
        "honoured.coalition",
    ]
    assert runs_schema(list(parties), guarantors) is schema  # built once per actor lists
    istanbul = load_scenario(ROOT / "scenarios" / "istanbul_formula.yaml")  # five guarantors, no coalition
    table = runs_table(run_scenario(istanbul, 3, 1), scenario=istanbul)
    honoured = [n for n in table.columns if n.startswith("honoured.")]
    assert honoured == [f"honoured.{g}" for g in ("russia", "united_states", "united_kingdom", "france", "china")]


def test_pandas_types_of_arrow_types():
    schema = pa.schema(
        [
            pa.field("a", pa.int64(), nullable=False),
            pa.field("b", pa.int64()),
            pa.field("c", pa.bool_(), nullable=False),
            pa.field("d", pa.bool_()),
            pa.field("e", pa.float64(), nullable=False),
            pa.field("f", pa.string()),
        ]
    )
    assert pandas_dtypes(schema) == {
        "a": "int64",
        "b": "Int64",
        "c": "bool",
        "d": "boolean",
        "e": "float64",
        "f": "str",
    }
    with pytest.raises(TypeError, match="no pandas type"):
        pandas_dtypes(pa.schema([pa.field("g", pa.list_(pa.int64()))]))


# ------------------------------------------------------------------------------------------ measures

BASE = Path(__file__).resolve().parents[1] / "scenarios" / "baseline.yaml"

TINY_SWEEP = f"""name: tiny
description: four points, a few runs
base: {BASE}
design: grid
factors:
  package.guarantee_strength: {{values: [article5_like, nato_membership]}}
  package.foreign_troops: {{values: [0, 10000]}}
set:
  negotiation.max_rounds: 10
replications: 6
seed: 4
chunk_size: 5
"""

#: Two headline figures a developer might add: a share of all runs and a survival at another time.
WAR_RESUMES = Measure(
    "p_war_resumes",
    "P(agreement, then a renewed offensive within the horizon)",
    "P(deal, then war)",
    Kind.SHARE,
    column="breakdown",
    sweep=True,
    heatmap=True,
)
HOLDS_5 = Measure(
    "p_holds_5", "P(peace holds 5 years | agreement)", "P(peace holds 5 y | deal)", Kind.SURVIVAL, t=5, sweep=True
)


def test_every_report_reads_the_one_list_of_measures(outcomes):
    summary_keys = [m.summary_key for m in MEASURES if m.summary]
    assert [k for k, _ in headlines()] == summary_keys
    assert [lb for _, lb in headlines()] == [m.short_label for m in MEASURES if m.summary]
    flat = {}

    def walk(prefix, node):
        for k, v in node.items():
            key = f"{prefix}.{k}" if prefix else k
            if isinstance(v, dict) and k not in ("value", "low", "high") and "value" not in v:
                walk(key, v)
            else:
                flat[key] = v

    walk("", summarise(outcomes).as_dict())
    assert [k for k in flat if k in summary_keys] == [k for k in summary_keys if k not in ("p_honoured_when_attacked",)]
    assert set(summary_keys) <= set(flat)
    sweep = [m.name for m in MEASURES if m.sweep]
    assert [c for c in aggregate_columns() if c != "point"] == measure_columns(measures_for("sweep"))
    assert set(sweep) >= set(A.MEASURES) == {m.name for m in MEASURES if m.sweep and m.interval}
    assert [m.name for m in measures_for("heatmap")] == [
        "p_agreement",
        "p_deal_then_war_15",
        "p_durable_15",
        "p_holds_15",
    ]
    assert [m.name for m in measures_for("sensitivity")] == [
        "p_agreement",
        "p_deal_15",
        "peace_years_15",
        "peace_years_30",
        "p_deal_then_war_15",
        "p_durable_15",
        "welfare.ukraine",
        "welfare.russia",
        "welfare.united_states",
    ]
    assert all(m.unit == "probability" for m in measures_for("heatmap"))
    assert {m.name: m.unit for m in MEASURES if m.kind is Kind.AVERAGE} == {
        "peace_years_15": "years",
        "peace_years_30": "years",
        "welfare.ukraine": "utility",
        "welfare.russia": "utility",
        "welfare.united_states": "utility",
        "territory_30": "share of territory",
        "war_after_years": "years",
        "territory_change": "share of territory",
    }
    nordic = headline_measures(("nordic_force",), parties=("ukraine", "russia"))
    assert [m.name for m in nordic if m.actor] == [
        "welfare.ukraine",
        "welfare.russia",
        "p_honoured_when_attacked.nordic_force",
    ]


def test_a_new_measure_is_one_entry_and_appears_in_every_report(monkeypatch, tmp_path, scenario, outcomes):
    monkeypatch.setattr(sim.outcomes, "MEASURES", (*MEASURES, WAR_RESUMES, HOLDS_5))

    # the summary, its JSON and its text
    s = summarise(outcomes)
    broke = sum(o.breakdown for o in outcomes)
    assert s.figures["p_war_resumes"] == wilson(broke, len(outcomes))
    assert s.as_dict()["p_war_resumes"]["value"] == broke / len(outcomes)
    text = render(s)
    assert "P(deal, then war)" in text and "P(holds 5 years)" in text

    # comparisons
    runs = {"a": runs_table(outcomes[:6]), "b": runs_table(outcomes[6:])}
    table = comparison_table({"a": {}, "b": {}}, runs)
    row = table[(table["figure"] == "p_war_resumes") & (table["scenario"] == "b")]
    assert row["label"].item() == "P(deal, then war)"
    assert row["value"].item() == sum(o.breakdown for o in outcomes[6:]) / 6
    assert "P(peace holds 5 y | deal)" in render_comparison(table)
    assert ("p_war_resumes", "P(deal, then war)") in headlines()

    # a sweep: the aggregate, its heat maps and the Sobol outcomes
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY_SWEEP, encoding="utf-8")
    store = run_sweep(path, tmp_path / "sweep", backend="serial", progress=False)
    agg = store.aggregate()
    for column in ("p_war_resumes", "p_war_resumes_low", "p_war_resumes_high", "p_holds_5", "p_holds_5_high"):
        assert column in agg.column_names
    results = store.results()
    for point in (0, 3):
        runs_at = results.filter(pa.compute.equal(results.column("point"), point))
        n, broke = runs_at.num_rows, sum(runs_at.column("breakdown").to_pylist())
        assert agg.column("p_war_resumes")[point].as_py() == wilson(broke, n).value
    assert (store.root / "figures" / "heatmap_p_war_resumes.png").is_file()
    assert not (store.root / "figures" / "heatmap_p_holds_5.png").exists()  # not a heat-map measure
    assert set(point_means(results, 4)) == {m.name for m in measures_for("sensitivity")} | {"p_war_resumes"}
    grid = A.dilemma_grid(store, ["p_war_resumes", "p_holds_5"])
    assert list(grid["measure"].cat.categories) == ["p_war_resumes", "p_holds_5"]
    assert grid.loc[grid["measure"] == "p_war_resumes", "value"].notna().all()  # a share of all runs


def same(a, b) -> bool:
    """Equal estimates (NaN equal to NaN)."""
    return np.array_equal([a.value, a.low, a.high], [b.value, b.low, b.high], equal_nan=True)


def test_a_measure_gives_the_same_estimate_over_outcomes_runs_tables_and_sweep_results(outcomes):
    runs = runs_table(outcomes)
    results = pa.Table.from_pandas(runs.drop(columns=["scenario"]), preserve_index=False)
    for m in (*MEASURES, WAR_RESUMES, HOLDS_5):
        expected = estimate(m, run_columns(outcomes, m.columns))
        for data in (runs, results):
            got = estimate(m, run_columns(data, m.columns))
            assert same(got, expected), m.name
    s = summarise(outcomes)
    assert same(s.holds_15, estimate(find_measure("p_holds_15"), run_columns(runs, HOLDS_5.columns)))
    assert (
        s.median_peace_years == estimate(find_measure("median_peace_years"), run_columns(runs, HOLDS_5.columns)).value
    )


def test_measures_are_checked_when_declared():
    with pytest.raises(ValueError, match="column"):
        Measure("p_x", "P(x)", "P(x)", Kind.SHARE)
    with pytest.raises(ValueError, match="years"):
        Measure("p_x", "P(x)", "P(x)", Kind.SURVIVAL)
    with pytest.raises(ValueError, match="heat map"):
        Measure("mean_x", "x", "x", Kind.MEAN, sweep=True, heatmap=True)
    with pytest.raises(KeyError, match="no measure"):
        find_measure("p_nothing")
    assert find_measure("p_holds_15_given_agreement").name == "p_holds_15"
