"""``rtvi run`` with no file: the default bot is the real voice stack, and it answers speech."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from voice_support import speech_frames, voice_client

from rtvi_core.testing.served import served_bot
from rtvi_core.testing.speech import PARIS, load_speech

pytestmark = pytest.mark.anyio


@pytest.fixture
def default_bot() -> Iterator[tuple[int, list[str]]]:
    """``rtvi run --port 0`` (no file) as a process: its port and its terminal output."""
    with served_bot(startup_timeout=120) as server:
        yield server.port, server.log


async def test_rtvi_run_without_a_file_serves_the_voice_stack_and_answers_speech(default_bot) -> None:
    port, log = default_bot
    startup = "".join(log)
    # models are loaded, with their timings, before it listens; nothing is missing
    for kind, name in (("vad", "silero"), ("stt", "whisper"), ("tts", "piper")):
        assert re.search(rf"rtvi: {kind} '{name}' ready in \d+\.\d\d s", startup), startup
    assert "is not installed" not in startup, startup

    async with voice_client(port) as client:
        _, speech_end = await client.say(speech_frames(load_speech("weather-question")))
        heard = await client.wait_for("user-transcription", after=speech_end, timeout=40, final=True)
        await client.wait_for("bot-stopped-speaking", after=heard.at, timeout=40)
    said = heard.data["data"]["text"].lower()
    assert "weather" in said and any(city in said for city in PARIS), said
    answer = "".join(i.data["data"]["text"] for i in client.received if i.type == "bot-llm-text" and i.at > heard.at)
    assert answer.startswith("You said:"), answer
    assert any(i.type == "audio" and i.at > heard.at for i in client.received)
