"""Validation: check the RDF of a build against the SHACL shapes in ``graph/rdf/shapes.ttl``.

pySHACL does the checking; each violation comes back as a :class:`Violation`
naming the node, the shape, the property and what is wrong. ``graph.validate``
and ``newsgraph validate`` are :func:`validate`.

>>> import graph
>>> report = validate(graph.to_rdf(graph.build(["seeds"])))
>>> report.conforms, report.violations
(True, [])
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from ..errors import OutputError
from .rdflib_graph import to_rdflib_graph
from .reading import ox_triples
from .vocab import FORMATS, Triple

if TYPE_CHECKING:  # rdflib is imported on first use, so that importing graph stays quick
    from rdflib import Graph
    from rdflib.term import Node

__all__ = ["ValidationReport", "Violation", "shapes", "validate"]


@dataclass(slots=True, frozen=True)
class Violation:
    """One SHACL result: the node, the shape it broke, the property path, the message."""

    focus: str
    shape: str
    path: str | None
    message: str
    value: str | None = None
    severity: str = "Violation"

    def __str__(self) -> str:
        where = f" {self.path}" if self.path else ""
        value = f" (value {self.value})" if self.value is not None else ""
        return f"{self.focus}: {self.shape}{where}: {self.message}{value}"


@dataclass(slots=True)
class ValidationReport:
    """What :func:`validate` found; ``conforms`` is true when there is no violation."""

    conforms: bool
    violations: list[Violation] = field(default_factory=list)
    triples: int = 0
    #: The file checked, when a file or a build folder was given.
    file: str | None = None


def shapes() -> Graph:
    """Return the SHACL shapes graph shipped in the package (``graph/rdf/shapes.ttl``)."""
    from rdflib import Graph

    g = Graph()
    g.parse(data=files("graph.rdf").joinpath("shapes.ttl").read_text(encoding="utf-8"), format="turtle")
    return g


def _rdf_file(path: Path) -> Path:
    """``path``, or for a build folder its ``graph.ttl``, else its ``graph.nt`` (a streamed build's only RDF file)."""
    if path.is_dir():
        return next((path / n for n in ("graph.ttl", "graph.nt") if (path / n).is_file()), path / "graph.ttl")
    return path


def _load(path: Path) -> Graph:
    """Read an RDF file into rdflib, parsing with pyoxigraph."""
    fmt = FORMATS.get(path.suffix)
    if fmt is None:
        raise OutputError(f"cannot validate {path}: not an RDF file ({', '.join(FORMATS)})", path=str(path))
    try:
        triples: list[Triple] = list(ox_triples(ox.parse(path=str(path), format=fmt)))
    except FileNotFoundError as exc:
        raise OutputError(
            f"{path} does not exist; run 'newsgraph build SOURCE -o {path.parent}' first", path=str(path)
        ) from exc
    except (OSError, SyntaxError, ValueError) as exc:
        raise OutputError(f"cannot read {path}: {exc}", path=str(path)) from exc
    return to_rdflib_graph(triples)


def _short(g: Graph, node: Node | None) -> str | None:
    from rdflib import Literal, URIRef

    if node is None:
        return None
    if isinstance(node, URIRef):
        try:
            return g.namespace_manager.normalizeUri(node)
        except Exception:  # pragma: no cover - rdflib refuses some IRIs
            return f"<{node}>"
    if isinstance(node, Literal):
        return repr(str(node)) if node.datatype is None else f"{str(node)!r}^^{g.qname(node.datatype)}"
    return str(node)


def validate(data: Graph | str | os.PathLike[str]) -> ValidationReport:
    """Validate ``data`` (an rdflib Graph, an RDF file, or a build folder: its ``graph.ttl``, else ``graph.nt``).

    Raises :class:`~graph.errors.OutputError` when the file cannot be read
    and ``ImportError`` when pySHACL is not installed.
    """
    import pyshacl
    from rdflib import BNode, Graph, URIRef
    from rdflib.namespace import SH

    if isinstance(data, Graph):
        file, rdf = None, data
    else:
        file = _rdf_file(Path(data))
        rdf = _load(file)
    shape_graph = shapes()
    conforms, results, _ = pyshacl.validate(
        rdf, shacl_graph=shape_graph, inference="none", advanced=False, allow_warnings=True
    )
    assert isinstance(results, Graph)
    # A property shape is a blank node: name it by the node shape that holds it.
    owner: dict[Node, Node] = {ps: ns for ns, ps in shape_graph.subject_objects(SH.property)}
    names = shape_graph.namespace_manager
    violations = []
    for result in results.subjects(SH.resultSeverity, None):
        shape = results.value(result, SH.sourceShape)
        if isinstance(shape, BNode):
            shape = owner.get(shape, shape)
        message = results.value(result, SH.resultMessage)
        severity = results.value(result, SH.resultSeverity)
        violations.append(
            Violation(
                focus=str(results.value(result, SH.focusNode)),
                shape=names.normalizeUri(shape) if isinstance(shape, URIRef) else str(shape),
                path=_short(rdf, results.value(result, SH.resultPath)),
                message=str(message) if message is not None else "constraint not met",
                value=_short(rdf, results.value(result, SH.value)),
                severity=str(severity).rpartition("#")[2] if severity is not None else "Violation",
            )
        )
    violations.sort(key=lambda v: (v.focus, v.shape, v.path or "", v.message))
    return ValidationReport(bool(conforms), violations, len(rdf), None if file is None else str(file))
