"""The triples as text: N-Triples, N-Quads, Turtle and JSON-LD, whole or one subject's block at a time.

Hand-written serializers, deterministic: the same sorted triples
(:func:`graph.rdf.mapping.rdf_triples`) give the same bytes. Each format is
a head, one block per subject in subject order, and a tail, so a rebuild can
rewrite the blocks of the subjects that changed (:mod:`graph.blocks`):

========== ===================== =================== =====================
format     head                  block               tail
========== ===================== =================== =====================
N-Triples  ``""``                :func:`nt_block`    ``""``
Turtle     :data:`TURTLE_HEADER` :class:`TurtleBlocks` ``""``
JSON-LD    :data:`JSONLD_HEAD`   :func:`jsonld_block` :data:`JSONLD_TAIL`
           (blocks joined by :data:`JSONLD_SEP`)
========== ===================== =================== =====================

:func:`write_rdf` writes a whole file; only TriG goes through pyoxigraph's
serializer. Every IRI is checked first (:func:`graph.rdf.mapping.check_iris`).
"""

from __future__ import annotations

import json
import os
import re
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Final

import networkx as nx
import pyoxigraph as ox

from ..model import KnowledgeGraph
from .mapping import check_iris, rdf_triples
from .vocab import (
    DCTERMS,
    FORMATS,
    IRI,
    NG,
    PREFIXES,
    PROV,
    RDF_JSON,
    RDF_TYPE,
    RDFS_LABEL,
    SCHEMA,
    SKOS,
    XSD_BOOLEAN,
    XSD_DATETIME,
    XSD_INTEGER,
    XSD_STRING,
    Triple,
)

__all__ = [
    "CONTEXT",
    "JSONLD_HEAD",
    "JSONLD_SEP",
    "JSONLD_TAIL",
    "TURTLE_HEADER",
    "TurtleBlocks",
    "jsonld_block",
    "jsonld_text",
    "nquads_text",
    "nt_block",
    "ntriples_text",
    "turtle_text",
    "write_rdf",
]


def write_rdf(graph: nx.MultiDiGraph | KnowledgeGraph | list[Triple], path: str | os.PathLike[str]) -> None:
    """Write ``graph`` to ``path`` as Turtle, N-Triples, N-Quads, TriG or JSON-LD (by suffix).

    Output is deterministic: the same graph gives the same bytes. N-Quads and
    TriG put each article's triples in the named graph of each of its source
    files (:func:`~graph.rdf.mapping.source_iri`), and everything else in the
    default graph. Raises ``ValueError`` naming an IRI that a strict parser
    would refuse.
    """
    p = Path(path)
    triples = graph if isinstance(graph, list) else rdf_triples(graph)
    if p.suffix not in FORMATS:
        raise ValueError(f"unknown RDF file type {p.suffix!r}; known: {', '.join(FORMATS)}")
    check_iris(triples)
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


# ----------------------------------------------------------------------------- N-Triples, N-Quads

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
    return text if dt == XSD_STRING else f"{text}^^<{dt}>"


def _nt_lines(triples: Iterable[Triple]) -> Iterator[str]:
    for s, p, o, dt in triples:
        obj = f"<{o}>" if dt == IRI else _literal(o, dt)
        yield f"<{s}> <{p}> {obj} .\n"


def ntriples_text(triples: list[Triple]) -> str:
    """Return N-Triples for ``triples`` (sorted, as :func:`~graph.rdf.mapping.rdf_triples` gives them).

    >>> print(ntriples_text([("https://a.org/", SCHEMA + "name", 'A "b"', XSD_STRING)]), end="")
    <https://a.org/> <https://schema.org/name> "A \\"b\\"" .
    """
    return "".join(_nt_lines(triples))


def nt_block(triples: list[Triple]) -> str:
    """N-Triples lines for ``triples`` (:func:`ntriples_text` without the list)."""
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


# ----------------------------------------------------------------------------- Turtle

_SIMPLE_LOCAL: Final = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_TTL_INTEGER: Final = re.compile(r"^-?[0-9]+$")


