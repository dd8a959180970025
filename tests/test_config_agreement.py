"""Each component's bot-file ``Config`` and its runtime agree, for every installed plugin.

* every key has a runtime counterpart with the same default: a keyword of the
  component's constructor, or a field of a settings record the component holds
  (``TransportParams``, ``VADParams``, ...), as built by the component with no arguments;
* every key reaches the runtime: a non-default value in the bot file changes the built
  component (or the settings its transport's server runs with);
* a model derived with :func:`~rtvi_core.config.model_from_record` has the record's
  keys, defaults, descriptions and limits.
"""

from __future__ import annotations

import dataclasses
import enum
import importlib
import inspect
from typing import Any

import pytest
from pydantic import BaseModel, SecretStr, ValidationError

from rtvi_core.config.model import PipelineSection, RTVIObserverSection
from rtvi_core.params import PipelineParams
from rtvi_core.plugins import get_plugin_manager
from rtvi_core.record_model import model_from_record
from rtvi_core.records import record, setting, split_record
from rtvi_core.rtvi.observer_params import RTVIObserverParams
from rtvi_core.services.transport_params import TransportParams
from rtvi_core.services.vad import VADParams

KINDS = ("transports", "serializers", "vad", "stt", "llm", "tts")
REGISTRY = get_plugin_manager().registry
REGISTRATIONS = [reg for kind in KINDS for reg in REGISTRY.registrations(kind) if reg.config_model is not None]
IDS = [f"{reg.kind}:{reg.name}" for reg in REGISTRATIONS]

#: Bot-file defaults that differ from the code's on purpose: (kind, name, key) → why.
DELIBERATE = {
    ("vad", "webrtc", "confidence"): "webrtcvad frames are 0 or 1: any value in (0, 1] behaves alike",
}
#: Keys for which no other valid value can be made up here: (kind, name, key) → why.
NO_OTHER_VALUE = {
    ("stt", "whisper", "model"): "another model must be installed",
    ("tts", "piper", "voice"): "another voice package must be installed",
    ("tts", "espeak", "library"): "the path of another libespeak-ng",
    ("vad", "silero", "model_path"): "the path of another Silero model",
    ("llm", "llamacpp", "model_path"): "the path of another GGUF file",
    **{
        ("transports", carrier, "auth"): "a carrier brings no /start token: phone transports refuse auth = true"
        for carrier in ("twilio", "telnyx", "plivo", "exotel")
    },
    ("transports", "twilio", "stream_secret"): "Twilio's stream URL takes no query: twilio refuses stream_secret",
}


#: Values to try first for keys whose schema alone suggests none that validate: (kind, name, key) → values.
EXAMPLE_VALUES: dict[tuple[str, str, str], list[Any]] = {
    ("transports", "webrtc", "ice_servers"): [["stun:stun.example.net:3478"]],
    ("transports", "webrtc", "client_ice_servers"): [["stun:stun.example.net:3478"]],
    ("transports", "webrtc", "default_ice_servers"): [["stun:stun.example.net:3478"]],
    ("llm", "anthropic", "api_key_env"): ["OTHER_TEST_KEY"],
    ("llm", "gemini", "api_key_env"): ["OTHER_TEST_KEY"],
}
#: What cloud providers read their API key from when the bot file names none.
PROVIDER_KEY_VARIABLES = (
    "ELEVENLABS_API_KEY",
    "DEEPGRAM_API_KEY",
    "CARTESIA_API_KEY",
    "ANTHROPIC_API_KEY",
    "GEMINI_API_KEY",
    "OTHER_TEST_KEY",  # another variable holding a key (api_key_env's example value)
)


@pytest.fixture(autouse=True)
def provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A machine with the providers' keys set, as a bot on them runs (their Configs refuse none)."""
    for name in PROVIDER_KEY_VARIABLES:
        monkeypatch.setenv(name, "test-key")


#: Served transports: their plugin module splits the bot-file keys into session and server settings.
SERVED = {"websocket": "rtvi_websocket.plugin", "webrtc": "rtvi_webrtc.plugin"}


