"""The interactive HTML explorer: one self-contained page drawn by vis-network (as bundled with pyvis).

The page (``graph.html`` in a build, or ``newsgraph view``) draws a *view*
of the graph: the articles a filter selects (all, or those around one
article, in one story, about one topic, from one outlet, in a date range),
with their outlets, topics, tags and authors, cut to ``max_nodes`` so the
page stays fast. What is cut is said on the page (:attr:`View.notices`).

How it stays fast, safe and readable:

- Positions are computed in Python (:func:`graph.layout.story_layout`: each
  story a compact block, lone articles around their outlet, the blocks laid
  out by igraph's Fruchterman-Reingold and placed without overlap; seeded, so
  the same input gives a byte-identical page) and the page draws them with
  physics off; node and edge lists are JSON put into the template directly.
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

>>> import graph
>>> page = explore(graph.build(["seeds"]))
>>> page.view.counts["article"], page.view.cut
(5, False)
>>> "<script src=" in page.html, page.html.startswith("<!DOCTYPE html>")
(False, True)
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html as html_lib
import importlib.util
import json
import math
import os
import re
import tempfile
from collections import Counter, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import networkx as nx

from .errors import NewsgraphError, OutputError
from .identity import canonical_url, normalize_label
from .model import KnowledgeGraph

__all__ = [
    "DEFAULT_MAX_NODES",
    "Page",
    "View",
    "ViewError",
    "explore",
    "render_html",
    "select_view",
    "write_graph_html",
    "write_html",
    "write_view",
]

#: Nodes drawn by default: enough for every article of the shared corpus
#: that has related links, plus the best-rated others, while the page stays
#: under 150 ms a frame in headless Chromium on two cores.
DEFAULT_MAX_NODES: Final = 4000

#: Kinds drawn on the page (images and websites are details of articles and outlets).
SHOWN_KINDS: Final = ("article", "provider", "topic", "tag", "person", "organization")

#: Views with more articles than this hide topic and tag links until one is selected, and put
#: topics and tags on a ring around the picture: thousands of such links are a hairball and
#: cost most of the frame time.
QUIET_ARTICLES: Final = 200

#: A topic or tag linked to at least this share of a view's articles is a hub.
HUB_SHARE: Final = 0.6

#: kind → (colour, vis-network shape, legend text).
STYLE: Final[dict[str, tuple[str, str, str]]] = {
    "article": ("#4e79a7", "dot", "article"),
    "provider": ("#f28e2b", "diamond", "outlet"),
    "topic": ("#59a14f", "hexagon", "topic"),
    "tag": ("#b07aa1", "triangle", "tag / place"),
    "person": ("#9c755f", "star", "author"),
    "organization": ("#76b7b2", "square", "organization"),
}
HUB_COLOUR: Final = "#c7c7c7"

#: relation → (colour, width, legend text); relations not listed are not drawn.
EDGE_STYLE: Final[dict[str, tuple[str, float, str]]] = {
    "related": ("#e15759", 6.0, "related (story)"),
    "published_by": ("#f28e2b", 0.6, "published by"),
    "about": ("#59a14f", 0.4, "about topic"),
    "tagged": ("#b07aa1", 0.4, "tagged"),
    "author": ("#9c755f", 0.6, "author"),
    "parent_organization": ("#76b7b2", 0.6, "parent organization"),
}

_TEMPLATE: Final = "explorer.html"
_VIS_JS: Final = Path("lib") / "vis-9.1.2" / "vis-network.min.js"
_EXCERPT: Final = 280
_LABEL: Final = 48
#: Characters a kept link may not hold: white space (``str.isspace``), control characters, quotes, brackets.
_UNSAFE_URL_CHAR: Final = re.compile(
    r'[\s\x00-\x1f"<>\\\x1c-\x1f\x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]'
)
_SLOT_RE: Final = re.compile(r"/\*NG:(\w+)\*/")
_SCRIPT_RE: Final = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)


class ViewError(NewsgraphError):
    """A view could not be made: an unknown article, topic or outlet, or a bad option."""


@dataclass(slots=True)
class View:
    """The nodes one page draws, and what was cut to keep it fast.

    >>> View(nodes=["a"], total=3, counts={"article": 1}, omitted={"article": 2}).cut
    True
    """

    nodes: list[str]
    total: int
    counts: dict[str, int] = field(default_factory=dict)
    omitted: dict[str, int] = field(default_factory=dict)
    hubs: list[str] = field(default_factory=list)
    title: str = "newsgraph"
    center: str | None = None
    max_nodes: int = DEFAULT_MAX_NODES

    @property
    def cut(self) -> bool:
        """True when the view left out nodes that matched, to stay under ``max_nodes``."""
        return sum(self.omitted.values()) > 0

    @property
    def notices(self) -> list[str]:
        """Sentences for the page and the terminal: what was cut, and why.

        >>> View(nodes=["a"], total=3, omitted={"article": 2}, max_nodes=1).notices[0][:60]
        'Showing 1 of 3 nodes (cut at --max-nodes 1): 2 articles left'

        """
        if not self.cut:
            return []
        left = ", ".join(f"{n:,} {_plural(kind, n)}" for kind, n in sorted(self.omitted.items()) if n)
        return [
            f"Showing {len(self.nodes):,} of {self.total:,} nodes (cut at --max-nodes {self.max_nodes:,}): "
            f"{left} left out; articles in stories and the best-rated come first."
        ]


def _plural(kind: str, n: int) -> str:
    word = "outlet" if kind == "provider" else kind
    return word if n == 1 else word + "s"


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
        """An ``<iframe srcdoc>`` holding the page, sandboxed (scripts and new tabs only)."""
        return (
            f'<iframe srcdoc="{html_lib.escape(self.html, quote=True)}" '
            f'style="width:100%;height:{self.height}px;border:1px solid #ddd" '
            'sandbox="allow-scripts allow-popups allow-popups-to-escape-sandbox"></iframe>'
        )

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the page to ``path`` atomically; returns the path."""
        target = Path(path)
        _atomic_write(target, self.html)
        return target


