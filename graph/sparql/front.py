"""The front of ``newsgraph serve``: the HTTP server clients talk to, in front of the engine.

It parses each query with :func:`graph.sparql.check.check_query` and refuses
``SERVICE``, ``FROM`` and updates (HTTP 400/403, status by the error's type)
before anything reaches Oxigraph, declares the prefixes ``newsgraph query``
declares (:data:`graph.sparql.check.PREFIXES`), and turns Oxigraph's syntax
errors into readable messages; every other request (``GET/POST /query``) is
passed through unchanged. Its own pages (the workbench at ``/``, its data and
``/view``) come from :class:`~graph.sparql.workbench.Workbench`. It also holds the limits:
:data:`SLOTS` queries in the engine at once (503 past the timeout), answers
of at most ``max_bytes`` (507) and the timeout (504; a query still running in
the engine then gets the engine restarted through ``overrun``). Writes get 403.
CORS answers follow ``cors``. :class:`graph.sparql.server.Endpoint` starts it.
"""

from __future__ import annotations

import http.client
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import QueryError
from .check import check_query, declare_prefixes, syntax_message
from .workbench import CSP, Workbench

__all__ = ["SLOTS", "Front", "Handler"]

#: Queries the engine runs at once; others wait (up to the timeout), then get HTTP 503.
SLOTS: Final = 8
#: Seconds past the timeout before the front gives up on the engine.
_GRACE: Final = 2.0
_HOP: Final = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "server", "date", "content-length"}
)
#: Methods a cross-origin page may use (preflight answer).
_CORS_METHODS: Final = "GET, HEAD, POST"
_HEADER_LIST = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$")


class Front(ThreadingHTTPServer):
    daemon_threads = True
    backend: tuple[str, int]
    timeout_s: float
    max_bytes: int
    slots: threading.BoundedSemaphore
    overrun: Callable[[tuple[str, int]], None]
    cors: tuple[str, ...] = ()
    workbench: Workbench | None = None

    def allowed_origin(self, origin: str | None) -> str | None:
        """The ``Access-Control-Allow-Origin`` value for ``origin``, or ``None`` if it is not allowed."""
        if origin is None or not self.cors:
            return None
        if "*" in self.cors:
            return "*"
        return origin if origin.lower() in self.cors else None


class _Refused(Exception):
    """A write request: answered with 403."""


class _Request:
    """A query request as the engine gets it: prefixes declared, the rest untouched."""

    def __init__(self, path: str, body: bytes) -> None:
        self.path, self.body = path, body
        #: The queries as the client wrote them, and how many characters went in front of each.
        self.queries: list[tuple[str, int]] = []

    def _declare(self, text: str) -> str:
        new, shift = declare_prefixes(text)
        self.queries.append((text, shift))
        return new

    def rewrite(self, command: str, content_type: str) -> None:
        """Read the queries (refusing updates) and declare the prefixes in each."""
        parts = urlsplit(self.path)
        params = parse_qsl(parts.query, keep_blank_values=True)
        if any(key == "update" for key, _ in params):
            raise _Refused
        if any(key == "query" for key, _ in params):
            params = [(k, self._declare(v) if k == "query" else v) for k, v in params]
            self.path = urlunsplit(parts._replace(query=urlencode(params)))
        if command != "POST":
            return
        if content_type == "application/sparql-update":
            raise _Refused
        if content_type == "application/sparql-query":
            self.body = self._declare(self.body.decode("utf-8", "replace")).encode()
        elif content_type == "application/x-www-form-urlencoded":
            form = parse_qsl(self.body.decode("utf-8", "replace"), keep_blank_values=True)
            if any(key == "update" for key, _ in form):
                raise _Refused
            if any(key == "query" for key, _ in form):
                form = [(k, self._declare(v) if k == "query" else v) for k, v in form]
                self.body = urlencode(form).encode()


