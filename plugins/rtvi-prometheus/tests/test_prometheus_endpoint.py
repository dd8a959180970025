"""``GET /metrics``: the exposition, the metric names, the bot-file switch, the token, bad requests."""

from __future__ import annotations

import pytest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_support import BOT_NAME, Scrape, bot_text, request, scrape, serving

pytestmark = pytest.mark.anyio

TOKEN = "s3cret-metrics-token-0123"
PROTECTED = bot_text(extra=f'\n[metrics]\ntoken = "{TOKEN}"\n')
METRICS = {
    "rtvi_start_requests": "counter",
    "rtvi_dispatch_seconds": "histogram",
    "rtvi_sessions_active": "gauge",
    "rtvi_sessions_max": "gauge",
    "rtvi_sessions_started": "counter",
    "rtvi_sessions_ended": "counter",
    "rtvi_stt_seconds": "histogram",
    "rtvi_llm_first_token_seconds": "histogram",
    "rtvi_tts_first_audio_seconds": "histogram",
    "rtvi_voice_to_voice_seconds": "histogram",
    "rtvi_errors": "counter",
}


async def test_every_metric_is_exposed_with_the_default_collectors():
    async with serving(max_sessions=7) as server:
        status, headers, body = await request(server, "GET", "/metrics")
        assert status == 200
        assert headers["content-type"] == CONTENT_TYPE_LATEST
        found = Scrape(body.decode())
        assert {name: found.families[name].type for name in METRICS} == METRICS
        assert found.value("rtvi_sessions_max") == 7
        assert found.value("rtvi_sessions_active") == 0
        assert "process_resident_memory_bytes" in found.text and "python_gc_objects_collected_total" in found.text
        buckets = [s.labels["le"] for s in found.families["rtvi_voice_to_voice_seconds"].samples if "le" in s.labels]
        assert buckets[0] == "0.05" and buckets[-2] == "5.0" and buckets[-1] == "+Inf"


async def test_labels_are_the_bot_name_only_on_a_fresh_server():
    async with serving() as server:
        found = await scrape(server)
    for name in METRICS:
        for sample in found.families[name].samples:
            assert sample.labels.get("bot") == BOT_NAME, sample


async def test_head_answers_the_headers_only():
    async with serving() as server:
        status, headers, body = await request(server, "HEAD", "/metrics")
    assert (status, body) == (200, b"")
    assert int(headers["content-length"]) > 0


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE"])
async def test_other_methods_get_405(method):
    async with serving() as server:
        status, headers, _ = await request(server, method, "/metrics", body=b"x")
    assert status == 405 and headers["allow"] == "GET, HEAD"


async def test_disabled_in_the_bot_file_is_404():
    async with serving(bot_text(extra="\n[metrics]\nenabled = false\n")) as server:
        status, _, _ = await request(server, "GET", "/metrics")
        health, _, _ = await request(server, "GET", "/health")
    assert (status, health) == (404, 200)


@pytest.mark.parametrize(
    "authorization",
    [
        None,
        "",
        f"Basic {TOKEN}",
        "Bearer wrong-token-wrong-token",
        f"Bearer {TOKEN}x",
        f"Bearer {TOKEN[:-1]}",
        "Bearer",
    ],
)
async def test_a_token_protects_it(authorization):
    headers = {"Authorization": authorization} if authorization is not None else {}
    async with serving(PROTECTED) as server:
        status, answer, body = await request(server, "GET", "/metrics", headers=headers)
        assert status == 401, body
        assert answer["www-authenticate"].startswith("Bearer")
        assert b"rtvi_" not in body
        assert "rtvi_sessions_active" in (await scrape(server, TOKEN)).text


async def test_the_token_scheme_is_case_insensitive():
    async with serving(PROTECTED) as server:
        status, _, _ = await request(server, "GET", "/metrics", headers={"Authorization": f"bearer {TOKEN}"})
    assert status == 200


async def test_the_host_rule_applies():
    async with serving() as server:
        status, _, _ = await request(server, "GET", "/metrics", headers={"Host": "evil.example"})
    assert status == 421


@pytest.mark.parametrize(("path", "status"), [("/metrics?name[]=x", 200), ("/metrics/", 404), ("/metrics%00", 404)])
async def test_paths_near_it(path, status):
    async with serving() as server:
        assert (await request(server, "GET", path))[0] == status


async def test_a_huge_token_is_refused_like_any_wrong_one():
    async with serving(PROTECTED) as server:
        status, _, _ = await request(server, "GET", "/metrics", headers={"Authorization": "Bearer " + "x" * 6000})
    assert status == 401
