"""The staging folder of a build and the sweep of dead builds' leftovers (graph.staging), piece by piece.

The end-to-end checks (real builds killed with SIGKILL, then another build)
are in tests/test_faults.py.
"""

from __future__ import annotations

import errno
import fcntl
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from graph.staging import Staging, publish, sweep


def _dead_pid() -> int:
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(proc.stdout)


def test_a_folder_swapped_out_goes_through_the_staging_folder(tmp_path: Path) -> None:
    (tmp_path / "store").mkdir()
    (tmp_path / "store" / "old").write_text("old")
    with Staging(tmp_path) as s:
        (s.path / "store").mkdir()
        (s.path / "store" / "new").write_text("new")
        publish(s.path / "store", tmp_path / "store")
        assert [p.name for p in (tmp_path / "store").iterdir()] == ["new"]
        assert [p.name for p in tmp_path.iterdir() if p.name != "store"] == [s.path.name]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


def test_a_folder_a_sweep_took_before_it_was_locked_is_not_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Between making its folder and locking it, a build can lose it to another build's sweep: it makes another."""
    made: list[Path] = []
    held: list[int] = []
    real = tempfile.mkdtemp

    def mkdtemp(prefix: str, dir: Path) -> str:
        path = real(prefix=prefix, dir=dir)
        made.append(Path(path))
        if len(made) == 1:  # a sweep in another process holds the first one
            fd = os.open(path, os.O_RDONLY)
            fcntl.flock(fd, fcntl.LOCK_EX)
            held.append(fd)
        return path

    monkeypatch.setattr(tempfile, "mkdtemp", mkdtemp)
    try:
        with Staging(tmp_path) as s:
            assert s.path == made[1]
    finally:
        for fd in held:
            os.close(fd)


def test_without_locks_the_sweep_goes_by_pid(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """On a file system without locks (some network and FUSE ones) a build still runs; the sweep then keeps
    folders whose process is alive."""

    def no_locks(fd: int, op: int) -> None:
        raise OSError(errno.ENOLCK, os.strerror(errno.ENOLCK))

    monkeypatch.setattr(fcntl, "flock", no_locks)
    dead = tmp_path / f".staging-{_dead_pid()}-abc"
    dead.mkdir()
    alive = tmp_path / f".staging-{os.getppid()}-abc"
    alive.mkdir()
    with Staging(tmp_path) as s:
        assert sweep(tmp_path) == []
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted([alive.name, s.path.name])


def test_the_sweep_keeps_what_is_not_a_build_leftover(tmp_path: Path) -> None:
    (tmp_path / "graph.nt").write_text("")
    (tmp_path / ".cache").mkdir()
    (tmp_path / ".cache" / "state.pickle").write_bytes(b"")
    (tmp_path / ".old-notes").write_text("not a pid")  # no PID: not ours
    elsewhere = tmp_path.parent / f"{tmp_path.name}-elsewhere"
    elsewhere.mkdir()
    (elsewhere / "keep").write_text("")
    (tmp_path / ".staging-link").symlink_to(elsewhere, target_is_directory=True)  # never followed
    assert sweep(tmp_path) == []
    assert (elsewhere / "keep").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".cache", ".old-notes", ".staging-link", "graph.nt"]
