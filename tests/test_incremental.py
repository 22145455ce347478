"""Rebuilding into the same folder: only what changed is redone, and the outputs equal a clean build.

The main test edits a corpus at random for many steps (titles, topics,
related links, URLs that move articles between identities, aliases, outlets,
logos, images, deleted, added, broken and touched files) and after every
step compares the incremental build with a clean one, byte for byte.
"""

from __future__ import annotations

import json
import os
import random
import shutil
from pathlib import Path
from typing import Any

import pyoxigraph as ox
import pytest

import graph
from graph.pipeline import rebuild as incremental
from graph.pipeline.rebuild import CACHE_DIR, build_into
from tests.conftest import item_text

TEXT_OUTPUTS = ("graph.nt", "graph.ttl", "graph.jsonld", "graph.json", "graph.graphml", "graph.html")
URLS = [f"https://site{i % 6}.com/story/{i}" for i in range(40)]
IMAGES = [f"https://img{i % 3}.com/p/{i}.jpg" for i in range(8)]
TITLE_WORDS = [
    "oregon",
    "thailand",
    "reports",
    "cases",
    "deaths",
    "vaccine",
    "trial",
    "moderna",
    "lockdown",
    "eased",
    "schools",
]
OUTLETS = [("Outlet A", "site0.com"), ("Outlet B", "site1.com"), ("Outlet A", "site2.com"), ("Wire", None)]


def _meta(rng: random.Random, i: int) -> dict[str, Any]:
    url = rng.choice(URLS)
    words = " ".join(rng.sample(TITLE_WORDS, 3))  # shared words: stories and copies form (build --stories)
    meta: dict[str, Any] = {"title": f"{words} {rng.randint(10, 12)}", "webUrl": url}
    if rng.random() < 0.4:
        meta["ampWebUrl"] = rng.choice([url + "?amp", rng.choice(URLS)])
    if rng.random() < 0.3:
        meta["excerpt"] = f"excerpt {rng.randint(0, 3)}"
    if rng.random() < 0.5:
        meta["publishedDateTime"] = f"2020-05-0{rng.randint(1, 9)}T08:0{rng.randint(0, 9)}:00Z"
    meta["heat"] = rng.randint(0, 50)
    name, domain = rng.choice(OUTLETS)
    provider: dict[str, Any] = {"name": name}
    if domain:
        provider["domain"] = domain
    if rng.random() < 0.3:
        provider["images"] = [{"url": rng.choice(IMAGES), "width": rng.randint(1, 3)}]
    if rng.random() < 0.2:
        provider["authors"] = [rng.choice(["Ann", "Bob"])]
    meta["provider"] = provider
    meta["topics"] = rng.sample(["Coronavirus", "Economy", "Health", "AI"], rng.randint(0, 2))
    if rng.random() < 0.5:
        meta["tags"] = rng.sample(["US", "GB", "Lockdown"], rng.randint(1, 2))
    if rng.random() < 0.5:
        meta["images"] = [
            {"url": rng.choice(IMAGES), "width": rng.randint(1, 3), "title": rng.choice([None, "pic"])}
            for _ in range(rng.randint(1, 2))
        ]
    if rng.random() < 0.5:
        meta["related"] = [_related(rng) for _ in range(rng.randint(1, 3))]
    return meta


def _related(rng: random.Random) -> dict[str, Any]:
    rel: dict[str, Any] = {"webUrl": rng.choice(URLS), "title": f"rel {rng.randint(0, 5)}"}
    if rng.random() < 0.3:
        rel["ampWebUrl"] = rng.choice(URLS)
    if rng.random() < 0.3:
        rel["images"] = [{"url": rng.choice(IMAGES), "height": rng.randint(1, 3)}]
    if rng.random() < 0.3:
        rel["provider"] = {"name": "Outlet B", "domain": "site1.com"}
    if rng.random() < 0.15:
        rel["related"] = [{"webUrl": rng.choice(URLS), "title": "nested"}]
    return rel


def _write(path: Path, meta: dict[str, Any]) -> None:
    path.write_text(item_text(meta, "Body\n"), encoding="utf-8")


