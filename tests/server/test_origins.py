"""Who may use the server: the Host rule (DNS rebinding), the Origin rule (CSWSH), their logs and bodies."""

from __future__ import annotations

import json
import logging

import pytest
from server_support import client, healthy_session, request, serving
from websockets.exceptions import InvalidStatus

from rtvi_core.server.hosts import HostRule
from rtvi_core.server.origins import OriginRule
from rtvi_core.server.throttled_log import ThrottledLog

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

LOG = "rtvi.server"


async def start(port: int, *, origin: str | None = None, host: str = "localhost") -> tuple[int, dict]:
    head = f"POST /start HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n"
    if origin is not None:
        head += f"Origin: {origin}\r\n"
    status, _, body = await request(port, (head + "\r\n").encode())
    return status, json.loads(body)


async def upgrade_refused(server, origin: str) -> int:
    """The HTTP status of a refused WebSocket upgrade from ``origin``."""
    with pytest.raises(InvalidStatus) as refused:
        async with client(server, origin=origin):
            pass
    return refused.value.response.status_code


def refusal_logs(caplog, what: str) -> list[str]:
    return [
        r.getMessage()
        for r in caplog.records
        if r.name == LOG and r.levelno == logging.WARNING and what in r.getMessage()
    ]


async def test_a_loopback_server_accepts_pages_from_any_loopback_port(caplog):
    async with serving() as server:
        for origin in ("http://localhost:5173", "http://127.0.0.1:3000", "https://localhost", "http://[::1]:8080"):
            async with client(server, origin=origin) as bot:
                await bot.ready()
            status, answer = await start(server.port, origin=origin)
            assert status == 200 and answer["wsUrl"].endswith("/ws")
        assert await upgrade_refused(server, "http://localhost.evil.example:5173") == 403
        assert not refusal_logs(caplog, "localhost:5173")


async def test_a_server_on_all_interfaces_is_strict_by_default(caplog):
    caplog.set_level(logging.WARNING, LOG)
    async with serving(bind="0.0.0.0") as server:
        assert await upgrade_refused(server, "http://localhost:5173") == 403
        status, answer = await start(server.port, origin="http://localhost:5173")
        assert status == 403
        assert answer["info"] == (
            "origin 'http://localhost:5173' is not allowed: add it to [transport] allowed_origins to allow it"
        )
        # Logged once for both refusals (once per origin per minute), naming the origin and the key.
        (line,) = refusal_logs(caplog, "http://localhost:5173")
        assert "refused origin 'http://localhost:5173'" in line and "[transport] allowed_origins" in line
        # Its own origin and non-browser clients still pass.
        async with client(server, origin=f"http://127.0.0.1:{server.port}") as bot:
            await bot.ready()
        await healthy_session(server)


async def test_wildcard_origins_match_names_under_the_domain_only(caplog):
    caplog.set_level(logging.WARNING, LOG)
    async with serving(bind="0.0.0.0", allowed_origins=["https://*.example.com", "http://*.dev.test:*"]) as server:
        for origin in ("https://app.example.com", "https://a.b.example.com", "http://x.dev.test:5173"):
            async with client(server, origin=origin) as bot:
                await bot.ready()
        for origin in (
            "https://example.com",
            "http://app.example.com",
            "https://app.example.com:8443",
            "https://evilexample.com",
            "https://example.com.evil.test",
        ):
            assert await upgrade_refused(server, origin) == 403, origin
            assert len(refusal_logs(caplog, f"'{origin}'")) == 1


async def test_star_allows_any_origin():
    async with serving(bind="0.0.0.0", allowed_origins=["*"]) as server:
        async with client(server, origin="https://anywhere.example") as bot:
            await bot.ready()
        assert (await start(server.port, origin="null"))[0] == 200


async def test_dns_rebinding_names_are_refused_before_the_origin_check(caplog):
    caplog.set_level(logging.WARNING, LOG)
    rebound = "rebind.attacker.example"
    for transport in ({}, {"allowed_origins": ["https://app.example.com"]}):
        async with serving(**transport) as server:
            port = server.port
            status, answer = await start(port, host=f"{rebound}:{port}", origin=f"http://{rebound}:{port}")
            assert status == 421
            assert answer["info"] == (
                f"host '{rebound}:{port}' is not served here: add it to [transport] allowed_hosts to allow it"
            )
            raw = (
                f"GET /ws HTTP/1.1\r\nHost: {rebound}:{port}\r\nOrigin: http://{rebound}:{port}\r\n"
                "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                "Sec-WebSocket-Version: 13\r\n\r\n"
            ).encode()
            assert (await request(port, raw))[0] == 421
            assert server.session_count == 0
            await healthy_session(server)
    assert any("[transport] allowed_hosts" in line for line in refusal_logs(caplog, rebound))


async def test_allowed_hosts_and_public_url_add_names():
    async with serving(
        allowed_hosts=["bot.example.com", "*.internal.test"], public_url="https://public.example.org"
    ) as server:
        for host in ("bot.example.com", "a.internal.test", "public.example.org", "localhost", "10.1.2.3:80", "[::1]"):
            status, _ = await start(server.port, host=host)
            assert status == 200, host
        for host in ("internal.test", "bot.example.com.evil.test"):
            assert (await start(server.port, host=host))[0] == 421, host


def test_host_rule_decisions():
    rule = HostRule([], listen_host="myhost.lan")
    assert rule.allows("myhost.lan:7860") and rule.allows("MyHost.LAN.") and rule.allows("sub.localhost")
    assert rule.allows("") and rule.allows("[fe80::1]:7860") and rule.allows("192.168.1.5")
    assert not rule.allows("myhost.lan.evil.test") and not rule.allows("evil.test")
    assert HostRule(["*"], listen_host="0.0.0.0").allows("anything.example")


def test_origin_rule_decisions():
    loopback = OriginRule([], loopback_server=True)
    assert loopback.allows(None, "localhost:7860") and loopback.allows("http://localhost:7860", "localhost:7860")
    assert loopback.allows("http://127.0.0.1:5173", "127.0.0.1:7860")
    assert not loopback.allows("null", "localhost") and not loopback.allows("ftp://localhost", "localhost")
    strict = OriginRule(["https://App.Example.com"], loopback_server=False)
    assert strict.allows("https://app.example.com", "bot:1") and not strict.allows("http://localhost:5173", "bot:1")


def test_throttled_log_forgets_the_oldest_keys(caplog):
    log = ThrottledLog(logging.getLogger("test.throttle"), max_keys=2)
    assert log.warning("a", "a") and not log.warning("a", "a")
    assert log.warning("b", "b") and log.warning("c", "c")
    assert log.warning("a", "a")  # "a" was forgotten when "c" came: at most 2 keys are kept
