"""The analysis API on small fixtures with known answers."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd
import pytest

import graph
from graph import analysis
from graph.model import KnowledgeGraph
from tests.conftest import WriteItem

A = {"name": "Daily A", "domain": "a.com"}
A_SPORT = {"name": "Daily A Sport", "domain": "a.com"}
B = {"name": "Daily B", "domain": "b.com"}
C = {"name": "Daily C", "domain": "c.com"}

A1 = "https://a.com/a1"
A2 = "https://a.com/a2"
B1 = "https://b.com/b1"
B2 = "https://b.com/b2"
C1 = "https://c.com/c1"
X1 = "https://a.com/sport/x1"


def _item(url: str, title: str, when: str, provider: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"title": title, "webUrl": url, "publishedDateTime": when, "provider": provider, **extra}


def _stub(url: str, title: str, when: str, provider: dict[str, str]) -> dict[str, Any]:
    return {"title": title, "webUrl": url, "publishedDateTime": when, "provider": provider}


@pytest.fixture
def kg(write_item: WriteItem, tmp_path: Path) -> KnowledgeGraph:
    """Two stories and a lone article.

    Story 1 (three articles, two outlets): a1 (Daily A, 6 May 08:00) lists b1
    (Daily B, 6 May 12:00) and a2 (Daily A, 7 May 08:00) as related.
    Story 2 (two articles, two outlets): c1 (Daily C, 8 May 10:00) lists b2
    (Daily B, 8 May 11:00). x1 (Daily A Sport, also a.com, 13 May) stands alone.
    """
    write_item(
        "a1.md",
        **_item(
            A1,
            "Vaccine trial starts",
            "2020-05-06T08:00:00Z",
            A,
            topics=["Virus", "Vaccines"],
            tags=["US"],
            related=[
                _stub(B1, "Trial begins", "2020-05-06T12:00:00Z", B),
                _stub(A2, "Trial: first results", "2020-05-07T08:00:00Z", A),
            ],
        ),
    )
    write_item("a2.md", **_item(A2, "Trial: first results", "2020-05-07T08:00:00Z", A, topics=["Vaccines"]))
    write_item("b1.md", **_item(B1, "Trial begins", "2020-05-06T12:00:00Z", B, topics=["Virus"], tags=["US"]))
    write_item(
        "c1.md",
        **_item(
            C1,
            "Flights resume",
            "2020-05-08T10:00:00Z",
            C,
            topics=["Travel"],
            related=[_stub(B2, "Airlines restart", "2020-05-08T11:00:00Z", B)],
        ),
    )
    write_item("b2.md", **_item(B2, "Airlines restart", "2020-05-08T11:00:00Z", B, topics=["Travel"]))
    write_item("x1.md", **_item(X1, "League suspended", "2020-05-13T09:00:00Z", A_SPORT, topics=["Virus"]))
    built = graph.build([tmp_path / "corpus"], jobs=1, stories=False)
    assert built.report.errors == []
    return built


def _outlet(kg: KnowledgeGraph, name: str) -> str:
    return next(n for n, d in kg.nodes("provider") if d["name"] == name)


# ---------------------------------------------------------------- stories


def test_story_of_three_articles_across_two_outlets_is_one_story(kg: KnowledgeGraph) -> None:
    found = analysis.stories(kg)
    assert [s.size for s in found] == [3, 2]
    first = found[0]
    assert first.rank == 0
    assert first.articles == (A1, B1, A2)  # publication order
    assert first.lead == A1
    assert first.title == "Vaccine trial starts"
    assert first.outlets == (_outlet(kg, "Daily A"), _outlet(kg, "Daily B"))
    assert first.start == pd.Timestamp("2020-05-06T08:00:00Z")
    assert first.end == pd.Timestamp("2020-05-07T08:00:00Z")
    assert first.span_hours == 24.0


def test_second_story_and_lone_article(kg: KnowledgeGraph) -> None:
    second = analysis.stories(kg)[1]
    assert second.articles == (C1, B2)
    assert second.outlets == (_outlet(kg, "Daily C"), _outlet(kg, "Daily B"))
    assert analysis.story_of(kg, X1) is None
    story = analysis.story_of(kg, A2)
    assert story is not None and story.lead == A1


def test_story_of_rejects_non_articles(kg: KnowledgeGraph) -> None:
    with pytest.raises(KeyError):
        analysis.story_of(kg, _outlet(kg, "Daily A"))
    with pytest.raises(KeyError):
        analysis.story_of(kg, "https://nowhere.example/")


def test_min_size_filters_stories(kg: KnowledgeGraph) -> None:
    assert [s.size for s in analysis.stories(kg, min_size=3)] == [3]
    assert analysis.stories(kg, min_size=4) == []


def test_stories_frame(kg: KnowledgeGraph) -> None:
    frame = analysis.stories_frame(kg)
    assert frame.index.tolist() == [0, 1]
    assert frame["articles"].tolist() == [3, 2]
    assert frame["outlets"].tolist() == [2, 2]
    assert frame.loc[0, "outlet_names"] == ["Daily A", "Daily B"]
    assert frame.loc[1, "outlet_names"] == ["Daily C", "Daily B"]
    assert frame.loc[0, "topics"] == ["Vaccines", "Virus"]  # two articles each, then by label
    assert frame.loc[1, "span_hours"] == 1.0
    assert isinstance(frame["start"].dtype, pd.DatetimeTZDtype) and str(frame["start"].dt.tz) == "UTC"


def test_story_articles_show_the_spread(kg: KnowledgeGraph) -> None:
    story = analysis.stories(kg)[0]
    frame = analysis.story_articles(kg, story)
    assert frame.index.tolist() == [A1, B1, A2]
    assert frame["hours_after_start"].tolist() == [0.0, 4.0, 24.0]
    assert frame["outlet"].tolist() == ["Daily A", "Daily B", "Daily A"]
    assert frame["first_for_outlet"].tolist() == [True, True, False]
    assert frame["links"].tolist() == [2, 1, 1]


def test_related_pairs(kg: KnowledgeGraph) -> None:
    pairs = analysis.related_pairs(kg).set_index(["source", "target"]).sort_index()
    assert pairs.index.tolist() == [(A1, A2), (A1, B1), (C1, B2)]
    assert pairs["same_outlet"].tolist() == [True, False, False]
    assert pairs["same_domain"].tolist() == [True, False, False]
    assert pairs["shared_topics"].tolist() == [1, 1, 1]
    assert pairs["shared_tags"].tolist() == [0, 1, 0]
    assert pairs["hours_apart"].tolist() == [24.0, 4.0, 1.0]


# ---------------------------------------------------------------- projections


def test_article_projection(kg: KnowledgeGraph) -> None:
    p = analysis.article_projection(kg)
    assert sorted(p.nodes) == sorted([A1, A2, B1, B2, C1])
    assert p.number_of_edges() == 3
    assert p.edges[A1, A2]["same_outlet"] is True
    assert p.edges[A1, B1]["shared_tags"] == 1
    assert analysis.article_projection(kg, isolated=True).number_of_nodes() == 6


def test_outlet_projection_by_story(kg: KnowledgeGraph) -> None:
    a, b, c, sport = (_outlet(kg, n) for n in ("Daily A", "Daily B", "Daily C", "Daily A Sport"))
    p = analysis.outlet_projection(kg)
    assert set(p.nodes) == {a, b, c, sport}
    assert {frozenset(e): w for *e, w in p.edges(data="weight")} == {frozenset({a, b}): 1, frozenset({b, c}): 1}
    assert p.nodes[a]["articles"] == 2 and p.nodes[sport]["domain"] == "a.com"


def test_outlet_projection_by_topic_and_tag(kg: KnowledgeGraph) -> None:
    a, b, c, sport = (_outlet(kg, n) for n in ("Daily A", "Daily B", "Daily C", "Daily A Sport"))
    by_topic = analysis.outlet_projection(kg, "topic")
    # Virus: A, B, Sport; Vaccines: A; Travel: B, C.
    assert by_topic.edges[a, b]["weight"] == 1
    assert by_topic.edges[a, sport]["weight"] == 1
    assert by_topic.edges[b, c]["weight"] == 1
    assert not by_topic.has_edge(a, c)
    by_tag = analysis.outlet_projection(kg, "tag")
    assert [(set(e), w) for *e, w in by_tag.edges(data="weight")] == [({a, b}, 1)]
    with pytest.raises(ValueError, match="unknown by"):
        analysis.outlet_projection(kg, "colour")  # type: ignore[arg-type]


def test_topic_cooccurrence(kg: KnowledgeGraph) -> None:
    c = analysis.cooccurrence(kg)
    labels = {n: c.nodes[n]["label"] for n in c}
    assert sorted(labels.values()) == ["Travel", "Vaccines", "Virus"]
    assert {frozenset(labels[x] for x in e): w for *e, w in c.edges(data="weight")} == {
        frozenset({"Virus", "Vaccines"}): 1
    }
    by_label = {c.nodes[n]["label"]: c.nodes[n]["articles"] for n in c}
    assert by_label == {"Virus": 3, "Vaccines": 2, "Travel": 2}
    tags = analysis.cooccurrence(kg, "tag")
    assert tags.number_of_nodes() == 1 and tags.number_of_edges() == 0


# ---------------------------------------------------------------- communities and centrality


def test_communities_split_two_cliques_and_are_reproducible() -> None:
    g = nx.Graph()
    g.add_edges_from((u, v) for u in "abcd" for v in "abcd" if u < v)
    g.add_edges_from((u, v) for u in "wxyz" for v in "wxyz" if u < v)
    g.add_edge("d", "w")
    g.add_node("lone")
    found = analysis.communities(g)
    assert found == [frozenset("abcd"), frozenset("wxyz"), frozenset({"lone"})]
    assert analysis.communities(g) == found
    assert analysis.communities(nx.Graph()) == []


def test_communities_of_outlet_projection(kg: KnowledgeGraph) -> None:
    found = analysis.communities(analysis.outlet_projection(kg))
    assert sum(len(c) for c in found) == 4
    assert frozenset({_outlet(kg, "Daily A Sport")}) in found


def test_centrality_of_a_star() -> None:
    star = nx.Graph([("hub", "a"), ("hub", "b"), ("hub", "c")])
    frame = analysis.centrality(star)
    assert frame.index[0] == "hub"
    assert frame.loc["hub", "degree"] == 3
    assert frame.loc["hub", "betweenness"] == 1.0
    assert frame["pagerank"].sum() == pytest.approx(1.0)
    # Agrees with the textbook value: hub = (1 - d)/n + d * (sum of leaves' rank).
    leaf = float(frame["pagerank"].loc["a"])
    assert frame.loc["hub", "pagerank"] == pytest.approx(0.15 / 4 + 0.85 * 3 * leaf)


def test_centrality_of_empty_and_edgeless_graphs() -> None:
    assert analysis.centrality(nx.Graph()).empty
    lone = nx.Graph()
    lone.add_nodes_from(["p", "q"])
    assert analysis.centrality(lone)["pagerank"].tolist() == [0.5, 0.5]


def test_outlet_centrality(kg: KnowledgeGraph) -> None:
    frame = analysis.outlet_centrality(kg, n=None)
    assert frame["label"].iloc[0] == "Daily B"  # in both stories
    assert frame.loc[_outlet(kg, "Daily B"), "stories"] == 2
    assert frame.loc[_outlet(kg, "Daily A"), "articles"] == 2
    assert len(analysis.outlet_centrality(kg, n=2)) == 2


def test_article_centrality(kg: KnowledgeGraph) -> None:
    frame = analysis.article_centrality(kg, n=None)
    assert frame.index[0] == A1
    assert frame.loc[A1, "degree"] == 2
    assert frame.loc[B1, "cited"] == 1 and frame.loc[A1, "cited"] == 0
    assert frame.loc[A1, "outlet"] == "Daily A"
    assert X1 not in frame.index


# ---------------------------------------------------------------- PageRank: igraph's, same meaning as before


def _power_iteration(
    graph: nx.Graph, weight: str | None, alpha: float = 0.85, tol: float = 1.0e-10, max_iter: int = 200
) -> dict[Any, float]:
    """The pure-Python PageRank ``centrality`` used before igraph's, kept here as the reference.

    Undirected power iteration; dangling (isolated) nodes spread their rank evenly.
    """
    nodes = list(graph.nodes)
    n = len(nodes)
    strength = {u: float(graph.degree(u, weight=weight)) for u in nodes}
    rank = dict.fromkeys(nodes, 1.0 / n)
    for _ in range(max_iter):
        dangling = alpha * sum(rank[u] for u in nodes if strength[u] == 0) / n
        new = dict.fromkeys(nodes, (1.0 - alpha) / n + dangling)
        for u, v, data in graph.edges(data=True):
            w = float(data.get(weight, 1.0)) if weight is not None else 1.0
            if u == v:
                new[u] += alpha * rank[u] * w / strength[u]
                continue
            new[v] += alpha * rank[u] * w / strength[u]
            new[u] += alpha * rank[v] * w / strength[v]
        if sum(abs(new[u] - rank[u]) for u in nodes) < n * tol:
            return new
        rank = new
    return rank


def _ranking(graph: nx.Graph, pagerank: dict[Any, float], weight: str | None) -> list[Any]:
    """``centrality``'s documented order: PageRank (10 significant digits), weighted degree, node."""
    weighted = dict(graph.degree(weight=weight))
    return sorted(pagerank, key=lambda x: (-float(f"{pagerank[x]:.10g}"), -float(weighted[x]), str(x)))


