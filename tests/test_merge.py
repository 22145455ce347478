"""Merging: one node per real-world thing, fields combined by a documented precedence."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

import graph
from graph.merge import merge
from graph.model import KINDS, RELATIONS
from graph.records import ArticleRecord, Diagnostic, ImageRecord, ProviderRecord

from .conftest import WriteItem


def art(iri: str, source: str, **kw: object) -> ArticleRecord:
    return ArticleRecord(iri, source, **kw)  # type: ignore[arg-type]


def test_full_article_beats_stub_and_earlier_file_beats_later() -> None:
    stub = art("https://a.com/1", "a.md", stub=True, title="Stub title", excerpt="stub excerpt")
    first = art("https://b.com/2", "a.md", related=[stub])
    full = art("https://a.com/1", "b.md", title="Full title", quality=5)
    later = art("https://a.com/1", "c.md", title="Later title", quality=9, heat=3)
    g = merge([first, full, later])
    node = g.nodes["https://a.com/1"]
    assert node["title"] == "Full title"  # full beats stub, though the stub's file comes first
    assert node["quality"] == 5  # b.md before c.md
    assert node["heat"] == 3  # missing values are filled from lower-ranked records
    assert node["excerpt"] == "stub excerpt"
    assert node["sources"] == ["b.md", "c.md", "a.md"]
    assert node["stub"] is False


def test_stub_only_article_is_marked() -> None:
    g = merge([art("https://b.com/2", "a.md", related=[art("https://a.com/1", "a.md", stub=True)])])
    assert g.nodes["https://a.com/1"]["stub"] is True
    assert g.nodes["https://a.com/1"]["label"] == "https://a.com/1"


def test_merge_is_deterministic_whatever_the_dict_order() -> None:
    records = [
        art("https://a.com/1", "a.md", title="A", topics=["AI", "ai "]),
        art("https://a.com/1", "b.md", title="B", topics=["Robots"]),
    ]
    g1, g2 = merge(records), merge(records)
    assert list(g1.nodes(data=True)) == list(g2.nodes(data=True))
    assert list(g1.edges(keys=True, data=True)) == list(g2.edges(keys=True, data=True))


def test_aliases_join_only_when_unambiguous() -> None:
    full = art("https://e.com/story", "a.md", same_as=["https://e.com/story.amp"])
    # a related entry that only knows the AMP URL joins the full article
    other = art("https://x.com/1", "b.md", related=[art("https://e.com/story.amp", "b.md", stub=True)])
    g = merge([full, other])
    assert "https://e.com/story.amp" not in g
    assert g.has_edge("https://x.com/1", "https://e.com/story", "related")
    assert g.nodes["https://e.com/story"]["same_as"] == ["https://e.com/story.amp"]
    # two live-blog posts sharing one AMP page stay two articles
    p1 = art("https://n.com/live/p1", "c.md", same_as=["https://n.com/live.amp"])
    p2 = art("https://n.com/live/p2", "d.md", same_as=["https://n.com/live.amp"])
    amp_only = art("https://q.com/1", "e.md", related=[art("https://n.com/live.amp", "e.md", stub=True)])
    g = merge([p1, p2, amp_only])
    assert {"https://n.com/live/p1", "https://n.com/live/p2", "https://n.com/live.amp"} <= set(g)


def test_outlets_share_a_domain_but_stay_distinct() -> None:
    a = art("https://cbslocal.com/1", "a.md", provider=ProviderRecord("CBS Boston / WBZ", "cbslocal.com"))
    b = art("https://cbslocal.com/2", "b.md", provider=ProviderRecord("CBS New York", "cbslocal.com"))
    c = art("https://cbslocal.com/3", "c.md", provider=ProviderRecord("cbs new york", "cbslocal.com"))
    g = merge([a, b, c])
    providers = [n for n, k in g.nodes(data="kind") if k == "provider"]
    assert len(providers) == 2
    site = "https://w3id.org/newsgraph/id/website/cbslocal.com"
    assert [n for n, k in g.nodes(data="kind") if k == "website"] == [site]
    assert g.nodes[site]["url"] == "https://cbslocal.com/"
    assert all(g.has_edge(p, site, "website") for p in providers)
    names = sorted(g.nodes[p]["name"] for p in providers)
    assert names == ["CBS Boston / WBZ", "CBS New York"]  # first spelling wins


def test_a_home_page_article_and_a_website_stay_apart() -> None:
    home = art(
        "https://inquirer.com/", "a.md", title="Home", provider=ProviderRecord("Philadelphia Inquirer", "inquirer.com")
    )
    g = merge([home])
    assert g.nodes["https://inquirer.com/"]["kind"] == "article"
    assert g.nodes["https://w3id.org/newsgraph/id/website/inquirer.com"]["kind"] == "website"


def test_one_publisher_per_article_best_ranked_wins() -> None:
    full = art("https://a.com/1", "b.md", provider=ProviderRecord("Full Name", "a.com"))
    stub = art("https://a.com/1", "a.md", stub=True, provider=ProviderRecord("Stub Name", "a.com"))
    g = merge([art("https://z.com/0", "a.md", related=[stub]), full])
    pubs = [v for _, v, r in g.out_edges("https://a.com/1", data="relation") if r == "published_by"]
    assert len(pubs) == 1 and g.nodes[pubs[0]]["name"] == "Full Name"


def test_topics_and_tags_by_normalized_label_and_places() -> None:
    a = art("https://a.com/1", "a.md", topics=["Computer Vision"], tags=["US-CA", "Australia"])
    b = art("https://a.com/2", "b.md", topics=["computer  vision"], tags=["us-ca"])
    g = merge([a, b])
    topics = [(n, d["label"]) for n, d in g.nodes(data=True) if d["kind"] == "topic"]
    assert topics == [("https://w3id.org/newsgraph/id/topic/computer_vision", "Computer Vision")]
    tags = {d["label"] for n, d in g.nodes(data=True) if d["kind"] == "tag"}
    assert tags == {"US-CA", "Australia"}
    named = {g.nodes[n]["label"]: g.nodes[p]["code"] for n, p, r in g.edges(data="relation") if r == "names_place"}
    assert named == {"US-CA": "US-CA", "Australia": "AU"}


def test_place_tags_become_places_once() -> None:
    """UK and GB are one place; a subdivision lies in its country; a topic-like tag is no place."""
    a = art("https://a.com/1", "a.md", tags=["UK", "Canada-ON", "Coronavirus"])
    b = art("https://a.com/2", "b.md", tags=["GB", "CA-ON", "CA"])
    g = merge([a, b])
    places = {d["code"]: d for n, d in g.nodes(data=True) if d["kind"] == "place"}
    assert sorted(places) == ["CA", "CA-ON", "GB"]
    assert places["GB"]["label"] == "United Kingdom" and places["CA-ON"]["place_type"] == "subdivision"
    assert isinstance(places["CA"]["lat"], float) and isinstance(places["CA"]["lon"], float)
    where = {(u, g.nodes[v]["code"]) for u, v, r in g.edges(data="relation") if r == "content_location"}
    assert where == {("https://a.com/1", "GB"), ("https://a.com/1", "CA-ON"), ("https://a.com/2", "GB")} | {
        ("https://a.com/2", "CA-ON"),
        ("https://a.com/2", "CA"),
    }
    inside = [(g.nodes[u]["code"], g.nodes[v]["code"]) for u, v, r in g.edges(data="relation") if r == "contained_in"]
    assert inside == [("CA-ON", "CA")]


def test_images_people_organizations_and_logos() -> None:
    provider = ProviderRecord(
        "Outlet",
        "o.com",
        images=[ImageRecord("https://o.com/logo.png", 50, 50)],
        authors=["Ada"],
        publishers=["Group"],
    )
    a = art("https://o.com/1", "a.md", provider=provider, images=[ImageRecord("https://o.com/i.jpg", title="Pic")])
    b = art("https://o.com/2", "b.md", images=[ImageRecord("https://o.com/i.jpg", width=10, title="Other")])
    g = merge([a, b])
    img = g.nodes["https://o.com/i.jpg"]
    assert (img["kind"], img["title"], img["width"]) == ("image", "Pic", 10)
    rels = sorted(r for _, _, r in g.edges(data="relation"))
    assert rels == sorted(["published_by", "author", "image", "image", "website", "logo", "parent_organization"])


def test_self_related_is_reported_not_drawn() -> None:
    diags: list[Diagnostic] = []
    a = art("https://a.com/1", "a.md", related=[art("https://a.com/1", "a.md", stub=True)])
    g = merge([a], diags)
    assert g.number_of_edges() == 0
    assert [d.code for d in diags] == ["self-related"]


def test_duplicate_files_give_one_node_with_both_sources(write_item: WriteItem) -> None:
    meta = {"webUrl": "https://www.e.com/a?utm_source=x", "title": "Same", "topics": ["AI"]}
    write_item("one.md", **meta)
    write_item("two.md", **{**meta, "webUrl": "https://e.com/a"})
    kg = graph.build(
        [str(write_item("three.md", webUrl="https://e.com/b", related=[{"webUrl": "https://e.com/a"}]).parent)]
    )
    node = kg.graph.nodes["https://e.com/a"]
    assert [s.rsplit("/", 1)[-1] for s in node["sources"]] == ["one.md", "two.md", "three.md"]
    assert kg.report.nodes["article"] == 2
    assert kg.report.edges["related"] == 1


@settings(max_examples=60, deadline=None)
@given(
    items=st.lists(
        st.tuples(
            st.integers(0, 5),
            st.booleans(),
            st.sampled_from([None, "T1", "T2"]),
            st.sampled_from([None, 1, 2]),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_precedence_property(items: list[tuple[int, bool, str | None, int | None]]) -> None:
    """Whatever the mix, a field's value comes from the best-ranked record that has it."""
    mains: list[ArticleRecord] = []
    for i, (n, as_stub, title, quality) in enumerate(items):
        rec = art(f"https://a.com/{n}", f"{i:03}.md", stub=as_stub, title=title, quality=quality)
        mains.append(art(f"https://host.com/{i}", f"{i:03}.md", related=[rec]) if as_stub else rec)
    g = merge(mains)
    ranked = [m for m in mains if not m.stub and m.iri.startswith("https://a.com")] + [
        r for m in mains for r in m.related
    ]
    for n in {r.iri for r in ranked}:
        group = [r for r in ranked if r.iri == n]
        data = g.nodes[n]
        assert data.get("title") == next((r.title for r in group if r.title), None)
        assert data.get("quality") == next((r.quality for r in group if r.quality is not None), None)
        assert data["stub"] == all(r.stub for r in group)


def test_every_node_has_a_kind_and_every_edge_a_relation(seeds_dir: object) -> None:
    kg = graph.build([str(seeds_dir)])
    assert {k for _, k in kg.graph.nodes(data="kind")} <= set(KINDS)
    assert {r for *_, r in kg.graph.edges(data="relation")} <= set(RELATIONS)
    for _u, _v, key, rel in kg.graph.edges(keys=True, data="relation"):
        assert key == rel
    dates = [d["published_at"] for _, d in kg.nodes("article")]
    assert all(isinstance(x, datetime) and x.tzinfo is not None for x in dates)
    assert min(dates) == datetime(2023, 6, 22, 17, 3, tzinfo=UTC)
