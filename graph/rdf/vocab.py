"""The RDF vocabulary of the mapping: namespaces, classes, and the attribute and edge tables.

Everything here is data: :mod:`graph.rdf.mapping` reads the tables to turn
nodes into triples and :mod:`graph.rdf.reading` reads them backwards. The
project terms (``ng:``) are described with labels and comments in
``graph/rdf/vocab.ttl``.

>>> CLASSES["article"], PREDICATES["related"]
('https://schema.org/NewsArticle', 'http://purl.org/dc/terms/relation')
>>> ATTRS["image"][0]
('url', 'https://schema.org/contentUrl', 'iri')
"""

from __future__ import annotations

from typing import Final

import pyoxigraph as ox

from ..identity import ID

__all__ = [
    "ATTRS",
    "CLASSES",
    "DCTERMS",
    "FORMATS",
    "NG",
    "PREDICATES",
    "PREFIXES",
    "PROV",
    "QB",
    "RDFS",
    "RDF_NS",
    "SCHEMA",
    "SKOS",
    "TAGS",
    "TOPICS",
    "XSD",
    "Triple",
]

SCHEMA: Final = "https://schema.org/"
SKOS: Final = "http://www.w3.org/2004/02/skos/core#"
DCTERMS: Final = "http://purl.org/dc/terms/"
PROV: Final = "http://www.w3.org/ns/prov#"
XSD: Final = "http://www.w3.org/2001/XMLSchema#"
RDF_NS: Final = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS: Final = "http://www.w3.org/2000/01/rdf-schema#"
#: The RDF Data Cube vocabulary, of the derived counts (:mod:`graph.rdf.summary`).
QB: Final = "http://purl.org/linked-data/cube#"
#: The project vocabulary (``graph/rdf/vocab.ttl``).
NG: Final = "https://w3id.org/newsgraph/vocab#"
#: The concept schemes of topics and tags.
TOPICS: Final = ID + "scheme/topics"
TAGS: Final = ID + "scheme/tags"

#: Prefixes used in Turtle and in the JSON-LD context.
PREFIXES: Final = {
    "schema": SCHEMA,
    "skos": SKOS,
    "dcterms": DCTERMS,
    "prov": PROV,
    "xsd": XSD,
    "rdf": RDF_NS,
    "rdfs": RDFS,
    "ng": NG,
    "qb": QB,
}

#: A triple as plain strings: subject, predicate, object, datatype (:data:`IRI` for an IRI object).
Triple = tuple[str, str, str, str]

# Terms the mapping writes itself, and the datatypes of literals.
RDF_TYPE: Final = RDF_NS + "type"
RDFS_LABEL: Final = RDFS + "label"
SOURCE_PATH: Final = NG + "path"
ATTRIBUTES: Final = NG + "attributes"
XSD_STRING: Final = XSD + "string"
XSD_INTEGER: Final = XSD + "integer"
XSD_BOOLEAN: Final = XSD + "boolean"
XSD_DATETIME: Final = XSD + "dateTime"
XSD_DECIMAL: Final = XSD + "decimal"
RDF_JSON: Final = RDF_NS + "JSON"
#: The "datatype" of an IRI object in a :data:`Triple`.
IRI: Final = ""

#: File suffix → pyoxigraph format, for the RDF files written and read.
FORMATS: Final = {
    ".ttl": ox.RdfFormat.TURTLE,
    ".nt": ox.RdfFormat.N_TRIPLES,
    ".jsonld": ox.RdfFormat.JSON_LD,
    ".nq": ox.RdfFormat.N_QUADS,
    ".trig": ox.RdfFormat.TRIG,
}

