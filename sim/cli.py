"""The ``sim`` command: parse arguments, call the library, print. No model logic here."""

from __future__ import annotations

import argparse
import contextlib
import json
import sys
import tempfile
import traceback
from collections.abc import Sequence
from pathlib import Path

from sim.config.errors import InputError
from sim.execution.failures import SweepFailed

EPILOG_MAIN = """example:
  sim run scenarios/baseline.yaml --runs 200 --seed 1
  sim compare scenarios/duration_15.yaml scenarios/duration_50.yaml"""

EPILOG_RUN = """example:
  sim run scenarios/baseline.yaml --runs 200 --seed 1
  sim run scenarios/cold_war_scale_imposed.yaml --out results/cold_war --format csv

load the results back in Python:
  from sim.execution.results import load_results
  res = load_results("results/cold_war")      # res.runs, res.trajectories, res.summary, res.manifest

exit codes: 0 done, 2 bad input (or a folder that cannot be written), 1 internal error,
  130 interrupted (finished runs are kept)"""

RUN_DESCRIPTION = """Run a scenario's replications and write a run directory:
  runs.parquet          one row per run: outcome, agreed terms, utilities, peace, then the resolved inputs
  trajectories.parquet  round-by-round talks and year-by-year peace of the first traced runs
  summary.json          headline figures with 95 % intervals
  manifest.json         provenance: versions, git commit, scenario hash and text, seeds, command, times
  figures/              trajectories.png, terms.png, survival.png, peace.png
The text summary is printed, then the folder. Ctrl-C writes the finished runs and exits with 130."""

EPILOG_COMPARE = """example:
  sim compare scenarios/duration_15.yaml scenarios/duration_50.yaml --runs 500
  sim compare a.yaml b.yaml c.yaml --seed 7 --out results/abc --force"""

COMPARE_DESCRIPTION = """Run each scenario with the same number of runs and master seed, each into its own run
directory inside the comparison folder, then print the headline figures side by side and write
comparison.csv, comparison.json and figures/survival_compare.png (survival of peace, overlaid)."""


def _parse_set(items: Sequence[str]) -> dict[str, object]:
    from sim.config.options import parse_set

    return parse_set(items)


def _check_runs(runs: int | None) -> int | None:
    from sim.config.options import check_field
    from sim.config.scenario import Scenario

    return check_field("--runs", runs, Scenario, "runs")


def _check_seed(seed: int | None) -> int | None:
    from sim.config.options import check_field
    from sim.config.scenario import Scenario

    return check_field("--seed", seed, Scenario, "seed")


def _out_folder(args: argparse.Namespace, name: str) -> Path:
    """``--out``, or ``RESULTS/<name>-<UTC timestamp>``; checked before any work starts."""
    from sim.config.paths import check_output_folder

    if args.out:
        return check_output_folder(args.out, key_path="--out")
    from sim.execution.results import default_run_dir

    return default_run_dir(check_output_folder(args.results, key_path="--results"), name)


def _progress(args: argparse.Namespace) -> bool:
    """A progress bar only for a person watching: not with --quiet, not when stderr is a file or pipe."""
    return not args.quiet and sys.stderr.isatty()


def cmd_run(args: argparse.Namespace) -> int:
    """`sim run`: run a scenario into a run directory and print its summary; return the exit code."""
    from sim.config.options import check_checkpoint, check_traced_runs
    from sim.config.scenario import load_scenario

    overrides = _parse_set(args.set)
    scenario = load_scenario(args.scenario, overrides)
    runs = _check_runs(args.runs)
    seed = _check_seed(args.seed)
    check_traced_runs(args.traced_runs)
    check_checkpoint(args.checkpoint)
    out = _out_folder(args, scenario.name)
    from sim.execution.results import RunDirectory  # heavier imports only once the input is good

    runs = runs if runs is not None else scenario.runs
    seed = seed if seed is not None else scenario.seed
    directory = RunDirectory.create(out, fmt=args.format, force=args.force)
    from sim.analysis.summary import render
    from sim.execution.rundir import execute  # the model, numpy, scipy, mesa

    done = execute(
        scenario,
        directory,
        runs=runs,
        seed=seed,
        source=args.scenario,
        overrides=overrides,
        progress=_progress(args),
        traced_runs=args.traced_runs,
        figures=not args.no_figures,
        checkpoint_seconds=args.checkpoint,
        command=args.command_line,
    )
    if args.quiet:
        print(done.directory.path)
        return 0
    print(render(done.summary, f"{scenario.name}: {runs} runs, seed {seed}, mode {scenario.mode}"))
    print(f"\nresults: {done.directory.path}")
    return 0


