"""Sessions counted as they come and go: active, started, ended by reason; ``/start`` outcomes."""

from __future__ import annotations

import contextlib
import json

import pytest
from prometheus_support import Scrape, TTSPlugin, bot_text, client, exported, request, scrape, serving, until
from websockets.exceptions import ConnectionClosed

from rtvi_core.builtins.tone_tts import ToneTTSService

pytestmark = pytest.mark.anyio

START_KEY = "start-api-key-0123456789"


def ended(found: Scrape, reason: str) -> float:
    return found.value("rtvi_sessions_ended_total", transport="websocket", reason=reason)


async def test_active_started_and_ended_follow_the_sessions():
    async with serving() as server:
        async with client(server) as first:
            await first.ready()
            found = await scrape(server)
            assert found.value("rtvi_sessions_active") == 1
            assert found.value("rtvi_sessions_started_total", transport="websocket") == 1
            async with client(server) as second:
                await second.ready()
                assert (await scrape(server)).value("rtvi_sessions_active") == 2
            found = await until(server, lambda s: s.value("rtvi_sessions_active") == 1)
            assert ended(found, "client_left") == 1
            await first.send("disconnect-bot")
            assert (await first.closed())[0] == 1000
        found = await until(server, lambda s: s.value("rtvi_sessions_active") == 0)
        assert found.value("rtvi_sessions_started_total", transport="websocket") == 2
        assert (ended(found, "normal"), ended(found, "client_left"), ended(found, "failed")) == (1, 1, 0)


class FailingTTS(ToneTTSService):
    """A tone TTS whose start() fails: its sessions fail."""

    PLUGIN_NAME = "failing"

    async def start(self, frame):
        raise RuntimeError("no voice today")


async def test_a_failed_session_is_counted_as_failed_and_as_an_error():
    text = bot_text().replace('use = "tone"', 'use = "failing"')
    async with serving(text, plugins=(TTSPlugin(FailingTTS),)) as server:
        async with client(server) as failing:
            await failing.send("client-ready", {"version": "2.1.0", "about": {"library": "test"}})
            assert (await failing.closed())[0] == 1011
        found = await until(server, lambda s: ended(s, "failed") == 1)
        assert found.value("rtvi_errors_total", type="session_failed") == 1
        assert found.value("rtvi_errors_total", type="fatal") == 1
        assert found.value("rtvi_sessions_active") == 0


async def test_sessions_still_open_at_shutdown_end_as_shutdown():
    async with serving() as server:
        async with client(server) as lingering:
            await lingering.ready()
            server.drain()
            status, _, _ = await request(server, "POST", "/start")
            assert status == 503
            server.drain()  # the deadline at once
            assert (await lingering.closed())[0] == 1001
    found = exported(server)  # the server stopped listening once its last session ended
    assert ended(found, "shutdown") == 1 and found.value("rtvi_sessions_active") == 0
    assert found.value("rtvi_start_requests_total", outcome="draining") == 1


async def test_start_outcomes_and_dispatch_time():
    async with serving(max_sessions=1, start_api_key=START_KEY) as server:
        auth = {"Authorization": f"Bearer {START_KEY}"}
        status, _, body = await request(server, "POST", "/start", headers=auth)
        assert status == 200
        assert (await request(server, "POST", "/start"))[0] == 401
        assert (await request(server, "POST", "/start", headers={"Authorization": "Bearer nope"}))[0] == 401
        assert (await request(server, "POST", "/start", headers=auth, body=b"{not json"))[0] == 400
        assert (await request(server, "POST", "/start", headers=auth, body=b'{"transport": "carrier-pigeon"}'))[
            0
        ] == 400
        answer = json.loads(body)
        async with client(server, f"{answer['wsUrl']}?token={answer['token']}") as only:  # max_sessions: 1
            await only.ready()
            assert (await request(server, "POST", "/start", headers=auth))[0] == 503
            assert (await request(server, "GET", "/start"))[0] == 405  # refused before the handler: not an outcome
            found = await scrape(server)
    outcomes = {
        o: found.value("rtvi_start_requests_total", outcome=o) for o in ("ok", "unauthorized", "bad_request", "full")
    }
    assert outcomes == {"ok": 1, "unauthorized": 2, "bad_request": 2, "full": 1}
    assert found.value("rtvi_dispatch_seconds_count") == 6
    assert found.value("rtvi_dispatch_seconds_bucket", le="+Inf") == 6
    assert found.value("rtvi_dispatch_seconds_sum") > 0


async def test_rate_limited_start():
    async with serving(start_rate_limit=1, start_rate_burst=1) as server:
        statuses = [(await request(server, "POST", "/start"))[0] for _ in range(3)]
        found = await scrape(server)
    assert statuses[0] == 200 and 429 in statuses
    assert found.value("rtvi_start_requests_total", outcome="rate_limited") == statuses.count(429)


async def test_an_idle_client_closed_by_the_server_ends_as_idle_timeout():
    async with serving(idle_timeout_secs=0.5) as server:
        async with client(server) as idle:
            await idle.ready()
            assert (await idle.closed())[0] == 4008
        found = await until(server, lambda s: s.value("rtvi_sessions_active") == 0)
    assert (ended(found, "idle_timeout"), ended(found, "client_left")) == (1, 0)


async def test_a_flooding_client_ends_as_limit():
    async with serving(max_messages_per_sec=5) as server:
        async with client(server) as flood:
            await flood.ready()
            with contextlib.suppress(ConnectionClosed):
                for _ in range(100):
                    await flood.send_audio(bytes(512))
            assert (await flood.closed())[0] == 1008
        found = await until(server, lambda s: s.value("rtvi_sessions_active") == 0)
    assert (ended(found, "limit"), ended(found, "client_left")) == (1, 0)
