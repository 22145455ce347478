"""The answer of a SPARQL query (:class:`QueryResult`) and its formats.

A result turns into a pandas DataFrame (literals become numbers, dates...)
or into the standard SPARQL 1.1 result formats (JSON, CSV, TSV); ``table``
is the tab-separated display rows the CLI draws.

>>> import pyoxigraph as ox
>>> result = QueryResult(["name"], [(ox.Literal("Alpha News"),), (ox.NamedNode("https://schema.org/Person"),)])
>>> print(result.serialize("tsv"), end="")
?name
"Alpha News"
<https://schema.org/Person>
>>> result.display_rows()
[['Alpha News'], ['schema:Person']]
"""

from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Final, Literal

import pyoxigraph as ox

from ..errors import QueryError
from .check import PREFIXES

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FORMATS", "QueryFormat", "QueryResult", "Term"]

#: Output formats of :meth:`QueryResult.serialize` (``table`` is drawn by the CLI).
FORMATS: Final = ("table", "csv", "tsv", "json")
QueryFormat = Literal["table", "csv", "tsv", "json"]

_XSD = "http://www.w3.org/2001/XMLSchema#"
_XSD_STRING = _XSD + "string"
_INTEGERS: Final = frozenset(
    _XSD + t
    for t in (
        "integer",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "positiveInteger",
        "negativeInteger",
        "nonPositiveInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    )
)
_FLOATS: Final = frozenset(_XSD + t for t in ("double", "float"))


Term = ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple


def _python(term: Term | None) -> Any:
    """A Python value for a term: IRIs as text, typed literals as numbers, dates..."""
    if term is None:
        return None
    if isinstance(term, ox.Literal):
        dt = term.datatype.value
        value = term.value
        try:
            if dt in _INTEGERS:
                return int(value)
            if dt in _FLOATS:
                return float(value)
            if dt == _XSD + "decimal":
                return float(Decimal(value))
            if dt == _XSD + "boolean":
                return value in ("true", "1")
            if dt == _XSD + "dateTime":
                return datetime.fromisoformat(value.replace("Z", "+00:00"))
            if dt == _XSD + "date":
                return date.fromisoformat(value)
        except ValueError:
            return value
        return value
    if isinstance(term, ox.NamedNode):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def _json_term(term: Term) -> dict[str, Any]:
    if isinstance(term, ox.NamedNode):
        return {"type": "uri", "value": term.value}
    if isinstance(term, ox.BlankNode):
        return {"type": "bnode", "value": term.value}
    if isinstance(term, ox.Literal):
        out: dict[str, Any] = {"type": "literal", "value": term.value}
        if term.language:
            out["xml:lang"] = term.language
        elif term.datatype.value != _XSD_STRING:
            out["datatype"] = term.datatype.value
        return out
    return {
        "type": "triple",
        "value": {
            "subject": _json_term(term.subject),
            "predicate": _json_term(term.predicate),
            "object": _json_term(term.object),
        },
    }


def _csv_value(term: Term | None) -> str:
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode | ox.Literal):
        return term.value
    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return str(term)


def _short(term: Term | None) -> str:
    """A compact display form: prefixed names for known namespaces, bare literal text."""
    if term is None:
        return ""
    if isinstance(term, ox.NamedNode):
        for prefix, ns in PREFIXES.items():
            if term.value.startswith(ns) and re.fullmatch(r"[\w-]+", term.value[len(ns) :]):
                return f"{prefix}:{term.value[len(ns) :]}"
        return term.value
    return _csv_value(term)


@dataclass(slots=True)
class QueryResult:
    """The answer of a query: rows of terms (``SELECT``, and ``CONSTRUCT``/``DESCRIBE``
    as ``subject predicate object`` rows) or a boolean (``ASK``).

    ``elapsed`` is the time the engine took, in seconds.
    """

    variables: list[str]
    rows: list[tuple[Term | None, ...]] = field(default_factory=list)
    boolean: bool | None = None
    elapsed: float = 0.0

    def __len__(self) -> int:
        return len(self.rows) if self.boolean is None else 1

    def to_dataframe(self) -> pd.DataFrame:
        """A DataFrame, one column per variable; literals become numbers, datetimes...

        ``ASK`` gives one column ``ask`` with one boolean.
        """
        import pandas as pd

        if self.boolean is not None:
            return pd.DataFrame({"ask": [self.boolean]})
        data = {v: [_python(row[i]) for row in self.rows] for i, v in enumerate(self.variables)}
        return pd.DataFrame(data, columns=self.variables)

    def to_json(self) -> str:
        """SPARQL 1.1 Query Results JSON."""
        if self.boolean is not None:
            return json.dumps({"head": {}, "boolean": self.boolean})
        bindings = [
            {v: _json_term(t) for v, t in zip(self.variables, row, strict=True) if t is not None} for row in self.rows
        ]
        doc = {"head": {"vars": self.variables}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False)

    def to_csv(self) -> str:
        """SPARQL 1.1 Query Results CSV (values only, CRLF line ends)."""
        buf = io.StringIO()
        writer = csv.writer(buf, lineterminator="\r\n")
        if self.boolean is not None:
            writer.writerow(["ask"])
            writer.writerow(["true" if self.boolean else "false"])
        else:
            writer.writerow(self.variables)
            writer.writerows([_csv_value(t) for t in row] for row in self.rows)
        return buf.getvalue()

    def to_tsv(self) -> str:
        """SPARQL 1.1 Query Results TSV (terms in SPARQL/Turtle syntax)."""
        if self.boolean is not None:
            return "?ask\n" + ("true" if self.boolean else "false") + "\n"
        lines = ["\t".join(f"?{v}" for v in self.variables)]
        lines += ["\t".join("" if t is None else str(t) for t in row) for row in self.rows]
        return "\n".join(lines) + "\n"

    def display_rows(self) -> list[list[str]]:
        """Rows of short display text (prefixed names, bare literals) for a terminal table."""
        if self.boolean is not None:
            return [["true" if self.boolean else "false"]]
        return [[_short(t) for t in row] for row in self.rows]

    def serialize(self, fmt: str) -> str:
        """The result as ``csv``, ``tsv``, ``json`` (or ``table``: tab-separated display rows)."""
        if fmt == "json":
            return self.to_json()
        if fmt == "csv":
            return self.to_csv()
        if fmt == "tsv":
            return self.to_tsv()
        if fmt == "table":
            head = ["ask"] if self.boolean is not None else self.variables
            return "\n".join("\t".join(r) for r in [head, *self.display_rows()]) + "\n"
        raise QueryError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