class Handler(BaseHTTPRequestHandler):
    server: Front
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: object) -> None:  # the library never prints
        return

    def end_headers(self) -> None:
        headers = getattr(self, "headers", None)  # absent when the request line itself was bad
        allowed = self.server.allowed_origin(headers.get("Origin") if headers is not None else None)
        if allowed is not None:
            self.send_header("Access-Control-Allow-Origin", allowed)
            if allowed != "*":
                self.send_header("Vary", "Origin")
        super().end_headers()

    def _reply(self, status: int, message: str) -> None:
        body = (message + "\n").encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _refuse_writes(self) -> None:
        self._reply(403, "this endpoint is read-only: updates and Graph Store writes are refused")

    do_PUT = do_DELETE = do_PATCH = _refuse_writes

    def do_OPTIONS(self) -> None:
        origin = self.headers.get("Origin")
        method = self.headers.get("Access-Control-Request-Method")
        if origin is None or method is None:  # not a CORS preflight
            self.send_response(204)
            self.send_header("Allow", "GET, HEAD, POST, OPTIONS")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if self.server.allowed_origin(origin) is None:
            hint = (
                f"start the endpoint with --cors {origin}"
                if self.server.cors
                else f"cross-origin requests are off; start the endpoint with --cors {origin} (or --cors '*')"
            )
            self._reply(403, f"requests from the origin {origin} are not allowed: {hint}")
            return
        if method.upper() not in ("GET", "HEAD", "POST"):
            self._reply(403, f"{method} is refused: this endpoint is read-only (GET, HEAD, POST)")
            return
        self.send_response(204)
        self.send_header("Access-Control-Allow-Methods", _CORS_METHODS)
        asked = (self.headers.get("Access-Control-Request-Headers") or "").strip()
        if asked and _HEADER_LIST.match(asked):
            self.send_header("Access-Control-Allow-Headers", asked)
        self.send_header("Access-Control-Max-Age", "600")
        self.send_header("Vary", "Origin, Access-Control-Request-Method, Access-Control-Request-Headers")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self) -> None:
        self._handle(b"")

    def do_HEAD(self) -> None:
        self._handle(b"")

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self._handle(self.rfile.read(length) if length else b"")

    def _handle(self, body: bytes) -> None:
        parts = urlsplit(self.path)
        path = parts.path
        workbench = self.server.workbench
        if self.command in ("GET", "HEAD") and workbench is not None and workbench.owns(path):
            self._page(*workbench.answer(path, parts.query))
            return
        if path.startswith("/update") or (self.command == "POST" and path.startswith("/store")):
            self._refuse_writes()
            return
        request = _Request(self.path, body)
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        try:
            request.rewrite(self.command, ctype)
            for text, _ in request.queries:
                check_query(text, allow_hint=None)  # serve has no --allow-remote
        except _Refused:
            self._refuse_writes()
            return
        except QueryError as exc:
            self._reply(exc.http_status, str(exc))
            return
        self._forward(request)

    def _page(self, status: int, ctype: str, data: bytes) -> None:
        """Answer with a page of the workbench (never cached: the build behind it may change)."""
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        if ctype.startswith("text/html") and urlsplit(self.path).path != "/view":
            self.send_header("Content-Security-Policy", CSP)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _forward(self, request: _Request) -> None:
        front = self.server
        deadline = time.monotonic() + front.timeout_s + _GRACE
        if not front.slots.acquire(timeout=front.timeout_s):
            self._reply(503, f"the endpoint is busy ({SLOTS} queries running); try again")
            return
        backend = front.backend
        conn = http.client.HTTPConnection(*backend, timeout=front.timeout_s + _GRACE)
        answered = False
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP and k.lower() != "host"}
            headers["Host"] = f"{backend[0]}:{backend[1]}"
            conn.request(self.command, request.path, body=request.body or None, headers=headers)
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
        if response.status == 400 and len(request.queries) == 1 and data.startswith(b"error at "):
            text, shift = request.queries[0]
            self._reply(400, syntax_message(text, data.decode("utf-8", "replace").strip(), shift=shift))
            return
        self.send_response(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP:
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
