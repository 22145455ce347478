"""Parsing one news file: decode it, split and load its YAML front matter safely, check every field.

Most front matter is plain block YAML, which :mod:`graph.fastyaml` parses
directly; everything else goes to PyYAML. The front matter is untrusted.
Before PyYAML's C loader sees it, a cheap
guard looks for the shapes that hurt it (deep nesting segfaults the C
composer; alias bombs explode in memory) and, only when one may be present,
walks the event stream to measure depth and alias expansion. Booleans follow
YAML 1.2 (only ``true``/``false``: the tag ``NO`` stays Norway) and dates are
read as text and parsed here, so one bad date costs a field, not the file.

A file never stops the build: :func:`read_file` returns a
:class:`~graph.records.FileResult` whose diagnostics say what was wrong.

>>> r = parse_text("---\\ntitle: Hi\\nwebUrl: https://www.a.com/x\\n---\\nbody", "a.md")
>>> r.article.iri, r.article.title, r.article.body
('https://a.com/x', 'Hi', 'body')
>>> parse_text("no front matter", "b.md").diagnostics[0].code
'no-front-matter'
"""

from __future__ import annotations

import hashlib
import os
import re
from typing import Any, Final

import frontmatter.default_handlers
import yaml

from ..records import Diagnostic, FileResult
from . import fastyaml
from .article import article_record
from .fields import Fields, value_kind
from .items import ITEM_TYPES, item_iri, item_record, site_id

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "digest",
    "load_bytes",
    "parse_bytes",
    "parse_text",
    "read_file",
]

#: Files larger than this are reported, not read.
MAX_FILE_BYTES: Final = 8 * 1024 * 1024
#: Deepest nesting of YAML collections accepted.
MAX_DEPTH: Final = 64
#: Most YAML values that aliases may stand for in one file.
MAX_ALIAS_NODES: Final = 20_000

_HANDLER: Final = frontmatter.default_handlers.YAMLHandler()
_TIMESTAMP_TAG: Final = "tag:yaml.org,2002:timestamp"
_BOOL_TAG: Final = "tag:yaml.org,2002:bool"
_BOOL_12: Final = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_TOP_KEY: Final = re.compile(r"^([A-Za-z_][\w-]*)[ \t]*:", re.MULTILINE)


def _resolvers() -> dict[Any, list[tuple[str, re.Pattern[str]]]]:
    table: dict[Any, list[tuple[str, re.Pattern[str]]]] = {}
    for first, entries in yaml.resolver.Resolver.yaml_implicit_resolvers.items():
        kept = [(tag, rx) for tag, rx in entries if tag not in (_TIMESTAMP_TAG, _BOOL_TAG)]
        if first in "tTfF":
            kept.append((_BOOL_TAG, _BOOL_12))
        if kept:
            table[first] = kept
    return table


class _Loader(yaml.CSafeLoader):
    """PyYAML's C safe loader with YAML 1.2 booleans and dates kept as text."""

    yaml_implicit_resolvers = _resolvers()


def _timestamp_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    return loader.construct_scalar(node)  # type: ignore[arg-type]


_Loader.add_constructor(_TIMESTAMP_TAG, _timestamp_as_text)


def read_file(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES, base_url: str | None = None) -> FileResult:
    """Read and check one news file; never raises for bad content. ``base_url``: see :func:`parse_text`.

    >>> read_file("seeds/000_21b13f3181ff2019.txt").article.title[:7]
    'Beijing'
    """
    data = load_bytes(path, max_bytes)
    return data if isinstance(data, FileResult) else parse_bytes(data, os.fspath(path), base_url)


