"""A hostile corpus through the real command line: it builds, names every bad file, and its outputs are safe.

The corpus comes from :mod:`tests.hostile_corpus` (alias bombs, deep nesting,
huge scalars and files, control characters, encodings, binary files, broken
front matter, ``!!python`` tags, wrong types, odd names, evil URLs) plus
ordinary items. The build runs in a subprocess, so a crash of a C extension
(PyYAML's C loader, pyoxigraph) fails the test instead of the test run, and
its peak memory and time are measured.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

from graph.read import parse_text

from .hostile_corpus import EVIL_SCHEMES, Case, write_hostile_corpus

BIN = Path(sys.executable).parent
#: The build of the hostile corpus must stay under these.
MAX_RSS_BYTES = 1536 * 1024 * 1024
MAX_SECONDS = 120.0

# Runs one command and prints its peak RSS (KiB, Linux) of it and its children.
_MEASURE = (
    "import resource, subprocess, sys\n"
    "rc = subprocess.run(sys.argv[1:]).returncode\n"
    "sys.stderr.write('\\nMAXRSS %d\\n' % resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
    "sys.exit(rc)\n"
)


@dataclass
class Built:
    corpus: Path
    out: Path
    cases: list[Case]
    returncode: int
    stderr: str
    seconds: float
    max_rss: int  # bytes
    report: dict[str, Any]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    root = tmp_path_factory.mktemp("hostile")
    corpus, out = root / "corpus", root / "out"
    cases = write_hostile_corpus(corpus, ordinary=200)
    started = time.monotonic()
    proc = subprocess.run(
        [sys.executable, "-c", _MEASURE, str(BIN / "newsgraph"), "build", str(corpus), "-o", str(out), "-q"],
        cwd=root,  # a !!python tag that ran would leave PWNED here
        capture_output=True,
        timeout=MAX_SECONDS * 2,
    )
    seconds = time.monotonic() - started
    stderr = proc.stderr.decode("utf-8", "replace")
    rss = int(stderr.rsplit("MAXRSS", 1)[1].split()[0]) * 1024 if "MAXRSS" in stderr else -1
    report = json.loads((out / "report.json").read_text(encoding="utf-8")) if (out / "report.json").exists() else {}
    yield Built(corpus, out, cases, proc.returncode, stderr, seconds, rss, report)


def _by_file(b: Built) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    prefix = str(b.corpus) + os.sep
    for d in b.report["diagnostics"]:
        name = d["path"][len(prefix) :] if d["path"].startswith(prefix) else d["path"]
        found.setdefault(name, []).append(d)
    return found


def _shown(name: str) -> str:
    """The name as diagnostics write it (bytes that are not UTF-8 as ``\\xNN``)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    return name


def test_build_exits_normally_in_time_and_memory(built: Built) -> None:
    assert built.returncode == 0, built.stderr[-3000:]
    assert "Traceback" not in built.stderr
    assert built.seconds < MAX_SECONDS
    assert 0 < built.max_rss < MAX_RSS_BYTES, f"peak RSS {built.max_rss / 2**20:.0f} MiB"


def test_counts_add_up(built: Built) -> None:
    files = built.report["files"]
    assert files["seen"] == len(built.cases)
    assert files["built"] + files["failed"] == files["seen"]
    assert files["built"] == sum(c.expect == "build" for c in built.cases)
    assert files["failed"] == sum(c.expect == "fail" for c in built.cases)


@pytest.mark.parametrize("expect", ["fail", "build"])
def test_every_file_gives_what_the_manifest_says(built: Built, expect: str) -> None:
    by_file = _by_file(built)
    wrong: list[str] = []
    for case in built.cases:
        if case.expect != expect:
            continue
        diags = by_file.get(_shown(case.name), [])
        errors = [d for d in diags if d["severity"] == "error"]
        if expect == "fail":
            if not errors:
                wrong.append(f"{case.name!r}: not named by an error")
            elif case.code and case.code not in {d["code"] for d in diags}:
                wrong.append(f"{case.name!r}: {[d['code'] for d in diags]}, expected {case.code}")
            elif any(not d["message"] or len(d["message"]) < 20 for d in errors):
                wrong.append(f"{case.name!r}: unclear message {errors}")
        elif errors:
            wrong.append(f"{case.name!r}: has usable article but {[(d['code'], d['message']) for d in errors]}")
    assert not wrong, "\n".join(wrong)


def test_python_tags_never_ran(built: Built) -> None:
    assert not (built.corpus.parent / "PWNED").exists()
    assert not Path("PWNED").exists()


def _evil(value: str) -> bool:
    text = "".join(value.split()).lower()
    return text.startswith(EVIL_SCHEMES)