# --------------------------------------------------------------------------- selecting a view


def _as_date(value: date | datetime | str | None, option: str) -> date | None:
    if value is None or (isinstance(value, date) and not isinstance(value, datetime)):
        return value
    if isinstance(value, datetime):
        return value.date()
    try:
        return datetime.fromisoformat(value).date()
    except ValueError as exc:
        raise ViewError(f"{option} {value!r} is not a date; write it as YYYY-MM-DD, e.g. 2020-05-06") from exc


def _find_article(kg: KnowledgeGraph, url: str, option: str) -> str:
    g = kg.graph
    wanted = {url, url.strip()}
    for exact in (False, True):
        canon = canonical_url(url.strip(), exact=exact)
        if canon:
            wanted.add(canon)
    for node in wanted:
        if node in g and g.nodes[node].get("kind") == "article":
            return node
    for node, data in kg.nodes("article"):
        if data.get("url") in wanted or wanted.intersection(data.get("same_as") or ()):
            return node
    raise ViewError(
        f"{option}: no article has the URL {url!r}; "
        "give an article's webUrl as in its file (try 'newsgraph query' to list URLs)"
    )


def _find_concepts(kg: KnowledgeGraph, text: str) -> set[str]:
    key = normalize_label(text)
    found = {
        n
        for kind in ("topic", "tag")
        for n, d in kg.nodes(kind)
        if d.get("key") == key or normalize_label(str(d.get("label", ""))) == key
    }
    if not found:
        known = sorted(str(d.get("label")) for _, d in kg.nodes("topic"))[:12]
        raise ViewError(f"--topic: no topic or tag {text!r}; known topics include: {', '.join(known)}")
    return found


