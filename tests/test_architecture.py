"""The layers (docs/ARCHITECTURE.md) are enforced: a wrong import fails this test, and so CI.

The contracts live in pyproject.toml ([tool.importlinter]); import-linter checks every import statement
of the package, those inside functions included.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tomllib
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


def _readme_block(heading: str) -> str:
    """The first fenced code block of a README section."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    return text.split(f"\n{heading}\n", 1)[1].split("```", 2)[1]


def test_the_readme_layout_shows_the_layers_and_only_files_that_exist():
    """Catches a README "Layout" that still shows the flat package of before the layers (sim/issues.py,
    model.py, runner.py, ...): every layer of the import contract appears, and every file it names exists."""
    layers = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    layers = layers["contracts"][0]["layers"]
    lines = [line for line in _readme_block("## Layout").splitlines() if line.startswith(("sim/", "  "))]
    entries = {m.group(1) for line in lines if (m := re.match(r"  (\S+)", line))}
    for layer in layers:
        name = layer.removeprefix("sim.")
        assert f"{name}/" in entries or f"{name}.py" in entries, f"{layer} is missing from the layout"
    for entry in entries:
        assert (ROOT / "sim" / entry).exists(), f"the layout shows sim/{entry}, which does not exist"
    files = {p.name for p in (ROOT / "sim").rglob("*") if "__pycache__" not in p.parts}
    for name in re.findall(r"[\w./]+\.(?:py|yaml)", "\n".join(lines)):
        if not name.startswith("tests/"):
            assert name.rsplit("/", 1)[-1] in files, f"the layout names {name}, which is not in sim/"


def test_the_readme_python_snippet_imports_what_it_uses():
    """Catches the README's "From Python" snippet importing from module paths that moved."""
    code = _readme_block("From Python:").removeprefix("python\n")
    imports = "\n".join(line for line in code.splitlines() if line.startswith(("from ", "import ")))
    assert "sim.config.scenario" in imports and "sim.execution.runs" in imports
    exec(compile(imports, "README.md", "exec"), {})  # noqa: S102 - the README's own import lines
