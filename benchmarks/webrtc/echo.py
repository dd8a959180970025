"""The bot of the ``webrtc_sessions`` benchmark, the same code in both frameworks:
every microphone frame is played back to the user as it arrives.

``AudioEcho`` turns each ``InputAudioRawFrame`` into an ``OutputAudioRawFrame`` with
the same PCM (16 kHz mono, the transports' default input rate; the output transport
resamples it to its 24 kHz output rate) and passes every other frame on. Only the
frame imports differ: Pipecat's classes in ``.venv-pipecat``, rtvi_core's (the same
names and signatures) in ``.venv-rtvi`` (``benchmarks/bench_processor.py``), where it is
also a processor plugin (``[[processors]] use = "audio-echo"``, loaded by ``rtvi_server.py``).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from bench_processor import PIPECAT, Component, FrameProcessor, NoSettings, processors_hook

if PIPECAT:
    from pipecat.frames.frames import InputAudioRawFrame, OutputAudioRawFrame
else:
    from rtvi_core.frames import InputAudioRawFrame, OutputAudioRawFrame


class AudioEcho(FrameProcessor, Component):  # type: ignore[misc]
    """Plays the user's audio back: input audio frames in, output audio frames out."""

    PLUGIN_NAME = "audio-echo"
    DESCRIPTION = "Plays the microphone back (webrtc_sessions benchmark)"
    Config = NoSettings

    async def process_frame(self, frame: Any, direction: Any) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            echo = OutputAudioRawFrame(
                audio=frame.audio, sample_rate=frame.sample_rate, num_channels=frame.num_channels
            )
            await self.push_frame(echo)
        else:
            await self.push_frame(frame, direction)


rtvi_register_processors = processors_hook(AudioEcho)
