"""SPARQL over a build: the embedded Oxigraph store, query results, the query library.

A build writes ``OUT/store/``, an on-disk `Oxigraph <https://oxigraph.org>`_
store loaded in bulk from the RDF of the graph, so queries take milliseconds
from the first run. :func:`query` opens it read-only and answers a SPARQL
query as a :class:`QueryResult`, which turns into a pandas DataFrame or into
the standard SPARQL 1.1 result formats (JSON, CSV, TSV).

Queries stay on this machine: :func:`check_query` refuses ``SERVICE`` (it
would send part of the query to another endpoint), ``FROM``/``FROM NAMED``
(other engines fetch those graphs from the web) and update operations such
as ``LOAD``, before the query reaches the engine; ``allow_remote=True`` lets
``SERVICE`` and ``FROM`` through. A query that runs longer than ``timeout``
seconds raises :class:`~graph.errors.QueryError`.

The query library is a set of ``.rq`` files shipped in ``graph/queries``;
:func:`library` lists them and :func:`resolve_query` accepts a library name,
a path to a ``.rq`` file or the query text itself.

>>> store = memory_store(_EXAMPLE)
>>> query_store(store, "SELECT ?name WHERE { ?o schema:name ?name }").to_dataframe()["name"].tolist()
['Alpha News']
>>> query_store(store, "SELECT * WHERE { SERVICE <https://example.org/sparql> { ?s ?p ?o } }")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graph.errors.QueryRefused: SERVICE (line 1, column 18) is refused: it would send part of the query to another machine...
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, Literal

import pyoxigraph as ox

from .errors import OutputError, QueryError, QueryRefused, QueryTimeout

if TYPE_CHECKING:
    import pandas as pd

    from .model import KnowledgeGraph

__all__ = [
    "ALLOW_REMOTE_HINT",
    "DEFAULT_TIMEOUT",
    "FORMATS",
    "PREFIXES",
    "LibraryQuery",
    "QueryResult",
    "check_query",
    "dataframe",
    "declare_prefixes",
    "library",
    "load_store",
    "memory_store",
    "open_store",
    "patch_store",
    "query",
    "query_store",
    "resolve_query",
    "store_path",
    "syntax_message",
    "write_store",
]

#: Prefixes a query may use without declaring them (declared ones win).
PREFIXES: Final[dict[str, str]] = {
    "schema": "https://schema.org/",
    "ng": "https://w3id.org/newsgraph/vocab#",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "prov": "http://www.w3.org/ns/prov#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
}

#: Output formats of :meth:`QueryResult.serialize` (``table`` is drawn by the CLI).
FORMATS: Final = ("table", "csv", "tsv", "json")

#: Seconds a query may run before it is stopped.
DEFAULT_TIMEOUT: Final = 30.0

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_INTEGERS: Final = frozenset(
    _XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
)
_FLOATS: Final = frozenset(_XSD + t for t in ("double", "float"))

_EXAMPLE: Final = (
    "<https://example.org/a> <https://schema.org/publisher> <https://example.org/o> .\n"
    '<https://example.org/o> <https://schema.org/name> "Alpha News" .\n'
)

Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


# --------------------------------------------------------------------------- checking


_ESCAPE = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
_TOKEN = re.compile(
    r"""
    (?P<comment>\#[^\n\r]*)
  | (?P<string>\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"|'''(?:[^'\\]|\\.|'(?!''))*'''
      |"(?:[^"\\\n\r]|\\.)*"|'(?:[^'\\\n\r]|\\.)*')
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<var>[?$]\w+)
  | (?P<pname>(?:[A-Za-z_][\w.-]*)?:[\w.:%\\-]*)
  | (?P<word>[A-Za-z_]\w*)
  | (?P<other>.)
    """,
    re.VERBOSE | re.DOTALL,
)
_UPDATES: Final = frozenset(
    {"LOAD", "INSERT", "DELETE", "CLEAR", "CREATE", "DROP", "COPY", "MOVE", "ADD", "WITH", "USING"}
)


def _unescape(sparql: str) -> str:
    # SPARQL allows \\uXXXX escapes anywhere in a query: resolve them first so a
    # keyword cannot hide behind one.
    return _ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), sparql)


def _tokens(text: str) -> list[tuple[str | None, str, int]]:
    """The significant tokens of (unescaped) query text: ``(kind, text, offset)``, no comments or spaces."""
    tokens = [(m.lastgroup, m.group(), m.start()) for m in _TOKEN.finditer(text)]
    return [t for t in tokens if t[0] != "comment" and not (t[0] == "other" and t[1].isspace())]


def _position(text: str, start: int) -> tuple[int, int]:
    """``(line, column)``, both from 1, of the character at ``start``."""
    return text.count("\n", 0, start) + 1, start - (text.rfind("\n", 0, start) + 1) + 1


def _keywords(sparql: str) -> Iterator[tuple[str, int, int, str]]:
    """Yield ``(KEYWORD, line, column, next_token)`` for the bare words of a query."""
    text = _unescape(sparql)
    significant = _tokens(text)
    for i, (kind, value, start) in enumerate(significant):
        if kind != "word":
            continue
        line, column = _position(text, start)
        following = significant[i + 1][1] if i + 1 < len(significant) else ""
        if following.upper() == "NAMED" and i + 2 < len(significant):
            following = significant[i + 2][1]
        yield value.upper(), line, column, following


#: How :func:`check_query` says that ``SERVICE`` and ``FROM`` can be allowed (by default: in Python and the CLI).
ALLOW_REMOTE_HINT: Final = "pass allow_remote=True (CLI: --allow-remote) to allow it"


def check_query(sparql: str, *, allow_remote: bool = False, allow_hint: str | None = ALLOW_REMOTE_HINT) -> None:
    """Refuse a query that would reach out of the machine or change data.

    Raises :class:`~graph.errors.QueryRefused` naming the refused keyword and
    where it is: ``SERVICE`` and ``FROM`` (unless ``allow_remote``), and
    update operations (``LOAD``, ``INSERT``, ``DELETE``, ``DROP``...).
    ``allow_hint`` ends the message for ``SERVICE`` and ``FROM`` (how to allow
    them where the caller can); ``None`` where they cannot be allowed (``newsgraph serve``).

    >>> check_query("SELECT * WHERE { ?s ?p 'SERVICE' } # SERVICE")
    >>> check_query("SELECT * FROM <https://example.org/data.ttl> WHERE { ?s ?p ?o }")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graph.errors.QueryRefused: FROM (line 1, column 10) is refused: it names a graph that engines may fetch...
    >>> check_query("LOAD <https://example.org/data.ttl>")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    graph.errors.QueryRefused: LOAD (line 1, column 1) is refused: the store is read-only and LOAD fetches remote...
    """
    for keyword, line, column, following in _keywords(sparql):
        where = f"{keyword} (line {line}, column {column})"
        if keyword == "SERVICE" and not allow_remote:
            how = f"; {allow_hint}." if allow_hint else "; this endpoint never runs SERVICE."
            raise QueryRefused(
                f"{where} is refused: it would send part of the query to another machine. "
                f"Queries run over the local store only{how}",
                read_only=False,
            )
        if keyword == "FROM" and not allow_remote:
            how = f", or {allow_hint}." if allow_hint else "."
            raise QueryRefused(
                f"{where} is refused: it names a graph that engines may fetch from the web ({following}). "
                f"Queries run over the local store only: drop the FROM clause (the data is in the default graph){how}",
                read_only=False,
            )
        if keyword in _UPDATES:
            remote = " and LOAD fetches remote data" if keyword == "LOAD" else ""
            raise QueryRefused(
                f"{where} is refused: the store is read-only{remote}; "
                "only queries (SELECT, ASK, CONSTRUCT, DESCRIBE) run here.",
                read_only=True,
            )


def _declared(tokens: list[tuple[str | None, str, int]]) -> set[str]:
    """The prefixes a query declares (``PREFIX foo: <...>``), without the colon."""
    return {
        value.split(":", 1)[0]
        for i, (kind, value, _) in enumerate(tokens)
        if kind == "pname" and i > 0 and tokens[i - 1][0] == "word" and tokens[i - 1][1].upper() == "PREFIX"
    }


def declare_prefixes(sparql: str) -> tuple[str, int]:
    """``sparql`` with the :data:`PREFIXES` it does not declare itself declared in front, on its first line.

    For engines that take no prefixes besides the query's (``newsgraph serve``
    hands queries to an Oxigraph server). Returns the text and how many
    characters went in front (error columns on line 1 move by that much).
    A declaration in the query wins: it comes later.

    >>> text, added = declare_prefixes("PREFIX schema: <http://schema.org/> ASK { ?s schema:name ?n }")
    >>> text.startswith("PREFIX ng: <https://w3id.org/newsgraph/vocab#> "), "https://schema.org/" in text, added
    (True, False, 344)
    """
    declared = _declared(_tokens(_unescape(sparql)))
    head = "".join(f"PREFIX {name}: <{iri}> " for name, iri in PREFIXES.items() if name not in declared)
    return head + sparql, len(head)


def _unknown_prefix(sparql: str) -> tuple[str, int, int] | None:
    """The first prefix the query uses but neither declares nor finds in :data:`PREFIXES`, and where."""
    text = _unescape(sparql)
    tokens = _tokens(text)
    known = _declared(tokens) | set(PREFIXES)
    for i, (kind, value, start) in enumerate(tokens):
        name = value.split(":", 1)[0]
        if kind != "pname" or name == "_" or name in known:  # _: is a blank node
            continue
        if i > 0 and tokens[i - 1][0] == "word" and tokens[i - 1][1].upper() == "PREFIX":
            continue
        return (name, *_position(text, start))
    return None


def syntax_message(sparql: str, error: str, *, shift: int = 0) -> str:
    """A readable message for Oxigraph's syntax ``error`` about ``sparql``.

    ``shift``: characters put in front of the query's first line before
    Oxigraph saw it (see :func:`declare_prefixes`); columns on line 1 are
    given back in the query as written. A prefix that is neither declared
    nor one of :data:`PREFIXES` is named, with what to do, instead of
    Oxigraph's list of the characters it expected.

    >>> print(syntax_message("SELECT * { ?s foo:bar ?o }", "error at 1:22: expected one of Prefix not found, ['%']"))
    ... # doctest: +NORMALIZE_WHITESPACE
    unknown prefix 'foo:' (line 1, column 15); declare it with PREFIX foo: <...>,
    or use one of: schema, ng, skos, dcterms, prov, xsd, rdf, rdfs
    >>> syntax_message("SELECT * WHERE { ?s ?p }", "error at 1:25: expected one of LATERAL, SERVICE, [_]")
    'SPARQL syntax error at line 1, column 25: expected one of LATERAL, SERVICE, [_]'
    """
    m = re.match(r"error at (\d+):(\d+): (.*)", error, re.DOTALL)
    if m is None:
        return f"SPARQL syntax error: {error}"
    line, column, detail = int(m.group(1)), int(m.group(2)), m.group(3)
    if line == 1 and column > shift:
        column -= shift
    if "Prefix not found" in detail:
        choices = ", ".join(PREFIXES)
        unknown = _unknown_prefix(sparql)
        if unknown is not None:
            name, line, column = unknown
            return (
                f"unknown prefix '{name}:' (line {line}, column {column}); "
                f"declare it with PREFIX {name}: <...>, or use one of: {choices}"
            )
        return (
            f"SPARQL syntax error at line {line}, column {column}: unknown prefix; "
            f"declare it with PREFIX name: <...>, or use one of: {choices}"
        )
    return f"SPARQL syntax error at line {line}, column {column}: {detail}"


# --------------------------------------------------------------------------- results


def _python(term: Term | None) -> Any:
    """A Python value for a term: IRIs as text, typed literals as numbers, dates..."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        value = term.value
        try:
            if dt in _INTEGERS:
                return int(value)
            if dt in _FLOATS:
                return float(value)
            if dt == _XSD + "decimal":
                return float(Decimal(value))
            if dt == _XSD + "boolean":
                return value in ("true", "1")
            if dt == _XSD + "dateTime":
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            if dt == _XSD + "date":
                return date.fromisoformat(value)
        except ValueError:
            return value
        return value
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def _short(term: Term | None) -> str:
    """A compact display form: prefixed names for known namespaces, bare literal text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns) and re.fullmatch(r"[\w-]+", term.value[len(ns) :]):
                return f"{prefix}:{term.value[len(ns) :]}"
        return term.value
    return _csv_value(term)


@dataclass(slots=True)
class QueryResult:
    """The answer of a query: rows of terms (``SELECT``, and ``CONSTRUCT``/``DESCRIBE``
    as ``subject predicate object`` rows) or a boolean (``ASK``).

    ``elapsed`` is the time the engine took, in seconds.
    """

    variables: list[str]
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    elapsed: float = 0.0

    def __len__(self) -> int:
        return len(self.rows) if self.boolean is None else 1

    def to_dataframe(self) -> pd.DataFrame:
        """A DataFrame, one column per variable; literals become numbers, datetimes...

        ``ASK`` gives one column ``ask`` with one boolean.
        """
        import pandas as pd

        if self.boolean is not None:
            return pd.DataFrame({"ask": [self.boolean]})
        data = {v: [_python(row[i]) for row in self.rows] for i, v in enumerate(self.variables)}
        return pd.DataFrame(data, columns=self.variables)

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON."""
        if self.boolean is not None:
            return json.dumps({"head": {}, "boolean": self.boolean})
        bindings = [
            {v: _json_term(t) for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows
        ]
        doc = {"head": {"vars": self.variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False)

    def to_csv(self) -> str:
        """SPARQL 1.1 Query Results CSV (values only, CRLF line ends)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        if self.boolean is not None:
            writer.writerow(["ask"])
            writer.writerow(["true" if self.boolean else "false"])
        else:
            writer.writerow(self.variables)
            writer.writerows([_csv_value(t) for t in row] for row in self.rows)
        return buf.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 Query Results TSV (terms in SPARQL/Turtle syntax)."""
        if self.boolean is not None:
            return "?ask\n" + ("true" if self.boolean else "false") + "\n"
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in self.rows]
        return "\n".join(lines) + "\n"

    def display_rows(self) -> list[list[str]]:
        """Rows of short display text (prefixed names, bare literals) for a terminal table."""
        if self.boolean is not None:
            return [["true" if self.boolean else "false"]]
        return [[_short(t) for t in row] for row in self.rows]

    def serialize(self, fmt: str) -> str:
        """The result as ``csv``, ``tsv``, ``json`` (or ``table``: tab-separated display rows)."""
        if fmt == "json":
            return self.to_json()
        if fmt == "csv":
            return self.to_csv()
        if fmt == "tsv":
            return self.to_tsv()
        if fmt == "table":
            head = ["ask"] if self.boolean is not None else self.variables
            return "\n".join("\t".join(r) for r in [head, *self.display_rows()]) + "\n"
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


# --------------------------------------------------------------------------- running


_SAME_AS: Final = ox.NamedNode("https://schema.org/sameAs")
_URL: Final = ox.NamedNode("https://schema.org/url")
_RELATION: Final = "http://purl.org/dc/terms/relation"
_STORY_ID: Final = f"""SELECT (IRI(MIN(STR(?other))) AS ?story) WHERE {{
  ARTICLE (<{_RELATION}>|^<{_RELATION}>)* ?other .
  FILTER EXISTS {{ ARTICLE (<{_RELATION}>|^<{_RELATION}>) ?any }}
}}"""


def _substitutions(store: ox.Store, bindings: Mapping[str, str] | None) -> dict[ox.Variable, Term] | None:
    """Bound values as terms: a URL is read the way the build reads URLs (:func:`resolve_url`).

    ``story`` is special: any article of a story stands for the story (whose id
    is its least article IRI, as the ``story`` and ``stories`` queries name it).
    """
    if not bindings:
        return None
    out: dict[ox.Variable, Term] = {}
    for name, value in bindings.items():
        key = name.lstrip("?$")
        var = ox.Variable(key)
        if re.match(r"^[a-z][a-z0-9+.-]*://\S+$", value, re.IGNORECASE):
            node = resolve_url(store, value)
            if key == "story":
                node = _story_of(store, node)
            out[var] = node
        else:
            out[var] = ox.Literal(value)
    return out


def resolve_url(store: ox.Store, url: str) -> ox.NamedNode:
    """The node ``url`` names in ``store``: as given, in canonical form (``www.``, tracking
    parameters and fragments dropped, as the build does), or the article whose ``sameAs``
    or ``url`` it is (an AMP variant); else ``url`` unchanged, in canonical form when it has one.

    >>> store = memory_store(_EXAMPLE)
    >>> resolve_url(store, "HTTPS://www.Example.org/a?utm_source=x#top").value
    'https://example.org/a'
    """
    from .identity import canonical_url

    candidates = [url, *(canonical_url(url, exact=exact) for exact in (False, True))]
    wanted = list(dict.fromkeys(c for c in candidates if c))
    for iri in wanted:
        node = ox.NamedNode(iri)
        if next(store.quads_for_pattern(node, None, None), None) is not None:
            return node
    for iri in wanted:
        for predicate in (_SAME_AS, _URL):
            for quad in store.quads_for_pattern(None, predicate, ox.NamedNode(iri)):
                if isinstance(quad.subject, ox.NamedNode):
                    return quad.subject
    return ox.NamedNode(wanted[1] if len(wanted) > 1 else wanted[0])


def _story_of(store: ox.Store, article: ox.NamedNode) -> ox.NamedNode:
    answer = store.query(_STORY_ID.replace("ARTICLE", str(article)))  # str(): <iri>, valid as it is
    assert isinstance(answer, ox.QuerySolutions)
    for solution in answer:
        story = solution["story"]
        if isinstance(story, ox.NamedNode):
            return story
    return article


def query_store(
    store: ox.Store,
    sparql: str,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    allow_remote: bool = False,
    bindings: Mapping[str, str] | None = None,
) -> QueryResult:
    """Run ``sparql`` on ``store`` and collect the answer.

    The prefixes of :data:`PREFIXES` need no declaration. ``bindings`` gives
    variables a value before the query runs (``{"place": "GB"}``; text that
    looks like an absolute IRI becomes an IRI, read as the build reads URLs
    (:func:`resolve_url`), anything else a string; ``story`` takes any article
    of the story).
    Raises :class:`~graph.errors.QueryError` for a syntax error (with line
    and column), a refused query (see :func:`check_query`) or a query that
    runs longer than ``timeout`` seconds (``None``: no limit). On timeout the
    query is abandoned: rows stop being read at once, and an engine step in
    progress (a sort, a group) finishes in the background.

    >>> store = memory_store(_EXAMPLE)
    >>> query_store(store, "ASK { ?a schema:publisher ?o }").boolean
    True
    >>> query_store(store, "SELECT * WHERE { ?s ?p }")
    Traceback (most recent call last):
    ...
    graph.errors.QueryError: SPARQL syntax error at line 1, column 25: expected one of LATERAL, SERVICE, [_]
    """
    import time

    check_query(sparql, allow_remote=allow_remote)
    substitutions = _substitutions(store, bindings)
    stop = threading.Event()
    box: dict[str, Any] = {}

    def run() -> None:
        try:
            answer = store.query(sparql, prefixes=PREFIXES, substitutions=substitutions)
            if isinstance(answer, ox.QueryBoolean):
                box["result"] = QueryResult([], boolean=bool(answer))
            elif isinstance(answer, ox.QuerySolutions):
                names = [v.value for v in answer.variables]
                rows: list[tuple[Term | None, ...]] = []
                for solution in answer:
                    if stop.is_set():
                        return
                    rows.append(tuple(solution[i] for i in range(len(names))))
                box["result"] = QueryResult(names, rows)
            else:
                triples: list[tuple[Term | None, ...]] = []
                for t in answer:
                    if stop.is_set():
                        return
                    triples.append((t.subject, t.predicate, t.object))
                box["result"] = QueryResult(["subject", "predicate", "object"], triples)
        except BaseException as exc:  # handed to the caller's thread
            box["error"] = exc

    started = time.perf_counter()
    worker = threading.Thread(target=run, name="newsgraph-query", daemon=True)
    worker.start()
    worker.join(timeout)
    if worker.is_alive():
        stop.set()
        raise QueryTimeout(
            f"the query was stopped after {timeout:g} s (timeout); narrow it (LIMIT, more specific patterns) "
            "or allow more time (CLI: --timeout)"
        )
    error = box.get("error")
    if isinstance(error, SyntaxError):
        raise QueryError(syntax_message(sparql, str(error))) from error
    if isinstance(error, OSError | ValueError | RuntimeError):
        raise QueryError(f"the query failed: {error}") from error
    if error is not None:
        raise error
    result: QueryResult = box["result"]
    result.elapsed = time.perf_counter() - started
    return result


def store_path(out: str | os.PathLike[str]) -> Path:
    """Where a build in ``out`` keeps its store: ``out/store``."""
    return Path(out) / "store"


def open_store(out: str | os.PathLike[str]) -> ox.Store:
    """Open the store of the build in ``out``, read-only.

    Raises :class:`~graph.errors.OutputError` when ``out`` has no store.
    """
    path = store_path(out)
    if not path.is_dir():
        raise OutputError(
            f"{Path(out)} holds no SPARQL store (no {path.name}/ folder); run 'newsgraph build SOURCE -o {out}' first",
            path=str(path),
        )
    try:
        return ox.Store.read_only(str(path))
    except OSError as exc:
        raise OutputError(f"cannot open the store {path}: {exc}", path=str(path)) from exc


def query(
    out: str | os.PathLike[str],
    sparql: str,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    allow_remote: bool = False,
    bindings: Mapping[str, str] | None = None,
) -> QueryResult:
    """Answer ``sparql`` (text, a ``.rq`` path or a library name) from the store of the build in ``out``.

    See :func:`query_store` for the options and errors.
    """
    text = resolve_query(sparql)
    store = open_store(out)
    return query_store(store, text, timeout=timeout, allow_remote=allow_remote, bindings=bindings)


def load_store(path: str | os.PathLike[str], rdf: bytes | str | os.PathLike[str], fmt: str = "nt") -> None:
    """Create an on-disk store in the new folder ``path`` and bulk-load ``rdf`` into it.

    ``rdf`` is the data itself (``bytes``) or a file to read; ``fmt`` is
    ``nt`` (N-Triples) or ``ttl`` (Turtle). The store is closed on return.
    """
    rdf_format = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE}[fmt]
    store = ox.Store(str(path))
    try:
        if isinstance(rdf, bytes):
            store.bulk_load(input=rdf, format=rdf_format)
        else:
            store.bulk_load(path=os.fspath(rdf), format=rdf_format)
        store.optimize()
    except SyntaxError as exc:
        raise OutputError(f"the RDF of the graph does not parse: {exc}", path=str(path)) from exc
    finally:
        del store


