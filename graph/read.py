"""Reading: find news files, parse their YAML front matter, type-check every field.

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

import glob
import hashlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, Final

import frontmatter.default_handlers
import yaml

from . import fastyaml
from .identity import canonical_url, display_label, normalize_domain
from .records import ArticleRecord, Diagnostic, FileResult, ImageRecord, ProviderRecord, Severity, text_path

__all__ = [
    "MAX_ALIAS_NODES",
    "MAX_DEPTH",
    "MAX_FILE_BYTES",
    "SUFFIXES",
    "digest",
    "find_files",
    "load_bytes",
    "parse_bytes",
    "parse_text",
    "read_file",
    "relabel",
    "source_labels",
]

#: File name endings read when a directory or glob is given.
SUFFIXES: Final = (".md", ".markdown", ".txt")
#: Files larger than this are reported, not read.
MAX_FILE_BYTES: Final = 8 * 1024 * 1024
#: Deepest nesting of YAML collections accepted.
MAX_DEPTH: Final = 64
#: Most YAML values that aliases may stand for in one file.
MAX_ALIAS_NODES: Final = 20_000
#: Longest text kept in one field; longer values are cut, with a warning.
MAX_TEXT: Final = 100_000

_HANDLER: Final = frontmatter.default_handlers.YAMLHandler()
_TIMESTAMP_TAG: Final = "tag:yaml.org,2002:timestamp"
_BOOL_TAG: Final = "tag:yaml.org,2002:bool"
_BOOL_12: Final = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
# Characters no output format may carry as they are (XML forbids C0 controls,
# UTF-8 forbids lone surrogates) and bidi overrides that disguise text.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")  # no UTF-8 output can carry a lone surrogate
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


# --------------------------------------------------------------------------- files


def find_files(sources: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """Return the news files under ``sources`` in a stable order, and what went wrong.

    A directory is searched recursively for :data:`SUFFIXES`, skipping hidden
    folders and files; a file is taken as it is, whatever its name; anything
    else is read as a glob pattern. A source that matches nothing is reported.

    >>> files, problems = find_files(["seeds"])
    >>> [f.name for f in files]
    ['000_21b13f3181ff2019.txt', '002_c1840662fd681368.txt']
    """
    names, problems = find_names(sources)
    return [Path(name) for name in names], problems


def find_names(sources: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[Diagnostic]]:
    """:func:`find_files` as strings (``str`` of its paths), without making a ``Path`` per file.

    >>> find_names(["./seeds/"])[0] == [str(f) for f in find_files(["./seeds/"])[0]]
    True
    """
    found: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for source in sources:
        text = os.fspath(source)
        path = Path(text)
        if path.is_dir():
            matches = list(_walk(path))
        elif path.is_file():
            matches = [str(path)]
        elif glob.has_magic(text):
            matches = []
            for hit in sorted(glob.glob(text, recursive=True)):
                hit_path = Path(hit)
                if hit_path.is_dir():
                    matches.extend(_walk(hit_path))
                elif hit_path.is_file() and hit_path.suffix.lower() in SUFFIXES:
                    matches.append(str(hit_path))
        else:
            problems.append(Diagnostic(text, "error", "source-missing", "no such file or directory; check the path"))
            continue
        if not matches:
            problems.append(
                Diagnostic(
                    text,
                    "warning",
                    "source-empty",
                    f"no {', '.join(SUFFIXES)} files found here",
                )
            )
        for match in matches:
            found.setdefault(os.path.normpath(match), match)
    return [found[k] for k in sorted(found)], problems


def source_labels(sources: Iterable[str | os.PathLike[str]], names: Sequence[str]) -> list[str] | None:
    """How each of ``names`` (as :func:`find_names` found them in ``sources``) is recorded in the graph.

    A file found through a relative SOURCE is recorded as found (as the user
    typed it); one found through an absolute SOURCE from that SOURCE's own
    folder name on, so that no build records the user's home folder (the
    RDF says where each article came from, and ``newsgraph push`` publishes
    it). None when no SOURCE is absolute: every name is its own label.

    >>> source_labels(["/home/ana/news", "/srv/feeds/b.md"], ["/home/ana/news/x/a.md", "/srv/feeds/b.md"])
    ['news/x/a.md', 'feeds/b.md']
    >>> source_labels(["seeds"], ["seeds/a.md"]) is None
    True
    """
    roots = []
    for source in sources:
        text = os.fspath(source)
        if not os.path.isabs(text):
            continue
        if glob.has_magic(text):  # the folder above the first pattern
            parts = Path(text).parts
            text = os.path.join(*parts[: next(i for i, p in enumerate(parts) if glob.has_magic(p))])
        elif os.path.isfile(text):
            text = os.path.dirname(text)
        roots.append(os.path.normpath(text))
    if not roots:
        return None
    roots.sort(key=len, reverse=True)  # the innermost SOURCE names a file
    labels = []
    for name in names:
        if not os.path.isabs(name):
            labels.append(name)
            continue
        path = os.path.normpath(name)
        root = next((r for r in roots if path.startswith(r.rstrip(os.sep) + os.sep)), os.path.dirname(path))
        labels.append(os.path.relpath(path, os.path.dirname(root) if os.path.dirname(root) != root else root))
    return labels


def relabel(result: FileResult, label: str) -> None:
    """Record ``label`` (see :func:`source_labels`) as the source of every article ``result`` holds.

    The diagnostics keep the path the file was opened by: they are for the user, on this machine.
    """
    stack = [result.article] if result.article is not None else []
    while stack:
        record = stack.pop()
        record.source = text_path(label)
        stack.extend(record.related)


def _walk(root: Path) -> Iterator[str]:
    """The news files under ``root``, spelled as ``str(Path(folder, name))`` is (one ``Path`` per folder)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        folder = str(Path(dirpath))
        for name in sorted(filenames):
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in SUFFIXES:
                yield name if folder == "." else os.path.join(folder, name)


