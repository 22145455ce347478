"""The data of an explorer page: the node items (positions, sizes, text), the edge rows and the metadata.

Everything is taken in a fixed order (nodes by their place in the view,
links by place then key), so a graph gives the same data whatever order its
nodes and edges were added in. Text from the news files reaches the page
only as JSON (:func:`_json`: ``<``, ``>``, ``&``, ``'`` escaped) and links
only when they are ``http``/``https`` (:func:`_safe_url`).
"""

from __future__ import annotations

import json
import math
import os
import re
from collections import Counter
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any, Final
from urllib.parse import urlsplit

import networkx as nx

from ..errors import OutputError
from ..model import KnowledgeGraph, predecessors, successors
from .memo import positions
from .style import EDGE_STYLE, STYLE
from .view import View

#: Views with more articles than this hide topic and tag links until one is selected, and put
#: topics and tags on a ring around the picture: thousands of such links are a hairball and
#: cost most of the frame time.
QUIET_ARTICLES: Final = 200

_EXCERPT: Final = 280
_LABEL: Final = 48
#: Characters a kept link may not hold: white space (``str.isspace``), control characters, quotes, brackets.
_UNSAFE_URL_CHAR: Final = re.compile(
    r'[\s\x00-\x1f"<>\\\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]'
)
#: An ASCII ``http(s)://host`` start whose host (up to ``/``, ``?``, ``#`` or the end) has no brackets:
#: urlsplit takes its scheme and host as they are and raises nothing (its errors are about brackets
#: and non-ASCII hosts), so such a URL is kept without calling it.
_PLAIN_WEB_URL: Final = re.compile(r"https?://[^/?#\[\]]+(?:[/?#]|\Z)", re.IGNORECASE | re.ASCII)


def _safe_url(value: Any) -> str | None:
    """``value`` when it is an absolute http(s) URL without spaces or control characters.

    >>> _safe_url("https://example.org/a"), _safe_url("javascript:alert(1)"), _safe_url("http://x/a b")
    ('https://example.org/a', None, None)
    """
    if not isinstance(value, str) or _UNSAFE_URL_CHAR.search(value):
        return None
    if value.isascii() and _PLAIN_WEB_URL.match(value):
        return value  # what urlsplit would accept, known without it (a large page has thousands of URLs)
    try:
        parts = urlsplit(value)
    except ValueError:
        return None
    return value if parts.scheme.lower() in ("http", "https") and parts.netloc else None


def _clip(text: Any, limit: int) -> str:
    if not isinstance(text, str):
        return ""
    flat: str = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1].rstrip() + "…"


#: The fields of a page item that come from the node's own text (:func:`_item_text`); they come last.
_TEXT_FIELDS: Final = ("label", "t", "e", "d", "u")


def _item_text(node: str, data: dict[str, Any], kind: str) -> dict[str, Any]:
    """The fields of a node's page item taken from its own attributes (label, title, excerpt, date, link).

    Nothing else in the page depends on them but the hubs' names in the notices, so a rebuild that
    changed only these rewrites only the items (see :func:`patch_page`).

    >>> _item_text("urn:x", {"label": "<b>", "url": "javascript:x"}, "topic")
    {'label': '<b>'}
    """
    label = str(data.get("label") or data.get("name") or node)
    text: dict[str, Any] = {"label": _clip(label, _LABEL)}
    if kind == "article":
        text["t"] = _clip(data.get("title") or label, 300)
        text["e"] = _clip(data.get("excerpt"), _EXCERPT)
        published = data.get("published_at")
        if isinstance(published, datetime):
            text["d"] = published.date().isoformat()
    elif kind == "provider":
        text["t"] = _clip(label, 300)
        text["e"] = str(data.get("domain") or "")
    url = _safe_url(data.get("url"))
    if url:
        text["u"] = url
    return text


