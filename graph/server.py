"""``newsgraph serve``: a read-only SPARQL 1.1 Protocol endpoint over a build.

The SPARQL engine is the real Oxigraph server (``oxigraph serve-read-only``
from the ``oxigraph`` package), started on a loopback port with
``--timeout-s``. Oxigraph evaluates ``SERVICE`` (it would fetch data from
other machines) and has no switch to turn that off, so clients talk to a
small front in this process instead: it parses each query with
:func:`graph.store.check_query` and refuses ``SERVICE``, ``FROM`` and updates
with HTTP 400/403 before anything reaches Oxigraph, declares the prefixes
``newsgraph query`` declares (:data:`graph.store.PREFIXES`), and turns
Oxigraph's syntax errors into readable messages; every other request
(``GET/POST /query``, the query page at ``/``) is passed through unchanged.
Both bind to 127.0.0.1 unless told otherwise.

The engine's port is not private: Oxigraph can listen on TCP only (no Unix
socket, no inherited socket), so any local process that finds the port can
talk to it directly, past the front. What keeps that harmless is the engine's
own sandbox: on Linux (x86-64 and arm64) it runs under a seccomp filter that
refuses every outgoing connection, UDP and raw sockets and io_uring, so
``SERVICE`` (and name lookups) fail inside the engine too, and it serves the
store read-only. Where the filter cannot be set, :attr:`Endpoint.sandboxed` is
false and says why. The front's limits (below) do not apply to direct clients.

The front also holds the limits: at most 8 queries in the engine at once
(others wait up to the timeout, then get 503), answers of at most
:data:`MAX_RESPONSE_BYTES` (else 507), and the timeout itself (504).
Oxigraph's ``--timeout-s`` does not stop aggregates and sorts, so a query
still running in the engine past the timeout gets Oxigraph restarted.
``cors`` lets pages on other origins use the endpoint (off by default).

Oxigraph runs under a small keeper process (a separate Python, standard
library only) linked to this process by a socket pair: the engine ends when
:meth:`Endpoint.close` closes the link, and also when this process dies in
any way (SIGKILL included: the kernel closes the link); a parent-death signal
ends the engine if the keeper itself is killed. Start it with ``newsgraph
serve -d OUT`` (or :class:`Endpoint` from Python); the command stops on
Ctrl+C (SIGINT), SIGTERM or SIGHUP.

>>> parse_bind("127.0.0.1:7878")
('127.0.0.1', 7878)
>>> cors_origins(["https://Example.org/", "*"])
('https://example.org', '*')
"""

from __future__ import annotations

import contextlib
import functools
import http.client
import inspect
import os
import re
import select
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import IO, Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from .errors import OutputError, QueryError, ServeError
from .store import DEFAULT_TIMEOUT, check_query, declare_prefixes, store_path, syntax_message

__all__ = [
    "DEFAULT_PORT",
    "Endpoint",
    "ServeError",
    "cors_origins",
    "find_oxigraph",
    "free_port",
    "parse_bind",
]

