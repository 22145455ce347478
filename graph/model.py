"""The knowledge graph: a networkx ``MultiDiGraph`` plus the build report.

networkx is the hub: RDF, HTML, exports and analysis all derive from
:attr:`KnowledgeGraph.graph`. Node ids are IRIs (strings). Every node has a
``kind`` from :data:`KINDS` and a display ``label``; every edge has a
``relation`` from :data:`RELATIONS` and is keyed by it, so there is at most
one edge of a relation between two nodes.

Node kinds and their attributes:

========== =====================================================================
kind       attributes (besides ``kind`` and ``label``)
========== =====================================================================
article    title, excerpt, category, genre, published_at, updated_at (aware
           datetimes), quality, heat, published, url, same_as (list of IRIs),
           sources (files it came from), stub (True when only known from
           ``related`` lists), body, featured_content, extra (unknown fields)
provider   name, domain, url (an outlet: one per domain *and* name; url is https://DOMAIN/)
website    domain, url (``https://DOMAIN/``; shared by the outlets of one domain)
topic      key (normalized label)
tag        key (a tag naming a place links to it: ``names_place``)
image      url, width, height, title, attribution, is_cached
person     name (from ``provider.authors``); a profile's person has the article
           attributes instead (title is the name, excerpt the bio, location, url,
           same_as, sources, stub, extra: :mod:`graph.read.items`)
organization name (from ``provider.publishers`` and profiles' ``affiliation``)
place      name, code (ISO 3166: ``GB``, ``US-CA``), place_type (country, subdivision), lat, lon
collection a site's collection: the article attributes (title, excerpt, published_at, ...)
event      a site's event: title, excerpt, published_at (its start), end_at, location, url, ...
story      size, outlets, first_published, last_published, generated_by (found, :mod:`graph.enrich`)
inference  subject, predicate, object, score, method, generated_by (one inferred link or copy)
activity   method, parameters (the story detection that made the inferred facts)
========== =====================================================================

Relations (edge ``relation``, from → to):

=================== ======================= ==================================
relation            from → to               from the field
=================== ======================= ==================================
published_by        article → provider      ``provider``
about               article → topic         ``topics``
tagged              article → tag           ``tags``
image               article → image         ``images``
author              article → person        ``provider.authors``
related             article → article       ``related``
website             provider → website      ``provider.domain``
logo                provider → image        ``provider.images``
parent_organization provider → organization ``provider.publishers``
content_location    article → place         ``tags`` naming places
contained_in        place → place           a subdivision's country
names_place         tag → place             ``tags``
part_of             article → story         found (:mod:`graph.enrich`)
inferred_related    article → article       found: same story, no publisher's link
copy_of             article → article       found: a near-identical later copy
first_outlet        story → provider        found: the outlet of its first article
has_part            collection → article    ``items`` (site ids of the parts)
provided_by         collection → provider   ``provider``
organizer           event → provider        ``provider``
affiliation         person → organization   a profile's ``affiliation``
knows_about         person → topic, tag     a profile's ``topics`` and ``tags``
subject             collection, event →     ``topics`` and ``tags``
                    topic, tag
website             person, organization →  a profile's ``website``, an affiliation's ``domain``
                    website
channel             person → provider       found: an outlet of a profile's name
=================== ======================= ==================================

>>> kg = KnowledgeGraph.empty()
>>> kg.graph.number_of_nodes(), kg.report.files.seen
(0, 0)
"""

from __future__ import annotations

import json
import os
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import networkx as nx

from .errors import NewsgraphError, OutputError
from .hooks import query_engine, set_query_engine
from .records import Diagnostic

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "KINDS",
    "RELATIONS",
    "BuildReport",
    "FileCounts",
    "KnowledgeGraph",
    "attributes",
    "load",
    "predecessors",
    "set_query_engine",
    "successors",
    "to_jsonable",
]

KINDS: Final = (
    "article",
    "provider",
    "website",
    "topic",
    "tag",
    "image",
    "person",
    "organization",
    "place",
    "collection",
    "event",
    "story",
    "inference",
    "activity",
)
RELATIONS: Final = (
    "published_by",
    "about",
    "tagged",
    "image",
    "author",
    "related",
    "website",
    "logo",
    "parent_organization",
    "content_location",
    "contained_in",
    "names_place",
    "part_of",
    "inferred_related",
    "copy_of",
    "first_outlet",
    "has_part",
    "provided_by",
    "organizer",
    "affiliation",
    "knows_about",
    "subject",
    "channel",
)

