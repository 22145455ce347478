"""Today's rebuild state (pickles in ``OUT/.cache``) against one SQLite database without pickle, side by side.

Usage: python benchmarks/state_store.py [--reps 7] [--synth 60000] [--work DIR] [--json FILE]

Issue 15, item 5: should the rebuild state and the read cache become one
store? For the shared corpus and a synthetic corpus (``benchmarks/synth.py``)
the script builds once with :func:`graph.pipeline.rebuild.build_into` (kept in
``--work`` and reused when there), then times, ``--reps`` times each,
alternating the formats, and prints median and best:

(a) today's format, through the real code of :mod:`graph.pipeline.state`:
    the state's load (``load_state``) and save (``to_plain`` + pickle), one
    parse and every parse from the record log (``Blobs``), ``graph.pickle``'s
    load and save, and the read cache (``ReadCache``: one pickle of every
    ``FileResult``);
(b) the same information in one SQLite database (stdlib ``sqlite3``, WAL,
    ``synchronous=NORMAL``) and no pickle: the files as rows (records and
    diagnostics as JSON), each ``FileResult`` as JSON (see
    :func:`result_to_json`, checked to round-trip on every file), the output
    indexes as rows with their lengths as blobs, and the merged graph either
    as one node-link JSON document (``networkx.node_link_data``) or as rows
    (one per node, one per edge);
(c) what a rebuild after one changed file pays in each: open the state, load
    the graph, look every file up, read the changed file's old parse, save
    the new state (today: ``state.pickle`` whole, one parse appended to the
    log, ``graph.pickle`` whole; SQLite: one transaction updating that file's
    rows, the indexes and the graph's changed rows, or the whole node-link
    document).

Sizes on disk (the SQLite file holds both graph forms and the free pages
of the rewrites timed before: its payload per table is printed beside it)
and the peak memory of each load (in a fresh process: ``VmHWM`` after
``clear_refs``, less the resident size before the load) are reported too.
``code_version`` is pinned to the build's while this runs (others may edit
``graph/`` meanwhile), but still computed on every load. Timings are
wall clock (``time.perf_counter``), page cache warm; the machine's CPU count
and load average are printed with them.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import gc
import json
import os
import pickle
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from array import array
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import networkx as nx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import graph.pipeline.state as state_module  # noqa: E402
from graph.blocks import FileIndex, Section  # noqa: E402
from graph.pipeline.rebuild import build_into  # noqa: E402
from graph.pipeline.sources import ReadCache  # noqa: E402
from graph.pipeline.state import Blobs, Compact, FileState, State, Store, code_version, load_state  # noqa: E402
from graph.records import ArticleRecord, Diagnostic, FileResult, ImageRecord, ProviderRecord  # noqa: E402

_real_code_version = code_version
CORPUS = ROOT.parent / "shared" / "corpora" / "coronavirus-news"

# --------------------------------------------------------------------------------------------------
# JSON for records and graph attributes (no pickle)


def _default(value: object) -> object:
    if isinstance(value, datetime):
        return {"$dt": value.isoformat()}
    raise TypeError(f"not JSON: {type(value).__name__}")


def _hook(obj: dict[str, Any]) -> object:
    if len(obj) == 1 and "$dt" in obj:
        return datetime.fromisoformat(obj["$dt"])
    return obj


def dumps(value: object) -> str:
    return json.dumps(value, default=_default, ensure_ascii=False, separators=(",", ":"), allow_nan=True)


def loads(text: str) -> Any:
    # the hook only when a datetime is in there: most documents have none
    return json.loads(text, object_hook=_hook) if '"$dt"' in text else json.loads(text)


def result_to_json(result: FileResult) -> str:
    """``result`` as JSON (``dataclasses.asdict``; datetimes as ``{"$dt": ISO}``)."""
    return dumps(dataclasses.asdict(result))


_IMAGE = tuple(f.name for f in dataclasses.fields(ImageRecord))
_PROVIDER = tuple(f.name for f in dataclasses.fields(ProviderRecord))
_ARTICLE = tuple(f.name for f in dataclasses.fields(ArticleRecord))
_DIAG = tuple(f.name for f in dataclasses.fields(Diagnostic))


def _article_dict(a: ArticleRecord) -> dict[str, Any]:
    d = {f: getattr(a, f) for f in _ARTICLE}
    d["images"] = [{f: getattr(i, f) for f in _IMAGE} for i in a.images]
    if a.provider is not None:
        p = {f: getattr(a.provider, f) for f in _PROVIDER}
        p["images"] = [{f: getattr(i, f) for f in _IMAGE} for i in a.provider.images]
        d["provider"] = p
    d["related"] = [_article_dict(r) for r in a.related]
    return d


def result_to_json_fast(result: FileResult) -> str:
    """The same JSON as :func:`result_to_json`, without ``asdict``'s deep copies (``extra`` is dumped as it is)."""
    article = _article_dict(result.article) if result.article is not None else None
    diags = [{f: getattr(x, f) for f in _DIAG} for x in result.diagnostics]
    return dumps({"path": result.path, "article": article, "diagnostics": diags, "digest": result.digest})