def load_bytes(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> bytes | FileResult:
    """The bytes of ``path``, or the failed :class:`FileResult` saying why they cannot be had."""
    name = os.fspath(path)
    try:
        size = os.path.getsize(name)
        if size > max_bytes:
            return _fail(
                name,
                "file-too-large",
                f"file is {size:,} bytes, over the {max_bytes:,}-byte limit; split it or raise the limit",
            )
        with open(name, "rb") as fh:
            return fh.read(max_bytes + 1)
    except OSError as exc:
        return _fail(name, "read-error", f"cannot read the file: {exc.strerror or exc}")


def digest(data: bytes) -> str:
    """The content key of a file's bytes (BLAKE2b, 128 bits, hex)."""
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def parse_bytes(data: bytes, path: str, base_url: str | None = None) -> FileResult:
    """Decode ``data`` (UTF-8, UTF-16/32 with BOM, else Windows-1252) and parse it."""
    key = digest(data)
    diags: list[Diagnostic] = []
    text = _decode(data, path, diags)
    if text is None:
        return FileResult(path, None, diags, key)
    result = parse_text(text, path, base_url)
    result.diagnostics[:0] = diags
    result.digest = key
    return result


def _decode(data: bytes, path: str, diags: list[Diagnostic]) -> str | None:
    for bom, codec in (
        (b"\xef\xbb\xbf", "utf-8"),
        (b"\xff\xfe\x00\x00", "utf-32-le"),
        (b"\x00\x00\xfe\xff", "utf-32-be"),
        (b"\xff\xfe", "utf-16-le"),
        (b"\xfe\xff", "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                return data[len(bom) :].decode(codec)
            except UnicodeDecodeError as exc:
                diags.append(
                    Diagnostic(
                        path,
                        "error",
                        "encoding",
                        f"starts with a {codec} byte-order mark but is not {codec}: {exc.reason}",
                    )
                )
                return None
    if b"\x00" in data:
        diags.append(Diagnostic(path, "error", "binary-file", "file holds NUL bytes: it is binary, not a news item"))
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        diags.append(
            Diagnostic(
                path,
                "warning",
                "encoding",
                f"not valid UTF-8 (byte {exc.start}); read as Windows-1252. Save the file as UTF-8",
                line=line,
            )
        )
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            return data.decode("latin-1")


def _fail(path: str, code: str, message: str, line: int | None = None, column: int | None = None) -> FileResult:
    return FileResult(path, None, [Diagnostic(path, "error", code, message, line, column)])


def parse_text(text: str, path: str = "<text>", base_url: str | None = None) -> FileResult:
    """Parse one news item from its text (front matter and body).

    ``base_url``: the site's address; site-relative URLs (``/assets/logo.jpg``) are resolved
    against it (without it they are reported and left out).

    >>> text = "---\\nwebUrl: https://a.com/x\\nimages: [/assets/x.jpg]\\n---\\n"
    >>> parse_text(text, "a.md", "https://site.example/").article.images[0].url
    'https://site.example/assets/x.jpg'
    >>> parse_text(text, "a.md").diagnostics[0].message[-23:]
    'base-url to resolve it)'
    """
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        return _fail(path, "empty-file", "file is empty; a news item needs YAML front matter")
    if not _HANDLER.detect(text):
        return _fail(
            path,
            "no-front-matter",
            "file does not start with a '---' line; put the YAML front matter between two '---' lines",
            line=1,
        )
    try:
        fm, body = _HANDLER.split(text)
    except ValueError:
        return _fail(
            path,
            "unterminated-front-matter",
            "the front matter opened on line 1 is never closed; add a '---' line after it",
            line=1,
        )
    meta = fastyaml.load(fm)
    if meta is fastyaml.FALLBACK:
        guard = _guard(fm, path)
        if guard is not None:
            return FileResult(path, None, [guard])
    try:
        if meta is fastyaml.FALLBACK:
            meta = yaml.load(fm, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        problem = " ".join(str(exc.problem or exc.context or "invalid YAML").split())
        return _fail(
            path,
            "yaml-syntax",
            f"front matter is not valid YAML: {problem}; fix or quote the value",
            line=mark.line + 1 if mark else None,
            column=mark.column + 1 if mark else None,
        )
    except yaml.reader.ReaderError as exc:
        line = fm.count("\n", 0, exc.position) + 1
        column = exc.position - (fm.rfind("\n", 0, exc.position) + 1) + 1
        return _fail(
            path,
            "yaml-syntax",
            f"front matter holds the character U+{exc.character:04X} (a control character), which YAML does not "
            "allow; delete it or write it as an escape inside double quotes",
            line=line,
            column=column,
        )
    except (yaml.YAMLError, ValueError, TypeError, RecursionError) as exc:
        return _fail(path, "yaml-syntax", f"front matter is not valid YAML: {' '.join(str(exc).split())[:300]}")
    if meta is None:
        return _fail(
            path, "empty-front-matter", "the front matter is empty; give at least a webUrl and a title", line=2
        )
    if not isinstance(meta, dict):
        return _fail(
            path,
            "not-a-mapping",
            f"the front matter is a {value_kind(meta)}, not a mapping of fields (key: value)",
            line=2,
        )
    diags: list[Diagnostic] = []
    _duplicate_keys(fm, path, diags)
    kind = meta.get("type")
    if isinstance(kind, str) and kind.strip().lower() in ITEM_TYPES:
        article = item_record(meta, path, diags, base_url)
    else:
        article = article_record(meta, path, diags, stub=False, where="", base=base_url)
        sid = site_id(path) if article is not None else None
        if article is not None and sid is not None:
            alias = item_iri(sid)  # how a collection of the site names it
            if alias != article.iri and alias not in article.same_as:
                article.same_as.append(alias)
    if article is not None:
        article.body = Fields({"body": body}, path, diags, "").text("body")
    return FileResult(path, article, diags)


def _guard(fm: str, path: str) -> Diagnostic | None:
    """Refuse nesting and alias expansion that would crash or exhaust the loader.

    Only front matter the fast path declined gets here (one file in six
    thousand in the shared corpus), so the event walk is always done: any
    cheap "does this look nested?" test misses a spelling (``- - - …`` on
    one line nests as deep as ``[[[…``).
    """
    stack: list[tuple[str | None, int]] = []  # open collections: (anchor, nodes before)
    sizes: dict[str, int] = {}  # expanded size of each anchored node
    nodes = expanded = 0
    try:
        for event in yaml.parse(fm, Loader=yaml.CSafeLoader):
            if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append((event.anchor, nodes))
                nodes += 1
                if len(stack) > MAX_DEPTH:
                    return _too_deep(path, event.start_mark.line + 1 if event.start_mark else None)
            elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                anchor, before = stack.pop()
                if anchor:
                    sizes[anchor] = nodes - before
            elif isinstance(event, yaml.ScalarEvent):
                nodes += 1
                if event.anchor:
                    sizes[event.anchor] = 1
            elif isinstance(event, yaml.AliasEvent):
                size = sizes.get(event.anchor or "", 1)
                nodes += size
                expanded += size
            if expanded > MAX_ALIAS_NODES:
                return Diagnostic(
                    path,
                    "error",
                    "yaml-too-large",
                    f"front matter expands to more than {MAX_ALIAS_NODES:,} values (YAML aliases?); refusing it",
                )
    except yaml.MarkedYAMLError as exc:
        # PyYAML 6.0.4 and later stop nesting themselves, at about 1,000 levels, while
        # scanning ahead: the events above may never reach MAX_DEPTH.
        if "nesting depth" in str(exc.problem):
            return _too_deep(path, exc.problem_mark.line + 1 if exc.problem_mark else None)
        return None  # the loader reports syntax errors with their position
    except yaml.YAMLError:
        return None
    return None


def _too_deep(path: str, line: int | None) -> Diagnostic:
    return Diagnostic(
        path,
        "error",
        "yaml-too-deep",
        f"front matter nests deeper than {MAX_DEPTH} levels; news items are flat",
        line=line,
    )


def _duplicate_keys(fm: str, path: str, diags: list[Diagnostic]) -> None:
    keys = _TOP_KEY.findall(fm)
    if len(set(keys)) == len(keys):
        return
    seen: dict[str, int] = {}
    for m in _TOP_KEY.finditer(fm):
        key = m.group(1)
        line = fm.count("\n", 0, m.start()) + 1
        if key in seen:
            diags.append(
                Diagnostic(
                    path,
                    "warning",
                    "duplicate-key",
                    f"'{key}' is given twice (lines {seen[key]} and {line}); the last one is used",
                    line=line,
                    field=key,
                )
            )
        else:
            seen[key] = line
