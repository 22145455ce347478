"""How the explorer draws each kind of node and relation: colours, shapes, legend text, vis-network's options.

>>> sorted(vis_options()["groups"]) == sorted([*STYLE, "hub"])
True
"""

from __future__ import annotations

from typing import Any, Final

__all__ = ["EDGE_STYLE", "HUB_COLOUR", "STYLE", "vis_options"]

#: kind → (colour, vis-network shape, legend text).
STYLE: Final[dict[str, tuple[str, str, str]]] = {
    "article": ("#4e79a7", "dot", "article"),
    "provider": ("#f28e2b", "diamond", "outlet"),
    "topic": ("#59a14f", "hexagon", "topic"),
    "tag": ("#b07aa1", "triangle", "tag / place"),
    "person": ("#9c755f", "star", "author"),
    "organization": ("#76b7b2", "square", "organization"),
}
HUB_COLOUR: Final = "#c7c7c7"

#: relation → (colour, width, legend text); relations not listed are not drawn.
EDGE_STYLE: Final[dict[str, tuple[str, float, str]]] = {
    "related": ("#e15759", 6.0, "related (story)"),
    "published_by": ("#f28e2b", 0.6, "published by"),
    "about": ("#59a14f", 0.4, "about topic"),
    "tagged": ("#b07aa1", 0.4, "tagged"),
    "author": ("#9c755f", 0.6, "author"),
    "parent_organization": ("#76b7b2", 0.6, "parent organization"),
}


def vis_options() -> dict[str, Any]:
    """vis-network's options: physics off (the positions are computed), one group per kind and the hubs."""
    groups: dict[str, Any] = {
        kind: {
            "shape": shape,
            "color": {"background": colour, "border": colour, "highlight": {"background": "#ffd92f", "border": "#333"}},
            "font": {"size": 12 if kind == "article" else 30, "color": "#222", "strokeWidth": 3, "strokeColor": "#fff"},
        }
        for kind, (colour, shape, _) in STYLE.items()
    }
    groups["hub"] = {
        "shape": "hexagon",
        "color": {"background": HUB_COLOUR, "border": "#999"},
        "font": {"size": 30, "color": "#777"},
    }
    return {
        "physics": {"enabled": False},
        "layout": {"improvedLayout": False, "randomSeed": 1},
        "nodes": {"borderWidth": 1, "scaling": {"label": {"drawThreshold": 8}}},
        "edges": {"smooth": False, "arrows": {"to": {"enabled": False}}, "selectionWidth": 2},
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