#: node → successor → edge key → edge attributes (read only).
Adjacency = Mapping[str, Mapping[str, Mapping[Any, dict[str, Any]]]]


# The three functions below are the one place that reads networkx's own dicts (``_node``, ``_succ``,
# ``_pred``; the dict-of-dicts its docs describe under "Subclasses") instead of its views. The
# views build an object per lookup: on the shared corpus (2026-11-30) the RDF mapping took 373 ms
# through ``g.out_edges(node, keys=True, data=True)`` against 310 ms through these dicts, the
# node-link blocks' edges 83 against 38 ms, the page shapes 103 against 53 ms, the report's count 24
# against 12 ms. Everything else uses the public API; nothing writes through these.


def attributes(g: nx.MultiDiGraph) -> Mapping[str, dict[str, Any]]:
    """node → its attribute dict, for loops over the whole graph.

    >>> g = nx.MultiDiGraph(); g.add_node("a", kind="tag"); attributes(g)["a"]
    {'kind': 'tag'}
    """
    return g._node  # type: ignore[no-any-return]


def successors(g: nx.MultiDiGraph) -> Adjacency:
    """node → successor → key → edge attributes (the out-edges), for loops over many nodes.

    >>> g = nx.MultiDiGraph(); _ = g.add_edge("a", "t", key="about", relation="about")
    >>> dict(successors(g)["a"]["t"])
    {'about': {'relation': 'about'}}
    """
    return g._succ  # type: ignore[no-any-return]


def predecessors(g: nx.MultiDiGraph) -> Adjacency:
    """node → predecessor → key → edge attributes (the in-edges)."""
    return g._pred  # type: ignore[no-any-return]


@dataclass(slots=True)
class FileCounts:
    """How many files were seen, gave an article (built), or did not (failed).

    ``cached`` counts the files whose parse was reused from the last build.
    """

    seen: int = 0
    built: int = 0
    failed: int = 0
    cached: int = 0


@dataclass(slots=True)
class BuildReport:
    """What a build did: file counts, diagnostics, node and edge counts, timings."""

    files: FileCounts = field(default_factory=FileCounts)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    nodes: dict[str, int] = field(default_factory=dict)
    edges: dict[str, int] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def errors(self) -> list[Diagnostic]:
        """The diagnostics of severity ``error``."""
        return [d for d in self.diagnostics if d.severity == "error"]

    def add_file(self, built: bool, diagnostics: Iterable[Diagnostic] = ()) -> None:
        """Tally one file read: ``built`` when it gave an article, else failed; keep its ``diagnostics``.

        Every build kind counts its files here (``files.seen`` is set when the sources are found).

        >>> r = BuildReport()
        >>> r.add_file(True); r.add_file(False)
        >>> r.files.built, r.files.failed
        (1, 1)
        """
        if built:
            self.files.built += 1
        else:
            self.files.failed += 1
        self.diagnostics.extend(diagnostics)

    def count(self, graph: nx.MultiDiGraph) -> None:
        """Fill :attr:`nodes` and :attr:`edges` from ``graph``."""
        nodes = Counter(data.get("kind") for data in attributes(graph).values())
        edges = Counter(
            data.get("relation")
            for adjacent in successors(graph).values()
            for keyed in adjacent.values()
            for data in keyed.values()
        )
        self.nodes = {k: nodes[k] for k in KINDS if nodes[k]}
        self.edges = {r: edges[r] for r in RELATIONS if edges[r]}

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> BuildReport:
        """Read the ``report.json`` form back (what :meth:`to_dict` wrote).

        >>> r = BuildReport(nodes={"article": 2}, edges={"related": 1})
        >>> BuildReport.from_dict(r.to_dict()) == r
        True
        """
        return cls(
            files=FileCounts(**raw.get("files", {})),
            diagnostics=[Diagnostic(**d) for d in raw.get("diagnostics", [])],
            nodes={str(k): int(v) for k, v in raw.get("nodes", {}).items()},
            edges={str(k): int(v) for k, v in raw.get("edges", {}).items()},
            timings={str(k): float(v) for k, v in raw.get("timings", {}).items()},
        )

    @classmethod
    def read(cls, out: str | os.PathLike[str]) -> BuildReport:
        """The report of the build in folder ``out`` (its ``report.json``), whichever way it was built.

        Raises :class:`~graph.errors.OutputError` when ``out`` holds no report.
        """
        path = Path(out) / "report.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return cls.from_dict(raw)
        except FileNotFoundError as exc:
            raise OutputError(
                f"{out} holds no build (no report.json); run 'newsgraph build SOURCE -o {out}' first", path=str(out)
            ) from exc
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            raise OutputError(f"cannot read {path}: {exc}", path=str(path)) from exc

    def to_dict(self) -> dict[str, Any]:
        """The ``report.json`` form.

        >>> BuildReport().to_dict()["files"]
        {'seen': 0, 'built': 0, 'failed': 0, 'cached': 0}
        """
        by_severity = Counter(d.severity for d in self.diagnostics)
        return {
            "files": {
                "seen": self.files.seen,
                "built": self.files.built,
                "failed": self.files.failed,
                "cached": self.files.cached,
            },
            "nodes": dict(self.nodes),
            "edges": dict(self.edges),
            "diagnostic_counts": {s: by_severity[s] for s in ("error", "warning", "info")},
            "diagnostics": [d.to_dict() for d in self.diagnostics],
            "timings": {k: round(v, 4) for k, v in self.timings.items()},
        }


