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
import secrets
import sys
from collections import Counter, deque
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import networkx as nx

from .blocks import BlockWriter, FileIndex, StaleIndex, patch, read_block
from .errors import EmptyViewError, OutputError, ViewError
from .identity import canonical_url, normalize_label
from .model import KnowledgeGraph

__all__ = [
    "DEFAULT_MAX_NODES",
    "EmptyViewError",
    "Page",
    "View",
    "ViewError",
    "explore",
    "page_shape",
    "patch_page",
    "render_html",
    "same_shapes",
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
#: An ASCII ``http(s)://host`` start whose host (up to ``/``, ``?``, ``#`` or the end) has no brackets:
#: urlsplit takes its scheme and host as they are and raises nothing (its errors are about brackets
#: and non-ASCII hosts), so such a URL is kept without calling it.
_PLAIN_WEB_URL: Final = re.compile(r"https?://[^/?#\[\]]+(?:[/?#]|\Z)", re.IGNORECASE | re.ASCII)
_SLOT_RE: Final = re.compile(r"/\*NG:(\w+)\*/")
_SCRIPT_RE: Final = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)


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
    #: True when filters chose the articles (not every article of the graph).
    filtered: bool = False

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
    # Tried in this order (a list, not a set: a set of strings iterates in a different order in each process).
    candidates = [url, url.strip(), *(canonical_url(url.strip(), exact=exact) for exact in (False, True))]
    wanted = list(dict.fromkeys(c for c in candidates if c))
    for node in wanted:
        if node in g and g.nodes[node].get("kind") == "article":
            return node
    # The same page under another URL: the first by IRI, whatever order the nodes were added in.
    urls = set(wanted)
    found = [
        node
        for node, data in kg.nodes("article")
        if data.get("url") in urls or not urls.isdisjoint(data.get("same_as") or ())
    ]
    if found:
        return min(found)
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


# The loops below that run once per node or edge of the whole graph read networkx's own dicts
# (``_node``, ``_succ``: node → attributes, node → successor → key → attributes; the data structure
# networkx documents for subclasses) rather than its views, which build a view object per lookup and
# took 5 to 10 times as long on the shared corpus.


def _kinds(g: nx.MultiDiGraph) -> dict[str, str]:
    """node → its kind (``""`` when it has none), for every node: one walk instead of a lookup per use."""
    return {node: str(data.get("kind", "")) for node, data in g._node.items()}


#: Kinds drawn with an article as its context.
_CONTEXT_KINDS: Final = frozenset(SHOWN_KINDS) - {"article"}


def _neighbours(g: nx.MultiDiGraph, node: str) -> list[str]:
    """The nodes linked to ``node`` either way, once each, by IRI (not in the order the edges were added)."""
    return sorted(set(g.successors(node)).union(g.predecessors(node)))


def _contexts(g: nx.MultiDiGraph, articles: Iterable[str], kinds: dict[str, str]) -> dict[str, list[str]]:
    """article → the non-article nodes drawn with it (outlet, topics, tags, authors), by IRI.

    Sorted, so the page does not depend on the order the edges were added in.
    """
    succ = g._succ
    return {a: sorted([n for n in succ[a] if kinds[n] in _CONTEXT_KINDS]) for a in articles}


def _related_degrees(g: nx.MultiDiGraph) -> Counter[str]:
    """node → number of related links (in and out), in one walk over the edges."""
    counts: Counter[str] = Counter()
    for u, nbrs in g._succ.items():
        for v, keys in nbrs.items():
            for data in keys.values():
                if data.get("relation") == "related":
                    counts[u] += 1
                    counts[v] += 1
    return counts


def _related_count(g: nx.MultiDiGraph, node: str) -> int:
    """The related links of ``node``, in and out: its count in :func:`_related_degrees`, for one node."""
    return sum(
        1
        for adjacent in (g._succ[node], g._pred[node])
        for keys in adjacent.values()
        for data in keys.values()
        if data.get("relation") == "related"
    )


