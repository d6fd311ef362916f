"""The package's version and, when run from a git checkout, the commit (for manifests)."""

from __future__ import annotations

import subprocess
from importlib import metadata
from pathlib import Path


def package_version() -> str:
    """The installed version, or ``unknown`` when run from an uninstalled checkout."""
    try:
        return metadata.version("ukraine-guarantees-sim")
    except metadata.PackageNotFoundError:
        return "unknown"


def git_commit() -> str | None:
    """The commit of the checkout the package lives in (with ``+dirty`` if modified), or None."""
    root = Path(__file__).resolve().parents[1]
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, timeout=5, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return sha + ("+dirty" if dirty else "") if sha else None
