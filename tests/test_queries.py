"""The query library: every query answers known rows on the fixture, and returns rows on the corpus."""

from __future__ import annotations

import csv
import io
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest
from typer.testing import CliRunner

from graph.cli import app
from graph.errors import QueryError
from graph.sparql import add_counts, memory_store, open_store, query_store, resolve_query
from graph.sparql.library import library

FIXTURE = Path(__file__).parent / "fixtures" / "news.ttl"
A = "https://alpha.example/"
C = "https://cbslocal.com/"
ID = "https://w3id.org/newsgraph/id/"

#: name → (expected number of rows, expected first rows as tuples of Python values)
EXPECTED: dict[str, tuple[int, list[tuple[Any, ...]]]] = {
    "top-outlets": (3, [("Alpha News", "alpha.example", 3), ("CBS Boston", "cbslocal.com", 2)]),
    "top-topics": (3, [("Coronavirus", 3, 3), ("Economy", 3, 2), ("Sport", 1, 1)]),
    "top-places": (2, [("United Kingdom", "GB", "country", 4), ("California", "US-CA", "subdivision", 2)]),
    "coverage-by-day": (6, [("2020-03-01", 1, 1), ("2020-03-02", 2, 2), ("2020-03-03", 1, 1)]),
    "topics-by-month": (4, [("2020-03", "Coronavirus", 3), ("2020-03", "Economy", 2)]),
    "stories": (2, [(ID + "story-1", "Lockdown begins", 3, 3), (ID + "story-2", "Markets fall", 2, 2)]),
    "outlets-same-stories": (3, [("Alpha News", "CBS New York", 2), ("Alpha News", "CBS Boston", 1)]),
    "most-linked": (3, [(C + "a2", "Lockdown day two", "CBS Boston", 2)]),
    "articles-by-tag": (7, [("GB", A + "a6", "Football postponed", "Alpha News")]),
    "no-related-coverage": (1, [(A + "a6", "Football postponed", "Alpha News")]),
    "shared-domains": (1, [("cbslocal.com", 2, "CBS Boston | CBS New York", 4)]),
    "outlet-quality": (2, [("Alpha News", 3, 60, 3.0), ("CBS New York", 2, 45, 1.5)]),
    "outlet-topics": (6, [("Alpha News", "Economy", 2)]),
    "sections": (3, [("news", "article", 3), ("business", "article", 2), ("sport", "video", 1)]),
    "syndicated-headlines": (1, [("Lockdown begins", 2, "Alpha News | CBS New York")]),
    "shared-images": (1, [("https://img.example/1.jpg", 2, 1)]),
    "story": (5, [(ID + "story-1", "Lockdown begins", A + "a1", "Lockdown begins", "Alpha News")]),
    "story-members": (5, [(A + "a1", ID + "story-1"), (C + "a2", ID + "story-1"), (C + "a5", ID + "story-1")]),
    "inferred-links": (1, [(C + "a3", A + "a4", 0.512, "text")]),
    "syndicated": (1, [(C + "a5", A + "a1")]),
}


