"""The playground page and its assets (``GET /``, ``GET /playground/<file>``)."""

from __future__ import annotations

from importlib import resources

from rtvi_core.server.routes import Call, Route
from rtvi_core.server.static import StaticFiles

_NOT_BUILT = (
    b"<!doctype html><title>rtvi playground</title><p>The playground page is not built in this "
    b"installation. Reinstall rtvi-websocket with node and npm available "
    b"(<code>pip install -e plugins/rtvi-websocket</code>).</p>"
)
_FILES = StaticFiles(resources.files("rtvi_websocket") / "playground", not_built=_NOT_BUILT)


def _page(call: Call) -> bytes:
    return _FILES.response("index.html")


def _asset(call: Call) -> bytes:
    return _FILES.response(call.params["name"])


def playground_routes() -> list[Route]:
    """The page at ``/`` and its files at ``/playground/<file>``."""
    return [Route(("GET", "HEAD"), "/", _page), Route(("GET", "HEAD"), "/playground/{name:path}", _asset)]
