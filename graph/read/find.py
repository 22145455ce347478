"""Finding news files in the sources a build is given, and how each is recorded in the graph."""

from __future__ import annotations

import glob
import os
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Final

from ..records import Diagnostic, FileResult, text_path

__all__ = ["SUFFIXES", "find_files", "find_names", "relabel", "source_labels"]

#: File name endings read when a directory or glob is given.
SUFFIXES: Final = (".md", ".markdown", ".txt")


def find_files(sources: Iterable[str | os.PathLike[str]]) -> tuple[list[Path], list[Diagnostic]]:
    """Return the news files under ``sources`` in a stable order, and what went wrong.

    A directory is searched recursively for :data:`SUFFIXES`, skipping hidden
    folders and files; a file is taken as it is, whatever its name; anything
    else is read as a glob pattern. A source that matches nothing is reported.

    >>> files, problems = find_files(["seeds"])
    >>> [f.name for f in files]
    ['000_21b13f3181ff2019.txt', '002_c1840662fd681368.txt']
    """
    names, problems = find_names(sources)
    return [Path(name) for name in names], problems


def find_names(sources: Iterable[str | os.PathLike[str]]) -> tuple[list[str], list[Diagnostic]]:
    """:func:`find_files` as strings (``str`` of its paths), without making a ``Path`` per file.

    >>> find_names(["./seeds/"])[0] == [str(f) for f in find_files(["./seeds/"])[0]]
    True
    """
    found: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for source in sources:
        text = os.fspath(source)
        path = Path(text)
        if path.is_dir():
            matches = list(_walk(path))
        elif path.is_file():
            matches = [str(path)]
        elif glob.has_magic(text):
            matches = []
            for hit in sorted(glob.glob(text, recursive=True)):
                hit_path = Path(hit)
                if hit_path.is_dir():
                    matches.extend(_walk(hit_path))
                elif hit_path.is_file() and hit_path.suffix.lower() in SUFFIXES:
                    matches.append(str(hit_path))
        else:
            problems.append(Diagnostic(text, "error", "source-missing", "no such file or directory; check the path"))
            continue
        if not matches:
            problems.append(
                Diagnostic(
                    text,
                    "warning",
                    "source-empty",
                    f"no {', '.join(SUFFIXES)} files found here",
                )
            )
        for match in matches:
            found.setdefault(os.path.normpath(match), match)
    return [found[k] for k in sorted(found)], problems


def source_labels(sources: Iterable[str | os.PathLike[str]], names: Sequence[str]) -> list[str] | None:
    """How each of ``names`` (as :func:`find_names` found them in ``sources``) is recorded in the graph.

    A file found through a relative SOURCE is recorded as found (as the user
    typed it); one found through an absolute SOURCE from that SOURCE's own
    folder name on, so that no build records the user's home folder (the
    RDF says where each article came from, and ``newsgraph push`` publishes
    it). None when no SOURCE is absolute: every name is its own label.

    >>> source_labels(["/home/ana/news", "/srv/feeds/b.md"], ["/home/ana/news/x/a.md", "/srv/feeds/b.md"])
    ['news/x/a.md', 'feeds/b.md']
    >>> source_labels(["seeds"], ["seeds/a.md"]) is None
    True
    """
    roots = []
    for source in sources:
        text = os.fspath(source)
        if not os.path.isabs(text):
            continue
        if glob.has_magic(text):  # the folder above the first pattern
            parts = Path(text).parts
            text = os.path.join(*parts[: next(i for i, p in enumerate(parts) if glob.has_magic(p))])
        elif os.path.isfile(text):
            text = os.path.dirname(text)
        roots.append(os.path.normpath(text))
    if not roots:
        return None
    roots.sort(key=len, reverse=True)  # the innermost SOURCE names a file
    labels = []
    for name in names:
        if not os.path.isabs(name):
            labels.append(name)
            continue
        path = os.path.normpath(name)
        root = next((r for r in roots if path.startswith(r.rstrip(os.sep) + os.sep)), os.path.dirname(path))
        labels.append(os.path.relpath(path, os.path.dirname(root) if os.path.dirname(root) != root else root))
    return labels


def relabel(result: FileResult, label: str) -> None:
    """Record ``label`` (see :func:`source_labels`) as the source of every article ``result`` holds.

    The diagnostics keep the path the file was opened by: they are for the user, on this machine.
    """
    stack = [result.article] if result.article is not None else []
    while stack:
        record = stack.pop()
        record.source = text_path(label)
        stack.extend(record.related)


def _walk(root: Path) -> Iterator[str]:
    """The news files under ``root``, spelled as ``str(Path(folder, name))`` is (one ``Path`` per folder)."""
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        folder = str(Path(dirpath))
        for name in sorted(filenames):
            if not name.startswith(".") and os.path.splitext(name)[1].lower() in SUFFIXES:
                yield name if folder == "." else os.path.join(folder, name)
