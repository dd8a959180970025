"""The spoken set of the voice_turns benchmark: 24 utterances in espeak-ng voices, not the bot's.

Each utterance is one or more phrases, each synthesized by espeak-ng (the rtvi-espeak
plugin's engine) in one of :data:`VOICES` — other voices than the bot's Piper ``joe`` —
resampled to 16 kHz mono PCM16, trimmed of silence and joined with the utterance's
pause between phrases: 16 single phrases of 0.7–5 s, and 8 with a pause inside (0.5–0.8
s), most of them after a word that leaves the sentence open ("I'd like to book a table
for ... two people at eight."), one after a whole sentence ("Let me think. ... I'll have
the chicken salad, please."). Cached as WAVs in ``benchmarks/voice/clips/`` (git-ignored),
keyed by the text, the voice and the pause.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass

from utterances import CLIPS_DIR, RATE, _slug, _write_wav
from voice_support import trim_silence

from rtvi_core.testing.speech import SpeechClip

#: espeak-ng voices (language + variant), used in turn; the bot speaks with Piper's joe.
VOICES = ("en-us", "en-gb", "en-us+f3", "en-gb-x-rp+m3", "en-us+Andy", "en-gb+f2")
#: Words per minute: a little slower than espeak's default 175, closer to a person's.
WORDS_PER_MINUTE = 155


@dataclass(frozen=True)
class Utterance:
    """Phrases spoken with ``pause_secs`` of silence between them."""

    phrases: tuple[str, ...]
    pause_secs: float = 0.0

    @property
    def text(self) -> str:
        return " ".join(self.phrases)


UTTERANCES = (
    Utterance(("What time is it?",)),
    Utterance(("Turn off the lights.",)),
    Utterance(("Can you book a table for two tonight?",)),
    Utterance(("How long does it take to drive to Boston?",)),
    Utterance(("What is the capital of Australia?",)),
    Utterance(("Please set an alarm for seven in the morning.",)),
    Utterance(("Could you tell me the way to the nearest train station?",)),
    Utterance(("I would like to know whether the museum is open on Sunday afternoon.",)),
    Utterance(("Play some relaxing music in the living room, please.",)),
    Utterance(("Yes, that sounds good.",)),
    Utterance(("How many people live in New York City?",)),
    Utterance(("Remind me to call my sister when I get home from work this evening.",)),
    Utterance(("What is the weather going to be like tomorrow?",)),
    Utterance(("Tell me a joke.",)),
    Utterance(("Can you add milk, eggs and bread to my shopping list?",)),
    Utterance(("I am looking for a good Italian restaurant near the city center, do you know one?",)),
    Utterance(("I'd like to book a table for", "two people at eight."), 0.6),
    Utterance(("Please send the report to", "my manager by Friday."), 0.7),
    Utterance(("I want to fly from London to", "Paris next Monday."), 0.6),
    Utterance(("Can you remind me to", "buy flowers tomorrow?"), 0.5),
    Utterance(("My favourite colour is blue and", "my favourite food is pizza."), 0.6),
    Utterance(("So I was wondering if", "you could help me with my homework."), 0.7),
    Utterance(("Let me think.", "I'll have the chicken salad, please."), 0.8),
    Utterance(("Um,", "what is the weather in Rome?"), 0.6),
)

#: What the user says to interrupt the bot (the barge-in measurement).
INTERRUPTION = Utterance(("Wait, stop please.",))


def spoken(utterances: tuple[Utterance, ...] = UTTERANCES) -> list[SpeechClip]:
    """The utterances as speech (16 kHz, no silence at the ends), the voices taken in turn,
    synthesized on first use and cached."""
    CLIPS_DIR.mkdir(exist_ok=True)
    clips = []
    for index, utterance in enumerate(utterances):
        voice = VOICES[index % len(VOICES)]
        path = CLIPS_DIR / f"{_slug(utterance.text)}-{voice.replace('+', '-')}-{utterance.pause_secs:g}.wav"
        if not path.exists():
            _write_wav(path, _speak(utterance, voice))
        with wave.open(str(path), "rb") as wav:
            clips.append(SpeechClip(path.stem, wav.readframes(wav.getnframes()), RATE, utterance.text))
    return clips


def _speak(utterance: Utterance, voice: str) -> bytes:
    import anyio
    from rtvi_espeak.engine import VoiceSettings, get_engine

    from rtvi_core.audio import resample_once

    engine = get_engine()
    settings = VoiceSettings(voice, WORDS_PER_MINUTE, 50)

    async def phrase(text: str) -> bytes:
        return (await engine.synthesize(text, settings)).pcm

    pause = bytes(int(utterance.pause_secs * RATE) * 2)
    parts = [
        trim_silence(resample_once(anyio.run(phrase, text), engine.sample_rate, RATE)) for text in utterance.phrases
    ]
    return pause.join(parts)
