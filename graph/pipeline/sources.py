"""Sources: finding the news files and reading them, for every kind of build.

The full build, the rebuild and the streaming build find their files with
:func:`find_source_names` and parse them through :func:`parse_sources`, the
one read loop: in worker processes, on a Dask cluster, or here, results in
order, progress told as chunks finish. What differs between the builds is
only what a worker hands back for each parsed file (``finish``): the full
build keeps the :class:`~graph.records.FileResult`; the rebuild also wants
it pickled and summarised for its state.

>>> results = read_files(["seeds/000_21b13f3181ff2019.txt"])
>>> results[0].article.title[:7], results[0].diagnostics
('Beijing', [])
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Final, TypeVar

from ..errors import SourceError
from ..read import MAX_FILE_BYTES, digest, find_names, load_bytes, parse_bytes, read_file, relabel
from ..records import Diagnostic, FileResult
from ..staging import atomic_file
from ..workers import default_jobs
from ..workers import pool as worker_pool

__all__ = [
    "Item",
    "Progress",
    "ReadCache",
    "chunks",
    "find_source_names",
    "map_chunks",
    "parse_sources",
    "read_files",
]

#: ``progress(stage, done, total)``: called as work advances.
Progress = Callable[[str, int, int], None]

#: A file to parse: its name, and its bytes when already read (None: the worker reads the file).
Item = tuple[str, bytes | None]

#: Below this many files a process pool costs more than it saves.
_PARALLEL_MIN_FILES: Final = 400
_CHUNK: Final = 128
_T = TypeVar("_T")
_R = TypeVar("_R")


def find_source_names(sources: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[Diagnostic]]:
    """The news files of ``sources`` (:func:`~graph.read.find_names`), for every build kind.

    Raises :class:`~graph.errors.SourceError` when there is none: a SOURCE that does not exist, or
    folders and patterns without news files.

    >>> find_source_names(["seeds"])[0]
    ['seeds/000_21b13f3181ff2019.txt', 'seeds/002_c1840662fd681368.txt']
    """
    source_list = [os.fspath(s) for s in sources]
    files, problems = find_names(source_list)
    if not files:
        where = ", ".join(source_list) or "(no sources given)"
        missing = [d.path for d in problems if d.code == "source-missing"]
        if missing and len(missing) == len(source_list):
            verb = "does not exist" if len(missing) == 1 else "do not exist"
            raise SourceError(f"{where} {verb}; check the path", path=where)
        raise SourceError(f"no news files (.md, .markdown, .txt) found in {where}", path=where)
    return files, problems


# --------------------------------------------------------------------------- the read loop


def _as_is(result: FileResult) -> FileResult:
    return result


def _parse_chunk(
    chunk: Sequence[tuple[str, bytes | None, str | None]],
    max_bytes: int,
    finish: Callable[[FileResult], _R],
    base_url: str | None = None,
) -> list[_R]:
    """In a worker: read (when not yet read), parse and label each file; hand back ``finish`` of each."""
    out: list[_R] = []
    for name, data, label in chunk:
        result = read_file(name, max_bytes, base_url) if data is None else parse_bytes(data, name, base_url)
        if label is not None:
            relabel(result, label)
        out.append(finish(result))
    return out


def parse_sources(
    items: Sequence[Item],
    labels: Sequence[str | None] | None = None,
    finish: Callable[[FileResult], _R] = _as_is,  # type: ignore[assignment]
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    scheduler: str | None = None,
    done: int = 0,
    total: int | None = None,
    base_url: str | None = None,
) -> list[_R]:
    """Parse ``items`` and return ``finish(result)`` for each, in order: the one read loop.

    ``labels``: how each file is recorded when not by its name (None: by its
    name; see :func:`~graph.read.source_labels`). ``finish`` runs in the
    worker and must be a module-level function (it is pickled). Work runs
    in ``jobs`` processes (default: all CPUs), or on the Dask cluster whose
    scheduler address is ``scheduler``; the cluster is sent the bytes, so its
    workers need no access to the files. ``progress("read", n, total)`` is
    told after each chunk, counting from ``done``. ``base_url``: the site's address, against which
    site-relative URLs are resolved (:func:`~graph.read.parse_text`).

    >>> [r.article.title[:7] for r in parse_sources([("seeds/000_21b13f3181ff2019.txt", None)])]
    ['Beijing']
    """
    total = done + len(items) if total is None else total
    loaded: Sequence[tuple[str, bytes | FileResult | None]] = items
    if scheduler is not None:  # the cluster may not see our files: send it the bytes
        loaded = [(name, load_bytes(name, max_bytes) if data is None else data) for name, data in items]
    rows: list[tuple[str, bytes | None, str | None]] = []
    failed: list[_R] = []
    for i, (name, data) in enumerate(loaded):
        label = labels[i] if labels is not None else None
        if isinstance(data, FileResult):  # could not be read: nothing to parse
            if label is not None:
                relabel(data, label)
            failed.append(finish(data))
        else:
            rows.append((name, data, label))
    work = functools.partial(_parse_chunk, max_bytes=max_bytes, finish=finish, base_url=base_url)
    workers = default_jobs() if jobs is None else max(1, jobs)
    done += len(failed)
    out: list[_R] = []
    for batch in map_chunks(work, chunks(rows), workers, scheduler, parallel=len(rows) >= _PARALLEL_MIN_FILES):
        out.extend(batch)
        done += len(batch)
        if progress is not None:
            progress("read", done, total)
    return _interleave(loaded, failed, out) if failed else out


def _interleave(items: Sequence[tuple[str, bytes | FileResult | None]], failed: list[_R], parsed: list[_R]) -> list[_R]:
    """The results in the order of ``items``: those of unreadable files (``failed``) where they were."""
    f, p = iter(failed), iter(parsed)
    return [next(f) if isinstance(data, FileResult) else next(p) for _, data in items]


def chunks(items: Sequence[_T], size: int = _CHUNK) -> list[Sequence[_T]]:
    """``items`` cut into lists of ``size``.

    >>> chunks([1, 2, 3], 2)
    [[1, 2], [3]]
    """
    return [items[i : i + size] for i in range(0, len(items), size)]


def map_chunks(
    func: Callable[[_T], list[_R]], chunks: list[_T], jobs: int, scheduler: str | None = None, parallel: bool = True
) -> Iterator[list[_R]]:
    """``func`` over ``chunks``, results in order: on the Dask cluster ``scheduler``, in ``jobs`` processes, or here.

    ``func`` must be picklable (a module-level function, or a partial of
    one). The workers are those of :func:`graph.workers.pool` (they die with
    this process). On Ctrl-C or an error the queued work is dropped.
    """
    if scheduler is not None:
        yield from _map_on_dask(func, chunks, scheduler)
    elif jobs == 1 or not parallel or len(chunks) < 2:
        for chunk in chunks:
            yield func(chunk)
    else:
        pool = worker_pool(jobs)
        try:
            yield from pool.map(func, chunks)
        except BaseException:
            _drop(pool)
            raise
        pool.shutdown()


def _map_on_dask(func: Callable[[_T], list[_R]], chunks: list[_T], scheduler: str) -> Iterator[list[_R]]:
    try:
        from distributed import Client
    except ImportError as exc:
        raise SourceError("--scheduler needs Dask: pip install 'dask[distributed]'") from exc
    try:
        client = Client(scheduler, timeout=30, set_as_default=False)  # type: ignore[no-untyped-call]
    except OSError as exc:
        raise SourceError(f"cannot reach the Dask scheduler at {scheduler}: {exc}", path=scheduler) from exc
    try:
        futures = client.map(func, chunks, pure=False)
        for future in futures:  # in submission order, so the merge stays deterministic
            yield future.result()
    finally:
        client.close()  # type: ignore[no-untyped-call]


def _drop(pool: ProcessPoolExecutor) -> None:
    """On an error or Ctrl-C, drop the queued work instead of waiting for it."""
    pool.shutdown(wait=False, cancel_futures=True)


# --------------------------------------------------------------------------- the full build's reading


class ReadCache:
    """Parsed files from the last build, keyed by path and content digest.

    A file whose bytes have not changed is not parsed again. The cache is a
    pickle of :class:`~graph.records.FileResult` objects: keep it in a folder
    you trust (the build's output folder), as loading a pickle runs code.
    """

    _FORMAT: Final = "newsgraph-read-cache-1"

    def __init__(self, path: str | os.PathLike[str], base_url: str | None = None) -> None:
        self.path = Path(path)
        self.entries: dict[str, FileResult] = {}
        self.hits = 0
        #: The reader's version and how it reads (a site address resolves URLs differently).
        self.key = f"{self.version()}|{base_url or ''}"
        try:
            with self.path.open("rb") as fh:
                version, entries = pickle.load(fh)
            if version == self.key and isinstance(entries, dict):
                self.entries = entries
        except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            self.entries = {}  # no cache, an old one, or a broken one: parse everything

    @staticmethod
    @functools.cache
    def version() -> str:
        """Cache format, Python version and a digest of the reader's code: a new reader starts afresh."""
        code = hashlib.blake2b(digest_size=8)
        here = Path(__file__).parents[1]  # the graph package
        for module in [*sorted((here / "read").glob("*.py")), here / "identity.py", here / "records.py"]:
            code.update(module.read_bytes())
        return f"{ReadCache._FORMAT}/{sys.version_info[0]}.{sys.version_info[1]}/{code.hexdigest()}"

    def get(self, path: str, key: str) -> FileResult | None:
        """The cached result for ``path`` if its content digest is still ``key``."""
        hit = self.entries.get(path)
        if hit is not None and hit.digest == key:
            self.hits += 1
            return hit
        return None

    def save(self, results: Sequence[FileResult]) -> None:
        """Replace the cache with ``results`` (atomically; failures only cost the cache)."""
        entries = {r.path: r for r in results if r.digest is not None}
        with contextlib.suppress(OSError), atomic_file(self.path) as fh:  # a cache that cannot be kept costs time
            pickle.dump((self.key, entries), fh, protocol=pickle.HIGHEST_PROTOCOL)


def read_files(
    files: Sequence[str | os.PathLike[str]],
    jobs: int | None = None,
    progress: Progress | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    cache: ReadCache | None = None,
    scheduler: str | None = None,
    labels: Sequence[str] | None = None,
    base_url: str | None = None,
) -> list[FileResult]:
    """Read ``files`` and return their results in order (:func:`parse_sources`).

    With a ``cache`` (made with the same ``base_url``), files whose content is
    unchanged since the last build are not parsed again. ``labels``: how each
    file is recorded, when not by its name (see :func:`~graph.read.source_labels`).
    ``base_url``: the site's address, for site-relative URLs.
    """
    names = [os.fspath(f) for f in files]
    if cache is None:
        items: list[Item] = [(name, None) for name in names]
        return parse_sources(
            items, labels, jobs=jobs, progress=progress, max_bytes=max_bytes, scheduler=scheduler, base_url=base_url
        )
    results: list[FileResult | None] = [None] * len(names)
    todo: list[tuple[int, bytes]] = []
    for i, name in enumerate(names):
        data = load_bytes(name, max_bytes)
        if isinstance(data, FileResult):
            found = data
        elif (hit := cache.get(name, digest(data))) is not None:
            found = hit
        else:
            todo.append((i, data))
            continue
        if labels is not None:
            relabel(found, labels[i])
        results[i] = found
    done = len(names) - len(todo)
    if progress is not None:
        progress("read", done, len(names))
    parsed: list[FileResult] = parse_sources(
        [(names[i], data) for i, data in todo],
        [labels[i] for i, _ in todo] if labels is not None else None,
        jobs=jobs,
        progress=progress,
        max_bytes=max_bytes,
        scheduler=scheduler,
        done=done,
        total=len(names),
        base_url=base_url,
    )
    for (i, _), result in zip(todo, parsed, strict=True):
        results[i] = result
    final = [r for r in results if r is not None]
    cache.save(final)
    return final
