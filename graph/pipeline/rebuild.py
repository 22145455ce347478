"""Building into an output folder again: only what the changed files touch is merged and written.

:func:`build_into` is what ``newsgraph build`` runs. Beside the outputs it
keeps, in ``OUT/.cache``, the state of the build: for every file its size
and times, content digest, parse (pickled) and a compact summary of its
records; the merged graph; and where each node's text lies in every output
(:mod:`graph.blocks`). The next build into the same folder:

1. finds the files whose content changed (a file whose size and times are
   unchanged is not read; any other is read and compared by digest), and
   parses only those;
2. works out which nodes those files can change: the articles their records
   were and are merged into, the nodes their links point at, and the
   articles whose identity moved (:func:`graph.merge.identities` is run
   again over the summaries, which is cheap);
3. merges those nodes again from every record that makes them
   (:func:`graph.merge.remerge`), in the same rank order as a full build;
4. patches the outputs: the blocks of those nodes are written again, the
   rest copied; the store is a checkpoint of the previous one plus the
   difference; the page is drawn again (its layout is memoised).

The outputs are byte-for-byte those of a clean build (the report's timings
and ``files.cached`` aside); the tests check this on random edits. When the
state is missing, stale or written by other code, or many files changed, the
build is a full one (still reusing the parse of unchanged files).

>>> import tempfile
>>> out = tempfile.mkdtemp()
>>> kg, written = build_into(["seeds"], out)
>>> kg, written = build_into(["seeds"], out)
>>> kg.report.files.cached, sorted(written.patched)
(2, ['graph.graphml', 'graph.html', 'graph.json', 'graph.jsonld', 'graph.nt', 'graph.ttl', 'store'])
"""

from __future__ import annotations

import functools
import os
import pickle
import secrets
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import networkx as nx

from ..enrich import ACTIVITY, Memo, enrich, snapshot
from ..enrich import KINDS as ENRICHED
from ..enrich import RELATIONS as ENRICHED_RELATIONS
from ..errors import OutputError
from ..explorer import shape_of
from ..model import KnowledgeGraph, attributes, successors
from ..outputs import Previous, Written, write_build
from ..read import MAX_FILE_BYTES, check_base_url, digest, load_bytes, source_labels
from ..records import Diagnostic, FileResult
from ..staging import CACHE_DIR, Staging
from ..workers import give_back_memory
from .build import assemble_with_memo
from .remerge import update_graph
from .sources import Progress, find_source_names, parse_sources
from .state import Blobs, Compact, FileState, State, Store, code_version, compact, load_state

__all__ = ["CACHE_DIR", "FileState", "State", "build_into"]

#: Above this share of changed files, a full merge is quicker than working out what changed.
FULL_MERGE_SHARE: Final = 0.2
#: A file changed this close (ns) to the time it was looked at may change again unseen: read it next time.
_RACY_NS: Final = 2_000_000_000


def build_into(
    sources: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    scheduler: str | None = None,
    cache: bool = True,
    stories: bool = True,
    base_url: str | None = None,
) -> tuple[KnowledgeGraph, Written]:
    """Build the graph of ``sources`` and write every output into ``out``, reusing the last build there.

    With ``cache`` false, everything is read and written afresh and no state
    is kept. ``stories``: also find stories, inferred links and syndicated
    copies (:mod:`graph.enrich`), found again over the whole graph on every
    rebuild. ``base_url``: the site's address, for site-relative URLs (a build
    with another one reads every file again). Raises :class:`~graph.errors.SourceError` when ``sources`` hold
    no news file, :class:`~graph.errors.OutputError` when ``out`` cannot be
    written (the previous outputs stay whole).
    """
    started = time.perf_counter()
    base_url = check_base_url(base_url)
    target = Path(out)
    sources = list(sources)
    names, problems = find_source_names(sources)
    found = source_labels(sources, names) or names
    labels = {name: label for name, label in zip(names, found, strict=True) if label != name}
    try:
        staging = Staging(target)  # sweeps what killed builds left in OUT
    except OSError as exc:
        raise OutputError(f"cannot write to {target}: {exc.strerror or exc}", path=str(target)) from exc
    with staging:
        return _build_staged(
            names,
            labels,
            problems,
            target,
            staging,
            started,
            _ParseArgs(labels, jobs, progress, max_file_bytes, scheduler, base_url),
            cache,
            stories,
        )


