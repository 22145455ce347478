"""The streaming build: same triples as the normal build, same report, a store that answers."""

from __future__ import annotations

import importlib
import json
import sys
from collections import Counter
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graph
from graph.cli import app
from graph.pipeline.stream import StreamReport, stream_build
from graph.rdf.summary import is_summary
from graph.sparql import query
from tests.conftest import WriteItem

ROOT = Path(__file__).resolve().parent.parent


def _lines(path: Path) -> set[str]:
    return set(path.read_text(encoding="utf-8").split("\n")) - {""}


def _normal_nt(sources: list[Path], out: Path) -> set[str]:
    graph.write_outputs(graph.build(sources, stories=False), out, names=["graph.nt"])
    return _lines(out / "graph.nt")


def _diagnostics(diags: list[graph.Diagnostic]) -> Counter[str]:
    return Counter(json.dumps(d.to_dict(), sort_keys=True) for d in diags)


@pytest.fixture
def tangled(write_item: WriteItem) -> Path:
    """Articles that appear in several partitions (at 2 files per partition), as mains and stubs."""
    a, b, c = "https://www.a.com/one", "https://b.com/two", "https://c.com/three"
    write_item(  # partition 0: a stub of `a` with other fields, and a stub that no file holds
        "01.md",
        title="Bee",
        webUrl=b,
        provider={"name": "Bee News", "domain": "b.com"},
        topics=["Health"],
        related=[
            {"title": "Stub title of A", "webUrl": a, "excerpt": "stub excerpt", "quality": 5, "heat": 1},
            {"title": "Only a stub", "webUrl": "https://d.com/four", "images": [{"url": "https://i.com/x.jpg"}]},
        ],
    )
    write_item("02.md", title="Sea", webUrl=c, ampWebUrl=c + ".amp", tags=["us-ca", "US-CA"], topics=["health"])
    write_item(  # partition 1: the main article `a` (beats the stub, even though later)
        "03.md",
        title="Full A",
        webUrl=a,
        ampWebUrl=a + "/amp",
        publishedDateTime="2020-05-06T08:06:00Z",
        provider={"name": "A Daily", "domain": "a.com", "authors": ["Jo Doe"]},
        images=[{"url": "https://i.com/x.jpg", "width": 640}],
        related=[{"title": "Bee again", "webUrl": b, "excerpt": "from a"}],
        unknown_field="kept",
    )
    write_item("04.md", title="Dup of B", webUrl=b, excerpt="later copy", heat=9)  # partition 1: B again, loses
    write_item(  # partition 2: `c` again through its AMP URL, and a broken file
        "05.md", title="Sea via AMP", webUrl=c + ".amp", images=[{"url": "https://i.com/x.jpg", "height": 9}]
    )
    write_item("06.md", raw="---\ntitle: [unclosed\n---\n")
    write_item("07.md", title="Self", webUrl="https://e.com/5", related=[{"webUrl": "https://e.com/5"}])
    return write_item("08.md", title="Last", webUrl="https://f.com/6").parent


@pytest.mark.parametrize(("size", "jobs"), [(1, None), (2, None), (2, 1), (3, 2), (100, None)])
def test_same_triples_as_the_normal_build(tangled: Path, tmp_path: Path, size: int, jobs: int | None) -> None:
    expected = _normal_nt([tangled], tmp_path / "normal")
    r = stream_build([tangled], tmp_path / "stream", partition_size=size, jobs=jobs)
    got = _lines(tmp_path / "stream" / "graph.nt")
    assert got == expected
    assert r.triples == len(expected)
    lines = (tmp_path / "stream" / "graph.nt").read_text(encoding="utf-8").split("\n")[:-1]
    counted = [is_summary(line[1 : line.index(">")]) for line in lines]
    first = counted.index(True)
    assert not any(counted[:first]) and all(counted[first:])  # the derived counts come last
    assert lines[:first] == sorted(set(lines[:first]))  # sorted, no duplicates
    assert len(set(lines[first:])) == len(lines) - first  # (by subject, as the normal build writes them)


