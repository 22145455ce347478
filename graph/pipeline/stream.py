"""Streaming build: corpora too large for one in-memory graph (a million items and up).

:func:`stream_build` writes ``graph.nt``, ``store/`` (the Oxigraph SPARQL
store) and ``report.json`` without ever holding the whole networkx graph.
The explorer page, GraphML, node-link JSON, Turtle and JSON-LD need the whole
graph and are not written (stale copies of them in OUT are removed, so OUT
never mixes two builds).

How it works, in two passes over partitions of ``partition_size`` files:

1. *Index.* Each partition is read in parallel (:func:`graph.pipeline.sources.read_files`)
   and spilled to disk (pickled records, about the size of the corpus,
   deleted at the end). From every record (main article and ``related`` stub)
   only identity keys and ranks are kept: per article IRI its rank and which
   single-valued fields it has (a packed integer, a short list when several
   records matter), per alias its owner, per image its rank and fields, per
   shared node (outlet, website, topic, tag, person, organization) the rank
   of its first mention. That is a few hundred bytes per distinct IRI, never
   a record's text. Aliases are then resolved exactly as
   :mod:`graph.merge` does (an alias of exactly one better-ranked article
   joins it).
2. *Emit.* Each spilled partition (in parallel: forked workers share the
   index) is merged on its own by
   :func:`graph.merge.merge` (records first renamed to their global node IRI)
   and turned into triples by :func:`graph.rdf.rdf_triples`, so the mapping is
   the one of the normal build. A single-valued property (headline, dates,
   publisher, labels, image sizes, ...) is kept only in the partition that
   holds its global winner under the merge precedence (a full article beats
   a stub, then path order, then order in the file): partitions are
   contiguous runs of files, so the local winner in that partition is the
   global one. Multi-valued properties (sources, ``sameAs``, topics, tags,
   images, authors, related links) are unions, so every partition adds its
   own. Each partition's sorted lines go to a partition file.

Then the partition files are merged (k-way, duplicates dropped) into one
sorted ``graph.nt``, followed by the derived counts of :mod:`graph.rdf.summary`
made from the merged lines as they are written (tallied in a child process the merge feeds
through a pipe, so their memory is given back before the store is loaded), which is bulk-loaded
into ``store/`` in chunks (one call on the whole file would let Oxigraph's loader grow to gigabytes).
Node and edge counts for ``report.json`` are taken from that stream.

The result is the normal build's ``graph.nt`` as a set of lines (line order
differs: here lines are sorted as text, the counts last; the normal build sorts by triple).
One exception: the ``ng:extra`` JSON of an article (unknown front matter
fields) is the merge of the records *in the partition of the best record
that has any*; the normal build merges the keys of all records. Diagnostics
are the same; a partition's ``self-related`` notes follow its files'
diagnostics instead of coming last.

Memory: per worker one partition of records and its graph; the index (a
few hundred bytes per distinct article, alias and image IRI); while the
merge runs, the counting process's tallies; the store loader's chunk.
Disk: the spill (about the corpus size) and the partition files, under
OUT, while it runs (in the build's staging folder, :mod:`graph.staging`: a
killed build's are removed by the next build into OUT).

>>> import tempfile
>>> out = tempfile.mkdtemp()
>>> r = stream_build(["seeds"], out, partition_size=1)
>>> r.report.files.built, r.report.nodes["article"], r.partitions
(2, 5, 2)
>>> sorted(p.name for p in Path(out).iterdir())
['graph.nt', 'report.json', 'store']
"""

from __future__ import annotations

import contextlib
import heapq
import itertools
import json
import multiprocessing
import os
import pickle
import shutil
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Final

import networkx as nx
import pyoxigraph as ox

