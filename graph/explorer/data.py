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
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Final
from urllib.parse import urlsplit

import networkx as nx

from ..identity import ID
from ..model import KnowledgeGraph, attributes, predecessors, successors
from ..rdf.vocab import PREDICATES, SCHEMA, XSD
from .memo import positions
from .style import ARTICLE_LINKS, CENTER_COLOUR, EDGE_STYLE, HUB_COLOUR, SELECTED_COLOUR, STORY_RING, STYLE
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


def _when(value: Any) -> str | None:
    """A publication time as the page shows it: ISO 8601 to the minute, in UTC (``Z``) when the time
    has a zone; a date alone when it is one.

    >>> from datetime import timezone, timedelta
    >>> _when(datetime(2020, 5, 6, 16, 3, tzinfo=timezone(timedelta(hours=2)))), _when(None)
    ('2020-05-06T14:03Z', None)
    """
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%MZ")
        return value.strftime("%Y-%m-%dT%H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return None


#: The fields of a page item that come from the node's own text (:func:`_item_text`); they come last.
_TEXT_FIELDS: Final = ("label", "t", "e", "d", "u", "i")


def _item_text(node: str, data: dict[str, Any], kind: str) -> dict[str, Any]:
    """The fields of a node's page item taken from its own attributes (label, title, excerpt, date, link).

    Nothing else in the page depends on them but the hubs' names in the notices, so a rebuild that
    changed only these rewrites only the items (see :func:`patch_page`).

    >>> _item_text("urn:x", {"label": "<b>", "url": "javascript:x"}, "topic")
    {'label': '<b>', 'i': 'urn:x'}
    >>> _item_text(ID + "topic/ai", {"label": "AI"}, "topic")
    {'label': 'AI', 'i': '~topic/ai'}
    """
    label = str(data.get("label") or data.get("name") or node)
    text: dict[str, Any] = {}
    if kind == "article":  # the page makes the label from the title
        text["t"] = _clip(data.get("title") or label, 300)
        text["e"] = _clip(data.get("excerpt"), _EXCERPT)
        when = _when(data.get("published_at"))
        if when:
            text["d"] = when
    else:
        text["label"] = _clip(label, _LABEL)
    if kind == "story":  # a story is named by a headline of its articles
        text["t"] = _clip(label, 300)
    if kind == "provider":
        text["e"] = str(data.get("domain") or "")
    url = _safe_url(data.get("url"))
    if url:
        text["u"] = url
    if node != url:  # the IRI, for the page's SPARQL; an article's is mostly its URL
        text["i"] = "~" + node[len(ID) :] if node.startswith(ID) else node
    return text


def _item_key(i: int, node: str) -> str:
    """The block key of the page's ``i``-th item or index entry: sorted by place, and naming its node."""
    return f"{i:08d} {node}"


def _universe(g: nx.MultiDiGraph, view: View) -> dict[str, int]:
    """node → its number on the page: the view's nodes first (drawn, in the view's order), then
    every other node the page can find and bring in (:data:`INDEX_KINDS`), by kind then IRI."""
    drawn = set(view.nodes)
    order = {kind: i for i, kind in enumerate(INDEX_KINDS)}
    rest = sorted(
        (order[kind], node)
        for node, data in attributes(g).items()
        if (kind := data.get("kind")) in order and node not in drawn
    )
    return {node: i for i, node in enumerate([*view.nodes, *(node for _, node in rest)])}


def _page_data(
    kg: KnowledgeGraph,
    view: View,
    layout_cache: str | os.PathLike[str] | None = None,
    index: dict[str, int] | None = None,
) -> tuple[list[dict[str, Any]], list[tuple[int, int, str, bool]], dict[str, Any]]:
    """vis-network's node list (positions included), the edges as ``(from, to, relation, hidden)``
    rows (see :func:`_edges_json`) and the page's metadata.

    ``layout_cache``: see :func:`~graph.explorer.page.render_html`; ``index``: :func:`_universe`
    when the caller has it.
    """
    g = kg.graph
    index = index if index is not None else _universe(g, view)
    attributes = g.nodes  # (a lookup per view node: the public view costs nothing here)
    kinds = {node: str(attributes[node].get("kind", "")) for node in view.nodes}
    hubs = set(view.hubs)
    quiet = view.counts.get("article", 0) > QUIET_ARTICLES
    rim = [n for n in view.nodes if quiet and n not in hubs and kinds[n] in ("topic", "tag")]
    links = _Links(index, kinds, hubs, set(rim))
    for u, v, rel in _view_edges(g, view.nodes, {node: i for i, node in enumerate(view.nodes)}):
        links.add(u, v, rel)
    drawn = nx.Graph()
    drawn.add_nodes_from(n for n in view.nodes if n not in hubs and n not in links.on_rim)
    drawn.add_edges_from(links.drawn)
    stories = _story_links(g, view.nodes, kinds) or links.story
    pos = positions(drawn, links.layout_weights(), stories, links.anchors, layout_cache)
    xs = [x for x, _ in pos.values()] or [0.0]
    ys = [y for _, y in pos.values()] or [0.0]
    pos.update(_rim(g, rim, pos))
    # Hubs on a line above the picture (higher still when a ring is around it), spread over its width.
    hub_y = min(ys) - 250.0 - (0 if not rim else 0.15 * (max(ys) - min(ys)))
    hub_step = (max(xs) - min(xs)) / max(1, len(hubs))
    for i, hub in enumerate(view.hubs):
        pos[hub] = (min(xs) + hub_step * (0.5 + i), hub_y)
    nodes = [
        _node_item(g, i, node, kinds[node], pos[node], node in hubs, node == view.center, links)
        for i, node in enumerate(view.nodes)
    ]
    return nodes, links.edges, _meta(g, view, index, bool(rim))


def _page_index(
    kg: KnowledgeGraph, view: View, index: dict[str, int] | None = None
) -> list[tuple[str, dict[str, Any]]]:
    """The page's index of what it does not draw: ``(node, entry)`` for every article, outlet, topic,
    tag, place, person, organization and story of the graph outside the view, numbered after the
    view's nodes (:func:`_universe`). Search finds them, and choosing one brings it into the picture."""
    g = kg.graph
    index = index if index is not None else _universe(g, view)
    data = g.nodes
    return [(node, _entry(g, node, str(data[node].get("kind", "")), index)) for node in list(index)[len(view.nodes) :]]


def _entry(g: nx.MultiDiGraph, node: str, kind: str, index: dict[str, int]) -> dict[str, Any]:
    """The index entry of ``node``: its number, kind and IRI, its links (by number) and its text.

    Made from the node's own attributes and links out only (and the numbers of the nodes they
    reach), so a rebuild can rewrite the entry of a changed node alone (:func:`patch_page`).
    """
    data = g.nodes[node]
    entry: dict[str, Any] = {"id": index[node], "k": kind}
    if kind == "article":
        entry.update(_article_links(g, node, index))
    elif kind == "story":
        entry["n"] = data.get("size", 0)
        entry["o"] = data.get("outlets", 0)
        first, last = _when(data.get("first_published")), _when(data.get("last_published"))
        if first:
            entry["d"], entry["z"] = first, last or first
        for v, keys in successors(g)[node].items():
            if "first_outlet" in keys and v in index:
                entry["fo"] = index[v]
    else:
        entry["n"] = sum(1 for a in predecessors(g)[node] if g.nodes[a].get("kind") == "article")
    if kind == "place" and isinstance(data.get("lat"), (int, float)) and isinstance(data.get("lon"), (int, float)):
        entry["ll"] = [data["lat"], data["lon"]]
    entry.update(_item_text(node, data, kind))
    return entry


#: Kinds the page knows by number: drawn, or found by search and brought in (stories are shown as timelines).
INDEX_KINDS: Final = ("article", "provider", "topic", "tag", "place", "person", "organization", "story")
_FILTER_RELATIONS: Final = frozenset({"about", "tagged", "content_location"})


def _article_links(g: nx.MultiDiGraph, node: str, index: dict[str, int]) -> dict[str, Any]:
    """An article's links out, by number: ``f`` its topics, tags and places, ``p`` its outlets, ``r``
    its links to other articles as ``[number, code, ...]`` (codes: :data:`ARTICLE_LINKS`), ``s`` its story."""
    found: dict[str, Any] = {}
    f: list[int] = []
    p: list[int] = []
    r: list[tuple[int, int]] = []
    for v, keys in successors(g)[node].items():
        j = index.get(v)
        if j is None:
            continue
        for key, edge in keys.items():
            relation = edge.get("relation", key)
            if relation in _FILTER_RELATIONS:
                f.append(j)
            elif relation == "published_by":
                p.append(j)
            elif relation in _LINK_CODE:
                r.append((j, _LINK_CODE[relation]))
            elif relation == "part_of":
                found["s"] = j
    found["f"], found["p"] = sorted(set(f)), sorted(set(p))
    if r:
        found["r"] = [x for pair in sorted(set(r)) for x in pair]
    return found


_LINK_CODE: Final = {relation: i for i, relation in enumerate(ARTICLE_LINKS)}


def _story_links(g: nx.MultiDiGraph, nodes: list[str], kinds: dict[str, str]) -> list[tuple[str, str]]:
    """The stories of the drawn articles as links for the layout (each story's first drawn article to
    the others), so each story is one block; empty in a build without story nodes."""
    first: dict[str, str] = {}
    links: list[tuple[str, str]] = []
    succ = successors(g)
    for node in nodes:
        if kinds[node] != "article":
            continue
        for v, keys in succ[node].items():
            if "part_of" in keys:
                if v in first:
                    links.append((first[v], node))
                else:
                    first[v] = node
    return links


@dataclass(slots=True)
class _Links:
    """The links between a view's nodes, sorted into what the page and the layout need of them."""

    index: dict[str, int]
    kinds: dict[str, str]
    hubs: set[str]
    #: Topics and tags put on the ring around a large view: their links are hidden.
    on_rim: set[str]
    #: ``(from, to, relation, hidden)`` rows of the edges drawn (see :func:`_edges_json`).
    edges: list[tuple[int, int, str, bool]] = field(default_factory=list)
    #: The links the layout sees (drawn and not hidden), and their weights.
    drawn: list[tuple[str, str]] = field(default_factory=list)
    weights: dict[tuple[Hashable, Hashable], float] = field(default_factory=dict)
    #: Related links among the drawn ones: the stories the layout keeps together in a build without story nodes.
    story: list[tuple[str, str]] = field(default_factory=list)
    #: article → its (first) outlet, which a lone article is placed around.
    anchors: dict[Hashable, Hashable] = field(default_factory=dict)
    #: non-article node → the links to it from the view's articles.
    articles_of: Counter[str] = field(default_factory=Counter)

    def add(self, u: str, v: str, rel: Any) -> None:
        """Take the link ``u`` → ``v`` (``rel``), in the order of :func:`_view_edges`."""
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
        self.weights[(u, v)] = 1.5 if rel in ARTICLE_LINKS else 1.0
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
    g: nx.MultiDiGraph,
    i: int,
    node: str,
    kind: str,
    xy: tuple[float, float],
    hub: bool,
    center: bool,
    links: _Links,
) -> dict[str, Any]:
    """The page item of the ``i``-th node of the view, at ``xy``: its place, group, size, links and text."""
    item: dict[str, Any] = {"id": i, "group": "hub" if hub else kind, "k": kind}
    if hub:
        item["hub"] = True
    item["x"], item["y"] = xy
    if kind == "article":
        item.update(_article_links(g, node, links.index))
        tied = _related_count(g, node)
        item["size"] = 7 + 4 * min(tied, 5)
        if center:  # the article the view is drawn around stands out
            item["size"] = 34
            item["c"] = True
    else:
        n = links.articles_of[node]
        item["size"] = 12 + 3 * math.sqrt(n)
        item["n"] = n
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
        "drawn": len(view.nodes),
        "options": view.options,
        "kinds": [{"kind": k, "colour": c, "shape": s, "text": t} for k, (c, s, t) in STYLE.items()],
        "relations": [
            {"rel": r, "colour": c, "text": t, "dashes": d, "width": w} for r, (c, w, t, d) in EDGE_STYLE.items()
        ],
        "links": list(ARTICLE_LINKS),
        "colours": {"ring": STORY_RING, "selected": SELECTED_COLOUR, "center": CENTER_COLOUR, "hub": HUB_COLOUR},
        "vocab": {
            **{
                relation: PREDICATES[relation]
                for relation in ("part_of", "published_by", "about", "tagged", "content_location", *ARTICLE_LINKS)
            },
            "headline": SCHEMA + "headline",
            "published": SCHEMA + "datePublished",
            "name": SCHEMA + "name",
            "xsd": XSD,
            "id": ID,
        },
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
    """The links of ``node`` to other articles (related, inferred, copies), in and out."""
    return sum(
        1
        for adjacent in (successors(g)[node], predecessors(g)[node])
        for keys in adjacent.values()
        for data in keys.values()
        if data.get("relation") in _LINK_CODE
    )


