"""The interactive HTML explorer: one self-contained page drawn by vis-network (as bundled with pyvis).

The page (``graph.html`` in a build, or ``newsgraph view``) draws a *view*
of the graph: the articles a filter selects (all, or those around one
article, in one story, about one topic, from one outlet, in a date range),
with their outlets, topics, tags and authors, cut to ``max_nodes`` so the
page stays fast. What is cut is said on the page (:attr:`View.notices`),
and nothing is lost: the page also carries a compact *index* of every
article, outlet, topic, tag, place and story of the build, so its search
finds any of them and brings it into the picture with its neighbourhood.

The story is the unit: the side panel opens on the build's stories (largest
and most widely covered first), and choosing one, or an article of one,
shows its timeline: one row per outlet, the first report marked, the
publishers' related links solid, inferred links dashed, copies dotted. A
time slider and a depth control filter the picture live; the selection can
be saved as a PNG or copied as a ``newsgraph view`` command and a SPARQL
query. :func:`to_pyvis` hands the same picture to pyvis.

How it stays fast, safe and readable:

- Positions are computed in Python (:func:`graph.explorer.layout.story_layout`: each
  story a compact block, lone articles around their outlet, the blocks laid
  out by igraph's Fruchterman-Reingold and placed without overlap; seeded, so
  the same input gives a byte-identical page) and the page draws them with
  physics off; node and edge lists are JSON put into the template directly.
  Everything is taken in a fixed order (nodes and links by IRI or by their
  place in the view), so a graph gives the same page whatever order its
  nodes and edges were added in; ``layout_cache`` (:func:`render_html`)
  keeps the last layout in a file and reuses it while its input is unchanged.
- vis-network and every script and style are in-line; a
  Content-Security-Policy allows only the page's own scripts (by hash) and
  no request at all, so it opens from ``file://`` offline.
- Text from the news files (titles, excerpts, names, topics, URLs) reaches
  the page only as JSON inside ``<script type="application/json">``
  (``<``, ``>``, ``&`` escaped) and is put into the page with
  ``textContent`` or drawn on the canvas, never parsed as HTML; links are
  kept only when they are ``http``/``https``.
- Topics and tags that most articles of the view share ("Coronavirus" is
  on 99% of the corpus) are *hubs*: drawn faded at the top, their links
  hidden and left out of the layout, and offered as a filter instead.

The parts, one job each (a module imports only those above it here)::

    atomic.py    writing a file atomically
    layout.py    node positions: stories as compact blocks, igraph's Fruchterman-Reingold
    memo.py      the layout memo file (``layout_cache``)
    view.py      View, select_view: which nodes a page draws, and what was cut
    style.py     colours, shapes and legend of kinds and relations; vis-network's options
    data.py      the page's data: node items, edge rows, metadata, as safe JSON
    template.py  the template with vis-network in-lined and its Content-Security-Policy
    page.py      render_html, Page, explore, write_html, write_view, write_graph_html
    patch.py     page_shape, patch_page: rewriting only the changed items of a build's page
    topyvis.py   to_pyvis: the page's picture as a pyvis Network, to go on with pyvis's API
    served.py    Views: pages made on demand for ``newsgraph serve``'s ``/view``

The explorer sits above the model (:mod:`graph.model`, :mod:`graph.blocks`,
:mod:`graph.identity`, :mod:`graph.errors`) and below the outputs and the
pipeline: it imports neither.

>>> import graph
>>> page = explore(graph.build(["seeds"]))
>>> page.view.counts["article"], page.view.cut
(5, False)
>>> "<script src=" in page.html, page.html.startswith("<!DOCTYPE html>")
(False, True)
"""

from __future__ import annotations

from ..errors import EmptyViewError, ViewError
from .page import Page, explore, render_html, write_graph_html, write_html, write_view
from .patch import page_shape, patch_page, same_shapes, shape_of
from .served import Views
from .topyvis import to_pyvis
from .view import DEFAULT_MAX_NODES, View, select_view

__all__ = [
    "DEFAULT_MAX_NODES",
    "EmptyViewError",
    "Page",
    "View",
    "ViewError",
    "Views",
    "explore",
    "page_shape",
    "patch_page",
    "render_html",
    "same_shapes",
    "select_view",
    "shape_of",
    "to_pyvis",
    "write_graph_html",
    "write_html",
    "write_view",
]
