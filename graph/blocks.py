"""Output files made of sorted blocks, and patching them after a small change.

Every text output of a build (``graph.nt``, ``.ttl``, ``.jsonld``,
``graph.json``, ``graph.graphml``) is laid out as *frame, section, frame,
section, …, frame*: a section holds one block of text per key (a node, a
source file), in key order, joined by the section's separator. Writing
records where each block lies (a :class:`FileIndex`); after a rebuild that
changed a few keys, :func:`patch` copies the runs of untouched blocks from
the previous file and writes only the changed ones, which gives the same
bytes as writing everything again.

>>> import tempfile, pathlib
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> with BlockWriter(folder / "a.txt") as w:
...     w.text("[")
...     w.section(",", [("a", "1"), ("b", "2"), ("c", "3")])
...     w.text("]")
>>> (folder / "a.txt").read_text()
'[1,2,3]'
>>> old = w.index
>>> with BlockWriter(folder / "b.txt") as w2:
...     patch(w2, folder / "a.txt", old, ["[", "]"], [{"b": "", "d": "4", "a": "0"}])
>>> (folder / "b.txt").read_text()
'[0,3,4]'
>>> with BlockWriter(folder / "c.txt") as w3:  # the frame kept as it was
...     patch(w3, folder / "b.txt", w2.index, None, [{"c": "2"}])
>>> (folder / "c.txt").read_text()
'[0,2,4]'
"""

from __future__ import annotations

import os
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import accumulate
from pathlib import Path
from types import TracebackType

from .errors import StaleIndex

__all__ = ["BlockWriter", "FileIndex", "Section", "StaleIndex", "copy_bytes", "patch", "read_block", "write_all"]


@dataclass(slots=True)
class Section:
    """Where the blocks of one section lie: the section's start, its keys (sorted) and their lengths in bytes.

    Blocks follow each other, separated by ``sep``; storing lengths rather
    than offsets lets a patch copy the index of a run of blocks as it is.
    """

    sep: bytes
    start: int = 0
    keys: list[str] = field(default_factory=list)
    lengths: array[int] = field(default_factory=lambda: array("q"))

    def end(self) -> int:
        """The byte offset just after the section's last block."""
        return self.start + sum(self.lengths) + len(self.sep) * max(0, len(self.lengths) - 1)

    def offsets(self) -> list[int]:
        """The byte offset of each block in the file."""
        if not self.lengths:
            return []
        starts = list(accumulate(self.lengths[:-1], initial=self.start))
        step = len(self.sep)
        return [o + i * step for i, o in enumerate(starts)] if step else starts


@dataclass(slots=True)
class FileIndex:
    """The sections of a written file, and its size and modification time to recognise it by."""

    sections: list[Section]
    size: int = 0
    mtime_ns: int = 0

    def matches(self, path: Path) -> bool:
        """True when ``path`` still is the file this index was made for."""
        try:
            st = path.stat()
        except OSError:
            return False
        return st.st_size == self.size and st.st_mtime_ns == self.mtime_ns


