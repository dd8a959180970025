"""``Dispatcher``: ``POST /start`` in a cluster — a reserved slot, its worker's ``wsUrl`` and a token.

Shared by the gateway and every worker's ``/start``. The reservation (:meth:`ClusterStore.reserve
<.store.ClusterStore.reserve>`) and the token share one id, the token's nonce: the worker
that the client then connects to drops the reservation when it claims the token, and a
reservation never claimed expires with the token (``token_ttl_secs``).
"""

from __future__ import annotations

import os
from typing import Any

from rtvi_core.server.frontend import StartRequest
from rtvi_core.server.http import HttpError
from rtvi_core.server.tokens import TokenSigner

from .store import UNREACHABLE, ClusterStore

#: Where workers and gateways read the cluster's token secret when none is given.
SECRET_VARIABLE = "RTVI_CLUSTER_SECRET"
#: The transport whose sessions the cluster dispatches (its endpoint: ``/ws``).
TRANSPORT = "websocket"
#: Longest bot name a ``/start`` body may give.
MAX_BOT_NAME = 100
#: ``Retry-After`` seconds of a 503.
RETRY_AFTER_SECS = 2


class DispatchRefused(HttpError):
    """A ``/start`` the cluster refused; ``outcome`` names why (a ``/metrics`` label)."""

    def __init__(self, status: int, outcome: str, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, message, headers)
        self.outcome = outcome


def _unavailable(outcome: str, message: str) -> DispatchRefused:
    return DispatchRefused(503, outcome, message, {"Retry-After": str(RETRY_AFTER_SECS)})


def ws_url(base: str) -> str:
    """The websocket endpoint of the worker whose public base URL is ``base`` (http(s):// or ws(s)://)."""
    base = base.rstrip("/")
    if base.startswith("https://"):
        base = "wss://" + base.removeprefix("https://")
    elif base.startswith("http://"):
        base = "ws://" + base.removeprefix("http://")
    return f"{base}/ws"


class Dispatcher:
    """Answers ``/start`` from ``store``'s workers, with tokens signed by ``signer`` (the cluster's secret)."""

    def __init__(self, store: ClusterStore, signer: TokenSigner) -> None:
        self.store = store
        self.signer = signer

    async def start(self, start: StartRequest, default_bot: str = "") -> dict[str, Any]:
        """The answer to ``start``: ``{"wsUrl", "token"}`` of a reserved slot; :class:`DispatchRefused` otherwise.

        ``default_bot``: the bot when the body names none ("": the cluster's only bot)."""
        if start.transport not in (None, TRANSPORT):
            raise DispatchRefused(
                400,
                "bad_request",
                f"transport {start.transport[:40]!r} is not dispatched by the cluster (it dispatches {TRANSPORT!r})",
            )
        bot = default_bot if start.bot is None else start.bot
        if len(bot) > MAX_BOT_NAME:
            raise DispatchRefused(400, "bad_request", f"the bot name is longer than {MAX_BOT_NAME} characters")
        nonce = os.urandom(16)
        ttl_ms = int(self.signer.ttl_secs * 1000)
        try:
            found = await self.store.reserve(bot, nonce.hex(), ttl_ms)
        except UNREACHABLE as exc:
            raise _unavailable(
                "unavailable",
                f"the cluster's Redis ({self.store.shown_url}) is unreachable ({exc}): try again later",
            ) from None
        if found.status == "ok":
            return {"wsUrl": ws_url(found.url), "token": self.signer.issue(worker=found.worker_id, nonce=nonce)}
        name = self.store.keys.name
        if found.status == "unknown":
            raise DispatchRefused(
                404,
                "unknown_bot",
                f"no worker of cluster {name!r} serves bot {bot[:MAX_BOT_NAME]!r} (bots: {found.detail})",
            )
        if found.status == "ambiguous":
            raise DispatchRefused(
                400,
                "bad_request",
                f'cluster {name!r} serves several bots ({found.detail}): name one in the body, {{"bot": "<name>"}}',
            )
        if found.status == "empty":
            raise _unavailable("full", f"no worker has joined cluster {name!r}: try again later")
        raise _unavailable(
            "full",
            f"every worker of bot {found.bot!r} in cluster {name!r} is full or draining ({found.detail} sessions in all): "
            f"try again in {RETRY_AFTER_SECS} s",
        )
