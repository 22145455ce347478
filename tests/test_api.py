"""The public API is deliberate: this list changes only on purpose."""

from __future__ import annotations

import subprocess
import sys

import graph

PUBLIC = {
    "KINDS", "RELATIONS", "ArticleRecord", "BuildReport", "Diagnostic", "FileResult", "ImageRecord",
    "KnowledgeGraph", "NewsgraphError", "OutputError", "Page", "ProviderRecord", "QueryError", "SourceError",
    "ValidationReport", "View", "ViewError", "Violation", "analysis", "build", "build_into", "explore", "find_files",
    "from_rdf", "load", "parse_text", "read_file", "read_files", "read_rdf", "select_view", "StreamReport",
    "stream_build", "to_pyvis", "to_rdf", "validate", "write_html", "write_outputs", "write_rdf", "write_view",
}  # fmt: skip


def test_all_is_pinned() -> None:
    assert set(graph.__all__) == PUBLIC
    for name in graph.__all__:
        assert getattr(graph, name) is not None


def test_errors_form_one_tree() -> None:
    for exc in (graph.SourceError, graph.OutputError, graph.QueryError, graph.ViewError):
        assert issubclass(exc, graph.NewsgraphError)


def test_every_public_error_class_lives_in_errors_py() -> None:
    """One module holds the tree (its docstring draws it); others raise, never define, public errors."""
    import importlib
    import inspect
    import pkgutil

    from graph import errors

    for info in pkgutil.walk_packages(graph.__path__, "graph."):
        if info.name == "graph.__main__":  # running it is running the CLI
            continue
        module = importlib.import_module(info.name)
        for name, obj in vars(module).items():
            if inspect.isclass(obj) and issubclass(obj, Exception) and obj.__module__ == info.name:
                assert name.startswith("_") or info.name == "graph.errors", f"{info.name}.{name}"
    for name in errors.__all__:
        assert issubclass(getattr(errors, name), graph.NewsgraphError) and name in errors.__doc__, name


def test_http_status_is_chosen_by_type() -> None:
    from graph.errors import QueryError, QueryRefused, QueryTimeout

    assert QueryError("x").http_status == 400
    assert QueryRefused("x", read_only=True).http_status == 403
    assert QueryRefused("x", read_only=False).http_status == 400
    assert QueryTimeout("x").http_status == 504


def test_import_is_cheap() -> None:
    """`import graph` loads neither pandas, matplotlib, igraph, pyvis, Dask, rdflib, pySHACL, the SPARQL
    layer nor the streaming build (each is imported where it is first used)."""
    heavy = (
        "pandas", "matplotlib", "igraph", "pyvis", "distributed", "pyshacl", "rdflib",
        "graph.sparql", "graph.pipeline.stream", "http.server",
    )  # fmt: skip
    code = f"import sys, graph; print(sorted(m for m in {heavy!r} if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert done.stdout.strip() == "[]"
