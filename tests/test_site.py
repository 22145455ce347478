"""A whole site of the seeds' family: news, videos, profiles, collections, events, and items we do not read.

The fixture (``tests/fixtures/site``, 31 files) is laid out as such a Jekyll
site is: ``_news``, ``_learning/videos``, ``_learning/collections``,
``_people``, ``_events``, ``_communities``, ``_samples``; its images are
site-relative (``/assets/...``).
"""

from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Graph as RdfGraph
from rdflib import Literal, URIRef

import graph
from graph.identity import ID
from graph.pipeline.rebuild import build_into
from graph.pipeline.stream import stream_build
from graph.records import group_diagnostics
from graph.sparql import query
from tests.test_incremental import _same_outputs

SITE = Path(__file__).resolve().parent / "fixtures" / "site"
BASE = "https://site.example/"
PERSON = ID + "person/"
ITEM = ID + "item/"


def _kinds(g: nx.MultiDiGraph) -> Counter[str]:
    return Counter(kind for _, kind in g.nodes(data="kind"))


def _out(g: nx.MultiDiGraph, node: str, relation: str) -> set[str]:
    return {v for _, v, r in g.out_edges(node, data="relation") if r == relation}


@pytest.fixture(scope="module")
def site() -> graph.KnowledgeGraph:
    return graph.build([SITE], base_url=BASE, stories=False)


def test_every_file_is_accounted_for(site: graph.KnowledgeGraph) -> None:
    files = sorted(p for p in SITE.rglob("*.md"))
    assert len(files) >= 30
    r = site.report
    assert (r.files.seen, r.files.built, r.files.failed) == (len(files), len(files) - 2, 2)
    made = {s for _, data in site.graph.nodes(data=True) for s in data.get("sources", [])}
    skipped = {d.path for d in r.diagnostics if d.code == "unsupported-type"}
    assert skipped == {str(SITE / "_communities" / n) for n in ("compiler-guild.md", "engine-club.md")}
    # every file is a node's source, or said to be skipped (sources are named from the folder given)
    assert {p.split("site/", 1)[1] for p in made | skipped} == {str(p.relative_to(SITE)) for p in files}
    assert not [d for d in r.diagnostics if d.severity == "error"]
    kinds = _kinds(site.graph)
    assert (kinds["person"], kinds["collection"], kinds["event"]) == (4, 2, 3)
    assert kinds["article"] == 14 + 5 + 1  # news, videos, the sample (it has a URL)


def test_profiles_are_people_merged_with_the_authors_of_their_name(site: graph.KnowledgeGraph) -> None:
    g = site.graph
    ada = g.nodes[PERSON + "ada_lovelace"]
    assert ada["kind"] == "person" and ada["title"] == "Ada Lovelace" and ada["excerpt"] == "Wrote the first program."
    assert ada["location"] == "London, GB" and ada["url"] == "https://www.analytical.news/about"
    assert {"https://twitter.com/ada", "https://www.linkedin.com/in/ada-lovelace", ITEM + "ada-lovelace"} <= set(
        ada["same_as"]
    )
    assert ada["extra"]["twitter.followers"] == 1200
    wrote = [u for u, _, r in g.in_edges(PERSON + "ada_lovelace", data="relation") if r == "author"]
    assert len(wrote) == 5  # the news items she is an author of: one node, the profile's
    # "charles  babbage" (the profile) and "Charles Babbage" (the author) are one person
    charles = PERSON + "charles_babbage"
    assert g.nodes[charles]["title"] == "charles babbage" and "name" not in g.nodes[charles]
    assert any(r == "author" for *_, r in g.in_edges(charles, data="relation"))
    # the affiliation is an organization with its website and logo; both profiles share it
    society = ID + "organization/analytical_society"
    assert _out(g, PERSON + "ada_lovelace", "affiliation") == {society} == _out(g, charles, "affiliation")
    assert _out(g, society, "website") == {ID + "website/analytical.org"}
    assert _out(g, society, "logo") == {BASE + "assets/images/organizations/analytical.org-50x50.jpg"}
    # her website's domain is the outlet's: the person and the outlet meet at its website node
    site_node = ID + "website/analytical.news"
    assert _out(g, PERSON + "ada_lovelace", "website") == {site_node}
    assert ID + "provider/analytical.news/analytical_news" in {u for u, _ in g.in_edges(site_node)}
    assert _out(g, PERSON + "ada_lovelace", "knows_about") == {ID + "topic/computing", ID + "topic/mathematics"}


def test_collections_link_their_parts_and_name_the_missing_ones(site: graph.KnowledgeGraph) -> None:
    g = site.graph
    lectures = ITEM + "collections/engine-lectures"
    assert g.nodes[lectures]["kind"] == "collection" and g.nodes[lectures]["title"] == "Lectures on the engine"
    assert _out(g, lectures, "has_part") == {f"https://youtube.com/watch?v=lecture{i}" for i in range(3)}
    assert _out(g, lectures, "provided_by") == {ID + "provider/analytical.news/analytical_news"}
    reading = ITEM + "collections/reading-list"
    assert _out(g, reading, "has_part") == {
        "https://analytical.news/news/item-0",  # a news item, by its site id
        "https://youtube.com/watch?v=lecture3",
        PERSON + "ada_lovelace",  # a profile
        "https://summit.example.org/2020",  # an event with a URL of its own
    }
    [missing] = [d for d in site.report.diagnostics if d.code == "missing-part"]
    assert missing.severity == "warning" and missing.path.endswith("engine-lectures.md")
    assert "'videos/video-9'" in missing.message
    assert ITEM + "videos/video-9" not in g  # no node for what names nothing


