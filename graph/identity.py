"""Identity rules: canonical URLs, strict-parser-safe IRIs, labels, node ids.

Every node of the knowledge graph is keyed by an IRI (a string). Articles and
images are keyed by their canonical URL; outlets, websites, topics, tags,
people and organizations by IRIs minted under :data:`ID`.

Rules for an article URL (:func:`canonical_url`):

- only ``http`` and ``https`` URLs are accepted (``javascript:``, ``data:``,
  ``mailto:`` ... give ``None``);
- scheme and host lower-cased, ``www.`` dropped, user info dropped, default
  ports dropped, a trailing dot on the host dropped;
- the fragment dropped; tracking parameters (``utm_*``, ``fbclid``, ...)
  removed from the query, the rest of the query kept in order;
- AMP cache URLs (``*.cdn.ampproject.org/c/s/...``) unwrapped;
- every character not allowed in an IRI (RFC 3987) percent-encoded, so a
  strict parser (pyoxigraph's) accepts the result.

>>> canonical_url("HTTPS://WWW.Example.com:443/a b?utm_source=x&id=1#top")
'https://example.com/a%20b?id=1'
>>> canonical_url("javascript:alert(1)") is None
True
>>> normalize_label("  Computer   Vision ")
'computer vision'
"""

from __future__ import annotations

import ipaddress
import re
from typing import Final
from urllib.parse import SplitResult, urlsplit

__all__ = [
    "ID",
    "TRACKING_PARAMS",
    "canonical_url",
    "dewrap_amp_cache",
    "display_label",
    "encode_iri",
    "id_iri",
    "normalize_domain",
    "normalize_label",
    "slug",
]

#: Namespace under which nodes without a URL of their own are minted.
ID: Final = "https://w3id.org/newsgraph/id/"

#: Query parameters that only track the reader and never name a different page.
TRACKING_PARAMS: Final = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "gclsrc",
        "msclkid",
        "yclid",
        "igshid",
        "mc_cid",
        "mc_eid",
        "_ga",
        "_gl",
        "_hsenc",
        "_hsmi",
        "mkt_tok",
        "ocid",
        "cmpid",
        "s_cid",
        "ncid",
        "__twitter_impression",
    }
)

_DEFAULT_PORTS: Final = {"http": 80, "https": 443}

# ASCII characters an IRI may hold as they are (RFC 3987 unreserved + reserved,
# minus "[" and "]" which are only allowed in an IPv6 host) and "%".
_ASCII_OK: Final = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~:/?#@!$&'()*+,;=%")
_NEEDS_WORK: Final = re.compile(r"[^A-Za-z0-9\-._~:/?#@!$&'()*+,;=%]|%(?![0-9A-Fa-f]{2})")
_BIDI: Final = frozenset([0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])
_UNRESERVED_ESCAPE: Final = re.compile(r"%(2[DdEe]|3[0-9]|[46][1-9A-Fa-f]|[57][0-9Aa]|5[Ff]|7[Ee])")
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f]")
_HOST_OK: Final = re.compile(r"^[^\s/?#@:\[\]\\<>\"'`{}|^%]+$")


def _ucschar(cp: int, in_query: bool) -> bool:
    """Return whether code point ``cp`` may appear unescaped in an IRI."""
    if cp in _BIDI or chr(cp).isspace():  # U+00A0, U+3000...: allowed, but links break and spoof on them
        return False
    if 0xA0 <= cp <= 0xD7FF or 0xF900 <= cp <= 0xFDCF or 0xFDF0 <= cp <= 0xFFEF:
        return True
    if 0x10000 <= cp <= 0xEFFFD:  # RFC 3987 leaves out U+E0000-U+E0FFF (tags)
        return (cp & 0xFFFF) < 0xFFFE and not 0xE0000 <= cp <= 0xE0FFF
    if in_query and (0xE000 <= cp <= 0xF8FF or 0xF0000 <= cp <= 0x10FFFD):
        return (cp & 0xFFFF) < 0xFFFE
    return False


