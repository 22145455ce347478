"""Source paths in the graph are relative to the SOURCE given: no build records: no push publishes a home folder."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import graph
from graph.cli import app


@pytest.fixture
def home_corpus(seeds_dir: Path, tmp_path: Path) -> Path:
    """The seeds under an absolute folder standing for a user's home."""
    folder = tmp_path / "home" / "ana" / "news"
    shutil.copytree(seeds_dir, folder / "feed")
    return folder


def _paths_in(out: Path) -> set[str]:
    import pyoxigraph as ox

    ng_path = ox.NamedNode(graph.rdf.NG + "path")
    return {
        str(t.object.value)
        for t in ox.parse(path=str(out / "graph.nt"), format=ox.RdfFormat.N_TRIPLES)
        if t.predicate == ng_path
    }


@pytest.mark.parametrize("how", ["build", "rebuild", "stream"])
def test_an_absolute_source_is_recorded_from_its_own_folder_name_on(
    home_corpus: Path, tmp_path: Path, how: str
) -> None:
    out = tmp_path / "out"
    args = ["build", str(home_corpus), "-o", str(out), "-q"] + (["--stream"] if how == "stream" else [])
    for _ in range(2 if how == "rebuild" else 1):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 0, result.output
    if how == "rebuild":  # a rebuild after one changed file, through the saved state
        changed = next(home_corpus.glob("feed/*.txt"))
        changed.write_text(changed.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
        assert CliRunner().invoke(app, args).exit_code == 0
    text = (out / "graph.nt").read_text(encoding="utf-8")
    assert str(tmp_path) not in text and "home/ana" not in text and "home%2Fana" not in text
    names = sorted(p.name for p in home_corpus.glob("feed/*.txt"))
    assert _paths_in(out) == {f"news/feed/{n}" for n in names}


def test_a_relative_source_is_recorded_as_typed(home_corpus: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(home_corpus.parent)
    kg = graph.build([os.path.join("news", "feed")])
    sources = {s for _, d in kg.nodes("article") for s in d.get("sources", [])}
    assert sources == {f"news/feed/{p.name}" for p in home_corpus.glob("feed/*.txt")}


def test_a_file_or_a_glob_given_absolutely_is_recorded_from_its_folder(home_corpus: Path) -> None:
    one = next(home_corpus.glob("feed/*.txt"))
    for given in (str(one), str(home_corpus / "feed" / "*.txt"), str(home_corpus / "**" / "*.txt")):
        kg = graph.build([given])
        sources = {s for _, d in kg.nodes("article") for s in d.get("sources", [])}
        assert sources and all(not os.path.isabs(s) and "ana" not in s for s in sources), (given, sources)
    assert {s for _, d in graph.build([str(one)]).nodes("article") for s in d.get("sources", [])} == {
        f"feed/{one.name}"
    }


def test_diagnostics_keep_the_path_the_file_was_opened_by(tmp_path: Path) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "bad.md").write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    (folder / "good.md").write_text("---\nwebUrl: https://e.com/a\ntitle: A\n---\n", encoding="utf-8")
    kg = graph.build([folder])
    assert [d.path for d in kg.report.diagnostics] == [str(folder / "bad.md")]
    assert [d["sources"] for _, d in kg.nodes("article")] == [["news/good.md"]]
