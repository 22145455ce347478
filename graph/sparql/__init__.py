"""SPARQL over a build: checking queries, running them, the library, the endpoint, push.

==============  ===============================================================
module          job
==============  ===============================================================
``check``       refuse ``SERVICE``, ``FROM`` and updates; the default prefixes;
                readable syntax messages (standard library only)
``results``     :class:`QueryResult`: DataFrame, SPARQL JSON / CSV / TSV, table
``library``     the shipped ``.rq`` queries (``queries/``); :func:`resolve_query`
``store``       the Oxigraph store: open, load, write, patch; run a query on a
                store, a build folder (:func:`query`) or a graph in memory
                (:func:`dataframe`); :func:`resolve_url`
``front``       the HTTP front of ``newsgraph serve`` (checks, limits, CORS)
``keeper``      the process that runs the engine sandboxed and ends it with us
``server``      :class:`Endpoint`: the engine under its keeper, behind the front
``push``        replace a graph at a Graph Store Protocol endpoint
==============  ===============================================================

The functions :func:`graph.sparql.library.library` and :func:`graph.sparql.push.push`
are not re-exported here: they would hide their modules (``graph.sparql.push``
would then name the function, and patching ``graph.sparql.push.read_graph``
would fail).

Each module imports only those above it in this table, the RDF mapping
(:mod:`graph.rdf`), the model, identity and errors; never the outputs, the
pipeline, the explorer or the CLI.

>>> store = memory_store('<https://example.org/a> <https://schema.org/name> "A" .')
>>> query_store(store, "SELECT ?n WHERE { ?s schema:name ?n }").serialize("csv").split()
['n', 'A']
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .check import ALLOW_REMOTE_HINT, PREFIXES, check_query, declare_prefixes, syntax_message
from .library import LibraryQuery, resolve_query
from .results import FORMATS, QueryFormat, QueryResult
from .store import (
    DEFAULT_TIMEOUT,
    add_counts,
    dataframe,
    load_kg_store,
    load_store,
    memory_store,
    open_store,
    patch_store,
    query,
    query_store,
    resolve_url,
    store_path,
)

__all__ = [
    "ALLOW_REMOTE_HINT",
    "DEFAULT_PORT",
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "PREFIXES",
    "Endpoint",
    "GraphState",
    "LibraryQuery",
    "PushResult",
    "QueryFormat",
    "QueryResult",
    "add_counts",
    "check_query",
    "cors_origins",
    "dataframe",
    "declare_prefixes",
    "find_oxigraph",
    "free_port",
    "graph_url",
    "load_kg_store",
    "load_store",
    "memory_store",
    "ntriples_lines",
    "open_store",
    "parse_bind",
    "patch_store",
    "query",
    "query_store",
    "read_graph",
    "resolve_query",
    "resolve_url",
    "store_path",
    "syntax_message",
]

if TYPE_CHECKING:
    from .push import GraphState, PushResult, graph_url, ntriples_lines, read_graph
    from .server import DEFAULT_PORT, Endpoint, cors_origins, find_oxigraph, free_port, parse_bind

#: Names loaded on first use, from their module: ``newsgraph query`` needs neither the endpoint nor push.
_LAZY_NAMES = {
    **dict.fromkeys(("DEFAULT_PORT", "Endpoint", "cors_origins", "find_oxigraph", "free_port", "parse_bind"), "server"),
    **dict.fromkeys(("GraphState", "PushResult", "graph_url", "ntriples_lines", "read_graph"), "push"),
}


def __getattr__(name: str) -> Any:
    if name in _LAZY_NAMES:
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
