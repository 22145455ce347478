"""RDF: the networkx graph as schema.org / SKOS / PROV triples, and back.

:func:`to_rdf` gives an :class:`rdflib.Graph` (the API users see);
:func:`from_rdf` reads one back into the networkx graph, losslessly (list
attributes come back sorted: RDF has sets, not lists). The build files are
written from the sorted triples by the hand-written serializers of
:mod:`graph.rdf.text` (pyoxigraph checks every IRI, writes TriG and parses
files back), so two builds of the same input give identical bytes.

The parts, each importing only those above it (and :mod:`graph.model`,
:mod:`graph.identity`, :mod:`graph.errors`):

================ =============================================================
module           job
================ =============================================================
``vocab``        namespaces, prefixes, classes, the attribute and edge tables
                 (the project terms are described in ``vocab.ttl``)
``mapping``      graph → sorted triples, one subject at a time; IRI checks;
                 :func:`source_iri`
``text``         N-Triples, N-Quads, Turtle, JSON-LD text, whole or as
                 per-subject blocks; :func:`write_rdf`
``reading``      triples → graph: :func:`from_triples`, :func:`read_rdf`
``rdflib_graph`` the rdflib API: :func:`to_rdf`, :func:`from_rdf`
``shacl``        :func:`graph.validate` against the shapes in ``shapes.ttl``
================ =============================================================

Mapping (``schema:`` is ``https://schema.org/``, ``ng:`` is :data:`NG`,
described with labels and comments in ``graph/rdf/vocab.ttl``):

============ ==================================================================
kind         RDF
============ ==================================================================
article      ``a schema:NewsArticle``; headline, description, articleSection,
             genre, datePublished/dateModified (``xsd:dateTime``), url,
             sameAs, articleBody; ``ng:quality``/``ng:heat`` (``xsd:integer``),
             ``ng:published``/``ng:stub`` (``xsd:boolean``),
             ``ng:featuredContent``/``ng:extra`` (``rdf:JSON``),
             ``prov:wasDerivedFrom`` → source file
provider     ``a schema:NewsMediaOrganization``; name, ``ng:domain``,
             ``schema:url`` ``https://DOMAIN/`` (its home page), ``ng:website``
             → website, logo → image, parentOrganization
website      ``a schema:WebSite``; ``schema:url`` ``https://DOMAIN/``, ``ng:domain``
topic, tag   ``a skos:Concept``; ``skos:prefLabel``, ``skos:hiddenLabel``
             (the normalized key), ``skos:inScheme`` :data:`TOPICS` or
             :data:`TAGS`; a tag that names a place ``ng:namesPlace`` it
place        ``a schema:Place``; name, ``schema:identifier`` (ISO 3166 code),
             ``ng:placeType`` (country, subdivision), latitude/longitude
             (``xsd:decimal``), ``schema:containedInPlace`` → its country
story        ``a ng:Story``; ``ng:size``, ``ng:outletCount``,
             ``ng:firstPublished``/``ng:lastPublished``, ``ng:firstOutlet``
             → provider, ``prov:wasGeneratedBy`` → activity
inference    ``a ng:InferredLink`` (an ``rdf:Statement``): subject, predicate,
             object, ``ng:score``, ``ng:method``, ``prov:wasGeneratedBy``
activity     ``a prov:Activity``; ``ng:method``, ``ng:parameters`` (JSON)
image        ``a schema:ImageObject``; contentUrl, width, height, caption,
             creditText, ``ng:isCached``
person       ``a schema:Person``; name
organization ``a schema:Organization``; name
source file  ``a prov:Entity, ng:SourceFile``; ``ng:path`` (the path relative
             to the SOURCE given, :func:`graph.read.source_labels`); IRI
             :func:`source_iri`
============ ==================================================================

Every node also has ``rdfs:label``. Edges: published_by → ``schema:publisher``,
about → ``schema:about``, tagged → ``schema:keywords``, image →
``schema:image``, author → ``schema:author``, related → ``dcterms:relation``,
website → ``ng:website``, logo → ``schema:logo``, parent_organization →
``schema:parentOrganization``, content_location → ``schema:contentLocation``
(an article's place tags, as places), contained_in → ``schema:containedInPlace``,
names_place → ``ng:namesPlace``, part_of → ``schema:isPartOf`` (its story),
inferred_related → ``ng:inferredRelation``, copy_of → ``ng:copyOf``,
first_outlet → ``ng:firstOutlet``. An attribute the mapping does not know (or of
an unexpected type) is kept in ``ng:attributes`` as JSON.

>>> import graph
>>> g = to_rdf(graph.build(["seeds"]))
>>> from rdflib.namespace import SDO, RDF
>>> len(set(g.subjects(RDF.type, SDO.NewsArticle)))
5
>>> from_rdf(g).number_of_nodes() == graph.build(["seeds"]).graph.number_of_nodes()
True
"""

from __future__ import annotations

from .mapping import IriChecker, check_iris, rdf_triples, source_iri, source_paths, subject_keys, subjects
from .rdflib_graph import from_rdf, to_rdf, to_rdflib_graph
from .reading import from_triples, read_rdf
from .text import (
    CONTEXT,
    JSONLD_HEAD,
    JSONLD_SEP,
    JSONLD_TAIL,
    TURTLE_HEADER,
    TurtleBlocks,
    jsonld_block,
    jsonld_text,
    nquads_text,
    nt_block,
    ntriples_text,
    turtle_text,
    write_rdf,
)
from .vocab import (
    CLASSES,
    DCTERMS,
    FORMATS,
    NG,
    PREDICATES,
    PREFIXES,
    PROV,
    RDF_NS,
    RDFS,
    SCHEMA,
    SKOS,
    TAGS,
    TOPICS,
    XSD,
    Triple,
)

__all__ = [
    "CLASSES",
    "CONTEXT",
    "DCTERMS",
    "FORMATS",
    "JSONLD_HEAD",
    "JSONLD_SEP",
    "JSONLD_TAIL",
    "NG",
    "PREDICATES",
    "PREFIXES",
    "PROV",
    "RDFS",
    "RDF_NS",
    "SCHEMA",
    "SKOS",
    "TAGS",
    "TOPICS",
    "TURTLE_HEADER",
    "XSD",
    "IriChecker",
    "Triple",
    "TurtleBlocks",
    "check_iris",
    "from_rdf",
    "from_triples",
    "jsonld_block",
    "jsonld_text",
    "nquads_text",
    "nt_block",
    "ntriples_text",
    "rdf_triples",
    "read_rdf",
    "source_iri",
    "source_paths",
    "subject_keys",
    "subjects",
    "to_rdf",
    "to_rdflib_graph",
    "turtle_text",
    "write_rdf",
]
