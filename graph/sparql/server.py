"""``newsgraph serve``: a read-only SPARQL 1.1 Protocol endpoint over a build.

The SPARQL engine is the real Oxigraph server (``oxigraph serve-read-only``
from the ``oxigraph`` package), started on a loopback port with
``--timeout-s``. Oxigraph evaluates ``SERVICE`` (it would fetch data from
other machines) and has no switch to turn that off, so clients talk to a
small front in this process instead (:mod:`graph.sparql.front`): it parses
each query with :func:`graph.sparql.check.check_query` and refuses ``SERVICE``,
``FROM`` and updates with HTTP 400/403 before anything reaches Oxigraph, declares the prefixes
``newsgraph query`` declares (:data:`graph.sparql.check.PREFIXES`), and turns
Oxigraph's syntax errors into readable messages; every other request
(``GET/POST /query``) is passed through unchanged. The page at ``/`` is the
workbench (:mod:`graph.sparql.workbench`), served by the front: an editor
with the query library, completion and result views, and explorer pages of
the build at ``/view`` when a view maker is given (``newsgraph serve`` gives
one).
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

Oxigraph runs under a small keeper process (:mod:`graph.sparql.keeper`: a
separate Python, standard library only) linked to this process by a socket pair: the engine ends when
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
import http.client
import json
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
from collections.abc import Iterable
from pathlib import Path
from typing import IO, Final

from ..errors import OutputError, QueryError, ServeError
from .front import SLOTS, Front, Handler
from .keeper import start_keeper
from .store import DEFAULT_TIMEOUT, store_path
from .workbench import ViewMaker, Workbench

__all__ = [
    "DEFAULT_PORT",
    "MAX_RESPONSE_BYTES",
    "Endpoint",
    "cors_origins",
    "find_oxigraph",
    "free_port",
    "parse_bind",
]

DEFAULT_PORT: Final = 7878
#: Largest answer the front passes on (bytes); larger ones get HTTP 507.
MAX_RESPONSE_BYTES: Final = 64 * 1024 * 1024
_ORIGIN = re.compile(r"^[a-z][a-z0-9+.-]*://[^/?#\s]+$")


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


class Endpoint:
    """A running read-only endpoint over the build in ``out``: ``url`` answers SPARQL at ``/query``.

    Use as a context manager, or call :meth:`start`, then :meth:`serve_forever`
    or :meth:`close`. ``timeout`` (seconds) bounds each query. ``cors``: the
    origins whose pages may call the endpoint (``"*"``: any); none by default.
    ``views`` makes the explorer pages of ``/view`` (see
    :class:`~graph.sparql.workbench.Workbench`; ``newsgraph serve`` passes
    :class:`graph.explorer.Views` of the same build); without it ``/view`` answers 404.
    """

    def __init__(
        self,
        out: str | os.PathLike[str],
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = MAX_RESPONSE_BYTES,
        cors: Iterable[str] = (),
        views: ViewMaker | None = None,
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
        self._front: Front | None = None
        self._thread: threading.Thread | None = None
        self.workbench = Workbench(self._find_terms, views)

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
                front = Front((self.host, self.port), Handler)
            except OSError as exc:
                raise ServeError(f"cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from exc
            front.backend = backend
            front.timeout_s = self.timeout
            front.max_bytes = self.max_bytes
            front.slots = threading.BoundedSemaphore(SLOTS)
            front.overrun = self._overrun
            front.cors = self.cors
            front.workbench = self.workbench
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
            self._process = start_keeper([str(theirs.fileno()), *command], log, theirs.fileno())
        except OSError as exc:
            ours.close()
            log.close()
            raise ServeError(f"cannot start the SPARQL engine: {exc}") from exc
        finally:
            theirs.close()
        self._link, self._log = ours, log
        self._wait(backend, wait)
        return backend

    def _find_terms(self) -> tuple[list[str], list[str]]:
        """The classes and properties the store uses (for completion), asked of the engine in one slot."""
        return (
            self._ask_engine("SELECT DISTINCT ?term WHERE { ?s a ?term } LIMIT 5000"),
            self._ask_engine("SELECT DISTINCT ?term WHERE { ?s ?term ?o } LIMIT 5000"),
        )

    def _ask_engine(self, sparql: str) -> list[str]:
        """The IRIs bound to ``?term`` by ``sparql``; raises :class:`QueryError` when the engine does not answer."""
        front = self._front
        if front is None:
            raise QueryError("the endpoint is not running")
        if not front.slots.acquire(timeout=self.timeout):
            raise QueryError("the endpoint is busy")
        backend = front.backend
        conn = http.client.HTTPConnection(*backend, timeout=self.timeout + 2)
        try:
            conn.request(
                "POST",
                "/query",
                body=sparql.encode(),
                headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
            )
            response = conn.getresponse()
            data = response.read()
            if response.status != 200:
                raise QueryError(f"the engine answered {response.status}: {data[:200].decode(errors='replace')}")
            rows = json.loads(data)["results"]["bindings"]
        except TimeoutError as exc:  # still computing: the engine does not stop DISTINCT by itself
            self._overrun(backend)
            raise QueryError(f"the engine did not answer within {self.timeout:g} s") from exc
        except (OSError, http.client.HTTPException, ValueError, KeyError) as exc:
            raise QueryError(f"the engine did not answer: {exc}") from exc
        finally:
            conn.close()
            front.slots.release()
        return [row["term"]["value"] for row in rows if row.get("term", {}).get("type") == "uri"]

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
