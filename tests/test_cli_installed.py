"""A scaffolded plugin, pip-installed into a fresh venv, is found through its entry point.

``rtvi new-plugin`` output is installed into this module's own venv
(:func:`support_venv.venv_with`; the scaffold builds with hatchling, from the test
extra); then ``rtvi plugins``, ``rtvi validate``, ``rtvi schema`` and ``rtvi run`` use
it by name, in new processes.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from support_venv import run, venv_with

from rtvi_core.cli.new_plugin_cmd import scaffold_plugin


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv's python with the scaffolded LLM plugin ``reverse`` installed."""
    root = tmp_path_factory.mktemp("scaffold")
    return venv_with(root, scaffold_plugin("reverse", "llm", root, description="Reverses what the user says"))


def rtvi(python: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return run(python, "-m", "rtvi_core.cli", *args, stdin=stdin)


def test_the_installed_plugin_is_listed(python):
    report = json.loads(rtvi(python, "plugins", "--json").stdout)
    plugin = next(p for p in report["plugins"] if p["name"] == "reverse")
    assert plugin["distribution"] == "rtvi-reverse"
    assert plugin["version"] == "0.1.0"
    assert plugin["registered"] == {"llm": ["reverse"]}


BOT = '[bot]\nspeak_first = false\n[llm]\nuse = "reverse"\napi_key = "${env:REVERSE_KEY:-none}"\n'


def test_validate_and_schema_know_it(python, tmp_path):
    bot = tmp_path / "bot.toml"
    bot.write_text(BOT)
    assert rtvi(python, "validate", str(bot)).stdout == f"{bot}: ok (transport 'memory', llm 'reverse')\n"
    schema = json.loads(rtvi(python, "schema").stdout)
    # other LLM plugins of the environment (openai, llamacpp) may be listed too
    assert {"echo", "reverse"} <= set(schema["properties"]["llm"]["properties"]["use"]["enum"])
    bot.write_text('[llm]\nuse = "reverse"\nmodle = "big"\n')
    failed = rtvi(python, "validate", str(bot))
    assert failed.returncode == 1
    assert failed.stderr.splitlines()[0] == (
        f"{bot}: llm.modle: llm plugin 'reverse': unknown key; allowed keys: api_key, model, use"
    )


def test_run_chats_with_it(python, tmp_path):
    bot = tmp_path / "bot.toml"
    bot.write_text(BOT)
    result = rtvi(python, "run", str(bot), stdin="one two three\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "bot> three two one" in result.stdout.splitlines()
