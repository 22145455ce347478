"""How a related-link component was split into stories, with the evidence for each part.

Publishers' related lists chain neighbouring events: on a large corpus the
largest connected component of related links strings together unrelated
reports. :func:`component_split` shows where each of its articles landed among
the stories found from evidence (a build with ``stories=True``) and the links
between them: the publishers' related links and the inferred links with their
scores. On a build without stories each component is its own story.

>>> import graph
>>> kg = graph.build(["seeds"], stories=True)
>>> split = component_split(kg, related_components(kg)[0])
>>> split.members["story_rank"].tolist()
[0, 0, <NA>]
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

import pandas as pd

from ..model import KnowledgeGraph
from ._common import _dates, _inferences, _labels, _outlet, _published, _related_links, _time_key, _title
from .stories import Story, _ranked, related_components, stories

__all__ = ["Split", "component_split"]

#: The ``method`` of a publisher's related link in :attr:`Split.links`.
PUBLISHER: Final = "publisher's related link"
_ORDER: Final = {"related": 0, "inferred_related": 1, "copy_of": 2}


@dataclass(frozen=True, slots=True, eq=False)
class Split:
    """A related-link component and how it was split into stories (:func:`component_split`).

    ``members``: one row per article of the component, indexed by IRI
    (``id``): ``title``, ``outlet``, ``published_at``, ``story`` (the label
    of the story it landed in, ``None`` when in none), ``story_rank`` (its
    rank in :func:`stories`, ``<NA>`` when in none), ``story_size``; by
    story rank (none last), then publication time.

    ``stories``: one row per story the members landed in, indexed by
    ``rank``: ``title``, ``members`` (articles of the component in it),
    ``articles`` (its size), ``outlets``, ``story`` (IRI).

    ``links``: the evidence, one row per link with an end in the component:
    the related links between its articles and the inferred links
    (``inferred_related``, ``copy_of``) from or to them. Columns ``a``,
    ``b`` (IRIs, the link's direction), ``a_title``, ``b_title``,
    ``relation``, ``score`` (``NaN`` for a related link: publishers give
    none), ``method``, ``a_story``, ``b_story`` (ranks), ``same_story``,
    ``inside`` (both ends in the component); related links first, then by
    score. Compare two splits by their frames (``DataFrame.equals``): ``==`` is identity.
    """

    component: Story
    members: pd.DataFrame
    stories: pd.DataFrame
    links: pd.DataFrame

    @property
    def parts(self) -> int:
        """How many stories the component's articles landed in."""
        return len(self.stories)


def _component(kg: KnowledgeGraph, article: str) -> Story:
    """The related-link component holding ``article`` (from :func:`related_components`, with its rank)."""
    g = kg.graph
    if g.nodes.get(article, {}).get("kind") != "article":
        raise KeyError(f"{article} is not an article of this graph")
    found = next((c for c in related_components(kg) if article in c.articles), None)
    return found if found is not None else _ranked(g, [({article}, None, None)])[0]


def component_split(kg: KnowledgeGraph, of: Story | str) -> Split:
    """How the related-link component ``of`` was split into stories: see :class:`Split`.

    ``of`` is a component from :func:`related_components`, or an article IRI
    (its component is used). Raises :class:`KeyError` when ``of`` is a string
    that is not an article of ``kg``; an article with no related link is a
    component of one (ranked 0).

    >>> import graph
    >>> kg = graph.build(["seeds"], stories=True)
    >>> lead = "https://electronicsforu.com/news/ai-driven-facial-recognition-repression-and-innovation"
    >>> split = component_split(kg, lead)
    >>> split.parts, split.links["relation"].tolist(), split.links["same_story"].tolist()
    (1, ['related', 'related'], [False, True])
    """
    g = kg.graph
    component = _component(kg, of) if isinstance(of, str) else of
    members = set(component.articles)
    found = stories(kg)
    story_of = {a: s for s in found for a in s.articles}
    landed = sorted({story_of[a].rank: story_of[a] for a in members if a in story_of}.items())

    order = sorted(
        component.articles,
        key=lambda a: (a not in story_of, story_of[a].rank if a in story_of else 0, _time_key(g, a)),
    )
    outlets = {a: _outlet(g, a) for a in order}
    labels = _labels(g, [o for o in outlets.values() if o is not None])
    member_rows = [
        {
            "id": a,
            "title": _title(g, a),
            "outlet": labels.get(outlets[a] or ""),
            "published_at": _published(g, a),
            "story": story_of[a].title if a in story_of else None,
            "story_rank": story_of[a].rank if a in story_of else None,
            "story_size": story_of[a].size if a in story_of else None,
        }
        for a in order
    ]
    member_frame = pd.DataFrame.from_records(
        member_rows, columns=["id", "title", "outlet", "published_at", "story", "story_rank", "story_size"]
    ).astype({"story_rank": "Int64", "story_size": "Int64"})
    member_frame = _dates(member_frame.set_index("id"))

    story_frame = pd.DataFrame.from_records(
        [
            {
                "rank": rank,
                "title": s.title,
                "members": len(members.intersection(s.articles)),
                "articles": s.size,
                "outlets": len(s.outlets),
                "story": s.iri,
            }
            for rank, s in landed
        ],
        columns=["rank", "title", "members", "articles", "outlets", "story"],
    )
    story_frame = story_frame.astype({"rank": "int64", "members": "int64", "articles": "int64", "outlets": "int64"})

    evidence: list[tuple[str, str, str, float, str]] = [
        ("related", u, v, float("nan"), PUBLISHER) for u, v in _related_links(g) if u in members
    ]
    evidence += [row for row in _inferences(g) if row[1] in members or row[2] in members]
    evidence.sort(key=lambda r: (_ORDER.get(r[0], 3), -r[3] if r[3] == r[3] else 0.0, r[1], r[2]))
    link_rows = []
    for relation, a, b, score, method in evidence:
        sa, sb = story_of.get(a), story_of.get(b)
        link_rows.append(
            {
                "a": a,
                "b": b,
                "a_title": _title(g, a),
                "b_title": _title(g, b),
                "relation": relation,
                "score": score,
                "method": method,
                "a_story": sa.rank if sa else None,
                "b_story": sb.rank if sb else None,
                "same_story": sa is not None and sa is sb,
                "inside": a in members and b in members,
            }
        )
    columns = ["a", "b", "a_title", "b_title", "relation", "score", "method", "a_story", "b_story", "same_story"]
    link_frame = pd.DataFrame.from_records(link_rows, columns=[*columns, "inside"]).astype(
        {"score": float, "a_story": "Int64", "b_story": "Int64", "same_story": bool, "inside": bool}
    )
    return Split(component, member_frame, story_frame.set_index("rank"), link_frame)
