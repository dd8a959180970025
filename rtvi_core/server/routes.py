"""``Route``: a path pattern, its methods and its handler; ``Call``: one request to it.

A pattern is a path whose segments may be parameters: ``/sessions/{id}/api/offer``
(``{id}``: one segment, never empty) or ``/client/{name:path}`` (the rest of the path,
slashes included, possibly empty). A handler answers with the bytes of a response, an
awaitable of them (the server awaits it, and answers 500 if it raises), or None when it
has answered through the connection itself (e.g. upgraded it to a WebSocket).

Routes and calls are generic in the site that serves them (:class:`~.site.HttpSite`):
:data:`Route` and :data:`Call` are those of the session server, what transports use.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Generic, TypeAlias, TypeVar

from .http import Request, error_response

if TYPE_CHECKING:
    from .connection import HttpConnection
    from .server import SessionServer

_PARAM = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(:path)?\}")

#: What a handler returns: a response, a response to come, or None (answered already).
Answer = bytes | Awaitable[bytes] | None

#: The site a route belongs to (the session server, a cluster's gateway).
SiteT = TypeVar("SiteT")


@dataclass(frozen=True, slots=True)
class SiteCall(Generic[SiteT]):
    """One request to a route of a ``SiteT``: what its handler gets.

    ``cors``: the headers its answers must carry (those of :func:`~.cors.cors_headers`
    on a CORS route; empty otherwise).
    """

    server: SiteT
    connection: HttpConnection
    request: Request
    params: Mapping[str, str]
    cors: Mapping[str, str]


class SiteRoute(Generic[SiteT]):
    """Requests to ``pattern`` with one of ``methods`` (None: any, the handler checks) go to ``handler``.

    A ``cors`` route (an API a page of another allowed origin may call) answers the
    ``OPTIONS`` preflight itself and gives the handler the CORS headers to send.
    """

    __slots__ = ("_regex", "cors", "handler", "methods", "pattern")

    def __init__(
        self,
        methods: Iterable[str] | None,
        pattern: str,
        handler: Callable[[SiteCall[SiteT]], Answer],
        *,
        cors: bool = False,
    ) -> None:
        if not pattern.startswith("/"):
            raise ValueError(f"a route pattern starts with '/': {pattern!r}")
        self.methods = tuple(methods) if methods is not None else None
        self.pattern = pattern
        self.handler = handler
        self.cors = cors
        parts, end = [], 0
        for param in _PARAM.finditer(pattern):
            parts.append(re.escape(pattern[end : param.start()]))
            parts.append(f"(?P<{param.group(1)}>{'.*' if param.group(2) else '[^/]+'})")
            end = param.end()
        parts.append(re.escape(pattern[end:]))
        self._regex = re.compile("".join(parts))

    def match(self, path: str) -> dict[str, str] | None:
        """The path parameters if ``path`` is this route's, else None."""
        found = self._regex.fullmatch(path)
        return found.groupdict() if found is not None else None

    def refusal(self, request: Request, cors: Mapping[str, str]) -> bytes | None:
        """A 405 answer unless the request uses one of the route's methods."""
        methods = self.methods
        if methods is None or request.method in methods:
            return None
        if self.cors:
            allow = {"Allow": ", ".join([*methods, "OPTIONS"])}
            return error_response(405, f"use {' or '.join(methods)} {self.pattern}", allow | dict(cors))
        return error_response(405, f"{request.method} is not allowed here", {"Allow": ", ".join(methods)})


#: A request to one of the session server's routes (what a transport's handlers get).
Call: TypeAlias = SiteCall["SessionServer"]
#: A route of the session server (what a transport's frontend serves).
Route: TypeAlias = SiteRoute["SessionServer"]
#: A session server route's handler.
Handler: TypeAlias = Callable[[Call], Answer]