from ..errors import OptionError, OutputError
from ..merge import merge
from ..model import KINDS, RELATIONS, BuildReport, FileCounts
from ..rdf import CLASSES, PREDICATES, RDF_NS, SKOS, TAGS, TOPICS, check_iris, nt_block, ntriples_text, rdf_triples
from ..rdf.summary import LineSummary
from ..read import MAX_FILE_BYTES, check_base_url, source_labels
from ..records import ArticleRecord, Diagnostic, FileResult
from ..staging import Staging, publish
from ..workers import can_fork, default_jobs, worker_init
from .sources import Progress, find_source_names, read_files
from .stream_index import (
    _ARTICLE_BITS,
    _ARTICLE_FIELDS,
    _IMAGE_BITS,
    _IMAGE_FIELDS,
    _PUBLISHER_BIT,
    _TITLE_BIT,
    Index,
    _as_list,
)

__all__ = ["DEFAULT_PARTITION_SIZE", "STREAM_OUTPUTS", "StreamReport", "stream_build"]

#: Files per partition: bounds the records and the graph held at once.
DEFAULT_PARTITION_SIZE: Final = 10_000
#: What a streaming build writes into OUT.
STREAM_OUTPUTS: Final = ("graph.nt", "store", "report.json")
#: Outputs of a normal build that a streaming build removes from OUT (they would be stale).
_STALE: Final = ("graph.ttl", "graph.jsonld", "graph.json", "graph.graphml", "graph.html", "graph.nq")
#: Partition files merged at once (open files).
_FAN_IN: Final = 200
#: N-Triples lines per bulk-load call (about 600 MB peak at 500,000, measured).
_LOAD_LINES: Final = 500_000


@dataclass(slots=True)
class StreamReport:
    """What :func:`stream_build` did: the build report and the streaming figures."""

    report: BuildReport
    partitions: int
    partition_size: int
    triples: int
    outputs: dict[str, Path] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """The ``report.json`` form: :meth:`BuildReport.to_dict` plus a ``stream`` section."""
        data = self.report.to_dict()
        data["stream"] = {
            "partitions": self.partitions,
            "partition_size": self.partition_size,
            "triples": self.triples,
            "outputs": list(STREAM_OUTPUTS),
        }
        return data


# --------------------------------------------------------------------------- one partition (pass 2)


def _walk(articles: Iterable[ArticleRecord]) -> Iterator[ArticleRecord]:
    stack = list(articles)
    while stack:
        rec = stack.pop()
        yield rec
        stack.extend(rec.related)


def _partition_graph(
    index: Index, part: int, articles: list[ArticleRecord], diags: list[Diagnostic]
) -> nx.MultiDiGraph:
    """The graph of one partition, holding only what this partition owns of each node."""
    protected: dict[str, list[str]] = {}
    node_of = index.node_of
    for rec in _walk(articles):
        node = node_of.get(rec.iri, rec.iri)
        aliases = [rec.iri] if rec.iri != node else []
        for alias in rec.same_as:
            if alias != node and index.is_node(alias):
                protected.setdefault(node, []).append(alias)  # kept out of merge's alias rule
            else:
                aliases.append(alias)
        rec.iri = node
        rec.same_as = aliases
    g = merge(articles, diags, full=_Full(index))
    drop_edges: list[tuple[str, str, str]] = []
    for node, data in g.nodes(data=True):
        kind = data["kind"]
        if kind == "image":
            if index.is_node(node):  # the URL is an article elsewhere in the corpus: it stays one
                data.clear()
                data["kind"] = index.kinds.get(node, "article")
                continue
            entries = index.images[node]
            for bit, attr in enumerate(_IMAGE_FIELDS):
                if index.winner(entries, bit, _IMAGE_BITS) != part:
                    data.pop(attr, None)
            if index.owner(entries, _IMAGE_BITS) != part:
                data.pop("label", None)
                data.pop("url", None)
        elif kind == "article" or index.is_node(node):
            # an article, or an item of the site (a profile's person may be an author here): the kind
            # and fields of its best records, wherever they are
            data["kind"] = index.kinds.get(node, "article")
            data.pop("name", None)
            _own_article(index, part, node, data, protected.get(node, ()))
            if index.winner(index.articles[node], _PUBLISHER_BIT, _ARTICLE_BITS) != part:
                drop_edges.extend(
                    (node, v, rel)
                    for v in g.successors(node)
                    for rel in _PROVIDER_RELATIONS
                    if g.has_edge(node, v, rel)
                )
        elif index.partition_of(index.shared[node]) != part:
            for key in [k for k in data if k != "kind"]:
                del data[key]
    g.remove_edges_from(drop_edges)
    return g


