"""Property tests of the bot-file decoder (``rtvi_core.config.loader.load_bot_text``).

Whatever the text, loading it gives a :class:`BotConfig` or the documented
:class:`BotFileError`, whose every issue names the file (and the key, unless the TOML
itself is broken) on one line: never another exception, never a hang. Inputs: arbitrary
text, TOML-like fragments, arbitrary structures of TOML values written as TOML (with the
real keys and plugin names of the installed plugins, so validation goes deep), deep
nesting (up to 10,000 levels) and huge values. ``-k property`` selects them.
"""

from __future__ import annotations

import datetime
import json
import math
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rtvi_core.config import BotConfig, BotFileError, load_bot_text
from rtvi_core.config.model import BotSection, PipelineSection, RTVIObserverSection
from rtvi_core.plugins import get_plugin_manager
from rtvi_core.plugins.registry import KINDS

pytestmark = pytest.mark.rtvi_plugins

FILE = "hostile.toml"
ENVIRON = {"HOME": "/home/bot", "FLAG": "true", "NUMBER": "0.5", "EMPTY": ""}
REGISTRY = get_plugin_manager(autoload=True).registry  # every installed plugin's Config
SECTIONS = {"transport": "transports", "vad": "vad", "stt": "stt", "llm": "llm", "tts": "tts"}
PLUGINS = {kind: REGISTRY.names(kind) for kind in KINDS}
PARAMS = sorted(
    {name for kind in SECTIONS.values() for r in REGISTRY.registrations(kind) for name in r.config_model.model_fields}
)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+")


# -- writing TOML (tomllib only reads) ------------------------------------------------------------


def toml_string(text: str) -> str:
    escaped = "".join(
        '\\"'
        if ch == '"'
        else "\\\\"
        if ch == "\\"
        else f"\\u{ord(ch):04x}"
        if ord(ch) < 0x20 or ord(ch) == 0x7F
        else ch
        for ch in text
    )
    return f'"{escaped}"'


def toml_key(key: str) -> str:
    return key if _BARE_KEY.fullmatch(key) else toml_string(key)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        return toml_string(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(item) for item in value) + "]"
    return "{" + ", ".join(f"{toml_key(k)} = {toml_value(v)}" for k, v in value.items()) + "}"


def toml_document(document: dict[str, Any]) -> str:
    return "".join(f"{toml_key(key)} = {toml_value(value)}\n" for key, value in document.items())


# -- strategies -------------------------------------------------------------------------------------

# Never ``local_actions``: it imports the modules it names (trusted code by design).
KEYS = st.sampled_from(
    sorted(
        {*PARAMS, *BotSection.model_fields, *PipelineSection.model_fields, *RTVIObserverSection.model_fields}
        - {"local_actions"}
    )
) | st.text(max_size=12)
SCALARS = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),
    st.text(max_size=40),
    st.datetimes(timezones=st.none() | st.just(datetime.UTC)),
    st.dates(),
    st.times(),
    st.sampled_from(
        [
            "${env:HOME}",
            "${env:FLAG}",
            "${env:NUMBER}",
            "${env:UNSET}",
            "${env:UNSET:-true}",
            "$${env:X}",
            "${bad",
            "${env:}",
            "true",
            "yes",
            "on",
            "1",
            "0.5",
            "-1",
            "",
            "*",
            "none",
            "full",
            *PLUGINS["llm"],
            *PLUGINS["tts"],
            *PLUGINS["transports"],
        ]
    ),
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def component(kind: str) -> st.SearchStrategy[dict[str, Any]]:
    use = st.sampled_from(PLUGINS[kind]) if PLUGINS[kind] else st.text(max_size=8)
    return st.builds(
        lambda name, params: {"use": name, **params} if name is not None else params,
        use | st.none() | VALUES,
        st.dictionaries(KEYS, VALUES, max_size=6),
    )


DOCUMENTS = st.builds(
    lambda known, extra: {**extra, **known},
    st.fixed_dictionaries(
        {},
        optional={
            **{section: component(kind) | VALUES for section, kind in SECTIONS.items()},
            "bot": st.dictionaries(KEYS, VALUES, max_size=6) | VALUES,
            "actions": st.lists(component("actions"), max_size=3) | VALUES,
            "processors": st.lists(component("processors"), max_size=3) | VALUES,
            "rtvi": st.fixed_dictionaries(
                {},
                optional={
                    "observer": st.dictionaries(KEYS, VALUES, max_size=6),
                    "pipeline": st.dictionaries(KEYS, VALUES, max_size=6),
                },
            )
            | VALUES,
        },
    ),
    st.dictionaries(st.text(max_size=8), VALUES, max_size=2),
)

