"""Bad signalling and bad data-channel input: each gets its documented answer, and never
takes down the server or another session (a healthy session runs beside the attacks)."""

from __future__ import annotations

import json
from typing import Any

import anyio
import pytest
from stock_peer import StockPeer
from test_webrtc_server_sessions import READY, connect
from test_webrtc_signalling import CANDIDATE, SDP
from webrtc_support import health, http, serving, until_health

pytestmark = [pytest.mark.anyio, pytest.mark.rtvi_plugins]

SECRET = "0123456789abcdef-start-key"


async def start(server: Any, **body: Any) -> str:
    status, _, started = await http(server, "POST", "/start", body)
    assert status == 200, started
    return str(started["sessionId"])


async def test_bad_offers_and_candidates_get_their_status_and_a_healthy_session_goes_on() -> None:
    async with serving() as server:
        healthy = StockPeer()
        try:
            await connect(server, healthy)
            healthy.send("client-ready", READY)
            await healthy.wait_for("bot-ready")
            path = f"/sessions/{await start(server)}/api/offer"
            offer = {"sdp": SDP, "type": "offer", "pc_id": None, "restart_pc": False}
            cases: list[tuple[str, str, Any, bytes | None, int, str]] = [
                ("POST", path, None, b"not json", 400, "invalid offer: the body is not JSON"),
                ("POST", path, None, b"[" * 5000 + b"]" * 5000, 400, "nested deeper than 64"),
                ("POST", path, {"type": "offer"}, None, 400, "missing required field `sdp`"),
                ("POST", path, {**offer, "type": "answer"}, None, 400, "type must be 'offer'"),
                ("POST", path, {**offer, "sdp": "v=0\r\nhello"}, None, 400, "sdp has no audio section"),
                ("POST", path, {**offer, "sdp": SDP.replace("m=application", "m=x")}, None, 400, "no data channel"),
                ("POST", path, {**offer, "restart_pc": 1}, None, 400, "Expected `bool | null`, got `int`"),
                ("POST", path, None, b"{" + b" " * 70_000 + b"}", 413, ""),
                ("POST", "/sessions/nope/api/offer", offer, None, 404, "no such session, or it expired"),
                ("POST", path, {**offer, "pc_id": "rtvi-unknown"}, None, 404, "unknown pc_id 'rtvi-unknown'"),
                ("PATCH", path, {"pc_id": "rtvi-unknown", "candidates": []}, None, 404, "unknown pc_id"),
                (
                    "PATCH",
                    path,
                    {"pc_id": healthy.pc_id, "candidates": [{"candidate": "x", "sdp_mid": "0"}]},
                    None,
                    400,
                    "candidates[0].candidate: not a candidate line",
                ),
                (
                    "PATCH",
                    path,
                    {"pc_id": healthy.pc_id, "candidates": [{"candidate": CANDIDATE, "sdp_mid": "0"}] * 33},
                    None,
                    400,
                    "at most 32 per request",
                ),
                ("PATCH", path, {"candidates": []}, None, 400, "missing required field `pc_id`"),
                ("GET", path, None, None, 405, "use POST or PATCH"),
            ]
            for method, target, body, raw, status, info in cases:
                got, _, answer = await http(server, method, target, body, raw=raw)
                assert got == status, (method, target, body if raw is None else raw[:20], answer)
                assert info in (answer.get("info", "") if isinstance(answer, dict) else ""), answer
            healthy.send("send-text", {"content": "still answered"})
            await healthy.wait_for("bot-started-speaking", timeout=15)
            now = await health(server)
            assert (now["sessions"], now["peer_connections"]) == (1, 1)
        finally:
            await healthy.close()
        await until_health(server, sessions=0, peer_connections=0)


async def test_a_garbage_sdp_that_aiortc_would_take_is_refused_and_leaves_nothing() -> None:
    async with serving() as server:
        path = f"/sessions/{await start(server)}/api/offer"
        mangled = SDP.replace("a=setup:actpass", "a=setup:nonsense").replace("UDP/TLS/RTP/SAVPF", "RTP/AVP")
        status, _, answer = await http(server, "POST", path, {"sdp": mangled, "type": "offer"})
        assert status == 400 and answer["info"].startswith("invalid offer:"), answer
        await until_health(server, sessions=0, peer_connections=0)


async def test_capacity_counts_start_reservations_and_they_expire() -> None:
    async with serving(max_sessions=1, start_ttl_secs=0.5) as server:
        first = await start(server)
        status, headers, body = await http(server, "POST", "/start", {})
        assert status == 503 and headers["retry-after"] == "5" and "full" in body["info"]
        await anyio.sleep(0.7)  # the unclaimed reservation expires: room again
        second = await start(server)
        status, _, body = await http(server, "POST", f"/sessions/{first}/api/offer", await StockPeer().offer())
        assert status == 404 and "expired" in body["info"]
        client = StockPeer()
        try:
            status, _, answer = await http(server, "POST", f"/sessions/{second}/api/offer", await client.offer())
            assert status == 200, answer
            status, _, body = await http(server, "POST", "/api/offer", await StockPeer().offer())
            assert status == 503 and "full" in body["info"]  # a direct offer is admitted the same way
        finally:
            await client.close()


