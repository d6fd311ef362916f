"""Loading YAML safely with line numbers, ``extends:`` inheritance, and validation errors users can act on."""

from __future__ import annotations

import copy
import textwrap
from pathlib import Path
from typing import Annotated, Literal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sim.config.errors import InputError, InputErrors
from sim.config.yamlio import (
    DEFAULTS,
    Origin,
    Resolved,
    deep_merge,
    format_key_path,
    load_yaml,
    load_yaml_text,
    resolve,
    validate,
)


def write(directory: Path, name: str, text: str) -> Path:
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return path


def load_error(text: str) -> InputError:
    with pytest.raises(InputError) as info:
        load_yaml_text(textwrap.dedent(text).lstrip("\n"), "bad.yaml")
    return info.value


# ---------------------------------------------------------------------------------------- loading


def test_load_yaml_returns_plain_data_and_the_line_of_every_key_and_item(tmp_path):
    path = write(
        tmp_path,
        "s.yaml",
        """
        # a comment
        name: test
        war:
          intensity: 0.5
          fronts:
            - east
            - {name: south, length: 3}
        """,
    )
    loaded = load_yaml(path)
    assert loaded.file == path
    assert loaded.data == {
        "name": "test",
        "war": {"intensity": 0.5, "fronts": ["east", {"name": "south", "length": 3}]},
    }
    assert loaded.lines == {
        (): 1,
        ("name",): 2,
        ("war",): 3,
        ("war", "intensity"): 4,
        ("war", "fronts"): 5,
        ("war", "fronts", 0): 6,
        ("war", "fronts", 1): 7,
        ("war", "fronts", 1, "name"): 7,
        ("war", "fronts", 1, "length"): 7,
    }


def test_load_yaml_text_names_the_file_it_was_given():
    loaded = load_yaml_text("a: 1\n", "<--set>")
    assert loaded.file == Path("<--set>")
    assert loaded.data == {"a": 1}


def test_dates_stay_strings_so_the_schema_decides_what_they_mean():
    assert load_yaml_text("start: 2026-01-03\nstamp: 2026-01-03 10:00:00\n", "d.yaml").data == {
        "start": "2026-01-03",
        "stamp": "2026-01-03 10:00:00",
    }


def test_yaml_1_1_scalars_keep_the_safe_loader_meaning():
    data = load_yaml_text("a: yes\nb: off\nc: 1_000\nd: 1e3\ne: ~\nf: '2026-01-03'\n", "y.yaml").data
    assert data == {"a": True, "b": False, "c": 1000, "d": "1e3", "e": None, "f": "2026-01-03"}


def test_anchors_aliases_and_merge_keys_work_and_explicit_keys_win():
    loaded = load_yaml_text(
        textwrap.dedent(
            """\
            base: &base
              x: 1
              y: {z: 2}
            child:
              <<: *base
              x: 3
            """
        ),
        "m.yaml",
    )
    assert loaded.data["child"] == {"x": 3, "y": {"z": 2}}
    assert loaded.lines[("child", "x")] == 6
    assert loaded.lines[("child", "y", "z")] == 3  # where the merged value is written


