"""Sending a built graph to a SPARQL 1.1 Graph Store Protocol endpoint.

Any endpoint that speaks the `Graph Store Protocol
<https://www.w3.org/TR/sparql11-http-rdf-update/>`_ works: Oxigraph's
``/store``, Fuseki's ``/DATASET/data``, GraphDB's
``/repositories/REPO/rdf-graphs/service``... The triples of ``OUT/graph.nt``
(or, without it, of ``OUT/store``) replace the target graph in **one** ``PUT``
whose body is streamed from the file (chunked transfer encoding, ``chunk``
triples a piece), so push never holds the whole graph in memory (the 1M-item
build's ``graph.nt`` is about 4 GB).

A push is atomic where the store applies a request in one transaction: the
graph is then replaced whole, or left as it was. Oxigraph does (measured with
0.5.13: a body cut midway, a proxy answering 500 midway and a malformed body
each left the graph exactly as it was; releases before oxigraph PR #1896,
0.5.9 among them, cleared the graph before loading the body: oxigraph issue
#1895). For the stores that do not, push says exactly what happened: it reads the graph once before the
``PUT`` (a streamed ``GET``, keeping the count and an order-blind digest of the
triples) and again after a failure, and the :class:`PushError` says whether
the graph is as it was, was replaced all the same, or holds something else
(how many triples now and before), and how to repair it.

Why not a temporary graph and SPARQL Update ``MOVE``: measured on Oxigraph
0.5.13 with 1M triples, the streamed ``PUT`` took 160 s with the server at
2.1 GB; loading a temporary graph (10,000 triples a request) took 195 s and
the ``MOVE`` 358 s more, with the server at 4.3 GB. It also needs an update
endpoint, and readers see the temporary graph while it loads.

The price of one transaction is the store's memory: Oxigraph holds it in
memory, and its server peaked at 2.1 GB for a PUT of 1M triples and 4.1 GB
for 2M (0.9 GB for 1M sent 10,000 triples a request). For a graph larger
than the store can hold in one transaction, ``push(..., atomic=False)`` sends
it in pieces, one transaction each; a failure then leaves part of the build in
the graph, and the error says how much.

push talks to the endpoint directly (``http_proxy`` and the like are not used).

>>> graph_url("http://127.0.0.1:7878/store", "https://example.org/g")
'http://127.0.0.1:7878/store?graph=https%3A%2F%2Fexample.org%2Fg'
>>> graph_url("http://127.0.0.1:7878/store", None)
'http://127.0.0.1:7878/store?default'
"""

from __future__ import annotations

import hashlib
import http.client
import os
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final
from urllib.parse import quote, urlsplit

from ..errors import NewsgraphError, OutputError, PushError

if TYPE_CHECKING:
    import pyoxigraph as ox

__all__ = [
    "CHUNK_TRIPLES",
    "REPLY_TIMEOUT",
    "GraphState",
    "PushResult",
    "graph_url",
    "ntriples_lines",
    "push",
    "read_graph",
]

#: Triples per piece of the streamed body.
CHUNK_TRIPLES: Final = 10_000
#: Seconds the endpoint may take to answer once the whole graph has been sent (it applies it meanwhile).
REPLY_TIMEOUT: Final = 3600.0

_NT: Final = "application/n-triples"
_BLOCK: Final = 1 << 20
_BLANK: Final = re.compile(rb"_:[^\s]+")
_MOD: Final = 1 << 128


@dataclass(frozen=True, slots=True)
class PushResult:
    """``sent`` triples in ``requests`` requests; ``stored``: triples the graph holds afterwards; ``previous``:
    triples it held before (``None``: there was no such graph)."""

    url: str
    sent: int
    stored: int
    previous: int | None
    requests: int = 1


@dataclass(frozen=True, slots=True)
class GraphState:
    """What a graph holds: ``triples`` (``None``: there is no such graph) and a ``digest`` of them, blind to order.

    Blank node labels are left out of the digest (a store may relabel them
    between two reads); comment and empty lines are skipped.

    >>> GraphState.of([b'<s> <p> "1" .\\n', b'<s> <p> "2" .\\n']) == GraphState.of([b'<s> <p> "2" .', b'<s> <p> "1" .'])
    True
    >>> GraphState.of([b'<s> <p> "1" .']) == GraphState.of([b'<s> <p> "2" .'])
    False
    >>> [s.describe() for s in (GraphState(None), GraphState.of([]), GraphState.of([b"<s> <p> <o> ."]))]
    ['no such graph', 'no triples', '1 triple']
    """

    triples: int | None
    digest: int = 0

    @classmethod
    def of(cls, lines: Iterable[bytes]) -> GraphState:
        """The state of a graph holding ``lines`` (N-Triples)."""
        tally = _Tally()
        for line in lines:
            tally.add(line)
        return tally.state()

    def describe(self) -> str:
        """``'1,000 triples'``, ``'1 triple'``, ``'no triples'`` or ``'no such graph'``."""
        if self.triples is None:
            return "no such graph"
        if self.triples == 0:
            return "no triples"
        return f"{self.triples:,} triple{'' if self.triples == 1 else 's'}"


