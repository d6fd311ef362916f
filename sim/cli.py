"""The ``sim`` command: parse arguments, call the library, print. No model logic here."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

import yaml

from sim.errors import InputError

EPILOG_RUN = """example:
  sim run scenarios/baseline.yaml --runs 200 --seed 1
  sim run scenarios/cold_war_scale.yaml --set mode=evaluate"""


def _parse_set(items: Sequence[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(
                "bad --set option",
                key_path=item,
                expected="KEY.PATH=VALUE, e.g. deterrence.horizon_years=30",
                found=item,
                hint="VALUE is read as YAML: numbers, true/false, names, or {min: 1, max: 2}",
            )
        try:
            out[key] = yaml.safe_load(value)
        except yaml.YAMLError as err:
            raise InputError("bad --set value", key_path=key, expected="a YAML value", found=value) from err
    return out


def cmd_run(args: argparse.Namespace) -> int:
    from sim.run import iter_runs
    from sim.scenario import load_scenario
    from sim.summary import render, summarise

    scenario = load_scenario(args.scenario, _parse_set(args.set))
    runs = args.runs if args.runs is not None else scenario.runs
    seed = args.seed if args.seed is not None else scenario.seed
    if runs < 1:
        raise InputError("bad --runs", key_path="--runs", expected="an integer >= 1", found=str(runs))
    outcomes = list(iter_runs(scenario, runs, seed))
    title = f"{scenario.name}: {runs} runs, seed {seed}, mode {scenario.mode}"
    print(render(summarise(outcomes), title))
    return 0


def cmd_validate(args: argparse.Namespace) -> int:
    from sim.errors import InputErrors
    from sim.scenario import load_scenario

    failures: list[InputError] = []
    for path in args.files:
        try:
            s = load_scenario(path)
            print(f"ok       {path}  ({s.name}, mode {s.mode})")
        except InputError as err:
            print(f"invalid  {path}", file=sys.stderr)
            failures.append(err)
    if failures:
        raise InputErrors(failures) if len(failures) > 1 else failures[0]
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    from sim.scenario import json_schema

    text = json.dumps(json_schema(), indent=2)
    if args.out:
        Path(args.out).write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    from sim.scenario import dump_resolved, load_scenario

    print(dump_resolved(load_scenario(args.scenario, _parse_set(args.set))), end="")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    from sim.scenario import load_scenario

    folder = Path(args.folder)
    files = sorted(folder.rglob("*.yaml"))
    for f in files:
        try:
            s = load_scenario(f)
        except InputError:
            continue
        first = s.description.strip().split(". ")[0].rstrip(".")
        print(f"{str(f.relative_to(folder)):<32} {first[:100]}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sim`` command."""
    p = argparse.ArgumentParser(
        prog="sim",
        description="Negotiation and deterrence simulator for security guarantees for Ukraine.",
        epilog="example:\n  sim run scenarios/baseline.yaml --runs 200 --seed 1",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    raw = argparse.RawDescriptionHelpFormatter

    r = sub.add_parser("run", help="run a scenario file and print a summary", epilog=EPILOG_RUN, formatter_class=raw)
    r.add_argument("scenario", help="scenario YAML file")
    r.add_argument("--runs", type=int, help="number of replications (default: the scenario's runs)")
    r.add_argument("--seed", type=int, help="master seed (default: the scenario's seed)")
    r.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a key, e.g. --set deterrence.horizon_years=30")
    r.set_defaults(func=cmd_run)

    v = sub.add_parser("validate", help="check scenario files", epilog="example:\n  sim validate scenarios/*.yaml", formatter_class=raw)
    v.add_argument("files", nargs="+", help="scenario YAML files")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser("schema", help="print the JSON Schema of scenario files", epilog="example:\n  sim schema --out scenario.schema.json", formatter_class=raw)
    s.add_argument("--out", help="write to this file instead of printing")
    s.set_defaults(func=cmd_schema)

    sh = sub.add_parser("show", help="print a scenario fully resolved (after extends and defaults)", epilog="example:\n  sim show scenarios/duration_30.yaml", formatter_class=raw)
    sh.add_argument("scenario")
    sh.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    sh.set_defaults(func=cmd_show)

    ls = sub.add_parser("list", help="list the scenarios in a folder with one-line descriptions", epilog="example:\n  sim list scenarios", formatter_class=raw)
    ls.add_argument("folder", nargs="?", default="scenarios")
    ls.set_defaults(func=cmd_list)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit code 0 success, 2 bad input, 1 internal error, 130 interrupted."""
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args))
    except InputError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 - last resort: short message, full traceback to a file
        with tempfile.NamedTemporaryFile("w", prefix="sim-crash-", suffix=".txt", delete=False) as fh:
            traceback.print_exc(file=fh)
        print(f"internal error: {type(err).__name__}: {err}\nfull traceback: {fh.name}", file=sys.stderr)
        return 1
