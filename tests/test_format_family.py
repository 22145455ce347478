"""Items of the same Jekyll site family that are not news (profiles, collections, events, ...)."""

from __future__ import annotations

from graph.read import parse_text


def test_an_item_of_a_type_we_do_not_read_is_reported_as_not_read_not_as_a_broken_article() -> None:
    text = "---\ntype: community\nname: Engine club\nmembers: 12\ntwitter:\n  username: ec\n---\n"
    result = parse_text(text, "_communities/club.md")
    assert result.article is None
    [d] = result.diagnostics
    assert (d.severity, d.code, d.field) == ("warning", "unsupported-type", "type")
    assert "'type: community' items are not read" in d.message and "members, name, twitter, type" in d.message
    assert "add a webUrl" not in d.message


def test_a_news_item_without_a_url_is_still_an_error_saying_what_to_add() -> None:
    for kind in ("article", "Video", None):
        text = "---\ntitle: X\n" + (f"type: {kind}\n" if kind else "") + "---\n"
        [d] = parse_text(text, "a.md").diagnostics
        assert (d.severity, d.code) == ("error", "no-identity") and "add a webUrl" in d.message
