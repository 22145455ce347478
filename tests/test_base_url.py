"""``--base-url``: site-relative URLs (``/assets/...``) resolved against the site's address, in every build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import graph
from graph.errors import OptionError

from .conftest import WriteItem

SITE = "https://site.example/"
LOGO = "/assets/images/organizations/a.com-50x50.jpg"
RESOLVED = "https://site.example/assets/images/organizations/a.com-50x50.jpg"


def newsgraph(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "graph", *args], capture_output=True, text=True, timeout=300)


def images(out: Path) -> set[str]:
    nt = (out / "graph.nt").read_text(encoding="utf-8")
    return {line.split(" ")[0][1:-1] for line in nt.splitlines() if "ImageObject" in line}


def make(write_item: WriteItem) -> Path:
    """Three items with a site-relative outlet logo and photo, and one with neither; their folder."""
    for i in range(3):
        write_item(
            f"n{i}.md",
            title=f"Story {i}",
            webUrl=f"https://news.example.org/{i}",
            provider={"name": "A", "domain": "a.com", "images": [{"url": LOGO}]},
            images=[{"url": f"/assets/photos/{i}.jpg"}],
        )
    return write_item("extra.md", title="Extra", webUrl="https://news.example.org/extra").parent


def test_the_build_resolves_site_relative_urls(write_item: WriteItem, tmp_path: Path) -> None:
    folder = make(write_item)
    out = tmp_path / "out"
    done = newsgraph("build", str(folder), "-o", str(out), "--base-url", SITE)
    assert done.returncode == 0, done.stderr
    assert "[bad-url]" not in done.stderr
    assert images(out) == {RESOLVED} | {f"https://site.example/assets/photos/{i}.jpg" for i in range(3)}
    kg = graph.build([folder], base_url="https://site.example")  # the Python API; the slash is added
    assert {n for n, d in kg.graph.nodes(data=True) if d.get("kind") == "image"} == images(out)


def test_a_rebuild_with_another_address_reads_every_file_again(write_item: WriteItem, tmp_path: Path) -> None:
    folder = make(write_item)
    out = tmp_path / "out"
    assert newsgraph("build", str(folder), "-o", str(out)).returncode == 0
    assert images(out) == set()
    assert newsgraph("build", str(folder), "-o", str(out), "--base-url", SITE).returncode == 0
    assert RESOLVED in images(out)
    assert newsgraph("build", str(folder), "-o", str(out), "--base-url", "https://other.example").returncode == 0
    assert "https://other.example/assets/images/organizations/a.com-50x50.jpg" in images(out)
    assert RESOLVED not in images(out)
    assert newsgraph("build", str(folder), "-o", str(out)).returncode == 0
    assert images(out) == set()


def test_the_streaming_build_resolves_them_too(write_item: WriteItem, tmp_path: Path) -> None:
    folder = make(write_item)
    out = tmp_path / "out"
    done = newsgraph("build", str(folder), "-o", str(out), "--stream", "--base-url", SITE)
    assert done.returncode == 0, done.stderr
    assert RESOLVED in images(out)


def test_an_address_that_is_not_one_is_refused(write_item: WriteItem, tmp_path: Path) -> None:
    folder = make(write_item)
    done = newsgraph("build", str(folder), "-o", str(tmp_path / "out"), "--base-url", "site.example")
    assert done.returncode != 0
    assert "--base-url 'site.example' is not an absolute http(s) URL" in done.stderr
    assert not (tmp_path / "out" / "graph.nt").exists()
    with pytest.raises(OptionError):
        graph.build([folder], base_url="/relative/")
