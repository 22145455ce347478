"""Analysis: stories, projections, communities, centrality and timelines as pandas tables.

Everything here reads the networkx graph of a build (:attr:`KnowledgeGraph.graph
<graph.model.KnowledgeGraph.graph>`, see :mod:`graph.model` for node kinds and
relations) and returns plain values, networkx graphs or pandas DataFrames for
notebooks. Nothing prints, nothing plots. ``import graph`` does not import
this module (nor pandas) until ``graph.analysis`` is first used.

Terms:

story
    A group of articles joined by ``related`` links (a connected component of
    the undirected related-link graph with at least two articles), with the
    outlets that published them and the time they span.
outlet
    A ``provider`` node (one per domain *and* name); ``domain`` groups the
    outlets of one website.
projection
    A graph of one kind of node derived from the bipartite structure:
    article–article (related links), outlet–outlet (co-coverage of the same
    stories, topics or tags), topic–topic (co-occurrence on articles).

Functions:

======================== ==========================================================
:func:`nodes_frame`      nodes (of a kind) as a DataFrame, one row per node
:func:`edges_frame`      edges (of a relation) as a DataFrame
:func:`articles_frame`   one row per article: title, date, outlet, topics, tags, links
:func:`summary`          node counts per kind and edge counts per relation
:func:`top`              outlets, topics, tags, ... by number of articles
:func:`stories`          the stories, largest first, as :class:`Story` values
:func:`story_of`         the story an article belongs to
:func:`stories_frame`    the stories as a DataFrame
:func:`story_articles`   the articles of one story in publication order
:func:`related_pairs`    one row per related link: outlets, shared topics, time apart
:func:`article_projection`  article–article graph of related links
:func:`outlet_projection`   outlet–outlet co-coverage graph (stories, topics or tags)
:func:`cooccurrence`     topic–topic (or tag–tag) co-occurrence graph
:func:`communities`      Louvain communities of any projection (seeded, reproducible)
:func:`centrality`       degree, weighted degree, PageRank, betweenness of a graph
:func:`outlet_centrality`   outlets ranked in the co-coverage graph
:func:`article_centrality`  articles ranked in the related-link graph
:func:`timeline`         articles per day or week, overall or by topic/tag/outlet/domain
======================== ==========================================================

>>> import graph
>>> from graph import analysis
>>> kg = graph.build(["seeds"])
>>> [s.size for s in analysis.stories(kg)]
[3, 2]
>>> analysis.top(kg, "topic")["articles"].tolist()
[2, 2]
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Final, Literal, TypeAlias

import networkx as nx
import pandas as pd

from .model import KnowledgeGraph

__all__ = [
    "Story",
    "article_centrality",
    "article_projection",
    "articles_frame",
    "centrality",
    "communities",
    "cooccurrence",
    "edges_frame",
    "nodes_frame",
    "outlet_centrality",
    "outlet_projection",
    "related_pairs",
    "stories",
    "stories_frame",
    "story_articles",
    "story_of",
    "summary",
    "timeline",
    "top",
]

GraphLike: TypeAlias = KnowledgeGraph | nx.Graph
By = Literal["topic", "tag", "outlet", "domain"]

_DATE_COLUMNS: Final = ("published_at", "updated_at")
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
#: The relation from an article to each groupable kind.
_RELATION_OF: Final = {
    "provider": "published_by",
    "outlet": "published_by",
    "topic": "about",
    "tag": "tagged",
    "image": "image",
    "person": "author",
}


def _graph(g: GraphLike) -> nx.Graph:
    return g.graph if isinstance(g, KnowledgeGraph) else g


# ---------------------------------------------------------------- basic helpers


def _articles(g: nx.Graph) -> list[str]:
    return [n for n, kind in g.nodes(data="kind") if kind == "article"]


def _targets(g: nx.MultiDiGraph, node: str, relation: str) -> list[str]:
    """Targets of ``node``'s out-edges of ``relation``, sorted."""
    return sorted(v for _, v, rel in g.out_edges(node, data="relation") if rel == relation)


def _outlet(g: nx.MultiDiGraph, article: str) -> str | None:
    outlets = _targets(g, article, "published_by")
    return outlets[0] if outlets else None


def _published(g: nx.Graph, node: str) -> datetime | None:
    value = g.nodes[node].get("published_at")
    return value if isinstance(value, datetime) else None


