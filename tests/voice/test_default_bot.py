"""``rtvi run`` with no file: the default bot is the real voice stack, and it answers speech."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from typing import Iterator

import pytest
from voice_support import speech_frames, voice_client

from rtvi_core.plugins.manager import ENV_DISABLE_AUTOLOAD
from rtvi_core.testing.speech import load_speech

pytestmark = pytest.mark.anyio

LISTENING = re.compile(r"listening on http://(?P<host>[^:]+):(?P<port>\d+)")


@pytest.fixture
def default_bot() -> Iterator[tuple[int, list[str]]]:
    """``rtvi run --port 0`` (no file) as a process: its port and its terminal output."""
    env = {k: v for k, v in os.environ.items() if k != ENV_DISABLE_AUTOLOAD}
    process = subprocess.Popen(
        [sys.executable, "-m", "rtvi_core.cli", "run", "--port", "0"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, env=env,
    )
    log: list[str] = []
    port: list[int] = []
    found = threading.Event()

    def read() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            if match := LISTENING.search(line):
                port.append(int(match["port"]))
                found.set()
        found.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        found.wait(120)
        assert port, f"rtvi run did not start listening:\n{''.join(log)}"
        yield port[0], log
    finally:
        process.terminate()
        process.wait(30)
        reader.join(5)


async def test_rtvi_run_without_a_file_serves_the_voice_stack_and_answers_speech(default_bot) -> None:
    port, log = default_bot
    startup = "".join(log)
    # models are loaded, with their timings, before it listens; nothing is missing
    for kind, name in (("vad", "silero"), ("stt", "whisper"), ("tts", "piper")):
        assert re.search(rf"rtvi: {kind} '{name}' ready in \d+\.\d\d s", startup), startup
    assert "is not installed" not in startup, startup

    async with voice_client(port) as client:
        _, speech_end = await client.say(speech_frames(load_speech("weather-question")))
        heard = await client.wait_for("user-transcription", after=speech_end, timeout=40)
        await client.wait_for("bot-stopped-speaking", after=heard.at, timeout=40)
    said = heard.data["data"]["text"].lower()
    assert "weather" in said and "paris" in said, said
    answer = "".join(i.data["data"]["text"] for i in client.received if i.type == "bot-llm-text" and i.at > heard.at)
    assert answer.startswith("You said:"), answer
    assert any(i.type == "audio" and i.at > heard.at for i in client.received)