def encode_iri(text: str, in_query: bool = False) -> str:
    """Percent-encode every character of ``text`` not allowed in an IRI part.

    ASCII delimiters are kept (the caller has split the IRI into parts), a
    ``%`` not followed by two hex digits becomes ``%25``, and non-ASCII
    characters are kept when RFC 3987 allows them.

    >>> encode_iri('a b"<c>|é')
    'a%20b%22%3Cc%3E%7Cé'
    >>> encode_iri("100%")
    '100%25'
    """
    if _NEEDS_WORK.search(text) is None:
        return text
    out: list[str] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch == "%":
            if i + 2 < n and _is_hex(text[i + 1 : i + 3]):
                out.append(ch)
            else:
                out.append("%25")
        elif ch in _ASCII_OK or (ord(ch) >= 0x80 and _ucschar(ord(ch), in_query)):
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
    return "".join(out)


def _is_hex(pair: str) -> bool:
    return len(pair) == 2 and all(c in "0123456789abcdefABCDEF" for c in pair)


def _normalize_escapes(part: str) -> str:
    """Decode percent-escapes of unreserved ASCII characters, upper-case the rest."""
    if "%" not in part:
        return part
    part = _UNRESERVED_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), part)
    return re.sub(r"%([0-9a-f]{2}|[0-9A-F][a-f]|[a-f][0-9A-F])", lambda m: "%" + m.group(1).upper(), part)


def normalize_domain(domain: str) -> str | None:
    """Return a bare, lower-case host name for ``domain``, or ``None``.

    Accepts a host (``www.CNN.com``) or a URL (``https://cnn.com/x``).

    >>> normalize_domain("https://WWW.CNN.com/world")
    'cnn.com'
    >>> normalize_domain("not a domain") is None
    True
    """
    text = domain.strip()
    if not text:
        return None
    if "://" in text:
        try:
            host = urlsplit(text).hostname or ""
        except ValueError:
            return None
    else:
        host = text.split("/", 1)[0]
    host = host.lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    if not host or _HOST_OK.match(host) is None or "." not in host.strip("."):
        return None
    return host


def dewrap_amp_cache(url: str) -> str:
    """Return the publisher's URL inside an AMP cache URL (else ``url`` itself).

    >>> dewrap_amp_cache("https://www-cnn-com.cdn.ampproject.org/c/s/www.cnn.com/a.amp")
    'https://www.cnn.com/a.amp'
    """
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return url
    host = (parts.hostname or "").lower()
    if not (host == "cdn.ampproject.org" or host.endswith(".cdn.ampproject.org")):
        return url
    m = re.match(r"^/(?:c|v|i|wp)/(s/)?([^/]+)(/.*)?$", parts.path)
    if m is None:
        return url
    scheme = "https" if m.group(1) else "http"
    rest = m.group(3) or "/"
    query = f"?{parts.query}" if parts.query else ""
    return f"{scheme}://{m.group(2)}{rest}{query}"


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:
        return None