@pytest.mark.parametrize(
    ("name", "fmt"),
    [("graph.nt", ox.RdfFormat.N_TRIPLES), ("graph.ttl", ox.RdfFormat.TURTLE), ("graph.jsonld", ox.RdfFormat.JSON_LD)],
)
def test_rdf_parses_strictly_and_carries_no_evil_iri(built: Built, name: str, fmt: ox.RdfFormat) -> None:
    triples = list(ox.parse(path=built.out / name, format=fmt))  # lenient=False: IRIs are validated
    assert len(triples) > 1000
    iris = {t.value for q in triples for t in (q.subject, q.predicate, q.object) if isinstance(t, ox.NamedNode)}
    assert not [i for i in iris if _evil(i)]
    assert all(i.startswith(("http://", "https://", "urn:")) for i in iris), [
        i for i in iris if not i.startswith(("http://", "https://"))
    ][:5]
    # the hostile articles that must be there are
    assert "https://hostile.example/evil-everywhere" in iris
    assert "https://hostile.example/with%20space/and%20more" in iris


def test_store_holds_what_the_nt_holds(built: Built) -> None:
    store = ox.Store.read_only(str(built.out / "store"))
    nt = sum(1 for _ in ox.parse(path=built.out / "graph.nt", format=ox.RdfFormat.N_TRIPLES))
    assert len(store) == nt


def test_other_outputs_parse_strictly(built: Built) -> None:
    def no_constants(name: str) -> None:
        raise ValueError(f"non-standard JSON constant {name}")

    for name in ("graph.json", "report.json"):
        json.loads((built.out / name).read_text(encoding="utf-8"), parse_constant=no_constants)
    ET.parse(built.out / "graph.graphml")  # strict XML: a control character would fail here


def _strings(value: Any, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, str(k))
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v, key)
    elif isinstance(value, str):
        yield key, value


def test_page_links_are_http_only_and_text_is_inert(built: Built) -> None:
    from html.parser import HTMLParser

    page = (built.out / "graph.html").read_text(encoding="utf-8")
    links: list[str] = []
    blocks: dict[str, str] = {}

    class Collect(HTMLParser):
        current: str | None = None

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            for k, v in attrs:
                if k in ("href", "src", "action", "formaction", "xlink:href", "poster", "srcdoc") and v:
                    links.append(v)
            self.current = dict(attrs).get("id") if tag == "script" else None

        def handle_data(self, data: str) -> None:
            if self.current:
                blocks[self.current] = blocks.get(self.current, "") + data

    Collect().feed(page)
    assert not [v for v in links if _evil(v)]
    nodes = json.loads(blocks["ng-nodes"])
    assert len(nodes) > 100
    urls = [v for k, v in _strings(nodes) if k in ("u", "url", "href", "src", "link")]
    assert urls, "the page carries no article links"
    assert all(v.startswith(("http://", "https://")) for v in urls), [v for v in urls if not v.startswith("http")][:5]
    # hostile text stays data: no markup from a title reaches the page as markup
    assert "<script>alert(1)</script>" not in page
    assert "<img src=x onerror" not in page
    assert "<svg onload" not in page


def test_every_bad_file_is_on_the_command_line_summary_or_in_the_report(built: Built) -> None:
    reported = {d["path"] for d in built.report["diagnostics"] if d["severity"] == "error"}
    assert len(reported) == built.report["files"]["failed"]


def test_block_nesting_deeper_than_the_limit_is_refused_like_flow_nesting() -> None:
    deep = "".join("  " * (i + 1) + "a:\n" for i in range(100))
    block = parse_text(f"---\nwebUrl: https://a.example/x\nx:\n{deep}---\n", "block.md")
    flow = parse_text("---\nwebUrl: https://a.example/x\nx: " + "[" * 100 + "]" * 100 + "\n---\n", "flow.md")
    assert [d.code for d in flow.diagnostics] == ["yaml-too-deep"]
    assert [d.code for d in block.diagnostics] == ["yaml-too-deep"]


def test_rusage_measures_children() -> None:
    """The memory check above is real: a child that allocates 200 MiB is seen."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    code = "b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096])"
    proc = subprocess.run([sys.executable, "-c", _MEASURE, sys.executable, "-c", code], capture_output=True, timeout=60)
    rss = int(proc.stderr.decode().rsplit("MAXRSS", 1)[1].split()[0]) * 1024
    assert rss > 200 * 2**20
    assert resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss >= before


@pytest.mark.parametrize("depth", [1_000, 50_000])
def test_one_compactly_nested_file_does_not_kill_the_build(tmp_path: Path, seeds_dir: Path, depth: int) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for seed in seeds_dir.iterdir():
        (corpus / seed.name).write_bytes(seed.read_bytes())
    (corpus / "deep.md").write_bytes(b"---\nwebUrl: https://a.example/x\nx:\n" + b"- " * depth + b"\n---\n")
    proc = subprocess.run(
        [str(BIN / "newsgraph"), "build", str(corpus), "-o", str(tmp_path / "out"), "-q"],
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr[-500:]
    report = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    assert {k: report["files"][k] for k in ("seen", "built", "failed")} == {"seen": 3, "built": 2, "failed": 1}
