"""The historical cases (sim/config/history.py, scenarios/history/): facts only, one rule from facts to terms.

Issue 12's must-fail test for the calibration: "the phase's results on the training cases are computed under one
calibration: no case file sets a behavioural parameter, only facts of the case". Wrong model caught: a case tuned by
hand (model v1's Budapest file needed ``motive_base: 0``), a term typed in that the case's facts do not give, or a
case that extends another scenario instead of the defaults.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from sim.config.history import DECISIVE_BALANCE, FACT_KEYS, Case, case_problems, encode
from sim.config.scenario import defaults, load_scenario

ROOT = Path(__file__).resolve().parents[1]
CASE_FILES = sorted((ROOT / "scenarios" / "history").glob("*.yaml"))


def _case(**changes: object) -> Case:
    base: dict[str, object] = {
        "agreement": "A ceasefire",
        "signed": "2000-01-01",
        "attacker": "A",
        "attacked": "B",
        "prior_war": "stalemate",
        "aims_met": "no",
        "fighting_troops": 0,
        "protected_army": None,
        "scale": "relative",
        "observed": {"broke": True, "end": "2007-03-01", "event": "war"},
    }
    base.update(changes)
    return Case.model_validate(base)


@pytest.mark.parametrize("path", CASE_FILES, ids=lambda p: p.stem)
def test_a_case_file_sets_only_the_facts_of_its_case_and_its_terms_follow_from_them_by_the_one_rule(path: Path) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    scenario = load_scenario(path)
    assert scenario.case is not None, f"{path.name}: a history file needs a case: section"
    assert scenario.mode == "evaluate"
    assert case_problems(data, scenario.case, defaults()) == []
    # and so every behavioural parameter is the defaults'
    base = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    for section in ("deterrence", "power", "expiry", "negotiation"):
        assert getattr(scenario, section) == getattr(base, section), section
    assert scenario.actors == base.actors


def test_the_training_set_is_the_history_sheet_every_row_once() -> None:
    cases = [load_scenario(p).case for p in CASE_FILES]
    rows = sorted(c.sheet_row for c in cases if c is not None and c.training)
    # row 12 holds two arrangements (Rio 1942 and Brasilia 1998), each a case
    assert rows == sorted([*range(1, 18), 12]), rows


def test_a_behavioural_parameter_or_a_typed_in_term_is_flagged() -> None:
    case = _case()
    good = {"name": "x", "mode": "evaluate", "case": {}, "package": {}, "war": {}}
    for key, value in encode(case, defaults()).items():
        top, _, rest = key.partition(".")
        good[top][rest] = value
    assert case_problems(good, case, defaults()) == []
    tuned = {**good, "deterrence": {"hazard_threshold": 0.3}}
    assert any("deterrence.hazard_threshold is not a fact" in p for p in case_problems(tuned, case, defaults()))
    typed = {**good, "package": {**good["package"], "territory": "donetsk_withdrawal"}}
    assert any("package.territory is 'donetsk_withdrawal'" in p for p in case_problems(typed, case, defaults()))
    moved = {**good, "war": {"initial_balance": 0.2}}
    assert any("war.initial_balance" in p for p in case_problems(moved, case, defaults()))
    assert any("extends" in p for p in case_problems({**good, "extends": "a.yaml"}, case, defaults()))
    assert FACT_KEYS == ("package", "war.initial_balance")


@pytest.mark.parametrize(
    ("prior_war", "balance"),
    [("attacker_won", DECISIVE_BALANCE), ("stalemate", 0.0), ("none", 0.0), ("attacker_lost", -DECISIVE_BALANCE)],
)
def test_how_the_previous_war_ended_sets_the_balance_a_resumed_war_starts_from(prior_war: str, balance: float) -> None:
    assert encode(_case(prior_war=prior_war), defaults())["war.initial_balance"] == balance


def test_an_attacker_ahead_is_where_the_defaults_put_the_russia_ukraine_war() -> None:
    d = defaults()
    assert encode(_case(prior_war="attacker_ahead"), d)["war.initial_balance"] == d["war"]["initial_balance"]


def test_the_attackers_aims_set_the_issues_on_which_they_are_scored() -> None:
    d = defaults()
    met = encode(_case(aims_met="yes"), d)
    unmet = encode(_case(aims_met="no"), d)
    partly = encode(_case(aims_met="partly"), d)
    russia, ukraine = d["actors"]["russia"]["preferences"], d["actors"]["ukraine"]["preferences"]
    for issue in ("territory", "neutrality", "sanctions_relief"):
        assert met[f"package.{issue}"] == russia[issue]["ideal"]
        assert unmet[f"package.{issue}"] == ukraine[issue]["ideal"]
    assert (partly["package.territory"], partly["package.neutrality"]) == ("dmz", "nato_renounced")
    assert partly["package.sanctions_relief"] == 0.5


def test_foreign_troops_of_another_war_are_placed_on_the_russia_ukraine_scale_by_their_share_of_the_defence() -> None:
    d = defaults()
    # 1,500 beside 15,000: one soldier in eleven of the defence, so 800,000 / 11 on the model's scale
    assert encode(_case(fighting_troops=1500, protected_army=15000), d)["package.foreign_troops"] == 72500
    # 20,000 beside 800,000 on the model's own scale stays close to 20,000 (the rule is the identity near it)
    assert encode(_case(fighting_troops=20000, protected_army=800000), d)["package.foreign_troops"] == 19500
    # a garrison that is the whole defence is capped at the deal space's largest force
    assert encode(_case(fighting_troops=1500, protected_army=0), d)["package.foreign_troops"] == 300000
    relative = encode(_case(fighting_troops=0, protected_army=15000), d)
    assert (relative["package.foreign_troops"], relative["package.ukraine_army"]) == (0, 800000)
    native = encode(_case(scale="native", fighting_troops=0, protected_army=150000), d)
    assert native["package.ukraine_army"] == 150000


def test_the_observed_outcome_gives_the_model_year() -> None:
    broke = _case(signed="2015-02-12", observed={"broke": True, "end": "2022-02-24", "event": "invasion"})
    assert broke.model_year == 8  # 7.03 years: the eighth year after signing
    early = _case(signed="2014-09-05", observed={"broke": True, "end": "2015-01-14", "event": "offensive"})
    assert early.model_year == 1
    held = _case(signed="1988-08-20", observed={"broke": False, "end": "2026-12-31", "event": "holding"})
    assert held.model_year == 38 and held.years == pytest.approx(38.36, abs=0.01)
    assert held.observed.end == dt.date(2026, 12, 31)


def test_a_case_that_ends_before_it_begins_or_cannot_scale_its_troops_is_rejected() -> None:
    with pytest.raises(ValidationError, match="is not after"):
        _case(observed={"broke": True, "end": "1999-01-01", "event": "war"})
    with pytest.raises(ValidationError, match="protected_army is needed"):
        _case(fighting_troops=1000, protected_army=None)
    with pytest.raises(ValidationError):
        _case(prior_war="draw")
