"""Reading: finding files, every field of the format, and bad input as diagnostics."""

from __future__ import annotations

import subprocess
import sys
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from graph.read import find_files, parse_bytes, parse_text, read_file
from graph.records import FileResult

from .conftest import WriteItem, item_text

FULL = {
    "category": "news",
    "title": "Full item",
    "excerpt": "An excerpt",
    "publishedDateTime": "2020-05-06T08:06:00Z",
    "updatedDateTime": "2020-05-07T09:00:00+02:00",
    "originalUrl": "https://orig.example.com/story?utm_source=feed",
    "webUrl": "https://www.example.com/story",
    "ampWebUrl": "https://www.example.com/story.amp",
    "cdnAmpWebUrl": "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/story.amp",
    "type": "article",
    "quality": 37,
    "heat": -1,
    "published": False,
    "provider": {
        "name": "Example News",
        "domain": "www.example.com",
        "images": [{"url": "https://cdn.example.com/logo.png", "width": 50, "height": 50}],
        "authors": ["Ada Lovelace", {"name": "Grace Hopper"}],
        "publishers": ["Example Media Group"],
    },
    "topics": ["Coronavirus", "Coronavirus in Canada"],
    "tags": ["CA", "CA-NS", "NO"],
    "images": [
        {
            "url": "https://img.example.com/a.jpg",
            "width": 428,
            "height": 285,
            "title": "A picture",
            "attribution": "Photo: Someone",
            "isCached": True,
        }
    ],
    "related": [
        {
            "title": "Related one",
            "webUrl": "https://other.org/r1",
            "publishedDateTime": "2020-05-05T01:00:00Z",
            "provider": {"name": "Other", "domain": "other.org"},
        }
    ],
    "featuredContent": {"videos": [{"url": "https://v.example.com/1"}]},
    "secured": "SECRET-BLOB-never-emitted",
    "customField": {"nested": [1, 2]},
}


def parse(meta: dict[str, object], body: str = "") -> FileResult:
    return parse_text(item_text(meta, body), "item.md")


def codes(result: FileResult) -> list[str]:
    return [d.code for d in result.diagnostics]


def test_every_field_is_read() -> None:
    result = parse(FULL, "Body text.\n")
    a = result.article
    assert a is not None and result.diagnostics == []
    assert a.iri == "https://example.com/story"
    assert a.url == "https://www.example.com/story"
    assert a.same_as == [
        "https://orig.example.com/story",
        "https://example.com/story.amp",
        "https://www-example-com.cdn.ampproject.org/c/s/www.example.com/story.amp",
    ]
    assert (a.category, a.title, a.excerpt, a.type) == ("news", "Full item", "An excerpt", "article")
    assert a.published_at == datetime(2020, 5, 6, 8, 6, tzinfo=UTC)
    assert a.updated_at == datetime(2020, 5, 7, 9, 0, tzinfo=timezone(timedelta(hours=2)))
    assert (a.quality, a.heat, a.published) == (37, -1, False)
    assert a.provider is not None
    assert (a.provider.name, a.provider.domain) == ("Example News", "example.com")
    assert [i.url for i in a.provider.images] == ["https://cdn.example.com/logo.png"]
    assert a.provider.authors == ["Ada Lovelace", "Grace Hopper"]
    assert a.provider.publishers == ["Example Media Group"]
    assert a.topics == ["Coronavirus", "Coronavirus in Canada"]
    assert a.tags == ["CA", "CA-NS", "NO"]  # YAML 1.2 booleans: NO is Norway, not False
    (image,) = a.images
    assert (image.url, image.width, image.height, image.title, image.attribution, image.is_cached) == (
        "https://img.example.com/a.jpg",
        428,
        285,
        "A picture",
        "Photo: Someone",
        True,
    )
    (rel,) = a.related
    assert rel.stub and rel.iri == "https://other.org/r1" and rel.title == "Related one"
    assert rel.provider is not None and rel.provider.domain == "other.org"
    assert a.featured_content == {"videos": [{"url": "https://v.example.com/1"}]}
    assert a.body == "Body text."
    assert a.extra == {"customField": {"nested": [1, 2]}}
    assert "SECRET" not in repr(a)


def test_unquoted_yaml_dates_become_aware_datetimes() -> None:
    result = parse_text("---\nwebUrl: https://e.com/a\npublishedDateTime: 2023-06-23T13:03:00Z\n---\n")
    assert result.article is not None
    assert result.article.published_at == datetime(2023, 6, 23, 13, 3, tzinfo=UTC)


