"""The session server with frontends of its own (no transport library): routes with path
parameters and PATCH, CORS preflights, ``/start`` per transport, ``/health`` fields,
answers that come later, reservations against capacity, static files, the drain."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import anyio
import pytest
from server_support import request

from rtvi_core.server.frontend import StartCall
from rtvi_core.server.http import HttpError, json_response
from rtvi_core.server.limits import ServerSettings
from rtvi_core.server.reservations import Reservations
from rtvi_core.server.routes import Call, Route
from rtvi_core.server.server import SessionServer
from rtvi_core.server.sessions import SessionRunner
from rtvi_core.server.static import StaticFiles

pytestmark = pytest.mark.anyio


class Sessions:
    """What the server needs of a ``SessionFactory``: the bot's name, create() and ended()."""

    def __init__(self) -> None:
        self.config = SimpleNamespace(model=SimpleNamespace(bot=SimpleNamespace(name="core-bot")))
        self.ended_bots: list[Any] = []

    def create(self) -> Any:
        return Bot()

    def ended(self, bot: Any) -> None:
        self.ended_bots.append(bot)


class Task:
    name = "task"
    fatal_error = None
    ending = False

    def __init__(self) -> None:
        self._done = anyio.Event()
        self.cancelled: list[str] = []

    async def run(self) -> None:
        await self._done.wait()

    async def cancel(self, reason: str) -> None:
        self.cancelled.append(reason)
        self._done.set()


class Bot:
    def __init__(self) -> None:
        self.task = Task()


class Runner(SessionRunner):
    def __init__(self, server: SessionServer, bot: Bot, links: list[str]) -> None:
        super().__init__(server, bot, "127.0.0.1:1")
        self.links = links

    async def pump(self) -> None:
        await anyio.sleep_forever()

    def end_link(self, failed: bool, reason: str) -> None:
        self.links.append(f"ended: {reason}")


class Signalling:
    """A frontend like WebRTC's: ``/start`` reserves a session; offers and trickle on two paths."""

    name: ClassVar[str] = "signalling"

    def __init__(self) -> None:
        self.closed: list[str] = []
        self.links: list[str] = []

    def routes(self) -> list[Route]:
        return [
            Route(("POST", "PATCH"), "/api/offer", self._offer, cors=True),
            Route(("POST", "PATCH"), "/sessions/{id}/api/offer", self._offer, cors=True),
            Route(("GET",), "/slow/{what}", self._slow),
            Route(("POST",), "/run", self._run),
        ]

    def start_answer(self, call: StartCall) -> dict[str, Any]:
        now = anyio.current_time()
        return {"sessionId": call.server.reservations.reserve(call.start.body, now, 60.0)}

    def close_all(self, reason: str) -> None:
        self.closed.append(reason)

    def health(self) -> dict[str, Any]:
        return {"peer_connections": 0}

    def _offer(self, call: Call) -> bytes:
        answer = {"method": call.request.method, "params": dict(call.params)}
        return json_response(200, answer, dict(call.cors))

    async def _answer_later(self, what: str) -> bytes:
        await anyio.sleep(0.01)
        if what == "boom":
            raise RuntimeError("boom")
        return json_response(200, {"later": what})

    def _slow(self, call: Call) -> Any:
        return self._answer_later(call.params["what"])

    def _run(self, call: Call) -> None:
        call.server.run_session(Runner(call.server, Bot(), self.links))
        call.connection.respond(json_response(200, {"running": call.server.session_count}))


class Plain:
    """A second frontend: ``/start`` answers a URL, or refuses when asked to."""

    name: ClassVar[str] = "plain"

    def routes(self) -> list[Route]:
        return []

    def start_answer(self, call: StartCall) -> dict[str, Any]:
        if call.start.body == "refuse":
            raise HttpError(409, "refused by the frontend")
        return {"url": "plain://here"}

    def close_all(self, reason: str) -> None:
        pass

    def health(self) -> dict[str, Any]:
        return {"plain": True}


@asynccontextmanager
async def serving(**settings: Any) -> AsyncIterator[tuple[SessionServer, Signalling]]:
    signalling = Signalling()
    server = SessionServer(Sessions(), ServerSettings(**settings), [signalling, Plain()], port=0)  # type: ignore[arg-type]
    listening = anyio.Event()
    async with anyio.create_task_group() as group:
        group.start_soon(lambda: server.serve(on_listening=lambda h, p: listening.set(), handle_signals=False))
        await listening.wait()
        try:
            yield server, signalling
        finally:
            server.drain()
            server.drain()


