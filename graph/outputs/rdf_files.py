"""``graph.nt``, ``graph.ttl`` and ``graph.jsonld``: the RDF files, written in one pass over the subjects.

The triples of each subject are made once (:func:`graph.rdf.subjects`) and
their IRIs checked; each file renders them as its block. A rebuild makes the
blocks of the changed subjects once for every file and for the store's patch
(:meth:`RdfFamily.blocks_of_changes`).
"""

from __future__ import annotations

import time
from collections.abc import Collection, Iterable, Iterator
from typing import ClassVar

from ..blocks import BlockWriter, FileIndex
from ..model import KnowledgeGraph
from ..rdf import JSONLD_HEAD, JSONLD_TAIL, TURTLE_HEADER, IriChecker, Triple, TurtleBlocks, jsonld_block, nt_block
from ..rdf import subjects as rdf_subjects
from ..rdf.summary import is_summary, summary_triples
from .base import BlockOutput, Family, Job, Previous, rdf_error

__all__ = ["RDF", "JsonLd", "NTriples", "RdfFamily", "RdfOutput", "Turtle"]


class RdfOutput(BlockOutput):
    """An RDF file: one section, a block per subject."""

    def block(self, triples: list[Triple], turtle: TurtleBlocks) -> str:
        """The block of one subject's triples (``turtle`` keeps Turtle's state across subjects)."""
        raise NotImplementedError


class NTriples(RdfOutput):
    name = "graph.nt"

    def frame(self, kg: KnowledgeGraph) -> list[str]:
        return ["", ""]

    def block(self, triples: list[Triple], turtle: TurtleBlocks) -> str:
        return nt_block(triples)


class Turtle(RdfOutput):
    name = "graph.ttl"

    def frame(self, kg: KnowledgeGraph) -> list[str]:
        return [TURTLE_HEADER, ""]

    def block(self, triples: list[Triple], turtle: TurtleBlocks) -> str:
        return turtle(triples)


class JsonLd(RdfOutput):
    name = "graph.jsonld"
    seps = (",\n",)

    def frame(self, kg: KnowledgeGraph) -> list[str]:
        return [JSONLD_HEAD, JSONLD_TAIL]

    def block(self, triples: list[Triple], turtle: TurtleBlocks) -> str:
        return jsonld_block(triples)


class RdfFamily(Family):
    """One pass over the subjects of the graph for every RDF file."""

    members: ClassVar[tuple[RdfOutput, ...]] = ()

    def _blocks(
        self,
        kg: KnowledgeGraph,
        outputs: Collection[RdfOutput],
        keys: Iterable[str] | None,
        summary: dict[str, list[Triple]] | None = None,
    ) -> Iterator[tuple[str, dict[str, str]]]:
        """``(subject, {output: block})`` for ``keys`` (default: all subjects), IRIs checked."""
        check = IriChecker()
        turtle = TurtleBlocks()
        for key, triples in rdf_subjects(kg.graph, keys, summary=True if summary is None else summary):
            check(triples)
            yield key, {o.name: o.block(triples, turtle) for o in outputs}

    def changed_keys(self, kg: KnowledgeGraph, previous: Previous) -> list[str]:
        """The subjects whose blocks may differ from ``previous``'s, sorted (made once).

        The nodes of ``previous.keys``, and every subject of the derived counts
        (:mod:`graph.rdf.summary`), old and new: they are made again whole,
        since any changed article may change them, and cost little.
        """
        if previous.rdf_keys is None:
            previous.summary = summary_triples(kg.graph)
            old = previous.indexes.get("graph.nt")
            counted = {k for k in old.sections[0].keys if is_summary(k)} if old is not None and old.sections else set()
            previous.rdf_keys = sorted(previous.keys | counted | previous.summary.keys())
        return previous.rdf_keys

    def blocks_of_changes(self, kg: KnowledgeGraph, previous: Previous) -> dict[str, dict[str, str]]:
        """Every RDF file's blocks of the subjects that may have changed since ``previous`` (made once)."""
        if previous.blocks is None:
            try:
                keys = self.changed_keys(kg, previous)
                previous.blocks = dict(self._blocks(kg, self.members, keys, previous.summary))
            except ValueError as exc:
                raise rdf_error(exc) from exc
        return previous.blocks

    def changed_blocks(self, job: Job, member: BlockOutput) -> list[dict[str, str]]:
        assert job.previous is not None
        return [{key: blocks[member.name] for key, blocks in self.blocks_of_changes(job.kg, job.previous).items()}]

    def write(self, job: Job, members: list[BlockOutput]) -> dict[str, FileIndex]:
        started = time.perf_counter()
        outputs = [m for m in members if isinstance(m, RdfOutput)]
        frames = {o.name: o.frame(job.kg) for o in outputs}
        writers = {o.name: BlockWriter(job.folder / o.name) for o in outputs}
        try:
            for o in outputs:
                writers[o.name].text(frames[o.name][0])
                writers[o.name].open_section(o.seps[0])
            try:
                for key, blocks in self._blocks(job.kg, outputs, None):
                    for name, text in blocks.items():
                        writers[name].block(key, text)
            except ValueError as exc:
                raise rdf_error(exc) from exc
            for o in outputs:
                writers[o.name].text(frames[o.name][1])
        finally:
            for w in writers.values():
                w.__exit__(None, None, None)
        elapsed = time.perf_counter() - started
        for o in outputs:
            job.timings[f"write {o.name}"] = elapsed / len(outputs)
        return {name: w.index for name, w in writers.items()}


#: The RDF family (one per process: it holds no state between writes).
RDF = RdfFamily()
for _output in (NTriples, Turtle, JsonLd):
    _output.family = RDF
RdfFamily.members = (NTriples(), Turtle(), JsonLd())
