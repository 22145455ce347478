"""How the explorer draws each kind of node and relation: colours, shapes, legend text, vis-network's options.

Every colour the page uses is here, and the page's legend is made from these
tables, so what is drawn and what the legend says cannot disagree.

>>> sorted(vis_options()["groups"]) == sorted([*STYLE, "hub", "ring", "center"])
True
>>> [rel for rel, style in EDGE_STYLE.items() if style[3]]
['inferred_related', 'copy_of']
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["CENTER_COLOUR", "EDGE_STYLE", "HUB_COLOUR", "SELECTED_COLOUR", "STORY_RING", "STYLE", "vis_options"]

#: kind → (colour, vis-network shape, legend text).
STYLE: Final[dict[str, tuple[str, str, str]]] = {
    "article": ("#4e79a7", "dot", "article"),
    "provider": ("#f28e2b", "diamond", "outlet"),
    "topic": ("#59a14f", "hexagon", "topic"),
    "tag": ("#b07aa1", "triangle", "tag"),
    "person": ("#9c755f", "star", "author"),
    "organization": ("#76b7b2", "square", "organization"),
    "place": ("#edc948", "triangleDown", "place"),
}
HUB_COLOUR: Final = "#c7c7c7"
#: The border of an article that belongs to a story.
STORY_RING: Final = "#e15759"
#: The fill of the selected node (vis-network's highlight colour, set for every group).
SELECTED_COLOUR: Final = "#ffd92f"
#: The border of the article a view is drawn around (``--around``, ``--story``).
CENTER_COLOUR: Final = "#111111"

#: relation → (colour, width, legend text, dashes); relations not listed are not drawn.
#: Publishers' own links are solid; what newsgraph inferred is dashed (vis-network's ``dashes``).
EDGE_STYLE: Final[dict[str, tuple[str, float, str, list[int] | bool]]] = {
    "related": ("#e15759", 4.0, "related: the publisher's link", False),
    "inferred_related": ("#af7aa1", 2.5, "inferred link (text, time, places)", [8, 6]),
    "copy_of": ("#ff9da7", 2.5, "syndicated copy of", [2, 5]),
    "published_by": ("#f28e2b", 0.6, "published by", False),
    "about": ("#59a14f", 0.4, "about topic", False),
    "tagged": ("#b07aa1", 0.4, "tagged", False),
    "content_location": ("#edc948", 0.5, "about place", False),
    "author": ("#9c755f", 0.6, "author", False),
    "parent_organization": ("#76b7b2", 0.6, "parent organization", False),
}

#: Relations between two articles (the page walks them for stories and neighbourhoods), in the
#: order of the codes an item's ``r`` list uses.
ARTICLE_LINKS: Final = ("related", "inferred_related", "copy_of")


def vis_options() -> dict[str, Any]:
    """vis-network's options: physics off (the positions are computed), one group per kind and the hubs.

    Labels are drawn by the page itself (by zoom level and importance, never overlapping), so
    vis-network's own are off (font size 0 hides them).
    """
    groups: dict[str, Any] = {
        kind: {
            "shape": shape,
            "color": {
                "background": colour,
                "border": colour,
                "highlight": {"background": SELECTED_COLOUR, "border": "#333"},
                "hover": {"background": colour, "border": "#333"},
            },
        }
        for kind, (colour, shape, _) in STYLE.items()
    }
    # An article in a story (a red ring) and the article a view is drawn around: groups rather than
    # colours on each node, which vis-network draws faster.
    colour = STYLE["article"][0]
    for name, border, width in (("ring", STORY_RING, 3), ("center", CENTER_COLOUR, 6)):
        groups[name] = {
            "shape": "dot",
            "borderWidth": width,
            "borderWidthSelected": width + 1,
            "color": {
                "background": colour,
                "border": border,
                "highlight": {"background": SELECTED_COLOUR, "border": "#333"},
                "hover": {"background": colour, "border": "#333"},
            },
        }
    groups["hub"] = {
        "shape": "hexagon",
        "color": {
            "background": HUB_COLOUR,
            "border": "#999",
            "highlight": {"background": SELECTED_COLOUR, "border": "#333"},
            "hover": {"background": HUB_COLOUR, "border": "#333"},
        },
    }
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "nodes": {"borderWidth": 1, "font": {"size": 0}},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": False}}, "selectionWidth": 0, "hoverWidth": 0},
        "groups": groups,
        "interaction": {
            "hover": True,
            "tooltipDelay": 150,
            "hideEdgesOnDrag": True,
            "hideEdgesOnZoom": True,
            "navigationButtons": False,
            "keyboard": False,
        },
    }