def _compare_pagerank(projections: dict[str, nx.Graph]) -> float:
    """Check ``centrality`` against the power iteration on each projection; the largest difference."""
    worst = 0.0
    for name, projection in projections.items():
        if projection.number_of_nodes() == 0:
            continue
        for weight in ("weight", None):
            frame = analysis.centrality(projection, weight=weight)
            reference = _power_iteration(projection, weight)
            assert list(frame.index) == _ranking(projection, reference, weight), (name, weight)
            difference = max(abs(frame.loc[n, "pagerank"] - reference[n]) for n in projection.nodes)
            assert difference < 1e-8, (name, weight, difference)
            assert frame["pagerank"].sum() == pytest.approx(1.0)
            worst = max(worst, difference)
    return worst


def _projections(kg: KnowledgeGraph) -> dict[str, nx.Graph]:
    return {
        "outlets by story": analysis.outlet_projection(kg),
        "articles": analysis.article_projection(kg),
        "topics": analysis.cooccurrence(kg),
        "tags": analysis.cooccurrence(kg, "tag"),
    }


def test_pagerank_keeps_its_meaning_on_the_seeds_and_fixtures(kg: KnowledgeGraph) -> None:
    seeds = graph.build(["seeds"], jobs=1, stories=False)
    assert _compare_pagerank(_projections(seeds)) < 1e-9
    assert _compare_pagerank(_projections(kg)) < 1e-9
    chain = nx.Graph([("a", "b", {"weight": 3}), ("b", "c", {"weight": 1})])
    chain.add_node("lone")
    assert _compare_pagerank({"weighted chain with an isolated node": chain}) < 1e-9


