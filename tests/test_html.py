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
from collections.abc import Hashable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

import graph
from graph.cli import app
from graph.explorer import (
    DEFAULT_MAX_NODES,
    Page,
    ViewError,
    explore,
    render_html,
    select_view,
)
from graph.explorer.style import EDGE_STYLE
from graph.explorer.template import _vis_js
from graph.outputs import OUTPUTS, write_outputs

HOSTILE = Path(__file__).parent / "hostile"
FACIAL = "https://www.electronicsforu.com/news/ai-driven-facial-recognition-repression-and-innovation"


@pytest.fixture(scope="module")
def seeds_kg(seeds_dir: Path) -> graph.KnowledgeGraph:
    return graph.build([seeds_dir])


def page_json(page: str, name: str) -> Any:
    """The JSON block ``ng-NAME`` of a page, as the page's script reads it; the edges' rows
    (``[from, to, relation number, hidden]``) as objects, their relation named from the metadata."""
    match = re.search(rf'<script type="application/json" id="ng-{name}">(.*?)</script>', page, re.S)
    assert match, f"no ng-{name} block"
    data = json.loads(match.group(1))
    if name == "edges":
        relations = [r["rel"] for r in page_json(page, "meta")["relations"]]
        return [{"from": a, "to": b, "rel": relations[k], "hidden": h == 1} for a, b, k, h in data]
    return data


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
    assert facial["d"] == "2023-07-13T05:34Z" and facial["e"].startswith("Researchers reported")


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
    assert len(re.findall(r"<script[^>]*>", outside_vis)) == 7  # 5 JSON blocks, vis-network, the explorer
    assert not re.search(r"<(img|svg|iframe|b)\b", outside_vis)  # no markup from the payloads
    assert "__pwned" in page  # the payloads are there, as escaped JSON text
    for block in re.findall(r'<script type="application/json"[^>]*>(.*?)</script>', page, re.S):
        assert "<" not in block and ">" not in block
    nodes = page_json(page, "nodes")
    labels = {n.get("label") or n["t"] for n in nodes}
    assert "<script>window.__pwned='tag'</script>" in labels
    urls = [n["u"] for n in nodes if "u" in n]
    assert urls and all(u.startswith(("http://", "https://")) for u in urls)
    assert not any("javascript:" in u or "data:" in u for u in urls)


def test_select_view_filters(seeds_kg: graph.KnowledgeGraph, seeds_dir: Path) -> None:
    assert select_view(seeds_kg, topic="computer vision").counts["article"] == 2
    assert select_view(seeds_kg, provider="govtech.com").counts == {"article": 1, "provider": 1}
    assert select_view(seeds_kg, since="2023-07-14").counts == {}
    story = select_view(seeds_kg, story=FACIAL)  # the build's story: two of the three linked articles
    assert story.counts["article"] == 2 and story.center is not None
    assert story.options == {"--story": FACIAL}
    (iri,) = [n for n, d in seeds_kg.graph.nodes(data=True) if d["kind"] == "story"]
    by_iri = select_view(seeds_kg, story=iri)
    assert by_iri.counts["article"] == 2 and by_iri.center is None and by_iri.title.startswith("the story 'AI-driven")
    chain = select_view(graph.build([seeds_dir], stories=False), story=FACIAL)  # no story nodes: the related links
    assert chain.counts["article"] == 3
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
        ({"topic": "no such topic"}, "no topic, tag or place"),
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
    hub = next(n for n in nodes.values() if n.get("label") == "Everything")
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
    assert "graph.html" in OUTPUTS
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
    assert bad.exit_code == 2 and "no topic, tag or place" in bad.output
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
        "from graph.explorer.layout import layout\n"
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
    code = (
        "import sys, graph\nfrom graph.explorer import write_html\n"
        "write_html(graph.build([sys.argv[1]]), sys.argv[2])\n"
    )
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

    from graph.explorer.layout import story_layout

    g = nx.Graph()
    related = []
    for s in range(6):  # six stories of 3..13 articles, each article published by one of 5 outlets
        members = [f"s{s}a{i}" for i in range(3 + 2 * s)]
        related += list(itertools.pairwise(members))
        g.add_edges_from(related)
        g.add_edges_from((m, f"o{i % 5}") for i, m in enumerate(members))
    g.add_edges_from((f"lone{i}", f"o{i % 5}") for i in range(20))
    pos = story_layout(g, related=related, anchors={f"lone{i}": f"o{i % 5}" for i in range(20)})
    assert set(pos) == set(g) and len(pos) == len(g)
    for s in range(6):
        xy = [p for n, p in pos.items() if str(n).startswith(f"s{s}a")]
        assert min(math.dist(a, b) for k, a in enumerate(xy) for b in xy[k + 1 :]) >= 79
    points = list(pos.values())
    assert min(math.dist(a, b) for k, a in enumerate(points) for b in points[k + 1 :]) >= 39
    assert story_layout(g, related=related) == story_layout(g, related=related)


