"""Mutations of the shipped scenario and sweep files, and how ``sim`` must answer them (issue 14).

Used by the property-based test (``tests/test_fuzz.py``, a few hundred cases) and by the script run by
hand (``benchmarks/fuzz_inputs.py``, 10,000 files). A case is one mutated file in a private copy of
``scenarios/``, and the command to try on it; :func:`attempt` runs the command in this process through
``sim.cli.main`` and :func:`problems` lists what is wrong with the answer: an exit code other than 0 or
2, a traceback, an internal error, or an error message that does not name the mutated file.
"""

from __future__ import annotations

import contextlib
import io
import os
import random
import shutil
import string
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

# Values that break schemas: wrong types, boundaries, non-finite, huge, and tricky strings.
WEIRD: list[Any] = [
    None,
    True,
    False,
    "yes",
    "",
    " ",
    "x" * 300,
    "ü→☃",
    -1,
    0,
    1,
    -0.0,
    0.5,
    1e308,
    -1e308,
    1e-320,
    float("inf"),
    float("-inf"),
    float("nan"),
    2**31,
    2**63 - 1,
    2**63,
    2**64,
    -(2**63) - 1,
    10**50,
    [],
    [1, "a"],
    [[[]]],
    {},
    {"min": 1},
    {"max": 1},
    {"min": 5, "max": 1},
    {"min": 0, "max": float("inf")},
    {"options": []},
    {"options": [1, "dmz"]},
    {"options": ["nato_open"]},
    {"values": [1]},
    "nato_membership",
    "dmz",
    "ground_troops",
    15000,
    800000,
    "1e400",
    ".nan",
    "2026-01-01",
]
TAGS = [
    "!!python/object/apply:os.system ['echo hacked']",
    "!!python/object:builtins.dict {}",
    "!!python/name:os.system",
    "!!python/tuple [1, 2]",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!timestamp 2001-12-14",
    "!!omap [a: 1]",
    "!foo bar",
    "!!int abc",
    "!!float x",
    "!!str 3",
]
PATH_TRICKS = [
    "missing.yaml",
    "x" * 300 + ".yaml",
    "/".join(["d"] * 1500) + ".yaml",
    "a\0b.yaml",
    "a\ud800b.yaml",
    "/dev/zero",
    "/dev/null",
    "/",
    ".",
    "..",
    "loop_a.yaml",
    "fifo.yaml",
    "self",
    "",
    5,
    ["a.yaml"],
    {"file": "a.yaml"},
]


@dataclass
class Case:
    """A mutated file and the command to try on it.

    Attributes:
        file: The mutated file (inside the case's copy of ``scenarios/``).
        argv: The ``sim`` command line, without ``sim``.
        kind: ``scenario`` or ``sweep``.
        mutation: What was done, for the report.
        run: Whether to run the scenario or sweep when it validates (not only validate it).
    """

    file: Path
    argv: list[str]
    kind: str
    mutation: str
    run: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Answer:
    """What ``sim`` answered."""

    code: int
    stdout: str
    stderr: str


def workspace(folder: Path) -> Path:
    """A private copy of ``scenarios/`` in ``folder``, with sweeps shrunk to a few runs, and the odd files
    the path tricks need (a symbolic link loop, a FIFO)."""
    target = folder / "scenarios"
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(SCENARIOS, target)
    for sweep in (target / "sweeps").glob("*.yaml"):
        text = sweep.read_text(encoding="utf-8")
        lines = []
        for line in text.splitlines():
            if line.startswith("replications:"):
                line = "replications: 1"
            elif line.startswith("samples:"):
                line = "samples: 2"
            lines.append(line)
        sweep.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for base in (target, target / "sweeps"):
        with contextlib.suppress(OSError):
            os.symlink("loop_b.yaml", base / "loop_a.yaml")
            os.symlink("loop_a.yaml", base / "loop_b.yaml")
        with contextlib.suppress(OSError, AttributeError):
            os.mkfifo(base / "fifo.yaml")
    return target


