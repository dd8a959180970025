"""``TransportParams``: what a transport sends and receives, and how."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..records import record, setting

if TYPE_CHECKING:
    from .vad import VADAnalyzer


@record(eq=True)
class TransportParams:
    """Audio settings shared by a transport's input and output; each but ``vad_analyzer`` is
    also a ``[transport]`` bot-file key (its description and limits are declared here).

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
    offline rendering). ``audio_out_ahead_secs``: while pacing, send audio up to this far
    ahead of the client's playback, so that the client (a phone carrier's buffer) rides
    out a late write instead of playing a gap; an interruption's ``clear`` drops it. ``audio_out_hold_on_speech``: at the VAD's first speech window
    while the bot speaks, hold its audio until the VAD confirms a barge-in (the
    interruption drops it) or dismisses it (it goes on). ``bot_silence_timeout_secs``: how long without output audio
    before the bot counts as stopped speaking. ``vad_analyzer`` turns input audio
    into user speaking events.
    """

    audio_in_enabled: bool = setting(default=False, description="accept microphone audio from the client")
    audio_in_sample_rate: int | None = setting(default=None, description="None: the run's input rate", gt=0)
    audio_in_channels: int = setting(default=1, ge=1)
    audio_in_stream_on_start: bool = setting(default=True, description="pass client audio from the start")
    audio_in_burst_secs: float = setting(
        default=20.0, description="seconds of client audio accepted at once, ahead of real time", gt=0
    )
    audio_in_max_speed: float = setting(
        default=1.5, description="sustained client audio, × real time, beyond the burst (0 = no bound)", ge=0
    )
    audio_out_enabled: bool = setting(default=False, description="send the bot's audio to the client")
    audio_out_sample_rate: int | None = setting(default=None, description="None: the run's output rate", gt=0)
    audio_out_channels: int = setting(default=1, ge=1)
    audio_out_10ms_chunks: int = setting(default=4, description="output chunk length, in 10 ms", ge=1)
    audio_out_realtime: bool = setting(default=True, description="pace output audio at playback speed")
    audio_out_ahead_secs: float = setting(
        default=0.0,
        description="while pacing, send audio this far ahead of playback (the client buffers it)",
        ge=0,
        le=1,
    )
    audio_out_hold_on_speech: bool = setting(
        default=True, description="pause the bot's audio at the first speech window while the VAD confirms a barge-in"
    )
    bot_silence_timeout_secs: float = setting(default=0.35, description="silence that ends bot speech", gt=0)
    bot_speaking_interval_secs: float = setting(default=0.2, gt=0)
    vad_analyzer: VADAnalyzer | None = None