def memory_store(rdf: bytes | str, fmt: str = "nt") -> ox.Store:
    """An in-memory store holding ``rdf`` (N-Triples, or Turtle with ``fmt="ttl"``).

    >>> len(memory_store(_EXAMPLE))
    2
    """
    rdf_format = {"nt": ox.RdfFormat.N_TRIPLES, "ttl": ox.RdfFormat.TURTLE}[fmt]
    store = ox.Store()
    store.bulk_load(input=rdf.encode() if isinstance(rdf, str) else rdf, format=rdf_format)
    return store


# --------------------------------------------------------------------------- from a KnowledgeGraph

_CACHE: dict[int, tuple[object, tuple[int, int], ox.Store]] = {}
_CACHE_SIZE: Final = 4


def _load_kg(store: ox.Store, kg: KnowledgeGraph) -> None:
    """Bulk-load the RDF of ``kg`` (made by :func:`graph.rdf.write_rdf` as N-Triples) into ``store``."""
    import tempfile

    from .rdf import write_rdf

    with tempfile.TemporaryDirectory(prefix="newsgraph-") as tmp:
        nt = Path(tmp) / "graph.nt"
        try:
            write_rdf(kg, nt)
        except ValueError as exc:
            raise OutputError(f"the graph cannot be turned into RDF: {exc}") from exc
        store.bulk_load(path=str(nt), format=ox.RdfFormat.N_TRIPLES)


