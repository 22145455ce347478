"""The benchmark: newsgraph side by side with the naive script, the floor, growth and rebuilds.

Usage: python benchmarks/bench.py [--out out/bench] [--sizes 6000,10000,60000,100000] [--big 1000000]
                                  [--pairs 3] [--skip side,floor,rebuild,growth,stages]

Every figure is measured in one run on this machine, and speed targets are
ratios of runs taken side by side, so a busy machine slows both sides alike.
Each command runs in a child process through :func:`measure`, which reports
its wall time, CPU time (user + system, children included) and peak resident
memory (the largest process of the run). Results go to ``OUT/results.json``
and ``OUT/results.md``.

What is measured:

- shared corpus: ``newsgraph build`` (all outputs) against
  ``../shared/bench/naive_baseline.py``, alternating, ``--pairs`` times; the
  ratio is the median of the pairs' ratios (target: 0.33 or less);
- the floor: reading the files and parsing their YAML with PyYAML alone;
- stage times of the build (from its ``report.json``);
- rebuild after one changed file into the same folder, against the full build
  that made it and against a clean ``--no-cache`` build (target: a quarter or
  less), ``--pairs`` times, on a copy of the corpus in a temporary folder; the
  rebuild's outputs are compared with the clean build's, byte for byte;
- synthetic corpora (``benchmarks/synth.py``): cost per item and peak memory
  at each of ``--sizes`` (target: 6k to 60k grows 1.3x or less, 60k under 2 GB);
- ``--big`` sizes through the streaming build (``newsgraph build --stream``),
  which never holds a whole networkx graph;
- per stage (read, merge into networkx, RDF, store, networkx exports, page;
  the streaming build's passes): wall time, CPU time and peak memory, for the
  shared corpus and every synthetic size, through ``benchmarks/stages.py``,
  which runs the stages one after another in one process (the build itself
  overlaps them, so its own figures cannot be split by stage).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpora" / "coronavirus-news"
NAIVE = SHARED / "bench" / "naive_baseline.py"
PY = sys.executable
NEWSGRAPH = [PY, "-m", "graph"]

_MEASURE = """
import json, resource, subprocess, sys, time
t = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
wall = time.perf_counter() - t
ru = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"rc": done.returncode, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
                  "peak_mb": ru.ru_maxrss / 1024, "stderr": done.stderr[-2000:]}))
"""


def measure(cmd: list[str]) -> dict[str, Any]:
    """Run ``cmd`` in a fresh child; return rc, wall and CPU seconds, peak RSS in MB."""
    done = subprocess.run([PY, "-c", _MEASURE, *cmd], capture_output=True, text=True, check=True)
    result: dict[str, Any] = json.loads(done.stdout)
    if result["rc"] != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({result['rc']}): {result['stderr']}")
    return result


def stages(corpus: Path, out: Path, *extra: str) -> list[dict[str, Any]]:
    """Wall, CPU and peak memory of each stage (``benchmarks/stages.py``), in a fresh process."""
    shutil.rmtree(out, ignore_errors=True)
    cmd = [PY, str(ROOT / "benchmarks" / "stages.py"), str(corpus), str(out), *extra]
    done = subprocess.run(cmd, capture_output=True, text=True)
    shutil.rmtree(out, ignore_errors=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    rows: list[dict[str, Any]] = json.loads(done.stdout)
    return rows


def floor(corpus: Path) -> dict[str, Any]:
    """Read every file and parse its YAML with PyYAML's C loader: what any tool must at least do."""
    code = (
        "import sys, glob, os, yaml\n"
        "for f in sorted(glob.glob(os.path.join(sys.argv[1], '**', '*.md'), recursive=True)):\n"
        "    t = open(f, encoding='utf-8', errors='replace').read()\n"
        "    try: yaml.load(t.split('\\n---', 1)[0][3:], Loader=yaml.CSafeLoader)\n"
        "    except yaml.YAMLError: pass\n"
    )
    return measure([PY, "-c", code, str(corpus)])


def build(corpus: Path, out: Path, *extra: str) -> dict[str, Any]:
    result = measure([*NEWSGRAPH, "build", str(corpus), "-o", str(out), "-q", *extra])
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    result["timings"] = report["timings"]
    result["files"] = report["files"]
    return result