def _page_data(
    kg: KnowledgeGraph, view: View, layout_cache: str | os.PathLike[str] | None = None
) -> tuple[list[dict[str, Any]], list[tuple[int, int, str, bool]], dict[str, Any]]:
    """vis-network's node list (positions included), the edges as ``(from, to, relation, hidden)``
    rows (see :func:`_edge_dicts`) and the page's metadata.

    ``layout_cache``: see :func:`~graph.explorer.page.render_html`.
    """
    g = kg.graph
    index = {node: i for i, node in enumerate(view.nodes)}
    attributes = g.nodes  # (a lookup per view node: the public view costs nothing here)
    kinds = {node: str(attributes[node].get("kind", "")) for node in view.nodes}
    hubs = set(view.hubs)
    quiet = view.counts.get("article", 0) > QUIET_ARTICLES
    rim = [n for n in view.nodes if quiet and n not in hubs and kinds[n] in ("topic", "tag")]
    links = _Links(index, kinds, hubs, set(rim))
    for u, v, rel in _view_edges(g, view.nodes, index):
        links.add(u, v, rel)
    drawn = nx.Graph()
    drawn.add_nodes_from(n for n in view.nodes if n not in hubs and n not in links.on_rim)
    drawn.add_edges_from(links.drawn)
    pos = positions(drawn, links.layout_weights(), links.story, links.anchors, layout_cache)
    xs = [x for x, _ in pos.values()] or [0.0]
    ys = [y for _, y in pos.values()] or [0.0]
    pos.update(_rim(g, rim, pos))
    # Hubs on a line above the picture (higher still when a ring is around it), spread over its width.
    hub_y = min(ys) - 250.0 - (0 if not rim else 0.15 * (max(ys) - min(ys)))
    hub_step = (max(xs) - min(xs)) / max(1, len(hubs))
    for i, hub in enumerate(view.hubs):
        pos[hub] = (min(xs) + hub_step * (0.5 + i), hub_y)
    nodes = [_node_item(g, i, node, kinds[node], pos[node], node in hubs, links) for i, node in enumerate(view.nodes)]
    return nodes, links.edges, _meta(g, view, index, bool(rim))


@dataclass(slots=True)
class _Links:
    """The links between a view's nodes, sorted into what the page and the layout need of them."""

    index: dict[str, int]
    kinds: dict[str, str]
    hubs: set[str]
    #: Topics and tags put on the ring around a large view: their links are hidden.
    on_rim: set[str]
    #: ``(from, to, relation, hidden)`` rows of the edges drawn (see :func:`_edge_dicts`).
    edges: list[tuple[int, int, str, bool]] = field(default_factory=list)
    #: The links the layout sees (drawn and not hidden), and their weights.
    drawn: list[tuple[str, str]] = field(default_factory=list)
    weights: dict[tuple[Hashable, Hashable], float] = field(default_factory=dict)
    #: Related links among the drawn ones: the stories the layout keeps together.
    story: list[tuple[str, str]] = field(default_factory=list)
    #: article → its (first) outlet, which a lone article is placed around.
    anchors: dict[Hashable, Hashable] = field(default_factory=dict)
    #: article → the places of its topics and tags, and of its outlets (the page's filters).
    filters: dict[str, list[int]] = field(default_factory=dict)
    outlets: dict[str, list[int]] = field(default_factory=dict)
    #: non-article node → the links to it from the view's articles.
    articles_of: Counter[str] = field(default_factory=Counter)

    def add(self, u: str, v: str, rel: Any) -> None:
        """Take the link ``u`` → ``v`` (``rel``), in the order of :func:`_view_edges`."""
        if rel in ("about", "tagged"):
            self.filters.setdefault(u, []).append(self.index[v])
        if rel == "published_by":
            self.outlets.setdefault(u, []).append(self.index[v])
        if self.kinds[u] == "article" and self.kinds[v] != "article":
            self.articles_of[v] += 1
        if rel not in EDGE_STYLE or v in self.hubs or u in self.hubs:
            return
        hidden = v in self.on_rim  # shown when the topic or one of its articles is selected
        self.edges.append((self.index[u], self.index[v], rel, hidden))
        if not hidden:
            self._draw(u, v, rel)

    def _draw(self, u: str, v: str, rel: str) -> None:
        self.drawn.append((u, v))
        self.weights[(u, v)] = 1.5 if rel == "related" else 1.0
        if rel == "related":
            self.story.append((u, v))
        elif rel == "published_by":
            self.anchors.setdefault(u, v)

    def layout_weights(self) -> dict[tuple[Hashable, Hashable], float]:
        """The weights for the layout, once every link is taken.

        A topic or tag shared by many articles pulls each of them weakly, so it does not gather one blob.
        """
        for link in self.weights:
            if self.kinds[str(link[1])] in ("topic", "tag"):
                self.weights[link] = 0.5 / (1.0 + math.log1p(self.articles_of[str(link[1])]))
        return self.weights


