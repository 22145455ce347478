"""graph.explorer.topyvis.to_pyvis: the explorer's picture as a real pyvis Network."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import graph
from graph.errors import EmptyViewError, ViewError
from graph.explorer import topyvis
from graph.explorer.data import _page_data
from graph.explorer.style import EDGE_STYLE, HUB_COLOUR, STYLE
from graph.explorer.topyvis import to_pyvis
from graph.explorer.view import select_view
from tests.conftest import ROOT

pytest.importorskip("pyvis")
#: pyvis's template writes the nodes with jinja's ``tojson``: a label is in the HTML as this gives it.
htmlsafe_json_dumps = pytest.importorskip("jinja2.utils").htmlsafe_json_dumps

#: A tag, as far as a browser's HTML parser is concerned.
TAG = re.compile(r"<\s*/?\s*[a-zA-Z!]")


@pytest.fixture(scope="module")
def seeds_kg(seeds_dir: Path) -> graph.KnowledgeGraph:
    return graph.build([seeds_dir])


def _page(kg: graph.KnowledgeGraph, **filters: Any) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    nodes, edges, _ = _page_data(kg, select_view(kg, **filters))
    return nodes, edges


def _drawn_rows(edges: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    return [row for row in edges if row[2] in EDGE_STYLE]


def _label(item: dict[str, Any]) -> str:
    """The label the page shows: its own, or an article's headline cut at 48 characters."""
    if "label" in item:
        return str(item["label"])
    title = str(item.get("t", ""))
    return title if len(title) <= 48 else title[:47] + "…"


def test_seeds_network_is_the_page_picture(seeds_kg: graph.KnowledgeGraph) -> None:
    nodes, _ = _page(seeds_kg)
    view = select_view(seeds_kg)
    net = to_pyvis(seeds_kg)
    assert len(net.nodes) == len(nodes) >= 12
    by_id = {n["id"]: n for n in net.nodes}
    assert set(by_id) == {item["id"] for item in nodes}  # the page's own ids
    for item in nodes:
        node = by_id[item["id"]]
        assert (node["x"], node["y"]) == (item["x"], item["y"])
        assert node["physics"] is False
        assert node["size"] == item["size"]
        assert node["label"] == _label(item) != ""
        colour, shape, _ = STYLE[item["k"]]
        if item.get("hub"):
            assert node["color"]["background"] == HUB_COLOUR
        else:
            assert node["color"]["background"] == colour and node["shape"] == shape
        assert node["kind"] == item["k"]
        assert node["iri"] == view.nodes[item["id"]]  # the page's ids are places in the view
        assert isinstance(node["title"], str) and node["title"] and not TAG.search(node["title"])
    assert net.options.physics.enabled is False
    assert '"physics": {\n        "enabled": false' in net.options.to_json()
    # articles' tooltips: headline, outlet · date, excerpt, link, one a line
    article = next(item for item in nodes if item["k"] == "article" and item.get("u") and item.get("d"))
    lines = by_id[article["id"]]["title"].split("\n")
    assert lines[0] == article["t"] and article["d"][:10] in lines[1] and lines[-1] == article["u"]
    outlet = next(item for item in nodes if item["id"] in article.get("p", [])) if article.get("p") else None
    if outlet is not None:
        assert outlet["label"] in lines[1]


def test_seeds_edges_are_the_page_rows(seeds_kg: graph.KnowledgeGraph) -> None:
    _, edges = _page(seeds_kg)
    net = to_pyvis(seeds_kg)
    rows = _drawn_rows(edges)
    assert len(net.edges) == len(rows) > 0
    for edge, (a, b, rel, hidden, *_) in zip(net.edges, rows, strict=True):
        style = EDGE_STYLE[rel]
        assert (edge["from"], edge["to"]) == (a, b)
        assert edge["color"]["color"] == style[0] and edge["width"] == style[1]
        assert edge["title"] == style[2]
        assert edge.get("hidden", False) is bool(hidden)
        assert bool(edge.get("dashes")) == bool(len(style) > 3 and style[3])


def test_generate_html_has_the_labels(seeds_kg: graph.KnowledgeGraph) -> None:
    nodes, _ = _page(seeds_kg)
    html = to_pyvis(seeds_kg).generate_html()
    assert "vis.Network" in html and "new vis.DataSet" in html
    for item in nodes:
        assert str(htmlsafe_json_dumps(_label(item))) in html, item