def canonical_url(url: str, dewrap: bool = True, exact: bool = False) -> str | None:
    """Return the canonical IRI for an http(s) ``url``, or ``None`` if it has none.

    With ``exact``, the URL is only checked and made a valid IRI (scheme and
    host lower-cased, fragment dropped): ``www.`` and every query parameter
    stay, for links that must keep working (images, the article's own link).

    >>> canonical_url("https://apnews.com/Business Wire/5054")
    'https://apnews.com/Business%20Wire/5054'
    >>> canonical_url("http://example.com")
    'http://example.com/'
    >>> canonical_url("https://a.org/x?b=1&utm_medium=rss&a=2")
    'https://a.org/x?b=1&a=2'
    >>> canonical_url("https://WWW.a.org/x y?utm_medium=rss#f", exact=True)
    'https://www.a.org/x%20y?utm_medium=rss'
    """
    text = url.strip()
    if not text:
        return None
    # Control characters inside a URL are encoded, never silently removed
    # (urlsplit would strip tabs and newlines).
    if _CONTROL.search(text):
        text = _CONTROL.sub(lambda m: f"%{ord(m.group()):02X}", text)
    if dewrap and not exact:
        text = dewrap_amp_cache(text)
    parts = _split(text)
    if parts is None:
        return None
    scheme = parts.scheme.lower()
    if scheme not in _DEFAULT_PORTS:
        return None
    netloc = parts.netloc.rsplit("@", 1)[-1]
    host, port = _host_port(netloc, keep_www=exact)
    if host is None:
        return None
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        host = f"{host}:{port}"
    path = encode_iri(_normalize_escapes(parts.path)) or "/"
    if not path.startswith("/"):
        path = "/" + path
    query = _clean_query(parts.query, keep_all=exact)
    return f"{scheme}://{host}{path}" + (f"?{query}" if query else "")


def _host_port(netloc: str, keep_www: bool = False) -> tuple[str | None, int | None]:
    port: int | None = None
    host = netloc
    if host.startswith("["):  # IPv6 literal
        end = host.find("]")
        if end < 0:
            return None, None
        rest = host[end + 1 :]
        host = host[: end + 1].lower()
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            return None, None
        if rest.startswith(":") and rest[1:].isdigit():
            port = int(rest[1:])
        elif rest:
            return None, None
        return host, port
    if ":" in host:
        host, _, port_text = host.rpartition(":")
        if port_text:
            if not port_text.isdigit() or int(port_text) > 65535:
                return None, None
            port = int(port_text)
    host = host.lower().rstrip(".")
    if host.startswith("www.") and not keep_www:
        host = host[4:]
    if not host or _HOST_OK.match(host) is None or encode_iri(host) != host:
        return None, None  # a host needing escapes (C1 controls, bidi marks...) is not a host
    return host, port


def _clean_query(query: str, keep_all: bool = False) -> str:
    if not query:
        return ""
    if keep_all:
        return encode_iri(_normalize_escapes(query), in_query=True)
    kept = []
    for pair in query.split("&"):
        if not pair:
            continue
        key = pair.split("=", 1)[0].lower()
        if key.startswith("utm_") or key in TRACKING_PARAMS:
            continue
        kept.append(pair)
    return encode_iri(_normalize_escapes("&".join(kept)), in_query=True)


def normalize_label(label: str) -> str:
    """Return the identity key of a topic, tag or name: case-folded, spaces collapsed.

    >>> normalize_label("US-CA") == normalize_label(" us-ca ")
    True
    """
    return " ".join(label.split()).casefold()


def display_label(label: str) -> str:
    """Return ``label`` with white space collapsed, case kept.

    >>> display_label(" Computer\\n Vision")
    'Computer Vision'
    """
    return " ".join(label.split())


def slug(label: str) -> str:
    """Return an IRI path segment for a normalized label (``_`` for spaces).

    >>> slug("computer vision")
    'computer_vision'
    >>> slug("a_b / c")
    'a%5Fb_%2F_c'
    """
    text = label.replace("%", "%25").replace("_", "%5F").replace("/", "%2F")
    text = text.replace("?", "%3F").replace("#", "%23").replace(" ", "_")
    return encode_iri(text)


def id_iri(kind: str, *keys: str) -> str:
    """Return the IRI minted for a node of ``kind`` keyed by ``keys``.

    >>> id_iri("topic", "computer vision")
    'https://w3id.org/newsgraph/id/topic/computer_vision'
    >>> id_iri("provider", "cbslocal.com", "cbs boston / wbz")
    'https://w3id.org/newsgraph/id/provider/cbslocal.com/cbs_boston_%2F_wbz'
    """
    return ID + kind + "/" + "/".join(slug(k) for k in keys)
