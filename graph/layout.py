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

import importlib.machinery
import importlib.util
import math
import random
import sys
from collections.abc import Hashable, Mapping
from functools import cache
from types import ModuleType
from typing import Any

import networkx as nx

__all__ = ["layout"]

Position = tuple[float, float]


@cache
def _igraph_core() -> Any:
    """igraph's compiled core (``igraph._igraph``), loaded without the ``igraph`` package.

    ``import igraph`` takes about a second, most of it loading matplotlib for
    igraph's drawing code; the core, which holds the layout, loads in a few
    milliseconds. Falls back to the normal import when the core cannot be
    loaded on its own. The module is registered under its own name, so a
    later ``import igraph`` reuses it.

    >>> hasattr(_igraph_core(), "GraphBase")
    True
    """
    name = "igraph._igraph"
    if name in sys.modules:
        return sys.modules[name]
    try:
        package = importlib.util.find_spec("igraph")
        places = list(package.submodule_search_locations or []) if package else []
        found = importlib.machinery.PathFinder.find_spec("_igraph", places)
        if found is None or found.origin is None:
            raise ImportError("igraph's core is not next to its package")
        spec = importlib.util.spec_from_file_location(name, found.origin)
        if spec is None or spec.loader is None:
            raise ImportError("igraph's core cannot be loaded")
        module: ModuleType = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        if not hasattr(module, "GraphBase"):
            raise ImportError("igraph's core has no GraphBase")
    except Exception:  # any surprise: the normal (slower) import
        import igraph

        return igraph._igraph
    sys.modules[name] = module
    return module


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
    core = _igraph_core()
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
    rng = random.Random(seed)
    side = math.sqrt(n)
    start = [[rng.random() * side, rng.random() * side] for _ in range(n)]
    ig = core.GraphBase(n, list(pairs), False)
    # igraph draws its random numbers from Python's ``random`` module unless told otherwise: a
    # generator of our own, seeded, makes the same graph give the same picture in every run.
    core.set_random_number_generator(random.Random(seed))
    try:
        coords = ig.layout_fruchterman_reingold(
            weights=list(pairs.values()) or None, niter=iterations, seed=start, grid=n > 1000
        )
    finally:
        core.set_random_number_generator(random)
    return _scaled(nodes, coords, spacing)


def _scaled(nodes: list[Hashable], coords: list[list[float]], spacing: float) -> dict[Hashable, Position]:
    """Centre ``coords`` and scale them so the picture's area is ``len(nodes) * spacing**2``."""
    n = len(nodes)
    mx = sum(c[0] for c in coords) / n
    my = sum(c[1] for c in coords) / n
    xs = [c[0] - mx for c in coords]
    ys = [c[1] - my for c in coords]
    w, h = max(xs) - min(xs), max(ys) - min(ys)
    big = max(w, h) or 1.0
    extent = max(w, 0.1 * big) * max(h, 0.1 * big)  # a line of nodes is not blown up to infinity
    k = spacing * math.sqrt(n / extent)
    return {node: (round(x * k, 1), round(y * k, 1)) for node, x, y in zip(nodes, xs, ys, strict=True)}
