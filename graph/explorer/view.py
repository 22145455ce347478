"""Selecting a view: which nodes one explorer page draws (:func:`select_view`), and what was cut.

Filters (around an article, one story, a topic, an outlet, a date range)
choose the articles; their outlets, topics, tags and authors come with them;
the whole is cut to ``max_nodes``, nearest, in stories and best-rated first.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, Final

import networkx as nx

from ..errors import ViewError
from ..identity import canonical_url, normalize_label
from ..model import KnowledgeGraph, attributes, predecessors, successors

__all__ = ["DEFAULT_MAX_NODES", "HUB_SHARE", "SHOWN_KINDS", "View", "select_view"]

#: Nodes drawn by default: enough for every article of the shared corpus
#: that has related links, plus the best-rated others, while the page stays
#: under 150 ms a frame in headless Chromium on two cores.
DEFAULT_MAX_NODES: Final = 4000

#: Kinds drawn on the page (images and websites are details of articles and outlets).
SHOWN_KINDS: Final = ("article", "provider", "topic", "tag", "person", "organization")

#: A topic or tag linked to at least this share of a view's articles is a hub.
HUB_SHARE: Final = 0.6


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
    #: The filters given, as ``newsgraph view`` options (``{"--topic": "AI"}``): the page offers them
    #: back as a command line.
    options: dict[str, str] = field(default_factory=dict)

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
            f"{left} left out of the picture (articles in stories and the best-rated come first); "
            "search and the story list find every one and bring it in."
        ]


def _plural(kind: str, n: int) -> str:
    word = "outlet" if kind == "provider" else kind
    return word if n == 1 else word + "s"


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
        for kind in ("topic", "tag", "place")
        for n, d in kg.nodes(kind)
        if d.get("key") == key or key in (normalize_label(str(d.get(name, ""))) for name in ("label", "code"))
    }
    if not found:
        known = sorted(str(d.get("label")) for _, d in kg.nodes("topic"))[:12]
        raise ViewError(f"--topic: no topic, tag or place {text!r}; known topics include: {', '.join(known)}")
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
    """The articles of ``start``'s story: the members of its story nodes (``part_of``), or, in a
    build without stories (``--no-stories``), the articles linked to it by related links, transitively."""
    stories = [v for v, keys in successors(g)[start].items() if "part_of" in keys]
    if stories:
        return {a for s in stories for a, keys in predecessors(g)[s].items() if "part_of" in keys} | {start}
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


# The loops below that run once per node or edge of the whole graph read networkx's dicts through
# graph.model.attributes and .successors rather than its views, which build a view object per lookup
# and took 5 to 10 times as long on the shared corpus.


def _kinds(g: nx.MultiDiGraph) -> dict[str, str]:
    """node → its kind (``""`` when it has none), for every node: one walk instead of a lookup per use."""
    return {node: str(data.get("kind", "")) for node, data in attributes(g).items()}


#: Kinds drawn with an article as its context.
_CONTEXT_KINDS: Final = frozenset(SHOWN_KINDS) - {"article"}


def _neighbours(g: nx.MultiDiGraph, node: str) -> list[str]:
    """The nodes linked to ``node`` either way, once each, by IRI (not in the order the edges were added)."""
    return sorted(set(g.successors(node)).union(g.predecessors(node)))


def _contexts(g: nx.MultiDiGraph, articles: Iterable[str], kinds: dict[str, str]) -> dict[str, list[str]]:
    """article → the non-article nodes drawn with it (outlet, topics, tags, authors), by IRI.

    Sorted, so the page does not depend on the order the edges were added in.
    """
    succ = successors(g)
    return {a: sorted([n for n in succ[a] if kinds[n] in _CONTEXT_KINDS]) for a in articles}


#: Links between articles that tie them into a story, for the ranking of :func:`_pick`.
_STORY_LINKS: Final = frozenset({"related", "inferred_related", "copy_of", "part_of"})


def _related_degrees(g: nx.MultiDiGraph) -> Counter[str]:
    """node → its links that tie it into a story (related, inferred, copies, story membership), in
    one walk over the edges."""
    counts: Counter[str] = Counter()
    for u, nbrs in successors(g).items():
        for v, keys in nbrs.items():
            for data in keys.values():
                relation = data.get("relation")
                if relation in _STORY_LINKS:
                    counts[u] += 1
                    if relation != "part_of":
                        counts[v] += 1
    return counts


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
        A story's IRI, or an article's URL: the articles of the story (the story nodes of the
        build; in a build without them, the articles linked to it by related
        links, transitively), with their outlets and topics.
    topic
        A topic, tag or place (its name): its articles.
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
    choice = _Choice(articles={n for n, kind in kinds.items() if kind == "article"})
    if story is not None:
        _keep_story(kg, choice, story)
    if around is not None:
        _keep_around(kg, kinds, choice, around, depth)
    if topic is not None:
        concepts = _find_concepts(kg, topic)
        choice.keep({a for c in concepts for a in g.predecessors(c)}, f"articles about {topic!r}")
    if provider is not None:
        outlets = _find_providers(kg, provider)
        choice.keep({a for p in outlets for a in g.predecessors(p)}, f"articles from {provider!r}")
    _keep_dates(g, choice, first, last)
    picked, wanted = _pick(g, kinds, choice, max_nodes)
    view = _view(g, kinds, choice, picked, wanted, max_nodes)
    given = {"--around": around, "--story": story, "--topic": topic, "--provider": provider}
    view.options = {name: value for name, value in given.items() if value is not None}
    if around is not None:
        view.options["--depth"] = str(depth)
    view.options.update({name: day.isoformat() for name, day in (("--since", first), ("--until", last)) if day})
    if max_nodes != DEFAULT_MAX_NODES:
        view.options["--max-nodes"] = str(max_nodes)
    return view


def _view(
    g: nx.MultiDiGraph,
    kinds: dict[str, str],
    choice: _Choice,
    picked: dict[str, None],
    wanted: set[str],
    max_nodes: int,
) -> View:
    """The :class:`View` of the ``picked`` nodes, out of the ``wanted`` ones that matched."""
    nodes = list(picked)
    counts = Counter(kinds[n] for n in nodes)
    missing = Counter(kinds[n] for n in wanted if n not in picked)
    return View(
        nodes=nodes,
        total=len(wanted),
        counts={k: counts[k] for k in SHOWN_KINDS if counts[k]},
        omitted={k: missing[k] for k in SHOWN_KINDS if missing[k]},
        hubs=_hubs(g, kinds, picked, counts["article"]),
        title="; ".join(choice.titles) if choice.titles else "all articles",
        center=choice.center,
        max_nodes=max_nodes,
        filtered=bool(choice.titles),
    )


@dataclass(slots=True)
class _Choice:
    """What the filters of :func:`select_view` chose so far: the articles, and how the page says so."""

    articles: set[str]
    #: One phrase per filter given, for the page's title.
    titles: list[str] = field(default_factory=list)
    #: node → links from ``center`` (``--around``); the nearest come first.
    distance: dict[str, int] = field(default_factory=dict)
    center: str | None = None
    #: Non-article nodes near ``center``, drawn although no chosen article links to them.
    extra: set[str] = field(default_factory=set)

    def keep(self, articles: set[str], title: str) -> None:
        """Keep only the chosen articles that are also in ``articles``; ``title`` says how."""
        self.articles &= articles
        self.titles.append(title)


def _keep_story(kg: KnowledgeGraph, choice: _Choice, story: str) -> None:
    """``--story``: the articles of a story, given by its IRI or by the URL of one of its articles
    (which becomes the centre)."""
    g = kg.graph
    if story in g and g.nodes[story].get("kind") == "story":
        members = {a for a, keys in predecessors(g)[story].items() if "part_of" in keys}
        choice.keep(members, f"the story {g.nodes[story].get('label', story)!r}")
        return
    start = _find_article(kg, story, "--story")
    choice.keep(_story(g, start), f"the story of {g.nodes[start].get('label', start)!r}")
    choice.center = start


def _keep_around(kg: KnowledgeGraph, kinds: dict[str, str], choice: _Choice, around: str, depth: int) -> None:
    """``--around``: the nodes up to ``depth`` links from the article at URL ``around`` (not through hubs)."""
    g = kg.graph
    center = _find_article(kg, around, "--around")
    distance = _distances(g, kinds, center, depth, max(1, len(choice.articles)))
    choice.center = center
    choice.distance = distance
    choice.keep(
        {n for n in distance if kinds[n] == "article"},
        f"around {g.nodes[center].get('label', center)!r} (depth {depth})",
    )
    choice.extra = {n for n in distance if kinds[n] != "article"}


def _distances(g: nx.MultiDiGraph, kinds: dict[str, str], center: str, depth: int, n_articles: int) -> dict[str, int]:
    """node → links from ``center``, for the shown nodes up to ``depth`` links away, breadth first.

    A hub topic or tag (linked to :data:`HUB_SHARE` of ``n_articles`` or more) is reached but not walked through.
    """
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
    return distance


def _keep_dates(g: nx.MultiDiGraph, choice: _Choice, first: date | None, last: date | None) -> None:
    """``--since``/``--until``: the articles published in the range (inclusive); nothing when neither is given."""
    if first is None and last is None:
        return
    choice.keep(
        {a for a in choice.articles if _in_range(g.nodes[a].get("published_at"), first, last)},
        f"published {first or '…'} to {last or '…'}",
    )


def _pick(
    g: nx.MultiDiGraph, kinds: dict[str, str], choice: _Choice, max_nodes: int
) -> tuple[dict[str, None], set[str]]:
    """The nodes drawn (in order, at most ``max_nodes``) and all the nodes that matched.

    Each article comes with its context (outlet, topics, tags, authors) or not
    at all; the centre first, then by distance from it, articles in stories
    before the others, then by importance, then by IRI.
    """
    articles = choice.articles
    related = _related_degrees(g)
    data = attributes(g)
    distance = choice.distance

    def rank(node: str) -> tuple[int, int, float, str]:
        in_story = 0 if related[node] else 1
        return (distance.get(node, 0), in_story, -_importance(data[node], related[node]), node)

    ordered = sorted(articles | {n for n in choice.extra if n not in articles}, key=rank)
    contexts = _contexts(g, articles, kinds)
    wanted: set[str] = set(ordered)
    for context in contexts.values():
        wanted.update(context)
    picked: dict[str, None] = {}
    if choice.center is not None and choice.center in wanted:
        picked[choice.center] = None
    for node in ordered:
        need = [n for n in ([node, *contexts[node]] if node in articles else [node]) if n not in picked]
        if len(picked) + len(need) <= max_nodes:
            picked.update(dict.fromkeys(need))
    return picked, wanted


def _hubs(g: nx.MultiDiGraph, kinds: dict[str, str], picked: dict[str, None], n_articles: int) -> list[str]:
    """The topics and tags of the view linked to :data:`HUB_SHARE` or more of its articles (four or more)."""
    if n_articles < 4:
        return []
    return [
        n
        for n in picked
        if kinds[n] in ("topic", "tag") and _share(g, kinds, n, max(1, n_articles), picked) >= HUB_SHARE
    ]


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
