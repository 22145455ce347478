"""The embedded Oxigraph store of a build, and running queries on a store.

A build writes ``OUT/store/``, an on-disk `Oxigraph <https://oxigraph.org>`_
store loaded in bulk from the RDF of the graph, so queries take milliseconds
from the first run. :func:`query` opens it read-only and answers a SPARQL
query as a :class:`~graph.sparql.results.QueryResult`; :func:`dataframe`
answers one over a :class:`~graph.model.KnowledgeGraph` in memory (its
triples loaded straight into an in-memory store, once).

Every query is checked first (:func:`graph.sparql.check.check_query`: no
``SERVICE``, ``FROM`` or update unless allowed). A query that runs longer than
``timeout`` seconds raises :class:`~graph.errors.QueryTimeout`.

>>> store = memory_store(_EXAMPLE)
>>> query_store(store, "SELECT ?name WHERE { ?o schema:name ?name }").to_dataframe()["name"].tolist()
['Alpha News']
>>> query_store(store, "SELECT * WHERE { SERVICE <https://example.org/sparql> { ?s ?p ?o } }")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
graph.errors.QueryRefused: SERVICE (line 1, column 18) is refused: it would send part of the query to another machine...
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

import pyoxigraph as ox

from ..errors import OutputError, QueryError, QueryTimeout
from ..identity import canonical_url
from .check import PREFIXES, check_query, syntax_message
from .library import resolve_query
from .results import QueryResult, Term

if TYPE_CHECKING:
    import pandas as pd

    from ..model import KnowledgeGraph
    from ..rdf import Triple

__all__ = [
    "DEFAULT_TIMEOUT",
    "add_counts",
    "dataframe",
    "load_kg_store",
    "load_store",
    "memory_store",
    "open_store",
    "patch_store",
    "query",
    "query_store",
    "resolve_url",
    "store_path",
]

#: Seconds a query may run before it is stopped.
DEFAULT_TIMEOUT: Final = 30.0

_XSD_STRING: Final = "http://www.w3.org/2001/XMLSchema#string"

_EXAMPLE: Final = (
    "<https://example.org/a> <https://schema.org/publisher> <https://example.org/o> .\n"
    '<https://example.org/o> <https://schema.org/name> "Alpha News" .\n'
)
_EXAMPLE_STORY: Final = (
    _EXAMPLE + "<https://example.org/story> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
    "<https://w3id.org/newsgraph/vocab#Story> .\n"
    "<https://example.org/a> <https://schema.org/isPartOf> <https://example.org/story> .\n"
)


# --------------------------------------------------------------------------- running


_SAME_AS: Final = ox.NamedNode("https://schema.org/sameAs")
_URL: Final = ox.NamedNode("https://schema.org/url")
_TYPE: Final = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_STORY: Final = ox.NamedNode("https://w3id.org/newsgraph/vocab#Story")
_PART_OF: Final = ox.NamedNode("https://schema.org/isPartOf")


#: The last ``LIMIT n`` of a query (and an ``OFFSET`` after it): what ``page=`` turns into a page.
_LIMIT: Final = re.compile(r"\bLIMIT\s+(\d+)(?:\s+OFFSET\s+\d+)?(?![\s\S]*\bLIMIT\s+\d)", re.IGNORECASE)


_PAGE_END: Final = re.compile(r"VALUES\s+\?pageEnd\s*\{\s*\d+\s*\}")


def paged(sparql: str, bindings: Mapping[str, str] | None) -> tuple[str, dict[str, str] | None]:
    """The query for binding ``page=N`` (1, 2, ...): its last ``LIMIT n`` becomes ``LIMIT n OFFSET n*(N-1)``,
    the N-th page of rows; the other bindings as they are.

    The library's listings give 100 rows a page, so no question returns a million rows by default.
    A listing that reads only what its page needs says where the page ends with ``VALUES ?pageEnd { n }``
    (``n`` its ``LIMIT``): that becomes the N-th page's end.
    Raises :class:`~graph.errors.QueryError` for a page that is not a whole number from 1, or a
    query without ``LIMIT``.

    >>> paged("SELECT * WHERE { ?s ?p ?o } LIMIT 100", {"page": "3", "tag": "GB"})
    ('SELECT * WHERE { ?s ?p ?o } LIMIT 100 OFFSET 200', {'tag': 'GB'})
    >>> paged("SELECT * WHERE { VALUES ?pageEnd { 10 } ?s ?p ?o } LIMIT 10", {"page": "2"})[0]
    'SELECT * WHERE { VALUES ?pageEnd { 20 } ?s ?p ?o } LIMIT 10 OFFSET 10'
    >>> paged("SELECT * WHERE { ?s ?p ?o }", {"tag": "GB"})
    ('SELECT * WHERE { ?s ?p ?o }', {'tag': 'GB'})
    """
    if not bindings or not any(name.lstrip("?$") == "page" for name in bindings):
        return sparql, dict(bindings) if bindings else None
    rest = {name: value for name, value in bindings.items() if name.lstrip("?$") != "page"}
    value = next(value for name, value in bindings.items() if name.lstrip("?$") == "page")
    if not value.strip().isdigit() or int(value) < 1:
        raise QueryError(f"page= takes a page number (1, 2, ...), not {value!r}")
    match = _LIMIT.search(sparql)
    if match is None:
        raise QueryError("page= pages a query's rows by its LIMIT, and this query has no LIMIT")
    size = int(match.group(1))
    text = f"{sparql[: match.start()]}LIMIT {size} OFFSET {size * (int(value) - 1)}{sparql[match.end() :]}"
    text = _PAGE_END.sub(f"VALUES ?pageEnd {{ {size * int(value)} }}", text)
    return text, rest or None


def _substitutions(store: ox.Store, bindings: Mapping[str, str] | None) -> dict[ox.Variable, Term] | None:
    """Bound values as terms: a URL is read the way the build reads URLs (:func:`resolve_url`).

    ``story`` is special: it takes a story (an ``ng:Story`` of ``build --stories``)
    or any article of one, which stands for its story (:func:`_story_of`).
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