# --------------------------------------------------------------------------- one file


def read_file(path: str | os.PathLike[str], max_bytes: int = MAX_FILE_BYTES) -> FileResult:
    """Read and check one news file; never raises for bad content.

    >>> read_file("seeds/000_21b13f3181ff2019.txt").article.title[:7]
    'Beijing'
    """
    data = load_bytes(path, max_bytes)
    return data if isinstance(data, FileResult) else parse_bytes(data, os.fspath(path))


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


def parse_bytes(data: bytes, path: str) -> FileResult:
    """Decode ``data`` (UTF-8, UTF-16/32 with BOM, else Windows-1252) and parse it."""
    key = digest(data)
    diags: list[Diagnostic] = []
    text = _decode(data, path, diags)
    if text is None:
        return FileResult(path, None, diags, key)
    result = parse_text(text, path)
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


def parse_text(text: str, path: str = "<text>") -> FileResult:
    """Parse one news item from its text (front matter and body)."""
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
            f"the front matter is a {_kind(meta)}, not a mapping of fields (key: value)",
            line=2,
        )
    diags: list[Diagnostic] = []
    _duplicate_keys(fm, path, diags)
    article = _article(meta, path, diags, stub=False, where="")
    if article is not None:
        article.body = _Fields({"body": body}, path, diags, "").text("body")
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


def _kind(value: object) -> str:
    return {
        "str": "text",
        "int": "number",
        "float": "number",
        "bool": "boolean",
        "list": "list",
        "dict": "mapping",
        "NoneType": "empty value",
    }.get(type(value).__name__, type(value).__name__)


# --------------------------------------------------------------------------- fields


