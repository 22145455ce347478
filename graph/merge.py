"""Merging: the records of every file become one ``MultiDiGraph``, one node per thing.

Precedence, so that builds are deterministic: a full article (the main item
of a file) beats a ``related`` stub; among equals, the earlier file in path
order wins, then the earlier entry in the file. A scalar field takes the
first value present in that order; lists are united in that order; every
article remembers all the files it came from.

Articles are keyed by their canonical URL (see :func:`identities`); the
other URLs they are known by (AMP variants, the original URL) become
``same_as``.

>>> from graph.records import ArticleRecord
>>> a = ArticleRecord("https://a.com/1", "x.md", title="Full")
>>> stub = ArticleRecord("https://a.com/1", "y.md", stub=True, title="Stub")
>>> b = ArticleRecord("https://b.com/2", "x.md", related=[stub])
>>> g = merge([a, b])
>>> g.nodes["https://a.com/1"]["title"], g.nodes["https://a.com/1"]["sources"]
('Full', ['x.md', 'y.md'])
"""

from __future__ import annotations

from collections.abc import Callable, Container, Iterable, Mapping, Sequence
from typing import Any, Final
from urllib.parse import unquote, urlsplit

import networkx as nx

from .identity import ID, id_iri, normalize_domain, normalize_label
from .places import Place, place_of_tag
from .records import ArticleRecord, Diagnostic, ImageRecord, ProviderRecord

__all__ = [
    "ITEM",
    "MANY",
    "SCALARS",
    "claim",
    "identities",
    "join_aliases",
    "label_iri",
    "link_targets",
    "merge",
    "missing_part",
    "person_website",
    "place_iri",
    "provider_iri",
    "rank_records",
    "remerge",
    "self_related",
    "tag_places",
    "unresolved",
    "website_iri",
]


SCALARS: Final = (
    ("title", "title"),
    ("excerpt", "excerpt"),
    ("category", "category"),
    ("type", "genre"),
    ("published_at", "published_at"),
    ("updated_at", "updated_at"),
    ("quality", "quality"),
    ("heat", "heat"),
    ("published", "published"),
    ("featured_content", "featured_content"),
    ("body", "body"),
    ("end_at", "end_at"),
    ("location", "location"),
)

#: Where the IRIs of a site's items are minted (:func:`graph.read.items.item_iri`).
ITEM: Final = ID + "item/"


def rank_records(articles: Iterable[ArticleRecord]) -> list[ArticleRecord]:
    """All records, full articles first (in input order), then stubs (in order)."""
    full: list[ArticleRecord] = []
    stubs: list[ArticleRecord] = []
    stack: list[ArticleRecord] = []
    for article in articles:
        full.append(article)
        stack.extend(reversed(article.related))
        while stack:
            rel = stack.pop()
            stubs.append(rel)
            stack.extend(reversed(rel.related))
    return full + stubs


MANY: Final = ""
"""The owner recorded for an alias that several articles claim (it joins none of them)."""


def claim(owners: dict[str, str], alias: str, iri: str) -> None:
    """Record in ``owners`` that the article ``iri`` is also known by ``alias``.

    >>> owners: dict[str, str] = {}
    >>> claim(owners, "https://a/amp/1", "https://a/1"); claim(owners, "https://b/live", "https://b/1")
    >>> claim(owners, "https://b/live", "https://b/2"); owners
    {'https://a/amp/1': 'https://a/1', 'https://b/live': ''}
    """
    owner = owners.get(alias)
    if owner is None:
        owners[alias] = iri
    elif owner != iri:
        owners[alias] = MANY


