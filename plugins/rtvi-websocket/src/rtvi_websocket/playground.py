"""The playground page and its assets, as HTTP responses (``GET /``, ``GET /playground/<file>``)."""

from __future__ import annotations

import re
from importlib import resources

from .http import error_response, response

#: What an asset name may look like (no path separators, no leading dot); longer is a 404.
_ASSET = re.compile(r"^[A-Za-z0-9_\-][A-Za-z0-9_.\-]{0,127}$")
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
}
_NOT_BUILT = (
    b"<!doctype html><title>rtvi playground</title><p>The playground page is not built in this "
    b"installation. Reinstall rtvi-websocket with node and npm available "
    b"(<code>pip install -e plugins/rtvi-websocket</code>).</p>"
)


def is_playground_path(path: str) -> bool:
    """True for the paths this module answers."""
    return path == "/" or path.startswith("/playground/")


def playground_response(path: str) -> bytes:
    """The page (``/``) or one of its assets (``/playground/<file>``); 404 for anything else."""
    name = "index.html" if path == "/" else path.removeprefix("/playground/")
    if not _ASSET.match(name):
        return error_response(404, "no such file")
    asset = resources.files("rtvi_websocket") / "playground" / name
    if not asset.is_file():
        if name == "index.html":
            return response(200, _NOT_BUILT, _CONTENT_TYPES[".html"])
        return error_response(404, f"no such file: {name}")
    suffix = name[name.rfind(".") :] if "." in name else ""
    return response(200, asset.read_bytes(), _CONTENT_TYPES.get(suffix, "application/octet-stream"))
