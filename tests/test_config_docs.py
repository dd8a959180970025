"""``docs/bot-file.md`` documents every key of the bot-file model and of the built-ins.

Both directions are checked for the tables: each model key has a row, and each row
names a key the model has, so the reference and the schema cannot drift apart.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from rtvi_core.config.model import (
    SECTION_KINDS,
    BotFile,
    BotSection,
    MetricsSection,
    PipelineSection,
    ProcessorTable,
    RTVIObserverSection,
    RTVISection,
)
from rtvi_core.plugins import get_plugin_manager

DOC = (Path(__file__).resolve().parents[1] / "docs" / "bot-file.md").read_text()


def documented_keys(heading: str) -> list[str]:
    """The first-column keys of the table under the ``## heading`` / ``### heading``."""
    match = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#+ |\Z)", DOC, re.M | re.S)
    assert match, f"docs/bot-file.md has no section {heading!r}"
    rows = re.findall(r"^\| `([a-z_0-9]+)` \|", match.group(1), re.M)
    return rows


@pytest.mark.parametrize(
    ("heading", "model"),
    [
        ("`[bot]`", BotSection),
        ("`[rtvi.pipeline]`", PipelineSection),
        ("`[rtvi.observer]`", RTVIObserverSection),
        ("`[[processors]]`", ProcessorTable),
        ("`[metrics]`", MetricsSection),
    ],
)
def test_every_key_of_each_section_is_documented(heading, model):
    fields = [name for name in model.model_fields if name != "params"]
    assert documented_keys(heading) == fields


def test_every_top_level_table_is_documented():
    for key in BotFile.model_fields:
        if key == "rtvi":
            tables = [f"`[rtvi.{sub}]`" for sub in RTVISection.model_fields]
        else:
            tables = [f"`[[{key}]]`" if key in ("actions", "processors") else f"`[{key}]`"]
        for table in tables:
            assert f"## {table}" in DOC or f"| {table} |" in DOC, table
    for section in SECTION_KINDS:
        assert f"| `[{section}]` |" in DOC or f"| `[[{section}]]` |" in DOC, section


@pytest.mark.parametrize("kind", ["transports", "vad", "turn_analyzers", "llm", "tts"])
def test_every_parameter_of_the_built_in_plugins_is_documented(kind):
    section = next(s for s, k in SECTION_KINDS.items() if k == kind)
    for registration in get_plugin_manager(autoload=False).registry.registrations(kind):
        heading = f'`[{section}] use = "{registration.name}"`'
        assert documented_keys(heading) == list(registration.config_model.model_fields)


@pytest.mark.parametrize("kind", ["transports", "vad", "turn_analyzers", "llm", "tts"])
def test_the_documented_defaults_of_the_built_in_plugins_are_theirs(kind):
    section = next(s for s, k in SECTION_KINDS.items() if k == kind)
    for registration in get_plugin_manager(autoload=False).registry.registrations(kind):
        heading = f'`[{section}] use = "{registration.name}"`'
        match = re.search(rf"^#+ {re.escape(heading)}\n(.*?)(?=^#+ |\Z)", DOC, re.M | re.S)
        rows = re.findall(r"^\| `([a-z_0-9]+)` \| [^|]* \| ([^|]*) \|", match.group(1), re.M)
        config = registration.config_model()
        documented = {
            key: None if cell.strip() == "none" else json.loads(cell.strip().strip("`")) for key, cell in rows
        }
        assert documented == config.model_dump(), heading


PLUGINS = Path(__file__).resolve().parents[1] / "plugins"
_TOML_BLOCK = re.compile(r"^```toml\n(.*?)^```", re.M | re.S)
_USE = re.compile(r'use = "([\w-]+)"')


def readme_keys(text: str) -> dict[str | None, set[str]]:
    """Plugin name → the keys a README documents for it.

    A key is documented in a ```toml block, under a table whose ``use = "name"`` names
    the plugin (commented-out ``# key = ...`` lines count), or as a row of a ``| key |``
    table, for the plugin whose ``use = "name"`` the nearest heading above names (None
    when no heading does).
    """
    found: dict[str | None, set[str]] = {}
    for block in _TOML_BLOCK.findall(text):
        use = None
        for line in block.splitlines():
            if line.startswith("["):
                use = None
            elif match := _USE.match(line):
                use = match.group(1)
            elif use and (match := re.match(r"^#?\s*([a-z_0-9]+)\s*=", line)):
                found.setdefault(use, set()).add(match.group(1))
    heading_use: str | None = None
    in_table = in_code = False
    for line in text.splitlines():
        if line.startswith("```"):
            in_code = not in_code
        elif in_code:
            continue
        elif line.startswith("#"):
            match = _USE.search(line)
            heading_use = match.group(1) if match else (heading_use if line.startswith("###") else None)
        elif re.match(r"^\| key \|", line):
            in_table = True
        elif in_table and line.startswith("|"):
            first = line.split("|")[1]
            found.setdefault(heading_use, set()).update(re.findall(r"`([a-z_0-9]+)`", first))
        else:
            in_table = False
    return found


COMPONENT_KINDS = ("transports", "serializers", "vad", "stt", "llm", "tts")


def _plugin_registrations():
    registry = get_plugin_manager().registry
    return [reg for kind in COMPONENT_KINDS for reg in registry.registrations(kind) if reg.plugin_name != "builtins"]


PLUGIN_REGISTRATIONS = _plugin_registrations()


@pytest.mark.parametrize("reg", PLUGIN_REGISTRATIONS, ids=lambda reg: f"{reg.distribution}:{reg.name}")
def test_each_plugin_readme_documents_exactly_its_keys(reg):
    text = (PLUGINS / reg.distribution / "README.md").read_text()
    found = readme_keys(text)
    siblings = [other for other in PLUGIN_REGISTRATIONS if other.distribution == reg.distribution]
    documented = found.get(reg.name, set()) | (found.get(None, set()) if len(siblings) == 1 else set())
    keys = set(reg.config_model.model_fields)
    assert sorted(documented - keys) == [], f"{reg.distribution}/README.md documents keys {reg.name!r} does not have"
    assert sorted(keys - documented) == [], f"{reg.distribution}/README.md does not document these keys of {reg.name!r}"