def cmd_compare(args: argparse.Namespace) -> int:
    """`sim compare`: run scenarios side by side and print the comparison; return the exit code."""
    from sim.config.scenario import load_scenario

    scenarios = [load_scenario(path) for path in args.scenarios]  # every file is checked before anything runs
    runs = _check_runs(args.runs)
    seed = _check_seed(args.seed)
    out = _out_folder(args, "compare")
    from sim.execution.compare import Entry, labels_for, render_comparison, run_comparison

    entries = [
        Entry(label, s, Path(path))
        for label, s, path in zip(labels_for(scenarios), scenarios, args.scenarios, strict=True)
    ]
    done = run_comparison(
        entries,
        out,
        runs=runs,
        seed=seed,
        fmt=args.format,
        force=args.force,
        progress=_progress(args),
        command=args.command_line,
    )
    if args.quiet:
        print(done.folder)
        return 0
    horizons = {x.directory.path.name: float(x.runs["horizon"].max()) for x in done.executions if len(x.runs)}
    imposed = [x.directory.path.name for x in done.executions if x.summary.imposed]
    print(render_comparison(done.table, horizons, imposed=imposed))
    print(f"\ncomparison: {done.folder}")
    return 0


def _validate_sweep(path: str) -> str:
    """Check a sweep file, its base scenario and the scenario of every design point; say what it holds."""
    from sim.config.scenario import load_scenario
    from sim.config.sweep import load_sweep
    from sim.execution.sweep.design import make_design
    from sim.execution.sweep.runner import point_scenarios

    loaded = load_sweep(path)
    base = load_scenario(loaded.base_path)
    design = make_design(loaded.spec)
    point_scenarios(loaded, design)
    return f"sweep {loaded.spec.name}, {loaded.spec.design} design, {len(design)} points, base {base.name}"


def cmd_validate(args: argparse.Namespace) -> int:
    """`sim validate`: check scenario and sweep files (a sweep with its base and points); return the exit code."""
    from sim.config.errors import InputErrors
    from sim.config.scenario import load_scenario
    from sim.config.sweep import is_sweep_file

    failures: list[InputError] = []
    for path in args.files:
        try:
            if is_sweep_file(path):
                print(f"ok       {path}  ({_validate_sweep(path)})")
                continue
            s = load_scenario(path)
            print(f"ok       {path}  ({s.name}, mode {s.mode})")
        except InputError as err:
            print(f"invalid  {path}", file=sys.stderr)
            failures.append(err)
    if failures:
        raise InputErrors(failures) if len(failures) > 1 else failures[0]
    return 0


def cmd_schema(args: argparse.Namespace) -> int:
    """`sim schema`: print or write the JSON Schema of a scenario file; return the exit code."""
    from sim.config.scenario import json_schema

    text = json.dumps(json_schema(), indent=2)
    if args.out:
        from sim.config.paths import check_path_text, output_errors

        out = check_path_text(args.out, what="--out", key_path="--out")
        with output_errors(out, "cannot write the schema"):
            out.write_text(text + "\n", encoding="utf-8")
    else:
        print(text)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    """`sim show`: print a scenario fully resolved (after extends and defaults); return the exit code."""
    from sim.config.scenario import dump_resolved, load_scenario

    print(dump_resolved(load_scenario(args.scenario, _parse_set(args.set))), end="")
    return 0


def cmd_list(args: argparse.Namespace) -> int:
    """`sim list`: list the scenario and sweep files of a folder, one line each; return the exit code."""
    import textwrap

    from sim.config.paths import check_path_text
    from sim.config.scenario import load_scenario
    from sim.config.sweep import load_sweep

    folder = check_path_text(args.folder, what="the folder", key_path="FOLDER")
    if not folder.is_dir():
        raise InputError("not a folder", file=folder, expected="a folder of scenario files", found=str(folder))
    scenarios, sweeps, invalid = [], [], []
    for f in sorted(folder.rglob("*.yaml")):
        name = str(f.relative_to(folder))
        try:
            item = load_sweep(f).spec if "sweeps" in f.parts else load_scenario(f)
        except InputError:
            invalid.append(name)
            continue
        first = item.description.strip().split(". ")[0].rstrip(".")
        (sweeps if "sweeps" in f.parts else scenarios).append((name, textwrap.shorten(first, 90, placeholder=" …")))
    for title, rows in (("scenarios", scenarios), ("sweeps (sim sweep FILE)", sweeps)):
        if rows:
            print(f"{title}:")
            for name, text in rows:
                print(f"  {name:<34} {text}")
    if invalid:
        print(f"invalid (see sim validate): {', '.join(invalid)}")
    return 0


