"""``python -m graph`` runs the ``newsgraph`` command line."""

from .cli import main

main()