def join_aliases(owners: Mapping[str, str], rank: Callable[[str], int | None]) -> dict[str, str]:
    """The identity rule: which records join another article, as ``{record IRI: node IRI}``.

    ``owners`` is what :func:`claim` recorded; ``rank(iri)`` is a record's
    best rank (lower is better), ``None`` for a URL that no record has as its
    own. A record whose IRI is the alias of exactly one better-ranked article
    joins that article's node. Used by the in-memory builds (through
    :func:`identities`) and by the streaming build's packed index, so both
    resolve identities the same way.

    >>> join_aliases({"https://a/amp/1": "https://a/1"}, {"https://a/1": 0, "https://a/amp/1": 1}.get)
    {'https://a/amp/1': 'https://a/1'}
    """
    best: dict[str, tuple[int, str]] = {}
    for alias, owner in owners.items():
        if owner != MANY:
            at = rank(alias)
            if at is not None:
                best[alias] = (at, owner)
    node_of: dict[str, str] = {}
    for alias in sorted(best, key=lambda a: best[a][0]):  # an owner is resolved before its aliases
        at, owner = best[alias]
        owner_at = rank(owner)
        if owner_at is not None and owner_at < at:
            node_of[alias] = node_of.get(owner, owner)
    return node_of


def identities(records: Iterable[tuple[str, Sequence[str]]]) -> dict[str, str]:
    """Map each record IRI to its node IRI; ``records`` are ``(iri, same_as)`` in rank order.

    A record is keyed by its canonical URL. When that URL is an alias (an AMP
    variant, the original URL) of exactly one better-ranked article, the
    record joins that article. An alias shared by several articles (a live
    blog's AMP page, say) joins none, so distinct articles are never fused.
    The rule itself is :func:`join_aliases`.

    >>> identities([("https://a/1", ["https://a/amp/1"]), ("https://a/amp/1", [])])
    {'https://a/1': 'https://a/1', 'https://a/amp/1': 'https://a/1'}
    """
    rank: dict[str, int] = {}
    owners: dict[str, str] = {}
    for i, (iri, same_as) in enumerate(records):
        rank.setdefault(iri, i)
        for alias in same_as:
            claim(owners, alias, iri)
    node_of = {iri: iri for iri in rank}
    node_of.update(join_aliases(owners, rank.get))
    return node_of


def self_related(source: str, node: str) -> Diagnostic:
    """The note for an article listed as related to itself (the link is not drawn)."""
    return Diagnostic(
        source,
        "info",
        "self-related",
        f"{node} lists itself (or one of its URLs) as related; the link is not drawn",
        field="related",
    )


def merge(
    articles: Iterable[ArticleRecord],
    diagnostics: list[Diagnostic] | None = None,
    *,
    full: Container[str] | None = None,
) -> nx.MultiDiGraph:
    """Return the merged graph of ``articles`` (main records, in path order).

    Self-references (an article listed as related to itself) are reported in
    ``diagnostics`` when given, and not drawn; so are a collection's parts
    that name no item (:func:`missing_part`). ``full``: the nodes some main
    record makes (default: those of ``articles``; a streaming build's
    partition gives those of the whole corpus).
    """
    ranked = rank_records(articles)
    node_of = identities([(rec.iri, rec.same_as) for rec in ranked])
    if full is None:
        full = {node_of[rec.iri] for rec in ranked if not rec.stub}
    g = nx.MultiDiGraph()
    _fold(g, ranked, ranked, node_of, full, diagnostics)
    return g


def unresolved(rec: ArticleRecord, node: str, full: Container[str]) -> bool:
    """True for a stub naming a site item by its site id (a collection's part) that no file is: it is
    not drawn. (Decided on the IRI alone, so the rebuild's report and the streaming build agree.)"""
    return rec.stub and rec.iri.startswith(ITEM) and node not in full


def _fold(
    g: nx.MultiDiGraph,
    articles: Sequence[ArticleRecord],
    links: Sequence[ArticleRecord],
    node_of: Mapping[str, str],
    full: Container[str],
    diagnostics: list[Diagnostic] | None = None,
) -> None:
    """Add to ``g`` the articles of ``articles``, the links of ``links`` and the related links of ``articles``.

    ``full``: the nodes that some main record (not a stub) makes, in the whole build.
    """
    for rec in articles:
        node = node_of[rec.iri]
        if not unresolved(rec, node, full):
            _add_article(g, node, rec)
    for rec in links:
        _add_links(g, node_of[rec.iri], rec)
    for rec in articles:
        src = node_of[rec.iri]
        for rel in rec.related:
            dst = node_of[rel.iri]
            if unresolved(rel, dst, full):
                if diagnostics is not None:
                    diagnostics.append(missing_part(rel.source, rel.iri))
            elif src != dst:
                _edge(g, src, dst, rel.relation)
            elif diagnostics is not None:
                diagnostics.append(self_related(rel.source, src))


