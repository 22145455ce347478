"""The streaming build's index (pass 1): identity keys and ranks of every record of the corpus,
packed into ints (``rank << bits | mask``) so that a million items fit in memory."""

from __future__ import annotations

import bisect
from collections.abc import Sequence
from typing import Any, Final

from ..merge import SCALARS, claim, join_aliases, link_targets, rank_records
from ..records import ArticleRecord, FileResult

# Single-valued article fields, in bit order: merge's scalars, then extra and the publisher.
_ARTICLE_FIELDS: Final = (*SCALARS, ("extra", "extra"), ("provider", "published_by"))
_ARTICLE_BITS: Final = len(_ARTICLE_FIELDS)
_TITLE_BIT: Final = next(i for i, (attr, _) in enumerate(_ARTICLE_FIELDS) if attr == "title")
_PUBLISHER_BIT: Final = _ARTICLE_BITS - 1
_EXTRA_BIT: Final = _ARTICLE_BITS - 2
_IMAGE_FIELDS: Final = ("width", "height", "title", "attribution", "is_cached")
_IMAGE_BITS: Final = len(_IMAGE_FIELDS)

Entries = int | list[int]  # packed (rank << bits | mask), one or a few


# --------------------------------------------------------------------------- packed entries


def _note(table: dict[str, Entries], key: str, rank: int, mask: int, bits: int) -> None:
    entry = rank << bits | mask
    old = table.get(key)
    if old is None:
        table[key] = entry
    elif isinstance(old, int):
        if old >> bits <= rank and not mask & ~old:
            return  # a better record already has every field this one has
        table[key] = _prune([old, entry], bits)
    else:
        table[key] = _prune([*old, entry], bits)


def _prune(entries: list[int], bits: int) -> Entries:
    """Keep the best entry and those that bring a field no better entry has."""
    entries.sort()
    full = (1 << bits) - 1
    kept: list[int] = []
    covered = 0
    for e in entries:
        m = e & full
        if not kept or m & ~covered:
            kept.append(e)
            covered |= m
    return kept[0] if len(kept) == 1 else kept


def _as_list(entries: Entries) -> list[int]:
    return [entries] if isinstance(entries, int) else entries


# --------------------------------------------------------------------------- the index


class Index:
    """Identity keys and ranks of every record of the corpus (pass 1)."""

    def __init__(self, n_files: int, partition_size: int) -> None:
        self.n_files = n_files
        self.size = partition_size
        self.stub_starts: list[int] = []
        self.stubs = 0
        self.articles: dict[str, Entries] = {}
        self.alias_owner: dict[str, str] = {}
        self.images: dict[str, Entries] = {}
        self.shared: dict[str, int] = {}
        self.node_of: dict[str, str] = {}
        #: The kind of the nodes whose best main record is not an article (a profile, collection, event).
        self.kinds: dict[str, str] = {}

    # ranks: a main article ranks by its file's place; stubs after every main article
    def partition_of(self, rank: int) -> int:
        if rank < self.n_files:
            return rank // self.size
        return bisect.bisect_right(self.stub_starts, rank - self.n_files) - 1

    def add_partition(self, first_file: int, results: Sequence[FileResult]) -> None:
        self.stub_starts.append(self.stubs)
        full: list[tuple[int, ArticleRecord]] = []
        for i, result in enumerate(results):
            if result.article is not None:
                full.append((first_file + i, result.article))
        ranked = rank_records(a for _, a in full)
        for n, rec in enumerate(ranked):
            if n < len(full):
                rank = full[n][0]
            else:
                rank = self.n_files + self.stubs
                self.stubs += 1
            self._add_record(rec, rank)

    def _add_record(self, rec: ArticleRecord, rank: int) -> None:
        mask = 0
        for bit, (attr, _) in enumerate(_ARTICLE_FIELDS):
            value = getattr(rec, attr)
            if value is not None and (attr != "extra" or value):
                mask |= 1 << bit
        if not rec.stub and rec.kind != "article" and not self.is_full(rec.iri):
            self.kinds[rec.iri] = rec.kind  # the first main record makes the node, and its kind
        _note(self.articles, rec.iri, rank, mask, _ARTICLE_BITS)
        for alias in rec.same_as:
            claim(self.alias_owner, alias, rec.iri)
        named, _ = link_targets(rec)  # the shared nodes it links to, as graph.merge makes them
        for node in named:
            self._share(node, rank)
        for image in (*rec.images, *(rec.provider.images if rec.provider else ()),
                      *(rec.affiliation.images if rec.affiliation else ())):  # fmt: skip
            self._add_image(image, rank)

    def _add_image(self, image: Any, rank: int) -> None:
        mask = 0
        for bit, attr in enumerate(_IMAGE_FIELDS):
            if getattr(image, attr) is not None:
                mask |= 1 << bit
        _note(self.images, image.url, rank, mask, _IMAGE_BITS)

    def _share(self, node: str, rank: int) -> None:
        old = self.shared.get(node)
        if old is None or rank < old:
            self.shared[node] = rank

    def resolve(self) -> None:
        """Join aliases to their article by :func:`graph.merge.join_aliases`; then drop the alias table."""
        articles = self.articles

        def rank(iri: str) -> int | None:
            entries = articles.get(iri)
            return None if entries is None else _as_list(entries)[0] >> _ARTICLE_BITS

        self.node_of = join_aliases(self.alias_owner, rank)
        self.alias_owner = {}
        for iri, node in self.node_of.items():
            articles[node] = _prune(_as_list(articles[node]) + _as_list(articles[iri]), _ARTICLE_BITS)

    def is_full(self, iri: str) -> bool:
        """True when a main record (not only stubs) has ``iri`` as its own, of those noted so far."""
        entries = self.articles.get(iri)
        return entries is not None and _as_list(entries)[0] >> _ARTICLE_BITS < self.n_files

    def is_node(self, iri: str) -> bool:
        """True when ``iri`` is an article node of the whole graph."""
        return iri in self.articles and iri not in self.node_of

    def winner(self, entries: Entries, bit: int, bits: int) -> int | None:
        """The partition of the best entry that has field ``bit``, or ``None``."""
        for e in _as_list(entries):
            if e >> bit & 1:
                return self.partition_of(e >> bits)
        return None

    def owner(self, entries: Entries, bits: int) -> int:
        return self.partition_of(_as_list(entries)[0] >> bits)