#: The relations of a node to its outlet (one per node: the best record's).
_PROVIDER_RELATIONS: Final = ("published_by", "provided_by", "organizer")


class _Full:
    """The nodes some main record makes, in the whole corpus (for :func:`graph.merge.merge`)."""

    def __init__(self, index: Index) -> None:
        self.index = index

    def __contains__(self, node: object) -> bool:
        return isinstance(node, str) and self.index.is_full(node)


def _own_article(index: Index, part: int, node: str, data: dict[str, Any], protected: Iterable[str]) -> None:
    entries = index.articles[node]
    for bit, (_, key) in enumerate(_ARTICLE_FIELDS[:_PUBLISHER_BIT]):
        if index.winner(entries, bit, _ARTICLE_BITS) != part:
            data.pop(key, None)
    owner = index.owner(entries, _ARTICLE_BITS)
    title_at = index.winner(entries, _TITLE_BIT, _ARTICLE_BITS)
    if title_at == part:
        data["label"] = data["title"]
    elif title_at is None and owner == part:
        data["label"] = node
    else:
        data.pop("label", None)
    if owner == part:
        data["stub"] = _as_list(entries)[0] >> _ARTICLE_BITS >= index.n_files
    else:
        data.pop("url", None)
        data.pop("stub", None)
    for alias in protected:
        if alias not in data["same_as"]:
            data["same_as"].append(alias)


_SHARED: list[Index] = []  # the index, for forked pass-2 workers


def _emit_shared(work: Path, part: int) -> list[Diagnostic]:
    return _emit(_SHARED[0], work, part)


def _emit(index: Index, work: Path, part: int) -> list[Diagnostic]:
    """Write the sorted N-Triples of partition ``part``; return its diagnostics (files', then merge's)."""
    spill = work / f"part-{part}.pickle"
    with spill.open("rb") as fh:
        results: list[FileResult] = pickle.load(fh)
    spill.unlink()
    diags: list[Diagnostic] = []
    articles = []
    for result in results:
        diags.extend(result.diagnostics)
        if result.article is not None:
            articles.append(result.article)
    del results
    g = _partition_graph(index, part, articles, diags)
    del articles
    triples = rdf_triples(g, summary=False)  # the counts are made once, from the merged lines
    del g
    try:
        check_iris(triples)
    except ValueError as exc:
        raise OutputError(f"the graph cannot be turned into RDF: {exc}") from exc
    lines = ntriples_text(triples).split("\n")  # not splitlines(): U+2028 and the like stay in literals
    del triples
    lines.pop()
    lines.sort()
    with (work / f"part-{part}.nt").open("w", encoding="utf-8", newline="\n") as fh:
        for line in lines:
            fh.write(line + "\n")
    return diags


# --------------------------------------------------------------------------- merging partition files


_TYPE: Final = f"<{RDF_NS}type>"
_IN_SCHEME: Final = f"<{SKOS}inScheme>"


