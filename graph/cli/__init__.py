"""The ``newsgraph`` command line: parse arguments, call the library, report.

Each command is a few lines: it calls one library function and turns
:class:`~graph.errors.NewsgraphError` into a message and an exit status
(0 success, 1 a check failed, 2 the command could not run).
"""

from __future__ import annotations

import gc
import os
import sys
import time
from pathlib import Path
from typing import Annotated, NoReturn

import typer
from rich.table import Table

from .. import __version__
from ..errors import NewsgraphError, OptionError
from .display import Bar, err_console, out_console, plural, strict_failed, summary

# One OpenBLAS thread for the command line (set before numpy loads; a value the user set is kept).
# With its default pool (a thread per extra core), every fork after numpy loads (the second output
# writer, the counting process) copies a process with a thread alive, which tests/test_threads.py
# refuses; nothing newsgraph does leans on dense BLAS (the text similarity is sparse), and the
# shared corpus builds in the same time either way (7.6-10.2 s against 9.2-9.7 s, 2 runs each).
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

app = typer.Typer(
    name="newsgraph",
    help="Build a knowledge graph from a folder of news items (markdown with YAML front matter).",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)

OutDir = Annotated[Path, typer.Option("--dir", "-d", help="Folder of a build (the -o of 'newsgraph build').")]


def _fail(exc: NewsgraphError) -> NoReturn:
    err_console.print(f"error: {exc}", markup=False)
    raise typer.Exit(2)


def _interrupted(out: Path) -> NoReturn:
    err_console.print(
        f"\ninterrupted; the outputs in {out} are whole (a build never leaves one half-written)", markup=False
    )
    raise typer.Exit(130)


def _version(value: bool) -> None:
    if value:
        out_console.print(f"newsgraph {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Print the version and exit.")
    ] = False,
) -> None:
    """Build a knowledge graph from a folder of news items (markdown with YAML front matter)."""


@app.command()
def build(
    sources: Annotated[
        list[Path],
        typer.Argument(
            help="Folders (read recursively), files or glob patterns.", show_default=False, metavar="SOURCE..."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="Output folder.")] = Path("out"),
    strict: Annotated[bool, typer.Option("--strict", help="Exit with status 1 if any file has an error.")] = False,
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="Processes for reading files (default: all CPUs).")
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar and no summary table.")] = False,
    cache: Annotated[
        bool,
        typer.Option(
            "--cache/--no-cache",
            help="Rebuild only what changed since the last build into OUT (its state is kept in OUT/.cache); "
            "--no-cache reads and writes everything afresh.",
        ),
    ] = True,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Parse on a Dask cluster: the scheduler's address, e.g. tcp://10.0.0.5:8786. "
            "The outputs are the same as a local build.",
        ),
    ] = None,
    stream: Annotated[
        bool,
        typer.Option(
            "--stream",
            help="For corpora too large for memory: read in partitions and write only graph.nt, store/ and "
            "report.json (no graph.html, GraphML, node-link JSON, Turtle or JSON-LD: they need the whole graph).",
        ),
    ] = False,
    partition_size: Annotated[
        int, typer.Option("--partition-size", min=1, help="Files per partition with --stream.")
    ] = 10_000,
    stories: Annotated[
        bool | None,
        typer.Option(
            "--stories/--no-stories",
            help="Find stories (articles covering one event, from text, time, places and related links), "
            "inferred links and syndicated copies, marked as inferred (see `newsgraph query stories`); on by "
            "default. --no-stories: only what the files say (a little faster). Not with --stream: stories "
            "compare articles across the whole corpus, which --stream never holds; a streaming build has none "
            "(build without --stream, on a machine with the memory for it, to find them).",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="The site's address (https://example.org/): site-relative URLs in the files, such as "
            "/assets/images/logo.jpg, are resolved against it. Without it they are left out, with one warning "
            "per distinct URL.",
        ),
    ] = None,
) -> None:
    """Build the graph from SOURCES and write it to OUT.

    Writes graph.json (networkx node-link), graph.graphml, graph.ttl,
    graph.nt, graph.jsonld, store/ (SPARQL), graph.html and report.json (file
    counts, diagnostics, node and edge counts). A bad file is reported and the
    build goes on; --strict turns reported errors into exit status 1.
    """
    started = time.perf_counter()
    if stream:
        if stories:
            _fail(OptionError("--stories cannot be used with --stream: stories need the whole graph in memory"))
        _stream_build(sources, out, strict, jobs, quiet, partition_size, started, base_url)
        return
    stories = True if stories is None else stories
    from ..pipeline import build_into

    # The build makes millions of long-lived objects and no garbage cycles: the cyclic collector's
    # passes over them cost a fifth of the time (a third of a rebuild), so it is off for this command.
    gc.disable()
    try:
        with Bar(enabled=not quiet and err_console.is_terminal) as bar:
            kg, _ = build_into(
                sources,
                out,
                jobs=jobs,
                progress=bar,
                cache=cache,
                scheduler=scheduler,
                stories=stories,
                base_url=base_url,
            )
    except NewsgraphError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted(out)
    if not quiet:
        summary(kg, out, time.perf_counter() - started)
    if strict and kg.report.errors:
        strict_failed(kg)
        raise typer.Exit(1)


