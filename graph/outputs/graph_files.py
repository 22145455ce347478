"""``graph.json`` (networkx node-link, lossless: :func:`graph.load` reads it back) and ``graph.graphml``
(for Gephi, yEd, Cytoscape: lists and mappings as JSON text), written node by node in id order.

Each is two sections, the nodes then the edges, with a block per node (its
attributes, then its out-edges), so a rebuild rewrites only the changed nodes.
"""

from __future__ import annotations

import json
import time
from typing import Final

import networkx as nx

from ..blocks import BlockWriter, FileIndex
from ..graphml import edge_element, node_element
from ..graphml import footer as graphml_footer
from ..graphml import header as graphml_header
from ..model import KnowledgeGraph, successors, to_jsonable
from .base import BlockOutput, Family, Job

__all__ = ["NODES", "GraphML", "NodeLink", "NodeOutput", "NodesFamily"]

_dumps: Final = json.JSONEncoder(ensure_ascii=False, default=to_jsonable, separators=(",", ":")).encode


def _out_edges(g: nx.MultiDiGraph, node: str) -> list[tuple[str, str, dict[str, object]]]:
    return sorted((v, key, data) for v, keyed in successors(g)[node].items() for key, data in keyed.items())


class NodeOutput(BlockOutput):
    """A graph export: section 0 holds a block per node, section 1 a block of each node's out-edges."""

    heavy = True

    def node_block(self, g: nx.MultiDiGraph, node: str, section: int) -> str:
        """The block of ``node`` in ``section`` ("" when the node is gone)."""
        raise NotImplementedError


class NodeLink(NodeOutput):
    name = "graph.json"
    seps = (",", ",")

    def frame(self, kg: KnowledgeGraph) -> list[str]:
        head = _dumps({"directed": True, "multigraph": True, "graph": kg.graph.graph})[:-1]
        return [head + ',"nodes":[', '],"edges":[', "]}"]

    def node_block(self, g: nx.MultiDiGraph, node: str, section: int) -> str:
        if node not in g:
            return ""
        if section == 0:
            return _dumps({**g.nodes[node], "id": node})
        return ",".join(
            _dumps({**data, "source": node, "target": v, "key": key}) for v, key, data in _out_edges(g, node)
        )


class GraphML(NodeOutput):
    name = "graph.graphml"
    seps = ("", "")

    def frame(self, kg: KnowledgeGraph) -> list[str]:
        return [graphml_header(kg.graph), "", graphml_footer()]

    def node_block(self, g: nx.MultiDiGraph, node: str, section: int) -> str:
        if node not in g:
            return ""
        if section == 0:
            return node_element(node, g.nodes[node])
        return "".join(edge_element(node, v, key, data) for v, key, data in _out_edges(g, node))


class NodesFamily(Family):
    """The graph exports; each is written in its own pass over the nodes (they share no work)."""

    def changed_blocks(self, job: Job, member: BlockOutput) -> list[dict[str, str]]:
        assert job.previous is not None and isinstance(member, NodeOutput)
        keys = sorted(job.previous.keys)
        g = job.kg.graph
        return [{key: member.node_block(g, key, s) for key in keys} for s in range(len(member.seps))]

    def write(self, job: Job, members: list[BlockOutput]) -> dict[str, FileIndex]:
        indexes: dict[str, FileIndex] = {}
        g = job.kg.graph
        nodes = sorted(g.nodes)
        for member in members:
            assert isinstance(member, NodeOutput)
            started = time.perf_counter()
            frame = member.frame(job.kg)
            with BlockWriter(job.folder / member.name) as w:
                for section, sep in enumerate(member.seps):
                    w.text(frame[section])
                    w.section(sep, ((n, member.node_block(g, n, section)) for n in nodes))
                w.text(frame[-1])
            indexes[member.name] = w.index
            job.timings[f"write {member.name}"] = time.perf_counter() - started
        return indexes


NODES = NodesFamily()
NodeLink.family = NODES
GraphML.family = NODES