def test_story_layout_ignores_edge_order() -> None:
    """With the nodes in the same order, the edges, related links and weights in any order give the same picture."""
    import random

    import networkx as nx

    from graph.explorer.layout import story_layout

    rng = random.Random(3)
    nodes = [f"a{i}" for i in range(300)] + [f"o{i}" for i in range(20)] + [f"t{i}" for i in range(6)]
    edges = [(f"a{i}", f"o{i % 20}") for i in range(300)] + [(f"a{i}", f"t{rng.randrange(6)}") for i in range(300)]
    related = [(f"a{i}", f"a{i + 1}") for i in range(0, 120) if i % 7]
    edges += related
    weights = {edge: rng.choice([0.2, 1.0, 1.5]) for edge in edges}
    anchors: dict[Hashable, Hashable] = {f"a{i}": f"o{i % 20}" for i in range(300)}
    pictures = []
    for _ in range(3):
        g = nx.Graph()
        g.add_nodes_from(nodes)
        g.add_edges_from(rng.sample(edges, len(edges)))
        pictures.append(
            story_layout(
                g,
                dict(rng.sample(list(weights.items()), len(weights))),
                related=rng.sample(related, len(related)),
                anchors=anchors,
            )
        )
    assert pictures[0] == pictures[1] == pictures[2]


# --------------------------------------------------------------------------- insertion order and the layout memo


