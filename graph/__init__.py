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
from .explorer import Page, View, explore, select_view, to_pyvis, write_html, write_view
from .model import KINDS, RELATIONS, BuildReport, KnowledgeGraph, load, set_query_engine
from .outputs import write_outputs
from .pipeline import build, build_into, read_files
from .rdf import from_rdf, read_rdf, to_rdf, write_rdf
from .rdf.shacl import ValidationReport, Violation, validate
from .read import find_files, parse_text, read_file
from .records import ArticleRecord, Diagnostic, FileResult, ImageRecord, ProviderRecord

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
    from .pipeline.stream import StreamReport, stream_build

#: Submodules loaded on first use, so ``import graph`` does not import pandas.
_LAZY_MODULES = ("analysis",)


#: Names loaded on first use, from their module.
_LAZY_NAMES = {"StreamReport": "pipeline.stream", "stream_build": "pipeline.stream"}


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
        return getattr(importlib.import_module(f".{_LAZY_NAMES[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__version__ = "0.1.0"