def _find_providers(kg: KnowledgeGraph, text: str) -> set[str]:
    wanted = text.strip().lower().removeprefix("www.")
    found = {
        n
        for n, d in kg.nodes("provider")
        if str(d.get("domain", "")).lower() == wanted or str(d.get("name", "")).lower() == wanted
    }
    if not found:
        raise ViewError(f"--provider: no outlet has the domain or name {text!r}; give a domain such as reuters.com")
    return found


def _story(g: nx.MultiDiGraph, start: str) -> set[str]:
    """The articles linked to ``start`` by related links, in either direction, transitively."""
    seen = {start}
    todo = deque([start])
    while todo:
        node = todo.popleft()
        for _, other, rel in g.out_edges(node, data="relation"):
            if rel == "related" and other not in seen:
                seen.add(other)
                todo.append(other)
        for other, _, rel in g.in_edges(node, data="relation"):
            if rel == "related" and other not in seen:
                seen.add(other)
                todo.append(other)
    return seen


def _kind(g: nx.MultiDiGraph, node: str) -> str:
    return str(g.nodes[node].get("kind", ""))


def _neighbours(g: nx.MultiDiGraph, node: str) -> Iterable[str]:
    yield from g.successors(node)
    yield from g.predecessors(node)


def _context(g: nx.MultiDiGraph, article: str) -> list[str]:
    """The non-article nodes drawn with an article: outlet, topics, tags, authors."""
    return [n for n in g.successors(article) if _kind(g, n) in SHOWN_KINDS and _kind(g, n) != "article"]


def _related_degrees(g: nx.MultiDiGraph) -> Counter[str]:
    """node → number of related links (in and out), in one walk over the edges."""
    counts: Counter[str] = Counter()
    for u, v, rel in g.edges(data="relation"):
        if rel == "related":
            counts[u] += 1
            counts[v] += 1
    return counts


def _importance(g: nx.MultiDiGraph, node: str, related: Counter[str]) -> float:
    data = g.nodes[node]
    score = 10.0 * related[node]
    for key in ("heat", "quality"):
        value = data.get(key)
        if isinstance(value, (int, float)):
            score += float(value) / 100.0
    return score