def _server_settings(reg: Any, config: BaseModel) -> list[Any]:
    """Settings a transport hands its server rather than each session's transport."""
    if reg.kind == "transports" and reg.name in SERVED:
        return [importlib.import_module(SERVED[reg.name]).split_transport_config(config)[1]]
    return []


def _records(value: Any) -> dict[str, Any] | None:
    """The fields of a settings object (``@record``, dataclass, named tuple), else None."""
    if hasattr(value, "__record_fields__"):
        return {spec.name: getattr(value, spec.name) for spec in value.__record_fields__}
    if hasattr(value, "__dataclass_fields__"):
        return {name: getattr(value, name) for name in value.__dataclass_fields__}
    if isinstance(value, tuple) and hasattr(value, "_asdict"):
        return value._asdict()
    return None


def runtime_defaults(reg: Any) -> dict[str, Any]:
    """What the code defaults each setting to: constructor keywords, then the settings records
    a component built with no arguments holds (they win: they are what it runs with)."""
    defaults: dict[str, Any] = {}
    for klass in reversed(reg.obj.__mro__):
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for name, parameter in inspect.signature(init).parameters.items():
            if parameter.default is not inspect.Parameter.empty:
                defaults[name] = parameter.default
    try:
        built = reg.obj()
    except ImportError as exc:  # an optional dependency (e.g. webrtcvad) is not installed
        pytest.skip(f"{reg.kind} {reg.name!r} cannot be built here: {exc}")
    objects = [*vars(built).values(), *_server_settings(reg, reg.config_model())]
    for value in objects:
        defaults.update(_records(value) or {})
    return defaults


def _same(config_default: Any, code_default: Any) -> bool:
    if isinstance(config_default, SecretStr):
        config_default = config_default.get_secret_value()
    if code_default is None and config_default in ({}, [], ()):
        return True  # "None: empty"
    if isinstance(config_default, list):
        config_default = tuple(config_default)
    if isinstance(code_default, list):
        code_default = tuple(code_default)
    return config_default == code_default


@pytest.mark.parametrize("reg", REGISTRATIONS, ids=IDS)
def test_every_key_has_the_code_default(reg):
    code = runtime_defaults(reg)
    config = reg.config_model()
    missing = [key for key in reg.config_model.model_fields if key not in code]
    assert not missing, f"{reg.kind} {reg.name!r}: keys with no runtime counterpart: {missing}"
    differ = {
        key: (getattr(config, key), code[key])
        for key in reg.config_model.model_fields
        if not _same(getattr(config, key), code[key]) and (reg.kind, reg.name, key) not in DELIBERATE
    }
    assert not differ, f"{reg.kind} {reg.name!r}: bot-file default vs code default: {differ}"


def _plain(value: Any, depth: int = 0) -> Any:
    """A comparable snapshot of ``value``'s data (settings objects and attributes, one level deep)."""
    if isinstance(value, (bool, int, float, str, type(None), enum.Enum)):
        return value
    if isinstance(value, SecretStr):
        return value.get_secret_value()
    if isinstance(value, (list, tuple)) and not hasattr(value, "_asdict"):
        return tuple(_plain(item, depth) for item in value)
    if isinstance(value, dict):
        return {key: _plain(item, depth) for key, item in value.items()}
    fields = _records(value)
    if fields is None and depth == 0 and hasattr(value, "__dict__"):
        fields = vars(value)
    if fields is None or depth > 1:
        return "<object>"
    return {key: _plain(item, depth + 1) for key, item in fields.items()}


def _state(reg: Any, config: BaseModel) -> Any:
    return _plain([reg.obj.from_config(config), *_server_settings(reg, config)])


