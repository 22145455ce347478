"""The explorer page without a browser: views, page content, safety of the embedded data, the CLI."""

from __future__ import annotations

import itertools
import json
import math
import os
import re
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

import graph
from graph.cli import app
from graph.export import WRITERS, write_outputs
from graph.html import DEFAULT_MAX_NODES, Page, ViewError, _vis_js, explore, render_html, select_view

HOSTILE = Path(__file__).parent / "hostile"
FACIAL = "https://www.electronicsforu.com/news/ai-driven-facial-recognition-repression-and-innovation"


@pytest.fixture(scope="module")
def seeds_kg(seeds_dir: Path) -> graph.KnowledgeGraph:
    return graph.build([seeds_dir])


def page_json(page: str, name: str) -> Any:
    """The JSON block ``ng-NAME`` of a page, as the page's script reads it."""
    match = re.search(rf'<script type="application/json" id="ng-{name}">(.*?)</script>', page, re.S)
    assert match, f"no ng-{name} block"
    return json.loads(match.group(1))


def test_seeds_page_has_articles_outlets_topics_and_related(seeds_kg: graph.KnowledgeGraph) -> None:
    page = render_html(seeds_kg)
    nodes = page_json(page, "nodes")
    edges = page_json(page, "edges")
    kinds = [n["k"] for n in nodes]
    assert kinds.count("article") == 5
    assert kinds.count("provider") == 5
    assert {n["label"] for n in nodes if n["k"] == "topic"} == {"AI", "Computer Vision"}
    assert sum(e["rel"] == "related" for e in edges) == 3
    assert all(isinstance(n["x"], float) and isinstance(n["y"], float) for n in nodes)
    facial = next(n for n in nodes if n.get("u") == FACIAL)
    assert facial["t"] == "AI-driven Facial Recognition: Repression And Innovation"
    assert facial["d"] == "2023-07-13" and facial["e"].startswith("Researchers reported")


def test_page_is_self_contained(seeds_kg: graph.KnowledgeGraph) -> None:
    page = render_html(seeds_kg)
    assert page.startswith("<!DOCTYPE html>")
    assert "vis.Network" in page and "function" in page  # vis-network is in-line
    assert not re.search(r"""<(script|link|img|iframe)[^>]+(src|href)=""", page)
    assert "cdnjs" not in page and "jsdelivr" not in page
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page)
    assert csp and "default-src 'none'" in csp.group(1) and "connect-src 'none'" in csp.group(1)
    assert "'unsafe-inline'" not in csp.group(1).split("script-src")[1].split(";")[0]


def test_hostile_text_stays_data(tmp_path: Path) -> None:
    kg = graph.build([HOSTILE])
    page = render_html(kg)
    outside_vis = page.replace(_vis_js(), "")
    assert len(re.findall(r"<script[^>]*>", outside_vis)) == 6  # 4 JSON blocks, vis-network, the explorer
    assert not re.search(r"<(img|svg|iframe|b)\b", outside_vis)  # no markup from the payloads
    assert "__pwned" in page  # the payloads are there, as escaped JSON text
    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S):
        assert "<" not in block and ">" not in block
    nodes = page_json(page, "nodes")
    labels = {n["label"] for n in nodes}
    assert "<script>window.__pwned='tag'</script>" in labels
    urls = [n["u"] for n in nodes if "u" in n]
    assert urls and all(u.startswith(("http://", "https://")) for u in urls)
    assert not any("javascript:" in u or "data:" in u for u in urls)


def test_select_view_filters(seeds_kg: graph.KnowledgeGraph) -> None:
    assert select_view(seeds_kg, topic="computer vision").counts["article"] == 2
    assert select_view(seeds_kg, provider="govtech.com").counts == {"article": 1, "provider": 1}
    assert select_view(seeds_kg, since="2023-07-14").counts == {}
    story = select_view(seeds_kg, story=FACIAL)
    assert story.counts["article"] == 3 and story.center is not None
    around = select_view(seeds_kg, around=FACIAL, depth=1)
    assert around.counts == {"article": 3, "provider": 3, "topic": 2}  # each article with its outlet
    deeper = select_view(seeds_kg, around=FACIAL, depth=2)
    assert deeper.counts["article"] == 4  # the other AI article, through the topic


