"""The exceptions newsgraph raises. Bad *content* never raises: it becomes a
:class:`~graph.records.Diagnostic`. Exceptions are for what stops a command::

    NewsgraphError
     ├── SourceError      nothing to read (missing paths, no news files)
     ├── OutputError      an output folder that cannot be written or read
     └── QueryError       a SPARQL query that cannot run (syntax, refused, timeout)

>>> try:
...     raise SourceError("no news files", path="empty/")
... except NewsgraphError as exc:
...     print(exc, exc.path)
no news files empty/
"""

from __future__ import annotations

__all__ = ["NewsgraphError", "OutputError", "QueryError", "SourceError"]


class NewsgraphError(Exception):
    """Base of every error newsgraph raises on purpose; ``path`` names the file."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class SourceError(NewsgraphError):
    """There is nothing to build from: paths that do not exist or hold no news files."""


class OutputError(NewsgraphError):
    """An output folder cannot be written (or a built one cannot be read)."""


class QueryError(NewsgraphError):
    """A SPARQL query cannot run: a syntax error, a refused feature, a timeout."""
