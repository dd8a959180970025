"""``docs/bot-file.md`` documents every key of the bot-file model and of the built-ins.

Both directions are checked for the tables: each model key has a row, and each row
names a key the model has, so the reference and the schema cannot drift apart.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rtvi_core.config.model import (
    SECTION_KINDS,
    BotFile,
    BotSection,
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


@pytest.mark.parametrize("kind", ["transports", "vad", "llm", "tts"])
def test_every_parameter_of_the_built_in_plugins_is_documented(kind):
    section = next(s for s, k in SECTION_KINDS.items() if k == kind)
    for registration in get_plugin_manager(autoload=False).registry.registrations(kind):
        heading = f'`[{section}] use = "{registration.name}"`'
        assert documented_keys(heading) == list(registration.config_model.model_fields)
