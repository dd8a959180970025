"""Plugin discovery, isolation and listing through real installed distributions.

The test plugins under ``tests/plugin_fixtures/`` are pip-installed, once per test
session, into a fresh virtual environment; every check then runs a new Python process
there (``rtvi plugins --json`` or a short script), so plugins are found through their
``rtvi`` entry points exactly as in production:

* ``good`` (rtvi-test-good): LLM ``shout``, processor ``upper-text``, CLI command
  ``good-hello``, lifecycle hooks;
* ``broken`` (rtvi-test-broken): its module fails to import;
* ``imposter`` (rtvi-test-imposter): LLMs ``echo`` (the built-in's) and ``shout``
  (good's) are refused, TTS ``whisper`` is registered; its session hook raises;
* ``widgets`` (rtvi-test-widgets): implements the unknown hook ``rtvi_register_widgets``;
* ``raises`` (rtvi-test-raises): its TTS hook registers ``partial`` and then raises.

The venv (built by :func:`support_venv.venv_with`) is this module's own, so the
listings below hold exactly these plugins.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from support_venv import run, venv_with

FIXTURES = Path(__file__).resolve().parent / "plugin_fixtures"
DISTRIBUTIONS = ("good", "broken_import", "imposter", "unknown_hook", "raises")


@pytest.fixture(scope="session")
def plugin_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The python of a fresh venv with every test plugin installed."""
    return venv_with(tmp_path_factory.mktemp("plugins"), *(FIXTURES / name for name in DISTRIBUTIONS))


def _run(python: Path, *args: str, **variables: str) -> str:
    result = run(python, *args, **variables)
    assert result.returncode == 0, f"{args} exited {result.returncode}:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def _listing(python: Path, **variables: str) -> dict[str, Any]:
    return json.loads(_run(python, "-m", "rtvi_core.cli", "plugins", "--json", **variables))