def _build_staged(
    names: list[str],
    labels: dict[str, str],
    problems: list[Diagnostic],
    target: Path,
    staging: Staging,
    started: float,
    parse: _ParseArgs,
    cache: bool,
    stories: bool,
) -> tuple[KnowledgeGraph, Written]:
    """:func:`build_into` with the build's staging folder (every temporary file of the build goes there).

    The stages, in order: open the last build's state, scan the sources
    against it, parse what changed, merge (the changed nodes again, or
    everything), write the outputs (patched where they can be), save the state.
    """
    found = time.perf_counter()
    store = Store(target, staging.path)
    version = code_version(f"base_url={parse.base_url}" if parse.base_url else "")
    state, graph, memo, blobs = _open_previous(store, staging.path, cache, version)
    scan = _scan(names, state, blobs, parse.scheduler, parse.max_file_bytes)
    incremental = (
        state is not None
        and graph is not None
        and (ACTIVITY in graph) == stories  # built with stories, or without, as this build
        and len(scan.changed) <= FULL_MERGE_SHARE * max(len(names), 1)
    )
    results, rows = _parse_changed(scan, parse, blobs, plain=incremental or not cache, summarise=cache)
    if cache:
        _remember(scan, results, rows, blobs, names)
    read_done = time.perf_counter()
    timings = {"find": found - started, "read": read_done - found}
    new_state = State(version, secrets.token_hex(8), names, scan.fresh, {})
    previous: Previous | None = None
    if incremental:
        assert state is not None and graph is not None
        before = snapshot(graph) if stories else None  # what the stories decided, before the merge changes it
        kg, keys, shapes = update_graph(state, new_state, graph, scan.changed, results, blobs, problems)
        kg.report.timings.update(timings)
        kg.report.timings["merge"] = time.perf_counter() - read_done
        if before is not None:
            began = time.perf_counter()
            memo = _enrich_again(kg, keys, shapes, before, memo)
            kg.report.timings["stories"] = time.perf_counter() - began
        previous = Previous(target, keys, dict(state.indexes), shapes=shapes)
    else:
        ordered = [results[n] if n in results else pickle.loads(blobs[n]) for n in names]
        kg, memo = assemble_with_memo(ordered, problems, timings=timings, stories=stories)
        del ordered
    kg.report.files.cached = len(names) - len(results)  # results: the files read this time
    del results, scan  # the graph holds what the outputs need: free the parses before writing
    store.drop("state.pickle")  # until the outputs and the state agree again
    if cache:
        _save_log(store, new_state, blobs)  # and free the new parses' pickles
    written = write_build(
        kg,
        target,
        progress=parse.progress,
        jobs=parse.jobs,
        previous=previous,
        layout_cache=store.folder / "layout.json" if cache else None,
        meanwhile=functools.partial(_save_graph, store, new_state, kg.graph, memo) if cache else None,
        staging=staging,
    )
    if cache:
        new_state.indexes = dict(written.indexes)
        if new_state.log_id:
            store.save("state.pickle", new_state.to_plain())
    return kg, written


def _enrich_again(
    kg: KnowledgeGraph,
    keys: set[str],
    shapes: dict[str, tuple[Any, ...] | None],
    decided: dict[str, tuple[Any, ...]],
    memo: bytes | None,
) -> bytes:
    """Find the stories again; add the nodes that changed since the last build to ``keys`` (and their
    page shape then to ``shapes``). A node the merge removed takes its inferred edges with it: the
    comparison is with the graph before the merge, so the articles that pointed at it are rewritten."""
    g = kg.graph
    last = pickle.loads(memo) if memo is not None else None
    done = enrich(g, before=decided, memo=last if isinstance(last, Memo) else None)
    del last
    for node in done.changed:
        keys.add(node)
        if node not in shapes:  # the merge left it alone: its shape then is its shape now, with its old stories
            shapes[node] = _shape_before(g, node, decided.get(node))
    kg.report.count(g)
    memo = pickle.dumps(done.memo, protocol=pickle.HIGHEST_PROTOCOL)
    del done
    give_back_memory()
    return memo


