"""A generator of hostile news files, with a manifest of what each must give.

``write_hostile_corpus(folder)`` writes ordinary news items beside files built
to hurt a reader: YAML alias bombs, nesting deep enough to crash PyYAML's C
loader, huge scalars and files, control characters and bidi overrides,
byte-order marks, CRLF, other encodings, binary and empty files, broken
front matter, code-running YAML tags, wrong types in every field, odd file
names, and URLs that should never become IRIs or links (spaces, quotes,
angle brackets, newlines, ``javascript:`` and ``data:``).

It returns a manifest: one :class:`Case` per file, saying whether the file
must be built (it holds a usable article) or fail (then ``code`` is the
diagnostic code that must name it). A command line writes a corpus for
manual runs::

    python -m tests.hostile_corpus DIR [--ordinary N]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

Expect = Literal["build", "fail"]

#: Text that must never reach an RDF IRI or a link in the page.
EVIL_SCHEMES = ("javascript:", "data:", "vbscript:")
#: A marker put into hostile text so tests can find where it went.
MARK = "HOSTILE"


@dataclass(frozen=True)
class Case:
    """One file of the corpus: its name, whether it must build, and the code that must report it."""

    name: str
    expect: Expect
    code: str | None = None  # for "fail": a diagnostic code naming the file
    note: str = ""


def _item(url: str | None, title: str = "Ordinary story", extra: str = "") -> str:
    lines = ["---"]
    if url is not None:
        lines.append(f"webUrl: {json.dumps(url)}")
    lines.append(f"title: {json.dumps(title)}")
    lines.append("publishedDateTime: 2020-05-06T08:06:00Z")
    lines.append("provider:\n  name: Good News\n  domain: goodnews.example")
    lines.append("topics:\n  - Coronavirus")
    if extra:
        lines.append(extra.rstrip("\n"))
    lines.append("---")
    return "\n".join(lines) + "\nBody text.\n"


def _cases() -> list[tuple[Case, bytes]]:
    out: list[tuple[Case, bytes]] = []

    def add(name: str, expect: Expect, data: bytes | str, code: str | None = None, note: str = "") -> None:
        raw = data.encode("utf-8") if isinstance(data, str) else data
        out.append((Case(name, expect, code, note), raw))

    u = "https://hostile.example/"

    # --- YAML resource attacks
    bomb = ["---", f"webUrl: {u}bomb", 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for i, (prev, cur) in enumerate(zip("abcdefgh", "bcdefghi", strict=True)):
        bomb.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
        del i
    bomb += ["---", ""]
    add("alias_bomb.md", "fail", "\n".join(bomb), "yaml-too-large", "billion laughs")
    add("deep_flow.md", "fail", f"---\nwebUrl: {u}deep\nx: " + "[" * 20_000 + "]" * 20_000 + "\n---\n", "yaml-too-deep")
    add(
        "deep_flow_unclosed.md",
        "fail",
        f"---\nwebUrl: {u}deep2\nx: " + "{a: " * 5_000 + "\n---\n",
        None,
        "deep and invalid",
    )
    block = "".join("  " * i + "- \n" for i in range(1_500))
    add("deep_block.md", "fail", f"---\nwebUrl: {u}deep3\nx:\n{block}---\n", "yaml-too-deep", "2.2 MB of indents")
    add("huge_title.md", "build", _item(f"{u}huge-title", MARK * 300_000), note="3.6 MB scalar: cut, kept")
    add("huge_file.md", "fail", _item(f"{u}huge-file") + "x" * (9 * 1024 * 1024), "file-too-large")
    many_keys = "\n".join(f"k{i}: v{i}" for i in range(50_000))
    add("many_keys.md", "build", _item(f"{u}many-keys", extra=many_keys), note="50k extra fields")

    # --- characters, encodings, line ends
    add("control_chars.md", "build", _item(f"{u}ctl", "a\x07b\x1bc\u202ed\u2066e\x7f"), note="escaped controls")
    add("raw_control.md", "fail", f"---\nwebUrl: {u}rawctl\ntitle: bad \x97 byte\n---\n", "yaml-syntax")
    add("bidi_raw.md", "build", f"---\nwebUrl: {u}bidi\ntitle: abc\u202edef\u2067x\n---\n")
    add("bom_utf8.md", "build", b"\xef\xbb\xbf" + _item(f"{u}bom8").encode())
    add("bom_utf16le.md", "build", b"\xff\xfe" + _item(f"{u}bom16le", "caf\u00e9").encode("utf-16-le"))
    add("bom_utf16be.md", "build", b"\xfe\xff" + _item(f"{u}bom16be").encode("utf-16-be"))
    add("bom_utf32le.md", "build", b"\xff\xfe\x00\x00" + _item(f"{u}bom32le").encode("utf-32-le"))
    add("bom_lies.md", "fail", b"\xff\xfe\x00\x00" + b"---\nabc", "encoding")
    add("crlf.md", "build", _item(f"{u}crlf").replace("\n", "\r\n"))
    add("cr_only.md", "build", _item(f"{u}cr").replace("\n", "\r"))
    add("cp1252.md", "build", _item(f"{u}cp1252", "caf\u00e9 \u2013 \u20ac").encode("cp1252"))
    add("latin1_undefined.md", "build", _item(f"{u}latin1").encode() + b"\x81\x8d\x8f\x90\x9d")
    add("binary.md", "fail", bytes(range(256)) * 40, "binary-file")
    add("png_named_md.md", "fail", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64, "binary-file")
    add("lone_surrogate_escape.md", "fail", f'---\nwebUrl: {u}surrogate\ntitle: "a\\ud800b"\n---\n', "yaml-syntax")
    add("nul_escape.md", "build", f'---\nwebUrl: {u}nul\ntitle: "a\\0b\\x00c"\n---\n')

    # --- empty and broken front matter
    add("empty.md", "fail", b"", "empty-file")
    add("whitespace.md", "fail", "  \n\n\t\n", "empty-file")
    add("no_front_matter.md", "fail", "# Just markdown\n\nwebUrl: https://a.example/\n", "no-front-matter")
    add("unterminated.md", "fail", f"---\nwebUrl: {u}unterminated\ntitle: x\n", "unterminated-front-matter")
    add("empty_front_matter.md", "fail", "---\n---\nbody\n", "empty-front-matter")
    add("list_front_matter.md", "fail", f"---\n- {u}a\n- {u}b\n---\n", "not-a-mapping")
    add("scalar_front_matter.md", "fail", "---\njust text\n---\n", "not-a-mapping")
    add("bad_yaml.md", "fail", f"---\nwebUrl: {u}bad\ntitle: [unclosed\n---\n", "yaml-syntax")
    add("tab_indent.md", "fail", f"---\nwebUrl: {u}tab\nprovider:\n\tname: x\n---\n", "yaml-syntax")
    add("non_string_keys.md", "build", f"---\nwebUrl: {u}keys\n1: one\n2.5: x\nnull: n\ntrue: t\n2020-01-01: d\n---\n")
    add("complex_key.md", "fail", f"---\nwebUrl: {u}ckey\n? [a, b]\n: list key\n---\n", "yaml-syntax")
    add("duplicate_keys.md", "build", f"---\nwebUrl: {u}dup-old\ntitle: a\nwebUrl: {u}dup\ntitle: b\n---\n")

    # --- tags that would run code
    for i, tag in enumerate(
        [
            "!!python/object/apply:os.system ['touch PWNED']",
            "!!python/object/new:subprocess.Popen [['touch', 'PWNED']]",
            "!!python/name:os.system",
            "!!python/module:os",
            "!<tag:yaml.org,2002:python/object/apply:os.system> ['touch PWNED']",
        ]
    ):
        add(f"python_tag_{i}.md", "fail", f"---\nwebUrl: {u}py{i}\ntitle: {tag}\n---\n", "yaml-syntax")
    add("custom_tag.md", "fail", f"---\nwebUrl: {u}tag\ntitle: !custom x\n---\n", "yaml-syntax")

    # --- wrong types in every field (the article keeps its URL, so it is built)
    wrong: list[tuple[str, str]] = [
        ("title", "[1, 2]"),
        ("title", "{a: 1}"),
        ("excerpt", "[x]"),
        ("category", "{a: b}"),
        ("type", "[a]"),
        ("publishedDateTime", "[2020]"),
        ("publishedDateTime", "not a date"),
        ("publishedDateTime", "99999-99-99T99:99:99Z"),
        ("updatedDateTime", "{a: 1}"),
        ("quality", "lots"),
        ("quality", "1e400"),
        ("quality", "123456789012345678901234567890"),
        ("heat", "[1]"),
        ("published", "maybe"),
        ("published", "[true]"),
        ("provider", "[a, b]"),
        ("provider", "42"),
        ("provider", "{name: [x], domain: {a: 1}, images: 3, authors: {a: b}, publishers: 7}"),
        ("provider", "{domain: 'javascript:alert(1)'}"),
        ("provider", "{domain: 'a b<c>.com', name: x}"),
        ("topics", "{a: b}"),
        ("topics", "[[nested], {a: 1}, null, 3]"),
        ("tags", "7"),
        ("tags", "[null, [], {}]"),
        ("images", "not-a-list"),
        ("images", "[1, 'x', null, {width: 3}, {url: [x]}, {url: 'javascript:alert(1)'}]"),
        ("images", "[{url: 'https://img.example/a.jpg', width: wide, height: [1], isCached: maybe}]"),
        ("ampWebUrl", "[x]"),
        ("cdnAmpWebUrl", "{a: 1}"),
        ("originalUrl", "42"),
        ("featuredContent", "{x: [1, {y: 'javascript:alert(1)'}]}"),
        ("secured", "[1, 2]"),
    ]
    for i, (key, value) in enumerate(wrong):
        add(f"wrong_{i:02d}_{key}.md", "build", f"---\nwebUrl: {u}wrong{i}\n{key}: {value}\n---\n")
    add("wrong_weburl_type.md", "fail", "---\nwebUrl: [1, 2]\ntitle: x\n---\n", "no-identity")

    # --- identity
    add("no_identity.md", "fail", "---\ntitle: No URL at all\n---\n", "no-identity")
    add("identity_null.md", "fail", "---\nwebUrl: null\noriginalUrl: ~\n---\n", "no-identity")
    add("identity_empty.md", "fail", "---\nwebUrl: ''\n---\n", "no-identity")
    add("identity_original_only.md", "build", f"---\noriginalUrl: {u}orig-only\n---\n")
    add(
        "identity_amp_only.md",
        "build",
        "---\ncdnAmpWebUrl: https://hostile-example.cdn.ampproject.org/c/s/hostile.example/amp-only\n---\n",
    )

    # --- related
    add("related_string.md", "build", f"---\nwebUrl: {u}rel-str\nrelated: {u}other\n---\n")
    add("related_mapping.md", "build", f"---\nwebUrl: {u}rel-map\nrelated: {{webUrl: {u}x}}\n---\n")
    no_urls = "related:\n  - title: a\n  - 3\n  - null\n  - []\n"
    add("related_no_urls.md", "build", f"---\nwebUrl: {u}rel-nourl\n{no_urls}---\n")
    add(
        "related_evil.md",
        "build",
        f"---\nwebUrl: {u}rel-evil\nrelated:\n  - webUrl: 'javascript:alert(1)'\n"
        "  - webUrl: 'data:text/html,<b>x</b>'\n"
        f"  - webUrl: {u}rel-evil\n---\n",
    )
    many = "".join(f"  - webUrl: {u}many/{i}\n    title: Related {i}\n" for i in range(5_000))
    add("related_thousands.md", "build", f"---\nwebUrl: {u}rel-many\nrelated:\n{many}---\n")

    # --- URLs
    urls: list[tuple[str, Expect, str | None]] = [
        (f"{u}with space/and more", "build", None),
        (f"{u}quote\"s'", "build", None),
        (f"{u}<angle>brackets", "build", None),
        (f"{u}new\nline", "build", None),
        (f"{u}tab\there", "build", None),
        (f"{u}caf\u00e9/\u65e5\u672c", "build", None),
        ("https://h\u00f6stile.example/idn", "build", None),
        (f"{u}back\\slash{{braces}}|pipe^`", "build", None),
        (f"{u}%zz%%bad-escapes", "build", None),
        (f"{u}bidi\u202eevil", "build", None),
        ("HTTPS://WWW.HOSTILE.EXAMPLE:443/Upper#frag", "build", None),
        ("javascript:alert(1)", "fail", "no-identity"),
        ("JaVaScRiPt:alert(document.cookie)", "fail", "no-identity"),
        (" javascript:alert(1)", "fail", "no-identity"),
        ("data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "fail", "no-identity"),
        ("vbscript:msgbox(1)", "fail", "no-identity"),
        ("file:///etc/passwd", "fail", "no-identity"),
        ("ftp://hostile.example/x", "fail", "no-identity"),
        ("//hostile.example/no-scheme", "fail", "no-identity"),
        ("https://", "fail", "no-identity"),
        ("https://[::1/broken", "fail", "no-identity"),
        ("https://hostile.example:99999/port", "fail", "no-identity"),
        ("https://user:pass@hostile.example/userinfo", "build", None),
        ("https://hostile.example/" + "a" * 100_000, "build", None),
    ]
    for i, (url, expect, code) in enumerate(urls):
        add(f"url_{i:02d}.md", expect, _item(url, f"URL case {i}"), code)
    add(
        "url_evil_everywhere.md",
        "build",
        _item(
            f"{u}evil-everywhere",
            "<script>alert(1)</script>",
            "ampWebUrl: 'javascript:alert(2)'\noriginalUrl: 'data:text/html,x'\n"
            "images:\n  - url: 'javascript:alert(3)'\n  - url: 'data:image/png;base64,AAAA'\n"
            "excerpt: '<img src=x onerror=alert(4)>'\ncategory: '\"><svg onload=alert(5)>'",
        ),
    )

    # --- odd file names (ordinary content)
    for i, name in enumerate(
        [
            "space in name.md",
            "quote'\"name.md",
            "<script>alert(1)<\\script>.md".replace("\\", "_"),
            "-rf.md",
            "new\nline.md",
            "caf\u00e9 \u65e5\u672c.md",
            "bidi\u202egnp.md",
            "UPPER.MD",
            "a.markdown",
            "a.txt",
            "#hash?query&amp.md",
            "%2e%2e%2fescape.md",
            "x" * 200 + ".md",
        ]
    ):
        add(name, "build", _item(f"{u}odd-name-{i}", f"Odd name {i}"))
    add(os.path.join("deep", *["d"] * 30, "nested.md"), "build", _item(f"{u}nested-folder"))
    return out


def _ordinary(i: int) -> str:
    domain = f"outlet{i % 17}.example"
    rel = ""
    if i % 4 == 0 and i > 0:
        rel = f"related:\n  - webUrl: https://{domain}/story/{i - 1}\n    title: Earlier {i - 1}\n"
    return (
        "---\n"
        f"title: Ordinary story {i}\n"
        f"excerpt: An ordinary excerpt {i}\n"
        f"publishedDateTime: 2020-05-{1 + i % 28:02d}T08:06:00Z\n"
        f"webUrl: https://www.{domain}/story/{i}\n"
        f"ampWebUrl: https://www.{domain}/story/{i}.amp\n"
        f"provider:\n  name: Outlet {i % 17}\n  domain: {domain}\n"
        f"topics:\n  - Coronavirus\n  - Topic {i % 5}\n"
        f"tags:\n  - US-CA\n"
        f"images:\n  - url: https://img.{domain}/{i}.jpg\n    width: 100\n    height: 80\n"
        f"{rel}"
        "---\n"
        f"Body of story {i}.\n"
    )


def write_hostile_corpus(folder: Path, ordinary: int = 200) -> list[Case]:
    """Write the hostile files and ``ordinary`` plain news items into ``folder``; return the manifest.

    Also writes one file whose name is not valid UTF-8 (on POSIX), which must
    build, and ``manifest.json`` beside (not inside) the corpus is left to the
    caller.
    """
    folder.mkdir(parents=True, exist_ok=True)
    cases: list[Case] = []
    for case, data in _cases():
        path = folder / case.name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        cases.append(case)
    if os.name == "posix":
        raw = os.fsencode(folder) + b"/latin1-\xe9t\xe9.md"
        fd = os.open(raw, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        try:
            os.write(fd, _item("https://hostile.example/bytes-name", "Bytes name").encode())
        finally:
            os.close(fd)
        cases.append(Case(os.fsdecode(raw)[len(os.fspath(folder)) + 1 :], "build", note="name not UTF-8"))
    for i in range(ordinary):
        name = f"ordinary/{i // 100:03d}/item_{i:05d}.md"
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(_ordinary(i), encoding="utf-8")
        cases.append(Case(name, "build"))
    return cases


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", type=Path)
    parser.add_argument("--ordinary", type=int, default=200, help="ordinary news items to add (default 200)")
    args = parser.parse_args(argv)
    cases = write_hostile_corpus(args.folder, args.ordinary)
    manifest = args.folder.with_name(args.folder.name + ".manifest.json")
    manifest.write_text(json.dumps([asdict(c) for c in cases], indent=1, ensure_ascii=True), encoding="utf-8")
    bad = sum(c.expect == "fail" for c in cases)
    sys.stdout.write(f"wrote {len(cases)} files ({bad} must fail) to {args.folder}; manifest {manifest}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
