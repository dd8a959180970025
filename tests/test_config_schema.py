"""``build_schema``: one JSON Schema of bot files, built from the installed plugins.

The schema is checked with a small draft 2020-12 validator (the keywords the
schema uses), against the example bot file, the starter file and bad files.
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest

from rtvi_core.cli.init_cmd import starter_bot_file
from rtvi_core.config import build_schema
from rtvi_core.config.model import SECTION_KINDS
from rtvi_core.plugins import get_plugin_manager

REPO = Path(__file__).resolve().parents[1]
_TYPES = {
    "object": dict,
    "array": list,
    "string": str,
    "boolean": bool,
    "null": type(None),
    "integer": int,
    "number": (int, float),
}


def schema_errors(schema: dict[str, Any], value: Any, root: dict[str, Any] | None = None, path: str = "") -> list[str]:
    """What ``value`` violates in ``schema`` (empty: valid); supports what bot schemas use."""
    root = root or schema
    if schema is False:
        return [f"{path}: nothing allowed"]
    if "$ref" in schema:
        name = schema["$ref"].removeprefix("#/$defs/")
        return schema_errors(root["$defs"][name], value, root, path)
    problems: list[str] = []
    kind = schema.get("type")
    if kind is not None:
        expected = _TYPES[kind]
        if not isinstance(value, expected) or (kind in ("integer", "number") and isinstance(value, bool)):
            return [f"{path}: expected {kind}, got {value!r}"]
    if "const" in schema and value != schema["const"]:
        problems.append(f"{path}: expected {schema['const']!r}")
    if "pattern" in schema and isinstance(value, str) and not re.search(schema["pattern"], value):
        problems.append(f"{path}: {value!r} does not match {schema['pattern']!r}")
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} not in {schema['enum']}")
    if "not" in schema and not schema_errors(schema["not"], value, root, path):
        problems.append(f"{path}: matches 'not'")
    for bound, check in (
        ("minimum", lambda v, b: v >= b),
        ("maximum", lambda v, b: v <= b),
        ("exclusiveMinimum", lambda v, b: v > b),
        ("exclusiveMaximum", lambda v, b: v < b),
    ):
        if bound in schema and isinstance(value, (int, float)) and not check(value, schema[bound]):
            problems.append(f"{path}: {value} violates {bound} {schema[bound]}")
    if "anyOf" in schema and all(schema_errors(s, value, root, path) for s in schema["anyOf"]):
        problems.append(f"{path}: matches none of anyOf")
    if "oneOf" in schema:
        matching = [s for s in schema["oneOf"] if not schema_errors(s, value, root, path)]
        if len(matching) != 1:
            problems.append(f"{path}: matches {len(matching)} of oneOf")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{path}.{key}: required")
        for key, item in value.items():
            if key in properties:
                problems += schema_errors(properties[key], item, root, f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                problems.append(f"{path}.{key}: not allowed")
            elif isinstance(schema.get("additionalProperties"), dict):
                problems += schema_errors(schema["additionalProperties"], item, root, f"{path}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += schema_errors(schema["items"], item, root, f"{path}[{index}]")
    return problems


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return build_schema(get_plugin_manager(autoload=False).registry)


def test_schema_is_json_with_local_refs_only(schema):
    text = json.dumps(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    for ref in re.findall(r'"\$ref": "([^"]+)"', text):
        assert ref.startswith("#/$defs/") and ref.removeprefix("#/$defs/") in schema["$defs"], ref
    assert schema["required"] == ["llm"]
    assert set(schema["properties"]) == {"bot", "rtvi", "metrics", *SECTION_KINDS}


def test_each_component_section_is_a_one_of_on_use(schema):
    llm = schema["properties"]["llm"]
    assert llm["properties"]["use"] == {"enum": ["echo"]}
    (echo,) = llm["oneOf"]
    assert echo["properties"]["use"]["const"] == "echo"
    assert echo["additionalProperties"] is False
    assert {"greeting", "fallback", "token_delay"} <= set(echo["properties"])
    assert schema["properties"]["transport"]["oneOf"][0]["properties"]["use"]["const"] == "memory"
    assert schema["properties"]["processors"]["items"] == {
        "description": "no processor plugins are installed",
        "not": {},
    }
    assert schema["properties"]["stt"] == {"description": "no stt plugins are installed", "not": {}}


def test_numbers_and_booleans_may_be_environment_references(schema):
    text = '[llm]\nuse = "echo"\ntoken_delay = "${env:DELAY:-0.1}"\n[rtvi.pipeline]\nenable_metrics = "${env:M}"\n'
    assert schema_errors(schema, tomllib.loads(text)) == []


def test_the_example_and_starter_bot_files_validate_against_the_schema(schema):
    for text in ((REPO / "examples" / "bot.toml").read_text(), starter_bot_file()):
        assert schema_errors(schema, tomllib.loads(text)) == []


def _registry_with_processors():
    """The built-ins plus two processors whose Config classes share a name."""
    from pydantic import BaseModel, ConfigDict

    from rtvi_core.plugins import Registration, Registry

    registry = Registry()
    for registration in (
        r for kind in ("transports", "llm") for r in get_plugin_manager(autoload=False).registry.registrations(kind)
    ):
        registry.add(registration)
    for name, field in (("shout", "volume"), ("whisper", "softness")):
        config = type(
            "Config",
            (BaseModel,),
            {"__annotations__": {field: int}, field: 1, "model_config": ConfigDict(extra="forbid")},
        )
        registry.add(Registration("processors", name, object, config, "test", "test", "0"))
    return registry


def test_processors_have_a_position_and_same_named_configs_stay_apart():
    schema = build_schema(_registry_with_processors())
    shout, whisper = schema["properties"]["processors"]["items"]["oneOf"]
    assert "volume" in shout["properties"] and "softness" in whisper["properties"]
    assert shout["properties"]["position"]["enum"] == ["after_input", "before_llm", "after_llm", "after_tts"]
    good = {"llm": {"use": "echo"}, "processors": [{"use": "shout", "volume": 3, "position": "after_llm"}]}
    assert schema_errors(schema, good) == []
    bad = {"llm": {"use": "echo"}, "processors": [{"use": "shout", "softness": 3}]}
    assert schema_errors(schema, bad) == [".processors[0]: matches 0 of oneOf"]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ('[llm]\nuse = "ecko"\n', ".llm.use: 'ecko' not in ['echo']"),
        ('[llm]\nuse = "echo"\ntoken_delay = "fast"\n', ".llm: matches 0 of oneOf"),
        ('[llm]\nuse = "echo"\ncolour = 1\n', ".llm: matches 0 of oneOf"),
        ('[bot]\nname = "x"\n', ".llm: required"),
        ('colour = 1\n[llm]\nuse = "echo"\n', ".colour: not allowed"),
        (
            '[llm]\nuse = "echo"\n[rtvi.observer]\nbot_llm_enabled = "x"\n',
            ".rtvi.observer.bot_llm_enabled: matches none of anyOf",
        ),
    ],
)
def test_bad_bot_files_fail_the_schema(schema, text, problem):
    assert problem in schema_errors(schema, tomllib.loads(text))