EPILOG_SWEEP = """example:
  sim sweep scenarios/sweeps/strength_x_troops.yaml
  sim sweep scenarios/sweeps/duration.yaml --workers 2 --out results/sweeps/duration
  sim sweep scenarios/sweeps/duration.yaml --out results/sweeps/duration --resume   # after a crash or Ctrl-C
  sim sweep scenarios/sweeps/sensitivity.yaml --backend dask --scheduler tcp://head-node:8786

exit codes: 0 done, 2 bad input (or a folder that cannot be written), 1 internal error,
  3 workers lost (finished chunks are kept: --resume), 130 interrupted (finished chunks are kept: --resume)"""

SWEEP_DESCRIPTION = """Run a sweep file: every design point of its factors, with its replications, in chunks on a
backend. Writes a sweep folder: sweep.yaml, design.parquet, parts/ (one Parquet file per finished chunk,
written atomically), manifest.json, and when complete aggregate.parquet / aggregate.csv (headline figures
per point with 95 % intervals) and figures/ (heat maps over the first two factors).
The seed of run (point i, replicate j) derives from the master seed and (i, j) alone, so results are
identical whatever the backend, the number of workers or the chunking."""


def cmd_sweep(args: argparse.Namespace) -> int:
    """`sim sweep`: run (or resume) a sweep on a backend and print where its results are; return the exit code."""
    from sim.config.options import check_workers
    from sim.config.paths import check_output_folder
    from sim.config.sweep import load_sweep
    from sim.execution.sweep.runner import run_sweep

    load_sweep(args.sweep)  # bad input fails fast, before workers start
    check_workers(args.workers)
    out = check_output_folder(args.out, key_path="--out") if args.out else None
    store = run_sweep(
        args.sweep,
        out,
        backend=args.backend,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        force=args.force,
        progress=_progress(args),
    )
    if not args.quiet:
        import pyarrow.parquet as pq

        agg = pq.read_table(store.root / "aggregate.parquet").to_pandas()
        design = store.design().to_pandas()
        table = design.merge(agg, on="point")
        shown = ["runs", "p_agreement", "p_deal_15", "peace_years_15", "p_holds_15", "p_durable_15"]
        cols = [c for c in design.columns if c != "point"] + [c for c in shown if c in table.columns]
        best = table.loc[table["p_durable_15"].idxmax()]
        print(table[cols].to_string(index=False, float_format=lambda v: f"{v:.3f}"))
        factors = ", ".join(f"{c} = {best[c]}" for c in design.columns if c != "point")
        low, high = best["p_durable_15_low"], best["p_durable_15_high"]
        print(f"\ndurable peace peaks at {factors}: {best['p_durable_15']:.3f} [{low:.3f}, {high:.3f}]")
    print(store.root)
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    """`sim analyze`: compute and store a finished sweep's analysis (Sobol indices); return the exit code."""
    from sim.config.paths import check_path_text
    from sim.execution.sweep.sensitivity import analyze_sweep

    check_path_text(args.sweep_dir, what="the sweep folder", key_path="SWEEP_DIR")
    table, figures = analyze_sweep(args.sweep_dir)
    df = table.to_pandas()
    for outcome, sub in df.groupby("outcome", sort=False):
        print(f"\n{outcome}")
        print(
            sub.drop(columns="outcome")
            .sort_values("ST", ascending=False)
            .to_string(index=False, float_format=lambda v: f"{v:.3f}")
        )
    print(f"\n{args.sweep_dir}/sensitivity.csv")
    for f in figures:
        print(f)
    return 0


def cmd_calibrate(args: argparse.Namespace) -> int:
    """`sim calibrate`: fit the post-agreement parameters to the historical cases and print the scorecard."""
    from sim.analysis.calibration import FITTED, TRANSFORMS, load_cases, report, scorecard
    from sim.config.paths import check_path_text

    folder = check_path_text(args.cases, what="the cases folder", key_path="--cases")
    names = tuple(args.fit or FITTED)
    unknown = [n for n in names if n not in TRANSFORMS]
    if unknown:
        raise InputError(f"--fit: cannot fit {', '.join(unknown)}; expected one or more of {', '.join(TRANSFORMS)}")
    if not folder.is_dir():
        raise InputError(f"--cases: {folder} is not a folder; expected the folder of the case scenarios")
    cases = load_cases(folder)
    if not cases:
        raise InputError(f"--cases: no case scenario (a file with a `case:` section) in {folder}")

    def progress(key: str) -> None:
        if not args.quiet:
            print(f"leave-one-out: refitting without {key}", file=sys.stderr)

    card = scorecard(cases, names, leave_one_out=not args.no_loo, progress=progress)
    print(report(cases, card), end="")
    return 0


