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

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any, Final, Literal

__all__ = [
    "ArticleRecord",
    "Diagnostic",
    "DiagnosticGroup",
    "FileResult",
    "ImageRecord",
    "ProviderRecord",
    "Severity",
    "group_diagnostics",
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


_QUOTED: Final = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"")
_NUMBER: Final = re.compile(r"\d[\d,.]*")
#: Problems of one value, reported once per distinct value: a site-relative URL ('/assets/...').
_PER_VALUE: Final = re.compile(r"is a relative URL with nothing to resolve it against \((['\"])(.*?)\1\)")
_SEVERITY_ORDER: Final = {"error": 0, "warning": 1, "info": 2}


@dataclass(slots=True)
class DiagnosticGroup:
    """Diagnostics of one kind: the same severity, code and message but for quoted values and numbers
    (and, for a site-relative URL, the same URL). :func:`group_diagnostics` makes them."""

    severity: Severity
    code: str
    pattern: str
    example: Diagnostic
    count: int = 0
    files: set[str] = field(default_factory=set)
    value: str | None = None

    def describe(self) -> str:
        """One line for a person: the first diagnostic, and how many more of its kind.

        >>> d = Diagnostic("a.md", "warning", "bad-url", "'x' is not an http(s) URL ('ftp://a'); ignored")
        >>> group_diagnostics([d, Diagnostic("b.md", "warning", "bad-url", d.message)])[0].describe()
        "a.md: warning: 'x' is not an http(s) URL ('ftp://a'); ignored [bad-url] (and 1 more like it: 2 in 2 files)"
        """
        first = f"{self.example.location}: {self.severity}: {self.example.message} [{self.code}]"
        if self.count == 1:
            return first
        more = self.count - 1
        files = len(self.files)
        return f"{first} (and {more:,} more like it: {self.count:,} in {files:,} file{'s' if files != 1 else ''})"


def group_diagnostics(diagnostics: Iterable[Diagnostic]) -> list[DiagnosticGroup]:
    """The diagnostics grouped by severity, code and message pattern (quoted values and numbers left
    out), a site-relative URL's per URL; errors first, then warnings, then notes, the largest first.

    >>> ds = [Diagnostic(f"{i}.md", "warning", "bad-url",
    ...       f"'images[{i}].url' is a relative URL with nothing to resolve it against ('/a/{i % 2}.jpg'); ignored")
    ...       for i in range(5)] + [Diagnostic("x.md", "error", "yaml-syntax", "front matter is not valid YAML")]
    >>> [(g.severity, g.count, g.value) for g in group_diagnostics(ds)]
    [('error', 1, None), ('warning', 3, '/a/0.jpg'), ('warning', 2, '/a/1.jpg')]
    """
    groups: dict[tuple[str, str, str, str | None], DiagnosticGroup] = {}
    for d in diagnostics:
        per_value = _PER_VALUE.search(d.message)
        value = per_value.group(2) if per_value else None
        pattern = _NUMBER.sub("N", _QUOTED.sub("…", d.message))
        key = (d.severity, d.code, pattern, value)
        group = groups.get(key)
        if group is None:
            group = groups[key] = DiagnosticGroup(d.severity, d.code, pattern, d, value=value)
        group.count += 1
        group.files.add(d.path)
    return sorted(groups.values(), key=lambda g: (_SEVERITY_ORDER.get(g.severity, 3), -g.count))


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
    ``stub`` is true for an article known only from a ``related`` list (or a
    collection's ``items``: then ``relation`` is ``has_part``).

    ``kind`` is the node it makes: ``article`` for news items; ``person``
    (a profile: ``title`` is the name, ``excerpt`` the bio, ``affiliation``
    the organization), ``collection`` (its parts are stubs with ``relation``
    ``has_part``) or ``event`` (``published_at`` the start, ``end_at`` the end)
    for the other items of a site (:mod:`graph.read.items`).
    """

    iri: str
    source: str
    stub: bool = False
    kind: str = "article"
    relation: str = "related"
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
    end_at: datetime | None = None
    location: str | None = None
    affiliation: ProviderRecord | None = None
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
