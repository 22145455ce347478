"""The benchmark tools run: synthetic corpora have the corpus's shape, and the harness writes its tables."""

from __future__ import annotations

import csv
import doctest
import importlib.util
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path
from types import ModuleType

import pytest

import graph

ROOT = Path(__file__).resolve().parent.parent


def _module(name: str) -> ModuleType:
    """A module of benchmarks/ (outside the package), imported from its file."""
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def story_eval() -> ModuleType:
    return _module("story_eval")


@pytest.fixture(scope="module")
def synth() -> ModuleType:
    return _module("synth")


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
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--out", str(out),
         "--skip", "side,floor,rebuild,stories,queries", "--sizes", "100,200", "--big", "150"],
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


@pytest.mark.parametrize("name", ["stages", "synth", "story_eval"])
def test_benchmark_examples_run(name: str) -> None:
    """benchmarks/ is outside pytest's doctest paths: run the modules' examples here."""
    result = doctest.testmod(_module(name))
    assert result.attempted > 0 and result.failed == 0


def test_synth_corpus_makes_stories(tmp_path: Path, synth: ModuleType) -> None:
    """Event-like headlines: stories of several outlets, syndicated copies, a long tail of rare words."""
    synth.write_corpus(1000, tmp_path / "c", seed=1)
    kg = graph.build([tmp_path / "c"], jobs=1, stories=True)
    articles = [d for _, d in kg.nodes("article") if not d["stub"]]
    stories = [d for _, d in kg.nodes("story")]
    in_stories = sum(d["size"] for d in stories)
    assert len(stories) > 60 and 0.25 < in_stories / len(articles) < 0.65  # the shared corpus: 44%
    assert max(d["size"] for d in stories) >= 5 and sum(d["outlets"] > 1 for d in stories) > 0.8 * len(stories)
    relations = Counter(r for _, _, r in kg.graph.edges(data="relation"))
    assert relations["inferred_related"] > 50 and relations["copy_of"] > 10
    # most headlines name a place the place finder knows, and counts differ between daily reports
    places = sum(1 for d in articles if any(name in d["title"] for name, _ in synth.HEADLINE_PLACES))
    assert places > 0.4 * len(articles)
    words = Counter(w for d in articles for w in set(f"{d['title']} {d['excerpt']}".lower().split()))
    assert sum(1 for k in words.values() if k == 1) > 0.4 * len(words)  # most words are rare


def test_synth_words_follow_the_law(synth: ModuleType) -> None:
    import random

    assert len({synth.word(r) for r in range(20000)}) == 20000  # one word per rank
    rng = random.Random(0)
    ranks = [synth.zipf_rank(rng) for _ in range(20000)]
    assert min(ranks) == 0 and sum(r < 100 for r in ranks) > sum(r >= 100000 for r in ranks)
    assert all(synth.zipf_rank(rng, 500) >= 500 for _ in range(1000))
    event = synth._event(random.Random(3), 30)
    one, two = synth.text_of(random.Random(1), event), synth.text_of(random.Random(2), event)
    assert one != two and set(one[0].lower().split()) & set(two[0].lower().split())  # rewordings of one event


def test_story_scores(story_eval: ModuleType) -> None:
    """Precision and recall on a hand-made example."""
    pairs = [
        story_eval.LabelledPair("a", "b", True, "x"),  # same group: tp
        story_eval.LabelledPair("a", "c", False, "x"),  # same group: fp
        story_eval.LabelledPair("c", "d", True, "y"),  # d in no group: fn
        story_eval.LabelledPair("d", "e", False, "y"),  # neither in a group: tn
        story_eval.LabelledPair("b", "c", True, "y"),  # tp
    ]
    s = story_eval.score(pairs, story_eval.same_group({"a": 1, "b": 1, "c": 1}))
    assert (s.tp, s.fp, s.fn, s.tn) == (2, 1, 1, 1)
    assert s.precision == pytest.approx(2 / 3) and s.recall == pytest.approx(2 / 3)
    assert s.as_dict()["f1"] == pytest.approx(2 / 3)
    empty = story_eval.score(pairs, lambda a, b: False)
    assert (empty.precision, empty.recall, empty.f1) == (0.0, 0.0, 0.0)
    assert story_eval.same_group({})("a", "a") is False  # an article in no story is alone


def test_strip_related(story_eval: ModuleType) -> None:
    text = (
        "---\ntitle: A\nrelated:\n  - title: B\n    webUrl: https://b\n\n  - title: C\n"
        "secured: s\n---\nrelated:\n  - body\n"
    )
    assert story_eval.strip_related(text) == "---\ntitle: A\nsecured: s\n---\nrelated:\n  - body\n"
    assert story_eval.strip_related("---\ntitle: A\n---\nrelated:\n  - x\n") is None  # the body is not touched
    assert story_eval.strip_related("no front matter") is None


