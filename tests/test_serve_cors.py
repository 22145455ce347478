"""`newsgraph serve --cors`: a page on another loopback origin queries the endpoint in real Chromium.

The page is served by its own server on another port of 127.0.0.1 (another
origin); it sends a simple GET and a POST with a SPARQL body (which needs a
preflight). With the page's origin (or ``*``) allowed both are answered;
without ``--cors``, or with another origin allowed, the browser refuses both.
Skips, saying why, when Chromium or Playwright is absent.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest

from graph.sparql import Endpoint, free_port, load_store

pytestmark = pytest.mark.browser

FIXTURE = Path(__file__).parent / "fixtures" / "news.ttl"
QUERY = "SELECT ?name WHERE { ?o schema:name ?name } ORDER BY ?name LIMIT 1"
# Runs in the page: a GET (a simple request) and a POST with a SPARQL body (preflighted); each gives
# {status, name} when the browser let the page read the answer, else {error}.
FETCH_BOTH = """async ([endpoint, query]) => {
  const read = async (request) => {
    try {
      const response = await request;
      const body = await response.json();
      return {status: response.status, name: body.results.bindings[0].name.value};
    } catch (e) {
      return {error: String(e)};
    }
  };
  const accept = {Accept: "application/sparql-results+json"};
  return {
    get: await read(fetch(endpoint + "/query?query=" + encodeURIComponent(query), {headers: accept})),
    post: await read(fetch(endpoint + "/query", {
      method: "POST", headers: {...accept, "Content-Type": "application/sparql-query"}, body: query})),
  };
}"""


@pytest.fixture(scope="module")
def page_origin() -> Iterator[str]:
    """Another loopback origin: a server that answers every GET with an empty page."""

    class Page(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b"<!doctype html><meta charset=utf-8><title>another origin</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    server = HTTPServer(("127.0.0.1", 0), Page)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve-cors")
    load_store(folder / "store", FIXTURE, "ttl")
    return folder


def fetch_from_page(browser: Any, page_origin: str, endpoint: Endpoint) -> dict[str, dict[str, Any]]:
    assert page_origin != endpoint.url  # same host, another port: another origin
    context = browser.new_context()
    try:
        page = context.new_page()
        page.set_default_timeout(20_000)
        page.goto(page_origin + "/")
        result: dict[str, dict[str, Any]] = page.evaluate(FETCH_BOTH, [endpoint.url, QUERY])
        return result
    finally:
        context.close()


@pytest.mark.parametrize("allowed", ["page", "*"])
def test_a_page_on_another_origin_queries_the_endpoint(browser: Any, page_origin: str, out: Path, allowed: str) -> None:
    cors = [page_origin if allowed == "page" else "*"]
    with Endpoint(out, port=free_port(), timeout=10, cors=cors) as endpoint:
        result = fetch_from_page(browser, page_origin, endpoint)
    assert result == {"get": {"status": 200, "name": "Alpha News"}, "post": {"status": 200, "name": "Alpha News"}}


@pytest.mark.parametrize("cors", [[], ["http://127.0.0.1:1"]], ids=["no-cors", "another-origin"])
def test_the_browser_refuses_a_page_whose_origin_is_not_allowed(
    browser: Any, page_origin: str, out: Path, cors: list[str]
) -> None:
    options: dict[str, Any] = {"cors": cors} if cors else {}  # no --cors: the endpoint as it starts by default
    with Endpoint(out, port=free_port(), timeout=10, **options) as endpoint:
        result = fetch_from_page(browser, page_origin, endpoint)
    assert set(result) == {"get", "post"}
    for answer in result.values():
        assert "Failed to fetch" in answer.get("error", ""), result
