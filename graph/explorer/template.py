"""The page around the data: the template, vis-network in-lined, and a Content-Security-Policy.

The policy allows only the page's own scripts (by hash) and no request at
all, so the page opens from ``file://`` offline.
"""

from __future__ import annotations

import base64
import hashlib
import importlib.util
import re
from functools import cache
from pathlib import Path
from typing import Final

from ..errors import OutputError

__all__ = ["skeleton"]

_TEMPLATE: Final = "explorer.html"
_VIS_JS: Final = Path("lib") / "vis-9.1.2" / "vis-network.min.js"
_SLOT_RE: Final = re.compile(r"/\*NG:(\w+)\*/")
_SCRIPT_RE: Final = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>(.*?)</script>", re.S)


def _vis_js() -> str:
    """vis-network's script as pyvis bundles it (the file is read; pyvis itself is not imported)."""
    spec = importlib.util.find_spec("pyvis")
    places = list(spec.submodule_search_locations or []) if spec else []
    if not places:  # pragma: no cover - pyvis is a dependency
        raise OutputError("pyvis is not installed: the explorer page needs the vis-network script it bundles")
    js = (Path(places[0]) / _VIS_JS).read_text(encoding="utf-8")
    if "</script" in js.lower():  # pragma: no cover - guards a future pyvis update
        raise OutputError("the vis-network script bundled with pyvis contains '</script' and cannot be in-lined")
    return js


def _with_csp(page: str) -> str:
    """Add a Content-Security-Policy that runs only the page's own scripts and allows no request."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(m.group(1).encode("utf-8")).digest()).decode("ascii") + "'"
        for m in _SCRIPT_RE.finditer(page)
        if 'type="application/json"' not in m.group(0)[: m.group(0).find(">")]
    )
    policy = (
        f"default-src 'none'; script-src {hashes}; style-src 'unsafe-inline'; img-src data:; "
        "connect-src 'none'; font-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'"
    )
    return page.replace("<!--CSP-->", f'<meta http-equiv="Content-Security-Policy" content="{policy}">', 1)


@cache
def skeleton() -> tuple[str, ...]:
    """The page around its data: the template with vis-network in-lined and the CSP added, cut at
    the data slots (``/*NG:name*/``), alternating text and slot names. Made once per process."""
    template = (Path(__file__).parent / "templates" / _TEMPLATE).read_text(encoding="utf-8")
    page = _with_csp(template.replace("/*VIS_NETWORK_JS*/", _vis_js(), 1))
    parts = tuple(_SLOT_RE.split(page))
    if parts[1::2] != ("nodes", "edges", "index", "meta", "options"):  # pragma: no cover - guards the template
        raise OutputError(f"the explorer template's data slots are {parts[1::2]}")
    return parts
