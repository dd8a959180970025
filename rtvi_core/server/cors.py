"""CORS for the server's API routes (``POST /start``, a transport's signalling routes).

An allowed page of another origin (the ``Origin`` rule has passed first) may call them:
answers carry ``Access-Control-Allow-Origin`` with its origin, and an ``OPTIONS``
preflight is answered with the route's methods and the headers it asks to send.
"""

from __future__ import annotations

from collections.abc import Iterable

from .http import Request, error_response, response

#: What a preflight may ask to send (header names only; anything else is refused).
_HEADER_LIST = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_, ")


def cors_headers(request: Request) -> dict[str, str]:
    """The headers that let the request's page read the answer (none without an ``Origin``)."""
    origin = request.headers.get("origin")
    return {"Access-Control-Allow-Origin": origin, "Vary": "Origin"} if origin else {}


def preflight(request: Request, methods: Iterable[str]) -> bytes:
    """The answer to an ``OPTIONS`` preflight for a route accepting ``methods``."""
    cors = cors_headers(request)
    asked = request.headers.get("access-control-request-headers", "Content-Type")
    if len(asked) > 500 or not _HEADER_LIST.issuperset(asked):
        return error_response(400, "Access-Control-Request-Headers must be a list of header names", cors)
    headers = cors | {
        "Access-Control-Allow-Methods": ", ".join([*methods, "OPTIONS"]),
        "Access-Control-Allow-Headers": asked,
        "Access-Control-Max-Age": "600",
    }
    return response(204, headers=headers)
