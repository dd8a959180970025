"""The session server as a worker of a cluster: what it asks of its ``ClusterMember`` and when.

A fake member stands for a cluster plugin (rtvi-cluster's Redis one is tested in its plugin).
"""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from server_support import request
from test_server_core import Sessions, Signalling, http

from rtvi_core.server.cluster import ClusterUnavailable
from rtvi_core.server.frontend import StartRequest
from rtvi_core.server.http import HttpError, Request
from rtvi_core.server.limits import ServerSettings
from rtvi_core.server.server import SessionServer
from rtvi_core.server.tokens import Token, TokenError, TokenSigner

pytestmark = pytest.mark.anyio

SECRET = "the-shared-secret-of-the-cluster"


class Member:
    """Records the server's calls; ``/start`` answers a token for this worker, or 503 for bot "none"."""

    def __init__(self, *, fail_join: bool = False) -> None:
        self.tokens = TokenSigner(SECRET, 30, worker="me")
        self.calls: list[Any] = []
        self.fail_join = fail_join

    async def join(self, server: SessionServer) -> None:
        if self.fail_join:
            raise ClusterUnavailable("Redis at redis://nowhere is unreachable")
        self.calls.append(("join", server.port))

    async def start(self, start: StartRequest, request: Request) -> dict[str, Any]:
        if start.bot == "none":
            raise HttpError(503, "the cluster is full", {"Retry-After": "2"})
        return {"wsUrl": "ws://me/ws", "token": self.tokens.issue()}

    def claimed(self, token: Token) -> None:
        self.calls.append(("claimed", token.worker))

    def sessions_changed(self, count: int) -> None:
        self.calls.append(("sessions", count))

    def drain(self) -> None:
        self.calls.append("drain")

    async def leave(self) -> None:
        self.calls.append("leave")

    def health(self) -> dict[str, Any]:
        return {"worker": "me"}


async def test_a_worker_dispatches_start_checks_tokens_counts_sessions_and_leaves_after_the_drain() -> None:
    member, signalling = Member(), Signalling()
    server = SessionServer(Sessions(), ServerSettings(), [signalling], port=0, cluster=member)  # type: ignore[arg-type]
    listening = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: server.serve(on_listening=lambda h, p: listening.set(), handle_signals=False))
        await listening.wait()
        assert member.calls == [("join", server.port)]  # joined before it said it listens
        status, _, body = await request(server.port, http("POST", "/start"))
        answer = json.loads(body)
        assert status == 200 and answer["wsUrl"] == "ws://me/ws"
        status, headers, body = await request(server.port, http("POST", "/start", b'{"bot": "none"}'))
        assert (status, headers["retry-after"], json.loads(body)["info"]) == (503, "2", "the cluster is full")
        with pytest.raises(TokenError, match="issued for worker 'other'"):
            server.check_token(TokenSigner(SECRET, 30).issue(worker="other"))
        server.check_token(answer["token"])
        await request(server.port, http("POST", "/run"))
        status, _, body = await request(server.port, http("GET", "/health"))
        assert json.loads(body)["cluster"] == {"worker": "me"}
        server.drain()
        server.drain()
    assert member.calls[1:] == [("claimed", "me"), ("sessions", 1), "drain", ("sessions", 0), "leave"]


async def test_a_worker_that_cannot_join_stops_with_the_reason() -> None:
    server = SessionServer(Sessions(), ServerSettings(), [Signalling()], port=0, cluster=Member(fail_join=True))  # type: ignore[arg-type]
    with pytest.raises(ClusterUnavailable, match="redis://nowhere"):
        await server.serve(handle_signals=False)
