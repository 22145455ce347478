"""Writing a build's outputs into its folder, atomically, in one or two processes.

Every output is written into the build's staging folder inside OUT
(:mod:`graph.staging`), then moved into place with :func:`os.replace`; an
interrupted build leaves the previous outputs whole (each file is either the
old one or the new one, never a truncated one). The outputs come from
:data:`~graph.outputs.base.OUTPUTS`; what each needs and how it patches is
its own (:class:`~graph.outputs.base.Output`), so this module names none.
"""

from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import time
from collections.abc import Callable, Iterable
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import cast

from ..blocks import FileIndex
from ..errors import OutputError
from ..model import KnowledgeGraph
from ..staging import Staging, publish
from ..workers import can_fork, default_jobs, worker_init
from .base import OUTPUTS, BlockOutput, Family, Finish, Job, Previous, Written, try_patch, why

__all__ = ["write_build", "write_outputs"]

_Result = tuple[dict[str, float], dict[str, FileIndex], list[str]]


def write_group(job: Job, names: list[str], meanwhile: Callable[[], None] | None = None) -> _Result:
    """Write the outputs ``names`` into ``job.folder``: their timings, the block files' indexes, what was patched.

    Outputs of one family are patched one by one where they can be and the
    rest written in one pass; the others in order. ``meanwhile`` is called once
    everything has started, while an output working in the background (the
    store's patch) may still run.
    """
    outputs = [OUTPUTS[n] for n in names]
    indexes: dict[str, FileIndex] = {}
    families: dict[int, tuple[Family, list[BlockOutput]]] = {}
    for output in outputs:
        if output.family is not None:
            assert isinstance(output, BlockOutput)
            families.setdefault(id(output.family), (output.family, []))[1].append(output)
    finishing: list[tuple[str, Finish]] = []
    started: set[int] = set()
    for output in outputs:
        family = output.family
        if family is None:
            finishing.append((output.name, output.begin(job)))
        elif id(family) not in started:
            started.add(id(family))
            indexes.update(_write_family(job, *families[id(family)]))
    if meanwhile is not None:
        meanwhile()  # beside the store patch, which releases the GIL
    for name, finish in finishing:
        index = finish()
        if index is not None:
            indexes[name] = index
    return job.timings, indexes, job.patched


def _write_family(job: Job, family: Family, members: list[BlockOutput]) -> dict[str, FileIndex]:
    """Patch the members that can be patched, then write the rest whole in one pass."""
    indexes: dict[str, FileIndex] = {}
    whole = []
    for member in members:
        started = time.perf_counter()
        patched, index = try_patch(member, job)
        if not patched:
            whole.append(member)
            continue
        assert index is not None  # a block file always has one
        indexes[member.name] = index
        job.timings[f"write {member.name}"] = time.perf_counter() - started
    if whole:
        indexes.update(family.write(job, whole))
    return indexes


def _child(job: Job, names: list[str], conn: Connection, parent: int) -> None:
    """Body of the second writer process: report timings and indexes, or the error, through ``conn``."""
    worker_init(parent)  # on Ctrl-C the parent kills this process; it dies with the parent
    try:
        conn.send(("ok", write_group(job, names)))
    except BaseException as exc:  # everything goes back to the parent
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
    finally:
        conn.close()


