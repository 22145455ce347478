"""Explorer pages made on demand, for ``newsgraph serve``'s ``/view`` (the SPARQL workbench's way in).

:class:`Views` loads the build once (again when its ``graph.json`` changes)
and draws the page ``newsgraph view`` would write for the same options.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Mapping
from pathlib import Path

from ..errors import ViewError
from ..model import KnowledgeGraph, load
from .page import explore
from .view import DEFAULT_MAX_NODES

__all__ = ["Views"]

_TEXT_OPTIONS = ("around", "story", "topic", "provider", "since", "until")


class Views:
    """``views(params)``: the explorer page (HTML) of the build in ``out`` for ``/view``'s parameters.

    ``params`` are ``newsgraph view``'s options by name (``around``, ``depth``,
    ``story``, ``topic``, ``provider``, ``since``, ``until``, ``max_nodes``).
    Raises :class:`~graph.errors.ViewError` for a bad value,
    :class:`~graph.errors.EmptyViewError` when nothing matches and
    :class:`~graph.errors.OutputError` when ``out`` holds no loadable build.

    >>> import graph, tempfile
    >>> out = tempfile.mkdtemp()
    >>> _ = graph.build_into(["seeds"], out)
    >>> views = Views(out)
    >>> "ng-network" in views({"topic": "AI"})
    True
    >>> views({"depth": "two"})
    Traceback (most recent call last):
    ...
    graph.errors.ViewError: depth must be a whole number, not 'two'
    """

    def __init__(self, out: str | os.PathLike[str]) -> None:
        self.out = Path(out)
        self._lock = threading.Lock()
        self._kg: KnowledgeGraph | None = None
        self._stamp: tuple[int, int] | None = None

    def graph(self) -> KnowledgeGraph:
        """The build's graph, loaded on first use and again after the build changed."""
        with self._lock:
            try:
                stat = (self.out / "graph.json").stat()
                stamp: tuple[int, int] | None = (stat.st_mtime_ns, stat.st_size)
            except OSError:
                stamp = None
            if self._kg is None or stamp != self._stamp:
                self._kg = load(self.out)  # raises OutputError with advice when there is none
                self._stamp = stamp
            return self._kg

    def __call__(self, params: Mapping[str, str]) -> str:
        options: dict[str, object] = {k: v for k, v in params.items() if k in _TEXT_OPTIONS and v}
        for name, default in (("depth", 1), ("max_nodes", DEFAULT_MAX_NODES)):
            text = params.get(name)
            if text:
                try:
                    options[name] = int(text)
                except ValueError:
                    raise ViewError(f"{name} must be a whole number, not {text!r}") from None
            else:
                options[name] = default
        return explore(self.graph(), **options).html
