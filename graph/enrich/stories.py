"""Stories from evidence: which articles cover one event, which pairs nobody linked, which are copies.

The evidence for two articles being one story (:func:`detect`):

- text: the cosine of their TF-IDF vectors over headline and excerpt (:mod:`.text`);
- a publisher's ``related`` link between them (a bonus, not proof: those lists chain templates);
- time: published more than ``window`` days apart, they are not compared;
- places: when both headlines name places and none of one's is, contains or lies in one of the
  other's ("Oregon reports..." and "Thailand reports..."), they are different events.

A pair whose evidence reaches ``link`` joins the story graph; each connected part of it is split
by Leiden community detection (igraph, constant Potts model, seeded: the same input gives the same
stories), so a chain of different events falls apart where it is weakest. Near-identical pairs (cosine at least
``copy``) are syndicated copies of the earliest of them.

>>> from datetime import datetime, UTC
>>> t = datetime(2020, 5, 6, tzinfo=UTC)
>>> arts = [Article("a", "Singapore confirms 788 new coronavirus cases", "", t, "o1", frozenset({"SG"})),
...         Article("b", "Singapore's health ministry confirms 788 new cases", "", t, "o2", frozenset({"SG"})),
...         Article("c", "Thailand reports 3 new coronavirus cases", "", t, "o3", frozenset({"TH"}))]
>>> found = detect(arts, related=[("a", "c")])
>>> found.stories
[['a', 'b']]
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any, Final, NamedTuple

import networkx as nx

from ..igraph_core import leiden
from .text import Matrix, tokens

__all__ = [
    "Article",
    "Detected",
    "Memo",
    "Options",
    "Pair",
    "counts",
    "detect",
    "founder",
    "representative",
    "story_key",
]

_EPOCH_DAY: Final = 86400


@dataclass(frozen=True, slots=True)
class Options:
    """The parameters of story detection (recorded with every inferred fact, in its PROV activity)."""

    #: A word used by more articles than this within the window makes no candidate pairs.
    cap: int = 40
    #: Days apart beyond which two articles are not compared.
    window: int = 3
    #: The share of the cosine rare words must make for a pair to be compared.
    floor: float = 0.08
    #: Evidence that makes two articles one story.
    link: float = 0.3
    #: What a publisher's related link adds to the evidence.
    asserted_bonus: float = 0.15
    #: Cosine from which two articles are copies (syndication).
    copy: float = 0.9
    #: Share of the evidence lost per day apart (after the first): daily reports of one place differ by day.
    decay: float = 0.3
    #: Headlines that both give counts and share none report different figures (different days, places).
    numbers: bool = True
    #: Leiden's CPM resolution: the mean evidence a story's members need between them; and its seed.
    resolution: float = 0.2
    seed: int = 0

    def parameters(self) -> dict[str, float | int]:
        """The options as a dict (for PROV)."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Article:
    """What story detection knows of an article."""

    iri: str
    title: str
    excerpt: str
    published: datetime | None
    outlet: str | None
    #: Codes of the places its headline names (``US-OR``, ``TH``).
    places: frozenset[str] = frozenset()
    #: The counts its headline gives (:func:`counts`).
    counts: frozenset[float] = field(default=frozenset(), compare=False)


class Pair(NamedTuple):
    """Two articles (``a < b``) and the evidence that they are one story (a named tuple: 60,000 of them are
    made and kept per build, five times cheaper than frozen dataclasses)."""

    a: str
    b: str
    cosine: float
    asserted: bool
    score: float


@dataclass(slots=True)
class Detected:
    """What :func:`detect` found."""

    #: Stories of two or more articles: member IRIs, sorted; stories sorted by their first member.
    stories: list[list[str]] = field(default_factory=list)
    #: Pairs in one story that no publisher linked, with their evidence.
    inferred: list[Pair] = field(default_factory=list)
    #: ``(copy, original)``: near-identical to an earlier article.
    copies: list[tuple[str, str, float]] = field(default_factory=list)
    #: Every pair compared, with its evidence (for evaluation and notebooks).
    pairs: dict[tuple[str, str], Pair] = field(default_factory=dict)
    #: Pairs a place or count conflict kept apart.
    vetoed: set[tuple[str, str]] = field(default_factory=set)
    #: article → its summed cosine to the other members of its story.
    strength: dict[str, float] = field(default_factory=dict)
    #: What the next detection can reuse (:func:`detect`'s ``memo``).
    memo: Memo | None = None


