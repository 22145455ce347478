"""The graph as triples: every node's class, attributes and out-edges, by the tables of :mod:`graph.rdf.vocab`.

Triples are plain ``(subject, predicate, object, datatype)`` strings
(:data:`~graph.rdf.vocab.Triple`), sorted, so every writer gives the same
bytes for the same graph. :func:`subjects` yields them one subject at a time
(what a rebuild patches); :func:`check_iris` and :class:`IriChecker` refuse
an IRI that a strict parser (pyoxigraph's) would refuse.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("https://w3id.org/newsgraph/id/topic/ai", kind="topic", label="AI", key="ai")
>>> [(key.rpartition("/")[2], len(triples)) for key, triples in subjects(g)]
[('tags', 3), ('topics', 3), ('ai', 5)]
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any, Final
from urllib.parse import quote, unquote

import networkx as nx
import pyoxigraph as ox

from ..identity import ID
from ..model import KnowledgeGraph, successors, to_jsonable
from .summary import is_summary, summary_triples
from .vocab import (
    ATTRIBUTES,
    ATTRS,
    BOOL,
    CLASSES,
    DATE,
    DECIMAL,
    GENRE_CLASSES,
    INT,
    IRI,
    IRI_LIST,
    IRI_VALUE,
    MAPPED,
    NG,
    PREDICATES,
    PROV,
    RDF_JSON,
    RDF_TYPE,
    RDFS_LABEL,
    SKOS,
    SOURCE_LIST,
    SOURCE_PATH,
    STR,
    TAGS,
    TOPICS,
    XSD_BOOLEAN,
    XSD_DATETIME,
    XSD_DECIMAL,
    XSD_INTEGER,
    XSD_STRING,
    Triple,
)

__all__ = ["IriChecker", "check_iris", "rdf_triples", "source_iri", "source_paths", "subject_keys", "subjects"]

_SOURCE_PREFIX: Final = ID + "source/"
#: The kinds whose ``sources`` the mapping writes (as source-file IRIs).
_HAS_SOURCES: Final = frozenset(k for k, attrs in ATTRS.items() if any(t == SOURCE_LIST for _, _, t in attrs))


@lru_cache(maxsize=1 << 16)
def source_iri(path: str) -> str:
    """Return the IRI of a source file: :data:`~graph.identity.ID` ``source/`` + the percent-encoded path.

    The whole path is one percent-encoded segment, so the IRI is valid, unique
    per path and never resolved away (``..`` stays ``..``); ``ng:path`` holds
    the path as text.

    >>> source_iri("seeds/a b.md")
    'https://w3id.org/newsgraph/id/source/seeds%2Fa%20b.md'
    """
    return _SOURCE_PREFIX + quote(path, safe="")


def json_text(value: Any) -> str:
    """The ``rdf:JSON`` literal of ``value``: compact, keys sorted, dates as ISO 8601 text."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=to_jsonable)


def _fits(value: Any, vtype: str) -> bool:
    if vtype == STR:
        return isinstance(value, str)
    if vtype == INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if vtype == DECIMAL:
        return isinstance(value, float) and math.isfinite(value)
    if vtype == BOOL:
        return isinstance(value, bool)
    if vtype == DATE:
        return isinstance(value, datetime)
    if vtype == IRI_VALUE:
        return isinstance(value, str)
    if vtype in (IRI_LIST, SOURCE_LIST):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return True  # JSON


def _objects(value: Any, vtype: str) -> Iterator[tuple[str, str]]:
    if vtype == STR:
        yield value, XSD_STRING
    elif vtype == INT:
        yield str(value), XSD_INTEGER
    elif vtype == DECIMAL:
        yield f"{value:.3f}", XSD_DECIMAL
    elif vtype == BOOL:
        yield ("true" if value else "false"), XSD_BOOLEAN
    elif vtype == DATE:
        yield value.isoformat(), XSD_DATETIME
    elif vtype == IRI_VALUE:
        yield value, IRI
    elif vtype == IRI_LIST:
        for v in value:
            yield v, IRI
    elif vtype == SOURCE_LIST:
        for v in value:
            yield source_iri(v), IRI
    else:
        yield json_text(value), RDF_JSON


