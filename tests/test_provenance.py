"""Specification of parameter provenance (`sim/provenance.py`, `sim/data/provenance.yaml`).

Project rule: every parameter is either cited to a source or marked as an assumption with a
rationale, and a test fails on a missing or dangling citation.
"""

from __future__ import annotations

import copy
import textwrap
from importlib.resources import files
from pathlib import Path

import pytest

from sim.config.provenance import (
    RUN_SETTINGS,
    Provenance,
    check_provenance,
    load_provenance,
    parameter_paths,
    parameter_table,
    provenance_for,
)
from sim.config.scenario import defaults
from sim.config.sources import Registry, load_registry


@pytest.fixture(scope="module")
def registry() -> Registry:
    return load_registry()


@pytest.fixture(scope="module")
def provenance() -> dict[str, Provenance]:
    return load_provenance()


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "provenance.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# --- the shipped defaults ----------------------------------------------------------------------


def test_the_provenance_file_ships_as_package_data() -> None:
    assert (files("sim") / "data" / "provenance.yaml").is_file()


def test_every_default_parameter_has_provenance_and_every_citation_resolves(
    provenance: dict[str, Provenance], registry: Registry
) -> None:
    problems = check_provenance(defaults(), provenance, registry)
    assert problems == [], "provenance.yaml is incomplete or wrong:\n  " + "\n  ".join(problems)


def test_every_entry_is_cited_or_an_assumption_with_a_rationale(provenance: dict[str, Provenance]) -> None:
    for path, entry in provenance.items():
        assert entry.cite or entry.assumption, path
        assert entry.assumption is None or len(entry.assumption.split()) >= 3, f"{path}: rationale too thin"


def test_the_parameter_table_gives_every_parameter_a_source_or_an_assumption(
    provenance: dict[str, Provenance], registry: Registry
) -> None:
    rows = parameter_table(defaults(), provenance, registry)
    assert [r["path"] for r in rows] == parameter_paths(defaults())
    assert all(set(r) == {"path", "value", "source", "assumption"} for r in rows)
    assert all(r["source"] or r["assumption"] for r in rows)
    assert "(unresolved)" not in " ".join(r["source"] for r in rows)
    by_path = {r["path"]: r for r in rows}
    assert by_path["actors.coalition.members.count"]["value"] == defaults()["actors"]["coalition"]["members"]["count"]


# --- what the check reports --------------------------------------------------------------------


def test_a_parameter_without_an_entry_is_reported_missing(
    provenance: dict[str, Provenance], registry: Registry
) -> None:
    data = copy.deepcopy(defaults())
    data["war"]["new_knob"] = 0.5
    assert check_provenance(data, provenance, registry) == ["missing provenance: war.new_knob"]


def test_an_entry_on_an_ancestor_covers_every_leaf_beneath_it(registry: Registry) -> None:
    data = {"deterrence": {"credibility": {"none": 0.0, "assurances": 0.03}}, "seed": 1}
    covered = {"deterrence.credibility": Provenance(assumption="Both levels from one judgement.")}
    assert check_provenance(data, covered, registry) == []
    assert check_provenance(data, {}, registry) == [
        "missing provenance: deterrence.credibility.none",
        "missing provenance: deterrence.credibility.assurances",
    ]


def test_an_entry_for_a_path_the_defaults_lack_is_reported_dangling(
    provenance: dict[str, Provenance], registry: Registry
) -> None:
    extra = {**provenance, "war.no_such_knob": Provenance(assumption="A parameter that was removed.")}
    problems = check_provenance(defaults(), extra, registry)
    assert len(problems) == 1
    assert problems[0].startswith("dangling provenance key: war.no_such_knob")


def test_an_entry_for_a_run_setting_is_reported_dangling(registry: Registry) -> None:
    data = {"seed": 1, "war": {"drift": 0.0}}
    entries = {"war.drift": Provenance(assumption="No trend."), "seed": Provenance(assumption="Any seed.")}
    problems = check_provenance(data, entries, registry)
    assert len(problems) == 1 and problems[0].startswith("dangling provenance key: seed")


