"""Bot files: every kind of bad file with its exact message, env interpolation, sessions."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from rtvi_core.builtins import EchoLLMService, EnergyVADAnalyzer, MemoryTransport, ToneTTSService
from rtvi_core.config import BotFileError, build_session, load_bot_file, load_bot_text
from rtvi_core.config.env import interpolate
from rtvi_core.plugins import get_plugin_manager
from rtvi_core.rtvi.observer import RTVIObserver
from rtvi_core.rtvi.observer_params import FunctionCallReportLevel
from rtvi_core.testing import running

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def registry():
    return get_plugin_manager(autoload=False).registry


def errors(text: str, registry, environ=None) -> list[str]:
    """The lines of the BotFileError that loading ``text`` as ``bot.toml`` raises."""
    with pytest.raises(BotFileError) as info:
        load_bot_text(text, file="bot.toml", registry=registry, environ=environ or {})
    assert str(info.value) == "\n".join(str(issue) for issue in info.value.issues)
    return str(info.value).splitlines()


# -- every bad bot file of the issue, with its exact message -------------------------------


def test_unknown_plugin_suggests_the_close_name(registry):
    assert errors('[llm]\nuse = "ecko"\n', registry) == [
        "bot.toml: llm.use: unknown llm plugin 'ecko'; did you mean 'echo'? (installed: echo)"
    ]


def test_unknown_plugin_without_a_close_name_lists_the_installed_ones(registry):
    assert errors('[llm]\nuse = "echo"\n[tts]\nuse = "festival"\n', registry) == [
        "bot.toml: tts.use: unknown tts plugin 'festival' (installed: tone)"
    ]


def test_a_plugin_of_this_repository_that_is_not_installed_names_its_package(registry):
    assert errors('[llm]\nuse = "echo"\n[tts]\nuse = "elevenlabs"\n', registry) == [
        "bot.toml: tts.use: unknown tts plugin 'elevenlabs' (installed: tone); it comes with "
        "rtvi-elevenlabs: pip install -e plugins/rtvi-elevenlabs"
    ]


def test_the_catalogue_names_every_plugin_of_this_repository_once() -> None:
    import tomllib
    from pathlib import Path

    from rtvi_core.plugins.catalogue import PROVIDERS

    plugins = Path(__file__).resolve().parents[1] / "plugins"
    shipped = {path.parent.name for path in plugins.glob("*/pyproject.toml")}
    assert set(PROVIDERS.values()) == shipped
    for distribution in shipped:
        with open(plugins / distribution / "pyproject.toml", "rb") as fh:
            assert tomllib.load(fh)["project"]["name"] == distribution


def test_wrong_type_names_the_plugin_and_what_was_expected(registry):
    assert errors('[llm]\nuse = "echo"\ntoken_delay = "fast"\n', registry) == [
        "bot.toml: llm.token_delay: llm plugin 'echo': expected a number, got 'fast'"
    ]


def test_missing_required_key(registry):
    assert errors("[llm]\ntoken_delay = 0.1\n", registry) == [
        "bot.toml: llm.use: missing required key (the llm plugin to use; installed: echo)"
    ]
    assert errors('[bot]\nname = "x"\n', registry) == [
        "bot.toml: llm: missing required table [llm] (with use = the llm plugin; installed: echo)"
    ]


def test_unset_environment_variable(registry):
    text = '[llm]\nuse = "echo"\ngreeting = "${env:RTVI_TEST_UNSET}"\n'
    assert errors(text, registry) == [
        "bot.toml: llm.greeting: environment variable 'RTVI_TEST_UNSET' is not set "
        "(set it, or give a default: ${env:RTVI_TEST_UNSET:-default})"
    ]


def test_malformed_toml_names_line_and_column(registry):
    assert errors('[llm]\nuse = "echo"\ntoken_delay = = 1\n', registry) == [
        "bot.toml: line 3, column 15: invalid TOML: invalid value"
    ]
    assert errors('[llm\nuse = "echo"\n', registry) == [
        "bot.toml: line 1, column 5: invalid TOML: expected ']' at the end of a table declaration"
    ]


def test_unknown_top_level_key_lists_the_allowed_keys(registry):
    assert errors('colour = "red"\n[llm]\nuse = "echo"\n', registry) == [
        "bot.toml: colour: unknown top-level key; allowed keys: "
        "actions, bot, cluster, llm, metrics, processors, rtvi, stt, transport, tts, turn, vad"
    ]


def test_every_error_is_reported_at_once_in_file_order(registry):
    text = """\
