"""The recipes of docs/ARCHITECTURE.md work as written: a new guarantor is YAML and provenance only; a new issue of
the deal space is one module (sim/dealspace.py) and the data files.

Catches: actors or issues named in code (a guarantor that needs a new class, a column list or a label
table edited; an issue that needs the schema, the model or the tables edited).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import yaml

from sim.analysis.summary import summarise
from sim.config.provenance import check_provenance, load_provenance
from sim.config.scenario import load_scenario
from sim.config.sources import load_registry
from sim.dealspace import Deal
from sim.execution.runs import run_scenario
from sim.model.compiled import compile_scenario
from sim.model.deterrence import yearly_choice
from sim.outcomes import runs_table, trajectories_table

ROOT = Path(__file__).resolve().parents[1]

TURKEY = """\
extends: {base}
name: baseline-with-turkey
description: The Paris draft, with Turkey as a further guarantor (a recipe of docs/ARCHITECTURE.md).
actors:
  turkey:
    label: Turkey
    roles: [guarantor]
    guarantor:
      credibility: {{none: 0.0, assurances: 0.02, bilateral_aid: 0.06, article5_like: 0.2, nato_membership: 0.3}}
      commitment_weight: 0.1
      engagement:
        kind: elections
        every_years: 5
        disengage_probability: 0.2
        disengaged_factor: 0.4
        lapse_cause: turkey_disengaged
      expiry_residual: 0.3
"""

TURKEY_PROVENANCE = """\
actors.turkey.roles:
  cite: [putin-legitimate-targets-2025-09/istanbul-formula]
  note: A further guarantor, as the Istanbul formula had several.
actors.turkey.guarantor:
  assumption: An illustration of the recipe; the values are placeholders, not estimates.
"""


def test_a_guarantor_is_added_with_yaml_and_provenance_only(tmp_path):
    """Catches: a guarantor that needs code (a class, a column list, a label table) to join the runs, the tables
    and Russia's yearly calculus."""
    base = ROOT / "scenarios" / "baseline.yaml"
    path = tmp_path / "turkey.yaml"
    path.write_text(TURKEY.format(base=base), encoding="utf-8")
    (tmp_path / "provenance.yaml").write_text(TURKEY_PROVENANCE, encoding="utf-8")

    scenario = load_scenario(path)
    assert scenario.keys_with("guarantor") == ("united_states", "coalition", "turkey")
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert (
        check_provenance({"actors": data["actors"]}, load_provenance(tmp_path / "provenance.yaml"), load_registry())
        == []
    )

    outcomes = run_scenario(scenario, 30, 1, trace=True)
    runs = runs_table(outcomes, scenario=scenario)
    assert "honoured.turkey" in runs.columns
    assert "turkey_disengaged" in runs["cause"].cat.categories
    traj = trajectories_table(outcomes, scenario=scenario)
    assert "turkey" in set(traj.loc[traj["phase"] == "peace", "actor"])
    assert "turkey" in summarise(outcomes).honoured

    # It deters: the same signed deal faces a larger guarantee with Turkey than without, so a lower hazard.
    with_turkey = compile_scenario(scenario)
    without = compile_scenario(load_scenario(base))
    d = Deal.from_mapping(next(o for o in outcomes if o.agreement).deal)
    p = scenario.deterrence
    for year in (1, 2):
        a = yearly_choice(
            with_turkey.outlook(d), year, [g.initial_state() for g in with_turkey.guarantors], with_turkey.guarantors, p
        )
        b = yearly_choice(
            without.outlook(d), year, [g.initial_state() for g in without.guarantors], without.guarantors, p
        )
        assert len(a.credibility) == 3 and len(b.credibility) == 2
        assert a.guarantee > b.guarantee and a.balance < b.balance and a.hazard < b.hazard


REPARATIONS_ISSUE = """    Issue(
        "reparations",
        "ordinal",
        ("none", "partial", "full"),
        doc="Russia's reparations to Ukraine (a recipe of docs/ARCHITECTURE.md).",
    ),
)
"""


def _add_issue(copy: Path) -> None:
    """The recipe, applied to a copy of the package: the deal space, then the data files."""
    space = copy / "sim" / "dealspace.py"
    text = space.read_text(encoding="utf-8")
    head, sep, tail = text.partition("ISSUES: tuple[Issue, ...] = (")
    body, close, rest = tail.partition("\n)\n")
    space.write_text(head + sep + body + "\n" + REPARATIONS_ISSUE + rest, encoding="utf-8")

    defaults = copy / "sim" / "data" / "defaults.yaml"
    data = defaults.read_text(encoding="utf-8")
    data = data.replace(
        "  sanctions_relief: {min: 0.0, max: 1.0}\n",
        "  sanctions_relief: {min: 0.0, max: 1.0}\n  reparations: partial\n",
    )
    ideals = {"ukraine": "full", "russia": "none", "united_states": "partial"}
    out, party = [], None
    for line in data.splitlines(keepends=True):
        stripped = line.strip()
        if line.startswith("  ") and not line.startswith("   ") and stripped.endswith(":"):
            party = stripped[:-1]
        out.append(line)
        if party in ideals and stripped.startswith("sanctions_relief: {ideal:"):
            out.append(f"      reparations: {{ideal: {ideals[party]}, salience: 0.05, tolerance: 0.5}}\n")
    defaults.write_text("".join(out), encoding="utf-8")

    provenance = copy / "sim" / "data" / "provenance.yaml"
    provenance.write_text(
        provenance.read_text(encoding="utf-8")
        + textwrap.dedent(
            """
            package.reparations:
              assumption: A recipe's illustration, not an estimate.
            actors.ukraine.preferences.reparations:
              assumption: A recipe's illustration, not an estimate.
            actors.russia.preferences.reparations:
              assumption: A recipe's illustration, not an estimate.
            actors.united_states.preferences.reparations:
              assumption: A recipe's illustration, not an estimate.
            """
        ),
        encoding="utf-8",
    )


CHECK = """
import json, sys
from sim.config.provenance import check_provenance, load_provenance
from sim.config.scenario import defaults, load_scenario
from sim.config.sources import load_registry
from sim.dealspace import Deal
from sim.execution.runs import run_scenario
from sim.outcomes import runs_table
root = sys.argv[1]
problems = check_provenance(defaults(), load_provenance(), load_registry())
scenario = load_scenario(root + "/scenarios/baseline.yaml")
imposed = load_scenario(root + "/scenarios/budapest_like.yaml")
runs = runs_table(run_scenario(scenario, 20, 1), scenario=scenario)
imposed_runs = runs_table(run_scenario(imposed, 5, 1), scenario=imposed)
print(json.dumps({
    "problems": problems,
    "columns": [c for c in runs.columns if "reparations" in c],
    "agreed": runs["deal.reparations"].dropna().astype(str).tolist(),
    "imposed": imposed_runs["deal.reparations"].astype(str).tolist(),
}))
"""


def test_an_issue_is_added_by_editing_the_deal_space_and_the_data_files(tmp_path):
    """Catches: an issue that needs the schema, the model or the tables edited, or whose data need no
    provenance."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "sim", copy / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    _add_issue(copy)
    done = subprocess.run(
        [sys.executable, "-c", CHECK, str(ROOT)],
        cwd=copy,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(copy)},
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["problems"] == []
    assert "deal.reparations" in result["columns"] and "input.package.reparations" in result["columns"]
    assert set(result["agreed"]) <= {"partial"} and result["imposed"] == ["partial"] * 5
