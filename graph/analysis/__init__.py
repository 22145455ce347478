"""Analysis: stories, inferred links, syndication, places, projections, communities, centrality and timelines.

Everything here reads the networkx graph of a build (:attr:`KnowledgeGraph.graph
<graph.model.KnowledgeGraph.graph>`, see :mod:`graph.model` for node kinds and
relations) and returns plain values, networkx graphs or pandas DataFrames for
notebooks. Nothing prints, nothing plots. ``import graph`` does not import
this package (nor pandas) until ``graph.analysis`` is first used; igraph is
imported only when PageRank is first computed.

Terms:

story
    Articles that cover one event, with the outlets that published them and
    the time they span. A build with stories (``graph.build(..., stories=True)``)
    found them from evidence (text, time, places, related links; see
    :mod:`graph.enrich`): its ``story`` nodes. A build without them falls back
    to the related-link components.
related-link component
    A connected component of the undirected graph of publishers' ``related``
    links, with at least two articles (:func:`related_components`). On a large
    corpus these chain unrelated events; :func:`component_split` shows how the
    stories found from evidence split one.
inferred link
    What a build with stories adds: ``inferred_related`` between articles of
    one story that no publisher linked, ``copy_of`` from a syndicated copy to
    its original, each with a score and the method that found it.
outlet
    A ``provider`` node (one per domain *and* name); ``domain`` groups the
    outlets of one website.
projection
    A graph of one kind of node derived from the bipartite structure:
    article–article (related links), outlet–outlet (co-coverage of the same
    stories, topics or tags), topic–topic (co-occurrence on articles).

Modules, each with one job (every function is re-exported here, so
``graph.analysis.stories`` and ``from graph.analysis import stories`` both work):

=================================== =====================================================
:mod:`~graph.analysis.tables`       nodes, edges, articles, counts, top outlets/topics/tags
:mod:`~graph.analysis.stories`      stories, related-link components, what each related link joins
:mod:`~graph.analysis.split`        how a related-link component was split into stories
:mod:`~graph.analysis.inferred`     inferred links, syndicated copies, syndication per outlet
:mod:`~graph.analysis.places`       places (countries, subdivisions) and their articles
:mod:`~graph.analysis.projections`  article, outlet and topic/tag graphs
:mod:`~graph.analysis.communities`  Louvain communities of a projection
:mod:`~graph.analysis.centrality`   degree, PageRank (igraph), betweenness; rankings
:mod:`~graph.analysis.timeline`     articles per day or week
=================================== =====================================================

Functions:

============================ ========================================================================
:func:`nodes_frame`          nodes (of a kind) as a DataFrame, one row per node
:func:`edges_frame`          edges (of a relation) as a DataFrame
:func:`articles_frame`       one row per article: title, date, outlet, topics, tags, links
:func:`summary`              node counts per kind and edge counts per relation
:func:`top`                  outlets, topics, tags, ... by number of articles
:func:`stories`              the stories (story nodes, else related-link components), largest first
:func:`story_of`             the story an article belongs to
:func:`stories_frame`        the stories as a DataFrame
:func:`story_articles`       the articles of one story in publication order
:func:`related_pairs`        one row per related link: outlets, shared topics, time apart, same story
:func:`related_components`   the related-link components, largest first, as :class:`Story` values
:func:`component_split`      a related-link component's articles, their stories and the evidence
:func:`inferred_links`       inferred links: articles, headlines, outlets, score, method, time apart
:func:`syndicated_copies`    each syndicated copy with its original
:func:`syndication`          per outlet: articles, copies among them, share, who it copies
:func:`places`               per place: name, code, type, country, coordinates, articles
:func:`article_projection`   article–article graph of related links
:func:`outlet_projection`    outlet–outlet co-coverage graph (stories, topics or tags)
:func:`cooccurrence`         topic–topic (or tag–tag) co-occurrence graph
:func:`communities`          Louvain communities of any projection (seeded, reproducible)
:func:`centrality`           degree, weighted degree, PageRank, betweenness of a graph
:func:`outlet_centrality`    outlets ranked in the co-coverage graph
:func:`article_centrality`   articles ranked in the related-link graph
:func:`timeline`             articles per day or week, overall or by topic/tag/outlet/domain
============================ ========================================================================

>>> import graph
>>> from graph import analysis
>>> kg = graph.build(["seeds"], stories=False)
>>> [s.size for s in analysis.stories(kg)]
[3, 2]
>>> with_stories = graph.build(["seeds"], stories=True)
>>> [s.size for s in analysis.stories(with_stories)], [c.size for c in analysis.related_components(with_stories)]
([2], [3, 2])
>>> analysis.top(kg, "topic")["articles"].tolist()
[2, 2]
"""

from __future__ import annotations

from .centrality import article_centrality, centrality, outlet_centrality
from .communities import communities
from .inferred import inferred_links, syndicated_copies, syndication
from .places import places
from .projections import article_projection, cooccurrence, outlet_projection
from .split import Split, component_split
from .stories import (
    Story,
    related_components,
    related_pairs,
    stories,
    stories_frame,
    story_articles,
    story_of,
)
from .tables import articles_frame, edges_frame, nodes_frame, summary, top
from .timeline import timeline

__all__ = [
    "Split",
    "Story",
    "article_centrality",
    "article_projection",
    "articles_frame",
    "centrality",
    "communities",
    "component_split",
    "cooccurrence",
    "edges_frame",
    "inferred_links",
    "nodes_frame",
    "outlet_centrality",
    "outlet_projection",
    "places",
    "related_components",
    "related_pairs",
    "stories",
    "stories_frame",
    "story_articles",
    "story_of",
    "summary",
    "syndicated_copies",
    "syndication",
    "timeline",
    "top",
]