def write_store(kg: KnowledgeGraph, path: Path) -> None:
    """Write the store of ``kg`` into the new folder ``path`` (the ``store`` output of a build).

    When the same build already wrote ``graph.nt`` beside ``path``, the store
    is bulk-loaded from it; otherwise the triples are made from ``kg``.
    """
    sibling = path.parent / "graph.nt"
    if sibling.is_file():
        load_store(path, sibling, "nt")
        return
    store = ox.Store(str(path))
    try:
        _load_kg(store, kg)
        store.optimize()
    finally:
        del store


def patch_store(old: Path, path: Path, removed: bytes, added: bytes) -> None:
    """Write into the new folder ``path`` the store ``old`` less the N-Triples ``removed``, plus ``added``.

    The copy is a RocksDB checkpoint (hard links, instant), so a rebuild
    after a small change does not load every triple again. Raises ``OSError``
    when ``old`` cannot be opened (in use by a writer, or not a store).
    """
    try:
        source = ox.Store.read_only(str(old))
    except (OSError, ValueError) as exc:
        raise OSError(f"cannot open the previous store {old}: {exc}") from exc
    try:
        source.backup(str(path))
    finally:
        del source
    store = ox.Store(str(path))
    try:
        for quad in ox.parse(removed, ox.RdfFormat.N_TRIPLES):
            store.remove(quad)
        store.extend(ox.parse(added, ox.RdfFormat.N_TRIPLES))
        store.flush()
    finally:
        del store