async def test_start_api_key_guards_start_and_direct_offers() -> None:
    async with serving(start_api_key=SECRET) as server:
        bearer = {"Authorization": f"Bearer {SECRET}"}
        for headers in ({}, {"Authorization": "Bearer wrong-key-wrong-key"}):
            status, _, body = await http(server, "POST", "/start", {}, headers=headers)
            assert status == 401 and "start_api_key" in body["info"]
            status, _, body = await http(server, "POST", "/api/offer", await StockPeer().offer(), headers=headers)
            assert status == 401, body
        status, _, started = await http(server, "POST", "/start", {}, headers=bearer)
        assert status == 200 and started["sessionId"]
        client = StockPeer()
        try:
            status, _, answer = await http(server, "POST", "/api/offer", await client.offer(), headers=bearer)
            assert status == 200 and answer["type"] == "answer", answer
        finally:
            await client.close()


async def test_start_answers_for_the_transport_asked_and_ice_config() -> None:
    stun = "stun:stun.example.net:3478"
    async with serving(default_ice_servers=[stun]) as server:
        status, _, body = await http(server, "POST", "/start", {"transport": "daily"})
        assert status == 400 and body["info"] == "transport 'daily' is not served here (served: webrtc)"
        status, _, body = await http(server, "POST", "/start", {"transport": "webrtc"})
        assert status == 200 and set(body) == {"sessionId"}
        status, _, body = await http(server, "POST", "/start", {"transport": "webrtc", "enableDefaultIceServers": True})
        assert body["iceConfig"] == {"iceServers": [{"urls": [stun]}]}
        status, _, body = await http(server, "POST", "/start", {"enableDefaultIceServers": "yes"})
        assert status == 400 and "enableDefaultIceServers" in body["info"]


async def test_cors_preflight_allows_patch_for_an_allowed_origin() -> None:
    async with serving() as server:
        origin = {"Origin": "http://localhost:5173"}
        status, headers, _ = await http(
            server,
            "OPTIONS",
            "/sessions/abc/api/offer",
            headers={**origin, "Access-Control-Request-Method": "PATCH"},
        )
        assert status == 204 and headers["access-control-allow-origin"] == "http://localhost:5173"
        assert headers["access-control-allow-methods"] == "POST, PATCH, OPTIONS"
        status, _, body = await http(server, "POST", "/start", {}, headers={"Origin": "https://evil.example"})
        assert status == 403 and "allowed_origins" in body["info"]


async def test_data_channel_garbage_gets_rtvi_errors_then_the_session_ends() -> None:
    async with serving(max_malformed=5) as server:
        client = StockPeer()
        try:
            await connect(server, client)
            client.send("client-ready", READY)
            await client.wait_for("bot-ready")
            client.messages.clear()
            garbage: list[str | bytes] = [b"\x00binary", "not json", "[1]", "[" * 100 + "]" * 100]
            for payload in garbage:
                client.send_raw(payload)
            client.send_raw(
                json.dumps(
                    {"type": "signalling", "message": {"type": "trackStatus", "receiver_index": 1, "enabled": True}}
                )
            )
            with anyio.fail_after(10):
                while len([m for m in client.messages if m.get("type") == "error"]) < 5:
                    await anyio.sleep(0.05)
            errors = [m["data"] for m in client.messages if m.get("type") == "error"]
            assert [e["fatal"] for e in errors] == [False] * 5
            assert "binary data-channel messages are not used" in errors[0]["error"]
            assert "this bot takes no video: the camera is not used" in errors[4]["error"]
            client.send_raw("one more")  # the 5th malformed message: the session ends
            await until_health(server, sessions=0, peer_connections=0)
        finally:
            await client.close()


async def test_a_message_flood_ends_the_session_with_a_fatal_error() -> None:
    async with serving(max_messages_per_sec=20) as server:
        flooder, healthy = StockPeer(), StockPeer()
        try:
            await connect(server, healthy)
            await connect(server, flooder)
            for client in (flooder, healthy):
                client.send("client-ready", READY)
                await client.wait_for("bot-ready")
            for _ in range(200):
                flooder.send_raw("ping: 1")
            with anyio.fail_after(10):
                while not any(m.get("type") == "error" and m["data"]["fatal"] for m in flooder.messages):
                    await anyio.sleep(0.05)
            await until_health(server, sessions=1, peer_connections=1)
            healthy.send("send-text", {"content": "unaffected"})
            await healthy.wait_for("bot-started-speaking", timeout=15)
        finally:
            await flooder.close()
            await healthy.close()