def test_a_missing_file_is_an_input_error_with_a_hint(tmp_path):
    with pytest.raises(InputError, match="file not found") as info:
        load_yaml(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(info.value)
    assert info.value.hint


def test_a_directory_is_not_a_yaml_file(tmp_path):
    with pytest.raises(InputError, match="directory"):
        load_yaml(tmp_path)


def test_a_file_that_is_not_utf8_is_reported_with_its_line(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("a: 1\nb: caf\xe9\n".encode("latin-1"))
    with pytest.raises(InputError, match="UTF-8") as info:
        load_yaml(path)
    assert info.value.line == 2


def test_control_characters_are_reported_with_their_line():
    err = load_error("a: 1\nb: x\x07y\n")
    assert (err.line, err.found) == (2, "'\\x07'")


def test_a_syntax_error_gives_line_column_the_parsers_problem_and_a_hint(tmp_path):
    path = write(tmp_path, "broken.yaml", "a: 1\nb: c: d\n")
    with pytest.raises(InputError) as info:
        load_yaml(path)
    err = info.value
    assert (err.file, err.line) == (path, 2)
    assert "column 5" in err.message
    assert "mapping values are not allowed here" in err.message
    assert err.hint
    assert str(err).startswith(f"{path}:2: YAML syntax error")


def test_tabs_used_for_indentation_get_their_own_hint():
    err = load_error("a:\n\t- 1\n")
    assert err.line == 2
    assert "spaces" in err.hint


def test_a_second_document_is_rejected():
    err = load_error("a: 1\n---\nb: 2\n")
    assert err.line == 2
    assert "document" in err.message


def test_a_duplicate_key_is_reported_at_its_second_occurrence():
    err = load_error(
        """
        war:
          intensity: 1
          costs: 2
          intensity: 3
        """
    )
    assert err.line == 4
    assert err.key_path == "war.intensity"
    assert "duplicate key 'intensity' (first at line 2)" in str(err)
    assert str(err).startswith("bad.yaml:4: war.intensity:")


@pytest.mark.parametrize(("text", "found"), [("1: a\n", "1 (read as int)"), ("yes: a\n", "yes (read as bool)")])
def test_keys_must_be_strings(text, found):
    err = load_error(text)
    assert err.message == "key is not a string"
    assert err.found == found
    assert "quote" in err.hint


def test_a_list_as_a_key_is_rejected():
    assert load_error("? [a, b]\n: 1\n").message == "key is not a string"


@pytest.mark.parametrize(
    ("text", "found"),
    [("- a\n- b\n", "['a', 'b']"), ("just text\n", "'just text'"), ("42\n", "42")],
)
def test_the_top_level_must_be_a_mapping(text, found):
    err = load_error(text)
    assert err.message == "the top level is not a mapping"
    assert err.found == found
    assert "mapping" in err.expected


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_an_empty_file_is_an_error(text):
    err = load_error(text)
    assert err.message == "empty document"
    assert err.found == "nothing"


@pytest.mark.parametrize(
    "text",
    [
        "a: !!python/object:collections.OrderedDict {}\n",
        "a: !!python/object/new:collections.OrderedDict [[]]\n",
        "a: !!python/name:os.system ''\n",
        "a: !!python/tuple [1, 2]\n",
        "a: !!set {x}\n",
        "a: !!binary aGVsbG8=\n",
        "a: !custom 1\n",
        "!!python/object:collections.OrderedDict {}\n",
    ],
)
def test_tags_beyond_plain_yaml_are_errors_not_objects(text):
    err = load_error(text)
    assert err.message.startswith("unsupported tag")
    assert err.line == 1
    assert "never construct Python objects" in err.hint


def test_python_object_apply_never_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = write(tmp_path, "evil.yaml", f"a: !!python/object/apply:os.system ['touch {marker}']\n")
    with pytest.raises(InputError, match=r"unsupported tag '!!python/object/apply:os.system'"):
        load_yaml(path)
    assert not marker.exists()


def test_a_value_that_does_not_fit_its_explicit_tag_is_an_error():
    err = load_error("a: !!int twelve\n")
    assert (err.line, err.key_path, err.found) == (1, "a", "'twelve'")


def test_a_recursive_alias_is_an_error():
    assert load_error("a: &x [*x]\n").message == "recursive alias"


def test_format_key_path_writes_indices_in_brackets():
    assert format_key_path(("package", "territory", "options", 1)) == "package.territory.options[1]"
    assert format_key_path(()) == ""


# ---------------------------------------------------------------------------------------- merging


def test_deep_merge_merges_mappings_and_replaces_everything_else():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1, "c": {"z": 1}}
    override = {"a": {"y": [3]}, "b": {"new": 2}, "c": 5}
    assert deep_merge(base, override) == {"a": {"x": 1, "y": [3]}, "b": {"new": 2}, "c": 5}


def test_deep_merge_shares_no_mutable_values_with_its_inputs():
    base, override = {"a": {"x": [1]}}, {"b": {"y": [2]}}
    merged = deep_merge(base, override)
    merged["a"]["x"].append(9)
    merged["b"]["y"].append(9)
    assert base == {"a": {"x": [1]}} and override == {"b": {"y": [2]}}


_keys = st.text(alphabet="abcxyz", min_size=1, max_size=3)
_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_keys, inner, max_size=3),
    max_leaves=12,
)
_docs = st.dictionaries(_keys, _values, max_size=4)


@settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])  # shared CI machines are slow
@given(_docs, _docs)
def test_deep_merge_properties(a, b):
    a_before, b_before = copy.deepcopy(a), copy.deepcopy(b)
    assert deep_merge(a, {}) == a
    assert deep_merge({}, b) == b
    merged = deep_merge(a, b)
    assert (a, b) == (a_before, b_before)
    for key, value in b.items():
        assert key in merged
        if not isinstance(value, dict):
            assert merged[key] == value
        elif isinstance(a.get(key), dict):
            assert merged[key] == deep_merge(a[key], value)


# ---------------------------------------------------------------------------------------- extends


@pytest.fixture
def chain(tmp_path):
    """grand.yaml <- parent.yaml <- child.yaml, the middle one in a sub-directory."""
    write(
        tmp_path,
        "grand.yaml",
        """
        name: grand
        war:
          intensity: 1
          fronts: [east, south]
        deterrence:
          horizon: 10
        """,
    )
    write(
        tmp_path,
        "common/parent.yaml",
        """
        extends: ../grand.yaml
        name: parent
        war:
          costs: 2
        """,
    )
    return write(
        tmp_path,
        "child.yaml",
        """
        extends: common/parent.yaml
        war:
          intensity: 3
          fronts: [north]
        """,
    )


def test_an_extends_chain_merges_base_first_and_drops_extends(chain, tmp_path):
    resolved = resolve(chain)
    assert resolved.data == {
        "name": "parent",
        "war": {"intensity": 3, "fronts": ["north"], "costs": 2},
        "deterrence": {"horizon": 10},
    }
    assert resolved.chain == (tmp_path / "grand.yaml", tmp_path / "common/parent.yaml", chain)


def test_origins_point_at_the_file_and_line_the_winning_value_came_from(chain, tmp_path):
    grand, parent = tmp_path / "grand.yaml", tmp_path / "common/parent.yaml"
    origins = resolve(chain).origins
    assert origins == {
        (): Origin(chain, 1),
        ("name",): Origin(parent, 2),
        ("war",): Origin(chain, 2),
        ("war", "intensity"): Origin(chain, 3),
        ("war", "fronts"): Origin(chain, 4),
        ("war", "fronts", 0): Origin(chain, 4),
        ("war", "costs"): Origin(parent, 4),
        ("deterrence",): Origin(grand, 5),
        ("deterrence", "horizon"): Origin(grand, 6),
    }


def test_defaults_lie_under_the_whole_chain_with_their_own_origin(chain):
    resolved = resolve(chain, defaults={"seed": 7, "war": {"intensity": 0, "escalation": 0.1}})
    assert resolved.data["seed"] == 7
    assert resolved.data["war"]["escalation"] == 0.1
    assert resolved.data["war"]["intensity"] == 3
    assert resolved.origins[("seed",)] == Origin(DEFAULTS, None)
    assert resolved.origins[("war", "escalation")] == Origin("<defaults>", None)
    assert resolved.origins[("war", "intensity")] == Origin(chain, 3)


def test_a_file_without_extends_resolves_to_itself(tmp_path):
    path = write(tmp_path, "alone.yaml", "a: 1\n")
    resolved = resolve(path)
    assert (resolved.data, resolved.chain) == ({"a": 1}, (path,))


def test_the_extends_key_name_can_be_changed(tmp_path):
    write(tmp_path, "base.yaml", "a: 1\n")
    path = write(tmp_path, "top.yaml", "inherit: base.yaml\nb: 2\n")
    assert resolve(path, extends_key="inherit").data == {"a": 1, "b": 2}


def test_a_missing_extends_target_is_reported_at_the_extends_line(tmp_path):
    path = write(tmp_path, "top.yaml", "a: 1\nextends: bases/nope.yaml\n")
    with pytest.raises(InputError) as info:
        resolve(path)
    err = info.value
    assert (err.file, err.line, err.key_path) == (path, 2, "extends")
    assert "bases/nope.yaml" in err.message
    assert str(tmp_path / "bases" / "nope.yaml") in err.found
    assert "relative to the directory of top.yaml" in err.hint


