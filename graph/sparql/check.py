"""Checking SPARQL text before an engine sees it: refused features, prefixes, syntax messages.

Queries stay on this machine: :func:`check_query` refuses ``SERVICE`` (it
would send part of the query to another endpoint), ``FROM``/``FROM NAMED``
(other engines fetch those graphs from the web) and update operations such
as ``LOAD``; ``allow_remote=True`` lets ``SERVICE`` and ``FROM`` through.
The prefixes of :data:`PREFIXES` need no declaration (:func:`declare_prefixes`
puts them in front of a query for engines that take no prefixes besides the
query's), and :func:`syntax_message` turns Oxigraph's syntax errors into
readable ones. Standard library only: no engine is needed to check a query.

>>> check_query("SELECT * WHERE { SERVICE <https://example.org/sparql> { ?s ?p ?o } }")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graph.errors.QueryRefused: SERVICE (line 1, column 18) is refused: it would send part of the query to another machine...
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Final

from ..errors import QueryRefused

__all__ = ["ALLOW_REMOTE_HINT", "PREFIXES", "check_query", "declare_prefixes", "syntax_message"]

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
    "qb": "http://purl.org/linked-data/cube#",
    # the derived counts every build writes (graph.rdf.summary): counts:days, counts:topics, ...
    "counts": "https://w3id.org/newsgraph/id/summary/",
}


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
    (True, False, 447)
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
    or use one of: schema, ng, skos, dcterms, prov, xsd, rdf, rdfs, qb, counts
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