def test_view_cut_is_reported(seeds_kg: graph.KnowledgeGraph) -> None:
    view = select_view(seeds_kg, max_nodes=7)
    assert view.cut and len(view.nodes) <= 7 and view.total == 12
    assert view.notices and "--max-nodes 7" in view.notices[0]
    # articles in stories come first, each with its outlet and topics
    kinds = [seeds_kg.graph.nodes[n]["kind"] for n in view.nodes]
    assert kinds.count("article") >= 2 and kinds.count("provider") >= 2
    page = render_html(seeds_kg, view)
    assert any("--max-nodes 7" in n for n in page_json(page, "meta")["notices"])


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"around": "https://nowhere.example/x"}, "no article has the URL"),
        ({"topic": "no such topic"}, "no topic or tag"),
        ({"provider": "nowhere.example"}, "no outlet"),
        ({"since": "yesterday"}, "YYYY-MM-DD"),
        ({"max_nodes": 0}, "at least 1"),
    ],
)
def test_bad_filters_raise(seeds_kg: graph.KnowledgeGraph, filters: dict[str, Any], message: str) -> None:
    with pytest.raises(ViewError, match=message):
        select_view(seeds_kg, **filters)


def test_hub_topic_is_faded_and_unlinked(write_item: Any, tmp_path: Path) -> None:
    for i in range(6):
        write_item(
            f"{i}.md",
            title=f"Story {i}",
            webUrl=f"https://news{i}.example/{i}",
            provider={"name": f"Outlet {i}", "domain": f"news{i}.example"},
            topics=["Everything", f"Topic {i % 2}"],
        )
    kg = graph.build([tmp_path / "corpus"])
    view = select_view(kg)
    assert [kg.graph.nodes[h]["label"] for h in view.hubs] == ["Everything"]
    page = render_html(kg, view)
    nodes = {n["id"]: n for n in page_json(page, "nodes")}
    hub = next(n for n in nodes.values() if n["label"] == "Everything")
    assert hub["group"] == "hub"
    assert all(hub["id"] not in (e["from"], e["to"]) for e in page_json(page, "edges"))
    assert any("Everything" in n for n in page_json(page, "meta")["notices"])


def test_notebook_display(seeds_kg: graph.KnowledgeGraph) -> None:
    page = explore(seeds_kg)
    assert isinstance(page, Page)
    shown = page._repr_html_()
    assert shown.startswith("<iframe srcdoc=") and 'sandbox="allow-scripts' in shown
    assert "<script" not in shown  # the page is escaped inside the attribute


def test_build_writes_graph_html(seeds_dir: Path, tmp_path: Path) -> None:
    assert "graph.html" in WRITERS
    written = write_outputs(graph.build([seeds_dir]), tmp_path / "out", names=["graph.json", "graph.html"])
    text = written["graph.html"].read_text(encoding="utf-8")
    assert sum(n["k"] == "article" for n in page_json(text, "nodes")) == 5