def _time_key(g: nx.Graph, node: str) -> tuple[int, float, str]:
    """Sort key: dated articles first, by time, then by IRI (deterministic)."""
    when = _published(g, node)
    return (0, when.timestamp(), node) if when is not None else (1, 0.0, node)


def _labels(g: nx.Graph, nodes: Iterable[str]) -> dict[str, str]:
    """Display labels for ``nodes``, made unique (outlets by domain, else by IRI)."""
    nodes = list(dict.fromkeys(nodes))
    base = {n: str(g.nodes[n].get("label") or n) for n in nodes}
    counts = Counter(base.values())
    labels: dict[str, str] = {}
    for n in nodes:
        label = base[n]
        if counts[label] > 1:
            domain = g.nodes[n].get("domain")
            label = f"{label} ({domain})" if domain else f"{label} <{n}>"
        labels[n] = label
    seen = Counter(labels.values())
    return {n: (lab if seen[lab] == 1 else f"{lab} <{n}>") for n, lab in labels.items()}


def _dates(frame: pd.DataFrame) -> pd.DataFrame:
    for column in _DATE_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


# ---------------------------------------------------------------- tables of nodes and edges


def nodes_frame(g: GraphLike, kind: str | None = None) -> pd.DataFrame:
    """The nodes of ``g`` (only those of ``kind`` when given) as a DataFrame.

    One row per node, indexed by node id (the IRI) and named ``id``; columns
    ``kind`` and ``label`` first, then every attribute found on the nodes.
    Dates are pandas datetimes in UTC. Works on a :class:`KnowledgeGraph` or
    on any networkx graph, such as a projection.

    >>> import graph
    >>> df = nodes_frame(graph.build(["seeds"]), "provider")
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
    >>> edges_frame(graph.build(["seeds"]), "related").shape
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
    >>> df = articles_frame(graph.build(["seeds"]))
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
    >>> s = summary(graph.build(["seeds"]))
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
    >>> top(graph.build(["seeds"]), "provider", n=1)["articles"].tolist()
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


# ---------------------------------------------------------------- stories


@dataclass(frozen=True, slots=True)
class Story:
    """Articles joined by related links, with their outlets and the time they span.

    ``articles`` are in publication order (undated last, ties by IRI);
    ``lead`` is the first of them and ``title`` its title; ``outlets`` are the
    outlet IRIs in order of first coverage. ``rank`` is the position in
    :func:`stories` (0 = largest).
    """

    rank: int
    lead: str
    title: str
    articles: tuple[str, ...]
    outlets: tuple[str, ...]
    start: datetime | None
    end: datetime | None

    @property
    def size(self) -> int:
        """Number of articles."""
        return len(self.articles)

    @property
    def span_hours(self) -> float | None:
        """Hours from the first to the last dated article (``None`` when undated)."""
        if self.start is None or self.end is None:
            return None
        return (self.end - self.start).total_seconds() / 3600


def article_projection(kg: KnowledgeGraph, *, isolated: bool = False) -> nx.Graph:
    """The article–article graph: an undirected edge per related link.

    Nodes keep their attributes; edges carry ``weight`` 1, ``shared_topics``
    and ``shared_tags`` (how many topics and tags both articles have) and
    ``same_outlet``. With ``isolated`` every article is a node, else only
    articles with a related link.

    >>> import graph
    >>> p = article_projection(graph.build(["seeds"]))
    >>> p.number_of_nodes(), p.number_of_edges()
    (5, 3)
    """
    g = kg.graph
    projection = nx.Graph()
    if isolated:
        projection.add_nodes_from((a, g.nodes[a]) for a in _articles(g))
    for u, v, rel in g.edges(data="relation"):
        if rel != "related" or u == v:
            continue
        projection.add_node(u, **g.nodes[u])
        projection.add_node(v, **g.nodes[v])
        projection.add_edge(
            u,
            v,
            weight=1,
            shared_topics=len(set(_targets(g, u, "about")) & set(_targets(g, v, "about"))),
            shared_tags=len(set(_targets(g, u, "tagged")) & set(_targets(g, v, "tagged"))),
            same_outlet=_outlet(g, u) is not None and _outlet(g, u) == _outlet(g, v),
        )
    return projection


def stories(kg: KnowledgeGraph, min_size: int = 2) -> list[Story]:
    """The stories of ``kg``: groups of at least ``min_size`` articles joined by related links.

    Largest first; ties by earliest start, then by lead IRI, so the order is
    the same on every run.

    >>> import graph
    >>> first = stories(graph.build(["seeds"]))[0]
    >>> first.size, len(first.outlets), first.title
    (3, 3, 'AI-driven Facial Recognition: Repression And Innovation')
    """
    g = kg.graph
    projection = article_projection(kg)
    found: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for component in nx.connected_components(projection):
        if len(component) < max(min_size, 1):
            continue
        articles = tuple(sorted(component, key=lambda a: _time_key(g, a)))
        outlets = tuple(dict.fromkeys(o for o in (_outlet(g, a) for a in articles) if o is not None))
        found.append((articles, outlets))
    result = []
    for articles, outlets in found:
        dated = [d for d in (_published(g, a) for a in articles) if d is not None]
        lead = articles[0]
        title = str(g.nodes[lead].get("title") or g.nodes[lead].get("label") or lead)
        start, end = (min(dated), max(dated)) if dated else (None, None)
        result.append(Story(0, lead, title, articles, outlets, start, end))
    result.sort(key=lambda s: (-s.size, s.start is None, s.start.timestamp() if s.start else 0.0, s.lead))
    return [Story(rank, s.lead, s.title, s.articles, s.outlets, s.start, s.end) for rank, s in enumerate(result)]


def story_of(kg: KnowledgeGraph, article: str) -> Story | None:
    """The story ``article`` (an article IRI) belongs to, or ``None`` when it has no related link.

    Raises :class:`KeyError` when ``article`` is not an article of ``kg``.

    >>> import graph
    >>> kg = graph.build(["seeds"])
    >>> story_of(kg, "https://govtech.com/public-safety/lawsuit-highlights-legal-risks-of-facial-recognition-tech").size
    3
    """
    if kg.graph.nodes.get(article, {}).get("kind") != "article":
        raise KeyError(f"{article} is not an article of this graph")
    for story in stories(kg):
        if article in story.articles:
            return story
    return None


def stories_frame(kg: KnowledgeGraph, min_size: int = 2, *, found: list[Story] | None = None) -> pd.DataFrame:
    """The stories as a DataFrame, one row per story, indexed by ``rank``.

    Columns: ``title``, ``articles`` and ``outlets`` (counts), ``outlet_names``
    (labels in order of first coverage), ``start``, ``end``, ``span_hours``,
    ``topics`` (labels, most frequent first), ``lead`` (IRI). Pass ``found``
    (from :func:`stories`) to avoid computing the stories again. Without
    stories the frame is empty, with these columns and their types
    (``span_hours`` is a float, ``NaN`` when undated).

    >>> import graph
    >>> stories_frame(graph.build(["seeds"]))[["articles", "outlets"]].values.tolist()
    [[3, 3], [2, 2]]
    """
    g = kg.graph
    found = stories(kg, min_size) if found is None else found
    labels = _labels(g, itertools.chain.from_iterable(s.outlets for s in found))
    rows = []
    for s in found:
        topics: Counter[str] = Counter()
        for a in s.articles:
            topics.update(str(g.nodes[t].get("label")) for t in _targets(g, a, "about"))
        rows.append(
            {
                "rank": s.rank,
                "title": s.title,
                "articles": s.size,
                "outlets": len(s.outlets),
                "outlet_names": [labels[o] for o in s.outlets],
                "start": s.start,
                "end": s.end,
                "span_hours": s.span_hours,
                "topics": [t for t, _ in sorted(topics.items(), key=lambda x: (-x[1], x[0]))],
                "lead": s.lead,
            }
        )
    columns = ["rank", "title", "articles", "outlets", "outlet_names", "start", "end", "span_hours", "topics", "lead"]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    frame = frame.astype({"rank": "int64", "articles": "int64", "outlets": "int64", "span_hours": float})
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.set_index("rank")


def story_articles(kg: KnowledgeGraph, story: Story) -> pd.DataFrame:
    """The articles of ``story`` in publication order: how the coverage spread.

    Columns: ``published_at``, ``hours_after_start``, ``outlet``, ``title``,
    ``first_for_outlet`` (the outlet's first article in the story),
    ``links`` (related links within the story), indexed by article IRI.

    >>> import graph
    >>> kg = graph.build(["seeds"])
    >>> story_articles(kg, stories(kg)[0])["hours_after_start"].round(1).tolist()
    [0.0, 14.8, 16.6]
    """
    g = kg.graph
    members = set(story.articles)
    labels = _labels(g, story.outlets)
    seen: set[str] = set()
    rows = []
    for a in story.articles:
        outlet = _outlet(g, a)
        when = _published(g, a)
        links = sum(1 for n in nx.all_neighbors(g, a) if n in members and n != a)
        rows.append(
            {
                "published_at": when,
                "hours_after_start": (when - story.start).total_seconds() / 3600
                if when is not None and story.start is not None
                else None,
                "outlet": labels.get(outlet) if outlet else None,
                "title": g.nodes[a].get("title") or g.nodes[a].get("label"),
                "first_for_outlet": outlet is not None and outlet not in seen,
                "links": links,
            }
        )
        if outlet is not None:
            seen.add(outlet)
    frame = pd.DataFrame.from_records(rows, index=list(story.articles))
    frame.index.name = "id"
    return _dates(frame)


def related_pairs(kg: KnowledgeGraph) -> pd.DataFrame:
    """One row per related link (article → related article): what the link joins.

    Columns: ``source``, ``target``, ``source_outlet``, ``target_outlet``,
    ``same_outlet``, ``same_domain``, ``shared_topics``, ``shared_tags``,
    ``any_shared_topic``, ``hours_apart`` (absolute, ``NaN`` when undated).
    Without related links the frame is empty, with these columns and their types.

    >>> import graph
    >>> related_pairs(graph.build(["seeds"]))["same_outlet"].sum()
    np.int64(0)
    """
    g = kg.graph
    pairs = [(u, v) for u, v, rel in g.edges(data="relation") if rel == "related"]
    outlets = {a: _outlet(g, a) for pair in pairs for a in pair}
    labels = _labels(g, [o for o in outlets.values() if o is not None])
    rows = []
    for u, v in pairs:
        ou, ov = outlets[u], outlets[v]
        du = g.nodes[ou].get("domain") if ou else None
        dv = g.nodes[ov].get("domain") if ov else None
        shared_topics = len(set(_targets(g, u, "about")) & set(_targets(g, v, "about")))
        tu, tv = _published(g, u), _published(g, v)
        rows.append(
            {
                "source": u,
                "target": v,
                "source_outlet": labels.get(ou) if ou else None,
                "target_outlet": labels.get(ov) if ov else None,
                "same_outlet": ou is not None and ou == ov,
                "same_domain": du is not None and du == dv,
                "shared_topics": shared_topics,
                "shared_tags": len(set(_targets(g, u, "tagged")) & set(_targets(g, v, "tagged"))),
                "any_shared_topic": shared_topics > 0,
                "hours_apart": abs((tu - tv).total_seconds()) / 3600 if tu and tv else float("nan"),
            }
        )
    columns = [
        "source",
        "target",
        "source_outlet",
        "target_outlet",
        "same_outlet",
        "same_domain",
        "shared_topics",
        "shared_tags",
        "any_shared_topic",
        "hours_apart",
    ]
    return pd.DataFrame.from_records(rows, columns=columns).astype(
        {
            "same_outlet": bool,
            "same_domain": bool,
            "shared_topics": "int64",
            "shared_tags": "int64",
            "any_shared_topic": bool,
            "hours_apart": float,
        }
    )


# ---------------------------------------------------------------- projections


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
    >>> p = outlet_projection(graph.build(["seeds"]))
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
    >>> c = cooccurrence(graph.build(["seeds"]))
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


# ---------------------------------------------------------------- communities and centrality


def communities(
    graph: nx.Graph, *, weight: str | None = "weight", resolution: float = 1.0, seed: int = 0
) -> list[frozenset[Hashable]]:
    """Louvain communities of ``graph`` (any projection), largest first.

    Seeded, so the same graph gives the same communities on every run; ties
    in size are ordered by their smallest member. Isolated nodes are
    communities of one. Use it on :func:`outlet_projection` (outlets that
    cover the same stories) or :func:`article_projection`.

    >>> two_triangles = nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4)])
    >>> [sorted(c) for c in communities(two_triangles)]
    [[1, 2, 3], [4, 5, 6]]
    """
    if graph.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(graph, weight=weight, resolution=resolution, seed=seed)
    return sorted((frozenset(c) for c in found), key=lambda c: (-len(c), min(map(str, c))))


def _pagerank(
    graph: nx.Graph, weight: str | None, alpha: float = 0.85, tol: float = 1.0e-10, max_iter: int = 200
) -> dict[Hashable, float]:
    """PageRank of an undirected graph by power iteration (pure Python: networkx's needs scipy).

    Dangling (isolated) nodes spread their rank evenly, as in networkx.
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


def centrality(graph: nx.Graph, *, weight: str | None = "weight", betweenness_k: int | None = None) -> pd.DataFrame:
    """Centrality of every node of ``graph``, indexed by node, most central first.

    Columns: ``label``, ``degree`` (neighbours), ``weighted_degree`` (sum of
    ``weight``), ``pagerank`` and ``betweenness`` (normalized; estimated from
    ``betweenness_k`` seeded samples when given, which is faster on large
    graphs). Sorted by PageRank, ties by weighted degree, then by node.

    >>> star = nx.Graph([("hub", "a"), ("hub", "b"), ("hub", "c")])
    >>> centrality(star).index[0], centrality(star).loc["hub", "betweenness"]
    ('hub', np.float64(1.0))
    """
    nodes = list(graph.nodes)
    if not nodes:
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
    order = sorted(nodes, key=lambda x: (-pagerank[x], -float(weighted[x]), str(x)))
    return frame.loc[order]


def outlet_centrality(kg: KnowledgeGraph, n: int | None = 20, *, found: list[Story] | None = None) -> pd.DataFrame:
    """Outlets ranked by PageRank in the story co-coverage graph (:func:`outlet_projection`).

    Adds ``articles`` (their article count) and ``stories`` (stories they
    took part in) to the columns of :func:`centrality`; ``n`` rows (all when
    ``None``).

    >>> import graph
    >>> outlet_centrality(graph.build(["seeds"]), n=2)[["label", "degree"]].values.tolist()
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
    >>> article_centrality(graph.build(["seeds"]), n=1)["outlet"].tolist()
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


# ---------------------------------------------------------------- timeline


def timeline(
    kg: KnowledgeGraph,
    by: By | None = None,
    freq: Literal["D", "W"] = "D",
    *,
    top_n: int | None = 8,
) -> pd.DataFrame:
    """Articles per day (``freq="D"``) or week (``"W"``, weeks starting Monday), in UTC.

    With ``by=None`` one column ``articles``; with ``by`` one column per
    topic, tag, outlet or domain (an article with two topics counts once in
    each), the ``top_n`` largest kept (all when ``None``), ordered by total.
    The index holds every period from the first to the last (empty ones are
    0), named ``date``. Undated articles are left out; when no article is
    dated the frame is empty (with the ``articles`` column when ``by=None``).

    >>> import graph
    >>> t = timeline(graph.build(["seeds"]), freq="W")
    >>> t["articles"].tolist()
    [2, 0, 0, 3]
    """
    g = kg.graph
    records: list[tuple[datetime, str]] = []
    for a in _articles(g):
        when = _published(g, a)
        if when is None:
            continue
        if by is None:
            records.append((when, "articles"))
        elif by == "domain":
            outlet = _outlet(g, a)
            domain = g.nodes[outlet].get("domain") if outlet else None
            if domain:
                records.append((when, str(domain)))
        elif by in ("topic", "tag", "outlet"):
            records.extend((when, node) for node in _targets(g, a, _RELATION_OF[by]))
        else:
            raise ValueError(f"unknown by={by!r}; use 'topic', 'tag', 'outlet', 'domain' or None")
    if freq not in ("D", "W"):
        raise ValueError(f"unknown freq={freq!r}; use 'D' (days) or 'W' (weeks)")
    if not records:
        empty = pd.DataFrame(
            {"articles": pd.Series(dtype="int64")} if by is None else {},
            index=pd.DatetimeIndex([], tz="UTC", name="date"),
        )
        empty.columns.name = by
        return empty
    frame = pd.DataFrame.from_records(records, columns=["when", "group"])
    days = pd.to_datetime(frame["when"], utc=True).dt.floor("D")
    if freq == "W":
        days = days - pd.to_timedelta(days.dt.day_of_week.astype(int), unit="D")
    frame["date"] = days
    table = frame.pivot_table(index="date", columns="group", values="when", aggfunc="count", fill_value=0)
    periods = pd.date_range(table.index.min(), table.index.max(), freq="D" if freq == "D" else "7D", name="date")
    table = table.reindex(periods, fill_value=0).astype(int)
    totals = {str(c): int(n) for c, n in table.sum().items()}
    order = sorted(totals, key=lambda c: (-totals[c], c))
    table = table[order[:top_n] if top_n is not None else order]
    if by in ("topic", "tag", "outlet"):
        labels: Mapping[str, str] = _labels(g, table.columns)
        table = table.rename(columns=labels)
    table.columns.name = by
    return table