def shipped(space: Path) -> tuple[list[Path], list[Path]]:
    """The scenario files and sweep files of a workspace."""

    def plain(p: Path) -> bool:
        return p.is_file() and not p.is_symlink() and not p.name.startswith(("fuzz_", "loop_", "fifo"))

    scenarios = sorted(p for p in space.rglob("*.yaml") if "sweeps" not in p.parts and plain(p))
    sweeps = sorted(p for p in (space / "sweeps").glob("*.yaml") if plain(p))
    return scenarios, sweeps


# --------------------------------------------------------------------------------------------- mutations


def _key_paths(data: Any, prefix: tuple = ()) -> list[tuple]:
    paths = []
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in items:
        paths.append((*prefix, key))
        paths.extend(_key_paths(value, (*prefix, key)))
    return paths


def _get_parent(data: Any, path: tuple) -> Any:
    for part in path[:-1]:
        data = data[part]
    return data


def _typo(word: str, rng: random.Random) -> str:
    if len(word) < 2:
        return word + "x"
    i = rng.randrange(len(word) - 1)
    how = rng.choice(("swap", "drop", "double", "case", "space"))
    if how == "swap":
        return word[:i] + word[i + 1] + word[i] + word[i + 2 :]
    if how == "drop":
        return word[:i] + word[i + 1 :]
    if how == "double":
        return word[:i] + word[i] + word[i:]
    if how == "case":
        return word.upper()
    return word + " "


def _dump(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=10_000)


def _deep(depth: int, rng: random.Random) -> str:
    if rng.random() < 0.5:
        return "[" * depth + "1" + "]" * depth
    return "{" + "a: {" * (depth - 1) + "a: 1" + "}" * depth


def data_mutation(text: str, rng: random.Random, kind: str) -> tuple[str, str]:
    """Parse, change one thing, dump: a value, a key, a form, a nesting."""
    data = yaml.safe_load(text)
    paths = [p for p in _key_paths(data) if p[:1] != ("extends",)]
    path = rng.choice(paths)
    parent = _get_parent(data, path)
    key = path[-1]
    what = rng.choice(("value", "value", "value", "delete", "rename", "add", "form", "deep", "sweep_keys"))
    label = ".".join(map(str, path))
    if what == "value":
        parent[key] = rng.choice(WEIRD)
        return _dump(data), f"value {label} = {parent[key]!r:.40}"
    if what == "delete":
        del parent[key]
        return _dump(data), f"delete {label}"
    if what == "rename" and isinstance(parent, dict):
        new = _typo(str(key), rng)
        parent[new] = parent.pop(key)
        return _dump(data), f"rename {label} -> {new}"
    if what == "add" and isinstance(parent, dict):
        parent[_typo(str(key), rng) + "_extra"] = rng.choice(WEIRD)
        return _dump(data), f"add a key beside {label}"
    if what == "form":
        term = rng.choice(
            [{"options": [rng.choice(WEIRD)]}, {"min": rng.choice(WEIRD), "max": rng.choice(WEIRD)}, {"options": []}]
        )
        data.setdefault("package", {})
        if isinstance(data["package"], dict):
            data["package"][rng.choice(["foreign_troops", "territory", "duration_years", "us_role"])] = term
        return _dump(data), "change a term's form"
    if what == "sweep_keys" and kind == "sweep" and isinstance(data.get("factors"), dict):
        factors = data["factors"]
        bad = rng.choice(
            [
                "war.drfit",
                "a..b",
                ".".join(["a"] * 200),
                "actors.russia.red_lines.99.penalty",
                "actors.russia.red_lines.-1.penalty",
                "package",
                "",
                "9" * 5000,
                "seed",
                "runs",
                "name",
            ]
        )
        factors[bad] = rng.choice([{"values": [rng.choice(WEIRD)]}, {"min": rng.choice(WEIRD), "max": 1}])
        return _dump(data), f"factor {bad[:30]!r}"
    depth = rng.choice((10, 65, 200, 1000, 5000))
    return _dump(data).rstrip() + f"\nzz_deep: {_deep(depth, rng)}\n", f"nesting {depth}"


