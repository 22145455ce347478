"""``store/``: the embedded Oxigraph SPARQL store of a build (see :mod:`graph.sparql.store`).

It needs ``graph.nt``: the store is bulk-loaded from the file the RDF family
just wrote. A rebuild patches a checkpoint of the previous store with the
difference of the changed subjects' N-Triples, in a thread that runs beside
the other writers (Oxigraph releases the GIL).
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

from ..blocks import FileIndex, read_block
from ..model import KnowledgeGraph
from .base import Finish, Job, Output, Previous
from .rdf_files import RDF

__all__ = ["Store"]


class Store(Output):
    name = "store"
    needs = ("graph.nt",)

    def write(self, job: Job) -> FileIndex | None:
        from ..sparql.store import load_kg_store, load_store  # on first use: import graph stays quick

        nt = job.folder / "graph.nt"
        if nt.is_file():
            load_store(job.folder / self.name, nt, "nt")
        else:  # written alone (write_outputs(names=["store"])): from the graph
            load_kg_store(job.folder / self.name, job.kg)
        return None

    def begin(self, job: Job) -> Finish:
        patcher = _StorePatch.begin(job.kg, job.folder, job.previous) if job.previous is not None else None
        if patcher is None:
            return super().begin(job)

        def finish() -> FileIndex | None:
            started = time.perf_counter()
            if patcher.finish():
                job.patched.append(self.name)
            else:
                self.write(job)
            job.timings[f"write {self.name}"] = patcher.seconds + time.perf_counter() - started
            return None

        return finish


class _StorePatch(threading.Thread):
    """The store of a rebuild: the previous one less the old triples of the changed subjects, plus the new."""

    def __init__(self, old: Path, new: Path, removed: bytes, added: bytes) -> None:
        super().__init__(name="newsgraph-store-patch", daemon=True)
        self.old, self.new, self.removed, self.added = old, new, removed, added
        self.ok = False
        self.seconds = 0.0

    @classmethod
    def begin(cls, kg: KnowledgeGraph, staging: Path, previous: Previous) -> _StorePatch | None:
        """Start patching the previous store into ``staging``, or None when it cannot be patched."""
        old_index = previous.indexes.get("graph.nt")
        old_nt = previous.out / "graph.nt"
        if old_index is None or not (previous.out / "store").is_dir() or not old_index.matches(old_nt):
            return None
        removed: set[bytes] = set()
        section = old_index.sections[0]
        offsets = section.offsets()
        fd = os.open(old_nt, os.O_RDONLY)
        try:
            for key in RDF.changed_keys(kg, previous):
                removed.update(read_block(fd, section, offsets, key).splitlines(keepends=True))
        finally:
            os.close(fd)
        added = {
            line
            for blocks in RDF.blocks_of_changes(kg, previous).values()
            for line in blocks["graph.nt"].encode("utf-8").splitlines(keepends=True)
        }
        patcher = cls(previous.out / "store", staging / "store", b"".join(removed - added), b"".join(added - removed))
        patcher.start()
        return patcher

    def run(self) -> None:
        from ..sparql.store import patch_store

        started = time.perf_counter()
        try:
            patch_store(self.old, self.new, self.removed, self.added)
            self.ok = True
        except (OSError, ValueError, SyntaxError):
            shutil.rmtree(self.new, ignore_errors=True)  # the store is then written whole
        self.seconds = time.perf_counter() - started

    def finish(self) -> bool:
        """Wait for the patch; True when the store is written."""
        self.join()
        return self.ok
