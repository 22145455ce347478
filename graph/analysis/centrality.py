"""Centrality: degree, weighted degree, PageRank and betweenness of a graph, and rankings of outlets and articles.

PageRank is igraph's (its C core, PRPACK), imported normally on first use:
``import igraph`` costs about 0.6 s in a fresh process, 0.5 s of it
matplotlib, which igraph's drawing code loads; in a notebook that has
already imported matplotlib it costs under 0.1 s. networkx's PageRank would
need scipy, which is not a dependency. Measured on the shared corpus, igraph's
values agree with an exact power iteration to 5e-14 and with the pure-Python
power iteration this replaces to 4e-9 (its stopping tolerance), and the
rankings are the same.

>>> import networkx as nx
>>> centrality(nx.path_graph(3))["degree"].tolist()
[2, 1, 1]
"""

from __future__ import annotations

import itertools
from collections import Counter
from collections.abc import Hashable
from typing import Final

import networkx as nx
import pandas as pd

from ..model import KnowledgeGraph
from ._common import _labels, _outlet
from .projections import article_projection, outlet_projection
from .stories import Story, stories

__all__ = ["article_centrality", "centrality", "outlet_centrality"]

#: PageRank is ranked on this many significant digits: igraph's solver leaves noise in the last
#: bits of nodes that have the same PageRank (1e-15 measured), which must not decide their order.
_PAGERANK_DIGITS: Final = 10


def _pagerank(graph: nx.Graph, weight: str | None, damping: float = 0.85) -> dict[Hashable, float]:
    """PageRank of ``graph``, its edges taken as undirected, by igraph.

    Isolated (dangling) nodes spread their rank evenly, as in networkx; a
    missing ``weight`` counts 1; the ranks sum to 1, self-loops included (the
    power iteration this replaces lost rank through a self-loop; projections
    have none).
    """
    import igraph

    nodes = list(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    edges: list[tuple[int, int]] = []
    weights: list[float] = []
    for u, v, data in graph.edges(data=True):
        edges.append((index[u], index[v]))
        weights.append(float(data.get(weight, 1.0)) if weight is not None else 1.0)
    ig = igraph.Graph(n=len(nodes), edges=edges, directed=False)
    ranks = ig.pagerank(weights=weights if weight is not None else None, directed=False, damping=damping)
    return dict(zip(nodes, (float(r) for r in ranks), strict=True))


def _empty() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "label": pd.Series(dtype=object),
            "degree": pd.Series(dtype="int64"),
            "weighted_degree": pd.Series(dtype=float),
            "pagerank": pd.Series(dtype=float),
            "betweenness": pd.Series(dtype=float),
        },
        index=pd.Index([], name="id", dtype=object),
    )


def centrality(graph: nx.Graph, *, weight: str | None = "weight", betweenness_k: int | None = None) -> pd.DataFrame:
    """Centrality of every node of ``graph``, indexed by node, most central first.

    Columns: ``label``, ``degree`` (neighbours), ``weighted_degree`` (sum of
    ``weight``), ``pagerank`` (igraph's, edges taken as undirected) and
    ``betweenness`` (normalized; estimated from ``betweenness_k`` seeded
    samples when given, which is faster on large graphs). Sorted by PageRank
    (to 10 significant digits), ties by weighted degree,
    then by node, so the order is the same on every run.

    >>> star = nx.Graph([("hub", "a"), ("hub", "b"), ("hub", "c")])
    >>> centrality(star).index[0], centrality(star).loc["hub", "betweenness"]
    ('hub', np.float64(1.0))
    """
    nodes = list(graph.nodes)
    if not nodes:
        return _empty()
    pagerank = _pagerank(graph, weight)
    between = nx.betweenness_centrality(graph, k=betweenness_k, weight=None, seed=0 if betweenness_k else None)
    weighted = dict(graph.degree(weight=weight))
    frame = pd.DataFrame(
        {
            "label": [graph.nodes[n].get("label", str(n)) for n in nodes],
            "degree": [graph.degree(n) for n in nodes],
            "weighted_degree": [weighted[n] for n in nodes],
            "pagerank": [pagerank[n] for n in nodes],
            "betweenness": [between[n] for n in nodes],
        },
        index=pd.Index(nodes, name="id"),
    )
    rounded = {n: float(f"{pagerank[n]:.{_PAGERANK_DIGITS}g}") for n in nodes}
    order = sorted(nodes, key=lambda x: (-rounded[x], -float(weighted[x]), str(x)))
    return frame.loc[order]


def outlet_centrality(kg: KnowledgeGraph, n: int | None = 20, *, found: list[Story] | None = None) -> pd.DataFrame:
    """Outlets ranked by PageRank in the story co-coverage graph (:func:`outlet_projection`).

    Adds ``articles`` (their article count) and ``stories`` (stories they
    took part in) to the columns of :func:`centrality`; ``n`` rows (all when
    ``None``).

    >>> import graph
    >>> outlet_centrality(graph.build(["seeds"], stories=False), n=2)[["label", "degree"]].values.tolist()
    [['Biometric Companies', 2], ['electronicsforu', 2]]
    """
    found = stories(kg) if found is None else found
    projection = outlet_projection(kg, "story", found=found)
    labels = _labels(projection, projection.nodes)
    nx.set_node_attributes(projection, labels, "label")
    frame = centrality(projection, betweenness_k=min(200, projection.number_of_nodes()))
    in_stories = Counter(itertools.chain.from_iterable(s.outlets for s in found))
    frame.insert(1, "articles", pd.Series([projection.nodes[o]["articles"] for o in frame.index], frame.index, "int64"))
    frame.insert(2, "stories", pd.Series([in_stories[o] for o in frame.index], frame.index, "int64"))
    return frame.head(n) if n is not None else frame


def article_centrality(kg: KnowledgeGraph, n: int | None = 20) -> pd.DataFrame:
    """Articles ranked by PageRank in the related-link graph (:func:`article_projection`).

    Adds ``outlet`` and ``cited`` (how many articles list it as related) to
    the columns of :func:`centrality`; only articles with a related link.

    >>> import graph
    >>> article_centrality(graph.build(["seeds"], stories=False), n=1)["outlet"].tolist()
    ['electronicsforu']
    """
    g = kg.graph
    projection = article_projection(kg)
    frame = centrality(projection, betweenness_k=min(200, projection.number_of_nodes()))
    outlets = {a: _outlet(g, a) for a in frame.index}
    labels = _labels(g, [o for o in outlets.values() if o is not None])
    cited = Counter(v for _, v, rel in g.edges(data="relation") if rel == "related")
    frame.insert(1, "outlet", [labels.get(o) if o else None for o in outlets.values()])
    frame.insert(2, "cited", pd.Series([cited[a] for a in frame.index], frame.index, "int64"))
    return frame.head(n) if n is not None else frame
