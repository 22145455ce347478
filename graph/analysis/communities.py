"""Communities: Louvain communities of a projection, seeded so every run gives the same answer.

>>> import networkx as nx
>>> [sorted(c) for c in communities(nx.Graph([(1, 2), (3, 4)]))]
[[1, 2], [3, 4]]
"""

from __future__ import annotations

from collections.abc import Hashable

import networkx as nx

__all__ = ["communities"]


def communities(
    graph: nx.Graph, *, weight: str | None = "weight", resolution: float = 1.0, seed: int = 0
) -> list[frozenset[Hashable]]:
    """Louvain communities of ``graph`` (any projection), largest first.

    Seeded, so the same graph gives the same communities on every run; ties
    in size are ordered by their smallest member. Isolated nodes are
    communities of one. Use it on :func:`outlet_projection` (outlets that
    cover the same stories) or :func:`article_projection`.

    >>> two_triangles = nx.Graph([(1, 2), (2, 3), (1, 3), (4, 5), (5, 6), (4, 6), (3, 4)])
    >>> [sorted(c) for c in communities(two_triangles)]
    [[1, 2, 3], [4, 5, 6]]
    """
    if graph.number_of_nodes() == 0:
        return []
    found = nx.community.louvain_communities(graph, weight=weight, resolution=resolution, seed=seed)
    return sorted((frozenset(c) for c in found), key=lambda c: (-len(c), min(map(str, c))))
