"""The ``newsgraph`` command line: parse arguments, call the library, report.

Each command is a few lines: it calls one library function and turns
:class:`~graph.errors.NewsgraphError` into a message and an exit status
(0 success, 1 a check failed, 2 the command could not run).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from . import __version__
from .build import build as build_graph
from .errors import NewsgraphError
from .export import load, write_outputs
from .model import KnowledgeGraph

app = typer.Typer(
    name="newsgraph",
    help="Build a knowledge graph from a folder of news items (markdown with YAML front matter).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

OutDir = Annotated[Path, typer.Option("--dir", "-d", help="Folder of a build (the -o of 'newsgraph build').")]


def _fail(exc: NewsgraphError) -> NoReturn:
    err_console.print(f"error: {exc}", markup=False)
    raise typer.Exit(2)


def _version(value: bool) -> None:
    if value:
        out_console.print(f"newsgraph {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Build a knowledge graph from a folder of news items (markdown with YAML front matter)."""


class _Bar:
    """A rich progress bar fed by the library's ``progress(stage, done, total)`` callback."""

    def __init__(self, enabled: bool) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<6}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not enabled,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Bar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def _summary(kg: KnowledgeGraph, out: Path | None, seconds: float | None) -> None:
    r = kg.report
    table = Table(title="newsgraph build", show_header=True, header_style="bold")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("files seen", f"{r.files.seen:,}")
    table.add_row("files built", f"{r.files.built:,}")
    table.add_row("files failed", f"{r.files.failed:,}")
    for kind, n in r.nodes.items():
        table.add_row(f"{kind} nodes", f"{n:,}")
    for rel, n in r.edges.items():
        table.add_row(f"{rel} edges", f"{n:,}")
    out_console.print(table)
    shown = [d for d in r.diagnostics if d.severity == "error"][:10]
    for d in shown:
        err_console.print(f"{d.location}: {d.severity}: {d.message} [{d.code}]", markup=False)
    counts = {s: sum(1 for d in r.diagnostics if d.severity == s) for s in ("error", "warning", "info")}
    if any(counts.values()):
        more = f" (all in {out / 'report.json'})" if out else ""
        err_console.print(
            f"{counts['error']} errors, {counts['warning']} warnings, {counts['info']} notes{more}", markup=False
        )
    if out is not None:
        took = f" in {seconds:.1f}s" if seconds is not None else ""
        out_console.print(f"wrote {out}{took}", markup=False)


@app.command()
def build(
    sources: Annotated[
        list[Path], typer.Argument(help="Folders (read recursively), files or glob patterns.", show_default=False)
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    strict: Annotated[bool, typer.Option("--strict", help="Exit with status 1 if any file has an error.")] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Processes for reading files (default: all CPUs).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary table.")] = False,
) -> None:
    """Build the graph from SOURCES and write it to OUT.

    Writes graph.json (networkx node-link), graph.graphml and report.json
    (file counts, diagnostics, node and edge counts). A bad file is reported
    and the build goes on; --strict turns reported errors into exit status 1.
    """
    started = time.perf_counter()
    try:
        with _Bar(enabled=not quiet and err_console.is_terminal) as bar:
            kg = build_graph(sources, jobs=jobs, progress=bar)
            write_outputs(kg, out, progress=bar)
    except NewsgraphError as exc:
        _fail(exc)
    if not quiet:
        _summary(kg, out, time.perf_counter() - started)
    if strict and kg.report.errors:
        err_console.print(f"--strict: {len(kg.report.errors)} files have errors", markup=False)
        raise typer.Exit(1)


@app.command()
def stats(out: OutDir = Path("out")) -> None:
    """Print the counts of a build: files, nodes per kind, edges per relation."""
    try:
        kg = load(out)
    except NewsgraphError as exc:
        _fail(exc)
    _summary(kg, None, None)


def main() -> None:
    """Entry point of the ``newsgraph`` console script."""
    app(prog_name="newsgraph")


if __name__ == "__main__":  # pragma: no cover
    main()