def test_filters_and_view(seeds_kg: graph.KnowledgeGraph) -> None:
    view = select_view(seeds_kg, topic="AI")
    by_filter = to_pyvis(seeds_kg, topic="AI")
    by_view = to_pyvis(seeds_kg, view)
    assert len(by_filter.nodes) == len(by_view.nodes) == len(view.nodes) < len(to_pyvis(seeds_kg).nodes)
    assert by_filter.nodes == by_view.nodes and by_filter.edges == by_view.edges


def test_view_and_filters_together_are_a_view_error(seeds_kg: graph.KnowledgeGraph) -> None:
    with pytest.raises(ViewError, match="either a view or filters"):
        to_pyvis(seeds_kg, select_view(seeds_kg), topic="AI")
    with pytest.raises(ViewError):
        to_pyvis(seeds_kg, since="not a date")
    with pytest.raises(EmptyViewError, match="no article matches"):  # as graph.explore
        to_pyvis(seeds_kg, topic="AI", since="2031-01-01")


def test_dashes_and_unknown_relations(seeds_kg: graph.KnowledgeGraph, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 4th EDGE_STYLE element draws dashes (True or a pattern); a relation missing from EDGE_STYLE is skipped."""
    _, edges = _page(seeds_kg)
    rels = sorted({row[2] for row in _drawn_rows(edges)})
    assert len(rels) >= 2
    dashed, dropped = rels[0], rels[1]
    styles = {rel: (*style[:3], False) for rel, style in EDGE_STYLE.items() if rel != dropped}
    styles[dashed] = (*EDGE_STYLE[dashed][:3], True)
    monkeypatch.setattr(topyvis, "EDGE_STYLE", styles)
    net = to_pyvis(seeds_kg)
    assert len(net.edges) == sum(1 for row in edges if row[2] in styles)
    assert all(edge.get("dashes") is True for edge in net.edges if edge["relation"] == dashed)
    assert all("dashes" not in edge for edge in net.edges if edge["relation"] != dashed)
    styles[dashed] = (*EDGE_STYLE[dashed][:3], [8, 6])
    assert {str(e.get("dashes")) for e in to_pyvis(seeds_kg).edges if e["relation"] == dashed} == {"[8, 6]"}


HOSTILE_TOPIC = "<b>Everything</b>"


@pytest.fixture
def hostile_kg(write_item: Any, tmp_path: Path) -> graph.KnowledgeGraph:
    """Six items whose text is markup, all about one (hub) topic."""
    for i in range(6):
        write_item(
            f"{i}.md",
            title=f'<b>Bold {i}</b><script>window.__pwned = {i}</script> href="javascript:x"',
            excerpt=f'<img src=x onerror="window.__pwned={i}"> </script><!-- {i}',
            publishedDateTime=f"2020-05-0{1 + i % 9}T10:00:00Z",
            webUrl=f"https://news{i}.example/{i}?q=<script>",
            provider={"name": f"<script>alert({i})</script>Outlet {i}", "domain": f"news{i}.example"},
            topics=[HOSTILE_TOPIC, f"<svg onload=alert({i % 2})>"],
            tags=["<iframe src=javascript:alert(1)>"],
        )
    return graph.build([tmp_path / "corpus"])


def test_hostile_titles_are_plain_text(hostile_kg: graph.KnowledgeGraph) -> None:
    nodes, edges = _page(hostile_kg)
    net = to_pyvis(hostile_kg)
    assert len(net.nodes) == len(nodes) and len(net.edges) == len(_drawn_rows(edges))
    titles = [n["title"] for n in net.nodes] + [e["title"] for e in net.edges]
    assert all(isinstance(t, str) and t for t in titles)
    assert not [t for t in titles if TAG.search(t) or "<" in t or ">" in t]
    articles = [n for n in net.nodes if n["kind"] == "article"]
    assert len(articles) == 6
    assert all("Bold" in n["title"] and "window.__pwned" in n["title"] for n in articles)  # the text stays, inert
    assert any("‹b›Bold" in n["title"] for n in articles)
    # the shared topic is a hub: drawn in the hub colour
    hub = next(n for n in net.nodes if n["label"] == HOSTILE_TOPIC)
    assert hub["color"]["background"] == HUB_COLOUR
    html = net.generate_html()
    assert "<script>window.__pwned" not in html and "<img src=x" not in html and "<svg onload" not in html


def test_pyvis_is_imported_only_when_called() -> None:
    code = "import sys, graph, graph.explorer.topyvis; print('pyvis' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"