def _edit(rng: random.Random, corpus: Path, metas: dict[str, dict[str, Any]], step: int) -> str:
    """One random edit of the corpus; returns what it did."""
    names = sorted(metas)
    name = rng.choice(names)
    meta = metas[name]
    kind = rng.choice(
        ["title", "topics", "related", "url", "alias", "outlet", "images", "delete", "add", "break", "touch"]
    )
    if kind == "title":
        meta["title"] = f"Retitled {step}"
    elif kind == "topics":
        meta["topics"] = rng.sample(["Coronavirus", "Economy", "Health", "AI", f"New {step % 3}"], 2)
        meta["tags"] = [rng.choice(["US", "FR"])]
    elif kind == "related":
        meta["related"] = [_related(rng) for _ in range(rng.randint(0, 3))]
    elif kind == "url":
        meta["webUrl"] = rng.choice(URLS)
    elif kind == "alias":
        meta["ampWebUrl"] = rng.choice(URLS)
    elif kind == "outlet":
        meta["provider"] = {"name": rng.choice(["Outlet A", "Outlet C"]), "domain": "site1.com"}
        if rng.random() < 0.5:
            meta["provider"]["images"] = [{"url": rng.choice(IMAGES), "width": step}]
    elif kind == "images":
        meta["images"] = [{"url": rng.choice(IMAGES), "width": step % 4, "title": f"t{step % 2}"}]
    elif kind == "delete":
        (corpus / name).unlink()
        del metas[name]
        return f"delete {name}"
    elif kind == "add":
        name = f"new-{step:03}.md"
        metas[name] = _meta(rng, 1000 + step)
        meta = metas[name]
    elif kind == "break":
        (corpus / name).write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
        return f"break {name}"
    elif kind == "touch":
        os.utime(corpus / name)
        return f"touch {name}"
    _write(corpus / name, meta)
    return f"{kind} {name}"


def _same_outputs(a: Path, b: Path) -> None:
    for name in TEXT_OUTPUTS:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ra, rb = (json.loads((x / "report.json").read_text()) for x in (a, b))
    for r in (ra, rb):
        del r["timings"], r["files"]["cached"]
    assert ra == rb
    quads = [set(ox.Store.read_only(str(x / "store"))) for x in (a, b)]
    assert quads[0] == quads[1]


@pytest.mark.slow
@pytest.mark.parametrize("stories", [False, True], ids=["plain", "stories"])
def test_random_edits_rebuild_like_a_clean_build(tmp_path: Path, stories: bool) -> None:
    rng = random.Random(2026)
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    metas = {f"item-{i:03}.md": _meta(rng, i) for i in range(60)}
    for name, meta in metas.items():
        _write(corpus / name, meta)
    out, clean = tmp_path / "out", tmp_path / "clean"
    build_into([corpus], out, jobs=2, stories=stories)
    patched_steps = page_steps = 0
    for step in range(40):
        done = [_edit(rng, corpus, metas, step) for _ in range(rng.randint(1, 3))]
        kg, written = build_into([corpus], out, jobs=2, stories=stories)
        shutil.rmtree(clean, ignore_errors=True)
        build_into([corpus], clean, jobs=1, cache=False, stories=stories)
        try:
            _same_outputs(out, clean)
        except AssertionError as exc:
            raise AssertionError(f"step {step} ({'; '.join(done)}): {exc}") from exc
        if "store" in written.patched and "graph.nt" in written.patched:
            patched_steps += 1
        page_steps += "graph.html" in written.patched
        assert kg.report.files.cached >= len(metas) - 3
    assert patched_steps >= 35  # the rebuilds did patch, not write everything
    assert page_steps < 40  # the page is drawn whole when its structure changed
    if stories:
        assert kg.report.nodes.get("story", 0) >= 3 and kg.report.edges.get("inferred_related", 0) >= 1
    else:
        assert page_steps >= 3  # and patched when only text changed


def test_rebuild_of_an_unchanged_corpus_reads_nothing(write_item: Any, tmp_path: Path) -> None:
    for i in range(5):
        write_item(f"a{i}.md", title=f"A {i}", webUrl=f"https://a.com/{i}", topics=["AI"])
    corpus = tmp_path / "corpus"
    out = tmp_path / "out"
    first, _ = build_into([corpus], out)
    assert first.report.files.cached == 0
    again, written = build_into([corpus], out)
    assert again.report.files.cached == 5
    assert sorted(written.patched) == [
        "graph.graphml",
        "graph.html",
        "graph.json",
        "graph.jsonld",
        "graph.nt",
        "graph.ttl",
        "store",
    ]


