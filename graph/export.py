"""Writing a build to an output folder, atomically, and loading it back.

Every output is first written into a staging folder inside OUT, then moved
into place with :func:`os.replace`; an interrupted build leaves the previous
outputs whole (each file is either the old one or the new one, never a
truncated one).

Files: ``graph.json`` (networkx node-link, lossless: :func:`load` reads it
back), ``graph.graphml`` (for Gephi, yEd, Cytoscape: lists and mappings as
JSON text) and ``report.json``.

>>> import tempfile, graph
>>> out = tempfile.mkdtemp()
>>> sorted(p.name for p in write_outputs(graph.build(["seeds"]), out).values())  # doctest: +NORMALIZE_WHITESPACE
['graph.graphml', 'graph.html', 'graph.json', 'graph.jsonld', 'graph.nt', 'graph.ttl',
 'report.json', 'store']
>>> load(out).report.nodes["article"]
5
"""

from __future__ import annotations

import errno
import json
import multiprocessing as mp
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable
from datetime import datetime
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Final

import networkx as nx

from .build import default_jobs, ignore_interrupts
from .errors import OutputError
from .model import BuildReport, FileCounts, KnowledgeGraph
from .rdf import forget_triples
from .records import Diagnostic

__all__ = ["WRITERS", "load", "to_jsonable", "write_outputs"]

_DATE_KEYS: Final = ("published_at", "updated_at")

Writer = Callable[[KnowledgeGraph, Path], None]


def to_jsonable(value: Any) -> Any:
    """JSON form of an attribute value: datetimes as ISO 8601 text."""
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, default=to_jsonable, indent=None, separators=(",", ":"))


def write_node_link(kg: KnowledgeGraph, path: Path) -> None:
    """Write the graph as networkx node-link JSON (``edges`` key)."""
    data = nx.node_link_data(kg.graph, edges="edges")
    path.write_text(_dumps(data), encoding="utf-8")


def write_graphml(kg: KnowledgeGraph, path: Path) -> None:
    """Write GraphML; lists and mappings become JSON text, dates ISO 8601 text."""
    from .graphml import write_graphml as write

    with path.open("w", encoding="utf-8") as fh:
        write(kg.graph, fh)


