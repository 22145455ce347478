"""The build pipeline: find the sources, read them, merge, write the outputs.

============ ===================================================================
module       job
============ ===================================================================
sources      finding the files (:func:`find_source_names`) and the read loop
             shared by every build kind (:func:`read_files`,
             :func:`~graph.pipeline.sources.parse_sources`)
build        the in-memory build (:func:`build`) and the tally (:func:`assemble`)
rebuild      a build into a folder that reuses the last one there
             (:func:`build_into`): only changed files are parsed, only changed
             nodes merged again, the outputs patched
state        what a rebuild keeps between builds (``OUT/.cache``)
stream       the build of a corpus larger than memory (:func:`stream_build`)
============ ===================================================================
"""

from __future__ import annotations

from .build import assemble, build
from .rebuild import build_into
from .sources import Progress, ReadCache, find_source_names, read_files

# The streaming build is imported from graph.pipeline.stream where it is used: a rebuild does not load it.
__all__ = [
    "Progress",
    "ReadCache",
    "assemble",
    "build",
    "build_into",
    "find_source_names",
    "read_files",
]
