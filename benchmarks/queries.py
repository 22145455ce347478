"""Every library query, timed through the CLI: ``newsgraph query NAME -d OUT``, as people run them.

Usage: python benchmarks/queries.py OUT [OUT ...] [--runs 5] [--timeout 60] [--json FILE]

Each query runs ``--runs`` times as a whole command in a fresh process (start-up, opening the
store, the query, writing the rows as CSV), one query after another, and reports the median and
the slowest wall time, the rows it returned and whether the timeout stopped it. A query that
needs a binding gets one from :data:`BINDINGS` (a value the build holds). :func:`big_build`
makes (or reuses) the streamed build of a synthetic corpus that the benchmark times them on.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
NEWSGRAPH = [PY, "-m", "graph"]

#: Bindings for the queries that take one (a query that does not need one runs without).
BINDINGS: dict[str, list[str]] = {}


def library_names() -> list[str]:
    """The library queries, by name (``newsgraph query --list``)."""
    done = subprocess.run([*NEWSGRAPH, "query", "--list"], capture_output=True, text=True, check=True)
    return [line.split()[0] for line in done.stdout.splitlines() if line.strip()]


def run_once(out: Path, name: str, timeout: float, binds: list[str] | None = None) -> dict[str, Any]:
    """One run of library query ``name`` on the build in ``out``: wall seconds, rows, exit status."""
    cmd = [*NEWSGRAPH, "query", name, "-d", str(out), "-f", "csv", "--timeout", str(timeout)]
    for bind in binds or BINDINGS.get(name, []):
        cmd += ["--bind", bind]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True, check=False, timeout=timeout + 120)
    wall = time.perf_counter() - started
    rows = max(0, len(list(csv.reader(io.StringIO(done.stdout)))) - 1) if done.returncode == 0 else None
    return {"wall": wall, "rows": rows, "rc": done.returncode, "error": done.stderr.strip()[-300:] or None}


def time_queries(
    out: Path, runs: int = 5, timeout: float = 60.0, names: list[str] | None = None
) -> list[dict[str, Any]]:
    """Every library query (or ``names``) on ``out``, ``runs`` times each: median, max, rows, refused."""
    results = []
    for name in names or library_names():
        tries = [run_once(out, name, timeout) for _ in range(runs)]
        walls = [t["wall"] for t in tries]
        results.append(
            {
                "query": name,
                "median_s": statistics.median(walls),
                "max_s": max(walls),
                "rows": tries[-1]["rows"],
                "failed": sum(t["rc"] != 0 for t in tries),
                "error": next((t["error"] for t in tries if t["rc"] != 0), None),
            }
        )
    return results


def big_build(n: int, where: Path) -> dict[str, Any]:
    """The streamed build (``build --stream``) of ``n`` synthetic items in ``where/out``, made once.

    The corpus (``where/corpus``) and the build are kept and reused while they hold ``n`` items
    and derived counts of the current form (:data:`graph.rdf.summary.VERSION`); the figures of
    the run that made them are kept beside them.
    """
    from graph.rdf.summary import VERSION

    out = where / "out"
    made = where / "made.json"
    if made.exists() and (out / "store").is_dir():
        info: dict[str, Any] = json.loads(made.read_text(encoding="utf-8"))
        if info.get("items") == n and info.get("counts") == VERSION:
            return {**info, "reused": True}
    corpus = where / "corpus"
    started = time.perf_counter()
    if not (corpus.is_dir() and sum(1 for _ in corpus.rglob("*.md")) == n):
        subprocess.run([PY, str(ROOT / "benchmarks" / "synth.py"), str(n), str(corpus)], check=True)
    generated = time.perf_counter() - started
    started = time.perf_counter()
    subprocess.run([*NEWSGRAPH, "build", str(corpus), "-o", str(out), "-q", "--stream"], check=True)
    info = {"items": n, "counts": VERSION, "generate_s": generated, "build_s": time.perf_counter() - started}
    made.write_text(json.dumps(info) + "\n", encoding="utf-8")
    return {**info, "reused": False}


def markdown(title: str, rows: list[dict[str, Any]], before: dict[str, dict[str, Any]] | None = None) -> list[str]:
    """A results table: one line per query (with the earlier figures beside it when given)."""
    head = "| query | median s | max s | rows |" + (" before: median s | rows |" if before else "")
    lines = [f"## {title}", "", head, "|---|---|---|---|" + ("---|---|" if before else "")]
    for row in rows:
        status = f"{row['rows']:,}" if row["rows"] is not None else f"failed ({row['failed']} runs)"
        line = f"| {row['query']} | {row['median_s']:.2f} | {row['max_s']:.2f} | {status} |"
        if before:
            old = before.get(row["query"])
            line += (
                f" {old['median_s']:.2f} | {old['rows'] if old['rows'] is not None else 'failed'} |" if old else " | |"
            )
        lines.append(line)
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("outs", nargs="+", type=Path, help="build folders (the -o of newsgraph build)")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=float, default=60.0)
    parser.add_argument("--only", default="", help="comma-separated query names (default: all)")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args(argv)
    names = [n for n in args.only.split(",") if n] or None
    found = {}
    for out in args.outs:
        rows = time_queries(out, args.runs, args.timeout, names)
        found[str(out)] = rows
        print("\n".join(markdown(str(out), rows)), flush=True)
    if args.json:
        args.json.write_text(json.dumps(found, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
