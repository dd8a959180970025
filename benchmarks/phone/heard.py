"""The stand-in speech-to-text of the phone_calls benchmark, the same code in both frameworks.

The bots run no STT model (the benchmark measures the media path, not a model), so
``Heard`` plays the transcriber: when the VAD says the caller stopped speaking, it
pushes a ``TranscriptionFrame`` of the question the load client asked (``QUESTION``),
which the user aggregator turns into the user's turn; the echo LLM answers it ("You
said: …") and the tone TTS speaks the answer. It sits right after the transport input.

The VAD runs in the transport input in rtvi_core (``UserStoppedSpeakingFrame`` going
downstream) and in the user aggregator in Pipecat 1.14 (which broadcasts
``VADUserStoppedSpeakingFrame``, so a copy comes upstream to here); each import block
names its framework's frame. Only the frame imports differ: Pipecat's classes in
``.venv-pipecat``, rtvi_core's in ``.venv-rtvi`` (``benchmarks/bench_processor.py``), where
it is also a processor plugin (``[[processors]] use = "heard"``, loaded by ``rtvi_server.py``).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_processor import PIPECAT, Component, FrameDirection, FrameProcessor, NoSettings, processors_hook

QUESTION = "what is the weather like in Paris today"

if PIPECAT:
    from pipecat.frames.frames import TranscriptionFrame
    from pipecat.frames.frames import VADUserStartedSpeakingFrame as StartedSpeaking
    from pipecat.frames.frames import VADUserStoppedSpeakingFrame as StoppedSpeaking
else:
    from rtvi_core.frames import TranscriptionFrame
    from rtvi_core.frames import UserStartedSpeakingFrame as StartedSpeaking
    from rtvi_core.frames import UserStoppedSpeakingFrame as StoppedSpeaking


class Heard(FrameProcessor, Component):  # type: ignore[misc]
    """A transcription of ``QUESTION`` at the end of each stretch of caller speech."""

    PLUGIN_NAME = "heard"
    DESCRIPTION = "Stand-in STT: the benchmark's question at each end of speech (phone_calls benchmark)"
    Config = NoSettings

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._speaking = False

    async def process_frame(self, frame: Any, direction: Any) -> None:
        await super().process_frame(frame, direction)
        await self.push_frame(frame, direction)
        if isinstance(frame, StartedSpeaking):
            self._speaking = True
        elif isinstance(frame, StoppedSpeaking) and self._speaking:
            self._speaking = False
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S")
            await self.push_frame(TranscriptionFrame(QUESTION, "caller", stamp), FrameDirection.DOWNSTREAM)


rtvi_register_processors = processors_hook(Heard)
