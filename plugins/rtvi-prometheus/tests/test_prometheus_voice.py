"""A spoken turn fills the voice latency histograms; provider errors are counted by type."""

from __future__ import annotations

import anyio
import pytest
from prometheus_support import BOT, Scrape, TTSPlugin, bot_text, client, serving, until

from rtvi_core.builtins.tone_tts import ToneTTSService
from rtvi_core.testing.speech import load_speech, silence

pytestmark = pytest.mark.anyio

#: The test bot with Whisper tiny.en between the energy VAD and the echo LLM.
VOICE_BOT = BOT.format(transport="", extra="").replace("[llm]", '[stt]\nuse = "whisper"\n\n[llm]')
HISTOGRAMS = (
    "rtvi_stt_seconds",
    "rtvi_llm_first_token_seconds",
    "rtvi_tts_first_audio_seconds",
    "rtvi_voice_to_voice_seconds",
)


def counts(found: Scrape) -> dict[str, float]:
    return {name: found.value(f"{name}_count") for name in HISTOGRAMS}


async def test_a_spoken_turn_is_timed_at_every_stage():
    clip = load_speech("weather-question")
    async with serving(VOICE_BOT, preload=True) as server:
        async with client(server) as speaker:
            await speaker.ready()
            for frame in [*clip.frames(), *trailing_silence()]:
                await speaker.send_audio(frame, clip.sample_rate)
                await anyio.sleep(0.002)  # faster than real time, within the input's burst allowance
            await speaker.wait_for("bot-started-speaking", timeout=60)
            found = await until(server, lambda s: all(counts(s).values()))
    assert counts(found) == dict.fromkeys(HISTOGRAMS, 1.0)
    for name in HISTOGRAMS:
        assert found.value(f"{name}_sum") > 0, name
    # voice-to-voice spans the STT, the LLM's first token and the TTS's first audio (and the VAD's pause)
    stages = sum(found.value(f"{name}_sum") for name in HISTOGRAMS[:3])
    assert found.value("rtvi_voice_to_voice_seconds_sum") >= stages
    assert found.value("rtvi_errors_total", type="stt") == 0


def trailing_silence() -> list[bytes]:
    """A second of silence after the speech, in 16 ms frames: the VAD hears the end of the turn."""
    pcm = silence(1.0)
    return [pcm[i : i + 512] for i in range(0, len(pcm), 512)]


class GrumpyTTS(ToneTTSService):
    """A tone TTS that fails on every sentence (the error is not fatal)."""

    PLUGIN_NAME = "grumpy"

    async def run_tts(self, text, context_id):
        raise RuntimeError("not today")
        yield b""  # pragma: no cover - makes this an async generator


async def test_provider_errors_are_counted_by_type():
    text = bot_text().replace('use = "tone"', 'use = "grumpy"')
    async with serving(text, plugins=(TTSPlugin(GrumpyTTS),)) as server:
        async with client(server) as typist:
            await typist.ready()
            await typist.send("send-text", {"content": "hello there", "options": {"run_immediately": True}})
            error = await typist.wait_for("error")
            assert error["data"]["fatal"] is False
            found = await until(server, lambda s: s.value("rtvi_errors_total", type="tts") >= 1)
    assert found.value("rtvi_errors_total", type="fatal") == 0
    assert found.value("rtvi_llm_first_token_seconds_count") == 1
