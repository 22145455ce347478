"""Hooks a lower layer calls and the package wires to a higher one, so no layer imports upwards.

:meth:`graph.model.KnowledgeGraph.query` asks the engine installed here;
``graph/__init__.py`` installs graph.sparql's (imported on first use).

>>> import graph  # installs graph.sparql's
>>> query_engine().__module__
'graph'
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["query_engine", "set_query_engine"]

_QUERY_ENGINE: list[Callable[[Any, str], Any]] = []


def set_query_engine(engine: Callable[[Any, str], Any]) -> None:
    """Make ``engine(kg, sparql)`` answer :meth:`graph.model.KnowledgeGraph.query`."""
    _QUERY_ENGINE[:] = [engine]


def query_engine() -> Callable[[Any, str], Any] | None:
    """The installed engine (None: none yet)."""
    return _QUERY_ENGINE[0] if _QUERY_ENGINE else None
