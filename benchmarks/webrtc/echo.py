"""The bot of the ``webrtc_sessions`` benchmark, the same code in both frameworks:
every microphone frame is played back to the user as it arrives.

``AudioEcho`` turns each ``InputAudioRawFrame`` into an ``OutputAudioRawFrame`` with
the same PCM (16 kHz mono, the transports' default input rate; the output transport
resamples it to its 24 kHz output rate) and passes every other frame on. Only the
import block differs: Pipecat's classes in ``.venv-pipecat``, rtvi_core's (the same
names and signatures) in ``.venv-rtvi``, where it is also a processor plugin
(``[[processors]] use = "audio-echo"``, loaded by ``rtvi_server.py``).
"""

from __future__ import annotations

from typing import Any

try:
    from pipecat.frames.frames import InputAudioRawFrame, OutputAudioRawFrame
    from pipecat.processors.frame_processor import FrameProcessor

    Component: Any = object
    hookimpl: Any = None
    EchoConfig: Any = None
except ImportError:  # the rtvi_core venv
    from pydantic import BaseModel

    from rtvi_core import FrameProcessor
    from rtvi_core.frames import InputAudioRawFrame, OutputAudioRawFrame
    from rtvi_core.plugins import Component, hookimpl

    class EchoConfig(BaseModel):  # type: ignore[no-redef]
        """No settings."""


class AudioEcho(FrameProcessor, Component):  # type: ignore[misc]
    """Plays the user's audio back: input audio frames in, output audio frames out."""

    PLUGIN_NAME = "audio-echo"
    DESCRIPTION = "Plays the microphone back (webrtc_sessions benchmark)"
    Config = EchoConfig

    async def process_frame(self, frame: Any, direction: Any) -> None:
        await super().process_frame(frame, direction)
        if isinstance(frame, InputAudioRawFrame):
            echo = OutputAudioRawFrame(
                audio=frame.audio, sample_rate=frame.sample_rate, num_channels=frame.num_channels
            )
            await self.push_frame(echo)
        else:
            await self.push_frame(frame, direction)


if hookimpl is not None:

    @hookimpl  # type: ignore[untyped-decorator]
    def rtvi_register_processors(register: Any) -> None:
        register(AudioEcho)