def _kg_store(kg: KnowledgeGraph) -> ox.Store:
    g = kg.graph
    key = id(kg)
    stamp = (g.number_of_nodes(), g.number_of_edges())
    cached = _CACHE.get(key)
    if cached is not None and cached[0] is kg and cached[1] == stamp:
        return cached[2]
    store = ox.Store()
    _load_kg(store, kg)
    if len(_CACHE) >= _CACHE_SIZE:
        _CACHE.pop(next(iter(_CACHE)))
    _CACHE[key] = (kg, stamp, store)
    return store


def dataframe(
    kg: KnowledgeGraph,
    sparql: str,
    *,
    timeout: float | None = DEFAULT_TIMEOUT,
    bindings: Mapping[str, str] | None = None,
) -> pd.DataFrame:
    """Answer ``sparql`` (text, ``.rq`` path or library name) over ``kg`` as a DataFrame.

    The graph is turned into RDF and loaded into an in-memory Oxigraph store
    the first time; later queries on the same, unchanged graph reuse it.
    """
    text = resolve_query(sparql)
    return query_store(_kg_store(kg), text, timeout=timeout, bindings=bindings).to_dataframe()


# --------------------------------------------------------------------------- the library


@dataclass(frozen=True, slots=True)
class LibraryQuery:
    """A query shipped with newsgraph: its ``name``, what it answers, its text."""

    name: str
    description: str
    text: str


