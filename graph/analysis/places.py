"""Places: the countries and subdivisions articles are about, one row per place.

A build's ``place`` nodes (``code`` such as ``GB`` or ``US-CA``, ``place_type``
``country`` or ``subdivision``, ``lat``, ``lon``) come from the
articles' place tags, normalised, so the tags ``UK`` and ``GB`` are one place;
an article is ``content_location`` its places, a subdivision ``contained_in``
its country. A build without place nodes gives an empty table.

>>> import networkx as nx
>>> from graph.model import BuildReport, KnowledgeGraph
>>> g = nx.MultiDiGraph()
>>> g.add_node("gb", kind="place", label="United Kingdom", code="GB", place_type="country")
>>> g.add_node("sct", kind="place", label="Scotland", code="GB-SCT", place_type="subdivision")
>>> g.add_node("a", kind="article", title="Glasgow news")
>>> _ = g.add_edge("a", "sct", key="content_location", relation="content_location")
>>> _ = g.add_edge("sct", "gb", key="contained_in", relation="contained_in")
>>> places(KnowledgeGraph(g, BuildReport()))[["code", "country", "articles", "articles_within"]].values.tolist()
[['GB-SCT', 'GB', 1, 1], ['GB', 'GB', 0, 1]]
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any, Final

import pandas as pd

from ..model import KnowledgeGraph

__all__ = ["places"]

_COLUMNS: Final = ["place", "code", "type", "country", "lat", "lon", "articles", "articles_within", "id"]


def _coordinate(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else float("nan")


def places(kg: KnowledgeGraph) -> pd.DataFrame:
    """One row per place, most articles first (ties by name), indexed by its name (``place``, unique).

    Columns: ``code`` (``GB``, ``US-CA``), ``type`` (``country`` or
    ``subdivision``), ``country`` (its country's code: the node's
    ``country``, else the code of the place it is ``contained_in``, else its
    own code for a country), ``lat``, ``lon``
    (``NaN`` when unknown), ``articles`` (articles located there),
    ``articles_within`` (located there or in a place it contains: a country
    counts its subdivisions' articles, each article once), ``id`` (IRI). Two
    places of one name are told apart by code: ``Georgia (GE)``, ``Georgia (US-GA)``.

    >>> import graph
    >>> places(graph.build(["seeds"], stories=False)).columns.tolist()
    ['code', 'type', 'country', 'lat', 'lon', 'articles', 'articles_within', 'id']
    """
    g = kg.graph
    nodes = {n: d for n, d in g.nodes(data=True) if d.get("kind") == "place"}
    located: defaultdict[str, set[str]] = defaultdict(set)
    inside: defaultdict[str, set[str]] = defaultdict(set)
    inside_of: defaultdict[str, set[str]] = defaultdict(set)
    for u, v, rel in g.edges(data="relation"):
        if rel == "content_location" and v in nodes:
            located[v].add(u)
        elif rel == "contained_in" and u in nodes and v in nodes:
            inside[v].add(u)
            inside_of[u].add(v)
    names = {n: str(d.get("name") or d.get("label") or d.get("code") or n) for n, d in nodes.items()}
    counts = Counter(names.values())
    rows = []
    for n, data in nodes.items():
        within = set(located[n])
        stack, seen = list(inside[n]), {n}
        while stack:
            part = stack.pop()
            if part not in seen:
                seen.add(part)
                within |= located[part]
                stack.extend(inside[part])
        code = data.get("code")
        container = next((nodes[c].get("code") for c in sorted(inside_of[n])), None)
        country = data.get("country") or container or (code if data.get("place_type") == "country" else None)
        rows.append(
            {
                "place": names[n] if counts[names[n]] == 1 else f"{names[n]} ({code or n})",
                "code": code,
                "type": data.get("place_type"),
                "country": country,
                "lat": _coordinate(data.get("lat")),
                "lon": _coordinate(data.get("lon")),
                "articles": len(located[n]),
                "articles_within": len(within),
                "id": n,
            }
        )
    rows.sort(key=lambda r: (-r["articles"], -r["articles_within"], r["place"], r["id"]))
    frame = pd.DataFrame.from_records(rows, columns=_COLUMNS)
    frame = frame.astype({"lat": float, "lon": float, "articles": "int64", "articles_within": "int64"})
    return frame.set_index("place")