def select_view(
    kg: KnowledgeGraph,
    *,
    around: str | None = None,
    depth: int = 1,
    story: str | None = None,
    topic: str | None = None,
    provider: str | None = None,
    since: date | datetime | str | None = None,
    until: date | datetime | str | None = None,
    max_nodes: int = DEFAULT_MAX_NODES,
) -> View:
    """Choose the nodes of a page; every filter given must hold (they combine with *and*).

    Parameters
    ----------
    around
        An article's URL: the article and the nodes up to ``depth`` links
        away (hub topics are not walked through).
    story
        An article's URL: the articles linked to it by related links
        (transitively), with their outlets and topics.
    topic
        A topic or tag label: its articles.
    provider
        An outlet's domain or name: its articles.
    since, until
        Dates (inclusive, ``YYYY-MM-DD``): articles published in the range.
    max_nodes
        At most this many nodes; the nearest (``around``), those in stories,
        then the best-rated come first, and :attr:`View.omitted` counts the rest.

    Raises :class:`ViewError` for an unknown URL, topic or outlet.

    >>> import graph
    >>> kg = graph.build(["seeds"])
    >>> view = select_view(kg, topic="AI")
    >>> view.counts["article"], view.title
    (2, "articles about 'AI'")
    >>> select_view(kg, max_nodes=6).cut
    True
    """
    if max_nodes < 1:
        raise ViewError(f"--max-nodes must be at least 1, not {max_nodes}")
    if depth < 0:
        raise ViewError(f"--depth must be 0 or more, not {depth}")
    g = kg.graph
    first, last = _as_date(since, "--since"), _as_date(until, "--until")
    articles = {n for n, _ in kg.nodes("article")}
    titles: list[str] = []
    distance: dict[str, int] = {}
    center: str | None = None
    extra: set[str] = set()
    if story is not None:
        start = _find_article(kg, story, "--story")
        articles &= _story(g, start)
        center = start
        titles.append(f"the story of {g.nodes[start].get('label', start)!r}")
    if around is not None:
        center = _find_article(kg, around, "--around")
        n_articles = max(1, len(articles))
        distance = {center: 0}
        todo = deque([center])
        while todo:
            node = todo.popleft()
            if distance[node] >= depth:
                continue
            if node != center and _kind(g, node) in ("topic", "tag") and _share(g, node, n_articles) >= HUB_SHARE:
                continue
            for other in _neighbours(g, node):
                if other not in distance and _kind(g, other) in SHOWN_KINDS:
                    distance[other] = distance[node] + 1
                    todo.append(other)
        articles &= {n for n in distance if _kind(g, n) == "article"}
        extra = {n for n in distance if _kind(g, n) != "article"}
        titles.append(f"around {g.nodes[center].get('label', center)!r} (depth {depth})")
    if topic is not None:
        concepts = _find_concepts(kg, topic)
        articles &= {a for c in concepts for a in g.predecessors(c)}
        titles.append(f"articles about {topic!r}")
    if provider is not None:
        outlets = _find_providers(kg, provider)
        articles &= {a for p in outlets for a in g.predecessors(p)}
        titles.append(f"articles from {provider!r}")
    if first is not None or last is not None:
        articles = {a for a in articles if _in_range(g.nodes[a].get("published_at"), first, last)}
        titles.append(f"published {first or '…'} to {last or '…'}")

    related = _related_degrees(g)

    def rank(node: str) -> tuple[int, int, float, str]:
        in_story = 0 if related[node] else 1
        return (distance.get(node, 0), in_story, -_importance(g, node, related), node)

    ordered = sorted(articles | {n for n in extra if n not in articles}, key=rank)
    wanted: set[str] = set(ordered)
    for a in articles:
        wanted.update(_context(g, a))
    picked: dict[str, None] = {}
    if center is not None and center in wanted:
        picked[center] = None
    for node in ordered:
        need = [n for n in ([node, *_context(g, node)] if node in articles else [node]) if n not in picked]
        if len(picked) + len(need) <= max_nodes:
            picked.update(dict.fromkeys(need))
    nodes = list(picked)
    counts = Counter(_kind(g, n) for n in nodes)
    missing = Counter(_kind(g, n) for n in wanted if n not in picked)
    n_articles = max(1, counts["article"])
    hubs = [
        n
        for n in nodes
        if _kind(g, n) in ("topic", "tag") and counts["article"] >= 4 and _share(g, n, n_articles, picked) >= HUB_SHARE
    ]
    return View(
        nodes=nodes,
        total=len(wanted),
        counts={k: counts[k] for k in SHOWN_KINDS if counts[k]},
        omitted={k: missing[k] for k in SHOWN_KINDS if missing[k]},
        hubs=hubs,
        title="; ".join(titles) if titles else "all articles",
        center=center,
        max_nodes=max_nodes,
    )


def _share(g: nx.MultiDiGraph, node: str, n_articles: int, among: Iterable[str] | None = None) -> float:
    linked = [a for a in g.predecessors(node) if _kind(g, a) == "article"]
    if among is not None:
        pool = among if isinstance(among, (set, dict)) else set(among)
        linked = [a for a in linked if a in pool]
    return len(linked) / n_articles


def _in_range(value: Any, first: date | None, last: date | None) -> bool:
    if not isinstance(value, datetime):
        return False
    day = value.date()
    return (first is None or day >= first) and (last is None or day <= last)


# --------------------------------------------------------------------------- the page


def _safe_url(value: Any) -> str | None:
    """``value`` when it is an absolute http(s) URL without spaces or control characters.

    >>> _safe_url("https://example.org/a"), _safe_url("javascript:alert(1)"), _safe_url("http://x/a b")
    ('https://example.org/a', None, None)
    """
    if not isinstance(value, str) or _UNSAFE_URL_CHAR.search(value):
        return None
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