@pytest.mark.slow
@pytest.mark.corpus
def test_pagerank_keeps_its_meaning_on_the_shared_corpus(corpus_dir: Path) -> None:
    """Measured: the largest difference is 4.4e-9 (the power iteration's stopping tolerance), the rankings equal."""
    kg = graph.build([corpus_dir], stories=False)
    assert _compare_pagerank(_projections(kg)) < 1e-8


def test_pagerank_order_does_not_depend_on_solver_noise() -> None:
    """Nodes with the same PageRank (the leaves of two equal stars) are ordered by weighted degree, then by id."""
    g = nx.Graph([("h1", "a"), ("h1", "b"), ("h2", "c"), ("h2", "d")])
    assert list(analysis.centrality(g).index) == ["h1", "h2", "a", "b", "c", "d"]


def test_pagerank_of_a_graph_with_a_self_loop_sums_to_one() -> None:
    looped = nx.Graph([("a", "b"), ("b", "c"), ("a", "a")])
    assert analysis.centrality(looped)["pagerank"].sum() == pytest.approx(1.0)


# ---------------------------------------------------------------- timeline


def test_daily_timeline_fills_empty_days(kg: KnowledgeGraph) -> None:
    t = analysis.timeline(kg)
    assert t.index[0] == pd.Timestamp("2020-05-06", tz="UTC")
    assert t.index.name == "date"
    assert t["articles"].tolist() == [2, 1, 2, 0, 0, 0, 0, 1]


def test_weekly_timeline_starts_on_monday(kg: KnowledgeGraph) -> None:
    t = analysis.timeline(kg, freq="W")
    assert t.index.tolist() == [pd.Timestamp("2020-05-04", tz="UTC"), pd.Timestamp("2020-05-11", tz="UTC")]
    assert t["articles"].tolist() == [5, 1]


def test_timeline_by_group(kg: KnowledgeGraph) -> None:
    by_outlet = analysis.timeline(kg, "outlet", "W")
    assert list(by_outlet.columns) == ["Daily A", "Daily B", "Daily A Sport", "Daily C"]
    assert by_outlet.sum().tolist() == [2, 2, 1, 1]
    by_domain = analysis.timeline(kg, "domain", "W")
    assert by_domain.sum().to_dict() == {"a.com": 3, "b.com": 2, "c.com": 1}
    by_topic = analysis.timeline(kg, "topic", top_n=2)
    assert list(by_topic.columns) == ["Virus", "Travel"]  # 3, then 2 and 2 by label
    assert by_topic.columns.name == "topic"