def _is_story(store: ox.Store, node: ox.NamedNode) -> bool:
    return next(store.quads_for_pattern(node, _TYPE, _STORY), None) is not None


def _story_of(store: ox.Store, node: ox.NamedNode) -> ox.NamedNode:
    """The story ``node`` names: ``node`` itself when it is a story, else the story it is part of
    (``schema:isPartOf``); else ``node`` unchanged (an article in no story: the query matches nothing).

    Raises :class:`~graph.errors.QueryError` when the store holds no story at all (a build with ``--no-stories``
    or ``--stream``).

    >>> store = memory_store(_EXAMPLE_STORY)
    >>> _story_of(store, ox.NamedNode("https://example.org/a")).value
    'https://example.org/story'
    >>> _story_of(store, ox.NamedNode("https://example.org/story")).value
    'https://example.org/story'
    """
    if _is_story(store, node):
        return node
    for quad in store.quads_for_pattern(node, _PART_OF, None):
        story = quad.object
        if isinstance(story, ox.NamedNode) and _is_story(store, story):
            return story
    if next(store.quads_for_pattern(None, _TYPE, _STORY), None) is None:
        raise QueryError(
            "story= names a story, but this build has no stories (no ng:Story: it was built with --no-stories "
            "or --stream); build again without those options to find them"
        )
    return node


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
    (:func:`resolve_url`), anything else a string; ``story`` takes a story or
    any article of one; ``page`` takes the query's N-th page of rows, see :func:`paged`).
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
    check_query(sparql, allow_remote=allow_remote)
    sparql, bindings = paged(sparql, bindings)
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


#: N-Triples bigger than this are bulk-loaded in pieces of about this size. Oxigraph's bulk loader holds
#: what it loads in memory, about 600 bytes a triple: the 2.2 million triples of a 60,000-item build took
#: 1.46 GB in one piece, 0.69 GB in pieces of 64 MB, for 35% more time loading (12.2 s -> 16.6 s; measured
#: 2026-11-30). A build's peak memory is its store's load.
BULK_CHUNK_BYTES: Final = 64 * 2**20


