"""The SPARQL workbench: the page ``newsgraph serve`` answers at ``/``, and what it reads.

The page (``static/workbench.html`` with its script and style) is served by
the front, never fetched from elsewhere: its only requests go back to the
server. It asks for

- ``/workbench/library.json``: the query library (name, the question it
  answers, its text) and the prefixes every query may use undeclared;
- ``/workbench/terms.json``: the classes and properties the store actually
  uses, for completion in the editor (asked of the engine once, then kept;
  when the engine cannot answer in time, the project vocabulary, said so);
- ``/view?...``: an explorer page of the build made on demand (the same page
  ``newsgraph view`` writes), when the endpoint was given a view maker.

The script and its CodeMirror bundle come from ``graph/sparql/static``
(``vendor.js`` is built from pinned npm packages by ``vendor/workbench``).

>>> wb = Workbench(terms=lambda: ([], []))
>>> status, ctype, body = wb.answer("/workbench/library.json", "")
>>> status, ctype, "top-outlets" in json.loads(body)["library"]
(200, 'application/json', True)
>>> wb.answer("/view", "story=x")[:2]
(404, 'text/plain; charset=utf-8')
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from importlib import resources
from typing import Final
from urllib.parse import parse_qsl

from ..errors import EmptyViewError, NewsgraphError, OutputError, ViewError
from ..rdf.vocab import CLASSES, PREDICATES
from .check import PREFIXES
from .library import library

__all__ = ["CSP", "VIEW_PARAMS", "VIEW_SLOTS", "TermsFinder", "ViewMaker", "Workbench", "page_paths"]

#: Makes an explorer page (HTML) from ``/view``'s parameters; raises :class:`~graph.errors.ViewError`
#: (400), :class:`~graph.errors.EmptyViewError` (404) or :class:`~graph.errors.OutputError` (409).
ViewMaker = Callable[[Mapping[str, str]], str]
#: Asks the engine for (classes, properties) the store uses, as IRIs.
TermsFinder = Callable[[], tuple[list[str], list[str]]]

#: ``/view``'s parameters: those of ``newsgraph view`` (``max_nodes`` for ``--max-nodes``).
VIEW_PARAMS: Final = ("around", "depth", "story", "topic", "provider", "since", "until", "max_nodes")

#: The policy of the workbench page: its own files only, requests to this server only.
CSP: Final = (
    "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; connect-src 'self'; "
    "img-src 'self' data: blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)

_STATIC: Final = {
    "/": ("workbench.html", "text/html; charset=utf-8"),
    "/index.html": ("workbench.html", "text/html; charset=utf-8"),
    "/workbench/workbench.js": ("workbench.js", "text/javascript; charset=utf-8"),
    "/workbench/workbench.css": ("workbench.css", "text/css; charset=utf-8"),
    "/workbench/vendor.js": ("vendor.js", "text/javascript; charset=utf-8"),
    "/workbench/world.json": ("world.json", "application/json"),
    "/workbench/licenses.txt": ("VENDOR-LICENSES.txt", "text/plain; charset=utf-8"),
}
_TEXT: Final = "text/plain; charset=utf-8"
#: Explorer pages drawn at once (each holds a page of megabytes while it is made); others wait, then get 503.
VIEW_SLOTS: Final = 2
#: Seconds a ``/view`` request waits for a slot.
VIEW_WAIT: Final = 60.0
#: The example the editor opens with.
FIRST_EXAMPLE: Final = "top-outlets"


def page_paths() -> tuple[str, ...]:
    """The paths the workbench answers (besides ``/view``).

    >>> "/" in page_paths() and "/workbench/terms.json" in page_paths()
    True
    """
    return (*_STATIC, "/workbench/library.json", "/workbench/terms.json")


def _static(name: str) -> bytes:
    return (resources.files("graph.sparql") / "static" / name).read_bytes()


class Workbench:
    """What the front answers besides SPARQL: the page, its data and explorer views.

    ``terms`` finds the classes and properties in the store (called once, in
    the first request for them); ``views`` makes ``/view`` pages (none: 404).
    """

    def __init__(self, terms: TermsFinder, views: ViewMaker | None = None) -> None:
        self._terms_finder = terms
        self.views = views
        self._terms: bytes | None = None
        self._terms_lock = threading.Lock()
        self._files: dict[str, bytes] = {}
        self._view_slots = threading.BoundedSemaphore(VIEW_SLOTS)

    def owns(self, path: str) -> bool:
        """Whether ``path`` (no query string) is the workbench's to answer."""
        return path in _STATIC or path.startswith("/workbench/") or path == "/view"

    def answer(self, path: str, query: str) -> tuple[int, str, bytes]:
        """``(status, content type, body)`` for a GET of ``path`` with the query string ``query``."""
        if path in _STATIC:
            name, ctype = _STATIC[path]
            if name not in self._files:
                self._files[name] = _static(name)
            return 200, ctype, self._files[name]
        if path == "/workbench/library.json":
            return 200, "application/json", self._library()
        if path == "/workbench/terms.json":
            return 200, "application/json", self.terms()
        if path == "/view":
            return self._view(query)
        return 404, _TEXT, f"no such page: {path}\n".encode()

    @staticmethod
    def _library() -> bytes:
        queries = [{"name": q.name, "question": q.description, "text": q.text} for q in library().values()]
        return json.dumps(
            {"library": {q["name"]: q for q in queries}, "prefixes": PREFIXES, "first": FIRST_EXAMPLE},
            ensure_ascii=False,
        ).encode()

    def terms(self) -> bytes:
        """The classes and properties of the store, as JSON (asked of the engine on first use)."""
        with self._terms_lock:
            if self._terms is None:
                try:
                    classes, properties = self._terms_finder()
                    source = "store"
                except NewsgraphError as exc:  # the engine could not answer in time: the vocabulary instead
                    classes = sorted(set(CLASSES.values()))
                    properties = sorted(set(PREDICATES.values()))
                    source = f"vocabulary ({exc})"
                self._terms = json.dumps(
                    {"classes": sorted(classes), "properties": sorted(properties), "source": source},
                    ensure_ascii=False,
                ).encode()
            return self._terms

    def _view(self, query: str) -> tuple[int, str, bytes]:
        if self.views is None:
            return 404, _TEXT, b"this endpoint draws no explorer pages (it was started without a build to draw)\n"
        params: dict[str, str] = {}
        for key, value in parse_qsl(query, keep_blank_values=False):
            if key not in VIEW_PARAMS:
                message = f"/view has no parameter {key!r}; it takes {', '.join(VIEW_PARAMS)}\n"
                return 400, _TEXT, message.encode()
            params[key] = value
        if not self._view_slots.acquire(timeout=VIEW_WAIT):
            return 503, _TEXT, f"the endpoint is drawing {VIEW_SLOTS} pages already; try again\n".encode()
        try:
            return 200, "text/html; charset=utf-8", self.views(params).encode()
        except EmptyViewError as exc:
            return 404, _TEXT, f"{exc}\n".encode()
        except ViewError as exc:
            return 400, _TEXT, f"{exc}\n".encode()
        except OutputError as exc:
            return 409, _TEXT, f"{exc}\n".encode()
        finally:
            self._view_slots.release()