class _Counts:
    """Node and edge counts read off the sorted, de-duplicated N-Triples lines."""

    def __init__(self) -> None:
        self.kind_of_object = {f"<{cls}> .\n": kind for kind, cls in CLASSES.items() if kind not in ("topic", "tag")}
        self.scheme_kind = {f"<{TOPICS}> .\n": "topic", f"<{TAGS}> .\n": "tag"}
        self.relation_of = {f"<{p}>": r for r, p in PREDICATES.items()}
        self.nodes: Counter[str] = Counter()
        self.edges: Counter[str] = Counter()
        self.triples = 0
        #: Where the lines also go to be tallied for the derived counts: a pipe to the counting process
        #: (:class:`_Tallier`), or, where this process cannot fork, a tally here.
        self.sink: IO[str] | None = None
        self.summary: LineSummary | None = None

    def add(self, line: str) -> None:
        self.triples += 1
        s, p, rest = line.split(" ", 2)
        if self.sink is not None:
            try:
                self.sink.write(line)
            except BrokenPipeError:  # the counting process ended early: _Tallier.finish says why
                sink, self.sink = self.sink, None
                with contextlib.suppress(OSError):
                    sink.close()
        elif self.summary is not None:
            self.summary.add(s, p, rest)
        if p == _TYPE:
            kind = self.kind_of_object.get(rest)
            if kind is not None:
                self.nodes[kind] += 1
        elif p == _IN_SCHEME:
            kind = self.scheme_kind.get(rest)
            if kind is not None:
                self.nodes[kind] += 1
        else:
            relation = self.relation_of.get(p)
            if relation is not None:
                self.edges[relation] += 1


def _merge_files(paths: list[Path], out: IO[str], counts: _Counts | None) -> None:
    files = [p.open(encoding="utf-8", newline="\n") for p in paths]
    try:
        last = None
        for line in heapq.merge(*files):
            if line != last:
                out.write(line)
                if counts is not None:
                    counts.add(line)
                last = line
    finally:
        for f in files:
            f.close()


def _merge_all(paths: list[Path], target: Path, work: Path, counts: _Counts) -> None:
    """Merge sorted partition files into ``target``, sorted and without duplicates."""
    round_no = 0
    while len(paths) > _FAN_IN:
        merged: list[Path] = []
        for i in range(0, len(paths), _FAN_IN):
            group = paths[i : i + _FAN_IN]
            dest = work / f"merge-{round_no}-{i // _FAN_IN}.nt"
            with dest.open("w", encoding="utf-8", newline="\n") as fh:
                _merge_files(group, fh, None)
            for p in group:
                p.unlink()
            merged.append(dest)
        paths = merged
        round_no += 1
    with target.open("w", encoding="utf-8", newline="\n") as fh, _Tallier(work / "counts.nt", counts) as tallier:
        _merge_files(paths, fh, counts)
        # The derived counts, made from the lines just merged, come last (graph.rdf.summary).
        made = tallier.finish()
        with made.open(encoding="utf-8", newline="\n") as lines:
            for text in lines:
                fh.write(text)
                counts.triples += 1


class _Tallier:
    """Makes the derived counts of the merged lines into ``out`` (N-Triples, in subject order).

    Where this process can fork, a child process tallies them, fed the lines through a pipe as the
    merge writes them: it runs beside the merge (two cores), and the memory of its tallies (about a
    gigabyte at a million articles) goes back to the system when it ends, before the store is
    loaded, instead of staying in this process's heap. Elsewhere they are tallied here.
    """

    def __init__(self, out: Path, counts: _Counts) -> None:
        self.out, self.counts = out, counts
        self.child: multiprocessing.process.BaseProcess | None = None

    def __enter__(self) -> _Tallier:
        if can_fork():
            read_end, write_end = os.pipe()
            self.child = multiprocessing.get_context("fork").Process(
                target=_tally_lines, args=(read_end, write_end, str(self.out)), name="newsgraph-counts", daemon=True
            )
            self.child.start()
            os.close(read_end)
            self.counts.sink = open(write_end, "w", encoding="utf-8", newline="\n", buffering=1 << 20)
        else:
            self.counts.summary = LineSummary()
        return self

    def finish(self) -> Path:
        """Wait for the counts and return the file that holds them."""
        if self.counts.sink is not None:
            with contextlib.suppress(BrokenPipeError):
                self.counts.sink.close()
            self.counts.sink = None
        if self.child is not None:
            self.child.join()
            if self.child.exitcode != 0:
                raise OutputError(
                    f"the derived counts could not be made (their process ended with {self.child.exitcode}); "
                    "see the error above",
                    path=str(self.out),
                )
        else:
            assert self.counts.summary is not None
            _write_counts(self.counts.summary, self.out)
            self.counts.summary = None  # its tallies freed before the store is loaded
        return self.out

    def __exit__(self, *exc: object) -> None:
        if self.counts.sink is not None:
            with contextlib.suppress(OSError):
                self.counts.sink.close()
            self.counts.sink = None
        if self.child is not None and self.child.is_alive():
            self.child.terminate()
            self.child.join(10)


