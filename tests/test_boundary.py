"""Every bad input that issue 14 found becoming an internal error (exit 1) or an unclear message is now an input
error (exit 2) with a message that names where the input came from and how to fix it."""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sim.cli import main
from sim.config.errors import InputError
from sim.config.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT / "scenarios" / "baseline.yaml"


def sim(capsys, *argv: str | Path) -> tuple[int, str]:
    code = main([str(a) for a in argv])
    err = capsys.readouterr().err
    assert "Traceback" not in err and "internal error" not in err, err
    return code, err


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


SWEEP = f"""name: t
description: d
base: {BASELINE}
design: grid
factors:
  package.foreign_troops: {{values: [0, 20000]}}
replications: 2
seed: 1
"""


# ------------------------------------------------------------------------------------ files and paths


@pytest.mark.parametrize("depth", [100, 480, 5000])
def test_deep_nesting_is_an_input_error(tmp_path, capsys, depth):
    path = write(tmp_path, "deep.yaml", "name: t\nx: " + "[" * depth + "]" * depth + "\n")
    code, err = sim(capsys, "validate", path)
    assert code == 2 and "deep.yaml:2: nested too deeply" in err and "at most 64 levels" in err


def test_aliases_nesting_deeper_than_the_text_are_an_input_error(tmp_path, capsys):
    lines = ["a0: &a0 [1]"] + [f"a{k}: &a{k} [*a{k - 1}]" for k in range(1, 100)]
    path = write(tmp_path, "alias.yaml", "name: t\n" + "\n".join(lines) + "\n")
    code, err = sim(capsys, "validate", path)
    assert code == 2 and "nested too deeply" in err


@pytest.mark.parametrize(
    ("target", "words"),
    [
        ("a" * 5000, "the path is too long"),
        ('"a\\0b.yaml"', "holds a NUL byte"),
        ('"a\\ud800b.yaml"', "a character no file name can hold"),
        ("loop_a.yaml", "Too many levels of symbolic links"),
        ("fifo.yaml", "not a regular file"),
        ("/dev/zero", "not a regular file"),
        ("sub", "is a directory"),
    ],
    ids=["too-long", "nul", "surrogate", "symlink-loop", "fifo", "device", "directory"],
)
@pytest.mark.parametrize("key", ["extends", "base"])
def test_odd_extends_and_base_paths_are_input_errors_at_their_line(tmp_path, capsys, target, words, key):
    os.symlink("loop_b.yaml", tmp_path / "loop_a.yaml")
    os.symlink("loop_a.yaml", tmp_path / "loop_b.yaml")
    os.mkfifo(tmp_path / "fifo.yaml")
    (tmp_path / "sub").mkdir()
    if key == "extends":
        path = write(tmp_path, "s.yaml", f"name: t\nextends: {target}\n")
        code, err = sim(capsys, "validate", path)
    else:
        path = write(tmp_path, "s.yaml", SWEEP.replace(f"base: {BASELINE}", f"base: {target}"))
        code, err = sim(capsys, "sweep", path, "--backend", "serial", "--out", tmp_path / "out")
    assert code == 2, err
    assert f"s.yaml:{2 if key == 'extends' else 3}: {key}:" in err and words in err


@pytest.mark.parametrize("special", ["fifo", "/dev/zero"])
def test_validate_never_blocks_or_reads_forever(tmp_path, capsys, special):
    path = tmp_path / "fifo.yaml" if special == "fifo" else Path(special)
    if special == "fifo":
        os.mkfifo(path)
    code, err = sim(capsys, "validate", path)
    assert code == 2 and "not a regular file" in err


def test_a_file_too_large_is_an_input_error(tmp_path, capsys):
    path = write(tmp_path, "big.yaml", "name: t\n" + "# padding\n" * 150_000)
    code, err = sim(capsys, "validate", path)
    assert code == 2 and "file too large" in err and "1,000,000 bytes" in err