def text_mutation(text: str, rng: random.Random) -> tuple[str | bytes, str]:
    """Change the text itself: truncation, lines, indentation, tags, aliases, encodings."""
    lines = text.splitlines()
    i = rng.randrange(len(lines))
    what = rng.choice(
        (
            "truncate",
            "drop_line",
            "dup_line",
            "tab",
            "indent",
            "colon",
            "tag",
            "tag",
            "laughs",
            "bom16",
            "latin1",
            "nul",
            "control",
            "surrogate",
            "garbage",
            "bracket",
            "documents",
            "empty",
            "top_list",
            "big_number",
            "long_name",
            "anchor",
        )
    )
    if what == "truncate":
        return text[: rng.randrange(len(text))], "truncate"
    if what == "drop_line":
        return "\n".join(lines[:i] + lines[i + 1 :]), f"drop line {i + 1}"
    if what == "dup_line":
        return "\n".join(lines[: i + 1] + lines[i:]), f"duplicate line {i + 1}"
    if what == "tab":
        lines[i] = "\t" + lines[i]
        return "\n".join(lines), f"tab on line {i + 1}"
    if what == "indent":
        lines[i] = " " * rng.choice((1, 3, 7)) + lines[i]
        return "\n".join(lines), f"indent line {i + 1}"
    if what == "colon":
        return text.replace(": ", ":", 1), "a colon without a space"
    if what == "tag":
        tag = rng.choice(TAGS)
        keyed = [n for n, line in enumerate(lines) if ": " in line and not line.rstrip().endswith(":")]
        n = rng.choice(keyed) if keyed else i
        head = lines[n].split(": ", 1)[0]
        lines[n] = f"{head}: {tag}"
        return "\n".join(lines), f"tag {tag.split()[0]}"
    if what == "laughs":
        bomb = 'a: &a ["x","x","x","x","x","x","x","x","x"]\n'
        for k in range(1, 9):
            bomb += f"{chr(97 + k)}: &{chr(97 + k)} [{','.join([f'*{chr(96 + k)}'] * 9)}]\n"
        return text + "\nbomb:\n" + "".join("  " + line + "\n" for line in bomb.splitlines()), "billion laughs"
    if what == "bom16":
        return text.encode("utf-16"), "UTF-16"
    if what == "latin1":
        return text.encode("utf-8") + "\nnote: caf\xe9\n".encode("latin-1"), "latin-1 byte"
    if what == "nul":
        pos = rng.randrange(len(text))
        return (text[:pos] + "\0" + text[pos:]).encode("utf-8"), "NUL byte"
    if what == "control":
        pos = rng.randrange(len(text))
        return text[:pos] + rng.choice("\x01\x07\x1b\x7f\x85\u2028\ufeff") + text[pos:], "control character"
    if what == "surrogate":
        return text + '\nnote: "\\ud800"\n', "lone surrogate escape"
    if what == "garbage":
        pos = rng.randrange(len(text))
        junk = "".join(rng.choice(string.printable) for _ in range(rng.randrange(1, 20)))
        return text[:pos] + junk + text[pos:], "garbage"
    if what == "bracket":
        lines[i] = lines[i] + rng.choice(("[", "{", "]", "}", "'", '"', "&", "*", "|", ">"))
        return "\n".join(lines), f"bracket on line {i + 1}"
    if what == "documents":
        return text + "\n---\nname: second\n", "two documents"
    if what == "empty":
        return rng.choice(("", "\n", "# only a comment\n", "~\n", "null\n")), "empty"
    if what == "top_list":
        return rng.choice(("- a\n- b\n", "42\n", "just text\n", "[1, 2]\n")), "top level not a mapping"
    if what == "big_number":
        return text + f"\nseed: {'9' * rng.choice((19, 20, 120, 5000))}\n", "big number"
    if what == "long_name":
        return text.replace("name: ", "name: " + "a" * rng.choice((65, 239, 100_000)), 1), "long name"
    return text + "\nx: &anchor {a: 1}\ny: *anchor\nz: *missing\n", "undefined alias"


def extends_mutation(text: str, rng: random.Random, key: str) -> tuple[str, str]:
    """Point ``extends:`` (or a sweep's ``base:``) somewhere odd."""
    target = rng.choice(PATH_TRICKS)
    body = "\n".join(line for line in text.splitlines() if not line.startswith(f"{key}:"))
    return body + "\n" + _dump({key: target}), f"{key}: {target!r:.40}"