def test_timeline_rejects_unknown_arguments(kg: KnowledgeGraph) -> None:
    with pytest.raises(ValueError, match="unknown by"):
        analysis.timeline(kg, "colour")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="unknown freq"):
        analysis.timeline(kg, freq="M")  # type: ignore[arg-type]


def test_timeline_of_empty_graph() -> None:
    assert analysis.timeline(KnowledgeGraph.empty()).empty


# ---------------------------------------------------------------- tables


def test_top(kg: KnowledgeGraph) -> None:
    outlets = analysis.top(kg, "provider", n=None)
    assert outlets["label"].tolist() == ["Daily A", "Daily B", "Daily A Sport", "Daily C"]
    assert outlets["articles"].tolist() == [2, 2, 1, 1]
    assert analysis.top(kg, "domain", n=1).to_dict("records") == [{"label": "a.com", "articles": 3}]
    assert analysis.top(kg, "topic")["label"].tolist() == ["Virus", "Travel", "Vaccines"]
    with pytest.raises(ValueError, match="unknown kind"):
        analysis.top(kg, "colour")


def test_outlets_sharing_a_name_get_distinct_labels(write_item: WriteItem, tmp_path: Path) -> None:
    write_item(
        "one.md", **_item("https://one.com/x", "X", "2020-05-06T08:00:00Z", {"name": "CBS", "domain": "one.com"})
    )
    write_item(
        "two.md", **_item("https://two.com/y", "Y", "2020-05-06T09:00:00Z", {"name": "CBS", "domain": "two.com"})
    )
    kg = graph.build([tmp_path / "corpus"], jobs=1, stories=False)
    assert sorted(analysis.top(kg, "provider")["label"]) == ["CBS (one.com)", "CBS (two.com)"]
    assert sorted(analysis.timeline(kg, "outlet").columns) == ["CBS (one.com)", "CBS (two.com)"]


def test_articles_frame(kg: KnowledgeGraph) -> None:
    frame = analysis.articles_frame(kg)
    assert len(frame) == 6 and frame.index.name == "id"
    row = frame.loc[A1]
    assert row["outlet"] == "Daily A" and row["domain"] == "a.com"
    assert row["topics"] == ["Vaccines", "Virus"] and row["tags"] == ["US"]
    assert (row["related_out"], row["related_in"]) == (2, 0)
    assert frame.loc[B1, "related_in"] == 1
    assert not frame["stub"].any()  # every related article has its own file
    assert isinstance(frame["published_at"].dtype, pd.DatetimeTZDtype) and str(frame["published_at"].dt.tz) == "UTC"


def test_nodes_and_edges_frames(kg: KnowledgeGraph) -> None:
    nodes = analysis.nodes_frame(kg)
    assert len(nodes) == kg.graph.number_of_nodes()
    assert list(nodes.columns[:2]) == ["kind", "label"]
    providers = analysis.nodes_frame(kg, "provider")
    assert sorted(providers["name"]) == ["Daily A", "Daily A Sport", "Daily B", "Daily C"]
    related = analysis.edges_frame(kg, "related")
    assert sorted(zip(related["source"], related["target"], strict=True)) == [(A1, A2), (A1, B1), (C1, B2)]
    assert len(analysis.edges_frame(kg)) == kg.graph.number_of_edges()
    projected = analysis.edges_frame(analysis.outlet_projection(kg))
    assert list(projected.columns) == ["source", "target", "weight"] and len(projected) == 2
    assert len(analysis.nodes_frame(analysis.outlet_projection(kg))) == 4


def test_summary(kg: KnowledgeGraph) -> None:
    s = analysis.summary(kg)["count"]
    assert s[("nodes", "article")] == 6
    assert s[("nodes", "provider")] == 4
    assert s[("edges", "related")] == 3
    assert s[("edges", "about")] == 7


def test_works_on_a_loaded_build(kg: KnowledgeGraph, tmp_path: Path) -> None:
    graph.write_outputs(kg, tmp_path / "out")
    loaded = graph.load(tmp_path / "out")
    assert [s.articles for s in analysis.stories(loaded)] == [s.articles for s in analysis.stories(kg)]
    assert analysis.timeline(loaded).equals(analysis.timeline(kg))


# ---------------------------------------------------------------- corpora with nothing to link


@pytest.fixture
def unlinked(write_item: WriteItem, tmp_path: Path) -> KnowledgeGraph:
    """Three articles by two outlets, no related links: no stories."""
    write_item("a1.md", **_item(A1, "Vaccine trial starts", "2020-05-06T08:00:00Z", A, topics=["Virus"]))
    write_item("b1.md", **_item(B1, "Trial begins", "2020-05-06T12:00:00Z", B, topics=["Virus"], tags=["US"]))
    write_item("c1.md", **_item(C1, "Flights resume", "2020-05-08T10:00:00Z", C))
    built = graph.build([tmp_path / "corpus"], jobs=1, stories=False)
    assert built.report.errors == []
    return built


def test_no_related_links_give_empty_story_tables_of_the_usual_shape(unlinked: KnowledgeGraph) -> None:
    assert analysis.stories(unlinked) == []
    assert analysis.article_projection(unlinked).number_of_nodes() == 0
    frame = analysis.stories_frame(unlinked)
    assert frame.empty and frame.index.name == "rank"
    assert frame.dtypes[["articles", "outlets"]].tolist() == ["int64", "int64"]
    assert frame["span_hours"].dtype == float
    assert frame["span_hours"].describe()["count"] == 0  # numeric, so a notebook can describe and plot it
    pairs = analysis.related_pairs(unlinked)
    assert pairs.empty
    assert pairs.dtypes[["same_outlet", "any_shared_topic"]].tolist() == [bool, bool]
    assert pairs["shared_topics"].dtype == "int64" and pairs["hours_apart"].dtype == float
    assert pairs[["same_outlet", "same_domain", "any_shared_topic"]].mean().isna().all()
    related = analysis.edges_frame(unlinked, "related")
    assert related.empty and list(related.columns) == ["source", "target", "relation"]


