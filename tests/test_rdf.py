"""RDF: mapping, strict IRIs, determinism, lossless round trip, parse checks in pyoxigraph and rdflib."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import networkx as nx
import pyoxigraph as ox
import pytest
import rdflib
import rdflib.compare
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rdflib.namespace import RDF, SDO, SKOS, XSD

import graph
from graph.rdf import from_rdf, read_rdf, source_iri, to_rdf, write_rdf

RDFLIB_FORMATS = {".ttl": "turtle", ".nt": "nt", ".jsonld": "json-ld"}


def norm(g: nx.MultiDiGraph) -> tuple[dict[str, Any], list[Any]]:
    """A graph in a comparable form: list attributes sorted (RDF carries sets)."""
    nodes = {n: {k: sorted(v) if isinstance(v, list) else v for k, v in d.items()} for n, d in g.nodes(data=True)}
    return nodes, sorted(g.edges(keys=True, data="relation"))


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> tuple[graph.KnowledgeGraph, Path]:
    kg = graph.build(["seeds"])
    out = tmp_path_factory.mktemp("seeds_out")
    graph.write_outputs(kg, out, names=["graph.ttl", "graph.nt", "graph.jsonld"])
    write_rdf(kg, out / "graph.nq")
    return kg, out


def test_seed_facts(seeds_out: tuple[graph.KnowledgeGraph, Path]) -> None:
    _, out = seeds_out
    g = rdflib.Graph().parse(out / "graph.ttl", format="turtle")
    articles = set(g.subjects(RDF.type, SDO.NewsArticle))
    assert len(articles) == 5
    for a in articles:
        assert g.value(a, SDO.headline) is not None
        date = g.value(a, SDO.datePublished)
        assert isinstance(date, rdflib.Literal) and date.datatype == XSD.dateTime
        assert set(g.objects(a, rdflib.URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
    publishers = {str(g.value(p, SDO.name)) for p in g.objects(None, SDO.publisher)}
    assert publishers == {
        "Asia News",
        "electronicsforu",
        "Hindustan Times",
        "Government Technology",
        "Biometric Companies",
    }
    topics = {str(x) for c in g.objects(None, SDO.about) for x in g.objects(c, SKOS.prefLabel)}
    assert topics == {"Computer Vision", "AI"}
    assert len(set(g.subjects(RDF.type, SDO.ImageObject))) == 4
    assert len(list(g.triples((None, rdflib.URIRef("http://purl.org/dc/terms/relation"), None)))) == 3
    quality = next(g.objects(None, rdflib.URIRef("https://w3id.org/newsgraph/vocab#quality")))
    assert isinstance(quality, rdflib.Literal) and quality.datatype == XSD.integer


@pytest.mark.parametrize("name", ["graph.ttl", "graph.nt", "graph.jsonld"])
def test_seed_files_parse_alike(seeds_out: tuple[graph.KnowledgeGraph, Path], name: str) -> None:
    kg, out = seeds_out
    path = out / name
    ox_count = len(list(ox.parse(path=str(path))))
    rdflib_graph = rdflib.Graph().parse(path, format=RDFLIB_FORMATS[path.suffix])
    assert ox_count == len(rdflib_graph) == len(to_rdf(kg))
    assert rdflib.compare.isomorphic(rdflib_graph, to_rdf(kg))
    assert norm(read_rdf(path)) == norm(kg.graph)


def test_nquads_one_graph_per_source(seeds_out: tuple[graph.KnowledgeGraph, Path]) -> None:
    _, out = seeds_out
    names = {q.graph_name.value for q in ox.parse(path=str(out / "graph.nq")) if isinstance(q.graph_name, ox.NamedNode)}
    assert names == {source_iri("seeds/000_21b13f3181ff2019.txt"), source_iri("seeds/002_c1840662fd681368.txt")}


def test_jsonld_reads_like_schema_org(seeds_out: tuple[graph.KnowledgeGraph, Path]) -> None:
    import json

    data = json.loads((seeds_out[1] / "graph.jsonld").read_text(encoding="utf-8"))
    assert data["@context"]["@vocab"] == "https://schema.org/"
    article = next(n for n in data["@graph"] if n.get("@type") == "NewsArticle")
    assert isinstance(article["headline"], str) and isinstance(article["datePublished"], str)


def test_deterministic(tmp_path: Path) -> None:
    for i in (1, 2):
        graph.write_outputs(graph.build(["seeds"]), tmp_path / str(i), names=["graph.ttl", "graph.nt"])
    for name in ("graph.ttl", "graph.nt"):
        assert (tmp_path / "1" / name).read_bytes() == (tmp_path / "2" / name).read_bytes()


def test_bad_iri_is_refused(tmp_path: Path) -> None:
    g = nx.MultiDiGraph()
    g.add_node("https://a.org/a b", kind="article", label="x", url="https://a.org/a b", stub=False)
    with pytest.raises(ValueError, match="not a valid IRI"):
        write_rdf(g, tmp_path / "x.nt")


def test_spaces_percent_encoded(write_item: Any, tmp_path: Path) -> None:
    write_item("a.md", title="T", webUrl="https://apnews.com/Business Wire/5054 é", originalUrl="javascript:x()")
    out = tmp_path / "out"
    graph.write_outputs(graph.build([str(tmp_path / "corpus")]), out, names=["graph.nt"])
    text = (out / "graph.nt").read_text(encoding="utf-8")
    assert "<https://apnews.com/Business%20Wire/5054%20é>" in text
    assert "javascript" not in text
    assert len(list(ox.parse(path=str(out / "graph.nt")))) > 0


def test_source_iri_round_trips() -> None:
    assert source_iri("../x/a b.md").endswith("..%2Fx%2Fa%20b.md")
    ox.NamedNode(source_iri("dir/ü\n\"'.md"))


def test_corpus(corpus_dir: Path, tmp_path: Path) -> None:
    kg = graph.build([str(corpus_dir)])
    graph.write_outputs(kg, tmp_path, names=["graph.ttl", "graph.nt", "graph.jsonld"])
    counts = {
        name: len(list(ox.parse(path=str(tmp_path / name)))) for name in ("graph.ttl", "graph.nt", "graph.jsonld")
    }
    assert len(set(counts.values())) == 1 and counts["graph.nt"] > 100_000
    nt = (tmp_path / "graph.nt").read_text(encoding="utf-8")
    assert "<https://apnews.com/Business%20Wire/" in nt
    assert norm(read_rdf(tmp_path / "graph.ttl")) == norm(kg.graph)


# --------------------------------------------------------------------------- property tests

text = st.text(st.characters(exclude_categories=["Cs"]), max_size=30)
words = st.text(st.characters(categories=["L", "N"]), min_size=1, max_size=12)


@st.composite
def articles(draw: st.DrawFn) -> dict[str, Any]:
    return {
        "title": draw(text),
        "excerpt": draw(text),
        "webUrl": "https://" + draw(st.sampled_from(["a.org", "b.com", "ex.net"])) + "/" + draw(text),
        "publishedDateTime": draw(st.datetimes(timezones=st.just(UTC))).isoformat(),
        "quality": draw(st.integers(-(10**12), 10**12)),
        "heat": draw(st.integers(-5, 100)),
        "published": draw(st.booleans()),
        "provider": {"name": draw(words), "domain": draw(st.sampled_from(["a.org", "b.com"]))},
        "topics": draw(st.lists(words, max_size=3)),
        "tags": draw(st.lists(st.sampled_from(["US-CA", "GB", "Australia", "a b"]), max_size=3)),
        "images": [{"url": "https://img.org/" + draw(words) + ".jpg", "width": draw(st.integers(0, 5000))}],
        "related": [{"title": draw(text), "webUrl": "https://b.com/" + draw(words)}],
        "featuredContent": draw(st.none() | st.dictionaries(words, st.integers() | text, max_size=2)),
    }


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(articles(), min_size=1, max_size=4))
def test_round_trip_generated(write_item: Any, tmp_path: Path, items: list[dict[str, Any]]) -> None:
    for i, meta in enumerate(items):
        write_item(f"gen/{i}.md", **meta)
    kg = graph.build([str(tmp_path / "corpus" / "gen")])
    rdf = to_rdf(kg)
    assert norm(from_rdf(rdf)) == norm(kg.graph)
    path = tmp_path / "g.ttl"
    write_rdf(kg, path)
    assert norm(read_rdf(path)) == norm(kg.graph)
    jsonld = tmp_path / "g.jsonld"
    write_rdf(kg, jsonld)
    assert len(list(ox.parse(path=str(jsonld)))) == len(rdf)


def test_unknown_attributes_kept() -> None:
    g = nx.MultiDiGraph()
    when = datetime(2020, 1, 2, 3, 4, tzinfo=UTC)
    g.add_node(
        "https://a.org/1",
        kind="article",
        label="A",
        url="https://a.org/1",
        stub=True,
        quality="high",
        x=[1],
        same_as=[],
        sources=[],
    )
    g.add_node(
        "https://a.org/2",
        kind="article",
        label="B",
        url="https://a.org/2",
        stub=False,
        published_at=when,
        same_as=[],
        sources=["a.md"],
    )
    g.add_edge("https://a.org/1", "https://a.org/2", "related", relation="related")
    assert norm(from_rdf(to_rdf(g))) == norm(g)


def test_an_outlets_url_is_its_home_page_and_its_website_has_a_predicate_of_its_own(
    seeds_out: tuple[graph.KnowledgeGraph, Path],
) -> None:
    _, out = seeds_out
    g = rdflib.Graph().parse(out / "graph.ttl")
    ng = rdflib.Namespace(graph.rdf.NG)
    outlets = set(g.subjects(RDF.type, SDO.NewsMediaOrganization))
    assert len(outlets) == 5
    for outlet in outlets:
        domain = str(g.value(outlet, ng.domain))
        assert g.value(outlet, SDO.url) == rdflib.URIRef(f"https://{domain}/")
        site = g.value(outlet, ng.website)
        assert (site, RDF.type, SDO.WebSite) in g
        assert g.value(site, SDO.url) == rdflib.URIRef(f"https://{domain}/")
    # no schema:url anywhere points at a minted node
    assert not [o for o in g.objects(None, SDO.url) if str(o).startswith(graph.identity.ID)]


def test_every_project_term_the_mapping_writes_is_described_in_the_shipped_vocabulary() -> None:
    """``graph/rdf/vocab.ttl`` (package data) gives a label and a comment to every ``ng:`` term the tables use."""
    from importlib.resources import files

    from graph.rdf import summary, vocab

    text = files("graph.rdf").joinpath("vocab.ttl").read_text(encoding="utf-8")
    g = rdflib.Graph().parse(data=text, format="turtle")
    used = {p for attrs in vocab.ATTRS.values() for _, p, _ in attrs} | set(vocab.PREDICATES.values())
    used |= {vocab.SOURCE_PATH, vocab.ATTRIBUTES, vocab.NG + "SourceFile"}
    used |= set(summary.TERMS)
    for term in sorted(t for t in used if t.startswith(vocab.NG)):
        assert g.value(rdflib.URIRef(term), rdflib.RDFS.label) is not None, term
        assert g.value(rdflib.URIRef(term), rdflib.RDFS.comment) is not None, term