def _day(when: datetime | None) -> int | None:
    return None if when is None else int(when.timestamp()) // _EPOCH_DAY


def _compatible(a: frozenset[str], b: frozenset[str]) -> bool:
    """True unless both name places and no place of one is, contains or lies in one of the other's.

    >>> _compatible(frozenset({"US-OR"}), frozenset({"US"})), _compatible(frozenset({"US-OR"}), frozenset({"TH"}))
    (True, False)
    """
    if not a or not b:
        return True
    for p in a:
        for q in b:
            if p == q or q.startswith(p + "-") or p.startswith(q + "-"):
                return True
    return False


def detect(
    articles: Sequence[Article],
    related: Iterable[tuple[str, str]] = (),
    options: Options | None = None,
    memo: Memo | None = None,
) -> Detected:
    """Stories, inferred links and copies among ``articles``; ``related``: the publishers' links.

    ``memo``: what the last detection kept (:attr:`Detected.memo`); the pairs it weighed are reused
    where nothing they depend on changed, so a rebuild after an edit compares only what the edit
    touches. The result is the same as without it.
    """
    opt = options or Options()
    by_iri = {a.iri: a for a in articles}
    bags = _bags(articles, memo)
    matrix = Matrix(bags)
    has_text = matrix.index
    asserted = {(min(u, v), max(u, v)) for u, v in related if u != v and u in has_text and v in has_text}
    days = {k: _day(by_iri[k].published) for k in matrix.keys}
    df = Counter[str]()
    for k in matrix.keys:
        df.update(bags[k].keys())
    found = Detected()
    touched = _touched(memo, opt, by_iri, bags, df, asserted, matrix) if memo is not None else None
    rows = [by_iri[k] for k in matrix.keys]
    if touched is None:
        compared = sorted(set(matrix.candidates(days, opt.cap, opt.window, opt.floor)) | asserted)
        _evidence(compared, matrix.cosines(compared), rows, matrix.index, asserted, opt, found)
    else:
        assert memo is not None
        near = matrix.candidates(days, opt.cap, opt.window, opt.floor, only=touched)
        compared = sorted(set(near) | {p for p in asserted if p[0] in touched or p[1] in touched})
        _evidence(compared, matrix.cosines(compared), rows, matrix.index, asserted, opt, found)
        redone = found.pairs
        kept = {p: v for p, v in memo.pairs.items() if p[0] not in touched and p[1] not in touched}
        found.pairs = {p: (redone[p] if p in redone else kept[p]) for p in sorted(redone.keys() | kept.keys())}
        found.vetoed |= {p for p in memo.vetoed if p[0] not in touched and p[1] not in touched}
    leiden_memo = memo.leiden if memo is not None and memo.options == opt else {}
    found.stories, used = _split(found.pairs, opt, leiden_memo)
    story_of = {m: i for i, members in enumerate(found.stories) for m in members}
    strength: dict[str, float] = defaultdict(float)
    for (a, b), pair in found.pairs.items():
        if story_of.get(a, -1) == story_of.get(b, -2):
            strength[a] += pair.cosine
            strength[b] += pair.cosine
            if not pair.asserted and pair.score >= opt.link:
                found.inferred.append(pair)
    found.strength = dict(strength)
    found.copies = _copies(found.pairs, by_iri, opt)
    found.memo = Memo(opt, by_iri, bags, df, frozenset(asserted), found.pairs, found.vetoed, used)
    return found


@dataclass(slots=True)
class Memo:
    """What a detection keeps for the next one: its inputs and the pairs it weighed (see :func:`detect`)."""

    options: Options
    articles: dict[str, Article]
    #: article → the words of its headline and excerpt (:func:`.text.tokens`).
    bags: dict[str, Mapping[str, int]]
    #: word → how many articles use it.
    df: Counter[str]
    asserted: frozenset[tuple[str, str]]
    pairs: dict[tuple[str, str], Pair]
    vetoed: set[tuple[str, str]]
    #: a connected part of the story graph (its nodes and weighted edges) → its Leiden communities.
    leiden: dict[tuple[tuple[str, ...], tuple[tuple[int, int, float], ...]], list[list[str]]]

    def __getstate__(self) -> tuple[object, ...]:
        """Plain values: pickling 50,000 slotted dataclasses one by one took 0.35 s each way, these 0.1 s."""
        articles = [
            (a.iri, a.title, a.excerpt, _stamp(a.published), a.outlet, tuple(a.places), tuple(a.counts))
            for a in self.articles.values()
        ]
        pairs = [tuple(p) for p in self.pairs.values()]
        bags = {k: dict(bag) for k, bag in self.bags.items()}
        return (asdict(self.options), articles, bags, dict(self.df), self.asserted, pairs, self.vetoed, self.leiden)

    def __setstate__(self, state: tuple[Any, ...]) -> None:
        options, articles, self.bags, df, self.asserted, pairs, self.vetoed, self.leiden = state
        self.options = Options(**options)
        self.df = Counter(df)
        self.articles = {
            iri: Article(iri, title, excerpt, _when(t), outlet, frozenset(places), frozenset(numbers))
            for iri, title, excerpt, t, outlet, places, numbers in articles
        }
        make = Pair._make
        self.pairs = {(row[0], row[1]): make(row) for row in pairs}