def _page_data(kg: KnowledgeGraph, view: View) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any]]:
    """vis-network node and edge lists (positions included) and the page's metadata."""
    from .layout import story_layout

    g = kg.graph
    index = {node: i for i, node in enumerate(view.nodes)}
    hubs = set(view.hubs)
    quiet = view.counts.get("article", 0) > QUIET_ARTICLES
    articles_of: Counter[str] = Counter()
    edges: list[dict[str, Any]] = []
    drawn = nx.Graph()
    rim = [n for n in view.nodes if quiet and n not in hubs and _kind(g, n) in ("topic", "tag")]
    on_rim = set(rim)
    related = _related_degrees(g)
    drawn.add_nodes_from(n for n in view.nodes if n not in hubs and n not in rim)
    weights: dict[tuple[Hashable, Hashable], float] = {}
    story_links: list[tuple[str, str]] = []
    anchors: dict[Hashable, Hashable] = {}
    filters: dict[str, list[int]] = {}
    outlets: dict[str, list[int]] = {}
    for u, v, rel in g.edges(view.nodes, data="relation"):
        if v not in index:
            continue
        if rel in ("about", "tagged"):
            filters.setdefault(u, []).append(index[v])
        if rel == "published_by":
            outlets.setdefault(u, []).append(index[v])
        if _kind(g, u) == "article" and _kind(g, v) != "article":
            articles_of[v] += 1
        if rel not in EDGE_STYLE or v in hubs or u in hubs:
            continue
        colour, width, _ = EDGE_STYLE[rel]
        edge: dict[str, Any] = {
            "id": len(edges),
            "from": index[u],
            "to": index[v],
            "rel": rel,
            "width": width,
            "color": {"color": colour, "opacity": 0.9 if rel == "related" else 0.35},
        }
        edges.append(edge)
        if v in on_rim:
            edge["hidden"] = True  # shown when the topic or one of its articles is selected
            continue
        drawn.add_edge(u, v)
        weights[(u, v)] = 1.5 if rel == "related" else 1.0
        if rel == "related":
            story_links.append((u, v))
        elif rel == "published_by":
            anchors.setdefault(u, v)
    # A topic or tag shared by many articles pulls each of them weakly, so it does not gather one blob.
    for u, v in weights:
        if _kind(g, str(v)) in ("topic", "tag"):
            weights[(u, v)] = 0.5 / (1.0 + math.log1p(articles_of[str(v)]))
    pos: dict[Any, tuple[float, float]] = dict(story_layout(drawn, weights, related=story_links, anchors=anchors))
    xs = [x for x, _ in pos.values()] or [0.0]
    ys = [y for _, y in pos.values()] or [0.0]
    pos.update(_rim(g, rim, pos))
    hub_y = min(ys) - 250.0 - (0 if not rim else 0.15 * (max(ys) - min(ys)))
    hub_step = (max(xs) - min(xs)) / max(1, len(hubs))
    nodes: list[dict[str, Any]] = []
    for i, node in enumerate(view.nodes):
        data = g.nodes[node]
        kind = _kind(g, node)
        label = str(data.get("label") or data.get("name") or node)
        item: dict[str, Any] = {"id": i, "label": _clip(label, _LABEL), "group": kind, "k": kind}
        if node in hubs:
            item["group"] = "hub"
            x, y = min(xs) + hub_step * (0.5 + view.hubs.index(node)), hub_y
            item["hub"] = True
        else:
            x, y = pos[node]
        item["x"], item["y"] = x, y
        if kind == "article":
            rel = related[node]
            item["size"] = 7 + 4 * min(rel, 5)
            item["t"] = _clip(data.get("title") or label, 300)
            item["e"] = _clip(data.get("excerpt"), _EXCERPT)
            published = data.get("published_at")
            if isinstance(published, datetime):
                item["d"] = published.date().isoformat()
            item["f"] = filters.get(node, [])
            item["p"] = outlets.get(node, [])
            if rel:
                item["s"] = 1
        else:
            item["size"] = 12 + 3 * math.sqrt(articles_of[node])
            item["n"] = articles_of[node]
            # Big outlets and topics get big labels, readable when the whole picture is shown.
            item["fs"] = min(56, round((12 if kind == "provider" else 20) + 5 * math.sqrt(articles_of[node])))
            if kind == "provider":
                item["t"] = _clip(label, 300)
                item["e"] = str(data.get("domain") or "")
        url = _safe_url(data.get("url"))
        if url:
            item["u"] = url
        nodes.append(item)
    meta = {
        "title": view.title,
        "notices": view.notices
        + (
            [
                "Large view: topics and tags are on the ring around the picture and their links are hidden; "
                "click a topic or an article to see them, or use the topic filter."
            ]
            if rim
            else []
        )
        + (
            [
                "Shared by most articles here, so shown faded at the top with their links hidden "
                "(use the topic filter instead): " + ", ".join(str(g.nodes[h].get("label", h)) for h in view.hubs) + "."
            ]
            if view.hubs
            else []
        ),
        "counts": view.counts,
        "shown": len(view.nodes),
        "total": view.total,
        "cut": view.cut,
        "center": index.get(view.center) if view.center else None,
        "kinds": [{"kind": k, "colour": c, "shape": s, "text": t} for k, (c, s, t) in STYLE.items()],
        "relations": [{"rel": r, "colour": c, "text": t} for r, (c, _, t) in EDGE_STYLE.items()],
    }
    return nodes, edges, meta