def test_no_related_links_give_empty_rankings_of_the_usual_shape(unlinked: KnowledgeGraph) -> None:
    articles = analysis.article_centrality(unlinked)
    assert articles.empty and articles.index.name == "id"
    assert list(articles.columns) == [
        "label",
        "outlet",
        "cited",
        "degree",
        "weighted_degree",
        "pagerank",
        "betweenness",
    ]
    assert articles["cited"].dtype == "int64"
    outlets = analysis.outlet_centrality(unlinked, n=None)
    assert len(outlets) == 3 and outlets["stories"].tolist() == [0, 0, 0]
    projection = analysis.outlet_projection(unlinked)
    assert projection.number_of_nodes() == 3 and projection.number_of_edges() == 0
    assert list(analysis.edges_frame(projection).columns) == ["source", "target"]
    assert [len(c) for c in analysis.communities(projection)] == [1, 1, 1]


def test_an_empty_graph_gives_empty_tables_with_their_columns() -> None:
    empty = KnowledgeGraph.empty()
    articles = analysis.articles_frame(empty)
    assert articles.empty and articles.index.name == "id"
    assert list(articles.columns) == list(
        analysis.articles_frame(graph.build(["seeds"], jobs=1, stories=False)).columns
    )
    assert analysis.articles_frame(empty)["topics"].map(len).sum() == 0
    assert list(analysis.edges_frame(empty).columns) == ["source", "target", "relation"]
    assert analysis.summary(empty)["count"].dtype == "int64"
    assert analysis.top(empty, "topic")["articles"].dtype == "int64"
    assert analysis.stories_frame(empty).empty and analysis.related_pairs(empty).empty
    assert analysis.article_centrality(empty).empty and analysis.outlet_centrality(empty).empty
    assert analysis.cooccurrence(empty).number_of_nodes() == 0


def test_timeline_without_dated_articles_still_has_its_articles_column(write_item: WriteItem, tmp_path: Path) -> None:
    write_item("undated.md", title="No date", webUrl="https://a.com/undated", provider=A, topics=["Virus"])
    undated = graph.build([tmp_path / "corpus"], jobs=1, stories=False)
    for kg in (undated, KnowledgeGraph.empty()):
        t = analysis.timeline(kg)
        assert t.empty and list(t.columns) == ["articles"] and t.index.name == "date"
        assert t["articles"].dtype == "int64"
        by_topic = analysis.timeline(kg, "topic")
        assert by_topic.empty and by_topic.columns.name == "topic"


