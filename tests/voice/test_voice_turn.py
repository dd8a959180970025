"""A spoken question over a real socket, answered in speech by the voice bot."""

from __future__ import annotations

import array
import math
import random

import anyio
import pytest
from voice_support import VAD_STOP_SECS, audio_seconds, speech_frames, voice_client, voice_server

from rtvi_core.testing.speech import PARIS, load_speech

pytestmark = pytest.mark.anyio


def rms(pcm: bytes) -> float:
    samples = array.array("h", pcm)
    return math.sqrt(sum(s * s for s in samples) / len(samples)) if samples else 0.0


async def test_spoken_question_gets_a_spoken_answer(record_property: pytest.RecordProperty) -> None:
    clip = load_speech("weather-question")
    async with voice_server() as server, voice_client(server.port) as client:
        _, speech_end = await client.say(speech_frames(clip))
        stopped = await client.wait_for("bot-stopped-speaking", after=speech_end, timeout=40)

    turn = [item for item in client.received if item.at <= stopped.at]
    first = {}
    for index, item in enumerate(turn):
        final = item.type != "user-transcription" or item.data["data"]["final"]
        if final:  # interim transcripts (Whisper's incremental mode) are checked below
            first.setdefault(item.type, index)
    order = [
        "user-started-speaking",
        "user-stopped-speaking",
        "user-transcription",
        "bot-llm-started",
        "bot-llm-text",
        "bot-llm-stopped",
        "bot-tts-started",
        "bot-started-speaking",
        "audio",
        "bot-stopped-speaking",
    ]
    assert [t for t in order if t in first] == order, client.events()
    assert [first[t] for t in order] == sorted(first[t] for t in order), client.events()
    assert "bot-tts-stopped" in first and "bot-tts-text" in first

    transcripts = [i.data["data"] for i in turn if i.type == "user-transcription"]
    # interim transcripts while the user speaks, then one final one; only the final reaches the LLM
    finals = [t["final"] for t in transcripts]
    assert finals[-1] and finals.count(True) == 1 and len(finals) > 1, transcripts
    interims = [
        i for i, item in enumerate(turn) if item.type == "user-transcription" and not item.data["data"]["final"]
    ]
    assert first["user-started-speaking"] < interims[0] and interims[-1] < first["user-transcription"], client.events()
    said = transcripts[-1]["text"].lower()
    assert "weather" in said and any(city in said for city in PARIS), said
    answer = "".join(i.data["data"]["text"] for i in turn if i.type == "bot-llm-text")
    assert answer.startswith("You said:") and "Paris" in answer, answer

    audio = [i for i in turn if i.type == "audio"]
    assert {(a.data.sample_rate, a.data.num_channels) for a in audio} == {(24000, 1)}
    assert audio_seconds(audio) > 1.5  # "You said: What is the weather like in Paris today?"
    assert max(rms(a.data.audio) for a in audio) > 1000  # speech, not silence
    bot_started = next(i for i in turn if i.type == "bot-started-speaking")
    assert all(bot_started.at <= a.at <= stopped.at for a in audio)

    by_type = {t: turn[i].at for t, i in first.items()}
    voice_to_voice = by_type["audio"] - speech_end
    record_property("voice_to_voice_s", round(voice_to_voice, 3))
    print(
        f"voice-to-voice {voice_to_voice:.3f} s: VAD stop +{by_type['user-stopped-speaking'] - speech_end:.3f} s "
        f"(stop_secs {VAD_STOP_SECS}), transcript +{by_type['user-transcription'] - speech_end:.3f} s, "
        f"LLM +{by_type['bot-llm-text'] - speech_end:.3f} s, first audio +{voice_to_voice:.3f} s"
    )


async def test_silence_and_noise_start_no_turn() -> None:
    """Only quiet audio and low noise: no user turn, no transcript, no bot reply."""
    rng = random.Random(5)
    noise = array.array("h", (rng.randint(-300, 300) for _ in range(16000))).tobytes()  # 1 s, about -45 dBFS
    frames = [noise[i : i + 512] for i in range(0, len(noise), 512)]
    async with voice_server() as server, voice_client(server.port) as client:
        await client.say(frames)
        await anyio.sleep(VAD_STOP_SECS + 0.7)
    types = set(client.events())
    assert types.isdisjoint({"user-started-speaking", "user-transcription", "bot-llm-started", "audio"}), types
