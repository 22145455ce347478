"""The writer contract: every output of a build is one :class:`Output` object in :data:`OUTPUTS`.

An output declares its ``name`` (the file or folder in OUT), what it
``needs`` (outputs it reads from the staging folder, written before it in the
same process), whether it is ``heavy`` (worth a second process when a build
writes everything), whether it goes ``last`` (it reports on the others), and
its ``family``: outputs written together in one pass over the graph (the RDF
files share one pass over the subjects, the graph exports one over the
nodes). It writes itself whole (:meth:`Output.write`) or patches the previous
build's file (:meth:`Output.patch`). :mod:`graph.outputs.write` runs them;
it knows no output by name.

>>> sorted(OUTPUTS)  # doctest: +NORMALIZE_WHITESPACE
['graph.graphml', 'graph.html', 'graph.json', 'graph.jsonld', 'graph.nt', 'graph.ttl',
 'report.json', 'store']
"""

from __future__ import annotations

import errno
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from ..blocks import BlockWriter, FileIndex, patch
from ..errors import OutputError, StaleIndex
from ..model import KnowledgeGraph

__all__ = ["OUTPUTS", "BlockOutput", "Family", "Job", "Output", "Previous", "Written", "register", "try_patch"]


@dataclass(slots=True)
class Previous:
    """The build already in ``out``, so that :func:`~graph.outputs.write_build` rewrites only what changed.

    ``keys`` holds every node and RDF subject whose block may differ from
    the previous build's (see :mod:`graph.pipeline.rebuild`); ``indexes`` the
    :class:`~graph.blocks.FileIndex` of each output it wrote; ``shapes``
    what the page took from the changed nodes (see :func:`graph.explorer.patch_page`).
    """

    out: Path
    keys: set[str]
    indexes: dict[str, FileIndex]
    #: subject → output → block, made once per write and shared by the outputs that need it
    blocks: dict[str, dict[str, str]] | None = None
    #: node → its :func:`graph.explorer.page_shape` in the previous build, for the nodes of ``keys``
    #: (None: the page is written whole)
    shapes: dict[str, tuple[Any, ...] | None] | None = None
    #: the RDF subjects whose blocks may differ: ``keys`` and the derived counts', old and new
    #: (see :meth:`graph.outputs.rdf_files.RdfFamily.changed_keys`), and the new counts' triples
    rdf_keys: list[str] | None = None
    summary: dict[str, list[tuple[str, str, str, str]]] | None = None


@dataclass(slots=True)
class Written:
    """What :func:`~graph.outputs.write_build` wrote: final paths, each block file's index, what was patched."""

    paths: dict[str, Path] = field(default_factory=dict)
    indexes: dict[str, FileIndex] = field(default_factory=dict)
    patched: list[str] = field(default_factory=list)


@dataclass(slots=True)
class Job:
    """What every output of one write sees: the graph, the staging folder, the previous build, options."""

    kg: KnowledgeGraph
    folder: Path
    previous: Previous | None = None
    #: The page's layout memo (see :func:`graph.explorer.render_html`).
    layout_cache: Path | None = None
    timings: dict[str, float] = field(default_factory=dict)
    patched: list[str] = field(default_factory=list)

    def old_index(self, name: str) -> FileIndex | None:
        """The previous build's index of ``name`` (None: no previous build, or it kept none)."""
        return self.previous.indexes.get(name) if self.previous is not None else None


#: What :meth:`Output.begin` returns: call it to wait for the output; it gives its index (None: not a block file).
Finish = Callable[[], FileIndex | None]


class Output(ABC):
    """One file (or folder) of a build folder; see the module docstring for the contract."""

    name: ClassVar[str]
    needs: ClassVar[tuple[str, ...]] = ()
    heavy: ClassVar[bool] = False
    last: ClassVar[bool] = False
    family: ClassVar[Family | None] = None

    @abstractmethod
    def write(self, job: Job) -> FileIndex | None:
        """Write the output whole into ``job.folder``; its index when it is a block file."""

    def patch(self, job: Job) -> FileIndex | None:
        """Write the output as the previous build's with what changed made again.

        Raises :class:`~graph.errors.StaleIndex` when it cannot (it is then
        written whole); the default always does.
        """
        raise StaleIndex(self.name)

    def patches_quickly(self, job: Job) -> bool:
        """Whether :meth:`patch` is quick for ``job``: a slow output goes to a second process when it can."""
        return job.old_index(self.name) is not None

    def begin(self, job: Job) -> Finish:
        """Start writing (patched when there is a previous build, else whole); the result is waited for.

        An output that works in the background (the store) returns before it is done.
        """
        started = time.perf_counter()
        index = _patch_or_write(self, job)
        job.timings[f"write {self.name}"] = time.perf_counter() - started
        return lambda: index


def try_patch(output: Output, job: Job) -> tuple[bool, FileIndex | None]:
    """Patch ``output`` when there is a previous build: ``(True, its index)``, or ``(False, None)`` when it
    must be written whole (no previous build, or :class:`~graph.errors.StaleIndex`)."""
    if job.previous is None:
        return False, None
    try:
        index = output.patch(job)
    except StaleIndex:
        return False, None
    job.patched.append(output.name)
    return True, index


def _patch_or_write(output: Output, job: Job) -> FileIndex | None:
    patched, index = try_patch(output, job)
    return index if patched else output.write(job)


class BlockOutput(Output):
    """A text output written as blocks (:mod:`graph.blocks`), one per key, in sections between frame texts."""

    #: The separator between the blocks of each section.
    seps: ClassVar[tuple[str, ...]] = ("",)

    @abstractmethod
    def frame(self, kg: KnowledgeGraph) -> list[str]:
        """The texts around the sections: one more than there are sections."""

    def write(self, job: Job) -> FileIndex | None:
        assert self.family is not None
        return self.family.write(job, [self])[self.name]

    def patch(self, job: Job) -> FileIndex | None:
        """The previous file with the blocks of ``job.previous.keys`` made again by the family."""
        assert self.family is not None and job.previous is not None
        old = job.old_index(self.name)
        if old is None:
            raise StaleIndex(self.name)
        changes = self.family.changed_blocks(job, self)
        with BlockWriter(job.folder / self.name) as w:
            patch(w, job.previous.out / self.name, old, self.frame(job.kg), changes)
        return w.index


class Family(ABC):
    """Outputs written in one pass over the graph: the pass makes each key's blocks for every member."""

    @abstractmethod
    def write(self, job: Job, members: list[BlockOutput]) -> dict[str, FileIndex]:
        """Write ``members`` whole, in one pass; their indexes by name."""

    @abstractmethod
    def changed_blocks(self, job: Job, member: BlockOutput) -> list[dict[str, str]]:
        """The blocks of ``job.previous.keys`` in each section of ``member``."""


#: Output name → its writer. A new output is a module with an :class:`Output` and one ``register`` line.
OUTPUTS: dict[str, Output] = {}


def register(output: Output) -> Output:
    """Add ``output`` to :data:`OUTPUTS` (in the order outputs are written)."""
    OUTPUTS[output.name] = output
    return output


def why(exc: OSError) -> str:
    """What went wrong with a write, and what to do about it."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{exc.strerror} (the disk is full); free some space or write elsewhere with -o"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{exc.strerror}; choose a folder you may write to with -o"
    return str(exc.strerror or exc)


def rdf_error(exc: ValueError) -> OutputError:
    """The error for RDF that cannot be written (an IRI a strict parser refuses)."""
    return OutputError(f"cannot write RDF: {exc}")