def _write_counts(summary: LineSummary, out: Path) -> None:
    """Write the counts of ``summary`` to ``out``, a subject at a time as they are made."""
    with out.open("w", encoding="utf-8", newline="\n") as fh:
        for _, made in summary.iter_triples():
            fh.write(nt_block(made))


def _tally_lines(read_end: int, write_end: int, out: str) -> None:
    """In the counting process: tally the lines read from the pipe, then write the counts to ``out``."""
    os.close(write_end)  # (inherited: the pipe ends only when every write end is closed)
    summary = LineSummary()
    with open(read_end, encoding="utf-8", newline="\n", buffering=1 << 20) as fh:
        for line in fh:
            s, p, rest = line.split(" ", 2)
            summary.add(s, p, rest)
    _write_counts(summary, Path(out))


def _load_store(nt: Path, path: Path, total: int, progress: Progress | None) -> None:
    """Bulk-load ``nt`` into a new store at ``path``, :data:`_LOAD_LINES` lines per call.

    One call on the whole file lets Oxigraph's loader grow towards its own
    memory target (gigabytes); chunks keep it near the chunk's size.
    """
    store = ox.Store(str(path))
    done = 0
    try:
        with nt.open("rb") as fh:
            while chunk := list(itertools.islice(fh, _LOAD_LINES)):
                store.bulk_load(input=b"".join(chunk), format=ox.RdfFormat.N_TRIPLES)
                done += len(chunk)
                del chunk
                if progress is not None:
                    progress("store", done, total)
        store.optimize()
    except SyntaxError as exc:
        raise OutputError(f"the RDF of the graph does not parse: {exc}", path=str(nt)) from exc
    finally:
        del store


# --------------------------------------------------------------------------- the build


def stream_build(
    sources: Iterable[str | os.PathLike[str]],
    out: str | os.PathLike[str],
    *,
    partition_size: int = DEFAULT_PARTITION_SIZE,
    jobs: int | None = None,
    progress: Progress | None = None,
    max_file_bytes: int = MAX_FILE_BYTES,
    base_url: str | None = None,
) -> StreamReport:
    """Build ``graph.nt``, ``store/`` and ``report.json`` in ``out`` from ``sources``, partition by partition.

    ``base_url``: the site's address, against which site-relative URLs are resolved.

    See the module documentation for what is written and how the precedence
    of the normal build is kept. Raises :class:`~graph.errors.SourceError`
    when ``sources`` hold no news file, :class:`~graph.errors.OutputError`
    when ``out`` cannot be written (the previous outputs stay whole), and
    :class:`~graph.errors.OptionError` (a ``ValueError``) for a ``partition_size`` below 1.
    """
    if partition_size < 1:
        raise OptionError(f"partition_size must be at least 1, not {partition_size}")
    base_url = check_base_url(base_url)
    started = time.perf_counter()
    sources = list(sources)
    files, problems = find_source_names(sources)
    labels = source_labels(sources, files)
    report = BuildReport(files=FileCounts(seen=len(files)))
    report.diagnostics.extend(problems)
    report.timings["find"] = time.perf_counter() - started
    target = Path(out)
    try:
        staging = Staging(target)  # sweeps what killed builds left in OUT
    except OSError as exc:
        raise OutputError(f"cannot write to {target}: {exc.strerror or exc}", path=str(target)) from exc
    try:
        with staging:
            return _run(
                files, labels, target, staging.path, report, partition_size, jobs, progress, max_file_bytes, base_url
            )
    except OSError as exc:
        raise OutputError(f"cannot write {target}: {exc.strerror or exc}", path=str(target)) from exc


