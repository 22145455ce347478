"""``newsgraph serve``: a read-only SPARQL 1.1 Protocol endpoint over a build.

The SPARQL engine is the real Oxigraph server (``oxigraph serve-read-only``
from the ``oxigraph`` package), started on a private loopback port with
``--timeout-s``. Oxigraph evaluates ``SERVICE`` (it would fetch data from
other machines) and has no switch to turn that off, so clients talk to a
small front in this process instead: it parses each query with
:func:`graph.store.check_query` and refuses ``SERVICE``, ``FROM`` and updates
with HTTP 400/403 before anything reaches Oxigraph; every other request
(``GET/POST /query``, the query page at ``/``) is passed through unchanged.
Both bind to 127.0.0.1 unless told otherwise.

The front also holds the limits: at most 8 queries in the engine at once
(others wait up to the timeout, then get 503), answers of at most
:data:`MAX_RESPONSE_BYTES` (else 507), and the timeout itself (504).
Oxigraph's ``--timeout-s`` does not stop aggregates and sorts, so a query
still running in the engine past the timeout gets Oxigraph restarted.

Start it with ``newsgraph serve -d OUT`` (or :class:`Endpoint` from Python);
stop it with Ctrl+C (SIGINT) or SIGTERM, or :meth:`Endpoint.close`: the
front stops and Oxigraph is terminated.

>>> parse_bind("127.0.0.1:7878")
('127.0.0.1', 7878)
"""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Final
from urllib.parse import parse_qs, urlsplit

from .errors import NewsgraphError, OutputError, QueryError
from .store import DEFAULT_TIMEOUT, check_query, store_path

__all__ = ["DEFAULT_PORT", "Endpoint", "ServeError", "find_oxigraph", "free_port", "parse_bind"]

