"""The explorer's picture as a :class:`pyvis.network.Network`, for going on with pyvis's own API.

pyvis is imported only when :func:`to_pyvis` is called, so ``import graph`` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from ..errors import EmptyViewError, ViewError
from ..identity import ID
from ..model import KnowledgeGraph
from .data import _LABEL, _page_data
from .style import ARTICLE_LINKS, CENTER_COLOUR, EDGE_STYLE, HUB_COLOUR, STORY_RING, STYLE
from .view import View, select_view

if TYPE_CHECKING:
    from pyvis.network import Network

__all__ = ["to_pyvis"]

#: The height of the network's canvas, as the explorer's :class:`~graph.explorer.page.Page` shows itself.
HEIGHT: Final = "720px"
#: The border of a hub (as the page draws it); story and centre borders are the page's own colours.
_HUB_BORDER: Final = "#999"
#: ``<`` and ``>`` in a tooltip become these look-alikes: the title holds no markup, whoever renders it.
_NO_MARKUP: Final = str.maketrans({"<": "\u2039", ">": "\u203a"})


def to_pyvis(kg: KnowledgeGraph, view: View | None = None, **filters: Any) -> Network:
    """A :class:`pyvis.network.Network` holding the explorer page's picture of ``kg``.

    The same nodes (with the page's ids, positions, sizes, colours and
    shapes) and the same edges (hidden ones too, hidden; inferred links
    dashed), with physics off; tooltips are plain text. Go on with pyvis's
    own API from there (``net.write_html(path)``, ``net.show_buttons()``, ...).

    Parameters
    ----------
    kg
        The graph.
    view
        The nodes to draw; default: :func:`~graph.explorer.view.select_view` with ``filters``.
    **filters
        Those of :func:`~graph.explorer.view.select_view` (``topic=``, ``since=``, ...),
        when no ``view`` is given.

    Returns
    -------
    pyvis.network.Network
        Directed, with the vis-network library in-lined (``cdn_resources="in_line"``).
        Each node also carries its ``kind`` (and its ``iri`` when the page has it).

    Raises
    ------
    ViewError
        When both ``view`` and ``filters`` are given, or a filter is bad.
    EmptyViewError
        When ``filters`` match no article (as :func:`~graph.explorer.page.explore`).

    Notes
    -----
    pyvis 0.3's HTML template still links Bootstrap from a CDN (cdn.jsdelivr.net) whatever
    ``cdn_resources`` says, so its pages are not offline as the explorer's are. When any
    node's title contains ``href``, the template shows tooltips with ``innerHTML`` instead of
    vis-network's plain text: so ``<`` and ``>`` in titles are written ``‹`` and ``›``, and a
    title is text whoever renders it.

    Examples
    --------
    >>> import graph
    >>> net = to_pyvis(graph.build(["seeds"]), topic="AI")
    >>> len(net.nodes) > 2, net.options.physics.enabled, {node["physics"] for node in net.nodes}
    (True, False, {False})
    """
    if view is not None and filters:
        raise ViewError(f"give either a view or filters, not both (filters: {', '.join(sorted(filters))})")
    if view is None:
        view = select_view(kg, **filters)
        if view.filtered and not view.counts.get("article"):
            raise EmptyViewError(f"no article matches: {view.title}")  # as graph.explore
    nodes, edges, _meta = _page_data(kg, view)

    from pyvis.network import Network

    net = Network(height=HEIGHT, width="100%", directed=True, cdn_resources="in_line", notebook=False)
    net.toggle_physics(False)
    net.options.edges.smooth.enabled = False  # straight lines, as the page draws them
    net.options.interaction.hover = True
    net.options.interaction.tooltipDelay = 150
    net.options.interaction.hideEdgesOnDrag = True
    labels = {item["id"]: _label(item) for item in nodes}
    for item in nodes:
        net.add_node(item["id"], **_node_options(item, labels))
    for row in edges:
        a, b, rel, hidden = row[0], row[1], row[2], row[3]
        if rel not in EDGE_STYLE:
            continue
        style = EDGE_STYLE[rel]
        colour, width, text = style[0], style[1], style[2]
        options: dict[str, Any] = {
            "color": {"color": colour, "opacity": 0.9 if rel in ARTICLE_LINKS else 0.35},
            "width": width,
            "title": _plain(str(text)),
            "relation": rel,
        }
        dashes = style[3] if len(style) > 3 else False
        if dashes:  # vis-network takes True or a dash pattern (``[8, 6]``)
            options["dashes"] = list(dashes) if isinstance(dashes, list | tuple) else True
        if hidden:
            options["hidden"] = True
        net.add_edge(a, b, **options)
    return net


def _node_options(item: dict[str, Any], labels: dict[Any, str]) -> dict[str, Any]:
    """pyvis's ``add_node`` options for one page item: place, look, a plain-text tooltip, kind and IRI."""
    kind = str(item.get("k", ""))
    colour, shape, _ = _kind_style(kind)
    hub = bool(item.get("hub"))
    border = colour
    if hub:
        border = _HUB_BORDER
    elif item.get("c"):
        border = CENTER_COLOUR
    elif "s" in item:  # the number of its story: the article is in one
        border = STORY_RING
    options: dict[str, Any] = {
        "label": labels[item["id"]] or " ",  # pyvis puts the id where the label is empty
        "shape": "hexagon" if hub else shape,
        "color": {"background": HUB_COLOUR if hub else colour, "border": border},
        "x": float(item["x"]),
        "y": float(item["y"]),
        "physics": False,
        "size": item.get("size", 10),
        "title": _title(item, kind, labels),
        "font": {"size": item.get("fs") or (12 if kind == "article" else 30), "color": "#777" if hub else "#222"},
        "kind": kind,
    }
    if border in (STORY_RING, CENTER_COLOUR):
        options["borderWidth"] = 3
    if hub:
        options["opacity"] = 0.55
    iri = _iri(item)
    if iri:
        options["iri"] = iri
    return options