def _image(d: dict[str, Any]) -> ImageRecord:
    return ImageRecord(**d)


def _article(d: dict[str, Any]) -> ArticleRecord:
    provider = d["provider"]
    if provider is not None:
        provider["images"] = [_image(i) for i in provider["images"]]
        d["provider"] = ProviderRecord(**provider)
    d["images"] = [_image(i) for i in d["images"]]
    d["related"] = [_article(r) for r in d["related"]]
    return ArticleRecord(**d)


def result_from_json(text: str) -> FileResult:
    """The :class:`FileResult` :func:`result_to_json` gave."""
    d = loads(text)
    article = _article(d["article"]) if d["article"] is not None else None
    return FileResult(d["path"], article, [Diagnostic(**x) for x in d["diagnostics"]], d["digest"])


# --------------------------------------------------------------------------------------------------
# The SQLite store: the state, the parses and the graph in one database

SCHEMA = """
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT) WITHOUT ROWID;
CREATE TABLE files(pos INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL, size INT, mtime_ns INT, ctime_ns INT,
                   inode INT, digest TEXT, source TEXT, records TEXT NOT NULL, diagnostics TEXT NOT NULL);
CREATE TABLE results(name TEXT PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE sections(output TEXT, i INT, size INT, mtime_ns INT, sep BLOB, start INT, keys TEXT, lengths BLOB,
                      PRIMARY KEY(output, i)) WITHOUT ROWID;
CREATE TABLE nodes(seq INTEGER PRIMARY KEY, id TEXT UNIQUE NOT NULL, data TEXT NOT NULL);
CREATE TABLE edges(seq INTEGER PRIMARY KEY, u TEXT NOT NULL, v TEXT NOT NULL, key TEXT, data TEXT NOT NULL);
CREATE TABLE nodelink(id INTEGER PRIMARY KEY, json TEXT NOT NULL);
"""


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    return db


def _file_row(pos: int, name: str, f: FileState) -> tuple[object, ...]:
    stat = f.stat or (None, None, None, None)
    diags = [dataclasses.astuple(d) for d in f.diagnostics]
    return (pos, name, *stat, f.digest, f.source, dumps(f.records), dumps(diags))


def _section_rows(indexes: dict[str, FileIndex]) -> Iterator[tuple[object, ...]]:
    for output, index in indexes.items():
        for i, s in enumerate(index.sections):
            keys = "\0".join(s.keys)  # no key holds a NUL (IRIs, file names): quicker than JSON
            yield (output, i, index.size, index.mtime_ns, s.sep, s.start, keys, s.lengths.tobytes())


def save_state_sql(db: sqlite3.Connection, state: State) -> None:
    """Every row of ``state`` (a full build: the tables are empty or emptied)."""
    db.execute("DELETE FROM files")
    db.execute("DELETE FROM sections")
    db.executemany(
        "INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?,?)",
        (_file_row(pos, name, state.files[name]) for pos, name in enumerate(state.order)),
    )
    db.executemany("INSERT INTO sections VALUES (?,?,?,?,?,?,?,?)", _section_rows(state.indexes))
    db.executemany(
        "INSERT OR REPLACE INTO meta VALUES (?,?)", [("version", state.version), ("build_id", state.build_id)]
    )