def _stream_build(
    sources: list[Path],
    out: Path,
    strict: bool,
    jobs: int | None,
    quiet: bool,
    size: int,
    started: float,
    base_url: str | None,
) -> None:
    from ..pipeline.stream import stream_build

    if not quiet:
        out_console.print(
            f"streaming build: {size:,} files per partition, no whole graph in memory; writing graph.nt, "
            "store/ and report.json (graph.html, GraphML, node-link JSON, Turtle and JSON-LD are not written, "
            "and no stories are found: they compare articles across the whole corpus)",
            markup=False,
        )
    try:
        with Bar(enabled=not quiet and err_console.is_terminal) as bar:
            result = stream_build(sources, out, partition_size=size, jobs=jobs, progress=bar, base_url=base_url)
    except NewsgraphError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        _interrupted(out)
    from ..model import KnowledgeGraph

    kg = KnowledgeGraph.empty()
    kg.report = result.report
    if not quiet:
        out_console.print(
            f"{plural(result.triples, 'triple')} in {plural(result.partitions, 'partition')}", markup=False
        )
        summary(kg, out, time.perf_counter() - started)
    if strict and kg.report.errors:
        strict_failed(kg)
        raise typer.Exit(1)


@app.command()
def stats(out: OutDir = Path("out")) -> None:
    """Print the counts of a build (any kind, --stream too): files, nodes per kind, edges per relation."""
    try:
        from ..model import BuildReport

        report = BuildReport.read(out)
    except NewsgraphError as exc:
        _fail(exc)
    from ..model import KnowledgeGraph

    kg = KnowledgeGraph.empty()
    kg.report = report
    summary(kg, None, None)


@app.command("query")
def query_command(
    query: Annotated[
        str | None,
        typer.Argument(
            help="SPARQL text, a path to a .rq file, or the name of a library query.",
            show_default=False,
            metavar="QUERY",
        ),
    ] = None,
    out: OutDir = Path("out"),
    fmt: Annotated[str, typer.Option("--format", "-f", help="table, csv, tsv or json (SPARQL 1.1 results).")] = "table",
    list_: Annotated[bool, typer.Option("--list", help="List the library queries and what each answers.")] = False,
    bind: Annotated[
        list[str] | None, typer.Option("--bind", "-b", help="NAME=VALUE: give a variable a value (repeatable).")
    ] = None,
    timeout: Annotated[float, typer.Option("--timeout", help="Stop the query after this many seconds.")] = 30.0,
    allow_remote: Annotated[
        bool, typer.Option("--allow-remote", help="Allow SERVICE and FROM (they may reach other machines).")
    ] = False,
) -> None:
    """Answer a SPARQL query from the store of a build (OUT/store).

    QUERY is the query text, a .rq file or a library query name (see --list).
    Prefixes schema:, ng:, skos:, dcterms:, prov:, xsd:, rdf:, rdfs: need no
    declaration. SERVICE, FROM and updates are refused.
    """
    from ..sparql import FORMATS
    from ..sparql import query as run_query
    from ..sparql.library import library

    if list_:
        for entry in library().values():
            out_console.print(f"{entry.name}\t{entry.description}", markup=False)
        return
    if query is None:
        err_console.print("error: give a QUERY (text, a .rq file or a library name), or --list", markup=False)
        raise typer.Exit(2)
    if fmt not in FORMATS:
        err_console.print(f"error: unknown format {fmt!r}; choose one of {', '.join(FORMATS)}", markup=False)
        raise typer.Exit(2)
    bindings: dict[str, str] = {}
    for item in bind or []:
        name, sep, value = item.partition("=")
        if not sep or not name:
            err_console.print(f"error: --bind takes NAME=VALUE, not {item!r}", markup=False)
            raise typer.Exit(2)
        bindings[name] = value
    try:
        result = run_query(out, query, timeout=timeout, allow_remote=allow_remote, bindings=bindings)
    except NewsgraphError as exc:
        _fail(exc)
    if fmt != "table":
        text = result.serialize(fmt)
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    else:
        table = Table(show_header=True, header_style="bold")
        for name in ["ask"] if result.boolean is not None else result.variables:
            table.add_column(name, overflow="fold")
        for row in result.display_rows():
            table.add_row(*row)
        out_console.print(table)
        err_console.print(f"{plural(len(result), 'row')} in {result.elapsed * 1000:.0f} ms", markup=False)
    if result.boolean is None and not result.rows:
        said = f" with {', '.join(f'{k}={v}' for k, v in bindings.items())}" if bindings else ""
        err_console.print(f"the query matched nothing{said} (0 rows)", markup=False)