def http(method: str, path: str, body: bytes = b"", **headers: str) -> bytes:
    lines = [f"{method} {path} HTTP/1.1", "Host: localhost", f"Content-Length: {len(body)}"]
    lines += [f"{name.replace('_', '-')}: {value}" for name, value in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


async def test_routes_take_path_parameters_and_patch_with_cors():
    async with serving() as (server, _):
        origin = "http://localhost:5173"
        status, headers, body = await request(server.port, http("PATCH", "/sessions/ab12/api/offer", Origin=origin))
        assert status == 200 and json.loads(body) == {"method": "PATCH", "params": {"id": "ab12"}}
        assert headers["access-control-allow-origin"] == origin
        status, _, body = await request(server.port, http("POST", "/api/offer"))
        assert status == 200 and json.loads(body) == {"method": "POST", "params": {}}
        status, headers, _ = await request(
            server.port,
            http("OPTIONS", "/sessions/ab12/api/offer", Origin=origin, Access_Control_Request_Method="PATCH"),
        )
        assert status == 204 and headers["access-control-allow-methods"] == "POST, PATCH, OPTIONS"
        status, headers, body = await request(server.port, http("GET", "/sessions/ab12/api/offer"))
        assert status == 405 and headers["allow"] == "POST, PATCH, OPTIONS"
        assert json.loads(body)["info"] == "use POST or PATCH /sessions/{id}/api/offer"
        for path in ("/sessions//api/offer", "/sessions/a/b/api/offer"):  # a parameter is one segment
            assert (await request(server.port, http("POST", path)))[0] == 404, path


async def test_start_answers_for_the_transport_asked_and_refuses_others():
    async with serving() as (server, _):
        status, _, body = await request(server.port, http("POST", "/start"))
        assert status == 200 and set(json.loads(body)) == {"sessionId"}  # the first frontend: the bot file's
        status, _, body = await request(server.port, http("POST", "/start", b'{"transport": "plain"}'))
        assert status == 200 and json.loads(body) == {"url": "plain://here"}
        status, _, body = await request(server.port, http("POST", "/start", b'{"transport": "daily"}'))
        assert status == 400
        assert json.loads(body) == {
            "error": "Bad Request",
            "info": "transport 'daily' is not served here (served: signalling, plain)",
        }
        origin = "http://localhost:5173"
        raw = http("POST", "/start", b'{"transport": "plain", "body": "refuse"}', Origin=origin)
        status, headers, body = await request(server.port, raw)
        assert status == 409 and json.loads(body)["info"] == "refused by the frontend"
        assert headers["access-control-allow-origin"] == origin


async def test_reservations_count_against_max_sessions():
    async with serving(max_sessions=2) as (server, _):
        ids = [json.loads((await request(server.port, http("POST", "/start")))[2])["sessionId"] for _ in range(2)]
        status, headers, body = await request(server.port, http("POST", "/start"))
        assert status == 503 and headers["retry-after"] == "5" and "full (2 sessions)" in json.loads(body)["info"]
        server.reservations.release(ids[0])  # claimed: its session would run now, or given up
        assert (await request(server.port, http("POST", "/start", b'{"transport": "plain"}')))[0] == 200


async def test_health_has_each_frontends_fields():
    async with serving() as (server, _):
        status, _, body = await request(server.port, http("GET", "/health"))
        health = json.loads(body)
        assert status == 200 and health["peer_connections"] == 0 and health["plain"] is True
        assert health["bot"] == "core-bot" and health["status"] == "ok"


async def test_an_answer_may_come_later_and_a_failing_one_is_a_500():
    async with serving() as (server, _):
        status, _, body = await request(server.port, http("GET", "/slow/fine"))
        assert status == 200 and json.loads(body) == {"later": "fine"}
        status, _, body = await request(server.port, http("GET", "/slow/boom"))
        assert status == 500 and "failed answering" in json.loads(body)["info"]


async def test_the_drain_deadline_closes_the_frontends_links_and_cancels_the_sessions():
    async with serving(drain_timeout_secs=0.1) as (server, signalling):
        status, _, body = await request(server.port, http("POST", "/run"))
        assert status == 200 and json.loads(body) == {"running": 1}
        server.drain()
        status, _, body = await request(server.port, http("POST", "/start"))
        assert status == 503 and json.loads(body)["info"] == "the server is shutting down"
        with anyio.fail_after(5):
            while server.session_count:
                await anyio.sleep(0.02)
        assert signalling.closed == ["server shutting down"]
        assert signalling.links == ["ended: session ended"]
        assert len(server.sessions.ended_bots) == 1  # type: ignore[attr-defined]


def test_route_patterns():
    route = Route(("GET",), "/client/{name:path}", lambda call: b"")
    assert route.match("/client/") == {"name": ""} and route.match("/client/assets/a.js") == {"name": "assets/a.js"}
    assert route.match("/client") is None and route.match("/clientx/a") is None
    assert Route(None, "/a.b/{id}", lambda call: b"").match("/a.b/x") == {"id": "x"}
    assert Route(None, "/a.b/{id}", lambda call: b"").match("/aXb/x") is None  # literal parts are literal
    with pytest.raises(ValueError):
        Route(None, "api", lambda call: b"")


def test_static_files_serve_nested_names_and_nothing_outside(tmp_path: Path):
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.js").write_text("x")
    (tmp_path / "font.woff2").write_bytes(b"w")
    files = StaticFiles(tmp_path, not_built=b"<p>build me</p>")
    assert files.response("assets/app.js").startswith(b"HTTP/1.1 200 OK\r\nContent-Type: text/javascript")
    assert b"Content-Type: font/woff2" in files.response("font.woff2")
    assert files.response("index.html").endswith(b"<p>build me</p>")
    for name in ("../secret", "assets/../../x", ".hidden", "", "assets/", "a//b", "missing.js"):
        assert files.response(name).startswith(b"HTTP/1.1 404"), name


def test_reservations_expire_each_at_its_time_and_are_released_once():
    held = Reservations()
    first = held.reserve({"n": 1}, now=0, ttl_secs=10)
    second = held.reserve(None, now=5, ttl_secs=10, key="tok")
    short = held.reserve("short", now=5, ttl_secs=2)  # made later, expires first
    assert held.get(first, now=1) == {"n": 1} and held.count(now=5) == 3
    assert held.count(now=7) == 2  # the short one expired
    with pytest.raises(KeyError):
        held.get(short, now=7)
    assert held.count(now=10) == 1  # the first expired
    with pytest.raises(KeyError):
        held.get(first, now=10)
    held.release(second)
    held.release(second)
    assert held.count(now=10) == 0
