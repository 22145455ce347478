"""One article record from a checked front-matter mapping (and its ``related`` entries)."""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from typing import Any, Final

from ..identity import canonical_url, display_label, normalize_domain
from ..records import ArticleRecord, Diagnostic, ImageRecord, ProviderRecord
from .fields import Fields

__all__ = ["NEWS_TYPES", "article_record", "jsonable", "keep_unknown", "named_images", "organization"]

#: Values of ``type`` that news items carry (the genre); other types (profile, collection, event, ...)
#: without a URL are reported as not read, not as articles missing their URL.
NEWS_TYPES: Final = frozenset({"article", "news", "analysis", "blog", "opinion", "report", "review", "video"})

_SURROGATE: Final = re.compile(r"[\ud800-\udfff]")  # no UTF-8 output can carry a lone surrogate


_ARTICLE_KEYS: Final = frozenset(
    {
        "category", "title", "excerpt", "publishedDateTime", "updatedDateTime", "originalUrl",
        "webUrl", "ampWebUrl", "cdnAmpWebUrl", "type", "quality", "heat", "published",
        "provider", "topics", "tags", "images", "related", "featuredContent", "secured",
    }
)  # fmt: skip


def article_record(
    meta: dict[Any, Any], path: str, diags: list[Diagnostic], stub: bool, where: str, base: str | None = None
) -> ArticleRecord | None:
    """The article of ``meta`` (None when it has no usable URL); ``base``: the site's address, for
    site-relative URLs."""
    f = Fields(meta, path, diags, where, base)
    web = f.url("webUrl")
    original = f.url("originalUrl")
    amp = f.url("ampWebUrl")
    cdn = f.url("cdnAmpWebUrl")
    iri = web or original or amp or cdn
    if iri is None:
        kind = meta.get("type")
        if not stub and isinstance(kind, str) and kind.strip() and kind.strip().lower() not in NEWS_TYPES:
            fields = ", ".join(sorted(str(k) for k in meta)[:12]) + (", ..." if len(meta) > 12 else "")
            diags.append(
                Diagnostic(
                    path,
                    "warning",
                    "unsupported-type",
                    f"'type: {kind.strip()[:40]}' items are not read into the graph (newsgraph reads news items: "
                    f"a webUrl and a title); the file is skipped, with its fields {fields}",
                    field="type",
                )
            )
            return None
        what = f"'{where.rstrip('.')}'" if where else "the file"
        diags.append(
            Diagnostic(
                path,
                "warning" if stub else "error",
                "no-identity",
                f"{what} has no usable webUrl, originalUrl or AMP URL, so the article cannot be identified; "
                + ("the entry is skipped" if stub else "add a webUrl"),
                field=where.rstrip(".") or None,
            )
        )
        return None
    link = next(u for u in (_exact(meta, k) for k in ("webUrl", "originalUrl", "ampWebUrl", "cdnAmpWebUrl")) if u)
    aliases: list[str] = []
    for alias in (web, original, amp, cdn, canonical_url(meta["cdnAmpWebUrl"], dewrap=False) if cdn else None):
        if alias and alias != iri and alias not in aliases:
            aliases.append(alias)
    record = ArticleRecord(
        iri=iri,
        source=path,
        stub=stub,
        url=link,
        same_as=aliases,
        title=f.text("title"),
        excerpt=f.text("excerpt"),
        category=f.text("category"),
        type=f.text("type"),
        published_at=f.when("publishedDateTime"),
        updated_at=f.when("updatedDateTime"),
        quality=f.integer("quality"),
        heat=f.integer("heat"),
        published=f.boolean("published"),
        provider=_provider(f),
        topics=f.labels("topics"),
        tags=f.labels("tags"),
        images=_images(f, "images"),
    )
    if "featuredContent" in meta:
        record.featured_content = jsonable(meta["featuredContent"])
    for i, entry in f.mappings("related"):
        rel = article_record(entry, path, diags, stub=True, where=f"{where}related[{i}].", base=base)
        if rel is not None:
            record.related.append(rel)
    keep_unknown(f, _ARTICLE_KEYS, record)
    return record


def keep_unknown(f: Fields, known: frozenset[str], record: ArticleRecord) -> None:
    """Keep the fields of ``f.meta`` not in ``known`` in ``record.extra`` (as JSON values); warn of a key that
    is not text."""
    for key, value in f.meta.items():
        if key in known:
            continue
        if not isinstance(key, str):
            f.warn(str(key), f"field name {key!r} is not text; the field is ignored", "bad-key")
            continue
        record.extra[key] = jsonable(value)


def _exact(meta: dict[Any, Any], key: str) -> str | None:
    value = meta.get(key)
    return canonical_url(value, exact=True) if isinstance(value, str) else None


def _provider(f: Fields, key: str = "provider") -> ProviderRecord | None:
    """The outlet (or, with another ``key``, the organization) a field names: a name, a domain, or both."""
    value = f.meta.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        value = {"name": value}
    if not isinstance(value, dict):
        f.wrong(key, value, "a mapping with name and domain")
        return None
    p = Fields(value, f.path, f.diags, f"{f.where}{key}.", f.base)
    domain_text = p.text("domain")
    domain = normalize_domain(domain_text) if domain_text else None
    if domain_text and domain is None:
        p.warn("domain", f"'{p.where}domain' is not a host name ({domain_text[:60]!r}); ignored", "bad-domain")
    name = p.text("name")
    if name is None and domain is None:
        f.warn(key, f"'{f.where}{key}' has neither a name nor a domain; ignored", "no-identity")
        return None
    return ProviderRecord(
        name=display_label(name) if name else None,
        domain=domain,
        images=_images(p, "images"),
        authors=_names(p, "authors"),
        publishers=_names(p, "publishers"),
    )


def _names(f: Fields, key: str) -> list[str]:
    value = f.meta.get(key)
    if isinstance(value, list):
        value = [v.get("name") if isinstance(v, dict) else v for v in value]
    return Fields({key: value}, f.path, f.diags, f.where, f.base).labels(key)


def _images(f: Fields, key: str) -> list[ImageRecord]:
    out: list[ImageRecord] = []
    for i, entry in f.mappings(key):
        im = Fields(entry, f.path, f.diags, f"{f.where}{key}[{i}].", f.base)
        url = im.url("url", exact=True)
        if url is None:
            if entry.get("url") is None:
                im.warn("url", f"'{im.where}url' is missing; the image is ignored", "no-identity")
            continue
        out.append(
            ImageRecord(
                url=url,
                width=im.integer("width"),
                height=im.integer("height"),
                title=im.text("title"),
                attribution=im.text("attribution"),
                is_cached=im.boolean("isCached"),
            )
        )
    return out


def jsonable(value: Any) -> Any:
    """Return ``value`` with dates as ISO text and keys as text, so it serializes as JSON."""
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, dict):
        return {_SURROGATE.sub("\ufffd", str(k)): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, (int, float, bool)) or value is None:
        return value
    return json.dumps(value, default=str)


#: For :mod:`graph.read.items`: an organization field read like a provider, and a list of images.
organization = _provider
named_images = _images