def _description(text: str) -> str:
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#"):
            break
        lines.append(stripped.lstrip("#").strip())
    return " ".join(x for x in lines if x).strip()


def library() -> dict[str, LibraryQuery]:
    """The shipped queries by name, in name order; each ``.rq`` starts with a comment saying what it answers.

    >>> "top-outlets" in library()
    True
    """
    folder = resources.files("graph") / "queries"
    found: dict[str, LibraryQuery] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            text = entry.read_text(encoding="utf-8")
            name = entry.name[: -len(".rq")]
            found[name] = LibraryQuery(name, _description(text), text)
    return found


def resolve_query(spec: str) -> str:
    """The text of ``spec``: a library query name, a path to a ``.rq`` file, or SPARQL text.

    Raises :class:`~graph.errors.QueryError` for a ``.rq`` path that does not exist.

    >>> resolve_query("SELECT * WHERE { ?s ?p ?o }")
    'SELECT * WHERE { ?s ?p ?o }'
    >>> resolve_query("top-topics").startswith("#")
    True
    """
    stripped = spec.strip()
    if re.fullmatch(r"[A-Za-z0-9_-]+", stripped):
        lib = library()
        if stripped in lib:
            return lib[stripped].text
        if not re.search(r"\s", spec):
            raise QueryError(
                f"no library query named {stripped!r}; 'newsgraph query --list' lists them: {', '.join(lib)}"
            )
    if "\n" not in stripped and stripped.endswith(".rq"):
        path = Path(stripped)
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise QueryError(f"cannot read the query file {path}: {exc.strerror or exc}") from exc
    return spec


QueryFormat = Literal["table", "csv", "tsv", "json"]
