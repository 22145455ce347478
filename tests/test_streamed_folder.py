"""Every command on a folder built with ``--stream``: it works, or says what a streamed build lacks and what to run."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import graph
from graph.cli import app


@pytest.fixture(scope="module")
def streamed(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("streamed")
    result = CliRunner().invoke(app, ["build", "seeds", "-o", str(out), "--stream", "--quiet"])
    assert result.exit_code == 0, result.output
    assert not (out / "graph.json").exists()
    return out


def test_stats_reads_the_report_of_a_streamed_build(streamed: Path) -> None:
    result = CliRunner().invoke(app, ["stats", "-d", str(streamed)])
    assert result.exit_code == 0, result.output
    assert "article nodes" in result.stdout and "│     5 │" in result.stdout
    assert "holds no build" not in result.output


def test_validate_checks_the_graph_nt_of_a_streamed_build(streamed: Path) -> None:
    result = CliRunner().invoke(app, ["validate", "-d", str(streamed)])
    assert result.exit_code == 0, result.output
    triples = sum(1 for line in (streamed / "graph.nt").read_text(encoding="utf-8").splitlines() if line)
    assert triples > 172  # the graph's 172 and the derived counts
    assert f"{streamed / 'graph.nt'} conforms ({triples} triples)" in result.stdout


def test_view_says_what_a_streamed_build_lacks_and_what_to_run(streamed: Path, tmp_path: Path) -> None:
    page = tmp_path / "v.html"
    result = CliRunner().invoke(app, ["view", "-d", str(streamed), "-o", str(page)])
    assert result.exit_code == 2
    assert "was built with --stream, which keeps no networkx graph (graph.json)" in result.stderr
    assert "build without --stream" in result.stderr and "newsgraph query" in result.stderr
    assert not page.exists()
    with pytest.raises(graph.OutputError, match="built with --stream"):
        graph.load(streamed)


def test_commands_on_an_empty_folder_still_say_it_holds_no_build(tmp_path: Path) -> None:
    for args in (["stats"], ["view", "-o", str(tmp_path / "v.html")], ["validate"]):
        result = CliRunner().invoke(app, [*args, "-d", str(tmp_path)])
        assert result.exit_code == 2, (args, result.output)
        assert "holds no build" in result.stderr or "does not exist" in result.stderr, (args, result.stderr)