@app.command()
def serve(
    out: OutDir = Path("out"),
    host: Annotated[str, typer.Option("--host", help="Address to listen on (loopback by default).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port to listen on.")] = 7878,
    timeout: Annotated[float, typer.Option("--timeout", help="Seconds a query may run.")] = 30.0,
    cors: Annotated[
        list[str] | None,
        typer.Option(
            "--cors",
            metavar="ORIGIN",
            help="Let pages from ORIGIN (scheme://host[:port], or '*' for any) query the endpoint "
            "from a browser (repeatable; off by default).",
        ),
    ] = None,
) -> None:
    """Serve OUT/store as a read-only SPARQL 1.1 Protocol endpoint (GET/POST /query).

    Oxigraph answers the queries; SERVICE, FROM and updates are refused before
    they reach it, and the prefixes of 'newsgraph query' need no declaring.
    The page at / is a SPARQL workbench: the query library as examples,
    completion, result tables, timelines, charts and maps, and /view draws
    the explorer page of OUT for any article, story, outlet or topic.
    Stop with Ctrl+C, SIGTERM or SIGHUP: the engine stops with it.
    """
    import signal

    from ..explorer import Views
    from ..sparql import Endpoint

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    # (a signal already ignored stays ignored: under nohup, a hang-up must not stop the endpoint)
    signals = [sig for sig in (signal.SIGTERM, signal.SIGHUP) if signal.getsignal(sig) != signal.SIG_IGN]
    previous = {sig: signal.signal(sig, stop) for sig in signals}
    endpoint: Endpoint | None = None
    try:
        endpoint = Endpoint(out, host=host, port=port, timeout=timeout, cors=cors or (), views=Views(out)).start()
        if not endpoint.sandboxed:
            err_console.print(
                f"warning: the SPARQL engine runs without its sandbox ({endpoint.sandbox_note}); "
                "a local process that finds its loopback port can make it run SERVICE queries",
                markup=False,
            )
        err_console.print(
            f"SPARQL endpoint at {endpoint.url}/query (workbench {endpoint.url}/), read-only; Ctrl+C stops it",
            markup=False,
        )
        endpoint.serve_forever()
    except NewsgraphError as exc:
        _fail(exc)
    except KeyboardInterrupt:
        pass
    finally:
        for sig in signals:
            signal.signal(sig, signal.SIG_IGN)  # a second signal must not cut the clean-up short
        if endpoint is not None:
            endpoint.close()
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command()
def push(
    endpoint: Annotated[
        str, typer.Option("--endpoint", help="Graph Store Protocol URL, e.g. http://127.0.0.1:7878/store.")
    ],
    out: OutDir = Path("out"),
    graph: Annotated[
        str | None, typer.Option("--graph", help="Named graph IRI to replace (default: the default graph).")
    ] = None,
    chunked: Annotated[
        bool,
        typer.Option(
            "--chunked",
            help="Send 10,000 triples a request, one transaction each, for a graph larger than the store can "
            "take in one (Oxigraph: about 2 GB of memory per million triples). Not atomic: a failure leaves "
            "part of the build in the graph, and the error says how much.",
        ),
    ] = False,
) -> None:
    """Replace a graph at a SPARQL Graph Store endpoint with the built graph (OUT/graph.nt, else OUT/store).

    The graph is sent in one streamed PUT: where the store applies it in one
    transaction (Oxigraph does), a failed push leaves the graph as it was;
    elsewhere the error says what the graph holds and how to repair it.
    """
    from ..sparql.push import push as push_graph

    try:
        with Bar(enabled=err_console.is_terminal) as bar:
            result = push_graph(out, endpoint, graph, progress=bar, atomic=not chunked)
    except NewsgraphError as exc:
        _fail(exc)
    before = "did not exist" if result.previous is None else f"held {plural(result.previous, 'triple')}"
    how = "one PUT" if result.requests == 1 else plural(result.requests, "request")
    out_console.print(
        f"sent {plural(result.sent, 'triple')} in {how}; {result.url} now holds {plural(result.stored, 'triple')} "
        f"({before})",
        markup=False,
    )
    if result.stored != result.sent:
        err_console.print("warning: the graph holds a different number of triples than were sent", markup=False)