def test_an_extends_cycle_is_reported_with_the_files_in_it(tmp_path):
    a = write(tmp_path, "a.yaml", "extends: b.yaml\n")
    b = write(tmp_path, "b.yaml", "x: 1\nextends: a.yaml\n")
    with pytest.raises(InputError, match="cycle") as info:
        resolve(a)
    err = info.value
    assert err.message == f"'extends' cycle: {a} -> {b} -> {a}"
    assert (err.file, err.line) == (b, 2)


def test_a_file_extending_itself_is_a_cycle(tmp_path):
    path = write(tmp_path, "self.yaml", "extends: self.yaml\n")
    with pytest.raises(InputError, match=r"cycle: .*self.yaml -> .*self.yaml"):
        resolve(path)


@pytest.mark.parametrize("value", ["[a.yaml]", "3", "''", "null"])
def test_extends_must_be_a_file_name(tmp_path, value):
    path = write(tmp_path, "top.yaml", f"a: 1\nextends: {value}\n")
    with pytest.raises(InputError, match="must name a file") as info:
        resolve(path)
    assert (info.value.line, info.value.key_path) == (2, "extends")


def test_errors_inside_a_base_file_name_the_base_file(tmp_path):
    base = write(tmp_path, "base.yaml", "a: 1\na: 2\n")
    path = write(tmp_path, "top.yaml", "extends: base.yaml\n")
    with pytest.raises(InputError, match="duplicate key") as info:
        resolve(path)
    assert (info.value.file, info.value.line) == (base, 2)


# ---------------------------------------------------------------------------------------- validation


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Range(Strict):
    min: float
    max: float

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if self.min > self.max:
            raise ValueError(f"min ({self.min:g}) is greater than max ({self.max:g})")
        return self


class Options(Strict):
    options: list[int] = Field(min_length=1, description="the values on the table")


class Party(Strict):
    role: Literal["guarantor", "party"]
    weight: float = Field(ge=0, le=5, description="how much this party counts")


class Deterrence(Strict):
    horizon_years: int = Field(ge=1, description="years simulated after an agreement")
    credibility: float = 0.5
    fast_path: bool = Field(False, alias="fast-path")


class Scenario(Strict):
    name: str
    deterrence: Deterrence
    territory: Range | Options | None = None
    window: Range | None = None
    parties: dict[str, Party] = {}
    tags: list[str] = []


def validate_text(tmp_path: Path, text: str, **kwargs) -> BaseModel:
    return validate(resolve(write(tmp_path, "scenario.yaml", text), **kwargs), Scenario)


def validation_errors(tmp_path: Path, text: str, **kwargs) -> list[InputError]:
    with pytest.raises(InputError) as info:
        validate_text(tmp_path, text, **kwargs)
    return list(info.value.errors) if isinstance(info.value, InputErrors) else [info.value]


GOOD = """
name: ok
deterrence:
  horizon_years: 10
  fast-path: true
territory: {min: 0, max: 3}
parties:
  ua: {role: party, weight: 2}
"""


def test_a_valid_document_returns_the_model_instance(tmp_path):
    scenario = validate_text(tmp_path, GOOD)
    assert isinstance(scenario, Scenario)
    assert scenario.deterrence.fast_path is True
    assert scenario.territory == Range(min=0, max=3)


def test_an_unknown_key_suggests_the_closest_allowed_key(tmp_path):
    [err] = validation_errors(tmp_path, "name: x\ndeterrence:\n  horizon_year: 3\n  horizon_years: 3\n")
    assert err.message == "unknown key 'horizon_year'"
    assert (err.line, err.key_path) == (3, "deterrence.horizon_year")
    assert err.expected == "credibility, fast-path, horizon_years"
    assert err.hint == "did you mean 'horizon_years'?"
    assert str(err).startswith(f"{tmp_path / 'scenario.yaml'}:3: deterrence.horizon_year: unknown key")


def test_an_unknown_key_with_nothing_close_says_to_remove_it(tmp_path):
    [err] = validation_errors(tmp_path, "name: x\ndeterrence: {horizon_years: 3}\nzzz: 1\n")
    assert err.line == 3
    assert err.expected == "deterrence, name, parties, tags, territory, window"
    assert err.hint == "remove it, or check the spelling against the allowed keys"


def test_a_missing_key_points_at_its_parent_mapping(tmp_path):
    [err] = validation_errors(tmp_path, "name: x\ndeterrence:\n  credibility: 0.2\n")
    assert (err.message, err.line, err.key_path) == ("missing key", 2, "deterrence.horizon_years")
    assert (err.expected, err.found) == ("a value for 'horizon_years'", "nothing")
    assert err.hint == "years simulated after an agreement"


