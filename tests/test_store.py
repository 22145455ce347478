"""The store: refusals, syntax errors, timeouts, result formats, kg.query and the CLI."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

import graph
from graph.cli import app
from graph.errors import QueryError
from graph.sparql import check_query, memory_store, query_store

FIXTURE = Path(__file__).parent / "fixtures" / "news.ttl"


@pytest.fixture(scope="module")
def store() -> ox.Store:
    return memory_store(FIXTURE.read_bytes(), fmt="ttl")


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> Path:
    out = tmp_path_factory.mktemp("store-out")
    graph.write_outputs(graph.build([seeds_dir]), out)
    return out


@pytest.mark.parametrize(
    ("query", "word"),
    [
        ("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", "SERVICE"),
        ("select * where { service silent <http://x/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * WHERE { \\u0053ERVICE <http://x/> { ?s ?p ?o } }", "SERVICE"),
        ("SELECT * FROM NAMED <http://x/g> WHERE { ?s ?p ?o }", "FROM"),
        ("LOAD <http://x/data.ttl>", "LOAD"),
        ("INSERT DATA { <http://a> <http://b> <http://c> }", "INSERT"),
    ],
)
def test_refused(query: str, word: str) -> None:
    with pytest.raises(QueryError, match=rf"^{word} \(line 1, column \d+\) is refused"):
        check_query(query)


@pytest.mark.parametrize(
    "query",
    [
        "SELECT ?service WHERE { ?s <http://x/SERVICE> 'SERVICE' } # SERVICE",
        "SELECT * WHERE { ?s ex:service ?o }",
        'SELECT * WHERE { ?s ?p """LOAD FROM""" }',
    ],
)
def test_not_refused(query: str) -> None:
    check_query(query)


def test_allow_remote_lets_service_through() -> None:
    check_query("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", allow_remote=True)


def test_syntax_error_says_where(store: ox.Store) -> None:
    with pytest.raises(QueryError, match="syntax error at line 2, column"):
        query_store(store, "SELECT *\nWHERE { ?s ?p }")


def test_timeout_stops_a_long_query(store: ox.Store) -> None:
    long = "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with pytest.raises(QueryError, match=r"stopped after 0\.2 s"):
        query_store(store, long, timeout=0.2)


def test_formats(store: ox.Store) -> None:
    r = query_store(store, "SELECT ?name ?n WHERE { ?o schema:name ?name BIND(1 AS ?n) } ORDER BY ?name LIMIT 2")
    assert list(csv.reader(io.StringIO(r.to_csv()))) == [["name", "n"], ["Alpha News", "1"], ["Ann Writer", "1"]]
    assert r.to_csv().endswith("\r\n")
    assert r.to_tsv().splitlines()[1] == '"Alpha News"\t"1"^^<http://www.w3.org/2001/XMLSchema#integer>'
    doc = json.loads(r.to_json())
    assert doc["head"]["vars"] == ["name", "n"]
    assert doc["results"]["bindings"][0]["name"] == {"type": "literal", "value": "Alpha News"}
    assert json.loads(query_store(store, "ASK { ?s ?p ?o }").to_json()) == {"head": {}, "boolean": True}
    df = query_store(store, "SELECT ?d WHERE { <https://alpha.example/a1> schema:datePublished ?d }").to_dataframe()
    assert df["d"][0].year == 2020


def test_kg_query_returns_a_dataframe(seeds_dir: Path) -> None:
    kg = graph.build([seeds_dir])
    df = kg.query("SELECT (COUNT(?a) AS ?n) WHERE { ?a a schema:NewsArticle }")
    assert df["n"].tolist() == [5]
    assert len(kg.query("top-outlets")) > 0


def test_build_writes_the_store(seeds_out: Path) -> None:
    assert (seeds_out / "store").is_dir()
    assert graph.load(seeds_out).report.nodes["article"] == 5


def test_cli_query_errors_have_no_traceback(seeds_out: Path) -> None:
    runner = CliRunner()
    bad = runner.invoke(app, ["query", "SELECT * WHERE { ?s ?p }", "-d", str(seeds_out)])
    assert bad.exit_code == 2
    assert "syntax error at line 1, column" in bad.output and "Traceback" not in bad.output
    refused = runner.invoke(app, ["query", "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", "-d", str(seeds_out)])
    assert refused.exit_code == 2 and "SERVICE" in refused.output
    missing = runner.invoke(app, ["query", "top-outlets", "-d", str(seeds_out / "nope")])
    assert missing.exit_code == 2 and "newsgraph build" in missing.output


def test_cli_query_list_and_table(seeds_out: Path) -> None:
    runner = CliRunner()
    listed = runner.invoke(app, ["query", "--list"])
    assert listed.exit_code == 0
    assert listed.stdout.splitlines()[0].split()[0] == "articles-by-tag"
    table = runner.invoke(app, ["query", "top-outlets", "-d", str(seeds_out)])
    assert table.exit_code == 0 and "outlet" in table.stdout


GOVTECH = "https://govtech.com/public-safety/lawsuit-highlights-legal-risks-of-facial-recognition-tech"


def test_in_place_edits_are_seen(seeds_dir: Path, tmp_path: Path) -> None:
    kg = graph.build([seeds_dir])
    ask = f"SELECT ?h WHERE {{ <{GOVTECH}> schema:headline ?h }}"
    assert kg.query(ask)["h"].tolist() == ["Lawsuit Highlights Legal Risks of Facial Recognition Tech"]
    graph.write_outputs(kg, tmp_path / "one", names=["graph.nt"])
    kg.graph.nodes[GOVTECH]["title"] = "Edited"
    # a new KnowledgeGraph around the edited graph gets a fresh store
    assert graph.KnowledgeGraph(kg.graph, kg.report).query(ask)["h"].tolist() == ["Edited"]
    # and the RDF writers of a later call see the edit (they share triples within one call only)
    graph.write_outputs(kg, tmp_path / "two", names=["graph.nt"])
    assert '"Edited"' in (tmp_path / "two" / "graph.nt").read_text(encoding="utf-8")


def test_kg_query_loads_the_triples_the_files_hold(seeds_dir: Path, seeds_out: Path) -> None:
    """kg.query's store is loaded straight from the mapping's triples: the same as graph.nt loaded, and store/."""
    from graph.sparql.store import _kg_store

    kg = graph.build([seeds_dir])
    in_memory = set(_kg_store(kg))
    assert in_memory == set(memory_store((seeds_out / "graph.nt").read_bytes()))
    assert in_memory == set(ox.Store.read_only(str(seeds_out / "store")))


def test_kg_query_names_an_iri_a_strict_parser_refuses(seeds_dir: Path) -> None:
    from graph.errors import OutputError

    kg = graph.build([seeds_dir])
    for iri in ("https://example.org/b c", "https://example.org/a b"):
        kg.graph.add_node(iri, kind="topic", label="x", key=iri)
    with pytest.raises(OutputError, match=r"'https://example\.org/a b' is not a valid IRI"):
        kg.query("ASK { ?s ?p ?o }")


def test_a_big_ntriples_file_loads_in_pieces_to_the_same_store(
    seeds_out: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from graph.sparql import store as store_module

    nt = seeds_out / "graph.nt"
    whole, pieces = tmp_path / "whole", tmp_path / "pieces"
    store_module.load_store(whole, nt)
    monkeypatch.setattr(store_module, "BULK_CHUNK_BYTES", 1000)  # the seeds' file in many pieces
    chunks = list(store_module._line_chunks(nt, 1000))
    assert len(chunks) > 5 and b"".join(chunks) == nt.read_bytes()
    assert all(chunk.endswith(b"\n") for chunk in chunks)
    store_module.load_store(pieces, nt)
    a, b = ox.Store.read_only(str(whole)), ox.Store.read_only(str(pieces))
    assert len(a) > 100 and set(map(str, a)) == set(map(str, b))
