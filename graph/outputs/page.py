"""``graph.html``: the explorer page (see :mod:`graph.explorer`), with the layout memoised between builds.

A rebuild patches the page in place when only the changed items' text
changed (:func:`graph.explorer.patch_page`); otherwise the page is drawn
whole, which is slow enough to go to a second process.
"""

from __future__ import annotations

from ..blocks import FileIndex
from ..errors import StaleIndex
from ..explorer import patch_page, same_shapes, write_graph_html
from .base import Job, Output

__all__ = ["Page"]


class Page(Output):
    name = "graph.html"
    heavy = True

    def write(self, job: Job) -> FileIndex | None:
        return write_graph_html(job.kg, job.folder / self.name, layout_cache=job.layout_cache)

    def patch(self, job: Job) -> FileIndex | None:
        old = job.old_index(self.name)
        if job.previous is None or job.previous.shapes is None or old is None:
            raise StaleIndex(self.name)
        return patch_page(job.kg, job.folder / self.name, job.previous.out / self.name, old, job.previous.shapes)

    def patches_quickly(self, job: Job) -> bool:
        """True when only the changed items' text changed (their page shapes are the same)."""
        previous = job.previous
        return (
            previous is not None
            and previous.shapes is not None
            and self.name in previous.indexes
            and same_shapes(job.kg.graph, previous.shapes)
        )