def rdf_triples(graph: nx.MultiDiGraph | KnowledgeGraph, *, summary: bool = True) -> list[Triple]:
    """Return the sorted triples of ``graph`` as ``(s, p, o, datatype)`` strings.

    ``datatype`` is ``""`` when the object is an IRI. Raises ``ValueError``
    for a node without a known ``kind`` or an edge without a known relation.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("https://w3id.org/newsgraph/id/topic/ai", kind="topic", label="AI", key="ai")
    >>> t = rdf_triples(g)[0]
    >>> t[0], t[1].rpartition("#")[2], t[2].rpartition("#")[2], t[3]
    ('https://w3id.org/newsgraph/id/scheme/tags', 'type', 'ConceptScheme', '')
    """
    g = graph.graph if isinstance(graph, KnowledgeGraph) else graph
    return [t for _, triples in subjects(g, summary=summary) for t in triples]


#: The triples of the two concept schemes, by subject; every graph has them.
_SCHEMES: Final = {
    scheme: sorted(
        [
            (scheme, RDF_TYPE, SKOS + "ConceptScheme", IRI),
            (scheme, RDFS_LABEL, name, XSD_STRING),
            (scheme, SKOS + "prefLabel", name, XSD_STRING),
        ]
    )
    for scheme, name in ((TOPICS, "Topics"), (TAGS, "Tags"))
}


def source_paths(g: nx.MultiDiGraph) -> dict[str, str]:
    """Source file IRI → path, for every file an article of ``g`` came from."""
    return {source_iri(path): path for path in _sources(g)}


def _sources(g: nx.MultiDiGraph) -> set[str]:
    """The paths of the files the articles (and the site's other items) of ``g`` came from."""
    paths: set[str] = set()
    for _, data in g.nodes(data=True):
        if data.get("kind") in _HAS_SOURCES:
            sources = data.get("sources")
            if isinstance(sources, list):
                paths.update(p for p in sources if isinstance(p, str))
    return paths


#: What :func:`subjects` takes as ``summary``: made from the graph (True), none (False), or given.
Summary = bool | Mapping[str, list[Triple]]


def subject_keys(g: nx.MultiDiGraph, summary: Summary = True) -> list[str]:
    """Every subject of the triples of ``g``, sorted: nodes, source files, the two schemes and the summary."""
    made = _summary(g, summary)
    return sorted({*g.nodes, *source_paths(g), *_SCHEMES, *made})


def _summary(g: nx.MultiDiGraph, summary: Summary) -> Mapping[str, list[Triple]]:
    if summary is True:
        return summary_triples(g)
    return {} if summary is False else summary


def subjects(
    g: nx.MultiDiGraph, keys: Iterable[str] | None = None, *, summary: Summary = True
) -> Iterator[tuple[str, list[Triple]]]:
    """Yield ``(subject, its sorted triples)`` for ``keys`` (default: :func:`subject_keys`), in that order.

    A key that is no subject of ``g`` (a node since removed, a file no longer
    read) yields an empty list. The triples of all subjects, in subject order,
    are :func:`rdf_triples`. ``summary``: the derived counts of
    :mod:`graph.rdf.summary`, made from ``g`` (True, the default, made once
    when first needed), left out (False: a streaming build's partition), or
    given (subject → triples).
    """
    made: Mapping[str, list[Triple]] | None = None if summary is True else _summary(g, summary)
    if keys is None:
        made = _summary(g, summary)
        keys = sorted({*g.nodes, *source_paths(g), *_SCHEMES, *made})
    paths: set[str] | None = None
    for key in keys:
        triples = _node_triples(g, key) if key in g else []
        if is_summary(key):
            if made is None:
                made = summary_triples(g)
            if key in made:
                triples = sorted({*triples, *made[key]})
            yield key, triples
            continue
        path = None
        if key.startswith(_SOURCE_PREFIX):
            if paths is None:
                paths = _sources(g)
            candidate = unquote(key[len(_SOURCE_PREFIX) :])
            if candidate in paths and source_iri(candidate) == key:
                path = candidate
        if path is not None or key in _SCHEMES:  # (a node with such an IRI is hostile input, but kept whole)
            triples.extend(_SCHEMES.get(key, ()))
            if path is not None:
                triples.append((key, SOURCE_PATH, path, XSD_STRING))
                triples.append((key, RDF_TYPE, NG + "SourceFile", IRI))
                triples.append((key, RDF_TYPE, PROV + "Entity", IRI))
            triples = sorted(set(triples))
        yield key, triples


