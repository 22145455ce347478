"""Tables of a build: nodes, edges, articles, counts and the largest outlets, topics or tags.

>>> import graph
>>> top(graph.build(["seeds"], stories=False), "topic")["articles"].tolist()
[2, 2]
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Final

import pandas as pd

from ..model import KnowledgeGraph
from ._common import _RELATION_OF, GraphLike, _articles, _dates, _graph, _labels, _outlet, _published, _targets

__all__ = ["articles_frame", "edges_frame", "nodes_frame", "summary", "top"]

_ARTICLE_COLUMNS: Final = [
    "title",
    "published_at",
    "outlet",
    "outlet_id",
    "domain",
    "topics",
    "tags",
    "related_out",
    "related_in",
    "stub",
]


def nodes_frame(g: GraphLike, kind: str | None = None) -> pd.DataFrame:
    """The nodes of ``g`` (only those of ``kind`` when given) as a DataFrame.

    One row per node, indexed by node id (the IRI) and named ``id``; columns
    ``kind`` and ``label`` first, then every attribute found on the nodes.
    Dates are pandas datetimes in UTC. Works on a :class:`KnowledgeGraph` or
    on any networkx graph, such as a projection.

    >>> import graph
    >>> df = nodes_frame(graph.build(["seeds"], stories=False), "provider")
    >>> len(df), list(df.columns[:4])
    (5, ['kind', 'label', 'name', 'domain'])
    """
    nx_graph = _graph(g)
    rows = {n: d for n, d in nx_graph.nodes(data=True) if kind is None or d.get("kind") == kind}
    columns = list(dict.fromkeys(["kind", "label", *itertools.chain.from_iterable(rows.values())]))
    frame = pd.DataFrame.from_records(list(rows.values()), index=list(rows), columns=columns)
    frame.index.name = "id"
    return _dates(frame)


def edges_frame(g: GraphLike, relation: str | None = None) -> pd.DataFrame:
    """The edges of ``g`` (only those of ``relation`` when given) as a DataFrame.

    Columns ``source``, ``target``, then every edge attribute (``relation``
    for a knowledge graph, ``weight`` for a projection). A knowledge graph's
    frame has ``relation`` even when no edge matches; a projection's frame
    without edges has only ``source`` and ``target``.

    >>> import graph
    >>> edges_frame(graph.build(["seeds"], stories=False), "related").shape
    (3, 3)
    """
    nx_graph = _graph(g)
    rows = [
        {"source": u, "target": v, **d}
        for u, v, d in nx_graph.edges(data=True)
        if relation is None or d.get("relation") == relation
    ]
    first = ["source", "target", "relation"] if isinstance(g, KnowledgeGraph) else ["source", "target"]
    columns = list(dict.fromkeys([*first, *itertools.chain.from_iterable(rows)]))
    return pd.DataFrame.from_records(rows, columns=columns)


def articles_frame(kg: KnowledgeGraph) -> pd.DataFrame:
    """One row per article, indexed by IRI: the columns most analyses need.

    Columns: ``title``, ``published_at`` (UTC), ``outlet`` (label),
    ``outlet_id``, ``domain``, ``topics`` and ``tags`` (lists of labels),
    ``related_out`` and ``related_in`` (related links from and to it),
    ``stub`` (known only from another article's related list). A graph
    without articles gives an empty frame with these columns.

    >>> import graph
    >>> df = articles_frame(graph.build(["seeds"], stories=False))
    >>> df.loc[df["related_out"].idxmax(), "outlet"]
    'electronicsforu'
    """
    g = kg.graph
    articles = _articles(g)
    outlets = {a: _outlet(g, a) for a in articles}
    outlet_labels = _labels(g, [o for o in outlets.values() if o is not None])
    rows = []
    for a in articles:
        data = g.nodes[a]
        outlet = outlets[a]
        related_out = sum(1 for _, _, r in g.out_edges(a, data="relation") if r == "related")
        related_in = sum(1 for _, _, r in g.in_edges(a, data="relation") if r == "related")
        rows.append(
            {
                "title": data.get("title") or data.get("label"),
                "published_at": _published(g, a),
                "outlet": outlet_labels.get(outlet) if outlet else None,
                "outlet_id": outlet,
                "domain": g.nodes[outlet].get("domain") if outlet else None,
                "topics": [g.nodes[t].get("label") for t in _targets(g, a, "about")],
                "tags": [g.nodes[t].get("label") for t in _targets(g, a, "tagged")],
                "related_out": related_out,
                "related_in": related_in,
                "stub": bool(data.get("stub", False)),
            }
        )
    frame = pd.DataFrame.from_records(rows, index=articles, columns=_ARTICLE_COLUMNS)
    frame = frame.astype({"related_out": "int64", "related_in": "int64", "stub": bool})
    frame.index.name = "id"
    return _dates(frame)


def summary(kg: KnowledgeGraph) -> pd.DataFrame:
    """Counts of nodes per kind and edges per relation, as a two-level table.

    >>> import graph
    >>> s = summary(graph.build(["seeds"], stories=False))
    >>> int(s.loc[("nodes", "article"), "count"]), int(s.loc[("edges", "related"), "count"])
    (5, 3)
    """
    nodes = Counter(kind for _, kind in kg.graph.nodes(data="kind"))
    edges = Counter(rel for _, _, rel in kg.graph.edges(data="relation"))
    rows = [("nodes", k, n) for k, n in nodes.most_common()] + [("edges", r, n) for r, n in edges.most_common()]
    frame = pd.DataFrame(rows, columns=["what", "name", "count"]).astype({"count": "int64"})
    return frame.set_index(["what", "name"])


def top(kg: KnowledgeGraph, kind: str = "provider", n: int | None = 10) -> pd.DataFrame:
    """The nodes of ``kind`` with the most articles, most first (ties by label).

    ``kind`` is one of ``provider`` (or ``outlet``), ``topic``, ``tag``,
    ``image``, ``person`` or ``domain`` (outlets grouped by website). Columns
    ``label`` and ``articles``, indexed by node id (the domain for ``domain``).

    >>> import graph
    >>> top(graph.build(["seeds"], stories=False), "provider", n=1)["articles"].tolist()
    [1]
    """
    g = kg.graph
    counts: Counter[str] = Counter()
    labels: dict[str, str] = {}
    if kind == "domain":
        for a in _articles(g):
            outlet = _outlet(g, a)
            domain = g.nodes[outlet].get("domain") if outlet else None
            if domain:
                counts[str(domain)] += 1
        labels = {d: d for d in counts}
    else:
        try:
            relation = _RELATION_OF[kind]
        except KeyError:
            raise ValueError(f"unknown kind {kind!r}; use one of {', '.join([*_RELATION_OF, 'domain'])}") from None
        for _, v, rel in g.edges(data="relation"):
            if rel == relation:
                counts[v] += 1
        labels = _labels(g, counts)
    ranked = sorted(counts, key=lambda x: (-counts[x], labels[x], x))[:n]
    frame = pd.DataFrame(
        {"label": [labels[x] for x in ranked], "articles": [counts[x] for x in ranked]},
        index=pd.Index(ranked, name="id"),
    )
    return frame.astype({"articles": "int64"})