def _run(
    files: list[str],
    labels: list[str] | None,
    target: Path,
    staging: Path,
    report: BuildReport,
    size: int,
    jobs: int | None,
    progress: Progress | None,
    max_file_bytes: int,
    base_url: str | None = None,
) -> StreamReport:
    work = staging / "work"
    work.mkdir()
    n = len(files)
    parts = (n + size - 1) // size
    index = Index(n, size)

    # Pass 1: read, spill, index.
    t = time.perf_counter()
    for part in range(parts):
        first = part * size
        part_labels = labels[first : first + size] if labels is not None else None
        results = read_files(
            files[first : first + size], jobs=jobs, max_bytes=max_file_bytes, labels=part_labels, base_url=base_url
        )
        for result in results:
            report.add_file(result.article is not None)  # the diagnostics come with each partition's merge
        index.add_partition(first, results)
        with (work / f"part-{part}.pickle").open("wb") as fh:
            pickle.dump(results, fh, protocol=pickle.HIGHEST_PROTOCOL)
        del results
        if progress is not None:
            progress("read", min(first + size, n), n)
    index.resolve()
    report.timings["read"] = time.perf_counter() - t

    # Pass 2: one graph per partition, its triples to a sorted partition file.
    t = time.perf_counter()
    workers = min(default_jobs() if jobs is None else max(1, jobs), parts)
    if workers > 1 and can_fork():
        # Forked workers share the index with this process (copy on write): it is never pickled.
        # (With another thread alive this process does not fork: the partitions are made here.)
        _SHARED[:] = [index]
        try:
            context = multiprocessing.get_context("fork")
            with ProcessPoolExecutor(
                max_workers=workers, mp_context=context, initializer=worker_init, initargs=(os.getpid(),)
            ) as pool:
                for part, diags in enumerate(pool.map(_emit_shared, [work] * parts, range(parts))):
                    report.diagnostics.extend(diags)
                    if progress is not None:
                        progress("rdf", part + 1, parts)
        finally:
            _SHARED.clear()
    else:
        for part in range(parts):
            report.diagnostics.extend(_emit(index, work, part))
            if progress is not None:
                progress("rdf", part + 1, parts)
    nt_parts = [work / f"part-{part}.nt" for part in range(parts)]
    del index
    report.timings["rdf"] = time.perf_counter() - t

    # One sorted graph.nt without duplicates, counted as it is written.
    t = time.perf_counter()
    counts = _Counts()
    _merge_all(nt_parts, staging / "graph.nt", work, counts)
    shutil.rmtree(work)
    report.nodes = {k: counts.nodes[k] for k in KINDS if counts.nodes[k]}
    report.edges = {r: counts.edges[r] for r in RELATIONS if counts.edges[r]}
    report.timings["write graph.nt"] = time.perf_counter() - t

    t = time.perf_counter()
    _load_store(staging / "graph.nt", staging / "store", counts.triples, progress)
    report.timings["write store"] = time.perf_counter() - t

    done = StreamReport(report, parts, size, counts.triples)
    (staging / "report.json").write_text(
        json.dumps(done.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    for name in STREAM_OUTPUTS:
        publish(staging / name, target / name)
        done.outputs[name] = target / name
    for name in _STALE:
        (target / name).unlink(missing_ok=True)
    return done
