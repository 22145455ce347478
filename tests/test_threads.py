"""No build forks a process while another of its threads runs (a forked child may deadlock on its locks).

Python 3.12 and later warn about it (``DeprecationWarning: This process ... is
multi-threaded, use of fork() may lead to deadlocks in the child``); earlier
versions say nothing, so these tests look at every fork themselves: a hook
registered with :func:`os.register_at_fork` counts the threads (Python's and
the kernel's) just before each one. The build runs as ``newsgraph build``
with its standard error on a terminal, so its progress bar is drawn.
"""

from __future__ import annotations

import json
import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from graph.cli.display import Bar as _Bar

from .conftest import synth_corpus

ROOT = Path(__file__).resolve().parent.parent

#: Runs the command line after registering a hook that records the threads at every fork.
PROBE = """
import json, os, sys, threading
log = open(sys.argv[1], "a")
def before():
    log.write(json.dumps({"python": threading.active_count(), "names": [t.name for t in threading.enumerate()],
                          "kernel": len(os.listdir("/proc/self/task"))}) + "\\n")
    log.flush()
os.register_at_fork(before=before)
from graph.cli import app
sys.argv = ["newsgraph", *sys.argv[2:]]
app()
"""


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Large enough for the read to run in worker processes (400 files and up)."""
    return synth_corpus(1000, tmp_path_factory.mktemp("threads") / "corpus")


def _drain(fd: int) -> None:
    """Read the terminal's output until the program closes it (a full terminal would stop the program)."""
    try:
        while os.read(fd, 65536):
            pass
    except OSError:  # EIO: the other side is closed
        pass


def _forks(log: Path, *args: str) -> list[dict[str, object]]:
    """Run ``newsgraph ARGS`` on a terminal; return the threads seen at each fork it made."""
    log.unlink(missing_ok=True)
    log.touch()
    main, side = pty.openpty()
    reader = threading.Thread(target=_drain, args=(main,), daemon=True)
    reader.start()
    try:
        proc = subprocess.run(
            # The 3.12+ warning as an error: there the build fails if it forks while a thread runs.
            [sys.executable, "-W", "error:This process:DeprecationWarning", "-c", PROBE, str(log), *args],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=side,
            env={**os.environ, "TERM": "xterm", "COLUMNS": "100"},
            timeout=300,
            cwd=ROOT,
        )
    finally:
        os.close(side)
        reader.join(timeout=10)
        os.close(main)
    assert proc.returncode == 0
    return [json.loads(line) for line in log.read_text().splitlines()]


def _single(forks: list[dict[str, object]]) -> None:
    assert forks, "the build forked nothing: the test no longer tests anything"
    threaded = [f for f in forks if f["python"] != 1 or f["kernel"] != 1]
    assert threaded == [], f"{len(threaded)} of {len(forks)} forks with other threads alive: {threaded[0]}"


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc")
def test_a_build_forks_no_threaded_process(corpus: Path, tmp_path: Path) -> None:
    """The full build (read workers, the second writer) and the rebuild that redraws the page."""
    out = tmp_path / "out"
    _single(_forks(tmp_path / "forks.jsonl", "build", str(corpus), "-o", str(out)))
    item = next(corpus.glob("0000/*.md"))
    text = item.read_text(encoding="utf-8")
    try:  # a rating changes the page's layout: the rebuild draws it again in a second process, beside the store patch
        item.write_text(text.replace("\nheat: ", "\nheat: 1", 1), encoding="utf-8")
        forks = _forks(tmp_path / "forks.jsonl", "build", str(corpus), "-o", str(out))
    finally:
        item.write_text(text, encoding="utf-8")
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert report["files"]["cached"] == 999  # it was a rebuild
    _single(forks)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="counts threads in /proc")
def test_a_streaming_build_forks_no_threaded_process(corpus: Path, tmp_path: Path) -> None:
    """Read workers of every partition and the workers that turn partitions into triples."""
    args = ["build", str(corpus), "-o", str(tmp_path / "out"), "--stream", "--partition-size", "450"]
    _single(_forks(tmp_path / "forks.jsonl", *args))


def test_the_progress_bar_runs_no_thread() -> None:
    before = threading.active_count()
    with _Bar(enabled=True) as bar:
        bar("read", 1, 10)
        assert threading.active_count() == before
        bar("read", 10, 10)


#: Builds in a library caller that may run another thread (a notebook's kernel, a web server does).
LIBRARY = """
import json, os, sys, threading
forks = []
os.register_at_fork(before=lambda: forks.append(threading.active_count()))
stop = threading.Event()
if sys.argv[1] == "threaded":
    threading.Thread(target=stop.wait, daemon=True).start()
import graph
kg = graph.build([sys.argv[2]], jobs=2)
graph.write_outputs(kg, sys.argv[3], names=["graph.nt", "graph.html", "report.json"], jobs=2)
result = graph.stream_build([sys.argv[2]], sys.argv[4], partition_size=450, jobs=2)
stop.set()
print(json.dumps(forks))
"""


def test_a_library_caller_with_threads_gets_the_same_outputs_without_a_fork(corpus: Path, tmp_path: Path) -> None:
    """With another thread alive the read workers are spawned, and the page and the partitions are made in
    the caller's process; the outputs are those of the forking build."""
    outs = {how: (tmp_path / f"{how}-out", tmp_path / f"{how}-stream") for how in ("threaded", "single")}
    forks: dict[str, list[int]] = {}
    for how, (out, streamed) in outs.items():
        proc = subprocess.run(
            [sys.executable, "-c", LIBRARY, how, str(corpus), str(out), str(streamed)],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=ROOT,
        )
        assert proc.returncode == 0, proc.stderr[-2000:]
        forks[how] = json.loads(proc.stdout)
    assert forks["threaded"] == []
    assert forks["single"] and set(forks["single"]) == {1}  # it forks, and only while single-threaded
    for threaded, single in zip(outs["threaded"], outs["single"], strict=True):
        assert (threaded / "graph.nt").read_bytes() == (single / "graph.nt").read_bytes()
    assert (outs["threaded"][0] / "graph.html").read_bytes() == (outs["single"][0] / "graph.html").read_bytes()