def news_graph(n_articles: int = 240, seed: int = 5) -> graph.KnowledgeGraph:
    """A made-up merged graph with what the page's paths need: stories of related articles (some linked
    both ways), outlets with publishers, shared topics and tags, authors, a hub topic on every article
    (faded at the top), more than ``QUIET_ARTICLES`` articles (topics and tags on the rim), articles
    with two outlets, and an image (a kind the page does not draw)."""
    import random
    from datetime import UTC, datetime, timedelta

    import networkx as nx

    rng = random.Random(seed)
    g = nx.MultiDiGraph()

    def link(u: str, v: str, relation: str) -> None:
        g.add_edge(u, v, key=relation, relation=relation)

    outlets = [f"https://newsgraph.example/provider/{i}" for i in range(12)]
    for i, outlet in enumerate(outlets):
        g.add_node(outlet, kind="provider", label=f"Outlet {i}", name=f"Outlet {i}", domain=f"news{i}.example")
        g.add_node(f"urn:org:{i % 4}", kind="organization", label=f"Group {i % 4}", name=f"Group {i % 4}")
        link(outlet, f"urn:org:{i % 4}", "parent_organization")
    topics = [f"urn:topic:{t}" for t in range(8)]
    for t, topic in enumerate(topics):
        g.add_node(topic, kind="topic", label=f"Topic {t}", key=f"topic {t}")
    g.add_node("urn:topic:everything", kind="topic", label="Everything", key="everything")
    for t in range(6):
        g.add_node(f"urn:tag:{t}", kind="tag", label=f"US-C{t}", key=f"us-c{t}", place=True)
    articles = [f"https://news{i % 12}.example/story/{i}" for i in range(n_articles)]
    start = datetime(2020, 3, 1, tzinfo=UTC)
    for i, article in enumerate(articles):
        g.add_node(
            article,
            kind="article",
            label=f"Story {i}",
            title=f"Story {i}: what happened",
            excerpt=f"Something happened, part {i}.",
            url=article,
            published_at=start + timedelta(hours=7 * i),
            quality=rng.randint(0, 100),
            heat=rng.randint(0, 100),
        )
        link(article, outlets[i % 12], "published_by")
        if i % 17 == 0:
            link(article, outlets[(i + 5) % 12], "published_by")
        link(article, "urn:topic:everything", "about")
        for topic in rng.sample(topics, rng.randint(1, 3)):
            link(article, topic, "about")
        if i % 3 == 0:
            link(article, f"urn:tag:{i % 6}", "tagged")
        if i % 5 == 0:
            g.add_node(f"urn:person:{i % 7}", kind="person", label=f"Writer {i % 7}", name=f"Writer {i % 7}")
            link(article, f"urn:person:{i % 7}", "author")
        if i % 11 == 0:
            g.add_node(f"urn:image:{i}", kind="image", url=f"https://img.example/{i}.jpg")
            link(article, f"urn:image:{i}", "image")
    first = 0
    while first < n_articles // 2:  # stories of 2 to 9 articles: a chain, a few cross links, some both ways
        size = rng.randint(2, 9)
        members = articles[first : first + size]
        for u, v in itertools.pairwise(members):
            link(u, v, "related")
            if rng.random() < 0.3:
                link(v, u, "related")
        if size > 3:
            link(members[0], members[-1], "related")
        first += size
    return graph.KnowledgeGraph(g, graph.KnowledgeGraph.empty().report)


def reinserted(kg: graph.KnowledgeGraph, seed: int) -> graph.KnowledgeGraph:
    """The same graph (equal node attributes, the same keyed edges) with its nodes, edges and attribute
    keys added in a shuffled order, as an incremental update might leave them."""
    import random

    import networkx as nx

    rng = random.Random(seed)
    g = nx.MultiDiGraph()
    g.graph.update(kg.graph.graph)
    nodes = list(kg.graph.nodes(data=True))
    rng.shuffle(nodes)
    for node, data in nodes:
        items = list(data.items())
        rng.shuffle(items)
        g.add_node(node, **dict(items))
    edges = list(kg.graph.edges(keys=True, data=True))
    rng.shuffle(edges)
    for u, v, key, data in edges:
        g.add_edge(u, v, key=key, **data)
    assert dict(g.nodes(data=True)) == dict(kg.graph.nodes(data=True))
    assert sorted(g.edges(keys=True)) == sorted(kg.graph.edges(keys=True))
    assert list(g.nodes) != list(kg.graph.nodes)  # the test means something only if the order differs
    return graph.KnowledgeGraph(g, kg.report)


def test_news_graph_exercises_the_rim_hubs_and_stories() -> None:
    kg = news_graph()
    view = select_view(kg)
    page = render_html(kg, view)
    assert [kg.graph.nodes[h]["label"] for h in view.hubs] == ["Everything"]
    assert any("ring around the picture" in n for n in page_json(page, "meta")["notices"])  # the rim
    assert sum(e["rel"] == "related" for e in page_json(page, "edges")) > 100
    assert any(len(n.get("p", [])) == 2 for n in page_json(page, "nodes"))  # an article with two outlets


@pytest.mark.parametrize(
    "filters",
    [
        {},
        {"max_nodes": 150},
        {"around": "https://news0.example/story/0", "depth": 2},
        {"story": "https://news3.example/story/3"},
        {"topic": "Topic 1"},
        {"provider": "news4.example"},
        {"since": "2020-03-20", "until": "2020-04-10"},
    ],
    ids=["all", "cut", "around", "story", "topic", "provider", "dates"],
)
def test_page_does_not_depend_on_insertion_order(filters: dict[str, Any]) -> None:
    """Equal graphs give the same page bytes, whatever order their nodes and edges were added in."""
    kg = news_graph()
    expected = render_html(kg, select_view(kg, **filters))
    for seed in (1, 2):
        other = reinserted(kg, seed)
        assert render_html(other, select_view(other, **filters)) == expected


