"""Shared fixtures: paths to the seeds and the shared corpus, and a news-item writer."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
CORPUS = ROOT.parent / "shared" / "corpora" / "coronavirus-news"


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS


@pytest.fixture(scope="session")
def corpus_dir() -> Path:
    if not CORPUS.is_dir():
        pytest.skip(f"the shared corpus is not at {CORPUS} (needs ../shared beside the project)")
    return CORPUS


WriteItem = Callable[..., Path]


def item_text(meta: dict[str, Any], body: str = "") -> str:
    """Front matter + body, as the news files are written."""
    return "---\n" + yaml.safe_dump(meta, sort_keys=False, allow_unicode=True) + "---\n" + body


@pytest.fixture
def write_item(tmp_path: Path) -> WriteItem:
    """Write a news item into ``tmp_path/corpus``: ``write_item("a.md", title=..., webUrl=...)``."""
    folder = tmp_path / "corpus"
    folder.mkdir(exist_ok=True)

    def write(name: str, body: str = "", raw: str | None = None, **meta: Any) -> Path:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(raw if raw is not None else item_text(meta, body), encoding="utf-8")
        return path

    return write


def synth_corpus(n: int, folder: Path) -> Path:
    """Write ``n`` synthetic news items into ``folder`` (``benchmarks/synth.py``); return ``folder``."""
    synth = [sys.executable, str(ROOT / "benchmarks" / "synth.py"), str(n), str(folder)]
    subprocess.run(synth, check=True, capture_output=True, timeout=120)
    return folder


class SparqlTrap(BaseHTTPRequestHandler):
    """Answers every GET and POST with one empty SPARQL solution and records the path in ``server.seen``.

    A SERVICE call that was run would show there.
    """

    def _answer(self) -> None:
        self.server.seen.append(self.path)  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        body = b'{"head":{"vars":[]},"results":{"bindings":[{}]}}'
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, format: str, *args: object) -> None:
        return


@contextlib.contextmanager
def loopback_server(handler: type[BaseHTTPRequestHandler]) -> Iterator[tuple[str, list[str]]]:
    """An HTTP server on 127.0.0.1 (a free port) in a thread: its base URL and the paths it saw; always stopped."""
    server = HTTPServer(("127.0.0.1", 0), handler)
    server.seen = []  # type: ignore[attr-defined]
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.seen  # type: ignore[attr-defined]
    finally:
        server.shutdown()
        server.server_close()


#: Debian's Chromium, driven by Playwright (its own browser download does not work here).
CHROMIUM = os.environ.get("NEWSGRAPH_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """A headless Chromium for a test module; skips, saying why, without Playwright or Chromium."""
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Chromium is not at {CHROMIUM} (apt-get install chromium; .ci/run does)")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()
