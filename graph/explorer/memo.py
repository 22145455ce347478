"""The layout memo: the positions of the last layout kept in a file, reused while its input is unchanged.

The layout (:func:`graph.explorer.layout.story_layout`) is the costly part of
a large page. The memo file holds its positions with a digest of its input
and of the layout code; a missing, corrupt, foreign or stale file, or one
that cannot be written, only means computing. The page is the same bytes
with or without it.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Hashable
from functools import cache
from pathlib import Path
from typing import Any, Final

import networkx as nx

from ..igraph_core import core as igraph_core
from . import layout
from .atomic import atomic_write

__all__ = ["positions"]

#: First field of a layout memo file; a file without it is not ours and is ignored.
_MEMO_FORMAT: Final = "newsgraph-layout-memo/1"


@cache
def _layout_version() -> str:
    """What decides the layout besides its input: the memo format, a digest of ``layout.py``'s source,
    igraph's core version and Python's version. A memo made under another version is never used.
    """
    source = hashlib.blake2b(Path(layout.__file__).read_bytes(), digest_size=16).hexdigest()
    core = getattr(igraph_core(), "__igraph_version__", "?")
    return f"{_MEMO_FORMAT} layout.py:{source} igraph:{core} python:{'.'.join(map(str, sys.version_info[:2]))}"


def _layout_key(
    nodes: list[Hashable],
    drawn: nx.Graph,
    weights: dict[tuple[Hashable, Hashable], float],
    related: list[tuple[str, str]],
    anchors: dict[Hashable, Hashable],
) -> str:
    """A digest of everything :func:`graph.explorer.layout.story_layout` is given (``nodes`` is ``drawn``'s
    nodes), in the order it is given; links are spelled by node number, which is quicker to hash.

    Raises (KeyError) when a link names a node that is not drawn: there is then no memo.
    """
    at = {node: i for i, node in enumerate(nodes)}
    payload = [
        _layout_version(),
        nodes,
        [at[n] for edge in drawn.edges() for n in edge],
        [x for (u, v), w in weights.items() for x in (at[u], at[v], w)],
        [at[n] for link in related for n in link],
        [at[n] for link in anchors.items() for n in link],
    ]
    return hashlib.blake2b(json.dumps(payload).encode("ascii"), digest_size=32).hexdigest()


def _memo_load(path: str | os.PathLike[str], key: str, nodes: list[Hashable]) -> dict[Any, tuple[float, float]] | None:
    """The positions a memo file holds for ``key``, or None: a missing, unreadable, corrupt, foreign or
    stale file is a miss, never an error."""
    try:
        with open(path, "rb") as handle:
            memo = json.loads(handle.read())
        if not isinstance(memo, dict) or memo.get("format") != _MEMO_FORMAT or memo.get("key") != key:
            return None
        rows = memo.get("positions")
        if not isinstance(rows, list) or len(rows) != len(nodes):
            return None
        pos: dict[Any, tuple[float, float]] = {}
        for row in rows:
            i, x, y = row
            if type(i) is not int or not 0 <= i < len(nodes) or type(x) is not float or type(y) is not float:
                return None
            pos[nodes[i]] = (x, y)
        return pos if len(pos) == len(nodes) else None
    except Exception:  # whatever is wrong with the file, the layout is computed instead
        return None


def _memo_save(
    path: str | os.PathLike[str], key: str, nodes: list[Hashable], pos: dict[Any, tuple[float, float]]
) -> None:
    """Replace the memo file with ``key`` → ``pos`` (atomically: a temporary file beside it, then
    ``os.replace``). A memo that cannot be written is skipped: the page does not depend on it."""
    try:
        index = {node: i for i, node in enumerate(nodes)}
        rows = [[index[node], x, y] for node, (x, y) in pos.items()]
        if len(rows) != len(nodes) or not all(type(x) is float and type(y) is float for _, x, y in rows):
            return  # not something _memo_load would give back exactly
        text = json.dumps({"format": _MEMO_FORMAT, "key": key, "positions": rows}, separators=(",", ":"))
        atomic_write(Path(path), text)  # JSON of ASCII: the same bytes in UTF-8
    except Exception:  # a full disk or a read-only folder costs the next page a layout, nothing more
        return


def positions(
    drawn: nx.Graph,
    weights: dict[tuple[Hashable, Hashable], float],
    related: list[tuple[str, str]],
    anchors: dict[Hashable, Hashable],
    layout_cache: str | os.PathLike[str] | None,
) -> dict[Any, tuple[float, float]]:
    """:func:`graph.explorer.layout.story_layout` of the drawn graph, taken from the memo file ``layout_cache``
    when it holds the positions for this very input, and saved there when it does not."""
    if layout_cache is None:
        return dict(layout.story_layout(drawn, weights, related=related, anchors=anchors))
    nodes = list(drawn.nodes)
    try:
        key: str | None = _layout_key(nodes, drawn, weights, related, anchors)
    except Exception:  # an input the digest cannot spell (a node id JSON cannot write): no memo
        key = None
    if key is not None:
        hit = _memo_load(layout_cache, key, nodes)
        if hit is not None:
            return hit
    pos = dict(layout.story_layout(drawn, weights, related=related, anchors=anchors))
    if key is not None:
        _memo_save(layout_cache, key, nodes, pos)
    return pos
