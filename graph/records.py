"""Typed records produced by the reader and consumed by the merge.

A :class:`FileResult` is what one source file gives: at most one main
:class:`ArticleRecord` (whose ``related`` list holds the stubs it points at)
and the :class:`Diagnostic` list for that file. Records are plain, picklable
dataclasses, so they travel between processes (``--jobs``) and Dask workers.

>>> d = Diagnostic("a.md", "error", "yaml-syntax", "bad", line=3, column=1)
>>> d.location
'a.md:3:1'
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Literal

__all__ = [
    "ArticleRecord",
    "Diagnostic",
    "FileResult",
    "ImageRecord",
    "ProviderRecord",
    "Severity",
    "text_path",
]

Severity = Literal["error", "warning", "info"]


def text_path(path: str) -> str:
    """``path`` as text every output can carry.

    A file name that is not valid UTF-8 comes from :func:`os.fsdecode` with
    lone surrogates (``'\\udce9'``), which no UTF-8 output can hold: those
    bytes are written as ``\\xe9`` escapes instead, so the file is still named.

    >>> text_path("caf\\udce9.md")
    'caf\\\\xe9.md'
    """
    if path.isascii():
        return path
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        try:
            return path.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        except UnicodeEncodeError:  # a surrogate no file system gave
            return path.encode("utf-8", "backslashreplace").decode("utf-8")
    return path


@dataclass(slots=True, frozen=True)
class Diagnostic:
    """One problem found in one file: where, how bad, a stable code, what to do."""

    path: str
    severity: Severity
    code: str
    message: str
    line: int | None = None
    column: int | None = None
    field: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "path", text_path(self.path))

    @property
    def location(self) -> str:
        """``path[:line[:column]]``, the way compilers name a place."""
        loc = self.path
        if self.line is not None:
            loc += f":{self.line}"
            if self.column is not None:
                loc += f":{self.column}"
        return loc

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON form used in ``report.json`` (``None`` fields left out)."""
        return {k: v for k, v in asdict(self).items() if v is not None}


@dataclass(slots=True)
class ImageRecord:
    """An image: its canonical URL (an IRI) and what the file says of it."""

    url: str
    width: int | None = None
    height: int | None = None
    title: str | None = None
    attribution: str | None = None
    is_cached: bool | None = None


@dataclass(slots=True)
class ProviderRecord:
    """An outlet as a file names it: a name and/or a domain, logos, people."""

    name: str | None = None
    domain: str | None = None
    images: list[ImageRecord] = field(default_factory=list)
    authors: list[str] = field(default_factory=list)
    publishers: list[str] = field(default_factory=list)


@dataclass(slots=True)
class ArticleRecord:
    """An article as one file (or one ``related`` entry of a file) describes it.

    ``iri`` is the canonical URL that identifies it; ``url`` the link to open
    (the URL as given, only made a valid IRI); ``same_as`` holds the other
    URLs it is known by (AMP variants, the original URL), canonicalized.
    ``stub`` is true for an article known only from a ``related`` list.
    """

    iri: str
    source: str
    stub: bool = False
    url: str | None = None
    same_as: list[str] = field(default_factory=list)
    title: str | None = None
    excerpt: str | None = None
    category: str | None = None
    type: str | None = None
    published_at: datetime | None = None
    updated_at: datetime | None = None
    quality: int | None = None
    heat: int | None = None
    published: bool | None = None
    provider: ProviderRecord | None = None
    topics: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    images: list[ImageRecord] = field(default_factory=list)
    related: list[ArticleRecord] = field(default_factory=list)
    featured_content: Any = None
    body: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.source = text_path(self.source)


@dataclass(slots=True)
class FileResult:
    """What reading one file gave: its article (if usable) and its diagnostics."""

    path: str
    article: ArticleRecord | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    digest: str | None = None

    @property
    def failed(self) -> bool:
        """True when the file gave no article (it is counted in ``files.failed``)."""
        return self.article is None
