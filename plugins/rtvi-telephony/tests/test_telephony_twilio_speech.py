"""A spoken question over a Twilio call, answered by the default voice bot, end to end.

A fake Twilio (the documented Media Streams messages on a real WebSocket) streams
"What is the weather like in Paris today?" as 8 kHz μ-law in real time; Silero hears it,
Whisper transcribes it, the echo LLM answers "You said: ...", Piper speaks it; the
answer comes back as ``media`` that decodes to speech Whisper transcribes, then a
``mark``; ``stop`` ends the session. Skipped, with the pip command, without the voice stack.
"""

from __future__ import annotations

import importlib.util

import anyio
import pytest
from carrier_stream_fakes import RATE, fake_call
from telephony_support import served_bot, transport_keys, wire_for

from rtvi_core.audio import resample_once
from rtvi_core.testing.speech import PARIS, load_speech

pytestmark = pytest.mark.anyio

VOICE_PLUGINS = {
    "rtvi_silero": "pip install -e plugins/rtvi-silero && pip install --no-deps silero-vad",
    "rtvi_whisper": "pip install -e 'plugins/rtvi-whisper[tiny-en]'",
    "rtvi_piper": "pip install -e 'plugins/rtvi-piper[joe]'",
}

BOT = """\
[bot]
name = "phone-voice"
speak_first = false

[transport]
use = "twilio"
{transport}

[vad]
use = "silero"
stop_secs = 0.3

[stt]
use = "whisper"
model = "tiny.en"

[llm]
use = "echo"

[tts]
use = "piper"
voice = "joe"
"""


@pytest.fixture
def voice_stack() -> None:
    for module, command in VOICE_PLUGINS.items():
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"voice bot unavailable: {module} is not installed: {command}")


def transcribe(pcm_8k: bytes) -> str:
    """What Whisper tiny.en hears in PCM16 at 8 kHz (blocking)."""
    import numpy as np
    from rtvi_whisper import locate_model
    from rtvi_whisper.loader import ModelKey, load_model

    model = load_model(ModelKey(locate_model("tiny.en"), "int8", 2, 1))  # the bot's own, already loaded
    audio = np.frombuffer(resample_once(pcm_8k, RATE, 16000), dtype="<i2").astype(np.float32) / 32768
    segments, _ = model.transcribe(audio, language="en", beam_size=1)
    return " ".join(segment.text for segment in segments).strip()


async def test_a_spoken_question_is_answered_with_speech_over_twilio(voice_stack: None) -> None:
    wire = wire_for("twilio")
    keys = transport_keys("twilio", hang_up_on_end=False)
    async with served_bot(BOT.format(transport=keys), plugins=("silero", "whisper", "piper"), preload=True) as bot:
        async with fake_call(bot.port, wire) as call:
            clip = load_speech("weather-question")
            spoken = await call.say(clip.pcm, clip.sample_rate)
            answer = await call.wait_for("media", after=spoken, timeout=40)
            mark = await call.wait_for("mark", after=answer.at, timeout=40)
            heard = await anyio.to_thread.run_sync(transcribe, call.audio(after=spoken, before=mark.at))
            said = heard.lower()
            assert "you said" in said and "weather" in said and any(city in said for city in PARIS), heard
            assert bot.sessions[0].transport.rtvi_dropped > 0  # RTVI events ran, none went down the stream
            await call.send(wire.stop())
            assert await call.wait_closed() in (1000, 1005)
        with anyio.fail_after(10):
            while bot.server.session_count:
                await anyio.sleep(0.02)
