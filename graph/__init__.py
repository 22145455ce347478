"""newsgraph: a knowledge-graph builder for news.

A folder of news items (markdown with YAML front matter) becomes one merged
networkx graph of articles, outlets, topics, tags, images and related links.

>>> import graph
>>> kg = graph.build(["seeds"])
>>> kg.report.nodes["article"]
5
"""

from __future__ import annotations

from .build import build, read_files
from .errors import NewsgraphError, OutputError, QueryError, SourceError
from .export import load, write_outputs
from .model import KINDS, RELATIONS, BuildReport, KnowledgeGraph
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
    "ProviderRecord",
    "QueryError",
    "SourceError",
    "build",
    "find_files",
    "load",
    "parse_text",
    "read_file",
    "read_files",
    "write_outputs",
]

__version__ = "0.1.0"
