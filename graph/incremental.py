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

import contextlib
import functools
import hashlib
import importlib.metadata
import operator
import os
import pickle
import secrets
import sys
import time
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import networkx as nx

from .blocks import FileIndex, Section, copy_bytes, write_all
from .build import (
    Progress,
    assemble,
    chunks,
    default_jobs,
    find_source_names,
    map_chunks,
    read_files,
)
from .errors import OutputError
from .explorer import page_shape
from .export import Previous, Written, write_build
from .identity import ID
from .merge import identities, link_targets, rank_records, remerge, self_related
from .model import BuildReport, FileCounts, KnowledgeGraph
from .rdf import source_iri
from .read import MAX_FILE_BYTES, digest, load_bytes, parse_bytes, read_file, relabel, source_labels
from .records import ArticleRecord, Diagnostic, FileResult
from .staging import CACHE_DIR, Staging

__all__ = ["CACHE_DIR", "FileState", "State", "build_into"]

#: Above this share of changed files, a full merge is quicker than working out what changed.
FULL_MERGE_SHARE: Final = 0.2
#: A file changed this close (ns) to the time it was looked at may change again unseen: read it next time.
_RACY_NS: Final = 2_000_000_000
_PROVIDER: Final = ID + "provider/"

#: A record in short: IRI, aliases, position of the record listing it as related (-1: the file's
#: main article), named nodes and images its links point at.
Compact = tuple[str, tuple[str, ...], int, tuple[str, ...], tuple[str, ...]]


@dataclass(slots=True)
class FileState:
    """What the last build knew of one file."""

    stat: tuple[int, int, int, int] | None  # size, mtime_ns, ctime_ns, inode; None: read it next time
    digest: str | None
    source: str | None  # the path as the records name it (None: no article)
    records: list[Compact]
    diagnostics: list[Diagnostic]


@dataclass(slots=True)
class State:
    """The state of the build in an output folder (see the module documentation)."""

    version: str
    build_id: str
    order: list[str] = field(default_factory=list)
    files: dict[str, FileState] = field(default_factory=dict)
    indexes: dict[str, FileIndex] = field(default_factory=dict)
    log_id: str = ""  # the record log this state's offsets are into
    blobs: dict[str, tuple[int, int]] = field(default_factory=dict)  # file → (offset, length) in the log

    def to_plain(self) -> tuple[object, ...]:
        """The state as tuples, lists, dicts and strings (pickled ten times faster than the dataclasses)."""
        files = {
            name: (f.stat, f.digest, f.source, f.records, [_DIAG_FIELDS(d) for d in f.diagnostics])
            for name, f in self.files.items()
        }
        indexes = {
            name: (i.size, i.mtime_ns, [(c.sep, c.start, c.keys, c.lengths.tobytes()) for c in i.sections])
            for name, i in self.indexes.items()
        }
        return (self.version, self.build_id, self.order, files, indexes, self.log_id, self.blobs)

    @classmethod
    def from_plain(cls, plain: object) -> State | None:
        """The state :meth:`to_plain` gave, or None when ``plain`` is not one (of this version)."""
        if not isinstance(plain, tuple) or len(plain) != 7 or plain[0] != code_version():
            return None
        version, build_id, order, files, indexes, log_id, blobs = plain
        state = cls(version, build_id, order, log_id=log_id, blobs=blobs)
        for name, (stat, key, source, records, diags) in files.items():
            state.files[name] = FileState(stat, key, source, records, [Diagnostic(*d) for d in diags])
        for name, (size, mtime_ns, sections) in indexes.items():
            parts = []
            for sep, start, keys, lengths in sections:
                part = Section(sep, start, keys, array("q"))
                part.lengths.frombytes(lengths)
                parts.append(part)
            state.indexes[name] = FileIndex(parts, size, mtime_ns)
        return state


_DIAG_FIELDS: Final = operator.attrgetter("path", "severity", "code", "message", "line", "column", "field")