# ------------------------------------------------------------------------------------ values


def test_a_seed_of_2_63_or_more_is_refused_before_any_run(tmp_path, capsys):
    path = write(tmp_path, "s.yaml", f"name: t\nseed: {2**63}\nruns: 2\n")
    code, err = sim(capsys, "run", path, "--out", tmp_path / "out", "--no-figures")
    assert code == 2 and "s.yaml:2: seed:" in err and "9223372036854775807" in err
    assert not (tmp_path / "out").exists()
    assert load_scenario(write(tmp_path, "ok.yaml", f"name: t\nseed: {2**63 - 1}\n")).seed == 2**63 - 1


@pytest.mark.parametrize(("flag", "value"), [("--seed", "-1"), ("--seed", str(2**63)), ("--runs", "0")])
def test_seed_and_runs_flags_are_checked_like_the_fields(tmp_path, capsys, flag, value):
    code, err = sim(capsys, "run", BASELINE, flag, value, "--out", tmp_path / "out")
    assert code == 2 and f"{flag}: value not allowed" in err


def test_minus_zero_is_zero_and_runs(tmp_path, capsys):
    path = write(
        tmp_path,
        "z.yaml",
        "name: t\nruns: 2\nactors: {coalition: {members: {pledge_dispersion: -0.0}}}\n"
        "war: {volatility: -0.0, drift: -0.0}\n",
    )
    scenario = load_scenario(path)
    assert str(scenario.war.volatility) == "0.0"
    assert str(scenario.actors["coalition"].members.pledge_dispersion) == "0.0"
    code, err = sim(capsys, "run", path, "--out", tmp_path / "out", "--no-figures", "-q")
    assert code == 0, err


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e400"])
def test_infinite_and_nan_values_are_refused_even_without_an_upper_bound(tmp_path, capsys, value):
    path = write(tmp_path, "i.yaml", f"name: t\ndeterrence: {{army_reference: {value}}}\n")
    code, err = sim(capsys, "validate", path)
    assert code == 2 and "i.yaml:2: deterrence.army_reference: Input should be a finite number" in err


def test_a_5000_digit_set_value_is_an_input_error(tmp_path, capsys):
    code, err = sim(capsys, "run", BASELINE, "--set", "war.drift=" + "1" * 5000, "--out", tmp_path / "out")
    assert code == 2 and "--set: war.drift: number too long" in err


@pytest.mark.parametrize("value", ["[" * 2000 + "]" * 2000, "!!python/object/apply:os.system [echo]", "{"])
def test_set_values_are_read_as_safely_as_files(tmp_path, capsys, value):
    code, err = sim(capsys, "show", BASELINE, "--set", f"war.drift={value}")
    assert code == 2 and err.startswith("error: --set")


def test_a_name_is_at_most_64_characters(tmp_path, capsys):
    path = write(tmp_path, "n.yaml", "name: " + "a" * 100_000 + "\n")
    code, err = sim(capsys, "validate", path)
    assert code == 2 and "n.yaml:1: name: String should have at most 64 characters" in err


# ------------------------------------------------------------------------------------ clear messages


def test_a_term_may_change_form_in_an_extending_file_and_in_a_set(tmp_path, capsys):
    path = write(
        tmp_path, "f.yaml", f"extends: {BASELINE}\nname: t\npackage:\n  foreign_troops: {{options: [0, 5000]}}\n"
    )
    assert load_scenario(path).package.foreign_troops.options == [0, 5000]
    changed = load_scenario(BASELINE, {"package.foreign_troops": {"options": [0, 5000]}})
    assert changed.package.foreign_troops.options == [0, 5000]
    narrowed = load_scenario(BASELINE, {"package.foreign_troops": {"max": 18000}})
    assert (narrowed.package.foreign_troops.min, narrowed.package.foreign_troops.max) == (15000, 18000)


