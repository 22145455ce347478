"""`newsgraph serve`: a real Oxigraph behind the refusing front, on loopback, always stopped."""

from __future__ import annotations

import http.client
import json
import platform
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from graph.errors import QueryError, ServeError
from graph.sparql import Endpoint, free_port, load_store, memory_store, query_store
from tests.test_serve_signals import engines

from .conftest import SparqlTrap, loopback_server

FIXTURE = Path(__file__).parent / "fixtures" / "news.ttl"


@pytest.fixture(scope="module")
def endpoint(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Endpoint]:
    out = tmp_path_factory.mktemp("serve-out")
    load_store(out / "store", FIXTURE, "ttl")
    with Endpoint(out, port=free_port(), timeout=5) as ep:  # serves in the background, closes on exit
        yield ep


def get(url: str, accept: str = "application/sparql-results+json") -> tuple[int, bytes]:
    req = urllib.request.Request(url, headers={"Accept": accept})
    try:
        with urllib.request.urlopen(req, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_get_query_answers_sparql_json(endpoint: Endpoint) -> None:
    q = "SELECT ?name WHERE { ?o <https://schema.org/name> ?name } ORDER BY ?name"
    status, body = get(f"{endpoint.url}/query?query={quote(q)}")
    assert status == 200
    names = [b["name"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert names[:3] == ["Alpha News", "Ann Writer", "Bob Reporter"]


def test_listens_on_loopback_only(endpoint: Endpoint) -> None:
    assert endpoint.host == "127.0.0.1"
    assert endpoint.url.startswith("http://127.0.0.1:")


def test_service_is_refused(endpoint: Endpoint) -> None:
    q = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    status, body = get(f"{endpoint.url}/query?query={quote(q)}")
    assert status == 400
    assert b"SERVICE" in body


def test_updates_are_refused(endpoint: Endpoint) -> None:
    data = b"update=" + quote("INSERT DATA { <http://a> <http://b> <http://c> }").encode()
    req = urllib.request.Request(
        f"{endpoint.url}/update", data=data, headers={"Content-Type": "application/x-www-form-urlencoded"}
    )
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=10)
    assert info.value.code == 403
    status, _ = get(f"{endpoint.url}/query?query={quote('ASK { <http://a> <http://b> <http://c> }')}")
    assert status == 200


def test_cli_serve_refuses_a_missing_store(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graph.cli import app

    result = CliRunner().invoke(app, ["serve", "-d", str(tmp_path)])
    assert result.exit_code == 2
    assert "no SPARQL store" in result.output


# --------------------------------------------------------------------------- the engine's own port (issue 14, item 5)


@pytest.fixture(scope="module")
def trap() -> Iterator[tuple[str, list[str]]]:
    """A loopback endpoint that records every request: a SERVICE that ran would show here."""
    with loopback_server(SparqlTrap) as (url, seen):
        yield url + "/sparql", seen


@pytest.mark.skipif(
    sys.platform != "linux" or platform.machine() not in ("x86_64", "aarch64"),
    reason="the engine's seccomp filter is for Linux on x86_64 and aarch64",
)
def test_the_engines_own_port_runs_no_service(endpoint: Endpoint, trap: tuple[str, list[str]]) -> None:
    """A local process that finds the engine's port (as `ps` shows it) and sends SERVICE there reaches nothing."""
    found = engines(endpoint.store)
    assert len(found) == 1, found
    _, port = found[0]
    url, seen = trap
    for target in (url, "http://example.org/sparql"):
        q = f"SELECT * WHERE {{ SERVICE <{target}> {{ ?s ?p ?o }} }}"
        status, body = get(f"http://127.0.0.1:{port}/query?query={quote(q)}")
        assert b"Operation not permitted" in body or b"name resolution" in body, (status, body[:300])
    assert seen == [], "the engine ran a SERVICE query"
    assert endpoint.sandboxed, endpoint.sandbox_note
    # it still answers ordinary queries there (read-only; the front's limits do not apply on that port)
    status, body = get(f"http://127.0.0.1:{port}/query?query={quote('ASK { ?s ?p ?o }')}")
    assert (status, json.loads(body)["boolean"]) == (200, True)


# --------------------------------------------------------------------------- serve and query agree (item 7)


def test_serve_declares_the_prefixes_query_declares(endpoint: Endpoint) -> None:
    q = "SELECT ?name WHERE { ?o schema:name ?name } ORDER BY ?name LIMIT 1"
    status, body = get(f"{endpoint.url}/query?query={quote(q)}")
    assert status == 200, body
    assert [b["name"]["value"] for b in json.loads(body)["results"]["bindings"]] == ["Alpha News"]
    for ctype, data in (
        ("application/sparql-query", q.encode()),
        ("application/x-www-form-urlencoded", b"query=" + quote(q).encode()),
    ):
        req = urllib.request.Request(
            f"{endpoint.url}/query",
            data=data,
            headers={"Content-Type": ctype, "Accept": "application/sparql-results+json"},
        )
        with urllib.request.urlopen(req, timeout=10) as r:
            assert json.loads(r.read())["results"]["bindings"][0]["name"]["value"] == "Alpha News"
    # a prefix the query declares itself wins over the one declared for it
    q = "PREFIX schema: <http://schema.org/> ASK { ?o schema:name ?name }"
    status, body = get(f"{endpoint.url}/query?query={quote(q)}")
    assert (status, json.loads(body)["boolean"]) == (200, False)


def test_an_unknown_prefix_gets_a_readable_message_from_query_and_serve(endpoint: Endpoint) -> None:
    q = "SELECT ?n WHERE {\n  ?o foo:name ?n }"
    status, body = get(f"{endpoint.url}/query?query={quote(q)}")
    with pytest.raises(QueryError) as info:
        query_store(memory_store(FIXTURE.read_bytes(), "ttl"), q)
    expected = "unknown prefix 'foo:' (line 2, column 6); declare it with PREFIX foo: <...>, or use one of: schema,"
    for message in (body.decode(), str(info.value)):
        assert message.startswith(expected), message
        assert "\\u{" not in message and "..=" not in message
    assert status == 400


def test_serve_and_query_give_the_same_syntax_errors(endpoint: Endpoint) -> None:
    for q in ("SELECT * WHERE { ?s ?p }", "SELECT * WHERE {\n ?s ?p ?o .\n ?s ?p }"):
        status, body = get(f"{endpoint.url}/query?query={quote(q)}")
        with pytest.raises(QueryError) as info:
            query_store(memory_store(FIXTURE.read_bytes(), "ttl"), q)
        assert (status, body.decode().strip()) == (400, str(info.value))


def test_refusals_name_what_each_command_offers(endpoint: Endpoint, tmp_path: Path) -> None:
    service = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    from_ = "SELECT * FROM <http://127.0.0.1:9/data.ttl> WHERE { ?s ?p ?o }"
    for q in (service, from_):
        status, body = get(f"{endpoint.url}/query?query={quote(q)}")
        assert status == 400
        assert b"allow-remote" not in body and b"allow_remote" not in body, body  # serve has no such switch
    from typer.testing import CliRunner

    from graph.cli import app

    load_store(tmp_path / "store", FIXTURE, "ttl")
    result = CliRunner().invoke(app, ["query", service, "-d", str(tmp_path)])
    assert result.exit_code == 2
    assert "--allow-remote" in result.output  # newsgraph query has it


# --------------------------------------------------------------------------- CORS over HTTP (item 6)
# (in a real browser: tests/test_serve_cors.py)


def preflight(url: str, origin: str) -> tuple[int, dict[str, str]]:
    conn = http.client.HTTPConnection(urlsplit(url).netloc, timeout=10)
    try:
        conn.request(
            "OPTIONS",
            "/query",
            headers={
                "Origin": origin,
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "content-type",
            },
        )
        response = conn.getresponse()
        response.read()
        return response.status, {k.lower(): v for k, v in response.getheaders()}
    finally:
        conn.close()


def test_without_cors_options_is_answered_and_no_origin_is_allowed(endpoint: Endpoint) -> None:
    status, headers = preflight(endpoint.url, "http://127.0.0.1:9")
    assert status == 403  # not 501
    assert "access-control-allow-origin" not in headers
    req = urllib.request.Request(f"{endpoint.url}/query?query={quote('ASK {}')}", headers={"Origin": "http://a.test"})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers.get("Access-Control-Allow-Origin") is None


def test_cors_answers_preflights_for_the_origins_given(tmp_path: Path) -> None:
    load_store(tmp_path / "store", FIXTURE, "ttl")
    with Endpoint(tmp_path, port=free_port(), timeout=5, cors=["http://127.0.0.1:8000/"]) as ep:
        status, headers = preflight(ep.url, "http://127.0.0.1:8000")
        assert status == 204
        assert headers["access-control-allow-origin"] == "http://127.0.0.1:8000"
        assert "POST" in headers["access-control-allow-methods"]
        assert headers["access-control-allow-headers"] == "content-type"
        assert preflight(ep.url, "http://127.0.0.1:8001")[0] == 403
        bad = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }"
        for q, code in (("ASK { ?s ?p ?o }", 200), (bad, 400)):  # answers and refusals both carry the header
            req = urllib.request.Request(
                f"{ep.url}/query?query={quote(q)}", headers={"Origin": "http://127.0.0.1:8000"}
            )
            try:
                with urllib.request.urlopen(req, timeout=10) as r:
                    status, allowed = r.status, r.headers.get("Access-Control-Allow-Origin")
            except urllib.error.HTTPError as exc:
                status, allowed = exc.code, exc.headers.get("Access-Control-Allow-Origin")
            assert (status, allowed) == (code, "http://127.0.0.1:8000")
    with Endpoint(tmp_path, port=free_port(), timeout=5, cors=["*"]) as ep:
        status, headers = preflight(ep.url, "http://localhost:1234")
        assert (status, headers["access-control-allow-origin"]) == (204, "*")
    with pytest.raises(ServeError, match="not an origin"):
        Endpoint(tmp_path, cors=["http://127.0.0.1:8000/yasgui"])
