"""Reading: find news files, parse their YAML front matter, type-check every field.

=========== ===============================================================
module      job
=========== ===============================================================
find        the news files of the sources a build is given; how each is
            recorded in the graph (:func:`source_labels`)
parse       one file: decode, split, load its front matter safely
fastyaml    the fast path for plain block YAML (most news files)
fields      type-checking the fields of one mapping, with diagnostics
article     one :class:`~graph.records.ArticleRecord` from checked fields
=========== ===============================================================

A file never stops the build: :func:`read_file` returns a
:class:`~graph.records.FileResult` whose diagnostics say what was wrong.

>>> r = parse_text("---\\ntitle: Hi\\nwebUrl: https://www.a.com/x\\n---\\nbody", "a.md")
>>> r.article.iri, r.article.title, r.article.body
('https://a.com/x', 'Hi', 'body')
"""

from __future__ import annotations

from .fields import MAX_TEXT, check_base_url
from .find import SUFFIXES, find_files, find_names, relabel, source_labels
from .parse import (
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    MAX_FILE_BYTES,
    digest,
    load_bytes,
    parse_bytes,
    parse_text,
    read_file,
)

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "MAX_TEXT",
    "SUFFIXES",
    "check_base_url",
    "digest",
    "find_files",
    "find_names",
    "load_bytes",
    "parse_bytes",
    "parse_text",
    "read_file",
    "relabel",
    "source_labels",
]
