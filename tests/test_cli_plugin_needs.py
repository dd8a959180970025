"""What plugins declare about themselves: a component's missing dependency (``rtvi plugins``),
and which plugin loggers ``rtvi run`` shows."""

from __future__ import annotations

import logging

import pytest

from rtvi_core.builtins import EchoLLMService
from rtvi_core.cli.plugins_cmd import build_report, format_report
from rtvi_core.cli.run_cmd import _preload
from rtvi_core.config.loader import load_bot_text
from rtvi_core.plugins import Component, PluginManager, hookimpl
from rtvi_core.serving import SessionFactory


class Ready(EchoLLMService, Component):
    PLUGIN_NAME = "ready"


class NeedsModel(EchoLLMService, Component):
    PLUGIN_NAME = "needs-model"

    @classmethod
    def check_installed(cls) -> None:
        raise LookupError("model 'big' is not installed: pip install big-model")


class BrokenCheck(EchoLLMService, Component):
    PLUGIN_NAME = "broken-check"

    @classmethod
    def check_installed(cls) -> None:
        raise OSError


class Voices:
    @hookimpl
    def rtvi_register_llm(self, register):
        for component in (Ready, NeedsModel, BrokenCheck):
            register(component)


def test_plugins_lists_what_a_component_still_needs() -> None:
    manager = PluginManager(autoload=False)
    assert manager.load_plugin(Voices(), "voices", distribution="rtvi-voices", version="1.0")
    report = build_report(manager)
    plugin = next(p for p in report["plugins"] if p["name"] == "voices")
    assert plugin["missing"] == {
        "llm": {
            "needs-model": "model 'big' is not installed: pip install big-model",
            "broken-check": "OSError",  # a check that says nothing is named by its exception
        }
    }
    assert next(p for p in report["plugins"] if p["name"] == "builtins")["missing"] == {}
    text = format_report(report)
    assert (
        "  voices  (rtvi-voices 1.0)\n"
        "    llm: ready, needs-model, broken-check\n"
        "      needs-model: model 'big' is not installed: pip install big-model\n"
        "      broken-check: OSError\n"
    ) in text + "\n"


@pytest.fixture
def plugin_logger_levels():
    """Restore the levels ``_preload`` sets on the plugin loggers."""
    names = ["rtvi", "rtvi.builtins", "rtvi.websocket"]
    levels = {name: logging.getLogger(name).level for name in names}
    yield
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def test_run_shows_the_info_records_of_the_voice_and_llm_plugins_only(plugin_logger_levels) -> None:
    # e.g. model loading on rtvi.silero, but not each refused connection on rtvi.websocket.connection
    config = load_bot_text('[vad]\nuse = "energy"\n[llm]\nuse = "echo"\n', file="bot.toml")
    _preload(SessionFactory(config), PluginManager(autoload=False).registry)
    assert logging.getLogger("rtvi.builtins").isEnabledFor(logging.INFO)
    assert not logging.getLogger("rtvi.websocket.connection").isEnabledFor(logging.INFO)