def _label(item: dict[str, Any]) -> str:
    """The node's label; an article's is its headline, cut as the page cuts it.

    >>> _label({"label": "AI"}), _label({"t": "x" * 60})[-3:]
    ('AI', 'xx…')
    """
    label = item.get("label")
    if label is not None:
        return str(label)
    title = str(item.get("t") or "")
    return title if len(title) <= _LABEL else title[: _LABEL - 1] + "…"


def _iri(item: dict[str, Any]) -> str | None:
    """The node's IRI: the page's ``i`` (``~`` standing for newsgraph's id base), else an article's URL.

    >>> _iri({"i": "~topic/ai"}), _iri({"k": "article", "u": "https://a.example/"}), _iri({"k": "topic"})
    ('https://w3id.org/newsgraph/id/topic/ai', 'https://a.example/', None)
    """
    iri = item.get("i")
    if isinstance(iri, str) and iri:
        return ID + iri[1:] if iri.startswith("~") else iri
    if item.get("k") == "article" and item.get("u"):
        return str(item["u"])  # the page leaves out ``i`` where the IRI is the article's URL
    return None


def _kind_style(kind: str) -> tuple[str, str, str]:
    style = STYLE.get(kind)
    if style is None:
        return HUB_COLOUR, "dot", kind
    return str(style[0]), str(style[1]), str(style[2])


def _title(item: dict[str, Any], kind: str, labels: dict[Any, str]) -> str:
    """The tooltip: headline, then outlet · date (or kind · article count), excerpt and link, one a line.

    >>> _title({"t": "<b>Hi</b>", "d": "2020-05-06T10:00Z", "p": [1], "e": "x", "u": "https://a.example/"},
    ...        "article", {1: "Daily"})
    '‹b›Hi‹/b›\\nDaily · 2020-05-06 10:00 UTC\\nx\\nhttps://a.example/'
    """
    lines = [str(item.get("t") or labels.get(item.get("id")) or item.get("label") or "")]
    if kind == "article":
        outlets = [labels[p] for p in item.get("p") or [] if p in labels]
        second = [*outlets, _when(item.get("d"))]
    else:
        n = item.get("n")
        count = f"{n} article{'' if n == 1 else 's'}" if isinstance(n, int) else ""
        second = [_kind_style(kind)[2], count]
    lines.append(" · ".join(part for part in second if part))
    lines += [str(item.get("e") or ""), str(item.get("u") or "")]
    return _plain("\n".join(line for line in lines if line))


def _when(value: Any) -> str:
    """The page's date (``2020-05-06``) or time (``2020-05-06T10:00Z``), for reading.

    >>> _when("2020-05-06"), _when("2020-05-06T10:00Z"), _when(None)
    ('2020-05-06', '2020-05-06 10:00 UTC', '')
    """
    if not value:
        return ""
    text = str(value)
    if len(text) > 10 and text[10] == "T":
        text = text[:10] + " " + text[11:]
        if text.endswith("Z"):
            text = text[:-1] + " UTC"
    return text


def _plain(text: str) -> str:
    """``text`` without anything a browser could take for markup (``<`` and ``>`` become ``‹`` and ``›``)."""
    return text.translate(_NO_MARKUP)