class BlockWriter:
    """Write a file of frames and sections, keeping a :class:`FileIndex` of it.

    Use as a context manager; :attr:`index` is complete after the ``with``.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self.index = FileIndex([])
        self._fh = self.path.open("wb", buffering=0)  # buffered here, so copies can go straight to the file
        self._written = 0  # bytes flushed to the file
        self._buf: list[bytes] = []
        self._size = 0  # bytes in the buffer

    def __enter__(self) -> BlockWriter:
        return self

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        try:
            if kind is None:
                self._flush()
        finally:
            self._fh.close()
        if kind is None:
            st = self.path.stat()
            self.index.size, self.index.mtime_ns = st.st_size, st.st_mtime_ns

    def _write(self, data: bytes) -> None:
        self._buf.append(data)
        self._size += len(data)
        if self._size > 1 << 22:
            self._flush()

    @property
    def _pos(self) -> int:
        return self._written + self._size

    def _flush(self) -> None:
        write_all(self._fh.fileno(), b"".join(self._buf))
        self._buf.clear()
        self._written += self._size
        self._size = 0

    def text(self, text: str) -> None:
        """Write frame text (between sections)."""
        self._write(text.encode("utf-8"))

    def open_section(self, sep: str) -> Section:
        """Start a section whose blocks are joined by ``sep``; add blocks with :meth:`block` or :meth:`run`."""
        section = Section(sep.encode("utf-8"), self._pos)
        self.index.sections.append(section)
        return section

    def block(self, key: str, text: str) -> None:
        """Add the block of ``key`` (keys must come in sorted order); empty text adds nothing."""
        if not text:
            return
        section = self.index.sections[-1]
        data = text.encode("utf-8")
        if section.keys:
            self._buf.append(section.sep)
            self._size += len(section.sep)
        section.keys.append(key)
        section.lengths.append(len(data))
        self._buf.append(data)
        self._size += len(data)
        if self._size > 1 << 22:
            self._flush()

    def run(self, source: int, old: Section, offsets: list[int], i: int, j: int) -> None:
        """Copy the blocks ``i`` to ``j - 1`` of ``old``, a section of the file open as ``source``
        whose blocks are at ``offsets`` (the kernel copies the bytes; they never enter Python)."""
        if i >= j:
            return
        section = self.index.sections[-1]
        if section.keys:
            self._write(section.sep)
        section.keys.extend(old.keys[i:j])
        section.lengths.extend(old.lengths[i:j])
        start, end = offsets[i], offsets[j - 1] + old.lengths[j - 1]
        self._flush()
        copy_bytes(source, self._fh.fileno(), start, end - start)
        self._written += end - start

    def copy(self, source: int, offset: int, count: int) -> None:
        """Copy ``count`` bytes of the file open as ``source`` from ``offset``, as frame text."""
        if count <= 0:
            return
        self._flush()
        copy_bytes(source, self._fh.fileno(), offset, count)
        self._written += count

    def section(self, sep: str, blocks: Iterable[tuple[str, str]]) -> None:
        """Write a whole section: ``(key, text)`` pairs in key order."""
        self.open_section(sep)
        for key, text in blocks:
            self.block(key, text)


def patch(
    writer: BlockWriter,
    old_path: Path,
    old: FileIndex,
    frame: Sequence[str] | None,
    changes: Sequence[Mapping[str, str]],
) -> None:
    """Write into ``writer`` the file at ``old_path`` with the blocks of ``changes`` replaced.

    ``frame`` holds the texts around the sections (one more than sections),
    or is None to keep the old file's;
    ``changes[k]`` maps keys of section ``k`` to their new text (``""``: the
    key is gone). Keys not in ``changes`` keep their old block. Raises
    :class:`StaleIndex` when the old file is not the one ``old`` describes.
    """
    if len(changes) != len(old.sections) or (frame is not None and len(frame) != len(changes) + 1):
        raise StaleIndex(str(old_path))
    try:
        source = os.open(old_path, os.O_RDONLY)
    except OSError as exc:
        raise StaleIndex(str(old_path)) from exc
    try:
        st = os.fstat(source)
        if (st.st_size, st.st_mtime_ns) != (old.size, old.mtime_ns):
            raise StaleIndex(str(old_path))
        _patch(writer, source, old, frame, changes)
    finally:
        os.close(source)


def _patch(
    writer: BlockWriter,
    source: int,
    old: FileIndex,
    frame: Sequence[str] | None,
    changes: Sequence[Mapping[str, str]],
) -> None:
    ends = [0, *(section.end() for section in old.sections)]
    starts = [*(section.start for section in old.sections), old.size]

    def put_frame(k: int) -> None:
        if frame is None:
            writer.copy(source, ends[k], starts[k] - ends[k])
        else:
            writer.text(frame[k])

    for k, (section, changed) in enumerate(zip(old.sections, changes, strict=True)):
        put_frame(k)
        writer.open_section(section.sep.decode("utf-8"))
        offsets = section.offsets()
        i = 0
        for key in sorted(changed):
            j = bisect_left(section.keys, key, i)
            writer.run(source, section, offsets, i, j)
            writer.block(key, changed[key])
            i = j + 1 if j < len(section.keys) and section.keys[j] == key else j
        writer.run(source, section, offsets, i, len(section.keys))
    put_frame(len(old.sections))


def copy_bytes(source: int, target: int, offset: int, count: int) -> None:
    """Append ``count`` bytes of ``source`` from ``offset`` to ``target``, in the kernel when it can."""
    while count > 0:
        try:
            done = os.copy_file_range(source, target, count, offset)
        except (AttributeError, OSError):  # no copy_file_range here, or not between these files
            done = 0
        if done <= 0:
            data = os.pread(source, min(count, 1 << 24), offset)
            if not data:
                raise StaleIndex("the previous file is shorter than its index says")
            write_all(target, data)
            done = len(data)
        offset += done
        count -= done


def read_block(source: int, section: Section, offsets: list[int], key: str) -> bytes:
    """The bytes of the block of ``key`` in ``section`` of the file open as ``source`` (empty when absent)."""
    i = bisect_left(section.keys, key)
    if i == len(section.keys) or section.keys[i] != key:
        return b""
    return os.pread(source, section.lengths[i], offsets[i])


def write_all(fd: int, data: bytes) -> int:
    """Write all of ``data`` to ``fd`` (``os.write`` may write less); return its length."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    return len(data)
