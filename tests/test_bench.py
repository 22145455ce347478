"""The benchmark tools run: synthetic corpora have the corpus's shape, and the harness writes its tables."""

from __future__ import annotations

import doctest
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import graph

ROOT = Path(__file__).resolve().parent.parent


def test_synth_corpus_has_the_shape_of_the_corpus(tmp_path: Path) -> None:
    corpus = tmp_path / "synth"
    subprocess.run([sys.executable, str(ROOT / "benchmarks" / "synth.py"), "1200", str(corpus)], check=True)
    assert sorted(p.name for p in corpus.iterdir()) == ["0000", "0001"]
    kg = graph.build([corpus], jobs=1)
    r = kg.report
    assert r.files.seen == 1200 and r.files.built + r.files.failed == 1200
    assert r.nodes["article"] > 1100 and r.nodes["topic"] == 16
    assert r.edges["related"] > 150  # about a quarter of the items have related lists
    articles = [d for _, d in kg.nodes("article") if not d["stub"]]
    assert sum(1 for d in articles if d["same_as"]) > 0.4 * len(articles)  # AMP variants
    assert any(len(d["sources"]) > 1 for d in articles)  # files repeating an article


def test_bench_harness_writes_results(tmp_path: Path) -> None:
    out = tmp_path / "bench"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--out", str(out), "--skip", "side,floor,rebuild",
         "--sizes", "100,200", "--big", "150"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = json.loads((out / "results.json").read_text())
    assert [row["items"] for row in results["growth"]["rows"]] == [100, 200]
    assert results["streaming"][0]["files"]["seen"] == 150
    table = (out / "results.md").read_text()
    assert "cost per item grows" in table
    # every stage measured, in the order the build runs them, with its CPU time and peak memory
    for row in results["growth"]["rows"]:
        stages = [u["stage"] for u in row["usage"]]
        assert stages == ["read", "merge (networkx)", "rdf", "store", "networkx exports", "html"]
        assert all(u["wall"] > 0 and u["cpu"] > 0 and u["peak_mb"] > 20 for u in row["usage"])
    assert [u["stage"] for u in results["streaming"][0]["usage"]] == ["read", "rdf + graph.nt", "store"]
    assert "## Per stage (in memory)" in table and "| 200 |" in table
    assert "## Per stage (streaming)" in table and "| 150 --stream |" in table


def test_stage_meter_examples_run() -> None:
    """benchmarks/ is outside pytest's doctest paths: run stages.py's examples here."""
    spec = importlib.util.spec_from_file_location("stages", ROOT / "benchmarks" / "stages.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = doctest.testmod(module)
    assert result.attempted > 0 and result.failed == 0