def _compact(rows: list[list[Any]]) -> list[Compact]:
    intern = sys.intern
    return [
        (intern(r[0]), tuple(map(intern, r[1])), r[2], tuple(map(intern, r[3])), tuple(map(intern, r[4]))) for r in rows
    ]


def load_state_sql(db: sqlite3.Connection) -> State | None:
    meta = dict(db.execute("SELECT key, value FROM meta"))
    if meta.get("version") != code_version():
        return None
    state = State(meta["version"], meta["build_id"])
    files = state.files
    for name, size, mtime, ctime, inode, dig, source, records, diags in db.execute(
        "SELECT name, size, mtime_ns, ctime_ns, inode, digest, source, records, diagnostics FROM files ORDER BY pos"
    ):
        stat = None if size is None else (size, mtime, ctime, inode)
        files[name] = FileState(
            stat, dig, source, _compact(json.loads(records)), [Diagnostic(*d) for d in loads(diags)]
        )
    state.order = list(files)
    for output, _, size, mtime, sep, start, keys, lengths in db.execute("SELECT * FROM sections ORDER BY output, i"):
        index = state.indexes.get(output)
        if index is None:
            index = state.indexes[output] = FileIndex([], size, mtime)
        part = Section(sep, start, keys.split("\0") if keys else [], array("q"))
        part.lengths.frombytes(lengths)
        index.sections.append(part)
    return state


def save_graph_rows(db: sqlite3.Connection, graph: nx.MultiDiGraph) -> None:
    db.execute("DELETE FROM nodes")
    db.execute("DELETE FROM edges")
    db.executemany("INSERT INTO nodes(id, data) VALUES (?,?)", ((n, dumps(d)) for n, d in graph.nodes(data=True)))
    db.executemany(
        "INSERT INTO edges(u, v, key, data) VALUES (?,?,?,?)",
        ((u, v, k, dumps(d)) for u, v, k, d in graph.edges(keys=True, data=True)),
    )


def load_graph_rows(db: sqlite3.Connection) -> nx.MultiDiGraph:
    graph = nx.MultiDiGraph()
    graph.add_nodes_from((n, loads(d)) for n, d in db.execute("SELECT id, data FROM nodes ORDER BY seq"))
    graph.add_edges_from(
        (u, v, k, loads(d)) for u, v, k, d in db.execute("SELECT u, v, key, data FROM edges ORDER BY seq")
    )
    return graph


def save_graph_nodelink(db: sqlite3.Connection, graph: nx.MultiDiGraph) -> None:
    db.execute("INSERT OR REPLACE INTO nodelink VALUES (1, ?)", (dumps(nx.node_link_data(graph, edges="links")),))


def load_graph_nodelink(db: sqlite3.Connection) -> nx.MultiDiGraph:
    (text,) = db.execute("SELECT json FROM nodelink WHERE id = 1").fetchone()
    graph: nx.MultiDiGraph = nx.node_link_graph(loads(text), edges="links")
    return graph


# --------------------------------------------------------------------------------------------------
# Measuring


