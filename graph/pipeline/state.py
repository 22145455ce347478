"""What a rebuild keeps between builds, in ``OUT/.cache``: the state, the record log, the merged graph.

The state (:class:`State`) holds, for every file, its stat, content digest,
source label, records in short (:data:`Compact`) and diagnostics; the parses
themselves are pickles in an append-only record log (:class:`Blobs`).
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.metadata
import operator
import os
import pickle
import secrets
import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from ..blocks import FileIndex, Section, copy_bytes, write_all
from ..merge import link_targets, rank_records
from ..records import Diagnostic, FileResult
from ..staging import CACHE_DIR, atomic_file

__all__ = [
    "CACHE_DIR",
    "Blobs",
    "Compact",
    "FileState",
    "State",
    "Store",
    "code_files",
    "code_version",
    "compact",
    "load_state",
]

#: A record in short: IRI, aliases, position of the record listing it as related (-1: the file's
#: main article), named nodes and images its links point at.
Compact = tuple[str, tuple[str, ...], int, tuple[str, ...], tuple[str, ...]]


@dataclass(slots=True)
class FileState:
    """What the last build knew of one file."""

    stat: tuple[int, int, int, int] | None  # size, mtime_ns, ctime_ns, inode; None: read it next time
    digest: str | None
    source: str | None  # the path as the records name it (None: no article)
    records: list[Compact]
    diagnostics: list[Diagnostic]


@dataclass(slots=True)
class State:
    """The state of the build in an output folder (see the module documentation)."""

    version: str
    build_id: str
    order: list[str] = field(default_factory=list)
    files: dict[str, FileState] = field(default_factory=dict)
    indexes: dict[str, FileIndex] = field(default_factory=dict)
    log_id: str = ""  # the record log this state's offsets are into
    blobs: dict[str, tuple[int, int]] = field(default_factory=dict)  # file → (offset, length) in the log

    def to_plain(self) -> tuple[object, ...]:
        """The state as tuples, lists, dicts and strings (pickled ten times faster than the dataclasses)."""
        files = {
            name: (f.stat, f.digest, f.source, f.records, [_DIAG_FIELDS(d) for d in f.diagnostics])
            for name, f in self.files.items()
        }
        indexes = {
            name: (i.size, i.mtime_ns, [(c.sep, c.start, c.keys, c.lengths.tobytes()) for c in i.sections])
            for name, i in self.indexes.items()
        }
        return (self.version, self.build_id, self.order, files, indexes, self.log_id, self.blobs)

    @classmethod
    def from_plain(cls, plain: object, version: str | None = None) -> State | None:
        """The state :meth:`to_plain` gave, or None when ``plain`` is not one of ``version`` (default:
        :func:`code_version`)."""
        if not isinstance(plain, tuple) or len(plain) != 7 or plain[0] != (version or code_version()):
            return None
        version, build_id, order, files, indexes, log_id, blobs = plain
        state = cls(version, build_id, order, log_id=log_id, blobs=blobs)
        for name, (stat, key, source, records, diags) in files.items():
            state.files[name] = FileState(stat, key, source, records, [Diagnostic(*d) for d in diags])
        for name, (size, mtime_ns, sections) in indexes.items():
            parts = []
            for sep, start, keys, lengths in sections:
                part = Section(sep, start, keys, array("q"))
                part.lengths.frombytes(lengths)
                parts.append(part)
            state.indexes[name] = FileIndex(parts, size, mtime_ns)
        return state


_DIAG_FIELDS: Final = operator.attrgetter("path", "severity", "code", "message", "line", "column", "field")


@functools.cache
def code_files() -> list[Path]:
    """Every file of the ``graph`` package that shapes the outputs: code, templates, vocabularies, queries.

    >>> names = {p.name for p in code_files()}
    >>> {"page.py", "parse.py", "vocab.ttl", "story.rq", "explorer.html"} <= names
    True
    """
    root = Path(__file__).parents[1]
    return [p for p in sorted(root.rglob("*")) if p.is_file() and p.suffix in (".py", ".html", ".ttl", ".rq", ".js")]


def code_version(reading: str = "") -> str:
    """A digest of the package's code and the versions of what shapes the outputs: any change starts afresh.

    ``reading``: how files are read (``base_url=...``), when not the default; another way starts afresh too.

    >>> code_version() != code_version("base_url=https://a.org/")
    True
    """
    base = _code_version()
    return f"{base}/{hashlib.blake2b(reading.encode(), digest_size=8).hexdigest()}" if reading else base


@functools.cache
def _code_version() -> str:
    h = hashlib.blake2b(digest_size=12)
    root = Path(__file__).parents[1]  # the whole graph package
    for path in code_files():
        h.update(path.relative_to(root).as_posix().encode())
        h.update(path.read_bytes())
    for dist in ("networkx", "pyoxigraph", "pyvis", "igraph", "PyYAML"):
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            h.update(f"{dist}={importlib.metadata.version(dist)}".encode())
    return f"newsgraph-state-1/{sys.version_info[0]}.{sys.version_info[1]}/{h.hexdigest()}"


def compact(result: FileResult) -> list[Compact]:
    """The records of one file in short, in their rank order within the file."""
    if result.article is None:
        return []
    ranked = rank_records([result.article])
    position = {id(rec): i for i, rec in enumerate(ranked)}
    parent = [-1] * len(ranked)
    for i, rec in enumerate(ranked):
        for rel in rec.related:
            parent[position[id(rel)]] = i
    rows: list[Compact] = []
    intern = sys.intern  # the same topic or outlet in many files is one string: the state pickles small
    for i, rec in enumerate(ranked):
        named, images = link_targets(rec)
        rows.append(
            (
                intern(rec.iri),
                tuple(map(intern, rec.same_as)),
                parent[i],
                tuple(map(intern, named)),
                tuple(map(intern, images)),
            )
        )
    return rows


class Blobs:
    """The pickled parse of every file: in the record log of the last build, or new.

    The log (``OUT/.cache/records.log``) starts with its id; a rebuild
    appends the parses of the files it read, and the state keeps where each
    lies, so a rebuild neither loads nor writes the parses of unchanged files.
    New parses go to a spool file at once (in ``tmp``, the build's staging
    folder), so a full build does not hold them in memory.
    """

    def __init__(self, path: Path, tmp: Path, log_id: str = "", at: dict[str, tuple[int, int]] | None = None) -> None:
        self.path = path
        self.tmp = tmp
        self.log_id = log_id
        self.at = dict(at or {})  # in the log
        self.new: dict[str, tuple[int, int]] = {}  # in the spool
        self._log: int | None = None
        self._spool: int | None = None
        self._spool_path = tmp / f"{path.stem}.spool"
        self._spooled = 0
        self.broken = False  # the spool could not be written

    @classmethod
    def open(cls, path: Path, tmp: Path, state: State) -> Blobs | None:
        """The log of ``state``, or None when the log at ``path`` is another one (or none)."""
        try:
            with path.open("rb") as fh:
                head = fh.read(len(_log_head(state.log_id)))
        except OSError:
            return None
        return cls(path, tmp, state.log_id, state.blobs) if state.log_id and head == _log_head(state.log_id) else None

    def __contains__(self, name: str) -> bool:
        return name in self.new or name in self.at

    def __getitem__(self, name: str) -> bytes:
        if name in self.new:
            offset, length = self.new[name]
            assert self._spool is not None
            return os.pread(self._spool, length, offset)
        offset, length = self.at[name]
        if self._log is None:
            self._log = os.open(self.path, os.O_RDONLY)
        return os.pread(self._log, length, offset)

    def __setitem__(self, name: str, blob: bytes) -> None:
        self.at.pop(name, None)
        if self.broken:
            return
        try:
            if self._spool is None:
                self._spool = os.open(self._spool_path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o600)
            write_all(self._spool, blob)
        except OSError:  # OUT cannot be written: the build says so when it writes; no state is kept
            self.broken = True
            return
        self.new[name] = (self._spooled, len(blob))
        self._spooled += len(blob)

    def keep(self, names: Iterable[str]) -> None:
        """Forget the files not in ``names``."""
        wanted = set(names)
        for table in (self.at, self.new):
            for name in [n for n in table if n not in wanted]:
                del table[name]

    def save(self) -> tuple[str, dict[str, tuple[int, int]]]:
        """Write the new parses (appended, or a new log when most of the old one is stale); return id and offsets.

        Raises ``OSError`` when they cannot be written (the build then keeps no state).
        """
        if self.broken:
            raise OSError("the parses could not be spooled")
        live = sum(length for _, length in (*self.at.values(), *self.new.values()))
        try:
            size = self.path.stat().st_size if self.log_id else 0
        except OSError:
            size = 0
        at: dict[str, tuple[int, int]] = {}
        if not self.log_id or size == 0 or size > 2 * live + (1 << 20):
            log_id = secrets.token_hex(8)
            tmp = self.tmp / f"{self.path.name}.tmp"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            try:
                pos = write_all(fd, _log_head(log_id))
                for name in list(self.at):
                    blob = self[name]
                    at[name] = (pos, len(blob))
                    pos += write_all(fd, blob)
                pos = self._append_spool(fd, pos, at)
            finally:
                os.close(fd)
            self.close()
            os.replace(tmp, self.path)
            self.log_id = log_id
        else:
            at.update(self.at)
            fd = os.open(self.path, os.O_WRONLY)
            try:
                self._append_spool(fd, os.lseek(fd, 0, os.SEEK_END), at)
            finally:
                os.close(fd)
        self.close()
        self.at, self.new = at, {}
        return self.log_id, at

    def _append_spool(self, fd: int, pos: int, at: dict[str, tuple[int, int]]) -> int:
        """Copy the spooled parses to ``fd`` (at ``pos``), recording where each lands; return the end."""
        if self._spool is None or not self.new:
            return pos
        copy_bytes(self._spool, fd, 0, self._spooled)
        for name, (offset, length) in self.new.items():
            at[name] = (pos + offset, length)
        return pos + self._spooled

    def close(self) -> None:
        """Close the files (the spool is deleted)."""
        if self._log is not None:
            os.close(self._log)
            self._log = None
        if self._spool is not None:
            os.close(self._spool)
            self._spool = None
            with contextlib.suppress(OSError):
                self._spool_path.unlink()


def _log_head(log_id: str) -> bytes:
    return f"newsgraph-records {log_id}\n".encode("ascii")


class Store:
    """The files of the state in ``OUT/.cache``: written atomically, read back only when whole and current.

    Each is written in ``tmp`` (the build's staging folder) and renamed into place.
    """

    def __init__(self, out: Path, tmp: Path) -> None:
        self.folder = out / CACHE_DIR
        self.tmp = tmp

    def load(self, name: str) -> object | None:
        try:
            with (self.folder / name).open("rb") as fh:
                value: object = pickle.load(fh)
                return value
        except (OSError, pickle.PickleError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return None  # no state, an old one, or a broken one: build afresh

    def save(self, name: str, value: object) -> None:
        # Losing the state only costs the next build time.
        with contextlib.suppress(OSError):
            self.folder.mkdir(parents=True, exist_ok=True)
            with atomic_file(self.folder / name, self.tmp) as fh:
                pickle.dump(value, fh, protocol=pickle.HIGHEST_PROTOCOL)

    def drop(self, *names: str) -> None:
        for name in names:
            with contextlib.suppress(OSError):
                (self.folder / name).unlink(missing_ok=True)


def load_state(store: Store, version: str | None = None) -> State | None:
    """The last build's state, when it is one of ``version`` (default: :func:`code_version`)."""
    try:
        return State.from_plain(store.load("state.pickle"), version)
    except (TypeError, ValueError, AttributeError):  # a state of another shape
        return None
