"""The SPARQL workbench of ``newsgraph serve`` (``/``) and its explorer pages (``/view``), in real Chromium.

The endpoint is the real one (Oxigraph under its keeper, the front on
127.0.0.1); the build is the seeds' (always here) and, for the map, the
shared corpus's (skipped without ``../shared``).
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from graph import build_into
from graph.errors import QueryError
from graph.explorer import Views
from graph.sparql import Endpoint, free_port
from graph.sparql.library import library
from graph.sparql.workbench import CSP, Workbench

from .conftest import SEEDS

ARTICLES = """SELECT ?article ?headline ?published WHERE {
  ?article a schema:NewsArticle ; schema:headline ?headline ; schema:datePublished ?published .
} ORDER BY ?published"""


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wb-seeds")
    build_into([SEEDS], out)
    return out


@pytest.fixture(scope="module")
def endpoint(seeds_out: Path) -> Iterator[Endpoint]:
    with Endpoint(seeds_out, port=free_port(), timeout=20, views=Views(seeds_out)) as ep:
        yield ep


def get(url: str) -> tuple[int, dict[str, str], bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def ask(endpoint: Endpoint, query: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        endpoint.url + "/query",
        data=query.encode(),
        headers={"Content-Type": "application/sparql-query", "Accept": "application/sparql-results+json"},
    )
    with urllib.request.urlopen(request, timeout=30) as r:
        rows: list[dict[str, Any]] = json.loads(r.read())["results"]["bindings"]
        return rows


# --------------------------------------------------------------------------- without a browser


def test_the_page_and_its_files_are_served_by_the_endpoint(endpoint: Endpoint) -> None:
    status, headers, body = get(endpoint.url + "/")
    assert status == 200 and headers["Content-Security-Policy"] == CSP
    assert b"/workbench/workbench.js" in body and b"http" not in body.replace(b"http-equiv", b"")
    for path in ("workbench.js", "workbench.css", "vendor.js", "world.json", "licenses.txt"):
        status, _, data = get(f"{endpoint.url}/workbench/{path}")
        assert status == 200 and len(data) > 1000, path
    assert get(endpoint.url + "/workbench/nothing.js")[0] == 404
    lib = json.loads(get(endpoint.url + "/workbench/library.json")[2])
    assert set(lib["library"]) == set(library()) and lib["first"] in lib["library"]
    assert lib["library"]["top-outlets"]["question"].startswith("Which outlets publish the most articles?")
    assert lib["prefixes"]["schema"] == "https://schema.org/"


def test_completion_terms_come_from_the_store(endpoint: Endpoint) -> None:
    terms = json.loads(get(endpoint.url + "/workbench/terms.json")[2])
    assert terms["source"] == "store"
    used = {row["p"]["value"] for row in ask(endpoint, "SELECT DISTINCT ?p WHERE { ?s ?p ?o }")}
    assert set(terms["properties"]) == used
    assert "https://schema.org/headline" in terms["properties"]
    assert "https://w3id.org/newsgraph/vocab#Story" in terms["classes"]
    # a property of the vocabulary that the seeds never use is not offered
    assert "https://schema.org/latitude" not in terms["properties"]


def test_terms_fall_back_to_the_vocabulary_saying_so() -> None:
    def engine_down() -> tuple[list[str], list[str]]:
        raise QueryError("the engine did not answer: timed out")

    terms = json.loads(Workbench(engine_down).terms())
    assert terms["source"].startswith("vocabulary (the engine did not answer")
    assert "https://schema.org/NewsArticle" in terms["classes"]


def test_view_draws_the_explorer_page_of_the_build(endpoint: Endpoint) -> None:
    status, headers, body = get(endpoint.url + "/view?topic=AI")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    assert b'id="ng-network"' in body and b"Content-Security-Policy" in body
    assert get(endpoint.url + "/view?colour=red")[0] == 400
    status, _, message = get(endpoint.url + "/view?around=https%3A%2F%2Fnowhere.example%2Fx")
    assert status == 400 and b"nowhere.example" in message
    status, _, message = get(endpoint.url + "/view?topic=AI&since=2031-01-01")
    assert status == 404 and b"no article matches" in message
    assert get(endpoint.url + "/view?depth=two")[0] == 400


def test_view_of_a_streamed_build_says_why_it_cannot_draw(tmp_path: Path) -> None:
    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, "-m", "graph", "build", str(SEEDS), "-o", str(out), "--stream", "-q"], check=True, timeout=120
    )
    with Endpoint(out, port=free_port(), timeout=10, views=Views(out)) as ep:
        status, _, message = get(ep.url + "/view?topic=AI")
    assert status == 409 and b"--stream" in message


def test_without_a_view_maker_view_is_not_found(seeds_out: Path) -> None:
    with Endpoint(seeds_out, port=free_port(), timeout=10) as ep:
        status, _, message = get(ep.url + "/view?topic=AI")
        assert get(ep.url + "/")[0] == 200
    assert status == 404 and b"draws no explorer pages" in message


# --------------------------------------------------------------------------- in Chromium


class Opened:
    def __init__(self, page: Any) -> None:
        self.page = page
        self.requests: list[str] = []
        self.problems: list[str] = []


def open_workbench(browser: Any, url: str, context: Any = None) -> Opened:
    page = (context or browser).new_page()
    page.set_viewport_size({"width": 1400, "height": 1000})
    opened = Opened(page)
    page.on("request", lambda r: opened.requests.append(r.url))
    page.on("console", lambda m: opened.problems.append(m.text) if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: opened.problems.append(str(e)))
    page.set_default_timeout(30_000)
    page.goto(url)
    page.wait_for_function("() => window.WB && WB.started")
    return opened


def wait_run(page: Any, runs: int) -> None:
    page.wait_for_function(f"() => WB.runs >= {runs} && WB.ready")


def table_rows(page: Any) -> list[list[str]]:
    rows: list[list[str]] = page.evaluate(
        "() => [...document.querySelectorAll('table.wb-table tbody tr')]"
        ".map(tr => [...tr.cells].map(td => td.innerText))"
    )
    return rows


def only_this_server(opened: Opened, base: str) -> None:
    outside = [u for u in opened.requests if not u.startswith(base + "/")]
    assert outside == [], "the page asked elsewhere"
    assert opened.problems == []


def test_an_example_from_the_library_runs_and_shows_its_table(browser: Any, endpoint: Endpoint) -> None:
    opened = open_workbench(browser, endpoint.url + "/")
    page = opened.page
    first = page.evaluate("() => WB.editor.state.doc.toString()")
    assert "PREFIX schema: <https://schema.org/>" in first and "PREFIX counts:" in first
    assert "SELECT ?outlet ?domain ?articles" in first  # a library question ready to run
    page.select_option("#wb-example", "coverage-by-day")
    wait_run(page, 1)
    assert page.inner_text("#wb-question").startswith("How many articles were published each day")
    expected = ask(endpoint, library()["coverage-by-day"].text)
    shown = table_rows(page)
    assert [r[0] for r in shown] == [row["day"]["value"] for row in expected]
    assert [r[1] for r in shown] == [row["articles"]["value"] for row in expected]
    assert page.inner_text("#wb-status").startswith(f"{len(expected)} rows")
    only_this_server(opened, endpoint.url)
    page.close()


def test_a_date_query_shows_the_timeline(browser: Any, endpoint: Endpoint) -> None:
    opened = open_workbench(browser, endpoint.url + "/#example=coverage-by-day")
    page = opened.page
    wait_run(page, 1)
    assert page.is_disabled("button[data-view=map]")
    page.click("button[data-view=timeline]")
    rows = ask(endpoint, library()["coverage-by-day"].text)
    marks = page.locator("#wb-timeline .wb-mark")
    assert marks.count() == len(rows) == 3
    heights = [float(marks.nth(i).get_attribute("height")) for i in range(marks.count())]
    assert heights[2] == max(heights) and heights[0] < heights[2]  # 1, 1 and 3 articles
    # a query of article dates (no numbers): one dot per article
    page.evaluate("q => WB.editor.dispatch({changes: {from: 0, to: WB.editor.state.doc.length, insert: q}})", ARTICLES)
    page.click("#wb-run")
    wait_run(page, 2)
    page.click("button[data-view=timeline]")
    assert page.locator("#wb-timeline .wb-mark").count() == 5
    only_this_server(opened, endpoint.url)
    page.close()


def test_clicking_an_article_opens_the_explorer_on_it(browser: Any, endpoint: Endpoint) -> None:
    opened = open_workbench(browser, endpoint.url + "/#query=" + urllib.parse.quote(ARTICLES))
    page = opened.page
    wait_run(page, 1)
    first = page.locator("table.wb-table tbody tr").first.locator("a.wb-entity")
    headline = ask(endpoint, ARTICLES)[0]["headline"]["value"]
    iri = ask(endpoint, ARTICLES)[0]["article"]["value"]
    assert first.inner_text() == headline and first.get_attribute("title") == iri  # the label; the IRI on hover
    with page.expect_popup() as popup:
        first.click()
    explorer = popup.value
    explorer.wait_for_function("() => window.__ng && window.__ng.ready", timeout=60_000)
    assert explorer.url.startswith(endpoint.url + "/view?around=")
    assert explorer.evaluate("() => { const n = __ng.raw[__ng.selected]; return n.i || n.u }") == iri
    only_this_server(opened, endpoint.url)
    explorer.close()
    page.close()


def test_completion_offers_the_stores_properties(browser: Any, endpoint: Endpoint) -> None:
    opened = open_workbench(browser, endpoint.url + "/")
    page = opened.page
    page.click(".cm-content")
    page.keyboard.press("Control+End")
    page.keyboard.type("\nschema:he")
    page.wait_for_selector(".cm-tooltip-autocomplete")
    offered = page.evaluate(
        "() => [...document.querySelectorAll('.cm-tooltip-autocomplete li .cm-completionLabel')]"
        ".map(e => e.textContent)"
    )
    assert offered[0] == "schema:headline"
    # CodeMirror ignores Enter for 75 ms after the list opens or changes (its interactionDelay), so a
    # hurried key is not taken as a choice: wait past it, as a person does.
    page.wait_for_timeout(300)
    page.keyboard.press("Enter")
    assert page.evaluate("() => WB.editor.state.doc.toString()").rstrip().endswith("schema:headline")
    only_this_server(opened, endpoint.url)
    page.close()


def test_downloads_hold_every_row(browser: Any, endpoint: Endpoint, tmp_path: Path) -> None:
    context = browser.new_context(accept_downloads=True)
    opened = open_workbench(browser, endpoint.url + "/#query=" + urllib.parse.quote(ARTICLES), context)
    page = opened.page
    wait_run(page, 1)
    expected = ask(endpoint, ARTICLES)
    with page.expect_download() as got:
        page.click("#wb-csv")
    got.value.save_as(tmp_path / "r.csv")
    with (tmp_path / "r.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(io.StringIO(fh.read())))
    assert rows[0] == ["article", "headline", "published"]
    assert [r[1] for r in rows[1:]] == [row["headline"]["value"] for row in expected]
    with page.expect_download() as got:
        page.click("#wb-json")
    got.value.save_as(tmp_path / "r.json")
    assert json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))["results"]["bindings"] == expected
    context.close()


def test_text_from_the_data_stays_text(browser: Any, endpoint: Endpoint) -> None:
    hostile = "SELECT ?x WHERE { VALUES ?x { \"<img src=x onerror='window.__pwned=1'>\" } }"
    opened = open_workbench(browser, endpoint.url + "/#query=" + urllib.parse.quote(hostile))
    page = opened.page
    wait_run(page, 1)
    assert table_rows(page) == [["<img src=x onerror='window.__pwned=1'>"]]
    assert page.evaluate("() => window.__pwned") is None
    page.close()


def test_a_refused_query_shows_why(browser: Any, endpoint: Endpoint) -> None:
    query = "SELECT * WHERE { SERVICE <http://example.org/sparql> { ?s ?p ?o } }"
    opened = open_workbench(browser, endpoint.url + "/#query=" + urllib.parse.quote(query))
    page = opened.page
    wait_run(page, 1)
    assert "SERVICE" in page.inner_text("#wb-result pre.wb-error")
    assert page.inner_text("#wb-status") == "The query failed"
    page.close()


def test_the_explorers_sparql_export_opens_in_the_workbench(browser: Any, endpoint: Endpoint) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.set_default_timeout(60_000)
    story = ask(endpoint, "SELECT ?s WHERE { ?s a ng:Story } LIMIT 1")[0]["s"]["value"]
    page.goto(endpoint.url + "/view?" + urllib.parse.urlencode({"story": story}))
    page.wait_for_function("() => window.__ng && window.__ng.ready")
    page.click("#ng-share-btn")
    link = page.locator("#ng-sparql-open")
    query = page.evaluate("() => __ng.sparql")
    assert link.get_attribute("href") == endpoint.url + "/#query=" + page.evaluate("q => encodeURIComponent(q)", query)
    with page.expect_popup() as popup:
        link.click()
    bench = popup.value
    bench.wait_for_function("() => window.WB && WB.started && WB.runs >= 1 && WB.ready")
    assert bench.evaluate("() => WB.editor.state.doc.toString()") == query
    assert "story" in query.lower() or "isPartOf" in query  # the story the page opened on
    expected = ask(endpoint, query)
    assert [r[1] for r in table_rows(bench)] == [row["headline"]["value"] for row in expected]
    assert len(expected) == page.evaluate("() => __ng.story.length") > 1
    bench.close()
    page.close()


def test_newsgraph_serve_on_another_port_serves_the_workbench(browser: Any, seeds_out: Path) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "graph", "serve", "-d", str(seeds_out), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if get(base + "/")[0] == 200:
                    break
            except OSError:
                time.sleep(0.2)
        opened = open_workbench(browser, base + "/#example=top-outlets")
        page = opened.page
        wait_run(page, 1)
        assert len(table_rows(page)) == 5  # the seeds' five outlets
        link = page.locator("table.wb-table tbody tr").first.locator("a.wb-entity").first
        assert link.get_attribute("href").startswith("/view?provider=")
        only_this_server(opened, base)
        page.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(20)


def test_places_with_coordinates_show_on_the_map(browser: Any, corpus_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    subprocess.run(
        [sys.executable, "-m", "graph", "build", str(corpus_dir), "-o", str(out), "-q"], check=True, timeout=600
    )
    with Endpoint(out, port=free_port(), timeout=30, views=Views(out)) as ep:
        rows = ask(ep, library()["top-places"].text)
        opened = open_workbench(browser, ep.url + "/#example=top-places")
        page = opened.page
        wait_run(page, 1)
        page.click("button[data-view=map]")
        marks = page.locator("#wb-map .wb-mark")
        assert marks.count() == len(rows) == 25
        # the largest place is the largest dot
        radii = {m.locator("title").text_content(): float(m.get_attribute("r")) for m in marks.all()}
        top = f"{rows[0]['place']['value']}: {int(rows[0]['articles']['value']):,}"
        assert radii[top] == max(radii.values())
        only_this_server(opened, ep.url)
        page.close()


def test_explorer_pages_are_drawn_two_at_a_time() -> None:
    import threading

    from graph.sparql import workbench

    entered, release = threading.Semaphore(0), threading.Event()

    def slow(params: object) -> str:
        entered.release()
        release.wait(10)
        return "<!DOCTYPE html>"

    wb = Workbench(lambda: ([], []), slow)
    answers: list[int] = []
    threads = [threading.Thread(target=lambda: answers.append(wb.answer("/view", "topic=x")[0])) for _ in range(2)]
    for t in threads:
        t.start()
    assert entered.acquire(timeout=10) and entered.acquire(timeout=10)  # both drawing
    original = workbench.VIEW_WAIT
    workbench.VIEW_WAIT = 0.2
    try:
        assert wb.answer("/view", "topic=x")[0] == 503  # a third waits, then is told to try again
    finally:
        workbench.VIEW_WAIT = original
        release.set()
        for t in threads:
            t.join(10)
    assert answers == [200, 200]


def test_terms_that_outlive_the_timeout_restart_the_engine_and_fall_back(seeds_out: Path) -> None:
    import socket

    silent = socket.socket()  # accepts, never answers: an engine still computing
    silent.bind(("127.0.0.1", 0))
    silent.listen()
    try:
        with Endpoint(seeds_out, port=free_port(), timeout=1) as ep:
            assert ep._front is not None
            ep._front.backend = silent.getsockname()
            terms = json.loads(ep.workbench.terms())
            assert terms["source"] == "vocabulary (the engine did not answer within 1 s)"
            assert ep.restarts == 1  # a fresh engine in place of the busy one
            assert len(ask(ep, "SELECT * WHERE { ?s ?p ?o } LIMIT 1")) == 1
    finally:
        silent.close()