def test_a_missing_top_level_key_points_at_the_first_line(tmp_path):
    [err] = validation_errors(tmp_path, "\n\nname: x\n")
    assert (err.line, err.key_path) == (1, "deterrence")


def test_a_value_out_of_range_gives_expected_found_and_the_field_description(tmp_path):
    [err] = validation_errors(tmp_path, "name: x\ndeterrence:\n  horizon_years: -3\n")
    assert (err.line, err.key_path) == (3, "deterrence.horizon_years")
    assert err.message == "Input should be greater than or equal to 1"
    assert err.expected == "a value greater than or equal to 1"
    assert err.found == "-3"
    assert err.hint == "years simulated after an agreement"


def test_a_literal_lists_the_permitted_values(tmp_path):
    [err] = validation_errors(tmp_path, GOOD + "  ru: {role: aggressor, weight: 1}\n")
    assert (err.line, err.key_path) == (8, "parties.ru.role")
    assert err.expected == "one of 'guarantor' or 'party'"
    assert err.found == "'aggressor'"


def test_a_misspelt_literal_gets_a_did_you_mean(tmp_path):
    [err] = validation_errors(tmp_path, GOOD + "  ru: {role: garantor, weight: 1}\n")
    assert err.hint == "did you mean 'guarantor'?"


def test_a_boolean_where_a_word_was_meant_gets_a_quoting_hint(tmp_path):
    [err] = validation_errors(tmp_path, "name: no\ndeterrence: {horizon_years: 1}\n")
    assert err.found == "false"
    assert "quote" in err.hint


def test_list_items_are_addressed_by_index(tmp_path):
    errors = validation_errors(
        tmp_path,
        """
        name: x
        deterrence: {horizon_years: 1}
        territory:
          options:
            - 1
            - one
        """,
    )
    # The union tries Range too; every alternative's complaint is reported.
    item = next(e for e in errors if e.key_path == "territory.options[1]")
    assert item.line == 6
    assert item.message == "Input should be a valid integer, unable to parse string as an integer"
    assert item.expected == "a valid integer"
    assert item.hint == "the values on the table"
    assert "territory.Options" not in {e.key_path for e in errors}


def test_a_model_validator_error_is_reported_at_the_key_its_message_names_first(tmp_path):
    [err] = validation_errors(
        tmp_path,
        """
        name: x
        deterrence: {horizon_years: 1}
        window:
          min: 5
          max: 1
        """,
    )
    assert err.message == "min (5) is greater than max (1)"
    assert (err.line, err.key_path, err.found) == (4, "window.min", "5")
    assert err.expected is None


def test_a_model_validator_error_naming_no_key_is_reported_at_the_models_line(tmp_path):
    class Pair(Strict):
        a: int
        b: int

        @model_validator(mode="after")
        def _differ(self) -> Pair:
            if self.a == self.b:
                raise ValueError("the two must differ")
            return self

    class Doc(Strict):
        pair: Pair

    path = write(tmp_path, "p.yaml", "pair:\n  a: 1\n  b: 1\n")
    with pytest.raises(InputError) as info:
        validate(resolve(path), Doc)
    assert (info.value.line, info.value.key_path, info.value.found) == (1, "pair", "{'a': 1, 'b': 1}")


def test_union_alternatives_and_validator_names_never_appear_in_key_paths(tmp_path):
    errors = validation_errors(
        tmp_path,
        """
        name: x
        deterrence: {horizon_years: 1}
        territory:
          min: 5
          max: 1
        """,
    )
    assert {e.key_path for e in errors} == {"territory.min", "territory.max", "territory.options"}
    validator = next(e for e in errors if e.key_path == "territory.min" and "greater than max" in e.message)
    assert validator.line == 4
    unknown = next(e for e in errors if e.key_path == "territory.max")
    assert (unknown.line, unknown.expected) == (5, "options")


