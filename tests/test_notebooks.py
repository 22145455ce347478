"""The notebooks run top to bottom in a fresh kernel, on the seeds and on the shared corpus.

Each notebook's parameter cell (tagged ``parameters``) reads the corpus folder
from the environment variable ``NEWSGRAPH_CORPUS``; the test sets it, and the
kernel (the venv's Python, through the ``python3`` kernel) inherits it.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS, ROOT, SEEDS

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOKS = ROOT / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
#: Each notebook must run in under 4 minutes; the kernel is stopped after this long on one cell.
CELL_TIMEOUT = 240


def _outputs(nb: Any) -> list[dict[str, Any]]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def _execute(name: str, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, float]:
    monkeypatch.setenv("NEWSGRAPH_CORPUS", str(corpus))
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    started = time.perf_counter()
    client.execute()
    return nb, time.perf_counter() - started


def test_there_are_notebooks() -> None:
    assert {"explore.ipynb", "stories.ipynb"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_notebook_is_committed_without_outputs(name: str) -> None:
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.outputs == [] and cell.execution_count is None for cell in code)
    params = [cell for cell in code if "parameters" in cell.metadata.get("tags", [])]
    assert len(params) == 1 and "NEWSGRAPH_CORPUS" in params[0].source
    # Only the public API: the package is imported as ``graph``, never its private helpers.
    sources = "\n".join(cell.source for cell in code)
    assert "import graph" in sources
    assert "graph._" not in sources and "analysis._" not in sources


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_seeds(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    nb, seconds = _execute(name, SEEDS, monkeypatch)
    assert seconds < 240
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(str(SEEDS) in str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    if any("graph.explore(" in cell.source for cell in nb.cells):
        assert any("<iframe" in o.get("data", {}).get("text/html", "") for o in outputs)


def _count(outputs: list[dict[str, Any]]) -> tuple[int, int]:
    plots = sum(1 for o in outputs if "image/png" in o.get("data", {}))
    tables = sum(1 for o in outputs if 'class="dataframe"' in o.get("data", {}).get("text/html", ""))
    return plots, tables


@pytest.mark.slow
@pytest.mark.corpus
def test_notebooks_run_on_the_shared_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS}")
    plots = tables = 0
    for name in NAMES:
        nb, seconds = _execute(name, CORPUS, monkeypatch)
        assert seconds < 240, f"{name} took {seconds:.0f} s"
        outputs = _outputs(nb)
        assert any(str(CORPUS) in str(o.get("data", {}).get("text/plain", "")) for o in outputs), name
        p, t = _count(outputs)
        assert p >= 1 and t >= 1, name
        plots += p
        tables += t
    assert plots >= 3 and tables >= 2