def _importance(data: dict[str, Any], related: int) -> float:
    score = 10.0 * related
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

    Raises :class:`ViewError` for an unknown URL, topic or outlet. Filters
    that match no article give a view without articles (:attr:`View.filtered`
    tells it from an empty graph); :func:`explore` refuses to draw it.

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
    kinds = _kinds(g)
    articles = {n for n, kind in kinds.items() if kind == "article"}
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
            if node != center and kinds[node] in ("topic", "tag") and _share(g, kinds, node, n_articles) >= HUB_SHARE:
                continue
            for other in _neighbours(g, node):
                if other not in distance and kinds[other] in SHOWN_KINDS:
                    distance[other] = distance[node] + 1
                    todo.append(other)
        articles &= {n for n in distance if kinds[n] == "article"}
        extra = {n for n in distance if kinds[n] != "article"}
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
    data = g._node

    def rank(node: str) -> tuple[int, int, float, str]:
        in_story = 0 if related[node] else 1
        return (distance.get(node, 0), in_story, -_importance(data[node], related[node]), node)

    ordered = sorted(articles | {n for n in extra if n not in articles}, key=rank)
    contexts = _contexts(g, articles, kinds)
    wanted: set[str] = set(ordered)
    for context in contexts.values():
        wanted.update(context)
    picked: dict[str, None] = {}
    if center is not None and center in wanted:
        picked[center] = None
    for node in ordered:
        need = [n for n in ([node, *contexts[node]] if node in articles else [node]) if n not in picked]
        if len(picked) + len(need) <= max_nodes:
            picked.update(dict.fromkeys(need))
    nodes = list(picked)
    counts = Counter(kinds[n] for n in nodes)
    missing = Counter(kinds[n] for n in wanted if n not in picked)
    n_articles = max(1, counts["article"])
    hubs = [
        n
        for n in nodes
        if kinds[n] in ("topic", "tag")
        and counts["article"] >= 4
        and _share(g, kinds, n, n_articles, picked) >= HUB_SHARE
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
        filtered=bool(titles),
    )


def _share(
    g: nx.MultiDiGraph, kinds: dict[str, str], node: str, n_articles: int, among: dict[str, None] | None = None
) -> float:
    """The share of ``n_articles`` that link to ``node`` (counting only those in ``among`` when given)."""
    linked = sum(1 for a in g.predecessors(node) if kinds[a] == "article" and (among is None or a in among))
    return linked / n_articles


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
    data = g._node.get(node)
    if data is None:
        return None
    out = sorted(
        (v, *_edge_key_order(k), e.get("relation")) for v, keys in g._succ[node].items() for k, e in keys.items()
    )
    return (str(data.get("kind", "")), data.get("heat"), data.get("quality"), tuple(out))


def same_shapes(g: nx.MultiDiGraph, before: dict[str, tuple[Any, ...] | None]) -> bool:
    """True when every node of ``before`` (node → its :func:`page_shape` then) has the same shape in ``g``."""
    return all(page_shape(g, node) == shape for node, shape in before.items())


