"""The exceptions newsgraph raises. Bad *content* never raises: it becomes a
:class:`~graph.records.Diagnostic`. Exceptions are for what stops a command::

    NewsgraphError
     ├── SourceError          nothing to read (missing paths, no news files)
     ├── OutputError          an output folder that cannot be written or read
     │    └── StaleIndex      an output's last file is not what its index says (internal: written whole)
     ├── OptionError          an argument out of its range (also a ValueError)
     ├── QueryError           a SPARQL query that cannot run          HTTP 400
     │    ├── QueryRefused    SERVICE, FROM or an update: refused      HTTP 403 / 400
     │    └── QueryTimeout    stopped at the timeout                   HTTP 504
     ├── ViewError            an unknown article, topic or outlet, a bad filter
     │    └── EmptyViewError  the filters match no article (a page would be blank)
     ├── ServeError           the SPARQL endpoint cannot start
     └── PushError            a push failed; the message says what the target graph holds

A query error carries the HTTP status the endpoint answers it with
(:attr:`QueryError.http_status`), chosen by its type.

>>> try:
...     raise SourceError("no news files", path="empty/")
... except NewsgraphError as exc:
...     print(exc, exc.path)
no news files empty/
>>> QueryRefused("LOAD is refused", read_only=True).http_status
403
"""

from __future__ import annotations

__all__ = [
    "EmptyViewError",
    "NewsgraphError",
    "OptionError",
    "OutputError",
    "PushError",
    "QueryError",
    "QueryRefused",
    "QueryTimeout",
    "ServeError",
    "SourceError",
    "StaleIndex",
    "ViewError",
]


class NewsgraphError(Exception):
    """Base of every error newsgraph raises on purpose; ``path`` names the file."""

    def __init__(self, message: str, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path


class SourceError(NewsgraphError):
    """There is nothing to build from: paths that do not exist or hold no news files."""


class OutputError(NewsgraphError):
    """An output folder cannot be written (or a built one cannot be read)."""


class StaleIndex(OutputError):
    """The previous file of an output is not the one its index describes (edited, replaced, missing).

    Raised and caught inside a build: the output is then written whole instead of patched.
    """


class OptionError(NewsgraphError, ValueError):
    """An argument out of its range, such as a partition size below 1."""


class QueryError(NewsgraphError):
    """A SPARQL query cannot run: a syntax error, a refused feature, a timeout."""

    #: The status ``newsgraph serve`` answers with.
    http_status: int = 400


class QueryRefused(QueryError):
    """A query that would reach out of the machine (``SERVICE``, ``FROM``) or change data (an update).

    An update gets HTTP 403 (the store is read-only); ``SERVICE`` and ``FROM`` get 400 (the query
    asks for something the endpoint does not offer).
    """

    def __init__(self, message: str, *, read_only: bool) -> None:
        super().__init__(message)
        self.http_status = 403 if read_only else 400


class QueryTimeout(QueryError):
    """A query stopped at its timeout."""

    http_status = 504


class ViewError(NewsgraphError):
    """A view could not be made: an unknown article, topic or outlet, or a bad option."""


class EmptyViewError(ViewError):
    """Every filter names something known, but no article matches them all (a page would be blank)."""


class ServeError(NewsgraphError):
    """The endpoint could not start (no oxigraph program, port in use...)."""


class PushError(NewsgraphError):
    """The endpoint could not be reached or refused the data; the message says what the target graph holds."""
