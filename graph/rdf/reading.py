"""Triples back into the networkx graph: :func:`from_triples`, and :func:`read_rdf` for a file.

The tables of :mod:`graph.rdf.vocab` read backwards: a subject's class gives
its kind (a ``skos:Concept`` is a topic or a tag by its scheme), a known
predicate its attribute or edge, ``ng:attributes`` the rest. Lossless but
for order: list attributes come back sorted (RDF has sets, not lists), nodes
in IRI order. Resources of no known class are skipped, and so are the
derived counts of :mod:`graph.rdf.summary`; so are triples the mapping does not know.

>>> from graph.rdf.mapping import rdf_triples
>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_node("https://w3id.org/newsgraph/id/tag/gb", kind="tag", label="GB", key="gb")
>>> sorted(from_triples(rdf_triples(g)).nodes["https://w3id.org/newsgraph/id/tag/gb"].items())
[('key', 'gb'), ('kind', 'tag'), ('label', 'GB')]
"""

from __future__ import annotations

import json
import os
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import networkx as nx
import pyoxigraph as ox

from .summary import is_summary
from .vocab import (
    ATTRIBUTES,
    ATTRS,
    BOOL,
    BY_PREDICATE,
    DATE,
    DECIMAL,
    EDGE_OF,
    FORMATS,
    INT,
    IRI,
    IRI_LIST,
    JSON_VALUE,
    KIND_OF_CLASS,
    RDF_TYPE,
    RDFS_LABEL,
    SKOS,
    SOURCE_LIST,
    SOURCE_PATH,
    TAGS,
    TOPICS,
    Triple,
)

__all__ = ["from_triples", "ox_triples", "read_rdf"]

#: A subject's triples without the subject: predicate, object, datatype.
_Pair = tuple[str, str, str]


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
        return from_triples(ox_triples(ox.parse(f, fmt)))


def ox_triples(triples: Iterable[ox.Triple | ox.Quad]) -> Iterator[Triple]:
    """The pyoxigraph triples (or quads: the graph name is dropped) with an IRI subject, as :data:`Triple`."""
    for t in triples:
        s, p, o = t.subject, t.predicate, t.object
        if not isinstance(s, ox.NamedNode):
            continue
        if isinstance(o, ox.NamedNode):
            yield s.value, p.value, o.value, IRI
        elif isinstance(o, ox.Literal):
            yield s.value, p.value, o.value, o.datatype.value


def from_triples(triples: Iterable[Triple]) -> nx.MultiDiGraph:
    """Return the networkx graph described by ``(s, p, o, datatype)`` triples (see :mod:`graph.rdf.reading`)."""
    by_subject: dict[str, list[_Pair]] = defaultdict(list)
    paths: dict[str, str] = {}
    for s, p, o, dt in triples:
        if p == SOURCE_PATH:
            paths[s] = o
        by_subject[s].append((p, o, dt))
    # The summary's counts are made again from the graph on writing (graph.rdf.summary), never read.
    kinds = {s: kind for s, pos in by_subject.items() if not is_summary(s) and (kind := _kind(pos)) is not None}
    g = nx.MultiDiGraph()
    edges: list[tuple[str, str, str]] = []
    for s in sorted(kinds):
        g.add_node(s, **_node_data(s, kinds[s], by_subject[s], paths, edges))
    for u, v, rel in sorted(edges):
        if v in g:
            g.add_edge(u, v, rel, relation=rel)
    return g


def _kind(pos: list[_Pair]) -> str | None:
    """The kind of a subject with these triples, by its class (and a concept's scheme); None if it has none."""
    types = {o for p, o, _ in pos if p == RDF_TYPE}
    for cls, kind in KIND_OF_CLASS.items():
        if cls in types:
            return kind
    if SKOS + "Concept" in types:
        schemes = {o for p, o, _ in pos if p == SKOS + "inScheme"}
        if TOPICS in schemes:
            return "topic"
        if TAGS in schemes:
            return "tag"
    return None


def _node_data(
    s: str, kind: str, pos: list[_Pair], paths: dict[str, str], edges: list[tuple[str, str, str]]
) -> dict[str, Any]:
    """The attributes of the node ``s`` of ``kind``; its out-edges are added to ``edges``."""
    data: dict[str, Any] = {"kind": kind}
    known = BY_PREDICATE[kind]
    lists: dict[str, list[str]] = {a: [] for a, _, t in ATTRS[kind] if t in (IRI_LIST, SOURCE_LIST)}
    for p, o, _ in pos:
        if p == RDF_TYPE:
            pass  # the kind's own class (or a genre's): the kind is known already
        elif p == RDFS_LABEL:
            data["label"] = o
        elif p == ATTRIBUTES:
            data.update(json.loads(o))
        elif (kind, p) in EDGE_OF:
            edges.append((s, o, EDGE_OF[(kind, p)]))
        elif p in known:
            attr, vtype = known[p]
            if attr in lists:
                lists[attr].append(paths.get(o, unquote(o.rpartition("/")[2])) if vtype == SOURCE_LIST else o)
            else:
                data[attr] = _value(o, vtype)
    for attr, values in lists.items():
        data[attr] = sorted(values)
    return data


def _value(obj: str, vtype: str) -> Any:
    if vtype == INT:
        return int(obj)
    if vtype == DECIMAL:
        return float(obj)
    if vtype == BOOL:
        return obj in ("true", "1")
    if vtype == DATE:
        return datetime.fromisoformat(obj)
    if vtype == JSON_VALUE:
        return json.loads(obj)
    return obj
