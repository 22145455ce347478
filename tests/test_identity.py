"""Identity rules: canonical URLs, IRIs a strict parser accepts, labels, minted ids."""

from __future__ import annotations

import pyoxigraph
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from graph.identity import (
    canonical_url,
    dewrap_amp_cache,
    encode_iri,
    id_iri,
    normalize_domain,
    normalize_label,
)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://www.asianews.it/news-en/a-1.html", "https://asianews.it/news-en/a-1.html"),
        ("HTTP://Example.COM", "http://example.com/"),
        ("https://example.com:443/a", "https://example.com/a"),
        ("http://example.com:80/a", "http://example.com/a"),
        ("https://example.com:8443/a", "https://example.com:8443/a"),
        ("https://user:secret@example.com/a", "https://example.com/a"),
        ("https://example.com/a#section", "https://example.com/a"),
        ("https://example.com/a?utm_source=x&utm_medium=y", "https://example.com/a"),
        ("https://example.com/a?id=7&fbclid=abc&page=2", "https://example.com/a?id=7&page=2"),
        ("https://www.kwqc.com/video?vid=570245912", "https://kwqc.com/video?vid=570245912"),
        ("https://apnews.com/Business Wire/5054ac", "https://apnews.com/Business%20Wire/5054ac"),
        ('https://e.com/"quoted"<b>', "https://e.com/%22quoted%22%3Cb%3E"),
        ("https://e.com/a\nb", "https://e.com/a%0Ab"),
        ("https://e.com/100%", "https://e.com/100%25"),
        ("https://e.com/%7euser/%2fx", "https://e.com/~user/%2Fx"),
        ("https://e.com/[x]", "https://e.com/%5Bx%5D"),
        ("https://e.com/café", "https://e.com/café"),
        ("https://e.com/a\u202eb", "https://e.com/a%E2%80%AEb"),
        ("  https://e.com/padded  ", "https://e.com/padded"),
        (
            "https://www-foxnews-com.cdn.ampproject.org/c/s/www.foxnews.com/sports/x.amp",
            "https://foxnews.com/sports/x.amp",
        ),
    ],
)
def test_canonical_url(url: str, expected: str) -> None:
    assert canonical_url(url) == expected


@pytest.mark.parametrize(
    "url",
    [
        "javascript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "mailto:a@b.c",
        "ftp://example.com/x",
        "/assets/images/x.jpg",
        "example.com/no-scheme",
        "",
        "   ",
        "https://",
        "https://exa mple.com/",
        "http://[::1/",
        "https://e.com:99999/",
    ],
)
def test_not_an_http_url(url: str) -> None:
    assert canonical_url(url) is None


def test_exact_keeps_what_a_link_needs() -> None:
    assert canonical_url("https://www.e.com/a b?utm_source=x#f", exact=True) == "https://www.e.com/a%20b?utm_source=x"
    # exact never unwraps an AMP cache URL: it is a link in its own right
    amp = "https://www-e-com.cdn.ampproject.org/c/s/www.e.com/a"
    assert canonical_url(amp, exact=True) == amp


def test_dewrap_amp_cache_http_and_other_hosts() -> None:
    assert dewrap_amp_cache("https://e-com.cdn.ampproject.org/c/e.com/a?x=1") == "http://e.com/a?x=1"
    assert dewrap_amp_cache("https://e.com/c/s/x") == "https://e.com/c/s/x"


def test_normalize_domain() -> None:
    assert normalize_domain("WWW.CBSLocal.com") == "cbslocal.com"
    assert normalize_domain("https://www.cnn.com/world") == "cnn.com"
    assert normalize_domain("localhost") is None
    assert normalize_domain("has space.com") is None


def test_labels_and_minted_ids() -> None:
    assert normalize_label("  Computer\tVision ") == normalize_label("computer vision") == "computer vision"
    assert id_iri("topic", "computer vision") == "https://w3id.org/newsgraph/id/topic/computer_vision"
    # "a_b" and "a b" must not collide
    assert id_iri("tag", "a_b") != id_iri("tag", "a b")
    assert id_iri("tag", "a/b") != id_iri("tag", "a", "b")


def test_encode_iri_keeps_delimiters() -> None:
    assert encode_iri("/a/b?c=d&e=f") == "/a/b?c=d&e=f"
    assert encode_iri("\ue000", in_query=True) == "\ue000"
    assert encode_iri("\ue000") == "%EE%80%80"


_url_text = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]),
    max_size=40,
)


@settings(max_examples=300, deadline=None)
@given(
    scheme=st.sampled_from(["http", "https", "HTTPS"]),
    host=st.from_regex(r"(www\.)?[a-z0-9]{1,10}\.(com|org|co\.uk)", fullmatch=True),
    path=_url_text,
    query=_url_text,
)
def test_canonical_is_idempotent_and_strictly_valid(scheme: str, host: str, path: str, query: str) -> None:
    url = f"{scheme}://{host}/{path}" + (f"?{query}" if query else "")
    iri = canonical_url(url)
    if iri is None:
        return
    assert canonical_url(iri) == iri
    pyoxigraph.NamedNode(iri)  # raises ValueError on an IRI a strict parser refuses
    exact = canonical_url(url, exact=True)
    assert exact is not None
    pyoxigraph.NamedNode(exact)


@settings(max_examples=200, deadline=None)
@given(label=st.text(alphabet=st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1, max_size=30))
def test_minted_ids_are_strictly_valid(label: str) -> None:
    pyoxigraph.NamedNode(id_iri("tag", normalize_label(label)))
