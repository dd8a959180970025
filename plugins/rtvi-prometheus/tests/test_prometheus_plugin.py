"""The plugin through its entry point, under a real ``rtvi run`` process; a wrong ``[metrics]`` table."""

from __future__ import annotations

import urllib.request

import pytest
from prometheus_support import BOT_NAME, Scrape, bot_text

from rtvi_core.config.errors import BotFileError
from rtvi_core.config.loader import load_bot_text
from rtvi_core.plugins import PluginManager
from rtvi_core.testing.served import served_bot


def test_loaded_through_the_entry_point_with_its_hook():
    manager = PluginManager(allow=["prometheus"])
    assert manager.failures == []
    [info] = [info for info in manager.plugins if info.name == "prometheus"]
    assert info.distribution == "rtvi-prometheus" and info.registered == {}
    hooks = manager.pm.hook.rtvi_server_extensions.get_hookimpls()
    assert [impl.plugin_name for impl in hooks] == ["prometheus"]


def test_rtvi_run_serves_metrics(tmp_path):
    bot = tmp_path / "bot.toml"
    bot.write_text(bot_text(max_sessions=3))
    env = {"RTVI_PLUGINS_ALLOW": "websocket,prometheus"}
    with served_bot(str(bot), env=env) as served:
        with urllib.request.urlopen(f"{served.url}metrics", timeout=10) as answer:
            found = Scrape(answer.read().decode())
    assert found.value("rtvi_sessions_max") == 3 and found.value("rtvi_sessions_active") == 0
    assert found.families["rtvi_start_requests"].samples == []  # no /start yet: no outcome series
    assert BOT_NAME in found.text


def test_a_wrong_metrics_table_names_each_key():
    manager = PluginManager(allow=["prometheus"])
    text = '[llm]\nuse = "echo"\n[metrics]\ntoken = "short"\nenabled = "yes"\npath = "/m"\n'
    with pytest.raises(BotFileError) as caught:
        load_bot_text(text, file="bot.toml", registry=manager.registry)
    assert [str(issue) for issue in caught.value.issues] == [
        "bot.toml: metrics.token: string should have at least 16 characters",
        "bot.toml: metrics.enabled: expected true or false, got 'yes'",
        "bot.toml: metrics.path: unknown key; allowed keys: enabled, token",
    ]
