"""Spec §17.2 (a normal turn) and §17.3 (barge-in), end to end with real parts.

The client sends real PCM (a tone for speech, zeros for silence) that the energy VAD
judges, plus client-side transcriptions (as a WebSocket client can send); the bot
answers with the echo LLM and the tone TTS, and its audio is paced in real time.
"""

from __future__ import annotations

import math
from array import array

import anyio
import pytest

from rtvi_core.builtins.energy_vad import EnergyVADAnalyzer
from rtvi_core.services.transport_params import TransportParams
from rtvi_core.services.vad import VADParams
from rtvi_core.testing import BotHarness, run_bot

pytestmark = pytest.mark.anyio

RATE = 16000
CHUNK = 320  # 20 ms at 16 kHz
SILENCE = bytes(2 * CHUNK)
SPEECH = array("h", (int(9000 * math.sin(2 * math.pi * 220 * i / RATE)) for i in range(CHUNK))).tobytes()


def transport_params() -> TransportParams:
    return TransportParams(
        audio_in_enabled=True,
        audio_out_enabled=True,
        audio_out_realtime=True,
        vad_analyzer=EnergyVADAnalyzer(params=VADParams(start_secs=0.1, stop_secs=0.3)),
    )


async def say(bot: BotHarness, text: str, *, speech_chunks: int = 20) -> None:
    """Speak: silence, speech with interim and final transcriptions, silence.

    The interim transcription comes late in the utterance, after the VAD has
    confirmed the onset, as a real STT's would.
    """
    for _ in range(3):
        await bot.client.send_audio(SILENCE)
    for index in range(speech_chunks):
        await bot.client.send_audio(SPEECH)
        if index == speech_chunks - 4:
            await bot.client.send_transcription(text.split()[0], final=False)
    await bot.client.send_transcription(text, final=True)
    for _ in range(25):
        await bot.client.send_audio(SILENCE)


def kinds(messages: list[dict]) -> list[str]:
    return [m["type"] for m in messages if m["type"] != "metrics"]


def first(types: list[str], kind: str) -> int:
    return types.index(kind)


async def test_normal_turn_follows_spec_17_2():
    async with run_bot(transport_params=transport_params()) as bot:
        await bot.ready()
        start = len(bot.client.messages)
        await say(bot, "what is the weather")
        await bot.client.wait_for_message("bot-stopped-speaking", timeout=15)
        turn = bot.client.messages[start:]
        types = kinds(turn)
        # steps 2-3: the user's turn starts, and interrupts (even a silent bot)
        assert first(types, "user-started-speaking") < first(types, "bot-interrupted")
        # steps 4-7: interim then final transcription, then the turn ends
        transcripts = [m["data"] for m in turn if m["type"] == "user-transcription"]
        assert [t["final"] for t in transcripts] == [False, True]
        assert transcripts[-1]["text"] == "what is the weather"
        assert all(isinstance(t[key], str) for t in transcripts for key in ("user_id", "timestamp"))
        assert first(types, "bot-interrupted") < first(types, "user-transcription")
        assert first(types, "user-transcription") < first(types, "user-stopped-speaking")
        assert next(m for m in turn if m["type"] == "user-llm-text")["data"] == {"text": "what is the weather"}
        # steps 9-18: the bot's reply
        order = [
            "user-llm-text",
            "bot-llm-started",
            "bot-tts-started",
            "bot-started-speaking",
            "bot-output",
            "bot-tts-text",
            "bot-tts-stopped",
            "bot-stopped-speaking",
        ]
        positions = [first(types, kind) for kind in order]
        assert positions == sorted(positions), types
        assert first(types, "bot-llm-started") < first(types, "bot-llm-text") < first(types, "bot-llm-stopped")
        new = next(m["data"] for m in turn if m["type"] == "bot-output")
        assert new["spoken_status"] == "new" and new["will_be_spoken"] is True
        # the reply was played: audio chunks were written while the bot was speaking
        assert bot.client.audio


async def test_barge_in_follows_spec_17_3():
    async with run_bot(transport_params=transport_params()) as bot:
        await bot.ready()
        await bot.request(
            "send-text",
            {"content": "please tell me a very long story about the sea and the mountains and the sky"},
        )
        await bot.client.wait_for_message("bot-started-speaking", timeout=10)
        await bot.client.wait_for(lambda: True if len(bot.client.audio) >= 5 else None)
        start = len(bot.client.messages)
        for _ in range(12):  # the user starts talking over the bot
            await bot.client.send_audio(SPEECH)
        await bot.client.wait_for(
            lambda: True if "bot-stopped-speaking" in kinds(bot.client.messages[start:]) else None, timeout=5
        )
        types = kinds(bot.client.messages[start:])
        assert (
            first(types, "user-started-speaking")
            < first(types, "bot-interrupted")
            < first(types, "bot-stopped-speaking")
        )
        # audio stops: nothing more is written once the interruption went through
        written = len(bot.client.audio)
        outputs = len(bot.client.messages_of("bot-output")) + len(bot.client.messages_of("bot-tts-text"))
        await anyio.sleep(0.5)
        assert len(bot.client.audio) == written
        # no further bot-output / bot-tts-text for the interrupted text
        assert len(bot.client.messages_of("bot-output")) + len(bot.client.messages_of("bot-tts-text")) == outputs
        spoken = [m["data"]["text"] for m in bot.client.messages_of("bot-tts-text")]
        assert "sky" not in " ".join(spoken)
