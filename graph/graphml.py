"""GraphML as text, element by element: what networkx.write_graphml gives, 3-4 times faster.

``networkx.write_graphml`` builds an ElementTree of the whole graph first:
on the shared corpus (12,924 nodes, 32,725 edges) it takes 1.7-1.8 s, where
these functions take 0.45 s for the same document (measured side by side,
medians of seven runs). They make the parts separately, so the build writes
the elements in id order (nodes, then each node's out-edges) and a rebuild can
patch them (:mod:`graph.blocks`): :func:`header` (the ``<key>`` declarations),
:func:`node_element`, :func:`edge_element`, :func:`footer`. Attribute values
are written as ``str``, ``bool``, ``int`` or ``float``; a key's type is the
type all its values share, else ``string``. Other values are written as JSON
text (lists, mappings; dates as ISO 8601) and ``None`` is left out.

>>> import networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_edge("a", "b", "r", relation="r")
'r'
>>> text = header(g) + node_element("a", {}) + node_element("b", {}) + edge_element("a", "b", "r", {"relation": "r"})
>>> h = nx.parse_graphml(text + footer(), force_multigraph=True)
>>> list(h.edges(keys=True, data=True))
[('a', 'b', 'r', {'relation': 'r'})]
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime
from typing import Any, Final

import networkx as nx

from .model import attributes, successors

__all__ = ["edge_element", "footer", "header", "node_element"]

_TYPES: Final = {bool: "boolean", int: "long", float: "double", str: "string"}


def escape(text: str) -> str:
    """Escape XML character data (``str.replace`` is far faster than ``xml.sax.saxutils``).

    >>> escape("a < b & c")
    'a &lt; b &amp; c'
    """
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    return text


def quoteattr(text: str) -> str:
    r"""Escape and quote an XML attribute value, keeping white space as written.

    >>> quoteattr('say "hi"\n')
    '"say &quot;hi&quot;&#10;"'
    """
    text = escape(text)
    if '"' in text:
        text = text.replace('"', "&quot;")
    if "\n" in text or "\r" in text or "\t" in text:
        text = text.replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    return f'"{text}"'


def _keys(items: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Attribute name → GraphML type, names sorted: the type all its values share, else ``string``."""
    pairs = {(name, type(value)) for data in items for name, value in data.items() if value is not None}
    types: dict[str, set[str]] = {}
    for name, kind in pairs:
        types.setdefault(name, set()).add(_TYPES.get(kind, "string"))
    return {name: (next(iter(types[name])) if len(types[name]) == 1 else "string") for name in sorted(types)}


def _iso(value: Any) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    raise TypeError(f"cannot write {type(value).__name__} in GraphML")


def _value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (str, int, float)):
        return escape(str(value))
    if isinstance(value, datetime):
        return value.isoformat()
    return escape(json.dumps(value, ensure_ascii=True, default=_iso))


def header(g: nx.MultiDiGraph) -> str:
    """The start of the document, up to ``<graph>``: the declaration of every attribute key of ``g``."""
    node_keys = _keys(attributes(g).values())
    edge_keys = _keys(data for adj in successors(g).values() for keyed in adj.values() for data in keyed.values())
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>\n',
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n',
    ]
    for scope, keys in (("node", node_keys), ("edge", edge_keys)):
        for name, kind in keys.items():
            attr = quoteattr(name)
            parts.append(
                f'<key id={quoteattr(scope + ":" + name)} for="{scope}" attr.name={attr} attr.type="{kind}"/>\n'
            )
    parts.append('<graph edgedefault="directed">\n')
    return "".join(parts)


def footer() -> str:
    """The end of the document."""
    return "</graph>\n</graphml>\n"


def node_element(node: str, data: dict[str, Any]) -> str:
    """The ``<node>`` element of ``node`` (one line)."""
    parts = [f"<node id={quoteattr(node)}>"]
    parts.extend(f"<data key={quoteattr('node:' + k)}>{_value(v)}</data>" for k, v in data.items() if v is not None)
    parts.append("</node>\n")
    return "".join(parts)


def edge_element(u: str, v: str, key: Any, data: dict[str, Any]) -> str:
    """The ``<edge>`` element of the edge ``u`` → ``v`` keyed ``key`` (one line)."""
    parts = [f"<edge source={quoteattr(u)} target={quoteattr(v)} id={quoteattr(str(key))}>"]
    parts.extend(f"<data key={quoteattr('edge:' + k)}>{_value(x)}</data>" for k, x in data.items() if x is not None)
    parts.append("</edge>\n")
    return "".join(parts)
