"""Inferred links and syndication: what a build with stories found that no publisher said.

A build with stories (``graph.build(..., stories=True)``, :mod:`graph.enrich`)
describes each inferred fact by an ``inference`` node (subject, predicate,
object, score, method): ``inferred_related`` links between articles of one
story that no publisher linked, and ``copy_of`` links from a near-identical
syndicated copy to the earliest of its group. A build without stories has
neither: the tables are empty, with their columns.

>>> import graph
>>> kg = graph.build(["seeds"], stories=True)
>>> len(inferred_links(kg)), len(syndicated_copies(kg)), syndication(kg)["copies"].sum()
(0, 0, np.int64(0))
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from typing import Any, Final, Literal

import pandas as pd

from ..model import KnowledgeGraph
from ._common import _articles, _hours_apart, _inferences, _labels, _outlet, _part_of, _time_key, _title

__all__ = ["inferred_links", "syndicated_copies", "syndication"]

Relation = Literal["inferred_related", "copy_of"]

_LINK_COLUMNS: Final = [
    "relation",
    "a",
    "b",
    "a_title",
    "b_title",
    "a_outlet",
    "b_outlet",
    "score",
    "method",
    "same_outlet",
    "same_story",
    "hours_apart",
    "story",
]


def inferred_links(kg: KnowledgeGraph, relation: Relation | None = None) -> pd.DataFrame:
    """One row per inferred link (``relation``: only ``inferred_related`` or ``copy_of``), strongest first.

    Columns: ``relation``, ``a`` and ``b`` (article IRIs: subject and object;
    for ``copy_of`` the copy and its original), ``a_title``, ``b_title``,
    ``a_outlet``, ``b_outlet`` (labels), ``score`` (the evidence: TF-IDF
    cosine with the link bonus and time decay, or the copy's cosine),
    ``method``, ``same_outlet``, ``same_story`` (both ``part_of`` one story),
    ``hours_apart`` (absolute, ``NaN`` when undated), ``story`` (that
    story's label, else ``None``). Ties by relation, then IRIs. A build
    without stories gives an empty frame with these columns and their types.

    >>> import graph
    >>> list(inferred_links(graph.build(["seeds"], stories=True)).columns[:5])
    ['relation', 'a', 'b', 'a_title', 'b_title']
    """
    g = kg.graph
    found = [row for row in _inferences(g) if relation is None or row[0] == relation]
    found.sort(key=lambda r: (-r[3] if r[3] == r[3] else 0.0, r[0], r[1], r[2]))
    outlets = {a: _outlet(g, a) for row in found for a in row[1:3]}
    labels = _labels(g, [o for o in outlets.values() if o is not None])
    part_of = _part_of(g)
    rows = []
    for rel, a, b, score, method in found:
        oa, ob = outlets[a], outlets[b]
        story = part_of.get(a) if part_of.get(a) == part_of.get(b) else None
        rows.append(
            {
                "relation": rel,
                "a": a,
                "b": b,
                "a_title": _title(g, a),
                "b_title": _title(g, b),
                "a_outlet": labels.get(oa) if oa else None,
                "b_outlet": labels.get(ob) if ob else None,
                "score": score,
                "method": method,
                "same_outlet": oa is not None and oa == ob,
                "same_story": story is not None,
                "hours_apart": abs(_hours_apart(g, a, b)),
                "story": str(g.nodes[story].get("label") or story) if story is not None else None,
            }
        )
    frame = pd.DataFrame.from_records(rows, columns=_LINK_COLUMNS)
    return frame.astype({"score": float, "same_outlet": bool, "same_story": bool, "hours_apart": float})


_COPY_COLUMNS: Final = [
    "copy",
    "original",
    "copy_title",
    "original_title",
    "copy_outlet",
    "original_outlet",
    "score",
    "same_outlet",
    "hours_after",
]


def syndicated_copies(kg: KnowledgeGraph) -> pd.DataFrame:
    """One row per syndicated copy (a near-identical article) with its original, the earliest of its group.

    Columns: ``copy``, ``original`` (IRIs), ``copy_title``,
    ``original_title``, ``copy_outlet``, ``original_outlet`` (labels),
    ``score`` (cosine of headline and excerpt), ``same_outlet`` (the outlet
    republished its own article), ``hours_after`` (from the original to the
    copy, ``NaN`` when undated). Grouped by original in publication order,
    copies in publication order. A build without stories gives an empty frame
    with these columns and their types.

    >>> import graph
    >>> syndicated_copies(graph.build(["seeds"], stories=True)).empty
    True
    """
    g = kg.graph
    found = [row for row in _inferences(g) if row[0] == "copy_of"]
    found.sort(key=lambda r: (_time_key(g, r[2]), _time_key(g, r[1])))
    outlets = {a: _outlet(g, a) for row in found for a in row[1:3]}
    labels = _labels(g, [o for o in outlets.values() if o is not None])
    rows = [
        {
            "copy": copy,
            "original": original,
            "copy_title": _title(g, copy),
            "original_title": _title(g, original),
            "copy_outlet": labels.get(outlets[copy] or "") or None,
            "original_outlet": labels.get(outlets[original] or "") or None,
            "score": score,
            "same_outlet": outlets[copy] is not None and outlets[copy] == outlets[original],
            "hours_after": _hours_apart(g, original, copy),
        }
        for _, copy, original, score, _ in found
    ]
    frame = pd.DataFrame.from_records(rows, columns=_COPY_COLUMNS)
    return frame.astype({"score": float, "same_outlet": bool, "hours_after": float})


def syndication(kg: KnowledgeGraph) -> pd.DataFrame:
    """Per outlet, how much of what it publishes is a syndicated copy of another article, and who copies it.

    One row per outlet with articles, indexed by its label (``outlet``,
    unique). Columns: ``articles``, ``copies`` (its articles that copy an
    earlier one), ``share`` (``copies / articles``, in [0, 1]), ``copied``
    (copies made of its articles, by any outlet), ``sources`` (labels of the
    outlets it copies, most copied first), ``id`` (IRI). Most copies first,
    then by share, then label. A build without stories has no copies: every
    ``share`` is 0.

    >>> import graph
    >>> syndication(graph.build(["seeds"], stories=True))["share"].max()
    np.float64(0.0)
    """
    g = kg.graph
    articles: Counter[str] = Counter()
    for a in _articles(g):
        outlet = _outlet(g, a)
        if outlet is not None:
            articles[outlet] += 1
    copies: Counter[str] = Counter()
    copied: Counter[str] = Counter()
    sources: defaultdict[str, Counter[str]] = defaultdict(Counter)
    for _, copy, original, _, _ in (row for row in _inferences(g) if row[0] == "copy_of"):
        by, of = _outlet(g, copy), _outlet(g, original)
        if by is not None:
            copies[by] += 1
            if of is not None:
                sources[by][of] += 1
        if of is not None:
            copied[of] += 1
    outlets = sorted(articles)
    labels = _labels(g, itertools.chain(outlets, *(s.keys() for s in sources.values())))
    rows: list[dict[str, Any]] = [
        {
            "outlet": labels[o],
            "articles": articles[o],
            "copies": copies[o],
            "share": copies[o] / articles[o],
            "copied": copied[o],
            "sources": [labels[s] for s, _ in sorted(sources[o].items(), key=lambda x: (-x[1], labels[x[0]]))],
            "id": o,
        }
        for o in outlets
    ]
    rows.sort(key=lambda r: (-r["copies"], -r["share"], r["outlet"]))
    columns = ["outlet", "articles", "copies", "share", "copied", "sources", "id"]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    frame = frame.astype({"articles": "int64", "copies": "int64", "share": float, "copied": "int64"})
    return frame.set_index("outlet")
