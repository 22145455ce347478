"""Measure the streaming build: wall time, peak memory, triples and store size.

Usage: python benchmarks/stream_bench.py SOURCE OUT [--partition-size N] [--jobs N] [--json FILE]

The build runs in a child process, so the peak resident memory measured
(``ru_maxrss`` of the children) is that of the build alone: the largest of
the build process and its reader processes. :func:`measure` is what the
benchmark harness calls; it returns the figures as a dict.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

_CHILD = """
import json, sys
from graph.pipeline.stream import stream_build
r = stream_build(sys.argv[1:-3], sys.argv[-3], partition_size=int(sys.argv[-2]), jobs=int(sys.argv[-1]) or None)
print(json.dumps({"files": r.report.to_dict()["files"], "partitions": r.partitions, "triples": r.triples,
                  "nodes": r.report.nodes, "edges": r.report.edges, "timings": r.report.to_dict()["timings"]}))
"""


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def measure(
    sources: list[str], out: str | os.PathLike[str], partition_size: int = 10_000, jobs: int | None = None
) -> dict[str, Any]:
    """Run a streaming build of ``sources`` into ``out`` in a child process; return its figures.

    Keys: ``seconds`` (wall time), ``peak_rss_mb`` (largest resident set of
    the build and its readers), ``triples``, ``graph_nt_mb``, ``store_mb``,
    ``partitions``, ``files``, ``nodes``, ``edges``, ``timings`` (per stage).
    """
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", _CHILD, *sources, os.fspath(out), str(partition_size), str(jobs or 0)],
        check=True,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    figures: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    figures["seconds"] = round(seconds, 1)
    figures["peak_rss_mb"] = round(peak_kb / 1024) if peak_kb > before else None
    figures["graph_nt_mb"] = round(_size(Path(out) / "graph.nt") / 2**20)
    figures["store_mb"] = round(_size(Path(out) / "store") / 2**20)
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("source", nargs="+")
    parser.add_argument("out")
    parser.add_argument("--partition-size", type=int, default=10_000)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    figures = measure(args.source, args.out, args.partition_size, args.jobs)
    text = json.dumps(figures, indent=2)
    print(text)
    if args.json:
        args.json.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