def test_seeds_page_does_not_depend_on_insertion_order(seeds_kg: graph.KnowledgeGraph, tmp_path: Path) -> None:
    from graph.explorer import write_graph_html

    expected = render_html(seeds_kg)
    for seed in (1, 2, 3):
        assert render_html(reinserted(seeds_kg, seed)) == expected
    write_graph_html(reinserted(seeds_kg, 4), tmp_path / "graph.html")
    assert (tmp_path / "graph.html").read_text(encoding="utf-8") == expected


def counting_layout(monkeypatch: pytest.MonkeyPatch, fail: bool = False) -> list[int]:
    """Replace ``story_layout`` by one that counts its calls (or fails when ``fail``); returns the count."""
    import graph.explorer.layout

    calls: list[int] = []
    real = graph.explorer.layout.story_layout

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if fail:
            raise AssertionError("the layout was computed although the memo holds it")
        return real(*args, **kwargs)

    monkeypatch.setattr(graph.explorer.layout, "story_layout", counted)
    return calls


def test_layout_memo_hit_gives_the_same_page_without_a_layout(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from graph.explorer import write_graph_html

    kg = news_graph()
    memo = tmp_path / "cache" / "layout.json"
    plain = render_html(kg)
    assert render_html(kg, layout_cache=memo) == plain  # a miss: computed and saved
    assert memo.is_file() and not [p for p in memo.parent.iterdir() if p != memo]  # no temporary file left
    counting_layout(monkeypatch, fail=True)
    assert render_html(kg, layout_cache=memo) == plain  # a hit
    assert render_html(reinserted(kg, 1), layout_cache=str(memo)) == plain  # the same input in another order
    write_graph_html(kg, tmp_path / "graph.html", layout_cache=memo)
    assert (tmp_path / "graph.html").read_text(encoding="utf-8") == plain


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x80\x04not json at all\xff",
        b"[1, 2, 3]",
        b'{"format": "something else", "key": "x", "positions": []}',
        b'{"format": "newsgraph-layout-memo/1", "key": "0000", "positions": [[0, 1.0, 2.0]]}',
        b'{"format": "newsgraph-layout-memo/1", "key": "0000", "positions": "nope"}',
        b"null",
    ],
    ids=["empty", "binary", "list", "foreign", "other-key", "bad-positions", "null"],
)
def test_layout_memo_ignores_a_bad_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeds_kg: graph.KnowledgeGraph, content: bytes
) -> None:
    memo = tmp_path / "layout.json"
    memo.write_bytes(content)
    plain = render_html(seeds_kg)
    calls = counting_layout(monkeypatch)
    assert render_html(seeds_kg, layout_cache=memo) == plain
    assert calls == [1]
    assert json.loads(memo.read_text(encoding="ascii"))["format"] == "newsgraph-layout-memo/1"  # replaced
    assert render_html(seeds_kg, layout_cache=memo) == plain and calls == [1]


def test_layout_memo_with_the_right_key_but_broken_positions_is_a_miss(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, seeds_kg: graph.KnowledgeGraph
) -> None:
    memo = tmp_path / "layout.json"
    plain = render_html(seeds_kg, layout_cache=memo)
    saved = json.loads(memo.read_text(encoding="ascii"))
    calls = counting_layout(monkeypatch)
    for rows in (
        saved["positions"][:-1],
        [[0, 1, 2], *saved["positions"][1:]],
        [[99, 0.0, 0.0], *saved["positions"][1:]],
    ):
        memo.write_text(json.dumps({**saved, "positions": rows}), encoding="ascii")
        assert render_html(seeds_kg, layout_cache=memo) == plain
    assert len(calls) == 3


