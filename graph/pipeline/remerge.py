"""Merging again only the nodes the changed files touch (step 2 and 3 of a rebuild, :mod:`.rebuild`)."""

from __future__ import annotations

import pickle
from collections.abc import Sequence
from typing import Any, Final

import networkx as nx

from ..explorer import page_shape
from ..identity import ID
from ..merge import ITEM, identities, missing_part, rank_records, remerge, self_related
from ..model import BuildReport, FileCounts, KnowledgeGraph
from ..rdf import source_iri
from ..records import ArticleRecord, Diagnostic, FileResult
from .state import Blobs, Compact, State

__all__ = ["update_graph"]

_PROVIDER: Final = ID + "provider/"
_ORGANIZATION: Final = ID + "organization/"


_Ranked = list[tuple[tuple[int, int, int], str, int, Compact]]


def _ranked(state: State) -> _Ranked:
    """Every record of ``state`` with its rank key, in rank order: main articles by file, then the rest."""
    rows: list[tuple[tuple[int, int, int], str, int, Compact]] = []
    for f, name in enumerate(state.order):
        for pos, rec in enumerate(state.files[name].records):
            rows.append(((0 if pos == 0 else 1, f, pos), name, pos, rec))
    rows.sort(key=lambda row: row[0])
    return rows


def update_graph(
    old: State,
    new: State,
    graph: nx.MultiDiGraph,
    changed: set[str],
    results: dict[str, FileResult],
    blobs: Blobs,
    problems: Sequence[Diagnostic],
) -> tuple[KnowledgeGraph, set[str], dict[str, tuple[Any, ...] | None]]:
    """Bring ``graph`` (the last build's) up to date with ``new``; return it, the keys whose blocks changed,
    and the :func:`~graph.explorer.page_shape` of each changed node before the change."""
    old_ranked, new_ranked = _ranked(old), _ranked(new)
    old_of = identities([(rec[0], rec[1]) for *_, rec in old_ranked])
    new_of = identities([(rec[0], rec[1]) for *_, rec in new_ranked])
    dirty = _dirty(changed, (old, old_ranked, old_of), (new, new_ranked, new_of))
    article_records, link_records = _records_to_merge(dirty, new_ranked, new_of, results, blobs)
    shapes = {node: page_shape(graph, node) for node in dirty}  # before the merge changes them
    full = _full(new_ranked, new_of)
    remerge(graph, dirty, article_records, link_records, new_of, full)
    report = _report(new, new_ranked, new_of, full, problems)
    report.count(graph)
    keys = set(dirty)
    for state in (old, new):
        for name in changed:
            entry = state.files.get(name)
            if entry is not None and entry.source is not None:
                keys.add(source_iri(entry.source))
    return KnowledgeGraph(graph, report), keys, shapes


def _full(ranked: _Ranked, node_of: dict[str, str]) -> set[str]:
    """The nodes a file's main record makes (not only stubs)."""
    return {node_of[rec[0]] for key, _, _, rec in ranked if key[0] == 0}


def _dirty(changed: set[str], *builds: tuple[State, _Ranked, dict[str, str]]) -> set[str]:
    """The nodes the ``changed`` files touch in either build (``(state, ranked, node_of)``, old and new)."""
    (_, _, old_of), (_, _, new_of) = builds
    moved = {iri for iri in old_of.keys() | new_of.keys() if old_of.get(iri) != new_of.get(iri)}
    dirty: set[str] = set()
    for state, _, node_of in builds:
        for name in changed:
            entry = state.files.get(name)
            for iri, _, _, named, images in entry.records if entry is not None else ():
                dirty.add(node_of[iri])
                dirty.update(named)
                dirty.update(images)
    for iri in moved:
        for node_of in (old_of, new_of):
            if iri in node_of:
                dirty.add(node_of[iri])
    if moved:  # a related link whose target moved belongs to the article listing it
        for state, ranked, node_of in builds:
            for _, name, _, rec in ranked:
                if rec[0] in moved and rec[2] >= 0:
                    dirty.add(node_of[state.files[name].records[rec[2]][0]])
    return dirty


def _records_to_merge(
    dirty: set[str],
    new_ranked: _Ranked,
    new_of: dict[str, str],
    results: dict[str, FileResult],
    blobs: Blobs,
) -> tuple[list[ArticleRecord], list[ArticleRecord]]:
    """The records that make the ``dirty`` nodes, in rank order: the articles', and those linking to the rest."""
    articles = set(new_of.values()) & dirty
    article_refs: list[tuple[str, int]] = []
    link_refs: dict[str, list[tuple[str, int]]] = {}
    as_image: set[str] = set()
    for _, name, pos, (iri, _, _, named, images) in new_ranked:
        if new_of[iri] in articles:
            article_refs.append((name, pos))
        for target in (*named, *images):
            if target in dirty and target not in articles:
                link_refs.setdefault(target, []).append((name, pos))
        as_image.update(t for t in images if t in dirty)
    wanted = set(article_refs)
    for target, refs in link_refs.items():
        # Only the first record makes a named node; outlets and organizations (their websites, logos and
        # owners) and images take from all.
        every = target in as_image or target.startswith(_PROVIDER) or target.startswith(_ORGANIZATION)
        wanted.update(refs if every else refs[:1])
    cache: dict[str, list[ArticleRecord]] = {}

    def record(name: str, pos: int) -> ArticleRecord:
        recs = cache.get(name)
        if recs is None:
            result = results.get(name)
            if result is None:
                result = pickle.loads(blobs[name])
            assert result.article is not None
            recs = cache[name] = rank_records([result.article])
        return recs[pos]

    rank = {(name, pos): key for key, name, pos, _ in new_ranked}
    article_records = [record(*ref) for ref in sorted(article_refs, key=rank.__getitem__)]
    link_records = [record(*ref) for ref in sorted(wanted, key=rank.__getitem__)]
    return article_records, link_records


def _report(
    new: State, new_ranked: _Ranked, new_of: dict[str, str], full: set[str], problems: Sequence[Diagnostic]
) -> BuildReport:
    """The build's report from the new state: file counts, every file's diagnostics, self-related notes
    and parts of collections that name no item, in the order :func:`graph.merge.merge` gives them."""
    report = BuildReport(files=FileCounts(seen=len(new.order)))
    report.diagnostics.extend(problems)
    notes: list[Diagnostic] = []
    children: dict[tuple[str, int], list[int]] = {}
    for name in new.order:
        entry = new.files[name]
        report.add_file(bool(entry.records), entry.diagnostics)
        for pos, rec in enumerate(entry.records):
            if rec[2] >= 0:
                children.setdefault((name, rec[2]), []).append(pos)
    for _, name, pos, rec in new_ranked:
        entry = new.files[name]
        for child in children.get((name, pos), ()):
            node = new_of[rec[0]]
            part = entry.records[child][0]
            assert entry.source is not None
            if part.startswith(ITEM) and new_of[part] not in full:
                notes.append(missing_part(entry.source, part))
            elif new_of[part] == node:
                notes.append(self_related(entry.source, node))
    report.diagnostics.extend(notes)
    return report