def side_by_side(out: Path, pairs: int) -> dict[str, Any]:
    runs = []
    no_html = measure([PY, str(NAIVE), str(CORPUS), str(out / "naive-no-html"), "--no-html"])
    for i in range(pairs):
        shutil.rmtree(out / "ours", ignore_errors=True)
        naive = measure([PY, str(NAIVE), str(CORPUS), str(out / "naive")])
        ours = build(CORPUS, out / "ours", "--no-cache")
        runs.append(
            {"pair": i + 1, "naive": naive["wall"], "ours": ours["wall"], "ratio": ours["wall"] / naive["wall"]}
        )
    last = ours
    return {
        "pairs": runs,
        "median_ratio": statistics.median(r["ratio"] for r in runs),
        "stages": last["timings"],
        "cpu": last["cpu"],
        "peak_mb": last["peak_mb"],
        "wall": last["wall"],
        "naive_peak_mb": naive["peak_mb"],
        "naive_no_html": no_html["wall"],
    }


TEXT_OUTPUTS = ("graph.nt", "graph.ttl", "graph.jsonld", "graph.json", "graph.graphml", "graph.html")


def _identical(a: Path, b: Path) -> list[str]:
    """The outputs that differ between two build folders (the store compared by its triples)."""
    import pyoxigraph as ox

    differ = [name for name in TEXT_OUTPUTS if (a / name).read_bytes() != (b / name).read_bytes()]
    if set(ox.Store.read_only(str(a / "store"))) != set(ox.Store.read_only(str(b / "store"))):
        differ.append("store")
    return differ


def rebuild(out: Path, pairs: int) -> dict[str, Any]:
    """Full build, one file edited, rebuild into the same folder; then a clean build of the edited corpus.

    Two ratios per pair: against the full build that made the folder (the
    same command, which also keeps the state) and against the clean build
    with ``--no-cache``; the rebuild's outputs must equal the clean build's.
    """
    runs = []
    with tempfile.TemporaryDirectory(prefix="newsgraph-bench-") as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(CORPUS, corpus)
        target, clean = out / "rebuild", out / "rebuild-clean"
        for i in range(pairs):
            shutil.rmtree(target, ignore_errors=True)
            full = build(corpus, target)
            victim = sorted(corpus.iterdir())[100 + 37 * i]
            text = victim.read_text(encoding="utf-8")
            victim.write_text(text.replace('title: "', f'title: "Changed {i}: ', 1), encoding="utf-8")
            again = build(corpus, target)
            shutil.rmtree(clean, ignore_errors=True)
            fresh = build(corpus, clean, "--no-cache")
            runs.append(
                {
                    "pair": i + 1,
                    "full": full["wall"],
                    "clean": fresh["wall"],
                    "rebuild": again["wall"],
                    "ratio": again["wall"] / full["wall"],
                    "ratio_clean": again["wall"] / fresh["wall"],
                    "cached_files": again["files"].get("cached"),
                    "change_in_output": f"Changed {i}: " in (target / "graph.nt").read_text(encoding="utf-8"),
                    "differs_from_clean": _identical(target, clean),
                    "stages": again["timings"],
                }
            )
    return {
        "pairs": runs,
        "median_ratio": statistics.median(r["ratio"] for r in runs),
        "median_ratio_clean": statistics.median(r["ratio_clean"] for r in runs),
    }


