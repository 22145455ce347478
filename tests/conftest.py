"""Shared fixtures: paths to the seeds and the shared corpus, and a news-item writer."""

from __future__ import annotations

from collections.abc import Callable
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
