"""Writing a build to an output folder, atomically (:func:`graph.model.load` reads it back).

Every output is first written into the build's staging folder inside OUT
(:mod:`graph.staging`), then moved into place with :func:`os.replace`; an
interrupted build leaves the previous outputs whole (each file is either the
old one or the new one, never a truncated one).

Files: ``graph.json`` (networkx node-link, lossless: :func:`graph.load` reads it
back), ``graph.graphml`` (for Gephi, yEd, Cytoscape: lists and mappings as
JSON text) and ``report.json``.

>>> import tempfile, graph
>>> out = tempfile.mkdtemp()
>>> sorted(p.name for p in write_outputs(graph.build(["seeds"]), out).values())  # doctest: +NORMALIZE_WHITESPACE
['graph.graphml', 'graph.html', 'graph.json', 'graph.jsonld', 'graph.nt', 'graph.ttl',
 'report.json', 'store']
>>> graph.load(out).report.nodes["article"]
5
"""

from __future__ import annotations

import contextvars
import errno
import json
import multiprocessing as mp
import os
import shutil
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, Final, cast

import networkx as nx

from .blocks import BlockWriter, FileIndex, StaleIndex, patch, read_block
from .errors import OutputError
from .model import KnowledgeGraph, to_jsonable
from .staging import Staging, publish
from .workers import can_fork, default_jobs, worker_init

__all__ = ["WRITERS", "Previous", "Written", "write_build", "write_outputs"]


Writer = Callable[[KnowledgeGraph, Path], None]


_dumps: Final = json.JSONEncoder(ensure_ascii=False, default=to_jsonable, separators=(",", ":")).encode


def write_node_link(kg: KnowledgeGraph, path: Path) -> None:
    """Write the graph as networkx node-link JSON (``edges`` key), nodes and edges in id order."""
    _write_family(kg, path.parent, ["graph.json"], None, {})


def write_graphml(kg: KnowledgeGraph, path: Path) -> None:
    """Write GraphML; lists and mappings become JSON text, dates ISO 8601 text."""
    _write_family(kg, path.parent, ["graph.graphml"], None, {})