@functools.cache
def code_version() -> str:
    """A digest of the package's code and the versions of what shapes the outputs: any change starts afresh."""
    h = hashlib.blake2b(digest_size=12)
    root = Path(__file__).parent
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".html", ".ttl", ".rq", ".js"):
            h.update(path.relative_to(root).as_posix().encode())
            h.update(path.read_bytes())
    for dist in ("networkx", "pyoxigraph", "pyvis", "igraph", "PyYAML"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            h.update(f"{dist}={importlib.metadata.version(dist)}".encode())
    return f"newsgraph-state-1/{sys.version_info[0]}.{sys.version_info[1]}/{h.hexdigest()}"


def _stat_key(st: os.stat_result) -> tuple[int, int, int, int]:
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def compact(result: FileResult) -> list[Compact]:
    """The records of one file in short, in their rank order within the file."""
    if result.article is None:
        return []
    ranked = rank_records([result.article])
    position = {id(rec): i for i, rec in enumerate(ranked)}
    parent = [-1] * len(ranked)
    for i, rec in enumerate(ranked):
        for rel in rec.related:
            parent[position[id(rel)]] = i
    rows: list[Compact] = []
    intern = sys.intern  # the same topic or outlet in many files is one string: the state pickles small
    for i, rec in enumerate(ranked):
        named, images = link_targets(rec)
        rows.append(
            (
                intern(rec.iri),
                tuple(map(intern, rec.same_as)),
                parent[i],
                tuple(map(intern, named)),
                tuple(map(intern, images)),
            )
        )
    return rows


class _Blobs:
    """The pickled parse of every file: in the record log of the last build, or new.

    The log (``OUT/.cache/records.log``) starts with its id; a rebuild
    appends the parses of the files it read, and the state keeps where each
    lies, so a rebuild neither loads nor writes the parses of unchanged files.
    New parses go to a spool file at once (in ``tmp``, the build's staging
    folder), so a full build does not hold them in memory.
    """

    def __init__(self, path: Path, tmp: Path, log_id: str = "", at: dict[str, tuple[int, int]] | None = None) -> None:
        self.path = path
        self.tmp = tmp
        self.log_id = log_id
        self.at = dict(at or {})  # in the log
        self.new: dict[str, tuple[int, int]] = {}  # in the spool
        self._log: int | None = None
        self._spool: int | None = None
        self._spool_path = tmp / f"{path.stem}.spool"
        self._spooled = 0
        self.broken = False  # the spool could not be written

    @classmethod
    def open(cls, path: Path, tmp: Path, state: State) -> _Blobs | None:
        """The log of ``state``, or None when the log at ``path`` is another one (or none)."""
        try:
            with path.open("rb") as fh:
                head = fh.read(len(_log_head(state.log_id)))
        except OSError:
            return None
        return cls(path, tmp, state.log_id, state.blobs) if state.log_id and head == _log_head(state.log_id) else None

    def __contains__(self, name: str) -> bool:
        return name in self.new or name in self.at

    def __getitem__(self, name: str) -> bytes:
        if name in self.new:
            offset, length = self.new[name]
            assert self._spool is not None
            return os.pread(self._spool, length, offset)
        offset, length = self.at[name]
        if self._log is None:
            self._log = os.open(self.path, os.O_RDONLY)
        return os.pread(self._log, length, offset)

    def __setitem__(self, name: str, blob: bytes) -> None:
        self.at.pop(name, None)
        if self.broken:
            return
        try:
            if self._spool is None:
                self._spool = os.open(self._spool_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            write_all(self._spool, blob)
        except OSError:  # OUT cannot be written: the build says so when it writes; no state is kept
            self.broken = True
            return
        self.new[name] = (self._spooled, len(blob))
        self._spooled += len(blob)

    def keep(self, names: Iterable[str]) -> None:
        """Forget the files not in ``names``."""
        wanted = set(names)
        for table in (self.at, self.new):
            for name in [n for n in table if n not in wanted]:
                del table[name]

    def save(self) -> tuple[str, dict[str, tuple[int, int]]]:
        """Write the new parses (appended, or a new log when most of the old one is stale); return id and offsets.

        Raises ``OSError`` when they cannot be written (the build then keeps no state).
        """
        if self.broken:
            raise OSError("the parses could not be spooled")
        live = sum(length for _, length in (*self.at.values(), *self.new.values()))
        try:
            size = self.path.stat().st_size if self.log_id else 0
        except OSError:
            size = 0
        at: dict[str, tuple[int, int]] = {}
        if not self.log_id or size == 0 or size > 2 * live + (1 << 20):
            log_id = secrets.token_hex(8)
            tmp = self.tmp / f"{self.path.name}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                pos = write_all(fd, _log_head(log_id))
                for name in list(self.at):
                    blob = self[name]
                    at[name] = (pos, len(blob))
                    pos += write_all(fd, blob)
                pos = self._append_spool(fd, pos, at)
            finally:
                os.close(fd)
            self.close()
            os.replace(tmp, self.path)
            self.log_id = log_id
        else:
            at.update(self.at)
            fd = os.open(self.path, os.O_WRONLY)
            try:
                self._append_spool(fd, os.lseek(fd, 0, os.SEEK_END), at)
            finally:
                os.close(fd)
        self.close()
        self.at, self.new = at, {}
        return self.log_id, at

    def _append_spool(self, fd: int, pos: int, at: dict[str, tuple[int, int]]) -> int:
        """Copy the spooled parses to ``fd`` (at ``pos``), recording where each lands; return the end."""
        if self._spool is None or not self.new:
            return pos
        copy_bytes(self._spool, fd, 0, self._spooled)
        for name, (offset, length) in self.new.items():
            at[name] = (pos + offset, length)
        return pos + self._spooled

    def close(self) -> None:
        """Close the files (the spool is deleted)."""
        if self._log is not None:
            os.close(self._log)
            self._log = None
        if self._spool is not None:
            os.close(self._spool)
            self._spool = None
            with contextlib.suppress(OSError):
                self._spool_path.unlink()


def _log_head(log_id: str) -> bytes:
    return f"newsgraph-records {log_id}\n".encode("ascii")


class _Store:
    """The files of the state in ``OUT/.cache``: written atomically, read back only when whole and current.

    Each is written in ``tmp`` (the build's staging folder) and renamed into place.
    """

    def __init__(self, out: Path, tmp: Path) -> None:
        self.folder = out / CACHE_DIR
        self.tmp = tmp

    def load(self, name: str) -> object | None:
        try:
            with (self.folder / name).open("rb") as fh:
                value: object = pickle.load(fh)
                return value
        except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return None  # no state, an old one, or a broken one: build afresh

    def save(self, name: str, value: object) -> None:
        path = self.folder / name
        tmp = self.tmp / f"{name}.tmp"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tmp.open("wb") as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, path)
        except OSError:
            with contextlib.suppress(OSError):  # losing the state only costs the next build time
                tmp.unlink(missing_ok=True)

    def drop(self, *names: str) -> None:
        for name in names:
            with contextlib.suppress(OSError):
                (self.folder / name).unlink(missing_ok=True)


def _load_state(store: _Store) -> State | None:
    try:
        return State.from_plain(store.load("state.pickle"))
    except (TypeError, ValueError, AttributeError):  # a state of another shape
        return None


def build_into(
    sources: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    scheduler: str | None = None,
    cache: bool = True,
) -> tuple[KnowledgeGraph, Written]:
    """Build the graph of ``sources`` and write every output into ``out``, reusing the last build there.

    With ``cache`` false, everything is read and written afresh and no state
    is kept. Raises :class:`~graph.errors.SourceError` when ``sources`` hold
    no news file, :class:`~graph.errors.OutputError` when ``out`` cannot be
    written (the previous outputs stay whole).
    """
    started = time.perf_counter()
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
            names, labels, problems, target, staging, started, jobs, progress, max_file_bytes, scheduler, cache
        )


