"""Stories: articles that cover one event, and what each related link joins.

A build with stories (``graph.build(..., stories=True)``, :mod:`graph.enrich`)
found them from evidence (headline and excerpt text, time, places, the
publishers' related links): its ``story`` nodes are the stories here. A build
without them falls back to the old notion: a connected component, with at
least two articles, of the undirected graph of ``related`` links
(:func:`related_components`); those chain unrelated events on a large corpus.
Either way a story carries the outlets that published its articles and the
time they span.

>>> import graph
>>> [s.size for s in stories(graph.build(["seeds"], stories=True))]
[2]
>>> [s.size for s in stories(graph.build(["seeds"], stories=False))]
[3, 2]
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

import networkx as nx
import pandas as pd

from ..model import KnowledgeGraph
from ._common import (
    _dates,
    _has_stories,
    _labels,
    _outlet,
    _part_of,
    _published,
    _related_links,
    _shared,
    _targets,
    _time_key,
    _title,
)

__all__ = [
    "Story",
    "related_components",
    "related_pairs",
    "stories",
    "stories_frame",
    "story_articles",
    "story_of",
]


@dataclass(frozen=True, slots=True)
class Story:
    """Articles that cover one event, with their outlets and the time they span.

    ``articles`` are in publication order (undated last, ties by IRI);
    ``lead`` is the first of them. ``title`` is the story's label (its most
    representative headline) for a story found from evidence, the lead's
    title for a related-link component. ``outlets`` are the outlet IRIs in
    order of first coverage. ``rank`` is the position in :func:`stories` (or
    :func:`related_components`; 0 = largest). ``iri`` is the ``story`` node,
    ``None`` for a related-link component.
    """

    rank: int
    lead: str
    title: str
    articles: tuple[str, ...]
    outlets: tuple[str, ...]
    start: datetime | None
    end: datetime | None
    iri: str | None = None

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


def _ranked(g: nx.MultiDiGraph, groups: Iterable[tuple[Iterable[str], str | None, str | None]]) -> list[Story]:
    """Stories of ``(members, title, iri)`` groups, ranked: the same order on every run (see :func:`stories`)."""
    result = []
    for members, title, iri in groups:
        articles = tuple(sorted(members, key=lambda a: _time_key(g, a)))
        outlets = tuple(dict.fromkeys(o for o in (_outlet(g, a) for a in articles) if o is not None))
        dated = [d for d in (_published(g, a) for a in articles) if d is not None]
        lead = articles[0]
        start, end = (min(dated), max(dated)) if dated else (None, None)
        result.append(Story(0, lead, title or _title(g, lead), articles, outlets, start, end, iri))
    result.sort(
        key=lambda s: (-s.size, -len(s.outlets), s.start is None, s.start.timestamp() if s.start else 0.0, s.lead)
    )
    return [Story(rank, s.lead, s.title, s.articles, s.outlets, s.start, s.end, s.iri) for rank, s in enumerate(result)]


def related_components(kg: KnowledgeGraph, min_size: int = 2) -> list[Story]:
    """The connected components of the related-link graph with at least ``min_size`` articles, largest first.

    The old notion of a story: publishers' related lists chain templates and
    neighbouring events, so on a large corpus the largest component strings
    together unrelated reports. :func:`component_split` shows how the stories
    found from evidence split one. Their ``iri`` is ``None``.

    >>> import graph
    >>> [c.size for c in related_components(graph.build(["seeds"], stories=True))]
    [3, 2]
    """
    g = kg.graph
    components = nx.connected_components(nx.Graph(_related_links(g)))
    return _ranked(g, ((c, None, None) for c in components if len(c) >= max(min_size, 1)))


def stories(kg: KnowledgeGraph, min_size: int = 2) -> list[Story]:
    """The stories of ``kg`` with at least ``min_size`` articles, largest first.

    From the ``story`` nodes when the build found stories (``stories=True``;
    then a build that found none has none); else, for a build without
    stories, the related-link components (:func:`related_components`).
    Ties by more outlets, then earliest start, then lead IRI, so the order
    is the same on every run.

    >>> import graph
    >>> first = stories(graph.build(["seeds"], stories=True))[0]
    >>> first.size, len(first.outlets), first.title, first.iri.split("/")[-2]
    (2, 2, 'AI-driven Facial Recognition: Repression And Innovation', 'story')
    """
    g = kg.graph
    if not _has_stories(g):
        return related_components(kg, min_size)
    members: defaultdict[str, list[str]] = defaultdict(list)
    for article, story in _part_of(g).items():
        members[story].append(article)
    groups = (
        (arts, str(g.nodes[story].get("label") or "") or None, story)
        for story, arts in members.items()
        if len(arts) >= max(min_size, 1)
    )
    return _ranked(g, groups)


def story_of(kg: KnowledgeGraph, article: str) -> Story | None:
    """The story ``article`` (an article IRI) belongs to (in :func:`stories`), or ``None`` when it is in none.

    Raises :class:`KeyError` when ``article`` is not an article of ``kg``.

    >>> import graph
    >>> un = "https://biometricupdate.com/202307/un-high-commissioner-says-facial-recognition-could-lead-to-destruction-of-privacy"
    >>> story_of(graph.build(["seeds"], stories=False), un).size
    3
    >>> story_of(graph.build(["seeds"], stories=True), un) is None
    True
    """
    g = kg.graph
    if g.nodes.get(article, {}).get("kind") != "article":
        raise KeyError(f"{article} is not an article of this graph")
    if _has_stories(g) and not any(rel == "part_of" for _, _, rel in g.out_edges(article, data="relation")):
        return None
    return next((story for story in stories(kg) if article in story.articles), None)


_STORY_COLUMNS = [
    "rank",
    "title",
    "articles",
    "outlets",
    "outlet_names",
    "start",
    "end",
    "span_hours",
    "topics",
    "lead",
    "story",
]


def stories_frame(kg: KnowledgeGraph, min_size: int = 2, *, found: list[Story] | None = None) -> pd.DataFrame:
    """The stories (:func:`stories`) as a DataFrame, one row per story, indexed by ``rank``.

    Columns: ``title``, ``articles`` and ``outlets`` (counts), ``outlet_names``
    (labels in order of first coverage), ``start``, ``end``, ``span_hours``,
    ``topics`` (labels, most frequent first), ``lead`` (IRI), ``story`` (the
    story node's IRI, ``None`` for a related-link component). Pass ``found``
    (from :func:`stories` or :func:`related_components`) to avoid computing
    the stories again. Without stories the frame is empty, with these columns
    and their types (``span_hours`` is a float, ``NaN`` when undated).

    >>> import graph
    >>> stories_frame(graph.build(["seeds"], stories=False))[["articles", "outlets"]].values.tolist()
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
                "story": s.iri,
            }
        )
    frame = pd.DataFrame.from_records(rows, columns=_STORY_COLUMNS)
    frame = frame.astype({"rank": "int64", "articles": "int64", "outlets": "int64", "span_hours": float})
    for column in ("start", "end"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame.set_index("rank")


def _linked(g: nx.MultiDiGraph, article: str, members: set[str], relation: str) -> int:
    """How many edges of ``relation`` join ``article`` to the other ``members`` (in either direction)."""
    others = members - {article}
    out = sum(1 for _, v, rel in g.out_edges(article, data="relation") if rel == relation and v in others)
    into = sum(1 for u, _, rel in g.in_edges(article, data="relation") if rel == relation and u in others)
    return out + into


def story_articles(kg: KnowledgeGraph, story: Story) -> pd.DataFrame:
    """The articles of ``story`` in publication order: how the coverage spread.

    Columns: ``published_at``, ``hours_after_start``, ``outlet``, ``title``,
    ``first_for_outlet`` (the outlet's first article in the story),
    ``links`` (publishers' related links within the story, either way),
    ``inferred`` (inferred links within the story), ``copy_of`` (the outlet
    of the article it is a syndicated copy of, else ``None``), indexed by
    article IRI.

    >>> import graph
    >>> kg = graph.build(["seeds"], stories=False)
    >>> story_articles(kg, stories(kg)[0])["hours_after_start"].round(1).tolist()
    [0.0, 14.8, 16.6]
    """
    g = kg.graph
    members = set(story.articles)
    originals = {a: _targets(g, a, "copy_of") for a in story.articles}
    outlets = {a: _outlet(g, a) for a in itertools.chain(story.articles, *originals.values())}
    labels = _labels(g, [o for o in outlets.values() if o is not None])
    seen: set[str] = set()
    rows = []
    for a in story.articles:
        outlet = outlets[a]
        when = _published(g, a)
        source = outlets[originals[a][0]] if originals[a] else None
        rows.append(
            {
                "published_at": when,
                "hours_after_start": (when - story.start).total_seconds() / 3600
                if when is not None and story.start is not None
                else float("nan"),
                "outlet": labels.get(outlet) if outlet else None,
                "title": _title(g, a),
                "first_for_outlet": outlet is not None and outlet not in seen,
                "links": _linked(g, a, members, "related"),
                "inferred": _linked(g, a, members, "inferred_related"),
                "copy_of": (labels.get(source or "") or "(no outlet)") if originals[a] else None,
            }
        )
        if outlet is not None:
            seen.add(outlet)
    frame = pd.DataFrame.from_records(rows, index=list(story.articles))
    frame.index.name = "id"
    return _dates(frame)


def related_pairs(kg: KnowledgeGraph, *, found: list[Story] | None = None) -> pd.DataFrame:
    """One row per related link (article → related article): what the link joins.

    Columns: ``source``, ``target``, ``source_outlet``, ``target_outlet``,
    ``same_outlet``, ``same_domain``, ``shared_topics``, ``shared_tags``,
    ``any_shared_topic``, ``hours_apart`` (absolute, ``NaN`` when undated),
    ``same_story`` (both in one story of :func:`stories`, or of ``found``
    when given: always true for related-link components, the share of
    publishers' links that stories found from evidence keep).
    Without related links the frame is empty, with these columns and their types.

    >>> import graph
    >>> related_pairs(graph.build(["seeds"], stories=False))["same_outlet"].sum()
    np.int64(0)
    >>> related_pairs(graph.build(["seeds"], stories=True))["same_story"].tolist()
    [False, True, False]
    """
    g = kg.graph
    pairs = [(u, v) for u, v, rel in g.edges(data="relation") if rel == "related"]
    outlets = {a: _outlet(g, a) for pair in pairs for a in pair}
    labels = _labels(g, [o for o in outlets.values() if o is not None])
    story_of_article = {a: s.rank for s in (stories(kg) if found is None else found) for a in s.articles}
    rows = []
    for u, v in pairs:
        ou, ov = outlets[u], outlets[v]
        du = g.nodes[ou].get("domain") if ou else None
        dv = g.nodes[ov].get("domain") if ov else None
        shared_topics = _shared(g, u, v, "about")
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
                "shared_tags": _shared(g, u, v, "tagged"),
                "any_shared_topic": shared_topics > 0,
                "hours_apart": abs((tu - tv).total_seconds()) / 3600 if tu and tv else float("nan"),
                "same_story": story_of_article.get(u, -1) == story_of_article.get(v, -2),
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
        "same_story",
    ]
    return pd.DataFrame.from_records(rows, columns=columns).astype(
        {
            "same_outlet": bool,
            "same_domain": bool,
            "shared_topics": "int64",
            "shared_tags": "int64",
            "any_shared_topic": bool,
            "hours_apart": float,
            "same_story": bool,
        }
    )
