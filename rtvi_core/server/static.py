"""``StaticFiles``: the files of one directory (a package resource), as HTTP responses."""

from __future__ import annotations

import re
from importlib.resources.abc import Traversable

from .http import error_response, response

#: What each part of a file name may look like (no leading dot, so no ``..``); longer is a 404.
_PART = re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,127}$")
#: Parts of a file name at most (``assets/index.js``: 2).
_MAX_DEPTH = 8
_CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".map": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".json": "application/json",
    ".wav": "audio/wav",
    ".woff2": "font/woff2",
    ".txt": "text/plain; charset=utf-8",
}


class StaticFiles:
    """Serves the files under ``root`` by name; ``not_built`` (an HTML page) stands in for a
    missing ``index.html`` (e.g. assets built at install time that were not)."""

    def __init__(self, root: Traversable, *, not_built: bytes | None = None) -> None:
        self.root = root
        self.not_built = not_built

    def response(self, name: str) -> bytes:
        """The file ``name`` (``index.html``, ``assets/app.js``) with its content type; 404 if there is none."""
        parts = name.split("/")
        if len(parts) > _MAX_DEPTH or not all(_PART.match(part) for part in parts):
            return error_response(404, "no such file")
        asset = self.root
        for part in parts:
            asset = asset / part
        if not asset.is_file():
            if name == "index.html" and self.not_built is not None:
                return response(200, self.not_built, _CONTENT_TYPES[".html"])
            return error_response(404, f"no such file: {name}")
        suffix = name[name.rfind(".") :] if "." in parts[-1] else ""
        return response(200, asset.read_bytes(), _CONTENT_TYPES.get(suffix, "application/octet-stream"))
