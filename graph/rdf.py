"""RDF: the networkx graph as schema.org / SKOS / PROV triples, and back.

:func:`to_rdf` gives an :class:`rdflib.Graph` (the API users see);
:func:`from_rdf` reads one back into the networkx graph, losslessly (list
attributes come back sorted: RDF has sets, not lists). The build files are
written by :func:`write_rdf` through pyoxigraph, which is ~50 times faster
than rdflib's serializers; N-Triples are sorted and Turtle is written from
the sorted triples, so two builds of the same input give identical bytes.

Mapping (``schema:`` is ``https://schema.org/``, ``ng:`` is :data:`NG`,
described with labels and comments in ``graph/vocab.ttl``):

============ ==================================================================
kind         RDF
============ ==================================================================
article      ``a schema:NewsArticle``; headline, description, articleSection,
             genre, datePublished/dateModified (``xsd:dateTime``), url,
             sameAs, articleBody; ``ng:quality``/``ng:heat`` (``xsd:integer``),
             ``ng:published``/``ng:stub`` (``xsd:boolean``),
             ``ng:featuredContent``/``ng:extra`` (``rdf:JSON``),
             ``prov:wasDerivedFrom`` → source file
provider     ``a schema:NewsMediaOrganization``; name, ``ng:domain``,
             ``schema:url`` ``https://DOMAIN/`` (its home page), ``ng:website``
             → website, logo → image, parentOrganization
website      ``a schema:WebSite``; ``schema:url`` ``https://DOMAIN/``, ``ng:domain``
topic, tag   ``a skos:Concept``; ``skos:prefLabel``, ``skos:hiddenLabel``
             (the normalized key), ``skos:inScheme`` :data:`TOPICS` or
             :data:`TAGS`; a tag that is a place is also ``a schema:Place``
image        ``a schema:ImageObject``; contentUrl, width, height, caption,
             creditText, ``ng:isCached``
person       ``a schema:Person``; name
organization ``a schema:Organization``; name
source file  ``a prov:Entity, ng:SourceFile``; ``ng:path`` (the path relative
             to the SOURCE given, :func:`graph.read.source_labels`); IRI
             :func:`source_iri`
============ ==================================================================

Every node also has ``rdfs:label``. Edges: published_by → ``schema:publisher``,
about → ``schema:about``, tagged → ``schema:keywords``, image →
``schema:image``, author → ``schema:author``, related → ``dcterms:relation``,
website → ``ng:website``, logo → ``schema:logo``, parent_organization →
``schema:parentOrganization``. An attribute the mapping does not know (or of
an unexpected type) is kept in ``ng:attributes`` as JSON.

>>> import graph
>>> g = to_rdf(graph.build(["seeds"]))
>>> from rdflib.namespace import SDO, RDF
>>> len(set(g.subjects(RDF.type, SDO.NewsArticle)))
5
>>> from_rdf(g).number_of_nodes() == graph.build(["seeds"]).graph.number_of_nodes()
True
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import quote, unquote

import networkx as nx
import pyoxigraph as ox

from .identity import ID
from .model import KnowledgeGraph

if TYPE_CHECKING:  # rdflib is imported when first used: a build does not need it
    from rdflib import Graph

__all__ = [
    "CONTEXT",
    "NG",
    "PREFIXES",
    "TAGS",
    "TOPICS",
    "IriChecker",
    "TurtleBlocks",
    "check_iris",
    "from_rdf",
    "from_triples",
    "jsonld_block",
    "jsonld_text",
    "nquads_text",
    "nt_block",
    "ntriples_text",
    "rdf_triples",
    "read_rdf",
    "source_iri",
    "source_paths",
    "subject_keys",
    "subjects",
    "to_rdf",
    "to_rdflib_graph",
    "turtle_text",
    "write_rdf",
]

SCHEMA: Final = "https://schema.org/"
SKOS: Final = "http://www.w3.org/2004/02/skos/core#"
DCTERMS: Final = "http://purl.org/dc/terms/"
PROV: Final = "http://www.w3.org/ns/prov#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
RDF_NS: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS: Final = "http://www.w3.org/2000/01/rdf-schema#"
#: The project vocabulary (``graph/vocab.ttl``).
NG: Final = "https://w3id.org/newsgraph/vocab#"
#: The concept schemes of topics and tags.
TOPICS: Final = ID + "scheme/topics"
TAGS: Final = ID + "scheme/tags"

#: Prefixes used in Turtle and in the JSON-LD context.
PREFIXES: Final = {
    "schema": SCHEMA,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "xsd": XSD,
    "rdf": RDF_NS,
    "rdfs": RDFS,
    "ng": NG,
}

_TYPE: Final = RDF_NS + "type"
_LABEL: Final = RDFS + "label"
_STRING: Final = XSD + "string"
_INTEGER: Final = XSD + "integer"
_BOOLEAN: Final = XSD + "boolean"
_DATETIME: Final = XSD + "dateTime"
_JSON: Final = RDF_NS + "JSON"
_IRI: Final = ""  # the "datatype" of an IRI object in a Triple tuple
_SOURCE_PATH: Final = NG + "path"
_ATTRIBUTES: Final = NG + "attributes"

#: A triple as plain strings: subject, predicate, object, datatype ("" for an IRI object).
Triple = tuple[str, str, str, str]

# kind → its class (the first one decides the kind when reading back).
CLASSES: Final = {
    "article": SCHEMA + "NewsArticle",
    "provider": SCHEMA + "NewsMediaOrganization",
    "website": SCHEMA + "WebSite",
    "topic": SKOS + "Concept",
    "tag": SKOS + "Concept",
    "image": SCHEMA + "ImageObject",
    "person": SCHEMA + "Person",
    "organization": SCHEMA + "Organization",
}
_KIND_OF_CLASS: Final = {c: k for k, c in CLASSES.items() if k not in ("topic", "tag")}

# Genres with a more precise schema.org class (added beside schema:NewsArticle).
_GENRE_CLASSES: Final = {
    "analysis": SCHEMA + "AnalysisNewsArticle",
    "blog": SCHEMA + "BlogPosting",
    "opinion": SCHEMA + "OpinionNewsArticle",
    "report": SCHEMA + "Report",
    "review": SCHEMA + "ReviewNewsArticle",
    "video": SCHEMA + "VideoObject",
}

# kind → [(attribute, predicate, value type)]; "label" is common to every kind.
_STR, _INT, _BOOL, _DATE, _JSONV, _IRIV, _IRIS, _SOURCES = "str", "int", "bool", "date", "json", "iri", "iris", "src"
_ATTRS: Final[dict[str, list[tuple[str, str, str]]]] = {
    "article": [
        ("title", SCHEMA + "headline", _STR),
        ("excerpt", SCHEMA + "description", _STR),
        ("category", SCHEMA + "articleSection", _STR),
        ("genre", SCHEMA + "genre", _STR),
        ("published_at", SCHEMA + "datePublished", _DATE),
        ("updated_at", SCHEMA + "dateModified", _DATE),
        ("quality", NG + "quality", _INT),
        ("heat", NG + "heat", _INT),
        ("published", NG + "published", _BOOL),
        ("stub", NG + "stub", _BOOL),
        ("url", SCHEMA + "url", _IRIV),
        ("same_as", SCHEMA + "sameAs", _IRIS),
        ("sources", PROV + "wasDerivedFrom", _SOURCES),
        ("body", SCHEMA + "articleBody", _STR),
        ("featured_content", NG + "featuredContent", _JSONV),
        ("extra", NG + "extra", _JSONV),
    ],
    "provider": [("name", SCHEMA + "name", _STR), ("domain", NG + "domain", _STR), ("url", SCHEMA + "url", _IRIV)],
    "website": [("url", SCHEMA + "url", _IRIV), ("domain", NG + "domain", _STR)],
    "topic": [("key", SKOS + "hiddenLabel", _STR)],
    "tag": [("key", SKOS + "hiddenLabel", _STR)],
    "image": [
        ("url", SCHEMA + "contentUrl", _IRIV),
        ("width", SCHEMA + "width", _INT),
        ("height", SCHEMA + "height", _INT),
        ("title", SCHEMA + "caption", _STR),
        ("attribution", SCHEMA + "creditText", _STR),
        ("is_cached", NG + "isCached", _BOOL),
    ],
    "person": [("name", SCHEMA + "name", _STR)],
    "organization": [("name", SCHEMA + "name", _STR)],
}
_BY_PREDICATE: Final = {kind: {p: (a, t) for a, p, t in attrs} for kind, attrs in _ATTRS.items()}
_MAPPED: Final = {kind: frozenset(a for a, _, _ in attrs) for kind, attrs in _ATTRS.items()}

#: Edge relation → predicate.
PREDICATES: Final = {
    "published_by": SCHEMA + "publisher",
    "about": SCHEMA + "about",
    "tagged": SCHEMA + "keywords",
    "image": SCHEMA + "image",
    "author": SCHEMA + "author",
    "related": DCTERMS + "relation",
    "website": NG + "website",
    "logo": SCHEMA + "logo",
    "parent_organization": SCHEMA + "parentOrganization",
}
# (subject kind, predicate) → relation.
_EDGE_OF: Final = {(k, p): r for r, p in PREDICATES.items() for k in _ATTRS}


@lru_cache(maxsize=1 << 16)
def source_iri(path: str) -> str:
    """Return the IRI of a source file: :data:`~graph.identity.ID` ``source/`` + the percent-encoded path.

    The whole path is one percent-encoded segment, so the IRI is valid, unique
    per path and never resolved away (``..`` stays ``..``); ``ng:path`` holds
    the path as text.

    >>> source_iri("seeds/a b.md")
    'https://w3id.org/newsgraph/id/source/seeds%2Fa%20b.md'
    """
    return ID + "source/" + quote(path, safe="")


def _json(value: Any) -> str:
    from .model import to_jsonable

    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), default=to_jsonable)


def _fits(value: Any, vtype: str) -> bool:
    if vtype == _STR:
        return isinstance(value, str)
    if vtype == _INT:
        return isinstance(value, int) and not isinstance(value, bool)
    if vtype == _BOOL:
        return isinstance(value, bool)
    if vtype == _DATE:
        return isinstance(value, datetime)
    if vtype == _IRIV:
        return isinstance(value, str)
    if vtype in (_IRIS, _SOURCES):
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    return True  # JSON


def _objects(value: Any, vtype: str) -> Iterator[tuple[str, str]]:
    if vtype == _STR:
        yield value, _STRING
    elif vtype == _INT:
        yield str(value), _INTEGER
    elif vtype == _BOOL:
        yield ("true" if value else "false"), _BOOLEAN
    elif vtype == _DATE:
        yield value.isoformat(), _DATETIME
    elif vtype == _IRIV:
        yield value, _IRI
    elif vtype == _IRIS:
        for v in value:
            yield v, _IRI
    elif vtype == _SOURCES:
        for v in value:
            yield source_iri(v), _IRI
    else:
        yield _json(value), _JSON


def _graph_of(graph: nx.MultiDiGraph | KnowledgeGraph) -> nx.MultiDiGraph:
    return graph.graph if isinstance(graph, KnowledgeGraph) else graph


def rdf_triples(graph: nx.MultiDiGraph | KnowledgeGraph) -> list[Triple]:
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
    g = _graph_of(graph)
    return [t for _, triples in subjects(g) for t in triples]


#: The triples of the two concept schemes, by subject; every graph has them.
_SCHEMES: Final = {
    scheme: sorted(
        [
            (scheme, _TYPE, SKOS + "ConceptScheme", _IRI),
            (scheme, _LABEL, name, _STRING),
            (scheme, SKOS + "prefLabel", name, _STRING),
        ]
    )
    for scheme, name in ((TOPICS, "Topics"), (TAGS, "Tags"))
}


def source_paths(g: nx.MultiDiGraph) -> dict[str, str]:
    """Source file IRI → path, for every file an article of ``g`` came from."""
    return {source_iri(path): path for path in _sources(g)}


def _sources(g: nx.MultiDiGraph) -> set[str]:
    """The paths of the files the articles of ``g`` came from."""
    paths: set[str] = set()
    for _, data in g.nodes(data=True):
        if data.get("kind") == "article":
            sources = data.get("sources")
            if isinstance(sources, list):
                paths.update(p for p in sources if isinstance(p, str))
    return paths


def subject_keys(g: nx.MultiDiGraph) -> list[str]:
    """Every subject of the triples of ``g``, sorted: nodes, source files and the two schemes."""
    return sorted({*g.nodes, *source_paths(g), *_SCHEMES})


_SOURCE_PREFIX: Final = ID + "source/"


def subjects(g: nx.MultiDiGraph, keys: Iterable[str] | None = None) -> Iterator[tuple[str, list[Triple]]]:
    """Yield ``(subject, its sorted triples)`` for ``keys`` (default: :func:`subject_keys`), in that order.

    A key that is no subject of ``g`` (a node since removed, a file no longer
    read) yields an empty list. The triples of all subjects, in subject order,
    are :func:`rdf_triples`.
    """
    paths: set[str] | None = None
    for key in subject_keys(g) if keys is None else keys:
        triples = _node_triples(g, key) if key in g else []
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
                triples.append((key, _SOURCE_PATH, path, _STRING))
                triples.append((key, _TYPE, NG + "SourceFile", _IRI))
                triples.append((key, _TYPE, PROV + "Entity", _IRI))
            triples = sorted(set(triples))
        yield key, triples


def _node_triples(g: nx.MultiDiGraph, node: str) -> list[Triple]:
    """The sorted triples whose subject is ``node``: its class, attributes and out-edges."""
    data = g.nodes[node]
    out: list[Triple] = []
    add = out.append
    kind = data.get("kind")
    if kind not in _ATTRS:
        raise ValueError(f"node {node} has no known kind ({kind!r}); known: {', '.join(_ATTRS)}")
    add((node, _TYPE, CLASSES[kind], _IRI))
    other: dict[str, Any] = {}
    label = data.get("label")
    if isinstance(label, str):
        add((node, _LABEL, label, _STRING))
    elif label is not None:
        other["label"] = label
    if kind == "article":
        extra_class = _GENRE_CLASSES.get(str(data.get("genre", "")).casefold())
        if extra_class:
            add((node, _TYPE, extra_class, _IRI))
    elif kind in ("topic", "tag"):
        add((node, SKOS + "inScheme", TOPICS if kind == "topic" else TAGS, _IRI))
        if isinstance(label, str):
            add((node, SKOS + "prefLabel", label, _STRING))
        if kind == "tag" and data.get("place") is True:
            add((node, _TYPE, SCHEMA + "Place", _IRI))
    mapped = _MAPPED[kind]
    for attr, pred, vtype in _ATTRS[kind]:
        value = data.get(attr)
        if value is None:
            continue
        if not _fits(value, vtype):
            other[attr] = value
            continue
        for obj, dt in _objects(value, vtype):
            add((node, pred, obj, dt))
    for attr, value in data.items():
        if attr in ("kind", "label") or attr in mapped or value is None:
            continue
        if kind == "tag" and attr == "place" and isinstance(value, bool):
            continue
        other[attr] = value
    if other:
        add((node, _ATTRIBUTES, _json(other), _JSON))
    for v, keyed in g._succ[node].items():
        for key, edge in keyed.items():
            relation = edge.get("relation", key)
            edge_pred = PREDICATES.get(relation)
            if edge_pred is None:
                raise ValueError(
                    f"edge {node} → {v} has no known relation ({relation!r}); known: {', '.join(PREDICATES)}"
                )
            add((node, edge_pred, v, _IRI))
    return sorted(set(out))


def check_iris(triples: Iterable[Triple]) -> None:
    """Raise ``ValueError`` naming the first IRI a strict parser would refuse."""
    rows = triples if isinstance(triples, list) else list(triples)
    iris = {s for s, _, _, _ in rows}
    iris.update(o for _, _, o, dt in rows if dt == _IRI)
    for iri in sorted(iris):  # sorted: the error names the same IRI every time
        try:
            ox.NamedNode(iri)
        except ValueError as exc:
            raise ValueError(f"{iri!r} is not a valid IRI: {exc}") from exc


class IriChecker:
    """:func:`check_iris` for triples that come a few at a time; each IRI is checked once.

    >>> check = IriChecker()
    >>> check([("https://a.org/", SCHEMA + "url", "https://a.org/x", _IRI)])
    >>> check([("https://a.org/ x", SCHEMA + "url", "https://a.org/", _IRI)])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 'https://a.org/ x' is not a valid IRI: ...
    """

    def __init__(self) -> None:
        self.seen: set[str] = set()

    def __call__(self, triples: list[Triple]) -> None:
        seen = self.seen
        new = {s for s, _, _, _ in triples if s not in seen}
        new.update(o for _, _, o, dt in triples if dt == _IRI and o not in seen)
        for iri in sorted(new):  # sorted: the error names the same IRI every time
            try:
                ox.NamedNode(iri)
            except ValueError as exc:
                raise ValueError(f"{iri!r} is not a valid IRI: {exc}") from exc
            seen.add(iri)


def to_rdf(graph: nx.MultiDiGraph | KnowledgeGraph) -> Graph:
    """Return the graph as an :class:`rdflib.Graph` (prefixes bound as in :data:`PREFIXES`).

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("https://a.org/1", kind="article", label="A", title="A", url="https://a.org/1", stub=False)
    >>> from rdflib import URIRef
    >>> print(to_rdf(g).value(URIRef("https://a.org/1"), URIRef(SCHEMA + "headline")))
    A
    """
    triples = rdf_triples(graph)
    check_iris(triples)
    return to_rdflib_graph(triples)


def to_rdflib_graph(triples: Iterable[Triple]) -> Graph:
    """Return an :class:`rdflib.Graph` holding ``(s, p, o, datatype)`` triples, prefixes bound."""
    from rdflib import Graph, Literal, URIRef
    from rdflib.term import Node

    rdf = Graph()
    for prefix, ns in PREFIXES.items():
        rdf.bind(prefix, ns, replace=True)
    uris: dict[str, URIRef] = {}

    def uri(iri: str) -> URIRef:
        u = uris.get(iri)
        if u is None:
            u = uris[iri] = URIRef(iri)
        return u

    for s, p, o, dt in triples:
        obj: Node = uri(o) if dt == _IRI else Literal(o, datatype=None if dt == _STRING else uri(dt))
        rdf.add((uri(s), uri(p), obj))
    return rdf


def _from_rdflib(rdf: Graph) -> Iterator[Triple]:
    from rdflib import Literal, URIRef

    for s, p, o in rdf:
        if not isinstance(s, URIRef):
            continue
        if isinstance(o, URIRef):
            yield str(s), str(p), str(o), _IRI
        elif isinstance(o, Literal):
            yield str(s), str(p), str(o), str(o.datatype) if o.datatype else _STRING


def _from_ox(triples: Iterable[ox.Triple | ox.Quad]) -> Iterator[Triple]:
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if not isinstance(s, ox.NamedNode):
            continue
        if isinstance(o, ox.NamedNode):
            yield s.value, p.value, o.value, _IRI
        elif isinstance(o, ox.Literal):
            yield s.value, p.value, o.value, o.datatype.value


def _value(obj: str, dt: str, vtype: str) -> Any:
    if vtype == _INT:
        return int(obj)
    if vtype == _BOOL:
        return obj in ("true", "1")
    if vtype == _DATE:
        return datetime.fromisoformat(obj)
    if vtype == _JSONV:
        return json.loads(obj)
    return obj


def from_triples(triples: Iterable[Triple]) -> nx.MultiDiGraph:
    """Return the networkx graph described by ``(s, p, o, datatype)`` triples (see :func:`from_rdf`)."""
    by_subject: dict[str, list[tuple[str, str, str]]] = defaultdict(list)
    paths: dict[str, str] = {}
    for s, p, o, dt in triples:
        if p == _SOURCE_PATH:
            paths[s] = o
        by_subject[s].append((p, o, dt))
    kinds: dict[str, str] = {}
    for s, pos in by_subject.items():
        types = {o for p, o, _ in pos if p == _TYPE}
        schemes = {o for p, o, _ in pos if p == SKOS + "inScheme"}
        for cls, kind in _KIND_OF_CLASS.items():
            if cls in types:
                kinds[s] = kind
                break
        else:
            if SKOS + "Concept" in types and (TOPICS in schemes or TAGS in schemes):
                kinds[s] = "topic" if TOPICS in schemes else "tag"
    g = nx.MultiDiGraph()
    edges: list[tuple[str, str, str]] = []
    for s in sorted(kinds):
        kind = kinds[s]
        data: dict[str, Any] = {"kind": kind}
        known = _BY_PREDICATE[kind]
        lists: dict[str, list[str]] = {a: [] for a, _, t in _ATTRS[kind] if t in (_IRIS, _SOURCES)}
        if kind == "tag":
            data["place"] = False
        for p, o, dt in by_subject[s]:
            if p == _TYPE:
                if kind == "tag" and o == SCHEMA + "Place":
                    data["place"] = True
            elif p == _LABEL:
                data["label"] = o
            elif p == _ATTRIBUTES:
                data.update(json.loads(o))
            elif (kind, p) in _EDGE_OF:
                edges.append((s, o, _EDGE_OF[(kind, p)]))
            elif p in known:
                attr, vtype = known[p]
                if vtype == _IRIS:
                    lists[attr].append(o)
                elif vtype == _SOURCES:
                    lists[attr].append(paths.get(o, unquote(o.rpartition("/")[2])))
                else:
                    data[attr] = _value(o, dt, vtype)
        for attr, values in lists.items():
            data[attr] = sorted(values)
        g.add_node(s, **data)
    for u, v, rel in sorted(edges):
        if v in g:
            g.add_edge(u, v, rel, relation=rel)
    return g


def from_rdf(rdf: Graph) -> nx.MultiDiGraph:
    """Return the networkx graph that :func:`to_rdf` made ``rdf`` from.

    Lossless but for order: list attributes (``same_as``, ``sources``) come
    back sorted, and nodes in IRI order. Resources of no known class are
    skipped; so are triples the mapping does not know.

    >>> import networkx as nx
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("https://w3id.org/newsgraph/id/tag/gb", kind="tag", label="GB", key="gb", place=True)
    >>> sorted(from_rdf(to_rdf(g)).nodes["https://w3id.org/newsgraph/id/tag/gb"].items())
    [('key', 'gb'), ('kind', 'tag'), ('label', 'GB'), ('place', True)]
    """
    return from_triples(_from_rdflib(rdf))


#: File suffix → pyoxigraph format.
FORMATS: Final = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}


def read_rdf(path: str | os.PathLike[str]) -> nx.MultiDiGraph:
    """Read a ``.ttl``, ``.nt``, ``.nq``, ``.trig`` or ``.jsonld`` file back into the networkx graph.

    Parsed with pyoxigraph (strict); raises ``ValueError`` on a syntax error
    and ``OSError`` when the file cannot be read.
    """
    p = Path(path)
    fmt = FORMATS.get(p.suffix)
    if fmt is None:
        raise ValueError(f"unknown RDF file type {p.suffix!r}; known: {', '.join(FORMATS)}")
    with p.open("rb") as f:
        return from_triples(_from_ox(ox.parse(f, fmt)))


def write_rdf(graph: nx.MultiDiGraph | KnowledgeGraph | list[Triple], path: str | os.PathLike[str]) -> None:
    """Write ``graph`` to ``path`` as Turtle, N-Triples, N-Quads, TriG or JSON-LD (by suffix).

    Output is deterministic: the same graph gives the same bytes. N-Quads and
    TriG put each article's triples in the named graph of each of its source
    files (:func:`source_iri`), and everything else in the default graph.
    Raises ``ValueError`` naming an IRI that a strict parser would refuse.
    """
    p = Path(path)
    triples = graph if isinstance(graph, list) else rdf_triples(graph)
    if p.suffix not in FORMATS:
        raise ValueError(f"unknown RDF file type {p.suffix!r}; known: {', '.join(FORMATS)}")
    check_iris(triples)
    _write_checked(triples, p)


def _write_checked(triples: list[Triple], p: Path) -> None:
    """Write triples whose IRIs :func:`check_iris` has accepted, in the format of ``p``'s suffix."""
    if p.suffix == ".jsonld":
        text = jsonld_text(triples)
    elif p.suffix == ".ttl":
        text = turtle_text(triples)
    elif p.suffix == ".nt":
        text = ntriples_text(triples)
    elif p.suffix == ".nq":
        text = nquads_text(triples)
    else:
        data = ox.parse(nquads_text(triples).encode("utf-8"), ox.RdfFormat.N_QUADS)
        ox.serialize(data, str(p), ox.RdfFormat.TRIG, prefixes=PREFIXES)
        return
    p.write_text(text, encoding="utf-8", newline="\n")


