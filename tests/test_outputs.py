"""The writer contract: an output is one class and one registration; the writer names none of them."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import graph
from graph.blocks import FileIndex
from graph.errors import OutputError
from graph.outputs import OUTPUTS, Job, Output, write_outputs
from graph.outputs import write as writer
from graph.pipeline import build_into


class NodeCount(Output):
    """A new output: the number of nodes, as text."""

    name = "count.txt"

    def write(self, job: Job) -> FileIndex | None:
        (job.folder / self.name).write_text(f"{job.kg.graph.number_of_nodes()}\n", encoding="utf-8")
        return None


def test_a_new_output_is_one_class_and_one_registration(
    seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(OUTPUTS, "count.txt", NodeCount())
    kg = graph.build([seeds_dir])
    written = write_outputs(kg, tmp_path / "one", names=["count.txt", "report.json"])
    assert sorted(written) == ["count.txt", "report.json"]
    assert (tmp_path / "one" / "count.txt").read_text() == f"{kg.graph.number_of_nodes()}\n"
    # and a build into a folder (the rebuild path) writes it too, with every other output
    build_into([seeds_dir], tmp_path / "two")
    kg2, again = build_into([seeds_dir], tmp_path / "two")
    assert (tmp_path / "two" / "count.txt").read_text() == f"{kg2.graph.number_of_nodes()}\n"
    assert "count.txt" in again.paths and "count.txt" not in again.patched
    assert "write count.txt" in kg2.report.timings


def test_the_writer_names_no_output() -> None:
    """Special cases for one output belong in its class, not in the writer."""
    tree = ast.parse(Path(writer.__file__).read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.FunctionDef | ast.ClassDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
    }
    strings = [n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and id(n) not in docstrings]
    assert not [s for s in strings if isinstance(s, str) and re.fullmatch(r"graph\.\w+|store|report\.json", s)]


def test_an_output_must_come_after_what_it_needs(monkeypatch: pytest.MonkeyPatch) -> None:
    class NeedsLater(NodeCount):
        name = "first.txt"
        needs = ("later.txt",)

    class Later(NodeCount):
        name = "later.txt"

    monkeypatch.setitem(OUTPUTS, "first.txt", NeedsLater())
    monkeypatch.setitem(OUTPUTS, "later.txt", Later())
    with pytest.raises(OutputError, match=r"first\.txt needs later\.txt, registered after it"):
        write_outputs(graph.build(["seeds"]), Path("/nonexistent/never-written"), names=["first.txt", "later.txt"])


def test_the_store_is_loaded_from_the_graph_nt_it_needs(seeds_dir: Path, tmp_path: Path) -> None:
    """store/ declares graph.nt: written alone it is made from the graph, beside graph.nt from the file."""
    kg = graph.build([seeds_dir])
    write_outputs(kg, tmp_path / "alone", names=["store"])
    write_outputs(kg, tmp_path / "both", names=["store", "graph.nt"])
    assert sorted(p.name for p in (tmp_path / "alone").iterdir() if not p.name.startswith(".")) == ["store"]
    a = graph.sparql.query(tmp_path / "alone", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    b = graph.sparql.query(tmp_path / "both", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows
    assert a == b and len((tmp_path / "both" / "graph.nt").read_text().splitlines()) == int(str(a[0][0].value))