def timed(fn: Callable[[], object], reps: int) -> list[float]:
    out = []
    for _ in range(reps):
        gc.collect()
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def peak_mb(kind: str, path: Path) -> float:
    """The memory one load needs at its peak (MB above the process before it), in a fresh process."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--peak", kind, str(path)]
    done = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return float(done.stdout.strip().splitlines()[-1])


def _peak_child(kind: str, path: Path) -> float:
    loaders: dict[str, Callable[[], object]] = {
        "graph-pickle": lambda: Store(path, path).load("graph.pickle"),
        "graph-rows": lambda: load_graph_rows(connect(path)),
        "graph-nodelink": lambda: load_graph_nodelink(connect(path)),
        "state-pickle": lambda: load_state(Store(path, path)),
        "state-sqlite": lambda: load_state_sql(connect(path)),
        "parses-pickle": lambda: _all_blobs(path / ".cache", path, load_state(Store(path, path))),  # type: ignore[arg-type]
        "parses-sqlite": lambda: [result_from_json(t) for _, t in connect(path).execute("SELECT * FROM results")],
    }
    if path.is_dir():
        _pin_version(Store(path, path))
    else:
        _pin(connect(path).execute("SELECT value FROM meta WHERE key = 'version'").fetchone()[0])
    code_version()
    gc.collect()
    with open("/proc/self/clear_refs", "w") as fh:
        fh.write("5")  # VmHWM := VmRSS
    base = _status("VmRSS")
    kept = loaders[kind]()
    assert kept is not None
    peak = _status("VmHWM")
    del kept
    return (peak - base) / 1024


def _status(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _mb(path: Path) -> float:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir()) / 1e6
    return path.stat().st_size / 1e6


def _same_graph(a: nx.MultiDiGraph, b: nx.MultiDiGraph) -> dict[str, bool]:
    return {
        "nodes": list(a.nodes(data=True)) == list(b.nodes(data=True)),
        "edges": list(a.edges(keys=True, data=True)) == list(b.edges(keys=True, data=True)),
        "pred_order": all(list(a._pred[n]) == list(b._pred[n]) for n in a),
        "datetime_repr": repr(list(a.nodes(data=True))) == repr(list(b.nodes(data=True))),
    }


def prepare(corpus: Path, work: Path) -> Path:
    """``work/out`` built from ``corpus`` with the rebuild (reused when its state is there)."""
    out = work / "out"
    if not (out / ".cache" / "state.pickle").exists():
        t = time.perf_counter()
        build_into([corpus], out)
        print(f"  built {corpus} into {out} in {time.perf_counter() - t:.1f} s", flush=True)
    return out


def bench_corpus(label: str, corpus: Path, work: Path, reps: int, memory: bool) -> dict[str, Any]:
    out = prepare(corpus, work)
    cache = out / ".cache"
    scratch = work / "scratch"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir()
    tmp = scratch / "tmp"
    tmp.mkdir()
    store = Store(out, tmp)
    _pin_version(store)
    state = load_state(store)
    assert state is not None, "no current state: remove --work's out and run again"
    build_id, graph = store.load("graph.pickle")  # type: ignore[misc]
    blobs = Blobs.open(cache / "records.log", tmp, state)
    assert blobs is not None
    names = list(state.order)
    results = {n: pickle.loads(blobs[n]) for n in names}
    changed = names[len(names) // 2]
    print(
        f"  {label}: {len(names)} files, {graph.number_of_nodes()} nodes, {graph.number_of_edges()} edges", flush=True
    )

    # JSON round trip of every parse
    bad = [n for n, r in results.items() if result_from_json(result_to_json(r)) != r]
    bad_repr = [n for n, r in results.items() if repr(result_from_json(result_to_json(r))) != repr(r)]
    fast_differs = sum(result_to_json_fast(r) != result_to_json(r) for r in results.values())

    # the read cache as build(cache=PATH) keeps it
    read_cache = scratch / "read.cache"
    rc = ReadCache(read_cache)
    rc.save(list(results.values()))

    # the SQLite database, written once (full save)
    dbpath = scratch / "state.sqlite"

    def sql_full_save(graph_as: str = "both") -> None:
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{dbpath}{suffix}")
        db = connect(dbpath)
        db.executescript(SCHEMA)
        db.execute("BEGIN")
        save_state_sql(db, state)
        db.executemany("INSERT INTO results VALUES (?,?)", ((n, result_to_json(r)) for n, r in results.items()))
        if graph_as in ("rows", "both"):
            save_graph_rows(db, graph)
        if graph_as in ("nodelink", "both"):
            save_graph_nodelink(db, graph)
        db.execute("COMMIT")
        db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.close()

    sql_full_save()
    db = connect(dbpath)
    state2 = load_state_sql(db)
    assert state2 is not None
    same_state = state2.to_plain()[:5] == state.to_plain()[:5]
    g_rows, g_link = load_graph_rows(db), load_graph_nodelink(db)
    checks = {
        "results_json_round_trip_unequal": len(bad),
        "results_json_round_trip_repr_differs": len(bad_repr),
        "fast_json_differs": fast_differs,
        "state_equal_but_log_offsets": same_state,
        "graph_rows": _same_graph(graph, g_rows),
        "graph_nodelink": _same_graph(graph, g_link),
    }
    del g_rows, g_link, state2
    db.close()
    sizes_db = {
        t: n / 1e6
        for t, n in connect(dbpath).execute(
            "SELECT 'files', sum(length(records) + length(diagnostics) + length(name) + 40) FROM files "
            "UNION ALL SELECT 'results', sum(length(json)) FROM results "
            "UNION ALL SELECT 'sections', sum(length(keys) + length(lengths)) FROM sections "
            "UNION ALL SELECT 'nodes', sum(length(data) + length(id)) FROM nodes "
            "UNION ALL SELECT 'edges', sum(length(data) + length(u) + length(v) + length(key)) FROM edges "
            "UNION ALL SELECT 'nodelink', sum(length(json)) FROM nodelink"
        )
    }
    sizes = {
        "state.pickle": _mb(cache / "state.pickle"),
        "records.log": _mb(cache / "records.log"),
        "graph.pickle": _mb(cache / "graph.pickle"),
        "read cache pickle": _mb(read_cache),
        "sqlite (all, both graph forms)": _mb(dbpath),
        **{f"  sqlite payload: {k}": v for k, v in sizes_db.items()},
    }

    # (c) the rebuild after one changed file, on copies of each store
    pick = scratch / "pickle-out"
    shutil.copytree(cache, pick / ".cache")
    stats = {n: f.stat for n, f in state.files.items()}  # os.stat costs the same in both: done once
    new_blob_result = results[changed]
    old = state.files[changed]
    touched = sorted({r[0] for r in old.records} | {t for r in old.records for t in (*r[3], *r[4])} & set(graph))

    def rebuild_pickle() -> None:
        ptmp = pick / "tmp"
        ptmp.mkdir(exist_ok=True)
        st = Store(pick, ptmp)
        s = load_state(st)
        assert s is not None
        loaded = st.load("graph.pickle")
        assert isinstance(loaded, tuple) and loaded[0] == s.build_id
        g = loaded[1]
        b = Blobs.open(st.folder / "records.log", ptmp, s)
        assert b is not None
        fresh = {n: f for n, f in s.files.items() if n != changed and f.stat == stats[n] and n in b}
        pickle.loads(b[changed])  # the old parse
        b[changed] = pickle.dumps(new_blob_result, protocol=pickle.HIGHEST_PROTOCOL)
        fresh[changed] = s.files[changed]
        new = State(code_version(), s.build_id, s.order, fresh, dict(s.indexes))
        st.drop("state.pickle")
        new.log_id, new.blobs = b.save()
        b.close()
        st.save("graph.pickle", (new.build_id, g))
        st.save("state.pickle", new.to_plain())

    def rebuild_pickle_parts() -> dict[str, float]:
        ptmp = pick / "tmp"
        ptmp.mkdir(exist_ok=True)
        st = Store(pick, ptmp)
        t0 = time.perf_counter()
        s = load_state(st)
        assert s is not None
        t1 = time.perf_counter()
        g = st.load("graph.pickle")[1]  # type: ignore[index]
        t2 = time.perf_counter()
        b = Blobs.open(st.folder / "records.log", ptmp, s)
        assert b is not None
        fresh = {n: f for n, f in s.files.items() if n != changed and f.stat == stats[n] and n in b}
        pickle.loads(b[changed])
        t3 = time.perf_counter()
        b[changed] = pickle.dumps(new_blob_result, protocol=pickle.HIGHEST_PROTOCOL)
        fresh[changed] = s.files[changed]
        new = State(code_version(), s.build_id, s.order, fresh, dict(s.indexes))
        new.log_id, new.blobs = b.save()
        b.close()
        st.save("state.pickle", new.to_plain())
        t4 = time.perf_counter()
        st.save("graph.pickle", (new.build_id, g))
        t5 = time.perf_counter()
        return {"open state": t1 - t0, "load graph": t2 - t1, "look up + old parse": t3 - t2,
                "save state": t4 - t3, "save graph": t5 - t4}  # fmt: skip

    sqlpath = scratch / "rebuild.sqlite"

    def fresh_sql_copy(graph_as: str) -> None:
        sql_full_save(graph_as)
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.unlink(f"{sqlpath}{suffix}")
        shutil.copy(dbpath, sqlpath)

    def rebuild_sql(graph_as: str, parts: dict[str, float] | None = None) -> None:
        t0 = time.perf_counter()
        con = connect(sqlpath)
        s = load_state_sql(con)
        assert s is not None
        t1 = time.perf_counter()
        g = load_graph_rows(con) if graph_as == "rows" else load_graph_nodelink(con)
        t2 = time.perf_counter()
        fresh = {n: f for n, f in s.files.items() if n != changed and f.stat == stats[n]}
        (text,) = con.execute("SELECT json FROM results WHERE name = ?", (changed,)).fetchone()
        result_from_json(text)  # the old parse
        t3 = time.perf_counter()
        fresh[changed] = s.files[changed]
        con.execute("BEGIN")
        pos = s.order.index(changed)
        con.execute("DELETE FROM files WHERE pos = ?", (pos,))
        con.execute("INSERT INTO files VALUES (?,?,?,?,?,?,?,?,?,?)", _file_row(pos, changed, fresh[changed]))
        con.execute("UPDATE results SET json = ? WHERE name = ?", (result_to_json_fast(new_blob_result), changed))
        con.execute("DELETE FROM sections")  # the outputs' indexes change with every build
        con.executemany("INSERT INTO sections VALUES (?,?,?,?,?,?,?,?)", _section_rows(s.indexes))
        con.execute("INSERT OR REPLACE INTO meta VALUES ('build_id', ?)", (s.build_id,))
        t4 = time.perf_counter()
        if graph_as == "rows":  # the nodes the file touches (edges kept: their order is their rowid)
            con.executemany("UPDATE nodes SET data = ? WHERE id = ?", ((dumps(g.nodes[n]), n) for n in touched))
        else:
            save_graph_nodelink(con, g)
        con.execute("COMMIT")
        con.close()
        t5 = time.perf_counter()
        if parts is not None:
            parts.update({"open state": t1 - t0, "load graph": t2 - t1, "look up + old parse": t3 - t2,
                          "save state": t4 - t3, "save graph": t5 - t4})  # fmt: skip

    # (a) and (b), alternating the two formats in every repetition. What this process holds to compare
    # (every parse, the graph, the state) is frozen, so the collector does not scan it on every load:
    # a rebuild holds none of it when it loads.
    gc.collect()
    gc.freeze()
    plain = state.to_plain()
    one = changed
    results_list = list(results.values())
    ops: dict[str, dict[str, Callable[[], object]]] = {
        "state load": {
            "pickle": lambda: _must(load_state(store)),
            "sqlite": lambda: _must(load_state_sql(connect(dbpath))),
        },
        "state save (whole)": {
            "pickle": lambda: Store(scratch / "p", tmp).save("state.pickle", state.to_plain()),
            "sqlite": lambda: _in_tx(dbpath, lambda c: save_state_sql(c, state)),
        },
        "one parse": {
            "pickle": lambda: pickle.loads(Blobs.open(cache / "records.log", tmp, state)[one]),  # type: ignore[index]
            "sqlite": lambda: result_from_json(
                connect(dbpath).execute("SELECT json FROM results WHERE name = ?", (one,)).fetchone()[0]
            ),
        },
        "every parse": {
            "pickle": lambda: _all_blobs(cache, tmp, state, names),
            "sqlite": lambda: [result_from_json(t) for _, t in connect(dbpath).execute("SELECT * FROM results")],
            "read cache pickle": lambda: ReadCache(read_cache).entries,
        },
        "every parse save": {
            "pickle": lambda: _save_blobs(scratch / "log", tmp, results),
            "sqlite": lambda: _in_tx(
                dbpath,
                lambda c: c.executemany(
                    "INSERT OR REPLACE INTO results VALUES (?,?)", ((n, result_to_json(r)) for n, r in results.items())
                ),
            ),
            "sqlite, fast JSON": lambda: _in_tx(
                dbpath,
                lambda c: c.executemany(
                    "INSERT OR REPLACE INTO results VALUES (?,?)",
                    ((n, result_to_json_fast(r)) for n, r in results.items()),
                ),
            ),
            "read cache pickle": lambda: ReadCache(scratch / "rc2").save(results_list),
        },
        "graph load": {
            "pickle": lambda: store.load("graph.pickle"),
            "sqlite rows": lambda: load_graph_rows(connect(dbpath)),
            "sqlite node-link": lambda: load_graph_nodelink(connect(dbpath)),
        },
        "graph save": {
            "pickle": lambda: Store(scratch / "p", tmp).save("graph.pickle", (build_id, graph)),
            "sqlite rows": lambda: _in_tx(dbpath, lambda c: save_graph_rows(c, graph)),
            "sqlite node-link": lambda: _in_tx(dbpath, lambda c: save_graph_nodelink(c, graph)),
        },
    }
    del plain
    times: dict[str, dict[str, list[float]]] = {op: {k: [] for k in fmts} for op, fmts in ops.items()}
    for _ in range(reps):
        for op, fmts in ops.items():
            for fmt, fn in fmts.items():
                times[op][fmt] += timed(fn, 1)
    print(f"  {label}: (a)/(b) done", flush=True)

    # (c): alternate the formats, each on its own copy
    rebuild: dict[str, list[float]] = {"pickle": [], "sqlite rows": [], "sqlite node-link": []}
    parts: dict[str, list[dict[str, float]]] = {k: [] for k in rebuild}
    fresh_sql_copy("rows")
    rows_copy = scratch / "rows.sqlite"
    shutil.copy(sqlpath, rows_copy)
    fresh_sql_copy("nodelink")
    link_copy = scratch / "link.sqlite"
    shutil.copy(sqlpath, link_copy)
    for _ in range(reps):
        rebuild["pickle"] += timed(rebuild_pickle, 1)
        gc.collect()
        parts["pickle"].append(rebuild_pickle_parts())
        for fmt, src in (("sqlite rows", rows_copy), ("sqlite node-link", link_copy)):
            shutil.copy(src, sqlpath)
            as_ = "rows" if "rows" in fmt else "nodelink"
            rebuild[fmt] += timed(lambda as_=as_: rebuild_sql(as_), 1)  # type: ignore[misc]
            shutil.copy(src, sqlpath)
            p: dict[str, float] = {}
            gc.collect()
            rebuild_sql(as_, p)
            parts[fmt].append(p)
    print(f"  {label}: (c) done", flush=True)

    memory_mb: dict[str, float] = {}
    if memory:
        sql_full_save()  # (c) left a database with one form of the graph
        memory_mb = {
            "graph load: pickle": peak_mb("graph-pickle", out),
            "graph load: sqlite rows": peak_mb("graph-rows", dbpath),
            "graph load: sqlite node-link": peak_mb("graph-nodelink", dbpath),
            "state load: pickle": peak_mb("state-pickle", out),
            "state load: sqlite": peak_mb("state-sqlite", dbpath),
            "every parse: pickle log": peak_mb("parses-pickle", out),
            "every parse: sqlite": peak_mb("parses-sqlite", dbpath),
        }
    gc.unfreeze()
    shutil.rmtree(scratch, ignore_errors=True)
    return {
        "label": label,
        "files": len(names),
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "checks": checks,
        "sizes_mb": sizes,
        "times": times,
        "rebuild": rebuild,
        "rebuild_parts": {k: {p: statistics.median(d[p] for d in v) for p in v[0]} for k, v in parts.items()},
        "memory_mb": memory_mb,
    }


def _must(value: object) -> object:
    assert value is not None, "the state did not load (code_version changed?)"
    return value


def _pin_version(store: Store) -> None:
    """Others may edit ``graph/`` while this runs, which changes :func:`code_version`: pin it to the build's.

    The digest is still computed on every call (both formats pay it, as a rebuild does).
    """
    plain = store.load("state.pickle")
    assert isinstance(plain, tuple), "no state: remove --work's out and run again"
    _pin(str(plain[0]))


def _pin(version: str) -> None:
    def pinned() -> str:
        _real_code_version()
        return version

    state_module.code_version = pinned  # type: ignore[attr-defined]
    globals()["code_version"] = pinned


def _in_tx(path: Path, fn: Callable[[sqlite3.Connection], object]) -> None:
    con = connect(path)
    con.execute("BEGIN")
    fn(con)
    con.execute("COMMIT")
    con.close()


def _all_blobs(cache: Path, tmp: Path, state: State, names: list[str] | None = None) -> list[FileResult]:
    blobs = Blobs.open(cache / "records.log", tmp, state)
    assert blobs is not None
    try:
        return [pickle.loads(blobs[n]) for n in (state.order if names is None else names)]
    finally:
        blobs.close()


def _save_blobs(path: Path, tmp: Path, results: dict[str, FileResult]) -> None:
    blobs = Blobs(path, tmp)
    for name, result in results.items():
        blobs[name] = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    blobs.save()


# --------------------------------------------------------------------------------------------------


def _fmt(xs: list[float]) -> str:
    return f"{statistics.median(xs) * 1000:9.1f} {min(xs) * 1000:9.1f}"


def report(rows: list[dict[str, Any]], conditions: dict[str, Any]) -> str:
    lines = [f"conditions: {conditions}", ""]
    for row in rows:
        lines.append(f"## {row['label']}: {row['files']} files, {row['nodes']} nodes, {row['edges']} edges")
        lines.append(f"checks: {row['checks']}")
        lines.append("")
        lines.append(f"{'operation':<22} {'format':<18} {'median ms':>9} {'best ms':>9}")
        for op, fmts in row["times"].items():
            for fmt, xs in fmts.items():
                lines.append(f"{op:<22} {fmt:<18} {_fmt(xs)}")
        lines.append("")
        lines.append("(c) rebuild after one changed file: state + graph + look-ups + old parse + save")
        for fmt, xs in row["rebuild"].items():
            lines.append(f"{'rebuild i/o':<22} {fmt:<18} {_fmt(xs)}")
        for fmt, p in row["rebuild_parts"].items():
            lines.append(f"  parts, {fmt}: " + ", ".join(f"{k} {v * 1000:.1f}" for k, v in p.items()))
        lines.append("")
        lines.append("sizes (MB): " + ", ".join(f"{k} {v:.1f}" for k, v in row["sizes_mb"].items()))
        if row["memory_mb"]:
            lines.append("peak memory (MB, above the process before): "
                         + ", ".join(f"{k} {v:.0f}" for k, v in row["memory_mb"].items()))  # fmt: skip
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=7)
    parser.add_argument("--synth", type=int, default=60000, help="synthetic corpus size (0: none)")
    parser.add_argument("--corpus", type=Path, default=CORPUS)
    parser.add_argument("--work", type=Path, help="keep corpora and builds here (reused when present)")
    parser.add_argument("--json", type=Path, help="write the figures here too")
    parser.add_argument("--no-memory", action="store_true")
    parser.add_argument("--peak", nargs=2, metavar=("KIND", "PATH"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.peak:
        print(_peak_child(args.peak[0], Path(args.peak[1])))
        return 0
    work = args.work or Path(tempfile.mkdtemp(prefix="newsgraph-state-store-"))
    conditions = {"nproc": os.cpu_count(), "load_before": os.getloadavg(), "python": sys.version.split()[0],
                  "sqlite": sqlite3.sqlite_version, "networkx": nx.__version__, "reps": args.reps}  # fmt: skip
    rows = [bench_corpus("shared corpus", args.corpus, work / "corpus", args.reps, not args.no_memory)]
    if args.synth:
        synth = work / f"synth-{args.synth}"
        if not (synth / "corpus").exists():
            cmd = [sys.executable, str(ROOT / "benchmarks" / "synth.py"), str(args.synth), str(synth / "corpus")]
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        rows.append(bench_corpus(f"synthetic {args.synth}", synth / "corpus", synth, args.reps, not args.no_memory))
    conditions["load_after"] = os.getloadavg()
    text = report(rows, conditions)
    print(text)
    if args.json:
        args.json.write_text(json.dumps({"conditions": conditions, "rows": rows}, indent=1, default=str))
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
