"""``graph.explore(kg)`` as a notebook's last expression: executed, exported to HTML, opened in Chromium.

The notebook is run by nbclient in a fresh ``python3`` kernel and exported with
nbconvert's HTMLExporter and the project's offline template (as ``make notebooks``
does); the HTML file is then opened from ``file://`` in real Chromium (Playwright,
as tests/test_browser.py does). The explorer is an ``<iframe srcdoc>``
(:meth:`graph.explorer.page.Page._repr_html_`): in it, vis-network must draw the
graph, with no request leaving the file and no error on the console.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, SEEDS

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
nbconvert = pytest.importorskip("nbconvert")
pytest.importorskip("ipykernel")

pytestmark = [pytest.mark.browser, pytest.mark.slow]

TEMPLATES = ROOT / "notebooks" / "templates"
CELL_TIMEOUT = 240


@pytest.fixture(scope="module")
def notebook_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The notebook ``import graph; kg = graph.build([SEEDS]); graph.explore(kg)``, executed, as HTML."""
    folder = tmp_path_factory.mktemp("notebook-explore")
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell("import graph"),
        nbformat.v4.new_code_cell(f"kg = graph.build([{str(SEEDS)!r}])"),
        nbformat.v4.new_code_cell("graph.explore(kg)"),
    ]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(folder)}}
    )
    client.execute()  # raises CellExecutionError, with the cell and its traceback, when a cell fails
    nbformat.write(nb, folder / "explore.ipynb")
    exporter = nbconvert.HTMLExporter(template_name="offline", extra_template_basedirs=[str(TEMPLATES)])
    body, _ = exporter.from_notebook_node(nb)
    path = folder / "explore.html"
    path.write_text(body, encoding="utf-8")
    return path


def test_the_last_cell_shows_the_explorer_iframe(notebook_html: Path) -> None:
    nb = nbformat.read(notebook_html.with_suffix(".ipynb"), as_version=4)
    outputs = nb.cells[-1].outputs
    assert [o["output_type"] for o in outputs] == ["execute_result"]
    shown = outputs[0]["data"]["text/html"]
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts' in shown
    # nbconvert's HTMLExporter passes the page through BeautifulSoup, which writes attributes in
    # alphabetical order (sandbox, srcdoc, style) and escapes srcdoc again: the iframe is still one.
    html = notebook_html.read_text(encoding="utf-8")
    assert html.count("<iframe") == 1 and re.search(r'<iframe [^>]*srcdoc="&lt;!DOCTYPE html&gt;', html)


def test_explore_draws_in_the_notebook_html(browser: Any, notebook_html: Path) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    requests: list[str] = []
    problems: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"pageerror: {e}"))
    page.goto(notebook_html.as_uri())
    iframe = page.locator("iframe")
    assert iframe.count() == 1
    assert "allow-scripts" in (iframe.get_attribute("sandbox") or "")
    iframe.scroll_into_view_if_needed()  # a person scrolls to the output (off-screen frames may not paint)
    frames = [f for f in page.frames if f is not page.main_frame]
    assert len(frames) == 1, [f.url for f in page.frames]
    frame = frames[0]
    assert frame.url == "about:srcdoc"
    frame.wait_for_function("window.__ng && window.__ng.ready", timeout=30_000)
    assert frame.evaluate("__ng.network.body.nodeIndices.length") > 0
    assert frame.evaluate("__ng.raw.filter(n => n.k === 'article').length") == 5
    box = iframe.bounding_box()
    assert box is not None and box["width"] > 300 and box["height"] > 300
    page.wait_for_timeout(300)  # late console errors (a blocked request is reported after the fact)
    left = [u for u in requests if u != notebook_html.as_uri() and not u.startswith(("data:", "about:srcdoc"))]
    assert left == [], "the page made requests"
    assert problems == []
    page.close()
