"""Helpers shared by the analysis modules: reading articles, outlets, dates and labels off the graph.

Private to :mod:`graph.analysis`; every function takes the networkx graph of a
build (:attr:`KnowledgeGraph.graph <graph.model.KnowledgeGraph.graph>`) or a
projection and returns plain values.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from datetime import datetime
from typing import Final, Literal, TypeAlias

import networkx as nx
import pandas as pd

from ..enrich import ACTIVITY
from ..model import KnowledgeGraph

GraphLike: TypeAlias = KnowledgeGraph | nx.Graph
By = Literal["topic", "tag", "outlet", "domain"]

_DATE_COLUMNS: Final = ("published_at", "updated_at")
#: The inference predicate's local name → the relation of its edge (:mod:`graph.enrich`).
_RELATION_OF_PREDICATE: Final = {"inferredRelation": "inferred_related", "copyOf": "copy_of"}
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


def _shared(g: nx.MultiDiGraph, u: str, v: str, relation: str) -> int:
    """How many targets of ``relation`` (topics, tags...) articles ``u`` and ``v`` share."""
    return len(set(_targets(g, u, relation)) & set(_targets(g, v, relation)))


def _related_links(g: nx.MultiDiGraph) -> list[tuple[str, str]]:
    """The related links of ``g`` (article → related article), self-links left out."""
    return [(u, v) for u, v, rel in g.edges(data="relation") if rel == "related" and u != v]


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


def _has_stories(g: nx.Graph) -> bool:
    """True when the build found stories from evidence (``stories=True``): it has the activity or story nodes."""
    return ACTIVITY in g or any(kind == "story" for _, kind in g.nodes(data="kind"))


def _part_of(g: nx.MultiDiGraph) -> dict[str, str]:
    """article → the ``story`` node it is ``part_of`` (articles in no story are left out)."""
    return {u: v for u, v, rel in g.edges(data="relation") if rel == "part_of"}


def _title(g: nx.Graph, article: str) -> str:
    """The article's headline (else its label, else its IRI)."""
    data = g.nodes[article]
    return str(data.get("title") or data.get("label") or article)


def _hours_apart(g: nx.Graph, u: str, v: str) -> float:
    """Hours from ``u``'s publication to ``v``'s (negative when ``v`` came first); ``NaN`` when undated."""
    tu, tv = _published(g, u), _published(g, v)
    return (tv - tu).total_seconds() / 3600 if tu is not None and tv is not None else float("nan")


def _inferences(g: nx.Graph) -> list[tuple[str, str, str, float, str]]:
    """``(relation, subject, object, score, method)`` of every ``inference`` node whose ends are in ``g``."""
    found = []
    for _, data in g.nodes(data=True):
        if data.get("kind") != "inference":
            continue
        subject, obj = data.get("subject"), data.get("object")
        if not isinstance(subject, str) or not isinstance(obj, str) or subject not in g or obj not in g:
            continue
        local = str(data.get("predicate", "")).rsplit("#", 1)[-1].rsplit("/", 1)[-1]
        relation = _RELATION_OF_PREDICATE.get(local)
        if relation is None:  # not a link between articles (a profile's channel)
            continue
        found.append((relation, subject, obj, float(data.get("score", float("nan"))), str(data.get("method", ""))))
    return found


def _dates(frame: pd.DataFrame) -> pd.DataFrame:
    for column in _DATE_COLUMNS:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
