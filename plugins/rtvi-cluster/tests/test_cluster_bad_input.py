"""Bad input, each with a clear error: the ``[cluster]`` table, ``rtvi gateway``'s flags, ``/start`` bodies."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import rtvi_cluster.plugin
import rtvi_websocket.plugin
from cluster_support import ENV, Cluster, bot_file, post_start, running_cluster
from redis_support import RedisServer

from rtvi_core.config.errors import BotFileError
from rtvi_core.config.loader import load_bot_text
from rtvi_core.plugins.manager import PluginManager

BOT = '[transport]\nuse = "websocket"\n[llm]\nuse = "echo"\n'
SECRET = "secret = 'sixteen-bytes-long'\n"


@pytest.fixture(scope="module")
def registry():  # type: ignore[no-untyped-def]
    """The built-ins, the websocket transport and the cluster plugin."""
    manager = PluginManager(autoload=False)
    assert manager.load_plugin(rtvi_websocket.plugin, "websocket")
    assert manager.load_plugin(rtvi_cluster.plugin, "cluster")
    return manager.registry


def issues(text: str, registry, overrides=None) -> list[str]:  # type: ignore[no-untyped-def]
    with pytest.raises(BotFileError) as info:
        load_bot_text(text, file="bot.toml", registry=registry, environ={}, overrides=overrides)
    return [str(issue) for issue in info.value.issues]


def test_a_cluster_table_is_validated_by_the_plugin(registry, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.delenv("RTVI_CLUSTER_SECRET", raising=False)
    config = load_bot_text(BOT + "[cluster]\n" + SECRET, registry=registry, environ={})
    assert config.cluster is not None and config.cluster.name == "redis"
    assert config.cluster.config.redis_url == "redis://127.0.0.1:6379/0"  # type: ignore[attr-defined]
    found = issues(
        BOT
        + "[cluster]\nredis_url = 'http://h:6379'\nsecret = 'short'\nheartbeat_ttl_secs = 0\nname = 'a b'\ncolour = 1\n",
        registry,
    )
    assert any("cluster.redis_url" in line and "must look like redis://HOST:6379/0" in line for line in found), found
    assert any("cluster.secret" in line and "at least 16 bytes" in line for line in found), found
    assert any("cluster.heartbeat_ttl_secs" in line for line in found), found
    assert any("cluster.name" in line and "1-64 letters" in line for line in found), found
    assert any("cluster.colour" in line for line in found), found
    assert any(
        "cluster.secret" in line and "set [cluster] secret or $RTVI_CLUSTER_SECRET" in line
        for line in issues(BOT + "[cluster]\n", registry)
    )
    monkeypatch.setenv("RTVI_CLUSTER_SECRET", "from-the-environment")
    config = load_bot_text(BOT + "[cluster]\n", registry=registry, environ={})
    assert config.cluster.config.secret == "from-the-environment"  # type: ignore[union-attr]


def test_the_command_line_url_sets_redis_url(registry) -> None:  # type: ignore[no-untyped-def]
    config = load_bot_text(
        BOT + "[cluster]\n" + SECRET,
        registry=registry,
        environ={},
        overrides={"cluster": {"redis_url": "redis://r:1/2"}},
    )
    assert config.cluster.config.redis_url == "redis://r:1/2"  # type: ignore[union-attr]
    found = issues(BOT, registry, overrides={"cluster": {"redis_url": "localhost:6379"}})
    assert any("cluster.redis_url" in line and "'localhost:6379'" in line for line in found), found


def rtvi(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items() if k not in ("RTVI_DISABLE_PLUGIN_AUTOLOAD", "RTVI_CLUSTER_SECRET")}
    return subprocess.run(
        [sys.executable, "-m", "rtvi_core.cli", *args],
        capture_output=True,
        text=True,
        env=environ | (env or {}),
        timeout=60,
    )


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--cluster", "http://h:6379"], ENV, "cluster URL 'http://h:6379' must look like redis://HOST:6379/0"),
        (["--cluster", "redis://h:99999"], ENV, "Port out of range"),
        (["--cluster", "redis://h", "--secret", "short"], {}, "the cluster secret must be at least 16 bytes long"),
        (["--cluster", "redis://h"], {}, "the cluster needs its token secret"),
        (["--cluster", "redis://h", "--name", "a/b"], ENV, "cluster name 'a/b' must be 1-64 letters"),
    ],
)
def test_gateway_flags(args: list[str], env: dict[str, str], message: str) -> None:
    done = rtvi("gateway", *args, env=env)
    assert done.returncode == 1 and message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


def test_a_console_bot_cannot_join_a_cluster(tmp_path: Path) -> None:
    bot = tmp_path / "bot.toml"
    bot.write_text('[llm]\nuse = "echo"\n[cluster]\n' + SECRET)
    done = rtvi("run", str(bot), "--cluster", "redis://127.0.0.1:1/0")
    assert done.returncode == 1 and "transport 'memory' serves no clients, so it cannot join a cluster" in done.stderr


def test_a_bot_served_on_another_transport_cannot_join_a_cluster(tmp_path: Path) -> None:
    pytest.importorskip("rtvi_telephony")
    bot = tmp_path / "bot.toml"
    bot.write_text('[transport]\nuse = "twilio"\n[llm]\nuse = "echo"\n[cluster]\n' + SECRET)
    done = rtvi("run", str(bot), "--cluster", "redis://127.0.0.1:1/0")
    message = "cluster: the 'redis' cluster dispatches 'websocket' sessions, not 'twilio'"
    assert done.returncode == 1 and f"{bot}: {message}" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    redis = RedisServer(tmp_path_factory.mktemp("redis"))
    redis.start()
    try:
        with running_cluster(redis, bot_file(tmp_path_factory.mktemp("bot")), workers=1, gateways=1) as running:
            yield running
    finally:
        redis.stop()


@pytest.mark.anyio
@pytest.mark.rtvi_plugins
@pytest.mark.parametrize(
    ("body", "status", "message"),
    [
        (b"{not json", 400, "the request body is not JSON"),
        ({"bot": 5}, 400, "invalid request body: Expected `str | null`, got `int` - at `$.bot`"),
        ({"bot": "nope"}, 404, "no worker of cluster 'test' serves bot 'nope' (bots: echo)"),
        ({"bot": "b" * 101}, 400, "the bot name is longer than 100 characters"),
        (
            {"transport": "webrtc"},
            400,
            "transport 'webrtc' is not",
        ),
    ],
)
async def test_start_bodies_refused_by_the_gateway_and_the_worker(
    cluster: Cluster, body, status: int, message: str
) -> None:  # type: ignore[no-untyped-def]
    async with httpx.AsyncClient(timeout=30) as http:
        for server in (cluster.gateways[0], cluster.workers[0]):
            answer = await post_start(http, server, body)
            assert answer.status_code == status and answer.json()["info"].startswith(message), answer.json()
        metrics = (await http.get(f"{cluster.gateways[0].url}metrics")).text
    outcome = "unknown_bot" if status == 404 else "bad_request"
    assert f'rtvi_start_requests_total{{outcome="{outcome}"}}' in metrics


@pytest.mark.anyio
@pytest.mark.rtvi_plugins
async def test_the_gateway_answers_cors_preflights_and_names_unknown_routes(cluster: Cluster) -> None:
    gateway = cluster.gateways[0]
    async with httpx.AsyncClient(timeout=30) as http:
        headers = {"Origin": "http://localhost:5173", "Access-Control-Request-Method": "POST"}
        preflight = await http.options(f"{gateway.url}start", headers=headers)
        assert (
            preflight.status_code == 204 and preflight.headers["access-control-allow-origin"] == "http://localhost:5173"
        )
        foreign = await http.post(f"{gateway.url}start", headers={"Origin": "https://evil.example"})
        assert foreign.status_code == 403 and "allowed_origins" in foreign.json()["info"]
        assert (await http.get(f"{gateway.url}nowhere")).status_code == 404
        assert (await http.get(f"{gateway.url}start")).status_code == 405