def test_layout_memo_cannot_fail_the_page(tmp_path: Path, seeds_kg: graph.KnowledgeGraph) -> None:
    plain = render_html(seeds_kg)
    folder = tmp_path / "a-folder"
    folder.mkdir()
    assert render_html(seeds_kg, layout_cache=folder) == plain  # neither readable nor replaceable
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert render_html(seeds_kg, layout_cache=blocker / "layout.json") == plain  # its folder cannot be made


def test_layout_memo_misses_when_the_input_or_the_layout_code_changes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import graph.explorer.memo

    memo = tmp_path / "layout.json"
    kg = news_graph()
    render_html(kg, layout_cache=memo)
    calls = counting_layout(monkeypatch)
    u, v = "https://news8.example/story/200", "https://news9.example/story/201"
    assert kg.graph.nodes[u]["kind"] == kg.graph.nodes[v]["kind"] == "article" and not kg.graph.has_edge(u, v)
    kg.graph.add_edge(u, v, key="related", relation="related")
    changed = render_html(kg, layout_cache=memo)
    assert calls == [1] and changed == render_html(kg)
    assert len(calls) == 2
    assert render_html(kg, layout_cache=memo) == changed and len(calls) == 2  # the new entry is the one kept
    monkeypatch.setattr(graph.explorer.memo, "_layout_version", lambda: "a changed layout.py")
    assert render_html(kg, layout_cache=memo) == changed and len(calls) == 3


# --------------------------------------------------------------------------- shortcuts that must not change the page


def _safe_url_by_urlsplit(value: str) -> str | None:
    """What ``_safe_url`` answered before it had a shortcut: urlsplit on every URL."""
    from urllib.parse import urlsplit

    from graph.explorer.data import _UNSAFE_URL_CHAR

    if _UNSAFE_URL_CHAR.search(value):
        return None
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else None


_URL_STARTS = st.sampled_from(["http://", "HTTPS://", "hTtP:", "https:/", "ftp://", "//", "", " http://", "ſhttp://"])
_URL_PIECES = st.sampled_from(
    [
        *("a", "b.example", ":", "@", "/", "?", "#", "[", "]", "[::1]", "[v1.x]", "[::1", "%2F", "x:80", " ", "\t"),
        *("\x00", "\x7f", "é", "ſ", "\u212a", "\u2100", "\uff0f", "ａ", ".", "http://"),
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.tuples(_URL_STARTS, st.lists(_URL_PIECES, max_size=6).map("".join)).map("".join))
def test_safe_url_shortcut_agrees_with_urlsplit(value: str) -> None:
    from graph.explorer.data import _safe_url

    assert _safe_url(value) == _safe_url_by_urlsplit(value)


@pytest.mark.parametrize(
    "value",
    [
        "https://example.org/a",
        "HTTP://EXAMPLE.ORG",
        "http://[::1]/x",
        "http://[bad/x",
        "http://a]b/",
        "https://\u2100.example/",
        "https://exa\u212ample.org/",
        "http:///path",
        "http://?q",
        "http://x#f",
        "https:example.org",
        "javascript:alert(1)",
    ],
)
def test_safe_url_shortcut_agrees_on_edge_cases(value: str) -> None:
    from graph.explorer.data import _safe_url

    assert _safe_url(value) == _safe_url_by_urlsplit(value)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 10**6), st.integers(0, 10**6), st.sampled_from(sorted(EDGE_STYLE)), st.booleans())
    )
)
def test_edges_json_is_rows_of_numbers_the_legend_names(rows: list[tuple[int, int, str, bool]]) -> None:
    from graph.explorer.data import _edges_json

    relations = list(EDGE_STYLE)
    assert json.loads(_edges_json(rows)) == [[a, b, relations.index(rel), int(hidden)] for a, b, rel, hidden in rows]


