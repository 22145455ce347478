"""The outputs of a build, one module each, and the writer that runs them.

=========== ==================================================================
module      job
=========== ==================================================================
base        the writer contract (:class:`Output`, :class:`Family`), the
            registry :data:`OUTPUTS`, what a write sees (:class:`Job`)
rdf_files   ``graph.nt``, ``graph.ttl``, ``graph.jsonld`` (one pass over the
            subjects)
graph_files ``graph.json``, ``graph.graphml``
store       ``store/``, the SPARQL store (needs ``graph.nt``)
page        ``graph.html``, the explorer page
report      ``report.json`` (last: it holds every output's time)
write       :func:`write_build`: staging, one or two processes, patching,
            the atomic move into place
=========== ==================================================================

Adding an output: a module with an :class:`Output` subclass, and one
``register`` line below. Nothing else names it.

>>> import tempfile, graph
>>> out = tempfile.mkdtemp()
>>> sorted(p.name for p in write_outputs(graph.build(["seeds"]), out).values())  # doctest: +NORMALIZE_WHITESPACE
['graph.graphml', 'graph.html', 'graph.json', 'graph.jsonld', 'graph.nt', 'graph.ttl',
 'report.json', 'store']
"""

from __future__ import annotations

from .base import OUTPUTS, BlockOutput, Family, Job, Output, Previous, Written, register
from .graph_files import GraphML, NodeLink
from .page import Page
from .rdf_files import JsonLd, NTriples, Turtle
from .report import Report
from .store import Store
from .write import write_build, write_outputs

# The registry, in the order outputs are written (each after what it needs).
register(NodeLink())
register(GraphML())
register(Report())
register(Turtle())
register(NTriples())
register(JsonLd())
register(Store())
register(Page())

__all__ = ["OUTPUTS", "BlockOutput", "Family", "Job", "Output", "Previous", "Written", "write_build", "write_outputs"]