def test_naive_and_date_only_dates_are_utc_with_a_note() -> None:
    result = parse(
        {"webUrl": "https://e.com/a", "publishedDateTime": "2020-05-06", "updatedDateTime": "2020-05-06T10:00"}
    )
    a = result.article
    assert a is not None
    assert a.published_at == datetime(2020, 5, 6, tzinfo=UTC)
    assert a.updated_at == datetime(2020, 5, 6, 10, tzinfo=UTC)
    assert codes(result) == ["naive-date", "naive-date"]


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("title", ["a", "list"], "field-type"),
        ("excerpt", {"a": 1}, "field-type"),
        ("quality", "high", "field-type"),
        ("heat", True, "field-type"),
        ("published", "maybe", "field-type"),
        ("publishedDateTime", "yesterday", "bad-date"),
        ("publishedDateTime", 12, "field-type"),
        ("topics", {"a": 1}, "field-type"),
        ("tags", [["nested"]], "field-type"),
        ("images", "not a list of images", "bad-url"),
        ("images", [{"width": 3}], "no-identity"),
        ("provider", 42, "field-type"),
        ("provider", {}, "no-identity"),
        ("related", "not a list", "field-type"),
        ("related", [{"title": "no url"}], "no-identity"),
        ("ampWebUrl", "javascript:alert(1)", "bad-url"),
    ],
)
def test_wrong_type_drops_the_field_and_keeps_the_article(field: str, value: object, code: str) -> None:
    result = parse({"webUrl": "https://e.com/a", "title": "T", field: value})
    assert result.article is not None, result.diagnostics
    assert code in codes(result)
    d = next(d for d in result.diagnostics if d.code == code)
    assert d.severity == "warning" and d.path == "item.md"
    assert field in (d.field or "")


def test_scalars_where_text_or_lists_are_expected_are_accepted() -> None:
    result = parse({"webUrl": "https://e.com/a", "title": 2020, "topics": "Solo", "quality": "12", "published": "true"})
    a = result.article
    assert a is not None and result.diagnostics == []
    assert (a.title, a.topics, a.quality, a.published) == ("2020", ["Solo"], 12, True)


def test_identity_falls_back_to_original_then_amp() -> None:
    a = parse({"originalUrl": "https://e.com/o"}).article
    assert a is not None and a.iri == "https://e.com/o"
    b = parse({"cdnAmpWebUrl": "https://e-com.cdn.ampproject.org/c/s/e.com/x.amp"}).article
    assert b is not None and b.iri == "https://e.com/x.amp"


def test_no_identity_fails_the_file() -> None:
    result = parse({"title": "No URL", "webUrl": "javascript:alert(1)"})
    assert result.failed
    assert codes(result) == ["bad-url", "no-identity"]
    assert result.diagnostics[-1].severity == "error"


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("", "empty-file", None),
        ("   \n\n", "empty-file", None),
        ("Just markdown, no front matter.\n", "no-front-matter", 1),
        ("---\ntitle: never closed\n", "unterminated-front-matter", 1),
        ("---\n---\nbody\n", "empty-front-matter", 2),
        ("---\n- a\n- list\n---\n", "not-a-mapping", 2),
        ("---\njust text\n---\n", "not-a-mapping", 2),
        ("---\ntitle: ok\nwebUrl: [unclosed\n---\n", "yaml-syntax", 4),
        ('---\ntitle: "bad\x07char"\nwebUrl: https://e.com\n---\n', "yaml-syntax", 2),
        ("---\na: !!python/object/apply:os.system ['echo pwned']\n---\n", "yaml-syntax", 2),
        ("---\n? [a, b]\n: c\n---\n", "yaml-syntax", None),
    ],
)
def test_unusable_files_are_reported(text: str, code: str, line: int | None) -> None:
    result = parse_text(text, "bad.md")
    assert result.failed
    (d,) = result.diagnostics
    assert (d.code, d.severity, d.path) == (code, "error", "bad.md")
    if line is not None:
        assert d.line == line
    assert d.message


def test_python_tags_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    text = f"---\nx: !!python/object/apply:os.system ['touch {marker}']\nwebUrl: https://e.com\n---\n"
    assert parse_text(text).failed
    assert not marker.exists()