def _stamp(when: datetime | None) -> float | None:
    return None if when is None else when.timestamp()


def _when(stamp: float | None) -> datetime | None:
    return None if stamp is None else datetime.fromtimestamp(stamp, UTC)


#: Beyond this share of the articles touched by changes, the memo is not worth using.
_TOUCHED_SHARE: Final = 0.25


def _text(a: Article) -> str:
    return f"{a.title}\n{a.excerpt}"


def _bags(articles: Sequence[Article], memo: Memo | None) -> dict[str, Mapping[str, int]]:
    """Each article's words, from the memo when its text is the same."""
    if memo is None:
        return {a.iri: tokens(_text(a)) for a in articles}
    old, bags = memo.articles, memo.bags
    out: dict[str, Mapping[str, int]] = {}
    for a in articles:
        was = old.get(a.iri)
        out[a.iri] = (
            bags[a.iri] if was is not None and was.title == a.title and was.excerpt == a.excerpt else tokens(_text(a))
        )
    return out


def _touched(
    memo: Memo,
    opt: Options,
    by_iri: Mapping[str, Article],
    bags: Mapping[str, Mapping[str, int]],
    df: Counter[str],
    asserted: set[tuple[str, str]],
    matrix: Matrix,
) -> set[str] | None:
    """The articles whose pairs must be weighed again (None: all of them).

    An article is touched when its text, time or places changed, when a publisher's link to it came
    or went, when it uses a word whose document frequency changed (its TF-IDF weights changed), or a
    word whose blocks changed (a rare word became common near a changed article's day, or back).
    Every pair with no touched article has the same evidence as before.
    """
    if memo.options != opt or len(matrix.keys) != sum(1 for bag in memo.bags.values() if bag):
        return None  # new options, or a new number of documents: every idf changed
    old = memo.articles
    changed = {
        k
        for k in by_iri.keys() | old.keys()
        if k not in old or k not in by_iri or not _same_evidence(old[k], by_iri[k])
    }
    for a, b in asserted.symmetric_difference(memo.asserted):
        changed.update((a, b))
    words = {w for w in df.keys() | memo.df.keys() if df.get(w, 0) != memo.df.get(w, 0)}
    near_days = {d for k in changed for d in _days_of(old.get(k), by_iri.get(k))}
    moved = {w for k in changed for bag in (memo.bags.get(k), bags.get(k)) if bag for w in bag}
    words |= _reblocked(moved - words, near_days, memo, by_iri, bags, opt)
    touched = set(changed)
    if words:
        touched.update(k for k in matrix.keys if not words.isdisjoint(bags[k]))
    if len(touched) > _TOUCHED_SHARE * max(1, len(matrix.keys)):
        return None
    return touched


def _same_evidence(a: Article, b: Article) -> bool:
    return a.title == b.title and a.excerpt == b.excerpt and a.published == b.published and a.places == b.places


def _days_of(*arts: Article | None) -> Iterable[int | None]:
    for a in arts:
        if a is not None:
            yield _day(a.published)


