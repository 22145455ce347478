"""Writing a page or the layout memo atomically (:func:`graph.staging.atomic_file`), as UTF-8 text."""

from __future__ import annotations

from pathlib import Path

from ..errors import OutputError
from ..staging import atomic_file

__all__ = ["atomic_write"]


def atomic_write(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` all at once; :class:`~graph.errors.OutputError` when it cannot be written."""
    try:
        with atomic_file(path) as fh:
            fh.write(text.encode("utf-8"))
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}", path=str(path)) from exc
