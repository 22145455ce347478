"""The notebooks run top to bottom in a fresh kernel, on any corpus.

They run on the seeds, on the shared corpus, and on small corpora written here
in the seeds' format that give them nothing to show in some sections: no
related links at all, a single item, and stories that each come from one
outlet. Where a section has nothing to show, the notebook says so in its output.

Each notebook's parameter cell (tagged ``parameters``) reads the corpus folder
from the environment variable ``NEWSGRAPH_CORPUS``; the test sets it, and the
kernel (the venv's Python, through the ``python3`` kernel) inherits it.

``make notebooks`` writes them as HTML that opens offline: the last tests run the
Makefile's own nbconvert command (on the seeds) and check that the pages load no
script, stylesheet or image from the network.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CORPUS, ROOT, SEEDS, item_text

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

NOTEBOOKS = ROOT / "notebooks"
NAMES = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
#: Each notebook must run in under 4 minutes; the kernel is stopped after this long on one cell.
CELL_TIMEOUT = 240
#: What the notebooks print where stories would be, on a corpus without related links.
NO_RELATED = "no related links in this corpus"


def _outputs(nb: Any) -> list[dict[str, Any]]:
    return [out for cell in nb.cells if cell.cell_type == "code" for out in cell.outputs]


def _printed(outputs: list[dict[str, Any]]) -> str:
    return "".join(o.get("text", "") for o in outputs if o.get("output_type") == "stream").lower()


def _execute(name: str, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Any, float]:
    monkeypatch.setenv("NEWSGRAPH_CORPUS", str(corpus))
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=CELL_TIMEOUT, kernel_name="python3", resources={"metadata": {"path": str(NOTEBOOKS)}}
    )
    started = time.perf_counter()
    client.execute()  # raises CellExecutionError, with the cell and its traceback, when a cell fails
    return nb, time.perf_counter() - started


def _run(name: str, corpus: Path, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Run ``name`` on ``corpus``; check it ran in time, without errors, and showed which corpus it read."""
    nb, seconds = _execute(name, corpus, monkeypatch)
    assert seconds < 240, f"{name} took {seconds:.0f} s"
    outputs = _outputs(nb)
    assert not [o for o in outputs if o.get("output_type") == "error"]
    assert any(str(corpus) in str(o.get("data", {}).get("text/plain", "")) for o in outputs), name
    return outputs


def _shows_explorer(outputs: list[dict[str, Any]]) -> bool:
    return any("<iframe" in o.get("data", {}).get("text/html", "") for o in outputs)


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
    # Stories found from evidence, and nothing of one corpus hard-coded (no node IRI, no article URL).
    assert "stories=True" in sources and "component_split" in sources
    assert "/newsgraph/id/" not in sources and not re.search(r"https?://(?!schema\.org|www\.w3\.org)", sources)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_seeds(name: str, monkeypatch: pytest.MonkeyPatch) -> None:
    outputs = _run(name, SEEDS, monkeypatch)
    assert _shows_explorer(outputs)
    printed = _printed(outputs)
    assert NO_RELATED not in printed  # the seeds have two chains of related links, and one story
    assert "the largest chain of related links joins 3 articles" in printed


# ---------------------------------------------------------------- corpora with little to show

OUTLETS = [
    {"name": "Daily A", "domain": "daily-a.example"},
    {"name": "Daily B", "domain": "daily-b.example"},
    {"name": "Daily C", "domain": "daily-c.example"},
]


#: Headlines and excerpts of the items that make stories: two reports of each event (no place, no count).
EVENTS = {
    1: ("Storm floods the harbour road overnight", "Crews closed the harbour road after the storm flooded it."),
    2: ("Harbour road closed as storm floods it", "The storm flooded the harbour road overnight; crews closed it."),
    3: ("Library reopens with shorter opening hours", "The public library reopens next week, with shorter hours."),
    4: ("Public library to reopen, hours shortened", "Shorter opening hours as the public library reopens next week."),
}


def _news(
    n: int, outlet: int, day: int, topics: list[str], related: list[dict[str, Any]] | None = None, event: bool = False
) -> str:
    """News item ``n`` in the seeds' format, published by ``OUTLETS[outlet]`` on 2020-05-``day``.

    A numbered report of district ``n``: reports of different districts are in no story (their
    counts differ). With ``event``, item ``n`` reports one of the :data:`EVENTS` instead.
    """
    provider = OUTLETS[outlet]
    url = f"https://www.{provider['domain']}/news/item-{n}"
    title, excerpt = _text(n, day, event)
    meta: dict[str, Any] = {
        "category": "news",
        "title": title,
        "excerpt": excerpt,
        "publishedDateTime": f"2020-05-{day:02d}T{8 + n % 10:02d}:00:00Z",
        "originalUrl": url,
        "webUrl": url,
        "type": "article",
        "quality": 40 + n,
        "heat": -1,
        "published": False,
        "provider": dict(provider),
        "topics": topics,
        "tags": ["US"] if n % 2 else ["GB"],
        "images": [{"url": f"https://img.{provider['domain']}/{n}.jpg", "width": 800, "height": 450}],
    }
    if related is not None:
        meta["related"] = related
    return item_text(meta)