def test_both_forms_at_once_are_reported_once_without_a_self_suggestion(tmp_path):
    path = write(tmp_path, "f.yaml", "name: t\npackage:\n  foreign_troops: {min: 1, max: 5, options: [3]}\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    text = str(info.value)
    assert "did you mean 'options'" not in text and "f.yaml:3" in text and "<defaults>" not in text


def test_set_errors_are_blamed_on_the_set_not_on_the_defaults(tmp_path, capsys):
    code, err = sim(capsys, "show", BASELINE, "--set", "negotiation.pause_months=-1")
    assert code == 2 and err.startswith("error: --set: negotiation.pause_months:") and "<defaults>" not in err
    code, err = sim(capsys, "show", BASELINE, "--set", "negotiation.proposals_per_round=4")  # a key of model v1
    assert code == 2 and err.startswith("error: --set: negotiation.proposals_per_round: unknown key")
    code, err = sim(capsys, "show", BASELINE, "--set", "package.neutrality={options: [[]]}")
    assert code == 2 and err.startswith("error: --set: package.neutrality.options[0]: value of the wrong type")


def test_a_model_level_check_names_the_key(tmp_path):
    path = write(tmp_path, "r.yaml", "name: t\npackage:\n  foreign_troops:\n    min: 30000\n    max: 20000\n")
    with pytest.raises(InputError) as info:
        load_scenario(path)
    assert (info.value.line, info.value.key_path, info.value.found) == (4, "package.foreign_troops.min", "30000")


def test_a_bad_design_point_names_the_sweep_file_its_line_and_the_point(tmp_path, capsys):
    path = write(tmp_path, "s.yaml", SWEEP.replace("[0, 20000]", "[0, many]"))
    code, err = sim(capsys, "sweep", path, "--backend", "serial", "--out", tmp_path / "out")
    assert code == 2 and "s.yaml (design point 1: package.foreign_troops=many):6: package.foreign_troops" in err


def test_a_bad_set_entry_of_a_sweep_names_its_line(tmp_path, capsys):
    path = write(tmp_path, "s.yaml", SWEEP + "set:\n  war.drift: 9\n")
    code, err = sim(capsys, "sweep", path, "--backend", "serial", "--out", tmp_path / "out")
    assert code == 2 and "s.yaml:10: war.drift: Input should be less than or equal to 1" in err


# ------------------------------------------------------------------------------------ sizes


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("design: grid", "design: sobol\nsamples: 1099511627776"), "samples: the design has 3,298,534,883,328 points"),
        (
            (
                "{values: [0, 20000]}",
                "{values: "
                + str(list(range(450)))
                + "}\n  war.drift: {values: "
                + str([round(k / 1000, 3) for k in range(450)])
                + "}",
            ),
            "factors: the design has 202,500 points",
        ),
        (("replications: 2", "replications: 100000"), "at most 10,000,000 are allowed"),
    ],
    ids=["samples", "grid", "runs"],
)
def test_sweeps_too_large_are_refused_before_any_work_saying_how_to_go_beyond(tmp_path, capsys, change, words):
    body = SWEEP.replace(*change)
    if "sobol" in body:
        body = body.replace("{values: [0, 20000]}", "{min: 0, max: 20000}")
    if "replications: 100000" in body:
        body = body.replace("[0, 20000]", str(list(range(0, 200))))
    path = write(tmp_path, "s.yaml", body)
    code, err = sim(capsys, "sweep", path, "--backend", "serial", "--out", tmp_path / "out")
    assert code == 2 and words in err and "SIM_MAX_" in err


def test_workers_are_capped_with_a_message(tmp_path, capsys):
    path = write(tmp_path, "s.yaml", SWEEP)
    code, err = sim(capsys, "sweep", path, "--workers", "1000", "--out", tmp_path / "out")
    assert code == 2 and "--workers: value out of range" in err and "--scheduler" in err


# ------------------------------------------------------------------------------------ output


