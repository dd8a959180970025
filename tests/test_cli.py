"""The ``rtvi`` command line: validate, schema, init, run (console mode), exit codes."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rtvi_core.cli import main
from rtvi_core.cli.init_cmd import starter_bot_file
from rtvi_core.cli.run_cmd import run_console_session
from rtvi_core.config import build_schema, load_bot_text
from rtvi_core.plugins import get_plugin_manager, hookimpl

REPO = Path(__file__).resolve().parents[1]
BAD_BOT = '[llm]\nuse = "ecko"\n[tts]\nuse = "tone"\nword_timestamps = "sometimes"\n'


@pytest.fixture(autouse=True)
def builtins_only(monkeypatch):
    """Commands see the built-ins only, whatever is installed in this environment."""
    monkeypatch.setenv("RTVI_DISABLE_PLUGIN_AUTOLOAD", "1")


def rtvi(*args: str, stdin: str = "", timeout: float = 20) -> subprocess.CompletedProcess[str]:
    """Run ``python -m rtvi_core.cli ARGS`` in a new process (built-ins only)."""
    env = {**os.environ, "PYTHONPATH": str(REPO), "RTVI_DISABLE_PLUGIN_AUTOLOAD": "1"}
    return subprocess.run(
        [sys.executable, "-m", "rtvi_core.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=timeout,
    )


# -- validate ------------------------------------------------------------------------------


def test_validate_a_good_file_prints_ok(capsys):
    assert main(["validate", str(REPO / "examples" / "bot.toml")]) == 0
    out = capsys.readouterr().out
    assert out == (f"{REPO / 'examples' / 'bot.toml'}: ok (transport 'memory', vad 'energy', llm 'echo', tts 'tone')\n")


def test_validate_a_bad_file_lists_every_error_and_exits_1(tmp_path, capsys):
    (tmp_path / "bot.toml").write_text(BAD_BOT)
    assert main(["validate", str(tmp_path / "bot.toml")]) == 1
    captured = capsys.readouterr()
    file = tmp_path / "bot.toml"
    assert captured.out == ""
    assert captured.err.splitlines() == [
        f"{file}: llm.use: unknown llm plugin 'ecko'; did you mean 'echo'? (installed: echo)",
        f"{file}: tts.word_timestamps: tts plugin 'tone': expected true or false, got 'sometimes'",
        f"{file}: 2 errors",
    ]


def test_usage_errors_exit_2(capsys):
    with pytest.raises(SystemExit) as info:
        main(["validate"])
    assert info.value.code == 2
    assert main([]) == 2
    assert "usage: rtvi" in capsys.readouterr().err


# -- schema --------------------------------------------------------------------------------


def test_schema_prints_the_schema_of_the_installed_plugins(capsys, tmp_path):
    assert main(["schema"]) == 0
    printed = json.loads(capsys.readouterr().out)
    assert printed == build_schema(get_plugin_manager(autoload=False).registry)
    assert main(["schema", "-o", str(tmp_path / "bot.schema.json")]) == 0
    assert json.loads((tmp_path / "bot.schema.json").read_text()) == printed


# -- init ----------------------------------------------------------------------------------


def test_init_writes_a_starter_file_that_validates(tmp_path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 0
    assert (tmp_path / "bot.toml").read_text() == starter_bot_file()
    assert main(["validate", "bot.toml"]) == 0
    assert capsys.readouterr().out.endswith("bot.toml: ok (transport 'memory', llm 'echo')\n")


def test_init_refuses_to_overwrite_without_force(tmp_path, capsys):
    target = tmp_path / "my-bot.toml"
    target.write_text("# mine\n")
    assert main(["init", str(target)]) == 1
    assert capsys.readouterr().err == f"rtvi init: {target} already exists (use --force to overwrite it)\n"
    assert target.read_text() == "# mine\n"
    assert main(["init", str(target), "--force"]) == 0
    assert target.read_text() == starter_bot_file()


# -- run (console mode) --------------------------------------------------------------------


def test_run_chats_in_the_terminal():
    result = rtvi("run", str(REPO / "examples" / "bot.toml"), stdin="hello\nwhat is up\n/quit\n")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1:] == [
        "bot> Hello! I am the example bot.",
        "bot> Hello! How can I help you today?",
        "bot> You said: what is up",
    ]
    assert result.stderr == ""


def test_run_without_a_file_runs_the_built_in_bot_until_end_of_input():
    result = rtvi("run", stdin='testing one two\n/send nothing {"a": 1}\n')
    assert result.returncode == 0, result.stderr
    assert "bot> You said: testing one two" in result.stdout
    assert '[error-response] {"error": "Unknown client message type \'nothing\'"}' in result.stdout


def test_run_events_prints_every_rtvi_message():
    result = rtvi("run", "--events", stdin="hi\n/quit\n")
    assert result.returncode == 0, result.stderr
    events = [json.loads(line[3:]) for line in result.stdout.splitlines() if line.startswith("<- ")]
    types = [event["type"] for event in events]
    assert types[0] == "bot-ready"
    assert "bot-llm-text" in types and "user-transcription" not in types


def test_user_errors_print_no_traceback_unless_debug(tmp_path):
    (tmp_path / "bot.toml").write_text(BAD_BOT)
    plain = rtvi("run", str(tmp_path / "bot.toml"))
    assert plain.returncode == 1
    assert "Traceback" not in plain.stderr
    assert plain.stderr.splitlines()[0] == (
        f"{tmp_path / 'bot.toml'}: llm.use: unknown llm plugin 'ecko'; did you mean 'echo'? (installed: echo)"
    )
    debug = rtvi("run", str(tmp_path / "bot.toml"), "--debug")
    assert debug.returncode == 1
    assert "Traceback (most recent call last)" in debug.stderr
    assert "BotFileError" in debug.stderr


def test_debug_also_works_before_the_command(tmp_path):
    missing = rtvi("--debug", "run", str(tmp_path / "missing.toml"))
    assert missing.returncode == 1 and "Traceback" in missing.stderr
    assert rtvi("run", str(tmp_path / "missing.toml")).stderr.splitlines() == [
        f"{tmp_path / 'missing.toml'}: cannot read the file: No such file or directory",
        f"{tmp_path / 'missing.toml'}: 1 error",
    ]


@pytest.mark.anyio
async def test_run_fires_the_session_hooks_around_the_session(monkeypatch, capsys):
    events: list[tuple[str, str, int]] = []

    class SessionHooks:
        @hookimpl
        def rtvi_session_started(self, session):
            events.append(("started", session.name, len(session.transport.client.messages)))

        @hookimpl
        def rtvi_session_ended(self, session):
            events.append(("ended", session.name, len(session.transport.client.messages_of("bot-llm-stopped"))))

    manager = get_plugin_manager()
    hooks = SessionHooks()
    manager.pm.register(hooks, name="test-session-hooks")
    monkeypatch.setattr(sys, "stdin", io.StringIO("hi\n/quit\n"))
    try:
        config = load_bot_text('[bot]\nname = "hooked"\n[llm]\nuse = "echo"\n')
        await run_console_session(config)
    finally:
        manager.pm.unregister(hooks)
    assert events == [("started", "hooked", 0), ("ended", "hooked", 2)]
    assert "bot> Hello! How can I help you today?" in capsys.readouterr().out