def _rim(g: nx.MultiDiGraph, rim: list[str], pos: dict[Any, tuple[float, float]]) -> dict[str, tuple[float, float]]:
    """Topics and tags of a large view, on a circle around the picture, each near its articles' side."""
    if not rim:
        return {}
    spread = sorted(math.hypot(x, y) for x, y in pos.values()) or [300.0]
    radius = 1.15 * spread[int(0.97 * (len(spread) - 1))] + 80.0
    angles = []
    for node in rim:
        points = [pos[a] for a in g.predecessors(node) if a in pos]
        cx = sum(x for x, _ in points) / len(points) if points else 0.0
        cy = sum(y for _, y in points) / len(points) if points else 0.0
        angles.append((math.atan2(cy, cx), node))
    angles.sort()
    step = 2 * math.pi / len(rim)
    start = angles[0][0]
    return {
        node: (round(radius * math.cos(start + i * step), 1), round(radius * math.sin(start + i * step), 1))
        for i, (_, node) in enumerate(angles)
    }


def _options() -> dict[str, Any]:
    groups: dict[str, Any] = {
        kind: {
            "shape": shape,
            "color": {"background": colour, "border": colour, "highlight": {"background": "#ffd92f", "border": "#333"}},
            "font": {"size": 12 if kind == "article" else 30, "color": "#222", "strokeWidth": 3, "strokeColor": "#fff"},
        }
        for kind, (colour, shape, _) in STYLE.items()
    }
    groups["hub"] = {
        "shape": "hexagon",
        "color": {"background": HUB_COLOUR, "border": "#999"},
        "font": {"size": 30, "color": "#777"},
    }
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "nodes": {"borderWidth": 1, "scaling": {"label": {"drawThreshold": 8}}},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": False}}, "selectionWidth": 2},
        "groups": groups,
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": True,
            "hideEdgesOnZoom": True,
            "navigationButtons": False,
            "keyboard": False,
        },
    }


def _vis_js() -> str:
    """vis-network's script as pyvis bundles it (the file is read; pyvis itself is not imported)."""
    spec = importlib.util.find_spec("pyvis")
    places = list(spec.submodule_search_locations or []) if spec else []
    if not places:  # pragma: no cover - pyvis is a dependency
        raise OutputError("pyvis is not installed: the explorer page needs the vis-network script it bundles")
    js = (Path(places[0]) / _VIS_JS).read_text(encoding="utf-8")
    if "</script" in js.lower():  # pragma: no cover - guards a future pyvis update
        raise OutputError("the vis-network script bundled with pyvis contains '</script' and cannot be in-lined")
    return js


