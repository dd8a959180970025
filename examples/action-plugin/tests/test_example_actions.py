"""The example actions, installed, answering real RTVI requests through a running bot."""

from __future__ import annotations

from datetime import datetime
from importlib.metadata import entry_points
from typing import Any

import pytest
from rtvi_example_actions import ACTIONS, dice, echo, get_time, plugin

from rtvi_core.actions import ActionDispatcher
from rtvi_core.builtins.echo_llm import EchoLLMService, ToolRule
from rtvi_core.plugins import get_plugin_manager
from rtvi_core.rtvi.observer_params import RTVIObserverParams
from rtvi_core.testing import run_bot

pytestmark = pytest.mark.anyio


async def ask(h: Any, t: str, d: Any = None) -> dict[str, Any]:
    """Send ``client-message`` ``{t, d}``; the ``server-response``/``error-response`` to it."""
    msg_id = await h.request("client-message", {"t": t, "d": d})
    return await h.reply_to(msg_id)


def test_the_entry_point_names_the_plugin_module() -> None:
    (found,) = entry_points(group="rtvi", name="example-actions")
    assert found.load() is plugin
    assert found.dist is not None and found.dist.name == "rtvi-example-actions"


def test_the_hook_registers_every_action() -> None:
    registered: list[Any] = []
    plugin.rtvi_register_actions(register=registered.append)
    assert registered == ACTIONS
    assert [a.PLUGIN_NAME for a in registered] == ["get-time", "dice", "echo"]


def test_rtvi_core_finds_the_actions_by_name() -> None:
    registry = get_plugin_manager(autoload=True).registry
    found = registry.get("actions", "get-time")
    assert found.obj is get_time
    assert (found.plugin_name, found.distribution) == ("example-actions", "rtvi-example-actions")
    assert registry.get("actions", "echo").create({"prefix": "> "}).config.prefix == "> "


async def test_get_time_in_a_named_zone_and_at_an_offset() -> None:
    async with run_bot(with_tts=False) as h:
        ActionDispatcher(ACTIONS).attach(h.task)
        reply = await ask(h, "get-time", {"timezone": "+05:30"})
        assert reply["type"] == "server-response"
        assert reply["data"]["t"] == "get-time"
        assert datetime.fromisoformat(reply["data"]["d"]["iso"]).utcoffset().total_seconds() == 19800
        reply = await ask(h, "get-time", {"timezone": "Asia/Tokyo"})
        assert reply["data"]["d"]["iso"].endswith("+09:00")
        reply = await ask(h, "get-time")  # no arguments: UTC
        assert reply["data"]["d"]["iso"].endswith("+00:00")


async def test_get_time_rejects_an_unknown_zone() -> None:
    async with run_bot(with_tts=False) as h:
        ActionDispatcher(ACTIONS).attach(h.task)
        reply = await ask(h, "get-time", {"timezone": "Mars/Olympus"})
        assert reply["type"] == "error-response"
        assert reply["data"]["error"] == (
            "Invalid arguments for 'get-time': timezone: Value error, unknown time zone "
            "'Mars/Olympus': use an IANA name like 'Europe/Paris' or a UTC offset like '+02:00'"
        )
        reply = await ask(h, "get-time", {"timezone": "+15:00"})
        assert "out of range" in reply["data"]["error"]


async def test_dice_rolls_within_bounds_and_rejects_bad_sides() -> None:
    async with run_bot(with_tts=False) as h:
        ActionDispatcher([dice]).attach(h.task)
        d = (await ask(h, "dice", {"sides": 8, "count": 5}))["data"]["d"]
        assert len(d["rolls"]) == 5 and all(1 <= r <= 8 for r in d["rolls"])
        assert d["total"] == sum(d["rolls"])
        reply = await ask(h, "dice", {"sides": 101})
        assert reply["data"]["error"] == (
            "Invalid arguments for 'dice': sides: Input should be less than or equal to 100"
        )


async def test_echo_uses_its_config_and_sends_a_server_message() -> None:
    configured = echo.from_config(echo.Config.model_validate({"prefix": "> "}))
    async with run_bot(with_tts=False) as h:
        ActionDispatcher([configured]).attach(h.task)
        reply = await ask(h, "echo", {"text": "hello", "upper": True})
        assert reply["data"] == {"t": "echo", "d": {"text": "> HELLO"}}
        assert [m["data"] for m in h.client.messages_of("server-message")] == [{"echo": "> HELLO"}]


async def test_get_time_is_offered_to_the_llm_as_a_tool() -> None:
    llm = EchoLLMService(tool_rules=[ToolRule(r"time in (\S+)", "get-time", {"timezone": "{1}"})])
    params = RTVIObserverParams(function_call_report_level={"*": "full"})
    async with run_bot(llm=llm, with_tts=False, observer_params=params) as h:
        ActionDispatcher(ACTIONS, llm=llm, context=h.context).attach(h.task)
        assert [t["function"]["name"] for t in h.context.tools] == ["get-time"]
        await h.request("send-text", {"content": "what is the time in UTC+01:00", "options": {}})
        stopped = await h.client.wait_for_message("llm-function-call-stopped")
        assert stopped["data"]["function_name"] == "get-time"
        assert stopped["data"]["result"]["iso"].endswith("+01:00")
