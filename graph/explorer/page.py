"""The explorer page: rendering a view as HTML (:func:`render_html`), showing it (:class:`Page`), writing it.

:func:`write_graph_html` writes a build's ``graph.html`` as blocks
(:mod:`graph.blocks`), so :func:`graph.explorer.patch.patch_page` can later
rewrite only the items that changed.
"""

from __future__ import annotations

import html as html_lib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..blocks import BlockWriter, FileIndex
from ..errors import EmptyViewError
from ..model import KnowledgeGraph, load
from .atomic import atomic_write
from .data import _edges_json, _item_key, _json, _page_data, _page_index, _universe
from .style import vis_options
from .template import skeleton
from .view import View, select_view

__all__ = ["Page", "explore", "render_html", "write_graph_html", "write_html", "write_view"]


@dataclass(slots=True)
class Page:
    """An explorer page: its HTML and the :class:`View` it draws. Shows itself in Jupyter.

    >>> page = Page("<!DOCTYPE html><p>hi</p>", View(nodes=[], total=0))
    >>> page._repr_html_().startswith("<iframe")
    True
    """

    html: str
    view: View
    height: int = 720

    def _repr_html_(self) -> str:
        """An ``<iframe srcdoc>`` holding the page, sandboxed (scripts, new tabs and the PNG download only):
        self-contained, so it shows in JupyterLab, Notebook 7, VS Code and Colab alike."""
        return (
            f'<iframe srcdoc="{html_lib.escape(self.html, quote=True)}" '
            f'style="width:100%;height:{self.height}px;border:1px solid #ddd" '
            'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox allow-downloads"></iframe>'
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` atomically; returns the path."""
        target = Path(path)
        atomic_write(target, self.html)
        return target


def render_html(
    kg: KnowledgeGraph, view: View | None = None, *, layout_cache: str | os.PathLike[str] | None = None
) -> str:
    """The explorer page for ``view`` (default: :func:`select_view` with its defaults), as HTML text.

    The template's data slots are filled with JSON in one pass (text from the
    news files never lands where a later replacement could see it).

    The page depends only on the graph's content, not on the order its nodes
    and edges were added in: a graph updated in place gives the same bytes as
    a clean build of the same graph.

    ``layout_cache`` is a file that memoizes the layout, the costly part of a
    large page: it holds the positions of the last layout with a digest of its
    input (and of the layout code); when the input is the same they are used,
    otherwise the layout is computed and the file replaced. A missing, corrupt
    or foreign file, or one that cannot be written, only means computing. The
    page is the same bytes with or without it.

    >>> import graph
    >>> text = render_html(graph.build(["seeds"]))
    >>> "Content-Security-Policy" in text and "vis.Network" in text
    True
    """
    view = view if view is not None else select_view(kg)
    index = _universe(kg.graph, view)
    nodes, edges, meta = _page_data(kg, view, layout_cache, index)
    data = {
        "nodes": _json(nodes),
        "edges": _edges_json(edges),
        "index": "[" + ", ".join(_json(entry) for _, entry in _page_index(kg, view, index)) + "]",
        "meta": _json(meta),
        "options": _json(vis_options()),
    }
    parts = skeleton()
    return "".join(data[part] if i % 2 else part for i, part in enumerate(parts))


def explore(kg: KnowledgeGraph, **filters: Any) -> Page:
    """The explorer :class:`Page` for ``kg``: in Jupyter it shows itself; ``.save(path)`` writes it.

    ``filters`` are those of :func:`select_view`. Raises :class:`EmptyViewError`
    when they match no article (the page would be blank).

    >>> import graph
    >>> explore(graph.build(["seeds"]), topic="AI").view.counts["article"]
    2
    >>> explore(graph.build(["seeds"]), topic="AI", since="2031-01-01")
    Traceback (most recent call last):
    ...
    graph.errors.EmptyViewError: no article matches: articles about 'AI'; published 2031-01-01 to …
    """
    view = select_view(kg, **filters)
    if view.filtered and not view.counts.get("article"):
        raise EmptyViewError(f"no article matches: {view.title}")
    return Page(render_html(kg, view), view)


def write_html(kg: KnowledgeGraph, path: str | os.PathLike[str], **filters: Any) -> View:
    """Write the explorer page of ``kg`` (``filters`` as :func:`select_view`) to ``path``; returns its view.

    >>> import graph, tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "seeds.html"
    >>> write_html(graph.build(["seeds"]), path).counts["provider"], path.stat().st_size > 100_000
    (5, True)
    """
    page = explore(kg, **filters)
    page.save(path)
    return page.view


def write_graph_html(
    kg: KnowledgeGraph, path: str | os.PathLike[str], *, layout_cache: str | os.PathLike[str] | None = None
) -> FileIndex:
    """The ``graph.html`` writer of a build: the default view.

    The page is written as blocks (:mod:`graph.blocks`): one per drawn node,
    keyed by its place in the view and its IRI, then the edges, one per
    index entry (the nodes not drawn, keyed the same way) and the metadata;
    the index it returns lets :func:`~graph.explorer.patch.patch_page`
    rewrite only the items that changed. The bytes are :func:`render_html`'s.
    ``layout_cache``: a layout memo file, as for :func:`render_html`.

    >>> import graph, tempfile, pathlib
    >>> kg = graph.build(["seeds"])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "graph.html"
    >>> index = write_graph_html(kg, path)
    >>> path.read_text(encoding="utf-8") == render_html(kg), index.sections[0].keys[0][:9]
    (True, '00000000 ')
    """
    view = select_view(kg)
    index = _universe(kg.graph, view)
    nodes, edges, meta = _page_data(kg, view, layout_cache, index)
    parts = skeleton()
    frame = _page_frame(parts)
    with BlockWriter(path) as writer:
        writer.text(frame[0])
        writer.section(
            ", ",
            ((_item_key(i, node), _json(item)) for i, (node, item) in enumerate(zip(view.nodes, nodes, strict=True))),
        )
        writer.text(frame[1])
        writer.section("", [("edges", _edges_json(edges))])
        writer.text(frame[2])
        writer.section(
            ", ", ((_item_key(entry["id"], node), _json(entry)) for node, entry in _page_index(kg, view, index))
        )
        writer.text(frame[3])
        writer.section("", [("meta", _json(meta))])
        writer.text(frame[4])
    return writer.index


def _page_frame(parts: tuple[str, ...]) -> list[str]:
    """The text around the page's four sections (items, edges, index entries, metadata), from the parts
    of :func:`~graph.explorer.template.skeleton`."""
    return [parts[0] + "[", "]" + parts[2], parts[4] + "[", "]" + parts[6], parts[8] + _json(vis_options()) + parts[10]]


def write_view(out: str | os.PathLike[str], path: str | os.PathLike[str], **filters: Any) -> View:
    """Load the build in ``out`` and write one view of it to ``path`` (``newsgraph view``).

    Raises :class:`~graph.errors.OutputError` when ``out`` holds no build and
    :class:`ViewError` for a bad filter.
    """
    return write_html(load(out), path, **filters)