FRAGMENTS = st.sampled_from(
    [
        "[bot]",
        "[llm]",
        "[tts]",
        "[transport]",
        "[[actions]]",
        "[[processors]]",
        "[rtvi.pipeline]",
        "[rtvi.observer]",
        'use = "echo"',
        'use = "tone"',
        'use = "memory"',
        "speak_first = true",
        'speak_first = "yes"',
        "port = 7860",
        "port = true",
        "name = ",
        "=",
        "[",
        "]",
        "{",
        "}",
        ",",
        ".",
        '"',
        "'",
        '"""',
        "'''",
        "\\",
        "#",
        "\n",
        " ",
        "1e400",
        "inf",
        "nan",
        "0x1F",
        "1979-05-27T07:32:00Z",
        '"${env:HOME}"',
        '"${env:UNSET}"',
        "a.b.c = 1",
        "x = [1, [2, [3]]]",
        "t = { a = { b = {} } }",
    ]
)
TOMLISH = st.lists(FRAGMENTS | st.text(max_size=6), max_size=40).map(" ".join)


def huge(kind: str, size: int) -> str:
    """A TOML value ``size`` big of ``kind``: deep arrays, deep inline tables, long strings, ..."""
    if kind == "arrays":
        return "[" * size + "]" * size
    if kind == "tables":
        return "{ a = " * size + "1" + " }" * size
    if kind == "string":
        return toml_string("x" * size)
    if kind == "digits":
        return "9" * max(1, size)
    return "[" + ", ".join(["1"] * size) + "]"  # a long flat list


HUGE_AT = st.sampled_from(
    [
        ("[bot]", "name"),
        ("[bot]", "port"),
        ("[bot]", "speak_first"),
        ('[llm]\nuse = "echo"', "greeting"),
        ('[llm]\nuse = "echo"', "token_delay"),
        ("[rtvi.pipeline]", "start_metadata"),
        ("[rtvi.observer]", "skip_aggregator_types"),
        ('[transport]\nuse = "websocket"', "allowed_origins"),
        ("", "unknown"),
    ]
)


#: Issues about the file as a whole (no key to name).
WHOLE_FILE = ("invalid TOML", "too big")


# -- the property -------------------------------------------------------------------------------


def check(text: str) -> None:
    """Loading ``text`` gives a BotConfig or a BotFileError naming the file on every line."""
    try:
        config = load_bot_text(text, file=FILE, registry=REGISTRY, environ=ENVIRON)
    except BotFileError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.file == FILE and issue.message
            assert issue.path or issue.message.startswith(WHOLE_FILE), issue
        lines = str(exc).splitlines()
        assert len(lines) == len(exc.issues)
        assert all(line.startswith(f"{FILE}: ") for line in lines)
    else:
        assert isinstance(config, BotConfig) and config.file == FILE


@given(st.text())
def test_property_arbitrary_text(text):
    check(text)


@given(TOMLISH)
def test_property_toml_like_fragments(text):
    check(text)


@given(DOCUMENTS)
def test_property_arbitrary_structures_of_toml_values(document):
    check(toml_document(document))


@given(HUGE_AT, st.sampled_from(["arrays", "tables", "string", "digits", "list"]), st.integers(0, 10_000))
def test_property_deep_nesting_and_huge_values(where, kind, size):
    header, key = where
    size *= {"string": 200, "list": 2}.get(kind, 1)  # up to 2 million characters, 20,000 items
    text = f"{header}\n{key} = {huge(kind, size)}\n"
    check(text if "[llm]" in header else text + '[llm]\nuse = "echo"\n')


@given(st.integers(1, 10_000), st.sampled_from(["tables", "dotted"]))
def test_property_deep_tables_in_free_form_metadata(depth, form):
    if form == "dotted":
        text = "[rtvi.pipeline.start_metadata." + ".".join(["k"] * depth) + "]\nv = 1\n"
    else:
        text = "[rtvi.pipeline]\nstart_metadata = " + huge("tables", depth) + "\n"
    check('[llm]\nuse = "echo"\n' + text)


def test_the_writer_round_trips():
    import tomllib

    document = {"a b": ['x\n"y"\x7f', 1.5, -(2**70), True, {"": "z"}], "t": datetime.date(1, 2, 3)}
    assert tomllib.loads(toml_document(document)) == document
    assert json.dumps(sorted(PARAMS))  # the installed plugins were found


@pytest.mark.parametrize("depth", [500, 10_000])
def test_arrays_this_deep_make_tomllib_recurse_too_deep_and_are_reported(depth):
    with pytest.raises(BotFileError, match="nested too deep"):
        load_bot_text("a = " + huge("arrays", depth), file=FILE, registry=REGISTRY)
