"""A scaffolded plugin, pip-installed into a fresh venv, is found through its entry point.

``rtvi new-plugin`` output is installed (``pip install --no-deps --no-build-isolation``;
the scaffold builds with hatchling, which must be importable here) into a venv that
sees this checkout and this interpreter's packages; then ``rtvi plugins``,
``rtvi validate``, ``rtvi schema`` and ``rtvi run`` use it by name, in new processes.
"""

from __future__ import annotations

import importlib.util
import json
import os
import site
import subprocess
import venv
from pathlib import Path

import pytest

from rtvi_core.cli.new_plugin_cmd import scaffold_plugin

REPO = Path(__file__).resolve().parents[1]

pytestmark = pytest.mark.skipif(importlib.util.find_spec("hatchling") is None,
                                reason="building the scaffold needs hatchling")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("RTVI_") and k != "PYTHONPATH"}
    env["PYTHONPATH"] = str(REPO)
    return env


@pytest.fixture(scope="module")
def python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh venv's python with the scaffolded LLM plugin ``reverse`` installed."""
    root = tmp_path_factory.mktemp("scaffold")
    venv.create(root / "venv", with_pip=False)
    python = root / "venv" / "bin" / "python"
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                             capture_output=True, text=True, check=True).stdout.strip()
    outer = [*site.getsitepackages(), *([site.getusersitepackages()] if site.ENABLE_USER_SITE else [])]
    Path(purelib, "_outer_environment.pth").write_text(
        "".join(f"import site; site.addsitedir({path!r})\n" for path in outer))
    source = scaffold_plugin("reverse", "llm", root, description="Reverses what the user says")
    result = subprocess.run(
        [str(python), "-m", "pip", "install", "--no-input", "--disable-pip-version-check",
         "--no-deps", "--no-build-isolation", str(source)],
        capture_output=True, text=True, env=_env(), timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
    return python


def rtvi(python: Path, *args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(python), "-m", "rtvi_core.cli", *args], input=stdin,
                          capture_output=True, text=True, env=_env(), timeout=60)


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
    assert schema["properties"]["llm"]["properties"]["use"]["enum"] == ["echo", "reverse"]
    bot.write_text('[llm]\nuse = "reverse"\nmodle = "big"\n')
    failed = rtvi(python, "validate", str(bot))
    assert failed.returncode == 1
    assert failed.stderr.splitlines()[0] == (
        f"{bot}: llm.modle: llm plugin 'reverse': unknown key; allowed keys: api_key, model, use")


def test_run_chats_with_it(python, tmp_path):
    bot = tmp_path / "bot.toml"
    bot.write_text(BOT)
    result = rtvi(python, "run", str(bot), stdin="one two three\n/quit\n")
    assert result.returncode == 0, result.stderr
    assert "bot> three two one" in result.stdout.splitlines()