@app.command()
def view(
    file: Annotated[Path, typer.Option("--out", "-o", help="The page to write (FILE.html).")],
    out: OutDir = Path("out"),
    around: Annotated[str | None, typer.Option("--around", help="An article's URL: show its neighbourhood.")] = None,
    depth: Annotated[int, typer.Option("--depth", min=0, help="Links to walk from --around.")] = 1,
    story: Annotated[
        str | None, typer.Option("--story", help="A story's IRI, or an article's URL: show that story.")
    ] = None,
    topic: Annotated[str | None, typer.Option("--topic", help="Only articles about this topic, tag or place.")] = None,
    provider: Annotated[
        str | None, typer.Option("--provider", help="Only articles from this outlet (domain or name).")
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only articles published on or after (YYYY-MM-DD).")
    ] = None,
    until: Annotated[
        str | None, typer.Option("--until", help="Only articles published on or before (YYYY-MM-DD).")
    ] = None,
    max_nodes: Annotated[
        int | None,
        typer.Option("--max-nodes", min=1, help="Draw at most this many nodes (default keeps the page fast)."),
    ] = None,
) -> None:
    """Write an interactive HTML page of one view of the graph in OUT (opens offline, from file://).

    Filters combine (every one must hold). When no article matches them, nothing
    is written and the exit status is 1.
    """
    from ..explorer import DEFAULT_MAX_NODES, EmptyViewError, write_view

    try:
        shown = write_view(
            out,
            file,
            around=around,
            depth=depth,
            story=story,
            topic=topic,
            provider=provider,
            since=since,
            until=until,
            max_nodes=max_nodes or DEFAULT_MAX_NODES,
        )
    except EmptyViewError as exc:
        err_console.print(f"{exc}; {file} was not written (loosen a filter)", markup=False)
        raise typer.Exit(1) from None
    except NewsgraphError as exc:
        _fail(exc)
    counts = ", ".join(f"{n:,} {kind}" for kind, n in shown.counts.items())
    out_console.print(f"wrote {file}: {shown.title}; {plural(len(shown.nodes), 'node')} ({counts})", markup=False)
    for notice in shown.notices:
        err_console.print(f"view cut: {notice}", markup=False)


@app.command("validate")
def validate_command(out: OutDir = Path("out")) -> None:
    """Check OUT/graph.ttl (graph.nt after --stream) against the SHACL shapes (exit status 1 on violations)."""
    from ..rdf.shacl import validate

    try:
        report = validate(out)
    except NewsgraphError as exc:
        _fail(exc)
    except ImportError:
        err_console.print("error: validate needs pySHACL; install it with: pip install pyshacl")
        raise typer.Exit(2) from None
    for v in report.violations:
        out_console.print(str(v), markup=False)
    if not report.conforms:
        out_console.print(
            f"{report.file}: {plural(len(report.violations), 'violation')} in {plural(report.triples, 'triple')}",
            markup=False,
        )
        raise typer.Exit(1)
    out_console.print(f"{report.file} conforms ({plural(report.triples, 'triple')})", markup=False)


def main() -> None:
    """Entry point of the ``newsgraph`` console script.

    After a command that succeeded, the process leaves at once (as mypy
    does): freeing a build's million objects one by one would add a tenth of
    a second to a rebuild, and every file and child process is already
    closed. After an error or Ctrl-C it exits normally, so that any worker
    still running is stopped.
    """
    try:
        app(prog_name="newsgraph")
    except SystemExit as exc:
        code = exc.code
    else:  # pragma: no cover - click always exits
        code = 0
    if code:  # an error or Ctrl-C: the normal exit, which also stops any worker still running
        sys.exit(code)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