def _split(wanted: list[str], jobs: int, job: Job) -> tuple[list[str], list[str]]:
    """The outputs for this process and for a second one (none when it would not pay).

    The heavy outputs go to the second process, except those a rebuild patches
    quickly (a forked process costs copies of every page of memory either
    process then touches), and except what another output here needs. The
    second process is forked (it shares the graph), so there is none while
    another thread is alive (:func:`graph.workers.can_fork`).
    """
    if jobs < 2 or not can_fork():
        return wanted, []
    needed = {need for name in wanted for need in OUTPUTS[name].needs}
    other = [
        n
        for n in wanted
        if OUTPUTS[n].heavy and n not in needed and (job.previous is None or not OUTPUTS[n].patches_quickly(job))
    ]
    mine = [n for n in wanted if n not in other]
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
    """Write the outputs ``names`` (default: all of :data:`~graph.outputs.OUTPUTS`) into ``out``.

    With ``jobs`` of 2 or more (default: the CPUs available) the page and the
    whole-graph exports are written by a forked second process while this one
    writes the RDF and the store (not while another thread of this process is
    alive: forking it could deadlock). Returns output name → final path. Raises
    :class:`~graph.errors.OutputError` when ``out`` cannot be created or
    written; the previous outputs stay whole.

    >>> import tempfile, graph
    >>> out = tempfile.mkdtemp()
    >>> sorted(write_outputs(graph.build(["seeds"]), out, ["graph.json", "store", "report.json"]))
    ['graph.json', 'report.json', 'store']
    >>> graph.load(out).report.nodes["article"]
    5
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
    wanted = list(OUTPUTS) if names is None else list(names)
    unknown = [n for n in wanted if n not in OUTPUTS]
    if unknown:
        raise OutputError(f"unknown output {', '.join(unknown)}; known: {', '.join(OUTPUTS)}")
    wanted = _in_order(wanted)
    own = staging is None
    if staging is None:
        try:
            staging = Staging(target)  # sweeps what killed builds left in OUT
        except OSError as exc:
            raise OutputError(f"cannot write to {target}: {why(exc)}", path=str(target)) from exc
    folder = staging.path / "out"
    try:
        folder.mkdir()
    except OSError as exc:
        raise OutputError(f"cannot write to {target}: {why(exc)}", path=str(target)) from exc
    job = Job(kg, folder, previous, Path(layout_cache) if layout_cache is not None else None)
    try:
        return _write_staged(job, target, [n for n in wanted if n in OUTPUTS], progress, jobs, meanwhile)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        if own:
            staging.close()


def _in_order(wanted: list[str]) -> list[str]:
    """``wanted`` in registry order, each after what it needs, the ``last`` ones last."""
    chosen = set(wanted)
    ordered = [n for n in OUTPUTS if n in chosen]
    for i, name in enumerate(ordered):
        late = [need for need in OUTPUTS[name].needs if need in ordered[i + 1 :]]
        if late:
            raise OutputError(f"output {name} needs {', '.join(late)}, registered after it")
    return [n for n in ordered if not OUTPUTS[n].last] + [n for n in ordered if OUTPUTS[n].last]


def _write_staged(
    job: Job,
    target: Path,
    wanted: list[str],
    progress: Callable[[str, int, int], None] | None,
    jobs: int | None,
    meanwhile: Callable[[], None] | None,
) -> Written:
    """:func:`write_build` in the staging folder ``job.folder`` (removed on the way out)."""
    last = [n for n in wanted if OUTPUTS[n].last]
    mine, other = _split([n for n in wanted if n not in last], default_jobs() if jobs is None else jobs, job)
    written = Written()
    child: BaseProcess | None = None
    try:
        if other:
            receive, send = mp.Pipe(duplex=False)
            child = mp.get_context("fork").Process(target=_child, args=(job, other, send, os.getpid()), daemon=True)
            child.start()
            send.close()
        if progress is not None:
            progress("write", 0, len(wanted))
        _merge(job.kg, written, write_group(job, mine, meanwhile))
        if progress is not None:  # the command line's bar is redrawn on progress calls only
            progress("write", len(mine), len(wanted))
        if child is not None:
            status, payload = receive.recv() if receive.poll(None) else ("error", "no answer")
            child.join()
            if status != "ok":
                raise OutputError(f"cannot write {', '.join(other)} in {target}: {payload}", path=str(target))
            _merge(job.kg, written, cast(_Result, payload))
        job.timings.clear()
        job.kg.report.timings.update(write_group(job, last)[0])
        _publish(job.folder, target, wanted, written)
        if progress is not None:
            progress("write", len(wanted), len(wanted))
    except EOFError as exc:
        raise OutputError(f"the process writing {', '.join(other)} died", path=str(target)) from exc
    except OSError as exc:
        raise OutputError(
            f"cannot write {target}: {why(exc)}; the previous outputs are unchanged", path=str(target)
        ) from exc
    finally:
        if child is not None and child.is_alive():
            child.kill()
            child.join()
    return written


def _merge(kg: KnowledgeGraph, written: Written, result: _Result) -> None:
    timings, indexes, patched = result
    kg.report.timings.update(timings)
    written.indexes.update(indexes)
    written.patched.extend(n for n in patched if n not in written.patched)


def _publish(folder: Path, target: Path, wanted: list[str], written: Written) -> None:
    """Move every output into place; keep the indexes of the files that are as they were written."""
    for name in wanted:
        publish(folder / name, target / name)
        written.paths[name] = target / name
    # A move keeps the size and time, so the next build recognises these files.
    written.indexes = {n: i for n, i in written.indexes.items() if i.matches(target / n)}
