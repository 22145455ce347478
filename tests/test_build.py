"""The whole build: the seeds' golden graph, the shared corpus, an unseen corpus, outputs."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import networkx as nx
import pytest

import graph
from graph.errors import SourceError
from graph.outputs.base import Job

from .conftest import WriteItem, item_text

GOLDEN = Path(__file__).parent / "golden"
NEWSGRAPH = [sys.executable, "-m", "graph"]


def test_seeds_golden_graph(seeds_dir: Path) -> None:
    kg = graph.build([seeds_dir])
    expected = json.loads((GOLDEN / "seeds_graph.json").read_text(encoding="utf-8"))
    g = kg.graph
    assert sorted([n, d["kind"], d["label"]] for n, d in g.nodes(data=True)) == expected["nodes"]
    assert sorted([u, r, v] for u, v, r in g.edges(data="relation")) == expected["edges"]


def test_seeds_facts(seeds_dir: Path) -> None:
    kg = graph.build([seeds_dir])
    r = kg.report
    assert (r.files.seen, r.files.built, r.files.failed) == (2, 2, 0)
    assert r.nodes == {"article": 5, "provider": 5, "website": 5, "topic": 2, "image": 4, "story": 1, "activity": 1}
    assert r.edges["related"] == 3
    topics = sorted(d["label"] for _, d in kg.nodes("topic"))
    assert topics == ["AI", "Computer Vision"]
    outlets = sorted(d["name"] for _, d in kg.nodes("provider"))
    assert outlets == [
        "Asia News",
        "Biometric Companies",
        "Government Technology",
        "Hindustan Times",
        "electronicsforu",
    ]
    full = [n for n, d in kg.nodes("article") if not d["stub"]]
    assert len(full) == 2
    assert r.diagnostics == []


def test_no_sources_raise(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="no news files"):
        graph.build([tmp_path])


def test_outputs_are_written_and_load_back(seeds_dir: Path, tmp_path: Path) -> None:
    kg = graph.build([seeds_dir])
    written = graph.write_outputs(kg, tmp_path / "out", names=["graph.json", "graph.graphml", "report.json"])
    assert {p.name for p in written.values()} == {"graph.json", "graph.graphml", "report.json"}
    back = graph.load(tmp_path / "out")
    assert nx.utils.graphs_equal(back.graph, kg.graph)
    assert dict(back.graph.nodes(data=True)) == dict(kg.graph.nodes(data=True))
    gml = nx.read_graphml(tmp_path / "out" / "graph.graphml", force_multigraph=True)
    assert gml.number_of_nodes() == kg.graph.number_of_nodes()
    assert gml.number_of_edges() == kg.graph.number_of_edges()
    report = json.loads((tmp_path / "out" / "report.json").read_text())
    assert report["files"] == {"seen": 2, "built": 2, "failed": 0, "cached": 0}
    assert report["nodes"]["article"] == 5 and report["edges"]["related"] == 3
    assert not list((tmp_path / "out").glob(".staging-*"))


def test_a_failed_write_keeps_the_previous_outputs(seeds_dir: Path, tmp_path: Path, monkeypatch: Any) -> None:
    out = tmp_path / "out"
    kg = graph.build([seeds_dir])
    graph.write_outputs(kg, out, names=["graph.json", "report.json"])
    before = {p.name: p.read_bytes() for p in out.iterdir()}

    from graph.outputs import OUTPUTS
    from graph.outputs.report import Report

    class Broken(Report):
        def write(self, job: Job) -> None:
            (job.folder / self.name).write_text("half")
            raise OSError(28, "No space left on device")

    monkeypatch.setitem(OUTPUTS, "report.json", Broken())
    with pytest.raises(graph.OutputError, match="No space left"):
        graph.write_outputs(kg, out, names=["graph.json", "report.json"])
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_unwritable_output_is_a_clear_error(seeds_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(graph.OutputError, match="cannot write"):
        graph.write_outputs(graph.build([seeds_dir]), blocker / "out")


def test_load_without_a_build(tmp_path: Path) -> None:
    with pytest.raises(graph.OutputError, match="newsgraph build"):
        graph.load(tmp_path)


def _random_item(rng: random.Random, i: int, urls: list[str]) -> str:
    """An item in the seed format with random omissions, odd values and related links."""
    path = rng.choice(["a b", "x", "é", "q?id=1&utm_source=z"])
    url = f"https://{rng.choice(['www.', ''])}site{rng.randint(0, 30)}.com/{path}/{i}"
    urls.append(url)
    meta: dict[str, Any] = {"title": f"Item {i} " + rng.choice(["<b>bold</b>", "plain", "émoji 🦠", '"quoted"'])}
    if rng.random() < 0.95:
        meta["webUrl"] = url
    for key, value in [
        ("excerpt", "text " * rng.randint(0, 30)),
        ("publishedDateTime", rng.choice(["2020-05-06T08:06:00Z", "2020-05-06", "garbage", 20200506])),
        ("quality", rng.choice([1, "2", "high", None, 3.0])),
        ("heat", rng.randint(-1, 100)),
        ("published", rng.choice([True, False, "yes"])),
        ("provider", rng.choice([{"name": f"Outlet {i % 7}", "domain": f"site{i % 7}.com"}, "Just a name", 5, {}])),
        ("topics", rng.choice([["Coronavirus"], ["AI", "ai"], "Solo", [1, None]])),
        ("tags", rng.choice([["US-CA", "GB"], ["NO", "yes"], []])),
        ("images", rng.choice([[{"url": "https://img.com/x.jpg", "width": 1}], ["https://img.com/y.jpg"], [{"w": 1}]])),
        ("ampWebUrl", rng.choice([url + ".amp", "javascript:alert(1)"])),
        ("secured", "SECRETSECRET"),
        ("mystery", {"k": [1, 2, {"d": "2020-01-01"}]}),
    ]:
        if rng.random() < 0.7:
            meta[key] = value
    if urls and rng.random() < 0.3:
        meta["related"] = [
            rng.choice([{"webUrl": rng.choice(urls), "title": "rel"}, {"title": "no url"}, "junk"])
            for _ in range(rng.randint(1, 4))
        ]
    text = item_text(meta, rng.choice(["", "Body\n", "---\nhr in body\n"]))
    mangle = rng.random()
    if mangle < 0.03:
        return text[: len(text) // 2]
    if mangle < 0.05:
        return "no front matter at all"
    if mangle < 0.07:
        return text.replace("title:", "title: [", 1)
    return text


def test_unseen_corpus_accounts_for_every_file(write_item: WriteItem, tmp_path: Path) -> None:
    rng = random.Random(1234)
    urls: list[str] = []
    for i in range(300):
        write_item(f"d{i % 5}/item-{i}.md", raw=_random_item(rng, i, urls))
    kg = graph.build([tmp_path / "corpus"], jobs=1)
    r = kg.report
    assert r.files.seen == 300
    assert r.files.built + r.files.failed == r.files.seen
    assert r.files.failed >= 5  # the mangled and URL-less ones
    failed_paths = {d.path for d in r.errors}
    assert len(failed_paths) == r.files.failed
    out = tmp_path / "out"
    graph.write_outputs(kg, out)
    for name in ("graph.json", "graph.graphml", "report.json"):
        assert "SECRETSECRET" not in (out / name).read_text(encoding="utf-8")


def test_parallel_read_gives_the_same_graph(write_item: WriteItem, tmp_path: Path) -> None:
    rng = random.Random(99)
    urls: list[str] = []
    for i in range(450):  # above the threshold where a process pool is used
        write_item(f"item-{i:03}.md", raw=_random_item(rng, i, urls))
    one = graph.build([tmp_path / "corpus"], jobs=1)
    two = graph.build([tmp_path / "corpus"], jobs=2)
    assert list(one.graph.nodes(data=True)) == list(two.graph.nodes(data=True))
    assert list(one.graph.edges(keys=True, data=True)) == list(two.graph.edges(keys=True, data=True))
    assert one.report.diagnostics == two.report.diagnostics


@pytest.mark.corpus
def test_shared_corpus(corpus_dir: Path, tmp_path: Path) -> None:
    kg = graph.build([corpus_dir])
    r = kg.report
    assert (r.files.seen, r.files.built, r.files.failed) == (6241, 6240, 1)
    (error,) = r.errors
    assert error.path.endswith(
        "2020-05-07-sweden-is-testing-conservatives-preferred-coronavirus-response-and-its-not-going-well.md"
    )
    assert (error.code, error.line) == ("yaml-syntax", 4)
    assert 6100 <= r.nodes["article"] <= 6200
    assert r.nodes["topic"] == 16
    # every related entry is an edge, or reported as pointing at its own article
    self_related = sum(1 for d in r.diagnostics if d.code == "self-related")
    assert r.edges["related"] + self_related >= 2700
    # outlets sharing cbslocal.com stay distinct and share one website node
    cbs = sorted(d["name"] for _, d in kg.nodes("provider") if d.get("domain") == "cbslocal.com")
    assert {"CBS New York", "CBS SF BayArea", "CBS Boston / WBZ"} <= set(cbs)
    # the URLs with spaces are percent-encoded
    apnews = [n for n, _ in kg.nodes("article") if n.startswith("https://apnews.com/Business")]
    assert apnews and all(" " not in n and "%20" in n for n in apnews)
    out = tmp_path / "out"
    graph.write_outputs(kg, out, names=["graph.json", "report.json"])
    secured = "U6ElrnrjlivmHRwSQauKQwP"  # no trace of any `secured` blob
    sample = [line.split('"')[1][:20] for line in _secured_lines(corpus_dir, 50)]
    text = (out / "graph.json").read_text(encoding="utf-8")
    assert secured not in text
    assert not any(s in text for s in sample)


def _secured_lines(folder: Path, n: int) -> list[str]:
    lines = []
    for path in sorted(folder.iterdir())[:n]:
        lines.extend(line for line in path.read_text(encoding="utf-8").splitlines() if line.startswith("secured:"))
    return lines


def test_read_cache_reuses_unchanged_files_and_sees_changes(write_item: WriteItem, tmp_path: Path) -> None:
    for i in range(6):
        write_item(f"item-{i}.md", webUrl=f"https://e.com/{i}", title=f"Title {i}", topics=["AI"])
    corpus, cache = tmp_path / "corpus", tmp_path / "cache" / "read.pickle"
    first = graph.build([corpus], cache=cache)
    assert first.report.files.cached == 0 and cache.is_file()
    write_item("item-3.md", webUrl="https://e.com/3", title="Changed title", topics=["AI"])
    again = graph.build([corpus], cache=cache)
    assert again.report.files.cached == 5
    assert again.graph.nodes["https://e.com/3"]["title"] == "Changed title"
    clean = graph.build([corpus])
    assert list(again.graph.nodes(data=True)) == list(clean.graph.nodes(data=True))
    assert list(again.graph.edges(keys=True, data=True)) == list(clean.graph.edges(keys=True, data=True))
    # a broken cache only costs the cache
    cache.write_bytes(b"not a pickle")
    assert graph.build([corpus], cache=cache).report.files.cached == 0
    assert graph.build([corpus], cache=cache).report.files.cached == 6


def _outputs(out: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(out.iterdir()) if p.is_file() and p.name != "report.json"}


def test_second_writer_process_gives_the_same_files(seeds_dir: Path, tmp_path: Path) -> None:
    kg = graph.build([seeds_dir])
    graph.write_outputs(kg, tmp_path / "one", jobs=1)
    graph.write_outputs(kg, tmp_path / "two", jobs=2)
    one, two = _outputs(tmp_path / "one"), _outputs(tmp_path / "two")
    assert set(one) >= {"graph.html", "graph.json", "graph.graphml", "graph.nt", "graph.ttl"}
    assert one == two
    timings = json.loads((tmp_path / "two" / "report.json").read_text())["timings"]
    assert {"write graph.html", "write graph.nt", "write store"} <= set(timings)


def test_a_failure_in_the_second_writer_is_reported(seeds_dir: Path, tmp_path: Path, monkeypatch: Any) -> None:
    out = tmp_path / "out"
    kg = graph.build([seeds_dir])
    graph.write_outputs(kg, out, jobs=2)
    before = _outputs(out)

    def broken(kg: graph.KnowledgeGraph, path: Path, **options: Any) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(graph.outputs.page, "write_graph_html", broken)  # the page is drawn in the second process
    with pytest.raises(graph.OutputError, match=r"graph\.html.*No space left"):
        graph.write_outputs(kg, out, jobs=2)
    assert _outputs(out) == before
    assert not list(out.glob(".staging-*"))


@pytest.mark.slow
def test_dask_cluster_build_is_byte_identical(seeds_dir: Path, write_item: WriteItem, tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    rng = random.Random(7)
    urls: list[str] = []
    for i in range(150):
        write_item(f"item-{i:03}.md", raw=_random_item(rng, i, urls))
    corpus = tmp_path / "corpus"
    local = tmp_path / "local"
    assert subprocess.run([*NEWSGRAPH, "build", str(corpus), "-o", str(local), "-q"], timeout=300).returncode == 0
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        assert cluster.scheduler_address.startswith("tcp://127.0.0.1:")
        remote = tmp_path / "remote"
        done = subprocess.run(
            [*NEWSGRAPH, "build", str(corpus), "-o", str(remote), "-q", "--scheduler", cluster.scheduler_address],
            timeout=300,
            capture_output=True,
            text=True,
        )
        assert done.returncode == 0, done.stderr
        with distributed.Client(cluster) as client:
            assert len(client.scheduler_info()["workers"]) == 2
    for name in ("graph.nt", "graph.ttl", "graph.json"):
        assert (remote / name).read_bytes() == (local / name).read_bytes(), name


def test_unreachable_scheduler_is_a_clear_error(seeds_dir: Path, tmp_path: Path) -> None:
    pytest.importorskip("distributed")
    done = subprocess.run(
        [*NEWSGRAPH, "build", str(seeds_dir), "-o", str(tmp_path), "--scheduler", "tcp://127.0.0.1:9", "-q"],
        timeout=120,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "cannot reach the Dask scheduler" in done.stderr and "Traceback" not in done.stderr
