"""Building: files → records → one merged graph, with a report.

>>> kg = build(["seeds"])
>>> kg.report.files.seen, kg.report.files.built, kg.report.nodes["article"]
(2, 2, 5)
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor

from .errors import SourceError
from .merge import merge
from .model import BuildReport, FileCounts, KnowledgeGraph
from .read import MAX_FILE_BYTES, find_files, read_file
from .records import ArticleRecord, Diagnostic, FileResult

__all__ = ["Progress", "assemble", "build", "default_jobs", "read_files"]

#: ``progress(stage, done, total)``: called as work advances.
Progress = Callable[[str, int, int], None]

#: Below this many files a process pool costs more than it saves.
_PARALLEL_MIN_FILES = 400
_CHUNK = 128


def default_jobs() -> int:
    """The number of CPUs this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def _read_chunk(paths: Sequence[str], max_bytes: int) -> list[FileResult]:
    return [read_file(p, max_bytes) for p in paths]


def read_files(
    files: Sequence[str | os.PathLike[str]],
    jobs: int | None = None,
    progress: Progress | None = None,
    max_bytes: int = MAX_FILE_BYTES,
) -> list[FileResult]:
    """Read ``files`` (in parallel with ``jobs`` processes) and return results in order."""
    names = [os.fspath(f) for f in files]
    jobs = default_jobs() if jobs is None else max(1, jobs)
    total = len(names)
    results: list[FileResult] = []
    if jobs == 1 or total < _PARALLEL_MIN_FILES:
        for i, name in enumerate(names):
            results.append(read_file(name, max_bytes))
            if progress is not None and (i % _CHUNK == 0 or i == total - 1):
                progress("read", i + 1, total)
        return results
    chunks = [names[i : i + _CHUNK] for i in range(0, total, _CHUNK)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        for chunk in pool.map(_read_chunk, chunks, [max_bytes] * len(chunks)):
            results.extend(chunk)
            if progress is not None:
                progress("read", len(results), total)
    return results


def build(
    sources: Iterable[str | os.PathLike[str]],
    *,
    jobs: int | None = None,
    progress: Progress | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
) -> KnowledgeGraph:
    """Read every news file under ``sources`` and merge them into one graph.

    Raises :class:`~graph.errors.SourceError` when ``sources`` hold no news
    file at all; anything wrong inside a file is a diagnostic in the report.
    """
    started = time.perf_counter()
    source_list = [os.fspath(s) for s in sources]
    files, problems = find_files(source_list)
    if not files:
        where = ", ".join(source_list) or "(no sources given)"
        raise SourceError(f"no news files (.md, .markdown, .txt) found in {where}", path=where)
    found = time.perf_counter()
    results = read_files(files, jobs=jobs, progress=progress, max_bytes=max_file_bytes)
    read_done = time.perf_counter()
    return assemble(results, problems, timings={"find": found - started, "read": read_done - found})


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
        report.diagnostics.extend(result.diagnostics)
        if result.article is None:
            report.files.failed += 1
        else:
            report.files.built += 1
            articles.append(result.article)
    graph = merge(articles, report.diagnostics)
    report.count(graph)
    report.timings.update(timings or {})
    report.timings["merge"] = time.perf_counter() - started
    return KnowledgeGraph(graph, report)
