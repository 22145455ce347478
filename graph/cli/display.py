"""What the command line shows: the consoles, the progress bar, the build summary, counted nouns."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn, TimeElapsedColumn
from rich.table import Table

from ..records import group_diagnostics

if TYPE_CHECKING:
    from ..model import KnowledgeGraph

__all__ = ["Bar", "err_console", "out_console", "plural", "strict_failed", "summary"]

out_console = Console(highlight=False, soft_wrap=True)
err_console = Console(stderr=True, highlight=False, soft_wrap=True)

#: Kinds of problems (:func:`~graph.records.group_diagnostics`) the build summary shows, one line each.
SHOWN_GROUPS = 20


def plural(n: int, noun: str) -> str:
    """``1 row``, ``2 rows``, ``1,234 files``."""
    return f"{n:,} {noun}" if n == 1 else f"{n:,} {noun}s"


def strict_failed(kg: KnowledgeGraph) -> None:
    files = len({d.path for d in kg.report.errors})
    err_console.print(f"--strict: {plural(files, 'file')} {'has' if files == 1 else 'have'} errors", markup=False)


class Bar:
    """A rich progress bar fed by the library's ``progress(stage, done, total)`` callback.

    It is redrawn by those calls (at most every ``_REDRAW`` seconds, and at the
    end of each stage), not by rich's refresh thread: the build forks workers,
    and forking a process while another of its threads runs may deadlock the child.
    """

    _REDRAW = 0.1

    def __init__(self, enabled: bool) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<6}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err_console,
            transient=True,
            disable=not enabled,
            auto_refresh=False,
        )
        self.tasks: dict[str, TaskID] = {}
        self.drawn = 0.0

    def __enter__(self) -> Bar:
        self.progress.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.__exit__(None, None, None)

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)
        now = time.monotonic()
        if done >= total or now - self.drawn >= self._REDRAW:
            self.drawn = now
            self.progress.refresh()


def summary(kg: KnowledgeGraph, out: Path | None, seconds: float | None) -> None:
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
    # errors and warnings, one line per kind of problem (a site-relative URL: per URL), the largest first
    groups = [g for g in group_diagnostics(r.diagnostics) if g.severity != "info"]
    for group in groups[:SHOWN_GROUPS]:
        err_console.print(group.describe(), markup=False)
    if len(groups) > SHOWN_GROUPS:
        rest = sum(g.count for g in groups[SHOWN_GROUPS:])
        err_console.print(
            f"... and {plural(rest, 'more problem')} of {len(groups) - SHOWN_GROUPS:,} more kinds", markup=False
        )
    counts = {s: sum(1 for d in r.diagnostics if d.severity == s) for s in ("error", "warning", "info")}
    if any(counts.values()):
        more = f" (all in {out / 'report.json'})" if out else ""
        err_console.print(
            f"{plural(counts['error'], 'error')}, {plural(counts['warning'], 'warning')}, "
            f"{plural(counts['info'], 'note')}{more}",
            markup=False,
        )
    if out is not None:
        took = f" in {seconds:.1f}s" if seconds is not None else ""
        out_console.print(f"wrote {out}{took}", markup=False)
