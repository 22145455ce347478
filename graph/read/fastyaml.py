"""A fast path for the plain block YAML that news front matter is written in.

PyYAML's C loader parses in C but builds every value in Python; for the
shared corpus that is 2.6 s of a build. News front matter is a small, regular
subset of YAML: block mappings and sequences, one scalar per line, quoted or
plain. :func:`load` parses exactly that subset in one pass over the lines and
returns :data:`FALLBACK` for anything else (flow collections, anchors, tags,
block scalars, multi-line scalars, comments after values, escapes it does
not know, numbers in YAML 1.1's odd spellings, characters YAML forbids), so
the caller hands those documents to PyYAML. It resolves scalars as the
reader's PyYAML loader does (YAML 1.2 booleans, dates kept as text), and the
tests check it against PyYAML on every file of the shared corpus.

>>> load('title: "Hi"\\nquality: 19\\npublished: false\\ntopics:\\n  - AI\\n  - Computer Vision\\n')
{'title': 'Hi', 'quality': 19, 'published': False, 'topics': ['AI', 'Computer Vision']}
>>> load("a: [1, 2]") is FALLBACK
True
"""

from __future__ import annotations

import re
from typing import Any, Final

__all__ = ["FALLBACK", "load"]


class _Fallback:
    """Marker: this document needs the full YAML parser."""

    def __repr__(self) -> str:
        return "FALLBACK"


FALLBACK: Final = _Fallback()

#: Deepest nesting of collections taken here; deeper documents go to the full
#: parser, whose guard refuses them (the same limit as ``graph.read.MAX_DEPTH``).
MAX_DEPTH: Final = 64

