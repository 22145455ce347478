"""Validation: built output conforms to the SHACL shapes; a graph broken on purpose does not."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import graph
from graph.cli import app

pytest.importorskip("pyshacl")


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("out")
    graph.write_outputs(graph.build(["seeds"]), out, names=["graph.ttl", "graph.json", "report.json"])
    return out


def test_seeds_conform(seeds_out: Path) -> None:
    report = graph.validate(seeds_out)
    assert report.conforms and report.violations == [] and report.triples > 100
    result = CliRunner().invoke(app, ["validate", "-d", str(seeds_out)])
    assert result.exit_code == 0, result.output
    assert "conforms" in result.output


def test_broken_graph_names_node_and_shape(tmp_path: Path) -> None:
    kg = graph.build(["seeds"])
    provider = next(n for n, _ in kg.nodes("provider"))
    del kg.graph.nodes[provider]["name"]  # schema:name is required
    article = next(n for n, _ in kg.nodes("article"))
    kg.graph.nodes[article]["quality"] = "high"  # kept (ng:attributes), but not as a wrong ng:quality
    kg.graph.nodes[article]["sources"] = []  # prov:wasDerivedFrom is required
    graph.write_outputs(kg, tmp_path, names=["graph.ttl"])
    report = graph.validate(tmp_path)
    assert not report.conforms
    found = {(v.focus, v.shape, v.path) for v in report.violations}
    assert found == {
        (provider, "ngsh:ProviderShape", "schema:name"),
        (article, "ngsh:ArticleShape", "prov:wasDerivedFrom"),
    }
    result = CliRunner().invoke(app, ["validate", "-d", str(tmp_path)])
    assert result.exit_code == 1
    assert f"{provider}: ngsh:ProviderShape schema:name: " in result.output
    assert "2 violations" in result.output


def test_missing_build_is_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "-d", str(tmp_path / "nope")])
    assert result.exit_code == 2


def test_only_articles_have_the_properties_the_queries_count(tmp_path: Path) -> None:
    """The library queries count schema:publisher, schema:about, ... triples without a type test and
    take every schema:isPartOf object for a story: the shapes check both guarantees."""
    kg = graph.build(["seeds"])
    provider = next(n for n, _ in kg.nodes("provider"))
    topic = next(n for n, _ in kg.nodes("topic"))
    image = next(n for n, _ in kg.nodes("image"))
    article = next(n for n, _ in kg.nodes("article"))
    kg.graph.add_edge(image, provider, key="published_by", relation="published_by")  # an image with a publisher
    kg.graph.add_edge(image, topic, key="about", relation="about")
    kg.graph.add_edge(article, provider, key="part_of", relation="part_of")  # a part of an outlet, not a story
    graph.write_outputs(kg, tmp_path, names=["graph.ttl"])
    report = graph.validate(tmp_path)
    found = {(v.focus, v.shape) for v in report.violations}
    assert (image, "ngsh:ArticlePropertiesShape") in found
    assert (provider, "ngsh:StoryPartShape") in found


def test_derived_counts_conform_and_say_they_are_derived(tmp_path: Path) -> None:
    """The counts every build writes (graph.rdf.summary) conform; a dataset that does not say it was
    generated, or an observation of two datasets, does not."""
    graph.write_outputs(graph.build(["seeds"]), tmp_path, names=["graph.nt"])
    assert graph.validate(tmp_path).conforms
    from graph.rdf.summary import ACTIVITY, PREFIX

    nt = tmp_path / "graph.nt"
    lines = [line for line in nt.read_text(encoding="utf-8").splitlines() if f"<{ACTIVITY}> ." not in line]
    lines.append(f"<{PREFIX}days/x> <http://purl.org/linked-data/cube#dataSet> <{PREFIX}days> .")
    lines.append(f"<{PREFIX}days/x> <http://purl.org/linked-data/cube#dataSet> <{PREFIX}weeks> .")
    nt.write_text("\n".join(lines) + "\n", encoding="utf-8")
    found = {(v.focus, v.shape) for v in graph.validate(tmp_path).violations}
    assert (PREFIX + "days", "ngsh:CountDataSetShape") in found
    assert (PREFIX + "days/x", "ngsh:CountShape") in found