def _with_csp(page: str) -> str:
    """Add a Content-Security-Policy that runs only the page's own scripts and allows no request."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode("utf-8")).digest()).decode("ascii") + "'"
        for m in _SCRIPT_RE.finditer(page)
        if 'type="application/json"' not in m.group(0)[: m.group(0).find(">")]
    )
    policy = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
        "connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return page.replace("<!--CSP-->", f'<meta http-equiv="Content-Security-Policy" content="{policy}">', 1)


@functools.cache
def _skeleton() -> tuple[str, ...]:
    """The page around its data: the template with vis-network in-lined and the CSP added, cut at
    the data slots (``/*NG:name*/``), alternating text and slot names. Made once per process."""
    template = (Path(__file__).parent / "templates" / _TEMPLATE).read_text(encoding="utf-8")
    page = _with_csp(template.replace("/*VIS_NETWORK_JS*/", _vis_js(), 1))
    parts = tuple(_SLOT_RE.split(page))
    if parts[1::2] != ("nodes", "edges", "meta", "options"):  # pragma: no cover - guards the template
        raise OutputError(f"the explorer template's data slots are {parts[1::2]}")
    return parts


def _json(value: Any) -> str:
    r"""``value`` as JSON safe inside ``<script type="application/json">``: ``<``, ``>``, ``&`` and
    ``'`` escaped as jinja's ``tojson`` does, so no text can close the element or open markup.

    >>> _json({"t": "</script><b>&'"})
    '{"t": "\\u003c/script\\u003e\\u003cb\\u003e\\u0026\\u0027"}'
    """
    text = json.dumps(value)  # ASCII: a lone surrogate in a title cannot break the UTF-8 file
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026").replace("'", "\\u0027")


def render_html(kg: KnowledgeGraph, view: View | None = None) -> str:
    """The explorer page for ``view`` (default: :func:`select_view` with its defaults), as HTML text.

    The template's data slots are filled with JSON in one pass (text from the
    news files never lands where a later replacement could see it).

    >>> import graph
    >>> text = render_html(graph.build(["seeds"]))
    >>> "Content-Security-Policy" in text and "vis.Network" in text
    True
    """
    view = view if view is not None else select_view(kg)
    nodes, edges, meta = _page_data(kg, view)
    data = {"nodes": nodes, "edges": edges, "meta": meta, "options": _options()}
    parts = _skeleton()
    return "".join(_json(data[part]) if i % 2 else part for i, part in enumerate(parts))


def explore(kg: KnowledgeGraph, **filters: Any) -> Page:
    """The explorer :class:`Page` for ``kg``: in Jupyter it shows itself; ``.save(path)`` writes it.

    ``filters`` are those of :func:`select_view`.

    >>> import graph
    >>> explore(graph.build(["seeds"]), topic="AI").view.counts["article"]
    2
    """
    view = select_view(kg, **filters)
    return Page(render_html(kg, view), view)


def _atomic_write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}", path=str(path)) from exc


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


def write_graph_html(kg: KnowledgeGraph, path: Path) -> None:
    """The ``graph.html`` writer of a build (:data:`graph.export.WRITERS`): the default view."""
    path.write_text(render_html(kg), encoding="utf-8")


def write_view(out: str | os.PathLike[str], path: str | os.PathLike[str], **filters: Any) -> View:
    """Load the build in ``out`` and write one view of it to ``path`` (``newsgraph view``).

    Raises :class:`~graph.errors.OutputError` when ``out`` holds no build and
    :class:`ViewError` for a bad filter.
    """
    from .export import load

    return write_html(load(out), path, **filters)