def _build_staged(
    names: list[str],
    labels: dict[str, str],
    problems: list[Diagnostic],
    target: Path,
    staging: Staging,
    started: float,
    jobs: int | None,
    progress: Progress | None,
    max_file_bytes: int,
    scheduler: str | None,
    cache: bool,
) -> tuple[KnowledgeGraph, Written]:
    """:func:`build_into` with the build's staging folder (every temporary file of the build goes there).

    The stages, in order: open the last build's state, scan the sources
    against it, parse what changed, merge (the changed nodes again, or
    everything), write the outputs (patched where they can be), save the state.
    """
    found = time.perf_counter()
    store = _Store(target, staging.path)
    state, graph, blobs = _open_previous(store, staging.path, cache)
    scan = _scan(names, state, blobs, scheduler, max_file_bytes)
    incremental = state is not None and graph is not None and len(scan.changed) <= FULL_MERGE_SHARE * max(len(names), 1)
    parse = _ParseArgs(labels, jobs, progress, max_file_bytes, scheduler)
    results, rows = _parse_changed(scan, parse, blobs, plain=incremental or not cache, summarise=cache)
    if cache:
        _remember(scan, results, rows, blobs, names)
    read_done = time.perf_counter()
    timings = {"find": found - started, "read": read_done - found}
    new_state = State(code_version(), secrets.token_hex(8), names, scan.fresh, {})
    previous: Previous | None = None
    if incremental:
        assert state is not None and graph is not None
        kg, keys, shapes = _remerge(state, new_state, graph, scan.changed, results, blobs, problems)
        kg.report.timings.update(timings)
        kg.report.timings["merge"] = time.perf_counter() - read_done
        previous = Previous(target, keys, dict(state.indexes), shapes=shapes)
    else:
        ordered = [results[n] if n in results else pickle.loads(blobs[n]) for n in names]
        kg = assemble(ordered, problems, timings=timings)
        del ordered
    kg.report.files.cached = len(names) - len(results)  # results: the files read this time
    del results, scan  # the graph holds what the outputs need: free the parses before writing
    store.drop("state.pickle")  # until the outputs and the state agree again
    if cache:
        _save_log(store, new_state, blobs)  # and free the new parses' pickles
    written = write_build(
        kg,
        target,
        progress=progress,
        jobs=jobs,
        previous=previous,
        layout_cache=store.folder / "layout.json" if cache else None,
        meanwhile=functools.partial(_save_graph, store, new_state, kg.graph) if cache else None,
        staging=staging,
    )
    if cache:
        new_state.indexes = dict(written.indexes)
        if new_state.log_id:
            store.save("state.pickle", new_state.to_plain())
    return kg, written