def _synth(n: int, corpus: Path) -> float:
    """Write ``n`` synthetic items into ``corpus``; return the seconds it took."""
    started = time.perf_counter()
    synth = [PY, str(ROOT / "benchmarks" / "synth.py"), str(n), str(corpus)]
    subprocess.run(synth, check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _row(n: int, result: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "items": n,
        "wall": result["wall"],
        "cpu": result["cpu"],
        "peak_mb": result["peak_mb"],
        "ms_per_item": 1000 * result["wall"] / n,
        **extra,
    }


def growth(out: Path, sizes: list[int], staged: bool) -> dict[str, Any]:
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="newsgraph-synth-") as tmp:
            corpus = Path(tmp) / "corpus"
            _synth(n, corpus)
            target = out / f"synth-{n}"
            shutil.rmtree(target, ignore_errors=True)
            result = build(corpus, target, "--no-cache")
            shutil.rmtree(target, ignore_errors=True)
            usage = stages(corpus, out / f"stages-{n}") if staged else None
        rows.append(_row(n, result, stages=result["timings"], usage=usage))
    by_size = {row["items"]: row for row in rows}
    return {
        "rows": rows,
        "per_item_growth": rows[-1]["ms_per_item"] / rows[0]["ms_per_item"] if len(rows) > 1 else None,
        # the pair, when both were run
        "growth_6k_60k": by_size[60000]["ms_per_item"] / by_size[6000]["ms_per_item"]
        if {6000, 60000} <= set(by_size)
        else None,
    }


def streaming(out: Path, sizes: list[int], staged: bool) -> list[dict[str, Any]]:
    rows = []
    for n in sizes:
        with tempfile.TemporaryDirectory(prefix="newsgraph-big-", dir=os.environ.get("NEWSGRAPH_BENCH_TMP")) as tmp:
            corpus = Path(tmp) / "corpus"
            made = _synth(n, corpus)
            target = Path(tmp) / "out"
            result = measure([*NEWSGRAPH, "build", str(corpus), "-o", str(target), "-q", "--stream"])
            report = json.loads((target / "report.json").read_text(encoding="utf-8"))
            shutil.rmtree(target)
            usage = stages(corpus, target, "--stream") if staged else None
            rows.append(_row(n, result, generate_s=made, files=report["files"], usage=usage))
    return rows


def markdown(results: dict[str, Any]) -> str:
    lines = ["# newsgraph benchmark", "", f"machine: {os.cpu_count()} CPUs; {time.strftime('%Y-%m-%d %H:%M')}", ""]
    s = results.get("side_by_side")
    if s:
        lines += [
            "## Shared corpus: newsgraph build (all outputs) vs the naive script",
            "",
            "| pair | naive s | newsgraph s | ratio |",
            "|---|---|---|---|",
        ]
        lines += [f"| {r['pair']} | {r['naive']:.2f} | {r['ours']:.2f} | {r['ratio']:.3f} |" for r in s["pairs"]]
        lines += [
            "",
            f"median ratio **{s['median_ratio']:.3f}** (target ≤ 0.33); newsgraph CPU {s['cpu']:.1f} s, "
            f"peak {s['peak_mb']:.0f} MB; naive peak {s['naive_peak_mb']:.0f} MB; "
            f"the naive script without its page (--no-html) took {s['naive_no_html']:.2f} s",
            "",
            "| stage | seconds |",
            "|---|---|",
        ]
        lines += [f"| {k} | {v:.3f} |" for k, v in s["stages"].items()]
    f = results.get("floor")
    if f:
        lines += [
            "",
            f"floor (read + PyYAML parse of every file, one process): {f['wall']:.2f} s; "
            f"build / floor = {s['wall'] / f['wall']:.2f}"
            if s
            else "",
        ]
    r = results.get("rebuild")
    if r:
        lines += [
            "",
            "## Rebuild after one changed file (same OUT), against a full build",
            "",
            "| pair | full s | clean --no-cache s | rebuild s | ratio | ratio to clean | cached | change shown |"
            " differs from clean |",
            "|---|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {x['pair']} | {x['full']:.2f} | {x['clean']:.2f} | {x['rebuild']:.2f} | {x['ratio']:.3f} | "
            f"{x['ratio_clean']:.3f} | {x['cached_files']} | {x['change_in_output']} | "
            f"{', '.join(x['differs_from_clean']) or 'nothing'} |"
            for x in r["pairs"]
        ]
        lines += [
            "",
            f"median ratio **{r['median_ratio']:.3f}** to the full build, **{r['median_ratio_clean']:.3f}** "
            "to the clean build (target ≤ 0.25)",
            "",
            "| rebuild stage | seconds |",
            "|---|---|",
        ]
        lines += [f"| {k} | {v:.3f} |" for k, v in r["pairs"][-1]["stages"].items()]
    g = results.get("growth")
    if g:
        lines += [
            "",
            "## Synthetic corpora (full build, all outputs)",
            "",
            "| items | wall s | CPU s | peak MB | ms/item |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {x['items']:,} | {x['wall']:.2f} | {x['cpu']:.2f} | {x['peak_mb']:.0f} | {x['ms_per_item']:.3f} |"
            for x in g["rows"]
        ]
        if g["per_item_growth"]:
            lines += ["", f"cost per item grows **{g['per_item_growth']:.2f}x** from the smallest to the largest"]
        if g.get("growth_6k_60k"):
            lines += ["", f"from 6,000 to 60,000 items: **{g['growth_6k_60k']:.2f}x** (target ≤ 1.3)"]
    b = results.get("streaming")
    if b:
        lines += [
            "",
            "## Streaming build (`--stream`: N-Triples in partitions, bulk-loaded store)",
            "",
            "| items | wall s | CPU s | peak MB | ms/item |",
            "|---|---|---|---|---|",
        ]
        lines += [
            f"| {x['items']:,} | {x['wall']:.1f} | {x['cpu']:.1f} | {x['peak_mb']:.0f} | {x['ms_per_item']:.3f} |"
            for x in b
        ]
    lines += _stage_tables(results)
    return "\n".join(lines) + "\n"


