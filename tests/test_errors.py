"""How input errors read: file, line, key path, message, then expected / found / hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.errors import InputError, InputErrors


def test_a_full_error_names_file_line_key_path_and_gives_expected_found_hint():
    err = InputError(
        "value out of range",
        file=Path("scenarios/x.yaml"),
        line=12,
        key_path="deterrence.horizon_years",
        expected="an integer >= 1",
        found="-3",
        hint="the horizon is the number of years simulated after an agreement",
    )
    assert str(err) == (
        "scenarios/x.yaml:12: deterrence.horizon_years: value out of range\n"
        "  expected: an integer >= 1\n"
        "  found:    -3\n"
        "  hint:     the horizon is the number of years simulated after an agreement"
    )


def test_details_that_are_none_are_left_out():
    err = InputError("file not found", file="a.yaml", hint="check the spelling")
    assert str(err) == "a.yaml: file not found\n  hint:     check the spelling"


def test_the_location_prefix_shows_only_what_is_known():
    assert str(InputError("bad")) == "bad"
    assert str(InputError("bad", line=3)) == "line 3: bad"
    assert str(InputError("bad", key_path="a.b")) == "a.b: bad"
    assert str(InputError("bad", file="<defaults>", key_path="a.b")) == "<defaults>: a.b: bad"


def test_multi_line_details_stay_aligned():
    err = InputError("bad", expected="one\ntwo")
    assert str(err) == "bad\n  expected: one\n            two"


def test_attributes_keep_what_was_given():
    err = InputError("m", file="f.yaml", line=2, key_path="k", expected="e", found="f", hint="h")
    assert (err.message, err.file, err.line, err.key_path, err.expected, err.found, err.hint) == (
        "m",
        "f.yaml",
        2,
        "k",
        "e",
        "f",
        "h",
    )
    assert isinstance(err, Exception)
    assert err.args == ("m",)


def test_several_errors_are_separated_by_blank_lines_and_counted():
    first = InputError("missing key", file="a.yaml", line=1, key_path="x")
    second = InputError("unknown key 'y'", file="a.yaml", line=4, key_path="y", hint="did you mean 'x'?")
    errors = InputErrors([first, second])
    assert str(errors) == f"{first}\n\n{second}\n\n2 errors"
    assert errors.errors == (first, second)
    assert isinstance(errors, InputError)
    assert (errors.file, errors.line) == ("a.yaml", 1)


def test_a_single_error_in_input_errors_reads_like_the_error_itself():
    only = InputError("missing key", file="a.yaml", line=1)
    assert str(InputErrors([only])) == str(only)


def test_input_errors_flatten_nested_input_errors():
    a, b, c = (InputError(name) for name in "abc")
    assert InputErrors([InputErrors([a, b]), c]).errors == (a, b, c)


def test_input_errors_needs_at_least_one_error():
    with pytest.raises(ValueError, match="at least one"):
        InputErrors([])