def _other_values(default: Any, schema: dict[str, Any]) -> list[Any]:
    """Values unlike ``default`` worth trying for a key with this JSON schema."""
    options = schema.get("anyOf", [schema])
    values: list[Any] = []
    for option in options:
        kind = option.get("type")
        if "enum" in option or "const" in option:
            values += option.get("enum", [option.get("const")])
        elif kind == "boolean":
            values.append(not default)
        elif kind in ("integer", "number"):
            base = default if isinstance(default, (int, float)) and not isinstance(default, bool) else 1
            values += [base * 2, base + 1, base // 2 if kind == "integer" else base / 2, 8000, 16000, 1, 0]
        elif kind == "string":
            values += [f"{default}x" if isinstance(default, str) else "https://example.com", "fr"]
        elif kind == "object":
            values.append({"x": "y"})
        elif kind == "array":
            values.append(["*"])
    return [value for value in values if value != default]


@pytest.mark.parametrize("reg", REGISTRATIONS, ids=IDS)
def test_every_key_reaches_the_runtime(reg):
    model = reg.config_model
    schema = model.model_json_schema()["properties"]
    try:
        baseline = _state(reg, model())
    except ImportError as exc:  # an optional dependency (e.g. webrtcvad) is not installed
        pytest.skip(f"{reg.kind} {reg.name!r} cannot be built here: {exc}")
    unmoved, untried = [], []
    for key in model.model_fields:
        if (reg.kind, reg.name, key) in NO_OTHER_VALUE:
            continue
        tries = EXAMPLE_VALUES.get((reg.kind, reg.name, key), []) + _other_values(getattr(model(), key), schema[key])
        for value in tries:
            try:
                config = model.model_validate({key: value})
            except ValidationError:
                continue
            if _state(reg, config) == baseline:
                unmoved.append(f"{key}={value!r}")
            break
        else:
            untried.append(key)
    assert not unmoved, f"{reg.kind} {reg.name!r}: keys that do not reach the component: {unmoved}"
    assert not untried, f"{reg.kind} {reg.name!r}: no other valid value found for {untried}"


@pytest.mark.parametrize(
    ("model", "source", "excluded"),
    [
        (RTVIObserverSection, RTVIObserverParams, {"ignored_sources", "bot_output_transforms"}),
        (PipelineSection, PipelineParams, set()),
        (REGISTRY.get("transports", "memory").config_model, TransportParams, {"vad_analyzer"}),
        (REGISTRY.get("vad", "energy").config_model, VADParams, set()),
    ],
    ids=["observer", "pipeline", "memory", "energy"],
)
def test_a_derived_model_has_the_record_keys_and_defaults(model, source, excluded):
    record_defaults = _records(source())
    derived = {key: value for key, value in record_defaults.items() if key not in excluded}
    config = model()
    assert {key: _plain(getattr(config, key)) for key in derived} == {
        key: _plain(value) for key, value in derived.items()
    }
    fields = list(model.model_fields)
    assert fields[len(fields) - len(derived) :] == list(derived)  # the record's order, after the base's


def test_a_setting_declares_description_and_limits_once():
    @record
    class Knobs:
        level: float = setting(0.5, "how loud", ge=0, le=1)
        name: str = setting("a", min_length=1)
        extra: int = 3

    model = model_from_record(Knobs, "KnobsConfig", "Knobs.", fields={"extra": {"gt": 0}})
    assert model.__module__ == __name__
    assert model.model_fields["level"].description == "how loud"
    assert model().model_dump() == {"level": 0.5, "name": "a", "extra": 3}
    for bad in ({"level": 2}, {"name": ""}, {"extra": 0}, {"other": 1}):
        with pytest.raises(ValidationError):
            model.model_validate(bad)
    assert Knobs().level == 0.5 and Knobs.level == 0.5
    with pytest.raises(TypeError, match="unknown limit maximum"):
        setting(1, maximum=2)
    knobs, rest = split_record(Knobs, {"level": 0.1, "other": 2})
    assert (knobs.level, knobs.name, rest) == (0.1, "a", {"other": 2})


def test_a_dataclass_field_declares_them_in_its_metadata():
    @dataclasses.dataclass(frozen=True)
    class Server:
        threads: int = dataclasses.field(default=2, metadata={"description": "CPU threads", "ge": 1, "other": 0})
        name: str = "x"

    model = model_from_record(Server, "ServerConfig", "Server.")
    assert model.model_fields["threads"].description == "CPU threads"
    with pytest.raises(ValidationError):
        model.model_validate({"threads": 0})
    server, rest = split_record(Server, dict(model(threads=4)) | {"timeout": 1})
    assert (server, rest) == (Server(threads=4), {"timeout": 1})