def test_import_graph_stays_cheap() -> None:
    code = (
        "import sys, graph\n"
        "assert 'pandas' not in sys.modules and 'matplotlib' not in sys.modules\n"
        "assert graph.analysis.stories\n"
        "assert 'pandas' in sys.modules and 'matplotlib' not in sys.modules\n"
        "assert 'igraph' not in sys.modules  # imported when PageRank is first computed\n"
        "import networkx as nx\n"
        "graph.analysis.centrality(nx.path_graph(3))\n"
        "assert 'igraph' in sys.modules\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


def _graph_imports(source: str, package: str) -> set[str]:
    """Every module of ``graph`` that ``source`` (a module of ``package``) imports, in functions too."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom):
            base = package.rsplit(".", node.level - 1)[0] if node.level else ""
            module = ".".join(filter(None, [base, node.module]))
            found |= {f"{module}.{alias.name}" for alias in node.names} if node.module is None else {module}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {name for name in found if name == "graph" or name.startswith("graph.")}


def test_analysis_imports_only_the_layers_below_it() -> None:
    """No output writer, pipeline, explorer or CLI: the model, enrich (constants), RDF, SPARQL and the leaves only."""
    allowed = ("model", "enrich", "rdf", "sparql", "store", "records", "identity", "errors", "analysis")
    assert _graph_imports("def f():\n    from ..export import x\n", "graph.analysis") == {"graph.export"}
    assert _graph_imports("from . import stories\nimport graph.cli", "graph.analysis") == {
        "graph.analysis.stories",
        "graph.cli",
    }
    for path in sorted(Path(analysis.__file__).parent.glob("*.py")):
        for name in _graph_imports(path.read_text(encoding="utf-8"), "graph.analysis"):
            assert name.split(".")[1] in allowed, (path.name, name)


# ---------------------------------------------------------------- stories found from evidence

O1 = "https://a.com/oregon"
O2 = "https://c.com/oregon-health"
O3 = "https://b.com/oregon-copy"
T1 = "https://b.com/thailand"
T2 = "https://c.com/thailand-confirms"
H1 = "https://a.com/hornets"
OREGON = "Oregon reports 70 new coronavirus cases and two deaths"
OREGON_EXCERPT = "The Oregon Health Authority said Portland hospitals remain under capacity."
THAILAND = "Thailand reports 3 new coronavirus cases"
THAILAND_2 = "Thailand confirms 3 new coronavirus cases, no deaths"


@pytest.fixture
def storied(write_item: WriteItem, tmp_path: Path) -> KnowledgeGraph:
    """Two events chained by a publisher's related link, built with stories.

    Oregon: o1 (Daily A, 6 May 08:00), o2 (Daily C, 10:00, reworded) and o3 (Daily B, 12:00, o1 word for
    word: a syndicated copy). Thailand: t1 (Daily B, 09:00) and t2 (Daily C, 11:00). Related links:
    o1 → t1 (a different event: other place, other count) and t1 → t2. h1 (Daily A, 7 May) stands alone.
    """
    write_item(
        "o1.md",
        **_item(O1, OREGON, "2020-05-06T08:00:00Z", A, excerpt=OREGON_EXCERPT, topics=["Virus"], tags=["US-OR"]),
        related=[_stub(T1, THAILAND, "2020-05-06T09:00:00Z", B)],
    )
    oregon_2 = "Oregon Health Authority: 70 new cases, two more deaths"
    excerpt_2 = "Portland hospitals remain under capacity, the Oregon Health Authority said."
    write_item("o2.md", **_item(O2, oregon_2, "2020-05-06T10:00:00Z", C, excerpt=excerpt_2, topics=["Virus"]))
    write_item("o3.md", **_item(O3, OREGON, "2020-05-06T12:00:00Z", B, excerpt=OREGON_EXCERPT, topics=["Virus"]))
    bangkok = "Bangkok officials said no new deaths were recorded in Thailand."
    write_item(
        "t1.md",
        **_item(T1, THAILAND, "2020-05-06T09:00:00Z", B, excerpt=bangkok, topics=["Virus"], tags=["TH"]),
        related=[_stub(T2, THAILAND_2, "2020-05-06T11:00:00Z", C)],
    )
    bangkok_2 = "Bangkok officials recorded no new deaths in Thailand, the ministry said."
    write_item("t2.md", **_item(T2, THAILAND_2, "2020-05-06T11:00:00Z", C, excerpt=bangkok_2, topics=["Virus"]))
    hornets = "Entomologists warn of the Asian giant hornet."
    write_item("h1.md", **_item(H1, "Murder hornets spotted in Washington", "2020-05-07T09:00:00Z", A, excerpt=hornets))
    built = graph.build([tmp_path / "corpus"], stories=True, jobs=1)
    assert built.report.errors == []
    return built


def test_stories_come_from_the_story_nodes(storied: KnowledgeGraph) -> None:
    found = analysis.stories(storied)
    assert [s.articles for s in found] == [(O1, O2, O3), (T1, T2)]  # largest first, publication order
    assert all(s.iri is not None and storied.graph.nodes[s.iri]["kind"] == "story" for s in found)
    assert found[0].title == storied.graph.nodes[found[0].iri]["label"]
    assert found[0].outlets == (_outlet(storied, "Daily A"), _outlet(storied, "Daily C"), _outlet(storied, "Daily B"))
    assert found[0].span_hours == 4.0
    # The publishers' links alone chain both events into one component.
    assert [c.articles for c in analysis.related_components(storied)] == [(O1, T1, T2)]
    assert all(c.iri is None for c in analysis.related_components(storied))
    assert analysis.story_of(storied, O2) == found[0]
    assert analysis.story_of(storied, H1) is None
    assert [s.size for s in analysis.stories(storied, min_size=3)] == [3]


def test_a_build_without_stories_falls_back_to_related_components(kg: KnowledgeGraph) -> None:
    assert analysis.stories(kg) == analysis.related_components(kg)
    assert all(s.iri is None for s in analysis.stories(kg))
    assert analysis.stories_frame(kg)["story"].isna().all()


def test_stories_frame_and_story_articles_of_found_stories(storied: KnowledgeGraph) -> None:
    frame = analysis.stories_frame(storied)
    assert frame["articles"].tolist() == [3, 2]
    assert frame["story"].tolist() == [s.iri for s in analysis.stories(storied)]
    spread = analysis.story_articles(storied, analysis.stories(storied)[0])
    assert spread.index.tolist() == [O1, O2, O3]
    assert spread["links"].tolist() == [0, 0, 0]  # no publisher linked the Oregon reports
    assert spread["inferred"].tolist() == [2, 2, 2]
    assert spread["copy_of"].tolist()[2] == "Daily A"
    assert spread["copy_of"].isna().tolist() == [True, True, False]


def test_related_pairs_say_which_links_stay_within_a_story(storied: KnowledgeGraph) -> None:
    pairs = analysis.related_pairs(storied).set_index(["source", "target"])
    assert pairs["same_story"].to_dict() == {(O1, T1): False, (T1, T2): True}
    assert analysis.related_pairs(storied, found=analysis.related_components(storied))["same_story"].all()


def test_every_article_is_in_at_most_one_story(storied: KnowledgeGraph) -> None:
    members = [a for s in analysis.stories(storied) for a in s.articles]
    assert len(members) == len(set(members))


def test_inferred_links(storied: KnowledgeGraph) -> None:
    links = analysis.inferred_links(storied)
    assert links["score"].is_monotonic_decreasing
    assert set(links["relation"]) == {"inferred_related", "copy_of"}
    related = analysis.inferred_links(storied, "inferred_related")
    assert {frozenset(p) for p in zip(related["a"], related["b"], strict=True)} == {
        frozenset({O1, O2}),
        frozenset({O1, O3}),
        frozenset({O2, O3}),
    }
    row = related.set_index(["a", "b"]).loc[(O1, O2)]
    assert row["a_title"] == OREGON and row["a_outlet"] == "Daily A" and row["b_outlet"] == "Daily C"
    assert 0.3 <= row["score"] <= 1.5 and row["method"]
    assert row["hours_apart"] == 2.0 and not row["same_outlet"] and row["same_story"]
    assert row["story"] == analysis.stories(storied)[0].title
    assert (analysis.inferred_links(storied, "copy_of")["relation"] == "copy_of").all()


def test_syndicated_copies_and_syndication_per_outlet(storied: KnowledgeGraph) -> None:
    copies = analysis.syndicated_copies(storied)
    assert copies[["copy", "original"]].values.tolist() == [[O3, O1]]
    row = copies.iloc[0]
    assert (row["copy_outlet"], row["original_outlet"], row["hours_after"]) == ("Daily B", "Daily A", 4.0)
    assert row["score"] >= 0.9 and not row["same_outlet"]
    per_outlet = analysis.syndication(storied)
    assert per_outlet.index.name == "outlet" and per_outlet.index[0] == "Daily B"
    assert per_outlet.loc["Daily B", ["articles", "copies", "copied"]].tolist() == [2, 1, 0]
    assert per_outlet.loc["Daily B", "share"] == 0.5
    assert per_outlet.loc["Daily B", "sources"] == ["Daily A"]
    assert per_outlet.loc["Daily A", "copied"] == 1
    assert per_outlet["share"].between(0, 1).all()
    assert per_outlet["articles"].sum() == 6


def test_component_split_shows_where_each_article_landed(storied: KnowledgeGraph) -> None:
    split = analysis.component_split(storied, T2)  # an article: its related-link component
    assert split.component.articles == (O1, T1, T2)
    same = analysis.component_split(storied, analysis.related_components(storied)[0])
    assert same.component == split.component == analysis.related_components(storied)[0]
    assert all(getattr(same, f).equals(getattr(split, f)) for f in ("members", "stories", "links"))
    assert split.parts == 2
    assert split.members.index.tolist() == [O1, T1, T2]
    assert split.members["story_rank"].tolist() == [0, 1, 1]
    assert split.members.loc[O1, "story_size"] == 3
    assert split.stories["members"].tolist() == [1, 2] and split.stories["articles"].tolist() == [3, 2]
    links = split.links
    related = links[links["relation"] == "related"]
    assert related[["a", "b", "same_story"]].values.tolist() == [[O1, T1, False], [T1, T2, True]]
    assert related["score"].isna().all() and related["inside"].all()
    inferred = links[links["relation"] != "related"]
    assert len(inferred) == 3 and inferred["score"].notna().all() and not inferred["inside"].any()
    assert set(inferred["a"]) | set(inferred["b"]) >= {O1, O2, O3}
    lone = analysis.component_split(storied, H1)
    assert lone.component.articles == (H1,) and lone.parts == 0 and lone.links.empty
    with pytest.raises(KeyError):
        analysis.component_split(storied, "https://nowhere.example/")


def test_component_split_without_stories_keeps_each_component_whole(kg: KnowledgeGraph) -> None:
    split = analysis.component_split(kg, A2)
    assert split.parts == 1 and split.members["story_rank"].tolist() == [0, 0, 0]
    assert split.links["same_story"].all() and (split.links["relation"] == "related").all()


def test_seeds_with_stories() -> None:
    kg = graph.build(["seeds"], stories=True, jobs=1)
    assert [s.size for s in analysis.stories(kg)] == [2]
    assert [c.size for c in analysis.related_components(kg)] == [3, 2]
    split = analysis.component_split(kg, analysis.related_components(kg)[0])
    assert split.parts == 1 and split.members["story_rank"].isna().sum() == 1
    assert analysis.inferred_links(kg).empty and analysis.syndicated_copies(kg).empty
    assert analysis.syndication(kg)["share"].between(0, 1).all()


def test_tables_of_a_build_without_stories_are_empty_with_their_columns(kg: KnowledgeGraph) -> None:
    for graph_ in (kg, KnowledgeGraph.empty()):
        links = analysis.inferred_links(graph_)
        assert links.empty and {"a", "b", "a_title", "b_title", "score", "method", "hours_apart"} <= set(links.columns)
        assert links["score"].dtype == float and links["same_outlet"].dtype == bool
        copies = analysis.syndicated_copies(graph_)
        assert copies.empty and list(copies.columns[:2]) == ["copy", "original"]
        assert copies["hours_after"].dtype == float
    places = analysis.places(KnowledgeGraph.empty())
    assert places.empty and places.index.name == "place" and places["articles"].dtype == "int64"
    assert places["lat"].dtype == float
    per_outlet = analysis.syndication(kg)
    assert per_outlet["copies"].sum() == 0 and per_outlet["share"].tolist() == [0.0] * 4
    assert analysis.syndication(KnowledgeGraph.empty()).empty


# ---------------------------------------------------------------- places


def _placed() -> KnowledgeGraph:
    """Places as a build makes them: one node per place (the tags UK and GB are one), subdivisions in their country."""
    from graph.model import BuildReport

    g = nx.MultiDiGraph()
    place = "https://w3id.org/newsgraph/id/place/"
    nodes = {
        "GB": ("United Kingdom", "country", "GB", 51.5, -0.13),
        "GB-SCT": ("Scotland", "subdivision", "GB", 55.86, -4.26),
        "US": ("United States", "country", "US", 38.9, -77.04),
        "US-GA": ("Georgia", "subdivision", "US", 33.75, -84.39),
        "GE": ("Georgia", "country", "GE", None, None),
    }
    for code, (name, kind, country, lat, lon) in nodes.items():
        data = {"kind": "place", "label": name, "name": name, "code": code, "place_type": kind}
        if code == "GE":
            data["country"] = country  # as the spec allows; else from contained_in, or its own code
        if lat is not None:
            data |= {"lat": lat, "lon": lon}
        g.add_node(place + code, **data)
    for sub, country in (("GB-SCT", "GB"), ("US-GA", "US")):
        g.add_edge(place + sub, place + country, key="contained_in", relation="contained_in")
    located = {"a1": ["GB"], "a2": ["GB", "GB-SCT"], "a3": ["GB-SCT"], "a4": ["US-GA"], "a5": ["GE"], "a6": ["US"]}
    for article, codes in located.items():
        g.add_node(article, kind="article", title=article)
        for code in codes:
            g.add_edge(article, place + code, key="content_location", relation="content_location")
    g.add_node("uk", kind="tag", label="UK", place=True)
    g.add_edge("uk", place + "GB", key="names_place", relation="names_place")
    return KnowledgeGraph(g, BuildReport())


def test_places_one_row_per_place_with_its_articles() -> None:
    frame = analysis.places(_placed())
    assert frame.index.tolist() == ["United Kingdom", "Scotland", "United States", "Georgia (GE)", "Georgia (US-GA)"]
    assert frame.index.is_unique and frame["code"].is_unique
    assert frame.loc["United Kingdom", ["articles", "articles_within"]].tolist() == [2, 3]  # a2 counted once
    assert frame.loc["United States", ["articles", "articles_within"]].tolist() == [1, 2]
    assert frame.loc["Scotland", ["type", "country"]].tolist() == ["subdivision", "GB"]
    assert frame["country"].tolist() == ["GB", "GB", "US", "GE", "US"]
    assert frame.loc["Scotland", "lat"] == 55.86
    assert pd.isna(frame.loc["Georgia (GE)", "lat"]) and frame["lat"].dtype == float
    assert frame.loc["Georgia (US-GA)", "id"] == "https://w3id.org/newsgraph/id/place/US-GA"


def test_places_of_a_build_take_each_place_once(write_item: WriteItem, tmp_path: Path) -> None:
    write_item("uk.md", **_item("https://a.com/uk", "London", "2020-05-06T08:00:00Z", A, tags=["UK"]))
    write_item("gb.md", **_item("https://b.com/gb", "Britain", "2020-05-06T09:00:00Z", B, tags=["GB", "Coronavirus"]))
    write_item("ca.md", **_item("https://c.com/ca", "Los Angeles", "2020-05-06T10:00:00Z", C, tags=["US-CA"]))
    kg = graph.build([tmp_path / "corpus"], jobs=1, stories=False)
    frame = analysis.places(kg)
    if frame.empty:
        pytest.skip("this build makes no place nodes yet")
    assert frame.loc["United Kingdom", ["code", "type", "country", "articles"]].tolist() == ["GB", "country", "GB", 2]
    assert frame.loc["California", ["code", "type", "country", "articles"]].tolist() == [
        "US-CA",
        "subdivision",
        "US",
        1,
    ]
    assert frame.loc["United States", ["articles", "articles_within"]].tolist() == [0, 1]
    assert sorted(frame["code"]) == ["GB", "US", "US-CA"]


# ---------------------------------------------------------------- stories on the shared corpus


@pytest.fixture(scope="module")
def corpus_kg() -> KnowledgeGraph:
    from tests.conftest import CORPUS

    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (needs ../shared beside the project)")
    return graph.build([CORPUS], stories=True)


@pytest.mark.slow
@pytest.mark.corpus
def test_the_largest_story_is_not_the_related_chain(corpus_kg: KnowledgeGraph) -> None:
    """Measured on the corpus: the largest related-link component has 39 articles; the largest story 19."""
    found = analysis.stories(corpus_kg)
    chain = analysis.related_components(corpus_kg)[0]
    assert chain.size >= 30
    assert found[0].size < chain.size and set(found[0].articles) != set(chain.articles)
    assert all(s.iri is not None and s.size >= 2 for s in found)
    members = [a for s in found for a in s.articles]
    assert len(members) == len(set(members))  # every article of a story of 2+ appears exactly once
    parts = {a for a, _, rel in corpus_kg.graph.edges(data="relation") if rel == "part_of"}
    assert set(members) == parts
    frame = analysis.stories_frame(corpus_kg, found=found)
    assert frame["articles"].sum() == len(members) and frame["story"].is_unique


@pytest.mark.slow
@pytest.mark.corpus
def test_the_related_chain_is_split_into_several_stories(corpus_kg: KnowledgeGraph) -> None:
    chain = analysis.related_components(corpus_kg)[0]
    split = analysis.component_split(corpus_kg, chain)
    assert split.parts >= 3  # measured: 17 stories, and 17 of its 39 articles in none
    assert len(split.members) == chain.size
    assert split.members["story_rank"].notna().any() and split.members["story_rank"].isna().any()
    related = split.links[split.links["relation"] == "related"]
    assert related["inside"].all() and not related["same_story"].all()
    inferred = split.links[split.links["relation"] == "inferred_related"]
    assert not inferred.empty and (inferred["score"] > 0).all() and inferred["same_story"].all()


@pytest.mark.slow
@pytest.mark.corpus
def test_inferred_links_and_syndication_on_the_corpus(corpus_kg: KnowledgeGraph) -> None:
    links = analysis.inferred_links(corpus_kg)
    inferences = sum(1 for _, kind in corpus_kg.graph.nodes(data="kind") if kind == "inference")
    assert len(links) == inferences > 0
    assert links["a_title"].notna().all() and links["score"].notna().all()
    assert (links["hours_apart"].dropna() >= 0).all()
    copies = analysis.syndicated_copies(corpus_kg)
    assert len(copies) == (links["relation"] == "copy_of").sum() > 0
    assert (copies["score"] >= 0.9).all() and (copies["hours_after"].dropna() >= 0).all()
    per_outlet = analysis.syndication(corpus_kg)
    assert per_outlet["share"].between(0, 1).all() and per_outlet.index.is_unique
    assert per_outlet["copies"].sum() == len(copies) and per_outlet["copied"].sum() == len(copies)
    assert (per_outlet["copies"] <= per_outlet["articles"]).all()


@pytest.mark.slow
@pytest.mark.corpus
def test_places_on_the_corpus(corpus_kg: KnowledgeGraph) -> None:
    frame = analysis.places(corpus_kg)
    if not any(kind == "place" for _, kind in corpus_kg.graph.nodes(data="kind")):
        assert frame.empty
        pytest.skip("this build makes no place nodes yet")
    assert frame.index.is_unique and frame["code"].is_unique
    assert "UK" not in set(frame["code"])  # UK and GB are one place
    assert (frame["articles_within"] >= frame["articles"]).all() and frame["articles"].sum() > 0
