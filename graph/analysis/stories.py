"""Stories: groups of articles joined by related links, and what each related link joins.

A story is a connected component, with at least two articles, of the
undirected graph of ``related`` links; it carries the outlets that published
its articles and the time they span.

>>> import graph
>>> [s.size for s in stories(graph.build(["seeds"]))]
[3, 2]
"""

from __future__ import annotations

import itertools
from collections import Counter
from dataclasses import dataclass
from datetime import datetime

import networkx as nx
import pandas as pd

from ..model import KnowledgeGraph
from ._common import _dates, _labels, _outlet, _published, _related_links, _shared, _targets, _time_key

__all__ = ["Story", "related_pairs", "stories", "stories_frame", "story_articles", "story_of"]


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
    found: list[tuple[tuple[str, ...], tuple[str, ...]]] = []
    for component in nx.connected_components(nx.Graph(_related_links(g))):
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