def test_every_error_of_a_file_is_reported_together_sorted_by_line(tmp_path):
    errors = validation_errors(
        tmp_path,
        """
        deterrence:
          horizon_years: 0
          credibilty: 1
        tags: [a, 2]
        """,
    )
    assert [(e.line, e.key_path) for e in errors] == [
        (1, "name"),
        (2, "deterrence.horizon_years"),
        (3, "deterrence.credibilty"),
        (4, "tags[1]"),
    ]
    assert errors[2].hint == "did you mean 'credibility'?"


def test_errors_name_the_file_in_the_chain_the_bad_value_came_from(tmp_path):
    base = write(tmp_path, "base.yaml", "name: base\ndeterrence:\n  horizon_years: 0\n")
    top = write(tmp_path, "top.yaml", "extends: base.yaml\ndeterrence:\n  credibility: 0.1\nnmae: top\n")
    with pytest.raises(InputErrors) as info:
        validate(resolve(top), Scenario)
    assert [(e.file, e.line, e.key_path) for e in info.value.errors] == [
        (base, 3, "deterrence.horizon_years"),
        (top, 4, "nmae"),
    ]
    assert str(info.value).endswith("\n\n2 errors")


def test_a_bad_default_is_reported_against_the_defaults(tmp_path):
    path = write(tmp_path, "s.yaml", "name: x\n")
    with pytest.raises(InputError) as info:
        validate(resolve(path, defaults={"deterrence": {"horizon_years": "many"}}), Scenario)
    err = info.value
    assert (err.file, err.line, err.key_path) == ("<defaults>", None, "deterrence.horizon_years")
    assert str(err).startswith("<defaults>: deterrence.horizon_years: Input should be a valid integer")


def test_dict_entries_are_addressed_by_their_key(tmp_path):
    [err] = validation_errors(tmp_path, GOOD + "  us:\n    role: guarantor\n    weight: 9\n")
    assert (err.line, err.key_path, err.found) == (10, "parties.us.weight", "9")
    assert err.expected == "a value less than or equal to 5"
    assert err.hint == "how much this party counts"


def test_long_found_values_are_truncated(tmp_path):
    [err] = validation_errors(tmp_path, f"name: x\ndeterrence: {{horizon_years: 1}}\ntags: {'y' * 200}\n")
    assert len(err.found) == 80
    assert err.found.endswith("...")


def test_validate_works_on_a_resolved_document_built_by_hand():
    resolved = Resolved(data={"name": 1}, origins={(): Origin("<mapping>", 1)}, chain=())
    with pytest.raises(InputErrors) as info:
        validate(resolved, Scenario)
    assert {(e.file, e.line) for e in info.value.errors} == {("<mapping>", 1)}


class Cat(Strict):
    kind: Literal["cat"]
    lives: int = 9


class Dog(Strict):
    kind: Literal["dog"]
    bark: str


def _positive(value: int) -> int:
    if value < 0:
        raise ValueError("must not be negative")
    return value


class Zoo(Strict):
    pets: list[Annotated[Cat | Dog, Field(discriminator="kind")]] = []
    count: Annotated[int, AfterValidator(_positive)] | str = 0


def zoo_errors(text: str) -> list[InputError]:
    loaded = load_yaml_text(textwrap.dedent(text).lstrip("\n"), "zoo.yaml")
    resolved = Resolved(loaded.data, {kp: Origin(loaded.file, n) for kp, n in loaded.lines.items()}, ())
    with pytest.raises(InputError) as info:
        validate(resolved, Zoo)
    return list(info.value.errors) if isinstance(info.value, InputErrors) else [info.value]


def test_a_tagged_union_offers_only_the_keys_of_the_tagged_model():
    [err] = zoo_errors(
        """
        pets:
          - kind: cat
            lifes: 3
        """
    )
    assert (err.line, err.key_path) == (3, "pets[0].lifes")
    assert err.expected == "kind, lives"
    assert err.hint == "did you mean 'lives'?"


def test_an_unknown_tag_lists_the_known_ones():
    [err] = zoo_errors("pets:\n  - kind: cow\n")
    assert (err.line, err.key_path) == (2, "pets[0]")
    assert err.expected == "'kind' set to one of 'cat', 'dog'"


def test_validator_wrappers_in_the_loc_are_not_keys():
    errors = zoo_errors("count: [1]\n")
    assert [(e.line, e.key_path) for e in errors] == [(1, "count")], "the alternatives' complaints are merged"
    assert errors[0].expected == "a valid integer or a valid string"
