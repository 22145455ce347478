"""Timelines: articles per day or week, overall or by topic, tag, outlet or domain.

>>> import graph
>>> timeline(graph.build(["seeds"], stories=False), freq="W")["articles"].sum()
np.int64(5)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Literal

import networkx as nx
import pandas as pd

from ..model import KnowledgeGraph
from ._common import _RELATION_OF, By, _articles, _labels, _outlet, _published, _targets

__all__ = ["timeline"]


def _groups(g: nx.MultiDiGraph, article: str, by: By | None) -> list[str]:
    """The columns ``article`` counts in: ``articles``, or its topics, tags, outlet or domain."""
    if by is None:
        return ["articles"]
    if by == "domain":
        outlet = _outlet(g, article)
        domain = g.nodes[outlet].get("domain") if outlet else None
        return [str(domain)] if domain else []
    if by in ("topic", "tag", "outlet"):
        return _targets(g, article, _RELATION_OF[by])
    raise ValueError(f"unknown by={by!r}; use 'topic', 'tag', 'outlet', 'domain' or None")


def timeline(
    kg: KnowledgeGraph,
    by: By | None = None,
    freq: Literal["D", "W"] = "D",
    *,
    top_n: int | None = 8,
) -> pd.DataFrame:
    """Articles per day (``freq="D"``) or week (``"W"``, weeks starting Monday), in UTC.

    With ``by=None`` one column ``articles``; with ``by`` one column per
    topic, tag, outlet or domain (an article with two topics counts once in
    each), the ``top_n`` largest kept (all when ``None``), ordered by total.
    The index holds every period from the first to the last (empty ones are
    0), named ``date``. Undated articles are left out; when no article is
    dated the frame is empty (with the ``articles`` column when ``by=None``).

    >>> import graph
    >>> t = timeline(graph.build(["seeds"], stories=False), freq="W")
    >>> t["articles"].tolist()
    [2, 0, 0, 3]
    """
    g = kg.graph
    records: list[tuple[datetime, str]] = []
    for a in _articles(g):
        when = _published(g, a)
        if when is not None:
            records.extend((when, group) for group in _groups(g, a, by))
    if freq not in ("D", "W"):
        raise ValueError(f"unknown freq={freq!r}; use 'D' (days) or 'W' (weeks)")
    if not records:
        empty = pd.DataFrame(
            {"articles": pd.Series(dtype="int64")} if by is None else {},
            index=pd.DatetimeIndex([], tz="UTC", name="date"),
        )
        empty.columns.name = by
        return empty
    frame = pd.DataFrame.from_records(records, columns=["when", "group"])
    days = pd.to_datetime(frame["when"], utc=True).dt.floor("D")
    if freq == "W":
        days = days - pd.to_timedelta(days.dt.day_of_week.astype(int), unit="D")
    frame["date"] = days
    table = frame.pivot_table(index="date", columns="group", values="when", aggfunc="count", fill_value=0)
    periods = pd.date_range(table.index.min(), table.index.max(), freq="D" if freq == "D" else "7D", name="date")
    table = table.reindex(periods, fill_value=0).astype(int)
    totals = {str(c): int(n) for c, n in table.sum().items()}
    order = sorted(totals, key=lambda c: (-totals[c], c))
    table = table[order[:top_n] if top_n is not None else order]
    if by in ("topic", "tag", "outlet"):
        labels: Mapping[str, str] = _labels(g, table.columns)
        table = table.rename(columns=labels)
    table.columns.name = by
    return table
