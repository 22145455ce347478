"""Node positions for the HTML explorer, computed in Python so the page needs no physics.

The browser cannot lay out thousands of nodes (vis-network's physics took
36 s to settle 900 nodes and never settled 7,400), and
``networkx.spring_layout`` took 46 s for 7,400 nodes. igraph's
Fruchterman-Reingold with a grid (C code, repulsion only between nearby
nodes) lays out the shared corpus's 7,500 nodes and 20,000 edges in about
0.6 s on two cores, so positions are computed here once and the page draws
them with physics off.

>>> import networkx as nx
>>> pos = layout(nx.path_graph(["a", "b", "c"]))
>>> sorted(pos)
['a', 'b', 'c']
>>> all(isinstance(x, float) and isinstance(y, float) for x, y in pos.values())
True
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Mapping

import networkx as nx

__all__ = ["layout"]

Position = tuple[float, float]


def layout(
    g: nx.Graph,
    weights: Mapping[tuple[Hashable, Hashable], float] | None = None,
    spacing: float = 45.0,
    seed: int = 7,
    iterations: int = 300,
) -> dict[Hashable, Position]:
    """Positions (in screen pixels) for the nodes of ``g``, by weighted Fruchterman-Reingold.

    Parameters
    ----------
    g
        Any networkx graph; directions and parallel edges are ignored.
    weights
        ``(u, v) → attraction`` (default 1); heavier edges pull harder.
    spacing
        About how many pixels of room each node gets: the picture is scaled
        so its area is ``n * spacing**2``.
    seed
        Start positions come from this seed, so the same graph gives the same picture.
    iterations
        Fruchterman-Reingold iterations.

    >>> import networkx as nx
    >>> pos = layout(nx.Graph([(1, 2)]), spacing=10.0)
    >>> round(math.dist(pos[1], pos[2])) > 0
    True
    """
    import igraph  # imported here: only the HTML page needs it
    import numpy as np

    nodes = list(g.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    index = {node: i for i, node in enumerate(nodes)}
    pairs: dict[tuple[int, int], float] = {}
    for u, v in g.edges():
        if u == v:
            continue
        a, b = sorted((index[u], index[v]))
        w = 1.0
        if weights is not None:
            w = weights.get((u, v), weights.get((v, u), 1.0))
        pairs[(a, b)] = max(pairs.get((a, b), 0.0), w)
    ig = igraph.Graph(n=n, edges=list(pairs))
    rng = np.random.default_rng(seed)
    start = (rng.random((n, 2)) * math.sqrt(n)).tolist()
    coords = ig.layout_fruchterman_reingold(
        weights=list(pairs.values()) or None,
        niter=iterations,
        seed=start,
        grid=n > 1000,
    ).coords
    xy = np.asarray(coords, dtype=float)
    xy -= xy.mean(axis=0)
    extent = float(np.ptp(xy, axis=0).prod()) or 1.0
    xy *= spacing * math.sqrt(n / extent)
    return {node: (round(float(x), 1), round(float(y), 1)) for node, (x, y) in zip(nodes, xy, strict=True)}