_ESCAPES: Final = {
    **{c: f"\\u{c:04X}" for c in [*range(0x20), 0x7F]},
    ord("\\"): "\\\\",
    ord('"'): '\\"',
    ord("\n"): "\\n",
    ord("\r"): "\\r",
    ord("\t"): "\\t",
    ord("\b"): "\\b",
    ord("\f"): "\\f",
}


_NEEDS_ESCAPE: Final = re.compile(r'[\x00-\x1f\x7f"\\\\]')


def _escape(text: str) -> str:
    return text.translate(_ESCAPES) if _NEEDS_ESCAPE.search(text) else text


def _literal(o: str, dt: str) -> str:
    text = '"' + _escape(o) + '"'
    return text if dt == _STRING else f"{text}^^<{dt}>"


def _nt_lines(triples: Iterable[Triple]) -> Iterator[str]:
    for s, p, o, dt in triples:
        obj = f"<{o}>" if dt == _IRI else _literal(o, dt)
        yield f"<{s}> <{p}> {obj} .\n"


def ntriples_text(triples: list[Triple]) -> str:
    """Return N-Triples for ``triples`` (sorted, as :func:`rdf_triples` gives them).

    >>> print(ntriples_text([("https://a.org/", SCHEMA + "name", 'A "b"', _STRING)]), end="")
    <https://a.org/> <https://schema.org/name> "A \\"b\\"" .
    """
    return "".join(_nt_lines(triples))