def test_a_citation_of_an_unknown_source_is_reported(registry: Registry) -> None:
    data = {"war": {"drift": 0.0}}
    entries = {"war.drift": Provenance(cite=("fortna-2003-scrap/third-party-guarantees",))}
    problems = check_provenance(data, entries, registry)
    assert len(problems) == 1
    assert problems[0].startswith("war.drift: unknown source 'fortna-2003-scrap'")
    assert "fortna-2003-scraps/third-party-guarantees" in problems[0]  # the suggestion


def test_a_citation_of_an_unknown_claim_is_reported(registry: Registry) -> None:
    entries = {"war.drift": Provenance(cite=("fortna-2003-scraps/no-such-claim",))}
    problems = check_provenance({"war": {"drift": 0.0}}, entries, registry)
    assert len(problems) == 1 and "has no claim 'no-such-claim'" in problems[0]


def test_an_empty_assumption_is_reported(registry: Registry) -> None:
    entries = {"war.drift": Provenance(cite=("fortna-2003-scraps",), assumption="  ")}
    assert check_provenance({"war": {"drift": 0.0}}, entries, registry) == [
        "war.drift: empty assumption (state the rationale)"
    ]


# --- loading -----------------------------------------------------------------------------------


def test_an_entry_with_neither_cite_nor_assumption_is_rejected_on_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        war.drift:
          note: "No trend."
        """,
    )
    with pytest.raises(ValueError, match=r"war\.drift: neither 'cite' nor 'assumption'"):
        load_provenance(path)


def test_an_unknown_field_is_rejected_on_load(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        war.drift:
          assumption: "No trend."
          source: fortna-2003-scraps
        """,
    )
    with pytest.raises(ValueError, match=r"war\.drift: unknown field\(s\) source"):
        load_provenance(path)


@pytest.mark.parametrize(
    "entry",
    [
        "{cite: []}",
        "{cite: fortna-2003-scraps}",
        '{assumption: ""}',
        "{cite: [fortna-2003-scraps], assumption: 3}",
        "No trend.",
    ],
)
def test_malformed_entries_are_rejected_on_load_naming_the_path(tmp_path: Path, entry: str) -> None:
    path = write(tmp_path, f"war.drift: {entry}\n")
    with pytest.raises(ValueError, match=r"provenance\.yaml:1: war\.drift"):
        load_provenance(path)


def test_a_well_formed_file_loads_in_order(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        war.drift:
          assumption: "No built-in trend."
        deterrence.credibility:
          cite: [berkemeier-fuhrmann-2018/alliances-honoured-less]
          assumption: "Anchored on post-1945 honouring rates."
          note: "Direction from the study, numbers ours."
        """,
    )
    loaded = load_provenance(path)
    assert list(loaded) == ["war.drift", "deterrence.credibility"]
    assert loaded["war.drift"] == Provenance(assumption="No built-in trend.")
    assert loaded["deterrence.credibility"].cite == ("berkemeier-fuhrmann-2018/alliances-honoured-less",)
    assert loaded["deterrence.credibility"].kind == "both"


# --- paths -------------------------------------------------------------------------------------


def test_parameter_paths_address_list_items_by_index_and_skip_run_settings() -> None:
    data = {
        "name": "x",
        "description": "d",
        "sources": [],
        "mode": "negotiate",
        "runs": 1,
        "seed": 1,
        "package": {"territory": {"options": ["dmz", "freeze"]}, "us_role": "air_support"},
        "actors": {"russia": {"red_lines": [{"issue": "neutrality", "kind": "hard"}]}},
    }
    assert parameter_paths(data) == [
        "package.territory.options.0",
        "package.territory.options.1",
        "package.us_role",
        "actors.russia.red_lines.0.issue",
        "actors.russia.red_lines.0.kind",
    ]
    assert RUN_SETTINGS.isdisjoint(p.split(".")[0] for p in parameter_paths(defaults()))


def test_provenance_for_finds_the_nearest_entry() -> None:
    group = Provenance(assumption="The group.")
    leaf = Provenance(assumption="The leaf.")
    entries = {"deterrence.credibility": group, "deterrence.credibility.none": leaf}
    assert provenance_for("deterrence.credibility.none", entries) is leaf
    assert provenance_for("deterrence.credibility.assurances", entries) is group
    assert provenance_for("deterrence.credibility_extra", entries) is None
    assert provenance_for("war.drift", entries) is None