def test_story_eval_on_a_synthetic_corpus(tmp_path: Path, story_eval: ModuleType, synth: ModuleType) -> None:
    corpus = tmp_path / "c"
    synth.write_corpus(600, corpus, seed=2)
    kg = graph.build([corpus], jobs=1, stories=True)
    story = story_eval.story_of(kg.graph)
    members: dict[str, list[str]] = {}
    for article, s in sorted(story.items()):
        members.setdefault(s, []).append(article)
    groups = [m for m in members.values() if len(m) > 1]
    alone = sorted(a for a, d in kg.nodes("article") if a not in story)
    rows = [(groups[0][0], groups[0][1], "same"), (groups[1][0], groups[2][0], "different")]
    rows += [(alone[0], alone[1], "same"), ("https://nowhere/1", groups[0][0], "different")]
    labelled = tmp_path / "pairs.csv"
    with labelled.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["a", "b", "stratum", "label"])
        writer.writerows((a, b, "s", label) for a, b, label in rows)

    result = story_eval.evaluate(corpus, labelled, share=0.3, seed=1, jobs=1)
    assert result["stories"] == len(members) and result["in_stories"] == len(story)
    lab = result["labelled"]
    assert (lab["pairs"], lab["same"], lab["missing"]) == (4, 2, 1)
    assert {k: lab["stories"][k] for k in ("tp", "fp", "fn", "tn")} == {"tp": 1, "fp": 0, "fn": 1, "tn": 2}
    assert set(lab["by_stratum"]["s"]) == {"stories", "components"}
    held = result["held_out"]
    assert held["files_picked"] == 180 and 0 < held["files_stripped"] < held["files_picked"]
    assert 0 < held["same_story"] <= held["removed"] and held["recovered"] == held["same_story"] / held["removed"]
    table = story_eval.table(result)
    assert "| stories | 1.000 | 0.500 |" in table and "held-out links (30% of the files" in table


def test_bench_stories_part(tmp_path: Path, synth: ModuleType) -> None:
    """The stories part on a small corpus: every figure in the JSON and in the table, with its target."""
    corpus, out = tmp_path / "c", tmp_path / "bench"
    synth.write_corpus(200, corpus)
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--out", str(out), "--corpus", str(corpus),
         "--skip", "side,floor,rebuild,growth,stages,queries", "--sizes", "", "--big", "", "--story-sizes", "100,150",
         "--pairs", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    st = json.loads((out / "results.json").read_text())["stories"]
    assert st["flags"] == {"with": [], "without": ["--no-stories"]}
    assert st["full"]["pairs"][0]["stories_s"] > 0 and st["full"]["median_ratio"] > 0
    assert st["rebuild"]["pairs"][0]["differs_from_clean"] == [] and st["rebuild"]["pairs"][0]["change_in_output"]
    assert [row["items"] for row in st["growth"]["rows"]] == [100, 150] and st["growth"]["per_item_growth"] > 0
    assert "labelled" not in st["quality"] and st["quality"]["held_out"]["removed"] > 0  # not the shared corpus
    table = (out / "results.md").read_text()
    for line in ("with stories / without", "| < 0.25 |", "| ≤ 1.3x |", "| < 2048 MB |", "held-out links"):
        assert line in table


def test_library_queries_are_timed_through_the_cli(tmp_path: Path) -> None:
    """benchmarks/queries.py: every library query as a whole command, on a streamed synthetic build
    made once and reused; the table says the rows and which queries failed."""
    queries = _module("queries")
    made = queries.big_build(150, tmp_path / "big")
    assert made["items"] == 150 and not made["reused"]
    again = queries.big_build(150, tmp_path / "big")
    assert again["reused"] and again["build_s"] == made["build_s"]
    names = queries.library_names()
    assert {"top-outlets", "stories", "articles-by-tag"} <= set(names)
    rows = queries.time_queries(tmp_path / "big" / "out", runs=2, names=["top-outlets", "stories", "no-such-query"])
    by_name = {r["query"]: r for r in rows}
    assert by_name["top-outlets"]["rows"] > 0 and by_name["top-outlets"]["failed"] == 0
    assert by_name["top-outlets"]["max_s"] >= by_name["top-outlets"]["median_s"] > 0
    assert by_name["stories"]["rows"] == 0  # a streamed build finds no stories
    assert by_name["no-such-query"]["failed"] == 2 and by_name["no-such-query"]["rows"] is None
    table = "\n".join(queries.markdown("big", rows))
    assert "| top-outlets |" in table and "failed (2 runs)" in table


def test_bench_queries_part(tmp_path: Path) -> None:
    """make bench times every library query on the corpus and on a streamed synthetic build, in its tables."""
    out = tmp_path / "bench"
    done = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "bench.py"), "--out", str(out), "--corpus", str(ROOT / "seeds"),
         "--skip", "side,floor,rebuild,growth,stages,stories", "--sizes", "", "--big", "", "--query-big", "120",
         "--query-runs", "1"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    found = json.loads((out / "results.json").read_text())["queries"]
    assert {r["query"] for r in found["corpus"]} == {r["query"] for r in found["big"]} >= {"top-outlets", "story"}
    assert found["big_build"]["items"] == 120 and (out / "big-120" / "out" / "store").is_dir()
    assert all(r["failed"] == 0 for r in found["corpus"] + found["big"])
    table = (out / "results.md").read_text()
    assert "## Library queries, shared corpus" in table and "streamed synthetic build of 120 items" in table