DEFAULT_PORT: Final = 7878
#: Largest answer the front passes on (bytes); larger ones get HTTP 507.
MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
#: Queries the engine runs at once; others wait (up to the timeout), then get HTTP 503.
_SLOTS: Final = 8
#: Seconds past the timeout before the front gives up on the engine.
_GRACE: Final = 2.0
_HOP: Final = frozenset(
    {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "server", "date", "content-length"}
)
#: Methods a cross-origin page may use (preflight answer).
_CORS_METHODS: Final = "GET, HEAD, POST"
_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#\s]+$")
_HEADER_LIST = re.compile(r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+(\s*,\s*[A-Za-z0-9!#$%&'*+.^_`|~-]+)*$")


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


def cors_origins(origins: Iterable[str]) -> tuple[str, ...]:
    """Check and normalize ``--cors`` values: ``*``, or origins like ``https://example.org`` (lower-cased).

    Raises :class:`ServeError` for a value that is not an origin (a path, no scheme).
    """
    out: list[str] = []
    for origin in origins:
        text = origin.strip()
        if text in ("*", "null"):
            out.append(text)
            continue
        text = text.removesuffix("/").lower()
        if not _ORIGIN.match(text):
            raise ServeError(
                f"--cors {origin!r} is not an origin; give scheme://host[:port] "
                "(e.g. http://localhost:8080, no path), or '*' for any origin"
            )
        out.append(text)
    return tuple(dict.fromkeys(out))


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
    cors: tuple[str, ...] = ()

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


class _Handler(BaseHTTPRequestHandler):
    server: _Front
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
        path = urlsplit(self.path).path
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

    def _forward(self, request: _Request) -> None:
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


class Endpoint:
    """A running read-only endpoint over the build in ``out``: ``url`` answers SPARQL at ``/query``.

    Use as a context manager, or call :meth:`start`, then :meth:`serve_forever`
    or :meth:`close`. ``timeout`` (seconds) bounds each query. ``cors``: the
    origins whose pages may call the endpoint (``"*"``: any); none by default.
    """

    def __init__(
        self,
        out: str | os.PathLike[str],
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = MAX_RESPONSE_BYTES,
        cors: Iterable[str] = (),
    ) -> None:
        self.store = store_path(out)
        if not self.store.is_dir():
            raise OutputError(
                f"{out} holds no SPARQL store (no store/ folder); run 'newsgraph build SOURCE -o {out}' first",
                path=str(self.store),
            )
        self.host, self.port, self.timeout = host, port, timeout
        self.max_bytes = max_bytes
        self.cors = cors_origins(cors)
        #: How many times Oxigraph was restarted to stop a query past its timeout.
        self.restarts = 0
        #: Whether the engine runs under the seccomp filter (no outgoing connections); see :attr:`sandbox_note`.
        self.sandboxed = False
        #: Why the engine is not sandboxed (empty when it is).
        self.sandbox_note = "not started"
        self._lock = threading.Lock()
        self._log: IO[bytes] | None = None
        self._link: socket.socket | None = None
        self._process: subprocess.Popen[bytes] | None = None
        self._front: _Front | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base URL; SPARQL queries go to ``url + "/query"``."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, wait: float = 20.0) -> Endpoint:
        """Start Oxigraph (sandboxed, on a loopback port) and the refusing front; wait until both answer."""
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
            front.cors = self.cors
            self._front = front
            self.port = front.server_address[1]
        except BaseException:
            self.close()
            raise
        return self

    def _spawn(self, wait: float) -> tuple[str, int]:
        """Start Oxigraph (under its keeper) on a free loopback port and return where it listens."""
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
        ours, theirs = socket.socketpair()
        try:
            self._process = _start_keeper([str(theirs.fileno()), *command], log, theirs.fileno())
        except OSError as exc:
            ours.close()
            log.close()
            raise ServeError(f"cannot start the SPARQL engine: {exc}") from exc
        finally:
            theirs.close()
        self._link, self._log = ours, log
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

    def _failed(self, what: str) -> ServeError:
        assert self._log is not None
        if self._process is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._process.wait(2)
        self._log.seek(0)
        err = self._log.read(4000).decode(errors="replace").strip()
        code = self._process.returncode if self._process is not None else None
        return ServeError(f"oxigraph {what} (exit {code}): {err}" if err else f"oxigraph {what} (exit {code})")

    def _wait(self, backend: tuple[str, int], wait: float) -> None:
        deadline = time.monotonic() + wait
        assert self._process is not None and self._link is not None
        status = b""
        while not status.endswith(b"\n"):  # the keeper's one line: "seccomp" or "none REASON"
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ServeError(f"oxigraph did not start within {wait:g} s")
            ready, _, _ = select.select([self._link], [], [], remaining)
            chunk = self._link.recv(1024) if ready else b""
            if ready and not chunk:
                raise self._failed("stopped at start")
            status += chunk
        word, _, note = status.decode(errors="replace").strip().partition(" ")
        if word == "error":
            raise self._failed(f"could not be started: {note}")
        self.sandboxed, self.sandbox_note = word == "seccomp", note
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise self._failed("stopped at start")
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
        """Stop the front and Oxigraph (killed if it does not stop within 5 s)."""
        if self._front is not None:
            if self._thread is not None:
                self._front.shutdown()
                self._thread.join(5)
            self._front.server_close()
            self._front = None
        with self._lock:
            self._stop_engine()

    def _stop_engine(self) -> None:
        if self._link is not None:
            self._link.close()  # the keeper ends the engine (SIGTERM, SIGKILL after 5 s) and exits
            self._link = None
        if self._process is not None:
            try:
                self._process.wait(8)
            except subprocess.TimeoutExpired:
                self._process.kill()  # the engine gets its parent-death signal
                self._process.wait(5)
            self._process = None
        if self._log is not None:
            self._log.close()
            self._log = None

    def __enter__(self) -> Endpoint:
        return self.serve_in_background()

    def __exit__(self, *exc: object) -> None:
        self.close()


@functools.cache
def _keeper_source() -> bytes | None:
    """The program that runs :func:`_keep` in an isolated Python (fast: no package import), or None without sources."""
    try:
        source = inspect.getsource(_keep)
    except (OSError, TypeError):  # no source files (a zipped or compiled install)
        return None
    return f"from __future__ import annotations\nimport sys\n{source}\n_keep(sys.argv[1:])\n".encode()


def _start_keeper(args: list[str], log: IO[bytes], link: int) -> subprocess.Popen[bytes]:
    """Start :func:`_keep` with ``args``, its source on standard input (so ``ps`` shows a short command).

    In a session of its own: Ctrl+C in a terminal reaches the front only, which then stops the engine.
    """
    env = {k: v for k, v in os.environ.items() if k != "NOTIFY_SOCKET"}  # systemd's readiness is ours to give
    source = _keeper_source()
    if source is None:
        package = str(Path(__file__).resolve().parent.parent)
        code = f"import sys; sys.path.insert(0, {package!r}); from graph.server import _keep; _keep(sys.argv[1:])"
        command, stdin = [sys.executable, "-c", code, *args], subprocess.DEVNULL
    else:
        command, stdin = [sys.executable, "-I", "-S", "-", *args], subprocess.PIPE
    process = subprocess.Popen(
        command,
        stdin=stdin,
        stdout=subprocess.DEVNULL,
        stderr=log,
        pass_fds=(link,),
        start_new_session=True,
        env=env,
    )
    if process.stdin is not None:
        with process.stdin:
            process.stdin.write(source or b"")  # a few kB: fits in the pipe, never blocks
    return process


def _keep(argv: list[str]) -> None:
    """The engine's keeper: a single-threaded Python that starts the engine and ends it with us.

    ``argv``: the link's file descriptor, then the engine's command. Runs
    apart from the package (standard library only; see :func:`_start_keeper`).
    The engine gets a parent-death signal (SIGKILL when the keeper dies) and,
    on Linux x86-64/arm64, a seccomp filter: ``connect`` and ``io_uring_setup``
    fail with EPERM, and so do sockets other than Unix ones and TCP ones (which
    it needs to listen). The keeper writes one line on the link (``seccomp``,
    ``none REASON`` or ``error REASON``), then ends the engine when the link
    closes (the front closed it, or the front's process died, even by SIGKILL:
    the kernel closes it) or on SIGTERM/SIGHUP/SIGINT, and exits with the
    engine's status when the engine ends by itself.
    """
    import ctypes
    import os
    import platform
    import select
    import signal
    import socket
    import struct
    import subprocess
    import sys

    link = socket.socket(fileno=int(argv[0]))
    command = argv[1:]
    keeper = os.getpid()

    def stop(signum: int, frame: object) -> None:
        raise SystemExit(128 + signum)

    for sig in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
        signal.signal(sig, stop)

    libc = ctypes.CDLL(None, use_errno=True)
    prctl = getattr(libc, "prctl", None)
    if prctl is not None:
        prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    # (audit arch, socket, connect, io_uring_setup) system call numbers
    arches = {"x86_64": (0xC000003E, 41, 42, 425), "aarch64": (0xC00000B7, 198, 203, 425)}
    arch = arches.get(platform.machine()) if sys.platform == "linux" else None
    note = ""
    if prctl is None or arch is None:
        note = f"no seccomp filter for {sys.platform}/{platform.machine()} (Linux on x86_64 or aarch64 only)"
        arch = None
    program = b""
    if arch is not None:
        audit, nr_socket, nr_connect, nr_uring = arch
        ld, jeq, jge, ret, and_ = 0x20, 0x15, 0x35, 0x06, 0x54  # BPF_LD|W|ABS, JMP|JEQ|K, JMP|JGE|K, RET|K, ALU|AND|K
        allow, eperm = 0x7FFF0000, 0x00050000 | 1  # SECCOMP_RET_ALLOW, SECCOMP_RET_ERRNO | EPERM
        steps = [
            (ld, 0, 0, 4),  # 0  arch
            (jeq, 1, 0, audit),  # 1
            (ret, 0, 0, eperm),  # 2  another ABI (i386 calls from a 64-bit process)
            (ld, 0, 0, 0),  # 3  system call number
            (jge, 0, 1, 0x40000000),  # 4  x32 calls
            (ret, 0, 0, eperm),  # 5
            (jeq, 0, 1, nr_connect),  # 6
            (ret, 0, 0, eperm),  # 7  no outgoing connection of any kind
            (jeq, 0, 1, nr_uring),  # 8
            (ret, 0, 0, eperm),  # 9  io_uring would connect without a system call
            (jeq, 0, 8, nr_socket),  # 10 other calls -> 19
            (ld, 0, 0, 16),  # 11 domain
            (jeq, 6, 0, 1),  # 12 AF_UNIX -> 19
            (jeq, 1, 0, 2),  # 13 AF_INET -> 15
            (jeq, 0, 3, 10),  # 14 AF_INET6 -> 15, others -> 18
            (ld, 0, 0, 24),  # 15 type
            (and_, 0, 0, 0xF),  # 16 without SOCK_NONBLOCK / SOCK_CLOEXEC
            (jeq, 1, 0, 1),  # 17 SOCK_STREAM -> 19
            (ret, 0, 0, eperm),  # 18 UDP (name lookups), raw sockets, netlink...
            (ret, 0, 0, allow),  # 19
        ]
        program = b"".join(struct.pack("=HBBI", code, jt, jf, k) for code, jt, jf, k in steps)

    class _Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    buffer = ctypes.create_string_buffer(program, max(1, len(program)))
    fprog = _Program(len(program) // 8, ctypes.addressof(buffer))

    def prepare(sandbox: bool) -> None:  # in the engine's process, before exec
        if prctl is None:
            return
        prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
        if os.getppid() != keeper:  # the keeper died before that
            os._exit(1)
        if sandbox:
            if prctl(38, 1, 0, 0, 0) != 0:  # PR_SET_NO_NEW_PRIVS
                raise OSError(ctypes.get_errno(), "PR_SET_NO_NEW_PRIVS")
            if prctl(22, 2, ctypes.addressof(fprog), 0, 0) != 0:  # PR_SET_SECCOMP, SECCOMP_MODE_FILTER
                raise OSError(ctypes.get_errno(), "PR_SET_SECCOMP")

    def start(sandbox: bool) -> subprocess.Popen[bytes]:
        return subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, preexec_fn=lambda: prepare(sandbox)
        )

    engine: subprocess.Popen[bytes] | None = None
    code = 0
    try:
        try:
            if arch is not None:
                try:
                    engine = start(True)
                except subprocess.SubprocessError:
                    note = "the kernel refused the seccomp filter"
            if engine is None:
                engine = start(False)
        except OSError as exc:
            link.sendall(f"error {exc}\n".encode())
            code = 127
            return
        link.sendall(b"seccomp\n" if not note else f"none {note}\n".encode())
        while True:
            status = engine.poll()
            if status is not None:
                code = status if status >= 0 else 128 - status
                break
            ready, _, _ = select.select([link], [], [], 0.2)
            if ready:
                try:
                    data = link.recv(64)
                except OSError:
                    data = b""
                if not data:
                    break  # the front closed the link, or its process is gone
    finally:
        if engine is not None and engine.poll() is None:
            engine.terminate()
            try:
                engine.wait(5)
            except subprocess.TimeoutExpired:
                engine.kill()
                engine.wait()
        sys.exit(code)