#: kind → its class (the first one decides the kind when reading back).
CLASSES: Final = {
    "article": SCHEMA + "NewsArticle",
    "provider": SCHEMA + "NewsMediaOrganization",
    "website": SCHEMA + "WebSite",
    "topic": SKOS + "Concept",
    "tag": SKOS + "Concept",
    "image": SCHEMA + "ImageObject",
    "person": SCHEMA + "Person",
    "organization": SCHEMA + "Organization",
    "place": SCHEMA + "Place",
    "collection": SCHEMA + "Collection",
    "event": SCHEMA + "Event",
    "story": NG + "Story",
    "inference": NG + "InferredLink",
    "activity": PROV + "Activity",
}
#: class → kind, for the classes that name one kind (a ``skos:Concept`` is a topic or a tag by its scheme).
KIND_OF_CLASS: Final = {c: k for k, c in CLASSES.items() if k not in ("topic", "tag")}

#: Genres with a more precise schema.org class (added beside ``schema:NewsArticle``).
GENRE_CLASSES: Final = {
    "analysis": SCHEMA + "AnalysisNewsArticle",
    "blog": SCHEMA + "BlogPosting",
    "opinion": SCHEMA + "OpinionNewsArticle",
    "report": SCHEMA + "Report",
    "review": SCHEMA + "ReviewNewsArticle",
    "video": SCHEMA + "VideoObject",
}

# The value types of the attribute table: what a node attribute holds and how it becomes objects.
STR: Final = "str"  # text: an xsd:string literal
INT: Final = "int"  # xsd:integer
DECIMAL: Final = "decimal"  # a float: xsd:decimal with three decimals
BOOL: Final = "bool"  # xsd:boolean
DATE: Final = "date"  # a datetime: xsd:dateTime
JSON_VALUE: Final = "json"  # anything JSON can hold: an rdf:JSON literal
IRI_VALUE: Final = "iri"  # one IRI
IRI_LIST: Final = "iris"  # a list of IRIs: one triple each
SOURCE_LIST: Final = "src"  # a list of source paths: one triple each, to the file's IRI

#: What every item of a site other than an article has (a profile's person, a collection, an event).
_ITEM_ATTRS: Final = (
    ("url", SCHEMA + "url", IRI_VALUE),
    ("same_as", SCHEMA + "sameAs", IRI_LIST),
    ("stub", NG + "stub", BOOL),
    ("sources", DCTERMS + "source", SOURCE_LIST),
    ("extra", NG + "extra", JSON_VALUE),
)

