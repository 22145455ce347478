"""Type-checking the fields of one front-matter mapping, one diagnostic per problem."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any, Final
from urllib.parse import urljoin, urlsplit, urlunsplit

from ..errors import OptionError
from ..identity import canonical_url, display_label
from ..records import Diagnostic, Severity

__all__ = ["MAX_TEXT", "Fields", "check_base_url", "value_kind"]

#: Longest text kept in one field; longer values are cut, with a warning.
MAX_TEXT: Final = 100_000

# Characters no output format may carry as they are (XML forbids C0 controls,
# UTF-8 forbids lone surrogates) and bidi overrides that disguise text.
_CONTROL: Final = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\ud800-\udfff\ufffe\uffff\u202a-\u202e\u2066-\u2069]")
_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")  # no UTF-8 output can carry a lone surrogate


def check_base_url(url: str | None) -> str | None:
    """A site's address to resolve site-relative URLs against, ending in ``/`` (None stays None).

    Raises :class:`~graph.errors.OptionError` for anything but an absolute http(s) URL.

    >>> check_base_url("https://Example.org")
    'https://example.org/'
    >>> check_base_url("example.org")
    Traceback (most recent call last):
    ...
    graph.errors.OptionError: --base-url 'example.org' is not an absolute http(s) URL; give the site's address, like https://example.org/
    """
    if url is None:
        return None
    parts = urlsplit(url.strip())
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise OptionError(
            f"--base-url {url!r} is not an absolute http(s) URL; give the site's address, like https://example.org/"
        )
    path = parts.path if parts.path.endswith("/") else parts.path + "/"
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), path, "", ""))


class Fields:
    """Type-checks the fields of one mapping, collecting diagnostics."""

    __slots__ = ("base", "diags", "meta", "path", "where")

    def __init__(
        self, meta: dict[Any, Any], path: str, diags: list[Diagnostic], where: str, base: str | None = None
    ) -> None:
        self.meta = meta
        self.path = path
        self.diags = diags
        self.where = where
        #: The site's address: site-relative URLs (``/assets/...``) are resolved against it.
        self.base = base

    def warn(self, key: str, message: str, code: str = "field-type", severity: Severity = "warning") -> None:
        self.diags.append(Diagnostic(self.path, severity, code, message, field=self.where + key))

    def wrong(self, key: str, value: object, expected: str) -> None:
        self.warn(key, f"'{self.where}{key}' should be {expected}, not {value_kind(value)}; the field is ignored")

    def text(self, key: str) -> str | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            self.wrong(key, value, "text")
            return None
        return self.clean(key, str(value))

    def clean(self, key: str, text: str) -> str | None:
        if "\r" in text:  # Windows (CR LF) and old Mac (CR) line breaks, as YAML escapes
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        if _CONTROL.search(text):
            found = sorted(set(_CONTROL.findall(text)))
            names = ", ".join(f"U+{ord(c):04X}" for c in found[:5])
            if len(found) > 5:
                names += f" and {len(found) - 5} more"
            text = _CONTROL.sub("\ufffd", text)
            self.warn(
                key,
                f"'{self.where}{key}' holds {names} (control or bidi-override "
                f"character{'s' if len(found) > 1 else ''}); replaced by U+FFFD",
                "control-character",
            )
        if len(text) > MAX_TEXT:
            self.warn(key, f"'{self.where}{key}' is {len(text):,} characters; cut to {MAX_TEXT:,}", "too-long")
            text = text[:MAX_TEXT]
        text = text.strip()
        return text or None

    def integer(self, key: str) -> int | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if isinstance(value, bool):
            self.wrong(key, value, "a whole number")
            return None
        if isinstance(value, int):
            return value
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"\s*-?\d{1,18}\s*", value):
            return int(value)
        self.wrong(key, value, "a whole number")
        return None

    def boolean(self, key: str) -> bool | None:
        value = self.meta.get(key)
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in ("true", "false"):
            return value.strip().lower() == "true"
        self.wrong(key, value, "true or false")
        return None

    def when(self, key: str) -> datetime | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if isinstance(value, datetime):
            moment = value
        elif isinstance(value, date):
            moment = datetime(value.year, value.month, value.day)
        elif isinstance(value, str):
            try:
                moment = datetime.fromisoformat(value.strip())
            except ValueError:
                self.warn(
                    key,
                    f"'{self.where}{key}' is not an ISO 8601 date-time ({value[:40]!r}); "
                    "write it like 2020-05-06T08:06:00Z",
                    "bad-date",
                )
                return None
        else:
            self.wrong(key, value, "a date-time")
            return None
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
            self.warn(key, f"'{self.where}{key}' has no time zone; taken as UTC", "naive-date", "info")
        return moment

    def url(self, key: str, dewrap: bool = True, exact: bool = False) -> str | None:
        value = self.meta.get(key)
        if value is None:
            return None
        if not isinstance(value, str):
            self.wrong(key, value, "a URL")
            return None
        text = value.strip()
        relative = text.startswith("/") and not text.startswith("//")
        if relative and self.base is not None:
            text = urljoin(self.base, text)
        iri = canonical_url(text, dewrap=dewrap, exact=exact)
        if iri is None and text:
            if relative and self.base is None:
                self.warn(
                    key,
                    f"'{self.where}{key}' is a relative URL with nothing to resolve it against ({value[:60]!r}); "
                    "ignored (give the site's address with --base-url to resolve it)",
                    "bad-url",
                )
            else:
                self.warn(key, f"'{self.where}{key}' is not an http(s) URL ({value[:60]!r}); ignored", "bad-url")
        return iri

    def labels(self, key: str) -> list[str]:
        value = self.meta.get(key)
        if value is None:
            return []
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            value = [value]
        if not isinstance(value, list):
            self.wrong(key, value, "a list of names")
            return []
        out: list[str] = []
        for i, item in enumerate(value):
            if isinstance(item, bool) or not isinstance(item, (str, int, float)):
                self.warn(key, f"'{self.where}{key}[{i}]' should be a name, not {value_kind(item)}; ignored")
                continue
            label = self.clean(key, display_label(str(item)))
            if label:
                out.append(label)
        return out

    def mappings(self, key: str) -> list[tuple[int, dict[Any, Any]]]:
        value = self.meta.get(key)
        if value is None:
            return []
        if isinstance(value, dict) or (isinstance(value, str) and key == "images"):
            value = [value]
        if not isinstance(value, list):
            self.wrong(key, value, "a list")
            return []
        out = []
        for i, item in enumerate(value):
            if isinstance(item, dict):
                out.append((i, item))
            elif isinstance(item, str) and key == "images":
                out.append((i, {"url": item}))
            else:
                self.warn(key, f"'{self.where}{key}[{i}]' should be a mapping, not {value_kind(item)}; ignored")
        return out


def value_kind(value: object) -> str:
    return {
        "str": "text",
        "int": "number",
        "float": "number",
        "bool": "boolean",
        "list": "list",
        "dict": "mapping",
        "NoneType": "empty value",
    }.get(type(value).__name__, type(value).__name__)