def _shape_before(g: nx.MultiDiGraph, node: str, decided: tuple[Any, ...] | None) -> tuple[Any, ...] | None:
    """The page shape of ``node`` before the stories were found again, when the merge did not change it.

    ``decided``: its :func:`~graph.enrich.snapshot` entry then: for a node of the stage's own kinds,
    its data and out-edges (None: it did not exist); for another node, the stage's edges out of it.
    Every edge the stage makes is keyed by its relation.
    """
    if node not in g or attributes(g)[node].get("kind") in ENRICHED:
        if decided is None or len(decided) != 2:
            return None
        data, edges = decided
        return shape_of(dict(data), ((v, relation, relation) for v, relation in edges))
    own = [
        (v, k, e.get("relation"))
        for v, keyed in successors(g)[node].items()
        for k, e in keyed.items()
        if e.get("relation") not in ENRICHED_RELATIONS
    ]
    then = [(v, relation, relation) for v, relation in decided[0]] if decided is not None else []
    return shape_of(attributes(g)[node], own + then)


def _open_previous(
    store: Store, staging: Path, cache: bool, version: str
) -> tuple[State | None, nx.MultiDiGraph | None, bytes | None, Blobs]:
    """The last build's state, its merged graph, the memo of its stories pickled and its record log (None, None, None
    and an empty log: none usable)."""
    state = load_state(store, version) if cache else None
    graph: nx.MultiDiGraph | None = None
    memo: bytes | None = None
    if state is not None:
        loaded = store.load("graph.pickle")
        if isinstance(loaded, tuple) and len(loaded) == 3 and loaded[0] == state.build_id:
            graph = loaded[1]
            memo = loaded[2] if isinstance(loaded[2], bytes) else None
    blobs = Blobs(store.folder / "records.log", staging)
    if state is not None:
        opened = Blobs.open(store.folder / "records.log", staging, state)
        if opened is None:
            return None, graph, memo, blobs
        blobs = opened
    return state, graph, memo, blobs


@dataclass(slots=True)
class _Scan:
    """The sources against the last build: unchanged (``fresh``), to parse (``todo``), unreadable (``failed``)."""

    scan_ns: int
    fresh: dict[str, FileState] = field(default_factory=dict)
    todo: list[tuple[str, bytes | None]] = field(default_factory=list)  # bytes None: not read yet
    failed: dict[str, FileResult] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)  # parsed, failed or gone since the last build


def _scan(names: list[str], state: State | None, blobs: Blobs, scheduler: str | None, max_file_bytes: int) -> _Scan:
    """Sort the sources: a file whose stat (or, failing that, content digest) is unchanged is not parsed again."""
    scan = _Scan(time.time_ns())
    for name in names:
        old = state.files.get(name) if state is not None else None
        if old is None and scheduler is None:
            scan.todo.append((name, None))
            continue
        try:
            key: tuple[int, int, int, int] | None = _stat_key(os.stat(name))
        except OSError:
            key = None
        if old is not None and key is not None and old.stat == key and name in blobs:
            scan.fresh[name] = old
            continue
        data = load_bytes(name, max_file_bytes)
        if isinstance(data, FileResult):
            scan.failed[name] = data
        elif old is not None and old.digest == digest(data) and name in blobs:
            scan.fresh[name] = FileState(key, old.digest, old.source, old.records, old.diagnostics)
        else:
            scan.todo.append((name, data))
    for st in scan.fresh.values():  # racily clean: changed in the same tick as it was looked at
        st.stat = _settled(st.stat, scan.scan_ns)
    scan.changed = {name for name, _ in scan.todo} | set(scan.failed)
    if state is not None:
        scan.changed.update(set(state.files) - set(names))
    return scan


