"""Specification of parameter provenance (`sim/config/provenance.py`, `sim/data/provenance.yaml`, and the
comments of the scenario files).

Project rule: every parameter is either cited to a source or marked as an assumption with a
rationale, and a test fails on a missing or dangling citation. That holds for the defaults (through
`provenance.yaml`) and for every number a scenario or sweep file under `scenarios/` sets (through the
comments beside it).
"""

from __future__ import annotations

import copy
import re
import textwrap
from collections.abc import Iterator, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest

from sim.config.provenance import (
    NAMES,
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
from sim.config.yamlio import load_yaml_text


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


# --- scenario files ----------------------------------------------------------------------------
#
# A scenario or sweep file states its provenance in comments, since its schema has no room for it: every
# value it sets (a leaf below the run settings; for a sweep, each factor and each `set:` change) needs, on
# its own line or on the line of one of its parent keys, a trailing comment or a block of comment lines
# directly above that cites the registry or says ASSUMPTION with the rationale. A citation is written in
# full (`source-key/claim-slug`) or, for a source the file lists in its `sources:`, as the claim slug
# alone. Every citation-like text in a comment must resolve.

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((ROOT / "scenarios").rglob("*.yaml"))
MARKER = "ASSUMPTION"
SWEEP_KEYS = frozenset({"base", "design", "factors"})
SWEEP_PARAMETERS = ("factors", "set")
"""A sweep's parameters; its other keys (base, design, samples, replications, seed, chunk_size) are run settings."""

_TOKEN = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*(?:/[a-z0-9]+(?:-[a-z0-9]+)*)?")
_CITATION_LIKE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*-(?:19|20)\d\d(?:-[a-z0-9]+)*/[a-z0-9]+(?:-[a-z0-9]+)*")

KeyPath = tuple[str | int, ...]


def trailing_comment(line: str) -> str:
    """The comment at the end of a YAML line ('' if none): from a `#` outside quotes that starts the line or
    follows a space."""
    quote = None
    for i, ch in enumerate(line):
        if quote:
            quote = None if ch == quote else quote
        elif ch in "'\"" and (i == 0 or line[i - 1] in " \t:[{,"):
            quote = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[i + 1 :].strip()
    return ""


def comments_at(lines: list[str], number: int) -> str:
    """The comments that document line ``number`` (1-based): its trailing comment and the block of comment
    lines directly above it (a blank line or a line of content ends the block)."""
    texts = [trailing_comment(lines[number - 1])]
    k = number - 1
    while k >= 1 and lines[k - 1].strip().startswith("#"):
        texts.append(lines[k - 1].strip().lstrip("#").strip())
        k -= 1
    return " ".join(t for t in texts if t)


def is_sweep(data: Mapping[str, Any]) -> bool:
    return bool(SWEEP_KEYS & set(data))


def set_values(data: Mapping[str, Any]) -> list[KeyPath]:
    """The key paths of what a file sets: every leaf below the run settings (names, lists by index, a `null`
    that removes an actor), or a sweep's factors and fixed changes."""
    if is_sweep(data):
        return [
            (section, key)
            for section in SWEEP_PARAMETERS
            for key, value in (data.get(section) or {}).items()
            if str(key).split(".")[0] not in RUN_SETTINGS
            and not (section == "factors" and isinstance(value, Mapping) and value.get("dummy") is True)
        ]  # a dummy factor sets nothing

    def walk(value: Any, path: KeyPath) -> Iterator[KeyPath]:
        if isinstance(value, Mapping) and value:
            for key, item in value.items():
                if (not path and key in RUN_SETTINGS | {"extends"}) or key in NAMES:
                    continue
                yield from walk(item, (*path, key))
        elif isinstance(value, list) and value:
            for i, item in enumerate(value):
                yield from walk(item, (*path, i))
        elif path:
            yield path

    return list(walk(data, ()))


def cites(text: str, registry: Registry, listed: set[str]) -> bool:
    """Whether a comment cites the registry: a full citation, or a claim slug of a source the file lists."""
    for token in _TOKEN.findall(text):
        if "/" in token or token in registry.sources:
            if not registry.check([token]):
                return True
        elif "-" in token and any(token in registry.sources[key].claims for key in listed):
            return True
    return False


def scenario_provenance_problems(text: str, name: str, registry: Registry) -> list[str]:
    """What keeps a scenario or sweep file's values from being cited or marked as assumptions, and every
    citation in its comments that does not resolve."""
    loaded = load_yaml_text(text, name)
    lines = text.splitlines()
    data = loaded.data if isinstance(loaded.data, Mapping) else {}
    listed = {str(c).split("/")[0] for c in data.get("sources") or [] if str(c).split("/")[0] in registry.sources}
    problems = []
    for path in set_values(data):
        ancestors = [path[:end] for end in range(len(path), 0, -1)]
        documented = [comments_at(lines, loaded.lines[p]) for p in ancestors if p in loaded.lines]
        if not any(MARKER in t or cites(t, registry, listed) for t in documented):
            where = ".".join(str(k) for k in path)
            problems.append(f"{name}:{loaded.lines.get(path, '?')}: {where} is neither cited nor marked {MARKER}")
    for number, line in enumerate(lines, 1):
        comment = line.strip().lstrip("#") if line.strip().startswith("#") else trailing_comment(line)
        for citation in _CITATION_LIKE.findall(comment):
            problems.extend(f"{name}:{number}: {problem}" for problem in registry.check([citation]))
    return problems


def test_every_scenario_file_is_checked() -> None:
    names = {p.relative_to(ROOT / "scenarios").as_posix() for p in SCENARIO_FILES}
    assert {"baseline.yaml", "history/budapest_1994.yaml", "sweeps/sensitivity.yaml"} <= names


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_every_value_a_scenario_file_sets_is_cited_or_marked_as_an_assumption(path: Path, registry: Registry) -> None:
    problems = scenario_provenance_problems(path.read_text(encoding="utf-8"), path.name, registry)
    assert problems == [], "values without provenance, or dangling citations:\n  " + "\n  ".join(problems)


SCENARIO = """\
name: demo
sources: [kyiv-guarantees-2026-01/duration-gap]
package:
  duration_years: 30             # ASSUMPTION: one reading of "decades"
  us_role: none                  # putin-legitimate-targets-2025-09/us-role-uncertain
  ukraine_army: 250000
"""


def check(text: str, registry: Registry) -> list[str]:
    return scenario_provenance_problems(textwrap.dedent(text), "s.yaml", registry)


def test_a_value_without_a_citation_or_an_assumption_is_reported(registry: Registry) -> None:
    assert check(SCENARIO, registry) == ["s.yaml:6: package.ukraine_army is neither cited nor marked ASSUMPTION"]


def test_a_trailing_comment_or_the_block_above_a_value_or_its_parent_documents_it(registry: Registry) -> None:
    above = SCENARIO.replace("  ukraine_army", "  # ASSUMPTION: an order of magnitude.\n  ukraine_army")
    assert check(above, registry) == []
    parent = SCENARIO.replace("package:", "# rutland-2025-conversation/grand-force-proposal\npackage:")
    assert check(parent, registry) == []
    broken = SCENARIO.replace("  ukraine_army", "  # ASSUMPTION: detached.\n\n  ukraine_army")
    assert check(broken, registry) == ["s.yaml:8: package.ukraine_army is neither cited nor marked ASSUMPTION"]


def test_a_claim_slug_alone_cites_only_a_source_the_file_lists(registry: Registry) -> None:
    listed = SCENARIO.replace("  ukraine_army: 250000", "  ukraine_army: 250000  # (duration-gap)")
    assert check(listed, registry) == []
    unlisted = SCENARIO.replace("  ukraine_army: 250000", "  ukraine_army: 250000  # (grand-force-proposal)")
    assert len(check(unlisted, registry)) == 1


def test_a_hash_inside_a_quoted_value_is_not_a_comment() -> None:
    assert trailing_comment('label: "No. #1 ASSUMPTION"') == ""
    assert trailing_comment("label: 'x # y'  # the comment") == "the comment"
    assert trailing_comment("troops: 5000 # ASSUMPTION") == "ASSUMPTION"


def test_a_dangling_citation_in_a_comment_is_reported(registry: Registry) -> None:
    text = SCENARIO.replace("  ukraine_army: 250000", "  ukraine_army: 250000  # kyiv-guarantees-2026-01/army-900k")
    problems = check(text, registry)
    assert any("army-900k" in p and p.startswith("s.yaml:6:") for p in problems), problems


def test_run_settings_names_and_a_sweeps_settings_need_no_provenance(registry: Registry) -> None:
    sweep = """\
    name: demo
    description: d
    base: ../baseline.yaml
    design: sobol
    factors:
      # ASSUMPTION: from half to twice the default.
      war.volatility: {min: 0.06, max: 0.24}
      deterrence.foresight: {min: 0.7, max: 0.98}
    set:
      mode: evaluate
    samples: 8
    replications: 2
    seed: 1
    """
    assert check(sweep, registry) == ["s.yaml:8: factors.deterrence.foresight is neither cited nor marked ASSUMPTION"]
    assert check("name: x\nmode: evaluate\nruns: 5\nactors:\n  russia:\n    label: R\n", registry) == []
