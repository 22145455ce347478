"""`newsgraph push` into a real Oxigraph server on loopback, started and stopped by the test.

The fault tests put a small HTTP proxy (written here, threads on 127.0.0.1)
between push and the server. It breaks one request body once a number of body
bytes has gone through: it cuts both connections (``cut``), or cuts the
server's side and answers 500 (``500``), or forwards a clean prefix of the body
as a complete request and then answers 500 (``partial``: what a store that
does not apply a PUT in one transaction would keep). The graph is then read
straight from the server, not through the proxy.
"""

from __future__ import annotations

import contextlib
import socket
import struct
import subprocess
import sys
import threading
import time
import tracemalloc
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, Literal
from urllib.parse import urlsplit

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

import graph
from graph.cli import app
from graph.errors import PushError
from graph.sparql import free_port
from graph.sparql.push import graph_url, ntriples_lines, push

GRAPH = "https://w3id.org/newsgraph/id/graph/test"
OLD = [f'<https://example.org/old/{i}> <https://example.org/p> "old triple {i}" .\n'.encode() for i in range(1000)]
LIFETIME = 120.0  # seconds a proxy or server of these tests may live

Fault = Literal["cut", "500", "partial"]


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    program = Path(sys.executable).parent / "oxigraph"
    proc = subprocess.Popen(
        [str(program), "serve", "--location", str(tmp_path / "db"), "--bind", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("oxigraph did not start")
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/store"
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("push-out")
    graph.write_outputs(graph.build([seeds_dir]), out)
    return out


def nt_lines(out: Path) -> list[bytes]:
    return [line for line in (out / "graph.nt").read_bytes().splitlines(keepends=True) if line.strip()]


def nt_count(out: Path) -> int:
    return len(nt_lines(out))


# --- the server, read and written directly (never through the proxy) --------------------------------------


def _request(
    method: str, url: str, body: bytes | None = None, content_type: str = "application/n-triples", accept: str = ""
) -> bytes:
    headers = {"Content-Type": content_type} if body is not None else {}
    headers["Accept"] = accept or "application/n-triples"
    with urllib.request.urlopen(
        urllib.request.Request(url, data=body, method=method, headers=headers), timeout=30
    ) as r:
        data: bytes = r.read()
        return data


def load(store: str, graph_iri: str | None, lines: list[bytes]) -> None:
    _request("PUT", graph_url(store, graph_iri), b"".join(lines))


def held(store: str, graph_iri: str | None) -> set[bytes] | None:
    """The triples the graph holds (``None``: no such graph), one normalized line each."""
    try:
        body = _request("GET", graph_url(store, graph_iri))
    except urllib.error.HTTPError as exc:
        if exc.code == 404:
            return None
        raise
    return {line.strip() for line in body.splitlines() if line.strip()}


def named_graphs(store: str) -> set[str]:
    query = urlsplit(store)._replace(path="/query").geturl()
    select = b"SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }"
    body = _request("POST", query, select, "application/sparql-query", accept="text/csv")
    return {line.strip() for line in body.decode().splitlines()[1:] if line.strip()}


def norm(lines: list[bytes]) -> set[bytes]:
    return {line.strip() for line in lines}


def as_stored(lines: list[bytes]) -> set[bytes]:
    """``lines`` as Oxigraph stores and writes them back (it writes literals in canonical form: +00:00 as Z)."""
    memory = ox.Store()
    memory.load(b"".join(lines), format=ox.RdfFormat.N_TRIPLES)
    return norm((memory.dump(format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph()) or b"").splitlines())


# --- the fault-injecting proxy -----------------------------------------------------------------------------


class FaultProxy:
    """An HTTP/1.1 proxy on 127.0.0.1 that breaks the request during which ``fail_after`` body bytes are passed.

    One request per connection; request bodies (Content-Length or chunked) are
    forwarded chunked as they arrive, so the server is mid-request when the
    fault comes. It fires once. It stops itself after ``LIFETIME`` seconds.
    """

    def __init__(self, upstream: str, fail_after: int | None = None, fault: Fault = "cut") -> None:
        parts = urlsplit(upstream)
        assert parts.hostname == "127.0.0.1" and parts.port
        self.upstream = (parts.hostname, parts.port)
        self.store_path = parts.path
        self.fail_after = fail_after
        self.fault = fault
        self.body_bytes = 0
        self.fired = False
        self.requests: list[str] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(0.2)
        self.port = self.listener.getsockname()[1]
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{self.store_path}"

    def close(self) -> None:
        self.stop.set()
        self.thread.join(5)
        self.listener.close()

    def _serve(self) -> None:
        deadline = time.monotonic() + LIFETIME
        while not self.stop.is_set() and time.monotonic() < deadline:
            try:
                client, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            threading.Thread(target=self._handle, args=(client,), daemon=True).start()

    def _handle(self, client: socket.socket) -> None:
        client.settimeout(30)
        reader = client.makefile("rb")
        try:
            self._relay(client, reader)
        except OSError:
            pass
        finally:
            reader.close()
            client.close()

    def _relay(self, client: socket.socket, reader: BinaryIO) -> None:
        request_line = reader.readline()
        if not request_line:
            return
        method, target, _ = request_line.decode("latin-1").split(" ", 2)
        self.requests.append(f"{method} {target}")
        headers: list[tuple[str, str]] = []
        while (line := reader.readline()) not in (b"\r\n", b"\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers.append((name.strip(), value.strip()))
        lower = {name.lower(): value for name, value in headers}
        chunked = "chunked" in lower.get("transfer-encoding", "").lower()
        length = int(lower.get("content-length", "0"))
        has_body = chunked or length > 0
        head = [f"{method} {target} HTTP/1.1"]
        head += [
            f"{n}: {v}" for n, v in headers if n.lower() not in ("content-length", "transfer-encoding", "connection")
        ]
        head += ["Connection: close"] + (["Transfer-Encoding: chunked"] if has_body else [])
        upstream = socket.create_connection(self.upstream, timeout=30)
        try:
            upstream.sendall(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
            pieces = _body(reader, chunked, length)
            partial: list[bytes] = []
            for piece in pieces:
                with self.lock:
                    fire = (
                        self.fail_after is not None
                        and not self.fired
                        and self.body_bytes + len(piece) > self.fail_after
                    )
                    keep = piece[: self.fail_after - self.body_bytes] if fire and self.fail_after is not None else piece
                    self.body_bytes += len(keep)
                    self.fired |= fire
                if self.fault == "partial":
                    partial.append(keep)
                elif keep:
                    upstream.sendall(b"%x\r\n%s\r\n" % (len(keep), keep))
                if fire:
                    return self._break(client, upstream, pieces, b"".join(partial))
            if self.fault == "partial" and partial:
                data = b"".join(partial)
                upstream.sendall(b"%x\r\n%s\r\n" % (len(data), data))
            if has_body:
                upstream.sendall(b"0\r\n\r\n")
            while data := upstream.recv(1 << 16):
                client.sendall(data)
        finally:
            upstream.close()

    def _break(self, client: socket.socket, upstream: socket.socket, rest: Iterator[bytes], prefix: bytes) -> None:
        if self.fault == "partial":
            # a clean prefix of whole lines, applied as a complete request
            prefix = prefix[: prefix.rfind(b"\n") + 1]
            upstream.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(prefix), prefix) if prefix else b"0\r\n\r\n")
            while upstream.recv(1 << 16):
                pass
        else:
            time.sleep(0.3)  # let the server take in what it got before the break
            _reset(upstream)
        if self.fault == "cut":
            _reset(client)
            return
        for _ in rest:  # read the client's body to its end, as a gateway would, then answer
            pass
        message = b"injected fault"
        client.sendall(
            b"HTTP/1.1 500 Internal Server Error\r\nContent-Type: text/plain\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(message), message)
        )


def _body(reader: BinaryIO, chunked: bool, length: int) -> Iterator[bytes]:
    if not chunked:
        while length > 0:
            data = reader.read(min(length, 1 << 16))
            if not data:
                return
            length -= len(data)
            yield data
        return
    while True:
        size = int(reader.readline().split(b";")[0].strip() or b"0", 16)
        if size == 0:
            while reader.readline() not in (b"\r\n", b"\n", b""):
                pass
            return
        data = reader.read(size)
        reader.readline()
        yield data


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a crashed peer or a dropped link would."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


MakeProxy = Callable[..., FaultProxy]


@pytest.fixture
def fault_proxy() -> Iterator[MakeProxy]:
    """``fault_proxy(upstream, fail_after=None, fault="cut")``: a started proxy, closed after the test."""
    made: list[FaultProxy] = []

    def make(upstream: str, fail_after: int | None = None, fault: Fault = "cut") -> FaultProxy:
        made.append(FaultProxy(upstream, fail_after, fault))
        return made[-1]

    yield make
    for proxy in made:
        proxy.close()


# --- tests -------------------------------------------------------------------------------------------------


def test_push_puts_every_triple_into_the_named_graph(oxigraph: str, seeds_out: Path) -> None:
    seen: list[tuple[str, int, int]] = []
    result = push(seeds_out, oxigraph, GRAPH, chunk=50, progress=lambda *a: seen.append(a))
    expected = nt_count(seeds_out)
    assert result.sent == result.stored == expected > 100
    assert result.previous is None and result.requests == 1
    assert seen[-1] == ("push", expected, expected)
    assert len(seen) >= 2 + expected // 50  # progress while the one PUT streams
    again = push(seeds_out, oxigraph, GRAPH, chunk=50)  # replaces, does not duplicate
    assert again.stored == expected and again.previous == expected


@pytest.mark.parametrize("target", [GRAPH, None], ids=["named", "default"])
def test_a_push_replaces_the_previous_graph_exactly(
    oxigraph: str, seeds_out: Path, fault_proxy: MakeProxy, target: str | None
) -> None:
    load(oxigraph, target, OLD)
    proxy = fault_proxy(oxigraph)  # no fault: the same path as the fault tests
    result = push(seeds_out, proxy.url, target, chunk=50)
    assert result.previous == len(OLD)
    assert result.sent == result.stored == nt_count(seeds_out)
    now = held(oxigraph, target)
    assert now == as_stored(nt_lines(seeds_out))  # every triple of graph.nt, and nothing else
    assert now is not None and not now & norm(OLD)  # the previous triples are gone


@pytest.mark.parametrize("fault", ["cut", "500"])
@pytest.mark.parametrize("target", [GRAPH, None], ids=["named", "default"])
def test_a_push_that_fails_midway_leaves_the_graph_as_it_was(
    oxigraph: str, seeds_out: Path, fault_proxy: MakeProxy, fault: Fault, target: str | None
) -> None:
    load(oxigraph, target, OLD)
    size = (seeds_out / "graph.nt").stat().st_size
    proxy = fault_proxy(oxigraph, fail_after=size // 2, fault=fault)
    with pytest.raises(PushError) as caught:
        push(seeds_out, proxy.url, target, chunk=50)
    assert proxy.fired
    assert held(oxigraph, target) == norm(OLD)  # count and content exactly as before
    assert named_graphs(oxigraph) == ({GRAPH} if target else set())  # nothing left behind
    message = str(caught.value)
    assert "is as it was" in message and "1,000 triples" in message, message
    if fault == "500":
        assert "HTTP 500" in message, message


def test_a_store_that_keeps_part_of_a_failed_put_is_told_exactly(
    oxigraph: str, seeds_out: Path, fault_proxy: MakeProxy
) -> None:
    """A store that does not apply a PUT in one transaction (emulated: the proxy forwards a prefix as a whole PUT)."""
    load(oxigraph, GRAPH, OLD)
    size = (seeds_out / "graph.nt").stat().st_size
    proxy = fault_proxy(oxigraph, fail_after=size // 2, fault="partial")
    with pytest.raises(PushError) as caught:
        push(seeds_out, proxy.url, GRAPH, chunk=50)
    now = held(oxigraph, GRAPH)
    assert now is not None and 0 < len(now) < nt_count(seeds_out) and not now & norm(OLD)
    message = str(caught.value)
    assert "not as it was" in message, message
    assert f"holds {len(now):,} triples now" in message and "1,000 triples before" in message, message
    assert "Push again" in message, message


def test_a_push_that_is_not_atomic_replaces_the_graph_in_pieces(
    oxigraph: str, seeds_out: Path, fault_proxy: MakeProxy
) -> None:
    """``atomic=False``: a PUT of the first chunk, a POST of each next one (for stores that cannot hold it all)."""
    load(oxigraph, GRAPH, OLD)
    result = push(seeds_out, fault_proxy(oxigraph).url, GRAPH, chunk=50, atomic=False)
    total = nt_count(seeds_out)
    assert result.requests == -(-total // 50) and result.sent == result.stored == total
    assert held(oxigraph, GRAPH) == as_stored(nt_lines(seeds_out))


def test_a_push_that_is_not_atomic_and_fails_says_what_the_graph_holds(
    oxigraph: str, seeds_out: Path, fault_proxy: MakeProxy
) -> None:
    load(oxigraph, GRAPH, OLD)
    first = sum(len(line) for line in nt_lines(seeds_out)[:50])
    proxy = fault_proxy(oxigraph, fail_after=first + first // 2, fault="500")  # in the second request of 50 triples
    with pytest.raises(PushError) as caught:
        push(seeds_out, proxy.url, GRAPH, chunk=50, atomic=False)
    assert held(oxigraph, GRAPH) == as_stored(nt_lines(seeds_out)[:50])
    message = str(caught.value)
    assert "request 2 (POST) failed" in message and "first 50 triples of the build" in message, message
    assert "is not as it was: it holds 50 triples now and 1,000 triples before" in message, message
    assert "Push again" in message, message


def test_cli_push_says_how_many_arrived(oxigraph: str, seeds_out: Path) -> None:
    result = CliRunner().invoke(app, ["push", "-d", str(seeds_out), "--endpoint", oxigraph, "--graph", GRAPH])
    assert result.exit_code == 0, result.output
    assert f"holds {nt_count(seeds_out):,} triples" in result.stdout


def test_cli_push_chunked_sends_pieces_and_says_so(oxigraph: str, tmp_path: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    line = '<https://example.org/s/%05d> <https://example.org/p> "%05d" .\n'
    (out / "graph.nt").write_text("".join(line % (i, i) for i in range(25_000)), encoding="utf-8")
    load(oxigraph, GRAPH, OLD)
    args = ["push", "-d", str(out), "--endpoint", oxigraph, "--graph", GRAPH]
    chunked = CliRunner().invoke(app, [*args, "--chunked"])
    assert chunked.exit_code == 0, chunked.output
    assert "sent 25,000 triples in 3 requests;" in chunked.stdout and "(held 1,000 triples)" in chunked.stdout
    assert held(oxigraph, GRAPH) == as_stored(nt_lines(out))
    whole = CliRunner().invoke(app, args)
    assert whole.exit_code == 0 and "sent 25,000 triples in one PUT;" in whole.stdout, whole.output


def test_cli_push_that_fails_says_the_graph_is_as_it_was(
    oxigraph: str, seeds_out: Path, fault_proxy: MakeProxy
) -> None:
    load(oxigraph, GRAPH, OLD)
    proxy = fault_proxy(oxigraph, fail_after=1000, fault="cut")
    result = CliRunner().invoke(app, ["push", "-d", str(seeds_out), "--endpoint", proxy.url, "--graph", GRAPH])
    assert result.exit_code == 2, result.output
    assert "is as it was" in result.stderr and "1,000 triples" in result.stderr, result.stderr
    assert held(oxigraph, GRAPH) == norm(OLD)


def test_push_to_nothing_says_so(seeds_out: Path) -> None:
    with pytest.raises(PushError, match="cannot reach") as caught:
        push(seeds_out, f"http://127.0.0.1:{free_port()}/store", GRAPH, timeout=5)
    assert "Nothing was sent, so the graph" in str(caught.value) and "is as it was" in str(caught.value)


def test_a_large_graph_is_streamed_not_held_in_memory(tmp_path: Path, oxigraph: str, fault_proxy: MakeProxy) -> None:
    """graph.nt is read a piece at a time, both to count it and to send it (the 1M-item build's is ~4 GB)."""
    out = tmp_path / "big"
    out.mkdir()
    line = b'<https://example.org/s/%07d> <https://example.org/p> "a literal long enough to weigh %07d" .\n'
    with (out / "graph.nt").open("wb") as f:
        for i in range(0, 80_000, 1000):
            f.write(b"".join(line % (j, j) for j in range(i, i + 1000)))
    size = (out / "graph.nt").stat().st_size
    assert size > 7_000_000
    tracemalloc.start()
    try:
        assert sum(1 for _ in ntriples_lines(out)) == 80_000
        _, peak_read = tracemalloc.get_traced_memory()
        assert peak_read < 1_000_000, peak_read
        tracemalloc.reset_peak()
        proxy = fault_proxy(oxigraph, fail_after=size // 4, fault="cut")  # the server need not load it all
        with pytest.raises(PushError, match="is as it was"):
            push(out, proxy.url, GRAPH, chunk=1000)
        _, peak_push = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert proxy.body_bytes == size // 4
    assert peak_push < 2_000_000, peak_push
    assert held(oxigraph, GRAPH) is None  # it did not exist before, and does not now


def test_graph_url_quotes_the_graph() -> None:
    assert graph_url("http://h/store", "https://e.org/g?x=1") == "http://h/store?graph=https%3A%2F%2Fe.org%2Fg%3Fx%3D1"
