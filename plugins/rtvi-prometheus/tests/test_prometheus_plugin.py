"""The plugin through its entry point, and under a real ``rtvi run`` process."""

from __future__ import annotations

import urllib.request

from prometheus_support import BOT_NAME, Scrape, bot_text

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