@pytest.mark.parametrize("umask", [0o022, 0o027])
def test_written_files_follow_the_umask(seeds_dir: Path, tmp_path: Path, umask: int) -> None:
    out, page = tmp_path / "out", tmp_path / "view.html"
    code = f"import os, sys; os.umask({umask:#o}); from graph.cli import main; sys.argv[0] = 'newsgraph'; main()"
    for args in (["build", str(seeds_dir), "-o", str(out)], ["view", "-d", str(out), "-o", str(page), "--topic", "AI"]):
        done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
    saved = tmp_path / "saved.html"
    old = os.umask(umask)
    try:
        graph.explore(graph.build([seeds_dir]), topic="AI").save(saved)
    finally:
        os.umask(old)
    files = [page, saved, *(p for p in out.rglob("*") if p.is_file() and ".cache" not in p.parts)]
    modes = {str(p.relative_to(tmp_path)): oct(p.stat().st_mode & 0o777) for p in files}
    assert set(modes.values()) == {oct(0o666 & ~umask)}, modes


@pytest.mark.parametrize(
    ("args", "said"),
    [
        (
            ["--topic", "AI", "--since", "2031-01-01"],
            "no article matches: articles about 'AI'; published 2031-01-01 to …",
        ),
        (["--topic", "Computer Vision", "--until", "2000-01-01"], "no article matches"),
    ],
)
def test_a_view_that_matches_nothing_writes_nothing_and_fails(
    seeds_dir: Path, tmp_path: Path, args: list[str], said: str
) -> None:
    out, page = tmp_path / "out", tmp_path / "view.html"
    graph.write_outputs(graph.build([seeds_dir]), out, names=["graph.json"])
    result = CliRunner().invoke(app, ["view", "-d", str(out), "-o", str(page), *args])
    assert result.exit_code == 1, result.output
    assert said in result.stderr
    assert "was not written" in result.stderr
    assert not page.exists()
    with pytest.raises(graph.errors.EmptyViewError):
        graph.explore(graph.build([seeds_dir]), topic="AI", since="2031-01-01")


def test_the_page_knows_every_node_drawn_or_not(seeds_kg: graph.KnowledgeGraph) -> None:
    """A view cut to a few nodes still carries every article, outlet, topic, tag, place and story of the
    build (numbered after the drawn ones), so the page's search finds them and can bring them in."""
    from graph.explorer.data import INDEX_KINDS
    from graph.identity import ID

    view = select_view(seeds_kg, max_nodes=4)
    assert view.cut
    page = render_html(seeds_kg, view)
    items = page_json(page, "nodes") + page_json(page, "index")
    assert [item["id"] for item in items] == list(range(len(items)))
    assert len(page_json(page, "nodes")) == len(view.nodes)

    def iri(item: dict[str, Any]) -> str:
        i = item.get("i", item.get("u"))
        return ID + i[1:] if i.startswith("~") else i

    known = {iri(item) for item in items}
    wanted = {n for n, d in seeds_kg.graph.nodes(data=True) if d["kind"] in INDEX_KINDS}
    assert known == wanted
    # an article's links are numbers into the same list: its outlet and its story
    story = next(item for item in items if item["k"] == "story")
    members = [item for item in items if item.get("s") == story["id"]]
    assert len(members) == story["n"] == 2 and FACIAL in {m.get("u") for m in members}
    assert all(items[p]["k"] == "provider" for m in members for p in m["p"])


def test_a_place_is_a_topic_filter(write_item: Any, tmp_path: Path) -> None:
    """``--topic`` takes a place by name or code (the page's topic menu offers places too)."""
    write_item("a.md", title="London reopens", webUrl="https://a.example/1", tags=["GB"])
    write_item("b.md", title="Paris reopens", webUrl="https://b.example/1", tags=["FR"])
    kg = graph.build([tmp_path / "corpus"])
    for name in ("United Kingdom", "GB", "gb"):
        view = select_view(kg, topic=name)
        assert view.counts["article"] == 1 and view.options == {"--topic": name}
