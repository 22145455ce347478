"""Sending a built graph to a SPARQL 1.1 Graph Store Protocol endpoint.

Any endpoint that speaks the `Graph Store Protocol
<https://www.w3.org/TR/sparql11-http-rdf-update/>`_ works: Oxigraph's
``/store``, Fuseki's ``/DATASET/data``, GraphDB's
``/repositories/REPO/rdf-graphs/service``... The triples of ``OUT/graph.nt``
(or, without it, of ``OUT/store``) go in chunks of N-Triples: the first chunk
replaces the target graph (``PUT``), the others are added to it (``POST``), so
pushing twice leaves one copy. Afterwards the graph is read back (``GET``)
and its triples counted.

>>> graph_url("http://127.0.0.1:7878/store", "https://example.org/g")
'http://127.0.0.1:7878/store?graph=https%3A%2F%2Fexample.org%2Fg'
>>> graph_url("http://127.0.0.1:7878/store", None)
'http://127.0.0.1:7878/store?default'
"""

from __future__ import annotations

import os
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Final
from urllib.parse import quote

from .errors import NewsgraphError, OutputError

__all__ = ["CHUNK_TRIPLES", "PushError", "PushResult", "graph_url", "ntriples_lines", "push"]

#: Triples per request.
CHUNK_TRIPLES: Final = 10_000

_NT: Final = "application/n-triples"


class PushError(NewsgraphError):
    """The endpoint could not be reached or refused the data."""


@dataclass(frozen=True, slots=True)
class PushResult:
    """``sent`` triples in ``requests`` requests; ``stored``: the triples the graph holds afterwards."""

    url: str
    sent: int
    stored: int
    requests: int


def graph_url(endpoint: str, graph: str | None) -> str:
    """The Graph Store Protocol URL of ``graph`` (``None``: the default graph) at ``endpoint``."""
    sep = "&" if "?" in endpoint else "?"
    if graph is None:
        return f"{endpoint}{sep}default"
    return f"{endpoint}{sep}graph={quote(graph, safe='')}"


def ntriples_lines(out: str | os.PathLike[str]) -> list[bytes]:
    """The N-Triples lines of the build in ``out``: ``graph.nt``, else a dump of ``store/``."""
    folder = Path(out)
    nt = folder / "graph.nt"
    if nt.is_file():
        data = nt.read_bytes()
    else:
        import pyoxigraph as ox

        from .store import open_store

        store = open_store(folder)
        try:
            data = store.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b""
        except OSError as exc:
            raise OutputError(f"cannot read the store of {folder}: {exc}", path=str(folder)) from exc
    return [line for line in data.splitlines(keepends=True) if line.strip() and not line.startswith(b"#")]


def _chunks(lines: list[bytes], size: int) -> Iterator[list[bytes]]:
    for i in range(0, len(lines), size):
        yield lines[i : i + size]


def _send(method: str, url: str, body: bytes | None, timeout: float, accept: str | None = None) -> bytes:
    headers = {"Content-Type": _NT} if body is not None else {}
    if accept:
        headers["Accept"] = accept
    request = urllib.request.Request(url, data=body, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            payload: bytes = response.read()
            return payload
    except urllib.error.HTTPError as exc:
        detail = exc.read()[:500].decode("utf-8", "replace").strip()
        raise PushError(f"{method} {url} was refused: HTTP {exc.code} {exc.reason}. {detail}".strip()) from exc
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PushError(f"cannot reach {url}: {reason}; is the endpoint running?") from exc


def push(
    out: str | os.PathLike[str],
    endpoint: str,
    graph: str | None = None,
    *,
    chunk: int = CHUNK_TRIPLES,
    timeout: float = 60.0,
    progress: Callable[[str, int, int], None] | None = None,
) -> PushResult:
    """Send the graph of the build in ``out`` into ``graph`` (an IRI; ``None``: the default graph) at ``endpoint``.

    ``progress("push", triples_sent, total)`` is called after each chunk.
    Raises :class:`PushError` when the endpoint is unreachable or refuses a
    request, :class:`~graph.errors.OutputError` when ``out`` holds no build.
    """
    if not endpoint.startswith(("http://", "https://")):
        raise PushError(f"the endpoint must be an http(s) URL, not {endpoint!r} (e.g. http://127.0.0.1:7878/store)")
    lines = ntriples_lines(out)
    url = graph_url(endpoint, graph)
    total = len(lines)
    if progress is not None:
        progress("push", 0, total)
    sent = requests = 0
    for part in _chunks(lines, max(1, chunk)) if lines else iter([[]]):
        _send("PUT" if requests == 0 else "POST", url, b"".join(part), timeout)
        requests += 1
        sent += len(part)
        if progress is not None:
            progress("push", sent, total)
    back = _send("GET", url, None, timeout, accept=_NT)
    stored = sum(1 for line in back.splitlines() if line.strip() and not line.startswith(b"#"))
    return PushResult(url=url, sent=sent, stored=stored, requests=requests)
