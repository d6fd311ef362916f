"""The notebooks: committed without outputs, with a tagged parameters cell, and executing end to end.

Each notebook runs at its small defaults in a fresh kernel (the ``python3`` kernel of this environment),
in a temporary working directory so that nothing is written into the repository. Together they take
about a minute on a 2-core machine.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook tests need the test extra: pip install -e '.[test]'")
nbclient = pytest.importorskip("nbclient", reason="the notebook tests need the test extra: pip install -e '.[test]'")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
EXPECTED = {
    "01_quickstart.ipynb",
    "02_guarantee_dilemma.ipynb",
    "03_fifteen_years_or_decades.ipynb",
    "04_what_drives_the_results.ipynb",
}
CELL_TIMEOUT = 300  # seconds per cell: generous for a slow CI machine; the whole set takes about a minute


def test_the_four_notebooks_are_there() -> None:
    assert {nb.name for nb in NOTEBOOKS} >= EXPECTED


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_committed_clean(path: Path) -> None:
    """Outputs stripped (diff-friendly), a parameters cell first, a FULL switch and a note on how to use it."""
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code, "a notebook without code"
    for cell in code:
        assert cell.outputs == [], f"{path.name}: cell {cell.get('id')} has outputs; strip them before committing"
        assert cell.execution_count is None, f"{path.name}: cell {cell.get('id')} has an execution count"
    first = code[0]
    assert "parameters" in first.metadata.get("tags", []), (
        f"{path.name}: the first code cell must be tagged 'parameters'"
    )
    assert "FULL = False" in first.source
    text = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert "FULL = True" in text and "papermill" in text, f"{path.name}: say how to run at full size"
    assert "Caveats" in text and "Question" in text and "Method" in text


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_executes(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Run every cell at the small defaults; figures must render as PNG and nothing may land in the repo."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))
    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the notebooks' temporary sweep folders go here
    before = _tree(ROOT)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if o.output_type == "error"]
    assert not errors
    images = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})]
    assert images, f"{path.name}: no figure was displayed"
    assert _tree(ROOT) == before, f"{path.name} wrote into the repository"


def _tree(root: Path) -> set[str]:
    """Files under the folders a notebook could write to by mistake (the notebooks' own, and results/)."""
    out = set()
    for folder in ("notebooks", "results"):
        base = root / folder
        if base.exists():
            out |= {str(p.relative_to(root)) for p in base.rglob("*") if "__pycache__" not in p.parts}
    return out
