"""Projections: graphs of one kind of node derived from the bipartite structure of a build.

article–article (related links), outlet–outlet (co-coverage of the same
stories, topics or tags), topic–topic or tag–tag (co-occurrence on articles).
Each is an undirected networkx graph with a ``weight`` on its edges, ready for
:mod:`~graph.analysis.communities` and :mod:`~graph.analysis.centrality`.

>>> import graph
>>> outlet_projection(graph.build(["seeds"], stories=False)).number_of_edges()
4
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from typing import Literal

import networkx as nx

from ..model import KnowledgeGraph
from ._common import _RELATION_OF, _articles, _outlet, _related_links, _shared
from .stories import Story, stories

__all__ = ["article_projection", "cooccurrence", "outlet_projection"]


def article_projection(kg: KnowledgeGraph, *, isolated: bool = False) -> nx.Graph:
    """The article–article graph: an undirected edge per related link.

    Nodes keep their attributes; edges carry ``weight`` 1, ``shared_topics``
    and ``shared_tags`` (how many topics and tags both articles have) and
    ``same_outlet``. With ``isolated`` every article is a node, else only
    articles with a related link.

    >>> import graph
    >>> p = article_projection(graph.build(["seeds"], stories=False))
    >>> p.number_of_nodes(), p.number_of_edges()
    (5, 3)
    """
    g = kg.graph
    projection = nx.Graph()
    if isolated:
        projection.add_nodes_from((a, g.nodes[a]) for a in _articles(g))
    for u, v in _related_links(g):
        projection.add_node(u, **g.nodes[u])
        projection.add_node(v, **g.nodes[v])
        projection.add_edge(
            u,
            v,
            weight=1,
            shared_topics=_shared(g, u, v, "about"),
            shared_tags=_shared(g, u, v, "tagged"),
            same_outlet=_outlet(g, u) is not None and _outlet(g, u) == _outlet(g, v),
        )
    return projection


def _pairs_weighted(groups: Iterable[Iterable[str]]) -> Counter[tuple[str, str]]:
    """How many groups each unordered pair of members shares."""
    weights: Counter[tuple[str, str]] = Counter()
    for group in groups:
        members = sorted(set(group))
        weights.update(itertools.combinations(members, 2))
    return weights


def outlet_projection(
    kg: KnowledgeGraph, by: Literal["story", "topic", "tag"] = "story", *, found: list[Story] | None = None
) -> nx.Graph:
    """The outlet–outlet co-coverage graph.

    Two outlets are joined when they covered the same story (``by="story"``,
    the default), wrote about the same topic (``"topic"``) or carried the same
    tag (``"tag"``); ``weight`` is how many stories, topics or tags they
    share. Nodes are every outlet with at least one article, with ``label``,
    ``domain`` and ``articles`` (their article count). ``by="topic"`` is dense
    on a large corpus (a few topics cover most outlets).

    >>> import graph
    >>> p = outlet_projection(graph.build(["seeds"], stories=False))
    >>> p.number_of_nodes(), p.number_of_edges()
    (5, 4)
    """
    g = kg.graph
    articles = _articles(g)
    outlet_of = {a: _outlet(g, a) for a in articles}
    counts = Counter(o for o in outlet_of.values() if o is not None)
    projection = nx.Graph()
    for outlet in sorted(counts):
        data = g.nodes[outlet]
        projection.add_node(outlet, kind="provider", label=data.get("label"), domain=data.get("domain"))
        projection.nodes[outlet]["articles"] = counts[outlet]
    groups: list[set[str]]
    if by == "story":
        groups = [set(s.outlets) for s in (stories(kg) if found is None else found)]
    elif by in ("topic", "tag"):
        relation = _RELATION_OF[by]
        members: defaultdict[str, set[str]] = defaultdict(set)
        for a, v, rel in g.edges(data="relation"):
            publisher = outlet_of.get(a)
            if rel == relation and publisher is not None:
                members[v].add(publisher)
        groups = list(members.values())
    else:
        raise ValueError(f"unknown by={by!r}; use 'story', 'topic' or 'tag'")
    for (u, v), weight in _pairs_weighted(groups).items():
        projection.add_edge(u, v, weight=weight)
    return projection


def cooccurrence(kg: KnowledgeGraph, kind: Literal["topic", "tag"] = "topic") -> nx.Graph:
    """The topic–topic (or tag–tag) graph: ``weight`` = articles carrying both.

    Nodes carry ``label`` and ``articles`` (how many articles carry each).

    >>> import graph
    >>> c = cooccurrence(graph.build(["seeds"], stories=False))
    >>> [(c.nodes[u]["label"], c.nodes[v]["label"], w) for u, v, w in c.edges(data="weight")]
    [('AI', 'Computer Vision', 2)]
    """
    if kind not in ("topic", "tag"):
        raise ValueError(f"unknown kind {kind!r}; use 'topic' or 'tag'")
    g = kg.graph
    relation = _RELATION_OF[kind]
    per_article: defaultdict[str, set[str]] = defaultdict(set)
    for a, v, rel in g.edges(data="relation"):
        if rel == relation:
            per_article[a].add(v)
    counts = Counter(itertools.chain.from_iterable(per_article.values()))
    projection = nx.Graph()
    for node in sorted(counts):
        projection.add_node(node, kind=kind, label=g.nodes[node].get("label"), articles=counts[node])
    for (u, v), weight in sorted(_pairs_weighted(per_article.values()).items()):
        projection.add_edge(u, v, weight=weight)
    return projection