colour = "red"
[bot]
nme = "x"
[llm]
use = "echo"
token_delay = "fast"
greting = "hi"
[tts]
use = "tonee"
[vad]
use = "energy"
start_secs = -1
[rtvi.observer]
bot_llm_enabled = "maybe"
function_call_report_level = { "*" = "loud" }
[rtvi.pipeline]
enable_metrics = 3.5
audio_in_sample_rate = 1
audio_out_sample_rate = 96000
"""
    assert errors(text, registry) == [
        "bot.toml: colour: unknown top-level key; allowed keys: "
        "actions, bot, cluster, llm, metrics, processors, rtvi, stt, transport, tts, turn, vad",
        "bot.toml: bot.nme: unknown key; allowed keys: host, local_actions, name, port, speak_first, system_prompt",
        "bot.toml: llm.token_delay: llm plugin 'echo': expected a number, got 'fast'",
        "bot.toml: llm.greting: llm plugin 'echo': unknown key; allowed keys: "
        "fallback, greeting, model, token_delay, use",
        "bot.toml: tts.use: unknown tts plugin 'tonee'; did you mean 'tone'? (installed: tone)",
        "bot.toml: vad.start_secs: vad plugin 'energy': expected a value greater than or equal to 0, got -1",
        "bot.toml: rtvi.observer.bot_llm_enabled: expected true or false, got 'maybe'",
        "bot.toml: rtvi.observer.function_call_report_level.*: expected 'disabled', 'none', "
        "'name', 'arguments' or 'full', got 'loud'",
        "bot.toml: rtvi.pipeline.enable_metrics: expected true or false, got 3.5",
        "bot.toml: rtvi.pipeline.audio_in_sample_rate: expected a value greater than or equal to 8000, got 1",
        "bot.toml: rtvi.pipeline.audio_out_sample_rate: expected a value less than or equal to 48000, got 96000",
    ]


def test_unreadable_file_is_a_bot_file_error(tmp_path):
    with pytest.raises(BotFileError) as info:
        load_bot_file(tmp_path / "missing.toml")
    assert str(info.value) == f"{tmp_path / 'missing.toml'}: cannot read the file: No such file or directory"


def test_component_table_that_is_not_a_table(registry):
    assert errors('llm = "echo"\n', registry) == ["bot.toml: llm: expected a table, got 'echo'"]


def test_tables_and_lists_of_the_wrong_shape(registry):
    assert errors('bot = "x"\nactions = "weather"\n[llm]\nuse = "echo"\n', registry) == [
        "bot.toml: bot: expected a table, got 'x'",
        "bot.toml: actions: expected a list of tables ([[actions]]), got 'weather'",
    ]


def test_unknown_action_and_processor(registry):
    text = '[llm]\nuse = "echo"\n[[actions]]\nuse = "weather"\n[[processors]]\nuse = "shout"\nposition = "middle"\n'
    assert errors(text, registry) == [
        "bot.toml: actions[0].use: unknown action 'weather' (no actions are installed)",
        "bot.toml: processors[0].position: expected 'after_input', 'before_llm', 'after_llm' "
        "or 'after_tts', got 'middle'",
    ]


# -- local actions -------------------------------------------------------------------------

ACTIONS_MODULE = """
from pydantic import BaseModel, ConfigDict
from rtvi_core.actions import action


class KeyConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    api_key: str
    prefix: str = ""


class Text(BaseModel):
    text: str


@action("shout", args=Text, config=KeyConfig)
async def shout(ctx, args):
    return ctx.config.prefix + args.text.upper()
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "bot_actions.py").write_text(ACTIONS_MODULE)
    yield tmp_path
    for name in [n for n in sys.modules if n.startswith("rtvi_local_actions.")]:
        del sys.modules[name]


def test_missing_required_parameter_of_a_local_action(project, registry):
    (project / "bot.toml").write_text(
        '[bot]\nlocal_actions = ["bot_actions.py"]\n[llm]\nuse = "echo"\n[[actions]]\nuse = "shout"\n'
        '[[actions]]\nuse = "shuot"\n'
    )
    with pytest.raises(BotFileError) as info:
        load_bot_file(project / "bot.toml", registry=registry, environ={})
    file = project / "bot.toml"
    assert str(info.value).splitlines() == [
        f"{file}: actions[0].api_key: action 'shout': missing required key",
        f"{file}: actions[1].use: unknown action 'shuot'; did you mean 'shout'? (installed: shout)",
    ]


def test_an_action_listed_twice(project, registry):
    (project / "bot.toml").write_text(
        '[bot]\nlocal_actions = ["bot_actions.py"]\n[llm]\nuse = "echo"\n'
        '[[actions]]\nuse = "shout"\napi_key = "a"\n[[actions]]\nuse = "shout"\napi_key = "b"\n'
    )
    with pytest.raises(BotFileError) as info:
        load_bot_file(project / "bot.toml", registry=registry, environ={})
    assert str(info.value) == f"{project / 'bot.toml'}: actions[1].use: action 'shout' is listed twice"


def test_a_local_module_that_does_not_import(project, registry):
    (project / "bot.toml").write_text('[bot]\nlocal_actions = ["nothing_here"]\n[llm]\nuse = "echo"\n')
    with pytest.raises(BotFileError) as info:
        load_bot_file(project / "bot.toml", registry=registry, environ={})
    assert str(info.value) == (
        f"{project / 'bot.toml'}: bot.local_actions[0]: cannot import local actions module "
        "'nothing_here': No module named 'nothing_here'"
    )


@pytest.mark.anyio
async def test_a_session_answers_client_messages_with_a_local_action(project, registry):
    (project / "bot.toml").write_text(
        '[bot]\nlocal_actions = ["bot_actions.py"]\nspeak_first = false\n'
        '[llm]\nuse = "echo"\n[[actions]]\nuse = "shout"\napi_key = "${env:SHOUT_KEY}"\nprefix = "> "\n'
    )
    config = load_bot_file(project / "bot.toml", registry=registry, environ={"SHOUT_KEY": "k"})
    assert config.actions[0].config.api_key == "k"
    session = build_session(config)
    client = session.transport.client
    async with running(session.task):
        await client.connect()
        await client.send_message(
            {"label": "rtvi-ai", "type": "client-message", "id": "c1", "data": {"t": "shout", "d": {"text": "hi"}}}
        )
        await client.send_message(
            {"label": "rtvi-ai", "type": "client-message", "id": "c2", "data": {"t": "whisper", "d": {}}}
        )
        reply = await client.wait_for_message("server-response")
        error = await client.wait_for_message("error-response")
    assert reply["id"] == "c1" and reply["data"] == {"t": "shout", "d": "> HI"}
    assert error["id"] == "c2" and error["data"]["error"] == "Unknown client message type 'whisper'"


# -- environment interpolation ---------------------------------------------------------------