def _reblocked(
    words: set[str],
    near: set[int | None],
    memo: Memo,
    by_iri: Mapping[str, Article],
    bags: Mapping[str, Mapping[str, int]],
    opt: Options,
) -> set[str]:
    """Of ``words`` (used by changed articles, their frequency unchanged), those whose blocks changed.

    A word's block for a day holds its articles of that day and the ``window`` days after; it is
    skipped above ``cap``. Only the blocks holding a changed article's day (before or after the
    change) can change: compare them before and after. The block of undated articles holds all of
    a word's articles, so it changes only with the word's frequency.
    """
    if not words:
        return set()
    before: dict[str, Counter[int]] = {w: Counter() for w in words}
    after: dict[str, Counter[int]] = {w: Counter() for w in words}
    for counts, arts, wordbags in ((before, memo.articles, memo.bags), (after, by_iri, bags)):
        for k, bag in wordbags.items():
            if not bag or words.isdisjoint(bag):
                continue
            d = _day(arts[k].published)
            for w in words.intersection(bag):
                counts[w][-1 if d is None else d] += 1
    out: set[str] = set()
    dated = sorted(d for d in near if d is not None)  # an undated article's blocks hold all of a word's: its df
    for w in words:
        for d in dated:
            for start in range(d - opt.window, d + 1):
                span = range(start, start + opt.window + 1)
                if (sum(before[w][x] for x in span) <= opt.cap) != (sum(after[w][x] for x in span) <= opt.cap):
                    out.add(w)
                    break
            if w in out:
                break
    return out


def _evidence(
    compared: Sequence[tuple[str, str]],
    cosines: Sequence[float],
    rows: Sequence[Article],
    index: Mapping[str, int],
    asserted: set[tuple[str, str]],
    opt: Options,
    found: Detected,
) -> None:
    """Weigh each compared pair into ``found.pairs`` (time apart and vetoes as arrays, per pair only where needed).

    ``rows``: the articles in ``index`` order. A pair published more than ``window`` days apart is
    dropped; one whose headlines name incompatible places or disagreeing counts is vetoed.
    """
    import numpy as np

    if not compared:
        return
    a = np.array([index[x] for x, _ in compared], dtype=np.int64)
    b = np.array([index[y] for _, y in compared], dtype=np.int64)
    stamp = np.array([np.nan if r.published is None else r.published.timestamp() for r in rows])
    apart = np.nan_to_num(np.abs(stamp[a] - stamp[b]) / _EPOCH_DAY, nan=0.0)
    keep = apart <= opt.window
    places = np.array([bool(r.places) for r in rows])
    numbers = np.array([bool(r.counts) for r in rows]) if opt.numbers else np.zeros(len(rows), dtype=bool)
    for i in np.flatnonzero(keep & ((places[a] & places[b]) | (numbers[a] & numbers[b]))).tolist():
        x, y = rows[a[i]], rows[b[i]]
        if not _compatible(x.places, y.places) or (opt.numbers and not _agree(x.counts, y.counts)):
            found.vetoed.add(compared[i])
            keep[i] = False
    decay = 1.0 - opt.decay * np.maximum(0.0, apart - 1.0)
    for i in np.flatnonzero(keep).tolist():
        pair = compared[i]
        cos = round(cosines[i], 3)
        bonus = pair in asserted
        score = (cos + (opt.asserted_bonus if bonus else 0.0)) * float(decay[i])
        found.pairs[pair] = Pair(pair[0], pair[1], cos, bonus, round(score, 3))


def _agree(a: frozenset[float], b: frozenset[float]) -> bool:
    """False when both headlines give counts and none of one is within 2% of one of the other's.

    >>> _agree(frozenset({4200.0, 250.0}), frozenset({253.0, 4201.0})), _agree(frozenset({12.0}), frozenset({3.0}))
    (True, False)
    """
    if not a or not b:
        return True
    return any(abs(x - y) <= 0.02 * max(x, y) for x in a for y in b)


_NUMBER: Final = re.compile(r"(?<![\w.,-])(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?(?![\w-]*[a-z])")


def counts(title: str) -> frozenset[float]:
    """The counts a headline gives: its numbers, separators dropped, years (1900-2099) and parts of names aside.

    >>> sorted(counts("TDH reports 239 deaths, 13,938 COVID-19 cases in 2020; 4 more, $502.5M"))
    [4.0, 239.0, 502.5, 13938.0]
    """
    out = set()
    for text in _NUMBER.findall(title):
        plain = text.replace(",", "")
        if not (len(plain) == 4 and "1900" <= plain <= "2099"):
            out.add(float(plain))
    return frozenset(out)


Component = tuple[tuple[str, ...], tuple[tuple[int, int, float], ...]]


