"""The benchmark: newsgraph side by side with the naive script, the floor, growth and rebuilds.

Usage: python benchmarks/bench.py [--out out/bench] [--sizes 6000,10000,60000,100000] [--big 1000000]
                                  [--pairs 3] [--skip side,floor,rebuild,growth,stages,stories,queries]
                                  [--story-sizes 6000,60000] [--corpus DIR] [--query-big 1000000]

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
  overlaps them, so its own figures cannot be split by stage);
- stories (the build's story detection, :data:`WITH_STORIES` against
  :data:`WITHOUT_STORIES`), each ``--pairs`` times, alternating which side
  goes first: the full build of the shared corpus with stories against without
  (target: 1.25 or less), a rebuild after one changed file with stories against
  the full build with stories (target: under a quarter; its outputs compared
  with a clean build's, as above), growth with stories over ``--story-sizes``
  synthetic items (cost per item 6k to 60k: 1.3x or less; peak memory at 60k:
  under 2 GB), and the quality figures of ``benchmarks/story_eval.py``
  (precision and recall on the hand-labelled pairs, held-out links found again).

- every library query through the CLI (``benchmarks/queries.py``), five runs
  each, median and slowest: on the shared corpus (target: 0.5 s or less) and on
  the streamed build of ``--query-big`` synthetic items (target: 2 s or less),
  which is made once in ``OUT/big-N`` and reused while it is there.

``--corpus`` replaces the shared corpus (side by side, floor, rebuilds,
stories, queries); the labelled pairs are only scored on the shared corpus.
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
#: The build's flags that turn story detection on and off (on by default: the other parts measure it too).
WITH_STORIES: tuple[str, ...] = ()
WITHOUT_STORIES: tuple[str, ...] = ("--no-stories",)
#: The stories' targets: full build with / without, rebuild / full build, cost per item 6k to 60k, peak MB at 60k.
STORY_TARGETS: dict[str, float] = {"full_ratio": 1.25, "rebuild_ratio": 0.25, "growth": 1.3, "peak_mb": 2048}

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


def floor(corpus: Path = CORPUS) -> dict[str, Any]:
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


def side_by_side(out: Path, pairs: int, corpus: Path = CORPUS) -> dict[str, Any]:
    runs = []
    no_html = measure([PY, str(NAIVE), str(corpus), str(out / "naive-no-html"), "--no-html"])
    for i in range(pairs):
        shutil.rmtree(out / "ours", ignore_errors=True)
        naive = measure([PY, str(NAIVE), str(corpus), str(out / "naive")])
        ours = build(corpus, out / "ours", "--no-cache")
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


def rebuild(out: Path, pairs: int, *extra: str, corpus: Path = CORPUS, name: str = "rebuild") -> dict[str, Any]:
    """Full build, one file edited, rebuild into the same folder; then a clean build of the edited corpus.

    Two ratios per pair: against the full build that made the folder (the
    same command, which also keeps the state) and against the clean build
    with ``--no-cache``; the rebuild's outputs must equal the clean build's.
    ``extra``: flags for every build (``--no-stories``); ``name``: the folders' name under ``out``.
    """
    runs = []
    with tempfile.TemporaryDirectory(prefix="newsgraph-bench-") as tmp:
        copy = Path(tmp) / "corpus"
        shutil.copytree(corpus, copy)
        files = sorted(copy.rglob("*.md"))
        target, clean = out / name, out / f"{name}-clean"
        for i in range(pairs):
            shutil.rmtree(target, ignore_errors=True)
            full = build(copy, target, *extra)
            victim = files[(100 + 37 * i) % len(files)]
            text = victim.read_text(encoding="utf-8")
            victim.write_text(text.replace('title: "', f'title: "Changed {i}: ', 1), encoding="utf-8")
            again = build(copy, target, *extra)
            shutil.rmtree(clean, ignore_errors=True)
            fresh = build(copy, clean, "--no-cache", *extra)
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


def _median(values: Any) -> float:
    return float(statistics.median(values))


def stories_full(out: Path, pairs: int, corpus: Path = CORPUS) -> dict[str, Any]:
    """The full build (``--no-cache``, all outputs) of ``corpus`` with stories and without, alternating."""
    runs = []
    target = out / "stories-full"
    for i in range(pairs):
        sides = [("with", WITH_STORIES), ("without", WITHOUT_STORIES)]
        if i % 2:
            sides.reverse()
        got: dict[str, dict[str, Any]] = {}
        for side, flags in sides:
            shutil.rmtree(target, ignore_errors=True)
            got[side] = build(corpus, target, "--no-cache", *flags)
        runs.append(
            {
                "pair": i + 1,
                "first": sides[0][0],
                "with": got["with"]["wall"],
                "without": got["without"]["wall"],
                "ratio": got["with"]["wall"] / got["without"]["wall"],
                "stories_s": got["with"]["timings"].get("stories"),
                "with_cpu": got["with"]["cpu"],
                "without_cpu": got["without"]["cpu"],
                "with_peak_mb": got["with"]["peak_mb"],
                "without_peak_mb": got["without"]["peak_mb"],
            }
        )
    shutil.rmtree(target, ignore_errors=True)
    return {
        "pairs": runs,
        "median_ratio": _median(r["ratio"] for r in runs),
        "target": STORY_TARGETS["full_ratio"],
    }


def stories_growth(out: Path, sizes: list[int], pairs: int) -> dict[str, Any]:
    """Synthetic corpora of ``sizes`` built with stories and without, ``pairs`` times.

    The corpora are written once; each pair builds every size (the order of sizes, and of with and
    without, alternating between pairs). Cost per item grows by the median of the pairs' ratios
    (largest size to smallest, with stories); peak memory is the largest of the pairs.
    """
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="newsgraph-synth-") as tmp:
        corpora = {n: Path(tmp) / f"corpus-{n}" for n in sizes}
        made = {n: _synth(n, corpus) for n, corpus in corpora.items()}
        for i in range(pairs):
            sides = [("with", WITH_STORIES), ("without", WITHOUT_STORIES)]
            for n in sizes if i % 2 == 0 else sizes[::-1]:
                for side, flags in sides if i % 2 == 0 else sides[::-1]:
                    target = out / f"stories-synth-{n}"
                    shutil.rmtree(target, ignore_errors=True)
                    result = build(corpora[n], target, "--no-cache", *flags)
                    shutil.rmtree(target, ignore_errors=True)
                    runs.append(
                        _row(n, result, pair=i + 1, stories=side == "with", stories_s=result["timings"].get("stories"))
                    )
    rows = []
    for n in sizes:
        mine = {
            side: [r for r in runs if r["items"] == n and r["stories"] == (side == "with")]
            for side in ("with", "without")
        }
        pairs_ratio = [w["wall"] / wo["wall"] for w, wo in zip(mine["with"], mine["without"], strict=True)]
        rows.append(
            {
                "items": n,
                "generate_s": made[n],
                "wall": _median(r["wall"] for r in mine["with"]),
                "cpu": _median(r["cpu"] for r in mine["with"]),
                "ms_per_item": _median(r["ms_per_item"] for r in mine["with"]),
                "peak_mb": max(r["peak_mb"] for r in mine["with"]),
                "stories_s": _median(r["stories_s"] or 0.0 for r in mine["with"]),
                "without_wall": _median(r["wall"] for r in mine["without"]),
                "without_peak_mb": max(r["peak_mb"] for r in mine["without"]),
                "ratio": _median(pairs_ratio),
            }
        )

    def per_item(pair: int, n: int, with_stories: bool) -> float:
        return float(
            next(
                r["ms_per_item"] for r in runs if r["pair"] == pair and r["items"] == n and r["stories"] == with_stories
            )
        )

    first, last = min(sizes), max(sizes)
    growth = [per_item(i + 1, last, True) / per_item(i + 1, first, True) for i in range(pairs)]
    plain = [per_item(i + 1, last, False) / per_item(i + 1, first, False) for i in range(pairs)]
    return {
        "rows": rows,
        "runs": runs,
        "smallest": first,
        "largest": last,
        "per_item_growth": _median(growth) if len(sizes) > 1 else None,
        "per_item_growth_without": _median(plain) if len(sizes) > 1 else None,
        "peak_mb_largest": rows[sizes.index(last)]["peak_mb"],
        "targets": {"growth": STORY_TARGETS["growth"], "peak_mb": STORY_TARGETS["peak_mb"]},
    }


def story_quality(corpus: Path, labelled: bool) -> dict[str, Any]:
    """``benchmarks/story_eval.py`` on ``corpus`` (its JSON): labelled pairs (when ``labelled``) and held-out links."""
    cmd = [PY, str(ROOT / "benchmarks" / "story_eval.py"), "--corpus", str(corpus), "--json"]
    if not labelled:
        cmd += ["--pairs", "none"]
    started = time.perf_counter()
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({done.returncode}): {done.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(done.stdout)
    result["wall"] = time.perf_counter() - started
    return result


def stories(out: Path, pairs: int, sizes: list[int], corpus: Path | None) -> dict[str, Any]:
    """Every stories figure: on ``corpus`` (None: not there) full builds, rebuilds and quality; growth on ``sizes``."""
    results: dict[str, Any] = {"flags": {"with": list(WITH_STORIES), "without": list(WITHOUT_STORIES)}}
    if corpus is not None:
        results["full"] = stories_full(out, pairs, corpus)
        results["rebuild"] = rebuild(out, pairs, *WITH_STORIES, corpus=corpus, name="stories-rebuild")
        results["rebuild"]["target"] = STORY_TARGETS["rebuild_ratio"]
    if sizes:
        results["growth"] = stories_growth(out, sizes, pairs)
    if corpus is not None:
        results["quality"] = story_quality(corpus, labelled=corpus.resolve() == CORPUS.resolve())
    return results


def _verdict(value: float | None, target: float, strict: bool = False) -> str:
    if value is None:
        return "n/a"
    return "yes" if (value < target if strict else value <= target) else "**no**"


def _story_tables(st: dict[str, Any]) -> list[str]:
    """The stories section of the results table."""
    flags = " ".join(st["flags"]["with"]) or "(default)"
    lines = [
        "",
        f"## Stories (`{flags}`)",
        "",
        "| figure | measured | target | met |",
        "|---|---|---|---|",
    ]
    full, again, grow, quality = st.get("full"), st.get("rebuild"), st.get("growth"), st.get("quality")
    if full:
        lines.append(
            f"| full build of the corpus, with stories / without (median of {len(full['pairs'])}) | "
            f"{full['median_ratio']:.3f} | ≤ {full['target']} | {_verdict(full['median_ratio'], full['target'])} |"
        )
    if again:
        lines.append(
            f"| rebuild after one changed file / full build, with stories (median of {len(again['pairs'])}) | "
            f"{again['median_ratio']:.3f} | < {again['target']} | "
            f"{_verdict(again['median_ratio'], again['target'], strict=True)} |"
        )
    if grow:
        g, t = grow["per_item_growth"], grow["targets"]
        span = f"{grow['smallest']:,} to {grow['largest']:,} items"
        if g is not None:
            lines.append(
                f"| cost per item with stories, {span} | {g:.2f}x | ≤ {t['growth']}x | {_verdict(g, t['growth'])} |"
            )
        lines.append(
            f"| peak memory with stories at {grow['largest']:,} items | {grow['peak_mb_largest']:.0f} MB | "
            f"< {t['peak_mb']:.0f} MB | {_verdict(grow['peak_mb_largest'], t['peak_mb'], strict=True)} |"
        )
    if quality:
        lab = quality.get("labelled")
        if lab:
            for name, title in (("stories", "stories"), ("components", "related-links components (the old rule)")):
                s = lab[name]
                lines.append(
                    f"| labelled pairs, {title}: precision / recall (tp {s['tp']}, fp {s['fp']}, fn {s['fn']}) | "
                    f"{s['precision']:.3f} / {s['recall']:.3f} | | |"
                )
        h = quality["held_out"]
        found = f"{h['recovered']:.1%}" if h["recovered"] is not None else "n/a"
        lines.append(
            f"| held-out links in one story ({h['share']:.0%} of the files stripped, seed {h['seed']}) | "
            f"{h['same_story']} of {h['removed']} ({found}) | | |"
        )
    if full:
        lines += [
            "",
            "| pair | first | with s | without s | ratio | stories stage s | peak MB with / without |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {r['pair']} | {r['first']} | {r['with']:.2f} | {r['without']:.2f} | {r['ratio']:.3f} | "
            f"{r['stories_s'] or 0:.2f} | {r['with_peak_mb']:.0f} / {r['without_peak_mb']:.0f} |"
            for r in full["pairs"]
        ]
    if again:
        lines += [
            "",
            "| rebuild pair | full s | clean s | rebuild s | ratio | cached | change shown | differs from clean |",
            "|---|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {x['pair']} | {x['full']:.2f} | {x['clean']:.2f} | {x['rebuild']:.2f} | {x['ratio']:.3f} | "
            f"{x['cached_files']} | {x['change_in_output']} | {', '.join(x['differs_from_clean']) or 'nothing'} |"
            for x in again["pairs"]
        ]
    if grow:
        lines += [
            "",
            "| items | wall s with | without | ratio | stories stage s | ms/item with | peak MB with / without |",
            "|---|---|---|---|---|---|---|",
        ]
        lines += [
            f"| {x['items']:,} | {x['wall']:.2f} | {x['without_wall']:.2f} | {x['ratio']:.3f} | {x['stories_s']:.2f} | "
            f"{x['ms_per_item']:.3f} | {x['peak_mb']:.0f} / {x['without_peak_mb']:.0f} |"
            for x in grow["rows"]
        ]
        if grow["per_item_growth_without"] is not None:
            lines += [
                "",
                f"without stories, in the same runs, cost per item grows {grow['per_item_growth_without']:.2f}x",
            ]
    if quality:
        lines += [
            "",
            f"quality ({quality['wall']:.0f} s): {quality['articles']:,} articles, {quality['stories']:,} stories "
            f"holding {quality['in_stories']:,} of them",
        ]
    return lines


def library_queries(out: Path, corpus: Path | None, big: int | None, runs: int = 5) -> dict[str, Any]:
    """Every library query timed through the CLI (:mod:`queries`): on a build of ``corpus`` and on the
    streamed build of ``big`` synthetic items (made once in ``out/big-N``, reused after)."""
    import queries  # benchmarks/queries.py, beside this file

    found: dict[str, Any] = {"targets": {"corpus_s": 0.5, "big_s": 2.0}}
    if corpus is not None:
        target = out / "queries-corpus"
        shutil.rmtree(target, ignore_errors=True)
        subprocess.run([*NEWSGRAPH, "build", str(corpus), "-o", str(target), "-q"], check=True)
        found["corpus"] = queries.time_queries(target, runs)
    if big:
        found["big_build"] = queries.big_build(big, out / f"big-{big}")
        found["big"] = queries.time_queries(out / f"big-{big}" / "out", runs)
    return found


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
    if results.get("stories"):
        lines += _story_tables(results["stories"])
    lines += _stage_tables(results)
    lines += _query_tables(results.get("queries"))
    return "\n".join(lines) + "\n"


def _query_tables(found: dict[str, Any] | None) -> list[str]:
    """The library queries' tables: whole CLI commands, median and slowest of the runs, rows returned."""
    if not found:
        return []
    lines: list[str] = []
    for key, title, target in (("corpus", "shared corpus", "corpus_s"), ("big", "streamed synthetic build", "big_s")):
        rows = found.get(key)
        if not rows:
            continue
        limit = found["targets"][target]
        made = found.get("big_build") if key == "big" else None
        about = f" of {made['items']:,} items{' (reused)' if made.get('reused') else ''}" if made else ""
        slow = [r["query"] for r in rows if r["median_s"] > limit or r["failed"]]
        lines += [
            "",
            f"## Library queries, {title}{about}: `newsgraph query NAME` (whole command), target ≤ {limit:g} s",
            "",
            "| query | median s | max s | rows |",
            "|---|---|---|---|",
        ]
        lines += [
            f"| {r['query']} | {r['median_s']:.2f} | {r['max_s']:.2f} | "
            + (f"{r['rows']:,}" if r["rows"] is not None else f"failed: {r['error']}")
            + " |"
            for r in rows
        ]
        lines += ["", f"over the target: {', '.join(slow) if slow else 'none'}"]
    return lines


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
    parser.add_argument(
        "--story-sizes", default="6000,60000", help="synthetic sizes for growth with stories ('' for none)"
    )
    parser.add_argument("--corpus", type=Path, default=CORPUS, help="the corpus for side by side, rebuilds, stories")
    parser.add_argument("--skip", default="", help="parts to skip: side,floor,rebuild,growth,stages,stories,queries")
    parser.add_argument(
        "--query-big",
        default="1000000",
        help="synthetic items of the streamed build the library queries are timed on ('' for none); "
        "made once in OUT/big-N (~15 min and ~4 GB of disk at 1M) and reused",
    )
    parser.add_argument("--query-runs", type=int, default=5, help="runs of each library query (median and max)")
    args = parser.parse_args(argv)
    skip = set(filter(None, args.skip.split(",")))
    corpus: Path = args.corpus
    # Measure the package as installed: compiled once, not from source on every run (which is what
    # happens when PYTHONDONTWRITEBYTECODE is set, as on some CI machines).
    subprocess.run([PY, "-m", "compileall", "-q", str(ROOT / "graph")], check=True)
    args.out.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {}
    if corpus.is_dir():
        if "side" not in skip:
            results["side_by_side"] = side_by_side(args.out, args.pairs, corpus)
            if "stages" not in skip:
                results["stages"] = stages(corpus, args.out / "stages")
        if "floor" not in skip:
            results["floor"] = floor(corpus)
        if "rebuild" not in skip:
            results["rebuild"] = rebuild(args.out, args.pairs, corpus=corpus)
    else:
        print(f"the corpus is not at {corpus}: side-by-side, floor, rebuild and stories on it skipped", file=sys.stderr)
    if "growth" not in skip and args.sizes:
        results["growth"] = growth(args.out, [int(x) for x in args.sizes.split(",")], "stages" not in skip)
    if args.big:
        results["streaming"] = streaming(args.out, [int(x) for x in args.big.split(",")], "stages" not in skip)
    if "stories" not in skip:
        sizes = [int(x) for x in args.story_sizes.split(",") if x]
        results["stories"] = stories(args.out, args.pairs, sizes, corpus if corpus.is_dir() else None)
    if "queries" not in skip:
        big = int(args.query_big) if args.query_big else None
        results["queries"] = library_queries(args.out, corpus if corpus.is_dir() else None, big, args.query_runs)
    (args.out / "results.json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    table = markdown(results)
    (args.out / "results.md").write_text(table, encoding="utf-8")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
