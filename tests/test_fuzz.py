"""Fuzzing the reader and the page with hypothesis: nothing raises, nothing escapes.

- random bytes and random YAML-ish text into :func:`graph.read.parse_bytes`:
  it never raises and always returns a :class:`~graph.records.FileResult`;
  a file without an article has an error naming it; an article's IRI is
  an ``http(s)`` IRI a strict parser accepts;
- :func:`graph.identity.canonical_url` over any text: ``None`` or an
  ``http(s)`` IRI that a strict parser accepts, and idempotent;
- any text in any field renders inertly in the page.

``make test`` runs a short fuzz; ``NEWSGRAPH_FUZZ_EXAMPLES=20000 pytest
tests/test_fuzz.py`` runs a longer one.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyoxigraph
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from graph.identity import canonical_url
from graph.pipeline import assemble
from graph.read import parse_bytes, parse_text
from graph.records import FileResult

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = int(os.environ.get("NEWSGRAPH_FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

FIELDS = [
    "webUrl",
    "originalUrl",
    "ampWebUrl",
    "cdnAmpWebUrl",
    "title",
    "excerpt",
    "category",
    "type",
    "publishedDateTime",
    "updatedDateTime",
    "quality",
    "heat",
    "published",
    "provider",
    "name",
    "domain",
    "topics",
    "tags",
    "images",
    "url",
    "width",
    "related",
    "featuredContent",
    "secured",
]
TOKENS = [
    "---",
    "- ",
    ": ",
    "? ",
    "&a ",
    "*a",
    "&b [*a, *a, *a]",
    "!!python/object/apply:os.system ['true']",
    "!!str ",
    "!!binary ",
    "!custom ",
    "[",
    "]",
    "{",
    "}",
    ",",
    "'",
    '"',
    "\\u202e",
    "\\ud800",
    "|",
    ">-",
    "#",
    "%YAML 1.1",
    "...",
    "\t",
    "  ",
    "    ",
    "\r\n",
    "\n",
    "\x00",
    "\x1b",
    "\u202e",
    "\ufeff",
    "\u0085",
    "\u2028",
    "https://a.example/x y",
    "javascript:alert(1)",
    "data:text/html,<b>",
    "2020-05-06T08:06:00Z",
    "null",
    "true",
    "NO",
    "1e400",
    "0x1F",
    "~",
    "<script>",
]


def check(result: FileResult, path: str) -> None:
    assert isinstance(result, FileResult)
    assert result.path == path
    if result.article is None:  # said why: an error, or an item of a type newsgraph does not read
        assert any(d.severity == "error" or d.code == "unsupported-type" for d in result.diagnostics), result
        return
    for iri in [result.article.iri, *result.article.same_as, *(r.iri for r in result.article.related)]:
        assert iri.startswith(("http://", "https://"))
        pyoxigraph.NamedNode(iri)  # a strict parser accepts it
    for d in result.diagnostics:
        assert d.path == path and d.message and d.code


@FUZZ
@given(st.binary(max_size=2000))
def test_random_bytes_never_raise(data: bytes) -> None:
    check(parse_bytes(data, "fuzz.md"), "fuzz.md")
    check(parse_bytes(b"---\n" + data + b"\n---\n", "fuzz.md"), "fuzz.md")


yamlish = st.lists(
    st.one_of(
        st.sampled_from(TOKENS),
        st.sampled_from(FIELDS).map(lambda k: f"\n{k}: "),
        st.text(max_size=12),
    ),
    max_size=60,
).map("".join)


@FUZZ
@given(yamlish, st.sampled_from(["utf-8", "utf-16", "cp1252"]))
def test_yamlish_text_never_raises(text: str, codec: str) -> None:
    doc = f"---\nwebUrl: https://a.example/fuzz\n{text}\n---\nbody"
    check(parse_text(doc, "fuzz.md"), "fuzz.md")
    check(parse_bytes(doc.encode(codec, "surrogatepass" if codec != "cp1252" else "replace"), "f.md"), "f.md")


_any_text = st.text(max_size=60)
_scalar = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _any_text)
_value = st.recursive(
    _scalar,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.one_of(st.sampled_from(FIELDS), _any_text), inner, max_size=4)
    ),
    max_leaves=20,
)


@FUZZ
@given(st.dictionaries(st.sampled_from(FIELDS), _value, max_size=12), st.sampled_from(["", "https://a.example/ok"]))
def test_any_value_in_any_field_never_raises(meta: dict[str, Any], url: str) -> None:
    if url:
        meta["webUrl"] = url
    try:
        text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n"
    except yaml.YAMLError:
        return
    result = parse_text(text, "fuzz.md")
    check(result, "fuzz.md")
    if url:
        assert result.article is not None or any(d.code.startswith("yaml") for d in result.diagnostics)


@FUZZ
@given(st.text(max_size=80))
def test_canonical_url_of_any_text(text: str) -> None:
    for candidate in (text, "https://a.example/" + text, "http://" + text):
        iri = canonical_url(candidate)
        if iri is None:
            continue
        assert iri.startswith(("http://", "https://"))
        pyoxigraph.NamedNode(iri)
        assert canonical_url(iri) == iri
        exact = canonical_url(candidate, exact=True)
        assert exact is not None
        pyoxigraph.NamedNode(exact)


# --------------------------------------------------------------------------- the page

_page_text = st.text(
    alphabet=st.one_of(st.characters(codec="utf-8"), st.sampled_from(list("<>&'\"/\\`!-[]{}"))), max_size=40
).map(lambda s: s + "</script><script>window.__x=1</script><!--")


@settings(max_examples=max(10, EXAMPLES // 10), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    title=_page_text,
    other=_page_text,
    url_tail=_page_text,
    evil=st.sampled_from(["javascript:alert(1)", "data:text/html,<script>x</script>", " JAVASCRIPT:x", "vbscript:x"]),
)
def test_any_text_renders_inertly(title: str, other: str, url_tail: str, evil: str) -> None:
    from graph.explorer import render_html

    meta = {
        "webUrl": "https://a.example/" + url_tail,
        "title": title,
        "excerpt": other,
        "category": other,
        "provider": {"name": title, "domain": "a.example", "images": [{"url": evil}]},
        "topics": [title, other],
        "tags": [other],
        "images": [{"url": evil, "title": title}],
        "related": [{"webUrl": evil, "title": other}, {"webUrl": "https://b.example/" + url_tail, "title": title}],
    }
    result = parse_text("---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n", "page.md")
    assert result.article is not None, result.diagnostics
    page = render_html(assemble([result]))
    head, _, _rest = page.partition('<script type="application/json" id="ng-nodes">')
    blocks = re.findall(r'<script type="application/json" id="ng-(\w+)">(.*?)</script>', page, re.S)
    assert [name for name, _ in blocks] == ["nodes", "edges", "index", "meta", "options"]
    for _, block in blocks:
        assert "<" not in block and ">" not in block  # no way out of the data block
        json.loads(block)
    nodes = json.loads(blocks[0][1])
    urls = [n["u"] for n in nodes if "u" in n]
    assert urls and all(u.startswith(("http://", "https://")) for u in urls)
    assert "window.__x=1</script>" not in page
    assert "__x" not in head


_PARSE_IN_CHILD = (
    "import sys; from graph.read import parse_bytes; "
    "r = parse_bytes(sys.stdin.buffer.read(), 'deep.md'); "
    "print(' '.join(d.code for d in r.diagnostics) or 'none', r.article is not None)"
)


def parse_in_child(data: bytes) -> tuple[int, str]:
    """Parse ``data`` in a child process, so a segfault of a C extension fails one test, not the run."""
    proc = subprocess.run(
        [sys.executable, "-c", _PARSE_IN_CHILD], input=data, capture_output=True, timeout=120, cwd=ROOT
    )
    return proc.returncode, (proc.stdout + proc.stderr).decode("utf-8", "replace")[-400:]


@pytest.mark.parametrize(
    "data",
    [
        b"---\nwebUrl: https://a.example/x\nx: " + b"[" * 100_000 + b"]" * 100_000 + b"\n---\n",
        b"---\nwebUrl: https://a.example/x\nx: " + b"{a: " * 50_000 + b"\n---\n",
        b"---\nwebUrl: https://a.example/x\nx:\n" + b"".join(b"  " * i + b"- \n" for i in range(1_500)) + b"---\n",
    ],
    ids=["flow-seq", "flow-map", "indented-block"],
)
def test_deep_nesting_is_refused_in_a_child(data: bytes) -> None:
    rc, out = parse_in_child(data)
    assert rc == 0, out
    assert "yaml-too-deep" in out or "yaml-syntax" in out


@pytest.mark.parametrize("token", [b"- ", b"? ", b"- ? "])
def test_compact_block_nesting_does_not_crash(token: bytes) -> None:
    rc, out = parse_in_child(b"---\nwebUrl: https://a.example/x\nx:\n" + token * 50_000 + b"\n---\n")
    assert rc == 0, f"exit {rc}: {out}"
    assert "yaml-too-deep" in out


def test_compact_block_nesting_of_a_thousand_is_a_diagnostic() -> None:
    result = parse_bytes(b"---\nwebUrl: https://a.example/x\nx:\n" + b"- " * 1_000 + b"\n---\n", "deep.md")
    assert [d.code for d in result.diagnostics] == ["yaml-too-deep"]


_ITEM_FIELDS = [
    "name", "title", "bio", "excerpt", "location", "affiliation", "website", "twitter", "linkedin", "topics",
    "tags", "images", "items", "provider", "startDate", "endDate", "url", "webUrl", "date", "description",
]  # fmt: skip


@FUZZ
@given(
    st.sampled_from(["profile", "collection", "event", "Profile "]),
    st.dictionaries(st.sampled_from(_ITEM_FIELDS), _value, max_size=10),
    st.sampled_from(["fuzz.md", "site/_items/fuzz.md"]),
)
def test_any_value_in_a_site_items_fields_never_raises(kind: str, meta: dict[str, Any], path: str) -> None:
    meta["type"] = kind
    try:
        text = "---\n" + yaml.safe_dump(meta, allow_unicode=True) + "---\n"
    except yaml.YAMLError:
        return
    result = parse_text(text, path)
    check(result, path)
    if path.startswith("site/"):  # the site id names it, whatever its fields
        assert result.article is not None or any(d.code.startswith("yaml") for d in result.diagnostics)
