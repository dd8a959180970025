"""Pipecat's prebuilt UI (``pipecat-ai-prebuilt``), served at ``/client/`` when it is installed.

The package ships a built single-page app (``client/dist``) whose assets load relatively
and which calls ``POST /start`` with ``{"transport": "webrtc", ...}`` on its own origin, so it
is served under ``/client/`` beside the signalling routes. Its ``frontend.py`` needs FastAPI,
so the package is installed without its dependencies (``pip install --no-deps
pipecat-ai-prebuilt``) and only its files are read here.
"""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

from rtvi_core.server.http import error_response, response
from rtvi_core.server.routes import Answer, Call, Route
from rtvi_core.server.static import StaticFiles

#: The distribution and package holding the UI.
DISTRIBUTION, PACKAGE = "pipecat-ai-prebuilt", "pipecat_ai_prebuilt"
#: What to install to get it.
INSTALL = f"pip install --no-deps {DISTRIBUTION}==1.3.0"


def find() -> Traversable | None:
    """The prebuilt UI's directory, or None when the package is not installed."""
    try:
        root = resources.files(PACKAGE) / "client" / "dist"
    except ModuleNotFoundError:
        return None
    return root if root.joinpath("index.html").is_file() else None


def routes() -> list[Route]:
    """``/`` and ``/client`` (redirects, as Pipecat's runner) and ``/client/<file>`` (the UI, or a
    404 saying what to install)."""
    root = find()
    files = StaticFiles(root) if root is not None else None

    def redirect(call: Call) -> Answer:
        return response(307, b"", headers={"Location": "/client/"})

    def serve(call: Call) -> Answer:
        if files is None:
            return error_response(404, f"Pipecat's prebuilt UI is not installed here ({INSTALL})")
        return files.response(call.params["name"] or "index.html")

    return [
        Route(("GET", "HEAD"), "/", redirect),
        Route(("GET", "HEAD"), "/client", redirect),
        Route(("GET", "HEAD"), "/client/{name:path}", serve),
    ]