def nquads_text(triples: list[Triple]) -> str:
    """Return N-Quads: an article's triples in the named graph of each of its source files."""
    article_sources: dict[str, list[str]] = defaultdict(list)
    for s, p, o, _ in triples:
        if p == PROV + "wasDerivedFrom":
            article_sources[s].append(o)
    out: list[str] = []
    for t, line in zip(triples, _nt_lines(triples), strict=True):
        sources = article_sources.get(t[0])
        if sources is None:
            out.append(line)
        else:
            out.extend(f"{line[:-3]} <{src}> .\n" for src in sources)
    out.sort()
    return "".join(out)


_SIMPLE_LOCAL: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TTL_INTEGER: Final = re.compile(r"^-?[0-9]+$")


def _ttl_iri(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and _SIMPLE_LOCAL.match(iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def turtle_text(triples: list[Triple]) -> str:
    """Return Turtle for sorted ``triples``: prefixes, one block per subject, deterministic.

    >>> print(turtle_text([("https://a.org/", _TYPE, SCHEMA + "WebSite", _IRI),
    ...                    ("https://a.org/", NG + "domain", "a.org", _STRING)]), end="")
    @prefix dcterms: <http://purl.org/dc/terms/> .
    @prefix ng: <https://w3id.org/newsgraph/vocab#> .
    @prefix prov: <http://www.w3.org/ns/prov#> .
    @prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
    @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    @prefix schema: <https://schema.org/> .
    @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
    @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    <BLANKLINE>
    <https://a.org/> a schema:WebSite ;
        ng:domain "a.org" .
    """
    block = TurtleBlocks()
    return TURTLE_HEADER + "".join(block(group) for group in _by_subject(triples))


def _by_subject(triples: list[Triple]) -> Iterator[list[Triple]]:
    """The runs of sorted ``triples`` that share a subject."""
    start = 0
    for i in range(1, len(triples) + 1):
        if i == len(triples) or triples[i][0] != triples[start][0]:
            yield triples[start:i]
            start = i


#: The start of every Turtle file: the prefixes.
TURTLE_HEADER: Final = "".join(f"@prefix {prefix}: <{ns}> .\n" for prefix, ns in sorted(PREFIXES.items()))


class TurtleBlocks:
    """Turtle for the sorted triples of one subject at a time (``"\\n<s> p o ;\\n    p o .\\n"``).

    Joined after :data:`TURTLE_HEADER`, the blocks of all subjects in order
    are :func:`turtle_text`. Keeps the prefixed names it has made.
    """

    def __init__(self) -> None:
        self.terms: dict[str, str] = {}

    def term(self, iri: str) -> str:
        """``iri`` as a prefixed name when it is one, else ``<iri>``."""
        t = self.terms.get(iri)
        if t is None:
            t = self.terms[iri] = _ttl_iri(iri)
        return t

    def __call__(self, triples: list[Triple]) -> str:
        term = self.term
        out: list[str] = []
        predicate = None
        for s, p, o, dt in triples:
            if dt == _IRI:
                obj = term(o) if o.startswith((SCHEMA, SKOS, PROV, NG)) and p == _TYPE else f"<{o}>"
            elif (dt == _INTEGER and _TTL_INTEGER.match(o)) or (dt == _BOOLEAN and o in ("true", "false")):
                obj = o
            elif dt == _STRING:
                obj = '"' + _escape(o) + '"'
            else:
                obj = '"' + o.translate(_ESCAPES) + '"^^' + term(dt)
            if predicate is None:
                out.append(f"\n<{s}> {'a' if p == _TYPE else term(p)} {obj}")
                predicate = p
            elif p != predicate:
                out.append(f" ;\n    {'a' if p == _TYPE else term(p)} {obj}")
                predicate = p
            else:
                out.append(f" ,\n        {obj}")
        if predicate is not None:
            out.append(" .\n")
        return "".join(out)


# ----------------------------------------------------------------------------- JSON-LD

_TERMS: Final = {  # predicate → (term, coercion)
    SCHEMA + "headline": ("headline", None),
    SCHEMA + "description": ("description", None),
    SCHEMA + "articleSection": ("articleSection", None),
    SCHEMA + "genre": ("genre", None),
    SCHEMA + "datePublished": ("datePublished", _DATETIME),
    SCHEMA + "dateModified": ("dateModified", _DATETIME),
    SCHEMA + "url": ("url", _IRI),
    SCHEMA + "sameAs": ("sameAs", _IRI),
    SCHEMA + "articleBody": ("articleBody", None),
    SCHEMA + "name": ("name", None),
    SCHEMA + "publisher": ("publisher", _IRI),
    SCHEMA + "about": ("about", _IRI),
    SCHEMA + "keywords": ("keywords", _IRI),
    SCHEMA + "image": ("image", _IRI),
    SCHEMA + "author": ("author", _IRI),
    SCHEMA + "logo": ("logo", _IRI),
    SCHEMA + "parentOrganization": ("parentOrganization", _IRI),
    SCHEMA + "contentUrl": ("contentUrl", _IRI),
    SCHEMA + "width": ("width", None),
    SCHEMA + "height": ("height", None),
    SCHEMA + "caption": ("caption", None),
    SCHEMA + "creditText": ("creditText", None),
    DCTERMS + "relation": ("relation", _IRI),
    PROV + "wasDerivedFrom": ("wasDerivedFrom", _IRI),
    _LABEL: ("label", None),
    SKOS + "prefLabel": ("prefLabel", None),
    SKOS + "hiddenLabel": ("hiddenLabel", None),
    SKOS + "inScheme": ("inScheme", _IRI),
    NG + "quality": ("quality", None),
    NG + "heat": ("heat", None),
    NG + "published": ("published", None),
    NG + "stub": ("stub", None),
    NG + "isCached": ("isCached", None),
    NG + "domain": ("domain", None),
    NG + "path": ("path", None),
    NG + "featuredContent": ("featuredContent", _JSON),
    NG + "extra": ("extra", _JSON),
    NG + "attributes": ("attributes", _JSON),
}


def _compact(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and iri != ns:
            return f"{prefix}:{iri[len(ns) :]}"
    return iri


def _context() -> dict[str, Any]:
    ctx: dict[str, Any] = {"@vocab": SCHEMA, **PREFIXES}
    for pred, (term, coercion) in _TERMS.items():
        iri = pred[len(SCHEMA) :] if pred.startswith(SCHEMA) else _compact(pred)
        if coercion is None:
            ctx[term] = iri if iri != term else {"@id": iri}
        else:
            ctx[term] = {"@id": iri, "@type": "@id" if coercion == _IRI else _compact(coercion)}
    return ctx


#: The JSON-LD ``@context`` of ``graph.jsonld``: schema.org terms bare, the rest prefixed.
CONTEXT: Final = _context()

_MAX_SAFE: Final = 2**53


def _jsonld_value(o: str, dt: str, coercion: str | None) -> Any:
    if dt == _IRI:
        return o if coercion == _IRI else {"@id": o}
    if coercion is not None and dt == coercion:
        return o
    if coercion is None:
        if dt == _STRING:
            return o
        if dt == _INTEGER and o.lstrip("-").isdigit() and str(int(o)) == o and abs(int(o)) < _MAX_SAFE:
            return int(o)
        if dt == _BOOLEAN and o in ("true", "false"):
            return o == "true"
    return {"@value": o, "@type": _compact(dt)}


def jsonld_text(triples: list[Triple]) -> str:
    """Return compact JSON-LD (``{"@context": ..., "@graph": [...]}``) for sorted ``triples``.

    One node object per line, nodes in IRI order, so the text is deterministic.
    """
    return JSONLD_HEAD + JSONLD_SEP.join(jsonld_block(group) for group in _by_subject(triples)) + JSONLD_TAIL


_dumps_compact: Final = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
#: A JSON-LD file is the head, the node objects joined by the separator, then the tail.
JSONLD_HEAD: Final = '{"@context":' + _dumps_compact(CONTEXT) + ',\n"@graph":[\n'
JSONLD_SEP: Final = ",\n"
JSONLD_TAIL: Final = "\n]}\n"


def jsonld_block(triples: list[Triple]) -> str:
    """The JSON-LD node object (one line) of the sorted triples of one subject."""
    current: dict[str, Any] = {"@id": triples[0][0]} if triples else {}
    for _, p, o, dt in triples:
        if p == _TYPE and dt == _IRI:
            key, value = "@type", (o[len(SCHEMA) :] if o.startswith(SCHEMA) else _compact(o))
        elif p in _TERMS:
            key, coercion = _TERMS[p]
            value = _jsonld_value(o, dt, coercion)
        else:
            key, value = _compact(p), _jsonld_value(o, dt, None)
        if key in current:
            old = current[key]
            if isinstance(old, list):
                old.append(value)
            else:
                current[key] = [old, value]
        else:
            current[key] = value
    return _dumps_compact(current) if triples else ""


def nt_block(triples: list[Triple]) -> str:
    """N-Triples lines for ``triples`` (:func:`ntriples_text` without the list)."""
    return "".join(_nt_lines(triples))


# ----------------------------------------------------------------------------- build outputs


def write_build_file(kg: KnowledgeGraph, path: Path) -> None:
    """Write one RDF output of a build (``graph.ttl``, ``.nt``, ``.jsonld``, ``.nq``); see :func:`write_rdf`."""
    if path.suffix not in FORMATS:
        raise ValueError(f"unknown RDF file type {path.suffix!r}; known: {', '.join(FORMATS)}")
    triples = rdf_triples(kg)
    check_iris(triples)
    _write_checked(triples, path)