#: kind → [(attribute, predicate, value type)]; ``label`` (``rdfs:label``) is common to every kind.
ATTRS: Final[dict[str, list[tuple[str, str, str]]]] = {
    "article": [
        ("title", SCHEMA + "headline", STR),
        ("excerpt", SCHEMA + "description", STR),
        ("category", SCHEMA + "articleSection", STR),
        ("genre", SCHEMA + "genre", STR),
        ("published_at", SCHEMA + "datePublished", DATE),
        ("updated_at", SCHEMA + "dateModified", DATE),
        ("quality", NG + "quality", INT),
        ("heat", NG + "heat", INT),
        ("published", NG + "published", BOOL),
        ("stub", NG + "stub", BOOL),
        ("url", SCHEMA + "url", IRI_VALUE),
        ("same_as", SCHEMA + "sameAs", IRI_LIST),
        ("sources", PROV + "wasDerivedFrom", SOURCE_LIST),
        ("body", SCHEMA + "articleBody", STR),
        ("featured_content", NG + "featuredContent", JSON_VALUE),
        ("extra", NG + "extra", JSON_VALUE),
    ],
    "provider": [("name", SCHEMA + "name", STR), ("domain", NG + "domain", STR), ("url", SCHEMA + "url", IRI_VALUE)],
    "website": [("url", SCHEMA + "url", IRI_VALUE), ("domain", NG + "domain", STR)],
    "topic": [("key", SKOS + "hiddenLabel", STR)],
    "tag": [("key", SKOS + "hiddenLabel", STR)],
    "image": [
        ("url", SCHEMA + "contentUrl", IRI_VALUE),
        ("width", SCHEMA + "width", INT),
        ("height", SCHEMA + "height", INT),
        ("title", SCHEMA + "caption", STR),
        ("attribution", SCHEMA + "creditText", STR),
        ("is_cached", NG + "isCached", BOOL),
    ],
    # A person from a profile (graph.read.items) has the record's fields: its name is ``title``. Items
    # other than articles keep off the properties only articles have (see ArticlePropertiesShape in
    # shapes.ttl): their files are dcterms:source, not prov:wasDerivedFrom.
    "person": [
        ("title", SCHEMA + "name", STR),
        ("name", SCHEMA + "name", STR),
        ("excerpt", SCHEMA + "description", STR),
        ("location", SCHEMA + "address", STR),
        *_ITEM_ATTRS,
    ],
    "organization": [("name", SCHEMA + "name", STR)],
    "collection": [
        ("title", SCHEMA + "name", STR),
        ("excerpt", SCHEMA + "description", STR),
        ("published_at", SCHEMA + "dateCreated", DATE),
        ("updated_at", SCHEMA + "dateModified", DATE),
        ("body", SCHEMA + "text", STR),
        *_ITEM_ATTRS,
    ],
    "event": [
        ("title", SCHEMA + "name", STR),
        ("excerpt", SCHEMA + "description", STR),
        ("published_at", SCHEMA + "startDate", DATE),
        ("end_at", SCHEMA + "endDate", DATE),
        ("location", SCHEMA + "location", STR),
        *_ITEM_ATTRS,
    ],
    "place": [
        ("name", SCHEMA + "name", STR),
        ("code", SCHEMA + "identifier", STR),
        ("place_type", NG + "placeType", STR),
        ("lat", SCHEMA + "latitude", DECIMAL),
        ("lon", SCHEMA + "longitude", DECIMAL),
    ],
    "story": [
        ("size", NG + "size", INT),
        ("outlets", NG + "outletCount", INT),
        ("first_published", NG + "firstPublished", DATE),
        ("last_published", NG + "lastPublished", DATE),
        ("generated_by", PROV + "wasGeneratedBy", IRI_VALUE),
    ],
    "inference": [
        ("subject", RDF_NS + "subject", IRI_VALUE),
        ("predicate", RDF_NS + "predicate", IRI_VALUE),
        ("object", RDF_NS + "object", IRI_VALUE),
        ("score", NG + "score", DECIMAL),
        ("method", NG + "method", STR),
        ("generated_by", PROV + "wasGeneratedBy", IRI_VALUE),
    ],
    "activity": [("method", NG + "method", STR), ("parameters", NG + "parameters", JSON_VALUE)],
}
#: kind → predicate → (attribute, value type): :data:`ATTRS` read backwards.
BY_PREDICATE: Final = {kind: {p: (a, t) for a, p, t in attrs} for kind, attrs in ATTRS.items()}
#: kind → the attributes :data:`ATTRS` maps (the others go to ``ng:attributes``).
MAPPED: Final = {kind: frozenset(a for a, _, _ in attrs) for kind, attrs in ATTRS.items()}

#: Edge relation → predicate.
PREDICATES: Final = {
    "published_by": SCHEMA + "publisher",
    "about": SCHEMA + "about",
    "tagged": SCHEMA + "keywords",
    "image": SCHEMA + "image",
    "author": SCHEMA + "author",
    "related": DCTERMS + "relation",
    "website": NG + "website",
    "logo": SCHEMA + "logo",
    "parent_organization": SCHEMA + "parentOrganization",
    "content_location": SCHEMA + "contentLocation",
    "contained_in": SCHEMA + "containedInPlace",
    "names_place": NG + "namesPlace",
    "part_of": SCHEMA + "isPartOf",
    "inferred_related": NG + "inferredRelation",
    "copy_of": NG + "copyOf",
    "first_outlet": NG + "firstOutlet",
    "has_part": SCHEMA + "hasPart",
    "provided_by": SCHEMA + "provider",
    "organizer": SCHEMA + "organizer",
    "affiliation": SCHEMA + "affiliation",
    "knows_about": SCHEMA + "knowsAbout",
    "subject": DCTERMS + "subject",
    "channel": NG + "channel",
}
#: (subject kind, predicate) → relation.
EDGE_OF: Final = {(k, p): r for r, p in PREDICATES.items() for k in ATTRS}
