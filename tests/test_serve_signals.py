"""`newsgraph serve` never leaves its Oxigraph engine behind: SIGTERM, SIGHUP or SIGKILL to the command ends it.

Real processes: `python -m graph serve` over a build of seeds/ on free
loopback ports; the engine is found the way `ps` would find it (the
`oxigraph serve-read-only` process serving that store) and must be gone
within a bounded time after the command is signalled.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

import graph
from graph.outputs import write_outputs
from graph.sparql import free_port

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")

ROOT = Path(graph.__file__).resolve().parent.parent
GONE_WITHIN = 10.0  # seconds; measured: well under 1 s


@pytest.fixture(scope="module")
def out(seeds_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("serve-signals")
    write_outputs(graph.build([seeds_dir]), folder, names=["store"], jobs=1)
    return folder


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rpartition(")")[2].split()[0] not in ("Z", "X")


def engines(store: Path) -> list[tuple[int, int]]:
    """``(pid, port)`` of every live `oxigraph serve-read-only` process serving ``store``."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in argv]
        engine = Path(words[0]).name == "oxigraph" and "serve-read-only" in words
        if engine and str(store) in words and _alive(int(entry.name)):
            port = int(words[words.index("--bind") + 1].rpartition(":")[2])
            found.append((int(entry.name), port))
    return found


def _listening(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


@pytest.fixture
def served(out: Path) -> Iterator[tuple[subprocess.Popen[bytes], int, int]]:
    """A running `python -m graph serve` and its engine's pid and port; always stopped."""
    assert not engines(out / "store"), "an engine from an earlier test still runs"
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "graph", "serve", "-d", str(out), "--port", str(port), "--timeout", "5"]
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while not _listening(port):
            assert process.poll() is None, process.communicate()[1].decode(errors="replace")
            assert time.monotonic() < deadline, "serve did not start within 60 s"
            time.sleep(0.1)
        found = engines(out / "store")
        assert len(found) == 1, found
        yield process, *found[0]
    finally:
        if process.poll() is None:
            process.kill()
        process.communicate(timeout=30)
        for pid, _ in engines(out / "store"):  # never leave one behind, even when the test fails
            os.kill(pid, signal.SIGKILL)


def _gone_within(pid: int, seconds: float) -> float | None:
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        if not _alive(pid):
            return time.monotonic() - start
        time.sleep(0.05)
    return None


@pytest.mark.parametrize(
    "signum", [signal.SIGTERM, signal.SIGHUP, signal.SIGKILL], ids=["SIGTERM", "SIGHUP", "SIGKILL"]
)
def test_the_engine_ends_with_the_command(served: tuple[subprocess.Popen[bytes], int, int], signum: int) -> None:
    process, engine, port = served
    assert _alive(engine) and _listening(port)
    process.send_signal(signum)
    took = _gone_within(engine, GONE_WITHIN)
    assert took is not None, f"oxigraph (pid {engine}) still runs {GONE_WITHIN:g} s after {signal.Signals(signum).name}"
    # A process whose main thread has exited reads as a zombie while its other threads still close
    # their sockets: give the port the same bound.
    deadline = time.monotonic() + GONE_WITHIN
    while _listening(port) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _listening(port), f"the engine's port still answers {GONE_WITHIN:g} s after the engine ended"
    status = process.wait(timeout=GONE_WITHIN)
    if signum == signal.SIGKILL:
        assert status == -signal.SIGKILL
    else:  # a clean stop: the engine stopped, then the command ended normally
        assert status == 0, process.communicate()[1].decode(errors="replace")