def _run_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--runs", type=int, help="number of replications (default: the scenario's runs)")
    p.add_argument("--seed", type=int, help="master seed (default: the scenario's seed)")
    p.add_argument("--out", metavar="DIR", help="output folder (default: RESULTS/<name>-<UTC timestamp>)")
    p.add_argument(
        "--results", default="results", metavar="RESULTS", help="parent of default output folders (default: results)"
    )
    p.add_argument(
        "--format",
        choices=["parquet", "csv"],
        default="parquet",
        help="table format (default: parquet; csv for spreadsheets)",
    )
    p.add_argument("--force", action="store_true", help="overwrite an existing output folder")
    p.add_argument(
        "-q", "--quiet", action="store_true", help="no progress bar and no summary: print only the output folder"
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``sim`` command."""
    p = argparse.ArgumentParser(
        prog="sim",
        description="Negotiation and deterrence simulator for security guarantees for Ukraine.",
        epilog=EPILOG_MAIN,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = p.add_subparsers(dest="command", required=True)
    raw = argparse.RawDescriptionHelpFormatter

    r = sub.add_parser(
        "run",
        help="run a scenario file into a run directory (tables, summary, manifest, figures)",
        description=RUN_DESCRIPTION,
        epilog=EPILOG_RUN,
        formatter_class=raw,
    )
    r.add_argument("scenario", help="scenario YAML file")
    _run_options(r)
    r.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="override a key, e.g. --set deterrence.horizon_years=30",
    )
    r.add_argument(
        "--traced-runs",
        type=int,
        default=50,
        metavar="N",
        help="trace the first N runs for trajectories and figures (default 50)",
    )
    r.add_argument("--no-figures", action="store_true", help="do not draw the figures")
    r.add_argument(
        "--checkpoint",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="write the finished runs every SECONDS while running (default 30)",
    )
    r.set_defaults(func=cmd_run)

    c = sub.add_parser(
        "compare",
        help="run several scenarios and compare their headline figures and survival of peace",
        description=COMPARE_DESCRIPTION,
        epilog=EPILOG_COMPARE,
        formatter_class=raw,
    )
    c.add_argument("scenarios", nargs="+", metavar="SCENARIO", help="scenario YAML files (two or more)")
    _run_options(c)
    c.set_defaults(func=cmd_compare)

    v = sub.add_parser(
        "validate",
        help="check scenario files and sweep files (a sweep with its base scenario and every design point)",
        epilog="example:\n  sim validate scenarios/*.yaml scenarios/sweeps/*.yaml",
        formatter_class=raw,
    )
    v.add_argument("files", nargs="+", help="scenario or sweep YAML files")
    v.set_defaults(func=cmd_validate)

    s = sub.add_parser(
        "schema",
        help="print the JSON Schema of scenario files",
        epilog="example:\n  sim schema --out scenario.schema.json",
        formatter_class=raw,
    )
    s.add_argument("--out", help="write to this file instead of printing")
    s.set_defaults(func=cmd_schema)

    sh = sub.add_parser(
        "show",
        help="print a scenario fully resolved (after extends and defaults)",
        epilog="example:\n  sim show scenarios/duration_30.yaml",
        formatter_class=raw,
    )
    sh.add_argument("scenario")
    sh.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    sh.set_defaults(func=cmd_show)

    sw = sub.add_parser(
        "sweep",
        help="run a parameter sweep (grid, lhs or sobol design) on a backend, resumably",
        description=SWEEP_DESCRIPTION,
        epilog=EPILOG_SWEEP,
        formatter_class=raw,
    )
    sw.add_argument("sweep", help="sweep YAML file")
    sw.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    sw.add_argument(
        "--backend",
        choices=["serial", "processes", "dask"],
        default="processes",
        help="where chunks run (default: processes; dask needs the [distributed] extra)",
    )
    sw.add_argument("--scheduler", metavar="ADDRESS", help="a running dask scheduler, e.g. tcp://host:8786")
    sw.add_argument("--out", metavar="DIR", help="sweep folder (default: results/sweeps/<name>-<UTC timestamp>)")
    sw.add_argument("--resume", action="store_true", help="finish the interrupted sweep in --out")
    sw.add_argument("--force", action="store_true", help="replace an existing sweep folder")
    sw.add_argument("-q", "--quiet", action="store_true", help="no progress bar and no table: print only the folder")
    sw.set_defaults(func=cmd_sweep)

    an = sub.add_parser(
        "analyze",
        help="analyse a finished sweep (sensitivity: Sobol indices)",
        epilog="example:\n  sim analyze sensitivity results/sweeps/sensitivity-20261123T120000Z",
        formatter_class=raw,
    )
    an_sub = an.add_subparsers(dest="analysis", required=True)
    sens = an_sub.add_parser(
        "sensitivity",
        help="Sobol first-order and total indices of the headline outcomes (SALib); needs a sobol sweep",
        epilog="example:\n  sim sweep scenarios/sweeps/sensitivity.yaml --out results/sens\n"
        "  sim analyze sensitivity results/sens",
        formatter_class=raw,
    )
    sens.add_argument("sweep_dir", help="the folder of a finished sobol sweep")
    sens.set_defaults(func=cmd_analyze)

    cal = sub.add_parser(
        "calibrate",
        help="fit the post-agreement parameters to the historical cases; score the model against naive forecasts",
        description="Fit the post-agreement parameters to every historical case at once (maximum likelihood of the "
        "observed survival times, censored where peace still holds), then score each case's forecast against a "
        "constant hazard and the model's background hazard, in sample and leave-one-out. Prints Markdown.",
        epilog="example:\n  sim calibrate\n  sim calibrate --fit deterrence.hazard_threshold --no-loo",
        formatter_class=raw,
    )
    cal.add_argument("--cases", default="scenarios/history", help="folder of case scenarios (default: %(default)s)")
    cal.add_argument(
        "--fit",
        nargs="+",
        metavar="PARAM",
        help="parameters to fit (default: deterrence.hazard_steepness deterrence.hazard_threshold; also "
        "deterrence.hazard_max, deterrence.consolidation)",
    )
    cal.add_argument("--no-loo", action="store_true", help="skip the leave-one-out refits")
    cal.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    cal.set_defaults(func=cmd_calibrate)

    ls = sub.add_parser(
        "list",
        help="list the scenarios in a folder with one-line descriptions",
        epilog="example:\n  sim list scenarios",
        formatter_class=raw,
    )
    ls.add_argument("folder", nargs="?", default="scenarios")
    ls.set_defaults(func=cmd_list)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: exit code 0 success, 2 bad input (a file, a flag, a folder that cannot be written, a closed
    output pipe), 1 internal error, 3 a sweep whose workers were lost (finished chunks kept), 130 interrupted."""
    args = build_parser().parse_args(argv)
    args.command_line = ["sim", *(sys.argv[1:] if argv is None else argv)]
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, not at exit
        return code
    except InputError as err:
        print(f"error: {_printable(str(err))}", file=sys.stderr)
        return 2
    except KeyboardInterrupt as err:
        print(str(err) or "interrupted", file=sys.stderr)  # sim.execution.rundir.Interrupted says what was kept
        return 130
    except BrokenPipeError:
        return _broken_pipe()
    except SweepFailed as err:
        print(f"error: {err}", file=sys.stderr)
        return 3
    except Exception as err:  # noqa: BLE001 - last resort: short message, full traceback to a file
        with tempfile.NamedTemporaryFile("w", prefix="sim-crash-", suffix=".txt", delete=False) as fh:
            traceback.print_exc(file=fh)
        print(f"internal error: {type(err).__name__}: {err}\nfull traceback: {fh.name}", file=sys.stderr)
        return 1


def _printable(text: str) -> str:
    """Text any terminal can take: characters it cannot encode (a lone surrogate) escaped."""
    encoding = getattr(sys.stderr, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except (UnicodeError, LookupError):
        return text.encode(encoding, "backslashreplace").decode(encoding, "replace")
    return text


def _broken_pipe() -> int:
    """The reader of our output went away (``sim schema | head -1``): stop quietly but say so, exit 2.

    Further writes to stdout would fail again at exit, so stdout is pointed at the null device first.
    """
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass
    with contextlib.suppress(OSError):
        print("error: the output was closed before sim finished writing it (a pipe into head?)", file=sys.stderr)
    return 2