def size_mutation(text: str, rng: random.Random) -> tuple[str, str]:
    """A sweep far too large: samples, a huge grid, replications, chunk size, seed."""
    data = yaml.safe_load(text)
    what = rng.choice(("samples", "grid", "replications", "chunk_size", "seed", "design"))
    if what == "samples":
        data["samples"] = rng.choice((2**40, 2**20, 3, 0, -4))
    elif what == "grid":
        n = rng.choice((450, 50))
        data["design"] = "grid"
        data.pop("samples", None)
        data["factors"] = {
            "package.foreign_troops": {"values": list(range(0, 450 * n, 450))[:n]},
            "war.drift": {"values": [round(-0.1 + k * 0.2 / n, 6) for k in range(n)]},
        }
    elif what == "replications":
        data["replications"] = rng.choice((10**9, 100_001, 0, 2))
    elif what == "chunk_size":
        data["chunk_size"] = rng.choice((0, 1, 10**9))
    elif what == "seed":
        data["seed"] = rng.choice((2**63, 2**64, -1, 2**63 - 1))
    else:
        data["design"] = rng.choice(("grid", "lhs", "sobol", "random"))
    return _dump(data), f"size {what}"


def set_mutation(rng: random.Random) -> tuple[list[str], str]:
    """Odd command-line options for ``sim run``."""
    key = rng.choice(
        (
            "deterrence.horizon_years",
            "deterrence.foresight",
            "deterrence.consolidation_years",
            "war.drift",
            "war.private_edge_types",
            "war.private_edge_sd",
            "negotiation.pause_months",
            "negotiation.discount",
            "power.ukraine_years",
            "actors.russia.war_cost",
            "package.foreign_troops",
            "package.territory",
            "actors.russia.red_lines.0.penalty",
            "actors.russia.red_lines.9.penalty",
            "seed",
            "runs",
            "name",
            "a..b",
            ".".join(["a"] * 100),
            "war",
        )
    )
    value = rng.choice(
        (
            "1",
            "-1",
            "-0.0",
            ".inf",
            ".nan",
            "1e400",
            "9" * 5000,
            "{options: [0, 5000]}",
            "{min: 5, max: 1}",
            "[" * 300 + "]" * 300,
            "!!python/object/apply:os.system [echo]",
            "{",
            "",
            "yes",
            "x" * 300,
        )
    )
    extra = [["--set", f"{key}={value}"], ["--seed", str(rng.choice((-1, 2**63, 2**63 - 1, 0)))], ["--runs", "0"]]
    chosen = rng.choice(extra)
    return chosen, " ".join(chosen)[:60]


def make_case(space: Path, rng: random.Random, index: int, run_share: float = 0.1) -> Case:
    """One mutated file (a copy of a shipped scenario or sweep, written next to it) and the command to try.

    Args:
        space: A workspace (:func:`workspace`).
        rng: The source of every choice.
        index: Numbers the file (``fuzz_00042.yaml``).
        run_share: The share of cases that run the scenario or sweep when it validates.
    """
    scenarios, sweeps = shipped(space)
    kind = "sweep" if rng.random() < 0.4 else "scenario"
    source = rng.choice(sweeps if kind == "sweep" else scenarios)
    text = source.read_text(encoding="utf-8")
    roll = rng.random()
    argv_extra: list[str] = []
    if roll < 0.45:
        new, mutation = data_mutation(text, rng, kind)
    elif roll < 0.8:
        new, mutation = text_mutation(text, rng)
    elif roll < 0.9 or kind == "scenario":
        if kind == "scenario" and rng.random() < 0.4:
            new, mutation = text, "unchanged file"
            argv_extra, mutation = set_mutation(rng)
        else:
            new, mutation = extends_mutation(text, rng, "base" if kind == "sweep" else "extends")
    else:
        new, mutation = size_mutation(text, rng)
    target = source.parent / f"fuzz_{index:05d}.yaml"
    if isinstance(new, bytes):
        target.write_bytes(new)
    else:
        # A mutation may hold a lone surrogate (from the path tricks): write it escaped, as a file would.
        target.write_bytes(new.encode("utf-8", "surrogatepass") if "\ud800" in new else new.encode("utf-8"))
    if "'self'" in mutation:
        target.write_text(f"extends: {target.name}\nname: x\n", encoding="utf-8")
    run = rng.random() < run_share
    out = space.parent / "out" / f"case_{index:05d}"
    if kind == "scenario":
        argv = (
            ["run", str(target), "--runs", "2", "--no-figures", "--out", str(out), "-q", *argv_extra]
            if run or argv_extra
            else ["validate", str(target)]
        )
    else:
        argv = ["sweep", str(target), "--backend", "serial", "--out", str(out), "-q"]
    return Case(target, argv, kind, mutation, run=run or bool(argv_extra))