@dataclass(slots=True)
class KnowledgeGraph:
    """The merged graph of a build and the report of how it was made."""

    graph: nx.MultiDiGraph
    report: BuildReport

    @classmethod
    def empty(cls) -> KnowledgeGraph:
        """A graph with no nodes and an empty report."""
        return cls(nx.MultiDiGraph(), BuildReport())

    def nodes(self, kind: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Yield ``(iri, attributes)`` for the nodes of one ``kind``."""
        for node, data in self.graph.nodes(data=True):
            if data.get("kind") == kind:
                yield node, data

    def query(self, sparql: str) -> pd.DataFrame:
        """Answer a SPARQL query (text, a ``.rq`` path or a library query name) as a DataFrame.

        The graph is loaded into an in-memory Oxigraph store on first use (see
        :func:`graph.sparql.dataframe`) and reloaded when its node or edge count
        changes; after editing attributes in place, build a new
        :class:`KnowledgeGraph` around the graph to query the edits. For
        rdflib, use :func:`graph.rdf.to_rdf`.
        """
        engine = query_engine()
        if engine is None:  # pragma: no cover - the package's __init__ installs it
            raise NewsgraphError("no SPARQL engine is installed: import graph, which installs graph.sparql's")
        result: pd.DataFrame = engine(self, sparql)
        return result

    def __repr__(self) -> str:
        nodes = ", ".join(f"{k}={v}" for k, v in self.report.nodes.items())
        return f"<KnowledgeGraph {self.graph.number_of_nodes()} nodes ({nodes}), {self.graph.number_of_edges()} edges>"


def _streamed(folder: Path) -> bool:
    """Whether ``folder`` holds a build made with ``--stream`` (its report says so)."""
    try:
        return "stream" in json.loads((folder / "report.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError):
        return False


def to_jsonable(value: Any) -> Any:
    """JSON form of an attribute value: datetimes as ISO 8601 text.

    >>> to_jsonable(datetime(2020, 5, 6, 12, 0))
    '2020-05-06T12:00:00'
    """
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


_DATE_KEYS: Final = ("published_at", "updated_at", "end_at", "first_published", "last_published")


def load(out: str | os.PathLike[str]) -> KnowledgeGraph:
    """Load the graph and report a build wrote into ``out`` (its ``graph.json`` and ``report.json``).

    Raises :class:`~graph.errors.OutputError` when ``out`` holds no build.
    """
    folder = Path(out)
    graph_file = folder / "graph.json"
    try:
        data = json.loads(graph_file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        if _streamed(folder):
            raise OutputError(
                f"{folder} was built with --stream, which keeps no networkx graph (graph.json); "
                f"build without --stream to load or draw it, or ask its store: 'newsgraph query ... -d {folder}', "
                f"'newsgraph serve -d {folder}' ('newsgraph stats' and 'newsgraph validate' work on it)",
                path=str(folder),
            ) from exc
        raise OutputError(
            f"{folder} holds no build (no graph.json); run 'newsgraph build SOURCE -o {folder}' first",
            path=str(folder),
        ) from exc
    except (OSError, ValueError) as exc:
        raise OutputError(f"cannot read {graph_file}: {exc}", path=str(graph_file)) from exc
    g: nx.MultiDiGraph = nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    for _, attrs in g.nodes(data=True):
        for key in _DATE_KEYS:
            if isinstance(attrs.get(key), str):
                attrs[key] = datetime.fromisoformat(attrs[key])
    report_file = folder / "report.json"
    report = BuildReport.read(folder) if report_file.exists() else BuildReport()
    report.count(g)
    return KnowledgeGraph(g, report)
