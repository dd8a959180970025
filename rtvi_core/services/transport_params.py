"""``TransportParams``: what a transport sends and receives, and how."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import record

if TYPE_CHECKING:
    from .vad import VADAnalyzer


@record(eq=True)
class TransportParams:
    """Audio settings shared by a transport's input and output.

    Sample rates left as None take the run's rates from the StartFrame.
    ``audio_in_stream_on_start`` false holds client audio back until an
    :class:`~rtvi_core.frames.InputTransportStartAudioStreamingFrame` arrives.
    ``audio_in_burst_secs`` and ``audio_in_max_speed`` bound how far client audio may
    run ahead of real time (so that one client cannot buy unbounded VAD/STT work):
    bursts of ``audio_in_burst_secs`` of audio, then at most ``audio_in_max_speed`` ×
    real time; audio beyond is dropped, with one non-fatal error per episode
    (``audio_in_max_speed = 0``: no bound).
    ``audio_out_10ms_chunks``: output audio is written in chunks of that many 10 ms.
    ``audio_out_realtime``: pace output audio at playback speed (off for tests and
    offline rendering). ``bot_silence_timeout_secs``: how long without output audio
    before the bot counts as stopped speaking. ``vad_analyzer`` turns input audio
    into user speaking events.
    """

    audio_in_enabled: bool = False
    audio_in_sample_rate: int | None = None
    audio_in_channels: int = 1
    audio_in_stream_on_start: bool = True
    audio_in_burst_secs: float = 20.0
    audio_in_max_speed: float = 1.5
    audio_out_enabled: bool = False
    audio_out_sample_rate: int | None = None
    audio_out_channels: int = 1
    audio_out_10ms_chunks: int = 4
    audio_out_realtime: bool = True
    bot_silence_timeout_secs: float = 0.35
    bot_speaking_interval_secs: float = 0.2
    vad_analyzer: VADAnalyzer | None = None