def _node_item(
    g: nx.MultiDiGraph, i: int, node: str, kind: str, xy: tuple[float, float], hub: bool, links: _Links
) -> dict[str, Any]:
    """The page item of the ``i``-th node of the view, at ``xy``: its place, group, size and text."""
    item: dict[str, Any] = {"id": i, "group": "hub" if hub else kind, "k": kind}
    if hub:
        item["hub"] = True
    item["x"], item["y"] = xy
    if kind == "article":
        rel = _related_count(g, node)
        item["size"] = 7 + 4 * min(rel, 5)
        item["f"] = links.filters.get(node, [])
        item["p"] = links.outlets.get(node, [])
        if rel:
            item["s"] = 1
    else:
        n = links.articles_of[node]
        item["size"] = 12 + 3 * math.sqrt(n)
        item["n"] = n
        # Big outlets and topics get big labels, readable when the whole picture is shown.
        item["fs"] = min(56, round((12 if kind == "provider" else 20) + 5 * math.sqrt(n)))
    item.update(_item_text(node, g.nodes[node], kind))
    return item


def _meta(g: nx.MultiDiGraph, view: View, index: dict[str, int], ring: bool) -> dict[str, Any]:
    """The page's metadata: title, notices, counts, the centre's place, the legend."""
    return {
        "title": view.title,
        "notices": view.notices + _notices(g, view, ring),
        "counts": view.counts,
        "shown": len(view.nodes),
        "total": view.total,
        "cut": view.cut,
        "center": index.get(view.center) if view.center else None,
        "kinds": [{"kind": k, "colour": c, "shape": s, "text": t} for k, (c, s, t) in STYLE.items()],
        "relations": [{"rel": r, "colour": c, "text": t} for r, (c, _, t) in EDGE_STYLE.items()],
    }


def _notices(g: nx.MultiDiGraph, view: View, ring: bool) -> list[str]:
    """What the page says about its large-view ring (``ring``) and its hubs, after the view's own notices."""
    notices = []
    if ring:
        notices.append(
            "Large view: topics and tags are on the ring around the picture and their links are hidden; "
            "click a topic or an article to see them, or use the topic filter."
        )
    if view.hubs:
        notices.append(
            "Shared by most articles here, so shown faded at the top with their links hidden "
            "(use the topic filter instead): " + ", ".join(str(g.nodes[h].get("label", h)) for h in view.hubs) + "."
        )
    return notices


# --------------------------------------------------------------------------- edges of a view


def _edge_key_order(key: Any) -> tuple[str, str]:
    """A sort key for edge keys (relations, or anything a caller used): never compares unlike types."""
    return (type(key).__name__, str(key))


def _view_edges(g: nx.MultiDiGraph, nodes: list[str], index: dict[str, int]) -> list[tuple[str, str, Any]]:
    """``(u, v, relation)`` for the edges between the view's nodes, by ``u``'s then ``v``'s place in the
    view, then by key: the same list whatever order the graph's nodes and edges were added in."""
    succ = successors(g)
    place = index.get
    found: list[tuple[str, str, Any]] = []
    for u in nodes:
        row: list[tuple[int, str, Any]] = []
        for v, keys in succ[u].items():
            j = place(v)
            if j is None:
                continue
            if len(keys) == 1:
                row.extend((j, v, data.get("relation")) for data in keys.values())
            else:
                row.extend((j, v, keys[k].get("relation")) for k in sorted(keys, key=_edge_key_order))
        if len(row) > 1:
            row.sort(key=_first)  # stable: the edges of one pair stay in key order
        found.extend((u, v, rel) for _, v, rel in row)
    return found


def _first(row: tuple[int, str, Any]) -> int:
    return row[0]


