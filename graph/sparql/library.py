"""The query library: the ``.rq`` files shipped in ``graph/sparql/queries``.

Each file starts with a comment saying what it answers. :func:`library`
lists them; :func:`resolve_query` accepts a library name, a path to a
``.rq`` file or the query text itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..errors import QueryError

__all__ = ["LibraryQuery", "library", "resolve_query"]


@dataclass(frozen=True, slots=True)
class LibraryQuery:
    """A query shipped with newsgraph: its ``name``, what it answers, its text."""

    name: str
    description: str
    text: str


def _description(text: str) -> str:
    r"""What a query answers: its first comment lines, up to its notes on how it is made fast
    (a comment line starting ``For scale``), which are for readers of the query, not for ``--list``.

    >>> _description("# Who? (a, b)\n# For scale: sub-selects.\nSELECT")
    'Who? (a, b)'
    """
    lines = []
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped.startswith("#") or stripped.lstrip("#").strip().startswith("For scale"):
            break
        lines.append(stripped.lstrip("#").strip())
    return " ".join(x for x in lines if x).strip()


def library() -> dict[str, LibraryQuery]:
    """The shipped queries by name, in name order; each ``.rq`` starts with a comment saying what it answers.

    >>> "top-outlets" in library()
    True
    """
    folder = resources.files("graph.sparql") / "queries"
    found: dict[str, LibraryQuery] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".rq"):
            text = entry.read_text(encoding="utf-8")
            name = entry.name[: -len(".rq")]
            found[name] = LibraryQuery(name, _description(text), text)
    return found


def resolve_query(spec: str) -> str:
    """The text of ``spec``: a library query name, a path to a ``.rq`` file, or SPARQL text.

    Raises :class:`~graph.errors.QueryError` for a ``.rq`` path that does not exist.

    >>> resolve_query("SELECT * WHERE { ?s ?p ?o }")
    'SELECT * WHERE { ?s ?p ?o }'
    >>> resolve_query("top-topics").startswith("#")
    True
    """
    stripped = spec.strip()
    if re.fullmatch(r"[A-Za-z0-9_-]+", stripped):
        lib = library()
        if stripped in lib:
            return lib[stripped].text
        if not re.search(r"\s", spec):
            raise QueryError(
                f"no library query named {stripped!r}; 'newsgraph query --list' lists them: {', '.join(lib)}"
            )
    if "\n" not in stripped and stripped.endswith(".rq"):
        path = Path(stripped)
        try:
            return path.read_text(encoding="utf-8")
        except OSError as exc:
            raise QueryError(f"cannot read the query file {path}: {exc.strerror or exc}") from exc
    return spec
