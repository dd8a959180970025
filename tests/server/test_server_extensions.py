"""``rtvi_server_extensions``: a plugin's routes on the session server, and the events it hears
(sessions started and ended with their reason, requests answered now or later); an extension
or a hook that raises leaves the server serving."""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

import anyio
import pytest
from server_support import client, request, serving

from rtvi_core.plugins import hookimpl
from rtvi_core.server.extensions import ServerExtension
from rtvi_core.server.http import response
from rtvi_core.server.routes import Call, Route

pytestmark = pytest.mark.anyio

#: What this module's hook registers, per test.
MAKERS: list[Callable[[Any], ServerExtension]] = []


@hookimpl
def rtvi_server_extensions(server: Any, register: Callable[[ServerExtension], None]) -> None:
    for make in MAKERS:
        register(make(server))


class Recorder(ServerExtension):
    def __init__(self, server: Any) -> None:
        self.server = server
        self.events: list[tuple[Any, ...]] = []

    def routes(self) -> list[Route]:
        return [Route(("GET",), "/now", lambda call: response(200, b"now")), Route(("GET",), "/later", self._later)]

    def _later(self, call: Call) -> Any:
        async def answer() -> bytes:
            await anyio.sleep(0.01)
            return response(202, b"later")

        return answer()

    def session_started(self, session: Any) -> None:
        self.events.append(("started", session.end_reason))

    def session_ended(self, session: Any) -> None:
        self.events.append(("ended", session.end_reason))

    def answered(self, route: Route, call: Call, status: int, seconds: float) -> None:
        assert call.server is self.server and seconds >= 0
        self.events.append((route.pattern, status))


class Broken(ServerExtension):
    def session_started(self, session: Any) -> None:
        raise RuntimeError("broken")

    def session_ended(self, session: Any) -> None:
        raise RuntimeError("broken")

    def answered(self, route: Route, call: Call, status: int, seconds: float) -> None:
        raise RuntimeError("broken")


@pytest.fixture
def makers():
    yield MAKERS
    MAKERS.clear()


def get(port: int, path: str) -> bytes:
    return f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()


async def test_extensions_serve_routes_and_hear_the_servers_events(makers):
    recorders: list[Recorder] = []

    def record(server: Any) -> Recorder:
        recorders.append(Recorder(server))
        return recorders[-1]

    makers.extend([lambda server: Broken(), record])  # the broken one first: the other still hears
    async with serving(plugins=(sys.modules[__name__],)) as server:
        assert (await request(server.port, get(server.port, "/now")))[::2] == (200, b"now")
        assert (await request(server.port, get(server.port, "/later")))[::2] == (202, b"later")
        assert (await request(server.port, get(server.port, "/health")))[0] == 200
        bad_start = f"POST /start HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\nContent-Length: 1\r\n\r\n{{"
        assert (await request(server.port, bad_start.encode()))[0] == 400
        async with client(server) as leaving:
            await leaving.ready()
        with anyio.fail_after(10):
            while server.session_count:
                await anyio.sleep(0.02)
    [recorder] = recorders
    assert recorder.events == [
        ("/now", 200),
        ("/later", 202),
        ("/health", 200),
        ("/start", 400),
        ("started", None),
        ("ended", "client_left"),
    ]


async def test_a_hook_that_raises_is_logged_and_the_server_serves_without_it(makers, caplog):
    def fail(server: Any) -> ServerExtension:
        raise RuntimeError("no extension today")

    makers.append(fail)
    async with serving(plugins=(sys.modules[__name__],)) as server:
        assert (await request(server.port, get(server.port, "/health")))[0] == 200
    assert "raised in rtvi_server_extensions" in caplog.text