def _json(value: Any) -> str:
    r"""``value`` as JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and
    ``'`` escaped as jinja's ``tojson`` does, so no text can close the element or open markup.

    >>> _json({"t": "</script><b>&'"})
    '{"t": "\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u0027"}'
    """
    text = json.dumps(value)  # ASCII: a lone surrogate in a title cannot break the UTF-8 file
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")


#: relation → its number in an edge row of the page (the order of :data:`EDGE_STYLE`, as the page's legend).
_REL_CODE: Final = {relation: i for i, relation in enumerate(EDGE_STYLE)}


def _edges_json(rows: list[tuple[int, int, str, bool]]) -> str:
    """The page's edges: ``[from, to, relation, hidden]`` rows of numbers (the relation's place in
    :data:`EDGE_STYLE`, which the page reads from its metadata; hidden 1 or 0). The page makes
    vis-network's edge objects from them, its styles from the legend: the edges are most of a large
    page, so they are kept to a few bytes each.

    >>> _edges_json([(3, 1, "about", True), (0, 2, "related", False)])
    '[[3,1,4,1],[0,2,0,0]]'
    >>> import json; json.loads(_edges_json([])) == []
    True
    """
    code = _REL_CODE
    return "[" + ",".join(f"[{a},{b},{code[rel]},{1 if hidden else 0}]" for a, b, rel, hidden in rows) + "]"
