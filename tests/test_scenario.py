"""Scenario files: strict validation with errors users can act on, extends, the shipped scenarios, JSON Schema."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from sim.config.errors import InputError
from sim.config.scenario import json_schema, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = sorted(p for p in (ROOT / "scenarios").rglob("*.yaml") if "sweeps" not in p.parts)


def write(tmp_path: Path, text: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("path", SHIPPED, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_shipped_scenario_validates_and_cites_its_sources(path):
    scenario = load_scenario(path)
    assert scenario.sources, "a shipped scenario names the sources it encodes"
    assert len(scenario.description) > 40


def test_the_required_scenarios_are_shipped():
    names = {p.stem for p in SHIPPED}
    assert {
        "baseline",
        "duration_15",
        "duration_30",
        "duration_50",
        "budapest_like",
        "istanbul_formula",
        "tripwire_5k",
        "coalition_20k",
        "cold_war_scale",
        "no_us_backstop",
        "donetsk_dmz",
    } <= names


def test_extends_changes_one_line_of_its_base(tmp_path):
    write(tmp_path, "name: base\npackage:\n  duration_years: 15\n", "base.yaml")
    child = write(tmp_path, "extends: base.yaml\npackage:\n  duration_years: 30\n", "child.yaml")
    s = load_scenario(child)
    assert s.name == "base" and s.package.duration_years == 30


def test_an_unknown_key_is_an_error_with_a_did_you_mean(tmp_path):
    path = write(tmp_path, "name: x\ndeterrence:\n  horizon_yeras: 30\n")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    text = str(err.value)
    assert f"{path}:3" in text and "deterrence.horizon_yeras" in text and "did you mean 'horizon_years'" in text


def test_a_wrong_type_names_the_key_the_line_and_what_was_found(tmp_path):
    path = write(tmp_path, "name: x\nnegotiation:\n  max_rounds: soon\n")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    text = str(err.value)
    assert f"{path}:3" in text and "negotiation.max_rounds" in text and "soon" in text


def test_an_out_of_range_value_is_an_error(tmp_path):
    path = write(tmp_path, "name: x\ndeterrence:\n  hazard_max: 1.5\n")
    with pytest.raises(InputError, match="less than or equal to 1"):
        load_scenario(path)


def test_an_unknown_level_lists_the_levels(tmp_path):
    path = write(tmp_path, "name: x\npackage:\n  guarantee_strength: article_5\n")
    with pytest.raises(InputError, match="article5_like"):
        load_scenario(path)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mode: evaluate\n", "every issue must be fixed"),
        ("package:\n  foreign_troops: {min: 20000, max: 5000}\n", "greater than max"),
        ("package:\n  guarantee_strength: nato_membership\n  neutrality: neutral\n", "contradicts"),
        ("package:\n  foreign_troops: 400000\n", "outside"),
        ("sources: [no-such-source]\n", "no-such-source"),
        ("actors:\n  russia:\n    war_cost: null\n", "a party needs war_cost"),
        ("actors:\n  coalition:\n    roles: [guarantor]\n    war_cost: 0.1\n", "belong to a party"),
    ],
)
def test_inconsistent_values_are_errors(tmp_path, text, message):
    path = write(tmp_path, "name: x\n" + text)
    with pytest.raises(InputError, match=message):
        load_scenario(path)


@pytest.mark.parametrize(
    ("text", "key", "allowed"),
    [
        ("actors:\n  russia:\n    reservation: 0.6\n", "actors.russia.reservation", "war_cost"),
        ("actors:\n  ukraine:\n    concession: {beta: 1.0}\n", "actors.ukraine.concession", "war_cost"),
        ("war:\n  belief_weight: 0.3\n", "war.belief_weight", "private_edge_sd"),
        ("negotiation:\n  proposals_per_round: 8\n", "negotiation.proposals_per_round", "pause_months"),
        ("deterrence:\n  motive_base: 0.6\n", "deterrence.motive_base", "consolidation"),
    ],
)
def test_a_key_of_model_v1_is_an_unknown_key_that_lists_what_replaces_it(tmp_path, text, key, allowed):
    path = write(tmp_path, "name: x\n" + text)
    with pytest.raises(InputError) as err:
        load_scenario(path)
    message = str(err.value)
    assert f"{key}: unknown key" in message and allowed in message


def test_yaml_is_loaded_safely(tmp_path):
    path = write(tmp_path, "name: !!python/object/apply:os.system ['echo pwned']\n")
    with pytest.raises(InputError):
        load_scenario(path)


def test_the_cli_reports_bad_input_with_exit_code_2_and_no_traceback(tmp_path):
    path = write(tmp_path, "name: x\nwar:\n  volatilty: 0.1\n")
    proc = subprocess.run(
        [sys.executable, "-m", "sim", "validate", str(path)], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert f"{path}:3" in proc.stderr and "did you mean 'volatility'" in proc.stderr


def test_the_json_schema_describes_every_section_and_lets_files_be_partial():
    schema = json_schema()
    json.dumps(schema)
    assert {"package", "actors", "negotiation", "war", "deterrence", "extends"} <= set(schema["properties"])
    assert all("required" not in d for d in schema.get("$defs", {}).values())


def test_each_mistake_in_the_package_is_reported_once_against_the_form_used(tmp_path):
    path = write(tmp_path, "name: x\npackage:\n  territory: donbas\n  foreign_troops: {min: 5000, max: lots}\n")
    with pytest.raises(InputError) as err:
        load_scenario(path)
    text = str(err.value)
    assert text.count(f"{path}:") == 2, text
    assert f"{path}:3: package.territory" in text and "levels are donetsk_withdrawal, dmz, freeze" in text
    assert f"{path}:4: package.foreign_troops.max" in text and "'lots'" in text