# Characters YAML does not allow in a stream (PyYAML's Reader.NON_PRINTABLE).
_NON_PRINTABLE: Final = re.compile("[^\x09\x0a\x0d\x20-\x7e\x85\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
# Tabs, and what YAML 1.1 counts as line breaks besides "\n" (NEL, LS, PS, CR).
_OTHER_BREAKS: Final = re.compile("[\t\r\x85\u2028\u2029]")
_KEY: Final = re.compile(r"([A-Za-z_][A-Za-z0-9_\-]*):(?: +(.*))?$")
_INT: Final = re.compile(r"[-+]?(?:0|[1-9][0-9]*)$")
_NULLS: Final = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS: Final = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
# A plain scalar starting with one of these is an indicator: full parser.
_INDICATORS: Final = frozenset("[]{}&*!|>%@`#'\",?:-")
# YAML 1.1 numbers, as PyYAML resolves them: anything but a plain decimal int goes to PyYAML.
_NUMBER_11: Final = re.compile(
    r"[-+]?0b[0-1_]+$|[-+]?0[0-7_]+$|[-+]?(?:0|[1-9][0-9_]*)$|[-+]?0x[0-9a-fA-F_]+$"
    r"|[-+]?[1-9][0-9_]*(?::[0-5]?[0-9])+$"
    r"|[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+][0-9]+)?$|\.[0-9][0-9_]*(?:[eE][-+][0-9]+)?$"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+\.[0-9_]*$|[-+]?\.(?:inf|Inf|INF)$|\.(?:nan|NaN|NAN)$"
)
_ESCAPES: Final = {
    "0": "\0",
    "a": "\a",
    "b": "\b",
    "t": "\t",
    "\t": "\t",
    "n": "\n",
    "v": "\v",
    "f": "\f",
    "r": "\r",
    "e": "\x1b",
    " ": " ",
    '"': '"',
    "/": "/",
    "\\": "\\",
    "N": "\x85",
    "_": "\xa0",
    "L": "\u2028",
    "P": "\u2029",
}
_ESCAPE: Final = re.compile(r"\\(x[0-9A-Fa-f]{2}|u[0-9A-Fa-f]{4}|U[0-9A-Fa-f]{8}|.)")


class _Unsure(Exception):
    """Raised inside the parser when the document leaves the subset."""


def _unescape(match: re.Match[str]) -> str:
    code = match.group(1)
    if len(code) > 1:
        cp = int(code[1:], 16)
        if 0xD800 <= cp <= 0xDFFF or cp > 0x10FFFF:
            raise _Unsure
        return chr(cp)
    if code not in _ESCAPES:
        raise _Unsure
    return _ESCAPES[code]


def _scalar(raw: str) -> Any:
    text = raw.rstrip(" ")
    if not text:
        return None
    first = text[0]
    if first == '"':
        if len(text) < 2 or text[-1] != '"':
            raise _Unsure
        inner = text[1:-1]
        if "\\" in inner:
            # An escaped backslash before the closing quote, or a quote inside: leave it to PyYAML.
            if inner.endswith("\\") or re.search(r'(?<!\\)"', inner.replace("\\\\", "")):
                raise _Unsure
            return _ESCAPE.sub(_unescape, inner)
        if '"' in inner:
            raise _Unsure
        return inner
    if first == "'":
        if len(text) < 2 or text[-1] != "'":
            raise _Unsure
        inner = text[1:-1]
        if "'" in inner.replace("''", ""):
            raise _Unsure
        return inner.replace("''", "'")
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if _INT.match(text):
        return int(text)
    if first in _INDICATORS or ": " in text or " #" in text or text.endswith(":"):
        raise _Unsure
    if first in "+.0123456789" and _NUMBER_11.match(text):
        raise _Unsure
    return text


class _Parser:
    __slots__ = ("depth", "indents", "lines", "n")

    def __init__(self, text: str) -> None:
        self.depth = 0
        self.lines = text.split("\n")
        self.n = len(self.lines)
        # Indentation of each line; None for blank lines and whole-line comments.
        indents: list[int | None] = []
        for line in self.lines:
            stripped = line.lstrip(" ")
            if not stripped or stripped.startswith("#"):
                indents.append(None)
            else:
                indents.append(len(line) - len(stripped))
        self.indents = indents

    def next_line(self, i: int) -> int:
        while i < self.n and self.indents[i] is None:
            i += 1
        return i

    def block(self, i: int) -> tuple[Any, int]:
        indent = self.indents[i]
        assert indent is not None
        content = self.lines[i][indent:]
        if content == "-" or content.startswith("- "):
            return self.sequence(i, indent)
        return self.mapping(i, indent)

    def enter(self) -> None:
        """Count one more open collection; past :data:`MAX_DEPTH` leave it to the full parser."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise _Unsure  # the full parser's guard refuses it, with a diagnostic

    def mapping(self, i: int, indent: int, first: str | None = None) -> tuple[dict[str, Any], int]:
        self.enter()
        result: dict[str, Any] = {}
        while True:
            if first is not None:
                content, first = first, None
                i -= 1  # the caller has consumed the line that holds ``first``
            else:
                i = self.next_line(i)
                if i >= self.n or (self.indents[i] or 0) < indent:
                    self.depth -= 1
                    return result, i
                if self.indents[i] != indent:
                    raise _Unsure
                content = self.lines[i][indent:]
            m = _KEY.match(content)
            if m is None:
                raise _Unsure
            key, rest = m.group(1), m.group(2)
            if key in _BOOLS or key in _NULLS:
                raise _Unsure  # a key PyYAML would read as a boolean or null
            i += 1
            if rest is None or not rest.strip(" "):
                j = self.next_line(i)
                deeper = j < self.n and (self.indents[j] or 0) > indent
                same_level_seq = (
                    j < self.n and self.indents[j] == indent and self.lines[j][indent : indent + 2] in ("- ", "-")
                )
                if deeper or same_level_seq:
                    result[key], i = self.block(j)
                else:
                    result[key] = None
            else:
                result[key] = _scalar(rest)
                j = self.next_line(i)
                if j < self.n and (self.indents[j] or 0) > indent:
                    raise _Unsure  # a multi-line plain scalar, or worse

    def sequence(self, i: int, indent: int) -> tuple[list[Any], int]:
        self.enter()
        items: list[Any] = []
        while True:
            i = self.next_line(i)
            if i >= self.n or (self.indents[i] or 0) < indent:
                self.depth -= 1
                return items, i
            line = self.lines[i]
            if self.indents[i] != indent or not (line[indent:] == "-" or line[indent:].startswith("- ")):
                if self.indents[i] == indent:
                    self.depth -= 1
                    return items, i  # a sequence at a key's own indentation ends at the next key
                raise _Unsure
            rest = line[indent + 1 :]
            content = rest.lstrip(" ")
            i += 1
            if not content:
                j = self.next_line(i)
                if j < self.n and (self.indents[j] or 0) > indent:
                    item, i = self.block(j)
                    items.append(item)
                else:
                    items.append(None)
            elif content.startswith("- ") or content == "-":
                raise _Unsure
            elif _KEY.match(content):
                item_indent = indent + 1 + (len(rest) - len(content))
                item, i = self.mapping(i, item_indent, first=content)
                items.append(item)
            else:
                items.append(_scalar(content))
                j = self.next_line(i)
                if j < self.n and (self.indents[j] or 0) > indent:
                    raise _Unsure


def load(text: str) -> Any:
    """Parse ``text`` if it is in the simple subset; else return :data:`FALLBACK`."""
    if _OTHER_BREAKS.search(text) or _NON_PRINTABLE.search(text):
        return FALLBACK
    parser = _Parser(text)
    start = parser.next_line(0)
    if start >= parser.n:
        return FALLBACK  # empty: let PyYAML say what it is
    if parser.indents[start] != 0:
        return FALLBACK
    try:
        value, end = parser.block(start)
    except (_Unsure, RecursionError):
        return FALLBACK
    if parser.next_line(end) < parser.n:
        return FALLBACK
    return value