class _Fields:
    """Type-checks the fields of one mapping, collecting diagnostics."""

    __slots__ = ("diags", "meta", "path", "where")

    def __init__(self, meta: dict[Any, Any], path: str, diags: list[Diagnostic], where: str) -> None:
        self.meta = meta
        self.path = path
        self.diags = diags
        self.where = where

    def warn(self, key: str, message: str, code: str = "field-type", severity: Severity = "warning") -> None:
        self.diags.append(Diagnostic(self.path, severity, code, message, field=self.where + key))

    def wrong(self, key: str, value: object, expected: str) -> None:
        self.warn(key, f"'{self.where}{key}' should be {expected}, not {_kind(value)}; the field is ignored")

    def text(self, key: str) -> str | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.wrong(key, value, "text")
            return None
        return self.clean(key, str(value))

    def clean(self, key: str, text: str) -> str | None:
        if "\r" in text:  # Windows (CR LF) and old Mac (CR) line breaks, as YAML escapes
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if _CONTROL.search(text):
            found = sorted(set(_CONTROL.findall(text)))
            names = ", ".join(f"U+{ord(c):04X}" for c in found[:5])
            if len(found) > 5:
                names += f" and {len(found) - 5} more"
            text = _CONTROL.sub("\ufffd", text)
            self.warn(
                key,
                f"'{self.where}{key}' holds {names} (control or bidi-override "
                f"character{'s' if len(found) > 1 else ''}); replaced by U+FFFD",
                "control-character",
            )
        if len(text) > MAX_TEXT:
            self.warn(key, f"'{self.where}{key}' is {len(text):,} characters; cut to {MAX_TEXT:,}", "too-long")
            text = text[:MAX_TEXT]
        text = text.strip()
        return text or None

    def integer(self, key: str) -> int | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            self.wrong(key, value, "a whole number")
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
            return int(value)
        self.wrong(key, value, "a whole number")
        return None

    def boolean(self, key: str) -> bool | None:
        value = self.meta.get(key)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        self.wrong(key, value, "true or false")
        return None

    def when(self, key: str) -> datetime | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                self.warn(
                    key,
                    f"'{self.where}{key}' is not an ISO 8601 date-time ({value[:40]!r}); "
                    "write it like 2020-05-06T08:06:00Z",
                    "bad-date",
                )
                return None
        else:
            self.wrong(key, value, "a date-time")
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
            self.warn(key, f"'{self.where}{key}' has no time zone; taken as UTC", "naive-date", "info")
        return moment

    def url(self, key: str, dewrap: bool = True, exact: bool = False) -> str | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.wrong(key, value, "a URL")
            return None
        iri = canonical_url(value, dewrap=dewrap, exact=exact)
        if iri is None and value.strip():
            what = (
                "a relative URL with nothing to resolve it against" if value.startswith("/") else "not an http(s) URL"
            )
            self.warn(key, f"'{self.where}{key}' is {what} ({value[:60]!r}); ignored", "bad-url")
        return iri

    def labels(self, key: str) -> list[str]:
        value = self.meta.get(key)
        if value is None:
            return []
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.wrong(key, value, "a list of names")
            return []
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.warn(key, f"'{self.where}{key}[{i}]' should be a name, not {_kind(item)}; ignored")
                continue
            label = self.clean(key, display_label(str(item)))
            if label:
                out.append(label)
        return out

    def mappings(self, key: str) -> list[tuple[int, dict[Any, Any]]]:
        value = self.meta.get(key)
        if value is None:
            return []
        if isinstance(value, dict) or (isinstance(value, str) and key == "images"):
            value = [value]
        if not isinstance(value, list):
            self.wrong(key, value, "a list")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append((i, item))
            elif isinstance(item, str) and key == "images":
                out.append((i, {"url": item}))
            else:
                self.warn(key, f"'{self.where}{key}[{i}]' should be a mapping, not {_kind(item)}; ignored")
        return out


_ARTICLE_KEYS: Final = frozenset(
    {
        "category", "title", "excerpt", "publishedDateTime", "updatedDateTime", "originalUrl",
        "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type", "quality", "heat", "published",
        "provider", "topics", "tags", "images", "related", "featuredContent", "secured",
    }
)  # fmt: skip