@dataclass(frozen=True, slots=True)
class _ParseArgs:
    """How to parse: ``labels`` (see :func:`build_into`), workers, progress, size limit, Dask scheduler."""

    labels: dict[str, str]
    jobs: int | None
    progress: Progress | None
    max_file_bytes: int
    scheduler: str | None
    base_url: str | None = None


def _parse_changed(
    scan: _Scan, how: _ParseArgs, blobs: Blobs, plain: bool, summarise: bool
) -> tuple[dict[str, FileResult], dict[str, list[Compact]]]:
    """Parse the files to parse; ``plain`` false: the workers also pickle each parse for the record log.

    ``summarise``: also give each file's records in short (for the state; a build without one needs none).
    """
    results: dict[str, FileResult] = dict(scan.failed)
    rows: dict[str, list[Compact]] = {name: [] for name in scan.failed}
    labels = [how.labels.get(name) for name, _ in scan.todo] if how.labels else None
    run = functools.partial(
        parse_sources,
        jobs=how.jobs,
        progress=how.progress,
        max_bytes=how.max_file_bytes,
        scheduler=how.scheduler,
        base_url=how.base_url,
    )
    if plain:
        parsed: list[FileResult] = run(scan.todo, labels)
        for (name, _), result in zip(scan.todo, parsed, strict=True):
            results[name] = result
            if summarise:
                rows[name] = compact(result)
    else:  # the workers also pickle each file's parse and summarise its records for the state
        kept: list[tuple[bytes, list[Compact]]] = run(scan.todo, labels, _for_state)
        for (name, _), (blob, summary) in zip(scan.todo, kept, strict=True):
            results[name] = pickle.loads(blob)
            blobs[name] = blob
            rows[name] = summary
    return results, rows


def _remember(
    scan: _Scan, results: dict[str, FileResult], rows: dict[str, list[Compact]], blobs: Blobs, names: list[str]
) -> None:
    """Put the new parses into the record log and their summaries into ``scan.fresh`` (the next state's files)."""
    for name, result in results.items():
        if name not in blobs.new:
            blobs[name] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    stats = dict(_stats(results, scan.scan_ns))
    for name, result in results.items():
        source = result.article.source if result.article is not None else None
        scan.fresh[name] = FileState(stats.get(name), result.digest, source, rows[name], list(result.diagnostics))
    blobs.keep(names)


def _save_log(store: Store, state: State, blobs: Blobs) -> None:
    """Append the new parses to the record log (or write a new one); ``state`` learns where they are."""
    try:
        store.folder.mkdir(parents=True, exist_ok=True)
        state.log_id, state.blobs = blobs.save()
    except OSError:
        state.log_id = ""  # no log: the next build is a full one
    finally:
        blobs.close()


def _save_graph(store: Store, state: State, graph: nx.MultiDiGraph, memo: bytes | None) -> None:
    """Save the merged graph of the build of ``state`` and the memo of its stories (the state itself is saved last)."""
    store.save("graph.pickle", (state.build_id, graph, memo))


def _for_state(result: FileResult) -> tuple[bytes, list[Compact]]:
    """In a worker: a file's parse pickled (for the record log), and its records in short (for the state)."""
    return pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), compact(result)


def _stats(results: dict[str, FileResult], scan_ns: int) -> Iterable[tuple[str, tuple[int, int, int, int] | None]]:
    for name in results:
        try:
            key = _stat_key(os.stat(name))
        except OSError:
            yield name, None
            continue
        yield name, _settled(key, scan_ns)


def _stat_key(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def _settled(key: tuple[int, int, int, int] | None, scan_ns: int) -> tuple[int, int, int, int] | None:
    """``key``, or None when the file changed so close to ``scan_ns`` that it may change again unseen."""
    return None if key is None or max(key[1], key[2]) >= scan_ns - _RACY_NS else key