def _line_chunks(path: str | os.PathLike[str], size: int) -> Iterator[bytes]:
    """The file at ``path`` in pieces of about ``size`` bytes, each ending at a line's end.

    For N-Triples a build wrote: whole triples in each piece, and no blank nodes (the mapping names
    every node with an IRI), so loading the pieces one by one gives the same store.
    """
    with open(path, "rb") as fh:
        rest = b""
        while block := fh.read(size):
            block = rest + block
            cut = block.rfind(b"\n") + 1
            if cut == 0:
                rest = block
                continue
            rest = block[cut:]
            yield block[:cut]
        if rest:
            yield rest


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
        elif fmt == "nt" and os.path.getsize(rdf) > BULK_CHUNK_BYTES:
            for chunk in _line_chunks(rdf, BULK_CHUNK_BYTES):
                store.bulk_load(input=chunk, format=rdf_format)
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


def add_counts(store: ox.Store) -> int:
    """Make the derived counts of :mod:`graph.rdf.summary` from the triples of ``store`` and put them in it.

    Every build writes them; this is for a store whose RDF came from elsewhere
    (an older build, another tool, a hand-written file), so that the
    library's questions that read them answer. Counts already there are
    replaced. Returns the number of triples the counts hold. It reads the
    whole default graph: meant for stores that fit in memory.

    >>> store = memory_store(_EXAMPLE)
    >>> add_counts(store) > 0, len(query_store(store, resolve_query("top-outlets")))
    (True, 1)
    """
    from ..rdf.summary import is_summary, summary_of_lines

    dumped = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
    lines = [
        line
        for line in dumped.decode().split("\n")
        if line and not (line.startswith("<") and is_summary(line[1 : line.index(">")]))
    ]
    lines.sort()
    made = summary_of_lines(line + "\n" for line in lines)
    old = [
        q
        for q in store.quads_for_pattern(None, None, None, ox.DefaultGraph())
        if isinstance(q.subject, ox.NamedNode) and is_summary(q.subject.value)
    ]
    for q in old:
        store.remove(q)
    triples = [t for key in sorted(made) for t in made[key]]
    store.extend(_quads(triples))
    return len(triples)


# --------------------------------------------------------------------------- from a KnowledgeGraph

_CACHE: dict[int, tuple[object, tuple[int, int], ox.Store]] = {}
_CACHE_SIZE: Final = 4


def _quads(triples: list[Triple]) -> Iterator[ox.Quad]:
    """The triples of the RDF mapping (``(s, p, o, datatype)``, see :func:`graph.rdf.rdf_triples`) as quads.

    Each IRI is made once; a string literal (``xsd:string``) is a plain literal,
    as in N-Triples. Raises ``ValueError`` for an IRI a strict parser refuses.
    """
    iris: dict[str, ox.NamedNode] = {}

    def iri(text: str) -> ox.NamedNode:
        node = iris.get(text)
        if node is None:
            node = iris[text] = ox.NamedNode(text)
        return node

    for s, p, o, dt in triples:
        if not dt:  # an IRI
            obj: ox.NamedNode | ox.Literal = iri(o)
        elif dt == _XSD_STRING:
            obj = ox.Literal(o)
        else:
            obj = ox.Literal(o, datatype=iri(dt))
        yield ox.Quad(iri(s), iri(p), obj)


def _load_kg(store: ox.Store, kg: KnowledgeGraph) -> None:
    """Load the triples of ``kg`` (the RDF mapping's, :func:`graph.rdf.rdf_triples`) into ``store``.

    Straight from the triples: no N-Triples text is written or parsed. Raises
    :class:`~graph.errors.OutputError` when the graph has no RDF form (an
    unknown kind or relation, an IRI a strict parser refuses; the message is
    the one :func:`graph.rdf.write_rdf` gives).
    """
    from ..rdf import check_iris, rdf_triples

    try:
        triples = rdf_triples(kg)
        try:
            store.bulk_extend(_quads(triples))
        except ValueError:
            check_iris(triples)  # names the least refused IRI, as the RDF files' writer does
            raise
    except ValueError as exc:
        raise OutputError(f"the graph cannot be turned into RDF: {exc}") from exc


def load_kg_store(path: str | os.PathLike[str], kg: KnowledgeGraph) -> None:
    """Create an on-disk store of ``kg`` in the new folder ``path``, from the RDF mapping's triples.

    (A build loads its store from the ``graph.nt`` it wrote instead, with :func:`load_store`:
    the ``store`` output declares that it needs it.)
    """
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
