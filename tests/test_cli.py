"""The command line, run in-process: exact exit codes and the messages users see."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

import graph
from graph.cli import app

from .conftest import WriteItem

runner = CliRunner()


def test_build_seeds(seeds_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(seeds_dir), "-o", str(out)])
    assert result.exit_code == 0, result.output
    assert "files seen" in result.output and "article nodes" in result.output
    assert f"wrote {out}" in result.output
    for name in ("graph.json", "graph.graphml", "report.json"):
        assert (out / name).is_file()
    report = json.loads((out / "report.json").read_text())
    assert report["files"] == {"seen": 2, "built": 2, "failed": 0, "cached": 0}


def test_bad_file_is_reported_and_strict_fails(write_item: WriteItem, tmp_path: Path) -> None:
    write_item("good.md", webUrl="https://e.com/a", title="Good")
    write_item("bad.md", raw="---\ntitle: [broken\n---\n")
    out = tmp_path / "out"
    result = runner.invoke(app, ["build", str(tmp_path / "corpus"), "-o", str(out)])
    assert result.exit_code == 0
    assert "bad.md:3:1: error:" in result.output and "[yaml-syntax]" in result.output
    assert "1 error, 0 warnings, 0 notes" in result.output
    strict = runner.invoke(app, ["build", str(tmp_path / "corpus"), "-o", str(out), "--strict", "-q"])
    assert strict.exit_code == 1
    assert "--strict: 1 file has errors" in strict.output
    report = json.loads((out / "report.json").read_text())
    assert report["files"] == {"seen": 2, "built": 1, "failed": 1, "cached": 2}
    (diag,) = report["diagnostics"]
    assert diag["path"].endswith("bad.md") and diag["severity"] == "error" and diag["code"] == "yaml-syntax"


def test_nothing_to_build_exits_2_without_traceback(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = runner.invoke(app, ["build", str(missing), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"error: {missing} does not exist; check the path" in result.output
    assert "Traceback" not in result.output
    both = runner.invoke(app, ["build", str(missing), str(tmp_path / "gone"), "-o", str(tmp_path / "out")])
    assert both.exit_code == 2 and "do not exist; check the path" in both.output
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(app, ["build", str(tmp_path / "empty"), "-o", str(tmp_path / "out")])
    assert empty.exit_code == 2 and "error: no news files (.md, .markdown, .txt) found in" in empty.output


def test_json_answers_end_with_a_newline(seeds_dir: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["build", str(seeds_dir), "-o", str(tmp_path), "-q"])
    for fmt in ("json", "csv", "tsv"):
        result = runner.invoke(app, ["query", "top-outlets", "-d", str(tmp_path), "--format", fmt])
        assert result.exit_code == 0 and result.stdout.endswith("\n"), (fmt, result.stdout[-20:])


def test_stats(seeds_dir: Path, tmp_path: Path) -> None:
    runner.invoke(app, ["build", str(seeds_dir), "-o", str(tmp_path), "-q"])
    result = runner.invoke(app, ["stats", "-d", str(tmp_path)])
    assert result.exit_code == 0
    assert re.search(r"article nodes\W+5\W", result.output), result.output
    assert re.search(r"related edges\W+3\W", result.output), result.output
    missing = runner.invoke(app, ["stats", "-d", str(tmp_path / "nope")])
    assert missing.exit_code == 2 and "newsgraph build" in missing.output


def test_help_and_version() -> None:
    result = runner.invoke(app, ["--help"])
    assert result.exit_code == 0 and "build" in result.output
    assert runner.invoke(app, ["--version"]).output.strip() == f"newsgraph {graph.__version__}"
    assert "--strict" in runner.invoke(app, ["build", "--help"]).output


def test_python_dash_m(seeds_dir: Path, tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "graph", "build", str(seeds_dir), "-o", str(tmp_path), "-q", "-j", "1"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "report.json").is_file()
