"""``POST /start`` protection: the API key (wrong, missing, right) and the per-address rate limit."""

from __future__ import annotations

import json

import pytest
from server_support import client, healthy_session, request, serving

from rtvi_core.server.http import HttpError
from rtvi_core.server.start_guard import MAX_TRACKED_CLIENTS, StartGuard

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

KEY = "k3y-0f-the-bot-server"


def start_request(authorization: str | None = None) -> bytes:
    head = "POST /start HTTP/1.1\r\nHost: localhost\r\nContent-Length: 0\r\n"
    if authorization is not None:
        head += f"Authorization: {authorization}\r\n"
    return (head + "\r\n").encode()


async def test_start_needs_the_api_key_and_sessions_then_need_its_token():
    async with serving(start_api_key=KEY) as server:
        for authorization, has in (
            (None, "no API key"),
            (f"Bearer {KEY}x", "a wrong API key"),
            (f"Basic {KEY}", "no API key"),
            ("Bearer ", "no API key"),
        ):
            status, headers, body = await request(server.port, start_request(authorization))
            assert status == 401 and headers["www-authenticate"] == 'Bearer realm="rtvi"'
            assert json.loads(body)["info"] == (
                "POST /start needs the server's API key ([transport] start_api_key) as "
                f"'Authorization: Bearer <key>'; the request has {has}"
            )
        status, _, body = await request(server.port, start_request(f"bearer {KEY}"))
        answer = json.loads(body)
        assert status == 200 and set(answer) == {"wsUrl", "token"}
        async with client(server) as sneaky:  # straight to /ws, without the token
            assert (await sneaky.closed())[0] == 4003
        async with client(server, query=f"?token={answer['token']}") as bot:
            await bot.ready()


async def test_start_beyond_the_rate_of_one_address_gets_429_with_retry_after():
    async with serving(start_rate_limit=0.1, start_rate_burst=3) as server:
        statuses = []
        for _ in range(4):
            status, headers, body = await request(server.port, start_request())
            statuses.append(status)
        assert statuses == [200, 200, 200, 429]
        assert int(headers["retry-after"]) >= 1
        assert json.loads(body)["info"].startswith("too many POST /start from 127.0.0.1: at most 0.1 per second")
        await healthy_session(server)  # /ws itself is not rate limited by /start's bucket


def test_each_address_has_its_own_bucket_and_the_table_is_bounded():
    guard = StartGuard(api_key=None, rate=1.0, burst=1)
    guard.check("10.0.0.1", None, now=0.0)
    guard.check("10.0.0.2", None, now=0.0)
    with pytest.raises(HttpError) as refused:
        guard.check("10.0.0.1", None, now=0.1)
    assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "1"}
    for n in range(MAX_TRACKED_CLIENTS + 10):
        guard.check(f"192.0.{n // 256}.{n % 256}", None, now=1.0)
    assert len(guard._clients) == MAX_TRACKED_CLIENTS
    guard.check("10.0.0.1", None, now=1.0)  # forgotten, so a fresh bucket


def test_the_key_is_checked_after_the_rate():
    guard = StartGuard(api_key=KEY, rate=1.0, burst=1)
    with pytest.raises(HttpError) as first:
        guard.check("10.0.0.1", "Bearer nope", now=0.0)
    with pytest.raises(HttpError) as second:
        guard.check("10.0.0.1", f"Bearer {KEY}", now=0.0)
    assert (first.value.status, second.value.status) == (401, 429)