def _split(
    pairs: Mapping[tuple[str, str], Pair], opt: Options, memo: Mapping[Component, list[list[str]]]
) -> tuple[list[list[str]], dict[Component, list[list[str]]]]:
    """The stories, and the Leiden runs they took (for the next memo).

    The story graph joins the pairs whose evidence reaches ``link``; each connected part of it is a
    story, split by Leiden (CPM) when it has three or more articles. The constant Potts model keeps
    a group together only while its members are, on average, linked by evidence of at least
    ``resolution``: a chain of different events (linked only end to end) falls apart, a story
    covered by many outlets (linked all across) stays whole. A part the memo has seen, with the
    same edges and weights, is not run again.
    """
    parent: dict[str, str] = {}

    def root(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    links = [(a, b, pair.score) for (a, b), pair in pairs.items() if pair.score >= opt.link]
    for a, b, _ in links:
        parent.setdefault(a, a)
        parent.setdefault(b, b)
        ra, rb = root(a), root(b)
        if ra != rb:
            parent[max(ra, rb)] = min(ra, rb)
    parts: dict[str, list[str]] = defaultdict(list)
    for node in sorted(parent):
        parts[root(node)].append(node)
    edges_of: dict[str, list[tuple[str, str, float]]] = defaultdict(list)
    for a, b, w in links:
        edges_of[root(a)].append((a, b, w))
    stories: list[list[str]] = []
    used: dict[Component, list[list[str]]] = {}
    for top, nodes in parts.items():
        if len(nodes) < 3:
            stories.append(nodes)
            continue
        index = {n: i for i, n in enumerate(nodes)}
        key = (tuple(nodes), tuple(sorted((index[a], index[b], w) for a, b, w in edges_of[top])))
        communities = memo.get(key)
        if communities is None:
            communities = _leiden(key, opt)
        used[key] = communities
        stories.extend(sorted(c) for c in communities if len(c) >= 2)
    stories.sort()
    return stories, used


def _leiden(component: Component, opt: Options) -> list[list[str]]:
    """Leiden communities (CPM) of a connected part, deterministic: igraph draws from a generator seeded by
    ``opt.seed``."""
    nodes, edges = component
    membership = leiden(len(nodes), [(u, v) for u, v, _ in edges], [w for _, _, w in edges], opt.resolution, opt.seed)
    groups: dict[int, list[str]] = defaultdict(list)
    for i, community in enumerate(membership):
        groups[community].append(nodes[i])
    return [groups[c] for c in sorted(groups)]


def _copies(
    pairs: dict[tuple[str, str], Pair], by_iri: dict[str, Article], opt: Options
) -> list[tuple[str, str, float]]:
    """``(copy, original, cosine)``: each group of near-identical articles, every one a copy of its earliest."""
    near = nx.Graph()
    for (a, b), pair in pairs.items():
        if pair.cosine >= opt.copy:
            near.add_edge(a, b, cosine=pair.cosine)
    out: list[tuple[str, str, float]] = []
    for group in nx.connected_components(near):
        original = founder(by_iri[k] for k in group).iri
        for member in sorted(group - {original}):
            cos = near.edges[member, original]["cosine"] if near.has_edge(member, original) else None
            if cos is None:  # a copy of a copy: the evidence is the path's weakest pair
                path = nx.shortest_path(near, member, original)
                cos = min(near.edges[u, v]["cosine"] for u, v in itertools.pairwise(path))
            out.append((member, original, cos))
    out.sort()
    return out


def founder(members: Iterable[Article]) -> Article:
    """The story's founding article: the earliest published (undated last), then by IRI."""
    return min(members, key=_first)


def _first(a: Article) -> tuple[int, float, str]:
    """Sort key: the earliest published first (undated last), then by IRI."""
    return (0, a.published.timestamp(), a.iri) if a.published is not None else (1, 0.0, a.iri)


def story_key(members: Iterable[Article]) -> str:
    """A story's stable key: a digest of its founding article (the earliest, then by IRI).

    It stays the same when later coverage joins or unrelated files change.

    >>> story_key([Article("https://a/1", "", "", None, None)])
    '6ab528bb9ae6516f'
    """
    return hashlib.blake2b(founder(members).iri.encode("utf-8"), digest_size=8).hexdigest()


def representative(members: Sequence[str], strength: Mapping[str, float], title: Callable[[str], str]) -> str:
    """The member whose headline best represents the story: the most similar to the others, then the first IRI.

    ``strength``: each article's summed cosine to the members of its story (:attr:`Detected.strength`).
    """
    with_title = [m for m in members if title(m)] or list(members)
    return min(with_title, key=lambda m: (-round(strength.get(m, 0.0), 6), m))