class _Tally:
    __slots__ = ("count", "digest")

    def __init__(self) -> None:
        self.count = 0
        self.digest = 0

    def add(self, line: bytes) -> None:
        line = line.strip()
        if not line or line.startswith(b"#"):
            return
        if b"_:" in line:
            line = _BLANK.sub(b"_:", line)
        self.count += 1
        self.digest = (self.digest + int.from_bytes(hashlib.blake2b(line, digest_size=16).digest(), "big")) % _MOD

    def state(self) -> GraphState:
        return GraphState(self.count, self.digest)


def graph_url(endpoint: str, graph: str | None) -> str:
    """The Graph Store Protocol URL of ``graph`` (``None``: the default graph) at ``endpoint``."""
    sep = "&" if "?" in endpoint else "?"
    if graph is None:
        return f"{endpoint}{sep}default"
    return f"{endpoint}{sep}graph={quote(graph, safe='')}"


def ntriples_lines(out: str | os.PathLike[str]) -> Iterator[bytes]:
    """The N-Triples lines of the build in ``out``, one at a time: ``graph.nt``, else a dump of ``store/``.

    Nothing is read whole into memory. Raises :class:`~graph.errors.OutputError`
    at once when ``out`` holds neither.

    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as out:
    ...     _ = (Path(out) / "graph.nt").write_bytes(b"# a comment\\n<s> <p> <o> .\\n\\n<s> <p> <o2> .")
    ...     list(ntriples_lines(out))
    [b'<s> <p> <o> .\\n', b'<s> <p> <o2> .\\n']
    """
    folder = Path(out)
    nt = folder / "graph.nt"
    if nt.is_file():
        return _file_lines(nt)
    from .store import open_store

    return _store_lines(folder, open_store(folder))


def _file_lines(path: Path) -> Iterator[bytes]:
    try:
        with path.open("rb") as f:
            for line in f:
                if line.strip() and not line.startswith(b"#"):
                    yield line if line.endswith(b"\n") else line + b"\n"
    except OSError as exc:
        raise OutputError(f"cannot read {path}: {exc}", path=str(path)) from exc


def _store_lines(folder: Path, store: ox.Store) -> Iterator[bytes]:
    import pyoxigraph as ox

    try:
        batch: list[ox.Triple] = []
        for quad in store.quads_for_pattern(None, None, None, ox.DefaultGraph()):
            batch.append(quad.triple)
            if len(batch) == CHUNK_TRIPLES:
                yield from (ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b"").splitlines(keepends=True)
                batch = []
        if batch:
            yield from (ox.serialize(batch, format=ox.RdfFormat.N_TRIPLES) or b"").splitlines(keepends=True)
    except OSError as exc:
        raise OutputError(f"cannot read the store of {folder}: {exc}", path=str(folder)) from exc


def _connection(url: str, timeout: float) -> tuple[http.client.HTTPConnection, str]:
    parts = urlsplit(url)
    kind = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return kind(parts.hostname or "", parts.port, timeout=timeout), target


def _refusal(method: str, url: str, response: http.client.HTTPResponse) -> str:
    try:
        detail = response.read(500).decode("utf-8", "replace").strip()
    except (OSError, http.client.HTTPException):
        detail = ""
    return f"{method} {url} was refused: HTTP {response.status} {response.reason}. {detail}".strip()


def read_graph(url: str, *, timeout: float = 60.0) -> GraphState:
    """What the graph at ``url`` (a Graph Store Protocol graph URL, see :func:`graph_url`) holds.

    One ``GET``, read a block at a time. A 404 answer is a graph that does not
    exist. Raises :class:`PushError` when the endpoint cannot be reached,
    refuses, or answers in another format than N-Triples.
    """
    conn, target = _connection(url, timeout)
    try:
        conn.request("GET", target, headers={"Accept": _NT})
        response = conn.getresponse()
        if response.status == 404:
            return GraphState(None)
        if not 200 <= response.status < 300:
            raise PushError(_refusal("GET", url, response))
        kind = (response.getheader("Content-Type") or _NT).split(";")[0].strip().lower()
        if kind not in (_NT, "text/plain"):
            raise PushError(f"GET {url} answered {kind}, not N-Triples ({_NT})")
        tally = _Tally()
        rest = b""
        while block := response.read(_BLOCK):
            lines = (rest + block).split(b"\n")
            rest = lines.pop()
            for line in lines:
                tally.add(line)
        tally.add(rest)
        return tally.state()
    except (OSError, http.client.HTTPException) as exc:
        raise PushError(f"cannot reach {url}: {_reason(exc)}; is the endpoint running?") from exc
    finally:
        conn.close()


