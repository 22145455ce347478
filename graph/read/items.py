"""The other items of a news site: profiles, collections and events, read into records of their own kind.

Sites of the seeds' family (Jekyll sites) keep items in collection folders
(``_news``, ``_learning``, ``_people``, ``_events``, ...). Besides news items
they hold:

=============== ============ ===============================================================
``type``        node kind    read as
=============== ============ ===============================================================
``profile``     ``person``   ``name`` (the identity: one node with the authors of that name),
                             ``bio``, ``location``, ``affiliation`` (an organization),
                             ``website``, ``twitter``/``linkedin`` (``sameAs``), ``topics``
``collection``  collection   ``title``, ``excerpt``, ``provider``, ``topics``, ``images`` and
                             ``items``: site ids (``videos/some-slug``) of its parts
``event``       ``event``    ``title``, ``excerpt``, ``startDate``/``endDate``, ``location``,
                             ``url``, ``provider`` (the organizer), ``topics``
=============== ============ ===============================================================

A file in a collection folder has a *site id*: its path inside that folder
without the suffix (``_learning/videos/some-slug.md`` is ``videos/some-slug``),
which is how a collection's ``items`` name it. Every such item is also known by
:func:`item_iri` of its site id (an alias, like an AMP URL), so a collection's
parts join the items they name by the identity rule of :mod:`graph.merge`; an
item without a URL of its own (a collection, an event) is identified by it.

>>> text = "---\\ntype: profile\\nname: Ada Lovelace\\nbio: Analyst.\\n---\\n"
>>> r = item_record(fastyaml.load(text.split("---")[1]), "site/_people/ada.md", [], None)
>>> r.kind, r.iri, r.same_as
('person', 'https://w3id.org/newsgraph/id/person/ada_lovelace', ['https://w3id.org/newsgraph/id/item/ada'])
"""

from __future__ import annotations

import re
from typing import Any, Final
from urllib.parse import urljoin

from ..identity import canonical_url, display_label, id_iri, normalize_label
from ..records import ArticleRecord, Diagnostic
from . import fastyaml  # noqa: F401  (used by the doctest)
from .article import jsonable, keep_unknown, named_images, organization
from .fields import Fields

__all__ = ["ITEM_TYPES", "item_iri", "item_record", "site_id"]

#: ``type`` values read here (lower case), and the node kind each makes.
ITEM_TYPES: Final = {"profile": "person", "person": "person", "collection": "collection", "event": "event"}

_SUFFIX: Final = re.compile(r"\.(?:md|markdown|txt)$", re.IGNORECASE)
_FOLDER: Final = re.compile(r"^_[A-Za-z0-9]")

_KEYS: Final = {
    "person": frozenset(
        {"type", "name", "title", "bio", "excerpt", "location", "affiliation", "website", "twitter", "linkedin",
         "topics", "tags", "images"}
    ),
    "collection": frozenset(
        {"type", "title", "excerpt", "provider", "topics", "tags", "images", "items", "webUrl", "url",
         "publishedDateTime", "updatedDateTime"}
    ),
    "event": frozenset(
        {"type", "title", "name", "excerpt", "description", "startDate", "startDateTime", "date", "endDate",
         "endDateTime", "location", "webUrl", "url", "provider", "topics", "tags", "images", "publishedDateTime"}
    ),
}  # fmt: skip


def site_id(path: str) -> str | None:
    """The site id of the file at ``path``: its path inside its collection folder, without the suffix.

    >>> site_id("site/_learning/videos/some-slug.md"), site_id("news/a.md")
    ('videos/some-slug', None)
    """
    parts = path.replace("\\", "/").split("/")
    for i in range(len(parts) - 2, -1, -1):
        if _FOLDER.match(parts[i]):
            rest = "/".join(parts[i + 1 :])
            return _SUFFIX.sub("", rest) or None
    return None


def item_iri(sid: str) -> str:
    """The IRI minted for the item of site id ``sid`` (its segments kept as path segments).

    >>> item_iri("videos/Some Slug")
    'https://w3id.org/newsgraph/id/item/videos/Some_Slug'
    """
    return id_iri("item", *sid.split("/"))


def item_record(meta: dict[Any, Any], path: str, diags: list[Diagnostic], base: str | None) -> ArticleRecord | None:
    """The record of a profile, collection or event (``meta["type"]`` in :data:`ITEM_TYPES`), or None
    (with an error in ``diags``) when it cannot be identified."""
    kind = ITEM_TYPES[str(meta.get("type", "")).strip().lower()]
    f = Fields(meta, path, diags, "", base)
    sid = site_id(path)
    own = item_iri(sid) if sid else None
    if kind == "person":
        record = _profile(f, own)
    elif kind == "collection":
        record = _collection(f, own)
    else:
        record = _event(f, own)
    if record is None:
        return None
    record.topics = f.labels("topics")
    record.tags = f.labels("tags")
    record.images = named_images(f, "images")
    keep_unknown(f, _KEYS[kind], record)
    return record


def _no_identity(f: Fields, what: str, need: str) -> None:
    f.diags.append(
        Diagnostic(
            f.path,
            "error",
            "no-identity",
            f"the {what} cannot be identified: give it {need} (or keep the file in a site collection folder such "
            "as _events/, whose path names it)",
        )
    )