DEFAULT_PORT: Final = 7878
#: Largest answer the front passes on (bytes); larger ones get HTTP 507.
MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
#: Queries the engine runs at once; others wait (up to the timeout), then get HTTP 503.
_SLOTS: Final = 8
#: Seconds past the timeout before the front gives up on the engine.
_GRACE: Final = 2.0
_HOP: Final = frozenset({"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "server", "date"})


class ServeError(NewsgraphError):
    """The endpoint could not start (no oxigraph program, port in use...)."""


def parse_bind(text: str) -> tuple[str, int]:
    """``host:port`` → ``(host, port)``."""
    host, _, port = text.rpartition(":")
    return host.strip("[]"), int(port)


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port nothing listens on now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        port: int = s.getsockname()[1]
        return port


def find_oxigraph() -> str:
    """The ``oxigraph`` program: beside this Python (a venv), else on ``PATH``."""
    beside = Path(sys.executable).parent / "oxigraph"
    if beside.is_file():
        return str(beside)
    found = shutil.which("oxigraph")
    if found is None:
        raise ServeError("the 'oxigraph' program is missing; install it with: pip install oxigraph")
    return found


class _Front(ThreadingHTTPServer):
    daemon_threads = True
    backend: tuple[str, int]
    timeout_s: float
    max_bytes: int
    slots: threading.BoundedSemaphore
    overrun: Callable[[tuple[str, int]], None]


class _Handler(BaseHTTPRequestHandler):
    server: _Front
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # the library never prints
        return

    def _reply(self, status: int, message: str) -> None:
        body = (message + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _refuse_writes(self) -> None:
        self._reply(403, "this endpoint is read-only: updates and Graph Store writes are refused")

    do_PUT = do_DELETE = do_PATCH = _refuse_writes

    def do_GET(self) -> None:
        self._handle(b"")

    def do_HEAD(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length else b"")

    def _queries(self, body: bytes) -> list[str]:
        parts = urlsplit(self.path)
        found = parse_qs(parts.query).get("query", [])
        if self.command == "POST":
            ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype == "application/sparql-query":
                found.append(body.decode("utf-8", "replace"))
            elif ctype == "application/x-www-form-urlencoded":
                form = parse_qs(body.decode("utf-8", "replace"))
                if "update" in form:
                    raise PermissionError
                found += form.get("query", [])
            elif ctype == "application/sparql-update":
                raise PermissionError
        if "update" in parse_qs(parts.query):
            raise PermissionError
        return found

    def _handle(self, body: bytes) -> None:
        path = urlsplit(self.path).path
        if path.startswith("/update") or (self.command == "POST" and path.startswith("/store")):
            self._refuse_writes()
            return
        try:
            for text in self._queries(body):
                check_query(text)
        except PermissionError:
            self._refuse_writes()
            return
        except QueryError as exc:
            self._reply(403 if "read-only" in str(exc) else 400, str(exc))
            return
        self._forward(body)

    def _forward(self, body: bytes) -> None:
        front = self.server
        deadline = time.monotonic() + front.timeout_s + _GRACE
        if not front.slots.acquire(timeout=front.timeout_s):
            self._reply(503, f"the endpoint is busy ({_SLOTS} queries running); try again")
            return
        backend = front.backend
        conn = http.client.HTTPConnection(*backend, timeout=front.timeout_s + _GRACE)
        answered = False
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP and k.lower() != "host"}
            headers["Host"] = f"{backend[0]}:{backend[1]}"
            conn.request(self.command, self.path, body=body or None, headers=headers)
            response = conn.getresponse()
            answered = True
            data = self._read(conn, response, deadline)
        except TimeoutError:
            if not answered:  # the engine is still computing: it does not stop by itself
                front.overrun(backend)
            self._reply(
                504,
                f"the query was stopped after {front.timeout_s:g} s (timeout); narrow it (LIMIT, more specific "
                "patterns) or start the endpoint with a longer --timeout",
            )
            return
        except _TooLarge:
            self._reply(
                507, f"the answer is larger than {front.max_bytes // 2**20} MiB; add a LIMIT or select fewer variables"
            )
            return
        except (OSError, http.client.HTTPException) as exc:
            self._reply(502, f"the SPARQL engine did not answer: {exc}")
            return
        finally:
            conn.close()
            front.slots.release()
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _read(self, conn: http.client.HTTPConnection, response: http.client.HTTPResponse, deadline: float) -> bytes:
        """The whole body, within the deadline and the size limit (raises TimeoutError or _TooLarge)."""
        chunks: list[bytes] = []
        size = 0
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError
            if conn.sock is not None:
                conn.sock.settimeout(remaining)
            chunk = response.read1(1 << 16)
            if not chunk:
                return b"".join(chunks)
            size += len(chunk)
            if size > self.server.max_bytes:
                raise _TooLarge
            chunks.append(chunk)


class _TooLarge(Exception):
    pass


class Endpoint:
    """A running read-only endpoint over the build in ``out``: ``url`` answers SPARQL at ``/query``.

    Use as a context manager, or call :meth:`start`, then :meth:`serve_forever`
    or :meth:`close`. ``timeout`` (seconds) bounds each query.
    """

    def __init__(
        self,
        out: str | os.PathLike[str],
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = MAX_RESPONSE_BYTES,
    ) -> None:
        self.store = store_path(out)
        if not self.store.is_dir():
            raise OutputError(
                f"{out} holds no SPARQL store (no store/ folder); run 'newsgraph build SOURCE -o {out}' first",
                path=str(self.store),
            )
        self.host, self.port, self.timeout = host, port, timeout
        self.max_bytes = max_bytes
        #: How many times Oxigraph was restarted to stop a query past its timeout.
        self.restarts = 0
        self._lock = threading.Lock()
        self._log: IO[bytes] | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._front: _Front | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL; SPARQL queries go to ``url + "/query"``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, wait: float = 20.0) -> Endpoint:
        """Start Oxigraph on a private loopback port and the refusing front; wait until both answer."""
        try:
            backend = self._spawn(wait)
            try:
                front = _Front((self.host, self.port), _Handler)
            except OSError as exc:
                raise ServeError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from exc
            front.backend = backend
            front.timeout_s = self.timeout
            front.max_bytes = self.max_bytes
            front.slots = threading.BoundedSemaphore(_SLOTS)
            front.overrun = self._overrun
            self._front = front
            self.port = front.server_address[1]
        except BaseException:
            self.close()
            raise
        return self

    def _spawn(self, wait: float) -> tuple[str, int]:
        """Start Oxigraph on a free loopback port and return where it listens."""
        backend = ("127.0.0.1", free_port())
        command = [
            find_oxigraph(),
            "serve-read-only",
            "--location",
            str(self.store),
            "--bind",
            f"{backend[0]}:{backend[1]}",
            "--timeout-s",
            str(max(1, round(self.timeout))),
        ]
        # stderr goes to a file, not a pipe: a pipe nobody reads fills up with
        # Oxigraph's messages (one per client that hung up) and then blocks it.
        log = tempfile.TemporaryFile()  # noqa: SIM115 - closed in _stop_engine
        self._process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=log)
        self._log = log
        self._wait(backend, wait)
        return backend

    def _overrun(self, backend: tuple[str, int]) -> None:
        """A query outlived its timeout inside Oxigraph, which does not stop aggregates and sorts: restart it."""
        with self._lock:
            if self._front is None or self._front.backend != backend:
                return  # already restarted
            self._stop_engine()
            self._front.backend = self._spawn(20.0)
            self.restarts += 1

    def _wait(self, backend: tuple[str, int], wait: float) -> None:
        deadline = time.monotonic() + wait
        assert self._process is not None and self._log is not None
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                self._log.seek(0)
                err = self._log.read(4000).decode(errors="replace")
                raise ServeError(f"oxigraph stopped at start (exit {self._process.returncode}): {err.strip()}")
            try:
                with socket.create_connection(backend, timeout=0.5):
                    return
            except OSError:
                time.sleep(0.05)
        raise ServeError(f"oxigraph did not start within {wait:g} s")

    def serve_forever(self) -> None:
        """Answer requests until :meth:`close` is called (from another thread) or an interrupt."""
        if self._front is None:
            self.start()
        assert self._front is not None
        self._front.serve_forever(poll_interval=0.2)

    def serve_in_background(self) -> Endpoint:
        """Answer requests from a daemon thread (for tests and notebooks)."""
        if self._front is None:
            self.start()
        self._thread = threading.Thread(target=self.serve_forever, name="newsgraph-serve", daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop the front and terminate Oxigraph (killed if it does not stop within 5 s)."""
        if self._front is not None:
            if self._thread is not None:
                self._front.shutdown()
                self._thread.join(5)
            self._front.server_close()
            self._front = None
        with self._lock:
            self._stop_engine()

    def _stop_engine(self) -> None:
        if self._process is not None:
            self._process.terminate()
            try:
                self._process.wait(5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait(5)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Endpoint:
        return self.serve_in_background()

    def __exit__(self, *exc: object) -> None:
        self.close()