def _stage_tables(results: dict[str, Any]) -> list[str]:
    """Per-stage wall, CPU and peak memory: one table, a column group per corpus."""
    runs: list[tuple[str, list[dict[str, Any]]]] = []
    if results.get("stages"):
        runs.append(("shared corpus", results["stages"]))
    runs += [(f"{x['items']:,}", x["usage"]) for x in (results.get("growth") or {}).get("rows", []) if x.get("usage")]
    big = [(f"{x['items']:,} --stream", x["usage"]) for x in results.get("streaming") or [] if x.get("usage")]
    lines: list[str] = []
    for title, group in (("in memory", runs), ("streaming", big)):
        if not group:
            continue
        lines += [
            "",
            f"## Per stage ({title}): wall s / CPU s / peak MB, the stages run one after another "
            "(`benchmarks/stages.py`)",
            "",
            "| stage | " + " | ".join(name for name, _ in group) + " |",
            "|---|" + "---|" * len(group),
        ]
        names = list(dict.fromkeys(row["stage"] for _, rows in group for row in rows))
        for stage in names:
            cells = []
            for _, rows in group:
                row = next((r for r in rows if r["stage"] == stage), None)
                cells.append(f"{row['wall']:.2f} / {row['cpu']:.2f} / {row['peak_mb']:.0f}" if row else "")
            lines.append(f"| {stage} | " + " | ".join(cells) + " |")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "bench")
    parser.add_argument("--pairs", type=int, default=3)
    parser.add_argument(
        "--sizes", default="6000,10000,60000,100000", help="synthetic sizes for growth (comma-separated)"
    )
    parser.add_argument(
        "--big",
        default="1000000",
        help="sizes for the streaming build (comma-separated; '' for none); 1M takes ~40 min and ~5 GB of disk",
    )
    parser.add_argument("--skip", default="", help="parts to skip: side,floor,rebuild,growth,stages")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    # Measure the package as installed: compiled once, not from source on every run (which is what
    # happens when PYTHONDONTWRITEBYTECODE is set, as on some CI machines).
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "graph")], check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    if CORPUS.is_dir():
        if "side" not in skip:
            results["side_by_side"] = side_by_side(args.out, args.pairs)
            if "stages" not in skip:
                results["stages"] = stages(CORPUS, args.out / "stages")
        if "floor" not in skip:
            results["floor"] = floor(CORPUS)
        if "rebuild" not in skip:
            results["rebuild"] = rebuild(args.out, args.pairs)
    else:
        print(f"the shared corpus is not at {CORPUS}: side-by-side, floor and rebuild skipped", file=sys.stderr)
    if "growth" not in skip and args.sizes:
        results["growth"] = growth(args.out, [int(x) for x in args.sizes.split(",")], "stages" not in skip)
    if args.big:
        results["streaming"] = streaming(args.out, [int(x) for x in args.big.split(",")], "stages" not in skip)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    table = markdown(results)
    (args.out / "results.md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