def _rim(g: nx.MultiDiGraph, rim: list[str], pos: dict[Any, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Topics and tags of a large view, on a circle around the picture, each near its articles' side."""
    if not rim:
        return {}
    spread = sorted(math.hypot(x, y) for x, y in pos.values()) or [300.0]
    radius = 1.15 * spread[int(0.97 * (len(spread) - 1))] + 80.0
    angles = []
    for node in rim:
        points = [pos[a] for a in g.predecessors(node) if a in pos]
        # fsum is exactly rounded, so the centre does not depend on the order of the predecessors.
        cx = math.fsum(x for x, _ in points) / len(points) if points else 0.0
        cy = math.fsum(y for _, y in points) / len(points) if points else 0.0
        angles.append((math.atan2(cy, cx), node))
    angles.sort()
    step = 2 * math.pi / len(rim)
    start = angles[0][0]
    return {
        node: (round(radius * math.cos(start + i * step), 1), round(radius * math.sin(start + i * step), 1))
        for i, (_, node) in enumerate(angles)
    }


def _related_count(g: nx.MultiDiGraph, node: str) -> int:
    """The related links of ``node``, in and out: its count in :func:`_related_degrees`, for one node."""
    return sum(
        1
        for adjacent in (successors(g)[node], predecessors(g)[node])
        for keys in adjacent.values()
        for data in keys.values()
        if data.get("relation") == "related"
    )


def _json(value: Any) -> str:
    r"""``value`` as JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and
    ``'`` escaped as jinja's ``tojson`` does, so no text can close the element or open markup.

    >>> _json({"t": "</script><b>&'"})
    '{"t": "\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u0027"}'
    """
    text = json.dumps(value)  # ASCII: a lone surrogate in a title cannot break the UTF-8 file
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")


def _edge_dicts(rows: Iterable[tuple[int, int, str, bool]]) -> list[dict[str, Any]]:
    """vis-network's edge objects for ``(from, to, relation, hidden)`` rows, numbered in order.

    >>> edge = _edge_dicts([(3, 1, "about", True)])[0]
    >>> edge["id"], edge["from"], edge["to"], edge["color"], edge["hidden"]
    (0, 3, 1, {'color': '#59a14f', 'opacity': 0.35}, True)
    """
    edges: list[dict[str, Any]] = []
    for i, (a, b, rel, hidden) in enumerate(rows):
        colour, width, _ = EDGE_STYLE[rel]
        edge: dict[str, Any] = {
            "id": i,
            "from": a,
            "to": b,
            "rel": rel,
            "width": width,
            "color": {"color": colour, "opacity": 0.9 if rel == "related" else 0.35},
        }
        if hidden:
            edge["hidden"] = True
        edges.append(edge)
    return edges


@cache
def _edge_tails() -> dict[tuple[str, bool], str]:
    """(relation, hidden) → the JSON of an edge object after its ``"to"``, as :func:`_json` writes it."""
    tails: dict[tuple[str, bool], str] = {}
    for rel in EDGE_STYLE:
        for hidden in (False, True):
            (edge,) = _edge_dicts([(0, 0, rel, hidden)])
            text = _json(edge)
            head = '{"id": 0, "from": 0, "to": 0, '
            if not text.startswith(head):  # pragma: no cover - guards a change to _edge_dicts
                raise OutputError(f"an edge's JSON does not start as expected: {text[:60]}")
            tails[(rel, hidden)] = text[len(head) :]
    return tails


def _edges_json(rows: list[tuple[int, int, str, bool]]) -> str:
    """``_json(_edge_dicts(rows))``, the same text, written directly: the edges are most of a large
    page's JSON and all of one shape, so this is several times faster than encoding dicts.

    >>> rows = [(0, 1, rel, hidden) for rel in EDGE_STYLE for hidden in (False, True)]
    >>> _edges_json(rows) == _json(_edge_dicts(rows)), _edges_json([]) == _json([])
    (True, True)
    """
    tails = _edge_tails()
    parts = [
        f'{{"id": {i}, "from": {a}, "to": {b}, {tails[(rel, hidden)]}' for i, (a, b, rel, hidden) in enumerate(rows)
    ]
    return "[" + ", ".join(parts) + "]"
