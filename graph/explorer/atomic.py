"""Writing a file atomically (a temporary file beside it, then ``os.replace``), with the umask's permissions."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ..errors import OutputError

__all__ = ["atomic_write"]


def atomic_write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Not mkstemp: its files are 0600 whatever the umask, and outputs follow the umask.
        tmp = str(path.parent / f".{path.name}.{secrets.token_hex(6)}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}", path=str(path)) from exc