def _open_previous(store: _Store, staging: Path, cache: bool) -> tuple[State | None, nx.MultiDiGraph | None, _Blobs]:
    """The last build's state, its merged graph and its record log (None, None and an empty log: none usable)."""
    state = _load_state(store) if cache else None
    graph: nx.MultiDiGraph | None = None
    if state is not None:
        loaded = store.load("graph.pickle")
        if isinstance(loaded, tuple) and len(loaded) == 2 and loaded[0] == state.build_id:
            graph = loaded[1]
    blobs = _Blobs(store.folder / "records.log", staging)
    if state is not None:
        opened = _Blobs.open(store.folder / "records.log", staging, state)
        if opened is None:
            return None, graph, blobs
        blobs = opened
    return state, graph, blobs


@dataclass(slots=True)
class _Scan:
    """The sources against the last build: unchanged (``fresh``), to parse (``todo``), unreadable (``failed``)."""

    scan_ns: int
    fresh: dict[str, FileState] = field(default_factory=dict)
    todo: list[tuple[str, bytes | None]] = field(default_factory=list)  # bytes None: not read yet
    failed: dict[str, FileResult] = field(default_factory=dict)
    changed: set[str] = field(default_factory=set)  # parsed, failed or gone since the last build


def _scan(names: list[str], state: State | None, blobs: _Blobs, scheduler: str | None, max_file_bytes: int) -> _Scan:
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


def _parse_changed(
    scan: _Scan, how: _ParseArgs, blobs: _Blobs, plain: bool, summarise: bool
) -> tuple[dict[str, FileResult], dict[str, list[Compact]]]:
    """Parse the files to parse; ``plain`` false: the workers also pickle each parse for the record log.

    ``summarise``: also give each file's records in short (for the state; a build without one needs none).
    """
    args = (how.labels, how.jobs, how.progress, how.max_file_bytes, how.scheduler)
    results: dict[str, FileResult] = dict(scan.failed)
    rows: dict[str, list[Compact]] = {name: [] for name in scan.failed}
    if plain:
        parsed = _parse_plain(scan.todo, *args)
        for (name, _), result in zip(scan.todo, parsed, strict=True):
            results[name] = result
            if summarise:
                rows[name] = compact(result)
    else:  # the workers also pickle each file's parse and summarise its records for the state
        for (name, _), (blob, summary) in zip(scan.todo, _parse_for_state(scan.todo, *args), strict=True):
            results[name] = pickle.loads(blob)
            blobs[name] = blob
            rows[name] = summary
    return results, rows