@pytest.fixture(scope="module")
def corpus_out(corpus_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shared corpus built once into a temporary folder (store and report only)."""
    import graph

    out = tmp_path_factory.mktemp("corpus-out")
    graph.write_outputs(graph.build([corpus_dir], stories=True), out, names=["graph.json", "report.json", "store"])
    return out


@pytest.fixture(scope="module")
def store() -> ox.Store:
    """The fixture graph, with the derived counts a build would write (the file is hand-written)."""
    store = memory_store(FIXTURE.read_bytes(), fmt="ttl")
    add_counts(store)
    return store


def test_library_has_ten_documented_queries() -> None:
    lib = library()
    assert len(lib) >= 10
    for entry in lib.values():
        assert "?" in entry.description, entry.name
        assert entry.text.lstrip().startswith("#")
        assert "For scale" not in entry.description and "Oxigraph" not in entry.description  # notes stay in the file


def test_every_library_query_is_tested() -> None:
    assert set(library()) == set(EXPECTED) | {"coverage-by-week"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_library_query_on_fixture(store: ox.Store, name: str) -> None:
    count, first = EXPECTED[name]
    df = query_store(store, resolve_query(name)).to_dataframe()
    assert len(df) == count
    for i, expected in enumerate(first):
        row = tuple(df.iloc[i])
        if name in ("coverage-by-day", "top-topics", "most-linked", "articles-by-tag", "no-related-coverage"):
            row = row[: len(expected)]
        if name in ("stories", "story"):  # the dates and outlets are checked in full below
            row = row[: len(expected)]
        row = tuple(" | ".join(sorted(v.split(" | "))) if isinstance(v, str) and " | " in v else v for v in row)
        assert row == expected  # GROUP_CONCAT order is not defined: compared sorted


def test_coverage_by_week_starts_on_monday(store: ox.Store) -> None:
    df = query_store(store, resolve_query("coverage-by-week")).to_dataframe()
    assert [(str(w), n) for w, n in zip(df["week"], df["articles"], strict=True)] == [
        ("2020-02-24", 1),
        ("2020-03-02", 3),
        ("2020-03-09", 1),
        ("2020-03-30", 2),
    ]


def _rows(store: ox.Store, name: str, **bindings: str) -> list[tuple[Any, ...]]:
    """The rows of a library query as plain values (dates as ISO text)."""
    df = query_store(store, resolve_query(name), bindings=bindings or None).to_dataframe()
    return [tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in row) for row in df.itertuples(index=False)]


def _every_row(store: ox.Store, name: str) -> list[tuple[Any, ...]]:
    """All the rows of a paged listing, page after page (100 rows a page)."""
    rows: list[tuple[Any, ...]] = []
    for page in range(1, 10_000):
        got = _rows(store, name, page=str(page))
        rows += got
        if len(got) < 100:
            return rows
    raise AssertionError(f"{name}: more pages than expected")


STORY_1 = (ID + "story-1", "Lockdown begins")
STORY_2 = (ID + "story-2", "Markets fall")


def test_stories_are_the_story_nodes_largest_first(store: ox.Store) -> None:
    """Not the related-link components (a1 a2 a3 s1 and a4 a5): the ng:Story nodes, with their attributes."""
    assert _rows(store, "stories") == [
        (*STORY_1, 3, 3, "2020-03-02T09:00:00+00:00", "2020-04-01T12:00:00+00:00", "Alpha News"),
        (*STORY_2, 2, 2, "2020-03-03T07:00:00+00:00", "2020-03-10T12:00:00+00:00", "CBS New York"),
    ]


def test_story_lists_the_articles_of_every_story_in_order(store: ox.Store) -> None:
    assert _rows(store, "story") == [
        (*STORY_1, A + "a1", "Lockdown begins", "Alpha News", "2020-03-02T09:00:00+00:00"),
        (*STORY_1, C + "a2", "Lockdown day two", "CBS Boston", "2020-03-02T18:30:00+00:00"),
        (*STORY_1, C + "a5", "Lockdown begins", "CBS New York", "2020-04-01T12:00:00+00:00"),
        (*STORY_2, C + "a3", "Lockdown reactions", "CBS New York", "2020-03-03T07:00:00+00:00"),
        (*STORY_2, A + "a4", "Markets fall", "Alpha News", "2020-03-10T12:00:00+00:00"),
    ]


@pytest.mark.parametrize("value", [ID + "story-2", C + "a3", A + "a4", "https://www.alpha.example/a4?utm_source=x"])
def test_story_bound_to_the_story_or_any_article_of_it(store: ox.Store, value: str) -> None:
    rows = _rows(store, "story", story=value)
    assert [r[:3] for r in rows] == [(*STORY_2, C + "a3"), (*STORY_2, A + "a4")]
    assert [r[1] for r in _rows(store, "story-members", story=value)] == [ID + "story-2"] * 2


@pytest.mark.parametrize("value", [A + "a6", "https://stub.example/s1", "https://nowhere.example/x"])
def test_story_bound_to_an_article_in_no_story_matches_nothing(store: ox.Store, value: str) -> None:
    assert _rows(store, "story", story=value) == []


def test_story_binding_on_a_build_without_stories_says_how_to_find_them() -> None:
    plain = memory_store(f'<{A}a1> <https://schema.org/headline> "Lockdown begins" .\n')
    with pytest.raises(QueryError, match=r"no stories.*--no-stories"):
        query_store(plain, resolve_query("story"), bindings={"story": A + "a1"})


def test_top_places_counts_each_place_once_whatever_tag_named_it(store: ox.Store) -> None:
    """Tags "GB" (a3, a4, a6) and "UK" (a5) name one place; US (no article of its own) is not listed."""
    assert _rows(store, "top-places") == [
        ("United Kingdom", "GB", "country", 4),
        ("California", "US-CA", "subdivision", 2),
    ]


def test_articles_by_one_tag(store: ox.Store) -> None:
    rows = query_store(store, resolve_query("articles-by-tag"), bindings={"tag": "GB"}).to_dataframe()
    assert list(rows["article"]) == [A + "a6", A + "a4", C + "a3"]


@pytest.mark.corpus
def test_every_library_query_returns_rows_on_the_corpus(corpus_out: Path) -> None:
    store = open_store(corpus_out)
    empty = [name for name in library() if len(query_store(store, resolve_query(name), timeout=60)) == 0]
    assert empty == []


@pytest.mark.corpus
def test_cli_group_by_on_the_corpus_is_fast_and_well_formed(corpus_out: Path) -> None:
    import time

    q = "SELECT ?outlet (COUNT(?a) AS ?n) WHERE { ?a schema:publisher/schema:name ?outlet } GROUP BY ?outlet"
    runner = CliRunner()
    started = time.perf_counter()
    result = runner.invoke(app, ["query", q, "-d", str(corpus_out), "--format", "csv"])
    assert time.perf_counter() - started < 3
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))
    assert rows[0] == ["outlet", "n"] and len(rows) > 100
    result = runner.invoke(app, ["query", "top-outlets", "-d", str(corpus_out), "--format", "json"])
    doc = json.loads(result.stdout)
    assert doc["head"]["vars"] == ["outlet", "domain", "articles"]
    assert doc["results"]["bindings"][0]["articles"]["datatype"].endswith("#integer")


@pytest.mark.corpus
def test_corpus_stories_are_labelled_story_nodes_not_related_chains(corpus_out: Path) -> None:
    import networkx as nx

    store = open_store(corpus_out)
    stories = _every_row(store, "stories")
    count = query_store(store, "SELECT (COUNT(?s) AS ?n) WHERE { ?s a ng:Story }").to_dataframe()["n"][0]
    assert len(stories) == count > 100  # one row per story node, over the pages
    assert all(isinstance(r[1], str) and r[1].strip() for r in stories), "a story without a label"
    assert all(r[2] >= 2 and 1 <= r[3] <= r[2] and r[4] <= r[5] and r[6] for r in stories)
    assert [r[2] for r in stories] == sorted((r[2] for r in stories), reverse=True)
    # story lists exactly each story's articles, stories in the same order
    members = _every_row(store, "story")
    assert list(dict.fromkeys(r[0] for r in members)) == [r[0] for r in stories]
    assert Counter(r[0] for r in members) == {r[0]: r[2] for r in stories}
    # the largest component of the publishers' related links chains unrelated events: it is no story
    related = query_store(store, "SELECT ?a ?b WHERE { ?a dcterms:relation ?b }").to_dataframe()
    chain = max(nx.connected_components(nx.Graph(zip(related["a"], related["b"], strict=True))), key=len)
    assert len(chain) >= 30  # 39 articles on the shared corpus
    story_of = {r[2]: r[0] for r in members}
    assert max(Counter(story_of[a] for a in chain if a in story_of).values()) <= len(chain) // 4
    assert stories[0][2] < len(chain)


@pytest.mark.corpus
def test_corpus_story_bound_to_an_article_or_the_story(corpus_out: Path) -> None:
    store = open_store(corpus_out)
    story, label, size = _rows(store, "stories")[0][:3]
    articles = [r[2] for r in _rows(store, "story") if r[0] == story]
    for value in (story, articles[-1], articles[0].replace("https://", "https://www.") + "#top"):
        result = CliRunner().invoke(
            app, ["query", "story", "-d", str(corpus_out), "--bind", f"story={value}", "-f", "json"]
        )
        assert result.exit_code == 0, result.output
        rows = json.loads(result.stdout)["results"]["bindings"]
        assert [r["article"]["value"] for r in rows] == articles and len(rows) == size
        assert {(r["story"]["value"], r["label"]["value"]) for r in rows} == {(story, label)}


@pytest.mark.corpus
def test_corpus_top_places_lists_each_place_once(corpus_out: Path) -> None:
    rows = _rows(open_store(corpus_out), "top-places")
    assert rows, "no place nodes (schema:contentLocation) in the build"
    names, codes = [r[0] for r in rows], [r[1] for r in rows]
    assert len(set(names)) == len(names) and len(set(codes)) == len(codes)
    assert all(isinstance(n, str) and n for n in names)
    assert all(re.fullmatch(r"[A-Z]{2}(-[A-Z0-9]{1,3})?", c) for c in codes), codes
    assert {r[2] for r in rows} <= {"country", "subdivision"}
    assert "UK" not in codes and dict(zip(codes, (r[3] for r in rows), strict=True))["GB"] >= 124
    assert [r[3] for r in rows] == sorted((r[3] for r in rows), reverse=True)


GOVTECH = "https://govtech.com/public-safety/lawsuit-highlights-legal-risks-of-facial-recognition-tech"
ELECTRONICS = "https://electronicsforu.com/news/ai-driven-facial-recognition-repression-and-innovation"
BIOMETRIC = "https://biometricupdate.com/202307/un-high-commissioner-says-facial-recognition-could-lead-to-destruction-of-privacy"


@pytest.fixture(scope="module")
def seeds_out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds built with --stories: one story, GOVTECH and ELECTRONICS (BIOMETRIC is in none)."""
    import graph

    out = tmp_path_factory.mktemp("seeds_out")
    graph.write_outputs(graph.build(["seeds"], stories=True), out, names=["graph.nt", "store"])
    return out


@pytest.fixture(scope="module")
def seeds_story(seeds_out: Path) -> str:
    found = {r[1] for r in _rows(open_store(seeds_out), "story-members")}
    assert len(found) == 1
    return found.pop()


@pytest.mark.parametrize(
    "url",
    [
        "",  # the story's IRI
        GOVTECH,  # a member's URL
        ELECTRONICS,  # the other member's
        GOVTECH.replace("https://", "https://www.") + "?utm_source=feed#top",  # as a reader would paste it
        GOVTECH.replace("https://govtech.com", "HTTPS://WWW.GovTech.com:443"),
    ],
)
def test_story_bound_to_any_url_of_any_member_finds_the_story(seeds_out: Path, seeds_story: str, url: str) -> None:
    url = url or seeds_story
    result = CliRunner().invoke(app, ["query", "story", "-d", str(seeds_out), "--bind", f"story={url}", "-f", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.reader(io.StringIO(result.stdout)))[1:]
    assert len(rows) == 2
    assert {r[0] for r in rows} == {seeds_story}
    assert {r[2] for r in rows} == {GOVTECH, ELECTRONICS}
    assert "matched nothing" not in result.stderr


@pytest.mark.parametrize("url", ["https://nowhere.example/x", BIOMETRIC])
def test_a_query_that_matches_nothing_says_so_and_succeeds(seeds_out: Path, url: str) -> None:
    result = CliRunner().invoke(app, ["query", "story", "-d", str(seeds_out), "--bind", f"story={url}", "-f", "json"])
    assert result.exit_code == 0, result.output
    assert result.stdout.endswith("}\n")
    assert f"the query matched nothing with story={url} (0 rows)" in result.stderr


def test_story_bound_on_a_build_without_stories_is_a_clear_error(tmp_path: Path) -> None:
    import graph

    graph.write_outputs(graph.build(["seeds"], stories=False), tmp_path, names=["graph.nt", "store"])
    result = CliRunner().invoke(app, ["query", "story", "-d", str(tmp_path), "--bind", f"story={GOVTECH}"])
    assert result.exit_code == 2
    assert "no stories" in result.output and "--no-stories" in result.output and "Traceback" not in result.output


@pytest.mark.corpus
def test_listings_come_in_pages_that_add_up_to_the_whole(corpus_out: Path) -> None:
    """A listing returns 100 rows a page (never a million by default); --bind page=N walks them, and
    the pages together are the listing without its LIMIT, in order."""
    store = open_store(corpus_out)
    text = resolve_query("story-members")
    whole = query_store(store, re.sub(r"LIMIT 100\s*$", "", text.strip())).rows
    assert len(whole) > 1000
    pages: list[Any] = []
    for page in range(1, 100):
        rows = query_store(store, text, bindings={"page": str(page)}).rows
        assert len(rows) <= 100
        pages += rows
        if len(rows) < 100:
            break
    assert pages == whole
    assert query_store(store, text).rows == whole[:100]  # no page given: the first


def test_page_binding_errors(store: ox.Store) -> None:
    for bad in ("0", "-1", "two"):
        with pytest.raises(QueryError, match="page= takes a page number"):
            query_store(store, resolve_query("stories"), bindings={"page": bad})
    with pytest.raises(QueryError, match="has no LIMIT"):
        query_store(store, resolve_query("coverage-by-day"), bindings={"page": "2"})
    # a binding beside the page still applies
    rows = query_store(store, resolve_query("articles-by-tag"), bindings={"tag": "GB", "page": "1"}).to_dataframe()
    assert len(rows) > 0 and set(rows["tag"]) == {"GB"}


def test_cli_pages_a_listing(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert CliRunner().invoke(app, ["build", "seeds", "-o", str(out), "-q"]).exit_code == 0
    first = CliRunner().invoke(app, ["query", "story-members", "-d", str(out), "-f", "csv", "--bind", "page=1"])
    assert first.exit_code == 0 and len(first.output.strip().splitlines()) == 3  # header and the story's two
    second = CliRunner().invoke(app, ["query", "story-members", "-d", str(out), "-f", "csv", "--bind", "page=2"])
    assert second.exit_code == 0 and "matched nothing with page=2" in second.output
    bad = CliRunner().invoke(app, ["query", "top-topics", "-d", str(out), "--bind", "page=zero"])
    assert bad.exit_code != 0 and "page= takes a page number" in bad.output