def write_report(kg: KnowledgeGraph, path: Path) -> None:
    """Write ``report.json``."""
    path.write_text(json.dumps(kg.report.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def write_store(kg: KnowledgeGraph, path: Path) -> None:
    """Write ``store/``, the embedded Oxigraph SPARQL store (a folder; see :mod:`graph.sparql.store`)."""
    from .sparql import write_store as write

    write(kg, path)


#: Options of the writers of one :func:`write_build` call (the page's layout memo).
_OPTIONS: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar("newsgraph_options", default=None)


def write_explorer(kg: KnowledgeGraph, path: Path) -> None:
    """Write ``graph.html``, the interactive explorer page (see :mod:`graph.explorer`)."""
    _write_page(kg, path, None, [])


def _page_patchable(kg: KnowledgeGraph, previous: Previous) -> bool:
    """Whether the previous page can be patched, as far as the shapes of the changed nodes tell."""
    from .explorer import same_shapes

    return previous.shapes is not None and "graph.html" in previous.indexes and same_shapes(kg.graph, previous.shapes)


def _write_page(kg: KnowledgeGraph, path: Path, previous: Previous | None, patched: list[str]) -> FileIndex:
    """Write ``graph.html``: the previous page with the changed items rewritten when only they changed, else whole."""
    from .explorer import patch_page, write_graph_html

    old = previous.indexes.get(path.name) if previous is not None else None
    if previous is not None and previous.shapes is not None and old is not None:
        try:
            index = patch_page(kg, path, previous.out / path.name, old, previous.shapes)
        except StaleIndex:
            pass
        else:
            patched.append(path.name)
            return index
    return write_graph_html(kg, path, layout_cache=(_OPTIONS.get() or {}).get("layout_cache"))


def write_rdf_file(kg: KnowledgeGraph, path: Path) -> None:
    """Write ``graph.ttl``, ``graph.nt``, ``graph.jsonld`` or ``graph.nq`` (by suffix; see :mod:`graph.rdf`)."""
    from .rdf import write_rdf as write_build_file

    if path.name in _RDF_FILES:
        _write_family(kg, path.parent, [path.name], None, {})
    else:
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

#: Outputs written in one pass over the subjects (RDF) or the nodes (graph), as blocks (:mod:`graph.blocks`).
_RDF_FILES: Final = ("graph.nt", "graph.ttl", "graph.jsonld")
_GRAPH_FILES: Final = ("graph.json", "graph.graphml")


@dataclass(slots=True)
class Previous:
    """The build already in ``out``, so that :func:`write_build` rewrites only what changed.

    ``keys`` holds every node and RDF subject whose block may differ from
    the previous build's (see :mod:`graph.pipeline.rebuild`); ``indexes`` the
    :class:`~graph.blocks.FileIndex` of each output it wrote; ``shapes``
    what the page took from the changed nodes (see :func:`graph.explorer.patch_page`).
    """

    out: Path
    keys: set[str]
    indexes: dict[str, FileIndex]
    rdf: dict[str, dict[str, str]] | None = None  # subject → output → block, made once per write
    #: node → its :func:`graph.explorer.page_shape` in the previous build, for the nodes of ``keys``
    #: (None: the page is written whole)
    shapes: dict[str, tuple[Any, ...] | None] | None = None


def _changed_rdf(kg: KnowledgeGraph, previous: Previous) -> dict[str, dict[str, str]]:
    """The RDF blocks (N-Triples, Turtle, JSON-LD) of the subjects that may have changed since ``previous``."""
    if previous.rdf is None:
        try:
            previous.rdf = dict(_rdf_blocks(kg, _RDF_FILES, sorted(previous.keys)))
        except ValueError as exc:
            raise OutputError(f"cannot write RDF: {exc}") from exc
    return previous.rdf


@dataclass(slots=True)
class Written:
    """What :func:`write_build` wrote: final paths, the index of each block file, and which were patched."""

    paths: dict[str, Path] = field(default_factory=dict)
    indexes: dict[str, FileIndex] = field(default_factory=dict)
    patched: list[str] = field(default_factory=list)


def _frame(kg: KnowledgeGraph, name: str) -> list[str]:
    """The text around the sections of the block output ``name``."""
    from .graphml import footer as graphml_footer
    from .graphml import header as graphml_header
    from .rdf import JSONLD_HEAD, JSONLD_TAIL, TURTLE_HEADER

    if name == "graph.json":
        head = _dumps({"directed": True, "multigraph": True, "graph": kg.graph.graph})[:-1]
        return [head + ',"nodes":[', '],"edges":[', "]}"]
    if name == "graph.graphml":
        return [graphml_header(kg.graph), "", graphml_footer()]
    return {"graph.nt": ["", ""], "graph.ttl": [TURTLE_HEADER, ""], "graph.jsonld": [JSONLD_HEAD, JSONLD_TAIL]}[name]


_SEPS: Final = {
    "graph.nt": ("",),
    "graph.ttl": ("",),
    "graph.jsonld": (",\n",),
    "graph.json": (",", ","),
    "graph.graphml": ("", ""),
}


def _rdf_blocks(
    kg: KnowledgeGraph, names: Collection[str], keys: Iterable[str] | None
) -> Iterator[tuple[str, dict[str, str]]]:
    """``(subject, {output: block})`` for ``keys`` (default: all subjects), IRIs checked."""
    from .rdf import IriChecker, TurtleBlocks, jsonld_block, nt_block, subjects

    check = IriChecker()
    ttl = TurtleBlocks()
    for key, triples in subjects(kg.graph, keys):
        check(triples)
        blocks: dict[str, str] = {}
        if "graph.nt" in names:
            blocks["graph.nt"] = nt_block(triples)
        if "graph.ttl" in names:
            blocks["graph.ttl"] = ttl(triples)
        if "graph.jsonld" in names:
            blocks["graph.jsonld"] = jsonld_block(triples)
        yield key, blocks


def _node_block(g: nx.MultiDiGraph, node: str, section: int, name: str) -> str:
    """The block of ``node`` in ``section`` (0: the node, 1: its out-edges) of ``graph.json`` or ``.graphml``."""
    from .graphml import edge_element, node_element

    if node not in g:
        return ""
    if section == 0:
        if name == "graph.json":
            return _dumps({**g.nodes[node], "id": node})
        return node_element(node, g.nodes[node])
    edges = sorted((v, key, data) for v, keyed in g._succ[node].items() for key, data in keyed.items())
    if name == "graph.json":
        return ",".join(_dumps({**data, "source": node, "target": v, "key": key}) for v, key, data in edges)
    return "".join(edge_element(node, v, key, data) for v, key, data in edges)


def _write_family(
    kg: KnowledgeGraph,
    staging: Path,
    names: list[str],
    previous: Previous | None,
    timings: dict[str, float],
    patched: list[str] | None = None,
) -> dict[str, FileIndex]:
    """Write the block outputs ``names`` into ``staging``: patched from ``previous`` when it can, else whole."""
    frames = {name: _frame(kg, name) for name in names}
    indexes: dict[str, FileIndex] = {}
    whole = list(names)
    if previous is not None:
        for name in names:
            old = previous.indexes.get(name)
            if old is None:
                continue
            started = time.perf_counter()
            try:
                indexes[name] = _patch_one(kg, staging, name, previous, old, frames[name])
            except StaleIndex:
                continue
            whole.remove(name)
            timings[f"write {name}"] = time.perf_counter() - started
            if patched is not None:
                patched.append(name)
    rdf = [n for n in whole if n in _RDF_FILES]
    if rdf:
        indexes.update(_write_rdf(kg, staging, rdf, frames, timings))
    for name in whole:
        if name in _GRAPH_FILES:
            started = time.perf_counter()
            g = kg.graph
            nodes = sorted(g.nodes)
            with BlockWriter(staging / name) as w:
                for section, sep in enumerate(_SEPS[name]):
                    w.text(frames[name][section])
                    w.section(sep, ((n, _node_block(g, n, section, name)) for n in nodes))
                w.text(frames[name][-1])
            indexes[name] = w.index
            timings[f"write {name}"] = time.perf_counter() - started
    return indexes


def _write_rdf(
    kg: KnowledgeGraph, staging: Path, names: list[str], frames: dict[str, list[str]], timings: dict[str, float]
) -> dict[str, FileIndex]:
    """Write the RDF outputs ``names`` whole, in one pass over the subjects."""
    started = time.perf_counter()
    writers = {name: BlockWriter(staging / name) for name in names}
    try:
        for name, w in writers.items():
            w.text(frames[name][0])
            w.open_section(_SEPS[name][0])
        try:
            for key, blocks in _rdf_blocks(kg, names, None):
                for name, text in blocks.items():
                    writers[name].block(key, text)
        except ValueError as exc:
            raise OutputError(f"cannot write RDF: {exc}") from exc
        for name, w in writers.items():
            w.text(frames[name][1])
    finally:
        for w in writers.values():
            w.__exit__(None, None, None)
    elapsed = time.perf_counter() - started
    for name in names:
        timings[f"write {name}"] = elapsed / len(names)
    return {name: w.index for name, w in writers.items()}


def _patch_one(
    kg: KnowledgeGraph, staging: Path, name: str, previous: Previous, old: FileIndex, frame: list[str]
) -> FileIndex:
    """Write ``name`` as the previous file with the blocks of ``previous.keys`` made again."""
    keys = sorted(previous.keys)
    if name in _RDF_FILES:
        changes = [{key: blocks[name] for key, blocks in _changed_rdf(kg, previous).items()}]
    else:
        changes = [{key: _node_block(kg.graph, key, s, name) for key in keys} for s in range(len(_SEPS[name]))]
    with BlockWriter(staging / name) as w:
        patch(w, previous.out / name, old, frame, changes)
    return w.index


def _write_group(
    kg: KnowledgeGraph,
    staging: Path,
    names: list[str],
    previous: Previous | None,
    meanwhile: Callable[[], None] | None = None,
) -> tuple[dict[str, float], dict[str, FileIndex], list[str]]:
    """Write ``names`` into ``staging``: the timings, the block files' indexes, and what was patched.

    ``meanwhile`` is called after the files are written, while a store patch may still be running.
    """
    timings: dict[str, float] = {}
    patched: list[str] = []
    store = _StorePatch.begin(kg, staging, previous) if "store" in names and previous is not None else None
    family = [n for n in names if n in _RDF_FILES or n in _GRAPH_FILES]
    indexes = _write_family(kg, staging, family, previous, timings, patched) if family else {}
    for name in names:
        if name in family or (name == "store" and store is not None):
            continue
        started = time.perf_counter()
        if name == "graph.html":
            indexes[name] = _write_page(kg, staging / name, previous, patched)
        else:
            WRITERS[name](kg, staging / name)
        timings[f"write {name}"] = time.perf_counter() - started
    if meanwhile is not None:
        meanwhile()  # beside the store patch, which releases the GIL
    if store is not None:
        started = time.perf_counter()
        if store.finish():
            patched.append("store")
        else:
            WRITERS["store"](kg, staging / "store")
        timings["write store"] = store.seconds + time.perf_counter() - started
    return timings, indexes, patched


class _StorePatch(threading.Thread):
    """The store of a rebuild: the previous one less the old triples of the changed subjects, plus the new.

    It runs beside the other writers (Oxigraph releases the GIL); :meth:`finish` waits for it.
    """

    def __init__(self, old: Path, new: Path, removed: bytes, added: bytes) -> None:
        super().__init__(name="newsgraph-store-patch", daemon=True)
        self.old, self.new, self.removed, self.added = old, new, removed, added
        self.ok = False
        self.seconds = 0.0

    @classmethod
    def begin(cls, kg: KnowledgeGraph, staging: Path, previous: Previous) -> _StorePatch | None:
        """Start patching the previous store into ``staging``, or None when it cannot be patched."""
        old_index = previous.indexes.get("graph.nt")
        old_nt = previous.out / "graph.nt"
        if old_index is None or not (previous.out / "store").is_dir() or not old_index.matches(old_nt):
            return None
        keys = sorted(previous.keys)
        removed: set[bytes] = set()
        section = old_index.sections[0]
        offsets = section.offsets()
        fd = os.open(old_nt, os.O_RDONLY)
        try:
            for key in keys:
                removed.update(read_block(fd, section, offsets, key).splitlines(keepends=True))
        finally:
            os.close(fd)
        added = {
            line
            for blocks in _changed_rdf(kg, previous).values()
            for line in blocks["graph.nt"].encode("utf-8").splitlines(keepends=True)
        }
        patch = cls(previous.out / "store", staging / "store", b"".join(removed - added), b"".join(added - removed))
        patch.start()
        return patch

    def run(self) -> None:
        from .sparql import patch_store

        started = time.perf_counter()
        try:
            patch_store(self.old, self.new, self.removed, self.added)
            self.ok = True
        except (OSError, ValueError, SyntaxError):
            shutil.rmtree(self.new, ignore_errors=True)  # the store is then written whole
        self.seconds = time.perf_counter() - started

    def finish(self) -> bool:
        """Wait for the patch; True when the store is written."""
        self.join()
        return self.ok


def _child(
    kg: KnowledgeGraph, staging: Path, names: list[str], previous: Previous | None, conn: Connection, parent: int
) -> None:
    """Body of the second writer process: report timings and indexes, or the error, through ``conn``."""
    worker_init(parent)  # on Ctrl-C the parent kills this process; it dies with the parent
    try:
        conn.send(("ok", _write_group(kg, staging, names, previous)))
    except BaseException as exc:  # everything goes back to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _split(
    wanted: list[str], jobs: int, kg: KnowledgeGraph | None = None, previous: Previous | None = None
) -> tuple[list[str], list[str]]:
    """The outputs for this process and for a second one (none when it would not pay).

    When patching, only a page drawn whole goes to the second one: the other
    patches are quick, and a forked process costs copies of every page of
    memory either process then touches. The second process is forked (it
    shares the graph), so there is none while another thread is alive
    (:func:`graph.workers.can_fork`).
    """
    if jobs < 2 or not can_fork():
        return wanted, []
    if previous is None:
        second = _SECOND_PROCESS
    elif kg is not None and _page_patchable(kg, previous):
        return wanted, []
    else:
        second = frozenset({"graph.html"})
    other = [n for n in wanted if n in second]
    mine = [n for n in wanted if n not in second]
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
    writes the RDF and the store (not while another thread of this process is
    alive: forking it could deadlock). Returns output name → final path. Raises
    :class:`~graph.errors.OutputError` when ``out`` cannot be created or
    written; the previous outputs stay whole.
    """
    return write_build(kg, out, names, progress=progress, jobs=jobs).paths


def write_build(
    kg: KnowledgeGraph,
    out: str | os.PathLike[str],
    names: Iterable[str] | None = None,
    *,
    progress: Callable[[str, int, int], None] | None = None,
    jobs: int | None = None,
    previous: Previous | None = None,
    layout_cache: str | os.PathLike[str] | None = None,
    meanwhile: Callable[[], None] | None = None,
    staging: Staging | None = None,
) -> Written:
    """:func:`write_outputs`, rewriting only the blocks that changed since ``previous``.

    With ``previous`` (made by :mod:`graph.pipeline.rebuild`), the text outputs
    are patched and the store is a checkpoint of the previous one plus the
    difference; the bytes are those a whole write would give. ``layout_cache``
    is the page's layout memo (see :func:`graph.explorer.render_html`);
    ``meanwhile`` is called once this process has written its files, while
    the store patch and the second process may still be writing (the build
    saves its graph then). ``staging`` is the build's staging folder in
    ``out`` (default: one made and removed here).
    """
    target = Path(out)
    wanted = list(WRITERS) if names is None else list(names)
    unknown = [n for n in wanted if n not in WRITERS]
    if unknown:
        raise OutputError(f"unknown output {', '.join(unknown)}; known: {', '.join(WRITERS)}")
    own = staging is None
    if staging is None:
        try:
            staging = Staging(target)  # sweeps what killed builds left in OUT
        except OSError as exc:
            raise OutputError(f"cannot write to {target}: {_why(exc)}", path=str(target)) from exc
    try:
        return _write_staged(kg, target, staging.path, wanted, progress, jobs, previous, layout_cache, meanwhile)
    finally:
        if own:
            staging.close()


def _write_staged(
    kg: KnowledgeGraph,
    target: Path,
    folder: Path,
    wanted: list[str],
    progress: Callable[[str, int, int], None] | None,
    jobs: int | None,
    previous: Previous | None,
    layout_cache: str | os.PathLike[str] | None,
    meanwhile: Callable[[], None] | None,
) -> Written:
    """:func:`write_build` in the staging folder ``folder`` (whose outputs are removed on the way out)."""
    staging = folder / "out"
    try:
        staging.mkdir()
    except OSError as exc:
        raise OutputError(f"cannot write to {target}: {_why(exc)}", path=str(target)) from exc
    # The report goes last, so it holds the time every other output took.
    report = [n for n in wanted if n == "report.json"]
    mine, other = _split(
        [n for n in wanted if n != "report.json"], default_jobs() if jobs is None else jobs, kg, previous
    )
    written = Written()
    child: BaseProcess | None = None
    token = _OPTIONS.set({"layout_cache": layout_cache})
    try:
        if other:
            receive, send = mp.Pipe(duplex=False)
            child = mp.get_context("fork").Process(
                target=_child, args=(kg, staging, other, previous, send, os.getpid()), daemon=True
            )
            child.start()
            send.close()
        if progress is not None:
            progress("write", 0, len(wanted))
        timings, indexes, patched = _write_group(kg, staging, mine, previous, meanwhile)
        kg.report.timings.update(timings)
        written.indexes.update(indexes)
        written.patched.extend(patched)
        if progress is not None:  # the command line's bar is redrawn on progress calls only
            progress("write", len(mine), len(wanted))
        if child is not None:
            status, payload = receive.recv() if receive.poll(None) else ("error", "no answer")
            child.join()
            if status != "ok":
                raise OutputError(f"cannot write {', '.join(other)} in {target}: {payload}", path=str(target))
            child_timings, child_indexes, child_patched = cast(
                tuple[dict[str, float], dict[str, FileIndex], list[str]], payload
            )
            kg.report.timings.update(child_timings)
            written.indexes.update(child_indexes)
            written.patched.extend(child_patched)
        kg.report.timings.update(_write_group(kg, staging, report, None)[0])
        for name in wanted:
            publish(staging / name, target / name)
            written.paths[name] = target / name
        # A move keeps the size and time, so the next build recognises these files.
        written.indexes = {n: i for n, i in written.indexes.items() if i.matches(target / n)}
        if progress is not None:
            progress("write", len(wanted), len(wanted))
    except EOFError as exc:
        raise OutputError(f"the process writing {', '.join(other)} died", path=str(target)) from exc
    except OSError as exc:
        raise OutputError(
            f"cannot write {target}: {_why(exc)}; the previous outputs are unchanged", path=str(target)
        ) from exc
    finally:
        _OPTIONS.reset(token)
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