def _article(meta: dict[Any, Any], path: str, diags: list[Diagnostic], stub: bool, where: str) -> ArticleRecord | None:
    f = _Fields(meta, path, diags, where)
    web = f.url("webUrl")
    original = f.url("originalUrl")
    amp = f.url("ampWebUrl")
    cdn = f.url("cdnAmpWebUrl")
    iri = web or original or amp or cdn
    if iri is None:
        what = f"'{where.rstrip('.')}'" if where else "the file"
        diags.append(
            Diagnostic(
                path,
                "warning" if stub else "error",
                "no-identity",
                f"{what} has no usable webUrl, originalUrl or AMP URL, so the article cannot be identified; "
                + ("the entry is skipped" if stub else "add a webUrl"),
                field=where.rstrip(".") or None,
            )
        )
        return None
    link = next(u for u in (_exact(meta, k) for k in ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl")) if u)
    aliases: list[str] = []
    for alias in (web, original, amp, cdn, canonical_url(meta["cdnAmpWebUrl"], dewrap=False) if cdn else None):
        if alias and alias != iri and alias not in aliases:
            aliases.append(alias)
    record = ArticleRecord(
        iri=iri,
        source=path,
        stub=stub,
        url=link,
        same_as=aliases,
        title=f.text("title"),
        excerpt=f.text("excerpt"),
        category=f.text("category"),
        type=f.text("type"),
        published_at=f.when("publishedDateTime"),
        updated_at=f.when("updatedDateTime"),
        quality=f.integer("quality"),
        heat=f.integer("heat"),
        published=f.boolean("published"),
        provider=_provider(f),
        topics=f.labels("topics"),
        tags=f.labels("tags"),
        images=_images(f, "images"),
    )
    if "featuredContent" in meta:
        record.featured_content = _jsonable(meta["featuredContent"])
    for i, entry in f.mappings("related"):
        rel = _article(entry, path, diags, stub=True, where=f"{where}related[{i}].")
        if rel is not None:
            record.related.append(rel)
    for key, value in meta.items():
        if key in _ARTICLE_KEYS:
            continue
        if not isinstance(key, str):
            f.warn(str(key), f"field name {key!r} is not text; the field is ignored", "bad-key")
            continue
        record.extra[key] = _jsonable(value)
    return record


def _exact(meta: dict[Any, Any], key: str) -> str | None:
    value = meta.get(key)
    return canonical_url(value, exact=True) if isinstance(value, str) else None


def _provider(f: _Fields) -> ProviderRecord | None:
    value = f.meta.get("provider")
    if value is None:
        return None
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        f.wrong("provider", value, "a mapping with name and domain")
        return None
    p = _Fields(value, f.path, f.diags, f.where + "provider.")
    domain_text = p.text("domain")
    domain = normalize_domain(domain_text) if domain_text else None
    if domain_text and domain is None:
        p.warn("domain", f"'{p.where}domain' is not a host name ({domain_text[:60]!r}); ignored", "bad-domain")
    name = p.text("name")
    if name is None and domain is None:
        f.warn("provider", f"'{f.where}provider' has neither a name nor a domain; ignored", "no-identity")
        return None
    return ProviderRecord(
        name=display_label(name) if name else None,
        domain=domain,
        images=_images(p, "images"),
        authors=_names(p, "authors"),
        publishers=_names(p, "publishers"),
    )


def _names(f: _Fields, key: str) -> list[str]:
    value = f.meta.get(key)
    if isinstance(value, list):
        value = [v.get("name") if isinstance(v, dict) else v for v in value]
    return _Fields({key: value}, f.path, f.diags, f.where).labels(key)


def _images(f: _Fields, key: str) -> list[ImageRecord]:
    out: list[ImageRecord] = []
    for i, entry in f.mappings(key):
        im = _Fields(entry, f.path, f.diags, f"{f.where}{key}[{i}].")
        url = im.url("url", exact=True)
        if url is None:
            if entry.get("url") is None:
                im.warn("url", f"'{im.where}url' is missing; the image is ignored", "no-identity")
            continue
        out.append(
            ImageRecord(
                url=url,
                width=im.integer("width"),
                height=im.integer("height"),
                title=im.text("title"),
                attribution=im.text("attribution"),
                is_cached=im.boolean("isCached"),
            )
        )
    return out


def _jsonable(value: Any) -> Any:
    """Return ``value`` with dates as ISO text and keys as text, so it serializes as JSON."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {_SURROGATE.sub("\ufffd", str(k)): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return json.dumps(value, default=str)
