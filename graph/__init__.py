"""newsgraph: a knowledge-graph builder for news.

A folder of news items (markdown with YAML front matter) becomes one merged
networkx graph of articles, outlets, topics, tags, images and related links.

>>> import graph
>>> kg = graph.build(["seeds"])
>>> kg.report.nodes["article"]
5
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from .errors import NewsgraphError, OutputError, QueryError, SourceError, ViewError
from .hooks import set_query_engine

__all__ = [
    "KINDS",
    "RELATIONS",
    "ArticleRecord",
    "BuildReport",
    "Diagnostic",
    "FileResult",
    "ImageRecord",
    "KnowledgeGraph",
    "NewsgraphError",
    "OutputError",
    "Page",
    "ProviderRecord",
    "QueryError",
    "SourceError",
    "StreamReport",
    "ValidationReport",
    "View",
    "ViewError",
    "Violation",
    "analysis",
    "build",
    "build_into",
    "explore",
    "find_files",
    "from_rdf",
    "load",
    "parse_text",
    "read_file",
    "read_files",
    "read_rdf",
    "select_view",
    "stream_build",
    "to_pyvis",
    "to_rdf",
    "validate",
    "write_html",
    "write_outputs",
    "write_rdf",
    "write_view",
]

if TYPE_CHECKING:
    import pandas as pd

    from . import analysis
    from .explorer import Page, View, explore, select_view, to_pyvis, write_html, write_view
    from .model import KINDS, RELATIONS, BuildReport, KnowledgeGraph, load
    from .outputs import write_outputs
    from .pipeline import build, build_into, read_files
    from .pipeline.stream import StreamReport, stream_build
    from .rdf import from_rdf, read_rdf, to_rdf, write_rdf
    from .rdf.shacl import ValidationReport, Violation, validate
    from .read import find_files, parse_text, read_file
    from .records import ArticleRecord, Diagnostic, FileResult, ImageRecord, ProviderRecord

#: Submodules loaded on first use.
_LAZY_MODULES = ("analysis",)

#: Names loaded on first use, from their module: ``import graph`` stays quick (the command line
#: starts without networkx, rdflib or pandas, and a query loads only what it uses).
_LAZY_NAMES = {
    **dict.fromkeys(("Page", "View", "explore", "select_view", "to_pyvis", "write_html", "write_view"), "explorer"),
    **dict.fromkeys(("KINDS", "RELATIONS", "BuildReport", "KnowledgeGraph", "load"), "model"),
    "write_outputs": "outputs",
    **dict.fromkeys(("build", "build_into", "read_files"), "pipeline"),
    **dict.fromkeys(("StreamReport", "stream_build"), "pipeline.stream"),
    **dict.fromkeys(("from_rdf", "read_rdf", "to_rdf", "write_rdf"), "rdf"),
    **dict.fromkeys(("ValidationReport", "Violation", "validate"), "rdf.shacl"),
    **dict.fromkeys(("find_files", "parse_text", "read_file"), "read"),
    **dict.fromkeys(("ArticleRecord", "Diagnostic", "FileResult", "ImageRecord", "ProviderRecord"), "records"),
}


def _query(kg: KnowledgeGraph, sparql: str) -> pd.DataFrame:
    """``kg.query``: graph.sparql answers it (imported on first use: it loads pandas)."""
    from .sparql import dataframe

    return dataframe(kg, sparql)


# The one place that wires a lower layer to a higher one: the model does not import the SPARQL layer.
set_query_engine(_query)


def __getattr__(name: str) -> Any:
    if name in _LAZY_MODULES:
        return importlib.import_module(f".{name}", __name__)
    if name in _LAZY_NAMES:
        value = getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


__version__ = "0.1.0"