def _text(n: int, day: int, event: bool) -> tuple[str, str]:
    if event:
        return EVENTS[n]
    return f"Item {n}: cases rise in district {n}", f"Officials in district {n} reported new cases on day {day}."


def _stub(n: int, outlet: int, day: int, event: bool = False) -> dict[str, Any]:
    """Item ``n`` as it appears in another item's ``related`` list."""
    provider = OUTLETS[outlet]
    return {
        "title": _text(n, day, event)[0],
        "publishedDateTime": f"2020-05-{day:02d}T{8 + n % 10:02d}:00:00Z",
        "webUrl": f"https://www.{provider['domain']}/news/item-{n}",
        "type": "article",
        "provider": dict(provider),
    }


def _write(folder: Path, items: list[str]) -> Path:
    folder.mkdir(parents=True)
    for i, text in enumerate(items):
        (folder / f"{i:03d}.md").write_text(text, encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def no_related(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Six items by three outlets over three days, with topics, tags and images, and no ``related`` lists."""
    topics = [["Coronavirus", "Health"], ["Coronavirus"], ["Health", "Economy"]]
    items = [_news(n, n % 3, 6 + n // 2, topics[n % 3]) for n in range(6)]
    return _write(tmp_path_factory.mktemp("no-related") / "corpus", items)


@pytest.fixture(scope="module")
def one_item(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _write(tmp_path_factory.mktemp("one-item") / "corpus", [_news(1, 0, 6, ["Coronavirus"])])


@pytest.fixture(scope="module")
def one_outlet_stories(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two stories, each of two articles by one outlet (A, then B) that link each other, and a lone article by C."""
    items = [
        _news(1, 0, 6, ["Coronavirus"], related=[_stub(2, 0, 7, event=True)], event=True),
        _news(2, 0, 7, ["Coronavirus"], event=True),
        _news(3, 1, 7, ["Health"], related=[_stub(4, 1, 8, event=True)], event=True),
        _news(4, 1, 8, ["Health", "Coronavirus"], event=True),
        _news(5, 2, 8, ["Economy"]),
    ]
    return _write(tmp_path_factory.mktemp("one-outlet") / "corpus", items)


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_a_corpus_without_related_links(
    name: str, no_related: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = _run(name, no_related, monkeypatch)
    assert NO_RELATED in _printed(outputs)  # says why the story sections are empty, rather than skipping them
    assert _shows_explorer(outputs) == (name == "explore.ipynb")  # the whole graph, but no story to show


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_on_a_corpus_of_one_item(name: str, one_item: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert NO_RELATED in _printed(_run(name, one_item, monkeypatch))


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_notebook_runs_when_no_story_has_two_outlets(
    name: str, one_outlet_stories: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    outputs = _run(name, one_outlet_stories, monkeypatch)
    assert _shows_explorer(outputs)
    printed = _printed(outputs)
    assert NO_RELATED not in printed
    if name == "stories.ipynb":
        assert "no story in this corpus has more than one outlet" in printed
        assert "no two outlets covered the same story" in printed


# ---------------------------------------------------------------- the shared corpus


def _count(outputs: list[dict[str, Any]]) -> tuple[int, int]:
    plots = sum(1 for o in outputs if "image/png" in o.get("data", {}))
    tables = sum(1 for o in outputs if 'class="dataframe"' in o.get("data", {}).get("text/html", ""))
    return plots, tables


@pytest.mark.slow
@pytest.mark.corpus
def test_notebooks_run_on_the_shared_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (needs ../shared beside the project)")
    plots = tables = 0
    for name in NAMES:
        outputs = _run(name, CORPUS, monkeypatch)
        printed = _printed(outputs)
        assert NO_RELATED not in printed, name
        # The largest related-link chain, split into several stories (measured: 39 articles, 17 stories).
        split = re.search(r"the largest chain of related links joins (\d+) articles .* in (\d+) stories", printed)
        assert split and int(split[1]) >= 30 and int(split[2]) >= 3, name
        assert _shows_explorer(outputs), name
        p, t = _count(outputs)
        assert p >= 1 and t >= 1, name
        plots += p
        tables += t
    assert plots >= 3 and tables >= 2


# ---------------------------------------------------------------- make notebooks: HTML that opens offline

#: An absolute or protocol-relative URL: something a browser would fetch from the network.
EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.IGNORECASE)
#: URLs in CSS (``@import``, ``url(...)``) and in scripts (``import(...)``, ``import ... from``).
CSS_URL = re.compile(r"""(?:@import\s+|url\(\s*)["']?((?:[a-z]+:)?//[^"')\s]+)""", re.IGNORECASE)
SCRIPT_URL = re.compile(r"""(?:\bimport\s*\(\s*|\bfrom\s+|importScripts\s*\(\s*)["']((?:[a-z]+:)?//[^"']+)""")
#: The attributes by which each tag loads a resource when the page opens.
LOADS = {
    "script": ("src",),
    "link": ("href",),
    "img": ("src", "srcset"),
    "iframe": ("src",),
    "embed": ("src",),
    "object": ("data",),
    "video": ("src", "poster"),
    "audio": ("src",),
    "source": ("src", "srcset"),
    "input": ("src",),
}


class _Resources(HTMLParser):
    """The URLs a page loads on opening: scripts, stylesheets and other links, images, frames, CSS and script imports.

    An iframe's ``srcdoc`` (the explorer) is a page of its own, read the same way.
    """

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.urls: list[str] = []
        self._in: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        self.urls += [f"<{tag} {a}={values[a]}>" for a in LOADS.get(tag, ()) if EXTERNAL.match(values.get(a, ""))]
        self.urls += CSS_URL.findall(values.get("style", ""))
        if tag == "iframe" and values.get("srcdoc"):
            self.urls += [f"iframe: {u}" for u in external_urls(values["srcdoc"])]
        self._in = tag if tag in ("script", "style") else None

    def handle_endtag(self, tag: str) -> None:
        self._in = None

    def handle_data(self, data: str) -> None:
        if self._in == "style":
            self.urls += CSS_URL.findall(data)
        elif self._in == "script":
            self.urls += SCRIPT_URL.findall(data)


def external_urls(html: str) -> list[str]:
    """What ``html`` would fetch from the network when opened (see :class:`_Resources`)."""
    page = _Resources()
    page.feed(html)
    page.close()
    return page.urls


def test_the_offline_check_finds_external_resources() -> None:
    cdn = "https://cdnjs.cloudflare.com/ajax/libs/require.js/2.1.10/require.min.js"
    assert external_urls(f'<script src="{cdn}"></script>') == [f"<script src={cdn}>"]
    assert external_urls('<link rel="stylesheet" href="//fonts.example/a.css">') == [
        "<link href=//fonts.example/a.css>"
    ]
    assert external_urls("<style>@import url('https://x.example/a.css');</style>") == ["https://x.example/a.css"]
    assert external_urls('<script type="module">import("https://x.example/m.js")</script>') == [
        "https://x.example/m.js"
    ]
    framed = '<iframe srcdoc="&lt;script src=&quot;https://x.example/vis.js&quot;&gt;&lt;/script&gt;"></iframe>'
    assert external_urls(framed) == ["iframe: <script src=https://x.example/vis.js>"]
    inline = '<script src=""></script><img src="data:image/png;base64,AA"><a href="https://x.example/">a link</a>'
    assert external_urls(inline) == []  # an empty src loads nothing; a link is not loaded on opening


def _make_notebooks_command(out: Path) -> str:
    """The command ``make notebooks NOTEBOOKS_OUT=out`` runs (from ``make -n``: the Makefile's own options)."""
    dry = subprocess.run(
        ["make", "-n", "notebooks", f"NOTEBOOKS_OUT={out}"], cwd=ROOT, capture_output=True, text=True, check=True
    )
    commands = [line for line in dry.stdout.replace("\\\n", " ").splitlines() if "nbconvert" in line]
    assert len(commands) == 1, dry.stdout
    return commands[0]


@pytest.fixture(scope="module")
def made_html(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The HTML ``make notebooks`` writes, run on the seeds (about half a minute)."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    out = tmp_path_factory.mktemp("notebooks-html")
    env = {**os.environ, "NEWSGRAPH_CORPUS": str(SEEDS)}
    subprocess.run(_make_notebooks_command(out), shell=True, cwd=ROOT, env=env, check=True, timeout=2 * CELL_TIMEOUT)
    return out


@pytest.mark.slow
@pytest.mark.parametrize("name", NAMES)
def test_make_notebooks_writes_html_that_opens_offline(made_html: Path, name: str) -> None:
    html = (made_html / name.replace(".ipynb", ".html")).read_text(encoding="utf-8")
    assert "<iframe" in html and 'class="dataframe"' in html  # the outputs are there: the explorer, tables
    assert external_urls(html) == []
    assert not re.search(r"""<script[^>]*\ssrc=["']?(?:https?:)?//""", html)
    assert not re.search(r"https?://[^\s\"'<>]*cdn", html, re.IGNORECASE)  # not even an import run for some content
