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
import random
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Final

import networkx as nx

from ..igraph_core import core as igraph_core

__all__ = ["layout", "story_layout"]

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
        Any networkx graph; directions and parallel edges are ignored, and so
        is the order of its edges (the order of its nodes matters: it numbers
        them for the start positions).
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
    core = igraph_core()
    nodes = list(g.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    if n == 1:
        return {nodes[0]: (0.0, 0.0)}
    index = {node: i for i, node in enumerate(nodes)}
    pairs: dict[tuple[int, int], float] = {}
    for u, v in g.edges():
        a, b = sorted((index[u], index[v]))
        if a == b:
            continue
        pairs[(a, b)] = max(pairs.get((a, b), 0.0), _weight(weights, nodes[a], nodes[b]))
    # Edges by node index, not in the order they were added: igraph sums forces edge by edge, and
    # a float sum depends on its order.
    edges = sorted(pairs)
    rng = random.Random(seed)
    side = math.sqrt(n)
    start = [[rng.random() * side, rng.random() * side] for _ in range(n)]
    ig = core.GraphBase(n, edges, False)
    # igraph draws its random numbers from Python's ``random`` module unless told otherwise: a
    # generator of our own, seeded, makes the same graph give the same picture in every run.
    core.set_random_number_generator(random.Random(seed))
    try:
        coords = ig.layout_fruchterman_reingold(
            weights=[pairs[e] for e in edges] or None, niter=iterations, seed=start, grid=n > 1000
        )
    finally:
        core.set_random_number_generator(random)
    return _scaled(nodes, coords, spacing)


def _weight(weights: Mapping[tuple[Hashable, Hashable], float] | None, first: Hashable, second: Hashable) -> float:
    """The weight of the edge between ``first`` and ``second`` (the one that comes first in the graph's
    node order), looked up either way round, that way first; 1 when it has none.

    >>> _weight({("b", "a"): 2.0}, "a", "b"), _weight({("a", "b"): 3.0, ("b", "a"): 2.0}, "a", "b"), _weight(None, 1, 2)
    (2.0, 3.0, 1.0)
    """
    if weights is None:
        return 1.0
    return weights.get((first, second), weights.get((second, first), 1.0))


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


_GOLDEN_ANGLE: Final = math.pi * (3.0 - math.sqrt(5.0))


def _spiral(count: int, gap: float) -> list[Position]:
    """``count`` offsets on a sunflower spiral: the first at the centre, any two at least ``gap`` apart.

    >>> pts = _spiral(40, 80.0)
    >>> pts[0], round(min(math.dist(a, b) for i, a in enumerate(pts) for b in pts[i + 1 :]))
    ((0.0, 0.0), 80)
    """
    return [
        (gap * math.sqrt(k) * math.cos(k * _GOLDEN_ANGLE), gap * math.sqrt(k) * math.sin(k * _GOLDEN_ANGLE))
        for k in range(count)
    ]


@dataclass(slots=True)
class _Block:
    """Nodes placed together: their offsets from the block's centre, and the block's radius."""

    members: list[Hashable]
    offsets: list[Position]
    radius: float


def _block(members: list[Hashable], gap: float, margin: float) -> _Block:
    offsets = _spiral(len(members), gap)
    return _Block(members, offsets, max(math.hypot(x, y) for x, y in offsets) + margin)


def _stories(
    nodes: list[Hashable], related: Iterable[tuple[Hashable, Hashable]]
) -> tuple[list[list[Hashable]], dict[Hashable, int]]:
    """The stories (connected by related links, two nodes or more), each with its most linked node
    first and the rest by hops from it, then by links; and node → related links."""
    order = {node: i for i, node in enumerate(nodes)}
    adjacent: dict[Hashable, set[Hashable]] = {}
    for u, v in related:
        if u != v and u in order and v in order:
            adjacent.setdefault(u, set()).add(v)
            adjacent.setdefault(v, set()).add(u)
    degree = {node: len(others) for node, others in adjacent.items()}
    stories: list[list[Hashable]] = []
    seen: set[Hashable] = set()
    for node in sorted(adjacent, key=order.__getitem__):
        if node in seen:
            continue
        component = [node]
        seen.add(node)
        for member in component:  # grows while it is walked
            for other in sorted(adjacent[member], key=order.__getitem__):
                if other not in seen:
                    seen.add(other)
                    component.append(other)
        centre = min(component, key=lambda m: (-degree[m], order[m]))
        hops = {centre: 0}
        queue = [centre]
        for member in queue:
            for other in sorted(adjacent[member], key=order.__getitem__):
                if other not in hops:
                    hops[other] = hops[member] + 1
                    queue.append(other)
        stories.append(sorted(component, key=lambda m: (hops[m], -degree[m], order[m])))
    return stories, degree


def story_layout(
    g: nx.Graph,
    weights: Mapping[tuple[Hashable, Hashable], float] | None = None,
    *,
    related: Iterable[tuple[Hashable, Hashable]] = (),
    anchors: Mapping[Hashable, Hashable] | None = None,
    gap: float = 80.0,
    lone_gap: float = 40.0,
    seed: int = 7,
    iterations: int = 300,
) -> dict[Hashable, Position]:
    """Positions (screen pixels) with each story laid out as its own compact block.

    A story (nodes joined by ``related`` links) becomes a sunflower of
    nodes ``gap`` pixels apart at least, its most linked node in the middle
    and the rest outward by hops. A node with no related link that has an
    anchor (``anchors``: article → its outlet) joins a small block around the
    anchor (``lone_gap`` apart). The blocks and the other nodes are then laid
    out together by :func:`layout` (edges between blocks add up) and pushed
    apart until no two overlap. So a large story is readable and a dense
    centre cannot form, and the force layout handles a few blocks instead of
    thousands of nodes. As with :func:`layout`, the order of ``g``'s nodes
    matters and the order of its edges does not.

    >>> import networkx as nx
    >>> g = nx.Graph([("a1", "a2"), ("a2", "a3"), ("a1", "o1"), ("a2", "o2"), ("a3", "o1"), ("b", "o1")])
    >>> pos = story_layout(g, related=[("a1", "a2"), ("a2", "a3")], anchors={"b": "o1"})
    >>> sorted(pos) == sorted(g) and min(math.dist(pos[u], pos[v]) for u, v in [("a1", "a2"), ("a1", "a3")]) >= 79
    True
    """
    nodes = list(g.nodes)
    if not nodes:
        return {}
    stories, _ = _stories(nodes, related)
    blocks = _blocks(g, nodes, stories, anchors or {}, gap, lone_gap)
    summed = _block_links(g, nodes, blocks, weights)
    items = nx.Graph()
    items.add_nodes_from(range(len(blocks)))
    items.add_edges_from(summed)
    centres = layout(items, summed, spacing=1.0, seed=seed, iterations=iterations)
    # Scale the picture so the blocks would fill about half its area, then remove what overlaps.
    area = sum(math.pi * b.radius**2 for b in blocks)
    k = math.sqrt(2.0 * area / max(1.0, len(blocks)))
    xy = [[centres[i][0] * k, centres[i][1] * k] for i in range(len(blocks))]
    _separate(xy, [b.radius for b in blocks])
    pos: dict[Hashable, Position] = {}
    for (cx, cy), block in zip(xy, blocks, strict=True):
        for member, (dx, dy) in zip(block.members, block.offsets, strict=True):
            pos[member] = (round(cx + dx, 1), round(cy + dy, 1))
    return pos


def _blocks(
    g: nx.Graph,
    nodes: list[Hashable],
    stories: list[list[Hashable]],
    anchors: Mapping[Hashable, Hashable],
    gap: float,
    lone_gap: float,
) -> list[_Block]:
    """The blocks of :func:`story_layout`: the stories first, then each other node in ``nodes``' order
    with the lone nodes anchored to it (a node that is anchored itself is in its anchor's block)."""
    in_story = {m for story in stories for m in story}
    lone: dict[Hashable, list[Hashable]] = {}
    for node in nodes:
        anchor = anchors.get(node)
        if node not in in_story and anchor is not None and anchor in g and anchor not in in_story and anchor != node:
            lone.setdefault(anchor, []).append(node)
    lone_nodes = {m for members in lone.values() for m in members}
    blocks: list[_Block] = [_block(story, gap, gap / 2) for story in stories]
    for node in nodes:
        if node in in_story or node in lone_nodes:
            continue
        blocks.append(_block([node, *lone.get(node, [])], lone_gap, gap / 2))
    return blocks


def _block_links(
    g: nx.Graph,
    nodes: list[Hashable],
    blocks: list[_Block],
    weights: Mapping[tuple[Hashable, Hashable], float] | None,
) -> dict[tuple[Hashable, Hashable], float]:
    """(block, block) → the summed weights of the edges of ``g`` between them, by block number."""
    block_of = {m: i for i, block in enumerate(blocks) for m in block.members}
    order = {node: i for i, node in enumerate(nodes)}
    parts: dict[tuple[int, int], list[float]] = {}
    for u, v in g.edges():
        a, b = block_of[u], block_of[v]
        if a == b:
            continue
        first, second = (u, v) if order[u] <= order[v] else (v, u)
        parts.setdefault((min(a, b), max(a, b)), []).append(_weight(weights, first, second))
    # fsum is exactly rounded: the sums, and so the picture, do not depend on the order of the edges.
    return {key: math.fsum(ws) for key, ws in sorted(parts.items())}


def _separate(xy: list[list[float]], radii: list[float]) -> None:
    """Move circles (centres ``xy``, changed in place) so none overlap, keeping the picture's shape.

    The biggest are placed first, where they are; each next one moves out from
    the picture's centre, along the line through its place, to the first spot
    where it overlaps nothing placed. Placed circles are kept on a grid (a
    circle is in every cell its box touches), so each try looks at a few.

    >>> xy = [[0.0, 0.0], [1.0, 0.0], [0.0, 1.0]]
    >>> _separate(xy, [10.0, 10.0, 30.0])
    >>> min(math.dist(xy[0], xy[1]) - 20, math.dist(xy[0], xy[2]) - 40, math.dist(xy[1], xy[2]) - 40) >= 0
    True
    """
    n = len(xy)
    if n < 2:
        return
    cell = 2.0 * sorted(radii)[n // 2] + 1.0
    grid: dict[tuple[int, int], list[int]] = {}

    def cells(x: float, y: float, r: float) -> Iterable[tuple[int, int]]:
        for gx in range(math.floor((x - r) / cell), math.floor((x + r) / cell) + 1):
            for gy in range(math.floor((y - r) / cell), math.floor((y + r) / cell) + 1):
                yield gx, gy

    def free(x: float, y: float, r: float) -> bool:
        for key in cells(x, y, r):
            for j in grid.get(key, ()):
                want = r + radii[j]
                dx, dy = xy[j][0] - x, xy[j][1] - y
                if dx * dx + dy * dy < want * want:
                    return False
        return True

    for i in sorted(range(n), key=lambda i: (-radii[i], i)):
        x0, y0 = xy[i]
        r = radii[i]
        d = math.hypot(x0, y0)
        if d > 1e-9:
            ux, uy = x0 / d, y0 / d
        else:  # at the very centre: a fixed direction of its own
            ux, uy = math.cos(i * _GOLDEN_ANGLE), math.sin(i * _GOLDEN_ANGLE)
        t = 0.0
        while not free(x0 + ux * t, y0 + uy * t, r):
            t += max(4.0, 0.3 * r, 0.05 * t)  # longer steps further out: a crowded centre stays quick
        xy[i][0], xy[i][1] = x0 + ux * t, y0 + uy * t
        for key in cells(xy[i][0], xy[i][1], r):
            grid.setdefault(key, []).append(i)
