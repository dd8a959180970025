"""Reading a carrier's webhook request: its parameters, and the public URLs it was sent to."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import parse_qsl, urlencode, urlsplit

import msgspec

if TYPE_CHECKING:
    from rtvi_core.server.http import Request

#: Most webhook parameters read.
MAX_PARAMS = 200
#: The stream URL's query parameter carrying the ``stream_secret`` setting.
STREAM_SECRET = "stream_secret"


def webhook_params(request: Request) -> dict[str, str]:
    """The request's form (``application/x-www-form-urlencoded``) or flat JSON object parameters.

    A body that is neither gives none; the query string's parameters come first (the
    body's win). At most :data:`MAX_PARAMS`, string values only.
    """
    params = dict(list(request.query.items())[:MAX_PARAMS])
    body = request.body
    if not body:
        return params
    if "json" in request.headers.get("content-type", ""):
        try:
            value = msgspec.json.decode(body)
        except msgspec.DecodeError:
            return params
        if isinstance(value, dict):
            for key, item in list(value.items())[:MAX_PARAMS]:
                if isinstance(item, str | int | float) and not isinstance(item, bool):
                    params[key] = str(item)
        return params
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_PARAMS)
    except (UnicodeDecodeError, ValueError):
        return params
    params.update(pairs)
    return params


def public_base(public_url: str | None, request: Request) -> str:
    """The server's public base URL, no trailing slash: ``public_url``, else ``https://<Host>``
    (a carrier reaches a bot through TLS, a tunnel or a proxy in front of it)."""
    if public_url:
        parts = urlsplit(public_url)
        scheme = {"ws": "http", "wss": "https"}.get(parts.scheme, parts.scheme)
        return f"{scheme}://{parts.netloc}{parts.path.rstrip('/')}"
    return f"https://{request.host}"


def stream_origin(public_url: str | None, request: Request) -> str:
    """The media stream's scheme and host: ``wss://{public host}`` (``ws://`` for an ``http://``
    public URL, as on a test machine)."""
    parts = urlsplit(public_base(public_url, request))
    scheme = "ws" if parts.scheme == "http" else "wss"
    return f"{scheme}://{parts.netloc}"


def stream_url(public_url: str | None, request: Request, secret: str | None = None) -> str:
    """The media stream's URL for the markup: ``wss://{public host}/ws``, with
    ``?stream_secret=`` when ``secret`` is given."""
    query = f"?{urlencode({STREAM_SECRET: secret})}" if secret else ""
    return f"{stream_origin(public_url, request)}/ws{query}"