def _node_triples(g: nx.MultiDiGraph, node: str) -> list[Triple]:
    """The sorted triples whose subject is ``node``: its classes, attributes and out-edges."""
    data = g.nodes[node]
    kind = data.get("kind")
    if kind not in ATTRS:
        raise ValueError(f"node {node} has no known kind ({kind!r}); known: {', '.join(ATTRS)}")
    out = _class_triples(node, kind, data)
    other = _attribute_triples(node, kind, data, out)
    other.update(_unmapped(kind, data))
    if other:
        out.append((node, ATTRIBUTES, json_text(other), RDF_JSON))
    out.extend(_edge_triples(g, node))
    return sorted(set(out))


def _class_triples(node: str, kind: str, data: dict[str, Any]) -> list[Triple]:
    """The classes and labels of ``node`` (and a concept's scheme)."""
    out = [(node, RDF_TYPE, CLASSES[kind], IRI)]
    label = data.get("label")
    if isinstance(label, str):
        out.append((node, RDFS_LABEL, label, XSD_STRING))
    if kind == "article":
        extra_class = GENRE_CLASSES.get(str(data.get("genre", "")).casefold())
        if extra_class:
            out.append((node, RDF_TYPE, extra_class, IRI))
    elif kind in ("topic", "tag"):
        out.append((node, SKOS + "inScheme", TOPICS if kind == "topic" else TAGS, IRI))
        if isinstance(label, str):
            out.append((node, SKOS + "prefLabel", label, XSD_STRING))
    return out


def _attribute_triples(node: str, kind: str, data: dict[str, Any], out: list[Triple]) -> dict[str, Any]:
    """Add to ``out`` the triples of the attributes of ``node`` the table maps; return those of a wrong type."""
    wrong: dict[str, Any] = {}
    label = data.get("label")
    if label is not None and not isinstance(label, str):
        wrong["label"] = label
    add = out.append
    for attr, pred, vtype in ATTRS[kind]:
        value = data.get(attr)
        if value is None:
            continue
        if not _fits(value, vtype):
            wrong[attr] = value
            continue
        for obj, dt in _objects(value, vtype):
            add((node, pred, obj, dt))
    return wrong


def _unmapped(kind: str, data: dict[str, Any]) -> dict[str, Any]:
    """The attributes the mapping does not know (kept in ``ng:attributes`` as JSON)."""
    mapped = MAPPED[kind]
    other: dict[str, Any] = {}
    for attr, value in data.items():
        if attr in ("kind", "label") or attr in mapped or value is None:
            continue
        other[attr] = value
    return other


def _edge_triples(g: nx.MultiDiGraph, node: str) -> Iterator[Triple]:
    """The triples of the out-edges of ``node``; ``ValueError`` for a relation the mapping does not know."""
    for v, keyed in successors(g)[node].items():
        for key, edge in keyed.items():
            relation: Any = edge.get("relation", key)
            predicate = PREDICATES.get(relation)
            if predicate is None:
                raise ValueError(
                    f"edge {node} → {v} has no known relation ({relation!r}); known: {', '.join(PREDICATES)}"
                )
            yield node, predicate, v, IRI


def _check(iris: set[str], seen: set[str] | None = None) -> None:
    """Raise ``ValueError`` for the first of ``iris`` pyoxigraph refuses; add those it accepts to ``seen``."""
    for iri in sorted(iris):  # sorted: the error names the same IRI every time
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise ValueError(f"{iri!r} is not a valid IRI: {exc}") from exc
        if seen is not None:
            seen.add(iri)


def check_iris(triples: Iterable[Triple]) -> None:
    """Raise ``ValueError`` naming the first IRI a strict parser would refuse."""
    rows = triples if isinstance(triples, list) else list(triples)
    iris = {s for s, _, _, _ in rows}
    iris.update(o for _, _, o, dt in rows if dt == IRI)
    _check(iris)


class IriChecker:
    """:func:`check_iris` for triples that come a few at a time; each IRI is checked once.

    >>> check = IriChecker()
    >>> check([("https://a.org/", "https://schema.org/url", "https://a.org/x", IRI)])
    >>> check([("https://a.org/ x", "https://schema.org/url", "https://a.org/", IRI)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 'https://a.org/ x' is not a valid IRI: ...
    """

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, triples: list[Triple]) -> None:
        seen = self.seen
        new = {s for s, _, _, _ in triples if s not in seen}
        new.update(o for _, _, o, dt in triples if dt == IRI and o not in seen)
        _check(new, seen)