def _page_data(
    kg: KnowledgeGraph, view: View, layout_cache: str | os.PathLike[str] | None = None
) -> tuple[list[dict[str, Any]], list[tuple[int, int, str, bool]], dict[str, Any]]:
    """vis-network's node list (positions included), the edges as ``(from, to, relation, hidden)``
    rows (see :func:`_edge_dicts`) and the page's metadata.

    ``layout_cache``: see :func:`render_html`.
    """
    g = kg.graph
    index = {node: i for i, node in enumerate(view.nodes)}
    attributes = g._node
    kinds = {node: str(attributes[node].get("kind", "")) for node in view.nodes}
    hubs = set(view.hubs)
    quiet = view.counts.get("article", 0) > QUIET_ARTICLES
    articles_of: Counter[str] = Counter()
    edges: list[tuple[int, int, str, bool]] = []
    drawn = nx.Graph()
    rim = [n for n in view.nodes if quiet and n not in hubs and kinds[n] in ("topic", "tag")]
    on_rim = set(rim)
    drawn.add_nodes_from(n for n in view.nodes if n not in hubs and n not in rim)
    weights: dict[tuple[Hashable, Hashable], float] = {}
    story_links: list[tuple[str, str]] = []
    anchors: dict[Hashable, Hashable] = {}
    filters: dict[str, list[int]] = {}
    outlets: dict[str, list[int]] = {}
    links: list[tuple[str, str]] = []
    for u, v, rel in _view_edges(g, view.nodes, index):
        if rel in ("about", "tagged"):
            filters.setdefault(u, []).append(index[v])
        if rel == "published_by":
            outlets.setdefault(u, []).append(index[v])
        if kinds[u] == "article" and kinds[v] != "article":
            articles_of[v] += 1
        if rel not in EDGE_STYLE or v in hubs or u in hubs:
            continue
        hidden = v in on_rim  # shown when the topic or one of its articles is selected
        edges.append((index[u], index[v], rel, hidden))
        if hidden:
            continue
        links.append((u, v))
        weights[(u, v)] = 1.5 if rel == "related" else 1.0
        if rel == "related":
            story_links.append((u, v))
        elif rel == "published_by":
            anchors.setdefault(u, v)
    drawn.add_edges_from(links)
    # A topic or tag shared by many articles pulls each of them weakly, so it does not gather one blob.
    for link in weights:
        if kinds[str(link[1])] in ("topic", "tag"):
            weights[link] = 0.5 / (1.0 + math.log1p(articles_of[str(link[1])]))
    pos = _positions(drawn, weights, story_links, anchors, layout_cache)
    xs = [x for x, _ in pos.values()] or [0.0]
    ys = [y for _, y in pos.values()] or [0.0]
    pos.update(_rim(g, rim, pos))
    hub_y = min(ys) - 250.0 - (0 if not rim else 0.15 * (max(ys) - min(ys)))
    hub_step = (max(xs) - min(xs)) / max(1, len(hubs))
    nodes: list[dict[str, Any]] = []
    for i, node in enumerate(view.nodes):
        data = attributes[node]
        kind = kinds[node]
        item: dict[str, Any] = {"id": i, "group": kind, "k": kind}
        if node in hubs:
            item["group"] = "hub"
            x, y = min(xs) + hub_step * (0.5 + view.hubs.index(node)), hub_y
            item["hub"] = True
        else:
            x, y = pos[node]
        item["x"], item["y"] = x, y
        if kind == "article":
            rel = _related_count(g, node)
            item["size"] = 7 + 4 * min(rel, 5)
            item["f"] = filters.get(node, [])
            item["p"] = outlets.get(node, [])
            if rel:
                item["s"] = 1
        else:
            item["size"] = 12 + 3 * math.sqrt(articles_of[node])
            item["n"] = articles_of[node]
            # Big outlets and topics get big labels, readable when the whole picture is shown.
            item["fs"] = min(56, round((12 if kind == "provider" else 20) + 5 * math.sqrt(articles_of[node])))
        item.update(_item_text(node, data, kind))
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


# --------------------------------------------------------------------------- the layout memo

#: First field of a layout memo file; a file without it is not ours and is ignored.
_MEMO_FORMAT: Final = "newsgraph-layout-memo/1"


@functools.cache
def _layout_version() -> str:
    """What decides the layout besides its input: the memo format, a digest of ``layout.py``'s source,
    igraph's core version and Python's version. A memo made under another version is never used.
    """
    from . import layout

    source = hashlib.blake2b(Path(layout.__file__).read_bytes(), digest_size=16).hexdigest()
    core = getattr(layout._igraph_core(), "__igraph_version__", "?")
    return f"{_MEMO_FORMAT} layout.py:{source} igraph:{core} python:{'.'.join(map(str, sys.version_info[:2]))}"