def missing_part(source: str, iri: str) -> Diagnostic:
    """The warning for a collection's part that names no item of the site (the part is left out).

    >>> missing_part("_learning/c.md", ITEM + "videos/intro").message[:52]
    "the collection lists 'videos/intro', which names no "
    """
    sid = unquote(iri[len(ITEM) :])
    return Diagnostic(
        source,
        "warning",
        "missing-part",
        f"the collection lists '{sid}', which names no item of the site (no file {sid}.md in a collection "
        "folder such as _learning/, or several); the entry is left out",
        field="items",
    )


def link_targets(rec: ArticleRecord) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The nodes the links of ``rec`` point at (besides related articles): named nodes, and images.

    These are the nodes whose attributes ``rec`` may set (see :func:`remerge`).

    >>> rec = ArticleRecord("https://a.com/1", "a.md", topics=["AI"])
    >>> link_targets(rec)
    (('https://w3id.org/newsgraph/id/topic/ai',), ())
    """
    named: list[str] = []
    images: list[str] = []
    site = person_website(rec)
    if site is not None:
        named.append(website_iri(site))
    a = rec.affiliation
    if a is not None:
        named.append(label_iri("organization", a.name or a.domain or ""))
        if a.domain:
            named.append(website_iri(a.domain))
        images.extend(image.url for image in a.images)
    p = rec.provider
    if p is not None:
        named.append(provider_iri(p))
        if p.domain:
            named.append(website_iri(p.domain))
        images.extend(image.url for image in p.images)
        named.extend(label_iri("organization", name) for name in p.publishers)
        named.extend(label_iri("person", name) for name in p.authors)
    named.extend(label_iri("topic", label) for label in rec.topics)
    named.extend(label_iri("tag", label) for label in rec.tags)
    for label in rec.tags:
        named.extend(tag_places(label))
    images.extend(image.url for image in rec.images)
    return tuple(named), tuple(images)


def remerge(
    g: nx.MultiDiGraph,
    nodes: Iterable[str],
    articles: Sequence[ArticleRecord],
    links: Sequence[ArticleRecord],
    node_of: Mapping[str, str],
    full: Container[str],
) -> None:
    """Make ``nodes`` of ``g`` (attributes and out-edges) what :func:`merge` would make them now.

    ``articles`` are every record of the article nodes among ``nodes``, and
    ``links`` those records plus the records linking to the other nodes
    (all of them for outlets and images, at least the best-ranked for the
    rest), both in rank order; ``node_of`` maps record IRIs to node IRIs as
    :func:`identities` gives them; ``full`` the nodes that a main record
    makes (of the whole build). A node no record makes any more is
    removed. Edges into ``nodes`` from other nodes are kept: they are made by
    the records of those nodes, which did not change.
    """
    scratch = nx.MultiDiGraph()
    _fold(scratch, articles, links, node_of, full)
    made = [n for n in nodes if n in scratch]
    for node in nodes:
        if node in g:
            g.remove_edges_from(list(g.out_edges(node, keys=True)))
            if node not in scratch:
                g.remove_node(node)
    for node in made:
        if node in g:
            attrs = g.nodes[node]
            attrs.clear()
            attrs.update(scratch.nodes[node])
        else:
            g.add_node(node, **scratch.nodes[node])
    for node in made:
        for _, v, key, data in scratch.out_edges(node, keys=True, data=True):
            g.add_edge(node, v, key, **data)


def _add_article(g: nx.MultiDiGraph, node: str, rec: ArticleRecord) -> None:
    data: dict[str, Any] | None = g.nodes.get(node)
    if data is None:
        url = rec.url or (node if rec.kind == "article" else None)  # an item without a URL has none
        made: dict[str, Any] = {"kind": rec.kind, "label": rec.title or node}
        if url is not None:
            made["url"] = url
        g.add_node(node, **made, same_as=[], sources=[], stub=rec.stub)  # (this key order is the outputs')
        data = g.nodes[node]
        for attr, key in SCALARS:
            value = getattr(rec, attr)
            if value is not None:
                data[key] = value
        if rec.extra:
            data["extra"] = dict(rec.extra)
    else:
        for attr, key in SCALARS:
            value = getattr(rec, attr)
            if value is not None and key not in data:
                data[key] = value
        if rec.extra:
            extra = data.setdefault("extra", {})
            for k, v in rec.extra.items():
                extra.setdefault(k, v)
        if not rec.stub:
            data["stub"] = False
        if data["label"] == node and rec.title:
            data["label"] = rec.title
    for url in (rec.iri, *rec.same_as):
        if url != node and url not in data["same_as"]:
            data["same_as"].append(url)
    if rec.source not in data["sources"]:
        data["sources"].append(rec.source)


#: kind → (its provider's relation, its topics', its tags'): items other than articles keep off the
#: article-only properties (the library's queries count those without a type test).
_LINKS: Final = {
    "article": ("published_by", "about", "tagged"),
    "person": ("published_by", "knows_about", "knows_about"),
    "collection": ("provided_by", "subject", "subject"),
    "event": ("organizer", "subject", "subject"),
}


def _add_links(g: nx.MultiDiGraph, node: str, rec: ArticleRecord) -> None:
    by, about, tagged = _LINKS.get(rec.kind, _LINKS["article"])
    if rec.provider is not None:
        provider = _add_provider(g, rec.provider)
        # One publisher (a collection's provider, an event's organizer) per node: the best-ranked record's.
        if not any(d == by for _, _, d in g.out_edges(node, data="relation")):
            _edge(g, node, provider, by)
        for author in rec.provider.authors:
            person = _add_named(g, "person", author)
            _edge(g, node, person, "author")
    if rec.affiliation is not None:
        _edge(g, node, _add_organization(g, rec.affiliation), "affiliation")
    site = person_website(rec)
    if site is not None:
        _edge(g, node, _add_website(g, site), "website")
    for topic in rec.topics:
        _edge(g, node, _add_concept(g, "topic", topic), about)
    for tag in rec.tags:
        _edge(g, node, _add_concept(g, "tag", tag), tagged)
        place = place_of_tag(tag) if tagged == "tagged" else None
        if place is not None:
            _edge(g, node, _add_place(g, place), "content_location")
    for image in rec.images:
        _edge(g, node, _add_image(g, image), "image")


def _edge(g: nx.MultiDiGraph, u: str, v: str, relation: str) -> None:
    if not g.has_edge(u, v, relation):
        g.add_edge(u, v, relation, relation=relation)


def provider_iri(p: ProviderRecord) -> str:
    """The IRI of an outlet: its domain and normalized name (the name alone without a domain).

    >>> provider_iri(ProviderRecord("CBS New York", "cbslocal.com"))
    'https://w3id.org/newsgraph/id/provider/cbslocal.com/cbs_new_york'
    """
    name = normalize_label(p.name or p.domain or "")
    return id_iri("provider", p.domain, name) if p.domain else id_iri("provider", name)


def website_iri(domain: str) -> str:
    """The IRI of the website shared by the outlets of ``domain`` (minted: a home page can be an article)."""
    return id_iri("website", domain)


def label_iri(kind: str, label: str) -> str:
    """The IRI of a topic, tag, person or organization: keyed by its normalized label.

    >>> label_iri("topic", " Computer  Vision") == label_iri("topic", "computer vision")
    True
    """
    return id_iri(kind, normalize_label(label))


def _add_provider(g: nx.MultiDiGraph, p: ProviderRecord) -> str:
    name = p.name or p.domain or ""
    node = provider_iri(p)
    if node not in g:
        g.add_node(node, kind="provider", label=name, name=name)
        if p.domain:
            g.nodes[node]["domain"] = p.domain
            g.nodes[node]["url"] = f"https://{p.domain}/"  # the outlet's home page
    if p.domain:
        _edge(g, node, _add_website(g, p.domain), "website")
    for image in p.images:
        _edge(g, node, _add_image(g, image), "logo")
    for publisher in p.publishers:
        _edge(g, node, _add_named(g, "organization", publisher), "parent_organization")
    return node


def _add_website(g: nx.MultiDiGraph, domain: str) -> str:
    site = website_iri(domain)
    if site not in g:
        g.add_node(site, kind="website", label=domain, domain=domain, url=f"https://{domain}/")
    return site


def _add_organization(g: nx.MultiDiGraph, o: ProviderRecord) -> str:
    """A profile's affiliation: the organization of that name (one with the outlets' owners of that name),
    linked to its website and logos as an outlet is."""
    node = _add_named(g, "organization", o.name or o.domain or "")
    if o.domain:
        _edge(g, node, _add_website(g, o.domain), "website")
    for image in o.images:
        _edge(g, node, _add_image(g, image), "logo")
    return node


def person_website(rec: ArticleRecord) -> str | None:
    """The domain of a profile's website (its person links to that website, as the outlets of the domain do).

    >>> person_website(ArticleRecord("https://w3id.org/newsgraph/id/person/ada", "a.md", kind="person",
    ...                               url="https://www.Ada.example/about"))
    'ada.example'
    """
    if rec.kind != "person" or not rec.url:
        return None
    host = urlsplit(rec.url).hostname
    return normalize_domain(host) if host else None


def _add_concept(g: nx.MultiDiGraph, kind: str, label: str) -> str:
    key = normalize_label(label)
    node = label_iri(kind, label)
    if node not in g:
        g.add_node(node, kind=kind, label=label, key=key)
        if kind == "tag":
            place = place_of_tag(label)
            if place is not None:
                _edge(g, node, _add_place(g, place), "names_place")
    return node


def place_iri(code: str) -> str:
    """The IRI of a place, keyed by its ISO 3166 code.

    >>> place_iri("US-CA")
    'https://w3id.org/newsgraph/id/place/US-CA'
    """
    return id_iri("place", code)


def tag_places(label: str) -> tuple[str, ...]:
    """The place nodes a tag makes: the place it names and the country that place lies in (none for no place).

    >>> [p.rsplit("/", 1)[1] for p in tag_places("Canada-ON")], tag_places("Coronavirus")
    (['CA-ON', 'CA'], ())
    """
    place = place_of_tag(label)
    if place is None:
        return ()
    if place.country == place.code:
        return (place_iri(place.code),)
    return place_iri(place.code), place_iri(place.country)


def _add_place(g: nx.MultiDiGraph, place: Place) -> str:
    """The node of ``place`` (a subdivision ``contained_in`` its country), added when new."""
    node = place_iri(place.code)
    if node not in g:
        data: dict[str, Any] = {
            "kind": "place",
            "label": place.name,
            "name": place.name,
            "code": place.code,
            "place_type": place.kind,
        }
        if place.lat is not None and place.lon is not None:
            data["lat"], data["lon"] = round(place.lat, 3), round(place.lon, 3)  # xsd:decimal keeps three decimals
        g.add_node(node, **data)
        if place.country != place.code:
            country = place_of_tag(place.country)
            if country is not None:
                _edge(g, node, _add_place(g, country), "contained_in")
    return node


def _add_named(g: nx.MultiDiGraph, kind: str, name: str) -> str:
    node = label_iri(kind, name)
    if node not in g:
        g.add_node(node, kind=kind, label=name, name=name)
    return node


def _add_image(g: nx.MultiDiGraph, image: ImageRecord) -> str:
    node = image.url
    data: dict[str, Any] | None = g.nodes.get(node)
    if data is None:
        g.add_node(node, kind="image", label=image.title or node, url=node)
        data = g.nodes[node]
    elif data.get("kind") != "image":
        return node  # the URL names an article too: link to it, keep its kind
    for key in ("width", "height", "title", "attribution", "is_cached"):
        value = getattr(image, key)
        if value is not None and key not in data:
            data[key] = value
    return node