def _remember(
    scan: _Scan, results: dict[str, FileResult], rows: dict[str, list[Compact]], blobs: _Blobs, names: list[str]
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


def _save_log(store: _Store, state: State, blobs: _Blobs) -> None:
    """Append the new parses to the record log (or write a new one); ``state`` learns where they are."""
    try:
        store.folder.mkdir(parents=True, exist_ok=True)
        state.log_id, state.blobs = blobs.save()
    except OSError:
        state.log_id = ""  # no log: the next build is a full one
    finally:
        blobs.close()


def _save_graph(store: _Store, state: State, graph: nx.MultiDiGraph) -> None:
    """Save the merged graph of the build of ``state`` (the state itself is saved last)."""
    store.save("graph.pickle", (state.build_id, graph))


def _parse_plain(
    todo: Sequence[tuple[str, bytes | None]],
    labels: dict[str, str],
    jobs: int | None,
    progress: Progress | None,
    max_bytes: int,
    scheduler: str | None,
) -> list[FileResult]:
    """Parse ``todo`` (bytes already read, or None to read the file), in order; ``labels`` as :func:`build_into`'s."""
    names = [name for name, _ in todo]
    if scheduler is not None or all(data is None for _, data in todo):
        out = read_files(names, jobs=jobs, progress=progress, max_bytes=max_bytes, scheduler=scheduler)
    else:
        items = [(name, data if data is not None else load_bytes(name, max_bytes)) for name, data in todo]
        out = [data if isinstance(data, FileResult) else parse_bytes(data, name) for name, data in items]
        if progress is not None:
            progress("read", len(out), len(out))
    for name, result in zip(names, out, strict=True):
        if name in labels:
            relabel(result, labels[name])
    return out


def _state_chunk(items: Sequence[tuple[str, bytes | None, int, str | None]]) -> list[tuple[bytes, list[Compact]]]:
    """In a worker: read and parse files; return each parse pickled, and its records in short."""
    out: list[tuple[bytes, list[Compact]]] = []
    for name, data, max_bytes, label in items:
        result = read_file(name, max_bytes) if data is None else parse_bytes(data, name)
        if label is not None:
            relabel(result, label)
        out.append((pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL), compact(result)))
    return out


def _parse_for_state(
    todo: Sequence[tuple[str, bytes | None]],
    labels: dict[str, str],
    jobs: int | None,
    progress: Progress | None,
    max_bytes: int,
    scheduler: str | None,
) -> Iterable[tuple[bytes, list[Compact]]]:
    """:func:`_state_chunk` over ``todo`` in ``jobs`` processes (or on the Dask cluster), in order."""
    batches = chunks([(name, data, max_bytes, labels.get(name)) for name, data in todo])
    done = 0
    workers = default_jobs() if jobs is None else max(1, jobs)
    for batch in map_chunks(_state_chunk, batches, workers, scheduler, parallel=len(todo) >= 400):
        yield from batch
        done += len(batch)
        if progress is not None:
            progress("read", done, len(todo))


def _stats(results: dict[str, FileResult], scan_ns: int) -> Iterable[tuple[str, tuple[int, int, int, int] | None]]:
    for name in results:
        try:
            key = _stat_key(os.stat(name))
        except OSError:
            yield name, None
            continue
        yield name, _settled(key, scan_ns)


def _settled(key: tuple[int, int, int, int] | None, scan_ns: int) -> tuple[int, int, int, int] | None:
    """``key``, or None when the file changed so close to ``scan_ns`` that it may change again unseen."""
    return None if key is None or max(key[1], key[2]) >= scan_ns - _RACY_NS else key


_Ranked = list[tuple[tuple[int, int, int], str, int, Compact]]


def _ranked(state: State) -> _Ranked:
    """Every record of ``state`` with its rank key, in rank order: main articles by file, then the rest."""
    rows: list[tuple[tuple[int, int, int], str, int, Compact]] = []
    for f, name in enumerate(state.order):
        for pos, rec in enumerate(state.files[name].records):
            rows.append(((0 if pos == 0 else 1, f, pos), name, pos, rec))
    rows.sort(key=lambda row: row[0])
    return rows


def _remerge(
    old: State,
    new: State,
    graph: nx.MultiDiGraph,
    changed: set[str],
    results: dict[str, FileResult],
    blobs: _Blobs,
    problems: Sequence[Diagnostic],
) -> tuple[KnowledgeGraph, set[str], dict[str, tuple[Any, ...] | None]]:
    """Bring ``graph`` (the last build's) up to date with ``new``; return it, the keys whose blocks changed,
    and the :func:`~graph.explorer.page_shape` of each changed node before the change."""
    old_ranked, new_ranked = _ranked(old), _ranked(new)
    old_of = identities([(rec[0], rec[1]) for *_, rec in old_ranked])
    new_of = identities([(rec[0], rec[1]) for *_, rec in new_ranked])
    dirty = _dirty(changed, (old, old_ranked, old_of), (new, new_ranked, new_of))
    article_records, link_records = _records_to_merge(dirty, new_ranked, new_of, results, blobs)
    shapes = {node: page_shape(graph, node) for node in dirty}  # before the merge changes them
    remerge(graph, dirty, article_records, link_records, new_of)
    report = _report(new, new_ranked, new_of, problems)
    report.count(graph)
    keys = set(dirty)
    for state in (old, new):
        for name in changed:
            entry = state.files.get(name)
            if entry is not None and entry.source is not None:
                keys.add(source_iri(entry.source))
    return KnowledgeGraph(graph, report), keys, shapes


