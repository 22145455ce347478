"""The rdflib API: :func:`to_rdf` gives an :class:`rdflib.Graph`, :func:`from_rdf` reads one back.

The only module of :mod:`graph.rdf` that imports rdflib, and only when one
of its functions is called: a build does not need rdflib.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("https://w3id.org/newsgraph/id/tag/gb", kind="tag", label="GB", key="gb")
>>> sorted(from_rdf(to_rdf(g)).nodes["https://w3id.org/newsgraph/id/tag/gb"].items())
[('key', 'gb'), ('kind', 'tag'), ('label', 'GB')]
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

import networkx as nx

from ..model import KnowledgeGraph
from .mapping import check_iris, rdf_triples
from .reading import from_triples
from .vocab import IRI, PREFIXES, XSD_STRING, Triple

if TYPE_CHECKING:  # rdflib is imported when first used
    from rdflib import Graph

__all__ = ["from_rdf", "to_rdf", "to_rdflib_graph"]


def to_rdf(graph: nx.MultiDiGraph | KnowledgeGraph) -> Graph:
    """Return the graph as an :class:`rdflib.Graph` (prefixes bound as in :data:`~graph.rdf.vocab.PREFIXES`).

    >>> import networkx as nx
    >>> from rdflib import URIRef
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("https://a.org/1", kind="article", label="A", title="A", url="https://a.org/1", stub=False)
    >>> print(to_rdf(g).value(URIRef("https://a.org/1"), URIRef("https://schema.org/headline")))
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
        obj: Node = uri(o) if dt == IRI else Literal(o, datatype=None if dt == XSD_STRING else uri(dt))
        rdf.add((uri(s), uri(p), obj))
    return rdf


def from_rdf(rdf: Graph) -> nx.MultiDiGraph:
    """Return the networkx graph that :func:`to_rdf` made ``rdf`` from (see :func:`~graph.rdf.reading.from_triples`).

    Lossless but for order: list attributes (``same_as``, ``sources``) come
    back sorted, and nodes in IRI order. Resources of no known class are
    skipped; so are triples the mapping does not know.
    """
    return from_triples(_rdflib_triples(rdf))


def _rdflib_triples(rdf: Graph) -> Iterator[Triple]:
    from rdflib import Literal, URIRef

    for s, p, o in rdf:
        if not isinstance(s, URIRef):
            continue
        if isinstance(o, URIRef):
            yield str(s), str(p), str(o), IRI
        elif isinstance(o, Literal):
            yield str(s), str(p), str(o), str(o.datatype) if o.datatype else XSD_STRING