def test_the_page_is_patched_only_when_its_structure_is_unchanged(write_item: Any, tmp_path: Path) -> None:
    """A new title rewrites one item of graph.html; a new topic, or a renamed hub, draws the page whole."""
    for i in range(6):
        write_item(
            f"a{i}.md",
            title=f"A {i}",
            webUrl=f"https://a.com/{i}",
            topics=["Virus", "AI" if i % 2 else "Economy"],
            heat=i,
        )
    corpus, out, clean = tmp_path / "corpus", tmp_path / "out", tmp_path / "clean"
    build_into([corpus], out)

    def rebuild(expect_patched: bool) -> None:
        _, written = build_into([corpus], out)
        shutil.rmtree(clean, ignore_errors=True)
        build_into([corpus], clean, cache=False)
        _same_outputs(out, clean)
        assert ("graph.html" in written.patched) is expect_patched

    write_item("a3.md", title="A <b>new</b> title & more", webUrl="https://a.com/3", topics=["Virus", "AI"], heat=3)
    rebuild(True)
    assert "A \\u003cb\\u003enew" in (out / "graph.html").read_text(encoding="utf-8")
    write_item("a3.md", title="A 3", webUrl="https://a.com/3", topics=["Virus", "Economy"], heat=3)
    rebuild(False)  # a link moved: the layout may change
    write_item("a2.md", title="A 2", webUrl="https://a.com/2", topics=["Virus", "Economy"], heat=40)
    rebuild(False)  # a rating changed: the selection may change
    # "Virus" is on every article, a hub named in the page's notices: its new spelling redraws the page.
    write_item("a0.md", title="A 0", webUrl="https://a.com/0", topics=["VIRUS", "Economy"], heat=0)
    rebuild(False)
    assert "VIRUS" in (out / "graph.html").read_text(encoding="utf-8")


def test_a_hand_edited_output_is_written_whole(write_item: Any, tmp_path: Path) -> None:
    for i in range(10):
        write_item(f"a{i}.md", title=f"A {i}", webUrl=f"https://a.com/{i}")
    corpus = tmp_path / "corpus"
    out, clean = tmp_path / "out", tmp_path / "clean"
    build_into([corpus], out)
    with (out / "graph.nt").open("a", encoding="utf-8") as fh:
        fh.write("<https://x.org/> <https://x.org/p> <https://x.org/o> .\n")
    write_item("a1.md", title="Changed", webUrl="https://a.com/1")
    _, written = build_into([corpus], out)
    assert "graph.nt" not in written.patched and "graph.ttl" in written.patched
    build_into([corpus], clean, cache=False)
    _same_outputs(out, clean)


@pytest.mark.parametrize("damage", ["state.pickle", "graph.pickle", "records.log"])
def test_a_damaged_state_means_a_full_build(write_item: Any, tmp_path: Path, damage: str) -> None:
    for i in range(10):
        write_item(f"a{i}.md", title=f"A {i}", webUrl=f"https://a.com/{i}")
    corpus = tmp_path / "corpus"
    out, clean = tmp_path / "out", tmp_path / "clean"
    build_into([corpus], out)
    (out / CACHE_DIR / damage).write_bytes(b"not a pickle")
    write_item("a2.md", title="Changed", webUrl="https://a.com/2")
    _, written = build_into([corpus], out)
    assert written.patched == []
    build_into([corpus], clean, cache=False)
    _same_outputs(out, clean)
    assert "Changed" in (out / "graph.nt").read_text(encoding="utf-8")


def test_no_cache_keeps_no_state(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build_into([seeds_dir], out, cache=False)
    assert not (out / CACHE_DIR / "state.pickle").exists()
    kg, written = build_into([seeds_dir], out)
    assert written.patched == [] and kg.report.files.cached == 0


def test_a_file_changed_in_the_same_tick_is_read_again(
    write_item: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file modified right after the build looked at it (same size, same timestamp tick) is not missed."""
    # As on a file system whose change time is coarse: only the racily-clean rule can see the edit.
    real = incremental._stat_key
    monkeypatch.setattr(incremental, "_stat_key", lambda st: (*real(st)[:2], 0, real(st)[3]))
    path = write_item("a.md", title="Before", webUrl="https://a.com/1")
    corpus = tmp_path / "corpus"
    out = tmp_path / "out"
    build_into([corpus], out)  # the file is brand new: racily clean, kept without its times
    st = os.stat(path)
    path.write_text(path.read_text(encoding="utf-8").replace("Before", "Aftern"), encoding="utf-8")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
    build_into([corpus], out)
    assert "Aftern" in (out / "graph.nt").read_text(encoding="utf-8")


def test_cli_build_rebuilds_incrementally(write_item: Any, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from graph.cli import app

    for i in range(3):
        write_item(f"a{i}.md", title=f"A {i}", webUrl=f"https://a.com/{i}")
    corpus = tmp_path / "corpus"
    out = tmp_path / "out"
    runner = CliRunner()
    assert runner.invoke(app, ["build", str(corpus), "-o", str(out), "-q"]).exit_code == 0
    write_item("a0.md", title="Edited", webUrl="https://a.com/0")
    assert runner.invoke(app, ["build", str(corpus), "-o", str(out), "-q"]).exit_code == 0
    report = json.loads((out / "report.json").read_text())
    assert report["files"]["cached"] == 2
    assert graph.load(out).graph.nodes["https://a.com/0"]["title"] == "Edited"
