"""The layers (docs/ARCHITECTURE.md) are enforced: a wrong import fails this test, and so CI.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter checks every import statement
of the package, those inside functions included.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _lint(root: Path) -> subprocess.CompletedProcess[str]:
    code = (
        "import sys; from importlinter.cli import lint_imports; "
        "sys.exit(lint_imports(config_filename='pyproject.toml', no_cache=True, no_logo=True))"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=root, capture_output=True, text=True, env={"PYTHONPATH": str(root)}
    )


def test_every_layer_imports_only_the_layers_below_it():
    done = _lint(ROOT)
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("module", "wrong_import"),
    [
        ("sim/model/war.py", "from sim.execution.runs import run_once"),  # the model reaching up into execution
        ("sim/analysis/summary.py", "from sim.atomic import write_atomic"),  # analysis writing files
        ("sim/model/deterrence.py", "import random"),  # a draw that is not the model's rng
    ],
)
def test_a_wrong_import_breaks_a_contract(tmp_path, module, wrong_import):
    """Wrong model caught: a layer that imports upward, writes, or draws outside the model's rng."""
    copy = tmp_path / "repo"
    shutil.copytree(ROOT / "sim", copy / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    target = copy / module
    target.write_text(target.read_text(encoding="utf-8") + f"\n{wrong_import}  # noqa\n", encoding="utf-8")
    done = _lint(copy)
    assert done.returncode != 0
    assert "BROKEN" in done.stdout
