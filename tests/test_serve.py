"""`newsgraph serve`: a real Oxigraph behind the refusing front, on loopback, always stopped."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest

from graph.server import Endpoint, free_port
from graph.store import load_store

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
