"""Bot-file values are taken at their TOML type: booleans are ``true``/``false`` (issue 11),
numbers are no booleans, in the core's tables and in every plugin's Config; and the
decoder's limits (nesting, huge values) give errors naming the file and the key."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, Field

from rtvi_core.config import BotFileError, load_bot_file, load_bot_text
from rtvi_core.config.parsing import MAX_CHARS, MAX_DEPTH, MAX_VALUES
from rtvi_core.plugins.manager import PluginManager
from rtvi_core.plugins.registry import Registration
from rtvi_core.processor import FrameProcessor


class _Limits(BaseModel):
    strict: bool = True
    ratio: float = 0.5


class ProbeConfig(BaseModel):
    """A plugin Config with booleans in every position; it does nothing about strictness."""

    model_config = {"extra": "forbid"}

    enabled: bool = False
    maybe: bool | None = None
    flags: list[bool] = Field(default_factory=list)
    by_name: dict[str, bool] = Field(default_factory=dict)
    limits: _Limits = Field(default_factory=_Limits)
    mode: bool | str = "auto"  # says itself that it takes strings too
    count: int = 1
    timeout: float = 1.0


class Probe(FrameProcessor):
    PLUGIN_NAME = "probe"
    Config = ProbeConfig

    @classmethod
    def from_config(cls, config: BaseModel) -> Probe:
        return cls()


@pytest.fixture
def registry():
    registry = PluginManager(autoload=False).registry
    registry.add(Registration("processors", "probe", Probe, ProbeConfig, "tests", "tests", "0"))
    return registry


def load(text: str, registry, environ=None):
    return load_bot_text('[llm]\nuse = "echo"\n' + text, file="bot.toml", registry=registry, environ=environ or {})


def errors(text: str, registry, environ=None) -> list[str]:
    with pytest.raises(BotFileError) as info:
        load(text, registry, environ)
    return str(info.value).splitlines()


@pytest.mark.parametrize(
    "value, shown", [('"yes"', "'yes'"), ('"true"', "'true'"), ("1", "1"), ("0", "0"), ("1.0", "1.0"), ('"on"', "'on'")]
)
def test_a_boolean_key_takes_only_true_or_false(registry, value, shown):
    text = f"[bot]\nspeak_first = {value}\n[rtvi.pipeline]\nenable_metrics = {value}\n[rtvi.observer]\nbot_llm_enabled = {value}\n"
    text += (
        f'[transport]\nuse = "memory"\naudio_out_realtime = {value}\n[tts]\nuse = "tone"\nword_timestamps = {value}\n'
    )
    assert errors(text, registry) == [
        f"bot.toml: bot.speak_first: expected true or false, got {shown}",
        f"bot.toml: rtvi.pipeline.enable_metrics: expected true or false, got {shown}",
        f"bot.toml: rtvi.observer.bot_llm_enabled: expected true or false, got {shown}",
        f"bot.toml: transport.audio_out_realtime: transport plugin 'memory': expected true or false, got {shown}",
        f"bot.toml: tts.word_timestamps: tts plugin 'tone': expected true or false, got {shown}",
    ]


def test_every_plugin_config_gets_strict_booleans_without_doing_anything(registry):
    text = """\
[[processors]]
use = "probe"
enabled = "yes"
maybe = 1
flags = [true, "false", 0]
by_name = { a = true, b = "no" }
limits = { strict = "true", ratio = 1 }
mode = "yes"
count = true
timeout = false
"""
    label = "processor plugin 'probe'"
    assert errors(text, registry) == [
        f"bot.toml: processors[0].enabled: {label}: expected true or false, got 'yes'",
        f"bot.toml: processors[0].maybe: {label}: expected true or false, got 1",
        f"bot.toml: processors[0].flags[1]: {label}: expected true or false, got 'false'",
        f"bot.toml: processors[0].flags[2]: {label}: expected true or false, got 0",
        f"bot.toml: processors[0].by_name.b: {label}: expected true or false, got 'no'",
        f"bot.toml: processors[0].limits.strict: {label}: expected true or false, got 'true'",
        f"bot.toml: processors[0].count: {label}: expected an integer, got true",
        f"bot.toml: processors[0].timeout: {label}: expected a number, got false",
    ]


def test_what_bot_files_rely_on_still_converts(registry):
    text = """\
