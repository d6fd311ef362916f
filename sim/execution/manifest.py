"""Provenance of a run (for manifest.json): package version, git commit, library versions, file hashes, timestamps.

Everything here is best effort: what cannot be found is ``None``, never an error.
"""

from __future__ import annotations

import hashlib
import os
import platform
import subprocess
import sys
import tomllib
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from sim.config.errors import InputError
from sim.config.scenario import Scenario, dump_resolved, load_resolved

__all__ = [
    "DISTRIBUTION",
    "environment",
    "file_sha256",
    "git_state",
    "package_version",
    "scenario_provenance",
    "text_sha256",
    "utc_now",
]

DISTRIBUTION = "ukraine-guarantees-sim"
"""The distribution name of this package (pyproject.toml)."""

_LIBRARIES = ("mesa", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "matplotlib", "pyyaml")


def utc_now() -> str:
    """The current UTC time, ISO 8601 with seconds, e.g. ``2026-01-15T09:30:00+00:00``."""
    return datetime.now(UTC).isoformat(timespec="seconds")


def text_sha256(text: str) -> str:
    """SHA-256 of a text encoded as UTF-8, in hex."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def file_sha256(path: str | Path) -> str | None:
    """SHA-256 of a file's bytes, in hex (None if it cannot be read)."""
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def package_version() -> str | None:
    """The installed version of this package, else the version in the checkout's ``pyproject.toml``
    (running uninstalled), else None."""
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        pass
    try:
        project = tomllib.loads((Path(__file__).resolve().parents[2] / "pyproject.toml").read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError):
        return None
    meta = project.get("project", {})
    return str(meta["version"]) if meta.get("name") == DISTRIBUTION and "version" in meta else None


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=5, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


def git_state() -> dict[str, Any] | None:
    """The commit of the checkout this package is imported from, and whether it has local changes.

    None when the package is not imported from a git checkout of this project (e.g. an installed
    wheel), or git is unavailable. Only read-only git commands are used.
    """
    package = Path(__file__).resolve().parents[1]  # the sim package (this is sim/execution/manifest.py)
    top = _git(["rev-parse", "--show-toplevel"], package)
    if top is None or Path(top).resolve() / package.name != package:
        return None  # not our checkout (e.g. a virtualenv inside some other repository)
    commit = _git(["rev-parse", "HEAD"], package)
    if commit is None:
        return None
    status = _git(["status", "--porcelain", "--untracked-files=no"], package)
    return {"commit": commit, "dirty": None if status is None else bool(status)}


def environment() -> dict[str, str | None]:
    """Python, platform and the versions of the libraries results depend on."""
    env: dict[str, str | None] = {"python": sys.version.split()[0], "platform": platform.platform()}
    for lib in _LIBRARIES:
        try:
            env[lib] = metadata.version(lib)
        except metadata.PackageNotFoundError:
            env[lib] = None
    return env


def scenario_provenance(
    scenario: Scenario, source: str | Path | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Where a scenario came from: its file and the files it extends (with hashes), the ``--set``
    overrides, and the fully resolved text with its hash (which alone reproduces the runs).

    Args:
        scenario: The validated scenario.
        source: The scenario file it was loaded from (None for a scenario built in code).
        overrides: The ``{"dotted.key": value}`` overrides applied after loading.
    """
    resolved = dump_resolved(scenario)
    extends: list[dict[str, Any]] = []
    if source is not None:
        try:
            chain = load_resolved(source).chain
        except InputError:
            chain = ()
        extends = [{"file": str(p), "sha256": file_sha256(p)} for p in chain[:-1]]
    return {
        "name": scenario.name,
        "file": None if source is None else str(source),
        "sha256": None if source is None else file_sha256(source),
        "extends": extends,
        "overrides": dict(overrides or {}),
        "resolved_sha256": text_sha256(resolved),
        "resolved": resolved,
    }


def software(command: Sequence[str] | None = None) -> dict[str, Any]:
    """The manifest fields that say what produced a result: package, git state, environment, command, cwd."""
    return {
        "package": {"name": DISTRIBUTION, "version": package_version()},
        "git": git_state(),
        "environment": environment(),
        "command": list(sys.argv if command is None else command),
        "cwd": os.getcwd(),
    }
