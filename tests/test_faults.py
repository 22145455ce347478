"""Faults during a build: killed, interrupted, a disk that is full or an OUT that cannot be written.

Outputs are written into a staging folder and moved into place one by one,
so a build that dies at any moment leaves every output whole: the previous
one, or (once moving has begun) the new one. These tests kill real
``newsgraph build`` processes (their whole process group, as a terminal or a
scheduler would; or the build process alone, as the out-of-memory killer
would) and check what is left: outputs, leftovers in OUT, and processes.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import resource
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest

import graph
from graph.blocks import BlockWriter
from graph.errors import OutputError
from graph.outputs import write_outputs

from .conftest import synth_corpus

ROOT = Path(__file__).resolve().parent.parent
NEWSGRAPH = Path(sys.executable).parent / "newsgraph"
CHECKED = ("graph.nt", "graph.ttl", "report.json")


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A small corpus (the previous build) and one large enough to take well over 3 s."""
    root = tmp_path_factory.mktemp("faults")
    return synth_corpus(150, root / "small"), synth_corpus(12000, root / "large")


@pytest.fixture
def previous(corpora: tuple[Path, Path], tmp_path: Path) -> Iterator[tuple[Path, dict[str, bytes]]]:
    out = tmp_path / "out"
    proc = subprocess.run([NEWSGRAPH, "build", corpora[0], "-o", out, "-q"], capture_output=True, timeout=120)
    assert proc.returncode == 0, proc.stderr.decode()[-2000:]
    yield out, {name: (out / name).read_bytes() for name in CHECKED}


def _default_sigint() -> None:  # runs in the child before exec
    # A shell starts background jobs with SIGINT ignored, and the ignoring is inherited: a test run
    # started with `&` would otherwise give a build that cannot be interrupted.
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _start(source: Path, out: Path, *extra: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [NEWSGRAPH, "build", str(source), "-o", str(out), "-q", *extra],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,  # its own process group: the readers and writers die with it
        preexec_fn=_default_sigint,
    )


def _kill_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


def _reap(proc: subprocess.Popen[bytes]) -> tuple[int, str]:
    try:
        _, err = proc.communicate(timeout=60)
    finally:
        _kill_group(proc, signal.SIGKILL)  # nothing of it outlives the test
    return proc.returncode, err.decode("utf-8", "replace")


def assert_whole(out: Path) -> dict[str, int]:
    """graph.nt, graph.ttl and report.json are there and parse strictly; return their sizes."""
    nt = list(ox.parse(path=out / "graph.nt", format=ox.RdfFormat.N_TRIPLES))
    ttl = list(ox.parse(path=out / "graph.ttl", format=ox.RdfFormat.TURTLE))
    report = json.loads((out / "report.json").read_text(encoding="utf-8"))
    assert nt and ttl
    assert report["files"]["seen"] == report["files"]["built"] + report["files"]["failed"]
    return {"nt": len(nt), "ttl": len(ttl), "seen": report["files"]["seen"]}


def test_sigkill_three_seconds_in_leaves_the_previous_outputs(
    corpora: tuple[Path, Path], previous: tuple[Path, dict[str, bytes]]
) -> None:
    out, before = previous
    proc = _start(corpora[1], out)
    time.sleep(3.0)
    assert proc.poll() is None, "the build ended before 3 s: make the large corpus larger"
    _kill_group(proc, signal.SIGKILL)
    rc, _ = _reap(proc)
    assert rc == -signal.SIGKILL
    assert {name: (out / name).read_bytes() for name in CHECKED} == before
    assert assert_whole(out)["seen"] == 150


def test_sigkill_while_writing_leaves_every_output_whole(
    corpora: tuple[Path, Path], previous: tuple[Path, dict[str, bytes]]
) -> None:
    out, _ = previous
    proc = _start(corpora[1], out)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline and proc.poll() is None:
        if _staged_outputs(out):
            break
        time.sleep(0.02)
    assert proc.poll() is None, "the build ended before it was caught writing"
    time.sleep(0.3)  # well inside the writing
    _kill_group(proc, signal.SIGKILL)
    _reap(proc)
    sizes = assert_whole(out)
    assert sizes["seen"] in (150, 12000)
    # the next build removes what the killed one left, and reads the (possibly half-written) cache fine
    again = subprocess.run([NEWSGRAPH, "build", corpora[0], "-o", out, "-q"], capture_output=True, timeout=120)
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    assert not list(out.glob(".staging-*")) and not list(out.glob(".old-*"))
    assert assert_whole(out)["seen"] == 150