def _layout_key(
    nodes: list[Hashable],
    drawn: nx.Graph,
    weights: dict[tuple[Hashable, Hashable], float],
    related: list[tuple[str, str]],
    anchors: dict[Hashable, Hashable],
) -> str:
    """A digest of everything :func:`graph.layout.story_layout` is given (``nodes`` is ``drawn``'s
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
        _atomic_write(Path(path), text)  # JSON of ASCII: the same bytes in UTF-8
    except Exception:  # a full disk or a read-only folder costs the next page a layout, nothing more
        return


def _positions(
    drawn: nx.Graph,
    weights: dict[tuple[Hashable, Hashable], float],
    related: list[tuple[str, str]],
    anchors: dict[Hashable, Hashable],
    layout_cache: str | os.PathLike[str] | None,
) -> dict[Any, tuple[float, float]]:
    """:func:`graph.layout.story_layout` of the drawn graph, taken from the memo file ``layout_cache``
    when it holds the positions for this very input, and saved there when it does not."""
    from .layout import story_layout

    if layout_cache is None:
        return dict(story_layout(drawn, weights, related=related, anchors=anchors))
    nodes = list(drawn.nodes)
    try:
        key: str | None = _layout_key(nodes, drawn, weights, related, anchors)
    except Exception:  # an input the digest cannot spell (a node id JSON cannot write): no memo
        key = None
    if key is not None:
        hit = _memo_load(layout_cache, key, nodes)
        if hit is not None:
            return hit
    pos = dict(story_layout(drawn, weights, related=related, anchors=anchors))
    if key is not None:
        _memo_save(layout_cache, key, nodes, pos)
    return pos


# --------------------------------------------------------------------------- edges of a view


def _edge_key_order(key: Any) -> tuple[str, str]:
    """A sort key for edge keys (relations, or anything a caller used): never compares unlike types."""
    return (type(key).__name__, str(key))


def _view_edges(g: nx.MultiDiGraph, nodes: list[str], index: dict[str, int]) -> list[tuple[str, str, Any]]:
    """``(u, v, relation)`` for the edges between the view's nodes, by ``u``'s then ``v``'s place in the
    view, then by key: the same list whatever order the graph's nodes and edges were added in."""
    succ = g._succ
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


@functools.cache
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
    nodes, edges, meta = _page_data(kg, view, layout_cache)
    data = {"nodes": _json(nodes), "edges": _edges_json(edges), "meta": _json(meta), "options": _json(_options())}
    parts = _skeleton()
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


def _atomic_write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Not mkstemp: its files are 0600 whatever the umask, and outputs follow the umask.
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
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


def write_graph_html(
    kg: KnowledgeGraph, path: str | os.PathLike[str], *, layout_cache: str | os.PathLike[str] | None = None
) -> FileIndex:
    """The ``graph.html`` writer of a build (:data:`graph.export.WRITERS`): the default view.

    The page is written as blocks (:mod:`graph.blocks`): one per drawn node,
    keyed by its place in the view and its IRI, then the edges and the
    metadata; the index it returns lets :func:`patch_page` rewrite only the
    items that changed. The bytes are :func:`render_html`'s.
    ``layout_cache``: a layout memo file, as for :func:`render_html`.

    >>> import graph, tempfile, pathlib
    >>> kg = graph.build(["seeds"])
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "graph.html"
    >>> index = write_graph_html(kg, path)
    >>> path.read_text(encoding="utf-8") == render_html(kg), index.sections[0].keys[0][:9]
    (True, '00000000 ')
    """
    view = select_view(kg)
    nodes, edges, meta = _page_data(kg, view, layout_cache)
    parts = _skeleton()
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
        writer.section("", [("meta", _json(meta))])
        writer.text(frame[3])
    return writer.index


def _item_key(i: int, node: str) -> str:
    """The block key of the ``i``-th item of the page: sorted by place, and naming its node."""
    return f"{i:08d} {node}"


def _page_frame(parts: tuple[str, ...]) -> list[str]:
    """The text around the page's three sections (items, edges, metadata), from :func:`_skeleton`'s parts."""
    return [parts[0] + "[", "]" + parts[2], parts[4], parts[6] + _json(_options()) + parts[8]]


def patch_page(
    kg: KnowledgeGraph,
    path: str | os.PathLike[str],
    old_path: str | os.PathLike[str],
    old: FileIndex,
    before: dict[str, tuple[Any, ...] | None],
) -> FileIndex:
    """Write to ``path`` the page at ``old_path`` (written by :func:`write_graph_html`, with index ``old``)
    brought up to date, rewriting only the items of the nodes in ``before``.

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
    if len(old.sections) != 3 or not old.matches(Path(old_path)):
        raise StaleIndex(f"{old_path} is not the page its index describes")
    items = old.sections[0]
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
                data = g._node[node]
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
    with BlockWriter(path) as writer:
        patch(writer, Path(old_path), old, None, [changes, {}, {}])  # the frame is made by the code alone
    return writer.index


def write_view(out: str | os.PathLike[str], path: str | os.PathLike[str], **filters: Any) -> View:
    """Load the build in ``out`` and write one view of it to ``path`` (``newsgraph view``).

    Raises :class:`~graph.errors.OutputError` when ``out`` holds no build and
    :class:`ViewError` for a bad filter.
    """
    from .model import load

    return write_html(load(out), path, **filters)