def _dirty(changed: set[str], *builds: tuple[State, _Ranked, dict[str, str]]) -> set[str]:
    """The nodes the ``changed`` files touch in either build (``(state, ranked, node_of)``, old and new)."""
    (_, _, old_of), (_, _, new_of) = builds
    moved = {iri for iri in old_of.keys() | new_of.keys() if old_of.get(iri) != new_of.get(iri)}
    dirty: set[str] = set()
    for state, _, node_of in builds:
        for name in changed:
            entry = state.files.get(name)
            for iri, _, _, named, images in entry.records if entry is not None else ():
                dirty.add(node_of[iri])
                dirty.update(named)
                dirty.update(images)
    for iri in moved:
        for node_of in (old_of, new_of):
            if iri in node_of:
                dirty.add(node_of[iri])
    if moved:  # a related link whose target moved belongs to the article listing it
        for state, ranked, node_of in builds:
            for _, name, _, rec in ranked:
                if rec[0] in moved and rec[2] >= 0:
                    dirty.add(node_of[state.files[name].records[rec[2]][0]])
    return dirty


def _records_to_merge(
    dirty: set[str],
    new_ranked: _Ranked,
    new_of: dict[str, str],
    results: dict[str, FileResult],
    blobs: _Blobs,
) -> tuple[list[ArticleRecord], list[ArticleRecord]]:
    """The records that make the ``dirty`` nodes, in rank order: the articles', and those linking to the rest."""
    articles = set(new_of.values()) & dirty
    article_refs: list[tuple[str, int]] = []
    link_refs: dict[str, list[tuple[str, int]]] = {}
    as_image: set[str] = set()
    for _, name, pos, (iri, _, _, named, images) in new_ranked:
        if new_of[iri] in articles:
            article_refs.append((name, pos))
        for target in (*named, *images):
            if target in dirty and target not in articles:
                link_refs.setdefault(target, []).append((name, pos))
        as_image.update(t for t in images if t in dirty)
    wanted = set(article_refs)
    for target, refs in link_refs.items():
        # Only the first record makes a named node; outlets (their logos and owners) and images take from all.
        wanted.update(refs if target in as_image or target.startswith(_PROVIDER) else refs[:1])
    cache: dict[str, list[ArticleRecord]] = {}

    def record(name: str, pos: int) -> ArticleRecord:
        recs = cache.get(name)
        if recs is None:
            result = results.get(name)
            if result is None:
                result = pickle.loads(blobs[name])
            assert result.article is not None
            recs = cache[name] = rank_records([result.article])
        return recs[pos]

    rank = {(name, pos): key for key, name, pos, _ in new_ranked}
    article_records = [record(*ref) for ref in sorted(article_refs, key=rank.__getitem__)]
    link_records = [record(*ref) for ref in sorted(wanted, key=rank.__getitem__)]
    return article_records, link_records


def _report(new: State, new_ranked: _Ranked, new_of: dict[str, str], problems: Sequence[Diagnostic]) -> BuildReport:
    """The build's report from the new state: file counts, every file's diagnostics, self-related notes."""
    report = BuildReport(files=FileCounts(seen=len(new.order)))
    report.diagnostics.extend(problems)
    notes: list[Diagnostic] = []
    children: dict[tuple[str, int], list[int]] = {}
    for name in new.order:
        entry = new.files[name]
        report.diagnostics.extend(entry.diagnostics)
        if entry.records:
            report.files.built += 1
        else:
            report.files.failed += 1
        for pos, rec in enumerate(entry.records):
            if rec[2] >= 0:
                children.setdefault((name, rec[2]), []).append(pos)
    for _, name, pos, rec in new_ranked:
        entry = new.files[name]
        for child in children.get((name, pos), ()):
            node = new_of[rec[0]]
            if new_of[entry.records[child][0]] == node:
                assert entry.source is not None
                notes.append(self_related(entry.source, node))
    report.diagnostics.extend(notes)
    return report