def clean(case: Case) -> None:
    """Remove a case's file and output folder."""
    case.file.unlink(missing_ok=True)
    if "--out" in case.argv:
        shutil.rmtree(case.argv[case.argv.index("--out") + 1], ignore_errors=True)


# ---------------------------------------------------------------------------------------------- answers


def attempt(case: Case, argv: list[str] | None = None) -> Answer:
    """Run a command on a case's file in this process, as ``sim`` would, capturing its output.

    Args:
        case: The case.
        argv: The command (default: the case's). A sweep case that is not to be run is validated as
            ``sim sweep`` validates before it starts (the sweep file, the design, and the scenario of
            every design point), with the CLI's error handling.
    """
    from sim.cli import main

    validate_only = argv is None and case.kind == "sweep" and not case.run
    argv = case.argv if argv is None else argv
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = _validate_sweep(case.file) if validate_only else main(argv)
        except SystemExit as exc:  # argparse
            code = exc.code if isinstance(exc.code, int) else 2
        except BaseException:  # noqa: BLE001 - anything that escapes main is a failure of main
            traceback.print_exc()
            code = -1
    return Answer(code, out.getvalue(), err.getvalue())


def _validate_sweep(path: Path) -> int:
    from sim.config.errors import InputError
    from sim.config.sweep import load_sweep
    from sim.execution.sweep.design import make_design
    from sim.execution.sweep.runner import point_scenarios

    try:
        loaded = load_sweep(path)
        point_scenarios(loaded, make_design(loaded.spec))
    except InputError as err:
        print(f"error: {err}", file=__import__("sys").stderr)
        return 2
    except Exception:  # noqa: BLE001 - reported as the CLI reports an internal error
        print("internal error:", file=__import__("sys").stderr)
        traceback.print_exc()
        return 1
    return 0


def names_the_input(case: Case, answer: Answer) -> bool:
    """Whether an error message names the mutated file (or the option that was wrong)."""
    text = answer.stderr
    options = [a for a in case.argv if a.startswith("--") and a in ("--set", "--seed", "--runs")]
    return case.file.name in text or any(option in text for option in options)


# Words that would mean the message leaks the program's insides, or blames what the user did not write.
UNCLEAR = (
    "NoneType",
    "instance of",
    "function-after",
    "function-before",
    "ValidationError",
    "[Errno",
    "<defaults>",
    "<override>",
    "<with_overrides>",
    "Exception",
    "object at 0x",
)


def unclear(answer: Answer) -> list[str]:
    """Words in an error message that a user cannot act on (see :data:`UNCLEAR`)."""
    return [word for word in UNCLEAR if word in answer.stderr]


def run_argv(case: Case, out: Path) -> list[str]:
    """The command that runs a case's file, once it validated: ``sim run`` (two runs) or ``sim sweep``."""
    if case.kind == "scenario":
        return ["run", str(case.file), "--runs", "2", "--no-figures", "--out", str(out), "-q"]
    return ["sweep", str(case.file), "--backend", "serial", "--out", str(out), "-q"]


def problems(case: Case, answer: Answer) -> list[str]:
    """What is wrong with an answer: anything but exit 0, or exit 2 with a message that names the file and
    holds none of the :data:`UNCLEAR` words."""
    found = []
    if answer.code not in (0, 2):
        found.append(f"exit {answer.code}")
    if "Traceback" in answer.stderr or "Traceback" in answer.stdout:
        found.append("traceback")
    if "internal error" in answer.stderr:
        found.append("internal error")
    if answer.code == 2 and not names_the_input(case, answer):
        found.append("the message does not name the file")
    found += [f"unclear: {word}" for word in unclear(answer)]
    return found


Check = Callable[[Case, Answer], list[str]]