def test_out_below_a_file_is_an_input_error(tmp_path, capsys):
    (tmp_path / "afile").write_text("x")
    for argv in (
        ("run", BASELINE, "--runs", "2"),
        ("sweep", write(tmp_path, "s.yaml", SWEEP), "--backend", "serial"),
        ("compare", BASELINE, BASELINE),
    ):
        code, err = sim(capsys, *argv, "--out", tmp_path / "afile" / "x")
        assert code == 2 and "--out: the output folder would be below a file" in err


def test_a_read_only_out_is_an_input_error(tmp_path, capsys, monkeypatch):
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode: False if Path(p) == tmp_path else real(p, mode))
    code, err = sim(capsys, "run", BASELINE, "--runs", "2", "--out", tmp_path / "out")
    assert code == 2 and "cannot write the output folder" in err


def test_a_full_disk_while_running_is_an_input_error_that_keeps_the_manifest(tmp_path, capsys, monkeypatch):
    from sim.execution import results

    def full(path, frame, fmt):  # noqa: ARG001
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(results, "_write_table", full)
    code, err = sim(capsys, "run", BASELINE, "--runs", "3", "--out", tmp_path / "out", "--no-figures")
    assert code == 2 and "cannot write the run directory" in err and "No space left on device" in err
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["status"] == "failed"


def test_a_full_disk_during_a_sweep_says_to_resume(tmp_path, capsys, monkeypatch):
    from sim.execution.sweep import store

    def full(self, chunk, table, identity):  # noqa: ARG001
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(store.SweepStore, "write_part", full)
    code, err = sim(capsys, "sweep", write(tmp_path, "s.yaml", SWEEP), "--backend", "serial", "--out", tmp_path / "o")
    assert code == 2 and "No space left on device" in err and "--resume" in err


@pytest.mark.parametrize("argv", [["schema"], ["show", str(BASELINE)]])
def test_a_closed_output_pipe_is_one_line_and_exit_2(argv):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, time; time.sleep(0.5); from sim.cli import main; sys.exit(main(sys.argv[1:]))",
            *argv,
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    proc.stdout.close()  # the reader goes away, as `| head -0` would
    err = proc.stderr.read().decode()
    assert proc.wait(60) == 2, err
    assert "Traceback" not in err and err.count("\n") == 1 and "output was closed" in err


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("war: {drift: yes}", "war.drift: true/false where a number or text is expected"),
        ("package: {foreign_troops: true}", "quote it if you meant a word"),
        ("actors: {coalition: {members: {backstop_factor: {none: on}}}}", "backstop_factor: true/false where a number"),
    ],
)
def test_a_yaml_boolean_is_never_read_as_a_number(tmp_path, capsys, text, words):
    code, err = sim(capsys, "validate", write(tmp_path, "b.yaml", f"name: t\n{text}\n"))
    assert code == 2 and words in err


def test_a_list_item_that_is_not_there_is_named_with_the_list_length(capsys):
    code, err = sim(capsys, "show", BASELINE, "--set", "actors.russia.red_lines.9.penalty=0.1")
    assert code == 2 and "actors.russia.red_lines is a list of 2 items: there is no item 9" in err
    assert "an index from 0 to 1" in err


def test_an_explicit_number_tag_on_text_is_a_tag_error_not_a_long_number(tmp_path, capsys):
    code, err = sim(capsys, "validate", write(tmp_path, "t.yaml", "name: t\ndescription: !!int " + "a" * 200 + "\n"))
    assert code == 2 and "value does not fit its tag '!!int'" in err


def test_a_pasted_blob_as_a_key_is_shown_shortened(tmp_path, capsys):
    body = SWEEP.replace("package.foreign_troops: {values: [0, 20000]}", f"{'9' * 5000}: {{min: x, max: 1}}")
    code, err = sim(capsys, "sweep", write(tmp_path, "s.yaml", body), "--out", tmp_path / "o")
    assert code == 2 and len(err) < 2000 and "s.yaml:6" in err