[rtvi.pipeline]
cancel_timeout_secs = 5
enable_metrics = true
[llm]
use = "echo"
token_delay = "0.25"
[[processors]]
use = "probe"
enabled = true
maybe = false
limits = { ratio = 1 }
mode = "manual"
timeout = 3
"""
    config = load_bot_text(text, file="bot.toml", registry=registry, environ={})
    assert config.model.rtvi.pipeline.cancel_timeout_secs == 5.0
    assert config.llm.config.token_delay == 0.25
    probe = config.processors[0].config
    assert (probe.enabled, probe.maybe, probe.limits.ratio, probe.mode, probe.timeout) == (
        True,
        False,
        1.0,
        "manual",
        3.0,
    )
    assert isinstance(probe.timeout, float)


def test_environment_references_spell_booleans_true_or_false(registry):
    text = '[bot]\nspeak_first = "${env:SPEAK:-false}"\n[rtvi.pipeline]\nenable_metrics = "${env:METRICS}"\n'
    config = load(text, registry, {"METRICS": "true"})
    assert config.model.bot.speak_first is False and config.model.rtvi.pipeline.enable_metrics is True
    assert errors(text, registry, {"METRICS": "yes", "SPEAK": "1"}) == [
        "bot.toml: bot.speak_first: expected true or false, got '1'",
        "bot.toml: rtvi.pipeline.enable_metrics: expected true or false, got 'yes'",
    ]


def test_errors_keep_file_order_with_pydantic_errors_between(registry):
    lines = errors('[bot]\nport = "x"\nspeak_first = "yes"\nname = 3\n', registry)
    assert [line.split(": ")[1] for line in lines] == ["bot.port", "bot.speak_first", "bot.name"]
    assert lines[1] == "bot.toml: bot.speak_first: expected true or false, got 'yes'"


# -- limits of the decoder ---------------------------------------------------------------------


def test_nesting_deeper_than_the_limit_names_the_key(registry):
    dotted = ".".join(["deep"] * (MAX_DEPTH + 5))
    lines = errors(f"[rtvi.pipeline.start_metadata.{dotted}]\n", registry)
    assert len(lines) == 1
    assert lines[0].startswith("bot.toml: rtvi.pipeline.start_metadata.deep.deep.")
    assert lines[0].endswith(
        f": nested more than {MAX_DEPTH} levels deep (tables and lists in a bot file nest a few levels)"
    )


@pytest.mark.parametrize("depth", [600, 10_000])
def test_arrays_nested_thousands_deep_are_an_error_not_a_recursion_error(registry, depth):
    text = "[rtvi.pipeline]\nstart_metadata = { a = " + "[" * depth + "]" * depth + " }\n"
    assert errors(text, registry) == [
        f"bot.toml: invalid TOML: arrays or inline tables nested too deep (a bot file nests at most {MAX_DEPTH} levels)"
    ]


def test_huge_values_are_clipped_in_messages(registry):
    huge = "x" * 500_000
    [line] = errors(f'[bot]\nport = "{huge}"\n', registry)
    assert line == f"bot.toml: bot.port: expected an integer, got '{'x' * 60}'... (500000 characters)"
    [line] = errors("[bot]\nport = " + "9" * 5000 + "\n", registry)
    assert line == "bot.toml: invalid TOML: an integer has more than 4300 digits"
    [line] = errors(f'[bot]\n"{"k" * 200}" = 1\n', registry)
    assert line.startswith("bot.toml: bot." + "k" * 60 + "... (200 characters): unknown key")
    [line] = errors('[bot]\n"a\\nb" = 1\n', registry)  # one line per issue, whatever the key holds
    assert line.startswith('bot.toml: bot."a\\nb": unknown key')


def test_size_and_value_count_limits(registry, tmp_path):
    assert errors(f'[bot]\nname = "{"x" * MAX_CHARS}"\n', registry) == [
        f"bot.toml: too big: a bot file is at most {MAX_CHARS} characters"
    ]
    many = ", ".join(["1"] * (MAX_VALUES + 1))
    assert errors(f"[rtvi.pipeline]\nstart_metadata = {{ a = [{many}] }}\n", registry) == [
        f"bot.toml: rtvi.pipeline.start_metadata.a: too many values: a bot file holds at most {MAX_VALUES}"
    ]
    binary = tmp_path / "bot.toml"
    binary.write_bytes(b'[llm]\nuse = "echo\xff"\n')
    with pytest.raises(BotFileError, match=r"bot.toml: not UTF-8 text \(byte 17 cannot be decoded\)"):
        load_bot_file(binary, registry=registry)