def test_precedence_across_partitions(tangled: Path, tmp_path: Path) -> None:
    stream_build([tangled], tmp_path / "out", partition_size=2)
    out = tmp_path / "out"
    headline = query(out, "SELECT ?h WHERE { <https://a.com/one> schema:headline ?h }").to_dataframe()
    assert headline["h"].tolist() == ["Full A"]  # the main article beats the earlier stub
    quality = query(out, "SELECT ?q WHERE { <https://a.com/one> ng:quality ?q }").to_dataframe()
    assert quality["q"].tolist() == [5]  # a field only the stub has still comes from the stub
    b = query(out, "SELECT ?h ?e WHERE { <https://b.com/two> schema:headline ?h ; schema:description ?e }")
    assert b.to_dataframe().values.tolist() == [["Bee", "later copy"]]


def test_report_matches_the_normal_build(tangled: Path, tmp_path: Path) -> None:
    kg = graph.build([tangled], stories=False)
    out = tmp_path / "out"
    r = stream_build([tangled], out, partition_size=2)
    assert isinstance(r, StreamReport)
    assert (r.report.files.seen, r.report.files.built, r.report.files.failed) == (8, 7, 1)
    assert r.report.nodes == kg.report.nodes
    assert r.report.edges == kg.report.edges
    assert _diagnostics(r.report.diagnostics) == _diagnostics(kg.report.diagnostics)
    data = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert data["files"] == {"seen": 8, "built": 7, "failed": 1} | {
        k: v for k, v in data["files"].items() if k not in ("seen", "built", "failed")
    }
    assert data["nodes"] == kg.report.nodes and data["edges"] == kg.report.edges
    assert {"path", "severity", "code", "message"} <= set(data["diagnostics"][0])
    assert data["stream"]["partitions"] == 4 and data["stream"]["triples"] == r.triples
    assert sorted(p.name for p in out.iterdir()) == ["graph.nt", "report.json", "store"]


def test_seeds_store_answers_and_stale_outputs_go(seeds_dir: Path, tmp_path: Path) -> None:
    graph.write_outputs(graph.build([seeds_dir], stories=False), tmp_path)
    assert (tmp_path / "graph.html").exists()
    stream_build([seeds_dir], tmp_path, partition_size=1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["graph.nt", "report.json", "store"]
    rows = query(tmp_path, "SELECT (COUNT(?a) AS ?n) WHERE { ?a a schema:NewsArticle }").to_dataframe()
    assert rows["n"].tolist() == [5]


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(graph.SourceError):
        stream_build([tmp_path / "nothing"], tmp_path / "out")
    with pytest.raises(ValueError, match="partition_size"):
        stream_build([ROOT / "seeds"], tmp_path / "out", partition_size=0)


def test_parallel_reading_gives_the_same_graph(tmp_path: Path) -> None:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        synth = importlib.import_module("synth")
    finally:
        sys.path.pop(0)
    synth.write_corpus(900, tmp_path / "c", seed=3)
    expected = _normal_nt([tmp_path / "c"], tmp_path / "normal")
    stream_build([tmp_path / "c"], tmp_path / "stream", partition_size=450, jobs=2)
    assert _lines(tmp_path / "stream" / "graph.nt") == expected


def test_cli_stream(tangled: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(app, ["build", str(tangled), "-o", str(out), "--stream", "--partition-size", "2"])
    assert result.exit_code == 0, result.output
    assert "streaming" in result.output
    assert "not written" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["graph.nt", "report.json", "store"]
    strict = CliRunner().invoke(app, ["build", str(tangled), "-o", str(out), "--stream", "--strict", "-q"])
    assert strict.exit_code == 1


def test_unknown_fields_come_from_one_partition(write_item: WriteItem, tmp_path: Path) -> None:
    """The documented difference: ng:extra keys of one article are not merged across partitions."""
    write_item("1.md", title="A", webUrl="https://a.com/1", color="red")
    write_item("2.md", title="A again", webUrl="https://a.com/1", size="big")
    source = tmp_path / "corpus"
    expected = _normal_nt([source], tmp_path / "normal")
    stream_build([source], tmp_path / "one", partition_size=2)
    assert _lines(tmp_path / "one" / "graph.nt") == expected  # one partition: the same
    stream_build([source], tmp_path / "two", partition_size=1)
    diff = _lines(tmp_path / "two" / "graph.nt") ^ expected
    assert {line.split(" ", 2)[1] for line in diff} == {"<https://w3id.org/newsgraph/vocab#extra>"}
    assert any('\\"color\\":\\"red\\"' in line and "size" not in line for line in diff)
