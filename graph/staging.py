"""Staging folders: where every build writes before moving its outputs into place, and the sweep of dead ones.

Every build into OUT (the normal build, the rebuild and the streaming build)
works in one folder ``OUT/.staging-PID-XXXXXXXX`` (:class:`Staging`) that it
holds locked (:func:`fcntl.flock`) from its start to its end. Everything it
writes before the final renames goes there: the outputs, the streaming
build's spill and partition files, the spool of parsed files and the
temporary files of ``OUT/.cache`` (moved into place from there, one rename
each). Outputs that are folders (``store/``) are swapped through it too.

The kernel releases the lock when the build's process and every worker that
inherited it have ended, however they ended (SIGKILL and the out-of-memory
killer included). So a staging folder that nobody holds is a dead build's,
whatever its process id has come to mean since: :func:`sweep` removes it,
and every build sweeps its OUT when it starts. While no build is alive in
OUT, the sweep also removes the temporary files (names starting with a dot)
of ``OUT/.cache``.

>>> import tempfile
>>> out = Path(tempfile.mkdtemp())
>>> with Staging(out) as staging:
...     _ = (staging.path / "graph.nt").write_text("new")
...     sweep(out)  # a live build's folder is kept
...     publish(staging.path / "graph.nt", out / "graph.nt")
[]
>>> sorted(p.name for p in out.iterdir())  # the staging folder went with its build
['graph.nt']
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import secrets
import shutil
import stat
import tempfile
from collections.abc import Iterator
from pathlib import Path
from types import TracebackType
from typing import IO, Final

__all__ = ["CACHE_DIR", "PREFIX", "Staging", "atomic_file", "publish", "sweep"]

#: Name prefix of staging folders in OUT.
PREFIX: Final = ".staging-"
#: The folder inside OUT where a build keeps its state (see :mod:`graph.pipeline.rebuild`).
CACHE_DIR: Final = ".cache"
#: Swapped-out folders of builds before staging held them (``.old-NAME-PID``): removed when PID is gone.
_OLD: Final = ".old-"


class Staging:
    """The staging folder of one build in ``out``, held locked until :meth:`close` (or the process ends).

    Creating one sweeps ``out`` first (:func:`sweep`) and creates ``out`` if
    needed; raises ``OSError`` when ``out`` cannot be written.
    """

    def __init__(self, out: str | os.PathLike[str]) -> None:
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        sweep(self.out)
        for _ in range(100):
            path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-", dir=self.out))
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
            if _lock(fd) is not False and _same(fd, path):  # None: no locks here; the sweep goes by PID
                self.path = path
                self._fd: int | None = fd
                return
            os.close(fd)  # a sweep took it between mkdtemp and the lock, and removes it: make another
        raise OSError(f"cannot make a staging folder in {self.out}")  # pragma: no cover

    def close(self) -> None:
        """Remove the folder and whatever is left in it, then let go of the lock."""
        if self._fd is None:
            return
        shutil.rmtree(self.path, ignore_errors=True)
        os.close(self._fd)
        self._fd = None

    def __enter__(self) -> Staging:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _lock(fd: int) -> bool | None:
    """Take the lock of ``fd`` if nobody holds it: True, False when someone does, None when this
    file system has no locks."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError:  # e.g. ENOLCK, EOPNOTSUPP on some network and FUSE file systems
        return None
    return True


def _same(fd: int, path: Path) -> bool:
    """True when ``path`` still names the file open as ``fd``."""
    try:
        return os.path.samestat(os.fstat(fd), os.stat(path, follow_symlinks=False))
    except OSError:
        return False


def sweep(out: str | os.PathLike[str]) -> list[Path]:
    """Remove what dead builds left in ``out``; return what was removed.

    A staging folder goes when no process holds its lock. The temporary
    files of ``out/.cache`` go when no build holds a staging folder in
    ``out``. A file or folder that cannot be removed is left.
    """
    folder = Path(out)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    live = False
    for entry in entries:
        path = Path(entry.path)
        if entry.name.startswith(PREFIX):
            if _remove_unheld(path):
                removed.append(path)
            else:
                live = True
        elif entry.name.startswith(_OLD):
            pid = entry.name.rsplit("-", 1)[-1]
            if pid.isdigit() and not _pid_alive(int(pid)) and _remove(path):
                removed.append(path)
    if not live:
        try:
            cached = list(os.scandir(folder / CACHE_DIR))
        except OSError:
            cached = []
        for entry in cached:
            if entry.name.startswith(".") and _remove(Path(entry.path)):
                removed.append(Path(entry.path))
    return removed


def _remove_unheld(path: Path) -> bool:
    """Remove ``path`` (a dead build's staging folder) unless a live process holds its lock.

    Where the file system has no locks, unless the process named in it is alive.
    """
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    except OSError:  # gone already, a symbolic link (never ours), or not ours to open
        return False
    try:
        locked = _lock(fd)
        if locked is False:
            return False
        if locked is None:
            pid = path.name[len(PREFIX) :].split("-", 1)[0]
            if pid.isdigit() and _pid_alive(int(pid)):
                return False
        return _remove(path)
    finally:
        os.close(fd)


def _remove(path: Path) -> bool:
    try:
        if stat.S_ISDIR(os.lstat(path).st_mode):
            shutil.rmtree(path)
        else:
            path.unlink()
    except OSError:
        return False
    return True


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # it exists but belongs to someone else
        return True
    return True


@contextlib.contextmanager
def atomic_file(path: Path, folder: Path | None = None) -> Iterator[IO[bytes]]:
    r"""Write ``path`` all at once: into a new file in ``folder`` (a build's staging folder, swept if the
    build is killed; default: beside ``path``), moved into place with ``os.replace`` when the block ends.

    The one way newsgraph writes a file in place (outputs are staged, then :func:`publish`\ ed). The
    file follows the umask (``mkstemp``'s are 0600). On an error the new file is removed and ``path``
    is as it was; the error (``OSError``) goes on.

    >>> import tempfile
    >>> target = Path(tempfile.mkdtemp()) / "memo.json"
    >>> with atomic_file(target) as fh:
    ...     _ = fh.write(b"{}")
    >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
    (b'{}', ['memo.json'])
    """
    where = folder if folder is not None else path.parent
    where.mkdir(parents=True, exist_ok=True)
    tmp = where / f".{path.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def publish(src: Path, dst: Path) -> None:
    """Move ``src`` (in a staging folder) over ``dst``; a folder is swapped, so ``dst`` is never half-written.

    The folder it replaces is moved into ``src``'s staging folder first, so
    a build killed before removing it leaves it to the sweep.
    """
    if src.is_dir():
        old = src.with_name(f"{_OLD}{dst.name}")
        with contextlib.suppress(FileNotFoundError):
            os.replace(dst, old)
        os.replace(src, dst)
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.replace(src, dst)