def test_cli_view(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    write_outputs(graph.build([seeds_dir]), out, names=["graph.json", "report.json"])
    runner = CliRunner()
    target = tmp_path / "around.html"
    result = runner.invoke(app, ["view", "-d", str(out), "-o", str(target), "--around", FACIAL])
    assert result.exit_code == 0, result.output
    assert f"wrote {target}" in result.output and "3 article" in result.output
    assert sum(n["k"] == "article" for n in page_json(target.read_text(encoding="utf-8"), "nodes")) == 3
    cut = runner.invoke(app, ["view", "-d", str(out), "-o", str(tmp_path / "cut.html"), "--max-nodes", "4"])
    assert cut.exit_code == 0 and "view cut:" in cut.output
    bad = runner.invoke(app, ["view", "-d", str(out), "-o", str(target), "--topic", "nothing"])
    assert bad.exit_code == 2 and "no topic or tag" in bad.output
    missing = runner.invoke(app, ["view", "-d", str(tmp_path / "none"), "-o", str(target)])
    assert missing.exit_code == 2 and "newsgraph build" in missing.output


@pytest.mark.corpus
@pytest.mark.slow
def test_corpus_page_is_quick_to_make(corpus_dir: Path) -> None:
    kg = graph.build([corpus_dir])
    started = time.perf_counter()
    view = select_view(kg)
    page = render_html(kg, view)
    took = time.perf_counter() - started
    assert took < 60, f"page took {took:.1f}s"
    assert len(view.nodes) <= DEFAULT_MAX_NODES and view.cut
    assert view.counts["article"] > 1500 and view.counts["topic"] >= 10
    assert [kg.graph.nodes[h]["label"] for h in view.hubs] == ["Coronavirus"]
    nodes = page_json(page, "nodes")
    related = [n for n in nodes if n.get("s")]
    assert len(related) >= 1500  # every article with related links is kept
    assert len(page.encode()) < 8_000_000


def test_layout_loads_only_igraphs_core() -> None:
    """The layout works from igraph's compiled core: no ``igraph`` package, no matplotlib (``-X importtime``)."""
    code = (
        "import sys, networkx as nx\n"
        "from graph.layout import layout\n"
        "pos = layout(nx.cycle_graph(30))\n"
        "assert len(pos) == 30 and len(set(pos.values())) == 30\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('igraph', 'matplotlib')))\n"
    )
    done = subprocess.run([sys.executable, "-X", "importtime", "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "['igraph._igraph']"
    imported = [line.split("|")[-1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert not [m for m in imported if m.split(".")[0] in ("igraph", "matplotlib", "pyvis")]


def test_page_is_byte_identical_across_runs(seeds_dir: Path, tmp_path: Path) -> None:
    """Two runs (different hash seeds) write the same seeds page, byte for byte: the layout is seeded."""
    code = "import sys, graph\nfrom graph.html import write_html\nwrite_html(graph.build([sys.argv[1]]), sys.argv[2])\n"
    pages = []
    for seed in ("1", "2"):
        path = tmp_path / f"seeds-{seed}.html"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-c", code, str(seeds_dir), str(path)], check=True, env=env, timeout=120)
        pages.append(path.read_bytes())
    assert pages[0] == pages[1]


def test_story_is_laid_out_as_a_readable_block(seeds_kg: graph.KnowledgeGraph) -> None:
    """A story's articles are spread out (not collapsed onto each other by their related links)."""
    page = render_html(seeds_kg)
    nodes = page_json(page, "nodes")
    links = [(e["from"], e["to"]) for e in page_json(page, "edges") if e["rel"] == "related"]
    story = {facial: None for facial in [next(n["id"] for n in nodes if n.get("u") == FACIAL)]}
    for _ in links:  # grow the facial-recognition story along its related links
        story.update({v: None for u, v in links if u in story} | {u: None for u, v in links if v in story})
    assert len(story) == 3
    in_stories = {i for link in links for i in link}
    spread = [(nodes[i]["x"], nodes[i]["y"]) for i in sorted(in_stories)]
    assert min(math.dist(a, b) for k, a in enumerate(spread) for b in spread[k + 1 :]) >= 60
    xy = [(nodes[i]["x"], nodes[i]["y"]) for i in story]
    xs, ys = [x for x, _ in xy], [y for _, y in xy]
    assert max(xs) - min(xs) >= 30 and max(ys) - min(ys) >= 30  # a block, not a line or a dot


def test_story_layout_blocks_do_not_overlap() -> None:
    """Stories become sunflowers of nodes 80 px apart; blocks and lone nodes overlap nothing."""
    import networkx as nx

    from graph.layout import story_layout

    g = nx.Graph()
    related = []
    for s in range(6):  # six stories of 3..13 articles, each article published by one of 5 outlets
        members = [f"s{s}a{i}" for i in range(3 + 2 * s)]
        related += list(itertools.pairwise(members))
        g.add_edges_from(related)
        g.add_edges_from((m, f"o{i % 5}") for i, m in enumerate(members))
    g.add_edges_from((f"lone{i}", f"o{i % 5}") for i in range(20))
    pos = story_layout(g, related=related, anchors={f"lone{i}": f"o{i % 5}" for i in range(20)})
    assert sorted(pos) == sorted(g)
    for s in range(6):
        xy = [p for n, p in pos.items() if n.startswith(f"s{s}a")]
        assert min(math.dist(a, b) for k, a in enumerate(xy) for b in xy[k + 1 :]) >= 79
    points = list(pos.values())
    assert min(math.dist(a, b) for k, a in enumerate(points) for b in points[k + 1 :]) >= 39
    assert story_layout(g, related=related) == story_layout(g, related=related)