def _profile(f: Fields, own: str | None) -> ArticleRecord | None:
    name = f.text("name") or f.text("title")
    if name:
        name = display_label(name)
        iri = id_iri("person", normalize_label(name))
    elif own:
        iri = own
    else:
        _no_identity(f, "profile", "a name")
        return None
    website = f.url("website")
    same_as: list[str] = []
    extra: dict[str, Any] = {}
    for key, host in (("twitter", "https://twitter.com/"), ("linkedin", "https://www.linkedin.com/in/")):
        url, details = _social(f, key, host)
        if url and url not in same_as:
            same_as.append(url)
        extra.update(details)
    if own and own != iri:
        same_as.append(own)
    record = ArticleRecord(
        iri=iri,
        source=f.path,
        kind="person",
        url=_link(f, "website") if website else None,
        same_as=same_as,
        title=name,
        excerpt=f.text("bio") or f.text("excerpt"),
        location=_place(f, "location"),
        affiliation=organization(f, "affiliation"),
    )
    record.extra.update(extra)
    return record


def _social(f: Fields, key: str, host: str) -> tuple[str | None, dict[str, Any]]:
    """A social profile's URL (``twitter: {username, url, followers}`` or a URL or a user name) and what
    else it says (kept in ``extra`` as ``twitter.followers`` and the like)."""
    value = f.meta.get(key)
    if value is None:
        return None, {}
    if isinstance(value, str):
        value = {"url": value} if "/" in value else {"username": value}
    if not isinstance(value, dict):
        f.wrong(key, value, "a mapping with username and url, or a URL")
        return None, {}
    s = Fields(value, f.path, f.diags, f"{key}.", f.base)
    url = s.url("url", exact=True)
    user = s.text("username")
    if url is None and user:
        url = canonical_url(host + user.lstrip("@"), exact=True)
    details = {f"{key}.{k}": jsonable(v) for k, v in value.items() if k not in ("url", "username") and v is not None}
    if user:
        details[f"{key}.username"] = user
    return url, details


def _place(f: Fields, key: str) -> str | None:
    """A location as text: ``Seattle, WA`` or ``{name, city, region, country}`` joined by commas."""
    value = f.meta.get(key)
    if isinstance(value, dict):
        p = Fields(value, f.path, f.diags, f"{key}.", f.base)
        parts = [p.text(k) for k in ("name", "address", "city", "region", "state", "country")]
        text = ", ".join(dict.fromkeys(x for x in parts if x))
        return display_label(text) if text else None
    plain = f.text(key)
    return display_label(plain) if plain else None


def _own_url(f: Fields) -> tuple[str | None, str | None]:
    """The item's own URL as an IRI and as the link to open (``webUrl``, else ``url``)."""
    for key in ("webUrl", "url"):
        iri = f.url(key)
        if iri is not None:
            return iri, _link(f, key)
    return None, None


def _link(f: Fields, key: str) -> str | None:
    """The URL of ``key`` as given (a site-relative one resolved), only made a valid IRI: the link to open."""
    text = str(f.meta[key]).strip()
    if f.base is not None and text.startswith("/") and not text.startswith("//"):
        text = urljoin(f.base, text)
    return canonical_url(text, exact=True)


def _collection(f: Fields, own: str | None) -> ArticleRecord | None:
    iri, url = _own_url(f)
    if iri is None and own is None:
        _no_identity(f, "collection", "a webUrl")
        return None
    record = ArticleRecord(
        iri=iri or own or "",
        source=f.path,
        kind="collection",
        url=url,
        same_as=[own] if own and iri else [],
        title=f.text("title"),
        excerpt=f.text("excerpt"),
        published_at=f.when("publishedDateTime"),
        updated_at=f.when("updatedDateTime"),
        provider=organization(f, "provider"),
    )
    items = f.meta.get("items")
    if items is not None and not isinstance(items, list):
        f.wrong("items", items, "a list of item ids (like videos/some-slug)")
        items = []
    seen: set[str] = set()
    for i, entry in enumerate(items or ()):
        part = _part(f, i, entry)
        if part is not None and part not in seen:
            seen.add(part)
            record.related.append(ArticleRecord(part, f.path, stub=True, relation="has_part"))
    return record


def _part(f: Fields, i: int, entry: Any) -> str | None:
    """The IRI a collection's ``items[i]`` names: an item's site id, or a URL."""
    if isinstance(entry, dict):
        entry = entry.get("id", entry.get("url"))
    if not isinstance(entry, str) or not entry.strip():
        f.warn("items", f"'items[{i}]' should be an item id like videos/some-slug; ignored")
        return None
    text = entry.strip()
    if text.startswith(("http://", "https://")):
        iri = canonical_url(text)
        if iri is None:
            f.warn("items", f"'items[{i}]' is not an http(s) URL ({text[:60]!r}); ignored", "bad-url")
        return iri
    sid = _SUFFIX.sub("", text.strip("/"))
    if not sid or any(seg in ("", ".", "..") for seg in sid.split("/")):
        f.warn("items", f"'items[{i}]' is not an item id ({text[:60]!r}); ignored")
        return None
    return item_iri(sid)


def _event(f: Fields, own: str | None) -> ArticleRecord | None:
    iri, url = _own_url(f)
    if iri is None and own is None:
        _no_identity(f, "event", "a url")
        return None
    start = next((k for k in ("startDate", "startDateTime", "date", "publishedDateTime") if k in f.meta), None)
    end = next((k for k in ("endDate", "endDateTime") if k in f.meta), None)
    return ArticleRecord(
        iri=iri or own or "",
        source=f.path,
        kind="event",
        url=url,
        same_as=[own] if own and iri else [],
        title=f.text("title") or f.text("name"),
        excerpt=f.text("excerpt") or f.text("description"),
        published_at=f.when(start) if start else None,
        end_at=f.when(end) if end else None,
        location=_place(f, "location"),
        provider=organization(f, "provider"),
    )
