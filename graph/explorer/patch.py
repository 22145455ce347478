"""Patching a build's page: what the page takes from a node (:func:`page_shape`), and rewriting only
the items of changed nodes when no node changed shape (:func:`patch_page`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import networkx as nx

from ..blocks import BlockWriter, FileIndex, patch, read_block
from ..errors import StaleIndex
from ..model import KnowledgeGraph, successors
from .data import _TEXT_FIELDS, _edge_key_order, _entry, _item_key, _item_text, _json

__all__ = ["page_shape", "patch_page", "same_shapes", "shape_of"]


def page_shape(g: nx.MultiDiGraph, node: str) -> tuple[Any, ...] | None:
    """What the explorer page's selection, layout and structure take from ``node`` (None: not in ``g``).

    Its kind, its ratings (``heat``, ``quality``) and its links out, with
    their relations. A link in is its source's link out: a build that
    changes a link changes its source's records, and the source is among the
    changed nodes too. When no changed node changed its shape, the default
    view, its links and positions are the same, and only the items of changed
    nodes may differ (:func:`patch_page`).

    >>> g = nx.MultiDiGraph()
    >>> g.add_edge("a", "t", key="about", relation="about")
    'about'
    >>> page_shape(g, "a"), page_shape(g, "z")
    (('', None, None, (('t', 'str', 'about', 'about'),)), None)
    """
    if node not in g:
        return None
    data = g.nodes[node]
    edges = ((v, k, e.get("relation")) for v, keys in successors(g)[node].items() for k, e in keys.items())
    return shape_of(data, edges)


def shape_of(data: Mapping[str, Any], edges: Iterable[tuple[str, Any, Any]]) -> tuple[Any, ...]:
    """:func:`page_shape` from a node's attributes and its out-edges as ``(target, key, relation)``.

    >>> shape_of({"kind": "a"}, [("t", "about", "about")])
    ('a', None, None, (('t', 'str', 'about', 'about'),))
    """
    out = sorted((v, *_edge_key_order(k), relation) for v, k, relation in edges)
    return (str(data.get("kind", "")), data.get("heat"), data.get("quality"), tuple(out))


def same_shapes(g: nx.MultiDiGraph, before: dict[str, tuple[Any, ...] | None]) -> bool:
    """True when every node of ``before`` (node → its :func:`page_shape` then) has the same shape in ``g``."""
    return all(page_shape(g, node) == shape for node, shape in before.items())


def patch_page(
    kg: KnowledgeGraph,
    path: str | os.PathLike[str],
    old_path: str | os.PathLike[str],
    old: FileIndex,
    before: dict[str, tuple[Any, ...] | None],
) -> FileIndex:
    """Write to ``path`` the page at ``old_path`` (written by :func:`write_graph_html`, with index ``old``)
    brought up to date, rewriting only the items and index entries of the nodes in ``before``.

    ``before`` maps every node that may have changed since that page to its
    :func:`page_shape` then. When none changed shape, the view, its links
    and its layout are the same, and only those nodes' text differs; the
    result is the bytes :func:`write_graph_html` would write. Otherwise, or
    when the text of a hub changed (hubs are named in the notices), or the old file is
    not the one ``old`` describes, raises :class:`~graph.blocks.StaleIndex`:
    the page must be written whole.
    """
    g = kg.graph
    if not same_shapes(g, before):
        raise StaleIndex("the view's structure changed")
    if len(old.sections) != 4 or not old.matches(Path(old_path)):
        raise StaleIndex(f"{old_path} is not the page its index describes")
    changes = _item_changes(g, old_path, old.sections[0], before)
    entries = old.sections[2]
    index = {node: int(key.partition(" ")[0]) for key in entries.keys if (node := key.partition(" ")[2]) in before}
    # An index entry is made from its node's attributes and links out alone (graph.explorer.data._entry).
    renumbered = {
        node: int(key.partition(" ")[0])
        for key in (*old.sections[0].keys, *entries.keys)
        if (node := key.partition(" ")[2]) in g
    }
    entry_changes = {
        _item_key(i, node): _json(_entry(g, node, str(g.nodes[node].get("kind", "")), renumbered))
        for node, i in index.items()
    }
    with BlockWriter(path) as writer:  # the frame is made by the code alone
        patch(writer, Path(old_path), old, None, [changes, {}, entry_changes, {}])
    return writer.index


def _item_changes(
    g: nx.MultiDiGraph, old_path: str | os.PathLike[str], items: Any, before: dict[str, tuple[Any, ...] | None]
) -> dict[str, str]:
    """block key → new text, for the drawn items of the nodes in ``before`` whose text changed."""
    at = {node: key for key in items.keys if (node := key.partition(" ")[2]) in before}
    changes: dict[str, str] = {}
    if at:
        offsets = items.offsets()
        try:
            source = os.open(old_path, os.O_RDONLY)
        except OSError as exc:
            raise StaleIndex(str(old_path)) from exc
        try:
            for node, key in at.items():
                try:
                    item = json.loads(read_block(source, items, offsets, key))
                except ValueError as exc:
                    raise StaleIndex(f"{old_path}: an item is not JSON") from exc
                if not isinstance(item, dict):
                    raise StaleIndex(f"{old_path}: an item is not an object")
                data = g.nodes[node]
                text = _item_text(node, data, str(data.get("kind", "")))
                if all(item.get(name) == text.get(name) for name in _TEXT_FIELDS):
                    continue  # a link target of a changed file, itself unchanged
                if item.get("hub"):
                    raise StaleIndex("a hub's text changed: its name is in the notices")
                for name in _TEXT_FIELDS:
                    item.pop(name, None)
                item.update(text)
                changes[key] = _json(item)
        finally:
            os.close(source)
    return changes