def _by_name(entries: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {entry["name"]: entry for entry in entries}


BUILTINS = {
    "transports": ["memory"],
    "serializers": ["json"],
    "vad": ["energy"],
    "turn_analyzers": ["text"],
    "llm": ["echo"],
    "tts": ["tone"],
}


def test_listing_shows_good_plugins_and_isolates_the_bad_ones(plugin_python: Path) -> None:
    report = _listing(plugin_python)
    plugins, failures = _by_name(report["plugins"]), _by_name(report["failures"])
    assert report["autoload"] is True and report["skipped"] == []

    assert plugins["builtins"]["distribution"] == "rtvi-core"
    assert plugins["builtins"]["registered"] == BUILTINS
    assert plugins["good"] == {
        "name": "good",
        "distribution": "rtvi-test-good",
        "version": "1.0.0",
        "registered": {"llm": ["shout"], "processors": ["upper-text"], "cli_commands": ["good-hello"]},
        "missing": {},
    }
    # the imposter keeps its free name; the two taken ones are refused, naming their owners
    assert plugins["imposter"]["registered"] == {"tts": ["whisper"]}
    assert failures["imposter"] == {
        "name": "imposter",
        "distribution": "rtvi-test-imposter",
        "version": "2.0.0",
        "error": "LLM service 'echo' is already registered by 'builtins' (rtvi-core); "
        "LLM service 'shout' is already registered by 'good' (rtvi-test-good)",
        "collisions": [
            {"kind": "llm", "name": "echo", "owner": "builtins", "owner_distribution": "rtvi-core"},
            {"kind": "llm", "name": "shout", "owner": "good", "owner_distribution": "rtvi-test-good"},
        ],
    }
    # the other three are not loaded at all
    assert {"broken", "widgets", "raises"}.isdisjoint(plugins)
    assert failures["broken"]["distribution"] == "rtvi-test-broken"
    assert failures["broken"]["version"] == "0.3.0"
    assert failures["broken"]["error"] == (
        "import failed: ModuleNotFoundError: No module named 'rtvi_test_missing_dependency'"
    )
    assert failures["widgets"]["distribution"] == "rtvi-test-widgets"
    assert failures["widgets"]["error"] == (
        "LookupError: unknown hook 'rtvi_register_widgets'; the hooks are in rtvi_core.hookspecs"
    )
    assert failures["raises"]["distribution"] == "rtvi-test-raises"
    assert failures["raises"]["error"] == "RuntimeError: the TTS backend is not configured"
    assert all(failures[name]["collisions"] == [] for name in ("broken", "widgets", "raises"))


def test_text_listing(plugin_python: Path) -> None:
    text = _run(plugin_python, "-m", "rtvi_core.cli", "plugins")
    assert "  good  (rtvi-test-good 1.0.0)\n    llm: shout\n    processors: upper-text\n" in text
    assert "\nFailed:\n" in text
    assert ("  raises  (rtvi-test-raises 0.2.0)\n    RuntimeError: the TTS backend is not configured") in text


def test_block_list_skips_plugins_by_entry_point_or_distribution_name(plugin_python: Path) -> None:
    report = _listing(plugin_python, RTVI_PLUGINS_BLOCK="broken, rtvi-test-raises")
    assert {(s["name"], s["distribution"], s["reason"]) for s in report["skipped"]} == {
        ("broken", "rtvi-test-broken", "in the block list"),
        ("raises", "rtvi-test-raises", "in the block list"),
    }
    assert set(_by_name(report["failures"])) == {"imposter", "widgets"}
    assert "good" in _by_name(report["plugins"])


def test_allow_list_loads_only_the_named_plugins(plugin_python: Path) -> None:
    report = _listing(plugin_python, RTVI_PLUGINS_ALLOW="good")
    assert [p["name"] for p in report["plugins"]] == ["builtins", "good"]
    assert report["failures"] == []
    fixtures = {"broken", "imposter", "raises", "widgets"}
    # other plugins installed in the outer environment are skipped too: look at ours
    skipped = {s["name"]: s["reason"] for s in report["skipped"] if s["name"] in fixtures}
    assert skipped == dict.fromkeys(fixtures, "not in the allow list")


def test_autoload_off_loads_the_builtins_only(plugin_python: Path) -> None:
    report = _listing(plugin_python, RTVI_DISABLE_PLUGIN_AUTOLOAD="1")
    assert report["autoload"] is False
    assert [(p["name"], p["registered"]) for p in report["plugins"]] == [("builtins", BUILTINS)]
    assert report["failures"] == [] and report["skipped"] == []


USE_PLUGINS = r"""
import json
import logging
import anyio
from rtvi_core.plugins import get_plugin_manager
from rtvi_core.testing import run_bot

manager = get_plugin_manager()
registry = manager.registry
shout = registry.get("llm", "shout").create({"punctuation": "!!"})
upper = registry.get("processors", "upper-text").create({"prefix": "> "})
try:
    registry.get("processors", "upper-text").create({"prefixx": "> "})
except Exception as exc:
    unknown_key = type(exc).__name__
whisper = registry.get("tts", "whisper")
try:
    registry.get("llm", "widget-llm")
except LookupError as exc:
    missing = str(exc)

async def main():
    async with run_bot(llm=shout, with_tts=False) as bot:
        await bot.ready()
        await bot.request("send-text", {"content": "hello there"})
        await bot.client.wait_for_message("bot-llm-stopped")
    return "".join(m["data"]["text"] for m in bot.client.messages_of("bot-llm-text"))

class Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())

logged = Collect()
logging.getLogger("rtvi_core.plugins").addHandler(logged)
import rtvi_test_good
manager.session_started("session-1")
manager.session_ended("session-1")
print(json.dumps({
    "reply": anyio.run(main),
    "upper": [type(upper).__name__, upper.prefix],
    "unknown_key": unknown_key,
    "whisper": [whisper.plugin_name, whisper.distribution, whisper.version],
    "missing": missing,
    "events": rtvi_test_good.SESSION_EVENTS,
    "logged": logged.messages,
    "kit_default": [p.name for p in get_plugin_manager(autoload=False).plugins],
}))
"""


def test_registered_components_build_from_parameters_and_run(plugin_python: Path) -> None:
    result = json.loads(_run(plugin_python, "-c", USE_PLUGINS))
    assert result["reply"] == "HELLO THERE!!"
    assert result["upper"] == ["UpperTextProcessor", "> "]
    assert result["unknown_key"] == "ValidationError"  # extra="forbid" is enforced
    assert result["whisper"] == ["imposter", "rtvi-test-imposter", "2.0.0"]
    # the environment's own LLM plugins (anthropic, gemini, openai...) stand around "shout"
    assert re.fullmatch(
        r"unknown LLM service 'widget-llm'; installed: echo(, [a-z]+)*, shout(, [a-z]+)* "
        r"\(plugins that failed to load: broken, raises, widgets; see `rtvi plugins`\)",
        result["missing"],
    ), result["missing"]
    assert result["events"] == [["started", "session-1"], ["ended", "session-1"]]
    assert result["logged"] == ["plugin 'imposter' raised in rtvi_session_started"]
    assert result["kit_default"] == ["builtins"]


def test_plugin_cli_command(plugin_python: Path) -> None:
    assert _run(plugin_python, "-m", "rtvi_core.cli", "good-hello", "plugins") == "hello, plugins\n"
