"""Wall time, CPU time and peak memory of each stage of a build, the stages run one after another.

Usage: python benchmarks/stages.py CORPUS OUT [--stream]

``newsgraph build`` overlaps its stages (the page and the whole-graph
exports are written by a second process while the RDF and the store are
written), so its own report can give each stage's wall time but not its
CPU time or memory. Here the same public functions run in one process, one
stage at a time, with one writer (``jobs=1``) so that each stage's work is
its own:

- ``read``: finding the files and parsing them (the worker processes' CPU
  and memory included: they end with the stage);
- ``merge (networkx)``: merging the records into the networkx graph;
- ``rdf``: ``graph.nt``, ``graph.ttl`` and ``graph.jsonld``;
- ``store``: the Oxigraph store;
- ``networkx exports``: ``graph.json`` and ``graph.graphml``;
- ``html``: the explorer page.

With ``--stream`` the streaming build's passes are measured instead: read;
the per-partition RDF and the sorted ``graph.nt`` (one stage: the RDF
workers end after the pass's last progress call, so only the store's first
call tells where it ends); the store. They are told apart by the build's
progress calls, and the store's first chunk is counted in the stage before.

For each stage: wall seconds, CPU seconds (user + system, of this process
and of the worker processes that ended in it) and the peak resident memory
in MB reached during it (this process's high-water mark, reset at the
start of each stage through ``/proc/self/clear_refs``, or the workers', if
larger). Prints a JSON list of ``{"stage", "wall", "cpu", "peak_mb"}``.
"""

from __future__ import annotations

import gc
import json
import re
import resource
import sys
import time
from pathlib import Path
from typing import Any

import graph
from graph.pipeline import assemble, find_source_names, read_files

_HWM = re.compile(rb"VmHWM:\s+(\d+) kB")


def _reset_peak() -> bool:
    """Reset this process's memory high-water mark (Linux); False where it cannot be."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
    except OSError:
        return False
    return True


def _peak_mb() -> float:
    """This process's memory high-water mark in MB (since the last reset, on Linux)."""
    try:
        with open("/proc/self/status", "rb") as fh:
            found = _HWM.search(fh.read())
        if found:
            return int(found.group(1)) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class Meter:
    """Measures stages one after another: :meth:`start` one, :meth:`stop` it.

    >>> m = Meter()
    >>> m.start("sleep")
    >>> time.sleep(0.01)
    >>> row = m.stop()
    >>> row["stage"], row["wall"] >= 0.01, row["peak_mb"] > 0
    ('sleep', True, True)
    """

    def __init__(self) -> None:
        self.rows: list[dict[str, Any]] = []
        self._name: str | None = None

    def start(self, name: str) -> None:
        """Begin measuring stage ``name``."""
        self._name = name
        _reset_peak()
        self._children = resource.getrusage(resource.RUSAGE_CHILDREN)
        self._self = resource.getrusage(resource.RUSAGE_SELF)
        self._wall = time.perf_counter()

    def stop(self) -> dict[str, Any]:
        """End the current stage; return (and keep) its row."""
        wall = time.perf_counter() - self._wall
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (me.ru_utime - self._self.ru_utime + me.ru_stime - self._self.ru_stime) + (
            kids.ru_utime - self._children.ru_utime + kids.ru_stime - self._children.ru_stime
        )
        peak = _peak_mb()
        if kids.ru_maxrss > self._children.ru_maxrss:  # a worker that ended in this stage peaked higher
            peak = max(peak, kids.ru_maxrss / 1024)
        row = {"stage": self._name, "wall": wall, "cpu": cpu, "peak_mb": peak}
        self.rows.append(row)
        self._name = None
        return row

    @property
    def running(self) -> str | None:
        """The stage being measured, if any."""
        return self._name


_WRITES = (
    ("rdf", ["graph.nt", "graph.ttl", "graph.jsonld"]),
    ("store", ["store"]),
    ("networkx exports", ["graph.json", "graph.graphml"]),
    ("html", ["graph.html"]),
)


def in_memory(corpus: Path, out: Path) -> list[dict[str, Any]]:
    """The normal build's stages, one after another."""
    meter = Meter()
    meter.start("read")
    files, problems = find_source_names([corpus])
    results = read_files(files)
    meter.stop()
    meter.start("merge (networkx)")
    kg = assemble(results, problems)
    del results
    meter.stop()
    for stage, names in _WRITES:
        meter.start(stage)
        graph.write_outputs(kg, out, names, jobs=1)
        meter.stop()
    return meter.rows


def streaming(corpus: Path, out: Path) -> list[dict[str, Any]]:
    """The streaming build's passes, told apart by its progress calls."""
    from graph.pipeline.stream import stream_build

    meter = Meter()

    def progress(stage: str, done: int, total: int) -> None:
        if stage == "read" and done == total:  # the read pass ends on its last call
            meter.stop()
            meter.start("rdf + graph.nt")
        elif stage == "store" and meter.running != "store":  # its first call comes after its first chunk
            meter.stop()
            meter.start("store")

    meter.start("read")
    stream_build([corpus], out, progress=progress)
    meter.stop()
    return meter.rows


def main(argv: list[str]) -> int:
    if len(argv) not in (2, 3) or (len(argv) == 3 and argv[2] != "--stream"):
        print(__doc__, file=sys.stderr)
        return 2
    corpus, out = Path(argv[0]), Path(argv[1])
    if len(argv) == 3:
        rows = streaming(corpus, out)  # with the cyclic GC on, as ``newsgraph build --stream`` runs
    else:
        gc.disable()  # as ``newsgraph build`` does
        rows = in_memory(corpus, out)
    print(json.dumps(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