def test_ctrl_c_stops_cleanly(corpora: tuple[Path, Path], previous: tuple[Path, dict[str, bytes]]) -> None:
    out, before = previous
    proc = _start(corpora[1], out)
    time.sleep(2.0)
    assert proc.poll() is None
    _kill_group(proc, signal.SIGINT)  # what Ctrl-C in a terminal does
    started = time.monotonic()
    rc, err = _reap(proc)
    assert time.monotonic() - started < 30
    assert rc == 130, err[-2000:]
    assert "interrupted" in err and "Traceback" not in err
    assert {name: (out / name).read_bytes() for name in CHECKED} == before
    time.sleep(0.5)
    assert not list(out.glob(".staging-*"))


@pytest.mark.parametrize(
    "where",
    [
        "under-a-file",
        "read-only-fs",
    ],
)
def test_unwritable_out_is_a_clear_error(seeds_dir: Path, tmp_path: Path, where: str) -> None:
    if where == "under-a-file":
        blocker = tmp_path / "file"
        blocker.write_text("x")
        out = blocker / "out"
    else:
        out = Path("/proc/newsgraph-cannot-write-here")
    proc = subprocess.run([NEWSGRAPH, "build", seeds_dir, "-o", out, "-q"], capture_output=True, timeout=120)
    err = proc.stderr.decode()
    assert proc.returncode == 2, err
    assert err.startswith("error: cannot write") and str(out) in err
    assert "Traceback" not in err


def _limit_file_size() -> None:  # runs in the child before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (20_000, 20_000))


def test_file_size_limit_mid_write_is_a_clear_error(
    corpora: tuple[Path, Path], previous: tuple[Path, dict[str, bytes]]
) -> None:
    """A write that fails half-way (as on a full disk) stops the build with a message; OUT keeps the old outputs."""
    out, before = previous
    proc = subprocess.run(
        [NEWSGRAPH, "build", corpora[0], "-o", out, "-q", "--no-cache"],
        capture_output=True,
        timeout=120,
        preexec_fn=_limit_file_size,
    )
    err = proc.stderr.decode()
    assert proc.returncode == 2, err[-2000:]
    assert err.startswith("error: cannot write") and "Traceback" not in err
    assert {name: (out / name).read_bytes() for name in CHECKED} == before
    assert not list(out.glob(".staging-*"))


def test_full_disk_message_says_what_to_do(seeds_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    kg = graph.build([seeds_dir])
    write_outputs(kg, tmp_path, names=["graph.nt", "report.json"])
    before = (tmp_path / "graph.nt").read_bytes()

    def full(self: BlockWriter) -> None:
        self._fh.write(b"partial")
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self.path))

    monkeypatch.setattr(BlockWriter, "_flush", full)
    with pytest.raises(OutputError, match=r"disk is full.*-o.*previous outputs are unchanged"):
        write_outputs(kg, tmp_path, names=["graph.nt", "report.json"], jobs=1)
    assert (tmp_path / "graph.nt").read_bytes() == before
    assert not list(tmp_path.glob(".staging-*"))


def _staged_outputs(out: Path) -> list[Path]:
    """Outputs being written in a staging folder of ``out`` (the build is writing)."""
    return [p for p in out.glob(".staging-*/**/graph.*") if p.is_file()]


def _leftovers(out: Path) -> list[str]:
    """What a build that is not running must not leave in ``out``: staging folders, swapped-out folders,
    temporary files of the state."""
    found = [p.name for p in out.iterdir() if p.name.startswith((".staging-", ".old-"))]
    if (out / ".cache").is_dir():
        found += [f".cache/{p.name}" for p in (out / ".cache").iterdir() if p.name.startswith(".")]
    return sorted(found)


def _hold_staging(out: Path) -> tuple[subprocess.Popen[str], Path]:
    """A live build's staging folder in ``out``: a process that holds one until its stdin closes."""
    code = (
        "import sys\nfrom graph.staging import Staging\n"
        "s = Staging(sys.argv[1])\nprint(s.path, flush=True)\nsys.stdin.read()\ns.close()\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code, str(out)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    assert holder.stdout is not None
    return holder, Path(holder.stdout.readline().strip())


def test_leftovers_of_dead_builds_are_removed_and_live_ones_kept(seeds_dir: Path, tmp_path: Path) -> None:
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead_pid = int(dead.stdout)
    (tmp_path / f".staging-{dead_pid}-abc").mkdir(parents=True)
    (tmp_path / f".old-store-{dead_pid}").mkdir()  # left by builds before staging folders held the old store
    (tmp_path / ".staging-stream-q1w2e3").mkdir()  # left by streaming builds before they shared the staging
    holder, live = _hold_staging(tmp_path)  # a build still running
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / f".state.pickle.{dead_pid}.tmp").write_bytes(b"half")
    try:
        write_outputs(graph.build([seeds_dir]), tmp_path, names=["report.json"])
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, ".cache", "report.json"])
        # while a build runs in OUT, the temporary files of the state may be its own
        assert [p.name for p in (tmp_path / ".cache").iterdir()] == [f".state.pickle.{dead_pid}.tmp"]
    finally:
        holder.communicate("", timeout=30)
    assert not live.exists()
    write_outputs(graph.build([seeds_dir]), tmp_path, names=["report.json"])
    assert _leftovers(tmp_path) == []


