"""The derived counts (graph.rdf.summary): the library questions that read them answer exactly as the
questions asked of the articles themselves did, on the fixture and on the shared corpus; every build
path (full, rebuild, streaming, a store from elsewhere) makes the same counts.

``tests/fixtures/direct/`` holds those questions as they were before the counts (asked of the
articles, slow at a million items): the reference.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

import graph
from graph.pipeline.rebuild import build_into
from graph.pipeline.stream import stream_build
from graph.rdf.summary import PREFIX, is_summary, summary_triples
from graph.sparql import add_counts, memory_store, open_store, query_store, resolve_query
from tests.conftest import synth_corpus

FIXTURES = Path(__file__).parent / "fixtures"
DIRECT = FIXTURES / "direct"
NAMES = sorted(p.stem for p in DIRECT.glob("*.rq"))
#: listings: compared page after page until a short page
LISTINGS = {"articles-by-tag", "no-related-coverage", "syndicated-headlines"}


def _plain(value: Any) -> Any:
    """A cell as a plain value: dates as ISO text, GROUP_CONCAT lists sorted (their order is not defined)."""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, str) and " | " in value:
        return " | ".join(sorted(value.split(" | ")))
    return value


def _rows(store: ox.Store, text: str, **bindings: str) -> list[tuple[Any, ...]]:
    df = query_store(store, text, bindings=bindings or None, timeout=None).to_dataframe()
    return [tuple(_plain(v) for v in row) for row in df.itertuples(index=False)]


def _answer(store: ox.Store, text: str, listing: bool, **bindings: str) -> list[tuple[Any, ...]]:
    """Every row of the question (all pages of a listing whose text has a LIMIT)."""
    if not listing or "LIMIT" not in text:
        return _rows(store, text, **bindings)
    rows: list[tuple[Any, ...]] = []
    for page in range(1, 100_000):
        got = _rows(store, text, page=str(page), **bindings)
        rows += got
        if len(got) < 100:
            return rows
    raise AssertionError("more pages than expected")


def _same(store: ox.Store, name: str, **bindings: str) -> None:
    direct = (DIRECT / f"{name}.rq").read_text(encoding="utf-8")
    listing = name in LISTINGS
    new, old = _answer(store, resolve_query(name), listing, **bindings), _answer(store, direct, listing, **bindings)
    assert new == old, name


@pytest.fixture(scope="module")
def fixture_store() -> ox.Store:
    store = memory_store((FIXTURES / "news.ttl").read_bytes(), fmt="ttl")
    add_counts(store)
    return store


@pytest.fixture(scope="module")
def corpus_store(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    out = tmp_path_factory.mktemp("counts-corpus")
    graph.write_outputs(graph.build([corpus_dir], stories=True), out, names=["graph.nt", "store"])
    return open_store(out)


@pytest.mark.parametrize("name", NAMES)
def test_counted_question_answers_as_the_direct_one_on_the_fixture(fixture_store: ox.Store, name: str) -> None:
    _same(fixture_store, name)


@pytest.mark.parametrize("name", NAMES)
def test_counted_question_answers_as_the_direct_one_on_the_corpus(corpus_store: ox.Store, name: str) -> None:
    _same(corpus_store, name)


@pytest.mark.parametrize("tag", ["GB", "US-CA", "Australia", "no such tag"])
def test_articles_by_one_tag_answer_as_the_direct_question(corpus_store: ox.Store, tag: str) -> None:
    _same(corpus_store, "articles-by-tag", tag=tag)


def test_every_dataset_is_marked_derived(corpus_store: ox.Store) -> None:
    rows = query_store(
        corpus_store,
        "SELECT ?ds ?by (COUNT(?o) AS ?n) WHERE { ?ds a qb:DataSet ; prov:wasGeneratedBy ?by . "
        "OPTIONAL { ?o qb:dataSet ?ds } } GROUP BY ?ds ?by",
    ).to_dataframe()
    assert len(rows) >= 10
    assert set(rows["by"]) == {"https://w3id.org/newsgraph/id/activity/summary"}
    assert (rows["n"] > 0).all()


def _counts_of(nt: Path) -> set[str]:
    return {line for line in nt.read_text(encoding="utf-8").splitlines() if is_summary(line[1 : line.index(">")])}


@pytest.fixture(scope="module")
def synth(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return synth_corpus(120, tmp_path_factory.mktemp("synth"))


@pytest.mark.parametrize("fork", [True, False], ids=["counting-process", "in-process"])
def test_stream_build_makes_the_counts_of_the_full_build(
    tmp_path: Path, synth: Path, fork: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.pipeline import stream as streaming

    if fork:
        # A build in a fresh process can fork (importing newsgraph starts no thread), so the counts are
        # tallied in their own process, fed by a pipe. Here, threads other tests left idle (servers,
        # the browser's) make can_fork() refuse; they hold no lock the counting child needs.
        fresh = subprocess.run(
            [sys.executable, "-c", "import graph.pipeline.stream as s; print(s.can_fork())"],
            capture_output=True, text=True, check=True, timeout=120,
        )  # fmt: skip
        assert fresh.stdout.strip() == "True"
        monkeypatch.setattr(streaming, "can_fork", lambda: True)
    else:
        monkeypatch.setattr(streaming, "can_fork", lambda: False)
    sources = [synth, Path("seeds")]
    graph.write_outputs(graph.build(sources), tmp_path / "full", names=["graph.nt"])
    report = stream_build(sources, tmp_path / "stream", partition_size=2)
    full = _counts_of(tmp_path / "full" / "graph.nt")
    assert any(PREFIX + "unrelated/" in line for line in full)
    assert full == _counts_of(tmp_path / "stream" / "graph.nt")
    lines = (tmp_path / "stream" / "graph.nt").read_text(encoding="utf-8").splitlines()
    assert report.triples == len(lines) == len(ox.Store(str(tmp_path / "stream" / "store")))
    first = next(i for i, line in enumerate(lines) if is_summary(line[1 : line.index(">")]))
    assert all(is_summary(line[1 : line.index(">")]) for line in lines[first:])  # the counts come last,
    subjects = [line[1 : line.index(">")] for line in lines[first:]]
    assert subjects == sorted(subjects)  # in subject order


def test_a_store_from_elsewhere_gets_the_counts_of_a_build(tmp_path: Path, synth: Path) -> None:
    kg = graph.build([synth, Path("seeds")])
    graph.write_outputs(kg, tmp_path, names=["graph.nt"])
    lines = (tmp_path / "graph.nt").read_text(encoding="utf-8").splitlines()
    without = "\n".join(line for line in lines if not is_summary(line[1 : line.index(">")])) + "\n"
    store = memory_store(without)
    assert add_counts(store) == sum(len(t) for t in summary_triples(kg.graph).values())
    assert add_counts(store) > 0  # twice: replaced, not doubled
    assert len(store) == len(lines)


def test_no_articles_no_counts() -> None:
    import networkx as nx

    g = nx.MultiDiGraph()
    g.add_node("https://w3id.org/newsgraph/id/topic/ai", kind="topic", label="AI", key="ai")
    assert summary_triples(g) == {}


def test_counts_follow_a_rebuild(tmp_path: Path, synth: Path) -> None:
    """An edited and a removed file change the counts the rebuild writes, as a fresh build of the same files would."""
    src = tmp_path / "src"
    shutil.copytree(synth, src)
    out = tmp_path / "out"
    build_into([src], out, jobs=1)
    files = sorted(src.glob("**/*.md"))
    files[0].write_text(files[0].read_text(encoding="utf-8").replace("2020-", "2021-"), encoding="utf-8")
    files[1].unlink()
    _, written = build_into([src], out, jobs=1)
    assert "graph.nt" in written.patched and "store" in written.patched
    fresh = tmp_path / "fresh"
    graph.write_outputs(graph.build([src]), fresh, names=["graph.nt", "store"])
    assert _counts_of(out / "graph.nt") == _counts_of(fresh / "graph.nt")
    for name in NAMES:
        assert _rows(open_store(out), resolve_query(name)) == _rows(open_store(fresh), resolve_query(name)), name


def _fails(read_end: int, write_end: int, out: str) -> None:
    import os

    os.close(write_end)
    raise RuntimeError("the counting process broke")


def test_a_counting_process_that_fails_fails_the_build_and_keeps_out(
    tmp_path: Path, synth: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.errors import OutputError
    from graph.pipeline import stream as streaming

    out = tmp_path / "out"
    stream_build([Path("seeds")], out)
    before = (out / "graph.nt").read_bytes()
    monkeypatch.setattr(streaming, "_tally_lines", _fails)
    monkeypatch.setattr(streaming, "can_fork", lambda: True)  # (see above: idle threads of other tests)
    with pytest.raises(OutputError, match="derived counts could not be made"):
        stream_build([synth], out, partition_size=50)
    assert (out / "graph.nt").read_bytes() == before  # the last build stays whole