def test_interpolation_with_defaults_at_any_depth():
    data = {
        "a": "${env:HOST}:${env:PORT:-7860}",
        "b": ["${env:EMPTY:-}", {"c": "x-${env:UNSET:-fallback}-y"}],
        "d": "$${env:HOST} is written literally",
        "e": 5,
    }
    result, issues = interpolate(data, {"HOST": "example.org"}, "bot.toml")
    assert issues == []
    assert result == {
        "a": "example.org:7860",
        "b": ["", {"c": "x-fallback-y"}],
        "d": "${env:HOST} is written literally",
        "e": 5,
    }


def test_a_set_variable_wins_over_the_default():
    result, _ = interpolate({"k": "${env:TOKEN:-none}"}, {"TOKEN": "secret"}, "bot.toml")
    assert result == {"k": "secret"}


def test_unset_variables_are_each_reported_with_their_key_path(registry):
    text = '[llm]\nuse = "echo"\ngreeting = "${env:A} ${env:B}"\n[[actions]]\nuse = "${env:C}"\n'
    lines = errors(text, registry)
    assert lines == [
        "bot.toml: llm.greeting: environment variable 'A' is not set (set it, or give a default: ${env:A:-default})",
        "bot.toml: llm.greeting: environment variable 'B' is not set (set it, or give a default: ${env:B:-default})",
        "bot.toml: actions[0].use: environment variable 'C' is not set (set it, or give a default: ${env:C:-default})",
    ]


def test_a_malformed_reference_is_an_error(registry):
    assert errors('[llm]\nuse = "echo"\ngreeting = "${HOME}"\n', registry) == [
        "bot.toml: llm.greeting: malformed reference; write ${env:NAME} or ${env:NAME:-default} ($${ for a literal ${)"
    ]


def test_interpolated_strings_are_converted_by_the_plugin_config(registry):
    config = load_bot_text('[llm]\nuse = "echo"\ntoken_delay = "${env:DELAY:-0.25}"\n', registry=registry, environ={})
    assert config.llm.config.token_delay == 0.25


# -- a valid file builds a session -----------------------------------------------------------


def test_a_full_bot_file_builds_its_pipeline(registry):
    config = load_bot_file(REPO / "examples" / "bot.toml", registry=registry, environ={})
    session = build_session(config)
    assert isinstance(session.transport, MemoryTransport)
    assert isinstance(session.transport.params.vad_analyzer, EnergyVADAnalyzer)
    assert session.transport.params.audio_out_enabled is True
    assert isinstance(session.llm, EchoLLMService)
    assert isinstance(session.components["tts"], ToneTTSService)
    assert session.context.messages[0]["role"] == "system"
    assert session.task.params.enable_usage_metrics is True
    assert session.task.name == "example-bot"
    observer = next(o for o in session.task.observers if isinstance(o, RTVIObserver))
    assert observer.params.function_call_report_level == {
        "*": FunctionCallReportLevel.NONE,
        "get-time": FunctionCallReportLevel.FULL,
    }
    assert build_session(config).llm is not session.llm  # one pipeline per session


@pytest.mark.anyio
async def test_a_session_greets_and_answers_send_text(registry):
    config = load_bot_text(
        '[bot]\nsystem_prompt = "Be brief."\n[llm]\nuse = "echo"\ngreeting = "Welcome!"\n',
        registry=registry,
        environ={},
    )
    session = build_session(config)
    client = session.transport.client
    async with running(session.task):
        await client.connect()
        await client.send_message(
            {"label": "rtvi-ai", "type": "client-ready", "id": "r", "data": {"version": "2.1.0", "about": {}}}
        )
        await client.wait_for(lambda: len(client.messages_of("bot-llm-stopped")) == 1 or None)
        await client.send_message(
            {"label": "rtvi-ai", "type": "send-text", "id": "t", "data": {"content": "what time is it"}}
        )
        await client.wait_for(lambda: len(client.messages_of("bot-llm-stopped")) == 2 or None)
    text = "".join(m["data"]["text"] for m in client.messages_of("bot-llm-text"))
    assert text == "Welcome!You said: what time is it"
    assert session.context.messages[0] == {"role": "system", "content": "Be brief."}