def test_a_staging_folder_nobody_holds_is_removed_even_when_its_pid_is_alive(seeds_dir: Path, tmp_path: Path) -> None:
    """Process ids are reused: the process named in a dead build's folder may be a live one that is no build."""
    reused = tmp_path / f".staging-{os.getppid()}-xyz"  # that process is alive, and holds no staging folder
    reused.mkdir()
    (reused / "graph.nt").write_text("<a> <b> <c> .\n")
    write_outputs(graph.build([seeds_dir]), tmp_path, names=["report.json"])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["report.json"]


@pytest.mark.parametrize(
    ("killed", "then"), [("normal", "normal"), ("normal", "stream"), ("stream", "normal"), ("stream", "stream")]
)
def test_what_a_killed_build_leaves_is_removed_by_the_next_build_of_any_kind(
    corpora: tuple[Path, Path], tmp_path: Path, killed: str, then: str
) -> None:
    """A build killed while reading (the normal build's parse spool, the streaming build's spill: about the
    size of the corpus) leaves files in OUT; the next build into OUT, of either kind, removes them."""
    out = tmp_path / "out"
    proc = _start(corpora[1], out, *(["--stream", "--partition-size", "3000"] if killed == "stream" else []))
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and proc.poll() is None and not _spilled(out):
            time.sleep(0.05)
        assert proc.poll() is None, "the build ended before it was caught reading"
        time.sleep(0.5)
    finally:
        _kill_group(proc, signal.SIGKILL)
        _reap(proc)
    assert _leftovers(out), "the killed build left nothing: the test no longer tests anything"
    again = subprocess.run(
        [NEWSGRAPH, "build", corpora[0], "-o", out, "-q", *(["--stream"] if then == "stream" else [])],
        capture_output=True,
        timeout=120,
    )
    assert again.returncode == 0, again.stderr.decode()[-2000:]
    assert _leftovers(out) == []


def _spilled(out: Path) -> bool:
    """True once a build reading into ``out`` has written parses to disk (the spool, or the spill)."""
    return any(p.is_file() and p.stat().st_size > 0 for p in out.glob("**/*") if "spool" in p.name or "part-" in p.name)


# --------------------------------------------------------------------------- no process outlives its build


def _stat(pid: int) -> tuple[str, int, int] | None:
    """State, parent and start time of process ``pid`` (None: there is none)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = text[text.rindex(")") + 2 :].split()
    return fields[0], int(fields[1]), int(fields[19])


def _children(pid: int) -> dict[int, int]:
    """The running children of process ``pid``: process id → start time (an id may be reused)."""
    found: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _stat(int(entry))
            if st is not None and st[1] == pid and st[0] != "Z":
                found[int(entry)] = st[2]
    return found


def _running(processes: dict[int, int]) -> list[int]:
    """Those of ``processes`` still running (a zombie has ended; a reused id is another process)."""
    alive = []
    for pid, started in processes.items():
        st = _stat(pid)
        if st is not None and st[0] != "Z" and st[2] == started:
            alive.append(pid)
    return alive


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("when", ["normal-reading", "normal-writing", "stream-reading", "stream-rdf"])
def test_sigkill_of_the_build_alone_leaves_no_worker(corpora: tuple[Path, Path], tmp_path: Path, when: str) -> None:
    """SIGKILL to the build process only (as the out-of-memory killer sends it): its workers end too."""
    kind, phase = when.split("-")
    out = tmp_path / "out"
    proc = _start(corpora[1], out, *(["--stream", "--partition-size", "3000"] if kind == "stream" else []))
    try:
        deadline = time.monotonic() + 120
        workers: dict[int, int] = {}
        while time.monotonic() < deadline and proc.poll() is None:
            writing = bool(_staged_outputs(out))
            rdf = any(out.glob(".staging-*/**/part-*.nt"))
            caught = {"reading": not writing and not rdf, "writing": writing, "rdf": rdf}[phase]
            workers = _children(proc.pid)
            if caught and len(workers) >= (1 if phase == "writing" else 2):
                break
            time.sleep(0.02)
        assert proc.poll() is None and workers, f"the build was not caught {phase}"
        os.kill(proc.pid, signal.SIGKILL)
        assert proc.wait(timeout=30) == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while _running(workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _running(workers) == [], f"{len(_running(workers))} of {len(workers)} workers outlived the build"
    finally:
        _kill_group(proc, signal.SIGKILL)  # what is left of it, so nothing outlives the test
        _reap(proc)