def test_events_have_their_dates_place_and_organizer(site: graph.KnowledgeGraph) -> None:
    g = site.graph
    summit = g.nodes["https://summit.example.org/2020"]
    assert summit["kind"] == "event" and summit["title"] == "Engine Summit 2020"
    assert summit["published_at"].isoformat() == "2020-09-01T09:00:00+00:00"
    assert summit["end_at"].isoformat() == "2020-09-02T17:00:00+00:00" and summit["location"] == "London, GB"
    assert _out(g, "https://summit.example.org/2020", "organizer") == {ID + "provider/analytical.news/analytical_news"}
    meetup = g.nodes[ITEM + "meetup-june"]  # no URL: the site id names it
    assert meetup["location"] == "The Engine Room, Manchester, GB" and "url" not in meetup
    workshop = g.nodes[ITEM + "workshop"]
    assert workshop["published_at"].isoformat() == "2020-07-01T09:00:00+02:00"


def test_the_rdf_uses_schema_org_and_conforms_to_the_shapes(site: graph.KnowledgeGraph, tmp_path: Path) -> None:
    graph.write_outputs(site, tmp_path, names=["graph.ttl"])
    report = graph.validate(tmp_path)
    assert report.conforms, report.violations
    rdf = RdfGraph().parse(tmp_path / "graph.ttl")
    s = "https://schema.org/"
    ada = URIRef(PERSON + "ada_lovelace")
    assert (ada, URIRef(s + "affiliation"), URIRef(ID + "organization/analytical_society")) in rdf
    assert (ada, URIRef(s + "sameAs"), URIRef("https://twitter.com/ada")) in rdf
    assert (URIRef(ITEM + "collections/engine-lectures"), URIRef(s + "hasPart"), None) in rdf
    summit = URIRef("https://summit.example.org/2020")
    assert (summit, URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"), URIRef(s + "Event")) in rdf
    assert rdf.value(summit, URIRef(s + "location")) == Literal("London, GB")
    # items other than articles keep off the article-only properties (the library counts those untyped)
    for p in ("publisher", "about", "keywords", "datePublished"):
        for subject in rdf.subjects(URIRef(s + p), None):
            assert (subject, None, URIRef(s + "NewsArticle")) in rdf, (p, subject)


def test_the_shapes_catch_a_part_that_is_no_item(site: graph.KnowledgeGraph, tmp_path: Path) -> None:
    g = site.graph.copy()
    g.add_edge(ITEM + "collections/reading-list", ID + "topic/computing", "has_part", relation="has_part")
    graph.write_outputs(graph.KnowledgeGraph(g, site.report), tmp_path, names=["graph.ttl"])
    report = graph.validate(tmp_path)
    assert not report.conforms
    assert any(v.focus == ID + "topic/computing" for v in report.violations)


def test_relative_urls_without_a_base_are_one_warning_per_value(tmp_path: Path) -> None:
    kg = graph.build([SITE], stories=False)
    relative = [d for d in kg.report.diagnostics if "relative URL" in d.message]
    assert relative and all(d.severity == "warning" for d in relative)
    groups = [gr for gr in group_diagnostics(kg.report.diagnostics) if gr.value is not None]
    logo = next(gr for gr in groups if gr.value == "/assets/images/organizations/analytical.news-50x50.jpg")
    assert logo.count == 5 and len(logo.files) == 5  # items 0, 3, 6, 9, 12
    values = {re.search(r"\('(/[^']*)'\)", d.message).group(1) for d in relative}  # type: ignore[union-attr]
    assert sorted(gr.value for gr in groups) == sorted(values)  # one line per distinct value, not per file
    assert not any(n.startswith("/") for n in kg.graph)  # nothing relative became a node


@pytest.mark.parametrize("size", [1, 4, 100])
def test_the_streaming_build_gives_the_same_triples(tmp_path: Path, size: int) -> None:
    graph.write_outputs(graph.build([SITE], base_url=BASE, stories=False), tmp_path / "normal", names=["graph.nt"])
    r = stream_build([SITE], tmp_path / "stream", partition_size=size, base_url=BASE)
    lines = [(tmp_path / x / "graph.nt").read_text(encoding="utf-8").split("\n") for x in ("normal", "stream")]
    assert set(lines[1]) == set(lines[0])
    codes = Counter(d.code for d in r.report.diagnostics)
    assert codes["missing-part"] == 1 and codes["unsupported-type"] == 2


@pytest.mark.parametrize("stories", [False, True], ids=["plain", "stories"])
def test_site_edits_rebuild_like_a_clean_build(tmp_path: Path, stories: bool) -> None:
    site = tmp_path / "site"
    shutil.copytree(SITE, site)
    out, clean = tmp_path / "out", tmp_path / "clean"

    def check(what: str) -> graph.KnowledgeGraph:
        kg, _ = build_into([site], out, stories=stories, base_url=BASE)
        shutil.rmtree(clean, ignore_errors=True)
        build_into([site], clean, cache=False, stories=stories, base_url=BASE)
        try:
            _same_outputs(out, clean)
        except AssertionError as exc:
            raise AssertionError(f"after {what}: {exc}") from exc
        return kg

    kg = check("the first build")
    assert kg.report.edges["has_part"] == 7
    video9 = (site / "_learning/videos/video-0.md").read_text().replace("lecture0", "lecture9")
    (site / "_learning/videos/video-9.md").write_text(video9)  # the missing part appears
    kg = check("adding the missing part")
    assert kg.report.edges["has_part"] == 8 and not [d for d in kg.report.diagnostics if d.code == "missing-part"]
    (site / "_learning/videos/video-2.md").unlink()  # a part goes
    kg = check("deleting a part")
    assert [d.message.split("'")[1] for d in kg.report.diagnostics if d.code == "missing-part"] == ["videos/video-2"]
    ada = site / "_people/ada-lovelace.md"
    ada.write_text(ada.read_text().replace("name: Ada Lovelace", "name: Augusta Ada King"))  # the profile renamed
    kg = check("renaming a profile")
    assert kg.graph.nodes[PERSON + "ada_lovelace"].get("title") is None  # the author is a plain person again
    assert kg.graph.nodes[PERSON + "augusta_ada_king"]["excerpt"] == "Wrote the first program."
    assert "channel" not in kg.report.edges  # no outlet bears the new name
    ada.write_text(ada.read_text().replace("name: Augusta Ada King", "name: ada lovelace"))
    kg = check("naming the profile as the channel again")
    assert kg.report.edges.get("channel", 0) == (1 if stories else 0)
    ada.unlink()  # and deleted: the reading list's part named by its site id goes
    kg = check("deleting a profile")
    (site / "_events/summit-2020.md").write_text("---\ntype: event\ntitle: Moved\n---\n")  # loses its URL
    check("an event losing its URL")


def test_the_library_counts_only_articles(site: graph.KnowledgeGraph, tmp_path: Path) -> None:
    graph.write_outputs(site, tmp_path)
    topics = query(tmp_path, "top-topics").to_dataframe()
    by_topic = dict(zip(topics.iloc[:, 0].astype(str), topics.iloc[:, 1].astype(int), strict=False))
    g = site.graph
    expected = Counter(
        g.nodes[v]["label"] for u, v, r in g.edges(data="relation") if r == "about" and g.nodes[u]["kind"] == "article"
    )
    assert {k: by_topic[k] for k in expected} == dict(expected)
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["nodes"]["collection"] == 2 and report["edges"]["has_part"] == 7


def test_the_rdf_reads_back_to_the_same_nodes_and_edges(site: graph.KnowledgeGraph, tmp_path: Path) -> None:
    from graph.rdf.reading import read_rdf

    graph.write_outputs(site, tmp_path, names=["graph.ttl", "graph.json"])
    back = read_rdf(tmp_path / "graph.ttl")
    assert set(back.edges(keys=True)) == set(site.graph.edges(keys=True))
    assert {n: k for n, k in back.nodes(data="kind")} == {n: k for n, k in site.graph.nodes(data="kind")}
    event = back.nodes[ITEM + "workshop"]
    assert event["end_at"] == site.graph.nodes[ITEM + "workshop"]["end_at"]
    loaded = graph.load(tmp_path)  # the node-link JSON keeps every attribute, dates as dates
    assert dict(loaded.graph.nodes(data=True)) == dict(site.graph.nodes(data=True))


def test_a_profile_is_linked_to_the_outlet_of_its_name_as_an_inferred_fact() -> None:
    from graph.analysis import inferred_links
    from graph.enrich import CHANNELS

    kg = graph.build([SITE], base_url=BASE)  # with stories: the inference stage runs
    g = kg.graph
    channel = ID + "provider/youtube.com/ada_lovelace"  # the videos' outlet: "Ada Lovelace" on youtube.com
    assert _out(g, PERSON + "ada_lovelace", "channel") == {channel}
    [fact] = [d for _, d in g.nodes(data=True) if d["kind"] == "inference" and d["object"] == channel]
    assert fact["subject"] == PERSON + "ada_lovelace" and fact["generated_by"] == CHANNELS
    assert g.nodes[CHANNELS]["kind"] == "activity"
    assert not [e for e in g.out_edges(PERSON + "grace_hopper", data="relation") if e[2] == "channel"]
    assert set(inferred_links(kg)["relation"]) <= {"inferred_related", "copy_of"}  # links between articles only
    plain = graph.build([SITE], base_url=BASE, stories=False)
    assert "channel" not in plain.report.edges and CHANNELS not in plain.graph