def _ttl_iri(iri: str) -> str:
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and _SIMPLE_LOCAL.match(iri[len(ns) :]):
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def turtle_text(triples: list[Triple]) -> str:
    """Return Turtle for sorted ``triples``: prefixes, one block per subject, deterministic.

    >>> print(turtle_text([("https://a.org/", RDF_TYPE, SCHEMA + "WebSite", IRI),
    ...                    ("https://a.org/", NG + "domain", "a.org", XSD_STRING)]), end="")
    @prefix dcterms: <http://purl.org/dc/terms/> .
    @prefix ng: <https://w3id.org/newsgraph/vocab#> .
    @prefix prov: <http://www.w3.org/ns/prov#> .
    @prefix qb: <http://purl.org/linked-data/cube#> .
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
            if dt == IRI:
                obj = term(o) if o.startswith((SCHEMA, SKOS, PROV, NG)) and p == RDF_TYPE else f"<{o}>"
            elif (dt == XSD_INTEGER and _TTL_INTEGER.match(o)) or (dt == XSD_BOOLEAN and o in ("true", "false")):
                obj = o
            elif dt == XSD_STRING:
                obj = '"' + _escape(o) + '"'
            else:
                obj = '"' + o.translate(_ESCAPES) + '"^^' + term(dt)
            if predicate is None:
                out.append(f"\n<{s}> {'a' if p == RDF_TYPE else term(p)} {obj}")
                predicate = p
            elif p != predicate:
                out.append(f" ;\n    {'a' if p == RDF_TYPE else term(p)} {obj}")
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
    SCHEMA + "datePublished": ("datePublished", XSD_DATETIME),
    SCHEMA + "dateModified": ("dateModified", XSD_DATETIME),
    SCHEMA + "url": ("url", IRI),
    SCHEMA + "sameAs": ("sameAs", IRI),
    SCHEMA + "articleBody": ("articleBody", None),
    SCHEMA + "name": ("name", None),
    SCHEMA + "publisher": ("publisher", IRI),
    SCHEMA + "about": ("about", IRI),
    SCHEMA + "keywords": ("keywords", IRI),
    SCHEMA + "image": ("image", IRI),
    SCHEMA + "author": ("author", IRI),
    SCHEMA + "logo": ("logo", IRI),
    SCHEMA + "parentOrganization": ("parentOrganization", IRI),
    SCHEMA + "contentUrl": ("contentUrl", IRI),
    SCHEMA + "width": ("width", None),
    SCHEMA + "height": ("height", None),
    SCHEMA + "caption": ("caption", None),
    SCHEMA + "creditText": ("creditText", None),
    DCTERMS + "relation": ("relation", IRI),
    PROV + "wasDerivedFrom": ("wasDerivedFrom", IRI),
    RDFS_LABEL: ("label", None),
    SKOS + "prefLabel": ("prefLabel", None),
    SKOS + "hiddenLabel": ("hiddenLabel", None),
    SKOS + "inScheme": ("inScheme", IRI),
    NG + "quality": ("quality", None),
    NG + "heat": ("heat", None),
    NG + "published": ("published", None),
    NG + "stub": ("stub", None),
    NG + "isCached": ("isCached", None),
    NG + "domain": ("domain", None),
    NG + "path": ("path", None),
    NG + "featuredContent": ("featuredContent", RDF_JSON),
    NG + "extra": ("extra", RDF_JSON),
    NG + "attributes": ("attributes", RDF_JSON),
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
            ctx[term] = {"@id": iri, "@type": "@id" if coercion == IRI else _compact(coercion)}
    return ctx


#: The JSON-LD ``@context`` of ``graph.jsonld``: schema.org terms bare, the rest prefixed.
CONTEXT: Final = _context()

_MAX_SAFE: Final = 2**53


def _jsonld_value(o: str, dt: str, coercion: str | None) -> Any:
    if dt == IRI:
        return o if coercion == IRI else {"@id": o}
    if coercion is not None and dt == coercion:
        return o
    if coercion is None:
        if dt == XSD_STRING:
            return o
        if dt == XSD_INTEGER and o.lstrip("-").isdigit() and str(int(o)) == o and abs(int(o)) < _MAX_SAFE:
            return int(o)
        if dt == XSD_BOOLEAN and o in ("true", "false"):
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
        if p == RDF_TYPE and dt == IRI:
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
