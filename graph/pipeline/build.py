"""Building: files → records → one merged graph, with a report.

>>> kg = build(["seeds"])
>>> kg.report.files.seen, kg.report.files.built, kg.report.nodes["article"]
(2, 2, 5)
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
import pickle
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Final, TypeVar

from ..errors import SourceError
from ..merge import merge
from ..model import BuildReport, FileCounts, KnowledgeGraph
from ..read import MAX_FILE_BYTES, digest, find_names, load_bytes, parse_bytes, read_file, relabel, source_labels
from ..records import ArticleRecord, Diagnostic, FileResult
from ..staging import atomic_file
from ..workers import default_jobs
from ..workers import pool as worker_pool

__all__ = ["Progress", "ReadCache", "assemble", "build", "chunks", "map_chunks", "read_files"]

#: ``progress(stage, done, total)``: called as work advances.
Progress = Callable[[str, int, int], None]

#: Below this many files a process pool costs more than it saves.
_PARALLEL_MIN_FILES = 400
_CHUNK = 128
_T = TypeVar("_T")
_R = TypeVar("_R")


def _read_chunk(paths: Sequence[str], max_bytes: int) -> list[FileResult]:
    return [read_file(p, max_bytes) for p in paths]


def _parse_chunk(items: Sequence[tuple[str, bytes]]) -> list[FileResult]:
    return [parse_bytes(data, path) for path, data in items]


class ReadCache:
    """Parsed files from the last build, keyed by path and content digest.

    A file whose bytes have not changed is not parsed again. The cache is a
    pickle of :class:`~graph.records.FileResult` objects: keep it in a folder
    you trust (the build's output folder), as loading a pickle runs code.
    """

    _FORMAT: Final = "newsgraph-read-cache-1"

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.entries: dict[str, FileResult] = {}
        self.hits = 0
        try:
            with self.path.open("rb") as fh:
                version, entries = pickle.load(fh)
            if version == self.version() and isinstance(entries, dict):
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
            pickle.dump((self.version(), entries), fh, protocol=pickle.HIGHEST_PROTOCOL)


def chunks(items: Sequence[_T], size: int = _CHUNK) -> list[Sequence[_T]]:
    """``items`` cut into lists of ``size``.

    >>> chunks([1, 2, 3], 2)
    [[1, 2], [3]]
    """
    return [items[i : i + size] for i in range(0, len(items), size)]


def read_files(
    files: Sequence[str | os.PathLike[str]],
    jobs: int | None = None,
    progress: Progress | None = None,
    max_bytes: int = MAX_FILE_BYTES,
    cache: ReadCache | None = None,
    scheduler: str | None = None,
    labels: Sequence[str] | None = None,
) -> list[FileResult]:
    """Read ``files`` and return their results in order.

    Parsing runs in ``jobs`` processes (default: all CPUs), or on the Dask
    cluster whose scheduler address is ``scheduler`` (the bytes are sent, so
    workers need no access to the files). With a ``cache``, files whose
    content is unchanged since the last build are not parsed again.
    ``labels``: how each file is recorded, when not by its name (see
    :func:`~graph.read.source_labels`).
    """
    results = _read_files([os.fspath(f) for f in files], jobs, progress, max_bytes, cache, scheduler)
    if labels is not None:
        for result, label in zip(results, labels, strict=True):
            relabel(result, label)
    return results


def _read_files(
    names: list[str],
    jobs: int | None,
    progress: Progress | None,
    max_bytes: int,
    cache: ReadCache | None,
    scheduler: str | None,
) -> list[FileResult]:
    jobs = default_jobs() if jobs is None else max(1, jobs)
    total = len(names)
    if cache is None and scheduler is None:
        return _read_local(names, jobs, progress, max_bytes)
    results: list[FileResult | None] = [None] * total
    todo: list[tuple[int, str, bytes]] = []
    for i, name in enumerate(names):
        data = load_bytes(name, max_bytes)
        if isinstance(data, FileResult):
            results[i] = data
            continue
        hit = cache.get(name, digest(data)) if cache is not None else None
        if hit is not None:
            results[i] = hit
        else:
            todo.append((i, name, data))
    done = total - len(todo)
    if progress is not None:
        progress("read", done, total)
    batches = chunks([(name, data) for _, name, data in todo], _CHUNK)
    for offset, parsed in zip(
        range(0, len(todo), _CHUNK), _parse_batches(batches, jobs, scheduler, len(todo)), strict=True
    ):
        for (i, _, _), result in zip(todo[offset : offset + _CHUNK], parsed, strict=True):
            results[i] = result
        done += len(parsed)
        if progress is not None:
            progress("read", done, total)
    final = [r for r in results if r is not None]
    if cache is not None:
        cache.save(final)
    return final


def _parse_batches(
    batches: list[Sequence[tuple[str, bytes]]], jobs: int, scheduler: str | None, count: int
) -> Iterator[list[FileResult]]:
    """Parse batches in order: on a Dask cluster, in a process pool, or here."""
    return map_chunks(_parse_chunk, batches, jobs, scheduler, parallel=count >= _PARALLEL_MIN_FILES)


def map_chunks(
    func: Callable[[_T], list[_R]], chunks: list[_T], jobs: int, scheduler: str | None = None, parallel: bool = True
) -> Iterator[list[_R]]:
    """``func`` over ``chunks``, results in order: on the Dask cluster ``scheduler``, in ``jobs`` processes, or here.

    ``func`` must be a module-level function (it is pickled). The workers
    are those of :func:`graph.workers.pool` (they die with this process). On
    Ctrl-C or an error the queued work is dropped.
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


def _read_local(names: list[str], jobs: int, progress: Progress | None, max_bytes: int) -> list[FileResult]:
    total = len(names)
    results: list[FileResult] = []
    if jobs == 1 or total < _PARALLEL_MIN_FILES:
        for i, name in enumerate(names):
            results.append(read_file(name, max_bytes))
            if progress is not None and (i % _CHUNK == 0 or i == total - 1):
                progress("read", i + 1, total)
        return results
    parts = chunks(names, _CHUNK)
    pool = worker_pool(jobs)
    try:
        for chunk in pool.map(_read_chunk, parts, [max_bytes] * len(parts)):
            results.extend(chunk)
            if progress is not None:
                progress("read", len(results), total)
    except BaseException:
        _drop(pool)
        raise
    pool.shutdown()
    return results


def _drop(pool: ProcessPoolExecutor) -> None:
    """On an error or Ctrl-C, drop the queued work instead of waiting for it."""
    pool.shutdown(wait=False, cancel_futures=True)


def find_source_names(sources: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[Diagnostic]]:
    """The news files of ``sources`` (:func:`~graph.read.find_names`), for every build kind.

    Raises :class:`~graph.errors.SourceError` when there is none: a SOURCE that does not exist, or
    folders and patterns without news files.
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


def build(
    sources: Iterable[str | os.PathLike[str]],
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    cache: str | os.PathLike[str] | None = None,
    scheduler: str | None = None,
) -> KnowledgeGraph:
    """Read every news file under ``sources`` and merge them into one graph.

    ``cache`` is a file where parsed files are kept between builds (files
    whose bytes are unchanged are not parsed again); ``scheduler`` the address
    of a Dask scheduler (``tcp://host:8786``) to parse on a cluster. The result
    is the same whichever way the files were read. Raises
    :class:`~graph.errors.SourceError` when ``sources`` hold no news file at
    all; anything wrong inside a file is a diagnostic in the report.
    """
    started = time.perf_counter()
    sources = list(sources)
    files, problems = find_source_names(sources)
    found = time.perf_counter()
    read_cache = ReadCache(cache) if cache is not None else None
    results = read_files(
        files,
        jobs=jobs,
        progress=progress,
        max_bytes=max_file_bytes,
        cache=read_cache,
        scheduler=scheduler,
        labels=source_labels(sources, files),
    )
    read_done = time.perf_counter()
    kg = assemble(results, problems, timings={"find": found - started, "read": read_done - found})
    if read_cache is not None:
        kg.report.files.cached = read_cache.hits
    return kg


def assemble(
    results: Sequence[FileResult],
    problems: Sequence[Diagnostic] = (),
    timings: dict[str, float] | None = None,
) -> KnowledgeGraph:
    """Merge read results (in path order) into a :class:`KnowledgeGraph` with its report."""
    started = time.perf_counter()
    report = BuildReport(files=FileCounts(seen=len(results)))
    report.diagnostics.extend(problems)
    articles: list[ArticleRecord] = []
    for result in results:
        report.add_file(result.article is not None, result.diagnostics)
        if result.article is not None:
            articles.append(result.article)
    graph = merge(articles, report.diagnostics)
    report.count(graph)
    report.timings.update(timings or {})
    report.timings["merge"] = time.perf_counter() - started
    return KnowledgeGraph(graph, report)