def _reason(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__


class _Failed(Exception):
    """A request failed: ``reason``; ``sent_nothing``: not a byte of it reached the endpoint; ``pending``: no
    answer came; ``applied``: triples that earlier requests of a non-atomic push had put into the graph."""

    def __init__(self, reason: str, *, sent_nothing: bool = False, pending: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.sent_nothing = sent_nothing
        self.pending = pending
        self.applied = 0


def _send(
    method: str, url: str, body: Iterable[bytes] | bytes, timeout: float, reply_timeout: float, count: Callable[[], str]
) -> None:
    """One request with ``body`` (bytes: with a length; an iterable: streamed in chunked transfer encoding)."""
    conn, target = _connection(url, timeout)
    try:
        try:
            conn.connect()
        except OSError as exc:
            raise _Failed(f"cannot reach {url}: {_reason(exc)}", sent_nothing=True) from exc
        try:
            conn.request(
                method, target, body=body, headers={"Content-Type": _NT}, encode_chunked=not isinstance(body, bytes)
            )
        except NewsgraphError as exc:  # reading the build failed: the request is left unfinished
            raise _Failed(f"reading the build failed after {count()} were sent ({exc})") from exc
        except (OSError, http.client.HTTPException) as exc:
            broke = f"the connection broke after {count()} were sent ({_reason(exc)})"
            early = _early_answer(conn)  # a store may refuse before reading the whole body
            raise _Failed(f"{broke}; {_refusal(method, url, early)}" if early else broke) from exc
        if conn.sock is not None:
            conn.sock.settimeout(reply_timeout)
        try:
            response = conn.getresponse()
        except TimeoutError as exc:
            raise _Failed(f"{count()} were sent but no answer came in {reply_timeout:g} s", pending=True) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise _Failed(f"{count()} were sent but the connection broke before the answer ({_reason(exc)})") from exc
        if not 200 <= response.status < 300:
            raise _Failed(_refusal(method, url, response))
        response.read()
    finally:
        conn.close()


def _early_answer(conn: http.client.HTTPConnection) -> http.client.HTTPResponse | None:
    try:
        if conn.sock is None:
            return None
        conn.sock.settimeout(2.0)
        return conn.getresponse()
    except (OSError, http.client.HTTPException):
        return None


def push(
    out: str | os.PathLike[str],
    endpoint: str,
    graph: str | None = None,
    *,
    chunk: int = CHUNK_TRIPLES,
    atomic: bool = True,
    timeout: float = 60.0,
    reply_timeout: float = REPLY_TIMEOUT,
    progress: Callable[[str, int, int], None] | None = None,
) -> PushResult:
    """Replace ``graph`` (an IRI; ``None``: the default graph) at ``endpoint`` with the graph of the build in ``out``.

    ``atomic``: one streamed ``PUT`` (see the module's docstring). Not
    ``atomic``: a ``PUT`` of the first ``chunk`` triples and a ``POST`` of each
    next ``chunk``, for a store that cannot hold the whole graph in one
    transaction (Oxigraph holds a transaction in memory: about 2 GB per
    million triples, measured); a failure then leaves part of the build in
    the graph, and the error says how much. ``timeout``: seconds the
    endpoint may stay silent while the graph is read or sent;
    ``reply_timeout``: seconds it may take to answer a request once it is
    sent. ``progress("push", triples_sent, total)`` is called after each
    piece of ``chunk`` triples. Raises :class:`PushError` when the endpoint
    is unreachable or the push fails (the message says what the graph holds
    then, and how to repair it), :class:`~graph.errors.OutputError` when
    ``out`` holds no build.
    """
    if not endpoint.startswith(("http://", "https://")):
        raise PushError(f"the endpoint must be an http(s) URL, not {endpoint!r} (e.g. http://127.0.0.1:7878/store)")
    url = graph_url(endpoint, graph)
    what = f"the graph <{graph}>" if graph is not None else "the default graph"
    total = sum(1 for _ in ntriples_lines(out))
    try:
        before = read_graph(url, timeout=timeout)
    except PushError as exc:
        raise PushError(f"{_sentence(str(exc))} Nothing was sent, so {what} is as it was.") from exc
    if progress is not None:
        progress("push", 0, total)
    sent = 0

    def pieces() -> Iterator[bytes]:
        nonlocal sent
        piece: list[bytes] = []
        for line in ntriples_lines(out):
            piece.append(line)
            if len(piece) >= max(1, chunk):
                yield b"".join(piece)
                sent += len(piece)
                piece = []
                if progress is not None:
                    progress("push", sent, total)
        if piece or (not atomic and sent == 0):  # a non-atomic push of nothing still replaces the graph
            yield b"".join(piece)
            sent += len(piece)
        if progress is not None:
            progress("push", sent, total)

    def count() -> str:
        return f"{sent:,} of {total:,} triples"

    applied = requests = 0
    try:
        if atomic:
            requests = 1
            _send("PUT", url, pieces(), timeout, reply_timeout, count)
            applied = total
        else:
            for piece in pieces():
                requests += 1
                _send("PUT" if requests == 1 else "POST", url, piece, timeout, reply_timeout, count)
                applied = sent + piece.count(b"\n")
    except _Failed as failure:
        if not atomic:
            failure.reason = f"request {requests:,} ({'PUT' if requests == 1 else 'POST'}) failed: {failure.reason}"
            failure.applied = applied
        raise PushError(_after_failure(failure, url, endpoint, what, before, total, timeout)) from failure
    try:
        after = read_graph(url, timeout=timeout)
    except PushError as exc:
        raise PushError(f"{endpoint} accepted the push, but {what} could not be read back: {exc}") from exc
    return PushResult(url=url, sent=sent, stored=after.triples or 0, previous=before.triples, requests=requests)


def _sentence(text: str) -> str:
    """``text`` ending as a sentence.

    >>> _sentence("refused"), _sentence("is it running?")
    ('refused.', 'is it running?')
    """
    return text if text.endswith((".", "?", "!")) else f"{text}."


def _after_failure(
    failure: _Failed, url: str, endpoint: str, what: str, before: GraphState, total: int, timeout: float
) -> str:
    """The message of a failed push: what went wrong, what ``what`` holds now, and how to repair it."""
    head = _sentence(f"the push to {endpoint} failed: {failure.reason}")
    What = what[:1].upper() + what[1:]
    if failure.sent_nothing and not failure.applied:
        held = "there is no such graph" if before.triples is None else f"{before.describe()}, as before the push"
        return f"{head} Nothing was sent, so {what} is as it was: {held}."
    again = "Push again once the endpoint works: a push replaces the whole graph."
    if failure.applied:
        head += f" The requests before it had put the first {failure.applied:,} triples of the build into the graph."
    try:
        after = read_graph(url, timeout=timeout)
    except PushError as exc:
        if failure.applied:
            guess = (
                f"it held {before.describe()} before the push, which its first request replaced; it holds at least the "
                f"first {failure.applied:,} triples of this build now."
            )
        else:
            guess = (
                f"it held {before.describe()} before the push. A store that applies a PUT in one transaction "
                f"(Oxigraph does) has left it as it was."
            )
        return (
            f"{head} {What} could not be read afterwards ({exc}), so its state is unknown: {guess} "
            f"Check it with: curl -H 'Accept: {_NT}' '{url}' | wc -l. {again}"
        )
    if failure.pending:
        return (
            f"{head} {What} holds {after.describe()} now and held {before.describe()} before; the store "
            f"may still be applying the push, so read it again later (curl -H 'Accept: {_NT}' '{url}' | wc -l). "
            f"{again}"
        )
    if after == before:
        held = "there is no such graph" if before.triples is None else f"{before.describe()}, the same triples"
        return (
            f"{head} {What} is as it was: {held} as before the push (read back after the failure); nothing of this "
            f"push was kept."
        )
    if after.triples == total:
        return (
            f"{head} {What} was replaced all the same: it holds {after.describe()} now, as many as this "
            f"build has, and held {before.describe()} before (the store applied the push, but its answer was lost). "
            f"{again}"
        )
    if failure.applied:
        why = "this push was not atomic: its first request replaced the graph and the next ones added to it"
    else:
        why = "this store does not apply a PUT in one transaction and kept part of it"
    return (
        f"{head} {What} is not as it was: it holds {after.describe()} now and {before.describe()} "
        f"before the push; {why}. The previous triples cannot be brought back from here (reload them from your own "
        f"copy if you need them). {again}"
    )