def test_deep_nesting_is_refused_without_crashing() -> None:
    # PyYAML's C loader segfaults on this; run in a child so a crash cannot take pytest down.
    code = (
        "from graph.read import parse_text\n"
        "r = parse_text('---\\nwebUrl: https://e.com\\nx: ' + '[' * 200000 + ']' * 200000 + '\\n---\\n')\n"
        "print(r.diagnostics[0].code)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "yaml-too-deep"


def test_alias_bomb_is_refused() -> None:
    lines = ["---", "webUrl: https://e.com/a", 'a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i in range(1, 10):
        prev = f"*a{i - 1}"
        lines.append(f"a{i}: &a{i} [{', '.join([prev] * 9)}]")
    lines.append("---")
    result = parse_text("\n".join(lines) + "\n")
    assert result.failed and codes(result) == ["yaml-too-large"]


def test_a_few_aliases_are_fine() -> None:
    text = "---\nwebUrl: https://e.com/a\ntopics: &t [AI]\nx: *t\n---\n"
    result = parse_text(text)
    assert result.article is not None and result.article.topics == ["AI"]


def test_duplicate_top_level_keys_warn_and_last_wins() -> None:
    result = parse_text("---\nwebUrl: https://e.com/a\ntitle: first\ntitle: second\n---\n")
    assert result.article is not None and result.article.title == "second"
    (d,) = result.diagnostics
    assert (d.code, d.line, d.field) == ("duplicate-key", 4, "title")


def test_control_and_bidi_characters_are_replaced_with_a_warning() -> None:
    result = parse_text('---\nwebUrl: https://e.com/a\ntitle: "a\\u202eb\\x01c"\n---\n')
    assert result.article is not None and result.article.title == "a\ufffdb\ufffdc"
    assert codes(result) == ["control-character"]


def test_huge_values_are_cut() -> None:
    result = parse({"webUrl": "https://e.com/a", "excerpt": "x" * 200_000})
    assert result.article is not None and result.article.excerpt is not None
    assert len(result.article.excerpt) == 100_000
    assert codes(result) == ["too-long"]


@pytest.mark.parametrize(
    ("data", "title", "code"),
    [
        (b"\xef\xbb\xbf---\nwebUrl: https://e.com/a\ntitle: BOM\n---\n", "BOM", None),
        ("\ufeff---\nwebUrl: https://e.com/a\ntitle: Wide\n---\n".encode("utf-16-le"), "Wide", None),
        ("---\nwebUrl: https://e.com/a\ntitle: Wide\n---\n".encode("utf-16"), "Wide", None),
        (b"---\r\nwebUrl: https://e.com/a\r\ntitle: CRLF\r\n---\r\n", "CRLF", None),
        ("---\nwebUrl: https://e.com/a\ntitle: Café\n---\n".encode("cp1252"), "Café", "encoding"),
    ],
)
def test_encodings(data: bytes, title: str, code: str | None) -> None:
    result = parse_bytes(data, "enc.md")
    assert result.article is not None and result.article.title == title
    assert codes(result) == ([code] if code else [])


def test_binary_file_is_reported() -> None:
    result = parse_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "img.md")
    assert result.failed and codes(result) == ["binary-file"]


def test_file_too_large(tmp_path: Path) -> None:
    big = tmp_path / "big.md"
    big.write_text(item_text({"webUrl": "https://e.com/a"}) + "x" * 2000)
    result = read_file(big, max_bytes=1000)
    assert result.failed and codes(result) == ["file-too-large"]


def test_unreadable_file(tmp_path: Path) -> None:
    result = read_file(tmp_path / "missing.md")
    assert result.failed and codes(result) == ["read-error"]


def test_find_files_order_suffixes_hidden_and_globs(tmp_path: Path, write_item: WriteItem) -> None:
    for name in ["b.md", "a.txt", "sub/c.markdown", "sub/deeper/d.MD", ".hidden/x.md", ".dot.md", "notes.json"]:
        write_item(name, webUrl="https://e.com/" + name)
    root = tmp_path / "corpus"
    files, problems = find_files([root])
    assert [f.relative_to(root).as_posix() for f in files] == [
        "a.txt",
        "b.md",
        "sub/c.markdown",
        "sub/deeper/d.MD",
    ]
    assert problems == []
    # explicit files are taken whatever their name; duplicates collapse; globs work
    files, _ = find_files([root / "notes.json", root / "b.md", str(root / "*.md"), str(root / "**" / "*.markdown")])
    # sorted by path, each file once (b.md matched twice), hidden ones skipped by the glob too
    assert [f.relative_to(root).as_posix() for f in files] == ["b.md", "notes.json", "sub/c.markdown"]

    _, problems = find_files([tmp_path / "nope"])
    assert [p.code for p in problems] == ["source-missing"]
    (tmp_path / "empty").mkdir()
    _, problems = find_files([tmp_path / "empty"])
    assert [p.code for p in problems] == ["source-empty"]


@pytest.mark.parametrize(
    "front",
    [
        'excerpt: "one\\r\\ntwo\\rthree"',  # YAML escapes, read by the fast path
        'excerpt: &e "one\\r\\ntwo\\rthree"',  # an anchor sends it to PyYAML
        "excerpt: |\r\n  one\r\n  two\r  three",  # raw CR LF and CR in the file
    ],
)
def test_windows_and_mac_line_breaks_are_line_breaks(front: str) -> None:
    result = parse_text(f"---\nwebUrl: https://e.com/a\ntitle: T\n{front}\n---\n")
    assert result.article is not None
    assert result.article.excerpt == "one\ntwo\nthree"
    assert codes(result) == []


def test_the_control_character_warning_names_the_characters() -> None:
    result = parse_text('---\nwebUrl: https://e.com/a\ntitle: "a\\x07b\\x1bc\\x07"\n---\n')
    assert result.article is not None and result.article.title == "a\ufffdb\ufffdc\ufffd"
    (diag,) = result.diagnostics
    assert diag.code == "control-character"
    assert "U+0007, U+001B" in diag.message, diag.message