def write_report(kg: KnowledgeGraph, path: Path) -> None:
    """Write ``report.json``."""
    path.write_text(json.dumps(kg.report.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_store(kg: KnowledgeGraph, path: Path) -> None:
    """Write ``store/``, the embedded Oxigraph SPARQL store (a folder; see :mod:`graph.store`)."""
    from .store import write_store as write

    write(kg, path)


def write_explorer(kg: KnowledgeGraph, path: Path) -> None:
    """Write ``graph.html``, the interactive explorer page (see :mod:`graph.html`)."""
    from .html import write_graph_html

    write_graph_html(kg, path)


def write_rdf_file(kg: KnowledgeGraph, path: Path) -> None:
    """Write ``graph.ttl``, ``graph.nt``, ``graph.jsonld`` or ``graph.nq`` (by suffix; see :mod:`graph.rdf`)."""
    from .rdf import write_build_file

    write_build_file(kg, path)


#: Output file name → writer. Later stages (RDF, HTML, store) add theirs.
WRITERS: Final[dict[str, Writer]] = {
    "graph.json": write_node_link,
    "graph.graphml": write_graphml,
    "report.json": write_report,
    "graph.ttl": write_rdf_file,
    "graph.nt": write_rdf_file,
    "graph.jsonld": write_rdf_file,
    "store": write_store,
    "graph.html": write_explorer,
}


#: Outputs written by a second process when two CPUs are available (the page
#: layout and the whole-graph exports); the RDF family stays together in the
#: first, where the triples are computed once and ``store`` loads ``graph.nt``.
_SECOND_PROCESS: Final = frozenset({"graph.html", "graph.graphml", "graph.json"})


def _write_group(kg: KnowledgeGraph, staging: Path, names: list[str]) -> dict[str, float]:
    timings: dict[str, float] = {}
    for name in names:
        started = time.perf_counter()
        WRITERS[name](kg, staging / name)
        timings[f"write {name}"] = time.perf_counter() - started
    return timings


def _child(kg: KnowledgeGraph, staging: Path, names: list[str], conn: Connection) -> None:
    """Body of the second writer process: report timings, or the error, through ``conn``."""
    ignore_interrupts()  # on Ctrl-C the parent kills this process
    try:
        conn.send(("ok", _write_group(kg, staging, names)))
    except BaseException as exc:  # everything goes back to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _split(wanted: list[str], jobs: int) -> tuple[list[str], list[str]]:
    """The outputs for this process and for a second one (none when it would not pay)."""
    if jobs < 2 or "fork" not in mp.get_all_start_methods():
        return wanted, []
    other = [n for n in wanted if n in _SECOND_PROCESS]
    mine = [n for n in wanted if n not in _SECOND_PROCESS]
    if not other or not mine:
        return wanted, []
    return mine, other


def write_outputs(
    kg: KnowledgeGraph,
    out: str | os.PathLike[str],
    names: Iterable[str] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int | None = None,
) -> dict[str, Path]:
    """Write the outputs ``names`` (default: all of :data:`WRITERS`) into ``out``.

    With ``jobs`` of 2 or more (default: the CPUs available) the page and the
    whole-graph exports are written by a forked second process while this one
    writes the RDF and the store. Returns output name → final path. Raises
    :class:`~graph.errors.OutputError` when ``out`` cannot be created or
    written; the previous outputs stay whole.
    """
    target = Path(out)
    wanted = list(WRITERS) if names is None else list(names)
    unknown = [n for n in wanted if n not in WRITERS]
    if unknown:
        raise OutputError(f"unknown output {', '.join(unknown)}; known: {', '.join(WRITERS)}")
    try:
        target.mkdir(parents=True, exist_ok=True)
        _remove_leftovers(target)
        staging = Path(tempfile.mkdtemp(prefix=f".staging-{os.getpid()}-", dir=target))
    except OSError as exc:
        raise OutputError(f"cannot write to {target}: {_why(exc)}", path=str(target)) from exc
    # The report goes last, so it holds the time every other output took.
    report = [n for n in wanted if n == "report.json"]
    mine, other = _split([n for n in wanted if n != "report.json"], default_jobs() if jobs is None else jobs)
    written: dict[str, Path] = {}
    child: BaseProcess | None = None
    forget_triples()  # the RDF writers share triples within this call only
    try:
        if other:
            receive, send = mp.Pipe(duplex=False)
            child = mp.get_context("fork").Process(target=_child, args=(kg, staging, other, send), daemon=True)
            child.start()
            send.close()
        for i, name in enumerate(mine):
            if progress is not None:
                progress("write", i, len(wanted))
            kg.report.timings.update(_write_group(kg, staging, [name]))
        if child is not None:
            status, payload = receive.recv() if receive.poll(None) else ("error", "no answer")
            child.join()
            if status != "ok":
                raise OutputError(f"cannot write {', '.join(other)} in {target}: {payload}", path=str(target))
            kg.report.timings.update(payload)  # type: ignore[arg-type]
        kg.report.timings.update(_write_group(kg, staging, report))
        for name in wanted:
            _replace(staging / name, target / name)
            written[name] = target / name
        if progress is not None:
            progress("write", len(wanted), len(wanted))
    except EOFError as exc:
        raise OutputError(f"the process writing {', '.join(other)} died", path=str(target)) from exc
    except OSError as exc:
        raise OutputError(
            f"cannot write {target}: {_why(exc)}; the previous outputs are unchanged", path=str(target)
        ) from exc
    finally:
        forget_triples()
        if child is not None and child.is_alive():
            child.kill()
            child.join()
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _why(exc: OSError) -> str:
    """What went wrong with a write, and what to do about it."""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{exc.strerror} (the disk is full); free some space or write elsewhere with -o"
    if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return f"{exc.strerror}; choose a folder you may write to with -o"
    return str(exc.strerror or exc)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


def _remove_leftovers(target: Path) -> None:
    """Remove staging folders (and swapped-out stores) of builds that were killed: their process is gone."""
    for entry in target.iterdir():
        if not entry.name.startswith((".staging-", ".old-")):
            continue
        pid_text = entry.name.split("-")[-1 if entry.name.startswith(".old-") else 1]
        if pid_text.isdigit() and not _pid_alive(int(pid_text)):
            if entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)


def _replace(src: Path, dst: Path) -> None:
    """Move ``src`` over ``dst``; folders are swapped so ``dst`` is never half-written."""
    if src.is_dir():
        old = dst.with_name(f".old-{dst.name}-{os.getpid()}")
        if dst.exists():
            os.replace(dst, old)
        os.replace(src, dst)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, dst)


def load(out: str | os.PathLike[str]) -> KnowledgeGraph:
    """Load the graph and report written by :func:`write_outputs` into ``out``.

    Raises :class:`~graph.errors.OutputError` when ``out`` holds no build.
    """
    folder = Path(out)
    graph_file = folder / "graph.json"
    try:
        data = json.loads(graph_file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise OutputError(
            f"{folder} holds no build (no graph.json); run 'newsgraph build SOURCE -o {folder}' first",
            path=str(folder),
        ) from exc
    except (OSError, ValueError) as exc:
        raise OutputError(f"cannot read {graph_file}: {exc}", path=str(graph_file)) from exc
    g: nx.MultiDiGraph = nx.node_link_graph(data, directed=True, multigraph=True, edges="edges")
    for _, attrs in g.nodes(data=True):
        for key in _DATE_KEYS:
            if isinstance(attrs.get(key), str):
                attrs[key] = datetime.fromisoformat(attrs[key])
    report = BuildReport()
    report_file = folder / "report.json"
    if report_file.exists():
        raw = json.loads(report_file.read_text(encoding="utf-8"))
        report.files = FileCounts(**raw.get("files", {}))
        report.diagnostics = [Diagnostic(**d) for d in raw.get("diagnostics", [])]
        report.timings = dict(raw.get("timings", {}))
    report.count(g)
    return KnowledgeGraph(g, report)
